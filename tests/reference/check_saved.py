#!/usr/bin/env python3
"""Loads checkpoints written by our `save_dir` (see the example `export_check`) with
transformers' Auto classes and compares their logits with the ones our code computed.

    cargo run --release -p bert-model --example export_check -- /tmp/bert-export
    python3 tests/reference/check_saved.py /tmp/bert-export
"""
import json
import os
import sys

import torch
from transformers import AutoModelForQuestionAnswering, AutoModelForSequenceClassification

HERE = os.path.dirname(__file__)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/bert-export"
    ours = json.load(open(os.path.join(out, "ours.json")))
    batches = json.load(open(os.path.join(HERE, "../fixtures/model/expected.json")))["batches"]
    worst = 0.0
    for name in ["classifier", "regression", "qa"]:
        cls = AutoModelForQuestionAnswering if name == "qa" else AutoModelForSequenceClassification
        model = cls.from_pretrained(os.path.join(out, name), attn_implementation="eager").eval()
        for b, batch in batches.items():
            t = {k: torch.tensor(v) for k, v in batch["inputs"].items()}
            with torch.no_grad():
                res = model(**t)
            if name == "qa":
                pairs = [(f"qa.{b}.start", res.start_logits), (f"qa.{b}.end", res.end_logits)]
            else:
                pairs = [(f"{name}.{b}", res.logits)]
            for key, theirs in pairs:
                diff = (theirs.reshape(-1) - torch.tensor(ours[key])).abs().max().item()
                worst = max(worst, diff)
                print(f"{type(model).__name__:32} {key:24} max-abs-diff {diff:.3e}")
    print(f"worst {worst:.3e}")
    sys.exit(0 if worst <= 1e-4 else 1)


if __name__ == "__main__":
    main()
