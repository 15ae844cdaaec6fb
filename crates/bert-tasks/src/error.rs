//! The crate's single error type.

/// Everything that can go wrong in this crate. Input errors name the file (or source) and the
/// line, column or JSON path, so that a bad row in a 400 MB TSV can be found without a debugger.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// A malformed TSV row or field.
    #[error("{source_name}:{line}: {message}")]
    Tsv {
        /// File name (or another label given by the caller).
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A JSON document that is not valid JSON.
    #[error("{source_name}: invalid JSON: {error}")]
    JsonSyntax {
        /// File name (or another label given by the caller).
        source_name: String,
        /// The parser's message, with line and column.
        error: serde_json::Error,
    },
    /// Valid JSON with a missing or ill-typed field.
    #[error("{source_name}: {path}: {message}")]
    Json {
        /// File name (or another label given by the caller).
        source_name: String,
        /// JSON path of the offending value, e.g. `data[3].paragraphs[0].qas[2].id`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The tokenizer could not be built or failed on an input.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A caller-supplied argument is out of range or inconsistent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A metric or decoder was asked about a question that has no prediction.
    #[error("no prediction for question id {0:?}")]
    MissingPrediction(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, TaskError>;

impl TaskError {
    pub(crate) fn tokenizer(e: impl std::fmt::Display) -> Self {
        TaskError::Tokenizer(e.to_string())
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        TaskError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Reads a whole UTF-8 file, naming the file in the error.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| TaskError::io(path, e))
}
