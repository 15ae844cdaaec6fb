//! torch parity of the update, and the checks on a loaded state.

use super::*;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::Device;

#[derive(Module, Debug)]
struct Tiny {
    dense: Linear,
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().unwrap()
}

type Step = ([f32; 4], [f32; 2], f64, [f32; 4], [f32; 2]);

/// Golden values: `python3 tests/reference/adamw_reference.py` (torch 2.15
/// `clip_grad_norm_(…, 1.0)` then `AdamW(lr=1e-2, eps=1e-6)`, decay 0.1 on the weight only).
#[test]
fn three_steps_match_torch() {
    let device = Device::flex().autodiff();
    let mut dense = LinearConfig::new(2, 2).init(&device);
    let w = Tensor::<2>::from_data([[0.5f32, -1.0], [2.0, 0.0]], &device);
    let b = Tensor::<1>::from_data([0.1f32, -0.2], &device);
    dense.weight = Param::from_tensor(w);
    dense.bias = Some(Param::from_tensor(b));
    let mut model = Tiny { dense };
    let mut optim = HostAdamW::new(&model, 0.1, 1e-6);
    // Printed with 9 significant digits, more than an f32 holds.
    #[allow(clippy::excessive_precision)]
    let steps: [Step; 3] = [
        (
            [0.3, -0.4, 1.2, 0.0],
            [0.5, 0.1],
            1.39642406,
            [0.489500046, -0.989000022, 1.98800004, 0.0],
            [0.0900000334, -0.209999859],
        ),
        (
            [0.01, 0.02, -0.03, 0.04],
            [-0.05, 0.0],
            0.0741619915,
            [0.481971085, -0.981845379, 1.9795754, -0.00744110579],
            [0.0843935758, -0.216700315],
        ),
        (
            [-2.0, 1.0, 0.5, 0.25],
            [0.0, 3.0],
            3.78318644,
            [0.485358387, -0.981687427, 1.97170663, -0.015876729],
            [0.0800597742, -0.223527983],
        ),
    ];
    let plain = Device::flex();
    for (k, (gw, gb, norm, want_w, want_b)) in steps.into_iter().enumerate() {
        let mut grads = GradientsParams::new();
        let gw = Tensor::<1>::from_data(gw, &plain).reshape([2, 2]);
        grads.register(model.dense.weight.id, gw);
        let bias_id = model.dense.bias.as_ref().unwrap().id;
        grads.register(bias_id, Tensor::<1>::from_data(gb, &plain));
        let got;
        (model, got) = optim.step(1e-2, model, grads, 1.0).unwrap();
        assert!((got.unwrap() - norm).abs() < 1e-6, "step {k}: norm {got:?}");
        let w = values(model.dense.weight.val());
        let b = values(model.dense.bias.as_ref().unwrap().val());
        for (g, e) in w.iter().chain(&b).zip(want_w.iter().chain(&want_b)) {
            assert!((g - e).abs() < 1e-6, "step {k}: {w:?} {b:?}");
        }
        assert!(model.dense.weight.val().is_require_grad());
    }
    // The state round-trips through its file.
    let dir = std::env::temp_dir().join(format!("host-adamw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    optim.save(&dir.join("o.safetensors")).unwrap();
    let loaded = HostAdamW::new(&model, 0.1, 1e-6)
        .load(&dir.join("o.safetensors"))
        .unwrap();
    assert_eq!(loaded.step, 3);
    let id = model.dense.weight.id;
    assert_eq!(
        loaded.moments[&id].exp_avg_sq,
        optim.moments[&id].exp_avg_sq
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An optimizer file with `dense.weight.exp_avg` written as `bytes` of `dtype` and `shape`.
fn state_with(dir: &Path, dtype: Dtype, shape: Vec<usize>, bytes: &[u8]) -> std::path::PathBuf {
    let ok = le_bytes(&[0.0; 4]);
    let views = vec![
        (
            "dense.weight.exp_avg".to_string(),
            TensorView::new(dtype, shape, bytes).unwrap(),
        ),
        (
            "dense.weight.exp_avg_sq".to_string(),
            TensorView::new(Dtype::F32, vec![4], &ok).unwrap(),
        ),
    ];
    let meta = HashMap::from([("step".to_string(), "1".to_string())]);
    let path = dir.join(format!("{dtype:?}-{}.safetensors", bytes.len()));
    std::fs::write(&path, safetensors::serialize(views, Some(meta)).unwrap()).unwrap();
    path
}

/// The inputs of the bad-input issue: a short `exp_avg` (which panicked inside rayon at the
/// first step) and an F16 one (which was read as F32 bytes).
#[test]
fn a_state_of_the_wrong_length_or_dtype_is_refused() {
    let device = Device::flex().autodiff();
    let model = Tiny {
        dense: LinearConfig::new(2, 2).init(&device),
    };
    let dir = std::env::temp_dir().join(format!("host-adamw-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let short = state_with(&dir, Dtype::F32, vec![3], &le_bytes(&[0.0; 3]));
    let err = HostAdamW::new(&model, 0.1, 1e-6)
        .load(&short)
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "`dense.weight.exp_avg` has shape [3], but its parameter has 4 elements: \
             this state is from another model"
        ),
        "{err}"
    );
    let half = state_with(&dir, Dtype::F16, vec![4], &[0u8; 8]);
    let err = HostAdamW::new(&model, 0.1, 1e-6)
        .load(&half)
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("`dense.weight.exp_avg` is F16, not the F32 this optimizer writes"),
        "{err}"
    );
    let fine = state_with(&dir, Dtype::F32, vec![4], &le_bytes(&[0.0; 4]));
    assert!(HostAdamW::new(&model, 0.1, 1e-6).load(&fine).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}
