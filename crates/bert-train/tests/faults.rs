//! Faults during a run: a diverged model is never checkpointed, and a damaged newest
//! checkpoint is skipped for the one before, which resumes to the uninterrupted result.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

/// A learning rate of 1e38 makes the first AdamW update overflow to ±inf/NaN although the loss
/// and gradient norm it came from are finite; with `--save-steps 1` and no logging step before
/// the end, only the check before each save can stop it. It used to save checkpoint-1..3.
#[test]
fn a_diverged_model_is_never_saved() {
    let tmp = TempDir::new("nan");
    let data = glue_dir(tmp.path(), "sst2", 16, 8);
    let tok = tokenizer();
    let out = tmp.path().join("out");
    let mut flags = resumable(
        data.to_str().unwrap(),
        tok.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    for (flag, value) in [
        ("--lr", "1e38"),
        ("--save-steps", "1"),
        ("--logging-steps", "100"),
    ] {
        let at = flags.iter().position(|f| *f == flag).unwrap();
        flags[at + 1] = value;
    }
    let result = run(train_cmd(&flags));
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "{err}");
    assert!(
        err.contains("is no longer finite at step 1; nothing was saved from it"),
        "{err}"
    );
    let saved: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("checkpoint-") || n == "model.safetensors")
        .collect();
    assert!(saved.is_empty(), "saved from a diverged model: {saved:?}");
}

/// Kills a run once checkpoint-14 is in place (checkpoint-7 is kept beside it), flips one byte
/// in the middle of the newest weights, and resumes: the damage is named, checkpoint-7 is
/// taken, and the run ends bit-identical to one never interrupted.
#[test]
fn a_damaged_newest_checkpoint_falls_back_to_the_one_before() {
    let tmp = TempDir::new("damaged");
    let data = glue_dir(tmp.path(), "sst2", 160, 40);
    let tok = tokenizer();
    let (data_s, tok_s) = (data.to_str().unwrap(), tok.to_str().unwrap());
    let (whole, cut) = (tmp.path().join("whole"), tmp.path().join("cut"));
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
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        cut.join("checkpoint-7").is_dir(),
        "the previous checkpoint was not kept"
    );

    let weights = cut.join("checkpoint-14/model.bpk");
    let mut bytes = std::fs::read(&weights).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&weights, bytes).unwrap();

    let mut resumed = flags.clone();
    resumed.push("--resume");
    let out = run(train_cmd(&resumed));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("checkpoint-14/model.bpk: damaged"), "{err}");
    assert!(err.contains("checkpoint-7 (epoch 1, step 7/"), "{err}");
    assert_same_run(&whole, &cut);
}

/// An output folder that cannot be written in is refused before any training step, with the
/// folder named (a file where the folder should be stands for a read-only or full disk, which
/// `scripts/disk_faults.py` runs for real on tmpfs).
#[test]
fn an_unwritable_output_folder_is_refused_before_training() {
    let tmp = TempDir::new("unwritable");
    let data = glue_dir(tmp.path(), "sst2", 16, 8);
    let tok = tokenizer();
    let blocker = tmp.path().join("a-file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let out = blocker.join("out");
    let flags = resumable(
        data.to_str().unwrap(),
        tok.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let result = run(train_cmd(&flags));
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "cannot write in the output folder {}",
            out.display()
        )),
        "{err}"
    );
    assert!(!err.contains("step"), "it trained before failing: {err}");
}
