#!/usr/bin/env python3
"""Dump transformers' BertTokenizerFast encodings of real data for the Rust comparison.

Not a CI step: it needs /work/shared. Run, then compare with the Rust example:
    python3 tests/reference/task_dump_hf_encodings.py --out /tmp/hf_dump
    cargo run --release -p bert-tasks --example compare_hf -- /tmp/hf_dump

Versions used for the reported figures: python 3.11.7, transformers 5.24.0, tokenizers 0.23.3.

Writes into --out:
  meta.json            paths and versions
  encodings.jsonl      one line per text: kind, text(s), max_length, ids, type_ids, offsets
                       (every SQuAD dev question, every distinct SQuAD dev context, every SST-2
                       dev sentence, without truncation; GLUE dev pairs with longest_first, 128)
  squad_features.jsonl one line per 384/128 window of SQuAD dev, from the run_qa.py feature code
                       in task_reference.py (ids, type ids, offsets, labels)
"""

import argparse
import csv
import json
import os
import sys

import tokenizers
import transformers
from transformers import BertTokenizerFast

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import task_reference as ref  # noqa: E402

csv.field_size_limit(1 << 30)


def tsv_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter="\t", quotechar=None))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="/work/shared/models/all-MiniLM-L6-v2")
    ap.add_argument("--data", default="/work/shared/data")
    ap.add_argument("--out", default="/tmp/hf_dump")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    tok = BertTokenizerFast.from_pretrained(args.model)
    print("transformers", transformers.__version__, "tokenizers", tokenizers.__version__)

    squad_path = os.path.join(args.data, "squad", "dev-v1.1.json")
    with open(squad_path, encoding="utf-8") as f:
        squad = json.load(f)
    examples = {"id": [], "question": [], "context": [], "answers": []}
    contexts = []
    for art in squad["data"]:
        for p in art["paragraphs"]:
            contexts.append(p["context"])
            for qa in p["qas"]:
                examples["id"].append(qa["id"])
                examples["question"].append(qa["question"])
                examples["context"].append(p["context"])
                examples["answers"].append({
                    "text": [a["text"] for a in qa["answers"]],
                    "answer_start": [a["answer_start"] for a in qa["answers"]],
                })
    sst2 = [r[0] for r in tsv_rows(os.path.join(args.data, "sst2", "dev.tsv"))[1:]]

    singles = ([("squad_question", q) for q in examples["question"]]
               + [("squad_context", c) for c in contexts]
               + [("sst2", s) for s in sst2])
    pairs = []
    for task, a, b in [("mrpc", "#1 String", "#2 String"), ("stsb", "sentence1", "sentence2"),
                       ("rte", "sentence1", "sentence2"), ("wnli", "sentence1", "sentence2"),
                       ("qnli", "question", "sentence")]:
        rows = tsv_rows(os.path.join(args.data, task, "dev.tsv"))
        ia, ib = rows[0].index(a), rows[0].index(b)
        pairs += [(task, r[ia], r[ib]) for r in rows[1:]]

    n = 0
    with open(os.path.join(args.out, "encodings.jsonl"), "w", encoding="utf-8") as f:
        enc = tok([t for _, t in singles], return_offsets_mapping=True)
        for i, (kind, text) in enumerate(singles):
            f.write(json.dumps({"kind": kind, "a": text, "b": None, "max_length": None,
                                "ids": enc["input_ids"][i], "type_ids": enc["token_type_ids"][i],
                                "offsets": enc["offset_mapping"][i]}, ensure_ascii=False) + "\n")
            n += 1
        enc = tok([a for _, a, _ in pairs], [b for _, _, b in pairs], truncation="longest_first",
                  max_length=128, return_offsets_mapping=True)
        for i, (kind, a, b) in enumerate(pairs):
            f.write(json.dumps({"kind": kind, "a": a, "b": b, "max_length": 128,
                                "ids": enc["input_ids"][i], "type_ids": enc["token_type_ids"][i],
                                "offsets": enc["offset_mapping"][i]}, ensure_ascii=False) + "\n")
            n += 1
    print(f"encodings: {n} lines ({len(examples['question'])} questions, {len(contexts)} "
          f"contexts, {len(sst2)} sst2 sentences, {len(pairs)} GLUE pairs)")

    train = ref.prepare_train_features(tok, examples, 384, 128)
    val = ref.prepare_validation_features(tok, examples, 384, 128)
    nf = len(val["input_ids"])
    with open(os.path.join(args.out, "squad_features.jsonl"), "w", encoding="utf-8") as f:
        for i in range(nf):
            length = sum(val["attention_mask"][i])
            f.write(json.dumps({
                "example_id": val["example_id"][i],
                "input_ids": val["input_ids"][i][:length],
                "token_type_ids": val["token_type_ids"][i][:length],
                "offsets": val["offset_mapping"][i][:length],
                "start_hf": train["start_positions"][i], "end_hf": train["end_positions"][i],
                "start": train["start_positions_fixed"][i], "end": train["end_positions_fixed"][i],
            }) + "\n")
    diff = sum(a != b for a, b in zip(train["start_positions"], train["start_positions_fixed"]))
    print(f"squad dev: {len(examples['id'])} questions, {nf} windows at 384/128; "
          f"run_qa.py start label differs from the bounded scan in {diff} windows")
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump({"model": args.model, "data": args.data, "squad": squad_path,
                   "questions": len(examples["id"]), "windows": nf, "label_diffs": diff,
                   "transformers": transformers.__version__,
                   "tokenizers": tokenizers.__version__}, f, indent=1)


if __name__ == "__main__":
    main()
