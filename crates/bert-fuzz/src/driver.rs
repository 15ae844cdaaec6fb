//! Runs a target over a range of cases in this process: panics are caught and recorded with
//! the case that raised them, a watchdog stops the process when one case runs past the hang
//! limit, and the index of the case in progress is kept in a file so that a parent process can
//! name the case that aborted this one (an abort cannot be caught in-process).

use std::io::{Seek, SeekFrom, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::mutate::Mutator;
use crate::targets::{Ctx, Target};

/// Longest a case may take before it counts as a hang.
pub const HANG_LIMIT: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct Report {
    pub cases: u64,
    pub seconds: f64,
    /// (case, panic message) of each panic.
    pub panics: Vec<(u64, String)>,
    /// The slowest case and its seconds.
    pub slowest: (u64, f64),
}

/// The mutator of case `case` of `target` under `seed`: the whole input derives from it.
pub fn case_mutator(target: &Target, seed: u64, case: u64) -> Mutator {
    let name = target.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    Mutator::new(seed ^ name ^ case.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Runs cases `from..from + cases`. `progress` (when given) is rewritten with the index of the
/// case in progress before each case runs.
pub fn run(
    target: &Target,
    ctx: &Ctx,
    seed: u64,
    from: u64,
    cases: u64,
    progress: Option<&Path>,
) -> Report {
    let mut file = progress.and_then(|p| std::fs::File::create(p).ok());
    let current = Arc::new(AtomicU64::new(u64::MAX));
    let started_ms = Arc::new(AtomicU64::new(0));
    let epoch = Instant::now();
    spawn_watchdog(
        target.name,
        seed,
        current.clone(),
        started_ms.clone(),
        epoch,
    );
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut report = Report::default();
    for case in from..from + cases {
        if let Some(f) = file.as_mut() {
            let _ = f
                .seek(SeekFrom::Start(0))
                .and_then(|_| f.write_all(format!("{case:020}").as_bytes()));
        }
        let t = Instant::now();
        started_ms.store(epoch.elapsed().as_millis() as u64, Ordering::SeqCst);
        current.store(case, Ordering::SeqCst);
        let mut m = case_mutator(target, seed, case);
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| (target.run)(ctx, &mut m))) {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "(no message)".into());
            report.panics.push((case, message));
        }
        current.store(u64::MAX, Ordering::SeqCst);
        let secs = t.elapsed().as_secs_f64();
        if secs > report.slowest.1 {
            report.slowest = (case, secs);
        }
        report.cases += 1;
    }
    std::panic::set_hook(quiet);
    report.seconds = epoch.elapsed().as_secs_f64();
    report
}

/// Exits with status 3, naming the case, when one case outlives [`HANG_LIMIT`].
fn spawn_watchdog(
    name: &'static str,
    seed: u64,
    current: Arc<AtomicU64>,
    started: Arc<AtomicU64>,
    epoch: Instant,
) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(250));
            let case = current.load(Ordering::SeqCst);
            let since = epoch.elapsed().as_millis() as u64 - started.load(Ordering::SeqCst);
            if case != u64::MAX && since > HANG_LIMIT.as_millis() as u64 {
                eprintln!("hang: {name} case {case} (seed {seed}) ran over {HANG_LIMIT:?}");
                std::process::exit(3);
            }
        }
    });
}

/// Peak resident memory of this process (VmHWM), in MiB; Linux only.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A scratch folder: /dev/shm when there is one (file targets then touch no disk).
pub fn scratch(tag: &str) -> PathBuf {
    let base = Path::new("/dev/shm");
    let base = if base.is_dir() {
        base.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    base.join(format!("bert-fuzz-{tag}-{}", std::process::id()))
}
