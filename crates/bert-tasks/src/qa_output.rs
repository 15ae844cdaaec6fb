//! `predictions.json`, `nbest_predictions.json` and `null_odds.json` in the shapes
//! `utils_qa.py` writes (JSON objects keyed by question id, in example order, indent 4).

use std::path::Path;

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::error::{Result, TaskError};
use crate::qa_decode::QaPredictions;

/// Serialises `(key, value)` pairs as a JSON object in the given order (serde_json's own map
/// would sort the keys).
struct Ordered<'a, V>(Vec<(&'a str, V)>);

impl<V: Serialize> Serialize for Ordered<'_, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

fn pretty<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    // Serialising strings, floats and vectors into memory cannot fail.
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    out.push(b'\n');
    String::from_utf8(out).unwrap_or_default()
}

impl QaPredictions {
    fn pairs<'a, V>(&'a self, f: impl Fn(usize) -> V) -> Ordered<'a, V> {
        Ordered(
            self.ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), f(i)))
                .collect(),
        )
    }

    /// `predictions.json`: question id to answer text.
    pub fn predictions_json(&self) -> String {
        pretty(&self.pairs(|i| &self.predictions[i].text))
    }

    /// `nbest_predictions.json`: question id to the n-best list.
    pub fn nbest_json(&self) -> String {
        pretty(&self.pairs(|i| &self.predictions[i].nbest))
    }

    /// `null_odds.json` (v2 only): question id to null score minus best span score.
    pub fn null_odds_json(&self) -> Option<String> {
        self.version_2_with_negative
            .then(|| pretty(&self.pairs(|i| self.predictions[i].null_score_diff.unwrap_or(0.0))))
    }

    /// Writes the files into `dir`, named `{prefix}_predictions.json` etc. when a prefix is
    /// given, as `utils_qa.py` does.
    pub fn write_files(&self, dir: &Path, prefix: Option<&str>) -> Result<()> {
        let name = |base: &str| match prefix {
            Some(p) => dir.join(format!("{p}_{base}")),
            None => dir.join(base),
        };
        let write = |path: std::path::PathBuf, text: String| {
            std::fs::write(&path, text).map_err(|e| TaskError::io(&path, e))
        };
        write(name("predictions.json"), self.predictions_json())?;
        write(name("nbest_predictions.json"), self.nbest_json())?;
        if let Some(odds) = self.null_odds_json() {
            write(name("null_odds.json"), odds)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::qa_decode::{ExamplePrediction, QaPredictions};

    fn prediction(text: &str, diff: f32) -> ExamplePrediction {
        ExamplePrediction {
            text: text.into(),
            char_span: None,
            score: 1.0,
            probability: 0.5,
            null_score_diff: Some(diff),
            null_probability: Some(0.25),
            nbest: vec![],
        }
    }

    #[test]
    fn files_keep_example_order_and_hf_names() {
        let p = QaPredictions {
            ids: vec!["zz".into(), "aa".into()],
            predictions: vec![prediction("x", 1.5), prediction("", -2.0)],
            version_2_with_negative: true,
        };
        assert_eq!(
            p.predictions_json(),
            "{\n    \"zz\": \"x\",\n    \"aa\": \"\"\n}\n"
        );
        let dir = std::env::temp_dir().join(format!("bert-tasks-qa-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        p.write_files(&dir, Some("eval")).unwrap();
        let odds = std::fs::read_to_string(dir.join("eval_null_odds.json")).unwrap();
        assert!(odds.contains("\"zz\": 1.5"), "{odds}");
        assert!(dir.join("eval_nbest_predictions.json").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
