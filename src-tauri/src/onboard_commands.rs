//! Tauri commands of the first start (演示模式 / 正式接入), the credential
//! unlock after a reboot, and the manager's settings and staff editing.
//! Thin wrappers: the wizard calls `rxdesk_app::onboarding` — the same
//! service as `rxdesk setup` — and the editors `rxdesk_app::settings_edit`
//! and `rxdesk_app::staff`.

use crate::commands::{DeviceHub, Shared};
use crate::manager_commands::ManagerState;
use rxdesk_app::onboarding::{self, ProfilePreview, SetupReport, SetupRequest, TrustItem};
use rxdesk_app::settings_edit::{SaveOutcome, SettingsPatch};
use rxdesk_app::staff::{NewStaff, StaffChange};
use rxdesk_app::{Counter, DataDir, Settings};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// The counter of this window: opened at start when the data directory is
/// set up (and its credentials open), else once the first-start choice or
/// the unlock is done. Set once; until then every counter command answers
/// with the sentence of [`Pending`].
pub struct CounterSlot {
    cell: OnceLock<Result<Counter, String>>,
    pending: Mutex<Pending>,
    waiting: String,
}

/// Why the counter is not open yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Pending {
    /// A fresh data directory: choose 演示模式 or 正式接入.
    Unconfigured,
    /// Production, the OS forgot the vault key: the manager's passphrase
    /// is needed.
    Locked {
        /// The vault's sentence.
        message: String,
    },
    /// Opened (or failed to open: the error is in the slot).
    Ready,
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
            cell: OnceLock::new(),
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

    /// The counter, or why there is none (same shape as the `Result` it
    /// replaces, so the commands' `state.counter.as_ref()` is unchanged).
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
/// while production credentials need the passphrase, else the counter.
pub fn startup_slot(dir: &DataDir) -> CounterSlot {
    if !Settings::configured(dir) {
        tracing::info!("fresh data directory: first-start choice");
        return CounterSlot::waiting(Pending::Unconfigured);
    }
    let settings = match Settings::load(dir) {
        Ok(s) => s,
        Err(e) => return CounterSlot::opened(Err(e.to_string())),
    };
    if !settings.demo_mode && rxdesk_app::onboarding::profile_path(dir).is_file() {
        if let Err(e) = rxdesk_app::credentials::load(dir) {
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

/// Opens the ledger and services; in demo mode seeds the demo pharmacy in
/// the background.
pub fn open_counter(dir: &DataDir, settings: &Settings) -> Result<Counter, String> {
    let counter = Counter::open(dir, settings).map_err(|e| {
        tracing::error!(error = %e, "ledger unavailable");
        e.to_string()
    })?;
    #[cfg(feature = "demo")]
    if settings.demo_mode {
        // Demo mode: the demo pharmacy's catalogue and stock (rxdesk-demo),
        // imported in the background on first start as the demo manager
        // (all-or-nothing; the window does not wait).
        let store = std::sync::Arc::clone(counter.store());
        let spawned = std::thread::Builder::new()
            .name("demo catalogue".into())
            .spawn(move || {
                let (login, _, _, password) = rxdesk_app::operators::DEMO_OPERATORS[0];
                let seeded = store.login(login, password).and_then(|manager| {
                    rxdesk_demo::pharmacy::seed_demo_pharmacy(&store, &manager)
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

fn go_live(shared: &Shared, mgr: &ManagerState, hub: &DeviceHub) -> Result<(), String> {
    let settings = Settings::load(&shared.dir).map_err(|e| e.to_string())?;
    let counter = open_counter(&shared.dir, &settings)?;
    shared.counter.fill(counter)?;
    // The devices started with the window (before there was a counter)
    // serve the new counter at once: the data directory's device settings
    // (an unlocked one may have its own) replace them, then they are
    // attached to its visit service.
    if hub.0.current().settings() != &settings.devices {
        hub.0.apply(&settings.devices);
    }
    if let Ok(c) = shared.counter.as_ref() {
        hub.attach_to(c);
    }
    mgr.reconnect(&shared.dir);
    mgr.start_spawned(shared);
    Ok(())
}

/// What the window shows first: the first-start choice, the unlock, or the
/// sign-in.
#[tauri::command]
pub fn startup_state(state: tauri::State<'_, Shared>) -> Pending {
    state.counter.pending()
}

/// 演示模式: a demo counter in this data directory (demo accounts, demo
/// catalogue; the emulator address from `RXDESK_CENTER_URL` when set).
#[tauri::command]
pub fn onboard_demo(
    state: tauri::State<'_, Shared>,
    mgr: tauri::State<'_, ManagerState>,
    hub: tauri::State<'_, DeviceHub>,
    locale: Option<String>,
) -> Result<(), String> {
    if state.counter.pending() != Pending::Unconfigured {
        return Err("此数据目录已经设置过 / already set up".into());
    }
    if !cfg!(feature = "demo") {
        return Err(rxdesk_app::wiring::NO_DEMO_IN_THIS_BUILD.into());
    }
    let settings = Settings {
        demo_mode: true,
        center_url: rxdesk_app::wiring::center_url(&Settings::default()),
        locale: locale
            .filter(|l| l == "zh-CN" || l == "en-US")
            .unwrap_or_else(|| "zh-CN".into()),
        ..Settings::default()
    };
    settings.save(&state.dir).map_err(|e| e.to_string())?;
    tracing::info!("first start: demo mode chosen");
    go_live(&state, &mgr, &hub)
}

/// Wizard step: the profile file, checked field by field.
#[tauri::command]
pub fn onboard_check_profile(path: String) -> Result<ProfilePreview, String> {
    onboarding::preview_profile(&PathBuf::from(path.trim())).map_err(|e| e.to_string())
}

/// Wizard step: the issued credential directory (fingerprints only).
#[tauri::command]
pub fn onboard_check_credentials(
    path: String,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    onboarding::preview_credentials(&PathBuf::from(path.trim())).map_err(|e| e.to_string())
}

/// Wizard step: the CA roots and CRLs (a directory or one file).
#[tauri::command]
pub fn onboard_check_trust(path: String) -> Result<Vec<TrustItem>, String> {
    onboarding::check_trust_dir(&PathBuf::from(path.trim()))
        .map(|v| v.into_iter().map(|(_, t)| t).collect())
        .map_err(|e| e.to_string())
}

/// Wizard step: the pharmacy code (national format, and the profile's).
#[tauri::command]
pub fn onboard_check_pharmacy(code: String, profile: String) -> Result<(), String> {
    onboarding::check_pharmacy_code(&code, &PathBuf::from(profile.trim()))
        .map_err(|e| e.to_string())
}

/// What the wizard sends at the end.
#[derive(Debug, Deserialize)]
pub struct WizardRequest {
    profile: String,
    credentials: String,
    trust: String,
    pharmacy_code: String,
    pharmacy_name: String,
    terminal_no: u32,
    manager_login: String,
    manager_name: String,
    password: String,
    locale: Option<String>,
}

/// 正式接入: the whole setup (the same service as `rxdesk setup`) into
/// this window's data directory; on success the counter opens in
/// production mode.
#[tauri::command]
pub async fn onboard_setup(
    state: tauri::State<'_, Shared>,
    mgr: tauri::State<'_, ManagerState>,
    hub: tauri::State<'_, DeviceHub>,
    request: WizardRequest,
) -> Result<SetupReport, String> {
    if state.counter.pending() != Pending::Unconfigured {
        return Err("此数据目录已经设置过 / already set up".into());
    }
    let req = SetupRequest {
        profile: PathBuf::from(request.profile.trim()),
        credentials: PathBuf::from(request.credentials.trim()),
        trust: PathBuf::from(request.trust.trim()),
        pharmacy_code: request.pharmacy_code,
        manager_login: request.manager_login,
        manager_name: request.manager_name,
        password: request.password,
        data_dir: state.dir.clone(),
        center_url: None,
        pharmacy_name: Some(request.pharmacy_name),
        terminal_no: request.terminal_no,
        locale: request.locale,
    };
    let report = onboarding::setup(&req).await.map_err(|e| e.to_string())?;
    // The vault was sealed under the manager's password; keep it open for
    // this process whether or not the OS holds the key.
    rxdesk_app::credentials::unlock(&state.dir, &req.password).map_err(|e| e.to_string())?;
    go_live(&state, &mgr, &hub)?;
    Ok(report)
}

/// After a reboot: the manager's passphrase opens the sealed credentials,
/// then the counter opens. A wrong one changes nothing.
#[tauri::command]
pub fn credentials_unlock(
    state: tauri::State<'_, Shared>,
    mgr: tauri::State<'_, ManagerState>,
    hub: tauri::State<'_, DeviceHub>,
    passphrase: String,
) -> Result<(), String> {
    if !matches!(state.counter.pending(), Pending::Locked { .. }) {
        return Err("医保凭证无需解锁 / nothing to unlock".into());
    }
    rxdesk_app::credentials::unlock(&state.dir, &passphrase).map_err(|e| e.to_string())?;
    tracing::info!("credentials unlocked with the manager's passphrase");
    go_live(&state, &mgr, &hub)
}

fn manager_session(state: &Shared) -> Result<(&Counter, rxdesk_app::manager::Session), String> {
    let counter = state.counter.as_ref().map_err(Clone::clone)?;
    let session = counter.session().map_err(|e| e.to_string())?;
    Ok((counter, session))
}

/// The settings a manager can edit (the current values).
#[tauri::command]
pub fn settings_current(state: tauri::State<'_, Shared>) -> Result<Settings, String> {
    manager_session(&state)?;
    Settings::load(&state.dir).map_err(|e| e.to_string())
}

/// Saves a manager's settings edit (validated, audit-logged old → new).
#[tauri::command]
pub fn settings_save(
    state: tauri::State<'_, Shared>,
    patch: SettingsPatch,
) -> Result<SaveOutcome, String> {
    let (counter, session) = manager_session(&state)?;
    rxdesk_app::settings_edit::apply(&state.dir, counter.store(), &session, &patch)
        .map_err(|e| e.to_string())
}

/// Creates an account (manager).
#[tauri::command]
pub fn staff_create(state: tauri::State<'_, Shared>, staff: NewStaff) -> Result<(), String> {
    let (counter, session) = manager_session(&state)?;
    rxdesk_app::staff::create(counter.store(), &session, &staff)
}

/// Disables, resets, changes the role of, registers or unlocks an account.
#[tauri::command]
pub fn staff_change(
    state: tauri::State<'_, Shared>,
    login: String,
    change: StaffChange,
) -> Result<String, String> {
    let (counter, session) = manager_session(&state)?;
    rxdesk_app::staff::change(counter.store(), &session, &login, &change)
}

/// The signed-in pharmacist confirms her own e-voucher.
#[tauri::command]
pub async fn evoucher_bind(
    state: tauri::State<'_, Shared>,
    evoucher: String,
) -> Result<String, String> {
    let (counter, session) = manager_session(&state)?;
    let visits = counter.visits().map_err(|e| e.to_string())?;
    visits
        .bind_own_evoucher(&session, &evoucher)
        .await
        .map_err(|e| e.to_string())
}
