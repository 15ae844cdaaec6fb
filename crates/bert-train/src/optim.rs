//! The optimizer as HF's `Trainer` sets it up: AdamW with weight decay on every parameter but
//! biases and LayerNorm weights, global gradient-norm clipping, and a linear schedule with
//! warmup.

use std::path::Path;

use burn::module::{Module, ModuleVisitor, Param, ParamGroup, ParamId};
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{Result, TrainError};
use crate::host_adamw::HostAdamW;

/// AdamW with clipping: burn's tensor ops on a GPU, the fused host loop on the CPU.
pub enum Optimizer {
    Device(ModuleOptimizer),
    Host(Box<HostAdamW>),
}

impl Optimizer {
    pub fn new<M: Module>(module: &M, weight_decay: f64, epsilon: f64, device: &Device) -> Self {
        if *device == Device::flex() {
            Self::Host(Box::new(HostAdamW::new(module, weight_decay, epsilon)))
        } else {
            Self::Device(adamw(module, weight_decay, epsilon))
        }
    }

    /// Clips the gradients to a global norm of `max_norm` and steps. Returns the model and the
    /// norm before clipping, read back only when logged.
    pub fn step<M: Module>(
        &mut self,
        lr: f64,
        module: M,
        grads: GradientsParams,
        max_norm: f64,
    ) -> Result<(M, Option<Tensor<1>>)> {
        match self {
            Self::Device(optim) => {
                let (grads, norm) = clip_grad_norm(&module, grads, max_norm);
                Ok((optim.step(lr, module, grads), norm))
            }
            Self::Host(optim) => {
                let (module, norm) = optim.step(lr, module, grads, max_norm)?;
                let norm = norm.map(|n| {
                    Tensor::from_data(TensorData::new(vec![n as f32], [1]), &Device::flex())
                });
                Ok((module, norm))
            }
        }
    }

    /// The file of its state inside a checkpoint folder.
    fn file(&self, dir: &Path) -> std::path::PathBuf {
        dir.join(match self {
            Self::Device(_) => "optimizer.bpk",
            Self::Host(_) => "optimizer.safetensors",
        })
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = self.file(dir);
        match self {
            Self::Device(optim) => optim
                .save(&path)
                .map_err(|e| TrainError::checkpoint(&path, e)),
            Self::Host(optim) => optim.save(&path),
        }
    }

    /// Loads the state a run on the same kind of device saved in `dir`.
    pub fn load(self, dir: &Path) -> Result<Self> {
        let path = self.file(dir);
        if !path.exists() {
            let (this, other) = match self {
                Self::Device(_) => ("GPU", "CPU"),
                Self::Host(_) => ("CPU", "GPU"),
            };
            return Err(TrainError::checkpoint(
                &path,
                format!(
                    "missing: a {this} run resumes only a {this} run's checkpoint \
                     (was this one made on the {other}?)"
                ),
            ));
        }
        Ok(match self {
            Self::Device(optim) => Self::Device(
                optim
                    .load(&path)
                    .map_err(|e| TrainError::checkpoint(&path, e))?,
            ),
            Self::Host(optim) => Self::Host(Box::new(optim.load(&path)?)),
        })
    }
}

/// Whether a parameter is spared weight decay: HF's `["bias", "LayerNorm.weight"]` rule, in our
/// names (`layer_norm.gamma/beta`).
pub fn no_decay(path: &str) -> bool {
    path.ends_with(".bias") || path.contains("layer_norm.")
}

/// Paths and ids of every float parameter, in module order.
#[derive(Default)]
struct ParamPaths {
    stack: Vec<String>,
    params: Vec<(String, ParamId)>,
}

impl ModuleVisitor for ParamPaths {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.stack.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.params.push((self.stack.join("."), param.id));
    }
}

/// `(path, id)` of every float parameter of `module`.
pub fn param_paths<M: Module>(module: &M) -> Vec<(String, ParamId)> {
    let mut v = ParamPaths::default();
    module.visit(&mut v);
    v.params
}

/// AdamW(β = 0.9, 0.999) with `weight_decay` on the decayed group and none on the rest.
pub fn adamw<M: Module>(module: &M, weight_decay: f64, epsilon: f64) -> ModuleOptimizer {
    let config = |wd: f64| {
        AdamWConfig::new()
            .with_epsilon(epsilon as f32)
            .with_weight_decay(wd as f32)
    };
    let spared: Vec<ParamId> = param_paths(module)
        .into_iter()
        .filter(|(path, _)| no_decay(path))
        .map(|(_, id)| id)
        .collect();
    config(weight_decay)
        .init()
        .with_group(ParamGroup::from_ids(spared), config(0.0).build(), None)
}

/// HF's `get_linear_schedule_with_warmup`: the learning rate of optimizer step `step` (0-based).
pub fn linear_lr(peak: f64, step: usize, warmup: usize, total: usize) -> f64 {
    if step < warmup {
        return peak * step as f64 / warmup.max(1) as f64;
    }
    let left = total.saturating_sub(step) as f64;
    peak * (left / total.saturating_sub(warmup).max(1) as f64).max(0.0)
}

/// Scales every gradient by `min(1, max_norm / (‖g‖ + 1e-6))`, where ‖g‖ is the norm of all
/// gradients together (`torch.nn.utils.clip_grad_norm_`), without reading anything back from
/// the device. Returns the gradients and the norm before clipping.
///
/// # Shapes
/// - returned norm: `[1]`
pub fn clip_grad_norm<M: Module>(
    module: &M,
    grads: GradientsParams,
    max_norm: f64,
) -> (GradientsParams, Option<Tensor<1>>) {
    let mut sum = SquaredNorm {
        grads: &grads,
        total: None,
    };
    module.visit(&mut sum);
    let Some(total) = sum.total else {
        return (grads, None);
    };
    let norm = total.sqrt();
    if max_norm <= 0.0 {
        return (grads, Some(norm));
    }
    let coef = (norm.clone().add_scalar(1e-6).recip() * max_norm).clamp_max(1.0);
    let mut scale = Scale { grads, coef };
    module.visit(&mut scale);
    (scale.grads, Some(norm))
}

struct SquaredNorm<'a> {
    grads: &'a GradientsParams,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            let s = g.square().sum();
            self.total = Some(match self.total.take() {
                Some(t) => t + s,
                None => s,
            });
        }
    }
}

struct Scale {
    grads: GradientsParams,
    coef: Tensor<1>,
}

impl ModuleVisitor for Scale {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            let coef = self.coef.clone().reshape([1; D]);
            self.grads.register(param.id, g * coef);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_matches_hf() {
        // get_linear_schedule_with_warmup(opt, 10, 100): lr_lambda(k) for k = 0, 5, 10, 55, 100.
        let lr: Vec<f64> = [0, 5, 10, 55, 100]
            .iter()
            .map(|&k| linear_lr(1.0, k, 10, 100))
            .collect();
        assert_eq!(lr, [0.0, 0.5, 1.0, 0.5, 0.0]);
        assert_eq!(linear_lr(2e-5, 0, 0, 10), 2e-5);
    }

    #[test]
    fn decay_groups_follow_hf_names() {
        for path in [
            "bert.embeddings.layer_norm.gamma",
            "bert.encoder.layer.0.output.layer_norm.beta",
            "classifier.bias",
        ] {
            assert!(no_decay(path), "{path}");
        }
        for path in [
            "classifier.weight",
            "bert.embeddings.word_embeddings.weight",
        ] {
            assert!(!no_decay(path), "{path}");
        }
    }
}
