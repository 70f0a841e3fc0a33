//! The transactional outbox: one `uploads` row per message the center must
//! receive, written in the same transaction as the ledger change it reports.
//!
//! Row life cycle:
//! ```text
//! pending ──claim──► sending ──accepted──► done
//!    ▲                  │ ├──rejected──► rejected ──retry (new msgid)──► pending
//!    │ transient        │ └──uncertain─► uncertain ──resolve: applied──► done
//!    └──────────────────┘                    │        resolve: not applied ──► pending (same msgid)
//!                                            └ resolve: unknown ──► uncertain (later)
//! any open row ──void (manager, reason, audit-logged)──► voided
//! sending at startup (killed mid-send) ──► uncertain, never blindly resent
//! ```
//! **Every transition is a compare-and-set in SQL** (`UPDATE … WHERE id = ?
//! AND state IN (<the states it may leave>)`): an answer is recorded only if
//! the row is still in the state its request was claimed from (`sending` for
//! a send, `uncertain` for a resolution), and a void or retry only if the row
//! is still in the state the manager saw. So a manager's void and a
//! resolution in flight cannot both win: whichever commits first decides,
//! and the loser is recorded in `upload_attempts` (`late-answer`) or refused.
//! The rule for resolving uncertain rows is docs/decisions/0004.
//! Rows sharing a `chain_key` (one prescription, or one non-prescription
//! sale) are sent strictly in id order: a chain's next row waits until the
//! row before it is done or voided.

use crate::error::{Result, StoreError};
use crate::operators::{wire_time, Permission};
use crate::{auditlog, Session, Store};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use std::collections::HashSet;

/// The state of an upload row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum UploadState {
    /// Waiting to be sent (possibly backing off).
    Pending,
    /// Handed to the center; the answer is not in yet.
    Sending,
    /// Sent, but whether the center applied it is unknown: resolved by query
    /// or reversal before anything is resent.
    Uncertain,
    /// Accepted by the center.
    Done,
    /// Refused by the center: needs a person (fix and retry, or void).
    Rejected,
    /// Given up by a manager, with a reason.
    Voided,
}

impl UploadState {
    /// All states.
    pub const ALL: [UploadState; 6] = [
        UploadState::Pending,
        UploadState::Sending,
        UploadState::Uncertain,
        UploadState::Done,
        UploadState::Rejected,
        UploadState::Voided,
    ];
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            UploadState::Pending => "pending",
            UploadState::Sending => "sending",
            UploadState::Uncertain => "uncertain",
            UploadState::Done => "done",
            UploadState::Rejected => "rejected",
            UploadState::Voided => "voided",
        }
    }
    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.code() == s)
    }
    /// zh-CN label for the UI.
    pub fn label_zh(self) -> &'static str {
        match self {
            UploadState::Pending => "待上传",
            UploadState::Sending => "上传中",
            UploadState::Uncertain => "结果未知",
            UploadState::Done => "已上传",
            UploadState::Rejected => "被拒绝",
            UploadState::Voided => "已作废",
        }
    }
}

/// One upload row as listed (payload not included: it is sealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UploadRow {
    /// Row id.
    pub id: i64,
    /// Message id sent as `msgid`.
    pub msgid: String,
    /// Transaction code (`infno`).
    pub op: String,
    /// Ordering chain.
    pub chain_key: String,
    /// What it reports (`rx_audit`, `sale_line`, `sale`, `refund`, …).
    pub ref_kind: String,
    /// Row id of that record.
    pub ref_id: i64,
    /// State.
    pub state: UploadState,
    /// Send attempts so far.
    pub attempts: i64,
    /// Unix ms of creation.
    pub created_at: i64,
    /// Unix ms of the next attempt.
    pub next_attempt_at: i64,
    /// Last error text, if any.
    pub last_error: Option<String>,
    /// The center's rejection code, when rejected.
    pub reject_code: Option<String>,
    /// Void reason, when voided.
    pub void_reason: Option<String>,
}

/// A row handed to the uploader: the decrypted payload and its identity.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRequest {
    /// Row id.
    pub id: i64,
    /// The fixed message id.
    pub msgid: String,
    /// `infno`.
    pub op: String,
    /// Ordering chain.
    pub chain_key: String,
    /// The `input` node.
    pub payload: serde_json::Value,
    /// Attempts before this one.
    pub attempts: i64,
    /// True when the row is uncertain: resolve, do not send.
    pub resolve: bool,
}

/// Queue figures for the status bar and `rxdesk queue status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    /// Rows waiting (pending + sending + uncertain).
    pub depth: u64,
    /// Pending rows.
    pub pending: u64,
    /// Rows in flight.
    pub sending: u64,
    /// Rows awaiting resolution.
    pub uncertain: u64,
    /// Rows that need attention.
    pub rejected: u64,
    /// Done rows.
    pub done: u64,
    /// Voided rows.
    pub voided: u64,
    /// Age in seconds of the oldest waiting row.
    pub oldest_pending_age_secs: Option<u64>,
    /// CST time of the last accepted upload.
    pub last_success: Option<String>,
    /// The last error (CST time, message id, text).
    pub last_error: Option<String>,
    /// Whether the worker currently reaches the center (None: no worker).
    pub online: Option<bool>,
}

/// The answer to an upload, as the worker records it.
#[derive(Debug, Clone, PartialEq)]
pub enum Completion {
    /// Accepted; the center's output.
    Done(serde_json::Value),
    /// An uncertain row turned out to be applied; the center's output.
    ResolvedApplied(serde_json::Value),
    /// Refused by the center.
    Rejected {
        /// Center's code.
        code: String,
        /// Center's message.
        message: String,
    },
    /// Not applied; retry at `retry_at` (unix ms).
    Transient {
        /// Error text.
        error: String,
        /// Next attempt.
        retry_at: i64,
    },
    /// Outcome unknown; resolve at `retry_at`.
    Uncertain {
        /// Error text.
        error: String,
        /// Next resolution attempt.
        retry_at: i64,
    },
    /// Resolution found it was not applied: resend (same msgid) now.
    NotApplied,
    /// Resolution could not decide yet.
    StillUnknown {
        /// Error text.
        error: String,
        /// Next resolution attempt.
        retry_at: i64,
    },
    /// Claimed ahead by the worker but never handed to the center (the
    /// worker stopped or went offline first): a `sending` row goes back to
    /// `pending`, an `uncertain` row claimed for resolution stays
    /// `uncertain`; both are due now and the claim's attempt is given back
    /// (docs/decisions/0024-outbox-claim-ahead.md). Only the worker, which
    /// knows the request never left, may record this.
    Unsent,
}

impl Completion {
    /// The states a row may be in for this answer to be recorded: a send's
    /// answer needs `sending`, a resolution's `uncertain`; a refusal or an
    /// unknown outcome can answer either (the worker re-records stranded
    /// outcomes as uncertain).
    fn claimed_from(&self) -> [UploadState; 2] {
        use UploadState::{Sending, Uncertain};
        match self {
            Completion::Done(_) | Completion::Transient { .. } => [Sending, Sending],
            Completion::ResolvedApplied(_)
            | Completion::NotApplied
            | Completion::StillUnknown { .. } => [Uncertain, Uncertain],
            Completion::Rejected { .. } | Completion::Uncertain { .. } | Completion::Unsent => {
                [Sending, Uncertain]
            }
        }
    }
}

fn row_to_upload(r: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRow> {
    let state: String = r.get(6)?;
    Ok(UploadRow {
        id: r.get(0)?,
        msgid: r.get(1)?,
        op: r.get(2)?,
        chain_key: r.get(3)?,
        ref_kind: r.get(4)?,
        ref_id: r.get(5)?,
        state: UploadState::from_code(&state).unwrap_or(UploadState::Rejected),
        attempts: r.get(7)?,
        created_at: r.get(8)?,
        next_attempt_at: r.get(9)?,
        last_error: r.get(10)?,
        reject_code: r.get(11)?,
        void_reason: r.get(12)?,
    })
}

/// (id, msgid, op, chain, sealed payload, attempts, state).
type Candidate = (i64, String, String, String, Vec<u8>, i64, String);
/// (id, msgid, op, chain, sealed payload, attempts, resolve?).
type Claimed = (i64, String, String, String, Vec<u8>, i64, bool);

const ROW_COLS: &str = "id, msgid, op, chain_key, ref_kind, ref_id, state, attempts, created_at,
                        next_attempt_at, last_error, reject_code, void_reason";

fn attempt(
    c: &Connection,
    id: i64,
    msgid: &str,
    at: i64,
    outcome: &str,
    detail: &str,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO upload_attempts (upload_id, msgid, at, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut st| st.execute(params![id, msgid, at, outcome, detail]))
    .map_err(StoreError::sql("record upload attempt"))?;
    Ok(())
}

impl Store {
    /// Inserts an outbox row inside the caller's transaction; its msgid is
    /// issued here and never changes (except by a manager's retry of a
    /// rejected row).
    pub(crate) fn enqueue(
        &self,
        tx: &Transaction<'_>,
        op: &str,
        chain_key: &str,
        ref_kind: &str,
        ref_id: i64,
        payload: &serde_json::Value,
    ) -> Result<i64> {
        let msgid = self.next_msgid(tx)?;
        let now = self.now_ms();
        let sealed = self.sealer().seal(payload.to_string().as_bytes());
        tx.execute(
            "INSERT INTO uploads (msgid, op, chain_key, ref_kind, ref_id, payload, state, attempts,
                                  next_attempt_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7, ?7)",
            params![msgid, op, chain_key, ref_kind, ref_id, sealed, now],
        )
        .map_err(StoreError::sql("enqueue upload"))?;
        Ok(tx.last_insert_rowid())
    }

    /// Queues a typed upload (`rxdesk-wire`) inside the caller's
    /// transaction: the `infno` comes from the message's type and the stored
    /// payload is the message's JSON, exactly what the uploader sends
    /// (docs/decisions/0016-typed-uploads.md).
    pub(crate) fn enqueue_upload<T: rxdesk_wire::Upload>(
        &self,
        tx: &Transaction<'_>,
        chain_key: &str,
        ref_kind: &str,
        ref_id: i64,
        input: &T,
    ) -> Result<i64> {
        let payload = serde_json::to_value(input)
            .map_err(|e| StoreError::Invalid(format!("{} input: {e}", T::INFNO)))?;
        self.enqueue(tx, T::INFNO, chain_key, ref_kind, ref_id, &payload)
    }

    /// Counts per state and the figures the status bar shows.
    pub fn queue_status(&self) -> Result<QueueStatus> {
        let now = self.now_ms();
        self.read(|c| {
            let mut s = QueueStatus::default();
            let mut st = c
                .prepare("SELECT state, count(*) FROM uploads GROUP BY state")
                .map_err(StoreError::sql("count uploads"))?;
            let counts = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(StoreError::sql("count uploads"))?;
            for row in counts {
                let (state, n) = row.map_err(StoreError::sql("count uploads"))?;
                let n = n.max(0) as u64;
                match UploadState::from_code(&state) {
                    Some(UploadState::Pending) => s.pending = n,
                    Some(UploadState::Sending) => s.sending = n,
                    Some(UploadState::Uncertain) => s.uncertain = n,
                    Some(UploadState::Done) => s.done = n,
                    Some(UploadState::Rejected) => s.rejected = n,
                    Some(UploadState::Voided) => s.voided = n,
                    None => {}
                }
            }
            s.depth = s.pending + s.sending + s.uncertain;
            let oldest: Option<i64> = c
                .query_row(
                    "SELECT min(created_at) FROM uploads WHERE state IN ('pending', 'sending', 'uncertain')",
                    [],
                    |r| r.get(0),
                )
                .map_err(StoreError::sql("oldest upload"))?;
            s.oldest_pending_age_secs = oldest.map(|t| ((now - t).max(0) / 1000) as u64);
            let last_ok: Option<i64> = c
                .query_row(
                    "SELECT at FROM upload_attempts WHERE outcome IN ('accepted', 'resolved-applied')
                     ORDER BY id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sql("last success"))?;
            s.last_success = last_ok.map(wire_time);
            let last_err: Option<(i64, String, String, String)> = c
                .query_row(
                    "SELECT at, msgid, outcome, detail FROM upload_attempts
                     WHERE outcome IN ('rejected', 'transient', 'uncertain', 'unresolved', 'interrupted')
                     ORDER BY id DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(StoreError::sql("last error"))?;
            s.last_error = last_err.map(|(at, msgid, outcome, detail)| {
                format!("{} {msgid} {outcome}: {detail}", wire_time(at))
            });
            Ok(s)
        })
    }

    /// Lists rows, optionally only one state, oldest first.
    pub fn list_uploads(&self, state: Option<UploadState>, limit: u32) -> Result<Vec<UploadRow>> {
        self.read(|c| {
            let sql = match state {
                Some(_) => {
                    format!("SELECT {ROW_COLS} FROM uploads WHERE state = ?1 ORDER BY id LIMIT ?2")
                }
                None => format!(
                    "SELECT {ROW_COLS} FROM uploads WHERE ?1 IS NULL OR 1 ORDER BY id LIMIT ?2"
                ),
            };
            let mut st = c.prepare(&sql).map_err(StoreError::sql("list uploads"))?;
            let rows = st
                .query_map(params![state.map(|s| s.code()), limit], row_to_upload)
                .map_err(StoreError::sql("list uploads"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("list uploads"));
            rows
        })
    }

    /// One row.
    pub fn upload(&self, id: i64) -> Result<UploadRow> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {ROW_COLS} FROM uploads WHERE id = ?1"),
                [id],
                row_to_upload,
            )
            .optional()
            .map_err(StoreError::sql("read upload"))?
            .ok_or_else(|| StoreError::NotFound(format!("upload {id}")))
        })
    }

    /// The upload row that reports one ledger record (`ref_kind`, `ref_id`),
    /// e.g. the 7204 of an audit.
    pub fn upload_of(&self, op: &str, ref_kind: &str, ref_id: i64) -> Result<Option<UploadRow>> {
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {ROW_COLS} FROM uploads WHERE op = ?1 AND ref_kind = ?2 AND ref_id = ?3
                     ORDER BY id DESC LIMIT 1"
                ),
                params![op, ref_kind, ref_id],
                row_to_upload,
            )
            .optional()
            .map_err(StoreError::sql("read upload"))
        })
    }

    /// The attempt log of one row, oldest first: (outcome, detail).
    pub fn upload_attempt_log(&self, id: i64) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT outcome, detail FROM upload_attempts WHERE upload_id = ?1 ORDER BY id",
                )
                .map_err(StoreError::sql("read upload attempts"))?;
            let rows = st
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(StoreError::sql("read upload attempts"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read upload attempts"));
            rows
        })
    }

    /// The decrypted payload of a row (support and tests).
    pub fn upload_payload(&self, id: i64) -> Result<serde_json::Value> {
        let sealed: Vec<u8> = self.read(|c| {
            c.query_row("SELECT payload FROM uploads WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(StoreError::sql("read upload"))?
            .ok_or_else(|| StoreError::NotFound(format!("upload {id}")))
        })?;
        serde_json::from_slice(&self.sealer().open(&sealed)?)
            .map_err(|e| StoreError::Unseal(format!("payload is not JSON: {e}")))
    }

    /// A manager asks for a row to be tried again now.
    ///
    /// - pending: the backoff is skipped;
    /// - uncertain: resolution runs now (still no blind resend);
    /// - rejected: the row goes back to pending under a **new** msgid (the
    ///   center refused the old one and would answer a replay with the same
    ///   refusal); the old msgid stays in `upload_attempts`.
    pub fn retry_upload(&self, by: &Session, id: i64) -> Result<UploadRow> {
        by.require(Permission::ManageQueue)?;
        let now = self.now_ms();
        self.write("retry upload", |tx| {
            let (state, old_msgid): (String, String) = tx
                .query_row("SELECT state, msgid FROM uploads WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .map_err(StoreError::sql("read upload"))?
                .ok_or_else(|| StoreError::NotFound(format!("upload {id}")))?;
            let state = UploadState::from_code(&state).unwrap_or(UploadState::Rejected);
            let new_msgid = match state {
                UploadState::Pending | UploadState::Uncertain => None,
                UploadState::Rejected => Some(self.next_msgid(tx)?),
                other => {
                    return Err(StoreError::Rule(format!(
                        "状态为“{}”的上传不能重试 / an upload in state {} cannot be retried",
                        other.label_zh(),
                        other.code()
                    )))
                }
            };
            let changed = match &new_msgid {
                Some(m) => tx.execute(
                    "UPDATE uploads SET state = 'pending', msgid = ?2, next_attempt_at = ?3,
                         updated_at = ?3, reject_code = NULL WHERE id = ?1 AND state = 'rejected'",
                    params![id, m, now],
                ),
                None => tx.execute(
                    "UPDATE uploads SET next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1 AND state = ?3",
                    params![id, now, state.code()],
                ),
            }
            .map_err(StoreError::sql("retry upload"))?;
            if changed != 1 {
                return Err(StoreError::Rule(
                    "上传状态已变化，请刷新后再试 / the upload changed meanwhile; refresh and try again"
                        .into(),
                ));
            }
            attempt(tx, id, &old_msgid, now, "manual-retry", new_msgid.as_deref().unwrap_or(""))?;
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "upload.retry",
                &serde_json::json!({"upload": id, "from_state": state.code(), "msgid": old_msgid, "new_msgid": new_msgid}),
            )?;
            Ok(())
        })?;
        self.upload(id)
    }

    /// A manager gives up on an open row, with a reason (audit-logged). A
    /// voided row no longer blocks its chain.
    pub fn void_upload(&self, by: &Session, id: i64, reason: &str) -> Result<UploadRow> {
        by.require(Permission::ManageQueue)?;
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "作废必须填写原因 / a void needs a reason".into(),
            ));
        }
        let now = self.now_ms();
        self.write("void upload", |tx| {
            let (state, msgid): (String, String) = tx
                .query_row("SELECT state, msgid FROM uploads WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .map_err(StoreError::sql("read upload"))?
                .ok_or_else(|| StoreError::NotFound(format!("upload {id}")))?;
            let state = UploadState::from_code(&state).unwrap_or(UploadState::Rejected);
            if matches!(state, UploadState::Done | UploadState::Voided | UploadState::Sending) {
                return Err(StoreError::Rule(format!(
                    "状态为“{}”的上传不能作废 / an upload in state {} cannot be voided",
                    state.label_zh(),
                    state.code()
                )));
            }
            let changed = tx
                .execute(
                    "UPDATE uploads SET state = 'voided', voided_by = ?2, void_reason = ?3, updated_at = ?4
                     WHERE id = ?1 AND state = ?5",
                    params![id, by.operator_id(), reason.trim(), now, state.code()],
                )
                .map_err(StoreError::sql("void upload"))?;
            if changed != 1 {
                return Err(StoreError::Rule(
                    "上传状态已变化，请刷新后再作废 / the upload changed meanwhile; refresh and try again"
                        .into(),
                ));
            }
            attempt(tx, id, &msgid, now, "voided", reason.trim())?;
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "upload.void",
                &serde_json::json!({"upload": id, "msgid": msgid, "from_state": state.code(), "reason": reason.trim()}),
            )
        })?;
        self.upload(id)
    }

    /// At worker start: rows left `sending` by a killed process become
    /// `uncertain` (they may or may not have reached the center).
    pub fn recover_interrupted(&self) -> Result<u64> {
        let now = self.now_ms();
        self.write("recover interrupted uploads", |tx| {
            let ids: Vec<(i64, String)> = {
                let mut st = tx
                    .prepare("SELECT id, msgid FROM uploads WHERE state = 'sending'")
                    .map_err(StoreError::sql("find interrupted uploads"))?;
                let rows = st
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(StoreError::sql("find interrupted uploads"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("find interrupted uploads"))?;
                rows
            };
            for (id, msgid) in &ids {
                tx.execute(
                    "UPDATE uploads SET state = 'uncertain', next_attempt_at = ?2, updated_at = ?2,
                         last_error = 'interrupted while sending' WHERE id = ?1",
                    params![id, now],
                )
                .map_err(StoreError::sql("mark upload uncertain"))?;
                attempt(
                    tx,
                    *id,
                    msgid,
                    now,
                    "interrupted",
                    "process stopped while sending",
                )?;
            }
            // Rows whose resolution was in flight when the process stopped
            // (claiming pushed their next attempt out): due now.
            tx.execute(
                "UPDATE uploads SET next_attempt_at = ?1
                 WHERE state = 'uncertain' AND next_attempt_at > ?1",
                [now],
            )
            .map_err(StoreError::sql("reschedule uncertain uploads"))?;
            Ok(ids.len() as u64)
        })
        .inspect(|n| {
            if *n > 0 {
                crate::crashpoint!("outbox_after_recover_interrupted");
            }
        })
    }

    /// Picks up to `limit` chain heads that are due, skipping chains in
    /// `busy`; pending heads are marked `sending` (one transaction, so one
    /// fsync for the batch) and uncertain heads are returned for resolution.
    pub fn claim_due(&self, limit: usize, busy: &HashSet<String>) -> Result<Vec<UploadRequest>> {
        self.complete_and_claim(&[], limit, busy)
    }

    /// Records `done` outcomes and claims up to `limit` due chain heads in
    /// ONE transaction (one fsync): the worker's steady state. The outcomes
    /// are written first, so a chain whose head just finished offers its next
    /// row in the same claim.
    pub fn complete_and_claim(
        &self,
        done: &[(i64, Completion)],
        limit: usize,
        busy: &HashSet<String>,
    ) -> Result<Vec<UploadRequest>> {
        if limit == 0 {
            self.complete_uploads(done)?;
            return Ok(Vec::new());
        }
        let now = self.now_ms();
        let claimed: Vec<Claimed> =
            self.write("claim uploads", |tx| {
                for (id, how) in done {
                    complete_in(tx, *id, how, now)?;
                }
                let candidates: Vec<Candidate> = {
                    let mut st = tx
                        .prepare_cached(
                            "SELECT u.id, u.msgid, u.op, u.chain_key, u.payload, u.attempts, u.state
                             FROM uploads u INDEXED BY uploads_due
                             WHERE u.state IN ('pending', 'uncertain') AND u.next_attempt_at <= ?1
                               AND NOT EXISTS (SELECT 1 FROM uploads p
                                               WHERE p.chain_key = u.chain_key AND p.id < u.id
                                                 AND p.state NOT IN ('done', 'voided'))
                             ORDER BY u.id
                             LIMIT ?2",
                        )
                        .map_err(StoreError::sql("find due uploads"))?;
                    let rows = st
                        .query_map(params![now, (limit + busy.len()) as i64], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
                        })
                        .map_err(StoreError::sql("find due uploads"))?
                        .collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(StoreError::sql("find due uploads"))?;
                    rows
                };
                let mut out = Vec::new();
                for (id, msgid, op, chain, payload, attempts, state) in candidates {
                    if out.len() >= limit || busy.contains(&chain) {
                        continue;
                    }
                    let resolve = state == "uncertain";
                    // Uncertain rows stay uncertain while being resolved: a crash
                    // during resolution leaves them exactly as they were.
                    // (A row being resolved gets its next attempt pushed out, so
                    // it is not "due" while its resolution is in flight.)
                    tx.prepare_cached(
                        "UPDATE uploads SET state = CASE WHEN state = 'pending' THEN 'sending' ELSE state END,
                             attempts = attempts + 1, updated_at = ?2,
                             next_attempt_at = CASE WHEN state = 'uncertain' THEN ?2 + 600000
                                                    ELSE next_attempt_at END
                         WHERE id = ?1 AND state IN ('pending', 'uncertain')",
                    )
                    .and_then(|mut st| st.execute(params![id, now]))
                    .map_err(StoreError::sql("mark upload sending"))?;
                    attempt(tx, id, &msgid, now, if resolve { "resolving" } else { "sending" }, "")?;
                    out.push((id, msgid, op, chain, payload, attempts, resolve));
                }
                Ok(out)
            })?;
        if !done.is_empty() {
            crate::crashpoint!("outbox_after_outcome");
        }
        if !claimed.is_empty() {
            crate::crashpoint!("outbox_after_claim");
        }
        claimed
            .into_iter()
            .map(|(id, msgid, op, chain_key, sealed, attempts, resolve)| {
                let payload = serde_json::from_slice(&self.sealer().open(&sealed)?)
                    .map_err(|e| StoreError::Unseal(format!("payload is not JSON: {e}")))?;
                Ok(UploadRequest {
                    id,
                    msgid,
                    op,
                    chain_key,
                    payload,
                    attempts,
                    resolve,
                })
            })
            .collect()
    }

    /// The earliest `next_attempt_at` among chain heads that can be sent or
    /// resolved (`None`: nothing can progress — the queue is empty or every
    /// open chain waits behind a rejected row or a row in flight).
    pub fn next_due_at(&self) -> Result<Option<i64>> {
        self.read(|c| {
            c.query_row(
                "SELECT min(u.next_attempt_at) FROM uploads u
                 WHERE u.state IN ('pending', 'uncertain')
                   AND NOT EXISTS (SELECT 1 FROM uploads p
                                   WHERE p.chain_key = u.chain_key AND p.id < u.id
                                     AND p.state NOT IN ('done', 'voided'))",
                [],
                |r| r.get(0),
            )
            .map_err(StoreError::sql("next due upload"))
        })
    }

    /// Pulls every backing-off row forward to now (the center answers again).
    pub fn resume_all_now(&self) -> Result<u64> {
        let now = self.now_ms();
        self.write("resume uploads", |tx| {
            tx.execute(
                "UPDATE uploads SET next_attempt_at = ?1
                 WHERE state IN ('pending', 'uncertain') AND next_attempt_at > ?1",
                [now],
            )
            .map(|n| n as u64)
            .map_err(StoreError::sql("resume uploads"))
        })
    }

    /// Records the outcome of a send or a resolution.
    pub fn complete_upload(&self, id: i64, how: &Completion) -> Result<()> {
        self.complete_uploads(&[(id, how.clone())])
    }

    /// Records several outcomes in one transaction (one fsync): the worker
    /// group-commits the answers that arrived together.
    pub fn complete_uploads(&self, items: &[(i64, Completion)]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let now = self.now_ms();
        self.write("record upload outcome", |tx| {
            for (id, how) in items {
                complete_in(tx, *id, how, now)?;
            }
            Ok(())
        })?;
        crate::crashpoint!("outbox_after_outcome");
        Ok(())
    }
}

fn complete_in(tx: &Transaction<'_>, id: i64, how: &Completion, now: i64) -> Result<()> {
    // At rest: the answer without personal fields, error texts masked
    // (docs/schema.md, "Personal data at rest").
    use crate::protect::{redact_text, strip_personal};
    // (state, next_attempt_at, last_error, reject_code, ack, outcome, detail)
    let (state, next_at, error, reject_code, ack, outcome, detail) = match how {
        Completion::Done(ack) => (
            "done",
            now,
            None,
            None,
            Some(strip_personal(ack).to_string()),
            "accepted",
            String::new(),
        ),
        Completion::ResolvedApplied(ack) => (
            "done",
            now,
            None,
            None,
            Some(strip_personal(ack).to_string()),
            "resolved-applied",
            String::new(),
        ),
        Completion::Rejected { code, message } => (
            "rejected",
            now,
            Some(message.clone()),
            Some(code.clone()),
            None,
            "rejected",
            format!("{code}: {message}"),
        ),
        Completion::Transient { error, retry_at } => (
            "pending",
            *retry_at,
            Some(error.clone()),
            None,
            None,
            "transient",
            error.clone(),
        ),
        Completion::Uncertain { error, retry_at } => (
            "uncertain",
            *retry_at,
            Some(error.clone()),
            None,
            None,
            "uncertain",
            error.clone(),
        ),
        Completion::StillUnknown { error, retry_at } => (
            "uncertain",
            *retry_at,
            Some(error.clone()),
            None,
            None,
            "unresolved",
            error.clone(),
        ),
        Completion::Unsent => return release_unsent(tx, id, now),
        Completion::NotApplied => (
            "pending",
            now,
            None,
            None,
            None,
            "resolved-not-applied",
            "center has no record of it; resend with the same msgid".to_string(),
        ),
    };
    let (msgid, current): (String, String) = tx
        .prepare_cached("SELECT msgid, state FROM uploads WHERE id = ?1")
        .and_then(|mut st| st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(StoreError::sql("read upload"))?;
    // Compare-and-set: the answer counts only if the row is still in a state
    // its request was claimed from.
    let from = how.claimed_from();
    let changed = tx
        .prepare_cached(
            "UPDATE uploads SET state = ?2, next_attempt_at = ?3, updated_at = ?4, last_error = ?5,
                 reject_code = coalesce(?6, reject_code), ack = coalesce(?7, ack),
                 done_at = CASE WHEN ?2 = 'done' THEN ?4 ELSE done_at END
             WHERE id = ?1 AND state IN (?8, ?9)",
        )
        .and_then(|mut st| {
            st.execute(params![
                id,
                state,
                next_at,
                now,
                error.as_deref().map(redact_text),
                reject_code,
                ack,
                from[0].code(),
                from[1].code()
            ])
        })
        .map_err(StoreError::sql("record upload outcome"))?;
    if changed == 0 {
        // A manager voided (or retried) the row while its request was in
        // flight: the void stands; the late answer is kept for the record.
        tracing::warn!(target: "rxdesk::sync", upload = id, %msgid, state = %current, outcome, "late answer ignored: the row changed while its request was in flight");
        return attempt(
            tx,
            id,
            &msgid,
            now,
            "late-answer",
            &redact_text(&format!(
                "{outcome} after the row became {current}: ignored {detail}"
            )),
        );
    }
    attempt(tx, id, &msgid, now, outcome, &redact_text(&detail))
}

/// A row claimed ahead whose request never left: back to where the claim
/// found it (`sending` → `pending`; an `uncertain` row stays `uncertain`),
/// due now, the claim's attempt given back. Compare-and-set like every
/// transition: a row a manager changed meanwhile is left alone.
fn release_unsent(tx: &Transaction<'_>, id: i64, now: i64) -> Result<()> {
    let msgid: Option<String> = tx
        .query_row(
            "UPDATE uploads SET state = CASE WHEN state = 'sending' THEN 'pending' ELSE state END,
                 attempts = max(attempts - 1, 0), next_attempt_at = ?2, updated_at = ?2
             WHERE id = ?1 AND state IN ('sending', 'uncertain')
             RETURNING msgid",
            params![id, now],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::sql("release unsent upload"))?;
    match msgid {
        Some(msgid) => attempt(
            tx,
            id,
            &msgid,
            now,
            "unsent",
            "claimed ahead, never sent (worker stopped or went offline)",
        ),
        None => Ok(()),
    }
}
