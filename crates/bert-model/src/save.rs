//! Writing a model as an HF folder: `model.safetensors` + `config.json`, atomically.

use burn::store::{BurnToPyTorchAdapter, KeyRemapper, SafetensorsStore};

use crate::checkpoint::BertCheckpointModel;
use crate::keys::BURN_TO_HF;
use crate::{BertConfig, BertError};

/// The safetensors bytes HF's `from_pretrained` reads for `model` (format "pt", HF key names,
/// `nn.Linear` layout).
pub fn to_safetensors<M: BertCheckpointModel>(model: &M) -> Result<Vec<u8>, BertError> {
    let err = |e: &dyn std::fmt::Display| BertError::Checkpoint {
        origin: "model.safetensors".into(),
        message: e.to_string(),
    };
    let mut store = hf_store(SafetensorsStore::from_bytes(None));
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

/// Writes `dir/model.safetensors` and `dir/config.json`, each atomically (temporary file, then
/// rename), so an interrupted save leaves the previous checkpoint whole.
#[cfg(not(target_arch = "wasm32"))]
pub fn save_dir<M: BertCheckpointModel>(
    model: &M,
    config: &BertConfig,
    dir: impl AsRef<std::path::Path>,
) -> Result<(), BertError> {
    let dir = dir.as_ref();
    let io = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| BertError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let weights = dir.join("model.safetensors");
    write_atomic(&weights, &to_safetensors(model)?).map_err(io(&weights))?;
    let config_path = dir.join("config.json");
    let text = saved_config::<M>(config).to_json();
    write_atomic(&config_path, text.as_bytes()).map_err(io(&config_path))
}

/// Writes through a sibling temporary file, synced, then renamed over `path`.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

fn hf_store(store: SafetensorsStore) -> SafetensorsStore {
    // The patterns are constants and valid regexes.
    let remapper = KeyRemapper::from_patterns(BURN_TO_HF.to_vec()).unwrap_or_default();
    store
        .with_to_adapter(BurnToPyTorchAdapter)
        .remap(remapper)
        // transformers refuses safetensors files whose metadata lacks format "pt".
        .metadata("format", "pt")
}
