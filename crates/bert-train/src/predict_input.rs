//! `predict --input FILE.jsonl`: one JSON object per line, `{"text": .., "text_pair": ..}` to
//! classify or `{"question": .., "context": ..}` to answer (the fields of HF's pipelines).

use serde::Deserialize;

use crate::error::{Result, TrainError};

/// One input of `predict`.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    Classify(String, Option<String>),
    Answer(String, String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    text: Option<String>,
    text_pair: Option<String>,
    question: Option<String>,
    context: Option<String>,
}

/// The queries of a JSONL text; blank lines are skipped, and errors name `source` and the line.
pub fn parse_jsonl(text: &str, source: &str) -> Result<Vec<Query>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |m: String| TrainError::Data(format!("{source}: line {}: {m}", i + 1));
        let l: Line = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
        out.push(match l {
            Line {
                text: Some(t),
                text_pair,
                question: None,
                context: None,
            } => Query::Classify(t, text_pair),
            Line {
                text: None,
                text_pair: None,
                question: Some(q),
                context: Some(c),
            } => Query::Answer(q, c),
            _ => {
                return Err(at(
                    "give either text (+ text_pair) or question + context".into()
                ));
            }
        });
    }
    if out.is_empty() {
        return Err(TrainError::Data(format!("{source}: no inputs")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_queries_and_errors_name_the_line() {
        let text = "{\"text\": \"a\"}\n\n{\"question\": \"q\", \"context\": \"c\"}\n";
        let q = parse_jsonl(text, "in.jsonl").unwrap();
        assert_eq!(
            q,
            [
                Query::Classify("a".into(), None),
                Query::Answer("q".into(), "c".into())
            ]
        );
        let e = parse_jsonl("{\"text\": \"a\"}\n{\"text\": 1}", "in.jsonl").unwrap_err();
        assert!(
            e.to_string().starts_with("in.jsonl: line 2: invalid type"),
            "{e}"
        );
        let e = parse_jsonl("{\"text\": \"a\", \"question\": \"q\"}", "in.jsonl").unwrap_err();
        assert!(
            e.to_string()
                .ends_with("line 1: give either text (+ text_pair) or question + context")
        );
        assert_eq!(
            parse_jsonl("\n  \n", "in.jsonl").unwrap_err().to_string(),
            "in.jsonl: no inputs"
        );
    }
}
