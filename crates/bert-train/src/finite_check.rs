//! The check before every save that the weights are numbers: run on every checkpoint, not only
//! on logging steps, so that `--save-steps` that are not a multiple of `--logging-steps` cannot
//! write a diverged model. A finite loss does not prove finite weights: an update can overflow
//! (a huge learning rate) after the loss it came from was computed.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;

use crate::error::{Result, TrainError};
use crate::resume::TrainerState;

/// Refuses `model` when the losses not yet checked (`state.pending_loss_sum`), the last step's
/// gradient norm, or any parameter is NaN or infinite.
pub fn ensure_finite<M: Module>(
    model: &M,
    state: &TrainerState,
    grad_norm: Option<f64>,
) -> Result<()> {
    let loss = state.pending_loss_sum;
    let what = if !loss.is_finite() {
        format!("the training loss became {loss}")
    } else if let Some(norm) = grad_norm.filter(|n| !n.is_finite()) {
        format!("the gradient norm became {norm}")
    } else if let Some(param) = first_non_finite(model) {
        format!("the parameter `{param}` is no longer finite")
    } else {
        return Ok(());
    };
    Err(TrainError::Diverged(format!(
        "{what} at step {}; nothing was saved from it: lower --lr or check the data",
        state.global_step
    )))
}

/// The path of the first parameter holding a NaN or an infinity. Each parameter is summed on
/// its device (a NaN or ±inf anywhere makes the sum non-finite) and the sums are read back at
/// once, so a GPU stalls once per save.
fn first_non_finite<M: Module>(model: &M) -> Option<String> {
    let mut sums = Sums::default();
    model.visit(&mut sums);
    if sums.sums.is_empty() {
        return None;
    }
    let values = Tensor::cat(sums.sums, 0)
        .into_data()
        .try_into_vec_as::<f32>()
        .ok()?;
    let bad = values.iter().position(|v| !v.is_finite())?;
    sums.names.get(bad).cloned()
}

#[derive(Default)]
struct Sums {
    stack: Vec<String>,
    names: Vec<String>,
    sums: Vec<Tensor<1>>,
}

impl ModuleVisitor for Sums {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.stack.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.names.push(self.stack.join("."));
        // Off the autodiff graph: this is a read, not part of training.
        self.sums
            .push(Tensor::from_inner(param.val().inner().sum()));
    }
}
