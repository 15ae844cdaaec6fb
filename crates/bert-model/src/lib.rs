//! BERT in Burn, numerically the model of Hugging Face's `transformers.BertModel`, with its
//! sequence-classification, question-answering and pretraining (MLM + NSP) heads, and Hugging Face checkpoints
//! (`config.json` + `model.safetensors`) read and written as `transformers` does.
//!
//! The code names no backend: every module runs on the `Device` it is created on (Flex on the
//! CPU, wgpu on Vulkan/Metal/DX12/WebGPU).

pub mod activation;
#[cfg(not(target_arch = "wasm32"))]
mod atomic;
pub mod attention;
pub mod batch;
pub mod checkpoint;
pub mod config;
mod config_check;
pub mod cpu_kernels;
#[cfg(not(target_arch = "wasm32"))]
pub mod device;
pub mod dropout;
pub mod embeddings;
pub mod encoder;
pub mod error;
pub mod header;
pub mod heads;
mod init;
pub mod kernels;
pub mod keys;
pub mod model;
pub mod pretraining;
pub mod save;

pub use batch::BertInput;
pub use checkpoint::{BertCheckpointModel, Checkpoint, HeadKind, LoadReport};
pub use config::BertConfig;
pub use config_check::MAX_PARAMETERS;
pub use error::BertError;
pub use heads::{BertForQuestionAnswering, BertForSequenceClassification};
pub use kernels::Kernels;
pub use model::{BertModel, BertModelOutput};
pub use pretraining::{BertForPreTraining, PreTrainingOutput};
