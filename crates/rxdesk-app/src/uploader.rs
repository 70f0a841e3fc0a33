//! The sync worker's view of the center: `rxdesk-center`'s family-A client
//! behind [`rxdesk_store::sync::Uploader`].
//!
//! - **send**: one family-A call with the row's own msgid (fixed when the
//!   row was created), after the operator's daily 9001 sign-in. The client's
//!   classification maps one to one: `Rejected` → needs attention,
//!   `Transient` → retry, `Uncertain` → resolve first. A 1005 "not signed in"
//!   refusal is answered by a fresh sign-in and one immediate resend of the
//!   same msgid (the gate refused it unprocessed).
//! - **resolve**: the rule of docs/decisions/0004: resend under the **same
//!   msgid**. A gateway that de-duplicates by msgid answers a msgid it has
//!   already processed with its original answer instead of applying it
//!   again, and applies one it never received; a gateway that refuses
//!   repeats answers with one of the profile's `already_received_codes`
//!   ("报文ID重复，已受理"), which is taken as **delivered** (the ack records
//!   that the center's own answer is unknown). Either way the row ends
//!   applied exactly once. The same code on a first send means the same
//!   thing (the msgid is the row's alone).
//! - **probe**: a fresh 9001 sign-in; any answer from the center, even a
//!   refusal, means it is reachable.

use rxdesk_center::{CenterClient, CenterError, Operator, PrescriptionCenter};
use rxdesk_store::outbox::UploadRequest;
use rxdesk_store::sync::{Resolution, SendOutcome, Uploader};
use serde_json::{json, Value};
use std::sync::Arc;

/// `infcode` of "not signed in / sign_no expired" (rxdesk-center's table).
const NOT_SIGNED_IN: &str = "1005";

/// The center client as an outbox uploader.
pub struct CenterUploader {
    client: Arc<CenterClient>,
    operator: Operator,
}

impl std::fmt::Debug for CenterUploader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CenterUploader")
            .field("operator", &self.operator.opter)
            .finish_non_exhaustive()
    }
}

enum Sent {
    Ok(Value),
    Err(CenterError),
}

impl CenterUploader {
    /// Uploads as `operator` (the counter's 经办人 for background uploads).
    pub fn new(client: Arc<CenterClient>, operator: Operator) -> Self {
        Self { client, operator }
    }

    async fn send_once(&self, req: &UploadRequest) -> Sent {
        let insuplc = req
            .payload
            .get("insuplc_admdvs")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut refreshed = false;
        loop {
            let sign_no = match self.client.sign_in(&self.operator).await {
                Ok(s) => {
                    rxdesk_store::crashpoint!("uploader_after_sign_in");
                    s
                }
                // The row itself did not leave: whatever went wrong is transient for it.
                Err(e) => return Sent::Err(CenterError::Transient(format!("sign-in: {e}"))),
            };
            match self
                .client
                .send_a(
                    &req.op,
                    &req.msgid,
                    &self.operator,
                    &sign_no,
                    &insuplc,
                    req.payload.clone(),
                )
                .await
            {
                Ok(o) => {
                    return Sent::Ok(json!({"output": o.output, "inf_refmsgid": o.inf_refmsgid}))
                }
                // Refused at the gate (stale sign_no), not processed: sign in
                // afresh and send the same msgid once more. A second refusal is
                // a real rejection.
                Err(CenterError::Rejected { code, .. }) if code == NOT_SIGNED_IN && !refreshed => {
                    refreshed = true;
                    let _ = self.client.sign_out(&self.operator).await;
                }
                Err(e) => return Sent::Err(e),
            }
        }
    }
}

impl CenterUploader {
    /// The gateway says it has already received this msgid (decision 0004).
    fn already_received(&self, code: &str) -> bool {
        self.client
            .profile()
            .already_received_codes
            .iter()
            .any(|c| c == code)
    }
}

/// The ack recorded for a row whose delivery was proven by an
/// "already received" refusal: the center's own output is not known.
fn already_received_ack(code: &str, message: &str) -> Value {
    json!({"already_received": {"code": code, "message": message}})
}

impl Uploader for CenterUploader {
    async fn send(&self, req: &UploadRequest) -> SendOutcome {
        match self.send_once(req).await {
            Sent::Ok(ack) => SendOutcome::Accepted(ack),
            Sent::Err(CenterError::Rejected { code, message }) if self.already_received(&code) => {
                tracing::info!(target: "rxdesk::sync", msgid = %req.msgid, %code, "gateway says already received: delivered");
                SendOutcome::Accepted(already_received_ack(&code, &message))
            }
            Sent::Err(CenterError::Rejected { code, message }) => {
                SendOutcome::Rejected { code, message }
            }
            Sent::Err(CenterError::Transient(e)) => SendOutcome::Transient(e),
            Sent::Err(CenterError::Uncertain(e)) => SendOutcome::Uncertain(e),
            // Could not even be built: a person must look at the row.
            Sent::Err(CenterError::Invalid(e)) => SendOutcome::Rejected {
                code: "LOCAL".into(),
                message: e,
            },
        }
    }

    async fn resolve(&self, req: &UploadRequest) -> Resolution {
        match self.send_once(req).await {
            Sent::Ok(ack) => Resolution::Applied(ack),
            Sent::Err(CenterError::Rejected { code, message }) if self.already_received(&code) => {
                tracing::info!(target: "rxdesk::sync", msgid = %req.msgid, %code, "gateway says already received: delivered");
                Resolution::Applied(already_received_ack(&code, &message))
            }
            Sent::Err(CenterError::Rejected { code, message }) => {
                Resolution::Rejected { code, message }
            }
            Sent::Err(CenterError::Invalid(e)) => Resolution::Rejected {
                code: "LOCAL".into(),
                message: e,
            },
            Sent::Err(CenterError::Transient(e)) | Sent::Err(CenterError::Uncertain(e)) => {
                Resolution::Unknown(e)
            }
        }
    }

    async fn probe(&self) -> bool {
        let msgid = match self.client.next_msgid() {
            Ok(m) => m,
            Err(_) => return false,
        };
        let input = json!({"signIn": {"opter_no": self.operator.opter, "mac": self.operator.mac, "ip": self.operator.ip}});
        match self
            .client
            .send_a("9001", &msgid, &self.operator, "", "", input)
            .await
        {
            Ok(_) | Err(CenterError::Rejected { .. }) => true,
            Err(_) => false,
        }
    }
}
