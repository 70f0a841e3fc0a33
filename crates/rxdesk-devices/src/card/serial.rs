//! The generic serial card reader driver (protocol: [`super::frame`],
//! docs/devices.md §Generic serial card reader) over `serialport`.
//!
//! One command at a time: the driver drops stale input, sends `R` and
//! collects `D` chunks until `E`, or an `X` error. A card pulled between
//! chunks (the reader reports `X 02`) is [`IdentityError::CardRemoved`];
//! a record that does not parse is [`IdentityError::BadCardRecord`]; the
//! port going away (USB unplugged, PTY closed) is
//! [`IdentityError::Disconnected`].

use super::frame::{
    parse_error_data, Frame, FrameDecoder, CMD_DATA, CMD_END, CMD_ERROR, CMD_PING, CMD_PONG,
    CMD_READ, ERR_NO_CARD, ERR_REMOVED,
};
use super::{CardRead, CardReader, CardSource};
use crate::identity::IdentityError;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// The reader's display name in messages.
pub const LABEL: &str = "串口读卡器";

/// A card reader on a serial port.
pub struct SerialCardReader {
    name: String,
    port: Box<dyn serialport::SerialPort>,
    frames: FrameDecoder,
    pending: std::collections::VecDeque<Result<Frame, super::frame::FrameError>>,
}

impl std::fmt::Debug for SerialCardReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialCardReader")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn disconnected(path: &str) -> IdentityError {
    IdentityError::Disconnected(format!("{LABEL} {path}"))
}

impl SerialCardReader {
    /// Opens `path` (`/dev/ttyUSB0`, `COM4`, a PTY) at `baud` 8N1.
    pub fn open(path: &str, baud: u32) -> Result<Self, IdentityError> {
        let port = serialport::new(path, baud)
            .timeout(Duration::from_millis(20))
            .open()
            .map_err(|e| {
                tracing::info!(path, error = %e, "serial card reader not available");
                disconnected(path)
            })?;
        Ok(SerialCardReader {
            name: path.to_string(),
            port,
            frames: FrameDecoder::new(),
            pending: Default::default(),
        })
    }

    fn send(&mut self, frame: &Frame) -> Result<(), IdentityError> {
        // stale bytes from an earlier, abandoned command
        let _ = self.port.clear(serialport::ClearBuffer::Input);
        self.frames.clear();
        self.pending.clear();
        let name = self.name.clone();
        self.port
            .write_all(&frame.encode())
            .and_then(|_| self.port.flush())
            .map_err(|e| {
                tracing::warn!(reader = %name, error = %e, "serial card reader write failed");
                disconnected(&name)
            })
    }

    /// The next frame, `None` at the deadline. Framing errors are returned
    /// as [`IdentityError::Malformed`].
    fn next_frame(&mut self, deadline: Instant) -> Result<Option<Frame>, IdentityError> {
        let mut buf = [0u8; 256];
        loop {
            if let Some(r) = self.pending.pop_front() {
                return match r {
                    Ok(f) => Ok(Some(f)),
                    Err(e) => Err(IdentityError::Malformed {
                        library: LABEL.into(),
                        detail: format!("{e}"),
                    }),
                };
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            match self.port.read(&mut buf) {
                Ok(0) => return Err(disconnected(&self.name)),
                Ok(n) => self.pending.extend(self.frames.push(&buf[..n])),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Err(e) => {
                    tracing::warn!(reader = %self.name, error = %e, "serial card reader read failed");
                    return Err(disconnected(&self.name));
                }
            }
        }
    }
}

fn reader_error(data: &[u8], chunks_seen: usize) -> IdentityError {
    let (code, message) = parse_error_data(data);
    match code.as_str() {
        ERR_REMOVED => IdentityError::CardRemoved,
        ERR_NO_CARD if chunks_seen > 0 => IdentityError::CardRemoved,
        ERR_NO_CARD => IdentityError::NothingPresented,
        _ => IdentityError::ReadFailed {
            code: code.parse().unwrap_or(-1),
            message: if message.is_empty() {
                format!("读卡器错误 {code}")
            } else {
                message
            },
        },
    }
}

/// Assembles the reader's answer to `R` from its frames (pure): `D` chunks
/// in sequence, then `E` with their count, or an `X` error.
#[derive(Debug, Default)]
pub struct RecordAssembler {
    record: Vec<u8>,
    chunks: usize,
}

/// Longest record accepted (a real one is ~200 bytes).
pub const MAX_RECORD: usize = 8 * 1024;

impl RecordAssembler {
    /// Feeds one frame; `Some` when the answer is complete (or wrong).
    /// Frames of other commands are skipped.
    pub fn push(&mut self, f: &Frame) -> Option<Result<CardRead, IdentityError>> {
        let bad = |d: String| Some(Err(IdentityError::BadCardRecord(d)));
        match f.cmd {
            CMD_DATA => {
                let Some((&seq, body)) = f.data.split_first() else {
                    return bad("empty data frame".into());
                };
                if usize::from(seq) != self.chunks % 256 {
                    return bad(format!(
                        "chunk {seq} out of order (expected {})",
                        self.chunks % 256
                    ));
                }
                self.chunks += 1;
                self.record.extend_from_slice(body);
                if self.record.len() > MAX_RECORD {
                    return bad("record too long".into());
                }
                None
            }
            CMD_END => {
                if f.data.first().map(|&n| usize::from(n)) != Some(self.chunks % 256) {
                    // the reader says it sent more (or fewer) than arrived
                    return bad("record incomplete".into());
                }
                Some(match std::str::from_utf8(&self.record) {
                    Ok(text) => CardRead::parse(CardSource::Serial, text),
                    Err(_) => Err(IdentityError::BadCardRecord(
                        "record is not UTF-8 text".into(),
                    )),
                })
            }
            CMD_ERROR => Some(Err(reader_error(&f.data, self.chunks))),
            other => {
                tracing::info!(cmd = other, "unexpected frame skipped");
                None
            }
        }
    }
}

impl CardReader for SerialCardReader {
    fn name(&self) -> &str {
        &self.name
    }

    fn read_card(&mut self, timeout: Duration) -> Result<CardRead, IdentityError> {
        let deadline = Instant::now() + timeout;
        self.send(&Frame::new(CMD_READ, b""))?;
        let mut record = RecordAssembler::default();
        loop {
            let Some(f) = self.next_frame(deadline)? else {
                return Err(IdentityError::Timeout(timeout));
            };
            if let Some(done) = record.push(&f) {
                return done;
            }
        }
    }

    fn ping(&mut self, timeout: Duration) -> Result<String, IdentityError> {
        let deadline = Instant::now() + timeout;
        self.send(&Frame::new(CMD_PING, b""))?;
        loop {
            match self.next_frame(deadline)? {
                None => return Err(IdentityError::Timeout(timeout)),
                Some(f) if f.cmd == CMD_PONG => {
                    return Ok(String::from_utf8_lossy(&f.data).into_owned())
                }
                Some(_) => {}
            }
        }
    }
}

impl crate::identity::IdentityReader for SerialCardReader {
    fn name(&self) -> &str {
        &self.name
    }

    fn read_identity(
        &mut self,
        timeout: Duration,
    ) -> Result<crate::identity::PatientIdentity, IdentityError> {
        Ok(self.read_card(timeout)?.identity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::frame::{record_frames, CMD_END};
    use proptest::prelude::*;

    const CARD: &str = "110100|110101199003071234|A12345678|110100D15600000500BF7C7A48FB4966|张三|008C544CB386844A2F8E5D|3.00|20200101|20300101|";

    fn assemble(frames: &[Frame]) -> Option<Result<CardRead, IdentityError>> {
        let mut a = RecordAssembler::default();
        frames.iter().find_map(|f| a.push(f))
    }

    #[test]
    fn assembler_checks_order_and_count() {
        let mut frames = record_frames(CARD.as_bytes(), 20);
        assert_eq!(assemble(&frames).unwrap().unwrap().name, "张三");
        // a lost chunk
        let lost: Vec<Frame> = frames
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(_, f)| f.clone())
            .collect();
        assert!(matches!(
            assemble(&lost),
            Some(Err(IdentityError::BadCardRecord(_)))
        ));
        // END claims more than arrived
        let n = frames.len();
        frames[n - 1] = Frame::new(CMD_END, &[99]);
        assert_eq!(
            assemble(&frames).unwrap().unwrap_err(),
            IdentityError::BadCardRecord("record incomplete".into())
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Any frames from the line: no panic.
        #[test]
        fn assembler_never_panics(frames in proptest::collection::vec((prop_oneof![Just(b'D'), Just(b'E'), Just(b'X'), any::<u8>()], proptest::collection::vec(any::<u8>(), 0..60)), 0..20)) {
            let frames: Vec<Frame> = frames.iter().map(|(c, d)| Frame::new(*c, d)).collect();
            let _ = assemble(&frames);
        }

        /// A record in chunks of any size reads as the record itself.
        #[test]
        fn any_chunking_reads_the_same_record(chunk in 1usize..300) {
            let got = assemble(&record_frames(CARD.as_bytes(), chunk)).unwrap().unwrap();
            prop_assert_eq!(got, CardRead::parse(CardSource::Serial, CARD).unwrap());
        }
    }

    #[test]
    fn reader_errors_map_to_typed_errors() {
        assert_eq!(reader_error(b"02|x", 1), IdentityError::CardRemoved);
        assert_eq!(reader_error(b"01|", 0), IdentityError::NothingPresented);
        assert_eq!(reader_error(b"01|", 2), IdentityError::CardRemoved);
        assert_eq!(
            reader_error("03|芯片读取失败".as_bytes(), 0),
            IdentityError::ReadFailed {
                code: 3,
                message: "芯片读取失败".into()
            }
        );
    }
}
