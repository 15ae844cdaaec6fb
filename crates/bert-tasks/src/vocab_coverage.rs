//! How well a vocabulary covers a text: the figures to judge a trained WordPiece vocabulary
//! by (a vocabulary too small for its corpus shows as many words split into pieces, one built
//! on the wrong alphabet as many `[UNK]`).

use serde::Serialize;
use tokenizers::Tokenizer;

use crate::error::{Result, TaskError};

/// Coverage of a text by a tokenizer's vocabulary. "Words" are what BERT's pre-tokenizer
/// yields: whitespace-separated runs with each punctuation mark a word of its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VocabCoverage {
    /// Vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// WordPiece tokens in the text (no `[CLS]`/`[SEP]`).
    pub tokens: usize,
    /// Of which `[UNK]`.
    pub unk_tokens: usize,
    /// `unk_tokens / tokens` (0 for an empty text).
    pub unk_rate: f64,
    /// Pre-tokenized words in the text.
    pub words: usize,
    /// Fraction of words split into more than one piece.
    pub words_split: f64,
    /// `tokens / words`.
    pub mean_pieces_per_word: f64,
}

/// Encodes every line (without special tokens) and counts. `[UNK]` is the unknown token, as
/// in every BERT vocabulary.
pub fn vocab_coverage<S: AsRef<str>>(tokenizer: &Tokenizer, lines: &[S]) -> Result<VocabCoverage> {
    let unk = tokenizer.token_to_id("[UNK]");
    let (mut tokens, mut unk_tokens, mut words, mut split) = (0usize, 0usize, 0usize, 0usize);
    for line in lines {
        let enc = tokenizer
            .encode(line.as_ref(), false)
            .map_err(TaskError::tokenizer)?;
        tokens += enc.len();
        unk_tokens += enc.get_ids().iter().filter(|&&i| Some(i) == unk).count();
        // Pieces of one word are adjacent and share a word id.
        let word_ids = enc.get_word_ids();
        let mut i = 0;
        while i < word_ids.len() {
            let mut j = i + 1;
            while j < word_ids.len() && word_ids[i].is_some() && word_ids[j] == word_ids[i] {
                j += 1;
            }
            words += 1;
            if j - i > 1 {
                split += 1;
            }
            i = j;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(VocabCoverage {
        vocab_size: tokenizer.get_vocab_size(true),
        tokens,
        unk_tokens,
        unk_rate: ratio(unk_tokens, tokens),
        words,
        words_split: ratio(split, words),
        mean_pieces_per_word: ratio(tokens, words),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::{WordPieceTrainOptions, train_wordpiece_from_lines};

    #[test]
    fn counts_words_pieces_and_unknowns() {
        let lines: Vec<String> = (0..4).map(|_| "the cat sat on the mat.".into()).collect();
        let opts = WordPieceTrainOptions {
            vocab_size: 60,
            ..Default::default()
        };
        let tok = train_wordpiece_from_lines(&lines, &opts).unwrap();
        // 7 words; "Ω" is outside the alphabet, so one [UNK].
        let cov = vocab_coverage(&tok, &["the cat sat on the mat.", "Ω"]).unwrap();
        assert_eq!(cov.words, 8);
        assert_eq!(cov.unk_tokens, 1);
        assert!((cov.unk_rate - 1.0 / cov.tokens as f64).abs() < 1e-12);
        assert!(cov.tokens >= cov.words);
        assert!((cov.mean_pieces_per_word - cov.tokens as f64 / 8.0).abs() < 1e-12);
        assert_eq!(cov.words_split == 0.0, cov.tokens == cov.words);
        let empty = vocab_coverage(&tok, &[""]).unwrap();
        assert_eq!((empty.tokens, empty.words, empty.unk_rate), (0, 0, 0.0));
    }
}
