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

impl CardReader for SerialCardReader {
    fn name(&self) -> &str {
        &self.name
    }

    fn read_card(&mut self, timeout: Duration) -> Result<CardRead, IdentityError> {
        let deadline = Instant::now() + timeout;
        self.send(&Frame::new(CMD_READ, b""))?;
        let mut record = Vec::new();
        let mut chunks = 0usize;
        loop {
            let Some(f) = self.next_frame(deadline)? else {
                return Err(IdentityError::Timeout(timeout));
            };
            match f.cmd {
                CMD_DATA => {
                    let Some((&seq, body)) = f.data.split_first() else {
                        return Err(IdentityError::BadCardRecord("empty data frame".into()));
                    };
                    if usize::from(seq) != chunks % 256 {
                        return Err(IdentityError::BadCardRecord(format!(
                            "chunk {seq} out of order (expected {})",
                            chunks % 256
                        )));
                    }
                    chunks += 1;
                    record.extend_from_slice(body);
                    if record.len() > 8 * 1024 {
                        return Err(IdentityError::BadCardRecord("record too long".into()));
                    }
                }
                CMD_END => {
                    if f.data.first().map(|&n| usize::from(n)) != Some(chunks % 256) {
                        // the reader says it sent more than arrived
                        return Err(IdentityError::BadCardRecord("record incomplete".into()));
                    }
                    let text = std::str::from_utf8(&record).map_err(|_| {
                        IdentityError::BadCardRecord("record is not UTF-8 text".into())
                    })?;
                    return CardRead::parse(CardSource::Serial, text);
                }
                CMD_ERROR => return Err(reader_error(&f.data, chunks)),
                other => {
                    tracing::info!(reader = %self.name, cmd = other, "unexpected frame skipped")
                }
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
