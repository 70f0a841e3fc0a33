//! Scanner simulator: the master end of a pseudo-terminal pair. The driver
//! opens the slave by path, exactly like a USB-serial scanner's `/dev/ttyACM0`.

use nix::fcntl::OFlag;
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt, PtyMaster};
use std::io::Write;
use std::time::Duration;

/// A PTY pair whose ends are all close-on-exec from the start.
/// (`TTYPort::pair` opens them without it: a child process spawned at the
/// same moment inherits the master and keeps the "device" plugged in after
/// the simulator drops it.) Returns the master, the slave held open (so the
/// node survives the driver closing and reopening it) and the slave's path.
pub fn cloexec_pair() -> Result<(PtyMaster, std::fs::File, String), serialport::Error> {
    use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let nix_err = |e: nix::Error| {
        serialport::Error::new(
            serialport::ErrorKind::Io(std::io::ErrorKind::Other),
            e.to_string(),
        )
    };
    let master =
        posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).map_err(nix_err)?;
    grantpt(&master).map_err(nix_err)?;
    unlockpt(&master).map_err(nix_err)?;
    let path = ptsname_r(&master).map_err(nix_err)?;
    // std opens with O_CLOEXEC; no lock is taken, so the driver can open the node
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc_o_noctty())
        .open(&path)?;
    // raw line discipline: no echo, no CR/LF translation, no signal characters
    let mut t = tcgetattr(slave.as_raw_fd()).map_err(nix_err)?;
    cfmakeraw(&mut t);
    tcsetattr(slave.as_raw_fd(), SetArg::TCSANOW, &t).map_err(nix_err)?;
    Ok((master, slave, path))
}

fn libc_o_noctty() -> i32 {
    OFlag::O_NOCTTY.bits()
}

/// A simulated USB-serial scanner.
pub struct ScannerSim {
    master: PtyMaster,
    _slave: std::fs::File,
    path: String,
    /// Delay between bytes (a real scanner at 9600 baud sends ~1 byte/ms).
    pub byte_delay: Duration,
}

impl ScannerSim {
    /// Creates the PTY pair.
    pub fn new() -> Result<Self, serialport::Error> {
        let (master, slave, path) = cloexec_pair()?;
        Ok(ScannerSim {
            master,
            _slave: slave,
            path,
            byte_delay: Duration::ZERO,
        })
    }

    /// The path the driver opens (`/dev/pts/N`).
    pub fn path(&self) -> String {
        self.path.clone()
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
