//! The `hidden_act` values of Hugging Face BERT configs (`transformers.activations.ACT2FN`).

use burn::tensor::Tensor;
use burn::tensor::activation;

/// Feed-forward activation, parsed from `config.hidden_act`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenAct {
    /// `gelu`: the exact erf form (BERT's own).
    Gelu,
    /// `gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`: the tanh approximation.
    GeluTanh,
    /// `quick_gelu`: `x * sigmoid(1.702 x)`.
    QuickGelu,
    Relu,
    /// `silu` and `swish`.
    Silu,
    Tanh,
}

impl HiddenAct {
    /// Maps an HF name; the error lists the supported ones.
    pub fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "gelu" => Self::Gelu,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Self::GeluTanh,
            "quick_gelu" => Self::QuickGelu,
            "relu" => Self::Relu,
            "silu" | "swish" => Self::Silu,
            "tanh" => Self::Tanh,
            other => {
                return Err(format!(
                    "hidden_act \"{other}\" is not supported (gelu, gelu_new, gelu_pytorch_tanh, \
                     gelu_fast, quick_gelu, relu, silu, swish, tanh)"
                ));
            }
        })
    }

    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Self::Gelu => activation::gelu(x),
            Self::GeluTanh => activation::gelu_approximate(x),
            Self::QuickGelu => x.clone() * activation::sigmoid(x * 1.702),
            Self::Relu => activation::relu(x),
            Self::Silu => activation::silu(x),
            Self::Tanh => activation::tanh(x),
        }
    }
}
