#![no_main]
//! The output of the NationECCode vendor library (`NationEcTrans`): a JSON
//! envelope the counter does not control. Parsing it, mapping a refusal to
//! its typed error and reading an e-voucher or an identity out of its `data`
//! must never panic, whatever the library returns.
use libfuzzer_sys::fuzz_target;
use rxdesk_devices::face::nationec::{
    face_error, identity_from_data, parse_envelope, parse_output, password_error, EVoucher,
};
use rxdesk_devices::identity::IdentitySource;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(env) = parse_envelope(&text) {
        let _ = password_error(&env);
        let _ = face_error(&env, Duration::from_secs(30));
        let _ = EVoucher::from_data(&env.data);
        let _ = identity_from_data(&env.data, IdentitySource::Face);
    }
    if let Ok(d) = parse_output(&text) {
        if let Ok(v) = EVoucher::from_data(&d) {
            let _ = v.identity(IdentitySource::EVoucherQr);
        }
    }
});
