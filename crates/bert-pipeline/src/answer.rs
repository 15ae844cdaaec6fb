//! Extractive question answering over a passage of any length: `run_qa.py`'s windows, the
//! model on every window, `utils_qa.py`'s decoding over all of them.

use bert_model::BertInput;
use bert_tasks::{QaWindow, WindowLogits, decode_example, qa_windows};
use burn::tensor::Tensor;

use crate::pipeline::LoadedModel;
use crate::{Answer, Pipeline, PipelineError};

/// Start and end logits of one window.
type WindowRow = (Vec<f32>, Vec<f32>);

/// Windows per forward pass: a 100,000-character passage is ~100 windows of 384 tokens; this
/// bounds the activations held at once.
pub const QA_BATCH: usize = 8;

impl Pipeline {
    /// Answers a question about a passage. A classifier or an empty question/passage is an error.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn answer(&self, question: &str, context: &str) -> Result<Answer, PipelineError> {
        let windows = self.qa_prepare(question, context)?;
        let mut logits = Vec::with_capacity(windows.len());
        for chunk in windows.chunks(QA_BATCH) {
            let values = crate::readback::read(self.qa_forward(chunk)?)?;
            logits.extend(split_rows(&values, chunk.len())?);
        }
        self.qa_decode(context, &windows, &logits)
    }

    /// [`Pipeline::answer`] for the browser: each read-back is awaited.
    pub async fn answer_async(
        &self,
        question: &str,
        context: &str,
    ) -> Result<Answer, PipelineError> {
        let windows = self.qa_prepare(question, context)?;
        let mut logits = Vec::with_capacity(windows.len());
        for chunk in windows.chunks(QA_BATCH) {
            let values = crate::readback::read_async(self.qa_forward(chunk)?).await?;
            logits.extend(split_rows(&values, chunk.len())?);
        }
        self.qa_decode(context, &windows, &logits)
    }

    fn qa_prepare(&self, question: &str, context: &str) -> Result<Vec<QaWindow>, PipelineError> {
        if !matches!(self.model, LoadedModel::QuestionAnswering(_)) {
            return Err(PipelineError::WrongTask(
                "this is a text-classification model; it classifies sentences and cannot \
                 answer questions"
                    .into(),
            ));
        }
        if question.trim().is_empty() {
            return Err(PipelineError::Input("the question is empty".into()));
        }
        if context.trim().is_empty() {
            return Err(PipelineError::Input("the passage is empty".into()));
        }
        let windows = qa_windows(&self.tokenizer, question, context, &self.qa)?;
        if windows.is_empty() {
            return Err(PipelineError::Input("the passage gave no window".into()));
        }
        Ok(windows)
    }

    /// One batch of windows through the model: `[batch, 2 * seq]`, start logits then end
    /// logits per row, so that one read-back brings both.
    fn qa_forward(&self, chunk: &[QaWindow]) -> Result<Tensor<2>, PipelineError> {
        let LoadedModel::QuestionAnswering(model) = &self.model else {
            return Err(PipelineError::WrongTask(
                "not a question-answering model".into(),
            ));
        };
        let ids: Vec<&[u32]> = chunk.iter().map(|w| &w.input_ids[..]).collect();
        let types: Vec<&[u32]> = chunk.iter().map(|w| &w.token_type_ids[..]).collect();
        let input = BertInput::from_rows(&ids, &types, None, &self.config, &self.device)?;
        let (start, end) = model.forward(input);
        Ok(Tensor::cat(vec![start, end], 1))
    }

    fn qa_decode(
        &self,
        context: &str,
        windows: &[QaWindow],
        logits: &[WindowRow],
    ) -> Result<Answer, PipelineError> {
        let per_window: Vec<WindowLogits<'_>> = windows
            .iter()
            .zip(logits)
            .map(|(w, (s, e))| WindowLogits {
                offsets: &w.offsets,
                start_logits: s,
                end_logits: e,
            })
            .collect();
        let p = decode_example(context, &per_window, &self.decode)?;
        let (start, end) = p.char_span.unwrap_or((0, 0));
        Ok(Answer {
            answer: p.text,
            start,
            end,
            score: p.probability,
            logit_score: p.score,
            windows: windows.len(),
        })
    }
}

/// `[batch, 2 * seq]` values → per row (start logits, end logits).
fn split_rows(values: &[f32], batch: usize) -> Result<Vec<WindowRow>, PipelineError> {
    if batch == 0 || !values.len().is_multiple_of(2 * batch) {
        return Err(PipelineError::Device(format!(
            "the model returned {} values for {batch} windows",
            values.len()
        )));
    }
    let seq = values.len() / batch / 2;
    Ok(values
        .chunks(2 * seq)
        .map(|row| (row[..seq].to_vec(), row[seq..].to_vec()))
        .collect())
}
