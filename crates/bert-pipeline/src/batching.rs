//! Which inputs share a forward pass. A batch is padded to its longest input, so 32 sentences
//! of 8 to 44 tokens cost 32 × 44 positions; sorted by length and cut in a few groups they cost
//! 887 (SST-2 sentences, `tests/e2e/bench.mjs`). A cut is worth it when the padding it removes
//! costs more than one more pass: that price is a number of token positions, small on the CPU
//! and large on a GPU, where each pass pays for kernel launches and a read-back.

/// The price of one more forward pass, in token positions, on the CPU. Chosen from browser
/// timings taken before the constructor fix in `bert-web`: a pass of one 10-token sentence took
/// 29 ms when a position inside a batch of 32 cost about 1 ms. Since that fix a pass costs less
/// (15 ms against 0.8 ms a position), so 32 errs towards fewer cuts.
pub const CPU_PASS_COST: usize = 32;
/// The same on a GPU: large, so that a batch is cut only around very long inputs.
pub const GPU_PASS_COST: usize = 1024;

/// Splits `lengths` into groups of indices of at most `max_batch` inputs that minimise
/// `Σ (inputs × longest) + pass_cost` per group. Every index appears once; groups are runs of
/// the inputs sorted by length (ties in input order).
pub fn length_groups(lengths: &[usize], max_batch: usize, pass_cost: usize) -> Vec<Vec<usize>> {
    let max_batch = max_batch.max(1);
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    let n = order.len();
    // cost[j]: the cheapest split of the first j sorted inputs; cut[j]: where its last group starts.
    let mut cost = vec![0usize; n + 1];
    let mut cut = vec![0usize; n + 1];
    for j in 1..=n {
        let longest = lengths[order[j - 1]];
        (cost[j], cut[j]) = (j.saturating_sub(max_batch)..j)
            .map(|i| (cost[i] + (j - i) * longest + pass_cost, i))
            .min()
            .unwrap_or((0, 0));
    }
    let mut groups = Vec::new();
    let mut j = n;
    while j > 0 {
        groups.push(order[cut[j]..j].to_vec());
        j = cut[j];
    }
    groups.reverse();
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_partition(lengths: &[usize], groups: &[Vec<usize>], max_batch: usize) {
        let mut seen: Vec<usize> = groups.iter().flatten().copied().collect();
        seen.sort();
        assert_eq!(seen, (0..lengths.len()).collect::<Vec<_>>());
        assert!(groups.iter().all(|g| !g.is_empty() && g.len() <= max_batch));
    }

    #[test]
    fn the_bench_sentences_lose_a_third_of_their_padding() {
        let lengths = [
            17, 8, 23, 28, 10, 35, 21, 26, 13, 44, 19, 25, 10, 40, 15, 26, 29, 12, 39, 18, 24, 35,
            20, 14, 41, 28, 13, 38, 21, 25, 26, 35,
        ];
        let groups = length_groups(&lengths, 32, CPU_PASS_COST);
        check_partition(&lengths, &groups, 32);
        let padded: usize = groups
            .iter()
            .map(|g| g.len() * g.iter().map(|&i| lengths[i]).max().unwrap_or(0))
            .sum();
        assert_eq!((groups.len(), padded), (4, 887), "{groups:?}");
        // On a GPU one pass is worth more than the padding: one group.
        assert_eq!(length_groups(&lengths, 32, GPU_PASS_COST).len(), 1);
    }

    #[test]
    fn equal_lengths_fill_batches_and_ties_keep_input_order() {
        let groups = length_groups(&[7; 70], 32, CPU_PASS_COST);
        check_partition(&[7; 70], &groups, 32);
        assert_eq!(groups.iter().map(Vec::len).collect::<Vec<_>>(), [6, 32, 32]);
        assert_eq!(groups[0], (0..6).collect::<Vec<_>>());
    }

    #[test]
    fn short_and_long_inputs_are_not_padded_together() {
        let lengths = [512, 9, 9, 512, 9];
        let groups = length_groups(&lengths, 32, CPU_PASS_COST);
        assert_eq!(groups, [vec![1, 2, 4], vec![0, 3]]);
        assert!(length_groups(&[], 32, CPU_PASS_COST).is_empty());
    }
}
