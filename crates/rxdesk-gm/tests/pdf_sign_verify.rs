//! Signed PDF: sign by incremental update, verify the /ByteRange signature,
//! detect changes; poppler (`pdfinfo`, `pdfsig`) reads the result.

use chrono::{Duration, TimeZone, Utc};
use rxdesk_gm::cms::CmsError;
use rxdesk_gm::issue::{CertSpec, Issuer};
use rxdesk_gm::pdf::{self, PdfError};
use rxdesk_gm::primitives::PrivateKey;

fn signer() -> (rxdesk_gm::cert::Certificate, PrivateKey) {
    let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let ca = Issuer::new_root(
        &CertSpec::ca(
            "CN=DEMO Root,O=RxDesk DEMO,C=CN",
            &[1],
            t0,
            t0 + Duration::days(3650),
        ),
        PrivateKey::generate().unwrap(),
    )
    .unwrap();
    let key = PrivateKey::generate().unwrap();
    let cert = ca
        .issue(
            &CertSpec::institution(
                "H11010100001",
                "示例医院",
                &[0x30],
                t0,
                t0 + Duration::days(900),
                None,
            ),
            &key.public_key(),
        )
        .unwrap();
    (cert, key)
}

#[test]
fn sign_and_verify_round_trip() {
    let (cert, key) = signer();
    let original = pdf::simple_pdf(&["Prescription 11000000000000000001", "Amoxicillin 0.25g x 2"]);
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 1, 2, 3).unwrap();
    let signed = pdf::sign_pdf(&original, &cert, &key, at).unwrap();
    assert!(
        signed.starts_with(&original),
        "incremental update keeps the original bytes"
    );
    let v = pdf::verify_pdf(&signed, &[]).unwrap();
    assert_eq!(v.cms.signer, cert);
    assert_eq!(v.cms.signing_time, Some(at));
    assert_eq!(v.byte_range[0], 0);
    assert_eq!(v.byte_range[2] + v.byte_range[3], signed.len());
    assert_eq!(pdf::find_signatures(&signed).len(), 1);
    assert_eq!(
        pdf::verify_pdf(&original, &[]).unwrap_err(),
        PdfError::NotSigned
    );
}

#[test]
fn any_change_is_detected() {
    let (cert, key) = signer();
    let original = pdf::simple_pdf(&["Prescription 11000000000000000001"]);
    let signed = pdf::sign_pdf(&original, &cert, &key, Utc::now()).unwrap();
    // Change the visible text (inside the first byte range).
    let pos = signed
        .windows(11)
        .position(|w| w == b"11000000000")
        .unwrap();
    let mut t = signed.clone();
    t[pos] = b'2';
    assert_eq!(
        pdf::verify_pdf(&t, &[]).unwrap_err(),
        PdfError::Cms(CmsError::ContentMismatch)
    );
    // Append bytes after signing.
    let mut appended = signed.clone();
    appended.extend_from_slice(b"1 0 obj\n<< >>\nendobj\n");
    assert_eq!(
        pdf::verify_pdf(&appended, &[]).unwrap_err(),
        PdfError::IncompleteCoverage
    );
    // Trailing whitespace is tolerated.
    let mut ws = signed.clone();
    ws.extend_from_slice(b"\r\n");
    assert!(pdf::verify_pdf(&ws, &[]).is_ok());
    // A broken /Contents.
    let c = signed
        .windows(11)
        .position(|w| w == b"/Contents <")
        .unwrap()
        + 11;
    let mut bad = signed.clone();
    bad[c] = b'Z';
    assert!(matches!(
        pdf::verify_pdf(&bad, &[]),
        Err(PdfError::Malformed(_))
    ));
    // Not a PDF at all.
    assert!(matches!(
        pdf::verify_pdf(b"hello", &[]),
        Err(PdfError::Malformed(_))
    ));
}

#[test]
fn signing_twice_keeps_both_and_the_last_covers_all() {
    let (cert, key) = signer();
    let once = pdf::sign_pdf(&pdf::simple_pdf(&["x"]), &cert, &key, Utc::now()).unwrap();
    let twice = pdf::sign_pdf(&once, &cert, &key, Utc::now()).unwrap();
    assert_eq!(pdf::find_signatures(&twice).len(), 2);
    let v = pdf::verify_pdf(&twice, &[]).unwrap();
    assert_eq!(v.byte_range[2] + v.byte_range[3], twice.len());
}

#[test]
fn poppler_reads_the_signed_pdf() {
    let (cert, key) = signer();
    let signed = pdf::sign_pdf(
        &pdf::simple_pdf(&["Hello pharmacy"]),
        &cert,
        &key,
        Utc::now(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s.pdf");
    std::fs::write(&f, &signed).unwrap();
    let info = std::process::Command::new("pdftotext")
        .arg(&f)
        .arg("-")
        .output()
        .expect("poppler-utils");
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(String::from_utf8_lossy(&info.stdout).contains("Hello pharmacy"));
    let sig = std::process::Command::new("pdfsig")
        .arg(&f)
        .output()
        .expect("poppler-utils");
    let text = String::from_utf8_lossy(&sig.stdout);
    // poppler cannot check SM2, but it must find the signature field and its signer.
    assert!(text.contains("Signature #1"), "{text}");
}
