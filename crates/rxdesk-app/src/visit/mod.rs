//! The counter workflow (docs/reference/counter-workflow.md): one patient's visit from identification
//! to the receipt, driven step by step by the Tauri commands and the CLI.
//!
//! [`VisitService`] holds the counter's one active visit in memory (a
//! mutex: steps of one counter never interleave), performs each step's I/O
//! — the center (1101, 7201–7203, 2101, 2102, 2601), the local signature
//! verification (through [`PrescriptionDesk`]), the ledger, the receipt
//! printer — and reports each outcome to `rxdesk_core::visit::Visit`, which
//! decides whether the step is allowed. Every call runs in a tracing span
//! with the visit's correlation id (`visit`).
//!
//! Money-safety rules kept here:
//! - 2102 is journalled (`begin_settlement_attempt`, state `sending`) with
//!   its msgid BEFORE it leaves; any answer other than a definite refusal
//!   makes the settlement *uncertain*, and the only way on is 2601 冲正 of
//!   that msgid (never a second 2102 for it).
//! - After a crash, attempts left `sending`/`uncertain` are surfaced as an
//!   uncertain visit at start-up; nothing else starts until it is resolved.
//! - The visit is journalled after each step; a visit settled but not
//!   completed is surfaced at start-up and finished from its settled
//!   figures or reversed by a manager (`recovery`). 2102's total must equal
//!   2101's, else it is reversed at once (2103).
//! - A 2601 "not found" is believed only when proven (`recovery`).
//! - The sale, its settlement, lines, trace codes and outbox rows are one
//!   ledger transaction (`Store::record_sale`), at the prices settled.
//! - A refund reverses the money first (`refund`).
//!
//! One module per step, each an `impl VisitService` block over the shared
//! types kept here: `identify` (who the patient is, 7202 list),
//! `prescriptions` (start a visit, 7203 download, signature, rules),
//! `duty` (the pharmacist's e-voucher binding and shift), `audit` (审方,
//! 7204), `dispense` (box scans, the no-code store), `settle` (2101, 2102,
//! 2601/2103), `pay` (the self-paid part), `complete` (the sale, delivery
//! 7205), `after_sale` (history, reprint), `refund`, `receipt` (printing),
//! `recovery` (the journal and start-up) and `view` (what the screen shows).

mod after_sale;
mod audit;
pub use audit::parse_audit_result;
mod complete;
mod dispense;
pub use dispense::{ScanAccepted, ScanRefusal, SCAN_CODES};
mod duty;
mod error;
mod identify;
pub mod layout;
mod pay;
pub use pay::Tender;
mod otc;
mod park;
pub mod payment;
mod prescriptions;
mod receipt;
mod recovery;
mod refund;
pub use otc::{
    parse_otc_quantity, OtcBoxView, OtcLineView, OtcNotice, OtcPatientView, OtcPayer,
    OtcProductView, OtcScanOutcome, OtcStage, OtcView,
};
mod settle;
mod sibling_boxes;
pub mod view;

pub use error::{
    device_code, CenterAction, DutyPurpose, Holder, Lang, MethodKind, MissingDevice, OutOfStep,
    StepError, WireError, DEVICE_CODES, OWN_CODES,
};
pub use identify::{AgentInput, IdMethod};
pub use recovery::DEFAULT_SAFETY_WINDOW;
pub use refund::RefundIdentity;

use crate::desk::{PrescriptionDesk, PrescriptionView};
use crate::Settings;
use chrono::{NaiveDate, Utc};
use payment::{Channel, PaymentChannel};
use rxdesk_center::messages::Insutype;
use rxdesk_center::messages::{AuthorisedRx, SettleInput, SettleOutput};
use rxdesk_core::codes::CertType;
use rxdesk_core::dispense::Dispensing;
use rxdesk_core::time::cst;
use rxdesk_core::visit::{Shift, Visit};
use rxdesk_core::Amount;
use rxdesk_store::CatalogueRow;
pub use rxdesk_store::Session;
use rxdesk_store::{AttemptRow, AttemptState, Store};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
pub use view::*;

/// A delivery order's next step (ST-EPC-02-011), reported with 7205.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryStep {
    /// The pharmacy accepts the order for delivery.
    Accept {
        /// 配送业务编号.
        delv_no: String,
        /// 配送企业名称.
        company: String,
        /// Cold-chain packing confirmed (required when a drug needs it).
        cold_chain_handled: bool,
    },
    /// The courier picked it up.
    InTransit,
    /// Signed for: the recipient must be the patient or the registered agent.
    Signed {
        /// Recipient's name.
        name: String,
        /// Recipient's ID number.
        cert_no: String,
    },
    /// The recipient refused the parcel.
    Refused {
        /// Why.
        reason: String,
    },
}

/// The patient as the center knows them (1101).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct PatientInfo {
    name: String,
    certno: String,
    psn_no: String,
    insutype: Insutype,
    balance: Amount,
    insuplc_admdvs: String,
    mdtrt_cert_type: CertType,
    mdtrt_cert_no: String,
    agent_name: Option<String>,
    /// 1101 `psn_insu_stas` (参保状态; empty = not sent): decides whether
    /// the fund may be used (`rxdesk_core::settle_kind`).
    #[serde(default)]
    insu_status: String,
    /// 代购: the agent and the authorisation (kept with the sale).
    #[serde(default)]
    proxy: Option<ProxyInfo>,
    /// How the patient was identified (for the screen).
    #[serde(default)]
    identified_via_zh: String,
    /// Its code (`e_voucher`, `social_security_card`, `id_card`, `face`,
    /// `epc_qr`), which a window in another language words.
    #[serde(default)]
    identified_via: String,
    /// `outBizNo` of the face capture, for `settle.notify`.
    #[serde(default)]
    face_out_biz_no: Option<String>,
}

/// 代购 as the visit keeps it until the sale is recorded (the journal
/// snapshot is sealed at rest).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct ProxyInfo {
    agent_name: String,
    agent_certno: String,
    /// Relationship code (`rxdesk_store::ledger::PROXY_RELATIONSHIPS`).
    relationship: String,
    /// Where the authorisation came from.
    authorisation: String,
}

fn agent_name_of(p: &Option<ProxyInfo>) -> Option<String> {
    p.as_ref().map(|p| p.agent_name.clone())
}

/// `psn_cert_type` of an ID number read from the card at this counter (its
/// check digit is verified locally: a misread card is caught here).
const RESIDENT_ID_CARD: &str = "01";
/// The identity as the center confirmed it (1101 / 7201) for an e-voucher,
/// social-security card, face or prescription QR: nothing was read from an
/// ID card here, so there is no local misread to catch.
const CENTER_CONFIRMED: &str = "00";

/// A `(drug row id, catalogue row)` product of the ledger.
type ProductRow = (i64, CatalogueRow);

/// The pharmacist on duty at this counter.
#[derive(Clone)]
struct OnDuty {
    operator_id: i64,
    shift: Shift,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct PaymentState {
    method: String,
    due: Amount,
    tendered: Option<Amount>,
    change: Option<Amount>,
    channel: Option<Channel>,
    /// The channel's transaction number (scan-to-pay).
    #[serde(default)]
    reference: String,
    paid: bool,
}

impl PaymentState {
    /// How it is kept with the sale (nothing when nothing was self-paid).
    fn sale_payments(&self) -> Vec<rxdesk_store::SalePayment> {
        if !self.paid || self.due.value().is_zero() {
            return Vec::new();
        }
        let Some(method) = self.method_code() else {
            return Vec::new();
        };
        let cash = method == "cash";
        vec![rxdesk_store::SalePayment {
            method: method.into(),
            amount: self.due.to_string(),
            reference: self.reference.clone(),
            tendered: self.tendered.filter(|_| cash).map(|t| t.to_string()),
            change: self.change.filter(|_| cash).map(|c| c.to_string()),
        }]
    }

    /// The ledger's method code (`cash`, `wechat`, `alipay`, `terminal`).
    fn method_code(&self) -> Option<&'static str> {
        match (self.method.as_str(), self.channel) {
            ("cash", _) => Some("cash"),
            (_, Some(Channel::WeChat)) => Some("wechat"),
            (_, Some(Channel::Alipay)) => Some("alipay"),
            (_, Some(Channel::Terminal)) => Some("terminal"),
            _ => None,
        }
    }

    /// Cash was taken for this sale: the drawer opens with its receipt.
    fn opens_drawer(&self) -> bool {
        self.paid && self.method == "cash" && !self.due.value().is_zero()
    }
}

/// The active visit and what the services learnt along the way.
struct Active {
    visit: Visit,
    patient: Option<PatientInfo>,
    guidance: Option<GuidanceView>,
    listed: Vec<AuthorisedRx>,
    /// Each listed prescription's 7203 download (by `auth_rxno`), made when
    /// listing so the list shows the drugs; the chosen one is opened from it.
    previews:
        HashMap<String, Result<rxdesk_gm::DownloadedPrescription, rxdesk_center::CenterError>>,
    opened: Option<PrescriptionView>,
    audit: Option<AuditView>,
    dispensing: Option<Dispensing>,
    pending_barcode: Option<String>,
    products: HashMap<String, ProductRow>,
    settle_input: Option<SettleInput>,
    settle_output: Option<SettleOutput>,
    attempt_id: Option<i64>,
    payment: Option<PaymentState>,
    sale: Option<SaleView>,
    delivery: Option<(String, String)>,
    notice_zh: Option<String>,
    /// The sale lines frozen when 2102 was sent (the settled figures).
    sale_lines: Vec<recovery::JournalLine>,
    /// Restored from the journal: (prescription row, doctor).
    restored_rx: Option<(Option<i64>, String)>,
    /// Restored at start-up: settled at the center, not completed.
    recovered: bool,
}

impl Active {
    fn new(visit_id: String) -> Self {
        Self {
            visit: Visit::new(visit_id),
            patient: None,
            guidance: None,
            listed: Vec::new(),
            previews: HashMap::new(),
            opened: None,
            audit: None,
            dispensing: None,
            pending_barcode: None,
            products: HashMap::new(),
            settle_input: None,
            settle_output: None,
            attempt_id: None,
            payment: None,
            sale: None,
            delivery: None,
            notice_zh: None,
            sale_lines: Vec::new(),
            restored_rx: None,
            recovered: false,
        }
    }
    fn id(&self) -> String {
        self.visit.visit_id().to_string()
    }
    fn rx_id(&self) -> Option<i64> {
        match (&self.opened, &self.restored_rx) {
            (Some(o), _) => Some(o.rx_id),
            (None, Some((rx, _))) => *rx,
            _ => None,
        }
    }
    fn doctor_name(&self) -> String {
        match (&self.opened, &self.restored_rx) {
            (Some(o), _) => o.prescription.prsc_dr_name.clone(),
            (None, Some((_, d))) => d.clone(),
            _ => String::new(),
        }
    }
}

/// Where receipts go and what the pharmacy prints on them.
#[derive(Debug, Clone)]
pub struct VisitConfig {
    /// `<data>/receipts`.
    pub receipts_dir: PathBuf,
    /// Store name on receipts.
    pub store_name: String,
    /// Receipt header: address and service phone (empty: not printed).
    pub receipt_address: String,
    /// Receipt header: service phone.
    pub receipt_phone: String,
    /// Receipt printer, if configured.
    pub printer: Option<rxdesk_devices::settings::PrinterSettings>,
    /// CJK font of the guidance PDF.
    pub font_path: PathBuf,
}

impl VisitConfig {
    /// From the settings and the data directory.
    pub fn from_settings(dir: &crate::DataDir, settings: &Settings) -> Self {
        let font_path = std::env::var("RXDESK_CJK_FONT")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(rxdesk_receipts::pdf::DEFAULT_FONT_PATH));
        Self {
            receipts_dir: dir.root().join("receipts"),
            store_name: settings.store_name.clone(),
            receipt_address: settings.receipt_address.clone(),
            receipt_phone: settings.receipt_phone.clone(),
            printer: settings.devices.printer.clone(),
            font_path,
        }
    }
}

/// The counter's visit service (one active visit per counter).
pub struct VisitService {
    store: Arc<Store>,
    desk: Arc<PrescriptionDesk>,
    payments: Arc<dyn PaymentChannel>,
    config: VisitConfig,
    active: tokio::sync::Mutex<Option<Active>>,
    on_duty: std::sync::Mutex<Option<OnDuty>>,
    orphans: std::sync::Mutex<Vec<AttemptRow>>,
    /// Visits settled but not completed, restored at start-up (after the one
    /// in `active`).
    recovered: std::sync::Mutex<Vec<Active>>,
    /// Visits parked (挂单) while the counter serves the next patient.
    parked: std::sync::Mutex<Vec<park::Parked>>,
    /// Parked visits out of `parked` while their settlement is resolved.
    resolving: std::sync::Mutex<Vec<park::Resolving>>,
    safety_window: std::sync::Mutex<std::time::Duration>,
    seq: AtomicU32,
    catalogue_names: std::sync::Mutex<Option<Arc<Vec<String>>>>,
    /// Card reader, PIN pad, QR decode, face (none until attached).
    devices: std::sync::RwLock<crate::devices::IdentityDevices>,
    /// The receipt printer in force: the configured one, replaced when the
    /// device settings change while the app runs ([`VisitService::set_printer`]).
    printer: std::sync::RwLock<Option<rxdesk_devices::settings::PrinterSettings>>,
    /// The OTC sale in progress (`otc`), beside the prescription visit.
    otc: tokio::sync::Mutex<Option<otc::OtcSale>>,
}

fn today_cst() -> NaiveDate {
    Utc::now().with_timezone(&cst()).date_naive()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
}

/// Every step but `start` needs a visit in progress.
fn no_visit() -> StepError {
    StepError::NoVisit
}

impl VisitService {
    /// A service over the ledger, the desk and a payment channel. Attempts
    /// a crash left `sending` become `uncertain` and are surfaced.
    pub fn new(
        store: Arc<Store>,
        desk: Arc<PrescriptionDesk>,
        payments: Arc<dyn PaymentChannel>,
        config: VisitConfig,
    ) -> Result<Self, rxdesk_store::StoreError> {
        // The ledger's institution (msgids, uploads) is the center profile's.
        if store.institution()?.is_none() && !desk.institution().is_empty() {
            store.set_institution(desk.institution(), &config.store_name)?;
        }
        let printer = config.printer.clone();
        let recovered = store.recover_settlement_attempts()?;
        let refunds = store.recover_refunds()?;
        let mut orphans = store.open_settlement_attempts()?;
        let (mut settled, lost) = recovery::recover_visits(&store)?;
        // Settled at the center with no journalled visit: only a reversal
        // (by a manager) is possible.
        orphans.extend(lost);
        if !orphans.is_empty() || !settled.is_empty() || refunds > 0 {
            tracing::warn!(
                recovered,
                open = orphans.len(),
                settled_not_completed = settled.len(),
                refunds_interrupted = refunds,
                "unfinished money at start-up: resolve it before anything else"
            );
        }
        let first = if settled.is_empty() {
            None
        } else {
            Some(settled.remove(0))
        };
        Ok(Self {
            store,
            desk,
            payments,
            config,
            active: tokio::sync::Mutex::new(first),
            on_duty: std::sync::Mutex::new(None),
            orphans: std::sync::Mutex::new(orphans),
            recovered: std::sync::Mutex::new(settled),
            parked: std::sync::Mutex::new(Vec::new()),
            resolving: std::sync::Mutex::new(Vec::new()),
            safety_window: std::sync::Mutex::new(recovery::DEFAULT_SAFETY_WINDOW),
            seq: AtomicU32::new(0),
            catalogue_names: std::sync::Mutex::new(None),
            devices: std::sync::RwLock::new(Default::default()),
            printer: std::sync::RwLock::new(printer),
            otc: tokio::sync::Mutex::new(None),
        })
    }

    /// The ledger.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    fn orphan(&self) -> Option<AttemptRow> {
        self.orphans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .first()
            .cloned()
    }

    fn orphan_view(&self, a: &AttemptRow) -> VisitView {
        let mut v = self.view(&Active::new(a.visit_id.clone()));
        v.state = "settlement_uncertain".into();
        v.state_zh = "结算结果未知".into();
        v.next_step_zh = Self::orphan_error(a).message_zh();
        v.next_step = "orphan_uncertain";
        v
    }

    /// The uncertain settlement an interrupted run left, as an error.
    fn orphan_error(a: &AttemptRow) -> StepError {
        let charged = a.state == AttemptState::Settled;
        StepError::SettlementUncertain {
            interrupted: true,
            charged,
            reference: if charged {
                a.setl_id.clone().unwrap_or_default()
            } else {
                a.msgid.clone()
            },
        }
    }

    fn span(&self, visit_id: &str, step: &'static str) -> tracing::Span {
        tracing::info_span!("visit_step", visit = %visit_id, step)
    }

    /// The visit in progress (or an uncertain settlement left by a crash).
    pub async fn current(&self) -> Option<VisitView> {
        if let Some(a) = self.orphan() {
            return Some(self.orphan_view(&a));
        }
        self.active.lock().await.as_ref().map(|a| self.view(a))
    }

    /// Cancels the visit (before anything was sent for settlement).
    pub async fn cancel(&self, _by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        a.visit.cancel()?;
        tracing::info!(visit = %a.id(), "visit cancelled");
        self.close_journal(&a.id(), "cancelled");
        let v = self.view(a);
        // Its boxes are no longer held: a sibling's box taken for it goes back.
        drop(guard);
        self.release_unheld_sibling_boxes().await;
        Ok(v)
    }
}
