//! The canonical sign string never panics and is stable under re-parsing.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rxdesk_center::canonical::{canonical_json, sign_string};

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let c = canonical_json(&v);
        // Canonical output is valid JSON whose canonical form is itself.
        let again: serde_json::Value = serde_json::from_str(&c).expect("canonical JSON parses");
        assert_eq!(canonical_json(&again), c);
        if let serde_json::Value::Object(m) = v {
            let _ = sign_string(&m, "k");
        }
    }
});
