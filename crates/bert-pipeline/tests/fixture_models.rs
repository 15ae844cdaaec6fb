//! The pipelines on the tiny seeded checkpoints of `tests/fixtures/model` (2 layers, hidden
//! 32, 120 ids, 64 positions) with a tokenizer cut from `tests/fixtures/tasks/tokenizer_tiny.json`.

use std::path::{Path, PathBuf};

use bert_pipeline::{Classification, Pipeline, PipelineError, PipelineTask};
use burn::tensor::Device;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tokenizer_tiny.json` with only the ids the fixture models embed (< 120); the specials are
/// ids 0-4, so the template still holds.
fn tokenizer_json(vocab_size: u64) -> Vec<u8> {
    let path = root().join("tests/fixtures/tasks/tokenizer_tiny.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let vocab = json["model"]["vocab"].as_object_mut().unwrap();
    vocab.retain(|_, id| id.as_u64().unwrap() < vocab_size);
    serde_json::to_vec(&json).unwrap()
}

fn load(name: &str) -> Result<Pipeline, PipelineError> {
    let dir = root().join("tests/fixtures/model").join(name);
    Pipeline::from_bytes(
        &std::fs::read(dir.join("config.json")).unwrap(),
        &std::fs::read(dir.join("model.safetensors")).unwrap(),
        &tokenizer_json(120),
        &Device::flex(),
    )
}

fn inputs(texts: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    texts
        .iter()
        .map(|(a, b)| (a.to_string(), b.map(String::from)))
        .collect()
}

#[test]
fn classifies_sentences_and_pairs_with_named_labels() {
    let p = load("classifier").unwrap();
    assert_eq!(p.task(), PipelineTask::Classification);
    // Lengths 3 to 50 tokens: sorted and cut into two forward passes (`batching`), so the
    // results must be put back in input order.
    let long = "the cat sat on the mat ".repeat(8);
    let batch = inputs(&[
        ("the cat sat on the mat", None),
        ("a dog", Some("the dog barked at the cat all day long")),
        (long.as_str(), None),
        ("hello", None),
    ]);
    let pairs: Vec<(&str, Option<&str>)> = batch
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_deref()))
        .collect();
    let lengths: Vec<usize> = p
        .tokenizer()
        .encode_batch(&pairs, p.max_len())
        .unwrap()
        .iter()
        .map(|e| e.ids.len())
        .collect();
    assert_eq!(lengths, [8, 16, 50, 3]);
    assert_eq!(
        bert_pipeline::batching::length_groups(
            &lengths,
            32,
            bert_pipeline::batching::CPU_PASS_COST
        ),
        [vec![3, 0, 1], vec![2]]
    );
    let out = p.classify(&batch).unwrap();
    assert_eq!(out.len(), 4);
    for (i, c) in out.iter().enumerate() {
        let Classification::Labels {
            label,
            scores,
            logits,
        } = c
        else {
            panic!("a classifier gives labels")
        };
        assert_eq!(logits.len(), 3);
        let names: Vec<&str> = scores.keys().map(|s| s.as_str()).collect();
        assert_eq!(names, ["negative", "neutral", "positive"]);
        assert!((scores.values().sum::<f32>() - 1.0).abs() < 1e-5);
        let best = scores.iter().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(label, best);
        // Padding must not change a row: the batched result equals the one-input result.
        let alone = p.classify(&batch[i..=i]).unwrap();
        let Classification::Labels { logits: l1, .. } = &alone[0] else {
            panic!()
        };
        for (a, b) in logits.iter().zip(l1) {
            assert!((a - b).abs() < 1e-5, "input {i}: batched {a} vs alone {b}");
        }
    }
    // Different inputs, different logits (a pipeline that ignored its input would pass above).
    assert_ne!(out[0], out[3]);
}

#[test]
fn regression_gives_a_value_and_serialises_as_predict_prints() {
    let p = load("regression").unwrap();
    assert_eq!(p.task(), PipelineTask::Regression);
    let out = p.classify(&inputs(&[("a b c", Some("c b a"))])).unwrap();
    let json = serde_json::to_value(&out[0]).unwrap();
    assert!(json["value"].is_f64(), "{json}");
    let c = load("classifier").unwrap();
    let json = serde_json::to_value(&c.classify(&inputs(&[("a", None)])).unwrap()[0]).unwrap();
    assert!(json["label"].is_string() && json["scores"]["neutral"].is_f64());
    assert_eq!(json["logits"].as_array().unwrap().len(), 3);
}

#[test]
fn answers_from_every_window_with_char_offsets() {
    let p = load("qa").unwrap();
    assert_eq!(p.task(), PipelineTask::QuestionAnswering);
    // 64 positions → windows of 64 tokens; this passage needs several.
    let context = "the cat sat on the mat and the dog barked. ".repeat(12);
    let a = p.answer("where did the cat sit?", &context).unwrap();
    assert!(a.windows > 1, "{a:?}");
    let chars: Vec<char> = context.chars().collect();
    assert!(a.start < a.end && a.end <= chars.len(), "{a:?}");
    assert_eq!(a.answer, chars[a.start..a.end].iter().collect::<String>());
    assert!(a.score > 0.0 && a.score <= 1.0, "{a:?}");
    let json = serde_json::to_value(&a).unwrap();
    for key in ["answer", "start", "end", "score"] {
        assert!(json.get(key).is_some(), "{json}");
    }
    // Non-ASCII before the answer: offsets count characters, not bytes.
    let accented = format!("éé {context}");
    let b = p.answer("where did the cat sit?", &accented).unwrap();
    let chars: Vec<char> = accented.chars().collect();
    assert_eq!(b.answer, chars[b.start..b.end].iter().collect::<String>());
}

#[test]
fn wrong_task_and_empty_inputs_are_readable_errors() {
    let qa = load("qa").unwrap();
    let e = qa.classify(&inputs(&[("a", None)])).unwrap_err();
    assert!(matches!(e, PipelineError::WrongTask(_)), "{e}");
    assert!(e.to_string().contains("question-answering model"), "{e}");
    // `predict --model models/pretrained --text hi` named it a question-answering model.
    let e = load("pretraining")
        .unwrap()
        .classify(&inputs(&[("hi", None)]))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("pretraining (fill-mask) model with no classification head"),
        "{e}"
    );
    let clf = load("classifier").unwrap();
    let e = clf.answer("q", "c").unwrap_err();
    assert!(e.to_string().contains("cannot answer"), "{e}");
    assert!(
        clf.classify(&inputs(&[("  ", None)]))
            .unwrap_err()
            .to_string()
            .contains("empty")
    );
    assert!(
        qa.answer("", "c")
            .unwrap_err()
            .to_string()
            .contains("question is empty")
    );
    assert!(
        qa.answer("q", " ")
            .unwrap_err()
            .to_string()
            .contains("passage is empty")
    );
    let e = load("base").unwrap_err();
    assert!(e.to_string().contains("no task head"), "{e}");
}

#[test]
fn bad_model_files_are_named() {
    let dir = root().join("tests/fixtures/model/qa");
    let config = std::fs::read(dir.join("config.json")).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let e = Pipeline::from_bytes(
        &config,
        &weights[..100],
        &tokenizer_json(120),
        &Device::flex(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("model.safetensors"), "{e}");
    let e =
        Pipeline::from_bytes(&config, &weights, &tokenizer_json(400), &Device::flex()).unwrap_err();
    assert!(e.to_string().contains("vocab_size is 120"), "{e}");
    let e =
        Pipeline::from_bytes(b"{", &weights, &tokenizer_json(120), &Device::flex()).unwrap_err();
    assert!(e.to_string().contains("config.json"), "{e}");
    let e = Pipeline::from_dir(&dir, &Device::flex()).unwrap_err();
    assert!(e.to_string().contains("no tokenizer.json"), "{e}");
    let e = Pipeline::from_dir(&root().join("nope"), &Device::flex()).unwrap_err();
    assert!(e.to_string().contains("no such folder"), "{e}");
}

/// The QA fixture's config with extra keys, as a v2 trainer would write it.
fn qa_with(extra: serde_json::Value) -> Pipeline {
    let dir = root().join("tests/fixtures/model/qa");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    Pipeline::from_bytes(
        &serde_json::to_vec(&config).unwrap(),
        &std::fs::read(dir.join("model.safetensors")).unwrap(),
        &tokenizer_json(120),
        &Device::flex(),
    )
    .unwrap()
}

#[test]
fn v2_models_may_answer_nothing() {
    let (q, c) = ("who barked?", "the dog barked at the cat");
    let v1 = load("qa").unwrap();
    assert!(!v1.allows_null_answer());
    assert!(!v1.answer(q, c).unwrap().answer.is_empty());
    // The threshold decides: null score minus best span score is finite, so a huge negative
    // threshold always picks the null answer and a huge positive one never does.
    let never = qa_with(serde_json::json!({"finetuning_task": "squad_v2",
                                           "null_score_diff_threshold": 1e9}));
    assert!(never.allows_null_answer());
    assert!(!never.answer(q, c).unwrap().answer.is_empty());
    let always = qa_with(serde_json::json!({"version_2_with_negative": true,
                                            "null_score_diff_threshold": -1e9}));
    let a = always.answer(q, c).unwrap();
    assert_eq!((a.answer.as_str(), a.start, a.end), ("", 0, 0), "{a:?}");
}

#[test]
fn a_folder_loads_as_its_bytes_do() {
    let src = root().join("tests/fixtures/model/classifier");
    let dir = std::env::temp_dir().join(format!("bert-pipeline-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["config.json", "model.safetensors"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(dir.join("tokenizer.json"), tokenizer_json(120)).unwrap();
    let from_dir = Pipeline::from_dir(&dir, &Device::flex()).unwrap();
    let batch = inputs(&[("the mat", Some("a cat"))]);
    assert_eq!(
        from_dir.classify(&batch).unwrap(),
        load("classifier").unwrap().classify(&batch).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
