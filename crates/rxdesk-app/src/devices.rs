//! The counter devices as the running app uses them.
//!
//! - A **serial or HID scanner** configured in settings is opened and kept
//!   open by `rxdesk-devices`' supervisor (reopened with backoff after a
//!   replug); each scan is handed to a callback — the desktop shell turns it
//!   into a `device-scan` event for the UI, which treats it exactly like a
//!   keyboard-wedge burst. A keyboard-wedge scanner needs nothing here: the
//!   UI captures it.
//! - The **receipt printer** is asked for its real-time status (`DLE EOT`)
//!   when the status bar refreshes.
//!
//! Statuses are published on `rxdesk-devices`' [`StatusBoard`]; the status
//! bar shows one line per configured device and the overall state.

use crate::status::DevicesState;
use rxdesk_devices::scan::ScanError;
use rxdesk_devices::settings::{open_printer, open_scanner, DeviceSettings, ScannerSettings};
use rxdesk_devices::status::{
    publish_printer_status, supervise_scanner, Backoff, DeviceKind, DeviceState, DeviceStatus,
    StatusBoard, Supervised,
};
use serde::Serialize;
use std::sync::mpsc;
use std::time::Duration;

/// One scan from a serial/HID scanner, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceScan {
    /// The scanned text (terminator and symbology identifier removed).
    pub text: String,
    /// `e_voucher_qr`, `e_prescription_qr`, `gtin`, `trace_code`, `gs1`, `unknown`.
    pub kind: String,
    /// zh-CN label of the kind.
    pub kind_zh: String,
    /// Which scanner (port path or VID:PID).
    pub source: String,
}

/// A scanner problem the operator should see (a garbled frame, a lost link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceScanError {
    /// Which scanner.
    pub source: String,
    /// What happened and what to do, in zh-CN.
    pub message_zh: String,
}

/// The devices of this counter while the app runs.
pub struct Devices {
    settings: DeviceSettings,
    board: StatusBoard,
    scanner: Option<Supervised>,
}

impl std::fmt::Debug for Devices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Devices")
            .field("settings", &self.settings)
            .field("scanner_running", &self.scanner.is_some())
            .finish()
    }
}

fn scanner_name(s: &ScannerSettings) -> String {
    match s {
        ScannerSettings::Serial { path, .. } => path.clone(),
        ScannerSettings::Hid { vid, pid } => format!("USB {vid:04x}:{pid:04x}"),
        ScannerSettings::Wedge(_) => "键盘模式".into(),
    }
}

fn scan_error_zh(e: &ScanError) -> String {
    match e {
        ScanError::Disconnected => "扫码枪已断开：请检查连接线，系统会自动重连".into(),
        other => format!("扫码失败（{other}）：请重新扫码"),
    }
}

impl Devices {
    /// Starts the configured devices. `on_scan` receives every scan (or a
    /// per-scan problem) on the scanner's supervisor thread.
    pub fn start(
        settings: &DeviceSettings,
        on_scan: impl Fn(Result<DeviceScan, DeviceScanError>) + Send + 'static,
    ) -> Self {
        let board = StatusBoard::default();
        let mut scanner = None;
        match &settings.scanner {
            None => {}
            Some(ScannerSettings::Wedge(_)) => board.publish(DeviceStatus {
                kind: DeviceKind::Scanner,
                name: "键盘模式".into(),
                state: DeviceState::Ready,
            }),
            Some(s) => {
                let name = scanner_name(s);
                let conf = s.clone();
                let (tx, rx) = mpsc::channel();
                let opener = Box::new(move || {
                    open_scanner(&conf)?.ok_or(ScanError::Io("keyboard-wedge scanner".into()))
                });
                scanner = Some(supervise_scanner(
                    &name,
                    opener,
                    board.clone(),
                    Backoff::new(Duration::from_millis(500), Duration::from_secs(10)),
                    tx,
                ));
                let source = name.clone();
                let spawned = std::thread::Builder::new()
                    .name("scan events".into())
                    .spawn(move || {
                        for item in rx {
                            on_scan(match item {
                                Ok(scan) => Ok(DeviceScan {
                                    kind: serde_json::to_value(&scan.kind)
                                        .ok()
                                        .and_then(|v| v["kind"].as_str().map(str::to_string))
                                        .unwrap_or_else(|| "unknown".into()),
                                    kind_zh: scan.kind.label_zh().into(),
                                    text: scan.text,
                                    source: source.clone(),
                                }),
                                Err(e) => Err(DeviceScanError {
                                    source: source.clone(),
                                    message_zh: scan_error_zh(&e),
                                }),
                            });
                        }
                    });
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "cannot start the scan event thread");
                }
                tracing::info!(scanner = %name, "scanner supervisor started");
            }
        }
        Self {
            settings: settings.clone(),
            board,
            scanner,
        }
    }

    /// Asks the printer for its status (blocking, bounded by its timeout)
    /// and returns every configured device's status.
    pub fn refresh(&self) -> Vec<DeviceStatus> {
        if let Some(p) = &self.settings.printer {
            let mut printer = open_printer(p);
            publish_printer_status(&self.board, &mut printer);
        }
        self.statuses()
    }

    /// Every configured device's latest status.
    pub fn statuses(&self) -> Vec<DeviceStatus> {
        let now = self.board.subscribe();
        let map = now.borrow();
        map.values().cloned().collect()
    }

    /// The status bar's overall state and one zh-CN line per device.
    pub fn summary(statuses: &[DeviceStatus]) -> (DevicesState, Vec<String>) {
        if statuses.is_empty() {
            return (DevicesState::NotConfigured, Vec::new());
        }
        let all_ready = statuses
            .iter()
            .all(|s| matches!(s.state, DeviceState::Ready));
        let state = if all_ready {
            DevicesState::Ready
        } else {
            DevicesState::Degraded
        };
        (
            state,
            statuses.iter().map(DeviceStatus::summary_zh).collect(),
        )
    }

    /// Stops the scanner supervisor.
    pub fn stop(mut self) {
        if let Some(s) = self.scanner.take() {
            s.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxdesk_devices::printer::PrinterLink;
    use rxdesk_devices::settings::PrinterSettings;
    use rxdesk_devices::sim::printer::PrinterSim;

    #[test]
    fn nothing_configured_says_so() {
        let d = Devices::start(&DeviceSettings::default(), |_| {});
        let st = d.refresh();
        assert!(st.is_empty());
        assert_eq!(Devices::summary(&st).0, DevicesState::NotConfigured);
    }

    #[test]
    fn a_printer_simulator_is_ready_and_a_dead_one_is_degraded() {
        let sim = PrinterSim::start_tcp("127.0.0.1:0").unwrap();
        let printer = |addr: String| DeviceSettings {
            printer: Some(PrinterSettings {
                link: PrinterLink::Tcp { addr },
                width: Default::default(),
                cash_drawer: false,
                timeout_ms: 500,
            }),
            ..DeviceSettings::default()
        };
        let d = Devices::start(&printer(sim.addr().unwrap().to_string()), |_| {});
        let (state, lines) = Devices::summary(&d.refresh());
        assert_eq!(state, DevicesState::Ready, "{lines:?}");
        assert_eq!(lines, vec!["打印机：就绪".to_string()]);

        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = Devices::start(&printer(format!("127.0.0.1:{port}")), |_| {});
        let (state, lines) = Devices::summary(&d.refresh());
        assert_eq!(state, DevicesState::Degraded);
        assert!(lines[0].starts_with("打印机："), "{lines:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_serial_scanner_on_a_pty_streams_classified_scans() {
        use rxdesk_devices::sim::scanner::ScannerSim;
        let mut sim = ScannerSim::new().unwrap();
        let settings = DeviceSettings {
            scanner: Some(ScannerSettings::Serial {
                path: sim.path(),
                baud: 9600,
            }),
            ..DeviceSettings::default()
        };
        let (tx, rx) = mpsc::channel();
        let d = Devices::start(&settings, move |s| {
            let _ = tx.send(s);
        });
        // The supervisor opens the port asynchronously; scan until it is read.
        let mut got = None;
        for _ in 0..50 {
            sim.scan("12345678901234567890").unwrap();
            if let Ok(s) = rx.recv_timeout(Duration::from_millis(200)) {
                got = Some(s);
                break;
            }
        }
        let scan = got.expect("a scan arrives").expect("a good scan");
        assert_eq!(scan.text, "12345678901234567890");
        assert_eq!(scan.kind, "trace_code");
        assert_eq!(scan.kind_zh, "药品追溯码");
        let (state, _) = Devices::summary(&d.statuses());
        assert_eq!(state, DevicesState::Ready);
        d.stop();
    }
}
