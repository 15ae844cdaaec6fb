"""SQuAD metrics by the official scripts' rules, independent of the Rust code, on real predictions.

    python3 tests/reference/squad_official_eval.py DATA.json PREDICTIONS.json \
        [--na-prob-file null_odds.json [--nbest nbest_predictions.json] [--na-prob-thresh T]]
        [--ours metrics.json]

v1.1 follows `evaluate-v1.1.py` (Rajpurkar et al.): answers normalised (lower case, punctuation
and the articles a/an/the removed, white space collapsed), exact match and token F1, each the
maximum over the gold answers, percent. v2.0 follows `evaluate-v2.0.py`: an unanswerable
question's gold is [""], a question whose na_prob exceeds `--na-prob-thresh` (default 1.0)
counts as answered "", HasAns/NoAns splits, and `best_exact`/`best_f1` with their thresholds
from the sweep over na_probs (`find_best_thresh`). Both written out from the scripts' published
logic, not from our `bert-tasks` metrics, so they check them.

v2 as our trainer scores it (and as Google's BERT tunes it): `--nbest` takes each question's
best non-empty n-best answer as its prediction, null_odds.json as na_probs, and `--na-prob-thresh`
the decoding threshold (0 for run_qa's default), so that `exact`/`f1` are the answers of that
threshold and `best_f1_thresh` is a `null_score_diff_threshold`.

With `--ours`, the metrics.json (or eval_metrics.json) that `train` wrote is compared key by key
and the largest difference printed; the exit status is 1 when any differs by more than 1e-9.
"""
import argparse
import collections
import json
import re
import string
import sys


def normalize_answer(s):
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def get_tokens(s):
    return normalize_answer(s).split() if s else []


def compute_exact(gold, pred):
    return int(normalize_answer(gold) == normalize_answer(pred))


def compute_f1(gold, pred):
    g, p = get_tokens(gold), get_tokens(pred)
    if len(g) == 0 or len(p) == 0:
        # v2.0: F1 is 1 when both are empty, else 0.
        return float(g == p)
    common = collections.Counter(g) & collections.Counter(p)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def f1_v1(pred, gold):
    """evaluate-v1.1.py's f1_score: no special case for empty answers."""
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    common = collections.Counter(p) & collections.Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def questions(dataset):
    for article in dataset:
        for par in article["paragraphs"]:
            for qa in par["qas"]:
                yield qa


def evaluate_v1(dataset, preds):
    em = f1 = total = 0
    for qa in questions(dataset):
        total += 1
        if qa["id"] not in preds:
            print(f"unanswered question {qa['id']} will receive score 0", file=sys.stderr)
            continue
        golds = [a["text"] for a in qa["answers"]]
        pred = preds[qa["id"]]
        em += max(float(normalize_answer(pred) == normalize_answer(g)) for g in golds)
        f1 += max(f1_v1(pred, g) for g in golds)
    return {"exact_match": 100.0 * em / total, "f1": 100.0 * f1 / total}


def evaluate_v2(dataset, preds, na_probs, na_prob_thresh=1.0):
    has_ans = {}
    exact, f1 = {}, {}
    for qa in questions(dataset):
        qid = qa["id"]
        golds = [a["text"] for a in qa["answers"] if normalize_answer(a["text"])] or [""]
        has_ans[qid] = bool(qa["answers"])
        if qid not in preds:
            print(f"missing prediction for {qid}", file=sys.stderr)
            continue
        exact[qid] = max(compute_exact(g, preds[qid]) for g in golds)
        f1[qid] = max(compute_f1(g, preds[qid]) for g in golds)

    def apply(scores):
        return {q: (float(not has_ans[q]) if na_probs[q] > na_prob_thresh else s)
                for q, s in scores.items()}

    exact_t, f1_t = apply(exact), apply(f1)
    qids = list(has_ans)
    out = {"exact": 100.0 * sum(exact_t.values()) / len(qids),
           "f1": 100.0 * sum(f1_t.values()) / len(qids), "total": len(qids)}
    for name, keep in [("HasAns", True), ("NoAns", False)]:
        sel = [q for q in qids if has_ans[q] == keep]
        out[f"{name}_total"] = len(sel)
        if sel:
            out[f"{name}_exact"] = 100.0 * sum(exact_t[q] for q in sel) / len(sel)
            out[f"{name}_f1"] = 100.0 * sum(f1_t[q] for q in sel) / len(sel)
    for name, raw in [("exact", exact), ("f1", f1)]:
        best, thresh = find_best_thresh(preds, raw, na_probs, has_ans)
        out[f"best_{name}"], out[f"best_{name}_thresh"] = best, thresh
    return out


def find_best_thresh(preds, scores, na_probs, has_ans):
    num_no_ans = sum(1 for q in has_ans if not has_ans[q])
    cur = best = num_no_ans
    best_thresh = 0.0
    for qid in sorted(na_probs, key=lambda k: na_probs[k]):
        if qid not in scores:
            continue
        if has_ans[qid]:
            diff = scores[qid]
        else:
            diff = -1 if preds[qid] else 0
        cur += diff
        if cur > best:
            best, best_thresh = cur, na_probs[qid]
    return 100.0 * best / len(scores), best_thresh


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
