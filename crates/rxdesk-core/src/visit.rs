//! One patient's visit at the counter as a state machine (docs/reference/counter-workflow.md):
//!
//! ```text
//! Started ─► Identified ─► PrescriptionsListed ─► Downloaded ─► Verified ─► RulesChecked ─► Audited
//!   │  ▲         └──────── (e-prescription QR) ────────┘   (signature    (no blocking   (on-duty
//!   ▼  │                                                    evidence)      finding)      pharmacist)
//! EVoucherGuidance                                                                           │
//!   Dispensing ◄─────────────────────────────────────────────────────────────────────────────┘
//!     └► Dispensed ─► PreSettled ─► Settling ─► Settled ─► Receipted ─► Delivery… / Refunding ─► Refunded
//!                        ▲             └► SettlementUncertain ─(query / 2601)─┘     └► RefundUncertain ─(query)
//!                        └──────────────────────┘ (not settled / reversed)
//! ```
//!
//! The machine holds no I/O: the services call the center, the crypto
//! crate, the devices and the ledger, then report what happened here; this
//! type decides whether that step is allowed now. An illegal step is a typed
//! [`VisitError`] and leaves the visit unchanged.
//!
//! **Invariants** (property-tested): the visit reaches `Settled` only after
//! a signature verification of exactly the downloaded prescription and an
//! approved audit by an on-duty pharmacist whose own e-voucher identity was
//! verified at shift start and re-confirmed at the audit; once a settlement
//! is uncertain, nothing but its resolution is accepted (never a second
//! 2102: no double charge), and the same for an uncertain 2103; a refund is
//! always of the whole prescription.
//!
//! **Verification evidence:** [`Visit::signature_verified`] takes any
//! [`VerifiedPrescription`]. `rxdesk-gm`'s `Verified<Prescription>`, which
//! only its verifier constructs, is the one production implementation; a
//! plain [`Prescription`] does not implement it, so an unverified
//! prescription cannot advance.

use crate::code_format::{validate_id_number, validate_pharmacist_code};
use crate::codes::{AuditResult, DeliveryStatus};
use crate::dispense::DispensedItem;
use crate::identity::{IdentificationMethod, PersonIdentity, ProxyError, ProxyPurchase};
use crate::money::Amount;
use crate::prescription::Prescription;
use crate::rules::identity::{same_cert_no, same_name};
use crate::rules::{RuleCode, RuleReport};
use crate::settlement::{SettlementError, SettlementSplit};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Proof that a prescription's signature verified. Implemented by the
/// signature verifier's output type only (see the module documentation).
pub trait VerifiedPrescription {
    /// The verified prescription.
    fn prescription(&self) -> &Prescription;
    /// What to show and record about the signature (ST-EPC-02-008).
    fn signature(&self) -> SignatureSummary;
}

/// The signing certificate and institution shown after verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureSummary {
    /// Certificate serial (`signCertSn`).
    pub cert_sn: String,
    /// Certificate subject (`signCertDn`).
    pub cert_dn: String,
    /// The institution code the certificate names.
    pub institution_code: String,
    /// When the verification ran.
    pub verified_at: DateTime<Utc>,
}

/// Why the patient was sent to e-voucher guidance (ST-EPC-02-001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GuidanceReason {
    /// The e-voucher is not activated.
    NotActivated,
    /// The e-voucher password failed.
    PasswordFailed,
    /// No e-voucher payment password set.
    PasswordNotSet,
}

/// On-screen and printable guidance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guidance {
    /// Heading.
    pub title_zh: &'static str,
    /// Numbered steps.
    pub steps_zh: Vec<&'static str>,
}

impl Guidance {
    /// Plain text for the receipt printer.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n", self.title_zh);
        for (i, step) in self.steps_zh.iter().enumerate() {
            s.push_str(&format!("{}. {step}\n", i + 1));
        }
        s
    }
}

/// The guidance for a patient whose e-voucher cannot be used yet.
pub fn evoucher_guidance(reason: GuidanceReason) -> Guidance {
    const OPEN: &str = "打开微信、支付宝或“国家医保服务平台”App，搜索并进入“医保电子凭证”";
    match reason {
        GuidanceReason::NotActivated => Guidance {
            title_zh: "您的医保电子凭证尚未激活，请按以下步骤激活",
            steps_zh: vec![
                OPEN,
                "选择参保地，按提示填写本人姓名和身份证号码，完成人脸识别实名认证",
                "激活成功后，在“医保电子凭证”页面设置支付密码",
                "回到柜台出示医保码（医保电子凭证二维码）重新扫码",
                "如无法激活，可携带本人社保卡或身份证，并由本人输入医保电子凭证密码确认",
            ],
        },
        GuidanceReason::PasswordFailed => Guidance {
            title_zh: "医保电子凭证密码验证未通过",
            steps_zh: vec![
                "请确认是患者本人输入医保电子凭证支付密码",
                OPEN,
                "在“设置—支付密码”中选择“忘记密码”，通过人脸识别重置密码",
                "重置后回到柜台重新验证",
            ],
        },
        GuidanceReason::PasswordNotSet => Guidance {
            title_zh: "您尚未设置医保电子凭证支付密码",
            steps_zh: vec![
                OPEN,
                "进入“设置—支付密码”，按提示完成人脸识别后设置 6 位数字密码",
                "设置完成后回到柜台重新验证",
            ],
        },
    }
}

/// One prescription of the 7202 list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RxListItem {
    /// `auth_rxno`: single-use authorisation number.
    pub auth_rxno: String,
    /// Issuing institution.
    pub fixmedins_name: String,
    /// `prsc_time`.
    pub prsc_time: String,
    /// `valid_end_time`.
    pub valid_end_time: String,
}

/// How the prescription was downloaded (`download_ide_code` of 7206).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DownloadRef {
    /// From the 7202 list.
    AuthRxno(String),
    /// From the e-prescription QR (7201 `epc_token`).
    EpcToken(String),
}

impl std::fmt::Debug for DownloadRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens are credentials: never print them.
        match self {
            Self::AuthRxno(a) => write!(f, "AuthRxno({a})"),
            Self::EpcToken(_) => f.write_str("EpcToken(***)"),
        }
    }
}

/// A pharmacist (医保药师).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pharmacist {
    /// 医保药师代码 (empty when not configured; checked when present).
    pub code: String,
    /// Identity (name, certificate).
    pub person: PersonIdentity,
    /// 执业资格证号.
    pub prac_cert_no: String,
}

/// The outcome of checking someone's own e-voucher (ec.query / token check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EVoucherCheck {
    /// Who the e-voucher belongs to.
    pub person: PersonIdentity,
    /// When it was checked.
    pub at: DateTime<Utc>,
}

/// A pharmacist's shift: on duty from the e-voucher check at its start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    /// The pharmacist on duty.
    pub pharmacist: Pharmacist,
    /// The e-voucher verification at shift start (ST-EPC-02-006).
    pub started: EVoucherCheck,
    /// End of the shift, `None` while open.
    pub ended_at: Option<DateTime<Utc>>,
}

/// A re-confirmation at audit may be at most this old.
pub const AUDIT_RECONFIRM_MINUTES: i64 = 10;

/// The pharmacist's audit (7204 fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditInput {
    /// The auditing pharmacist's shift.
    pub shift: Shift,
    /// Their e-voucher re-confirmed at this audit.
    pub reconfirmed: EVoucherCheck,
    /// `rx_chk_stas_codg`.
    pub result: AuditResult,
    /// `rx_chk_opnn`: the opinion, always required.
    pub opinion: String,
    /// Optional review pharmacist (`rchk_phar_*`).
    pub reviewer: Option<Pharmacist>,
    /// `rx_chk_time`.
    pub at: DateTime<Utc>,
}

/// What was recorded of an approved or refused audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The pharmacist.
    pub pharmacist: Pharmacist,
    /// Result.
    pub result: AuditResult,
    /// Opinion.
    pub opinion: String,
    /// Reviewer.
    pub reviewer: Option<Pharmacist>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why an audit cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The shift's e-voucher is not the pharmacist's.
    #[error("the shift's e-voucher check is not the pharmacist's")]
    ShiftIdentityMismatch,
    /// Not on duty at the audit time.
    #[error("the pharmacist is not on duty")]
    NotOnDuty,
    /// The re-confirmation is someone else's e-voucher.
    #[error("the re-confirmation is not the pharmacist's e-voucher")]
    ReconfirmMismatch,
    /// The re-confirmation is too old or in the future.
    #[error("the re-confirmation is not fresh")]
    ReconfirmStale,
    /// No opinion text.
    #[error("an audit opinion is required")]
    OpinionRequired,
    /// The reviewer is the auditor.
    #[error("the reviewer must be another pharmacist")]
    ReviewerIsAuditor,
    /// The pharmacist code is malformed.
    #[error("pharmacist code: {0}")]
    PharmacistCode(String),
}

impl AuditError {
    /// Stable English code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ShiftIdentityMismatch => "AUDIT_SHIFT_IDENTITY_MISMATCH",
            Self::NotOnDuty => "AUDIT_NOT_ON_DUTY",
            Self::ReconfirmMismatch => "AUDIT_RECONFIRM_MISMATCH",
            Self::ReconfirmStale => "AUDIT_RECONFIRM_STALE",
            Self::OpinionRequired => "AUDIT_OPINION_REQUIRED",
            Self::ReviewerIsAuditor => "AUDIT_REVIEWER_IS_AUDITOR",
            Self::PharmacistCode(_) => "AUDIT_PHARMACIST_CODE",
        }
    }
    /// zh-CN message.
    pub fn message_zh(&self) -> String {
        match self {
            Self::ShiftIdentityMismatch => {
                "上岗时验证的医保电子凭证不是该药师本人的，不能审方".into()
            }
            Self::NotOnDuty => "该药师当前不在岗（未上岗或已下岗），不能审方".into(),
            Self::ReconfirmMismatch => "审方确认时扫描的医保电子凭证不是在岗药师本人的".into(),
            Self::ReconfirmStale => format!(
                "审方前须由药师本人重新扫描医保电子凭证确认（{AUDIT_RECONFIRM_MINUTES} 分钟内有效）"
            ),
            Self::OpinionRequired => "请填写处方审核意见".into(),
            Self::ReviewerIsAuditor => "复核药师不能与审方药师为同一人".into(),
            Self::PharmacistCode(m) => m.clone(),
        }
    }
}

/// `psn_cert_type` of the resident ID card.
const RESIDENT_ID_CARD: &str = "01";

/// A resident ID number must be well-formed (a misread card is caught here,
/// not at the center).
fn check_id_number(p: &PersonIdentity) -> Result<(), VisitError> {
    if p.cert_type.trim() == RESIDENT_ID_CARD {
        validate_id_number(&p.cert_no).map_err(|e| VisitError::IdNumber(e.message_zh()))?;
    }
    Ok(())
}

fn same_person(a: &PersonIdentity, b: &PersonIdentity) -> bool {
    same_cert_no(&a.cert_no, &b.cert_no) && same_name(&a.name, &b.name)
}

impl AuditInput {
    /// Checks ST-EPC-02-006 and the 7204 field rules.
    pub fn check(&self) -> Result<(), AuditError> {
        let ph = &self.shift.pharmacist;
        // 7204 does not carry the 医保药师代码; when one is configured it
        // must be well-formed (ST-EPC-02-002).
        if !ph.code.trim().is_empty() {
            validate_pharmacist_code(&ph.code)
                .map_err(|e| AuditError::PharmacistCode(e.message_zh()))?;
        }
        if !same_person(&self.shift.started.person, &ph.person) {
            return Err(AuditError::ShiftIdentityMismatch);
        }
        let on_duty =
            self.at >= self.shift.started.at && self.shift.ended_at.is_none_or(|end| self.at < end);
        if !on_duty {
            return Err(AuditError::NotOnDuty);
        }
        if !same_person(&self.reconfirmed.person, &ph.person) {
            return Err(AuditError::ReconfirmMismatch);
        }
        let age = self.at - self.reconfirmed.at;
        if age < Duration::zero() || age > Duration::minutes(AUDIT_RECONFIRM_MINUTES) {
            return Err(AuditError::ReconfirmStale);
        }
        if self.opinion.trim().is_empty() {
            return Err(AuditError::OpinionRequired);
        }
        if let Some(r) = &self.reviewer {
            if same_cert_no(&r.person.cert_no, &ph.person.cert_no) {
                return Err(AuditError::ReviewerIsAuditor);
            }
        }
        Ok(())
    }
}

/// Why a visit ended before settlement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseReason {
    /// The operator cancelled.
    Cancelled,
    /// The signature did not verify (the reason as the verifier gave it).
    SignatureInvalid(String),
    /// A rule blocked the sale (the codes).
    RulesBlocked(Vec<RuleCode>),
    /// The pharmacist did not approve.
    AuditNotApproved(AuditResult),
}

/// Where a visit stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitState {
    /// Waiting for identification.
    Started,
    /// The patient was shown e-voucher guidance (ST-EPC-02-001).
    EVoucherGuidance(GuidanceReason),
    /// Patient identified.
    Identified,
    /// The authorised prescriptions are listed (7202).
    PrescriptionsListed,
    /// One prescription downloaded (7203).
    Downloaded,
    /// Its signature verified.
    Verified,
    /// No rule blocks it.
    RulesChecked,
    /// Approved by an on-duty pharmacist.
    Audited,
    /// Boxes being scanned.
    Dispensing,
    /// All dispensed.
    Dispensed,
    /// 2101 answered; the split is shown.
    PreSettled,
    /// 2102 sent, no answer yet.
    Settling,
    /// 2102 outcome unknown (timeout): resolve by query or 2601 first.
    SettlementUncertain,
    /// Settled (2102 answered).
    Settled,
    /// Receipt printed.
    Receipted,
    /// Delivery order, with its status (7205).
    Delivery(DeliveryStatus),
    /// 2103 sent.
    Refunding,
    /// 2103 outcome unknown (timeout): query before anything else.
    RefundUncertain,
    /// Refunded (whole prescription).
    Refunded,
    /// Ended before settlement.
    Closed(CloseReason),
}

/// How an uncertain settlement was resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The query shows it settled: take its result.
    Settled {
        /// `setl_id`.
        setl_id: String,
        /// The settled split.
        split: SettlementSplit,
    },
    /// The query shows it did not settle.
    NotSettled,
    /// 2601 reversed it.
    Reversed,
}

/// Why a step is not allowed now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    /// Not allowed in this state.
    #[error("{action} is not allowed in state {from:?}")]
    IllegalTransition {
        /// Current state.
        from: Box<VisitState>,
        /// What was attempted.
        action: &'static str,
    },
    /// A settlement is uncertain: resolve it first.
    #[error("settlement uncertain: resolve it by query or 2601 first ({action} refused)")]
    SettlementUncertain {
        /// What was attempted.
        action: &'static str,
    },
    /// A refund is uncertain: query it first.
    #[error("refund uncertain: query it first ({action} refused)")]
    RefundUncertain {
        /// What was attempted.
        action: &'static str,
    },
    /// Card / ID card without the e-voucher password.
    #[error("e-voucher password confirmation required")]
    PasswordRequired,
    /// The identity has no name or certificate number.
    #[error("identity incomplete")]
    IdentityIncomplete,
    /// A resident ID number is malformed (the zh-CN reason).
    #[error("malformed ID number: {0}")]
    IdNumber(String),
    /// Proxy purchase data incomplete.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// The downloaded prescription was not among those listed.
    #[error("authorisation {0} was not listed")]
    UnknownAuthorisation(String),
    /// The verified prescription is not the downloaded one.
    #[error("the verified prescription is not the downloaded one")]
    VerifiedOtherPrescription,
    /// The audit is not acceptable.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// A dispensed item is not on its prescription line.
    #[error("dispensed item not prescribed")]
    DispensedNotPrescribed,
    /// A line got more than prescribed.
    #[error("dispensed over the prescribed quantity on line {0}")]
    DispensedOverQuantity(usize),
    /// Nothing dispensed.
    #[error("nothing dispensed")]
    NothingDispensed,
    /// Settlement figures not acceptable.
    #[error(transparent)]
    Settlement(#[from] SettlementError),
    /// A refund must cover the whole prescription.
    #[error("refunds are of the whole prescription only")]
    PartialRefund,
    /// The delivery recipient is not the patient (nor the authorised agent).
    #[error("recipient is not the patient")]
    RecipientNotPatient,
    /// Cold-chain drugs without cold-chain handling.
    #[error("cold-chain handling not confirmed")]
    ColdChainNotHandled,
}

impl VisitError {
    /// Stable English code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::IllegalTransition { .. } => "VISIT_ILLEGAL_TRANSITION",
            Self::SettlementUncertain { .. } => "VISIT_SETTLEMENT_UNCERTAIN",
            Self::RefundUncertain { .. } => "VISIT_REFUND_UNCERTAIN",
            Self::PasswordRequired => "VISIT_PASSWORD_REQUIRED",
            Self::IdentityIncomplete => "VISIT_IDENTITY_INCOMPLETE",
            Self::IdNumber(_) => "VISIT_ID_NUMBER_INVALID",
            Self::Proxy(e) => e.code(),
            Self::UnknownAuthorisation(_) => "VISIT_UNKNOWN_AUTHORISATION",
            Self::VerifiedOtherPrescription => "VISIT_VERIFIED_OTHER_PRESCRIPTION",
            Self::Audit(e) => e.code(),
            Self::DispensedNotPrescribed => "VISIT_DISPENSED_NOT_PRESCRIBED",
            Self::DispensedOverQuantity(_) => "VISIT_DISPENSED_OVER_QUANTITY",
            Self::NothingDispensed => "VISIT_NOTHING_DISPENSED",
            Self::Settlement(e) => e.code(),
            Self::PartialRefund => "VISIT_PARTIAL_REFUND",
            Self::RecipientNotPatient => "VISIT_RECIPIENT_NOT_PATIENT",
            Self::ColdChainNotHandled => "VISIT_COLD_CHAIN_NOT_HANDLED",
        }
    }

    /// zh-CN message.
    pub fn message_zh(&self) -> String {
        match self {
            Self::IllegalTransition { .. } => "当前步骤不允许此操作，请按流程办理".into(),
            Self::SettlementUncertain { .. } => {
                "上一笔结算结果未知，须先查询结算结果或冲正后才能继续，切勿重复收费".into()
            }
            Self::RefundUncertain { .. } => {
                "上一笔退费结果未知，须先查询退费结果后才能继续，切勿重复退费".into()
            }
            Self::PasswordRequired => {
                "使用社保卡或身份证查询处方，须由患者本人输入医保电子凭证密码确认".into()
            }
            Self::IdentityIncomplete => "未读取到完整的姓名和证件号码，请重新识别".into(),
            Self::IdNumber(m) => format!("{m}，请重新读取证件"),
            Self::Proxy(e) => e.message_zh().into(),
            Self::UnknownAuthorisation(_) => "所选处方不在本次查询结果中，请重新查询".into(),
            Self::VerifiedOtherPrescription => "验签结果与下载的处方不一致，不能继续".into(),
            Self::Audit(e) => e.message_zh(),
            Self::DispensedNotPrescribed => "发药明细中有处方未开具的药品".into(),
            Self::DispensedOverQuantity(_) => "发药数量超出处方数量".into(),
            Self::NothingDispensed => "尚未配药".into(),
            Self::Settlement(e) => e.message_zh(),
            Self::PartialRefund => "处方费用只能整单退费，不能退单个药品".into(),
            Self::RecipientNotPatient => {
                "签收人不是处方患者本人（或登记的代购人），不能签收".into()
            }
            Self::ColdChainNotHandled => "订单含冷链药品，须确认按冷链要求包装配送".into(),
        }
    }
}

/// A state change, for the audit trail and replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// Before.
    pub from: VisitState,
    /// After.
    pub to: VisitState,
    /// The step.
    pub action: String,
}

/// One patient's visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    visit_id: String,
    state: VisitState,
    patient: Option<PersonIdentity>,
    method: Option<IdentificationMethod>,
    proxy: Option<ProxyPurchase>,
    listed: Vec<RxListItem>,
    download_ref: Option<DownloadRef>,
    prescription: Option<Prescription>,
    signature: Option<SignatureSummary>,
    rules: Option<RuleReport>,
    audit: Option<AuditRecord>,
    dispensed: Vec<DispensedItem>,
    split: Option<SettlementSplit>,
    settlement_msgid: Option<String>,
    settlement_confirmed_by: Option<String>,
    setl_id: Option<String>,
    receipt_no: Option<String>,
    cold_chain: bool,
    refund_from: Option<VisitState>,
    history: Vec<Transition>,
}

impl Visit {
    /// A new visit, waiting for identification. `visit_id` is the
    /// correlation id the services log every call of this visit with.
    pub fn new(visit_id: impl Into<String>) -> Self {
        Self {
            visit_id: visit_id.into(),
            state: VisitState::Started,
            patient: None,
            method: None,
            proxy: None,
            listed: Vec::new(),
            download_ref: None,
            prescription: None,
            signature: None,
            rules: None,
            audit: None,
            dispensed: Vec::new(),
            split: None,
            settlement_msgid: None,
            settlement_confirmed_by: None,
            setl_id: None,
            receipt_no: None,
            cold_chain: false,
            refund_from: None,
            history: Vec::new(),
        }
    }

    /// Current state.
    pub fn state(&self) -> &VisitState {
        &self.state
    }
    /// The patient (for a proxy purchase, the patient, not the agent).
    pub fn patient(&self) -> Option<&PersonIdentity> {
        self.patient.as_ref()
    }
    /// How the patient identified.
    pub fn method(&self) -> Option<&IdentificationMethod> {
        self.method.as_ref()
    }
    /// The 代购 agent and authorisation, if any.
    pub fn proxy(&self) -> Option<&ProxyPurchase> {
        self.proxy.as_ref()
    }
    /// The 7202 list.
    pub fn listed(&self) -> &[RxListItem] {
        &self.listed
    }
    /// `download_ide_code` for 7206.
    pub fn download_ref(&self) -> Option<&DownloadRef> {
        self.download_ref.as_ref()
    }
    /// The prescription (verified once the state is past `Downloaded`).
    pub fn prescription(&self) -> Option<&Prescription> {
        self.prescription.as_ref()
    }
    /// The verified signature.
    pub fn signature(&self) -> Option<&SignatureSummary> {
        self.signature.as_ref()
    }
    /// The rule report.
    pub fn rules(&self) -> Option<&RuleReport> {
        self.rules.as_ref()
    }
    /// The audit.
    pub fn audit(&self) -> Option<&AuditRecord> {
        self.audit.as_ref()
    }
    /// What was dispensed.
    pub fn dispensed(&self) -> &[DispensedItem] {
        &self.dispensed
    }
    /// The pre-settled or settled split.
    pub fn split(&self) -> Option<&SettlementSplit> {
        self.split.as_ref()
    }
    /// The 2102 message id in flight (for a 2601 reversal by `omsgid`).
    pub fn settlement_msgid(&self) -> Option<&str> {
        self.settlement_msgid.as_deref()
    }
    /// Who confirmed the settlement.
    pub fn settlement_confirmed_by(&self) -> Option<&str> {
        self.settlement_confirmed_by.as_deref()
    }
    /// The correlation id of this visit (logs, ledger, replay).
    pub fn visit_id(&self) -> &str {
        &self.visit_id
    }
    /// `setl_id` once settled.
    pub fn setl_id(&self) -> Option<&str> {
        self.setl_id.as_deref()
    }
    /// Receipt number.
    pub fn receipt_no(&self) -> Option<&str> {
        self.receipt_no.as_deref()
    }
    /// Every state change so far.
    pub fn history(&self) -> &[Transition] {
        &self.history
    }

    fn require_state(
        &self,
        action: &'static str,
        allowed: &[fn(&VisitState) -> bool],
    ) -> Result<(), VisitError> {
        if self.state == VisitState::SettlementUncertain {
            return Err(VisitError::SettlementUncertain { action });
        }
        if self.state == VisitState::RefundUncertain {
            return Err(VisitError::RefundUncertain { action });
        }
        if allowed.iter().any(|f| f(&self.state)) {
            Ok(())
        } else {
            Err(VisitError::IllegalTransition {
                from: Box::new(self.state.clone()),
                action,
            })
        }
    }

    fn go(&mut self, to: VisitState, action: &str) {
        self.history.push(Transition {
            from: self.state.clone(),
            to: to.clone(),
            action: action.to_string(),
        });
        self.state = to;
    }

    /// The patient's e-voucher is not usable: show guidance.
    pub fn evoucher_guidance(&mut self, reason: GuidanceReason) -> Result<Guidance, VisitError> {
        self.require_state(
            "evoucher_guidance",
            &[|s| matches!(s, VisitState::Started | VisitState::EVoucherGuidance(_))],
        )?;
        self.go(VisitState::EVoucherGuidance(reason), "evoucher_guidance");
        Ok(evoucher_guidance(reason))
    }

    /// The patient identified (with the 代购 agent, if any).
    pub fn identify(
        &mut self,
        patient: PersonIdentity,
        method: IdentificationMethod,
        proxy: Option<ProxyPurchase>,
    ) -> Result<(), VisitError> {
        self.require_state(
            "identify",
            &[|s| matches!(s, VisitState::Started | VisitState::EVoucherGuidance(_))],
        )?;
        if patient.name.trim().is_empty() || patient.cert_no.trim().is_empty() {
            return Err(VisitError::IdentityIncomplete);
        }
        if method.needs_password() {
            return Err(VisitError::PasswordRequired);
        }
        check_id_number(&patient)?;
        if let Some(p) = &proxy {
            p.check(&patient)?;
            check_id_number(&p.agent)?;
        }
        self.patient = Some(patient);
        self.method = Some(method);
        self.proxy = proxy;
        self.go(VisitState::Identified, "identify");
        Ok(())
    }

    /// The 7202 list arrived.
    pub fn prescriptions_listed(&mut self, items: Vec<RxListItem>) -> Result<(), VisitError> {
        self.require_state(
            "prescriptions_listed",
            &[|s| matches!(s, VisitState::Identified | VisitState::PrescriptionsListed)],
        )?;
        self.listed = items;
        self.go(VisitState::PrescriptionsListed, "prescriptions_listed");
        Ok(())
    }

    /// One prescription downloaded (7203): from the list by `auth_rxno`, or
    /// directly by the e-prescription QR's token.
    pub fn downloaded(&mut self, rx: Prescription, via: DownloadRef) -> Result<(), VisitError> {
        self.require_state(
            "downloaded",
            &[|s| matches!(s, VisitState::Identified | VisitState::PrescriptionsListed)],
        )?;
        if let DownloadRef::AuthRxno(a) = &via {
            if !self.listed.iter().any(|i| &i.auth_rxno == a) {
                return Err(VisitError::UnknownAuthorisation(a.clone()));
            }
        }
        self.prescription = Some(rx);
        self.download_ref = Some(via);
        self.go(VisitState::Downloaded, "downloaded");
        Ok(())
    }

    /// The signature verified: only with the verifier's evidence, and only
    /// for the downloaded prescription (same `hi_rxno`). From here on the
    /// verified content is the prescription: it replaces the download.
    pub fn signature_verified<V: VerifiedPrescription>(&mut self, v: &V) -> Result<(), VisitError> {
        self.require_state(
            "signature_verified",
            &[|s| matches!(s, VisitState::Downloaded)],
        )?;
        if self.prescription.as_ref().map(|p| &p.rx_no) != Some(&v.prescription().rx_no) {
            return Err(VisitError::VerifiedOtherPrescription);
        }
        self.prescription = Some(v.prescription().clone());
        self.signature = Some(v.signature());
        self.go(VisitState::Verified, "signature_verified");
        Ok(())
    }

    /// The signature did not verify: the visit ends with the reason.
    pub fn signature_failed(&mut self, reason: impl Into<String>) -> Result<(), VisitError> {
        self.require_state(
            "signature_failed",
            &[|s| matches!(s, VisitState::Downloaded)],
        )?;
        self.go(
            VisitState::Closed(CloseReason::SignatureInvalid(reason.into())),
            "signature_failed",
        );
        Ok(())
    }

    /// The rule report: the visit moves on when nothing blocks, and closes
    /// (keeping the report for display) when something does.
    pub fn rules_checked(&mut self, report: RuleReport) -> Result<(), VisitError> {
        self.require_state("rules_checked", &[|s| matches!(s, VisitState::Verified)])?;
        let to = if report.blocks() {
            VisitState::Closed(CloseReason::RulesBlocked(
                report.blocking().map(|f| f.code).collect(),
            ))
        } else {
            VisitState::RulesChecked
        };
        self.rules = Some(report);
        self.go(to, "rules_checked");
        Ok(())
    }

    /// The pharmacist's audit.
    pub fn audited(&mut self, input: AuditInput) -> Result<(), VisitError> {
        self.require_state("audited", &[|s| matches!(s, VisitState::RulesChecked)])?;
        input.check()?;
        let to = match input.result {
            AuditResult::Approved => VisitState::Audited,
            ref other => VisitState::Closed(CloseReason::AuditNotApproved(other.clone())),
        };
        self.audit = Some(AuditRecord {
            pharmacist: input.shift.pharmacist,
            result: input.result,
            opinion: input.opinion.trim().to_string(),
            reviewer: input.reviewer,
            at: input.at,
        });
        self.go(to, "audited");
        Ok(())
    }

    /// Scanning starts.
    pub fn start_dispensing(&mut self) -> Result<(), VisitError> {
        self.require_state("start_dispensing", &[|s| matches!(s, VisitState::Audited)])?;
        self.go(VisitState::Dispensing, "start_dispensing");
        Ok(())
    }

    /// Dispensing finished (`dispense::Dispensing::finish`). Re-checks that
    /// each item is on its line and no line is over its quantity.
    pub fn dispensed_items(
        &mut self,
        items: Vec<DispensedItem>,
        cold_chain: bool,
    ) -> Result<(), VisitError> {
        self.require_state(
            "dispensed_items",
            &[|s| matches!(s, VisitState::Dispensing)],
        )?;
        let rx = self
            .prescription
            .as_ref()
            .ok_or(VisitError::NothingDispensed)?;
        if items.is_empty() {
            return Err(VisitError::NothingDispensed);
        }
        // Split packs divide by the conversion factor; allow for the last
        // digit of a 28-digit quotient.
        let epsilon = Decimal::new(1, 20);
        for (n, line) in rx.lines.iter().enumerate() {
            let sum = items
                .iter()
                .filter(|i| i.line == n)
                .try_fold(Decimal::ZERO, |a, i| a.checked_add(i.line_quantity));
            let limit = line.quantity.checked_add(epsilon).unwrap_or(line.quantity);
            if sum.is_none_or(|s| s > limit) {
                return Err(VisitError::DispensedOverQuantity(n));
            }
        }
        if items.iter().any(|i| {
            rx.lines
                .get(i.line)
                .is_none_or(|l| l.med_list_codg != i.med_list_codg)
        }) {
            return Err(VisitError::DispensedNotPrescribed);
        }
        self.dispensed = items;
        self.cold_chain = cold_chain;
        self.go(VisitState::Dispensed, "dispensed_items");
        Ok(())
    }

    /// 2101 answered: show the split. `sale_total` is what the counter
    /// computed; the center's total must equal it. May be repeated.
    pub fn pre_settled(
        &mut self,
        split: SettlementSplit,
        sale_total: Amount,
    ) -> Result<(), VisitError> {
        self.require_state(
            "pre_settled",
            &[|s| matches!(s, VisitState::Dispensed | VisitState::PreSettled)],
        )?;
        split.check_total(sale_total)?;
        self.split = Some(split);
        self.go(VisitState::PreSettled, "pre_settled");
        Ok(())
    }

    /// The pharmacist or cashier (`confirmed_by`, operator id) confirmed
    /// the pre-settlement; 2102 is being sent with `msgid`.
    pub fn settlement_sent(
        &mut self,
        msgid: impl Into<String>,
        confirmed_by: impl Into<String>,
    ) -> Result<(), VisitError> {
        self.require_state(
            "settlement_sent",
            &[|s| matches!(s, VisitState::PreSettled)],
        )?;
        self.settlement_msgid = Some(msgid.into());
        self.settlement_confirmed_by = Some(confirmed_by.into());
        self.go(VisitState::Settling, "settlement_sent");
        Ok(())
    }

    /// 2102 answered with success.
    pub fn settled(
        &mut self,
        setl_id: impl Into<String>,
        split: SettlementSplit,
    ) -> Result<(), VisitError> {
        self.require_state("settled", &[|s| matches!(s, VisitState::Settling)])?;
        self.finish_settlement(setl_id.into(), split, "settled");
        Ok(())
    }

    fn finish_settlement(&mut self, setl_id: String, split: SettlementSplit, action: &str) {
        self.setl_id = Some(setl_id);
        self.split = Some(split);
        self.go(VisitState::Settled, action);
    }

    /// 2102 answered with a definite failure: back to the pre-settlement.
    pub fn settlement_rejected(&mut self) -> Result<(), VisitError> {
        self.require_state(
            "settlement_rejected",
            &[|s| matches!(s, VisitState::Settling)],
        )?;
        self.settlement_msgid = None;
        self.go(VisitState::PreSettled, "settlement_rejected");
        Ok(())
    }

    /// 2102 got no answer: the outcome is unknown.
    pub fn settlement_timed_out(&mut self) -> Result<(), VisitError> {
        self.require_state(
            "settlement_timed_out",
            &[|s| matches!(s, VisitState::Settling)],
        )?;
        self.go(VisitState::SettlementUncertain, "settlement_timed_out");
        Ok(())
    }

    /// Resolves an uncertain settlement — the only step accepted then.
    pub fn resolve_uncertain(&mut self, r: Resolution) -> Result<(), VisitError> {
        if self.state != VisitState::SettlementUncertain {
            return Err(VisitError::IllegalTransition {
                from: Box::new(self.state.clone()),
                action: "resolve_uncertain",
            });
        }
        match r {
            Resolution::Settled { setl_id, split } => {
                self.finish_settlement(setl_id, split, "resolve_uncertain: settled")
            }
            Resolution::NotSettled => {
                self.settlement_msgid = None;
                self.go(VisitState::PreSettled, "resolve_uncertain: not settled");
            }
            Resolution::Reversed => {
                self.settlement_msgid = None;
                self.go(VisitState::PreSettled, "resolve_uncertain: reversed (2601)");
            }
        }
        Ok(())
    }

    /// The receipt was printed.
    pub fn receipted(&mut self, receipt_no: impl Into<String>) -> Result<(), VisitError> {
        self.require_state("receipted", &[|s| matches!(s, VisitState::Settled)])?;
        self.receipt_no = Some(receipt_no.into());
        self.go(VisitState::Receipted, "receipted");
        Ok(())
    }

    /// Refund requested for these prescription lines: they must be all the
    /// dispensed lines (a refund is of the whole prescription).
    pub fn refund_requested(&mut self, lines: &[usize]) -> Result<(), VisitError> {
        self.require_state(
            "refund_requested",
            &[|s| {
                matches!(
                    s,
                    VisitState::Settled
                        | VisitState::Receipted
                        | VisitState::Delivery(DeliveryStatus::Refused)
                        | VisitState::Delivery(DeliveryStatus::SignedFor)
                )
            }],
        )?;
        let mut want: Vec<usize> = self.dispensed.iter().map(|i| i.line).collect();
        want.sort_unstable();
        want.dedup();
        let mut got = lines.to_vec();
        got.sort_unstable();
        got.dedup();
        if want != got {
            return Err(VisitError::PartialRefund);
        }
        self.refund_from = Some(self.state.clone());
        self.go(VisitState::Refunding, "refund_requested");
        Ok(())
    }

    /// 2103 succeeded.
    pub fn refunded(&mut self) -> Result<(), VisitError> {
        self.require_state("refunded", &[|s| matches!(s, VisitState::Refunding)])?;
        self.go(VisitState::Refunded, "refunded");
        Ok(())
    }

    /// 2103 got no answer: the refund's outcome is unknown.
    pub fn refund_timed_out(&mut self) -> Result<(), VisitError> {
        self.require_state(
            "refund_timed_out",
            &[|s| matches!(s, VisitState::Refunding)],
        )?;
        self.go(VisitState::RefundUncertain, "refund_timed_out");
        Ok(())
    }

    /// The query answered whether the uncertain refund happened — the only
    /// step accepted then.
    pub fn resolve_refund(&mut self, refunded: bool) -> Result<(), VisitError> {
        if self.state != VisitState::RefundUncertain {
            return Err(VisitError::IllegalTransition {
                from: Box::new(self.state.clone()),
                action: "resolve_refund",
            });
        }
        if refunded {
            self.go(VisitState::Refunded, "resolve_refund: refunded");
        } else {
            let back = self.refund_from.take().unwrap_or(VisitState::Settled);
            self.go(back, "resolve_refund: not refunded");
        }
        Ok(())
    }

    /// 2103 failed: back where the refund started.
    pub fn refund_failed(&mut self) -> Result<(), VisitError> {
        self.require_state("refund_failed", &[|s| matches!(s, VisitState::Refunding)])?;
        let back = self.refund_from.take().unwrap_or(VisitState::Settled);
        self.go(back, "refund_failed");
        Ok(())
    }

    /// A delivery order is accepted; cold-chain drugs need
    /// `cold_chain_handled` (ST-EPC-02-011).
    pub fn delivery_accepted(&mut self, cold_chain_handled: bool) -> Result<(), VisitError> {
        self.require_state(
            "delivery_accepted",
            &[|s| matches!(s, VisitState::Receipted)],
        )?;
        if self.cold_chain && !cold_chain_handled {
            return Err(VisitError::ColdChainNotHandled);
        }
        self.go(
            VisitState::Delivery(DeliveryStatus::Accepted),
            "delivery_accepted",
        );
        Ok(())
    }

    /// The courier picked it up.
    pub fn delivery_in_transit(&mut self) -> Result<(), VisitError> {
        self.require_state(
            "delivery_in_transit",
            &[|s| matches!(s, VisitState::Delivery(DeliveryStatus::Accepted))],
        )?;
        self.go(
            VisitState::Delivery(DeliveryStatus::InTransit),
            "delivery_in_transit",
        );
        Ok(())
    }

    /// Sign-off: the recipient must be the patient or the registered agent.
    pub fn delivery_signed(&mut self, recipient: &PersonIdentity) -> Result<(), VisitError> {
        self.require_state(
            "delivery_signed",
            &[|s| matches!(s, VisitState::Delivery(DeliveryStatus::InTransit))],
        )?;
        let ok = self
            .patient
            .as_ref()
            .is_some_and(|p| same_person(p, recipient))
            || self
                .proxy
                .as_ref()
                .is_some_and(|p| same_person(&p.agent, recipient));
        if !ok {
            return Err(VisitError::RecipientNotPatient);
        }
        self.go(
            VisitState::Delivery(DeliveryStatus::SignedFor),
            "delivery_signed",
        );
        Ok(())
    }

    /// The recipient refused the parcel.
    pub fn delivery_refused(&mut self) -> Result<(), VisitError> {
        self.require_state(
            "delivery_refused",
            &[|s| matches!(s, VisitState::Delivery(DeliveryStatus::InTransit))],
        )?;
        self.go(
            VisitState::Delivery(DeliveryStatus::Refused),
            "delivery_refused",
        );
        Ok(())
    }

    /// The operator ends the visit before anything was sent for settlement.
    pub fn cancel(&mut self) -> Result<(), VisitError> {
        self.require_state(
            "cancel",
            &[|s| {
                matches!(
                    s,
                    VisitState::Started
                        | VisitState::EVoucherGuidance(_)
                        | VisitState::Identified
                        | VisitState::PrescriptionsListed
                        | VisitState::Downloaded
                        | VisitState::Verified
                        | VisitState::RulesChecked
                        | VisitState::Audited
                        | VisitState::Dispensing
                        | VisitState::Dispensed
                        | VisitState::PreSettled
                )
            }],
        )?;
        self.go(VisitState::Closed(CloseReason::Cancelled), "cancel");
        Ok(())
    }
}

#[cfg(test)]
#[path = "visit_tests.rs"]
mod tests;
