//! `curves.svg`: the training loss by step above, the evaluation metric by step below. Plain
//! SVG, so it opens in any browser and shows on GitHub.

use std::fmt::Write;

const W: f64 = 760.0;
const PANEL_H: f64 = 200.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;

/// `loss`: (step, loss) points; `metric`: (step, value) points named `metric_name`.
pub fn svg(title: &str, loss: &[(f64, f64)], metric_name: &str, metric: &[(f64, f64)]) -> String {
    let max_step = loss
        .iter()
        .chain(metric)
        .map(|p| p.0)
        .fold(1.0f64, f64::max);
    let mut s = String::new();
    let height = 2.0 * PANEL_H + 130.0;
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>
"##,
        W / 2.0,
        escape(title)
    );
    panel(&mut s, 40.0, "training loss", loss, max_step, "#1f77b4");
    panel(
        &mut s,
        80.0 + PANEL_H,
        &format!("eval {metric_name}"),
        metric,
        max_step,
        "#d62728",
    );
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">optimizer step</text>
</svg>
"#,
        LEFT + (W - LEFT - RIGHT) / 2.0,
        height - 8.0
    );
    s
}

fn panel(s: &mut String, top: f64, label: &str, pts: &[(f64, f64)], max_x: f64, color: &str) {
    let inner_w = W - LEFT - RIGHT;
    let finite: Vec<(f64, f64)> = pts.iter().copied().filter(|p| p.1.is_finite()).collect();
    let (mut lo, mut hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| {
            (l.min(p.1), h.max(p.1))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let x = |v: f64| LEFT + inner_w * v / max_x;
    let y = |v: f64| top + PANEL_H * (1.0 - (v - lo) / (hi - lo));
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{top}" width="{inner_w}" height="{PANEL_H}" fill="none" stroke="#999"/>
<text x="{}" y="{}" fill="{color}">{}</text>"##,
        LEFT + 6.0,
        top + 16.0,
        escape(label)
    );
    for frac in [0.0, 0.5, 1.0] {
        let v = lo + (hi - lo) * frac;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            y(v) + 4.0,
            short(v)
        );
    }
    for frac in [0.0, 0.5, 1.0] {
        let v = max_x * frac;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            x(v),
            top + PANEL_H + 16.0,
            v.round()
        );
    }
    if finite.is_empty() {
        return;
    }
    let path: Vec<String> = finite
        .iter()
        .map(|&(a, b)| format!("{:.1},{:.1}", x(a), y(b)))
        .collect();
    let _ = writeln!(
        s,
        r#"<polyline fill="none" stroke="{color}" stroke-width="1.8" points="{}"/>"#,
        path.join(" ")
    );
    if finite.len() <= 50 {
        for &(a, b) in &finite {
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{color}"><title>step {a}: {b:.4}</title></circle>"#,
                x(a),
                y(b)
            );
        }
    }
}

fn short(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_both_panels() {
        let s = super::svg(
            "sst2 <mini>",
            &[(1.0, 0.7), (2.0, 0.5)],
            "accuracy",
            &[(2.0, 0.8)],
        );
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
        assert_eq!(s.matches("<polyline").count(), 2);
        assert!(s.contains("sst2 &lt;mini&gt;"));
    }
}
