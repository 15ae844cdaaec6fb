#!/usr/bin/env python3
"""Crash safety, measured: SIGKILL a `train` run and a `pretrain` run at N seeded random
moments, resume each time with --resume, and check that the result is bit-identical to an
uninterrupted run on the CPU (weights bytes, evaluations, logged losses).

    cargo build --release --bin train --bin pretrain
    python3 scripts/kill_resume.py --kills 20 --seed 1           # figures go in BENCHMARKS.md

Data: the bundled SST-2 sample (first 400 train / 100 dev rows) and a synthetic WikiText-layout
corpus, with the fixture tokenizer, so a run takes seconds; nothing from ../shared."""

import argparse, json, os, random, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOK = ROOT / "tests/fixtures/tasks/tokenizer_tiny.json"


def sst2(dirpath):
    d = dirpath / "sst2"
    d.mkdir()
    for split, n in (("train", 400), ("dev", 100)):
        lines = (ROOT / f"crates/bert-train/data/sst2/{split}.tsv").read_text().splitlines()
        (d / f"{split}.tsv").write_text("\n".join(lines[: n + 1]) + "\n")
    return d


def wiki(dirpath, seed):
    rng = random.Random(seed)
    words = [("the cat", "sat on", "the mat"), ("a dog", "ran to", "the park"),
             ("the bird", "flew over", "the river"), ("my friend", "drove into", "the city")]
    text = ["\n"]
    for a in range(40):
        text.append(f" = Article {a} = \n\n")
        for _ in range(4):
            s = " ".join(f"{x} {v} {o} on day {rng.randint(1, 9)} ." for x, v, o in rng.choices(words, k=4))
            text.append(f" {s} \n\n")
    p = dirpath / "wiki.train.tokens"
    p.write_text("".join(text))
    return p


def train_cmd(bins, data, out):
    return [str(bins / "train"), "--task", "sst2", "--data-dir", str(data), "--from-scratch", "tiny",
            "--tokenizer", str(TOK), "--output-dir", str(out), "--no-index", "--device", "cpu",
            "--batch-size", "8", "--epochs", "2", "--lr", "1e-3", "--save-steps", "5",
            "--logging-steps", "4", "--seed", "11"]


def pretrain_cmd(bins, corpus, out):
    return [str(bins / "pretrain"), "--train-files", str(corpus), "--tokenizer", str(TOK),
            "--model-size", "tiny", "--output-dir", str(out), "--device", "cpu", "--batch-size", "8",
            "--epochs", "3", "--max-seq-length", "32", "--save-steps", "5", "--logging-steps", "4",
            "--seed", "7"]


def weights(out):
    b = (out / "model.safetensors").read_bytes()
    n = int.from_bytes(b[:8], "little")
    h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
    return h, b[8 + n:]


def metrics(out):
    m = json.loads((out / "metrics.json").read_text())
    return m.get("evals"), m.get("train_loss")


def run_whole(cmd):
    t = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.time() - t


def has_checkpoint(out):
    return out.exists() and any((c / "trainer_state.json").exists()
                                for c in out.glob("checkpoint-*"))


def killed_runs(name, cmd, whole_secs, kills, rng):
    """Kills at `kills` random moments, resuming after each; returns the resume count. The
    first kill waits for the first checkpoint (before it there is nothing to resume from)."""
    out = Path(cmd[cmd.index("--output-dir") + 1])
    resumes = 0
    for k in range(kills):
        p = subprocess.Popen(cmd + (["--resume"] if k else []),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not has_checkpoint(out) and p.poll() is None:
            time.sleep(0.002)
        # On average 1/kills of an uninterrupted run (startup included), so that all the kills
        # land before the run can end.
        time.sleep(rng.uniform(0.05, max(0.1, 2 * whole_secs / kills)))
        if p.poll() is not None:
            if p.returncode != 0:
                sys.exit(f"{name}: run {k} failed with {p.returncode} before its kill")
            break
        p.send_signal(signal.SIGKILL)
        p.wait()
        resumes += 1
        print(f"  {name}: kill {k + 1}/{kills} done", flush=True)
    if not (out / "metrics.json").exists():
        subprocess.run(cmd + ["--resume"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    return resumes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin-dir", default=str(ROOT / "target/release"))
    ap.add_argument("--runs", default="train,pretrain", help="which runs, comma-separated")
    a = ap.parse_args()
    bins, rng = Path(a.bin_dir), random.Random(a.seed)
    tmp = Path(tempfile.mkdtemp(prefix="kill-resume-"))
    results = {}
    try:
        data, corpus = sst2(tmp), wiki(tmp, a.seed)
        for name, make, src in (("train", train_cmd, data), ("pretrain", pretrain_cmd, corpus)):
            if name not in a.runs.split(","):
                continue
            whole, cut = tmp / f"{name}-whole", tmp / f"{name}-cut"
            secs = run_whole(make(bins, src, whole))
            resumes = killed_runs(name, make(bins, src, cut), secs, a.kills, rng)
            same_w = weights(whole) == weights(cut)
            same_m = metrics(whole) == metrics(cut)
            if not same_m:
                for a_, b_ in zip(metrics(whole)[0] or [], metrics(cut)[0] or []):
                    if a_ != b_:
                        print(f"  {name}: first differing evaluation: {a_} vs {b_}", flush=True)
                        break
            results[name] = dict(kills=a.kills, resumes=resumes, whole_run_s=round(secs, 1),
                                 identical_weights=same_w, identical_metrics=same_m)
            print(f"{name}: {resumes} kills resumed; bit-identical weights {same_w}, "
                  f"same evaluations and losses {same_m} (uninterrupted run {secs:.1f} s)", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results))
    ok = all(r["identical_weights"] and r["identical_metrics"] and r["resumes"] == a.kills
             for r in results.values())
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
