//! Signed-PDF /ByteRange parsing and verification must never panic; and a
//! PDF verified as Base64 runs (`b64::decode_runs` + `pdf::verify_pdf_runs`,
//! decision 0026) must give exactly what the written-out PDF gives
//! (`b64::decode` + `pdf::verify_pdf_with`).
#![no_main]
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use rxdesk_gm::b64;
use rxdesk_gm::pdf::{self, PdfError, PdfSignature};
use std::sync::OnceLock;

/// A PDF signed by a demo institution: the fuzz input edits it, so the
/// runs path is compared on PDFs whose signature is (nearly) valid.
fn signed() -> &'static Vec<u8> {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| {
        use chrono::{Duration, TimeZone, Utc};
        use rxdesk_gm::issue::{CertSpec, Issuer};
        use rxdesk_gm::primitives::PrivateKey;
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let ca = Issuer::new_root(
            &CertSpec::ca("CN=DEMO Root,C=CN", &[1], t0, t0 + Duration::days(3650)),
            PrivateKey::generate().unwrap(),
        )
        .unwrap();
        let key = PrivateKey::generate().unwrap();
        let spec = CertSpec::institution(
            "H11010100001",
            "Fuzz",
            &[0x21],
            t0,
            t0 + Duration::days(900),
            None,
        );
        let cert = ca.issue(&spec, &key.public_key()).unwrap();
        pdf::sign_pdf(&pdf::simple_pdf(&["fuzz"]), &cert, &key, t0).unwrap()
    })
}

type Outcome = Result<([usize; 4], Vec<u8>, Vec<u8>), PdfError>;

fn outcome(r: Result<PdfSignature, PdfError>) -> Outcome {
    r.map(|s| (s.byte_range, s.cms_der, s.cms.signer.to_der().to_vec()))
}

/// Both paths on Base64 `text` agree (both refuse it, or give the same).
fn same_as_runs(text: &[u8]) {
    let written = b64::decode(text);
    let runs = b64::decode_runs(text);
    assert_eq!(runs.as_ref().map(|r| r.to_vec()), written);
    if let (Some(runs), Some(written)) = (runs, written) {
        assert_eq!(
            outcome(pdf::verify_pdf_runs(&runs, &[], rxdesk_gm::DEFAULT_USER_ID)),
            outcome(pdf::verify_pdf(&written, &[])),
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = rxdesk_gm::pdf::find_signatures(data);
    let _ = rxdesk_gm::pdf::verify_pdf(data, &[]);
    // Also behind a valid header, so the structural checks are reached.
    let mut with_header = b"%PDF-1.7\n".to_vec();
    with_header.extend_from_slice(data);
    let _ = rxdesk_gm::pdf::verify_pdf(&with_header, &[]);
    // The runs path: the input as Base64 text, and the PDF with a run of
    // one of its own bytes inserted (so runs border what the input holds).
    same_as_runs(data);
    same_as_runs(STANDARD.encode(&with_header).as_bytes());
    if let Some((&ctl, rest)) = data.split_first() {
        let mut p = b"%PDF-1.7\n".to_vec();
        p.extend_from_slice(rest);
        let at = usize::from(ctl) * p.len() / 256;
        let fill = p.get(at).copied().unwrap_or(b'0');
        let len = 72 + usize::from(ctl % 8) * 40;
        p.splice(at..at, std::iter::repeat_n(fill, len));
        same_as_runs(STANDARD.encode(&p).as_bytes());
    }
    // The signed PDF with the input spliced in: the first two bytes say
    // where (anywhere; most of the file is the signature's `/Contents`),
    // the third how many bytes are replaced (its upper seven bits) and
    // how (odd: a run of the fourth byte, 24 bytes per remaining input
    // byte; even: the remaining input bytes themselves).
    if data.len() >= 4 {
        let mut p = signed().clone();
        let at = usize::from(u16::from_le_bytes([data[0], data[1]])) * p.len() / 65536;
        let cut = (at + usize::from(data[2] >> 1)).min(p.len());
        let rest = &data[4..];
        if data[2] & 1 == 1 {
            let run = 24 * (1 + rest.len());
            p.splice(at..cut, std::iter::repeat_n(data[3], run));
        } else {
            p.splice(at..cut, rest.iter().copied());
        }
        same_as_runs(STANDARD.encode(&p).as_bytes());
    }
});
