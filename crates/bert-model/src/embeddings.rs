//! `BertEmbeddings`: word + absolute position + token type, then LayerNorm and dropout.

use burn::module::Module;
use burn::nn::{Embedding, LayerNorm};
use burn::tensor::{Device, Int, Tensor};

use crate::dropout::Dropout;
use crate::{BertConfig, init};

#[derive(Module, Debug)]
pub struct BertEmbeddings {
    pub word_embeddings: Embedding,
    pub position_embeddings: Embedding,
    pub token_type_embeddings: Embedding,
    /// HF: `LayerNorm`.
    pub layer_norm: LayerNorm,
    pub dropout: Dropout,
    /// HF: `word_embeddings.padding_idx`: this row gets no gradient (and starts at zero).
    #[module(skip)]
    pub pad_token_id: usize,
}

impl BertEmbeddings {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        let h = config.hidden_size;
        Self {
            word_embeddings: init::word_embedding(config, device),
            position_embeddings: init::embedding(config.max_position_embeddings, h, config, device),
            token_type_embeddings: init::embedding(config.type_vocab_size, h, config, device),
            layer_norm: init::layer_norm(config, device),
            dropout: Dropout::new(config.hidden_dropout_prob),
            pad_token_id: config.pad_token_id,
        }
    }

    /// # Shapes
    /// - `input_ids`, `token_type_ids`: `[batch, seq]`
    /// - output: `[batch, seq, hidden]`
    pub fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let [batch, seq] = input_ids.dims();
        let device = input_ids.device();
        // Positions 0..seq for every row, as HF's `position_ids` buffer.
        let positions = Tensor::<1, Int>::arange(0..seq as i64, &device)
            .reshape([1, seq])
            .expand([batch, seq]);
        let hidden = self.word_embeddings.weight.dims()[1];
        // `nn.Embedding(padding_idx=pad)`: the [PAD] row keeps its value but gets no gradient
        // (a QA head's softmax runs over padding too, so it would get one otherwise).
        let pad = input_ids
            .clone()
            .equal_elem(self.pad_token_id as i64)
            .unsqueeze_dim::<3>(2)
            .expand([batch, seq, hidden]);
        let words = self.word_embeddings.forward(input_ids); // [batch, seq, hidden]
        let words = words.clone().mask_where(pad, words.detach());
        let x = words
            + self.token_type_embeddings.forward(token_type_ids)
            + self.position_embeddings.forward(positions);
        self.dropout.forward(self.layer_norm.forward(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_padding_row_starts_at_zero_as_in_hf() {
        let mut config = BertConfig::preset("tiny").unwrap();
        config.vocab_size = 40;
        config.pad_token_id = 3;
        let emb = BertEmbeddings::new(&config, &Device::flex().autodiff());
        // Still lazy: a checkpoint load replaces the table without drawing it.
        assert!(!emb.word_embeddings.weight.is_initialized());
        let w = emb.word_embeddings.weight.val();
        let row = |r: usize| w.clone().narrow(0, r, 1).abs().max().into_scalar::<f32>();
        assert_eq!(row(3), 0.0);
        assert!(row(2) > 0.0 && row(4) > 0.0);
        assert!(w.is_require_grad());
    }
}
