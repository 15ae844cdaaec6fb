//! Crash-safe writes: one file (temporary sibling, fsync, rename, fsync the folder), and a set
//! of files that must change together (a model's weights, config, tokenizer and scores).
//!
//! A set goes into a staging folder `.saving/` inside the target, each file synced, then a
//! manifest naming them is written and synced, and only then are the files renamed into place.
//! A crash before the manifest leaves the old set whole (the staging folder is dropped on the
//! next save); a crash after it is finished by [`finish_interrupted_save`], which every save
//! and every `Checkpoint::from_dir` run first. The target folder cannot itself be swapped by
//! one rename because it also holds what is not part of the set (`checkpoint-N/`, logs).

use std::io::Write;
use std::path::Path;

const STAGING: &str = ".saving";
const MANIFEST: &str = "MANIFEST";

/// Writes through a sibling temporary file, synced, then renamed over `path`; the folder is
/// synced so the rename survives a power cut. On error nothing is left behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = write_synced(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Replaces the files `files` (name, bytes) of `dir` all together: after a crash at any
/// moment, `dir` holds either all the old ones or all the new ones (once finished).
pub fn write_set(dir: &Path, files: &[(&str, &[u8])]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    finish_interrupted_save(dir)?;
    let staging = dir.join(STAGING);
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir(&staging)?;
    let staged = stage(&staging, files);
    if staged.is_err() {
        // Nothing was renamed into place yet: the old set is whole.
        let _ = std::fs::remove_dir_all(&staging);
    }
    staged?;
    finish_interrupted_save(dir)
}

fn stage(staging: &Path, files: &[(&str, &[u8])]) -> std::io::Result<()> {
    for (name, bytes) in files {
        write_synced(&staging.join(name), bytes)?;
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    sync_dir(staging)?;
    // The manifest is the commit point: once it is whole, the set is finished, never undone.
    write_atomic(&staging.join(MANIFEST), names.join("\n").as_bytes())
}

/// Finishes a set save that was cut off after its commit point, and drops one cut off before.
pub fn finish_interrupted_save(dir: &Path) -> std::io::Result<()> {
    let staging = dir.join(STAGING);
    let manifest = match std::fs::read_to_string(staging.join(MANIFEST)) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if staging.exists() {
                std::fs::remove_dir_all(&staging)?;
            }
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    for name in manifest.lines().filter(|n| !n.is_empty()) {
        match std::fs::rename(staging.join(name), dir.join(name)) {
            // Moved already, by the save itself or an earlier recovery.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    sync_dir(dir)?;
    std::fs::remove_dir_all(&staging)
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes renames in `dir` durable; filesystems that cannot sync a folder are let be.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::File::open(dir).and_then(|f| f.sync_all()) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Ok(()),
        Err(e) if e.raw_os_error() == Some(22) => Ok(()), // EINVAL: not supported there
        other => other,
    }
}

#[cfg(test)]
#[path = "atomic_tests.rs"]
mod tests;
