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
//! - The **identification devices** ([`IdentityDevices`]): the card reader
//!   (national library or the generic serial reader), the ID-card reader
//!   (`HeaSecReadInfo` `ReadSFZ`) and `NationECCode` (e-voucher QR decode,
//!   the e-voucher password on the terminal's PIN pad, face). The visit
//!   service calls them (docs/devices.md §11); the card reader is supervised
//!   so an unplugged reader shows in the status bar and as a
//!   [`DeviceEvent`] (told once when lost, once when back).
//!
//! Statuses are published on `rxdesk-devices`' [`StatusBoard`]; the status
//! bar shows one line per configured device and the overall state.

use crate::status::DevicesState;
pub use rxdesk_devices::api::DeviceTest;
use rxdesk_devices::api::{CardReaderDevice, EVoucherDevice, IdCardDevice};
pub use rxdesk_devices::discovery::{inventory, Inventory};
use rxdesk_devices::identity::IdentityError;
use rxdesk_devices::scan::ScanError;
pub use rxdesk_devices::settings::DeviceSettings;
use rxdesk_devices::settings::{
    card_reader_device, open_nation_ec, open_printer, open_scanner, CardReaderSettings, QrDecode,
    ScannerSettings,
};
pub use rxdesk_devices::status::DeviceEvent;
use rxdesk_devices::status::{
    publish_printer_status, supervise_scanner, Backoff, DeviceKind, DeviceState, DeviceStatus,
    StatusBoard, Supervised,
};
use serde::Serialize;
use std::sync::mpsc;
use std::time::Duration;

/// One scan from a serial/HID scanner, as the UI receives it (`device-scan`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
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

/// A scanner problem the operator should see (a garbled frame, a lost link),
/// as the UI receives it (`device-scan-error`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeviceScanError {
    /// Which scanner.
    pub source: String,
    /// What happened: `disconnected`, `empty`, `garbled`, `bad_check_digit`,
    /// `gs1`, `incomplete`, `too_long`, `io` (the window words it).
    #[cfg_attr(
        feature = "ts",
        ts(
            type = "\"disconnected\" | \"empty\" | \"garbled\" | \"bad_check_digit\" | \"gs1\" | \"incomplete\" | \"too_long\" | \"io\""
        )
    )]
    pub code: &'static str,
    /// What happened and what to do, in zh-CN (for the log and the zh-CN window).
    pub message_zh: String,
}

/// The identification devices as the visit uses them (cheap to clone).
/// Each is `None` when not configured; `ec_problem` says why `NationECCode`
/// is unavailable (not installed, not configured).
#[derive(Clone, Debug)]
pub struct IdentityDevices {
    /// Social-security card reader.
    pub card: Option<CardReaderDevice>,
    /// ID-card reader (`HeaSecReadInfo` only).
    pub id_card: Option<IdCardDevice>,
    /// `NationECCode`: QR decode, PIN pad, face.
    pub ec: Option<EVoucherDevice>,
    /// Why `ec` is `None`, as the operator should read it.
    pub ec_problem: Option<String>,
    /// Who decodes a scanned e-voucher QR.
    pub qr_decode: QrDecode,
    /// A face terminal is attached.
    pub face_terminal: bool,
    /// `iot.medical.settle.notify` after a face-identified settlement.
    pub settle_notify: bool,
}

impl Default for IdentityDevices {
    /// No devices: the scanned e-voucher text is the token (the center
    /// decodes it); card, ID card and face are refused with a clear message.
    fn default() -> Self {
        IdentityDevices {
            card: None,
            id_card: None,
            ec: None,
            ec_problem: None,
            qr_decode: QrDecode::Center,
            face_terminal: false,
            settle_notify: false,
        }
    }
}

impl IdentityDevices {
    /// Builds the handles from the settings (nothing is opened yet but the
    /// `NationECCode` library, which is loaded once). Statuses go to `board`.
    pub fn from_settings(s: &DeviceSettings, board: &StatusBoard) -> Self {
        let card = s
            .card_reader
            .as_ref()
            .map(|c| card_reader_device(c, board.clone()));
        let id_card = match &s.card_reader {
            Some(CardReaderSettings::HeaSec { path, init_json }) => {
                IdCardDevice::open(path.as_deref(), init_json)
                    .map_err(|e| tracing::warn!(error = e.code(), "ID-card reader unavailable"))
                    .ok()
            }
            _ => None,
        };
        let (ec, ec_problem, qr_decode, face_terminal, settle_notify) = match &s.nation_ec {
            None => (
                None,
                Some("未配置医保电子凭证组件（NationECCode），请在设置→设备中配置".to_string()),
                QrDecode::Center,
                false,
                false,
            ),
            Some(n) => {
                let opened = open_nation_ec(n);
                board.publish(DeviceStatus {
                    kind: DeviceKind::FaceTerminal,
                    name: "NationECCode".into(),
                    state: match &opened {
                        Ok(_) => DeviceState::Ready,
                        Err(IdentityError::NotInstalled(_)) => DeviceState::NotInstalled,
                        Err(e) => DeviceState::Warning {
                            code: e.code().into(),
                            message_zh: e.message_zh(),
                        },
                    },
                });
                match opened {
                    Ok(ec) => (
                        Some(EVoucherDevice::new(ec)),
                        None,
                        n.qr_decode,
                        n.face_terminal,
                        n.settle_notify,
                    ),
                    Err(e) => {
                        tracing::warn!(error = e.code(), "NationECCode unavailable");
                        (
                            None,
                            Some(e.message_zh()),
                            n.qr_decode,
                            n.face_terminal,
                            n.settle_notify,
                        )
                    }
                }
            }
        };
        IdentityDevices {
            card,
            id_card,
            ec,
            ec_problem,
            qr_decode,
            face_terminal,
            settle_notify,
        }
    }

    /// The e-voucher library, or why there is none (zh-CN).
    pub fn ec(&self) -> Result<&EVoucherDevice, String> {
        self.ec.as_ref().ok_or_else(|| {
            self.ec_problem
                .clone()
                .unwrap_or_else(|| "未配置医保电子凭证组件（NationECCode）".into())
        })
    }
}

/// Which device class a Settings test exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum TestKind {
    /// Read the card on the card reader.
    Card,
    /// Decode a QR through `ec.query`.
    Qr,
    /// Ping the face terminal / library.
    Face,
    /// Print a test page.
    Print,
}

/// The devices of this counter while the app runs.
pub struct Devices {
    settings: DeviceSettings,
    board: StatusBoard,
    scanner: std::sync::Mutex<Option<Supervised>>,
    identity: IdentityDevices,
    card_supervisor: std::sync::Mutex<Option<Supervised>>,
}

impl std::fmt::Debug for Devices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Devices")
            .field("settings", &self.settings)
            .field(
                "scanner_running",
                &self
                    .scanner
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .is_some(),
            )
            .finish()
    }
}

/// The keyboard-wedge scanner's device name: a stable label, not a word in
/// one language (the window words it as 键盘模式 / "keyboard wedge"; a port
/// or a USB id names the other scanners).
pub const WEDGE_NAME: &str = "keyboard-wedge";

fn scanner_name(s: &ScannerSettings) -> String {
    match s {
        ScannerSettings::Serial { path, .. } => path.clone(),
        ScannerSettings::Hid { vid, pid } => format!("USB {vid:04x}:{pid:04x}"),
        ScannerSettings::Wedge(_) => WEDGE_NAME.into(),
    }
}

/// The stable code of a scanner problem (`DeviceScanError::code`).
fn scan_error_code(e: &ScanError) -> &'static str {
    match e {
        ScanError::Empty => "empty",
        ScanError::Garbled => "garbled",
        ScanError::BadCheckDigit(_) => "bad_check_digit",
        ScanError::Gs1(_) => "gs1",
        ScanError::Incomplete(_) => "incomplete",
        ScanError::TooLong => "too_long",
        ScanError::Io(_) => "io",
        ScanError::Disconnected => "disconnected",
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
                name: WEDGE_NAME.into(),
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
                                    code: scan_error_code(&e),
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
        let identity = IdentityDevices::from_settings(settings, &board);
        let card_supervisor = identity.card.as_ref().map(|c| {
            c.supervise(
                Backoff::new(Duration::from_millis(500), Duration::from_secs(10)),
                Duration::from_secs(2),
            )
        });
        Self {
            settings: settings.clone(),
            board,
            scanner: std::sync::Mutex::new(scanner),
            identity,
            card_supervisor: std::sync::Mutex::new(card_supervisor),
        }
    }

    /// The identification devices (for the visit service).
    pub fn identity(&self) -> IdentityDevices {
        self.identity.clone()
    }

    /// Unplugged / back events (each told once per transition).
    pub fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<DeviceEvent> {
        self.board.subscribe_events()
    }

    /// The settings the devices were started with.
    pub fn settings(&self) -> &DeviceSettings {
        &self.settings
    }

    /// Settings → test of one device class. `qr`: the code to decode for
    /// [`TestKind::Qr`].
    pub async fn test(&self, kind: TestKind, qr: Option<String>) -> DeviceTest {
        let t = Duration::from_secs(10);
        let missing = |kind: DeviceKind, what: &str| {
            DeviceTest::failed(
                kind,
                "not_configured",
                &[],
                format!("未配置{what}，请先在上方选择并保存"),
            )
        };
        match kind {
            TestKind::Card => match &self.identity.card {
                Some(c) => c.test(t).await,
                None => missing(DeviceKind::CardReader, "读卡器"),
            },
            TestKind::Face => match self.identity.ec() {
                Ok(ec) => ec.test(t).await,
                Err(m) => DeviceTest::failed(DeviceKind::FaceTerminal, "not_configured", &[], m),
            },
            TestKind::Qr => {
                let ec = match self.identity.ec() {
                    Ok(ec) => ec.clone(),
                    Err(m) => {
                        return DeviceTest::failed(
                            DeviceKind::FaceTerminal,
                            "not_configured",
                            &[],
                            m,
                        )
                    }
                };
                let code = qr.unwrap_or_default();
                if code.trim().is_empty() {
                    return DeviceTest::failed(
                        DeviceKind::FaceTerminal,
                        "no_code",
                        &[],
                        "请先扫描一张医保电子凭证码再测试解码".into(),
                    );
                }
                match ec.decode_qr(code.trim().to_string(), t).await {
                    Ok(v) => DeviceTest::pass(
                        DeviceKind::FaceTerminal,
                        "qr_decoded",
                        &[
                            ("name", v.name.as_str()),
                            ("idMasked", v.id_masked.as_str()),
                        ],
                        format!("解码成功：{}（{}）", v.name, v.id_masked),
                    ),
                    Err(e) => DeviceTest::fail(DeviceKind::FaceTerminal, &e),
                }
            }
            TestKind::Print => match &self.settings.printer {
                Some(p) => {
                    let p = p.clone();
                    tokio::task::spawn_blocking(move || {
                        let mut printer = open_printer(&p);
                        rxdesk_devices::api::test_printer(&mut printer, p.width)
                    })
                    .await
                    .unwrap_or_else(|_| missing(DeviceKind::Printer, "打印机"))
                }
                None => missing(DeviceKind::Printer, "打印机"),
            },
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

    /// Settings → test of a device class as the operator chose it: the
    /// running devices when `candidate` is what runs (a port is opened by
    /// one owner only), else the candidate started just for the test.
    pub async fn test_candidate(
        &self,
        candidate: Option<&DeviceSettings>,
        kind: TestKind,
        qr: Option<String>,
    ) -> DeviceTest {
        match candidate {
            Some(c) if c != &self.settings => {
                let temp = Devices::start(c, |_| {});
                let r = temp.test(kind, qr).await;
                temp.stop();
                r
            }
            _ => self.test(kind, qr).await,
        }
    }

    /// Stops the supervisors.
    pub fn stop(self) {
        self.halt();
    }

    /// Stops the supervisors of devices that others may still hold (the
    /// ports are closed; a later call does nothing).
    fn halt(&self) {
        let take = |m: &std::sync::Mutex<Option<Supervised>>| {
            m.lock().unwrap_or_else(|p| p.into_inner()).take()
        };
        if let Some(s) = take(&self.scanner) {
            s.stop();
        }
        if let Some(s) = take(&self.card_supervisor) {
            s.stop();
        }
    }
}

/// What a scan callback is: every scan (or a per-scan problem) of a
/// serial/HID scanner.
pub type ScanSink = dyn Fn(Result<DeviceScan, DeviceScanError>) + Send + Sync;

/// The counter's devices while the app runs, replaced at once when the
/// device settings change (Settings → 设备, or after the first start's
/// onboarding) — no restart: the old supervisors stop and close their
/// ports, the new ones start, scans keep reaching the same callback and
/// unplugged / back events the same subscribers. The caller re-attaches
/// [`LiveDevices::identity`] to the visit service after [`LiveDevices::apply`].
pub struct LiveDevices {
    current: std::sync::RwLock<std::sync::Arc<Devices>>,
    on_scan: std::sync::Arc<ScanSink>,
    events: tokio::sync::broadcast::Sender<DeviceEvent>,
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for LiveDevices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveDevices")
            .field("current", &self.current())
            .finish()
    }
}

impl LiveDevices {
    /// Starts the configured devices; `on_scan` receives every scan of
    /// whichever scanner is configured now or later.
    pub fn start(
        settings: &DeviceSettings,
        on_scan: impl Fn(Result<DeviceScan, DeviceScanError>) + Send + Sync + 'static,
    ) -> Self {
        let (events, _) = tokio::sync::broadcast::channel(64);
        let on_scan: std::sync::Arc<ScanSink> = std::sync::Arc::new(on_scan);
        let generation = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let first = Self::launch(settings, &on_scan, &events, &generation, 0);
        LiveDevices {
            current: std::sync::RwLock::new(first),
            on_scan,
            events,
            generation,
        }
    }

    /// Starts one set of devices whose events are forwarded while it is
    /// generation `gen`.
    fn launch(
        settings: &DeviceSettings,
        on_scan: &std::sync::Arc<ScanSink>,
        events: &tokio::sync::broadcast::Sender<DeviceEvent>,
        generation: &std::sync::Arc<std::sync::atomic::AtomicU64>,
        gen: u64,
    ) -> std::sync::Arc<Devices> {
        let sink = std::sync::Arc::clone(on_scan);
        let devices = Devices::start(settings, move |scan| sink(scan));
        let mut rx = devices.subscribe_events();
        let (tx, live) = (events.clone(), std::sync::Arc::clone(generation));
        let forwarded = std::thread::Builder::new()
            .name("device events".into())
            .spawn(move || loop {
                use tokio::sync::broadcast::error::RecvError;
                match rx.blocking_recv() {
                    Ok(e) if live.load(std::sync::atomic::Ordering::Acquire) == gen => {
                        // No subscriber yet is not an error.
                        let _ = tx.send(e);
                    }
                    Ok(_) => break,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                }
            });
        if let Err(e) = forwarded {
            tracing::error!(error = %e, "cannot start the device event thread");
        }
        std::sync::Arc::new(devices)
    }

    /// The devices running now.
    pub fn current(&self) -> std::sync::Arc<Devices> {
        std::sync::Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The identification devices running now (for the visit service).
    pub fn identity(&self) -> IdentityDevices {
        self.current().identity()
    }

    /// Unplugged / back events of whichever devices run (each told once per
    /// transition).
    pub fn subscribe_events(&self) -> tokio::sync::broadcast::Receiver<DeviceEvent> {
        self.events.subscribe()
    }

    /// Replaces the running devices with `settings` at once: the old ones
    /// stop (ports closed) before the new ones open them. Returns the new
    /// identification devices to attach to the visit service.
    pub fn apply(&self, settings: &DeviceSettings) -> IdentityDevices {
        let mut slot = self.current.write().unwrap_or_else(|p| p.into_inner());
        let gen = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel)
            + 1;
        slot.halt();
        *slot = Self::launch(settings, &self.on_scan, &self.events, &self.generation, gen);
        tracing::info!("device settings applied without restart");
        slot.identity()
    }
}

/// A device unplugged / back, as the window is told (`device-event`). The
/// window words it from `kind` and `back`; `message_zh` rides along.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeviceNotice {
    /// `scanner`, `printer`, `card_reader`, `face_terminal`.
    pub kind: DeviceKind,
    /// The device's label.
    pub name: String,
    /// `true`: it works again.
    pub back: bool,
    /// What the counter shows (zh-CN).
    pub message_zh: String,
}

impl From<&DeviceEvent> for DeviceNotice {
    fn from(e: &DeviceEvent) -> Self {
        let (kind, name, back) = match e {
            DeviceEvent::Unplugged { kind, name } => (*kind, name.clone(), false),
            DeviceEvent::Back { kind, name } => (*kind, name.clone(), true),
        };
        DeviceNotice {
            kind,
            name,
            back,
            message_zh: e.message_zh(),
        }
    }
}

/// The stand-in SDK's demo patients (demo build only: `crate::demo`).
#[cfg(feature = "demo")]
#[cfg(feature = "demo")]
pub use crate::demo::write_demo_standin_state;
pub use crate::demo::DEMO_EVOUCHER_PASSWORDS;

#[cfg(test)]
mod tests {
    use super::*;
    use rxdesk_devices::printer::PrinterLink;
    use rxdesk_devices::settings::PrinterSettings;
    use rxdesk_devices::sim::printer::PrinterSim;

    #[test]
    fn a_wedge_scanner_is_named_by_a_stable_label_not_a_chinese_word() {
        let settings = DeviceSettings {
            scanner: Some(ScannerSettings::Wedge(
                rxdesk_devices::scan::wedge::WedgeOptions::default(),
            )),
            ..DeviceSettings::default()
        };
        let d = Devices::start(&settings, |_| {});
        let lines: Vec<_> = d.statuses().iter().map(|s| s.line()).collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].name, WEDGE_NAME);
        assert!(lines[0].name.is_ascii());
        assert_eq!(lines[0].state, "ready");
        assert_eq!(scanner_name(settings.scanner.as_ref().unwrap()), WEDGE_NAME);
    }

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

    /// Scans `code` on `sim` until one arrives on `rx` (the supervisor opens
    /// the port asynchronously).
    fn scan_arrives(
        sim: &mut rxdesk_devices::sim::scanner::ScannerSim,
        code: &str,
        rx: &mpsc::Receiver<Result<DeviceScan, DeviceScanError>>,
    ) -> Option<DeviceScan> {
        for _ in 0..50 {
            sim.scan(code).unwrap();
            if let Ok(Ok(s)) = rx.recv_timeout(Duration::from_millis(200)) {
                return Some(s);
            }
        }
        None
    }

    #[test]
    fn saved_device_settings_apply_at_once_without_a_restart() {
        use rxdesk_devices::sim::scanner::ScannerSim;
        let serial = |sim: &ScannerSim| DeviceSettings {
            scanner: Some(ScannerSettings::Serial {
                path: sim.path(),
                baud: 9600,
            }),
            ..DeviceSettings::default()
        };
        let (mut first, mut second) = (ScannerSim::new().unwrap(), ScannerSim::new().unwrap());
        let (tx, rx) = mpsc::channel();
        let live = LiveDevices::start(&serial(&first), move |s| {
            let _ = tx.send(s);
        });
        let a = scan_arrives(&mut first, "12345678901234567890", &rx).expect("first scanner");
        assert_eq!(a.source, first.path());

        // Another scanner chosen and saved: it scans into the same callback
        // at once, and the old one is closed (its scans reach nobody).
        live.apply(&serial(&second));
        assert_eq!(live.current().settings(), &serial(&second));
        let b = scan_arrives(&mut second, "81305152601050016381", &rx).expect("second scanner");
        assert_eq!(b.source, second.path());
        let _ = first.scan("12345678901234567890");
        while let Ok(Ok(s)) = rx.recv_timeout(Duration::from_millis(500)) {
            assert_ne!(s.source, first.path(), "the replaced scanner still scans");
        }
        let (state, lines) = Devices::summary(&live.current().statuses());
        assert_eq!(state, DevicesState::Ready, "{lines:?}");

        // Nothing configured any more: nothing runs.
        live.apply(&DeviceSettings::default());
        assert!(live.current().statuses().is_empty());
        assert_eq!(live.identity().qr_decode, QrDecode::Center);
    }
}
