"""Golden values for crates/bert-train/src/host_adamw.rs: torch's clip_grad_norm_ + AdamW.

Two parameters (one decayed, one not, as HF's Trainer groups them), three steps with fixed
gradients, clipping at max_norm 1.0. Prints the parameters after each step and the norms.

    python3 tests/reference/adamw_reference.py
"""
import torch

w = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0, 0.0]))
b = torch.nn.Parameter(torch.tensor([0.1, -0.2]))
opt = torch.optim.AdamW(
    [{"params": [w], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}],
    lr=1e-2, betas=(0.9, 0.999), eps=1e-6,
)
grads = [
    ([0.3, -0.4, 1.2, 0.0], [0.5, 0.1]),  # norm 1.4 > 1: clipped
    ([0.01, 0.02, -0.03, 0.04], [-0.05, 0.0]),  # small: not clipped
    ([-2.0, 1.0, 0.5, 0.25], [0.0, 3.0]),
]
for gw, gb in grads:
    w.grad = torch.tensor(gw)
    b.grad = torch.tensor(gb)
    norm = torch.nn.utils.clip_grad_norm_([w, b], 1.0)
    opt.step()
    print(f"norm {norm.item():.9g}")
    print("w", [f"{x:.9g}" for x in w.tolist()])
    print("b", [f"{x:.9g}" for x in b.tolist()])
