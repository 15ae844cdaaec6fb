//! Which implementation of the attention softmax and the erf GELU a forward pass runs. The
//! model carries the choice; whoever loads it for a purpose sets it, with
//! [`BertModel::with_kernels`](crate::BertModel::with_kernels) or a head's own.
//!
//! Why a choice rather than a test of the device inside `forward`: the host loops of
//! [`cpu_kernels`](crate::cpu_kernels) read tensors back to the host, which cuts an autodiff
//! graph. burn's `Device` equality ignores autodiff, so a test of `device == Device::flex()`
//! once sent CPU training through them and the feed-forward layers got no gradient.

use burn::tensor::{DType, Device, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kernels {
    /// burn's tensor ops: differentiable, on every device. Every model is built with these,
    /// and training keeps them.
    #[default]
    Burn,
    /// The vectorised host loops of `cpu_kernels` for the attention softmax (when no dropout
    /// runs) and the erf GELU: CPU inference (`predict`, the page's CPU backend, evaluation).
    CpuInference,
}

impl Kernels {
    /// The fastest kernels for inference on `device`: the host loops on the plain CPU device,
    /// burn's ops elsewhere (wgpu fuses its own), and never the host loops on an autodiff one.
    pub fn for_inference(device: &Device) -> Self {
        if !device.is_autodiff() && *device == Device::flex() {
            Self::CpuInference
        } else {
            Self::Burn
        }
    }

    /// Whether `x` goes through the host loops: they were chosen, and `x` is a plain f32
    /// tensor. The second half is a guard, not the choice: a model that carries
    /// `CpuInference` and is then moved to an autodiff device (`fork`) keeps its graph whole.
    pub(crate) fn on_host<const D: usize>(self, x: &Tensor<D>) -> bool {
        self == Self::CpuInference && !x.is_autodiff() && x.dtype() == DType::F32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autodiff_never_takes_the_host_loops() {
        let plain = Device::flex();
        let train = plain.clone().autodiff();
        assert_eq!(Kernels::for_inference(&plain), Kernels::CpuInference);
        assert_eq!(Kernels::for_inference(&train), Kernels::Burn);
        let x = Tensor::<2>::zeros([2, 3], &train);
        assert!(!Kernels::CpuInference.on_host(&x));
        assert!(!Kernels::Burn.on_host(&Tensor::<2>::zeros([2, 3], &plain)));
        assert!(Kernels::CpuInference.on_host(&Tensor::<2>::zeros([2, 3], &plain)));
    }
}
