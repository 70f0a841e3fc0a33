//! 挂单 / 取单: the pharmacist parks the visit in progress (a patient steps
//! away, or a settlement's outcome is unknown while the center is down) and
//! serves the next patient, then resumes the parked visit. A parked visit
//! keeps everything it learnt and its journal row (it is still open). A
//! parked uncertain settlement stays uncertain until a 2601 (处理未知结算)
//! proves its outcome: on its row, on the resumed visit, or in the
//! background ([`super::VisitService::resolve_parked_in_background`], retried
//! by the app while the center is down). While it is parked or being
//! resolved its patient cannot be served in another visit (identification is
//! refused), so nothing can be charged twice. Resolution never holds the
//! counter: the next patient is served while a 2601 waits on a slow center.
//! Every view lists the parked visits.

use super::view::{state_name, ParkedView, VisitView};
use super::{no_visit, Active, StepError};
use chrono::Utc;
use rxdesk_core::time::cst;
use rxdesk_core::visit::VisitState;
use rxdesk_store::Session;

/// At most this many visits parked at one counter.
pub const MAX_PARKED: usize = 5;

/// A visit set aside.
pub(super) struct Parked {
    pub(super) active: Active,
    /// When (CST, `HH:MM`).
    pub(super) at: String,
    /// Who parked it: a background 2601 is made in their name.
    pub(super) by: Session,
}

/// A parked visit taken out of the list while its settlement is resolved:
/// its patient stays locked ([`super::VisitService::refuse_if_parked_uncertain`]).
pub(super) struct Resolving {
    visit_id: String,
    psn_no: String,
}

/// A visit that may be parked: a patient is identified, and it is neither
/// being settled (2102 in flight), settled awaiting payment (finish it) nor
/// over.
fn parkable(s: &VisitState) -> bool {
    matches!(
        s,
        VisitState::EVoucherGuidance(_)
            | VisitState::Identified
            | VisitState::PrescriptionsListed
            | VisitState::Downloaded
            | VisitState::Verified
            | VisitState::RulesChecked
            | VisitState::Audited
            | VisitState::Dispensing
            | VisitState::Dispensed
            | VisitState::PreSettled
            | VisitState::SettlementUncertain
    )
}

/// The counter is free for another visit: none, or one with no patient
/// yet, or one that is over.
fn free(a: Option<&Active>) -> bool {
    a.is_none_or(|a| {
        matches!(
            a.visit.state(),
            VisitState::Started | VisitState::Receipted | VisitState::Closed(_)
        )
    })
}

impl super::VisitService {
    /// 挂单: sets the visit in progress aside and starts the next one.
    pub async fn park(&self, by: &Session) -> Result<VisitView, StepError> {
        if let Some(o) = self.orphan() {
            return Err(Self::orphan_error(&o));
        }
        let mut guard = self.active.lock().await;
        let a = guard.as_ref().ok_or_else(no_visit)?;
        if a.patient.is_none() || !parkable(a.visit.state()) {
            return Err(StepError::ParkNotAllowed);
        }
        if self.parked_lock().len() >= MAX_PARKED {
            return Err(StepError::ParkFull { max: MAX_PARKED });
        }
        let next = Active::new(self.fresh_visit_id()?);
        let Some(a) = guard.replace(next) else {
            return Err(no_visit());
        };
        tracing::info!(
            visit = %a.id(),
            state = state_name(a.visit.state()).0,
            operator = %by.login(),
            "visit parked"
        );
        // Still open in the journal: a restart closes a parked visit left
        // before settlement and surfaces an uncertain one, as for any visit.
        self.persist_logged(&a);
        self.parked_lock().push(Parked {
            active: a,
            at: Utc::now().with_timezone(&cst()).format("%H:%M").to_string(),
            by: by.clone(),
        });
        let n = guard.as_ref().ok_or_else(no_visit)?;
        self.persist_logged(n);
        Ok(self.view(n))
    }

    /// 取单: brings a parked visit back to the counter (which must be free:
    /// park or finish the visit in progress first).
    pub async fn resume(&self, by: &Session, visit_id: &str) -> Result<VisitView, StepError> {
        if let Some(o) = self.orphan() {
            return Err(Self::orphan_error(&o));
        }
        let mut guard = self.active.lock().await;
        if !free(guard.as_ref()) {
            return Err(StepError::ResumeBusy);
        }
        let parked = {
            let mut p = self.parked_lock();
            let Some(i) = p.iter().position(|x| x.active.id() == visit_id.trim()) else {
                return Err(self.not_parked(visit_id));
            };
            p.remove(i)
        };
        if let Some(prev) = guard.take() {
            if matches!(prev.visit.state(), VisitState::Started) {
                self.close_journal(&prev.id(), "unused: a parked visit was resumed");
            }
        }
        tracing::info!(visit = %parked.active.id(), operator = %by.login(), "parked visit resumed");
        let a = guard.insert(parked.active);
        Ok(self.view(a))
    }

    /// 处理未知结算 of a parked visit, while the counter serves another
    /// patient: the same query / 2601 as on the resumed visit. It stays
    /// parked (settled again once its patient is back: resume, then settle);
    /// reversed, its patient is no longer locked. The counter's visit is
    /// untouched and not held while the center answers; its view comes back
    /// with the parked list updated.
    pub async fn resolve_parked(
        &self,
        by: &Session,
        visit_id: &str,
    ) -> Result<VisitView, StepError> {
        self.resolve_one(visit_id, Some(by)).await?;
        let guard = self.active.lock().await;
        let a = guard.as_ref().ok_or_else(no_visit)?;
        Ok(self.view(a))
    }

    /// Retries 处理未知结算 (2601) of every parked uncertain settlement, in
    /// the name of whoever parked it; the app calls this every few seconds
    /// while one is parked, so an outage's uncertain settlements are proven
    /// as soon as the center answers, without the pharmacist. A failed try
    /// (the center still down) leaves it parked, uncertain and its patient
    /// locked. Returns the visits resolved by this call.
    pub async fn resolve_parked_in_background(&self) -> Vec<String> {
        let due: Vec<String> = self
            .parked_lock()
            .iter()
            .filter(|p| matches!(p.active.visit.state(), VisitState::SettlementUncertain))
            .map(|p| p.active.id())
            .collect();
        let mut resolved = Vec::new();
        for id in due {
            match self.resolve_one(&id, None).await {
                Ok(()) => resolved.push(id),
                Err(e) => tracing::info!(
                    visit = %id,
                    code = e.code(),
                    "parked uncertain settlement not resolved yet; retried later"
                ),
            }
        }
        resolved
    }

    /// Parked visits whose settlement is uncertain (the app's background
    /// retry runs only while there is one).
    pub fn parked_uncertain(&self) -> usize {
        self.parked_lock()
            .iter()
            .filter(|p| matches!(p.active.visit.state(), VisitState::SettlementUncertain))
            .count()
    }

    /// Takes the parked visit out of the list (its patient stays locked in
    /// `resolving`), resolves it without holding the counter, and puts it
    /// back where it was.
    async fn resolve_one(&self, visit_id: &str, by: Option<&Session>) -> Result<(), StepError> {
        let (i, mut p) = {
            let mut list = self.parked_lock();
            let Some(i) = list.iter().position(|x| x.active.id() == visit_id.trim()) else {
                return Err(self.not_parked(visit_id));
            };
            let p = list.remove(i);
            // Registered before the parked lock is released: a concurrent
            // identification sees the patient locked in one list or the other.
            self.resolving_lock().push(Resolving {
                visit_id: p.active.id(),
                psn_no: p
                    .active
                    .patient
                    .as_ref()
                    .map(|x| x.psn_no.clone())
                    .unwrap_or_default(),
            });
            (i, p)
        };
        let operator = by.cloned().unwrap_or_else(|| p.by.clone());
        let outcome = self.resolve_in(&mut p.active, &operator).await;
        {
            let mut list = self.parked_lock();
            let id = p.active.id();
            let at = i.min(list.len());
            list.insert(at, p);
            self.resolving_lock().retain(|r| r.visit_id != id);
        }
        outcome
    }

    /// Why a visit id is not in the parked list: being resolved, or gone.
    fn not_parked(&self, visit_id: &str) -> StepError {
        if self
            .resolving_lock()
            .iter()
            .any(|r| r.visit_id == visit_id.trim())
        {
            StepError::ParkedResolving
        } else {
            StepError::ParkedNotFound
        }
    }

    /// A parked settlement is being proven right now.
    pub(super) fn resolving_in_progress(&self) -> bool {
        !self.resolving_lock().is_empty()
    }

    fn resolving_lock(&self) -> std::sync::MutexGuard<'_, Vec<Resolving>> {
        self.resolving.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn parked_lock(&self) -> std::sync::MutexGuard<'_, Vec<Parked>> {
        self.parked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The parked visits, as every view lists them.
    pub(super) fn parked_views(&self) -> Vec<ParkedView> {
        self.parked_lock()
            .iter()
            .map(|p| {
                let a = &p.active;
                let (state, state_zh) = state_name(a.visit.state());
                ParkedView {
                    visit_id: a.id(),
                    patient_name: a
                        .patient
                        .as_ref()
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                    state: state.into(),
                    state_zh: state_zh.into(),
                    uncertain: matches!(a.visit.state(), VisitState::SettlementUncertain),
                    parked_at: p.at.clone(),
                    drugs: a
                        .opened
                        .as_ref()
                        .map(|o| {
                            o.prescription
                                .rx_drug_detail
                                .iter()
                                .map(|l| l.drug_genname.clone())
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Refuses to serve a person whose parked settlement is uncertain (the
    /// person and their prescription stay locked until it is resolved).
    pub(super) fn refuse_if_parked_uncertain(&self, psn_no: &str) -> Result<(), StepError> {
        let locked = !psn_no.is_empty()
            && (self.parked_lock().iter().any(|p| {
                matches!(p.active.visit.state(), VisitState::SettlementUncertain)
                    && p.active
                        .patient
                        .as_ref()
                        .is_some_and(|x| x.psn_no == psn_no)
            }) || self.resolving_lock().iter().any(|r| r.psn_no == psn_no));
        if locked {
            return Err(StepError::PatientParkedUncertain);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_visit_with_work_and_no_money_in_flight_parks() {
        assert!(parkable(&VisitState::RulesChecked));
        assert!(parkable(&VisitState::SettlementUncertain));
        assert!(!parkable(&VisitState::Started));
        assert!(!parkable(&VisitState::Settling));
        assert!(!parkable(&VisitState::Settled));
        assert!(!parkable(&VisitState::Receipted));
    }
}
