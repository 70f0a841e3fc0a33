//! Standard Base64 decoding for the prescription's two large fields
//! (`rxFile`, `signDigest`): the same language as the `base64` crate's
//! `STANDARD` engine (RFC 4648 §4 alphabet, `=` padding required, the unused
//! bits of the last symbol zero, nothing else allowed), decoded faster.
//!
//! Why (docs/decisions/0015-verification-key-tables.md): callgrind of a full
//! prescription verification put the `base64` crate's decoding of the 23 KB
//! `rxFile` at 13 % of the instructions, more than anything but the two SM2
//! verifies. Here each 4-symbol group is one lookup per symbol into tables
//! of pre-shifted 6-bit values (an invalid symbol sets the top bit), and a
//! 32-symbol chunk equal to the one before it (a signed PDF's `/Contents`
//! placeholder is a long run of `0` digits: the same `MDAw` group over and
//! over) reuses that chunk's 24 bytes; the output is appended, not zeroed
//! first. Stretches of chunks each unlike the one before (the PDF's text,
//! the signature's hex digits) are decoded by `base64-simd` (decision
//! 0020); the last group (padding, unused bits) and the few groups after
//! the last whole chunk by the tables here. The output equals the `base64`
//! crate's, byte for byte, and so does the set of inputs rejected (property
//! test below against the crate itself).

/// Set in a table entry for a byte that is not a Base64 symbol.
const BAD: u32 = 1 << 31;

const fn symbol_value(b: u8) -> Option<u32> {
    match b {
        b'A'..=b'Z' => Some((b - b'A') as u32),
        b'a'..=b'z' => Some((b - b'a') as u32 + 26),
        b'0'..=b'9' => Some((b - b'0') as u32 + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// `T[256·k + b]` = the value of symbol `b` shifted to position `k` of a
/// group (`k = 0` the highest six bits), [`BAD`] for a byte that is not a
/// symbol. One table, so the four lookups share one base address.
static T: [u32; 1024] = {
    let mut t = [BAD; 1024];
    let mut k = 0;
    while k < 4 {
        let mut b = 0;
        while b < 256 {
            if let Some(v) = symbol_value(b as u8) {
                t[256 * k + b] = v << (18 - 6 * k);
            }
            b += 1;
        }
        k += 1;
    }
    t
};

/// Symbol `b` at position `k` of a group (see [`T`]).
#[inline(always)]
fn sym(k: usize, b: u8) -> u32 {
    T[(k << 8) | usize::from(b)]
}

/// The 24 bits of one complete group (no padding), or [`BAD`] set.
#[inline(always)]
fn group(g: &[u8]) -> u32 {
    sym(0, g[0]) | sym(1, g[1]) | sym(2, g[2]) | sym(3, g[3])
}

/// Decode standard padded Base64 (no whitespace: trim first). `None` for
/// anything the `base64` crate's `STANDARD.decode` rejects.
pub fn decode(s: &[u8]) -> Option<Vec<u8>> {
    decode_impl(s, None)
}

/// Bytes a kept run repeats: one 32-symbol chunk's worth.
pub const RUN_PERIOD: usize = 24;

/// A run kept by [`decode_runs`]: `len` bytes (a multiple of
/// [`RUN_PERIOD`]) repeating the [`RUN_PERIOD`] literal bytes just before
/// `at`, inserted at `at` of the literal bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Where the run goes, as an index into [`Runs::literal`] (at least
    /// [`RUN_PERIOD`]: the pattern is the literal bytes before it).
    pub at: usize,
    /// Bytes the run stands for.
    pub len: usize,
}

/// Decoded Base64 whose runs of repeated 32-symbol chunks are kept as runs
/// instead of being written out (decision 0026: a signed PDF's 16 KiB
/// `/Contents` placeholder, 17 KB of the 23 KB `rxFile`, is one such run,
/// and nothing a verification checks reads inside it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runs {
    lit: Vec<u8>,
    runs: Vec<Run>,
    len: usize,
}

/// One piece of [`Runs`], in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Bytes as decoded.
    Literal(&'a [u8]),
    /// `pattern` repeated `times` times.
    Repeat {
        /// The repeated bytes.
        pattern: &'a [u8; RUN_PERIOD],
        /// How many times (at least 1).
        times: usize,
    },
}

impl Segment<'_> {
    /// How many decoded bytes the segment stands for.
    pub(crate) fn len(&self) -> usize {
        match self {
            Segment::Literal(b) => b.len(),
            Segment::Repeat { times, .. } => times * RUN_PERIOD,
        }
    }
}

impl Runs {
    /// Length of the decoded bytes (runs written out).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the decoded bytes are empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The kept runs (empty: the literal bytes are the whole result).
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// The pieces in order: literal stretches (never empty, never two in a
    /// row) and runs.
    pub fn segments(&self) -> Vec<Segment<'_>> {
        let mut out = Vec::with_capacity(2 * self.runs.len() + 1);
        let mut from = 0;
        for r in &self.runs {
            if r.at > from {
                out.push(Segment::Literal(&self.lit[from..r.at]));
            }
            let pattern = self.lit[r.at - RUN_PERIOD..r.at]
                .try_into()
                .expect("a run follows a whole literal chunk");
            out.push(Segment::Repeat {
                pattern,
                times: r.len / RUN_PERIOD,
            });
            from = r.at;
        }
        if self.lit.len() > from {
            out.push(Segment::Literal(&self.lit[from..]));
        }
        out
    }

    /// The decoded bytes written out: what [`decode`] returns.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for seg in self.segments() {
            match seg {
                Segment::Literal(b) => out.extend_from_slice(b),
                Segment::Repeat { pattern, times } => {
                    for _ in 0..times {
                        out.extend_from_slice(pattern);
                    }
                }
            }
        }
        out
    }
}

/// [`decode`] with runs of repeated chunks kept as [`Run`]s: the same
/// language (`None` exactly when [`decode`] refuses), and
/// [`Runs::to_vec`] equals [`decode`]'s bytes (property tests below).
pub fn decode_runs(s: &[u8]) -> Option<Runs> {
    let mut runs = Vec::new();
    let lit = decode_impl(s, Some(&mut runs))?;
    let len = lit.len() + runs.iter().map(|r| r.len).sum::<usize>();
    Some(Runs { lit, runs, len })
}

/// [`decode`]; with `runs`, a run of chunks equal to the previous one is
/// recorded there instead of being copied out.
fn decode_impl(s: &[u8], mut runs: Option<&mut Vec<Run>>) -> Option<Vec<u8>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let (body, last) = s.split_at(s.len() - 4);
    let body_out = body.len() / 4 * 3;
    // Not zeroed: every byte is appended (decision 0015 follow-up: zeroing
    // the 17 KB of a layout PDF first was its own pass over the output).
    let mut out: Vec<u8> = Vec::with_capacity(body_out + 3);

    // Chunks of 32 symbols → 24 bytes; a run of chunks equal to the previous
    // one (which was checked) repeats the previous chunk's bytes: a signed PDF's
    // `/Contents` placeholder is a run of `0` digits, Base64 `MDAw` over and
    // over, so its chunks repeat whatever their alignment (32 is a multiple
    // of the run's period 4). The comparison is of two 32-byte arrays, which
    // the compiler does in a few vector instructions. The first chunk has
    // no previous one (`None`): it is always checked (the fuzz target
    // base64_decode once found a first block taken as "equal to the
    // previous one" and so never checked).
    let mut prev_in: Option<&[u8; 32]> = None;
    let whole = body.len() / 32 * 32;
    let (chunked, rest) = body.split_at(whole);
    let chunk_at = |at: usize| -> Option<&[u8; 32]> { chunked.get(at..at + 32)?.try_into().ok() };
    let mut at = 0;
    while let Some(c) = chunk_at(at) {
        if prev_in == Some(c) {
            // A run of chunks equal to the previous one, whose 24 bytes
            // are the last ones written: count it, then copy those bytes
            // that many times, doubling what is copied each time.
            let mut end = at;
            // Four chunks at a time first: eight 16-byte lanes compared
            // with the chunk's two halves, no branch per lane.
            let pattern = [&c[..16], &c[16..]].map(|h| {
                let mut lane = [0u8; 16];
                lane.copy_from_slice(h);
                u128::from_ne_bytes(lane)
            });
            while let Some(block) = chunked.get(end..end + 128) {
                let mut diff = 0u128;
                for (k, lane) in block.chunks_exact(16).enumerate() {
                    let mut bytes = [0u8; 16];
                    bytes.copy_from_slice(lane);
                    diff |= u128::from_ne_bytes(bytes) ^ pattern[k & 1];
                }
                if diff != 0 {
                    break;
                }
                end += 128;
            }
            while chunk_at(end) == Some(c) {
                end += 32;
            }
            if let Some(runs) = runs.as_deref_mut() {
                runs.push(Run {
                    at: out.len(),
                    len: (end - at) / 32 * 24,
                });
                at = end;
                continue;
            }
            let start = out.len() - 24;
            let target = out.len() + (end - at) / 32 * 24;
            while out.len() < target {
                let take = (out.len() - start).min(target - out.len());
                out.extend_from_within(start..start + take);
            }
            at = end;
            continue;
        }
        // A stretch of chunks each unlike the one before it (the PDF's
        // text and the signature's hex digits): decoded in one call by
        // `base64-simd` (decision 0020). The stretch holds whole groups
        // and no padding may end it (`=` is allowed only in the last
        // group, which is decoded below); inside it, `base64-simd`'s
        // strict decoder refuses what the `base64` crate refuses.
        let mut end = at + 32;
        while let (Some(next), Some(before)) = (chunk_at(end), chunk_at(end - 32)) {
            if next == before {
                break;
            }
            end += 32;
        }
        let stretch = chunked.get(at..end)?;
        if stretch.last() == Some(&b'=') {
            return None;
        }
        base64_simd::STANDARD
            .decode_append(stretch, &mut out)
            .ok()?;
        prev_in = chunk_at(end - 32);
        at = end;
    }
    // Fewer than 8 groups of 4 symbols are left before the last one.
    for g in rest.chunks_exact(4) {
        let w = group(g);
        if w & BAD != 0 {
            return None;
        }
        out.extend_from_slice(&[(w >> 16) as u8, (w >> 8) as u8, w as u8]);
    }

    // The last group: `abcd`, `abc=` or `ab==`, the unused bits zero.
    match (last[2], last[3]) {
        (b'=', b'=') => {
            let w = sym(0, last[0]) | sym(1, last[1]);
            if w & BAD != 0 || w & 0xffff != 0 {
                return None;
            }
            out.push((w >> 16) as u8);
        }
        (b'=', _) => return None,
        (_, b'=') => {
            let w = sym(0, last[0]) | sym(1, last[1]) | sym(2, last[2]);
            if w & BAD != 0 || w & 0xff != 0 {
                return None;
            }
            out.extend_from_slice(&[(w >> 16) as u8, (w >> 8) as u8]);
        }
        _ => {
            let w = group(last);
            if w & BAD != 0 {
                return None;
            }
            out.extend_from_slice(&[(w >> 16) as u8, (w >> 8) as u8, w as u8]);
        }
    }
    debug_assert!(out.len() <= body_out + 3);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{decode, decode_runs, Segment, RUN_PERIOD};
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use proptest::prelude::*;

    fn theirs(s: &[u8]) -> Option<Vec<u8>> {
        STANDARD.decode(s).ok()
    }

    /// `decode_runs` written out is `decode`, and its segments are as
    /// documented (no empty or adjacent literals, runs of whole periods).
    fn runs_agree(s: &[u8]) -> Result<(), TestCaseError> {
        let runs = decode_runs(s);
        prop_assert_eq!(runs.as_ref().map(|r| r.to_vec()), decode(s));
        if let Some(r) = runs {
            prop_assert_eq!(r.len(), r.to_vec().len());
            let segs = r.segments();
            for w in segs.windows(2) {
                prop_assert!(
                    !matches!(w, [Segment::Literal(_), Segment::Literal(_)]),
                    "adjacent literals"
                );
            }
            for seg in &segs {
                match seg {
                    Segment::Literal(b) => prop_assert!(!b.is_empty()),
                    Segment::Repeat { times, .. } => prop_assert!(*times >= 1),
                }
            }
            for run in r.runs() {
                prop_assert!(run.at >= RUN_PERIOD && run.len % RUN_PERIOD == 0 && run.len > 0);
            }
        }
        Ok(())
    }

    #[test]
    fn a_placeholder_run_is_kept_as_a_run() {
        let data: Vec<u8> = b"%PDF /Contents <3082"
            .iter()
            .copied()
            .chain(std::iter::repeat_n(b'0', 3000))
            .chain(*b"> trailer 1 2 3")
            .collect();
        let text = STANDARD.encode(&data);
        let runs = decode_runs(text.as_bytes()).unwrap();
        assert_eq!(runs.to_vec(), data);
        let kept: usize = runs.runs().iter().map(|r| r.len).sum();
        assert!(kept >= 2900, "{kept}");
        assert!(runs_agree(text.as_bytes()).is_ok());
    }

    #[test]
    fn known_values_and_rejections() {
        for (text, want) in [
            ("", Some(&b""[..])),
            ("Zg==", Some(b"f")),
            ("Zm8=", Some(b"fo")),
            ("Zm9v", Some(b"foo")),
            ("Zm9vYmFy", Some(b"foobar")),
            ("Zm9vYmE=", Some(b"fooba")),
            ("MDAwMDAwMDAwMDAwMDA", None), // length not a multiple of 4
            ("MDAwMDAwMDAwMDAwMDAwMDAw", Some(b"000000000000000000")),
            ("Zh==", None),      // unused bits set
            ("Zm9=", None),      // unused bits set
            ("Zg", None),        // padding missing
            ("Z===", None),      // too much padding
            ("====", None),      // padding only
            ("Zg==Zg==", None),  // padding inside
            ("Zm9v YmFy", None), // whitespace
            ("Zm9v-_8=", None),  // URL-safe alphabet
        ] {
            assert_eq!(decode(text.as_bytes()).as_deref(), want, "{text}");
            assert_eq!(decode(text.as_bytes()), theirs(text.as_bytes()), "{text}");
        }
    }

    /// A repeated block right after a changed one, and an invalid symbol in
    /// a block equal to the previous one but for that symbol.
    #[test]
    fn repeated_blocks() {
        let data: Vec<u8> = b"%PDF /Contents <3082"
            .iter()
            .copied()
            .chain(std::iter::repeat_n(b'0', 3000))
            .chain(*b"> trailer 1 2 3")
            .collect();
        let text = STANDARD.encode(&data);
        assert_eq!(decode(text.as_bytes()), Some(data));
        let mut bent = text.clone().into_bytes();
        bent[600] = b'*';
        assert_eq!(decode(&bent), None);
    }

    /// Fuzz target base64_decode, crash-783fccfc: a first block of eight
    /// NUL bytes equalled the initial "previous block" and was taken as
    /// already checked, so `\0 × 8 ‖ xxNx` decoded instead of being refused.
    #[test]
    fn a_first_block_is_always_checked() {
        let input = b"\0\0\0\0\0\0\0\0xxNx";
        assert_eq!(decode(input), None);
        assert_eq!(theirs(input), None);
        for fill in [0u8, b'=', b' ', 0xff] {
            let mut bent = vec![fill; 16];
            bent.extend_from_slice(b"Zm9v");
            assert_eq!(decode(&bent), None, "{fill}");
            assert_eq!(decode(&bent), theirs(&bent));
        }
    }

    fn symbols() -> impl Strategy<Value = u8> {
        prop_oneof![
            8 => proptest::sample::select(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".to_vec()
            ),
            1 => Just(b'='),
            1 => any::<u8>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// A layout PDF's shape (something, a long run of `0`, something):
        /// whole 32-symbol chunks repeat, at any alignment; then one symbol
        /// anywhere changed to anything, so a changed chunk right after
        /// (or inside) the run is compared with the crate too.
        #[test]
        fn agrees_on_runs_with_one_symbol_bent(
            head in proptest::collection::vec(any::<u8>(), 0..40),
            run in 0usize..400,
            tail in proptest::collection::vec(any::<u8>(), 0..40),
            at in any::<usize>(),
            to in symbols(),
        ) {
            let mut data = head;
            data.extend(std::iter::repeat_n(b'0', run));
            data.extend(tail);
            let mut text = STANDARD.encode(&data).into_bytes();
            prop_assert_eq!(decode(&text), Some(data));
            runs_agree(&text)?;
            if !text.is_empty() {
                let i = at % text.len();
                text[i] = to;
            }
            prop_assert_eq!(decode(&text), theirs(&text));
            runs_agree(&text)?;
        }

        /// Any byte string: the same result as the `base64` crate.
        #[test]
        fn agrees_with_the_base64_crate(s in proptest::collection::vec(symbols(), 0..64)) {
            prop_assert_eq!(decode(&s), theirs(&s));
            runs_agree(&s)?;
        }

        /// Encodings of random data (with runs, so blocks repeat), then one
        /// byte changed: the same result as the `base64` crate.
        #[test]
        fn agrees_on_bent_encodings(
            data in proptest::collection::vec(prop_oneof![3 => Just(b'0'), 1 => any::<u8>()], 0..200),
            at in any::<usize>(),
            to in symbols(),
            bend in any::<bool>(),
        ) {
            let mut text = STANDARD.encode(&data).into_bytes();
            prop_assert_eq!(decode(&text), Some(data));
            if bend && !text.is_empty() {
                let i = at % text.len();
                text[i] = to;
            }
            prop_assert_eq!(decode(&text), theirs(&text));
            runs_agree(&text)?;
        }
    }
}
