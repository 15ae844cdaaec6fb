//! Errors of model construction, loading and saving.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum BertError {
    /// A `config.json` that does not parse or describes a model we cannot build.
    #[error("{origin}: {message}")]
    Config { origin: String, message: String },
    /// A weights file that does not fit the model described by the config.
    #[error("{origin}: {message}")]
    Checkpoint { origin: String, message: String },
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Bad model input (ids out of range, mismatched shapes, too long).
    #[error("invalid input: {0}")]
    Input(String),
}
