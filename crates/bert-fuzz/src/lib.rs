//! Fuzzing on stable Rust, in process: seeded and structure-aware mutations of real files
//! (see `mutate`), structured values drawn with `arbitrary`, every reader and loader as a
//! target (see `targets`). `cargo test` runs a few thousand cases of each; the `fuzz` binary
//! runs millions, one process per target, and names any case that panicked, aborted or hung.

pub mod driver;
pub mod mutate;
pub mod seeds;
pub mod targets;

pub use targets::{Ctx, TARGETS, Target};
