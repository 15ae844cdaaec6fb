//! The starting files of each target: the repository's own samples and fixtures (the bundled
//! SST-2 and SQuAD samples, the seeded test checkpoints, the test tokenizer), plus GLUE
//! layouts written out here and an optimizer state and trainer state made by the real code.

use std::path::{Path, PathBuf};

use bert_model::{BertForSequenceClassification, BertInput, Checkpoint};
use bert_train::host_adamw::HostAdamW;
use bert_train::resume::{EvalRecord, TrainerState};
use burn::optim::GradientsParams;
use burn::tensor::Device;

/// The workspace root (seeds are read from the repository, not from `../shared`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> Vec<u8> {
    let path = root().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("seed {}: {e}", path.display()))
}

/// GLUE files: the SST-2 sample's first lines, and one small file per other layout.
pub fn glue() -> Vec<Vec<u8>> {
    let sst2 = read("crates/bert-train/data/sst2/dev.tsv");
    let head: Vec<u8> = sst2
        .split(|&b| b == b'\n')
        .take(24)
        .collect::<Vec<_>>()
        .join(&b'\n');
    vec![
        head,
        b"gj04\t1\t\tOur friends won't buy this analysis, let alone the next one we propose.\n\
          gj04\t0\t*\tThey drank the pub.\n"
            .to_vec(),
        b"Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t702876\t702977\tAmrozi accused his \
          brother.\tReferring to him as only \"the witness\".\n0\t2108705\t2108831\tYucaipa \
          owned Dominick's.\tYucaipa bought Dominick's in 1995.\n"
            .to_vec(),
        b"index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n\
          0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane is taking off.\tAn air \
          plane is taking off.\t5.000\n"
            .to_vec(),
        b"index\tsentence1\tsentence2\tlabel\n0\tNo weapons were found.\tWeapons were found.\t\
          not_entailment\n1\tA cat sat.\tAn animal sat.\tentailment\n"
            .to_vec(),
    ]
}

/// SQuAD: the bundled dev sample cut to two paragraphs, and a v2 file with an unanswerable
/// question.
pub fn squad() -> Vec<Vec<u8>> {
    let full: serde_json::Value =
        serde_json::from_slice(&read("crates/bert-train/data/squad/dev-v1.1.json"))
            .unwrap_or_default();
    let mut small = full.clone();
    if let Some(article) = small["data"].get_mut(0) {
        if let Some(p) = article["paragraphs"].as_array_mut() {
            p.truncate(2);
        }
        small["data"] = serde_json::Value::Array(vec![article.clone()]);
    }
    let v2 = serde_json::json!({"version": "v2.0", "data": [{"title": "T", "paragraphs": [{
    "context": "The Chrysler Building was finished in 1930.",
    "qas": [
        {"id": "a", "question": "When?", "answers": [{"text": "1930", "answer_start": 38}],
         "is_impossible": false},
        {"id": "b", "question": "Who?", "answers": [], "is_impossible": true,
         "plausible_answers": [{"text": "Chrysler", "answer_start": 4}]}
    ]}]}]});
    [small, v2]
        .iter()
        .filter_map(|v| serde_json::to_vec(v).ok())
        .collect()
}

pub fn configs() -> Vec<Vec<u8>> {
    ["classifier", "qa", "regression", "pretraining", "base"]
        .iter()
        .map(|m| read(&format!("tests/fixtures/model/{m}/config.json")))
        .collect()
}

/// (config.json, model.safetensors) of the seeded classifier and QA fixtures.
pub fn checkpoints() -> Vec<(Vec<u8>, Vec<u8>)> {
    ["classifier", "qa"]
        .iter()
        .map(|m| {
            let dir = format!("tests/fixtures/model/{m}");
            (
                read(&format!("{dir}/config.json")),
                read(&format!("{dir}/model.safetensors")),
            )
        })
        .collect()
}

/// The test tokenizer, cut to the fixtures' 120 ids.
pub fn tokenizer_json() -> Vec<u8> {
    read("tests/fixtures/tasks/tokenizer_tiny.json")
}

pub fn jsonl() -> Vec<Vec<u8>> {
    vec![
        b"{\"text\": \"a fine film\"}\n{\"text\": \"dull\", \"text_pair\": \"a bore\"}\n\n\
          {\"question\": \"Who?\", \"context\": \"Ada wrote it.\"}\n"
            .to_vec(),
    ]
}

/// The classifier fixture on the CPU autodiff device, for the optimizer target.
pub fn classifier(device: &Device) -> BertForSequenceClassification {
    let (config, weights) = checkpoints().swap_remove(0);
    Checkpoint::<BertForSequenceClassification>::from_bytes(&config, weights, device)
        .map(|c| c.model)
        .unwrap_or_else(|e| panic!("the classifier fixture: {e}"))
}

/// `optimizer.safetensors` after one real AdamW step of the classifier fixture.
pub fn optimizer_state(model: &BertForSequenceClassification, dir: &Path) -> Vec<u8> {
    let config = bert_model::BertConfig::from_json(
        &String::from_utf8_lossy(&checkpoints()[0].0),
        "config.json",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let device = Device::flex().autodiff();
    let ids: Vec<Vec<u32>> = vec![vec![2, 10, 11, 3]];
    let input = BertInput::from_rows(&ids, &[vec![0u32; 4]], None, &config, &device)
        .unwrap_or_else(|e| panic!("{e}"));
    let grads = model.forward(input).sum().backward();
    let grads = GradientsParams::from_grads(grads, model);
    let mut optim = HostAdamW::new(model, 0.01, 1e-6);
    let (_, _) = optim
        .step(1e-3, model.clone(), grads, 1.0)
        .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("seed-optimizer.safetensors");
    optim.save(&path).unwrap_or_else(|e| panic!("{e}"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// `trainer_state.json` of a run one evaluation in.
pub fn trainer_state() -> Vec<u8> {
    let fingerprint = serde_json::json!({"task": "sst2", "lr": 2e-5, "seed": 42});
    let mut state = TrainerState::new(fingerprint, 120);
    state.global_step = 40;
    state
        .log_history
        .push(serde_json::json!({"step": 20, "loss": 0.61}));
    let record = EvalRecord {
        epoch: 1.0,
        step: 40,
        metrics: [("accuracy".to_string(), 0.8)].into(),
    };
    state.best = Some(record.clone());
    state.evals.push(record);
    serde_json::to_vec_pretty(&state).unwrap_or_default()
}
