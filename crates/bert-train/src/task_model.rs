//! The two heads as the trainer sees them: a loss for training, host outputs for evaluation.
//! Losses are those of HF's heads: cross-entropy over classes, MSE for one regression output,
//! and the mean of the start and end cross-entropies for spans.

use bert_model::{BertCheckpointModel, BertForQuestionAnswering, BertForSequenceClassification};
use bert_model::{BertConfig, BertInput};
use burn::module::Module;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::error::{Result, TrainError};
use crate::features::Target;

pub trait TaskModel: BertCheckpointModel + Module + Sized {
    /// Mean loss over the batch.
    ///
    /// # Shapes
    /// - output: `[1]`
    fn loss(&self, input: BertInput, targets: &[Target], device: &Device) -> Result<Tensor<1>>;

    /// One row per example on the host: the logits, or for QA the start logits followed by the
    /// end logits (`2 * seq` values).
    fn outputs(&self, input: BertInput) -> Result<Vec<Vec<f32>>>;

    /// Whether the config's head fits the model (QA config → QA model, and so on).
    fn check_config(config: &BertConfig) -> Result<()>;
}

impl TaskModel for BertForSequenceClassification {
    fn loss(&self, input: BertInput, targets: &[Target], device: &Device) -> Result<Tensor<1>> {
        let logits = self.forward(input); // [batch, labels]
        let [batch, labels] = logits.dims();
        if labels == 1 {
            let scores = targets
                .iter()
                .map(|t| match t {
                    Target::Score(s) => Ok(*s),
                    other => Err(mismatch("a score", other)),
                })
                .collect::<Result<Vec<f32>>>()?;
            let gold = Tensor::<1>::from_data(TensorData::new(scores, [batch]), device);
            return Ok((logits.reshape([batch]) - gold).square().mean());
        }
        let classes = targets
            .iter()
            .map(|t| match t {
                Target::Class(c) if (*c as usize) < labels => Ok(i64::from(*c)),
                other => Err(mismatch(&format!("a class below {labels}"), other)),
            })
            .collect::<Result<Vec<i64>>>()?;
        Ok(cross_entropy(logits, classes, device))
    }

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

impl TaskModel for BertForQuestionAnswering {
    fn loss(&self, input: BertInput, targets: &[Target], device: &Device) -> Result<Tensor<1>> {
        let (start, end) = self.forward(input); // [batch, seq] each
        let seq = start.dims()[1];
        let mut starts = Vec::with_capacity(targets.len());
        let mut ends = Vec::with_capacity(targets.len());
        for t in targets {
            match t {
                Target::Span(s, e) if *s < seq && *e < seq => {
                    starts.push(*s as i64);
                    ends.push(*e as i64);
                }
                other => return Err(mismatch(&format!("a span inside {seq} tokens"), other)),
            }
        }
        let loss = cross_entropy(start, starts, device) + cross_entropy(end, ends, device);
        Ok(loss / 2.0)
    }

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

/// Mean of `-log softmax(logits)[target]` over rows.
///
/// # Shapes
/// - logits: `[batch, classes]`; output: `[1]`
pub(crate) fn cross_entropy(logits: Tensor<2>, targets: Vec<i64>, device: &Device) -> Tensor<1> {
    let batch = targets.len();
    let targets = Tensor::<2, Int>::from_data(TensorData::new(targets, [batch, 1]), device);
    log_softmax(logits, 1).gather(1, targets).neg().mean()
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
