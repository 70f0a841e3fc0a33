//! What the counter screen shows: the serialized shapes of
//! `ui/src/lib/visit-api.ts` (serde camelCase), built from the visit.

use crate::desk::PrescriptionView;
use rxdesk_center::messages::AuthorisedRx;
use serde::Serialize;

/// The patient (ID number masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientView {
    /// Name.
    pub name: String,
    /// First 6 + last 4 of the ID number.
    pub certno_masked: String,
    /// 人员编号.
    pub psn_no: String,
    /// 险种 label.
    pub insutype_label: String,
    /// Personal account balance.
    pub balance: String,
    /// 代购 agent.
    pub agent_name: Option<String>,
    /// 代购: relationship to the patient (zh-CN).
    pub agent_relationship_zh: Option<String>,
    /// 代购: the agent's ID number, masked.
    pub agent_certno_masked: Option<String>,
    /// How the patient was identified (社保卡 …, 刷脸, 医保电子凭证).
    pub identified_via_zh: String,
}

/// E-voucher activation guidance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuidanceView {
    /// Heading.
    pub title_zh: String,
    /// Steps.
    pub steps_zh: Vec<String>,
    /// For the receipt printer.
    pub text: String,
}

/// One rule finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingView {
    /// Rule code.
    pub code: String,
    /// Rule title.
    pub title_zh: String,
    /// The sentence.
    pub message_zh: String,
    /// Stops the sale.
    pub blocks: bool,
    /// Drug line (0-based).
    pub line: Option<usize>,
}

/// One structured-vs-layout difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutDifferenceView {
    /// Field code.
    pub field: String,
    /// Field label.
    pub field_zh: String,
    /// Structured value.
    pub structured: String,
    /// Layout value.
    pub layout: String,
}

/// The rule report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesView {
    /// Anything blocks.
    pub blocks: bool,
    /// Findings.
    pub findings: Vec<FindingView>,
    /// Side by side.
    pub layout_differences: Vec<LayoutDifferenceView>,
    /// 自费 lines.
    pub self_pay_lines: Vec<usize>,
}

/// The audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    /// Pharmacist.
    pub pharmacist_name: String,
    /// "1" | "2" | "3".
    pub result: String,
    /// Label.
    pub result_zh: String,
    /// Opinion.
    pub opinion: String,
    /// Reviewer.
    pub reviewer_name: Option<String>,
    /// When (CST wire).
    pub at: String,
    /// The 7204 outbox row.
    pub upload_id: Option<i64>,
}

/// One scanned box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BoxView {
    /// Trace code.
    pub trace_code: Option<String>,
    /// Batch (fixmedins_bchno).
    pub batch: String,
    /// 生产批号.
    pub lotnum: String,
    /// Expiry.
    pub expy_end: String,
    /// Packs.
    pub quantity: String,
    /// 拆零.
    pub split: bool,
}

/// A prescription line while dispensing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DispenseLineView {
    /// Line (0-based).
    pub line: usize,
    /// 医保 code.
    pub med_list_codg: String,
    /// Name.
    pub name: String,
    /// Spec.
    pub spec: String,
    /// Unit.
    pub unit: String,
    /// Prescribed.
    pub prescribed: String,
    /// Dispensed so far.
    pub dispensed: String,
    /// Filled.
    pub done: bool,
    /// 自费.
    pub self_pay: bool,
    /// Boxes.
    pub boxes: Vec<BoxView>,
}

/// The settlement split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SplitView {
    /// Total.
    pub total: String,
    /// Fund.
    pub fund_pay: String,
    /// Personal account.
    pub account_pay: String,
    /// Cash.
    pub cash_pay: String,
    /// Plain words.
    pub explanation_zh: Vec<String>,
    /// Once settled.
    pub setl_id: Option<String>,
}

/// The self-paid part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    /// "cash" | "scan" | "none".
    pub method: String,
    /// Due.
    pub due: String,
    /// Tendered (cash).
    pub tendered: Option<String>,
    /// Change (cash).
    pub change: Option<String>,
    /// Paid.
    pub paid: bool,
}

/// The recorded sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleView {
    /// Sale row id.
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// Total.
    pub total: String,
    /// Receipt preview.
    pub receipt_text: String,
    /// Guidance PDF.
    pub guidance_pdf_path: Option<String>,
    /// Printer outcome.
    pub printed_zh: String,
    /// Outbox rows.
    pub upload_ids: Vec<i64>,
}

/// Everything the counter screen shows about the visit in progress.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitView {
    /// Correlation id.
    pub visit_id: String,
    /// State name (snake_case).
    pub state: String,
    /// State label.
    pub state_zh: String,
    /// Patient.
    pub patient: Option<PatientView>,
    /// Guidance.
    pub guidance: Option<GuidanceView>,
    /// 7202 list.
    pub listed: Vec<AuthorisedRx>,
    /// The opened prescription.
    pub prescription: Option<PrescriptionView>,
    /// Rules.
    pub rules: Option<RulesView>,
    /// Audit.
    pub audit: Option<AuditView>,
    /// Dispensing.
    pub dispensing: Vec<DispenseLineView>,
    /// Split.
    pub split: Option<SplitView>,
    /// Payment.
    pub payment: Option<PaymentView>,
    /// Sale.
    pub sale: Option<SaleView>,
    /// Why closed.
    pub closed_reason_zh: Option<String>,
    /// What to do now.
    pub next_step_zh: String,
    /// Restored at start-up: settled at the center before the program
    /// stopped, not completed (finish it, or a manager reverses it).
    pub recovered: bool,
    /// For a restored visit: the drugs settled (names from the catalogue,
    /// quantities and amounts from the 2102 that was sent), so the
    /// pharmacist knows which bag is this patient's. Empty otherwise.
    pub recovered_lines: Vec<RecoveredLineView>,
}

/// One drug of a settled, restored visit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveredLineView {
    /// Product name (the 医保 code when the catalogue no longer has it).
    pub name: String,
    /// Specification.
    pub spec: String,
    /// Quantity settled.
    pub quantity: String,
    /// Unit (盒…).
    pub unit: String,
    /// Amount settled for the line (yuan, 2 decimals).
    pub amount: String,
}

/// The outcome of one scan while dispensing.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanOutcome {
    /// Accepted.
    pub ok: bool,
    /// Outcome code.
    pub code: String,
    /// The sentence.
    pub message_zh: String,
    /// The visit after the scan.
    pub visit: VisitView,
}

/// The pharmacist on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShiftView {
    /// Name.
    pub pharmacist_name: String,
    /// Masked ID.
    pub certno_masked: String,
    /// CST wire.
    pub started_at: String,
}

/// One sale in history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleSummary {
    /// Sale row id.
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// CST wire.
    pub sold_at: String,
    /// 医保处方编号.
    pub hi_rxno: Option<String>,
    /// Patient.
    pub patient_name: String,
    /// Total.
    pub total: String,
    /// completed | refunded.
    pub state: String,
    /// 结算ID.
    pub setl_id: Option<String>,
    /// 代购: the agent, relationship and masked ID number.
    pub agent_zh: Option<String>,
}

/// A refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundView {
    /// The refunded sale.
    pub sale_id: i64,
    /// Outbox rows (3506…, 7208).
    pub upload_ids: Vec<i64>,
    /// Refund receipt preview.
    pub receipt_text: String,
    /// Printer outcome.
    pub printed_zh: String,
    /// The self-paid part given back, by method.
    pub returned: Vec<RefundMoneyView>,
}

/// Money given back at a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundMoneyView {
    /// `cash`, `wechat` or `alipay`.
    pub method: String,
    /// zh-CN name.
    pub method_zh: String,
    /// Amount.
    pub amount: String,
    /// The channel's transaction number (empty for cash).
    pub reference: String,
}
