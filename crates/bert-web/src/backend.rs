//! The compute device of this module: WebGPU through burn's wgpu runtime, else burn's Flex CPU
//! backend (wasm SIMD). Chosen once per module instance: a wgpu runtime cannot be
//! re-initialised, so the page starts a fresh worker to switch backends.

use std::cell::RefCell;

use burn::tensor::Device;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::js_error;

thread_local! {
    static DEVICE: RefCell<Option<(Device, &'static str)>> = const { RefCell::new(None) };
}

#[derive(Serialize)]
struct BackendInfo {
    /// "webgpu" or "cpu".
    backend: &'static str,
    /// Why the backend is not the one asked for, if it is not.
    note: Option<String>,
}

/// Opens the backend: `prefer` is "webgpu" or "cpu". WebGPU that cannot be opened falls back
/// to the CPU with a note; the worker checks `navigator.gpu` first, since wgpu cannot tell a
/// missing API from a failing one.
#[wasm_bindgen(js_name = initBackend)]
pub async fn init_backend(prefer: String) -> Result<JsValue, JsValue> {
    if let Some(backend) = DEVICE.with(|d| d.borrow().as_ref().map(|(_, b)| *b)) {
        return info(backend, None);
    }
    let (device, backend, note) = match prefer.as_str() {
        "cpu" => (Device::flex(), "cpu", None),
        "webgpu" => {
            light_autotune();
            match Device::wgpu_options().init_async().await {
                Ok(device) => (device, "webgpu", None),
                Err(e) => (
                    Device::flex(),
                    "cpu",
                    Some(format!(
                        "WebGPU could not be opened ({e}); running on the CPU"
                    )),
                ),
            }
        }
        other => return Err(js_error("usage", format!("unknown backend \"{other}\""))),
    };
    DEVICE.with(|d| *d.borrow_mut() = Some((device, backend)));
    info(backend, note)
}

/// Autotune times every candidate kernel of a new shape, 10 samples each on wasm: tens of
/// seconds before the first answer in a browser, minutes on a software WebGPU. The minimal
/// candidate set with 2 samples keeps the first call short; later calls reuse the choice.
fn light_autotune() {
    use cubecl::config::autotune::AutotuneLevel;
    use cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};
    let mut config = CubeClRuntimeConfig::default();
    config.autotune.level = AutotuneLevel::Minimal;
    config.autotune.bench.min_samples = 1;
    config.autotune.bench.max_samples = 2;
    // False when something read the config first; the defaults then stay, which is only slower.
    let _ = CubeClRuntimeConfig::try_set(config);
}

fn info(backend: &'static str, note: Option<String>) -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(&BackendInfo { backend, note }).map_err(|e| js_error("usage", e))
}

/// The device opened by [`init_backend`].
pub(crate) fn device() -> Result<Device, JsValue> {
    DEVICE
        .with(|d| d.borrow().as_ref().map(|(d, _)| d.clone()))
        .ok_or_else(|| js_error("usage", "initBackend must be called before loading a model"))
}
