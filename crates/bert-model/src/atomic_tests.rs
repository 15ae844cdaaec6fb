//! A set save cut off at each stage, replayed by hand: the folder ends with one whole set.

use super::*;

fn tmp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bert-atomic-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn old_set(dir: &Path) {
    write_set(
        dir,
        &[
            ("config.json", b"old config"),
            ("model.safetensors", b"old weights"),
        ],
    )
    .unwrap();
}

#[test]
fn a_set_replaces_every_file_and_leaves_no_staging() {
    let dir = tmp_dir("set");
    old_set(&dir);
    std::fs::write(dir.join("train_log.jsonl"), "kept").unwrap();
    write_set(
        &dir,
        &[
            ("config.json", b"new config"),
            ("model.safetensors", b"new weights"),
        ],
    )
    .unwrap();
    assert_eq!(read(&dir, "config.json"), "new config");
    assert_eq!(read(&dir, "model.safetensors"), "new weights");
    assert_eq!(read(&dir, "train_log.jsonl"), "kept");
    assert!(!dir.join(STAGING).exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cut_before_the_manifest_keeps_the_old_set() {
    let dir = tmp_dir("before");
    old_set(&dir);
    let staging = dir.join(STAGING);
    std::fs::create_dir(&staging).unwrap();
    std::fs::write(staging.join("config.json"), "new config").unwrap();
    finish_interrupted_save(&dir).unwrap();
    assert_eq!(read(&dir, "config.json"), "old config");
    assert_eq!(read(&dir, "model.safetensors"), "old weights");
    assert!(!staging.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cut_after_the_manifest_is_finished() {
    let dir = tmp_dir("after");
    old_set(&dir);
    let staging = dir.join(STAGING);
    std::fs::create_dir(&staging).unwrap();
    // One file already renamed into place, the other still staged.
    std::fs::write(dir.join("config.json"), "new config").unwrap();
    std::fs::write(staging.join("model.safetensors"), "new weights").unwrap();
    std::fs::write(staging.join(MANIFEST), "config.json\nmodel.safetensors").unwrap();
    finish_interrupted_save(&dir).unwrap();
    assert_eq!(read(&dir, "config.json"), "new config");
    assert_eq!(read(&dir, "model.safetensors"), "new weights");
    assert!(!staging.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_write_leaves_the_old_files_and_no_temporaries() {
    let dir = tmp_dir("fail");
    old_set(&dir);
    // A name that cannot be created fails the staging half-way.
    let bad = write_set(&dir, &[("config.json", b"new"), ("no/such/dir", b"x")]);
    assert!(bad.is_err());
    assert_eq!(read(&dir, "config.json"), "old config");
    assert!(!dir.join(STAGING).exists());
    // A rename over a folder fails after the temporary file was written.
    std::fs::create_dir(dir.join("taken")).unwrap();
    assert!(write_atomic(&dir.join("taken"), b"x").is_err());
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
