//! The SQuAD v2.0 metric, as the official `evaluate-v2.0.py` (with `--na-prob-file`).

use serde::{Deserialize, Serialize};

use crate::error::{Result, TaskError};
use crate::metrics::squad::{normalize_answer, token_f1};

/// The official v2 report, with the script's key names. Percentages.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SquadV2Scores {
    /// Exact match over all questions, after the `na_prob_thresh` rule.
    pub exact: f64,
    /// F1 over all questions, after the `na_prob_thresh` rule.
    pub f1: f64,
    /// Number of questions.
    pub total: usize,
    /// Exact match on answerable questions (`None` when there are none).
    #[serde(rename = "HasAns_exact")]
    pub has_ans_exact: Option<f64>,
    /// F1 on answerable questions.
    #[serde(rename = "HasAns_f1")]
    pub has_ans_f1: Option<f64>,
    /// Number of answerable questions.
    #[serde(rename = "HasAns_total")]
    pub has_ans_total: usize,
    /// Exact match on unanswerable questions (`None` when there are none).
    #[serde(rename = "NoAns_exact")]
    pub no_ans_exact: Option<f64>,
    /// F1 on unanswerable questions.
    #[serde(rename = "NoAns_f1")]
    pub no_ans_f1: Option<f64>,
    /// Number of unanswerable questions.
    #[serde(rename = "NoAns_total")]
    pub no_ans_total: usize,
    /// Best exact match over all no-answer thresholds on `na_probs`.
    pub best_exact: f64,
    /// The threshold reaching `best_exact`.
    pub best_exact_thresh: f64,
    /// Best F1 over all thresholds.
    pub best_f1: f64,
    /// The threshold reaching `best_f1`.
    pub best_f1_thresh: f64,
}

/// v2 scores. `golds[i]` are the gold answers of question i (empty: unanswerable), `preds[i]`
/// the predicted text ("" = no answer), `na_probs[i]` any score that grows with the belief that
/// there is no answer (a probability, or `null_odds.json` values). A question whose `na_prob`
/// exceeds `na_prob_thresh` (the script's default is 1.0) counts as answered "no answer".
pub fn squad_v2(
    golds: &[Vec<String>],
    preds: &[String],
    na_probs: &[f64],
    na_prob_thresh: f64,
) -> Result<SquadV2Scores> {
    let n = golds.len();
    if preds.len() != n || na_probs.len() != n || n == 0 {
        return Err(TaskError::InvalidArgument(format!(
            "{} questions, {} predictions, {} na_probs",
            n,
            preds.len(),
            na_probs.len()
        )));
    }
    let has_ans: Vec<bool> = golds.iter().map(|g| !g.is_empty()).collect();
    let mut exact_raw = Vec::with_capacity(n);
    let mut f1_raw = Vec::with_capacity(n);
    for (gold, pred) in golds.iter().zip(preds) {
        let mut g: Vec<String> = gold
            .iter()
            .map(|a| normalize_answer(a))
            .filter(|a| !a.is_empty())
            .collect();
        if g.is_empty() {
            g.push(String::new());
        }
        let p = normalize_answer(pred);
        exact_raw.push(
            g.iter()
                .map(|a| f64::from(u8::from(*a == p)))
                .fold(0.0, f64::max),
        );
        f1_raw.push(g.iter().map(|a| token_f1(a, &p, true)).fold(0.0, f64::max));
    }
    let threshold = |raw: &[f64]| -> Vec<f64> {
        raw.iter()
            .enumerate()
            .map(|(i, &s)| {
                if na_probs[i] > na_prob_thresh {
                    f64::from(u8::from(!has_ans[i]))
                } else {
                    s
                }
            })
            .collect()
    };
    let (exact_t, f1_t) = (threshold(&exact_raw), threshold(&f1_raw));
    let mean = |v: &[f64], keep: Option<bool>| -> (Option<f64>, usize) {
        let sel: Vec<f64> = (0..n)
            .filter(|&i| keep.is_none_or(|k| has_ans[i] == k))
            .map(|i| v[i])
            .collect();
        let m = (!sel.is_empty()).then(|| 100.0 * sel.iter().sum::<f64>() / sel.len() as f64);
        (m, sel.len())
    };
    let (has_ans_exact, has_ans_total) = mean(&exact_t, Some(true));
    let (no_ans_exact, no_ans_total) = mean(&exact_t, Some(false));
    let (best_exact, best_exact_thresh) = best_thresh(preds, &exact_raw, na_probs, &has_ans);
    let (best_f1, best_f1_thresh) = best_thresh(preds, &f1_raw, na_probs, &has_ans);
    Ok(SquadV2Scores {
        exact: mean(&exact_t, None).0.unwrap_or(0.0),
        f1: mean(&f1_t, None).0.unwrap_or(0.0),
        total: n,
        has_ans_exact,
        has_ans_f1: mean(&f1_t, Some(true)).0,
        has_ans_total,
        no_ans_exact,
        no_ans_f1: mean(&f1_t, Some(false)).0,
        no_ans_total,
        best_exact,
        best_exact_thresh,
        best_f1,
        best_f1_thresh,
    })
}

/// `find_best_thresh`: sweep questions by increasing `na_prob`, answering "no answer" for all
/// above the threshold; ties keep question order (Python's sort is stable).
fn best_thresh(preds: &[String], raw: &[f64], na_probs: &[f64], has_ans: &[bool]) -> (f64, f64) {
    let mut cur = has_ans.iter().filter(|h| !**h).count() as f64;
    let (mut best, mut best_t) = (cur, 0.0);
    let mut order: Vec<usize> = (0..raw.len()).collect();
    order.sort_by(|&a, &b| na_probs[a].total_cmp(&na_probs[b]));
    for i in order {
        cur += if has_ans[i] {
            raw[i]
        } else if preds[i].is_empty() {
            0.0
        } else {
            -1.0
        };
        if cur > best {
            best = cur;
            best_t = na_probs[i];
        }
    }
    (100.0 * best / raw.len() as f64, best_t)
}

/// Inputs of [`squad_v1`](crate::metrics::squad_v1) and [`squad_v2`] for a dataset, aligned
/// with its questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SquadMetricInputs {
    /// Gold answer texts per question (empty: unanswerable).
    pub golds: Vec<Vec<String>>,
    /// Predicted text per question.
    pub predictions: Vec<String>,
    /// The predictions' `null_probability` (0 when absent, which is what `run_qa.py` passes).
    pub na_probs: Vec<f64>,
}

/// The v2 inputs that make the threshold a tuning knob, as Google's BERT `run_squad.py` scores
/// v2: each question's best non-null span as its prediction and `null_odds.json` (null score
/// minus that span's score) as its `na_prob`. Then [`squad_v2`] at `na_prob_thresh = t` scores
/// exactly the answers that decoding with `null_score_diff_threshold = t` gives, and its
/// `best_f1_thresh` is a `null_score_diff_threshold` in the same units. (The decoded texts
/// cannot serve: a question already answered "" there has lost its span.)
pub fn squad_v2_span_inputs(
    examples: &[crate::squad::SquadExample],
    predictions: &crate::qa_decode::QaPredictions,
) -> Result<SquadMetricInputs> {
    metric_inputs(examples, predictions, |ex, p| {
        let diff = p.null_score_diff.ok_or_else(|| {
            TaskError::InvalidArgument(format!("{}: not decoded as SQuAD v2", ex.id))
        })?;
        let span = p
            .best_non_null()
            .map_or_else(String::new, |e| e.text.clone());
        Ok((span, f64::from(diff)))
    })
}

/// Matches predictions to questions by id; a question without a prediction is an error.
pub fn squad_metric_inputs(
    examples: &[crate::squad::SquadExample],
    predictions: &crate::qa_decode::QaPredictions,
) -> Result<SquadMetricInputs> {
    metric_inputs(examples, predictions, |_, p| {
        Ok((p.text.clone(), p.null_probability.map_or(0.0, f64::from)))
    })
}

/// The golds of `examples` beside (prediction, na_prob) = `pick(example, its prediction)`.
fn metric_inputs(
    examples: &[crate::squad::SquadExample],
    predictions: &crate::qa_decode::QaPredictions,
    pick: impl Fn(
        &crate::squad::SquadExample,
        &crate::qa_decode::ExamplePrediction,
    ) -> Result<(String, f64)>,
) -> Result<SquadMetricInputs> {
    let by_id: std::collections::HashMap<&str, usize> = predictions
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut out = SquadMetricInputs {
        golds: Vec::with_capacity(examples.len()),
        predictions: Vec::with_capacity(examples.len()),
        na_probs: Vec::with_capacity(examples.len()),
    };
    for ex in examples {
        let &i = by_id
            .get(ex.id.as_str())
            .ok_or_else(|| TaskError::MissingPrediction(ex.id.clone()))?;
        let (prediction, na_prob) = pick(ex, &predictions.predictions[i])?;
        out.golds
            .push(ex.answers.iter().map(|a| a.text.clone()).collect());
        out.predictions.push(prediction);
        out.na_probs.push(na_prob);
    }
    Ok(out)
}
