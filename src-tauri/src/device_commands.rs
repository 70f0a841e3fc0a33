//! Tauri commands of Settings → 设备 (`ui/src/screens/settings/Devices.svelte`):
//! discovery, the device settings, a test of each device class as chosen,
//! and saving the choice. Thin wrappers over `rxdesk_app::devices`.

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use rxdesk_app::devices::{DeviceSettings, DeviceTest, Inventory, TestKind};
use rxdesk_app::Settings;

fn signed_in(state: &Shared) -> Result<(), IpcError> {
    state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?
        .session()
        .map(|_| ())
        .map_err(IpcError::from)
}

/// The device settings as saved.
#[tauri::command]
pub fn devices_settings(state: tauri::State<'_, Shared>) -> Result<DeviceSettings, IpcError> {
    signed_in(&state)?;
    Ok(Settings::load(&state.dir).map_err(IpcError::from)?.devices)
}

/// What is attached: serial ports, HID devices, printer files, vendor libraries.
#[tauri::command]
pub async fn devices_discover(state: tauri::State<'_, Shared>) -> Result<Inventory, IpcError> {
    signed_in(&state)?;
    let dirs = Settings::load(&state.dir)
        .map_err(IpcError::from)?
        .devices
        .library_dirs;
    tokio::task::spawn_blocking(move || rxdesk_app::devices::inventory(&dirs))
        .await
        .map_err(IpcError::from)
}

/// Tests one device class (read a card, decode a QR, face ping, test print)
/// with the settings as chosen on screen (`settings`), saved or not.
#[tauri::command]
pub async fn device_test(
    state: tauri::State<'_, Shared>,
    kind: TestKind,
    settings: Option<DeviceSettings>,
    qr: Option<String>,
) -> Result<DeviceTest, IpcError> {
    signed_in(&state)?;
    let devices = state.devices.0.current();
    Ok(devices.test_candidate(settings.as_ref(), kind, qr).await)
}

/// Saves the device choice and applies it at once: the running devices
/// stop, the chosen ones start, and the visit service identifies and prints
/// through them from now on (no restart).
#[tauri::command]
pub async fn devices_save(
    state: tauri::State<'_, Shared>,
    settings: DeviceSettings,
) -> Result<String, IpcError> {
    signed_in(&state)?;
    let mut all = Settings::load(&state.dir).map_err(IpcError::from)?;
    all.devices = settings.clone();
    all.save(&state.dir).map_err(IpcError::from)?;
    tracing::info!("device settings saved");
    // Stopping a supervisor waits for its thread: off the async runtime.
    let live = std::sync::Arc::clone(&state.devices.0);
    tokio::task::spawn_blocking(move || live.apply(&settings))
        .await
        .map_err(IpcError::from)?;
    if let Ok(c) = state.counter.as_ref() {
        state.devices.attach_to(c);
    }
    Ok("设备设置已保存并已生效".into())
}
