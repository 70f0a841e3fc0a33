//! # rxdesk-sync — the chain sync protocol, one owner per shape
//!
//! Why this crate exists: a counter (SQLite, `rxdesk-store`) and head office
//! (PostgreSQL, `rxdesk-hq` over `rxdesk-chain`) exchange the same records.
//! Each record and message is defined here once, so the two ends cannot
//! drift, and neither end has to link the other's database driver.
//!
//! The model (docs/decisions/0017-chain-storage-and-sync.md, ARCHITECTURE.md
//! "Chain"):
//! - **One owner per record.** A counter owns what it writes (sales, their
//!   lines, trace codes, settlements, payments, refunds, goods-in, boxes,
//!   stock changes, stock-takes, upload states, reconciliations, till
//!   shifts). Head office owns central data (products and prices) and
//!   forwards transfer documents to the receiving store (and its receipt,
//!   the paired `in` document, back to the sender).
//! - **Record ids are UUIDs derived from the owner** ([`record_id`]): the
//!   same local row always maps to the same id, so a re-push after a crash
//!   is an upsert of identical data, never a second record.
//! - **Push, then pull.** A site pushes its changelog in batches after its
//!   push cursor; head office integrates each batch atomically and answers
//!   with the records it blocked ([`IntegrationIssue`]); the site then pulls
//!   what head office's changelog holds for it after its pull cursor, never
//!   its own records back.
//!
//! **Invariant:** pure data and serde; no I/O, no storage, no transport.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The protocol version a site speaks; head office accepts a window of them.
pub const PROTOCOL_VERSION: u32 = 1;

/// The header carrying the site's machine id (its token is bound to it).
pub const MACHINE_HEADER: &str = "X-RxDesk-Machine";
/// The header carrying the site's protocol version on calls without a body
/// (`GET /v1/sync/status`).
pub const PROTOCOL_HEADER: &str = "X-RxDesk-Protocol";

/// Records per push batch (Open mSupply pushes 1,024, pulls 500).
pub const PUSH_BATCH: usize = 500;
/// Records per pull page.
pub const PULL_PAGE: usize = 500;

/// The namespace of RxDesk's derived record ids (a random v4, fixed forever).
pub const RECORD_NAMESPACE: Uuid = Uuid::from_u128(0x5f1c_2b7e_9a44_4c0e_b1d3_6e0a_7c52_91f8);

/// The id of the row `local_id` of `table` owned by `site`: stable across
/// pushes, distinct across sites and tables.
pub fn record_id(site: Uuid, table: Table, local_id: i64) -> Uuid {
    let name = format!("{site}/{}/{local_id}", table.as_str());
    Uuid::new_v5(&RECORD_NAMESPACE, name.as_bytes())
}

/// Every table that crosses between sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// A sale (prescription or OTC), owned by its counter.
    Sale,
    /// A line of a sale.
    SaleLine,
    /// A box's trace code on a sale line.
    TraceCode,
    /// The 医保 settlement of a sale (one per sale).
    Settlement,
    /// A payment taken for a sale (cash, WeChat, Alipay).
    SalePayment,
    /// A refund of a sale.
    Refund,
    /// A goods-in or purchase-return document.
    GoodsDoc,
    /// A stock batch (lot).
    StockBatch,
    /// A received box and its state.
    StockBox,
    /// A loss, surplus, transfer or write-off.
    StockChange,
    /// A stock-take.
    StockTake,
    /// The state of an upload to the 医保 center (no payload, no personal data).
    UploadState,
    /// A daily reconciliation (3201/3202) and its outcome.
    Reconciliation,
    /// A till shift (opened, closed, counted).
    TillShift,
    /// A stock transfer between two stores (调拨), created by its owner.
    Transfer,
    /// Central: a product of the chain's catalogue with its price.
    Product,
}

impl Table {
    /// Every table, in integration order (parents before children).
    pub const ALL: [Table; 16] = [
        Table::Product,
        Table::TillShift,
        Table::GoodsDoc,
        Table::StockBatch,
        Table::StockBox,
        Table::Sale,
        Table::SaleLine,
        Table::TraceCode,
        Table::Settlement,
        Table::SalePayment,
        Table::Refund,
        Table::StockChange,
        Table::StockTake,
        Table::UploadState,
        Table::Reconciliation,
        Table::Transfer,
    ];

    /// The wire and storage name (`snake_case`).
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Sale => "sale",
            Table::SaleLine => "sale_line",
            Table::TraceCode => "trace_code",
            Table::Settlement => "settlement",
            Table::SalePayment => "sale_payment",
            Table::Refund => "refund",
            Table::GoodsDoc => "goods_doc",
            Table::StockBatch => "stock_batch",
            Table::StockBox => "stock_box",
            Table::StockChange => "stock_change",
            Table::StockTake => "stock_take",
            Table::UploadState => "upload_state",
            Table::Reconciliation => "reconciliation",
            Table::TillShift => "till_shift",
            Table::Transfer => "transfer",
            Table::Product => "product",
        }
    }

    /// Parses [`Table::as_str`].
    pub fn parse(s: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Rows of this table carry money or trace codes: a failure to integrate
    /// one blocks its batch and is shown to the manager, never skipped.
    pub fn is_money_or_trace(self) -> bool {
        matches!(
            self,
            Table::Sale
                | Table::SaleLine
                | Table::TraceCode
                | Table::Settlement
                | Table::SalePayment
                | Table::Refund
                | Table::StockBox
                | Table::Transfer
        )
    }

    /// Central data: owned by head office, flows down only.
    pub fn is_central(self) -> bool {
        matches!(self, Table::Product)
    }
}

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    /// Inserted or changed: the payload is the whole record now.
    Upsert,
    /// Removed by its owner (rare: a 3507 withdrawal, a product retired).
    Delete,
}

/// One record as it crosses: who owns it, what it is, and the whole row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRecord {
    /// [`record_id`] of the owner's row.
    pub record_id: Uuid,
    /// The site that owns (and wrote) the record.
    pub source_site: Uuid,
    /// The store (its 12-character 定点医药机构编码) the record belongs to;
    /// empty for chain-wide central data.
    pub store_code: String,
    /// What happened.
    pub action: RowAction,
    /// The record itself (its table is the tag); absent for a delete.
    pub data: Option<RecordData>,
    /// For a delete, which table (a delete carries no data).
    pub table: Table,
}

/// The typed body of each table's record. Money is decimal text, times are
/// Unix milliseconds (UTC), quantities are ten-thousandths (`qty_e4`) as in
/// the ledger. No record carries a patient's name, ID number or `psn_no`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "table", rename_all = "snake_case")]
pub enum RecordData {
    /// See [`Sale`].
    Sale(Sale),
    /// See [`SaleLine`].
    SaleLine(SaleLine),
    /// See [`TraceCode`].
    TraceCode(TraceCode),
    /// See [`Settlement`].
    Settlement(Settlement),
    /// See [`SalePayment`].
    SalePayment(SalePayment),
    /// See [`Refund`].
    Refund(Refund),
    /// See [`GoodsDoc`].
    GoodsDoc(GoodsDoc),
    /// See [`StockBatch`].
    StockBatch(StockBatch),
    /// See [`StockBox`].
    StockBox(StockBox),
    /// See [`StockChange`].
    StockChange(StockChange),
    /// See [`StockTake`].
    StockTake(StockTake),
    /// See [`UploadState`].
    UploadState(UploadState),
    /// See [`Reconciliation`].
    Reconciliation(Reconciliation),
    /// See [`TillShift`].
    TillShift(TillShift),
    /// See [`Transfer`].
    Transfer(Transfer),
    /// See [`Product`].
    Product(Product),
}

impl RecordData {
    /// The table this record belongs to.
    pub fn table(&self) -> Table {
        match self {
            RecordData::Sale(_) => Table::Sale,
            RecordData::SaleLine(_) => Table::SaleLine,
            RecordData::TraceCode(_) => Table::TraceCode,
            RecordData::Settlement(_) => Table::Settlement,
            RecordData::SalePayment(_) => Table::SalePayment,
            RecordData::Refund(_) => Table::Refund,
            RecordData::GoodsDoc(_) => Table::GoodsDoc,
            RecordData::StockBatch(_) => Table::StockBatch,
            RecordData::StockBox(_) => Table::StockBox,
            RecordData::StockChange(_) => Table::StockChange,
            RecordData::StockTake(_) => Table::StockTake,
            RecordData::UploadState(_) => Table::UploadState,
            RecordData::Reconciliation(_) => Table::Reconciliation,
            RecordData::TillShift(_) => Table::TillShift,
            RecordData::Transfer(_) => Table::Transfer,
            RecordData::Product(_) => Table::Product,
        }
    }
}

/// A sale (`sales`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sale {
    /// 零售单据号, unique per store (the terminal number is part of it).
    pub rtal_docno: String,
    /// The prescription's 医保处方编号, empty for an OTC sale.
    pub hi_rxno: String,
    /// The operator's login (工号).
    pub operator: String,
    /// When sold.
    pub sold_at: i64,
    /// Total of the lines.
    pub total: Decimal,
    /// `completed` or `refunded`.
    pub state: String,
    /// The till shift it was taken in, if any.
    pub till_shift: Option<Uuid>,
}

/// A line of a sale (`sale_lines`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaleLine {
    /// The sale.
    pub sale: Uuid,
    /// 定点医药机构目录编号 of the product.
    pub fixmedins_hilist_id: String,
    /// 医疗目录编码.
    pub med_list_codg: String,
    /// The batch sold from.
    pub batch: Uuid,
    /// Packs ×10⁴.
    pub qty_e4: i64,
    /// Unit price.
    pub price: Decimal,
    /// Line amount.
    pub amount: Decimal,
    /// 拆零: `"1"` when sold by the split unit.
    pub trdn_flag: String,
}

/// A box's trace code on a sale line (`trace_codes`): a code is sold once
/// until returned, across the whole chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceCode {
    /// The sale line.
    pub sale_line: Uuid,
    /// The 20-digit 追溯码.
    pub code: String,
    /// Given back by a refund.
    pub returned: bool,
}

/// A 医保 settlement (`settlements`): one per sale, one sale per `setl_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// The sale.
    pub sale: Uuid,
    /// The center's 结算ID.
    pub setl_id: String,
    /// 就诊ID.
    pub mdtrt_id: String,
    /// 医疗费总额.
    pub medfee_sumamt: Decimal,
    /// 基金支付总额.
    pub fund_pay_sumamt: Decimal,
    /// 个人负担总金额.
    pub psn_part_amt: Decimal,
    /// 个人账户支出.
    pub acct_pay: Decimal,
    /// 个人现金支出.
    pub psn_cash_pay: Decimal,
    /// 险种类型 (insutype), if known.
    pub insutype: String,
    /// When settled.
    pub setl_time: i64,
}

/// A payment taken (`sale_payments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalePayment {
    /// The sale.
    pub sale: Uuid,
    /// `cash`, `wechat` or `alipay`.
    pub method: String,
    /// Amount taken.
    pub amount: Decimal,
    /// The channel's transaction number.
    pub reference: String,
}

/// A refund (`refunds`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    /// The sale refunded.
    pub sale: Uuid,
    /// The operator's login.
    pub operator: String,
    /// Why.
    pub reason: String,
    /// When.
    pub refunded_at: i64,
}

/// A goods-in or purchase-return document (`goods_docs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoodsDoc {
    /// 商品采购流水号.
    pub doc_no: String,
    /// `receipt` or `return`.
    pub kind: String,
    /// Supplier name.
    pub supplier: String,
    /// Invoice number.
    pub invoice_no: String,
    /// The operator's login.
    pub operator: String,
    /// When.
    pub at: i64,
}

/// A stock batch (`stock_batches`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockBatch {
    /// 定点医药机构目录编号 of the product.
    pub fixmedins_hilist_id: String,
    /// 定点医药机构批次流水号.
    pub fixmedins_bchno: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// yyyy-MM-dd.
    pub manu_date: String,
    /// yyyy-MM-dd.
    pub expy_end: String,
    /// Packs ×10⁴ on hand.
    pub qty_e4: i64,
}

/// A received box (`stock_boxes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockBox {
    /// The 20-digit 追溯码.
    pub code: String,
    /// The batch.
    pub batch: Uuid,
    /// The goods-in document.
    pub doc: Uuid,
    /// in_stock, opened, sold, returned, lost, written_off, transferred.
    pub state: String,
    /// Packs ×10⁴ left.
    pub remaining_e4: i64,
    /// When it last changed.
    pub changed_at: i64,
}

/// A loss, surplus, transfer or write-off (`stock_changes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockChange {
    /// loss, surplus, transfer_in, transfer_out, expired.
    pub kind: String,
    /// The batch.
    pub batch: Uuid,
    /// Packs ×10⁴.
    pub qty_e4: i64,
    /// The boxes' trace codes.
    pub codes: Vec<String>,
    /// Why.
    pub reason: String,
    /// The operator's login.
    pub operator: String,
    /// When.
    pub at: i64,
}

/// A stock-take (`stock_takes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockTake {
    /// Codes scanned.
    pub counted: i64,
    /// In stock per the ledger, not found.
    pub missing: Vec<String>,
    /// Found, not in stock per the ledger.
    pub unexpected: Vec<String>,
    /// The operator's login.
    pub operator: String,
    /// When.
    pub at: i64,
}

/// The state of one upload to the 医保 center (`uploads`), without its
/// payload or answer (they may carry personal data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadState {
    /// The message id.
    pub msgid: String,
    /// The 交易编号 (7204, 3505, …).
    pub op: String,
    /// What it is about (`sale`, `refund`, …).
    pub ref_kind: String,
    /// The record it is about, if that record crosses too.
    pub ref_record: Option<Uuid>,
    /// pending, sending, uncertain, done, rejected, voided.
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The center's rejection code, if rejected.
    pub reject_code: String,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
}

/// A daily reconciliation (`reconciliations`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reconciliation {
    /// yyyy-MM-dd (China Standard Time).
    pub day: String,
    /// balanced, differences, failed.
    pub outcome: String,
    /// The differences in words.
    pub summary: String,
    /// The operator's login.
    pub operator: String,
    /// When.
    pub at: i64,
}

/// A till shift (`till_shifts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TillShift {
    /// Who opened it.
    pub opened_by: String,
    /// When.
    pub opened_at: i64,
    /// 备用金.
    pub float_amount: Decimal,
    /// When closed, if closed.
    pub closed_at: Option<i64>,
    /// Counted cash − expected cash, when closed.
    pub cash_difference: Option<Decimal>,
}

/// A stock transfer between stores (调拨). The sending store's site creates
/// the `out` document; head office forwards it to the receiving store, whose
/// site creates the paired `in` document naming it in `originating`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    /// `out` (created by the sender) or `in` (created by the receiver).
    pub direction: String,
    /// The transfer's number (the sender's).
    pub doc_no: String,
    /// The sending store's code.
    pub from_store: String,
    /// The receiving store's code.
    pub to_store: String,
    /// For an `in` document, the `out` document it answers.
    pub originating: Option<Uuid>,
    /// The boxes moved.
    pub lines: Vec<TransferLine>,
    /// `sent`, `received`.
    pub state: String,
    /// The operator's login.
    pub operator: String,
    /// When.
    pub at: i64,
    /// Who received the boxes (the receiving counter's login); empty while
    /// `sent`. The sender copies it from the paired `in` document.
    #[serde(default)]
    pub received_by: String,
    /// When the boxes were received (Unix ms); `None` while `sent`.
    #[serde(default)]
    pub received_at: Option<i64>,
}

/// One box of a transfer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferLine {
    /// 定点医药机构目录编号 of the product.
    pub fixmedins_hilist_id: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// yyyy-MM-dd.
    pub manu_date: String,
    /// yyyy-MM-dd.
    pub expy_end: String,
    /// The 20-digit 追溯码.
    pub code: String,
    /// Packs ×10⁴.
    pub qty_e4: i64,
}

/// Central: a product of the chain's catalogue (`drugs`), with its price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// 定点医药机构目录编号.
    pub fixmedins_hilist_id: String,
    /// 医疗目录编码.
    pub med_list_codg: String,
    /// Name.
    pub name: String,
    /// Generic name.
    pub genname: String,
    /// Dosage form.
    pub dosform: String,
    /// Specification.
    pub spec: String,
    /// Unit.
    pub unit: String,
    /// Manufacturer.
    pub prdr_name: String,
    /// 批准文号.
    pub aprvno: String,
    /// `"1"` prescription-only.
    pub rx_flag: String,
    /// Retail price.
    pub price: Decimal,
    /// Still sold.
    pub active: bool,
}

/// A site asks to join the chain (once, with a registration code the chain
/// manager issued for that store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// The store's 12-character 定点医药机构编码.
    pub store_code: String,
    /// The counter's terminal number within the store.
    pub counter_no: u16,
    /// A stable id of this machine (the token is bound to it).
    pub machine_id: String,
    /// The site's protocol version.
    pub protocol_version: u32,
    /// The registration code issued by head office for the store.
    pub registration_code: String,
}

/// Head office's answer to a registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterResponse {
    /// The site's id (the namespace of its record ids).
    pub site_id: Uuid,
    /// The bearer token for every later call, bound to `machine_id`.
    pub token: String,
}

/// A batch of the site's changelog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The site pushing.
    pub site_id: Uuid,
    /// The site's protocol version.
    pub protocol_version: u32,
    /// The highest local changelog cursor in this batch (the site advances
    /// its push cursor to it once head office accepted the batch).
    pub up_to_cursor: i64,
    /// The records, parents before children.
    pub records: Vec<SyncRecord>,
}

/// Head office's answer to a push: the batch was integrated in one
/// transaction, or not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Records integrated (upserts of identical data count too).
    pub integrated: u64,
    /// Records that could not be integrated; non-empty means nothing of
    /// the batch was integrated. Head office (`rxdesk-hq`) answers a refused
    /// batch with HTTP 409 and a [`SyncRefusal`] `batch_refused` carrying
    /// these issues, so on HTTP 200 this is always empty.
    pub issues: Vec<IntegrationIssue>,
}

/// A record head office could not integrate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationIssue {
    /// The record.
    pub record_id: Uuid,
    /// Its table.
    pub table: Table,
    /// A stable code (`trace_code_sold_twice`, `settlement_has_two_sales`,
    /// `not_owner`, `unknown_parent`, …).
    pub code: String,
    /// What happened, in English, for the log and head office's views.
    pub message: String,
    /// The refusal's particulars, so the counter words it in its own
    /// language (stable keys per code). For `trace_code_sold_twice`:
    /// `trace_code` (in full: the counter masks it where it shows it),
    /// `store_code` and `counter_no` of the sale that already holds the box.
    /// Empty, and absent on the wire, for codes without particulars (an
    /// older head office sends none: the counter then shows the code's
    /// general words).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, String>,
}

/// Ask for what head office holds for this site after a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    /// The site pulling.
    pub site_id: Uuid,
    /// The site's protocol version.
    pub protocol_version: u32,
    /// Head office's changelog cursor the site has integrated up to.
    pub after_cursor: i64,
    /// At most this many records.
    pub limit: u32,
}

/// A page of head office's changelog for this site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// The records, in cursor order.
    pub records: Vec<SyncRecord>,
    /// The cursor to ask after next time.
    pub next_cursor: i64,
    /// More records wait after `next_cursor`.
    pub more: bool,
}

/// A refusal of a sync call, as head office answers it (HTTP 4xx/5xx body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRefusal {
    /// A stable code: `unknown_site`, `bad_token`, `machine_mismatch`,
    /// `version_too_old`, `version_too_new`, `bad_registration_code`,
    /// `batch_refused`, `malformed`.
    pub code: String,
    /// What happened, in English, for the log and the support person.
    pub message: String,
    /// For `batch_refused` (HTTP 409 to a push): the records that stopped
    /// the batch; nothing of it was integrated. Empty (and absent on the
    /// wire) for every other refusal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<IntegrationIssue>,
}

/// A site's own sync state at head office (`GET /v1/sync/status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteStatus {
    /// The site.
    pub site_id: Uuid,
    /// Its store.
    pub store_code: String,
    /// Its terminal number.
    pub counter_no: u16,
    /// Last accepted push (Unix ms), if any.
    pub last_push_at: Option<i64>,
    /// Last pull (Unix ms), if any.
    pub last_pull_at: Option<i64>,
    /// The cursor of its last pull.
    pub last_pull_cursor: i64,
    /// Records waiting at head office for it after that cursor.
    pub backlog: i64,
    /// The last refusal of its pushes, empty once a push was accepted.
    pub last_error: String,
    /// Its unresolved integration issues (blocked records).
    pub issues: Vec<IntegrationIssue>,
}

/// Errors of reading a sync message.
#[derive(Debug, thiserror::Error)]
pub enum SyncParseError {
    /// The JSON is not a message of this protocol.
    #[error("malformed sync message: {0}")]
    Malformed(#[from] serde_json::Error),
}

/// Parses a push request from its JSON body.
pub fn parse_push(body: &[u8]) -> Result<PushRequest, SyncParseError> {
    Ok(serde_json::from_slice(body)?)
}

/// Parses a pull response from its JSON body.
pub fn parse_pull_response(body: &[u8]) -> Result<PullResponse, SyncParseError> {
    Ok(serde_json::from_slice(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn record_ids_are_stable_and_distinct() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(record_id(a, Table::Sale, 7), record_id(a, Table::Sale, 7));
        assert_ne!(record_id(a, Table::Sale, 7), record_id(b, Table::Sale, 7));
        assert_ne!(record_id(a, Table::Sale, 7), record_id(a, Table::Refund, 7));
        assert_ne!(record_id(a, Table::Sale, 7), record_id(a, Table::Sale, 8));
    }

    #[test]
    fn every_table_round_trips_its_name() {
        for t in Table::ALL {
            assert_eq!(Table::parse(t.as_str()), Some(t));
        }
        assert_eq!(Table::parse("sales"), None);
    }

    #[test]
    fn a_record_round_trips_with_its_table_as_tag() {
        let r = SyncRecord {
            record_id: Uuid::from_u128(3),
            source_site: Uuid::from_u128(4),
            store_code: "P11010500001".into(),
            action: RowAction::Upsert,
            table: Table::SalePayment,
            data: Some(RecordData::SalePayment(SalePayment {
                sale: Uuid::from_u128(5),
                method: "cash".into(),
                amount: "12.30".parse().unwrap(),
                reference: String::new(),
            })),
        };
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"table\":\"sale_payment\""), "{json}");
        assert!(json.contains("\"amount\":\"12.30\""), "{json}");
        let back: SyncRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }

    proptest! {
        #[test]
        fn any_bytes_parse_to_a_message_or_an_error(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_push(&body);
            let _ = parse_pull_response(&body);
        }
    }
}
