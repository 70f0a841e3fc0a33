//! The CMS fast path (a SignerInfo of the usual shape read in place) must
//! give the verdict of the `der`/`cms` decoder on every input: a valid
//! SignedData (both OID profiles, signed here once) with the fuzzer's
//! edits applied (each 4 bytes: what, where, where, byte: replace, remove
//! or insert), compared between `verify_detached_parts` and
//! `verify_detached_parts_decoded`.
#![no_main]
use chrono::{Duration, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use rxdesk_gm::cms::{self, CmsProfile, SignOptions};
use rxdesk_gm::issue::{CertSpec, Issuer};
use rxdesk_gm::PrivateKey;
use std::sync::OnceLock;

const CONTENT: &[u8] = b"eyJoaVJ4bm8iOiIxMSJ9";

fn seeds() -> &'static [Vec<u8>; 2] {
    static SEEDS: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let ca = Issuer::new_root(
            &CertSpec::ca("CN=DEMO Root,O=RxDesk DEMO,C=CN", &[1], t0, t0 + Duration::days(3650)),
            PrivateKey::generate().unwrap(),
        )
        .unwrap();
        let key = PrivateKey::generate().unwrap();
        let leaf = ca
            .issue(
                &CertSpec::institution("H11010100001", "示例医院", &[0x20, 0x01], t0, t0 + Duration::days(900), None),
                &key.public_key(),
            )
            .unwrap();
        let sign = |profile| {
            let opts = SignOptions { profile, signing_time: Some(t0 + Duration::days(30)), ..Default::default() };
            cms::sign_detached_with(CONTENT, &leaf, &key, &opts).unwrap()
        };
        [sign(CmsProfile::Gbt35275), sign(CmsProfile::Pkcs7)]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, edits)) = data.split_first() else { return };
    let mut m = seeds()[usize::from(which & 1)].clone();
    for e in edits.chunks_exact(4) {
        if m.is_empty() {
            break;
        }
        // Edits mostly near the end, where the SignerInfo is.
        let back = usize::from(u16::from_be_bytes([e[1], e[2]])) % m.len();
        let at = m.len() - 1 - back;
        match e[0] % 3 {
            0 => m[at] = e[3],
            1 => {
                m.remove(at);
            }
            _ => m.insert(at, e[3]),
        }
    }
    let fast = cms::verify_detached_parts(&m, &[CONTENT], &[], rxdesk_gm::DEFAULT_USER_ID)
        .map(|v| (v.signer, v.signing_time, v.certificates, v.gm_oids));
    let decoded = cms::verify_detached_parts_decoded(&m, &[CONTENT], &[], rxdesk_gm::DEFAULT_USER_ID)
        .map(|v| (v.signer, v.signing_time, v.certificates, v.gm_oids));
    assert_eq!(fast, decoded);
});
