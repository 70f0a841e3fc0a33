//! USB-serial (virtual COM) scanner driver over `serialport`.
//!
//! The preferred scanner mode: bytes arrive exactly as encoded, GS (0x1D)
//! survives, no IME interferes. Framing is [`super::frame`].

use super::classify::{Scan, ScanError};
use super::frame::FrameAssembler;
use super::CodeScanner;
use std::collections::VecDeque;
use std::io::Read;
use std::time::{Duration, Instant};

/// How long the line may stay quiet inside a frame before it is a half scan.
pub const INTER_BYTE_TIMEOUT: Duration = Duration::from_millis(300);

/// A scanner on a serial port.
pub struct SerialScanner {
    name: String,
    port: Box<dyn serialport::SerialPort>,
    frames: FrameAssembler,
    pending: VecDeque<Result<Scan, ScanError>>,
    last_byte: Option<Instant>,
}

impl SerialScanner {
    /// Opens `path` (e.g. `/dev/ttyACM0`, `COM3`) at `baud` 8N1.
    pub fn open(path: &str, baud: u32) -> Result<Self, ScanError> {
        let port = serialport::new(path, baud)
            .timeout(Duration::from_millis(20))
            .open()
            .map_err(|e| match e.kind {
                serialport::ErrorKind::NoDevice => ScanError::Disconnected,
                _ => ScanError::Io(format!("{path}: {e}")),
            })?;
        Ok(Self::from_port(path, port))
    }

    /// Wraps an already open port (tests pass one end of a PTY pair).
    pub fn from_port(name: &str, port: Box<dyn serialport::SerialPort>) -> Self {
        SerialScanner {
            name: name.to_string(),
            port,
            frames: FrameAssembler::new(),
            pending: VecDeque::new(),
            last_byte: None,
        }
    }
}

impl CodeScanner for SerialScanner {
    fn name(&self) -> &str {
        &self.name
    }

    fn next_scan(&mut self, timeout: Duration) -> Result<Option<Scan>, ScanError> {
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 512];
        loop {
            if let Some(r) = self.pending.pop_front() {
                return r.map(Some);
            }
            if let Some(last) = self.last_byte {
                if self.frames.has_partial() && last.elapsed() >= INTER_BYTE_TIMEOUT {
                    self.last_byte = None;
                    if let Some(e) = self.frames.idle() {
                        return Err(e);
                    }
                }
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            match self.port.read(&mut buf) {
                Ok(0) => return Err(ScanError::Disconnected),
                Ok(n) => {
                    self.last_byte = Some(Instant::now());
                    self.pending.extend(self.frames.push(&buf[..n]));
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => {
                    tracing::warn!(scanner = %self.name, error = %e, "serial scanner read failed");
                    return Err(ScanError::Disconnected);
                }
            }
        }
    }
}
