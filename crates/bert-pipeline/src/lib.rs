//! Inference pipelines shared by the native `predict` binary and the browser build, so that
//! both compute exactly the same thing from the same Hugging Face checkpoint
//! (`config.json` + `model.safetensors` + `tokenizer.json`):
//!
//! - text classification of a sentence or a sentence pair (softmax probabilities per label,
//!   or the value of a regression head), batched;
//! - masked-token prediction (fill-mask) with a pretraining checkpoint;
//! - extractive question answering over as many windows as the passage needs (`run_qa.py`'s
//!   384/128 windows), decoded as `utils_qa.py` does, with the SQuAD v2 null answer.
//!
//! Every step before and after the model is host code from `bert-tasks`; the model runs on any
//! Burn `Device`. Each task has a synchronous entry point (native) and an `_async` one (the
//! browser, where a GPU read-back must be awaited); both share all code but the read-back.

mod answer;
pub mod batching;
mod classify;
mod error;
mod fill_mask;
#[cfg(not(target_arch = "wasm32"))]
mod load;
mod output;
mod pipeline;
mod readback;
mod task;

pub use error::PipelineError;
pub use fill_mask::MaskCandidate;
pub use output::{Answer, Classification};
pub use pipeline::{LoadedModel, Pipeline};
pub use task::PipelineTask;
