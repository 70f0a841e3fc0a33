//! Tauri commands: deserialize, call `rxdesk-app`, serialize. Errors go to the
//! UI as `IpcError` (`ipc_error.rs`): a code and its params, rendered in the
//! window's locale.

use crate::ipc_error::IpcError;
use rxdesk_app::{AppStatus, Counter, OperatorInfo, Settings};

/// The one piece of state of the window: the app's composition root.
pub type Shared = rxdesk_app::app::App;

fn counter(state: &Shared) -> Result<&Counter, IpcError> {
    state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))
}

/// Signs an operator in; `role` is the role chosen on the login screen.
#[tauri::command]
pub fn login(
    state: tauri::State<'_, Shared>,
    login: String,
    password: String,
    role: Option<String>,
) -> Result<OperatorInfo, IpcError> {
    counter(&state)?
        .login(&login, &password, role.as_deref())
        .map_err(IpcError::from)
}

/// Signs the current operator out.
#[tauri::command]
pub fn logout(state: tauri::State<'_, Shared>) -> Result<(), IpcError> {
    counter(&state)?.logout();
    Ok(())
}

/// The signed-in operator, if any.
#[tauri::command]
pub fn current_operator(state: tauri::State<'_, Shared>) -> Result<Option<OperatorInfo>, IpcError> {
    Ok(counter(&state)?.current())
}

/// Demo accounts to show on the login screen (empty outside demo mode).
#[tauri::command]
pub fn demo_accounts(
    state: tauri::State<'_, Shared>,
) -> Result<Vec<(String, String, String)>, IpcError> {
    let settings = Settings::load(&state.dir).map_err(IpcError::from)?;
    Ok(demo_account_rows(settings.demo_mode))
}

/// The demo accounts of a demo build in demo mode; a production build has
/// none to show (the accounts are not compiled in).
#[cfg(feature = "demo")]
fn demo_account_rows(demo_mode: bool) -> Vec<(String, String, String)> {
    if !demo_mode {
        return Vec::new();
    }
    rxdesk_app::operators::DEMO_OPERATORS
        .iter()
        .map(|(login, name, role, password)| {
            (
                format!("{login} {name}"),
                role.code().to_string(),
                password.to_string(),
            )
        })
        .collect()
}

/// A production build: no demo accounts.
#[cfg(not(feature = "demo"))]
fn demo_account_rows(_demo_mode: bool) -> Vec<(String, String, String)> {
    Vec::new()
}

/// The UI calls this once the login screen is painted with real status.
/// Logs the start-up time; under `RXDESK_EXIT_WHEN_READY` prints it and exits.
#[tauri::command]
pub fn ui_ready(app: tauri::AppHandle, state: tauri::State<'_, Shared>) -> u128 {
    let ms = state.started.elapsed().as_millis();
    tracing::info!(startup_ms = %ms, "login screen ready");
    if state.exit_when_ready {
        println!("ready_ms={ms}");
        app.exit(0);
    }
    ms
}

/// The status bar: version, center link (a real connect probe, off the UI
/// thread), devices.
#[tauri::command]
pub async fn app_status(state: tauri::State<'_, Shared>) -> Result<AppStatus, IpcError> {
    let settings = Settings::load(&state.dir).map_err(IpcError::from)?;
    let dir = state.dir.clone();
    let devices = state.devices.0.current();
    tokio::task::spawn_blocking(move || {
        AppStatus::current(&dir, &settings).with_devices(&devices.refresh())
    })
    .await
    .map_err(IpcError::from)
}

/// Switches the UI language and remembers it.
#[tauri::command]
pub fn set_locale(state: tauri::State<'_, Shared>, locale: String) -> Result<String, IpcError> {
    if locale != "zh-CN" && locale != "en-US" {
        return Err(IpcError::new("LOCALE_UNSUPPORTED", &locale).with("locale", locale));
    }
    // A fresh data directory stays fresh (the first-start choice takes the
    // language along); writing settings.json would make it a demo counter.
    if Settings::configured(&state.dir) {
        let mut settings = Settings::load(&state.dir).map_err(IpcError::from)?;
        settings.locale = locale.clone();
        settings.save(&state.dir).map_err(IpcError::from)?;
    }
    tracing::info!(%locale, "locale changed");
    Ok(locale)
}

/// The settings screen: center, store, trust certificates and CRLs, devices,
/// operators (signed-in operators only).
#[tauri::command]
pub async fn settings_view(
    state: tauri::State<'_, Shared>,
) -> Result<rxdesk_app::settings_view::SettingsView, IpcError> {
    let counter = counter(&state)?;
    counter.session().map_err(IpcError::from)?;
    let settings = Settings::load(&state.dir).map_err(IpcError::from)?;
    let (dir, store, devices) = (
        state.dir.clone(),
        std::sync::Arc::clone(counter.store()),
        state.devices.0.current(),
    );
    tokio::task::spawn_blocking(move || {
        rxdesk_app::settings_view::SettingsView::gather(
            &dir,
            &settings,
            Some(&store),
            &devices.refresh(),
            chrono::Utc::now(),
        )
    })
    .await
    .map_err(IpcError::from)
}

/// Prints a test slip on the configured receipt printer.
#[tauri::command]
pub async fn device_test_print(state: tauri::State<'_, Shared>) -> Result<String, IpcError> {
    counter(&state)?.session().map_err(IpcError::from)?;
    let settings = Settings::load(&state.dir).map_err(IpcError::from)?;
    tokio::task::spawn_blocking(move || {
        rxdesk_app::settings_view::test_print(&settings, &settings.store_name)
    })
    .await?
    .map_err(|e| IpcError::refused("DEVICE_TEST_FAILED", e))
}
