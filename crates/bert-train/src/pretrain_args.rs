//! `pretrain`'s command line. Defaults follow BERT's recipe (Devlin et al. 2018 and Google's
//! `create_pretraining_data.py` / `run_pretraining.py`) scaled to a small corpus: sequences of
//! 128 tokens, 15% masking (80/10/10), 50% random next sentences, AdamW at 1e-4 with warmup.

use std::path::PathBuf;

use clap::Parser;

/// Pretrain BERT (masked LM + next-sentence prediction) on raw text in WikiText layout.
#[derive(Debug, Clone, Parser)]
#[command(name = "pretrain", version)]
pub struct PretrainArgs {
    /// Training text files (WikiText layout: ` = Title = ` headings start articles, one
    /// paragraph per line).
    #[arg(long, num_args = 1.., required = true)]
    pub train_files: Vec<PathBuf>,
    /// Held-out text files for the MLM/NSP accuracy at each epoch end. Without them, the last
    /// --eval-fraction of the articles is held out.
    #[arg(long, num_args = 1..)]
    pub eval_files: Vec<PathBuf>,
    /// Fraction of articles held out for evaluation when no --eval-files are given.
    #[arg(long, default_value_t = 0.05)]
    pub eval_fraction: f64,
    /// The WordPiece tokenizer: tokenizer.json, vocab.txt or a folder with either
    /// (`train-tokenizer` writes both).
    #[arg(long)]
    pub tokenizer: PathBuf,
    /// Model size: tiny (2×128), mini (4×256), small (4×512), medium (8×512), base (12×768).
    #[arg(long, default_value = "mini")]
    pub model_size: String,
    /// Start from this HF folder instead (continued pretraining): config.json +
    /// model.safetensors; its MLM/NSP heads are used when present.
    #[arg(long, conflicts_with = "model_size")]
    pub model: Option<PathBuf>,
    /// Output folder: an HF BertForPreTraining checkpoint, a valid `train --model`.
    #[arg(long, default_value = "models/pretrained")]
    pub output_dir: PathBuf,
    /// Device: auto (a wgpu GPU if there is one, else the CPU), gpu, vulkan, metal, dx12, cpu.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Passes over the training sentence pairs (re-paired and re-masked each epoch).
    #[arg(long, default_value_t = 10.0)]
    pub epochs: f64,
    /// Stop after this many optimizer steps (overrides --epochs).
    #[arg(long)]
    pub max_steps: Option<usize>,
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Peak learning rate (BERT: 1e-4).
    #[arg(long, default_value_t = 1e-4)]
    pub lr: f64,
    /// Fraction of the steps spent warming the learning rate up from 0.
    #[arg(long, default_value_t = 0.1)]
    pub warmup_ratio: f64,
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    /// AdamW epsilon (BERT: 1e-6).
    #[arg(long, default_value_t = 1e-6)]
    pub adam_epsilon: f64,
    #[arg(long, default_value_t = 1.0)]
    pub max_grad_norm: f64,
    /// Tokens per sequence, [CLS] and both [SEP] included.
    #[arg(long, default_value_t = 128)]
    pub max_seq_length: usize,
    /// Probability of a shorter random target length (BERT: 0.1), so the model also sees
    /// short inputs.
    #[arg(long, default_value_t = 0.1)]
    pub short_seq_prob: f64,
    /// Fraction of tokens the MLM objective predicts.
    #[arg(long, default_value_t = 0.15)]
    pub mlm_probability: f64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value_t = 20)]
    pub logging_steps: usize,
    /// Write a resumable checkpoint every this many steps.
    #[arg(long, default_value_t = 500)]
    pub save_steps: usize,
    /// Continue from the last checkpoint-N folder in --output-dir (also after a SIGKILL).
    #[arg(long)]
    pub resume: bool,
}
