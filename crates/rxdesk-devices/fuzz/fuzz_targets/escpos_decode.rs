#![no_main]
//! The streaming ESC/POS decoder: never panics, chunking never matters.
use libfuzzer_sys::fuzz_target;
use rxdesk_devices::printer::decode::{decode_all, Decoder};

fuzz_target!(|data: &[u8]| {
    let whole = decode_all(data);
    let mut d = Decoder::new();
    let mut parts = Vec::new();
    for chunk in data.chunks(7) {
        parts.extend(d.push(chunk));
    }
    parts.extend(d.finish());
    assert_eq!(whole, parts);
});
