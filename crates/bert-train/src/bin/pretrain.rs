//! `cargo run --release --bin pretrain -- --help`

use bert_model::device::{DeviceChoice, select_device};
use clap::Parser;

fn main() -> std::process::ExitCode {
    bert_train::allocator::keep_freed_memory();
    let args = bert_train::PretrainArgs::parse();
    let result = (|| -> bert_train::Result<serde_json::Value> {
        let choice: DeviceChoice = args.device.parse().map_err(bert_train::TrainError::Usage)?;
        let selected = select_device(choice)?;
        eprintln!("device: {selected}");
        if !selected.is_gpu && std::env::var_os("BURN_DEVICE").is_none() {
            // burn restores optimizer state on `Device::default()`; keep a CPU run on the CPU.
            // SAFETY: no other thread of ours reads the environment at this point.
            unsafe { std::env::set_var("BURN_DEVICE", "flex") };
        }
        bert_train::pretrain::pretrain(&args, &selected.device, &selected.description)
    })();
    match result {
        Ok(metrics) => {
            println!("{metrics}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
