//! Loading a checkpoint folder from disk (native): what `predict --model DIR` reads.

use std::path::Path;

use bert_model::{BertForQuestionAnswering, BertForSequenceClassification, Checkpoint};
use bert_tasks::{BertTokenizer, lowercase_from_tokenizer_config};
use burn::tensor::Device;

use crate::pipeline::{LoadedModel, fine_tuned, parse_config};
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
        let config_path = dir.join("config.json");
        let config_json = std::fs::read(&config_path).map_err(|e| missing(&config_path, e))?;
        let config = parse_config(&config_json)
            .map_err(|e| PipelineError::Model(format!("{}: {e}", config_path.display())))?;
        let task = PipelineTask::of(&config)?;
        let tokenizer = read_tokenizer(dir)?;
        let model = match task {
            PipelineTask::QuestionAnswering => LoadedModel::QuestionAnswering(fine_tuned(
                Checkpoint::<BertForQuestionAnswering>::from_dir(dir, device)?,
            )?),
            _ => LoadedModel::Classifier(fine_tuned(
                Checkpoint::<BertForSequenceClassification>::from_dir(dir, device)?,
            )?),
        };
        Self::assemble(config, model, tokenizer, device)
    }
}

fn read_tokenizer(dir: &Path) -> Result<BertTokenizer, PipelineError> {
    let json = dir.join("tokenizer.json");
    let vocab = dir.join("vocab.txt");
    let bad = |e: bert_tasks::TaskError| PipelineError::Model(e.to_string());
    if json.exists() {
        return BertTokenizer::from_json_file(&json).map_err(bad);
    }
    if !vocab.exists() {
        return Err(PipelineError::Model(format!(
            "{}: no tokenizer.json (nor vocab.txt) in this folder",
            dir.display()
        )));
    }
    let config_path = dir.join("tokenizer_config.json");
    let lowercase = match std::fs::read_to_string(&config_path) {
        Ok(text) => lowercase_from_tokenizer_config(&text).map_err(bad)?,
        // transformers lowercases when there is no tokenizer_config.json.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(missing(&config_path, e)),
    };
    BertTokenizer::from_vocab_file(&vocab, lowercase).map_err(bad)
}

fn missing(path: &Path, e: std::io::Error) -> PipelineError {
    if e.kind() == std::io::ErrorKind::NotFound {
        PipelineError::Model(format!("{}: missing", path.display()))
    } else {
        PipelineError::Model(format!("{}: {e}", path.display()))
    }
}
