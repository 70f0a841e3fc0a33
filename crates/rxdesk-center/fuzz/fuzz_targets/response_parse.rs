//! Family A and B response parsing and the typed outputs never panic on any bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rxdesk_center::envelope_a::parse_response;
use rxdesk_center::envelope_b;
use rxdesk_center::messages::{PersonInfoOutput, RxDownloadOutput, SettleOutput};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = parse_response(data) {
        let _ = serde_json::from_value::<SettleOutput>(r.output.clone());
        let _ = serde_json::from_value::<PersonInfoOutput>(r.output.clone());
        if let Ok(d) = serde_json::from_value::<RxDownloadOutput>(r.output) {
            let _ = d.to_downloaded();
        }
    }
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(k) = rxdesk_gm::PrivateKey::from_hex(rxdesk_center::profile::demo::PLATFORM_PRIVATE_KEY_HEX) {
            let _ = envelope_b::open_response(&m, "secret", "1A2B3C4D5E6F7A8B", &k.public_key(), &["1234567812345678"]);
        }
    }
});
