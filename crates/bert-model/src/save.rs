//! Writing a model as an HF folder: `model.safetensors` + `config.json`, atomically.

use burn::store::{BurnToPyTorchAdapter, KeyRemapper, SafetensorsStore};

use crate::checkpoint::BertCheckpointModel;
use crate::keys::BURN_TO_HF;
use crate::{BertConfig, BertError};

#[cfg(not(target_arch = "wasm32"))]
pub use crate::atomic::{finish_interrupted_save, write_atomic, write_set};

/// The safetensors bytes HF's `from_pretrained` reads for `model` (format "pt", HF key names,
/// `nn.Linear` layout).
pub fn to_safetensors<M: BertCheckpointModel>(model: &M) -> Result<Vec<u8>, BertError> {
    let err = |e: &dyn std::fmt::Display| BertError::Checkpoint {
        origin: "model.safetensors".into(),
        message: e.to_string(),
    };
    let mut store = hf_store(SafetensorsStore::from_bytes(None))?;
    model.save_into(&mut store).map_err(|e| err(&e))?;
    store.get_bytes().map_err(|e| err(&e))
}

/// The config as saved beside the weights: `architectures` names the head.
pub fn saved_config<M: BertCheckpointModel>(config: &BertConfig) -> BertConfig {
    BertConfig {
        architectures: Some(vec![M::HEAD.architecture().to_string()]),
        ..config.clone()
    }
}

/// Writes `dir/model.safetensors` and `dir/config.json` as one set (see [`write_set`]), so an
/// interrupted save leaves the previous model whole.
#[cfg(not(target_arch = "wasm32"))]
pub fn save_dir<M: BertCheckpointModel>(
    model: &M,
    config: &BertConfig,
    dir: impl AsRef<std::path::Path>,
) -> Result<(), BertError> {
    save_dir_with(model, config, dir, &[])
}

/// [`save_dir`] with more files that belong to the same model (its tokenizer, its scores),
/// replaced together with the weights.
#[cfg(not(target_arch = "wasm32"))]
pub fn save_dir_with<M: BertCheckpointModel>(
    model: &M,
    config: &BertConfig,
    dir: impl AsRef<std::path::Path>,
    extra: &[(&str, &[u8])],
) -> Result<(), BertError> {
    let dir = dir.as_ref();
    let weights = to_safetensors(model)?;
    let config_text = saved_config::<M>(config).to_json()?;
    let mut files = vec![
        ("model.safetensors", &weights[..]),
        ("config.json", config_text.as_bytes()),
    ];
    files.extend_from_slice(extra);
    write_set(dir, &files).map_err(|source| BertError::Io {
        path: dir.display().to_string(),
        source,
    })
}

fn hf_store(store: SafetensorsStore) -> Result<SafetensorsStore, BertError> {
    let remapper =
        KeyRemapper::from_patterns(BURN_TO_HF.to_vec()).map_err(|e| BertError::Checkpoint {
            origin: "the key table BURN_TO_HF".into(),
            message: e.to_string(),
        })?;
    Ok(store
        .with_to_adapter(BurnToPyTorchAdapter)
        .remap(remapper)
        // transformers refuses safetensors files whose metadata lacks format "pt".
        .metadata("format", "pt"))
}
