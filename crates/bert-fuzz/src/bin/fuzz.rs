//! `fuzz`: the long run. One worker process per target (two at a time by default, the next
//! starting when one ends), each under a memory limit, each reporting cases, time, panics and
//! peak RSS; a worker that aborts or hangs is named with the case it was on, which `--case`
//! replays.
//!
//! ```text
//! cargo build --workspace --bins
//! target/debug/fuzz --all --cases 1000000 --seed 1
//! target/debug/fuzz --target safetensors --seed 1 --case 4242
//! ```
//!
//! The dev profile on purpose: dependencies at opt-level 3, our crates with overflow checks.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use bert_fuzz::{Ctx, TARGETS, Target, driver};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "fuzz")]
struct Args {
    /// Run every target, one worker process each.
    #[arg(long, conflicts_with = "target")]
    all: bool,
    /// Run one target in this process.
    #[arg(long)]
    target: Option<String>,
    #[arg(long, default_value_t = 100_000)]
    cases: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// First case index (a worker runs `from..from + cases`).
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// Replay one case with the panic message shown.
    #[arg(long, requires = "target")]
    case: Option<u64>,
    /// Worker processes at once with --all.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Address-space limit of each worker, in MiB (`ulimit -v`): the memory bound.
    #[arg(long, default_value_t = 4096)]
    memory_mib: u64,
    /// File the worker keeps the case in progress in (set by --all).
    #[arg(long, hide = true)]
    progress: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.all {
        return parent(&args);
    }
    let Some(name) = &args.target else {
        bail!("give --all or --target NAME (one of: {})", names());
    };
    let target = find(name)?;
    let scratch = driver::scratch(target.name);
    let ctx = Ctx::new(scratch.clone()).context("building the seeds")?;
    if let Some(case) = args.case {
        let mut m = driver::case_mutator(target, args.seed, case);
        (target.run)(&ctx, &mut m);
        eprintln!("{} case {case}: no panic", target.name);
        let _ = std::fs::remove_dir_all(&scratch);
        return Ok(());
    }
    let report = worker(target, &ctx, &args);
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "{}",
        serde_json::json!({
            "target": target.name, "cases": report.cases, "seconds": report.seconds,
            "panics": report.panics, "slowest_case": report.slowest.0,
            "slowest_seconds": report.slowest.1, "peak_rss_mib": driver::peak_rss_mib(),
        })
    );
    Ok(())
}

/// Runs the cases in twenty slices, printing progress with the rate and the time left.
fn worker(target: &Target, ctx: &Ctx, args: &Args) -> driver::Report {
    let mut total = driver::Report::default();
    let slice = args.cases.div_ceil(20).max(1);
    let mut from = args.from;
    while total.cases < args.cases {
        let n = slice.min(args.cases - total.cases);
        let r = driver::run(target, ctx, args.seed, from, n, args.progress.as_deref());
        if r.slowest.1 > total.slowest.1 {
            total.slowest = r.slowest;
        }
        total.cases += r.cases;
        total.seconds += r.seconds;
        total.panics.extend(r.panics);
        from += n;
        let rate = total.cases as f64 / total.seconds.max(1e-9);
        eprintln!(
            "{:<15} {:>9}/{} cases  {:>8.0}/s  ETA {:>5.0} s  panics {}",
            target.name,
            total.cases,
            args.cases,
            rate,
            (args.cases - total.cases) as f64 / rate,
            total.panics.len()
        );
    }
    total
}

/// Runs every target in its own process, `--jobs` at a time (the next starts as soon as one
/// ends), and prints the table of results in the targets' order.
fn parent(args: &Args) -> Result<()> {
    let exe = std::env::current_exe()?;
    let next = AtomicUsize::new(0);
    // Each thread takes the next target until none is left; rows come back with their index.
    let mut rows: Vec<(usize, serde_json::Value)> = std::thread::scope(|s| {
        let pool: Vec<_> = (0..args.jobs.max(1))
            .map(|_| {
                s.spawn(|| -> Result<Vec<(usize, serde_json::Value)>> {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(target) = TARGETS.get(i) else {
                            return Ok(mine);
                        };
                        mine.push((i, run_worker(&exe, target, args)?));
                    }
                })
            })
            .collect();
        pool.into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?
            })
            .collect::<Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    rows.sort_by_key(|(i, _)| *i);
    let rows: Vec<_> = rows.into_iter().map(|(_, row)| row).collect();
    print_table(&rows, args);
    Ok(())
}

/// One target's worker process: its JSON report, or the case it aborted or hung on.
fn run_worker(exe: &Path, target: &Target, args: &Args) -> Result<serde_json::Value> {
    let progress = driver::scratch(&format!("{}-progress", target.name));
    // `ulimit -v` bounds the worker's memory: an allocation past it fails (and aborts).
    let child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            args.memory_mib * 1024
        ))
        .arg(exe)
        .args(["--target", target.name, "--cases", &args.cases.to_string()])
        .args(["--seed", &args.seed.to_string()])
        .args(["--from", &args.from.to_string()])
        .arg("--progress")
        .arg(&progress)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting the {} worker", target.name))?;
    let out = child.wait_with_output()?;
    let row = match serde_json::from_slice::<serde_json::Value>(&out.stdout) {
        Ok(v) if out.status.success() => v,
        _ => {
            let case = std::fs::read_to_string(&progress).unwrap_or_default();
            serde_json::json!({"target": target.name, "failed": out.status.to_string(),
                "case": case.trim_start_matches('0')})
        }
    };
    let _ = std::fs::remove_file(&progress);
    Ok(row)
}

fn print_table(rows: &[serde_json::Value], args: &Args) {
    println!(
        "\nseed {}, cases {}..{}, memory bound {} MiB (ulimit -v), hang limit {:?}\n",
        args.seed,
        args.from,
        args.from + args.cases,
        args.memory_mib,
        driver::HANG_LIMIT
    );
    println!("| target | cases | seconds | cases/s | panics | slowest case (s) | peak RSS (MiB) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        if let Some(failed) = r.get("failed") {
            println!(
                "| {} | FAILED: {failed} at case {} | | | | | |",
                r["target"].as_str().unwrap_or("?"),
                r["case"]
            );
            continue;
        }
        let (cases, secs) = (
            r["cases"].as_f64().unwrap_or(0.0),
            r["seconds"].as_f64().unwrap_or(0.0),
        );
        println!(
            "| {} | {} | {:.0} | {:.0} | {} | {:.3} | {:.0} |",
            r["target"].as_str().unwrap_or("?"),
            cases,
            secs,
            cases / secs.max(1e-9),
            r["panics"].as_array().map_or(0, Vec::len),
            r["slowest_seconds"].as_f64().unwrap_or(0.0),
            r["peak_rss_mib"].as_f64().unwrap_or(0.0)
        );
        for p in r["panics"].as_array().into_iter().flatten().take(5) {
            println!(
                "|   panic at case {} | {} | | | | | |",
                p[0],
                p[1].as_str().unwrap_or("").replace('|', "/")
            );
        }
    }
}

fn find(name: &str) -> Result<&'static Target> {
    TARGETS
        .iter()
        .find(|t| t.name == name)
        .with_context(|| format!("no target {name:?}; the targets: {}", names()))
}

fn names() -> String {
    TARGETS
        .iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}
