"""How much a fine-tuning run moved each weight: max |after - before| per tensor, grouped by kind,
and the sha256 of every `intermediate.dense.weight` before and after (equal hashes: the layer
never trained). Keys are compared without the `bert.` prefix of task heads.

    python3 tests/reference/weight_change.py ../shared/models/all-MiniLM-L6-v2 /tmp/run/model-dir
"""
import hashlib
import re
import sys
from collections import defaultdict

from safetensors.numpy import load_file


def load(folder):
    return {k.removeprefix("bert."): v for k, v in load_file(f"{folder}/model.safetensors").items()}


def main():
    before, after = load(sys.argv[1]), load(sys.argv[2])
    groups = defaultdict(float)
    unchanged = []
    for name, b in sorted(before.items()):
        if name not in after or after[name].shape != b.shape:
            continue
        a = after[name]
        change = float(abs(a.astype("float64") - b.astype("float64")).max())
        kind = re.sub(r"layer\.\d+\.", "layer.*.", name)
        groups[kind] = max(groups[kind], change)
        if name.endswith("intermediate.dense.weight"):
            hb = hashlib.sha256(b.tobytes()).hexdigest()[:16]
            ha = hashlib.sha256(a.tobytes()).hexdigest()[:16]
            print(f"{name}: sha256 {hb} -> {ha}, max |change| {change:.3e}")
            if ha == hb:
                unchanged.append(name)
    print("max |change| by kind:")
    for kind, change in sorted(groups.items()):
        print(f"  {kind}: {change:.3e}")
    print(f"intermediate.dense.weight tensors bit-identical to the start: {len(unchanged)}")


if __name__ == "__main__":
    main()
