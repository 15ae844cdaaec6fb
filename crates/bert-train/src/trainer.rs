//! `train` from flags to a saved model: device, data, tokenizer, model, then the loop
//! (`train_loop`) for the task's head.

use std::path::{Path, PathBuf};

use bert_model::Checkpoint;
use bert_model::device::{DeviceChoice, SelectedDevice, select_device};
use bert_model::{BertConfig, BertForQuestionAnswering, BertForSequenceClassification};
use bert_tasks::{BertTokenizer, DecodeConfig, GlueTask, QaConfig};
use burn::tensor::Device;
use serde_json::json;

use crate::args::TrainArgs;
use crate::data::{DataArgs, TaskData, TrainTask};
use crate::error::{Result, TrainError};
use crate::eval_plan::EvalPlan;
use crate::features::{glue_features, squad_features};
use crate::model_source::ModelSource;
use crate::resume;
use crate::task_model::TaskModel;
use crate::train_loop::{Run, train_loop};

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub output_dir: PathBuf,
    pub metrics: serde_json::Value,
}

/// Runs `train` as the flags say. Progress goes to stderr.
pub fn run(args: &TrainArgs) -> Result<RunSummary> {
    run_on(args, select(args)?)
}

/// The device `--device` names (printed).
pub fn select(args: &TrainArgs) -> Result<SelectedDevice> {
    let choice: DeviceChoice = args.device.parse().map_err(TrainError::Usage)?;
    let selected = select_device(choice)?;
    eprintln!("device: {selected}");
    Ok(selected)
}

/// [`run`] on a device already chosen.
pub fn run_on(args: &TrainArgs, selected: SelectedDevice) -> Result<RunSummary> {
    let task = TrainTask::from_name(&args.task)?;
    validate(args)?;
    let output_dir = args
        .output_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("models").join(task.name()));
    let resume_from = resume_point(&output_dir, args.resume)?;

    let data_args = DataArgs {
        data_dir: args.data_dir.clone(),
        train_file: args.train_file.clone(),
        eval_file: args.eval_file.clone(),
        max_train_samples: args.max_train_samples,
        max_eval_samples: args.max_eval_samples,
    };
    let data = TaskData::load(task, &data_args)?;
    if TaskData::is_bundled(task, &data_args) {
        eprintln!(
            "data: the {} sample bundled with train (give --data-dir for the full set)",
            task.name()
        );
    }

    let (source, note) = ModelSource::resolve(
        args.model.as_deref(),
        args.from_scratch.as_deref(),
        args.tokenizer.as_deref(),
    )?;
    if let Some(note) = note {
        eprintln!("model: {note}");
    }
    eprintln!("model: {}", source.name());
    let tokenizer = source.tokenizer()?;
    let tokenizer_json = match &source {
        ModelSource::Pretrained { dir, .. } if dir.join("tokenizer.json").is_file() => {
            let path = dir.join("tokenizer.json");
            std::fs::read_to_string(&path).map_err(TrainError::io(&path))?
        }
        _ => tokenizer.to_json()?,
    };

    let mut run = Run {
        args: args.clone(),
        task,
        output_dir,
        resume_from,
        device: selected.device.clone(),
        device_name: selected.description.clone(),
        model_name: source.name(),
        tokenizer_json,
    };
    match data {
        TaskData::Glue {
            task: t,
            train,
            evals,
        } => {
            let mut config = base_config(&source, &tokenizer)?;
            set_glue_labels(&mut config, t);
            let max_len = max_len(&mut run, &config);
            let features = glue_features(&tokenizer, t, &train, max_len, "train")?;
            let mut sets = Vec::new();
            for e in &evals {
                let f = glue_features(&tokenizer, t, &e.examples, max_len, &e.source)?;
                sets.push((e.suffix, f));
            }
            eprintln!(
                "examples: {} train, {} eval; max_seq_length {max_len}",
                features.len(),
                sets.iter().map(|s| s.1.len()).sum::<usize>()
            );
            let (model, config) =
                build::<BertForSequenceClassification>(&source, config, &run.device, args)?;
            let plan = EvalPlan::Glue { task: t, sets };
            train_loop(&run, model, config, features, &plan)
        }
        TaskData::Squad { v2, train, eval } => {
            let mut config = base_config(&source, &tokenizer)?;
            // The page and `predict` read these to decide whether "no answer" is allowed.
            config
                .extra
                .insert("finetuning_task".into(), json!(task.name()));
            config
                .extra
                .insert("version_2_with_negative".into(), json!(v2));
            let max_len = max_len(&mut run, &config);
            let qa = QaConfig {
                max_seq_length: max_len,
                doc_stride: args.doc_stride,
                max_query_length: None,
            };
            let (features, _) = squad_features(&tokenizer, &train, &qa)?;
            let (eval_features, eval_qa) = squad_features(&tokenizer, &eval.examples, &qa)?;
            eprintln!(
                "examples: {} train questions → {} windows; {} eval questions → {} windows",
                train.len(),
                features.len(),
                eval.examples.len(),
                eval_features.len()
            );
            let decode = DecodeConfig {
                version_2_with_negative: v2,
                null_score_diff_threshold: args.null_score_diff_threshold.unwrap_or(0.0),
                ..DecodeConfig::default()
            };
            let (model, config) =
                build::<BertForQuestionAnswering>(&source, config, &run.device, args)?;
            let plan = EvalPlan::Squad {
                examples: eval.examples,
                qa: eval_qa,
                features: eval_features,
                decode,
                tune_threshold: v2 && args.null_score_diff_threshold.is_none(),
            };
            train_loop(&run, model, config, features, &plan)
        }
    }
    .map(|metrics| RunSummary {
        output_dir: run.output_dir.clone(),
        metrics,
    })
}

fn validate(args: &TrainArgs) -> Result<()> {
    let bad = |m: &str| Err(TrainError::Usage(m.into()));
    if args.batch_size == 0 {
        return bad("--batch-size must be at least 1");
    }
    if args.grad_accum == 0 {
        return bad("--grad-accum must be at least 1");
    }
    if !(args.epochs.is_finite() && args.epochs > 0.0) {
        return bad("--epochs must be positive");
    }
    if !(0.0..1.0).contains(&args.warmup_ratio) {
        return bad("--warmup-ratio must be in [0, 1)");
    }
    if !(args.lr.is_finite() && args.lr > 0.0) {
        return bad("--lr must be positive");
    }
    if args.logging_steps == 0 || args.save_steps == 0 {
        return bad("--logging-steps and --save-steps must be at least 1");
    }
    Ok(())
}

/// The checkpoints to resume from, oldest first (none for a fresh run); refuses to mix runs.
pub(crate) fn resume_point(output_dir: &Path, resume: bool) -> Result<Vec<PathBuf>> {
    let found = resume::checkpoints(output_dir)?;
    match (resume, found.last()) {
        (true, Some(_)) => Ok(found.into_iter().map(|(_, dir)| dir).collect()),
        (true, None) => Err(TrainError::Usage(format!(
            "--resume: no checkpoint-N folder in {}",
            output_dir.display()
        ))),
        (false, Some((_, dir))) => Err(TrainError::Usage(format!(
            "{} holds {} from an earlier run: pass --resume to continue it, or choose another \
             --output-dir",
            output_dir.display(),
            dir.file_name().unwrap_or_default().to_string_lossy()
        ))),
        (false, None) => Ok(Vec::new()),
    }
}

/// The source's config (the file, or the preset sized to the tokenizer).
fn base_config(source: &ModelSource, tokenizer: &BertTokenizer) -> Result<BertConfig> {
    match source {
        ModelSource::Pretrained { dir, .. } => {
            let path = dir.join("config.json");
            let text = std::fs::read_to_string(&path).map_err(TrainError::io(&path))?;
            Ok(BertConfig::from_json(&text, &path.display().to_string())?)
        }
        ModelSource::Scratch { size, .. } => {
            let mut config = BertConfig::preset(size)
                .ok_or_else(|| TrainError::Usage(format!("unknown size {size:?}")))?;
            config.vocab_size = tokenizer.vocab_size();
            config.pad_token_id = tokenizer.pad_id() as usize;
            Ok(config)
        }
    }
}

fn set_glue_labels(config: &mut BertConfig, task: GlueTask) {
    let spec = task.spec();
    if spec.regression {
        config.set_labels(&["LABEL_0".to_string()]);
        config.problem_type = Some("regression".into());
    } else {
        let labels: Vec<String> = spec.labels.iter().map(|l| l.to_string()).collect();
        config.set_labels(&labels);
        config.problem_type = Some("single_label_classification".into());
    }
    config
        .extra
        .insert("finetuning_task".into(), json!(task.name()));
}

/// `--max-seq-length` or the task's default, capped by the model's positions (as run_glue warns
/// and caps).
fn max_len(run: &mut Run, config: &BertConfig) -> usize {
    let asked = run
        .args
        .max_seq_length
        .unwrap_or(run.task.default_max_seq_length());
    if asked > config.max_position_embeddings {
        eprintln!(
            "max_seq_length {asked} exceeds the model's {} positions; using {}",
            config.max_position_embeddings, config.max_position_embeddings
        );
    }
    let len = asked.min(config.max_position_embeddings);
    run.args.max_seq_length = Some(len);
    len
}

/// The model on the autodiff device: the checkpoint's weights with a fresh head (reported), or
/// random weights. The seed fixes the fresh parts.
fn build<M: TaskModel>(
    source: &ModelSource,
    config: BertConfig,
    device: &Device,
    args: &TrainArgs,
) -> Result<(M, BertConfig)> {
    let train_device = device.clone().autodiff();
    train_device.seed(args.seed);
    match source {
        ModelSource::Pretrained { dir, .. } => {
            M::check_config(&config)?;
            let ckpt = Checkpoint::<M>::from_dir_with_config(dir, config, &train_device)?;
            if let Some(summary) = ckpt.report.summary() {
                eprintln!("load: {summary}");
            }
            Ok((ckpt.model, ckpt.config))
        }
        ModelSource::Scratch { .. } => {
            config.validate("the --from-scratch config")?;
            Ok((M::build(&config, &train_device), config))
        }
    }
}
