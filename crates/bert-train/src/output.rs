//! What a run leaves in its output folder: the best model in HF layout (config.json,
//! model.safetensors, tokenizer.json), `metrics.json`, `train_log.jsonl`, `curves.svg`, and its
//! entry in `models/index.json`.

use std::path::{Path, PathBuf};

use bert_model::BertConfig;
use bert_model::save::{save_dir_with, write_atomic};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::curve;
use crate::data::TrainTask;
use crate::error::{Result, TrainError};
use crate::registry::{self, Entry, Metric};
use crate::resume::{self, EvalRecord, TrainerState};
use crate::task_model::TaskModel;
use crate::train_loop::Run;

pub struct Outputs {
    pub dir: PathBuf,
    primary: &'static str,
}

impl Outputs {
    pub fn new(run: &Run, _config: &BertConfig) -> Result<Self> {
        prepare_output_dir(&run.output_dir)?;
        Ok(Self {
            dir: run.output_dir.clone(),
            primary: run.task.primary_metric(),
        })
    }

    fn write(&self, name: &str, text: &str) -> Result<()> {
        let path = self.dir.join(name);
        write_atomic(&path, text.as_bytes()).map_err(TrainError::io(&path))
    }

    /// Rewrites `train_log.jsonl` and `curves.svg` from the state (so a resumed run's log has
    /// no duplicate lines).
    pub fn write_log(&self, run: &Run, state: &TrainerState) -> Result<()> {
        self.write("train_log.jsonl", &log_text(state))?;
        let (loss, metric) = curve_points(state, self.primary);
        // The device line can carry a long explanation in parentheses; the title keeps its name.
        let device = run.device_name.split(" (").next().unwrap_or_default();
        let model = run.model_name.rsplit('/').next().unwrap_or_default();
        let title = format!("{} · {model} · {device}", run.task.name());
        self.write(
            "curves.svg",
            &curve::svg(&title, &loss, self.primary, &metric),
        )
    }

    /// Saves the model of the best evaluation so far, with its tokenizer and scores.
    pub fn save_best<M: TaskModel>(
        &self,
        model: &M,
        config: &BertConfig,
        run: &Run,
        record: &EvalRecord,
        extra: Option<&Value>,
    ) -> Result<()> {
        let mut results = eval_json(record);
        if let Some(extra) = extra {
            results["details"] = extra.clone();
        }
        let results = pretty(&results, &self.dir.join("eval_results.json"))?;
        let extra = [
            ("tokenizer.json", run.tokenizer_json.as_bytes()),
            ("eval_results.json", results.as_bytes()),
        ];
        save_dir_with(model, config, &self.dir, &extra)?;
        Ok(())
    }

    /// Writes `metrics.json`, records the model in the index, drops the resumable checkpoints
    /// (the run is complete), prints a summary and returns the metrics.
    pub fn finish(&self, run: &Run, state: &TrainerState) -> Result<Value> {
        let best = state
            .best
            .clone()
            .ok_or_else(|| TrainError::Data("the run ended without an evaluation".into()))?;
        let losses: Vec<f64> = state
            .log_history
            .iter()
            .filter_map(|e| e["loss"].as_f64())
            .collect();
        let secs = state.train_seconds.max(1e-9);
        let metrics = json!({
            "task": run.task.name(),
            "model": run.model_name,
            "device": run.device_name,
            "output_dir": self.dir.display().to_string(),
            "primary_metric": self.primary,
            "best": best,
            "evals": state.evals,
            "train_steps": state.global_step,
            "train_examples_seen": state.examples_seen,
            "train_runtime_s": state.train_seconds,
            "train_samples_per_second": state.examples_seen as f64 / secs,
            "train_steps_per_second": state.global_step as f64 / secs,
            "train_loss": losses.iter().sum::<f64>() / losses.len().max(1) as f64,
            "args": state.fingerprint,
        });
        self.write(
            "metrics.json",
            &pretty(&metrics, &self.dir.join("metrics.json"))?,
        )?;
        if !run.args.no_index {
            let index = registry::default_index_path();
            let entry = Entry {
                name: self
                    .dir
                    .file_name()
                    .map_or_else(|| run.task.name().into(), |n| n.to_string_lossy().into()),
                task: run.task.name().into(),
                kind: kind(run.task).into(),
                path: registry::entry_path(&index, &self.dir),
                metric: Metric {
                    name: self.primary.into(),
                    value: best.metrics.get(self.primary).copied().unwrap_or(f64::NAN),
                },
                base_model: run.model_name.clone(),
                created: registry::utc_now(),
            };
            registry::record(&index, entry)?;
        }
        resume::remove_checkpoints(&self.dir)?;
        print_summary(&self.dir, &best, state, secs);
        Ok(metrics)
    }
}

/// Creates the output folder and writes a probe file in it, so that a read-only or full disk
/// is reported before training rather than at the first save, hours later.
pub(crate) fn prepare_output_dir(dir: &Path) -> Result<()> {
    let refused = |e: std::io::Error| {
        TrainError::Usage(format!(
            "cannot write in the output folder {} ({e}); free some space or choose another --output-dir",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(refused)?;
    let probe = dir.join(format!(".write-check.{}", std::process::id()));
    let written = std::fs::write(&probe, [0u8; 4096]);
    let _ = std::fs::remove_file(&probe);
    written.map_err(refused)
}

/// Pretty JSON of `value`, for the file `path`.
pub(crate) fn pretty(value: &impl serde::Serialize, path: &Path) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| TrainError::checkpoint(path, e))
}

fn kind(task: TrainTask) -> &'static str {
    match task {
        TrainTask::Glue(t) if t.spec().regression => "regression",
        TrainTask::Glue(_) => "classification",
        TrainTask::Squad { .. } => "question-answering",
    }
}

/// `epoch 1 step 120: accuracy 0.8521, loss 0.35`.
/// `train_log.jsonl`: the logged steps, then one line per evaluation (`eval_<metric>` keys).
pub fn log_text(state: &TrainerState) -> String {
    let mut log = String::new();
    for entry in &state.log_history {
        log.push_str(&format!("{entry}\n"));
    }
    for e in &state.evals {
        log.push_str(&format!("{}\n", eval_json(e)));
    }
    log
}

/// An evaluation as HF writes it: `step`, `epoch` and `eval_<metric>` keys (a log line, and
/// `eval_results.json`).
pub fn eval_json(r: &EvalRecord) -> Value {
    let mut v = json!({ "step": r.step, "epoch": r.epoch });
    for (k, m) in &r.metrics {
        v[format!("eval_{k}")] = json!(m);
    }
    v
}

/// (x, y) points of a curve.
pub type Points = Vec<(f64, f64)>;

/// The curves' points: (step, training loss) and (step, `metric` of each evaluation).
pub fn curve_points(state: &TrainerState, metric: &str) -> (Points, Points) {
    let loss = state
        .log_history
        .iter()
        .filter_map(|e| Some((e["step"].as_f64()?, e["loss"].as_f64()?)))
        .collect();
    let points = state
        .evals
        .iter()
        .filter_map(|e| Some((e.step as f64, *e.metrics.get(metric)?)))
        .collect();
    (loss, points)
}

/// The bar of a run of `total` optimizer steps, `done` of them already (a resumed run).
pub fn progress_bar(total: usize, done: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64).with_position(done as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:28}] {pos}/{len} steps {msg} [{elapsed_precise}<{eta_precise}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

pub fn eval_line(r: &EvalRecord) -> String {
    let parts: Vec<String> = r
        .metrics
        .iter()
        .map(|(k, v)| format!("{k} {v:.4}"))
        .collect();
    format!(
        "eval epoch {:.2} step {}: {}",
        r.epoch,
        r.step,
        parts.join(", ")
    )
}

fn print_summary(dir: &Path, best: &EvalRecord, state: &TrainerState, secs: f64) {
    eprintln!("best {}", eval_line(best));
    eprintln!(
        "trained {} steps, {} examples in {:.1} s ({:.1} examples/s)",
        state.global_step,
        state.examples_seen,
        secs,
        state.examples_seen as f64 / secs
    );
    if let Ok(text) = std::fs::read_to_string(dir.join("eval_results.json"))
        && let Ok(v) = serde_json::from_str::<Value>(&text)
    {
        if let Some(c) = v["details"].get("matrix").and_then(Value::as_array) {
            let labels: Vec<&str> = v["details"]["labels"]
                .as_array()
                .map(|l| l.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            eprintln!("confusion (rows gold, columns predicted):");
            eprintln!(
                "{:>16} {}",
                "",
                labels
                    .iter()
                    .map(|l| format!("{l:>14}"))
                    .collect::<String>()
            );
            for (label, row) in labels.iter().zip(c) {
                let cells: String = row
                    .as_array()
                    .map(|r| r.iter().map(|x| format!("{:>14}", x.to_string())).collect())
                    .unwrap_or_default();
                eprintln!("{label:>16} {cells}");
            }
        }
        if let Some(rows) = v["details"].get("answers").and_then(Value::as_array) {
            for r in rows {
                eprintln!(
                    "  Q: {}\n     predicted {} | gold {}",
                    r["question"].as_str().unwrap_or(""),
                    r["predicted"],
                    r["gold"]
                );
            }
        }
    }
    eprintln!("model saved in {}", dir.display());
}
