//! Inventory box by box: goods-in (采购入库, 3503), purchase returns (3504),
//! stock changes (报损 / 报溢 / 调拨 / 过期销毁, 3502), stock-takes (盘存,
//! 3501), deleting a wrong upload (3507), and the look-ups the counter and
//! the manager need (a box by its trace code, the stock list with batches
//! and codes, the near-expiry list).
//!
//! Why it exists: since the trace-code rules, a box's 20-digit code is the
//! unit of truth. A box enters the ledger only through a goods-in document
//! (or the counted surplus of a stock-take), and the counter refuses to sell
//! a code that is not a received box in stock. Every write here records its
//! change and its typed upload rows in one transaction, like the sale
//! ledger (`ledger.rs`): the outbox delivers them exactly once.
//!
//! Every stock-side upload of a batch (3503, 3504, 3501, 3502, 3507) is on
//! the outbox chain `stock:<fixmedins_bchno>`, so a delete (3507) or a
//! return never overtakes the purchase it refers to.
//!
//! Quantities: a batch holds packs (`stock_batches.qty_e4`); a box holds
//! `remaining_e4` packs ×10⁴ (10000 a whole box, less once opened for 拆零).

use crate::error::{Result, StoreError};
use crate::operators::{wire_time, Permission};
use crate::{auditlog, Session, Store};
use rusqlite::{params, OptionalExtension, Transaction};
use rust_decimal::Decimal;
use rxdesk_core::Price;
use rxdesk_wire::messages::{
    infno, inv_chg_type, DrugTrace, InventoryDeleteData, InventoryDeleteInput, PurchaseInfo,
    PurchaseInput, PurchaseReturnInfo, PurchaseReturnInput, StockChangeInfo, StockChangeInput,
    StockPublishInput, StockPublishItem, StockTakeInfo, StockTakeInput,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// A whole box in `remaining_e4`.
pub const WHOLE_BOX_E4: i64 = 10_000;

/// Why an inventory write was refused. Each has a stable code
/// (`docs/rules.md`, "Inventory") and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    /// Supplier or invoice number missing.
    #[error(
        "入库单须填写供应商和发票号 / a goods-in document needs a supplier and an invoice number"
    )]
    DocumentIncomplete,
    /// A document without lines or a line without boxes.
    #[error("入库单没有药盒：每一行须扫描每盒的追溯码 / no boxes: scan every box's trace code")]
    NoBoxes,
    /// The product is not in the catalogue.
    #[error("目录中没有药品 {0}，请先维护药品目录 / product {0} is not in the catalogue")]
    UnknownProduct(String),
    /// A trace code is not 20 digits.
    #[error("追溯码 {0} 不是20位数字，请重新扫描 / trace code {0} is not 20 digits")]
    BadCode(String),
    /// A trace code does not carry the product's 7-digit prefix.
    #[error("追溯码 {code} 的药品标识码不是 {name} 的（应以 {prefix} 开头），请核对药盒 / trace code {code} does not belong to {name}")]
    WrongProduct {
        /// The code.
        code: String,
        /// The product's name.
        name: String,
        /// Its prefix.
        prefix: String,
    },
    /// The same code twice in one document.
    #[error("追溯码 {0} 在本单中重复扫描 / trace code {0} scanned twice in this document")]
    DuplicateInDocument(String),
    /// The code is already a box of this pharmacy.
    #[error("追溯码 {code} 已入库（当前状态：{state}），同一盒药不能重复入库 / trace code {code} was already received ({state})")]
    AlreadyReceived {
        /// The code.
        code: String,
        /// Its state now.
        state: String,
    },
    /// Dates missing or expiry before manufacture.
    #[error("批次 {0} 的生产日期或有效期无效 / batch {0}: bad manufacture or expiry date")]
    BadDates(String),
    /// The code is not a received box in stock.
    #[error("追溯码 {code} 不是本店在库药盒（{why}）/ trace code {code} is not a box in stock")]
    NotInStock {
        /// The code.
        code: String,
        /// Where it is (未入库 / 已售出 / 已退货 …).
        why: String,
    },
    /// A reason is required.
    #[error("请填写原因 / a reason is required")]
    ReasonMissing,
    /// A 3507 data type outside 1–4.
    #[error(
        "进销存数据类型 {0} 无效（1 盘存 2 库存变更 3 采购 4 销售）/ inv_data_type {0} is not 1–4"
    )]
    BadDataType(String),
}

impl InventoryError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DocumentIncomplete => "INVENTORY_DOCUMENT_INCOMPLETE",
            Self::NoBoxes => "INVENTORY_NO_BOXES",
            Self::UnknownProduct(_) => "INVENTORY_UNKNOWN_PRODUCT",
            Self::BadCode(_) => "INVENTORY_BAD_CODE",
            Self::WrongProduct { .. } => "INVENTORY_WRONG_PRODUCT",
            Self::DuplicateInDocument(_) => "INVENTORY_DUPLICATE_IN_DOCUMENT",
            Self::AlreadyReceived { .. } => "INVENTORY_ALREADY_RECEIVED",
            Self::BadDates(_) => "INVENTORY_BAD_DATES",
            Self::NotInStock { .. } => "INVENTORY_NOT_IN_STOCK",
            Self::ReasonMissing => "INVENTORY_REASON_MISSING",
            Self::BadDataType(_) => "INVENTORY_BAD_DATA_TYPE",
        }
    }
}

/// Every [`InventoryError`] code (docs/rules.md, tests).
pub const INVENTORY_CODES: &[&str] = &[
    "INVENTORY_DOCUMENT_INCOMPLETE",
    "INVENTORY_NO_BOXES",
    "INVENTORY_UNKNOWN_PRODUCT",
    "INVENTORY_BAD_CODE",
    "INVENTORY_WRONG_PRODUCT",
    "INVENTORY_DUPLICATE_IN_DOCUMENT",
    "INVENTORY_ALREADY_RECEIVED",
    "INVENTORY_BAD_DATES",
    "INVENTORY_NOT_IN_STOCK",
    "INVENTORY_REASON_MISSING",
    "INVENTORY_BAD_DATA_TYPE",
];

/// The zh-CN word for a box state.
pub fn box_state_zh(state: &str) -> &'static str {
    match state {
        "in_stock" => "在库",
        "opened" => "已拆零",
        "sold" => "已售出",
        "returned" => "已退供应商",
        "lost" => "已报损",
        "written_off" => "已过期销毁",
        "transferred" => "已调出",
        _ => "未入库",
    }
}

/// A carton scanned at goods-in: its code and the boxes the supplier's
/// 关联码 list says it holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Carton {
    /// The carton's code.
    pub code: String,
    /// The boxes' 20-digit trace codes.
    pub boxes: Vec<String>,
}

/// One line of a goods-in document: one product batch and its boxes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GoodsInLine {
    /// The product (定点医药机构目录编号).
    pub fixmedins_hilist_id: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// 生产日期 `yyyy-MM-dd`.
    pub manu_date: String,
    /// 有效期止 `yyyy-MM-dd`.
    pub expy_end: String,
    /// Purchase price per pack.
    pub purchase_price: Price,
    /// Each box's trace code, scanned one by one.
    pub boxes: Vec<String>,
    /// Cartons received by their 关联码 list.
    pub cartons: Vec<Carton>,
}

/// A goods-in document (采购入库单).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GoodsIn {
    /// 供应商名称.
    pub supplier: String,
    /// 供应商许可证号.
    pub supplier_permit: String,
    /// 发票代码.
    pub invoice_code: String,
    /// 发票号.
    pub invoice_no: String,
    /// The lines.
    pub lines: Vec<GoodsInLine>,
}

/// What a goods-in or return wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoodsDoc {
    /// Document row id.
    pub id: i64,
    /// 商品采购流水号.
    pub doc_no: String,
    /// Boxes received or returned.
    pub boxes: usize,
    /// Batches (`fixmedins_bchno`) touched, one upload each.
    pub batches: Vec<String>,
    /// Outbox rows queued (3503 or 3504), one per batch.
    pub uploads: Vec<i64>,
}

/// One received box as the counter sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockBox {
    /// The trace code.
    pub code: String,
    /// Drug row id.
    pub drug_id: i64,
    /// Batch row id.
    pub batch_id: i64,
    /// 定点医药机构批次流水号.
    pub fixmedins_bchno: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// 有效期止.
    pub expy_end: String,
    /// `in_stock`, `opened`, `sold`, `returned`, `lost`, `written_off`, `transferred`.
    pub state: String,
    /// Packs left in the box (1 whole, less once opened).
    pub remaining: Decimal,
    /// The carton it came in, if received by carton.
    pub carton_code: String,
}

impl StockBox {
    /// On the shelf (whole or opened).
    pub fn in_stock(&self) -> bool {
        self.state == "in_stock" || self.state == "opened"
    }
}

/// Kinds of stock change (3502).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ChangeKind {
    /// 报损 (lost or damaged).
    Loss,
    /// 报溢: a box found that the ledger had written off as lost.
    Surplus,
    /// 调拨入库: a box coming back from another store of the chain.
    TransferIn,
    /// 调拨出库.
    TransferOut,
    /// 过期销毁.
    Expired,
}

impl ChangeKind {
    fn code(self) -> &'static str {
        match self {
            Self::Loss => "loss",
            Self::Surplus => "surplus",
            Self::TransferIn => "transfer_in",
            Self::TransferOut => "transfer_out",
            Self::Expired => "expired",
        }
    }
    fn wire(self) -> &'static str {
        match self {
            Self::Loss => inv_chg_type::LOSS,
            Self::Surplus => inv_chg_type::SURPLUS,
            Self::TransferIn => inv_chg_type::TRANSFER_IN,
            Self::TransferOut => inv_chg_type::TRANSFER_OUT,
            Self::Expired => inv_chg_type::EXPIRED,
        }
    }
    fn incoming(self) -> bool {
        matches!(self, Self::Surplus | Self::TransferIn)
    }
    /// The box state after an outgoing change.
    fn out_state(self) -> &'static str {
        match self {
            Self::Loss => "lost",
            Self::Expired => "written_off",
            _ => "transferred",
        }
    }
}

/// A stock-take's differences, computed before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct StockTakeDiff {
    /// Codes scanned (distinct).
    pub counted: usize,
    /// In stock per the ledger, not scanned.
    pub missing: Vec<String>,
    /// Scanned, but not a box in stock per the ledger (never received,
    /// sold, lost …): each with where the ledger has it.
    pub unexpected: Vec<(String, String)>,
    /// Scanned and in stock.
    pub matched: usize,
}

impl StockTakeDiff {
    /// No difference.
    pub fn balanced(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// One batch in the stock list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockLine {
    /// Product id.
    pub fixmedins_hilist_id: String,
    /// Name.
    pub name: String,
    /// 定点医药机构批次流水号.
    pub fixmedins_bchno: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// 有效期止.
    pub expy_end: String,
    /// Packs on hand.
    pub quantity: Decimal,
    /// `traced` or `nocode`.
    pub store: String,
    /// Codes of the boxes on the shelf (whole and opened).
    pub codes: Vec<String>,
}

fn e4(q: Decimal) -> i64 {
    i64::try_from((q * Decimal::from(10_000)).trunc()).unwrap_or(i64::MAX)
}

fn from_e4(v: i64) -> Decimal {
    Decimal::new(v, 4).normalize()
}

fn traces(codes: &[String]) -> Vec<DrugTrace> {
    codes
        .iter()
        .map(|c| DrugTrace {
            drug_trac_codg: c.clone(),
        })
        .collect()
}

/// A scanned code, normalised (half-width, trimmed) and checked.
pub fn normalise_code(raw: &str) -> std::result::Result<String, InventoryError> {
    let c = rxdesk_core::text::to_half_width(raw.trim());
    if c.len() != 20 || !c.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InventoryError::BadCode(raw.trim().to_string()));
    }
    Ok(c)
}

fn valid_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// The product facts an upload needs.
struct Drug {
    id: i64,
    hilist_id: String,
    med_list_codg: String,
    name: String,
    rx_flag: String,
    prdr_name: String,
    aprvno: String,
    trace_prefix: String,
    price: String,
}

fn drug_by_hilist(tx: &Transaction<'_>, hilist_id: &str) -> Result<Option<Drug>> {
    tx.query_row(
        "SELECT id, fixmedins_hilist_id, med_list_codg, name, rx_flag, prdr_name, aprvno, trace_prefix, price
         FROM drugs WHERE fixmedins_hilist_id = ?1",
        [hilist_id],
        |r| {
            Ok(Drug {
                id: r.get(0)?,
                hilist_id: r.get(1)?,
                med_list_codg: r.get(2)?,
                name: r.get(3)?,
                rx_flag: r.get(4)?,
                prdr_name: r.get(5)?,
                aprvno: r.get(6)?,
                trace_prefix: r.get(7)?,
                price: r.get(8)?,
            })
        },
    )
    .optional()
    .map_err(StoreError::sql("read product"))
}

fn drug_by_id(tx: &Transaction<'_>, id: i64) -> Result<Drug> {
    let h: String = tx
        .query_row(
            "SELECT fixmedins_hilist_id FROM drugs WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .map_err(StoreError::sql("read product"))?;
    drug_by_hilist(tx, &h)?.ok_or_else(|| StoreError::NotFound(format!("drug {id}")))
}

struct Batch {
    bchno: String,
    lot: String,
    manu: String,
    expy: String,
}

fn batch(tx: &Transaction<'_>, id: i64) -> Result<Batch> {
    tx.query_row(
        "SELECT fixmedins_bchno, manu_lotnum, manu_date, expy_end FROM stock_batches WHERE id = ?1",
        [id],
        |r| {
            Ok(Batch {
                bchno: r.get(0)?,
                lot: r.get(1)?,
                manu: r.get(2)?,
                expy: r.get(3)?,
            })
        },
    )
    .map_err(StoreError::sql("read batch"))
}

fn box_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StockBox> {
    Ok(StockBox {
        code: r.get(0)?,
        drug_id: r.get(1)?,
        batch_id: r.get(2)?,
        fixmedins_bchno: r.get(3)?,
        manu_lotnum: r.get(4)?,
        expy_end: r.get(5)?,
        state: r.get(6)?,
        remaining: from_e4(r.get(7)?),
        carton_code: r.get(8)?,
    })
}

const BOX_SELECT: &str =
    "SELECT x.code, x.drug_id, x.batch_id, b.fixmedins_bchno, b.manu_lotnum, b.expy_end,
        x.state, x.remaining_e4, x.carton_code
 FROM stock_boxes x JOIN stock_batches b ON b.id = x.batch_id";

fn box_in(tx: &rusqlite::Connection, code: &str) -> Result<Option<StockBox>> {
    tx.query_row(&format!("{BOX_SELECT} WHERE x.code = ?1"), [code], box_row)
        .optional()
        .map_err(StoreError::sql("read box"))
}

/// The boxes of `codes`, each required in stock; grouped by batch.
fn in_stock_boxes(tx: &Transaction<'_>, codes: &[String]) -> Result<BTreeMap<i64, Vec<StockBox>>> {
    let mut seen = HashSet::new();
    let mut by_batch: BTreeMap<i64, Vec<StockBox>> = BTreeMap::new();
    for raw in codes {
        let code = normalise_code(raw)?;
        if !seen.insert(code.clone()) {
            return Err(InventoryError::DuplicateInDocument(code).into());
        }
        let b = box_in(tx, &code)?;
        match b {
            Some(b) if b.in_stock() => by_batch.entry(b.batch_id).or_default().push(b),
            Some(b) => {
                return Err(InventoryError::NotInStock {
                    code,
                    why: box_state_zh(&b.state).into(),
                }
                .into())
            }
            None => {
                return Err(InventoryError::NotInStock {
                    code,
                    why: "未入库".into(),
                }
                .into())
            }
        }
    }
    if by_batch.is_empty() {
        return Err(InventoryError::NoBoxes.into());
    }
    Ok(by_batch)
}

impl Store {
    /// Receives a goods-in document: every box by its trace code (or by a
    /// carton's 关联码 list) into the batch of its lot and expiry (created
    /// when new), the batch's quantity raised by the boxes, and one 3503 per
    /// batch queued — all in one transaction. Refused whole, with a typed
    /// [`InventoryError`], when any code is malformed, not the product's,
    /// twice in the document or already a box of this pharmacy.
    pub fn receive_goods(&self, by: &Session, doc: &GoodsIn) -> Result<GoodsDoc> {
        by.require(Permission::ManageStock)?;
        if doc.supplier.trim().is_empty() || doc.invoice_no.trim().is_empty() {
            return Err(InventoryError::DocumentIncomplete.into());
        }
        if doc.lines.is_empty() {
            return Err(InventoryError::NoBoxes.into());
        }
        let now = self.now_ms();
        self.write("receive goods", |tx| {
            let doc_no = self.next_msgid(tx)?;
            tx.execute(
                "INSERT INTO goods_docs (doc_no, kind, supplier, supplier_permit, invoice_code, invoice_no, operator_id, at)
                 VALUES (?1, 'receipt', ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    doc_no,
                    doc.supplier.trim(),
                    doc.supplier_permit.trim(),
                    doc.invoice_code.trim(),
                    doc.invoice_no.trim(),
                    by.operator_id(),
                    now
                ],
            )
            .map_err(StoreError::sql("record goods-in"))?;
            let doc_id = tx.last_insert_rowid();
            let mut seen: HashSet<String> = HashSet::new();
            let mut total = 0usize;
            let mut batches = Vec::new();
            let mut uploads = Vec::new();
            for (n, line) in doc.lines.iter().enumerate() {
                let d = drug_by_hilist(tx, line.fixmedins_hilist_id.trim())?.ok_or_else(|| {
                    InventoryError::UnknownProduct(line.fixmedins_hilist_id.trim().to_string())
                })?;
                if !valid_date(&line.manu_date)
                    || !valid_date(&line.expy_end)
                    || line.expy_end <= line.manu_date
                    || line.manu_lotnum.trim().is_empty()
                {
                    return Err(InventoryError::BadDates(line.manu_lotnum.clone()).into());
                }
                let mut codes: Vec<(String, String)> = line
                    .boxes
                    .iter()
                    .map(|c| (c.clone(), String::new()))
                    .collect();
                for carton in &line.cartons {
                    codes.extend(carton.boxes.iter().map(|c| (c.clone(), carton.code.trim().to_string())));
                }
                if codes.is_empty() {
                    return Err(InventoryError::NoBoxes.into());
                }
                let mut clean = Vec::with_capacity(codes.len());
                for (raw, carton) in codes {
                    let code = normalise_code(&raw)?;
                    if !d.trace_prefix.is_empty() && !code.starts_with(&d.trace_prefix) {
                        return Err(InventoryError::WrongProduct {
                            code,
                            name: d.name.clone(),
                            prefix: d.trace_prefix.clone(),
                        }
                        .into());
                    }
                    if !seen.insert(code.clone()) {
                        return Err(InventoryError::DuplicateInDocument(code).into());
                    }
                    if let Some(b) = box_in(tx, &code)? {
                        return Err(InventoryError::AlreadyReceived {
                            code,
                            state: box_state_zh(&b.state).into(),
                        }
                        .into());
                    }
                    clean.push((code, carton));
                }
                // The batch of this lot and expiry, or a new one.
                let existing: Option<(i64, String)> = tx
                    .query_row(
                        "SELECT id, fixmedins_bchno FROM stock_batches
                         WHERE drug_id = ?1 AND manu_lotnum = ?2 AND expy_end = ?3 AND store = 'traced'
                         ORDER BY id LIMIT 1",
                        params![d.id, line.manu_lotnum.trim(), line.expy_end],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(StoreError::sql("find batch"))?;
                let boxes = clean.len() as i64;
                let (batch_id, bchno) = match existing {
                    Some((id, bchno)) => {
                        tx.execute(
                            "UPDATE stock_batches SET qty_e4 = qty_e4 + ?2 WHERE id = ?1",
                            params![id, boxes * WHOLE_BOX_E4],
                        )
                        .map_err(StoreError::sql("add stock"))?;
                        (id, bchno)
                    }
                    None => {
                        let bchno = format!("{doc_no}-{}", n + 1);
                        tx.execute(
                            "INSERT INTO stock_batches (drug_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end, qty_e4, store)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'traced')",
                            params![d.id, bchno, line.manu_lotnum.trim(), line.manu_date, line.expy_end, boxes * WHOLE_BOX_E4],
                        )
                        .map_err(StoreError::sql("create batch"))?;
                        (tx.last_insert_rowid(), bchno)
                    }
                };
                {
                    let mut ins = tx
                        .prepare_cached(
                            "INSERT INTO stock_boxes (code, drug_id, batch_id, doc_id, carton_code, state, remaining_e4, changed_at, purchase_price)
                             VALUES (?1, ?2, ?3, ?4, ?5, 'in_stock', ?6, ?7, ?8)",
                        )
                        .map_err(StoreError::sql("record box"))?;
                    for (code, carton) in &clean {
                        ins.execute(params![code, d.id, batch_id, doc_id, carton, WHOLE_BOX_E4, now, line.purchase_price.to_string()])
                            .map_err(StoreError::sql("record box"))?;
                    }
                }
                let codes: Vec<String> = clean.into_iter().map(|(c, _)| c).collect();
                let input = PurchaseInput {
                    purcinfo: PurchaseInfo {
                        med_list_codg: d.med_list_codg.clone(),
                        fixmedins_hilist_id: d.hilist_id.clone(),
                        fixmedins_hilist_name: d.name.clone(),
                        fixmedins_bchno: bchno.clone(),
                        spler_name: doc.supplier.trim().into(),
                        spler_pmtno: doc.supplier_permit.trim().into(),
                        manu_lotnum: line.manu_lotnum.trim().into(),
                        prodentp_name: d.prdr_name.clone(),
                        aprvno: d.aprvno.clone(),
                        manu_date: line.manu_date.clone(),
                        expy_end: line.expy_end.clone(),
                        finl_trns_pric: line.purchase_price,
                        purc_retn_cnt: Decimal::from(boxes),
                        purc_invo_codg: doc.invoice_code.trim().into(),
                        purc_invo_no: doc.invoice_no.trim().into(),
                        rx_flag: d.rx_flag.clone(),
                        purc_retn_stoin_time: wire_time(now),
                        purc_retn_opter_name: by.display_name().into(),
                        prod_geay_flag: "0".into(),
                        memo: String::new(),
                        drugtracinfo: traces(&codes),
                        ..Default::default()
                    },
                };
                uploads.push(self.enqueue_upload(tx, &format!("stock:{bchno}"), "goods_doc", doc_id, &input)?);
                total += codes.len();
                batches.push(bchno);
            }
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "stock.receive",
                &serde_json::json!({"doc_no": doc_no, "supplier": doc.supplier.trim(), "invoice_no": doc.invoice_no.trim(), "boxes": total}),
            )?;
            self.publish_stock(tx)?;
            Ok(GoodsDoc { id: doc_id, doc_no, boxes: total, batches, uploads })
        })
    }

    /// Sends boxes back to the supplier (采购退货): each code must be a
    /// whole box in stock; one 3504 per batch.
    pub fn return_goods(
        &self,
        by: &Session,
        supplier: &str,
        invoice_no: &str,
        codes: &[String],
        reason: &str,
    ) -> Result<GoodsDoc> {
        by.require(Permission::ManageStock)?;
        if supplier.trim().is_empty() || invoice_no.trim().is_empty() {
            return Err(InventoryError::DocumentIncomplete.into());
        }
        if reason.trim().is_empty() {
            return Err(InventoryError::ReasonMissing.into());
        }
        let now = self.now_ms();
        self.write("return goods", |tx| {
            let by_batch = in_stock_boxes(tx, codes)?;
            if let Some(b) = by_batch.values().flatten().find(|b| b.state != "in_stock") {
                return Err(InventoryError::NotInStock {
                    code: b.code.clone(),
                    why: "已拆零，不能整盒退货".into(),
                }
                .into());
            }
            let doc_no = self.next_msgid(tx)?;
            tx.execute(
                "INSERT INTO goods_docs (doc_no, kind, supplier, invoice_no, reason, operator_id, at)
                 VALUES (?1, 'return', ?2, ?3, ?4, ?5, ?6)",
                params![doc_no, supplier.trim(), invoice_no.trim(), reason.trim(), by.operator_id(), now],
            )
            .map_err(StoreError::sql("record purchase return"))?;
            let doc_id = tx.last_insert_rowid();
            let mut batches = Vec::new();
            let mut uploads = Vec::new();
            let mut total = 0;
            for (batch_id, boxes) in &by_batch {
                let d = drug_by_id(tx, boxes[0].drug_id)?;
                let b = batch(tx, *batch_id)?;
                let codes: Vec<String> = boxes.iter().map(|x| x.code.clone()).collect();
                let price: String = tx
                    .query_row(
                        "SELECT purchase_price FROM stock_boxes WHERE code = ?1",
                        [&codes[0]],
                        |r| r.get(0),
                    )
                    .map_err(StoreError::sql("read purchase price"))?;
                take_boxes(tx, *batch_id, boxes, "returned", now)?;
                let input = PurchaseReturnInput {
                    purcinfo: PurchaseReturnInfo {
                        med_list_codg: d.med_list_codg.clone(),
                        fixmedins_hilist_id: d.hilist_id.clone(),
                        fixmedins_hilist_name: d.name.clone(),
                        fixmedins_bchno: b.bchno.clone(),
                        spler_name: supplier.trim().into(),
                        manu_date: b.manu,
                        expy_end: b.expy,
                        finl_trns_pric: price.parse::<Price>().unwrap_or_default(),
                        purc_retn_cnt: Decimal::from(codes.len()),
                        purc_invo_no: invoice_no.trim().into(),
                        rx_flag: d.rx_flag.clone(),
                        purc_retn_stoin_time: wire_time(now),
                        purc_retn_opter_name: by.display_name().into(),
                        memo: reason.trim().into(),
                        medins_prod_purc_no: doc_no.clone(),
                        drugtracinfo: traces(&codes),
                        ..Default::default()
                    },
                };
                uploads.push(self.enqueue_upload(tx, &format!("stock:{}", b.bchno), "goods_doc", doc_id, &input)?);
                total += codes.len();
                batches.push(b.bchno);
            }
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "stock.return",
                &serde_json::json!({"doc_no": doc_no, "supplier": supplier.trim(), "boxes": total, "reason": reason.trim()}),
            )?;
            self.publish_stock(tx)?;
            Ok(GoodsDoc { id: doc_id, doc_no, boxes: total, batches, uploads })
        })
    }

    /// A received box by its trace code (any state), `None` when this
    /// pharmacy never received it.
    pub fn stock_box(&self, code: &str) -> Result<Option<StockBox>> {
        let code = rxdesk_core::text::to_half_width(code.trim());
        self.read(|c| {
            c.query_row(&format!("{BOX_SELECT} WHERE x.code = ?1"), [code], box_row)
                .optional()
                .map_err(StoreError::sql("read box"))
        })
    }

    /// Records a stock change (报损 / 报溢 / 调拨 / 过期销毁) of these boxes,
    /// one 3502 per batch. Outgoing kinds need boxes in stock (an opened
    /// box goes with what is left in it); incoming kinds bring back boxes
    /// this ledger had written off (lost / transferred) — a box never
    /// received comes in through [`Store::receive_goods`].
    pub fn record_stock_change(
        &self,
        by: &Session,
        kind: ChangeKind,
        codes: &[String],
        reason: &str,
    ) -> Result<Vec<i64>> {
        let now = self.now_ms();
        self.write("record stock change", |tx| {
            self.record_stock_change_in(tx, by, kind, codes, reason, now)
        })
    }

    /// [`Store::record_stock_change`] inside the caller's transaction (a
    /// transfer out writes its document with it).
    pub(crate) fn record_stock_change_in(
        &self,
        tx: &Transaction<'_>,
        by: &Session,
        kind: ChangeKind,
        codes: &[String],
        reason: &str,
        now: i64,
    ) -> Result<Vec<i64>> {
        by.require(Permission::ManageStock)?;
        if reason.trim().is_empty() {
            return Err(InventoryError::ReasonMissing.into());
        }
        {
            let by_batch: BTreeMap<i64, Vec<StockBox>> = if kind.incoming() {
                let mut m: BTreeMap<i64, Vec<StockBox>> = BTreeMap::new();
                let mut seen = HashSet::new();
                for raw in codes {
                    let code = normalise_code(raw)?;
                    if !seen.insert(code.clone()) {
                        return Err(InventoryError::DuplicateInDocument(code).into());
                    }
                    match box_in(tx, &code)? {
                        Some(b) if matches!(b.state.as_str(), "lost" | "transferred") => {
                            m.entry(b.batch_id).or_default().push(b)
                        }
                        Some(b) => {
                            return Err(InventoryError::AlreadyReceived {
                                code,
                                state: box_state_zh(&b.state).into(),
                            }
                            .into())
                        }
                        None => {
                            return Err(InventoryError::NotInStock {
                                code,
                                why: "未入库：请按采购入库登记".into(),
                            }
                            .into())
                        }
                    }
                }
                if m.is_empty() {
                    return Err(InventoryError::NoBoxes.into());
                }
                m
            } else {
                in_stock_boxes(tx, codes)?
            };
            let mut uploads = Vec::new();
            for (batch_id, boxes) in &by_batch {
                let d = drug_by_id(tx, boxes[0].drug_id)?;
                let b = batch(tx, *batch_id)?;
                let codes: Vec<String> = boxes.iter().map(|x| x.code.clone()).collect();
                let qty_e4: i64 = if kind.incoming() {
                    for x in boxes {
                        tx.execute(
                            "UPDATE stock_boxes SET state = 'in_stock', remaining_e4 = ?2, changed_at = ?3 WHERE code = ?1",
                            params![x.code, WHOLE_BOX_E4, now],
                        )
                        .map_err(StoreError::sql("bring box back"))?;
                    }
                    let q = WHOLE_BOX_E4 * boxes.len() as i64;
                    tx.execute(
                        "UPDATE stock_batches SET qty_e4 = qty_e4 + ?2 WHERE id = ?1",
                        params![batch_id, q],
                    )
                    .map_err(StoreError::sql("add stock"))?;
                    q
                } else {
                    take_boxes(tx, *batch_id, boxes, kind.out_state(), now)?
                };
                let split = boxes.iter().any(|x| x.state == "opened");
                uploads.push(self.write_stock_change(
                    tx,
                    kind,
                    (by.operator_id(), by.display_name()),
                    &d,
                    (*batch_id, &b),
                    &codes,
                    qty_e4,
                    reason,
                    split,
                    now,
                )?);
            }
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "stock.change",
                &serde_json::json!({"kind": kind.code(), "boxes": codes.len(), "reason": reason.trim()}),
            )?;
            self.publish_stock(tx)?;
            Ok(uploads)
        }
    }

    /// The 3502 调拨入库 of boxes a transfer from another store of the
    /// chain has just put into `batch_id` (already in stock, the batch's
    /// quantity already raised): the stock-change row and its upload, in the
    /// caller's transaction. Head office forwards the transfer with no
    /// operator session at the counter, so the receiving store's operator
    /// is named by id and name (`crate::chain`, receiving a transfer).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record_transfer_in_in(
        &self,
        tx: &Transaction<'_>,
        operator_id: i64,
        operator_name: &str,
        drug_id: i64,
        batch_id: i64,
        codes: &[String],
        qty_e4: i64,
        reason: &str,
        now: i64,
    ) -> Result<i64> {
        let b = batch(tx, batch_id)?;
        let d = drug_by_id(tx, drug_id)?;
        self.write_stock_change(
            tx,
            ChangeKind::TransferIn,
            (operator_id, operator_name),
            &d,
            (batch_id, &b),
            codes,
            qty_e4,
            reason,
            qty_e4 % WHOLE_BOX_E4 != 0,
            now,
        )
    }

    /// One stock change of one batch: its `stock_changes` row and its 3502
    /// upload (`split`: part of a box, 拆零), in the caller's transaction.
    /// Returns the upload's id.
    #[allow(clippy::too_many_arguments)]
    fn write_stock_change(
        &self,
        tx: &Transaction<'_>,
        kind: ChangeKind,
        (operator_id, operator_name): (i64, &str),
        d: &Drug,
        (batch_id, b): (i64, &Batch),
        codes: &[String],
        qty_e4: i64,
        reason: &str,
        split: bool,
        now: i64,
    ) -> Result<i64> {
        tx.execute(
            "INSERT INTO stock_changes (kind, batch_id, qty_e4, codes, reason, operator_id, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                kind.code(),
                batch_id,
                qty_e4,
                codes.join(" "),
                reason.trim(),
                operator_id,
                now
            ],
        )
        .map_err(StoreError::sql("record stock change"))?;
        let change_id = tx.last_insert_rowid();
        let input = StockChangeInput {
            invinfo: StockChangeInfo {
                med_list_codg: d.med_list_codg.clone(),
                inv_chg_type: kind.wire().into(),
                fixmedins_hilist_id: d.hilist_id.clone(),
                fixmedins_hilist_name: d.name.clone(),
                fixmedins_bchno: b.bchno.clone(),
                pric: d.price.parse::<Price>().unwrap_or_default(),
                cnt: from_e4(qty_e4),
                rx_flag: d.rx_flag.clone(),
                inv_chg_time: wire_time(now),
                inv_chg_opter_name: operator_name.into(),
                memo: reason.trim().into(),
                trdn_flag: if split { "1" } else { "0" }.into(),
                drugtracinfo: traces(codes),
            },
        };
        self.enqueue_upload(
            tx,
            &format!("stock:{}", b.bchno),
            "stock_change",
            change_id,
            &input,
        )
    }

    /// A stock-take's differences against the ledger, computed without
    /// writing anything: `counted` are the scanned codes; the scope is every
    /// box in stock of the products counted (or of `only` when given).
    pub fn stock_take_preview(
        &self,
        counted: &[String],
        only: Option<&[String]>,
    ) -> Result<StockTakeDiff> {
        self.read(|c| stock_take_diff(c, counted, only))
    }

    /// Commits a stock-take: records it with its differences and queues one
    /// 3501 per batch in scope with the codes counted in it. The ledger's
    /// stock is not changed here: a missing box is booked by
    /// [`Store::record_stock_change`] (报损) once the manager has looked.
    pub fn commit_stock_take(
        &self,
        by: &Session,
        counted: &[String],
        only: Option<&[String]>,
    ) -> Result<(StockTakeDiff, Vec<i64>)> {
        by.require(Permission::ManageStock)?;
        let now = self.now_ms();
        self.write("commit stock-take", |tx| {
            let diff = stock_take_diff(tx, counted, only)?;
            tx.execute(
                "INSERT INTO stock_takes (counted, missing, unexpected, operator_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    diff.counted as i64,
                    diff.missing.join(" "),
                    diff.unexpected.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(" "),
                    by.operator_id(),
                    now
                ],
            )
            .map_err(StoreError::sql("record stock-take"))?;
            let take_id = tx.last_insert_rowid();
            let counted: BTreeSet<String> = counted
                .iter()
                .filter_map(|c| normalise_code(c).ok())
                .collect();
            // Batches in scope: those of the boxes in stock or counted.
            let scope = scope_boxes(tx, &counted, only)?;
            let mut per_batch: BTreeMap<i64, (i64, Vec<String>)> = BTreeMap::new();
            for b in &scope {
                let e = per_batch.entry(b.batch_id).or_insert((b.drug_id, Vec::new()));
                if counted.contains(&b.code) {
                    e.1.push(b.code.clone());
                }
            }
            let today = &wire_time(now)[..10];
            let mut uploads = Vec::new();
            for (batch_id, (drug_id, codes)) in &per_batch {
                let d = drug_by_id(tx, *drug_id)?;
                let b = batch(tx, *batch_id)?;
                let input = StockTakeInput {
                    invinfo: StockTakeInfo {
                        med_list_codg: d.med_list_codg.clone(),
                        fixmedins_hilist_id: d.hilist_id.clone(),
                        fixmedins_hilist_name: d.name.clone(),
                        rx_flag: d.rx_flag.clone(),
                        invdate: today.into(),
                        inv_cnt: Decimal::from(codes.len()),
                        manu_lotnum: b.lot,
                        fixmedins_bchno: b.bchno.clone(),
                        manu_date: b.manu,
                        expy_end: b.expy,
                        memo: String::new(),
                        drugtracinfo: traces(codes),
                    },
                };
                uploads.push(self.enqueue_upload(tx, &format!("stock:{}", b.bchno), "stock_take", take_id, &input)?);
            }
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "stock.take",
                &serde_json::json!({"counted": diff.counted, "missing": diff.missing.len(), "unexpected": diff.unexpected.len()}),
            )?;
            self.publish_stock(tx)?;
            Ok((diff, uploads))
        })
    }

    /// Queues a 3507 deleting what was uploaded under `fixmedins_bchno` as
    /// `inv_data_type` (1 盘存, 2 库存变更, 3 采购, 4 销售), with the manager's
    /// reason in the audit log. The ledger itself is not changed.
    pub fn delete_inventory_upload(
        &self,
        by: &Session,
        fixmedins_bchno: &str,
        inv_data_type: &str,
        reason: &str,
    ) -> Result<i64> {
        by.require(Permission::ManageQueue)?;
        if !["1", "2", "3", "4"].contains(&inv_data_type) {
            return Err(InventoryError::BadDataType(inv_data_type.to_string()).into());
        }
        if reason.trim().is_empty() {
            return Err(InventoryError::ReasonMissing.into());
        }
        if fixmedins_bchno.trim().is_empty() {
            return Err(StoreError::Invalid("fixmedins_bchno is empty".into()));
        }
        self.write("queue 3507", |tx| {
            let input = InventoryDeleteInput {
                data: InventoryDeleteData {
                    fixmedins_bchno: fixmedins_bchno.trim().into(),
                    inv_data_type: inv_data_type.into(),
                },
            };
            let id = self.enqueue_upload(
                tx,
                &format!("stock:{}", fixmedins_bchno.trim()),
                "inventory_delete",
                0,
                &input,
            )?;
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "stock.delete_upload",
                &serde_json::json!({"fixmedins_bchno": fixmedins_bchno.trim(), "inv_data_type": inv_data_type, "reason": reason.trim()}),
            )?;
            Ok(id)
        })
    }

    /// The stock list: every batch with packs on hand, with the codes of
    /// its boxes on the shelf; first expiry first.
    pub fn stock_list(&self) -> Result<Vec<StockLine>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT d.fixmedins_hilist_id, d.name, b.id, b.fixmedins_bchno, b.manu_lotnum, b.expy_end, b.qty_e4, b.store
                     FROM stock_batches b JOIN drugs d ON d.id = b.drug_id
                     WHERE b.qty_e4 > 0 ORDER BY b.expy_end, b.id",
                )
                .map_err(StoreError::sql("read stock list"))?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, String>(7)?,
                    ))
                })
                .map_err(StoreError::sql("read stock list"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read stock list"))?;
            let mut codes_st = c
                .prepare(
                    "SELECT code FROM stock_boxes WHERE batch_id = ?1 AND state IN ('in_stock', 'opened') ORDER BY code",
                )
                .map_err(StoreError::sql("read boxes"))?;
            let mut out = Vec::with_capacity(rows.len());
            for (hid, name, bid, bchno, lot, expy, q, store) in rows {
                let codes = codes_st
                    .query_map([bid], |r| r.get::<_, String>(0))
                    .map_err(StoreError::sql("read boxes"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("read boxes"))?;
                out.push(StockLine {
                    fixmedins_hilist_id: hid,
                    name,
                    fixmedins_bchno: bchno,
                    manu_lotnum: lot,
                    expy_end: expy,
                    quantity: from_e4(q),
                    store,
                    codes,
                });
            }
            Ok(out)
        })
    }

    /// Batches with stock that expire within `days` of `today` (expired
    /// ones included), first expiry first.
    pub fn near_expiry(&self, today: chrono::NaiveDate, days: u32) -> Result<Vec<StockLine>> {
        let limit = (today + chrono::Duration::days(i64::from(days)))
            .format("%Y-%m-%d")
            .to_string();
        Ok(self
            .stock_list()?
            .into_iter()
            .filter(|l| l.expy_end <= limit)
            .collect())
    }
}

/// One trace code the ledger counts as sold on a day (not refunded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SoldCode {
    /// The trace code.
    pub code: String,
    /// The sale's 零售单据号 (what 3505 sent as `rtal_docno`).
    pub rtal_docno: String,
    /// 拆零 (`trdn_flag` 1).
    pub split: bool,
}

impl Store {
    /// Every trace code sold on CST day `day` and not refunded, one per
    /// sale line it went out with (a box opened for 拆零 once per split sale).
    pub fn sold_codes_on(&self, day: chrono::NaiveDate) -> Result<Vec<SoldCode>> {
        let (from, to) = crate::reports::day_range_ms(day);
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT t.code, s.rtal_docno, t.split FROM trace_codes t
                     JOIN sale_lines l ON l.id = t.sale_line_id JOIN sales s ON s.id = l.sale_id
                     WHERE t.returned = 0 AND s.sold_at >= ?1 AND s.sold_at < ?2 ORDER BY t.id",
                )
                .map_err(StoreError::sql("read sold codes"))?;
            let rows = st
                .query_map(params![from, to], |r| {
                    Ok(SoldCode {
                        code: r.get(0)?,
                        rtal_docno: r.get(1)?,
                        split: r.get::<_, i64>(2)? == 1,
                    })
                })
                .map_err(StoreError::sql("read sold codes"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read sold codes"));
            rows
        })
    }
}

/// Takes whole or opened boxes off the shelf into `state`: the batch loses
/// what was left in them. Returns the packs ×10⁴ taken.
fn take_boxes(
    tx: &Transaction<'_>,
    batch_id: i64,
    boxes: &[StockBox],
    state: &str,
    now: i64,
) -> Result<i64> {
    let mut q = 0i64;
    for x in boxes {
        q += e4(x.remaining);
        tx.execute(
            "UPDATE stock_boxes SET state = ?2, remaining_e4 = 0, changed_at = ?3 WHERE code = ?1",
            params![x.code, state, now],
        )
        .map_err(StoreError::sql("take box"))?;
    }
    tx.execute(
        "UPDATE stock_batches SET qty_e4 = max(qty_e4 - ?2, 0) WHERE id = ?1",
        params![batch_id, q],
    )
    .map_err(StoreError::sql("take stock"))?;
    Ok(q)
}

/// The boxes a stock-take covers: in stock, of the products counted (or of
/// `only`, product ids).
fn scope_boxes(
    c: &rusqlite::Connection,
    counted: &BTreeSet<String>,
    only: Option<&[String]>,
) -> Result<Vec<StockBox>> {
    let mut drugs: BTreeSet<i64> = BTreeSet::new();
    match only {
        Some(ids) => {
            for h in ids {
                if let Some(id) = c
                    .query_row(
                        "SELECT id FROM drugs WHERE fixmedins_hilist_id = ?1",
                        [h.trim()],
                        |r| r.get::<_, i64>(0),
                    )
                    .optional()
                    .map_err(StoreError::sql("read product"))?
                {
                    drugs.insert(id);
                }
            }
        }
        None => {
            for code in counted {
                if let Some(id) = c
                    .query_row(
                        "SELECT drug_id FROM stock_boxes WHERE code = ?1",
                        [code],
                        |r| r.get::<_, i64>(0),
                    )
                    .optional()
                    .map_err(StoreError::sql("read box"))?
                {
                    drugs.insert(id);
                }
            }
        }
    }
    let mut st = c
        .prepare(&format!(
            "{BOX_SELECT} WHERE x.drug_id = ?1 AND x.state IN ('in_stock', 'opened') ORDER BY x.code"
        ))
        .map_err(StoreError::sql("read boxes"))?;
    let mut out = Vec::new();
    for d in drugs {
        let rows = st
            .query_map([d], box_row)
            .map_err(StoreError::sql("read boxes"))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(StoreError::sql("read boxes"))?;
        out.extend(rows);
    }
    Ok(out)
}

fn stock_take_diff(
    c: &rusqlite::Connection,
    counted: &[String],
    only: Option<&[String]>,
) -> Result<StockTakeDiff> {
    let mut set = BTreeSet::new();
    for raw in counted {
        set.insert(normalise_code(raw)?);
    }
    let scope = scope_boxes(c, &set, only)?;
    let in_scope: BTreeSet<&str> = scope.iter().map(|b| b.code.as_str()).collect();
    let missing: Vec<String> = scope
        .iter()
        .filter(|b| !set.contains(&b.code))
        .map(|b| b.code.clone())
        .collect();
    let mut unexpected = Vec::new();
    let mut matched = 0;
    for code in &set {
        if in_scope.contains(code.as_str()) {
            matched += 1;
            continue;
        }
        let state: Option<String> = c
            .query_row(
                "SELECT state FROM stock_boxes WHERE code = ?1",
                [code],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sql("read box"))?;
        let why = match state {
            Some(s) if s == "in_stock" || s == "opened" => "不在本次盘点范围".to_string(),
            Some(s) => box_state_zh(&s).to_string(),
            None => "未入库".to_string(),
        };
        unexpected.push((code.clone(), why));
    }
    Ok(StockTakeDiff {
        counted: set.len(),
        missing,
        unexpected,
        matched,
    })
}

/// A sale takes `qty_e4` packs ×10⁴ of the box `code` (whole, or a split
/// portion): a whole box leaves the shelf, a split sale takes the next
/// range of the opened box — returned as `(from, to)` within the box. A
/// code this ledger never received is left alone (the counter refuses it
/// before a sale is written; sales recorded before goods-in existed have
/// none).
pub(crate) fn sell_from_box(
    tx: &Transaction<'_>,
    code: &str,
    split: bool,
    qty_e4: i64,
    now: i64,
) -> Result<Option<(i64, i64)>> {
    let Some(b) = box_in(tx, code)? else {
        return Ok(None);
    };
    if !b.in_stock() {
        return Err(InventoryError::NotInStock {
            code: code.to_string(),
            why: box_state_zh(&b.state).into(),
        }
        .into());
    }
    let left = e4(b.remaining);
    if !split {
        if b.state == "opened" {
            return Err(InventoryError::NotInStock {
                code: code.to_string(),
                why: "已拆零，只能按拆零销售".into(),
            }
            .into());
        }
        tx.execute(
            "UPDATE stock_boxes SET state = 'sold', remaining_e4 = 0, changed_at = ?2 WHERE code = ?1",
            params![code, now],
        )
        .map_err(StoreError::sql("sell box"))?;
        return Ok(None);
    }
    if qty_e4 > left {
        return Err(StoreError::Rule(format!(
            "拆零药盒 {code} 仅剩 {}，数量不足 / the opened box has only {} left",
            from_e4(left),
            from_e4(left)
        )));
    }
    let from = WHOLE_BOX_E4 - left;
    let rest = left - qty_e4;
    tx.execute(
        "UPDATE stock_boxes SET state = CASE WHEN ?2 = 0 THEN 'sold' ELSE 'opened' END,
                remaining_e4 = ?2, changed_at = ?3 WHERE code = ?1",
        params![code, rest, now],
    )
    .map_err(StoreError::sql("split box"))?;
    Ok(Some((from, from + qty_e4)))
}

/// A refund gives back what a sale took of the box `code`: a whole box is
/// on the shelf again, a split portion returns its range to the opened box.
pub(crate) fn return_to_box(
    tx: &Transaction<'_>,
    code: &str,
    split: bool,
    qty_e4: i64,
    now: i64,
) -> Result<()> {
    if box_in(tx, code)?.is_none() {
        return Ok(());
    }
    if split {
        tx.execute(
            "UPDATE stock_boxes SET remaining_e4 = min(remaining_e4 + ?2, ?3),
                    state = CASE WHEN min(remaining_e4 + ?2, ?3) = ?3 THEN 'in_stock' ELSE 'opened' END,
                    changed_at = ?4
             WHERE code = ?1 AND state IN ('opened', 'sold', 'in_stock')",
            params![code, qty_e4, WHOLE_BOX_E4, now],
        )
        .map_err(StoreError::sql("return split portion"))?;
    } else {
        tx.execute(
            "UPDATE stock_boxes SET state = 'in_stock', remaining_e4 = ?2, changed_at = ?3
             WHERE code = ?1 AND state = 'sold'",
            params![code, WHOLE_BOX_E4, now],
        )
        .map_err(StoreError::sql("return box"))?;
    }
    Ok(())
}

/// The outbox chain of the in-stock publication: one list after another.
pub const STOCK_PUBLISH_CHAIN: &str = "stock-publish";

/// Reads the in-stock list for the public channels: every catalogue entry
/// with packs on hand (all batches together), with its 国谈 flag.
fn in_stock_list(c: &rusqlite::Connection) -> Result<Vec<StockPublishItem>> {
    let mut st = c
        .prepare(
            "SELECT d.med_list_codg, d.fixmedins_hilist_id, d.name, d.spec, d.price, d.nego_drug, SUM(b.qty_e4)
             FROM stock_batches b JOIN drugs d ON d.id = b.drug_id
             GROUP BY d.id HAVING SUM(b.qty_e4) > 0 ORDER BY d.fixmedins_hilist_id",
        )
        .map_err(StoreError::sql("read in-stock list"))?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })
        .map_err(StoreError::sql("read in-stock list"))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(StoreError::sql("read in-stock list"))?;
    rows.into_iter()
        .map(|(codg, hid, name, spec, price, nego, q)| {
            let pric = price.parse::<Price>().map_err(|_| {
                StoreError::Invalid(format!("目录 {hid} 的零售价“{price}”无效 / bad price"))
            })?;
            Ok(StockPublishItem {
                med_list_codg: codg,
                fixmedins_hilist_id: hid,
                fixmedins_hilist_name: name,
                spec,
                stock_cnt: from_e4(q).normalize(),
                pric,
                nego_drug_flag: if nego == 1 { "1" } else { "0" }.into(),
            })
        })
        .collect()
}

impl Store {
    /// Turns the in-stock publication for public channels on or off (the
    /// center profile's `[publication] stock_list`, ST-EPC-02-004). When on,
    /// every stock change queues the new list ([`Self::publish_stock`]).
    pub fn set_stock_publication(&self, on: bool) -> Result<()> {
        self.write("set stock publication", |tx| {
            crate::set_meta(tx, "stock_publication", if on { "1" } else { "0" })
        })
    }

    /// Whether the in-stock list is published.
    pub fn stock_publication(&self) -> Result<bool> {
        self.read(|c| crate::get_meta(c, "stock_publication"))
            .map(|v| v.as_deref() == Some("1"))
    }

    /// The in-stock list as it would be published now.
    pub fn in_stock_publication(&self) -> Result<StockPublishInput> {
        let now = self.now_ms();
        self.read(|c| {
            Ok(StockPublishInput {
                fixmedins_code: crate::get_meta(c, "fixmedins_code")?.unwrap_or_default(),
                pub_time: wire_time(now),
                stkinfo: in_stock_list(c)?,
            })
        })
    }

    /// Inside a stock-changing transaction (goods-in, sale, refund, return,
    /// stock change, stock-take): when the publication is on, queues the
    /// whole in-stock list on the outbox chain [`STOCK_PUBLISH_CHAIN`].
    /// Coalescing: a list still waiting and never sent (pending, no attempt)
    /// is replaced by the newer one under the same msgid; a list already
    /// tried is left alone and the newer one queued after it, so the last
    /// list always reaches the center and an older one never overtakes it.
    pub(crate) fn publish_stock(&self, tx: &Transaction<'_>) -> Result<Option<i64>> {
        if crate::get_meta(tx, "stock_publication")?.as_deref() != Some("1") {
            return Ok(None);
        }
        let now = self.now_ms();
        let input = StockPublishInput {
            fixmedins_code: crate::get_meta(tx, "fixmedins_code")?.unwrap_or_default(),
            pub_time: wire_time(now),
            stkinfo: in_stock_list(tx)?,
        };
        let waiting: Option<i64> = tx
            .query_row(
                "SELECT id FROM uploads WHERE op = ?1 AND state = 'pending' AND attempts = 0
                 ORDER BY id DESC LIMIT 1",
                [infno::STOCK_PUBLISH],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sql("find waiting stock list"))?;
        if let Some(id) = waiting {
            let payload = serde_json::to_value(&input)
                .map_err(|e| StoreError::Invalid(format!("{} input: {e}", infno::STOCK_PUBLISH)))?;
            let sealed = self.sealer().seal(payload.to_string().as_bytes());
            tx.execute(
                "UPDATE uploads SET payload = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, sealed, now],
            )
            .map_err(StoreError::sql("replace waiting stock list"))?;
            return Ok(Some(id));
        }
        self.enqueue_upload(tx, STOCK_PUBLISH_CHAIN, "stock_publish", 0, &input)
            .map(Some)
    }
}
