//! Standard Base64 decoding for the prescription's two large fields
//! (`rxFile`, `signDigest`): the same language as the `base64` crate's
//! `STANDARD` engine (RFC 4648 §4 alphabet, `=` padding required, the unused
//! bits of the last symbol zero, nothing else allowed), decoded faster.
//!
//! Why (docs/decisions/0015-verification-key-tables.md): callgrind of a full
//! prescription verification put the `base64` crate's decoding of the 23 KB
//! `rxFile` at 13 % of the instructions, more than anything but the two SM2
//! verifies. Here each 4-symbol group is one lookup per symbol into tables
//! of pre-shifted 6-bit values (an invalid symbol sets the top bit), and an
//! 8-symbol block equal to the one before it (a signed PDF's `/Contents`
//! placeholder is a long run of `0` digits: the same `MDAw` group over and
//! over) reuses that block's 6 bytes. The output equals the `base64`
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
    if s.is_empty() {
        return Some(Vec::new());
    }
    if s.len() % 4 != 0 {
        return None;
    }
    let (body, last) = s.split_at(s.len() - 4);
    let body_out = body.len() / 4 * 3;
    // Two bytes of slack: each 8-symbol block writes 8 bytes (its 6 and two
    // that the next block or the last group overwrites); cut at the end.
    let mut out = vec![0u8; body_out + 3 + 2];

    // Blocks of 8 symbols → 6 bytes; a block equal to the previous one
    // (which was checked) gives the previous block's bytes. The first block
    // has no previous one: `None`, not some 8-byte value an input could
    // repeat (it was eight NUL bytes, and eight NULs then passed unchecked:
    // found by the fuzz target base64_decode).
    let mut prev_in: Option<u64> = None;
    let mut prev_out = [0u8; 8];
    let blocks = body.chunks_exact(8);
    let rest = blocks.remainder();
    let mut at = 0;
    for g in blocks {
        let Ok(g8) = <[u8; 8]>::try_from(g) else {
            return None; // chunks_exact(8): not reached
        };
        let this = u64::from_ne_bytes(g8);
        if prev_in != Some(this) {
            let (w0, w1) = (group(&g[..4]), group(&g[4..]));
            if (w0 | w1) & BAD != 0 {
                return None;
            }
            prev_out = ((u64::from(w0) << 40) | (u64::from(w1) << 16)).to_be_bytes();
            prev_in = Some(this);
        }
        out[at..at + 8].copy_from_slice(&prev_out);
        at += 6;
    }
    if !rest.is_empty() {
        // One group of 4 symbols is left before the last one.
        let w = group(rest);
        if w & BAD != 0 {
            return None;
        }
        out[at..at + 3].copy_from_slice(&[(w >> 16) as u8, (w >> 8) as u8, w as u8]);
    }
    let out_last = &mut out[body_out..body_out + 3];

    // The last group: `abcd`, `abc=` or `ab==`, the unused bits zero.
    let keep = match (last[2], last[3]) {
        (b'=', b'=') => {
            let w = sym(0, last[0]) | sym(1, last[1]);
            if w & BAD != 0 || w & 0xffff != 0 {
                return None;
            }
            out_last[0] = (w >> 16) as u8;
            1
        }
        (b'=', _) => return None,
        (_, b'=') => {
            let w = sym(0, last[0]) | sym(1, last[1]) | sym(2, last[2]);
            if w & BAD != 0 || w & 0xff != 0 {
                return None;
            }
            out_last[0] = (w >> 16) as u8;
            out_last[1] = (w >> 8) as u8;
            2
        }
        _ => {
            let w = group(last);
            if w & BAD != 0 {
                return None;
            }
            out_last.copy_from_slice(&[(w >> 16) as u8, (w >> 8) as u8, w as u8]);
            3
        }
    };
    out.truncate(body_out + keep);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use proptest::prelude::*;

    fn theirs(s: &[u8]) -> Option<Vec<u8>> {
        STANDARD.decode(s).ok()
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

        /// Any byte string: the same result as the `base64` crate.
        #[test]
        fn agrees_with_the_base64_crate(s in proptest::collection::vec(symbols(), 0..64)) {
            prop_assert_eq!(decode(&s), theirs(&s));
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
        }
    }
}
