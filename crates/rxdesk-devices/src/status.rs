//! Per-device status for the UI, and the hot-plug supervisor that keeps a
//! scanner open across unplug/replug with exponential backoff.
//!
//! Status is published on a `tokio::sync::watch` channel: the UI (or the
//! Tauri shell) subscribes and always sees the latest state of every device;
//! publishers never block. Transitions are also told as [`DeviceEvent`]s
//! on a broadcast channel: "unplugged" when a device that was working is
//! lost, "back" when it works again — the messages shown mid-visit.

use crate::scan::{CodeScanner, Scan, ScanError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// Device classes shown in the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DeviceKind {
    /// 扫码枪
    Scanner,
    /// 小票打印机
    Printer,
    /// 读卡器
    CardReader,
    /// 刷脸终端 / 电子凭证
    FaceTerminal,
}

/// One device's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeviceState {
    /// Not set up in settings.
    NotConfigured,
    /// Vendor library absent.
    NotInstalled,
    /// Opening.
    Connecting,
    /// Working.
    Ready,
    /// Lost; retrying after `retry_in_ms` (attempt `attempt`).
    Disconnected {
        /// Next retry delay.
        retry_in_ms: u64,
        /// Failed attempts so far.
        attempt: u32,
    },
    /// Working but with a problem to show (paper low, last scan bad).
    Warning {
        /// Stable code (`paper_out`, `cover_open`, `printer_error`,
        /// `paper_low`, a [`crate::printer::PrintError`] or
        /// [`crate::identity::IdentityError`] code).
        code: String,
        /// zh-CN message.
        message_zh: String,
    },
}

/// A device's published status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceStatus {
    /// Which device.
    pub kind: DeviceKind,
    /// Its label (port, VID:PID, library).
    pub name: String,
    /// State.
    pub state: DeviceState,
}

impl DeviceState {
    /// A printer problem as a warning.
    pub fn warning_of(e: &crate::printer::PrintError) -> Self {
        DeviceState::Warning {
            code: e.code().into(),
            message_zh: e.message_zh(),
        }
    }
}

/// One configured device as the window words it (the zh-CN line rides
/// along for the CLI): its kind, name and state by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeviceLine {
    /// Which device.
    pub kind: DeviceKind,
    /// Its label (port, VID:PID, library).
    pub name: String,
    /// `not_configured`, `not_installed`, `connecting`, `ready`,
    /// `disconnected`, `warning`.
    #[cfg_attr(
        feature = "ts",
        ts(
            type = "\"not_configured\" | \"not_installed\" | \"connecting\" | \"ready\" | \"disconnected\" | \"warning\""
        )
    )]
    pub state: &'static str,
    /// Disconnected: seconds to the next attempt.
    pub retry_in_secs: Option<u64>,
    /// Warning: its code ([`DeviceState::Warning`]).
    pub warning: Option<String>,
    /// The zh-CN line ("打印机：就绪").
    pub line_zh: String,
}

impl DeviceStatus {
    /// The line the window words.
    pub fn line(&self) -> DeviceLine {
        let (state, retry_in_secs, warning) = match &self.state {
            DeviceState::NotConfigured => ("not_configured", None, None),
            DeviceState::NotInstalled => ("not_installed", None, None),
            DeviceState::Connecting => ("connecting", None, None),
            DeviceState::Ready => ("ready", None, None),
            DeviceState::Disconnected { retry_in_ms, .. } => {
                ("disconnected", Some(retry_in_ms.div_ceil(1000)), None)
            }
            DeviceState::Warning { code, .. } => ("warning", None, Some(code.clone())),
        };
        DeviceLine {
            kind: self.kind,
            name: self.name.clone(),
            state,
            retry_in_secs,
            warning,
            line_zh: self.summary_zh(),
        }
    }

    /// A one-line zh-CN summary for the status bar.
    pub fn summary_zh(&self) -> String {
        let what = self.kind.label_zh();
        let state = match &self.state {
            DeviceState::NotConfigured => "未配置".to_string(),
            DeviceState::NotInstalled => "未安装".to_string(),
            DeviceState::Connecting => "连接中".to_string(),
            DeviceState::Ready => "就绪".to_string(),
            DeviceState::Disconnected { retry_in_ms, .. } => {
                format!("已断开，{} 秒后重连", retry_in_ms.div_ceil(1000))
            }
            DeviceState::Warning { message_zh, .. } => message_zh.clone(),
        };
        format!("{what}：{state}")
    }
}

impl DeviceKind {
    /// zh-CN name.
    pub fn label_zh(self) -> &'static str {
        match self {
            DeviceKind::Scanner => "扫码枪",
            DeviceKind::Printer => "打印机",
            DeviceKind::CardReader => "读卡器",
            DeviceKind::FaceTerminal => "刷脸终端",
        }
    }
}

/// A device came or went (told once per transition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DeviceEvent {
    /// A device that was working is lost.
    Unplugged {
        /// Which device.
        kind: DeviceKind,
        /// Its label.
        name: String,
    },
    /// A lost device works again.
    Back {
        /// Which device.
        kind: DeviceKind,
        /// Its label.
        name: String,
    },
}

impl DeviceEvent {
    /// The message shown at the counter.
    pub fn message_zh(&self) -> String {
        match self {
            DeviceEvent::Unplugged { kind, .. } => {
                format!("{}已断开，请检查连接线；恢复连接后可继续", kind.label_zh())
            }
            DeviceEvent::Back { kind, .. } => format!("{}已恢复连接", kind.label_zh()),
        }
    }
}

#[derive(Debug, Default)]
struct Transitions {
    up: std::collections::BTreeSet<DeviceKind>,
    lost: std::collections::BTreeSet<DeviceKind>,
}

/// All devices' statuses, latest value wins.
#[derive(Debug, Clone)]
pub struct StatusBoard {
    tx: Arc<watch::Sender<BTreeMap<DeviceKind, DeviceStatus>>>,
    events: broadcast::Sender<DeviceEvent>,
    transitions: Arc<std::sync::Mutex<Transitions>>,
}

impl Default for StatusBoard {
    fn default() -> Self {
        let (tx, _rx) = watch::channel(BTreeMap::new());
        let (events, _) = broadcast::channel(64);
        StatusBoard {
            tx: Arc::new(tx),
            events,
            transitions: Default::default(),
        }
    }
}

impl StatusBoard {
    /// Publishes one device's status (and tells an unplug / return).
    pub fn publish(&self, status: DeviceStatus) {
        let event = {
            let mut t = self.transitions.lock().unwrap_or_else(|p| p.into_inner());
            match &status.state {
                DeviceState::Ready | DeviceState::Warning { .. } => {
                    t.up.insert(status.kind);
                    t.lost.remove(&status.kind).then(|| DeviceEvent::Back {
                        kind: status.kind,
                        name: status.name.clone(),
                    })
                }
                DeviceState::Disconnected { .. } if t.up.contains(&status.kind) => {
                    t.lost.insert(status.kind).then(|| DeviceEvent::Unplugged {
                        kind: status.kind,
                        name: status.name.clone(),
                    })
                }
                _ => None,
            }
        };
        self.tx.send_modify(|m| {
            m.insert(status.kind, status);
        });
        if let Some(e) = event {
            tracing::info!(event = ?e, "device transition");
            // no subscriber is fine: the status board still holds the state
            let _ = self.events.send(e);
        }
    }

    /// A receiver of unplug / return events from now on.
    pub fn subscribe_events(&self) -> broadcast::Receiver<DeviceEvent> {
        self.events.subscribe()
    }
    /// A receiver that sees every change.
    pub fn subscribe(&self) -> watch::Receiver<BTreeMap<DeviceKind, DeviceStatus>> {
        self.tx.subscribe()
    }
    /// The current status of one device.
    pub fn get(&self, kind: DeviceKind) -> Option<DeviceStatus> {
        self.tx.borrow().get(&kind).cloned()
    }
}

/// Exponential backoff: `initial`, doubling, capped at `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
    attempt: u32,
}

impl Backoff {
    /// A backoff.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            next: initial,
            attempt: 0,
        }
    }
    /// The next delay (and counts an attempt).
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        self.attempt += 1;
        d
    }
    /// Failed attempts since the last reset.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// Success: start again from `initial`.
    pub fn reset(&mut self) {
        self.next = self.initial;
        self.attempt = 0;
    }
}

/// Opens a scanner; called again after every disconnect.
pub type ScannerOpener = Box<dyn Fn() -> Result<Box<dyn CodeScanner>, ScanError> + Send>;

/// Handle to a supervised scanner thread.
pub struct Supervised {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Supervised {
    pub(crate) fn new(stop: Arc<AtomicBool>, thread: Option<std::thread::JoinHandle<()>>) -> Self {
        Supervised { stop, thread }
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

pub(crate) fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let end = std::time::Instant::now() + d;
    while std::time::Instant::now() < end && !stop.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(10).min(d));
    }
}

/// Runs a scanner forever: opens it, forwards scans and per-scan errors to
/// `out`, and on disconnect publishes `Disconnected`, backs off and reopens.
pub fn supervise_scanner(
    name: &str,
    open: ScannerOpener,
    board: StatusBoard,
    mut backoff: Backoff,
    out: mpsc::Sender<Result<Scan, ScanError>>,
) -> Supervised {
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let name = name.to_string();
    let thread = std::thread::Builder::new()
        .name(format!("supervise {name}"))
        .spawn(move || {
            let status = |state| DeviceStatus {
                kind: DeviceKind::Scanner,
                name: name.clone(),
                state,
            };
            while !stop2.load(Ordering::Acquire) {
                board.publish(status(DeviceState::Connecting));
                let mut scanner = match open() {
                    Ok(s) => s,
                    Err(e) => {
                        let d = backoff.next_delay();
                        tracing::info!(scanner = %name, error = %e, retry = ?d, "scanner not available");
                        board.publish(status(DeviceState::Disconnected {
                            retry_in_ms: d.as_millis() as u64,
                            attempt: backoff.attempt(),
                        }));
                        sleep_unless_stopped(d, &stop2);
                        continue;
                    }
                };
                backoff.reset();
                board.publish(status(DeviceState::Ready));
                while !stop2.load(Ordering::Acquire) {
                    match scanner.next_scan(Duration::from_millis(100)) {
                        Ok(None) => {}
                        Ok(Some(s)) => {
                            if out.send(Ok(s)).is_err() {
                                return;
                            }
                        }
                        Err(ScanError::Disconnected) => {
                            tracing::warn!(scanner = %name, "scanner disconnected");
                            let _ = out.send(Err(ScanError::Disconnected));
                            break;
                        }
                        Err(e) => {
                            if out.send(Err(e)).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        })
        .expect("spawn supervisor");
    Supervised {
        stop,
        thread: Some(thread),
    }
}

/// Asks a printer for its status and publishes it: ready, a warning
/// (paper low / out, cover open, error) or unreachable. Call it on a timer
/// and after each job.
pub fn publish_printer_status(
    board: &StatusBoard,
    printer: &mut dyn crate::printer::ReceiptPrinter,
) -> DeviceState {
    use crate::printer::PrintError;
    let state = match printer.status() {
        Ok(st) if st.paper_out => DeviceState::warning_of(&PrintError::PaperOut),
        Ok(st) if st.cover_open => DeviceState::warning_of(&PrintError::CoverOpen),
        Ok(st) if st.error => DeviceState::warning_of(&PrintError::DeviceError),
        Ok(st) if st.paper_low => DeviceState::Warning {
            code: "paper_low".into(),
            message_zh: "打印纸将尽，请准备换纸".into(),
        },
        Ok(_) => DeviceState::Ready,
        Err(e) => DeviceState::warning_of(&e),
    };
    board.publish(DeviceStatus {
        kind: DeviceKind::Printer,
        name: printer.name().to_string(),
        state: state.clone(),
    });
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "demo")]
    #[test]
    fn printer_status_is_published() {
        use crate::printer::{EscPosPrinter, PrinterLink, PrinterStatus};
        use crate::sim::printer::PrinterSim;
        let sim = PrinterSim::start_tcp("127.0.0.1:0").unwrap();
        let board = StatusBoard::default();
        let mut p = EscPosPrinter::new(
            PrinterLink::Tcp {
                addr: sim.addr().unwrap().to_string(),
            },
            Duration::from_millis(500),
        );
        assert_eq!(publish_printer_status(&board, &mut p), DeviceState::Ready);
        sim.set_status(PrinterStatus {
            paper_low: true,
            ..Default::default()
        });
        publish_printer_status(&board, &mut p);
        let s = board.get(DeviceKind::Printer).unwrap();
        assert_eq!(s.summary_zh(), "打印机：打印纸将尽，请准备换纸");
        sim.set_mute(true);
        assert_eq!(
            publish_printer_status(&board, &mut p),
            DeviceState::Warning {
                code: "printer_not_responding".into(),
                message_zh: "打印机无响应，请检查打印机".into()
            }
        );
    }

    #[test]
    fn unplug_and_return_are_told_once() {
        let board = StatusBoard::default();
        let mut ev = board.subscribe_events();
        let st = |state| DeviceStatus {
            kind: DeviceKind::CardReader,
            name: "/dev/ttyUSB0".into(),
            state,
        };
        let lost = || DeviceState::Disconnected {
            retry_in_ms: 100,
            attempt: 1,
        };
        // never worked: not an unplug
        board.publish(st(lost()));
        assert!(ev.try_recv().is_err());
        board.publish(st(DeviceState::Ready));
        assert!(ev.try_recv().is_err());
        board.publish(st(lost()));
        board.publish(st(lost()));
        board.publish(st(DeviceState::Connecting));
        board.publish(st(DeviceState::Ready));
        board.publish(st(DeviceState::Ready));
        let e1 = ev.try_recv().unwrap();
        assert_eq!(
            e1.message_zh(),
            "读卡器已断开，请检查连接线；恢复连接后可继续"
        );
        assert!(matches!(e1, DeviceEvent::Unplugged { .. }));
        let e2 = ev.try_recv().unwrap();
        assert_eq!(e2.message_zh(), "读卡器已恢复连接");
        assert!(ev.try_recv().is_err(), "each transition is told once");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(450));
        let v: Vec<_> = (0..5).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(v, vec![100, 200, 400, 450, 450]);
        assert_eq!(b.attempt(), 5);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(100));
    }

    #[test]
    fn board_publishes_latest_state() {
        let board = StatusBoard::default();
        let mut rx = board.subscribe();
        board.publish(DeviceStatus {
            kind: DeviceKind::Printer,
            name: "tcp:x".into(),
            state: DeviceState::Disconnected {
                retry_in_ms: 1500,
                attempt: 2,
            },
        });
        assert!(rx.has_changed().unwrap());
        let s = rx
            .borrow_and_update()
            .get(&DeviceKind::Printer)
            .cloned()
            .unwrap();
        assert_eq!(s.summary_zh(), "打印机：已断开，2 秒后重连");
    }
}
