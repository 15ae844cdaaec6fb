"""SQuAD metrics by the official scripts' rules, independent of the Rust code, on real predictions.

    python3 tests/reference/squad_official_eval.py DATA.json PREDICTIONS.json \
        [--na-prob-file null_odds.json [--nbest nbest_predictions.json] [--na-prob-thresh T]]
        [--ours metrics.json]

v1.1 follows `evaluate-v1.1.py` (Rajpurkar et al.): answers normalised (lower case, punctuation
and the articles a/an/the removed, white space collapsed), exact match and token F1, each the
maximum over the gold answers, percent. v2.0 follows `evaluate-v2.0.py`: an unanswerable
question's gold is [""], a question whose na_prob exceeds `--na-prob-thresh` (default 1.0)
counts as answered "", HasAns/NoAns splits, and `best_exact`/`best_f1` with their thresholds
from the sweep over na_probs (`find_best_thresh`).

v2 as our trainer scores it (and as Google's BERT tunes it): `--nbest` takes each question's
best non-empty n-best answer as its prediction, null_odds.json as na_probs, and `--na-prob-thresh`
the decoding threshold (0 for run_qa's default), so that `exact`/`f1` are the answers of that
threshold and `best_f1_thresh` is a `null_score_diff_threshold`.

The rules themselves are task_reference.py's `squad_v1`/`squad_v2`, the Python code the Rust
metric goldens come from; this script applies them to real predictions files. (HF `evaluate`
loads its metric scripts from the Hub, which this machine cannot reach.)

With `--ours`, the metrics.json (or eval_metrics.json) that `train` wrote is compared key by key
and the largest difference printed; the exit status is 1 when any differs by more than 1e-9.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import task_reference as ref  # noqa: E402


def aligned(dataset, preds, na_probs=None):
    """Golds, predictions (and na_probs) in question order; a missing prediction is an error."""
    qas = [qa for art in dataset for par in art["paragraphs"] for qa in par["qas"]]
    missing = [qa["id"] for qa in qas if qa["id"] not in preds
               or (na_probs is not None and qa["id"] not in na_probs)]
    if missing:
        sys.exit(f"error: no prediction for {len(missing)} questions, e.g. {missing[0]}")
    golds = [[a["text"] for a in qa["answers"]] for qa in qas]
    out = (golds, [preds[qa["id"]] for qa in qas])
    return out + ([na_probs[qa["id"]] for qa in qas],) if na_probs is not None else out


def evaluate_v1(dataset, preds):
    return ref.squad_v1(*aligned(dataset, preds))


def evaluate_v2(dataset, preds, na_probs, na_prob_thresh=1.0):
    return ref.squad_v2(*aligned(dataset, preds, na_probs), na_prob_thresh)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("predictions")
    ap.add_argument("--na-prob-file")
    ap.add_argument("--na-prob-thresh", type=float, default=1.0)
    ap.add_argument("--nbest")
    ap.add_argument("--ours")
    a = ap.parse_args()
    dataset = json.load(open(a.data, encoding="utf-8"))["data"]
    preds = json.load(open(a.predictions, encoding="utf-8"))
    if a.na_prob_file:
        na = json.load(open(a.na_prob_file, encoding="utf-8"))
        if a.nbest:
            nbest = json.load(open(a.nbest, encoding="utf-8"))
            preds = {q: next((e["text"] for e in nb if e["text"] != ""), "")
                     for q, nb in nbest.items()}
        res = evaluate_v2(dataset, preds, na, a.na_prob_thresh)
    else:
        res = evaluate_v1(dataset, preds)
    print(json.dumps(res))
    if a.ours:
        ours = json.load(open(a.ours, encoding="utf-8"))
        ours = ours.get("best", {}).get("metrics", ours)  # metrics.json, or a flat map
        ours = {k.removeprefix("eval_"): v for k, v in ours.items()}
        diffs = {k: abs(ours[k] - v) for k, v in res.items() if k in ours and k != "total"}
        worst = max(diffs.values()) if diffs else float("nan")
        print(json.dumps({"compared": sorted(diffs), "max_abs_diff": worst}))
        return int(not diffs or worst > 1e-9)
    return 0


if __name__ == "__main__":
    sys.exit(main())
