//! Scanner simulator: the master end of a pseudo-terminal pair. The driver
//! opens the slave by path, exactly like a USB-serial scanner's `/dev/ttyACM0`.

use serialport::{SerialPort, TTYPort};
use std::io::Write;
use std::time::Duration;

/// `TTYPort::pair` without close-on-exec: a child process spawned meanwhile
/// would inherit the master and keep the "device" plugged in after the
/// simulator drops it. Re-open both ends as close-on-exec duplicates (a
/// spawn between the two calls can still inherit them; they are closed when
/// that child exits).
pub fn cloexec_pair() -> Result<(TTYPort, TTYPort), serialport::Error> {
    let (master, slave) = TTYPort::pair()?;
    Ok((master.try_clone_native()?, slave.try_clone_native()?))
}

/// A simulated USB-serial scanner.
pub struct ScannerSim {
    master: TTYPort,
    slave: TTYPort,
    /// Delay between bytes (a real scanner at 9600 baud sends ~1 byte/ms).
    pub byte_delay: Duration,
}

impl ScannerSim {
    /// Creates the PTY pair.
    pub fn new() -> Result<Self, serialport::Error> {
        let (master, slave) = cloexec_pair()?;
        Ok(ScannerSim {
            master,
            slave,
            byte_delay: Duration::ZERO,
        })
    }

    /// The path the driver opens (`/dev/pts/N`).
    pub fn path(&self) -> String {
        self.slave.name().unwrap_or_default()
    }

    /// Sends one scan followed by CR LF.
    pub fn scan(&mut self, code: &str) -> std::io::Result<()> {
        let mut bytes = code.as_bytes().to_vec();
        bytes.extend_from_slice(b"\r\n");
        self.send_raw(&bytes)
    }

    /// Sends raw bytes (garbage, half scans).
    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.byte_delay.is_zero() {
            self.master.write_all(bytes)?;
        } else {
            for b in bytes {
                self.master.write_all(std::slice::from_ref(b))?;
                std::thread::sleep(self.byte_delay);
            }
        }
        self.master.flush()
    }
}
