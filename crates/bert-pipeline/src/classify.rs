//! Text classification of sentences and sentence pairs (HF's text-classification pipeline,
//! `run_glue.py`'s encoding: longest-first truncation, `[CLS] A [SEP] B [SEP]`).

use std::collections::BTreeMap;

use bert_model::{BertForSequenceClassification, BertInput};
use bert_tasks::Encoded;
use burn::tensor::{Device, Tensor};

use crate::batching::{CPU_PASS_COST, GPU_PASS_COST, length_groups};
use crate::pipeline::LoadedModel;
use crate::{Classification, Pipeline, PipelineError, PipelineTask};

/// Most inputs per forward pass: bounds the memory of a long list. Within it, inputs of
/// similar length go together ([`crate::batching`]); results do not depend on the grouping
/// beyond float rounding of the padded shapes.
pub const CLASSIFY_BATCH: usize = 32;

/// Checked inputs: the classifier, their encodings, and the forward passes that group them.
struct Plan<'a> {
    model: &'a BertForSequenceClassification,
    encoded: Vec<Encoded>,
    groups: Vec<Vec<usize>>,
}

impl Pipeline {
    /// Classifies sentences or pairs, in order. A QA model or an empty sentence is an error.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn classify(
        &self,
        inputs: &[(String, Option<String>)],
    ) -> Result<Vec<Classification>, PipelineError> {
        let Plan {
            model,
            encoded,
            groups,
        } = self.classify_plan(inputs)?;
        let mut out = vec![None; inputs.len()];
        for group in groups {
            let logits = crate::readback::read(self.classify_forward(model, &encoded, &group)?)?;
            self.place(&mut out, &group, &logits)?;
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// [`Pipeline::classify`] for the browser: the read-back of each batch is awaited.
    pub async fn classify_async(
        &self,
        inputs: &[(String, Option<String>)],
    ) -> Result<Vec<Classification>, PipelineError> {
        let Plan {
            model,
            encoded,
            groups,
        } = self.classify_plan(inputs)?;
        let mut out = vec![None; inputs.len()];
        for group in groups {
            let logits =
                crate::readback::read_async(self.classify_forward(model, &encoded, &group)?)
                    .await?;
            self.place(&mut out, &group, &logits)?;
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// Checks the model and the inputs, tokenizes them, and groups them into forward passes.
    fn classify_plan(
        &self,
        inputs: &[(String, Option<String>)],
    ) -> Result<Plan<'_>, PipelineError> {
        let model = match &self.model {
            LoadedModel::Classifier(model) => model,
            LoadedModel::QuestionAnswering(_) => {
                return Err(PipelineError::WrongTask(
                    "this is a question-answering model; it answers questions about a passage \
                     and cannot classify text"
                        .into(),
                ));
            }
            LoadedModel::MaskedLm(_) => {
                return Err(PipelineError::WrongTask(
                    "this is a pretraining (fill-mask) model with no classification head: \
                     fine-tune it first (`train --model <this folder>`), or fill a [MASK] \
                     (`predict --fill-mask`)"
                        .into(),
                ));
            }
        };
        if inputs.is_empty() {
            return Err(PipelineError::Input("nothing to classify".into()));
        }
        for (i, (a, b)) in inputs.iter().enumerate() {
            if a.trim().is_empty() || b.as_deref().is_some_and(|b| b.trim().is_empty()) {
                return Err(PipelineError::Input(format!(
                    "input {} is empty: type a sentence{}",
                    i + 1,
                    if b.is_some() { " and its pair" } else { "" }
                )));
            }
        }
        let pairs: Vec<(&str, Option<&str>)> = inputs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_deref()))
            .collect();
        let encoded = self.tokenizer.encode_batch(&pairs, self.max_len())?;
        let lengths: Vec<usize> = encoded.iter().map(|e| e.ids.len()).collect();
        let pass_cost = if self.device == Device::flex() {
            CPU_PASS_COST
        } else {
            GPU_PASS_COST
        };
        let groups = length_groups(&lengths, CLASSIFY_BATCH, pass_cost);
        Ok(Plan {
            model,
            encoded,
            groups,
        })
    }

    /// Runs the model on one group: `[group, labels]` logits, not yet read.
    fn classify_forward(
        &self,
        model: &BertForSequenceClassification,
        encoded: &[Encoded],
        group: &[usize],
    ) -> Result<Tensor<2>, PipelineError> {
        let ids: Vec<&[u32]> = group.iter().map(|&i| &encoded[i].ids[..]).collect();
        let types: Vec<&[u32]> = group.iter().map(|&i| &encoded[i].type_ids[..]).collect();
        let input = BertInput::from_rows(&ids, &types, None, &self.config, &self.device)?;
        Ok(model.forward(input))
    }

    /// Puts a group's results at their inputs' places.
    fn place(
        &self,
        out: &mut [Option<Classification>],
        group: &[usize],
        logits: &[f32],
    ) -> Result<(), PipelineError> {
        for (&i, c) in group.iter().zip(self.classifications(logits, group.len())?) {
            out[i] = Some(c);
        }
        Ok(())
    }

    /// Turns flat `[batch, labels]` logits into results.
    fn classifications(
        &self,
        logits: &[f32],
        batch: usize,
    ) -> Result<Vec<Classification>, PipelineError> {
        let labels = self.labels();
        let n = labels.len();
        if logits.len() != batch * n {
            return Err(PipelineError::Device(format!(
                "the model returned {} values for {batch} inputs of {n} labels",
                logits.len()
            )));
        }
        let multi_label = self.config.problem_type.as_deref() == Some("multi_label_classification");
        Ok(logits
            .chunks(n)
            .map(|row| match self.task {
                PipelineTask::Regression => Classification::Regression { value: row[0] },
                _ => {
                    let probs = if multi_label {
                        row.iter().map(|&x| sigmoid(x)).collect()
                    } else {
                        softmax(row)
                    };
                    labelled(&labels, &probs, row)
                }
            })
            .collect())
    }
}

fn labelled(labels: &[String], probs: &[f32], logits: &[f32]) -> Classification {
    // First maximum, as `argmax`.
    let best = probs
        .iter()
        .enumerate()
        .fold(0, |best, (i, &p)| if p > probs[best] { i } else { best });
    Classification::Labels {
        label: labels[best].clone(),
        scores: labels
            .iter()
            .cloned()
            .zip(probs.iter().copied())
            .collect::<BTreeMap<_, _>>(),
        logits: logits.to_vec(),
    }
}

/// Softmax in f32 after subtracting the maximum, as torch does.
pub(crate) fn softmax(row: &[f32]) -> Vec<f32> {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = row.iter().map(|&x| (x - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|&e| e / sum).collect()
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_stable_and_normalised() {
        let p = softmax(&[1000.0, 1000.0, 0.0]);
        assert!((p[0] - 0.5).abs() < 1e-6 && (p[1] - 0.5).abs() < 1e-6 && p[2] < 1e-6);
        let c = labelled(&["a".into(), "b".into()], &[0.5, 0.5], &[1.0, 1.0]);
        let Classification::Labels { label, .. } = c else {
            panic!("labels")
        };
        assert_eq!(label, "a", "ties go to the first label, as argmax");
    }
}
