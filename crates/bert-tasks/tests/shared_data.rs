//! Readers on the real GLUE and SQuAD files in /work/shared/data. Ignored: CI has no
//! /work/shared. Run with `cargo test -p bert-tasks --test shared_data -- --ignored`.
//! Expected row counts are those of shared/data/README.md (the published GLUE/SQuAD sizes).

use std::path::Path;

use bert_tasks::{GlueLabel, GlueSplit, GlueTask, read_glue_split, read_squad};

const DATA: &str = "/work/shared/data";

#[test]
#[ignore = "needs /work/shared/data"]
fn glue_files_parse_completely() {
    use GlueSplit::{Dev, Test, Train};
    use GlueTask::*;
    let expected = [
        (Cola, Train, 8551),
        (Cola, Dev, 1043),
        (Sst2, Train, 67349),
        (Sst2, Dev, 872),
        (Sst2, Test, 1821),
        (Mrpc, Train, 3668),
        (Mrpc, Dev, 408),
        (Stsb, Train, 5749),
        (Stsb, Dev, 1500),
        (Qnli, Dev, 5463),
        (Rte, Train, 2490),
        (Rte, Dev, 277),
        (Wnli, Train, 635),
        (Wnli, Dev, 71),
    ];
    for (task, split, rows) in expected {
        let dir = Path::new(DATA).join(task.name());
        let ex = read_glue_split(task, &dir, split).unwrap();
        assert_eq!(ex.len(), rows, "{task:?} {split:?}");
        let spec = task.spec();
        for e in &ex {
            assert_eq!(e.text_b.is_some(), spec.is_pair);
            match e.label {
                None => assert!(!split.is_labeled()),
                Some(GlueLabel::Score(s)) => assert!(spec.regression && (0.0..=5.0).contains(&s)),
                Some(GlueLabel::Class(c)) => assert!((c as usize) < spec.num_labels()),
            }
        }
    }
    // QNLI dev label balance from shared/data/qnli/PROVENANCE.md: 2,702 entailment.
    let qnli = read_glue_split(Qnli, &Path::new(DATA).join("qnli"), Dev).unwrap();
    let entail = qnli
        .iter()
        .filter(|e| e.label == Some(GlueLabel::Class(0)))
        .count();
    assert_eq!(entail, 2702);
}

#[test]
#[ignore = "needs /work/shared/data"]
fn squad_dev_has_10570_questions() {
    let ex = read_squad(&Path::new(DATA).join("squad/dev-v1.1.json")).unwrap();
    assert_eq!(ex.len(), 10570);
    assert_eq!(ex.iter().map(|e| e.answers.len()).sum::<usize>(), 34726);
    for e in &ex {
        for a in &e.answers {
            let text: String = e
                .context
                .chars()
                .skip(a.answer_start)
                .take(a.text.chars().count())
                .collect();
            assert_eq!(text, a.text, "{}", e.id);
        }
    }
}
