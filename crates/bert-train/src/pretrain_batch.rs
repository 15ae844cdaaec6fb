//! Pretraining rows: NSP pairs masked for the MLM objective, and their loss as HF's
//! `BertForPreTraining` computes it (`masked_lm_loss + next_sentence_loss`, each a mean), over
//! a batch or a shard of one ([`Objective`]). The model's decoder runs only on the predicted
//! tokens.

use bert_model::{BertConfig, BertForPreTraining, BertInput};
use bert_tasks::{MlmOptions, NspInstance, SplitMix64, mask_tokens};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::error::Result;
use crate::objective::{Objective, cross_entropy_sum};

/// One pair, masked: what `DataCollatorForLanguageModeling` hands the model.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskedRow {
    pub input_ids: Vec<u32>,
    pub token_type_ids: Vec<u32>,
    /// The original token where the MLM predicts one, -100 elsewhere (HF's labels).
    pub labels: Vec<i64>,
    /// 0 = B follows A, 1 = B is random.
    pub next_sentence_label: i64,
}

/// Masks each instance with `rng`, in order (so a batch masks the same however it is split).
pub fn mask_rows(
    rows: &[&NspInstance],
    mask: &MlmOptions,
    rng: &mut SplitMix64,
) -> Result<Vec<MaskedRow>> {
    rows.iter()
        .map(|row| {
            let special = mask.special_tokens_mask(&row.input_ids);
            let (input_ids, labels) = mask_tokens(&row.input_ids, &special, mask, rng)?;
            Ok(MaskedRow {
                input_ids,
                token_type_ids: row.token_type_ids.clone(),
                labels,
                next_sentence_label: i64::from(row.next_sentence_label),
            })
        })
        .collect()
}

/// The tensors of some rows.
pub struct MlmBatch {
    pub input: BertInput,
    /// `[n]` indices into the flattened `[batch * seq]` tokens that the MLM predicts.
    pub positions: Tensor<1, Int>,
    /// The original token at each of those positions, in the same order.
    pub mlm_labels: Vec<i64>,
    pub nsp_labels: Vec<i64>,
}

impl MlmBatch {
    /// Pads the rows to the longest and gathers the predicted positions.
    pub fn new(rows: &[&MaskedRow], config: &BertConfig, device: &Device) -> Result<Self> {
        let seq = rows.iter().map(|r| r.input_ids.len()).max().unwrap_or(0);
        let mut positions = Vec::new();
        let mut mlm_labels = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            for (c, &label) in row.labels.iter().enumerate() {
                if label >= 0 {
                    positions.push((r * seq + c) as i64);
                    mlm_labels.push(label);
                }
            }
        }
        let ids: Vec<&[u32]> = rows.iter().map(|r| r.input_ids.as_slice()).collect();
        let types: Vec<&[u32]> = rows.iter().map(|r| r.token_type_ids.as_slice()).collect();
        let n = positions.len();
        Ok(Self {
            input: BertInput::from_rows(&ids, &types, Some(seq), config, device)?,
            positions: Tensor::from_data(TensorData::new(positions, [n]), device),
            mlm_labels,
            nsp_labels: rows.iter().map(|r| r.next_sentence_label).collect(),
        })
    }
}

/// What the two means of a pretraining batch divide by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PretrainCounts {
    pub rows: usize,
    /// Predicted (masked) tokens.
    pub predicted: usize,
}

impl Objective for BertForPreTraining {
    type Row = MaskedRow;
    type Totals = PretrainCounts;

    fn totals(rows: &[&MaskedRow]) -> PretrainCounts {
        PretrainCounts {
            rows: rows.len(),
            predicted: rows
                .iter()
                .map(|r| r.labels.iter().filter(|&&l| l >= 0).count())
                .sum(),
        }
    }

    /// A batch without a predicted token has the NSP term alone (HF's mean over none is NaN).
    fn shard_loss(
        &self,
        rows: &[&MaskedRow],
        totals: &PretrainCounts,
        config: &BertConfig,
        device: &Device,
    ) -> Result<Tensor<1>> {
        let batch = MlmBatch::new(rows, config, device)?;
        let out = self.forward_masked(batch.input, batch.positions);
        let nsp: Vec<Option<i64>> = batch.nsp_labels.iter().copied().map(Some).collect();
        let nsp = cross_entropy_sum(out.seq_relationship_logits, &nsp, totals.rows, device);
        if batch.mlm_labels.is_empty() {
            return Ok(nsp);
        }
        let [_, n, vocab] = out.prediction_logits.dims();
        let labels: Vec<Option<i64>> = batch.mlm_labels.iter().copied().map(Some).collect();
        let logits = out.prediction_logits.reshape([n, vocab]);
        Ok(cross_entropy_sum(logits, &labels, totals.predicted, device) + nsp)
    }
}
