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
    // After nextUpdate the CRL is refetched (the server still has the old
    // one: stale warning within the 24 h grace period).
    let later = now + Duration::days(7) + Duration::hours(12);
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

/// A CRL fetched over plain http:// can be replayed by anyone on the path:
/// an older CRL (issued before the signer's revocation, still inside its own
/// nextUpdate) must not replace the newer one in memory or in the cache
/// directory, or the revoked signer would pass from then on.
#[test]
fn a_replayed_older_crl_does_not_roll_the_cache_back() {
    use std::sync::{Arc, Mutex};
    struct Served(Arc<Mutex<Vec<u8>>>);
    impl CrlFetcher for Served {
        fn fetch(&self, _: &str) -> Result<Vec<u8>, String> {
            Ok(self.0.lock().unwrap().clone())
        }
    }
    let now = Utc::now();
    let url = "http://crl.example.invalid/root.crl";
    let pki = DemoPki::generate(CODE, NAME, now, Some(url)).unwrap();
    let mut trust = TrustStore::new();
    trust.add_root(pki.root.cert.clone()).unwrap();
    let revocation = Revocation {
        serial: pki.revoked.cert.serial(),
        date: now - Duration::days(2),
        reason: x509_cert::ext::pkix::CrlReason::KeyCompromise,
    };
    let newer = pki
        .root
        .issue_crl(
            now - Duration::hours(1),
            Some(now + Duration::hours(1)),
            &[revocation],
            20,
        )
        .unwrap();
    let older = pki
        .root
        .issue_crl(
            now - Duration::days(3),
            Some(now + Duration::days(7)),
            &[],
            10,
        )
        .unwrap();
    let served = Arc::new(Mutex::new(newer.to_der().to_vec()));
    let cache = tempfile::tempdir().unwrap();
    let store = CrlStore::new()
        .with_fetcher(Box::new(Served(served.clone())))
        .with_cache_dir(cache.path().to_path_buf());
    let rx = signed_by(&pki.revoked, now - Duration::hours(1));
    let code = |store: &CrlStore, at: DateTime<Utc>| match Verifier::new(&trust, store)
        .verify_prescription(&rx, at)
    {
        Ok(_) => "accepted".to_string(),
        Err(r) => r.reason.code().to_string(),
    };
    assert_eq!(code(&store, now), "revoked");
    // The newer CRL is past its nextUpdate; the refresh gets the replayed older one.
    *served.lock().unwrap() = older.to_der().to_vec();
    let later = now + Duration::hours(2);
    assert_eq!(code(&store, later), "revoked");
    assert_eq!(
        code(&store, later),
        "revoked",
        "second call: the memory was rolled back"
    );
    // After a restart the cache directory still holds the newer CRL.
    let restarted = CrlStore::new()
        .with_fetcher(Box::new(Served(served)))
        .with_cache_dir(cache.path().to_path_buf());
    assert_eq!(code(&restarted, later), "revoked");
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

// ---- CRL freshness (docs/decisions/0003-crl-freshness.md) ----

fn crl_store(crls: &[rxdesk_gm::crl::Crl]) -> CrlStore {
    let s = CrlStore::new();
    for c in crls {
        s.add(c.clone());
    }
    s
}

fn root_crl(this: DateTime<Utc>, next: DateTime<Utc>) -> rxdesk_gm::crl::Crl {
    fx().pki.root.issue_crl(this, Some(next), &[], 7).unwrap()
}

#[test]
fn stale_crl_within_the_grace_period_is_a_warning_with_its_end() {
    let now = fx().now;
    let rx = signed_by(&fx().pki.valid, signed_at());
    let next = now - Duration::hours(2);
    let store = crl_store(&[root_crl(now - Duration::days(7), next)]);
    let v = Verifier::new(&fx().trust, &store)
        .verify_prescription(&rx, now)
        .unwrap();
    match v.warnings() {
        [w @ VerifyWarning::StaleCrl {
            next_update: Some(n),
            grace_until,
            issuer,
        }] => {
            assert_eq!(n.timestamp(), next.timestamp());
            assert_eq!(
                grace_until.timestamp(),
                (next + Duration::hours(24)).timestamp()
            );
            assert!(issuer.contains("RxDesk DEMO"));
            assert_eq!(w.code(), "stale_crl");
            assert!(w.message_zh().contains("宽限期"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn stale_crl_beyond_the_grace_period_blocks_with_crl_stale() {
    let now = fx().now;
    let rx = signed_by(&fx().pki.valid, signed_at());
    let store = crl_store(&[root_crl(now - Duration::days(10), now - Duration::days(3))]);
    let r = reject(&rx, &store, CrlPolicy::Require);
    assert_eq!(r.code(), "crl_stale");
    match &r {
        RejectReason::CrlStale {
            next_update,
            grace_until,
            ..
        } => {
            assert_eq!(*grace_until, *next_update + Duration::hours(24));
            assert!(*grace_until < now);
        }
        other => panic!("{other:?}"),
    }
    assert!(r.message_zh().contains("吊销列表"));
    // Not even the lenient no-CRL policy turns a stale CRL into a warning.
    assert_eq!(
        reject(&rx, &store, CrlPolicy::WarnIfUnavailable).code(),
        "crl_stale"
    );
    // The grace period is the policy's: four days cover three days late.
    let mut v = Verifier::new(&fx().trust, &store);
    v.policy = v.policy.clone().with_crl_grace_hours(96);
    let ok = v.verify_prescription(&rx, now).unwrap();
    assert!(matches!(ok.warnings(), [VerifyWarning::StaleCrl { .. }]));
}

#[test]
fn a_crl_without_next_update_proves_nothing_after_the_grace_period() {
    let now = fx().now;
    let rx = signed_by(&fx().pki.valid, signed_at());
    let crl = fx()
        .pki
        .root
        .issue_crl(now - Duration::days(5), None, &[], 3)
        .unwrap();
    assert_eq!(
        reject(&rx, &crl_store(&[crl]), CrlPolicy::Require).code(),
        "crl_stale"
    );
}

#[test]
fn revoked_signer_with_only_a_crl_older_than_the_revocation_does_not_pass() {
    // 0x1002 was revoked two days ago; the only CRL at hand was issued ten
    // days ago (before the revocation) and promised an update three days ago.
    let now = fx().now;
    let rx = signed_by(&fx().pki.revoked, signed_at());
    let old = crl_store(&[root_crl(now - Duration::days(10), now - Duration::days(3))]);
    assert_eq!(reject(&rx, &old, CrlPolicy::Require).code(), "crl_stale");
    // With the current CRL the revocation itself is the reason.
    let both = crl_store(&[
        root_crl(now - Duration::days(10), now - Duration::days(3)),
        fx().pki.crl.clone(),
    ]);
    assert_eq!(reject(&rx, &both, CrlPolicy::Require).code(), "revoked");
}

// ---- RFC 5280 path validation ----

use rxdesk_gm::issue::{CertSpec, Issuer, RawExtension, Revocation};
use rxdesk_gm::PrivateKey;

fn ca_under(parent: &Issuer, cn: &str, serial: u8, path_len: Option<u8>) -> Issuer {
    let now = fx().now;
    let mut spec = CertSpec::ca(
        &format!("CN={cn},O=RxDesk DEMO,C=CN"),
        &[serial],
        now - Duration::days(300),
        now + Duration::days(3000),
    );
    spec.path_len = path_len;
    parent
        .issue_intermediate(&spec, PrivateKey::generate().unwrap())
        .unwrap()
}

fn leaf_under(ca: &Issuer, serial: &[u8], tweak: impl FnOnce(&mut CertSpec)) -> SignerIdentity {
    let now = fx().now;
    let mut spec = CertSpec::institution(
        CODE,
        NAME,
        serial,
        now - Duration::days(200),
        now + Duration::days(700),
        None,
    );
    tweak(&mut spec);
    let key = PrivateKey::generate().unwrap();
    let cert = ca.issue(&spec, &key.public_key()).unwrap();
    SignerIdentity { cert, key }
}

fn fresh_crl(ca: &Issuer, revoked: &[Revocation]) -> rxdesk_gm::crl::Crl {
    let now = fx().now;
    ca.issue_crl(
        now - Duration::hours(1),
        Some(now + Duration::days(7)),
        revoked,
        1,
    )
    .unwrap()
}

fn verify_with(
    trust: &TrustStore,
    crls: &CrlStore,
    rx: &DownloadedPrescription,
) -> Result<(), RejectReason> {
    Verifier::new(trust, crls)
        .verify_prescription(rx, fx().now)
        .map(|_| ())
        .map_err(|r| r.reason)
}

fn trust_with(intermediates: &[&Issuer]) -> TrustStore {
    let mut t = fx().trust.clone();
    for i in intermediates {
        assert!(t.add(i.cert.clone()));
    }
    t
}

#[test]
fn a_leaf_under_a_revoked_intermediate_is_rejected() {
    let root = &fx().pki.root;
    let sub = ca_under(root, "DEMO Sub CA", 0x21, None);
    let leaf = leaf_under(&sub, &[0x30, 0x01], |_| {});
    let rx = signed_by(&leaf, signed_at());
    let trust = trust_with(&[&sub]);
    // The intermediate's own CRL is fresh and empty; the root's CRL revokes
    // the intermediate.
    let good = crl_store(&[fresh_crl(&sub, &[]), fresh_crl(root, &[])]);
    assert_eq!(verify_with(&trust, &good, &rx), Ok(()));
    let revoked = crl_store(&[
        fresh_crl(&sub, &[]),
        fresh_crl(
            root,
            &[Revocation {
                serial: vec![0x21],
                date: fx().now - Duration::days(1),
                reason: x509_cert::ext::pkix::CrlReason::CaCompromise,
            }],
        ),
    ]);
    match verify_with(&trust, &revoked, &rx) {
        Err(r @ RejectReason::CaRevoked { .. }) => {
            assert_eq!(r.code(), "ca_revoked");
            assert!(r.message_zh().contains("中级 CA"));
        }
        other => panic!("{other:?}"),
    }
    // Without the root's CRL the intermediate's status is unknown: blocked.
    let no_root_crl = crl_store(&[fresh_crl(&sub, &[])]);
    assert_eq!(
        verify_with(&trust, &no_root_crl, &rx).map_err(|r| r.code()),
        Err("crl_unavailable")
    );
}

#[test]
fn an_intermediates_path_len_constraint_is_enforced() {
    let root = &fx().pki.root;
    let build = |path_len: Option<u8>| {
        let upper = ca_under(root, "DEMO Policy CA", 0x22, path_len);
        let lower = ca_under(&upper, "DEMO Issuing CA", 0x23, None);
        let leaf = leaf_under(&lower, &[0x30, 0x02], |_| {});
        let trust = trust_with(&[&upper, &lower]);
        let crls = crl_store(&[
            fresh_crl(root, &[]),
            fresh_crl(&upper, &[]),
            fresh_crl(&lower, &[]),
        ]);
        (trust, crls, signed_by(&leaf, signed_at()))
    };
    // pathLen 0 on the upper CA: no CA may follow it, but one does.
    let (trust, crls, rx) = build(Some(0));
    match verify_with(&trust, &crls, &rx) {
        Err(RejectReason::PathLenExceeded {
            subject,
            path_len,
            below,
        }) => {
            assert!(subject.contains("DEMO Policy CA"));
            assert_eq!((path_len, below), (0, 1));
        }
        other => panic!("{other:?}"),
    }
    // pathLen 1 (or none) allows the one intermediate below.
    let (trust, crls, rx) = build(Some(1));
    assert_eq!(verify_with(&trust, &crls, &rx), Ok(()));
    let (trust, crls, rx) = build(None);
    assert_eq!(verify_with(&trust, &crls, &rx), Ok(()));
}

fn unknown_critical() -> RawExtension {
    RawExtension {
        oid: "1.2.156.112233.1".into(),
        critical: true,
        value: vec![0x05, 0x00],
    }
}

#[test]
fn a_certificate_with_an_unknown_critical_extension_is_rejected() {
    let root = &fx().pki.root;
    let leaf = leaf_under(root, &[0x30, 0x03], |s| {
        s.extra_extensions.push(unknown_critical())
    });
    let rx = signed_by(&leaf, signed_at());
    match reject(&rx, &crls(), CrlPolicy::Require) {
        r @ RejectReason::UnknownCriticalExtension { .. } => {
            assert_eq!(r.code(), "unknown_critical_extension");
            assert!(r.to_string().contains("1.2.156.112233.1"));
        }
        other => panic!("{other:?}"),
    }
    // The same extension marked non-critical is ignored (RFC 5280 §4.2).
    let leaf = leaf_under(root, &[0x30, 0x04], |s| {
        let mut x = unknown_critical();
        x.critical = false;
        s.extra_extensions.push(x)
    });
    let rx = signed_by(&leaf, signed_at());
    assert!(Verifier::new(&fx().trust, &crls())
        .verify_prescription(&rx, fx().now)
        .is_ok());
    // On an intermediate CA too.
    let mut spec = CertSpec::ca(
        "CN=DEMO Odd CA,O=RxDesk DEMO,C=CN",
        &[0x24],
        fx().now - Duration::days(300),
        fx().now + Duration::days(3000),
    );
    spec.extra_extensions.push(unknown_critical());
    let odd = root
        .issue_intermediate(&spec, PrivateKey::generate().unwrap())
        .unwrap();
    let leaf = leaf_under(&odd, &[0x30, 0x05], |_| {});
    let trust = trust_with(&[&odd]);
    let crls = crl_store(&[fresh_crl(root, &[]), fresh_crl(&odd, &[])]);
    assert!(matches!(
        verify_with(&trust, &crls, &signed_by(&leaf, signed_at())),
        Err(RejectReason::UnknownCriticalExtension { ref subject, .. }) if subject.contains("DEMO Odd CA")
    ));
}

#[test]
fn a_crl_from_an_issuer_without_crl_sign_does_not_count() {
    let now = fx().now;
    let mut spec = CertSpec::ca(
        "CN=DEMO CA without cRLSign,O=RxDesk DEMO,C=CN",
        &[0x01],
        now - Duration::days(300),
        now + Duration::days(3000),
    );
    spec.key_usage.crl_sign = false;
    let ca = Issuer::new_root(&spec, PrivateKey::generate().unwrap()).unwrap();
    let mut trust = TrustStore::new();
    trust.add_root(ca.cert.clone()).unwrap();
    let leaf = leaf_under(&ca, &[0x30, 0x06], |_| {});
    let rx = signed_by(&leaf, signed_at());
    let crls = crl_store(&[fresh_crl(&ca, &[])]);
    match verify_with(&trust, &crls, &rx) {
        Err(RejectReason::CrlUnavailable { detail }) => {
            assert!(detail.contains("cRLSign"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_crl_with_an_unknown_critical_extension_does_not_count() {
    let now = fx().now;
    let rx = signed_by(&fx().pki.valid, signed_at());
    // issuingDistributionPoint (critical, empty SEQUENCE): a partitioned CRL
    // whose scope RxDesk does not evaluate.
    let idp = RawExtension {
        oid: "2.5.29.28".into(),
        critical: true,
        value: vec![0x30, 0x00],
    };
    let crl = fx()
        .pki
        .root
        .issue_crl_with(
            now - Duration::hours(1),
            Some(now + Duration::days(7)),
            &[],
            2,
            &[idp],
            &[],
        )
        .unwrap();
    match reject(&rx, &crl_store(&[crl]), CrlPolicy::Require) {
        RejectReason::CrlUnavailable { detail } => {
            assert!(detail.contains("2.5.29.28"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    // An unknown critical entry extension (certificateIssuer: an indirect CRL).
    let crl = fx()
        .pki
        .root
        .issue_crl_with(
            now - Duration::hours(1),
            Some(now + Duration::days(7)),
            &[Revocation {
                serial: vec![0x10, 0x02],
                date: now - Duration::days(2),
                reason: x509_cert::ext::pkix::CrlReason::KeyCompromise,
            }],
            2,
            &[],
            &[RawExtension {
                oid: "2.5.29.29".into(),
                critical: true,
                value: vec![0x30, 0x00],
            }],
        )
        .unwrap();
    match reject(&rx, &crl_store(&[crl]), CrlPolicy::Require) {
        RejectReason::CrlUnavailable { detail } => {
            assert!(detail.contains("2.5.29.29"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
}

// ---- Institution ----

#[test]
fn an_institution_code_missing_on_both_sides_fails() {
    let now = fx().now;
    let root = &fx().pki.root;
    let key = PrivateKey::generate().unwrap();
    let mut spec = CertSpec::institution(
        CODE,
        NAME,
        &[0x30, 0x07],
        now - Duration::days(10),
        now + Duration::days(700),
        None,
    );
    spec.subject = "CN=无机构编码医院,O=无机构编码医院,C=CN".into();
    let signer = SignerIdentity {
        cert: root.issue(&spec, &key.public_key()).unwrap(),
        key,
    };
    let mut rx = DownloadedPrescription::demo("11000000000000000011", "", NAME, signed_at());
    sign_prescription(&mut rx, &pdf::simple_pdf(&["x"]), &signer, signed_at()).unwrap();
    match reject(&rx, &crls(), CrlPolicy::Require) {
        r @ RejectReason::WrongInstitution { .. } => {
            assert_eq!(r.code(), "wrong_institution");
            assert!(
                r.message_zh().contains("没有开方机构编码"),
                "{}",
                r.message_zh()
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_institution_code_without_the_national_format_fails() {
    let now = fx().now;
    let signer = leaf_under(&fx().pki.root, &[0x30, 0x08], |s| {
        s.subject = rxdesk_gm::issue::institution_subject("HOSPITAL-1", NAME)
    });
    assert!(signer.cert.not_before() < now);
    let mut rx =
        DownloadedPrescription::demo("11000000000000000012", "HOSPITAL-1", NAME, signed_at());
    sign_prescription(&mut rx, &pdf::simple_pdf(&["x"]), &signer, signed_at()).unwrap();
    match reject(&rx, &crls(), CrlPolicy::Require) {
        r @ RejectReason::BadInstitutionCode { .. } => {
            assert_eq!(r.code(), "bad_institution_code");
            assert!(r.message_zh().contains("HOSPITAL-1"));
        }
        other => panic!("{other:?}"),
    }
}

// ---- Cached signature checks ----

#[test]
fn verified_links_and_crl_signatures_are_cached_but_time_is_evaluated_per_call() {
    let now = fx().now;
    let mut trust = fx().trust.clone();
    // A fresh store: nothing remembered yet.
    trust.add_root(fx().pki.root.cert.clone()).unwrap();
    assert_eq!(trust.cached_links(), 0);
    let store = crl_store(&[root_crl(now - Duration::hours(1), now + Duration::days(7))]);
    let rx = signed_by(&fx().pki.valid, signed_at());
    let v = Verifier::new(&trust, &store);
    v.verify_prescription(&rx, now).unwrap();
    assert_eq!(trust.cached_links(), 1);
    assert_eq!(store.cached_signatures(), 1);
    v.verify_prescription(&rx, now).unwrap();
    assert_eq!((trust.cached_links(), store.cached_signatures()), (1, 1));
    // Validity and freshness are evaluated at each call's time.
    assert!(matches!(
        v.verify_prescription(&rx, now + Duration::days(800)),
        Err(rxdesk_gm::verify::Rejection {
            reason: RejectReason::Expired { .. },
            ..
        })
    ));
    assert!(matches!(
        v.verify_prescription(&rx, now + Duration::days(9)),
        Err(rxdesk_gm::verify::Rejection {
            reason: RejectReason::CrlStale { .. },
            ..
        })
    ));
    // A newer CRL revoking the signer: the CRL store forgets, the revocation counts.
    store.add(
        fx().pki
            .root
            .issue_crl(
                now - Duration::minutes(5),
                Some(now + Duration::days(7)),
                &[Revocation {
                    serial: vec![0x10, 0x01],
                    date: now - Duration::minutes(10),
                    reason: x509_cert::ext::pkix::CrlReason::KeyCompromise,
                }],
                8,
            )
            .unwrap(),
    );
    assert_eq!(store.cached_signatures(), 0);
    assert!(matches!(
        v.verify_prescription(&rx, now),
        Err(rxdesk_gm::verify::Rejection {
            reason: RejectReason::Revoked { .. },
            ..
        })
    ));
    // Changing the trust store forgets every link.
    drop(v);
    trust.add_root(fx().pki.other_root.cert.clone()).unwrap();
    assert_eq!(trust.cached_links(), 0);
}

#[test]
fn every_reject_code_is_listed_once() {
    let mut seen = std::collections::HashSet::new();
    for c in RejectReason::CODES {
        assert!(seen.insert(c), "{c}");
        assert!(c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'));
    }
}
