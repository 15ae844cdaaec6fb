//! Tokenization throughput on SST-2 dev (needs /work/shared; a benchmark, not a test).
//!
//! ```text
//! cargo run --release -p bert-tasks --example tokenize_bench -- \
//!     [/work/shared/models/all-MiniLM-L6-v2/tokenizer.json] [/work/shared/data/sst2]
//! ```
//! Encodes every dev sentence with special tokens and offsets, truncated to 128 tokens,
//! one call per sentence (single thread) and as one batch (the tokenizers thread pool), for
//! at least two seconds each, and prints sentences per second.

use std::path::Path;
use std::time::{Duration, Instant};

use bert_tasks::{BertTokenizer, GlueSplit, GlueTask, read_glue_split};

fn measure(label: &str, n_per_round: usize, mut round: impl FnMut() -> usize) {
    let _ = round(); // warm-up
    let (start, mut rounds, mut tokens) = (Instant::now(), 0usize, 0usize);
    while start.elapsed() < Duration::from_secs(2) || rounds < 3 {
        tokens += round();
        rounds += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let sentences = (rounds * n_per_round) as f64;
    println!(
        "{label}: {:.0} sentences/s ({:.0} tokens/s, {rounds} rounds of {n_per_round} in {secs:.2} s)",
        sentences / secs,
        tokens as f64 / secs
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let tok_path = args
        .next()
        .unwrap_or_else(|| "/work/shared/models/all-MiniLM-L6-v2/tokenizer.json".into());
    let data = args
        .next()
        .unwrap_or_else(|| "/work/shared/data/sst2".into());
    let tok = BertTokenizer::from_json_file(&tok_path).expect("tokenizer");
    let examples =
        read_glue_split(GlueTask::Sst2, Path::new(&data), GlueSplit::Dev).expect("SST-2 dev");
    let texts: Vec<&str> = examples.iter().map(|e| e.text_a.as_str()).collect();
    let inputs: Vec<(&str, Option<&str>)> = texts.iter().map(|t| (*t, None)).collect();
    println!(
        "{} SST-2 dev sentences, {} threads available",
        texts.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    measure("one by one (1 thread)", texts.len(), || {
        texts
            .iter()
            .map(|t| tok.encode(t, None, 128).expect("encode").len())
            .sum()
    });
    measure("encode_batch (thread pool)", texts.len(), || {
        let out = tok.encode_batch(&inputs, 128).expect("encode_batch");
        out.iter().map(|e| e.len()).sum()
    });
}
