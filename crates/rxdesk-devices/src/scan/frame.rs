//! Framing of a serial scanner's byte stream (pure).
//!
//! A USB-serial scanner sends each code followed by CR, LF or CR LF. Frames
//! are cut at any CR/LF; empty frames (the LF of CR LF) are skipped. A frame
//! longer than [`MAX_SCAN_LEN`] is dropped up to its terminator
//! ([`ScanError::TooLong`], reported once). Bytes that stop arriving before a
//! terminator are a half scan: [`FrameAssembler::idle`] turns them into
//! [`ScanError::Incomplete`].

use super::classify::{classify_bytes, Scan, ScanError, MAX_SCAN_LEN};

/// Accumulates bytes into classified scans.
#[derive(Debug, Default)]
pub struct FrameAssembler {
    buf: Vec<u8>,
    overflowed: bool,
}

impl FrameAssembler {
    /// An empty assembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when a partial frame is buffered.
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty() || self.overflowed
    }

    /// Feeds bytes; returns each completed frame's classification.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Scan, ScanError>> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                if self.overflowed {
                    self.overflowed = false;
                    self.buf.clear();
                    out.push(Err(ScanError::TooLong));
                } else if !self.buf.is_empty() {
                    out.push(classify_bytes(&std::mem::take(&mut self.buf)));
                }
            } else if self.overflowed {
                // discard until the terminator
            } else if self.buf.len() >= MAX_SCAN_LEN {
                self.overflowed = true;
                self.buf.clear();
            } else {
                self.buf.push(b);
            }
        }
        out
    }

    /// The line went quiet: a buffered partial frame is a half scan.
    pub fn idle(&mut self) -> Option<ScanError> {
        if self.overflowed {
            self.overflowed = false;
            self.buf.clear();
            return Some(ScanError::TooLong);
        }
        if self.buf.is_empty() {
            return None;
        }
        let n = self.buf.len();
        self.buf.clear();
        Some(ScanError::Incomplete(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::ScanKind;
    use proptest::prelude::*;

    #[test]
    fn splits_on_any_terminator_and_recovers_from_garbage() {
        let mut f = FrameAssembler::new();
        let out = f.push(b"12345678901234567890\r\n\xff\x00\x13\r6901234567892\n6901");
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_ref().unwrap().kind, ScanKind::TraceCode);
        assert_eq!(out[1], Err(ScanError::Garbled));
        assert!(matches!(
            out[2].as_ref().unwrap().kind,
            ScanKind::Gtin { .. }
        ));
        assert!(f.has_partial());
        assert_eq!(f.idle(), Some(ScanError::Incomplete(4)));
        assert_eq!(f.idle(), None);
        let out = f.push(b"23456789\r");
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn overlong_frame_is_dropped_once() {
        let mut f = FrameAssembler::new();
        let mut long = vec![b'9'; MAX_SCAN_LEN + 10];
        long.extend_from_slice(b"\r\n12345678901234567890\r\n");
        let out = f.push(&long);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], Err(ScanError::TooLong));
        assert!(out[1].is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Chunking never changes the frames.
        #[test]
        fn chunking_is_irrelevant(data in proptest::collection::vec(any::<u8>(), 0..400), cut in 0usize..400) {
            let cut = cut.min(data.len());
            let mut a = FrameAssembler::new();
            let whole = a.push(&data);
            let mut b = FrameAssembler::new();
            let mut parts = b.push(&data[..cut]);
            parts.extend(b.push(&data[cut..]));
            prop_assert_eq!(whole, parts);
        }
    }
}
