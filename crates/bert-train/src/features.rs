//! Examples to token ids and training targets, once before training (as `datasets.map` does in
//! the HF scripts).

use bert_tasks::{
    BertTokenizer, GlueExample, GlueLabel, GlueTask, QaConfig, QaFeature, SquadExample,
    prepare_qa_features,
};

use crate::error::{Result, TrainError};

/// What the loss compares the model's output with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Class index.
    Class(u32),
    /// Regression value (STS-B).
    Score(f32),
    /// Answer start and end token (both `[CLS]` when the window holds no answer).
    Span(usize, usize),
}

/// One model input row, unpadded.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    pub target: Target,
}

impl Feature {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// GLUE examples, truncated to `max_len` tokens (longest first, as `tokenizer(a, b,
/// truncation=True)`), with their labels. Unlabelled rows are an error naming their line.
pub fn glue_features(
    tokenizer: &BertTokenizer,
    task: GlueTask,
    examples: &[GlueExample],
    max_len: usize,
    source: &str,
) -> Result<Vec<Feature>> {
    let inputs: Vec<(&str, Option<&str>)> = examples
        .iter()
        .map(|e| (e.text_a.as_str(), e.text_b.as_deref()))
        .collect();
    let encoded = tokenizer.encode_batch(&inputs, max_len)?;
    let regression = task.spec().regression;
    examples
        .iter()
        .zip(encoded)
        .map(|(ex, enc)| {
            let target = match (ex.label, regression) {
                (Some(GlueLabel::Class(c)), false) => Target::Class(c),
                (Some(GlueLabel::Score(s)), true) => Target::Score(s),
                _ => {
                    return Err(TrainError::Data(format!(
                        "{source}, line {}: no usable {} label",
                        ex.line,
                        task.name()
                    )));
                }
            };
            Ok(Feature {
                ids: enc.ids,
                type_ids: enc.type_ids,
                target,
            })
        })
        .collect()
}

/// SQuAD windows with their labels (`prepare_train_features`), and the features themselves,
/// whose offsets the evaluation decodes with.
pub fn squad_features(
    tokenizer: &BertTokenizer,
    examples: &[SquadExample],
    config: &QaConfig,
) -> Result<(Vec<Feature>, Vec<QaFeature>)> {
    let qa = prepare_qa_features(tokenizer, examples, config)?;
    let features = qa
        .iter()
        .map(|f| Feature {
            ids: f.window.input_ids.clone(),
            type_ids: f.window.token_type_ids.clone(),
            target: Target::Span(f.start_position, f.end_position),
        })
        .collect();
    Ok((features, qa))
}
