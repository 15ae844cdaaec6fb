//! The Hugging Face `config.json` of a BERT checkpoint.
//!
//! Field names and defaults follow `transformers.BertConfig`, so a file written by either side
//! reads on the other. Keys we do not model are kept in `extra` and written back unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::BertError;

/// `transformers.BertConfig`, with its defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub hidden_act: String,
    pub hidden_dropout_prob: f64,
    pub attention_probs_dropout_prob: f64,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub initializer_range: f64,
    pub layer_norm_eps: f64,
    pub pad_token_id: usize,
    pub position_embedding_type: String,
    /// `None` means HF's rule: the classifier uses `hidden_dropout_prob`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classifier_dropout: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architectures: Option<Vec<String>>,
    /// Label names by class index. HF writes the keys as strings ("0", "1").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id2label: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label2id: Option<BTreeMap<String, usize>>,
    /// HF's `problem_type` ("regression", "single_label_classification", ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem_type: Option<String>,
    /// `num_labels` is not stored by HF: it is derived from `id2label` (default 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_labels: Option<usize>,
    pub model_type: String,
    /// Every other key of the file, kept so that saving loses nothing.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Default for BertConfig {
    fn default() -> Self {
        Self {
            vocab_size: 30522,
            hidden_size: 768,
            num_hidden_layers: 12,
            num_attention_heads: 12,
            intermediate_size: 3072,
            hidden_act: "gelu".into(),
            hidden_dropout_prob: 0.1,
            attention_probs_dropout_prob: 0.1,
            max_position_embeddings: 512,
            type_vocab_size: 2,
            initializer_range: 0.02,
            layer_norm_eps: 1e-12,
            pad_token_id: 0,
            position_embedding_type: "absolute".into(),
            classifier_dropout: None,
            architectures: None,
            id2label: None,
            label2id: None,
            problem_type: None,
            num_labels: None,
            model_type: "bert".into(),
            extra: BTreeMap::new(),
        }
    }
}

impl BertConfig {
    /// Parses and validates a `config.json`; `origin` names the file in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, BertError> {
        let config: Self = serde_json::from_str(text).map_err(|e| BertError::Config {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        config.validate(origin)?;
        Ok(config)
    }

    /// Pretty JSON as HF writes it.
    pub fn to_json(&self) -> Result<String, BertError> {
        serde_json::to_string_pretty(self).map_err(|e| BertError::Config {
            origin: "config.json".into(),
            message: format!("cannot be written: {e}"),
        })
    }

    /// Number of classes of a classification head, as HF derives it.
    pub fn num_labels(&self) -> usize {
        self.id2label
            .as_ref()
            .map(|m| m.len())
            .or(self.num_labels)
            .unwrap_or(2)
    }

    /// Dropout before the classifier (HF: `classifier_dropout` or else `hidden_dropout_prob`).
    pub fn classifier_dropout_prob(&self) -> f64 {
        self.classifier_dropout.unwrap_or(self.hidden_dropout_prob)
    }

    /// Label names in class order; `LABEL_i` where the config has none, as HF.
    pub fn labels(&self) -> Vec<String> {
        (0..self.num_labels())
            .map(|i| {
                self.id2label
                    .as_ref()
                    .and_then(|m| m.get(&i.to_string()).cloned())
                    .unwrap_or_else(|| format!("LABEL_{i}"))
            })
            .collect()
    }

    /// Sets `id2label`/`label2id` (and so `num_labels`) from label names in class order.
    pub fn set_labels(&mut self, labels: &[String]) {
        self.id2label = Some(
            labels
                .iter()
                .enumerate()
                .map(|(i, l)| (i.to_string(), l.clone()))
                .collect(),
        );
        self.label2id = Some(
            labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), i))
                .collect(),
        );
        self.num_labels = None;
    }

    /// True when HF would treat a sequence-classification head as regression (STS-B).
    pub fn is_regression(&self) -> bool {
        match self.problem_type.as_deref() {
            Some(p) => p == "regression",
            None => self.num_labels() == 1,
        }
    }

    /// Named sizes of the small BERTs of Turc et al. (google/bert_uncased_L-*_H-*).
    pub fn preset(name: &str) -> Option<Self> {
        let (layers, hidden) = match name {
            "tiny" => (2, 128),
            "mini" => (4, 256),
            "small" => (4, 512),
            "medium" => (8, 512),
            "base" => (12, 768),
            "minilm" => (6, 384),
            _ => return None,
        };
        Some(Self {
            num_hidden_layers: layers,
            hidden_size: hidden,
            num_attention_heads: if hidden == 384 { 12 } else { hidden / 64 },
            intermediate_size: 4 * hidden,
            ..Self::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_unknown_keys_survive_a_round_trip() {
        let text = r#"{"hidden_size": 64, "num_attention_heads": 4, "foo": [1, 2],
                       "id2label": {"0": "neg", "1": "pos"}, "label2id": {"neg": 0, "pos": 1}}"#;
        let config = BertConfig::from_json(text, "config.json").unwrap();
        assert_eq!(config.vocab_size, 30522);
        assert_eq!(config.labels(), vec!["neg", "pos"]);
        assert_eq!(config.extra["foo"], serde_json::json!([1, 2]));
        let again = BertConfig::from_json(&config.to_json().unwrap(), "again").unwrap();
        assert_eq!(config, again);
    }

    #[test]
    fn bad_configs_name_the_file_and_field() {
        let err = BertConfig::from_json(r#"{"hidden_size": 65}"#, "x/config.json").unwrap_err();
        assert!(err.to_string().contains("x/config.json"), "{err}");
        assert!(err.to_string().contains("hidden_size 65"), "{err}");
        let err = BertConfig::from_json(r#"{"hidden_act": "bogus"}"#, "c").unwrap_err();
        assert!(err.to_string().contains("bogus"), "{err}");
        let err = BertConfig::from_json(r#"{"hidden_size": "big"}"#, "c").unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }

    #[test]
    fn regression_follows_hf_rules() {
        let mut config = BertConfig {
            num_labels: Some(1),
            ..BertConfig::default()
        };
        assert!(config.is_regression());
        config.set_labels(&["a".into(), "b".into(), "c".into()]);
        assert_eq!(config.num_labels(), 3);
        assert!(!config.is_regression());
    }
}
