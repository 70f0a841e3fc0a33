//! Certificate and CRL parsing (and every accessor) must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = rxdesk_gm::cert::Certificate::from_der(data) {
        let _ = (c.subject_dn(), c.issuer_dn(), c.serial_hex(), c.not_before(), c.not_after());
        let _ = (c.key_usage(), c.is_ca(), c.crl_distribution_points(), c.institution_code());
        let _ = c.verify_issued_by_default(&c);
    }
    let _ = rxdesk_gm::cert::Certificate::load_all(data);
    if let Ok(crl) = rxdesk_gm::crl::Crl::from_bytes(data) {
        let _ = (crl.issuer_dn(), crl.this_update(), crl.next_update(), crl.revoked());
        let _ = crl.find(&[0x10, 0x01]);
    }
    let _ = rxdesk_gm::primitives::PublicKey::from_spki_der(data);
    let _ = rxdesk_gm::primitives::PrivateKey::from_pkcs8_der(data);
    let _ = rxdesk_gm::primitives::Signature::from_der(data);
});
