//! Shared helpers of the integration tests: fixtures made by
//! `tests/reference/make_fixtures.py` (transformers 5.24.0, torch 2.15.0).

#![allow(dead_code)]

use std::path::PathBuf;

use bert_model::BertInput;
use bert_model::device::{DeviceChoice, select_device};
use burn::tensor::{Device, Tensor};
use serde_json::Value;

/// `tests/fixtures/model`, or `$BERT_FIXTURES` for a test binary run away from its checkout.
pub fn fixtures() -> PathBuf {
    std::env::var_os("BERT_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/model")
        })
}

pub fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json parses")
}

/// The devices parity is checked on: the CPU, and wgpu (lavapipe in CI). Set
/// `BERT_TEST_DEVICES=cpu` to leave wgpu out on a machine without Vulkan.
pub fn devices() -> Vec<(&'static str, Device)> {
    let wanted = std::env::var("BERT_TEST_DEVICES").unwrap_or_else(|_| "cpu,wgpu".into());
    let mut out = vec![];
    if wanted.contains("cpu") {
        out.push(("cpu", Device::flex()));
    }
    if wanted.contains("wgpu") {
        out.push(("wgpu", wgpu()));
    }
    out
}

/// The wgpu device, opened once per test binary (a wgpu runtime registers only once).
fn wgpu() -> Device {
    static DEVICE: std::sync::OnceLock<Device> = std::sync::OnceLock::new();
    DEVICE
        .get_or_init(|| {
            let d = select_device(DeviceChoice::Gpu)
                .expect("a wgpu adapter (install mesa-vulkan-drivers)");
            eprintln!("wgpu device: {d}");
            d.device
        })
        .clone()
}

/// Rebuilds the unpadded rows of a fixture batch and pads them again our way.
pub fn input(batch: &Value, config: &bert_model::BertConfig, device: &Device) -> BertInput {
    let rows = |key: &str| -> Vec<Vec<u32>> {
        let mask = batch["attention_mask"].as_array().unwrap();
        batch[key]
            .as_array()
            .unwrap()
            .iter()
            .zip(mask)
            .map(|(row, m)| {
                let n = m
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|v| v.as_u64() == Some(1))
                    .count();
                row.as_array().unwrap()[..n]
                    .iter()
                    .map(|v| v.as_u64().unwrap() as u32)
                    .collect()
            })
            .collect()
    };
    let pad_to = batch["input_ids"][0].as_array().unwrap().len();
    BertInput::from_rows(
        &rows("input_ids"),
        &rows("token_type_ids"),
        Some(pad_to),
        config,
        device,
    )
    .expect("valid fixture input")
}

pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 data")
}

pub fn max_abs_diff(ours: &[f32], theirs: &Value) -> f32 {
    let theirs = theirs.as_array().expect("array");
    assert_eq!(ours.len(), theirs.len(), "element count");
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| (a - b.as_f64().unwrap() as f32).abs())
        .fold(0.0, f32::max)
}

/// A safetensors file as (name → (dtype, shape, bytes)), read by hand so that the tests do not
/// trust the code under test.
pub type Tensors = std::collections::BTreeMap<String, (String, Vec<u64>, Vec<u8>)>;

pub fn read_safetensors(bytes: &[u8]) -> Tensors {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Map<String, Value> = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let data = &bytes[8 + n..];
    header
        .into_iter()
        .filter(|(k, _)| k != "__metadata__")
        .map(|(k, v)| {
            let offsets: Vec<usize> = v["data_offsets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect();
            let shape = v["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            let dtype = v["dtype"].as_str().unwrap().to_string();
            (k, (dtype, shape, data[offsets[0]..offsets[1]].to_vec()))
        })
        .collect()
}

pub fn write_safetensors(tensors: &Tensors) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, (dtype, shape, bytes)) in tensors {
        let start = data.len();
        data.extend_from_slice(bytes);
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }
    header.insert("__metadata__".into(), serde_json::json!({"format": "pt"}));
    let mut head = serde_json::to_vec(&Value::Object(header)).unwrap();
    while !head.len().is_multiple_of(8) {
        head.push(b' ');
    }
    let mut out = (head.len() as u64).to_le_bytes().to_vec();
    out.extend(head);
    out.extend(data);
    out
}
