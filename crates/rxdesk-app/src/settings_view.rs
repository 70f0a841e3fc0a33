//! What the settings screen shows (docs/reference/counter-workflow.md §Screens): the center link, the store, the
//! 医保 CA certificates and CRLs in the trust directory with their validity,
//! the configured devices with their live status, and the operators. Read
//! only; plus a test print on the configured receipt printer.

use crate::devices::Devices;
use crate::{DataDir, Settings};
use chrono::{DateTime, Utc};
use rxdesk_devices::printer::escpos::{Align, EscPosBuilder};
use rxdesk_devices::printer::ReceiptPrinter;
use rxdesk_devices::status::DeviceStatus;
use rxdesk_gm::trust::TrustStore;
use rxdesk_store::{OperatorListing, Store};
use serde::Serialize;

/// One CA certificate of the trust directory.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TrustCert {
    /// `root` or `intermediate`.
    pub kind: &'static str,
    /// Subject DN.
    pub subject: String,
    /// Serial (hex).
    pub serial: String,
    /// notAfter, CST wire time.
    pub not_after: String,
    /// Expired at the time the view was made.
    pub expired: bool,
}

/// The settings screen's content.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// Center base URL.
    pub center_url: Option<String>,
    /// Store name.
    pub store_name: String,
    /// 定点医药机构编号 (from the ledger, else settings).
    pub fixmedins_code: String,
    /// Demo mode.
    pub demo_mode: bool,
    /// Data directory.
    pub data_dir: String,
    /// CA certificates in `<data>/trust`.
    pub trust: Vec<TrustCert>,
    /// Why the trust directory could not be read, if so (zh-CN).
    pub trust_error: Option<String>,
    /// CRL files in `<data>/trust` (the CRL cache is refreshed from the distribution points).
    pub crl_files: Vec<String>,
    /// One line per configured device with its live status.
    pub device_lines: Vec<String>,
    /// The same devices by code, as the window words them.
    pub device_states: Vec<rxdesk_devices::status::DeviceLine>,
    /// The configured devices (settings.json `devices`).
    pub devices: rxdesk_devices::settings::DeviceSettings,
    /// Operators.
    pub operators: Vec<OperatorListing>,
}

impl SettingsView {
    /// Gathers the view (reads the trust directory and the ledger).
    pub fn gather(
        dir: &DataDir,
        settings: &Settings,
        store: Option<&Store>,
        devices: &[DeviceStatus],
        now: DateTime<Utc>,
    ) -> Self {
        let trust_dir = dir.trust();
        let (trust, trust_error) = match TrustStore::load_dir(&trust_dir) {
            Ok(ts) => {
                let cert = |kind, c: &rxdesk_gm::cert::Certificate| TrustCert {
                    kind,
                    subject: c.subject_dn(),
                    serial: c.serial_hex(),
                    not_after: rxdesk_core::time::format_wire(c.not_after()),
                    expired: c.not_after() < now,
                };
                let mut v: Vec<TrustCert> = ts.roots().iter().map(|c| cert("root", c)).collect();
                v.extend(ts.intermediates().iter().map(|c| cert("intermediate", c)));
                (v, None)
            }
            Err(e) => (
                Vec::new(),
                Some(format!(
                    "信任目录 {} 无法读取：{e}。请放入医保 CA 根证书后重启",
                    trust_dir.display()
                )),
            ),
        };
        let mut crl_files: Vec<String> = std::fs::read_dir(&trust_dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".crl"))
            .collect();
        crl_files.sort();
        let fixmedins_code = store
            .and_then(|s| s.institution().ok().flatten())
            .unwrap_or_else(|| settings.fixmedins_code.clone());
        Self {
            center_url: crate::wiring::center_url(settings),
            store_name: settings.store_name.clone(),
            fixmedins_code,
            demo_mode: settings.demo_mode,
            data_dir: dir.root().display().to_string(),
            trust,
            trust_error,
            crl_files,
            device_lines: Devices::summary(devices).1,
            device_states: devices.iter().map(|s| s.line()).collect(),
            devices: settings.devices.clone(),
            operators: store.and_then(|s| s.operators().ok()).unwrap_or_default(),
        }
    }
}

/// Prints a test slip on the configured receipt printer; the outcome in zh-CN.
pub fn test_print(settings: &Settings, store_name: &str) -> Result<String, String> {
    let Some(p) = &settings.devices.printer else {
        return Err("未配置小票打印机：请在 settings.json 的 devices.printer 中配置后重启".into());
    };
    let job = EscPosBuilder::new(p.width)
        .align(Align::Center)
        .bold(true)
        .line("打印测试 / Test print")
        .bold(false)
        .line(store_name)
        .line(&rxdesk_core::time::format_wire(Utc::now()))
        .rule()
        .line("中文、数字 0123456789 与条码均应清晰")
        .code128("RXDESK-TEST")
        .feed(2)
        .cut()
        .build();
    let mut printer = rxdesk_devices::settings::open_printer(p);
    printer
        .print(&job)
        .map(|()| format!("已发送测试页到 {}", printer.name()))
        .map_err(|e| e.message_zh())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxdesk_devices::printer::PrinterLink;
    use rxdesk_devices::settings::PrinterSettings;
    use rxdesk_devices::sim::printer::PrinterSim;

    #[test]
    fn a_fresh_directory_lists_nothing_and_says_why_the_trust_store_is_empty() {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        let v = SettingsView::gather(&dir, &Settings::default(), None, &[], Utc::now());
        assert!(v.trust.is_empty());
        assert!(v.operators.is_empty());
        assert!(v.device_lines.is_empty());
        assert_eq!(v.store_name, "演示药店");
    }

    #[test]
    fn demo_ca_and_operators_are_listed() {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        dir.ensure().unwrap();
        std::fs::create_dir_all(dir.trust()).unwrap();
        let pki = rxdesk_gm::issue::DemoPki::generate("H11010100001", "演示医院", Utc::now(), None)
            .unwrap();
        std::fs::write(dir.trust().join("ca.pem"), pki.root.cert.to_pem()).unwrap();
        let counter = crate::Counter::open(&dir, &Settings::default()).unwrap();
        let v = SettingsView::gather(
            &dir,
            &Settings::default(),
            Some(counter.store()),
            &[],
            Utc::now(),
        );
        assert_eq!(v.trust.len(), 1, "{:?}", v.trust_error);
        assert_eq!(v.trust[0].kind, "root");
        assert!(!v.trust[0].expired);
        let logins: Vec<&str> = v.operators.iter().map(|o| o.login.as_str()).collect();
        assert_eq!(logins, ["1001", "2001", "3001"]);
    }

    #[test]
    fn test_print_reaches_the_printer_or_says_what_to_do() {
        assert!(test_print(&Settings::default(), "x")
            .unwrap_err()
            .contains("未配置"));
        let sim = PrinterSim::start_tcp("127.0.0.1:0").unwrap();
        let mut s = Settings::default();
        s.devices.printer = Some(PrinterSettings {
            link: PrinterLink::Tcp {
                addr: sim.addr().unwrap().to_string(),
            },
            width: Default::default(),
            cash_drawer: false,
            timeout_ms: 1000,
        });
        let ok = test_print(&s, "演示药店").unwrap();
        assert!(ok.starts_with("已发送测试页"), "{ok}");
        assert!(sim.wait_for_cut(std::time::Duration::from_secs(5)));
    }
}
