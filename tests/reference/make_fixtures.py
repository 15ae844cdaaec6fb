#!/usr/bin/env python3
"""Golden values for bert-model's parity tests, from Hugging Face transformers.

Builds small seeded random BERTs with transformers (BertModel and its sequence-classification,
regression, question-answering and pretraining heads, and a BertForMaskedLM saved as
`pytorch_model.bin` with its tied decoder keys, as bert-base-uncased ships), saves each as an HF folder under
tests/fixtures/model/<name>/, runs fixed batches through them and writes the inputs and outputs
to tests/fixtures/model/expected.json.

Pinned (what the committed fixtures were made with):
    pip install torch==2.15.0 transformers==5.24.0 safetensors==0.8.0
Run from the repository root:
    python3 tests/reference/make_fixtures.py
"""
import json
import os
import random

import torch
import transformers
from transformers import (BertConfig, BertForMaskedLM, BertForPreTraining,
                          BertForQuestionAnswering, BertForSequenceClassification, BertModel)

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "model")
SEED = 1234


def config(**kw):
    base = dict(vocab_size=120, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                intermediate_size=64, max_position_embeddings=64, type_vocab_size=2,
                hidden_act="gelu", layer_norm_eps=1e-12, attn_implementation="eager")
    base.update(kw)
    return BertConfig(**base)


def seeded(cls, cfg, seed):
    torch.manual_seed(seed)
    model = cls(cfg).eval()
    # Randomise LayerNorm and biases too (HF initialises them to 1/0, which would hide a
    # gamma/beta mix-up or a dropped bias).
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "LayerNorm" in name:
                p.add_(torch.randn_like(p) * 0.1)
    return model


def batch(rows, pad_to):
    """rows: list of (ids, type_ids). Pads with [PAD]=0 to pad_to."""
    ids, types, mask = [], [], []
    for r_ids, r_types in rows:
        n = len(r_ids)
        ids.append(r_ids + [0] * (pad_to - n))
        types.append(r_types + [0] * (pad_to - n))
        mask.append([1] * n + [0] * (pad_to - n))
    return dict(input_ids=ids, token_type_ids=types, attention_mask=mask)


def make_batches(cfg):
    rng = random.Random(SEED)
    word = lambda: rng.randrange(5, cfg.vocab_size)  # 0..4 are [PAD] [UNK] [CLS] [SEP] [MASK]

    def single(n):
        ids = [2] + [word() for _ in range(n - 2)] + [3]
        return ids, [0] * n

    def pair(n_a, n_b):
        ids = [2] + [word() for _ in range(n_a)] + [3] + [word() for _ in range(n_b)] + [3]
        return ids, [0] * (n_a + 2) + [1] * (n_b + 1)

    m = cfg.max_position_embeddings
    return {
        # single sentences and a pair, padded to the longest row
        "short": batch([single(7), pair(4, 6), single(3)], 13),
        # a row as long as the position table allows, and a padded pair
        "long": batch([single(m), pair(20, 17)], m),
    }


def tolist(t):
    return t.detach().to(torch.float32).reshape(-1).tolist()


def main():
    os.makedirs(OUT, exist_ok=True)
    models = {
        "base": seeded(BertModel, config(), 1),
        "classifier": seeded(BertForSequenceClassification, config(
            num_labels=3, id2label={0: "negative", 1: "neutral", 2: "positive"},
            label2id={"negative": 0, "neutral": 1, "positive": 2}), 2),
        # tanh-approximate GELU and regression (num_labels == 1, as STS-B)
        "regression": seeded(BertForSequenceClassification,
                             config(num_labels=1, hidden_act="gelu_new"), 3),
        "qa": seeded(BertForQuestionAnswering, config(), 4),
        "pretraining": seeded(BertForPreTraining, config(), 5),
        "masked_lm": seeded(BertForMaskedLM, config(), 6),
    }
    batches = make_batches(models["base"].config)
    expected = {"transformers": transformers.__version__, "torch": torch.__version__,
                "batches": {}}
    for bname, b in batches.items():
        t = {k: torch.tensor(v) for k, v in b.items()}
        rec = {"inputs": b, "outputs": {}}
        with torch.no_grad():
            out = models["base"](**t)
            rec["outputs"]["base.last_hidden_state"] = tolist(out.last_hidden_state)
            rec["outputs"]["base.pooler_output"] = tolist(out.pooler_output)
            rec["outputs"]["classifier.logits"] = tolist(models["classifier"](**t).logits)
            rec["outputs"]["regression.logits"] = tolist(models["regression"](**t).logits)
            qa = models["qa"](**t)
            rec["outputs"]["qa.start_logits"] = tolist(qa.start_logits)
            rec["outputs"]["qa.end_logits"] = tolist(qa.end_logits)
            # [batch, seq, vocab] logits are large: the short batch covers these heads.
            if bname == "short":
                pt = models["pretraining"](**t)
                rec["outputs"]["pretraining.prediction_logits"] = tolist(pt.prediction_logits)
                rec["outputs"]["pretraining.seq_relationship_logits"] = tolist(
                    pt.seq_relationship_logits)
                rec["outputs"]["masked_lm.logits"] = tolist(models["masked_lm"](**t).logits)
        expected["batches"][bname] = rec
    for name, model in models.items():
        model.config.attn_implementation = None
        if name == "masked_lm":
            # bert-base-uncased's layout: a pickled state dict that repeats the tied
            # embeddings under cls.predictions.decoder.weight.
            path = os.path.join(OUT, name)
            os.makedirs(path, exist_ok=True)
            model.config.architectures = ["BertForMaskedLM"]
            model.config.save_pretrained(path)
            torch.save(model.state_dict(), os.path.join(path, "pytorch_model.bin"))
        else:
            model.save_pretrained(os.path.join(OUT, name), safe_serialization=True)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f)
    print("wrote", OUT, "with transformers", transformers.__version__)


if __name__ == "__main__":
    main()
