#![no_main]
//! The scan classifier, the serial framer and the HID report assembler on arbitrary bytes.
use libfuzzer_sys::fuzz_target;
use rxdesk_devices::scan::frame::FrameAssembler;
use rxdesk_devices::scan::hid::HidReportAssembler;
use rxdesk_devices::scan::{classify, classify_bytes, ScanKind};

fuzz_target!(|data: &[u8]| {
    if let Ok(scan) = classify_bytes(data) {
        // classification is stable: the text it kept classifies the same way
        // (with its symbology identifier put back)
        let again = match &scan.symbology {
            Some(s) => classify(&format!("{s}{}", scan.text)),
            None => classify(&scan.text),
        };
        assert_eq!(again.as_ref().map(|s| &s.kind), Ok(&scan.kind));
        if let ScanKind::TraceCode = scan.kind {
            assert_eq!(scan.text.len(), 20);
        }
    }
    let mut f = FrameAssembler::new();
    let _ = f.push(data);
    let _ = f.idle();
    let mut h = HidReportAssembler::default();
    for chunk in data.chunks(64) {
        let _ = h.push(chunk);
    }
});
