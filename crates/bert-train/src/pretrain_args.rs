//! `pretrain`'s command line. Defaults follow BERT's recipe (Devlin et al. 2018 and Google's
//! `create_pretraining_data.py` / `run_pretraining.py`) scaled to a small corpus: sequences of
//! 128 tokens, 15% masking (80/10/10), 50% random next sentences, AdamW at 1e-4 with warmup.

use std::path::PathBuf;

use clap::Parser;

use crate::error::{Result, TrainError};

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

impl PretrainArgs {
    /// Refuses flags that would divide by zero, never end, or train on nothing.
    pub fn validate(&self) -> Result<()> {
        let checks = [
            (self.batch_size == 0, "--batch-size must be at least 1"),
            (self.max_steps == Some(0), "--max-steps must be at least 1"),
            (
                !(self.epochs.is_finite() && self.epochs > 0.0),
                "--epochs must be a positive number",
            ),
            (
                !(self.lr.is_finite() && self.lr > 0.0),
                "--lr must be a positive number",
            ),
            (
                !(0.0..1.0).contains(&self.warmup_ratio),
                "--warmup-ratio must be in [0, 1)",
            ),
            (
                !(0.0..1.0).contains(&self.eval_fraction),
                "--eval-fraction must be in [0, 1)",
            ),
            (
                !(self.weight_decay.is_finite() && self.weight_decay >= 0.0),
                "--weight-decay must be ≥ 0",
            ),
            (
                !(self.adam_epsilon.is_finite() && self.adam_epsilon > 0.0),
                "--adam-epsilon must be positive",
            ),
            (
                !self.max_grad_norm.is_finite(),
                "--max-grad-norm must be a number (≤ 0 turns clipping off)",
            ),
            // [CLS] A [SEP] B [SEP]: three special tokens and at least one of each sentence.
            (
                self.max_seq_length < 5,
                "--max-seq-length must be at least 5",
            ),
            (
                !(0.0..=1.0).contains(&self.short_seq_prob),
                "--short-seq-prob must be in [0, 1]",
            ),
            (
                !(self.mlm_probability > 0.0 && self.mlm_probability <= 1.0),
                "--mlm-probability must be in (0, 1]",
            ),
            (
                self.logging_steps == 0 || self.save_steps == 0,
                "--logging-steps and --save-steps must be at least 1",
            ),
        ];
        match checks.into_iter().find(|(failed, _)| *failed) {
            Some((_, message)) => Err(TrainError::Usage(message.into())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> PretrainArgs {
        let base = ["pretrain", "--train-files", "a.txt", "--tokenizer", "t"];
        PretrainArgs::parse_from(base.iter().chain(extra))
    }

    #[test]
    fn each_bad_flag_gets_its_message() {
        assert!(parse(&[]).validate().is_ok());
        let cases: [(&[&str], &str); 9] = [
            (&["--batch-size", "0"], "--batch-size must be at least 1"),
            (&["--max-steps", "0"], "--max-steps must be at least 1"),
            (&["--epochs", "inf"], "--epochs must be a positive number"),
            (&["--epochs", "NaN"], "--epochs must be a positive number"),
            (&["--lr", "0"], "--lr must be a positive number"),
            (&["--warmup-ratio", "1"], "--warmup-ratio must be in [0, 1)"),
            (
                &["--max-seq-length", "4"],
                "--max-seq-length must be at least 5",
            ),
            (
                &["--mlm-probability", "0"],
                "--mlm-probability must be in (0, 1]",
            ),
            (
                &["--save-steps", "0"],
                "--logging-steps and --save-steps must be at least 1",
            ),
        ];
        for (flags, message) in cases {
            let err = parse(flags).validate().unwrap_err().to_string();
            assert!(err.ends_with(message), "{flags:?}: {err}");
        }
    }
}
