//! Why a step of the counter visit could not be done: one variant per
//! failure, carrying the data it needs (never a preformatted sentence of
//! ours), a stable code (`StepError::code`, listed in docs/rules.md), and the
//! zh-CN and en-US sentences made from the variant here and nowhere else.
//! The window receives `{code, message, params}` (`WireError`) and renders
//! the sentence from its own catalogue by code, falling back to `message`.
//!
//! Variants that wrap a typed error of another crate (`Visit`, `Dispense`,
//! `Settlement`, `Device`) take that error's code and sentences.

use super::payment::Channel;
use rxdesk_center::CenterError;
use rxdesk_core::code_format::CodeFormatError;
use rxdesk_core::dispense::DispenseError;
use rxdesk_core::money::MoneyError;
use rxdesk_core::settlement::SettlementError;
use rxdesk_core::visit::VisitError;
use rxdesk_core::Amount;
use rxdesk_devices::identity::IdentityError;
use serde::Serialize;

/// The user's language for a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文 (the counter's first language).
    #[default]
    ZhCn,
    /// English (integrators, support).
    EnUs,
}

impl Lang {
    /// From a locale tag (`en-US`, `en` → English; anything else zh-CN).
    pub fn from_tag(tag: &str) -> Self {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Lang::EnUs
        } else {
            Lang::ZhCn
        }
    }
}

/// What the center was asked when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CenterAction {
    /// 7201: decoding an e-prescription QR.
    DecodeRxQr,
    /// 1101: the patient's insurance.
    PersonInfo,
    /// 7203: downloading the prescription.
    Download,
    /// 1101: the pharmacist's own e-voucher.
    PharmacistEVoucher,
    /// 2101.
    PreSettle,
    /// 2102.
    Settle,
    /// 2103.
    ReverseSettlement,
    /// 2601 of an uncertain 2102.
    ResolveUncertain,
    /// 1101 at a refund: the patient's own credential.
    PatientIdentity,
    /// 2601 of a 2102 the center says took effect.
    ReverseTakenEffect,
    /// 5203: asking for the settlement of a 2102 the center did not find.
    QuerySettlement,
}

impl CenterAction {
    fn zh(self) -> &'static str {
        match self {
            Self::DecodeRxQr => "电子处方二维码解码失败",
            Self::PersonInfo => "查询参保信息失败",
            Self::Download => "下载处方失败",
            Self::PharmacistEVoucher => "核验药师医保电子凭证失败",
            Self::PreSettle => "预结算失败",
            Self::Settle => "结算",
            Self::ReverseSettlement => "撤销结算",
            Self::ResolveUncertain => "冲正未完成，结算结果仍未知，请稍后再试",
            Self::PatientIdentity => "核验患者身份失败",
            Self::ReverseTakenEffect => {
                "该笔结算已在医保中心生效，冲正未完成，结果仍未知，请稍后再试"
            }
            Self::QuerySettlement => {
                "医保中心暂未查到该笔结算，查询结算信息失败，结果仍未知，请稍后再试"
            }
        }
    }
    fn en(self) -> &'static str {
        match self {
            Self::DecodeRxQr => "Decoding the e-prescription QR failed",
            Self::PersonInfo => "Querying the insurance record failed",
            Self::Download => "Downloading the prescription failed",
            Self::PharmacistEVoucher => "Checking the pharmacist's e-voucher failed",
            Self::PreSettle => "Pre-settlement failed",
            Self::Settle => "Settlement",
            Self::ReverseSettlement => "Reversing the settlement",
            Self::ResolveUncertain => {
                "The reversal did not finish and the settlement is still unknown; try again shortly"
            }
            Self::PatientIdentity => "Checking the patient's identity failed",
            Self::ReverseTakenEffect => "The settlement took effect at the center and the reversal did not finish; the outcome is still unknown, try again shortly",
            Self::QuerySettlement => "The center has not found the settlement and the settlement query failed; the outcome is still unknown, try again shortly",
        }
    }
}

/// Which step was asked for out of order (all `VISIT_ILLEGAL_TRANSITION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OutOfStep {
    /// Identify again within one visit.
    AlreadyIdentified,
    /// Download outside the identified / listed states.
    CannotDownload,
    /// Audit before the rules passed.
    NotChecked,
    /// A dispensing action outside dispensing.
    NotDispensing,
    /// 2101 before dispensing finished.
    NotDispensed,
    /// 2102 before 2101.
    NotPreSettled,
    /// Payment before 2102.
    PayBeforeSettled,
    /// Completion before 2102.
    CompleteBeforeSettled,
    /// Reversal of a visit that is not settled-and-unfinished.
    NotReversible,
}

/// Whose e-voucher, for the duty steps (binding or shift start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DutyPurpose {
    /// Binding the pharmacist's own e-voucher (settings → 人员).
    Binding,
    /// Going on duty (上岗).
    Shift,
}

/// A device the chosen identification needs but the counter has not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "device")]
pub enum MissingDevice {
    /// The e-voucher SDK (its own sentence about what is missing).
    EVoucherSdk {
        /// The devices layer's sentence.
        detail: String,
    },
    /// The face terminal.
    FaceTerminal,
    /// The social-security card reader.
    CardReader,
    /// The PIN pad, for a social-security card.
    PinPadForCard {
        /// The devices layer's sentence.
        detail: String,
    },
    /// The PIN pad, for an ID card.
    PinPadForIdCard {
        /// The devices layer's sentence.
        detail: String,
    },
}

/// Whose credential was empty or unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Holder {
    /// The patient at identification.
    Patient,
    /// The pharmacist (binding, shift, audit).
    Pharmacist,
}

/// The kind of a method given at the edge that is not one we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MethodKind {
    /// How the patient identifies.
    Identification,
    /// How the self-paid part is paid.
    Payment,
}

/// A step that could not be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
#[error("{}", self.message(Lang::ZhCn))]
pub enum StepError {
    /// No visit in progress.
    NoVisit,
    /// A settlement of unknown outcome blocks the next patient.
    SettlementUncertain {
        /// Left by an interrupted run (else: the current visit's).
        interrupted: bool,
        /// The interrupted attempt was settled (charged) with no lines.
        charged: bool,
        /// `setl_id` when charged, else the 2102 msgid.
        reference: String,
    },
    /// A visit settled at the center but not completed.
    SettledNotCompleted {
        /// Restored from an interrupted run.
        recovered: bool,
    },
    /// A step asked for out of order.
    OutOfStep {
        /// Which.
        step: OutOfStep,
    },
    /// No prescription downloaded.
    NoPrescription,
    /// No patient identified.
    NoPatient,
    /// A dispensed product is not in the catalogue.
    NoProduct,
    /// A dispensed batch is not in stock.
    NoBatch {
        /// `fixmedins_bchno`.
        batch: String,
    },
    /// Price arithmetic out of range.
    Price(#[serde(skip)] MoneyError),
    /// A fault of the program (never the user's).
    Internal {
        /// What (English, for support).
        detail: String,
    },
    /// 2102 asked before 2101.
    NoPreSettlement,
    /// No settlement result kept.
    NoSettlement,
    /// No msgid to reverse.
    NoMsgid,
    /// Resolve asked with nothing uncertain.
    NotUncertain,
    /// 挂单 refused: no patient yet, a settlement in flight, settled
    /// awaiting payment, or over.
    ParkNotAllowed,
    /// 挂单 refused: as many visits parked as a counter keeps.
    ParkFull {
        /// The most.
        max: usize,
    },
    /// 取单 while another visit is in progress.
    ResumeBusy,
    /// 取单 of a visit that is not parked.
    ParkedNotFound,
    /// 取单 (or 处理未知结算) of a parked visit whose settlement is being
    /// resolved right now.
    ParkedResolving,
    /// The patient has a parked visit whose settlement is uncertain.
    PatientParkedUncertain,
    /// 店长授权: the 工号 or password typed is wrong.
    AuthoriseRefused,
    /// 代购: no agent name.
    AgentName,
    /// 代购: the agent's ID number is wrong.
    AgentIdNumber(#[serde(skip)] CodeFormatError),
    /// 代购: relationship not from the list.
    AgentRelationship,
    /// The identification needs a device the counter has not.
    DeviceNotConfigured {
        /// Which.
        missing: MissingDevice,
    },
    /// Face identification without the patient's consent.
    FaceConsentRequired,
    /// A method (identification, payment) that is not one we know.
    BadMethod {
        /// Of what.
        kind: MethodKind,
        /// As given.
        given: String,
    },
    /// An empty or unreadable credential.
    BadCredential {
        /// Whose.
        holder: Holder,
    },
    /// The card / face is not the person the center registered.
    CardOtherPerson,
    /// 7202 failed (the desk's explanation).
    ListFailed {
        /// The desk's detail.
        detail: String,
    },
    /// A device failed (card reader, PIN pad, QR, face).
    Device(#[serde(skip)] IdentityError),
    /// 7203 failed before the center answered (the desk's explanation).
    DownloadFailed {
        /// The desk's detail.
        detail: String,
    },
    /// The prescription data cannot be read at all (blocked).
    RxUnreadable {
        /// The verifier's sentence.
        reason: String,
    },
    /// The opened prescription's layout file could not be drawn for the
    /// window (the signature was judged on its bytes; only the picture is
    /// missing).
    LayoutNotDrawn {
        /// Why, in English (the renderer's).
        reason: String,
    },
    /// Two counters on one terminal number (docs/decisions/0007).
    TerminalNoShared {
        /// What was asked.
        action: CenterAction,
        /// The center's message.
        message: String,
    },
    /// The center refused.
    CenterRejected {
        /// What was asked.
        action: CenterAction,
        /// The center's code.
        center_code: String,
        /// The center's message.
        message: String,
    },
    /// The center could not be reached (nothing was applied).
    CenterUnavailable {
        /// What was asked.
        action: CenterAction,
    },
    /// The center did not answer (outcome unknown).
    CenterUncertain {
        /// What was asked.
        action: CenterAction,
    },
    /// The request was not sent (configuration).
    CenterInvalid {
        /// What was asked.
        action: CenterAction,
        /// Why.
        detail: String,
    },
    /// Not a pharmacist account.
    NotPharmacist {
        /// Binding or shift.
        purpose: DutyPurpose,
    },
    /// The signed-in operator's record is missing.
    NoOperator,
    /// The pharmacist has no registered ID number.
    PharmacistNotRegistered {
        /// Binding or shift.
        purpose: DutyPurpose,
    },
    /// The scanned e-voucher is not the signed-in pharmacist's.
    ShiftIdentityMismatch {
        /// Binding or shift.
        purpose: DutyPurpose,
    },
    /// An audit result other than 1, 2 or 3.
    AuditResult {
        /// As given.
        given: String,
    },
    /// The signed-in pharmacist is not on duty.
    AuditNotOnDuty,
    /// The reviewer is not an active pharmacist of this store.
    ReviewerUnknown {
        /// The login given.
        login: String,
    },
    /// 7204 refused by the center.
    AuditUploadRejected {
        /// Outbox row.
        upload_id: i64,
    },
    /// 7204 not delivered yet.
    AuditNotUploaded {
        /// Outbox row.
        upload_id: i64,
    },
    /// The tendered amount is not an amount.
    BadAmount {
        /// As given.
        given: String,
    },
    /// The till refused (no open till shift, nothing to pay on a terminal):
    /// its own stable code and sentence (`crate::till`).
    Till {
        /// `TILL_NOT_OPEN`, `NOTHING_TO_PAY`, `AUDIT_REVIEWER_IS_AUDITOR`.
        code: &'static str,
        /// The zh-CN sentence.
        detail: String,
    },
    /// Scan-to-pay without a pay code.
    PayCodeMissing,
    /// The payment channel declined (its sentence).
    PaymentDeclined {
        /// The channel's reason, in its own words (zh-CN): `params.reason`,
        /// shown apart as the channel's words in an en-US window.
        reason: String,
    },
    /// Completion before the self-paid part was paid.
    NotPaid {
        /// Still due.
        due: Amount,
    },
    /// Delivery accepted without number or company.
    DeliveryIncomplete,
    /// A delivery status before the order was accepted.
    DeliveryNotAccepted,
    /// The sale was refunded already.
    AlreadyRefunded,
    /// The sale's uploads are not all delivered.
    SaleUploadsPending {
        /// How many.
        open: u64,
    },
    /// A settled sale's refund needs the patient's credential.
    RefundIdentityRequired,
    /// A refund identity method other than e-voucher or card.
    RefundIdentityMethod {
        /// As given.
        given: String,
    },
    /// The credential is not the sale's patient.
    RefundIdentityMismatch,
    /// The center refused 2103.
    RefundRefused {
        /// The center's detail.
        detail: String,
        /// Refusing a settled-not-completed visit's reversal (else a sale's refund).
        unfinished_visit: bool,
    },
    /// 2103 of unknown outcome.
    RefundUncertain {
        /// The detail.
        detail: String,
    },
    /// The insurance part was reversed, the channel refund failed.
    PaymentRefundFailed {
        /// The channel.
        channel: Channel,
        /// The channel's reason.
        detail: String,
    },
    /// An interrupted settlement lacks its figures or lines.
    RecoveryIncomplete,
    /// An interrupted settlement's total differs from 2101.
    RecoveryTotalDiffers,
    /// 2601 "not found" inside the safety window.
    SettlementNotFoundYet {
        /// Seconds to wait.
        wait_secs: u128,
    },
    /// The operator lacks the permission (the ledger's sentence).
    Forbidden {
        /// The ledger's sentence.
        detail: String,
    },
    /// The ledger is locked (the ledger's sentence).
    Locked {
        /// The ledger's sentence.
        detail: String,
    },
    /// A ledger rule refused (the ledger's sentence).
    RuleRefused {
        /// The ledger's sentence.
        detail: String,
    },
    /// The ledger failed.
    Store {
        /// The ledger's error.
        detail: String,
    },
    /// The visit's state machine refused.
    Visit(#[serde(skip)] VisitError),
    /// Dispensing refused.
    Dispense(#[serde(skip)] DispenseError),
    /// The settlement figures or the change are wrong.
    Settlement(#[serde(skip)] SettlementError),
    /// The sale cannot be settled with 医保 as it stands (医疗类别, 病种,
    /// doctor's code, 参保状态, personal account: `settle_kind`).
    SettlementKind(#[serde(skip)] rxdesk_core::settle_kind::PlanError),
    /// No OTC sale in progress.
    NoOtcSale,
    /// The OTC sale's cart cannot change (or the step is out of order) once
    /// its settlement was sent.
    OtcLocked,
    /// No product with that id in the catalogue.
    OtcUnknownProduct {
        /// As given.
        query: String,
    },
    /// The OTC cart refused (处方药, quantity, 拆零, empty).
    Otc(#[serde(skip)] rxdesk_core::otc::OtcError),
}

/// Every code of `StepError`'s own variants (the wrapped ones take their
/// error's code), for docs/rules.md and the tests.
pub const OWN_CODES: &[&str] = &[
    "NO_VISIT",
    "TILL_NOT_OPEN",
    "NOTHING_TO_PAY",
    "AUDIT_REVIEWER_IS_AUDITOR",
    "VISIT_SETTLEMENT_UNCERTAIN",
    "VISIT_SETTLED_NOT_COMPLETED",
    "VISIT_ILLEGAL_TRANSITION",
    "NO_RX",
    "NO_PATIENT",
    "NO_PRODUCT",
    "NO_BATCH",
    "PRICE",
    "INTERNAL",
    "NO_PRESETTLE",
    "NO_SETTLEMENT",
    "NO_MSGID",
    "NOT_UNCERTAIN",
    "PARK_NOT_ALLOWED",
    "PARK_FULL",
    "RESUME_BUSY",
    "PARKED_NOT_FOUND",
    "PARKED_RESOLVING",
    "PATIENT_PARKED_UNCERTAIN",
    "AUTHORISE_REFUSED",
    "AGENT_NAME",
    "AGENT_ID_NUMBER",
    "AGENT_RELATIONSHIP",
    "DEVICE_NOT_CONFIGURED",
    "FACE_CONSENT_REQUIRED",
    "BAD_METHOD",
    "BAD_CREDENTIAL",
    "CARD_OTHER_PERSON",
    "CENTER",
    "DESK",
    "RX_UNREADABLE",
    "LAYOUT_NOT_DRAWN",
    "TERMINAL_NO_SHARED",
    "CENTER_REJECTED",
    "CENTER_UNAVAILABLE",
    "CENTER_UNCERTAIN",
    "CENTER_INVALID",
    "NOT_PHARMACIST",
    "NO_OPERATOR",
    "PHARMACIST_NOT_REGISTERED",
    "SHIFT_IDENTITY_MISMATCH",
    "AUDIT_RESULT",
    "AUDIT_NOT_ON_DUTY",
    "REVIEWER_UNKNOWN",
    "AUDIT_UPLOAD_REJECTED",
    "AUDIT_NOT_UPLOADED",
    "BAD_AMOUNT",
    "PAY_CODE_MISSING",
    "PAYMENT_DECLINED",
    "NOT_PAID",
    "DELIVERY_INCOMPLETE",
    "DELIVERY_NOT_ACCEPTED",
    "ALREADY_REFUNDED",
    "SALE_UPLOADS_PENDING",
    "REFUND_IDENTITY_REQUIRED",
    "REFUND_IDENTITY_METHOD",
    "REFUND_IDENTITY_MISMATCH",
    "REFUND_REFUSED",
    "REFUND_UNCERTAIN",
    "PAYMENT_REFUND_FAILED",
    "RECOVERY_INCOMPLETE",
    "RECOVERY_TOTAL_DIFFERS",
    "SETTLEMENT_NOT_FOUND_YET",
    "FORBIDDEN",
    "LOCKED",
    "RULE",
    "STORE",
    "OTC_NO_SALE",
    "OTC_LOCKED",
    "OTC_UNKNOWN_PRODUCT",
];

/// A device problem's code (`DEVICE_CARD_REMOVED`, `DEVICE_NOT_E_VOUCHER`, …).
pub fn device_code(e: &IdentityError) -> &'static str {
    match e {
        IdentityError::NotInstalled(_) => "DEVICE_NOT_INSTALLED",
        IdentityError::LoadFailed { .. } => "DEVICE_LOAD_FAILED",
        IdentityError::NothingPresented => "DEVICE_NOTHING_PRESENTED",
        IdentityError::ReadFailed { .. } => "DEVICE_READ_FAILED",
        IdentityError::Malformed { .. } => "DEVICE_MALFORMED",
        IdentityError::Rejected { .. } => "DEVICE_REJECTED",
        IdentityError::Timeout(_) => "DEVICE_TIMEOUT",
        IdentityError::Busy => "DEVICE_BUSY",
        IdentityError::Scanner(_) => "DEVICE_SCANNER",
        IdentityError::ResponseTooLong { .. } => "DEVICE_RESPONSE_TOO_LONG",
        IdentityError::CardRemoved => "DEVICE_CARD_REMOVED",
        IdentityError::BadCardRecord(_) => "DEVICE_BAD_CARD_RECORD",
        IdentityError::Disconnected(_) => "DEVICE_DISCONNECTED",
        IdentityError::PasswordWrong { .. } => "DEVICE_PASSWORD_WRONG",
        IdentityError::PasswordNotSet => "DEVICE_PASSWORD_NOT_SET",
        IdentityError::PasswordLocked => "DEVICE_PASSWORD_LOCKED",
        IdentityError::PasswordCancelled => "DEVICE_PASSWORD_CANCELLED",
        IdentityError::FaceNotRecognised(_) => "DEVICE_FACE_NOT_RECOGNISED",
        IdentityError::ConsentRefused => "DEVICE_CONSENT_REFUSED",
        IdentityError::NotEVoucher(_) => "DEVICE_NOT_E_VOUCHER",
    }
}

/// The codes of device problems (`device_code`).
pub const DEVICE_CODES: &[&str] = &[
    "DEVICE_NOT_INSTALLED",
    "DEVICE_LOAD_FAILED",
    "DEVICE_NOTHING_PRESENTED",
    "DEVICE_READ_FAILED",
    "DEVICE_MALFORMED",
    "DEVICE_REJECTED",
    "DEVICE_TIMEOUT",
    "DEVICE_BUSY",
    "DEVICE_SCANNER",
    "DEVICE_RESPONSE_TOO_LONG",
    "DEVICE_CARD_REMOVED",
    "DEVICE_BAD_CARD_RECORD",
    "DEVICE_DISCONNECTED",
    "DEVICE_PASSWORD_WRONG",
    "DEVICE_PASSWORD_NOT_SET",
    "DEVICE_PASSWORD_LOCKED",
    "DEVICE_PASSWORD_CANCELLED",
    "DEVICE_FACE_NOT_RECOGNISED",
    "DEVICE_CONSENT_REFUSED",
    "DEVICE_NOT_E_VOUCHER",
];

impl StepError {
    /// The stable code (docs/rules.md).
    pub fn code(&self) -> &'static str {
        use StepError as E;
        match self {
            E::NoVisit => "NO_VISIT",
            E::SettlementUncertain { .. } => "VISIT_SETTLEMENT_UNCERTAIN",
            E::SettledNotCompleted { .. } => "VISIT_SETTLED_NOT_COMPLETED",
            E::OutOfStep { .. } => "VISIT_ILLEGAL_TRANSITION",
            E::NoPrescription => "NO_RX",
            E::NoPatient => "NO_PATIENT",
            E::NoProduct => "NO_PRODUCT",
            E::NoBatch { .. } => "NO_BATCH",
            E::Price(_) => "PRICE",
            E::Internal { .. } => "INTERNAL",
            E::NoPreSettlement => "NO_PRESETTLE",
            E::NoSettlement => "NO_SETTLEMENT",
            E::NoMsgid => "NO_MSGID",
            E::NotUncertain => "NOT_UNCERTAIN",
            E::ParkNotAllowed => "PARK_NOT_ALLOWED",
            E::ParkFull { .. } => "PARK_FULL",
            E::ResumeBusy => "RESUME_BUSY",
            E::ParkedNotFound => "PARKED_NOT_FOUND",
            E::ParkedResolving => "PARKED_RESOLVING",
            E::PatientParkedUncertain => "PATIENT_PARKED_UNCERTAIN",
            E::AuthoriseRefused => "AUTHORISE_REFUSED",
            E::AgentName => "AGENT_NAME",
            E::AgentIdNumber(_) => "AGENT_ID_NUMBER",
            E::AgentRelationship => "AGENT_RELATIONSHIP",
            E::DeviceNotConfigured { .. } => "DEVICE_NOT_CONFIGURED",
            E::FaceConsentRequired => "FACE_CONSENT_REQUIRED",
            E::BadMethod { .. } => "BAD_METHOD",
            E::BadCredential { .. } => "BAD_CREDENTIAL",
            E::CardOtherPerson => "CARD_OTHER_PERSON",
            E::ListFailed { .. } => "CENTER",
            E::Device(e) => device_code(e),
            E::DownloadFailed { .. } => "DESK",
            E::RxUnreadable { .. } => "RX_UNREADABLE",
            E::LayoutNotDrawn { .. } => "LAYOUT_NOT_DRAWN",
            E::TerminalNoShared { .. } => "TERMINAL_NO_SHARED",
            E::CenterRejected { .. } => "CENTER_REJECTED",
            E::CenterUnavailable { .. } => "CENTER_UNAVAILABLE",
            E::CenterUncertain { .. } => "CENTER_UNCERTAIN",
            E::CenterInvalid { .. } => "CENTER_INVALID",
            E::NotPharmacist { .. } => "NOT_PHARMACIST",
            E::NoOperator => "NO_OPERATOR",
            E::PharmacistNotRegistered { .. } => "PHARMACIST_NOT_REGISTERED",
            E::ShiftIdentityMismatch { .. } => "SHIFT_IDENTITY_MISMATCH",
            E::AuditResult { .. } => "AUDIT_RESULT",
            E::AuditNotOnDuty => "AUDIT_NOT_ON_DUTY",
            E::ReviewerUnknown { .. } => "REVIEWER_UNKNOWN",
            E::AuditUploadRejected { .. } => "AUDIT_UPLOAD_REJECTED",
            E::AuditNotUploaded { .. } => "AUDIT_NOT_UPLOADED",
            E::BadAmount { .. } => "BAD_AMOUNT",
            E::Till { code, .. } => code,
            E::PayCodeMissing => "PAY_CODE_MISSING",
            E::PaymentDeclined { .. } => "PAYMENT_DECLINED",
            E::NotPaid { .. } => "NOT_PAID",
            E::DeliveryIncomplete => "DELIVERY_INCOMPLETE",
            E::DeliveryNotAccepted => "DELIVERY_NOT_ACCEPTED",
            E::AlreadyRefunded => "ALREADY_REFUNDED",
            E::SaleUploadsPending { .. } => "SALE_UPLOADS_PENDING",
            E::RefundIdentityRequired => "REFUND_IDENTITY_REQUIRED",
            E::RefundIdentityMethod { .. } => "REFUND_IDENTITY_METHOD",
            E::RefundIdentityMismatch => "REFUND_IDENTITY_MISMATCH",
            E::RefundRefused { .. } => "REFUND_REFUSED",
            E::RefundUncertain { .. } => "REFUND_UNCERTAIN",
            E::PaymentRefundFailed { .. } => "PAYMENT_REFUND_FAILED",
            E::RecoveryIncomplete => "RECOVERY_INCOMPLETE",
            E::RecoveryTotalDiffers => "RECOVERY_TOTAL_DIFFERS",
            E::SettlementNotFoundYet { .. } => "SETTLEMENT_NOT_FOUND_YET",
            E::Forbidden { .. } => "FORBIDDEN",
            E::Locked { .. } => "LOCKED",
            E::RuleRefused { .. } => "RULE",
            E::Store { .. } => "STORE",
            E::Visit(e) => e.code(),
            E::Dispense(e) => e.code(),
            E::Settlement(e) => e.code(),
            E::SettlementKind(e) => e.code(),
            E::NoOtcSale => "OTC_NO_SALE",
            E::OtcLocked => "OTC_LOCKED",
            E::OtcUnknownProduct { .. } => "OTC_UNKNOWN_PRODUCT",
            E::Otc(e) => e.code(),
        }
    }

    /// The zh-CN sentence: what happened and what to do.
    pub fn message_zh(&self) -> String {
        self.message(Lang::ZhCn)
    }

    /// The English sentence.
    pub fn message_en(&self) -> String {
        self.message(Lang::EnUs)
    }

    /// The sentence in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        use StepError as E;
        let zh = lang == Lang::ZhCn;
        let pick = |z: &str, e: &str| if zh { z.to_string() } else { e.to_string() };
        match self {
            E::NoVisit => pick(
                "没有进行中的服务，请先开始接待",
                "No visit in progress: start a visit first",
            ),
            E::SettlementUncertain {
                interrupted: false, ..
            } => pick(
                "当前患者的结算结果未知，须先处理（冲正）后才能接待下一位患者",
                "This patient's settlement has an unknown outcome: resolve it (reversal) before serving the next patient",
            ),
            E::SettlementUncertain {
                charged: true,
                reference,
                ..
            } => if zh {
                format!("上次中断时有一笔医保结算（结算ID {reference}）已扣费但本机没有调配明细，无法完成销售：请店长点击“处理未知结算”向医保中心冲正")
            } else {
                format!("An interrupted run left an insurance settlement (settlement ID {reference}) charged with no dispensing lines here, so it cannot be sold: a manager must click \"Resolve unknown settlement\" to reverse it at the center")
            },
            E::SettlementUncertain { reference, .. } => if zh {
                format!("上次中断时有一笔医保结算（报文 {reference}）结果未知：请点击“处理未知结算”向医保中心冲正后再接待下一位患者，切勿重复收费")
            } else {
                format!("An interrupted run left an insurance settlement (message {reference}) with an unknown outcome: click \"Resolve unknown settlement\" to reverse it before the next patient; never charge twice")
            },
            E::SettledNotCompleted { recovered: true } => pick(
                "上次中断时有一位患者已在医保结算但未完成销售：请先完成该笔销售（按结算时的金额），或由店长撤销结算",
                "An interrupted run left a patient settled at the center but the sale not completed: complete that sale first (at the settled amounts), or a manager reverses the settlement",
            ),
            E::SettledNotCompleted { recovered: false } => pick(
                "当前患者已结算但尚未收款出票，请先完成收款",
                "This patient is settled but not yet paid and receipted: finish the payment first",
            ),
            E::OutOfStep { step } => {
                let (z, e) = match step {
                    OutOfStep::AlreadyIdentified => ("本次服务已识别患者；接待下一位患者请先开始新的服务", "The patient of this visit is identified already; start a new visit for the next patient"),
                    OutOfStep::CannotDownload => ("当前步骤不能下载处方，请按流程办理", "A prescription cannot be downloaded at this step; follow the steps in order"),
                    OutOfStep::NotChecked => ("处方尚未通过核对，不能审方", "The prescription has not passed the checks: it cannot be audited"),
                    OutOfStep::NotDispensing => ("当前不在调配步骤", "Not at the dispensing step"),
                    OutOfStep::NotDispensed => ("请先完成调配再预结算", "Finish dispensing before the pre-settlement"),
                    OutOfStep::NotPreSettled => ("请先预结算并向患者说明费用后再确认结算", "Pre-settle and explain the costs to the patient before confirming the settlement"),
                    OutOfStep::PayBeforeSettled => ("请先完成医保结算再收款", "Complete the insurance settlement before taking payment"),
                    OutOfStep::CompleteBeforeSettled => ("请先完成医保结算", "Complete the insurance settlement first"),
                    OutOfStep::NotReversible => ("只有已结算、尚未完成销售的服务可以撤销结算", "Only a visit settled but not completed can have its settlement reversed"),
                };
                pick(z, e)
            }
            E::NoPrescription => pick("尚未下载处方", "No prescription downloaded yet"),
            E::NoPatient => pick("尚未识别患者", "The patient is not identified yet"),
            E::NoProduct => pick(
                "调配的药品不在目录中",
                "A dispensed product is not in the catalogue",
            ),
            E::NoBatch { batch } => if zh {
                format!("找不到批次 {batch}")
            } else {
                format!("Batch {batch} not found")
            },
            E::Price(e) => e.to_string(),
            E::Internal { detail } => if zh {
                format!("程序内部错误（{detail}），请重试；如仍失败请联系技术支持")
            } else {
                format!("Internal error ({detail}); try again, and contact support if it persists")
            },
            E::NoPreSettlement => pick("请先预结算", "Pre-settle first"),
            E::NoSettlement => pick("找不到结算结果", "The settlement result is missing"),
            E::NoMsgid => pick(
                "找不到待冲正的结算报文",
                "The settlement message to reverse is missing",
            ),
            E::NotUncertain => pick(
                "当前没有结果未知的结算",
                "There is no settlement of unknown outcome",
            ),
            E::ParkNotAllowed => pick(
                "当前不能挂单：须已识别患者，且不在结算中、不是已结算待收款",
                "This visit cannot be parked: the patient must be identified, and it must be neither being settled nor settled awaiting payment",
            ),
            E::ParkFull { max } => if zh {
                format!("已挂起 {max} 笔，不能再挂单：请先取单办理")
            } else {
                format!("{max} visits are parked already: resume one before parking another")
            },
            E::ResumeBusy => pick(
                "当前还有进行中的取药：请先挂单或办理完成后再取单",
                "A visit is in progress: park or finish it before resuming another",
            ),
            E::ParkedNotFound => pick(
                "找不到该挂单，可能已被取回",
                "That parked visit is not there (it may have been resumed already)",
            ),
            E::ParkedResolving => pick(
                "正在向医保中心查询这笔挂单的结算结果：请稍候几秒再取单",
                "The center is being asked about this parked visit's settlement: resume it in a few seconds",
            ),
            E::AuthoriseRefused => pick(
                "店长工号或密码不正确，未授权：请店长重新输入",
                "The manager's login or password is wrong: not authorised; the manager types them again",
            ),
            E::PatientParkedUncertain => pick(
                "该患者有一笔结算结果未知的取药已挂单：请先取单并点击“处理未知结算”，切勿重复收费",
                "This patient has a parked visit whose settlement outcome is unknown: resume it and click \"Resolve unknown settlement\" first; never charge twice",
            ),
            E::AgentName => pick("请填写代购人姓名", "Enter the agent's name"),
            E::AgentIdNumber(e) => if zh {
                format!("代购人身份证号码有误：{}", e.message_zh())
            } else {
                format!("The agent's ID number is wrong: {e}")
            },
            E::AgentRelationship => pick(
                "代购人与患者的关系须从列表中选择（配偶、父母、子女、祖父母/外祖父母、孙子女/外孙子女、兄弟姐妹、监护人）",
                "Choose the agent's relationship to the patient from the list (spouse, parent, child, grandparent, grandchild, sibling, guardian)",
            ),
            E::DeviceNotConfigured { missing } => match missing {
                MissingDevice::EVoucherSdk { detail } => detail.clone(),
                MissingDevice::FaceTerminal => pick(
                    "未配置刷脸终端，请在设置→设备中勾选，或改用医保电子凭证扫码、社保卡或身份证",
                    "No face terminal is configured: tick it in Settings → Devices, or use the e-voucher QR, the social-security card or the ID card",
                ),
                MissingDevice::CardReader => pick(
                    "未配置社保卡读卡器，请在设置→设备中选择读卡器",
                    "No social-security card reader is configured: choose one in Settings → Devices",
                ),
                MissingDevice::PinPadForCard { detail } => if zh {
                    format!("{detail}（社保卡须由患者在密码键盘上输入医保电子凭证密码）")
                } else {
                    format!("{detail} (with a social-security card the patient types the e-voucher password on the PIN pad)")
                },
                MissingDevice::PinPadForIdCard { detail } => if zh {
                    format!("{detail}（身份证须由患者在密码键盘上输入医保电子凭证密码）")
                } else {
                    format!("{detail} (with an ID card the patient types the e-voucher password on the PIN pad)")
                },
            },
            E::FaceConsentRequired => pick(
                "刷脸前须请患者本人确认同意使用人脸识别获取医保电子凭证",
                "Before face identification the patient must agree to it",
            ),
            E::BadMethod { kind, given } => match (kind, zh) {
                (MethodKind::Identification, true) => format!("不支持的识别方式 {given}，请选择医保电子凭证、社保卡、身份证或刷脸"),
                (MethodKind::Identification, false) => format!("Unsupported identification method {given}: choose the e-voucher, the social-security card, the ID card or face"),
                (MethodKind::Payment, true) => format!("不支持的收款方式 {given}"),
                (MethodKind::Payment, false) => format!("Unsupported payment method {given}"),
            },
            E::BadCredential { holder: Holder::Patient } => pick(
                "凭证为空或无法识别，请重新扫码或输入",
                "The credential is empty or unreadable: scan or enter it again",
            ),
            E::BadCredential { holder: Holder::Pharmacist } => pick(
                "请药师扫描本人的医保电子凭证",
                "The pharmacist scans her own e-voucher",
            ),
            E::CardOtherPerson => pick(
                "读到的卡片/人脸与医保中心登记的参保人不是同一人，请核对患者本人证件后重新识别",
                "The card or face read is not the insured person the center registered: check the patient's own documents and identify again",
            ),
            E::ListFailed { detail } => if zh {
                format!("查询处方失败：{detail}")
            } else {
                format!("Listing the prescriptions failed: {detail}")
            },
            E::Device(e) => if zh { e.message_zh() } else { e.to_string() },
            E::DownloadFailed { detail } => if zh {
                format!("下载处方失败：{detail}")
            } else {
                format!("Downloading the prescription failed: {detail}")
            },
            E::RxUnreadable { reason } => if zh {
                format!("处方数据无法读取（{reason}），已阻止，不能审方或结算。请告知患者联系开方医院")
            } else {
                format!("The prescription data cannot be read ({reason}): blocked, it cannot be audited or settled. Ask the patient to contact the prescribing hospital")
            },
            E::LayoutNotDrawn { reason } => if zh {
                format!("版式文件无法显示（{reason}）。没有版式文件不能完成审方：请联系开方机构或技术支持")
            } else {
                format!("The layout file cannot be shown ({reason}). The audit cannot be completed without it: contact the prescribing institution or support")
            },
            E::TerminalNoShared { action, message } => if zh {
                format!("{}：{message}", action.zh())
            } else {
                format!("{}: {message}", action.en())
            },
            E::CenterRejected { action, center_code, message } => if zh {
                format!("{}：医保中心拒绝（{center_code}）{message}。请核对后重试或告知患者", action.zh())
            } else {
                format!("{}: the insurance center refused ({center_code}) {message}. Check and try again, or tell the patient", action.en())
            },
            E::CenterUnavailable { action } => if zh {
                format!("{}：医保中心暂时无法连接，请检查网络后重试", action.zh())
            } else {
                format!("{}: the insurance center cannot be reached; check the network and try again", action.en())
            },
            E::CenterUncertain { action } => if zh {
                format!("{}：医保中心没有应答，结果未知，请稍后重试", action.zh())
            } else {
                format!("{}: the insurance center did not answer and the outcome is unknown; try again shortly", action.en())
            },
            E::CenterInvalid { action, detail } => if zh {
                format!("{}：请求未发送（{detail}）。请检查中心配置", action.zh())
            } else {
                format!("{}: the request was not sent ({detail}); check the center settings", action.en())
            },
            E::NotPharmacist { purpose: DutyPurpose::Binding } => pick(
                "只有药师账号需要绑定本人医保电子凭证，请用药师工号登录",
                "Only pharmacist accounts bind their own e-voucher: sign in with a pharmacist login",
            ),
            E::NotPharmacist { purpose: DutyPurpose::Shift } => pick(
                "只有药师账号可以上岗审方，请用药师工号登录",
                "Only pharmacist accounts can go on duty and audit: sign in with a pharmacist login",
            ),
            E::NoOperator => pick("找不到当前药师账号", "The signed-in pharmacist's account is missing"),
            E::PharmacistNotRegistered { purpose: DutyPurpose::Binding } => pick(
                "该药师账号未登记身份证号，请店长在 设置 → 人员 中登记后再绑定",
                "This pharmacist account has no registered ID number: a manager registers it in Settings → People before binding",
            ),
            E::PharmacistNotRegistered { purpose: DutyPurpose::Shift } => pick(
                "该药师账号未登记身份证号，请店长在人员管理中登记后再上岗",
                "This pharmacist account has no registered ID number: a manager registers it under People before going on duty",
            ),
            E::ShiftIdentityMismatch { purpose: DutyPurpose::Binding } => pick(
                "扫描的医保电子凭证不是当前登录药师本人的（与登记的身份证号不符），未绑定",
                "The scanned e-voucher is not the signed-in pharmacist's own (the registered ID number differs): not bound",
            ),
            E::ShiftIdentityMismatch { purpose: DutyPurpose::Shift } => pick(
                "扫描的医保电子凭证不是当前登录药师本人的，不能上岗。请药师扫描本人的医保电子凭证",
                "The scanned e-voucher is not the signed-in pharmacist's own: cannot go on duty. The pharmacist scans her own e-voucher",
            ),
            E::AuditResult { .. } => pick(
                "审方结果须为 1 通过、2 不通过或 3 需医生确认",
                "The audit result must be 1 approved, 2 rejected or 3 needs the doctor's confirmation",
            ),
            E::AuditNotOnDuty => pick(
                "当前登录药师尚未上岗：请先扫描本人医保电子凭证上岗后再审方",
                "The signed-in pharmacist is not on duty: scan your own e-voucher to go on duty, then audit",
            ),
            E::ReviewerUnknown { login } => if zh {
                format!("工号 {login} 不是本店在职药师，不能复核")
            } else {
                format!("Login {login} is not an active pharmacist of this store and cannot review")
            },
            E::AuditUploadRejected { upload_id } => if zh {
                format!("审方结果上传被医保中心拒绝（上传队列第 {upload_id} 条），请在上传队列中查看原因并处理")
            } else {
                format!("The center refused the audit upload (upload queue row {upload_id}): see the reason in the upload queue and deal with it")
            },
            E::AuditNotUploaded { upload_id } => if zh {
                format!("审方结果尚未上传到医保中心（上传队列第 {upload_id} 条），请检查网络后稍候重试预结算")
            } else {
                format!("The audit has not reached the center yet (upload queue row {upload_id}): check the network and retry the pre-settlement shortly")
            },
            E::BadAmount { .. } => pick(
                "请输入实收金额（如 50.00）",
                "Enter the amount tendered (e.g. 50.00)",
            ),
            E::Till { detail, .. } => detail.clone(),
            E::PayCodeMissing => pick(
                "请扫描患者的微信或支付宝付款码",
                "Scan the patient's WeChat or Alipay pay code",
            ),
            // The channel's own words are its `reason` (params): the window
            // shows them apart, as the channel's, beside the English sentence.
            E::PaymentDeclined { reason } => if zh {
                reason.clone()
            } else {
                "The payment channel declined the payment".to_string()
            },
            E::NotPaid { due } => if zh {
                format!("患者还需自付 {due} 元，请先收款")
            } else {
                format!("The patient still pays {due} yuan: take the payment first")
            },
            E::DeliveryIncomplete => pick(
                "请填写配送单号和配送企业",
                "Enter the delivery number and the delivery company",
            ),
            E::DeliveryNotAccepted => pick("请先接单", "Accept the order first"),
            E::AlreadyRefunded => pick("该笔销售已退费", "This sale was refunded already"),
            E::SaleUploadsPending { open } => if zh {
                format!("该笔销售还有 {open} 条上传未送达医保中心，请待上传完成后再退费（可在上传队列查看）")
            } else {
                format!("{open} uploads of this sale have not reached the center: refund once they are delivered (see the upload queue)")
            },
            E::RefundIdentityRequired => pick(
                "医保退费须核验患者身份：请扫描患者医保电子凭证或读社保卡（与购药时相同）",
                "An insurance refund checks the patient's identity: scan the patient's e-voucher or read the social-security card (as at the sale)",
            ),
            E::RefundIdentityMethod { given } => if zh {
                format!("不支持的身份核验方式 {given}：请使用医保电子凭证或社保卡")
            } else {
                format!("Unsupported identity check {given}: use the e-voucher or the social-security card")
            },
            E::RefundIdentityMismatch => pick(
                "出示的医保凭证不是该笔销售的患者本人，不能退费",
                "The credential shown is not the patient of this sale: no refund",
            ),
            E::RefundRefused { detail, unfinished_visit: false } => if zh {
                format!("医保中心拒绝撤销结算{detail}：未退款、未退库存，请核对后重试")
            } else {
                format!("The center refused to reverse the settlement {detail}: nothing refunded, no stock returned; check and try again")
            },
            E::RefundRefused { detail, unfinished_visit: true } => if zh {
                format!("医保中心拒绝撤销结算{detail}：该笔结算仍有效，请完成销售或联系医保经办机构")
            } else {
                format!("The center refused to reverse the settlement {detail}: it stands; complete the sale or contact the insurance office")
            },
            E::RefundUncertain { detail } => if zh {
                format!("医保撤销（2103）结果未知（{detail}）：尚未退款、未退库存。请稍后再次点击退费，系统会先查询结果，切勿手工退款")
            } else {
                format!("The reversal (2103) has an unknown outcome ({detail}): nothing refunded, no stock returned. Click refund again shortly (the outcome is queried first); never refund by hand")
            },
            E::PaymentRefundFailed { channel, detail } => if zh {
                format!("医保已撤销，但{}退款未成功：{detail}。请稍后再次点击退费（将继续退款，不会重复撤销医保）", channel.label_zh())
            } else {
                format!("The insurance part is reversed but the {channel:?} refund failed: {detail}. Click refund again shortly (it continues the refund and never reverses the insurance twice)")
            },
            E::RecoveryIncomplete => pick(
                "中断的结算缺少结算结果或调配明细",
                "The interrupted settlement lacks its result or its dispensing lines",
            ),
            E::RecoveryTotalDiffers => pick(
                "中断的结算金额与预结算不一致，不能按此完成销售",
                "The interrupted settlement's total differs from the pre-settlement: the sale cannot be completed from it",
            ),
            E::SettlementNotFoundYet { wait_secs } => if zh {
                format!("医保中心暂未查到该笔结算，但请求可能仍在途中：为防止重复扣费，请约 {wait_secs} 秒后再次点击“处理未知结算”确认（期间不要重新结算）")
            } else {
                format!("The center has not found the settlement yet, but the request may still be on its way: to avoid charging twice, click \"Resolve unknown settlement\" again in about {wait_secs} s (do not settle again meanwhile)")
            },
            E::Forbidden { detail } | E::Locked { detail } | E::RuleRefused { detail } => {
                detail.clone()
            }
            E::Store { detail } => if zh {
                format!("账本操作失败：{detail}。请重试；如仍失败请联系技术支持")
            } else {
                format!("The ledger operation failed: {detail}. Try again; contact support if it persists")
            },
            E::Visit(e) => if zh { e.message_zh() } else { e.to_string() },
            E::Dispense(e) => if zh { e.message_zh() } else { e.to_string() },
            E::Settlement(e) => if zh { e.message_zh() } else { e.to_string() },
            E::SettlementKind(e) => if zh { e.message_zh() } else { e.to_string() },
            E::NoOtcSale => pick(
                "没有进行中的非处方销售，请在非处方销售（F9）中开始新的销售（F4）",
                "No OTC sale in progress: start a new sale on the OTC screen (F9, then F4)",
            ),
            E::OtcLocked => pick(
                "该笔销售已提交结算，不能再修改商品；请完成收款，或先处理未知结算",
                "This sale was sent for settlement: the cart cannot change; finish the payment, or resolve the unknown settlement first",
            ),
            E::OtcUnknownProduct { query } => if zh {
                format!("本店药品目录中没有“{query}”，请核对后重新扫码或搜索")
            } else {
                format!("\"{query}\" is not in the pharmacy's catalogue: check it and scan or search again")
            },
            E::Otc(e) => if zh { e.message_zh() } else { e.to_string() },
        }
    }

    /// The variant's data for the window's catalogue (camelCase keys).
    pub fn params(&self) -> serde_json::Value {
        // A wrong e-voucher password: the tries left, when the terminal says.
        if let Self::Device(IdentityError::PasswordWrong {
            tries_left: Some(n),
        }) = self
        {
            return serde_json::json!({ "tries": n });
        }
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => serde_json::Value::Object(m),
            _ => serde_json::Value::Object(Default::default()),
        }
    }

    /// The shape that crosses to the window.
    pub fn to_wire(&self, lang: Lang) -> WireError {
        WireError {
            code: self.code().to_string(),
            message: self.message(lang),
            params: self.params(),
        }
    }

    /// A center failure while doing `action`.
    pub fn center(action: CenterAction, e: &CenterError) -> Self {
        match e {
            // Two counters on one terminal number (docs/decisions/0007): the
            // sentence says what to do; the request was not applied.
            CenterError::Rejected { code, message }
                if code == rxdesk_center::error::MSGID_IN_USE =>
            {
                Self::TerminalNoShared {
                    action,
                    message: message.clone(),
                }
            }
            CenterError::Rejected { code, message } => Self::CenterRejected {
                action,
                center_code: code.clone(),
                message: message.clone(),
            },
            CenterError::Transient(_) => Self::CenterUnavailable { action },
            CenterError::Uncertain(_) => Self::CenterUncertain { action },
            CenterError::Invalid(m) => Self::CenterInvalid {
                action,
                detail: m.clone(),
            },
        }
    }
}

/// A step error as the window receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireError {
    /// The stable code (docs/rules.md).
    pub code: String,
    /// The sentence in the user's language (the window's fallback).
    pub message: String,
    /// The variant's data, for the window's own sentence.
    pub params: serde_json::Value,
}

impl WireError {
    /// An error of the shell itself (no visit service, no session).
    pub fn other(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            params: serde_json::Value::Object(Default::default()),
        }
    }
}

impl From<VisitError> for StepError {
    fn from(e: VisitError) -> Self {
        Self::Visit(e)
    }
}

impl From<DispenseError> for StepError {
    fn from(e: DispenseError) -> Self {
        Self::Dispense(e)
    }
}

impl From<rxdesk_core::settle_kind::PlanError> for StepError {
    fn from(e: rxdesk_core::settle_kind::PlanError) -> Self {
        Self::SettlementKind(e)
    }
}

impl From<SettlementError> for StepError {
    fn from(e: SettlementError) -> Self {
        Self::Settlement(e)
    }
}

impl From<IdentityError> for StepError {
    fn from(e: IdentityError) -> Self {
        Self::Device(e)
    }
}

impl From<rxdesk_store::StoreError> for StepError {
    fn from(e: rxdesk_store::StoreError) -> Self {
        use rxdesk_store::StoreError as S;
        let detail = e.to_string();
        match e {
            // Already a sentence with what to do: a retry would not help.
            S::Forbidden { .. } => Self::Forbidden { detail },
            S::Locked { .. } => Self::Locked { detail },
            S::Rule(_) => Self::RuleRefused { detail },
            _ => Self::Store { detail },
        }
    }
}
