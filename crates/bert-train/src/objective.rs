//! What a training step minimises, written so that the shards of a batch add up to it.
//!
//! HF's losses are means: cross-entropy and MSE over the rows, each span end over the rows
//! whose position lies inside the window, the masked-LM term over the predicted tokens. A
//! shard's loss is its rows' part of the batch's mean: its terms summed and divided by a
//! count over the whole batch ([`Objective::Totals`]). The shards' losses then add up to the
//! batch's loss, and their gradients to its gradient, however the batch was split.

use bert_model::BertConfig;
use burn::module::Module;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::error::Result;

/// A model and the rows it trains on.
pub trait Objective: Module + Sized {
    /// One unpadded example with its targets.
    type Row: Sync;
    /// Counts over the whole batch that the loss's means divide by.
    type Totals: Sync;

    /// The counts of a whole batch.
    fn totals(rows: &[&Self::Row]) -> Self::Totals;

    /// The rows' part of the loss of the batch whose counts are `totals`.
    ///
    /// # Shapes
    /// - output: `[1]`
    fn shard_loss(
        &self,
        rows: &[&Self::Row],
        totals: &Self::Totals,
        config: &BertConfig,
        device: &Device,
    ) -> Result<Tensor<1>>;
}

/// `Σ −log softmax(logits)[target] / denominator` over the rows that have a target; a row
/// whose target is `None` adds nothing (HF's `ignore_index`).
///
/// # Shapes
/// - logits: `[rows, classes]`; output: `[1]`
pub fn cross_entropy_sum(
    logits: Tensor<2>,
    targets: &[Option<i64>],
    denominator: usize,
    device: &Device,
) -> Tensor<1> {
    let rows = targets.len();
    let picked: Vec<i64> = targets.iter().map(|t| t.unwrap_or(0)).collect();
    let picked = Tensor::<2, Int>::from_data(TensorData::new(picked, [rows, 1]), device);
    let nll = log_softmax(logits, 1).gather(1, picked).neg(); // [rows, 1]
    let nll = if targets.iter().all(Option::is_some) {
        nll
    } else {
        let keep: Vec<f32> = targets.iter().map(|t| f32::from(t.is_some())).collect();
        nll * Tensor::<2>::from_data(TensorData::new(keep, [rows, 1]), device)
    };
    nll.sum() / denominator.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_rows_add_nothing_and_the_denominator_is_the_batchs() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_data([[1.0f32, 2.0, 0.5], [0.0, 0.0, 3.0]], &device);
        let row0 = -(2.0f64 - (1f64.exp() + 2f64.exp() + 0.5f64.exp()).ln());
        let got = cross_entropy_sum(logits.clone(), &[Some(1), None], 4, &device);
        let got = f64::from(got.into_scalar::<f32>());
        assert!((got - row0 / 4.0).abs() < 1e-6, "{got} vs {}", row0 / 4.0);
        let both = cross_entropy_sum(logits, &[Some(1), Some(2)], 2, &device);
        assert!(f64::from(both.into_scalar::<f32>()) > row0 / 2.0);
    }
}
