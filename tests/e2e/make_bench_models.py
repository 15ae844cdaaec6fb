"""MiniLM-shaped task checkpoints for the browser benchmark, in both formats.

    python3 tests/e2e/make_bench_models.py [../shared/models/all-MiniLM-L6-v2] [tests/e2e/.bench]

Writes `minilm-clf` (BertForSequenceClassification, 2 labels) and `minilm-qa`
(BertForQuestionAnswering) from the all-MiniLM-L6-v2 encoder with seeded heads: the HF
triplet our page loads, plus `onnx/model.onnx` exported by torch from the same weights, the
layout transformers.js reads. The heads are untrained: this is for timing only.
"""

import shutil
import sys
from pathlib import Path

import torch
from transformers import BertForQuestionAnswering, BertForSequenceClassification

src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/models/all-MiniLM-L6-v2")
out = Path(sys.argv[2] if len(sys.argv) > 2 else "tests/e2e/.bench")

for name, cls, outputs in [
    ("minilm-clf", BertForSequenceClassification, ["logits"]),
    ("minilm-qa", BertForQuestionAnswering, ["start_logits", "end_logits"]),
]:
    torch.manual_seed(0)
    kwargs = {"id2label": {0: "NEGATIVE", 1: "POSITIVE"}, "label2id": {"NEGATIVE": 0, "POSITIVE": 1}} if "clf" in name else {}
    model = cls.from_pretrained(src, **kwargs).eval()
    dest = out / name
    model.save_pretrained(dest, safe_serialization=True)
    for f in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]:
        if (src / f).exists():
            shutil.copy(src / f, dest / f)
    (dest / "onnx").mkdir(exist_ok=True)
    ids = torch.ones(2, 16, dtype=torch.long)
    axes = {"batch": 0, "seq": 1}
    torch.onnx.export(
        model,
        (ids, ids, torch.zeros_like(ids)),
        dest / "onnx" / "model.onnx",
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=outputs,
        dynamic_axes={n: {0: "batch", 1: "seq"} for n in ["input_ids", "attention_mask", "token_type_ids", *outputs]},
        opset_version=17,
        dynamo=False,
    )
    print(f"wrote {dest}")

# Inputs: 32 SST-2 dev sentences, and a SQuAD dev question whose context is cut (at a word)
# to fill one 384-token window exactly as far as it can.
from transformers import AutoTokenizer  # noqa: E402
import json  # noqa: E402

data = src.parent.parent / "data"
rows = (data / "sst2" / "dev.tsv").read_text().splitlines()[1:33]
sentences = [r.split("\t")[0].strip() for r in rows]
squad = json.loads((data / "squad" / "dev-v1.1.json").read_text())
para = squad["data"][0]["paragraphs"][0]
question = para["qas"][0]["question"]
words = " ".join(p["context"] for p in squad["data"][0]["paragraphs"]).split(" ")
tok = AutoTokenizer.from_pretrained(src)
lo, hi = 1, len(words)
while lo < hi:  # the longest word prefix that fits in 384 tokens
    mid = (lo + hi + 1) // 2
    if len(tok(question, " ".join(words[:mid]))["input_ids"]) <= 384:
        lo = mid
    else:
        hi = mid - 1
context = " ".join(words[:lo])
n = len(tok(question, context)["input_ids"])
(out / "inputs.json").write_text(json.dumps({"sentences": sentences, "question": question, "context": context, "qa_tokens": n}, indent=1))
print(f"inputs: {len(sentences)} sentences, QA window of {n} tokens")
