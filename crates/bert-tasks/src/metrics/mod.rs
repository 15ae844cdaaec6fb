//! Evaluation metrics: GLUE (accuracy, F1, Matthews, Pearson, Spearman) and SQuAD v1.1 / v2.0.

pub mod classification;
pub mod correlation;
pub mod glue;
pub mod squad;
pub mod squad_v2;

pub use classification::{accuracy, argmax_rows, f1_binary, matthews_corrcoef};
pub use correlation::{pearson, spearman};
pub use glue::{GluePredictions, glue_scores};
pub use squad::{SquadV1Scores, normalize_answer, squad_v1};
pub use squad_v2::{
    SquadMetricInputs, SquadV2Scores, squad_metric_inputs, squad_v2, squad_v2_span_inputs,
};
