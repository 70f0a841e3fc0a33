#![no_main]
//! GS1 element strings (drug packs' DataMatrix / GS1-128 content, the trace
//! side of a scan) on arbitrary text: `parse_gs1` answers and never panics,
//! and what it accepts is stable: the elements written back as an element
//! string (a GS after each) parse to the same elements, every GTIN carries
//! its check digit, and no value is empty or holds a GS.
use libfuzzer_sys::fuzz_target;
use rxdesk_devices::scan::gs1::{gs1_check_digit_ok, parse_gs1, GS};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Ok(g) = parse_gs1(&s) else {
        return;
    };
    let mut again = String::new();
    for (ai, v) in &g.elements {
        assert!(!v.is_empty() && !v.contains(GS), "({ai}) {v:?}");
        if matches!(ai.as_str(), "01" | "02" | "03") {
            assert!(gs1_check_digit_ok(v), "({ai}) {v}");
        }
        again.push_str(ai);
        again.push_str(v);
        again.push(GS);
    }
    assert_eq!(parse_gs1(&again).as_ref(), Ok(&g), "{again:?}");
});
