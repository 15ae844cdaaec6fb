//! `cargo run --release --bin train -- --help`

use clap::Parser;

fn main() -> std::process::ExitCode {
    bert_train::allocator::keep_freed_memory();
    let args = bert_train::TrainArgs::parse();
    let result = bert_train::select(&args).and_then(|selected| {
        if !selected.is_gpu && std::env::var_os("BURN_DEVICE").is_none() {
            // burn restores optimizer state on `Device::default()`, which would start a GPU
            // runtime (or fail without one) for a CPU run; pin it to the CPU backend.
            // SAFETY: no other thread of ours reads the environment at this point.
            unsafe { std::env::set_var("BURN_DEVICE", "flex") };
        }
        bert_train::run_on(&args, selected)
    });
    match result {
        Ok(summary) => {
            println!("{}", summary.metrics);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
