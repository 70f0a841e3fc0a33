//! The composition root of the desktop counter: [`App::start`] resolves the
//! data directory, starts logging, decides what opens at start (the
//! first-start choice, the credential unlock, or the counter), starts the
//! devices, the center-link watch and the upload worker, and wires them to
//! each other. The desktop shell is then commands and events only: it hands
//! in a [`WindowEvents`] that turns scans, device notices and the center's
//! state into window events, and keeps the [`App`] as its one piece of
//! state. The CLI builds the same parts for its own runs (`rxdesk counter`).
//!
//! Start-up order matters: in production the ledger's key is sealed in the
//! credential vault, so nothing opens the ledger until the vault is open
//! ([`startup_slot`] waits on [`Pending::Locked`]).

use crate::devices::{DeviceNotice, DeviceScan, DeviceScanError, LiveDevices};
use crate::manager::SyncService;
use crate::onboarding::{SetupReport, SetupRequest};
use crate::status::CenterLink;
use crate::{AppError, Counter, DataDir, Settings};
use rxdesk_center::CenterClient;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// Why the counter is not open yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Pending {
    /// A fresh data directory: choose 演示模式 or 正式接入.
    Unconfigured,
    /// Production, the OS forgot the vault key: the manager's passphrase
    /// is needed (the ledger's key is sealed there too).
    Locked {
        /// The vault's sentence.
        message: String,
    },
    /// Opened (or failed to open: the error is in the slot).
    Ready,
}

/// The counter of this window: opened at start when the data directory is
/// set up (and its credentials open), else once the first-start choice or
/// the unlock is done. Set once; until then every counter command answers
/// with the sentence of [`Pending`].
pub struct CounterSlot {
    /// Shared with the app's background tasks (the parked-settlement retry).
    cell: Arc<OnceLock<Result<Counter, String>>>,
    pending: Mutex<Pending>,
    waiting: String,
}

impl CounterSlot {
    /// A slot whose counter is opened later.
    pub fn waiting(pending: Pending) -> Self {
        let waiting = match &pending {
            Pending::Unconfigured => {
                "RxDesk 尚未设置：请先选择 演示模式 或 正式接入 / not set up yet".to_string()
            }
            Pending::Locked { message } => message.clone(),
            Pending::Ready => String::new(),
        };
        Self {
            cell: Arc::new(OnceLock::new()),
            pending: Mutex::new(pending),
            waiting,
        }
    }

    /// A slot with the counter opened at start.
    pub fn opened(counter: Result<Counter, String>) -> Self {
        let s = Self::waiting(Pending::Ready);
        let _ = s.cell.set(counter);
        s
    }

    /// The counter, or why there is none.
    #[allow(clippy::should_implement_trait)]
    pub fn as_ref(&self) -> Result<&Counter, &String> {
        match self.cell.get() {
            Some(r) => r.as_ref(),
            None => Err(&self.waiting),
        }
    }

    /// What the window must do first.
    pub fn pending(&self) -> Pending {
        if self.cell.get().is_some() {
            return Pending::Ready;
        }
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn fill(&self, counter: Counter) -> Result<(), String> {
        self.cell
            .set(Ok(counter))
            .map_err(|_| "柜台已经打开 / the counter is already open".to_string())?;
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Pending::Ready;
        Ok(())
    }
}

/// Decides at start what to open: nothing on a fresh data directory, nothing
/// while production credentials (and with them the ledger's key) need the
/// passphrase, else the counter.
pub fn startup_slot(dir: &DataDir) -> CounterSlot {
    if !Settings::configured(dir) {
        tracing::info!("fresh data directory: first-start choice");
        return CounterSlot::waiting(Pending::Unconfigured);
    }
    let settings = match Settings::load(dir) {
        Ok(s) => s,
        Err(e) => return CounterSlot::opened(Err(e.to_string())),
    };
    if !settings.demo_mode && crate::onboarding::profile_path(dir).is_file() {
        if let Err(e) = crate::credentials::load(dir) {
            if e.code() == "VAULT_LOCKED" {
                tracing::info!("credentials locked: waiting for the manager's passphrase");
                return CounterSlot::waiting(Pending::Locked {
                    message: e.to_string(),
                });
            }
        }
    }
    CounterSlot::opened(open_counter(dir, &settings))
}

/// Opens the ledger and services; in demo mode (demo builds only) seeds the
/// demo pharmacy in the background.
pub fn open_counter(dir: &DataDir, settings: &Settings) -> Result<Counter, String> {
    let counter = Counter::open(dir, settings).map_err(|e| {
        tracing::error!(error = %e, "ledger unavailable");
        e.to_string()
    })?;
    #[cfg(feature = "demo")]
    if settings.demo_mode {
        // Demo mode: the demo pharmacy's catalogue and stock (rxdesk-demo),
        // imported in the background on first start as the demo manager
        // (chunk by chunk, each chunk all-or-nothing; the window does not wait).
        let store = Arc::clone(counter.store());
        let spawned = std::thread::Builder::new()
            .name("demo catalogue".into())
            .spawn(move || {
                let (login, _, _, password) = crate::operators::DEMO_OPERATORS[0];
                // A seeded ledger (every start but the first) signs nobody
                // in: the manager's argon2id hash would take a core from
                // the window while it starts.
                let seeded =
                    rxdesk_demo::pharmacy::seed_demo_pharmacy_unless_seeded(&store, || {
                        store.login(login, password)
                    });
                match seeded {
                    Ok(r) => tracing::info!(result = ?r, "demo pharmacy ready"),
                    Err(e) => tracing::error!(error = %e, "demo catalogue import failed"),
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the demo catalogue import");
        }
    }
    #[cfg(not(feature = "demo"))]
    if settings.demo_mode {
        tracing::warn!("production build (no `demo` feature): demo mode is refused");
    }
    Ok(counter)
}

/// The upload worker and the background center client.
pub struct Uploads {
    /// The app's upload worker.
    pub sync: Arc<SyncService>,
    client: Mutex<Result<Arc<CenterClient>, String>>,
    rt: tokio::runtime::Handle,
}

impl Uploads {
    /// Builds the background client for the configured center; the worker
    /// runs on `rt`.
    pub fn new(dir: &DataDir, rt: tokio::runtime::Handle) -> Self {
        Self {
            sync: Arc::new(SyncService::default()),
            client: Mutex::new(Self::connect(dir)),
            rt,
        }
    }

    fn connect(dir: &DataDir) -> Result<Arc<CenterClient>, String> {
        Settings::load(dir)
            .map_err(|e| e.to_string())
            .and_then(|s| crate::manager::background_client(dir, &s))
    }

    /// The background client, or why there is none.
    pub fn client(&self) -> Result<Arc<CenterClient>, String> {
        self.client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Rebuilds the background client from the settings now in force.
    pub fn reconnect(&self, dir: &DataDir) {
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = Self::connect(dir);
    }

    /// Starts the worker for the counter's ledger (spawned onto the
    /// runtime, never blocked on, so it works from any thread).
    pub fn start(&self, counter: &Counter) {
        let store = Arc::clone(counter.store());
        let client = self.client();
        let sync = Arc::clone(&self.sync);
        self.rt.spawn(async move { sync.start(store, client) });
    }

    /// Stops the worker after the requests in flight are answered.
    pub fn stop(&self) {
        let sync = Arc::clone(&self.sync);
        let stopping = std::thread::spawn({
            let rt = self.rt.clone();
            move || rt.block_on(async move { sync.stop().await })
        });
        let _ = stopping.join();
    }
}

/// The running counter devices (scanner supervisor, printer status, the
/// identification devices), replaced at once when their settings change.
pub struct DeviceHub(pub Arc<LiveDevices>);

impl DeviceHub {
    /// Attaches the devices running now to the counter's visit service —
    /// the identification devices and the receipt printer — at start, after
    /// onboarding, after a settings change.
    pub fn attach_to(&self, counter: &Counter) {
        if let Ok(v) = counter.visits() {
            let running = self.0.current();
            v.attach_devices(running.identity());
            v.set_printer(running.settings().printer.clone());
        }
    }
}

/// What the window is told without asking: the desktop shell turns each
/// into a window event.
pub trait WindowEvents: Send + Sync + 'static {
    /// A scanner read a code (or failed to).
    fn scan(&self, scan: Result<DeviceScan, DeviceScanError>);
    /// A device was unplugged, came back, or changed state.
    fn device(&self, notice: DeviceNotice);
    /// The center link changed (online / offline / not configured).
    fn center(&self, link: CenterLink);
    /// Something changed the visits behind the window's back (a parked
    /// uncertain settlement was resolved in the background): fetch the view.
    fn visits_changed(&self) {}
    /// The chain sync status changed (a round started or ended, the backlog
    /// or the error changed): sent only while the ledger is in a chain.
    fn chain(&self, _status: &crate::chain::ChainStatus) {}
}

/// How the window was started.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// `--data-dir PATH` (beats `RXDESK_HOME`).
    pub data_dir: Option<PathBuf>,
    /// `RXDESK_EXIT_WHEN_READY`: print the start-up time and quit (scripts/bench).
    pub exit_when_ready: bool,
    /// How often the center link is probed.
    pub center_probe: Option<std::time::Duration>,
    /// When the process started (for the start-up measurement); now if
    /// not given.
    pub started: Option<std::time::Instant>,
    /// How often a parked uncertain settlement's 2601 is retried in the
    /// background ([`PARKED_RETRY`] if not given).
    pub parked_retry: Option<std::time::Duration>,
    /// Where prescription layout files are drawn: in this process if not
    /// given, else in a child process of this program and arguments (the
    /// desktop: its own executable with `--draw-layout`, decision 0028).
    pub layout_drawer: Option<(PathBuf, Vec<std::ffi::OsString>)>,
}

/// How often a parked uncertain settlement is retried by default: soon
/// after the center is back, without flooding a center that is down.
pub const PARKED_RETRY: std::time::Duration = std::time::Duration::from_secs(15);

/// `RXDESK_PARKED_RETRY_SECS` (1–3600) overrides [`PARKED_RETRY`] for a
/// whole process tree (the window tests shorten it; a site may lengthen it).
pub const PARKED_RETRY_ENV: &str = "RXDESK_PARKED_RETRY_SECS";

fn parked_retry_from_env() -> Option<std::time::Duration> {
    let raw = std::env::var(PARKED_RETRY_ENV).ok()?;
    match raw.trim().parse::<u64>() {
        Ok(s) if (1..=3600).contains(&s) => Some(std::time::Duration::from_secs(s)),
        _ => {
            tracing::warn!(value = %raw, "{PARKED_RETRY_ENV} is not 1–3600 seconds; the default is used");
            None
        }
    }
}

/// Retries 处理未知结算 of the counter's parked uncertain settlements every
/// `period` while there is one, and tells the window when one was resolved.
fn spawn_parked_retry(
    rt: &tokio::runtime::Handle,
    cell: Arc<OnceLock<Result<Counter, String>>>,
    period: std::time::Duration,
    events: Arc<dyn WindowEvents>,
) {
    rt.spawn(async move {
        loop {
            tokio::time::sleep(period).await;
            let Some(Ok(counter)) = cell.get() else {
                continue;
            };
            let Ok(visits) = counter.visits() else {
                continue;
            };
            if visits.parked_uncertain() == 0 {
                continue;
            }
            let resolved = visits.resolve_parked_in_background().await;
            if !resolved.is_empty() {
                tracing::info!(visits = ?resolved, "parked uncertain settlements resolved in the background");
                events.visits_changed();
            }
        }
    });
}

/// Sends the current chain status, then each change, to the window until
/// the worker (the sender) is gone.
async fn forward_chain_status(
    mut rx: tokio::sync::watch::Receiver<crate::chain::ChainStatus>,
    events: Arc<dyn WindowEvents>,
) {
    loop {
        let status = rx.borrow_and_update().clone();
        events.chain(&status);
        if rx.changed().await.is_err() {
            break;
        }
    }
}

/// Everything the desktop window runs on.
pub struct App {
    /// The data directory resolved at start.
    pub dir: DataDir,
    /// The ledger and signed-in operator; an error (e.g. a corrupt ledger) is
    /// kept and shown on every call instead of crashing the window. Empty
    /// until the first-start choice or the credential unlock is done.
    pub counter: CounterSlot,
    /// Process start, for the start-up measurement.
    pub started: std::time::Instant,
    /// `RXDESK_EXIT_WHEN_READY`.
    pub exit_when_ready: bool,
    /// The upload worker and background center client.
    pub uploads: Uploads,
    /// The counter devices.
    pub devices: DeviceHub,
    /// The chain sync worker (issue 17), running while the ledger is
    /// registered with head office; its status is `chain.status()`.
    pub chain: Arc<crate::chain::ChainService>,
    events: Arc<dyn WindowEvents>,
    rt: tokio::runtime::Handle,
    _log: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl App {
    /// The data directory the window will use (`data_dir`, else
    /// `RXDESK_HOME`, else the platform's), created if missing. The shell
    /// calls this before any window exists, so an unusable directory stops
    /// start-up with a sentence and no window (and no display needed).
    pub fn data_dir(data_dir: Option<PathBuf>) -> Result<DataDir, AppError> {
        let dir = match data_dir {
            Some(d) => DataDir::at(d),
            None => DataDir::resolve()?,
        };
        dir.ensure()?;
        Ok(dir)
    }

    /// Resolves the data directory (`opts.data_dir`, else `RXDESK_HOME`,
    /// else the platform's), starts logging, opens what can be opened now,
    /// and starts the devices, the center watch and the upload worker on
    /// `rt`; `events` receives what the window must be told.
    pub fn start(
        opts: StartOptions,
        rt: tokio::runtime::Handle,
        events: Arc<dyn WindowEvents>,
    ) -> Result<Self, AppError> {
        let started = opts.started.unwrap_or_else(std::time::Instant::now);
        let dir = Self::data_dir(opts.data_dir)?;
        let log = crate::logging::init(&dir, "rxdesk").ok();
        tracing::info!(version = crate::VERSION, data_dir = %dir.root().display(), "RxDesk starting");
        if let Some((exe, args)) = opts.layout_drawer {
            crate::visit::layout::draw_in_child_process(exe, args);
        }
        let device_settings = Settings::load(&dir).map(|s| s.devices).unwrap_or_default();
        let counter = startup_slot(&dir);
        let uploads = Uploads::new(&dir, rt.clone());

        // Serial/HID scanners: every scan goes to the window, which handles
        // it exactly like a keyboard-wedge burst.
        let to_window = Arc::clone(&events);
        let live = LiveDevices::start(&device_settings, move |scan| to_window.scan(scan));
        let devices = DeviceHub(Arc::new(live));
        if let Ok(c) = counter.as_ref() {
            devices.attach_to(c);
        }
        // Card reader, PIN pad, QR decode, face: unplugged / back reach the
        // window as notices.
        let mut notices = devices.0.subscribe_events();
        let to_window = Arc::clone(&events);
        rt.spawn(async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match notices.recv().await {
                    Ok(e) => {
                        tracing::info!(event = ?e, "device event");
                        to_window.device(DeviceNotice::from(&e));
                    }
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                }
            }
        });
        // A parked uncertain settlement is proven (2601) as soon as the
        // center answers again, while the counter serves other patients.
        spawn_parked_retry(
            &rt,
            Arc::clone(&counter.cell),
            opts.parked_retry
                .or_else(parked_retry_from_env)
                .unwrap_or(PARKED_RETRY),
            Arc::clone(&events),
        );
        // The center link, live: the status bar turns 离线 within a few
        // seconds of the center dying, and back, without F5.
        let to_window = Arc::clone(&events);
        rt.spawn(crate::status::watch_center(
            dir.clone(),
            opts.center_probe
                .unwrap_or(std::time::Duration::from_secs(2)),
            move |link| to_window.center(link),
        ));
        let app = Self {
            dir,
            counter,
            started,
            exit_when_ready: opts.exit_when_ready,
            uploads,
            devices,
            chain: Arc::new(crate::chain::ChainService::default()),
            events,
            rt,
            _log: log,
        };
        // The upload worker drains the outbox while the window is open.
        if let Ok(c) = app.counter.as_ref() {
            app.uploads.start(c);
            app.start_chain(c);
        }
        Ok(app)
    }

    /// Opens the counter once the first-start choice, the setup or the
    /// unlock is done: the devices started with the window serve it at once
    /// (with the data directory's device settings), and the upload worker
    /// starts against its center.
    pub fn go_live(&self) -> Result<(), String> {
        let settings = Settings::load(&self.dir).map_err(|e| e.to_string())?;
        let counter = open_counter(&self.dir, &settings)?;
        self.counter.fill(counter)?;
        if self.devices.0.current().settings() != &settings.devices {
            self.devices.0.apply(&settings.devices);
        }
        if let Ok(c) = self.counter.as_ref() {
            self.devices.attach_to(c);
            self.uploads.reconnect(&self.dir);
            self.uploads.start(c);
            self.start_chain(c);
        }
        Ok(())
    }

    /// Starts chain sync when the ledger is registered with head office
    /// (spawned onto the runtime; never blocks the counter).
    pub fn start_chain(&self, counter: &Counter) {
        let store = Arc::clone(counter.store());
        let chain = Arc::clone(&self.chain);
        let interval = Settings::load(&self.dir)
            .ok()
            .and_then(|s| s.chain_sync_interval_secs)
            .map(|s| std::time::Duration::from_secs(s.max(10)))
            .unwrap_or(crate::chain::DEFAULT_INTERVAL);
        let events = Arc::clone(&self.events);
        self.rt.spawn(async move {
            let was_running = chain.status().is_some();
            chain.start(
                store,
                crate::chain::ChainConfig {
                    interval,
                    ..Default::default()
                },
            );
            // Every status change reaches the window (`chain-status`): the
            // status bar and the manager view follow rounds, the backlog
            // and errors without polling. Ends when the worker stops; one
            // forwarder per worker.
            if let Some(rx) = chain.status().filter(|_| !was_running) {
                forward_chain_status(rx, events).await;
            }
        });
    }

    /// 演示模式 chosen at the first start (demo builds only): a demo
    /// counter in this data directory.
    pub fn choose_demo(&self, locale: Option<String>) -> Result<(), String> {
        if self.counter.pending() != Pending::Unconfigured {
            return Err("此数据目录已经设置过 / already set up".into());
        }
        if !cfg!(feature = "demo") {
            return Err(crate::wiring::NO_DEMO_IN_THIS_BUILD.into());
        }
        let settings = Settings {
            demo_mode: true,
            center_url: crate::wiring::center_url(&Settings::default()),
            locale: locale
                .filter(|l| l == "zh-CN" || l == "en-US")
                .unwrap_or_else(|| "zh-CN".into()),
            ..Settings::default()
        };
        settings.save(&self.dir).map_err(|e| e.to_string())?;
        tracing::info!("first start: demo mode chosen");
        self.go_live()
    }

    /// 正式接入 from the window: the whole setup (the same service as
    /// `rxdesk setup`) into this data directory, then the counter opens in
    /// production mode.
    pub async fn setup_production(&self, req: SetupRequest) -> Result<SetupReport, String> {
        let report = crate::onboarding::setup(&req)
            .await
            .map_err(|e| e.to_string())?;
        // The vault was sealed under the manager's password; keep it open
        // for this process whether or not the OS holds the key.
        crate::credentials::unlock(&self.dir, &req.password).map_err(|e| e.to_string())?;
        self.go_live()?;
        Ok(report)
    }

    /// After a reboot: the manager's passphrase opens the sealed
    /// credentials and the ledger's key, then the counter opens. A wrong
    /// one changes nothing.
    pub fn unlock(&self, passphrase: &str) -> Result<(), String> {
        if !matches!(self.counter.pending(), Pending::Locked { .. }) {
            return Err("医保凭证无需解锁 / nothing to unlock".into());
        }
        crate::credentials::unlock(&self.dir, passphrase).map_err(|e| e.to_string())?;
        tracing::info!("credentials unlocked with the manager's passphrase");
        self.go_live()
    }

    /// Stops the upload worker after the requests in flight are answered.
    pub fn stop(&self) {
        self.uploads.stop();
        let chain = Arc::clone(&self.chain);
        let rt = self.rt.clone();
        let _ = std::thread::spawn(move || rt.block_on(async move { chain.stop().await })).join();
    }
}

/// The window's size, position and maximised state, kept in
/// `<data>/window.json` so the counter reopens as the pharmacist left it.
/// A missing or unreadable file means the shipped default (1280×800); a size
/// below the smallest supported screen (1024×700 of the window's minimum) is
/// raised to it, never trusted as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WindowGeometry {
    /// Inner width, physical pixels.
    pub width: u32,
    /// Inner height, physical pixels.
    pub height: u32,
    /// Outer position, physical pixels.
    pub x: i32,
    /// Outer position, physical pixels.
    pub y: i32,
    /// Whether the window was maximised.
    pub maximized: bool,
}

impl WindowGeometry {
    /// Smallest width the counter screens are built for.
    pub const MIN_WIDTH: u32 = 1024;
    /// Smallest height (the window's minimum in tauri.conf.json).
    pub const MIN_HEIGHT: u32 = 700;
    /// Largest size taken from the file (larger is a damaged file).
    const MAX_SIDE: u32 = 16_384;

    fn path(dir: &DataDir) -> PathBuf {
        dir.root().join("window.json")
    }

    /// The saved geometry, made sane; `None` when there is none or it does
    /// not parse (logged, never an error: the default window opens).
    pub fn load(dir: &DataDir) -> Option<Self> {
        let bytes = std::fs::read(Self::path(dir)).ok()?;
        match serde_json::from_slice::<Self>(&bytes) {
            Ok(g) if g.width <= Self::MAX_SIDE && g.height <= Self::MAX_SIDE => Some(Self {
                width: g.width.max(Self::MIN_WIDTH),
                height: g.height.max(Self::MIN_HEIGHT),
                x: g.x.clamp(-(Self::MAX_SIDE as i32), Self::MAX_SIDE as i32),
                y: g.y.clamp(-(Self::MAX_SIDE as i32), Self::MAX_SIDE as i32),
                maximized: g.maximized,
            }),
            Ok(_) | Err(_) => {
                tracing::warn!(
                    "window.json is not a usable window geometry; the default size is used"
                );
                None
            }
        }
    }

    /// Saves the geometry (owner-only file, replaced atomically).
    pub fn save(&self, dir: &DataDir) -> std::io::Result<()> {
        let path = Self::path(dir);
        let tmp = path.with_extension("json.tmp");
        crate::paths::write_private(&tmp, &serde_json::to_vec(self).unwrap_or_default())?;
        std::fs::rename(tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::ChainStatus;

    /// Records the chain statuses the window was sent.
    #[derive(Default)]
    struct ChainRecorder(std::sync::Mutex<Vec<ChainStatus>>);

    impl WindowEvents for ChainRecorder {
        fn scan(&self, _scan: Result<DeviceScan, DeviceScanError>) {}
        fn device(&self, _notice: DeviceNotice) {}
        fn center(&self, _link: CenterLink) {}
        fn chain(&self, status: &ChainStatus) {
            self.0.lock().unwrap().push(status.clone());
        }
    }

    #[tokio::test]
    async fn every_chain_status_change_reaches_the_window() {
        let first = ChainStatus {
            registered: true,
            backlog: 37,
            ..ChainStatus::default()
        };
        let (tx, rx) = tokio::sync::watch::channel(first.clone());
        let rec = Arc::new(ChainRecorder::default());
        let task = tokio::spawn(forward_chain_status(
            rx,
            Arc::clone(&rec) as Arc<dyn WindowEvents>,
        ));
        let wait_for = |n: usize| {
            let rec = Arc::clone(&rec);
            async move {
                for _ in 0..200 {
                    if rec.0.lock().unwrap().len() >= n {
                        return;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                panic!("only {} chain events", rec.0.lock().unwrap().len());
            }
        };
        // The current status at once (the window may have asked before).
        wait_for(1).await;
        // A round starts, then ends synced with the backlog drained.
        tx.send_modify(|s| s.syncing = true);
        wait_for(2).await;
        tx.send_modify(|s| {
            s.syncing = false;
            s.backlog = 0;
            s.last_sync_at = Some(1_700_000_000_000);
        });
        wait_for(3).await;
        // The worker stopped: the forwarder ends.
        drop(tx);
        task.await.unwrap();
        let seen = rec.0.lock().unwrap().clone();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0], first);
        assert!(seen[1].syncing);
        assert_eq!((seen[2].syncing, seen[2].backlog), (false, 0));
        assert_eq!(seen[2].last_sync_at, Some(1_700_000_000_000));
    }

    #[test]
    fn window_geometry_round_trips_and_is_made_sane() {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        assert_eq!(WindowGeometry::load(&dir), None);
        let g = WindowGeometry {
            width: 1366,
            height: 768,
            x: 10,
            y: -5,
            maximized: false,
        };
        g.save(&dir).unwrap();
        assert_eq!(WindowGeometry::load(&dir), Some(g));
        // Too small is raised to the smallest supported size.
        WindowGeometry {
            width: 200,
            height: 100,
            ..g
        }
        .save(&dir)
        .unwrap();
        let small = WindowGeometry::load(&dir).unwrap();
        assert_eq!((small.width, small.height), (1024, 700));
        // A damaged or absurd file is the default window, never a panic.
        std::fs::write(t.path().join("window.json"), b"{not json").unwrap();
        assert_eq!(WindowGeometry::load(&dir), None);
        std::fs::write(
            t.path().join("window.json"),
            br#"{"width":99999999,"height":1,"x":0,"y":0,"maximized":false}"#,
        )
        .unwrap();
        assert_eq!(WindowGeometry::load(&dir), None);
    }
}
