//! SQuAD v1.1 / v2.0 JSON reader.
//!
//! The document is walked by hand instead of derived with serde so that every error can name the
//! JSON path of the bad value (`data[3].paragraphs[0].qas[2].answers[0].answer_start`).

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Result, TaskError, read_text};

/// A gold answer. `answer_start` counts characters (Unicode scalars), as in the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SquadAnswer {
    /// Answer text.
    pub text: String,
    /// Character index of the answer in the context.
    pub answer_start: usize,
}

/// One question with its context, flattened like the `squad`/`squad_v2` datasets on the Hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SquadExample {
    /// Question id (unique in the file).
    pub id: String,
    /// Article title.
    pub title: String,
    /// Paragraph.
    pub context: String,
    /// Question.
    pub question: String,
    /// Gold answers; empty for unanswerable v2 questions.
    pub answers: Vec<SquadAnswer>,
    /// v2 `is_impossible` (false when absent, as in v1.1).
    pub is_impossible: bool,
}

/// Reads a SQuAD JSON file.
pub fn read_squad(path: &Path) -> Result<Vec<SquadExample>> {
    let text = read_text(path)?;
    parse_squad(&text, &path.display().to_string())
}

/// Parses a SQuAD JSON document; `source_name` is used in error messages.
pub fn parse_squad(json: &str, source_name: &str) -> Result<Vec<SquadExample>> {
    let root: Value = serde_json::from_str(json).map_err(|error| TaskError::JsonSyntax {
        source_name: source_name.to_string(),
        error,
    })?;
    let w = Walker { source_name };
    let mut out = Vec::new();
    let mut ids = HashSet::new();
    for (ai, article) in w.array(&root, "data", "")?.iter().enumerate() {
        let ap = format!("data[{ai}]");
        let title = match article.get("title") {
            None => String::new(),
            Some(_) => w.string(article, "title", &ap)?.to_string(),
        };
        for (pi, para) in w.array(article, "paragraphs", &ap)?.iter().enumerate() {
            let pp = format!("{ap}.paragraphs[{pi}]");
            let context = w.string(para, "context", &pp)?;
            let context_chars = context.chars().count();
            for (qi, qa) in w.array(para, "qas", &pp)?.iter().enumerate() {
                let qp = format!("{pp}.qas[{qi}]");
                let id = w.string(qa, "id", &qp)?.to_string();
                if !ids.insert(id.clone()) {
                    return Err(w.err(&format!("{qp}.id"), format!("duplicate id {id:?}")));
                }
                let is_impossible = match qa.get("is_impossible") {
                    None => false,
                    Some(Value::Bool(b)) => *b,
                    Some(v) => {
                        let path = format!("{qp}.is_impossible");
                        return Err(w.err(&path, format!("expected a boolean, found {v}")));
                    }
                };
                let mut answers = Vec::new();
                for (ni, ans) in w.array(qa, "answers", &qp)?.iter().enumerate() {
                    let np = format!("{qp}.answers[{ni}]");
                    let text = w.string(ans, "text", &np)?.to_string();
                    let start = w.index(ans, "answer_start", &np)?;
                    // `checked_add`: an offset near u64::MAX must not wrap to a small one.
                    match start.checked_add(text.chars().count()) {
                        Some(end) if end <= context_chars => {}
                        end => {
                            let n = text.chars().count();
                            let end = end.map_or(format!("{start} + {n}"), |e| e.to_string());
                            let msg = format!(
                                "answer ends at character {end}, past the end of the context \
                                 ({context_chars} characters)"
                            );
                            return Err(w.err(&format!("{np}.answer_start"), msg));
                        }
                    }
                    answers.push(SquadAnswer {
                        text,
                        answer_start: start,
                    });
                }
                if is_impossible && !answers.is_empty() {
                    let msg = "is_impossible is true but answers is not empty".to_string();
                    return Err(w.err(&format!("{qp}.answers"), msg));
                }
                out.push(SquadExample {
                    id,
                    title: title.clone(),
                    context: context.to_string(),
                    question: w.string(qa, "question", &qp)?.to_string(),
                    answers,
                    is_impossible,
                });
            }
        }
    }
    Ok(out)
}

struct Walker<'a> {
    source_name: &'a str,
}

impl Walker<'_> {
    fn err(&self, path: &str, message: String) -> TaskError {
        TaskError::Json {
            source_name: self.source_name.to_string(),
            path: path.to_string(),
            message,
        }
    }

    fn field<'v>(&self, v: &'v Value, key: &str, parent: &str) -> Result<(&'v Value, String)> {
        let path = if parent.is_empty() {
            key.to_string()
        } else {
            format!("{parent}.{key}")
        };
        match v.get(key) {
            Some(x) => Ok((x, path)),
            None => Err(self.err(&path, "missing".into())),
        }
    }

    fn array<'v>(&self, v: &'v Value, key: &str, parent: &str) -> Result<&'v Vec<Value>> {
        let (x, path) = self.field(v, key, parent)?;
        x.as_array()
            .ok_or_else(|| self.err(&path, format!("expected an array, found {}", kind(x))))
    }

    fn string<'v>(&self, v: &'v Value, key: &str, parent: &str) -> Result<&'v str> {
        let (x, path) = self.field(v, key, parent)?;
        x.as_str()
            .ok_or_else(|| self.err(&path, format!("expected a string, found {}", kind(x))))
    }

    fn index(&self, v: &Value, key: &str, parent: &str) -> Result<usize> {
        let (x, path) = self.field(v, key, parent)?;
        x.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| self.err(&path, format!("expected a non-negative integer, found {x}")))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(qas: &str) -> String {
        format!(
            r#"{{"version":"v2.0","data":[{{"title":"T","paragraphs":[{{"context":"Ünï code here","qas":[{qas}]}}]}}]}}"#
        )
    }

    #[test]
    fn reads_v2_with_impossible() {
        let qas = r#"{"id":"a","question":"q?","answers":[{"text":"code","answer_start":4}]},
                     {"id":"b","question":"r?","answers":[],"is_impossible":true,
                      "plausible_answers":[{"text":"here","answer_start":9}]}"#;
        let ex = parse_squad(&doc(qas), "t.json").unwrap();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].answers[0].answer_start, 4);
        assert!(!ex[0].is_impossible && ex[1].is_impossible && ex[1].answers.is_empty());
        assert_eq!(ex[1].title, "T");
    }

    #[test]
    fn errors_name_the_json_path() {
        let cases = [
            (
                r#"{"id":"a","question":"q","answers":[{"text":"x"}]}"#,
                "t.json: data[0].paragraphs[0].qas[0].answers[0].answer_start: missing",
            ),
            (
                r#"{"id":"a","question":"q","answers":[{"text":"x","answer_start":-1}]}"#,
                "t.json: data[0].paragraphs[0].qas[0].answers[0].answer_start: expected a non-negative integer, found -1",
            ),
            (
                r#"{"id":"a","question":"q","answers":[{"text":"here!","answer_start":9}]}"#,
                "t.json: data[0].paragraphs[0].qas[0].answers[0].answer_start: answer ends at character 14, past the end of the context (13 characters)",
            ),
            (
                r#"{"id":"a","question":"q","answers":[{"text":"x","answer_start":18446744073709551615}]}"#,
                "t.json: data[0].paragraphs[0].qas[0].answers[0].answer_start: answer ends at character 18446744073709551615 + 1, past the end of the context (13 characters)",
            ),
            (
                r#"{"id":"a","question":"q","answers":[]},{"id":"a","question":"q","answers":[]}"#,
                "t.json: data[0].paragraphs[0].qas[1].id: duplicate id \"a\"",
            ),
            (
                r#"{"id":7,"question":"q","answers":[]}"#,
                "t.json: data[0].paragraphs[0].qas[0].id: expected a string, found a number",
            ),
        ];
        for (qas, want) in cases {
            let e = parse_squad(&doc(qas), "t.json").unwrap_err();
            assert_eq!(e.to_string(), want);
        }
        let e = parse_squad("{\"data\": [", "t.json").unwrap_err();
        assert!(e.to_string().starts_with("t.json: invalid JSON"), "{e}");
    }
}
