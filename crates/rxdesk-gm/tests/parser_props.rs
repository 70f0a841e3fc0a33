//! Property tests for the parsers that face the outside (run in CI; the
//! cargo-fuzz targets in `fuzz/` explore the same entry points longer).

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use rxdesk_gm::cert::Certificate;
use rxdesk_gm::crl::Crl;
use rxdesk_gm::issue::{CertSpec, Issuer};
use rxdesk_gm::primitives::PrivateKey;
use rxdesk_gm::{cms, pdf};
use std::sync::OnceLock;

struct Material {
    cert_der: Vec<u8>,
    crl_der: Vec<u8>,
    cms_der: Vec<u8>,
    signed_pdf: Vec<u8>,
}

fn material() -> &'static Material {
    static M: OnceLock<Material> = OnceLock::new();
    M.get_or_init(|| {
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let ca = Issuer::new_root(
            &CertSpec::ca("CN=Prop Root,C=CN", &[1], t0, t0 + Duration::days(3650)),
            PrivateKey::generate().unwrap(),
        )
        .unwrap();
        let key = PrivateKey::generate().unwrap();
        let cert = ca
            .issue(
                &CertSpec::institution(
                    "H1",
                    "Prop",
                    &[0x42],
                    t0,
                    t0 + Duration::days(900),
                    Some("http://127.0.0.1/c.crl"),
                ),
                &key.public_key(),
            )
            .unwrap();
        let crl = ca
            .issue_crl(t0, Some(t0 + Duration::days(30)), &[], 1)
            .unwrap();
        Material {
            cert_der: cert.to_der().to_vec(),
            crl_der: crl.to_der().to_vec(),
            cms_der: cms::sign_detached(b"content", &cert, &key).unwrap(),
            signed_pdf: pdf::sign_pdf(&pdf::simple_pdf(&["prop"]), &cert, &key, t0).unwrap(),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Certificate::from_der(&data);
        let _ = Certificate::load_all(&data);
        let _ = Crl::from_bytes(&data);
        let _ = cms::verify_detached(&data, b"x", &[]);
        let _ = cms::decode_der_or_base64(&data);
        let mut p = b"%PDF-1.4\n/ByteRange [0 10 20 5] /Contents <".to_vec();
        p.extend_from_slice(&data);
        let _ = pdf::verify_pdf(&p, &[]);
        let _ = pdf::find_signatures(&data);
    }

    #[test]
    fn mutated_certificates_and_crls_never_panic(i in any::<prop::sample::Index>(), b in any::<u8>()) {
        let m = material();
        let mut c = m.cert_der.clone();
        let k = i.index(c.len());
        c[k] = b;
        if let Ok(cert) = Certificate::from_der(&c) {
            let _ = (cert.subject_dn(), cert.serial_hex(), cert.key_usage(), cert.crl_distribution_points(), cert.institution_code());
        }
        let mut l = m.crl_der.clone();
        let k = i.index(l.len());
        l[k] = b;
        if let Ok(crl) = Crl::from_der(&l) {
            let _ = (crl.revoked(), crl.next_update(), crl.issuer_dn());
        }
    }

    #[test]
    fn mutated_cms_is_never_accepted_for_other_signed_attributes(i in any::<prop::sample::Index>(), x in 1u8..=255) {
        let m = material();
        let mut d = m.cms_der.clone();
        let k = i.index(d.len());
        d[k] ^= x;
        // No panic; and the bytes that are signed (attributes) or the
        // signature itself cannot change without a rejection.
        let res = cms::verify_detached(&d, b"content", &[]);
        let tail = d.len() - 120; // signed attributes + signature live at the end
        if k >= tail {
            prop_assert!(res.is_err(), "mutation at {k} of {} accepted", d.len());
        }
    }

    #[test]
    fn any_change_to_signed_pdf_bytes_is_rejected(i in any::<prop::sample::Index>(), x in 1u8..=255) {
        let m = material();
        let v = pdf::verify_pdf(&m.signed_pdf, &[]).unwrap();
        let [_, a, b, _] = v.byte_range;
        let mut p = m.signed_pdf.clone();
        let k = i.index(p.len());
        p[k] ^= x;
        let res = pdf::verify_pdf(&p, &[]);
        if k < a || k >= b {
            prop_assert!(res.is_err(), "change at {k} accepted");
        }
    }
}
