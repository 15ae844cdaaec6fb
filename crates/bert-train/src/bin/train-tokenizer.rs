//! `cargo run --release --bin train-tokenizer -- --help`
//!
//! Trains a BERT WordPiece vocabulary on text files (WikiText layout) and writes
//! `tokenizer.json` and `vocab.txt`, which `pretrain --tokenizer`, `train --tokenizer` and the
//! page read. Prints the vocabulary's coverage of the training text.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use bert_tasks::{
    WordPieceTrainOptions, train_wordpiece, vocab_coverage, vocab_txt, wikitext_training_lines,
};
use clap::Parser;

/// Train a BERT WordPiece tokenizer (BertNormalizer, BertPreTokenizer, `##` pieces).
#[derive(Debug, Parser)]
#[command(name = "train-tokenizer", version)]
struct Args {
    /// Text files; ` = Heading = ` lines and blank lines are skipped.
    #[arg(long, num_args = 1.., required = true)]
    files: Vec<PathBuf>,
    /// Output folder for tokenizer.json and vocab.txt.
    #[arg(long, default_value = "models/tokenizer")]
    output_dir: PathBuf,
    /// Vocabulary size, special tokens included (BERT: 30522). A small corpus may stop short.
    #[arg(long, default_value_t = 30522)]
    vocab_size: usize,
    /// Occurrences a merge needs.
    #[arg(long, default_value_t = 2)]
    min_frequency: u64,
    /// Most frequent characters kept in the initial alphabet.
    #[arg(long, default_value_t = 1000)]
    limit_alphabet: usize,
    /// Keep case and accents (a cased model).
    #[arg(long)]
    cased: bool,
}

fn main() {
    bert_train::allocator::keep_freed_memory();
    if let Err(e) = run(Args::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<()> {
    let opts = WordPieceTrainOptions {
        vocab_size: args.vocab_size,
        min_frequency: args.min_frequency,
        limit_alphabet: Some(args.limit_alphabet),
        lowercase: !args.cased,
        ..WordPieceTrainOptions::default()
    };
    let started = Instant::now();
    let tokenizer = train_wordpiece(&args.files, &opts)?;
    let secs = started.elapsed().as_secs_f64();
    let json = tokenizer
        .to_string(true)
        .map_err(|e| anyhow::anyhow!("serialising the tokenizer: {e}"))?;
    let vocab = vocab_txt(&tokenizer)?;
    // Both files describe one vocabulary: they are replaced together.
    let files = [
        ("tokenizer.json", json.as_bytes()),
        ("vocab.txt", vocab.as_bytes()),
    ];
    bert_model::save::write_set(&args.output_dir, &files)
        .with_context(|| format!("writing {}", args.output_dir.display()))?;
    let mut lines = Vec::new();
    for file in &args.files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        lines.extend(wikitext_training_lines(&text));
    }
    let coverage = vocab_coverage(&tokenizer, &lines)?;
    eprintln!(
        "trained in {secs:.1} s: {} tokens in the vocabulary; on the training text {} pieces, \
         [UNK] {:.3}%, {:.1}% of words split, {:.2} pieces per word",
        coverage.vocab_size,
        coverage.tokens,
        coverage.unk_rate * 100.0,
        coverage.words_split * 100.0,
        coverage.mean_pieces_per_word
    );
    eprintln!("wrote {}", args.output_dir.join("tokenizer.json").display());
    eprintln!("wrote {}", args.output_dir.join("vocab.txt").display());
    println!(
        "{}",
        serde_json::json!({
            "vocab_size": coverage.vocab_size, "tokens": coverage.tokens,
            "unk_rate": coverage.unk_rate, "words": coverage.words,
            "words_split": coverage.words_split,
            "mean_pieces_per_word": coverage.mean_pieces_per_word, "train_seconds": secs,
        })
    );
    Ok(())
}
