//! Simulator of the generic serial card reader (docs/devices.md): the
//! master end of a PTY pair speaking [`crate::card::frame`]. The driver
//! opens the slave path like `/dev/ttyUSB0`. A card can be inserted,
//! removed, removed *between two frames of the next read*, or replaced by a
//! garbage record; [`CardReaderSim::unplug`] closes the PTY like a pulled
//! USB cable.

use crate::card::frame::{
    record_frames, Frame, FrameDecoder, CMD_ERROR, CMD_PING, CMD_PONG, CMD_READ, ERR_NO_CARD,
    ERR_REMOVED,
};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Bytes of record per `D` frame (small, so a record takes several frames).
pub const CHUNK: usize = 48;

/// What the simulated reader holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Card {
    record: Option<Vec<u8>>,
    remove_mid_read: bool,
    silent: bool,
    reads: usize,
}

/// A running serial card reader simulator.
pub struct CardReaderSim {
    card: Arc<Mutex<Card>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    slave: Option<std::fs::File>,
    path: String,
}

fn lock(m: &Mutex<Card>) -> std::sync::MutexGuard<'_, Card> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl CardReaderSim {
    /// Creates the PTY pair and starts serving it.
    pub fn start() -> Result<Self, serialport::Error> {
        let (master, slave, path) = super::scanner::cloexec_pair()?;
        let flags = nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_NONBLOCK;
        nix::fcntl::fcntl(master.as_raw_fd(), nix::fcntl::FcntlArg::F_SETFL(flags)).map_err(
            |e| {
                serialport::Error::new(
                    serialport::ErrorKind::Io(std::io::ErrorKind::Other),
                    e.to_string(),
                )
            },
        )?;
        let card = Arc::new(Mutex::new(Card::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (card.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("card-reader-sim".into())
            .spawn(move || serve(master, &c, &s))?;
        Ok(CardReaderSim {
            card,
            stop,
            thread: Some(thread),
            slave: Some(slave),
            path,
        })
    }

    /// The path the driver opens (`/dev/pts/N`).
    pub fn path(&self) -> String {
        self.path.clone()
    }

    /// A card (its `|` record) is inserted.
    pub fn insert(&self, record: &str) {
        let mut c = lock(&self.card);
        c.record = Some(record.as_bytes().to_vec());
        c.remove_mid_read = false;
    }

    /// Raw bytes as the card's record (a garbage chip).
    pub fn insert_raw(&self, record: &[u8]) {
        let mut c = lock(&self.card);
        c.record = Some(record.to_vec());
        c.remove_mid_read = false;
    }

    /// The card is taken out.
    pub fn remove(&self) {
        lock(&self.card).record = None;
    }

    /// The next read sends the first chunk, then the card is pulled out.
    pub fn remove_during_next_read(&self) {
        lock(&self.card).remove_mid_read = true;
    }

    /// The reader stops answering (true) or answers again (false).
    pub fn set_silent(&self, silent: bool) {
        lock(&self.card).silent = silent;
    }

    /// How many read commands were answered.
    pub fn reads(&self) -> usize {
        lock(&self.card).reads
    }

    /// Pulls the USB cable: the PTY closes; the driver's next read fails.
    pub fn unplug(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.slave.take();
    }
}

impl Drop for CardReaderSim {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve(mut master: nix::pty::PtyMaster, card: &Mutex<Card>, stop: &AtomicBool) {
    let mut dec = FrameDecoder::new();
    let mut buf = [0u8; 256];
    while !stop.load(Ordering::Acquire) {
        let n = match master.read(&mut buf) {
            Ok(0) => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                ) =>
            {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            // EIO while no slave is open: wait for the driver
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        for frame in dec.push(&buf[..n]).into_iter().flatten() {
            if lock(card).silent {
                continue;
            }
            let answer: Vec<(Frame, u64)> = match frame.cmd {
                CMD_PING => vec![(
                    Frame::new(CMD_PONG, "RXDESK-SIM 串口读卡器 v1".as_bytes()),
                    0,
                )],
                CMD_READ => {
                    let mut c = lock(card);
                    c.reads += 1;
                    match c.record.clone() {
                        None => vec![(error(ERR_NO_CARD, "未检测到卡片"), 0)],
                        Some(rec) if c.remove_mid_read => {
                            c.remove_mid_read = false;
                            c.record = None;
                            let first = record_frames(&rec, CHUNK).remove(0);
                            vec![(first, 0), (error(ERR_REMOVED, "卡片已拔出"), 30)]
                        }
                        Some(rec) => record_frames(&rec, CHUNK)
                            .into_iter()
                            .map(|f| (f, 2))
                            .collect(),
                    }
                }
                _ => vec![],
            };
            for (f, pause_ms) in answer {
                std::thread::sleep(Duration::from_millis(pause_ms));
                if write_all(&mut master, &f.encode(), stop).is_err() {
                    break;
                }
            }
        }
    }
}

fn error(code: &str, message: &str) -> Frame {
    Frame::new(CMD_ERROR, format!("{code}|{message}").as_bytes())
}

fn write_all(
    master: &mut nix::pty::PtyMaster,
    mut bytes: &[u8],
    stop: &AtomicBool,
) -> std::io::Result<()> {
    while !bytes.is_empty() {
        if stop.load(Ordering::Acquire) {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        match master.write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(2))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
