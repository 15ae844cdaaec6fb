#!/usr/bin/env python3
"""Golden values for crates/bert-tasks, written to tests/fixtures/tasks/.

Generated with (printed again at run time; the fixtures record them too):
    python 3.11.7, transformers 5.24.0, tokenizers 0.23.3, numpy 2.4.6, scipy 1.17.1,
    scikit-learn 1.9.1

Usage:
    python3 tests/reference/make_task_fixtures.py [--vocab /work/shared/data/bert_vocab/vocab.txt]

What comes from where:
  * tokenizer_cases.json: ids, type ids, offsets and truncation from transformers'
    BertTokenizerFast built from vocab.txt (uncased and cased), and from a tiny tokenizer.json.
  * qa_features.json: windows and labels from the run_qa.py feature functions
    (task_reference.prepare_train_features / prepare_validation_features), which call the real
    tokenizer exactly as run_qa.py does.
  * qa_decode.json: predictions, n-best lists and null odds from task_reference's
    postprocess_qa_predictions (utils_qa.py semantics) on made-up logits.
  * metrics.json: scikit-learn / SciPy values and the official SQuAD v1.1 / v2.0 formulas.

The official SQuAD scripts and utils_qa.py are not on PyPI, so task_reference.py re-implements
them (see its docstrings); nothing here is copied from those files.
"""

import argparse
import json
import os
import shutil
import sys

import numpy as np
import scipy
import scipy.stats
import sklearn
import sklearn.metrics
import tokenizers
import transformers
from transformers import BertTokenizerFast

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import task_reference as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "tasks")

VERSIONS = {
    "python": sys.version.split()[0],
    "transformers": transformers.__version__,
    "tokenizers": tokenizers.__version__,
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "sklearn": sklearn.__version__,
}

SENTENCES = [
    "Hello, world! This is BERT.",
    "Héllo wörld: café, naïve, résumé, Ångström, façade.",
    "东京是日本的首都。北京欢迎你！",
    "日本語とEnglishが混ざった文 with 한국어 and ไทย too.",
    "Emoji 😀👍🏽 and 🇫🇷 flags, ❤️ hearts.",
    "Supercalifragilisticexpialidocious " + "a" * 120 + " end.",
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "  leading and trailing spaces  ",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u3000ideographic\u2003em-space",
    "zero\u200bwidth\u200djoiner and soft\u00adhyphen and control\x07char\x00nul",
    "Combining: e\u0301 a\u0308 n\u0303 vs precomposed é ä ñ.",
    "[CLS] literal [SEP] specials [MASK] in text [UNK] [PAD]",
    "Numbers 3.14159, 1,000,000 and 2nd/3rd; e-mail: a.b@c.org; URL https://x.y/z?q=1",
    "Ελληνικά, русский текст, العربية, עברית, हिन्दी.",
    "",
    "   ",
    "it 's a charming and often affecting journey . ",
]

PAIRS = [
    ("What is the capital of Japan?", "Tokyo is the capital of Japan; 東京 has ~14M people."),
    ("A man is playing a flute.", "A man is playing a large flute, vigorously and loudly."),
    ("Short one.", "A much longer second sentence " * 6),
    ("A much longer first sentence " * 6, "Short two."),
    ("Équal length ones here", "équal length twos here"),
    ("", "Empty first."),
]


def vocab_dict(path):
    vocab = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            vocab[line.rstrip("\n")] = i
    return vocab


def encode(tok, a, b=None, max_length=None):
    kw = dict(return_offsets_mapping=True)
    if max_length is not None:
        kw.update(truncation="longest_first", max_length=max_length)
    e = tok(a, b, **kw) if b is not None else tok(a, **kw)
    return {
        "ids": e["input_ids"],
        "type_ids": e["token_type_ids"],
        "offsets": [list(o) for o in e["offset_mapping"]],
    }


def tokenizer_cases(vocab_path):
    shutil.copyfile(vocab_path, os.path.join(OUT, "vocab.txt"))
    vocab = vocab_dict(vocab_path)
    uncased = BertTokenizerFast(vocab=vocab, do_lower_case=True)
    cased = BertTokenizerFast(vocab=vocab, do_lower_case=False)
    cases = []
    for name, tok in [("uncased", uncased), ("cased", cased)]:
        for s in SENTENCES:
            cases.append({"tokenizer": name, "a": s, "b": None, "max_length": None,
                          **encode(tok, s)})
        for a, b in PAIRS:
            for ml in (None, 16, 11):
                cases.append({"tokenizer": name, "a": a, "b": b, "max_length": ml,
                              **encode(tok, a, b, ml)})
        for s in SENTENCES[:6]:
            cases.append({"tokenizer": name, "a": s, "b": None, "max_length": 8,
                          **encode(tok, s, None, 8)})

    # run_glue.py-style batches: longest_first to 16 tokens, padded to max_length / longest.
    batch_a = [a for a, _ in PAIRS]
    batch_b = [b for _, b in PAIRS]
    batches = {}
    for padding in ("max_length", "longest"):
        e = uncased(batch_a, batch_b, truncation=True, max_length=16, padding=padding)
        batches[padding] = {k: e[k] for k in ("input_ids", "token_type_ids", "attention_mask")}
    glue_batch = {"a": batch_a, "b": batch_b, "max_length": 16, **batches}

    # A tiny tokenizer.json: the tokens the uncased samples use, plus ASCII characters.
    used = set()
    for s in SENTENCES + [x for p in PAIRS for x in p]:
        used.update(uncased(s)["input_ids"])
    keep = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    inv = {i: t for t, i in vocab.items()}
    keep += sorted({inv[i] for i in used} - set(keep))
    for c in map(chr, range(33, 127)):
        for t in (c.lower(), "##" + c.lower()):
            if t in vocab and t not in keep:
                keep.append(t)
    tiny_vocab = {t: i for i, t in enumerate(keep)}
    tiny = BertTokenizerFast(vocab=tiny_vocab, do_lower_case=True)
    for s in SENTENCES:
        cases.append({"tokenizer": "tiny", "a": s, "b": None, "max_length": None,
                      **encode(tiny, s)})
    for a, b in PAIRS:
        cases.append({"tokenizer": "tiny", "a": a, "b": b, "max_length": 16,
                      **encode(tiny, a, b, 16)})
    # Saved with truncation and padding switched on: the Rust side must ignore both.
    backend = tiny.backend_tokenizer
    backend.enable_truncation(max_length=6)
    backend.enable_padding(length=40)
    backend.save(os.path.join(OUT, "tokenizer_tiny.json"))
    return {"versions": VERSIONS, "cases": cases, "glue_batch": glue_batch}


def squad_sample():
    """Made-up SQuAD v2 data: multi-window contexts, unicode, answers at window edges."""
    long_ctx = (
        "The Rhine (Rhein in German) is one of the major European rivers. It rises in the "
        "Swiss Alps, flows through Liechtenstein, Austria, Germany, France and the Netherlands, "
        "and empties into the North Sea at Rotterdam. Its total length is 1,230 kilometres. "
        "The river was an important trade route since Roman times; Köln, Düsseldorf and "
        "Straßburg grew along its banks. In 1815 the Congress of Vienna made it an "
        "international waterway. Today ships carry coal, oil and containers; tourists visit "
        "the Lorelei rock near Sankt Goarshausen. Floods happened in 1993 and 1995."
    )
    uni_ctx = (
        "東京 (Tokyo) is Japan's capital 🗼; its population is about 14 million. "
        "Café culture — naïve or not — thrives in Shibuya and Shinjuku."
    )
    def ans(ctx, text, nth=0):
        start = -1
        for _ in range(nth + 1):
            start = ctx.index(text, start + 1)
        return {"text": text, "answer_start": len(ctx[:start])}

    paragraphs = [
        {"context": long_ctx, "qas": [
            {"id": "q1", "question": "Where does the Rhine empty?",
             "answers": [ans(long_ctx, "the North Sea"), ans(long_ctx, "North Sea at Rotterdam")],
             "is_impossible": False},
            {"id": "q2", "question": "   What did the Congress of Vienna do in 1815?",
             "answers": [ans(long_ctx, "made it an international waterway")],
             "is_impossible": False},
            {"id": "q3", "question": "Which rock do tourists visit?",
             "answers": [ans(long_ctx, "Lorelei")], "is_impossible": False},
            {"id": "q4", "question": "How long is the Danube?", "answers": [],
             "plausible_answers": [ans(long_ctx, "1,230 kilometres")], "is_impossible": True},
            {"id": "q5", "question": "When were the floods?",
             "answers": [ans(long_ctx, "1993 and 1995")], "is_impossible": False},
        ]},
        {"context": uni_ctx, "qas": [
            {"id": "u1", "question": "What is the capital of Japan?",
             "answers": [ans(uni_ctx, "東京"), ans(uni_ctx, "Tokyo")], "is_impossible": False},
            {"id": "u2", "question": "What thrives in Shibuya?",
             "answers": [ans(uni_ctx, "Café culture")], "is_impossible": False},
            {"id": "u3", "question": "Who is the mayor?", "answers": [],
             "is_impossible": True},
        ]},
    ]
    return {"version": "v2.0", "data": [{"title": "Made_up", "paragraphs": paragraphs}]}


def flat_examples(doc):
    out = {"id": [], "question": [], "context": [], "answers": []}
    for art in doc["data"]:
        for p in art["paragraphs"]:
            for qa in p["qas"]:
                out["id"].append(qa["id"])
                out["question"].append(qa["question"])
                out["context"].append(p["context"])
                out["answers"].append({
                    "text": [a["text"] for a in qa["answers"]],
                    "answer_start": [a["answer_start"] for a in qa["answers"]],
                })
    return out


def add_window_edge_example(doc, tok, max_len, stride):
    """A question whose answer is the last context token of the first window: run_qa.py's
    start scan runs into [SEP] there (see task_reference.prepare_train_features)."""
    para = doc["data"][0]["paragraphs"][0]
    ctx, q = para["context"], "Which word ends the first window?"
    enc = tok(q, ctx, truncation="only_second", max_length=max_len, stride=stride,
              return_overflowing_tokens=True, return_offsets_mapping=True)
    seq = enc.sequence_ids(0)
    last = len(seq) - 1 - seq[::-1].index(1)
    start, end = enc["offset_mapping"][0][last]
    para["qas"].append({"id": "edge", "question": q, "is_impossible": False,
                        "answers": [{"text": ctx[start:end], "answer_start": start}]})


def qa_fixtures(vocab_path):
    doc = squad_sample()
    tok = BertTokenizerFast(vocab=vocab_dict(vocab_path), do_lower_case=True)
    add_window_edge_example(doc, tok, 48, 16)
    with open(os.path.join(OUT, "squad_sample.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    examples = flat_examples(doc)
    configs = []
    # Stride 0: windows that do not overlap (every window kept, as run_qa.py does).
    for max_len, stride in [(48, 16), (64, 24), (384, 128), (48, 0)]:
        train = ref.prepare_train_features(tok, examples, max_len, stride)
        val = ref.prepare_validation_features(tok, examples, max_len, stride)
        configs.append({
            "max_seq_length": max_len, "doc_stride": stride,
            "input_ids": val["input_ids"], "token_type_ids": val["token_type_ids"],
            "example_id": val["example_id"], "offsets": val["offset_mapping"],
            "start_positions_hf": train["start_positions"],
            "end_positions_hf": train["end_positions"],
            "start_positions": train["start_positions_fixed"],
            "end_positions": train["end_positions_fixed"],
        })
    # A question cut to max_query_length tokens (run_squad.py's rule; run_qa.py has none).
    q = "Which " + "very " * 20 + "long question about the river mentions Rotterdam?"
    mq = 8
    cut = ref.cut_question(tok, q, mq)
    cut_examples = {"id": ["long_q"], "question": [cut], "context": [examples["context"][0]],
                    "answers": [examples["answers"][0]]}
    val = ref.prepare_validation_features(tok, cut_examples, 48, 16)
    query = {"question": q, "context": examples["context"][0], "max_query_length": mq,
             "max_seq_length": 48, "doc_stride": 16, "input_ids": val["input_ids"],
             "offsets": val["offset_mapping"]}
    features = {"versions": VERSIONS, "configs": configs, "max_query": query}

    # Decoding on made-up logits for the 48/16 windows.
    rng = np.random.default_rng(20240611)
    cfg = configs[0]
    n, L = len(cfg["input_ids"]), cfg["max_seq_length"]
    start = rng.normal(0.0, 2.0, size=(n, L)).astype(np.float32)
    end = rng.normal(0.0, 2.0, size=(n, L)).astype(np.float32)
    for i in range(n):  # nudge the labelled spans so some answers come out right
        s, e = cfg["start_positions"][i], cfg["end_positions"][i]
        start[i, s] += np.float32(3.0)
        end[i, e] += np.float32(3.0)
        if cfg["example_id"][i] in ("q4", "u3"):  # unanswerable: make [CLS] likely
            start[i, 0] += np.float32(5.0)
            end[i, 0] += np.float32(5.0)
    for row in list(start) + list(end):
        assert len(set(row.tolist())) == len(row), "tied logits make argsort order ambiguous"
    feats = [{"example_id": cfg["example_id"][i], "offset_mapping": cfg["offsets"][i]}
             for i in range(n)]
    runs = []
    for v2, thr, nbest, maxlen in [(False, 0.0, 20, 30), (True, 0.0, 20, 30),
                                   (True, -2.5, 5, 4), (False, 0.0, 3, 2)]:
        preds, nb, odds = ref.postprocess_qa_predictions(
            examples, feats, (start, end), version_2_with_negative=v2, n_best_size=nbest,
            max_answer_length=maxlen, null_score_diff_threshold=thr)
        runs.append({"version_2_with_negative": v2, "null_score_diff_threshold": thr,
                     "n_best_size": nbest, "max_answer_length": maxlen,
                     "predictions": preds, "nbest": nb, "null_odds": odds})
    decode = {"versions": VERSIONS, "max_seq_length": L, "doc_stride": cfg["doc_stride"],
              "start_logits": start.tolist(), "end_logits": end.tolist(), "runs": runs}
    return features, decode


def metrics_fixture():
    rng = np.random.default_rng(7)
    n = 200
    y2 = rng.integers(0, 2, n)
    p2 = np.where(rng.random(n) < 0.7, y2, 1 - y2)
    y3 = rng.integers(0, 3, n)
    p3 = np.where(rng.random(n) < 0.6, y3, rng.integers(0, 3, n))
    gold = np.round(rng.uniform(0, 5, n) * 5) / 5  # steps of 0.2: many ties
    pred = np.round((gold + rng.normal(0, 1.0, n)) * 2) / 2
    cls = {
        "labels2": y2.tolist(), "preds2": p2.tolist(),
        "labels3": y3.tolist(), "preds3": p3.tolist(),
        "accuracy2": sklearn.metrics.accuracy_score(y2, p2),
        "f1_2": sklearn.metrics.f1_score(y2, p2),
        "mcc2": sklearn.metrics.matthews_corrcoef(y2, p2),
        "accuracy3": sklearn.metrics.accuracy_score(y3, p3),
        "mcc3": sklearn.metrics.matthews_corrcoef(y3, p3),
    }
    reg = {
        "gold": gold.tolist(), "pred": pred.tolist(),
        "pearson": float(scipy.stats.pearsonr(pred, gold)[0]),
        "spearman": float(scipy.stats.spearmanr(pred, gold)[0]),
    }
    golds = [
        ["Denver Broncos", "The Denver Broncos"], ["the  cat's hat!"], ["Saint Bernadette Soubirous"],
        ["1,230 kilometres", "1230 km"], ["an apple a day"], ["Café naïve"], ["Tokyo"],
        ["a b c d"], ["théâtre the_end"], ["Zürich"], ["", "x"], ["New York City"],
    ]
    preds = [
        "Denver Broncos", "Cats hat", "Bernadette", "1230 kilometres", "apple day",
        "café naive", "東京", "b c d e", "theatre theend", "zurich", "", "york city new york",
    ]
    v1 = ref.squad_v1(golds, preds)
    golds2 = golds + [[], [], [], ["Paris"], []]
    preds2 = preds + ["", "something", "", "", "the"]
    na = [0.1, 0.9, 0.3, 0.3, 0.05, 0.7, 0.2, 0.6, 0.4, 0.3, 0.5, 0.35, 0.8, 0.2, 0.95,
          0.6, 0.3]
    v2 = ref.squad_v2(golds2, preds2, na, 1.0)
    v2_half = ref.squad_v2(golds2, preds2, na, 0.5)
    squad = {"golds": golds, "preds": preds, "v1": v1,
             "golds2": golds2, "preds2": preds2, "na_probs": na, "v2": v2,
             "v2_thresh_0_5": v2_half,
             "normalized": {s: ref.normalize_answer(s) for g in golds2 for s in g + preds2}}
    return {"versions": VERSIONS, "classification": cls, "regression": reg, "squad": squad}


def dump(name, obj):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", default="/work/shared/data/bert_vocab/vocab.txt")
    args = ap.parse_args()
    print("versions:", VERSIONS)
    os.makedirs(OUT, exist_ok=True)
    dump("tokenizer_cases.json", tokenizer_cases(args.vocab))
    features, decode = qa_fixtures(args.vocab)
    dump("qa_features.json", features)
    dump("qa_decode.json", decode)
    dump("metrics.json", metrics_fixture())
    for f in sorted(os.listdir(OUT)):
        print(f"{f}: {os.path.getsize(os.path.join(OUT, f))} bytes")


if __name__ == "__main__":
    main()
