//! The browser API (wasm-bindgen) of the web page: pick a backend (WebGPU or the CPU), load
//! Hugging Face checkpoints from their bytes, classify and answer through `bert-pipeline`, so
//! the page computes exactly what the native `predict` computes.
//!
//! A Web Worker (`web/worker.js`) owns this module; every call is made from there.

mod backend;
mod error;
mod models;

pub use backend::init_backend;
pub use models::{answer, check_config, classify, load_model, unload_model};

use wasm_bindgen::prelude::wasm_bindgen;

/// Runs when the module is instantiated: static constructors, then a panic hook so that Rust
/// panics reach the console with their message instead of a bare "unreachable".
#[wasm_bindgen(start)]
pub fn start() {
    run_constructors();
    console_error_panic_hook::set_once();
}

/// Runs the module's static constructors (the `inventory` registrations of pliron, inside
/// cubecl) once. A module whose code never names `__wasm_call_ctors` is linked by wasm-ld as a
/// "command": every export then re-runs all constructors first, down to wasm-bindgen's
/// allocator of JS references, called for each value crossing to JavaScript. That was a
/// quarter of a one-sentence classification (6 of 23 ms).
fn run_constructors() {
    #[cfg(target_arch = "wasm32")]
    {
        unsafe extern "C" {
            fn __wasm_call_ctors();
        }
        // SAFETY: the linker's constructor list, called once, before any other Rust code runs
        // (wasm-bindgen calls the start function right after instantiation).
        unsafe { __wasm_call_ctors() };
    }
}
