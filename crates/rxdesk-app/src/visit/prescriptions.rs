//! Prescriptions step: a new visit is started, then one of the patient's
//! authorised prescriptions is downloaded (7203), its hospital signature is
//! verified locally and the prescription rules run (with the catalogue facts
//! and the earlier dispensings of the same prescription). It exists so that
//! everything deciding whether a prescription may be dispensed at all lives
//! in one place, before the pharmacist sees it.

use super::layout;
use super::view::VisitView;
use super::{no_visit, Active, StepError};
use super::{CenterAction, OutOfStep};
use chrono::{DateTime, Utc};
use rxdesk_center::DownloadKey;
use rxdesk_core::prescription::Prescription;
use rxdesk_core::rules::{check_prescription, RuleContext, RuleReport};
use rxdesk_core::time::cst;
use rxdesk_core::visit::{DownloadRef, VisitError, VisitState};
use rxdesk_gm::DownloadedPrescription;
use rxdesk_store::Session;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tracing::Instrument;

impl super::VisitService {
    /// Starts a new visit (the previous one is dropped unless its
    /// settlement is uncertain).
    pub async fn start(&self, by: &Session) -> Result<VisitView, StepError> {
        if let Some(a) = self.orphan() {
            return Err(Self::orphan_error(&a));
        }
        let mut guard = self.active.lock().await;
        let done_or_none = guard.as_ref().is_none_or(|a| {
            !matches!(
                a.visit.state(),
                VisitState::SettlementUncertain | VisitState::Settling | VisitState::Settled
            )
        });
        if done_or_none {
            let next = {
                let mut r = self.recovered.lock().unwrap_or_else(|p| p.into_inner());
                (!r.is_empty()).then(|| r.remove(0))
            };
            if let Some(next) = next {
                *guard = Some(next);
            }
        }
        if let Some(a) = guard.as_ref() {
            if matches!(
                a.visit.state(),
                VisitState::SettlementUncertain | VisitState::Settling
            ) {
                return Err(StepError::SettlementUncertain {
                    interrupted: false,
                    charged: false,
                    reference: String::new(),
                });
            }
            if matches!(a.visit.state(), VisitState::Settled) {
                return Err(StepError::SettledNotCompleted {
                    recovered: a.recovered,
                });
            }
        }
        // A sale needs an open till shift: say so before anything is done.
        if self.store.current_till()?.is_none() {
            let e = crate::till::TillError::NotOpen;
            return Err(StepError::Till {
                code: e.code(),
                detail: e.to_string(),
            });
        }
        let id = self.fresh_visit_id()?;
        tracing::info!(visit = %id, operator = %by.login(), "visit started");
        if let Some(prev) = guard.as_ref() {
            if !matches!(
                prev.visit.state(),
                VisitState::Receipted | VisitState::Closed(_)
            ) {
                self.close_journal(&prev.id(), "left for the next patient before settlement");
            }
        }
        let a = Active::new(id);
        let v = self.view(&a);
        self.persist_logged(&a);
        *guard = Some(a);
        drop(guard);
        // A previous sale left without settling may have taken a sibling's box.
        self.release_unheld_sibling_boxes().await;
        Ok(v)
    }

    /// A visit ID no journalled visit has: the second it starts plus a
    /// number. The in-process counter starts again at every launch, so a
    /// visit started in the same second as one before a restart would
    /// otherwise get that visit's ID and its journal rows (the journal keeps
    /// a closed visit closed, so the new one would not be journalled).
    pub(super) fn fresh_visit_id(&self) -> Result<String, StepError> {
        let second = Utc::now().with_timezone(&cst()).format("%Y%m%d%H%M%S");
        for _ in 0..10_000 {
            let n = self.seq.fetch_add(1, Ordering::Relaxed) % 10_000;
            let id = format!("V{second}{n:04}");
            if self.store.visit_row(&id)?.is_none() {
                return Ok(id);
            }
        }
        Err(StepError::Internal {
            detail: format!("no free visit number in second {second}"),
        })
    }

    /// The opened prescription's layout file drawn `width_px` device pixels
    /// wide, for the window to show beside the structured fields. Drawing
    /// takes tens of milliseconds, so it runs off the async workers.
    pub async fn layout_pages(&self, width_px: u32) -> Result<layout::LayoutPages, StepError> {
        let rx_file = {
            let guard = self.active.lock().await;
            let a = guard.as_ref().ok_or_else(no_visit)?;
            let opened = a.opened.as_ref().ok_or(StepError::NoPrescription)?;
            opened.prescription.rx_file.clone()
        };
        tokio::task::spawn_blocking(move || layout::draw_pages_b64(&rx_file, width_px))
            .await
            .map_err(|e| StepError::Internal {
                detail: format!("layout drawing task: {e}"),
            })?
            .map_err(|e| {
                tracing::warn!(code = e.code(), error = %e, "layout file not drawn");
                StepError::LayoutNotDrawn {
                    reason: e.to_string(),
                }
            })
    }

    /// Downloads one listed prescription, verifies its signature locally and
    /// runs the rules.
    pub async fn open(&self, by: &Session, auth_rxno: &str) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "open");
        self.open_in(a, by, DownloadKey::AuthRxno(auth_rxno.trim().to_string()))
            .instrument(span)
            .await?;
        self.persist_logged(a);
        rxdesk_store::crashpoint!("visit_after_open");
        Ok(self.view(a))
    }

    pub(super) async fn open_in(
        &self,
        a: &mut Active,
        by: &Session,
        key: DownloadKey,
    ) -> Result<(), StepError> {
        if let DownloadKey::AuthRxno(k) = &key {
            if !a.listed.iter().any(|r| &r.auth_rxno == k) {
                return Err(VisitError::UnknownAuthorisation(k.clone()).into());
            }
        }
        if !matches!(
            a.visit.state(),
            VisitState::Identified | VisitState::PrescriptionsListed
        ) {
            return Err(StepError::OutOfStep {
                step: OutOfStep::CannotDownload,
            });
        }
        let now = Utc::now();
        // The download made for the list, if any (its auth_rxno is spent):
        // a refusal then is the answer; a center out of reach is tried again.
        let preview = match &key {
            DownloadKey::AuthRxno(k) => a.previews.remove(k),
            DownloadKey::EpcToken(_) => None,
        };
        let opened = match preview {
            Some(Ok(rx)) => {
                self.desk
                    .open_downloaded(&self.store, by, &key, rx, now)
                    .await
            }
            Some(Err(e)) if !e.is_transient() && !e.is_uncertain() => {
                Err(crate::desk::DeskError::Center(e))
            }
            _ => self.desk.open_with_key(&self.store, by, &key, now).await,
        }
        .map_err(|e| match e {
            crate::desk::DeskError::Center(c) => StepError::center(CenterAction::Download, &c),
            other => StepError::DownloadFailed {
                detail: other.to_string(),
            },
        })?;
        let via = match &key {
            DownloadKey::AuthRxno(k) => DownloadRef::AuthRxno(k.clone()),
            DownloadKey::EpcToken(t) => DownloadRef::EpcToken(t.clone()),
        };
        let dl = opened.view.prescription.clone();
        tracing::info!(hi_rxno = %dl.hi_rxno, "prescription downloaded (7203) and recorded");
        let model = match &opened.verified {
            Some(v) => v.value().clone(),
            None => match rxdesk_gm::verify::domain_prescription(&dl) {
                Ok(p) => p,
                Err(reason) => {
                    // Not even readable (the verdict is recorded): blocked.
                    a.opened = Some(opened.view);
                    return Err(StepError::RxUnreadable {
                        reason: reason.message_zh(),
                    });
                }
            },
        };
        a.visit.downloaded(model, via)?;
        match &opened.verified {
            Some(v) => a.visit.signature_verified(v)?,
            None => {
                a.visit.signature_failed(opened.view.reason_zh.clone())?;
                tracing::warn!(reason = %opened.view.reason_zh, "signature invalid: visit closed");
                a.opened = Some(opened.view);
                return Ok(());
            }
        }
        a.opened = Some(opened.view);
        // The rules' clock is the ledger's (the one its sales are dated by),
        // so the reuse interval counts between the same clock's readings.
        let rules_now = DateTime::from_timestamp_millis(self.store.now_ms()).unwrap_or(now);
        let report = self.rules_for(a, &dl, rules_now).await?;
        tracing::info!(codes = ?report.codes(), blocks = report.blocks(), "rules checked");
        a.visit.rules_checked(report)?;
        Ok(())
    }

    fn catalogue_names(&self) -> Result<Arc<Vec<String>>, StepError> {
        let mut g = self
            .catalogue_names
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = g.as_ref() {
            return Ok(Arc::clone(n));
        }
        let mut names: Vec<String> = Vec::new();
        for r in self.store.catalogue()? {
            // Short names ("片", "胶囊") would match any text.
            for n in [r.genname, r.name] {
                if n.chars().count() >= 4 {
                    names.push(n);
                }
            }
        }
        names.sort();
        names.dedup();
        let n = Arc::new(names);
        *g = Some(Arc::clone(&n));
        Ok(n)
    }

    async fn rules_for(
        &self,
        a: &Active,
        dl: &DownloadedPrescription,
        now: DateTime<Utc>,
    ) -> Result<RuleReport, StepError> {
        let rx: Prescription = a
            .visit
            .prescription()
            .cloned()
            .ok_or(StepError::NoPrescription)?;
        let b64 = dl.rx_file.clone();
        let text = tokio::task::spawn_blocking(move || layout::layout_text_b64(&b64))
            .await
            .unwrap_or_default();
        let previous: Vec<DateTime<Utc>> = self
            .store
            .dispensings_of(&dl.hi_rxno)?
            .into_iter()
            .filter_map(DateTime::from_timestamp_millis)
            .collect();
        let mut facts = HashMap::new();
        for l in &rx.lines {
            if let Some((_, row)) = self
                .store
                .products_by_med_list_codg(&l.med_list_codg)?
                .first()
            {
                facts.insert(l.med_list_codg.clone(), row.to_product().facts);
            }
        }
        let names = self.catalogue_names()?;
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let patient = a.visit.patient().cloned().ok_or(StepError::NoPatient)?;
        let lookup = |c: &str| facts.get(c).cloned();
        let ctx = RuleContext {
            now,
            previous_dispensings: &previous,
            patient: &patient,
            catalogue: &lookup,
            layout_text: &text,
            catalogue_names: &name_refs,
        };
        Ok(check_prescription(&rx, &ctx))
    }
}
