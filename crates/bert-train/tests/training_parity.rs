//! Training steps equal to transformers', for every head: the loss, the gradient of every named
//! parameter, and every parameter after AdamW steps with warmup, linear decay, weight-decay
//! groups and clipping, on the CPU (1 and 2 shards) and on wgpu (lavapipe in CI).
//!
//! Golden values: `tests/reference/make_training_fixtures.py` (torch 2.15.0, transformers
//! 5.24.0, fp32): seeded random BERTs with dropout off, three steps of 5 padded rows each, the
//! optimizer and schedule from `transformers.Trainer` itself. The steps run through the
//! trainer's own pieces: `forward_backward` (shards), the gradient accumulator, `linear_lr` and
//! `Optimizer` (the host AdamW on the CPU, burn's AdamW on wgpu).
//!
//! Differences are max-abs over a tensor, and relative to that tensor's largest golden value
//! (`rel`); `cargo test --test training_parity -- --nocapture` prints them all.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use bert_model::device::{DeviceChoice, select_device};
use bert_model::{
    BertCheckpointModel, BertConfig, BertForPreTraining, BertForQuestionAnswering,
    BertForSequenceClassification, Checkpoint, Kernels,
};
use bert_train::features::{Feature, Target};
use bert_train::objective::Objective;
use bert_train::optim::{Optimizer, linear_lr};
use bert_train::pretrain_batch::MaskedRow;
use bert_train::shards::{Masks, forward_backward, sum};
use burn::module::{Module, ModuleMapper, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use serde_json::Value;

/// Max-abs tolerances of one setup. The figures measured with these fixtures (the worst over
/// the five heads) are in `CPU` and `WGPU`'s comments.
struct Tolerances {
    loss: f64,
    grad: f32,
    param: f32,
    norm: f64,
}

/// Measured on the CPU, 1 and 2 shards: loss 1.4e-6 (of 6.9), gradients 2.4e-7, parameters
/// after a step 7.0e-7 (the step is ~2e-3), gradient norm 7.2e-7.
const CPU: Tolerances = Tolerances {
    loss: 5e-6,
    grad: 1e-6,
    param: 2e-6,
    norm: 2e-6,
};

/// Measured on lavapipe: loss 4.8e-7, gradients 8.2e-6, parameters 1.5e-6, gradient norm
/// 1.8e-5. The feed-forward gradients are ~1e-4 off relatively there (lavapipe's `erf`).
const WGPU: Tolerances = Tolerances {
    loss: 5e-6,
    grad: 3e-5,
    param: 5e-6,
    norm: 5e-5,
};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/training")
}

fn cases() -> Value {
    let text = std::fs::read_to_string(fixtures().join("cases.json")).expect("cases.json");
    serde_json::from_str(&text).expect("cases.json parses")
}

/// A safetensors file as name → f32 values.
fn read_tensors(bytes: &[u8]) -> BTreeMap<String, Vec<f32>> {
    let st = safetensors::SafeTensors::deserialize(bytes).expect("safetensors");
    st.tensors()
        .into_iter()
        .map(|(name, view)| {
            assert_eq!(view.dtype(), safetensors::Dtype::F32, "{name}");
            let values = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (name, values)
        })
        .collect()
}

/// The golden tensors under `prefix` (`grad.`, `step2.`, ...), by HF name.
fn golden(head: &str, prefix: &str) -> BTreeMap<String, Vec<f32>> {
    let bytes = std::fs::read(fixtures().join(head).join("golden.safetensors")).unwrap();
    read_tensors(&bytes)
        .into_iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), v)))
        .collect()
}

/// Replaces every parameter by its gradient; a parameter without one is a cut graph.
struct IntoGrads<'a> {
    grads: &'a GradientsParams,
    path: Vec<String>,
    missing: Vec<String>,
}

impl ModuleMapper for IntoGrads<'_> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let value = match self.grads.get::<D>(id) {
            Some(g) => g,
            None => {
                self.missing.push(self.path.join("."));
                tensor.inner().zeros_like()
            }
        };
        Param::from_mapped_value(id, value, mapper)
    }
}

/// Every parameter's gradient by HF name, in HF layout (through the checkpoint writer's key
/// table and transposes), or the paths of the parameters that got none.
fn hf_grads<M: BertCheckpointModel + Module>(
    model: &M,
    grads: &GradientsParams,
) -> Result<BTreeMap<String, Vec<f32>>, Vec<String>> {
    let mut mapper = IntoGrads {
        grads,
        path: Vec::new(),
        missing: Vec::new(),
    };
    let as_grads = model.clone().map(&mut mapper);
    if !mapper.missing.is_empty() {
        return Err(mapper.missing);
    }
    Ok(hf_params(&as_grads))
}

fn hf_params<M: BertCheckpointModel>(model: &M) -> BTreeMap<String, Vec<f32>> {
    read_tensors(&bert_model::save::to_safetensors(model).expect("saves"))
}

/// Parameters whose true gradient is zero: the loss cannot see them (the key bias shifts every
/// score of a softmax row alike, and under a QA head so do `qa_outputs.bias` and the last
/// LayerNorm bias, across positions). Their golden gradient is float noise (≤ 5e-8 here
/// against gradients up to 0.7), which Adam scales up to steps of up to `lr` in a direction
/// neither side controls; their parameters are compared within the sum of the steps' `lr`.
fn degenerate(head: &str) -> BTreeSet<String> {
    golden(head, "grad.")
        .into_iter()
        .filter(|(_, g)| g.iter().all(|v| v.abs() < NOISE))
        .map(|(name, _)| name)
        .collect()
}

/// Below this a golden gradient is float noise (the smallest real one here is 7.8e-7).
const NOISE: f32 = 1e-7;

/// Checks every tensor within `tol(name)`, prints the worst max-abs and relative difference
/// (over tensors not in `skip_rel`) and the tensors they were found in. Names must match.
fn compare(
    what: &str,
    ours: &BTreeMap<String, Vec<f32>>,
    want: &BTreeMap<String, Vec<f32>>,
    tol: impl Fn(&str) -> f32,
    skip_rel: &BTreeSet<String>,
) -> (f32, f32) {
    let names = |m: &BTreeMap<String, Vec<f32>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(ours), names(want), "{what}: parameter names");
    let (mut worst_abs, mut worst_rel, mut at, mut rel_at) = (0f32, 0f32, "", "");
    for (name, want) in want {
        let got = &ours[name];
        assert_eq!(got.len(), want.len(), "{what} {name}: size");
        let diff = got
            .iter()
            .zip(want)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        let scale = want.iter().map(|v| v.abs()).fold(0f32, f32::max);
        let tol = tol(name);
        assert!(
            diff <= tol,
            "{what} {name}: max-abs-diff {diff:.3e} > {tol:.1e}"
        );
        if skip_rel.contains(name) {
            continue;
        }
        if diff > worst_abs {
            (worst_abs, at) = (diff, name);
        }
        if scale > 0.0 && diff / scale > worst_rel {
            (worst_rel, rel_at) = (diff / scale, name);
        }
    }
    eprintln!("  {what}: max-abs {worst_abs:.2e} ({at}), worst rel {worst_rel:.2e} ({rel_at})");
    (worst_abs, worst_rel)
}

fn feature(row: &Value, target: Target) -> Feature {
    let ids = |k: &str| -> Vec<u32> {
        row[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect()
    };
    Feature {
        ids: ids("ids"),
        type_ids: ids("type_ids"),
        target,
    }
}

fn class_row(row: &Value) -> Feature {
    feature(row, Target::Class(row["label"].as_u64().unwrap() as u32))
}

fn score_row(row: &Value) -> Feature {
    feature(row, Target::Score(row["label"].as_f64().unwrap() as f32))
}

fn span_row(row: &Value) -> Feature {
    let pos = |k: &str| row[k].as_u64().unwrap() as usize;
    feature(
        row,
        Target::Span(pos("start_position"), pos("end_position")),
    )
}

fn masked_row(row: &Value) -> MaskedRow {
    let f = feature(row, Target::Class(0));
    MaskedRow {
        input_ids: f.ids,
        token_type_ids: f.type_ids,
        labels: row["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect(),
        next_sentence_label: row["next_sentence_label"].as_i64().unwrap(),
    }
}

/// Where a check runs: the plain device, and how many shards a batch is split into.
struct Setup {
    name: &'static str,
    device: Device,
    shards: usize,
    tol: &'static Tolerances,
}

fn setups() -> Vec<Setup> {
    let mut out = Vec::new();
    for which in common::devices() {
        match which.as_str() {
            "cpu" => {
                for shards in [1, 2] {
                    out.push(Setup {
                        name: if shards == 1 { "cpu/1" } else { "cpu/2" },
                        device: Device::flex(),
                        shards,
                        tol: &CPU,
                    });
                }
            }
            "wgpu" => out.push(Setup {
                name: "wgpu",
                device: wgpu(),
                shards: 1,
                tol: &WGPU,
            }),
            other => panic!("BERT_TEST_DEVICES: unknown device {other}"),
        }
    }
    out
}

/// The wgpu device, opened once per process (a wgpu runtime registers only once).
fn wgpu() -> Device {
    static DEVICE: OnceLock<Device> = OnceLock::new();
    DEVICE
        .get_or_init(|| {
            let d = select_device(DeviceChoice::Gpu)
                .expect("a wgpu adapter (install mesa-vulkan-drivers)");
            eprintln!("wgpu device: {d}");
            d.device
        })
        .clone()
}

/// The gradient of one batch, summed over its shards as the training loop sums them.
fn batch_grads<M: Objective + Clone>(
    model: &M,
    rows: &[&M::Row],
    config: &BertConfig,
    setup: &Setup,
) -> (f64, GradientsParams) {
    let train = setup.device.clone().autodiff();
    let masks = Masks::for_device(&setup.device, 0);
    let (loss, grads) =
        forward_backward(model, rows, config, &train, 1.0, masks, setup.shards).unwrap();
    assert_eq!(grads.len(), setup.shards, "shards run");
    (f64::from(loss.into_scalar::<f32>()), sum(model, grads))
}

/// Three steps of `head` on `setup` against the golden values.
fn check_head<M>(head: &str, setup: &Setup, row: fn(&Value) -> M::Row)
where
    M: Objective + BertCheckpointModel + Module + Clone,
{
    eprintln!("{head} on {}:", setup.name);
    let cases = cases();
    let recipe = &cases["recipe"];
    let f = |k: &str| recipe[k].as_f64().unwrap();
    let n = |k: &str| recipe[k].as_u64().unwrap() as usize;
    let train = setup.device.clone().autodiff();
    let ckpt = Checkpoint::<M>::from_dir(fixtures().join(head), &train).unwrap();
    assert!(ckpt.report.initialised.is_empty(), "{:?}", ckpt.report);
    let (mut model, config) = (ckpt.model, ckpt.config);
    let mut optim = Optimizer::new(&model, f("weight_decay"), f("adam_epsilon"), &setup.device);
    let degenerate = degenerate(head);
    let mut lr_sum = 0.0;
    for (k, step) in cases["heads"][head]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let rows: Vec<M::Row> = step["rows"].as_array().unwrap().iter().map(row).collect();
        let refs: Vec<&M::Row> = rows.iter().collect();
        let (loss, grads) = batch_grads(&model, &refs, &config, setup);
        let want = step["loss"].as_f64().unwrap();
        eprintln!(
            "  step {}: loss {loss:.7} (torch {want:.7}), diff {:.1e}",
            k + 1,
            (loss - want).abs()
        );
        assert!(
            (loss - want).abs() <= setup.tol.loss,
            "step {}: loss",
            k + 1
        );
        if k == 0 {
            let ours = hf_grads(&model, &grads)
                .unwrap_or_else(|missing| panic!("no gradient reached {missing:?}"));
            let want = golden(head, "grad.");
            compare(
                "gradients, step 1",
                &ours,
                &want,
                |_| setup.tol.grad,
                &degenerate,
            );
        }
        let lr = linear_lr(f("lr"), k, n("warmup_steps"), n("total_steps"));
        lr_sum += lr as f32;
        assert!((lr - step["lr"].as_f64().unwrap()).abs() < 1e-12, "lr {lr}");
        let norm;
        (model, norm) = optim.step(lr, model, grads, f("max_grad_norm")).unwrap();
        let norm = f64::from(norm.unwrap().into_scalar::<f32>());
        let want = step["grad_norm"].as_f64().unwrap();
        eprintln!(
            "  step {}: grad norm diff {:.1e}",
            k + 1,
            (norm - want).abs()
        );
        assert!(
            (norm - want).abs() <= setup.tol.norm,
            "grad norm {norm} vs {want}"
        );
        if k >= 1 {
            let key = format!("step{}.", k + 1);
            let what = format!("parameters after step {}", k + 1);
            let tol = |name: &str| match degenerate.contains(name) {
                true => lr_sum,
                false => setup.tol.param,
            };
            compare(
                &what,
                &hf_params(&model),
                &golden(head, &key),
                tol,
                &degenerate,
            );
        }
    }
}

#[test]
fn classification_two_labels_trains_as_transformers() {
    for setup in setups() {
        check_head::<BertForSequenceClassification>("cls2", &setup, class_row);
    }
}

#[test]
fn classification_three_labels_trains_as_transformers() {
    for setup in setups() {
        check_head::<BertForSequenceClassification>("cls3", &setup, class_row);
    }
}

#[test]
fn regression_trains_as_transformers() {
    for setup in setups() {
        check_head::<BertForSequenceClassification>("regression", &setup, score_row);
    }
}

#[test]
fn question_answering_trains_as_transformers() {
    for setup in setups() {
        check_head::<BertForQuestionAnswering>("qa", &setup, span_row);
    }
}

#[test]
fn pretraining_trains_as_transformers() {
    for setup in setups() {
        check_head::<BertForPreTraining>("pretraining", &setup, masked_row);
    }
}

/// With dropout on (the configs' 0.1, both sites), every parameter of every head gets a
/// gradient that is not all zeros, on every setup; also when the model was loaded carrying the
/// CPU inference kernels, which an autodiff tensor must never take.
fn reaches_every_parameter<M>(head: &str, row: fn(&Value) -> M::Row)
where
    M: Objective + BertCheckpointModel + Module + Clone,
{
    let cases = cases();
    let first = &cases["heads"][head]["steps"][0]["rows"];
    let rows: Vec<M::Row> = first.as_array().unwrap().iter().map(row).collect();
    let refs: Vec<&M::Row> = rows.iter().collect();
    for setup in setups() {
        // The host kernels exist on the CPU only: elsewhere the choice changes nothing.
        let cpu = setup.device == Device::flex();
        for kernels in [Kernels::Burn, Kernels::CpuInference] {
            if kernels == Kernels::CpuInference && !cpu {
                continue;
            }
            let train = setup.device.clone().autodiff();
            let mut config = model_config(head);
            config.hidden_dropout_prob = 0.1;
            config.attention_probs_dropout_prob = 0.1;
            let dir = fixtures().join(head);
            let ckpt = Checkpoint::<M>::from_dir_with_config(dir, config.clone(), &train).unwrap();
            let model = ckpt.model.with_kernels(kernels);
            let (_, grads) = batch_grads(&model, &refs, &config, &setup);
            let grads = hf_grads(&model, &grads).unwrap_or_else(|missing| {
                panic!(
                    "{head} {} {kernels:?}: no gradient for {missing:?}",
                    setup.name
                )
            });
            for (name, g) in &grads {
                assert!(
                    g.iter().any(|&v| v != 0.0),
                    "{head} {} {kernels:?}: the gradient of {name} is all zeros",
                    setup.name
                );
            }
        }
    }
}

fn model_config(head: &str) -> BertConfig {
    let text = std::fs::read_to_string(fixtures().join(head).join("config.json")).unwrap();
    BertConfig::from_json(&text, "config.json").unwrap()
}

#[test]
fn every_parameter_of_every_head_gets_a_gradient() {
    reaches_every_parameter::<BertForSequenceClassification>("cls2", class_row);
    reaches_every_parameter::<BertForSequenceClassification>("regression", score_row);
    reaches_every_parameter::<BertForQuestionAnswering>("qa", span_row);
    reaches_every_parameter::<BertForPreTraining>("pretraining", masked_row);
}
