//! The till's paper: the 交班单 (shift close slip: float, per payment method
//! what the ledger expects, what was counted and the difference) and the
//! 日结单 (a day's figures per operator), for the receipt printer; and the
//! cash-drawer kick that goes with a cash sale's receipt.
//!
//! Like the other documents these render plain values into
//! [`ReceiptElement`]s; the counter service fills the values from the
//! ledger. Figures that do not add up (expected ≠ sales − refunds + float,
//! difference ≠ counted − expected) are refused, not printed.

use crate::layout::{Paper, ReceiptElement as El, Style};
use crate::text::Align;
use crate::{ReceiptError, StoreInfo};
use chrono::{DateTime, Utc};
use rxdesk_core::time::format_wire;
use rxdesk_core::Amount;
use serde::{Deserialize, Serialize};

/// One payment method's line of a 交班单.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillSlipLine {
    /// Method name (zh-CN), e.g. `现金`.
    pub method_zh: String,
    /// Received by this method in the shift.
    pub sales: Amount,
    /// Given back by this method in the shift.
    pub refunds: Amount,
    /// The float (cash), else zero.
    pub float: Amount,
    /// `sales − refunds + float`.
    pub expected: Amount,
    /// Counted (cash) or per the channel's statement.
    pub counted: Amount,
    /// `counted − expected`.
    pub difference: Amount,
}

/// Everything a 交班单 prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TillSlip {
    /// The pharmacy.
    pub store: StoreInfo,
    /// Shift number.
    pub shift_no: i64,
    /// Who opened it.
    pub opened_by: String,
    /// When.
    pub opened_at: DateTime<Utc>,
    /// Who closed it.
    pub closed_by: String,
    /// When.
    pub closed_at: DateTime<Utc>,
    /// Sales in the shift.
    pub sales_count: u32,
    /// Refunds whose money went back in the shift.
    pub refunds_count: u32,
    /// One line per method.
    pub lines: Vec<TillSlipLine>,
    /// The closing note.
    #[serde(default)]
    pub note: String,
    /// Set when printed again.
    #[serde(default)]
    pub reprinted_at: Option<DateTime<Utc>>,
}

/// One operator's line of a 日结单.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySlipOperator {
    /// Operator (`合计` for the total).
    pub name: String,
    /// Sales.
    pub sales_count: u32,
    /// Medical fee total.
    pub sales_total: Amount,
    /// Paid by the funds.
    pub fund_pay: Amount,
    /// Paid from the personal account.
    pub account_pay: Amount,
    /// Refunds.
    pub refunds_count: u32,
    /// Per method: (name, received, given back).
    pub by_method: Vec<(String, Amount, Amount)>,
}

/// Everything a 日结单 prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySlip {
    /// The pharmacy.
    pub store: StoreInfo,
    /// `yyyy-MM-dd` (CST).
    pub day: String,
    /// Per operator.
    pub operators: Vec<DaySlipOperator>,
    /// The day's total.
    pub total: DaySlipOperator,
    /// Printed by.
    pub printed_by: String,
    /// Printed at.
    pub printed_at: DateTime<Utc>,
}

fn sub(a: Amount, b: Amount) -> Result<Amount, ReceiptError> {
    Ok(a.checked_sub(b)?)
}

fn header(out: &mut Vec<El>, store: &StoreInfo, title: &str) {
    out.push(El::styled(&store.name, Align::Center, Style::TALL));
    out.push(El::styled(
        format!("定点编号 {}", store.fixmedins_code),
        Align::Center,
        Style::PLAIN,
    ));
    out.push(El::Feed { lines: 1 });
    out.push(El::styled(title, Align::Center, Style::TITLE));
}

fn signed(a: Amount) -> String {
    if a.value().is_sign_positive() && !a.value().is_zero() {
        format!("+{a}")
    } else {
        a.to_string()
    }
}

/// The 交班单. Refused when a line's figures do not add up.
pub fn till_slip(s: &TillSlip) -> Result<Vec<El>, ReceiptError> {
    for l in &s.lines {
        let expected = sub(l.sales, l.refunds)?.checked_add(l.float)?;
        if expected != l.expected || sub(l.counted, l.expected)? != l.difference {
            return Err(ReceiptError::TillDoesNotAddUp {
                method: l.method_zh.clone(),
            });
        }
    }
    let mut out = Vec::new();
    header(&mut out, &s.store, "交班单");
    if let Some(at) = s.reprinted_at {
        out.push(El::styled(
            format!("** 重印 {} **", format_wire(at)),
            Align::Center,
            Style::BOLD,
        ));
    }
    out.push(El::Rule { ch: '=' });
    out.push(El::columns("班次", s.shift_no.to_string()));
    out.push(El::columns("开班", s.opened_by.clone()));
    out.push(El::text(format_wire(s.opened_at)));
    out.push(El::columns("交班", s.closed_by.clone()));
    out.push(El::text(format_wire(s.closed_at)));
    out.push(El::columns("销售笔数", s.sales_count.to_string()));
    out.push(El::columns("退费笔数", s.refunds_count.to_string()));
    for l in &s.lines {
        out.push(El::rule());
        out.push(El::styled(&l.method_zh, Align::Left, Style::BOLD));
        out.push(El::columns_styled(
            "收款",
            l.sales.to_string(),
            Style::PLAIN,
            2,
        ));
        out.push(El::columns_styled(
            "退款",
            format!("-{}", l.refunds),
            Style::PLAIN,
            2,
        ));
        if !l.float.value().is_zero() {
            out.push(El::columns_styled(
                "备用金",
                l.float.to_string(),
                Style::PLAIN,
                2,
            ));
        }
        out.push(El::columns_styled(
            "应有",
            l.expected.to_string(),
            Style::PLAIN,
            2,
        ));
        out.push(El::columns_styled(
            "实点",
            l.counted.to_string(),
            Style::PLAIN,
            2,
        ));
        let style = if l.difference.value().is_zero() {
            Style::PLAIN
        } else {
            Style::BOLD
        };
        out.push(El::columns_styled("差额", signed(l.difference), style, 2));
    }
    out.push(El::Rule { ch: '=' });
    let cash = s.lines.iter().find(|l| l.method_zh == "现金");
    if let Some(c) = cash {
        let words = if c.difference.value().is_zero() {
            "现金账实相符".to_string()
        } else if c.difference.is_negative() {
            format!("现金短款 {} 元", c.difference.value().abs())
        } else {
            format!("现金长款 {} 元", c.difference)
        };
        out.push(El::styled(words, Align::Left, Style::TALL));
    }
    if !s.note.trim().is_empty() {
        out.push(El::indented(format!("备注 {}", s.note.trim()), 0, 5));
    }
    out.push(El::Feed { lines: 1 });
    out.push(El::text("交班人签字："));
    out.push(El::Feed { lines: 1 });
    out.push(El::text("接班人签字："));
    out.push(El::Feed { lines: 2 });
    out.push(El::Cut);
    Ok(out)
}

/// The 日结单: the day's totals, per method, then per operator.
pub fn day_slip(d: &DaySlip) -> Vec<El> {
    let mut out = Vec::new();
    header(&mut out, &d.store, "日结单");
    out.push(El::Rule { ch: '=' });
    out.push(El::columns("日期", d.day.clone()));
    out.push(El::columns("打印", d.printed_by.clone()));
    out.push(El::text(format_wire(d.printed_at)));
    let block = |out: &mut Vec<El>, o: &DaySlipOperator| {
        out.push(El::rule());
        out.push(El::styled(&o.name, Align::Left, Style::BOLD));
        out.push(El::columns_styled(
            format!("销售 {} 笔", o.sales_count),
            o.sales_total.to_string(),
            Style::PLAIN,
            2,
        ));
        out.push(El::columns_styled(
            "统筹基金",
            o.fund_pay.to_string(),
            Style::PLAIN,
            2,
        ));
        out.push(El::columns_styled(
            "个人账户",
            o.account_pay.to_string(),
            Style::PLAIN,
            2,
        ));
        for (m, r, b) in &o.by_method {
            if r.value().is_zero() && b.value().is_zero() {
                continue;
            }
            out.push(El::columns_styled(
                format!("{m} 收"),
                r.to_string(),
                Style::PLAIN,
                2,
            ));
            if !b.value().is_zero() {
                out.push(El::columns_styled(
                    format!("{m} 退"),
                    format!("-{b}"),
                    Style::PLAIN,
                    2,
                ));
            }
        }
        if o.refunds_count > 0 {
            out.push(El::columns_styled(
                "退费笔数",
                o.refunds_count.to_string(),
                Style::PLAIN,
                2,
            ));
        }
    };
    block(&mut out, &d.total);
    for o in &d.operators {
        block(&mut out, o);
    }
    out.push(El::Feed { lines: 2 });
    out.push(El::Cut);
    out
}

/// A receipt job that also opens the cash drawer (`ESC p 0`): sent with a
/// cash sale's receipt, so the drawer opens as the receipt prints.
pub fn to_escpos_opening_drawer(elements: &[El], paper: Paper) -> Vec<u8> {
    crate::escpos::to_escpos_job(elements, paper, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxdesk_devices::printer::decode::{decode_all, printed_lines, Event};

    fn a(s: &str) -> Amount {
        s.parse().unwrap()
    }

    fn store() -> StoreInfo {
        StoreInfo {
            name: "康宁大药房".into(),
            fixmedins_code: "P44030500001".into(),
            address: None,
            phone: None,
        }
    }

    fn slip() -> TillSlip {
        TillSlip {
            store: store(),
            shift_no: 7,
            opened_by: "赵收银".into(),
            opened_at: Utc::now(),
            closed_by: "赵收银".into(),
            closed_at: Utc::now(),
            sales_count: 2,
            refunds_count: 0,
            lines: vec![
                TillSlipLine {
                    method_zh: "现金".into(),
                    sales: a("12.50"),
                    refunds: a("0.00"),
                    float: a("200.00"),
                    expected: a("212.50"),
                    counted: a("210.00"),
                    difference: a("-2.50"),
                },
                TillSlipLine {
                    method_zh: "聚合支付/银行卡终端".into(),
                    sales: a("30.00"),
                    refunds: a("0.00"),
                    float: a("0.00"),
                    expected: a("30.00"),
                    counted: a("30.00"),
                    difference: a("0.00"),
                },
            ],
            note: "短款待查".into(),
            reprinted_at: None,
        }
    }

    #[test]
    fn till_slip_shows_expected_counted_and_the_shortage() {
        for paper in [Paper::Mm58, Paper::Mm80] {
            let els = till_slip(&slip()).unwrap();
            let text = crate::render_plain_text(&els, paper);
            assert!(text.contains("交班单"), "{text}");
            assert!(text.contains("212.50") && text.contains("210.00"), "{text}");
            assert!(text.contains("-2.50"), "{text}");
            assert!(text.contains("现金短款 2.50 元"), "{text}");
            // The ESC/POS bytes print the same lines and open no drawer.
            let ev = decode_all(&crate::escpos::to_escpos(&els, paper));
            let lines = printed_lines(&ev).join("\n");
            assert!(lines.contains("现金短款 2.50 元"), "{lines}");
            assert!(!ev.iter().any(|e| matches!(e, Event::DrawerKick { .. })));
        }
        let mut bad = slip();
        bad.lines[0].difference = a("0.00");
        assert!(matches!(
            till_slip(&bad),
            Err(ReceiptError::TillDoesNotAddUp { .. })
        ));
        let mut bad = slip();
        bad.lines[0].expected = a("12.50");
        bad.lines[0].difference = a("197.50");
        assert!(till_slip(&bad).is_err());
    }

    #[test]
    fn drawer_kick_only_when_asked() {
        let els = vec![El::text("现金 12.50"), El::Cut];
        let kick = decode_all(&to_escpos_opening_drawer(&els, Paper::Mm80));
        assert!(kick.contains(&Event::DrawerKick { pin: 0 }));
        assert_eq!(printed_lines(&kick), vec!["现金 12.50".to_string()]);
        let plain = decode_all(&crate::escpos::to_escpos(&els, Paper::Mm80));
        assert!(!plain.iter().any(|e| matches!(e, Event::DrawerKick { .. })));
    }

    #[test]
    fn day_slip_lists_total_then_operators() {
        let op = |name: &str, n, t: &str| DaySlipOperator {
            name: name.into(),
            sales_count: n,
            sales_total: a(t),
            fund_pay: a("0.00"),
            account_pay: a("0.00"),
            refunds_count: 0,
            by_method: vec![("现金".into(), a(t), a("0.00"))],
        };
        let d = DaySlip {
            store: store(),
            day: "2026-12-05".into(),
            operators: vec![op("赵收银", 2, "25.00"), op("李药师", 1, "12.50")],
            total: op("合计", 3, "37.50"),
            printed_by: "王店长".into(),
            printed_at: Utc::now(),
        };
        let text = crate::render_plain_text(&day_slip(&d), Paper::Mm58);
        let total = text.find("合计").unwrap();
        let first = text.find("赵收银").unwrap();
        assert!(total < first, "{text}");
        assert!(
            text.contains("销售 3 笔") && text.contains("37.50"),
            "{text}"
        );
    }
}
