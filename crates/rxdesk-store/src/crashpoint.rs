//! Named crash points for the chaos harness (scripts/chaos).
//!
//! `crashpoint!("visit_after_2102_before_sale")` marks a place in the code where a
//! power cut or a `kill -9` is interesting. It does nothing unless the
//! process was started with `RXDESK_CRASH_AT=<name>:<n>`: then the `n`-th
//! time (1-based, default 1) that point is reached, the process aborts on the
//! spot (`std::process::abort()`: no destructors, no flush, open SQLite
//! transactions rolled back by the next open — as close to SIGKILL as a
//! process can do to itself). Production never sets the variable; the
//! cost when unset is one load of a `OnceLock` per point reached.
//!
//! The harness (`crates/rxdesk-app/tests/chaos.rs`, `scripts/chaos`) arms one
//! point per counter process, restarts the counter after each abort, and
//! checks the invariants against the center emulator's books at the end.
//! Every name in use is listed in [`ALL`] (the harness cycles through it).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// Environment variable that arms one crash point: `name` or `name:n`.
pub const ENV: &str = "RXDESK_CRASH_AT";

/// Every crash point in the code, in visit order.
pub const ALL: &[&str] = &[
    // the visit (rxdesk-app visit service)
    "visit_after_identify",
    "visit_after_open",
    // start-up recovery closes a visit left before settlement
    "recovery_before_close_unsettled",
    "visit_after_shift_start",
    "visit_after_audit",
    "visit_after_scan",
    "visit_after_finish_dispensing",
    "visit_after_2101",
    "visit_before_2102_journal",
    "visit_after_2102_journal_before_send",
    "visit_after_2102_before_journal_outcome",
    "visit_after_2102_before_sale",
    // start-up recovery of a visit settled but not completed, and its completion
    "recovery_after_restore_settled",
    "recovered_visit_before_complete",
    "visit_after_payment",
    "visit_before_record_sale",
    "sale_tx_before_commit",
    "visit_after_sale_before_receipt",
    "visit_after_receipt",
    "visit_before_2601",
    "visit_after_2601_before_journal",
    "visit_after_2601_journal",
    // refund
    "refund_after_identity",
    "refund_before_2103",
    "refund_after_2103_before_journal",
    "refund_after_2103_before_money",
    "refund_after_money_before_journal",
    "refund_before_record",
    "refund_tx_before_commit",
    "refund_after_record_before_receipt",
    "refund_after_receipt",
    // the outbox and the sync worker (mid-upload)
    "outbox_after_claim",
    "upload_before_send",
    "upload_after_send_before_record",
    "outbox_after_recover_interrupted",
    "upload_before_resolve",
    "upload_after_resolve_before_record",
    "outbox_after_outcome",
    "uploader_after_sign_in",
    "journal_after_begin",
    "journal_after_finish",
    // chain sync: head office integrated a pushed batch, the push cursor has
    // not advanced (the batch is pushed again on restart)
    "chain_push_after_hq_before_cursor",
];

struct Armed {
    name: String,
    at: u32,
    seen: AtomicU32,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let v = std::env::var(ENV).ok()?;
            let (name, at) = match v.rsplit_once(':') {
                Some((n, k)) => (n.to_string(), k.parse().unwrap_or(1)),
                None => (v.clone(), 1),
            };
            Some(Armed {
                name,
                at: at.max(1),
                seen: AtomicU32::new(0),
            })
        })
        .as_ref()
}

/// Reached crash point `name`: aborts the process if it is the armed one and
/// this is its `n`-th time. Use [`crate::crashpoint!`].
pub fn hit(name: &'static str) {
    let Some(a) = armed() else { return };
    if a.name != name {
        return;
    }
    let n = a.seen.fetch_add(1, Ordering::SeqCst) + 1;
    if n == a.at {
        eprintln!("crashpoint: {name} #{n}: aborting");
        std::process::abort();
    }
}

/// Marks a named crash point (see the module doc). Names must be in
/// [`crashpoint::ALL`](crate::crashpoint::ALL).
#[macro_export]
macro_rules! crashpoint {
    ($name:literal) => {
        $crate::crashpoint::hit($name)
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique_and_unarmed_points_do_nothing() {
        let mut names: Vec<&str> = super::ALL.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), super::ALL.len());
        assert!(super::ALL.len() >= 30);
        // The test process has no RXDESK_CRASH_AT: nothing happens.
        crate::crashpoint!("visit_after_identify");
    }
}
