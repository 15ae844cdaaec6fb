//! Model input: padded id, token-type and mask tensors, built and checked on the host.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::{BertConfig, BertError};

/// One batch as `BertModel` takes it.
///
/// # Shapes
/// - every field: `[batch, seq]`; `attention_mask` is 1 for tokens, 0 for padding
#[derive(Debug, Clone)]
pub struct BertInput {
    pub input_ids: Tensor<2, Int>,
    pub token_type_ids: Tensor<2, Int>,
    pub attention_mask: Tensor<2, Int>,
}

impl BertInput {
    /// Pads rows of token ids (and their type ids) to the longest row, or to `pad_to` when
    /// given, checking every id against the config so that a bad id is an error rather than an
    /// out-of-range gather on the device.
    pub fn from_rows<I: AsRef<[u32]>>(
        ids: &[I],
        type_ids: &[I],
        pad_to: Option<usize>,
        config: &BertConfig,
        device: &Device,
    ) -> Result<Self, BertError> {
        let bad = |m: String| Err(BertError::Input(m));
        if ids.is_empty() {
            return bad("empty batch".into());
        }
        if ids.len() != type_ids.len() {
            return bad(format!(
                "{} rows of ids but {} rows of type ids",
                ids.len(),
                type_ids.len()
            ));
        }
        let longest = ids.iter().map(|r| r.as_ref().len()).max().unwrap_or(0);
        let seq = pad_to.unwrap_or(longest);
        if longest == 0 || longest > seq || seq > config.max_position_embeddings {
            return bad(format!(
                "sequence length {longest} (padded to {seq}) must be in 1..={}",
                config.max_position_embeddings
            ));
        }
        let batch = ids.len();
        let mut flat_ids = vec![config.pad_token_id as i64; batch * seq];
        let mut flat_types = vec![0i64; batch * seq];
        let mut flat_mask = vec![0i64; batch * seq];
        for (row, (tokens, types)) in ids.iter().zip(type_ids).enumerate() {
            let (tokens, types) = (tokens.as_ref(), types.as_ref());
            if tokens.len() != types.len() {
                return bad(format!(
                    "row {row}: {} ids but {} type ids",
                    tokens.len(),
                    types.len()
                ));
            }
            for (col, (&id, &ty)) in tokens.iter().zip(types).enumerate() {
                if id as usize >= config.vocab_size || ty as usize >= config.type_vocab_size {
                    return bad(format!(
                        "row {row}, position {col}: id {id} / type id {ty} out of range \
                         (vocab_size {}, type_vocab_size {})",
                        config.vocab_size, config.type_vocab_size
                    ));
                }
                let at = row * seq + col;
                flat_ids[at] = id as i64;
                flat_types[at] = ty as i64;
                flat_mask[at] = 1;
            }
        }
        let tensor =
            |v: Vec<i64>| Tensor::<2, Int>::from_data(TensorData::new(v, [batch, seq]), device);
        Ok(Self {
            input_ids: tensor(flat_ids),
            token_type_ids: tensor(flat_types),
            attention_mask: tensor(flat_mask),
        })
    }

    /// HF's extended attention mask: `(1 - mask) * finfo(float32).min`, broadcast over heads
    /// and query positions.
    ///
    /// # Shapes
    /// - output: `[batch, 1, 1, seq]`
    pub fn mask_bias(&self) -> Tensor<4> {
        let [batch, seq] = self.attention_mask.dims();
        let keep = self.attention_mask.clone().float();
        ((keep.neg() + 1.0) * f32::MIN as f64).reshape([batch, 1, 1, seq])
    }

    pub fn dims(&self) -> [usize; 2] {
        self.input_ids.dims()
    }
}
