//! Seeded mutations of real files: byte-level (flip, insert, delete, splice, truncate,
//! repeat) and structure-aware (a JSON document's values replaced by boundary numbers, odd
//! strings and wrong types; a safetensors header rewritten the same way with its length
//! prefix kept or broken). Case `i` of a target is a pure function of `(seed, i)`, so any
//! finding is replayed with `fuzz --target T --seed S --case i`.

use bert_tasks::SplitMix64;
use serde_json::Value;

/// Numbers at the edges of what readers convert: zero, signs, powers of two around the
/// integer widths, and values that f32/f64/usize conversions get wrong.
const EDGE_NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "255",
    "256",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "4000000000",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "1e308",
    "1e309",
    "-0",
    "0.5",
    "1.0",
    "0.999999",
    "1e-45",
    "3.4028236e38",
    "NaN",
    "Infinity",
    "1e2147483648",
];

/// Strings that stress text handling: empty, combining marks, RTL, astral planes, controls.
const EDGE_STRINGS: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "\u{feff}",
    "e\u{301}",
    "\u{202e}abc",
    "😀👍🏽",
    "\u{10ffff}",
    "\t\n\r",
    "[CLS]",
    "[SEP] [MASK]",
    "##",
    "a\u{300}\u{300}\u{300}\u{300}",
    "F16",
    "BF16",
    "I64",
    "BertForQuestionAnswering",
    "gelu",
    "absolute",
];

pub struct Mutator {
    rng: SplitMix64,
}

impl Mutator {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
        }
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.rng.below(n.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// One to eight byte-level edits of `data`, up to `max_len` bytes.
    pub fn bytes(&mut self, data: &mut Vec<u8>, max_len: usize) {
        for _ in 0..1 + self.below(8) {
            let len = data.len();
            let at = self.below(len + 1);
            match self.below(7) {
                0 if len > 0 => data[at.min(len - 1)] ^= 1 << self.below(8),
                1 => data.insert(at, self.next_u64() as u8),
                2 if len > 0 => {
                    let n = self.below(len - at.min(len - 1)).max(1);
                    data.drain(at.min(len - 1)..(at + n).min(len));
                }
                3 => data.truncate(at),
                4 if len > 0 => {
                    // Repeats a chunk: long fields, duplicated keys, nested brackets.
                    let from = self.below(len);
                    let n = self.below((len - from).min(64)).max(1);
                    let chunk: Vec<u8> = data[from..from + n].to_vec();
                    for _ in 0..1 + self.below(16) {
                        data.splice(at..at, chunk.iter().copied());
                    }
                }
                5 => {
                    let word = EDGE_NUMBERS[self.below(EDGE_NUMBERS.len())];
                    data.splice(at..at, word.bytes());
                }
                _ => {
                    let word = EDGE_STRINGS[self.below(EDGE_STRINGS.len())];
                    data.splice(at..at, word.bytes());
                }
            }
        }
        data.truncate(max_len);
    }

    /// A JSON document with one to four of its values replaced; `None` if it is not JSON.
    pub fn json(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        let mut doc: Value = serde_json::from_slice(data).ok()?;
        for _ in 0..1 + self.below(4) {
            let n = count(&doc);
            let target = self.below(n);
            let replacement = self.value();
            replace_nth(&mut doc, target, &mut Some(replacement));
        }
        serde_json::to_vec(&doc).ok()
    }

    /// A replacement value: an edge number (as raw JSON, out-of-range ones included), an edge
    /// string, null, a bool, an empty or nested container.
    fn value(&mut self) -> Value {
        match self.below(7) {
            0 | 1 => {
                let n = EDGE_NUMBERS[self.below(EDGE_NUMBERS.len())];
                serde_json::from_str(n).unwrap_or_else(|_| Value::String(n.into()))
            }
            2 => Value::String(EDGE_STRINGS[self.below(EDGE_STRINGS.len())].into()),
            3 => Value::Null,
            4 => Value::Bool(self.below(2) == 0),
            5 => Value::Array(vec![Value::from(self.next_u64() % 5); self.below(4)]),
            _ => Value::Object(serde_json::Map::new()),
        }
    }
}

/// Values in a document, in pre-order.
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// Replaces the `n`th value in pre-order (consuming `with`); returns how many were passed.
fn replace_nth(v: &mut Value, n: usize, with: &mut Option<Value>) -> usize {
    if n == 0 {
        if let Some(w) = with.take() {
            *v = w;
        }
        return 1;
    }
    let mut seen = 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(o) => o.values_mut().collect(),
        _ => Vec::new(),
    };
    for child in children {
        if with.is_none() {
            break;
        }
        seen += replace_nth(child, n - seen, with);
        if n < seen {
            break;
        }
    }
    seen
}

/// A safetensors file whose JSON header was mutated, with the 8-byte length prefix either
/// recomputed (so the header parses and its claims are tested) or left as it was.
pub fn safetensors(m: &mut Mutator, data: &[u8]) -> Option<Vec<u8>> {
    let n = u64::from_le_bytes(data.get(..8)?.try_into().ok()?) as usize;
    let header = data.get(8..8usize.checked_add(n)?)?;
    let body = &data[8 + n..];
    let new_header = m.json(header)?;
    let len = if m.below(4) == 0 {
        n as u64
    } else {
        new_header.len() as u64
    };
    let mut out = len.to_le_bytes().to_vec();
    out.extend_from_slice(&new_header);
    out.extend_from_slice(body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_reaches_every_value() {
        let doc: Value = serde_json::from_str(r#"{"a": [1, {"b": 2}], "c": 3}"#).unwrap();
        assert_eq!(count(&doc), 6);
        for n in 0..6 {
            let mut d = doc.clone();
            replace_nth(&mut d, n, &mut Some(Value::Null));
            assert_ne!(d, doc, "value {n} was not replaced");
        }
    }
}
