//! Counter settings, one JSON file in the data directory. A settings file that
//! does not parse is reported, never silently replaced with defaults.

use crate::{AppError, DataDir};
use serde::{Deserialize, Serialize};

/// Persistent settings of one counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    /// UI language: `zh-CN` (default) or `en-US`.
    pub locale: String,
    /// Demo mode: talk to the bundled center emulator and device simulators.
    pub demo_mode: bool,
    /// Center base URL; `None` until configured.
    pub center_url: Option<String>,
    /// Store (定点零售药店) name shown on receipts.
    pub store_name: String,
    /// 定点医药机构编号 (12 characters).
    pub fixmedins_code: String,
    /// This counter's terminal number (收银台编号, 0–9), unique within the
    /// pharmacy: the first digit of the serial of every msgid and 零售单据号
    /// it issues, so two counters of one pharmacy never collide
    /// (docs/protocol.md, "msgid layout"; docs/decisions/0007). Set at
    /// onboarding (`rxdesk setup --terminal-no N`), changed with `rxdesk
    /// terminal --set N`. `None` = never set: demo mode uses 0, production
    /// refuses center work ([`Settings::checked_terminal_no`]).
    pub terminal_no: Option<u32>,
    /// Counter devices (scanner, receipt printer, card reader, e-voucher
    /// library); nothing configured by default.
    pub devices: rxdesk_devices::settings::DeviceSettings,
    /// Days receipts, medication guidance PDFs and exports are kept in the
    /// data directory; older ones are deleted at start-up (at least 1).
    pub document_retention_days: u32,
    /// Minutes without a key or pointer event before the window locks
    /// itself (1–120).
    pub idle_lock_minutes: u32,
    /// Receipt header: the pharmacy's address printed under its name.
    pub receipt_address: String,
    /// Receipt header: the service phone printed under the address.
    pub receipt_phone: String,
    /// Seconds between two chain sync rounds with head office (issue 17);
    /// `None` = [`crate::chain::DEFAULT_INTERVAL`] (300 s). At least 10.
    pub chain_sync_interval_secs: Option<u64>,
}

/// Default of [`Settings::idle_lock_minutes`].
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 5;
/// Longest idle-lock time a manager may set (minutes).
pub const MAX_IDLE_LOCK_MINUTES: u32 = 120;

/// Default of [`Settings::document_retention_days`].
pub const DEFAULT_DOCUMENT_RETENTION_DAYS: u32 = 30;

impl Default for Settings {
    fn default() -> Self {
        Self {
            locale: "zh-CN".into(),
            demo_mode: true,
            center_url: None,
            store_name: "演示药店".into(),
            fixmedins_code: String::new(),
            terminal_no: None,
            devices: Default::default(),
            document_retention_days: DEFAULT_DOCUMENT_RETENTION_DAYS,
            idle_lock_minutes: DEFAULT_IDLE_LOCK_MINUTES,
            receipt_address: String::new(),
            receipt_phone: String::new(),
            chain_sync_interval_secs: None,
        }
    }
}

/// Why a production counter without a terminal number does no center work.
pub const TERMINAL_NOT_SET_ZH: &str = "本收银台尚未设置收银台编号（0–9，同一药店内每台收银台各不相同），不能进行医保结算：请店长在本机运行 rxdesk terminal --set <编号>（新接入时用 rxdesk setup --terminal-no <编号>），然后重新启动程序 / no terminal number set: run `rxdesk terminal --set N`";

/// Highest terminal number (the msgid serial's first digit).
pub const MAX_TERMINAL_NO: u32 = rxdesk_center::msgid::MAX_TERMINAL_NO;

impl Settings {
    /// The terminal number, checked (0–[`MAX_TERMINAL_NO`]); a zh-CN
    /// sentence when it is out of range, or when it was never set outside
    /// demo mode (production never settles without one: two counters on a
    /// default number would share one id space).
    pub fn checked_terminal_no(&self) -> Result<u32, String> {
        match self.terminal_no {
            None if self.demo_mode => Ok(0),
            None => Err(TERMINAL_NOT_SET_ZH.to_string()),
            Some(n) if n > MAX_TERMINAL_NO => Err(format!(
                "收银台编号必须为 0–{MAX_TERMINAL_NO}（当前 {n}）：请运行 rxdesk terminal --set <编号> 修改"
            )),
            Some(n) => Ok(n),
        }
    }

    /// Whether this data directory was ever set up: a settings file or a
    /// ledger exists. A fresh one starts with the choice 演示模式 / 正式接入
    /// instead of silently becoming a demo counter.
    pub fn configured(dir: &DataDir) -> bool {
        dir.settings_file().exists() || dir.database().exists()
    }

    /// Loads the settings; a missing file gives the defaults.
    pub fn load(dir: &DataDir) -> Result<Self, AppError> {
        let path = dir.settings_file();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| AppError::BadSettings { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(AppError::Io {
                action: "read settings",
                path,
                source,
            }),
        }
    }

    /// Saves atomically (write to a temporary file, then rename).
    pub fn save(&self, dir: &DataDir) -> Result<(), AppError> {
        dir.ensure()?;
        let path = dir.settings_file();
        let tmp = path.with_extension("json.tmp");
        let body = serde_json::to_vec_pretty(self).expect("settings always serialize");
        crate::paths::write_private(&tmp, &body).map_err(|source| AppError::Io {
            action: "write settings",
            path: tmp.clone(),
            source,
        })?;
        std::fs::rename(&tmp, &path).map_err(|source| AppError::Io {
            action: "replace settings",
            path,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults_and_save_round_trips() {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        assert_eq!(Settings::load(&dir).unwrap(), Settings::default());
        let s = Settings {
            store_name: "仁心大药房".into(),
            ..Settings::default()
        };
        s.save(&dir).unwrap();
        assert_eq!(Settings::load(&dir).unwrap(), s);
    }

    #[test]
    fn terminal_number_is_required_in_production_and_range_checked() {
        // Demo mode: an unset number is 0.
        let s: Settings = serde_json::from_str(r#"{"store_name": "x"}"#).unwrap();
        assert_eq!(s.terminal_no, None);
        assert_eq!(s.checked_terminal_no(), Ok(0));
        let s: Settings = serde_json::from_str(r#"{"terminal_no": 7}"#).unwrap();
        assert_eq!(s.checked_terminal_no(), Ok(7));
        let s = Settings {
            terminal_no: Some(12),
            ..Settings::default()
        };
        assert!(s.checked_terminal_no().unwrap_err().contains("0–9"));
        // Production: never set = no center work, and the message names the command.
        let s: Settings = serde_json::from_str(r#"{"demo_mode": false}"#).unwrap();
        let e = s.checked_terminal_no().unwrap_err();
        assert!(e.contains("rxdesk terminal --set"), "{e}");
        assert!(e.contains("尚未设置收银台编号"), "{e}");
        let s: Settings =
            serde_json::from_str(r#"{"demo_mode": false, "terminal_no": 0}"#).unwrap();
        assert_eq!(s.checked_terminal_no(), Ok(0));
    }

    #[test]
    fn retention_defaults_to_30_days_also_for_an_older_settings_file() {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        std::fs::write(dir.settings_file(), br#"{"store_name": "x"}"#).unwrap();
        let s = Settings::load(&dir).unwrap();
        assert_eq!(s.document_retention_days, 30);
        std::fs::write(dir.settings_file(), br#"{"document_retention_days": 7}"#).unwrap();
        assert_eq!(Settings::load(&dir).unwrap().document_retention_days, 7);
    }

    #[test]
    fn corrupt_file_is_an_error_and_is_kept() {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        std::fs::write(dir.settings_file(), b"{not json").unwrap();
        let err = Settings::load(&dir).unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
        assert_eq!(std::fs::read(dir.settings_file()).unwrap(), b"{not json");
    }
}
