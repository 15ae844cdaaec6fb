//! Numerical parity with Hugging Face transformers on seeded random BERTs.
//!
//! Golden values: `tests/reference/make_fixtures.py` (transformers 5.24.0, torch 2.15.0, fp32,
//! eager attention). Tolerance: max-abs-diff ≤ 1e-4 on every output tensor, on the CPU and on
//! wgpu. Run with `--nocapture` to see the measured differences.

mod common;

use bert_model::{BertForQuestionAnswering, BertForSequenceClassification, BertModel, Checkpoint};
use burn::tensor::Device;
use common::*;

const TOLERANCE: f32 = 1e-4;

fn check(device_name: &str, device: &Device) {
    let expected = expected();
    let base = Checkpoint::<BertModel>::from_dir(fixtures().join("base"), device).unwrap();
    let cls = Checkpoint::<BertForSequenceClassification>::from_dir(
        fixtures().join("classifier"),
        device,
    )
    .unwrap();
    let reg = Checkpoint::<BertForSequenceClassification>::from_dir(
        fixtures().join("regression"),
        device,
    )
    .unwrap();
    let qa =
        Checkpoint::<BertForQuestionAnswering>::from_dir(fixtures().join("qa"), device).unwrap();
    for ckpt_report in [&base.report, &cls.report, &reg.report, &qa.report] {
        assert!(ckpt_report.initialised.is_empty(), "{ckpt_report:?}");
    }

    for (batch_name, batch) in expected["batches"].as_object().unwrap() {
        let want = &batch["outputs"];
        let inputs = &batch["inputs"];
        let out = base.model.forward(input(inputs, &base.config, device));
        let (start, end) = qa.model.forward(input(inputs, &qa.config, device));
        let results = [
            ("base.last_hidden_state", values(out.last_hidden_state)),
            ("base.pooler_output", values(out.pooler_output.unwrap())),
            (
                "classifier.logits",
                values(cls.model.forward(input(inputs, &cls.config, device))),
            ),
            (
                "regression.logits",
                values(reg.model.forward(input(inputs, &reg.config, device))),
            ),
            ("qa.start_logits", values(start)),
            ("qa.end_logits", values(end)),
        ];
        for (name, ours) in results {
            let diff = max_abs_diff(&ours, &want[name]);
            eprintln!("parity {device_name} {batch_name} {name}: max-abs-diff {diff:.3e}");
            assert!(
                diff <= TOLERANCE,
                "{device_name} {batch_name} {name}: {diff} > {TOLERANCE}"
            );
        }
    }
}

#[test]
fn parity_with_transformers_on_every_device() {
    for (name, device) in devices() {
        check(name, &device);
    }
}
