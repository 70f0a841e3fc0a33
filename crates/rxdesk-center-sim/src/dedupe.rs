//! How the emulated gateway answers a msgid it has already processed — the
//! switch behind docs/decisions/0004 (uncertain uploads), so the outbox's
//! resend rule is rehearsed against both kinds of gateway the wire protocol (docs/reference/wire-protocol.md) leaves
//! open:
//!
//! - `replay` (default): the gateway de-duplicates by msgid and answers the
//!   repeat with the original answer (nothing applied twice);
//! - `reject`: the gateway refuses the repeat with `1008` "报文ID重复，已受理"
//!   (`rxdesk_center::error::codes::ALREADY_RECEIVED`) without saying what
//!   the first answer was.
//!
//! Either way a repeat is counted as `duplicate` in `/admin/stats` and never
//! applied again. Set at start (`--duplicate-msgid reject`) or with
//! `POST /admin/duplicates {"mode": "reject"}`; read with `GET /admin/duplicates`.

use crate::http::App;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// The gateway's answer to a repeated msgid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateMsgid {
    /// Answer with the original (cached) answer.
    #[default]
    Replay,
    /// Refuse with 1008 "already received".
    Reject,
}

impl std::str::FromStr for DuplicateMsgid {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "replay" => Ok(Self::Replay),
            "reject" => Ok(Self::Reject),
            other => Err(format!("expected replay or reject, got {other:?}")),
        }
    }
}

/// The live switch (shared by every connection).
#[derive(Debug, Clone, Default)]
pub struct DuplicateSwitch(Arc<AtomicU8>);

impl DuplicateSwitch {
    /// A switch set to `mode`.
    pub fn new(mode: DuplicateMsgid) -> Self {
        let s = Self::default();
        s.set(mode);
        s
    }
    /// The current mode.
    pub fn get(&self) -> DuplicateMsgid {
        match self.0.load(Ordering::SeqCst) {
            1 => DuplicateMsgid::Reject,
            _ => DuplicateMsgid::Replay,
        }
    }
    /// Changes the mode.
    pub fn set(&self, mode: DuplicateMsgid) {
        self.0.store(
            match mode {
                DuplicateMsgid::Replay => 0,
                DuplicateMsgid::Reject => 1,
            },
            Ordering::SeqCst,
        );
    }
}

/// The refusal a `reject` gateway sends for a repeated msgid.
pub fn already_received(msgid: &str) -> (i64, String) {
    (
        rxdesk_center::error::codes::ALREADY_RECEIVED,
        format!("报文ID重复，已受理：{msgid}（not processed again）"),
    )
}

#[derive(Deserialize)]
struct ModeBody {
    mode: DuplicateMsgid,
}

/// `GET /admin/duplicates`
pub async fn get_mode(AxState(app): AxState<App>) -> Json<serde_json::Value> {
    Json(json!({"mode": app.duplicates.get()}))
}

/// `POST /admin/duplicates {"mode": "replay" | "reject"}`
pub async fn set_mode(AxState(app): AxState<App>, body: Bytes) -> Response {
    match serde_json::from_slice::<ModeBody>(&body) {
        Ok(b) => {
            app.duplicates.set(b.mode);
            tracing::info!(mode = ?b.mode, "duplicate-msgid mode set");
            Json(json!({"mode": b.mode})).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": format!("expected {{\"mode\": \"replay\"|\"reject\"}}: {e}")})),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_round_trips_and_parses() {
        let s = DuplicateSwitch::default();
        assert_eq!(s.get(), DuplicateMsgid::Replay);
        s.set(DuplicateMsgid::Reject);
        assert_eq!(s.clone().get(), DuplicateMsgid::Reject);
        assert_eq!(
            "reject".parse::<DuplicateMsgid>(),
            Ok(DuplicateMsgid::Reject)
        );
        assert!("maybe".parse::<DuplicateMsgid>().is_err());
        assert_eq!(already_received("x").0, 1008);
    }
}
