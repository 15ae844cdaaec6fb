#!/usr/bin/env python3
"""Runs our bench and the PyTorch peer interleaved, N processes each (speed on these machines
is bimodal per process), and prints a markdown table of medians with the ratio.

    python3 tests/reference/bench_compare.py [--runs 3] [--device cpu] [-- extra bench args]

Needs a release build of the example: cargo build --release -p bert-model --example bench
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run(cmd):
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--torch-device", default="cpu")
    p.add_argument("--threads", default="2")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--onnx", action="store_true", help="also time ONNX Runtime (CPU) in the peer")
    p.add_argument("--bench-bin", help="our bench binary (default: target/release/examples/bench)")
    p.add_argument("rest", nargs="*")
    a = p.parse_args()
    default_bin = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                               "release", "examples", "bench")
    ours = [a.bench_bin or default_bin, "--device", a.device] + a.rest
    peer = [sys.executable, os.path.join(ROOT, "tests/reference/bench_torch.py"),
            "--threads", a.threads, "--device", a.torch_device] + a.rest + (["--onnx"] if a.onnx else [])
    rows = {}
    for r in range(a.runs):
        for name, cmd in [("burn", ours)] + ([] if a.no_torch else [("pytorch", peer)]):
            for rec in run(cmd):
                key = (rec["kind"], rec["shape"], rec["batch"], rec["seq"])
                rows.setdefault(key, {}).setdefault(rec["impl"], []).append(rec)
            print(f"run {r + 1}/{a.runs} {name} done", file=sys.stderr)
    print(f"| step | shape | batch×seq | burn ({a.device}) ms | burn tokens/s | burn GFLOP/s "
          f"| PyTorch ({a.torch_device}) ms | PyTorch GFLOP/s | speed burn/PyTorch "
          f"| ONNX Runtime ms | speed burn/ORT |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (kind, shape, batch, seq), by in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        med = {n: {f: statistics.median(r[f] for r in recs) for f in ("ms", "tokens_per_s", "gflops")}
               for n, recs in by.items()}
        b, t, o = med.get("burn"), med.get("pytorch"), med.get("onnxruntime")
        ratio = lambda peer: f"{peer['ms'] / b['ms']:.2f}×" if b and peer else "–"
        fmt = lambda m, f: f"{m[f]:.1f}" if m else "–"
        print(f"| {kind} | {shape} | {batch}×{seq} | {fmt(b, 'ms')} | {fmt(b, 'tokens_per_s')} | "
              f"{fmt(b, 'gflops')} | {fmt(t, 'ms')} | {fmt(t, 'gflops')} | {ratio(t)} | "
              f"{fmt(o, 'ms')} | {ratio(o)} |")
    n = {impl: len(recs) for by in rows.values() for impl, recs in by.items()}
    print(f"\nMedians over processes: {n}; speed ratio > 1 means burn is faster.")


if __name__ == "__main__":
    main()
