//! Audit step (审方): the on-duty pharmacist re-confirms her identity with
//! her own e-voucher and records her decision (with an optional reviewer)
//! and its 7204 outbox row; an approval opens dispensing. Kept apart so the
//! rule "only the pharmacist on duty, re-confirmed, may audit" is in one file.

use super::view::{AuditView, VisitView};
use super::OutOfStep;
use super::{no_visit, StepError};
use chrono::Utc;
use rxdesk_core::codes::AuditResult;
use rxdesk_core::dispense::Dispensing;
use rxdesk_core::identity::PersonIdentity;
use rxdesk_core::time::format_wire;
use rxdesk_core::visit::{AuditInput, EVoucherCheck, Pharmacist, VisitState};
use rxdesk_store::Role;
use rxdesk_store::Session;
use tracing::Instrument;

impl super::VisitService {
    /// The pharmacist's audit: re-confirmed with their own e-voucher, then
    /// recorded with its 7204 outbox row.
    pub async fn audit(
        &self,
        by: &Session,
        result: AuditResult,
        opinion: &str,
        reconfirm_evoucher: &str,
        reviewer_login: Option<&str>,
    ) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "audit");
        async {
            if !matches!(a.visit.state(), VisitState::RulesChecked) {
                return Err(StepError::OutOfStep {
                    step: OutOfStep::NotChecked,
                });
            }
            // The on-duty pharmacist audits: at her own session, or at a
            // cashier's or manager's (her own e-voucher, re-confirmed below,
            // proves she is at the counter). A signed-in pharmacist who is not
            // the one on duty goes on duty first.
            let duty = self
                .on_duty()
                .filter(|d| d.operator_id == by.operator_id() || by.role() != Role::Pharmacist)
                .ok_or(StepError::AuditNotOnDuty)?;
            let person = self.evoucher_person(by, reconfirm_evoucher).await?;
            let mut reviewer_id = None;
            let reviewer = match reviewer_login.map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(login) => {
                    let r = self
                        .store
                        .operator_identity_by(None, Some(login))?
                        .filter(|r| r.role == Role::Pharmacist && r.active)
                        .ok_or_else(|| StepError::ReviewerUnknown {
                            login: login.to_string(),
                        })?;
                    if r.operator_id == duty.operator_id {
                        return Err(StepError::Till {
                            code: "AUDIT_REVIEWER_IS_AUDITOR",
                            detail: "复核药师须为另一位药师：审方药师不能复核自己的审方".into(),
                        });
                    }
                    reviewer_id = Some(r.operator_id);
                    Some(Pharmacist {
                        code: String::new(),
                        person: PersonIdentity {
                            name: r.display_name,
                            cert_type: "01".into(),
                            cert_no: r.certno,
                        },
                        prac_cert_no: r.prac_cert_no,
                    })
                }
            };
            let now = Utc::now();
            let input = AuditInput {
                shift: duty.shift.clone(),
                reconfirmed: EVoucherCheck {
                    person: PersonIdentity {
                        name: duty.shift.pharmacist.person.name.clone(),
                        ..person
                    },
                    at: now,
                },
                result: result.clone(),
                opinion: opinion.to_string(),
                reviewer: reviewer.clone(),
                at: now,
            };
            a.visit.audited(input)?;
            let rx_id = a
                .opened
                .as_ref()
                .map(|o| o.rx_id)
                .ok_or(StepError::NoPrescription)?;
            let audit_id = self.store.record_audit_as(
                by,
                duty.operator_id,
                &rxdesk_store::ledger::AuditDecision {
                    prescription_id: rx_id,
                    status_code: result.code().to_string(),
                    opinion: opinion.trim().to_string(),
                    reviewer_id,
                },
            )?;
            let upload_id = self
                .store
                .upload_of("7204", "rx_audit", audit_id)?
                .map(|u| u.id);
            tracing::info!(
                result = result.code(),
                ?upload_id,
                "audit recorded (7204 queued)"
            );
            a.audit = Some(AuditView {
                pharmacist_name: duty.shift.pharmacist.person.name.clone(),
                result: result.code().to_string(),
                result_zh: result.label_zh().to_string(),
                opinion: opinion.trim().to_string(),
                reviewer_name: reviewer.map(|r| r.person.name),
                at: format_wire(now),
                upload_id,
            });
            if result == AuditResult::Approved {
                a.visit.start_dispensing()?;
                let lines = a
                    .visit
                    .prescription()
                    .map(|p| p.lines.clone())
                    .unwrap_or_default();
                a.dispensing = Some(Dispensing::new(lines));
            }
            Ok(())
        }
        .instrument(span)
        .await?;
        self.persist_logged(a);
        rxdesk_store::crashpoint!("visit_after_audit");
        Ok(self.view(a))
    }
}

/// An audit result from the wire (`1` approved, `2` rejected, `3` needs the
/// doctor's confirmation), parsed at the edge.
pub fn parse_audit_result(code: &str) -> Result<AuditResult, StepError> {
    match AuditResult::from_code(code.trim()) {
        AuditResult::Other(_) => Err(StepError::AuditResult {
            given: code.trim().to_string(),
        }),
        r => Ok(r),
    }
}
