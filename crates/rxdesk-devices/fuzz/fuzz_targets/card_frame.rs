//! Fuzzes the generic serial card reader's frame decoder (bytes from a
//! serial line), the record assembly and the record parse that follow: never panics, chunking
//! never changes the frames, and every decoded frame re-encodes to bytes
//! that decode to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rxdesk_devices::card::frame::{Frame, FrameDecoder, FrameError};
use rxdesk_devices::card::serial::RecordAssembler;
use rxdesk_devices::card::{CardRead, CardSource};

fuzz_target!(|data: &[u8]| {
    let whole = FrameDecoder::new().push(data);
    let cut = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let mut d = FrameDecoder::new();
    let mut parts = d.push(&data[..cut]);
    parts.extend(d.push(&data[cut..]));
    let frames = |v: &[Result<Frame, FrameError>]| -> Vec<Frame> {
        v.iter().filter_map(|r| r.as_ref().ok().cloned()).collect()
    };
    assert_eq!(frames(&whole), frames(&parts));
    let mut record = RecordAssembler::default();
    for f in frames(&whole) {
        let _ = record.push(&f);
        let again = FrameDecoder::new().push(&f.encode());
        assert_eq!(again, vec![Ok(f.clone())]);
        if let Ok(text) = std::str::from_utf8(&f.data) {
            let _ = CardRead::parse(CardSource::Serial, text);
        }
    }
});
