//! A signed PDF verified as Base64 runs (`b64::decode_runs` +
//! `pdf::verify_pdf_runs`, decision 0026) gives exactly what the written-out
//! PDF gives (`b64::decode` + `pdf::verify_pdf_with`): the same verdict, the
//! same error, the same byte ranges, CMS and signer, on the signed PDF and on
//! damaged copies of it (bytes changed, removed, inserted, spans replaced by
//! runs of any byte, the Base64 text itself bent). The cargo-fuzz target
//! `pdf_signature` compares the two paths on arbitrary inputs.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use rxdesk_gm::b64;
use rxdesk_gm::cert::Certificate;
use rxdesk_gm::issue::{CertSpec, Issuer};
use rxdesk_gm::pdf::{self, PdfError, PdfSignature};
use rxdesk_gm::primitives::PrivateKey;
use std::sync::OnceLock;

fn signed_pdf() -> &'static Vec<u8> {
    static P: OnceLock<Vec<u8>> = OnceLock::new();
    P.get_or_init(|| {
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let ca = Issuer::new_root(
            &CertSpec::ca("CN=Runs Root,C=CN", &[1], t0, t0 + Duration::days(3650)),
            PrivateKey::generate().unwrap(),
        )
        .unwrap();
        let key = PrivateKey::generate().unwrap();
        let cert = ca
            .issue(
                &CertSpec::institution(
                    "H11010100001",
                    "Runs",
                    &[0x42],
                    t0,
                    t0 + Duration::days(900),
                    None,
                ),
                &key.public_key(),
            )
            .unwrap();
        pdf::sign_pdf(&pdf::simple_pdf(&["runs"]), &cert, &key, t0).unwrap()
    })
}

/// What a verification returned, comparable.
type Outcome = Result<
    (
        [usize; 4],
        Vec<u8>,
        Certificate,
        Option<chrono::DateTime<Utc>>,
        Vec<Certificate>,
    ),
    PdfError,
>;

fn outcome(r: Result<PdfSignature, PdfError>) -> Outcome {
    r.map(|s| {
        (
            s.byte_range,
            s.cms_der,
            s.cms.signer,
            s.cms.signing_time,
            s.cms.certificates,
        )
    })
}

/// Both paths on Base64 `text`: `None` when it is not Base64 (then for both).
fn both(text: &[u8]) -> (Option<Outcome>, Option<Outcome>) {
    let written =
        b64::decode(text).map(|b| outcome(pdf::verify_pdf_with(&b, &[], "1234567812345678")));
    let runs = b64::decode_runs(text).map(|r| {
        assert_eq!(Some(r.to_vec()), b64::decode(text), "runs written out");
        outcome(pdf::verify_pdf_runs(&r, &[], "1234567812345678"))
    });
    (runs, written)
}

#[test]
fn the_signed_pdf_verifies_as_runs_without_writing_the_placeholder_out() {
    let p = signed_pdf();
    let text = STANDARD.encode(p);
    let runs = b64::decode_runs(text.as_bytes()).unwrap();
    // The placeholder is kept as runs: far fewer literal bytes than the PDF.
    let kept: usize = runs.runs().iter().map(|r| r.len).sum();
    assert!(kept > 12_000, "{kept} bytes kept as runs of {}", p.len());
    let (r, w) = both(text.as_bytes());
    assert!(matches!(r, Some(Ok(_))), "{r:?}");
    assert_eq!(r, w);
}

#[test]
fn appended_bytes_and_trailing_whitespace_runs() {
    let p = signed_pdf();
    for (tail, ok) in [
        (vec![b' '; 500], true),
        (vec![b'\n'; 97], true),
        ([vec![b' '; 300], vec![b'x']].concat(), false),
        (vec![b'0'; 400], false),
        (
            [
                vec![b' '; 47],
                b"/ByteRange [0 1 2 3]".to_vec(),
                vec![b' '; 200],
            ]
            .concat(),
            false,
        ),
    ] {
        let mut q = p.clone();
        q.extend_from_slice(&tail);
        let text = STANDARD.encode(&q);
        let (r, w) = both(text.as_bytes());
        assert_eq!(r, w, "tail of {} bytes", tail.len());
        assert_eq!(matches!(r, Some(Ok(_))), ok, "{r:?}");
    }
}

/// One edit of the signed PDF.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Remove(usize, usize),
    Insert(usize, Vec<u8>),
    /// Replace `len` bytes at the index by a run of the byte.
    Run(usize, usize, u8),
    /// Insert a run of the byte, `len` long.
    InsertRun(usize, usize, u8),
    Truncate(usize),
}

fn run_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => Just(b'0'),
        2 => proptest::sample::select(b" \n\r\t\x0c\x00/<>[]ByteRangeContents123456789aF".to_vec()),
        1 => any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = any::<usize>();
    prop_oneof![
        (at, 1u8..=255).prop_map(|(i, x)| Edit::Flip(i, x)),
        (at, 1usize..40).prop_map(|(i, n)| Edit::Remove(i, n)),
        (at, proptest::collection::vec(run_byte(), 1..40)).prop_map(|(i, v)| Edit::Insert(i, v)),
        (at, 1usize..700, run_byte()).prop_map(|(i, n, b)| Edit::Run(i, n, b)),
        (at, 1usize..700, run_byte()).prop_map(|(i, n, b)| Edit::InsertRun(i, n, b)),
        at.prop_map(Edit::Truncate),
    ]
}

fn apply(p: &mut Vec<u8>, e: &Edit) {
    let n = p.len();
    match e {
        Edit::Flip(i, x) => p[i % n] ^= x,
        Edit::Remove(i, len) => {
            let i = i % n;
            p.drain(i..(i + len).min(n));
        }
        Edit::Insert(i, v) => {
            let i = i % (n + 1);
            p.splice(i..i, v.iter().copied());
        }
        Edit::Run(i, len, b) => {
            let i = i % n;
            let end = (i + len).min(n);
            p[i..end].fill(*b);
        }
        Edit::InsertRun(i, len, b) => {
            let i = i % (n + 1);
            p.splice(i..i, std::iter::repeat_n(*b, *len));
        }
        Edit::Truncate(i) => p.truncate(i % (n + 1)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// One or two edits of the PDF anywhere (half of them inside the
    /// signature dictionary and its `/Contents` string), then, sometimes,
    /// one symbol of the Base64 text bent: both paths agree.
    #[test]
    fn pdf_runs_agree_with_the_written_out_pdf(
        edits in proptest::collection::vec(edit(), 0..3),
        near_sig in any::<bool>(),
        bend in proptest::option::of((any::<usize>(), any::<u8>())),
    ) {
        let mut p = signed_pdf().clone();
        // The signature dictionary starts at the last "/Type /Sig".
        let sig_at = p.windows(10).rposition(|w| w == b"/Type /Sig").unwrap();
        for e in &edits {
            // Shift the index into the signature's part of the file (while
            // an earlier edit left one).
            let len = p.len();
            let near = |i: usize| match len.checked_sub(sig_at) {
                Some(span) if near_sig && span > 0 => sig_at + i % span,
                _ => i,
            };
            let e = match e.clone() {
                Edit::Flip(i, x) => Edit::Flip(near(i), x),
                Edit::Run(i, n, b) => Edit::Run(near(i), n, b),
                Edit::Remove(i, n) => Edit::Remove(near(i), n),
                e => e,
            };
            if !p.is_empty() {
                apply(&mut p, &e);
            }
        }
        let mut text = STANDARD.encode(&p).into_bytes();
        if let (Some((i, b)), false) = (bend, text.is_empty()) {
            let k = i % text.len();
            text[k] = b;
        }
        let (r, w) = both(&text);
        prop_assert_eq!(r, w);
    }
}
