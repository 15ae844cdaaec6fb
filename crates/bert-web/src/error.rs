//! The one conversion of errors into JavaScript: an `Error` whose `message` is meant for the
//! user and whose `kind` says what went wrong ("model", "task", "input", "device", "usage").

use bert_pipeline::PipelineError;
use wasm_bindgen::JsValue;

/// A JavaScript `Error` with a `kind` property.
pub(crate) fn js_error(kind: &str, message: impl std::fmt::Display) -> JsValue {
    let error = js_sys::Error::new(&message.to_string());
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &"kind".into(), &kind.into());
    error.into()
}

impl From<PipelineErrorJs> for JsValue {
    fn from(e: PipelineErrorJs) -> Self {
        let kind = match &e.0 {
            PipelineError::Model(_) => "model",
            PipelineError::WrongTask(_) => "task",
            PipelineError::Input(_) => "input",
            PipelineError::Device(_) => "device",
        };
        js_error(kind, e.0)
    }
}

/// Wraps a pipeline error for `?` in exported functions.
pub(crate) struct PipelineErrorJs(pub PipelineError);

impl From<PipelineError> for PipelineErrorJs {
    fn from(e: PipelineError) -> Self {
        Self(e)
    }
}
