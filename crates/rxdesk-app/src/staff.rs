//! The counter's accounts managed in the window (settings → 人员, issue 13):
//! what the Tauri commands call. A new account is checked completely —
//! login, password, role, and a pharmacist's ID number, 执业资格证号 and
//! 医保药师代码 (ST-EPC-02-002) — before anything is written; the ledger
//! (`rxdesk_store::operator_admin`) enforces the roles and writes every
//! change with its audit entry (old and new value).

use rxdesk_store::operator_admin::Registration;
use rxdesk_store::operators::NewOperator;
use rxdesk_store::{Role, Session, Store, StoreError};
use serde::Deserialize;

/// A new account as the window sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewStaff {
    /// 工号.
    pub login: String,
    /// Name shown on receipts and uploads.
    pub name: String,
    /// `cashier`, `pharmacist` or `manager`.
    pub role: String,
    /// First password (at least 8 characters).
    pub password: String,
    /// `psn_cert_type` (`01` when empty and an ID number is given).
    pub cert_type: String,
    /// ID number (a pharmacist's is needed for her e-voucher checks).
    pub certno: String,
    /// 执业资格证号.
    pub prac_cert_no: String,
    /// 医保药师代码.
    pub phar_code: String,
}

fn role_of(code: &str) -> Result<Role, String> {
    Role::from_code(code.trim())
        .ok_or_else(|| format!("角色 {code:?} 不存在（收银员、药师或店长）"))
}

fn text(e: StoreError) -> String {
    match e {
        StoreError::Rule(m) => m,
        StoreError::NotFound(m) => format!("找不到 {m}"),
        StoreError::Forbidden { .. } => "只有店长可以管理人员".into(),
        other => other.to_string(),
    }
}

/// Creates an account (manager only). Every field is checked first.
pub fn create(store: &Store, by: &Session, s: &NewStaff) -> Result<(), String> {
    if by.role() != Role::Manager {
        return Err("只有店长可以管理人员".into());
    }
    let login = s.login.trim();
    if login.is_empty() || login.chars().count() > 20 || login.chars().any(char::is_whitespace) {
        return Err("工号不能为空，最多 20 位，不能含空格".into());
    }
    let role = role_of(&s.role)?;
    if s.password.chars().count() < 8 {
        return Err("初始密码至少需要 8 个字符".into());
    }
    let reg = Registration {
        display_name: s.name.clone(),
        cert_type: s.cert_type.clone(),
        certno: s.certno.clone(),
        prac_cert_no: s.prac_cert_no.clone(),
        phar_code: s.phar_code.clone(),
    }
    .check()
    .map_err(text)?;
    if role == Role::Pharmacist && reg.certno.is_empty() {
        return Err("药师须登记身份证号：上岗和审方时用它核对药师本人的医保电子凭证".into());
    }
    let none_if_empty = |v: &str| (!v.is_empty()).then(|| v.to_string());
    store
        .create_operator(
            Some(by),
            &NewOperator {
                login: login.to_string(),
                display_name: reg.display_name.clone(),
                role,
                password: s.password.clone(),
                cert_type: none_if_empty(&reg.cert_type),
                certno: none_if_empty(&reg.certno),
                prac_cert_no: none_if_empty(&reg.prac_cert_no),
            },
        )
        .map_err(text)?;
    if !reg.phar_code.is_empty() {
        store
            .set_operator_registration(by, login, &reg)
            .map_err(text)?;
    }
    tracing::info!(%login, role = role.code(), "operator created");
    Ok(())
}

/// One administrative change to an existing account.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum StaffChange {
    /// Disable (or re-enable) the account.
    SetActive {
        /// New state.
        active: bool,
    },
    /// A new password.
    ResetPassword {
        /// At least 8 characters.
        password: String,
    },
    /// A new role.
    SetRole {
        /// Role code.
        role: String,
    },
    /// Name, identity and codes.
    Register {
        /// Display name.
        name: String,
        /// `psn_cert_type`.
        #[serde(default)]
        cert_type: String,
        /// ID number; empty keeps the registered one.
        #[serde(default)]
        certno: String,
        /// 执业资格证号.
        #[serde(default)]
        prac_cert_no: String,
        /// 医保药师代码.
        #[serde(default)]
        phar_code: String,
    },
    /// Unlock after too many failed sign-ins.
    Unlock,
}

/// Applies one change (manager only); a zh-CN sentence on refusal.
pub fn change(store: &Store, by: &Session, login: &str, c: &StaffChange) -> Result<String, String> {
    match c {
        StaffChange::SetActive { active } => {
            store
                .set_operator_active(by, login, *active)
                .map_err(text)?;
            Ok(if *active { "已启用" } else { "已停用" }.into())
        }
        StaffChange::ResetPassword { password } => {
            store
                .reset_operator_password(by, login, password)
                .map_err(text)?;
            Ok("密码已重置，请告知本人并尽快修改".into())
        }
        StaffChange::SetRole { role } => {
            store
                .set_operator_role(by, login, role_of(role)?)
                .map_err(text)?;
            Ok("角色已更改".into())
        }
        StaffChange::Register {
            name,
            cert_type,
            certno,
            prac_cert_no,
            phar_code,
        } => {
            // The listing only shows a masked ID number: an empty field
            // keeps the registered one.
            let current = store
                .operator_identity_by(None, Some(login))
                .map_err(text)?
                .ok_or_else(|| format!("找不到工号 {login}"))?;
            let (cert_type, certno) = if certno.trim().is_empty() {
                (current.cert_type.clone(), current.certno.clone())
            } else {
                (cert_type.clone(), certno.clone())
            };
            store
                .set_operator_registration(
                    by,
                    login,
                    &Registration {
                        display_name: name.clone(),
                        cert_type,
                        certno,
                        prac_cert_no: prac_cert_no.clone(),
                        phar_code: phar_code.clone(),
                    },
                )
                .map_err(text)?;
            Ok("登记信息已保存".into())
        }
        StaffChange::Unlock => {
            store.unlock_operator(by, login).map_err(text)?;
            Ok("已解除锁定".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store, Session) {
        let t = tempfile::tempdir().unwrap();
        let store = Store::open(t.path().join("l.sqlite3")).unwrap();
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
        (t, store, boss)
    }

    fn pharmacist() -> NewStaff {
        NewStaff {
            login: "2101".into(),
            name: "赵药师".into(),
            role: "pharmacist".into(),
            password: "zhao-pharmacist-2026".into(),
            cert_type: String::new(),
            certno: "110101199107070016".into(),
            prac_cert_no: "YS110101000021".into(),
            phar_code: "YS110101000021".into(),
        }
    }

    #[test]
    fn a_pharmacist_is_created_with_her_codes_and_managed() {
        let (_t, store, boss) = store();
        create(&store, &boss, &pharmacist()).unwrap();
        let id = store
            .operator_identity_by(None, Some("2101"))
            .unwrap()
            .unwrap();
        assert_eq!(id.role, Role::Pharmacist);
        assert_eq!(id.certno, "110101199107070016");
        assert_eq!(id.phar_code, "YS110101000021");
        // Disable: cannot sign in; enable again.
        change(
            &store,
            &boss,
            "2101",
            &StaffChange::SetActive { active: false },
        )
        .unwrap();
        assert!(store.login("2101", "zhao-pharmacist-2026").is_err());
        change(
            &store,
            &boss,
            "2101",
            &StaffChange::SetActive { active: true },
        )
        .unwrap();
        change(
            &store,
            &boss,
            "2101",
            &StaffChange::ResetPassword {
                password: "zhao-new-pass-1".into(),
            },
        )
        .unwrap();
        assert!(store.login("2101", "zhao-new-pass-1").is_ok());
        // Register keeps the ID number when the field is left empty.
        change(
            &store,
            &boss,
            "2101",
            &StaffChange::Register {
                name: "赵药师".into(),
                cert_type: String::new(),
                certno: String::new(),
                prac_cert_no: "YS110101000022".into(),
                phar_code: String::new(),
            },
        )
        .unwrap();
        let id = store
            .operator_identity_by(None, Some("2101"))
            .unwrap()
            .unwrap();
        assert_eq!(id.certno, "110101199107070016");
        assert_eq!(id.prac_cert_no, "YS110101000022");
        assert_eq!(id.phar_code, "");
        let events: Vec<String> = store
            .audit_entries(50)
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        for ev in [
            "operator.create",
            "operator.disable",
            "operator.enable",
            "operator.password_reset",
            "operator.registration",
        ] {
            assert!(events.iter().any(|e| e == ev), "{ev} missing: {events:?}");
        }
    }

    #[test]
    fn bad_fields_are_refused_before_anything_is_written() {
        let (_t, store, boss) = store();
        let cases = [
            (
                NewStaff {
                    certno: "110101199107070017".into(),
                    ..pharmacist()
                },
                "身份证号",
            ),
            (
                NewStaff {
                    phar_code: "Y0001".into(),
                    ..pharmacist()
                },
                "医保药师代码",
            ),
            (
                NewStaff {
                    certno: String::new(),
                    ..pharmacist()
                },
                "药师须登记身份证号",
            ),
            (
                NewStaff {
                    password: "short".into(),
                    ..pharmacist()
                },
                "8 个字符",
            ),
            (
                NewStaff {
                    role: "owner".into(),
                    ..pharmacist()
                },
                "角色",
            ),
        ];
        for (s, says) in cases {
            let e = create(&store, &boss, &s).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
        assert_eq!(store.operators().unwrap().len(), 1);
        create(&store, &boss, &pharmacist()).unwrap();
        let e = create(&store, &boss, &pharmacist()).unwrap_err();
        assert!(e.contains("已存在"), "{e}");
    }
}
