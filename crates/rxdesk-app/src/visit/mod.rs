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

mod identify;
pub mod layout;
pub mod payment;
mod recovery;
mod refund;
pub mod view;

pub use identify::AgentInput;
pub use recovery::DEFAULT_SAFETY_WINDOW;
pub use refund::RefundIdentity;

use crate::desk::{PrescriptionDesk, PrescriptionView};
use crate::Settings;
use chrono::{DateTime, NaiveDate, Utc};
use payment::{Channel, PaymentChannel};
use rust_decimal::Decimal;
use rxdesk_center::messages::{
    AuthorisedRx, DrugDetail, PersonInfoOutput, PersonQuery, QrDecodeData, SettleData, SettleInput,
    SettleOutput,
};
use rxdesk_center::messages::{Insutype, MedType};
use rxdesk_center::{CenterError, DownloadKey};
use rxdesk_core::codes::{AuditResult, CertType};
use rxdesk_core::dispense::{
    BoxScan, DispenseError, DispensedItem, Dispensing, StockBatch, StoreKind, TraceState,
};
use rxdesk_core::identity::{IdentificationMethod, PersonIdentity};
use rxdesk_core::prescription::{mask_id_number, Prescription};
use rxdesk_core::rules::identity::same_cert_no;
use rxdesk_core::rules::{check_prescription, RuleContext, RuleReport};
use rxdesk_core::settlement::{cash_change, SelfPayBreakdown, SettlementSplit};
use rxdesk_core::time::{cst, format_wire};
use rxdesk_core::visit::{
    AuditInput, CloseReason, DownloadRef, EVoucherCheck, Pharmacist, Resolution, Shift, Visit,
    VisitError, VisitState,
};
use rxdesk_core::{Amount, Price};
use rxdesk_devices::scan::{classify, ScanKind};
use rxdesk_gm::DownloadedPrescription;
use rxdesk_store::ledger::{NewSale, NewSaleLine, NewSettlement};
use rxdesk_store::CatalogueRow;
pub use rxdesk_store::Session;
use rxdesk_store::{AttemptRow, AttemptState, Role, Store, UploadState};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tracing::Instrument;
pub use view::*;

/// A step that could not be done: a zh-CN sentence saying what happened and
/// what to do, with a stable code for tests and logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message_zh}")]
pub struct StepError {
    /// Stable code.
    pub code: String,
    /// The sentence.
    pub message_zh: String,
}

impl StepError {
    fn new(code: &str, message_zh: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message_zh: message_zh.into(),
        }
    }
}

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

impl From<VisitError> for StepError {
    fn from(e: VisitError) -> Self {
        Self::new(e.code(), e.message_zh())
    }
}

impl From<rxdesk_store::StoreError> for StepError {
    fn from(e: rxdesk_store::StoreError) -> Self {
        use rxdesk_store::StoreError as E;
        match e {
            // Already a sentence with what to do: a retry would not help.
            E::Forbidden { .. } => Self::new("FORBIDDEN", e.to_string()),
            E::Locked { .. } => Self::new("LOCKED", e.to_string()),
            E::Rule(_) => Self::new("RULE", e.to_string()),
            _ => Self::new(
                "STORE",
                format!("账本操作失败：{e}。请重试；如仍失败请联系技术支持"),
            ),
        }
    }
}

fn center_error(what: &str, e: &CenterError) -> StepError {
    match e {
        // Two counters on one terminal number (docs/decisions/0007): the
        // sentence says what to do; the request was not applied.
        CenterError::Rejected { code, message } if code == rxdesk_center::error::MSGID_IN_USE => {
            StepError::new("TERMINAL_NO_SHARED", format!("{what}：{message}"))
        }
        CenterError::Rejected { code, message } => StepError::new(
            "CENTER_REJECTED",
            format!("{what}：医保中心拒绝（{code}）{message}。请核对后重试或告知患者"),
        ),
        CenterError::Transient(_) => StepError::new(
            "CENTER_UNAVAILABLE",
            format!("{what}：医保中心暂时无法连接，请检查网络后重试"),
        ),
        CenterError::Uncertain(_) => StepError::new(
            "CENTER_UNCERTAIN",
            format!("{what}：医保中心没有应答，结果未知，请稍后重试"),
        ),
        CenterError::Invalid(m) => StepError::new(
            "CENTER_INVALID",
            format!("{what}：请求未发送（{m}）。请检查中心配置"),
        ),
    }
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
    /// 代购: the agent and the authorisation (kept with the sale).
    #[serde(default)]
    proxy: Option<ProxyInfo>,
    /// How the patient was identified (for the screen).
    #[serde(default)]
    identified_via_zh: String,
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
        let method = match (self.method.as_str(), self.channel) {
            ("cash", _) => "cash",
            (_, Some(Channel::WeChat)) => "wechat",
            (_, Some(Channel::Alipay)) => "alipay",
            _ => return Vec::new(),
        };
        vec![rxdesk_store::SalePayment {
            method: method.into(),
            amount: self.due.to_string(),
            reference: self.reference.clone(),
        }]
    }
}

/// The active visit and what the services learnt along the way.
struct Active {
    visit: Visit,
    patient: Option<PatientInfo>,
    guidance: Option<GuidanceView>,
    listed: Vec<AuthorisedRx>,
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
    safety_window: std::sync::Mutex<std::time::Duration>,
    seq: AtomicU32,
    catalogue_names: std::sync::Mutex<Option<Arc<Vec<String>>>>,
    /// Card reader, PIN pad, QR decode, face (none until attached).
    devices: std::sync::RwLock<crate::devices::IdentityDevices>,
}

fn today_cst() -> NaiveDate {
    Utc::now().with_timezone(&cst()).date_naive()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
}

fn dec(d: Decimal) -> String {
    d.normalize().to_string()
}

fn state_name(s: &VisitState) -> (&'static str, &'static str) {
    match s {
        VisitState::Started => ("started", "等待识别患者"),
        VisitState::EVoucherGuidance(_) => ("evoucher_guidance", "医保电子凭证指引"),
        VisitState::Identified => ("identified", "已识别患者"),
        VisitState::PrescriptionsListed => ("prescriptions_listed", "已查询处方"),
        VisitState::Downloaded => ("downloaded", "已下载处方"),
        VisitState::Verified => ("verified", "签名已验证"),
        VisitState::RulesChecked => ("rules_checked", "处方已核对"),
        VisitState::Audited => ("audited", "药师已审方"),
        VisitState::Dispensing => ("dispensing", "调配中"),
        VisitState::Dispensed => ("dispensed", "已调配"),
        VisitState::PreSettled => ("pre_settled", "已预结算"),
        VisitState::Settling => ("settling", "结算中"),
        VisitState::SettlementUncertain => ("settlement_uncertain", "结算结果未知"),
        VisitState::Settled => ("settled", "已结算"),
        VisitState::Receipted => ("receipted", "已完成"),
        VisitState::Refunding => ("refunding", "退费中"),
        VisitState::RefundUncertain => ("refund_uncertain", "退费结果未知"),
        VisitState::Refunded => ("refunded", "已退费"),
        VisitState::Delivery(_) => ("delivery", "配送中"),
        VisitState::Closed(_) => ("closed", "已结束"),
    }
}

fn close_reason_zh(r: &CloseReason) -> String {
    match r {
        CloseReason::Cancelled => "已取消本次服务".into(),
        CloseReason::SignatureInvalid(why) => format!("处方电子签名验证未通过：{why}"),
        CloseReason::RulesBlocked(codes) => format!(
            "处方核对未通过：{}",
            codes
                .iter()
                .map(|c| c.title_zh())
                .collect::<Vec<_>>()
                .join("、")
        ),
        CloseReason::AuditNotApproved(r) => format!("药师审方结果：{}，不能调配", r.label_zh()),
    }
}

fn audit_result(code: &str) -> Result<AuditResult, StepError> {
    match AuditResult::from_code(code.trim()) {
        AuditResult::Other(_) => Err(StepError::new(
            "AUDIT_RESULT",
            "审方结果须为 1 通过、2 不通过或 3 需医生确认",
        )),
        r => Ok(r),
    }
}

/// Every step but `start` needs a visit in progress.
fn no_visit() -> StepError {
    StepError::new("NO_VISIT", "没有进行中的服务，请先开始接待")
}

fn dispense_code(e: &DispenseError) -> &'static str {
    match e {
        DispenseError::Substitution { .. } => "wrong_product",
        DispenseError::OverQuantity { .. } => "over_quantity",
        DispenseError::TraceCodeDuplicate(_) => "duplicate_trace_code",
        DispenseError::TraceCodeSold { .. } => "trace_code_sold",
        DispenseError::ExpiredBatch { .. } => "expired_batch",
        DispenseError::BarcodeMismatch { .. } => "barcode_mismatch",
        DispenseError::TraceCodeInvalid(_) => "trace_code_invalid",
        DispenseError::OutOfStock(_) => "out_of_stock",
        _ => "refused",
    }
}

fn split_of(out: &SettleOutput) -> Result<SettlementSplit, StepError> {
    let s = &out.setlinfo;
    SettlementSplit::new(
        s.medfee_sumamt,
        s.fund_pay_sumamt,
        s.acct_pay,
        s.psn_cash_pay,
        SelfPayBreakdown {
            full_own_pay: s.fulamt_ownpay_amt,
            over_limit: s.overlmt_selfpay,
            pre_self_pay: s.preselfpay_amt,
            deductible: s.act_pay_dedc,
        },
    )
    .map_err(|e| StepError::new(e.code(), e.message_zh()))
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
            safety_window: std::sync::Mutex::new(recovery::DEFAULT_SAFETY_WINDOW),
            seq: AtomicU32::new(0),
            catalogue_names: std::sync::Mutex::new(None),
            devices: std::sync::RwLock::new(Default::default()),
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
        v.next_step_zh = if a.state == AttemptState::Settled {
            format!(
                "上次中断时有一笔医保结算（结算ID {}）已扣费但本机没有调配明细，无法完成销售：请店长点击“处理未知结算”向医保中心冲正",
                a.setl_id.clone().unwrap_or_default()
            )
        } else {
            format!(
                "上次中断时有一笔医保结算（报文 {}）结果未知：请点击“处理未知结算”向医保中心冲正后再接待下一位患者，切勿重复收费",
                a.msgid
            )
        };
        v
    }

    fn span(&self, visit_id: &str, step: &'static str) -> tracing::Span {
        tracing::info_span!("visit_step", visit = %visit_id, step)
    }

    /// Starts a new visit (the previous one is dropped unless its
    /// settlement is uncertain).
    pub async fn start(&self, by: &Session) -> Result<VisitView, StepError> {
        if let Some(a) = self.orphan() {
            return Err(StepError::new(
                "VISIT_SETTLEMENT_UNCERTAIN",
                self.orphan_view(&a).next_step_zh,
            ));
        }
        let mut guard = self.active.lock().await;
        let done_or_none = guard.as_ref().is_none_or(|a| {
            !matches!(
                a.visit.state(),
                VisitState::SettlementUncertain | VisitState::Settling | VisitState::Settled
            )
        });
        if done_or_none {
            let next = {
                let mut r = self.recovered.lock().unwrap_or_else(|p| p.into_inner());
                (!r.is_empty()).then(|| r.remove(0))
            };
            if let Some(next) = next {
                *guard = Some(next);
            }
        }
        if let Some(a) = guard.as_ref() {
            if matches!(
                a.visit.state(),
                VisitState::SettlementUncertain | VisitState::Settling
            ) {
                return Err(StepError::new(
                    "VISIT_SETTLEMENT_UNCERTAIN",
                    "当前患者的结算结果未知，须先处理（冲正）后才能接待下一位患者",
                ));
            }
            if matches!(a.visit.state(), VisitState::Settled) {
                return Err(StepError::new(
                    "VISIT_SETTLED_NOT_COMPLETED",
                    if a.recovered {
                        "上次中断时有一位患者已在医保结算但未完成销售：请先完成该笔销售（按结算时的金额），或由店长撤销结算"
                    } else {
                        "当前患者已结算但尚未收款出票，请先完成收款"
                    },
                ));
            }
        }
        let n = self.seq.fetch_add(1, Ordering::Relaxed) % 10_000;
        let id = format!(
            "V{}{n:04}",
            Utc::now().with_timezone(&cst()).format("%Y%m%d%H%M%S")
        );
        tracing::info!(visit = %id, operator = %by.login(), "visit started");
        if let Some(prev) = guard.as_ref() {
            if !matches!(
                prev.visit.state(),
                VisitState::Receipted | VisitState::Closed(_)
            ) {
                self.close_journal(&prev.id(), "left for the next patient before settlement");
            }
        }
        let a = Active::new(id);
        let v = self.view(&a);
        self.persist_logged(&a);
        *guard = Some(a);
        Ok(v)
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
        Ok(self.view(a))
    }

    async fn person_info(
        &self,
        by: &Session,
        cert_type: CertType,
        cert_no: &str,
        card_sn: &str,
    ) -> Result<PersonInfoOutput, CenterError> {
        let q = PersonQuery {
            mdtrt_cert_type: cert_type,
            mdtrt_cert_no: cert_no.trim().to_string(),
            card_sn: card_sn.trim().to_string(),
            begntime: String::new(),
            psn_cert_type: String::new(),
            certno: String::new(),
            psn_name: String::new(),
        };
        self.desk.center().person_info(&self.desk.ctx(by), &q).await
    }

    /// Identifies the patient and lists their authorised prescriptions
    /// (7202); an e-prescription QR goes straight to download (7201 → 7203).
    /// `method`: `e_voucher` (the scanned QR in `code`), `social_security_card`
    /// (read from the card reader; the password on the PIN pad), `id_card`
    /// (read, or the number typed in `code`; the password on the PIN pad),
    /// `face` (`consent`: the patient agreed on the app's consent step),
    /// `epc_qr`. `agent`: 代购 (name, ID number, relationship code).
    pub async fn identify(
        &self,
        by: &Session,
        method: &str,
        code: &str,
        consent: Option<bool>,
        agent: Option<AgentInput>,
    ) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "identify");
        let r = self
            .identify_in(a, by, method, code, consent, agent)
            .instrument(span)
            .await;
        // A password refusal changes the visit (guidance); persist either way.
        self.persist_logged(a);
        r?;
        rxdesk_store::crashpoint!("visit_after_identify");
        Ok(self.view(a))
    }

    fn patient_of(
        &self,
        info: &PersonInfoOutput,
        cert_type: CertType,
        code: &str,
        agent_name: Option<String>,
    ) -> PatientInfo {
        let insu = info.insuinfo.first().cloned().unwrap_or_default();
        PatientInfo {
            name: info.baseinfo.psn_name.clone(),
            certno: info.baseinfo.certno.clone(),
            psn_no: info.baseinfo.psn_no.clone(),
            insutype: insu.insutype,
            balance: insu.balc,
            insuplc_admdvs: insu.insuplc_admdvs,
            mdtrt_cert_type: cert_type,
            mdtrt_cert_no: code.to_string(),
            agent_name,
            proxy: None,
            identified_via_zh: String::new(),
            face_out_biz_no: None,
        }
    }

    async fn identify_by_rx_qr(
        &self,
        a: &mut Active,
        by: &Session,
        qr: &str,
        agent: Option<AgentInput>,
    ) -> Result<(), StepError> {
        let q = QrDecodeData {
            app_chnl_id: "RXDESK".into(),
            app_chnl_user_id: by.login().into(),
            auth_code: String::new(),
            dev_info: "RxDesk counter".into(),
            epc_qrcd: qr.to_string(),
            ip_info: "127.0.0.1".into(),
            opter: by.login().into(),
            opter_name: by.display_name().into(),
            optins: self.desk.institution().into(),
        };
        let d = self
            .desk
            .center()
            .decode_qr(&self.desk.ctx(by), &q)
            .await
            .map_err(|e| center_error("电子处方二维码解码失败", &e))?;
        let info = self
            .person_info(by, CertType::IdCard, &d.certno, "")
            .await
            .map_err(|e| center_error("查询参保信息失败", &e))?;
        let (proxy, proxy_info) = identify::proxy_of(
            agent,
            &format!("电子处方二维码（{}）", identify::mask_token(&d.epc_token)),
        );
        let mut patient = self.patient_of(
            &info,
            CertType::IdCard,
            &d.certno,
            agent_name_of(&proxy_info),
        );
        patient.proxy = proxy_info;
        patient.identified_via_zh = "电子处方二维码".into();
        a.visit.identify(
            PersonIdentity {
                name: d.name.clone(),
                cert_type: CENTER_CONFIRMED.into(),
                cert_no: d.certno.clone(),
            },
            IdentificationMethod::PrescriptionQr,
            proxy,
        )?;
        a.patient = Some(patient);
        self.open_in(a, by, DownloadKey::EpcToken(d.epc_token))
            .await
    }

    /// Downloads one listed prescription, verifies its signature locally and
    /// runs the rules.
    pub async fn open(&self, by: &Session, auth_rxno: &str) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "open");
        self.open_in(a, by, DownloadKey::AuthRxno(auth_rxno.trim().to_string()))
            .instrument(span)
            .await?;
        self.persist_logged(a);
        rxdesk_store::crashpoint!("visit_after_open");
        Ok(self.view(a))
    }

    async fn open_in(
        &self,
        a: &mut Active,
        by: &Session,
        key: DownloadKey,
    ) -> Result<(), StepError> {
        if let DownloadKey::AuthRxno(k) = &key {
            if !a.listed.iter().any(|r| &r.auth_rxno == k) {
                return Err(VisitError::UnknownAuthorisation(k.clone()).into());
            }
        }
        if !matches!(
            a.visit.state(),
            VisitState::Identified | VisitState::PrescriptionsListed
        ) {
            return Err(StepError::new(
                "VISIT_ILLEGAL_TRANSITION",
                "当前步骤不能下载处方，请按流程办理",
            ));
        }
        let now = Utc::now();
        let opened = self
            .desk
            .open_with_key(&self.store, by, &key, now)
            .await
            .map_err(|e| match e {
                crate::desk::DeskError::Center(c) => center_error("下载处方失败", &c),
                other => StepError::new("DESK", format!("下载处方失败：{other}")),
            })?;
        let via = match &key {
            DownloadKey::AuthRxno(k) => DownloadRef::AuthRxno(k.clone()),
            DownloadKey::EpcToken(t) => DownloadRef::EpcToken(t.clone()),
        };
        let dl = opened.view.prescription.clone();
        tracing::info!(hi_rxno = %dl.hi_rxno, "prescription downloaded (7203) and recorded");
        let model = match &opened.verified {
            Some(v) => v.value().clone(),
            None => match rxdesk_gm::verify::domain_prescription(&dl) {
                Ok(p) => p,
                Err(reason) => {
                    // Not even readable (the verdict is recorded): blocked.
                    a.opened = Some(opened.view);
                    return Err(StepError::new(
                        "RX_UNREADABLE",
                        format!(
                            "处方数据无法读取（{}），已阻止，不能审方或结算。请告知患者联系开方医院",
                            reason.message_zh()
                        ),
                    ));
                }
            },
        };
        a.visit.downloaded(model, via)?;
        match &opened.verified {
            Some(v) => a.visit.signature_verified(v)?,
            None => {
                a.visit.signature_failed(opened.view.reason_zh.clone())?;
                tracing::warn!(reason = %opened.view.reason_zh, "signature invalid: visit closed");
                a.opened = Some(opened.view);
                return Ok(());
            }
        }
        a.opened = Some(opened.view);
        let report = self.rules_for(a, &dl, now).await?;
        tracing::info!(codes = ?report.codes(), blocks = report.blocks(), "rules checked");
        a.visit.rules_checked(report)?;
        Ok(())
    }

    fn catalogue_names(&self) -> Result<Arc<Vec<String>>, StepError> {
        let mut g = self
            .catalogue_names
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = g.as_ref() {
            return Ok(Arc::clone(n));
        }
        let mut names: Vec<String> = Vec::new();
        for r in self.store.catalogue()? {
            // Short names ("片", "胶囊") would match any text.
            for n in [r.genname, r.name] {
                if n.chars().count() >= 4 {
                    names.push(n);
                }
            }
        }
        names.sort();
        names.dedup();
        let n = Arc::new(names);
        *g = Some(Arc::clone(&n));
        Ok(n)
    }

    async fn rules_for(
        &self,
        a: &Active,
        dl: &DownloadedPrescription,
        now: DateTime<Utc>,
    ) -> Result<RuleReport, StepError> {
        let rx: Prescription = a
            .visit
            .prescription()
            .cloned()
            .ok_or_else(|| StepError::new("NO_RX", "尚未下载处方"))?;
        let b64 = dl.rx_file.clone();
        let text = tokio::task::spawn_blocking(move || layout::layout_text_b64(&b64))
            .await
            .unwrap_or_default();
        let previous: Vec<DateTime<Utc>> = self
            .store
            .dispensings_of(&dl.hi_rxno)?
            .into_iter()
            .filter_map(DateTime::from_timestamp_millis)
            .collect();
        let mut facts = HashMap::new();
        for l in &rx.lines {
            if let Some((_, row)) = self
                .store
                .products_by_med_list_codg(&l.med_list_codg)?
                .first()
            {
                facts.insert(l.med_list_codg.clone(), row.to_product().facts);
            }
        }
        let names = self.catalogue_names()?;
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let patient = a
            .visit
            .patient()
            .cloned()
            .ok_or_else(|| StepError::new("NO_PATIENT", "尚未识别患者"))?;
        let lookup = |c: &str| facts.get(c).cloned();
        let ctx = RuleContext {
            now,
            previous_dispensings: &previous,
            patient: &patient,
            catalogue: &lookup,
            layout_text: &text,
            catalogue_names: &name_refs,
        };
        Ok(check_prescription(&rx, &ctx))
    }

    fn on_duty(&self) -> Option<OnDuty> {
        self.on_duty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The pharmacist on duty, if any.
    pub fn shift_current(&self) -> Option<ShiftView> {
        self.on_duty().map(|d| shift_view(&d.shift))
    }

    async fn evoucher_person(
        &self,
        by: &Session,
        token: &str,
    ) -> Result<PersonIdentity, StepError> {
        let token = token.trim();
        if token.is_empty() || token.chars().any(char::is_control) {
            return Err(StepError::new(
                "BAD_CREDENTIAL",
                "请药师扫描本人的医保电子凭证",
            ));
        }
        let info = self
            .person_info(by, CertType::EVoucher, token, "")
            .await
            .map_err(|e| center_error("核验药师医保电子凭证失败", &e))?;
        Ok(PersonIdentity {
            name: info.baseinfo.psn_name,
            cert_type: "01".into(),
            cert_no: info.baseinfo.certno,
        })
    }

    /// The pharmacist's own e-voucher binding (settings → 人员): the
    /// signed-in pharmacist scans her own e-voucher once; the center's
    /// identity must be the ID number the manager registered, then the
    /// binding is recorded (audit-logged). The same check runs at every
    /// shift start and audit; this confirms it before the first one.
    pub async fn bind_own_evoucher(
        &self,
        by: &Session,
        evoucher: &str,
    ) -> Result<String, StepError> {
        if by.role() != Role::Pharmacist {
            return Err(StepError::new(
                "NOT_PHARMACIST",
                "只有药师账号需要绑定本人医保电子凭证，请用药师工号登录",
            ));
        }
        let me = self
            .store
            .operator_identity_by(Some(by.operator_id()), None)?
            .ok_or_else(|| StepError::new("NO_OPERATOR", "找不到当前药师账号"))?;
        if me.certno.trim().is_empty() {
            return Err(StepError::new(
                "PHARMACIST_NOT_REGISTERED",
                "该药师账号未登记身份证号，请店长在 设置 → 人员 中登记后再绑定",
            ));
        }
        let person = self.evoucher_person(by, evoucher).await?;
        if !same_cert_no(&person.cert_no, &me.certno) {
            tracing::warn!("e-voucher binding refused: not the operator's own");
            return Err(StepError::new(
                "SHIFT_IDENTITY_MISMATCH",
                "扫描的医保电子凭证不是当前登录药师本人的（与登记的身份证号不符），未绑定",
            ));
        }
        self.store.record_ec_binding(by)?;
        Ok(format!(
            "已绑定：{} 本人的医保电子凭证与登记身份一致",
            me.display_name
        ))
    }

    /// Shift start: the signed-in pharmacist scans their own e-voucher; the
    /// center's identity must be the one registered for the operator.
    pub async fn shift_start(&self, by: &Session, evoucher: &str) -> Result<ShiftView, StepError> {
        let span = tracing::info_span!("shift_start", operator = %by.login());
        async {
            if by.role() != Role::Pharmacist {
                return Err(StepError::new(
                    "NOT_PHARMACIST",
                    "只有药师账号可以上岗审方，请用药师工号登录",
                ));
            }
            let me = self
                .store
                .operator_identity_by(Some(by.operator_id()), None)?
                .ok_or_else(|| StepError::new("NO_OPERATOR", "找不到当前药师账号"))?;
            if me.certno.trim().is_empty() {
                return Err(StepError::new(
                    "PHARMACIST_NOT_REGISTERED",
                    "该药师账号未登记身份证号，请店长在人员管理中登记后再上岗",
                ));
            }
            let person = self.evoucher_person(by, evoucher).await?;
            if !same_cert_no(&person.cert_no, &me.certno) {
                tracing::warn!("shift start refused: the e-voucher is not the operator's");
                return Err(StepError::new(
                    "SHIFT_IDENTITY_MISMATCH",
                    "扫描的医保电子凭证不是当前登录药师本人的，不能上岗。请药师扫描本人的医保电子凭证",
                ));
            }
            let now = Utc::now();
            let shift = Shift {
                pharmacist: Pharmacist {
                    code: me.phar_code.clone(),
                    person: PersonIdentity {
                        name: me.display_name.clone(),
                        cert_type: "01".into(),
                        cert_no: me.certno.clone(),
                    },
                    prac_cert_no: me.prac_cert_no.clone(),
                },
                started: EVoucherCheck {
                    person: PersonIdentity {
                        name: me.display_name.clone(),
                        ..person
                    },
                    at: now,
                },
                ended_at: None,
            };
            let v = shift_view(&shift);
            *self.on_duty.lock().unwrap_or_else(|p| p.into_inner()) = Some(OnDuty {
                operator_id: by.operator_id(),
                shift,
            });
            tracing::info!("pharmacist on duty");
            rxdesk_store::crashpoint!("visit_after_shift_start");
            Ok(v)
        }
        .instrument(span)
        .await
    }

    /// The pharmacist's audit: re-confirmed with their own e-voucher, then
    /// recorded with its 7204 outbox row.
    pub async fn audit(
        &self,
        by: &Session,
        result: &str,
        opinion: &str,
        reconfirm_evoucher: &str,
        reviewer_login: Option<&str>,
    ) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "audit");
        async {
            let result = audit_result(result)?;
            if !matches!(a.visit.state(), VisitState::RulesChecked) {
                return Err(StepError::new(
                    "VISIT_ILLEGAL_TRANSITION",
                    "处方尚未通过核对，不能审方",
                ));
            }
            let duty = self
                .on_duty()
                .filter(|d| d.operator_id == by.operator_id())
                .ok_or_else(|| {
                    StepError::new(
                        "AUDIT_NOT_ON_DUTY",
                        "当前登录药师尚未上岗：请先扫描本人医保电子凭证上岗后再审方",
                    )
                })?;
            let person = self.evoucher_person(by, reconfirm_evoucher).await?;
            let reviewer = match reviewer_login.map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(login) => {
                    let r = self
                        .store
                        .operator_identity_by(None, Some(login))?
                        .filter(|r| r.role == Role::Pharmacist && r.active)
                        .ok_or_else(|| {
                            StepError::new(
                                "REVIEWER_UNKNOWN",
                                format!("工号 {login} 不是本店在职药师，不能复核"),
                            )
                        })?;
                    Some(Pharmacist {
                        code: String::new(),
                        person: PersonIdentity {
                            name: r.display_name,
                            cert_type: "01".into(),
                            cert_no: r.certno,
                        },
                        prac_cert_no: r.prac_cert_no,
                    })
                }
            };
            let now = Utc::now();
            let input = AuditInput {
                shift: duty.shift.clone(),
                reconfirmed: EVoucherCheck {
                    person: PersonIdentity {
                        name: duty.shift.pharmacist.person.name.clone(),
                        ..person
                    },
                    at: now,
                },
                result: result.clone(),
                opinion: opinion.to_string(),
                reviewer: reviewer.clone(),
                at: now,
            };
            a.visit.audited(input)?;
            let rx_id = a
                .opened
                .as_ref()
                .map(|o| o.rx_id)
                .ok_or_else(|| StepError::new("NO_RX", "尚未下载处方"))?;
            let audit_id = self.store.record_audit(
                by,
                &rxdesk_store::ledger::AuditDecision {
                    prescription_id: rx_id,
                    status_code: result.code().to_string(),
                    opinion: opinion.trim().to_string(),
                },
            )?;
            let upload_id = self
                .store
                .upload_of("7204", "rx_audit", audit_id)?
                .map(|u| u.id);
            tracing::info!(
                result = result.code(),
                ?upload_id,
                "audit recorded (7204 queued)"
            );
            a.audit = Some(AuditView {
                pharmacist_name: duty.shift.pharmacist.person.name.clone(),
                result: result.code().to_string(),
                result_zh: result.label_zh().to_string(),
                opinion: opinion.trim().to_string(),
                reviewer_name: reviewer.map(|r| r.person.name),
                at: format_wire(now),
                upload_id,
            });
            if result == AuditResult::Approved {
                a.visit.start_dispensing()?;
                let lines = a
                    .visit
                    .prescription()
                    .map(|p| p.lines.clone())
                    .unwrap_or_default();
                a.dispensing = Some(Dispensing::new(lines));
            }
            Ok(())
        }
        .instrument(span)
        .await?;
        self.persist_logged(a);
        rxdesk_store::crashpoint!("visit_after_audit");
        Ok(self.view(a))
    }

    fn stock_of(&self, drug_id: i64, codg: &str) -> Result<Vec<StockBatch>, StepError> {
        let product = self.store.product_by_id(drug_id)?;
        let pack = product.map(|p| p.pack_size).unwrap_or(Decimal::ONE);
        Ok(self
            .store
            .stock_batches(drug_id)?
            .into_iter()
            .map(|b| StockBatch {
                batch_id: b.fixmedins_bchno,
                med_list_codg: codg.to_string(),
                manu_lotnum: b.manu_lotnum,
                manu_date: date(&b.manu_date),
                expy_end: date(&b.expy_end),
                on_hand: b.quantity * pack,
                store: if b.store == "nocode" {
                    StoreKind::NoCode
                } else {
                    StoreKind::Traced
                },
            })
            .collect())
    }

    /// One scan while dispensing: a box's barcode then its trace code (or a
    /// trace code alone when its prefix names one product, or a GS1 code
    /// carrying both). A refusal leaves the visit unchanged.
    pub async fn scan(&self, by: &Session, code: &str) -> Result<ScanOutcome, StepError> {
        let _ = by;
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "scan");
        let (ok, code, message_zh) = {
            let _e = span.enter();
            match self.scan_in(a, code) {
                Ok(msg) => (true, "box_ok".to_string(), msg),
                Err((c, m)) => {
                    tracing::info!(code = %c, "scan refused");
                    (c == "barcode_ok", c, m)
                }
            }
        };
        if ok {
            rxdesk_store::crashpoint!("visit_after_scan");
        }
        Ok(ScanOutcome {
            ok,
            code,
            message_zh,
            visit: self.view(a),
        })
    }

    fn scan_in(&self, a: &mut Active, raw: &str) -> Result<String, (String, String)> {
        let refuse = |c: &str, m: String| Err((c.to_string(), m));
        if !matches!(a.visit.state(), VisitState::Dispensing) {
            return refuse("not_dispensing", "当前不在调配步骤，扫码未使用".into());
        }
        let scan = match classify(raw) {
            Ok(s) => s,
            Err(e) => return refuse("scan_error", e.message_zh()),
        };
        let rx_codes: Vec<String> = a
            .visit
            .prescription()
            .map(|p| p.lines.iter().map(|l| l.med_list_codg.clone()).collect())
            .unwrap_or_default();
        let store_err =
            |e: rxdesk_store::StoreError| ("store".to_string(), format!("账本读取失败：{e}"));
        let pick = |rows: Vec<ProductRow>| -> Option<ProductRow> {
            rows.iter()
                .find(|(_, r)| rx_codes.contains(&r.med_list_codg))
                .cloned()
                .or_else(|| rows.into_iter().next())
        };
        let (product, trace, lot): (ProductRow, String, Option<String>) = match &scan.kind {
            ScanKind::Gtin { gtin } => {
                let rows = self.store.products_by_barcode(gtin).map_err(store_err)?;
                let Some((id, p)) = pick(rows) else {
                    a.pending_barcode = None;
                    return refuse(
                        "unknown_barcode",
                        format!("条码 {gtin} 不在本店药品目录中，请核对药品"),
                    );
                };
                if !rx_codes.contains(&p.med_list_codg) {
                    a.pending_barcode = None;
                    return refuse(
                        "wrong_product",
                        format!("{} 不是处方开具的药品，不得替换，请取处方上的药品", p.name),
                    );
                }
                a.pending_barcode = Some(gtin.clone());
                a.products
                    .insert(p.fixmedins_hilist_id.clone(), (id, p.clone()));
                return refuse("barcode_ok", format!("{}：请扫描该盒药品的追溯码", p.name));
            }
            ScanKind::TraceCode => {
                let t = scan.text.clone();
                let product = match a.pending_barcode.take() {
                    Some(bc) => pick(self.store.products_by_barcode(&bc).map_err(store_err)?),
                    None => {
                        let rows = self
                            .store
                            .products_by_trace_prefix(&t[..7])
                            .map_err(store_err)?;
                        if rows.len() > 1 {
                            return refuse(
                                "needs_barcode",
                                "该追溯码对应多个药品，请先扫描药盒条码，再扫追溯码".into(),
                            );
                        }
                        rows.into_iter().next()
                    }
                };
                let Some(p) = product else {
                    return refuse(
                        "needs_barcode",
                        "无法由追溯码识别药品，请先扫描药盒条码，再扫追溯码".into(),
                    );
                };
                (p, t, None)
            }
            ScanKind::Gs1(g) => {
                let (Some(gtin14), Some(serial)) = (g.gtin(), g.get("21")) else {
                    return refuse(
                        "gs1_incomplete",
                        "药品码缺少商品条码或追溯码，请分别扫描条码和追溯码".into(),
                    );
                };
                let gtin13 = gtin14.strip_prefix('0').unwrap_or(gtin14);
                let rows = self.store.products_by_barcode(gtin13).map_err(store_err)?;
                let rows = if rows.is_empty() {
                    self.store.products_by_barcode(gtin14).map_err(store_err)?
                } else {
                    rows
                };
                let Some(p) = pick(rows) else {
                    return refuse(
                        "unknown_barcode",
                        format!("条码 {gtin13} 不在本店药品目录中，请核对药品"),
                    );
                };
                (p, serial.to_string(), g.lot().map(str::to_string))
            }
            _ => {
                return refuse(
                    "not_a_box_code",
                    format!(
                        "扫到的是{}，调配时请扫描药盒条码和追溯码",
                        scan.kind.label_zh()
                    ),
                )
            }
        };
        let (drug_id, row) = product;
        if !row.trace_prefix.is_empty() && !trace.starts_with(&row.trace_prefix) {
            return refuse(
                "trace_code_mismatch",
                format!(
                    "追溯码 {trace} 不属于 {}（药品标识码不符），请扫描同一盒药品的追溯码",
                    row.name
                ),
            );
        }
        let batches = self
            .stock_of(drug_id, &row.med_list_codg)
            .map_err(|e| ("store".to_string(), e.message_zh))?;
        let batch_id = match &lot {
            Some(l) => batches
                .iter()
                .find(|b| &b.manu_lotnum == l)
                .map(|b| b.batch_id.clone())
                .or(Some(l.clone())),
            None => None,
        };
        let sold = self.store.trace_code_sold(&trace).map_err(store_err)?;
        let traces = move |_: &rxdesk_core::code_format::TraceCode| {
            if sold {
                TraceState::SoldLocally
            } else {
                TraceState::Unsold
            }
        };
        let product = row.to_product();
        let Some(disp) = a.dispensing.as_mut() else {
            return refuse("not_dispensing", "当前不在调配步骤".into());
        };
        let scan_box = BoxScan {
            barcode: product.barcode.clone(),
            trace_code: trace.clone(),
            batch_id,
        };
        match disp.scan_box(&scan_box, &product, &batches, &traces, today_cst()) {
            Ok(item) => {
                let msg = format!(
                    "{} 已配 1 盒（批号 {}，有效期至 {}）",
                    row.name, item.manu_lotnum, item.expy_end
                );
                a.products
                    .insert(row.fixmedins_hilist_id.clone(), (drug_id, row.clone()));
                tracing::info!(trace = %trace, "box dispensed");
                Ok(msg)
            }
            Err(e) => refuse(dispense_code(&e), e.message_zh()),
        }
    }

    /// Fills (part of) prescription line `line` from the 无码库 — stock
    /// received without trace codes — with the pharmacist's reason; `packs`
    /// may be a fraction of a pack (拆零). A refusal leaves the visit
    /// unchanged.
    pub async fn dispense_no_code(
        &self,
        _by: &Session,
        line: usize,
        packs: &str,
        reason: &str,
    ) -> Result<ScanOutcome, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "dispense_no_code");
        let (ok, code, message_zh) = {
            let _e = span.enter();
            match self.no_code_in(a, line, packs, reason) {
                Ok(msg) => (true, "no_code_ok".to_string(), msg),
                Err((c, m)) => {
                    tracing::info!(code = %c, "no-code dispensing refused");
                    (false, c, m)
                }
            }
        };
        Ok(ScanOutcome {
            ok,
            code,
            message_zh,
            visit: self.view(a),
        })
    }

    fn no_code_in(
        &self,
        a: &mut Active,
        line: usize,
        packs: &str,
        reason: &str,
    ) -> Result<String, (String, String)> {
        let refuse = |c: &str, m: String| Err((c.to_string(), m));
        if !matches!(a.visit.state(), VisitState::Dispensing) {
            return refuse("not_dispensing", "当前不在调配步骤".into());
        }
        let Some(codg) = a
            .visit
            .prescription()
            .and_then(|p| p.lines.get(line))
            .map(|l| l.med_list_codg.clone())
        else {
            return refuse("no_such_line", format!("处方没有第 {} 行药品", line + 1));
        };
        let qty: Decimal = match packs.trim().parse::<Decimal>() {
            Ok(q) if q > Decimal::ZERO && q.scale() <= 4 => q,
            _ => {
                return refuse(
                    "bad_quantity",
                    format!(
                        "数量“{}”无效：请输入大于 0 的盒数（拆零可填小数，如 0.5）",
                        packs.trim()
                    ),
                )
            }
        };
        let store_err =
            |e: rxdesk_store::StoreError| ("store".to_string(), format!("账本读取失败：{e}"));
        let Some((drug_id, row)) = self
            .store
            .products_by_med_list_codg(&codg)
            .map_err(store_err)?
            .into_iter()
            .next()
        else {
            return refuse(
                "not_in_catalogue",
                format!("医保编码 {codg} 不在本店药品目录中，不能配药"),
            );
        };
        let batches = self
            .stock_of(drug_id, &codg)
            .map_err(|e| ("store".to_string(), e.message_zh))?;
        let product = row.to_product();
        let Some(disp) = a.dispensing.as_mut() else {
            return refuse("not_dispensing", "当前不在调配步骤".into());
        };
        match disp.from_no_code_store(
            &product,
            qty * product.pack_size,
            reason,
            &batches,
            today_cst(),
        ) {
            Ok(item) => {
                let msg = format!(
                    "{} 从无码库配 {}{}（批号 {}，有效期至 {}；原因：{}）",
                    row.name,
                    qty.normalize(),
                    row.unit,
                    item.manu_lotnum,
                    item.expy_end,
                    reason.trim()
                );
                a.products
                    .insert(row.fixmedins_hilist_id.clone(), (drug_id, row.clone()));
                tracing::info!(line, "dispensed from the no-code store");
                Ok(msg)
            }
            Err(e) => refuse(dispense_code(&e), e.message_zh()),
        }
    }

    /// Dispensing finished: every line filled.
    pub async fn finish_dispensing(&self, _by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let _e = self.span(&a.id(), "finish_dispensing").entered();
        let disp = a
            .dispensing
            .clone()
            .ok_or_else(|| StepError::new("VISIT_ILLEGAL_TRANSITION", "当前不在调配步骤"))?;
        let items = disp
            .finish(false)
            .map_err(|e| StepError::new(e.code(), e.message_zh()))?;
        let cold = items.iter().any(|i| {
            a.products
                .get(&i.fixmedins_hilist_id)
                .is_some_and(|(_, r)| r.to_product().facts.cold_chain)
        });
        a.visit.dispensed_items(items, cold)?;
        tracing::info!("dispensed");
        self.persist_logged(a);
        rxdesk_store::crashpoint!("visit_after_finish_dispensing");
        Ok(self.view(a))
    }

    fn settle_input(&self, a: &Active) -> Result<(SettleInput, Amount), StepError> {
        let rx = a
            .visit
            .prescription()
            .ok_or_else(|| StepError::new("NO_RX", "尚未下载处方"))?;
        let p = a
            .patient
            .as_ref()
            .ok_or_else(|| StepError::new("NO_PATIENT", "尚未识别患者"))?;
        let now = format_wire(Utc::now());
        let mut total = Amount::ZERO;
        let mut lines = Vec::new();
        for (n, l) in rx.lines.iter().enumerate() {
            let items: Vec<&DispensedItem> =
                a.visit.dispensed().iter().filter(|i| i.line == n).collect();
            let Some(first) = items.first() else { continue };
            let (_, row) = a
                .products
                .get(&first.fixmedins_hilist_id)
                .ok_or_else(|| StepError::new("NO_PRODUCT", "调配的药品不在目录中"))?;
            let cnt: Decimal = items.iter().map(|i| i.line_quantity).sum();
            let per_pack = first.min_units_per_line_unit();
            let pric = if per_pack == row.pack_size || row.pack_size.is_zero() {
                row.price
            } else {
                Price::round(row.price.value() * per_pack / row.pack_size)
                    .map_err(|e| StepError::new("PRICE", e.to_string()))?
            };
            let sum = pric
                .times(cnt)
                .map_err(|e| StepError::new("PRICE", e.to_string()))?;
            total = total
                .checked_add(sum)
                .map_err(|e| StepError::new("PRICE", e.to_string()))?;
            lines.push(DrugDetail {
                feedetl_sn: format!("{}{:02}", a.id(), n + 1),
                rxno: rx.rx_no.0.clone(),
                rx_circ_flag: "1".into(),
                fee_ocur_time: now.clone(),
                med_list_codg: l.med_list_codg.clone(),
                medins_list_codg: row.fixmedins_hilist_id.clone(),
                det_item_fee_sumamt: sum,
                cnt,
                pric,
                sin_dos_dscr: l.single_dose.clone(),
                used_frqu_dscr: l.frequency.clone(),
                prd_days: Decimal::from(l.days),
                medc_way_dscr: l.route.clone(),
                bilg_dr_codg: String::new(),
                bilg_dr_name: a
                    .opened
                    .as_ref()
                    .map(|o| o.prescription.prsc_dr_name.clone())
                    .unwrap_or_default(),
                tcmdrug_used_way: String::new(),
            });
        }
        Ok((
            SettleInput {
                data: SettleData {
                    psn_no: p.psn_no.clone(),
                    mdtrt_cert_type: p.mdtrt_cert_type.clone(),
                    mdtrt_cert_no: p.mdtrt_cert_no.clone(),
                    begntime: now,
                    medfee_sumamt: total,
                    invono: String::new(),
                    insutype: p.insutype.clone(),
                    dise_codg: String::new(),
                    dise_name: String::new(),
                    acct_used_flag: "1".into(),
                    med_type: MedType::PharmacyPurchase,
                    exp_content: String::new(),
                },
                drugdetail: lines,
            },
            total,
        ))
    }

    fn settle_ctx(&self, by: &Session, a: &Active) -> rxdesk_center::Ctx {
        let mut ctx = self.desk.ctx(by);
        if let Some(p) = &a.patient {
            if !p.insuplc_admdvs.is_empty() {
                ctx.insuplc_admdvs = p.insuplc_admdvs.clone();
            }
        }
        ctx
    }

    /// Waits (bounded) until the audit's 7204 upload reached the center:
    /// the center settles only audited prescriptions.
    async fn audit_delivered(&self, a: &Active) -> Result<(), StepError> {
        let Some(id) = a.audit.as_ref().and_then(|x| x.upload_id) else {
            return Ok(());
        };
        for _ in 0..100 {
            match self.store.upload(id)?.state {
                UploadState::Done => return Ok(()),
                UploadState::Rejected => {
                    return Err(StepError::new(
                        "AUDIT_UPLOAD_REJECTED",
                        format!("审方结果上传被医保中心拒绝（上传队列第 {id} 条），请在上传队列中查看原因并处理"),
                    ))
                }
                _ => tokio::time::sleep(std::time::Duration::from_millis(150)).await,
            }
        }
        Err(StepError::new(
            "AUDIT_NOT_UPLOADED",
            format!("审方结果尚未上传到医保中心（上传队列第 {id} 条），请检查网络后稍候重试预结算"),
        ))
    }

    /// 2101: the fund / account / cash split, explained.
    pub async fn pre_settle(&self, by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "pre_settle");
        async {
            if !matches!(a.visit.state(), VisitState::Dispensed | VisitState::PreSettled) {
                return Err(StepError::new(
                    "VISIT_ILLEGAL_TRANSITION",
                    "请先完成调配再预结算",
                ));
            }
            self.audit_delivered(a).await?;
            let (input, total) = self.settle_input(a)?;
            let out = self
                .desk
                .center()
                .pre_settle(&self.settle_ctx(by, a), &input)
                .await
                .map_err(|e| center_error("预结算失败", &e))?;
            let split = split_of(&out)?;
            a.visit.pre_settled(split, total)?;
            tracing::info!(total = %total, fund = %split.fund(), cash = %split.cash(), "pre-settled (2101)");
            a.settle_input = Some(input);
            a.settle_output = Some(out);
            rxdesk_store::crashpoint!("visit_after_2101");
            a.notice_zh = None;
            Ok(())
        }
        .instrument(span)
        .await?;
        self.persist_logged(a);
        Ok(self.view(a))
    }

    /// 2102 with a journalled msgid; a definite refusal goes back to the
    /// pre-settlement, anything else is uncertain.
    pub async fn settle(&self, by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "settle");
        async {
            if !matches!(a.visit.state(), VisitState::PreSettled) {
                return Err(StepError::new(
                    "VISIT_ILLEGAL_TRANSITION",
                    "请先预结算并向患者说明费用后再确认结算",
                ));
            }
            let input = a
                .settle_input
                .clone()
                .ok_or_else(|| StepError::new("NO_PRESETTLE", "请先预结算"))?;
            let msgid = self
                .desk
                .next_msgid()
                .map_err(|e| center_error("结算", &e))?;
            let input_json = serde_json::to_string(&input)
                .map_err(|e| StepError::new("INTERNAL", e.to_string()))?;
            let rx_id = a.rx_id();
            // The sale lines at the prices being settled: the sale is
            // recorded from these, never from live catalogue prices.
            a.sale_lines = self.frozen_sale_lines(a)?;
            // Journal first: if the process dies after this line, start-up
            // finds the attempt and asks for its resolution.
            rxdesk_store::crashpoint!("visit_before_2102_journal");
            let attempt = self.store.begin_settlement_attempt(
                by,
                &a.id(),
                rx_id,
                &msgid,
                &input_json,
            )?;
            a.attempt_id = Some(attempt);
            a.visit.settlement_sent(msgid.clone(), by.login())?;
            self.persist(a)?;
            tracing::info!(%msgid, "settling (2102)");
            let ctx = self.settle_ctx(by, a).with_msgid(&msgid);
            let presettled_total = a.visit.split().map(|s| s.total());
            rxdesk_store::crashpoint!("visit_after_2102_journal_before_send");
            let answer = self.desk.center().settle(&ctx, &input).await;
            match answer {
                Ok(out) => {
                    rxdesk_store::crashpoint!("visit_after_2102_before_journal_outcome");
                    let split = split_of(&out);
                    let out_json = serde_json::to_string(&out).unwrap_or_default();
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Settled,
                        Some(&out.setlinfo.setl_id),
                        Some(&out_json),
                        "2102 answered",
                    )?;
                    let total = out.setlinfo.medfee_sumamt;
                    if total != input.data.medfee_sumamt
                        || presettled_total.is_some_and(|t| t != total)
                    {
                        // The fund was charged for another amount than the
                        // patient agreed to: stop and reverse it at once.
                        tracing::error!(settled = %total, presettled = %input.data.medfee_sumamt, "2102 total differs from 2101: reversing");
                        a.visit.settlement_timed_out()?;
                        self.persist(a)?;
                        return self
                            .reverse_mismatched(by, a, attempt, &out)
                            .await;
                    }
                    rxdesk_store::crashpoint!("visit_after_2102_before_sale");
                    let split = match split {
                        Ok(s) => s,
                        Err(e) => {
                            // Settled at the center, but the figures are wrong:
                            // keep it uncertain so it is reversed, never sold.
                            a.visit.settlement_timed_out()?;
                            self.persist_logged(a);
                            return Err(e);
                        }
                    };
                    a.visit.settled(out.setlinfo.setl_id.clone(), split)?;
                    tracing::info!(setl_id = %out.setlinfo.setl_id, "settled");
                    self.notify_face_terminal(a, &out);
                    a.settle_output = Some(out);
                    a.notice_zh = None;
                    self.persist(a)?;
                }
                Err(CenterError::Rejected { code, message }) => {
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Failed,
                        None,
                        None,
                        &format!("{code} {message}"),
                    )?;
                    a.visit.settlement_rejected()?;
                    tracing::warn!(%code, "settlement refused by the center");
                    a.notice_zh = Some(format!(
                        "医保中心拒绝结算（{code}）：{message}。未扣费；请核对后重新预结算，或取消本次服务"
                    ));
                }
                Err(CenterError::Invalid(m)) => {
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Failed,
                        None,
                        None,
                        &format!("not sent: {m}"),
                    )?;
                    a.visit.settlement_rejected()?;
                    a.notice_zh = Some(format!("结算请求未发送（{m}），未扣费；请检查中心配置后重试"));
                }
                Err(e) => {
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Uncertain,
                        None,
                        None,
                        &e.to_string(),
                    )?;
                    a.visit.settlement_timed_out()?;
                    tracing::warn!(error = %e, "settlement uncertain: 2601 needed");
                    a.notice_zh = None;
                }
            }
            self.persist_logged(a);
            Ok(())
        }
        .instrument(span)
        .await?;
        Ok(self.view(a))
    }

    async fn reverse(
        &self,
        by: &Session,
        psn_no: &str,
        msgid: &str,
        sent_at_ms: i64,
    ) -> Result<AttemptState, StepError> {
        Ok(
            match self.resolve_2102(by, psn_no, msgid, sent_at_ms).await? {
                recovery::Uncertain2102::Reversed => AttemptState::Reversed,
                recovery::Uncertain2102::NotSettled => AttemptState::NotSettled,
            },
        )
    }

    /// The sale lines of the dispensed boxes at the catalogue prices the
    /// settlement input was computed with (frozen before 2102 leaves).
    fn frozen_sale_lines(&self, a: &Active) -> Result<Vec<recovery::JournalLine>, StepError> {
        let mut lines: Vec<recovery::JournalLine> = Vec::new();
        let mut by_batch: HashMap<(i64, bool), usize> = HashMap::new();
        for item in a.visit.dispensed() {
            let (drug_id, row) = a
                .products
                .get(&item.fixmedins_hilist_id)
                .ok_or_else(|| StepError::new("NO_PRODUCT", "调配的药品不在目录中"))?;
            let batch_row = self
                .store
                .stock_batches(*drug_id)?
                .into_iter()
                .find(|b| b.fixmedins_bchno == item.batch_id)
                .ok_or_else(|| {
                    StepError::new("NO_BATCH", format!("找不到批次 {}", item.batch_id))
                })?;
            let key = (batch_row.id, item.split);
            let idx = *by_batch.entry(key).or_insert_with(|| {
                lines.push(recovery::JournalLine {
                    batch_id: batch_row.id,
                    quantity: Decimal::ZERO,
                    price: row.price,
                    split: item.split,
                    trace_codes: Vec::new(),
                });
                lines.len() - 1
            });
            lines[idx].quantity += item.packs();
            if let Some(t) = &item.trace_code {
                lines[idx].trace_codes.push(t.as_str().to_string());
            }
        }
        for l in &mut lines {
            l.quantity = l.quantity.normalize();
        }
        Ok(lines)
    }

    /// 2102 settled another total than 2101: reverse it with 2103 now
    /// (journalled in the attempt); an unknown outcome stays uncertain and
    /// is resolved by 2601 of the 2102 like any uncertain settlement.
    async fn reverse_mismatched(
        &self,
        by: &Session,
        a: &mut Active,
        attempt: i64,
        out: &SettleOutput,
    ) -> Result<(), StepError> {
        let s = &out.setlinfo;
        let msgid = self
            .desk
            .next_msgid()
            .map_err(|e| center_error("撤销结算", &e))?;
        self.store.note_settlement_attempt(
            attempt,
            &format!(
                "2102 total {} differs from 2101: 2103 {msgid} sent",
                s.medfee_sumamt
            ),
        )?;
        let data = rxdesk_center::messages::SettleReverseData {
            setl_id: s.setl_id.clone(),
            mdtrt_id: s.mdtrt_id.clone(),
            psn_no: s.psn_no.clone(),
            exp_content: String::new(),
        };
        let insuplc = a
            .patient
            .as_ref()
            .map(|p| p.insuplc_admdvs.clone())
            .unwrap_or_default();
        match self.send_2103(by, &msgid, &data, &insuplc).await {
            recovery::Reversal2103::Reversed => {
                self.store.finish_settlement_attempt(
                    attempt,
                    AttemptState::Reversed,
                    None,
                    None,
                    "2102 total differs from 2101: reversed by 2103",
                )?;
                a.visit.resolve_uncertain(Resolution::Reversed)?;
                a.notice_zh = Some(format!(
                    "医保结算金额 {} 元与预结算金额不一致，已自动撤销该笔结算（未扣费）。请重新预结算并核对金额",
                    s.medfee_sumamt
                ));
                self.persist_logged(a);
                Ok(())
            }
            recovery::Reversal2103::Refused(m) | recovery::Reversal2103::Uncertain(m) => {
                tracing::error!(detail = %m, "2103 of a mismatched settlement not done");
                a.notice_zh = Some(format!(
                    "医保结算金额 {} 元与预结算金额不一致，自动撤销未完成（{m}）：请点击“处理未知结算”冲正，切勿收费",
                    s.medfee_sumamt
                ));
                self.persist_logged(a);
                Ok(())
            }
        }
    }

    /// Resolves an uncertain settlement by 2601 冲正 of its msgid (then a
    /// fresh pre-settlement and 2102 may follow).
    pub async fn resolve_uncertain(&self, by: &Session) -> Result<VisitView, StepError> {
        if let Some(o) = self.orphan() {
            let span =
                tracing::info_span!("visit_step", visit = %o.visit_id, step = "resolve_orphan");
            if o.state == AttemptState::Settled {
                // Charged, with no lines to sell: a manager's reversal.
                by.require(rxdesk_store::operators::Permission::Refund)?;
            }
            let psn_no = serde_json::from_str::<SettleInput>(&o.input_json)
                .map(|i| i.data.psn_no)
                .unwrap_or_default();
            rxdesk_store::crashpoint!("visit_before_2601");
            let outcome = self
                .reverse(by, &psn_no, &o.msgid, o.created_at)
                .instrument(span)
                .await?;
            rxdesk_store::crashpoint!("visit_after_2601_before_journal");
            self.store.finish_settlement_attempt(
                o.id,
                outcome,
                None,
                None,
                "resolved after restart by 2601",
            )?;
            self.close_journal(
                &o.visit_id,
                &format!("settlement resolved: {}", outcome.code()),
            );
            rxdesk_store::crashpoint!("visit_after_2601_journal");
            tracing::info!(msgid = %o.msgid, outcome = outcome.code(), "orphan settlement resolved");
            self.orphans
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|x| x.id != o.id);
            let mut v = self.orphan_view(&o);
            v.state = "closed".into();
            v.state_zh = "已结束".into();
            v.closed_reason_zh = Some(format!(
                "中断的结算已处理（{}），未重复收费",
                outcome.label_zh()
            ));
            v.next_step_zh = "请开始接待，为该患者重新办理".into();
            return Ok(v);
        }
        let mut guard = self.active.lock().await;
        let a = guard
            .as_mut()
            .ok_or_else(|| StepError::new("NO_VISIT", "没有进行中的服务"))?;
        let span = self.span(&a.id(), "resolve_uncertain");
        async {
            if !matches!(a.visit.state(), VisitState::SettlementUncertain) {
                return Err(StepError::new("NOT_UNCERTAIN", "当前没有结果未知的结算"));
            }
            let msgid = a
                .visit
                .settlement_msgid()
                .map(str::to_string)
                .ok_or_else(|| StepError::new("NO_MSGID", "找不到待冲正的结算报文"))?;
            let psn_no = a
                .patient
                .as_ref()
                .map(|p| p.psn_no.clone())
                .unwrap_or_default();
            rxdesk_store::crashpoint!("visit_before_2601");
            let sent_at = match a.attempt_id {
                Some(id) => self.store.settlement_attempt(id)?.created_at,
                None => self.store.now_ms(),
            };
            let outcome = self.reverse(by, &psn_no, &msgid, sent_at).await?;
            rxdesk_store::crashpoint!("visit_after_2601_before_journal");
            if let Some(id) = a.attempt_id {
                self.store.finish_settlement_attempt(
                    id,
                    outcome,
                    None,
                    None,
                    "resolved by 2601",
                )?;
            }
            a.visit
                .resolve_uncertain(if outcome == AttemptState::Reversed {
                    Resolution::Reversed
                } else {
                    Resolution::NotSettled
                })?;
            rxdesk_store::crashpoint!("visit_after_2601_journal");
            tracing::info!(%msgid, outcome = outcome.code(), "uncertain settlement resolved");
            a.notice_zh = Some(format!(
                "上一笔结算已处理（{}），未扣费。请重新预结算后再确认结算",
                outcome.label_zh()
            ));
            self.persist_logged(a);
            Ok(())
        }
        .instrument(span)
        .await?;
        Ok(self.view(a))
    }

    /// The self-paid part: cash (tendered ≥ due, change computed) or a
    /// scanned pay code through the payment channel.
    pub async fn pay(
        &self,
        _by: &Session,
        method: &str,
        tendered: Option<&str>,
        pay_code: Option<&str>,
    ) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let _e = self.span(&a.id(), "pay").entered();
        if !matches!(a.visit.state(), VisitState::Settled) {
            return Err(StepError::new(
                "VISIT_ILLEGAL_TRANSITION",
                "请先完成医保结算再收款",
            ));
        }
        let due = a.visit.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
        let p = match method {
            "cash" => {
                let t: Amount = tendered
                    .unwrap_or("")
                    .trim()
                    .parse()
                    .map_err(|_| StepError::new("BAD_AMOUNT", "请输入实收金额（如 50.00）"))?;
                let change =
                    cash_change(due, t).map_err(|e| StepError::new(e.code(), e.message_zh()))?;
                PaymentState {
                    method: "cash".into(),
                    due,
                    tendered: Some(t),
                    change: Some(change),
                    channel: None,
                    reference: String::new(),
                    paid: true,
                }
            }
            "scan" => {
                if due.value().is_zero() {
                    PaymentState {
                        method: "none".into(),
                        due,
                        tendered: None,
                        change: None,
                        channel: None,
                        reference: String::new(),
                        paid: true,
                    }
                } else {
                    let code = pay_code.unwrap_or("").trim();
                    if code.is_empty() {
                        return Err(StepError::new(
                            "PAY_CODE_MISSING",
                            "请扫描患者的微信或支付宝付款码",
                        ));
                    }
                    let c = self
                        .payments
                        .charge(code, due, &a.id())
                        .map_err(|e| StepError::new("PAYMENT_DECLINED", e.0))?;
                    tracing::info!(channel = c.channel.label_zh(), "paid by scan");
                    PaymentState {
                        method: "scan".into(),
                        due,
                        tendered: None,
                        change: None,
                        channel: Some(c.channel),
                        reference: c.transaction_id.clone(),
                        paid: true,
                    }
                }
            }
            other => {
                return Err(StepError::new(
                    "BAD_METHOD",
                    format!("不支持的收款方式 {other}"),
                ))
            }
        };
        a.payment = Some(p);
        self.persist_logged(a);
        rxdesk_store::crashpoint!("visit_after_payment");
        Ok(self.view(a))
    }

    /// Records the sale (one transaction with its outbox rows), prints the
    /// receipt and writes the guidance PDF.
    pub async fn complete(&self, by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "complete");
        async {
            if !matches!(a.visit.state(), VisitState::Settled) {
                return Err(StepError::new("VISIT_ILLEGAL_TRANSITION", "请先完成医保结算"));
            }
            let due = a.visit.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
            if !due.value().is_zero() && !a.payment.as_ref().is_some_and(|p| p.paid) {
                return Err(StepError::new(
                    "NOT_PAID",
                    format!("患者还需自付 {due} 元，请先收款"),
                ));
            }
            let out = a
                .settle_output
                .clone()
                .ok_or_else(|| StepError::new("NO_SETTLEMENT", "找不到结算结果"))?;
            let rx_id = a.rx_id();
            // The lines frozen when 2102 left, at the settled prices.
            let lines: Vec<NewSaleLine> = a
                .sale_lines
                .iter()
                .map(recovery::JournalLine::to_sale_line)
                .collect();
            let s = &out.setlinfo;
            let sale = NewSale {
                prescription_id: rx_id,
                lines,
                settlement: Some(NewSettlement {
                    setl_id: s.setl_id.clone(),
                    mdtrt_id: s.mdtrt_id.clone(),
                    psn_no: s.psn_no.clone(),
                    medfee_sumamt: s.medfee_sumamt,
                    fund_pay_sumamt: s.fund_pay_sumamt,
                    psn_part_amt: s.psn_part_amt,
                    acct_pay: s.acct_pay,
                    psn_cash_pay: s.psn_cash_pay,
                    setl_time: rxdesk_core::time::parse_wire(&s.setl_time)
                        .map(|t| t.timestamp_millis())
                        .unwrap_or_else(|| self.store.now_ms()),
                }),
                doctor_name: a.doctor_name(),
                hi_feesetl_type: "1".into(),
            };
            if a.recovered {
                rxdesk_store::crashpoint!("recovered_visit_before_complete");
            }
            rxdesk_store::crashpoint!("visit_before_record_sale");
            let payments = a
                .payment
                .as_ref()
                .map(PaymentState::sale_payments)
                .unwrap_or_default();
            let proxy = a
                .patient
                .as_ref()
                .and_then(|p| p.proxy.as_ref())
                .map(|p| rxdesk_store::ledger::NewProxy {
                    agent_name: p.agent_name.clone(),
                    agent_certno: p.agent_certno.clone(),
                    relationship: p.relationship.clone(),
                    authorisation: p.authorisation.clone(),
                });
            let rec = self
                .store
                .record_sale_full(by, &sale, &payments, proxy.as_ref())?;
            rxdesk_store::crashpoint!("visit_after_sale_before_receipt");
            tracing::info!(sale_id = rec.sale_id, docno = %rec.rtal_docno, uploads = ?rec.upload_ids, "sale recorded");
            let pay = a.payment.clone();
            let printed = self.print_sale(rec.sale_id, pay.as_ref(), None).await;
            a.visit.receipted(rec.rtal_docno.clone())?;
            a.sale = Some(SaleView {
                sale_id: rec.sale_id,
                rtal_docno: rec.rtal_docno,
                total: rec.total,
                receipt_text: printed.text,
                guidance_pdf_path: printed.pdf,
                printed_zh: printed.printed_zh,
                upload_ids: rec.upload_ids,
            });
            a.recovered = false;
            self.close_journal(&a.id(), "completed");
            Ok(())
        }
        .instrument(span)
        .await?;
        rxdesk_store::crashpoint!("visit_after_receipt");
        Ok(self.view(a))
    }

    /// A delivery order of the completed visit: accepted (cold chain
    /// confirmed when needed), in transit, signed for by the patient or the
    /// registered agent only, or refused; each status queued as 7205.
    pub async fn delivery(&self, by: &Session, step: DeliveryStep) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard
            .as_mut()
            .ok_or_else(|| StepError::new("NO_VISIT", "没有进行中的服务"))?;
        let span = self.span(&a.id(), "delivery");
        let _e = span.enter();
        let (code, description) = match &step {
            DeliveryStep::Accept {
                delv_no,
                company,
                cold_chain_handled,
            } => {
                if delv_no.trim().is_empty() || company.trim().is_empty() {
                    return Err(StepError::new(
                        "DELIVERY_INCOMPLETE",
                        "请填写配送单号和配送企业",
                    ));
                }
                a.visit.delivery_accepted(*cold_chain_handled)?;
                a.delivery = Some((delv_no.trim().to_string(), company.trim().to_string()));
                let cold = if *cold_chain_handled {
                    "，已按冷链要求包装"
                } else {
                    ""
                };
                ("1", format!("药店已接单{cold}"))
            }
            DeliveryStep::InTransit => {
                a.visit.delivery_in_transit()?;
                ("2", "配送中".to_string())
            }
            DeliveryStep::Signed { name, cert_no } => {
                let who = PersonIdentity {
                    name: name.trim().to_string(),
                    cert_type: CENTER_CONFIRMED.into(),
                    cert_no: cert_no.trim().to_string(),
                };
                a.visit.delivery_signed(&who)?;
                ("3", format!("{} 本人签收（已核验身份）", who.name))
            }
            DeliveryStep::Refused { reason } => {
                a.visit.delivery_refused()?;
                ("4", format!("拒收：{}", reason.trim()))
            }
        };
        let (delv_no, company) = a
            .delivery
            .clone()
            .ok_or_else(|| StepError::new("DELIVERY_NOT_ACCEPTED", "请先接单"))?;
        let rx_id = a
            .opened
            .as_ref()
            .map(|o| o.rx_id)
            .ok_or_else(|| StepError::new("NO_RX", "没有处方"))?;
        let id = self.store.record_delivery(
            by,
            &rxdesk_store::ledger::DeliveryStatus {
                prescription_id: rx_id,
                delv_no,
                delv_entp_name: company,
                status_code: code.into(),
                description: description.clone(),
            },
        )?;
        tracing::info!(
            status = code,
            delivery = id,
            "delivery status recorded (7205 queued)"
        );
        a.notice_zh = Some(format!("配送状态已记录：{description}（将上报医保中心）"));
        drop(_e);
        Ok(self.view(a))
    }

    /// Sales history (newest first).
    pub fn sales_find(&self, query: &str) -> Result<Vec<SaleSummary>, StepError> {
        Ok(self
            .store
            .find_sales(query, 100)?
            .into_iter()
            .map(|s| SaleSummary {
                agent_zh: self
                    .agent_of_sale(s.sale_id)
                    .map(|a| format!("{}（{}，{}）", a.name, a.relationship_zh, a.certno_masked)),
                sale_id: s.sale_id,
                rtal_docno: s.rtal_docno,
                sold_at: DateTime::from_timestamp_millis(s.sold_at)
                    .map(format_wire)
                    .unwrap_or_default(),
                hi_rxno: s.hi_rxno,
                patient_name: s.patient_name,
                total: s.total.to_string(),
                state: s.state,
                setl_id: s.setl_id,
            })
            .collect())
    }

    /// Reprints a sale's receipt (marked as a reprint).
    pub async fn reprint(&self, _by: &Session, sale_id: i64) -> Result<SaleView, StepError> {
        let d = self.store.sale_detail(sale_id)?;
        let printed = self.print_sale(sale_id, None, Some(Utc::now())).await;
        Ok(SaleView {
            sale_id,
            rtal_docno: d.summary.rtal_docno,
            total: d.summary.total.to_string(),
            receipt_text: printed.text,
            guidance_pdf_path: printed.pdf,
            printed_zh: printed.printed_zh,
            upload_ids: Vec::new(),
        })
    }

    fn paper(&self) -> rxdesk_receipts::Paper {
        match self.config.printer.as_ref().map(|p| p.width) {
            Some(rxdesk_devices::printer::escpos::PaperWidth::Mm58) => rxdesk_receipts::Paper::Mm58,
            _ => rxdesk_receipts::Paper::Mm80,
        }
    }

    fn store_info(&self) -> rxdesk_receipts::StoreInfo {
        rxdesk_receipts::StoreInfo {
            name: self.config.store_name.clone(),
            fixmedins_code: self.desk.institution().to_string(),
            address: Some(self.config.receipt_address.trim().to_string()).filter(|s| !s.is_empty()),
            phone: Some(self.config.receipt_phone.trim().to_string()).filter(|s| !s.is_empty()),
        }
    }

    fn prescription_of_sale(&self, d: &rxdesk_store::SaleDetail) -> Option<DownloadedPrescription> {
        let raw = self.store.prescription_raw(d.prescription_id?).ok()?;
        serde_json::from_str(&raw).ok()
    }

    fn receipt_lines(
        &self,
        d: &rxdesk_store::SaleDetail,
        rx: Option<&DownloadedPrescription>,
    ) -> Vec<rxdesk_receipts::ReceiptLine> {
        let model = rx.and_then(|r| rxdesk_gm::verify::domain_prescription(r).ok());
        d.lines
            .iter()
            .map(|l| {
                let rl = model
                    .as_ref()
                    .and_then(|m| m.lines.iter().find(|x| x.med_list_codg == l.med_list_codg));
                let self_pay = self
                    .store
                    .product_by_id(l.drug_id)
                    .ok()
                    .flatten()
                    .is_some_and(|p| p.self_pay);
                rxdesk_receipts::ReceiptLine {
                    drug_name: l.name.clone(),
                    spec: l.spec.clone(),
                    quantity: l.quantity,
                    unit: l.unit.clone(),
                    unit_price: l.price,
                    amount: l.amount,
                    med_list_code: l.med_list_codg.clone(),
                    batch: l.manu_lotnum.clone(),
                    expiry: date(&l.expy_end),
                    trace_codes: l.trace_codes.clone(),
                    coverage: if self_pay {
                        rxdesk_receipts::Coverage::SelfPaid
                    } else {
                        rxdesk_receipts::Coverage::Unknown
                    },
                    guidance: rl.map(|x| rxdesk_receipts::MedicationGuidance {
                        single_dose: x.single_dose.clone(),
                        frequency: x.frequency.clone(),
                        route: x.route.clone(),
                        days: (x.days > 0).then_some(x.days),
                        doctor_instructions: None,
                        contraindications: Vec::new(),
                        warnings: if self_pay {
                            vec!["本药品为自费药品，医保不予支付".to_string()]
                        } else {
                            Vec::new()
                        },
                    }),
                }
            })
            .collect()
    }

    fn receipt_split(&self, d: &rxdesk_store::SaleDetail) -> rxdesk_receipts::SettlementSplit {
        let total = d.summary.total;
        match &d.settlement {
            Some(s) => rxdesk_receipts::SettlementSplit {
                total: s.medfee_sumamt,
                fund_pay: s.fund_pay_sumamt,
                account_pay: s.acct_pay,
                cash_pay: s.psn_cash_pay,
                fund_items: vec![rxdesk_receipts::FundItem {
                    name: "统筹基金".into(),
                    amount: s.fund_pay_sumamt,
                }],
                full_self_pay: None,
                pre_self_pay: None,
                deductible: None,
                fund_ratio_percent: None,
                account_balance_after: None,
                setl_id: s.setl_id.clone(),
            },
            None => rxdesk_receipts::SettlementSplit {
                total,
                fund_pay: Amount::ZERO,
                account_pay: Amount::ZERO,
                cash_pay: total,
                fund_items: Vec::new(),
                full_self_pay: None,
                pre_self_pay: None,
                deductible: None,
                fund_ratio_percent: None,
                account_balance_after: None,
                setl_id: String::new(),
            },
        }
    }

    /// The 代购 agent of a sale, as printed.
    fn agent_of_sale(&self, sale_id: i64) -> Option<rxdesk_receipts::AgentRef> {
        match self.store.sale_proxy(sale_id) {
            Ok(p) => p.map(|p| rxdesk_receipts::AgentRef {
                name: p.agent_name,
                relationship_zh: p.relationship_zh,
                certno_masked: p.agent_certno_masked,
            }),
            Err(e) => {
                tracing::warn!(sale_id, error = %e, "proxy purchase unreadable");
                None
            }
        }
    }

    fn sale_receipt_model(
        &self,
        d: &rxdesk_store::SaleDetail,
        pay: Option<&PaymentState>,
        reprinted_at: Option<DateTime<Utc>>,
    ) -> rxdesk_receipts::SaleReceipt {
        let rx = self.prescription_of_sale(d);
        let split = self.receipt_split(d);
        let method = match pay.and_then(|p| p.channel) {
            Some(Channel::WeChat) => rxdesk_receipts::PaymentMethod::WeChat,
            Some(Channel::Alipay) => rxdesk_receipts::PaymentMethod::Alipay,
            Some(Channel::Terminal) => rxdesk_receipts::PaymentMethod::Other("聚合支付终端".into()),
            None => rxdesk_receipts::PaymentMethod::Cash,
        };
        rxdesk_receipts::SaleReceipt {
            store: self.store_info(),
            sale_id: d.summary.rtal_docno.clone(),
            settled_at: DateTime::from_timestamp_millis(d.summary.sold_at).unwrap_or_default(),
            operator: d.operator_name.clone(),
            pharmacist: self
                .on_duty()
                .map(|o| o.shift.pharmacist.person.name)
                .unwrap_or_else(|| d.operator_name.clone()),
            prescription: rxdesk_receipts::PrescriptionRef {
                rx_no: d.summary.hi_rxno.clone().unwrap_or_default(),
                hospital: rx
                    .as_ref()
                    .map(|r| r.fixmedins_name.clone())
                    .unwrap_or_default(),
                department: rx
                    .as_ref()
                    .map(|r| r.phar_dept_name.clone())
                    .filter(|s| !s.is_empty()),
                doctor: rx
                    .as_ref()
                    .map(|r| r.prsc_dr_name.clone())
                    .filter(|s| !s.is_empty()),
                patient_name: d.summary.patient_name.clone(),
                agent: self.agent_of_sale(d.summary.sale_id),
            },
            lines: self.receipt_lines(d, rx.as_ref()),
            settlement: split,
            payment: rxdesk_receipts::Payment {
                method,
                tendered: pay.and_then(|p| p.tendered),
                change: pay.and_then(|p| p.change),
            },
            reprinted_at,
        }
    }

    fn refund_receipt(
        &self,
        by: &Session,
        d: &rxdesk_store::SaleDetail,
        reason: &str,
        returned: &[rxdesk_store::SalePayment],
    ) -> Result<Vec<rxdesk_receipts::ReceiptElement>, rxdesk_receipts::ReceiptError> {
        let rx = self.prescription_of_sale(d);
        let r = rxdesk_receipts::RefundReceipt {
            store: self.store_info(),
            refund_id: format!("{}-R", d.summary.rtal_docno),
            original_sale_id: d.summary.rtal_docno.clone(),
            original_setl_id: d
                .settlement
                .as_ref()
                .map(|s| s.setl_id.clone())
                .unwrap_or_default(),
            original_settled_at: DateTime::from_timestamp_millis(d.summary.sold_at)
                .unwrap_or_default(),
            refunded_at: Utc::now(),
            operator: by.display_name().to_string(),
            reason: reason.trim().to_string(),
            prescription: rxdesk_receipts::PrescriptionRef {
                rx_no: d.summary.hi_rxno.clone().unwrap_or_default(),
                hospital: rx
                    .as_ref()
                    .map(|r| r.fixmedins_name.clone())
                    .unwrap_or_default(),
                department: None,
                doctor: rx
                    .as_ref()
                    .map(|r| r.prsc_dr_name.clone())
                    .filter(|s| !s.is_empty()),
                patient_name: d.summary.patient_name.clone(),
                agent: self.agent_of_sale(d.summary.sale_id),
            },
            lines: self.receipt_lines(d, rx.as_ref()),
            settlement: self.receipt_split(d),
            // The method the self-paid part was paid (and given back) with.
            refund_method: match returned.first().map(|p| p.method.as_str()) {
                Some("wechat") => rxdesk_receipts::PaymentMethod::WeChat,
                Some("alipay") => rxdesk_receipts::PaymentMethod::Alipay,
                _ => rxdesk_receipts::PaymentMethod::Cash,
            },
        };
        rxdesk_receipts::refund_receipt(&r)
    }

    async fn send_to_printer(&self, bytes: Vec<u8>, name: &str) -> String {
        match self.config.printer.clone() {
            Some(p) => {
                let r = tokio::task::spawn_blocking(move || {
                    use rxdesk_devices::printer::ReceiptPrinter as _;
                    let mut printer = rxdesk_devices::settings::open_printer(&p);
                    printer.print(&bytes)
                })
                .await;
                match r {
                    Ok(Ok(())) => "已打印".into(),
                    Ok(Err(e)) => format!("打印失败：{}。可在销售记录中补打", e.message_zh()),
                    Err(e) => format!("打印失败：{e}。可在销售记录中补打"),
                }
            }
            None => {
                let path = self.config.receipts_dir.join(format!("{name}.escpos"));
                let written = crate::paths::create_private_dir(&self.config.receipts_dir)
                    .and_then(|()| crate::paths::write_private(&path, &bytes));
                match written {
                    Ok(()) => format!("未配置小票打印机：小票已保存为 {}", path.display()),
                    Err(e) => format!("未配置小票打印机，且小票无法保存（{e}）"),
                }
            }
        }
    }

    async fn print_sale(
        &self,
        sale_id: i64,
        pay: Option<&PaymentState>,
        reprinted_at: Option<DateTime<Utc>>,
    ) -> Printed {
        let d = match self.store.sale_detail(sale_id) {
            Ok(d) => d,
            Err(e) => {
                return Printed {
                    text: String::new(),
                    pdf: None,
                    printed_zh: format!("小票无法生成：{e}"),
                }
            }
        };
        let model = self.sale_receipt_model(&d, pay, reprinted_at);
        let paper = self.paper();
        let els = match rxdesk_receipts::sale_receipt(&model) {
            Ok(e) => e,
            Err(e) => {
                return Printed {
                    text: String::new(),
                    pdf: None,
                    printed_zh: format!("小票无法生成：{e}"),
                }
            }
        };
        let text = rxdesk_receipts::render_plain_text(&els, paper);
        let bytes = rxdesk_receipts::escpos::to_escpos(&els, paper);
        let docno = d.summary.rtal_docno.clone();
        let mut printed_zh = self.send_to_printer(bytes, &docno).await;
        let pdf_path = self
            .config
            .receipts_dir
            .join(format!("{docno}-guidance.pdf"));
        let opts = rxdesk_receipts::PdfOptions {
            font_path: self.config.font_path.clone(),
            font_index: 0,
            page_size: rxdesk_receipts::PageSize::A5,
        };
        let pdf =
            tokio::task::spawn_blocking(move || rxdesk_receipts::guidance_pdf(&model, &opts)).await;
        let pdf = match pdf {
            Ok(Ok(bytes)) => match crate::paths::create_private_dir(&self.config.receipts_dir)
                .and_then(|()| crate::paths::write_private(&pdf_path, &bytes))
            {
                Ok(()) => Some(pdf_path.display().to_string()),
                Err(e) => {
                    printed_zh.push_str(&format!("；用药指导单无法保存（{e}）"));
                    None
                }
            },
            Ok(Err(e)) => {
                printed_zh.push_str(&format!("；用药指导单无法生成（{e}）"));
                None
            }
            Err(e) => {
                printed_zh.push_str(&format!("；用药指导单无法生成（{e}）"));
                None
            }
        };
        Printed {
            text,
            pdf,
            printed_zh,
        }
    }

    /// The drugs of a restored visit as settled (2102 detail), named from
    /// the catalogue.
    fn recovered_lines(&self, a: &Active) -> Vec<view::RecoveredLineView> {
        let Some(input) = &a.settle_input else {
            return Vec::new();
        };
        input
            .drugdetail
            .iter()
            .map(|d| {
                let row = self
                    .store
                    .products_by_med_list_codg(&d.med_list_codg)
                    .ok()
                    .and_then(|rows| {
                        rows.iter()
                            .find(|(_, r)| r.fixmedins_hilist_id == d.medins_list_codg)
                            .or(rows.first())
                            .map(|(_, r)| r.clone())
                    });
                view::RecoveredLineView {
                    name: row
                        .as_ref()
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| d.med_list_codg.clone()),
                    spec: row.as_ref().map(|r| r.spec.clone()).unwrap_or_default(),
                    quantity: d.cnt.normalize().to_string(),
                    unit: row.as_ref().map(|r| r.unit.clone()).unwrap_or_default(),
                    amount: d.det_item_fee_sumamt.to_string(),
                }
            })
            .collect()
    }

    fn view(&self, a: &Active) -> VisitView {
        let v = &a.visit;
        let (state, state_zh) = state_name(v.state());
        let rules = v.rules().map(|r| RulesView {
            blocks: r.blocks(),
            findings: r
                .findings
                .iter()
                .map(|f| FindingView {
                    code: f.code.code().to_string(),
                    title_zh: f.code.title_zh().to_string(),
                    message_zh: f.message_zh.clone(),
                    blocks: f.blocks(),
                    line: f.line,
                })
                .collect(),
            layout_differences: r
                .layout_differences
                .iter()
                .map(|d| LayoutDifferenceView {
                    field: format!("{:?}", d.field),
                    field_zh: match d.line {
                        Some(n) => format!("第 {} 行 {}", n + 1, d.field.label_zh()),
                        None => d.field.label_zh().to_string(),
                    },
                    structured: d.structured.clone(),
                    layout: d.layout.clone(),
                })
                .collect(),
            self_pay_lines: r.self_pay_lines.clone(),
        });
        let dispensing = match (v.prescription(), &a.dispensing) {
            (Some(rx), Some(d)) => {
                let items: &[DispensedItem] = if v.dispensed().is_empty() {
                    d.items()
                } else {
                    v.dispensed()
                };
                rx.lines
                    .iter()
                    .enumerate()
                    .map(|(n, l)| {
                        let mine: Vec<&DispensedItem> =
                            items.iter().filter(|i| i.line == n).collect();
                        let done_qty: Decimal = mine.iter().map(|i| i.line_quantity).sum();
                        DispenseLineView {
                            line: n,
                            med_list_codg: l.med_list_codg.clone(),
                            name: l.drug_genname.clone(),
                            spec: l.drug_spec.clone(),
                            unit: l.unit.clone(),
                            prescribed: dec(l.quantity),
                            dispensed: dec(done_qty),
                            done: done_qty == l.quantity,
                            self_pay: v.rules().is_some_and(|r| r.self_pay_lines.contains(&n)),
                            boxes: mine
                                .iter()
                                .map(|i| BoxView {
                                    trace_code: i
                                        .trace_code
                                        .as_ref()
                                        .map(|t| t.as_str().to_string()),
                                    batch: i.batch_id.clone(),
                                    lotnum: i.manu_lotnum.clone(),
                                    expy_end: i.expy_end.to_string(),
                                    quantity: dec(i.packs()),
                                    split: i.split,
                                })
                                .collect(),
                        }
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        let split = v.split().map(|s| {
            let names: Vec<String> = v
                .rules()
                .map(|r| {
                    r.self_pay_lines
                        .iter()
                        .filter_map(|n| {
                            v.prescription()?
                                .lines
                                .get(*n)
                                .map(|l| l.drug_genname.clone())
                        })
                        .collect()
                })
                .unwrap_or_default();
            SplitView {
                total: s.total().to_string(),
                fund_pay: s.fund().to_string(),
                account_pay: s.personal_account().to_string(),
                cash_pay: s.cash().to_string(),
                explanation_zh: s
                    .explain_zh(&names)
                    .split(['；', '。'])
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
                setl_id: v.setl_id().map(str::to_string),
            }
        });
        let payment = if matches!(v.state(), VisitState::Settled | VisitState::Receipted) {
            let due = v.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
            Some(match &a.payment {
                Some(p) => PaymentView {
                    method: p.method.clone(),
                    due: p.due.to_string(),
                    tendered: p.tendered.map(|t| t.to_string()),
                    change: p.change.map(|t| t.to_string()),
                    paid: p.paid,
                },
                None => PaymentView {
                    method: "none".into(),
                    due: due.to_string(),
                    tendered: None,
                    change: None,
                    paid: due.value().is_zero(),
                },
            })
        } else {
            None
        };
        let closed_reason_zh = match v.state() {
            VisitState::Closed(r) => Some(close_reason_zh(r)),
            _ => None,
        };
        let next_step_zh = a.notice_zh.clone().unwrap_or_else(|| {
            match v.state() {
                VisitState::Settled if a.recovered => {
                    let cash = v.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
                    let how = if cash.value().is_zero() {
                        "患者无需再付款，直接点击“完成”（F10）出票".to_string()
                    } else if a.payment.as_ref().is_some_and(|p| p.paid) {
                        "自付部分已收，点击“完成”（F10）出票".to_string()
                    } else {
                        format!("先收取患者自付 {cash} 元，再点击“完成”（F10）出票")
                    };
                    format!(
                        "上次程序中断时，该患者已在医保结算（合计 {} 元），但销售尚未完成。请按结算时的金额完成：{how}；如患者不再取药，由店长撤销该笔结算",
                        v.split().map(|s| s.total()).unwrap_or(Amount::ZERO),
                    )
                }
                VisitState::Started => "请扫描患者医保电子凭证，或读社保卡/身份证（须患者输入密码），或扫描电子处方二维码".into(),
                VisitState::EVoucherGuidance(rxdesk_core::visit::GuidanceReason::NotActivated) => "请按指引帮助患者激活医保电子凭证（可打印指引），激活后重新扫码；或改用社保卡/身份证并由患者在密码键盘上输入密码".into(),
                VisitState::EVoucherGuidance(_) => "电子凭证密码未通过，未查询处方：请患者本人在密码键盘上重新输入后再读卡；忘记或未设置密码请按指引处理（可打印），或改用医保电子凭证扫码".into(),
                VisitState::Identified | VisitState::PrescriptionsListed => {
                    if a.listed.is_empty() {
                        "该患者暂无可取的电子处方，请患者联系开方医院".into()
                    } else {
                        "请选择要取药的处方并下载".into()
                    }
                }
                VisitState::Downloaded | VisitState::Verified => "正在核对处方".into(),
                VisitState::RulesChecked => "请在岗药师核对版式文件与结构化信息后审方（须扫描本人医保电子凭证确认）".into(),
                VisitState::Audited | VisitState::Dispensing => "请逐盒扫描药盒条码和追溯码，配齐后点击“调配完成”".into(),
                VisitState::Dispensed => "请预结算，向患者说明医保支付和自付金额".into(),
                VisitState::PreSettled => "向患者说明费用后，确认结算".into(),
                VisitState::Settling => "结算中，请稍候".into(),
                VisitState::SettlementUncertain => "结算结果未知：请点击“处理未知结算”向医保中心冲正，切勿重复结算或收费".into(),
                VisitState::Settled => {
                    if a.payment.as_ref().is_some_and(|p| p.paid) {
                        "收款完成，请点击“完成”出票".into()
                    } else {
                        format!(
                            "请收取患者自付 {} 元（现金或扫码），然后完成出票",
                            v.split().map(|s| s.cash()).unwrap_or(Amount::ZERO)
                        )
                    }
                }
                VisitState::Receipted => "已完成：请将药品、小票和用药指导单交给患者".into(),
                VisitState::Refunding | VisitState::RefundUncertain | VisitState::Refunded => "退费处理中".into(),
                VisitState::Delivery(_) => "配送中".into(),
                VisitState::Closed(CloseReason::SignatureInvalid(_)) => "已阻止：此处方不能审方或结算。请告知患者联系开方医院重新开具".into(),
                VisitState::Closed(CloseReason::RulesBlocked(_)) => "已阻止：请告知患者原因（见核对结果），不能调配结算".into(),
                VisitState::Closed(_) => "本次服务已结束，请开始接待下一位患者".into(),
            }
        });
        VisitView {
            visit_id: v.visit_id().to_string(),
            state: state.into(),
            state_zh: state_zh.into(),
            patient: a.patient.as_ref().map(|p| PatientView {
                name: p.name.clone(),
                certno_masked: mask_id_number(&p.certno),
                psn_no: p.psn_no.clone(),
                insutype_label: p.insutype.label_zh().to_string(),
                balance: p.balance.to_string(),
                agent_name: p.agent_name.clone(),
                agent_relationship_zh: p.proxy.as_ref().map(|x| {
                    rxdesk_store::ledger::relationship_zh(&x.relationship)
                        .unwrap_or_default()
                        .to_string()
                }),
                agent_certno_masked: p.proxy.as_ref().map(|x| mask_id_number(&x.agent_certno)),
                identified_via_zh: p.identified_via_zh.clone(),
            }),
            guidance: a.guidance.clone(),
            listed: a.listed.clone(),
            prescription: a.opened.clone(),
            rules,
            audit: a.audit.clone(),
            dispensing,
            split,
            payment,
            sale: a.sale.clone(),
            closed_reason_zh,
            next_step_zh,
            recovered: a.recovered,
            recovered_lines: if a.recovered {
                self.recovered_lines(a)
            } else {
                Vec::new()
            },
        }
    }
}

struct Printed {
    text: String,
    pdf: Option<String>,
    printed_zh: String,
}

fn shift_view(s: &Shift) -> ShiftView {
    ShiftView {
        pharmacist_name: s.pharmacist.person.name.clone(),
        certno_masked: mask_id_number(&s.pharmacist.person.cert_no),
        started_at: format_wire(s.started.at),
    }
}

/// Smallest units per unit of a dispensed line.
trait LineFactor {
    fn min_units_per_line_unit(&self) -> Decimal;
}

impl LineFactor for DispensedItem {
    fn min_units_per_line_unit(&self) -> Decimal {
        if self.line_quantity.is_zero() {
            self.pack_size
        } else {
            self.min_units / self.line_quantity
        }
    }
}
