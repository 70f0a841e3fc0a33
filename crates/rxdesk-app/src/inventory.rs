//! The inventory services the window and the CLI call, as the signed-in
//! operator: goods-in, purchase return, stock change, stock-take (preview
//! then commit), deleting a wrong upload (3507), the stock and near-expiry
//! lists, and the bureau's duplicate-code list from a file.
//!
//! Why it exists: the ledger's inventory writes (`rxdesk_store::inventory`,
//! `rxdesk_store::disputes`) take a `Session`; the screens work with the
//! counter's signed-in operator and need one error type with a stable code
//! and a zh-CN sentence for every refusal.

use crate::import::MAX_IMPORT_BYTES;
use crate::{AppError, Counter};
use rxdesk_store::disputes::{BadDuplicateRow, Dispute};
use rxdesk_store::inventory::{ChangeKind, GoodsDoc, GoodsIn, StockLine, StockTakeDiff};
use rxdesk_store::{ImportFormat, StoreError};
use std::path::Path;

/// Why an inventory action was refused.
#[derive(Debug, thiserror::Error)]
pub enum InventoryServiceError {
    /// Nobody is signed in.
    #[error("请先登录 / sign in first")]
    NotSignedIn,
    /// The ledger refused (a typed inventory refusal, a permission) or failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The list file is not .csv / .xlsx, too large or unreadable.
    #[error("{0}")]
    File(String),
}

impl InventoryServiceError {
    /// Stable code: the inventory refusal's own (`INVENTORY_*`,
    /// docs/rules.md), `INVENTORY_FORBIDDEN` for a role that may not,
    /// `INVENTORY_NOT_SIGNED_IN`, `INVENTORY_FILE`, else `INVENTORY_STORE`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "INVENTORY_NOT_SIGNED_IN",
            Self::Store(StoreError::Inventory(e)) => e.code(),
            Self::Store(StoreError::Forbidden { .. }) => "INVENTORY_FORBIDDEN",
            Self::Store(_) => "INVENTORY_STORE",
            Self::File(_) => "INVENTORY_FILE",
        }
    }

    /// The sentence shown.
    pub fn message_zh(&self) -> String {
        self.to_string()
    }
}

fn session(counter: &Counter) -> Result<rxdesk_store::Session, InventoryServiceError> {
    counter.session().map_err(|e| match e {
        AppError::Store(s) => InventoryServiceError::Store(s),
        _ => InventoryServiceError::NotSignedIn,
    })
}

/// Receives a goods-in document (3503 per batch).
pub fn receive(counter: &Counter, doc: &GoodsIn) -> Result<GoodsDoc, InventoryServiceError> {
    let s = session(counter)?;
    Ok(counter.store().receive_goods(&s, doc)?)
}

/// Sends boxes back to the supplier (3504 per batch).
pub fn return_to_supplier(
    counter: &Counter,
    supplier: &str,
    invoice_no: &str,
    codes: &[String],
    reason: &str,
) -> Result<GoodsDoc, InventoryServiceError> {
    let s = session(counter)?;
    Ok(counter
        .store()
        .return_goods(&s, supplier, invoice_no, codes, reason)?)
}

/// Records 报损 / 报溢 / 调拨 / 过期销毁 of these boxes (3502 per batch).
pub fn change(
    counter: &Counter,
    kind: ChangeKind,
    codes: &[String],
    reason: &str,
) -> Result<Vec<i64>, InventoryServiceError> {
    let s = session(counter)?;
    Ok(counter
        .store()
        .record_stock_change(&s, kind, codes, reason)?)
}

/// A stock-take's differences, nothing written.
pub fn stock_take_preview(
    counter: &Counter,
    counted: &[String],
) -> Result<StockTakeDiff, InventoryServiceError> {
    Ok(counter.store().stock_take_preview(counted, None)?)
}

/// Commits a stock-take (3501 per batch); the differences it recorded.
pub fn stock_take_commit(
    counter: &Counter,
    counted: &[String],
) -> Result<StockTakeDiff, InventoryServiceError> {
    let s = session(counter)?;
    Ok(counter.store().commit_stock_take(&s, counted, None)?.0)
}

/// Queues a 3507 deleting a wrong upload (manager).
pub fn delete_upload(
    counter: &Counter,
    fixmedins_bchno: &str,
    inv_data_type: &str,
    reason: &str,
) -> Result<i64, InventoryServiceError> {
    let s = session(counter)?;
    Ok(counter
        .store()
        .delete_inventory_upload(&s, fixmedins_bchno, inv_data_type, reason)?)
}

/// The stock list with the codes on the shelf.
pub fn stock_list(counter: &Counter) -> Result<Vec<StockLine>, InventoryServiceError> {
    Ok(counter.store().stock_list()?)
}

/// Batches expiring within `days` of today (CST), expired ones included.
pub fn near_expiry(counter: &Counter, days: u32) -> Result<Vec<StockLine>, InventoryServiceError> {
    let today = rxdesk_store::reports::cst_day(counter.store().now_ms());
    Ok(counter.store().near_expiry(today, days)?)
}

/// Imports the bureau's duplicate-code list from a .csv / .xlsx file: the
/// rows explained, and the lines that could not be used.
pub fn import_duplicate_list(
    counter: &Counter,
    path: &Path,
) -> Result<(Vec<Dispute>, Vec<BadDuplicateRow>), InventoryServiceError> {
    let name = path.to_string_lossy();
    let format = ImportFormat::from_file_name(&name)
        .ok_or_else(|| InventoryServiceError::File(format!("“{name}”不是 .csv 或 .xlsx 文件")))?;
    let len = std::fs::metadata(path)
        .map_err(|e| InventoryServiceError::File(format!("无法读取文件 {name}：{e}")))?
        .len();
    if len > MAX_IMPORT_BYTES as u64 {
        return Err(InventoryServiceError::File(format!(
            "文件过大（{len} 字节，最多 64 MB）"
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| InventoryServiceError::File(format!("无法读取文件 {name}：{e}")))?;
    let s = session(counter)?;
    Ok(counter.store().import_duplicate_list(&s, &bytes, format)?)
}
