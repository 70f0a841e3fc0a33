//! China Standard Time as the protocol formats it. The platform writes local
//! times without offset (`yyyy-MM-dd HH:mm:ss`, `yyyyMMddHHmmss`); they are
//! always UTC+8, whatever the counter machine's own time zone says.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// UTC+8, no daylight saving.
pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("8h is a valid offset")
}

/// `yyyy-MM-dd HH:mm:ss` in CST.
pub fn format_wire(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `yyyyMMddHHmmss` in CST, as used inside `msgid`.
pub fn format_compact(t: DateTime<Utc>) -> String {
    t.with_timezone(&cst()).format("%Y%m%d%H%M%S").to_string()
}

/// Parses `yyyy-MM-dd HH:mm:ss` (CST) into an instant.
pub fn parse_wire(s: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    cst()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_in_cst() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        assert_eq!(format_wire(t), "2026-11-24 04:00:05");
        assert_eq!(format_compact(t), "20261124040005");
        assert_eq!(parse_wire("2026-11-24 04:00:05"), Some(t));
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(parse_wire(""), None);
        assert_eq!(parse_wire("2026-13-01 00:00:00"), None);
        assert_eq!(parse_wire("2026-11-24T04:00:05"), None);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,30}") { let _ = parse_wire(&s); }
    }
}
