//! Next-sentence-prediction pairs, as Google's `create_pretraining_data.py`
//! (`create_instances_from_document`, `truncate_seq_pair`) and `transformers`'
//! `TextDatasetForNextSentencePrediction` build them.
//!
//! Per document: sentences are gathered into a chunk until it holds `target` tokens
//! (`max_seq_length - 3`, or with probability `short_seq_prob` a random length in
//! `2..=max_seq_length - 3`, so that the model also sees short inputs); the chunk is cut at a
//! random sentence boundary into A and B; with probability `nsp_probability` (and always when
//! the chunk is one sentence) B is replaced by sentences from a random place in another
//! document and the sentences of the chunk that B would have used are put back, so no text is
//! wasted. The pair is then cut to `max_seq_length - 3` tokens, one token at a time from the
//! longer side, at its front or back at random (so the model does not learn that a segment
//! always ends at a sentence end).
//!
//! Like the references, the random-next rate is a little above `nsp_probability`, since a
//! one-sentence chunk can only make a random pair; and instances come out in document order
//! (Google shuffles them afterwards, `transformers` leaves it to the data loader).

use serde::{Deserialize, Serialize};

use crate::error::{Result, TaskError};
use crate::rng::SplitMix64;
use crate::tokenizer::BertTokenizer;
use crate::wikitext::Document;

/// A document as token ids: one `Vec<u32>` per sentence, without special tokens.
pub type TokenizedDocument = Vec<Vec<u32>>;

/// How to cut documents into NSP pairs. [`NspOptions::new`] gives the defaults of both
/// references.
#[derive(Debug, Clone, PartialEq)]
pub struct NspOptions {
    /// Length of `[CLS] A [SEP] B [SEP]` at most (128 in the first phase of BERT's training).
    pub max_seq_length: usize,
    /// Probability of aiming at a shorter random length for a document (0.1).
    pub short_seq_prob: f64,
    /// Probability that B is taken from another document (0.5).
    pub nsp_probability: f64,
    /// Id of `[CLS]`.
    pub cls_id: u32,
    /// Id of `[SEP]`.
    pub sep_id: u32,
}

impl NspOptions {
    /// Defaults: 128 tokens, `short_seq_prob` 0.1, `nsp_probability` 0.5.
    pub fn new(cls_id: u32, sep_id: u32) -> Self {
        Self {
            max_seq_length: 128,
            short_seq_prob: 0.1,
            nsp_probability: 0.5,
            cls_id,
            sep_id,
        }
    }
}

/// One pre-training pair, unpadded and unmasked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NspInstance {
    /// `[CLS] A [SEP] B [SEP]`.
    pub input_ids: Vec<u32>,
    /// 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`.
    pub token_type_ids: Vec<u32>,
    /// 0 when B follows A in the document, 1 when B is random (`BertForPreTraining`'s
    /// convention).
    pub next_sentence_label: u8,
}

/// Tokenizes every sentence (no special tokens; natively on the tokenizer's thread pool) and
/// drops sentences that give no tokens, then documents left empty.
pub fn tokenize_documents(
    tokenizer: &BertTokenizer,
    docs: &[Document],
) -> Result<Vec<TokenizedDocument>> {
    let texts: Vec<&str> = docs
        .iter()
        .flat_map(|d| d.sentences.iter().map(String::as_str))
        .collect();
    let mut pieces = tokenizer.pieces(texts)?.into_iter();
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        let mut sentences = Vec::with_capacity(doc.sentences.len());
        for _ in &doc.sentences {
            let enc = pieces
                .next()
                .ok_or_else(|| TaskError::Tokenizer("batch encoding lost a sentence".into()))?;
            if !enc.get_ids().is_empty() {
                sentences.push(enc.get_ids().to_vec());
            }
        }
        if !sentences.is_empty() {
            out.push(sentences);
        }
    }
    Ok(out)
}

/// All NSP pairs of the corpus, one pass over each document (Google's `dupe_factor` is calling
/// this again with the same RNG). Empty sentences and documents are ignored. With a single
/// document, a "random" B comes from the same document, as in the references.
pub fn build_nsp_instances(
    docs: &[TokenizedDocument],
    opts: &NspOptions,
    rng: &mut SplitMix64,
) -> Result<Vec<NspInstance>> {
    if opts.max_seq_length < 5 {
        return Err(TaskError::InvalidArgument(format!(
            "max_seq_length {} leaves no room for two segments next to 3 special tokens",
            opts.max_seq_length
        )));
    }
    let docs: Vec<Vec<&[u32]>> = docs
        .iter()
        .map(|d| {
            d.iter()
                .filter(|s| !s.is_empty())
                .map(Vec::as_slice)
                .collect()
        })
        .filter(|d: &Vec<&[u32]>| !d.is_empty())
        .collect();
    let mut out = Vec::new();
    for index in 0..docs.len() {
        instances_from_document(&docs, index, opts, rng, &mut out);
    }
    Ok(out)
}

fn instances_from_document(
    docs: &[Vec<&[u32]>],
    index: usize,
    opts: &NspOptions,
    rng: &mut SplitMix64,
    out: &mut Vec<NspInstance>,
) {
    let doc = &docs[index];
    let max_num_tokens = opts.max_seq_length - 3;
    let target = if rng.chance(opts.short_seq_prob) {
        rng.range_inclusive(2, max_num_tokens)
    } else {
        max_num_tokens
    };
    let (mut chunk_start, mut chunk_len, mut i) = (0usize, 0usize, 0usize);
    while i < doc.len() {
        chunk_len += doc[i].len();
        if i + 1 == doc.len() || chunk_len >= target {
            let chunk = &doc[chunk_start..=i];
            let a_end = if chunk.len() >= 2 {
                rng.range_inclusive(1, chunk.len() - 1)
            } else {
                1
            };
            let a: Vec<u32> = chunk[..a_end].concat();
            let random_next = chunk.len() == 1 || rng.chance(opts.nsp_probability);
            let b = if random_next {
                i -= chunk.len() - a_end; // the sentences B did not use are read again
                random_segment(docs, index, target.saturating_sub(a.len()), rng)
            } else {
                chunk[a_end..].concat()
            };
            out.push(assemble(a, b, random_next, max_num_tokens, opts, rng));
            chunk_start = i + 1;
            chunk_len = 0;
        }
        i += 1;
    }
}

/// Sentences from a random start in a random other document (10 tries to avoid `index`),
/// until `target_len` tokens.
fn random_segment(
    docs: &[Vec<&[u32]>],
    index: usize,
    target_len: usize,
    rng: &mut SplitMix64,
) -> Vec<u32> {
    let mut other = index;
    for _ in 0..10 {
        other = rng.below(docs.len());
        if other != index {
            break;
        }
    }
    let doc = &docs[other];
    let mut b = Vec::new();
    for sentence in &doc[rng.below(doc.len())..] {
        b.extend_from_slice(sentence);
        if b.len() >= target_len {
            break;
        }
    }
    b
}

fn assemble(
    a: Vec<u32>,
    b: Vec<u32>,
    random_next: bool,
    max_num_tokens: usize,
    opts: &NspOptions,
    rng: &mut SplitMix64,
) -> NspInstance {
    let (a, b) = truncate_seq_pair(&a, &b, max_num_tokens, rng);
    let mut input_ids = Vec::with_capacity(a.len() + b.len() + 3);
    input_ids.push(opts.cls_id);
    input_ids.extend_from_slice(a);
    input_ids.push(opts.sep_id);
    input_ids.extend_from_slice(b);
    input_ids.push(opts.sep_id);
    let mut token_type_ids = vec![0; a.len() + 2];
    token_type_ids.resize(input_ids.len(), 1);
    NspInstance {
        input_ids,
        token_type_ids,
        next_sentence_label: u8::from(random_next),
    }
}

/// Google's `truncate_seq_pair`: while too long, drop one token of the longer segment (B on a
/// tie), from its front or its back with equal probability.
pub(crate) fn truncate_seq_pair<'a>(
    a: &'a [u32],
    b: &'a [u32],
    max_num_tokens: usize,
    rng: &mut SplitMix64,
) -> (&'a [u32], &'a [u32]) {
    let (mut a, mut b) = (a, b);
    while a.len() + b.len() > max_num_tokens {
        let longer = if a.len() > b.len() { &mut a } else { &mut b };
        *longer = if rng.chance(0.5) {
            &longer[1..]
        } else {
            &longer[..longer.len() - 1]
        };
    }
    (a, b)
}

// The statistical tests are long; they live in `nsp/tests.rs`.
#[cfg(test)]
mod tests;
