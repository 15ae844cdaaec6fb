//! SQuAD answer normalisation and the v1.1 metric, as the official `evaluate-v1.1.py`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Result, TaskError};

/// Python's `str.isspace()`: Rust's `char::is_whitespace` plus the four separators U+001C..1F.
pub(crate) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `\w` on `str` (letters, digits, underscore). Rust's `is_alphanumeric` also counts a
/// few combining marks as letters; that only matters next to a standalone "a"/"an"/"the".
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The official normalisation: lower case, drop ASCII punctuation (`string.punctuation`),
/// drop the words a/an/the, collapse whitespace.
pub fn normalize_answer(s: &str) -> String {
    let no_punc: String = s
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_ascii_punctuation())
        .collect();
    // `re.sub(r"\b(a|an|the)\b", " ", text)`: whole words only.
    let mut no_articles = String::with_capacity(no_punc.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if matches!(word.as_str(), "a" | "an" | "the") {
            out.push(' ');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in no_punc.chars() {
        if is_word_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut no_articles);
            no_articles.push(c);
        }
    }
    flush(&mut word, &mut no_articles);
    tokens(&no_articles).join(" ")
}

fn tokens(s: &str) -> Vec<&str> {
    s.split(py_isspace).filter(|t| !t.is_empty()).collect()
}

/// Token-overlap F1 between two normalised answers; `empty_equal` is v2's rule that two empty
/// answers agree (v1.1 scores them 0).
pub(crate) fn token_f1(gold_norm: &str, pred_norm: &str, empty_equal: bool) -> f64 {
    let (gold, pred) = (tokens(gold_norm), tokens(pred_norm));
    if empty_equal && (gold.is_empty() || pred.is_empty()) {
        return f64::from(u8::from(gold == pred));
    }
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for t in &gold {
        *counts.entry(t).or_default() += 1;
    }
    let mut same = 0;
    for t in &pred {
        if let Some(c) = counts.get_mut(t)
            && *c > 0
        {
            *c -= 1;
            same += 1;
        }
    }
    if same == 0 {
        return 0.0;
    }
    let precision = same as f64 / pred.len() as f64;
    let recall = same as f64 / gold.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

/// SQuAD v1.1 scores in percent, as `evaluate-v1.1.py` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SquadV1Scores {
    /// Exact match, 0 to 100.
    pub exact_match: f64,
    /// Token F1, 0 to 100.
    pub f1: f64,
}

/// v1.1 EM and F1: per question the best over its gold answers, then the mean.
pub fn squad_v1(golds: &[Vec<String>], preds: &[String]) -> Result<SquadV1Scores> {
    if golds.len() != preds.len() || golds.is_empty() {
        return Err(TaskError::InvalidArgument(format!(
            "{} predictions for {} questions",
            preds.len(),
            golds.len()
        )));
    }
    let (mut em, mut f1) = (0.0, 0.0);
    for (gold, pred) in golds.iter().zip(preds) {
        let p = normalize_answer(pred);
        let g: Vec<String> = gold.iter().map(|g| normalize_answer(g)).collect();
        em += g
            .iter()
            .map(|g| f64::from(u8::from(*g == p)))
            .fold(0.0, f64::max);
        f1 += g.iter().map(|g| token_f1(g, &p, false)).fold(0.0, f64::max);
    }
    let n = golds.len() as f64;
    Ok(SquadV1Scores {
        exact_match: 100.0 * em / n,
        f1: 100.0 * f1 / n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_follows_the_official_script() {
        assert_eq!(normalize_answer("The  Cat's   hat!"), "cats hat");
        assert_eq!(normalize_answer("an Anthem, a banana"), "anthem banana");
        assert_eq!(normalize_answer("théâtre\u{1f}the_end"), "théâtre theend");
        assert_eq!(normalize_answer("  "), "");
    }

    #[test]
    fn v1_counts_empty_as_zero_and_v2_as_match() {
        assert_eq!(token_f1("", "", false), 0.0);
        assert_eq!(token_f1("", "", true), 1.0);
        assert!((token_f1("a b c", "b c d", false) - 2.0 / 3.0).abs() < 1e-12);
        assert!(squad_v1(&[vec!["x".into()]], &[]).is_err());
    }
}
