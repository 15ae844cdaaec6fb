//! What `pretrain` writes: the HF `BertForPreTraining` folder (a valid `train --model`), with
//! tokenizer.json and vocab.txt; train_log.jsonl, curves.svg (loss and MLM accuracy),
//! eval_results.json and metrics.json; and the held-out evaluation itself.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bert_model::save::{save_dir_with, write_atomic};
use bert_model::{BertConfig, BertForPreTraining};
use bert_tasks::{BertTokenizer, MlmOptions, NspInstance, SplitMix64};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde_json::{Value, json};

use crate::curve;
use crate::error::{Result, TrainError};
use crate::pretrain_args::PretrainArgs;
use crate::pretrain_batch::{MlmBatch, mask_rows};
use crate::resume::{EvalRecord, TrainerState};
use crate::sampler::derive_seed;

/// The seed of the held-out masks: fixed, so every evaluation scores the same predictions.
const EVAL_MASK_SEED: u64 = 0xE7A1;

pub struct PretrainOutputs {
    pub dir: PathBuf,
    device_name: String,
    tokenizer_json: String,
    vocab_txt: String,
}

impl PretrainOutputs {
    pub fn new(args: &PretrainArgs, device_name: &str, tokenizer: &BertTokenizer) -> Result<Self> {
        let dir = args.output_dir.clone();
        crate::output::prepare_output_dir(&dir)?;

        Ok(Self {
            dir,
            device_name: device_name.split(" (").next().unwrap_or_default().into(),
            tokenizer_json: tokenizer.to_json()?,
            vocab_txt: tokenizer.vocab_txt()?,
        })
    }

    fn write(&self, name: &str, text: &str) -> Result<()> {
        let path = self.dir.join(name);
        write_atomic(&path, text.as_bytes()).map_err(TrainError::io(&path))
    }

    /// Rewrites `train_log.jsonl` and `curves.svg` from the state.
    pub fn write_log(&self, state: &TrainerState) -> Result<()> {
        self.write("train_log.jsonl", &crate::output::log_text(state))?;
        let (loss, acc) = crate::output::curve_points(state, "mlm_accuracy");
        let title = format!("pretraining (MLM + NSP) · {}", self.device_name);
        self.write(
            "curves.svg",
            &curve::svg(&title, &loss, "mlm_accuracy", &acc),
        )
    }

    /// The model after an evaluation, in HF layout, with its tokenizer and scores.
    pub fn save_model(
        &self,
        model: &BertForPreTraining,
        config: &BertConfig,
        record: &EvalRecord,
    ) -> Result<()> {
        let path = self.dir.join("eval_results.json");
        let results = crate::output::pretty(&crate::output::eval_json(record), &path)?;
        let extra = [
            ("tokenizer.json", self.tokenizer_json.as_bytes()),
            ("vocab.txt", self.vocab_txt.as_bytes()),
            ("eval_results.json", results.as_bytes()),
        ];
        save_dir_with(model, config, &self.dir, &extra)?;
        Ok(())
    }

    /// Writes `metrics.json`, removes the resumable checkpoints, returns the metrics.
    pub fn finish(&self, state: &TrainerState) -> Result<Value> {
        let secs = state.train_seconds.max(1e-9);
        let metrics = json!({
            "task": "pretraining",
            "device": self.device_name,
            "output_dir": self.dir.display().to_string(),
            "final": state.evals.last(),
            "evals": state.evals,
            "train_steps": state.global_step,
            "train_sequences_seen": state.examples_seen,
            "train_tokens_seen": state.tokens_seen,
            "train_runtime_s": state.train_seconds,
            "train_tokens_per_second": state.tokens_seen as f64 / secs,
            "train_sequences_per_second": state.examples_seen as f64 / secs,
            "args": state.fingerprint,
        });
        let path = self.dir.join("metrics.json");
        self.write("metrics.json", &crate::output::pretty(&metrics, &path)?)?;
        crate::resume::remove_checkpoints(&self.dir)?;
        Ok(metrics)
    }
}

/// MLM loss and accuracy over the masked held-out tokens, NSP loss and accuracy over the pairs.
pub fn evaluate(
    model: &BertForPreTraining,
    instances: &[NspInstance],
    mask: &MlmOptions,
    args: &PretrainArgs,
    config: &BertConfig,
    device: &Device,
) -> Result<BTreeMap<String, f64>> {
    let mut rng = SplitMix64::new(derive_seed(EVAL_MASK_SEED, args.seed));
    let (mut mlm_loss, mut mlm_right, mut mlm_n) = (0.0, 0usize, 0usize);
    let (mut nsp_loss, mut nsp_right, mut nsp_n) = (0.0, 0usize, 0usize);
    for chunk in instances.chunks(args.batch_size) {
        let rows: Vec<&NspInstance> = chunk.iter().collect();
        let masked = mask_rows(&rows, mask, &mut rng)?;
        let batch = MlmBatch::new(&masked.iter().collect::<Vec<_>>(), config, device)?;
        let out = model.forward_masked(batch.input, batch.positions);
        let [_, n, vocab] = out.prediction_logits.dims();
        if n > 0 {
            let (loss, right) = scored(
                out.prediction_logits.reshape([n, vocab]),
                &batch.mlm_labels,
                device,
            )?;
            (mlm_loss, mlm_right, mlm_n) = (mlm_loss + loss, mlm_right + right, mlm_n + n);
        }
        let (loss, right) = scored(out.seq_relationship_logits, &batch.nsp_labels, device)?;
        (nsp_loss, nsp_right, nsp_n) = (nsp_loss + loss, nsp_right + right, nsp_n + rows.len());
    }
    let mlm = mlm_loss / mlm_n.max(1) as f64;
    Ok(BTreeMap::from([
        ("mlm_loss".to_string(), mlm),
        ("mlm_perplexity".to_string(), mlm.exp()),
        (
            "mlm_accuracy".to_string(),
            mlm_right as f64 / mlm_n.max(1) as f64,
        ),
        ("nsp_loss".to_string(), nsp_loss / nsp_n.max(1) as f64),
        (
            "nsp_accuracy".to_string(),
            nsp_right as f64 / nsp_n.max(1) as f64,
        ),
    ]))
}

/// Summed cross-entropy and the number of rows whose argmax is the label.
///
/// # Shapes
/// - logits: `[rows, classes]`
fn scored(logits: Tensor<2>, labels: &[i64], device: &Device) -> Result<(f64, usize)> {
    let rows = labels.len();
    let targets = Tensor::<2, Int>::from_data(TensorData::new(labels.to_vec(), [rows, 1]), device);
    let picked = log_softmax(logits.clone(), 1).gather(1, targets).sum();
    let loss = -f64::from(picked.into_scalar::<f32>());
    let best = logits.argmax(1).into_data();
    let best = best
        .convert::<i64>()
        .try_into_vec::<i64>()
        .map_err(|e| TrainError::Data(format!("reading predictions: {e:?}")))?;
    Ok((
        loss,
        best.iter().zip(labels).filter(|(a, b)| a == b).count(),
    ))
}
