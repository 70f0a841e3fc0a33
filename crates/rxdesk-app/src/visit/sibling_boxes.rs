//! Sibling boxes taken for a sale that did not happen. In a chain, a box
//! a sibling counter of this store received is sold here by taking it onto
//! this counter's books when it is scanned
//! (`Store::chain_adopt_sibling_box`); when that visit or OTC sale is then
//! cancelled or abandoned, the box must leave this counter's books again,
//! or the store counts it twice (the sibling still has it in stock).
//!
//! [`VisitService::release_unheld_sibling_boxes`] gives back every taken
//! box no open sale holds. It runs after a cancel and when a new visit or
//! OTC sale starts (which covers every way a sale is abandoned, sign-out
//! and crashes included), and never while money is unresolved (an
//! uncertain settlement at start-up or a parked one being proven), since
//! those sales' boxes may yet be sold.

use super::VisitService;
use rxdesk_core::visit::VisitState;
use std::collections::HashSet;

impl VisitService {
    /// Every trace code an open sale of this counter holds: the active
    /// visit, the visits restored at start-up, the parked ones and the OTC
    /// sale. `None` while a settlement is unresolved (its boxes count as
    /// held, but its lines are not in memory).
    async fn held_trace_codes(&self) -> Option<HashSet<String>> {
        if !self
            .orphans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
            || self.resolving_in_progress()
        {
            return None;
        }
        let mut held = HashSet::new();
        let mut take = |d: Option<&rxdesk_core::dispense::Dispensing>| {
            for i in d.map(|d| d.items()).unwrap_or_default() {
                if let Some(t) = &i.trace_code {
                    held.insert(t.as_str().to_string());
                }
            }
        };
        if let Some(a) = self.active.lock().await.as_ref() {
            // A cancelled visit holds nothing; a completed one's boxes are
            // sold (the ledger knows them).
            if !matches!(a.visit.state(), VisitState::Closed(_)) {
                take(a.dispensing.as_ref());
            }
        }
        for a in self
            .recovered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            take(a.dispensing.as_ref());
        }
        for p in self.parked_lock().iter() {
            take(p.active.dispensing.as_ref());
        }
        if let Some(s) = self.otc.lock().await.as_ref() {
            held.extend(s.held_trace_codes());
        }
        Some(held)
    }

    /// Gives back the sibling boxes taken onto this counter's books that no
    /// open sale holds. Never fails a step: a ledger error is logged and
    /// the boxes are given back on a later pass.
    pub(super) async fn release_unheld_sibling_boxes(&self) {
        let Some(held) = self.held_trace_codes().await else {
            return;
        };
        match self.store.chain_release_adopted_boxes(&held) {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                boxes = n,
                "sibling boxes of a sale that did not happen given back"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "could not give back sibling boxes; retried later")
            }
        }
    }
}
