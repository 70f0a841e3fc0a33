//! `msgid` = fixmedins_code (12) + yyyyMMddHHmmss (14, CST) + sequence (4).
//!
//! Unique within the process (a logical clock that never goes backwards and
//! borrows the next second when 9999 ids were issued in one second) and
//! across restarts when a high-water file is configured: every id issued is
//! above the one recorded there, so a restart within the same second (or a
//! clock set back) cannot repeat an id. The outbox fixes the msgid when it
//! creates a row; retries reuse it.
//!
//! The sequence runs 0000–4999 by default ([`CLIENT_SEQUENCE_MAX`]): the
//! outbox issues 5000–9999 with the same institution code (docs/schema.md),
//! so the two generators can never collide.

use chrono::{DateTime, Duration, Utc};
use std::path::PathBuf;
use std::sync::Mutex;

/// Why a msgid could not be issued or parsed.
#[derive(Debug, thiserror::Error)]
pub enum MsgIdError {
    /// The institution code must be exactly 12 ASCII alphanumerics.
    #[error("fixmedins_code must be 12 ASCII letters/digits, got {0:?}")]
    BadInstitution(String),
    /// The high-water file could not be read or written.
    #[error("msgid high-water file {path}: {source}")]
    Io {
        /// File path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// Highest sequence the client's generator uses by default.
pub const CLIENT_SEQUENCE_MAX: u16 = 4999;

#[derive(Debug)]
struct Inner {
    /// Seconds since epoch of the last id, and its sequence.
    last: Option<(i64, u16)>,
}

/// Issues msgids for one institution.
#[derive(Debug)]
pub struct MsgIdGenerator {
    institution: String,
    high_water: Option<PathBuf>,
    seq_min: u16,
    seq_max: u16,
    inner: Mutex<Inner>,
}

/// The CST second and sequence inside a msgid, if it has the standard shape.
pub fn parse_msgid(msgid: &str) -> Option<(String, DateTime<Utc>, u16)> {
    if msgid.len() != 30 || !msgid.is_ascii() {
        return None;
    }
    let (inst, rest) = msgid.split_at(12);
    let (ts, seq) = rest.split_at(14);
    let naive = chrono::NaiveDateTime::parse_from_str(ts, "%Y%m%d%H%M%S").ok()?;
    let t = naive.and_utc() - Duration::hours(8);
    let seq: u16 = seq
        .parse()
        .ok()
        .filter(|_| seq.bytes().all(|b| b.is_ascii_digit()))?;
    Some((inst.to_string(), t, seq))
}

impl MsgIdGenerator {
    /// In-memory generator (unique within this process).
    pub fn new(fixmedins_code: &str) -> Result<Self, MsgIdError> {
        if fixmedins_code.len() != 12 || !fixmedins_code.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(MsgIdError::BadInstitution(fixmedins_code.to_string()));
        }
        Ok(Self {
            institution: fixmedins_code.to_string(),
            high_water: None,
            seq_min: 0,
            seq_max: CLIENT_SEQUENCE_MAX,
            inner: Mutex::new(Inner { last: None }),
        })
    }

    /// Use the sequence range `min..=max` (at most 0..=9999) instead of 0..=4999.
    pub fn with_sequence_range(mut self, min: u16, max: u16) -> Self {
        self.seq_max = max.min(9999);
        self.seq_min = min.min(self.seq_max);
        self
    }

    /// Generator that records every id in `path` (atomically replaced) and
    /// starts above the id recorded there.
    pub fn with_high_water_file(
        fixmedins_code: &str,
        path: impl Into<PathBuf>,
    ) -> Result<Self, MsgIdError> {
        let mut g = Self::new(fixmedins_code)?;
        let path = path.into();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                if let Some((_, t, seq)) = parse_msgid(text.trim()) {
                    g.inner.get_mut().map_err(|_| poisoned(&path))?.last =
                        Some((t.timestamp(), seq));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(MsgIdError::Io { path, source }),
        }
        g.high_water = Some(path);
        Ok(g)
    }

    /// Also start above an id the caller persisted (e.g. the outbox's last row).
    pub fn resume_after(&self, msgid: &str) {
        if let Some((_, t, seq)) = parse_msgid(msgid) {
            if let Ok(mut g) = self.inner.lock() {
                let cand = (t.timestamp(), seq);
                if g.last.is_none_or(|l| cand > l) {
                    g.last = Some(cand);
                }
            }
        }
    }

    /// The next msgid at wall-clock `now`.
    pub fn next_at(&self, now: DateTime<Utc>) -> Result<String, MsgIdError> {
        let mut g = self.inner.lock().map_err(|_| {
            poisoned(
                self.high_water
                    .as_deref()
                    .unwrap_or(std::path::Path::new("")),
            )
        })?;
        let now_s = now.timestamp();
        let (lo, hi) = (self.seq_min, self.seq_max);
        let (sec, seq) = match g.last {
            Some((s, q)) if s >= now_s => {
                if q >= hi {
                    (s + 1, lo)
                } else {
                    (s, (q + 1).max(lo))
                }
            }
            _ => (now_s, lo),
        };
        g.last = Some((sec, seq));
        let t = DateTime::from_timestamp(sec, 0).unwrap_or(now);
        let id = format!(
            "{}{}{:04}",
            self.institution,
            rxdesk_core::time::format_compact(t),
            seq
        );
        if let Some(path) = &self.high_water {
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, &id)
                .and_then(|_| std::fs::rename(&tmp, path))
                .map_err(|source| MsgIdError::Io {
                    path: path.clone(),
                    source,
                })?;
        }
        Ok(id)
    }

    /// The next msgid now.
    pub fn next(&self) -> Result<String, MsgIdError> {
        self.next_at(Utc::now())
    }
}

fn poisoned(path: &std::path::Path) -> MsgIdError {
    MsgIdError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other("msgid generator lock poisoned"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::HashSet;

    #[test]
    fn shape_is_code_time_sequence() {
        let g = MsgIdGenerator::new("P11010100001").unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        let id = g.next_at(t).unwrap();
        assert_eq!(id, "P11010100001202611240400050000");
        assert_eq!(g.next_at(t).unwrap(), "P11010100001202611240400050001");
        let (inst, tt, seq) = parse_msgid(&id).unwrap();
        assert_eq!((inst.as_str(), tt, seq), ("P11010100001", t, 0));
        assert!(MsgIdGenerator::new("short").is_err());
    }

    #[test]
    fn never_repeats_even_when_the_clock_goes_back_or_overflows() {
        let g = MsgIdGenerator::new("P11010100001").unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        let mut seen = HashSet::new();
        for i in 0..25_000 {
            let when = if i % 3 == 0 {
                t - Duration::seconds(10)
            } else {
                t
            };
            assert!(seen.insert(g.next_at(when).unwrap()));
        }
    }

    #[test]
    fn high_water_file_survives_a_restart_in_the_same_second() {
        let dir = std::env::temp_dir().join(format!("rxdesk-msgid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hw");
        let _ = std::fs::remove_file(&path);
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        let a = MsgIdGenerator::with_high_water_file("P11010100001", &path).unwrap();
        let first: Vec<String> = (0..5).map(|_| a.next_at(t).unwrap()).collect();
        drop(a);
        let b = MsgIdGenerator::with_high_water_file("P11010100001", &path).unwrap();
        let next = b.next_at(t).unwrap();
        assert!(!first.contains(&next));
        assert!(next > *first.last().unwrap());
        let c = MsgIdGenerator::new("P11010100001").unwrap();
        c.resume_after(&next);
        assert!(c.next_at(t).unwrap() > next);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
