//! Parity on a real pretrained checkpoint, all-MiniLM-L6-v2 (ignored: it needs ../shared and
//! the reference file of `tests/reference/minilm_reference.py`).
//!
//! ```text
//! python3 tests/reference/minilm_reference.py
//! cargo test --release -p bert-model --test real_checkpoint -- --ignored --nocapture
//! ```

mod common;

use bert_model::{BertInput, BertModel, Checkpoint, Kernels};
use common::*;

#[test]
#[ignore = "needs ../shared/models/all-MiniLM-L6-v2 and /tmp/minilm_reference.json"]
fn minilm_hidden_states_match_transformers() {
    let dir = std::env::var("BERT_MINILM_DIR").unwrap_or_else(|_| {
        format!(
            "{}/../../../shared/models/all-MiniLM-L6-v2",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let reference = std::env::var("BERT_MINILM_REFERENCE")
        .unwrap_or_else(|_| "/tmp/minilm_reference.json".into());
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&reference).expect("reference file"))
            .unwrap();
    let sentences = reference["sentences"].as_array().unwrap();
    for (name, device) in devices() {
        let mut ckpt = Checkpoint::<BertModel>::from_dir(&dir, &device).unwrap();
        eprintln!("{name}: load report: {:?}", ckpt.report.summary());
        // What `predict` and the page run there (the host kernels on the CPU).
        ckpt.model = ckpt.model.with_kernels(Kernels::for_inference(&device));
        let mut worst: f32 = 0.0;
        for chunk in sentences.chunks(16) {
            let ids: Vec<Vec<u32>> = chunk
                .iter()
                .map(|s| {
                    s["input_ids"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap() as u32)
                        .collect()
                })
                .collect();
            let types: Vec<Vec<u32>> = ids.iter().map(|r| vec![0; r.len()]).collect();
            let input = BertInput::from_rows(&ids, &types, None, &ckpt.config, &device).unwrap();
            let [_, seq] = input.dims();
            let hidden = values(ckpt.model.forward(input).last_hidden_state);
            let width = ckpt.config.hidden_size;
            for (row, s) in chunk.iter().enumerate() {
                let n = ids[row].len();
                let ours = &hidden[row * seq * width..(row * seq + n) * width];
                worst = worst.max(max_abs_diff(ours, &s["last_hidden_state"]));
            }
        }
        eprintln!(
            "MiniLM {name}: {} sentences, max-abs-diff {worst:.3e}",
            sentences.len()
        );
        assert!(worst <= 1e-4, "{name}: {worst}");
    }
}
