//! Finding past sales (for reprint, refund and questions at the counter).
//!
//! One search box: a 零售单据号, a 医保处方编号, a 20-digit trace code, a
//! patient's ID number (matched through the keyed lookup hash — the number
//! is never stored in clear), a patient's name (names are sealed, so the
//! names of prescriptions with sales are opened and compared in memory), or
//! a CST date `yyyy-MM-dd`. Empty lists the latest sales.

use crate::error::{Result, StoreError};
use crate::ledger::NewSettlement;
use crate::Store;
use chrono::{NaiveDate, TimeZone};
use rusqlite::{Connection, OptionalExtension};
use rust_decimal::Decimal;
use rxdesk_core::{Amount, Price};
use serde::Serialize;
use std::collections::BTreeSet;
use std::str::FromStr;

/// Most sales [`Store::find_sales`] returns.
pub const MAX_FIND: u32 = 500;

/// One sale in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaleSummaryRow {
    /// Sale row id.
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// Unix ms.
    pub sold_at: i64,
    /// 医保处方编号, for prescription sales.
    pub hi_rxno: Option<String>,
    /// Patient name (unsealed; empty without prescription).
    pub patient_name: String,
    /// Total.
    pub total: Amount,
    /// `completed` or `refunded`.
    pub state: String,
    /// 结算ID, for insured sales.
    pub setl_id: Option<String>,
}

/// One line of a past sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaleLineRow {
    /// Drug row id.
    pub drug_id: i64,
    /// Name.
    pub name: String,
    /// 规格.
    pub spec: String,
    /// Unit.
    pub unit: String,
    /// 医保目录编码.
    pub med_list_codg: String,
    /// 批次流水号.
    pub fixmedins_bchno: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// 有效期止.
    pub expy_end: String,
    /// Quantity sold (packs, or smallest units when split).
    pub quantity: Decimal,
    /// Unit price.
    pub price: Price,
    /// Line amount.
    pub amount: Amount,
    /// 拆零.
    pub split: bool,
    /// Trace codes of the boxes (returned ones too, for a refunded sale).
    pub trace_codes: Vec<String>,
}

/// Everything about one past sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaleDetail {
    /// The list row.
    pub summary: SaleSummaryRow,
    /// Prescription row id.
    pub prescription_id: Option<i64>,
    /// Who sold it.
    pub operator_name: String,
    /// Lines, in order.
    pub lines: Vec<SaleLineRow>,
    /// The center's settlement, for insured sales.
    pub settlement: Option<NewSettlement>,
    /// Why it was refunded.
    pub refund_reason: Option<String>,
}

fn bad_money(what: &str, v: &str) -> StoreError {
    StoreError::Invalid(format!("stored {what} {v:?} is not a decimal"))
}

fn amount(v: &str) -> Result<Amount> {
    Amount::from_str(v).map_err(|_| bad_money("amount", v))
}

/// A CST calendar day as `[start, end)` in unix ms.
fn cst_day_ms(day: NaiveDate) -> Option<(i64, i64)> {
    let start = rxdesk_core::time::cst()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .single()?
        .timestamp_millis();
    Some((start, start + 86_400_000))
}

fn looks_like_id_number(q: &str) -> bool {
    let b = q.as_bytes();
    matches!(b.len(), 15 | 18)
        && b[..b.len() - 1].iter().all(u8::is_ascii_digit)
        && (b[b.len() - 1].is_ascii_digit() || b[b.len() - 1].eq_ignore_ascii_case(&b'x'))
}

fn ids(c: &Connection, sql: &str, arg: impl rusqlite::ToSql) -> Result<Vec<i64>> {
    let mut st = c.prepare(sql).map_err(StoreError::sql("find sales"))?;
    let rows = st
        .query_map([arg], |r| r.get(0))
        .map_err(StoreError::sql("find sales"))?
        .collect::<std::result::Result<Vec<i64>, _>>()
        .map_err(StoreError::sql("find sales"));
    rows
}

impl Store {
    /// Sales matching `query` (see the module doc), newest first, at most
    /// `limit` (capped at [`MAX_FIND`]).
    pub fn find_sales(&self, query: &str, limit: u32) -> Result<Vec<SaleSummaryRow>> {
        let limit = limit.clamp(1, MAX_FIND) as usize;
        let q = rxdesk_core::text::to_half_width(query.trim());
        let found: BTreeSet<i64> = self.read(|c| {
            let mut found = BTreeSet::new();
            if q.is_empty() {
                found.extend(ids(
                    c,
                    "SELECT id FROM sales ORDER BY sold_at DESC, id DESC LIMIT ?1",
                    limit as i64,
                )?);
                return Ok(found);
            }
            if let Some((from, to)) = NaiveDate::parse_from_str(&q, "%Y-%m-%d")
                .ok()
                .filter(|_| q.len() == 10)
                .and_then(cst_day_ms)
            {
                let mut st = c
                    .prepare(
                        "SELECT id FROM sales WHERE sold_at >= ?1 AND sold_at < ?2
                         ORDER BY sold_at DESC, id DESC LIMIT ?3",
                    )
                    .map_err(StoreError::sql("find sales"))?;
                let rows = st
                    .query_map(rusqlite::params![from, to, limit as i64], |r| r.get(0))
                    .map_err(StoreError::sql("find sales"))?
                    .collect::<std::result::Result<Vec<i64>, _>>()
                    .map_err(StoreError::sql("find sales"))?;
                found.extend(rows);
                return Ok(found);
            }
            found.extend(ids(c, "SELECT id FROM sales WHERE rtal_docno = ?1", &q)?);
            found.extend(ids(
                c,
                "SELECT s.id FROM sales s JOIN prescriptions p ON p.id = s.prescription_id
                 WHERE p.hi_rxno = ?1",
                &q,
            )?);
            if q.len() == 20 && q.bytes().all(|b| b.is_ascii_digit()) {
                found.extend(ids(
                    c,
                    "SELECT l.sale_id FROM trace_codes t JOIN sale_lines l ON l.id = t.sale_line_id
                     WHERE t.code = ?1",
                    &q,
                )?);
            }
            if looks_like_id_number(&q) {
                let h = self.sealer().lookup_hash(&q).to_vec();
                found.extend(ids(
                    c,
                    "SELECT s.id FROM sales s JOIN prescriptions p ON p.id = s.prescription_id
                     WHERE p.patient_certno_hash = ?1",
                    h,
                )?);
            }
            if !q.bytes().any(|b| b.is_ascii_digit()) && q.chars().count() <= 30 {
                // Names are sealed: open the names of prescriptions that were sold.
                let mut st = c
                    .prepare(
                        "SELECT p.id, p.patient_name_enc FROM prescriptions p
                         WHERE EXISTS (SELECT 1 FROM sales s WHERE s.prescription_id = p.id)",
                    )
                    .map_err(StoreError::sql("find sales"))?;
                let rows = st
                    .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
                    .map_err(StoreError::sql("find sales"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("find sales"))?;
                for (rx, sealed) in rows {
                    if self.sealer().open_str(&sealed)?.contains(q.as_str()) {
                        found.extend(ids(
                            c,
                            "SELECT id FROM sales WHERE prescription_id = ?1",
                            rx,
                        )?);
                    }
                }
            }
            Ok(found)
        })?;
        let mut out = Vec::with_capacity(found.len());
        for id in found {
            out.push(self.sale_summary(id)?);
        }
        out.sort_by_key(|r| std::cmp::Reverse((r.sold_at, r.sale_id)));
        out.truncate(limit);
        Ok(out)
    }

    /// The list row of one sale.
    pub fn sale_summary(&self, sale_id: i64) -> Result<SaleSummaryRow> {
        #[allow(clippy::type_complexity)]
        let row: (
            String,
            i64,
            Option<String>,
            Option<Vec<u8>>,
            String,
            String,
            Option<String>,
        ) = self.read(|c| {
            c.query_row(
                "SELECT s.rtal_docno, s.sold_at, p.hi_rxno, p.patient_name_enc, s.total, s.state, st.setl_id
                 FROM sales s LEFT JOIN prescriptions p ON p.id = s.prescription_id
                 LEFT JOIN settlements st ON st.sale_id = s.id
                 WHERE s.id = ?1",
                [sale_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()
            .map_err(StoreError::sql("read sale"))?
            .ok_or_else(|| StoreError::NotFound(format!("sale {sale_id}")))
        })?;
        let (rtal_docno, sold_at, hi_rxno, name_enc, total, state, setl_id) = row;
        Ok(SaleSummaryRow {
            sale_id,
            rtal_docno,
            sold_at,
            hi_rxno,
            patient_name: match name_enc {
                Some(n) => self.sealer().open_str(&n)?,
                None => String::new(),
            },
            total: amount(&total)?,
            state,
            setl_id,
        })
    }

    /// Everything about one sale: lines with batches and trace codes, the
    /// settlement, the refund reason.
    pub fn sale_detail(&self, sale_id: i64) -> Result<SaleDetail> {
        let summary = self.sale_summary(sale_id)?;
        self.read(|c| {
            let (prescription_id, operator_name): (Option<i64>, String) = c
                .query_row(
                    "SELECT s.prescription_id, o.display_name FROM sales s
                     JOIN operators o ON o.id = s.operator_id WHERE s.id = ?1",
                    [sale_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(StoreError::sql("read sale"))?;
            #[allow(clippy::type_complexity)]
            let raw: Vec<(i64, i64, String, String, String, String, String, String, String, i64, String, String, String)> = {
                let mut st = c
                    .prepare(
                        "SELECT l.id, l.drug_id, d.name, d.spec, d.unit, d.med_list_codg, b.fixmedins_bchno,
                                b.manu_lotnum, b.expy_end, l.qty_e4, l.price, l.amount, l.trdn_flag
                         FROM sale_lines l JOIN drugs d ON d.id = l.drug_id
                         JOIN stock_batches b ON b.id = l.batch_id
                         WHERE l.sale_id = ?1 ORDER BY l.id",
                    )
                    .map_err(StoreError::sql("read sale lines"))?;
                let rows = st
                    .query_map([sale_id], |r| {
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
                            r.get(10)?,
                            r.get(11)?,
                            r.get(12)?,
                        ))
                    })
                    .map_err(StoreError::sql("read sale lines"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("read sale lines"))?;
                rows
            };
            let mut lines = Vec::with_capacity(raw.len());
            for (line_id, drug_id, name, spec, unit, med_list_codg, bchno, lot, expy, qty, price, amt, trdn) in raw {
                let mut st = c
                    .prepare_cached("SELECT code FROM trace_codes WHERE sale_line_id = ?1 ORDER BY id")
                    .map_err(StoreError::sql("read trace codes"))?;
                let trace_codes = st
                    .query_map([line_id], |r| r.get(0))
                    .map_err(StoreError::sql("read trace codes"))?
                    .collect::<std::result::Result<Vec<String>, _>>()
                    .map_err(StoreError::sql("read trace codes"))?;
                lines.push(SaleLineRow {
                    drug_id,
                    name,
                    spec,
                    unit,
                    med_list_codg,
                    fixmedins_bchno: bchno,
                    manu_lotnum: lot,
                    expy_end: expy,
                    quantity: Decimal::new(qty, 4).normalize(),
                    price: Price::from_str(&price).map_err(|_| bad_money("price", &price))?,
                    amount: amount(&amt)?,
                    split: trdn == "1",
                    trace_codes,
                });
            }
            #[allow(clippy::type_complexity)]
            let setl: Option<(String, String, String, String, String, String, String, String, i64)> = c
                .query_row(
                    "SELECT setl_id, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, psn_part_amt,
                            acct_pay, psn_cash_pay, setl_time
                     FROM settlements WHERE sale_id = ?1",
                    [sale_id],
                    |r| {
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
                        ))
                    },
                )
                .optional()
                .map_err(StoreError::sql("read settlement"))?;
            let settlement = match setl {
                Some((setl_id, mdtrt_id, psn_no, medfee, fund, part, acct, cash, setl_time)) => {
                    Some(NewSettlement {
                        setl_id,
                        mdtrt_id,
                        psn_no: self.sealer().open_field(&psn_no)?,
                        medfee_sumamt: amount(&medfee)?,
                        fund_pay_sumamt: amount(&fund)?,
                        psn_part_amt: amount(&part)?,
                        acct_pay: amount(&acct)?,
                        psn_cash_pay: amount(&cash)?,
                        setl_time,
                    })
                }
                None => None,
            };
            let refund_reason: Option<String> = c
                .query_row(
                    "SELECT reason FROM refunds WHERE sale_id = ?1",
                    [sale_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sql("read refund"))?;
            Ok(SaleDetail {
                summary,
                prescription_id,
                operator_name,
                lines,
                settlement,
                refund_reason,
            })
        })
    }

    /// The sale of a prescription: its completed sale, else its latest
    /// (refunded) one, else `None`.
    pub fn sale_of_prescription(&self, prescription_id: i64) -> Result<Option<i64>> {
        self.read(|c| {
            c.query_row(
                "SELECT id FROM sales WHERE prescription_id = ?1
                 ORDER BY state = 'completed' DESC, id DESC LIMIT 1",
                [prescription_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sql("read sales"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_number_shape_and_cst_days() {
        assert!(looks_like_id_number("11010119900307888x"));
        assert!(looks_like_id_number("110101900307888"));
        assert!(!looks_like_id_number("1101011990030788"));
        assert!(!looks_like_id_number("张三"));
        let (from, to) = cst_day_ms(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()).unwrap();
        // 2026-03-01 00:00 CST = 2026-02-28 16:00 UTC.
        assert_eq!(from, 1_772_294_400_000);
        assert_eq!(to - from, 86_400_000);
    }
}
