//! The two fine-tuning heads as the trainer sees them: their loss over [`Feature`] rows (an
//! [`Objective`]), and host outputs for evaluation. The losses are those of HF's heads:
//! cross-entropy over classes, MSE for one regression output, and for spans the mean of the
//! start and end cross-entropies, where a position past the padded batch is ignored (HF clamps
//! it to `ignore_index`).

use bert_model::{BertCheckpointModel, BertForQuestionAnswering, BertForSequenceClassification};
use bert_model::{BertConfig, BertInput};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{Result, TrainError};
use crate::features::{Feature, Target};
use crate::objective::{Objective, cross_entropy_sum};

pub trait TaskModel:
    Objective<Row = Feature, Totals = Counts> + BertCheckpointModel + Module + Sized
{
    /// One row per example on the host: the logits, or for QA the start logits followed by the
    /// end logits (`2 * seq` values).
    fn outputs(&self, input: BertInput) -> Result<Vec<Vec<f32>>>;

    /// Whether the config's head fits the model (QA config → QA model, and so on).
    fn check_config(config: &BertConfig) -> Result<()>;
}

/// What the means of a fine-tuning batch divide by, and the length it is padded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub rows: usize,
    /// The longest row: the batch's padded length.
    pub longest: usize,
    /// Rows whose answer start (end) lies inside the padded batch.
    pub starts: usize,
    pub ends: usize,
}

impl Counts {
    pub fn of(rows: &[&Feature]) -> Self {
        let longest = rows.iter().map(|f| f.len()).max().unwrap_or(0);
        let inside = |pick: fn(usize, usize) -> usize| {
            rows.iter()
                .filter(|f| matches!(f.target, Target::Span(s, e) if pick(s, e) < longest))
                .count()
        };
        Self {
            rows: rows.len(),
            longest,
            starts: inside(|s, _| s),
            ends: inside(|_, e| e),
        }
    }
}

/// The input of some rows, padded to their longest or to `pad_to`.
fn input(
    rows: &[&Feature],
    pad_to: Option<usize>,
    config: &BertConfig,
    device: &Device,
) -> Result<BertInput> {
    let ids: Vec<&[u32]> = rows.iter().map(|f| f.ids.as_slice()).collect();
    let types: Vec<&[u32]> = rows.iter().map(|f| f.type_ids.as_slice()).collect();
    Ok(BertInput::from_rows(&ids, &types, pad_to, config, device)?)
}

impl Objective for BertForSequenceClassification {
    type Row = Feature;
    type Totals = Counts;

    fn totals(rows: &[&Feature]) -> Counts {
        Counts::of(rows)
    }

    fn shard_loss(
        &self,
        rows: &[&Feature],
        totals: &Counts,
        config: &BertConfig,
        device: &Device,
    ) -> Result<Tensor<1>> {
        // Padding is masked out of attention and pooling: each shard pads to its own longest.
        let logits = self.forward(input(rows, None, config, device)?); // [rows, labels]
        let [batch, labels] = logits.dims();
        if labels == 1 {
            let scores = rows
                .iter()
                .map(|f| match f.target {
                    Target::Score(s) => Ok(s),
                    other => Err(mismatch("a score", &other)),
                })
                .collect::<Result<Vec<f32>>>()?;
            let gold = Tensor::<1>::from_data(TensorData::new(scores, [batch]), device);
            let squares = (logits.reshape([batch]) - gold).square().sum();
            return Ok(squares / totals.rows.max(1) as f64);
        }
        let classes = rows
            .iter()
            .map(|f| match f.target {
                Target::Class(c) if (c as usize) < labels => Ok(Some(i64::from(c))),
                other => Err(mismatch(&format!("a class below {labels}"), &other)),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(cross_entropy_sum(logits, &classes, totals.rows, device))
    }
}

impl TaskModel for BertForSequenceClassification {
    fn outputs(&self, input: BertInput) -> Result<Vec<Vec<f32>>> {
        let logits = self.forward(input);
        let [batch, labels] = logits.dims();
        let flat = host(logits)?;
        Ok((0..batch)
            .map(|r| flat[r * labels..(r + 1) * labels].to_vec())
            .collect())
    }

    fn check_config(config: &BertConfig) -> Result<()> {
        match bert_model::HeadKind::from_config(config) {
            Some(bert_model::HeadKind::QuestionAnswering) => Err(TrainError::Usage(
                "this checkpoint is a question-answering model; use --task squad".into(),
            )),
            _ => Ok(()),
        }
    }
}

impl Objective for BertForQuestionAnswering {
    type Row = Feature;
    type Totals = Counts;

    fn totals(rows: &[&Feature]) -> Counts {
        Counts::of(rows)
    }

    /// As HF: the softmax runs over every position, padding included (`run_qa.py` does not
    /// mask it), so every shard pads to the whole batch's length; a position past it is
    /// ignored (`clamp(0, seq)` with `ignore_index=seq`).
    fn shard_loss(
        &self,
        rows: &[&Feature],
        totals: &Counts,
        config: &BertConfig,
        device: &Device,
    ) -> Result<Tensor<1>> {
        let seq = totals.longest;
        let (start, end) = self.forward(input(rows, Some(seq), config, device)?); // [rows, seq]
        let mut starts = Vec::with_capacity(rows.len());
        let mut ends = Vec::with_capacity(rows.len());
        for f in rows {
            let Target::Span(s, e) = f.target else {
                return Err(mismatch("a span", &f.target));
            };
            let inside = |p: usize| (p < seq).then_some(p as i64);
            starts.push(inside(s));
            ends.push(inside(e));
        }
        let start = cross_entropy_sum(start, &starts, totals.starts, device);
        let end = cross_entropy_sum(end, &ends, totals.ends, device);
        Ok((start + end) / 2.0)
    }
}

impl TaskModel for BertForQuestionAnswering {
    fn outputs(&self, input: BertInput) -> Result<Vec<Vec<f32>>> {
        let (start, end) = self.forward(input);
        let [batch, seq] = start.dims();
        let (s, e) = (host(start)?, host(end)?);
        Ok((0..batch)
            .map(|r| {
                let mut row = s[r * seq..(r + 1) * seq].to_vec();
                row.extend_from_slice(&e[r * seq..(r + 1) * seq]);
                row
            })
            .collect())
    }

    fn check_config(config: &BertConfig) -> Result<()> {
        match bert_model::HeadKind::from_config(config) {
            Some(bert_model::HeadKind::SequenceClassification) => Err(TrainError::Usage(
                "this checkpoint is a sequence-classification model; a SQuAD task needs a base \
                 or question-answering checkpoint"
                    .into(),
            )),
            _ => Ok(()),
        }
    }
}

fn host<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    t.into_data()
        .try_to_vec::<f32>()
        .map_err(|e| TrainError::Data(format!("reading model outputs: {e:?}")))
}

fn mismatch(expected: &str, got: &Target) -> TrainError {
    TrainError::Data(format!(
        "the model expects {expected} as target, got {got:?}"
    ))
}
