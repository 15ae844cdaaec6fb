//! Forward and training-step throughput of BERT shapes, printed as JSON lines.
//!
//! ```text
//! cargo run --release -p bert-model --example bench -- --device cpu
//!     [--shapes tiny,mini,minilm] [--batch 32] [--seq 128] [--iters 5] [--latency]
//! ```
//! `tests/reference/bench_compare.py` runs it interleaved with the PyTorch peer
//! (`tests/reference/bench_torch.py`) and writes the table of BENCHMARKS.md.

use std::time::Instant;

use bert_model::device::{DeviceChoice, select_device};
use bert_model::{
    BertCheckpointModel, BertConfig, BertForSequenceClassification, BertInput, Kernels,
};
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};

struct Args {
    device: DeviceChoice,
    shapes: Vec<String>,
    batch: usize,
    seq: usize,
    iters: usize,
    latency: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        device: DeviceChoice::Cpu,
        shapes: vec!["tiny".into(), "mini".into(), "minilm".into()],
        batch: 32,
        seq: 128,
        iters: 5,
        latency: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--device" => args.device = value()?.parse()?,
            "--shapes" => args.shapes = value()?.split(',').map(String::from).collect(),
            "--batch" => args.batch = value()?.parse().map_err(|e| format!("--batch: {e}"))?,
            "--seq" => args.seq = value()?.parse().map_err(|e| format!("--seq: {e}"))?,
            "--iters" => args.iters = value()?.parse().map_err(|e| format!("--iters: {e}"))?,
            "--latency" => args.latency = true,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

/// Matmul FLOPs of one forward pass per token (2 per multiply-add), attention included.
fn forward_flops_per_token(c: &BertConfig, seq: usize) -> f64 {
    let (h, i, s) = (c.hidden_size as f64, c.intermediate_size as f64, seq as f64);
    c.num_hidden_layers as f64 * (8.0 * h * h + 4.0 * h * i + 4.0 * s * h)
}

fn input(config: &BertConfig, batch: usize, seq: usize, device: &Device) -> BertInput {
    // Deterministic pseudo-random ids; the values do not change the work done.
    let ids: Vec<Vec<u32>> = (0..batch)
        .map(|b| {
            (0..seq)
                .map(|t| ((b * 7919 + t * 104729) % 30000 + 100) as u32)
                .collect()
        })
        .collect();
    let types: Vec<Vec<u32>> = (0..batch).map(|_| vec![0; seq]).collect();
    BertInput::from_rows(&ids, &types, None, config, device).expect("valid ids")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn time(iters: usize, mut step: impl FnMut()) -> f64 {
    step(); // warm-up: kernels compiled, autotuned, buffers allocated
    step();
    median(
        (0..iters)
            .map(|_| {
                let t = Instant::now();
                step();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn report(kind: &str, shape: &str, batch: usize, seq: usize, secs: f64, flops: f64, device: &str) {
    let tokens = (batch * seq) as f64;
    println!(
        "{{\"impl\":\"burn\",\"device\":\"{device}\",\"kind\":\"{kind}\",\"shape\":\"{shape}\",\"batch\":{batch},\"seq\":{seq},\"ms\":{:.2},\"tokens_per_s\":{:.0},\"gflops\":{:.1}}}",
        secs * 1e3,
        tokens / secs,
        flops / secs / 1e9
    );
}

fn main() -> Result<(), String> {
    let args = parse_args()?;
    let selected = select_device(args.device).map_err(|e| e.to_string())?;
    eprintln!("device: {selected}");
    let dev_name = if selected.is_gpu { "wgpu" } else { "cpu" };
    for shape in &args.shapes {
        let config = BertConfig::preset(shape).ok_or(format!("unknown shape {shape}"))?;
        let per_token = forward_flops_per_token(&config, args.seq);
        let (batch, seq) = (args.batch, args.seq);

        let device = selected.device.clone();
        // What `predict` and the page run: the host kernels on the CPU.
        let model = BertForSequenceClassification::new(&config, &device)
            .with_kernels(Kernels::for_inference(&device));
        let x = input(&config, batch, seq, &device);
        let secs = time(args.iters, || {
            let _ = model.forward(x.clone()).into_data();
        });
        report(
            "forward",
            shape,
            batch,
            seq,
            secs,
            per_token * (batch * seq) as f64,
            dev_name,
        );
        if args.latency {
            let x1 = input(&config, 1, seq, &device);
            let secs = time(args.iters * 4, || {
                let _ = model.forward(x1.clone()).into_data();
            });
            report(
                "latency",
                shape,
                1,
                seq,
                secs,
                per_token * seq as f64,
                dev_name,
            );
        }

        let device = selected.device.clone().autodiff();
        let mut model = Some(BertForSequenceClassification::new(&config, &device));
        let mut optim = AdamWConfig::new().with_weight_decay(0.01).init();
        let x = input(&config, batch, seq, &device);
        let secs = time(args.iters, || {
            let m = model.take().expect("model");
            let logits = m.forward(x.clone()); // [batch, 2]
            let loss: Tensor<1> = log_softmax(logits, 1).narrow(1, 0, 1).mean().neg();
            let grads = GradientsParams::from_grads(loss.backward(), &m);
            let m = optim.step(2e-5, m, grads);
            let _ = loss.into_data();
            model = Some(m);
        });
        report(
            "train_step",
            shape,
            batch,
            seq,
            secs,
            3.0 * per_token * (batch * seq) as f64,
            dev_name,
        );
    }
    Ok(())
}
