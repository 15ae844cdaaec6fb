"""Reference implementations used by make_task_fixtures.py and task_dump_hf_encodings.py.

Written for this project from the behaviour of:
  * transformers examples/pytorch/question-answering/run_qa.py:
    prepare_train_features / prepare_validation_features (tokenizer call and labelling rule);
  * transformers examples/pytorch/question-answering/utils_qa.py: postprocess_qa_predictions;
  * the official SQuAD evaluate-v1.1.py and evaluate-v2.0.py.
None of those files is on PyPI; this module re-implements them (not copied) so the Rust tests
have a Python reference. The tokenizer itself is the real transformers BertTokenizerFast.
"""

import collections
import re
import string

import numpy as np


# ---------------------------------------------------------------- run_qa.py features

def _tokenize_windows(tok, examples, max_len, stride, padding="max_length"):
    questions = [q.lstrip() for q in examples["question"]]  # run_qa.py strips the left
    return tok(
        questions,
        examples["context"],
        truncation="only_second",
        max_length=max_len,
        stride=stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding=padding,
    )


def prepare_train_features(tok, examples, max_len, stride, padding="max_length"):
    """run_qa.py's labels, plus `*_fixed` labels whose start scan stops at the last context
    token (run_qa.py's scan can run past it into [SEP]/padding, whose offsets are (0, 0)),
    beside the windows' model inputs. `padding=False` is run_qa's `--pad_to_max_length False`."""
    enc = _tokenize_windows(tok, examples, max_len, stride, padding)
    out = {"start_positions": [], "end_positions": [],
           "start_positions_fixed": [], "end_positions_fixed": []}
    for i, offsets in enumerate(enc["offset_mapping"]):
        ids = enc["input_ids"][i]
        cls = ids.index(tok.cls_token_id) if tok.cls_token_id in ids else 0
        seq = enc.sequence_ids(i)
        answers = examples["answers"][enc["overflow_to_sample_mapping"][i]]
        if len(answers["answer_start"]) == 0:
            for k in out:
                out[k].append(cls)
            continue
        start_char = answers["answer_start"][0]
        end_char = start_char + len(answers["text"][0])
        first = seq.index(1)
        last = len(seq) - 1 - seq[::-1].index(1)
        if not (offsets[first][0] <= start_char and offsets[last][1] >= end_char):
            for k in out:
                out[k].append(cls)
            continue
        # run_qa.py: unbounded forward scan
        s = first
        while s < len(offsets) and offsets[s][0] <= start_char:
            s += 1
        out["start_positions"].append(s - 1)
        # fixed: the scan stops after the last context token
        s = first
        while s <= last and offsets[s][0] <= start_char:
            s += 1
        out["start_positions_fixed"].append(s - 1)
        e = last
        while offsets[e][1] >= end_char:
            e -= 1
        out["end_positions"].append(e + 1)
        out["end_positions_fixed"].append(e + 1)
    out.update({k: enc[k] for k in ("input_ids", "token_type_ids", "attention_mask")})
    return out


def prepare_validation_features(tok, examples, max_len, stride, padding="max_length"):
    enc = _tokenize_windows(tok, examples, max_len, stride, padding)
    example_id, offsets = [], []
    for i in range(len(enc["input_ids"])):
        seq = enc.sequence_ids(i)
        example_id.append(examples["id"][enc["overflow_to_sample_mapping"][i]])
        offsets.append([list(o) if seq[k] == 1 else None
                        for k, o in enumerate(enc["offset_mapping"][i])])
    return {"input_ids": enc["input_ids"], "token_type_ids": enc["token_type_ids"],
            "attention_mask": enc["attention_mask"], "example_id": example_id,
            "offset_mapping": offsets}


def cut_question(tok, question, max_query_length):
    """Question text cut after its `max_query_length`-th token. For WordPiece, re-tokenizing
    the cut text gives exactly those tokens (greedy longest-prefix matching)."""
    q = question.lstrip()
    e = tok(q, add_special_tokens=False, return_offsets_mapping=True)
    if len(e["input_ids"]) <= max_query_length:
        return q
    return q[: e["offset_mapping"][max_query_length - 1][1]]


# ---------------------------------------------------------------- utils_qa.py decoding

def postprocess_qa_predictions(examples, features, predictions, version_2_with_negative=False,
                               n_best_size=20, max_answer_length=30,
                               null_score_diff_threshold=0.0):
    """utils_qa.postprocess_qa_predictions semantics; returns (predictions, nbest, null_odds)
    as the dicts it writes to predictions.json, nbest_predictions.json, null_odds.json."""
    all_start, all_end = predictions
    index_of = {k: i for i, k in enumerate(examples["id"])}
    per_example = collections.defaultdict(list)
    for i, f in enumerate(features):
        per_example[index_of[f["example_id"]]].append(i)
    all_predictions, all_nbest, null_odds = {}, {}, {}
    for ex_i, ex_id in enumerate(examples["id"]):
        context = examples["context"][ex_i]
        min_null = None
        prelim = []
        for fi in per_example[ex_i]:
            s_log, e_log = all_start[fi], all_end[fi]
            offsets = features[fi]["offset_mapping"]
            null_score = s_log[0] + e_log[0]
            if min_null is None or min_null["score"] > null_score:
                min_null = {"offsets": (0, 0), "score": null_score,
                            "start_logit": s_log[0], "end_logit": e_log[0]}
            starts = np.argsort(s_log)[-1: -n_best_size - 1: -1].tolist()
            ends = np.argsort(e_log)[-1: -n_best_size - 1: -1].tolist()
            for si in starts:
                for ei in ends:
                    if si >= len(offsets) or ei >= len(offsets):
                        continue
                    if offsets[si] is None or offsets[ei] is None:
                        continue
                    if len(offsets[si]) < 2 or len(offsets[ei]) < 2:
                        continue
                    if ei < si or ei - si + 1 > max_answer_length:
                        continue
                    prelim.append({"offsets": (offsets[si][0], offsets[ei][1]),
                                   "score": s_log[si] + e_log[ei],
                                   "start_logit": s_log[si], "end_logit": e_log[ei]})
        if version_2_with_negative and min_null is not None:
            prelim.append(min_null)
            null_score = min_null["score"]
        preds = sorted(prelim, key=lambda x: x["score"], reverse=True)[:n_best_size]
        if (version_2_with_negative and min_null is not None
                and not any(p["offsets"] == (0, 0) for p in preds)):
            preds.append(min_null)
        preds = [dict(p) for p in preds]
        for p in preds:
            o = p.pop("offsets")
            p["text"] = context[o[0]: o[1]]
        if len(preds) == 0 or (len(preds) == 1 and preds[0]["text"] == ""):
            preds.insert(0, {"text": "empty", "start_logit": 0.0, "end_logit": 0.0,
                             "score": 0.0})
        scores = np.array([p.pop("score") for p in preds])
        exp = np.exp(scores - np.max(scores))
        probs = exp / exp.sum()
        for prob, p in zip(probs, preds):
            p["probability"] = prob
        if not version_2_with_negative:
            all_predictions[ex_id] = preds[0]["text"]
        else:
            i = 0
            while preds[i]["text"] == "":
                i += 1
            best = preds[i]
            diff = null_score - best["start_logit"] - best["end_logit"]
            null_odds[ex_id] = float(diff)
            all_predictions[ex_id] = "" if diff > null_score_diff_threshold else best["text"]
        all_nbest[ex_id] = [
            {k: (float(v) if isinstance(v, (np.float16, np.float32, np.float64)) else v)
             for k, v in p.items()} for p in preds]
    return all_predictions, all_nbest, (null_odds if version_2_with_negative else None)


# ---------------------------------------------------------------- official SQuAD metrics

def normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def _f1(gold, pred, v2):
    g, p = normalize_answer(gold).split(), normalize_answer(pred).split()
    if v2 and (len(g) == 0 or len(p) == 0):
        return float(g == p)
    same = sum((collections.Counter(g) & collections.Counter(p)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def squad_v1(golds, preds):
    """evaluate-v1.1.py: max over gold answers, mean over questions, percent."""
    em = f1 = 0.0
    for g, p in zip(golds, preds):
        em += max(float(normalize_answer(x) == normalize_answer(p)) for x in g)
        f1 += max(_f1(x, p, False) for x in g)
    return {"exact_match": 100.0 * em / len(golds), "f1": 100.0 * f1 / len(golds)}


def squad_v2(golds, preds, na_probs, na_prob_thresh):
    """evaluate-v2.0.py with an na_prob file and --na-prob-thresh."""
    n = len(golds)
    has_ans = [bool(g) for g in golds]
    exact_raw, f1_raw = [], []
    for g, p in zip(golds, preds):
        gold = [a for a in g if normalize_answer(a)] or [""]
        exact_raw.append(max(float(normalize_answer(a) == normalize_answer(p)) for a in gold))
        f1_raw.append(max(_f1(a, p, True) for a in gold))

    def thresh(raw):
        return [float(not has_ans[i]) if na_probs[i] > na_prob_thresh else raw[i]
                for i in range(n)]

    exact_t, f1_t = thresh(exact_raw), thresh(f1_raw)
    out = {"exact": 100.0 * sum(exact_t) / n, "f1": 100.0 * sum(f1_t) / n, "total": n}
    for name, keep in [("HasAns", True), ("NoAns", False)]:
        idx = [i for i in range(n) if has_ans[i] == keep]
        if idx:
            out[f"{name}_exact"] = 100.0 * sum(exact_t[i] for i in idx) / len(idx)
            out[f"{name}_f1"] = 100.0 * sum(f1_t[i] for i in idx) / len(idx)
            out[f"{name}_total"] = len(idx)

    def best(raw):
        cur = best_score = sum(1 for h in has_ans if not h)
        best_t = 0.0
        for i in sorted(range(n), key=lambda k: na_probs[k]):
            if has_ans[i]:
                diff = raw[i]
            else:
                diff = -1 if preds[i] else 0
            cur += diff
            if cur > best_score:
                best_score, best_t = cur, na_probs[i]
        return 100.0 * best_score / n, best_t

    out["best_exact"], out["best_exact_thresh"] = best(exact_raw)
    out["best_f1"], out["best_f1_thresh"] = best(f1_raw)
    return out
