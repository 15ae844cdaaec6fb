//! The GLUE task table: every per-task fact (labels, columns, metrics) lives here and only here.

use serde::{Deserialize, Serialize};

use crate::error::{Result, TaskError};

/// The nine GLUE tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GlueTask {
    /// Corpus of Linguistic Acceptability.
    Cola,
    /// Stanford Sentiment Treebank, binary.
    Sst2,
    /// Microsoft Research Paraphrase Corpus.
    Mrpc,
    /// Semantic Textual Similarity Benchmark (regression, 0 to 5).
    Stsb,
    /// Quora Question Pairs.
    Qqp,
    /// Multi-Genre NLI (dev/test come as matched and mismatched).
    Mnli,
    /// Question NLI (from SQuAD).
    Qnli,
    /// Recognizing Textual Entailment.
    Rte,
    /// Winograd NLI.
    Wnli,
}

/// A metric that `evaluate.load("glue", task)` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GlueMetric {
    /// Fraction of correct labels (`accuracy`).
    Accuracy,
    /// Binary F1 of class 1 (`f1`).
    F1,
    /// Matthews correlation (`matthews_correlation`).
    Matthews,
    /// Pearson correlation (`pearson`).
    Pearson,
    /// Spearman rank correlation (`spearmanr`).
    Spearman,
}

impl GlueMetric {
    /// The key `evaluate`'s GLUE metric uses for this value.
    pub fn key(self) -> &'static str {
        match self {
            GlueMetric::Accuracy => "accuracy",
            GlueMetric::F1 => "f1",
            GlueMetric::Matthews => "matthews_correlation",
            GlueMetric::Pearson => "pearson",
            GlueMetric::Spearman => "spearmanr",
        }
    }
}

/// Where the fields of one GLUE TSV file are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsvLayout {
    /// No header line (CoLA train/dev): fixed column count and positions.
    Positional {
        /// Exact number of tab-separated fields per row.
        columns: usize,
        /// Column of the first sentence.
        text_a: usize,
        /// Column of the label.
        label: usize,
    },
    /// A header line names the columns; rows must have as many fields as the header.
    Named {
        /// Header name of the first sentence.
        text_a: &'static str,
        /// Header name of the second sentence, for pair tasks.
        text_b: Option<&'static str>,
        /// Header name of the label; `None` for unlabeled test files.
        label: Option<&'static str>,
    },
}

/// Everything task-specific.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskSpec {
    /// The task.
    pub task: GlueTask,
    /// Lower-case name as in `run_glue.py --task_name`.
    pub name: &'static str,
    /// Class names in id order, as the `glue` dataset on the Hub (empty for regression).
    pub labels: &'static [&'static str],
    /// Label strings as written in the TSV files, in id order (empty for regression).
    pub tsv_labels: &'static [&'static str],
    /// Sentence pair task.
    pub is_pair: bool,
    /// Regression (STS-B): one output, a float score.
    pub regression: bool,
    /// Metrics reported for the task.
    pub metrics: &'static [GlueMetric],
    /// Layout of train and dev files.
    pub labeled: TsvLayout,
    /// Layout of test files (no labels).
    pub unlabeled: TsvLayout,
}

impl TaskSpec {
    /// Model outputs: number of classes, 1 for regression.
    pub fn num_labels(&self) -> usize {
        if self.regression {
            1
        } else {
            self.labels.len()
        }
    }
}

const ZERO_ONE: &[&str] = &["0", "1"];
const ENTAIL: &[&str] = &["entailment", "not_entailment"];
const ACC: &[GlueMetric] = &[GlueMetric::Accuracy];
const ACC_F1: &[GlueMetric] = &[GlueMetric::Accuracy, GlueMetric::F1];

const fn named(a: &'static str, b: Option<&'static str>, l: Option<&'static str>) -> TsvLayout {
    TsvLayout::Named {
        text_a: a,
        text_b: b,
        label: l,
    }
}

static TABLE: [TaskSpec; 9] = [
    TaskSpec {
        task: GlueTask::Cola,
        name: "cola",
        labels: &["unacceptable", "acceptable"],
        tsv_labels: ZERO_ONE,
        is_pair: false,
        regression: false,
        metrics: &[GlueMetric::Matthews],
        labeled: TsvLayout::Positional {
            columns: 4,
            text_a: 3,
            label: 1,
        },
        unlabeled: named("sentence", None, None),
    },
    TaskSpec {
        task: GlueTask::Sst2,
        name: "sst2",
        labels: &["negative", "positive"],
        tsv_labels: ZERO_ONE,
        is_pair: false,
        regression: false,
        metrics: ACC,
        labeled: named("sentence", None, Some("label")),
        unlabeled: named("sentence", None, None),
    },
    TaskSpec {
        task: GlueTask::Mrpc,
        name: "mrpc",
        labels: &["not_equivalent", "equivalent"],
        tsv_labels: ZERO_ONE,
        is_pair: true,
        regression: false,
        metrics: ACC_F1,
        labeled: named("#1 String", Some("#2 String"), Some("Quality")),
        unlabeled: named("#1 String", Some("#2 String"), None),
    },
    TaskSpec {
        task: GlueTask::Stsb,
        name: "stsb",
        labels: &[],
        tsv_labels: &[],
        is_pair: true,
        regression: true,
        metrics: &[GlueMetric::Pearson, GlueMetric::Spearman],
        labeled: named("sentence1", Some("sentence2"), Some("score")),
        unlabeled: named("sentence1", Some("sentence2"), None),
    },
    TaskSpec {
        task: GlueTask::Qqp,
        name: "qqp",
        labels: &["not_duplicate", "duplicate"],
        tsv_labels: ZERO_ONE,
        is_pair: true,
        regression: false,
        metrics: ACC_F1,
        labeled: named("question1", Some("question2"), Some("is_duplicate")),
        unlabeled: named("question1", Some("question2"), None),
    },
    TaskSpec {
        task: GlueTask::Mnli,
        name: "mnli",
        labels: &["entailment", "neutral", "contradiction"],
        tsv_labels: &["entailment", "neutral", "contradiction"],
        is_pair: true,
        regression: false,
        metrics: ACC,
        labeled: named("sentence1", Some("sentence2"), Some("gold_label")),
        unlabeled: named("sentence1", Some("sentence2"), None),
    },
    TaskSpec {
        task: GlueTask::Qnli,
        name: "qnli",
        labels: ENTAIL,
        tsv_labels: ENTAIL,
        is_pair: true,
        regression: false,
        metrics: ACC,
        labeled: named("question", Some("sentence"), Some("label")),
        unlabeled: named("question", Some("sentence"), None),
    },
    TaskSpec {
        task: GlueTask::Rte,
        name: "rte",
        labels: ENTAIL,
        tsv_labels: ENTAIL,
        is_pair: true,
        regression: false,
        metrics: ACC,
        labeled: named("sentence1", Some("sentence2"), Some("label")),
        unlabeled: named("sentence1", Some("sentence2"), None),
    },
    TaskSpec {
        task: GlueTask::Wnli,
        name: "wnli",
        labels: &["not_entailment", "entailment"],
        tsv_labels: ZERO_ONE,
        is_pair: true,
        regression: false,
        metrics: ACC,
        labeled: named("sentence1", Some("sentence2"), Some("label")),
        unlabeled: named("sentence1", Some("sentence2"), None),
    },
];

impl GlueTask {
    /// All tasks in GLUE order.
    pub const ALL: [GlueTask; 9] = [
        GlueTask::Cola,
        GlueTask::Sst2,
        GlueTask::Mrpc,
        GlueTask::Stsb,
        GlueTask::Qqp,
        GlueTask::Mnli,
        GlueTask::Qnli,
        GlueTask::Rte,
        GlueTask::Wnli,
    ];

    /// The task's row of the table.
    pub fn spec(self) -> &'static TaskSpec {
        // TABLE is in the order of ALL; the test below keeps it so.
        &TABLE[self as usize]
    }

    /// Lower-case name (`"sst2"`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Parses a task name as `run_glue.py` spells it (`sst2`, `sst-2` and case are accepted).
    pub fn from_name(name: &str) -> Result<Self> {
        let wanted = name.to_ascii_lowercase().replace('-', "");
        GlueTask::ALL
            .into_iter()
            .find(|t| t.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<_> = GlueTask::ALL.iter().map(|t| t.name()).collect();
                TaskError::InvalidArgument(format!(
                    "unknown GLUE task {name:?}; expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order() {
        for t in GlueTask::ALL {
            assert_eq!(t.spec().task, t);
            let s = t.spec();
            assert_eq!(s.labels.len(), s.tsv_labels.len());
            assert_eq!(s.regression, s.labels.is_empty());
        }
    }

    #[test]
    fn names_and_labels_follow_hf() {
        assert_eq!(GlueTask::from_name("SST-2").unwrap(), GlueTask::Sst2);
        assert_eq!(GlueTask::from_name("sts-b").unwrap(), GlueTask::Stsb);
        assert!(GlueTask::from_name("squad").is_err());
        let mnli = GlueTask::Mnli.spec();
        assert_eq!(mnli.labels, ["entailment", "neutral", "contradiction"]);
        assert_eq!(
            GlueTask::Qnli.spec().labels,
            ["entailment", "not_entailment"]
        );
        assert_eq!(GlueTask::Stsb.spec().num_labels(), 1);
        assert_eq!(GlueTask::Mnli.spec().num_labels(), 3);
    }
}
