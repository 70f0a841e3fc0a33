//! The settlement attempt journal (2102), so a crash never double-charges.
//!
//! A row is written in state `sending` BEFORE the 2102 request leaves, and
//! finished with the center's answer:
//!
//! ```text
//! sending ──answer──► settled | failed | not_settled
//!    │ no answer / killed (recover at start-up)
//!    ▼
//! uncertain ──query or reversal──► settled | not_settled | reversed | failed
//! settled ──2103 reversal──► reversed
//! ```
//! While a prescription has an attempt that is `sending`, `uncertain`, or
//! `settled` without a local sale (a settlement the ledger has not recorded
//! yet), a new attempt for it is refused: the patient may already have been
//! charged. Input and output JSON name the patient and are sealed at rest.

use crate::error::{Result, StoreError};
use crate::operators::Permission;
use crate::{Session, Store};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// Where a settlement attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    /// Written before 2102 left; the answer is not in.
    Sending,
    /// The center settled (its `setl_id` is recorded).
    Settled,
    /// The center refused: nothing was charged.
    Failed,
    /// No answer (timeout, connection lost, crash): may or may not be settled.
    Uncertain,
    /// Settled, then reversed (2103).
    Reversed,
    /// Resolved: the center has no such settlement.
    NotSettled,
}

impl AttemptState {
    /// Every state.
    pub const ALL: [AttemptState; 6] = [
        AttemptState::Sending,
        AttemptState::Settled,
        AttemptState::Failed,
        AttemptState::Uncertain,
        AttemptState::Reversed,
        AttemptState::NotSettled,
    ];
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            AttemptState::Sending => "sending",
            AttemptState::Settled => "settled",
            AttemptState::Failed => "failed",
            AttemptState::Uncertain => "uncertain",
            AttemptState::Reversed => "reversed",
            AttemptState::NotSettled => "not_settled",
        }
    }
    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.code() == s)
    }
    /// zh-CN label.
    pub fn label_zh(self) -> &'static str {
        match self {
            AttemptState::Sending => "结算中",
            AttemptState::Settled => "已结算",
            AttemptState::Failed => "结算失败",
            AttemptState::Uncertain => "结算结果未知",
            AttemptState::Reversed => "已冲正",
            AttemptState::NotSettled => "确认未结算",
        }
    }
    /// True for `sending` and `uncertain`.
    pub fn is_open(self) -> bool {
        matches!(self, AttemptState::Sending | AttemptState::Uncertain)
    }
    fn may_become(self, next: AttemptState) -> bool {
        match self {
            AttemptState::Sending | AttemptState::Uncertain => next != AttemptState::Sending,
            AttemptState::Settled => next == AttemptState::Reversed,
            AttemptState::Failed | AttemptState::Reversed | AttemptState::NotSettled => false,
        }
    }
}

/// One settlement attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptRow {
    /// Row id.
    pub id: i64,
    /// The counter visit that sent it.
    pub visit_id: String,
    /// Prescription row id (`None` for a sale without prescription).
    pub prescription_id: Option<i64>,
    /// The 2102 msgid (unique).
    pub msgid: String,
    /// The 2102 `input` as sent (unsealed).
    pub input_json: String,
    /// State.
    pub state: AttemptState,
    /// 结算ID once settled.
    pub setl_id: Option<String>,
    /// The center's output (unsealed), when there was one.
    pub output_json: Option<String>,
    /// Last detail (error text, resolution note).
    pub detail: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, visit_id, prescription_id, msgid, input_json, state, setl_id, output_json, detail,
     created_at, updated_at";

impl Store {
    fn attempt_from_row(&self, r: &Row<'_>) -> rusqlite::Result<Result<AttemptRow>> {
        let state: String = r.get(5)?;
        let input: Vec<u8> = r.get(4)?;
        let output: Option<Vec<u8>> = r.get(7)?;
        let Some(state) = AttemptState::from_code(&state) else {
            return Ok(Err(StoreError::Invalid(format!(
                "unknown settlement attempt state {state:?}"
            ))));
        };
        let input_json = match self.sealer().open_str(&input) {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let output_json = match output.map(|o| self.sealer().open_str(&o)).transpose() {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(AttemptRow {
            id: r.get(0)?,
            visit_id: r.get(1)?,
            prescription_id: r.get(2)?,
            msgid: r.get(3)?,
            input_json,
            state,
            setl_id: r.get(6)?,
            output_json,
            detail: r.get(8)?,
            created_at: r.get(9)?,
            updated_at: r.get(10)?,
        }))
    }

    fn attempts_where(
        &self,
        c: &Connection,
        filter: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<AttemptRow>> {
        let mut st = c
            .prepare(&format!(
                "SELECT {COLUMNS} FROM settlement_attempts WHERE {filter} ORDER BY id"
            ))
            .map_err(StoreError::sql("read settlement attempts"))?;
        let rows = st
            .query_map(args, |r| self.attempt_from_row(r))
            .map_err(StoreError::sql("read settlement attempts"))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(StoreError::sql("read settlement attempts"))?;
        rows.into_iter().collect()
    }

    /// Journals a 2102 attempt (state `sending`) BEFORE the request leaves.
    /// Refuses ([`StoreError::Rule`]) while the same prescription — or, for
    /// a sale without prescription, the same visit — has an attempt that is
    /// sending, uncertain, or settled without a recorded sale.
    pub fn begin_settlement_attempt(
        &self,
        by: &Session,
        visit_id: &str,
        prescription_id: Option<i64>,
        msgid: &str,
        input_json: &str,
    ) -> Result<i64> {
        by.require(Permission::Sell)?;
        if visit_id.trim().is_empty() || msgid.trim().is_empty() {
            return Err(StoreError::Invalid(
                "结算记录须有就诊流水号和报文ID / a settlement attempt needs a visit id and a msgid"
                    .into(),
            ));
        }
        let now = self.now_ms();
        let sealed = self.sealer().seal_str(input_json);
        self.write("begin settlement attempt", |tx| {
            let (filter, arg): (&str, rusqlite::types::Value) = match prescription_id {
                Some(rx) => ("a.prescription_id = ?1", rx.into()),
                None => ("a.visit_id = ?1", visit_id.to_string().into()),
            };
            let blocking: Option<(i64, String, Option<String>)> = tx
                .query_row(
                    &format!(
                        "SELECT a.id, a.state, a.setl_id FROM settlement_attempts a
                         WHERE {filter} AND (a.state IN ('sending', 'uncertain')
                           OR (a.state = 'settled' AND NOT EXISTS
                               (SELECT 1 FROM settlements s WHERE s.setl_id = a.setl_id)))
                         ORDER BY a.id LIMIT 1"
                    ),
                    [arg],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(StoreError::sql("read settlement attempts"))?;
            if let Some((id, state, setl_id)) = blocking {
                let why = match state.as_str() {
                    "settled" => format!(
                        "已在医保结算（结算ID {}）但本地尚未记账：请先完成该笔销售或冲正后再结算",
                        setl_id.unwrap_or_default()
                    ),
                    "sending" => "上一次结算请求仍在发送中：请等待结果，不要重复结算".to_string(),
                    _ => "上一次结算结果未知：请先查询或冲正该笔结算，确认未扣费后再结算".to_string(),
                };
                return Err(StoreError::Rule(format!(
                    "{why} / settlement attempt {id} is {state}: resolve it before settling again"
                )));
            }
            tx.execute(
                "INSERT INTO settlement_attempts (visit_id, prescription_id, msgid, input_json, state,
                     operator_id, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'sending', ?5, ?6, ?6)",
                params![visit_id, prescription_id, msgid, sealed, by.operator_id(), now],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Rule(format!(
                    "报文ID {msgid} 已用于另一次结算或处方不存在 / msgid already journaled or unknown prescription"
                )),
                _ => crate::error::classify("begin settlement attempt", e),
            })?;
            Ok(tx.last_insert_rowid())
        })
        .inspect(|id| {
            tracing::info!(attempt = id, msgid, visit_id, "2102 attempt journaled");
            crate::crashpoint!("journal_after_begin");
        })
    }

    /// Records the outcome of an attempt. Allowed: from `sending` or
    /// `uncertain` to any other state; from `settled` to `reversed`.
    /// `settled` needs the `setl_id`.
    pub fn finish_settlement_attempt(
        &self,
        id: i64,
        state: AttemptState,
        setl_id: Option<&str>,
        output_json: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        let setl_id = setl_id.map(str::trim).filter(|s| !s.is_empty());
        if state == AttemptState::Settled && setl_id.is_none() {
            return Err(StoreError::Invalid(
                "已结算须记录结算ID / a settled attempt needs its setl_id".into(),
            ));
        }
        let now = self.now_ms();
        let sealed = output_json.map(|o| self.sealer().seal_str(o));
        self.write("finish settlement attempt", |tx| {
            let current: String = tx
                .query_row(
                    "SELECT state FROM settlement_attempts WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sql("read settlement attempt"))?
                .ok_or_else(|| StoreError::NotFound(format!("settlement attempt {id}")))?;
            let current = AttemptState::from_code(&current).ok_or_else(|| {
                StoreError::Invalid(format!("unknown settlement attempt state {current:?}"))
            })?;
            if !current.may_become(state) {
                return Err(StoreError::Rule(format!(
                    "结算记录状态为“{}”，不能改为“{}” / settlement attempt {id}: {} cannot become {}",
                    current.label_zh(),
                    state.label_zh(),
                    current.code(),
                    state.code()
                )));
            }
            tx.execute(
                "UPDATE settlement_attempts SET state = ?2, setl_id = COALESCE(?3, setl_id),
                     output_json = COALESCE(?4, output_json), detail = ?5, updated_at = ?6
                 WHERE id = ?1",
                params![id, state.code(), setl_id, sealed, crate::protect::redact_text(detail), now],
            )
            .map_err(StoreError::sql("finish settlement attempt"))?;
            Ok(())
        })?;
        tracing::info!(
            attempt = id,
            state = state.code(),
            setl_id,
            "2102 attempt finished"
        );
        crate::crashpoint!("journal_after_finish");
        Ok(())
    }

    /// Notes a step on an attempt without changing its state (e.g. the 2103
    /// msgid sent to reverse it), written before that request leaves.
    pub fn note_settlement_attempt(&self, id: i64, detail: &str) -> Result<()> {
        let now = self.now_ms();
        self.write("note settlement attempt", |tx| {
            let n = tx
                .execute(
                    "UPDATE settlement_attempts SET detail = ?2, updated_at = ?3 WHERE id = ?1",
                    params![id, detail, now],
                )
                .map_err(StoreError::sql("note settlement attempt"))?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("settlement attempt {id}")));
            }
            Ok(())
        })
    }

    /// Attempts in `sending` or `uncertain`, oldest first.
    pub fn open_settlement_attempts(&self) -> Result<Vec<AttemptRow>> {
        self.read(|c| self.attempts_where(c, "state IN ('sending', 'uncertain')", []))
    }

    /// Attempts the center settled but the ledger holds no sale for (a crash
    /// between the settlement and `record_sale`), oldest first.
    pub fn settled_attempts_without_sale(&self) -> Result<Vec<AttemptRow>> {
        self.read(|c| {
            self.attempts_where(
                c,
                "state = 'settled' AND NOT EXISTS
                 (SELECT 1 FROM settlements s WHERE s.setl_id = settlement_attempts.setl_id)",
                [],
            )
        })
    }

    /// Every attempt of a prescription, oldest first.
    pub fn settlement_attempts_of(&self, prescription_id: i64) -> Result<Vec<AttemptRow>> {
        self.read(|c| self.attempts_where(c, "prescription_id = ?1", [prescription_id]))
    }

    /// At start-up: every attempt still `sending` was cut off mid-request
    /// and becomes `uncertain` (never resent blindly). Returns the count.
    pub fn recover_settlement_attempts(&self) -> Result<u64> {
        let now = self.now_ms();
        let n = self.write("recover settlement attempts", |tx| {
            tx.execute(
                "UPDATE settlement_attempts SET state = 'uncertain', updated_at = ?1,
                     detail = '程序在等待结算结果时中断，结果未知 / interrupted while sending'
                 WHERE state = 'sending'",
                [now],
            )
            .map_err(StoreError::sql("recover settlement attempts"))
        })?;
        if n > 0 {
            tracing::warn!(
                count = n,
                "settlement attempts interrupted mid-send are now uncertain"
            );
        }
        Ok(n as u64)
    }

    /// The settled attempt that produced `setl_id` (its 2102 input and
    /// answer: the split's breakdown, 医疗类别 and 病种 a receipt explains,
    /// also on reprint), if the journal has it.
    pub fn settled_attempt_of(&self, setl_id: &str) -> Result<Option<AttemptRow>> {
        if setl_id.is_empty() {
            return Ok(None);
        }
        Ok(self
            .read(|c| {
                self.attempts_where(
                    c,
                    "setl_id = ?1 AND state IN ('settled', 'reversed')",
                    [setl_id],
                )
            })?
            .pop())
    }

    /// One attempt.
    pub fn settlement_attempt(&self, id: i64) -> Result<AttemptRow> {
        self.read(|c| self.attempts_where(c, "id = ?1", [id]))?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("settlement attempt {id}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_codes() {
        for s in AttemptState::ALL {
            assert_eq!(AttemptState::from_code(s.code()), Some(s));
            assert!(!s.label_zh().is_empty());
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.code().into())
            );
        }
        assert_eq!(AttemptState::from_code("done"), None);
        assert!(AttemptState::Uncertain.may_become(AttemptState::Settled));
        assert!(!AttemptState::Failed.may_become(AttemptState::Settled));
        assert!(!AttemptState::Settled.may_become(AttemptState::NotSettled));
        assert!(!AttemptState::Sending.may_become(AttemptState::Sending));
    }
}
