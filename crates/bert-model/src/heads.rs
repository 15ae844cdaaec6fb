//! Task heads on top of `BertModel`, as HF's `BertForSequenceClassification` and
//! `BertForQuestionAnswering`.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::batch::BertInput;
use crate::dropout::Dropout;
use crate::model::BertModel;
use crate::{BertConfig, init};

/// Pooled [CLS] → dropout → linear. `num_labels == 1` is a regression head (STS-B).
#[derive(Module, Debug)]
pub struct BertForSequenceClassification {
    pub bert: BertModel,
    pub dropout: Dropout,
    pub classifier: Linear,
}

impl BertForSequenceClassification {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        Self {
            bert: BertModel::new(config, true, device),
            dropout: Dropout::new(config.classifier_dropout_prob()),
            classifier: init::linear(config.hidden_size, config.num_labels(), config, device),
        }
    }

    /// # Shapes
    /// - output: `[batch, num_labels]` logits (or `[batch, 1]` regression values)
    pub fn forward(&self, input: BertInput) -> Tensor<2> {
        let out = self.bert.forward(input);
        let pooled = match out.pooler_output {
            Some(pooled) => pooled,
            // Built without a pooler only by hand; HF would fail the same way.
            None => panic!("BertForSequenceClassification needs a pooler"),
        };
        self.classifier.forward(self.dropout.forward(pooled))
    }
}

/// Per-token start/end logits for extractive QA. No pooler, as in HF.
#[derive(Module, Debug)]
pub struct BertForQuestionAnswering {
    pub bert: BertModel,
    pub qa_outputs: Linear,
}

impl BertForQuestionAnswering {
    pub fn new(config: &BertConfig, device: &Device) -> Self {
        Self {
            bert: BertModel::new(config, false, device),
            qa_outputs: init::linear(config.hidden_size, 2, config, device),
        }
    }

    /// # Shapes
    /// - output: (`start_logits`, `end_logits`), each `[batch, seq]`
    pub fn forward(&self, input: BertInput) -> (Tensor<2>, Tensor<2>) {
        let hidden = self.bert.forward(input).last_hidden_state;
        let [batch, seq, _] = hidden.dims();
        let logits = self.qa_outputs.forward(hidden); // [batch, seq, 2]
        let start = logits.clone().narrow(2, 0, 1).reshape([batch, seq]);
        let end = logits.narrow(2, 1, 1).reshape([batch, seq]);
        (start, end)
    }
}
