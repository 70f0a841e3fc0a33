//! Detached CMS SignedData: our signer, our verifier, and OpenSSL's view.

use chrono::{Duration, TimeZone, Utc};
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
    use rxdesk_gm::asn1::{expect_tlv, read_tlv};
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
