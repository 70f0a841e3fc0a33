//! Interop with the `openssl` CLI (OpenSSL 3, installed by `scripts/setup-deps`):
//! SM2 signatures in both directions, key formats, SM3/SM4/HMAC-SM3 outputs.

use rxdesk_gm::primitives::*;
use std::path::Path;
use std::process::Command;

const ID: &str = DEFAULT_USER_ID;

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI must be installed (scripts/setup-deps)");
    out
}

fn ok(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = openssl(args, dir);
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn messages() -> Vec<Vec<u8>> {
    (0..6usize)
        .map(|i| (0..(i * 397 + 1)).map(|j| (j * 31 + i) as u8).collect())
        .collect()
}

#[test]
fn openssl_signs_rxdesk_verifies_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&["genpkey", "-algorithm", "SM2", "-out", "k.pem"], d);
    ok(&["pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem"], d);
    let sk = PrivateKey::from_pem(&std::fs::read_to_string(d.join("k.pem")).unwrap()).unwrap();
    let pk = PublicKey::from_pem(&std::fs::read_to_string(d.join("pub.pem")).unwrap()).unwrap();
    assert_eq!(sk.public_key(), pk);
    let distid = format!("distid:{ID}");

    for (i, msg) in messages().iter().enumerate() {
        let m = format!("m{i}.bin");
        std::fs::write(d.join(&m), msg).unwrap();
        // OpenSSL signs (DER), RxDesk verifies.
        let s = format!("o{i}.sig");
        ok(
            &[
                "dgst", "-sm3", "-sign", "k.pem", "-sigopt", &distid, "-out", &s, &m,
            ],
            d,
        );
        let sig = Signature::from_der(&std::fs::read(d.join(&s)).unwrap()).unwrap();
        pk.verify(msg, &sig, ID).unwrap();
        let mut tampered = msg.clone();
        tampered[0] ^= 1;
        assert_eq!(
            pk.verify(&tampered, &sig, ID),
            Err(CryptoError::BadSignature)
        );
        // RxDesk signs, OpenSSL verifies.
        let ours = sk.sign(msg, ID).unwrap();
        let r = format!("r{i}.sig");
        std::fs::write(d.join(&r), ours.to_der()).unwrap();
        let out = ok(
            &[
                "dgst",
                "-sm3",
                "-verify",
                "pub.pem",
                "-sigopt",
                &distid,
                "-signature",
                &r,
                &m,
            ],
            d,
        );
        assert!(String::from_utf8_lossy(&out).contains("Verified OK"));
        // And OpenSSL rejects our signature over another message.
        std::fs::write(d.join("other.bin"), b"other").unwrap();
        let bad = openssl(
            &[
                "dgst",
                "-sm3",
                "-verify",
                "pub.pem",
                "-sigopt",
                &distid,
                "-signature",
                &r,
                "other.bin",
            ],
            d,
        );
        assert!(!bad.status.success());
    }
}

#[test]
fn rxdesk_key_exports_are_read_by_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sk = PrivateKey::generate().unwrap();
    std::fs::write(d.join("ours.pem"), sk.to_pkcs8_pem().unwrap()).unwrap();
    std::fs::write(d.join("ourpub.pem"), sk.public_key().to_pem().unwrap()).unwrap();
    std::fs::write(d.join("msg"), b"prescription 11000000000000000001").unwrap();
    // A custom user id, as docs/reference/wire-protocol.md §3.6 allows (appSecret).
    let uid = "SYNTHETICSECRET0123456789ABCDEF0";
    let distid = format!("distid:{uid}");
    ok(
        &[
            "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-pkeyopt", &distid, "-inkey",
            "ours.pem", "-in", "msg", "-out", "sig",
        ],
        d,
    );
    let sig = Signature::from_der(&std::fs::read(d.join("sig")).unwrap()).unwrap();
    sk.public_key()
        .verify(b"prescription 11000000000000000001", &sig, uid)
        .unwrap();
    assert_eq!(
        sk.public_key()
            .verify(b"prescription 11000000000000000001", &sig, ID),
        Err(CryptoError::BadSignature)
    );
    let ours = sk.sign(b"prescription 11000000000000000001", uid).unwrap();
    std::fs::write(d.join("sig2"), ours.to_der()).unwrap();
    ok(
        &[
            "pkeyutl",
            "-verify",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            &distid,
            "-pubin",
            "-inkey",
            "ourpub.pem",
            "-in",
            "msg",
            "-sigfile",
            "sig2",
        ],
        d,
    );
    // OpenSSL's view of the public key equals ours.
    let text = String::from_utf8(ok(&["pkey", "-in", "ours.pem", "-text", "-noout"], d)).unwrap();
    let hexpub: String = text
        .split("pub:")
        .nth(1)
        .unwrap()
        .split("ASN1 OID")
        .next()
        .unwrap()
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(hexpub, sk.public_key().to_hex());
}

#[test]
fn openssl_signature_without_distid_needs_empty_id() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:SM2",
            "-out",
            "k.pem",
        ],
        d,
    );
    std::fs::write(d.join("m"), b"no distid").unwrap();
    ok(&["dgst", "-sm3", "-sign", "k.pem", "-out", "s", "m"], d);
    let sk = PrivateKey::from_pem(&std::fs::read_to_string(d.join("k.pem")).unwrap()).unwrap();
    let sig = Signature::from_der(&std::fs::read(d.join("s")).unwrap()).unwrap();
    assert_eq!(
        sk.public_key().verify(b"no distid", &sig, ID),
        Err(CryptoError::BadSignature)
    );
    sk.public_key().verify(b"no distid", &sig, "").unwrap();
}

#[test]
fn sm3_sm4_hmac_match_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data: Vec<u8> = (0..(64 * 1024 + 3))
        .map(|i: usize| (i * 7 + 3) as u8)
        .collect();
    std::fs::write(d.join("data"), &data).unwrap();
    let out = String::from_utf8(ok(&["dgst", "-sm3", "-r", "data"], d)).unwrap();
    assert_eq!(
        out.split_whitespace().next().unwrap(),
        hex::encode(sm3(&data))
    );

    let key = hex::decode("00112233445566778899aabbccddeeff").unwrap();
    let iv = hex::decode("0f0e0d0c0b0a09080706050403020100").unwrap();
    ok(
        &[
            "enc",
            "-sm4-cbc",
            "-K",
            &hex::encode(&key),
            "-iv",
            &hex::encode(&iv),
            "-in",
            "data",
            "-out",
            "cbc",
        ],
        d,
    );
    assert_eq!(
        std::fs::read(d.join("cbc")).unwrap(),
        sm4_cbc_encrypt(&key, &iv, &data).unwrap()
    );
    ok(
        &[
            "enc",
            "-sm4-ecb",
            "-K",
            &hex::encode(&key),
            "-in",
            "data",
            "-out",
            "ecb",
        ],
        d,
    );
    let ecb = std::fs::read(d.join("ecb")).unwrap();
    assert_eq!(ecb, sm4_ecb_encrypt(&key, &data).unwrap());
    assert_eq!(sm4_ecb_decrypt(&key, &ecb).unwrap(), data);

    let out = String::from_utf8(ok(
        &["dgst", "-sm3", "-hmac", "search-key", "-r", "data"],
        d,
    ))
    .unwrap();
    assert_eq!(
        out.split_whitespace().next().unwrap(),
        hex::encode(hmac_sm3(b"search-key", &data))
    );
}

/// SM4-CTR against `openssl enc -sm4-ctr` on data of lengths that end
/// mid-block, from a counter about to wrap its low 64 bits.
#[test]
fn sm4_ctr_matches_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = hex::decode("00112233445566778899aabbccddeeff").unwrap();
    let iv = hex::decode("0f0e0d0c0b0a0908fffffffffffffffa").unwrap();
    for len in [1usize, 16, 1000, 64 * 1024 + 3] {
        let data: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
        std::fs::write(d.join("data"), &data).unwrap();
        ok(
            &[
                "enc",
                "-sm4-ctr",
                "-K",
                &hex::encode(&key),
                "-iv",
                &hex::encode(&iv),
                "-in",
                "data",
                "-out",
                "ctr",
            ],
            d,
        );
        let mut ours = data.clone();
        sm4_ctr_apply(&key, &iv, &mut ours).unwrap();
        assert_eq!(std::fs::read(d.join("ctr")).unwrap(), ours, "length {len}");
    }
}
