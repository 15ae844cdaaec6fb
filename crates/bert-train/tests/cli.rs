//! The binaries as a user runs them: `train` killed with SIGKILL and resumed ends where an
//! uninterrupted run ends; `predict` prints one JSON line per input; bad input gives one error
//! line and a non-zero exit.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn a_run_killed_with_sigkill_resumes_to_the_same_result() {
    let tmp = TempDir::new("resume");
    let data = glue_dir(tmp.path(), "sst2", 160, 40);
    let tok = tokenizer();
    let (data_s, tok_s) = (data.to_str().unwrap(), tok.to_str().unwrap());
    let whole = tmp.path().join("whole");
    let cut = tmp.path().join("cut");

    let out = run(train_cmd(&resumable(
        data_s,
        tok_s,
        whole.to_str().unwrap(),
    )));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let flags = resumable(data_s, tok_s, cut.to_str().unwrap());
    let mut child = train_cmd(&flags).stderr(Stdio::null()).spawn().unwrap();
    // Kill once the second checkpoint is in place: mid-epoch (step 14 of 40) with a checkpoint
    // already replaced once.
    let t = Instant::now();
    while !cut.join("checkpoint-14").is_dir() {
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "no checkpoint appeared"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    assert!(
        !cut.join("metrics.json").exists(),
        "the killed run must not have finished"
    );

    let mut resumed = flags.clone();
    resumed.push("--resume");
    let out = run(train_cmd(&resumed));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("resume: "), "{err}");

    assert_same_run(&whole, &cut);
}

#[test]
fn predict_prints_one_line_per_input_in_order() {
    let tmp = TempDir::new("predict");
    let data = glue_dir(tmp.path(), "sst2", 64, 16);
    let tok = tokenizer();
    let model = tmp.path().join("model");
    let flags = [
        "--task",
        "sst2",
        "--data-dir",
        data.to_str().unwrap(),
        "--from-scratch",
        "tiny",
        "--tokenizer",
        tok.to_str().unwrap(),
        "--output-dir",
        model.to_str().unwrap(),
        "--no-index",
        "--device",
        "cpu",
        "--epochs",
        "1",
    ];
    let out = run(train_cmd(&flags));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let input = tmp.path().join("in.jsonl");
    let texts = [
        "one charming man",
        "the empty world",
        "people playing with soft text",
    ];
    let lines: Vec<String> = texts
        .iter()
        .map(|t| serde_json::json!({ "text": t }).to_string())
        .collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_predict"));
    c.args([
        "--model",
        model.to_str().unwrap(),
        "--device",
        "cpu",
        "--input",
        input.to_str().unwrap(),
    ]);
    let out = run(c);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);

    // Same model, same inputs, one at a time through the library: same answers, same order.
    let p = bert_pipeline::Pipeline::from_dir(&model, &burn::tensor::Device::flex()).unwrap();
    for (row, text) in rows.iter().zip(texts) {
        let label = row["label"].as_str().unwrap();
        assert!(["negative", "positive"].contains(&label), "{row}");
        let sum: f64 = row["scores"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(|v| v.as_f64())
            .sum();
        assert!((sum - 1.0).abs() < 1e-5, "{row}");
        let one =
            serde_json::to_value(&p.classify(&[(text.to_string(), None)]).unwrap()[0]).unwrap();
        assert_eq!(one["label"], row["label"], "{text}");
        for (x, y) in one["logits"]
            .as_array()
            .unwrap()
            .iter()
            .zip(row["logits"].as_array().unwrap())
        {
            assert!(
                (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-5,
                "{one} vs {row}"
            );
        }
    }

    // A classifier asked a question says so.
    let mut c = Command::new(env!("CARGO_BIN_EXE_predict"));
    c.args([
        "--model",
        model.to_str().unwrap(),
        "--device",
        "cpu",
        "--question",
        "who?",
        "--context",
        "me",
    ]);
    let out = run(c);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("classification model"),
        "{out:?}"
    );
}

/// Runs `train`, expects failure with exactly one `error:` line containing `needle`.
fn fails_with(flags: &[&str], needle: &str) {
    let out = run(train_cmd(flags));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{flags:?} succeeded:\n{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{flags:?}:\n{err}");
    assert!(
        errors[0].contains(needle),
        "{flags:?}: {:?} lacks {needle:?}",
        errors[0]
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_gives_one_clear_error_line() {
    let tmp = TempDir::new("bad");
    let tok = tokenizer();
    let tok_s = tok.to_str().unwrap();
    let sst2 = glue_dir(tmp.path(), "sst2", 16, 8);
    let sst2_s = sst2.to_str().unwrap();
    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    let base = [
        "--from-scratch",
        "tiny",
        "--tokenizer",
        tok_s,
        "--no-index",
        "--device",
        "cpu",
        "--output-dir",
        out_s,
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let check = |extra: &[&str], needle: &str| {
        let v = with(extra);
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        fails_with(&refs, needle);
    };

    check(
        &["--task", "sst2", "--data-dir", "/no/such/folder"],
        "no such folder",
    );
    check(
        &["--task", "squad", "--data-dir", sst2_s],
        "train-v1.1.json",
    );
    check(&["--task", "mrpc", "--data-dir", sst2_s], "#1 String");
    check(&["--task", "imdb"], "unknown --task");

    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("train.tsv"), "sentence\tlabel\n").unwrap();
    std::fs::write(empty.join("dev.tsv"), "sentence\tlabel\nthe man\t1\n").unwrap();
    check(
        &["--task", "sst2", "--data-dir", empty.to_str().unwrap()],
        "no training examples",
    );

    check(
        &[
            "--task",
            "sst2",
            "--data-dir",
            sst2_s,
            "--lr",
            "1e30",
            "--max-grad-norm",
            "0",
            "--logging-steps",
            "1",
        ],
        "loss became",
    );

    // A checkpoint whose head does not fit: the 3-label fixture fine-tuned as binary SST-2.
    let ckpt = tmp.path().join("ckpt");
    std::fs::create_dir_all(&ckpt).unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/model/classifier");
    for f in ["config.json", "model.safetensors"] {
        std::fs::copy(fixture.join(f), ckpt.join(f)).unwrap();
    }
    std::fs::copy(&tok, ckpt.join("tokenizer.json")).unwrap();
    let flags = [
        "--task",
        "sst2",
        "--data-dir",
        sst2_s,
        "--model",
        ckpt.to_str().unwrap(),
        "--no-index",
        "--device",
        "cpu",
        "--output-dir",
        out_s,
    ];
    fails_with(&flags, "classifier.weight");

    check(
        &["--task", "sst2", "--data-dir", sst2_s, "--resume"],
        "no checkpoint",
    );

    // A Hub id with the Hub out of reach (forced, so the test never downloads).
    let mut c = train_cmd(&[
        "--task",
        "sst2",
        "--data-dir",
        sst2_s,
        "--model",
        "google/bert_uncased_L-2_H-128_A-2",
        "--no-index",
        "--device",
        "cpu",
        "--output-dir",
        out_s,
    ]);
    c.env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", tmp.path().join("hf"));
    let out = run(c);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("error: cannot download google/bert_uncased_L-2_H-128_A-2"),
        "{err}"
    );
}
