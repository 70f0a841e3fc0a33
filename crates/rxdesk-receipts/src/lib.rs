//! # rxdesk-receipts — what the patient takes home
//!
//! - [`model`]: the plain input structs the counter service fills (sale,
//!   refund, e-voucher guide), money as `Amount`/`Price`, never `f64`.
//! - [`layout`] and [`text`]: the receipt content model (`Vec<ReceiptElement>`)
//!   and its layout onto 58 mm (32 columns) or 80 mm (48 columns) paper, CJK
//!   characters counted as two printer cells.
//! - [`documents`]: the sale receipt with the settlement explained in plain
//!   words (ST-EPC-02-010), the refund receipt (退费凭证), and the e-voucher
//!   activation guide (ST-EPC-02-001), and the medication guidance slip for
//!   the receipt printer (ST-EPC-02-012).
//! - [`escpos`]: the ESC/POS byte encoding of laid-out receipts (with the
//!   cash-drawer kick for a cash sale).
//! - [`till`]: the 交班单 and 日结单 of the till.
//! - [`pdf`]: the 用药指导单 (medication guidance, ST-EPC-02-012) as a PDF with an
//!   embedded CJK font subset.
//! - [`pages`]: any PDF's pages drawn as PNG pictures (the prescription's
//!   layout file on the counter's screen), with `hayro`.
//!
//! **Architecture invariant:** renders bytes from plain values; talks to no
//! device and opens no file except the font it is told to load.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod documents;
pub mod escpos;
pub mod layout;
pub mod model;
#[cfg(feature = "draw")]
pub mod pages;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod text;
pub mod till;

pub use documents::{
    evoucher_guide, explain_settlement, guidance_slip, mask_patient_name, refund_receipt,
    sale_receipt,
};
pub use layout::{layout, render_plain_text, Paper, PrintLine, ReceiptElement, Style};
pub use model::*;
#[cfg(feature = "pdf")]
pub use pdf::{guidance_pdf, PageSize, PdfOptions};
pub use text::Align;
pub use till::{day_slip, till_slip, DaySlip, DaySlipOperator, TillSlip, TillSlipLine};

use rxdesk_core::{Amount, MoneyError};

/// Why a receipt or guidance document could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// `total ≠ fund + account + cash`: printing it would mislead the patient.
    #[error(
        "结算金额不一致：总额 {total} ≠ 统筹 {fund} + 个人账户 {account} + 自付 {cash} \
         (settlement does not add up)"
    )]
    SettlementDoesNotAddUp {
        /// Total.
        total: Amount,
        /// Fund part.
        fund: Amount,
        /// Personal-account part.
        account: Amount,
        /// Cash part.
        cash: Amount,
    },
    /// The drug lines do not sum to the settled total.
    #[error(
        "药品明细合计 {lines} 与结算总额 {total} 不一致 (line amounts do not match the total)"
    )]
    LinesDoNotAddUp {
        /// Sum of line amounts.
        lines: Amount,
        /// Settled total.
        total: Amount,
    },
    /// The fund breakdown does not sum to the fund payment.
    #[error("基金支付明细合计 {items} 与基金支付 {fund} 不一致 (fund items do not match)")]
    FundItemsDoNotAddUp {
        /// Sum of fund items.
        items: Amount,
        /// Fund payment.
        fund: Amount,
    },
    /// Tendered cash, cash due and change disagree.
    #[error("找零错误：实收 {tendered} − 应付 {cash} ≠ 找零 {change} (wrong change)")]
    WrongChange {
        /// Money handed over.
        tendered: Amount,
        /// Cash due.
        cash: Amount,
        /// Change stated.
        change: Amount,
    },
    /// A money field that must not be negative is.
    #[error("金额不能为负：{field} = {value} (negative amount)")]
    NegativeAmount {
        /// The field.
        field: &'static str,
        /// Its value.
        value: Amount,
    },
    /// A till line whose expected or difference does not follow from its figures.
    #[error("交班数据不一致：{method} 的应有金额或差额与收退款不符 (till figures do not add up)")]
    TillDoesNotAddUp {
        /// The payment method (zh-CN).
        method: String,
    },
    /// A receipt needs at least one drug line.
    #[error("没有药品明细，无法打印 (no lines to print)")]
    NoLines,
    /// A sum overflowed `numeric(16,2)`.
    #[error("金额超出范围 (amount out of range): {0}")]
    Money(#[from] MoneyError),
    /// The font file for the PDF is missing or unreadable.
    #[error("找不到用药指导单字体文件 {path}：{source}；请安装 fonts-wqy-microhei 或在设置中指定字体 (font file unreadable)")]
    FontUnreadable {
        /// The configured path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The font file is not a usable TrueType/OpenType font (or face index).
    #[error("字体文件 {path} 无法解析（第 {index} 个字体）(not a usable font)")]
    FontInvalid {
        /// The configured path.
        path: String,
        /// The face index inside a collection.
        index: usize,
    },
    /// The font has no glyphs for Chinese text.
    #[error("字体 {path} 不含中文字形，请选择中文字体 (font lacks CJK glyphs)")]
    FontLacksCjk {
        /// The configured path.
        path: String,
    },
}
