//! One pretraining batch: NSP pairs masked for the MLM objective, padded to the longest row,
//! with the flat positions of the predicted tokens (the model's decoder runs only there).

use bert_model::{BertConfig, BertInput};
use bert_tasks::{MlmOptions, NspInstance, SplitMix64, mask_tokens};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::error::Result;

/// Inputs and targets of a pretraining step.
pub struct MlmBatch {
    pub input: BertInput,
    /// `[n]` indices into the flattened `[batch * seq]` tokens that the MLM predicts.
    pub positions: Tensor<1, Int>,
    /// The original token at each of those positions, in the same order.
    pub mlm_labels: Vec<i64>,
    /// 0 = B follows A, 1 = B is random.
    pub nsp_labels: Vec<i64>,
    /// Non-padding tokens in the batch (for tokens/s).
    pub tokens: usize,
}

/// Masks each instance with `rng` and builds the tensors.
pub fn mlm_batch(
    rows: &[&NspInstance],
    mask: &MlmOptions,
    rng: &mut SplitMix64,
    config: &BertConfig,
    device: &Device,
) -> Result<MlmBatch> {
    let seq = rows.iter().map(|r| r.input_ids.len()).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(rows.len());
    let mut positions = Vec::new();
    let mut mlm_labels = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        let special = mask.special_tokens_mask(&row.input_ids);
        let (masked, labels) = mask_tokens(&row.input_ids, &special, mask, rng)?;
        for (c, &label) in labels.iter().enumerate() {
            if label >= 0 {
                positions.push((r * seq + c) as i64);
                mlm_labels.push(label);
            }
        }
        ids.push(masked);
    }
    let types: Vec<&[u32]> = rows.iter().map(|r| r.token_type_ids.as_slice()).collect();
    let ids: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
    let tokens = ids.iter().map(|r| r.len()).sum();
    let input = BertInput::from_rows(&ids, &types, Some(seq), config, device)?;
    let n = positions.len();
    Ok(MlmBatch {
        input,
        positions: Tensor::from_data(TensorData::new(positions, [n]), device),
        mlm_labels,
        nsp_labels: rows
            .iter()
            .map(|r| i64::from(r.next_sentence_label))
            .collect(),
        tokens,
    })
}
