//! Tauri commands: deserialize, call `rxdesk-app`, serialize. Errors go to the
//! UI as sentences that say what to do next.

use rxdesk_app::{AppStatus, DataDir, Settings};

/// State shared by all commands.
pub struct Shared {
    /// The data directory resolved at start.
    pub dir: DataDir,
}

/// The status bar: version, center link, devices.
#[tauri::command]
pub fn app_status(state: tauri::State<'_, Shared>) -> Result<AppStatus, String> {
    let settings = Settings::load(&state.dir).map_err(|e| e.to_string())?;
    Ok(AppStatus::current(&state.dir, &settings))
}

/// Switches the UI language and remembers it.
#[tauri::command]
pub fn set_locale(state: tauri::State<'_, Shared>, locale: String) -> Result<String, String> {
    if locale != "zh-CN" && locale != "en-US" {
        return Err(format!("不支持的语言 {locale}（可选 zh-CN、en-US）"));
    }
    let mut settings = Settings::load(&state.dir).map_err(|e| e.to_string())?;
    settings.locale = locale.clone();
    settings.save(&state.dir).map_err(|e| e.to_string())?;
    tracing::info!(%locale, "locale changed");
    Ok(locale)
}
