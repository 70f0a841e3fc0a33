//! Wrapping arbitrary text at any width never panics, never exceeds the width
//! (from 2 cells up) and never drops a visible character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rxdesk_receipts::text::{display_width, sanitize, wrap_hanging};

fuzz_target!(|data: &[u8]| {
    let Some((&w, rest)) = data.split_first() else {
        return;
    };
    let Some((&h, rest)) = rest.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (first, other) = (usize::from(w % 64) + 2, usize::from(h % 64) + 2);
    let lines = wrap_hanging(text, first, other);
    for (i, l) in lines.iter().enumerate() {
        assert!(display_width(l) <= if i == 0 { first } else { other });
    }
    let squash = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
    assert_eq!(squash(&lines.concat()), squash(&sanitize(text)));
});
