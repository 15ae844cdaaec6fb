"""Builds the samples that `train` ships for its no-flag runs, from the shared GLUE/SQuAD copies.

    python3 crates/bert-train/data/make_samples.py ../shared/data

SST-2: 4,000 training sentences drawn with seed 0 from GLUE's train.tsv, and the whole dev.tsv
(872). SQuAD v1.1: the only labelled SQuAD file at hand is the official dev set; 7 of its
first 10 articles become a training sample (first answer only, as run_qa trains on) and two
articles of the last 10 (the evaluation articles of the trainer's documented split) the eval sample.
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

squad = json.loads((src / "squad/dev-v1.1.json").read_text(encoding="utf-8"))
articles = squad["data"]


def subset(indices, first_answer_only):
    data = []
    for i in indices:
        a = json.loads(json.dumps(articles[i]))
        if first_answer_only:
            for p in a["paragraphs"]:
                for q in p["qas"]:
                    q["answers"] = q["answers"][:1]
        data.append(a)
    return {"version": squad["version"], "data": data}


(out / "squad").mkdir(exist_ok=True)
for name, idx, first in [("train-v1.1.json", [1, 2, 4, 5, 7, 8, 9], True),
                         ("dev-v1.1.json", [38, 40], False)]:
    text = json.dumps(subset(idx, first), ensure_ascii=False, separators=(",", ":"))
    (out / "squad" / name).write_text(text, encoding="utf-8")
