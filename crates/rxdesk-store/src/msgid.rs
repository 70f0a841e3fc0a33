//! Message ids: `fixmedins_code(12) + yyyyMMddHHmmss (CST) + serial(4)`,
//! 30 characters (docs/reference/wire-protocol.md §2.2). Each outbox row gets its id when it is
//! created, in the same transaction, so a resend after a crash carries the
//! same id and the center can recognise it. The sale's 零售单据号 (docno) is
//! issued from the same sequence.
//!
//! The last (stamp, serial) issued is persisted in `msgid_seq`, so ids stay
//! unique across restarts and even when the clock steps backwards: the stamp
//! never decreases, and when the serial range of one stamp is used up the
//! next id borrows the following second.
//!
//! **One id space per pharmacy** (docs/protocol.md, "msgid layout"): the
//! serial's first digit is the counter's terminal number (`meta.terminal_no`,
//! 0–9, unique within the pharmacy) and the outbox owns `T600`–`T999` of its
//! terminal's block; the center client's generators (`rxdesk-center::msgid`)
//! own `T000`–`T599`. Two counters, or two generators of one counter, never
//! share a serial — a collision would make the center answer one
//! transaction with another's recorded answer.

use chrono::{Duration, NaiveDateTime};

/// Length of a msgid.
pub const MSGID_LEN: usize = 30;
/// First serial of the outbox's range inside a terminal's block of 1000.
pub const SEQ_FIRST: u32 = 600;
/// Last serial of the outbox's range inside a terminal's block of 1000.
pub const SEQ_LAST: u32 = 999;
/// Highest terminal number (the serial's first digit).
pub const MAX_TERMINAL_NO: u32 = 9;

/// The outbox's serial range (`first..=last`) on terminal `terminal_no`.
pub fn outbox_range(terminal_no: u32) -> (u32, u32) {
    let base = terminal_no.min(MAX_TERMINAL_NO) * 1000;
    (base + SEQ_FIRST, base + SEQ_LAST)
}

/// Checks a `fixmedins_code`: exactly 12 ASCII letters or digits.
pub fn valid_institution_code(code: &str) -> bool {
    code.len() == 12 && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The next (stamp, serial) after `(last_stamp, last_seq)` at wall-clock
/// stamp `now_stamp` (all `yyyyMMddHHmmss`) in terminal 0's outbox range.
/// Pure; strictly increasing in `stamp ‖ seq` whatever `now_stamp` does.
pub fn next_stamp_seq(last_stamp: &str, last_seq: u32, now_stamp: &str) -> (String, u32) {
    next_stamp_seq_in(last_stamp, last_seq, now_stamp, outbox_range(0))
}

/// [`next_stamp_seq`] in the serial range `(first, last)`.
pub fn next_stamp_seq_in(
    last_stamp: &str,
    last_seq: u32,
    now_stamp: &str,
    (first, last): (u32, u32),
) -> (String, u32) {
    if now_stamp > last_stamp {
        return (now_stamp.to_string(), first);
    }
    if (first..last).contains(&last_seq) {
        return (last_stamp.to_string(), last_seq + 1);
    }
    if last_seq < first {
        // A serial below the range (another terminal number before, or the
        // layout before terminal numbers): the range's first serial of the
        // same second is still above it.
        return (last_stamp.to_string(), first);
    }
    let next = NaiveDateTime::parse_from_str(last_stamp, "%Y%m%d%H%M%S")
        .ok()
        .and_then(|t| t.checked_add_signed(Duration::seconds(1)))
        .map(|t| t.format("%Y%m%d%H%M%S").to_string())
        // An unparsable persisted stamp cannot come from this code; fall back
        // to the larger of the two so ids still never repeat.
        .unwrap_or_else(|| format!("{:0>14}", last_stamp.max(now_stamp)));
    (next, first)
}

/// Formats a msgid.
pub fn format_msgid(institution: &str, stamp: &str, seq: u32) -> String {
    format!("{institution}{stamp}{seq:04}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn basic_sequence() {
        let next = next_stamp_seq;
        assert_eq!(
            next("00000000000000", 0, "20261124040005"),
            ("20261124040005".into(), 600)
        );
        assert_eq!(
            next("20261124040005", 600, "20261124040005"),
            ("20261124040005".into(), 601)
        );
        // Clock went backwards: keep the stamp, bump the sequence.
        assert_eq!(
            next("20261124040005", 601, "20261124030000"),
            ("20261124040005".into(), 602)
        );
        // Sequence exhausted: borrow the next second.
        assert_eq!(
            next("20261124235959", 999, "20261124235959"),
            ("20261125000000".into(), 600)
        );
        // A serial above the range (the layout before terminal numbers used
        // 5000-9999) moves on to the next second.
        assert_eq!(
            next("20261124235959", 7000, "20261124235959"),
            ("20261125000000".into(), 600)
        );
        // Terminal 3 owns 3600-3999.
        assert_eq!(outbox_range(3), (3600, 3999));
        assert_eq!(
            next_stamp_seq_in("20261124040005", 602, "20261124040005", outbox_range(3)),
            ("20261124040005".into(), 3600)
        );
        let id = format_msgid("H44030500001", "20261124040005", 7);
        assert_eq!(id, "H44030500001202611240400050007");
        assert_eq!(id.len(), MSGID_LEN);
        assert!(valid_institution_code("H44030500001"));
        assert!(!valid_institution_code("H4403050000"));
        assert!(!valid_institution_code("H4403050000-"));
    }

    proptest! {
        #[test]
        fn ids_strictly_increase_whatever_the_clock_does(
            nows in proptest::collection::vec(0i64..400, 1..300),
            start_seq in 0u32..10000,
            terminal in 0u32..10,
        ) {
            let range = outbox_range(terminal);
            let base = NaiveDateTime::parse_from_str("20261124040000", "%Y%m%d%H%M%S").unwrap();
            let mut stamp = "20261124040100".to_string();
            let mut seq = start_seq;
            let mut last = format_msgid("H44030500001", &stamp, seq);
            for n in nows {
                let now = (base + Duration::seconds(n)).format("%Y%m%d%H%M%S").to_string();
                let (s, q) = next_stamp_seq_in(&stamp, seq, &now, range);
                let id = format_msgid("H44030500001", &s, q);
                prop_assert_eq!(id.len(), MSGID_LEN);
                prop_assert!(id > last, "{} !> {}", id, last);
                prop_assert!((range.0..=range.1).contains(&q));
                prop_assert_eq!(q / 1000, terminal);
                last = id; stamp = s; seq = q;
            }
        }
    }
}
