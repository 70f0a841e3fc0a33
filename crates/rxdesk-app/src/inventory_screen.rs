//! The inventory screens' application service: goods-in (入库), purchase
//! return (退货), stock changes (库存变更), stock-take (盘点), the stock and
//! near-expiry lists, and the trace reconciliation of a day — each checks
//! the session, calls the ledger (`rxdesk_store::inventory`) and shapes what
//! the window shows (names next to codes, quantities and prices as decimal
//! strings, never floats).
//!
//! Why it exists: the shell's commands stay thin, and a scanned code is
//! checked the moment it is scanned (malformed, another product's, already
//! received, not in stock) with the same typed refusal the commit would
//! give, so the pharmacist hears about a bad box while holding it.
//! Refusals cross to the window as `{code, message, params}`
//! ([`InventoryFailure::to_wire`]); the window renders its own sentence by
//! code, so the English window shows no Chinese. The CLI's services
//! (`crate::inventory`) answer with the ledger's own types; this module is
//! the window's shape of the same calls.

use crate::trace_reconcile::{self, TraceReconcileError, TraceReconciliation};
use crate::visit::{Lang, WireError};
use rxdesk_center::CenterClient;
use rxdesk_core::Price;
use rxdesk_store::inventory::{
    box_state_zh, normalise_code, ChangeKind, GoodsDoc, GoodsIn, GoodsInLine, InventoryError,
    StockBox, StockLine,
};
use rxdesk_store::{Session, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Why an inventory action was refused.
#[derive(Debug, thiserror::Error)]
pub enum InventoryFailure {
    /// The ledger refused (typed inventory rule, permission, storage).
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The 3513 query could not be made.
    #[error("{0}")]
    Trace(#[from] TraceReconcileError),
    /// A purchase price that is not a decimal amount.
    #[error("进价“{0}”不是金额 / purchase price {0} is not an amount")]
    BadPrice(String),
    /// A day that is not `yyyy-MM-dd`.
    #[error("日期“{0}”格式不对 / date {0} is not yyyy-MM-dd")]
    BadDay(String),
    /// A stock-change kind the window does not offer.
    #[error("未知的库存变更类型 {0} / unknown stock change kind {0}")]
    BadKind(String),
}

impl InventoryFailure {
    /// Stable code (the window's catalogue `ui/src/i18n/i18n-inventory.ts`).
    pub fn code(&self) -> String {
        match self {
            Self::Store(StoreError::Inventory(e)) => e.code().into(),
            Self::Store(StoreError::Forbidden { .. }) => "INVENTORY_FORBIDDEN".into(),
            Self::Store(_) => "INVENTORY_STORE".into(),
            Self::Trace(e) => e.code().into(),
            Self::BadPrice(_) => "INVENTORY_BAD_PRICE".into(),
            Self::BadDay(_) => "INVENTORY_BAD_DAY".into(),
            Self::BadKind(_) => "INVENTORY_BAD_KIND".into(),
        }
    }

    /// The variant's data, for the window's own sentence.
    pub fn params(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Self::Store(StoreError::Inventory(e)) => match e {
                InventoryError::UnknownProduct(p) => json!({ "product": p }),
                InventoryError::BadCode(c) | InventoryError::DuplicateInDocument(c) => {
                    json!({ "code": c })
                }
                InventoryError::WrongProduct { code, name, prefix } => {
                    json!({ "code": code, "name": name, "prefix": prefix })
                }
                InventoryError::AlreadyReceived { code, state } => {
                    json!({ "code": code, "state": state, "stateKey": state_key(state) })
                }
                InventoryError::BadDates(b) => json!({ "batch": b }),
                InventoryError::NotInStock { code, why } => {
                    json!({ "code": code, "why": why, "stateKey": state_key(why) })
                }
                InventoryError::BadDataType(t) => json!({ "type": t }),
                _ => json!({}),
            },
            Self::Store(e) => json!({ "detail": e.to_string() }),
            Self::Trace(e) => json!({ "detail": e.to_string() }),
            Self::BadPrice(v) | Self::BadDay(v) | Self::BadKind(v) => json!({ "value": v }),
        }
    }

    /// The sentence in `lang` (the window's fallback for a code it lacks).
    pub fn message(&self, lang: Lang) -> String {
        let text = self.to_string();
        match (lang, self) {
            // Our own bilingual sentences: "中文 / English".
            (
                _,
                Self::Store(StoreError::Inventory(_))
                | Self::BadPrice(_)
                | Self::BadDay(_)
                | Self::BadKind(_),
            ) => {
                let (zh, en) = text.rsplit_once("/ ").unwrap_or((&text, &text));
                if lang == Lang::EnUs {
                    let mut en = en.trim().to_string();
                    if let Some(key) = self.params()["stateKey"].as_str() {
                        for word in [
                            "已拆零，不能整盒退货",
                            "在库",
                            "已拆零",
                            "已售出",
                            "已退供应商",
                            "已报损",
                            "已过期销毁",
                            "已调出",
                            "未入库",
                        ] {
                            en = en.replace(word, state_en(key));
                        }
                    }
                    en
                } else {
                    zh.trim().to_string()
                }
            }
            (Lang::EnUs, Self::Store(StoreError::Forbidden { .. })) => {
                "Only a pharmacist or the store manager may change the stock".into()
            }
            (Lang::EnUs, Self::Trace(TraceReconcileError::Center(e))) => {
                format!("The platform did not answer the sold-code query (3513): {e}")
            }
            _ => text,
        }
    }

    /// The shape that crosses to the window.
    pub fn to_wire(&self, lang: Lang) -> WireError {
        WireError {
            code: self.code(),
            message: self.message(lang),
            params: self.params(),
        }
    }
}

/// A box state's English words (the fallback sentence only).
fn state_en(key: &str) -> &'static str {
    match key {
        "in_stock" => "in stock",
        "opened" => "opened for split sale",
        "sold" => "sold",
        "returned" => "returned to the supplier",
        "lost" => "written off as lost",
        "written_off" => "destroyed as expired",
        "transferred" => "transferred out",
        _ => "not received",
    }
}

/// A box state's stable key from its zh-CN word (the window translates it).
fn state_key(zh: &str) -> &'static str {
    for k in [
        "in_stock",
        "opened",
        "sold",
        "returned",
        "lost",
        "written_off",
        "transferred",
    ] {
        if box_state_zh(k) == zh {
            return k;
        }
    }
    if zh.contains("拆零") {
        "opened"
    } else {
        "not_received"
    }
}

type Result<T> = std::result::Result<T, InventoryFailure>;

/// A product as the goods-in form shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProductChoice {
    /// 定点医药机构目录编号.
    pub id: String,
    /// Name.
    pub name: String,
    /// Spec (规格).
    pub spec: String,
    /// Maker.
    pub maker: String,
    /// The 7-digit trace-code prefix (empty: 无码).
    pub prefix: String,
    /// The box barcode (EAN-13).
    pub barcode: String,
}

fn choice(r: &rxdesk_store::catalogue::CatalogueRow) -> ProductChoice {
    ProductChoice {
        id: r.fixmedins_hilist_id.clone(),
        name: r.name.clone(),
        spec: r.spec.clone(),
        maker: r.prdr_name.clone(),
        prefix: r.trace_prefix.clone(),
        barcode: r.barcode.clone(),
    }
}

/// Finds products for the goods-in form: a scanned box barcode, a scanned
/// trace code (by its 7-digit prefix), the catalogue id, or a part of the
/// name / 拼音 initials (at most 20).
pub fn find_products(store: &Store, query: &str) -> Result<Vec<ProductChoice>> {
    let q = rxdesk_core::text::to_half_width(query.trim());
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let digits = q.bytes().all(|b| b.is_ascii_digit());
    if digits && q.len() == 20 {
        let rows = store.products_by_trace_prefix(&q[..7])?;
        return Ok(rows.iter().map(|(_, r)| choice(r)).collect());
    }
    if digits && (q.len() == 13 || q.len() == 14 || q.len() == 8) {
        let rows = store.products_by_barcode(&q)?;
        if !rows.is_empty() {
            return Ok(rows.iter().map(|(_, r)| choice(r)).collect());
        }
    }
    if let Some((_, r)) = store.product(&q)? {
        return Ok(vec![choice(&r)]);
    }
    let lower = q.to_lowercase();
    Ok(store
        .catalogue()?
        .iter()
        .filter(|r| r.name.contains(&q) || r.pinyin.to_lowercase().starts_with(&lower))
        .take(20)
        .map(choice)
        .collect())
}

/// A scanned box, checked, with its product's name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ScannedBox {
    /// The normalised 20-digit code.
    pub code: String,
    /// The product's name.
    pub name: String,
    /// 生产批号 (empty for a box not yet received).
    pub lot: String,
    /// 有效期止 (empty for a box not yet received).
    pub expiry: String,
    /// The ledger's state key (`in_stock`, `opened`, `lost` …; `new` at goods-in).
    pub state: String,
}

/// Checks one code scanned into a goods-in line before the document is
/// committed: 20 digits, the product's prefix, not twice in the document,
/// not already a box of this pharmacy.
pub fn check_goods_in_code(
    store: &Store,
    product: &str,
    code: &str,
    scanned: &[String],
) -> Result<ScannedBox> {
    let code = normalise_code(code).map_err(StoreError::from)?;
    let (_, p) = store
        .product(product.trim())?
        .ok_or_else(|| StoreError::from(InventoryError::UnknownProduct(product.trim().into())))?;
    if !p.trace_prefix.is_empty() && !code.starts_with(&p.trace_prefix) {
        return Err(StoreError::from(InventoryError::WrongProduct {
            code,
            name: p.name.clone(),
            prefix: p.trace_prefix.clone(),
        })
        .into());
    }
    if scanned.iter().any(|s| s == &code) {
        return Err(StoreError::from(InventoryError::DuplicateInDocument(code)).into());
    }
    if let Some(b) = store.stock_box(&code)? {
        return Err(StoreError::from(InventoryError::AlreadyReceived {
            code,
            state: box_state_zh(&b.state).into(),
        })
        .into());
    }
    Ok(ScannedBox {
        code,
        name: p.name,
        lot: String::new(),
        expiry: String::new(),
        state: "new".into(),
    })
}

fn product_name(store: &Store, drug_id: i64, cache: &mut HashMap<i64, String>) -> Result<String> {
    if let Some(n) = cache.get(&drug_id) {
        return Ok(n.clone());
    }
    let n = store
        .product_by_id(drug_id)?
        .map(|r| r.name)
        .unwrap_or_default();
    cache.insert(drug_id, n.clone());
    Ok(n)
}

fn scanned(store: &Store, b: &StockBox, cache: &mut HashMap<i64, String>) -> Result<ScannedBox> {
    Ok(ScannedBox {
        code: b.code.clone(),
        name: product_name(store, b.drug_id, cache)?,
        lot: b.manu_lotnum.clone(),
        expiry: b.expy_end.clone(),
        state: b.state.clone(),
    })
}

/// Checks one code scanned for a return or a stock change: an outgoing
/// action (`incoming` false) needs a box on the shelf (a return a whole
/// one); an incoming change (报溢 / 调拨入库) a box this ledger wrote off.
pub fn check_stock_code(
    store: &Store,
    code: &str,
    incoming: bool,
    whole: bool,
    scanned_before: &[String],
) -> Result<ScannedBox> {
    let code = normalise_code(code).map_err(StoreError::from)?;
    if scanned_before.iter().any(|s| s == &code) {
        return Err(StoreError::from(InventoryError::DuplicateInDocument(code)).into());
    }
    let Some(b) = store.stock_box(&code)? else {
        return Err(StoreError::from(InventoryError::NotInStock {
            code,
            why: box_state_zh("").into(),
        })
        .into());
    };
    let ok = if incoming {
        matches!(b.state.as_str(), "lost" | "transferred")
    } else if whole {
        b.state == "in_stock"
    } else {
        b.in_stock()
    };
    if !ok {
        let why = if !incoming && whole && b.state == "opened" {
            "已拆零，不能整盒退货".to_string()
        } else {
            box_state_zh(&b.state).to_string()
        };
        return Err(StoreError::from(InventoryError::NotInStock { code, why }).into());
    }
    scanned(store, &b, &mut HashMap::new())
}

/// The goods-in form as the window sends it: one document, a line per
/// product batch.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GoodsInForm {
    /// 供应商.
    pub supplier: String,
    /// 发票号.
    pub invoice_no: String,
    /// The lines.
    pub lines: Vec<GoodsInLineForm>,
}

/// One line of the goods-in form.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GoodsInLineForm {
    /// The product's catalogue id.
    pub product: String,
    /// 生产批号.
    pub lot: String,
    /// 生产日期 `yyyy-MM-dd`.
    pub manu_date: String,
    /// 有效期止 `yyyy-MM-dd`.
    pub expiry: String,
    /// Purchase price per pack, a decimal string ("12.50").
    pub price: String,
    /// The scanned boxes' codes.
    pub codes: Vec<String>,
}

/// What a goods-in or return wrote, for the window.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GoodsDocView {
    /// 商品采购流水号.
    pub doc_no: String,
    /// Boxes received or returned.
    pub boxes: usize,
    /// Batches touched.
    pub batches: Vec<String>,
    /// Uploads queued (3503 or 3504).
    pub uploads: usize,
}

impl From<GoodsDoc> for GoodsDocView {
    fn from(d: GoodsDoc) -> Self {
        Self {
            doc_no: d.doc_no,
            boxes: d.boxes,
            batches: d.batches,
            uploads: d.uploads.len(),
        }
    }
}

/// Receives a goods-in document (one 3503 per batch), all lines or none.
pub fn receive(store: &Store, by: &Session, form: &GoodsInForm) -> Result<GoodsDocView> {
    let mut lines = Vec::with_capacity(form.lines.len());
    for l in &form.lines {
        let price: Price = l
            .price
            .trim()
            .parse()
            .map_err(|_| InventoryFailure::BadPrice(l.price.trim().into()))?;
        lines.push(GoodsInLine {
            fixmedins_hilist_id: l.product.trim().into(),
            manu_lotnum: l.lot.trim().into(),
            manu_date: l.manu_date.trim().into(),
            expy_end: l.expiry.trim().into(),
            purchase_price: price,
            boxes: l.codes.clone(),
            cartons: Vec::new(),
        });
    }
    let doc = GoodsIn {
        supplier: form.supplier.clone(),
        invoice_no: form.invoice_no.clone(),
        lines,
        ..Default::default()
    };
    Ok(store.receive_goods(by, &doc)?.into())
}

/// Returns whole boxes to the supplier (3504).
pub fn return_goods(
    store: &Store,
    by: &Session,
    supplier: &str,
    invoice_no: &str,
    codes: &[String],
    reason: &str,
) -> Result<GoodsDocView> {
    Ok(store
        .return_goods(by, supplier, invoice_no, codes, reason)?
        .into())
}

/// The stock-change kind from the window's key.
pub fn change_kind(key: &str) -> Result<ChangeKind> {
    Ok(match key {
        "loss" => ChangeKind::Loss,
        "surplus" => ChangeKind::Surplus,
        "transfer_in" => ChangeKind::TransferIn,
        "transfer_out" => ChangeKind::TransferOut,
        "expired" => ChangeKind::Expired,
        other => return Err(InventoryFailure::BadKind(other.into())),
    })
}

/// Records a stock change; the number of 3502 uploads queued.
pub fn change(
    store: &Store,
    by: &Session,
    kind: &str,
    codes: &[String],
    reason: &str,
) -> Result<usize> {
    let kind = change_kind(kind)?;
    Ok(store.record_stock_change(by, kind, codes, reason)?.len())
}

/// A stock-take's differences with product names.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StockTakeView {
    /// Distinct codes counted.
    pub counted: usize,
    /// Counted and in stock.
    pub matched: usize,
    /// In stock per the ledger, not counted.
    pub missing: Vec<ScannedBox>,
    /// Counted, not in stock per the ledger (with where the ledger has it).
    pub unexpected: Vec<ScannedBox>,
    /// Uploads queued (3501), on commit only.
    pub uploads: usize,
}

fn take_view(
    store: &Store,
    d: &rxdesk_store::inventory::StockTakeDiff,
    uploads: usize,
) -> Result<StockTakeView> {
    let mut cache = HashMap::new();
    let mut missing = Vec::with_capacity(d.missing.len());
    for c in &d.missing {
        match store.stock_box(c)? {
            Some(b) => missing.push(scanned(store, &b, &mut cache)?),
            None => missing.push(unknown_box(c)),
        }
    }
    let mut unexpected = Vec::with_capacity(d.unexpected.len());
    for (c, _) in &d.unexpected {
        match store.stock_box(c)? {
            Some(b) => unexpected.push(scanned(store, &b, &mut cache)?),
            None => unexpected.push(named_unknown(store, c)?),
        }
    }
    Ok(StockTakeView {
        counted: d.counted,
        matched: d.matched,
        missing,
        unexpected,
        uploads,
    })
}

/// A code this pharmacy never received, named by its product's prefix.
fn named_unknown(store: &Store, code: &str) -> Result<ScannedBox> {
    let mut u = unknown_box(code);
    if let Some((_, p)) = store
        .products_by_trace_prefix(code.get(..7).unwrap_or(""))?
        .first()
    {
        u.name = p.name.clone();
    }
    Ok(u)
}

fn unknown_box(code: &str) -> ScannedBox {
    ScannedBox {
        code: code.into(),
        name: String::new(),
        lot: String::new(),
        expiry: String::new(),
        state: "not_received".into(),
    }
}

/// The differences of the codes counted so far (nothing written).
pub fn stock_take_preview(store: &Store, by: &Session, codes: &[String]) -> Result<StockTakeView> {
    by.require(rxdesk_store::operators::Permission::ManageStock)?;
    let d = store.stock_take_preview(codes, None)?;
    take_view(store, &d, 0)
}

/// Commits the stock-take (3501 per batch in scope).
pub fn stock_take_commit(store: &Store, by: &Session, codes: &[String]) -> Result<StockTakeView> {
    let (d, uploads) = store.commit_stock_take(by, codes, None)?;
    take_view(store, &d, uploads.len())
}

/// One batch of the stock list, quantities as decimal strings.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StockLineView {
    /// Product id.
    pub id: String,
    /// Name.
    pub name: String,
    /// 批次流水号.
    pub batch: String,
    /// 生产批号.
    pub lot: String,
    /// 有效期止.
    pub expiry: String,
    /// Days from today (CST) to the expiry; negative once expired.
    pub days_left: i64,
    /// Packs on hand ("3", "2.5").
    pub quantity: String,
    /// `traced` or `nocode`.
    pub store: String,
    /// The boxes' codes on the shelf.
    pub codes: Vec<String>,
}

/// Today in China Standard Time.
pub fn cst_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn line_view(l: StockLine, today: chrono::NaiveDate) -> StockLineView {
    let days_left = chrono::NaiveDate::parse_from_str(&l.expy_end, "%Y-%m-%d")
        .map(|d| (d - today).num_days())
        .unwrap_or(0);
    StockLineView {
        id: l.fixmedins_hilist_id,
        name: l.name,
        batch: l.fixmedins_bchno,
        lot: l.manu_lotnum,
        expiry: l.expy_end,
        days_left,
        quantity: l.quantity.normalize().to_string(),
        store: l.store,
        codes: l.codes,
    }
}

/// A page of batches: the first `limit` lines and how many there are.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StockPage {
    /// Batches matching, in all.
    pub total: usize,
    /// The first of them (first expiry first).
    pub lines: Vec<StockLineView>,
}

fn page(lines: Vec<StockLine>, limit: usize, today: chrono::NaiveDate) -> StockPage {
    StockPage {
        total: lines.len(),
        lines: lines
            .into_iter()
            .take(limit)
            .map(|l| line_view(l, today))
            .collect(),
    }
}

/// The stock list (batches with codes); `query` filters by name, id or a
/// box's code; at most `limit` lines (a pharmacy holds thousands).
pub fn stock_list(store: &Store, query: &str, limit: usize) -> Result<StockPage> {
    stock_list_on(store, query, limit, cst_today())
}

/// [`stock_list`] with the days left counted from `today` (the recorded
/// views use a fixed day so that they do not change with the calendar).
pub fn stock_list_on(
    store: &Store,
    query: &str,
    limit: usize,
    today: chrono::NaiveDate,
) -> Result<StockPage> {
    let q = rxdesk_core::text::to_half_width(query.trim());
    let lines = store
        .stock_list()?
        .into_iter()
        .filter(|l| {
            q.is_empty()
                || l.name.contains(&q)
                || l.fixmedins_hilist_id == q
                || l.codes.iter().any(|c| c == &q)
        })
        .collect();
    Ok(page(lines, limit, today))
}

/// Batches expiring within `days` (expired included), at most `limit`.
pub fn near_expiry(store: &Store, days: u32, limit: usize) -> Result<StockPage> {
    near_expiry_on(store, days, limit, cst_today())
}

/// [`near_expiry`] as of `today` (see [`stock_list_on`]).
pub fn near_expiry_on(
    store: &Store,
    days: u32,
    limit: usize,
    today: chrono::NaiveDate,
) -> Result<StockPage> {
    Ok(page(store.near_expiry(today, days)?, limit, today))
}

/// Reconciles one day's sold trace codes with 3513.
pub async fn reconcile_day(
    client: &CenterClient,
    store: &Store,
    by: &Session,
    day: &str,
) -> Result<TraceReconciliation> {
    let d = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| InventoryFailure::BadDay(day.trim().into()))?;
    Ok(trace_reconcile::reconcile_day(client, store, by, d).await?)
}

/// One record the platform holds for a code (no personal data: the window
/// shows the sale's number, product, time and 拆零 only).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlatformSale {
    /// 记账流水号 (the sale's 零售单据号).
    pub bkkp_sn: String,
    /// The product's name as the platform has it.
    pub name: String,
    /// When the platform recorded it.
    pub at: String,
    /// Sold by 拆零.
    pub split: bool,
}

/// A trace code looked up on both sides: the ledger's box and the
/// platform's sold records (3513 by code).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CodeTrace {
    /// The code.
    pub code: String,
    /// The ledger's box (state `not_received` when this pharmacy never had it).
    pub ledger: ScannedBox,
    /// The platform's sold records of the code.
    pub platform: Vec<PlatformSale>,
}

/// Looks one code up in the ledger and at the platform (3513 by code), to
/// answer a bureau's list line by line.
pub async fn trace_code(
    client: &CenterClient,
    store: &Store,
    by: &Session,
    code: &str,
) -> Result<CodeTrace> {
    let code = normalise_code(code).map_err(StoreError::from)?;
    let ledger = match store.stock_box(&code)? {
        Some(b) => scanned(store, &b, &mut HashMap::new())?,
        None => named_unknown(store, &code)?,
    };
    let platform = trace_reconcile::platform_record_of(client, by, &code)
        .await?
        .into_iter()
        .map(|r| PlatformSale {
            bkkp_sn: r.bkkp_sn,
            name: r.medins_list_name,
            at: r.crte_time,
            split: r.trdn_flag == "1",
        })
        .collect();
    Ok(CodeTrace {
        code,
        ledger,
        platform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_have_codes_params_and_one_language() {
        let e = InventoryFailure::from(StoreError::from(InventoryError::AlreadyReceived {
            code: "81305122601020013521".into(),
            state: "在库".into(),
        }));
        let w = e.to_wire(Lang::EnUs);
        assert_eq!(w.code, "INVENTORY_ALREADY_RECEIVED");
        assert_eq!(w.params["stateKey"], "in_stock");
        assert!(
            !w.message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{}",
            w.message
        );
        let zh = e.to_wire(Lang::ZhCn).message;
        assert!(zh.contains("已入库") && !zh.contains("was already"), "{zh}");
        let bad = InventoryFailure::from(StoreError::from(InventoryError::NotInStock {
            code: "1".into(),
            why: "已拆零，不能整盒退货".into(),
        }));
        assert_eq!(bad.params()["stateKey"], "opened");
        assert_eq!(
            InventoryFailure::BadPrice("x".into()).code(),
            "INVENTORY_BAD_PRICE"
        );
        assert!(change_kind("loss").is_ok() && change_kind("gift").is_err());
    }
}
