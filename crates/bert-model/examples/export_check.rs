//! Writes checkpoints changed by our own code for `tests/reference/check_saved.py`, which loads
//! them with `transformers.AutoModelFor…` and compares its logits with ours.
//!
//! ```text
//! cargo run --release -p bert-model --example export_check -- /tmp/bert-export
//! python3 tests/reference/check_saved.py /tmp/bert-export
//! ```
//! Each fixture model takes three AdamW steps on the CPU (so the weights are ours, not the
//! fixture's), is saved with `save_dir`, and its logits on the fixture batches are written to
//! `ours.json`.

use std::path::PathBuf;

// The integration tests' fixture helpers (paths, fixture batches as model input).
#[path = "../tests/common/mod.rs"]
mod common;

use bert_model::save::save_dir;
use bert_model::{BertForQuestionAnswering, BertForSequenceClassification, Checkpoint};
use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::Device;
use common::{expected, fixtures, input, values};
use serde_json::json;

fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/bert-export".into()),
    );
    let expected = expected();
    let batches = &expected["batches"];
    let train = Device::flex().autodiff();
    let mut ours = json!({});

    for name in ["classifier", "regression"] {
        let ckpt =
            Checkpoint::<BertForSequenceClassification>::from_dir(fixtures().join(name), &train)
                .unwrap();
        let (config, mut model) = (ckpt.config, ckpt.model);
        let mut optim = AdamWConfig::new().init();
        for _ in 0..3 {
            let x = input(&batches["short"]["inputs"], &config, &train);
            let loss = model.forward(x).powf_scalar(2.0).mean();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(1e-2, model, grads);
        }
        save_dir(&model, &config, out.join(name)).unwrap();
        // Evaluation: no autodiff, so no dropout.
        let (model, plain) = (model.valid(), Device::flex());
        for (b, batch) in batches.as_object().unwrap() {
            let logits = model.forward(input(&batch["inputs"], &config, &plain));
            ours[format!("{name}.{b}")] = json!(values(logits));
        }
    }
    let ckpt =
        Checkpoint::<BertForQuestionAnswering>::from_dir(fixtures().join("qa"), &train).unwrap();
    let (config, mut model) = (ckpt.config, ckpt.model);
    let mut optim = AdamWConfig::new().init();
    for _ in 0..3 {
        let (s, e) = model.forward(input(&batches["short"]["inputs"], &config, &train));
        let loss = (s.powf_scalar(2.0) + e.powf_scalar(2.0)).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-2, model, grads);
    }
    save_dir(&model, &config, out.join("qa")).unwrap();
    let (model, plain) = (model.valid(), Device::flex());
    for (b, batch) in batches.as_object().unwrap() {
        let (s, e) = model.forward(input(&batch["inputs"], &config, &plain));
        ours[format!("qa.{b}.start")] = json!(values(s));
        ours[format!("qa.{b}.end")] = json!(values(e));
    }
    std::fs::write(out.join("ours.json"), ours.to_string()).unwrap();
    println!("wrote {}", out.display());
}
