//! SQuAD windows, labels and answer decoding against the run_qa.py / utils_qa.py reference
//! (`qa_features.json`, `qa_decode.json` from `tests/reference/make_task_fixtures.py`).

mod common;

use bert_tasks::{
    BertTokenizer, DecodeConfig, QaConfig, QaFeature, parse_squad, postprocess_qa_predictions,
    prepare_qa_features, qa_windows,
};
use common::{f32s, fixture, fixture_path, offsets, strings, u32s, vocab_text};
use serde_json::Value;

fn setup(
    max_seq_length: usize,
    doc_stride: usize,
) -> (Vec<bert_tasks::SquadExample>, Vec<QaFeature>) {
    let tok = BertTokenizer::from_vocab(&vocab_text(), true).unwrap();
    let text = std::fs::read_to_string(fixture_path("squad_sample.json")).unwrap();
    let examples = parse_squad(&text, "squad_sample.json").unwrap();
    let cfg = QaConfig {
        max_seq_length,
        doc_stride,
        max_query_length: None,
    };
    let features = prepare_qa_features(&tok, &examples, &cfg).unwrap();
    (examples, features)
}

#[test]
fn windows_and_labels_match_run_qa() {
    let fx = fixture("qa_features.json");
    for c in fx["configs"].as_array().unwrap() {
        let max_len = c["max_seq_length"].as_u64().unwrap() as usize;
        let stride = c["doc_stride"].as_u64().unwrap() as usize;
        let (_, features) = setup(max_len, stride);
        let n = c["input_ids"].as_array().unwrap().len();
        assert_eq!(features.len(), n, "window count at {max_len}/{stride}");
        let ids_hf = strings(&c["example_id"]);
        let mut label_diffs = Vec::new();
        for (i, f) in features.iter().enumerate() {
            let ctx = format!("{max_len}/{stride} window {i}");
            // HF pads every window to max_length with [PAD] (0), type 0 and offset None.
            let hf_ids = u32s(&c["input_ids"][i]);
            let len = f.window.input_ids.len();
            assert_eq!(f.window.input_ids, hf_ids[..len], "{ctx}");
            assert!(hf_ids[len..].iter().all(|&x| x == 0), "{ctx}");
            assert_eq!(
                f.window.token_type_ids,
                u32s(&c["token_type_ids"][i])[..len],
                "{ctx}"
            );
            let hf_off = offsets(&c["offsets"][i]);
            assert_eq!(f.window.offsets, hf_off[..len], "{ctx}");
            assert!(hf_off[len..].iter().all(Option::is_none), "{ctx}");
            assert_eq!(f.example_id, ids_hf[i], "{ctx}");
            let want = (
                c["start_positions"][i].as_u64().unwrap() as usize,
                c["end_positions"][i].as_u64().unwrap() as usize,
            );
            assert_eq!((f.start_position, f.end_position), want, "{ctx}");
            let hf = c["start_positions_hf"][i].as_u64().unwrap() as usize;
            if hf != f.start_position {
                label_diffs.push((f.example_id.clone(), hf, f.start_position));
            }
        }
        // The only difference from run_qa.py's own labels: the "edge" question, whose answer is
        // the last context token of the first 48-token window. run_qa.py's start scan runs on
        // into [SEP] (index 47); we stop at the answer token (46).
        if max_len == 48 {
            assert_eq!(label_diffs, [("edge".to_string(), 47, 46)]);
        } else {
            assert!(label_diffs.is_empty(), "{label_diffs:?}");
        }
    }
}

#[test]
fn long_questions_are_cut_to_max_query_length() {
    let fx = fixture("qa_features.json");
    let q = &fx["max_query"];
    let tok = BertTokenizer::from_vocab(&vocab_text(), true).unwrap();
    let cfg = QaConfig {
        max_seq_length: q["max_seq_length"].as_u64().unwrap() as usize,
        doc_stride: q["doc_stride"].as_u64().unwrap() as usize,
        max_query_length: Some(q["max_query_length"].as_u64().unwrap() as usize),
    };
    let windows = qa_windows(
        &tok,
        q["question"].as_str().unwrap(),
        q["context"].as_str().unwrap(),
        &cfg,
    )
    .unwrap();
    let hf = q["input_ids"].as_array().unwrap();
    assert_eq!(windows.len(), hf.len());
    for (i, w) in windows.iter().enumerate() {
        let len = w.input_ids.len();
        assert_eq!(w.input_ids, u32s(&hf[i])[..len], "window {i}");
        assert_eq!(w.offsets, offsets(&q["offsets"][i])[..len], "window {i}");
        // [CLS] + 8 question tokens + [SEP]
        assert_eq!(w.offsets.iter().position(Option::is_some), Some(10));
    }
}

#[test]
fn stride_too_large_for_the_question_is_an_error() {
    let tok = BertTokenizer::from_vocab(&vocab_text(), true).unwrap();
    let cfg = QaConfig {
        max_seq_length: 20,
        doc_stride: 10,
        max_query_length: None,
    };
    let q = "one two three four five six seven eight nine";
    let ctx = "word ".repeat(50);
    let e = qa_windows(&tok, q, &ctx, &cfg).unwrap_err();
    assert!(e.to_string().contains("doc_stride"), "{e}");
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn decoding_matches_postprocess_qa_predictions() {
    let fx = fixture("qa_decode.json");
    let (examples, features) = setup(
        fx["max_seq_length"].as_u64().unwrap() as usize,
        fx["doc_stride"].as_u64().unwrap() as usize,
    );
    let start: Vec<Vec<f32>> = fx["start_logits"]
        .as_array()
        .unwrap()
        .iter()
        .map(f32s)
        .collect();
    let end: Vec<Vec<f32>> = fx["end_logits"]
        .as_array()
        .unwrap()
        .iter()
        .map(f32s)
        .collect();
    for run in fx["runs"].as_array().unwrap() {
        let cfg = DecodeConfig {
            n_best_size: run["n_best_size"].as_u64().unwrap() as usize,
            max_answer_length: run["max_answer_length"].as_u64().unwrap() as usize,
            version_2_with_negative: run["version_2_with_negative"].as_bool().unwrap(),
            null_score_diff_threshold: run["null_score_diff_threshold"].as_f64().unwrap() as f32,
        };
        let preds = postprocess_qa_predictions(&examples, &features, &start, &end, &cfg).unwrap();
        let ours: Value = serde_json::from_str(&preds.predictions_json().unwrap()).unwrap();
        assert_eq!(ours, run["predictions"], "{cfg:?}");
        let nbest: Value = serde_json::from_str(&preds.nbest_json().unwrap()).unwrap();
        for ex in &examples {
            let (got, want) = (&nbest[&ex.id], &run["nbest"][&ex.id]);
            let (got, want) = (got.as_array().unwrap(), want.as_array().unwrap());
            assert_eq!(got.len(), want.len(), "{} {cfg:?}", ex.id);
            for (g, w) in got.iter().zip(want) {
                assert_eq!(g["text"], w["text"], "{} {cfg:?}", ex.id);
                for key in ["start_logit", "end_logit"] {
                    // Both sides are f32 values; JSON spells them at f32 vs f64 precision.
                    let (gv, wv) = (
                        g[key].as_f64().unwrap() as f32,
                        w[key].as_f64().unwrap() as f32,
                    );
                    assert_eq!(gv, wv, "{key} {}", ex.id);
                }
                let (gp, wp) = (
                    g["probability"].as_f64().unwrap(),
                    w["probability"].as_f64().unwrap(),
                );
                assert!(
                    close(gp, wp, 1e-6),
                    "probability {gp} vs {wp}, {} {cfg:?}",
                    ex.id
                );
            }
        }
        match preds.null_odds_json().unwrap() {
            None => assert!(run["null_odds"].is_null()),
            Some(text) => {
                let odds: Value = serde_json::from_str(&text).unwrap();
                for ex in &examples {
                    let (g, w) = (
                        odds[&ex.id].as_f64().unwrap(),
                        run["null_odds"][&ex.id].as_f64().unwrap(),
                    );
                    assert!(close(g, w, 1e-6), "null odds {g} vs {w}, {}", ex.id);
                }
            }
        }
        let inputs = bert_tasks::metrics::squad_metric_inputs(&examples, &preds).unwrap();
        assert_eq!(inputs.predictions.len(), examples.len());
        let missing = bert_tasks::QaPredictions {
            ids: preds.ids[1..].to_vec(),
            predictions: preds.predictions[1..].to_vec(),
            version_2_with_negative: cfg.version_2_with_negative,
        };
        let e = bert_tasks::metrics::squad_metric_inputs(&examples, &missing).unwrap_err();
        assert!(e.to_string().contains(&examples[0].id), "{e}");
        // Spans cut from the original context by character offsets.
        for (ex, p) in examples.iter().zip(&preds.predictions) {
            if let Some((s, e)) = p.char_span {
                let text: String = ex.context.chars().skip(s).take(e - s).collect();
                assert_eq!(text, p.text);
            }
            if cfg.version_2_with_negative {
                let np = p.null_probability.expect("v2 has a null probability");
                assert!((0.0..=1.0).contains(&np));
            }
        }
    }
}

#[test]
fn decoding_rejects_mismatched_inputs() {
    let (examples, features) = setup(48, 16);
    let short = vec![vec![0.0f32; 3]; features.len()];
    let cfg = DecodeConfig::default();
    assert!(postprocess_qa_predictions(&examples, &features, &short, &short, &cfg).is_err());
    let ok = vec![vec![0.5f32; 48]; features.len()];
    // An example without any window.
    let rest: Vec<_> = features
        .iter()
        .filter(|f| f.example_index != 0)
        .cloned()
        .collect();
    let ok_rest = &ok[..rest.len()];
    assert!(postprocess_qa_predictions(&examples, &rest, ok_rest, ok_rest, &cfg).is_err());
    assert!(postprocess_qa_predictions(&examples[1..], &features, &ok, &ok, &cfg).is_err());
}
