//! Money that survives the process: the counter visit's journal,
//! the self-paid part's payment methods, and the refund journal.
//!
//! - `visit_journal`: the visit's state after every step, sealed (it names
//!   the patient). A visit left open by a crash is found at start-up: settled
//!   but not completed → finished from the journalled settled figures or
//!   reversed by a manager; earlier → closed with its reason.
//! - `sale_payments`: how the self-paid part was paid (cash, or the channel
//!   and its transaction number), so a refund gives it back the same way.
//! - `refund_journal`: a refund's steps, in this order and never another:
//!
//! ```text
//! reversing ──2103 answered──► reversed ──money back──► money_returned ──stock, 3506, 7208──► done
//!     │ no answer / killed          ▲
//!     ▼                             │ the 5203 query shows it reversed / 2103 resent
//! uncertain ────────────────────────┘
//! reversing | uncertain ──definite refusal──► failed (nothing changed; may start again)
//! ```
//! Stock, trace codes and the refund's uploads are written by
//! [`Store::record_refund`] only once the row is `money_returned`.

use crate::error::{Result, StoreError};
use crate::operators::Permission;
use crate::{Session, Store};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// One journalled visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    /// The visit's correlation id.
    pub visit_id: String,
    /// Its state code at the last step.
    pub state: String,
    /// The snapshot JSON (unsealed).
    pub snapshot_json: String,
    /// Still open (not completed or closed).
    pub open: bool,
    /// Why it was closed.
    pub outcome: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// How (part of) the self-paid amount was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SalePayment {
    /// `cash`, `wechat`, `alipay` or `terminal` (an external 聚合支付 /
    /// bank-card terminal; its reference is required).
    pub method: String,
    /// Amount (decimal text).
    pub amount: String,
    /// The channel's or terminal's transaction number (empty for cash).
    pub reference: String,
    /// Cash handed over (cash only; decimal text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tendered: Option<String>,
    /// Change given back (cash only; decimal text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

impl SalePayment {
    /// zh-CN name of the method.
    pub fn method_zh(&self) -> &'static str {
        match self.method.as_str() {
            "cash" => "现金",
            "wechat" => "微信支付",
            "alipay" => "支付宝",
            "terminal" => "聚合支付/银行卡终端",
            _ => "其他",
        }
    }
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStep {
    /// 2103 journalled, the answer is not in.
    Reversing,
    /// 2103 got no answer: may or may not be reversed.
    Uncertain,
    /// 2103 refused: nothing changed.
    Failed,
    /// The center reversed the settlement (or there was none).
    Reversed,
    /// The self-paid part was given back.
    MoneyReturned,
    /// Stock, trace codes and uploads written: the refund is complete.
    Done,
}

impl RefundStep {
    const ALL: [RefundStep; 6] = [
        RefundStep::Reversing,
        RefundStep::Uncertain,
        RefundStep::Failed,
        RefundStep::Reversed,
        RefundStep::MoneyReturned,
        RefundStep::Done,
    ];
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            RefundStep::Reversing => "reversing",
            RefundStep::Uncertain => "uncertain",
            RefundStep::Failed => "failed",
            RefundStep::Reversed => "reversed",
            RefundStep::MoneyReturned => "money_returned",
            RefundStep::Done => "done",
        }
    }
    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
    /// zh-CN label.
    pub fn label_zh(self) -> &'static str {
        match self {
            RefundStep::Reversing => "医保撤销中",
            RefundStep::Uncertain => "医保撤销结果未知",
            RefundStep::Failed => "医保撤销被拒绝",
            RefundStep::Reversed => "医保已撤销，待退自付款",
            RefundStep::MoneyReturned => "自付款已退，待退库存",
            RefundStep::Done => "退费完成",
        }
    }
    fn may_become(self, next: RefundStep) -> bool {
        use RefundStep as R;
        matches!(
            (self, next),
            (R::Reversing, R::Reversed | R::Uncertain | R::Failed)
                | (R::Uncertain, R::Reversed | R::Failed | R::Reversing)
                | (R::Failed, R::Reversing | R::Reversed)
                | (R::Reversed, R::MoneyReturned)
                | (R::MoneyReturned, R::Done)
        )
    }
}

/// One refund in progress (or done).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefundRow {
    /// The sale refunded.
    pub sale_id: i64,
    /// Step.
    pub step: RefundStep,
    /// Last 2103 msgid.
    pub msgid: String,
    /// Reason given.
    pub reason: String,
    /// Last detail.
    pub detail: String,
    /// Money given back.
    pub returned: Vec<SalePayment>,
    /// Unix ms of the last change.
    pub updated_at: i64,
}

/// `visit_journal` columns as read (snapshot still sealed).
type RawVisit = (String, String, Vec<u8>, i64, String, i64, i64);
/// `refund_journal` columns as read.
type RawRefund = (i64, String, String, String, String, String, i64);

impl Store {
    /// Journals the visit's state after a step (insert or replace; a visit
    /// already closed stays closed).
    pub fn save_visit(&self, visit_id: &str, state: &str, snapshot_json: &str) -> Result<()> {
        let now = self.now_ms();
        let sealed = self.sealer().seal_str(snapshot_json);
        self.write("save visit", |tx| {
            tx.execute(
                "INSERT INTO visit_journal (visit_id, state, snapshot, open, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 1, ?4, ?4)
                 ON CONFLICT(visit_id) DO UPDATE SET state = ?2, snapshot = ?3, updated_at = ?4
                 WHERE open = 1",
                params![visit_id, state, sealed, now],
            )
            .map_err(StoreError::sql("save visit"))?;
            Ok(())
        })
    }

    /// Closes a journalled visit with its outcome (completed, cancelled, …).
    pub fn close_visit(&self, visit_id: &str, outcome: &str) -> Result<()> {
        let now = self.now_ms();
        self.write("close visit", |tx| {
            tx.execute(
                "UPDATE visit_journal SET open = 0, outcome = ?2, updated_at = ?3
                 WHERE visit_id = ?1 AND open = 1",
                params![visit_id, outcome, now],
            )
            .map_err(StoreError::sql("close visit"))?;
            Ok(())
        })
    }

    fn visits_where(&self, filter: &str, arg: Option<&str>) -> Result<Vec<VisitRow>> {
        let rows: Vec<RawVisit> = self.read(|c| {
            let mut st = c
                .prepare(&format!(
                    "SELECT visit_id, state, snapshot, open, outcome, created_at, updated_at
                     FROM visit_journal WHERE {filter} ORDER BY created_at, visit_id"
                ))
                .map_err(StoreError::sql("read visits"))?;
            let map = |r: &rusqlite::Row<'_>| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            };
            let rows = match arg {
                Some(a) => st.query_map([a], map),
                None => st.query_map([], map),
            }
            .map_err(StoreError::sql("read visits"))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(StoreError::sql("read visits"))?;
            Ok(rows)
        })?;
        rows.into_iter()
            .map(
                |(visit_id, state, snap, open, outcome, created_at, updated_at)| {
                    Ok(VisitRow {
                        visit_id,
                        state,
                        snapshot_json: self.sealer().open_str(&snap)?,
                        open: open == 1,
                        outcome,
                        created_at,
                        updated_at,
                    })
                },
            )
            .collect()
    }

    /// Visits a crash (or a closed window) left open, oldest first.
    pub fn open_visits(&self) -> Result<Vec<VisitRow>> {
        self.visits_where("open = 1", None)
    }

    /// One journalled visit.
    pub fn visit_row(&self, visit_id: &str) -> Result<Option<VisitRow>> {
        Ok(self.visits_where("visit_id = ?1", Some(visit_id))?.pop())
    }

    /// The sale recorded for a settlement, if any.
    pub fn sale_of_setl_id(&self, setl_id: &str) -> Result<Option<i64>> {
        self.read(|c| {
            c.query_row(
                "SELECT sale_id FROM settlements WHERE setl_id = ?1",
                [setl_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sql("read settlement"))
        })
    }

    /// Uploads of a sale (its 3505 lines and 7206) not yet delivered: a
    /// refund waits for them, or the center would refuse the 7206 of a
    /// reversed settlement and block the refund's rows behind it.
    pub fn sale_uploads_open(&self, sale_id: i64) -> Result<u64> {
        self.read(|c| {
            c.query_row(
                "SELECT count(*) FROM uploads u WHERE u.state NOT IN ('done', 'voided') AND (
                     (u.ref_kind = 'sale' AND u.ref_id = ?1)
                     OR (u.ref_kind = 'sale_line' AND u.ref_id IN (SELECT id FROM sale_lines WHERE sale_id = ?1)))",
                [sale_id],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(StoreError::sql("read uploads"))
        })
    }

    /// How a sale's self-paid part was paid (empty: nothing self-paid, or a
    /// sale recorded before payments were kept).
    pub fn sale_payments(&self, sale_id: i64) -> Result<Vec<SalePayment>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT method, amount, reference, tendered, change_given FROM sale_payments
                     WHERE sale_id = ?1 ORDER BY id",
                )
                .map_err(StoreError::sql("read sale payments"))?;
            let rows = st
                .query_map([sale_id], |r| {
                    Ok(SalePayment {
                        method: r.get(0)?,
                        amount: r.get(1)?,
                        reference: r.get(2)?,
                        tendered: r.get(3)?,
                        change: r.get(4)?,
                    })
                })
                .map_err(StoreError::sql("read sale payments"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read sale payments"))?;
            Ok(rows)
        })
    }

    /// Starts (or restarts after a refusal, or resends while uncertain) the
    /// 2103 of a refund: journalled BEFORE the request leaves. `msgid` empty
    /// = the sale has no settlement, the row starts `reversed`. Returns the
    /// row as it now stands; a refund already past the reversal is returned
    /// unchanged (resume it from its step).
    pub fn begin_refund(
        &self,
        by: &Session,
        sale_id: i64,
        msgid: &str,
        reason: &str,
    ) -> Result<RefundRow> {
        by.require(Permission::Refund)?;
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "退货必须填写原因 / a refund needs a reason".into(),
            ));
        }
        let now = self.now_ms();
        let first = if msgid.is_empty() {
            RefundStep::Reversed
        } else {
            RefundStep::Reversing
        };
        self.write("begin refund", |tx| {
            let state: String = tx
                .query_row("SELECT state FROM sales WHERE id = ?1", [sale_id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(StoreError::sql("read sale"))?
                .ok_or_else(|| StoreError::NotFound(format!("sale {sale_id}")))?;
            let existing: Option<String> = tx
                .query_row(
                    "SELECT step FROM refund_journal WHERE sale_id = ?1",
                    [sale_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sql("read refund"))?;
            match existing.as_deref().and_then(RefundStep::from_code) {
                None => {
                    if state != "completed" {
                        return Err(StoreError::Rule(
                            "该销售已退货 / sale already refunded".into(),
                        ));
                    }
                    tx.execute(
                        "INSERT INTO refund_journal (sale_id, step, msgid, reason, operator_id, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                        params![sale_id, first.code(), msgid, reason.trim(), by.operator_id(), now],
                    )
                    .map_err(StoreError::sql("begin refund"))?;
                }
                Some(s @ (RefundStep::Failed | RefundStep::Uncertain)) if s.may_become(first) => {
                    tx.execute(
                        "UPDATE refund_journal SET step = ?2, msgid = ?3, reason = ?4, operator_id = ?5,
                             detail = '', updated_at = ?6 WHERE sale_id = ?1",
                        params![sale_id, first.code(), msgid, reason.trim(), by.operator_id(), now],
                    )
                    .map_err(StoreError::sql("begin refund"))?;
                }
                Some(_) => {}
            }
            Ok(())
        })?;
        self.refund_row(sale_id)?
            .ok_or_else(|| StoreError::NotFound(format!("refund of sale {sale_id}")))
    }

    /// Moves a refund to its next step (guarded: a step is never skipped
    /// or taken back).
    pub fn set_refund_step(&self, sale_id: i64, step: RefundStep, detail: &str) -> Result<()> {
        let now = self.now_ms();
        self.write("refund step", |tx| {
            let cur = refund_step_in(tx, sale_id)?;
            if !cur.may_become(step) {
                return Err(StoreError::Rule(format!(
                    "退费状态为“{}”，不能改为“{}” / refund of sale {sale_id}: {} cannot become {}",
                    cur.label_zh(),
                    step.label_zh(),
                    cur.code(),
                    step.code()
                )));
            }
            tx.execute(
                "UPDATE refund_journal SET step = ?2, detail = ?3, updated_at = ?4 WHERE sale_id = ?1",
                params![sale_id, step.code(), detail, now],
            )
            .map_err(StoreError::sql("refund step"))?;
            Ok(())
        })?;
        tracing::info!(sale_id, step = step.code(), "refund step");
        Ok(())
    }

    /// The self-paid part was given back (by these methods): the refund may
    /// now return stock.
    pub fn refund_money_returned(&self, sale_id: i64, returned: &[SalePayment]) -> Result<()> {
        let now = self.now_ms();
        let json =
            serde_json::to_string(returned).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.write("refund money returned", |tx| {
            let cur = refund_step_in(tx, sale_id)?;
            if !cur.may_become(RefundStep::MoneyReturned) {
                return Err(StoreError::Rule(format!(
                    "退费状态为“{}”：须先撤销医保结算再退自付款 / refund of sale {sale_id} is {}",
                    cur.label_zh(),
                    cur.code()
                )));
            }
            tx.execute(
                "UPDATE refund_journal SET step = 'money_returned', returned_json = ?2, updated_at = ?3,
                     money_returned_at = ?3,
                     till_shift_id = (SELECT id FROM till_shifts WHERE closed_at IS NULL)
                 WHERE sale_id = ?1",
                params![sale_id, json, now],
            )
            .map_err(StoreError::sql("refund money returned"))?;
            Ok(())
        })
    }

    /// The refund journal row of a sale.
    pub fn refund_row(&self, sale_id: i64) -> Result<Option<RefundRow>> {
        Ok(self.refunds_where("sale_id = ?1", Some(sale_id))?.pop())
    }

    /// Refunds not finished (not `done`, not `failed`), oldest first: a crash
    /// left them mid-way; they are resumed from their step.
    pub fn unfinished_refunds(&self) -> Result<Vec<RefundRow>> {
        self.refunds_where("step NOT IN ('done', 'failed')", None)
    }

    /// At start-up: a 2103 still `reversing` was cut off mid-request and
    /// becomes `uncertain`. Returns the count.
    pub fn recover_refunds(&self) -> Result<u64> {
        let now = self.now_ms();
        let n = self.write("recover refunds", |tx| {
            tx.execute(
                "UPDATE refund_journal SET step = 'uncertain', updated_at = ?1,
                     detail = '程序在等待医保撤销结果时中断，结果未知 / interrupted while sending 2103'
                 WHERE step = 'reversing'",
                [now],
            )
            .map_err(StoreError::sql("recover refunds"))
        })?;
        Ok(n as u64)
    }

    fn refunds_where(&self, filter: &str, arg: Option<i64>) -> Result<Vec<RefundRow>> {
        let rows: Vec<RawRefund> = self.read(|c| {
            let mut st = c
                .prepare(&format!(
                    "SELECT sale_id, step, msgid, reason, detail, returned_json, updated_at
                     FROM refund_journal WHERE {filter} ORDER BY id"
                ))
                .map_err(StoreError::sql("read refunds"))?;
            let map = |r: &rusqlite::Row<'_>| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            };
            let rows = match arg {
                Some(a) => st.query_map([a], map),
                None => st.query_map([], map),
            }
            .map_err(StoreError::sql("read refunds"))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(StoreError::sql("read refunds"))?;
            Ok(rows)
        })?;
        rows.into_iter()
            .map(
                |(sale_id, step, msgid, reason, detail, returned, updated_at)| {
                    Ok(RefundRow {
                        sale_id,
                        step: RefundStep::from_code(&step).ok_or_else(|| {
                            StoreError::Invalid(format!("unknown refund step {step:?}"))
                        })?,
                        msgid,
                        reason,
                        detail,
                        returned: serde_json::from_str(&returned).unwrap_or_default(),
                        updated_at,
                    })
                },
            )
            .collect()
    }
}

fn refund_step_in(tx: &rusqlite::Transaction<'_>, sale_id: i64) -> Result<RefundStep> {
    let cur: String = tx
        .query_row(
            "SELECT step FROM refund_journal WHERE sale_id = ?1",
            [sale_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::sql("read refund"))?
        .ok_or_else(|| StoreError::NotFound(format!("refund of sale {sale_id}")))?;
    RefundStep::from_code(&cur)
        .ok_or_else(|| StoreError::Invalid(format!("unknown refund step {cur:?}")))
}

/// Inside `record_refund`'s transaction: the refund's money must be back
/// (or the sale was never settled nor journalled); marks the row `done`.
pub(crate) fn refund_may_return_stock(
    tx: &rusqlite::Transaction<'_>,
    sale_id: i64,
    settled: bool,
    now: i64,
) -> Result<()> {
    let step: Option<String> = tx
        .query_row(
            "SELECT step FROM refund_journal WHERE sale_id = ?1",
            [sale_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::sql("read refund"))?;
    match step.as_deref() {
        Some("money_returned") => {
            tx.execute(
                "UPDATE refund_journal SET step = 'done', updated_at = ?2 WHERE sale_id = ?1",
                params![sale_id, now],
            )
            .map_err(StoreError::sql("refund done"))?;
            Ok(())
        }
        None if !settled => Ok(()),
        other => Err(StoreError::Rule(format!(
            "退费须先撤销医保结算（2103）并退还自付款，再退库存 / refund of sale {sale_id}: money first (journal step {})",
            other.unwrap_or("none")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refund_steps_only_move_forward_money_before_stock() {
        for s in RefundStep::ALL {
            assert_eq!(RefundStep::from_code(s.code()), Some(s));
            assert!(!s.label_zh().is_empty());
        }
        use RefundStep as R;
        assert!(R::Reversing.may_become(R::Reversed));
        assert!(R::Reversing.may_become(R::Uncertain));
        assert!(R::Uncertain.may_become(R::Reversing));
        assert!(!R::Reversing.may_become(R::MoneyReturned));
        assert!(!R::Uncertain.may_become(R::MoneyReturned));
        assert!(!R::Reversed.may_become(R::Done));
        assert!(R::Reversed.may_become(R::MoneyReturned));
        assert!(R::MoneyReturned.may_become(R::Done));
        assert!(!R::Done.may_become(R::Reversing));
    }
}
