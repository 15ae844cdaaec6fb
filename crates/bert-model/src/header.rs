//! The JSON header of a safetensors file: the tensor names, read without loading the tensors.

use crate::BertError;

/// Tensor names in a safetensors buffer, read from its JSON header.
pub fn safetensors_keys(bytes: &[u8], origin: &str) -> Result<Vec<String>, BertError> {
    let bad = |m: &str| BertError::Checkpoint {
        origin: origin.into(),
        message: format!("not a safetensors file: {m}"),
    };
    let len = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
        .ok_or_else(|| bad("shorter than its 8-byte header length"))?;
    let header = bytes
        .get(8..8usize.saturating_add(len))
        .ok_or_else(|| bad("header length exceeds the file"))?;
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|e| bad(&e.to_string()))?;
    Ok(map
        .keys()
        .filter(|k| *k != "__metadata__")
        .cloned()
        .collect())
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn safetensors_file_keys(path: &std::path::Path) -> Result<Vec<String>, BertError> {
    use std::io::Read;
    let io = |source| BertError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len).map_err(io)?;
    let n = u64::from_le_bytes(len).min(100 << 20) as usize;
    let mut head = len.to_vec();
    head.resize(8 + n, 0);
    file.read_exact(&mut head[8..]).map_err(io)?;
    safetensors_keys(&head, &path.display().to_string())
}
