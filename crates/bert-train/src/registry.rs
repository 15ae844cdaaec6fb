//! `models/index.json`: the models the web page lists. Each run adds or replaces its entry
//! (keyed by path); the file is rewritten atomically.
//!
//! Each entry also records the length and CRC-32 of the model's files (`files`): the page keeps
//! downloaded weights in the browser's Cache API and uses these stamps as their version, so a
//! model retrained into the same folder is downloaded again instead of served stale, and a
//! download that does not match them is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub task: String,
    /// "classification", "regression" or "question-answering".
    pub kind: String,
    /// Relative to the folder that holds `models/` (the page's root) when inside it.
    pub path: String,
    pub metric: Metric,
    pub base_model: String,
    /// UTC, RFC 3339.
    pub created: String,
}

/// The files of a model folder the page downloads, the ones stamped in the index.
pub const MODEL_FILES: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// Length and CRC-32 (8 lowercase hex digits) of one file. A CRC tells a retrained or damaged
/// file from the cached one; it is not meant to resist someone forging weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileStamp {
    pub bytes: u64,
    pub crc32: String,
}

/// An entry as the index stores it: the run's [`Entry`] and the stamps of its files, taken by
/// [`record`] when it writes the entry (empty in indexes written before stamps existed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    #[serde(flatten)]
    pub entry: Entry,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, FileStamp>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Index {
    pub models: Vec<Recorded>,
}

/// `models/index.json` under the current folder (the repository root under `cargo run`).
pub fn default_index_path() -> PathBuf {
    PathBuf::from("models").join("index.json")
}

/// The path to record for `model_dir`: relative to the index's root folder when inside it.
pub fn entry_path(index_path: &Path, model_dir: &Path) -> String {
    // `models/index.json` has the parent "" (the current folder), which `absolute` refuses.
    let root = index_path
        .parent()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (root, dir) = (abs(root), abs(model_dir));
    match dir.strip_prefix(&root) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => dir.display().to_string(),
    }
}

/// The folder `path` of an entry names: relative to the index's root folder, or absolute.
fn model_dir(index_path: &Path, path: &str) -> PathBuf {
    let root = index_path
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new(""));
    root.join(path)
}

/// The stamp of one file.
pub fn stamp(path: &Path) -> Result<FileStamp> {
    let (bytes, crc32) = crate::checkpoint_sums::file_crc32(path)?;
    Ok(FileStamp {
        bytes,
        crc32: format!("{crc32:08x}"),
    })
}

/// Adds `entry` with the stamps of its folder's model files, replacing one with the same path.
/// Files the folder lacks get no stamp (the page then revalidates them with the server).
pub fn record(index_path: &Path, entry: Entry) -> Result<()> {
    let mut index = match std::fs::read_to_string(index_path) {
        Ok(text) => serde_json::from_str::<Index>(&text).map_err(|e| {
            TrainError::Data(format!(
                "{}: not a models index ({e}); move it away",
                index_path.display()
            ))
        })?,
        // Only a missing index is started afresh: one that cannot be read (not UTF-8, a folder,
        // no permission) is the user's, and is never overwritten.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Index::default(),
        Err(e) => return Err(TrainError::io(index_path)(e)),
    };
    let dir = model_dir(index_path, &entry.path);
    let mut files = BTreeMap::new();
    for name in MODEL_FILES {
        let path = dir.join(name);
        if path.is_file() {
            files.insert(name.to_string(), stamp(&path)?);
        }
    }
    index.models.retain(|m| m.entry.path != entry.path);
    index.models.push(Recorded { entry, files });
    if let Some(dir) = index_path.parent() {
        std::fs::create_dir_all(dir).map_err(TrainError::io(dir))?;
    }
    let text = serde_json::to_string_pretty(&index).unwrap_or_default() + "\n";
    bert_model::save::write_atomic(index_path, text.as_bytes()).map_err(TrainError::io(index_path))
}

/// Seconds since the epoch as RFC 3339 UTC, without a date crate.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, value: f64) -> Entry {
        Entry {
            name: "sst2".into(),
            task: "sst2".into(),
            kind: "classification".into(),
            path: path.into(),
            metric: Metric {
                name: "accuracy".into(),
                value,
            },
            base_model: "scratch:tiny".into(),
            created: utc_now(),
        }
    }

    #[test]
    fn paths_are_relative_to_the_root_and_entries_replace() {
        let root = std::env::temp_dir().join(format!("bert-index-{}", std::process::id()));
        let index = root.join("models/index.json");
        assert_eq!(entry_path(&index, &root.join("models/sst2")), "models/sst2");
        let relative = default_index_path();
        assert_eq!(
            entry_path(&relative, Path::new("models/sst2")),
            "models/sst2"
        );
        record(&index, entry("models/sst2", 0.5)).unwrap();
        record(&index, entry("models/sst2", 0.75)).unwrap();
        let read: Index = serde_json::from_str(&std::fs::read_to_string(&index).unwrap()).unwrap();
        assert_eq!(read.models.len(), 1);
        assert_eq!(read.models[0].entry.metric.value, 0.75);
        assert_eq!(utc_now().len(), 20);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn entries_stamp_their_files_and_a_rewrite_changes_the_stamp() {
        let root = std::env::temp_dir().join(format!("bert-index-stamps-{}", std::process::id()));
        let dir = root.join("models/sst2");
        std::fs::create_dir_all(&dir).unwrap();
        // CRC-32 of "123456789" is the standard check value cbf43926.
        std::fs::write(dir.join("config.json"), b"123456789").unwrap();
        std::fs::write(dir.join("model.safetensors"), [1u8, 2, 3, 4]).unwrap();
        let index = root.join("models/index.json");
        let entry = entry(&entry_path(&index, &dir), 0.5);
        record(&index, entry.clone()).unwrap();
        let read = |name: &str| -> Option<FileStamp> {
            let text = std::fs::read_to_string(&index).unwrap();
            let index: Index = serde_json::from_str(&text).unwrap();
            index.models[0].files.get(name).cloned()
        };
        let config = read("config.json").unwrap();
        assert_eq!((config.bytes, config.crc32.as_str()), (9, "cbf43926"));
        // No tokenizer.json in the folder: no stamp, and the page revalidates it instead.
        assert_eq!(read("tokenizer.json"), None);
        let before = read("model.safetensors").unwrap();
        // Retrained into the same folder: same length, other bytes, another stamp.
        std::fs::write(dir.join("model.safetensors"), [1u8, 2, 3, 5]).unwrap();
        record(&index, entry).unwrap();
        let after = read("model.safetensors").unwrap();
        assert_eq!(after.bytes, before.bytes);
        assert_ne!(after.crc32, before.crc32);
        // The page reads the stamps under each entry's "files".
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&index).unwrap()).unwrap();
        assert_eq!(
            json["models"][0]["files"]["config.json"]["crc32"],
            "cbf43926"
        );
        assert_eq!(json["models"][0]["path"], "models/sst2");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn an_index_that_cannot_be_read_is_an_error_and_is_kept() {
        let root = std::env::temp_dir().join(format!("bert-index-bad-{}", std::process::id()));
        let index = root.join("models/index.json");
        std::fs::create_dir_all(index.parent().unwrap()).unwrap();
        let entry = entry("models/a", 0.5);
        for (bytes, says) in [
            (&b"{\"models\": [oops"[..], "not a models index"),
            (
                &b"{\"models\": [\xff]}"[..],
                "stream did not contain valid UTF-8",
            ),
        ] {
            std::fs::write(&index, bytes).unwrap();
            let err = record(&index, entry.clone()).unwrap_err().to_string();
            assert!(err.contains("index.json") && err.contains(says), "{err}");
            assert_eq!(
                std::fs::read(&index).unwrap(),
                bytes,
                "the index was overwritten"
            );
        }
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn indexes_without_stamps_still_load() {
        let old = r#"{"models": [{"name": "a", "task": "sst2", "kind": "classification",
            "path": "models/a", "metric": {"name": "accuracy", "value": 0.5},
            "base_model": "x", "created": "2025-01-01T00:00:00Z"}]}"#;
        let index: Index = serde_json::from_str(old).unwrap();
        assert!(index.models[0].files.is_empty());
        assert!(!serde_json::to_string(&index).unwrap().contains("files"));
    }
}
