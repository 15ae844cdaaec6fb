"""Our logged training losses against PyTorch's on the same run (hf_run_qa.py's controlled
run): our train_log.jsonl logs the mean loss of the steps since the last line; the same means
are taken from hf_run_qa.py's train_losses.json (every step's loss).

    python3 tests/reference/loss_curves_compare.py OURS_DIR/train_log.jsonl TORCH_DIR/train_losses.json
"""
import json
import sys


def main(ours_log, torch_losses):
    ours = [json.loads(line) for line in open(ours_log, encoding="utf-8") if line.strip()]
    ours = [e for e in ours if "loss" in e and "step" in e]
    torch = json.load(open(torch_losses, encoding="utf-8"))
    print("| step | ours | PyTorch | difference |")
    print("|---:|---:|---:|---:|")
    prev, worst = 0, 0.0
    for e in ours:
        step = e["step"]
        window = torch[prev:step]
        if len(window) != step - prev:
            break
        mean = sum(window) / len(window)
        worst = max(worst, abs(e["loss"] - mean))
        print(f"| {step} | {e['loss']:.6f} | {mean:.6f} | {e['loss'] - mean:+.2e} |")
        prev = step
    print(f"\nlargest difference: {worst:.2e} over {prev} steps")


if __name__ == "__main__":
    main(*sys.argv[1:3])
