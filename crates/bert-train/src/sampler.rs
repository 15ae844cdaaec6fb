//! Batch order: shuffled, grouped by length (HF's `LengthGroupedSampler`), reproducible from
//! the seed and the epoch alone, so a resumed run replays the same order.

/// SplitMix64, shared with the pretraining data of bert-tasks: one state number, so an epoch's
/// order is a function of the seed and the epoch alone.
pub use bert_tasks::SplitMix64 as Rng;

/// Mixes a seed with a counter into a new seed (one stream per epoch, per step).
pub fn derive_seed(seed: u64, counter: u64) -> u64 {
    Rng::new(seed ^ counter.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next_u64()
}

/// Batches of indices for one epoch. As `LengthGroupedSampler`: a random permutation cut into
/// mega-batches of 50 batches, each sorted by length, longest first, and the longest
/// mega-batch first so that running out of memory happens at once, not hours in. Batches then
/// hold similar lengths and dynamic padding wastes little.
pub fn length_grouped_batches(
    lengths: &[usize],
    batch_size: usize,
    seed: u64,
    epoch: usize,
) -> Vec<Vec<usize>> {
    let mut rng = Rng::new(derive_seed(seed, epoch as u64));
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    rng.shuffle(&mut order);
    let mega = (batch_size * 50).max(1);
    let mut megabatches: Vec<Vec<usize>> = order
        .chunks(mega)
        .map(|c| {
            let mut c = c.to_vec();
            c.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
            c
        })
        .collect();
    if let Some(longest) = (0..megabatches.len()).max_by_key(|&m| lengths[megabatches[m][0]]) {
        megabatches.swap(0, longest);
    }
    megabatches
        .iter()
        .flat_map(|m| m.chunks(batch_size.max(1)).map(<[usize]>::to_vec))
        .collect()
}

/// Batches for evaluation: sorted by length so padding is small; callers put outputs back in
/// example order by index.
pub fn sorted_batches(lengths: &[usize], batch_size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
    order
        .chunks(batch_size.max(1))
        .map(<[usize]>::to_vec)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_every_index_once_and_repeat_for_a_seed() {
        let lengths: Vec<usize> = (0..1003).map(|i| (i * 7919) % 120 + 3).collect();
        let a = length_grouped_batches(&lengths, 8, 42, 0);
        let mut all: Vec<usize> = a.iter().flatten().copied().collect();
        all.sort();
        assert_eq!(all, (0..1003).collect::<Vec<_>>());
        assert_eq!(a, length_grouped_batches(&lengths, 8, 42, 0));
        assert_ne!(a, length_grouped_batches(&lengths, 8, 42, 1));
        assert_eq!(lengths[a[0][0]], 122, "the longest example comes first");
        // Within a mega-batch, lengths fall: padding waste is small.
        let spread: usize = a
            .iter()
            .map(|b| lengths[b[0]] - lengths[*b.last().unwrap()])
            .sum();
        assert!(spread < 1003 * 2, "spread {spread}");
    }

    #[test]
    fn the_python_port_gives_the_same_batches() {
        // tests/reference/hf_run_qa.py `ours_batches` (its --order ours, which gives PyTorch
        // our batches) on the lengths above: batches 0, 1 and the last of epoch 0, and batch 0
        // of epoch 1.
        let lengths: Vec<usize> = (0..1003).map(|i| (i * 7919) % 120 + 3).collect();
        let a = length_grouped_batches(&lengths, 8, 42, 0);
        assert_eq!(a.len(), 126);
        assert_eq!(a[0], [121, 722, 363, 723, 844, 724, 484, 4]);
        assert_eq!(a[1], [604, 364, 245, 726, 126, 7, 367, 607]);
        assert_eq!(a[125], [598, 238, 959, 599, 360, 960, 600, 240]);
        let b = length_grouped_batches(&lengths, 8, 42, 1);
        assert_eq!(b[0], [1, 482, 722, 122, 842, 243, 724, 964]);
    }
}
