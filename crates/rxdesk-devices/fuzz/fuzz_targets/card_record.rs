#![no_main]
//! The social-security card record parser and the ID-card record parser.
use libfuzzer_sys::fuzz_target;
use rxdesk_devices::card::heasec::parse_id_card_record;
use rxdesk_devices::card::parse_card_record;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(r) = parse_card_record(&text) {
        assert_eq!(r.region.len(), 6);
        assert!(!r.name.is_empty());
        assert_eq!(r.expires.len(), 8);
    }
    let _ = parse_id_card_record(&text);
});
