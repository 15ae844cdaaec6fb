//! The metrics `evaluate.load("glue", task)` reports, driven by the task table.

use crate::error::{Result, TaskError};
use crate::metrics::{accuracy, f1_binary, matthews_corrcoef, pearson, spearman};
use crate::task::{GlueMetric, GlueTask};

/// Model outputs and gold labels for one evaluation split.
#[derive(Debug, Clone, Copy)]
pub enum GluePredictions<'a> {
    /// Predicted and gold class ids (classification tasks).
    Classes {
        /// Predicted ids (argmax of the logits).
        preds: &'a [u32],
        /// Gold ids.
        labels: &'a [u32],
    },
    /// Predicted and gold scores (STS-B).
    Scores {
        /// Predicted scores.
        preds: &'a [f32],
        /// Gold scores.
        labels: &'a [f32],
    },
}

/// The task's metrics, named as `evaluate` names them, plus `combined_score` (their mean) when
/// there are several, as `run_glue.py` adds. Values are fractions (accuracy 0.91, not 91).
/// For MNLI call it once per split (matched, mismatched).
pub fn glue_scores(task: GlueTask, predictions: GluePredictions<'_>) -> Result<Vec<(String, f64)>> {
    let spec = task.spec();
    let mut out = Vec::new();
    for &metric in spec.metrics {
        let value = match (metric, predictions) {
            (GlueMetric::Accuracy, GluePredictions::Classes { preds, labels }) => {
                accuracy(preds, labels)?
            }
            (GlueMetric::F1, GluePredictions::Classes { preds, labels }) => {
                f1_binary(preds, labels)?
            }
            (GlueMetric::Matthews, GluePredictions::Classes { preds, labels }) => {
                matthews_corrcoef(preds, labels)?
            }
            (GlueMetric::Pearson, GluePredictions::Scores { preds, labels }) => {
                pearson(&widen(preds), &widen(labels))?
            }
            (GlueMetric::Spearman, GluePredictions::Scores { preds, labels }) => {
                spearman(&widen(preds), &widen(labels))?
            }
            _ => {
                return Err(TaskError::InvalidArgument(format!(
                    "{} needs {} predictions",
                    spec.name,
                    if spec.regression { "score" } else { "class" }
                )));
            }
        };
        out.push((metric.key().to_string(), value));
    }
    if out.len() > 1 {
        let mean = out.iter().map(|(_, v)| v).sum::<f64>() / out.len() as f64;
        out.push(("combined_score".into(), mean));
    }
    Ok(out)
}

fn widen(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| f64::from(v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_evaluate() {
        let c = GluePredictions::Classes {
            preds: &[1, 0, 1, 1],
            labels: &[1, 0, 0, 1],
        };
        let m = glue_scores(GlueTask::Mrpc, c).unwrap();
        let keys: Vec<_> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["accuracy", "f1", "combined_score"]);
        assert_eq!(m[0].1, 0.75);
        assert_eq!(
            glue_scores(GlueTask::Cola, c).unwrap()[0].0,
            "matthews_correlation"
        );
        assert!(glue_scores(GlueTask::Stsb, c).is_err());
    }
}
