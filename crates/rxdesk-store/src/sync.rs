//! The sync worker: drains the outbox to the center.
//!
//! - **Order**: only the head (lowest id) of each chain is eligible, so a
//!   prescription's audit goes before its write-off and a sale before its
//!   reversal; different chains go in parallel, at most `max_parallel` at once.
//! - **Classification** (from the [`Uploader`]): accepted → done;
//!   rejected → needs attention (never retried by itself); transient →
//!   retried after an exponential backoff with jitter; uncertain → resolved
//!   (query / 冲正 by the uploader) before anything is resent.
//! - **Connectivity**: after `offline_after` consecutive transport failures
//!   the worker stops sending and probes every `probe_interval`; when the
//!   center answers it pulls every backing-off row forward and resumes.
//! - **Crash safety**: a row is marked `sending` (committed, fsynced) before
//!   the request leaves; at start, rows still `sending` become `uncertain`.
//!   Only one worker per ledger (an exclusive lock on `<ledger>.sync.lock`).
//! - **Pipelining** (docs/decisions/0024-outbox-claim-ahead.md): the ledger
//!   work (outcomes + next claims, one transaction) runs in the worker while
//!   `max_parallel` sender slots send; rows are claimed up to
//!   [`CLAIM_AHEAD`] per slot ahead, so a slot takes its next request as soon
//!   as it has an answer. A claimed row that never left (stop, offline) is
//!   given back as `Unsent`; after a crash it is `uncertain` like any
//!   `sending` row.
//! - **Status**: a [`QueueStatus`] snapshot is published through a
//!   `tokio::sync::watch` channel after changes (at most every 200 ms).

use crate::error::{Result, StoreError};
use crate::outbox::{Completion, QueueStatus, UploadRequest};
use crate::Store;
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinSet;

/// What the center said to a send.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// Applied; the center's output.
    Accepted(Value),
    /// Refused with a business error; resending the same message cannot help.
    Rejected {
        /// Center's code.
        code: String,
        /// Center's message.
        message: String,
    },
    /// Certainly not applied (refused before processing, 5xx with no effect,
    /// connection refused): safe to resend.
    Transient(String),
    /// May or may not have been applied (timeout, reset after sending,
    /// garbled answer).
    Uncertain(String),
}

/// What resolving an uncertain row found.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// The center has applied it; its output.
    Applied(Value),
    /// The center has no effect of it (never arrived, or reversed by 2601):
    /// resend with the same msgid.
    NotApplied,
    /// The center had refused it.
    Rejected {
        /// Center's code.
        code: String,
        /// Center's message.
        message: String,
    },
    /// Could not find out now (still offline…): try again later.
    Unknown(String),
}

/// The center as the worker sees it. The app implements it over
/// `rxdesk-center`; tests use an in-process fake.
pub trait Uploader: Send + Sync + 'static {
    /// Sends a row (its `msgid` and `payload`) and classifies the answer.
    fn send(&self, req: &UploadRequest) -> impl Future<Output = SendOutcome> + Send;
    /// Finds out whether an uncertain row was applied (query by msgid, or
    /// 冲正 2601 with `omsgid`), without applying it a second time.
    fn resolve(&self, req: &UploadRequest) -> impl Future<Output = Resolution> + Send;
    /// A cheap call that succeeds when the center is reachable.
    fn probe(&self) -> impl Future<Output = bool> + Send;
}

/// Worker tuning.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Chains sent in parallel.
    pub max_parallel: usize,
    /// First retry delay.
    pub base_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
    /// Probe period while offline.
    pub probe_interval: Duration,
    /// Consecutive transport failures that mean "offline".
    pub offline_after: u32,
    /// Longest sleep before looking at the outbox again (rows written by
    /// another handle are noticed within this).
    pub idle_poll: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            max_parallel: 8,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            probe_interval: Duration::from_secs(2),
            offline_after: 3,
            idle_poll: Duration::from_millis(500),
        }
    }
}

/// Delay before attempt `attempts + 1`: exponential, capped, with "equal
/// jitter" (half fixed, half random) so counters that went offline together
/// do not all come back in the same millisecond. `jitter` is in `[0, 1)`.
pub fn backoff_delay(attempts: i64, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exp = attempts.clamp(0, 30) as u32;
    let raw = base.saturating_mul(1u32 << exp.min(20)).min(max);
    let half = raw / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

fn jitter() -> f64 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}

/// Handle of a running worker.
#[derive(Debug)]
pub struct SyncHandle {
    status: watch::Receiver<QueueStatus>,
    wake: Arc<Notify>,
    shutdown: watch::Sender<bool>,
    join: tokio::task::JoinHandle<Result<()>>,
}

impl SyncHandle {
    /// The status channel (UI events).
    pub fn status(&self) -> watch::Receiver<QueueStatus> {
        self.status.clone()
    }
    /// Look at the outbox now (call after recording a sale).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
    /// Stops after the requests in flight are answered and recorded.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.shutdown.send(true);
        self.wake.notify_one();
        self.join
            .await
            .map_err(|e| StoreError::Invalid(format!("sync worker panicked: {e}")))?
    }
}

enum Finished {
    /// The center answered (accepted / rejected / not-applied).
    Answered { error: Option<String> },
    /// Transport trouble.
    Failed(String),
}

struct Task {
    id: i64,
    completion: Completion,
    finished: Finished,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Invalid(format!("ledger task failed: {e}")))?
}

async fn process<U: Uploader>(
    up: Arc<U>,
    cfg: SyncConfig,
    req: UploadRequest,
    now_ms: i64,
) -> Task {
    let delay = backoff_delay(req.attempts, cfg.base_backoff, cfg.max_backoff, jitter());
    let retry_at = now_ms + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 4);
    let (completion, finished) = if req.resolve {
        crate::crashpoint!("upload_before_resolve");
        let resolution = up.resolve(&req).await;
        crate::crashpoint!("upload_after_resolve_before_record");
        match resolution {
            Resolution::Applied(ack) => (
                Completion::ResolvedApplied(ack),
                Finished::Answered { error: None },
            ),
            Resolution::NotApplied => (Completion::NotApplied, Finished::Answered { error: None }),
            Resolution::Rejected { code, message } => {
                let e = format!("{} rejected {code}: {message}", req.msgid);
                (
                    Completion::Rejected { code, message },
                    Finished::Answered { error: Some(e) },
                )
            }
            Resolution::Unknown(error) => (
                Completion::StillUnknown {
                    error: error.clone(),
                    retry_at,
                },
                Finished::Failed(format!("{} unresolved: {error}", req.msgid)),
            ),
        }
    } else {
        crate::crashpoint!("upload_before_send");
        let sent = up.send(&req).await;
        crate::crashpoint!("upload_after_send_before_record");
        match sent {
            SendOutcome::Accepted(ack) => {
                (Completion::Done(ack), Finished::Answered { error: None })
            }
            SendOutcome::Rejected { code, message } => {
                let e = format!("{} rejected {code}: {message}", req.msgid);
                (
                    Completion::Rejected { code, message },
                    Finished::Answered { error: Some(e) },
                )
            }
            SendOutcome::Transient(error) => (
                Completion::Transient {
                    error: error.clone(),
                    retry_at,
                },
                Finished::Failed(format!("{} transient: {error}", req.msgid)),
            ),
            SendOutcome::Uncertain(error) => (
                // Resolve soon: the first resolution attempt need not wait long.
                Completion::Uncertain {
                    error: error.clone(),
                    retry_at: now_ms + i64::try_from(cfg.base_backoff.as_millis()).unwrap_or(0),
                },
                Finished::Failed(format!("{} uncertain: {error}", req.msgid)),
            ),
        }
    };
    Task {
        id: req.id,
        completion,
        finished,
    }
}

/// Exclusive lock that makes this process the ledger's only sync worker.
struct WorkerLock {
    _file: std::fs::File,
}

fn lock_worker(store: &Store) -> Result<WorkerLock> {
    let mut p = store.path().as_os_str().to_os_string();
    p.push(".sync.lock");
    let path = PathBuf::from(p);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| StoreError::Io {
            action: "open sync lock",
            path: path.clone(),
            source,
        })?;
    // std's advisory file lock (flock on Unix, LockFileEx on Windows), Rust ≥ 1.89.
    #[allow(clippy::incompatible_msrv)]
    let locked = file.try_lock();
    match locked {
        Ok(()) => Ok(WorkerLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::SyncBusy(path)),
        Err(std::fs::TryLockError::Error(source)) => Err(StoreError::Io {
            action: "lock sync lock",
            path,
            source,
        }),
    }
}

/// Rows claimed ahead per sender slot (committed `sending` before a slot
/// takes them). Measured with `benches/outbox_drain.rs`: one ahead per slot
/// still left the slots waiting for a claim about a quarter of the time on
/// a loaded 2-core machine (a commit took 0.4–12 ms, 1.8 ms on average);
/// two cover such a commit at the drain rate of 8 slots. A crash turns at
/// most `(1 + CLAIM_AHEAD) × max_parallel` rows `uncertain`, each resolved
/// before any resend (docs/decisions/0024-outbox-claim-ahead.md).
const CLAIM_AHEAD: usize = 2;

/// What a sender slot hands back to the worker.
enum SlotReport {
    /// The request was answered (or failed) and classified.
    Finished(Task),
    /// The task sending it panicked: the row is still `sending`.
    Panicked {
        chain: String,
        id: i64,
        error: String,
    },
}

/// The requests claimed ahead (committed `sending`, not yet handed to the
/// center), shared by the worker and its sender slots.
struct Ready {
    queue: std::sync::Mutex<VecDeque<UploadRequest>>,
    /// Rung when requests are queued or the slots must stop.
    more: Notify,
    stop: AtomicBool,
}

impl Ready {
    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<UploadRequest>> {
        // A panic while holding this lock cannot leave the queue half-changed
        // (push/pop only): keep using it.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next request, or `None` once the slots must stop.
    async fn next(&self) -> Option<UploadRequest> {
        loop {
            let notified = self.more.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.stop.load(Ordering::Acquire) {
                return None;
            }
            if let Some(req) = self.queue().pop_front() {
                return Some(req);
            }
            notified.await;
        }
    }
}

/// One sender slot: takes the oldest claimed request, sends (or resolves)
/// it, reports, takes the next at once. `max_parallel` slots bound the
/// requests in flight; the ledger work happens in the worker, never here,
/// so a slot does not wait for a commit between two requests.
async fn slot<U: Uploader>(
    store: Arc<Store>,
    up: Arc<U>,
    cfg: SyncConfig,
    ready: Arc<Ready>,
    report: mpsc::UnboundedSender<SlotReport>,
) {
    while let Some(req) = ready.next().await {
        let (chain, id) = (req.chain_key.clone(), req.id);
        let now = store.now_ms();
        // Its own task, so that a panic while sending strands one row
        // instead of the slot.
        let r = match tokio::spawn(process(up.clone(), cfg.clone(), req, now)).await {
            Ok(task) => SlotReport::Finished(task),
            Err(e) => SlotReport::Panicked {
                chain,
                id,
                error: e.to_string(),
            },
        };
        if report.send(r).is_err() {
            return;
        }
    }
}

/// A claim transaction running on a blocking thread.
struct Commit {
    join: tokio::task::JoinHandle<Result<Vec<UploadRequest>>>,
    /// Rows whose outcomes it records (stranded if it fails).
    ids: Vec<i64>,
    /// How many rows it was allowed to claim.
    limit: usize,
}

struct Worker<U> {
    store: Arc<Store>,
    up: Arc<U>,
    cfg: SyncConfig,
    status_tx: watch::Sender<QueueStatus>,
    wake: Arc<Notify>,
    online: bool,
    consecutive_failures: u32,
    stranded: Vec<i64>,
    completed: Vec<(i64, Completion)>,
    last_publish: Option<Instant>,
    /// Claimed rows not yet reaped (queued in `ready` or in flight): id → chain.
    out: HashMap<i64, String>,
}

impl<U: Uploader> Worker<U> {
    async fn publish(&mut self, force: bool) {
        if !force
            && self
                .last_publish
                .is_some_and(|t| t.elapsed() < Duration::from_millis(200))
        {
            return;
        }
        let s = self.store.clone();
        if let Ok(mut st) = blocking(move || s.queue_status()).await {
            st.online = Some(self.online);
            self.status_tx.send_replace(st);
            self.last_publish = Some(Instant::now());
        }
    }

    fn note(&mut self, f: &Finished) {
        match f {
            Finished::Answered { error, .. } => {
                self.consecutive_failures = 0;
                self.online = true;
                if let Some(e) = error {
                    tracing::warn!(target: "rxdesk::sync", "{e}");
                }
            }
            Finished::Failed(e) => {
                self.consecutive_failures += 1;
                tracing::info!(target: "rxdesk::sync", "{e}");
                if self.consecutive_failures >= self.cfg.offline_after && self.online {
                    tracing::warn!(target: "rxdesk::sync", "center unreachable; probing every {:?}", self.cfg.probe_interval);
                    self.online = false;
                }
            }
        }
    }

    fn error_status(&mut self, e: &StoreError) {
        let mut st = self.status_tx.borrow().clone();
        st.last_error = Some(e.to_string());
        self.status_tx.send_replace(st);
    }

    /// Writes the outcomes reaped together in one transaction (group commit).
    async fn flush(&mut self) {
        if self.completed.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.completed);
        let s = self.store.clone();
        let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
        if let Err(e) = blocking(move || s.complete_uploads(&batch)).await {
            tracing::error!(target: "rxdesk::sync", "cannot record {} upload outcome(s): {e}", ids.len());
            self.error_status(&e);
            self.stranded.extend(ids);
        }
    }

    async fn retry_stranded(&mut self) {
        let ids = std::mem::take(&mut self.stranded);
        for id in ids {
            let s = self.store.clone();
            let at = s.now_ms();
            let r = blocking(move || {
                s.complete_upload(
                    id,
                    &Completion::Uncertain {
                        error: "outcome not recorded (ledger error)".into(),
                        retry_at: at,
                    },
                )
            })
            .await;
            if r.is_err() {
                self.stranded.push(id);
            }
        }
    }

    /// Takes back every request still queued for the slots (never sent):
    /// they are recorded `Unsent` with the next commit.
    fn take_back(&mut self, ready: &Ready) {
        let unsent: Vec<UploadRequest> = ready.queue().drain(..).collect();
        for req in unsent {
            self.out.remove(&req.id);
            self.completed.push((req.id, Completion::Unsent));
        }
    }

    fn reap(&mut self, r: SlotReport) {
        match r {
            SlotReport::Finished(t) => {
                // Releasing the chain before the outcome is written is safe:
                // the row is still `sending`, so its chain has no claimable head.
                self.out.remove(&t.id);
                self.note(&t.finished);
                self.completed.push((t.id, t.completion));
            }
            SlotReport::Panicked { chain, id, error } => {
                // Its row is still `sending`; record it as uncertain.
                self.out.remove(&id);
                tracing::error!(target: "rxdesk::sync", upload = id, %chain, "upload task failed: {error}");
                self.stranded.push(id);
            }
        }
    }

    /// Handles the end of a claim transaction: its claims go to the slots
    /// (or straight back, `Unsent`, when the worker may not send now).
    fn committed(
        &mut self,
        c: Commit,
        r: std::result::Result<Result<Vec<UploadRequest>>, tokio::task::JoinError>,
        ready: &Ready,
        may_send: bool,
    ) -> bool {
        let r = r.unwrap_or_else(|e| Err(StoreError::Invalid(format!("ledger task failed: {e}"))));
        match r {
            Ok(reqs) => {
                // A full batch: more may be due at once.
                let full = c.limit > 0 && reqs.len() >= c.limit;
                if may_send {
                    let mut q = ready.queue();
                    for req in reqs {
                        self.out.insert(req.id, req.chain_key.clone());
                        q.push_back(req);
                    }
                    drop(q);
                    ready.more.notify_waiters();
                } else {
                    for req in reqs {
                        self.completed.push((req.id, Completion::Unsent));
                    }
                }
                full
            }
            Err(e) => {
                tracing::error!(target: "rxdesk::sync", "cannot claim uploads: {e}");
                self.error_status(&e);
                // The outcomes were rolled back with the claim.
                self.stranded.extend(c.ids);
                false
            }
        }
    }

    /// Starts the next claim transaction: the outcomes reaped so far and up
    /// to `limit` new claims, one commit.
    fn start_commit(&mut self, limit: usize) -> Commit {
        let s = self.store.clone();
        let busy: HashSet<String> = self.out.values().cloned().collect();
        let batch = std::mem::take(&mut self.completed);
        let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
        let join = tokio::task::spawn_blocking(move || s.complete_and_claim(&batch, limit, &busy));
        Commit { join, ids, limit }
    }

    async fn run(
        mut self,
        mut shutdown: watch::Receiver<bool>,
        stop_when_idle: bool,
        deadline: Option<Instant>,
    ) -> Result<()> {
        let ready = Arc::new(Ready {
            queue: std::sync::Mutex::new(VecDeque::new()),
            more: Notify::new(),
            stop: AtomicBool::new(false),
        });
        let (report_tx, mut reports) = mpsc::unbounded_channel();
        let mut slots = JoinSet::new();
        for _ in 0..self.cfg.max_parallel.max(1) {
            slots.spawn(slot(
                self.store.clone(),
                self.up.clone(),
                self.cfg.clone(),
                ready.clone(),
                report_tx.clone(),
            ));
        }
        drop(report_tx);
        // Claimed rows allowed at once: one in flight per slot, and
        // CLAIM_AHEAD per slot claimed ahead so that a slot does not wait
        // for a commit.
        let cap = (1 + CLAIM_AHEAD) * self.cfg.max_parallel.max(1);
        let mut commit: Option<Commit> = None;
        // Something may be claimable (start, wake-up, an answer, a timer).
        let mut want_claim = true;
        let mut next_probe = Instant::now();
        self.publish(true).await;
        loop {
            let stopping = *shutdown.borrow() || deadline.is_some_and(|d| Instant::now() >= d);
            if stopping {
                ready.stop.store(true, Ordering::Release);
                ready.more.notify_waiters();
                if let Some(mut c) = commit.take() {
                    let r = (&mut c.join).await;
                    self.committed(c, r, &ready, false);
                }
                self.take_back(&ready);
                while !self.out.is_empty() {
                    match reports.recv().await {
                        Some(r) => self.reap(r),
                        None => break,
                    }
                }
                // A slot that ended without reporting (cannot happen short
                // of a bug) leaves its row `sending`: record it as uncertain.
                let lost: Vec<i64> = self.out.drain().map(|(id, _)| id).collect();
                self.stranded.extend(lost);
                self.flush().await;
                self.retry_stranded().await;
                self.publish(true).await;
                slots.shutdown().await;
                return Ok(());
            }
            if !self.stranded.is_empty() && commit.is_none() {
                self.retry_stranded().await;
            }
            if !self.online && Instant::now() >= next_probe {
                if self.up.probe().await {
                    tracing::info!(target: "rxdesk::sync", "center reachable again; resuming uploads");
                    self.online = true;
                    self.consecutive_failures = 0;
                    let s = self.store.clone();
                    let _ = blocking(move || s.resume_all_now()).await;
                    want_claim = true;
                    self.publish(true).await;
                } else {
                    next_probe = Instant::now() + self.cfg.probe_interval;
                }
            }
            if commit.is_none() {
                let room = cap.saturating_sub(self.out.len());
                if self.online && room > 0 && want_claim {
                    // Outcomes reaped since the last commit are recorded in
                    // the same transaction as the next claim (one fsync).
                    commit = Some(self.start_commit(room));
                } else if !self.completed.is_empty() {
                    // No claim will follow: record the outcomes now.
                    commit = Some(self.start_commit(0));
                }
            }
            if stop_when_idle
                && commit.is_none()
                && self.out.is_empty()
                && self.completed.is_empty()
                && self.stranded.is_empty()
                && !want_claim
            {
                // Idle: nothing left that could progress (rows behind a rejected
                // one wait for a person, not for this run).
                let s = self.store.clone();
                if blocking(move || s.next_due_at()).await?.is_none() {
                    self.publish(true).await;
                    // Nothing claimed, nothing in flight: the slots are idle.
                    ready.stop.store(true, Ordering::Release);
                    ready.more.notify_waiters();
                    while slots.join_next().await.is_some() {}
                    return Ok(());
                }
            }
            self.publish(false).await;
            // Sleep until something can happen.
            let wait = if !self.online {
                next_probe.saturating_duration_since(Instant::now())
            } else if commit.is_none() && !want_claim && self.out.len() < cap {
                let s = self.store.clone();
                let due = blocking(move || s.next_due_at()).await.ok().flatten();
                let now = self.store.now_ms();
                match due {
                    Some(t) => Duration::from_millis(u64::try_from((t - now).max(1)).unwrap_or(1))
                        .min(self.cfg.idle_poll),
                    None => self.cfg.idle_poll,
                }
            } else {
                self.cfg.idle_poll
            };
            tokio::select! {
                Some(r) = reports.recv() => {
                    self.reap(r);
                    // Reap everything else that is already finished.
                    while let Ok(r) = reports.try_recv() {
                        self.reap(r);
                    }
                    want_claim = true;
                    if !self.online {
                        // Offline: what was claimed ahead goes back unsent.
                        self.take_back(&ready);
                    }
                }
                r = async {
                    match commit.as_mut() {
                        Some(c) => (&mut c.join).await,
                        None => std::future::pending().await,
                    }
                }, if commit.is_some() => {
                    if let Some(c) = commit.take() {
                        let may_send = self.online;
                        let full = self.committed(c, r, &ready, may_send);
                        // Answers reaped meanwhile freed chains this claim could not see.
                        want_claim = full || !self.completed.is_empty();
                    }
                }
                _ = self.wake.notified() => { want_claim = true; }
                _ = tokio::time::sleep(wait) => { want_claim = true; }
                _ = shutdown.changed() => {}
            }
        }
    }
}

fn prepare<U: Uploader>(
    store: &Arc<Store>,
    up: Arc<U>,
    cfg: SyncConfig,
) -> Result<(Worker<U>, WorkerLock, watch::Receiver<QueueStatus>)> {
    let lock = lock_worker(store)?;
    let recovered = store.recover_interrupted()?;
    if recovered > 0 {
        tracing::warn!(target: "rxdesk::sync", "{recovered} upload(s) were interrupted mid-send; they will be resolved before any resend");
    }
    let (status_tx, status_rx) = watch::channel(store.queue_status()?);
    Ok((
        Worker {
            store: store.clone(),
            up,
            cfg,
            status_tx,
            wake: Arc::new(Notify::new()),
            online: true,
            consecutive_failures: 0,
            stranded: Vec::new(),
            completed: Vec::new(),
            last_publish: None,
            out: HashMap::new(),
        },
        lock,
        status_rx,
    ))
}

/// Starts the worker on the current tokio runtime.
pub fn spawn<U: Uploader>(
    store: Arc<Store>,
    uploader: Arc<U>,
    cfg: SyncConfig,
) -> Result<SyncHandle> {
    let (worker, lock, status) = prepare(&store, uploader, cfg)?;
    let wake = worker.wake.clone();
    let (shutdown, shutdown_rx) = watch::channel(false);
    let join = tokio::spawn(async move {
        let r = worker.run(shutdown_rx, false, None).await;
        drop(lock);
        r
    });
    Ok(SyncHandle {
        status,
        wake,
        shutdown,
        join,
    })
}

/// Runs until nothing more can progress (every open row is done, voided, or
/// waits behind a rejected row that needs a person), or until `timeout`;
/// returns the final status. This is `rxdesk sync`.
pub async fn drain<U: Uploader>(
    store: Arc<Store>,
    uploader: Arc<U>,
    cfg: SyncConfig,
    timeout: Duration,
) -> Result<QueueStatus> {
    let (worker, lock, status) = prepare(&store, uploader, cfg)?;
    let (_shutdown, shutdown_rx) = watch::channel(false);
    let r = worker
        .run(shutdown_rx, true, Some(Instant::now() + timeout))
        .await;
    drop(lock);
    r?;
    let mut s = store.queue_status()?;
    s.online = status.borrow().online;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_jitters_within_bounds() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(10);
        assert_eq!(backoff_delay(0, base, max, 0.0), Duration::from_millis(50));
        assert_eq!(backoff_delay(0, base, max, 0.999_999).as_millis(), 99);
        assert_eq!(backoff_delay(3, base, max, 0.0), Duration::from_millis(400));
        assert_eq!(backoff_delay(50, base, max, 0.0), Duration::from_secs(5));
        assert!(backoff_delay(50, base, max, 1.0) <= max);
        assert_eq!(backoff_delay(-5, base, max, 0.0), Duration::from_millis(50));
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
