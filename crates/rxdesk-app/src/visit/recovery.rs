//! The visit survives the process: the visit's state is
//! journalled after each step (`visit_journal`, sealed), and at start-up a
//! visit settled at the center but not completed is surfaced first, to be
//! finished from its *settled figures* (the 2102 answer and the sale lines
//! frozen when 2102 was sent — never live catalogue prices) or reversed
//! with 2103 by a manager. A visit left before settlement is closed with its
//! reason. Also here: the rules that keep an uncertain outcome uncertain
//! until proven — a 2601 answered "6001 original not found" is checked with
//! the 5203 settlement query and is final only after a safety window, and a
//! 2103 is journalled before it leaves and resolved by the query or a resend
//! (a second 2103 of one settlement is refused as "already reversed").

use super::settle::split_of;
use super::CenterAction;
use super::{Active, PatientInfo, PaymentState, StepError, VisitService};
use rust_decimal::Decimal;
use rxdesk_center::messages::{
    ReversalData, SettleInput, SettleOutput, SettleReverseData, SettlementQueryData,
};
use rxdesk_center::CenterError;
use rxdesk_core::visit::{Visit, VisitState};
use rxdesk_core::Price;
use rxdesk_store::ledger::NewSaleLine;
use rxdesk_store::{AttemptRow, AttemptState, Session, Store};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long after a 2102 was sent a "not found" (2601 → 6001, 5203 → 4001)
/// is believed: a request still in flight in the gateway may land later.
/// Twice a generous gateway timeout.
pub const DEFAULT_SAFETY_WINDOW: Duration = Duration::from_secs(120);

/// One sale line as frozen when 2102 left: the batch, the quantity in
/// packs, the price the settlement was computed with, the trace codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct JournalLine {
    pub batch_id: i64,
    pub quantity: Decimal,
    pub price: Price,
    pub split: bool,
    pub trace_codes: Vec<String>,
}

impl JournalLine {
    pub fn to_sale_line(&self) -> NewSaleLine {
        NewSaleLine {
            batch_id: self.batch_id,
            quantity: self.quantity,
            price: Some(self.price),
            split: self.split,
            trace_codes: self.trace_codes.clone(),
        }
    }
}

/// What is journalled after each step.
#[derive(Serialize, Deserialize)]
pub(super) struct Snapshot {
    pub visit: Visit,
    pub patient: Option<PatientInfo>,
    pub rx_id: Option<i64>,
    pub doctor_name: String,
    pub settle_input: Option<SettleInput>,
    pub settle_output: Option<SettleOutput>,
    pub attempt_id: Option<i64>,
    pub sale_lines: Vec<JournalLine>,
    pub payment: Option<PaymentState>,
}

/// The visit's state code for the journal.
pub(super) fn state_code(s: &VisitState) -> &'static str {
    super::state_name(s).0
}

/// Outcome of asking the center about an uncertain 2102.
#[derive(Debug)]
pub(super) enum Uncertain2102 {
    /// Reversed by 2601 (it had been applied, or was applied late).
    Reversed,
    /// Proven never applied: 6001, 5203 finds nothing, and the safety
    /// window since it was sent is over.
    NotSettled,
}

/// Outcome of a 2103.
#[derive(Debug)]
pub(super) enum Reversal2103 {
    /// The center reversed it (or it had been reversed already).
    Reversed,
    /// A definite refusal: nothing changed.
    Refused(String),
    /// No definite answer: may or may not be reversed.
    Uncertain(String),
}

impl VisitService {
    /// Sets how long a "not found" answer about a 2102 must wait before it
    /// is believed (tests, and a province whose gateway timeout differs).
    pub fn set_settlement_safety_window(&self, d: Duration) {
        *self.safety_window.lock().unwrap_or_else(|p| p.into_inner()) = d;
    }

    fn safety_window(&self) -> Duration {
        *self.safety_window.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Journals the visit after a step. Money steps call it before they
    /// leave (its error stops them); elsewhere a failure is logged.
    pub(super) fn persist(&self, a: &Active) -> Result<(), StepError> {
        let snap = Snapshot {
            visit: a.visit.clone(),
            patient: a.patient.clone(),
            rx_id: a.rx_id(),
            doctor_name: a.doctor_name(),
            settle_input: a.settle_input.clone(),
            settle_output: a.settle_output.clone(),
            attempt_id: a.attempt_id,
            sale_lines: a.sale_lines.clone(),
            payment: a.payment.clone(),
        };
        let json = serde_json::to_string(&snap).map_err(|e| StepError::Internal {
            detail: format!("visit journal: {e}"),
        })?;
        self.store
            .save_visit(&a.id(), state_code(a.visit.state()), &json)?;
        Ok(())
    }

    /// [`Self::persist`] where a failure must not stop the step.
    pub(super) fn persist_logged(&self, a: &Active) {
        if let Err(e) = self.persist(a) {
            tracing::error!(error = %e, "visit journal not written");
        }
    }

    /// Closes the visit's journal row (completed, cancelled, closed…).
    pub(super) fn close_journal(&self, visit_id: &str, outcome: &str) {
        if let Err(e) = self.store.close_visit(visit_id, outcome) {
            tracing::error!(error = %e, visit = visit_id, "visit journal not closed");
        }
    }
}

/// At start-up: the visits to surface (settled, not completed), oldest
/// first; visits left before settlement are closed with their reason.
/// Settled attempts without a journalled visit are returned apart (they can
/// only be reversed).
pub(super) fn recover_visits(
    store: &Store,
) -> Result<(Vec<Active>, Vec<AttemptRow>), rxdesk_store::StoreError> {
    let mut restored = Vec::new();
    let mut seen_attempts = Vec::new();
    for row in store.open_visits()? {
        let snap: Snapshot = match serde_json::from_str(&row.snapshot_json) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(visit = %row.visit_id, error = %e, "visit journal unreadable");
                store.close_visit(&row.visit_id, "journal unreadable")?;
                continue;
            }
        };
        let attempt = match snap.attempt_id {
            Some(id) => Some(store.settlement_attempt(id)?),
            None => None,
        };
        if let Some(at) = &attempt {
            seen_attempts.push(at.id);
        }
        let sold = attempt
            .as_ref()
            .and_then(|a| a.setl_id.as_deref())
            .map(|s| store.sale_of_setl_id(s))
            .transpose()?
            .flatten()
            .is_some();
        match (snap.visit.state(), attempt.as_ref().map(|a| a.state)) {
            (VisitState::Settled, _)
            | (
                VisitState::Settling | VisitState::SettlementUncertain,
                Some(AttemptState::Settled),
            ) if !sold => match restore_settled(snap, attempt.as_ref()) {
                Ok(a) => {
                    tracing::warn!(visit = %row.visit_id, "settled visit not completed: surfaced first");
                    restored.push(a);
                    rxdesk_store::crashpoint!("recovery_after_restore_settled");
                }
                Err(e) => {
                    // Charged but not sellable from the journal: surfaced
                    // for a manager's reversal (2601 of the 2102).
                    tracing::error!(visit = %row.visit_id, error = %e, "settled visit not restorable: reversal only");
                    if let Some(at) = attempt
                        .as_ref()
                        .filter(|a| a.state == AttemptState::Settled)
                    {
                        seen_attempts.retain(|id| *id != at.id);
                    }
                }
            },
            // The open attempt is surfaced as an uncertain settlement and
            // closes this row when resolved.
            (_, Some(AttemptState::Sending | AttemptState::Uncertain)) => {}
            (VisitState::Receipted | VisitState::Delivery(_), _) => {
                store.close_visit(&row.visit_id, "completed")?
            }
            (_, _) if sold => store.close_visit(&row.visit_id, "completed")?,
            (state, _) => {
                let reason = format!(
                    "程序中断时尚未完成结算（{}），本次服务已结束，未扣费 / interrupted before settlement",
                    super::state_name(state).1
                );
                tracing::info!(visit = %row.visit_id, "visit left before settlement closed");
                rxdesk_store::crashpoint!("recovery_before_close_unsettled");
                store.close_visit(&row.visit_id, &reason)?
            }
        }
    }
    let lost: Vec<AttemptRow> = store
        .settled_attempts_without_sale()?
        .into_iter()
        .filter(|a| !seen_attempts.contains(&a.id))
        .collect();
    Ok((restored, lost))
}

fn restore_settled(snap: Snapshot, attempt: Option<&AttemptRow>) -> Result<Active, StepError> {
    let mut a = Active::new(snap.visit.visit_id().to_string());
    a.visit = snap.visit;
    a.patient = snap.patient;
    a.settle_input = snap.settle_input;
    a.settle_output = snap.settle_output;
    a.attempt_id = snap.attempt_id;
    a.sale_lines = snap.sale_lines;
    a.payment = snap.payment;
    a.restored_rx = Some((snap.rx_id, snap.doctor_name));
    if let Some(at) = attempt {
        if let Some(out) = at
            .output_json
            .as_deref()
            .and_then(|j| serde_json::from_str::<SettleOutput>(j).ok())
        {
            if !matches!(a.visit.state(), VisitState::Settled) {
                let split = split_of(&out)?;
                if matches!(a.visit.state(), VisitState::SettlementUncertain) {
                    a.visit
                        .resolve_uncertain(rxdesk_core::visit::Resolution::Settled {
                            setl_id: out.setlinfo.setl_id.clone(),
                            split,
                        })?;
                } else {
                    a.visit.settled(out.setlinfo.setl_id.clone(), split)?;
                }
            }
            a.settle_output = Some(out);
        }
    }
    let settled_total = a.settle_output.as_ref().map(|o| o.setlinfo.medfee_sumamt);
    let sent_total = a.settle_input.as_ref().map(|i| i.data.medfee_sumamt);
    if settled_total.is_none() || a.sale_lines.is_empty() {
        return Err(StepError::RecoveryIncomplete);
    }
    if settled_total != sent_total {
        return Err(StepError::RecoveryTotalDiffers);
    }
    a.recovered = true;
    Ok(a)
}

impl VisitService {
    /// 2601 of an uncertain 2102, believed only when proven: an applied
    /// 2102 is reversed; "6001 not found" is checked with 5203 by the 2102
    /// msgid (a 2102 that landed after all is reversed by a second 2601) and
    /// is final only once the safety window since `sent_at_ms` is over.
    pub(super) async fn resolve_2102(
        &self,
        by: &Session,
        psn_no: &str,
        msgid: &str,
        sent_at_ms: i64,
    ) -> Result<Uncertain2102, StepError> {
        let ctx = self.desk.ctx(by);
        let r = ReversalData {
            psn_no: psn_no.to_string(),
            omsgid: msgid.to_string(),
            oinfno: "2102".into(),
        };
        match self.desk.center().reverse_uncertain(&ctx, &r).await {
            Ok(()) => return Ok(Uncertain2102::Reversed),
            // Already reversed before.
            Err(CenterError::Rejected { code, .. }) if code == "4002" => {
                return Ok(Uncertain2102::Reversed)
            }
            Err(CenterError::Rejected { code, .. }) if code == "6001" => {}
            Err(e) => return Err(StepError::center(CenterAction::ResolveUncertain, &e)),
        }
        // "Not found" — yet. Ask the settlement query by the 2102 msgid.
        let q = SettlementQueryData {
            psn_no: psn_no.to_string(),
            medins_setl_id: msgid.to_string(),
            ..Default::default()
        };
        match self.desk.center().query_settlement(&ctx, &q).await {
            Ok(found) if found.reversed() => return Ok(Uncertain2102::Reversed),
            Ok(found) => {
                // It landed after the 2601: reverse it now (never charge twice).
                tracing::warn!(msgid, setl_id = %found.setlinfo.setl_id, "2102 landed after 2601 answered not found: reversing");
                return match self.desk.center().reverse_uncertain(&ctx, &r).await {
                    Ok(()) => Ok(Uncertain2102::Reversed),
                    Err(CenterError::Rejected { code, .. }) if code == "4002" => {
                        Ok(Uncertain2102::Reversed)
                    }
                    Err(e) => Err(StepError::center(CenterAction::ReverseTakenEffect, &e)),
                };
            }
            Err(CenterError::Rejected { code, .. }) if code == "4001" => {}
            Err(e) => return Err(StepError::center(CenterAction::QuerySettlement, &e)),
        }
        let age_ms = (self.store.now_ms() - sent_at_ms).max(0);
        let window = self.safety_window();
        if (age_ms as u128) < window.as_millis() {
            let wait = (window.as_millis() - age_ms as u128).div_ceil(1000);
            return Err(StepError::SettlementNotFoundYet { wait_secs: wait });
        }
        Ok(Uncertain2102::NotSettled)
    }

    /// 2103 of a settlement, journalled by the caller before; HTTP 4xx and
    /// lost answers are uncertain; "already reversed" (4002) is reversed.
    pub(super) async fn send_2103(
        &self,
        by: &Session,
        msgid: &str,
        data: &SettleReverseData,
        insuplc_admdvs: &str,
    ) -> Reversal2103 {
        let mut ctx = self.desk.ctx(by).with_msgid(msgid);
        if !insuplc_admdvs.is_empty() {
            ctx.insuplc_admdvs = insuplc_admdvs.to_string();
        }
        match self.desk.center().reverse_settlement(&ctx, data).await {
            Ok(_) => Reversal2103::Reversed,
            Err(CenterError::Rejected { code, .. }) if code == "4002" => Reversal2103::Reversed,
            Err(CenterError::Rejected { code, message }) => {
                Reversal2103::Refused(format!("（{code}）{message}"))
            }
            // Never left: nothing reversed.
            Err(CenterError::Transient(m)) | Err(CenterError::Invalid(m)) => {
                Reversal2103::Refused(format!("请求未送达：{m}"))
            }
            Err(CenterError::Uncertain(m)) => Reversal2103::Uncertain(m),
        }
    }

    /// Whether a settlement stands, by 5203 (`Some(true)` reversed,
    /// `Some(false)` standing, `None` unknown).
    pub(super) async fn settlement_reversed(
        &self,
        by: &Session,
        psn_no: &str,
        setl_id: &str,
    ) -> Option<bool> {
        let q = SettlementQueryData {
            psn_no: psn_no.to_string(),
            setl_id: setl_id.to_string(),
            ..Default::default()
        };
        match self
            .desk
            .center()
            .query_settlement(&self.desk.ctx(by), &q)
            .await
        {
            Ok(o) => Some(o.reversed()),
            Err(e) => {
                tracing::warn!(error = %e, "5203 settlement query failed");
                None
            }
        }
    }
}
