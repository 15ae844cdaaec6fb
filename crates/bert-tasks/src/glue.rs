//! Readers for the GLUE TSV files as distributed by GLUE (`download_glue_data.py`).
//!
//! Rows are split on tabs with no quoting, like the `csv.reader(..., quotechar=None)` of the
//! original processors. Every row must have the expected number of fields and a known label;
//! anything else is an error naming the file and line, never a skipped row.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Result, TaskError, read_text};
use crate::task::{GlueTask, TaskSpec, TsvLayout};

/// The label of a GLUE example.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum GlueLabel {
    /// Class id (index into [`TaskSpec::labels`]).
    Class(u32),
    /// STS-B similarity score.
    Score(f32),
}

/// One GLUE example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlueExample {
    /// 1-based line in the source file.
    pub line: usize,
    /// First (or only) sentence.
    pub text_a: String,
    /// Second sentence of pair tasks.
    pub text_b: Option<String>,
    /// `None` in test files.
    pub label: Option<GlueLabel>,
}

/// Which file of a task's folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GlueSplit {
    /// `train.tsv`.
    Train,
    /// `dev.tsv` (`dev_matched.tsv` for MNLI).
    Dev,
    /// MNLI `dev_mismatched.tsv`.
    DevMismatched,
    /// `test.tsv` (`test_matched.tsv` for MNLI), unlabeled.
    Test,
    /// MNLI `test_mismatched.tsv`, unlabeled.
    TestMismatched,
}

impl GlueSplit {
    /// File name of the split for a task.
    pub fn file_name(self, task: GlueTask) -> Result<&'static str> {
        let mnli = task == GlueTask::Mnli;
        Ok(match (self, mnli) {
            (GlueSplit::Train, _) => "train.tsv",
            (GlueSplit::Dev, false) => "dev.tsv",
            (GlueSplit::Dev, true) => "dev_matched.tsv",
            (GlueSplit::DevMismatched, true) => "dev_mismatched.tsv",
            (GlueSplit::Test, false) => "test.tsv",
            (GlueSplit::Test, true) => "test_matched.tsv",
            (GlueSplit::TestMismatched, true) => "test_mismatched.tsv",
            (split, false) => {
                return Err(TaskError::InvalidArgument(format!(
                    "{split:?} exists only for mnli, not {}",
                    task.name()
                )));
            }
        })
    }

    /// Whether the split's file carries labels.
    pub fn is_labeled(self) -> bool {
        !matches!(self, GlueSplit::Test | GlueSplit::TestMismatched)
    }
}

/// Reads `<dir>/<split file>` of a task (see [`GlueSplit::file_name`]).
pub fn read_glue_split(task: GlueTask, dir: &Path, split: GlueSplit) -> Result<Vec<GlueExample>> {
    let path = dir.join(split.file_name(task)?);
    let text = read_text(&path)?;
    parse_glue_tsv(task, &text, split.is_labeled(), &path.display().to_string())
}

/// Parses the text of a GLUE TSV file. `source_name` is used in error messages.
pub fn parse_glue_tsv(
    task: GlueTask,
    text: &str,
    labeled: bool,
    source_name: &str,
) -> Result<Vec<GlueExample>> {
    let spec = task.spec();
    let layout = if labeled {
        spec.labeled
    } else {
        spec.unlabeled
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return Err(err(source_name, 1, "the file is empty".into()));
    }
    let mut lines = body
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l));
    let cols = match layout {
        TsvLayout::Positional {
            columns,
            text_a,
            label,
        } => Columns {
            count: columns,
            text_a,
            text_b: None,
            label: Some(label),
        },
        TsvLayout::Named {
            text_a,
            text_b,
            label,
        } => {
            let (n, header) = lines.next().unwrap_or((1, ""));
            let names: Vec<&str> = header.split('\t').collect();
            let find = |name: &str| {
                names.iter().position(|h| *h == name).ok_or_else(|| {
                    err(
                        source_name,
                        n,
                        format!("header has no {name:?} column (header: {names:?})"),
                    )
                })
            };
            Columns {
                count: names.len(),
                text_a: find(text_a)?,
                text_b: text_b.map(find).transpose()?,
                label: label.map(find).transpose()?,
            }
        }
    };
    lines
        .map(|(n, line)| parse_row(spec, &cols, line, n, source_name))
        .collect()
}

struct Columns {
    count: usize,
    text_a: usize,
    text_b: Option<usize>,
    label: Option<usize>,
}

fn parse_row(
    spec: &TaskSpec,
    cols: &Columns,
    line: &str,
    n: usize,
    source: &str,
) -> Result<GlueExample> {
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() != cols.count {
        return Err(err(
            source,
            n,
            format!(
                "expected {} tab-separated fields, found {}",
                cols.count,
                fields.len()
            ),
        ));
    }
    let label = match cols.label {
        None => None,
        Some(i) => Some(parse_label(spec, fields[i]).map_err(|m| err(source, n, m))?),
    };
    Ok(GlueExample {
        line: n,
        text_a: fields[cols.text_a].to_string(),
        text_b: cols.text_b.map(|i| fields[i].to_string()),
        label,
    })
}

fn parse_label(spec: &TaskSpec, raw: &str) -> std::result::Result<GlueLabel, String> {
    if spec.regression {
        return match raw.trim().parse::<f32>() {
            Ok(v) if v.is_finite() => Ok(GlueLabel::Score(v)),
            _ => Err(format!("score {raw:?} is not a finite number")),
        };
    }
    spec.tsv_labels
        .iter()
        .position(|l| *l == raw)
        .map(|i| GlueLabel::Class(i as u32))
        .ok_or_else(|| {
            format!(
                "label {raw:?} is not one of {:?} for {}",
                spec.tsv_labels, spec.name
            )
        })
}

fn err(source: &str, line: usize, message: String) -> TaskError {
    TaskError::Tsv {
        source_name: source.to_string(),
        line,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cola_has_no_header_and_positional_columns() {
        let rows = parse_glue_tsv(
            GlueTask::Cola,
            "gj04\t1\t\tA b.\ngj04\t0\t*\tB a.",
            true,
            "c",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].text_a, "B a.");
        assert_eq!(rows[1].label, Some(GlueLabel::Class(0)));
        assert_eq!(rows[1].line, 2);
    }

    #[test]
    fn mrpc_bom_and_crlf() {
        let t = "\u{feff}Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n1\t1\t2\t\"A\tB\r\n";
        let rows = parse_glue_tsv(GlueTask::Mrpc, t, true, "m").unwrap();
        assert_eq!(rows[0].text_a, "\"A");
        assert_eq!(rows[0].text_b.as_deref(), Some("B"));
        assert_eq!(rows[0].label, Some(GlueLabel::Class(1)));
    }

    #[test]
    fn errors_name_file_and_line() {
        let t = "sentence\tlabel\ngood\t1\nbad\t2\n";
        let e = parse_glue_tsv(GlueTask::Sst2, t, true, "dev.tsv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "dev.tsv:3: label \"2\" is not one of [\"0\", \"1\"] for sst2"
        );
        let t = "sentence\tlabel\ngood\t1\textra\n";
        let e = parse_glue_tsv(GlueTask::Sst2, t, true, "dev.tsv").unwrap_err();
        assert!(e.to_string().starts_with("dev.tsv:2: expected 2"), "{e}");
        let t = "index\tsentence\n0\tx\n";
        let e = parse_glue_tsv(GlueTask::Sst2, t, true, "test.tsv").unwrap_err();
        assert!(e.to_string().contains("no \"label\" column"), "{e}");
        let t = "index\tsentence1\tsentence2\tscore\n0\ta\tb\tnan\n";
        let e = parse_glue_tsv(GlueTask::Stsb, t, true, "s").unwrap_err();
        assert!(e.to_string().contains("not a finite number"), "{e}");
    }

    #[test]
    fn mnli_splits_map_to_files() {
        assert_eq!(
            GlueSplit::Dev.file_name(GlueTask::Mnli).unwrap(),
            "dev_matched.tsv"
        );
        assert_eq!(
            GlueSplit::TestMismatched.file_name(GlueTask::Mnli).unwrap(),
            "test_mismatched.tsv"
        );
        assert!(GlueSplit::DevMismatched.file_name(GlueTask::Rte).is_err());
        assert!(!GlueSplit::Test.is_labeled());
    }
}
