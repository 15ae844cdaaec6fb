//! Dropout whose masks a trainer can draw on the host, as a pure function of a seed, the
//! example's index in its batch, the dropout site and the element's position.
//!
//! Why not burn's `Dropout`: it draws from the backend's one global generator, so two threads
//! training shards of a batch at once would interleave their draws and the run would depend on
//! thread timing. Keyed masks make a CPU run deterministic however the batch is split across
//! threads, and the same whatever the batch is padded to. Without [`with_host_masks`] (a GPU
//! trainer) the mask comes from the device's generator, as in burn.

use std::cell::Cell;

use burn::module::Module;
use burn::tensor::{Distribution, Tensor, TensorData};

#[derive(Module, Debug)]
pub struct Dropout {
    pub prob: f64,
}

impl Dropout {
    pub fn new(prob: f64) -> Self {
        Self { prob }
    }

    /// Whether a forward on `x` drops anything: only on an autodiff (training) device.
    pub fn is_active<const D: usize>(&self, x: &Tensor<D>) -> bool {
        self.prob > 0.0 && x.device().is_autodiff()
    }

    /// # Shapes
    /// - `input`, output: `[batch, ...]`
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        if !self.is_active(&input) {
            return input;
        }
        let keep = 1.0 - self.prob;
        match STREAM.get() {
            Some(stream) => {
                let site = SITE.get();
                SITE.set(site + 1);
                let (shape, device) = (input.shape(), input.device());
                let mask = host_mask(&shape.dims::<D>(), keep, stream, site);
                input * Tensor::<D>::from_data(TensorData::new(mask, shape), &device)
            }
            None => {
                let random = input.random_like(Distribution::Bernoulli(keep));
                input * random * (1.0 / keep)
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Stream {
    seed: u64,
    first_example: u64,
}

thread_local! {
    static STREAM: Cell<Option<Stream>> = const { Cell::new(None) };
    static SITE: Cell<u64> = const { Cell::new(0) };
}

/// Runs `f` (one forward pass) with every dropout mask drawn on the host: row `i` of each
/// dropout input is example `first_example + i` of the batch that `seed` belongs to. Shards of
/// one batch, run on any threads with their own offsets, get the masks the whole batch would.
pub fn with_host_masks<R>(seed: u64, first_example: usize, f: impl FnOnce() -> R) -> R {
    let saved = (STREAM.get(), SITE.get());
    STREAM.set(Some(Stream {
        seed,
        first_example: first_example as u64,
    }));
    SITE.set(0);
    let out = f();
    STREAM.set(saved.0);
    SITE.set(saved.1);
    out
}

/// Positions are numbered with this stride per dimension rather than the padded length, so a
/// token keeps its mask whatever the batch is padded to.
const STRIDE: u64 = 4096;

/// The mask (0 or `1 / keep`) of a `[batch, ...]` dropout input.
fn host_mask(dims: &[usize], keep: f64, stream: Stream, site: u64) -> Vec<f32> {
    let rows = dims.first().copied().unwrap_or(1);
    let inner = &dims[dims.len().min(1)..];
    let per_row: usize = inner.iter().product();
    let last = inner.last().copied().unwrap_or(1);
    let stride = if inner.iter().all(|&d| d as u64 <= STRIDE) {
        STRIDE
    } else {
        inner.iter().copied().max().unwrap_or(1) as u64
    };
    let threshold = (keep * (1u64 << 32) as f64) as u64;
    let scale = (1.0 / keep) as f32;
    let mut mask = vec![0f32; rows * per_row];
    for (row, out) in mask.chunks_mut(per_row.max(1)).enumerate() {
        let key = mix(mix(stream.seed ^ site.wrapping_mul(0xd1b5_4a32_d192_ed03))
            ^ (stream.first_example + row as u64).wrapping_mul(0x8cb9_2ba7_2f3d_8dd7));
        for (line, out) in out.chunks_mut(last.max(1)).enumerate() {
            // The canonical number of this line's first element.
            let mut base = 0u64;
            let mut rest = line;
            for (k, &d) in inner[..inner.len().saturating_sub(1)]
                .iter()
                .enumerate()
                .rev()
            {
                base += (rest % d) as u64 * stride.pow((inner.len() - 1 - k) as u32);
                rest /= d;
            }
            for (j, v) in out.iter_mut().enumerate() {
                let r = mix(key.wrapping_add((base + j as u64).wrapping_mul(GAMMA))) >> 32;
                *v = if r < threshold { scale } else { 0.0 };
            }
        }
    }
    mask
}

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's finaliser: a counter in, 64 well-mixed bits out.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(first_example: u64) -> Stream {
        Stream {
            seed: 7,
            first_example,
        }
    }

    #[test]
    fn keeps_the_expected_share_scaled() {
        let mask = host_mask(&[8, 64, 384], 0.9, stream(0), 0);
        let kept = mask.iter().filter(|&&v| v != 0.0).count() as f64 / mask.len() as f64;
        assert!((kept - 0.9).abs() < 0.003, "kept {kept}");
        assert!(
            mask.iter()
                .all(|&v| v == 0.0 || (v - 1.0 / 0.9).abs() < 1e-6)
        );
    }

    #[test]
    fn shards_and_padding_do_not_change_a_rows_mask() {
        // The whole batch padded to 10 tokens, against its second half padded to 7.
        let whole = host_mask(&[4, 10, 16], 0.5, stream(0), 3);
        let half = host_mask(&[2, 7, 16], 0.5, stream(2), 3);
        for row in 0..2 {
            for tok in 0..7 {
                let a = &whole[((row + 2) * 10 + tok) * 16..][..16];
                let b = &half[(row * 7 + tok) * 16..][..16];
                assert_eq!(a, b, "row {row} token {tok}");
            }
        }
        // Attention probabilities `[batch, heads, q, k]` likewise.
        let whole = host_mask(&[2, 3, 9, 9], 0.5, stream(0), 1);
        let half = host_mask(&[1, 3, 5, 5], 0.5, stream(1), 1);
        for (h, q, k) in
            (0..3).flat_map(|h| (0..5).flat_map(move |q| (0..5).map(move |k| (h, q, k))))
        {
            assert_eq!(whole[((3 + h) * 9 + q) * 9 + k], half[(h * 5 + q) * 5 + k]);
        }
    }

    #[test]
    fn sites_and_seeds_differ() {
        let a = host_mask(&[2, 32, 32], 0.5, stream(0), 0);
        let b = host_mask(&[2, 32, 32], 0.5, stream(0), 1);
        let c = host_mask(
            &[2, 32, 32],
            0.5,
            Stream {
                seed: 8,
                first_example: 0,
            },
            0,
        );
        assert_ne!(a, b);
        assert_ne!(a, c);
    }
}
