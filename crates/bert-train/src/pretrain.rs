//! `pretrain`: BERT's masked-LM + next-sentence objective on raw text, with the trainer's
//! optimizer, schedule, clipping, progress, logs, curve and resumable checkpoints. Each epoch
//! pairs the sentences anew and every step masks its batch anew (dynamic masking, as HF's
//! `DataCollatorForLanguageModeling`; Google's `dupe_factor` copies approximate the same).

use std::path::Path;
use std::time::Instant;

use bert_model::{BertCheckpointModel, BertConfig, BertForPreTraining, Checkpoint, Kernels};
use bert_tasks::{
    BertTokenizer, MlmOptions, NspInstance, NspOptions, SplitMix64, TokenizedDocument,
    build_nsp_instances, read_wikitext_documents, tokenize_documents,
};
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde_json::{Value, json};

use crate::error::{Result, TrainError};
use crate::optim::{Optimizer, linear_lr};
use crate::pretrain_args::PretrainArgs;
use crate::pretrain_batch::{MaskedRow, mask_rows};
use crate::pretrain_output::{PretrainOutputs, evaluate};
use crate::resume::{self, EvalRecord, TrainerState};
use crate::sampler::derive_seed;
use crate::shards::{Masks, forward_backward, shard_count};

/// Seed streams, apart from each other and from the data order (`seed`, epoch).
const DROPOUT_STREAM: u64 = 1 << 40;
const MASK_STREAM: u64 = 2 << 40;
const EVAL_STREAM: u64 = 3 << 40;

/// The corpus, tokenized once.
pub struct Corpus {
    pub train: Vec<TokenizedDocument>,
    /// Fixed pairs and masks, so that evaluations compare.
    pub eval: Vec<NspInstance>,
}

/// Reads the text files (naming the one that fails) and tokenizes their articles.
pub fn read_corpus(args: &PretrainArgs, tokenizer: &BertTokenizer) -> Result<Corpus> {
    let read = |files: &[std::path::PathBuf]| -> Result<Vec<TokenizedDocument>> {
        let mut docs = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(path).map_err(TrainError::io(path))?;
            let articles = read_wikitext_documents(&text);
            let tokenized = tokenize_documents(tokenizer, &articles)?;
            if tokenized.is_empty() {
                return Err(TrainError::Data(format!("{}: no text", path.display())));
            }
            docs.extend(tokenized);
        }
        Ok(docs)
    };
    let mut train = read(&args.train_files)?;
    let held_out = if args.eval_files.is_empty() {
        let n = ((train.len() as f64) * args.eval_fraction).round() as usize;
        if n == 0 || n >= train.len() {
            return Err(TrainError::Usage(format!(
                "--eval-fraction {} of {} articles leaves no evaluation or no training set; \
                 give --eval-files",
                args.eval_fraction,
                train.len()
            )));
        }
        train.split_off(train.len() - n)
    } else {
        read(&args.eval_files)?
    };
    let opts = nsp_options(args, tokenizer);
    let mut rng = SplitMix64::new(derive_seed(args.seed, EVAL_STREAM));
    let eval = build_nsp_instances(&held_out, &opts, &mut rng)?;
    Ok(Corpus { train, eval })
}

pub fn nsp_options(args: &PretrainArgs, tokenizer: &BertTokenizer) -> NspOptions {
    NspOptions {
        max_seq_length: args.max_seq_length,
        short_seq_prob: args.short_seq_prob,
        ..NspOptions::new(tokenizer.cls_id(), tokenizer.sep_id())
    }
}

pub fn mask_options(args: &PretrainArgs, tokenizer: &BertTokenizer) -> Result<MlmOptions> {
    Ok(MlmOptions {
        mlm_probability: args.mlm_probability,
        ..MlmOptions::for_tokenizer(tokenizer)?
    })
}

/// One epoch's pairs, shuffled: the same for the same seed and epoch (so a resumed run
/// rebuilds exactly the epoch it stopped in).
fn epoch_instances(
    corpus: &Corpus,
    opts: &NspOptions,
    seed: u64,
    epoch: usize,
) -> Result<Vec<NspInstance>> {
    let mut rng = SplitMix64::new(derive_seed(seed, epoch as u64));
    let mut instances = build_nsp_instances(&corpus.train, opts, &mut rng)?;
    rng.shuffle(&mut instances);
    Ok(instances)
}

/// Runs `pretrain` on `device`; returns the metrics written to `metrics.json`.
pub fn pretrain(args: &PretrainArgs, device: &Device, device_name: &str) -> Result<Value> {
    args.validate()?;
    let tokenizer = load_tokenizer(&args.tokenizer)?;
    let started = Instant::now();
    let corpus = read_corpus(args, &tokenizer)?;
    let opts = nsp_options(args, &tokenizer);
    let mask = mask_options(args, &tokenizer)?;
    let first = epoch_instances(&corpus, &opts, args.seed, 0)?;
    if first.is_empty() || corpus.eval.is_empty() {
        return Err(TrainError::Data(
            "the text gives no sentence pairs for training or evaluation".into(),
        ));
    }
    let steps_per_epoch = first.len().div_ceil(args.batch_size);
    let total_steps = args
        .max_steps
        .unwrap_or_else(|| (args.epochs * steps_per_epoch as f64).ceil() as usize)
        .max(1);
    let warmup = (args.warmup_ratio * total_steps as f64).ceil() as usize;
    eprintln!(
        "corpus: {} training articles, {} pairs per epoch, {} held-out pairs ({:.1} s); \
         {total_steps} steps",
        corpus.train.len(),
        first.len(),
        corpus.eval.len(),
        started.elapsed().as_secs_f64()
    );

    let train_device = device.clone().autodiff();
    train_device.seed(args.seed);
    let (mut model, config) = build_model(args, &tokenizer, &train_device)?;
    let fingerprint = json!({
        "train_files": args.train_files, "model_size": args.model_size, "model": args.model,
        "epochs": args.epochs, "max_steps": args.max_steps, "batch_size": args.batch_size,
        "lr": args.lr, "warmup_ratio": args.warmup_ratio, "weight_decay": args.weight_decay,
        "max_seq_length": args.max_seq_length, "mlm_probability": args.mlm_probability,
        "short_seq_prob": args.short_seq_prob, "seed": args.seed, "vocab": config.vocab_size,
    });
    let resume_from = crate::trainer::resume_point(&args.output_dir, args.resume)?;
    let (wd, eps) = (args.weight_decay, args.adam_epsilon);
    let new_optim = |m: &BertForPreTraining| Optimizer::new(m, wd, eps, device);
    let (mut state, mut optim);
    if resume_from.is_empty() {
        state = TrainerState::new(fingerprint.clone(), total_steps);
        optim = new_optim(&model);
    } else {
        let restored = resume::restore_latest(&resume_from, &fingerprint, model, new_optim)?;
        (model, state, optim) = (restored.model, restored.state, restored.optim);
        eprintln!(
            "resume: {} (step {}/{total_steps})",
            restored.dir.display(),
            state.global_step
        );
    }
    let out = PretrainOutputs::new(args, device_name, &tokenizer)?;

    let bar = crate::output::progress_bar(total_steps, state.global_step);
    let session = Instant::now();
    let (start_secs, start_tokens) = (state.train_seconds, state.tokens_seen);
    let mut eval_seconds = 0.0;
    let mut pending: Option<Tensor<1>> = None;
    let mut instances = first;
    let mut built_for = 0;
    while state.global_step < total_steps {
        if built_for != state.epoch {
            instances = epoch_instances(&corpus, &opts, args.seed, state.epoch)?;
            built_for = state.epoch;
        }
        bar.set_prefix(format!("epoch {}", state.epoch + 1));
        let batches: Vec<&[NspInstance]> = instances.chunks(args.batch_size).collect();
        while state.batches_done < batches.len() && state.global_step < total_steps {
            let rows: Vec<&NspInstance> = batches[state.batches_done].iter().collect();
            let mut rng = SplitMix64::new(derive_seed(args.seed, MASK_STREAM + state.micro_step));
            let masked = mask_rows(&rows, &mask, &mut rng)?;
            let masked: Vec<&MaskedRow> = masked.iter().collect();
            state.tokens_seen += masked.iter().map(|r| r.input_ids.len() as u64).sum::<u64>();
            let seed = derive_seed(args.seed, DROPOUT_STREAM + state.micro_step);
            let masks = Masks::for_device(device, seed);
            let shards = shard_count(masked.len(), masks);
            let (loss, grads) =
                forward_backward(&model, &masked, &config, &train_device, 1.0, masks, shards)?;
            let grads = crate::shards::sum(&model, grads);
            pending = Some(match pending.take() {
                Some(p) => p + loss,
                None => loss,
            });
            (state.pending_count, state.batches_done) =
                (state.pending_count + 1, state.batches_done + 1);
            state.micro_step += 1;
            state.examples_seen += rows.len() as u64;
            let lr = linear_lr(args.lr, state.global_step, warmup, total_steps);
            let norm;
            (model, norm) = optim.step(lr, model, grads, args.max_grad_norm)?;
            state.global_step += 1;
            bar.inc(1);
            let at_end = state.global_step == total_steps;
            let save_now = state.global_step.is_multiple_of(args.save_steps) && !at_end;
            let log_now = state.global_step.is_multiple_of(args.logging_steps) || at_end;
            // Read back only when it is looked at: each read stalls a GPU.
            let norm = if save_now || log_now {
                norm.map(scalar)
            } else {
                None
            };
            if log_now {
                let mean = state.take_mean_loss(pending.take().map_or(0.0, scalar));
                if !mean.is_finite() {
                    bar.abandon();
                    return Err(TrainError::Diverged(format!(
                        "the pretraining loss became {mean} at step {}; lower --lr",
                        state.global_step
                    )));
                }
                state.train_seconds = start_secs + session.elapsed().as_secs_f64() - eval_seconds;
                let secs = (state.train_seconds - start_secs).max(1e-9);
                let rate = (state.tokens_seen - start_tokens) as f64 / secs;
                let entry = json!({
                    "step": state.global_step, "loss": mean, "learning_rate": lr,
                    "grad_norm": norm, "tokens_per_second": rate,
                    "epoch": state.epoch as f64 + state.batches_done as f64 / batches.len() as f64,
                });
                bar.set_message(format!("loss {mean:.3} lr {lr:.1e} {rate:.0} tok/s"));
                if bar.is_hidden() {
                    eprintln!("{entry}");
                }
                state.log_history.push(entry);
                out.write_log(&state)?;
            }
            if save_now {
                state.pending_loss_sum += pending.take().map_or(0.0, scalar);
                crate::finite_check::ensure_finite(&model, &state, norm)?;
                resume::save(&args.output_dir, &model, &optim, &state)?;
            }
        }
        let epoch_done = state.batches_done >= batches.len();
        if epoch_done || state.global_step >= total_steps {
            // The model and the checkpoint below are saved from these weights.
            state.pending_loss_sum += pending.take().map_or(0.0, scalar);
            crate::finite_check::ensure_finite(&model, &state, None)?;
            let t = Instant::now();
            let eval_model = model.valid().with_kernels(Kernels::for_inference(device));
            let metrics = evaluate(&eval_model, &corpus.eval, &mask, args, &config, device)?;
            let record = EvalRecord {
                epoch: state.epoch as f64 + state.batches_done as f64 / batches.len() as f64,
                step: state.global_step,
                metrics,
            };
            bar.suspend(|| eprintln!("{}", crate::output::eval_line(&record)));
            out.save_model(&eval_model, &config, &record)?;
            state.best = Some(record.clone());
            state.evals.push(record);
            eval_seconds += t.elapsed().as_secs_f64();
            if epoch_done {
                (state.epoch, state.batches_done) = (state.epoch + 1, 0);
            }
            state.train_seconds = start_secs + session.elapsed().as_secs_f64() - eval_seconds;
            out.write_log(&state)?;
            if state.global_step < total_steps {
                state.pending_loss_sum += pending.take().map_or(0.0, scalar);
                resume::save(&args.output_dir, &model, &optim, &state)?;
            }
        }
    }
    bar.finish();
    out.finish(&state)
}

fn build_model(
    args: &PretrainArgs,
    tokenizer: &BertTokenizer,
    device: &Device,
) -> Result<(BertForPreTraining, BertConfig)> {
    if let Some(dir) = &args.model {
        let ckpt = Checkpoint::<BertForPreTraining>::from_dir(dir, device)?;
        if let Some(summary) = ckpt.report.summary() {
            eprintln!("load: {summary}");
        }
        if tokenizer.vocab_size() > ckpt.config.vocab_size {
            return Err(TrainError::Usage(format!(
                "--tokenizer has {} tokens, more than the model's vocab_size {}",
                tokenizer.vocab_size(),
                ckpt.config.vocab_size
            )));
        }
        return Ok((ckpt.model, ckpt.config));
    }
    let mut config = BertConfig::preset(&args.model_size).ok_or_else(|| {
        TrainError::Usage(format!(
            "--model-size {}: use tiny, mini, small, medium or base",
            args.model_size
        ))
    })?;
    config.vocab_size = tokenizer.vocab_size();
    config.pad_token_id = tokenizer.pad_id() as usize;
    config.max_position_embeddings = config.max_position_embeddings.max(args.max_seq_length);
    config.validate("the --model-size config")?;
    Ok((BertForPreTraining::new(&config, device), config))
}

/// tokenizer.json, vocab.txt (lowercased, as BERT uncased) or a folder with either.
pub fn load_tokenizer(path: &Path) -> Result<BertTokenizer> {
    if path.is_dir() {
        return Ok(BertTokenizer::from_dir(path)?);
    }
    crate::model_source::tokenizer_file(path)
}

fn scalar(t: Tensor<1>) -> f64 {
    f64::from(t.into_scalar::<f32>())
}
