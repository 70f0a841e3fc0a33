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
    /// The anchor file outside the ledger names an entry the ledger no
    /// longer has: the ledger was rolled back (an older copy restored) or cut.
    RolledBack {
        /// The anchored sequence number.
        anchor: i64,
        /// Last entry present.
        last: i64,
    },
    /// The anchored entry is present but its hash differs from the anchor:
    /// the chain was rewritten (re-hashed with the key) since it was anchored.
    AnchorMismatch {
        /// The anchored sequence number.
        id: i64,
    },
    /// A line of the anchor file cannot be read.
    AnchorUnreadable {
        /// 1-based line number.
        line: usize,
    },
}

impl AuditProblem {
    /// The problem in words for the manager (zh-CN).
    pub fn sentence_zh(&self) -> String {
        match self {
            Self::Edited { id } => format!("审计日志第 {id} 条的内容被改动过（哈希不符）。"),
            Self::Broken { id, after } => {
                format!("审计日志在第 {after} 条之后断链（第 {id} 条接不上）：有记录被删除或重排。")
            }
            Self::Truncated { last, head } => format!(
                "审计日志只到第 {last} 条，而账本记录的链头是 {}：末尾的记录被截掉。",
                head.split(':').next().unwrap_or_default()
            ),
            Self::RolledBack { anchor, last } => format!(
                "审计日志只到第 {last} 条，但锚点文件已记录到第 {anchor} 条：账本被回退（换成了旧副本）或截断。"
            ),
            Self::AnchorMismatch { id } => {
                format!("审计日志第 {id} 条与锚点文件记录的哈希不符：日志在锚定之后被重写。")
            }
            Self::AnchorUnreadable { line } => {
                format!("审计日志锚点文件第 {line} 行无法读取：锚点文件被改动或损坏。")
            }
        }
    }
}

/// One anchor: the audit-log head written outside the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditAnchor {
    /// Sequence number of the head entry (0 = empty log).
    pub seq: i64,
    /// Its hash (hex).
    pub hash: String,
    /// When it was anchored (Unix ms).
    pub at: i64,
}

impl AuditAnchor {
    /// How the anchor is printed on the 日结 slip: `审计日志锚点 #n hash…`
    /// (the first 16 hex digits).
    pub fn label(&self) -> String {
        format!(
            "审计日志锚点 #{} {}…",
            self.seq,
            &self.hash[..self.hash.len().min(16)]
        )
    }

    fn line(&self) -> String {
        format!("{}\t{}\t{}\n", self.seq, self.hash, self.at)
    }

    fn parse(line: &str) -> Option<Self> {
        let mut f = line.split('\t');
        let seq = f.next()?.parse().ok()?;
        let hash = f.next()?.to_string();
        let at = f.next()?.parse().ok()?;
        let ok = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
        (ok && f.next().is_none() && seq >= 0).then_some(Self { seq, hash, at })
    }
}

/// The anchor file of a ledger: `<ledger>.anchors`, next to it but outside
/// the SQLite file, append-only (one line per anchor: seq, hash, Unix ms).
pub fn anchor_path_for(ledger: &std::path::Path) -> std::path::PathBuf {
    let mut name = ledger
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".anchors");
    ledger.with_file_name(name)
}

/// Reads every anchor of a file; a missing file has none.
pub fn read_anchors(
    path: &std::path::Path,
) -> Result<Vec<std::result::Result<AuditAnchor, usize>>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| AuditAnchor::parse(l.trim_end()).ok_or(i + 1))
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(StoreError::Io {
            action: "read audit anchors",
            path: path.to_path_buf(),
            source,
        }),
    }
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

    /// The anchor file of this ledger ([`anchor_path_for`]).
    pub fn audit_anchor_path(&self) -> std::path::PathBuf {
        anchor_path_for(self.path())
    }

    /// The current head of the chain (seq 0 and the genesis hash when empty).
    pub fn audit_head(&self) -> Result<AuditAnchor> {
        let at = self.now_ms();
        self.read(|c| {
            let head = c
                .query_row(
                    "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(StoreError::sql("read audit log head"))?
                .unwrap_or((0, GENESIS.to_string()));
            Ok(AuditAnchor {
                seq: head.0,
                hash: head.1,
                at,
            })
        })
    }

    /// Appends the current head to the anchor file (created 0600, opened in
    /// append mode, fsynced) and returns it. When `only_if_new` and the last
    /// anchor already names this head, nothing is written.
    pub fn anchor_audit_head(&self, only_if_new: bool) -> Result<AuditAnchor> {
        use std::io::Write;
        let head = self.audit_head()?;
        let path = self.audit_anchor_path();
        if only_if_new {
            let last = read_anchors(&path)?.into_iter().rev().find_map(|a| a.ok());
            if let Some(last) = last.filter(|l| l.seq == head.seq && l.hash == head.hash) {
                return Ok(last);
            }
        }
        let io = |source| StoreError::Io {
            action: "append audit anchor",
            path: path.clone(),
            source,
        };
        let mut opts = std::fs::OpenOptions::new();
        opts.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&path).map_err(io)?;
        crate::protect::restrict_file(&path)?;
        f.write_all(head.line().as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        tracing::info!(seq = head.seq, "audit log head anchored");
        Ok(head)
    }

    /// [`Store::verify_audit_log`], then every anchor of the anchor file
    /// must name an entry the chain still has, with the same hash: a ledger
    /// rolled back behind an anchor, or re-chained after it, is reported.
    pub fn verify_audit_log_with_anchors(&self) -> Result<AuditVerdict> {
        let verdict = self.verify_audit_log()?;
        if verdict.problem.is_some() {
            return Ok(verdict);
        }
        let head = self.audit_head()?;
        for a in read_anchors(&self.audit_anchor_path())? {
            let problem = match a {
                Err(line) => Some(AuditProblem::AnchorUnreadable { line }),
                Ok(a) if a.seq > head.seq => Some(AuditProblem::RolledBack {
                    anchor: a.seq,
                    last: head.seq,
                }),
                Ok(a) if a.seq == 0 => {
                    (a.hash != GENESIS).then_some(AuditProblem::AnchorMismatch { id: 0 })
                }
                Ok(a) => {
                    let hash: Option<String> = self.read(|c| {
                        c.query_row("SELECT hash FROM audit_log WHERE id = ?1", [a.seq], |r| {
                            r.get(0)
                        })
                        .optional()
                        .map_err(StoreError::sql("read audit log"))
                    })?;
                    match hash {
                        None => Some(AuditProblem::RolledBack {
                            anchor: a.seq,
                            last: head.seq,
                        }),
                        Some(h) if h != a.hash => Some(AuditProblem::AnchorMismatch { id: a.seq }),
                        Some(_) => None,
                    }
                }
            };
            if problem.is_some() {
                return Ok(AuditVerdict {
                    entries: verdict.entries,
                    problem,
                });
            }
        }
        Ok(verdict)
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
