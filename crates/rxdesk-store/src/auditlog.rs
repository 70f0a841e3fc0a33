//! The append-only audit log of security-relevant events (logins, lockouts,
//! audit decisions, refunds, upload voids/retries, operator and settings
//! changes).
//!
//! Each entry's `hash` is HMAC-SM3 (key from the ledger's key file) over the
//! previous entry's hash and the entry's fields, so editing or deleting any
//! entry breaks the chain from there on; the head (last id and hash) is also
//! kept in `meta`, so cutting entries off the end is detected too. Triggers
//! refuse UPDATE and DELETE on the table; [`Store::verify_audit_log`] catches
//! whoever drops them.

use crate::error::{Result, StoreError};
use crate::{get_meta, set_meta, Store};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn entry_hash(
    key: &[u8; 32],
    prev: &str,
    id: i64,
    at: i64,
    operator: Option<i64>,
    event: &str,
    detail: &str,
) -> String {
    let op = operator.map(|o| o.to_string()).unwrap_or_default();
    let msg = format!("{prev}\n{id}\n{at}\n{op}\n{event}\n{detail}");
    hex::encode(rxdesk_gm::primitives::hmac_sm3(key, msg.as_bytes()))
}

/// Appends an entry inside the caller's transaction.
pub(crate) fn append(
    c: &Connection,
    store: &Store,
    operator: Option<i64>,
    event: &str,
    detail: &serde_json::Value,
) -> Result<()> {
    let detail = detail.to_string();
    let at = store.now_ms();
    let (prev_id, prev): (i64, String) = c
        .query_row(
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(StoreError::sql("read audit log head"))?
        .unwrap_or((0, GENESIS.to_string()));
    let id = prev_id + 1;
    let hash = entry_hash(
        store.sealer().audit_key(),
        &prev,
        id,
        at,
        operator,
        event,
        &detail,
    );
    c.execute(
        "INSERT INTO audit_log (id, at, operator_id, event, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, at, operator, event, detail, prev, hash],
    )
    .map_err(StoreError::sql("append audit log"))?;
    set_meta(c, "audit_head", &format!("{id}:{hash}"))
}

/// Result of [`Store::verify_audit_log`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerdict {
    /// Entries checked.
    pub entries: u64,
    /// `None` when the chain is intact; otherwise the first problem found.
    pub problem: Option<AuditProblem>,
}

/// What is wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditProblem {
    /// Entry `id`'s contents no longer match its hash (edited).
    Edited {
        /// The entry.
        id: i64,
    },
    /// Entries between `after` and `id` are missing, or `id` no longer
    /// links to its predecessor (deleted or reordered).
    Broken {
        /// The entry whose link is wrong.
        id: i64,
        /// The last good entry before it.
        after: i64,
    },
    /// The chain ends before the recorded head (entries cut off the end).
    Truncated {
        /// Last entry present.
        last: i64,
        /// Head recorded in meta.
        head: String,
    },
}

/// One entry, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Sequence number (1, 2, …).
    pub id: i64,
    /// Unix ms.
    pub at: i64,
    /// Operator row id, when known.
    pub operator_id: Option<i64>,
    /// Event name, e.g. `login.failed`, `rx.audit`, `upload.void`.
    pub event: String,
    /// JSON detail (never ID numbers, tokens or keys).
    pub detail: String,
}

impl Store {
    /// Walks the whole chain and reports the first problem.
    pub fn verify_audit_log(&self) -> Result<AuditVerdict> {
        self.read(|c| {
            let mut st = c
                .prepare("SELECT id, at, operator_id, event, detail, prev_hash, hash FROM audit_log ORDER BY id")
                .map_err(StoreError::sql("read audit log"))?;
            let mut rows = st.query([]).map_err(StoreError::sql("read audit log"))?;
            let key = self.sealer().audit_key();
            let (mut expected_id, mut prev, mut n) = (1i64, GENESIS.to_string(), 0u64);
            while let Some(r) = rows.next().map_err(StoreError::sql("read audit log"))? {
                let id: i64 = r.get(0).map_err(StoreError::sql("read audit log"))?;
                let at: i64 = r.get(1).map_err(StoreError::sql("read audit log"))?;
                let op: Option<i64> = r.get(2).map_err(StoreError::sql("read audit log"))?;
                let event: String = r.get(3).map_err(StoreError::sql("read audit log"))?;
                let detail: String = r.get(4).map_err(StoreError::sql("read audit log"))?;
                let prev_hash: String = r.get(5).map_err(StoreError::sql("read audit log"))?;
                let hash: String = r.get(6).map_err(StoreError::sql("read audit log"))?;
                n += 1;
                if id != expected_id || prev_hash != prev {
                    return Ok(AuditVerdict {
                        entries: n,
                        problem: Some(AuditProblem::Broken { id, after: expected_id - 1 }),
                    });
                }
                if entry_hash(key, &prev_hash, id, at, op, &event, &detail) != hash {
                    return Ok(AuditVerdict {
                        entries: n,
                        problem: Some(AuditProblem::Edited { id }),
                    });
                }
                prev = hash;
                expected_id += 1;
            }
            let last = expected_id - 1;
            if let Some(head) = get_meta(c, "audit_head")? {
                if head != format!("{last}:{prev}") {
                    return Ok(AuditVerdict {
                        entries: n,
                        problem: Some(AuditProblem::Truncated { last, head }),
                    });
                }
            }
            Ok(AuditVerdict { entries: n, problem: None })
        })
    }

    /// The latest `limit` entries, newest first.
    pub fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        self.read(|c| {
            let mut st = c
                .prepare("SELECT id, at, operator_id, event, detail FROM audit_log ORDER BY id DESC LIMIT ?1")
                .map_err(StoreError::sql("read audit log"))?;
            let rows = st
                .query_map([limit], |r| {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        operator_id: r.get(2)?,
                        event: r.get(3)?,
                        detail: r.get(4)?,
                    })
                })
                .map_err(StoreError::sql("read audit log"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read audit log"));
            rows
        })
    }
}
