//! The per-key verification tables of decision 0015 change speed, never a
//! verdict: a signer certificate whose key table is built (it verified
//! prescriptions before) is still blocked the moment a CRL revokes it, and a
//! bad signature under a key with a table still fails.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use rxdesk_gm::cert::Certificate;
use rxdesk_gm::download::DownloadedPrescription;
use rxdesk_gm::issue::{sign_prescription, CertSpec, DemoPki, Revocation, SignerIdentity};
use rxdesk_gm::trust::{CrlStore, TrustStore};
use rxdesk_gm::verify::{RejectReason, Verifier};
use rxdesk_gm::{pdf, PrivateKey, DEFAULT_USER_ID};
use x509_cert::ext::pkix::CrlReason;

const CODE: &str = "H11010100001";
const NAME: &str = "北京市示例医院";

fn signed_by(signer: &SignerIdentity, rx_no: &str, at: DateTime<Utc>) -> DownloadedPrescription {
    let mut rx = DownloadedPrescription::demo(rx_no, CODE, NAME, at);
    let pdf = pdf::simple_pdf(&["DEMO prescription"]);
    sign_prescription(&mut rx, &pdf, signer, at).unwrap();
    rx
}

#[test]
fn a_signer_revoked_after_its_key_table_was_built_is_blocked() {
    let now = Utc::now();
    let pki = DemoPki::generate(CODE, NAME, now, None).unwrap();
    let mut trust = TrustStore::new();
    trust.add_root(pki.root.cert.clone()).unwrap();
    // A hospital certificate of its own (the table is kept with the key).
    let key = PrivateKey::generate().unwrap();
    let spec = CertSpec::institution(
        CODE,
        NAME,
        &[0x40, 0x01],
        now - Duration::days(30),
        now + Duration::days(300),
        None,
    );
    let cert = pki.root.issue(&spec, &key.public_key()).unwrap();
    let signer = SignerIdentity { cert, key };
    let crl_at = |n: u32, revoked: &[Revocation]| {
        pki.root
            .issue_crl(
                now - Duration::hours(1) + Duration::minutes(i64::from(n)),
                Some(now + Duration::days(7)),
                revoked,
                n,
            )
            .unwrap()
    };
    let crls = CrlStore::new();
    crls.add(crl_at(10, &[]));
    let verifier = Verifier::new(&trust, &crls);

    // Several prescriptions: the signer's key builds its table.
    let rxs: Vec<_> = (1..=3)
        .map(|i| {
            signed_by(
                &signer,
                &format!("1100000000000000004{i}"),
                now - Duration::hours(2),
            )
        })
        .collect();
    for rx in &rxs {
        verifier.verify_prescription(rx, now).unwrap();
    }
    let shared = Certificate::from_der(signer.cert.to_der()).unwrap();
    assert!(
        shared.public_key().has_cached_table(),
        "the certificate's key has its table after three prescriptions"
    );
    verifier.verify_prescription(&rxs[0], now).unwrap();

    // The CRL changes: the certificate is revoked. Same verifier, same table.
    crls.add(crl_at(
        11,
        &[Revocation {
            serial: vec![0x40, 0x01],
            date: now - Duration::hours(3),
            reason: CrlReason::KeyCompromise,
        }],
    ));
    for rx in &rxs {
        match verifier.verify_prescription(rx, now) {
            Err(r) => assert!(
                matches!(r.reason, RejectReason::Revoked { .. }),
                "{:?}",
                r.reason
            ),
            Ok(_) => panic!("a revoked signer passed with its key table built"),
        }
    }
    assert!(shared.public_key().has_cached_table());

    // A fresh store that only knows the revoking CRL blocks too.
    let fresh = CrlStore::new();
    fresh.add(crl_at(
        12,
        &[Revocation {
            serial: vec![0x40, 0x01],
            date: now - Duration::hours(3),
            reason: CrlReason::KeyCompromise,
        }],
    ));
    let code = Verifier::new(&trust, &fresh)
        .verify_prescription(&rxs[1], now)
        .map_err(|r| r.reason.code());
    assert_eq!(code.map(|_| ()), Err("revoked"));
}

#[test]
fn a_key_with_its_table_still_rejects_bad_signatures() {
    let sk = PrivateKey::generate().unwrap();
    let pk = sk.public_key();
    let msg = b"originalValue".to_vec();
    let sig = sk.sign(&msg, DEFAULT_USER_ID).unwrap();
    for _ in 0..4 {
        pk.verify_cached(&msg, &sig, DEFAULT_USER_ID).unwrap();
    }
    assert!(pk.has_cached_table());
    // Another message, another user id, another key's signature, a changed s.
    assert!(pk
        .verify_cached(b"originalValuf", &sig, DEFAULT_USER_ID)
        .is_err());
    assert!(pk.verify_cached(&msg, &sig, "another id").is_err());
    let other = PrivateKey::generate().unwrap();
    let other_sig = other.sign(&msg, DEFAULT_USER_ID).unwrap();
    assert!(pk.verify_cached(&msg, &other_sig, DEFAULT_USER_ID).is_err());
    let mut raw = sig.to_raw();
    raw[63] ^= 1;
    if let Ok(bent) = rxdesk_gm::Signature::from_raw(&raw) {
        assert!(pk.verify_cached(&msg, &bent, DEFAULT_USER_ID).is_err());
        assert!(pk.verify(&msg, &bent, DEFAULT_USER_ID).is_err());
    }
    // The table's verdicts are the plain verify's.
    for i in 0..8u8 {
        let m = [i; 40];
        let s = sk.sign(&m, DEFAULT_USER_ID).unwrap();
        assert!(pk.verify_cached(&m, &s, DEFAULT_USER_ID).is_ok());
        assert!(pk.verify(&m, &s, DEFAULT_USER_ID).is_ok());
        assert!(pk.verify_cached(&[i ^ 1; 40], &s, DEFAULT_USER_ID).is_err());
    }
}

#[test]
fn a_key_gets_its_table_on_its_third_verification() {
    let sk = PrivateKey::generate().unwrap();
    let pk = sk.public_key();
    let msg = b"three".to_vec();
    let sig = sk.sign(&msg, DEFAULT_USER_ID).unwrap();
    for _ in 0..2 {
        pk.verify_cached(&msg, &sig, DEFAULT_USER_ID).unwrap();
        assert!(!pk.has_cached_table());
    }
    pk.verify_cached(&msg, &sig, DEFAULT_USER_ID).unwrap();
    assert!(pk.has_cached_table());
    // Clones share it (a certificate's key is cloned out of the shared parse).
    assert!(pk.clone().has_cached_table());
    // The plain verify never builds one.
    let other = PrivateKey::generate().unwrap().public_key();
    for _ in 0..5 {
        let _ = other.verify(&msg, &sig, DEFAULT_USER_ID);
    }
    assert!(!other.has_cached_table());
}

/// What to do to a valid `(message, signature, user id)` before checking it.
#[derive(Debug, Clone)]
enum Bend {
    None,
    MessageBit(usize),
    SignatureBit(usize),
    RandomSignature([u8; 32], [u8; 32]),
    OtherUserId,
    OtherKeysSignature,
}

fn bend() -> impl Strategy<Value = Bend> {
    prop_oneof![
        Just(Bend::None),
        any::<usize>().prop_map(Bend::MessageBit),
        (0usize..512).prop_map(Bend::SignatureBit),
        (any::<[u8; 32]>(), any::<[u8; 32]>()).prop_map(|(r, s)| Bend::RandomSignature(r, s)),
        Just(Bend::OtherUserId),
        Just(Bend::OtherKeysSignature),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A tabled verify and an untabled verify give the same verdict on
    /// random valid and invalid signatures (random key, message, bend).
    #[test]
    fn tabled_and_untabled_verify_agree(
        seed in any::<[u8; 32]>(),
        msg in proptest::collection::vec(any::<u8>(), 1..300),
        bends in proptest::collection::vec(bend(), 1..6),
    ) {
        let Ok(sk) = PrivateKey::from_bytes(&seed) else {
            return Ok(()); // 0 or ≥ n: not a key
        };
        let pk = sk.public_key();
        let sig = sk.sign(&msg, DEFAULT_USER_ID).unwrap();
        for _ in 0..3 {
            pk.verify_cached(&msg, &sig, DEFAULT_USER_ID).unwrap();
        }
        prop_assert!(pk.has_cached_table());
        let other = PrivateKey::generate().unwrap();
        for b in bends {
            let (mut m, mut id) = (msg.clone(), DEFAULT_USER_ID);
            let mut s = Some(sig.clone());
            match &b {
                Bend::None => {}
                Bend::MessageBit(i) => {
                    let i = *i % (8 * m.len());
                    m[i / 8] ^= 1 << (i % 8);
                }
                Bend::SignatureBit(i) => {
                    let mut raw = sig.to_raw();
                    raw[*i / 8] ^= 1 << (*i % 8);
                    s = rxdesk_gm::Signature::from_raw(&raw).ok();
                }
                Bend::RandomSignature(r, rs) => {
                    s = rxdesk_gm::Signature::from_raw(&[*r, *rs].concat()).ok();
                }
                Bend::OtherUserId => id = "another id",
                Bend::OtherKeysSignature => s = Some(other.sign(&msg, DEFAULT_USER_ID).unwrap()),
            }
            let Some(s) = s else { continue };
            let plain = pk.verify(&m, &s, id).is_ok();
            let tabled = pk.verify_cached(&m, &s, id).is_ok();
            prop_assert_eq!(plain, tabled, "{:?}", b);
            prop_assert_eq!(plain, matches!(b, Bend::None));
        }
        prop_assert!(pk.has_cached_table());
    }
}
