//! What evaluating means for each task: GLUE dev sets (MNLI's two) or SQuAD through the real
//! answer decoding.

use std::collections::BTreeMap;
use std::path::Path;

use bert_model::BertConfig;
use bert_tasks::{DecodeConfig, GlueTask, QaFeature, SquadExample};
use burn::tensor::Device;
use serde_json::{Value, json};

use crate::error::Result;
use crate::evaluate::{glue_metrics, outputs, squad_metrics};
use crate::features::{Feature, Target};
use crate::task_model::TaskModel;

pub enum EvalPlan {
    Glue {
        task: GlueTask,
        /// (metric suffix, features) per dev set.
        sets: Vec<(&'static str, Vec<Feature>)>,
    },
    Squad {
        examples: Vec<SquadExample>,
        qa: Vec<QaFeature>,
        features: Vec<Feature>,
        decode: DecodeConfig,
        /// v2: store the dev search's `best_f1_thresh` instead of `decode`'s threshold.
        tune_threshold: bool,
    },
}

impl EvalPlan {
    /// The config saved with a checkpoint evaluated to `metrics`: for SQuAD v2, the
    /// `null_score_diff_threshold` that `predict` and the page apply.
    pub fn checkpoint_config(
        &self,
        config: &BertConfig,
        metrics: &BTreeMap<String, f64>,
    ) -> BertConfig {
        let mut config = config.clone();
        if let EvalPlan::Squad {
            decode,
            tune_threshold,
            ..
        } = self
            && decode.version_2_with_negative
        {
            let fixed = f64::from(decode.null_score_diff_threshold);
            let t = match metrics.get("best_f1_thresh") {
                Some(&t) if *tune_threshold && t.is_finite() => t,
                _ => fixed,
            };
            config
                .extra
                .insert("null_score_diff_threshold".into(), json!(t));
        }
        config
    }

    /// The metrics, and what is better seen than read: the confusion matrix of the (first) dev
    /// set, or a few answers next to their gold ones.
    pub fn evaluate<M: TaskModel>(
        &self,
        model: &M,
        config: &BertConfig,
        batch_size: usize,
        device: &Device,
        out_dir: &Path,
    ) -> Result<(BTreeMap<String, f64>, Option<Value>)> {
        match self {
            EvalPlan::Glue { task, sets } => {
                let mut all = BTreeMap::new();
                let mut extra = None;
                for (suffix, features) in sets {
                    let out = outputs(model, features, batch_size, config, device)?;
                    all.extend(glue_metrics(*task, features, &out, suffix)?);
                    if extra.is_none() && !task.spec().regression {
                        extra = Some(confusion(&config.labels(), features, &out));
                    }
                }
                Ok((all, extra))
            }
            EvalPlan::Squad {
                examples,
                qa,
                features,
                decode,
                ..
            } => {
                let out = outputs(model, features, batch_size, config, device)?;
                let metrics = squad_metrics(examples, qa, &out, decode, Some(out_dir))?;
                let samples = sample_answers(examples, out_dir);
                Ok((metrics, samples))
            }
        }
    }
}

/// `{"labels": [...], "matrix": [[gold i predicted j]]}`.
fn confusion(labels: &[String], features: &[Feature], out: &[Vec<f32>]) -> Value {
    let n = labels.len();
    let mut m = vec![vec![0usize; n]; n];
    for (f, row) in features.iter().zip(out) {
        let pred = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i);
        if let Target::Class(g) = f.target
            && (g as usize) < n
            && pred < n
        {
            m[g as usize][pred] += 1;
        }
    }
    json!({ "labels": labels, "matrix": m })
}

/// The first questions with their predicted and gold answers (from eval_predictions.json).
fn sample_answers(examples: &[SquadExample], out_dir: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(out_dir.join("eval_predictions.json")).ok()?;
    let preds: serde_json::Map<String, Value> = serde_json::from_str(&text).ok()?;
    let rows: Vec<Value> = examples
        .iter()
        .take(5)
        .map(|e| {
            json!({
                "question": e.question,
                "predicted": preds.get(&e.id).cloned().unwrap_or(Value::Null),
                "gold": e.answers.first().map(|a| a.text.clone()),
            })
        })
        .collect();
    Some(json!({ "answers": rows }))
}
