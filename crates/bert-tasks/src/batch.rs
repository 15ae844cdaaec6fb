//! Padding encoded rows into flat, row-major model batches.

use serde::{Deserialize, Serialize};

use crate::error::{Result, TaskError};
use crate::glue::GlueExample;
use crate::qa_features::QaWindow;
use crate::tokenizer::{BertTokenizer, Encoded};

/// How long the rows of a batch are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Padding {
    /// As long as the longest row (dynamic padding).
    Longest,
    /// Exactly this many tokens (`padding="max_length"`, `run_glue.py`'s default).
    Fixed(usize),
}

/// A padded batch; each vector holds `batch_size * seq_len` values, row after row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodedBatch {
    /// Rows.
    pub batch_size: usize,
    /// Tokens per row.
    pub seq_len: usize,
    /// Token ids, padded with the tokenizer's pad id.
    pub input_ids: Vec<u32>,
    /// Segment ids, padded with 0.
    pub token_type_ids: Vec<u32>,
    /// 1 for tokens, 0 for padding.
    pub attention_mask: Vec<u32>,
}

impl EncodedBatch {
    /// Pads `(ids, type_ids)` rows on the right.
    pub fn from_rows<'a>(
        rows: impl IntoIterator<Item = (&'a [u32], &'a [u32])>,
        padding: Padding,
        pad_id: u32,
    ) -> Result<Self> {
        let rows: Vec<_> = rows.into_iter().collect();
        let longest = rows.iter().map(|(ids, _)| ids.len()).max().unwrap_or(0);
        let seq_len = match padding {
            Padding::Longest => longest,
            Padding::Fixed(n) if n >= longest => n,
            Padding::Fixed(n) => {
                return Err(TaskError::InvalidArgument(format!(
                    "a row has {longest} tokens, more than the fixed padding length {n}"
                )));
            }
        };
        let n = rows.len() * seq_len;
        let mut b = EncodedBatch {
            batch_size: rows.len(),
            seq_len,
            input_ids: Vec::with_capacity(n),
            token_type_ids: Vec::with_capacity(n),
            attention_mask: Vec::with_capacity(n),
        };
        for (ids, types) in rows {
            if ids.len() != types.len() {
                return Err(TaskError::InvalidArgument(format!(
                    "row has {} ids but {} type ids",
                    ids.len(),
                    types.len()
                )));
            }
            let pad = seq_len - ids.len();
            b.input_ids.extend_from_slice(ids);
            b.input_ids.extend(std::iter::repeat_n(pad_id, pad));
            b.token_type_ids.extend_from_slice(types);
            b.token_type_ids.extend(std::iter::repeat_n(0, pad));
            b.attention_mask.extend(std::iter::repeat_n(1, ids.len()));
            b.attention_mask.extend(std::iter::repeat_n(0, pad));
        }
        Ok(b)
    }

    /// Pads encodings from [`BertTokenizer::encode`].
    pub fn from_encoded(rows: &[Encoded], padding: Padding, pad_id: u32) -> Result<Self> {
        Self::from_rows(
            rows.iter().map(|e| (&e.ids[..], &e.type_ids[..])),
            padding,
            pad_id,
        )
    }

    /// Pads QA windows.
    pub fn from_windows<'a>(
        rows: impl IntoIterator<Item = &'a QaWindow>,
        padding: Padding,
        pad_id: u32,
    ) -> Result<Self> {
        Self::from_rows(
            rows.into_iter()
                .map(|w| (&w.input_ids[..], &w.token_type_ids[..])),
            padding,
            pad_id,
        )
    }
}

impl BertTokenizer {
    /// Encodes GLUE examples (`text_a`, optional `text_b`) truncated to `max_len` with
    /// `longest_first` and padded as asked. Labels stay in the examples.
    pub fn encode_glue_batch(
        &self,
        examples: &[GlueExample],
        max_len: usize,
        padding: Padding,
    ) -> Result<EncodedBatch> {
        let inputs: Vec<(&str, Option<&str>)> = examples
            .iter()
            .map(|e| (e.text_a.as_str(), e.text_b.as_deref()))
            .collect();
        let encoded = self.encode_batch(&inputs, max_len)?;
        EncodedBatch::from_encoded(&encoded, padding, self.pad_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_right_and_rejects_long_rows() {
        let rows = [(&[1u32, 2, 3][..], &[0u32, 0, 1][..]), (&[4][..], &[0][..])];
        let b = EncodedBatch::from_rows(rows, Padding::Longest, 9).unwrap();
        assert_eq!((b.batch_size, b.seq_len), (2, 3));
        assert_eq!(b.input_ids, [1, 2, 3, 4, 9, 9]);
        assert_eq!(b.token_type_ids, [0, 0, 1, 0, 0, 0]);
        assert_eq!(b.attention_mask, [1, 1, 1, 1, 0, 0]);
        let b = EncodedBatch::from_rows(rows, Padding::Fixed(4), 0).unwrap();
        assert_eq!(b.input_ids.len(), 8);
        assert!(EncodedBatch::from_rows(rows, Padding::Fixed(2), 0).is_err());
    }
}
