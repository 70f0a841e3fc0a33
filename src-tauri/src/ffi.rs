//! The shell's foreign calls, both to glibc's malloc of the app's own
//! process (memory.rs): `mallopt`, which fixes its thresholds
//! (docs/decisions/0031), and `malloc_trim`, which hands freed pages back to
//! the system (docs/decisions/0033).
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

/// Returns to the system every whole page of memory that is free inside
/// glibc's heaps (every thread's arena, not only the top of the main one,
/// which is all its trim threshold covers). Returns whether any was
/// released.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_heap() -> bool {
    // SAFETY: `malloc_trim` takes an integer (the padding to keep, none) and
    // works only on glibc's own heaps under their locks (MT-safe,
    // malloc_trim(3)); it reads or writes no memory of ours.
    unsafe { libc::malloc_trim(0) == 1 }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// Resident pages of this process (`/proc/self/statm`, second field).
    fn resident_pages() -> u64 {
        let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
        statm
            .split_whitespace()
            .nth(1)
            .expect("resident")
            .parse()
            .expect("a number")
    }

    #[test]
    fn freed_pages_inside_the_heap_go_back_to_the_system() {
        // 64 MiB in 4 KiB blocks (below any mmap threshold), then all but
        // every 16th freed: 60 MiB free in the middle of the heap, behind
        // blocks still in use, where glibc's trim threshold never reaches.
        let mut blocks: Vec<Vec<u8>> = (0..16_384).map(|i| vec![(i % 251) as u8; 4096]).collect();
        let mut kept = Vec::new();
        for (i, b) in blocks.drain(..).enumerate() {
            if i % 16 == 0 {
                kept.push(b);
            }
        }
        let before = resident_pages();
        assert!(super::release_free_heap(), "something was released");
        let after = resident_pages();
        // At least half of the 60 MiB left (pages are 4 KiB): a margin for
        // whatever the other tests in this process allocate meanwhile.
        assert!(
            before.saturating_sub(after) * 4096 >= 30 << 20,
            "resident pages {before} -> {after}"
        );
        assert_eq!(kept.len(), 1024);
        assert!(kept
            .iter()
            .enumerate()
            .all(|(i, b)| b[4095] == ((i * 16) % 251) as u8));
    }

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
