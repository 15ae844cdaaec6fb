//! Which task a checkpoint does, read from its `config.json`.

use bert_model::{BertConfig, HeadKind};
use serde::Serialize;

use crate::PipelineError;

/// What a loaded model computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PipelineTask {
    /// Softmax (or sigmoid, for multi-label heads) probabilities over labels.
    Classification,
    /// One value per input (`num_labels == 1` or `problem_type == "regression"`, as HF).
    Regression,
    /// Extractive QA: a span of the passage, or none for SQuAD v2 models.
    QuestionAnswering,
    /// Masked-token prediction with a pretraining checkpoint (MLM head).
    FillMask,
}

impl PipelineTask {
    /// The task of a config, from its `architectures` (as HF's `AutoModelFor...` would load it).
    pub fn of(config: &BertConfig) -> Result<Self, PipelineError> {
        match HeadKind::from_config(config) {
            Some(HeadKind::SequenceClassification) if config.is_regression() => {
                Ok(Self::Regression)
            }
            Some(HeadKind::SequenceClassification) => Ok(Self::Classification),
            Some(HeadKind::QuestionAnswering) => Ok(Self::QuestionAnswering),
            Some(HeadKind::PreTraining) => Ok(Self::FillMask),
            Some(HeadKind::Base) | None => Err(PipelineError::WrongTask(format!(
                "config.json names no task head (architectures: {:?}); a fine-tuned \
                 BertForSequenceClassification or BertForQuestionAnswering checkpoint (or a pretraining one \
                 for fill-mask) is needed",
                config.architectures.as_deref().unwrap_or_default()
            ))),
        }
    }

    /// The name used in `models/index.json` and in the JSON the browser receives.
    pub fn name(self) -> &'static str {
        match self {
            Self::Classification => "classification",
            Self::Regression => "regression",
            Self::QuestionAnswering => "question-answering",
            Self::FillMask => "fill-mask",
        }
    }
}
