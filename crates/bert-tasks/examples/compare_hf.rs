//! Compares this crate with transformers' BertTokenizerFast on real data dumped by
//! `tests/reference/task_dump_hf_encodings.py` (needs /work/shared; not a CI test).
//!
//! ```text
//! python3 tests/reference/task_dump_hf_encodings.py --out /tmp/hf_dump
//! cargo run --release -p bert-tasks --example compare_hf -- /tmp/hf_dump
//! ```
//! Prints mismatch counts per kind of text and for the SQuAD dev windows; exits with status 1
//! when anything differs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bert_tasks::{BertTokenizer, QaConfig, prepare_qa_features, read_squad};
use serde_json::Value;

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .map(|x| x as u32)
                .collect()
        })
        .unwrap_or_default()
}

fn pair(o: &Value) -> Option<(usize, usize)> {
    let a = o.as_array()?;
    Some((a.first()?.as_u64()? as usize, a.get(1)?.as_u64()? as usize))
}

fn lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/hf_dump".into()),
    );
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("meta.json")).expect("meta.json in the dump folder"),
    )
    .expect("meta.json");
    let model = Path::new(meta["model"].as_str().expect("model path"));
    let tok = BertTokenizer::from_json_file(model.join("tokenizer.json")).expect("tokenizer");
    let mut bad = 0usize;

    // Single texts and GLUE pairs.
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (n, rec) in lines(&dir.join("encodings.jsonl")).iter().enumerate() {
        let a = rec["a"].as_str().expect("a");
        let b = rec["b"].as_str();
        let max_len = rec["max_length"]
            .as_u64()
            .map_or(usize::MAX, |m| m as usize);
        let e = tok.encode(a, b, max_len).expect("encode");
        let offsets: Vec<Option<(usize, usize)>> = rec["offsets"]
            .as_array()
            .expect("offsets")
            .iter()
            .map(pair)
            .collect();
        let ok = e.ids == u32s(&rec["ids"])
            && e.type_ids == u32s(&rec["type_ids"])
            && e.offsets.iter().map(|o| Some(*o)).collect::<Vec<_>>() == offsets;
        let entry = per_kind
            .entry(rec["kind"].as_str().unwrap_or("?").into())
            .or_default();
        entry.0 += 1;
        if !ok {
            entry.1 += 1;
            if entry.1 <= 3 {
                eprintln!("mismatch, line {}: {a:?} / {b:?}", n + 1);
            }
        }
    }
    for (kind, (total, miss)) in &per_kind {
        println!("{kind:>15}: {total:>6} texts, {miss} mismatches (ids, type ids, offsets)");
        bad += miss;
    }

    // SQuAD dev reader and windows.
    let examples = read_squad(Path::new(meta["squad"].as_str().expect("squad"))).expect("squad");
    println!("SQuAD dev: {} questions read", examples.len());
    let features = prepare_qa_features(&tok, &examples, &QaConfig::default()).expect("features");
    let hf = lines(&dir.join("squad_features.jsonl"));
    println!(
        "windows at 384/128 (max_query_length 64): ours {}, run_qa.py {}",
        features.len(),
        hf.len()
    );
    let (mut win_bad, mut label_bad, mut label_vs_run_qa) = (0, 0, 0);
    for (f, h) in features.iter().zip(&hf) {
        let offsets: Vec<Option<(usize, usize)>> = h["offsets"]
            .as_array()
            .expect("offsets")
            .iter()
            .map(pair)
            .collect();
        if f.example_id != h["example_id"].as_str().unwrap_or("")
            || f.window.input_ids != u32s(&h["input_ids"])
            || f.window.token_type_ids != u32s(&h["token_type_ids"])
            || f.window.offsets != offsets
        {
            win_bad += 1;
        }
        let pos = |k: &str| h[k].as_u64().unwrap_or(u64::MAX) as usize;
        if (f.start_position, f.end_position) != (pos("start"), pos("end")) {
            label_bad += 1;
        }
        if (f.start_position, f.end_position) != (pos("start_hf"), pos("end_hf")) {
            label_vs_run_qa += 1;
        }
    }
    let count_bad = usize::from(features.len() != hf.len());
    println!(
        "window mismatches (ids, type ids, offsets, example id): {win_bad}; label mismatches: \
         {label_bad} (vs run_qa.py's unbounded start scan: {label_vs_run_qa})"
    );
    bad += win_bad + label_bad + count_bad;
    println!("total mismatches: {bad}");
    if bad > 0 {
        std::process::exit(1);
    }
}
