//! Validity rules: the 7-day life of a prescription, `valid_end_time`, the
//! status at the center and the 12-week ceiling on medication days.

use super::{Finding, RuleCode};
use crate::codes::RxStatus;
use crate::prescription::{Prescription, ReuseTerms};
use crate::time::{format_wire, parse_wire};
use chrono::{DateTime, Duration, Utc};

/// A prescription lives 7 days from its upload to the center.
pub const VALID_DAYS: i64 = 7;
/// Long prescriptions for stable chronic patients: at most 12 weeks.
pub const MAX_MEDICATION_DAYS: u32 = 12 * 7;
/// Clock skew tolerated between the center and the counter.
pub const CLOCK_SKEW_MINUTES: i64 = 5;

/// Checks the 7-day validity from `issued_at` and `valid_end_time` (both
/// CST wire format) at `now`.
pub fn check_validity(issued_at: &str, valid_end_time: &str, now: DateTime<Utc>) -> Vec<Finding> {
    let mut out = Vec::new();
    match parse_wire(issued_at) {
        None => out.push(
            Finding::new(
                RuleCode::RxTimeUnreadable,
                format!("处方开方/上传时间“{issued_at}”无法识别，不能判断是否在有效期内"),
            )
            .with("value", issued_at),
        ),
        Some(issued) => {
            if issued > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
                out.push(
                    Finding::new(
                        RuleCode::RxIssuedInFuture,
                        format!(
                        "处方上传时间 {issued_at} 晚于当前时间 {}，请核对本机时间或联系开方医院",
                        format_wire(now)
                    ),
                    )
                    .with("issuedAt", issued_at)
                    .with("now", format_wire(now)),
                );
            }
            let void_at = issued + Duration::days(VALID_DAYS);
            if now > void_at {
                out.push(
                    Finding::new(
                        RuleCode::RxOver7Days,
                        format!(
                        "处方于 {issued_at} 上传，有效期 7 天，已于 {} 失效，请患者重新就诊开方",
                        format_wire(void_at)
                    ),
                    )
                    .with("issuedAt", issued_at)
                    .with("voidAt", format_wire(void_at)),
                );
            }
        }
    }
    match parse_wire(valid_end_time) {
        None => out.push(
            Finding::new(
                RuleCode::RxTimeUnreadable,
                format!("处方有效截止时间“{valid_end_time}”无法识别"),
            )
            .with("value", valid_end_time),
        ),
        Some(end) if now > end => out.push(
            Finding::new(
                RuleCode::RxPastValidEnd,
                format!("处方有效截止时间为 {valid_end_time}，已过期，不能配药"),
            )
            .with("validEnd", valid_end_time),
        ),
        Some(_) => {}
    }
    out
}

/// True when this dispensing repeats an earlier one of a reusable
/// prescription (`rept_flag` = 1 and at least one use counted here or by the
/// center). Such a dispensing is not bounded by the 7 days after upload —
/// that life bounds the first dispensing — but by `valid_end_time` and the
/// reuse terms (`rules::reuse`); docs/decisions/0013.
pub fn is_repeat_dispensing(reuse: &ReuseTerms, previous: &[DateTime<Utc>]) -> bool {
    reuse.rept_flag && (!previous.is_empty() || reuse.reptd_cnt.unwrap_or(0) > 0)
}

/// Checks the status the center reported. A used (`4`) reusable
/// prescription is left to the reuse rule.
pub fn check_status(status: &RxStatus, reuse: &ReuseTerms) -> Vec<Finding> {
    let f = match status {
        RxStatus::Valid => return Vec::new(),
        RxStatus::Used if reuse.rept_flag => return Vec::new(),
        RxStatus::Revoked => Finding::new(RuleCode::RxRevoked, "该处方已被开方医院撤销，不能配药"),
        RxStatus::Used => Finding::new(
            RuleCode::RxAlreadyUsed,
            "该处方已核销（已在药店配药结算），不能重复使用",
        ),
        RxStatus::Expired => {
            Finding::new(RuleCode::RxExpiredAtCenter, "处方流转中心显示该处方已失效")
        }
        RxStatus::Other(code) => Finding::new(
            RuleCode::RxStatusUnknown,
            format!("处方状态代码“{code}”无法识别，请联系处方流转中心确认"),
        )
        .with("status", code),
    };
    vec![f]
}

/// No line may exceed 12 weeks of medication, and a reusable prescription
/// may not cover more than 12 weeks over all its allowed dispensings.
pub fn check_long_prescription(rx: &Prescription) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, line) in rx.lines.iter().enumerate() {
        if line.days > MAX_MEDICATION_DAYS {
            out.push(
                Finding::on_line(
                    RuleCode::RxOver12Weeks,
                    i,
                    format!(
                        "{} 用药天数 {} 天，超过长期处方最长 12 周（84 天）的规定",
                        line.drug_genname, line.days
                    ),
                )
                .with("days", line.days),
            );
        }
    }
    if out.is_empty() && rx.reuse.rept_flag {
        if let Some(n) = rx.reuse.max_rept_cnt {
            let longest = rx.lines.iter().map(|l| l.days).max().unwrap_or(0);
            let total = u64::from(longest) * u64::from(n);
            if total > u64::from(MAX_MEDICATION_DAYS) {
                out.push(
                    Finding::new(
                        RuleCode::RxOver12Weeks,
                        format!(
                        "处方可复用 {n} 次、每次 {longest} 天，合计 {total} 天，超过 12 周（84 天）"
                    ),
                    )
                    .with("times", n)
                    .with("days", longest)
                    .with("total", total),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{at, rx};

    #[test]
    fn valid_within_seven_days() {
        let f = check_validity(
            "2026-11-20 09:00:00",
            "2026-11-27 09:00:00",
            at("2026-11-23 10:00:00"),
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn the_seventh_day_boundary() {
        let issued = "2026-11-16 09:00:00";
        let end = "2026-12-31 00:00:00";
        assert!(check_validity(issued, end, at("2026-11-23 09:00:00")).is_empty());
        let f = check_validity(issued, end, at("2026-11-23 09:00:01"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, RuleCode::RxOver7Days);
        assert!(f[0].message_zh.contains("2026-11-23 09:00:00"));
    }

    #[test]
    fn valid_end_time_is_enforced_separately() {
        let f = check_validity(
            "2026-11-22 09:00:00",
            "2026-11-23 09:00:00",
            at("2026-11-23 09:30:00"),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, RuleCode::RxPastValidEnd);
    }

    #[test]
    fn unreadable_and_future_times_block() {
        let f = check_validity("2026/11/22", "", at("2026-11-23 09:30:00"));
        assert_eq!(
            f.iter().map(|x| x.code).collect::<Vec<_>>(),
            vec![RuleCode::RxTimeUnreadable, RuleCode::RxTimeUnreadable]
        );
        let f = check_validity(
            "2026-11-23 10:00:00",
            "2026-11-30 10:00:00",
            at("2026-11-23 09:30:00"),
        );
        assert_eq!(f[0].code, RuleCode::RxIssuedInFuture);
        // Within the clock-skew tolerance: fine.
        assert!(check_validity(
            "2026-11-23 09:34:00",
            "2026-11-30 10:00:00",
            at("2026-11-23 09:30:00")
        )
        .is_empty());
    }

    #[test]
    fn status_rules() {
        let single = ReuseTerms::default();
        assert!(check_status(&RxStatus::Valid, &single).is_empty());
        assert_eq!(
            check_status(&RxStatus::Revoked, &single)[0].code,
            RuleCode::RxRevoked
        );
        assert_eq!(
            check_status(&RxStatus::Used, &single)[0].code,
            RuleCode::RxAlreadyUsed
        );
        assert_eq!(
            check_status(&RxStatus::Expired, &single)[0].code,
            RuleCode::RxExpiredAtCenter
        );
        let f = check_status(&RxStatus::Other("9".into()), &single);
        assert_eq!(f[0].code, RuleCode::RxStatusUnknown);
        assert!(f[0].message_zh.contains('9'));
        let reusable = ReuseTerms {
            rept_flag: true,
            max_rept_cnt: Some(3),
            ..Default::default()
        };
        assert!(check_status(&RxStatus::Used, &reusable).is_empty());
        assert_eq!(
            check_status(&RxStatus::Revoked, &reusable)[0].code,
            RuleCode::RxRevoked
        );
    }

    #[test]
    fn twelve_weeks_ceiling() {
        let mut p = rx();
        p.lines[0].days = 84;
        assert!(check_long_prescription(&p).is_empty());
        p.lines[0].days = 85;
        let f = check_long_prescription(&p);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].line, Some(0));
        assert_eq!(f[0].code, RuleCode::RxOver12Weeks);

        p.lines[0].days = 28;
        p.reuse = ReuseTerms {
            rept_flag: true,
            max_rept_cnt: Some(3),
            ..Default::default()
        };
        assert!(check_long_prescription(&p).is_empty(), "3 × 28 = 84");
        p.reuse.max_rept_cnt = Some(4);
        let f = check_long_prescription(&p);
        assert_eq!(f[0].code, RuleCode::RxOver12Weeks);
        assert_eq!(f[0].line, None);
        assert!(f[0].message_zh.contains("112"));
    }
}
