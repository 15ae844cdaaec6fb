#!/usr/bin/env python3
"""Reference hidden states of a real checkpoint (not run in CI: it needs ../shared).

Tokenises the first 60 SST-2 dev sentences and 40 SQuAD dev questions with the checkpoint's
own fast tokenizer, runs transformers' BertModel (fp32, eager attention) in padded batches of
16, and writes ids and unpadded last hidden states to OUT (default /tmp/minilm_reference.json).
The ignored Rust test `real_checkpoint` compares against it:

    python3 tests/reference/minilm_reference.py
    cargo test --release -p bert-model --test real_checkpoint -- --ignored --nocapture
"""
import csv
import json
import os
import sys

import torch
from transformers import AutoTokenizer, BertModel

SHARED = os.environ.get("BERT_SHARED", os.path.join(os.path.dirname(__file__), "../../../shared"))
MODEL = os.path.join(SHARED, "models/all-MiniLM-L6-v2")
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/minilm_reference.json"


def main():
    with open(os.path.join(SHARED, "data/sst2/dev.tsv")) as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    texts = [r[0] for r in rows[:60]]
    with open(os.path.join(SHARED, "data/squad/dev-v1.1.json")) as f:
        squad = json.load(f)["data"]
    questions = [qa["question"] for art in squad for p in art["paragraphs"] for qa in p["qas"]]
    texts += questions[:40]
    tok = AutoTokenizer.from_pretrained(MODEL)
    model = BertModel.from_pretrained(MODEL, attn_implementation="eager").eval()
    out = {"model": MODEL, "sentences": []}
    for i in range(0, len(texts), 16):
        enc = tok(texts[i:i + 16], padding=True, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**enc).last_hidden_state
        for j, text in enumerate(texts[i:i + 16]):
            n = int(enc["attention_mask"][j].sum())
            out["sentences"].append({
                "text": text,
                "input_ids": enc["input_ids"][j][:n].tolist(),
                "token_type_ids": enc["token_type_ids"][j][:n].tolist(),
                "last_hidden_state": hidden[j, :n].reshape(-1).tolist(),
            })
    with open(OUT, "w") as f:
        json.dump(out, f)
    print(f"wrote {OUT}: {len(out['sentences'])} sentences")


if __name__ == "__main__":
    main()
