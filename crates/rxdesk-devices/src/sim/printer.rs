//! Printer simulator: accepts ESC/POS over TCP (port 9100 style) or a
//! serial PTY, decodes every job back into [`Event`]s, answers `DLE EOT`
//! status requests from a settable [`PrinterStatus`], and can be told to
//! stop answering (a hung printer).

use crate::printer::decode::{Decoder, Event};
use crate::printer::PrinterStatus;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Default)]
struct Shared {
    status: PrinterStatus,
    mute: bool,
    events: Vec<Event>,
    stop: bool,
}

/// A serial printer on a PTY pair: the simulator serves the master; the
/// driver opens the returned slave path like `/dev/ttyUSB0`.
pub fn start_serial_pty() -> Result<(PrinterSim, String, std::fs::File), serialport::Error> {
    use std::os::fd::AsRawFd;
    let (master, slave, path) = super::scanner::cloexec_pair()?;
    // non-blocking, so the serving thread can notice mute/stop
    let flags = nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_NONBLOCK;
    nix::fcntl::fcntl(master.as_raw_fd(), nix::fcntl::FcntlArg::F_SETFL(flags)).map_err(|e| {
        serialport::Error::new(
            serialport::ErrorKind::Io(std::io::ErrorKind::Other),
            e.to_string(),
        )
    })?;
    Ok((PrinterSim::attach(master), path, slave))
}

/// Handle to a running printer simulator (cheap to clone).
#[derive(Clone, Debug)]
pub struct PrinterSim {
    shared: Arc<Mutex<Shared>>,
    addr: Option<SocketAddr>,
}

fn lock(m: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PrinterSim {
    /// Listens on `addr` (use `127.0.0.1:0` for a free port) on a background thread.
    pub fn start_tcp(addr: &str) -> std::io::Result<PrinterSim> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let sim = PrinterSim {
            shared: Arc::new(Mutex::new(Shared::default())),
            addr: Some(local),
        };
        let s = sim.clone();
        std::thread::Builder::new()
            .name("printer-sim".into())
            .spawn(move || loop {
                if lock(&s.shared).stop {
                    return;
                }
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).ok();
                        stream
                            .set_read_timeout(Some(Duration::from_millis(50)))
                            .ok();
                        let s2 = s.clone();
                        std::thread::spawn(move || s2.serve(stream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            })?;
        Ok(sim)
    }

    /// Serves one byte stream (a PTY master, a TCP connection) on a new thread.
    pub fn attach<S: Read + Write + Send + 'static>(stream: S) -> PrinterSim {
        let sim = PrinterSim {
            shared: Arc::new(Mutex::new(Shared::default())),
            addr: None,
        };
        let s = sim.clone();
        std::thread::spawn(move || s.serve(stream));
        sim
    }

    /// The TCP address, when listening.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// Sets what `DLE EOT` answers.
    pub fn set_status(&self, status: PrinterStatus) {
        lock(&self.shared).status = status;
    }

    /// When muted the printer reads nothing and answers nothing.
    pub fn set_mute(&self, mute: bool) {
        lock(&self.shared).mute = mute;
    }

    /// Every event decoded so far (all connections).
    pub fn events(&self) -> Vec<Event> {
        lock(&self.shared).events.clone()
    }

    /// Takes and clears the events.
    pub fn take_events(&self) -> Vec<Event> {
        std::mem::take(&mut lock(&self.shared).events)
    }

    /// Waits until a `Cut` has been decoded (a whole receipt), up to `timeout`.
    pub fn wait_for_cut(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if lock(&self.shared).events.contains(&Event::Cut) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Stops accepting connections.
    pub fn stop(&self) {
        lock(&self.shared).stop = true;
    }

    fn serve<S: Read + Write>(&self, mut stream: S) {
        let mut dec = Decoder::new();
        let mut buf = [0u8; 4096];
        loop {
            if lock(&self.shared).stop {
                return;
            }
            if lock(&self.shared).mute {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            match stream.read(&mut buf) {
                Ok(0) => {
                    let tail = dec.finish();
                    lock(&self.shared).events.extend(tail);
                    return;
                }
                Ok(n) => {
                    let events = dec.push(&buf[..n]);
                    for e in &events {
                        if let Event::StatusRequest { n } = e {
                            let (offline, paper) = lock(&self.shared).status.to_bytes();
                            let answer = match n {
                                2 => offline,
                                4 => paper,
                                _ => 0x12,
                            };
                            if stream
                                .write_all(&[answer])
                                .and_then(|_| stream.flush())
                                .is_err()
                            {
                                return;
                            }
                        }
                    }
                    lock(&self.shared).events.extend(
                        events
                            .into_iter()
                            .filter(|e| !matches!(e, Event::StatusRequest { .. })),
                    );
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::Interrupted
                    ) =>
                {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Err(_) => return,
            }
        }
    }
}
