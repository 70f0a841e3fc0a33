//! The uploads the outbox queues, as types: each one knows its `infno`, and a
//! stored payload parses back into exactly one of them.
//!
//! Why: the ledger writes an outbox row as `(infno, input)`. Tying the code
//! to the type ([`Upload::INFNO`]) means a 3505 row cannot carry a 3506
//! shape, and [`UploadMessage::parse`] is the one place that says which type
//! an `infno` must parse into — for the ledger's own checks and for the
//! emulator, which refuses an input that does not parse with a clear error.

use crate::messages::{
    infno, DeliveryInput, InventoryDeleteInput, PurchaseInput, PurchaseReturnInput, RxAuditInput,
    SaleInput, SaleReturnInput, SalesUndoInput, SalesUploadInput, StockChangeInput,
    StockPublishInput, StockTakeInput, WriteOffInput,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A family-A upload input: the message the outbox stores and sends for
/// transaction [`Upload::INFNO`].
pub trait Upload: Serialize + DeserializeOwned {
    /// The transaction code (`infno`) this input belongs to.
    const INFNO: &'static str;
}

impl Upload for RxAuditInput {
    const INFNO: &'static str = infno::RX_AUDIT;
}
impl Upload for DeliveryInput {
    const INFNO: &'static str = infno::RX_DELIVERY;
}
impl Upload for WriteOffInput {
    const INFNO: &'static str = infno::RX_WRITE_OFF;
}
impl Upload for SalesUploadInput {
    const INFNO: &'static str = infno::RX_SALES_UPLOAD;
}
impl Upload for SalesUndoInput {
    const INFNO: &'static str = infno::RX_SALES_UNDO;
}
impl Upload for SaleInput {
    const INFNO: &'static str = infno::SALE;
}
impl Upload for SaleReturnInput {
    const INFNO: &'static str = infno::SALE_RETURN;
}
impl Upload for StockTakeInput {
    const INFNO: &'static str = infno::STOCK_TAKE;
}
impl Upload for StockChangeInput {
    const INFNO: &'static str = infno::STOCK_CHANGE;
}
impl Upload for PurchaseInput {
    const INFNO: &'static str = infno::PURCHASE;
}
impl Upload for PurchaseReturnInput {
    const INFNO: &'static str = infno::PURCHASE_RETURN;
}
impl Upload for InventoryDeleteInput {
    const INFNO: &'static str = infno::INVENTORY_DELETE;
}
impl Upload for StockPublishInput {
    const INFNO: &'static str = infno::STOCK_PUBLISH;
}

/// Any upload, parsed by its `infno`.
// One message lives at a time (parsed, checked, serialised, dropped), so
// the variants' size difference costs nothing worth a Box per sale.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum UploadMessage {
    /// 7204 电子处方审核
    RxAudit(RxAuditInput),
    /// 7205 配送信息上传
    Delivery(DeliveryInput),
    /// 7206 电子处方核销
    WriteOff(WriteOffInput),
    /// 7207 销售出库明细上传
    SalesUpload(SalesUploadInput),
    /// 7208 销售出库明细撤销
    SalesUndo(SalesUndoInput),
    /// 3505 商品销售
    Sale(SaleInput),
    /// 3506 商品销售退货
    SaleReturn(SaleReturnInput),
    /// 3501 商品盘存上传
    StockTake(StockTakeInput),
    /// 3502 商品库存变更
    StockChange(StockChangeInput),
    /// 3503 商品采购
    Purchase(PurchaseInput),
    /// 3504 商品采购退货
    PurchaseReturn(PurchaseReturnInput),
    /// 3507 进销存数据删除
    InventoryDelete(InventoryDeleteInput),
    /// 在库药品信息公开 (RxDesk's `stockPublish`)
    StockPublish(StockPublishInput),
}

/// Why a stored or received upload is not one of the typed messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadParseError {
    /// The `infno` is not an upload RxDesk knows.
    #[error("不是可上传的交易编号 {0} / {0} is not an upload transaction")]
    UnknownInfno(String),
    /// The input does not parse into the typed message of its `infno`.
    #[error("{infno} 输入报文不符合约定格式：{reason} / the {infno} input does not match its message: {reason}")]
    Malformed {
        /// The transaction code.
        infno: String,
        /// What serde found wrong (a missing or mistyped field).
        reason: String,
    },
}

impl UploadParseError {
    /// Stable code: `WIRE_UNKNOWN_UPLOAD` or `WIRE_MALFORMED_UPLOAD`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownInfno(_) => "WIRE_UNKNOWN_UPLOAD",
            Self::Malformed { .. } => "WIRE_MALFORMED_UPLOAD",
        }
    }
}

fn typed<T: Upload>(input: &Value) -> Result<T, UploadParseError> {
    T::deserialize(input).map_err(|e| UploadParseError::Malformed {
        infno: T::INFNO.to_string(),
        reason: e.to_string(),
    })
}

impl UploadMessage {
    /// Parses `input` as the typed message of `infno`.
    pub fn parse(infno: &str, input: &Value) -> Result<Self, UploadParseError> {
        Ok(match infno {
            infno::RX_AUDIT => Self::RxAudit(typed(input)?),
            infno::RX_DELIVERY => Self::Delivery(typed(input)?),
            infno::RX_WRITE_OFF => Self::WriteOff(typed(input)?),
            infno::RX_SALES_UPLOAD => Self::SalesUpload(typed(input)?),
            infno::RX_SALES_UNDO => Self::SalesUndo(typed(input)?),
            infno::SALE => Self::Sale(typed(input)?),
            infno::SALE_RETURN => Self::SaleReturn(typed(input)?),
            infno::STOCK_TAKE => Self::StockTake(typed(input)?),
            infno::STOCK_CHANGE => Self::StockChange(typed(input)?),
            infno::PURCHASE => Self::Purchase(typed(input)?),
            infno::PURCHASE_RETURN => Self::PurchaseReturn(typed(input)?),
            infno::INVENTORY_DELETE => Self::InventoryDelete(typed(input)?),
            infno::STOCK_PUBLISH => Self::StockPublish(typed(input)?),
            other => return Err(UploadParseError::UnknownInfno(other.to_string())),
        })
    }

    /// The transaction code.
    pub fn infno(&self) -> &'static str {
        match self {
            Self::RxAudit(_) => RxAuditInput::INFNO,
            Self::Delivery(_) => DeliveryInput::INFNO,
            Self::WriteOff(_) => WriteOffInput::INFNO,
            Self::SalesUpload(_) => SalesUploadInput::INFNO,
            Self::SalesUndo(_) => SalesUndoInput::INFNO,
            Self::Sale(_) => SaleInput::INFNO,
            Self::SaleReturn(_) => SaleReturnInput::INFNO,
            Self::StockTake(_) => StockTakeInput::INFNO,
            Self::StockChange(_) => StockChangeInput::INFNO,
            Self::Purchase(_) => PurchaseInput::INFNO,
            Self::PurchaseReturn(_) => PurchaseReturnInput::INFNO,
            Self::InventoryDelete(_) => InventoryDeleteInput::INFNO,
            Self::StockPublish(_) => StockPublishInput::INFNO,
        }
    }

    /// The `input` node as sent (the same value the outbox stores).
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        match self {
            Self::RxAudit(m) => serde_json::to_value(m),
            Self::Delivery(m) => serde_json::to_value(m),
            Self::WriteOff(m) => serde_json::to_value(m),
            Self::SalesUpload(m) => serde_json::to_value(m),
            Self::SalesUndo(m) => serde_json::to_value(m),
            Self::Sale(m) => serde_json::to_value(m),
            Self::SaleReturn(m) => serde_json::to_value(m),
            Self::StockTake(m) => serde_json::to_value(m),
            Self::StockChange(m) => serde_json::to_value(m),
            Self::Purchase(m) => serde_json::to_value(m),
            Self::PurchaseReturn(m) => serde_json::to_value(m),
            Self::InventoryDelete(m) => serde_json::to_value(m),
            Self::StockPublish(m) => serde_json::to_value(m),
        }
    }
}
