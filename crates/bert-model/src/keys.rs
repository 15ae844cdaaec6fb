//! How Hugging Face checkpoint keys map onto our module paths.
//!
//! | Hugging Face key                           | our module path                          |
//! |--------------------------------------------|------------------------------------------|
//! | `*.attention.self.*`                       | `*.attention.self_attn.*` (`self` is a keyword) |
//! | `*.LayerNorm.weight` / `.bias`             | `*.layer_norm.gamma` / `.beta` (adapter) |
//! | `*.LayerNorm.gamma` / `.beta` (TF-era)     | `*.layer_norm.gamma` / `.beta`           |
//! | `nn.Linear` `weight` `[out, in]`           | `Linear` `weight` `[in, out]` (adapter transposes) |
//! | `bert.` prefix of task models              | `bert.` field of our heads; none on `BertModel` |
//!
//! Keys that a checkpoint may carry and we knowingly do not use are listed by
//! [`is_known_unused`]; anything else left over is an error.

use burn::store::KeyRemapper;

use crate::HeadKind;

/// Patterns (regex, replacement) from HF keys to our paths, common to every head.
pub const HF_TO_BURN: &[(&str, &str)] = &[
    (r"\.attention\.self\.", ".attention.self_attn."),
    (r"LayerNorm\.", "layer_norm."),
];

/// Patterns from our paths (after the PyTorch adapter renamed gamma/beta) to HF keys.
pub const BURN_TO_HF: &[(&str, &str)] = &[
    (r"\.attention\.self_attn\.", ".attention.self."),
    (r"layer_norm\.", "LayerNorm."),
];

/// The prefix under which a task model keeps its `BertModel`.
pub const BERT_PREFIX: &str = "bert.";

/// Checkpoint keys (after mapping to our paths) that are fine to leave unused: the
/// `position_ids` buffer, pretraining heads (`cls.*`), and other task heads.
pub fn is_known_unused(path: &str) -> bool {
    let path = path.strip_prefix(BERT_PREFIX).unwrap_or(path);
    path == "embeddings.position_ids"
        || path.starts_with("cls.")
        || path.starts_with("pooler.")
        || path.starts_with("classifier.")
        || path.starts_with("qa_outputs.")
}

/// Maps one of our paths back to the HF key, for messages.
pub fn to_hf(path: &str) -> String {
    path.replace(".attention.self_attn.", ".attention.self.")
        .replace("layer_norm.gamma", "LayerNorm.weight")
        .replace("layer_norm.beta", "LayerNorm.bias")
        .replace("layer_norm.", "LayerNorm.")
}

/// Top-level parts of `BertModel`, which task models keep under `bert.`.
const ENCODER_PARTS: [&str; 3] = ["embeddings.", "encoder.", "pooler."];

/// How a checkpoint's `bert.` prefix differs from the module it is loaded into.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Prefix {
    Same,
    /// A task checkpoint loaded as a plain `BertModel`.
    Strip,
    /// A `BertModel` checkpoint loaded under a task head.
    Add,
}

impl Prefix {
    pub(crate) fn of(head: HeadKind, keys: &[String]) -> Self {
        let prefixed = keys.iter().any(|k| k.starts_with(BERT_PREFIX));
        match (head.prefix().is_empty(), prefixed) {
            (true, true) => Self::Strip,
            (false, false) => Self::Add,
            _ => Self::Same,
        }
    }

    /// The checkpoint's own name for one of our paths.
    pub(crate) fn checkpoint_key(self, path: &str) -> String {
        let key = to_hf(path);
        match self {
            Self::Same => key,
            Self::Strip if ENCODER_PARTS.iter().any(|p| key.starts_with(p)) => {
                format!("{BERT_PREFIX}{key}")
            }
            Self::Strip => key,
            Self::Add => key.strip_prefix(BERT_PREFIX).unwrap_or(&key).to_string(),
        }
    }
}

/// Key remapping from a checkpoint's keys to our paths, given how their prefixes differ.
pub(crate) fn remapper(prefix: Prefix) -> Result<KeyRemapper, crate::BertError> {
    let parts: Vec<&str> = ENCODER_PARTS
        .iter()
        .map(|p| p.trim_end_matches('.'))
        .collect();
    let add = format!(r"^({})\.", parts.join("|")); // ^(embeddings|encoder|pooler)\.
    let mut patterns: Vec<(&str, &str)> = Vec::new();
    match prefix {
        Prefix::Strip => patterns.push((r"^bert\.", "")),
        Prefix::Add => patterns.push((&add, "bert.$1.")),
        Prefix::Same => {}
    }
    patterns.extend_from_slice(HF_TO_BURN);
    // Built from constants: an error here is a bug in the table, named as such.
    KeyRemapper::from_patterns(patterns).map_err(|e| crate::BertError::Checkpoint {
        origin: "the key table HF_TO_BURN".into(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables are regexes: one that failed to compile used to give an empty remapper
    /// (`unwrap_or_default`), so every key went unmatched and the error blamed the checkpoint.
    #[test]
    fn every_table_compiles() {
        for prefix in [Prefix::Strip, Prefix::Add, Prefix::Same] {
            assert!(remapper(prefix).is_ok());
        }
        assert!(KeyRemapper::from_patterns(BURN_TO_HF.to_vec()).is_ok());
        assert!(KeyRemapper::from_patterns(vec![("(", "")]).is_err());
    }

    #[test]
    fn known_unused_keys() {
        assert!(is_known_unused("embeddings.position_ids"));
        assert!(is_known_unused("bert.embeddings.position_ids"));
        assert!(is_known_unused("cls.predictions.bias"));
        assert!(!is_known_unused("bert.encoder.layer.0.output.dense.weight"));
        assert!(!is_known_unused("something.else"));
    }

    #[test]
    fn paths_map_back_to_hf_names() {
        assert_eq!(
            to_hf("bert.encoder.layer.1.attention.self_attn.query.weight"),
            "bert.encoder.layer.1.attention.self.query.weight"
        );
        assert_eq!(
            to_hf("embeddings.layer_norm.gamma"),
            "embeddings.LayerNorm.weight"
        );
    }
}
