#!/usr/bin/env python3
"""HF BertTokenizerFast throughput on SST-2 dev, to set beside
`cargo run --release -p bert-tasks --example tokenize_bench` (same settings: special tokens,
offsets, truncation to 128). Versions used: python 3.11.7, transformers 5.24.0, tokenizers 0.23.3.

    python3 tests/reference/task_bench_hf_tokenizer.py
"""

import csv
import os
import sys
import time

import transformers
from transformers import BertTokenizerFast


def measure(label, n, fn):
    fn()
    start, rounds = time.perf_counter(), 0
    while time.perf_counter() - start < 2.0 or rounds < 3:
        fn()
        rounds += 1
    secs = time.perf_counter() - start
    print(f"{label}: {rounds * n / secs:.0f} sentences/s ({rounds} rounds of {n} in {secs:.2f} s)")


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/models/all-MiniLM-L6-v2"
    data = sys.argv[2] if len(sys.argv) > 2 else "/work/shared/data/sst2"
    tok = BertTokenizerFast.from_pretrained(model)
    with open(os.path.join(data, "dev.tsv"), encoding="utf-8", newline="") as f:
        texts = [r[0] for r in list(csv.reader(f, delimiter="\t", quotechar=None))[1:]]
    print(f"transformers {transformers.__version__}, {len(texts)} sentences, "
          f"TOKENIZERS_PARALLELISM={os.environ.get('TOKENIZERS_PARALLELISM', '(unset)')}")
    kw = dict(truncation=True, max_length=128, return_offsets_mapping=True)
    measure("one by one", len(texts), lambda: [tok(t, **kw) for t in texts])
    measure("batch call", len(texts), lambda: tok(texts, **kw))


if __name__ == "__main__":
    main()
