//! CMS SignedData parsing/verification on arbitrary bytes must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First byte chooses the split between "CMS" and "content".
    let split = data.first().map(|&b| b as usize).unwrap_or(0).min(data.len());
    let (cms, content) = data.split_at(split);
    let _ = rxdesk_gm::cms::verify_detached(data, content, &[]);
    let _ = rxdesk_gm::cms::verify_detached(cms, content, &[]);
    let _ = rxdesk_gm::cms::embedded_certificates(data);
    let _ = rxdesk_gm::cms::decode_der_or_base64(data);
});
