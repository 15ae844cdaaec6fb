//! `train-tokenizer` → `pretrain` → `train`/`predict --fill-mask`, on a synthetic corpus in
//! WikiText layout whose sentences follow fixed patterns (so a tiny BERT learns them in a few
//! dozen steps): the MLM loss falls on the CPU and on wgpu, a run killed with SIGKILL resumes
//! to the same weights, and the output folder is a valid `train --model`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bert_pipeline::Pipeline;
use bert_train::PretrainArgs;
use burn::tensor::Device;
use clap::Parser;
use common::*;

const SUBJECTS: &[(&str, &str, &str)] = &[
    ("the cat", "sat on", "the mat"),
    ("a dog", "ran to", "the park"),
    ("the bird", "flew over", "the river"),
    ("my friend", "drove into", "the city"),
    ("the farmer", "worked in", "the field"),
    ("a child", "played with", "the ball"),
];

/// Articles with headings, paragraphs of pattern sentences, and WikiText's spacing.
fn corpus(dir: &Path, articles: usize, seed: u64) -> PathBuf {
    let mut state = seed;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % n as u64) as usize
    };
    let mut text = String::from("\n");
    for a in 0..articles {
        text.push_str(&format!(" = Article {a} = \n\n"));
        for p in 0..4 {
            if p == 2 {
                text.push_str(" = = Section = = \n\n");
            }
            let sentences: Vec<String> = (0..4)
                .map(|_| {
                    let (s, v, o) = SUBJECTS[next(SUBJECTS.len())];
                    format!("{s} {v} {o} on day {} .", next(9) + 1)
                })
                .collect();
            text.push_str(&format!(" {} \n\n", sentences.join(" ")));
        }
    }
    let path = dir.join("wiki.train.tokens");
    std::fs::write(&path, text).unwrap();
    path
}

fn bin(name: &str) -> Command {
    let path = match name {
        "pretrain" => env!("CARGO_BIN_EXE_pretrain"),
        "train-tokenizer" => env!("CARGO_BIN_EXE_train-tokenizer"),
        _ => env!("CARGO_BIN_EXE_predict"),
    };
    let mut c = Command::new(path);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// A tokenizer trained on the corpus by the `train-tokenizer` binary.
fn tokenizer_for(corpus: &Path, out: &Path) -> PathBuf {
    let o = bin("train-tokenizer")
        .args(["--files", corpus.to_str().unwrap(), "--vocab-size", "120"])
        .args(["--output-dir", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["unk_rate"], 0.0, "{report}");
    assert!(out.join("vocab.txt").is_file());
    out.join("tokenizer.json")
}

fn flags<'a>(corpus: &'a str, tok: &'a str, out: &'a str, device: &'a str) -> Vec<&'a str> {
    vec![
        "--train-files",
        corpus,
        "--tokenizer",
        tok,
        "--output-dir",
        out,
        "--device",
        device,
        "--model-size",
        "tiny",
        "--max-seq-length",
        "32",
        "--batch-size",
        "8",
        "--lr",
        "2e-3",
        "--warmup-ratio",
        "0.1",
        "--eval-fraction",
        "0.2",
        "--logging-steps",
        "5",
        "--seed",
        "3",
    ]
}

#[test]
fn pretraining_lowers_the_mlm_loss_on_each_device_and_feeds_train_and_fill_mask() {
    let tmp = TempDir::new("pretrain");
    let text = corpus(tmp.path(), 30, 1);
    let tok = tokenizer_for(&text, &tmp.path().join("tok"));
    for device in devices() {
        let out = tmp.path().join(format!("out-{device}"));
        let dev = if device == "wgpu" { "gpu" } else { "cpu" };
        let steps = if device == "wgpu" { "40" } else { "80" };
        let mut argv = vec!["pretrain"];
        argv.extend(flags(
            text.to_str().unwrap(),
            tok.to_str().unwrap(),
            out.to_str().unwrap(),
            dev,
        ));
        argv.extend(["--max-steps", steps]);
        let args = PretrainArgs::parse_from(argv);
        let device_obj = if dev == "cpu" {
            Device::flex()
        } else {
            bert_model::device::select_device(bert_model::device::DeviceChoice::Gpu)
                .unwrap()
                .device
        };
        let metrics = bert_train::pretrain::pretrain(&args, &device_obj, dev).unwrap();
        let losses = losses(&out);
        let (first, last) = (losses[0], losses[losses.len() - 1]);
        eprintln!(
            "{device}: loss {first:.3} → {last:.3}; {}",
            metrics["final"]
        );
        assert!(last < 0.7 * first, "{device}: {losses:?}");
        let acc = metrics["final"]["metrics"]["mlm_accuracy"]
            .as_f64()
            .unwrap();
        assert!(acc > 0.3, "{device}: held-out MLM accuracy {acc}");
        assert!(metrics["train_tokens_per_second"].as_f64().unwrap() > 0.0);
        assert!(out.join("curves.svg").is_file());
    }

    // The CPU model fills masks with the pattern's word, and fine-tunes with `train`.
    let out = tmp.path().join("out-cpu");
    if out.is_dir() {
        let p = Pipeline::from_dir(&out, &Device::flex()).unwrap();
        let filled = p
            .fill_mask("the cat sat on the [MASK] on day 3 .", 3)
            .unwrap();
        assert_eq!(filled.len(), 1);
        assert_eq!(filled[0].len(), 3);
        assert!(filled[0][0].score >= filled[0][1].score);
        eprintln!("fill-mask: {:?}", filled[0]);

        let data = glue_dir(tmp.path(), "sst2", 32, 8);
        let ft = tmp.path().join("ft");
        train(&[
            "--task",
            "sst2",
            "--data-dir",
            data.to_str().unwrap(),
            "--model",
            out.to_str().unwrap(),
            "--output-dir",
            ft.to_str().unwrap(),
            "--no-index",
            "--device",
            "cpu",
            "--batch-size",
            "8",
            "--epochs",
            "1",
        ])
        .unwrap();
        assert!(ft.join("model.safetensors").is_file());

        let o = bin("predict")
            .args(["--model", out.to_str().unwrap(), "--device", "cpu"])
            .args([
                "--fill-mask",
                "a dog ran to the [MASK] on day 2 .",
                "--top-k",
                "2",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let line: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(line.as_array().unwrap().len(), 2, "{line}");
        assert!(line[0]["token_str"].is_string() && line[0]["sequence"].is_string());
    }
}

#[test]
fn a_pretraining_run_killed_with_sigkill_resumes_to_the_same_weights() {
    let tmp = TempDir::new("pretrain-resume");
    let text = corpus(tmp.path(), 16, 2);
    let tok = tokenizer_for(&text, &tmp.path().join("tok"));
    let (whole, cut) = (tmp.path().join("whole"), tmp.path().join("cut"));
    let args = |out: &Path| -> Vec<String> {
        let mut a: Vec<String> = flags(
            text.to_str().unwrap(),
            tok.to_str().unwrap(),
            out.to_str().unwrap(),
            "cpu",
        )
        .into_iter()
        .map(String::from)
        .collect();
        a.extend(["--epochs", "6", "--save-steps", "4"].map(String::from));
        a
    };
    let o = bin("pretrain").args(args(&whole)).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let mut child = bin("pretrain")
        .args(args(&cut))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !cut.join("checkpoint-8").is_dir() {
        assert!(t.elapsed() < Duration::from_secs(300), "no checkpoint");
        assert!(child.try_wait().unwrap().is_none(), "ended before the kill");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!cut.join("metrics.json").exists());
    let o = bin("pretrain")
        .args(args(&cut))
        .arg("--resume")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && err.contains("resume: "), "{err}");

    let metrics = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap()
    };
    assert_eq!(metrics(&whole)["evals"], metrics(&cut)["evals"]);
    let tensors = |dir: &Path| {
        let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        bytes[8 + n..].to_vec()
    };
    assert!(tensors(&whole) == tensors(&cut), "the weights differ");
}
