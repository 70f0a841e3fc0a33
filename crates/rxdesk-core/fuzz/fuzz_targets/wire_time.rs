#![no_main]
//! The wire-time parser (`yyyy-MM-dd HH:mm:ss`, always UTC+8) on arbitrary
//! text from the center: `parse_wire` answers and never panics, and an
//! instant it accepts formats and parses back to the same instant.
use libfuzzer_sys::fuzz_target;
use rxdesk_core::time::{format_compact, format_wire, parse_wire};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Some(t) = parse_wire(&s) {
        let wire = format_wire(t);
        assert_eq!(parse_wire(&wire), Some(t), "{s:?} -> {wire:?}");
        let _ = format_compact(t);
    }
});
