//! `BertForPreTraining`: the masked-language-model and next-sentence heads of HF's
//! `BertForPreTraining` (`cls.predictions.*`, `cls.seq_relationship.*`).
//!
//! The MLM decoder is tied to the word embeddings, as in HF (`tie_word_embeddings`): it has
//! no weight of its own, only `cls.predictions.bias`. HF's `cls.predictions.decoder.*` keys are
//! the same tensors under a second name and are skipped on load.

use burn::module::{Module, Param};
use burn::nn::{LayerNorm, Linear};
use burn::tensor::{Device, Int, Tensor};

use crate::activation::HiddenAct;
use crate::batch::BertInput;
use crate::model::BertModel;
use crate::{BertConfig, init};

/// HF: `BertPredictionHeadTransform`, dense → activation → LayerNorm.
#[derive(Module, Debug)]
pub struct BertPredictionHeadTransform {
    pub dense: Linear,
    #[module(skip)]
    pub act: HiddenAct,
    /// HF: `LayerNorm`.
    pub layer_norm: LayerNorm,
}

/// HF: `BertLMPredictionHead`, the transform and the per-token output bias; the decoder
/// weight is the word-embedding matrix.
#[derive(Module, Debug)]
pub struct BertLMPredictionHead {
    pub transform: BertPredictionHeadTransform,
    /// `[vocab]`
    pub bias: Param<Tensor<1>>,
}

/// HF: `BertPreTrainingHeads`.
#[derive(Module, Debug)]
pub struct BertPreTrainingHeads {
    pub predictions: BertLMPredictionHead,
    pub seq_relationship: Linear,
}

#[derive(Module, Debug)]
pub struct BertForPreTraining {
    pub bert: BertModel,
    pub cls: BertPreTrainingHeads,
}

/// What `BertForPreTraining::forward` returns.
#[derive(Debug, Clone)]
pub struct PreTrainingOutput {
    /// `[batch, seq, vocab]`, or `[positions, vocab]` from [`BertForPreTraining::forward_masked`].
    pub prediction_logits: Tensor<3>,
    /// `[batch, 2]`: index 0 = B follows A, 1 = B is random (HF's convention).
    pub seq_relationship_logits: Tensor<2>,
}

impl BertForPreTraining {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        let h = config.hidden_size;
        let act = HiddenAct::parse(&config.hidden_act).unwrap_or(HiddenAct::Gelu);
        Self {
            bert: BertModel::new(config, true, device),
            cls: BertPreTrainingHeads {
                predictions: BertLMPredictionHead {
                    transform: BertPredictionHeadTransform {
                        dense: init::linear(h, h, config, device),
                        act,
                        layer_norm: init::layer_norm(config, device),
                    },
                    bias: Param::from_tensor(Tensor::zeros([config.vocab_size], device)),
                },
                seq_relationship: init::linear(h, 2, config, device),
            },
        }
    }

    /// Logits for every position, as HF's `prediction_logits`.
    ///
    /// # Shapes
    /// - output: `prediction_logits` `[batch, seq, vocab]`, `seq_relationship_logits` `[batch, 2]`
    pub fn forward(&self, input: BertInput) -> PreTrainingOutput {
        let (hidden, nsp) = self.encode(input);
        let [batch, seq, width] = hidden.dims();
        let logits = self.mlm_logits(hidden.reshape([batch * seq, width]));
        let vocab = logits.dims()[1];
        PreTrainingOutput {
            prediction_logits: logits.reshape([batch, seq, vocab]),
            seq_relationship_logits: nsp,
        }
    }

    /// Logits only where they are needed: `positions` index the flattened `[batch * seq]`
    /// tokens (the masked ones). With ~15% of tokens masked this skips ~85% of the
    /// `hidden × vocab` decoder, by far the largest matmul of a small BERT.
    ///
    /// # Shapes
    /// - `positions`: `[n]` → `prediction_logits` `[1, n, vocab]`
    pub fn forward_masked(&self, input: BertInput, positions: Tensor<1, Int>) -> PreTrainingOutput {
        let (hidden, nsp) = self.encode(input);
        let [batch, seq, width] = hidden.dims();
        let picked = hidden.reshape([batch * seq, width]).select(0, positions); // [n, hidden]
        let logits = self.mlm_logits(picked);
        PreTrainingOutput {
            prediction_logits: logits.unsqueeze_dim(0),
            seq_relationship_logits: nsp,
        }
    }

    fn encode(&self, input: BertInput) -> (Tensor<3>, Tensor<2>) {
        let out = self.bert.forward(input);
        let pooled = match out.pooler_output {
            Some(pooled) => pooled,
            // `new` always builds the pooler; only a hand-made module lacks it.
            None => panic!("BertForPreTraining needs a pooler"),
        };
        (
            out.last_hidden_state,
            self.cls.seq_relationship.forward(pooled),
        )
    }

    /// # Shapes
    /// - `hidden`: `[n, hidden]` → `[n, vocab]`
    fn mlm_logits(&self, hidden: Tensor<2>) -> Tensor<2> {
        let t = &self.cls.predictions.transform;
        let h = t.layer_norm.forward(t.act.forward(t.dense.forward(hidden)));
        let words = self.bert.embeddings.word_embeddings.weight.val(); // [vocab, hidden]
        let bias = self.cls.predictions.bias.val().unsqueeze_dim(0); // [1, vocab]
        h.matmul(words.transpose()) + bias
    }
}
