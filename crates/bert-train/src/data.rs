//! Which task, and its training and evaluation examples: from a data folder, explicit files, or
//! the samples compiled into the binary.

use std::path::{Path, PathBuf};

use bert_tasks::{
    GlueExample, GlueSplit, GlueTask, SquadExample, parse_glue_tsv, parse_squad, read_squad,
};

use crate::error::{Result, TrainError};

/// A task `train` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainTask {
    Glue(GlueTask),
    /// SQuAD v1.1, or v2.0 with unanswerable questions.
    Squad {
        v2: bool,
    },
}

impl TrainTask {
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_lowercase().replace('-', "_").as_str() {
            "squad" | "squad_v1" | "squad_v1.1" => Ok(Self::Squad { v2: false }),
            "squad_v2" | "squad_v2.0" => Ok(Self::Squad { v2: true }),
            other => GlueTask::from_name(other).map(Self::Glue).map_err(|_| {
                TrainError::Usage(format!(
                    "unknown --task {name:?}: use cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, \
                     wnli, squad or squad_v2"
                ))
            }),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Glue(t) => t.name(),
            Self::Squad { v2: false } => "squad",
            Self::Squad { v2: true } => "squad_v2",
        }
    }

    /// Tokens per example when `--max-seq-length` is not given (run_glue / run_qa defaults).
    pub fn default_max_seq_length(self) -> usize {
        match self {
            Self::Glue(_) => 128,
            Self::Squad { .. } => 384,
        }
    }

    /// The metric that picks the best epoch and goes into `models/index.json`.
    pub fn primary_metric(self) -> &'static str {
        match self {
            Self::Glue(t) => t.spec().metrics[0].key(),
            Self::Squad { v2: false } => "f1",
            Self::Squad { v2: true } => "f1",
        }
    }
}

/// The evaluation sets of a GLUE task: one, or MNLI's matched and mismatched.
#[derive(Debug, Clone)]
pub struct EvalSet<E> {
    /// Metric-key suffix: "" for the (matched) dev set, "_mm" for MNLI mismatched (run_glue's).
    pub suffix: &'static str,
    pub source: String,
    pub examples: Vec<E>,
}

#[derive(Debug, Clone)]
pub enum TaskData {
    Glue {
        task: GlueTask,
        train: Vec<GlueExample>,
        evals: Vec<EvalSet<GlueExample>>,
    },
    Squad {
        v2: bool,
        train: Vec<SquadExample>,
        eval: EvalSet<SquadExample>,
    },
}

/// Where the examples come from, as the command line says.
#[derive(Debug, Clone, Default)]
pub struct DataArgs {
    pub data_dir: Option<PathBuf>,
    pub train_file: Option<PathBuf>,
    pub eval_file: Option<PathBuf>,
    pub max_train_samples: Option<usize>,
    pub max_eval_samples: Option<usize>,
}

const SST2_TRAIN: &str = include_str!("../data/sst2/train.tsv");
const SST2_DEV: &str = include_str!("../data/sst2/dev.tsv");
const SQUAD_TRAIN: &str = include_str!("../data/squad/train-v1.1.json");
const SQUAD_DEV: &str = include_str!("../data/squad/dev-v1.1.json");

impl TaskData {
    pub fn load(task: TrainTask, args: &DataArgs) -> Result<Self> {
        let bundled = args.data_dir.is_none() && args.train_file.is_none();
        if let Some(dir) = &args.data_dir
            && !dir.is_dir()
        {
            return Err(TrainError::Usage(format!(
                "--data-dir {}: no such folder",
                dir.display()
            )));
        }
        let mut data = match task {
            TrainTask::Glue(t) => load_glue(t, args, bundled)?,
            TrainTask::Squad { v2 } => load_squad(v2, args, bundled)?,
        };
        data.truncate(args.max_train_samples, args.max_eval_samples);
        data.check_not_empty()?;
        Ok(data)
    }

    /// Whether the examples are the samples compiled into the binary.
    pub fn is_bundled(task: TrainTask, args: &DataArgs) -> bool {
        args.data_dir.is_none()
            && args.train_file.is_none()
            && matches!(
                task,
                TrainTask::Glue(GlueTask::Sst2) | TrainTask::Squad { v2: false }
            )
    }

    pub fn train_len(&self) -> usize {
        match self {
            Self::Glue { train, .. } => train.len(),
            Self::Squad { train, .. } => train.len(),
        }
    }

    fn truncate(&mut self, train_max: Option<usize>, eval_max: Option<usize>) {
        let cut = |n: Option<usize>, len: usize| n.map_or(len, |n| n.min(len));
        match self {
            Self::Glue { train, evals, .. } => {
                train.truncate(cut(train_max, train.len()));
                for e in evals {
                    e.examples.truncate(cut(eval_max, e.examples.len()));
                }
            }
            Self::Squad { train, eval, .. } => {
                train.truncate(cut(train_max, train.len()));
                eval.examples.truncate(cut(eval_max, eval.examples.len()));
            }
        }
    }

    fn check_not_empty(&self) -> Result<()> {
        let empty = |what: &str, source: &str| {
            Err(TrainError::Data(format!("{source}: no {what} examples")))
        };
        match self {
            Self::Glue { train, evals, .. } => {
                if train.is_empty() {
                    return empty("training", "the training set");
                }
                for e in evals {
                    if e.examples.is_empty() {
                        return empty("evaluation", &e.source);
                    }
                }
            }
            Self::Squad { train, eval, .. } => {
                if train.is_empty() {
                    return empty("training", "the training set");
                }
                if eval.examples.is_empty() {
                    return empty("evaluation", &eval.source);
                }
            }
        }
        Ok(())
    }
}

fn load_glue(task: GlueTask, args: &DataArgs, bundled: bool) -> Result<TaskData> {
    let read = |path: &Path| -> Result<Vec<GlueExample>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            TrainError::Data(format!("{}: {e} (task {})", path.display(), task.name()))
        })?;
        Ok(parse_glue_tsv(
            task,
            &text,
            true,
            &path.display().to_string(),
        )?)
    };
    if bundled {
        if task != GlueTask::Sst2 {
            return Err(TrainError::Usage(format!(
                "--task {} needs --data-dir (a GLUE folder) or --train-file/--eval-file; only \
                 sst2 and squad have bundled samples",
                task.name()
            )));
        }
        return Ok(TaskData::Glue {
            task,
            train: parse_glue_tsv(task, SST2_TRAIN, true, "bundled sst2/train.tsv")?,
            evals: vec![EvalSet {
                suffix: "",
                source: "bundled sst2/dev.tsv".into(),
                examples: parse_glue_tsv(task, SST2_DEV, true, "bundled sst2/dev.tsv")?,
            }],
        });
    }
    let dir_file = |split: GlueSplit| -> Result<PathBuf> {
        let dir = args.data_dir.as_ref().ok_or_else(|| {
            TrainError::Usage("give --data-dir, or both --train-file and --eval-file".into())
        })?;
        let path = dir.join(split.file_name(task)?);
        if !path.is_file() {
            return Err(TrainError::Data(format!(
                "{}: missing; a {} folder holds {}",
                path.display(),
                task.name(),
                glue_files(task)
            )));
        }
        Ok(path)
    };
    let train_path = match &args.train_file {
        Some(p) => p.clone(),
        None => dir_file(GlueSplit::Train)?,
    };
    let train = read(&train_path)?;
    let mut eval_paths = vec![(
        "",
        match &args.eval_file {
            Some(p) => p.clone(),
            None => dir_file(GlueSplit::Dev)?,
        },
    )];
    if task == GlueTask::Mnli && args.eval_file.is_none() {
        eval_paths.push(("_mm", dir_file(GlueSplit::DevMismatched)?));
    }
    let mut evals = Vec::new();
    for (suffix, path) in eval_paths {
        evals.push(EvalSet {
            suffix,
            source: path.display().to_string(),
            examples: read(&path)?,
        });
    }
    Ok(TaskData::Glue { task, train, evals })
}

fn glue_files(task: GlueTask) -> &'static str {
    if task == GlueTask::Mnli {
        "train.tsv, dev_matched.tsv and dev_mismatched.tsv"
    } else {
        "train.tsv and dev.tsv"
    }
}

fn load_squad(v2: bool, args: &DataArgs, bundled: bool) -> Result<TaskData> {
    let version = if v2 { "v2.0" } else { "v1.1" };
    if bundled {
        if v2 {
            return Err(TrainError::Usage(
                "--task squad_v2 needs --data-dir or --train-file/--eval-file (only SQuAD v1.1 \
                 has a bundled sample)"
                    .into(),
            ));
        }
        return Ok(TaskData::Squad {
            v2,
            train: parse_squad(SQUAD_TRAIN, "bundled squad/train-v1.1.json")?,
            eval: EvalSet {
                suffix: "",
                source: "bundled squad/dev-v1.1.json".into(),
                examples: parse_squad(SQUAD_DEV, "bundled squad/dev-v1.1.json")?,
            },
        });
    }
    let find = |stem: &str| -> Result<PathBuf> {
        let dir = args.data_dir.as_ref().ok_or_else(|| {
            TrainError::Usage("give --data-dir, or both --train-file and --eval-file".into())
        })?;
        let candidates = [format!("{stem}-{version}.json"), format!("{stem}.json")];
        candidates
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                TrainError::Data(format!(
                    "{}: no {} in this folder (task squad{})",
                    dir.display(),
                    candidates.join(" or "),
                    if v2 { "_v2" } else { "" }
                ))
            })
    };
    let train_path = match &args.train_file {
        Some(p) => p.clone(),
        None => find("train")?,
    };
    let eval_path = match &args.eval_file {
        Some(p) => p.clone(),
        None => find("dev")?,
    };
    let train = read_squad(&train_path)?;
    let eval = read_squad(&eval_path)?;
    if !v2 && train.iter().any(|e| e.is_impossible) {
        return Err(TrainError::Data(format!(
            "{}: has unanswerable questions (SQuAD v2.0); use --task squad_v2",
            train_path.display()
        )));
    }
    Ok(TaskData::Squad {
        v2,
        train,
        eval: EvalSet {
            suffix: "",
            source: eval_path.display().to_string(),
            examples: eval,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_samples_parse_and_names_round_trip() {
        let args = DataArgs::default();
        let sst2 = TaskData::load(TrainTask::from_name("sst2").unwrap(), &args).unwrap();
        assert_eq!(sst2.train_len(), 4000);
        let squad = TaskData::load(TrainTask::from_name("squad").unwrap(), &args).unwrap();
        assert_eq!(squad.train_len(), 3974);
        for name in ["cola", "mnli", "squad", "squad_v2", "stsb"] {
            assert_eq!(TrainTask::from_name(name).unwrap().name(), name);
        }
        assert!(TrainTask::from_name("imdb").is_err());
        let err = TaskData::load(TrainTask::from_name("rte").unwrap(), &args).unwrap_err();
        assert!(err.to_string().contains("--data-dir"), "{err}");
    }

    #[test]
    fn wrong_folder_names_the_missing_file() {
        let dir = std::env::temp_dir().join(format!("bert-train-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let args = DataArgs {
            data_dir: Some(dir.clone()),
            ..Default::default()
        };
        let err = TaskData::load(TrainTask::Squad { v2: false }, &args).unwrap_err();
        assert!(err.to_string().contains("train-v1.1.json"), "{err}");
        let err = TaskData::load(TrainTask::Glue(GlueTask::Mnli), &args).unwrap_err();
        assert!(err.to_string().contains("train.tsv"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
