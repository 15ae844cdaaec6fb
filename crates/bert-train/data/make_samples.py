"""Builds the samples that `train` ships for its no-flag runs, from the shared GLUE/SQuAD copies.

    python3 crates/bert-train/data/make_samples.py ../shared/data

SST-2: 4,000 training sentences drawn with seed 0 from GLUE's train.tsv, and the whole dev.tsv
(872). SQuAD v1.1: 20 whole articles of the train set (87,599 questions, rebuilt from the
official explorer; see ../shared/data/squad/PROVENANCE.md), drawn with seed 0, for training,
and two articles of the official dev set (the 38th and 40th) for evaluation, all answers kept.
"""
import json
import random
import sys
from pathlib import Path

src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
out = Path(__file__).resolve().parent

lines = (src / "sst2/train.tsv").read_text(encoding="utf-8").split("\n")
header, rows = lines[0], [l for l in lines[1:] if l]
random.Random(0).shuffle(rows)
(out / "sst2").mkdir(exist_ok=True)
(out / "sst2/train.tsv").write_text("\n".join([header] + rows[:4000]) + "\n", encoding="utf-8")
(out / "sst2/dev.tsv").write_bytes((src / "sst2/dev.tsv").read_bytes())

dev = json.loads((src / "squad/dev-v1.1.json").read_text(encoding="utf-8"))
train = json.loads((src / "squad/train-v1.1.json").read_text(encoding="utf-8"))
picked = sorted(random.Random(0).sample(range(len(train["data"])), 20))


def subset(squad, indices):
    return {"version": squad["version"], "data": [squad["data"][i] for i in indices]}


(out / "squad").mkdir(exist_ok=True)
for name, squad, idx in [("train-v1.1.json", train, picked), ("dev-v1.1.json", dev, [38, 40])]:
    obj = subset(squad, idx)
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    (out / "squad" / name).write_text(text, encoding="utf-8")
    n = sum(len(p["qas"]) for a in obj["data"] for p in a["paragraphs"])
    print(f"squad/{name}: {len(idx)} articles, {n} questions, {len(text.encode())} bytes")
