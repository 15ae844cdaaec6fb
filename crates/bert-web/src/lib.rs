//! The browser API (wasm-bindgen) of the web page: pick a backend (WebGPU or the CPU), load
//! Hugging Face checkpoints from their bytes, classify and answer through `bert-pipeline`, so
//! the page computes exactly what the native `predict` computes.
//!
//! A Web Worker (`web/worker.js`) owns this module; every call is made from there.

mod backend;
mod error;
mod models;

pub use backend::init_backend;
pub use models::{answer, classify, load_model, unload_model};

use wasm_bindgen::prelude::wasm_bindgen;

/// Runs when the module is instantiated: Rust panics reach the console with their message
/// instead of a bare "unreachable".
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}
