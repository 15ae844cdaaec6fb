//! The crate's error type: every message is meant to be shown to a user as it is.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum PipelineError {
    /// The model files are missing, unreadable or do not fit together.
    #[error("bad model: {0}")]
    Model(String),
    /// The model does the other task (a QA model asked to classify, or the reverse).
    #[error("wrong task: {0}")]
    WrongTask(String),
    /// The user's input cannot be processed (empty text, ...).
    #[error("invalid input: {0}")]
    Input(String),
    /// The device failed while running the model (e.g. a lost GPU).
    #[error("device error: {0}")]
    Device(String),
}

impl From<bert_model::BertError> for PipelineError {
    fn from(e: bert_model::BertError) -> Self {
        match e {
            bert_model::BertError::Input(m) => Self::Input(m),
            other => Self::Model(other.to_string()),
        }
    }
}

impl From<bert_tasks::TaskError> for PipelineError {
    fn from(e: bert_tasks::TaskError) -> Self {
        Self::Input(e.to_string())
    }
}
