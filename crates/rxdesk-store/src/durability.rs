//! Deferred durability: a commit whose fsync is done just after it, off the
//! caller's path, and which every later `synchronous=FULL` commit of the same
//! ledger makes durable too (docs/decisions/0030).
//!
//! Why: on the scan path the one WAL fsync of the prescription's commit was
//! the p95 tail (≈ 7.5 ms on this VM's disk against a 1 ms median commit).
//! A deferred commit is written to the WAL with `synchronous=NORMAL` (atomic
//! and consistent; it survives the process being killed, since its pages are
//! in the OS's cache; only a power cut or an OS crash before the fsync can roll
//! it back), then a background thread fsyncs the WAL file — the same fsync a
//! `FULL` commit makes, a moment later. The WAL is append-only between
//! checkpoints and a checkpoint syncs it before copying it, so any later
//! `FULL` commit (its fsync covers every frame written before it) or
//! checkpoint also makes the deferred commit durable. Every step that depends
//! on a deferred record (the audit, dispensing, settlement) starts with a
//! `FULL` commit, and [`crate::Store::ensure_durable`] makes it explicit.
//!
//! A deferred commit never runs SQLite's automatic checkpoint on the
//! caller's path (it is turned off for that commit): the syncer checkpoints
//! (`PASSIVE`, on a connection of its own) once the deferred commits since
//! its last checkpoint wrote about [`CHECKPOINT_WAL_BYTES`], after its fsync.
//! (Not by the WAL file's size: SQLite reuses the file from its start after
//! a checkpoint without shrinking it, so a size test would checkpoint after
//! every commit.)
//!
//! Bookkeeping: commits are numbered in commit order (under the connection
//! lock); `durable` is the highest number known durable — set by a `FULL`
//! commit to its own number, by a sync to the number read *before* its fsync
//! began (every commit counted then had written its frames).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// Bytes of deferred commits after which the syncer checkpoints: SQLite's
/// own automatic checkpoint threshold (1,000 pages of 4 KiB).
pub(crate) const CHECKPOINT_WAL_BYTES: u64 = 1000 * 4096;

/// What the background syncer and the store share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The ledger's WAL file (`<ledger>-wal`).
    wal: PathBuf,
    /// Commits completed (the store's `commits`).
    pub(crate) commits: AtomicI64,
    /// Highest commit number known durable.
    durable: AtomicI64,
    /// Number of the last deferred commit (0: none yet).
    deferred: AtomicI64,
    /// Serialises fsyncs (the syncer's and `ensure_durable`'s).
    sync_lock: Mutex<()>,
    /// The ledger file (for the syncer's checkpoint connection).
    ledger: PathBuf,
    /// Checkpoints the syncer made.
    checkpoints: AtomicI64,
    /// Approximate bytes written by deferred commits since the syncer's
    /// last checkpoint.
    unchecked_bytes: AtomicI64,
    /// Wakes the syncer: (work pending, stop).
    wake: Mutex<(bool, bool)>,
    signal: Condvar,
    /// Test hook: the syncer leaves deferred commits alone while set.
    held: AtomicBool,
    /// fsyncs made for deferred commits (background and on demand).
    syncs: AtomicI64,
    /// Deferred commits made.
    deferred_count: AtomicI64,
}

impl Shared {
    pub(crate) fn new(ledger: PathBuf, wal: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            wal,
            ledger,
            checkpoints: AtomicI64::new(0),
            unchecked_bytes: AtomicI64::new(0),
            commits: AtomicI64::new(0),
            durable: AtomicI64::new(0),
            deferred: AtomicI64::new(0),
            sync_lock: Mutex::new(()),
            wake: Mutex::new((false, false)),
            signal: Condvar::new(),
            held: AtomicBool::new(false),
            syncs: AtomicI64::new(0),
            deferred_count: AtomicI64::new(0),
        })
    }

    /// A `FULL` commit numbered `n` completed: it and everything before it
    /// are durable. Call under the connection lock, right after the commit.
    pub(crate) fn full_commit(&self) -> i64 {
        let n = self.commits.fetch_add(1, Ordering::SeqCst) + 1;
        self.durable.fetch_max(n, Ordering::SeqCst);
        n
    }

    /// A deferred commit completed (under the connection lock): numbered,
    /// recorded as pending, the syncer woken.
    pub(crate) fn deferred_commit(&self, approx_bytes: usize) -> i64 {
        self.unchecked_bytes.fetch_add(
            i64::try_from(approx_bytes).unwrap_or(i64::MAX / 2),
            Ordering::Relaxed,
        );
        let n = self.commits.fetch_add(1, Ordering::SeqCst) + 1;
        self.deferred.fetch_max(n, Ordering::SeqCst);
        self.deferred_count.fetch_add(1, Ordering::Relaxed);
        let mut w = self.wake.lock().unwrap_or_else(|p| p.into_inner());
        w.0 = true;
        self.signal.notify_one();
        n
    }

    /// Whether every deferred commit is durable.
    pub(crate) fn is_durable(&self) -> bool {
        self.durable.load(Ordering::SeqCst) >= self.deferred.load(Ordering::SeqCst)
    }

    /// fsyncs the WAL unless everything is durable already.
    pub(crate) fn sync(&self) -> std::io::Result<()> {
        let _one = self.sync_lock.lock().unwrap_or_else(|p| p.into_inner());
        if self.is_durable() {
            return Ok(());
        }
        // Every commit counted here has written its WAL frames (the count is
        // raised after the commit returns): the fsync below covers them.
        let target = self.commits.load(Ordering::SeqCst);
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.wal)
        {
            // fsync applies to the file, whichever descriptor asks for it
            // (Windows: FlushFileBuffers on a handle with write access).
            Ok(f) => f.sync_data()?,
            // No WAL: SQLite removed it after a checkpoint that synced the
            // database file, so the frames are durable there.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        self.syncs.fetch_add(1, Ordering::Relaxed);
        self.durable.fetch_max(target, Ordering::SeqCst);
        Ok(())
    }

    pub(crate) fn set_held(&self, held: bool) {
        self.held.store(held, Ordering::SeqCst);
        let mut w = self.wake.lock().unwrap_or_else(|p| p.into_inner());
        w.0 = true;
        self.signal.notify_one();
    }

    pub(crate) fn checkpoints(&self) -> i64 {
        self.checkpoints.load(Ordering::Relaxed)
    }

    /// A `PASSIVE` checkpoint on `conn` (opened on first use) once the
    /// deferred commits since the last one wrote [`CHECKPOINT_WAL_BYTES`];
    /// never blocks the writer.
    fn checkpoint_if_large(&self, conn: &mut Option<rusqlite::Connection>) {
        let written = self.unchecked_bytes.load(Ordering::Relaxed);
        if written < CHECKPOINT_WAL_BYTES as i64 {
            return;
        }
        self.unchecked_bytes.fetch_sub(written, Ordering::Relaxed);
        if conn.is_none() {
            let opened = rusqlite::Connection::open_with_flags(
                &self.ledger,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .and_then(|c| {
                c.busy_timeout(std::time::Duration::from_millis(100))?;
                c.pragma_update(None, "synchronous", "FULL")?;
                Ok(c)
            });
            match opened {
                Ok(c) => *conn = Some(c),
                Err(e) => {
                    tracing::warn!(error = %e, "checkpoint connection not opened (the next FULL commit checkpoints)");
                    return;
                }
            }
        }
        if let Some(c) = conn.as_ref() {
            match c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0)) {
                Ok(_) => {
                    self.checkpoints.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "background checkpoint failed (the next FULL commit checkpoints)")
                }
            }
        }
    }

    pub(crate) fn deferred_count(&self) -> i64 {
        self.deferred_count.load(Ordering::Relaxed)
    }

    pub(crate) fn syncs(&self) -> i64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// The syncer's loop: waits for a deferred commit, fsyncs, repeats;
    /// on stop, syncs what is pending (a clean close leaves nothing
    /// undurable) and returns.
    fn run(&self) {
        let mut checkpointer = None;
        loop {
            let stop = {
                let mut w = self.wake.lock().unwrap_or_else(|p| p.into_inner());
                while !w.0 && !w.1 {
                    w = self.signal.wait(w).unwrap_or_else(|p| p.into_inner());
                }
                w.0 = false;
                w.1
            };
            if stop || !self.held.load(Ordering::SeqCst) {
                if let Err(e) = self.sync() {
                    tracing::error!(error = %e, wal = %self.wal.display(), "deferred commit not synced (the next FULL commit syncs it)");
                }
                if !stop {
                    self.checkpoint_if_large(&mut checkpointer);
                }
            }
            if stop {
                return;
            }
        }
    }
}

/// The background syncer of one store: started at its first deferred commit,
/// stopped (after a last sync) when the store is dropped.
#[derive(Debug)]
pub(crate) struct Syncer {
    pub(crate) shared: Arc<Shared>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Syncer {
    pub(crate) fn new(ledger: PathBuf, wal: PathBuf) -> Self {
        Self {
            shared: Shared::new(ledger, wal),
            thread: Mutex::new(None),
        }
    }

    /// Starts the thread if it is not running; false if it cannot start
    /// (then deferred commits are synced on the caller's thread).
    pub(crate) fn ensure_started(&self) -> bool {
        let mut t = self.thread.lock().unwrap_or_else(|p| p.into_inner());
        if t.is_some() {
            return true;
        }
        let shared = Arc::clone(&self.shared);
        match std::thread::Builder::new()
            .name("rxdesk-wal-sync".into())
            .spawn(move || shared.run())
        {
            Ok(h) => {
                *t = Some(h);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "WAL sync thread not started: deferred commits synced inline");
                false
            }
        }
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        let handle = self
            .thread
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = handle {
            {
                let mut w = self.shared.wake.lock().unwrap_or_else(|p| p.into_inner());
                w.1 = true;
                self.shared.signal.notify_one();
            }
            let _ = h.join();
        } else if let Err(e) = self.shared.sync() {
            tracing::error!(error = %e, "deferred commit not synced at close");
        }
    }
}
