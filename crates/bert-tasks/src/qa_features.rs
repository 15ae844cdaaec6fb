//! SQuAD windows and training labels, as `prepare_train_features` /
//! `prepare_validation_features` in `transformers`' `examples/pytorch/question-answering/run_qa.py`.
//!
//! Question first, context second; only the context is truncated, into windows of
//! `max_seq_length` tokens that overlap by `doc_stride` tokens (the tokenizer's own overflow).

use serde::{Deserialize, Serialize};
use tokenizers::{Encoding, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::error::{Result, TaskError};
use crate::squad::{SquadAnswer, SquadExample};
use crate::tokenizer::{BertTokenizer, Encoded, Overflow};

/// Window sizes. The defaults are `run_qa.py`'s: 384 tokens, stride 128, and questions cut to
/// 64 tokens (`max_query_length` of the original BERT `run_squad.py`; `run_qa.py` does not cut
/// questions, which `None` reproduces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaConfig {
    /// Tokens per window including `[CLS]` and two `[SEP]`.
    pub max_seq_length: usize,
    /// Tokens shared by consecutive windows.
    pub doc_stride: usize,
    /// Questions longer than this many tokens are cut (from the right).
    pub max_query_length: Option<usize>,
}

impl Default for QaConfig {
    fn default() -> Self {
        QaConfig {
            max_seq_length: 384,
            doc_stride: 128,
            max_query_length: Some(64),
        }
    }
}

/// One window of a (question, context) pair, without padding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaWindow {
    /// `[CLS] question [SEP] context-part [SEP]`.
    pub input_ids: Vec<u32>,
    /// 0 for the question part, 1 for the context part.
    pub token_type_ids: Vec<u32>,
    /// All ones.
    pub attention_mask: Vec<u32>,
    /// Character offsets into the context for context tokens, `None` for question and special
    /// tokens (the `offset_mapping` of `prepare_validation_features`).
    pub offsets: Vec<Option<(usize, usize)>>,
}

/// A window of a dataset example, with the training labels of `prepare_train_features`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaFeature {
    /// Index of the example in the slice given to [`prepare_qa_features`].
    pub example_index: usize,
    /// The example's question id.
    pub example_id: String,
    /// Tokens and offsets.
    pub window: QaWindow,
    /// Token index of the answer's first token, or of `[CLS]` when the answer is not fully
    /// inside this window or the question has no answer.
    pub start_position: usize,
    /// Token index of the answer's last token (or of `[CLS]`, see `start_position`).
    pub end_position: usize,
}

/// Windows for one question and context (what a demo page needs).
pub fn qa_windows(
    tokenizer: &BertTokenizer,
    question: &str,
    context: &str,
    config: &QaConfig,
) -> Result<Vec<QaWindow>> {
    let q = tokenizer.piece(py_lstrip(question))?;
    let c = tokenizer.piece(context)?;
    windows_from_pieces(tokenizer, q, c, config)
}

/// Windows and labels for every example, in example order; the first gold answer is the
/// training target, as in `run_qa.py`.
pub fn prepare_qa_features(
    tokenizer: &BertTokenizer,
    examples: &[SquadExample],
    config: &QaConfig,
) -> Result<Vec<QaFeature>> {
    let mut out = Vec::with_capacity(examples.len() * 11 / 10);
    // Chunks let the text-to-piece step run on the tokenizer's thread pool natively.
    for (chunk_no, chunk) in examples.chunks(512).enumerate() {
        let texts: Vec<&str> = chunk
            .iter()
            .flat_map(|e| [py_lstrip(&e.question), e.context.as_str()])
            .collect();
        let mut pieces = tokenizer.pieces(texts)?.into_iter();
        for (i, example) in chunk.iter().enumerate() {
            let (Some(q), Some(c)) = (pieces.next(), pieces.next()) else {
                return Err(TaskError::Tokenizer("batch encoding lost an input".into()));
            };
            let windows = windows_from_pieces(tokenizer, q, c, config).map_err(|e| {
                TaskError::InvalidArgument(format!("question id {:?}: {e}", example.id))
            })?;
            for window in windows {
                let (start_position, end_position) =
                    label_window(&window, tokenizer.cls_id(), example.answers.first());
                out.push(QaFeature {
                    example_index: chunk_no * 512 + i,
                    example_id: example.id.clone(),
                    window,
                    start_position,
                    end_position,
                });
            }
        }
    }
    Ok(out)
}

fn windows_from_pieces(
    tokenizer: &BertTokenizer,
    mut question: Encoding,
    context: Encoding,
    config: &QaConfig,
) -> Result<Vec<QaWindow>> {
    if let Some(max_q) = config.max_query_length {
        if max_q == 0 {
            return Err(TaskError::InvalidArgument("max_query_length is 0".into()));
        }
        question.truncate(max_q, 0, TruncationDirection::Right);
        question.take_overflowing();
    }
    let budget = config
        .max_seq_length
        .saturating_sub(tokenizer.num_special_tokens(true) + question.len());
    // `Encoding::truncate` panics when the stride does not fit; say why instead.
    if context.len() > budget && budget <= config.doc_stride {
        return Err(TaskError::InvalidArgument(format!(
            "a {}-token question leaves {budget} context tokens per window, which must be more \
             than doc_stride {}",
            question.len(),
            config.doc_stride
        )));
    }
    let params = TruncationParams {
        direction: TruncationDirection::Right,
        max_length: config.max_seq_length,
        strategy: TruncationStrategy::OnlySecond,
        stride: config.doc_stride,
    };
    let joined = tokenizer.assemble(question, Some(context), params, Overflow::Windows)?;
    let mut windows = vec![window_from(&joined)];
    windows.extend(joined.get_overflowing().iter().map(window_from));
    Ok(windows)
}

fn window_from(encoding: &Encoding) -> QaWindow {
    let e = Encoded::from_encoding(encoding);
    let offsets = e
        .offsets
        .iter()
        .zip(&e.sequence_ids)
        .map(|(o, s)| (*s == Some(1)).then_some(*o))
        .collect();
    QaWindow {
        input_ids: e.ids,
        token_type_ids: e.type_ids,
        attention_mask: e.attention_mask,
        offsets,
    }
}

/// Start and end token of the answer in a window, `[CLS]` when it is not fully inside.
///
/// Same rule as `prepare_train_features`, except that the forward scan for the start token
/// stops at the last context token. `run_qa.py`'s scan runs on into `[SEP]` and padding
/// (their offsets `(0, 0)` compare as "before" the answer), so an answer that lies inside the
/// window's last context token gets the label of the last padded position there.
pub fn label_window(
    window: &QaWindow,
    cls_id: u32,
    answer: Option<&SquadAnswer>,
) -> (usize, usize) {
    let cls = window
        .input_ids
        .iter()
        .position(|&id| id == cls_id)
        .unwrap_or(0);
    let Some(answer) = answer else {
        return (cls, cls);
    };
    let start_char = answer.answer_start;
    // Saturating: an `answer_start` that did not come through `parse_squad` may be anything.
    let end_char = start_char.saturating_add(answer.text.chars().count());
    let ctx: Vec<(usize, (usize, usize))> = window
        .offsets
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.map(|o| (i, o)))
        .collect();
    let (Some(&(_, first)), Some(&(_, last))) = (ctx.first(), ctx.last()) else {
        return (cls, cls);
    };
    if !(first.0 <= start_char && last.1 >= end_char) {
        return (cls, cls);
    }
    // Context tokens are contiguous, so positions in `ctx` map back by a fixed shift.
    let shift = ctx[0].0;
    let mut s = 0;
    while s < ctx.len() && ctx[s].1.0 <= start_char {
        s += 1;
    }
    let mut e = ctx.len();
    while e > 0 && ctx[e - 1].1.1 >= end_char {
        e -= 1;
    }
    // `s - 1` is the last token starting at or before the answer; `e` the first token ending
    // at or after it. Both exist because of the check above.
    (shift + s - 1, shift + e)
}

/// Python's `str.lstrip()`: `run_qa.py` strips leading whitespace from questions.
fn py_lstrip(s: &str) -> &str {
    s.trim_start_matches(crate::metrics::squad::py_isspace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(offsets: Vec<Option<(usize, usize)>>) -> QaWindow {
        let n = offsets.len();
        let mut ids = vec![5; n];
        ids[0] = 101;
        QaWindow {
            input_ids: ids,
            token_type_ids: vec![0; n],
            attention_mask: vec![1; n],
            offsets,
        }
    }

    fn ans(text: &str, start: usize) -> SquadAnswer {
        SquadAnswer {
            text: text.into(),
            answer_start: start,
        }
    }

    #[test]
    fn labels_follow_offsets() {
        // [CLS] q [SEP] "ab" "cd" "ef" [SEP], context "ab cd ef"
        let w = window(vec![
            None,
            None,
            None,
            Some((0, 2)),
            Some((3, 5)),
            Some((6, 8)),
            None,
        ]);
        assert_eq!(label_window(&w, 101, Some(&ans("cd", 3))), (4, 4));
        assert_eq!(label_window(&w, 101, Some(&ans("ab cd", 0))), (3, 4));
        assert_eq!(label_window(&w, 101, Some(&ans("d e", 4))), (4, 5));
        // Inside the last context token: HF's scan would run into [SEP]; ours stops at 5.
        assert_eq!(label_window(&w, 101, Some(&ans("ef", 6))), (5, 5));
        assert_eq!(label_window(&w, 101, Some(&ans("ef!", 6))), (0, 0));
        assert_eq!(label_window(&w, 101, None), (0, 0));
        // An offset near u64::MAX is outside every window, not wrapped into one.
        assert_eq!(label_window(&w, 101, Some(&ans("ab", usize::MAX))), (0, 0));
    }
}
