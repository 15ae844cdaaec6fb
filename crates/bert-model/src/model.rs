//! `BertModel`: embeddings, encoder and the optional pooler.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::tanh;
use burn::tensor::{Device, Tensor};

use crate::batch::BertInput;
use crate::embeddings::BertEmbeddings;
use crate::encoder::BertEncoder;
use crate::kernels::Kernels;
use crate::{BertConfig, init};

/// HF: `BertPooler`, tanh(dense(hidden state of [CLS])).
#[derive(Module, Debug)]
pub struct BertPooler {
    pub dense: Linear,
}

impl BertPooler {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        let h = config.hidden_size;
        Self {
            dense: init::linear(h, h, config, device),
        }
    }

    /// # Shapes
    /// - `hidden`: `[batch, seq, hidden]` → `[batch, hidden]`
    pub fn forward(&self, hidden: Tensor<3>) -> Tensor<2> {
        let [batch, _, width] = hidden.dims();
        let first = hidden.narrow(1, 0, 1).reshape([batch, width]);
        tanh(self.dense.forward(first))
    }
}

#[derive(Module, Debug)]
pub struct BertModel {
    pub embeddings: BertEmbeddings,
    pub encoder: BertEncoder,
    /// Absent in HF's QA and token-classification models (`add_pooling_layer=False`).
    pub pooler: Option<BertPooler>,
}

/// What `BertModel::forward` returns.
#[derive(Debug, Clone)]
pub struct BertModelOutput {
    /// `[batch, seq, hidden]`
    pub last_hidden_state: Tensor<3>,
    /// `[batch, hidden]`, when the model has a pooler.
    pub pooler_output: Option<Tensor<2>>,
}

impl BertModel {
    pub fn new(config: &BertConfig, with_pooler: bool, device: &Device) -> Self {
        Self {
            embeddings: BertEmbeddings::new(config, device),
            encoder: BertEncoder::new(config, device),
            pooler: with_pooler.then(|| BertPooler::new(config, device)),
        }
    }

    /// The same model, running `kernels` in every layer. Built models run [`Kernels::Burn`];
    /// inference on the CPU asks for [`Kernels::CpuInference`] (see [`Kernels::for_inference`]).
    pub fn with_kernels(mut self, kernels: Kernels) -> Self {
        self.encoder = self.encoder.with_kernels(kernels);
        self
    }

    pub fn forward(&self, input: BertInput) -> BertModelOutput {
        let mask_bias = input.mask_bias();
        let x = self
            .embeddings
            .forward(input.input_ids, input.token_type_ids);
        let last_hidden_state = self.encoder.forward(x, mask_bias);
        let pooler_output = self
            .pooler
            .as_ref()
            .map(|p| p.forward(last_hidden_state.clone()));
        BertModelOutput {
            last_hidden_state,
            pooler_output,
        }
    }
}
