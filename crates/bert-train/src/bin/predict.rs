//! `predict`: runs a fine-tuned checkpoint on sentences, pairs or questions and prints one JSON
//! line per input, in input order. It calls the same pipeline as the web page (bert-pipeline), so
//! both give the same labels, scores and spans.
//!
//! ```text
//! predict --model models/sst2 --text "a gripping, funny film"
//! predict --model models/squad --question "Who?" --context "..."
//! predict --model models/mnli --input pairs.jsonl --output preds.jsonl
//! ```

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use bert_model::device::{DeviceChoice, select_device};
use bert_pipeline::{Pipeline, PipelineTask};
use bert_train::predict_input::{Query, parse_jsonl};
use clap::Parser;

/// Run a fine-tuned BERT checkpoint (config.json + model.safetensors + tokenizer.json).
#[derive(Debug, Parser)]
#[command(name = "predict", version)]
struct Args {
    /// Model folder written by `train` (or any HF BERT classification / QA checkpoint).
    #[arg(long)]
    model: PathBuf,
    /// A sentence to classify.
    #[arg(long, conflicts_with_all = ["question", "input"])]
    text: Option<String>,
    /// The second sentence of a pair (MRPC, MNLI, ...).
    #[arg(long, requires = "text")]
    text_pair: Option<String>,
    /// A question about --context.
    #[arg(long, requires = "context", conflicts_with = "input")]
    question: Option<String>,
    /// The passage that answers --question (any length: it is cut into windows).
    #[arg(long, requires = "question")]
    context: Option<String>,
    /// A text with one or more [MASK] tokens, for a pretraining checkpoint (`pretrain`'s
    /// output, or HF's BertForPreTraining / BertForMaskedLM): prints the --top-k tokens for
    /// each mask, as HF's fill-mask pipeline.
    #[arg(long, conflicts_with_all = ["text", "question", "input"])]
    fill_mask: Option<String>,
    /// Candidates per mask for --fill-mask.
    #[arg(long, default_value_t = 5, requires = "fill_mask")]
    top_k: usize,
    /// JSON lines with `text` (+ `text_pair`) or `question` + `context`.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Write the JSON lines here instead of stdout.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Device: auto, gpu, vulkan, metal, dx12, cpu.
    #[arg(long, default_value = "auto")]
    device: String,
}

fn main() {
    bert_train::allocator::keep_freed_memory();
    if let Err(e) = run(Args::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<()> {
    if let Some(text) = &args.fill_mask {
        return fill_mask(&args, text);
    }
    let queries = queries(&args)?;
    let choice: DeviceChoice = args.device.parse().map_err(anyhow::Error::msg)?;
    let selected = select_device(choice)?;
    eprintln!("device: {selected}");
    let pipeline = Pipeline::from_dir(&args.model, &selected.device)
        .with_context(|| format!("loading {}", args.model.display()))?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let is_qa = pipeline.task() == PipelineTask::QuestionAnswering;
    // Consecutive sentences go through the model in batches; questions one by one.
    let mut pending: Vec<(String, Option<String>)> = Vec::new();
    let flush = |pending: &mut Vec<(String, Option<String>)>, out: &mut dyn Write| -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        for r in pipeline.classify(pending)? {
            writeln!(out, "{}", serde_json::to_string(&r)?)?;
        }
        pending.clear();
        Ok(())
    };
    for (n, q) in queries.into_iter().enumerate() {
        match q {
            Query::Classify(..) if is_qa => {
                bail!(
                    "input {}: this is a question-answering model; give question and context",
                    n + 1
                )
            }
            Query::Classify(..) if pipeline.task() == PipelineTask::FillMask => {
                bail!(
                    "input {}: this is a pretraining (fill-mask) model with no classification \
                     head: fine-tune it first (`train --model {}`), or use --fill-mask",
                    n + 1,
                    args.model.display()
                )
            }
            Query::Answer(..) if !is_qa => {
                bail!(
                    "input {}: this is a {} model; give text (and text_pair)",
                    n + 1,
                    pipeline.task().name()
                )
            }
            Query::Classify(a, b) => pending.push((a, b)),
            Query::Answer(question, context) => {
                flush(&mut pending, &mut out)?;
                let answer = pipeline
                    .answer(&question, &context)
                    .with_context(|| format!("input {}", n + 1))?;
                writeln!(out, "{}", serde_json::to_string(&answer)?)?;
            }
        }
    }
    flush(&mut pending, &mut out)?;
    out.flush()?;
    Ok(())
}

/// One JSON line: the candidate list for a single mask (HF's shape), a list of lists otherwise.
fn fill_mask(args: &Args, text: &str) -> Result<()> {
    let choice: DeviceChoice = args.device.parse().map_err(anyhow::Error::msg)?;
    let selected = select_device(choice)?;
    eprintln!("device: {selected}");
    let pipeline = Pipeline::from_dir(&args.model, &selected.device)
        .with_context(|| format!("loading {}", args.model.display()))?;
    let masks = pipeline.fill_mask(text, args.top_k)?;
    let line = match masks.as_slice() {
        [one] => serde_json::to_string(one)?,
        many => serde_json::to_string(many)?,
    };
    match &args.output {
        Some(p) => std::fs::write(p, format!("{line}\n"))
            .with_context(|| format!("writing {}", p.display()))?,
        None => println!("{line}"),
    }
    Ok(())
}

fn queries(args: &Args) -> Result<Vec<Query>> {
    if let Some(text) = &args.text {
        return Ok(vec![Query::Classify(text.clone(), args.text_pair.clone())]);
    }
    if let (Some(q), Some(c)) = (&args.question, &args.context) {
        return Ok(vec![Query::Answer(q.clone(), c.clone())]);
    }
    let Some(path) = &args.input else {
        bail!("give --text, --question with --context, or --input FILE.jsonl");
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(parse_jsonl(&text, &path.display().to_string())?)
}
