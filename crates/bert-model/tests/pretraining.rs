//! The pretraining heads (`cls.predictions.*` MLM tied to the word embeddings, and
//! `cls.seq_relationship.*` NSP) against Hugging Face transformers.
//!
//! Golden values: `tests/reference/make_fixtures.py` (transformers 5.24.0, torch 2.15.0, fp32):
//! a seeded random `BertForPreTraining` saved with `save_pretrained` (safetensors, no decoder
//! keys), and a `BertForMaskedLM` saved as bert-base-uncased ships (`pytorch_model.bin` with
//! `cls.predictions.decoder.*` repeating the tied tensors). Tolerance: max-abs-diff ≤ 1e-4, on
//! the CPU and on wgpu.

mod common;

use bert_model::save::{save_dir, saved_config};
use bert_model::{BertForPreTraining, Checkpoint, HeadKind};
use burn::tensor::{Device, Int, Tensor, TensorData};
use common::*;

const TOLERANCE: f32 = 1e-4;

#[test]
fn pretraining_heads_match_transformers() {
    let expected = expected();
    let batch = &expected["batches"]["short"];
    for (name, device) in devices() {
        let pt =
            Checkpoint::<BertForPreTraining>::from_dir(fixtures().join("pretraining"), &device)
                .unwrap();
        assert!(pt.report.initialised.is_empty(), "{:?}", pt.report);
        let out = pt
            .model
            .forward(input(&batch["inputs"], &pt.config, &device));
        for (key, ours) in [
            (
                "pretraining.prediction_logits",
                values(out.prediction_logits),
            ),
            (
                "pretraining.seq_relationship_logits",
                values(out.seq_relationship_logits),
            ),
        ] {
            let diff = max_abs_diff(&ours, &batch["outputs"][key]);
            eprintln!("parity {name} {key}: max-abs-diff {diff:.3e}");
            assert!(diff <= TOLERANCE, "{name} {key}: {diff}");
        }
    }
}

/// bert-base-uncased's file layout: MLM-only class, decoder keys repeated, pickled.
#[test]
fn masked_lm_bin_loads_with_its_tied_decoder_keys_skipped() {
    let expected = expected();
    let batch = &expected["batches"]["short"];
    let (name, device) = ("cpu", Device::flex());
    let mlm =
        Checkpoint::<BertForPreTraining>::from_dir(fixtures().join("masked_lm"), &device).unwrap();
    assert_eq!(
        HeadKind::from_config(&mlm.config),
        Some(HeadKind::PreTraining)
    );
    // HF's BertForMaskedLM has no NSP head (nor pooler): those are new, nothing else.
    for k in &mlm.report.initialised {
        assert!(
            k.starts_with("cls.seq_relationship.") || k.starts_with("bert.pooler."),
            "{k}"
        );
    }
    assert!(
        mlm.report
            .unused
            .iter()
            .any(|k| k == "cls.predictions.decoder.weight"),
        "{:?}",
        mlm.report
    );
    let out = mlm
        .model
        .forward(input(&batch["inputs"], &mlm.config, &device));
    let diff = max_abs_diff(
        &values(out.prediction_logits),
        &batch["outputs"]["masked_lm.logits"],
    );
    eprintln!("parity {name} masked_lm.logits: max-abs-diff {diff:.3e}");
    assert!(diff <= TOLERANCE, "{diff}");
}

/// Logits at picked positions equal the same rows of the full logits.
#[test]
fn masked_positions_pick_rows_of_the_full_logits() {
    let expected = expected();
    let batch = &expected["batches"]["short"];
    let device = Device::flex();
    let pt = Checkpoint::<BertForPreTraining>::from_dir(fixtures().join("pretraining"), &device)
        .unwrap();
    let inp = || input(&batch["inputs"], &pt.config, &device);
    let full = values(pt.model.forward(inp()).prediction_logits);
    let picks = [0i64, 5, 14, 38];
    let idx = Tensor::<1, Int>::from_data(TensorData::new(picks.to_vec(), [4]), &device);
    let some = values(pt.model.forward_masked(inp(), idx).prediction_logits);
    let vocab = pt.config.vocab_size;
    for (row, &p) in picks.iter().enumerate() {
        let p = p as usize;
        for v in 0..vocab {
            let (a, b) = (some[row * vocab + v], full[p * vocab + v]);
            assert!((a - b).abs() <= 1e-5, "position {p} token {v}: {a} vs {b}");
        }
    }
}

/// Saved in HF's layout (no decoder keys: they are tied) and read back to the same outputs.
#[test]
fn pretraining_checkpoint_round_trips() {
    let device = Device::flex();
    let pt = Checkpoint::<BertForPreTraining>::from_dir(fixtures().join("pretraining"), &device)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("bert-pretraining-rt-{}", std::process::id()));
    save_dir(&pt.model, &pt.config, &dir).unwrap();
    let again = Checkpoint::<BertForPreTraining>::from_dir(&dir, &device).unwrap();
    assert!(again.report.initialised.is_empty() && again.report.unused.is_empty());
    assert_eq!(
        saved_config::<BertForPreTraining>(&pt.config).architectures,
        again.config.architectures
    );
    let expected = expected();
    let batch = &expected["batches"]["short"];
    let a = values(
        pt.model
            .forward(input(&batch["inputs"], &pt.config, &device))
            .prediction_logits,
    );
    let b = values(
        again
            .model
            .forward(input(&batch["inputs"], &again.config, &device))
            .prediction_logits,
    );
    assert_eq!(a, b);
    std::fs::remove_dir_all(&dir).ok();
}
