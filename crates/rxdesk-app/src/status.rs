//! What the status bar shows: app version, center link, devices. The values
//! are computed from real state; until a center profile or a device is
//! configured they say so instead of pretending to be connected.

use crate::{DataDir, Settings, VERSION};
use serde::Serialize;

/// State of the link to the prescription center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CenterLink {
    /// No profile configured or never reached.
    NotConnected,
    /// Last call succeeded.
    Online,
    /// Last call failed with a transport error.
    Offline,
}

impl CenterLink {
    /// The zh-CN label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NotConnected => "未连接",
            Self::Online => "在线",
            Self::Offline => "离线",
        }
    }
}

/// State of the counter devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DevicesState {
    /// No device configured.
    NotConfigured,
    /// All configured devices answer.
    Ready,
    /// At least one configured device does not answer.
    Degraded,
}

impl DevicesState {
    /// The zh-CN label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NotConfigured => "未配置",
            Self::Ready => "就绪",
            Self::Degraded => "异常",
        }
    }
}

/// Snapshot for the status bar, sent to the UI as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct AppStatus {
    /// App version.
    pub version: String,
    /// Center link state.
    pub center: CenterLink,
    /// Label for `center`.
    pub center_label: String,
    /// Device state.
    pub devices: DevicesState,
    /// Label for `devices`.
    pub devices_label: String,
    /// Store name from settings.
    pub store_name: String,
    /// Whether demo mode is on.
    pub demo_mode: bool,
    /// Data directory in use.
    pub data_dir: String,
    /// UI language from settings.
    pub locale: String,
}

impl AppStatus {
    /// Computes the status from the data directory and settings.
    pub fn current(dir: &DataDir, settings: &Settings) -> Self {
        // No center client or device driver is wired yet, so these are the
        // honest states; they change when those services report otherwise.
        let center = CenterLink::NotConnected;
        let devices = DevicesState::NotConfigured;
        Self {
            version: VERSION.to_string(),
            center,
            center_label: center.label_zh().into(),
            devices,
            devices_label: devices.label_zh().into(),
            store_name: settings.store_name.clone(),
            demo_mode: settings.demo_mode,
            data_dir: dir.root().display().to_string(),
            locale: settings.locale.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_counter_is_not_connected_and_not_configured() {
        let s = AppStatus::current(&DataDir::at("/tmp/rx"), &Settings::default());
        assert_eq!(s.center_label, "未连接");
        assert_eq!(s.devices_label, "未配置");
        assert_eq!(s.version, VERSION);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["center"], "not_connected");
    }
}
