//! Managers edit the counter's settings in the window (issue 13): the
//! center address, the pharmacy (name, terminal number), the receipt header
//! (address, phone), the idle-lock time and the head-office sync interval
//! (issue 17). Every field is checked before
//! anything is written (a zh-CN sentence names the bad one); the settings
//! file is replaced atomically, and each changed field is written to the
//! audit log with its old and new value (`settings.change`). If the audit
//! log cannot be written, the old settings are put back.
//!
//! The devices section is edited elsewhere (its own component); this module
//! leaves `devices` untouched. Accounts are managed in [`crate::staff`].

use crate::{DataDir, Settings};
use rxdesk_store::{Role, Session, Store};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What the settings screen sends: only the fields given are changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
pub struct SettingsPatch {
    /// Center base URL (empty: the profile's own address / not configured).
    pub center_url: Option<String>,
    /// Pharmacy name on receipts.
    pub store_name: Option<String>,
    /// This counter's terminal number (0–9).
    pub terminal_no: Option<u32>,
    /// Receipt header: address.
    pub receipt_address: Option<String>,
    /// Receipt header: service phone.
    pub receipt_phone: Option<String>,
    /// Idle-lock time in minutes (1–120).
    pub idle_lock_minutes: Option<u32>,
    /// Seconds between two head-office sync rounds
    /// ([`CHAIN_SYNC_INTERVAL_SECS`]); takes effect at the next start.
    pub chain_sync_interval_secs: Option<u64>,
}

/// The head-office sync intervals a manager may set: 10 s to a day.
pub const CHAIN_SYNC_INTERVAL_SECS: std::ops::RangeInclusive<u64> = 10..=86_400;

/// One changed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettingChange {
    /// Field name (as in settings.json).
    pub field: String,
    /// Old value.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub old: Value,
    /// New value.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub new: Value,
}

/// The outcome shown after saving.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SaveOutcome {
    /// What changed (empty: nothing to save).
    pub changes: Vec<SettingChange>,
    /// Fields that take effect at the next start of the app (zh-CN note),
    /// if any.
    pub restart_note: Option<String>,
}

/// Why a patch was refused (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum SettingsEditError {
    /// Not a manager.
    #[error("只有店长可以修改设置")]
    NotManager,
    /// A field is not acceptable; the sentence names it.
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing the settings or the audit log failed.
    #[error("设置未保存：{0}")]
    Io(String),
}

impl SettingsEditError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotManager => "SETTINGS_NOT_MANAGER",
            Self::Invalid(_) => "SETTINGS_INVALID",
            Self::Io(_) => "SETTINGS_IO",
        }
    }
}

fn invalid(m: impl Into<String>) -> SettingsEditError {
    SettingsEditError::Invalid(m.into())
}

/// Checks a patch against the current settings and returns the settings
/// it makes.
pub fn patched(current: &Settings, p: &SettingsPatch) -> Result<Settings, SettingsEditError> {
    let mut s = current.clone();
    if let Some(url) = &p.center_url {
        let url = url.trim().trim_end_matches('/');
        if url.is_empty() {
            s.center_url = None;
        } else {
            if let Some(why) = rxdesk_center::profile::check_base_url(url) {
                return Err(invalid(format!("医保中心地址：{why}")));
            }
            s.center_url = Some(url.to_string());
        }
    }
    if let Some(name) = &p.store_name {
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("药店名称不能为空（印在小票抬头）"));
        }
        if name.chars().count() > 60 {
            return Err(invalid("药店名称最多 60 个字"));
        }
        s.store_name = name.to_string();
    }
    if let Some(t) = p.terminal_no {
        if t > crate::settings::MAX_TERMINAL_NO {
            return Err(invalid(format!(
                "收银台编号须为 0–{}（当前输入 {t}）",
                crate::settings::MAX_TERMINAL_NO
            )));
        }
        s.terminal_no = Some(t);
    }
    if let Some(a) = &p.receipt_address {
        let a = a.trim();
        if a.chars().count() > 60 {
            return Err(invalid("小票抬头地址最多 60 个字"));
        }
        if a.chars().any(char::is_control) {
            return Err(invalid("小票抬头地址不能含换行或控制字符"));
        }
        s.receipt_address = a.to_string();
    }
    if let Some(ph) = &p.receipt_phone {
        let ph = ph.trim();
        if ph.chars().count() > 30
            || !ph
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')' | '转'))
        {
            return Err(invalid(
                "服务电话只能包含数字、空格和 - + ( ) 转，最多 30 位",
            ));
        }
        s.receipt_phone = ph.to_string();
    }
    if let Some(m) = p.idle_lock_minutes {
        if !(1..=crate::settings::MAX_IDLE_LOCK_MINUTES).contains(&m) {
            return Err(invalid(format!(
                "自动锁屏时间须为 1–{} 分钟（当前输入 {m}）",
                crate::settings::MAX_IDLE_LOCK_MINUTES
            )));
        }
        s.idle_lock_minutes = m;
    }
    if let Some(v) = p.chain_sync_interval_secs {
        if !CHAIN_SYNC_INTERVAL_SECS.contains(&v) {
            return Err(invalid(format!(
                "总部同步间隔须为 {}–{} 秒（当前输入 {v}）",
                CHAIN_SYNC_INTERVAL_SECS.start(),
                CHAIN_SYNC_INTERVAL_SECS.end()
            )));
        }
        s.chain_sync_interval_secs = Some(v);
    }
    Ok(s)
}

/// The fields that differ, with old and new values.
pub fn diff(old: &Settings, new: &Settings) -> Vec<SettingChange> {
    let mut out = Vec::new();
    let mut d = |field: &str, o: Value, n: Value| {
        if o != n {
            out.push(SettingChange {
                field: field.into(),
                old: o,
                new: n,
            });
        }
    };
    d("center_url", json!(old.center_url), json!(new.center_url));
    d("store_name", json!(old.store_name), json!(new.store_name));
    d(
        "terminal_no",
        json!(old.terminal_no),
        json!(new.terminal_no),
    );
    d(
        "receipt_address",
        json!(old.receipt_address),
        json!(new.receipt_address),
    );
    d(
        "receipt_phone",
        json!(old.receipt_phone),
        json!(new.receipt_phone),
    );
    d(
        "idle_lock_minutes",
        json!(old.idle_lock_minutes),
        json!(new.idle_lock_minutes),
    );
    d(
        "chain_sync_interval_secs",
        json!(old.chain_sync_interval_secs),
        json!(new.chain_sync_interval_secs),
    );
    out
}

/// Checks and saves a patch; each change goes to the audit log with its
/// old and new value. Only a manager may do this.
pub fn apply(
    dir: &DataDir,
    store: &Store,
    by: &Session,
    patch: &SettingsPatch,
) -> Result<SaveOutcome, SettingsEditError> {
    if by.role() != Role::Manager {
        return Err(SettingsEditError::NotManager);
    }
    let old = Settings::load(dir).map_err(|e| SettingsEditError::Io(e.to_string()))?;
    let new = patched(&old, patch)?;
    let changes = diff(&old, &new);
    if changes.is_empty() {
        return Ok(SaveOutcome {
            changes,
            restart_note: None,
        });
    }
    new.save(dir)
        .map_err(|e| SettingsEditError::Io(e.to_string()))?;
    for c in &changes {
        let logged =
            store.log_settings_change(by, &json!({"field": c.field, "old": c.old, "new": c.new}));
        if let Err(e) = logged {
            // The change is not kept without its audit record.
            let _ = old.save(dir);
            return Err(SettingsEditError::Io(format!(
                "审计日志写入失败（{e}），已恢复原设置"
            )));
        }
    }
    tracing::info!(
        fields = ?changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
        by = %by.login(),
        "settings changed"
    );
    let later: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c.field.as_str() {
            "center_url" => Some("医保中心地址"),
            "store_name" => Some("药店名称"),
            "terminal_no" => Some("收银台编号"),
            "receipt_address" | "receipt_phone" => Some("小票抬头"),
            "chain_sync_interval_secs" => Some("总部同步间隔"),
            _ => None,
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(SaveOutcome {
        changes,
        restart_note: (!later.is_empty()).then(|| {
            format!(
                "已保存。{} 在下次启动 RxDesk 后生效；自动锁屏时间立即生效",
                later.join("、")
            )
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxdesk_store::operators::NewOperator;

    fn setup() -> (tempfile::TempDir, DataDir, Store, Session) {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        dir.ensure().unwrap();
        Settings {
            demo_mode: false,
            store_name: "康宁大药房".into(),
            terminal_no: Some(0),
            ..Settings::default()
        }
        .save(&dir)
        .unwrap();
        let store = Store::open(dir.database()).unwrap();
        store
            .create_operator(
                None,
                &NewOperator {
                    login: "5001".into(),
                    display_name: "周店长".into(),
                    role: Role::Manager,
                    password: "manager-pass-1".into(),
                    cert_type: None,
                    certno: None,
                    prac_cert_no: None,
                },
            )
            .unwrap();
        let boss = store.login("5001", "manager-pass-1").unwrap();
        (t, dir, store, boss)
    }

    fn settings_audit(store: &Store) -> Vec<Value> {
        let mut v: Vec<Value> = store
            .audit_entries(100)
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "settings.change")
            .map(|e| serde_json::from_str(&e.detail).unwrap())
            .collect();
        v.sort_by_key(|d| d["field"].as_str().unwrap_or_default().to_string());
        v
    }

    #[test]
    fn each_change_is_saved_and_audited_with_old_and_new_value() {
        let (_t, dir, store, boss) = setup();
        let out = apply(
            &dir,
            &store,
            &boss,
            &SettingsPatch {
                store_name: Some("康宁大药房（人民路店）".into()),
                receipt_phone: Some("010-8888 6666".into()),
                idle_lock_minutes: Some(10),
                // Unchanged: not logged.
                terminal_no: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(out.changes.len(), 3);
        assert!(out.restart_note.unwrap().contains("小票抬头"));
        let s = Settings::load(&dir).unwrap();
        assert_eq!(s.store_name, "康宁大药房（人民路店）");
        assert_eq!(s.idle_lock_minutes, 10);
        let logged = settings_audit(&store);
        assert_eq!(
            logged,
            vec![
                json!({"field": "idle_lock_minutes", "old": 5, "new": 10}),
                json!({"field": "receipt_phone", "old": "", "new": "010-8888 6666"}),
                json!({"field": "store_name", "old": "康宁大药房", "new": "康宁大药房（人民路店）"}),
            ]
        );
        // Saving the same again changes and logs nothing.
        let again = apply(
            &dir,
            &store,
            &boss,
            &SettingsPatch {
                idle_lock_minutes: Some(10),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(again.changes.is_empty());
        assert_eq!(settings_audit(&store).len(), 3);
    }

    #[test]
    fn the_head_office_sync_interval_is_checked_saved_and_audited() {
        let (_t, dir, store, boss) = setup();
        for bad in [0, 9, 86_401] {
            let e = apply(
                &dir,
                &store,
                &boss,
                &SettingsPatch {
                    chain_sync_interval_secs: Some(bad),
                    ..Default::default()
                },
            )
            .unwrap_err();
            assert_eq!(e.code(), "SETTINGS_INVALID");
            assert!(
                e.to_string().contains("总部同步间隔须为 10–86400 秒"),
                "{e}"
            );
        }
        assert_eq!(Settings::load(&dir).unwrap().chain_sync_interval_secs, None);
        for (v, n) in [(10, 1), (86_400, 2)] {
            let out = apply(
                &dir,
                &store,
                &boss,
                &SettingsPatch {
                    chain_sync_interval_secs: Some(v),
                    ..Default::default()
                },
            )
            .unwrap();
            assert_eq!(out.changes.len(), 1);
            assert!(out.restart_note.unwrap().contains("总部同步间隔"));
            assert_eq!(
                Settings::load(&dir).unwrap().chain_sync_interval_secs,
                Some(v)
            );
            assert_eq!(settings_audit(&store).len(), n);
        }
        let logged = settings_audit(&store);
        assert!(
            logged.contains(&json!({"field": "chain_sync_interval_secs", "old": null, "new": 10}))
        );
        assert!(logged
            .contains(&json!({"field": "chain_sync_interval_secs", "old": 10, "new": 86_400})));
    }

    #[test]
    fn bad_values_are_named_and_nothing_is_written() {
        let (_t, dir, store, boss) = setup();
        let before = std::fs::read(dir.settings_file()).unwrap();
        for (patch, says) in [
            (
                SettingsPatch {
                    center_url: Some("ftp://center".into()),
                    ..Default::default()
                },
                "医保中心地址",
            ),
            (
                SettingsPatch {
                    idle_lock_minutes: Some(0),
                    store_name: Some("新名字".into()),
                    ..Default::default()
                },
                "自动锁屏",
            ),
            (
                SettingsPatch {
                    terminal_no: Some(12),
                    ..Default::default()
                },
                "收银台编号",
            ),
            (
                SettingsPatch {
                    receipt_phone: Some("call me".into()),
                    ..Default::default()
                },
                "服务电话",
            ),
            (
                SettingsPatch {
                    store_name: Some("  ".into()),
                    ..Default::default()
                },
                "药店名称",
            ),
        ] {
            let e = apply(&dir, &store, &boss, &patch).unwrap_err();
            assert!(e.to_string().contains(says), "{e}");
        }
        assert_eq!(std::fs::read(dir.settings_file()).unwrap(), before);
        assert!(settings_audit(&store).is_empty());
    }

    #[test]
    fn only_a_manager_may_edit() {
        let (_t, dir, store, boss) = setup();
        store
            .create_operator(
                Some(&boss),
                &NewOperator {
                    login: "1001".into(),
                    display_name: "收银".into(),
                    role: Role::Cashier,
                    password: "cashier-pass-1".into(),
                    cert_type: None,
                    certno: None,
                    prac_cert_no: None,
                },
            )
            .unwrap();
        let cashier = store.login("1001", "cashier-pass-1").unwrap();
        let e = apply(
            &dir,
            &store,
            &cashier,
            &SettingsPatch {
                idle_lock_minutes: Some(30),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), "SETTINGS_NOT_MANAGER");
        assert_eq!(Settings::load(&dir).unwrap().idle_lock_minutes, 5);
    }
}
