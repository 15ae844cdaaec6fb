//! CI's short run: every target for a fixed, seeded number of cases in this process, with no
//! panic allowed (an abort or a hang fails the test binary itself). The long run is
//! `fuzz --all` (README, "Fuzzing"); its figures are in BENCHMARKS.md.

use bert_fuzz::{Ctx, TARGETS, driver};

/// Cases per target: a few seconds each on 2 cores in a debug build.
const CASES: u64 = 300;

#[test]
fn every_target_survives_its_seeded_cases() {
    let scratch = driver::scratch("smoke");
    let ctx = Ctx::new(scratch.clone()).unwrap();
    let mut failures = Vec::new();
    for target in TARGETS {
        let report = driver::run(target, &ctx, 20261203, 0, CASES, None);
        eprintln!(
            "{:<15} {} cases in {:.1} s",
            target.name, report.cases, report.seconds
        );
        for (case, message) in report.panics {
            failures.push(format!(
                "{} case {case}: {message} (replay: fuzz --target {} --seed 20261203 --case {case})",
                target.name, target.name
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
