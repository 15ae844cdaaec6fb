//! `BertLayer` (attention + feed-forward, both post-norm) and the `BertEncoder` stack.

use burn::module::Module;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::{Device, Tensor};

use crate::activation::HiddenAct;
use crate::attention::BertAttention;
use crate::dropout::Dropout;
use crate::kernels::Kernels;
use crate::{BertConfig, cpu_kernels, init};

/// HF: `BertIntermediate`, the first feed-forward projection and its activation.
#[derive(Module, Debug)]
pub struct BertIntermediate {
    pub dense: Linear,
    #[module(skip)]
    pub act: HiddenAct,
    /// burn's linear and activation, or the fused host GELU for CPU inference.
    #[module(skip)]
    pub kernels: Kernels,
}

/// HF: `BertOutput`, the second feed-forward projection, dropout, residual and LayerNorm.
#[derive(Module, Debug)]
pub struct BertOutput {
    pub dense: Linear,
    /// HF: `LayerNorm`.
    pub layer_norm: LayerNorm,
    pub dropout: Dropout,
}

impl BertIntermediate {
    /// # Shapes
    /// - `hidden`: `[batch, seq, hidden]`; output: `[batch, seq, intermediate]`
    pub fn forward(&self, hidden: Tensor<3>) -> Tensor<3> {
        if self.act == HiddenAct::Gelu && self.kernels.on_host(&hidden) {
            let bias = self.dense.bias.as_ref().map(|b| b.val());
            return cpu_kernels::linear_gelu(hidden, self.dense.weight.val(), bias);
        }
        self.act.forward(self.dense.forward(hidden))
    }
}

#[derive(Module, Debug)]
pub struct BertLayer {
    pub attention: BertAttention,
    pub intermediate: BertIntermediate,
    pub output: BertOutput,
}

#[derive(Module, Debug)]
pub struct BertEncoder {
    /// HF: `layer` (`encoder.layer.{i}`).
    pub layer: Vec<BertLayer>,
}

impl BertLayer {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        let (h, i) = (config.hidden_size, config.intermediate_size);
        // `validate` has accepted the name already; fall back to BERT's own on a hand-built config.
        let act = HiddenAct::parse(&config.hidden_act).unwrap_or(HiddenAct::Gelu);
        Self {
            attention: BertAttention::new(config, device),
            intermediate: BertIntermediate {
                dense: init::linear(h, i, config, device),
                act,
                kernels: Kernels::Burn,
            },
            output: BertOutput {
                dense: init::linear(i, h, config, device),
                layer_norm: init::layer_norm(config, device),
                dropout: Dropout::new(config.hidden_dropout_prob),
            },
        }
    }

    /// # Shapes
    /// - `hidden`, output: `[batch, seq, hidden]`; `mask_bias`: `[batch, 1, 1, seq]`
    pub fn forward(&self, hidden: Tensor<3>, mask_bias: Tensor<4>) -> Tensor<3> {
        let attended = self.attention.forward(hidden, mask_bias);
        let inner = self.intermediate.forward(attended.clone()); // [batch, seq, inter]
        let x = self
            .output
            .dropout
            .forward(self.output.dense.forward(inner));
        self.output.layer_norm.forward(x + attended)
    }
}

impl BertEncoder {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        Self {
            layer: (0..config.num_hidden_layers)
                .map(|_| BertLayer::new(config, device))
                .collect(),
        }
    }

    /// The same layers, running `kernels` (see [`Kernels`]).
    pub fn with_kernels(mut self, kernels: Kernels) -> Self {
        for layer in &mut self.layer {
            layer.attention.self_attn.kernels = kernels;
            layer.intermediate.kernels = kernels;
        }
        self
    }

    /// # Shapes
    /// - `hidden`, output: `[batch, seq, hidden]`; `mask_bias`: `[batch, 1, 1, seq]`
    pub fn forward(&self, hidden: Tensor<3>, mask_bias: Tensor<4>) -> Tensor<3> {
        self.layer
            .iter()
            .fold(hidden, |x, layer| layer.forward(x, mask_bias.clone()))
    }
}
