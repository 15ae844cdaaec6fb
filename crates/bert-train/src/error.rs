//! The trainer library's errors; the binaries print them as one line and exit non-zero.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum TrainError {
    /// A flag or combination of flags that cannot work.
    #[error("{0}")]
    Usage(String),
    /// Missing, empty or mismatched data.
    #[error("{0}")]
    Data(String),
    #[error(transparent)]
    Task(#[from] bert_tasks::TaskError),
    #[error(transparent)]
    Model(#[from] bert_model::BertError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A resumable checkpoint that cannot be read or written.
    #[error("{path}: {message}")]
    Checkpoint { path: String, message: String },
    /// The loss stopped being a number.
    #[error("{0}")]
    Diverged(String),
    /// The CPU optimizer could not read a tensor back.
    #[error("optimizer: {0}")]
    Optimizer(String),
    /// The Hugging Face Hub could not give a model.
    #[error("{0}")]
    Hub(String),
}

pub type Result<T> = std::result::Result<T, TrainError>;

impl TrainError {
    /// A resumable checkpoint file that cannot be read or written.
    pub fn checkpoint(path: &std::path::Path, message: impl std::fmt::Display) -> Self {
        TrainError::Checkpoint {
            path: path.display().to_string(),
            message: message.to_string(),
        }
    }

    pub fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| TrainError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
