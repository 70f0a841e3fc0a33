//! Code scanners: the [`CodeScanner`] trait, the pure classifier, framing,
//! the keyboard-wedge burst classifier, and the serial and HID drivers.

pub mod classify;
pub mod frame;
pub mod gs1;
pub mod hid;
pub mod serial;
pub mod wedge;

pub use classify::{
    classify, classify_bytes, voucher_check, NotEVoucher, Scan, ScanError, ScanKind,
};
pub use gs1::{parse_gs1, Gs1, Gs1Error};

use std::sync::mpsc;
use std::time::Duration;

/// A device that yields scans.
pub trait CodeScanner: Send {
    /// A label for logs and the UI (port path or VID:PID).
    fn name(&self) -> &str;
    /// Waits up to `timeout` for the next scan. `Ok(None)`: nothing scanned.
    /// An `Err` is about one scan (or the link) — the scanner stays usable;
    /// [`ScanError::Disconnected`] means reopen it.
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<Scan>, ScanError>;
}

/// Runs a scanner on its own thread and streams every scan and error to the
/// returned channel, until the receiver is dropped or the link is lost.
pub fn spawn_stream(mut scanner: Box<dyn CodeScanner>) -> mpsc::Receiver<Result<Scan, ScanError>> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("scanner {}", scanner.name()))
        .spawn(move || loop {
            match scanner.next_scan(Duration::from_millis(200)) {
                Ok(None) => {}
                Ok(Some(scan)) => {
                    if tx.send(Ok(scan)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let fatal = e == ScanError::Disconnected;
                    if tx.send(Err(e)).is_err() || fatal {
                        return;
                    }
                }
            }
        })
        .expect("spawn scanner thread");
    rx
}
