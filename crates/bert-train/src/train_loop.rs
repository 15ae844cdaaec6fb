//! The training loop: length-grouped batches, dropout seeded per step, gradient accumulation,
//! clipping, AdamW with a linear schedule, logging, evaluation at each epoch end, the best model
//! saved in HF layout, and resumable checkpoints.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use bert_model::{BertConfig, Kernels};
use burn::optim::GradientsAccumulator;
use burn::tensor::{Device, Tensor};
use serde_json::{Value, json};

use crate::args::TrainArgs;
use crate::data::TrainTask;
use crate::error::{Result, TrainError};
use crate::eval_plan::EvalPlan;
use crate::features::Feature;
use crate::optim::{Optimizer, linear_lr};
use crate::output::{self, Outputs};
use crate::resume::{self, EvalRecord, TrainerState};
use crate::sampler::{derive_seed, length_grouped_batches};
use crate::shards::{Masks, forward_backward, shard_count};
use crate::task_model::TaskModel;

/// Everything the loop needs besides the model and the data.
pub struct Run {
    pub args: TrainArgs,
    pub task: TrainTask,
    pub output_dir: PathBuf,
    /// Checkpoints to resume from, oldest first; the newest that reads whole is taken.
    pub resume_from: Vec<PathBuf>,
    /// The plain device (evaluation); training runs on its autodiff twin.
    pub device: Device,
    pub device_name: String,
    pub model_name: String,
    pub tokenizer_json: String,
}

/// Offsets the dropout seeds away from the data-order seeds.
const DROPOUT_STREAM: u64 = 1 << 40;

pub fn train_loop<M: TaskModel>(
    run: &Run,
    mut model: M,
    config: BertConfig,
    features: Vec<Feature>,
    plan: &EvalPlan,
) -> Result<Value> {
    let args = &run.args;
    let train_device = run.device.clone().autodiff();
    let n_batches = features.len().div_ceil(args.batch_size);
    let updates_per_epoch = n_batches.div_ceil(args.grad_accum).max(1);
    let total_steps = args
        .max_steps
        .unwrap_or_else(|| (args.epochs * updates_per_epoch as f64).ceil() as usize)
        .max(1);
    let epochs = total_steps.div_ceil(updates_per_epoch);
    let warmup = (args.warmup_ratio * total_steps as f64).ceil() as usize;
    let fingerprint = json!({
        "task": run.task.name(), "model": run.model_name, "train_features": features.len(),
        "epochs": args.epochs, "max_steps": args.max_steps, "batch_size": args.batch_size,
        "grad_accum": args.grad_accum, "lr": args.lr, "warmup_ratio": args.warmup_ratio,
        "weight_decay": args.weight_decay, "adam_epsilon": args.adam_epsilon,
        "max_grad_norm": args.max_grad_norm, "max_seq_length": args.max_seq_length,
        "doc_stride": args.doc_stride, "seed": args.seed,
    });

    let (wd, eps) = (args.weight_decay, args.adam_epsilon);
    let new_optim = |m: &M| Optimizer::new(m, wd, eps, &run.device);
    let (mut state, mut optim);
    if run.resume_from.is_empty() {
        state = TrainerState::new(fingerprint.clone(), total_steps);
        optim = new_optim(&model);
    } else {
        let restored = resume::restore_latest(&run.resume_from, &fingerprint, model, new_optim)?;
        (model, state, optim) = (restored.model, restored.state, restored.optim);
        eprintln!(
            "resume: {} (epoch {}, step {}/{})",
            restored.dir.display(),
            state.epoch + 1,
            state.global_step,
            total_steps
        );
    }
    let out = Outputs::new(run, &config)?;

    let bar = output::progress_bar(total_steps, state.global_step);
    let lengths: Vec<usize> = features.iter().map(Feature::len).collect();
    let mut accumulator = GradientsAccumulator::<M>::new();
    // Losses stay on the device between log lines: reading one back each step would stall a GPU.
    let mut pending: Option<Tensor<1>> = None;
    let session = Instant::now();
    let (session_start_secs, session_start_examples) = (state.train_seconds, state.examples_seen);
    let mut eval_seconds = 0.0;

    while state.epoch < epochs && state.global_step < total_steps {
        bar.set_prefix(format!("epoch {}/{epochs}", state.epoch + 1));
        let batches = length_grouped_batches(&lengths, args.batch_size, args.seed, state.epoch);
        while state.batches_done < batches.len() && state.global_step < total_steps {
            let batch = &batches[state.batches_done];
            let seed = derive_seed(args.seed, DROPOUT_STREAM + state.micro_step);
            // On the CPU the masks come from the host, so that shards of a batch can run on all
            // cores.
            let masks = Masks::for_device(&run.device, seed);
            let rows: Vec<&Feature> = batch.iter().map(|&i| &features[i]).collect();
            let shards = shard_count(rows.len(), masks);
            let scale = 1.0 / args.grad_accum as f64;
            let (loss, grads) =
                forward_backward(&model, &rows, &config, &train_device, scale, masks, shards)?;
            for shard in grads {
                accumulator.accumulate(&model, shard);
            }
            pending = Some(match pending.take() {
                Some(p) => p + loss,
                None => loss,
            });
            state.pending_count += 1;
            state.batches_done += 1;
            state.micro_step += 1;
            state.examples_seen += batch.len() as u64;

            let boundary = state.batches_done.is_multiple_of(args.grad_accum)
                || state.batches_done == batches.len();
            if !boundary {
                continue;
            }
            let lr = linear_lr(args.lr, state.global_step, warmup, total_steps);
            let norm;
            (model, norm) = optim.step(lr, model, accumulator.grads(), args.max_grad_norm)?;
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
                        "the training loss became {mean} at step {} (learning rate {lr:.3e}); \
                         lower --lr or check the data",
                        state.global_step
                    )));
                }
                state.train_seconds =
                    session_start_secs + session.elapsed().as_secs_f64() - eval_seconds;
                let session_secs = (state.train_seconds - session_start_secs).max(1e-9);
                let rate = (state.examples_seen - session_start_examples) as f64 / session_secs;
                let grad_norm = norm;
                let entry = json!({
                    "step": state.global_step,
                    "epoch": state.epoch as f64 + state.batches_done as f64 / batches.len() as f64,
                    "loss": mean, "learning_rate": lr, "grad_norm": grad_norm,
                    "examples_per_second": rate,
                });
                bar.set_message(format!("loss {mean:.4} lr {lr:.2e} {rate:.1} ex/s"));
                if bar.is_hidden() {
                    eprintln!("{entry}");
                }
                state.log_history.push(entry);
                out.write_log(run, &state)?;
            }
            if save_now {
                state.pending_loss_sum += pending.take().map_or(0.0, scalar);
                crate::finite_check::ensure_finite(&model, &state, norm)?;
                resume::save(&run.output_dir, &model, &optim, &state)?;
            }
        }
        if state.batches_done >= batches.len() || state.global_step >= total_steps {
            // The best model and the checkpoint below are saved from these weights.
            state.pending_loss_sum += pending.take().map_or(0.0, scalar);
            crate::finite_check::ensure_finite(&model, &state, None)?;
            let t = Instant::now();
            bar.suspend(|| eprintln!("evaluating epoch {}...", state.epoch + 1));
            let eval_model = model
                .valid()
                .with_kernels(Kernels::for_inference(&run.device));
            let (metrics, extra) =
                plan.evaluate(&eval_model, &config, args.batch_size, &run.device, &out.dir)?;
            let record = EvalRecord {
                epoch: state.epoch as f64 + state.batches_done as f64 / batches.len() as f64,
                step: state.global_step,
                metrics,
            };
            bar.suspend(|| eprintln!("{}", output::eval_line(&record)));
            let key = run.task.primary_metric();
            let better = |r: &EvalRecord, than: &Option<EvalRecord>| {
                let v = r.metrics.get(key).copied().unwrap_or(f64::NAN);
                than.as_ref()
                    .and_then(|b| b.metrics.get(key).copied())
                    .is_none_or(|b| v > b || b.is_nan())
            };
            if better(&record, &state.best) {
                let saved = plan.checkpoint_config(&config, &record.metrics);
                out.save_best(&eval_model, &saved, run, &record, extra.as_ref())?;
                state.best = Some(record.clone());
            }
            state.evals.push(record);
            eval_seconds += t.elapsed().as_secs_f64();
            if state.batches_done >= batches.len() {
                state.epoch += 1;
                state.batches_done = 0;
            }
            state.train_seconds =
                session_start_secs + session.elapsed().as_secs_f64() - eval_seconds;
            out.write_log(run, &state)?;
            if state.global_step < total_steps {
                state.pending_loss_sum += pending.take().map_or(0.0, scalar);
                resume::save(&run.output_dir, &model, &optim, &state)?;
            }
        }
    }
    bar.finish();
    out.finish(run, &state)
}

fn scalar(t: Tensor<1>) -> f64 {
    f64::from(t.into_scalar::<f32>())
}

/// Host copy of run metrics for callers that want them as a map.
pub fn metric_map(v: &Value) -> BTreeMap<String, f64> {
    v.get("best")
        .and_then(|b| b.get("metrics"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_f64().map(|f| (k.clone(), f)))
                .collect()
        })
        .unwrap_or_default()
}
