//! Tauri commands: deserialize, call `rxdesk-app`, serialize. Errors go to the
//! UI as sentences that say what to do next.

use rxdesk_app::desk::{Credential, PrescriptionView};
use rxdesk_app::{AppStatus, Counter, OperatorInfo, Settings};
use rxdesk_center::messages::AuthorisedRx;

/// The one piece of state of the window: the app's composition root.
pub type Shared = rxdesk_app::app::App;

fn counter(state: &Shared) -> Result<&Counter, String> {
    state.counter.as_ref().map_err(Clone::clone)
}

/// Signs an operator in; `role` is the role chosen on the login screen.
#[tauri::command]
pub fn login(
    state: tauri::State<'_, Shared>,
    login: String,
    password: String,
    role: Option<String>,
) -> Result<OperatorInfo, String> {
    counter(&state)?
        .login(&login, &password, role.as_deref())
        .map_err(|e| e.to_string())
}

/// Signs the current operator out.
#[tauri::command]
pub fn logout(state: tauri::State<'_, Shared>) -> Result<(), String> {
    counter(&state)?.logout();
    Ok(())
}

/// The signed-in operator, if any.
#[tauri::command]
pub fn current_operator(state: tauri::State<'_, Shared>) -> Result<Option<OperatorInfo>, String> {
    Ok(counter(&state)?.current())
}

/// Demo accounts to show on the login screen (empty outside demo mode).
#[tauri::command]
pub fn demo_accounts(
    state: tauri::State<'_, Shared>,
) -> Result<Vec<(String, String, String)>, String> {
    let settings = Settings::load(&state.dir).map_err(|e| e.to_string())?;
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
pub async fn app_status(state: tauri::State<'_, Shared>) -> Result<AppStatus, String> {
    let settings = Settings::load(&state.dir).map_err(|e| e.to_string())?;
    let dir = state.dir.clone();
    let devices = state.devices.0.current();
    tokio::task::spawn_blocking(move || {
        AppStatus::current(&dir, &settings).with_devices(&devices.refresh())
    })
    .await
    .map_err(|e| e.to_string())
}

/// Switches the UI language and remembers it.
#[tauri::command]
pub fn set_locale(state: tauri::State<'_, Shared>, locale: String) -> Result<String, String> {
    if locale != "zh-CN" && locale != "en-US" {
        return Err(format!("不支持的语言 {locale}（可选 zh-CN、en-US）"));
    }
    // A fresh data directory stays fresh (the first-start choice takes the
    // language along); writing settings.json would make it a demo counter.
    if Settings::configured(&state.dir) {
        let mut settings = Settings::load(&state.dir).map_err(|e| e.to_string())?;
        settings.locale = locale.clone();
        settings.save(&state.dir).map_err(|e| e.to_string())?;
    }
    tracing::info!(%locale, "locale changed");
    Ok(locale)
}

/// 7202: the patient's authorised prescriptions.
#[tauri::command]
pub async fn find_prescriptions(
    state: tauri::State<'_, Shared>,
    credential: Credential,
    number: String,
) -> Result<Vec<AuthorisedRx>, String> {
    let counter = counter(&state)?;
    let session = counter.session().map_err(|e| e.to_string())?;
    let desk = counter.desk().map_err(|e| e.to_string())?;
    desk.find_prescriptions(&session, credential, &number)
        .await
        .map_err(|e| e.to_string())
}

/// 7203 + local signature verification.
#[tauri::command]
pub async fn open_prescription(
    state: tauri::State<'_, Shared>,
    auth_rxno: String,
) -> Result<PrescriptionView, String> {
    let counter = counter(&state)?;
    let session = counter.session().map_err(|e| e.to_string())?;
    let desk = counter.desk().map_err(|e| e.to_string())?;
    desk.open_prescription(counter.store(), &session, &auth_rxno, chrono::Utc::now())
        .await
        .map_err(|e| e.to_string())
}

/// The settings screen: center, store, trust certificates and CRLs, devices,
/// operators (signed-in operators only).
#[tauri::command]
pub async fn settings_view(
    state: tauri::State<'_, Shared>,
) -> Result<rxdesk_app::settings_view::SettingsView, String> {
    let counter = counter(&state)?;
    counter.session().map_err(|e| e.to_string())?;
    let settings = Settings::load(&state.dir).map_err(|e| e.to_string())?;
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
    .map_err(|e| e.to_string())
}

/// Prints a test slip on the configured receipt printer.
#[tauri::command]
pub async fn device_test_print(state: tauri::State<'_, Shared>) -> Result<String, String> {
    counter(&state)?.session().map_err(|e| e.to_string())?;
    let settings = Settings::load(&state.dir).map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || {
        rxdesk_app::settings_view::test_print(&settings, &settings.store_name)
    })
    .await
    .map_err(|e| e.to_string())?
}
