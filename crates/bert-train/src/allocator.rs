//! The binaries' allocator. burn's CPU backend allocates and frees a buffer per tensor op, and
//! an allocator that returns freed pages to the kernel makes every op fault them in and zero
//! them again: with glibc, page faults, zeroing and copies were ~7% of a MiniLM training step
//! in `perf`; mimalloc with its default purging made it worse (`clear_page_erms` 8.7%).
//! mimalloc told to keep freed memory: 1,000 SST-2 sentences in 17–19 s instead of 20–22 s.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v2 and v3's `mi_option_e` (libmimalloc-sys names
/// only some options).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Never return freed pages to the OS: the next batch needs the same sizes again. Peak memory
/// is unchanged; resident memory stays at the peak.
pub fn keep_freed_memory() {
    // SAFETY: sets a plain integer option; mimalloc reads it when it next considers purging.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
