"""A `pretrain` output folder in transformers: loads as BertForPreTraining with no missing or
unexpected keys, and HF's fill-mask pipeline gives the same top-k as our `predict --fill-mask`.

    cargo build --release -p bert-train
    python3 tests/reference/check_fill_mask.py models/pretrained "the city is the [MASK] of the country ."
"""
import json
import subprocess
import sys
from pathlib import Path

from transformers import AutoTokenizer, BertForPreTraining, pipeline

ROOT = Path(__file__).resolve().parents[2]


def main():
    folder, text = sys.argv[1], sys.argv[2]
    _, info = BertForPreTraining.from_pretrained(folder, output_loading_info=True)
    bad = {k: sorted(v) for k, v in info.items() if v}
    theirs = pipeline("fill-mask", model=folder, tokenizer=AutoTokenizer.from_pretrained(folder),
                      top_k=5)(text)
    ours = json.loads(subprocess.run(
        [str(ROOT / "target/release/predict"), "--model", folder, "--device", "cpu",
         "--fill-mask", text, "--top-k", "5"],
        check=True, capture_output=True, text=True).stdout)
    same_tokens = [t["token"] for t in theirs] == [o["token"] for o in ours]
    diff = max(abs(t["score"] - o["score"]) for t, o in zip(theirs, ours))
    seqs = [t["sequence"] for t in theirs] == [o["sequence"] for o in ours]
    print(json.dumps({"load_report": bad, "same_tokens": same_tokens, "same_sequences": seqs,
                      "max_score_diff": diff, "top": [o["token_str"] for o in ours]}))
    return 0 if not bad and same_tokens and seqs and diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
