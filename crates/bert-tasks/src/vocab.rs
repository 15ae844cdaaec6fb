//! `vocab.txt` to `tokenizer.json`, the way `transformers` converts a slow BERT tokenizer.
//!
//! Building the JSON document (rather than the Rust structs) keeps this on the public,
//! serialised format of `tokenizers`, the same one `save_pretrained` writes.

use serde_json::{Map, Value, json};

use crate::error::{Result, TaskError};

const SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// Parses `vocab.txt` like `transformers`' `load_vocab`: one token per line, id = line index,
/// a repeated token keeps its last index.
pub(crate) fn parse_vocab(vocab_txt: &str) -> Result<Map<String, Value>> {
    let mut vocab = Map::new();
    let body = vocab_txt.strip_suffix('\n').unwrap_or(vocab_txt);
    if body.is_empty() {
        return Err(TaskError::Tokenizer("vocab.txt is empty".into()));
    }
    for (i, line) in body.split('\n').enumerate() {
        let token = line.strip_suffix('\r').unwrap_or(line);
        vocab.insert(token.to_string(), json!(i));
    }
    Ok(vocab)
}

pub(crate) fn tokenizer_json_from_vocab(vocab_txt: &str, lowercase: bool) -> Result<String> {
    let vocab = parse_vocab(vocab_txt)?;
    for required in ["[UNK]", "[CLS]", "[SEP]", "[PAD]"] {
        if !vocab.contains_key(required) {
            return Err(TaskError::Tokenizer(format!(
                "vocab.txt has no {required} token"
            )));
        }
    }
    let id = |t: &str| vocab.get(t).cloned().unwrap_or(Value::Null);
    let mut added: Vec<(u64, Value)> = SPECIALS
        .iter()
        .filter(|t| vocab.contains_key(**t))
        .map(|t| {
            let n = vocab.get(*t).and_then(Value::as_u64).unwrap_or(0);
            let token = json!({
                "id": n, "content": t, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true
            });
            (n, token)
        })
        .collect();
    added.sort_by_key(|(n, _)| *n);
    let added: Vec<Value> = added.into_iter().map(|(_, v)| v).collect();
    let doc = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {
            "type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
            "strip_accents": null, "lowercase": lowercase
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}}
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}}
            ],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [id("[CLS]")], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [id("[SEP]")], "tokens": ["[SEP]"]}
            }
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {
            "type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100, "vocab": vocab
        }
    });
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocab_lines_become_ids() {
        let v = parse_vocab("[PAD]\r\n[UNK]\nhello\nhello\n").unwrap();
        assert_eq!(v.get("[UNK]"), Some(&json!(1)));
        assert_eq!(v.get("hello"), Some(&json!(3)));
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn missing_specials_is_an_error() {
        let err = tokenizer_json_from_vocab("[PAD]\n[UNK]\nhello\n", true).unwrap_err();
        assert!(err.to_string().contains("[CLS]"), "{err}");
        assert!(parse_vocab("").is_err());
    }
}
