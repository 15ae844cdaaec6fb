//! Resumable checkpoints: `checkpoint-<step>/` holds the model and AdamW state (burnpack files,
//! which keep parameter ids, so the optimizer state finds its parameters again) and
//! `trainer_state.json`. A checkpoint is written into a temporary folder and renamed into place,
//! so a run killed at any moment leaves the previous checkpoint whole.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::module::Module;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::checkpoint_sums;
use crate::error::{Result, TrainError};
use crate::optim::Optimizer;

/// One evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRecord {
    pub epoch: f64,
    pub step: usize,
    pub metrics: BTreeMap<String, f64>,
}

/// Everything besides tensors that a resumed run needs to continue as if never stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerState {
    /// The settings the run was started with; a resume with other settings is refused.
    pub fingerprint: Value,
    /// Epoch in progress (0-based).
    pub epoch: usize,
    /// Forward passes of that epoch already done.
    pub batches_done: usize,
    /// Optimizer steps done.
    pub global_step: usize,
    /// Forward passes done in all (the dropout seed of each pass derives from it).
    pub micro_step: u64,
    pub examples_seen: u64,
    /// Non-padding tokens of those examples (pretraining's throughput).
    #[serde(default)]
    pub tokens_seen: u64,
    /// Sum and count of the losses since the last log line (a checkpoint can fall between).
    #[serde(default)]
    pub pending_loss_sum: f64,
    #[serde(default)]
    pub pending_count: usize,
    /// Seconds spent training (evaluation excluded), over every session of the run.
    pub train_seconds: f64,
    pub total_steps: usize,
    /// Logged training points, as HF's `log_history`.
    pub log_history: Vec<Value>,
    pub evals: Vec<EvalRecord>,
    pub best: Option<EvalRecord>,
}

impl TrainerState {
    /// The state of a run that has not started.
    pub fn new(fingerprint: Value, total_steps: usize) -> Self {
        Self {
            fingerprint,
            epoch: 0,
            batches_done: 0,
            global_step: 0,
            micro_step: 0,
            examples_seen: 0,
            tokens_seen: 0,
            pending_loss_sum: 0.0,
            pending_count: 0,
            train_seconds: 0.0,
            total_steps,
            log_history: Vec::new(),
            evals: Vec::new(),
            best: None,
        }
    }
}

impl TrainerState {
    /// The mean of the losses since the last log line (`device_sum`: those not yet read back),
    /// and a fresh start for the next one.
    pub fn take_mean_loss(&mut self, device_sum: f64) -> f64 {
        let mean = (self.pending_loss_sum + device_sum) / self.pending_count.max(1) as f64;
        (self.pending_loss_sum, self.pending_count) = (0.0, 0);
        mean
    }
}

const STATE: &str = "trainer_state.json";
const MODEL: &str = "model.bpk";

/// Writes `out/checkpoint-<step>/`, then removes all but it and the one before: that one is
/// kept so that `--resume` has a fallback if the newest is damaged later.
pub fn save<M: Module>(
    out: &Path,
    model: &M,
    optim: &Optimizer,
    state: &TrainerState,
) -> Result<PathBuf> {
    let name = format!("checkpoint-{}", state.global_step);
    let dest = out.join(&name);
    let tmp = out.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(TrainError::io(&tmp))?;
    }
    let written = write_checkpoint(&tmp, model, optim, state);
    if written.is_err() {
        // A full disk or an unwritable folder: the checkpoints already there stay as they are.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    written?;
    if dest.exists() {
        std::fs::remove_dir_all(&dest).map_err(TrainError::io(&dest))?;
    }
    std::fs::rename(&tmp, &dest).map_err(TrainError::io(&dest))?;
    sync_dir(out);
    let found = checkpoints(out)?;
    let keep_from = found.len().saturating_sub(2);
    for (step, old) in &found[..keep_from] {
        if *step != state.global_step {
            std::fs::remove_dir_all(old).map_err(TrainError::io(old))?;
        }
    }
    Ok(dest)
}

fn write_checkpoint<M: Module>(
    tmp: &Path,
    model: &M,
    optim: &Optimizer,
    state: &TrainerState,
) -> Result<()> {
    std::fs::create_dir_all(tmp).map_err(TrainError::io(tmp))?;
    model
        .clone()
        .save_file(tmp.join(MODEL))
        .map_err(|e| TrainError::checkpoint(&tmp.join(MODEL), e))?;
    optim.save(tmp)?;
    checkpoint_sums::write(tmp, STATE)?;
    let json = state_json(state, tmp)?;
    // The state is written last: a folder without it is not a checkpoint (see `checkpoints`).
    bert_model::save::write_atomic(&tmp.join(STATE), json.as_bytes())
        .map_err(TrainError::io(&tmp.join(STATE)))?;
    sync_dir(tmp);
    Ok(())
}

/// A checkpoint restored: the model, its state, the optimizer built for it and loaded, and
/// where it came from.
pub struct Restored<M> {
    pub model: M,
    pub state: TrainerState,
    pub optim: Optimizer,
    pub dir: PathBuf,
}

/// Restores the newest of `found` (oldest first) that reads whole, saying which it skipped and
/// why. A checkpoint made with other settings is an error, not a reason to go back further.
pub fn restore_latest<M: Module>(
    found: &[PathBuf],
    fingerprint: &Value,
    fresh: M,
    new_optim: impl Fn(&M) -> Optimizer,
) -> Result<Restored<M>> {
    let mut newest_error = None;
    for dir in found.iter().rev() {
        let attempt = checkpoint_sums::verify(dir)
            .and_then(|()| restore(dir, fingerprint, fresh.clone()))
            .and_then(|(model, state)| {
                let optim = load_optimizer(dir, new_optim(&model))?;
                Ok(Restored {
                    model,
                    state,
                    optim,
                    dir: dir.clone(),
                })
            });
        match attempt {
            Ok(restored) => return Ok(restored),
            Err(e @ TrainError::Usage(_)) => return Err(e),
            Err(e) => {
                eprintln!(
                    "warning: --resume: {} is damaged ({e}); trying the one before",
                    dir.display()
                );
                newest_error.get_or_insert(e);
            }
        }
    }
    Err(newest_error
        .unwrap_or_else(|| TrainError::Usage("--resume: no checkpoint to resume".into())))
}

/// Removes every checkpoint of `out` (a finished run needs none).
pub fn remove_checkpoints(out: &Path) -> Result<()> {
    for (_, dir) in checkpoints(out)? {
        std::fs::remove_dir_all(&dir).map_err(TrainError::io(&dir))?;
    }
    Ok(())
}

/// Complete checkpoints in `out`, oldest first. Temporary folders of an interrupted save are
/// not listed (and are cleared by the next save under the same process id, or by hand).
pub fn checkpoints(out: &Path) -> Result<Vec<(usize, PathBuf)>> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(found);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(step) = name
            .strip_prefix("checkpoint-")
            .and_then(|s| s.parse::<usize>().ok())
            && entry.path().join(STATE).is_file()
        {
            found.push((step, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

/// The model and state of a checkpoint, refusing one made with other settings (the
/// optimizer comes after: build it from the returned model, then [`load_optimizer`]).
pub fn restore<M: Module>(dir: &Path, fingerprint: &Value, model: M) -> Result<(M, TrainerState)> {
    let saved = read_state(dir)?;
    if &saved.fingerprint != fingerprint {
        return Err(TrainError::Usage(format!(
            "--resume: {} was made with other settings ({}); now: {}",
            dir.display(),
            saved.fingerprint,
            fingerprint
        )));
    }
    Ok((load_model(dir, model)?, saved))
}

/// `trainer_state.json`'s text. Its floats must read back bit for bit (the workspace enables
/// serde_json's `float_roundtrip`), or a resumed run's evaluations differ in their last digit.
fn state_json(state: &TrainerState, dir: &Path) -> Result<String> {
    serde_json::to_string_pretty(state).map_err(|e| TrainError::checkpoint(dir, e))
}

/// Reads the state of a checkpoint (before the model is built, to check the settings).
pub fn read_state(dir: &Path) -> Result<TrainerState> {
    let path = dir.join(STATE);
    let text = std::fs::read_to_string(&path).map_err(TrainError::io(&path))?;
    serde_json::from_str(&text).map_err(|e| TrainError::checkpoint(&path, e))
}

/// Loads the model tensors of a checkpoint, with their parameter ids, into a freshly built model.
/// Build the optimizer from the loaded model (its groups are sets of ids), then
/// [`load_optimizer`].
pub fn load_model<M: Module>(dir: &Path, model: M) -> Result<M> {
    model
        .try_load_file(dir.join(MODEL))
        .map_err(|e| TrainError::checkpoint(&dir.join(MODEL), e))
}

/// Loads the AdamW moments and step counts of a checkpoint.
pub fn load_optimizer(dir: &Path, optim: Optimizer) -> Result<Optimizer> {
    optim.load(dir)
}

/// Makes a rename durable on filesystems that need the folder synced; best effort.
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reads_back_bit_for_bit() {
        // Without serde_json's float_roundtrip both values come back one ULP off: the first is
        // CI's best_f1_thresh of ca42d28, the second the first of 78,591 in a million random
        // f64 in [0, 10) that changed. Resumed pretraining then reported other evaluations.
        let (a, b): (f64, f64) = (-1.3334153890609741, 0.43748275671858683);
        let mut state = TrainerState::new(serde_json::json!({"seed": 1}), 10);
        state.pending_loss_sum = b;
        state.train_seconds = a.abs();
        let record = EvalRecord {
            epoch: b,
            step: 3,
            metrics: BTreeMap::from([("mlm_loss".to_string(), a), ("nsp_loss".to_string(), b)]),
        };
        state.evals.push(record.clone());
        state.best = Some(record);
        let dir = std::env::temp_dir().join(format!("bert-resume-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(STATE), state_json(&state, &dir).unwrap()).unwrap();
        let back = read_state(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let bits = |s: &TrainerState| {
            let e = &s.evals[0];
            [
                s.pending_loss_sum,
                s.train_seconds,
                e.epoch,
                e.metrics["mlm_loss"],
                e.metrics["nsp_loss"],
            ]
            .map(f64::to_bits)
        };
        assert_eq!(bits(&back), bits(&state));
        assert_eq!(back, state);
    }
}
