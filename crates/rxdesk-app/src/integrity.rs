//! Start-up integrity of the counter's data (docs/schema.md, "The audit log"). The audit log's hash
//! chain used to be verified only by the CLI; now every start of the counter
//! checks it, and checks it against the anchor file outside the ledger (a
//! ledger rolled back to an older copy keeps an intact chain of its own, but
//! falls behind the anchors). A break is logged with `tracing::error!` and
//! kept here for the manager screen ([`latest`], read by
//! `manager::queue_summary`). When the chain is intact its head is anchored.
//!
//! The same start-up pass tightens the data directory's permissions and
//! deletes documents older than the retention setting.

use crate::{DataDir, Settings};
use rxdesk_store::Store;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What the start-up checks found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IntegrityStatus {
    /// The audit log (chain and anchors) verified intact.
    pub audit_ok: bool,
    /// Entries checked.
    pub audit_entries: u64,
    /// What is wrong, in words for the manager (zh-CN); `None` when intact.
    pub audit_problem: Option<String>,
    /// Its stable code (`edited`, `broken`, `truncated`, `rolled_back`,
    /// `anchor_mismatch`, `anchor_unreadable`, `anchor_not_written`,
    /// `unverifiable`) and values: what a window in another language words.
    pub audit_problem_code: Option<String>,
    /// The values the problem names (entry numbers, the anchor file's line, `detail`).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub audit_problem_params: BTreeMap<String, String>,
    /// The head anchored at start-up (`审计日志锚点 #n hash…`), when intact.
    pub audit_anchor: Option<String>,
    /// That anchor's entry number and the first 16 hex digits of its hash
    /// (what a window in another language words).
    pub audit_anchor_head: Option<AnchorHead>,
    /// File and directory modes tightened.
    pub permissions_fixed: usize,
    /// Old receipts, guidance sheets and exports deleted.
    pub documents_purged: usize,
}

/// The audit log's anchored head as the window words it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AnchorHead {
    /// The head entry's number.
    pub seq: i64,
    /// The first 16 hex digits of its hash.
    pub hash: String,
}

impl AnchorHead {
    /// The head of an anchor written outside the ledger.
    pub fn of(a: &rxdesk_store::auditlog::AuditAnchor) -> Self {
        Self {
            seq: a.seq,
            hash: a.hash.chars().take(16).collect(),
        }
    }
}

static LATEST: Mutex<BTreeMap<PathBuf, IntegrityStatus>> = Mutex::new(BTreeMap::new());

/// The result of the last start-up check of the ledger at `ledger`, in this
/// process.
pub fn latest(ledger: &Path) -> Option<IntegrityStatus> {
    LATEST
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(ledger)
        .cloned()
}

/// Runs the start-up checks: permissions, document retention, the audit log
/// against its anchors (anchoring the head when intact). Problems are
/// logged and returned, never fatal: the counter still opens, and the
/// manager is told.
pub fn startup(dir: &DataDir, settings: &Settings, store: &Store) -> IntegrityStatus {
    let permissions_fixed = dir.secure().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "could not tighten data directory permissions");
        0
    });
    let documents_purged = dir
        .purge_documents(
            settings.document_retention_days,
            std::time::SystemTime::now(),
        )
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not delete old documents");
            0
        });
    let mut problem_params = BTreeMap::new();
    let (audit_entries, audit_problem, problem_code, anchor) = match store
        .verify_audit_log_with_anchors()
    {
        Ok(v) => match &v.problem {
            Some(p) => {
                tracing::error!(problem = ?p, entries = v.entries, "audit log integrity broken");
                // The problem's tag and fields, as the window words them.
                let mut code = None;
                if let Ok(serde_json::Value::Object(m)) = serde_json::to_value(p) {
                    for (k, x) in m {
                        let x = x.as_str().map_or_else(|| x.to_string(), str::to_string);
                        if k == "kind" {
                            code = Some(x);
                        } else {
                            problem_params.insert(k, x);
                        }
                    }
                }
                (v.entries, Some(p.sentence_zh()), code, None)
            }
            None => match store.anchor_audit_head(true) {
                Ok(a) => (v.entries, None, None, Some(a)),
                Err(e) => {
                    tracing::error!(error = %e, "audit log head could not be anchored");
                    problem_params.insert("detail".into(), e.to_string());
                    (
                        v.entries,
                        Some(format!("审计日志锚点无法写入：{e}")),
                        Some("anchor_not_written".into()),
                        None,
                    )
                }
            },
        },
        Err(e) => {
            tracing::error!(error = %e, "audit log could not be verified");
            problem_params.insert("detail".into(), e.to_string());
            (
                0,
                Some(format!("审计日志无法校验：{e}")),
                Some("unverifiable".into()),
                None,
            )
        }
    };
    let status = IntegrityStatus {
        audit_ok: audit_problem.is_none(),
        audit_entries,
        audit_problem,
        audit_problem_code: problem_code,
        audit_problem_params: problem_params,
        audit_anchor: anchor.as_ref().map(|a| a.label()),
        audit_anchor_head: anchor.as_ref().map(AnchorHead::of),
        permissions_fixed,
        documents_purged,
    };
    LATEST
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(store.path().to_path_buf(), status.clone());
    status
}
