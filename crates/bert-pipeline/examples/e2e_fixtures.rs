//! Fixture checkpoints and native reference outputs for the browser tests (`tests/e2e`).
//!
//! ```text
//! cargo run --release -p bert-pipeline --example e2e_fixtures -- OUT_DIR tests/e2e/cases.json
//! ```
//! Writes tiny random BERTs (2 layers, hidden 32, 512 positions, the 328-token vocabulary of
//! `tests/fixtures/tasks/tokenizer_tiny.json`) as Hugging Face folders under `OUT_DIR`
//! (`clf`: 3 labels, `reg`: regression, `qa`: SQuAD v1, `qa2`: SQuAD v2), broken folders
//! (`no-tokenizer`, `truncated`), an `index.json` in the trainer's format, and
//! `expected.json`: what the native pipeline (the code of `predict`) gives on every case, on
//! the CPU. The browser must give the same.

use std::path::{Path, PathBuf};

use bert_model::save::save_dir;
use bert_model::{
    BertCheckpointModel, BertConfig, BertForQuestionAnswering, BertForSequenceClassification,
};
use bert_pipeline::Pipeline;
use burn::tensor::Device;
use serde_json::{Value, json};

type Error = Box<dyn std::error::Error>;

fn config(vocab_size: usize) -> BertConfig {
    BertConfig {
        vocab_size,
        hidden_size: 32,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        intermediate_size: 64,
        max_position_embeddings: 512,
        // Wider than BERT's 0.02 so that logits spread and no label or span hangs on a near
        // tie that float rounding between backends could flip.
        initializer_range: 0.3,
        ..BertConfig::default()
    }
}

fn save<M: BertCheckpointModel>(
    dir: &Path,
    config: &BertConfig,
    tokenizer: &[u8],
) -> Result<(), Error> {
    let model = M::build(config, &Device::flex());
    save_dir(&model, config, dir)?;
    std::fs::write(dir.join("tokenizer.json"), tokenizer)?;
    Ok(())
}

/// The passage of a case: `context`, or for the long case `template` with `{i}` replaced by
/// 0..`count` and joined (numbered, so that no two windows see the same tokens and tie).
fn context(case: &Value) -> String {
    match case["template"].as_str() {
        Some(t) => (0..case["count"].as_u64().unwrap_or(1))
            .map(|i| t.replace("{i}", &i.to_string()))
            .collect(),
        None => case["context"].as_str().unwrap_or_default().to_string(),
    }
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, cases] = &args[..] else {
        return Err("usage: e2e_fixtures OUT_DIR CASES.json".into());
    };
    let out = PathBuf::from(out);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tokenizer = std::fs::read(root.join("tests/fixtures/tasks/tokenizer_tiny.json"))?;
    let vocab = bert_tasks::BertTokenizer::from_json_bytes(&tokenizer)?.vocab_size();

    let mut clf = config(vocab);
    clf.set_labels(&["negative".into(), "neutral".into(), "positive".into()]);
    save::<BertForSequenceClassification>(&out.join("clf"), &clf, &tokenizer)?;
    let mut reg = config(vocab);
    reg.num_labels = Some(1);
    reg.problem_type = Some("regression".into());
    save::<BertForSequenceClassification>(&out.join("reg"), &reg, &tokenizer)?;
    save::<BertForQuestionAnswering>(&out.join("qa"), &config(vocab), &tokenizer)?;
    let mut v2 = config(vocab);
    v2.extra.insert("finetuning_task".into(), json!("squad_v2"));
    save::<BertForQuestionAnswering>(&out.join("qa2"), &v2, &tokenizer)?;

    // Broken folders: one lacks tokenizer.json, one has cut weights.
    let broken = out.join("no-tokenizer");
    std::fs::create_dir_all(&broken)?;
    for f in ["config.json", "model.safetensors"] {
        std::fs::copy(out.join("clf").join(f), broken.join(f))?;
    }
    let cut = out.join("truncated");
    std::fs::create_dir_all(&cut)?;
    std::fs::copy(out.join("clf/config.json"), cut.join("config.json"))?;
    std::fs::copy(out.join("clf/tokenizer.json"), cut.join("tokenizer.json"))?;
    let weights = std::fs::read(out.join("clf/model.safetensors"))?;
    std::fs::write(cut.join("model.safetensors"), &weights[..weights.len() / 2])?;

    let entry = |name: &str, kind: &str| {
        json!({"name": name, "task": name, "kind": kind, "path": name,
        "metric": {"name": "accuracy", "value": 0.5}, "base_model": "random", "created": "2026-11-26T00:00:00Z"})
    };
    let index = json!({"models": [entry("clf", "classification"), entry("reg", "regression"),
        entry("qa", "question-answering"), entry("qa2", "question-answering")]});
    std::fs::write(
        out.join("index.json"),
        serde_json::to_string_pretty(&index)?,
    )?;

    // Native references, through the pipeline `predict` uses.
    let cases: Value = serde_json::from_slice(&std::fs::read(cases)?)?;
    let device = Device::flex();
    let mut expected = Vec::new();
    for case in cases["cases"]
        .as_array()
        .ok_or("cases.json: no \"cases\" array")?
    {
        let model = case["model"].as_str().ok_or("a case lacks \"model\"")?;
        let p = Pipeline::from_dir(&out.join(model), &device)?;
        let result = if let Some(question) = case["question"].as_str() {
            serde_json::to_value(p.answer(question, &context(case))?)?
        } else {
            let text = case["text"]
                .as_str()
                .ok_or("a case lacks \"text\"")?
                .to_string();
            let pair = case["text_pair"].as_str().map(String::from);
            serde_json::to_value(&p.classify(&[(text, pair)])?[0])?
        };
        expected.push(json!({"case": case, "native": result}));
    }
    std::fs::write(
        out.join("expected.json"),
        serde_json::to_string_pretty(&json!({"expected": expected}))?,
    )?;
    println!(
        "wrote {} cases and 4 models to {}",
        expected.len(),
        out.display()
    );
    Ok(())
}
