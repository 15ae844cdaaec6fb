//! `predictions.json`, `nbest_predictions.json` and `null_odds.json` in the shapes
//! `utils_qa.py` writes (JSON objects keyed by question id, in example order, indent 4).

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

fn pretty<T: Serialize>(value: &T, name: &str) -> Result<String> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    let failed = |e: &dyn std::fmt::Display| TaskError::Json {
        source_name: name.into(),
        path: "$".into(),
        message: format!("cannot be written: {e}"),
    };
    value.serialize(&mut ser).map_err(|e| failed(&e))?;
    out.push(b'\n');
    String::from_utf8(out).map_err(|e| failed(&e))
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
    pub fn predictions_json(&self) -> Result<String> {
        pretty(
            &self.pairs(|i| &self.predictions[i].text),
            "predictions.json",
        )
    }

    /// `nbest_predictions.json`: question id to the n-best list.
    pub fn nbest_json(&self) -> Result<String> {
        pretty(
            &self.pairs(|i| &self.predictions[i].nbest),
            "nbest_predictions.json",
        )
    }

    /// `null_odds.json` (v2 only): question id to null score minus best span score.
    pub fn null_odds_json(&self) -> Result<Option<String>> {
        let odds = |i: usize| self.predictions[i].null_score_diff.unwrap_or(0.0);
        self.version_2_with_negative
            .then(|| pretty(&self.pairs(odds), "null_odds.json"))
            .transpose()
    }

    /// The files `utils_qa.py` writes, as (name, text): `{prefix}_predictions.json` etc. when a
    /// prefix is given. The caller writes them together (they describe one evaluation).
    pub fn files(&self, prefix: Option<&str>) -> Result<Vec<(String, String)>> {
        let name = |base: &str| match prefix {
            Some(p) => format!("{p}_{base}"),
            None => base.to_string(),
        };
        let mut files = vec![
            (name("predictions.json"), self.predictions_json()?),
            (name("nbest_predictions.json"), self.nbest_json()?),
        ];
        if let Some(odds) = self.null_odds_json()? {
            files.push((name("null_odds.json"), odds));
        }
        Ok(files)
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
            p.predictions_json().unwrap(),
            "{\n    \"zz\": \"x\",\n    \"aa\": \"\"\n}\n"
        );
        let files = p.files(Some("eval")).unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "eval_predictions.json",
                "eval_nbest_predictions.json",
                "eval_null_odds.json"
            ]
        );
        assert!(files[2].1.contains("\"zz\": 1.5"), "{}", files[2].1);
    }
}
