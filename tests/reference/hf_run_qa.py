"""The PyTorch side of the SQuAD comparison: `run_qa.py`'s preprocessing and `utils_qa.py`'s
postprocessing (transformers' examples/pytorch/question-answering), offline on this machine,
with the trainer recipe of tests/reference/hf_finetune.py.

    python3 tests/reference/hf_run_qa.py --model ../shared/models/all-MiniLM-L6-v2 \
        --train-file /tmp/squad/train-4000.json --eval-file ../shared/data/squad/dev-v1.1.json \
        --max-seq-length 256 --doc-stride 64 --batch-size 16 --lr 1e-4 --warmup-ratio 0.1 \
        --weight-decay 0.01 --epochs 1 [--version-2] [--threads 2] [--output-dir D]
    python3 tests/reference/hf_run_qa.py --model models/squad --eval-file ... --eval-only \
        --compare-with models/squad/eval_predictions.json

The second form runs transformers' model and utils_qa's decoding on a checkpoint that our
trainer wrote, and counts the questions whose answer differs from ours (windows, n-best,
max_answer_length and the v2 rule are all in play).

Windows and decoding are tests/reference/task_reference.py's (the run_qa/utils_qa rules the
Rust goldens come from), with run_qa's `--pad_to_max_length False --group_by_length`: windows padded per batch
(`DataCollatorWithPadding`) in length-grouped batches (`LengthGroupedSampler`), which is what
our trainer does, so both sides do the same arithmetic. AdamW without decay on biases and
LayerNorm weights, linear warmup/decay, clipping at 1.0, seed 42, fp32. One difference from
run_qa: it truncates the windows again to `--max_train_samples`; here whole files are used.
Metrics by tests/reference/squad_official_eval.py. Prints one JSON line; with --output-dir
writes predictions.json, null_odds.json (v2), nbest_predictions.json and metrics.json, and
train_losses.json (every step's loss).

A controlled run, to tell the trainers apart from the luck of the draw: `--save-start D
--dropout 0` saves the start (the new head drawn once), then both sides train from D with
`--order ours` here, so they see the same weights, the same batches in the same order, and no
dropout. What is left between them is arithmetic.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from transformers import (AutoModelForQuestionAnswering, AutoTokenizer, DataCollatorWithPadding,
                          get_linear_schedule_with_warmup)
from transformers.trainer_pt_utils import LengthGroupedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import task_reference as ref  # noqa: E402
from squad_official_eval import evaluate_v1, evaluate_v2  # noqa: E402


def read_squad(path):
    """Examples as the `datasets` squad loader gives them, in columns: id, question, context,
    answers (the layout task_reference's functions take)."""
    data = json.load(open(path, encoding="utf-8"))["data"]
    cols = {"id": [], "question": [], "context": [], "answers": []}
    for art in data:
        for par in art["paragraphs"]:
            for qa in par["qas"]:
                cols["id"].append(qa["id"])
                cols["question"].append(qa["question"])
                cols["context"].append(par["context"])
                cols["answers"].append({"text": [a["text"] for a in qa["answers"]],
                                        "answer_start": [a["answer_start"] for a in qa["answers"]]})
    return data, cols


class Rows(torch.utils.data.Dataset):
    def __init__(self, enc, keys):
        self.enc, self.keys = enc, keys

    def __len__(self):
        return len(self.enc["input_ids"])

    def __getitem__(self, i):
        return {k: self.enc[k][i] for k in self.keys}


MASK = (1 << 64) - 1


def splitmix64(state):
    """One step of bert-tasks' SplitMix64: (new state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def ours_batches(lengths, batch_size, seed, epoch):
    """Our trainer's batch order (bert-train/src/sampler.rs `length_grouped_batches`), so that a
    controlled run can give both sides the same batches in the same order. sampler.rs's test
    checks this port's output."""
    _, state = splitmix64((seed ^ ((epoch * 0xD6E8FEB86659FD93) & MASK)) & MASK)
    order = list(range(len(lengths)))
    for i in range(len(order) - 1, 0, -1):
        state, r = splitmix64(state)
        j = r % (i + 1)
        order[i], order[j] = order[j], order[i]
    mega = max(batch_size * 50, 1)
    megas = [sorted(order[k:k + mega], key=lambda i: -lengths[i])
             for k in range(0, len(order), mega)]
    if megas:
        # Rust's max_by_key keeps the last of equal maxima.
        longest = max(range(len(megas)), key=lambda m: (lengths[megas[m][0]], m))
        megas[0], megas[longest] = megas[longest], megas[0]
    return [m[k:k + batch_size] for m in megas for k in range(0, len(m), batch_size)]


def train(model, tok, feats, a):
    keys = ["input_ids", "token_type_ids", "attention_mask", "start_positions", "end_positions"]
    ds = Rows(feats, keys)
    torch.manual_seed(a.seed)
    steps = math.ceil(math.ceil(len(ds) / a.batch_size) * a.epochs)
    warmup = math.ceil(a.warmup_ratio * steps)
    named = list(model.named_parameters())
    decay = [p for n, p in named if not ("bias" in n or "LayerNorm" in n)]
    spared = [p for n, p in named if "bias" in n or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": spared, "weight_decay": 0.0}], lr=a.lr, eps=1e-8)
    sched = get_linear_schedule_with_warmup(opt, warmup, steps)
    lengths = [len(x) for x in feats["input_ids"]]
    sampler = LengthGroupedSampler(a.batch_size, lengths=lengths,
                                   generator=torch.Generator().manual_seed(a.seed))
    hf_loader = torch.utils.data.DataLoader(ds, batch_size=a.batch_size, sampler=sampler,
                                            collate_fn=DataCollatorWithPadding(tok))

    def loader(epoch):
        if a.order == "hf":
            return hf_loader
        return torch.utils.data.DataLoader(
            ds, batch_sampler=ours_batches(lengths, a.batch_size, a.seed, epoch),
            collate_fn=DataCollatorWithPadding(tok))
    model.train()
    done, seen, t, losses, epoch = 0, 0, time.time(), [], 0
    while done < steps:
        for batch in loader(epoch):
            loss = model(**batch).loss
            losses.append(loss.item())
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            if done % 50 == 0:
                print(f"step {done}/{steps} loss {loss.item():.4f} "
                      f"{seen / max(time.time() - t, 1e-9):.2f} windows/s", file=sys.stderr)
            done += 1
            seen += len(batch["input_ids"])
            if done >= steps:
                break
        epoch += 1
    return time.time() - t, seen, losses


def evaluate(model, tok, feats, a):
    """Start/end logits of every window, in window order (batches sorted by length)."""
    keys = ["input_ids", "token_type_ids", "attention_mask"]
    ds = Rows(feats, keys)
    order = sorted(range(len(ds)), key=lambda i: -len(feats["input_ids"][i]))
    collate = DataCollatorWithPadding(tok)
    starts, ends = [None] * len(ds), [None] * len(ds)
    model.eval()
    with torch.no_grad():
        for b in range(0, len(order), a.eval_batch_size):
            idx = order[b:b + a.eval_batch_size]
            out = model(**collate([ds[i] for i in idx]))
            for j, i in enumerate(idx):
                n = len(feats["input_ids"][i])
                starts[i] = out.start_logits[j, :n].numpy()
                ends[i] = out.end_logits[j, :n].numpy()
    return starts, ends


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--train-file")
    ap.add_argument("--eval-file", required=True)
    ap.add_argument("--eval-only", action="store_true")
    ap.add_argument("--train-only", action="store_true", help="throughput runs: skip evaluation")
    ap.add_argument("--version-2", action="store_true")
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--eval-batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--max-seq-length", type=int, default=256)
    ap.add_argument("--doc-stride", type=int, default=64)
    ap.add_argument("--n-best-size", type=int, default=20)
    ap.add_argument("--max-answer-length", type=int, default=30)
    ap.add_argument("--null-score-diff-threshold", type=float, default=0.0)
    ap.add_argument("--max-train-samples", type=int)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--output-dir")
    ap.add_argument("--order", choices=["hf", "ours"], default="hf",
                    help="batch order: LengthGroupedSampler's, or our trainer's")
    ap.add_argument("--save-start", help="save the model as it starts (the new head drawn from "
                    "--seed, dropout per --dropout) to this folder, and stop")
    ap.add_argument("--dropout", type=float, help="set hidden and attention dropout")
    ap.add_argument("--compare-with", help="another predictions.json (ours, on the same model): "
                    "count the questions whose answers differ")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tok = AutoTokenizer.from_pretrained(a.model)
    # As run_qa.py's set_seed before the model: the new qa_outputs head is drawn from the seed.
    torch.manual_seed(a.seed)
    extra = {} if a.dropout is None else {"hidden_dropout_prob": a.dropout,
                                          "attention_probs_dropout_prob": a.dropout}
    model = AutoModelForQuestionAnswering.from_pretrained(a.model, **extra)
    if a.save_start:
        model.save_pretrained(a.save_start)
        tok.save_pretrained(a.save_start)
        print(json.dumps({"saved_start": a.save_start}))
        return
    result = {"framework": f"torch {torch.__version__}", "model": a.model,
              "max_seq_length": a.max_seq_length, "doc_stride": a.doc_stride}
    if not a.eval_only:
        _, train_ex = read_squad(a.train_file)
        if a.max_train_samples:
            train_ex = {k: v[:a.max_train_samples] for k, v in train_ex.items()}
        feats = ref.prepare_train_features(tok, train_ex, a.max_seq_length, a.doc_stride,
                                           padding=False)
        wall, seen, losses = train(model, tok, feats, a)
        result.update(train_examples=len(train_ex["id"]), train_windows=len(feats["input_ids"]),
                      train_runtime_s=wall, train_windows_per_second=seen / wall)
        if a.output_dir:
            os.makedirs(a.output_dir, exist_ok=True)
            with open(os.path.join(a.output_dir, "train_losses.json"), "w") as f:
                json.dump(losses, f)
    if not a.train_only:
        dataset, eval_ex = read_squad(a.eval_file)
        feats = ref.prepare_validation_features(tok, eval_ex, a.max_seq_length, a.doc_stride,
                                                padding=False)
        t = time.time()
        starts, ends = evaluate(model, tok, feats, a)
        windows = [{"example_id": e, "offset_mapping": o}
                   for e, o in zip(feats["example_id"], feats["offset_mapping"])]
        preds, nbest, null_odds = ref.postprocess_qa_predictions(
            eval_ex, windows, (starts, ends), version_2_with_negative=a.version_2,
            n_best_size=a.n_best_size, max_answer_length=a.max_answer_length,
            null_score_diff_threshold=a.null_score_diff_threshold)
        result.update(eval_examples=len(eval_ex["id"]), eval_windows=len(feats["input_ids"]),
                      eval_runtime_s=time.time() - t)
        if a.version_2:
            # As our trainer: the score after the decoding threshold, and the threshold sweep
            # over the best non-null spans.
            spans = {q: nb_best(nbest[q]) for q in nbest}
            m = evaluate_v2(dataset, spans, null_odds, a.null_score_diff_threshold)
        else:
            m = evaluate_v1(dataset, preds)
        result.update(m)
        if a.compare_with:
            other = json.load(open(a.compare_with, encoding="utf-8"))
            differ = [q for q in preds if other.get(q) != preds[q]]
            result.update(compared=len(preds), differ=len(differ),
                          differ_examples=[(q, preds[q], other.get(q)) for q in differ[:10]])
        if a.output_dir:
            os.makedirs(a.output_dir, exist_ok=True)
            for name, obj in [("predictions.json", preds), ("nbest_predictions.json", nbest),
                              ("metrics.json", m)] + ([("null_odds.json", null_odds)]
                                                      if a.version_2 else []):
                with open(os.path.join(a.output_dir, name), "w", encoding="utf-8") as f:
                    json.dump(obj, f, ensure_ascii=False, indent=1)
    print(json.dumps(result))


def nb_best(entries):
    """The best non-null answer of an n-best list (utils_qa's `best_non_null_pred`)."""
    return next((e["text"] for e in entries if e["text"] != ""), "")


if __name__ == "__main__":
    sys.exit(main())
