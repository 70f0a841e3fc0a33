//! Chain sync, the counter's side (issue 17): why it exists — a counter of a
//! chain pushes what it wrote to head office (HQ, `rxdesk-hq`) and pulls the
//! chain's products and prices, its sibling counters' boxes and sold codes,
//! and transfers to its store, without ever making a sale wait for HQ.
//!
//! - [`HqClient`]: the HTTP client of HQ's JSON endpoints (`/v1/sites/register`,
//!   `/v1/sync/push`, `/v1/sync/pull`), bearer token + machine header;
//!   every failure is a [`ChainError`] with a stable code.
//! - [`register`]: one registration with a registration code; the token is
//!   sealed in the ledger, bound to a stable machine id ([`machine_id`]).
//! - [`sync_round`]: push batches until the changelog is drained (each
//!   accepted → the push cursor advances), then pull pages until `more` is
//!   false (each integrated in one transaction with the pull cursor). A
//!   crash after HQ integrated a batch but before the cursor moved re-pushes
//!   the same record ids: an identical upsert at HQ.
//! - [`ChainWorker`]: one per ledger (`<ledger>.chain.lock`), a round every
//!   `interval` (300 s by default) or on "sync now", backing off while HQ is
//!   out of reach; [`ChainStatus`] published through a `watch` channel.

use rxdesk_store::chain::{ChainRegistration, PullOutcome};
use rxdesk_store::{Store, StoreError};
use rxdesk_sync::{
    IntegrationIssue, PullRequest, PullResponse, PushRequest, PushResponse, RegisterRequest,
    RegisterResponse, SyncRefusal, PROTOCOL_VERSION, PULL_PAGE,
};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// Default time between two rounds (Open mSupply syncs every 5 minutes).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);

/// Why a chain call failed. Every variant has a stable [`ChainError::code`].
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// HQ could not be reached (connection refused, timeout, 5xx).
    #[error("head office unreachable: {0}")]
    Unreachable(String),
    /// HQ refused the call (bad token, machine mismatch, version …).
    #[error("head office refused: {code}: {message}")]
    Refused {
        /// HQ's stable code (`SyncRefusal::code`).
        code: String,
        /// HQ's words.
        message: String,
    },
    /// HQ refused a batch: these records block it.
    #[error("head office refused the batch: {} record(s) blocked", issues.len())]
    BatchRefused {
        /// The blocked records.
        issues: Vec<IntegrationIssue>,
    },
    /// This counter is not registered with HQ.
    #[error("this counter is not registered with head office")]
    NotRegistered,
    /// HQ answered something this counter cannot read.
    #[error("head office answered outside the protocol: {0}")]
    Protocol(String),
    /// Another process already syncs this ledger.
    #[error("another process already syncs this ledger ({0})")]
    Busy(PathBuf),
    /// The store code given is not the ledger's own institution code.
    #[error("store code {given} is not this ledger's institution {ledger}")]
    StoreMismatch {
        /// The ledger's 定点医药机构编码.
        ledger: String,
        /// The code given.
        given: String,
    },
    /// The ledger refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ChainError {
    /// The stable code (the status bar and the CLI render it).
    pub fn code(&self) -> String {
        match self {
            Self::Unreachable(_) => "hq_unreachable".into(),
            Self::Refused { code, .. } => code.clone(),
            Self::BatchRefused { .. } => "batch_refused".into(),
            Self::NotRegistered => "chain_not_registered".into(),
            Self::Protocol(_) => "hq_protocol".into(),
            Self::Busy(_) => "chain_sync_busy".into(),
            Self::StoreMismatch { .. } => "store_code_mismatch".into(),
            Self::Store(_) => "store".into(),
        }
    }

    /// What the manager reads (zh-CN), with what to do.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Unreachable(_) => "无法连接总部服务器：本柜台照常收银，数据保存在本机，恢复连接后自动补传".into(),
            Self::Refused { code, message } => match code.as_str() {
                "bad_token" | "unknown_site" => "总部不认可本柜台的凭证：请店长重新注册（rxdesk chain register）".into(),
                "machine_mismatch" => "总部登记的本机标识与本机不符：若更换了电脑，请重新注册本柜台".into(),
                "version_too_old" => "本柜台软件版本过旧，总部拒绝同步：请升级软件".into(),
                "version_too_new" => "本柜台软件版本高于总部支持的版本：请联系总部升级服务器".into(),
                "bad_registration_code" => "注册码无效或已过期：请向总部索取新的注册码".into(),
                _ => format!("总部拒绝同步（{code}）：{message}"),
            },
            Self::BatchRefused { issues } => format!(
                "总部拒收了 {} 条记录（涉及金额或追溯码），这批数据会一直保留并重试：请店长在管理界面查看并联系总部处理",
                issues.len()
            ),
            Self::NotRegistered => "本柜台尚未注册到总部：请运行 rxdesk chain register".into(),
            Self::Protocol(_) => "总部的应答无法识别：请联系技术支持".into(),
            Self::Busy(_) => "另一个程序正在同步本柜台数据：请稍后再试".into(),
            Self::StoreMismatch { ledger, given } => format!(
                "门店编码 {given} 与本柜台账本的定点医药机构编码 {ledger} 不一致：请使用本店的编码注册"
            ),
            Self::Store(e) => format!("本机账本错误：{e}"),
        }
    }

    /// The same in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Unreachable(_) => "head office is unreachable: the counter keeps selling, records stay here and are sent when it is back".into(),
            Self::BatchRefused { issues } => format!(
                "head office refused {} money or trace-code record(s); the batch is kept and retried — see the manager view",
                issues.len()
            ),
            other => other.to_string(),
        }
    }
}

/// An error as the status shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainErrorView {
    /// Stable code.
    pub code: String,
    /// zh-CN sentence.
    pub message_zh: String,
    /// en-US sentence.
    pub message_en: String,
}

/// The chain link as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ChainStatus {
    /// Registered with HQ.
    pub registered: bool,
    /// HQ's URL.
    pub hq_url: Option<String>,
    /// The store's code.
    pub store_code: Option<String>,
    /// This counter's number.
    pub counter_no: Option<u16>,
    /// Last successful round (Unix ms).
    pub last_sync_at: Option<i64>,
    /// Changelog rows not yet accepted by HQ.
    pub backlog: i64,
    /// A round is running now.
    pub syncing: bool,
    /// The last round's error, if it failed.
    pub error: Option<ChainErrorView>,
    /// Records HQ blocked (money or trace codes): shown to the manager.
    pub issues: Vec<IntegrationIssue>,
}

/// Reads the chain status from the ledger.
pub fn chain_status(store: &Store) -> Result<ChainStatus, ChainError> {
    let Some(st) = store.chain_state()? else {
        return Ok(ChainStatus {
            backlog: store.chain_backlog()?,
            ..ChainStatus::default()
        });
    };
    let error = (!st.last_error_code.is_empty()).then(|| {
        let e = error_from_code(&st.last_error_code, &st.last_error_message, &st.issues);
        ChainErrorView {
            code: st.last_error_code.clone(),
            message_zh: e.message_zh(),
            message_en: e.message_en(),
        }
    });
    Ok(ChainStatus {
        registered: true,
        hq_url: Some(st.registration.hq_url.clone()),
        store_code: Some(st.registration.store_code.clone()),
        counter_no: Some(st.registration.counter_no),
        last_sync_at: st.last_sync_at,
        backlog: st.backlog,
        syncing: false,
        error,
        issues: st.issues,
    })
}

fn error_from_code(code: &str, message: &str, issues: &[IntegrationIssue]) -> ChainError {
    match code {
        "hq_unreachable" => ChainError::Unreachable(message.into()),
        "batch_refused" => ChainError::BatchRefused {
            issues: issues.to_vec(),
        },
        "chain_not_registered" => ChainError::NotRegistered,
        "hq_protocol" => ChainError::Protocol(message.into()),
        other => ChainError::Refused {
            code: other.into(),
            message: message.into(),
        },
    }
}

/// HQ's HTTP client.
#[derive(Debug, Clone)]
pub struct HqClient {
    http: reqwest::Client,
    base: String,
    machine_id: String,
    token: Option<String>,
}

impl HqClient {
    /// A client of HQ at `base` (`http(s)://host:port`).
    pub fn new(
        base: &str,
        machine_id: &str,
        token: Option<String>,
        timeout: Duration,
    ) -> Result<Self, ChainError> {
        let base = base.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ChainError::Protocol(format!(
                "HQ URL must start with http:// or https://, got {base:?}"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| ChainError::Protocol(format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            machine_id: machine_id.to_string(),
            token,
        })
    }

    /// The client of the registered HQ with the sealed token.
    pub fn for_store(store: &Store, timeout: Duration) -> Result<Self, ChainError> {
        let st = store.chain_state()?.ok_or(ChainError::NotRegistered)?;
        let token = store.chain_token()?.ok_or(ChainError::NotRegistered)?;
        Self::new(
            &st.registration.hq_url,
            &st.registration.machine_id,
            Some(token),
            timeout,
        )
    }

    async fn call<Req: Serialize, Resp: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &Req,
    ) -> Result<Resp, ChainError> {
        let body = serde_json::to_vec(body)
            .map_err(|e| ChainError::Protocol(format!("cannot encode request: {e}")))?;
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .header(rxdesk_sync::MACHINE_HEADER, &self.machine_id)
            .body(body);
        if let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let resp = req
            .send()
            .await
            .map_err(|e| ChainError::Unreachable(e.to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ChainError::Unreachable(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| ChainError::Protocol(format!("{path}: {e}")));
        }
        if status.is_server_error() {
            return Err(ChainError::Unreachable(format!("{path}: HTTP {status}")));
        }
        if status.as_u16() == 409 {
            // A refused batch names its blocked records: as a `PushResponse`,
            // or as a `SyncRefusal` with `issues` (code `batch_refused`).
            if let Ok(p) = serde_json::from_slice::<PushResponse>(&bytes) {
                return Err(ChainError::BatchRefused { issues: p.issues });
            }
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if v.get("code").and_then(|c| c.as_str()) == Some("batch_refused") {
                let issues = v
                    .get("issues")
                    .cloned()
                    .and_then(|i| serde_json::from_value::<Vec<IntegrationIssue>>(i).ok())
                    .unwrap_or_default();
                return Err(ChainError::BatchRefused { issues });
            }
        }
        match serde_json::from_slice::<SyncRefusal>(&bytes) {
            Ok(r) => Err(ChainError::Refused {
                code: r.code,
                message: r.message,
            }),
            Err(_) => Err(ChainError::Protocol(format!("{path}: HTTP {status}"))),
        }
    }

    /// `POST /v1/sites/register`.
    pub async fn register(&self, req: &RegisterRequest) -> Result<RegisterResponse, ChainError> {
        self.call("/v1/sites/register", req).await
    }

    /// `POST /v1/sync/push`.
    pub async fn push(&self, req: &PushRequest) -> Result<PushResponse, ChainError> {
        self.call("/v1/sync/push", req).await
    }

    /// `POST /v1/sync/pull`.
    pub async fn pull(&self, req: &PullRequest) -> Result<PullResponse, ChainError> {
        self.call("/v1/sync/pull", req).await
    }
}

/// The stable id of this machine for this ledger: SM3 of the ledger's own
/// random seed and `/etc/machine-id` (when the OS has one), so a copied
/// ledger on another machine does not present the same id.
pub fn machine_id(store: &Store) -> Result<String, ChainError> {
    let seed = store.chain_machine_seed()?;
    let os = std::fs::read_to_string("/etc/machine-id").unwrap_or_default();
    let digest = rxdesk_gm::primitives::sm3(format!("{seed}\n{}", os.trim()).as_bytes());
    Ok(hex_lower(&digest[..16]))
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What [`register`] is asked.
#[derive(Debug, Clone)]
pub struct RegisterArgs {
    /// HQ's URL.
    pub hq_url: String,
    /// The store's 12-character code.
    pub store_code: String,
    /// This counter's number in the store.
    pub counter_no: u16,
    /// The registration code HQ issued for the store.
    pub registration_code: String,
}

/// Registers this counter with HQ and keeps the site id and (sealed) token.
pub async fn register(
    store: &Arc<Store>,
    args: &RegisterArgs,
    timeout: Duration,
) -> Result<ChainRegistration, ChainError> {
    let given = args.store_code.trim().to_string();
    let s = Arc::clone(store);
    if let Some(ledger) = blocking(move || Ok(s.institution()?)).await? {
        if ledger != given {
            return Err(ChainError::StoreMismatch { ledger, given });
        }
    }
    let s = Arc::clone(store);
    let machine = blocking(move || machine_id(&s)).await?;
    let client = HqClient::new(&args.hq_url, &machine, None, timeout)?;
    let resp = client
        .register(&RegisterRequest {
            store_code: args.store_code.trim().to_string(),
            counter_no: args.counter_no,
            machine_id: machine.clone(),
            protocol_version: PROTOCOL_VERSION,
            registration_code: args.registration_code.trim().to_string(),
        })
        .await?;
    let reg = ChainRegistration {
        site_id: resp.site_id,
        store_code: args.store_code.trim().to_string(),
        counter_no: args.counter_no,
        hq_url: client.base.clone(),
        machine_id: machine,
    };
    let s = Arc::clone(store);
    let r = reg.clone();
    blocking(move || Ok(s.chain_register(&r, &resp.token)?)).await?;
    tracing::info!(site = %reg.site_id, store = %reg.store_code, counter = reg.counter_no, "registered with head office");
    Ok(reg)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ChainError> + Send + 'static,
) -> Result<T, ChainError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ChainError::Protocol(format!("blocking task failed: {e}")))?
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundReport {
    /// Batches HQ accepted.
    pub batches_pushed: usize,
    /// Records in them.
    pub records_pushed: usize,
    /// Pages pulled.
    pub pages_pulled: usize,
    /// Records pulled.
    pub records_pulled: usize,
    /// Records integrated here.
    pub integrated: usize,
    /// Prices changed.
    pub price_changes: usize,
    /// Own boxes marked sold by a sibling's sale.
    pub own_boxes_sold: usize,
    /// Transfers received.
    pub transfers_received: usize,
    /// Own transfers the other store received (their `out` document marked received).
    pub transfers_confirmed: usize,
}

/// Pushes the next batch and returns HQ's answer WITHOUT advancing the push
/// cursor (the caller does, [`Store::chain_push_accepted`]): `None` when the
/// changelog is drained. A kill between the two re-pushes the same batch.
pub async fn push_next_batch(
    store: &Arc<Store>,
    client: &HqClient,
) -> Result<Option<(PushRequest, PushResponse)>, ChainError> {
    let s = Arc::clone(store);
    let Some(batch) = blocking(move || Ok(s.chain_next_push()?)).await? else {
        return Ok(None);
    };
    let resp = client.push(&batch).await?;
    Ok(Some((batch, resp)))
}

/// One round: push until drained, then pull until HQ has nothing more.
/// The outcome (success, or the error and blocked records) is recorded in
/// the ledger for the status.
pub async fn sync_round(store: &Arc<Store>, client: &HqClient) -> Result<RoundReport, ChainError> {
    let r = round_inner(store, client).await;
    let s = Arc::clone(store);
    let (code, msg, issues) = match &r {
        Ok(_) => (String::new(), String::new(), None),
        Err(e) => (
            e.code(),
            e.to_string(),
            match e {
                ChainError::BatchRefused { issues } => Some(issues.clone()),
                _ => None,
            },
        ),
    };
    if let Err(e) = &r {
        tracing::warn!(code = %e.code(), error = %e, "chain sync round failed");
    }
    let recorded =
        blocking(move || Ok(s.chain_record_outcome(&code, &msg, issues.as_deref())?)).await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, "cannot record the chain sync outcome");
    }
    r
}

async fn round_inner(store: &Arc<Store>, client: &HqClient) -> Result<RoundReport, ChainError> {
    let mut rep = RoundReport::default();
    // Push first, until the changelog is drained.
    while let Some((batch, resp)) = push_next_batch(store, client).await? {
        // HQ integrates a batch whole or not at all: any issue means the
        // batch is still to be sent, so the cursor stays (the records are
        // kept, shown and retried — a money or trace record never skipped).
        if !resp.issues.is_empty() {
            for i in &resp.issues {
                tracing::warn!(code = %i.code, table = i.table.as_str(), money_or_trace = i.table.is_money_or_trace(), "HQ refused a record; the batch is kept");
            }
            return Err(ChainError::BatchRefused {
                issues: resp.issues,
            });
        }
        // Head office has integrated the batch; the cursor has not moved.
        rxdesk_store::crashpoint!("chain_push_after_hq_before_cursor");
        let s = Arc::clone(store);
        let up_to = batch.up_to_cursor;
        blocking(move || Ok(s.chain_push_accepted(up_to)?)).await?;
        rep.batches_pushed += 1;
        rep.records_pushed += batch.records.len();
    }
    // Then pull, page by page, each integrated with its cursor.
    loop {
        let s = Arc::clone(store);
        let st = blocking(move || s.chain_state()?.ok_or(ChainError::NotRegistered)).await?;
        let page = client
            .pull(&PullRequest {
                site_id: st.registration.site_id,
                protocol_version: PROTOCOL_VERSION,
                after_cursor: st.pull_cursor,
                limit: PULL_PAGE as u32,
            })
            .await?;
        let more = page.more && page.next_cursor > st.pull_cursor;
        rep.pages_pulled += 1;
        rep.records_pulled += page.records.len();
        let s = Arc::clone(store);
        let out: PullOutcome = blocking(move || Ok(s.chain_integrate_pull(&page)?)).await?;
        rep.integrated += out.integrated;
        rep.price_changes += out.price_changes;
        rep.own_boxes_sold += out.own_boxes_sold;
        rep.transfers_received += out.transfers_received;
        rep.transfers_confirmed += out.transfers_confirmed;
        if !more {
            break;
        }
    }
    Ok(rep)
}

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct ChainConfig {
    /// Between two rounds.
    pub interval: Duration,
    /// First wait after a failed round (doubled up to `interval`).
    pub retry_min: Duration,
    /// Per HTTP call.
    pub timeout: Duration,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            interval: DEFAULT_INTERVAL,
            retry_min: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
        }
    }
}

/// The running sync worker of one ledger.
pub struct ChainWorker {
    status: watch::Receiver<ChainStatus>,
    wake: Arc<Notify>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ChainWorker {
    /// Starts the worker (on the current runtime). Refused while another
    /// process syncs the ledger or while the counter is not registered.
    pub fn start(store: Arc<Store>, cfg: ChainConfig) -> Result<Self, ChainError> {
        let lock = lock_worker(&store)?;
        let client = HqClient::for_store(&store, cfg.timeout)?;
        let (status_tx, status) = watch::channel(chain_status(&store)?);
        let wake = Arc::new(Notify::new());
        let (shutdown, mut shutdown_rx) = watch::channel(false);
        let w = Arc::clone(&wake);
        let task = tokio::spawn(async move {
            let _lock = lock;
            let mut backoff = cfg.retry_min;
            loop {
                status_tx.send_modify(|s| s.syncing = true);
                let r = sync_round(&store, &client).await;
                let s = Arc::clone(&store);
                let mut st = blocking(move || chain_status(&s))
                    .await
                    .unwrap_or_else(|_| status_tx.borrow().clone());
                st.syncing = false;
                status_tx.send_replace(st);
                let wait = match r {
                    Ok(rep) => {
                        backoff = cfg.retry_min;
                        tracing::info!(
                            pushed = rep.records_pushed,
                            pulled = rep.records_pulled,
                            "chain sync round done"
                        );
                        cfg.interval
                    }
                    Err(_) => {
                        let now = backoff.min(cfg.interval);
                        backoff = (backoff * 2).min(cfg.interval);
                        now
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = w.notified() => {}
                    _ = shutdown_rx.changed() => break,
                }
                if *shutdown_rx.borrow() {
                    break;
                }
            }
        });
        Ok(Self {
            status,
            wake,
            shutdown,
            task,
        })
    }

    /// The status, updated after every round.
    pub fn status(&self) -> watch::Receiver<ChainStatus> {
        self.status.clone()
    }

    /// Runs a round now (同步).
    pub fn sync_now(&self) {
        self.wake.notify_one();
    }

    /// Stops after the round in progress.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// The app's chain worker slot (started when the ledger is registered).
#[derive(Default)]
pub struct ChainService {
    worker: std::sync::Mutex<Option<ChainWorker>>,
}

impl ChainService {
    /// Starts the worker for a registered ledger; an unregistered one is
    /// left alone (nothing to sync). Must run inside a tokio runtime.
    pub fn start(&self, store: Arc<Store>, cfg: ChainConfig) {
        let registered = matches!(store.chain_state(), Ok(Some(_)));
        if !registered {
            return;
        }
        let mut slot = self.worker.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return;
        }
        match ChainWorker::start(store, cfg) {
            Ok(w) => *slot = Some(w),
            Err(e) => tracing::warn!(code = %e.code(), error = %e, "chain sync worker not started"),
        }
    }

    /// The worker's status, `None` when it does not run.
    pub fn status(&self) -> Option<watch::Receiver<ChainStatus>> {
        self.worker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|w| w.status())
    }

    /// 立即同步.
    pub fn sync_now(&self) {
        if let Some(w) = self
            .worker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            w.sync_now();
        }
    }

    /// Stops the worker.
    pub async fn stop(&self) {
        let w = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(w) = w {
            w.stop().await;
        }
    }
}

/// The worker's file lock (`<ledger>.chain.lock`): one sync per ledger.
struct WorkerLock {
    _file: std::fs::File,
}

fn lock_worker(store: &Store) -> Result<WorkerLock, ChainError> {
    let mut p = store.path().as_os_str().to_os_string();
    p.push(".chain.lock");
    let path = PathBuf::from(p);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| {
            ChainError::Store(StoreError::Io {
                action: "open chain sync lock",
                path: path.clone(),
                source,
            })
        })?;
    #[allow(clippy::incompatible_msrv)]
    let locked = file.try_lock();
    match locked {
        Ok(()) => Ok(WorkerLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(ChainError::Busy(path)),
        Err(std::fs::TryLockError::Error(source)) => Err(ChainError::Store(StoreError::Io {
            action: "lock chain sync lock",
            path,
            source,
        })),
    }
}

/// Holds the chain lock for a one-off round (`rxdesk chain sync`): refused
/// while the app's worker runs on the same ledger.
pub async fn sync_once(store: &Arc<Store>, timeout: Duration) -> Result<RoundReport, ChainError> {
    let _lock = lock_worker(store)?;
    let client = HqClient::for_store(store, timeout)?;
    sync_round(store, &client).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_code_and_two_sentences() {
        let all = [
            ChainError::Unreachable("x".into()),
            ChainError::Refused {
                code: "bad_token".into(),
                message: "m".into(),
            },
            ChainError::BatchRefused { issues: vec![] },
            ChainError::NotRegistered,
            ChainError::Protocol("p".into()),
            ChainError::Busy(PathBuf::from("/x")),
            ChainError::StoreMismatch {
                ledger: "P1".into(),
                given: "P2".into(),
            },
        ];
        for e in all {
            assert!(!e.code().is_empty());
            assert!(!e.message_zh().is_empty());
            assert!(!e.message_en().is_empty());
            let back = error_from_code(&e.code(), "m", &[]);
            assert_eq!(back.code(), e.code());
        }
        assert!(ChainError::Unreachable("x".into())
            .message_zh()
            .contains("照常收银"));
    }

    #[test]
    fn a_bad_url_is_refused_before_any_call() {
        assert!(HqClient::new("ftp://x", "m", None, Duration::from_secs(1)).is_err());
        assert!(HqClient::new("http://127.0.0.1:9/", "m", None, Duration::from_secs(1)).is_ok());
    }
}
