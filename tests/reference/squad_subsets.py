"""Nested, seeded subsets of SQuAD v1.1 train, and v2-style training sets made from them.

    python3 tests/reference/squad_subsets.py ../shared/data/squad/train-v1.1.json /tmp/squad \
        --sizes 1000,2000,4000 [--seed 0] [--v2-negatives 0.5]

One permutation of all training questions (seed 0) is drawn; `train-N.json` holds its first N
questions, so every subset contains the smaller ones and a curve over N measures data, not
sampling luck. Questions keep their article and paragraph (grouped in the file's order).
Both trainers (ours, and tests/reference/hf_run_qa.py) read the same files.

`train-v2-N.json` (with --v2-negatives P): SQuAD v2.0's train set is not at hand, so its
unanswerable questions are approximated: for each question of train-N, with probability P, the
same question is also asked of another paragraph of the same article that does not contain any
of its answer texts, with `answers: []` and `is_impossible: true` (ids get a `-neg` suffix).
P = 0.5 gives one third unanswerable, as in the real v2.0 train set (43,498 of 130,319). These
negatives are easier than v2.0's, which crowd workers wrote to look answerable.
"""
import argparse
import json
import random
from pathlib import Path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("out")
    ap.add_argument("--sizes", default="1000,2000,4000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--v2-negatives", type=float, default=0.0)
    a = ap.parse_args()
    squad = json.loads(Path(a.train).read_text(encoding="utf-8"))
    # (article, paragraph, question) of every question, in file order.
    where = [(ai, pi, qi)
             for ai, art in enumerate(squad["data"])
             for pi, par in enumerate(art["paragraphs"])
             for qi, _ in enumerate(par["qas"])]
    order = list(range(len(where)))
    random.Random(a.seed).shuffle(order)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for n in [int(s) for s in a.sizes.split(",")]:
        chosen = sorted(where[i] for i in order[:n])
        write(out / f"train-{n}.json", build(squad, chosen, None))
        if a.v2_negatives > 0:
            rng = random.Random(a.seed * 1_000_003 + n)
            write(out / f"train-v2-{n}.json", build(squad, chosen, (rng, a.v2_negatives)))


def build(squad, chosen, negatives):
    """A SQuAD JSON of the chosen questions; with `negatives`, plus unanswerable copies."""
    data, by_par = [], {}
    for ai, pi, qi in chosen:
        by_par.setdefault((ai, pi), []).append(squad["data"][ai]["paragraphs"][pi]["qas"][qi])
    extra = {}
    if negatives:
        rng, p = negatives
        for ai, pi, qi in chosen:
            if rng.random() >= p:
                continue
            art = squad["data"][ai]["paragraphs"]
            qa = art[pi]["qas"][qi]
            texts = [x["text"] for x in qa["answers"]]
            others = [j for j in range(len(art))
                      if j != pi and not any(t in art[j]["context"] for t in texts)]
            if not others:
                continue
            j = rng.choice(others)
            neg = {"id": qa["id"] + "-neg", "question": qa["question"], "answers": [],
                   "is_impossible": True}
            extra.setdefault((ai, j), []).append(neg)
    keys = sorted(set(by_par) | set(extra))
    for ai in sorted({k[0] for k in keys}):
        art = squad["data"][ai]
        pars = []
        for (a2, pi) in keys:
            if a2 != ai:
                continue
            qas = [dict(q, is_impossible=False) if negatives else q
                   for q in by_par.get((ai, pi), [])] + extra.get((ai, pi), [])
            pars.append({"context": art["paragraphs"][pi]["context"], "qas": qas})
        data.append({"title": art["title"], "paragraphs": pars})
    return {"version": "v2.0" if negatives else squad.get("version", "1.1"), "data": data}


def write(path, obj):
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    qs = [q for art in obj["data"] for p in art["paragraphs"] for q in p["qas"]]
    neg = sum(1 for q in qs if q.get("is_impossible"))
    print(f"{path}: {len(obj['data'])} articles, {len(qs)} questions ({neg} unanswerable)")


if __name__ == "__main__":
    main()
