//! Loaded models, kept in this module instance and named by a number for JavaScript (an
//! exported async function cannot borrow a Rust object across an `await`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use bert_pipeline::{Pipeline, PipelineTask};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::backend::device;
use crate::error::{PipelineErrorJs, js_error};

thread_local! {
    static MODELS: RefCell<HashMap<u32, Rc<Pipeline>>> = RefCell::new(HashMap::new());
    static NEXT_ID: RefCell<u32> = const { RefCell::new(1) };
}

/// What the page needs to know about a loaded model.
#[derive(Serialize)]
struct ModelInfo {
    id: u32,
    task: &'static str,
    labels: Vec<String>,
    /// v2 QA models may answer "no answer".
    null_answer: bool,
    max_len: usize,
    qa_window: usize,
    qa_stride: usize,
    layers: usize,
    hidden_size: usize,
    vocab_size: usize,
}

/// One sentence or pair to classify.
#[derive(Deserialize)]
struct ClassifyInput {
    text: String,
    #[serde(default)]
    text_pair: Option<String>,
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    // Plain objects rather than JS Maps for the label → probability maps.
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_error("usage", e))
}

fn get(id: u32) -> Result<Rc<Pipeline>, JsValue> {
    MODELS
        .with(|m| m.borrow().get(&id).cloned())
        .ok_or_else(|| js_error("usage", format!("no model {id} is loaded")))
}

/// Checks a `config.json` on its own, before the page downloads the weights it describes: a
/// config that cannot be built (an `intermediate_size` of 4e9, more than `MAX_PARAMETERS`, a
/// task we do not run) is refused with its message, with no download and no allocation.
#[wasm_bindgen(js_name = checkConfig)]
pub fn check_config(config: &[u8]) -> Result<(), JsValue> {
    let text = std::str::from_utf8(config)
        .map_err(|e| js_error("model", format!("config.json is not UTF-8 text: {e}")))?;
    let config =
        bert_model::BertConfig::from_json(text, "config.json").map_err(|e| js_error("model", e))?;
    PipelineTask::of(&config).map_err(PipelineErrorJs::from)?;
    Ok(())
}

/// Loads a checkpoint from the bytes of `config.json`, `model.safetensors`, `tokenizer.json`
/// on the backend opened by `initBackend`; returns its `ModelInfo`.
#[wasm_bindgen(js_name = loadModel)]
pub fn load_model(config: &[u8], weights: Vec<u8>, tokenizer: &[u8]) -> Result<JsValue, JsValue> {
    let device = device()?;
    let pipeline =
        Pipeline::from_owned(config, weights, tokenizer, &device).map_err(PipelineErrorJs::from)?;
    let id = NEXT_ID.with(|n| {
        let id = *n.borrow();
        *n.borrow_mut() = id + 1;
        id
    });
    let c = pipeline.config();
    let qa = pipeline.qa_config();
    let info = ModelInfo {
        id,
        task: pipeline.task().name(),
        labels: match pipeline.task() {
            PipelineTask::Classification => pipeline.labels(),
            _ => Vec::new(),
        },
        null_answer: pipeline.allows_null_answer(),
        max_len: pipeline.max_len(),
        qa_window: qa.max_seq_length,
        qa_stride: qa.doc_stride,
        layers: c.num_hidden_layers,
        hidden_size: c.hidden_size,
        vocab_size: c.vocab_size,
    };
    MODELS.with(|m| m.borrow_mut().insert(id, Rc::new(pipeline)));
    to_js(&info)
}

/// Frees a model's weights.
#[wasm_bindgen(js_name = unloadModel)]
pub fn unload_model(id: u32) -> bool {
    MODELS.with(|m| m.borrow_mut().remove(&id).is_some())
}

/// Classifies `[{text, text_pair?}, ...]`; resolves to one result per input, as `predict`
/// prints them.
#[wasm_bindgen]
pub async fn classify(id: u32, inputs: JsValue) -> Result<JsValue, JsValue> {
    let pipeline = get(id)?;
    let inputs: Vec<ClassifyInput> = serde_wasm_bindgen::from_value(inputs).map_err(|e| {
        js_error(
            "usage",
            format!("classify takes [{{text, text_pair?}}]: {e}"),
        )
    })?;
    let inputs: Vec<(String, Option<String>)> =
        inputs.into_iter().map(|i| (i.text, i.text_pair)).collect();
    let out = pipeline
        .classify_async(&inputs)
        .await
        .map_err(PipelineErrorJs::from)?;
    to_js(&out)
}

/// Answers a question about a passage; resolves to `{answer, start, end, score, ...}`.
#[wasm_bindgen]
pub async fn answer(id: u32, question: String, context: String) -> Result<JsValue, JsValue> {
    let pipeline = get(id)?;
    let out = pipeline
        .answer_async(&question, &context)
        .await
        .map_err(PipelineErrorJs::from)?;
    to_js(&out)
}
