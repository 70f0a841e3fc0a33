//! Cross-check against `assets/demo-pki/`, made by `scripts/make-demo-pki`
//! with the openssl CLI and Python asn1crypto — an implementation independent
//! of this crate's issuing, CMS and PDF code.

use chrono::{DateTime, TimeZone, Utc};
use rxdesk_gm::cert::Certificate;
use rxdesk_gm::crl::Crl;
use rxdesk_gm::download::DownloadedPrescription;
use rxdesk_gm::issue::{sign_prescription, DemoPki, SignerIdentity};
use rxdesk_gm::primitives::PrivateKey;
use rxdesk_gm::trust::{CrlStore, TrustStore};
use rxdesk_gm::verify::{RejectReason, Verifier};
use std::path::PathBuf;

fn asset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo-pki")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(asset(name)).unwrap_or_else(|e| panic!("{name}: {e} (run scripts/make-demo-pki)"))
}

fn at() -> DateTime<Utc> {
    // Fixed: after every signature and revocation in the assets, before the certificates expire.
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
}

fn stores() -> (TrustStore, CrlStore) {
    let mut trust = TrustStore::new();
    trust.add_file(&asset("root.pem")).unwrap();
    assert_eq!(trust.roots().len(), 1);
    let crls = CrlStore::new();
    crls.add_file(&asset("crl.der")).unwrap();
    (trust, crls)
}

fn rx(name: &str) -> DownloadedPrescription {
    serde_json::from_slice(&read(name)).unwrap()
}

fn outcome(name: &str) -> Result<String, RejectReason> {
    let (trust, crls) = stores();
    Verifier::new(&trust, &crls)
        .verify_prescription(&rx(name), at())
        .map(|v| v.signer().serial.clone())
        .map_err(|r| r.reason)
}

#[test]
fn independent_prescriptions_get_the_expected_verdicts() {
    assert_eq!(outcome("rx-valid.json"), Ok("1001".into()));
    assert!(
        matches!(outcome("rx-revoked.json"), Err(RejectReason::Revoked { ref reason, .. }) if reason == "keyCompromise")
    );
    assert!(matches!(
        outcome("rx-expired.json"),
        Err(RejectReason::Expired { .. })
    ));
    assert!(matches!(
        outcome("rx-other-ca.json"),
        Err(RejectReason::UntrustedIssuer { .. })
    ));
    assert_eq!(
        outcome("rx-tampered-fields.json"),
        Err(RejectReason::ContentMismatch {
            field: "originalValue".into()
        })
    );
    assert_eq!(
        outcome("rx-tampered-pdf.json"),
        Err(RejectReason::ContentMismatch {
            field: "rxFile".into()
        })
    );
}

#[test]
fn python_original_value_equals_ours() {
    // The Python script canonicalised the 20 fields itself; its CMS verifies
    // over our originalValue, so both canonical forms are byte-identical.
    let r = rx("rx-valid.json");
    let der = base64_decode(&r.sign_digest);
    rxdesk_gm::cms::verify_detached(&der, r.original_value().as_bytes(), &[]).unwrap();
}

#[test]
fn detached_cms_over_a_file() {
    let (trust, crls) = stores();
    let v = Verifier::new(&trust, &crls)
        .verify_detached(&read("content.txt"), &read("content.p7s"), at())
        .unwrap();
    assert_eq!(v.signer().institution.as_deref(), Some("H11010100001"));
}

#[test]
fn openssl_and_rust_certificates_have_the_same_shape() {
    let ossl = Certificate::from_pem(std::str::from_utf8(&read("valid.pem")).unwrap()).unwrap();
    let pki = DemoPki::generate(
        "H11010100001",
        "北京市示例医院（DEMO）",
        at(),
        Some("http://127.0.0.1:18080/crl/demo-root.crl"),
    )
    .unwrap();
    let ours = &pki.valid.cert;
    assert_eq!(ossl.institution_code(), ours.institution_code());
    assert_eq!(ossl.key_usage(), ours.key_usage());
    assert_eq!(ossl.is_ca(), ours.is_ca());
    assert_eq!(
        ossl.crl_distribution_points(),
        ours.crl_distribution_points()
    );
    assert_eq!(ossl.serial_hex(), ours.serial_hex());
    assert_eq!(ossl.subject_dn(), ours.subject_dn());
    let root = Certificate::from_pem(std::str::from_utf8(&read("root.pem")).unwrap()).unwrap();
    assert!(root.is_ca());
    assert_eq!(root.key_usage(), pki.root.cert.key_usage());
    ossl.verify_issued_by_default(&root).unwrap();
    // openssl's CRL parses, verifies, and revokes 1002 like ours does.
    let crl = Crl::from_bytes(&read("crl.pem")).unwrap();
    crl.verify_signed_by(&root, rxdesk_gm::DEFAULT_USER_ID)
        .unwrap();
    assert_eq!(
        crl.find(&[0x10, 0x02]).unwrap().reason,
        pki.crl.find(&[0x10, 0x02]).unwrap().reason
    );
    assert!(crl.find(&[0x10, 0x01]).is_none());
    assert_eq!(
        Crl::from_bytes(&read("crl.der")).unwrap().to_der(),
        crl.to_der()
    );
}

#[test]
fn rust_signs_with_the_openssl_key_and_certificate() {
    let key = PrivateKey::from_pem(std::str::from_utf8(&read("valid.key.pem")).unwrap()).unwrap();
    let cert = Certificate::from_pem(std::str::from_utf8(&read("valid.pem")).unwrap()).unwrap();
    let signer = SignerIdentity { cert, key };
    let t = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
    let mut r = DownloadedPrescription::demo(
        "11000000000000000199",
        "H11010100001",
        "北京市示例医院（DEMO）",
        t,
    );
    sign_prescription(&mut r, &rxdesk_gm::pdf::simple_pdf(&["cross"]), &signer, t).unwrap();
    let (trust, crls) = stores();
    let v = Verifier::new(&trust, &crls)
        .verify_prescription(&r, at())
        .unwrap();
    assert_eq!(v.signer().serial, "1001");
    // Python wrote signCertDn itself: our DN string for the same certificate is identical.
    assert_eq!(r.sign_cert_dn, rx("rx-valid.json").sign_cert_dn);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}
