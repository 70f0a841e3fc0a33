//! `rxdesk_gm::b64::decode` (rxFile, signDigest) must never panic and must
//! accept and produce exactly what the `base64` crate's STANDARD engine does.
#![no_main]
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ours = rxdesk_gm::b64::decode(data);
    let theirs = base64::engine::general_purpose::STANDARD.decode(data).ok();
    assert_eq!(ours, theirs);
    // The same data as a valid encoding, so long valid inputs (and repeated
    // blocks) are reached too.
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    assert_eq!(rxdesk_gm::b64::decode(text.as_bytes()).as_deref(), Some(data));
});
