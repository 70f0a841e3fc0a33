//! The chain sync status as it crosses to the window (issue 17 item 3): an
//! IPC view of [`ChainStatus`] in camelCase with a `ts-rs` derive, kept
//! apart from the service type, whose serde shape the CLI's `--json` output
//! and the tests use, and whose blocked issues carry the wire protocol's
//! snake_case [`rxdesk_sync::IntegrationIssue`].

use std::collections::BTreeMap;

use crate::chain::ChainStatus;
use crate::ipc_mask::mask_ids;
use serde::Serialize;

/// A record head office refused (money or trace codes): the chain manager
/// resolves it at head office; the counter keeps it and retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainIssueView {
    /// The record's id (UUID).
    pub record_id: String,
    /// Its table (`sale`, `sale_line`, `sale_box`, …).
    pub table: String,
    /// Head office's stable code (`trace_code_sold_twice`, …).
    pub code: String,
    /// Head office's English sentence (for 详情 and support), trace codes
    /// masked; the window words the refusal from `code` and `params`.
    pub message: String,
    /// The refusal's particulars (`rxdesk_sync::IntegrationIssue::params`):
    /// for `trace_code_sold_twice`, `trace_code` (masked as every ID the
    /// window sees: `813***************21`), `store_code` and `counter_no`
    /// of the sale that already holds the box. Empty when head office sent
    /// none.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub params: BTreeMap<String, String>,
}

/// The last round's error with the sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainErrorIpc {
    /// Stable code (`hq_unreachable`, `batch_refused`, `bad_token`, …).
    pub code: String,
    /// zh-CN sentence with what to do.
    pub message_zh: String,
    /// en-US sentence.
    pub message_en: String,
}

/// The chain link as the status bar and the manager view show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainStatusView {
    /// Registered with head office.
    pub registered: bool,
    /// Head office's URL.
    pub hq_url: Option<String>,
    /// The store's code.
    pub store_code: Option<String>,
    /// This counter's number.
    pub counter_no: Option<u16>,
    /// Last successful round (Unix ms).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_sync_at: Option<i64>,
    /// Changelog rows not yet accepted by head office.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub backlog: i64,
    /// A round is running now.
    pub syncing: bool,
    /// The last round's error, if it failed.
    pub error: Option<ChainErrorIpc>,
    /// Records head office blocked.
    pub issues: Vec<ChainIssueView>,
}

impl From<&ChainStatus> for ChainStatusView {
    fn from(s: &ChainStatus) -> Self {
        Self {
            registered: s.registered,
            hq_url: s.hq_url.clone(),
            store_code: s.store_code.clone(),
            counter_no: s.counter_no,
            last_sync_at: s.last_sync_at,
            backlog: s.backlog,
            syncing: s.syncing,
            error: s.error.as_ref().map(|e| ChainErrorIpc {
                code: e.code.clone(),
                message_zh: e.message_zh.clone(),
                message_en: e.message_en.clone(),
            }),
            issues: s
                .issues
                .iter()
                .map(|i| ChainIssueView {
                    record_id: i.record_id.to_string(),
                    table: i.table.as_str().to_string(),
                    code: i.code.clone(),
                    message: mask_ids(&i.message),
                    params: i
                        .params
                        .iter()
                        .map(|(k, v)| (k.clone(), mask_ids(v)))
                        .collect(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::ChainErrorView;

    #[test]
    fn the_view_is_camel_case_with_the_issues() {
        let s = ChainStatus {
            registered: true,
            hq_url: Some("http://hq".into()),
            backlog: 37,
            error: Some(ChainErrorView {
                code: "batch_refused".into(),
                message_zh: "总部拒收".into(),
                message_en: "refused".into(),
            }),
            issues: vec![rxdesk_sync::IntegrationIssue {
                record_id: Default::default(),
                table: rxdesk_sync::Table::Sale,
                code: "trace_code_sold_twice".into(),
                message: "trace code 81305122601020013521 was already sold".into(),
                params: [
                    ("trace_code".to_string(), "81305122601020013521".to_string()),
                    ("store_code".to_string(), "P1".to_string()),
                    ("counter_no".to_string(), "2".to_string()),
                ]
                .into(),
            }],
            ..ChainStatus::default()
        };
        let v = serde_json::to_value(ChainStatusView::from(&s)).unwrap();
        assert_eq!(v["hqUrl"], "http://hq");
        assert_eq!(v["backlog"], 37);
        assert_eq!(v["error"]["messageEn"], "refused");
        assert_eq!(v["issues"][0]["table"], "sale");
        assert_eq!(
            v["issues"][0]["recordId"],
            "00000000-0000-0000-0000-000000000000"
        );
        // The trace code crosses masked, in the sentence and the params.
        assert_eq!(
            v["issues"][0]["message"],
            "trace code 813***************21 was already sold"
        );
        assert_eq!(
            v["issues"][0]["params"]["trace_code"],
            "813***************21"
        );
        assert_eq!(v["issues"][0]["params"]["counter_no"], "2");
        assert_eq!(v["issues"][0]["params"]["store_code"], "P1");
    }
}
