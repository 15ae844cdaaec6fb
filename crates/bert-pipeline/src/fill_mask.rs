//! Masked-token prediction (HF's fill-mask pipeline) with a pretraining checkpoint: each
//! `[MASK]` of the text gets its `top_k` most probable tokens.

use bert_model::BertInput;
use burn::tensor::{Int, Tensor, TensorData};
use serde::Serialize;

use crate::pipeline::LoadedModel;
use crate::{Pipeline, PipelineError};

/// One candidate for one `[MASK]`, as an entry of HF's fill-mask pipeline output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaskCandidate {
    /// Softmax probability over the vocabulary at that position.
    pub score: f32,
    pub token: u32,
    pub token_str: String,
    /// The text with this token in place of the mask (special tokens dropped when there is
    /// one mask, the other masks kept when there are several, as HF).
    pub sequence: String,
}

impl Pipeline {
    /// The `top_k` candidates for each `[MASK]` in `text`, in order of the masks.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn fill_mask(
        &self,
        text: &str,
        top_k: usize,
    ) -> Result<Vec<Vec<MaskCandidate>>, PipelineError> {
        let (ids, positions, logits) = self.fill_mask_forward(text)?;
        self.candidates(&ids, &positions, &crate::readback::read(logits)?, top_k)
    }

    /// [`Pipeline::fill_mask`] for the browser.
    pub async fn fill_mask_async(
        &self,
        text: &str,
        top_k: usize,
    ) -> Result<Vec<Vec<MaskCandidate>>, PipelineError> {
        let (ids, positions, logits) = self.fill_mask_forward(text)?;
        let logits = crate::readback::read_async(logits).await?;
        self.candidates(&ids, &positions, &logits, top_k)
    }

    /// Token ids, mask positions and the `[masks, vocab]` logits (not yet read).
    fn fill_mask_forward(
        &self,
        text: &str,
    ) -> Result<(Vec<u32>, Vec<usize>, Tensor<2>), PipelineError> {
        let LoadedModel::MaskedLm(model) = &self.model else {
            return Err(PipelineError::WrongTask(
                "fill-mask needs a pretraining checkpoint (BertForPreTraining or \
                 BertForMaskedLM), e.g. the output of `pretrain`"
                    .into(),
            ));
        };
        let mask_id = self
            .tokenizer
            .token_to_id("[MASK]")
            .ok_or_else(|| PipelineError::Model("tokenizer.json has no [MASK] token".into()))?;
        let encoded = self.tokenizer.encode(text, None, self.max_len())?;
        let positions: Vec<usize> = (0..encoded.ids.len())
            .filter(|&i| encoded.ids[i] == mask_id)
            .collect();
        if positions.is_empty() {
            return Err(PipelineError::Input(
                "the text has no [MASK] token to fill".into(),
            ));
        }
        let input = BertInput::from_rows(
            &[&encoded.ids],
            &[&encoded.type_ids],
            None,
            &self.config,
            &self.device,
        )?;
        let picks: Vec<i64> = positions.iter().map(|&p| p as i64).collect();
        let picks =
            Tensor::<1, Int>::from_data(TensorData::new(picks, [positions.len()]), &self.device);
        let logits = model.forward_masked(input, picks).prediction_logits; // [1, masks, vocab]
        let [_, masks, vocab] = logits.dims();
        Ok((encoded.ids, positions, logits.reshape([masks, vocab])))
    }

    fn candidates(
        &self,
        ids: &[u32],
        positions: &[usize],
        logits: &[f32],
        top_k: usize,
    ) -> Result<Vec<Vec<MaskCandidate>>, PipelineError> {
        let vocab = self.config.vocab_size;
        if logits.len() != positions.len() * vocab {
            return Err(PipelineError::Device(format!(
                "the model returned {} values for {} masks over {vocab} tokens",
                logits.len(),
                positions.len()
            )));
        }
        let mut out = Vec::with_capacity(positions.len());
        for (row, &pos) in logits.chunks(vocab).zip(positions) {
            let probs = crate::classify::softmax(row);
            let mut order: Vec<usize> = (0..vocab).collect();
            // Highest first; ties keep the lower id first, as torch.topk on CPU.
            order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
            let mut found = Vec::with_capacity(top_k);
            for &id in order.iter().take(top_k) {
                let mut filled = ids.to_vec();
                filled[pos] = id as u32;
                found.push(MaskCandidate {
                    score: probs[id],
                    token: id as u32,
                    token_str: self.tokenizer.decode(&[id as u32], false)?,
                    sequence: self.tokenizer.decode(&filled, positions.len() == 1)?,
                });
            }
            out.push(found);
        }
        Ok(out)
    }
}
