//! What the pipelines return; serialised, these are the JSON lines `predict` prints.

use std::collections::BTreeMap;

use serde::Serialize;

/// The result for one classification input.
///
/// Serialises untagged: `{"label":..,"scores":{..},"logits":[..]}` or `{"value":..}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Classification {
    Labels {
        /// The most probable label (the first one on a tie, as `argmax`).
        label: String,
        /// Label name → probability: softmax over the logits (sigmoid of each logit for a
        /// `multi_label_classification` head, as HF's text-classification pipeline).
        scores: BTreeMap<String, f32>,
        /// Raw logits in class order.
        logits: Vec<f32>,
    },
    Regression {
        /// The head's single output.
        value: f32,
    },
}

/// The answer to one question.
///
/// Serialises as `{"answer":..,"start":..,"end":..,"score":..,"windows":..}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The span of the context, or "" for the null answer of a SQuAD v2 model.
    pub answer: String,
    /// Character (Unicode scalar value) offset of the span in the context; 0 for the null answer.
    pub start: usize,
    /// Character offset one past the span's end; 0 for the null answer.
    pub end: usize,
    /// `utils_qa.py`'s `probability` of the chosen answer: the softmax of
    /// `start_logit + end_logit` over the n-best candidates of all windows (the null answer
    /// included for v2 models). In [0, 1], like the `score` of HF's question-answering pipeline,
    /// but normalised over the n-best list rather than over every token pair.
    pub score: f32,
    /// `start_logit + end_logit` of the chosen answer (of `[CLS]` for the null answer).
    pub logit_score: f32,
    /// How many windows the context was cut into.
    pub windows: usize,
}
