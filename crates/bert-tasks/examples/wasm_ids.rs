//! The wasm32 half of the native/wasm parity check (not a test: it needs /work/shared and node).
//!
//! Built as a bare `cdylib` for wasm32-unknown-unknown and driven by `examples/wasm_ids.mjs`,
//! which hands it `tokenizer.json` and the `encodings.jsonl` dump of
//! `tests/reference/task_dump_hf_encodings.py`; it re-encodes every text inside WebAssembly and
//! returns the number of texts whose ids, type ids or offsets differ from the dump.
//!
//! ```text
//! cargo build --release -p bert-tasks --example wasm_ids --target wasm32-unknown-unknown
//! node crates/bert-tasks/examples/wasm_ids.mjs target-tasks/wasm32-unknown-unknown/release/examples/wasm_ids.wasm /tmp/hf_dump
//! ```

use bert_tasks::BertTokenizer;
use serde_json::Value;

/// Allocates `len` bytes for the host to write into.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .map(|x| x as u32)
                .collect()
        })
        .unwrap_or_default()
}

fn take(ptr: *mut u8, len: usize) -> Vec<u8> {
    // SAFETY: `ptr` came from `wasm_alloc(len)` and the host wrote `len` bytes into it.
    unsafe { Vec::from_raw_parts(ptr, len, len) }
}

/// Re-encodes every dump line and returns the number of texts that differ, or -1 when the
/// tokenizer does not load and -2 on unreadable input. Takes ownership of both buffers.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_count_mismatches(
    tok_ptr: *mut u8,
    tok_len: usize,
    dump_ptr: *mut u8,
    dump_len: usize,
) -> i64 {
    let tok_bytes = take(tok_ptr, tok_len);
    let dump = take(dump_ptr, dump_len);
    let Ok(tok) = BertTokenizer::from_json_bytes(&tok_bytes) else {
        return -1;
    };
    let Ok(text) = std::str::from_utf8(&dump) else {
        return -2;
    };
    let mut bad = 0;
    for line in text.lines() {
        let Ok(rec) = serde_json::from_str::<Value>(line) else {
            return -2;
        };
        let a = rec["a"].as_str().unwrap_or_default();
        let max_len = rec["max_length"]
            .as_u64()
            .map_or(usize::MAX, |m| m as usize);
        let Ok(e) = tok.encode(a, rec["b"].as_str(), max_len) else {
            bad += 1;
            continue;
        };
        let offsets: Vec<(usize, usize)> = rec["offsets"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|o| (u32s(o)[0] as usize, u32s(o)[1] as usize))
                    .collect()
            })
            .unwrap_or_default();
        if e.ids != u32s(&rec["ids"])
            || e.type_ids != u32s(&rec["type_ids"])
            || e.offsets != offsets
        {
            bad += 1;
        }
    }
    bad
}
