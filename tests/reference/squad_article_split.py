"""Splits SQuAD v1.1 dev by article for the trainer's SQuAD run (no train set is at hand):
the first 38 articles become train-v1.1.json, the last 10 dev-v1.1.json.

    python3 tests/reference/squad_article_split.py ../shared/data/squad/dev-v1.1.json /tmp/squad-split
"""
import json
import sys
from pathlib import Path

src, out = Path(sys.argv[1]), Path(sys.argv[2])
doc = json.loads(src.read_text(encoding="utf-8"))
out.mkdir(parents=True, exist_ok=True)
for name, part in [("train-v1.1.json", doc["data"][:38]), ("dev-v1.1.json", doc["data"][38:])]:
    (out / name).write_text(json.dumps({"version": doc["version"], "data": part}), encoding="utf-8")
    print(name, len(part), "articles", sum(len(p["qas"]) for a in part for p in a["paragraphs"]), "questions")
