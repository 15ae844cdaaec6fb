//! BERT task plumbing without Burn, for the native trainer and the WebAssembly build alike:
//! WordPiece tokenization (`tokenizers`), GLUE and SQuAD readers, SQuAD windows and answer
//! decoding, and the GLUE/SQuAD metrics. Every piece follows a Hugging Face reference
//! (`transformers`' `run_glue.py`, `run_qa.py`, `utils_qa.py`, the official SQuAD scripts), and
//! the tests compare with values those references produced (`tests/reference/`).

pub mod batch;
pub mod error;
pub mod glue;
pub mod metrics;
pub mod qa_decode;
pub mod qa_features;
mod qa_output;
pub mod squad;
pub mod task;
pub mod tokenizer;
mod vocab;

pub use batch::{EncodedBatch, Padding};
pub use error::{Result, TaskError};
pub use glue::{GlueExample, GlueLabel, GlueSplit, parse_glue_tsv, read_glue_split};
pub use qa_decode::{
    DecodeConfig, ExamplePrediction, NBestEntry, QaPredictions, WindowLogits, decode_example,
    postprocess_qa_predictions,
};
pub use qa_features::{QaConfig, QaFeature, QaWindow, prepare_qa_features, qa_windows};
pub use squad::{SquadAnswer, SquadExample, parse_squad, read_squad};
pub use task::{GlueMetric, GlueTask, TaskSpec, TsvLayout};
pub use tokenizer::{BertTokenizer, Encoded, lowercase_from_tokenizer_config};
