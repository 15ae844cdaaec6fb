#!/usr/bin/env python3
"""Golden values for the training-step parity tests (crates/bert-train/tests/training_parity.rs).

For each head (sequence classification with 2 and 3 labels, regression, question answering,
pretraining) this builds a seeded random BERT with dropout off, saves it under
tests/fixtures/training/<head>/, and trains it for three steps as `transformers.Trainer` does:
the optimizer and schedule come from the Trainer itself (`create_optimizer_and_scheduler`: AdamW
with no decay on biases and LayerNorm weights, linear warmup then decay), and each step is
`loss.backward()`, `clip_grad_norm_(1.0)`, `optimizer.step()`, `scheduler.step()`,
`zero_grad()`, as in `Trainer._inner_training_loop`. Every batch is padded to its longest row.

Written, per head:
- golden.safetensors: `grad.<name>`, the gradient of every named parameter at step 1 (before
  clipping); `step2.<name>` and `step3.<name>`, every parameter after steps 2 and 3. HF names,
  HF layouts.
- cases.json: the recipe, and per step the rows (ids, type ids, targets), loss, gradient norm
  and learning rate.

Pinned (what the committed fixtures were made with):
    pip install torch==2.15.0 transformers==5.24.0 safetensors==0.8.0 accelerate
Run from the repository root:
    python3 tests/reference/make_training_fixtures.py
"""
import json
import os
import random
import tempfile

import torch
import transformers
from safetensors.torch import save_file
from transformers import (BertConfig, BertForPreTraining, BertForQuestionAnswering,
                          BertForSequenceClassification, Trainer, TrainingArguments)

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "training")
SEED = 4321
# Three steps: warmup (lr 0), the peak, then half of it (linear decay).
RECIPE = dict(lr=2e-3, warmup_steps=1, total_steps=3, weight_decay=0.1, adam_epsilon=1e-8,
              max_grad_norm=1.0)
MASK_ID, SPECIAL = 4, 5  # ids 0..4 are [PAD] [UNK] [CLS] [SEP] [MASK]


def config(**kw):
    # Odd sizes (37) so that a transposed weight cannot pass for the right one.
    base = dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=37, max_position_embeddings=40, type_vocab_size=2,
                hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                layer_norm_eps=1e-12, attn_implementation="eager")
    base.update(kw)
    return BertConfig(**base)


def seeded(cls, cfg, seed):
    torch.manual_seed(seed)
    model = cls(cfg)
    # Randomise LayerNorm and biases too (HF initialises them to 1/0, which would hide a
    # gamma/beta mix-up or a missing bias gradient).
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "LayerNorm" in name:
                p.add_(torch.randn_like(p) * 0.1)
    return model


def rows(rng, n, cfg):
    """n rows of 4..20 tokens, every other one a pair (token type 1 on its second part). The
    second row is always 20 long: every batch pads to 20 (and a 2-shard split, 3 + 2 rows,
    pads its first shard to 20 and its second to less), so the wgpu test compiles one set of
    kernel shapes (lavapipe compiles slowly)."""
    out = []
    for i in range(n):
        length = 20 if i == 1 else rng.randrange(4, 20)
        ids = [2] + [rng.randrange(SPECIAL, cfg.vocab_size) for _ in range(length - 2)] + [3]
        types = [0] * length
        if i % 2:
            cut = length // 2
            ids[cut] = 3
            types = [0] * (cut + 1) + [1] * (length - cut - 1)
        out.append({"ids": ids, "type_ids": types})
    return out


def targets(head, rng, batch, cfg):
    for k, row in enumerate(batch):
        n = len(row["ids"])
        if head == "cls2":
            row["label"] = rng.randrange(2)
        elif head == "cls3":
            row["label"] = rng.randrange(3)
        elif head == "regression":
            row["label"] = round(rng.uniform(0.0, 5.0), 3)
        elif head == "qa":
            s = rng.randrange(n)
            e = rng.randrange(s, n)
            # A position past the padded batch is ignored (HF clamps it to ignore_index):
            # one row's end, another row's start.
            if k == 1:
                e = 1000
            if k == 3:
                s = 999
            row["start_position"], row["end_position"] = s, e
        elif head == "pretraining":
            labels = [-100] * n
            for c in range(1, n):
                if row["ids"][c] == 3 or rng.random() >= 0.25:
                    continue
                labels[c] = row["ids"][c]
                r = rng.random()
                if r < 0.8:
                    row["ids"][c] = MASK_ID
                elif r < 0.9:
                    row["ids"][c] = rng.randrange(SPECIAL, cfg.vocab_size)
            row["labels"] = labels
            row["next_sentence_label"] = rng.randrange(2)


def tensors(head, batch):
    seq = max(len(r["ids"]) for r in batch)
    pad = lambda key, v: torch.tensor([r[key] + [v] * (seq - len(r[key])) for r in batch])
    t = dict(input_ids=pad("ids", 0), token_type_ids=pad("type_ids", 0),
             attention_mask=torch.tensor([[1] * len(r["ids"]) + [0] * (seq - len(r["ids"]))
                                          for r in batch]))
    if head in ("cls2", "cls3"):
        t["labels"] = torch.tensor([r["label"] for r in batch])
    elif head == "regression":
        t["labels"] = torch.tensor([r["label"] for r in batch], dtype=torch.float32)
    elif head == "qa":
        t["start_positions"] = torch.tensor([r["start_position"] for r in batch])
        t["end_positions"] = torch.tensor([r["end_position"] for r in batch])
    else:
        t["labels"] = pad("labels", -100)
        t["next_sentence_label"] = torch.tensor([r["next_sentence_label"] for r in batch])
    return t


def train(head, model, batches):
    """Three steps as the Trainer takes them; returns the per-step records and the golden."""
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(
            output_dir=tmp, learning_rate=RECIPE["lr"], weight_decay=RECIPE["weight_decay"],
            adam_epsilon=RECIPE["adam_epsilon"], warmup_steps=RECIPE["warmup_steps"],
            max_steps=RECIPE["total_steps"], lr_scheduler_type="linear",
            max_grad_norm=RECIPE["max_grad_norm"], report_to=[], use_cpu=True)
        trainer = Trainer(model=model, args=args)
        trainer.create_optimizer_and_scheduler(num_training_steps=RECIPE["total_steps"])
        opt, sched = trainer.optimizer, trainer.lr_scheduler
    golden, steps = {}, []
    model.train()
    for k, batch in enumerate(batches, start=1):
        out = model(**tensors(head, batch))
        out.loss.backward()
        if k == 1:
            for name, p in model.named_parameters():
                assert p.grad is not None, f"{head}: {name} has no gradient"
                golden[f"grad.{name}"] = p.grad.detach().clone()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), RECIPE["max_grad_norm"])
        lr = sched.get_last_lr()[0]
        opt.step()
        sched.step()
        opt.zero_grad()
        if k >= 2:
            for name, p in model.named_parameters():
                golden[f"step{k}.{name}"] = p.detach().clone()
        steps.append({"rows": batch, "loss": out.loss.item(), "grad_norm": norm.item(),
                      "lr": lr})
    return steps, golden


def main():
    heads = {
        "cls2": (BertForSequenceClassification,
                 dict(num_labels=2, problem_type="single_label_classification")),
        "cls3": (BertForSequenceClassification,
                 dict(num_labels=3, problem_type="single_label_classification")),
        "regression": (BertForSequenceClassification,
                       dict(num_labels=1, problem_type="regression")),
        "qa": (BertForQuestionAnswering, {}),
        "pretraining": (BertForPreTraining, {}),
    }
    cases = {"transformers": transformers.__version__, "torch": torch.__version__,
             "recipe": RECIPE, "heads": {}}
    for i, (head, (cls, kw)) in enumerate(heads.items()):
        cfg = config(**kw)
        model = seeded(cls, cfg, SEED + i)
        path = os.path.join(OUT, head)
        model.config.attn_implementation = None
        model.save_pretrained(path, safe_serialization=True)
        rng = random.Random(SEED + i)
        batches = []
        for _ in range(RECIPE["total_steps"]):
            batch = rows(rng, 5, cfg)
            targets(head, rng, batch, cfg)
            batches.append(batch)
        steps, golden = train(head, model, batches)
        save_file({k: v.contiguous() for k, v in golden.items()},
                  os.path.join(path, "golden.safetensors"), metadata={"format": "pt"})
        cases["heads"][head] = {"steps": steps}
        print(head, [(round(s["loss"], 4), round(s["grad_norm"], 3), s["lr"]) for s in steps])
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("wrote", OUT, "with transformers", transformers.__version__)


if __name__ == "__main__":
    main()
