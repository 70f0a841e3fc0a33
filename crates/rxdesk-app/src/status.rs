//! What the status bar shows: app version, center link, devices. The values
//! are computed from real state; until a center profile or a device is
//! configured they say so instead of pretending to be connected.

use crate::{DataDir, Settings, VERSION};
use serde::Serialize;

/// State of the link to the prescription center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
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
    #[cfg_attr(feature = "ts", ts(type = "\"zh-CN\" | \"en-US\""))]
    pub locale: String,
    /// One zh-CN line per configured device ("打印机：就绪").
    pub device_lines: Vec<String>,
    /// The same devices by code, as the window words them.
    pub device_states: Vec<rxdesk_devices::status::DeviceLine>,
    /// False on a fresh data directory: the window offers 演示模式 or
    /// 正式接入 first ([`Settings::configured`]).
    pub configured: bool,
    /// Minutes of inactivity before the window locks.
    pub idle_lock_minutes: u32,
}

impl AppStatus {
    /// Computes the status from the data directory and settings.
    pub fn current(dir: &DataDir, settings: &Settings) -> Self {
        // Devices are filled in by `with_devices` from the running drivers.
        let center = center_link(settings);
        let devices = DevicesState::NotConfigured;
        let configured = Settings::configured(dir);
        Self {
            version: VERSION.to_string(),
            center,
            center_label: center.label_zh().into(),
            devices,
            devices_label: devices.label_zh().into(),
            // A fresh data directory is neither a demo nor a live counter yet.
            store_name: if configured {
                settings.store_name.clone()
            } else {
                String::new()
            },
            demo_mode: settings.demo_mode && configured,
            data_dir: dir.root().display().to_string(),
            locale: settings.locale.clone(),
            device_lines: Vec::new(),
            device_states: Vec::new(),
            configured,
            idle_lock_minutes: settings.idle_lock_minutes,
        }
    }

    /// Fills the device fields from the running devices' statuses.
    pub fn with_devices(mut self, statuses: &[rxdesk_devices::status::DeviceStatus]) -> Self {
        let (state, lines) = crate::devices::Devices::summary(statuses);
        self.devices = state;
        self.devices_label = state.label_zh().into();
        self.device_lines = lines;
        self.device_states = statuses.iter().map(|s| s.line()).collect();
        self
    }
}

/// The center link as a blocking probe sees it now: "online" when the
/// center's address answers a TCP connect (a short timeout).
pub fn center_link(settings: &Settings) -> CenterLink {
    match crate::wiring::center_url(settings) {
        None => CenterLink::NotConnected,
        Some(url) if probe(&url) => CenterLink::Online,
        Some(_) => CenterLink::Offline,
    }
}

/// The center link as the status bar shows it live: probed every `period`
/// in the background (settings re-read each time, so onboarding and a new
/// center address count at once), and `on_change` called with each change
/// (and once with the first state). A center that dies is shown offline
/// within one period plus the probe's timeout, without the pharmacist
/// refreshing anything. Runs until its task is dropped (the caller spawns
/// it on its runtime).
pub async fn watch_center(
    dir: DataDir,
    period: std::time::Duration,
    on_change: impl Fn(CenterLink) + Send + 'static,
) {
    {
        let mut last: Option<CenterLink> = None;
        loop {
            let d = dir.clone();
            let now = tokio::task::spawn_blocking(move || {
                // Unreadable settings: nothing configured to reach.
                Settings::load(&d).map_or(CenterLink::NotConnected, |s| center_link(&s))
            })
            .await
            .unwrap_or(CenterLink::NotConnected);
            if last != Some(now) {
                tracing::info!(center = ?now, "center link");
                on_change(now);
                last = Some(now);
            }
            tokio::time::sleep(period).await;
        }
    }
}

/// Blocking TCP connect to the URL's host:port with a short timeout.
fn probe(url: &str) -> bool {
    use std::net::{TcpStream, ToSocketAddrs};
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let hostport = rest.split('/').next().unwrap_or_default();
    let with_port = if hostport.contains(':') {
        hostport.to_string()
    } else if url.starts_with("https://") {
        format!("{hostport}:443")
    } else {
        format!("{hostport}:80")
    };
    let Ok(mut addrs) = with_port.to_socket_addrs() else {
        return false;
    };
    addrs.any(|a| TcpStream::connect_timeout(&a, std::time::Duration::from_millis(800)).is_ok())
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

    async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<CenterLink>) -> CenterLink {
        tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
            .await
            .expect("a change is reported")
            .expect("the watch is running")
    }

    /// The watcher reports the first state, then the center dying, with no
    /// one asking (the status bar's live link).
    #[tokio::test]
    async fn the_watch_reports_a_center_that_dies() {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        dir.ensure().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        Settings {
            center_url: Some(format!("http://{}", listener.local_addr().unwrap())),
            ..Settings::default()
        }
        .save(&dir)
        .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let watch = tokio::spawn(watch_center(
            dir,
            std::time::Duration::from_millis(50),
            move |l| {
                let _ = tx.send(l);
            },
        ));
        assert_eq!(next(&mut rx).await, CenterLink::Online);
        drop(listener);
        assert_eq!(next(&mut rx).await, CenterLink::Offline);
        watch.abort();
    }

    #[test]
    fn center_link_follows_a_real_connect() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let online = Settings {
            center_url: Some(url),
            ..Settings::default()
        };
        assert_eq!(
            AppStatus::current(&DataDir::at("/tmp/rx"), &online).center_label,
            "在线"
        );
        drop(listener);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let offline = Settings {
            center_url: Some(format!("http://127.0.0.1:{port}")),
            ..Settings::default()
        };
        assert_eq!(
            AppStatus::current(&DataDir::at("/tmp/rx"), &offline).center_label,
            "离线"
        );
    }
}
