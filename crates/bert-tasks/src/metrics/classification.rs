//! Classification metrics with scikit-learn's definitions.

use crate::error::{Result, TaskError};

fn same_len(preds: &[u32], labels: &[u32]) -> Result<()> {
    if preds.len() != labels.len() {
        return Err(TaskError::InvalidArgument(format!(
            "{} predictions for {} labels",
            preds.len(),
            labels.len()
        )));
    }
    if preds.is_empty() {
        return Err(TaskError::InvalidArgument("no predictions".into()));
    }
    Ok(())
}

/// Fraction of predictions equal to the label (`accuracy_score`).
pub fn accuracy(preds: &[u32], labels: &[u32]) -> Result<f64> {
    same_len(preds, labels)?;
    let hits = preds.iter().zip(labels).filter(|(p, l)| p == l).count();
    Ok(hits as f64 / preds.len() as f64)
}

/// F1 of class 1 (`f1_score(average="binary")`); 0 when there are no true or predicted
/// positives (scikit-learn's `zero_division` default, which also warns).
pub fn f1_binary(preds: &[u32], labels: &[u32]) -> Result<f64> {
    same_len(preds, labels)?;
    let (mut tp, mut fp, mut fneg) = (0u64, 0u64, 0u64);
    for (&p, &l) in preds.iter().zip(labels) {
        match (p == 1, l == 1) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            (false, false) => {}
        }
    }
    let denom = 2 * tp + fp + fneg;
    Ok(if denom == 0 {
        0.0
    } else {
        (2 * tp) as f64 / denom as f64
    })
}

/// Matthews correlation for any number of classes (`matthews_corrcoef`), 0 when undefined.
pub fn matthews_corrcoef(preds: &[u32], labels: &[u32]) -> Result<f64> {
    same_len(preds, labels)?;
    let k = preds.iter().chain(labels).copied().max().unwrap_or(0) as usize + 1;
    let (mut t_sum, mut p_sum) = (vec![0f64; k], vec![0f64; k]);
    let mut correct = 0f64;
    for (&p, &l) in preds.iter().zip(labels) {
        t_sum[l as usize] += 1.0;
        p_sum[p as usize] += 1.0;
        if p == l {
            correct += 1.0;
        }
    }
    let n = preds.len() as f64;
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let cov_ytyp = correct * n - dot(&t_sum, &p_sum);
    let cov_ypyp = n * n - dot(&p_sum, &p_sum);
    let cov_ytyt = n * n - dot(&t_sum, &t_sum);
    if cov_ypyp * cov_ytyt == 0.0 {
        return Ok(0.0);
    }
    Ok(cov_ytyp / (cov_ytyt * cov_ypyp).sqrt())
}

/// Row-wise argmax of row-major logits (`np.argmax(logits, axis=1)`, first maximum wins).
pub fn argmax_rows(logits: &[f32], num_labels: usize) -> Result<Vec<u32>> {
    if num_labels == 0 || !logits.len().is_multiple_of(num_labels) {
        return Err(TaskError::InvalidArgument(format!(
            "{} logits do not split into rows of {num_labels}",
            logits.len()
        )));
    }
    Ok(logits
        .chunks(num_labels)
        .map(|row| {
            let mut best = 0;
            for (i, v) in row.iter().enumerate() {
                if *v > row[best] {
                    best = i;
                }
            }
            best as u32
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degenerate_cases_match_sklearn() {
        assert_eq!(matthews_corrcoef(&[1, 1, 1], &[0, 1, 0]).unwrap(), 0.0);
        assert_eq!(f1_binary(&[0, 0], &[0, 0]).unwrap(), 0.0);
        assert_eq!(matthews_corrcoef(&[0, 1], &[0, 1]).unwrap(), 1.0);
        assert!(accuracy(&[1], &[1, 0]).is_err());
        assert!(accuracy(&[], &[]).is_err());
        assert_eq!(argmax_rows(&[0.1, 0.9, 0.5, 0.5], 2).unwrap(), [1, 0]);
        assert!(argmax_rows(&[0.1, 0.9, 0.5], 2).is_err());
    }
}
