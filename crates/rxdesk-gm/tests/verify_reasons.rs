//! Every verdict reason, produced from real generated signed material.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rxdesk_gm::download::DownloadedPrescription;
use rxdesk_gm::issue::{sign_prescription, DemoPki, SignerIdentity};
use rxdesk_gm::pdf;
use rxdesk_gm::trust::{CrlFetcher, CrlStore, TrustStore};
use rxdesk_gm::verify::{CrlPolicy, RejectReason, Verifier, VerifyWarning};
use std::sync::OnceLock;

const CODE: &str = "H11010100001";
const NAME: &str = "北京市示例医院";

struct Fixture {
    now: DateTime<Utc>,
    pki: DemoPki,
    trust: TrustStore,
}

fn fx() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let now = Utc::now();
        let pki = DemoPki::generate(CODE, NAME, now, None).unwrap();
        let mut trust = TrustStore::new();
        trust.add_root(pki.root.cert.clone()).unwrap();
        Fixture { now, pki, trust }
    })
}

fn crls() -> CrlStore {
    let s = CrlStore::new();
    s.add(fx().pki.crl.clone());
    s
}

fn signed_by(signer: &SignerIdentity, at: DateTime<Utc>) -> DownloadedPrescription {
    let mut rx = DownloadedPrescription::demo("11000000000000000001", CODE, NAME, at);
    let pdf = pdf::simple_pdf(&["DEMO prescription 11000000000000000001"]);
    sign_prescription(&mut rx, &pdf, signer, at).unwrap();
    rx
}

fn reject(rx: &DownloadedPrescription, crls: &CrlStore, policy: CrlPolicy) -> RejectReason {
    let mut v = Verifier::new(&fx().trust, crls);
    v.policy.crl = policy;
    match v.verify_prescription(rx, fx().now) {
        Ok(_) => panic!("accepted"),
        Err(r) => r.reason,
    }
}

fn signed_at() -> DateTime<Utc> {
    fx().now - Duration::hours(2)
}

#[test]
fn verified_with_signer_details() {
    let rx = signed_by(&fx().pki.valid, signed_at());
    let crls = crls();
    let v = Verifier::new(&fx().trust, &crls)
        .verify_prescription(&rx, fx().now)
        .unwrap();
    let s = v.signer();
    assert_eq!(s.serial, "1001");
    assert_eq!(s.institution.as_deref(), Some(CODE));
    assert!(s.subject.contains(NAME));
    assert!(s.issuer.contains("RxDesk DEMO"));
    assert_eq!(
        s.signed_at.map(|t| t.timestamp()),
        Some(signed_at().timestamp())
    );
    assert!(v.warnings().is_empty());
    let p = v.into_prescription().unwrap();
    assert_eq!(p.value().rx_no.0, "11000000000000000001");
    assert_eq!(p.value().lines.len(), 2);
    assert_eq!(p.value().lines[0].days, 7);
}

#[test]
fn bad_signature() {
    let mut rx = signed_by(&fx().pki.valid, signed_at());
    let mut d = B64.decode(&rx.sign_digest).unwrap();
    // The SM2 signature OCTET STRING is the last element: flip a byte of s.
    let n = d.len();
    d[n - 5] ^= 0x40;
    rx.sign_digest = B64.encode(&d);
    assert!(matches!(
        reject(&rx, &crls(), CrlPolicy::Require),
        RejectReason::BadSignature { .. }
    ));
    // An unsigned PDF is also a bad signature.
    let mut rx = signed_by(&fx().pki.valid, signed_at());
    rx.rx_file = B64.encode(pdf::simple_pdf(&["unsigned"]));
    assert!(matches!(
        reject(&rx, &crls(), CrlPolicy::Require),
        RejectReason::BadSignature { .. }
    ));
}

#[test]
fn content_mismatch_names_the_field() {
    let field = |rx: &DownloadedPrescription| match reject(rx, &crls(), CrlPolicy::Require) {
        RejectReason::ContentMismatch { field } => field,
        other => panic!("{other:?}"),
    };
    let base = signed_by(&fx().pki.valid, signed_at());
    let mut rx = base.clone();
    rx.patn_name = "另一个人".into();
    assert_eq!(field(&rx), "originalValue");
    let mut rx = base.clone();
    let mut pdf = B64.decode(&rx.rx_file).unwrap();
    let p = pdf.windows(8).position(|w| w == b"DEMO pre").unwrap();
    pdf[p] = b'X';
    rx.rx_file = B64.encode(&pdf);
    assert_eq!(field(&rx), "rxFile");
    let mut rx = base.clone();
    rx.sign_cert_sn = "1002".into();
    assert_eq!(field(&rx), "signCertSn");
    let mut rx = base.clone();
    rx.sign_cert_dn = "CN=Someone Else,C=CN".into();
    assert_eq!(field(&rx), "signCertDn");
    // The PDF signed by another certificate than signDigest.
    let mut rx = base.clone();
    rx.rx_file = signed_by(&fx().pki.other_institution, signed_at()).rx_file;
    assert_eq!(field(&rx), "rxFile");
    // Serial sent in decimal is the same integer.
    let mut rx = base.clone();
    rx.sign_cert_sn = "4097".into();
    assert!(Verifier::new(&fx().trust, &crls())
        .verify_prescription(&rx, fx().now)
        .is_ok());
}

#[test]
fn not_yet_valid_and_expired() {
    // Signed (and checked) before the certificate's notBefore.
    let rx = signed_by(&fx().pki.not_yet_valid, signed_at());
    assert!(matches!(
        reject(&rx, &crls(), CrlPolicy::Require),
        RejectReason::NotYetValid { .. }
    ));
    // Signed while valid (long ago), expired now.
    let rx = signed_by(&fx().pki.expired, fx().now - Duration::days(30));
    match reject(&rx, &crls(), CrlPolicy::Require) {
        RejectReason::Expired { not_after, at } => {
            assert!(not_after < fx().now);
            assert_eq!(at, fx().now);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn revoked() {
    let rx = signed_by(&fx().pki.revoked, signed_at());
    match reject(&rx, &crls(), CrlPolicy::Require) {
        RejectReason::Revoked { reason, date } => {
            assert_eq!(reason, "keyCompromise");
            assert!(date < fx().now);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn untrusted_issuer() {
    let rx = signed_by(&fx().pki.other_ca, signed_at());
    assert!(matches!(
        reject(&rx, &crls(), CrlPolicy::Require),
        RejectReason::UntrustedIssuer { .. }
    ));
}

#[test]
fn crl_unavailable_is_policy_controlled() {
    let rx = signed_by(&fx().pki.valid, signed_at());
    let empty = CrlStore::new();
    assert!(matches!(
        reject(&rx, &empty, CrlPolicy::Require),
        RejectReason::CrlUnavailable { .. }
    ));
    let mut v = Verifier::new(&fx().trust, &empty);
    v.policy.crl = CrlPolicy::WarnIfUnavailable;
    let ok = v.verify_prescription(&rx, fx().now).unwrap();
    assert!(matches!(ok.warnings(), [VerifyWarning::NoCrl { .. }]));
    // A CRL signed by another CA does not count.
    let forged = CrlStore::new();
    forged.add(
        fx().pki
            .other_root
            .issue_crl(fx().now, Some(fx().now + Duration::days(1)), &[], 1)
            .unwrap(),
    );
    assert!(matches!(
        reject(&rx, &forged, CrlPolicy::Require),
        RejectReason::CrlUnavailable { .. }
    ));
    // A revoked certificate is rejected even under the lenient policy.
    let rx = signed_by(&fx().pki.revoked, signed_at());
    assert!(matches!(
        reject(&rx, &crls(), CrlPolicy::WarnIfUnavailable),
        RejectReason::Revoked { .. }
    ));
}

#[test]
fn stale_crl_is_a_warning() {
    let rx = signed_by(&fx().pki.valid, signed_at());
    let stale = CrlStore::new();
    let now = fx().now;
    stale.add(
        fx().pki
            .root
            .issue_crl(
                now - Duration::days(10),
                Some(now - Duration::days(3)),
                &[],
                1,
            )
            .unwrap(),
    );
    let v = Verifier::new(&fx().trust, &stale)
        .verify_prescription(&rx, now)
        .unwrap();
    assert!(matches!(
        v.warnings(),
        [VerifyWarning::StaleCrl {
            next_update: Some(_)
        }]
    ));
}

#[test]
fn wrong_institution() {
    let mut rx = DownloadedPrescription::demo("11000000000000000009", CODE, NAME, signed_at());
    // Properly signed by the other institution's certificate, claims CODE.
    sign_prescription(
        &mut rx,
        &pdf::simple_pdf(&["x"]),
        &fx().pki.other_institution,
        signed_at(),
    )
    .unwrap();
    match reject(&rx, &crls(), CrlPolicy::Require) {
        RejectReason::WrongInstitution { expected, found } => {
            assert_eq!(expected, CODE);
            assert_eq!(found, format!("{CODE}X"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_key_usage() {
    let rx = signed_by(&fx().pki.no_signing_usage, signed_at());
    assert_eq!(
        reject(&rx, &crls(), CrlPolicy::Require),
        RejectReason::WrongKeyUsage
    );
}

#[test]
fn malformed_input() {
    let base = signed_by(&fx().pki.valid, signed_at());
    let mut rx = base.clone();
    rx.sign_digest = "***not base64***".into();
    assert!(matches!(
        reject(&rx, &crls(), CrlPolicy::Require),
        RejectReason::MalformedInput { .. }
    ));
    let mut rx = base.clone();
    rx.sign_digest = B64.encode(b"\x30\x03\x02\x01\x00");
    assert!(matches!(
        reject(&rx, &crls(), CrlPolicy::Require),
        RejectReason::MalformedInput { .. }
    ));
    let mut rx = base.clone();
    rx.rx_file = B64.encode(b"not a pdf");
    assert!(matches!(
        reject(&rx, &crls(), CrlPolicy::Require),
        RejectReason::MalformedInput { .. }
    ));
}

/// The CRL comes from the certificate's distribution point over real HTTP
/// (a loopback server), is cached, and is refetched only when stale.
#[test]
fn crl_fetched_from_distribution_point_and_cached() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/crl/root.crl");
    let now = Utc::now();
    let pki = DemoPki::generate(CODE, NAME, now, Some(&url)).unwrap();
    let crl_der = pki.crl.to_der().to_vec();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let server = std::thread::spawn(move || {
        // Serve at most 3 requests, then stop.
        for stream in listener.incoming().take(3) {
            let mut s = stream.unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            h.fetch_add(1, Ordering::SeqCst);
            if req.starts_with("GET /crl/root.crl ") {
                let _ = s.write_all(format!("HTTP/1.0 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\n\r\n", crl_der.len()).as_bytes());
                let _ = s.write_all(&crl_der);
            } else {
                let _ = s.write_all(b"HTTP/1.0 404 Not Found\r\n\r\n");
            }
        }
    });
    let mut trust = TrustStore::new();
    trust.add_root(pki.root.cert.clone()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let store = CrlStore::new()
        .with_fetcher(Box::new(rxdesk_gm::trust::HttpCrlFetcher::default()))
        .with_cache_dir(cache.path().to_path_buf());
    let v = Verifier::new(&trust, &store);
    let mut rx =
        DownloadedPrescription::demo("11000000000000000002", CODE, NAME, now - Duration::hours(1));
    sign_prescription(
        &mut rx,
        &pdf::simple_pdf(&["x"]),
        &pki.valid,
        now - Duration::hours(1),
    )
    .unwrap();
    v.verify_prescription(&rx, now).unwrap();
    // Second verification: served from the cache (nextUpdate not reached).
    v.verify_prescription(&rx, now).unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 1);
    // Revoked certificate via the fetched CRL.
    let mut rx2 = rx.clone();
    sign_prescription(
        &mut rx2,
        &pdf::simple_pdf(&["y"]),
        &pki.revoked,
        now - Duration::hours(1),
    )
    .unwrap();
    assert!(matches!(
        v.verify_prescription(&rx2, now),
        Err(rxdesk_gm::verify::Rejection {
            reason: RejectReason::Revoked { .. },
            ..
        })
    ));
    // After nextUpdate the CRL is refetched (the server still has the old one: stale warning).
    let later = now + Duration::days(8);
    let lenient_trust = trust.clone();
    let v2 = Verifier::new(&lenient_trust, &store);
    match v2.verify_prescription(&rx, later) {
        Ok(ok) => assert!(matches!(ok.warnings(), [VerifyWarning::StaleCrl { .. }])),
        Err(rxdesk_gm::verify::Rejection {
            reason: RejectReason::Expired { .. },
            ..
        }) => {}
        Err(e) => panic!("{e:?}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    // A fetcher that fails leaves CrlUnavailable.
    struct Down;
    impl CrlFetcher for Down {
        fn fetch(&self, _: &str) -> Result<Vec<u8>, String> {
            Err("connection refused".into())
        }
    }
    let down = CrlStore::new().with_fetcher(Box::new(Down));
    let v3 = Verifier::new(&trust, &down);
    assert!(matches!(
        v3.verify_prescription(&rx, now),
        Err(rxdesk_gm::verify::Rejection {
            reason: RejectReason::CrlUnavailable { .. },
            ..
        })
    ));
    // Let the server thread finish.
    let _ = std::net::TcpStream::connect(("127.0.0.1", port));
    server.join().unwrap();
}

#[test]
fn verified_prescription_is_the_visit_evidence() {
    use rxdesk_core::identity::{IdentificationMethod, PersonIdentity};
    use rxdesk_core::visit::{DownloadRef, RxListItem, VerifiedPrescription, Visit, VisitState};
    let rx = signed_by(&fx().pki.valid, signed_at());
    let crls = crls();
    let v = Verifier::new(&fx().trust, &crls)
        .verify_prescription(&rx, fx().now)
        .unwrap()
        .into_prescription()
        .unwrap();
    let sig = v.signature();
    assert_eq!(sig.cert_sn, "1001");
    assert_eq!(sig.institution_code, CODE);
    assert!(sig.cert_dn.contains(NAME));
    assert_eq!(sig.verified_at, fx().now);
    assert_eq!(v.verified_at(), fx().now);
    assert_eq!(
        VerifiedPrescription::prescription(&v).rx_no.0,
        "11000000000000000001"
    );

    // A visit accepts it after downloading exactly that prescription.
    let p = v.value().clone();
    let mut visit = Visit::new("V-1");
    visit
        .identify(
            PersonIdentity {
                name: p.patient_name.clone(),
                // The demo record's number has no valid check digit: not an ID card.
                cert_type: "99".into(),
                cert_no: p.patient_cert_no.clone(),
            },
            IdentificationMethod::EVoucher,
            None,
        )
        .unwrap();
    visit
        .prescriptions_listed(vec![RxListItem {
            auth_rxno: "A1".into(),
            fixmedins_name: NAME.into(),
            prsc_time: String::new(),
            valid_end_time: String::new(),
        }])
        .unwrap();
    visit
        .downloaded(p, DownloadRef::AuthRxno("A1".into()))
        .unwrap();
    visit.signature_verified(&v).unwrap();
    assert_eq!(visit.state(), &VisitState::Verified);
    assert_eq!(visit.signature().unwrap().cert_sn, "1001");
}
