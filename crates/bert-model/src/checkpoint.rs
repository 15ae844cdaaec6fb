//! Loading Hugging Face checkpoints (`config.json` + `model.safetensors`, or
//! `pytorch_model.bin` natively) into our modules, strictly: every parameter is filled or
//! reported as freshly initialised, every shape checked, every unused key known or an error.

use std::fmt::Display;

use burn::store::{
    ApplyResult, ModuleSnapshot, ModuleStore, PyTorchToBurnAdapter, SafetensorsStore,
};
use burn::tensor::Device;

#[cfg(not(target_arch = "wasm32"))]
use crate::header::safetensors_file_header;
use crate::header::{Header, safetensors_header};
use crate::kernels::Kernels;
use crate::keys::{self, BERT_PREFIX, Prefix, remapper};
use crate::{
    BertConfig, BertError, BertForPreTraining, BertForQuestionAnswering,
    BertForSequenceClassification, BertModel,
};

/// Which HF class a module corresponds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadKind {
    Base,
    SequenceClassification,
    QuestionAnswering,
    /// MLM + NSP heads (`cls.*`), as written by `pretrain`.
    PreTraining,
}

impl HeadKind {
    /// The `architectures` entry HF writes for this class.
    pub fn architecture(self) -> &'static str {
        match self {
            Self::Base => "BertModel",
            Self::SequenceClassification => "BertForSequenceClassification",
            Self::QuestionAnswering => "BertForQuestionAnswering",
            Self::PreTraining => "BertForPreTraining",
        }
    }

    /// The head named by a config's `architectures`, if it is one of ours.
    pub fn from_config(config: &BertConfig) -> Option<Self> {
        let names = config.architectures.as_deref().unwrap_or_default();
        [
            Self::SequenceClassification,
            Self::QuestionAnswering,
            Self::PreTraining,
            Self::Base,
        ]
        .into_iter()
        .find(|h| {
            names.iter().any(|n| {
                // HF's MLM-only class loads into our pretraining heads (its NSP head is new).
                n == h.architecture() || (*h == Self::PreTraining && n == "BertForMaskedLM")
            })
        })
    }

    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Self::Base => "",
            _ => BERT_PREFIX,
        }
    }

    /// Our paths that a checkpoint may lack: HF initialises them afresh (and warns), as we do.
    fn may_initialise(self, path: &str) -> bool {
        match self {
            Self::Base => path.starts_with("pooler."),
            Self::SequenceClassification => {
                path.starts_with("classifier.") || path.starts_with("bert.pooler.")
            }
            Self::QuestionAnswering => path.starts_with("qa_outputs."),
            Self::PreTraining => path.starts_with("cls.") || path.starts_with("bert.pooler."),
        }
    }
}

/// A module that can be built from a config and filled from an HF checkpoint.
pub trait BertCheckpointModel: ModuleSnapshot + Sized {
    const HEAD: HeadKind;
    fn build(config: &BertConfig, device: &Device) -> Self;
    /// The same model running `kernels` in its encoder ([`BertModel::with_kernels`]).
    fn with_kernels(self, kernels: Kernels) -> Self;
}

impl BertCheckpointModel for BertModel {
    const HEAD: HeadKind = HeadKind::Base;
    fn build(config: &BertConfig, device: &Device) -> Self {
        BertModel::new(config, true, device)
    }
    fn with_kernels(self, kernels: Kernels) -> Self {
        BertModel::with_kernels(self, kernels)
    }
}

impl BertCheckpointModel for BertForSequenceClassification {
    const HEAD: HeadKind = HeadKind::SequenceClassification;
    fn build(config: &BertConfig, device: &Device) -> Self {
        Self::new(config, device)
    }
    fn with_kernels(self, kernels: Kernels) -> Self {
        Self {
            bert: self.bert.with_kernels(kernels),
            ..self
        }
    }
}

impl BertCheckpointModel for BertForQuestionAnswering {
    const HEAD: HeadKind = HeadKind::QuestionAnswering;
    fn build(config: &BertConfig, device: &Device) -> Self {
        Self::new(config, device)
    }
    fn with_kernels(self, kernels: Kernels) -> Self {
        Self {
            bert: self.bert.with_kernels(kernels),
            ..self
        }
    }
}

impl BertCheckpointModel for BertForPreTraining {
    const HEAD: HeadKind = HeadKind::PreTraining;
    fn build(config: &BertConfig, device: &Device) -> Self {
        Self::new(config, device)
    }
    fn with_kernels(self, kernels: Kernels) -> Self {
        Self {
            bert: self.bert.with_kernels(kernels),
            ..self
        }
    }
}

/// What a load did besides filling parameters, in HF key names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    /// Parameters the checkpoint lacked and that were initialised afresh (a new task head).
    pub initialised: Vec<String>,
    /// Checkpoint tensors deliberately not used (`position_ids`, pretraining or other heads).
    pub unused: Vec<String>,
}

impl LoadReport {
    /// One line for a log, like HF's warnings; `None` when there is nothing to say.
    pub fn summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.initialised.is_empty() {
            parts.push(format!(
                "newly initialised (train before use): {}",
                self.initialised.join(", ")
            ));
        }
        if !self.unused.is_empty() {
            parts.push(format!(
                "unused checkpoint tensors: {}",
                self.unused.join(", ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// A model with its config and what loading it reported.
#[derive(Debug)]
pub struct Checkpoint<M> {
    pub config: BertConfig,
    pub model: M,
    pub report: LoadReport,
}

impl<M: BertCheckpointModel> Checkpoint<M> {
    /// Loads an HF folder: `config.json` and `model.safetensors` (else `pytorch_model.bin`).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: impl AsRef<std::path::Path>, device: &Device) -> Result<Self, BertError> {
        let dir = dir.as_ref();
        finish_save(dir)?;
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|source| BertError::Io {
            path: config_path.display().to_string(),
            source,
        })?;
        let config = BertConfig::from_json(&text, &config_path.display().to_string())?;
        Self::from_dir_with_config(dir, config, device)
    }

    /// The weights of an HF folder under a config the caller already read and edited: a
    /// trainer sets the task's labels there, as `from_pretrained(..., num_labels=..)` does.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir_with_config(
        dir: impl AsRef<std::path::Path>,
        config: BertConfig,
        device: &Device,
    ) -> Result<Self, BertError> {
        let dir = dir.as_ref();
        finish_save(dir)?;
        config.validate(&dir.join("config.json").display().to_string())?;
        let safetensors = dir.join("model.safetensors");
        let bin = dir.join("pytorch_model.bin");
        if safetensors.exists() {
            let origin = safetensors.display().to_string();
            let header = safetensors_file_header(&safetensors)?;
            holds_the_body(&config, &header, &origin)?;
            let keys = header.keys;
            let prefix = Prefix::of(M::HEAD, &keys);
            let store = SafetensorsStore::from_file(&safetensors)
                .with_from_adapter(PyTorchToBurnAdapter)
                .remap(remapper(prefix)?)
                .allow_partial(true);
            Self::load(config, store, &keys, prefix, &origin, device)
        } else if bin.exists() {
            let origin = bin.display().to_string();
            bin_holds_the_body(&config, &bin, &origin)?;
            let mut probe = burn::store::PytorchStore::from_file(&bin);
            let keys = probe.keys().map_err(|e| ckpt_err(&origin, e))?;
            let prefix = Prefix::of(M::HEAD, &keys);
            let store = burn::store::PytorchStore::from_file(&bin)
                .remap(remapper(prefix)?)
                .allow_partial(true);
            Self::load(config, store, &keys, prefix, &origin, device)
        } else {
            Err(BertError::Checkpoint {
                origin: dir.display().to_string(),
                message: "no model.safetensors or pytorch_model.bin in this folder".into(),
            })
        }
    }

    /// Loads from the bytes of `config.json` and `model.safetensors` (the browser's way).
    pub fn from_bytes(
        config_json: &[u8],
        weights: Vec<u8>,
        device: &Device,
    ) -> Result<Self, BertError> {
        let text = std::str::from_utf8(config_json).map_err(|e| BertError::Config {
            origin: "config.json".into(),
            message: e.to_string(),
        })?;
        let config = BertConfig::from_json(text, "config.json")?;
        config.validate("config.json")?;
        let header = safetensors_header(&weights, "model.safetensors")?;
        holds_the_body(&config, &header, "model.safetensors")?;
        let keys = header.keys;
        let prefix = Prefix::of(M::HEAD, &keys);
        let store = SafetensorsStore::from_bytes(Some(weights))
            .with_from_adapter(PyTorchToBurnAdapter)
            .remap(remapper(prefix)?)
            .allow_partial(true);
        Self::load(config, store, &keys, prefix, "model.safetensors", device)
    }

    fn load<S>(
        config: BertConfig,
        mut store: S,
        keys: &[String],
        prefix: Prefix,
        origin: &str,
        device: &Device,
    ) -> Result<Self, BertError>
    where
        S: ModuleStore,
        S::Error: Display,
    {
        if keys.is_empty() {
            return Err(BertError::Checkpoint {
                origin: origin.into(),
                message: "the checkpoint holds no tensors".into(),
            });
        }
        let mut model = M::build(&config, device);
        let result = model
            .load_from(&mut store)
            .map_err(|e| ckpt_err(origin, e))?;
        let report = check(M::HEAD, prefix, result).map_err(|message| BertError::Checkpoint {
            origin: origin.into(),
            message,
        })?;
        Ok(Self {
            config,
            model,
            report,
        })
    }
}

/// Turns burn-store's result into our strict verdict.
fn check(head: HeadKind, prefix: Prefix, result: ApplyResult) -> Result<LoadReport, String> {
    if !result.errors.is_empty() {
        let errors: Vec<String> = result.errors.iter().map(|e| e.to_string()).collect();
        return Err(format!(
            "tensors do not fit the config: {}",
            errors.join("; ")
        ));
    }
    let (initialised, missing): (Vec<String>, Vec<String>) = result
        .missing
        .into_iter()
        .map(|(path, _)| path)
        .partition(|p| head.may_initialise(p));
    if !missing.is_empty() {
        let missing: Vec<String> = missing.iter().map(|p| keys::to_hf(p)).collect();
        return Err(format!("missing tensors: {}", list(&missing)));
    }
    let (unused, unknown): (Vec<String>, Vec<String>) = result
        .unused
        .into_iter()
        .partition(|p| keys::is_known_unused(p));
    if !unknown.is_empty() {
        let unknown: Vec<String> = unknown.iter().map(|p| prefix.checkpoint_key(p)).collect();
        return Err(format!(
            "unexpected tensors (not part of a BERT model): {}",
            list(&unknown)
        ));
    }
    Ok(LoadReport {
        initialised: initialised.iter().map(|p| keys::to_hf(p)).collect(),
        unused: unused.iter().map(|p| prefix.checkpoint_key(p)).collect(),
    })
}

/// The first few names, and how many there are in all.
fn list(names: &[String]) -> String {
    let mut shown: Vec<String> = names.iter().take(8).cloned().collect();
    if names.len() > 8 {
        shown.push(format!("… ({} in all)", names.len()));
    }
    shown.join(", ")
}

/// Refuses a checkpoint too small for its config before the model is built: a config naming
/// more layers or a larger vocabulary than the weights hold would otherwise allocate the
/// whole model (gigabytes, for `"num_hidden_layers": 65536`) only to report missing tensors.
fn holds_the_body(config: &BertConfig, header: &Header, origin: &str) -> Result<(), BertError> {
    let needed = config.body_parameter_count().unwrap_or(u64::MAX);
    if header.elements >= needed {
        return Ok(());
    }
    Err(different_models(
        config,
        origin,
        format!("holds {} values, but", header.elements),
        format!("needs at least {needed}"),
    ))
}

/// The weights are too small for the config: `has` and `needs` say how, from each side.
fn different_models(config: &BertConfig, origin: &str, has: String, needs: String) -> BertError {
    BertError::Checkpoint {
        origin: origin.into(),
        message: format!(
            "{has} config.json ({} layers, hidden size {}, vocabulary {}) {needs}: the config and \
             the weights are of different models",
            config.num_hidden_layers, config.hidden_size, config.vocab_size
        ),
    }
}

/// A pickle has no header to count values in, so its length stands in: at least two bytes a
/// value (half precision, the narrowest float HF saves). Like [`holds_the_body`], this keeps a
/// config of 65,536 layers from building a huge model before a small file is found lacking.
#[cfg(not(target_arch = "wasm32"))]
fn bin_holds_the_body(
    config: &BertConfig,
    bin: &std::path::Path,
    origin: &str,
) -> Result<(), BertError> {
    let len = std::fs::metadata(bin)
        .map_err(|source| BertError::Io {
            path: origin.into(),
            source,
        })?
        .len();
    let needed = config.body_parameter_count().unwrap_or(u64::MAX);
    if len / 2 >= needed {
        return Ok(());
    }
    Err(different_models(
        config,
        origin,
        format!("is {len} bytes, too small for the {needed} values"),
        "needs even in half precision".into(),
    ))
}

/// A save cut off after its commit point is finished first, so that the config and the
/// weights read next are of one set.
#[cfg(not(target_arch = "wasm32"))]
pub fn finish_save(dir: &std::path::Path) -> Result<(), BertError> {
    crate::atomic::finish_interrupted_save(dir).map_err(|source| BertError::Io {
        path: dir.display().to_string(),
        source,
    })
}

fn ckpt_err(origin: &str, e: impl Display) -> BertError {
    BertError::Checkpoint {
        origin: origin.into(),
        message: e.to_string(),
    }
}
