//! Loading a checkpoint folder from disk (native): what `predict --model DIR` reads.

use std::path::Path;

use bert_model::{
    BertForPreTraining, BertForQuestionAnswering, BertForSequenceClassification, Checkpoint,
};
use bert_tasks::BertTokenizer;
use burn::tensor::Device;

use crate::pipeline::{LoadedModel, fine_tuned, masked_lm, parse_config};
use crate::{Pipeline, PipelineError, PipelineTask};

impl Pipeline {
    /// Loads `config.json`, `model.safetensors` (or `pytorch_model.bin`) and `tokenizer.json`
    /// (or `vocab.txt`, lowercased as `tokenizer_config.json`'s `do_lower_case` says) from a
    /// folder. Errors name the missing or bad file.
    pub fn from_dir(dir: &Path, device: &Device) -> Result<Self, PipelineError> {
        if !dir.is_dir() {
            return Err(PipelineError::Model(format!(
                "{}: no such folder",
                dir.display()
            )));
        }
        // The tokenizer and the scores belong to the same set as the weights.
        bert_model::checkpoint::finish_save(dir)?;
        let config_path = dir.join("config.json");
        let config_json = std::fs::read(&config_path).map_err(|e| missing(&config_path, e))?;
        let config = parse_config(&config_json)
            .map_err(|e| PipelineError::Model(format!("{}: {e}", config_path.display())))?;
        let task = PipelineTask::of(&config)?;
        let tokenizer =
            BertTokenizer::from_dir(dir).map_err(|e| PipelineError::Model(e.to_string()))?;
        let model = match task {
            PipelineTask::QuestionAnswering => LoadedModel::QuestionAnswering(fine_tuned(
                Checkpoint::<BertForQuestionAnswering>::from_dir(dir, device)?,
            )?),
            PipelineTask::FillMask => {
                LoadedModel::MaskedLm(masked_lm(Checkpoint::<BertForPreTraining>::from_dir(
                    dir, device,
                )?)?)
            }
            _ => LoadedModel::Classifier(fine_tuned(
                Checkpoint::<BertForSequenceClassification>::from_dir(dir, device)?,
            )?),
        };
        Self::assemble(config, model, tokenizer, device)
    }
}

fn missing(path: &Path, e: std::io::Error) -> PipelineError {
    if e.kind() == std::io::ErrorKind::NotFound {
        PipelineError::Model(format!("{}: missing", path.display()))
    } else {
        PipelineError::Model(format!("{}: {e}", path.display()))
    }
}
