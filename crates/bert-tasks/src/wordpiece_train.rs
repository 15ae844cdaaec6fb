//! Training a BERT WordPiece vocabulary from raw text, as Hugging Face's
//! `BertWordPieceTokenizer.train` does (same `tokenizers` trainer, same defaults), so the
//! `tokenizer.json` it gives loads in `transformers` (`BertTokenizerFast(tokenizer_file=...)`)
//! and in [`crate::BertTokenizer`] alike.

#[cfg(not(target_arch = "wasm32"))]
use std::path::PathBuf;

use tokenizers::Tokenizer;
#[cfg(not(target_arch = "wasm32"))]
use tokenizers::{
    AddedToken, decoders::wordpiece::WordPiece as WordPieceDecoder, models::TrainerWrapper,
    models::wordpiece::WordPiece, models::wordpiece::WordPieceTrainer, normalizers::BertNormalizer,
    pre_tokenizers::bert::BertPreTokenizer, processors::template::TemplateProcessing,
};

use crate::error::{Result, TaskError};

/// What to train. The defaults are BERT's (`bert-base-uncased`) and those of
/// `BertWordPieceTokenizer.train`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordPieceTrainOptions {
    /// Target vocabulary size, special tokens included (30522 in BERT). A small corpus may give
    /// fewer: training stops when no pair occurs `min_frequency` times.
    pub vocab_size: usize,
    /// A merge needs at least this many occurrences (2: a piece seen once generalises nothing).
    pub min_frequency: u64,
    /// Keep only the this-many most frequent characters in the initial alphabet (1000); rarer
    /// ones become `[UNK]`, which stops one stray script from taking a slice of the vocabulary.
    pub limit_alphabet: Option<usize>,
    /// Special tokens, given the first ids in this order. The default
    /// `[PAD] [UNK] [CLS] [SEP] [MASK]` gives `[PAD]` = 0, which padding code relies on.
    /// `[UNK]`, `[CLS]` and `[SEP]` are required.
    pub special_tokens: Vec<String>,
    /// Lowercase (and therefore strip accents, as BERT's normaliser does) — an uncased model.
    pub lowercase: bool,
}

impl Default for WordPieceTrainOptions {
    fn default() -> Self {
        Self {
            vocab_size: 30522,
            min_frequency: 2,
            limit_alphabet: Some(1000),
            special_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
                .map(String::from)
                .to_vec(),
            lowercase: true,
        }
    }
}

/// Trains on text files in WikiText layout: headings and blank lines are skipped and WikiText's
/// number/hyphen tokens joined (see [`crate::wikitext_training_lines`]); other text passes
/// through unchanged apart from lines that look like `= Heading =`.
///
/// Native only: the trainer counts words on the `tokenizers` (rayon) thread pool.
#[cfg(not(target_arch = "wasm32"))]
pub fn train_wordpiece(files: &[PathBuf], opts: &WordPieceTrainOptions) -> Result<Tokenizer> {
    let mut lines = Vec::new();
    for file in files {
        let text = crate::error::read_text(file)?;
        lines.extend(crate::wikitext::wikitext_training_lines(&text));
    }
    train_wordpiece_from_lines(&lines, opts)
}

/// Trains on lines of text as given (one line = one training sequence).
///
/// The pipeline is BERT's: `BertNormalizer` (clean text, split CJK characters, lowercase and
/// strip accents when `opts.lowercase`), `BertPreTokenizer` (whitespace and punctuation),
/// WordPiece with `##` continuation pieces and `[UNK]`, the `[CLS] A [SEP]` /
/// `[CLS] A [SEP] B [SEP]` template (type ids 0/1) and the WordPiece decoder.
///
/// Not bit-reproducible: the `tokenizers` trainer numbers `##` pieces in hash-map order, and
/// those numbers break ties between equally frequent merges (huggingface/tokenizers#1794), so
/// two runs can differ in a few rare pieces and in ids after the alphabet. Keep the
/// `tokenizer.json` of a run rather than retraining it.
#[cfg(not(target_arch = "wasm32"))]
pub fn train_wordpiece_from_lines(
    lines: &[String],
    opts: &WordPieceTrainOptions,
) -> Result<Tokenizer> {
    for required in ["[UNK]", "[CLS]", "[SEP]"] {
        if !opts.special_tokens.iter().any(|t| t == required) {
            return Err(TaskError::InvalidArgument(format!(
                "special_tokens must contain {required}"
            )));
        }
    }
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Err(TaskError::InvalidArgument(
            "no text to train the tokenizer on".into(),
        ));
    }
    let model = WordPiece::builder()
        .unk_token("[UNK]".into())
        .continuing_subword_prefix("##".into())
        .max_input_chars_per_word(100)
        .build()
        .map_err(TaskError::tokenizer)?;
    let mut tokenizer = Tokenizer::new(model);
    // `strip_accents: None` strips exactly when lowercasing, which is BERT's rule; it is also
    // what `transformers` writes, so `BertTokenizerFast` finds the normaliser it expects and
    // keeps it instead of rebuilding it.
    tokenizer.with_normalizer(Some(BertNormalizer::new(true, true, None, opts.lowercase)));
    tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
    tokenizer.with_decoder(Some(WordPieceDecoder::new("##".into(), true)));

    let specials: Vec<AddedToken> = opts
        .special_tokens
        .iter()
        .map(|t| AddedToken::from(t.clone(), true))
        .collect();
    let mut wordpiece_trainer = WordPieceTrainer::builder()
        .vocab_size(opts.vocab_size)
        .min_frequency(opts.min_frequency)
        .special_tokens(specials)
        .show_progress(false)
        .build();
    wordpiece_trainer.set_limit_alphabet(opts.limit_alphabet);
    let mut trainer = TrainerWrapper::WordPieceTrainer(wordpiece_trainer);
    tokenizer
        .train(&mut trainer, lines.iter())
        .map_err(TaskError::tokenizer)?;

    let id = |name: &str| {
        tokenizer
            .token_to_id(name)
            .ok_or_else(|| TaskError::Tokenizer(format!("the trained vocabulary lacks {name}")))
    };
    let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
    let template = TemplateProcessing::builder()
        .try_single("[CLS] $A [SEP]")
        .map_err(TaskError::tokenizer)?
        .try_pair("[CLS] $A [SEP] $B:1 [SEP]:1")
        .map_err(TaskError::tokenizer)?
        .special_tokens(vec![("[CLS]", cls), ("[SEP]", sep)])
        .build()
        .map_err(TaskError::tokenizer)?;
    tokenizer.with_post_processor(Some(template));
    Ok(tokenizer)
}

/// The vocabulary as `vocab.txt`: one token per line, line number = id, as `transformers`'
/// `save_vocabulary` writes it. Errors when ids have gaps or a token holds a line break, which
/// `vocab.txt` cannot express.
pub fn vocab_txt(tokenizer: &Tokenizer) -> Result<String> {
    let mut vocab: Vec<(u32, String)> = tokenizer
        .get_vocab(true)
        .into_iter()
        .map(|(t, i)| (i, t))
        .collect();
    vocab.sort_unstable();
    let mut out = String::new();
    for (expected, (id, token)) in vocab.iter().enumerate() {
        if *id as usize != expected {
            return Err(TaskError::Tokenizer(format!(
                "vocabulary ids are not contiguous: id {expected} is missing"
            )));
        }
        if token.contains(['\n', '\r']) {
            return Err(TaskError::Tokenizer(format!(
                "token {id} ({token:?}) contains a line break"
            )));
        }
        out.push_str(token);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::BertTokenizer;

    fn corpus() -> Vec<String> {
        let text = [
            "The quick brown fox jumps over the lazy dog.",
            "Héllo Wörld, the café is open; the dog sleeps.",
            "Tokenizers learn pieces: token, tokens, tokenize, tokenized.",
            "北京 is a city, and the fox is quick.",
        ];
        (0..5).flat_map(|_| text.map(String::from)).collect()
    }

    fn small() -> WordPieceTrainOptions {
        WordPieceTrainOptions {
            vocab_size: 200,
            ..Default::default()
        }
    }

    #[test]
    fn specials_come_first() {
        let tok = train_wordpiece_from_lines(&corpus(), &small()).unwrap();
        for (i, t) in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
            .iter()
            .enumerate()
        {
            assert_eq!(tok.token_to_id(t), Some(i as u32), "{t}");
        }
        assert!(tok.get_vocab_size(true) <= 200);
        assert!(
            tok.token_to_id("##s").is_some(),
            "continuation pieces use ##"
        );
    }

    #[test]
    fn encode_decode_round_trips_lowercased_without_accents() {
        let tok = train_wordpiece_from_lines(&corpus(), &small()).unwrap();
        let enc = tok.encode("Héllo Wörld, the dog is QUICK.", true).unwrap();
        assert_eq!(enc.get_ids()[0], 2, "[CLS] first");
        assert_eq!(enc.get_ids().last(), Some(&3), "[SEP] last");
        assert!(
            !enc.get_ids().contains(&1),
            "no [UNK]: {:?}",
            enc.get_tokens()
        );
        let text = tok.decode(enc.get_ids(), true).unwrap();
        assert_eq!(text, "hello world, the dog is quick.");
        let pair = tok.encode(("the fox", "the dog"), true).unwrap();
        assert_eq!(pair.get_type_ids().last(), Some(&1));
        assert_eq!(pair.get_type_ids()[0], 0);
    }

    #[test]
    fn loads_in_bert_tokenizer_and_matches_its_vocab_txt() {
        let tok = train_wordpiece_from_lines(&corpus(), &small()).unwrap();
        let json = tok.to_string(false).unwrap();
        let from_json = BertTokenizer::from_json_bytes(json.as_bytes()).unwrap();
        let vocab = vocab_txt(&tok).unwrap();
        assert_eq!(vocab.lines().count(), tok.get_vocab_size(true));
        assert_eq!(vocab.lines().next(), Some("[PAD]"));
        let from_vocab = BertTokenizer::from_vocab(&vocab, true).unwrap();
        let text = "Tokenizers tokenize the café; 北京 fox.";
        let a = from_json.encode(text, Some("the lazy dog"), 64).unwrap();
        let b = from_vocab.encode(text, Some("the lazy dog"), 64).unwrap();
        assert_eq!(a, b);
        assert_eq!(from_json.pad_id(), 0);
    }

    #[test]
    fn vocab_txt_has_one_line_per_id() {
        let tok = train_wordpiece_from_lines(&corpus(), &small()).unwrap();
        let text = vocab_txt(&tok).unwrap();
        assert_eq!(text.lines().count(), tok.get_vocab_size(true));
    }

    #[test]
    fn bad_options_are_errors() {
        let no_cls = WordPieceTrainOptions {
            special_tokens: vec!["[PAD]".into(), "[UNK]".into(), "[SEP]".into()],
            ..small()
        };
        assert!(train_wordpiece_from_lines(&corpus(), &no_cls).is_err());
        assert!(train_wordpiece_from_lines(&[" ".into()], &small()).is_err());
        let missing = train_wordpiece(&[PathBuf::from("/nonexistent/wiki.tokens")], &small());
        assert!(matches!(missing, Err(TaskError::Io { .. })));
    }
}
