"""The PyTorch/transformers side of the trainer comparison: the same recipe as
`cargo run --release --bin train`, written out as `transformers.Trainer` runs it (its AdamW
groups, `get_linear_schedule_with_warmup`, `clip_grad_norm_`, its `LengthGroupedSampler`,
`DataCollatorWithPadding`), on the same machine. (Trainer itself is not used: with
transformers 5.24 on this machine it left MiniLM at chance accuracy on SST-2; not investigated.)

    python3 tests/reference/hf_finetune.py --task sst2 --model ../shared/models/all-MiniLM-L6-v2 \
        --data-dir ../shared/data/sst2 --epochs 1 --batch-size 32 --lr 5e-5 --warmup-ratio 0.1 \
        --weight-decay 0.01 [--max-train-samples N] [--threads 2]

Same recipe: AdamW (no decay on bias/LayerNorm), linear warmup/decay, clipping at 1.0, dynamic
padding with length-grouped batches, max_seq_length 128, seed 42, fp32, CPU.
Prints one JSON line: accuracy, train_runtime_s, train_samples_per_second.
"""
import argparse
import csv
import json
import sys
import time

import numpy as np
import torch
from transformers import (AutoModelForSequenceClassification, AutoTokenizer,
                          DataCollatorWithPadding)


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quotechar=None))
    header, rows = rows[0], rows[1:]
    s, l = header.index("sentence"), header.index("label")
    return [r[s] for r in rows], [int(r[l]) for r in rows]


class Encoded(torch.utils.data.Dataset):
    def __init__(self, enc, labels):
        self.enc, self.labels = enc, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        item = {k: v[i] for k, v in self.enc.items()}
        item["labels"] = self.labels[i]
        return item


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", default="sst2", choices=["sst2"])
    ap.add_argument("--model", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--max-seq-length", type=int, default=128)
    ap.add_argument("--max-train-samples", type=int)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--output-dir", default="/tmp/hf-finetune")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    tok = AutoTokenizer.from_pretrained(a.model)
    xt, yt = read_tsv(f"{a.data_dir}/train.tsv")
    xd, yd = read_tsv(f"{a.data_dir}/dev.tsv")
    if a.max_train_samples:
        xt, yt = xt[: a.max_train_samples], yt[: a.max_train_samples]
    enc = lambda x: tok(x, truncation=True, max_length=a.max_seq_length)
    train, dev = Encoded(enc(xt), yt), Encoded(enc(xd), yd)
    # As Trainer's set_seed before the model: the new classifier head is drawn from the seed.
    torch.manual_seed(a.seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        a.model, num_labels=2, id2label={0: "negative", 1: "positive"},
        label2id={"negative": 0, "positive": 1})
    import math
    from transformers import get_linear_schedule_with_warmup
    from transformers.trainer_pt_utils import LengthGroupedSampler
    torch.manual_seed(a.seed)
    steps = math.ceil(math.ceil(len(yt) / a.batch_size) * a.epochs)
    warmup = math.ceil(a.warmup_ratio * steps)
    # Trainer's optimizer groups: no weight decay on biases and LayerNorm weights.
    decay = [p for n, p in model.named_parameters() if not ("bias" in n or "LayerNorm" in n)]
    spared = [p for n, p in model.named_parameters() if "bias" in n or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": spared, "weight_decay": 0.0}], lr=a.lr, eps=1e-8)
    sched = get_linear_schedule_with_warmup(opt, warmup, steps)
    collate = DataCollatorWithPadding(tok)
    lengths = [len(ids) for ids in train.enc["input_ids"]]
    sampler = LengthGroupedSampler(a.batch_size, lengths=lengths,
                                   generator=torch.Generator().manual_seed(a.seed))
    loader = torch.utils.data.DataLoader(train, batch_size=a.batch_size, sampler=sampler,
                                         collate_fn=collate)
    model.train()
    t = time.time()
    done, seen, losses = 0, 0, []
    while done < steps:
        for batch in loader:
            out = model(**batch)
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); opt.zero_grad()
            losses.append(out.loss.item())
            if done % 50 == 0:
                print(done, round(losses[-1], 4), sched.get_last_lr()[0], file=sys.stderr)
            done += 1
            seen += len(batch["labels"])
            if done >= steps:
                break
    wall = time.time() - t
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(yd), a.batch_size):
            b = collate([dev[j] for j in range(i, min(i + a.batch_size, len(yd)))])
            b.pop("labels")
            preds.append(model(**b).logits.argmax(-1))
    acc = float((torch.cat(preds).numpy() == np.array(yd)).mean())
    out = type("O", (), {"metrics": {"train_runtime": wall, "train_samples_per_second": seen / wall}})
    print(json.dumps({
        "framework": f"torch {torch.__version__} transformers", "task": a.task,
        "train_examples": len(yt), "accuracy": acc,
        "train_runtime_s": out.metrics["train_runtime"], "wall_s": wall,
        "train_samples_per_second": out.metrics["train_samples_per_second"],
        "threads": a.threads,
    }))


if __name__ == "__main__":
    sys.exit(main())
