//! BERT WordPiece tokenization on top of the `tokenizers` crate.
//!
//! Sequences are encoded one piece at a time without special tokens, then truncated and joined
//! with the post-processor's `[CLS] A [SEP] B [SEP]` template. This is the exact path
//! `Tokenizer::encode` takes internally (`post_process`), but it lets each call choose its own
//! truncation (longest-first for GLUE, only-second with a stride for SQuAD) on a shared, immutable
//! tokenizer instead of mutating one.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::utils::truncation::truncate_encodings;
use tokenizers::{
    Encoding, PostProcessor, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy,
};

use crate::error::{Result, TaskError, read_text};
use crate::vocab::tokenizer_json_from_vocab;

/// One encoded sentence or sentence pair, without padding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encoded {
    /// Token ids, `[CLS] ... [SEP] (... [SEP])`.
    pub ids: Vec<u32>,
    /// Segment ids: 0 for the first sentence and its specials, 1 for the second.
    pub type_ids: Vec<u32>,
    /// All ones (no padding here); kept so callers can feed it straight to a model.
    pub attention_mask: Vec<u32>,
    /// Character (Unicode scalar) offsets into the sentence each token came from, `(0, 0)` for
    /// special tokens, as `return_offsets_mapping=True` gives in `transformers`.
    pub offsets: Vec<(usize, usize)>,
    /// Which sentence each token belongs to (0 or 1), `None` for special tokens.
    pub sequence_ids: Vec<Option<u8>>,
}

impl Encoded {
    pub(crate) fn from_encoding(e: &Encoding) -> Self {
        Encoded {
            ids: e.get_ids().to_vec(),
            type_ids: e.get_type_ids().to_vec(),
            attention_mask: e.get_attention_mask().to_vec(),
            offsets: e.get_offsets().to_vec(),
            sequence_ids: e
                .get_sequence_ids()
                .into_iter()
                .map(|s| s.map(|s| s as u8))
                .collect(),
        }
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no tokens (never the case for encoder output).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// A BERT WordPiece tokenizer (normaliser, pre-tokenizer, WordPiece, `[CLS]`/`[SEP]` template).
#[derive(Clone)]
pub struct BertTokenizer {
    /// Has no post-processor, truncation or padding: it only turns text into raw pieces.
    inner: Tokenizer,
    processor: PostProcessorWrapper,
    pad_id: u32,
    cls_id: u32,
    sep_id: u32,
}

impl std::fmt::Debug for BertTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BertTokenizer")
            .field("vocab_size", &self.vocab_size())
            .field("cls_id", &self.cls_id)
            .field("sep_id", &self.sep_id)
            .field("pad_id", &self.pad_id)
            .finish()
    }
}

impl BertTokenizer {
    /// Loads a Hugging Face `tokenizer.json`. Its own truncation and padding settings are
    /// ignored: every encode call says how to truncate, and batches are padded explicitly.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Self> {
        // tokenizers 0.22 panics (`expect("Helper")` in its decoder's Deserialize) on any JSON
        // it cannot read inside `"decoder"`; checked here first, the error is an error. The
        // check decodes every string (into a `Value`, not `IgnoredAny`, which skips strings
        // without decoding their escapes), since a lone surrogate `\udc00` panicked too. Found
        // by the fuzzer: tokenizer-json case 90 (seed 20261203, a syntax error) and
        // checkpoint-dir case 41061 (seed 1, "invalid unicode code point").
        serde_json::from_slice::<serde_json::Value>(bytes).map_err(|e| TaskError::JsonSyntax {
            source_name: "tokenizer.json".into(),
            error: e,
        })?;
        let tokenizer = Tokenizer::from_bytes(bytes).map_err(TaskError::tokenizer)?;
        Self::from_tokenizer(tokenizer)
    }

    /// Reads `tokenizer.json` from disk (see [`BertTokenizer::from_json_bytes`]).
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| TaskError::io(path, e))?;
        Self::from_json_bytes(&bytes)
            .map_err(|e| TaskError::Tokenizer(format!("{}: {e}", path.display())))
    }

    /// Builds the tokenizer `transformers` builds from a `vocab.txt` (`BertTokenizerFast`):
    /// BERT normaliser (clean text, CJK splitting, accents stripped iff lowercasing),
    /// BERT pre-tokenizer, WordPiece with `##` and 100 characters per word, and the special tokens
    /// `[PAD] [UNK] [CLS] [SEP] [MASK]`. Take `lowercase` from `do_lower_case` in
    /// `tokenizer_config.json` (see [`lowercase_from_tokenizer_config`]).
    pub fn from_vocab(vocab_txt: &str, lowercase: bool) -> Result<Self> {
        let json = tokenizer_json_from_vocab(vocab_txt, lowercase)?;
        Self::from_json_bytes(json.as_bytes())
    }

    /// Reads `vocab.txt` from disk (see [`BertTokenizer::from_vocab`]).
    pub fn from_vocab_file(path: impl AsRef<Path>, lowercase: bool) -> Result<Self> {
        let path = path.as_ref();
        Self::from_vocab(&read_text(path)?, lowercase)
            .map_err(|e| TaskError::Tokenizer(format!("{}: {e}", path.display())))
    }

    fn from_tokenizer(mut tokenizer: Tokenizer) -> Result<Self> {
        let processor = tokenizer.get_post_processor().cloned().ok_or_else(|| {
            TaskError::Tokenizer(
                "tokenizer.json has no post_processor; BERT needs the [CLS]/[SEP] template".into(),
            )
        })?;
        let as_json = serde_json::to_value(&processor).map_err(TaskError::tokenizer)?;
        crate::template_check::check_post_processor(&as_json)?;
        let id = |name: &str| {
            tokenizer
                .token_to_id(name)
                .ok_or_else(|| TaskError::Tokenizer(format!("the vocabulary has no {name} token")))
        };
        let (cls_id, sep_id) = (id("[CLS]")?, id("[SEP]")?);
        let pad_id = match tokenizer.get_padding() {
            Some(p) => p.pad_id,
            None => id("[PAD]")?,
        };
        tokenizer.with_post_processor(None::<PostProcessorWrapper>);
        tokenizer
            .with_truncation(None)
            .map_err(TaskError::tokenizer)?;
        tokenizer.with_padding(None);
        Ok(BertTokenizer {
            inner: tokenizer,
            processor,
            pad_id,
            cls_id,
            sep_id,
        })
    }

    /// The tokenizer of a Hugging Face model folder: `tokenizer.json`, else `vocab.txt` cased as
    /// `tokenizer_config.json`'s `do_lower_case` says (lowercase when that file is absent, as
    /// `transformers` does).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let json = dir.join("tokenizer.json");
        if json.is_file() {
            return Self::from_json_file(&json);
        }
        let vocab = dir.join("vocab.txt");
        if !vocab.is_file() {
            return Err(TaskError::Tokenizer(format!(
                "{}: no tokenizer.json (nor vocab.txt) in this folder",
                dir.display()
            )));
        }
        let config = dir.join("tokenizer_config.json");
        let lowercase = match std::fs::read_to_string(&config) {
            Ok(text) => lowercase_from_tokenizer_config(&text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(TaskError::io(&config, e)),
        };
        Self::from_vocab_file(&vocab, lowercase)
    }

    /// The `tokenizer.json` text of this tokenizer, post-processor included, for saving beside
    /// a checkpoint (a tokenizer built from `vocab.txt` has no file of its own).
    pub fn to_json(&self) -> Result<String> {
        let mut full = self.inner.clone();
        full.with_post_processor(Some(self.processor.clone()));
        full.to_string(true).map_err(TaskError::tokenizer)
    }

    /// Vocabulary size including added tokens.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// Id of `[PAD]` (or the padding id configured in `tokenizer.json`).
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    /// Id of `[CLS]`.
    pub fn cls_id(&self) -> u32 {
        self.cls_id
    }

    /// Id of `[SEP]`.
    pub fn sep_id(&self) -> u32 {
        self.sep_id
    }

    /// The vocabulary as `vocab.txt` (see [`crate::vocab_txt`]).
    pub fn vocab_txt(&self) -> Result<String> {
        crate::wordpiece_train::vocab_txt(&self.inner)
    }

    /// Id of a token string, if it is in the vocabulary.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Token string of an id.
    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    /// Turns ids back into text (WordPiece decoder, `##` joined).
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        self.inner
            .decode(ids, skip_special_tokens)
            .map_err(TaskError::tokenizer)
    }

    /// Encodes a sentence or a pair with special tokens, truncated to `max_len` tokens with
    /// `longest_first` (what `tokenizer(a, b, truncation=True, max_length=max_len)` does).
    /// `usize::MAX` means no truncation; a `max_len` that leaves no room next to the special
    /// tokens is an error.
    pub fn encode(&self, text: &str, pair: Option<&str>, max_len: usize) -> Result<Encoded> {
        let a = self.piece(text)?;
        let b = pair.map(|p| self.piece(p)).transpose()?;
        let enc = self.assemble(a, b, longest_first(max_len), Overflow::Drop)?;
        Ok(Encoded::from_encoding(&enc))
    }

    /// [`BertTokenizer::encode`] over many inputs; natively the text-to-piece step runs on the
    /// `tokenizers` thread pool, on wasm32 it runs in sequence. Output order = input order.
    pub fn encode_batch(
        &self,
        inputs: &[(&str, Option<&str>)],
        max_len: usize,
    ) -> Result<Vec<Encoded>> {
        let texts: Vec<&str> = inputs
            .iter()
            .flat_map(|(a, b)| std::iter::once(*a).chain(*b))
            .collect();
        let mut pieces = self.pieces(texts)?.into_iter();
        let mut out = Vec::with_capacity(inputs.len());
        for (_, b) in inputs {
            let missing = || TaskError::Tokenizer("batch encoding lost an input".into());
            let a = pieces.next().ok_or_else(missing)?;
            let b = match b {
                Some(_) => Some(pieces.next().ok_or_else(missing)?),
                None => None,
            };
            let enc = self.assemble(a, b, longest_first(max_len), Overflow::Drop)?;
            out.push(Encoded::from_encoding(&enc));
        }
        Ok(out)
    }

    /// One sequence as `encode_single_sequence` gives it: no specials, char offsets.
    pub(crate) fn piece(&self, text: &str) -> Result<Encoding> {
        self.inner
            .encode_char_offsets(text, false)
            .map_err(TaskError::tokenizer)
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn pieces(&self, texts: Vec<&str>) -> Result<Vec<Encoding>> {
        self.inner
            .encode_batch_char_offsets(texts, false)
            .map_err(TaskError::tokenizer)
    }

    // rayon cannot start threads in a browser, so no thread pool on wasm32.
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn pieces(&self, texts: Vec<&str>) -> Result<Vec<Encoding>> {
        texts.into_iter().map(|t| self.piece(t)).collect()
    }

    /// Number of special tokens the template adds (2 for a sentence, 3 for a pair).
    pub fn num_special_tokens(&self, is_pair: bool) -> usize {
        self.processor.added_tokens(is_pair)
    }

    /// Truncates and adds special tokens, mirroring `TokenizerImpl::post_process`. Overflowing
    /// windows are kept only when asked (the QA case), whatever the stride: stride 0 means
    /// windows that do not overlap, as `doc_stride=0` does in `run_qa.py`.
    pub(crate) fn assemble(
        &self,
        a: Encoding,
        mut b: Option<Encoding>,
        params: TruncationParams,
        overflow: Overflow,
    ) -> Result<Encoding> {
        let n_added = self.num_special_tokens(b.is_some());
        if params.max_length <= n_added {
            return Err(TaskError::InvalidArgument(format!(
                "max_length {} leaves no room next to {n_added} special tokens",
                params.max_length
            )));
        }
        // `encode_single_sequence` gives the second sequence type id 1 before truncation; the
        // overflowing windows keep it, so set it here too.
        if let Some(b) = b.as_mut() {
            b.set_type_ids(vec![1; b.len()]);
        }
        let params = TruncationParams {
            max_length: params.max_length - n_added,
            ..params
        };
        let (mut a, mut b) = truncate_encodings(a, b, &params).map_err(TaskError::tokenizer)?;
        if overflow == Overflow::Drop {
            // Longest-first overflow is never used; dropping it skips a cross product in merge.
            a.take_overflowing();
            if let Some(b) = b.as_mut() {
                b.take_overflowing();
            }
        }
        self.processor
            .process(a, b, true)
            .map_err(TaskError::tokenizer)
    }
}

/// What [`BertTokenizer::assemble`] does with the tokens that do not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// Cut them (sentence classification).
    Drop,
    /// Keep them as further windows (question answering).
    Windows,
}

fn longest_first(max_len: usize) -> TruncationParams {
    TruncationParams {
        direction: TruncationDirection::Right,
        max_length: max_len,
        strategy: TruncationStrategy::LongestFirst,
        stride: 0,
    }
}

/// `do_lower_case` from a `tokenizer_config.json` (true when absent, as in `transformers`).
pub fn lowercase_from_tokenizer_config(json: &str) -> Result<bool> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|error| TaskError::JsonSyntax {
            source_name: "tokenizer_config.json".into(),
            error,
        })?;
    match v.get("do_lower_case") {
        None | Some(serde_json::Value::Null) => Ok(true),
        Some(serde_json::Value::Bool(b)) => Ok(*b),
        Some(other) => Err(TaskError::Json {
            source_name: "tokenizer_config.json".into(),
            path: "do_lower_case".into(),
            message: format!("expected a boolean, found {other}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_comes_from_the_config() {
        assert!(lowercase_from_tokenizer_config("{}").unwrap());
        assert!(!lowercase_from_tokenizer_config(r#"{"do_lower_case": false}"#).unwrap());
        let e = lowercase_from_tokenizer_config(r#"{"do_lower_case": "yes"}"#).unwrap_err();
        assert!(e.to_string().contains("do_lower_case"), "{e}");
    }
}
