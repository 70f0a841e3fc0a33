//! Tauri commands of the first start (演示模式 / 正式接入), the credential
//! unlock after a reboot, and the manager's settings and staff editing.
//! Thin wrappers: the first start and the unlock call the composition root
//! (`rxdesk_app::app::App`), the wizard's checks `rxdesk_app::onboarding` —
//! the same service as `rxdesk setup` — and the editors
//! `rxdesk_app::settings_edit` and `rxdesk_app::staff`.

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use rxdesk_app::app::Pending;
use rxdesk_app::onboarding::{self, ProfilePreview, SetupReport, SetupRequest, TrustItem};
use rxdesk_app::settings_edit::{SaveOutcome, SettingsPatch};
use rxdesk_app::staff::{NewStaff, StaffChange};
use rxdesk_app::{Counter, Settings};
use serde::Deserialize;
use std::path::PathBuf;

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
    locale: Option<String>,
) -> Result<(), IpcError> {
    state
        .choose_demo(locale)
        .map_err(|e| IpcError::refused("SETUP_REFUSED", e))
}

/// Wizard step: the profile file, checked field by field.
#[tauri::command]
pub fn onboard_check_profile(path: String) -> Result<ProfilePreview, IpcError> {
    onboarding::preview_profile(&PathBuf::from(path.trim())).map_err(IpcError::from)
}

/// Wizard step: the issued credential directory (fingerprints only).
#[tauri::command]
pub fn onboard_check_credentials(
    path: String,
) -> Result<std::collections::BTreeMap<String, String>, IpcError> {
    onboarding::preview_credentials(&PathBuf::from(path.trim())).map_err(IpcError::from)
}

/// Wizard step: the CA roots and CRLs (a directory or one file).
#[tauri::command]
pub fn onboard_check_trust(path: String) -> Result<Vec<TrustItem>, IpcError> {
    onboarding::check_trust_dir(&PathBuf::from(path.trim()))
        .map(|v| v.into_iter().map(|(_, t)| t).collect())
        .map_err(IpcError::from)
}

/// Wizard step: the pharmacy code (national format, and the profile's).
#[tauri::command]
pub fn onboard_check_pharmacy(code: String, profile: String) -> Result<(), IpcError> {
    onboarding::check_pharmacy_code(&code, &PathBuf::from(profile.trim())).map_err(IpcError::from)
}

/// What the wizard sends at the end.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
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
    request: WizardRequest,
) -> Result<SetupReport, IpcError> {
    if state.counter.pending() != Pending::Unconfigured {
        return Err(IpcError::new("ALREADY_SET_UP", "already set up"));
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
    state
        .setup_production(req)
        .await
        .map_err(|e| IpcError::refused("SETUP_REFUSED", e))
}

/// After a reboot: the manager's passphrase opens the sealed credentials
/// (and the ledger's key), then the counter opens. A wrong one changes
/// nothing.
#[tauri::command]
pub fn credentials_unlock(
    state: tauri::State<'_, Shared>,
    passphrase: String,
) -> Result<(), IpcError> {
    state
        .unlock(&passphrase)
        .map_err(|e| IpcError::refused("UNLOCK_REFUSED", e))
}

fn manager_session(state: &Shared) -> Result<(&Counter, rxdesk_app::manager::Session), IpcError> {
    let counter = state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?;
    let session = counter.session().map_err(IpcError::from)?;
    Ok((counter, session))
}

/// The settings a manager can edit (the current values).
#[tauri::command]
pub fn settings_current(state: tauri::State<'_, Shared>) -> Result<Settings, IpcError> {
    manager_session(&state)?;
    Settings::load(&state.dir).map_err(IpcError::from)
}

/// Saves a manager's settings edit (validated, audit-logged old → new).
#[tauri::command]
pub fn settings_save(
    state: tauri::State<'_, Shared>,
    patch: SettingsPatch,
) -> Result<SaveOutcome, IpcError> {
    let (counter, session) = manager_session(&state)?;
    rxdesk_app::settings_edit::apply(&state.dir, counter.store(), &session, &patch)
        .map_err(IpcError::from)
}

/// Creates an account (manager).
#[tauri::command]
pub fn staff_create(state: tauri::State<'_, Shared>, staff: NewStaff) -> Result<(), IpcError> {
    let (counter, session) = manager_session(&state)?;
    rxdesk_app::staff::create(counter.store(), &session, &staff)
        .map_err(|e| IpcError::refused("STAFF_REFUSED", e))
}

/// Disables, resets, changes the role of, registers or unlocks an account.
#[tauri::command]
pub fn staff_change(
    state: tauri::State<'_, Shared>,
    login: String,
    change: StaffChange,
) -> Result<String, IpcError> {
    let (counter, session) = manager_session(&state)?;
    rxdesk_app::staff::change(counter.store(), &session, &login, &change)
        .map_err(|e| IpcError::refused("STAFF_REFUSED", e))
}

/// The signed-in pharmacist confirms her own e-voucher.
#[tauri::command]
pub async fn evoucher_bind(
    state: tauri::State<'_, Shared>,
    evoucher: String,
) -> Result<String, IpcError> {
    let (counter, session) = manager_session(&state)?;
    let visits = counter.visits().map_err(IpcError::from)?;
    visits
        .bind_own_evoucher(&session, &evoucher)
        .await
        .map_err(IpcError::from)
}
