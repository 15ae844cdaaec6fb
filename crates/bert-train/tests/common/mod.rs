//! Small synthetic GLUE and SQuAD folders in the real file layouts, written by the tests (the
//! label is a function of a marker word, so a tiny model can learn it in a few steps), and
//! helpers to run `train`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use bert_train::TrainArgs;
use clap::Parser;

/// The fixture tokenizer (328 tokens): tiny embeddings keep these runs fast.
pub fn tokenizer() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tasks/tokenizer_tiny.json")
}

/// A fresh folder under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "bert-train-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const POS: &[&str] = &["charming", "hearts", "soft"];
const NEG: &[&str] = &["empty", "loudly", "naive"];
const MID: &[&str] = &["equal", "control", "journey"];
const FILL: &[&str] = &[
    "the", "man", "people", "playing", "with", "world", "new", "one", "text", "first", "second",
    "cafe", "flute", "often", "much", "here",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    /// A sentence with one marker word of class `class` (0 neg, 1 pos, 2 mid) among fillers.
    fn sentence(&mut self, class: usize) -> String {
        let markers = [NEG, POS, MID][class];
        let len = 3 + self.next(8);
        let at = self.next(len);
        (0..len)
            .map(|i| {
                if i == at {
                    markers[self.next(markers.len())]
                } else {
                    FILL[self.next(FILL.len())]
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Rows `(text_a, text_b, class)`; the class is carried by `text_a`'s marker.
fn rows(n: usize, classes: usize, seed: u64) -> Vec<(String, String, usize)> {
    let mut r = Lcg(seed);
    (0..n)
        .map(|_| {
            let c = r.next(classes);
            let a = r.sentence(c);
            let other = r.next(classes);
            let b = r.sentence(other);
            (a, b, c)
        })
        .collect()
}

/// Writes a GLUE task folder in GLUE's own format (headers, column counts, label strings).
pub fn glue_dir(root: &Path, task: &str, n_train: usize, n_dev: usize) -> PathBuf {
    let dir = root.join(task);
    std::fs::create_dir_all(&dir).unwrap();
    let files: &[&str] = if task == "mnli" {
        &["train.tsv", "dev_matched.tsv", "dev_mismatched.tsv"]
    } else {
        &["train.tsv", "dev.tsv"]
    };
    for (k, file) in files.iter().enumerate() {
        let n = if k == 0 { n_train } else { n_dev };
        let classes = if task == "mnli" { 3 } else { 2 };
        let mut out = String::new();
        let header = match task {
            "cola" => None,
            "sst2" => Some("sentence\tlabel"),
            "mrpc" => Some("\u{feff}Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"),
            "stsb" => Some(
                "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore",
            ),
            "qqp" => Some("id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate"),
            "mnli" => {
                Some("index\tpromptID\tpairID\tgenre\tsentence1\tsentence2\tlabel1\tgold_label")
            }
            "qnli" => Some("index\tquestion\tsentence\tlabel"),
            "rte" | "wnli" => Some("index\tsentence1\tsentence2\tlabel"),
            _ => panic!("unknown task {task}"),
        };
        if let Some(h) = header {
            out.push_str(h);
            out.push('\n');
        }
        let entail = ["not_entailment", "entailment"];
        let nli = ["contradiction", "entailment", "neutral"];
        for (i, (a, b, c)) in rows(n, classes, 7 + k as u64).into_iter().enumerate() {
            let line = match task {
                "cola" => format!("src\t{c}\t\t{a}"),
                "sst2" => format!("{a}\t{c}"),
                "mrpc" => format!("{c}\t{i}\t{}\t{a}\t{b}", i + 1),
                "stsb" => format!(
                    "{i}\tg\tf\t2012\t{i}\ts\ts\t{a}\t{b}\t{:.3}",
                    c as f32 * 5.0
                ),
                "qqp" => format!("{i}\t{i}\t{}\t{a}\t{b}\t{c}", i + 1),
                "mnli" => format!("{i}\t1\t{i}\tg\t{a}\t{b}\t{l}\t{l}", l = nli[c]),
                "qnli" | "rte" => format!("{i}\t{a}\t{b}\t{}", entail[c]),
                "wnli" => format!("{i}\t{a}\t{b}\t{c}"),
                _ => unreachable!(),
            };
            out.push_str(&line);
            out.push('\n');
        }
        std::fs::write(dir.join(file), out).unwrap();
    }
    dir
}

/// A SQuAD folder (train/dev JSON, v1.1 or v2.0): "what is the capital ?" about a passage that
/// names it; in v2 every third question has no answer.
pub fn squad_dir(root: &Path, v2: bool, n_train: usize, n_dev: usize) -> PathBuf {
    let dir = root.join(if v2 { "squad_v2" } else { "squad" });
    std::fs::create_dir_all(&dir).unwrap();
    let version = if v2 { "v2.0" } else { "v1.1" };
    for (name, n, seed) in [("train", n_train, 3u64), ("dev", n_dev, 4)] {
        let mut r = Lcg(seed);
        let mut paragraphs = Vec::new();
        for i in 0..n {
            let before = r.sentence(2);
            let city = ["tokyo", "japan", "cafe"][r.next(3)];
            let impossible = v2 && i % 3 == 0;
            let context = if impossible {
                format!("{before} . the world has people .")
            } else {
                format!("{before} . the capital is {city} . the world has people .")
            };
            let start = context.find(city).unwrap_or(0);
            let answers = if impossible {
                serde_json::json!([])
            } else {
                serde_json::json!([{ "text": city, "answer_start": start }])
            };
            let mut qa = serde_json::json!({
                "id": format!("{name}-{i}"),
                "question": "what is the capital ?",
                "answers": answers,
            });
            if v2 {
                qa["is_impossible"] = serde_json::json!(impossible);
            }
            paragraphs.push(serde_json::json!({ "context": context, "qas": [qa] }));
        }
        let doc = serde_json::json!({
            "version": version,
            "data": [{ "title": "capitals", "paragraphs": paragraphs }],
        });
        std::fs::write(dir.join(format!("{name}-{version}.json")), doc.to_string()).unwrap();
    }
    dir
}

/// `train` through the library, flags as on the command line.
pub fn train(flags: &[&str]) -> bert_train::Result<bert_train::RunSummary> {
    let mut argv = vec!["train"];
    argv.extend_from_slice(flags);
    bert_train::run(&TrainArgs::parse_from(argv))
}

/// Logged training losses of a finished run, in step order.
pub fn losses(output_dir: &Path) -> Vec<f64> {
    std::fs::read_to_string(output_dir.join("train_log.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?["loss"].as_f64())
        .collect()
}

/// Devices to test on: `BERT_TEST_DEVICES=cpu,wgpu` (default both).
pub fn devices() -> Vec<String> {
    std::env::var("BERT_TEST_DEVICES")
        .unwrap_or_else(|_| "cpu,wgpu".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

pub fn train_cmd(flags: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_train"));
    c.args(flags).stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

pub fn run(mut c: Command) -> Output {
    c.output().expect("the binary runs")
}

/// The flags of a CPU run long enough to be killed in the middle (3 epochs of 40 steps).
pub fn resumable<'a>(data: &'a str, tok: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "--task",
        "sst2",
        "--data-dir",
        data,
        "--from-scratch",
        "tiny",
        "--tokenizer",
        tok,
        "--output-dir",
        out,
        "--no-index",
        "--device",
        "cpu",
        "--batch-size",
        "4",
        "--epochs",
        "3",
        "--lr",
        "1e-3",
        "--save-steps",
        "7",
        "--logging-steps",
        "5",
        "--seed",
        "11",
    ]
}

/// Two finished runs ended the same: evaluations, logged losses, and the weights bit for bit.
pub fn assert_same_run(whole: &Path, cut: &Path) {
    let metrics = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap()
    };
    let (a, b) = (metrics(whole), metrics(cut));
    assert_eq!(a["evals"], b["evals"], "evaluations differ");
    assert_eq!(a["best"], b["best"]);
    assert_eq!(a["train_loss"], b["train_loss"], "logged losses differ");
    // Same tensors bit for bit: same header entries (the metadata map's order may differ
    // between processes) and the same data bytes.
    let weights = |dir: &Path| {
        let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        header.as_object_mut().unwrap().remove("__metadata__");
        (header, bytes[8 + n..].to_vec())
    };
    let (a, b) = (weights(whole), weights(cut));
    assert_eq!(a.0, b.0, "tensor names, shapes or offsets differ");
    assert!(a.1 == b.1, "the saved weights differ");
}
