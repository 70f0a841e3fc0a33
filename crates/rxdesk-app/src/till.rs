//! The till at the counter (收银): open a shift with a float (备用金), see
//! what the drawer should hold per payment method, close it with the cash
//! counted (交班) and print the 交班单, and the day's 日结 per operator with
//! its 日结单. The figures are the ledger's (`rxdesk_store::till`); this
//! service parses the cashier's input, explains refusals in zh-CN with a
//! stable code, and prints through the receipt printer (or, without one,
//! saves the ESC/POS job under `<data>/receipts`, like the sale receipt).
//!
//! The visit service asks [`TillService::require_open`] before a visit
//! starts and before a sale is recorded: a sale needs an open till shift.

use crate::visit::VisitConfig;
use chrono::{DateTime, NaiveDate, Utc};
use rxdesk_core::time::format_wire;
use rxdesk_core::Amount;
use rxdesk_store::{Session, Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why a till action was refused (stable `code()`, zh-CN message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TillError {
    /// No till shift is open: a sale (or a close) needs one.
    #[error("收银尚未开班：请先在“收银班次”页输入备用金开班，再开始服务和收款")]
    NotOpen,
    /// An amount the cashier typed is not money.
    #[error("{what}金额无效：请输入如 200.00 的金额（不能为负数）")]
    BadAmount {
        /// Which amount (zh-CN), e.g. `备用金`.
        what: String,
    },
    /// A date that is not `yyyy-MM-dd`.
    #[error("日期无效：请输入如 2026-12-05 的日期")]
    BadDay,
    /// The ledger refused (a shift already open, a permission …).
    #[error("{0}")]
    Refused(String),
    /// The ledger failed.
    #[error("账本错误：{0}")]
    Ledger(String),
}

impl TillError {
    /// The stable code (docs/rules.md).
    pub fn code(&self) -> &'static str {
        match self {
            TillError::NotOpen => "TILL_NOT_OPEN",
            TillError::BadAmount { .. } => "TILL_BAD_AMOUNT",
            TillError::BadDay => "TILL_BAD_DAY",
            TillError::Refused(_) => "TILL_REFUSED",
            TillError::Ledger(_) => "TILL_LEDGER",
        }
    }
}

impl From<StoreError> for TillError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rule(m) | StoreError::Invalid(m) => TillError::Refused(m),
            StoreError::Forbidden { .. } => TillError::Refused(e.to_string()),
            other => TillError::Ledger(other.to_string()),
        }
    }
}

impl Serialize for TillError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("TillError", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// One method's line as the window shows it (money as decimal text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TillLineView {
    /// Method code.
    #[cfg_attr(
        feature = "ts",
        ts(type = "\"cash\" | \"wechat\" | \"alipay\" | \"terminal\"")
    )]
    pub method: String,
    /// zh-CN name.
    pub method_zh: String,
    /// en-US name.
    pub method_en: String,
    /// Received.
    pub sales: String,
    /// Payments.
    pub sales_count: u32,
    /// Given back.
    pub refunds: String,
    /// The float (cash).
    pub float: String,
    /// What the drawer / channel should hold.
    pub expected: String,
    /// Counted (once closed).
    pub counted: Option<String>,
    /// counted − expected (once closed).
    pub difference: Option<String>,
}

/// A till shift as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TillView {
    /// Shift number.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// Opened by (display name).
    pub opened_by: String,
    /// Opened at (CST wire time).
    pub opened_at: String,
    /// 备用金.
    pub float: String,
    /// Closed by.
    pub closed_by: Option<String>,
    /// Closed at.
    pub closed_at: Option<String>,
    /// Sales in the shift.
    pub sales_count: u32,
    /// Their total.
    pub sales_total: String,
    /// Refunds in the shift.
    pub refunds_count: u32,
    /// Per method.
    pub lines: Vec<TillLineView>,
    /// Counted cash − expected cash (once closed).
    pub cash_difference: Option<String>,
    /// The difference in words (once closed).
    pub difference_zh: Option<String>,
    /// The closing note.
    pub note: String,
}

/// A printed document: its text (preview) and what happened to the paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PrintedSlip {
    /// Plain-text rendering.
    pub text: String,
    /// `已打印`, or where the job was saved, or why not.
    pub printed_zh: String,
}

/// A closed shift with its 交班单.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TillClosed {
    /// The shift as closed.
    pub till: TillView,
    /// The 交班单.
    pub slip: PrintedSlip,
}

/// The 日结 as the window shows it, with its 日结单.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayReportView {
    /// The ledger's figures.
    pub report: rxdesk_store::DayReport,
    /// The 日结单 text (printed only when asked).
    pub slip: PrintedSlip,
}

/// The pharmacist's 下岗 as the window and the CLI see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ShiftEnded {
    /// A duty was open and is now ended.
    pub ended: bool,
    /// What happened, in zh-CN.
    pub message_zh: String,
}

/// The counter's till.
#[derive(Clone)]
pub struct TillService {
    store: Arc<Store>,
    config: VisitConfig,
    institution: String,
}

fn wire(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(format_wire)
        .unwrap_or_default()
}

fn when(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Parses money the cashier typed (`200`, `200.5`, `200.00`; not negative).
fn parse_amount(what: &str, text: &str) -> Result<Amount, TillError> {
    let bad = || TillError::BadAmount { what: what.into() };
    let t = text.trim().trim_start_matches('¥').trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(bad());
    }
    let d: rust_decimal::Decimal = t.parse().map_err(|_| bad())?;
    if d.is_sign_negative() || d.scale() > 2 {
        return Err(bad());
    }
    Amount::round(d).map_err(|_| bad())
}

/// The difference in words: 相符 / 短款 / 长款.
pub fn difference_zh(d: Amount) -> String {
    if d.value().is_zero() {
        "现金账实相符".into()
    } else if d.is_negative() {
        format!("现金短款 {} 元：请复点现金并在备注中说明", d.value().abs())
    } else {
        format!("现金长款 {d} 元：请复点现金并在备注中说明")
    }
}

fn view(s: &rxdesk_store::TillSummary) -> TillView {
    TillView {
        id: s.shift.id,
        opened_by: s.shift.opened_by_name.clone(),
        opened_at: wire(s.shift.opened_at),
        float: s.shift.float.to_string(),
        closed_by: s.shift.closed_by_name.clone(),
        closed_at: s.shift.closed_at.map(wire),
        sales_count: s.sales_count,
        sales_total: s.sales_total.to_string(),
        refunds_count: s.refunds_count,
        lines: s
            .lines
            .iter()
            .map(|l| TillLineView {
                method: l.method.clone(),
                method_zh: l.method_zh.clone(),
                method_en: rxdesk_store::till::method_en(&l.method).into(),
                sales: l.sales.to_string(),
                sales_count: l.sales_count,
                refunds: l.refunds.to_string(),
                float: l.float.to_string(),
                expected: l.expected.to_string(),
                counted: l.counted.map(|c| c.to_string()),
                difference: l.difference.map(|c| c.to_string()),
            })
            .collect(),
        cash_difference: s.shift.cash_difference.map(|d| d.to_string()),
        difference_zh: s.shift.cash_difference.map(difference_zh),
        note: s.shift.note.clone(),
    }
}

impl TillService {
    /// The till of a counter whose receipts follow `config`.
    pub fn new(store: Arc<Store>, config: VisitConfig, institution: &str) -> Self {
        Self {
            store,
            config,
            institution: institution.into(),
        }
    }

    /// The open shift, or [`TillError::NotOpen`].
    pub fn require_open(&self) -> Result<rxdesk_store::TillShift, TillError> {
        self.store.current_till()?.ok_or(TillError::NotOpen)
    }

    /// The open shift with its live figures (None when closed).
    pub fn current(&self) -> Result<Option<TillView>, TillError> {
        match self.store.current_till()? {
            Some(s) => Ok(Some(view(&self.store.till_summary(s.id)?))),
            None => Ok(None),
        }
    }

    /// Opens a shift with the float typed by the cashier.
    pub fn open(&self, by: &Session, float: &str) -> Result<TillView, TillError> {
        let float = parse_amount("备用金", float)?;
        let s = self.store.open_till(by, float)?;
        tracing::info!(till_shift = s.id, float = %float, "till opened");
        Ok(view(&self.store.till_summary(s.id)?))
    }

    /// Closes the open shift with the cash counted (and, optionally, the
    /// other methods' statement totals), prints the 交班单.
    pub async fn close(
        &self,
        by: &Session,
        counted_cash: &str,
        counted_other: &BTreeMap<String, String>,
        note: &str,
    ) -> Result<TillClosed, TillError> {
        self.require_open()?;
        let cash = parse_amount("清点现金", counted_cash)?;
        let mut other = BTreeMap::new();
        for (m, v) in counted_other {
            if v.trim().is_empty() {
                continue;
            }
            let what = rxdesk_store::till::method_zh(m);
            other.insert(m.clone(), parse_amount(what, v)?);
        }
        let closed = self.store.close_till(by, cash, &other, note)?;
        tracing::info!(
            till_shift = closed.shift.id,
            difference = ?closed.shift.cash_difference.map(|d| d.to_string()),
            "till closed"
        );
        let slip = self.print_till_slip(&closed, None).await;
        Ok(TillClosed {
            till: view(&closed),
            slip,
        })
    }

    /// A closed shift's figures and its 交班单 again (marked as a reprint).
    pub async fn reprint(&self, shift_id: i64) -> Result<TillClosed, TillError> {
        let s = self.store.till_summary(shift_id)?;
        if s.shift.closed_at.is_none() {
            return Err(TillError::Refused(format!(
                "班次 {shift_id} 尚未交班，没有交班单"
            )));
        }
        let slip = self.print_till_slip(&s, Some(Utc::now())).await;
        Ok(TillClosed {
            till: view(&s),
            slip,
        })
    }

    /// The 日结 of a CST day (`yyyy-MM-dd`, empty: today); printed when `print`.
    pub async fn day_report(
        &self,
        by: &Session,
        day: &str,
        print: bool,
    ) -> Result<DayReportView, TillError> {
        let day = if day.trim().is_empty() {
            rxdesk_store::reports::cst_day(self.store.now_ms())
        } else {
            NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").map_err(|_| TillError::BadDay)?
        };
        let report = self.store.day_report(day)?;
        let amount = |s: &str| s.parse::<Amount>().unwrap_or(Amount::ZERO);
        let op = |o: &rxdesk_store::till::DayFigures| rxdesk_receipts::DaySlipOperator {
            name: o.operator_name.clone(),
            sales_count: o.sales_count,
            sales_total: amount(&o.sales_total),
            fund_pay: amount(&o.fund_pay),
            account_pay: amount(&o.account_pay),
            refunds_count: o.refunds_count,
            by_method: o
                .by_method
                .iter()
                .map(|m| {
                    (
                        m.method_zh.clone(),
                        amount(&m.received),
                        amount(&m.refunded),
                    )
                })
                .collect(),
        };
        let doc = rxdesk_receipts::DaySlip {
            store: self.store_info(),
            day: report.day.clone(),
            operators: report.operators.iter().map(op).collect(),
            total: op(&report.total),
            printed_by: by.display_name().to_string(),
            printed_at: Utc::now(),
        };
        let els = rxdesk_receipts::day_slip(&doc);
        let text = rxdesk_receipts::render_plain_text(&els, self.paper());
        let printed_zh = if print {
            let bytes = rxdesk_receipts::escpos::to_escpos(&els, self.paper());
            self.send(bytes, &format!("day-{}", report.day)).await
        } else {
            String::new()
        };
        Ok(DayReportView {
            report,
            slip: PrintedSlip { text, printed_zh },
        })
    }

    fn store_info(&self) -> rxdesk_receipts::StoreInfo {
        rxdesk_receipts::StoreInfo {
            name: self.config.store_name.clone(),
            fixmedins_code: self.institution.clone(),
            address: Some(self.config.receipt_address.trim().to_string()).filter(|s| !s.is_empty()),
            phone: Some(self.config.receipt_phone.trim().to_string()).filter(|s| !s.is_empty()),
        }
    }

    fn paper(&self) -> rxdesk_receipts::Paper {
        match self.config.printer.as_ref().map(|p| p.width) {
            Some(rxdesk_devices::printer::escpos::PaperWidth::Mm58) => rxdesk_receipts::Paper::Mm58,
            _ => rxdesk_receipts::Paper::Mm80,
        }
    }

    async fn print_till_slip(
        &self,
        s: &rxdesk_store::TillSummary,
        reprinted_at: Option<DateTime<Utc>>,
    ) -> PrintedSlip {
        let slip = rxdesk_receipts::TillSlip {
            store: self.store_info(),
            shift_no: s.shift.id,
            opened_by: s.shift.opened_by_name.clone(),
            opened_at: when(s.shift.opened_at),
            closed_by: s.shift.closed_by_name.clone().unwrap_or_default(),
            closed_at: when(s.shift.closed_at.unwrap_or_default()),
            sales_count: s.sales_count,
            refunds_count: s.refunds_count,
            lines: s
                .lines
                .iter()
                .map(|l| rxdesk_receipts::TillSlipLine {
                    method_zh: l.method_zh.clone(),
                    sales: l.sales,
                    refunds: l.refunds,
                    float: l.float,
                    expected: l.expected,
                    counted: l.counted.unwrap_or(l.expected),
                    difference: l.difference.unwrap_or(Amount::ZERO),
                })
                .collect(),
            note: s.shift.note.clone(),
            reprinted_at,
        };
        let els = match rxdesk_receipts::till_slip(&slip) {
            Ok(e) => e,
            Err(e) => {
                return PrintedSlip {
                    text: String::new(),
                    printed_zh: format!("交班单无法生成：{e}"),
                }
            }
        };
        let text = rxdesk_receipts::render_plain_text(&els, self.paper());
        let bytes = rxdesk_receipts::escpos::to_escpos(&els, self.paper());
        let printed_zh = self.send(bytes, &format!("till-{}", s.shift.id)).await;
        PrintedSlip { text, printed_zh }
    }

    async fn send(&self, bytes: Vec<u8>, name: &str) -> String {
        print_job(&self.config, bytes, name).await
    }
}

/// Sends one ESC/POS job to the configured receipt printer, or (none
/// configured) saves it as `<receipts>/<name>.escpos`; the outcome in words.
pub async fn print_job(config: &VisitConfig, bytes: Vec<u8>, name: &str) -> String {
    match config.printer.clone() {
        Some(p) => {
            let r = tokio::task::spawn_blocking(move || {
                use rxdesk_devices::printer::ReceiptPrinter as _;
                let mut printer = rxdesk_devices::settings::open_printer(&p);
                printer.print(&bytes)
            })
            .await;
            match r {
                Ok(Ok(())) => "已打印".into(),
                Ok(Err(e)) => format!("打印失败：{}。可稍后补打", e.message_zh()),
                Err(e) => format!("打印失败：{e}。可稍后补打"),
            }
        }
        None => {
            let path = config.receipts_dir.join(format!("{name}.escpos"));
            let written = crate::paths::create_private_dir(&config.receipts_dir)
                .and_then(|()| crate::paths::write_private(&path, &bytes));
            match written {
                Ok(()) => format!("未配置小票打印机：已保存为 {}", path.display()),
                Err(e) => format!("未配置小票打印机，且无法保存（{e}）"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_typed_by_the_cashier() {
        assert_eq!(parse_amount("备用金", "200").unwrap().to_string(), "200.00");
        assert_eq!(
            parse_amount("备用金", " ¥12.5 ").unwrap().to_string(),
            "12.50"
        );
        for bad in ["", "-1", "abc", "1.005", "1e3"] {
            let e = parse_amount("备用金", bad).unwrap_err();
            assert_eq!(e.code(), "TILL_BAD_AMOUNT", "{bad}");
            assert!(e.to_string().contains("备用金金额无效"));
        }
        assert_eq!(difference_zh("0.00".parse().unwrap()), "现金账实相符");
        assert!(difference_zh("-2.50".parse().unwrap()).starts_with("现金短款 2.50 元"));
        assert!(difference_zh("3.00".parse().unwrap()).starts_with("现金长款 3.00 元"));
        let json = serde_json::to_value(TillError::NotOpen).unwrap();
        assert_eq!(json["code"], "TILL_NOT_OPEN");
        assert!(json["message"].as_str().unwrap().contains("开班"));
    }
}
