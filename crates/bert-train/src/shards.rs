//! One batch's forward and backward, split into shards that run at once on the CPU's threads.
//!
//! Why: burn's CPU backend runs its element-wise ops (GELU, softmax, layer norm, dropout, the
//! adds) on one thread; only the matmuls use the others. Training shards of the batch on
//! separate threads, each through its own copy of the parameters (its own autodiff graph), and
//! summing their gradients keeps every core busy. Each shard's loss is its part of the batch's
//! (`objective`), so the sum is the gradient of the batch's loss, and the dropout masks are keyed by example (`bert_model::dropout`), so a run does not depend
//! on how many shards it used. On a GPU the batch stays whole and the device draws the masks.

use bert_model::BertConfig;
use bert_model::dropout::with_host_masks;
use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::{Device, Tensor};
use rayon::prelude::*;

use crate::error::Result;
use crate::objective::Objective;

/// Fewer rows than this per shard and the matmuls get too thin to pay for the split.
const MIN_ROWS_PER_SHARD: usize = 8;

/// Where the dropout masks come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Masks {
    /// The device's generator, seeded with this (GPU).
    Device(u64),
    /// Drawn on the host from this seed, by example (CPU; allows shards).
    Host(u64),
}

impl Masks {
    /// Host masks for training on the CPU (`device` is the plain device the run was given),
    /// the device's generator on a GPU.
    pub fn for_device(device: &Device, seed: u64) -> Self {
        if *device == Device::flex() {
            Self::Host(seed)
        } else {
            Self::Device(seed)
        }
    }
}

/// How many shards a batch of `rows` gets under `masks`.
pub fn shard_count(rows: usize, masks: Masks) -> usize {
    match masks {
        Masks::Device(_) => 1,
        Masks::Host(_) => rayon::current_num_threads()
            .min(rows / MIN_ROWS_PER_SHARD)
            .max(1),
    }
}

/// The batch's loss (detached) and one set of gradients per shard (at most `shards`; see
/// [`shard_count`]), whose sum is the gradient of `scale ×` that loss.
pub fn forward_backward<M: Objective>(
    model: &M,
    rows: &[&M::Row],
    config: &BertConfig,
    device: &Device,
    scale: f64,
    masks: Masks,
    shards: usize,
) -> Result<(Tensor<1>, Vec<GradientsParams>)> {
    let shards = shards.max(1);
    let size = rows.len().div_ceil(shards).max(1);
    let totals = M::totals(rows);
    // Each shard but the first gets fresh autodiff leaves for the parameters (same ids), so the
    // shards build separate graphs that can run backward at once.
    let jobs: Vec<(usize, &[&M::Row], M)> = rows
        .chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let replica = if i == 0 {
                model.clone()
            } else {
                model.clone().fork(device)
            };
            (i * size, chunk, replica)
        })
        .collect();
    let run = |(first, chunk, replica): (usize, &[&M::Row], M)| {
        let pass = || -> Result<(Tensor<1>, GradientsParams)> {
            let loss = replica.shard_loss(chunk, &totals, config, device)?;
            let grads = (loss.clone() * scale).backward();
            let grads = GradientsParams::from_grads(grads, &replica);
            Ok((loss.detach().inner(), grads))
        };
        match masks {
            Masks::Host(seed) => with_host_masks(seed, first, pass),
            Masks::Device(seed) => {
                device.seed(seed);
                pass()
            }
        }
    };
    let done: Vec<Result<(Tensor<1>, GradientsParams)>> = if jobs.len() == 1 {
        jobs.into_iter().map(run).collect()
    } else {
        jobs.into_par_iter().map(run).collect()
    };
    let mut loss: Option<Tensor<1>> = None;
    let mut grads = Vec::with_capacity(done.len());
    for shard in done {
        let (l, g) = shard?;
        loss = Some(match loss {
            Some(sum) => sum + l,
            None => l,
        });
        grads.push(g);
    }
    let loss = loss.unwrap_or_else(|| Tensor::zeros([1], &device.clone().inner()));
    Ok((loss, grads))
}

/// The shards' gradients summed: the batch's gradient.
pub fn sum<M: Module>(model: &M, shards: Vec<GradientsParams>) -> GradientsParams {
    let mut sum = GradientsAccumulator::<M>::new();
    for shard in shards {
        sum.accumulate(model, shard);
    }
    sum.grads()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bert_model::{BertCheckpointModel, BertForSequenceClassification};
    use burn::module::{Module, ModuleVisitor, Param};

    use crate::features::{Feature, Target};

    struct Flat<'a>(&'a [GradientsParams], Vec<f32>);

    impl ModuleVisitor for Flat<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            // Every shard's graph reaches every parameter: a missing gradient is a cut graph.
            let sum = self
                .0
                .iter()
                .map(|g| {
                    g.get::<D>(param.id)
                        .expect("a gradient for every parameter")
                })
                .reduce(|s, g| s + g)
                .expect("at least one shard");
            self.1
                .extend(sum.into_data().try_into_vec_as::<f32>().unwrap());
        }
    }

    /// One batch, with dropout on, as 1, 2 and 3 shards: the same loss and summed gradients
    /// (up to float summation order), though the shards pad to different lengths.
    #[test]
    fn shards_give_the_whole_batch_gradient() {
        let device = Device::flex().autodiff();
        device.seed(3);
        let mut config = BertConfig::preset("tiny").unwrap();
        config.vocab_size = 50;
        config.num_labels = Some(3);
        let model = BertForSequenceClassification::build(&config, &device);
        let features: Vec<Feature> = (0..12u32)
            .map(|i| {
                let len = 4 + (i as usize * 5) % 9;
                Feature {
                    ids: (0..len as u32).map(|t| (t * 7 + i) % 50).collect(),
                    type_ids: vec![0; len],
                    target: Target::Class(i % 3),
                }
            })
            .collect();
        let rows: Vec<&Feature> = features.iter().collect();
        let run = |shards| {
            let (loss, grads) =
                forward_backward(&model, &rows, &config, &device, 0.5, Masks::Host(9), shards)
                    .unwrap();
            let mut flat = Flat(&grads, Vec::new());
            model.visit(&mut flat);
            (loss.into_scalar::<f32>(), flat.1, grads.len())
        };
        let (loss1, grads1, n1) = run(1);
        assert_eq!(n1, 1);
        for shards in [2, 3] {
            let (loss, grads, n) = run(shards);
            assert_eq!(n, shards);
            assert!(
                (loss - loss1).abs() < 1e-5,
                "{shards} shards: loss {loss} vs {loss1}"
            );
            assert_eq!(grads.len(), grads1.len());
            let worst = grads
                .iter()
                .zip(&grads1)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            assert!(worst < 1e-5, "{shards} shards: gradient differs by {worst}");
        }
        // Another dropout seed changes the loss: the masks are really applied.
        let (other, _) =
            forward_backward(&model, &rows, &config, &device, 0.5, Masks::Host(10), 2).unwrap();
        assert!((other.into_scalar::<f32>() - loss1).abs() > 1e-4);
    }
}
