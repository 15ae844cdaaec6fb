//! The native trainer: fine-tunes BERT (bert-model) on GLUE and SQuAD (bert-tasks) the way
//! `transformers`' `run_glue.py` and `run_qa.py` do, on a wgpu GPU or the CPU, and writes
//! Hugging Face checkpoints that the web page and `transformers` load. Beside it, `pretrain`
//! (masked LM + next sentence on raw text) and `train-tokenizer` (WordPiece) make a BERT from
//! nothing.

pub mod allocator;
pub mod args;
mod checkpoint_sums;
pub mod curve;
pub mod data;
pub mod error;
pub mod eval_plan;
pub mod evaluate;
pub mod features;
mod finite_check;
pub mod host_adamw;
pub mod model_source;
pub mod objective;
pub mod optim;
pub mod output;
pub mod predict_input;
pub mod pretrain;
pub mod pretrain_args;
pub mod pretrain_batch;
pub mod pretrain_output;
pub mod registry;
pub mod resume;
pub mod sampler;
pub mod shards;
pub mod task_model;
pub mod train_loop;
pub mod trainer;

pub use args::TrainArgs;
pub use error::{Result, TrainError};
pub use pretrain_args::PretrainArgs;
pub use trainer::{RunSummary, run, run_on, select};
