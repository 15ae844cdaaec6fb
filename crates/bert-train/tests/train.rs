//! `train` end to end on synthetic data in the real GLUE/SQuAD layouts, with a tiny BERT from
//! scratch: the loss falls on the CPU and on wgpu, every task trains, evaluates and saves a model
//! the pipeline (and so the page and `predict`) loads.

mod common;

use bert_pipeline::{Classification, Pipeline};
use burn::tensor::Device;
use common::*;

fn tiny_flags<'a>(tok: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "--from-scratch",
        "tiny",
        "--tokenizer",
        tok,
        "--output-dir",
        out,
        "--no-index",
        "--batch-size",
        "8",
        "--lr",
        "2e-3",
        "--warmup-ratio",
        "0.1",
        "--seed",
        "7",
    ]
}

#[test]
fn loss_goes_down_on_each_device() {
    let tok = tokenizer();
    for device in devices() {
        let tmp = TempDir::new(&format!("loss-{device}"));
        // lavapipe is slow: the wgpu run is shorter, and still has to learn.
        let (n, epochs) = if device == "wgpu" {
            (48, "5")
        } else {
            (96, "6")
        };
        let data = glue_dir(tmp.path(), "sst2", n, 16);
        let out = tmp.path().join("out");
        let (tok_s, out_s, data_s) = (
            tok.to_str().unwrap(),
            out.to_str().unwrap(),
            data.to_str().unwrap(),
        );
        let mut flags = tiny_flags(tok_s, out_s);
        let dev = if device == "wgpu" { "gpu" } else { "cpu" };
        flags.extend([
            "--task",
            "sst2",
            "--data-dir",
            data_s,
            "--epochs",
            epochs,
            "--logging-steps",
            "3",
            "--device",
            dev,
        ]);
        train(&flags).unwrap_or_else(|e| panic!("{device}: {e}"));
        let l = losses(&out);
        assert!(l.len() >= 6, "{device}: {l:?}");
        let (first, last) = (l[0], l[l.len() - 1]);
        // Chance level is ln 2 = 0.69; the marker word decides the label, so a working
        // backward pass drives the loss well below it.
        assert!(first > 0.5 && last < 0.6 * first, "{device}: losses {l:?}");
    }
}

#[test]
fn every_task_trains_evaluates_and_saves_a_loadable_model() {
    let tok = tokenizer();
    let tmp = TempDir::new("tasks");
    let cases = [
        ("cola", "matthews_correlation"),
        ("sst2", "accuracy"),
        ("mrpc", "f1"),
        ("stsb", "pearson"),
        ("qqp", "f1"),
        ("mnli", "accuracy_mm"),
        ("qnli", "accuracy"),
        ("rte", "accuracy"),
        ("wnli", "accuracy"),
        ("squad", "exact_match"),
        ("squad_v2", "HasAns_f1"),
    ];
    for (task, key) in cases {
        let data = if task.starts_with("squad") {
            squad_dir(tmp.path(), task == "squad_v2", 24, 9)
        } else {
            glue_dir(tmp.path(), task, 40, 12)
        };
        let out = tmp.path().join(format!("out-{task}"));
        let (tok_s, out_s, data_s) = (
            tok.to_str().unwrap(),
            out.to_str().unwrap(),
            data.to_str().unwrap(),
        );
        let mut flags = tiny_flags(tok_s, out_s);
        flags.extend([
            "--task",
            task,
            "--data-dir",
            data_s,
            "--epochs",
            "1",
            "--device",
            "cpu",
            "--max-seq-length",
            "64",
            "--doc-stride",
            "16",
        ]);
        let summary = train(&flags).unwrap_or_else(|e| panic!("{task}: {e}"));
        let best = &summary.metrics["best"]["metrics"];
        assert!(
            best[key].as_f64().is_some_and(f64::is_finite),
            "{task}: {best}"
        );
        for f in [
            "config.json",
            "model.safetensors",
            "tokenizer.json",
            "metrics.json",
            "train_log.jsonl",
            "curves.svg",
        ] {
            assert!(out.join(f).is_file(), "{task}: no {f}");
        }
        assert!(
            bert_train::resume::checkpoints(&out).unwrap().is_empty(),
            "{task}: checkpoints left"
        );
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap())
                .unwrap();
        if task == "squad_v2" {
            // With no --null-score-diff-threshold, the dev search's threshold is stored for
            // `predict` and the page.
            let thresh = best["best_f1_thresh"].as_f64().unwrap();
            assert_eq!(saved["null_score_diff_threshold"].as_f64(), Some(thresh));
            assert!(best["best_f1"].as_f64().unwrap() >= best["f1"].as_f64().unwrap());
        } else {
            assert!(saved.get("null_score_diff_threshold").is_none(), "{task}");
        }
        let p = Pipeline::from_dir(&out, &Device::flex()).unwrap_or_else(|e| panic!("{task}: {e}"));
        if task.starts_with("squad") {
            let a = p
                .answer("what is the capital ?", "the man . the capital is tokyo .")
                .unwrap();
            assert!(a.end >= a.start, "{task}: {a:?}");
        } else {
            let pair = (task != "sst2" && task != "cola").then(|| "the world".to_string());
            let r = p.classify(&[("one charming man".into(), pair)]).unwrap();
            match (&r[0], task) {
                (Classification::Regression { value }, "stsb") => assert!(value.is_finite()),
                (Classification::Labels { scores, .. }, _) if task != "stsb" => {
                    let spec = bert_tasks::GlueTask::from_name(task).unwrap().spec();
                    let names: Vec<&str> = scores.keys().map(String::as_str).collect();
                    let mut want = spec.labels.to_vec();
                    want.sort();
                    assert_eq!(names, want, "{task}: label names in config.json");
                }
                other => panic!("{task}: {other:?}"),
            }
        }
    }
}
