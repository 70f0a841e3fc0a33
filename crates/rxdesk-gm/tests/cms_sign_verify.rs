//! Detached CMS SignedData: our signer, our verifier, and OpenSSL's view.

use chrono::{Duration, TimeZone, Utc};
use rxdesk_gm::asn1::read_tlv;
use rxdesk_gm::cert::Certificate;
use rxdesk_gm::cms::{self, CmsError, CmsProfile, SignOptions};
use rxdesk_gm::issue::{CertSpec, Issuer};
use rxdesk_gm::primitives::PrivateKey;

fn setup() -> (Issuer, Certificate, PrivateKey) {
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
    let leaf = ca
        .issue(
            &CertSpec::institution(
                "H11010100001",
                "示例医院",
                &[0x20, 0x01],
                t0,
                t0 + Duration::days(900),
                None,
            ),
            &key.public_key(),
        )
        .unwrap();
    (ca, leaf, key)
}

#[test]
fn sign_then_verify_both_profiles() {
    let (_ca, leaf, key) = setup();
    let content = b"eyJoaVJ4bm8iOiIxMSJ9"; // an originalValue
    for profile in [CmsProfile::Gbt35275, CmsProfile::Pkcs7] {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap();
        let opts = SignOptions {
            profile,
            signing_time: Some(at),
            ..Default::default()
        };
        let der = cms::sign_detached_with(content, &leaf, &key, &opts).unwrap();
        let v = cms::verify_detached(&der, content, &[]).unwrap();
        assert_eq!(v.signer, leaf);
        assert_eq!(v.signing_time, Some(at));
        assert_eq!(v.gm_oids, profile == CmsProfile::Gbt35275);
        assert_eq!(v.certificates, vec![leaf.clone()]);
        // Different content.
        assert_eq!(
            cms::verify_detached(&der, b"eyJoaVJ4bm8iOiIxMiJ9", &[]).unwrap_err(),
            CmsError::ContentMismatch
        );
        // Another user id.
        assert_eq!(
            cms::verify_detached_with(&der, content, &[], "other").unwrap_err(),
            CmsError::BadSignature
        );
        // Base64 text input.
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        assert_eq!(cms::decode_der_or_base64(b64.as_bytes()).unwrap(), der);
    }
}

#[test]
fn signer_certificate_must_be_found() {
    let (_ca, leaf, key) = setup();
    let opts = SignOptions {
        include_certificate: false,
        ..Default::default()
    };
    let der = cms::sign_detached_with(b"x", &leaf, &key, &opts).unwrap();
    assert_eq!(
        cms::verify_detached(&der, b"x", &[]).unwrap_err(),
        CmsError::SignerCertificateNotFound
    );
    assert!(cms::verify_detached(&der, b"x", std::slice::from_ref(&leaf)).is_ok());
}

#[test]
fn a_flipped_signature_byte_is_rejected() {
    let (_ca, leaf, key) = setup();
    let der = cms::sign_detached(b"payload", &leaf, &key).unwrap();
    // The signature OCTET STRING is near the end: flip bytes there one at a time.
    let mut rejected = 0;
    for back in 3..20 {
        let mut d = der.clone();
        let i = d.len() - back;
        d[i] ^= 0x01;
        match cms::verify_detached(&d, b"payload", &[]) {
            Err(CmsError::BadSignature) | Err(CmsError::Malformed(_)) => rejected += 1,
            other => panic!("flip at -{back} accepted: {other:?}"),
        }
    }
    assert_eq!(rejected, 17);
    // Key/cert mismatch refused at signing.
    let other = PrivateKey::generate().unwrap();
    assert!(matches!(
        cms::sign_detached(b"p", &leaf, &other),
        Err(CmsError::Malformed(_))
    ));
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    for g in [
        &b""[..],
        b"\x30",
        b"\x30\x03\x06\x01\x00",
        b"hello",
        &[0x30, 0x80, 0, 0],
    ] {
        assert!(
            matches!(
                cms::verify_detached(g, b"x", &[]),
                Err(CmsError::Malformed(_))
            ),
            "{g:?}"
        );
    }
}

/// OpenSSL 3.0's CMS code hashes SM2 with an empty user id (it never sets
/// the GB/T 35275 default), so it can check our structure only when we sign
/// with `""`; with the default id it must fail, which pins the difference.
#[test]
fn openssl_cms_verifies_our_structure() {
    let (_ca, leaf, key) = setup();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("data"), b"hello").unwrap();
    let empty = SignOptions {
        profile: CmsProfile::Pkcs7,
        user_id: String::new(),
        ..Default::default()
    };
    std::fs::write(
        d.join("empty.der"),
        cms::sign_detached_with(b"hello", &leaf, &key, &empty).unwrap(),
    )
    .unwrap();
    let default = SignOptions {
        profile: CmsProfile::Pkcs7,
        ..Default::default()
    };
    std::fs::write(
        d.join("default.der"),
        cms::sign_detached_with(b"hello", &leaf, &key, &default).unwrap(),
    )
    .unwrap();
    let run = |f: &str| {
        std::process::Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                f,
                "-content",
                "data",
                "-noverify",
                "-out",
                "/dev/null",
            ])
            .current_dir(d)
            .output()
            .expect("openssl CLI")
            .status
            .success()
    };
    assert!(run("empty.der"), "OpenSSL rejected our CMS structure");
    assert!(!run("default.der"));
    // And we verify the empty-id one only when told to use that id.
    let der = std::fs::read(d.join("empty.der")).unwrap();
    assert!(cms::verify_detached_with(&der, b"hello", &[], "").is_ok());
    assert_eq!(
        cms::verify_detached(&der, b"hello", &[]).unwrap_err(),
        CmsError::BadSignature
    );
}

/// DER TLV with a definite length (test helper).
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = value.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(value);
    out
}

/// Rebuild ContentInfo with the SignedData's elements passed through `edit`.
fn edit_signed_data(der: &[u8], edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    use rxdesk_gm::asn1::expect_tlv;
    let (ci, _) = expect_tlv(der, 0x30).unwrap();
    let (ct, rest) = expect_tlv(ci.value, 0x06).unwrap();
    let (explicit, _) = expect_tlv(rest, 0xA0).unwrap();
    let (sd, _) = expect_tlv(explicit.value, 0x30).unwrap();
    let mut elems = Vec::new();
    let mut r = sd.value;
    while !r.is_empty() {
        let (t, rest) = read_tlv(r).unwrap();
        elems.push(t.full.to_vec());
        r = rest;
    }
    edit(&mut elems);
    let sd = tlv(0x30, &elems.concat());
    tlv(0x30, &[ct.full.to_vec(), tlv(0xA0, &sd)].concat())
}

/// The SignedData is walked over its received bytes and each part decoded by
/// itself (decision 0006): the structure stays as strict as the whole-
/// structure decode it replaced.
#[test]
fn the_signed_data_structure_is_checked_part_by_part() {
    let (_ca, leaf, key) = setup();
    let content = b"eyJoaVJ4bm8iOiIxMSJ9";
    let der = cms::sign_detached(content, &leaf, &key).unwrap();
    let malformed = |bytes: &[u8]| {
        matches!(
            cms::verify_detached(bytes, content, &[]),
            Err(CmsError::Malformed(_))
        )
    };
    // The rebuild itself changes nothing.
    let same = edit_signed_data(&der, |_| {});
    assert_eq!(same, der);
    cms::verify_detached(&same, content, &[]).unwrap();
    // Trailing bytes after ContentInfo.
    assert!(malformed(&[der.clone(), vec![0]].concat()));
    // An element after signerInfos.
    assert!(malformed(
        &edit_signed_data(&der, |e| e.push(vec![0x05, 0x00]))
    ));
    // signerInfos missing.
    assert!(malformed(&edit_signed_data(&der, |e| {
        e.pop();
    })));
    // version not an INTEGER, digestAlgorithms not a SET OF AlgorithmIdentifier.
    assert!(malformed(
        &edit_signed_data(&der, |e| e[0] = vec![0x04, 0x01, 0x01])
    ));
    assert!(malformed(
        &edit_signed_data(&der, |e| e[1] = tlv(0x31, &[0x05, 0x00]))
    ));
    // encapContentInfo without its eContentType.
    assert!(malformed(&edit_signed_data(&der, |e| e[2] = tlv(0x30, &[]))));
    // A crls [1] element that is no RevocationInfoChoice.
    assert!(malformed(&edit_signed_data(&der, |e| {
        let at = e.len() - 1;
        e.insert(at, tlv(0xA1, &[0x02, 0x01, 0x00]));
    })));
    // A certificate that does not parse.
    assert!(malformed(&edit_signed_data(&der, |e| {
        let at = e.iter().position(|x| x[0] == 0xA0).unwrap();
        e[at] = tlv(0xA0, &tlv(0x30, &[0x02, 0x01, 0x00]));
    })));
}

/// More than one SignerInfo: the whole SET is still decoded strictly (a
/// second SignerInfo that does not parse is malformed), while the usual
/// single SignerInfo is decoded once (decision 0006, follow-up).
#[test]
fn every_signer_info_is_decoded_strictly() {
    let (_ca, leaf, key) = setup();
    let content = b"eyJoaVJ4bm8iOiIxMSJ9";
    let der = cms::sign_detached(content, &leaf, &key).unwrap();
    let junk_second = edit_signed_data(&der, |e| {
        let last = e.len() - 1;
        let (set, _) = read_tlv(&e[last]).unwrap();
        let mut inner = set.value.to_vec();
        inner.extend(tlv(0x30, &[0x02, 0x01, 0x01, 0x30, 0x00]));
        e[last] = tlv(0x31, &inner);
    });
    assert!(matches!(
        cms::verify_detached(&junk_second, content, &[]),
        Err(CmsError::Malformed(_))
    ));
    // An empty SET of SignerInfos has no signer.
    let none = edit_signed_data(&der, |e| {
        let last = e.len() - 1;
        e[last] = tlv(0x31, &[]);
    });
    assert!(matches!(
        cms::verify_detached(&none, content, &[]),
        Err(CmsError::Malformed(_))
    ));
}

/// The signer is found by issuer Name and serial: a certificate with the
/// same serial (and key) from another CA is not the signer.
#[test]
fn the_signer_is_matched_by_issuer_and_serial() {
    let (_ca, leaf, key) = setup();
    let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let other_ca = Issuer::new_root(
        &CertSpec::ca(
            "CN=DEMO Other Root,O=RxDesk DEMO,C=CN",
            &[2],
            t0,
            t0 + Duration::days(3650),
        ),
        PrivateKey::generate().unwrap(),
    )
    .unwrap();
    let twin = other_ca
        .issue(
            &CertSpec::institution(
                "H11010100001",
                "示例医院",
                &[0x20, 0x01],
                t0,
                t0 + Duration::days(900),
                None,
            ),
            &key.public_key(),
        )
        .unwrap();
    assert_eq!(twin.serial(), leaf.serial());
    let content = b"eyJoaVJ4bm8iOiIxMSJ9";
    let opts = SignOptions {
        include_certificate: false,
        ..SignOptions::default()
    };
    let der = cms::sign_detached_with(content, &leaf, &key, &opts).unwrap();
    assert_eq!(
        cms::verify_detached(&der, content, std::slice::from_ref(&twin)).unwrap_err(),
        CmsError::SignerCertificateNotFound
    );
    let ok = cms::verify_detached(&der, content, &[twin, leaf.clone()]).unwrap();
    assert_eq!(ok.signer, leaf);
}

/// Content given in parts (a signed PDF's two byte ranges) verifies exactly
/// when its concatenation does, wherever it is split.
#[test]
fn content_in_parts_is_the_same_content() {
    let (_ca, leaf, key) = setup();
    let content = b"%PDF-1.7 first range ... <hex gap> ... second range %%EOF";
    for signed_attrs in [true, false] {
        let der = if signed_attrs {
            cms::sign_detached(content, &leaf, &key).unwrap()
        } else {
            // Without signed attributes the signature covers the content itself.
            let sig = key.sign(content, rxdesk_gm::DEFAULT_USER_ID).unwrap();
            strip_signed_attrs(
                &cms::sign_detached(content, &leaf, &key).unwrap(),
                &sig.to_der(),
            )
        };
        for at in [0, 1, 10, content.len() - 1, content.len()] {
            let (a, b) = content.split_at(at);
            cms::verify_detached_parts(&der, &[a, b], &[], rxdesk_gm::DEFAULT_USER_ID)
                .unwrap_or_else(|e| panic!("split at {at}, signed attrs {signed_attrs}: {e}"));
            let mut changed = b.to_vec();
            if let Some(x) = changed.last_mut() {
                *x ^= 1;
            }
            let mut a2 = a.to_vec();
            if changed.is_empty() {
                a2[0] ^= 1;
            }
            assert!(
                cms::verify_detached_parts(&der, &[&a2, &changed], &[], rxdesk_gm::DEFAULT_USER_ID)
                    .is_err(),
                "a changed part verifies (split at {at})"
            );
        }
        // Parts that are only a prefix of the signed content do not verify.
        assert!(cms::verify_detached_parts(
            &der,
            &[&content[..5]],
            &[],
            rxdesk_gm::DEFAULT_USER_ID
        )
        .is_err());
    }
}

/// The same SignedData with its SignerInfo's signed attributes removed and
/// `sig` as its signature value (a signature over the content itself).
fn strip_signed_attrs(der: &[u8], sig: &[u8]) -> Vec<u8> {
    edit_signed_data(der, |e| {
        let last = e.len() - 1;
        let (set, _) = read_tlv(&e[last]).unwrap();
        let (si, _) = read_tlv(set.value).unwrap();
        let mut parts = Vec::new();
        let mut r = si.value;
        while !r.is_empty() {
            let (t, rest) = read_tlv(r).unwrap();
            parts.push(t);
            r = rest;
        }
        // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature
        let rebuilt: Vec<u8> = parts
            .iter()
            .filter(|t| t.tag != 0xA0)
            .map(|t| {
                if t.tag == 0x04 {
                    tlv(0x04, sig)
                } else {
                    t.full.to_vec()
                }
            })
            .collect::<Vec<_>>()
            .concat();
        e[last] = tlv(0x31, &tlv(0x30, &rebuilt));
    })
}
