//! Evaluation with the task's metrics, on the plain (non-autodiff) device with dropout off.

use std::collections::BTreeMap;
use std::path::Path;

use bert_model::{BertConfig, BertInput};
use bert_tasks::metrics::{GluePredictions, argmax_rows, glue_scores, squad_metric_inputs};
use bert_tasks::metrics::{squad_v1, squad_v2, squad_v2_span_inputs};
use bert_tasks::{DecodeConfig, GlueTask, QaFeature, SquadExample, postprocess_qa_predictions};
use burn::tensor::Device;

use crate::error::{Result, TrainError};
use crate::features::{Feature, Target};
use crate::sampler::sorted_batches;
use crate::task_model::TaskModel;

/// Model outputs for every feature, in feature order (batches sorted by length for speed).
pub fn outputs<M: TaskModel>(
    model: &M,
    features: &[Feature],
    batch_size: usize,
    config: &BertConfig,
    device: &Device,
) -> Result<Vec<Vec<f32>>> {
    let lengths: Vec<usize> = features.iter().map(Feature::len).collect();
    let mut out = vec![Vec::new(); features.len()];
    for batch in sorted_batches(&lengths, batch_size) {
        let ids: Vec<&[u32]> = batch.iter().map(|&i| features[i].ids.as_slice()).collect();
        let types: Vec<&[u32]> = batch
            .iter()
            .map(|&i| features[i].type_ids.as_slice())
            .collect();
        let input = BertInput::from_rows(&ids, &types, None, config, device)?;
        for (&i, row) in batch.iter().zip(model.outputs(input)?) {
            out[i] = row;
        }
    }
    Ok(out)
}

/// run_glue's metrics for one dev set, keys suffixed as run_glue does for MNLI mismatched
/// (`accuracy_mm`), plus the evaluation loss.
pub fn glue_metrics(
    task: GlueTask,
    features: &[Feature],
    outputs: &[Vec<f32>],
    suffix: &str,
) -> Result<BTreeMap<String, f64>> {
    let mut metrics = BTreeMap::new();
    let scores = if task.spec().regression {
        let preds: Vec<f32> = outputs.iter().map(|o| o[0]).collect();
        let gold: Vec<f32> = features.iter().map(|f| target_score(f.target)).collect();
        let mse = preds
            .iter()
            .zip(&gold)
            .map(|(p, g)| f64::from(p - g).powi(2))
            .sum::<f64>()
            / preds.len() as f64;
        metrics.insert(format!("loss{suffix}"), mse);
        glue_scores(
            task,
            GluePredictions::Scores {
                preds: &preds,
                labels: &gold,
            },
        )?
    } else {
        let labels = outputs.first().map_or(1, Vec::len);
        let flat: Vec<f32> = outputs.iter().flatten().copied().collect();
        let preds = argmax_rows(&flat, labels)?;
        let gold: Vec<u32> = features.iter().map(|f| target_class(f.target)).collect();
        let ce = outputs
            .iter()
            .zip(&gold)
            .map(|(row, &g)| log_sum_exp(row) - f64::from(row[g as usize]))
            .sum::<f64>()
            / outputs.len() as f64;
        metrics.insert(format!("loss{suffix}"), ce);
        glue_scores(
            task,
            GluePredictions::Classes {
                preds: &preds,
                labels: &gold,
            },
        )?
    };
    for (k, v) in scores {
        metrics.insert(format!("{k}{suffix}"), v);
    }
    Ok(metrics)
}

/// SQuAD EM/F1 (v1.1, percent as the official script) or the v2 metrics, through utils_qa's
/// decoding; the prediction files go to `write_to` when given.
pub fn squad_metrics(
    examples: &[SquadExample],
    features: &[QaFeature],
    outputs: &[Vec<f32>],
    decode: &DecodeConfig,
    write_to: Option<&Path>,
) -> Result<BTreeMap<String, f64>> {
    let (starts, ends): (Vec<Vec<f32>>, Vec<Vec<f32>>) = outputs
        .iter()
        .map(|row| {
            let (s, e) = row.split_at(row.len() / 2);
            (s.to_vec(), e.to_vec())
        })
        .unzip();
    let predictions = postprocess_qa_predictions(examples, features, &starts, &ends, decode)?;
    if let Some(dir) = write_to {
        let files = predictions.files(Some("eval"))?;
        let files: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_bytes()))
            .collect();
        bert_model::save::write_set(dir, &files).map_err(TrainError::io(dir))?;
    }
    let mut metrics = BTreeMap::new();
    if decode.version_2_with_negative {
        // Scored on spans and null odds, so that `exact`/`f1` are the answers of this
        // threshold and the sweep finds the threshold to store (see `squad_v2_span_inputs`).
        let inputs = squad_v2_span_inputs(examples, &predictions)?;
        let threshold = f64::from(decode.null_score_diff_threshold);
        let s = squad_v2(
            &inputs.golds,
            &inputs.predictions,
            &inputs.na_probs,
            threshold,
        )?;
        metrics.insert("exact".into(), s.exact);
        metrics.insert("f1".into(), s.f1);
        metrics.insert("best_exact".into(), s.best_exact);
        metrics.insert("best_exact_thresh".into(), s.best_exact_thresh);
        metrics.insert("best_f1".into(), s.best_f1);
        metrics.insert("best_f1_thresh".into(), s.best_f1_thresh);
        for (k, v) in [
            ("HasAns_exact", s.has_ans_exact),
            ("HasAns_f1", s.has_ans_f1),
            ("NoAns_exact", s.no_ans_exact),
            ("NoAns_f1", s.no_ans_f1),
        ] {
            if let Some(v) = v {
                metrics.insert(k.into(), v);
            }
        }
    } else {
        let inputs = squad_metric_inputs(examples, &predictions)?;
        let s = squad_v1(&inputs.golds, &inputs.predictions)?;
        metrics.insert("exact_match".into(), s.exact_match);
        metrics.insert("f1".into(), s.f1);
    }
    Ok(metrics)
}

fn target_score(t: Target) -> f32 {
    match t {
        Target::Score(s) => s,
        _ => f32::NAN,
    }
}

fn target_class(t: Target) -> u32 {
    match t {
        Target::Class(c) => c,
        _ => 0,
    }
}

fn log_sum_exp(row: &[f32]) -> f64 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    max + row
        .iter()
        .map(|&x| (x as f64 - max).exp())
        .sum::<f64>()
        .ln()
}
