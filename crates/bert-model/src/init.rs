//! Layer constructors with Hugging Face's initialisation (`BertPreTrainedModel._init_weights`):
//! weights ~ N(0, initializer_range), biases 0, LayerNorm 1/0.

use burn::module::Param;
use burn::nn::{
    Embedding, EmbeddingConfig, Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig,
};
use burn::tensor::{Device, Tensor};

use crate::BertConfig;

pub(crate) fn linear(d_in: usize, d_out: usize, config: &BertConfig, device: &Device) -> Linear {
    let mut layer = LinearConfig::new(d_in, d_out)
        .with_initializer(normal(config))
        .init(device);
    layer.bias = Some(Param::from_tensor(Tensor::zeros([d_out], device)));
    layer
}

pub(crate) fn embedding(n: usize, d: usize, config: &BertConfig, device: &Device) -> Embedding {
    EmbeddingConfig::new(n, d)
        .with_initializer(normal(config))
        .init(device)
}

/// The word embeddings, with the `pad_token_id` row zeroed as HF initialises a `padding_idx`.
/// Chained onto the lazy initialiser, so a checkpoint's weights load without a table drawn first.
pub(crate) fn word_embedding(config: &BertConfig, device: &Device) -> Embedding {
    let (n, d, pad) = (config.vocab_size, config.hidden_size, config.pad_token_id);
    let mut table = embedding(n, d, config, device);
    if pad < n {
        table.weight = table.weight.init_mapper(move |w: Tensor<2>| {
            let zeros = Tensor::zeros([1, d], &w.device());
            w.slice_assign(pad..pad + 1, zeros)
        });
    }
    table
}

pub(crate) fn layer_norm(config: &BertConfig, device: &Device) -> LayerNorm {
    LayerNormConfig::new(config.hidden_size)
        .with_epsilon(config.layer_norm_eps)
        .init(device)
}

fn normal(config: &BertConfig) -> Initializer {
    Initializer::Normal {
        mean: 0.0,
        std: config.initializer_range,
    }
}
