//! What a receipt needs, as plain serde structs.
//!
//! The counter service maps its domain data (sale, settlement, dispensed lines,
//! prescription) to these; this crate only renders them. Keeping the input flat
//! and owned means a receipt can be reprinted from history without touching the
//! live domain types, and the UI can send the same JSON for a preview.
//! Money is `Amount`/`Price` (decimal), never `f64`; instants are UTC and shown
//! in China Standard Time.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rxdesk_core::{Amount, Price};
use serde::{Deserialize, Serialize};

/// The pharmacy as it must appear on paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreInfo {
    /// Store name, e.g. `康宁大药房（人民路店）`.
    pub name: String,
    /// 定点医药机构编号 (the insurance-designated pharmacy code).
    pub fixmedins_code: String,
    /// Address line, optional.
    #[serde(default)]
    pub address: Option<String>,
    /// Service phone for questions, optional.
    #[serde(default)]
    pub phone: Option<String>,
}

/// The prescription the sale was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionRef {
    /// 处方编号 (`hospRxno` / `rxTraceCode` as the counter shows it).
    pub rx_no: String,
    /// 开方医院 (prescribing institution name).
    pub hospital: String,
    /// 科室, optional.
    #[serde(default)]
    pub department: Option<String>,
    /// 开方医师, optional.
    #[serde(default)]
    pub doctor: Option<String>,
    /// Patient name; always masked when rendered (`张*`, `欧**娜`).
    pub patient_name: String,
    /// 代购: the agent who collected the drugs for the patient.
    #[serde(default)]
    pub agent: Option<AgentRef>,
}

/// A 代购 agent as printed: masked name, relationship, masked ID number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    /// Name; masked when rendered.
    pub name: String,
    /// Relationship to the patient (zh-CN).
    pub relationship_zh: String,
    /// ID number, already masked.
    pub certno_masked: String,
}

/// Insurance coverage class of a drug line (医保目录甲/乙类 or outside the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// 甲类: fully inside the policy scope.
    ClassA,
    /// 乙类: the patient first pays a share (先行自付), the rest is in scope.
    ClassB,
    /// 自费: outside the insurance list, paid entirely by the patient.
    SelfPaid,
    /// Not stated by the settlement.
    #[default]
    Unknown,
}

impl Coverage {
    /// Short label printed after the drug name (`甲`, `乙`, `自费`), if any.
    pub fn label_zh(self) -> Option<&'static str> {
        match self {
            Coverage::ClassA => Some("甲"),
            Coverage::ClassB => Some("乙"),
            Coverage::SelfPaid => Some("自费"),
            Coverage::Unknown => None,
        }
    }
}

/// Medication guidance for one dispensed line (ST-EPC-02-012).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MedicationGuidance {
    /// 单次剂量 as prescribed, e.g. `2粒`, `0.5g`.
    pub single_dose: String,
    /// 频次 in words, e.g. `一日3次`, `每晚睡前1次`.
    pub frequency: String,
    /// 给药途径, e.g. `口服`, `外用`.
    pub route: String,
    /// 用药天数, if the prescription states it.
    #[serde(default)]
    pub days: Option<u32>,
    /// 医嘱 / special instructions from the doctor, e.g. `饭后服用`.
    #[serde(default)]
    pub doctor_instructions: Option<String>,
    /// The line's own remarks as prescribed (e.g. 先煎, 睡前服).
    #[serde(default)]
    pub remarks: Vec<String>,
    /// 禁忌 (contraindications) the patient must know.
    #[serde(default)]
    pub contraindications: Vec<String>,
    /// 注意事项 / warnings (interactions, side effects, storage…).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One dispensed drug line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    /// Drug (generic) name, e.g. `阿莫西林胶囊`.
    pub drug_name: String,
    /// Specification, e.g. `0.25g*24粒`.
    pub spec: String,
    /// Quantity sold, in `unit`s (may be fractional for 拆零).
    pub quantity: Decimal,
    /// Sale unit, e.g. `盒`.
    pub unit: String,
    /// Unit price (`numeric(16,6)`).
    pub unit_price: Price,
    /// Line amount (`numeric(16,2)`), as settled.
    pub amount: Amount,
    /// 医保药品代码 (`med_list_codg`).
    pub med_list_code: String,
    /// Batch number (批号).
    pub batch: String,
    /// Expiry date (有效期至).
    pub expiry: NaiveDate,
    /// 药品追溯码 of the boxes handed over (empty for 无码 stock).
    #[serde(default)]
    pub trace_codes: Vec<String>,
    /// Coverage class, for the explanation of who paid what.
    #[serde(default)]
    pub coverage: Coverage,
    /// Guidance printed on the 用药指导单 (and summarised on the receipt).
    #[serde(default)]
    pub guidance: Option<MedicationGuidance>,
}

/// One component of the fund payment (职工统筹, 大病保险, 医疗救助…), optional detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundItem {
    /// Fund name in Chinese, as the settlement names it.
    pub name: String,
    /// Amount this fund paid.
    pub amount: Amount,
}

/// How the patient paid the self-paid part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum PaymentMethod {
    /// 现金.
    Cash,
    /// 微信支付.
    WeChat,
    /// 支付宝.
    Alipay,
    /// 银行卡.
    BankCard,
    /// Anything else, named.
    Other(String),
}

impl PaymentMethod {
    /// Name printed on the receipt.
    pub fn label_zh(&self) -> &str {
        match self {
            PaymentMethod::Cash => "现金",
            PaymentMethod::WeChat => "微信支付",
            PaymentMethod::Alipay => "支付宝",
            PaymentMethod::BankCard => "银行卡",
            PaymentMethod::Other(name) => name,
        }
    }
}

/// The settlement split as the center returned it (2102 / 2103).
///
/// Invariant checked before rendering: `total = fund_pay + account_pay + cash_pay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementSplit {
    /// 医疗费总额 (`medfee_sumamt`).
    pub total: Amount,
    /// 基金支付总额 (`fund_pay_sumamt`), 统筹 and other funds together.
    pub fund_pay: Amount,
    /// 个人账户支付 (`acct_pay`).
    pub account_pay: Amount,
    /// 个人现金支付 (`psn_cash_pay`): what the patient pays at the counter.
    pub cash_pay: Amount,
    /// Optional breakdown of `fund_pay`; when given it must add up to `fund_pay`.
    #[serde(default)]
    pub fund_items: Vec<FundItem>,
    /// 全自费金额 (`fulamt_ownpay_amt`): drugs outside the list.
    #[serde(default)]
    pub full_self_pay: Option<Amount>,
    /// 先行自付金额 (`preselfpay_amt`): the 乙类 share paid first by the patient.
    #[serde(default)]
    pub pre_self_pay: Option<Amount>,
    /// 实际支付起付线 (`act_pay_dedc`): deductible counted in this sale.
    #[serde(default)]
    pub deductible: Option<Amount>,
    /// 超限价自费 (`overlmt_selfpay`): above the reimbursement price limit.
    #[serde(default)]
    pub over_limit: Option<Amount>,
    /// 医疗类别 settled (`med_type`: 41, 11, 14, 1402), if known; names the
    /// kind of settlement on the receipt (`rxdesk_core::settle_kind`).
    #[serde(default)]
    pub med_type: Option<String>,
    /// 病种 of a 门慢特 / 双通道 settlement (`dise_codg` and name), if any.
    #[serde(default)]
    pub disease: Option<String>,
    /// Fund payment ratio inside the policy scope, in percent (e.g. `70`).
    #[serde(default)]
    pub fund_ratio_percent: Option<Decimal>,
    /// Personal-account balance after this settlement (`balc`), if known.
    #[serde(default)]
    pub account_balance_after: Option<Amount>,
    /// 结算 ID (`setl_id`) returned by the center.
    pub setl_id: String,
}

/// How the counter collected `cash_pay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Payment method of the self-paid part.
    pub method: PaymentMethod,
    /// Money handed over (cash only), optional.
    #[serde(default)]
    pub tendered: Option<Amount>,
    /// Change given back; when `tendered` is known it must equal `tendered - cash_pay`.
    #[serde(default)]
    pub change: Option<Amount>,
}

/// Everything a sale receipt (and its 用药指导单) prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleReceipt {
    /// The pharmacy.
    pub store: StoreInfo,
    /// Local sale id; also encoded in the QR code.
    pub sale_id: String,
    /// When the sale was settled.
    pub settled_at: DateTime<Utc>,
    /// Cashier / operator name.
    pub operator: String,
    /// Auditing (and dispensing) pharmacist name.
    pub pharmacist: String,
    /// The prescription.
    pub prescription: PrescriptionRef,
    /// Dispensed lines.
    pub lines: Vec<ReceiptLine>,
    /// Insurance split.
    pub settlement: SettlementSplit,
    /// How the self-paid part was paid.
    pub payment: Payment,
    /// Set when printed again from history (`重印`), with the reprint time.
    #[serde(default)]
    pub reprinted_at: Option<DateTime<Utc>>,
}

/// Everything a refund receipt (退费凭证) prints.
///
/// Amounts are given as the (non-negative) sums that were returned; the receipt
/// prints them with a minus sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundReceipt {
    /// The pharmacy.
    pub store: StoreInfo,
    /// Local refund id; also encoded in the QR code.
    pub refund_id: String,
    /// The refunded sale's id.
    pub original_sale_id: String,
    /// `setl_id` of the reversed settlement.
    pub original_setl_id: String,
    /// When the original sale was settled.
    pub original_settled_at: DateTime<Utc>,
    /// When the refund (2103 冲销) was done.
    pub refunded_at: DateTime<Utc>,
    /// Operator doing the refund.
    pub operator: String,
    /// The manager who authorised the refund at the operator's session
    /// (店长授权), if it was authorised there.
    pub authorised_by: Option<String>,
    /// Reason given for the refund.
    pub reason: String,
    /// The prescription.
    pub prescription: PrescriptionRef,
    /// Lines returned (whole prescription only).
    pub lines: Vec<ReceiptLine>,
    /// Amounts returned, per payer (`setl_id` is the refund's own settlement id, if any).
    pub settlement: SettlementSplit,
    /// How the cash part was given back.
    pub refund_method: PaymentMethod,
}

/// The printable guidance for a patient whose 医保电子凭证 is not activated or whose
/// password failed (ST-EPC-02-001).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EVoucherGuide {
    /// The pharmacy.
    pub store: StoreInfo,
    /// When printed.
    pub printed_at: DateTime<Utc>,
    /// Why the guide is printed (not activated / password failed), selects the emphasis.
    pub reason: EVoucherGuideReason,
    /// A help address the store wants encoded as a QR code, if configured.
    #[serde(default)]
    pub help_url: Option<String>,
}

/// Why the e-voucher guide is handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EVoucherGuideReason {
    /// The e-voucher has never been activated.
    NotActivated,
    /// The password was wrong, locked or never set.
    PasswordProblem,
}
