//! Answer spans from start/end logits, as `postprocess_qa_predictions` in `transformers`'
//! `examples/pytorch/question-answering/utils_qa.py`.

use serde::{Deserialize, Serialize};

use crate::error::{Result, TaskError};
use crate::qa_features::QaFeature;
use crate::squad::SquadExample;

/// Decoding settings; defaults are `run_qa.py`'s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecodeConfig {
    /// Start and end candidates kept per window, and answers kept per example.
    pub n_best_size: usize,
    /// Longest answer in tokens.
    pub max_answer_length: usize,
    /// SQuAD v2: the empty answer competes with the spans.
    pub version_2_with_negative: bool,
    /// v2: answer "" when null score minus best span score is above this.
    pub null_score_diff_threshold: f32,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        DecodeConfig {
            n_best_size: 20,
            max_answer_length: 30,
            version_2_with_negative: false,
            null_score_diff_threshold: 0.0,
        }
    }
}

/// The model output for one window. Pass the logits of every position the model saw, padding
/// included: like `utils_qa.py`, the n-best search runs over all of them and then drops
/// positions that are not context tokens.
#[derive(Debug, Clone, Copy)]
pub struct WindowLogits<'a> {
    /// Context character offsets of the window's tokens (`QaWindow::offsets`).
    pub offsets: &'a [Option<(usize, usize)>],
    /// Start logits, at least one per token.
    pub start_logits: &'a [f32],
    /// End logits, as many as start logits.
    pub end_logits: &'a [f32],
}

/// One candidate answer; serialises to the entries of `nbest_predictions.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NBestEntry {
    /// Start logit of the span (of `[CLS]` for the null answer).
    pub start_logit: f32,
    /// End logit of the span.
    pub end_logit: f32,
    /// Text cut from the original context ("" for the null answer).
    pub text: String,
    /// Softmax of `start_logit + end_logit` over the n-best list.
    pub probability: f32,
    /// Character span in the context; `None` for the null answer and the "empty" filler.
    #[serde(skip)]
    pub char_span: Option<(usize, usize)>,
}

impl NBestEntry {
    /// `start_logit + end_logit`.
    pub fn score(&self) -> f32 {
        self.start_logit + self.end_logit
    }
}

/// The decoded answer of one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExamplePrediction {
    /// The answer, "" when v2 decides there is none.
    pub text: String,
    /// Character span of `text` in the context; `None` for no answer.
    pub char_span: Option<(usize, usize)>,
    /// `start_logit + end_logit` of the chosen answer.
    pub score: f32,
    /// n-best probability of the chosen answer.
    pub probability: f32,
    /// v2: null score minus the best span's score (the `null_odds.json` value).
    pub null_score_diff: Option<f32>,
    /// v2: n-best probability of the null answer, usable as `na_prob` by the v2 metric.
    pub null_probability: Option<f32>,
    /// Candidates, best first (at most `n_best_size`, plus the null answer in v2).
    pub nbest: Vec<NBestEntry>,
}

impl ExamplePrediction {
    /// utils_qa's best non-null prediction: the v2 answer before the threshold is applied.
    pub fn best_non_null(&self) -> Option<&NBestEntry> {
        best_non_null(&self.nbest)
    }
}

/// The best candidate that is not the null answer ("empty" filler included, as in HF).
fn best_non_null(nbest: &[NBestEntry]) -> Option<&NBestEntry> {
    nbest
        .iter()
        .find(|p| !p.text.is_empty())
        .or_else(|| nbest.first())
}

#[derive(Clone, Copy)]
struct Candidate {
    span: Option<(usize, usize)>,
    score: f32,
    start_logit: f32,
    end_logit: f32,
}

/// Decodes one question from all of its windows.
pub fn decode_example(
    context: &str,
    windows: &[WindowLogits<'_>],
    config: &DecodeConfig,
) -> Result<ExamplePrediction> {
    if windows.is_empty() {
        return Err(TaskError::InvalidArgument("no windows to decode".into()));
    }
    let mut min_null: Option<Candidate> = None;
    let mut prelim = Vec::new();
    for (wi, w) in windows.iter().enumerate() {
        let (s, e) = (w.start_logits, w.end_logits);
        if s.len() != e.len() || s.len() < w.offsets.len() || s.is_empty() {
            return Err(TaskError::InvalidArgument(format!(
                "window {wi}: {} start and {} end logits for {} tokens",
                s.len(),
                e.len(),
                w.offsets.len()
            )));
        }
        let null_score = s[0] + e[0];
        if min_null.as_ref().is_none_or(|m| m.score > null_score) {
            min_null = Some(Candidate {
                span: None,
                score: null_score,
                start_logit: s[0],
                end_logit: e[0],
            });
        }
        let ends = top_indices(e, config.n_best_size);
        for si in top_indices(s, config.n_best_size) {
            for &ei in &ends {
                let (Some(Some(so)), Some(Some(eo))) = (w.offsets.get(si), w.offsets.get(ei))
                else {
                    continue;
                };
                if ei < si || ei - si + 1 > config.max_answer_length {
                    continue;
                }
                prelim.push(Candidate {
                    span: Some((so.0, eo.1)),
                    score: s[si] + e[ei],
                    start_logit: s[si],
                    end_logit: e[ei],
                });
            }
        }
    }
    let v2 = config.version_2_with_negative;
    let null_score = min_null.as_ref().map_or(0.0, |m| m.score);
    if v2 && let Some(m) = &min_null {
        prelim.push(*m);
    }
    // Stable and descending, like Python's `sorted(..., reverse=True)`.
    prelim.sort_by(|a, b| b.score.total_cmp(&a.score));
    prelim.truncate(config.n_best_size);
    if v2 && !prelim.iter().any(|c| c.span.is_none()) {
        prelim.extend(min_null.as_ref().copied());
    }
    let chars = CharIndex::new(context);
    let mut nbest = Vec::with_capacity(prelim.len() + 1);
    for c in &prelim {
        let text = match c.span {
            Some(span) => chars.slice(context, span)?.to_string(),
            None => String::new(),
        };
        nbest.push(NBestEntry {
            start_logit: c.start_logit,
            end_logit: c.end_logit,
            text,
            probability: 0.0,
            char_span: c.span,
        });
    }
    if nbest.is_empty() || (nbest.len() == 1 && nbest[0].text.is_empty()) {
        let filler = NBestEntry {
            start_logit: 0.0,
            end_logit: 0.0,
            text: "empty".into(),
            probability: 0.0,
            char_span: None,
        };
        nbest.insert(0, filler);
    }
    softmax_into(&mut nbest);
    let null_probability = v2.then(|| {
        nbest
            .iter()
            .find(|p| p.char_span.is_none() && p.text.is_empty())
            .map_or(0.0, |p| p.probability)
    });
    let (best, null_score_diff) = if v2 {
        let best = best_non_null(&nbest)
            .ok_or_else(|| TaskError::InvalidArgument("no answer candidates".into()))?;
        let diff = null_score - best.start_logit - best.end_logit;
        let chosen = match min_null {
            Some(m) if diff > config.null_score_diff_threshold => NBestEntry {
                start_logit: m.start_logit,
                end_logit: m.end_logit,
                text: String::new(),
                probability: null_probability.unwrap_or(0.0),
                char_span: None,
            },
            _ => best.clone(),
        };
        (chosen, Some(diff))
    } else {
        (nbest[0].clone(), None)
    };
    Ok(ExamplePrediction {
        score: best.score(),
        text: best.text,
        char_span: best.char_span,
        probability: best.probability,
        null_score_diff,
        null_probability,
        nbest,
    })
}

/// Decodes every example from its features' logits (`start_logits[i]` belongs to
/// `features[i]`). Returns predictions in example order, with their ids.
pub fn postprocess_qa_predictions(
    examples: &[SquadExample],
    features: &[QaFeature],
    start_logits: &[Vec<f32>],
    end_logits: &[Vec<f32>],
    config: &DecodeConfig,
) -> Result<QaPredictions> {
    if features.len() != start_logits.len() || features.len() != end_logits.len() {
        return Err(TaskError::InvalidArgument(format!(
            "{} features but {} start and {} end logit rows",
            features.len(),
            start_logits.len(),
            end_logits.len()
        )));
    }
    let mut per_example: Vec<Vec<WindowLogits<'_>>> = vec![Vec::new(); examples.len()];
    for (i, f) in features.iter().enumerate() {
        let slot = examples
            .get(f.example_index)
            .filter(|ex| ex.id == f.example_id)
            .and(per_example.get_mut(f.example_index))
            .ok_or_else(|| {
                TaskError::InvalidArgument(format!(
                    "feature {i} points at example {} ({:?}), which is not in the examples",
                    f.example_index, f.example_id
                ))
            })?;
        slot.push(WindowLogits {
            offsets: &f.window.offsets,
            start_logits: &start_logits[i],
            end_logits: &end_logits[i],
        });
    }
    let mut predictions = Vec::with_capacity(examples.len());
    for (ex, windows) in examples.iter().zip(&per_example) {
        let p = decode_example(&ex.context, windows, config)
            .map_err(|e| TaskError::InvalidArgument(format!("question id {:?}: {e}", ex.id)))?;
        predictions.push(p);
    }
    Ok(QaPredictions {
        ids: examples.iter().map(|e| e.id.clone()).collect(),
        predictions,
        version_2_with_negative: config.version_2_with_negative,
    })
}

/// Predictions for a dataset, in example order (see `qa_output` for the JSON files).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaPredictions {
    /// Question ids.
    pub ids: Vec<String>,
    /// One prediction per id.
    pub predictions: Vec<ExamplePrediction>,
    /// Whether they were decoded for SQuAD v2.
    pub version_2_with_negative: bool,
}

/// Indices of the `n` largest values, largest first (`np.argsort(x)[-1:-n-1:-1]`; equal values
/// come highest index first, as a stable ascending sort read backwards gives).
fn top_indices(x: &[f32], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[b].total_cmp(&x[a]).then(b.cmp(&a)));
    idx.truncate(n);
    idx
}

fn softmax_into(entries: &mut [NBestEntry]) {
    let scores: Vec<f64> = entries.iter().map(|p| f64::from(p.score())).collect();
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    for (p, e) in entries.iter_mut().zip(exp) {
        p.probability = (e / sum) as f32;
    }
}

/// Character index to byte index, so spans in characters can slice a `&str`.
struct CharIndex(Vec<usize>);

impl CharIndex {
    fn new(s: &str) -> Self {
        let mut v: Vec<usize> = s.char_indices().map(|(b, _)| b).collect();
        v.push(s.len());
        CharIndex(v)
    }

    fn slice<'s>(&self, s: &'s str, (start, end): (usize, usize)) -> Result<&'s str> {
        match (self.0.get(start), self.0.get(end)) {
            (Some(&a), Some(&b)) if a <= b => Ok(&s[a..b]),
            _ => Err(TaskError::InvalidArgument(format!(
                "span {start}..{end} does not fit a context of {} characters",
                self.0.len() - 1
            ))),
        }
    }
}
