//! Masked-language-model inputs and labels, as `transformers`' `DataCollatorForLanguageModeling`
//! (`torch_mask_tokens`) makes them: each non-special token is selected with probability
//! `mlm_probability` (a Bernoulli draw per token, not a fixed count as in Google's
//! `create_pretraining_data.py`); a selected token becomes `[MASK]` 80% of the time, a random
//! token 10%, and stays itself 10% (so the model cannot tell which inputs to trust). Labels
//! hold the original id at selected positions and [`IGNORE_INDEX`] elsewhere.
//!
//! One deliberate difference: the random token is drawn from [`MlmOptions::random_ids`], which
//! [`MlmOptions::for_tokenizer`] sets to the ids after the special tokens, where both references
//! draw from the whole vocabulary and can put a `[SEP]` or `[CLS]` in the middle of a sentence.

use std::ops::Range;

use crate::error::{Result, TaskError};
use crate::rng::SplitMix64;
use crate::tokenizer::BertTokenizer;

/// The label of positions the loss ignores (PyTorch's `CrossEntropyLoss` default).
pub const IGNORE_INDEX: i64 = -100;

/// How to mask.
#[derive(Debug, Clone, PartialEq)]
pub struct MlmOptions {
    /// Probability that a (non-special) token is selected for prediction (0.15).
    pub mlm_probability: f64,
    /// Id of `[MASK]`.
    pub mask_id: u32,
    /// Where random replacement tokens are drawn from, uniformly.
    pub random_ids: Range<u32>,
    /// Ids that are never selected when the mask comes from
    /// [`MlmOptions::special_tokens_mask`].
    pub special_ids: Vec<u32>,
}

impl MlmOptions {
    /// Options for a tokenizer: `[MASK]`, the special tokens `[PAD] [UNK] [CLS] [SEP] [MASK]`
    /// (those it has; `[UNK]` is never a target, as in `transformers`), random tokens from the
    /// id after the largest of them to the end of the vocabulary, probability 0.15.
    pub fn for_tokenizer(tokenizer: &BertTokenizer) -> Result<Self> {
        let mask_id = tokenizer
            .token_to_id("[MASK]")
            .ok_or_else(|| TaskError::Tokenizer("the vocabulary has no [MASK] token".into()))?;
        let mut special_ids: Vec<u32> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
            .iter()
            .filter_map(|t| tokenizer.token_to_id(t))
            .chain([tokenizer.pad_id(), tokenizer.cls_id(), tokenizer.sep_id()])
            .collect();
        special_ids.sort_unstable();
        special_ids.dedup();
        let first_plain = special_ids.last().map_or(0, |&m| m + 1);
        let vocab_size = u32::try_from(tokenizer.vocab_size()).unwrap_or(u32::MAX);
        Ok(Self {
            mlm_probability: 0.15,
            mask_id,
            random_ids: first_plain..vocab_size,
            special_ids,
        })
    }

    /// True at positions holding one of [`MlmOptions::special_ids`] (what
    /// `get_special_tokens_mask(already_has_special_tokens=True)` gives).
    pub fn special_tokens_mask(&self, ids: &[u32]) -> Vec<bool> {
        ids.iter().map(|id| self.special_ids.contains(id)).collect()
    }
}

/// Masks one sequence. `special_mask[i]` true means position `i` is never selected (`[CLS]`,
/// `[SEP]`, padding). Returns the model input and the labels.
pub fn mask_tokens(
    ids: &[u32],
    special_mask: &[bool],
    opts: &MlmOptions,
    rng: &mut SplitMix64,
) -> Result<(Vec<u32>, Vec<i64>)> {
    if ids.len() != special_mask.len() {
        return Err(TaskError::InvalidArgument(format!(
            "{} ids but a special-token mask of {}",
            ids.len(),
            special_mask.len()
        )));
    }
    if !(0.0..=1.0).contains(&opts.mlm_probability) {
        return Err(TaskError::InvalidArgument(format!(
            "mlm_probability {} is not in [0, 1]",
            opts.mlm_probability
        )));
    }
    if opts.random_ids.is_empty() {
        return Err(TaskError::InvalidArgument(
            "no ids to draw random tokens from".into(),
        ));
    }
    let span = (opts.random_ids.end - opts.random_ids.start) as usize;
    let mut inputs = ids.to_vec();
    let mut labels = vec![IGNORE_INDEX; ids.len()];
    for (i, (&id, &special)) in ids.iter().zip(special_mask).enumerate() {
        if special || !rng.chance(opts.mlm_probability) {
            continue;
        }
        labels[i] = i64::from(id);
        let u = rng.next_f64();
        if u < 0.8 {
            inputs[i] = opts.mask_id;
        } else if u < 0.9 {
            inputs[i] = opts.random_ids.start + rng.below(span) as u32;
        }
    }
    Ok((inputs, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASK: u32 = 4;

    fn opts() -> MlmOptions {
        MlmOptions {
            mlm_probability: 0.15,
            mask_id: MASK,
            random_ids: 5..30522,
            special_ids: vec![0, 1, 2, 3, 4],
        }
    }

    #[test]
    fn selection_and_80_10_10_split() {
        let opts = opts();
        let mut rng = SplitMix64::new(11);
        let (mut eligible, mut selected, mut masked, mut random, mut kept) = (0, 0, 0, 0, 0);
        for _ in 0..1000 {
            // [CLS] 48 words [SEP] 48 words [SEP] + 2 [PAD] = 100 positions.
            let mut ids: Vec<u32> = (0..100).map(|_| 5 + rng.below(1000) as u32).collect();
            ids[0] = 2;
            ids[49] = 3;
            ids[97] = 3;
            ids[98] = 0;
            ids[99] = 0;
            let special = opts.special_tokens_mask(&ids);
            let (inputs, labels) = mask_tokens(&ids, &special, &opts, &mut rng).unwrap();
            for i in 0..ids.len() {
                if special[i] {
                    assert_eq!(
                        (inputs[i], labels[i]),
                        (ids[i], IGNORE_INDEX),
                        "special at {i}"
                    );
                    continue;
                }
                eligible += 1;
                if labels[i] == IGNORE_INDEX {
                    assert_eq!(inputs[i], ids[i], "unselected tokens are untouched");
                    continue;
                }
                assert_eq!(labels[i], i64::from(ids[i]));
                selected += 1;
                match inputs[i] {
                    MASK => masked += 1,
                    x if x == ids[i] => kept += 1,
                    x => {
                        assert!(opts.random_ids.contains(&x));
                        random += 1;
                    }
                }
            }
        }
        assert_eq!(eligible, 95_000);
        let rate = |n: i32, of: i32| f64::from(n) / f64::from(of);
        let p = rate(selected, eligible);
        assert!((p - 0.15).abs() < 0.005, "selected {p}");
        let (m, r, k) = (
            rate(masked, selected),
            rate(random, selected),
            rate(kept, selected),
        );
        assert!((m - 0.8).abs() < 0.015, "[MASK] {m}");
        assert!((r - 0.1).abs() < 0.015, "random {r}");
        assert!((k - 0.1).abs() < 0.015, "kept {k}");
    }

    #[test]
    fn bad_arguments_are_errors() {
        let mut rng = SplitMix64::new(0);
        assert!(mask_tokens(&[5, 6], &[false], &opts(), &mut rng).is_err());
        let bad_p = MlmOptions {
            mlm_probability: 1.5,
            ..opts()
        };
        assert!(mask_tokens(&[5], &[false], &bad_p, &mut rng).is_err());
        let no_random = MlmOptions {
            random_ids: 5..5,
            ..opts()
        };
        assert!(mask_tokens(&[5], &[false], &no_random, &mut rng).is_err());
    }

    #[test]
    fn options_from_a_tokenizer_skip_the_specials() {
        let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\n.\n";
        let tok = BertTokenizer::from_vocab(vocab, true).unwrap();
        let o = MlmOptions::for_tokenizer(&tok).unwrap();
        assert_eq!((o.mask_id, o.random_ids.clone()), (4, 5..8));
        assert_eq!(o.special_ids, vec![0, 1, 2, 3, 4]);
        assert_eq!(
            o.special_tokens_mask(&[2, 5, 1, 3]),
            vec![true, false, true, true]
        );
        let no_mask = BertTokenizer::from_vocab("[PAD]\n[UNK]\n[CLS]\n[SEP]\nx\n", true).unwrap();
        assert!(MlmOptions::for_tokenizer(&no_mask).is_err());
    }
}
