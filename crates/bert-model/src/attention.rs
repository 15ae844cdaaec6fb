//! `BertAttention` = `BertSelfAttention` (multi-head scaled dot product) + `BertSelfOutput`
//! (projection, dropout, residual, post-norm).

use burn::module::Module;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Device, Tensor};

use crate::dropout::Dropout;
use crate::kernels::Kernels;
use crate::{BertConfig, cpu_kernels, init};

#[derive(Module, Debug)]
pub struct BertSelfAttention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub dropout: Dropout,
    #[module(skip)]
    pub num_heads: usize,
    #[module(skip)]
    pub head_dim: usize,
    /// burn's fused attention, or the host softmax for CPU inference.
    #[module(skip)]
    pub kernels: Kernels,
}

impl BertSelfAttention {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        let h = config.hidden_size;
        Self {
            query: init::linear(h, h, config, device),
            key: init::linear(h, h, config, device),
            value: init::linear(h, h, config, device),
            dropout: Dropout::new(config.attention_probs_dropout_prob),
            num_heads: config.num_attention_heads,
            head_dim: h / config.num_attention_heads,
            kernels: Kernels::Burn,
        }
    }

    /// # Shapes
    /// - `hidden`: `[batch, seq, hidden]`
    /// - `mask_bias`: `[batch, 1, 1, seq]`, 0 for tokens and a large negative for padding
    /// - output: `[batch, seq, hidden]`
    pub fn forward(&self, hidden: Tensor<3>, mask_bias: Tensor<4>) -> Tensor<3> {
        let [batch, seq, width] = hidden.dims();
        let (heads, dim) = (self.num_heads, self.head_dim);
        let split = |x: Tensor<3>| x.reshape([batch, seq, heads, dim]).swap_dims(1, 2);
        let q = split(self.query.forward(hidden.clone())); // [batch, heads, seq, dim]
        let k = split(self.key.forward(hidden.clone()));
        let v = split(self.value.forward(hidden));

        let context = if self.dropout.is_active(&q) {
            // Attention-probability dropout needs the probabilities, which the fused op hides.
            let scores = q.matmul(k.swap_dims(2, 3)) * (1.0 / (dim as f64).sqrt()) + mask_bias;
            let probs = self.dropout.forward(softmax(scores, 3)); // [batch, heads, seq, seq]
            probs.matmul(v)
        } else if self.kernels.on_host(&q) {
            cpu_kernels::attention(q, k, v, mask_bias, 1.0 / (dim as f32).sqrt())
        } else {
            let bias = mask_bias.expand([batch, heads, seq, seq]);
            attention(q, k, v, None, Some(bias), AttentionModuleOptions::default())
        };
        context.swap_dims(1, 2).reshape([batch, seq, width])
    }
}

/// HF: `BertSelfOutput`.
#[derive(Module, Debug)]
pub struct BertSelfOutput {
    pub dense: Linear,
    /// HF: `LayerNorm`.
    pub layer_norm: LayerNorm,
    pub dropout: Dropout,
}

impl BertSelfOutput {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        let h = config.hidden_size;
        Self {
            dense: init::linear(h, h, config, device),
            layer_norm: init::layer_norm(config, device),
            dropout: Dropout::new(config.hidden_dropout_prob),
        }
    }

    /// # Shapes
    /// - `hidden`, `residual`, output: `[batch, seq, hidden]`
    pub fn forward(&self, hidden: Tensor<3>, residual: Tensor<3>) -> Tensor<3> {
        let x = self.dropout.forward(self.dense.forward(hidden));
        self.layer_norm.forward(x + residual)
    }
}

#[derive(Module, Debug)]
pub struct BertAttention {
    /// HF: `self` (a Rust keyword).
    pub self_attn: BertSelfAttention,
    pub output: BertSelfOutput,
}

impl BertAttention {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        Self {
            self_attn: BertSelfAttention::new(config, device),
            output: BertSelfOutput::new(config, device),
        }
    }

    /// # Shapes
    /// - `hidden`, output: `[batch, seq, hidden]`; `mask_bias`: `[batch, 1, 1, seq]`
    pub fn forward(&self, hidden: Tensor<3>, mask_bias: Tensor<4>) -> Tensor<3> {
        let context = self.self_attn.forward(hidden.clone(), mask_bias);
        self.output.forward(context, hidden)
    }
}
