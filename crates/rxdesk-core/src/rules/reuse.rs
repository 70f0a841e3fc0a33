//! Reuse rules (`rept_flag`, `max_rept_cnt`, `reptd_cnt`, `min_inrv_days`):
//! a prescription is dispensed once unless it says it may be reused, at most
//! `max_rept_cnt` times in all, and not sooner than `min_inrv_days` after the
//! previous dispensing. Previous dispensings come from the local ledger; the
//! center's `reptd_cnt` counts those made elsewhere too, so the larger of the
//! two counts.

use super::{Finding, RuleCode};
use crate::prescription::ReuseTerms;
use crate::time::cst;
use chrono::{DateTime, Duration, Utc};

/// Checks the reuse terms against earlier dispensings at `now`.
pub fn check_reuse(
    terms: &ReuseTerms,
    previous: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let uses = (previous.len() as u64).max(u64::from(terms.reptd_cnt.unwrap_or(0)));
    if uses == 0 {
        return Vec::new();
    }
    if !terms.rept_flag {
        return vec![Finding::new(
            RuleCode::RxReuseNotAllowed,
            format!("该处方不可复用，已配药 {uses} 次，不能再次配药"),
        )
        .with("uses", uses)];
    }
    let Some(max) = terms.max_rept_cnt else {
        return vec![Finding::new(
            RuleCode::RxReuseTermsIncomplete,
            "该处方标记为可复用，但未给出最大复用次数，请联系开方医院确认",
        )];
    };
    if uses >= u64::from(max) {
        return vec![Finding::new(
            RuleCode::RxReuseLimitReached,
            format!("该处方最多可使用 {max} 次，已使用 {uses} 次，不能再次配药"),
        )
        .with("max", max)
        .with("uses", uses)];
    }
    if let (Some(days), Some(last)) = (terms.min_inrv_days, previous.iter().max()) {
        // Days are counted by CST calendar date, as the patient counts them.
        let last_day = last.with_timezone(&cst()).date_naive();
        let today = now.with_timezone(&cst()).date_naive();
        let elapsed = (today - last_day).num_days();
        if elapsed < i64::from(days) {
            let next_day = last_day.checked_add_signed(Duration::days(i64::from(days)));
            let next = next_day.map_or_else(String::new, |d| format!("，{d} 起可再次配药"));
            return vec![Finding::new(
                RuleCode::RxReuseTooSoon,
                format!(
                    "距上次配药（{last_day}）仅 {elapsed} 天，该处方须间隔至少 {days} 天{next}"
                ),
            )
            .with("last", last_day)
            .with("elapsed", elapsed)
            .with("days", days)
            .with(
                "nextDay",
                next_day.map_or_else(String::new, |d| d.to_string()),
            )];
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::at;

    fn terms(flag: bool, max: Option<u32>, done: Option<u32>, inrv: Option<u32>) -> ReuseTerms {
        ReuseTerms {
            rept_flag: flag,
            max_rept_cnt: max,
            reptd_cnt: done,
            min_inrv_days: inrv,
        }
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn reuse_never_panics_and_blocks_exactly_when_it_should(
            flag in any::<bool>(),
            max in proptest::option::of(any::<u32>()),
            done in proptest::option::of(any::<u32>()),
            inrv in proptest::option::of(any::<u32>()),
            prev_secs in prop::collection::vec(0i64..4_000_000_000, 0..4),
            now_secs in 0i64..4_000_000_000,
        ) {
            let t = terms(flag, max, done, inrv);
            let prev: Vec<DateTime<Utc>> = prev_secs
                .iter()
                .map(|s| DateTime::from_timestamp(*s, 0).unwrap())
                .collect();
            let now = DateTime::from_timestamp(now_secs, 0).unwrap();
            let f = check_reuse(&t, &prev, now);
            let uses = (prev.len() as u64).max(u64::from(done.unwrap_or(0)));
            if uses == 0 {
                prop_assert!(f.is_empty());
            } else if !flag {
                prop_assert_eq!(f[0].code, RuleCode::RxReuseNotAllowed);
            } else if max.is_some_and(|m| uses >= u64::from(m)) {
                prop_assert_eq!(f[0].code, RuleCode::RxReuseLimitReached);
            }
            prop_assert!(f.len() <= 1);
        }
    }

    #[test]
    fn findings_carry_their_values_for_the_window() {
        // The window words a finding by code from these (docs/decisions/0018).
        let now = at("2026-11-23 10:00:00");
        let f = check_reuse(&terms(true, Some(2), Some(2), None), &[], now);
        assert_eq!(f[0].params.get("max").map(String::as_str), Some("2"));
        assert_eq!(f[0].params.get("uses").map(String::as_str), Some("2"));
        let f = check_reuse(&terms(false, None, Some(1), None), &[], now);
        assert_eq!(f[0].params.get("uses").map(String::as_str), Some("1"));
        let last = at("2026-11-20 10:00:00");
        let f = check_reuse(&terms(true, Some(3), Some(1), Some(7)), &[last], now);
        assert_eq!(f[0].code, RuleCode::RxReuseTooSoon);
        assert_eq!(
            f[0].params.get("nextDay").map(String::as_str),
            Some("2026-11-27")
        );
        for v in f[0].params.values() {
            assert!(
                f[0].message_zh.contains(v.as_str()),
                "{v} in {}",
                f[0].message_zh
            );
        }
    }

    #[test]
    fn first_use_is_always_fine() {
        let now = at("2026-11-23 10:00:00");
        assert!(check_reuse(&terms(false, None, None, None), &[], now).is_empty());
        assert!(check_reuse(&terms(true, Some(3), Some(0), Some(28)), &[], now).is_empty());
    }

    #[test]
    fn single_use_prescription_cannot_be_reused() {
        let now = at("2026-11-23 10:00:00");
        let prev = [at("2026-11-20 10:00:00")];
        let f = check_reuse(&terms(false, None, None, None), &prev, now);
        assert_eq!(f[0].code, RuleCode::RxReuseNotAllowed);
        // The center's count alone is enough.
        let f = check_reuse(&terms(false, None, Some(1), None), &[], now);
        assert_eq!(f[0].code, RuleCode::RxReuseNotAllowed);
    }

    #[test]
    fn count_limit() {
        let now = at("2026-11-23 10:00:00");
        let prev = [at("2026-09-01 10:00:00"), at("2026-10-01 10:00:00")];
        assert!(check_reuse(&terms(true, Some(3), Some(2), None), &prev, now).is_empty());
        let f = check_reuse(&terms(true, Some(2), Some(2), None), &prev, now);
        assert_eq!(f[0].code, RuleCode::RxReuseLimitReached);
        // The center knows of a third use made elsewhere.
        let f = check_reuse(&terms(true, Some(3), Some(3), None), &prev, now);
        assert_eq!(f[0].code, RuleCode::RxReuseLimitReached);
        let f = check_reuse(&terms(true, None, Some(1), None), &prev, now);
        assert_eq!(f[0].code, RuleCode::RxReuseTermsIncomplete);
    }

    #[test]
    fn interval_by_calendar_day_in_cst() {
        let t = terms(true, Some(3), Some(1), Some(28));
        // Dispensed 2026-10-26 23:30 CST (15:30 UTC).
        let prev = [at("2026-10-26 23:30:00")];
        let f = check_reuse(&t, &prev, at("2026-11-22 08:00:00"));
        assert_eq!(f[0].code, RuleCode::RxReuseTooSoon);
        assert!(
            f[0].message_zh.contains("2026-11-23"),
            "{}",
            f[0].message_zh
        );
        assert!(check_reuse(&t, &prev, at("2026-11-23 00:00:01")).is_empty());
        // The latest previous dispensing counts, whatever the order.
        let prev = [at("2026-11-20 10:00:00"), at("2026-09-01 10:00:00")];
        let t = terms(true, Some(5), None, Some(7));
        assert_eq!(
            check_reuse(&t, &prev, at("2026-11-23 10:00:00"))[0].code,
            RuleCode::RxReuseTooSoon
        );
    }
}
