//! The app's entry points: one small, typed, async-friendly handle per
//! device class used to identify a patient, plus the Settings `test`
//! operation of every class.
//!
//! Vendor libraries and serial ports block; the handles run each call on
//! its own thread and hand the answer back through a `tokio` oneshot, so an
//! `async` command (Tauri, the visit service) awaits it without blocking
//! the runtime — and without this crate needing a particular runtime. The
//! `*_blocking` twins serve the CLI and tests.
//!
//! - [`CardReaderDevice`]: `read_card` → [`CardRead`] (HeaSecReadInfo,
//!   SSCardDriver or the generic serial reader), `test`, and `supervise`
//!   (status bar, unplugged / back events).
//! - [`EVoucherDevice`] (NationECCode): `decode_qr` (scanned e-voucher →
//!   [`EVoucher`] via `ec.query`), `confirm_password` (PIN pad → token),
//!   `face` (`iot.gain.ec.qrcode` → [`FaceCapture`]), `settle_notify`, `test`.
//! - [`IdCardDevice`]: `read` → the ID card holder (`HeaSecReadInfo` `ReadSFZ`).
//! - [`test_scanner`], [`test_printer`]: the other two classes' tests.

use crate::card::{CardRead, CardReader};
use crate::face::nationec::{EVoucher, FaceCapture, NationEc, PasswordSubject, SettleNotice};
use crate::identity::IdentityError;
use crate::printer::ReceiptPrinter;
use crate::scan::CodeScanner;
use crate::status::{Backoff, DeviceKind, DeviceState, DeviceStatus, StatusBoard, Supervised};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Runs `f` on its own thread; the future resolves with its answer.
async fn off_thread<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, IdentityError> + Send + 'static,
) -> Result<T, IdentityError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(format!("device {what}"))
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| IdentityError::Disconnected(format!("{what}: {e}")))?;
    rx.await
        .map_err(|_| IdentityError::Disconnected(format!("{what}: worker ended")))?
}

/// The result of a Settings `test` of one device class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeviceTest {
    /// Which class.
    pub kind: DeviceKind,
    /// Passed.
    pub ok: bool,
    /// What to show (zh-CN): the card holder's masked name, the model, the error.
    pub summary_zh: String,
    /// The error's stable code when it failed.
    pub error_code: Option<String>,
    /// The outcome's stable code, passed or failed (`card_read`,
    /// `card_reader_ok`, `face_ok`, `qr_decoded`, `scan_ok`, `printed`, or
    /// the error's code): what a window in another language words.
    pub code: String,
    /// The values the summary names (`name`, `cardNo`, `model`, `kind`,
    /// `printer`, `idMasked`, `device`, `detail`), masked as in the summary.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub params: BTreeMap<String, String>,
}

impl DeviceTest {
    /// A passed test: its code, the values it names and the zh-CN summary.
    pub fn pass(kind: DeviceKind, code: &str, params: &[(&str, &str)], summary_zh: String) -> Self {
        DeviceTest {
            kind,
            ok: true,
            summary_zh,
            error_code: None,
            code: code.into(),
            params: params_of(params),
        }
    }

    /// A failed test: its error code, the values it names and the zh-CN summary.
    pub fn failed(
        kind: DeviceKind,
        code: &str,
        params: &[(&str, &str)],
        summary_zh: String,
    ) -> Self {
        DeviceTest {
            kind,
            ok: false,
            summary_zh,
            error_code: Some(code.into()),
            code: code.into(),
            params: params_of(params),
        }
    }

    /// A test that failed with an identification-device error.
    pub fn fail(kind: DeviceKind, e: &IdentityError) -> Self {
        Self::failed(
            kind,
            e.code(),
            &[("detail", e.to_string().as_str())],
            e.message_zh(),
        )
    }
}

fn params_of(params: &[(&str, &str)]) -> BTreeMap<String, String> {
    params
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// Opens a card reader; called again after it was lost.
pub type CardOpener = Box<dyn Fn() -> Result<Box<dyn CardReader>, IdentityError> + Send + Sync>;

struct CardInner {
    name: String,
    open: CardOpener,
    reader: Mutex<Option<Box<dyn CardReader>>>,
    board: StatusBoard,
}

/// A card reader of any kind, shared by the visit and the supervisor.
#[derive(Clone)]
pub struct CardReaderDevice {
    inner: Arc<CardInner>,
}

impl std::fmt::Debug for CardReaderDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardReaderDevice")
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

fn is_link_loss(e: &IdentityError) -> bool {
    matches!(e, IdentityError::Disconnected(_))
}

impl CardReaderDevice {
    /// A reader opened on demand by `open`; status goes to `board`.
    pub fn new(name: &str, open: CardOpener, board: StatusBoard) -> Self {
        CardReaderDevice {
            inner: Arc::new(CardInner {
                name: name.to_string(),
                open,
                reader: Mutex::new(None),
                board,
            }),
        }
    }

    fn publish(&self, state: DeviceState) {
        self.inner.board.publish(DeviceStatus {
            kind: DeviceKind::CardReader,
            name: self.inner.name.clone(),
            state,
        });
    }

    /// Runs `f` on the reader (opening it when needed); a lost link drops
    /// the reader so the next call reopens it. `wait`: queue behind the
    /// call in progress (every call is bounded by its timeout), else
    /// [`IdentityError::Busy`] (the supervisor's ping never delays a read).
    fn with_reader<T>(
        &self,
        wait: bool,
        f: impl FnOnce(&mut dyn CardReader) -> Result<T, IdentityError>,
    ) -> Result<T, IdentityError> {
        let mut slot = if wait {
            self.inner.reader.lock().unwrap_or_else(|p| p.into_inner())
        } else {
            self.inner
                .reader
                .try_lock()
                .map_err(|_| IdentityError::Busy)?
        };
        if slot.is_none() {
            *slot = Some((self.inner.open)()?);
        }
        let r = match slot.as_mut() {
            Some(reader) => f(reader.as_mut()),
            None => Err(IdentityError::Busy),
        };
        if let Err(e) = &r {
            if is_link_loss(e) {
                *slot = None;
                self.publish(DeviceState::Disconnected {
                    retry_in_ms: 0,
                    attempt: 1,
                });
            }
        }
        r
    }

    /// Reads the card in the reader (blocking).
    pub fn read_card_blocking(&self, timeout: Duration) -> Result<CardRead, IdentityError> {
        let r = self.with_reader(true, |r| r.read_card(timeout));
        match &r {
            Ok(c) => tracing::info!(reader = %self.inner.name, card = ?c, "card read"),
            Err(e) => tracing::info!(reader = %self.inner.name, error = e.code(), "card not read"),
        }
        r
    }

    /// Reads the card in the reader.
    pub async fn read_card(&self, timeout: Duration) -> Result<CardRead, IdentityError> {
        let me = self.clone();
        off_thread("card read", move || me.read_card_blocking(timeout)).await
    }

    /// Settings → test: read the inserted card when there is one, else ping.
    pub fn test_blocking(&self, timeout: Duration) -> DeviceTest {
        let kind = DeviceKind::CardReader;
        match self.with_reader(true, |r| r.read_card(timeout)) {
            Ok(c) => {
                let card_no = rxdesk_core::prescription::mask_id_number(&c.card_no);
                DeviceTest::pass(
                    kind,
                    "card_read",
                    &[("name", c.name.as_str()), ("cardNo", card_no.as_str())],
                    format!("读卡成功：{}，卡号 {card_no}", c.name),
                )
            }
            Err(IdentityError::NothingPresented | IdentityError::ReadFailed { .. }) => {
                match self.with_reader(true, |r| r.ping(timeout)) {
                    Ok(model) => DeviceTest::pass(
                        kind,
                        "card_reader_ok",
                        &[("model", model.as_str())],
                        format!("读卡器应答正常（未插卡）：{model}"),
                    ),
                    Err(e) => DeviceTest::fail(kind, &e),
                }
            }
            Err(e) => DeviceTest::fail(kind, &e),
        }
    }

    /// Settings → test.
    pub async fn test(&self, timeout: Duration) -> DeviceTest {
        let me = self.clone();
        off_thread("card test", move || Ok(me.test_blocking(timeout)))
            .await
            .unwrap_or_else(|e| DeviceTest::fail(DeviceKind::CardReader, &e))
    }

    /// Watches the reader: every `poll` it is pinged (skipped while a read
    /// runs); a lost reader is reopened with `backoff`. The status bar and
    /// the unplugged / back events follow from the board.
    pub fn supervise(&self, mut backoff: Backoff, poll: Duration) -> Supervised {
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let me = self.clone();
        let thread = std::thread::Builder::new()
            .name(format!("supervise {}", self.inner.name))
            .spawn(move || {
                while !stop2.load(Ordering::Acquire) {
                    let wait = match me.with_reader(false, |r| r.ping(poll.max(Duration::from_millis(200)))) {
                        Ok(_) => {
                            backoff.reset();
                            me.publish(DeviceState::Ready);
                            poll
                        }
                        Err(IdentityError::Busy) => poll,
                        Err(e) => {
                            // a ping that fails is a lost link whatever its kind
                            if let Ok(mut slot) = me.inner.reader.try_lock() {
                                *slot = None;
                            }
                            let d = backoff.next_delay();
                            tracing::info!(reader = %me.inner.name, error = e.code(), retry = ?d, "card reader not available");
                            me.publish(match e {
                                IdentityError::NotInstalled(_) => DeviceState::NotInstalled,
                                _ => DeviceState::Disconnected {
                                    retry_in_ms: d.as_millis() as u64,
                                    attempt: backoff.attempt(),
                                },
                            });
                            d
                        }
                    };
                    crate::status::sleep_unless_stopped(wait, &stop2);
                }
            });
        Supervised::new(stop, thread.ok())
    }
}

/// The ID card reader (`HeaSecReadInfo` `ReadSFZ`): the holder's name and
/// number, to be confirmed with the e-voucher password
/// ([`PasswordSubject::from_identity`]).
#[derive(Clone, Debug)]
pub struct IdCardDevice {
    reader: Arc<Mutex<crate::card::heasec::HeaSecReader>>,
}

impl IdCardDevice {
    /// Opens the library in ID-card mode (`path`, `Init` JSON as for the card).
    pub fn open(path: Option<&std::path::Path>, init_json: &str) -> Result<Self, IdentityError> {
        use crate::card::heasec::{HeaSecCard, HeaSecReader};
        Ok(IdCardDevice {
            reader: Arc::new(Mutex::new(HeaSecReader::open(
                path,
                init_json,
                HeaSecCard::IdCard,
            )?)),
        })
    }

    /// Reads the ID card on the reader (blocking).
    pub fn read_blocking(
        &self,
        timeout: Duration,
    ) -> Result<crate::identity::PatientIdentity, IdentityError> {
        use crate::identity::IdentityReader;
        self.reader
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .read_identity(timeout)
    }

    /// Reads the ID card on the reader.
    pub async fn read(
        &self,
        timeout: Duration,
    ) -> Result<crate::identity::PatientIdentity, IdentityError> {
        let me = self.clone();
        off_thread("id card", move || me.read_blocking(timeout)).await
    }
}

/// The NationECCode library: e-voucher QR, password on the PIN pad, face.
#[derive(Clone, Debug)]
pub struct EVoucherDevice {
    ec: Arc<Mutex<NationEc>>,
}

impl EVoucherDevice {
    /// Wraps an opened library.
    pub fn new(ec: NationEc) -> Self {
        EVoucherDevice {
            ec: Arc::new(Mutex::new(ec)),
        }
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut NationEc) -> Result<T, IdentityError>,
    ) -> Result<T, IdentityError> {
        let mut ec = self.ec.try_lock().map_err(|_| IdentityError::Busy)?;
        f(&mut ec)
    }

    /// A scanned e-voucher QR → the decoded e-voucher (`ec.query`); a code
    /// that is not an e-voucher is [`IdentityError::NotEVoucher`].
    pub fn decode_qr_blocking(
        &self,
        qr: &str,
        timeout: Duration,
    ) -> Result<EVoucher, IdentityError> {
        self.with(|ec| ec.decode_qr(qr, timeout))
    }

    /// Async [`Self::decode_qr_blocking`].
    pub async fn decode_qr(
        &self,
        qr: String,
        timeout: Duration,
    ) -> Result<EVoucher, IdentityError> {
        let me = self.clone();
        off_thread("ec.query", move || me.decode_qr_blocking(&qr, timeout)).await
    }

    /// The patient types the e-voucher password on the terminal; the
    /// answer's token authorises the card / ID-card query.
    pub fn confirm_password_blocking(
        &self,
        who: &PasswordSubject,
        timeout: Duration,
    ) -> Result<EVoucher, IdentityError> {
        self.with(|ec| ec.confirm_password(who, timeout))
    }

    /// Async [`Self::confirm_password_blocking`].
    pub async fn confirm_password(
        &self,
        who: PasswordSubject,
        timeout: Duration,
    ) -> Result<EVoucher, IdentityError> {
        let me = self.clone();
        off_thread("password", move || {
            me.confirm_password_blocking(&who, timeout)
        })
        .await
    }

    /// 刷脸 on the terminal, with its consent step.
    pub fn face_blocking(&self, timeout: Duration) -> Result<FaceCapture, IdentityError> {
        self.with(|ec| ec.face_capture(timeout))
    }

    /// Async [`Self::face_blocking`].
    pub async fn face(&self, timeout: Duration) -> Result<FaceCapture, IdentityError> {
        let me = self.clone();
        off_thread("face", move || me.face_blocking(timeout)).await
    }

    /// `iot.medical.settle.notify` after settlement.
    pub async fn settle_notify(
        &self,
        notice: SettleNotice,
        timeout: Duration,
    ) -> Result<(), IdentityError> {
        let me = self.clone();
        off_thread("settle.notify", move || {
            me.with(|ec| ec.settle_notify(&notice, timeout))
        })
        .await
    }

    /// Settings → test (face ping).
    pub async fn test(&self, timeout: Duration) -> DeviceTest {
        let me = self.clone();
        let kind = DeviceKind::FaceTerminal;
        match off_thread("face ping", move || me.with(|ec| ec.ping(timeout))).await {
            Ok(s) => DeviceTest::pass(kind, "face_ok", &[("model", s.as_str())], s.clone()),
            Err(e) => DeviceTest::fail(kind, &e),
        }
    }
}

/// Settings → test of a scanner: waits for one scan and names it.
pub fn test_scanner(scanner: &mut dyn CodeScanner, timeout: Duration) -> DeviceTest {
    let kind = DeviceKind::Scanner;
    match scanner.next_scan(timeout) {
        Ok(Some(s)) => {
            let extra = match crate::scan::voucher_check(&s.text) {
                Ok(()) => String::new(),
                Err(n) if s.kind == crate::scan::ScanKind::Unknown => {
                    format!("（{}）", n.label_zh())
                }
                Err(_) => String::new(),
            };
            let scan_kind = serde_json::to_value(&s.kind)
                .ok()
                .and_then(|v| v["kind"].as_str().map(str::to_string))
                .unwrap_or_else(|| "unknown".into());
            DeviceTest::pass(
                kind,
                "scan_ok",
                &[("kind", scan_kind.as_str())],
                format!("扫码成功：{}{extra}", s.kind.label_zh()),
            )
        }
        Ok(None) => DeviceTest::failed(
            kind,
            "no_scan",
            &[],
            "未收到扫码，请对准条码扫描一次".into(),
        ),
        Err(e) => DeviceTest::failed(
            kind,
            "scan_failed",
            &[("detail", e.to_string().as_str())],
            e.message_zh(),
        ),
    }
}

/// Settings → test print.
pub fn test_printer(
    printer: &mut dyn ReceiptPrinter,
    width: crate::printer::escpos::PaperWidth,
) -> DeviceTest {
    use crate::printer::escpos::EscPosBuilder;
    let kind = DeviceKind::Printer;
    let job = EscPosBuilder::new(width)
        .line("RxDesk 打印测试")
        .pair("中文/数字", "￥12.34")
        .cut()
        .build();
    match printer.print(&job) {
        Ok(()) => DeviceTest::pass(
            kind,
            "printed",
            &[("printer", printer.name())],
            format!("已打印测试页：{}", printer.name()),
        ),
        Err(e) => DeviceTest::failed(
            kind,
            "print_failed",
            &[("detail", e.to_string().as_str())],
            e.message_zh(),
        ),
    }
}
