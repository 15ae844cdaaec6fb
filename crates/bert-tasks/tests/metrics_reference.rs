//! Metrics against scikit-learn, SciPy and the official SQuAD formulas (`metrics.json` from
//! `tests/reference/make_task_fixtures.py`).

mod common;

use bert_tasks::GlueTask;
use bert_tasks::metrics::{
    GluePredictions, accuracy, f1_binary, glue_scores, matthews_corrcoef, normalize_answer,
    pearson, spearman, squad_v1, squad_v2,
};
use common::{f64s, fixture, strings, u32s};
use serde_json::Value;

fn assert_close(got: f64, want: &Value, what: &str) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: no reference value"));
    assert!(
        (got - want).abs() <= 1e-9 * (1.0 + want.abs()),
        "{what}: {got} vs {want}"
    );
}

#[test]
fn classification_matches_sklearn() {
    let c = &fixture("metrics.json")["classification"];
    let (y2, p2) = (u32s(&c["labels2"]), u32s(&c["preds2"]));
    let (y3, p3) = (u32s(&c["labels3"]), u32s(&c["preds3"]));
    assert_close(accuracy(&p2, &y2).unwrap(), &c["accuracy2"], "accuracy");
    assert_close(f1_binary(&p2, &y2).unwrap(), &c["f1_2"], "f1");
    assert_close(
        matthews_corrcoef(&p2, &y2).unwrap(),
        &c["mcc2"],
        "mcc binary",
    );
    assert_close(
        accuracy(&p3, &y3).unwrap(),
        &c["accuracy3"],
        "accuracy 3-class",
    );
    assert_close(
        matthews_corrcoef(&p3, &y3).unwrap(),
        &c["mcc3"],
        "mcc 3-class",
    );
    let m = glue_scores(
        GlueTask::Mrpc,
        GluePredictions::Classes {
            preds: &p2,
            labels: &y2,
        },
    )
    .unwrap();
    assert_close(m[1].1, &c["f1_2"], "glue mrpc f1");
}

#[test]
fn correlations_match_scipy() {
    let r = &fixture("metrics.json")["regression"];
    let (gold, pred) = (f64s(&r["gold"]), f64s(&r["pred"]));
    assert_close(pearson(&pred, &gold).unwrap(), &r["pearson"], "pearson");
    assert_close(
        spearman(&pred, &gold).unwrap(),
        &r["spearman"],
        "spearman (ties)",
    );
}

fn golds(v: &Value) -> Vec<Vec<String>> {
    v.as_array().unwrap().iter().map(strings).collect()
}

#[test]
fn squad_metrics_match_the_official_scripts() {
    let s = &fixture("metrics.json")["squad"];
    for (raw, want) in s["normalized"].as_object().unwrap() {
        assert_eq!(
            normalize_answer(raw),
            want.as_str().unwrap(),
            "normalize {raw:?}"
        );
    }
    let v1 = squad_v1(&golds(&s["golds"]), &strings(&s["preds"])).unwrap();
    assert_close(v1.exact_match, &s["v1"]["exact_match"], "v1 exact_match");
    assert_close(v1.f1, &s["v1"]["f1"], "v1 f1");
    let (g2, p2, na) = (
        golds(&s["golds2"]),
        strings(&s["preds2"]),
        f64s(&s["na_probs"]),
    );
    for (key, thresh) in [("v2", 1.0), ("v2_thresh_0_5", 0.5)] {
        let got = serde_json::to_value(squad_v2(&g2, &p2, &na, thresh).unwrap()).unwrap();
        let want = s[key].as_object().unwrap();
        assert_eq!(got.as_object().unwrap().len(), want.len(), "{key} keys");
        for (k, w) in want {
            assert_close(got[k].as_f64().unwrap(), w, &format!("{key} {k}"));
        }
    }
}
