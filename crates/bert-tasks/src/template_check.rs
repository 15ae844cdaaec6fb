//! A `tokenizer.json` post-processor checked before it runs. tokenizers 0.22 validates a
//! `TemplateProcessing` only in its builder, not when it is read from JSON, and then indexes
//! its special-token map and the encodings without checks: a template naming a token the map
//! lacks panics ("no entry found for key", processors/template.rs) at the first encode, as
//! does `$B` in the single-sequence template or a token whose `ids` and `tokens` differ in
//! length. Found by the fuzzer (tokenizer-json, seed 1, case 3907 and 25 more).

use serde_json::Value;

use crate::error::{Result, TaskError};

/// Checks every `TemplateProcessing` in `processor` (the post-processor as JSON, nested
/// `Sequence`s included).
pub(crate) fn check_post_processor(processor: &Value) -> Result<()> {
    match processor["type"].as_str() {
        Some("TemplateProcessing") => check_template(processor),
        Some("Sequence") => processor["processors"]
            .as_array()
            .into_iter()
            .flatten()
            .try_for_each(check_post_processor),
        _ => Ok(()),
    }
}

fn check_template(t: &Value) -> Result<()> {
    let tokens = t["special_tokens"].as_object();
    for (id, token) in tokens.into_iter().flatten() {
        let len = |field: &str| token[field].as_array().map_or(0, Vec::len);
        if len("ids") != len("tokens") {
            return Err(bad(format!(
                "special token {id:?} has {} ids but {} tokens",
                len("ids"),
                len("tokens")
            )));
        }
    }
    for which in ["single", "pair"] {
        for piece in t[which].as_array().into_iter().flatten() {
            if let Some(id) = piece["SpecialToken"]["id"].as_str()
                && !tokens.is_some_and(|m| m.contains_key(id))
            {
                return Err(bad(format!(
                    "the {which} template uses {id:?}, which is not among its special_tokens"
                )));
            }
            if which == "single" && piece["Sequence"]["id"] == "B" {
                return Err(bad("the single template uses the second sequence $B".into()));
            }
        }
    }
    Ok(())
}

fn bad(message: String) -> TaskError {
    TaskError::Tokenizer(format!("tokenizer.json: post_processor: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(single: Value, tokens: Value) -> Value {
        json!({"type": "TemplateProcessing", "single": single, "pair": [], "special_tokens": tokens})
    }

    #[test]
    fn bert_template_passes_and_broken_ones_are_named() {
        let cls = json!({"[CLS]": {"id": "[CLS]", "ids": [101], "tokens": ["[CLS]"]}});
        let a = json!({"Sequence": {"id": "A", "type_id": 0}});
        let b = json!({"Sequence": {"id": "B", "type_id": 0}});
        let special = json!({"SpecialToken": {"id": "[CLS]", "type_id": 0}});
        check_post_processor(&template(json!([special, a]), cls.clone())).unwrap();
        let cases = [
            (
                template(json!([special, a]), json!({})),
                "uses \"[CLS]\", which is not",
            ),
            (
                template(json!([b]), cls.clone()),
                "uses the second sequence",
            ),
            (
                template(
                    json!([a]),
                    json!({"x": {"id": "x", "ids": [1, 2], "tokens": ["x"]}}),
                ),
                "has 2 ids but 1 tokens",
            ),
        ];
        for (processor, says) in cases {
            let nested = json!({"type": "Sequence", "processors": [processor.clone()]});
            for p in [processor, nested] {
                let err = check_post_processor(&p).unwrap_err().to_string();
                assert!(err.contains(says), "{err}");
            }
        }
    }
}
