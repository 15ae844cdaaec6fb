//! The fuzz targets: each turns case `i` into an input (a mutated seed, or a structured value
//! drawn with `arbitrary`) and feeds it to the real reader or loader. A target may return any
//! error; it must not panic, abort, hang or allocate without bound.

use std::path::PathBuf;

use arbitrary::{Arbitrary, Unstructured};
use bert_model::{BertConfig, BertForSequenceClassification, Checkpoint};
use bert_pipeline::Pipeline;
use bert_tasks::{
    BertTokenizer, DecodeConfig, GlueTask, QaConfig, SquadAnswer, SquadExample, WindowLogits,
    decode_example, parse_glue_tsv, parse_squad, prepare_qa_features, qa_windows,
};
use bert_train::host_adamw::HostAdamW;
use burn::tensor::Device;

use crate::mutate::{self, Mutator};
use crate::seeds;

/// What the targets share, built once: seeds, the tokenizer, a model, a scratch folder.
pub struct Ctx {
    glue: Vec<Vec<u8>>,
    squad: Vec<Vec<u8>>,
    configs: Vec<Vec<u8>>,
    checkpoints: Vec<(Vec<u8>, Vec<u8>)>,
    tokenizer_json: Vec<u8>,
    tokenizer: BertTokenizer,
    jsonl: Vec<Vec<u8>>,
    optimizer: Vec<u8>,
    state: Vec<u8>,
    model: BertForSequenceClassification,
    scratch: PathBuf,
}

impl Ctx {
    /// `scratch`: a folder for the targets that read files (a tmpfs such as /dev/shm is best).
    pub fn new(scratch: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&scratch)?;
        let model = seeds::classifier(&Device::flex().autodiff());
        let tokenizer_json = seeds::tokenizer_json();
        Ok(Self {
            glue: seeds::glue(),
            squad: seeds::squad(),
            configs: seeds::configs(),
            checkpoints: seeds::checkpoints(),
            tokenizer: BertTokenizer::from_json_bytes(&tokenizer_json)?,
            tokenizer_json,
            jsonl: seeds::jsonl(),
            optimizer: seeds::optimizer_state(&model, &scratch),
            state: seeds::trainer_state(),
            model,
            scratch,
        })
    }
}

pub struct Target {
    pub name: &'static str,
    /// What it feeds, for the report.
    pub what: &'static str,
    pub run: fn(&Ctx, &mut Mutator),
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "glue-tsv",
        what: "parse_glue_tsv, every task's layout",
        run: glue_tsv,
    },
    Target {
        name: "squad-json",
        what: "parse_squad (v1.1 and v2)",
        run: squad_json,
    },
    Target {
        name: "config-json",
        what: "BertConfig::from_json + validate",
        run: config_json,
    },
    Target {
        name: "safetensors",
        what: "Checkpoint::from_bytes (the page's load)",
        run: safetensors,
    },
    Target {
        name: "checkpoint-dir",
        what: "Pipeline::from_dir (predict's load)",
        run: checkpoint_dir,
    },
    Target {
        name: "optimizer",
        what: "HostAdamW::load (optimizer.safetensors)",
        run: optimizer,
    },
    Target {
        name: "trainer-state",
        what: "resume::read_state (trainer_state.json)",
        run: trainer_state,
    },
    Target {
        name: "tokenizer",
        what: "BertTokenizer::encode on random Unicode",
        run: tokenizer,
    },
    Target {
        name: "tokenizer-json",
        what: "BertTokenizer::from_json_bytes + encode",
        run: tokenizer_json,
    },
    Target {
        name: "qa-windows",
        what: "qa_windows + prepare_qa_features",
        run: qa_windows_target,
    },
    Target {
        name: "qa-decode",
        what: "decode_example on random logits/offsets",
        run: qa_decode,
    },
    Target {
        name: "predict-jsonl",
        what: "predict's --input JSONL",
        run: predict_jsonl,
    },
];

/// A seed, mutated structure-aware (when it is JSON and `json`) or byte by byte.
fn mutated(m: &mut Mutator, seeds: &[Vec<u8>], json: bool, max_len: usize) -> Vec<u8> {
    let seed = &seeds[m.below(seeds.len())];
    if json
        && m.below(2) == 0
        && let Some(out) = m.json(seed)
    {
        return out;
    }
    let mut data = seed.clone();
    m.bytes(&mut data, max_len);
    data
}

/// Random bytes for `arbitrary`, a few KiB, sometimes none.
fn entropy(m: &mut Mutator) -> Vec<u8> {
    let n = [0, 16, 256, 4096][m.below(4)];
    (0..n).map(|_| m.next_u64() as u8).collect()
}

fn glue_tsv(ctx: &Ctx, m: &mut Mutator) {
    let data = mutated(m, &ctx.glue, false, 1 << 16);
    let task = GlueTask::ALL[m.below(GlueTask::ALL.len())];
    let text = String::from_utf8_lossy(&data);
    let _ = parse_glue_tsv(task, &text, m.below(4) != 0, "train.tsv");
}

fn squad_json(ctx: &Ctx, m: &mut Mutator) {
    let data = mutated(m, &ctx.squad, true, 1 << 17);
    let _ = parse_squad(&String::from_utf8_lossy(&data), "train-v1.1.json");
}

fn config_json(ctx: &Ctx, m: &mut Mutator) {
    let data = mutated(m, &ctx.configs, true, 1 << 14);
    if let Ok(c) = BertConfig::from_json(&String::from_utf8_lossy(&data), "config.json") {
        let _ = c.validate("config.json");
    }
}

/// A mutated checkpoint: the header (structure-aware), the config, or raw bytes.
fn checkpoint_files(ctx: &Ctx, m: &mut Mutator) -> (Vec<u8>, Vec<u8>) {
    let (config, weights) = ctx.checkpoints[m.below(ctx.checkpoints.len())].clone();
    match m.below(4) {
        0 => {
            let config = m.json(&config).unwrap_or(config);
            (config, weights)
        }
        1 => {
            let mut weights = weights;
            m.bytes(&mut weights, 1 << 18);
            (config, weights)
        }
        _ => {
            let w = mutate::safetensors(m, &weights).unwrap_or(weights);
            (config, w)
        }
    }
}

fn safetensors(ctx: &Ctx, m: &mut Mutator) {
    let (config, weights) = checkpoint_files(ctx, m);
    let _ =
        Checkpoint::<BertForSequenceClassification>::from_bytes(&config, weights, &Device::flex());
}

fn checkpoint_dir(ctx: &Ctx, m: &mut Mutator) {
    let (config, weights) = checkpoint_files(ctx, m);
    let tokenizer = if m.below(4) == 0 {
        mutated(m, std::slice::from_ref(&ctx.tokenizer_json), true, 1 << 16)
    } else {
        ctx.tokenizer_json.clone()
    };
    let dir = ctx.scratch.join("checkpoint-dir");
    let _ = std::fs::create_dir_all(&dir);
    let files = [
        ("config.json", config),
        ("model.safetensors", weights),
        ("tokenizer.json", tokenizer),
    ];
    for (name, bytes) in files {
        if std::fs::write(dir.join(name), bytes).is_err() {
            return;
        }
    }
    let _ = Pipeline::from_dir(&dir, &Device::flex());
}

fn optimizer(ctx: &Ctx, m: &mut Mutator) {
    let data = match m.below(2) {
        0 => mutate::safetensors(m, &ctx.optimizer).unwrap_or_else(|| ctx.optimizer.clone()),
        _ => mutated(m, std::slice::from_ref(&ctx.optimizer), false, 1 << 18),
    };
    let path = ctx.scratch.join("optimizer.safetensors");
    if std::fs::write(&path, data).is_ok() {
        let _ = HostAdamW::new(&ctx.model, 0.01, 1e-6).load(&path);
    }
}

fn trainer_state(ctx: &Ctx, m: &mut Mutator) {
    let data = mutated(m, std::slice::from_ref(&ctx.state), true, 1 << 14);
    let dir = ctx.scratch.join("trainer-state");
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::write(dir.join("trainer_state.json"), data).is_ok() {
        let _ = bert_train::resume::read_state(&dir);
    }
}

/// Text from anywhere in Unicode: `arbitrary`'s strings, scalar values from every plane, and
/// now and then an empty or a 1 MB text. The huge texts are rare (1 in 4,096) because one takes
/// the tokenizer as long as a few hundred ordinary cases, and they test one thing: that size alone
/// neither panics nor hangs.
fn text(m: &mut Mutator) -> String {
    if m.below(4096) == 0 {
        return match m.below(2) {
            0 => "a".repeat(1 << 20),
            _ => "\u{301}".repeat(1 << 16),
        };
    }
    match m.below(64) {
        0..=2 => String::new(),
        3..=20 => (0..m.below(200))
            .filter_map(|_| char::from_u32((m.next_u64() % 0x11_0000) as u32))
            .collect(),
        _ => {
            let bytes = entropy(m);
            String::arbitrary(&mut Unstructured::new(&bytes)).unwrap_or_default()
        }
    }
}

fn tokenizer(ctx: &Ctx, m: &mut Mutator) {
    let (a, b) = (text(m), text(m));
    let max_len = m.below(600);
    let pair = (m.below(2) == 0).then_some(b.as_str());
    if let Ok(enc) = ctx.tokenizer.encode(&a, pair, max_len) {
        let _ = ctx.tokenizer.decode(&enc.ids, m.below(2) == 0);
    }
    let ids: Vec<u32> = (0..m.below(20))
        .map(|_| m.next_u64() as u32 % 200)
        .collect();
    let _ = ctx.tokenizer.decode(&ids, false);
}

fn tokenizer_json(ctx: &Ctx, m: &mut Mutator) {
    let data = mutated(m, std::slice::from_ref(&ctx.tokenizer_json), true, 1 << 16);
    if let Ok(tok) = BertTokenizer::from_json_bytes(&data) {
        let _ = tok.encode("hello world", Some("a pair"), 32);
    }
}

fn qa_config(m: &mut Mutator) -> QaConfig {
    QaConfig {
        max_seq_length: m.below(600),
        doc_stride: m.below(600),
        max_query_length: (m.below(3) != 0).then(|| m.below(100)),
    }
}

fn qa_windows_target(ctx: &Ctx, m: &mut Mutator) {
    let (question, context) = (text(m), text(m));
    let config = qa_config(m);
    let _ = qa_windows(&ctx.tokenizer, &question, &context, &config);
    let start = match m.below(3) {
        0 => m.next_u64() as usize,
        _ => m.below(context.len() + 2),
    };
    let answer = SquadAnswer {
        text: context.chars().skip(m.below(8)).take(m.below(8)).collect(),
        answer_start: start,
    };
    let example = SquadExample {
        id: "q".into(),
        title: "t".into(),
        context,
        question,
        answers: vec![answer],
        is_impossible: false,
    };
    let _ = prepare_qa_features(&ctx.tokenizer, &[example], &config);
}

/// One window's offsets, start logits and end logits.
type WindowRow = (Vec<Option<(usize, usize)>>, Vec<f32>, Vec<f32>);

fn qa_decode(_ctx: &Ctx, m: &mut Mutator) {
    let bytes = entropy(m);
    let mut u = Unstructured::new(&bytes);
    let context = text(m);
    let n_windows = 1 + m.below(3);
    let rows: Vec<WindowRow> = (0..n_windows)
        .map(|_| {
            let n = m.below(40);
            let offsets = (0..n)
                .map(|_| match m.below(4) {
                    0 => None,
                    1 => Some((m.next_u64() as usize, m.next_u64() as usize)),
                    _ => {
                        let s = m.below(context.len() + 2);
                        Some((s, s + m.below(6)))
                    }
                })
                .collect();
            let mut logits = |u: &mut Unstructured| -> Vec<f32> {
                (0..n + m.below(3))
                    .map(|_| f32::arbitrary(u).unwrap_or(0.0))
                    .collect()
            };
            (offsets, logits(&mut u), logits(&mut u))
        })
        .collect();
    let windows: Vec<WindowLogits<'_>> = rows
        .iter()
        .map(|(o, s, e)| WindowLogits {
            offsets: o,
            start_logits: s,
            end_logits: e,
        })
        .collect();
    let config = DecodeConfig {
        n_best_size: m.below(50),
        max_answer_length: m.below(100),
        version_2_with_negative: m.below(2) == 0,
        null_score_diff_threshold: f32::arbitrary(&mut u).unwrap_or(0.0),
    };
    let _ = decode_example(&context, &windows, &config);
}

fn predict_jsonl(ctx: &Ctx, m: &mut Mutator) {
    let data = mutated(m, &ctx.jsonl, false, 1 << 16);
    let _ = bert_train::predict_input::parse_jsonl(&String::from_utf8_lossy(&data), "in.jsonl");
}
