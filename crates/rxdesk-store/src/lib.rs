//! # rxdesk-store — the local ledger and the transactional outbox
//!
//! SQLite (rusqlite, bundled) holding operators, catalogue and stock,
//! prescriptions as downloaded, verdicts, audits, sales, settlements, refunds
//! and the upload outbox. Every state change that must reach the center writes
//! its outbox row in the same transaction as the change; the [`sync`] worker
//! drains the outbox through an [`sync::Uploader`] (the center client in the
//! app, an in-process fake in tests).
//!
//! Durability: WAL journal, `synchronous=FULL` (a committed sale survives a
//! power cut), foreign keys on, `quick_check` at open (a damaged file is
//! reported, never recreated), `SQLITE_FULL` reported as [`StoreError::DiskFull`].
//!
//! **Architecture invariant:** the only crate that opens the database.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auditlog;
pub mod catalogue;
pub mod chain;
mod chain_audit;
pub mod crashpoint;
mod csvread;
pub mod delivery_orders;
pub mod disputes;
mod durability;
pub mod error;
pub mod history;
pub mod inventory;
pub mod journal;
pub mod ledger;
pub mod listing;
pub mod money;
pub mod msgid;
pub mod operator_admin;
pub mod operators;
pub mod outbox;
pub mod protect;
pub mod province_prices;
pub mod reports;
pub mod schema;
pub mod sheet;
pub mod sync;
pub mod till;
pub mod timeline;
pub mod vault;

pub use catalogue::{
    CatalogueRow, ImportMode, ImportPhase, ImportProgress, ImportReport, StockBatchRow,
};
pub use error::{Result, StoreError};
pub use history::{SaleDetail, SaleLineRow, SaleSummaryRow};
pub use journal::{AttemptRow, AttemptState};
pub use money::{RefundRow, RefundStep, SalePayment, VisitRow};
pub use operators::{OperatorListing, Role, Session};
pub use outbox::{QueueStatus, UploadRow, UploadState};
pub use protect::{KeySource, Sealer};
pub use sheet::ImportFormat;
pub use till::{DayReport, DutyShift, TillMethodLine, TillShift, TillSummary};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// The first bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// An open ledger. Cheap to share behind an `Arc`; every method takes the
/// connection lock for the duration of one short transaction.
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
    sealer: Sealer,
    clock_offset_ms: AtomicI64,
    /// Commit numbering and the background WAL fsync of deferred commits
    /// (`write_deferred`, docs/decisions/0030); its `commits` is `commits()`.
    syncer: durability::Syncer,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or, when the file does not exist, creates) the ledger at `path`,
    /// with its key file `<path>.key` ([`KeySource::File`]).
    ///
    /// An existing file that is not a healthy SQLite database is reported as
    /// [`StoreError::Corrupt`] and left untouched.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_keyed(path, KeySource::File)
    }

    /// Opens (or creates) the ledger at `path` with its master key from
    /// `key`. A key that is not this ledger's is refused
    /// ([`StoreError::WrongKey`]) before anything is read or written with it.
    pub fn open_keyed(path: impl AsRef<Path>, key: KeySource) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let corrupt = |detail: String| StoreError::Corrupt {
            path: path.clone(),
            detail,
        };
        let existed = path.exists();
        if existed {
            check_header(&path).map_err(&corrupt)?;
        } else if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                action: "create ledger directory",
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if !existed {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let with_path = |e: StoreError| match e {
            StoreError::Corrupt { detail, .. } => corrupt(detail),
            other => other,
        };
        let mut conn = Connection::open_with_flags(&path, flags)
            .map_err(StoreError::sql("open ledger"))
            .map_err(with_path)?;
        // Owner-only before the first write: the -wal/-shm files SQLite
        // creates take the database file's mode.
        protect::restrict_ledger_files(&path)?;
        configure(&conn).map_err(with_path)?;
        if existed {
            let verdict: String = conn
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(StoreError::sql("check ledger integrity"))
                .map_err(with_path)?;
            if verdict != "ok" {
                return Err(corrupt(format!("quick_check: {verdict}")));
            }
        }
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(StoreError::sql("read schema version"))
            .map_err(with_path)?;
        if version > schema::LATEST_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: version,
                supported: schema::LATEST_VERSION,
            });
        }
        schema::migrations()
            .to_latest(&mut conn)
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let sealer = match &key {
            KeySource::File => Sealer::load_or_create(&protect::key_path_for(&path), !existed)?,
            KeySource::Held(master) => Sealer::from_master(master),
        };
        match get_meta(&conn, "key_check")? {
            Some(v) if v != sealer.key_check() => {
                return Err(StoreError::WrongKey {
                    path: path.clone(),
                    source_kind: match key {
                        KeySource::File => "key file",
                        KeySource::Held(_) => "credential vault",
                    },
                })
            }
            Some(_) => {}
            None => set_meta(&conn, "key_check", &sealer.key_check())?,
        }
        protect::restrict_ledger_files(&path)?;
        {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::sql("convert personal data at rest"))?;
            let n = protect::convert_legacy_rows(&tx, &sealer)?;
            tx.commit()
                .map_err(StoreError::sql("convert personal data at rest"))?;
            if n > 0 {
                tracing::info!(
                    rows = n,
                    "personal data at rest sealed/redacted (schema V8)"
                );
            }
        }
        // The key is this ledger's: start the thread that prepares the
        // keystream of the next large seal (docs/decisions/0027); it stops
        // when the store is dropped.
        let sealer = sealer.with_prepared_keystream(protect::PREPARED_KEYSTREAM);
        let syncer = durability::Syncer::new(path.clone(), wal_path_of(&path));
        Ok(Self {
            conn: Mutex::new(conn),
            path,
            sealer,
            clock_offset_ms: AtomicI64::new(0),
            syncer,
        })
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sealer (for services that must open sealed fields they read).
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Now, in Unix milliseconds (wall clock plus any test offset).
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.clock_offset_ms.load(Ordering::Relaxed)
    }

    /// Moves this store's clock forward (tests of lockout expiry and backoff).
    #[doc(hidden)]
    pub fn advance_clock(&self, ms: i64) {
        self.clock_offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done transaction
        // (rusqlite rolls back on drop), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in an IMMEDIATE transaction and commits it.
    pub(crate) fn write<T>(
        &self,
        action: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let out = commit_immediate(&mut self.lock(), action, f)?;
        // Its fsync covers every frame written before it: deferred commits
        // included.
        self.syncer.shared.full_commit();
        Ok(out)
    }

    /// Like [`Store::write`], but the commit's fsync is deferred: the
    /// transaction is committed with `synchronous=NORMAL` (atomic, and it
    /// survives the process being killed) and the WAL is fsynced right after
    /// by the store's background thread, off the caller's path; any later
    /// `FULL` commit also makes it durable (docs/decisions/0030). Only for
    /// records nothing money-bearing has happened on yet, whose dependent
    /// steps start with a `FULL` commit or [`Store::ensure_durable`].
    /// `approx_bytes`: about how much the transaction writes (its large
    /// values), for the background checkpoint's pace.
    pub(crate) fn write_deferred<T>(
        &self,
        action: &'static str,
        approx_bytes: usize,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let background = self.syncer.ensure_started();
        let mut conn = self.lock();
        // No fsync, and no automatic checkpoint (its fsyncs) on this commit:
        // the syncer does both right after, off the caller's path.
        let autocheckpoint: i64 = conn
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .map_err(StoreError::sql("read wal_autocheckpoint"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(StoreError::sql("set synchronous=NORMAL"))?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(StoreError::sql("set wal_autocheckpoint"))?;
        let out = commit_immediate(&mut conn, action, f);
        // Committed: counted as not durable before anything else can fail.
        if out.is_ok() {
            self.syncer.shared.deferred_commit(approx_bytes);
        }
        // Back to FULL whatever happened: every other commit is synced.
        let restored = conn
            .pragma_update(None, "synchronous", "FULL")
            .and_then(|()| conn.pragma_update(None, "wal_autocheckpoint", autocheckpoint))
            .map_err(StoreError::sql("set synchronous=FULL"));
        let out = out?;
        restored?;
        drop(conn);
        if !background {
            self.ensure_durable()?;
        }
        Ok(out)
    }

    /// Makes every deferred commit durable now (fsync of the WAL) unless it
    /// is already: for a step that depends on a record written with a
    /// deferred commit. Cheap when there is nothing to sync.
    pub fn ensure_durable(&self) -> Result<()> {
        self.syncer.shared.sync().map_err(|source| StoreError::Io {
            action: "sync the ledger's WAL",
            path: wal_path_of(&self.path),
            source,
        })
    }

    /// Whether every commit made through this handle is durable (false
    /// between a deferred commit and its fsync).
    pub fn is_durable(&self) -> bool {
        self.syncer.shared.is_durable()
    }

    /// Checkpoints the background thread made (decision 0030).
    pub fn background_checkpoints(&self) -> i64 {
        self.syncer.shared.checkpoints()
    }

    /// Deferred commits made through this handle so far.
    pub fn deferred_commits(&self) -> i64 {
        self.syncer.shared.deferred_count()
    }

    /// fsyncs made for deferred commits so far (tests, the bench).
    pub fn deferred_syncs(&self) -> i64 {
        self.syncer.shared.syncs()
    }

    /// Test hook: while held, the background thread leaves deferred commits
    /// unsynced (so a test can show which step makes them durable).
    #[doc(hidden)]
    pub fn hold_background_sync(&self, held: bool) {
        self.syncer.shared.set_held(held);
    }

    /// Write transactions committed through this handle so far (each one
    /// WAL commit, so one fsync under `synchronous=FULL`): lets tests check
    /// how many commits a path costs.
    pub fn commits(&self) -> i64 {
        self.syncer.shared.commits.load(Ordering::SeqCst)
    }

    /// Runs a read-only closure on the connection.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.lock();
        f(&conn)
    }

    /// Sets the 12-character institution code (`fixmedins_code`) and name
    /// used in msgids and payloads.
    pub fn set_institution(&self, code: &str, name: &str) -> Result<()> {
        if !msgid::valid_institution_code(code) {
            return Err(StoreError::Invalid(format!(
                "institution code must be 12 letters or digits, got {code:?}"
            )));
        }
        self.write("set institution", |tx| {
            set_meta(tx, "fixmedins_code", code)?;
            set_meta(tx, "fixmedins_name", name)
        })
    }

    /// Sets this counter's terminal number (0–9, unique within the
    /// pharmacy): the first digit of the serial of every msgid and 零售单据号
    /// this ledger issues (docs/protocol.md, "msgid layout").
    pub fn set_terminal_no(&self, terminal_no: u32) -> Result<()> {
        if terminal_no > msgid::MAX_TERMINAL_NO {
            return Err(StoreError::Invalid(format!(
                "终端号必须为 0–{} / terminal number must be 0–{}, got {terminal_no}",
                msgid::MAX_TERMINAL_NO,
                msgid::MAX_TERMINAL_NO
            )));
        }
        self.write("set terminal number", |tx| {
            set_meta(tx, "terminal_no", &terminal_no.to_string())
        })
    }

    /// This counter's terminal number (0 until one is set).
    pub fn terminal_no(&self) -> Result<u32> {
        self.read(|c| get_meta(c, "terminal_no"))
            .map(|t| t.and_then(|t| t.parse().ok()).unwrap_or(0))
    }

    /// The configured institution code, if any.
    pub fn institution(&self) -> Result<Option<String>> {
        self.read(|c| get_meta(c, "fixmedins_code"))
    }

    /// Caps the ledger at `pages` pages of this connection's page size
    /// (SQLite `max_page_count`): writes beyond fail with
    /// [`StoreError::DiskFull`] and leave the ledger intact.
    pub fn set_max_page_count(&self, pages: u64) -> Result<u64> {
        self.read(|c| {
            c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as u64)
            .map_err(StoreError::sql("set max_page_count"))
        })
    }

    /// Full `PRAGMA integrity_check`; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let rows: Vec<String> = self.read(|c| {
            let mut st = c
                .prepare("PRAGMA integrity_check")
                .map_err(StoreError::sql("integrity check"))?;
            let rows = st
                .query_map([], |r| r.get(0))
                .map_err(StoreError::sql("integrity check"))?
                .collect::<std::result::Result<_, _>>()
                .map_err(StoreError::sql("integrity check"));
            rows
        })?;
        if rows.len() == 1 && rows[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.clone(),
                detail: rows.join("; "),
            })
        }
    }

    /// Copies the live ledger to `dest` with SQLite's online backup API
    /// (consistent even while the app keeps writing). The key file is NOT
    /// copied: see [`Store::backup_key_to`].
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Invalid(format!(
                "backup target {} exists; choose a new file",
                dest.display()
            )));
        }
        let conn = self.lock();
        conn.backup(rusqlite::MAIN_DB, dest, None)
            .map_err(StoreError::sql("back up ledger"))?;
        drop(conn);
        // The copy is a plain rollback-journal file; check it before saying done.
        let copy = Connection::open_with_flags(dest, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(StoreError::sql("open backup copy"))?;
        let verdict: String = copy
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(StoreError::sql("check backup copy"))?;
        if verdict != "ok" {
            return Err(StoreError::Corrupt {
                path: dest.to_path_buf(),
                detail: verdict,
            });
        }
        Ok(())
    }

    /// Copies the key file to `dest` (mode 0600). Keep it apart from the
    /// database backup: together they reveal the patients' data.
    pub fn backup_key_to(&self, dest: &Path) -> Result<()> {
        let src = protect::key_path_for(&self.path);
        let bytes = std::fs::read(&src).map_err(|source| StoreError::Io {
            action: "read key file",
            path: src.clone(),
            source,
        })?;
        let io = |source| StoreError::Io {
            action: "write key backup",
            path: dest.to_path_buf(),
            source,
        };
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        use std::io::Write;
        let mut f = opts.open(dest).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        f.sync_all().map_err(io)
    }

    /// Issues the next msgid inside `tx` (persisting the sequence with it).
    pub(crate) fn next_msgid(&self, tx: &Transaction<'_>) -> Result<String> {
        let code = get_meta(tx, "fixmedins_code")?.ok_or(StoreError::NoInstitution)?;
        let (stamp, seq): (String, u32) = tx
            .query_row("SELECT stamp, seq FROM msgid_seq WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(StoreError::sql("read msgid sequence"))?;
        let terminal = get_meta(tx, "terminal_no")?
            .and_then(|t| t.parse::<u32>().ok())
            .unwrap_or(0);
        let now = chrono::DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default();
        let (stamp, seq) = msgid::next_stamp_seq_in(
            &stamp,
            seq,
            &rxdesk_core::time::format_compact(now),
            msgid::outbox_range(terminal),
        );
        tx.execute(
            "UPDATE msgid_seq SET stamp = ?1, seq = ?2 WHERE id = 1",
            rusqlite::params![stamp, seq],
        )
        .map_err(StoreError::sql("advance msgid sequence"))?;
        Ok(msgid::format_msgid(&code, &stamp, seq))
    }
}

fn check_header(path: &Path) -> std::result::Result<(), String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let wal = {
        let mut p = path.as_os_str().to_os_string();
        p.push("-wal");
        PathBuf::from(p)
    };
    if len == 0 {
        if wal.exists() && std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0 {
            // Committed pages not yet checkpointed: SQLite replays the WAL.
            return Ok(());
        }
        return Err("the file is empty".into());
    }
    let mut head = [0u8; 16];
    f.read_exact(&mut head)
        .map_err(|_| format!("only {len} bytes, shorter than a SQLite header"))?;
    if &head != SQLITE_MAGIC {
        return Err("not a SQLite database (bad header)".into());
    }
    Ok(())
}

/// Runs `f` in an IMMEDIATE transaction on `conn` and commits it (with the
/// connection's current `synchronous` setting).
fn commit_immediate<T>(
    conn: &mut Connection,
    action: &'static str,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::sql(action))?;
    let out = f(&tx)?;
    // `store.commit`: the WAL commit and its fsync, timed by the scan bench
    // (`RXDESK_BENCH_STAGES`); free when nothing subscribes.
    tracing::debug_span!("store.commit", action)
        .in_scope(|| tx.commit())
        .map_err(StoreError::sql(action))?;
    Ok(out)
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(StoreError::sql("set busy timeout"))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(StoreError::sql("enable WAL"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Invalid(format!(
            "the ledger's file system does not support WAL (journal_mode={mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(StoreError::sql("set synchronous=FULL"))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(StoreError::sql("enable foreign keys"))?;
    // SQLite's own page cache, per connection: [`PAGE_CACHE_KIB`] instead of
    // the default 2,000 KiB, which the start-up integrity check fills (it
    // reads every page) and the counter then holds all day. Reads beyond it
    // come from the OS's file cache (decision 0028).
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)
        .map_err(StoreError::sql("set cache_size"))?;
    Ok(())
}

/// The WAL file SQLite keeps beside the ledger.
fn wal_path_of(ledger: &Path) -> PathBuf {
    let mut p = ledger.as_os_str().to_os_string();
    p.push("-wal");
    PathBuf::from(p)
}

/// SQLite's page cache per ledger connection, KiB (see `configure`).
pub const PAGE_CACHE_KIB: i64 = 1024;

pub(crate) fn get_meta(c: &Connection, key: &str) -> Result<Option<String>> {
    c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(StoreError::sql("read setting"))
}

pub(crate) fn set_meta(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
    .map_err(StoreError::sql("write setting"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_with_wal_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("a/ledger.sqlite3")).unwrap();
        store
            .read(|c| {
                let mode: String = c
                    .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                    .unwrap();
                let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
                let fk: i64 = c
                    .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
                    .unwrap();
                let ver: i64 = c
                    .query_row("PRAGMA user_version", [], |r| r.get(0))
                    .unwrap();
                let cache: i64 = c.query_row("PRAGMA cache_size", [], |r| r.get(0)).unwrap();
                assert_eq!(cache, -PAGE_CACHE_KIB, "page cache in KiB");
                assert_eq!(
                    (mode.as_str(), sync, fk, ver),
                    ("wal", 2, 1, schema::LATEST_VERSION)
                );
                Ok(())
            })
            .unwrap();
        drop(store);
        // Re-open: same key, schema kept.
        Store::open(dir.path().join("a/ledger.sqlite3")).unwrap();
    }

    #[test]
    fn msgids_persist_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l.sqlite3");
        let s = Store::open(&p).unwrap();
        assert!(matches!(
            s.write("t", |tx| s.next_msgid(tx)),
            Err(StoreError::NoInstitution)
        ));
        assert!(s.set_institution("bad", "x").is_err());
        s.set_institution("H44030500001", "测试药房").unwrap();
        let a = s.write("t", |tx| s.next_msgid(tx)).unwrap();
        drop(s);
        let s = Store::open(&p).unwrap();
        // Even with the clock an hour behind, the next id is larger.
        s.advance_clock(-3_600_000);
        let b = s.write("t", |tx| s.next_msgid(tx)).unwrap();
        assert!(b > a, "{b} > {a}");
        assert!(a.starts_with("H44030500001") && a.len() == 30);
    }

    #[test]
    fn a_held_key_writes_no_key_file_and_a_wrong_key_is_refused_before_any_write() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l.sqlite3");
        let key = [0x5a; 32];
        let s = Store::open_keyed(&p, KeySource::Held(key)).unwrap();
        s.set_institution("H44030500001", "测试药房").unwrap();
        let sealed = s.sealer().seal_field("110101199003078888");
        drop(s);
        assert!(!protect::key_path_for(&p).exists(), "no key file in clear");
        let before = std::fs::read(&p).unwrap();
        // Another key (a vault or key file of another ledger) is refused.
        let e = Store::open_keyed(&p, KeySource::Held([0x5b; 32])).unwrap_err();
        assert!(matches!(e, StoreError::WrongKey { .. }), "{e}");
        assert!(e.to_string().contains("账本密钥不匹配"), "{e}");
        // So is a key file that appeared beside it with a fresh key.
        std::fs::write(protect::key_path_for(&p), [0x5c; 32]).unwrap();
        protect::restrict_file(&protect::key_path_for(&p)).unwrap();
        assert!(matches!(
            Store::open(&p).unwrap_err(),
            StoreError::WrongKey { .. }
        ));
        std::fs::remove_file(protect::key_path_for(&p)).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), before, "nothing was written");
        // The right key reads what it sealed.
        let s = Store::open_keyed(&p, KeySource::Held(key)).unwrap();
        assert_eq!(
            s.sealer().open_field(&sealed).unwrap(),
            "110101199003078888"
        );
    }

    #[test]
    fn a_key_file_ledger_records_its_key_check_and_keeps_opening() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l.sqlite3");
        drop(Store::open(&p).unwrap());
        let master = protect::read_key_file(&protect::key_path_for(&p))
            .unwrap()
            .unwrap();
        // The key file's key, handed over as held (what the move into the
        // vault does), opens the same ledger.
        drop(Store::open_keyed(&p, KeySource::Held(master)).unwrap());
        drop(Store::open(&p).unwrap());
    }
}
