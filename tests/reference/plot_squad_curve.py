"""SQuAD v1.1 dev F1 (and EM) against the number of training questions, ours and PyTorch's, as SVG.

    python3 tests/reference/plot_squad_curve.py RUNS_DIR docs/figures/squad-f1-vs-questions.svg

RUNS_DIR holds, per subset size N, `ours-N/metrics.json` (what `train` wrote) and `torch-N.json`
(the line tests/reference/hf_run_qa.py printed). Sizes missing on one side are drawn on the
other only. Prints the table it plots.
"""
import json
import math
import re
import sys
from pathlib import Path


def points(runs):
    ours, torch = {}, {}
    for d in runs.glob("ours-*/metrics.json"):
        m = re.fullmatch(r"ours-(\d+)", d.parent.name)
        if m:
            best = json.loads(d.read_text())["best"]["metrics"]
            ours[int(m[1])] = (best["exact_match"], best["f1"])
    for f in runs.glob("torch-*.json"):
        m = re.fullmatch(r"torch-(\d+)\.json", f.name)
        text = f.read_text().strip()
        if m and text:
            r = json.loads(text.splitlines()[-1])
            torch[int(m[1])] = (r["exact_match"], r["f1"])
    return ours, torch


def svg(series, title):
    w, h, left, right, top, bottom = 640, 400, 60, 150, 40, 50
    xs = sorted({n for s in series.values() for n in s})
    lx = [math.log2(n) for n in xs]
    x0, x1 = (min(lx) - 0.3, max(lx) + 0.3) if len(lx) > 1 else (lx[0] - 1, lx[0] + 1)
    ymax = max(10, math.ceil(max(v for s in series.values() for v in s.values()) / 10) * 10)
    X = lambda n: left + (math.log2(n) - x0) / (x1 - x0) * (w - left - right)
    Y = lambda v: top + (1 - v / ymax) * (h - top - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14">{title}</text>']
    for v in range(0, ymax + 1, 10):
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" '
                   f'stroke="#ddd"/><text x="{left - 8}" y="{Y(v) + 4:.1f}" '
                   f'text-anchor="end">{v}</text>')
    for n in xs:
        out.append(f'<text x="{X(n):.1f}" y="{h - bottom + 18}" text-anchor="middle">{n:,}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">'
               'training questions (SQuAD v1.1 train, nested seeded subsets; log scale)</text>')
    out.append(f'<text x="16" y="{(top + h - bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {(top + h - bottom) / 2})">dev score (all 10,570)</text>')
    styles = {"ours F1": ("#d62728", ""), "PyTorch F1": ("#1f77b4", ""),
              "ours EM": ("#d62728", "5,4"), "PyTorch EM": ("#1f77b4", "5,4")}
    for i, (name, s) in enumerate(series.items()):
        color, dash = styles[name]
        pts = " ".join(f"{X(n):.1f},{Y(v):.1f}" for n, v in sorted(s.items()))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2" '
                   f'stroke-dasharray="{dash}"/>')
        for n, v in s.items():
            out.append(f'<circle cx="{X(n):.1f}" cy="{Y(v):.1f}" r="3" fill="{color}"/>')
        ly = top + 10 + 20 * i
        out.append(f'<line x1="{w - right + 15}" x2="{w - right + 40}" y1="{ly}" y2="{ly}" '
                   f'stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>'
                   f'<text x="{w - right + 46}" y="{ly + 4}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    runs, dest = Path(sys.argv[1]), Path(sys.argv[2])
    ours, torch = points(runs)
    print("| questions | ours EM / F1 | PyTorch EM / F1 |\n|---|---|---|")
    for n in sorted(set(ours) | set(torch)):
        fmt = lambda p: f"{p[0]:.1f} / {p[1]:.1f}" if p else "—"
        print(f"| {n:,} | {fmt(ours.get(n))} | {fmt(torch.get(n))} |")
    series = {"ours F1": {n: v[1] for n, v in ours.items()},
              "PyTorch F1": {n: v[1] for n, v in torch.items()},
              "ours EM": {n: v[0] for n, v in ours.items()},
              "PyTorch EM": {n: v[0] for n, v in torch.items()}}
    series = {k: v for k, v in series.items() if v}
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(svg(series, "MiniLM-L6 on SQuAD v1.1: 1 epoch, 256/64, lr 1e-4, batch 16"))


if __name__ == "__main__":
    main()
