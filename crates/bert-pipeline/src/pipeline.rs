//! A loaded checkpoint ready for inference: model, tokenizer, config and device.

use bert_model::{
    BertCheckpointModel, BertConfig, BertForPreTraining, BertForQuestionAnswering,
    BertForSequenceClassification, Checkpoint, Kernels,
};
use bert_tasks::{BertTokenizer, DecodeConfig, QaConfig};
use burn::tensor::Device;

use crate::{PipelineError, PipelineTask};

/// The model of a pipeline, with the head its config names.
#[derive(Debug)]
pub enum LoadedModel {
    Classifier(BertForSequenceClassification),
    QuestionAnswering(BertForQuestionAnswering),
    /// MLM + NSP heads: fill-mask. Boxed: its heads make it the largest variant.
    MaskedLm(Box<BertForPreTraining>),
}

impl LoadedModel {
    fn with_kernels(self, kernels: Kernels) -> Self {
        match self {
            Self::Classifier(m) => Self::Classifier(m.with_kernels(kernels)),
            Self::QuestionAnswering(m) => Self::QuestionAnswering(m.with_kernels(kernels)),
            Self::MaskedLm(m) => Self::MaskedLm(Box::new((*m).with_kernels(kernels))),
        }
    }
}

/// A checkpoint loaded for one task; see the crate documentation.
#[derive(Debug)]
pub struct Pipeline {
    pub(crate) model: LoadedModel,
    pub(crate) tokenizer: BertTokenizer,
    pub(crate) config: BertConfig,
    pub(crate) task: PipelineTask,
    pub(crate) device: Device,
    pub(crate) qa: QaConfig,
    pub(crate) decode: DecodeConfig,
}

impl Pipeline {
    /// Loads the Hugging Face triplet from its bytes (the browser's way).
    pub fn from_bytes(
        config_json: &[u8],
        weights: &[u8],
        tokenizer_json: &[u8],
        device: &Device,
    ) -> Result<Self, PipelineError> {
        Self::from_owned(config_json, weights.to_vec(), tokenizer_json, device)
    }

    /// [`Pipeline::from_bytes`] taking the weights by value, which saves a copy of them.
    pub fn from_owned(
        config_json: &[u8],
        weights: Vec<u8>,
        tokenizer_json: &[u8],
        device: &Device,
    ) -> Result<Self, PipelineError> {
        let config = parse_config(config_json)?;
        let task = PipelineTask::of(&config)?;
        let tokenizer = BertTokenizer::from_json_bytes(tokenizer_json)
            .map_err(|e| PipelineError::Model(format!("tokenizer.json: {e}")))?;
        let model =
            match task {
                PipelineTask::QuestionAnswering => LoadedModel::QuestionAnswering(fine_tuned(
                    Checkpoint::from_bytes(config_json, weights, device)?,
                )?),
                PipelineTask::FillMask => LoadedModel::MaskedLm(masked_lm(
                    Checkpoint::from_bytes(config_json, weights, device)?,
                )?),
                _ => LoadedModel::Classifier(fine_tuned(Checkpoint::from_bytes(
                    config_json,
                    weights,
                    device,
                )?)?),
            };
        Self::assemble(config, model, tokenizer, device)
    }

    /// Checks that the parts fit, derives the task settings and picks the inference kernels
    /// for the device (the host loops on the CPU).
    pub(crate) fn assemble(
        config: BertConfig,
        model: LoadedModel,
        tokenizer: BertTokenizer,
        device: &Device,
    ) -> Result<Self, PipelineError> {
        let task = PipelineTask::of(&config)?;
        // Ids past the embedding table would be rejected on every input: say it once, here.
        if tokenizer.vocab_size() > config.vocab_size {
            return Err(PipelineError::Model(format!(
                "tokenizer.json has {} tokens but config.json's vocab_size is {}: the tokenizer \
                 belongs to another model",
                tokenizer.vocab_size(),
                config.vocab_size
            )));
        }
        Ok(Self {
            qa: qa_config(&config),
            decode: decode_config(&config),
            model: model.with_kernels(Kernels::for_inference(device)),
            tokenizer,
            config,
            task,
            device: device.clone(),
        })
    }

    pub fn task(&self) -> PipelineTask {
        self.task
    }

    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    pub fn tokenizer(&self) -> &BertTokenizer {
        &self.tokenizer
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Label names in class order (one `LABEL_0` for a regression head).
    pub fn labels(&self) -> Vec<String> {
        self.config.labels()
    }

    /// The QA window settings (`run_qa.py`'s, scaled down for models with fewer positions).
    pub fn qa_config(&self) -> QaConfig {
        self.qa
    }

    /// The QA decoding settings (`run_qa.py`'s; v2 from the config, see [`decode_config`]).
    pub fn decode_config(&self) -> DecodeConfig {
        self.decode
    }

    /// True when the QA model may answer "no answer" (SQuAD v2).
    pub fn allows_null_answer(&self) -> bool {
        self.decode.version_2_with_negative
    }

    /// Longest classification input in tokens (longer ones are truncated, longest first).
    pub fn max_len(&self) -> usize {
        self.config.max_position_embeddings.min(512)
    }
}

pub(crate) fn parse_config(config_json: &[u8]) -> Result<BertConfig, PipelineError> {
    let text = std::str::from_utf8(config_json)
        .map_err(|e| PipelineError::Model(format!("config.json is not UTF-8 text: {e}")))?;
    Ok(BertConfig::from_json(text, "config.json")?)
}

/// Refuses a checkpoint whose task head was initialised afresh: its outputs would be noise.
pub(crate) fn fine_tuned<M: BertCheckpointModel>(ckpt: Checkpoint<M>) -> Result<M, PipelineError> {
    if !ckpt.report.initialised.is_empty() {
        return Err(PipelineError::Model(format!(
            "the weights lack the task head ({}): this checkpoint was not fine-tuned",
            ckpt.report.initialised.join(", ")
        )));
    }
    Ok(ckpt.model)
}

/// A pretraining checkpoint needs its MLM head; HF's `BertForMaskedLM` files lack only the
/// next-sentence head, which fill-mask does not use.
pub(crate) fn masked_lm(
    ckpt: Checkpoint<BertForPreTraining>,
) -> Result<Box<BertForPreTraining>, PipelineError> {
    let lacking: Vec<&String> = ckpt
        .report
        .initialised
        .iter()
        .filter(|k| k.starts_with("cls.predictions."))
        .collect();
    if !lacking.is_empty() {
        return Err(PipelineError::Model(format!(
            "the weights lack the masked-LM head ({lacking:?}): not a pretraining checkpoint"
        )));
    }
    Ok(Box::new(ckpt.model))
}

/// `run_qa.py`'s windows (384 tokens, stride 128, questions cut to 64), scaled by the same
/// ratios for models with fewer than 384 positions (the tiny test checkpoints).
fn qa_config(config: &BertConfig) -> QaConfig {
    let default = QaConfig::default();
    let max_seq_length = config.max_position_embeddings.min(default.max_seq_length);
    if max_seq_length == default.max_seq_length {
        return default;
    }
    QaConfig {
        max_seq_length,
        doc_stride: (max_seq_length / 4).max(1),
        max_query_length: Some((max_seq_length / 4).max(1)),
    }
}

/// `run_qa.py`'s decoding; SQuAD v2 (the null answer) when the config says so, through
/// `finetuning_task: "squad_v2"` or `version_2_with_negative: true`, with an optional
/// `null_score_diff_threshold` (default 0, as `run_qa.py`).
fn decode_config(config: &BertConfig) -> DecodeConfig {
    let extra = &config.extra;
    let v2 = extra
        .get("version_2_with_negative")
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
        || extra.get("finetuning_task").and_then(|v| v.as_str()) == Some("squad_v2");
    let threshold = extra
        .get("null_score_diff_threshold")
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    DecodeConfig {
        version_2_with_negative: v2,
        null_score_diff_threshold: threshold as f32,
        ..DecodeConfig::default()
    }
}
