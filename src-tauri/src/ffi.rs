//! The shell's one foreign call: glibc's `mallopt`, which fixes the malloc
//! thresholds of the app's own process (memory.rs; docs/decisions/0031).
//! This module is the only place in the shell where `unsafe` is allowed, as
//! rxdesk-devices' vendor FFI module is in its crate.
#![allow(unsafe_code)]

/// Fixes glibc's mmap and trim thresholds of this process at `bytes`;
/// setting them also turns off glibc's self-raising of both. Returns whether
/// glibc accepted both values.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn fix_malloc_thresholds(bytes: i32) -> bool {
    // SAFETY: `mallopt` takes two integers and changes only glibc's own
    // malloc parameters, under glibc's own lock (MT-safe, mallopt(3)); it
    // reads or writes no memory of ours.
    let mmap = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, bytes) };
    // SAFETY: as above.
    let trim = unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, bytes) };
    mmap == 1 && trim == 1
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    #[test]
    fn glibc_accepts_the_thresholds() {
        assert!(super::fix_malloc_thresholds(128 * 1024));
        // Large blocks are still served and freed (now always by mmap).
        let big = vec![7u8; 4 << 20];
        assert_eq!(
            big.iter().map(|&b| u64::from(b)).sum::<u64>(),
            7 * (4 << 20)
        );
    }
}
