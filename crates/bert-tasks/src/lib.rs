//! BERT task plumbing without Burn, for the native trainer and the WebAssembly build alike:
//! WordPiece tokenization (`tokenizers`), GLUE and SQuAD readers, SQuAD windows and answer
//! decoding, the GLUE/SQuAD metrics, and the text side of pre-training (WordPiece vocabulary
//! training, WikiText documents, NSP pairs, MLM masking). Every piece follows a Hugging Face reference
//! (`transformers`' `run_glue.py`, `run_qa.py`, `utils_qa.py`, the official SQuAD scripts), and
//! the tests compare with values those references produced (`tests/reference/`).

pub mod batch;
pub mod error;
pub mod glue;
pub mod metrics;
pub mod mlm_mask;
pub mod nsp;
pub mod qa_decode;
pub mod qa_features;
mod qa_output;
pub mod rng;
pub mod squad;
pub mod task;
mod template_check;
pub mod tokenizer;
mod vocab;
pub mod vocab_coverage;
pub mod wikitext;
pub mod wordpiece_train;

pub use batch::{EncodedBatch, Padding};
pub use error::{Result, TaskError};
pub use glue::{GlueExample, GlueLabel, GlueSplit, parse_glue_tsv, read_glue_split};
/// MLM masking (80% `[MASK]`, 10% random, 10% kept) and its options.
pub use mlm_mask::{IGNORE_INDEX, MlmOptions, mask_tokens};
/// Next-sentence-prediction pairs from tokenized documents.
pub use nsp::{
    NspInstance, NspOptions, TokenizedDocument, build_nsp_instances, tokenize_documents,
};
pub use qa_decode::{
    DecodeConfig, ExamplePrediction, NBestEntry, QaPredictions, WindowLogits, decode_example,
    postprocess_qa_predictions,
};
pub use qa_features::{QaConfig, QaFeature, QaWindow, prepare_qa_features, qa_windows};
/// The seedable RNG the pre-training data is drawn with.
pub use rng::SplitMix64;
pub use squad::{SquadAnswer, SquadExample, parse_squad, read_squad};
pub use task::{GlueMetric, GlueTask, TaskSpec, TsvLayout};
pub use tokenizer::{BertTokenizer, Encoded, lowercase_from_tokenizer_config};
/// How well a vocabulary covers a text (`[UNK]` rate, words split).
pub use vocab_coverage::{VocabCoverage, vocab_coverage};
/// WikiText files as documents of sentences, and as tokenizer training lines.
pub use wikitext::{Document, read_wikitext_documents, wikitext_training_lines};
/// `vocab.txt` of a tokenizer, and the training options.
pub use wordpiece_train::{WordPieceTrainOptions, vocab_txt};
/// WordPiece vocabulary training (native only: it runs on a thread pool).
#[cfg(not(target_arch = "wasm32"))]
pub use wordpiece_train::{train_wordpiece, train_wordpiece_from_lines};
