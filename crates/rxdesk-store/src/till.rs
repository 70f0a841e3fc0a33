//! The till (收银班次, 交班, 日结) and the pharmacist's duty (上岗/下岗),
//! kept in the ledger so they survive the process and can be audited.
//!
//! - A **till shift** is opened with a float (备用金) and closed with the
//!   cash counted. Every sale recorded while it is open carries its id
//!   (`sales.till_shift_id`), and so does the money a refund gives back
//!   (`refund_journal.till_shift_id`, set when the money is returned). What
//!   the drawer should hold per method is therefore a sum over the ledger:
//!   `expected = sales − refunds (+ the float, for cash)`, computed in the
//!   closing transaction, stored with the counted figures and the cash
//!   difference, and audit-logged. One shift is open at a time (one till per
//!   ledger: a unique partial index).
//! - The **day report** (日结) sums one CST day per operator from the same
//!   rows: sales by the sale's operator on the day it was sold, refunds by
//!   the refunding operator on the day the money went back.
//! - A **duty shift** is the pharmacist's 上岗 (after the e-voucher check
//!   in the counter service) and 下岗; the audit (`rx_audits.duty_shift_id`)
//!   points at the duty it was made in. Both ends are audit-logged.

use crate::error::{Result, StoreError};
use crate::operators::Permission;
use crate::reports::day_range_ms;
use crate::{auditlog, Session, Store};
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use rxdesk_core::Amount;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::str::FromStr;

/// The payment methods of the self-paid part, in the order reports list them.
pub const METHODS: [&str; 4] = ["cash", "wechat", "alipay", "terminal"];

/// zh-CN name of a payment method code.
pub fn method_zh(method: &str) -> &'static str {
    match method {
        "cash" => "现金",
        "wechat" => "微信支付",
        "alipay" => "支付宝",
        "terminal" => "聚合支付/银行卡终端",
        _ => "其他",
    }
}

/// en-US name of a payment method code.
pub fn method_en(method: &str) -> &'static str {
    match method {
        "cash" => "Cash",
        "wechat" => "WeChat Pay",
        "alipay" => "Alipay",
        "terminal" => "Payment terminal",
        _ => "Other",
    }
}

fn amount(text: &str) -> Result<Amount> {
    Amount::from_str(text.trim())
        .map_err(|e| StoreError::Invalid(format!("金额 {text:?} 无法读取 / amount: {e}")))
}

fn add(a: Amount, b: Amount) -> Result<Amount> {
    a.checked_add(b)
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

fn sub(a: Amount, b: Amount) -> Result<Amount> {
    a.checked_sub(b)
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

/// A till shift as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TillShift {
    /// Row id (the shift number printed on the 交班单).
    pub id: i64,
    /// Who opened it.
    pub opened_by: i64,
    /// Their display name.
    pub opened_by_name: String,
    /// Unix ms.
    pub opened_at: i64,
    /// 备用金.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub float: Amount,
    /// Who closed it.
    pub closed_by: Option<i64>,
    /// Their display name.
    pub closed_by_name: Option<String>,
    /// Unix ms.
    pub closed_at: Option<i64>,
    /// Counted cash − expected cash, once closed.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub cash_difference: Option<Amount>,
    /// The closing note.
    pub note: String,
}

/// One payment method's line of a till shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TillMethodLine {
    /// Method code (`cash`, `wechat`, `alipay`, `terminal`).
    pub method: String,
    /// zh-CN name.
    pub method_zh: String,
    /// Payments taken by this method.
    pub sales: Amount,
    /// How many payments.
    pub sales_count: u32,
    /// Money given back by this method.
    pub refunds: Amount,
    /// How many refunds.
    pub refunds_count: u32,
    /// The float (cash only, else 0).
    pub float: Amount,
    /// `sales − refunds + float`.
    pub expected: Amount,
    /// As counted at close (cash), or as the terminal / channel statement
    /// says (others); `None` while open.
    pub counted: Option<Amount>,
    /// `counted − expected`.
    pub difference: Option<Amount>,
}

/// A till shift with its figures per method, computed from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TillSummary {
    /// The shift.
    pub shift: TillShift,
    /// One line per method, in [`METHODS`] order.
    pub lines: Vec<TillMethodLine>,
    /// Sales recorded in the shift.
    pub sales_count: u32,
    /// Their total (medical fee, every payer).
    pub sales_total: Amount,
    /// Refunds whose money went back in the shift.
    pub refunds_count: u32,
}

impl TillSummary {
    /// The cash line.
    pub fn cash(&self) -> Option<&TillMethodLine> {
        self.lines.iter().find(|l| l.method == "cash")
    }
}

/// One operator's (or the day's) figures in the 日结.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DayFigures {
    /// Operator row id (0 for the day's total).
    pub operator_id: i64,
    /// Display name (`合计` for the total).
    pub operator_name: String,
    /// Sales recorded.
    pub sales_count: u32,
    /// Their medical fee total (`sales.total`).
    pub sales_total: String,
    /// Paid by the insurance funds.
    pub fund_pay: String,
    /// Paid from the personal account.
    pub account_pay: String,
    /// Self-paid at the counter (sum of the payments).
    pub self_paid: String,
    /// Refunds whose money went back.
    pub refunds_count: u32,
    /// Per method: `(method, received, given back, net)` as decimal text.
    pub by_method: Vec<DayMethod>,
}

/// One method's figures in the 日结.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DayMethod {
    /// Method code.
    pub method: String,
    /// zh-CN name.
    pub method_zh: String,
    /// Received.
    pub received: String,
    /// Given back.
    pub refunded: String,
    /// `received − refunded`.
    pub net: String,
}

/// The 日结 of one CST day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DayReport {
    /// `yyyy-MM-dd` (CST).
    pub day: String,
    /// Per operator, by login order of first appearance (operator id).
    pub operators: Vec<DayFigures>,
    /// The day's total.
    pub total: DayFigures,
    /// Till shifts opened that day.
    pub shifts: Vec<TillShift>,
}

/// A pharmacist's duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DutyShift {
    /// Row id.
    pub id: i64,
    /// The pharmacist.
    pub operator_id: i64,
    /// Unix ms.
    pub started_at: i64,
    /// Unix ms (`None` while on duty).
    pub ended_at: Option<i64>,
    /// `off_duty` (下岗) or `replaced` (another 上岗 at this counter).
    pub end_reason: String,
}

struct Acc {
    sales: Amount,
    sales_count: u32,
    refunds: Amount,
    refunds_count: u32,
}

impl Default for Acc {
    fn default() -> Self {
        Acc {
            sales: Amount::ZERO,
            sales_count: 0,
            refunds: Amount::ZERO,
            refunds_count: 0,
        }
    }
}

/// Per operator while summing a day: (name, sales, total, fund, account,
/// refunds, per method (received, given back)).
type OperatorAcc = (
    String,
    u32,
    Amount,
    Amount,
    Amount,
    u32,
    BTreeMap<String, (Amount, Amount)>,
);
/// A day's sale as read: (id, operator, name, total, fund, account).
type DaySaleRow = (i64, i64, String, String, Option<String>, Option<String>);

type ShiftRow = (
    i64,
    i64,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
);

const SHIFT_SELECT: &str = "SELECT t.id, t.opened_by, o.display_name, t.opened_at, t.float_amount,
        t.closed_by, c.display_name, t.closed_at, t.cash_difference, t.note
     FROM till_shifts t JOIN operators o ON o.id = t.opened_by
     LEFT JOIN operators c ON c.id = t.closed_by";

fn shift_of(r: ShiftRow) -> Result<TillShift> {
    Ok(TillShift {
        id: r.0,
        opened_by: r.1,
        opened_by_name: r.2,
        opened_at: r.3,
        float: amount(&r.4)?,
        closed_by: r.5,
        closed_by_name: r.6,
        closed_at: r.7,
        cash_difference: r.8.as_deref().map(amount).transpose()?,
        note: r.9,
    })
}

fn shifts_where(c: &Connection, filter: &str, arg: i64, arg2: i64) -> Result<Vec<TillShift>> {
    let mut st = c
        .prepare(&format!("{SHIFT_SELECT} WHERE {filter} ORDER BY t.id"))
        .map_err(StoreError::sql("read till shifts"))?;
    let rows = st
        .query_map(params![arg, arg2], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })
        .map_err(StoreError::sql("read till shifts"))?
        .collect::<std::result::Result<Vec<ShiftRow>, _>>()
        .map_err(StoreError::sql("read till shifts"))?;
    rows.into_iter().map(shift_of).collect()
}

fn open_shift_in(c: &Connection) -> Result<Option<TillShift>> {
    Ok(shifts_where(c, "t.closed_at IS NULL AND ?1 = ?2", 0, 0)?.pop())
}

/// Payments of the sales of a shift and money given back in it, per method.
fn method_totals(
    c: &Connection,
    shift_id: i64,
) -> Result<(BTreeMap<String, Acc>, u32, Amount, u32)> {
    let mut acc: BTreeMap<String, Acc> = METHODS
        .iter()
        .map(|m| (m.to_string(), Acc::default()))
        .collect();
    let pays: Vec<(String, String)> = {
        let mut st = c
            .prepare(
                "SELECT p.method, p.amount FROM sale_payments p JOIN sales s ON s.id = p.sale_id
                 WHERE s.till_shift_id = ?1 ORDER BY p.id",
            )
            .map_err(StoreError::sql("read till payments"))?;
        let rows = st
            .query_map([shift_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(StoreError::sql("read till payments"))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(StoreError::sql("read till payments"))?;
        rows
    };
    for (m, a) in pays {
        let e = acc.entry(m).or_default();
        e.sales = add(e.sales, amount(&a)?)?;
        e.sales_count += 1;
    }
    let returned: Vec<String> = {
        let mut st = c
            .prepare(
                "SELECT returned_json FROM refund_journal
                 WHERE till_shift_id = ?1 AND step IN ('money_returned', 'done') ORDER BY id",
            )
            .map_err(StoreError::sql("read till refunds"))?;
        let rows = st
            .query_map([shift_id], |r| r.get(0))
            .map_err(StoreError::sql("read till refunds"))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(StoreError::sql("read till refunds"))?;
        rows
    };
    let refunds_count = returned.len() as u32;
    for j in returned {
        let paid: Vec<crate::money::SalePayment> = serde_json::from_str(&j)
            .map_err(|e| StoreError::Invalid(format!("refund money record: {e}")))?;
        for p in paid {
            let e = acc.entry(p.method.clone()).or_default();
            e.refunds = add(e.refunds, amount(&p.amount)?)?;
            e.refunds_count += 1;
        }
    }
    let (count, total): (i64, Vec<String>) = {
        let mut st = c
            .prepare("SELECT total FROM sales WHERE till_shift_id = ?1")
            .map_err(StoreError::sql("read till sales"))?;
        let totals = st
            .query_map([shift_id], |r| r.get(0))
            .map_err(StoreError::sql("read till sales"))?
            .collect::<std::result::Result<Vec<String>, _>>()
            .map_err(StoreError::sql("read till sales"))?;
        (totals.len() as i64, totals)
    };
    let mut sales_total = Amount::ZERO;
    for t in total {
        sales_total = add(sales_total, amount(&t)?)?;
    }
    Ok((acc, count as u32, sales_total, refunds_count))
}

fn summary_in(c: &Connection, shift: TillShift) -> Result<TillSummary> {
    let (acc, sales_count, sales_total, refunds_count) = method_totals(c, shift.id)?;
    let counted: BTreeMap<String, String> = c
        .query_row(
            "SELECT counted_json FROM till_shifts WHERE id = ?1",
            [shift.id],
            |r| r.get::<_, Option<String>>(0),
        )
        .map_err(StoreError::sql("read till shift"))?
        .map(|j| serde_json::from_str(&j))
        .transpose()
        .map_err(|e| StoreError::Invalid(format!("counted figures: {e}")))?
        .unwrap_or_default();
    let mut lines = Vec::new();
    for (method, a) in acc {
        let float = if method == "cash" {
            shift.float
        } else {
            Amount::ZERO
        };
        let expected = add(sub(a.sales, a.refunds)?, float)?;
        let counted = counted.get(&method).map(|s| amount(s)).transpose()?;
        let difference = counted.map(|n| sub(n, expected)).transpose()?;
        lines.push(TillMethodLine {
            method_zh: method_zh(&method).to_string(),
            method,
            sales: a.sales,
            sales_count: a.sales_count,
            refunds: a.refunds,
            refunds_count: a.refunds_count,
            float,
            expected,
            counted,
            difference,
        });
    }
    lines.sort_by_key(|l| {
        METHODS
            .iter()
            .position(|m| *m == l.method)
            .unwrap_or(METHODS.len())
    });
    Ok(TillSummary {
        shift,
        lines,
        sales_count,
        sales_total,
        refunds_count,
    })
}

impl Store {
    /// Opens the till with a float (备用金, ≥ 0). Refused while a shift is open.
    pub fn open_till(&self, by: &Session, float: Amount) -> Result<TillShift> {
        by.require(Permission::Sell)?;
        if float.is_negative() {
            return Err(StoreError::Invalid(
                "备用金不能为负数 / the float cannot be negative".into(),
            ));
        }
        let now = self.now_ms();
        self.write("open till", |tx| {
            if let Some(open) = open_shift_in(tx)? {
                return Err(StoreError::Rule(format!(
                    "收银班次 {} 尚未交班（{} 开班）：请先交班再开新班 / till shift {} is still open",
                    open.id, open.opened_by_name, open.id
                )));
            }
            tx.execute(
                "INSERT INTO till_shifts (opened_by, opened_at, float_amount) VALUES (?1, ?2, ?3)",
                params![by.operator_id(), now, float.to_string()],
            )
            .map_err(StoreError::sql("open till"))?;
            let id = tx.last_insert_rowid();
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "till.open",
                &json!({"till_shift_id": id, "float": float.to_string()}),
            )?;
            open_shift_in(tx)?.ok_or_else(|| StoreError::NotFound("till shift".into()))
        })
    }

    /// The open till shift, if any.
    pub fn current_till(&self) -> Result<Option<TillShift>> {
        self.read(open_shift_in)
    }

    /// One till shift.
    pub fn till_shift(&self, id: i64) -> Result<Option<TillShift>> {
        self.read(|c| Ok(shifts_where(c, "t.id = ?1 AND ?2 = ?2", id, 0)?.pop()))
    }

    /// A shift's figures per method, computed from the ledger (with the
    /// counted figures once closed).
    pub fn till_summary(&self, id: i64) -> Result<TillSummary> {
        self.read(|c| {
            let shift = shifts_where(c, "t.id = ?1 AND ?2 = ?2", id, 0)?
                .pop()
                .ok_or_else(|| StoreError::NotFound(format!("till shift {id}")))?;
            summary_in(c, shift)
        })
    }

    /// Closes the open till (交班): `counted_cash` is the cash counted in the
    /// drawer (float included); `counted_other` the totals of the other
    /// methods as the channel or terminal statement shows them (a method left
    /// out is taken as expected). Expected figures are computed from the
    /// ledger in the same transaction, stored with the counted ones and the
    /// cash difference, and audit-logged.
    pub fn close_till(
        &self,
        by: &Session,
        counted_cash: Amount,
        counted_other: &BTreeMap<String, Amount>,
        note: &str,
    ) -> Result<TillSummary> {
        by.require(Permission::Sell)?;
        if counted_cash.is_negative() {
            return Err(StoreError::Invalid(
                "清点现金不能为负数 / counted cash cannot be negative".into(),
            ));
        }
        for m in counted_other.keys() {
            if m == "cash" || !METHODS.contains(&m.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "收款方式 {m:?} 不可在此清点 / method"
                )));
            }
        }
        let now = self.now_ms();
        self.write("close till", |tx| {
            let shift = open_shift_in(tx)?.ok_or_else(|| {
                StoreError::Rule("当前没有开班的收银班次，无需交班 / no till shift is open".into())
            })?;
            let open = summary_in(tx, shift.clone())?;
            let mut expected = BTreeMap::new();
            let mut counted = BTreeMap::new();
            let mut cash_difference = Amount::ZERO;
            for l in &open.lines {
                expected.insert(l.method.clone(), l.expected.to_string());
                let c = if l.method == "cash" {
                    cash_difference = sub(counted_cash, l.expected)?;
                    counted_cash
                } else {
                    counted_other.get(&l.method).copied().unwrap_or(l.expected)
                };
                counted.insert(l.method.clone(), c.to_string());
            }
            let changed = tx
                .execute(
                    "UPDATE till_shifts SET closed_by = ?2, closed_at = ?3, expected_json = ?4,
                         counted_json = ?5, cash_difference = ?6, note = ?7
                     WHERE id = ?1 AND closed_at IS NULL",
                    params![
                        shift.id,
                        by.operator_id(),
                        now,
                        serde_json::to_string(&expected).unwrap_or_default(),
                        serde_json::to_string(&counted).unwrap_or_default(),
                        cash_difference.to_string(),
                        note.trim()
                    ],
                )
                .map_err(StoreError::sql("close till"))?;
            if changed != 1 {
                return Err(StoreError::Rule("收银班次已交班 / already closed".into()));
            }
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "till.close",
                &json!({"till_shift_id": shift.id, "expected": expected, "counted": counted,
                        "cash_difference": cash_difference.to_string()}),
            )?;
            let closed = shifts_where(tx, "t.id = ?1 AND ?2 = ?2", shift.id, 0)?
                .pop()
                .ok_or_else(|| StoreError::NotFound("till shift".into()))?;
            summary_in(tx, closed)
        })
    }

    /// The 日结 of a CST day: per operator and in total, every figure a sum
    /// over the day's sales (by sale time) and refund money (by the time it
    /// went back).
    pub fn day_report(&self, day: NaiveDate) -> Result<DayReport> {
        let (from, to) = day_range_ms(day);
        self.read(|c| {
            // (operator, name) -> figures
            let mut per: BTreeMap<i64, OperatorAcc> = BTreeMap::new();
            let sales: Vec<DaySaleRow> = {
                let mut st = c
                    .prepare(
                        "SELECT s.id, s.operator_id, o.display_name, s.total, st.fund_pay_sumamt, st.acct_pay
                         FROM sales s JOIN operators o ON o.id = s.operator_id
                         LEFT JOIN settlements st ON st.sale_id = s.id
                         WHERE s.sold_at >= ?1 AND s.sold_at < ?2 ORDER BY s.id",
                    )
                    .map_err(StoreError::sql("read day sales"))?;
                let rows = st
                    .query_map(params![from, to], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                    })
                    .map_err(StoreError::sql("read day sales"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("read day sales"))?;
                rows
            };
            for (sale_id, op, name, total, fund, acct) in sales {
                let e = per.entry(op).or_insert_with(|| {
                    (name, 0, Amount::ZERO, Amount::ZERO, Amount::ZERO, 0, BTreeMap::new())
                });
                e.1 += 1;
                e.2 = add(e.2, amount(&total)?)?;
                e.3 = add(e.3, fund.as_deref().map(amount).transpose()?.unwrap_or(Amount::ZERO))?;
                e.4 = add(e.4, acct.as_deref().map(amount).transpose()?.unwrap_or(Amount::ZERO))?;
                let mut st = c
                    .prepare_cached("SELECT method, amount FROM sale_payments WHERE sale_id = ?1")
                    .map_err(StoreError::sql("read day payments"))?;
                let pays = st
                    .query_map([sale_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                    .map_err(StoreError::sql("read day payments"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("read day payments"))?;
                for (m, a) in pays {
                    let slot = e.6.entry(m).or_insert((Amount::ZERO, Amount::ZERO));
                    slot.0 = add(slot.0, amount(&a)?)?;
                }
            }
            let refunds: Vec<(i64, String, String)> = {
                let mut st = c
                    .prepare(
                        "SELECT j.operator_id, o.display_name, j.returned_json FROM refund_journal j
                         JOIN operators o ON o.id = j.operator_id
                         WHERE j.step IN ('money_returned', 'done')
                           AND j.money_returned_at >= ?1 AND j.money_returned_at < ?2 ORDER BY j.id",
                    )
                    .map_err(StoreError::sql("read day refunds"))?;
                let rows = st
                    .query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .map_err(StoreError::sql("read day refunds"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("read day refunds"))?;
                rows
            };
            for (op, name, j) in refunds {
                let e = per.entry(op).or_insert_with(|| {
                    (name, 0, Amount::ZERO, Amount::ZERO, Amount::ZERO, 0, BTreeMap::new())
                });
                e.5 += 1;
                let paid: Vec<crate::money::SalePayment> = serde_json::from_str(&j)
                    .map_err(|e| StoreError::Invalid(format!("refund money record: {e}")))?;
                for p in paid {
                    let slot = e.6.entry(p.method).or_insert((Amount::ZERO, Amount::ZERO));
                    slot.1 = add(slot.1, amount(&p.amount)?)?;
                }
            }
            let mut operators = Vec::new();
            let mut total = (0u32, Amount::ZERO, Amount::ZERO, Amount::ZERO, 0u32, BTreeMap::<String, (Amount, Amount)>::new());
            for (op, (name, n, sum, fund, acct, rn, methods)) in per {
                total.0 += n;
                total.1 = add(total.1, sum)?;
                total.2 = add(total.2, fund)?;
                total.3 = add(total.3, acct)?;
                total.4 += rn;
                for (m, (r, b)) in &methods {
                    let slot = total.5.entry(m.clone()).or_insert((Amount::ZERO, Amount::ZERO));
                    slot.0 = add(slot.0, *r)?;
                    slot.1 = add(slot.1, *b)?;
                }
                operators.push(figures(op, name, n, sum, fund, acct, rn, &methods)?);
            }
            let total = figures(0, "合计".into(), total.0, total.1, total.2, total.3, total.4, &total.5)?;
            let shifts = shifts_where(c, "t.opened_at >= ?1 AND t.opened_at < ?2", from, to)?;
            Ok(DayReport {
                day: day.format("%Y-%m-%d").to_string(),
                operators,
                total,
                shifts,
            })
        })
    }

    /// 上岗: records the pharmacist's duty (after the counter checked her
    /// e-voucher) and audit-logs it. Any duty still open at this counter is
    /// ended as `replaced` (one pharmacist on duty per counter).
    pub fn duty_start(&self, by: &Session) -> Result<DutyShift> {
        by.require(Permission::AuditPrescription)?;
        let now = self.now_ms();
        self.write("duty start", |tx| {
            let open: Vec<(i64, i64)> = {
                let mut st = tx
                    .prepare("SELECT id, operator_id FROM duty_shifts WHERE ended_at IS NULL")
                    .map_err(StoreError::sql("read duty"))?;
                let rows = st
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(StoreError::sql("read duty"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("read duty"))?;
                rows
            };
            for (id, op) in open {
                tx.execute(
                    "UPDATE duty_shifts SET ended_at = ?2, end_reason = 'replaced' WHERE id = ?1",
                    params![id, now],
                )
                .map_err(StoreError::sql("end duty"))?;
                auditlog::append(
                    tx,
                    self,
                    Some(op),
                    "duty.end",
                    &json!({"duty_shift_id": id, "reason": "replaced"}),
                )?;
            }
            tx.execute(
                "INSERT INTO duty_shifts (operator_id, started_at) VALUES (?1, ?2)",
                params![by.operator_id(), now],
            )
            .map_err(StoreError::sql("start duty"))?;
            let id = tx.last_insert_rowid();
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "duty.start",
                &json!({"duty_shift_id": id}),
            )?;
            Ok(DutyShift {
                id,
                operator_id: by.operator_id(),
                started_at: now,
                ended_at: None,
                end_reason: String::new(),
            })
        })
    }

    /// 下岗: ends the signed-in pharmacist's open duty (audit-logged).
    /// Returns the ended duty, or `None` when she was not on duty.
    pub fn duty_end(&self, by: &Session) -> Result<Option<DutyShift>> {
        let now = self.now_ms();
        self.write("duty end", |tx| {
            let open: Option<(i64, i64)> = tx
                .query_row(
                    "SELECT id, started_at FROM duty_shifts WHERE operator_id = ?1 AND ended_at IS NULL
                     ORDER BY id DESC LIMIT 1",
                    [by.operator_id()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(StoreError::sql("read duty"))?;
            let Some((id, started_at)) = open else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE duty_shifts SET ended_at = ?2, end_reason = 'off_duty' WHERE id = ?1",
                params![id, now],
            )
            .map_err(StoreError::sql("end duty"))?;
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "duty.end",
                &json!({"duty_shift_id": id, "reason": "off_duty"}),
            )?;
            Ok(Some(DutyShift {
                id,
                operator_id: by.operator_id(),
                started_at,
                ended_at: Some(now),
                end_reason: "off_duty".into(),
            }))
        })
    }

    /// The duty shifts that overlap a CST day, oldest first.
    pub fn duty_shifts_on(&self, day: NaiveDate) -> Result<Vec<DutyShift>> {
        let (from, to) = day_range_ms(day);
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT id, operator_id, started_at, ended_at, end_reason FROM duty_shifts
                     WHERE started_at < ?2 AND (ended_at IS NULL OR ended_at >= ?1) ORDER BY id",
                )
                .map_err(StoreError::sql("read duty"))?;
            let rows = st
                .query_map(params![from, to], |r| {
                    Ok(DutyShift {
                        id: r.get(0)?,
                        operator_id: r.get(1)?,
                        started_at: r.get(2)?,
                        ended_at: r.get(3)?,
                        end_reason: r.get(4)?,
                    })
                })
                .map_err(StoreError::sql("read duty"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read duty"))?;
            Ok(rows)
        })
    }

    /// Who audited (and who reviewed) the prescription of a sale: the last
    /// approving audit's pharmacist and reviewer display names.
    pub fn sale_auditors(&self, sale_id: i64) -> Result<Option<(String, Option<String>)>> {
        self.read(|c| {
            c.query_row(
                "SELECT p.display_name, r.display_name FROM sales s
                 JOIN rx_audits a ON a.prescription_id = s.prescription_id
                 JOIN operators p ON p.id = a.pharmacist_id
                 LEFT JOIN operators r ON r.id = a.reviewer_id
                 WHERE s.id = ?1 AND a.status_code = '1' ORDER BY a.id DESC LIMIT 1",
                [sale_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(StoreError::sql("read sale auditor"))
        })
    }

    /// Whether a terminal reference already paid for a sale.
    pub fn terminal_reference_used(&self, reference: &str) -> Result<bool> {
        self.read(|c| {
            c.query_row(
                "SELECT count(*) FROM sale_payments WHERE method = 'terminal' AND reference = ?1",
                [reference.trim()],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(StoreError::sql("read payments"))
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn figures(
    operator_id: i64,
    operator_name: String,
    sales_count: u32,
    sales_total: Amount,
    fund: Amount,
    acct: Amount,
    refunds_count: u32,
    methods: &BTreeMap<String, (Amount, Amount)>,
) -> Result<DayFigures> {
    let mut self_paid = Amount::ZERO;
    let mut by_method = Vec::new();
    for m in METHODS {
        let (r, b) = methods
            .get(m)
            .copied()
            .unwrap_or((Amount::ZERO, Amount::ZERO));
        self_paid = add(self_paid, r)?;
        by_method.push(DayMethod {
            method: m.to_string(),
            method_zh: method_zh(m).to_string(),
            received: r.to_string(),
            refunded: b.to_string(),
            net: sub(r, b)?.to_string(),
        });
    }
    Ok(DayFigures {
        operator_id,
        operator_name,
        sales_count,
        sales_total: sales_total.to_string(),
        fund_pay: fund.to_string(),
        account_pay: acct.to_string(),
        self_paid: self_paid.to_string(),
        refunds_count,
        by_method,
    })
}
