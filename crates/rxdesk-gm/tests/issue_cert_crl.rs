//! Demo CA → certificates and CRLs, checked by our parser and by OpenSSL.

use chrono::{Duration, TimeZone, Utc};
use rxdesk_gm::cert::{CertError, Certificate};
use rxdesk_gm::crl::Crl;
use rxdesk_gm::issue::{CertSpec, Issuer, Revocation};
use rxdesk_gm::primitives::PrivateKey;
use std::process::Command;
use x509_cert::ext::pkix::CrlReason;

fn root() -> Issuer {
    let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let spec = CertSpec::ca(
        "CN=RxDesk DEMO 医保 Root CA,O=RxDesk DEMO,C=CN",
        &[1],
        t0,
        t0 + Duration::days(3650),
    );
    Issuer::new_root(&spec, PrivateKey::generate().unwrap()).unwrap()
}

#[test]
fn institution_certificate_fields_and_chain() {
    let ca = root();
    assert!(ca.cert.is_ca());
    assert!(ca.cert.is_self_issued());
    ca.cert.verify_issued_by_default(&ca.cert).unwrap();
    let key = PrivateKey::generate().unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let spec = CertSpec::institution(
        "H11010100001",
        "北京市示例医院",
        &[0x8f, 0, 0, 1],
        t0,
        t0 + Duration::days(730),
        Some("http://127.0.0.1:8080/crl/root.crl"),
    );
    let leaf = ca.issue(&spec, &key.public_key()).unwrap();
    assert_eq!(leaf.institution_code().as_deref(), Some("H11010100001"));
    assert_eq!(leaf.common_name().as_deref(), Some("北京市示例医院"));
    assert_eq!(leaf.serial_hex(), "8F000001");
    assert_eq!(leaf.not_before(), t0);
    assert_eq!(
        leaf.crl_distribution_points(),
        vec!["http://127.0.0.1:8080/crl/root.crl"]
    );
    let ku = leaf.key_usage().unwrap();
    assert!(ku.digital_signature && ku.non_repudiation && !ku.key_cert_sign);
    assert!(!leaf.is_ca());
    assert_eq!(leaf.public_key(), &key.public_key());
    leaf.verify_issued_by_default(&ca.cert).unwrap();
    assert_eq!(leaf.issuer_dn(), ca.cert.subject_dn());
    // Wrong issuer / wrong user id / tampered bytes.
    let other = root();
    assert_eq!(
        leaf.verify_issued_by_default(&other.cert),
        Err(CertError::BadSignature)
    );
    assert_eq!(
        leaf.verify_issued_by(&ca.cert, ""),
        Err(CertError::BadSignature)
    );
    let mut der = leaf.to_der().to_vec();
    let pos = der.windows(12).position(|w| w == b"H11010100001").unwrap();
    der[pos + 11] = b'2';
    let tampered = Certificate::from_der(&der).unwrap();
    assert_eq!(tampered.institution_code().as_deref(), Some("H11010100002"));
    assert_eq!(
        tampered.verify_issued_by_default(&ca.cert),
        Err(CertError::BadSignature)
    );
    // PEM round trip and bundles.
    let bundle = format!("{}{}", ca.cert.to_pem(), leaf.to_pem());
    let all = Certificate::load_all(bundle.as_bytes()).unwrap();
    assert_eq!(all, vec![ca.cert.clone(), leaf.clone()]);
    assert_eq!(Certificate::load_all(leaf.to_der()).unwrap(), vec![leaf]);
}

#[test]
fn crl_revocation_by_integer_serial() {
    let ca = root();
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let revoked = [
        Revocation {
            serial: vec![0x10, 0x00],
            date: now,
            reason: CrlReason::KeyCompromise,
        },
        Revocation {
            serial: vec![0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            date: now,
            reason: CrlReason::Superseded,
        },
    ];
    let crl = ca
        .issue_crl(now, Some(now + Duration::days(30)), &revoked, 7)
        .unwrap();
    crl.verify_signed_by(&ca.cert, rxdesk_gm::DEFAULT_USER_ID)
        .unwrap();
    assert_eq!(crl.find(&[0x10, 0x00]).unwrap().reason, "keyCompromise");
    // The same integer with a sign byte.
    let e = crl.find(&[0x00, 0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 1]).unwrap();
    assert_eq!(e.reason, "superseded");
    assert_eq!(e.date, now);
    assert!(crl.find(&[0x10, 0x01]).is_none());
    assert!(!crl.is_stale(now + Duration::days(29)));
    assert!(crl.is_stale(now + Duration::days(31)));
    let again = Crl::from_bytes(crl.to_pem().as_bytes()).unwrap();
    assert_eq!(again.revoked().len(), 2);
    assert_eq!(
        crl.verify_signed_by(&root().cert, rxdesk_gm::DEFAULT_USER_ID),
        Err(CertError::BadSignature) // same subject name, other key
    );
    let mut der = crl.to_der().to_vec();
    let n = der.len();
    der[n - 3] ^= 1; // inside the signature
    let bad = Crl::from_der(&der);
    if let Ok(bad) = bad {
        assert!(bad
            .verify_signed_by(&ca.cert, rxdesk_gm::DEFAULT_USER_ID)
            .is_err());
    }
}

#[test]
fn openssl_accepts_our_certificates_and_crls() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = root();
    let key = PrivateKey::generate().unwrap();
    let now = Utc::now();
    let spec = CertSpec::institution(
        "H11010100001",
        "Hospital A",
        &[0x10, 0x01],
        now - Duration::days(1),
        now + Duration::days(30),
        Some("http://127.0.0.1/crl"),
    );
    let leaf = ca.issue(&spec, &key.public_key()).unwrap();
    std::fs::write(d.join("ca.pem"), ca.cert.to_pem()).unwrap();
    std::fs::write(d.join("leaf.pem"), leaf.to_pem()).unwrap();
    let out = Command::new("openssl")
        .args([
            "verify",
            "-vfyopt",
            "distid:1234567812345678",
            "-CAfile",
            "ca.pem",
            "leaf.pem",
        ])
        .current_dir(d)
        .output()
        .expect("openssl CLI");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("leaf.pem: OK"));
    let text = Command::new("openssl")
        .args(["x509", "-in", "leaf.pem", "-noout", "-text"])
        .current_dir(d)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Digital Signature, Non Repudiation"),
        "{text}"
    );
    assert!(text.contains("URI:http://127.0.0.1/crl"));
    assert!(text.contains("SM2-with-SM3"));
    let crl = ca
        .issue_crl(
            now,
            Some(now + Duration::days(7)),
            &[Revocation {
                serial: vec![0x10, 0x01],
                date: now,
                reason: CrlReason::KeyCompromise,
            }],
            1,
        )
        .unwrap();
    std::fs::write(d.join("crl.pem"), crl.to_pem()).unwrap();
    let out = Command::new("openssl")
        .args(["crl", "-in", "crl.pem", "-noout", "-text"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(out.status.success());
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("Serial Number: 1001"), "{t}");
    assert!(t.contains("Key Compromise"));
}
