"""Interleaved throughput and accuracy: our `train` vs transformers' Trainer
(tests/reference/hf_finetune.py), same recipe, same machine, alternating processes.

    cargo build --release -p bert-train
    python3 tests/reference/train_compare.py --runs 3 --max-train-samples 4000

Prints each run and the medians; examples/s are training examples per second of training
time (tokenization, model loading and evaluation excluded on both sides).
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ours(a, out):
    cmd = [str(ROOT / "target/release/train"), "--task", "sst2", "--data-dir", a.data_dir,
           "--model", a.model, "--epochs", str(a.epochs), "--batch-size", str(a.batch_size),
           "--lr", str(a.lr), "--warmup-ratio", "0.1", "--weight-decay", "0.01",
           "--device", "cpu", "--output-dir", out, "--no-index", "--logging-steps", "50"]
    if a.max_train_samples:
        cmd += ["--max-train-samples", str(a.max_train_samples)]
    subprocess.run(["rm", "-rf", out], check=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        sys.exit(p.stderr)
    m = json.loads(p.stdout.strip().splitlines()[-1])
    return {"accuracy": m["best"]["metrics"]["accuracy"],
            "examples_per_s": m["train_samples_per_second"], "train_s": m["train_runtime_s"]}


def torch_run(a):
    cmd = [sys.executable, str(ROOT / "tests/reference/hf_finetune.py"), "--model", a.model,
           "--data-dir", a.data_dir, "--epochs", str(a.epochs), "--batch-size", str(a.batch_size),
           "--lr", str(a.lr), "--threads", str(a.threads)]
    if a.max_train_samples:
        cmd += ["--max-train-samples", str(a.max_train_samples)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        sys.exit(p.stderr)
    m = json.loads(p.stdout.strip().splitlines()[-1])
    return {"accuracy": m["accuracy"], "examples_per_s": m["train_samples_per_second"],
            "train_s": m["train_runtime_s"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--model", default=str(ROOT / "../shared/models/all-MiniLM-L6-v2"))
    ap.add_argument("--data-dir", default=str(ROOT / "../shared/data/sst2"))
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-train-samples", type=int)
    a = ap.parse_args()
    rows = {"burn": [], "torch": []}
    for i in range(a.runs):
        for name in ("torch", "burn") if i % 2 else ("burn", "torch"):
            r = ours(a, f"/tmp/train-compare-{i}") if name == "burn" else torch_run(a)
            rows[name].append(r)
            print(json.dumps({"run": i, "side": name, **r}), flush=True)
    med = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in rows.items()}
    med["ratio_examples_per_s"] = med["burn"]["examples_per_s"] / med["torch"]["examples_per_s"]
    print(json.dumps({"median": med}))


if __name__ == "__main__":
    main()
