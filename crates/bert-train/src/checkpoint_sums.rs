//! `checksums.json` in each `checkpoint-N/`: the length and CRC-32 of every other file, so that
//! `--resume` can tell a damaged checkpoint (a truncated copy, a flipped bit on disk) from a
//! good one and fall back to the one before. burnpack and safetensors check their headers but
//! not the bytes of the tensors.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

pub(crate) const SUMS: &str = "checksums.json";

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Sum {
    bytes: u64,
    crc32: u32,
}

/// Writes the sums of the files now in `dir` (all but the trainer state, which is written
/// after them and checked by parsing).
pub(crate) fn write(dir: &Path, skip: &str) -> Result<()> {
    let mut sums = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(TrainError::io(dir))?;
    for entry in entries {
        let entry = entry.map_err(TrainError::io(dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != SUMS && name != skip {
            sums.insert(name, sum(&entry.path())?);
        }
    }
    let json = serde_json::to_vec_pretty(&sums).map_err(|e| TrainError::checkpoint(dir, e))?;
    let path = dir.join(SUMS);
    bert_model::save::write_atomic(&path, &json).map_err(TrainError::io(&path))
}

/// Checks every file `checksums.json` lists against its length and CRC-32.
pub(crate) fn verify(dir: &Path) -> Result<()> {
    let path = dir.join(SUMS);
    let text = std::fs::read(&path).map_err(TrainError::io(&path))?;
    let sums: BTreeMap<String, Sum> =
        serde_json::from_slice(&text).map_err(|e| TrainError::checkpoint(&path, e))?;
    for (name, want) in &sums {
        let file = dir.join(name);
        let got = sum(&file)?;
        if got != *want {
            return Err(TrainError::checkpoint(
                &file,
                format!(
                    "damaged: {} bytes with CRC-32 {:08x}, but it was saved as {} bytes with {:08x}",
                    got.bytes, got.crc32, want.bytes, want.crc32
                ),
            ));
        }
    }
    Ok(())
}

fn sum(path: &Path) -> Result<Sum> {
    let (bytes, crc32) = file_crc32(path)?;
    Ok(Sum { bytes, crc32 })
}

/// The length and CRC-32 (IEEE, as zlib) of a file, read in 1 MiB pieces (weights can be
/// gigabytes). Also the stamps of `models/index.json`.
pub(crate) fn file_crc32(path: &Path) -> Result<(u64, u32)> {
    let mut file = std::fs::File::open(path).map_err(TrainError::io(path))?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(TrainError::io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hasher.finalize()))
}
