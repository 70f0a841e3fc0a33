//! `msgid` = fixmedins_code (12) + yyyyMMddHHmmss (14, CST) + serial (4).
//!
//! **One id space per pharmacy.** The 4-digit serial carries the counter's
//! terminal number (0–9, unique within the pharmacy, `Settings::terminal_no`)
//! as its first digit, and the last three digits are split between the
//! process roles of that counter ([`IdRole`]), so two counters of one
//! pharmacy, or the desk and the CLI of one counter, never issue the same
//! msgid even in the same second:
//!
//! | serial | issued by |
//! |---|---|
//! | `T000`–`T399` | the desk's client (sign-in, queries, 2101/2102/2601 at the counter) |
//! | `T400`–`T499` | the app's background client (upload worker sign-in and probes) |
//! | `T500`–`T599` | the `rxdesk` CLI's own client (`rxdesk sync`, `rxdesk counter`) |
//! | `T600`–`T999` | the ledger's outbox rows and 零售单据号 (`rxdesk-store::msgid`, in SQL) |
//!
//! Within a role the generator is a logical clock: it never goes backwards
//! and borrows the next second when the range of one second is used up.
//! Across restarts a high-water file (one per role, written with fsync of
//! the file and of its directory) keeps every id above the last one issued.
//! The file reserves a whole second: the first id of a second records the
//! last id of that second's range, so the ids that follow in the same second
//! (a scan's 7202 and its 7203 a few milliseconds later) are issued without
//! another write, and a restart starts in the next second at the earliest
//! (at most one second ahead of the clock, as when a second's range is used
//! up). An exclusive lock on `<file>.lock` makes sure two processes never
//! share one role's file.
//!
//! **Reserved ahead, in the background** (docs/decisions/0030): a write
//! reserves the id's second and the [`RESERVE_AHEAD_S`] seconds after it,
//! and a background thread extends the reservation before it runs out while
//! the counter is in use (an id issued in the last [`KEEP_WARM_S`]), so the
//! ids of a scan normally need no write at all; only the first id after a
//! long idle spell writes on the caller's path. The file only ever moves
//! forward, and is written before any id of the seconds it reserves is
//! handed out. The price: a process restarted within the reservation starts
//! after it, up to `RESERVE_AHEAD_S + 1` seconds ahead of the clock (as a
//! second's range used up borrows the next second). The outbox fixes the msgid when it creates a row;
//! retries reuse it.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// Why a msgid could not be issued or parsed.
#[derive(Debug, thiserror::Error)]
pub enum MsgIdError {
    /// The institution code must be exactly 12 ASCII alphanumerics.
    #[error("fixmedins_code must be 12 ASCII letters/digits, got {0:?}")]
    BadInstitution(String),
    /// The terminal number does not fit the serial's first digit.
    #[error("terminal number must be 0–{MAX_TERMINAL_NO}, got {0}")]
    BadTerminal(u32),
    /// The high-water file could not be read or written.
    #[error("msgid high-water file {path}: {source}")]
    Io {
        /// File path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Another process issues ids from the same high-water file.
    #[error("msgid high-water file {0} is in use by another process (one file per process role)")]
    Busy(PathBuf),
}

/// Highest sequence the client's generator uses by default (the desk range
/// of terminal 0).
pub const CLIENT_SEQUENCE_MAX: u16 = 399;

/// Highest terminal number (the serial's first digit).
pub const MAX_TERMINAL_NO: u32 = 9;

/// Which process role of a counter issues ids; each has its own part of the
/// terminal's serial block (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdRole {
    /// The desk's center client (foreground work at the counter).
    Desk,
    /// The app's background client (upload worker).
    Background,
    /// The `rxdesk` CLI's client.
    Cli,
    /// The ledger's outbox rows and document numbers (issued in SQL by
    /// `rxdesk-store`; listed here so the table is in one place).
    Outbox,
}

impl IdRole {
    /// All roles.
    pub const ALL: [IdRole; 4] = [
        IdRole::Desk,
        IdRole::Background,
        IdRole::Cli,
        IdRole::Outbox,
    ];

    /// The role's range inside a terminal's block of 1000 (`0..=999`).
    pub fn local_range(self) -> (u16, u16) {
        match self {
            IdRole::Desk => (0, 399),
            IdRole::Background => (400, 499),
            IdRole::Cli => (500, 599),
            IdRole::Outbox => (600, 999),
        }
    }

    /// The role's file name in the data directory (the outbox keeps its
    /// high-water mark in the ledger instead).
    pub fn high_water_file(self) -> &'static str {
        match self {
            IdRole::Desk => "msgid.hwm",
            IdRole::Background => "msgid-background.hwm",
            IdRole::Cli => "msgid-cli.hwm",
            IdRole::Outbox => "msgid-outbox.hwm",
        }
    }
}

/// The serial range (`min..=max`, 4 digits) of `role` on terminal `terminal_no`.
pub fn serial_range(terminal_no: u32, role: IdRole) -> Result<(u16, u16), MsgIdError> {
    if terminal_no > MAX_TERMINAL_NO {
        return Err(MsgIdError::BadTerminal(terminal_no));
    }
    let base = (terminal_no * 1000) as u16;
    let (lo, hi) = role.local_range();
    Ok((base + lo, base + hi))
}

/// The terminal number carried by a msgid's serial.
pub fn terminal_of(msgid: &str) -> Option<u32> {
    parse_msgid(msgid).map(|(_, _, seq)| u32::from(seq / 1000))
}

/// Seconds a high-water write reserves beyond the id's own second.
pub const RESERVE_AHEAD_S: i64 = 30;

/// The background thread extends the reservation when fewer seconds than
/// this are left of it.
pub const REFRESH_BELOW_S: i64 = 15;

/// The background thread keeps the reservation ahead while an id was issued
/// within this many seconds (then it idles until the next id).
pub const KEEP_WARM_S: i64 = 15 * 60;

#[derive(Debug)]
struct Inner {
    /// Seconds since epoch of the last id, and its sequence.
    last: Option<(i64, u16)>,
    /// The last second whose whole range the high-water file reserves
    /// (written by this process): ids up to that second need no write.
    reserved: Option<i64>,
    /// Wall-clock second of the last id issued (keeps the thread warm).
    last_issued_at: i64,
    /// The highest serial of the generators on this file (the reservation
    /// records the last id of its last second).
    reserve_seq: u16,
    /// Seconds reserved ahead and the refresh threshold (tests shorten them).
    ahead_s: i64,
    refresh_below_s: i64,
    /// The background extender, once started.
    extender: Option<Arc<Extender>>,
    /// High-water writes made on the caller's path (in `next_at`).
    caller_writes: u64,
}

impl Inner {
    fn new() -> Self {
        Self {
            last: None,
            reserved: None,
            last_issued_at: 0,
            reserve_seq: 0,
            ahead_s: RESERVE_AHEAD_S,
            refresh_below_s: REFRESH_BELOW_S,
            extender: None,
            caller_writes: 0,
        }
    }
}

/// The high-water file's writer: every write goes through it, so the file
/// only moves forward whoever writes (the caller's path or the thread).
#[derive(Debug)]
struct FileWriter {
    /// The last second durably reserved in the file by this process.
    written: Option<i64>,
}

/// Wakes the background extender; `stop` when the generators are gone.
#[derive(Debug, Default)]
struct Extender {
    state: Mutex<(bool, bool)>,
    signal: std::sync::Condvar,
}

impl Extender {
    fn poke(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.0 = true;
            self.signal.notify_one();
        }
    }
    fn stop(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.1 = true;
            self.signal.notify_one();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(x) = &self.extender {
            x.stop();
        }
    }
}

/// Writes the reservation through the end of second `through` (or further,
/// if the file already reserves more), durably; returns the second the file
/// now reserves.
fn reserve_through(
    writer: &Mutex<FileWriter>,
    path: &Path,
    institution: &str,
    through: i64,
    seq: u16,
) -> Result<i64, MsgIdError> {
    let mut w = writer.lock().map_err(|_| poisoned(path))?;
    let through = w.written.map_or(through, |done| done.max(through));
    if w.written == Some(through) {
        return Ok(through);
    }
    let t = DateTime::from_timestamp(through, 0).ok_or_else(|| MsgIdError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other("reservation second out of range"),
    })?;
    let last_of_second = format!(
        "{}{}{:04}",
        institution,
        rxdesk_core::time::format_compact(t),
        seq
    );
    tracing::debug_span!("msgid.reserve")
        .in_scope(|| write_durably(path, &last_of_second))
        .map_err(|source| MsgIdError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    w.written = Some(through);
    Ok(through)
}

/// Issues msgids for one institution.
#[derive(Debug)]
pub struct MsgIdGenerator {
    institution: String,
    high_water: Option<PathBuf>,
    seq_min: u16,
    seq_max: u16,
    /// Shared by every generator of this process on the same high-water file.
    inner: Arc<Mutex<Inner>>,
    /// Shared like `inner`: the file's writer.
    writer: Arc<Mutex<FileWriter>>,
    /// Held for the generator's life: one process per high-water file.
    _lock: Option<Arc<std::fs::File>>,
}

/// The high-water files this process holds: a second generator on the same
/// file (e.g. the counter re-opened in one process) shares the first one's
/// clock and lock instead of racing it.
type Held = HashMap<
    PathBuf,
    (
        Weak<Mutex<Inner>>,
        Weak<Mutex<FileWriter>>,
        Weak<std::fs::File>,
    ),
>;

fn held() -> &'static Mutex<Held> {
    static HELD: OnceLock<Mutex<Held>> = OnceLock::new();
    HELD.get_or_init(|| Mutex::new(HashMap::new()))
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

/// Writes `text` to `path` durably: temporary file, fsync, rename, fsync of
/// the directory (so the rename itself survives a power cut).
fn write_durably(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    #[cfg(unix)]
    {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn lock_file_for(path: &Path) -> Result<std::fs::File, MsgIdError> {
    let mut p = path.as_os_str().to_os_string();
    p.push(".lock");
    let lock_path = PathBuf::from(p);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| MsgIdError::Io {
            path: lock_path.clone(),
            source,
        })?;
    // std's advisory file lock (flock on Unix, LockFileEx on Windows), Rust ≥ 1.89.
    #[allow(clippy::incompatible_msrv)]
    let locked = file.try_lock();
    match locked {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(MsgIdError::Busy(path.to_path_buf())),
        Err(std::fs::TryLockError::Error(source)) => Err(MsgIdError::Io {
            path: lock_path,
            source,
        }),
    }
}

impl MsgIdGenerator {
    /// In-memory generator (unique within this process), serials
    /// `0000`–[`CLIENT_SEQUENCE_MAX`] (terminal 0's desk range).
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
            inner: Arc::new(Mutex::new(Inner::new())),
            writer: Arc::new(Mutex::new(FileWriter { written: None })),
            _lock: None,
        })
    }

    /// Use the sequence range `min..=max` (at most 0..=9999) instead of the default.
    pub fn with_sequence_range(mut self, min: u16, max: u16) -> Self {
        self.seq_max = max.min(9999);
        self.seq_min = min.min(self.seq_max);
        self
    }

    /// Use the range of `role` on terminal `terminal_no` ([`serial_range`]).
    pub fn for_terminal(self, terminal_no: u32, role: IdRole) -> Result<Self, MsgIdError> {
        let (lo, hi) = serial_range(terminal_no, role)?;
        Ok(self.with_sequence_range(lo, hi))
    }

    /// The generator of `role` on terminal `terminal_no`, with its
    /// high-water file `<data_dir>/<role file>` (locked for this process).
    pub fn for_role(
        fixmedins_code: &str,
        terminal_no: u32,
        role: IdRole,
        data_dir: &Path,
    ) -> Result<Self, MsgIdError> {
        Self::with_high_water_file(fixmedins_code, data_dir.join(role.high_water_file()))?
            .for_terminal(terminal_no, role)
    }

    /// The serial range in use (`min..=max`).
    pub fn sequence_range(&self) -> (u16, u16) {
        (self.seq_min, self.seq_max)
    }

    /// Generator that records every id in `path` (atomically replaced and
    /// fsynced) and starts above the id recorded there. The file is locked
    /// for the generator's life: a second process using it gets
    /// [`MsgIdError::Busy`]; a second generator of the same process shares
    /// the first one's clock (so the two never repeat each other).
    pub fn with_high_water_file(
        fixmedins_code: &str,
        path: impl Into<PathBuf>,
    ) -> Result<Self, MsgIdError> {
        let mut g = Self::new(fixmedins_code)?;
        let path = path.into();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| MsgIdError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let key = match (path.parent(), path.file_name()) {
            (Some(d), Some(f)) if !d.as_os_str().is_empty() => std::fs::canonicalize(d)
                .map(|d| d.join(f))
                .unwrap_or_else(|_| path.clone()),
            _ => path.clone(),
        };
        let mut map = held().lock().map_err(|_| poisoned(&path))?;
        if let Some((inner, writer, lock)) = map.get(&key) {
            if let (Some(inner), Some(writer), Some(lock)) =
                (inner.upgrade(), writer.upgrade(), lock.upgrade())
            {
                g.inner = inner;
                g.writer = writer;
                g._lock = Some(lock);
                g.high_water = Some(path);
                return Ok(g);
            }
        }
        let lock = Arc::new(lock_file_for(&path)?);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                if let Some((_, t, seq)) = parse_msgid(text.trim()) {
                    g.inner.lock().map_err(|_| poisoned(&path))?.last = Some((t.timestamp(), seq));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(MsgIdError::Io { path, source }),
        }
        map.insert(
            key,
            (
                Arc::downgrade(&g.inner),
                Arc::downgrade(&g.writer),
                Arc::downgrade(&lock),
            ),
        );
        g._lock = Some(lock);
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
        let t = DateTime::from_timestamp(sec, 0).unwrap_or(now);
        let id = format!(
            "{}{}{:04}",
            self.institution,
            rxdesk_core::time::format_compact(t),
            seq
        );
        if let Some(path) = &self.high_water {
            g.reserve_seq = g.reserve_seq.max(hi);
            if g.reserved.is_none_or(|r| sec > r) {
                // Durable before the id is handed out: a crash after this
                // line cannot lead to the same id being issued again. Whole
                // seconds are reserved (the last id of the last one
                // recorded), this one and the next `ahead_s`, so the next
                // ids need no write.
                let through = reserve_through(
                    &self.writer,
                    path,
                    &self.institution,
                    sec + g.ahead_s,
                    g.reserve_seq,
                )?;
                g.reserved = Some(through);
                g.caller_writes += 1;
            }
            g.last_issued_at = now_s;
            let left = g.reserved.map_or(0, |r| r - now_s);
            if left < g.refresh_below_s {
                self.extender(&mut g).poke();
            }
        }
        g.last = Some((sec, seq));
        Ok(id)
    }

    /// Seconds reserved ahead by each write, and the threshold below which
    /// the background thread extends the reservation (tests shorten them;
    /// defaults [`RESERVE_AHEAD_S`], [`REFRESH_BELOW_S`]).
    pub fn with_reservation(self, ahead_s: i64, refresh_below_s: i64) -> Self {
        if let Ok(mut g) = self.inner.lock() {
            g.ahead_s = ahead_s.max(0);
            g.refresh_below_s = refresh_below_s.clamp(0, g.ahead_s);
        }
        self
    }

    /// High-water writes made on the callers' path so far by the generators
    /// of this file in this process (the others are the background thread's).
    pub fn caller_writes(&self) -> u64 {
        self.inner.lock().map_or(0, |g| g.caller_writes)
    }

    /// The background extender of this file, started on first use.
    fn extender(&self, g: &mut Inner) -> Arc<Extender> {
        if let Some(x) = &g.extender {
            return Arc::clone(x);
        }
        let x = Arc::new(Extender::default());
        g.extender = Some(Arc::clone(&x));
        let (inner, writer, lock, path, institution, signal) = (
            Arc::downgrade(&self.inner),
            Arc::downgrade(&self.writer),
            self._lock.as_ref().map(Arc::downgrade),
            self.high_water.clone(),
            self.institution.clone(),
            Arc::clone(&x),
        );
        let started = std::thread::Builder::new()
            .name("rxdesk-msgid-reserve".into())
            .spawn(move || {
                if let (Some(path), Some(lock)) = (path, lock) {
                    extend_loop(&inner, &writer, &lock, &path, &institution, &signal);
                }
            });
        if let Err(e) = started {
            // Then every reservation is written on the caller's path, as
            // before this thread existed.
            tracing::warn!(error = %e, "msgid reservation thread not started");
        }
        x
    }

    /// The next msgid now.
    pub fn next(&self) -> Result<String, MsgIdError> {
        self.next_at(Utc::now())
    }
}

/// The background extender: keeps the reservation at least
/// `refresh_below_s` seconds ahead of the clock while the generators are in
/// use; returns when they are gone.
fn extend_loop(
    inner: &Weak<Mutex<Inner>>,
    writer: &Weak<Mutex<FileWriter>>,
    lock: &Weak<std::fs::File>,
    path: &Path,
    institution: &str,
    signal: &Extender,
) {
    loop {
        {
            let Ok(mut s) = signal.state.lock() else {
                return;
            };
            if !s.0 && !s.1 {
                s = match signal
                    .signal
                    .wait_timeout(s, std::time::Duration::from_secs(1))
                {
                    Ok((s, _)) => s,
                    Err(_) => return,
                };
            }
            if s.1 {
                return;
            }
            s.0 = false;
        }
        // The file's lock is held for the whole iteration: a write never
        // lands after this process let another one take the file.
        let (Some(inner), Some(writer), Some(_lock)) =
            (inner.upgrade(), writer.upgrade(), lock.upgrade())
        else {
            return;
        };
        let now_s = Utc::now().timestamp();
        let plan = {
            let Ok(g) = inner.lock() else { return };
            let warm = now_s - g.last_issued_at <= KEEP_WARM_S;
            let left = g.reserved.map_or(0, |r| r - now_s);
            (warm && g.reserved.is_some() && left < g.refresh_below_s)
                .then(|| (now_s + g.ahead_s, g.reserve_seq))
        };
        if let Some((through, seq)) = plan {
            // The file first, then the in-memory mark (never the reverse):
            // no id of a second is handed out before the file reserves it.
            match reserve_through(&writer, path, institution, through, seq) {
                Ok(done) => {
                    if let Ok(mut g) = inner.lock() {
                        g.reserved = Some(g.reserved.map_or(done, |r| r.max(done)));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "msgid reservation not extended (the next id writes it)")
                }
            }
        }
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
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hw");
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        let a = MsgIdGenerator::with_high_water_file("P11010100001", &path)
            .unwrap()
            .with_reservation(0, 0);
        let first: Vec<String> = (0..5).map(|_| a.next_at(t).unwrap()).collect();
        drop(a);
        let b = MsgIdGenerator::with_high_water_file("P11010100001", &path).unwrap();
        let next = b.next_at(t).unwrap();
        assert!(!first.contains(&next));
        assert!(next > *first.last().unwrap());
        let c = MsgIdGenerator::new("P11010100001").unwrap();
        c.resume_after(&next);
        assert!(c.next_at(t).unwrap() > next);
    }

    #[test]
    fn one_write_reserves_a_whole_second_and_a_restart_starts_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hw");
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        // Nothing reserved ahead: the id's own second only.
        let a = MsgIdGenerator::with_high_water_file("P11010100001", &path)
            .unwrap()
            .with_reservation(0, 0);
        let first = a.next_at(t).unwrap();
        // The file reserves the rest of the second: its last id.
        let recorded = std::fs::read_to_string(&path).unwrap();
        assert_eq!(recorded, "P11010100001202611240400050399");
        // The next ids of the same second are not written again...
        std::fs::remove_file(&path).unwrap();
        let same_second: Vec<String> = (0..3).map(|_| a.next_at(t).unwrap()).collect();
        assert!(
            !path.exists(),
            "an id of a reserved second rewrote the file"
        );
        // ...a clock gone back stays in the reserved second, no write either...
        let back = a.next_at(t - Duration::seconds(3)).unwrap();
        assert!(!path.exists());
        assert!(back > *same_second.last().unwrap());
        // ...and the next second is reserved before its first id is issued.
        let later = a.next_at(t + Duration::seconds(1)).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "P11010100001202611240400060399"
        );
        drop(a);
        // A restart issues above everything issued, even in the same second.
        let b = MsgIdGenerator::with_high_water_file("P11010100001", &path).unwrap();
        let after = b.next_at(t).unwrap();
        for id in same_second.iter().chain([&first, &back, &later]) {
            assert!(after > *id, "{after} not above {id}");
        }
        assert_eq!(after, "P11010100001202611240400070000");
    }

    #[test]
    fn one_write_reserves_the_seconds_ahead_and_a_restart_starts_after_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hw");
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        // 30 seconds ahead; the background refresh off (fake clock here).
        let a = MsgIdGenerator::with_high_water_file("P11010100001", &path)
            .unwrap()
            .with_reservation(30, 0);
        let first = a.next_at(t).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "P11010100001202611240400350399",
            "the last id of second t + 30"
        );
        std::fs::remove_file(&path).unwrap();
        let mut issued = vec![first];
        for s in 1..=30 {
            issued.push(a.next_at(t + Duration::seconds(s)).unwrap());
        }
        assert!(!path.exists(), "an id of a reserved second wrote the file");
        assert_eq!(a.caller_writes(), 1);
        // Past the reservation: written before the id is handed out.
        issued.push(a.next_at(t + Duration::seconds(31)).unwrap());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "P11010100001202611240401060399"
        );
        assert_eq!(a.caller_writes(), 2);
        drop(a);
        // A restart, even at the first second again, issues above them all.
        let b = MsgIdGenerator::with_high_water_file("P11010100001", &path)
            .unwrap()
            .with_reservation(30, 0);
        let after = b.next_at(t).unwrap();
        for id in &issued {
            assert!(after > *id, "{after} not above {id}");
        }
        assert_eq!(after, "P11010100001202611240401070000");
    }

    #[test]
    fn the_background_thread_keeps_the_reservation_ahead_while_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hw");
        // Two seconds ahead, extended when fewer than two are left: the
        // thread has work every second.
        let a = MsgIdGenerator::with_high_water_file("P11010100001", &path)
            .unwrap()
            .with_reservation(2, 2);
        let first = a.next().unwrap();
        assert_eq!(a.caller_writes(), 1);
        let mut last = first.clone();
        let end = std::time::Instant::now() + std::time::Duration::from_millis(4_500);
        while std::time::Instant::now() < end {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let id = a.next().unwrap();
            assert!(id > last);
            last = id;
        }
        // Four seconds and more of ids, written by the thread ahead of them.
        assert_eq!(
            a.caller_writes(),
            1,
            "ids waited for a write the thread should have made"
        );
        let (_, reserved, _) = parse_msgid(std::fs::read_to_string(&path).unwrap().trim()).unwrap();
        let (_, last_t, _) = parse_msgid(&last).unwrap();
        assert!(reserved > last_t, "the file reserves beyond the last id");
    }

    #[test]
    fn an_old_high_water_file_is_honoured_and_rewritten_once() {
        // A file written before seconds were reserved records the last id
        // issued, not the end of its second: the next id must be written.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hw");
        std::fs::write(&path, "P11010100001202611240400050007").unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        let a = MsgIdGenerator::with_high_water_file("P11010100001", &path)
            .unwrap()
            .with_reservation(0, 0);
        assert_eq!(a.next_at(t).unwrap(), "P11010100001202611240400050008");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "P11010100001202611240400050399"
        );
    }

    #[test]
    fn a_high_water_file_serves_one_process_role_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let a = MsgIdGenerator::for_role("P11010100001", 1, IdRole::Cli, dir.path()).unwrap();
        // What another process gets: its own open file description finds the lock taken.
        let busy = lock_file_for(&dir.path().join(IdRole::Cli.high_water_file()));
        assert!(matches!(busy, Err(MsgIdError::Busy(_))), "{busy:?}");
        // Another role of the same counter has its own file.
        let d = MsgIdGenerator::for_role("P11010100001", 1, IdRole::Desk, dir.path()).unwrap();
        assert_ne!(a.sequence_range(), d.sequence_range());
        drop(a);
        assert!(lock_file_for(&dir.path().join(IdRole::Cli.high_water_file())).is_ok());
    }

    #[test]
    fn two_generators_of_one_process_on_one_file_share_their_clock() {
        let dir = tempfile::tempdir().unwrap();
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        let a = MsgIdGenerator::for_role("P11010100001", 2, IdRole::Desk, dir.path()).unwrap();
        let b = MsgIdGenerator::for_role("P11010100001", 2, IdRole::Desk, dir.path()).unwrap();
        let mut seen = HashSet::new();
        for _ in 0..50 {
            assert!(seen.insert(a.next_at(t).unwrap()));
            assert!(seen.insert(b.next_at(t).unwrap()));
        }
    }

    #[test]
    fn terminals_and_roles_never_share_a_serial() {
        let mut owner = std::collections::HashMap::new();
        for term in 0..=MAX_TERMINAL_NO {
            for role in IdRole::ALL {
                let (lo, hi) = serial_range(term, role).unwrap();
                assert!(lo <= hi && hi <= 9999);
                for s in lo..=hi {
                    assert!(owner.insert(s, (term, role)).is_none(), "serial {s} twice");
                    assert_eq!(u32::from(s / 1000), term);
                }
            }
        }
        assert_eq!(
            owner.len(),
            10_000,
            "the four roles of ten terminals tile 0000-9999"
        );
        assert!(matches!(
            serial_range(10, IdRole::Desk),
            Err(MsgIdError::BadTerminal(10))
        ));
    }

    #[test]
    fn two_counters_in_the_same_second_never_collide() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 5).unwrap();
        let mut seen = HashSet::new();
        for term in [1, 2] {
            for role in [IdRole::Desk, IdRole::Background, IdRole::Cli] {
                let g = MsgIdGenerator::new("P11010100001")
                    .unwrap()
                    .for_terminal(term, role)
                    .unwrap();
                // More ids than one second's range: the generator borrows
                // the next seconds, still inside its own range.
                for _ in 0..1_500 {
                    let id = g.next_at(t).unwrap();
                    assert_eq!(id.len(), 30);
                    assert_eq!(terminal_of(&id), Some(term));
                    let (lo, hi) = serial_range(term, role).unwrap();
                    let seq = parse_msgid(&id).unwrap().2;
                    assert!((lo..=hi).contains(&seq), "{id}");
                    assert!(seen.insert(id.clone()), "{id} issued twice");
                }
            }
        }
    }
}
