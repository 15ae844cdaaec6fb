//! Numerical parity with Hugging Face transformers on seeded random BERTs.
//!
//! Golden values: `tests/reference/make_fixtures.py` (transformers 5.24.0, torch 2.15.0, fp32,
//! eager attention). Tolerance: max-abs-diff ≤ 1e-4 on every output tensor, on the CPU (burn's
//! ops, which training runs, and the CPU inference kernels, which `predict` and the page run)
//! and on wgpu. Run with `--nocapture` to see the measured differences.

mod common;

use bert_model::{
    BertCheckpointModel, BertForQuestionAnswering, BertForSequenceClassification, BertModel,
    Checkpoint, Kernels,
};
use burn::tensor::Device;
use common::*;

const TOLERANCE: f32 = 1e-4;

fn check(device_name: &str, device: &Device, kernels: Kernels) {
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
    let (base, cls) = (with(base, kernels), with(cls, kernels));
    let (reg, qa) = (with(reg, kernels), with(qa, kernels));
    let device_name = format!("{device_name} {kernels:?}");

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

fn with<M: BertCheckpointModel>(ckpt: Checkpoint<M>, kernels: Kernels) -> Checkpoint<M> {
    Checkpoint {
        model: ckpt.model.with_kernels(kernels),
        ..ckpt
    }
}

#[test]
fn parity_with_transformers_on_every_device() {
    for (name, device) in devices() {
        check(name, &device, Kernels::Burn);
        if name == "cpu" {
            check(name, &device, Kernels::CpuInference);
        }
    }
}
