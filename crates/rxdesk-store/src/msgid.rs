//! Message ids: `fixmedins_code(12) + yyyyMMddHHmmss (CST) + sequence(4)`,
//! 30 characters (PROTOCOL.md §2.2). Each outbox row gets its id when it is
//! created, in the same transaction, so a resend after a crash carries the
//! same id and the center can recognise it.
//!
//! The last (stamp, sequence) issued is persisted in `msgid_seq`, so ids stay
//! unique across restarts and even when the clock steps backwards: the stamp
//! never decreases, and when the sequence space of one stamp is used up the
//! next id borrows the following second.
//!
//! **The outbox owns the upper half of the sequence space** (`5000`–`9999`):
//! the center client's own generator (sign-in, queries, settlement at the
//! counter) counts up from `0000` in the same second with the same
//! institution code, so two generators must never share a range — a
//! collision would make the center answer one transaction with another's
//! recorded answer.

use chrono::{Duration, NaiveDateTime};

/// Length of a msgid.
pub const MSGID_LEN: usize = 30;
/// First sequence number of the outbox's range.
pub const SEQ_FIRST: u32 = 5000;
/// Last sequence number of the outbox's range.
pub const SEQ_LAST: u32 = 9999;

/// Checks a `fixmedins_code`: exactly 12 ASCII letters or digits.
pub fn valid_institution_code(code: &str) -> bool {
    code.len() == 12 && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The next (stamp, sequence) after `(last_stamp, last_seq)` at wall-clock
/// stamp `now_stamp` (all `yyyyMMddHHmmss`). Pure; strictly increasing in
/// `stamp ‖ seq` whatever `now_stamp` does.
pub fn next_stamp_seq(last_stamp: &str, last_seq: u32, now_stamp: &str) -> (String, u32) {
    if now_stamp > last_stamp {
        return (now_stamp.to_string(), SEQ_FIRST);
    }
    if (SEQ_FIRST..SEQ_LAST).contains(&last_seq) {
        return (last_stamp.to_string(), last_seq + 1);
    }
    let next = NaiveDateTime::parse_from_str(last_stamp, "%Y%m%d%H%M%S")
        .ok()
        .and_then(|t| t.checked_add_signed(Duration::seconds(1)))
        .map(|t| t.format("%Y%m%d%H%M%S").to_string())
        // An unparsable persisted stamp cannot come from this code; fall back
        // to the larger of the two so ids still never repeat.
        .unwrap_or_else(|| format!("{:0>14}", last_stamp.max(now_stamp)));
    (next, SEQ_FIRST)
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
            ("20261124040005".into(), 5000)
        );
        assert_eq!(
            next("20261124040005", 5000, "20261124040005"),
            ("20261124040005".into(), 5001)
        );
        // Clock went backwards: keep the stamp, bump the sequence.
        assert_eq!(
            next("20261124040005", 5001, "20261124030000"),
            ("20261124040005".into(), 5002)
        );
        // Sequence exhausted: borrow the next second.
        assert_eq!(
            next("20261124235959", 9999, "20261124235959"),
            ("20261125000000".into(), 5000)
        );
        // A sequence outside the outbox range (never written by this code) moves on.
        assert_eq!(
            next("20261124235959", 7, "20261124235959"),
            ("20261125000000".into(), 5000)
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
            start_seq in 9990u32..10000,
        ) {
            let base = NaiveDateTime::parse_from_str("20261124040000", "%Y%m%d%H%M%S").unwrap();
            let mut stamp = "20261124040100".to_string();
            let mut seq = start_seq;
            let mut last = format_msgid("H44030500001", &stamp, seq);
            for n in nows {
                let now = (base + Duration::seconds(n)).format("%Y%m%d%H%M%S").to_string();
                let (s, q) = next_stamp_seq(&stamp, seq, &now);
                let id = format_msgid("H44030500001", &s, q);
                prop_assert_eq!(id.len(), MSGID_LEN);
                prop_assert!(id > last, "{} !> {}", id, last);
                prop_assert!((SEQ_FIRST..=SEQ_LAST).contains(&q));
                last = id; stamp = s; seq = q;
            }
        }
    }
}
