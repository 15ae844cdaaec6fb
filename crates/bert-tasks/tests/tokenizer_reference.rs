//! Token ids, type ids and character offsets against transformers' BertTokenizerFast
//! (`tokenizer_cases.json`, from `tests/reference/make_task_fixtures.py`). Exact equality.

mod common;

use bert_tasks::BertTokenizer;
use common::{fixture, fixture_path, offsets, u32s, vocab_text};

#[test]
fn encodings_match_bert_tokenizer_fast() {
    let vocab = vocab_text();
    let uncased = BertTokenizer::from_vocab(&vocab, true).unwrap();
    let cased = BertTokenizer::from_vocab(&vocab, false).unwrap();
    let tiny = BertTokenizer::from_json_file(fixture_path("tokenizer_tiny.json")).unwrap();
    let fx = fixture("tokenizer_cases.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() > 100, "only {} cases", cases.len());
    for (n, case) in cases.iter().enumerate() {
        let tok = match case["tokenizer"].as_str().unwrap() {
            "uncased" => &uncased,
            "cased" => &cased,
            "tiny" => &tiny,
            other => panic!("unknown tokenizer {other}"),
        };
        let a = case["a"].as_str().unwrap();
        let b = case["b"].as_str();
        let max_len = case["max_length"]
            .as_u64()
            .map_or(usize::MAX, |m| m as usize);
        let got = tok.encode(a, b, max_len).unwrap();
        let ctx = format!("case {n}: {:?} / {:?} (max {max_len})", a, b);
        assert_eq!(got.ids, u32s(&case["ids"]), "ids, {ctx}");
        assert_eq!(got.type_ids, u32s(&case["type_ids"]), "type ids, {ctx}");
        let want: Vec<(usize, usize)> = offsets(&case["offsets"])
            .into_iter()
            .map(|o| o.expect("offsets are pairs"))
            .collect();
        assert_eq!(got.offsets, want, "offsets, {ctx}");
        assert!(got.attention_mask.iter().all(|&m| m == 1));
    }
}

#[test]
fn batch_encoding_equals_one_by_one() {
    let tok = BertTokenizer::from_vocab(&vocab_text(), true).unwrap();
    let fx = fixture("tokenizer_cases.json");
    let cases: Vec<_> = fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["tokenizer"] == "uncased")
        .map(|c| (c["a"].as_str().unwrap(), c["b"].as_str()))
        .collect();
    let batch = tok.encode_batch(&cases, 16).unwrap();
    for ((a, b), got) in cases.iter().zip(&batch) {
        assert_eq!(got, &tok.encode(a, *b, 16).unwrap());
    }
}

#[test]
fn ignores_truncation_and_padding_saved_in_tokenizer_json() {
    // tokenizer_tiny.json was saved with truncation to 6 and padding to 40.
    let tiny = BertTokenizer::from_json_file(fixture_path("tokenizer_tiny.json")).unwrap();
    let e = tiny
        .encode("Hello, world! This is BERT.", None, 512)
        .unwrap();
    assert!(e.len() > 6 && e.len() < 40, "{} tokens", e.len());
    assert_eq!(tiny.pad_id(), 0);
}

#[test]
fn bad_inputs_are_errors() {
    let tok = BertTokenizer::from_vocab(&vocab_text(), true).unwrap();
    assert!(tok.encode("a b", Some("c"), 3).is_err());
    assert!(tok.encode("a b", None, 2).is_err());
    assert!(BertTokenizer::from_json_bytes(b"{not json").is_err());
    // A syntax error inside "decoder" made tokenizers 0.22 panic (fuzzer, tokenizer-json case 90).
    let broken =
        br#"{"version": "1.0", "decoder": {"type": "WordPiece", "prefix": "x" "cleanup": true}}"#;
    let err = BertTokenizer::from_json_bytes(broken)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("tokenizer.json: invalid JSON: expected `,` or `}`"),
        "{err}"
    );
    // So did a lone trailing surrogate there, which a syntax-only check let through (fuzzer,
    // checkpoint-dir case 41061, seed 1).
    let surrogate =
        br#"{"version": "1.0", "decoder": {"type": "WordPiece", "prefix": "\udc00", "cleanup": true}}"#;
    let err = BertTokenizer::from_json_bytes(surrogate)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("tokenizer.json: invalid JSON: "), "{err}");
    assert!(BertTokenizer::from_vocab("hello\nworld\n", true).is_err());
    let e = BertTokenizer::from_json_file("/nonexistent/tokenizer.json").unwrap_err();
    assert!(e.to_string().contains("/nonexistent/tokenizer.json"), "{e}");
}

#[test]
fn glue_batches_match_padded_hf_batches() {
    use bert_tasks::{GlueExample, Padding};
    let tok = BertTokenizer::from_vocab(&vocab_text(), true).unwrap();
    let fx = fixture("tokenizer_cases.json");
    let b = &fx["glue_batch"];
    let examples: Vec<GlueExample> = common::strings(&b["a"])
        .into_iter()
        .zip(common::strings(&b["b"]))
        .enumerate()
        .map(|(i, (a, b))| GlueExample {
            line: i + 2,
            text_a: a,
            text_b: Some(b),
            label: None,
        })
        .collect();
    for (key, padding) in [
        ("max_length", Padding::Fixed(16)),
        ("longest", Padding::Longest),
    ] {
        let got = tok.encode_glue_batch(&examples, 16, padding).unwrap();
        let flat = |k: &str| -> Vec<u32> {
            b[key][k]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(u32s)
                .collect()
        };
        assert_eq!(got.batch_size, examples.len());
        assert_eq!(got.input_ids, flat("input_ids"), "{key}");
        assert_eq!(got.token_type_ids, flat("token_type_ids"), "{key}");
        assert_eq!(got.attention_mask, flat("attention_mask"), "{key}");
    }
}
