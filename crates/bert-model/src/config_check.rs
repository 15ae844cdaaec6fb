//! The bounds a `config.json` must meet before any tensor is allocated.
//!
//! A config comes from a file a user downloaded or typed, so each size is checked here, and the
//! model's parameter count is computed with checked arithmetic. Then an `intermediate_size` of
//! 4e9 is refused before it asks the allocator for 16 GB and aborts, natively and in the page.

use crate::config::BertConfig;
use crate::error::BertError;

/// The largest model we agree to build, in parameters: 2^31 (8 GiB of fp32), six times
/// BERT-large. It is also the bound under which every count below fits a wasm32 `usize`.
pub const MAX_PARAMETERS: u64 = 1 << 31;

impl BertConfig {
    /// The shapes and options our modules need, checked before any tensor is allocated.
    pub fn validate(&self, origin: &str) -> Result<(), BertError> {
        let bad = |message: String| BertError::Config {
            origin: origin.to_string(),
            message,
        };
        if self.model_type != "bert" {
            return Err(bad(format!(
                "model_type is \"{}\", only \"bert\" is supported",
                self.model_type
            )));
        }
        self.check_sizes().map_err(bad)?;
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Err(bad(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            )));
        }
        self.check_probabilities().map_err(bad)?;
        if self.position_embedding_type != "absolute" {
            return Err(bad(format!(
                "position_embedding_type \"{}\" is not supported (only \"absolute\")",
                self.position_embedding_type
            )));
        }
        crate::activation::HiddenAct::parse(&self.hidden_act).map_err(bad)?;
        if self.num_labels() == 0 {
            return Err(bad("num_labels must be at least 1".into()));
        }
        match self.parameter_count() {
            Some(n) if n <= MAX_PARAMETERS => Ok(()),
            n => Err(bad(format!(
                "the model would have {} parameters, more than the {MAX_PARAMETERS} we build",
                n.map_or("over 2^64".to_string(), |n| n.to_string())
            ))),
        }
    }

    /// Parameters of the encoder with a pooler, a classifier of `num_labels` classes and the
    /// MLM transform: an upper bound on every head we build. `None` when it overflows a u64.
    pub fn parameter_count(&self) -> Option<u64> {
        let [v, h, n] = [self.vocab_size, self.hidden_size, self.num_labels()].map(|x| x as u64);
        let linear = |a: u64, b: u64| a.checked_mul(b)?.checked_add(b);
        let heads = linear(h, h)? // pooler
            .checked_add(linear(h, n)?)? // classifier
            .checked_add(linear(h, h)?.checked_add(h.checked_mul(2)?)?)? // MLM transform
            .checked_add(v)?; // MLM decoder bias (its weight is the word embeddings)
        self.body_parameter_count()?.checked_add(heads)
    }

    /// Parameters of the embeddings and the encoder layers: what every checkpoint of this
    /// config must hold, since only heads are ever initialised. A header holding fewer
    /// elements is refused before the model is built (a `num_hidden_layers` of 65536 would
    /// otherwise allocate gigabytes first).
    pub fn body_parameter_count(&self) -> Option<u64> {
        let [v, h, i, p, t, l] = [
            self.vocab_size,
            self.hidden_size,
            self.intermediate_size,
            self.max_position_embeddings,
            self.type_vocab_size,
            self.num_hidden_layers,
        ]
        .map(|x| x as u64);
        let linear = |a: u64, b: u64| a.checked_mul(b)?.checked_add(b);
        // word + position + type embeddings, and their LayerNorm.
        let embeddings = v
            .checked_add(p)?
            .checked_add(t)?
            .checked_add(2)?
            .checked_mul(h)?;
        // q, k, v, attention output, two LayerNorms, and the feed-forward pair.
        let layer = linear(h, h)?
            .checked_mul(4)?
            .checked_add(h.checked_mul(4)?)?
            .checked_add(linear(h, i)?)?
            .checked_add(linear(i, h)?)?;
        embeddings.checked_add(layer.checked_mul(l)?)
    }

    fn check_sizes(&self) -> Result<(), String> {
        for (name, value) in [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("intermediate_size", self.intermediate_size),
            ("max_position_embeddings", self.max_position_embeddings),
            ("type_vocab_size", self.type_vocab_size),
        ] {
            if value == 0 {
                return Err(format!("{name} is 0; it must be at least 1"));
            }
        }
        if self.pad_token_id >= self.vocab_size {
            return Err(format!(
                "pad_token_id {} is outside the vocabulary (vocab_size {})",
                self.pad_token_id, self.vocab_size
            ));
        }
        Ok(())
    }

    fn check_probabilities(&self) -> Result<(), String> {
        let probabilities = [
            ("hidden_dropout_prob", Some(self.hidden_dropout_prob)),
            (
                "attention_probs_dropout_prob",
                Some(self.attention_probs_dropout_prob),
            ),
            ("classifier_dropout", self.classifier_dropout),
        ];
        for (name, p) in probabilities {
            // Dropout 1 would scale by 1 / (1 - p) = inf; `nn.Dropout` refuses p > 1.
            if let Some(p) = p.filter(|p| !(0.0..1.0).contains(p)) {
                return Err(format!("{name} is {p}; it must be in [0, 1)"));
            }
        }
        for (name, x) in [
            ("layer_norm_eps", self.layer_norm_eps),
            ("initializer_range", self.initializer_range),
        ] {
            if !(x.is_finite() && x >= 0.0) {
                return Err(format!("{name} is {x}; it must be a finite number ≥ 0"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(json: &str) -> String {
        BertConfig::from_json(json, "m/config.json")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn out_of_bounds_sizes_are_refused_before_allocation() {
        let cases = [
            (
                r#"{"hidden_size": 0}"#,
                "m/config.json: hidden_size is 0; it must be at least 1",
            ),
            (r#"{"vocab_size": 0, "pad_token_id": 0}"#, "vocab_size is 0"),
            (r#"{"intermediate_size": 0}"#, "intermediate_size is 0"),
            (
                r#"{"hidden_dropout_prob": 1.0}"#,
                "hidden_dropout_prob is 1; it must be in [0, 1)",
            ),
            (
                r#"{"attention_probs_dropout_prob": -0.1}"#,
                "attention_probs_dropout_prob is -0.1",
            ),
            (
                r#"{"classifier_dropout": 2.5}"#,
                "classifier_dropout is 2.5",
            ),
            (
                r#"{"layer_norm_eps": -1e-12}"#,
                "layer_norm_eps is -0.000000000001",
            ),
            (
                r#"{"pad_token_id": 30522}"#,
                "pad_token_id 30522 is outside the vocabulary",
            ),
            (
                r#"{"intermediate_size": 4000000000}"#,
                "the model would have 73776053446460 parameters, more than the 2147483648 we build",
            ),
            (
                r#"{"vocab_size": 18446744073709551615}"#,
                "the model would have over 2^64 parameters",
            ),
        ];
        for (json, want) in cases {
            let got = error_of(json);
            assert!(got.contains(want), "{json}: {got}");
        }
    }

    #[test]
    fn the_count_is_transformers_own() {
        // BertForSequenceClassification(BertConfig()) has 109,483,778 parameters in
        // transformers; ours adds the MLM transform (768*768 + 3*768) and decoder bias (30,522).
        let n = BertConfig::default().parameter_count().unwrap();
        assert_eq!(n, 109_483_778 + 768 * 768 + 3 * 768 + 30_522);
    }
}
