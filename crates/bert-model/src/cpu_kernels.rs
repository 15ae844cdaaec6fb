//! CPU inference kernels for the two places where burn-flex calls libm once per element: the
//! attention softmax (`expf`) and BERT's erf GELU (`erff`). In the browser those scalar calls
//! were a fifth of a 384-token forward (about 9 ns per `expf` in wasm; BENCHMARKS.md,
//! "Browser"). These are branch-free, so the compiler vectorises them (wasm SIMD128 in the
//! browser, SSE/AVX natively). They read their input back to the host, so they have no
//! backward: a model runs them only when it carries [`Kernels::CpuInference`], and never on an
//! autodiff tensor (see [`crate::kernels`]).
//!
//! [`Kernels::CpuInference`]: crate::Kernels::CpuInference

use burn::tensor::{Tensor, TensorData};

/// `softmax(q kᵀ · scale + mask_bias) v`: the scores by burn's matmul, their softmax here.
///
/// # Shapes
/// - `q`, `k`, `v`, output: `[batch, heads, seq, dim]`
/// - `mask_bias`: `[batch, 1, 1, seq]`, 0 for tokens and a large negative for padding
pub fn attention(
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
    mask_bias: Tensor<4>,
    scale: f32,
) -> Tensor<4> {
    let device = q.device();
    let [batch, heads, seq, _] = q.dims();
    let scores = q.matmul(k.swap_dims(2, 3)); // [batch, heads, seq, seq]
    let mut data = scores.into_data();
    let bias = f32s(mask_bias.into_data()); // [batch * seq]
    let rows = slice_mut(&mut data);
    for_each_row(rows, seq, |i, row| {
        let b = i / (heads * seq);
        softmax_row(row, &bias[b * seq..(b + 1) * seq], scale);
    });
    let probs = Tensor::<4>::from_data(data, &device);
    debug_assert_eq!(probs.dims(), [batch, heads, seq, seq]);
    probs.matmul(v)
}

/// `gelu(x wᵀ + b)` with BERT's exact (erf) GELU, the bias added in the same pass.
///
/// # Shapes
/// - `x`: `[batch, seq, in]`; `weight`: `[in, out]` (burn's `Linear`); output `[batch, seq, out]`
pub fn linear_gelu(x: Tensor<3>, weight: Tensor<2>, bias: Option<Tensor<1>>) -> Tensor<3> {
    let device = x.device();
    let out = weight.dims()[1];
    let y = burn::tensor::module::linear(x, weight, None);
    let mut data = y.into_data();
    let bias = bias.map(|b| f32s(b.into_data()));
    for_each_row(slice_mut(&mut data), out, |_, row| match &bias {
        Some(b) => row.iter_mut().zip(b).for_each(|(x, b)| *x = gelu(*x + b)),
        None => row.iter_mut().for_each(|x| *x = gelu(*x)),
    });
    Tensor::from_data(data, &device)
}

fn slice_mut(data: &mut TensorData) -> &mut [f32] {
    // `Kernels::on_host` has checked the dtype, and matmul keeps it.
    data.as_mut_slice::<f32>()
        .expect("the CPU kernels run on f32 tensors")
}

fn f32s(data: TensorData) -> Vec<f32> {
    data.convert::<f32>()
        .try_into_vec::<f32>()
        .expect("converted to f32")
}

/// Runs `f(row index, row)` over the rows of `data`, on all cores natively.
fn for_each_row(data: &mut [f32], len: usize, f: impl Fn(usize, &mut [f32]) + Send + Sync) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        data.par_chunks_mut(len)
            .with_min_len(16)
            .enumerate()
            .for_each(|(i, row)| f(i, row));
    }
    #[cfg(target_arch = "wasm32")]
    data.chunks_mut(len)
        .enumerate()
        .for_each(|(i, row)| f(i, row));
}

/// One row of attention probabilities, in place: `softmax(row · scale + bias)`.
fn softmax_row(row: &mut [f32], bias: &[f32], scale: f32) {
    row.iter_mut()
        .zip(bias)
        .for_each(|(x, b)| *x = *x * scale + b);
    let max = max(row);
    row.iter_mut().for_each(|x| *x = exp(*x - max));
    let inv = 1.0 / sum(row);
    row.iter_mut().for_each(|x| *x *= inv);
}

/// Eight running lanes, so that the reduction vectorises without reassociating a scalar loop.
fn max(xs: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; 8];
    let chunks = xs.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for (m, &x) in lanes.iter_mut().zip(c) {
            *m = if x > *m { x } else { *m };
        }
    }
    lanes
        .into_iter()
        .chain(tail.iter().copied())
        .fold(f32::NEG_INFINITY, f32::max)
}

fn sum(xs: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = xs.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for (s, &x) in lanes.iter_mut().zip(c) {
            *s += x;
        }
    }
    lanes.into_iter().chain(tail.iter().copied()).sum()
}

/// `eˣ` within 2 ulp on the normal range, 0 below it (Cephes' `expf`: `x = n ln 2 + r` with
/// ln 2 split in two so that `r` is exact, a degree-7 polynomial for `eʳ`, `2ⁿ` from the
/// exponent bits). Inputs above 88 saturate at `e⁸⁸`; softmax feeds it values ≤ 0.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LO: f32 = -87.336_55; // ln(2⁻¹²⁶): smaller results are subnormal; return 0
    let xc = x.clamp(LO, 88.0);
    let n = (xc * std::f32::consts::LOG2_E + 0.5).floor();
    let r = xc - n * 0.693_359_4 - n * -2.121_944_4e-4; // ln 2 = 0.693359375 (exact) - 2.12e-4
    let mut p = 1.987_569_1e-4;
    for c in [
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        0.166_666_66,
        0.5,
    ] {
        p = p * r + c;
    }
    let e = (p * r * r + r + 1.0) * f32::from_bits(((n as i32 + 127) as u32) << 23);
    if x < LO { 0.0 } else { e }
}

/// `erf(x)` within 5e-7: an odd rational approximation on [-4, 4] (the one of Eigen and XLA);
/// beyond it `erf` is ±1 in f32.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_4e-10;
    for c in [
        2.770_681_5e-8,
        -2.101_024e-6,
        -5.692_506_2e-5,
        -7.349_906_4e-4,
        -2.954_6e-3,
        -1.609_603_3e-2,
    ] {
        p = p * x2 + c;
    }
    let mut q = -1.456_607_15e-5;
    for c in [
        -2.133_740_5e-4,
        -1.682_827e-3,
        -7.373_329_3e-3,
        -1.426_473_9e-2,
    ] {
        q = q * x2 + c;
    }
    x * p / q
}

/// BERT's GELU, `x Φ(x) = ½ x (1 + erf(x / √2))`.
#[inline(always)]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;
    use burn::tensor::activation;
    use burn::tensor::module::attention as fused;
    use burn::tensor::ops::AttentionModuleOptions;

    fn grid(lo: f32, hi: f32, n: usize) -> impl Iterator<Item = f32> {
        (0..=n).map(move |i| lo + (hi - lo) * i as f32 / n as f32)
    }

    #[test]
    fn exp_is_within_2_ulp_of_libm_and_0_below_the_normal_range() {
        for x in grid(-87.0, 88.0, 1_000_000) {
            let (got, want) = (exp(x), (x as f64).exp());
            let err = ((got as f64 - want) / want).abs();
            assert!(
                err < 2.5e-7,
                "exp({x}) = {got}, libm {want}, relative error {err}"
            );
        }
        assert_eq!(exp(-88.0), 0.0);
        assert_eq!(exp(f32::MIN), 0.0);
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn erf_and_gelu_match_libm() {
        for x in grid(-8.0, 8.0, 200_000) {
            let want = libm_erf(x as f64);
            assert!(
                (erf(x) as f64 - want).abs() < 5e-7,
                "erf({x}) = {}, libm {want}",
                erf(x)
            );
            let g = 0.5 * x as f64 * (1.0 + libm_erf(x as f64 / std::f64::consts::SQRT_2));
            assert!(
                (gelu(x) as f64 - g).abs() < 2e-6 * (1.0 + x.abs() as f64),
                "gelu({x})"
            );
        }
    }

    /// erf in f64 by its Maclaurin series (terms below 1e5 for |x| ≤ 4.5, so ~1e-11 exact);
    /// beyond, 1 - erf(x) < 1e-9.
    fn libm_erf(x: f64) -> f64 {
        if x.abs() > 4.5 {
            return x.signum();
        }
        let (mut term, mut sum) = (x, x);
        for n in 1..200 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    fn random(shape: [usize; 4], seed: u64) -> Tensor<4> {
        // A small LCG: reproducible without burn's global generator.
        let n: usize = shape.iter().product();
        let mut s = seed;
        let v: Vec<f32> = (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 6.0
            })
            .collect();
        Tensor::from_data(TensorData::new(v, shape), &Device::flex())
    }

    fn max_diff<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> f32 {
        (a - b).abs().max().into_scalar()
    }

    #[test]
    fn attention_matches_burns_fused_op_with_padding() {
        let (batch, heads, seq, dim) = (2, 3, 37, 16);
        let q = random([batch, heads, seq, dim], 1);
        let k = random([batch, heads, seq, dim], 2);
        let v = random([batch, heads, seq, dim], 3);
        // The second sequence has 11 padding positions (HF's finfo(float32).min bias).
        let bias: Vec<f32> = (0..batch * seq)
            .map(|i| {
                if i >= seq && i % seq >= seq - 11 {
                    f32::MIN
                } else {
                    0.0
                }
            })
            .collect();
        let bias =
            Tensor::<4>::from_data(TensorData::new(bias, [batch, 1, 1, seq]), &Device::flex());
        assert!(crate::Kernels::CpuInference.on_host(&q));
        let scale = 1.0 / (dim as f32).sqrt();
        let ours = attention(q.clone(), k.clone(), v.clone(), bias.clone(), scale);
        let full = bias.expand([batch, heads, seq, seq]);
        let want = fused(q, k, v, None, Some(full), AttentionModuleOptions::default());
        let d = max_diff(ours, want);
        assert!(d < 1e-5, "max |ours - burn| = {d}");
    }

    #[test]
    fn linear_gelu_matches_burns_linear_then_gelu() {
        let x = random([1, 2, 9, 24], 4).reshape([2, 9, 24]);
        let w = random([1, 1, 24, 40], 5).reshape([24, 40]);
        let b = random([1, 1, 1, 40], 6).reshape([40]);
        let want = activation::gelu(burn::tensor::module::linear(
            x.clone(),
            w.clone(),
            Some(b.clone()),
        ));
        let d = max_diff(linear_gelu(x, w, Some(b)), want);
        assert!(d < 2e-5, "max |ours - burn| = {d}");
    }
}
