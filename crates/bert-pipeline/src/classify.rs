//! Text classification of sentences and sentence pairs (HF's text-classification pipeline,
//! `run_glue.py`'s encoding: longest-first truncation, `[CLS] A [SEP] B [SEP]`).

use std::collections::BTreeMap;

use bert_model::BertInput;
use burn::tensor::Tensor;

use crate::pipeline::LoadedModel;
use crate::{Classification, Pipeline, PipelineError, PipelineTask};

/// Inputs per forward pass: bounds the memory of a long list; results do not depend on it
/// beyond float rounding of the padded shapes.
pub const CLASSIFY_BATCH: usize = 32;

impl Pipeline {
    /// Classifies sentences or pairs, in order. A QA model or an empty sentence is an error.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn classify(
        &self,
        inputs: &[(String, Option<String>)],
    ) -> Result<Vec<Classification>, PipelineError> {
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(CLASSIFY_BATCH) {
            let logits = crate::readback::read(self.classify_forward(chunk)?)?;
            out.extend(self.classifications(&logits, chunk.len())?);
        }
        Ok(out)
    }

    /// [`Pipeline::classify`] for the browser: the read-back of each batch is awaited.
    pub async fn classify_async(
        &self,
        inputs: &[(String, Option<String>)],
    ) -> Result<Vec<Classification>, PipelineError> {
        let mut out = Vec::with_capacity(inputs.len());
        for chunk in inputs.chunks(CLASSIFY_BATCH) {
            let logits = crate::readback::read_async(self.classify_forward(chunk)?).await?;
            out.extend(self.classifications(&logits, chunk.len())?);
        }
        Ok(out)
    }

    /// Tokenizes one batch and runs the model: `[batch, labels]` logits, not yet read.
    fn classify_forward(
        &self,
        chunk: &[(String, Option<String>)],
    ) -> Result<Tensor<2>, PipelineError> {
        let LoadedModel::Classifier(model) = &self.model else {
            return Err(PipelineError::WrongTask(
                "this is a question-answering model; it answers questions about a passage and \
                 cannot classify text"
                    .into(),
            ));
        };
        if chunk.is_empty() {
            return Err(PipelineError::Input("nothing to classify".into()));
        }
        for (i, (a, b)) in chunk.iter().enumerate() {
            if a.trim().is_empty() || b.as_deref().is_some_and(|b| b.trim().is_empty()) {
                return Err(PipelineError::Input(format!(
                    "input {} is empty: type a sentence{}",
                    i + 1,
                    if b.is_some() { " and its pair" } else { "" }
                )));
            }
        }
        let pairs: Vec<(&str, Option<&str>)> = chunk
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_deref()))
            .collect();
        let encoded = self.tokenizer.encode_batch(&pairs, self.max_len())?;
        let ids: Vec<&[u32]> = encoded.iter().map(|e| &e.ids[..]).collect();
        let types: Vec<&[u32]> = encoded.iter().map(|e| &e.type_ids[..]).collect();
        let input = BertInput::from_rows(&ids, &types, None, &self.config, &self.device)?;
        Ok(model.forward(input))
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
