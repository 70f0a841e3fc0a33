//! Framing of the generic serial card reader protocol (pure, no I/O).
//!
//! Some provinces connect the social-security card reader as a plain serial
//! (or USB-CDC) device instead of through `HeaSecReadInfo`/`SSCardDriver`.
//! There is no national wire standard for those readers, so RxDesk defines
//! one ("generic serial card reader", docs/devices.md) that a small firmware
//! or a vendor bridge can speak and that the simulator implements:
//!
//! ```text
//! frame = STX(0x02) LEN_HI LEN_LO CMD DATA… BCC ETX(0x03)
//! LEN   = 1 + len(DATA), big-endian, 1..=MAX_DATA+1
//! BCC   = XOR of LEN_HI, LEN_LO, CMD and every DATA byte
//! ```
//!
//! The decoder never trusts the line: bytes before an STX are noise, a
//! bad length, a missing ETX or a wrong BCC is a [`FrameError`] and the
//! decoder resynchronises on the next STX. Splitting the input into chunks
//! never changes the result (property-tested; fuzz target `card_frame`).

/// Start of frame.
pub const STX: u8 = 0x02;
/// End of frame.
pub const ETX: u8 = 0x03;
/// Largest DATA field accepted.
pub const MAX_DATA: usize = 1024;

/// Host → reader: who are you (answered by [`CMD_PONG`]).
pub const CMD_PING: u8 = b'P';
/// Host → reader: read the social-security card's basic information.
pub const CMD_READ: u8 = b'R';
/// Reader → host: a chunk of the `|` card record; DATA = seq byte + bytes.
pub const CMD_DATA: u8 = b'D';
/// Reader → host: end of record; DATA = the number of chunks sent (1 byte).
pub const CMD_END: u8 = b'E';
/// Reader → host: an error; DATA = ASCII `code|message` (UTF-8 message).
pub const CMD_ERROR: u8 = b'X';
/// Reader → host: answer to [`CMD_PING`]; DATA = model and firmware text.
pub const CMD_PONG: u8 = b'p';

/// Reader error code: no card in the reader.
pub const ERR_NO_CARD: &str = "01";
/// Reader error code: the card left the reader during the read.
pub const ERR_REMOVED: &str = "02";
/// Reader error code: the chip could not be read.
pub const ERR_READ: &str = "03";
/// Reader error code: not a social-security card.
pub const ERR_UNSUPPORTED: &str = "04";

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Command byte.
    pub cmd: u8,
    /// Data bytes (at most [`MAX_DATA`]).
    pub data: Vec<u8>,
}

/// What was wrong on the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Bytes outside any frame (line noise, wrong baud rate).
    #[error("{0} bytes of noise outside a frame")]
    Noise(usize),
    /// LEN is 0 or above `MAX_DATA + 1`.
    #[error("frame length {0} out of range")]
    BadLength(usize),
    /// The byte after BCC is not ETX.
    #[error("frame not terminated by ETX")]
    NoEtx,
    /// BCC mismatch.
    #[error("frame checksum mismatch")]
    Checksum,
}

impl Frame {
    /// A frame (panics never; data above [`MAX_DATA`] is cut there).
    pub fn new(cmd: u8, data: &[u8]) -> Self {
        Frame {
            cmd,
            data: data[..data.len().min(MAX_DATA)].to_vec(),
        }
    }

    /// The bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let len = (self.data.len() + 1) as u16;
        let [hi, lo] = len.to_be_bytes();
        let mut out = Vec::with_capacity(self.data.len() + 6);
        out.extend_from_slice(&[STX, hi, lo, self.cmd]);
        out.extend_from_slice(&self.data);
        out.push(bcc(hi, lo, self.cmd, &self.data));
        out.push(ETX);
        out
    }
}

fn bcc(hi: u8, lo: u8, cmd: u8, data: &[u8]) -> u8 {
    data.iter().fold(hi ^ lo ^ cmd, |a, b| a ^ b)
}

/// Accumulates bytes into frames.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when a partial frame is buffered.
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Drops anything buffered (a new command starts).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Feeds bytes; returns every complete frame or framing error, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Frame, FrameError>> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            // noise before the next STX
            let start = self.buf.iter().position(|&b| b == STX);
            match start {
                None => {
                    if !self.buf.is_empty() {
                        out.push(Err(FrameError::Noise(self.buf.len())));
                        self.buf.clear();
                    }
                    return out;
                }
                Some(0) => {}
                Some(n) => {
                    out.push(Err(FrameError::Noise(n)));
                    self.buf.drain(..n);
                }
            }
            if self.buf.len() < 3 {
                return out;
            }
            let len = usize::from(u16::from_be_bytes([self.buf[1], self.buf[2]]));
            if len == 0 || len > MAX_DATA + 1 {
                out.push(Err(FrameError::BadLength(len)));
                self.buf.drain(..1);
                continue;
            }
            let total = 3 + len + 2;
            if self.buf.len() < total {
                return out;
            }
            let cmd = self.buf[3];
            let data = &self.buf[4..3 + len];
            let got_bcc = self.buf[3 + len];
            if self.buf[total - 1] != ETX {
                out.push(Err(FrameError::NoEtx));
                self.buf.drain(..1);
                continue;
            }
            if bcc(self.buf[1], self.buf[2], cmd, data) != got_bcc {
                out.push(Err(FrameError::Checksum));
                self.buf.drain(..1);
                continue;
            }
            out.push(Ok(Frame {
                cmd,
                data: data.to_vec(),
            }));
            self.buf.drain(..total);
        }
    }
}

/// A reader error frame's `code|message`.
pub fn parse_error_data(data: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(data);
    match text.split_once('|') {
        Some((c, m)) => (c.trim().to_string(), m.trim().to_string()),
        None => (text.trim().to_string(), String::new()),
    }
}

/// Splits a record into [`CMD_DATA`] frames of at most `chunk` bytes
/// followed by [`CMD_END`] (what a reader sends for [`CMD_READ`]).
pub fn record_frames(record: &[u8], chunk: usize) -> Vec<Frame> {
    let chunk = chunk.clamp(1, MAX_DATA - 1);
    let mut frames: Vec<Frame> = record
        .chunks(chunk)
        .enumerate()
        .map(|(i, c)| {
            let mut d = vec![(i % 256) as u8];
            d.extend_from_slice(c);
            Frame::new(CMD_DATA, &d)
        })
        .collect();
    let n = (frames.len() % 256) as u8;
    frames.push(Frame::new(CMD_END, &[n]));
    frames
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_and_decodes_with_noise_and_errors() {
        let f = Frame::new(CMD_READ, b"");
        assert_eq!(f.encode(), vec![STX, 0, 1, b'R', 1 ^ b'R', ETX]);
        let mut d = FrameDecoder::new();
        let mut wire = b"\xff\xfe".to_vec();
        wire.extend(Frame::new(CMD_PONG, b"SIM v1").encode());
        let mut bad = Frame::new(CMD_DATA, b"\x00abc").encode();
        let n = bad.len();
        bad[n - 2] ^= 0x55; // checksum
        wire.extend(&bad);
        wire.extend(Frame::new(CMD_END, &[1]).encode());
        let out = d.push(&wire);
        assert_eq!(out[0], Err(FrameError::Noise(2)));
        assert_eq!(out[1], Ok(Frame::new(CMD_PONG, b"SIM v1")));
        assert_eq!(out[2], Err(FrameError::Checksum));
        assert_eq!(out.last().unwrap(), &Ok(Frame::new(CMD_END, &[1])));
        assert!(!d.has_partial());
        // a length beyond the limit resynchronises
        let out = d.push(&[STX, 0xff, 0xff, b'D']);
        assert_eq!(out[0], Err(FrameError::BadLength(0xffff)));
        // no ETX
        let mut noetx = Frame::new(CMD_PING, b"").encode();
        *noetx.last_mut().unwrap() = b'Z';
        assert!(d.push(&noetx).contains(&Err(FrameError::NoEtx)));
    }

    #[test]
    fn records_split_into_numbered_chunks() {
        let frames = record_frames(b"abcdefg", 3);
        assert_eq!(frames.len(), 4);
        assert_eq!(frames[0].data, b"\x00abc");
        assert_eq!(frames[2].data, b"\x02g");
        assert_eq!(frames[3], Frame::new(CMD_END, &[3]));
        assert_eq!(
            parse_error_data("02|卡片已拔出".as_bytes()),
            ("02".into(), "卡片已拔出".into())
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Any bytes: no panic, and chunking never changes the result.
        #[test]
        fn chunking_is_irrelevant(data in proptest::collection::vec(any::<u8>(), 0..600), cut in 0usize..600) {
            let cut = cut.min(data.len());
            let whole = FrameDecoder::new().push(&data);
            let mut b = FrameDecoder::new();
            let mut parts = b.push(&data[..cut]);
            parts.extend(b.push(&data[cut..]));
            // noise runs may be reported in two pieces when cut inside them
            let norm = |v: Vec<Result<Frame, FrameError>>| -> Vec<Result<Frame, FrameError>> {
                let mut o: Vec<Result<Frame, FrameError>> = Vec::new();
                for r in v {
                    if let (Some(Err(FrameError::Noise(a))), Err(FrameError::Noise(b))) = (o.last_mut(), &r) {
                        *a += b;
                        continue;
                    }
                    o.push(r);
                }
                o
            };
            prop_assert_eq!(norm(whole), norm(parts));
        }

        /// Frames survive a round trip through noise-free bytes in any chunking.
        #[test]
        fn round_trip(frames in proptest::collection::vec((any::<u8>(), proptest::collection::vec(any::<u8>(), 0..80)), 0..8), step in 1usize..40) {
            let frames: Vec<Frame> = frames.iter().map(|(c, d)| Frame::new(*c, d)).collect();
            let wire: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
            let mut dec = FrameDecoder::new();
            let mut got = Vec::new();
            for c in wire.chunks(step) {
                got.extend(dec.push(c));
            }
            let want: Vec<Result<Frame, FrameError>> = frames.into_iter().map(Ok).collect();
            prop_assert_eq!(got, want);
            prop_assert!(!dec.has_partial());
        }
    }
}
