//! The JSON header of a safetensors file: the tensor names, read and checked without loading
//! the tensors.
//!
//! Everything a header claims is checked against the file before burn-store trusts it: the
//! header length (read from the first 8 bytes, so a Git-LFS pointer or random bytes would
//! otherwise ask for exabytes), each dtype, and each tensor's byte range and its size.

use crate::BertError;

/// safetensors' own limit on the header (`MAX_HEADER_SIZE`).
const MAX_HEADER: u64 = 100_000_000;

/// What a Git-LFS pointer file starts with, in place of the weights it stands for.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/";

/// Tensor names in a safetensors buffer, read from its JSON header.
pub fn safetensors_keys(bytes: &[u8], origin: &str) -> Result<Vec<String>, BertError> {
    Ok(safetensors_header(bytes, origin)?.keys)
}

/// What a checked header holds: the tensor names and their elements in all.
#[derive(Debug)]
pub struct Header {
    pub keys: Vec<String>,
    pub elements: u64,
}

/// The header of a safetensors buffer, every entry checked against the data.
pub fn safetensors_header(bytes: &[u8], origin: &str) -> Result<Header, BertError> {
    let n = header_len(bytes.get(..8), bytes.len() as u64, origin)?;
    // `header_len` bounded n by the buffer's length, so this fits in usize.
    let end = 8 + n as usize;
    let header = bytes
        .get(8..end)
        .ok_or_else(|| bad(origin, "header cut short".into()))?;
    check_header(header, (bytes.len() - end) as u64, origin)
}

/// The same, reading only the header of a file.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn safetensors_file_header(path: &std::path::Path) -> Result<Header, BertError> {
    use std::io::Read;
    let origin = path.display().to_string();
    let io = |source| BertError::Io {
        path: origin.clone(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let mut first = Vec::with_capacity(8);
    (&mut file).take(8).read_to_end(&mut first).map_err(io)?;
    let n = header_len(Some(&first), file_len, &origin)?;
    let mut header = vec![0u8; n as usize]; // n ≤ MAX_HEADER
    file.read_exact(&mut header).map_err(io)?;
    check_header(&header, file_len - 8 - n, &origin)
}

/// The header's length, once it is known to fit in the file and under safetensors' limit.
fn header_len(first: Option<&[u8]>, total: u64, origin: &str) -> Result<u64, BertError> {
    let first = first.filter(|b| b.len() == 8);
    let Some(first) = first else {
        return Err(bad(
            origin,
            format!("{total} bytes, shorter than the 8-byte header length"),
        ));
    };
    if LFS_POINTER.starts_with(first) {
        return Err(BertError::Checkpoint {
            origin: origin.into(),
            message: "this is a Git LFS pointer, not the weights: run `git lfs pull` in the \
                      model's repository (or download the file itself)"
                .into(),
        });
    }
    let mut le = [0u8; 8];
    le.copy_from_slice(first);
    let n = u64::from_le_bytes(le);
    if n > MAX_HEADER {
        return Err(bad(
            origin,
            format!("header length {n} is over safetensors' limit of {MAX_HEADER}"),
        ));
    }
    if n > total - 8 {
        return Err(bad(
            origin,
            format!("header length {n} runs past the end of the file ({total} bytes)"),
        ));
    }
    Ok(n)
}

/// Checks every entry of the header against the `data_len` bytes that follow it.
fn check_header(header: &[u8], data_len: u64, origin: &str) -> Result<Header, BertError> {
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|e| bad(origin, format!("header: {e}")))?;
    let mut keys = Vec::with_capacity(map.len());
    let mut elements = 0u64;
    for (name, entry) in &map {
        if name == "__metadata__" {
            continue;
        }
        let n = check_entry(entry, data_len)
            .map_err(|m| bad(origin, format!("tensor `{name}`: {m}")))?;
        // Each entry fits in the data, so the sum cannot pass the file's length.
        elements = elements.saturating_add(n);
        keys.push(name.clone());
    }
    Ok(Header { keys, elements })
}

/// One tensor: `{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}`; its elements.
fn check_entry(entry: &serde_json::Value, data_len: u64) -> Result<u64, String> {
    let dtype = entry
        .get("dtype")
        .and_then(|d| d.as_str())
        .ok_or("no `dtype` string")?;
    let size = dtype_size(dtype).ok_or_else(|| format!("unknown dtype {dtype:?}"))?;
    if is_float(dtype) && dtype != "F32" {
        return Err(format!(
            "stored as {dtype}; this build loads F32 weights only \
             (save them with `model.float()` in transformers)"
        ));
    }
    let dims = u64_list(entry.get("shape"), "shape")?;
    let offsets = u64_list(entry.get("data_offsets"), "data_offsets")?;
    let [begin, end] = offsets[..] else {
        return Err(format!(
            "`data_offsets` has {} numbers, not 2",
            offsets.len()
        ));
    };
    if begin > end || end > data_len {
        return Err(format!(
            "`data_offsets` [{begin}, {end}] are not within the {data_len} bytes of data"
        ));
    }
    let bytes = dims
        .iter()
        .try_fold(size, |acc, &d| acc.checked_mul(d))
        .ok_or("its shape's size overflows")?;
    if bytes != end - begin {
        return Err(format!(
            "shape {dims:?} of {dtype} is {bytes} bytes, but `data_offsets` span {}",
            end - begin
        ));
    }
    Ok(bytes / size)
}

fn u64_list(value: Option<&serde_json::Value>, field: &str) -> Result<Vec<u64>, String> {
    let list = value
        .and_then(|v| v.as_array())
        .ok_or_else(|| format!("no `{field}` list"))?;
    list.iter()
        .map(|v| {
            v.as_u64()
                .ok_or_else(|| format!("`{field}` holds {v}, not a whole number"))
        })
        .collect()
}

/// Bytes per element of the dtypes safetensors defines with whole bytes.
fn dtype_size(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 1,
        "U16" | "I16" | "F16" | "BF16" => 2,
        "U32" | "I32" | "F32" => 4,
        "U64" | "I64" | "F64" => 8,
        _ => return None,
    })
}

fn is_float(dtype: &str) -> bool {
    dtype.starts_with('F') || dtype == "BF16"
}

fn bad(origin: &str, message: String) -> BertError {
    BertError::Checkpoint {
        origin: origin.into(),
        message: format!("not a valid safetensors file: {message}"),
    }
}

#[cfg(test)]
#[path = "header_tests.rs"]
mod tests;
