//! Signed-PDF /ByteRange parsing and verification must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rxdesk_gm::pdf::find_signatures(data);
    let _ = rxdesk_gm::pdf::verify_pdf(data, &[]);
    // Also behind a valid header, so the structural checks are reached.
    let mut with_header = b"%PDF-1.7\n".to_vec();
    with_header.extend_from_slice(data);
    let _ = rxdesk_gm::pdf::verify_pdf(&with_header, &[]);
});
