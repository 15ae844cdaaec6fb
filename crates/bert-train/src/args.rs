//! The `train` command line. Defaults are those of `transformers`' `TrainingArguments` and
//! `run_glue.py` / `run_qa.py`, so a run reads like the HF one it replaces.

use std::path::PathBuf;

use clap::Parser;

/// Fine-tune BERT on a GLUE task or SQuAD, on a wgpu GPU (Vulkan, Metal, DX12) or the CPU.
///
/// With no flags it fine-tunes SST-2 on a small sample the binary ships, so that the web page has
/// a model to run; `--task squad` does the same for question answering.
#[derive(Debug, Clone, Parser)]
#[command(name = "train", version)]
pub struct TrainArgs {
    /// Task: cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli, squad, squad_v2.
    #[arg(long, default_value = "sst2")]
    pub task: String,

    /// Data folder: the GLUE layout (train.tsv, dev.tsv; MNLI dev_matched/dev_mismatched.tsv) or,
    /// for SQuAD, train-v1.1.json/dev-v1.1.json (train-v2.0.json/dev-v2.0.json for squad_v2).
    /// Without it and without --train-file, the bundled sample of the task is used (sst2, squad).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,

    /// Training file (GLUE TSV or SQuAD JSON), instead of the one in --data-dir.
    #[arg(long)]
    pub train_file: Option<PathBuf>,

    /// Evaluation file (GLUE TSV or SQuAD JSON), instead of the one(s) in --data-dir.
    #[arg(long)]
    pub eval_file: Option<PathBuf>,

    /// Pretrained model: a local Hugging Face folder (config.json, model.safetensors or
    /// pytorch_model.bin, tokenizer.json or vocab.txt) or a Hub id, downloaded to the HF cache.
    /// Default: google/bert_uncased_L-4_H-256_A-4 (BERT-mini) when the Hub is reachable, else a
    /// BERT-mini from scratch with the bundled uncased vocabulary.
    #[arg(long, conflicts_with = "from_scratch")]
    pub model: Option<String>,

    /// Train from random weights with a named size: tiny (L2/H128), mini (L4/H256),
    /// small (L4/H512), medium (L8/H512), base (L12/H768).
    #[arg(long, value_name = "SIZE")]
    pub from_scratch: Option<String>,

    /// Tokenizer for --from-scratch: tokenizer.json or vocab.txt (uncased).
    /// Default: the bundled BERT uncased vocabulary.
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,

    /// Output folder: the fine-tuned checkpoint (HF layout), metrics.json, train_log.jsonl,
    /// curves.svg, and checkpoint-N/ folders for --resume. Default: models/<task>.
    #[arg(long)]
    pub output_dir: Option<PathBuf>,

    /// Device: auto (a wgpu GPU if one exists, else the CPU), gpu, vulkan, metal, dx12, cpu.
    #[arg(long, default_value = "auto")]
    pub device: String,

    /// Training epochs.
    #[arg(long, default_value_t = 3.0)]
    pub epochs: f64,

    /// Examples per forward pass (per_device_train_batch_size; also used for evaluation).
    #[arg(long, default_value_t = 8)]
    pub batch_size: usize,

    /// Peak learning rate of AdamW.
    #[arg(long, default_value_t = 5e-5)]
    pub lr: f64,

    /// Fraction of the optimizer steps spent warming the learning rate up from 0.
    #[arg(long, default_value_t = 0.0)]
    pub warmup_ratio: f64,

    /// AdamW weight decay (not applied to biases and LayerNorm weights, as in HF's Trainer).
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,

    /// AdamW epsilon.
    #[arg(long, default_value_t = 1e-8)]
    pub adam_epsilon: f64,

    /// Global gradient-norm clipping (0 turns it off).
    #[arg(long, default_value_t = 1.0)]
    pub max_grad_norm: f64,

    /// Tokens per example after truncation. Default: 128 for GLUE, 384 for SQuAD.
    #[arg(long)]
    pub max_seq_length: Option<usize>,

    /// SQuAD: tokens shared by consecutive windows of a long context.
    #[arg(long, default_value_t = 128)]
    pub doc_stride: usize,

    /// Forward passes whose gradients are summed before one optimizer step.
    #[arg(long, default_value_t = 1)]
    pub grad_accum: usize,

    /// Seed of the data order, the head's initialisation and dropout.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Keep the first N training examples.
    #[arg(long)]
    pub max_train_samples: Option<usize>,

    /// Keep the first N evaluation examples.
    #[arg(long)]
    pub max_eval_samples: Option<usize>,

    /// Save a resumable checkpoint every N optimizer steps (and at each epoch end).
    #[arg(long, default_value_t = 500)]
    pub save_steps: usize,

    /// Log (and check for NaN) every N optimizer steps.
    #[arg(long, default_value_t = 20)]
    pub logging_steps: usize,

    /// Continue the run in --output-dir from its newest checkpoint-N/ folder.
    #[arg(long)]
    pub resume: bool,

    /// Stop after N optimizer steps (the schedule still spans all epochs); for tests.
    #[arg(long, hide = true)]
    pub max_steps: Option<usize>,

    /// Do not record the model in models/index.json.
    #[arg(long)]
    pub no_index: bool,

    /// SQuAD v2: answer "" when the null score beats the best span by more than this. Default:
    /// evaluate at 0 (as run_qa.py), then store the threshold of the best dev F1 in the
    /// checkpoint's config.json, which `predict` and the page apply.
    #[arg(long)]
    pub null_score_diff_threshold: Option<f32>,
}
