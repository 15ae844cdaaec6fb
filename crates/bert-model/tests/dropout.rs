//! Dropout as HF's `nn.Dropout(p)` in train mode: each element kept with probability `1 - p`
//! and scaled by `1 / (1 - p)`, zero otherwise; nothing dropped outside training. Checked on the
//! masks a forward really applies, from the host (the CPU trainer, keyed by example so that
//! shards get the whole batch's masks) and from the device's generator (the GPU trainer).
//!
//! Tolerance on a rate: 5 standard deviations of a binomial share over the elements drawn
//! (`5 √(p (1 - p) / n)`); the measured rates are printed with `--nocapture`.

mod common;

use bert_model::dropout::{Dropout, with_host_masks};
use bert_model::{BertConfig, BertForSequenceClassification, BertInput};
use burn::tensor::{Device, Tensor};
use common::*;

const SHAPE: [usize; 3] = [8, 64, 384]; // 196,608 elements: σ of a rate at p = 0.1 is 6.8e-4

/// The share of dropped elements of `ones` after dropout, and whether every kept one is
/// exactly `1 / keep`.
fn measure(out: Tensor<3>, p: f64) -> (f64, bool) {
    let v = values(out);
    let dropped = v.iter().filter(|&&x| x == 0.0).count() as f64 / v.len() as f64;
    let scale = (1.0 / (1.0 - p)) as f32;
    let scaled = v
        .iter()
        .all(|&x| x == 0.0 || (x - scale).abs() <= 1e-6 * scale);
    (dropped, scaled)
}

fn within_5_sigma(what: &str, rate: f64, p: f64) {
    let n: usize = SHAPE.iter().product();
    let tol = 5.0 * (p * (1.0 - p) / n as f64).sqrt();
    eprintln!("{what}: dropped {rate:.5} (p = {p}, tolerance ±{tol:.1e})");
    assert!(
        (rate - p).abs() <= tol,
        "{what}: dropped {rate}, expected {p} ± {tol}"
    );
}

#[test]
fn host_masks_drop_at_the_rate_and_scale_the_rest() {
    let device = Device::flex().autodiff();
    for p in [0.1, 0.5] {
        let dropout = Dropout::new(p);
        let ones = Tensor::<3>::ones(SHAPE, &device);
        let (rate, scaled) = measure(with_host_masks(11, 0, || dropout.forward(ones)), p);
        within_5_sigma(&format!("host masks, p {p}: dropped"), rate, p);
        assert!(scaled, "kept elements are scaled by 1 / (1 - p)");
    }
}

#[test]
fn device_masks_drop_at_the_rate_and_scale_the_rest() {
    for (name, device) in devices() {
        let device = device.autodiff();
        device.seed(5);
        for p in [0.1, 0.5] {
            let ones = Tensor::<3>::ones(SHAPE, &device);
            let (rate, scaled) = measure(Dropout::new(p).forward(ones), p);
            within_5_sigma(&format!("{name} generator, p {p}: dropped"), rate, p);
            assert!(scaled, "{name}: kept elements are scaled by 1 / (1 - p)");
        }
    }
}

#[test]
fn nothing_is_dropped_outside_training() {
    for (name, device) in devices() {
        let ones = Tensor::<3>::ones(SHAPE, &device);
        let (rate, _) = measure(Dropout::new(0.5).forward(ones), 0.5);
        assert_eq!(rate, 0.0, "{name}: dropout on a plain (evaluation) device");
    }
}

/// Two sites (layers) and two steps (seeds) draw masks that agree on about `(1-p)² + p²` of
/// the elements, as independent masks do, not on all of them.
#[test]
fn sites_and_steps_draw_independent_masks() {
    let device = Device::flex().autodiff();
    let p = 0.5;
    let dropout = Dropout::new(p);
    let draw = |seed| {
        with_host_masks(seed, 0, || {
            let a = dropout.forward(Tensor::<3>::ones(SHAPE, &device));
            let b = dropout.forward(Tensor::<3>::ones(SHAPE, &device));
            (values(a), values(b))
        })
    };
    let (site0, site1) = draw(1);
    let (next_step, _) = draw(2);
    for (what, other) in [("another site", &site1), ("another step", &next_step)] {
        let agree = site0
            .iter()
            .zip(other)
            .filter(|(a, b)| (**a == 0.0) == (**b == 0.0))
            .count() as f64
            / site0.len() as f64;
        within_5_sigma(&format!("{what}: masks disagree on"), 1.0 - agree, 0.5);
    }
}

/// A batch's rows get the same masks whether the batch runs whole or as shards padded to
/// their own lengths: the logits of a shard equal the whole batch's rows.
#[test]
fn a_row_gets_the_same_masks_in_any_shard() {
    let device = Device::flex().autodiff();
    device.seed(1);
    let mut config = BertConfig::preset("tiny").unwrap();
    config.vocab_size = 60;
    config.num_labels = Some(2);
    let model = BertForSequenceClassification::new(&config, &device);
    let rows: Vec<Vec<u32>> = (0..6u32)
        .map(|i| (0..(5 + 3 * i)).map(|t| 2 + (t * 7 + i) % 50).collect())
        .collect();
    let logits = |seed: u64, first: usize, rows: &[Vec<u32>]| {
        let ids: Vec<&[u32]> = rows.iter().map(Vec::as_slice).collect();
        let types: Vec<Vec<u32>> = rows.iter().map(|r| vec![0; r.len()]).collect();
        let types: Vec<&[u32]> = types.iter().map(Vec::as_slice).collect();
        let input = BertInput::from_rows(&ids, &types, None, &config, &device).unwrap();
        values(with_host_masks(seed, first, || model.forward(input)))
    };
    let whole = logits(21, 0, &rows);
    let mut shards = logits(21, 0, &rows[..2]);
    shards.extend(logits(21, 2, &rows[2..5]));
    shards.extend(logits(21, 5, &rows[5..]));
    let diff = whole
        .iter()
        .zip(&shards)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    eprintln!("whole batch vs 3 shards: max-abs-diff {diff:.2e}");
    assert!(diff < 1e-5, "shards' logits differ by {diff}");
    // And dropout is really on: other masks give other logits.
    let other = logits(22, 0, &rows);
    assert!(other.iter().zip(&whole).any(|(a, b)| (a - b).abs() > 1e-3));
}
