//! Where the starting weights and the tokenizer come from: a local Hugging Face folder, a Hub id
//! (downloaded into the standard HF cache), or a named size from scratch.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bert_model::BertConfig;
use bert_tasks::BertTokenizer;

use crate::error::{Result, TrainError};

/// What `train` fine-tunes when given no `--model`: BERT-mini (Turc et al., 11M parameters),
/// small enough for a laptop CPU.
pub const DEFAULT_MODEL: &str = "google/bert_uncased_L-4_H-256_A-4";
/// The size `train` builds from scratch when the default model cannot be had.
pub const FALLBACK_SIZE: &str = "mini";

/// Google's BERT uncased vocabulary, for runs from scratch.
const BUNDLED_VOCAB: &str = include_str!("../data/vocab-uncased.txt");

#[derive(Debug, Clone)]
pub enum ModelSource {
    /// A folder with config.json and weights; `name` is what the user asked for.
    Pretrained { dir: PathBuf, name: String },
    /// Random weights of a named size (`BertConfig::preset`).
    Scratch {
        size: String,
        tokenizer: Option<PathBuf>,
    },
}

impl ModelSource {
    /// From the command line; `note` says what happened when the default had to change.
    pub fn resolve(
        model: Option<&str>,
        from_scratch: Option<&str>,
        tokenizer: Option<&Path>,
    ) -> Result<(Self, Option<String>)> {
        if let Some(size) = from_scratch {
            if BertConfig::preset(size).is_none() {
                return Err(TrainError::Usage(format!(
                    "--from-scratch {size:?}: use tiny, mini, small, medium or base"
                )));
            }
            let source = Self::Scratch {
                size: size.into(),
                tokenizer: tokenizer.map(Path::to_path_buf),
            };
            return Ok((source, None));
        }
        match model {
            Some(m) => Ok((Self::named(m)?, None)),
            None => match hub_model(DEFAULT_MODEL) {
                Ok(dir) => Ok((
                    Self::Pretrained {
                        dir,
                        name: DEFAULT_MODEL.into(),
                    },
                    None,
                )),
                Err(e) => Ok((
                    Self::Scratch {
                        size: FALLBACK_SIZE.into(),
                        tokenizer: tokenizer.map(Path::to_path_buf),
                    },
                    Some(format!(
                        "{e}\n  → training a BERT-{FALLBACK_SIZE} from scratch with the bundled \
                         uncased vocabulary instead (expect a weaker model)"
                    )),
                )),
            },
        }
    }

    fn named(m: &str) -> Result<Self> {
        let path = Path::new(m);
        if path.is_dir() {
            return Ok(Self::Pretrained {
                dir: path.to_path_buf(),
                name: m.into(),
            });
        }
        let looks_like_path = m.starts_with('.')
            || m.starts_with('/')
            || m.contains('\\')
            || m.matches('/').count() > 1
            || path.exists();
        if looks_like_path {
            return Err(TrainError::Usage(format!(
                "--model {m}: no such folder (a model folder holds config.json and \
                 model.safetensors)"
            )));
        }
        Ok(Self::Pretrained {
            dir: hub_model(m)?,
            name: m.into(),
        })
    }

    pub fn name(&self) -> String {
        match self {
            Self::Pretrained { name, .. } => name.clone(),
            Self::Scratch { size, .. } => format!("scratch:{size}"),
        }
    }

    /// The tokenizer and, when the source has one, the `tokenizer.json` text to save with the
    /// fine-tuned model verbatim.
    pub fn tokenizer(&self) -> Result<BertTokenizer> {
        match self {
            Self::Pretrained { dir, .. } => Ok(BertTokenizer::from_dir(dir)?),
            Self::Scratch {
                tokenizer: Some(path),
                ..
            } => tokenizer_file(path),
            Self::Scratch {
                tokenizer: None, ..
            } => Ok(BertTokenizer::from_vocab(BUNDLED_VOCAB, true)?),
        }
    }
}

pub(crate) fn tokenizer_file(path: &Path) -> Result<BertTokenizer> {
    if !path.is_file() {
        return Err(TrainError::Usage(format!(
            "--tokenizer {}: no such file",
            path.display()
        )));
    }
    if path.extension().is_some_and(|e| e == "json") {
        Ok(BertTokenizer::from_json_file(path)?)
    } else {
        Ok(BertTokenizer::from_vocab_file(path, true)?)
    }
}

/// The folder of a Hub model in the HF cache, downloading what is missing.
fn hub_model(id: &str) -> Result<PathBuf> {
    let cache = hf_hub::Cache::from_env();
    let cached = cache.model(id.to_string());
    let has = |f: &str| cached.get(f);
    if let Some(config) = has("config.json")
        && (has("model.safetensors").is_some() || has("pytorch_model.bin").is_some())
        && (has("tokenizer.json").is_some() || has("vocab.txt").is_some())
        && let Some(dir) = config.parent()
    {
        return Ok(dir.to_path_buf());
    }
    let offline = |why: String| {
        TrainError::Hub(format!(
            "cannot download {id} from the Hugging Face Hub ({why}); pass a local model folder \
             with --model DIR"
        ))
    };
    if std::env::var("HF_HUB_OFFLINE").is_ok_and(|v| v == "1") {
        return Err(offline("HF_HUB_OFFLINE=1".into()));
    }
    hub_reachable().map_err(offline)?;
    let api = hf_hub::api::sync::ApiBuilder::from_env()
        .with_progress(true)
        .build()
        .map_err(|e| offline(e.to_string()))?;
    let repo = api.model(id.to_string());
    let config = repo
        .get("config.json")
        .map_err(|e| offline(e.to_string()))?;
    repo.get("model.safetensors")
        .or_else(|_| repo.get("pytorch_model.bin"))
        .map_err(|e| offline(format!("no model.safetensors or pytorch_model.bin: {e}")))?;
    if repo.get("tokenizer.json").is_err() {
        repo.get("vocab.txt")
            .map_err(|e| offline(format!("no tokenizer.json or vocab.txt: {e}")))?;
        // Optional: tells whether the vocabulary is cased.
        let _ = repo.get("tokenizer_config.json");
    }
    config
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| offline("the cache gave no folder".into()))
}

/// Fails fast (3 s) when the Hub cannot be reached, instead of hanging in a download.
fn hub_reachable() -> std::result::Result<(), String> {
    use std::net::{TcpStream, ToSocketAddrs};
    let endpoint = std::env::var("HF_ENDPOINT").unwrap_or_else(|_| "https://huggingface.co".into());
    let host = endpoint
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("huggingface.co");
    let with_port = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:443")
    };
    let addrs = with_port
        .to_socket_addrs()
        .map_err(|e| format!("{host} does not resolve: {e}"))?;
    for addr in addrs {
        if TcpStream::connect_timeout(&addr, Duration::from_secs(3)).is_ok() {
            return Ok(());
        }
    }
    Err(format!("{host} is unreachable"))
}
