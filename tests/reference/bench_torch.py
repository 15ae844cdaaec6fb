#!/usr/bin/env python3
"""PyTorch peer of `cargo run --release -p bert-model --example bench`: the same shapes,
inputs and steps (forward in eval mode; training step = forward + backward + AdamW in train
mode), printed as the same JSON lines. CPU, fp32, `--threads` intra-op threads (default 2).

    python3 tests/reference/bench_torch.py [--shapes tiny,mini,minilm] [--batch 32] [--seq 128]
        [--iters 5] [--latency] [--threads 2] [--device cpu|cuda]
"""
import argparse
import json
import statistics
import time

import torch
from transformers import BertConfig, BertForSequenceClassification

PRESETS = {"tiny": (2, 128, 2), "mini": (4, 256, 4), "small": (4, 512, 8),
           "minilm": (6, 384, 12), "base": (12, 768, 12)}


def flops_per_token(c, seq):
    h, i = c.hidden_size, c.intermediate_size
    return c.num_hidden_layers * (8 * h * h + 4 * h * i + 4 * seq * h)


def timed(iters, step, sync):
    step(); step()
    out = []
    for _ in range(iters):
        t = time.perf_counter(); step(); sync(); out.append(time.perf_counter() - t)
    return statistics.median(out)


def report(kind, shape, batch, seq, secs, flops, device):
    report_impl("pytorch", kind, shape, batch, seq, secs, flops, device)


def report_impl(impl, kind, shape, batch, seq, secs, flops, device):
    print(json.dumps({"impl": impl, "device": device, "kind": kind, "shape": shape,
                      "batch": batch, "seq": seq, "ms": round(secs * 1e3, 2),
                      "tokens_per_s": round(batch * seq / secs),
                      "gflops": round(flops / secs / 1e9, 1)}), flush=True)


def onnx_forward(model, ids, mask, a, shape, per_tok):
    """Forward and batch-1 latency of the same weights in ONNX Runtime."""
    import os
    import tempfile

    import onnxruntime as ort
    path = os.path.join(tempfile.mkdtemp(), f"{shape}.onnx")
    with torch.no_grad():
        torch.onnx.export(model, (ids[:1], mask[:1]), path, input_names=["input_ids", "attention_mask"],
                          output_names=["logits"], dynamic_axes={"input_ids": {0: "b", 1: "s"},
                          "attention_mask": {0: "b", 1: "s"}}, opset_version=17, dynamo=False)
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    feed = {"input_ids": ids.cpu().numpy(), "attention_mask": mask.cpu().numpy()}
    feed1 = {k: v[:1] for k, v in feed.items()}
    s = timed(a.iters, lambda: sess.run(None, feed), lambda: None)
    report_impl("onnxruntime", "forward", shape, a.batch, a.seq, s, per_tok * a.batch * a.seq, "cpu")
    if a.latency:
        s = timed(a.iters * 4, lambda: sess.run(None, feed1), lambda: None)
        report_impl("onnxruntime", "latency", shape, 1, a.seq, s, per_tok * a.seq, "cpu")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", default="tiny,mini,minilm")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--latency", action="store_true")
    p.add_argument("--device", default="cpu")
    p.add_argument("--onnx", action="store_true",
                   help="also time the exported model in ONNX Runtime (CPU, --threads threads)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)
    for shape in a.shapes.split(","):
        layers, hidden, heads = PRESETS[shape]
        c = BertConfig(num_hidden_layers=layers, hidden_size=hidden, num_attention_heads=heads,
                       intermediate_size=4 * hidden, num_labels=2)
        model = BertForSequenceClassification(c).to(dev)
        ids = torch.tensor([[(b * 7919 + t * 104729) % 30000 + 100 for t in range(a.seq)]
                            for b in range(a.batch)], device=dev)
        mask = torch.ones_like(ids)
        per_tok = flops_per_token(c, a.seq)
        model.eval()
        with torch.no_grad():
            s = timed(a.iters, lambda: model(input_ids=ids, attention_mask=mask).logits, sync)
            report("forward", shape, a.batch, a.seq, s, per_tok * a.batch * a.seq, a.device)
            if a.latency:
                s = timed(a.iters * 4, lambda: model(input_ids=ids[:1], attention_mask=mask[:1]).logits, sync)
                report("latency", shape, 1, a.seq, s, per_tok * a.seq, a.device)
        if a.onnx:
            onnx_forward(model, ids, mask, a, shape, per_tok)
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
        labels = torch.zeros(a.batch, dtype=torch.long, device=dev)

        def step():
            opt.zero_grad()
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            opt.step()
            loss.item()
        s = timed(a.iters, step, sync)
        report("train_step", shape, a.batch, a.seq, s, 3 * per_tok * a.batch * a.seq, a.device)


if __name__ == "__main__":
    main()
