//! Signed PDF: verify a `/ByteRange` + `/Contents` signature (detached CMS,
//! SM2-with-SM3) and sign a PDF by appending an incremental update.
//!
//! **Verification** finds the signature dictionaries (`/ByteRange [a b c d]`
//! with `/Contents <hex>`), takes the one covering the most of the file,
//! requires the byte ranges to be exactly "everything except the `/Contents`
//! hex string" and to reach the end of the file (so nothing was appended
//! after signing), and verifies the CMS over those bytes with [`crate::cms`].
//!
//! **Signing** ([`sign_pdf`]) appends, after the original bytes (which stay
//! untouched): a signature dictionary (`/Filter /Adobe.PPKLite /SubFilter
//! /adbe.pkcs7.detached`), an invisible signature field, an updated catalog
//! with `/AcroForm` (when the catalog is a plain object), a classic xref
//! section and a trailer with `/Prev`. The `/Contents` placeholder is filled
//! with the GB/T 35275 CMS over the byte ranges.
//!
//! [`simple_pdf`] makes a tiny one-page PDF for demos and tests.

use crate::asn1::read_tlv;
use crate::b64::{Runs, Segment, RUN_PERIOD};
use crate::cert::Certificate;
use crate::cms::{self, CmsError, CmsVerified, SignOptions};
use crate::primitives::PrivateKey;
use chrono::{DateTime, Utc};
use std::borrow::Cow;

/// Hex digits reserved for `/Contents` (8 KiB of DER).
const CONTENTS_HEX_LEN: usize = 16384;

/// Why a signed PDF is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// Not a PDF, or no signature dictionary found.
    #[error("malformed PDF: {0}")]
    Malformed(String),
    /// The PDF has no signature.
    #[error("PDF is not signed")]
    NotSigned,
    /// The byte ranges do not cover the whole file except `/Contents`
    /// (bytes were appended or changed after signing).
    #[error("the signature does not cover the whole PDF")]
    IncompleteCoverage,
    /// The embedded CMS failed.
    #[error(transparent)]
    Cms(#[from] CmsError),
}

fn malformed(s: impl Into<String>) -> PdfError {
    PdfError::Malformed(s.into())
}

/// A PDF signature that verified.
#[derive(Debug, Clone)]
pub struct PdfSignature {
    /// The CMS result (signer certificate, signing time, embedded certificates).
    pub cms: CmsVerified,
    /// The `/ByteRange` values.
    pub byte_range: [usize; 4],
    /// The raw CMS DER from `/Contents` (trailing zero padding removed).
    pub cms_der: Vec<u8>,
}

/// The `/ByteRange` searcher, built once (decision 0032: building it was
/// ≈ 1k instructions of every verification).
fn byte_range_finder() -> &'static memchr::memmem::Finder<'static> {
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    FINDER.get_or_init(|| memchr::memmem::Finder::new(b"/ByteRange"))
}

fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() {
        return Vec::new();
    }
    // A signed PDF is mostly the 16 KiB /Contents hex string: memchr's
    // vectorised search (decision 0006) instead of a byte-by-byte scan.
    memchr::memmem::find_iter(hay, needle).collect()
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| &hay[i..i + needle.len()] == needle)
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0x0c | 0)
}

/// Parse `[ n n n n ]` right after `/ByteRange`.
fn parse_byte_range(pdf: &[u8], at: usize) -> Option<[usize; 4]> {
    parse_byte_range_by(|i| pdf.get(i).copied(), at)
}

/// [`parse_byte_range`] over any byte source (`byte(i)`: the byte at `i`,
/// `None` past the end), so a PDF kept as Base64 runs is read in place
/// (decision 0026).
fn parse_byte_range_by(byte: impl Fn(usize) -> Option<u8>, at: usize) -> Option<[usize; 4]> {
    let mut i = at + b"/ByteRange".len();
    while byte(i).is_some_and(is_ws) {
        i += 1;
    }
    if byte(i) != Some(b'[') {
        return None;
    }
    i += 1;
    let mut out = [0usize; 4];
    for slot in &mut out {
        while byte(i).is_some_and(is_ws) {
            i += 1;
        }
        let start = i;
        // At most 12 digits (checked below): no overflow in a u64.
        let mut n: u64 = 0;
        while let Some(d) = byte(i).filter(u8::is_ascii_digit) {
            if i - start < 12 {
                n = n * 10 + u64::from(d - b'0');
            }
            i += 1;
        }
        if start == i || i - start > 12 {
            return None;
        }
        *slot = usize::try_from(n).ok()?;
    }
    while byte(i).is_some_and(is_ws) {
        i += 1;
    }
    (byte(i) == Some(b']')).then_some(out)
}

/// Is the `<` at `a` the value of a `/Contents` key?
fn preceded_by_contents_key(pdf: &[u8], a: usize) -> bool {
    preceded_by_contents_key_by(|i| pdf.get(i).copied(), a)
}

/// [`preceded_by_contents_key`] over any byte source.
fn preceded_by_contents_key_by(byte: impl Fn(usize) -> Option<u8>, a: usize) -> bool {
    let mut i = a;
    while i > 0 && byte(i - 1).is_some_and(is_ws) {
        i -= 1;
    }
    i >= 9 && (0..9).all(|k| byte(i - 9 + k) == Some(b"/Contents"[k]))
}

/// The signature dictionaries' byte ranges found in `pdf`, in file order.
pub fn find_signatures(pdf: &[u8]) -> Vec<[usize; 4]> {
    find_all(pdf, b"/ByteRange")
        .into_iter()
        .filter_map(|at| parse_byte_range(pdf, at))
        .collect()
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `HEX[b]`: the value of hex digit `b`, or `0xff`.
static HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            c @ b'0'..=b'9' => c - b'0',
            c @ b'a'..=b'f' => c - b'a' + 10,
            c @ b'A'..=b'F' => c - b'A' + 10,
            _ => 0xff,
        };
        b += 1;
    }
    t
};

/// The common case of [`contents_der_general`]: the DER value's hex digits
/// are the first digits of the string with no whitespace among them (what
/// every signer writes). Then it returns exactly the bytes the general loop
/// would, in one tight pass; `None` for anything else
/// (whitespace, a non-hex byte, a header without a definite length, too
/// few digits), which the general loop then handles as before.
/// Decision 0015 (callgrind: the general loop was 4 % of a full
/// prescription verification).
fn contents_der_fast(inner: &[u8]) -> Option<Vec<u8>> {
    let byte = |pair: &[u8]| -> Option<u8> {
        let (hi, lo) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
        (hi < 16 && lo < 16).then_some((hi << 4) | lo)
    };
    let mut head = [0u8; 6];
    for (h, pair) in head.iter_mut().zip(inner.get(..12)?.chunks_exact(2)) {
        *h = byte(pair)?;
    }
    let want = der_length(&head)?;
    let digits = inner.get(..want.checked_mul(2)?)?;
    let mut out = vec![0u8; want];
    // 32 digits at a time by arithmetic on fixed-size arrays, which the
    // compiler turns into vector instructions (decision 0032: the table
    // loop below took ≈ 15 instructions a byte); the rest by the table.
    let mut lanes = [0u8; 16];
    let mut blocks = out.chunks_exact_mut(16);
    let mut pairs = digits.chunks_exact(32);
    for (o, block) in (&mut blocks).zip(&mut pairs) {
        let mut vals = [0u8; 32];
        for (v, &c) in vals.iter_mut().zip(block) {
            *v = hex_digit_value(c);
        }
        let mut bytes = [0u8; 16];
        for k in 0..16 {
            let (hi, lo) = (vals[2 * k], vals[2 * k + 1]);
            lanes[k] |= hi | lo;
            bytes[k] = (hi << 4) | (lo & 15);
        }
        o.copy_from_slice(&bytes);
    }
    let mut bad = lanes.iter().fold(0u8, |a, l| a | l);
    for (o, pair) in blocks
        .into_remainder()
        .iter_mut()
        .zip(pairs.remainder().chunks_exact(2))
    {
        let (hi, lo) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 15);
    }
    // Every digit < 16 keeps the high bits of `bad` clear; 0xff sets them.
    (bad < 16).then_some(out)
}

/// `HEX[c]` without a table (so a block of digits vectorises): the value of
/// hex digit `c`, or `0xff`.
#[inline(always)]
fn hex_digit_value(c: u8) -> u8 {
    let digit = c.wrapping_sub(b'0');
    let letter = (c | 0x20).wrapping_sub(b'a');
    if digit < 10 {
        digit
    } else if letter < 6 {
        letter + 10
    } else {
        0xff
    }
}

/// How many leading digits of a `/Contents` string [`contents_der_fast`]
/// reads, from its first 12 (`None`: it will not answer).
fn contents_fast_need(first12: &[u8]) -> Option<usize> {
    let mut head = [0u8; 6];
    for (h, pair) in head.iter_mut().zip(first12.get(..12)?.chunks_exact(2)) {
        let (hi, lo) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
        if hi > 15 || lo > 15 {
            return None;
        }
        *h = (hi << 4) | lo;
    }
    Some(der_length(&head)?.checked_mul(2)?.max(12))
}

/// Total length (header + value) of the DER element whose first bytes are
/// `head`, when the header is complete and definite.
fn der_length(head: &[u8]) -> Option<usize> {
    let first = *head.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 || head.len() < 2 + n {
        return None;
    }
    let len = head[2..2 + n]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    len.checked_add(2 + n)
}

/// Extract and check one signature's pieces: (the two signed byte ranges,
/// borrowed; CMS DER).
fn extract(pdf: &[u8], br: [usize; 4]) -> Result<([&[u8]; 2], Vec<u8>), PdfError> {
    let [s0, l0, s1, l1] = br;
    let end0 = s0
        .checked_add(l0)
        .ok_or_else(|| malformed("ByteRange overflow"))?;
    let end1 = s1
        .checked_add(l1)
        .ok_or_else(|| malformed("ByteRange overflow"))?;
    if s0 != 0 || end0 >= s1 || end1 > pdf.len() {
        return Err(malformed("ByteRange out of bounds"));
    }
    // The gap must be exactly `<hex>` of a /Contents entry.
    let gap = &pdf[end0..s1];
    if gap.len() < 2 || gap[0] != b'<' || gap[gap.len() - 1] != b'>' {
        return Err(malformed("ByteRange gap is not the /Contents hex string"));
    }
    if !preceded_by_contents_key(pdf, end0) {
        return Err(malformed("ByteRange gap is not preceded by /Contents"));
    }
    let inner = &gap[1..gap.len() - 1];
    let mut padded = match contents_der_fast(inner) {
        Some(der) => der,
        None => contents_der_general(inner)?,
    };
    let der_len = read_tlv(&padded)
        .map_err(|e| malformed(format!("/Contents: {e}")))?
        .0
        .full
        .len();
    padded.truncate(der_len);
    let cms_der = padded;
    Ok(([&pdf[s0..end0], &pdf[s1..end1]], cms_der))
}

/// The bytes of the `/Contents` hex string `inner` as far as the DER value
/// of its first bytes reaches (whitespace skipped).
fn contents_der_general(inner: &[u8]) -> Result<Vec<u8>, PdfError> {
    // Decode the hex digits (whitespace skipped) only as far as the DER value
    // reaches: the rest of the placeholder is zero padding, which is not
    // signed and need not be read (it used to be scanned whole, twice).
    // One pass over the bytes (no iterator adaptor per digit): digits are
    // taken in pairs, whitespace skipped, a pair checked when complete; an
    // unpaired last digit is ignored, as before.
    let mut padded: Vec<u8> = Vec::new();
    let mut want = usize::MAX;
    let mut pending: Option<u8> = None;
    for &b in inner {
        if padded.len() >= want {
            break;
        }
        if is_ws(b) {
            continue;
        }
        let Some(hi) = pending.take() else {
            pending = Some(b);
            continue;
        };
        let (Some(hi), Some(lo)) = (hex_value(hi), hex_value(b)) else {
            return Err(malformed("/Contents is not hex"));
        };
        padded.push(hi << 4 | lo);
        if want == usize::MAX {
            // The DER header is complete once its length bytes are in.
            if let Some(len) = der_length(&padded) {
                want = len;
                padded.reserve(len.saturating_sub(padded.len()).min(inner.len() / 2));
            } else if padded.len() >= 6 {
                // Not a definite DER length: let read_tlv report it.
                want = padded.len();
            }
        }
    }
    Ok(padded)
}

/// Verify the PDF's signature (the one covering the most bytes) with the
/// default SM2 user id. Certificates in `extra_certs` may supply the signer.
pub fn verify_pdf(pdf: &[u8], extra_certs: &[Certificate]) -> Result<PdfSignature, PdfError> {
    verify_pdf_with(pdf, extra_certs, crate::DEFAULT_USER_ID)
}

/// [`verify_pdf`] with an explicit SM2 user id.
pub fn verify_pdf_with(
    pdf: &[u8],
    extra_certs: &[Certificate],
    user_id: &str,
) -> Result<PdfSignature, PdfError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(malformed("missing %PDF- header"));
    }
    let sigs = find_signatures(pdf);
    let br = sigs
        .into_iter()
        .max_by_key(|br| br[2].saturating_add(br[3]))
        .ok_or(PdfError::NotSigned)?;
    let (signed, cms_der) = extract(pdf, br)?;
    // Bytes after the covered range: allow only trailing whitespace.
    let covered_end = br[2] + br[3];
    if pdf[covered_end..].iter().any(|b| !is_ws(*b)) {
        return Err(PdfError::IncompleteCoverage);
    }
    let cms = cms::verify_detached_parts(&cms_der, &signed, extra_certs, user_id)?;
    Ok(PdfSignature {
        cms,
        byte_range: br,
        cms_der,
    })
}

// ------------------------------------------- verification over Base64 runs

/// A PDF decoded by [`b64::decode_runs`], read in place: the `/Contents`
/// placeholder (a run of `0` digits, 17 KB of a 23 KB layout PDF) is never
/// written out, searched or copied (decision 0026).
struct RunView<'a> {
    /// Each segment with the offset of its first byte in the PDF.
    segs: Vec<(usize, Segment<'a>)>,
    len: usize,
    /// The segment [`Self::seg_of`] found last: the byte-by-byte reads
    /// (`/ByteRange`'s numbers, the `/Contents` key) stay in one segment,
    /// so it is looked at before searching (decision 0032).
    last: std::cell::Cell<usize>,
}

impl<'a> RunView<'a> {
    fn new(runs: &'a Runs) -> Self {
        let mut at = 0;
        let segs = runs
            .segments()
            .into_iter()
            .map(|seg| {
                let start = at;
                at += seg.len();
                (start, seg)
            })
            .collect();
        RunView {
            segs,
            len: runs.len(),
            last: std::cell::Cell::new(0),
        }
    }

    /// The segment holding byte `i` (with its offset), if `i < len`.
    fn seg_of(&self, i: usize) -> Option<(usize, Segment<'a>)> {
        if i >= self.len {
            return None;
        }
        let last = self.last.get();
        let next_start = |k: usize| self.segs.get(k + 1).map_or(self.len, |(start, _)| *start);
        if let Some(&(start, seg)) = self.segs.get(last) {
            if start <= i && i < next_start(last) {
                return Some((start, seg));
            }
        }
        let k = self
            .segs
            .partition_point(|(start, _)| *start <= i)
            .checked_sub(1)?;
        self.last.set(k);
        self.segs.get(k).copied()
    }

    fn byte(&self, i: usize) -> Option<u8> {
        match self.seg_of(i)? {
            (start, Segment::Literal(b)) => b.get(i - start).copied(),
            (start, Segment::Repeat { pattern, .. }) => Some(pattern[(i - start) % RUN_PERIOD]),
        }
    }

    /// [`Self::byte`] for reads around byte `at`: the literal segment that
    /// holds `at` is read directly, anything else through [`Self::byte`]
    /// (decision 0032: the `/ByteRange` numbers and the `/Contents` key are
    /// read byte by byte next to where they were found).
    fn reader_near(&self, at: usize) -> impl Fn(usize) -> Option<u8> + '_ {
        let near = match self.seg_of(at) {
            Some((start, Segment::Literal(b))) => Some((start, b)),
            _ => None,
        };
        move |i| {
            near.and_then(|(start, b)| b.get(i.checked_sub(start)?).copied())
                .or_else(|| self.byte(i))
        }
    }

    /// Bytes `a..b` (`a <= b <= len`): borrowed when they lie in one literal
    /// segment (the signed ranges and the CMS hex digits of every signer's
    /// PDF), else written out.
    fn range(&self, a: usize, b: usize) -> Cow<'a, [u8]> {
        if a >= b {
            return Cow::Borrowed(&[]);
        }
        if let Some((start, Segment::Literal(lit))) = self.seg_of(a) {
            if let Some(bytes) = lit.get(a - start..b - start) {
                return Cow::Borrowed(bytes);
            }
        }
        // Written out segment by segment: a literal part is one copy, a
        // repeated one is its pattern laid down period by period. (Byte by
        // byte, with a segment lookup per byte, this was about 1.7 ms of a
        // 100 KB layout file's 2 ms verification: the emulator's padding and
        // any long run of one pattern make the signed range span segments.)
        let b = b.min(self.len);
        let mut out = Vec::with_capacity(b.saturating_sub(a));
        let first = self.segs.partition_point(|(start, _)| *start <= a);
        for &(start, seg) in self.segs[first.saturating_sub(1)..].iter() {
            if start >= b {
                break;
            }
            let (lo, hi) = (a.max(start), b.min(start + seg.len()));
            if lo >= hi {
                continue;
            }
            match seg {
                Segment::Literal(lit) => out.extend_from_slice(&lit[lo - start..hi - start]),
                Segment::Repeat { pattern, .. } => {
                    let mut rotated = [0u8; RUN_PERIOD];
                    let off = (lo - start) % RUN_PERIOD;
                    rotated[..RUN_PERIOD - off].copy_from_slice(&pattern[off..]);
                    rotated[RUN_PERIOD - off..].copy_from_slice(&pattern[..off]);
                    let n = hi - lo;
                    for _ in 0..n / RUN_PERIOD {
                        out.extend_from_slice(&rotated);
                    }
                    out.extend_from_slice(&rotated[..n % RUN_PERIOD]);
                }
            }
        }
        Cow::Owned(out)
    }

    /// Every occurrence of `finder`'s needle in file order, or `None` when a run's
    /// pattern holds one of the needle's bytes (no occurrence can then
    /// touch a run, so each lies inside one literal segment: two literal
    /// segments are never adjacent).
    fn find_all(&self, finder: &memchr::memmem::Finder<'_>) -> Option<Vec<usize>> {
        // The needle's bytes as a set: each run's pattern is checked with
        // one look-up a byte (decision 0032: `needle.contains` for each of
        // the pattern's 24 bytes was a tenth of this function).
        let mut in_needle = [false; 256];
        for &b in finder.needle() {
            in_needle[usize::from(b)] = true;
        }
        let mut out = Vec::new();
        for (start, seg) in &self.segs {
            match seg {
                Segment::Literal(b) => out.extend(finder.find_iter(b).map(|i| start + i)),
                Segment::Repeat { pattern, .. } => {
                    if pattern.iter().any(|&p| in_needle[usize::from(p)]) {
                        return None;
                    }
                }
            }
        }
        Some(out)
    }

    /// Whether every byte from `from` on is PDF whitespace.
    fn all_ws_from(&self, from: usize) -> bool {
        self.segs.iter().all(|&(start, seg)| match seg {
            Segment::Literal(b) => b
                .get(from.saturating_sub(start)..)
                .is_none_or(|rest| rest.iter().all(|c| is_ws(*c))),
            Segment::Repeat { pattern, times } => {
                let end = start + times * RUN_PERIOD;
                let first = from.max(start);
                // A stretch of a full period or more holds every byte of
                // the pattern; a shorter one only those it covers.
                first >= end
                    || if end - first >= RUN_PERIOD {
                        pattern.iter().all(|c| is_ws(*c))
                    } else {
                        (first..end).all(|i| is_ws(pattern[(i - start) % RUN_PERIOD]))
                    }
            }
        })
    }
}

/// [`verify_pdf_with`] of the PDF that `runs` stands for, read in place
/// (decision 0026): the same verdict, the same error and the same
/// [`PdfSignature`] as [`verify_pdf_with`]`(&runs.to_vec(), ..)` (property
/// test `pdf_runs_agree_with_the_written_out_pdf` and fuzz target
/// `pdf_signature`). A PDF whose runs could hide part of a `/ByteRange` key
/// is written out and verified by [`verify_pdf_with`].
pub fn verify_pdf_runs(
    runs: &Runs,
    extra_certs: &[Certificate],
    user_id: &str,
) -> Result<PdfSignature, PdfError> {
    if runs.runs().is_empty() {
        return verify_pdf_with(&runs.to_vec(), extra_certs, user_id);
    }
    let view = RunView::new(runs);
    let Some(found) = view.find_all(byte_range_finder()) else {
        return verify_pdf_with(&runs.to_vec(), extra_certs, user_id);
    };
    if *view.range(0, view.len.min(5)) != *b"%PDF-" {
        return Err(malformed("missing %PDF- header"));
    }
    let br = found
        .into_iter()
        .filter_map(|at| parse_byte_range_by(view.reader_near(at), at))
        .max_by_key(|br| br[2].saturating_add(br[3]))
        .ok_or(PdfError::NotSigned)?;
    // As `extract`.
    let [s0, l0, s1, l1] = br;
    let end0 = s0
        .checked_add(l0)
        .ok_or_else(|| malformed("ByteRange overflow"))?;
    let end1 = s1
        .checked_add(l1)
        .ok_or_else(|| malformed("ByteRange overflow"))?;
    if s0 != 0 || end0 >= s1 || end1 > view.len {
        return Err(malformed("ByteRange out of bounds"));
    }
    if s1 - end0 < 2 || view.byte(end0) != Some(b'<') || view.byte(s1 - 1) != Some(b'>') {
        return Err(malformed("ByteRange gap is not the /Contents hex string"));
    }
    if !preceded_by_contents_key_by(view.reader_near(end0), end0) {
        return Err(malformed("ByteRange gap is not preceded by /Contents"));
    }
    // The hex string `inner` = a..b. `contents_der_fast` reads only its
    // first max(12, 2·DER length) digits, so only those are fetched; the
    // general loop (whitespace among the digits) gets the whole string.
    let (a, b) = (end0 + 1, s1 - 1);
    let fast = contents_fast_need(&view.range(a, b.min(a + 12)))
        .filter(|need| *need <= b - a)
        .and_then(|need| contents_der_fast(&view.range(a, a + need)));
    let mut padded = match fast {
        Some(der) => der,
        None => contents_der_general(&view.range(a, b))?,
    };
    let der_len = read_tlv(&padded)
        .map_err(|e| malformed(format!("/Contents: {e}")))?
        .0
        .full
        .len();
    padded.truncate(der_len);
    let cms_der = padded;
    if !view.all_ws_from(end1) {
        return Err(PdfError::IncompleteCoverage);
    }
    let (first, second) = (view.range(s0, end0), view.range(s1, end1));
    let cms = cms::verify_detached_parts(&cms_der, &[&first, &second], extra_certs, user_id)?;
    Ok(PdfSignature {
        cms,
        byte_range: br,
        cms_der,
    })
}

// ---------------------------------------------------------------- signing

fn parse_uint_after(hay: &[u8], key: &[u8]) -> Option<(usize, usize)> {
    let at = find_last(hay, key)?;
    let mut i = at + key.len();
    while i < hay.len() && is_ws(hay[i]) {
        i += 1;
    }
    let start = i;
    while i < hay.len() && hay[i].is_ascii_digit() {
        i += 1;
    }
    let n = std::str::from_utf8(&hay[start..i]).ok()?.parse().ok()?;
    Some((n, i))
}

/// `/Root n g R` in `window`.
fn parse_ref_after(window: &[u8], key: &[u8]) -> Option<(u32, u16)> {
    let (n, mut i) = parse_uint_after(window, key)?;
    while i < window.len() && is_ws(window[i]) {
        i += 1;
    }
    let start = i;
    while i < window.len() && window[i].is_ascii_digit() {
        i += 1;
    }
    let g: u16 = std::str::from_utf8(&window[start..i]).ok()?.parse().ok()?;
    while i < window.len() && is_ws(window[i]) {
        i += 1;
    }
    (window.get(i) == Some(&b'R')).then_some((u32::try_from(n).ok()?, g))
}

/// The dictionary text `<< … >>` starting at or after `from`.
fn dict_at(pdf: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i + 1 < pdf.len() && !(pdf[i] == b'<' && pdf[i + 1] == b'<') {
        if pdf[i..].starts_with(b"endobj") || pdf[i..].starts_with(b"stream") {
            return None;
        }
        i += 1;
    }
    let start = i;
    let mut depth = 0i32;
    while i + 1 < pdf.len() {
        if pdf[i] == b'<' && pdf[i + 1] == b'<' {
            depth += 1;
            i += 2;
        } else if pdf[i] == b'>' && pdf[i + 1] == b'>' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some((start, i));
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Find the body of object `n g` (`n g obj << … >>`), the last definition wins.
fn object_dict(pdf: &[u8], n: u32, g: u16) -> Option<(usize, usize)> {
    let pat = format!("{n} {g} obj");
    let mut best = None;
    for at in find_all(pdf, pat.as_bytes()) {
        if at == 0 || is_ws(pdf[at - 1]) {
            best = Some(at);
        }
    }
    dict_at(pdf, best? + pat.len())
}

fn pdf_date(t: DateTime<Utc>) -> String {
    let cst = t.with_timezone(&rxdesk_core::time::cst());
    format!("D:{}+08'00'", cst.format("%Y%m%d%H%M%S"))
}

fn utf16_hex(s: &str) -> String {
    let mut out = String::from("FEFF");
    for u in s.encode_utf16() {
        out.push_str(&format!("{u:04X}"));
    }
    out
}

/// Sign `pdf` with the institution's certificate and key (GB/T 35275 CMS,
/// default user id), appending an incremental update. Returns the signed PDF.
pub fn sign_pdf(
    pdf: &[u8],
    cert: &Certificate,
    key: &PrivateKey,
    signing_time: DateTime<Utc>,
) -> Result<Vec<u8>, PdfError> {
    sign_pdf_with(
        pdf,
        cert,
        key,
        &SignOptions {
            signing_time: Some(signing_time),
            ..Default::default()
        },
    )
}

/// [`sign_pdf`] with CMS options (profile, user id).
pub fn sign_pdf_with(
    pdf: &[u8],
    cert: &Certificate,
    key: &PrivateKey,
    opts: &SignOptions,
) -> Result<Vec<u8>, PdfError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(malformed("missing %PDF- header"));
    }
    let (prev_xref, _) =
        parse_uint_after(pdf, b"startxref").ok_or_else(|| malformed("no startxref"))?;
    // The last trailer dictionary (classic) or the xref stream dictionary.
    let window_start = match find_last(pdf, b"trailer") {
        Some(t) => t,
        None => prev_xref.min(pdf.len()),
    };
    let window = &pdf[window_start..];
    let (root_n, root_g) =
        parse_ref_after(window, b"/Root").ok_or_else(|| malformed("no /Root in trailer"))?;
    let (size, _) = parse_uint_after(window, b"/Size").ok_or_else(|| malformed("no /Size"))?;
    let size = u32::try_from(size).map_err(|_| malformed("bad /Size"))?;

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let sig_n = size;
    let field_n = size + 1;
    let mut offsets: Vec<(u32, u16, usize)> = Vec::new();
    let signing_time = opts.signing_time.unwrap_or_else(Utc::now);

    // 1. Signature dictionary with placeholders.
    offsets.push((sig_n, 0, out.len()));
    let name = cert.common_name().unwrap_or_default();
    let head = format!(
        "{sig_n} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Name <{}> /M ({}) /ByteRange ",
        utf16_hex(&name),
        pdf_date(signing_time)
    );
    out.extend_from_slice(head.as_bytes());
    let br_pos = out.len();
    out.extend_from_slice(format!("[0 {:>10} {:>10} {:>10}]", 0, 0, 0).as_bytes());
    let br_len = out.len() - br_pos;
    out.extend_from_slice(b" /Contents ");
    let contents_start = out.len();
    out.push(b'<');
    out.extend(std::iter::repeat_n(b'0', CONTENTS_HEX_LEN));
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(b" >>\nendobj\n");

    // 2. Invisible signature field.
    offsets.push((field_n, 0, out.len()));
    out.extend_from_slice(
        format!(
            "{field_n} 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T (RxSignature{sig_n}) /F 132 /Rect [0 0 0 0] /V {sig_n} 0 R >>\nendobj\n"
        )
        .as_bytes(),
    );

    // 3. Catalog with /AcroForm (only if it is a plain object without one).
    if let Some((ds, de)) = object_dict(pdf, root_n, root_g) {
        let dict = &pdf[ds..de];
        if find_all(dict, b"/AcroForm").is_empty() {
            offsets.push((root_n, root_g, out.len()));
            out.extend_from_slice(format!("{root_n} {root_g} obj\n").as_bytes());
            out.extend_from_slice(&dict[..dict.len() - 2]);
            out.extend_from_slice(
                format!(" /AcroForm << /Fields [{field_n} 0 R] /SigFlags 3 >> >>\nendobj\n")
                    .as_bytes(),
            );
        }
    }

    // 4. xref section + trailer.
    let xref_pos = out.len();
    out.extend_from_slice(b"xref\n");
    offsets.sort_by_key(|o| o.0);
    for (n, g, off) in &offsets {
        out.extend_from_slice(format!("{n} 1\n{off:010} {g:05} n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root {root_n} {root_g} R /Prev {prev_xref} >>\nstartxref\n{xref_pos}\n%%EOF\n",
            size + 2
        )
        .as_bytes(),
    );

    // 5. Byte ranges, then the CMS over them.
    let br = [0, contents_start, contents_end, out.len() - contents_end];
    let br_text = format!("[0 {:>10} {:>10} {:>10}]", br[1], br[2], br[3]);
    if br_text.len() != br_len {
        return Err(malformed("PDF too large for the ByteRange placeholder"));
    }
    out[br_pos..br_pos + br_len].copy_from_slice(br_text.as_bytes());
    let mut signed = Vec::with_capacity(out.len());
    signed.extend_from_slice(&out[..contents_start]);
    signed.extend_from_slice(&out[contents_end..]);
    let mut o = opts.clone();
    o.signing_time = Some(signing_time);
    let der = cms::sign_detached_with(&signed, cert, key, &o)?;
    let hexed = hex::encode_upper(&der);
    if hexed.len() > CONTENTS_HEX_LEN {
        return Err(malformed("CMS larger than the /Contents placeholder"));
    }
    out[contents_start + 1..contents_start + 1 + hexed.len()].copy_from_slice(hexed.as_bytes());
    Ok(out)
}

/// A tiny valid one-page PDF with the given text lines (DEMO: ASCII shown
/// with Helvetica; other characters become `?`).
pub fn simple_pdf(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 50 780 Td 16 TL\n");
    for l in lines {
        let safe: String = l
            .chars()
            .map(|c| match c {
                '(' | ')' | '\\' => '?',
                c if c.is_ascii() && !c.is_ascii_control() => c,
                _ => '?',
            })
            .collect();
        content.push_str(&format!("({safe}) Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offs = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offs.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offs {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::{contents_der_fast, contents_der_general, hex_digit_value, HEX};
    use proptest::prelude::*;

    #[test]
    fn hex_digit_value_is_the_table() {
        for c in 0..=255u8 {
            assert_eq!(hex_digit_value(c), HEX[usize::from(c)], "{c}");
        }
    }

    fn contents_bytes() -> impl Strategy<Value = u8> {
        prop_oneof![
            12 => proptest::sample::select(b"0123456789abcdefABCDEF".to_vec()),
            1 => proptest::sample::select(b" \n\r\t\x0c\x00".to_vec()),
            1 => any::<u8>(),
        ]
    }

    #[test]
    fn fast_and_general_contents_decoding_agree_on_examples() {
        for inner in [
            &b"3003020101000000"[..],
            b"30 03 02 01 01 00 00",
            b"3081030201010000000000000000",
            b"300302010",
            b"3080020101000000",
            b"3003020101zz0000",
            b"30030201",
        ] {
            if let Some(fast) = contents_der_fast(inner) {
                assert_eq!(contents_der_general(inner).ok(), Some(fast));
            }
        }
        assert_eq!(
            contents_der_fast(b"3003020101000000"),
            Some(vec![0x30, 3, 2, 1, 1])
        );
        assert_eq!(contents_der_fast(b"30 03 02 01 01 00 00"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// Whenever the fast path answers, the general loop gives the same
        /// bytes (the fast path never accepts what the general one rejects).
        #[test]
        fn fast_contents_decoding_is_the_general_one(
            head in prop_oneof![
                Just(b"30".to_vec()), Just(b"3081".to_vec()), Just(b"3082".to_vec()), Just(Vec::new())
            ],
            len in 0u8..40,
            rest in proptest::collection::vec(contents_bytes(), 0..120),
        ) {
            let mut inner = head;
            if !inner.is_empty() && inner.len() < 6 {
                inner.extend_from_slice(format!("{len:02x}").as_bytes());
            }
            inner.extend_from_slice(&rest);
            if let Some(fast) = contents_der_fast(&inner) {
                prop_assert_eq!(contents_der_general(&inner).ok(), Some(fast));
            }
        }

        /// DER values of many 32-digit blocks and a remainder (decision
        /// 0032's vectorised blocks), then one byte bent anywhere, to any
        /// byte: the fast path answers exactly when the value's digits are
        /// all hex digits, and then with the general loop's bytes.
        #[test]
        fn long_contents_decode_as_the_general_loop(
            digits in proptest::collection::vec(
                proptest::sample::select(b"0123456789abcdefABCDEF".to_vec()), 0..1200),
            at in any::<usize>(),
            to in any::<u8>(),
            bend in any::<bool>(),
        ) {
            let len = digits.len() / 2;
            let mut inner = format!("3082{len:04x}").into_bytes();
            inner.extend_from_slice(&digits[..2 * len]);
            inner.extend_from_slice(b"0000");
            let mut header_bent = false;
            if bend {
                let i = at % inner.len();
                header_bent = i < 8 && inner[i] != to;
                inner[i] = to;
            }
            // The header is read from the first 12 digits in any case.
            let value_digits = &inner[..((4 + len) * 2).max(12)];
            let all_hex = value_digits.iter().all(|c| c.is_ascii_hexdigit());
            let fast = contents_der_fast(&inner);
            if !header_bent {
                prop_assert_eq!(fast.is_some(), all_hex);
            }
            if let Some(fast) = fast {
                prop_assert_eq!(contents_der_general(&inner).ok(), Some(fast));
            }
        }
    }
}

#[cfg(test)]
mod run_view_tests {
    use super::RunView;
    use crate::b64::{decode_runs, RUN_PERIOD};
    use base64::Engine as _;
    use proptest::prelude::*;

    /// Bytes with long runs of a repeated period (as the `/Contents`
    /// padding and the emulator's padded layout files have) between
    /// literal stretches.
    fn with_runs() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..70),
            (
                proptest::collection::vec(any::<u8>(), RUN_PERIOD),
                2usize..12
            )
                .prop_map(|(p, times)| p.repeat(times)),
            (any::<u8>(), 30usize..200).prop_map(|(b, n)| vec![b; n]),
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Any byte range read through the runs is the same bytes as the
        /// flat decoded file's (including ranges across segments and past
        /// the end, which stop at the end).
        #[test]
        fn a_range_through_the_runs_is_the_flat_range(
            bytes in with_runs(),
            a in 0usize..1200,
            len in 0usize..1200,
        ) {
            let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let runs = decode_runs(text.as_bytes()).expect("valid Base64");
            prop_assert_eq!(runs.to_vec(), bytes.clone());
            let view = RunView::new(&runs);
            let b = a + len;
            let want: &[u8] = if a >= bytes.len() { &[] } else { &bytes[a..b.min(bytes.len())] };
            prop_assert_eq!(&*view.range(a, b), want);
        }
    }
}
