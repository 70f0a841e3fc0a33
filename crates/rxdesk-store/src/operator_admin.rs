//! A manager administers the counter's accounts (issue 13, operators
//! managed in the window): disable / enable, reset a password, change a
//! role, register a pharmacist's identity and codes (ID number, 执业资格证号,
//! 医保药师代码 — format-checked, ST-EPC-02-002), and the pharmacist's own
//! e-voucher confirmation. Every change is one transaction with its audit
//! log entry, which records the old and the new value (ID numbers masked,
//! passwords never). The last active manager can neither be disabled nor
//! demoted, so the pharmacy cannot lock itself out.

use crate::error::{Result, StoreError};
use crate::operators::{hash_password, Permission, Role, Session};
use crate::{auditlog, Store};
use rusqlite::{params, OptionalExtension};
use serde_json::json;

/// A pharmacist's (or any operator's) registered identity and codes. Empty
/// strings clear a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registration {
    /// Display name (shown on receipts and uploads); must not be empty.
    pub display_name: String,
    /// `psn_cert_type` (`01` 居民身份证 when an ID number is given).
    pub cert_type: String,
    /// ID number (sealed at rest; checked as a GB 11643 number when
    /// `cert_type` is `01`).
    pub certno: String,
    /// 执业资格证号 (`phar_prac_cert_no`, up to 50 characters).
    pub prac_cert_no: String,
    /// 医保药师代码 (`phar_code`, national format).
    pub phar_code: String,
}

impl Registration {
    /// Checks every field; the zh-CN sentence names the first bad one.
    pub fn check(&self) -> Result<Registration> {
        let bad = |m: String| Err(StoreError::Rule(m));
        let name = self.display_name.trim();
        if name.is_empty() {
            return bad("姓名不能为空".into());
        }
        if name.chars().count() > 50 {
            return bad("姓名最多 50 个字".into());
        }
        let certno = rxdesk_core::text::to_half_width(self.certno.trim()).to_ascii_uppercase();
        let mut cert_type = self.cert_type.trim().to_string();
        if !certno.is_empty() {
            if cert_type.is_empty() {
                cert_type = "01".into();
            }
            if cert_type == "01" {
                if let Err(e) = rxdesk_core::code_format::validate_id_number(&certno) {
                    return bad(format!("身份证号：{}", e.message_zh()));
                }
            } else if certno.chars().count() > 50 {
                return bad("证件号码最多 50 位".into());
            }
        }
        if cert_type.len() > 6 || !cert_type.bytes().all(|b| b.is_ascii_digit()) {
            return bad(format!(
                "证件类型 {cert_type:?} 不是医保证件类型代码（如 01 居民身份证）"
            ));
        }
        let prac = self.prac_cert_no.trim().to_string();
        if prac.chars().count() > 50 || prac.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("执业资格证号最多 50 位，不能含空格".into());
        }
        let phar = self.phar_code.trim().to_ascii_uppercase();
        if !phar.is_empty() {
            if let Err(e) = rxdesk_core::code_format::validate_pharmacist_code(&phar) {
                return bad(e.message_zh());
            }
        }
        Ok(Registration {
            display_name: name.to_string(),
            cert_type: if certno.is_empty() {
                String::new()
            } else {
                cert_type
            },
            certno,
            prac_cert_no: prac,
            phar_code: phar,
        })
    }
}

/// (display name, cert type, sealed ID number, 执业资格证号, 医保药师代码).
type RegistrationRow = (
    String,
    Option<String>,
    Option<Vec<u8>>,
    Option<String>,
    Option<String>,
);

fn masked(certno: &str) -> String {
    if certno.is_empty() {
        String::new()
    } else {
        rxdesk_core::prescription::mask_id_number(certno)
    }
}

impl Store {
    fn operator_row(c: &rusqlite::Connection, login: &str) -> Result<(i64, String, i64)> {
        c.query_row(
            "SELECT id, role, active FROM operators WHERE login = ?1",
            [login.trim()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(StoreError::sql("read operator"))?
        .ok_or_else(|| StoreError::NotFound(format!("工号 {}", login.trim())))
    }

    fn other_active_managers(c: &rusqlite::Connection, id: i64) -> Result<i64> {
        c.query_row(
            "SELECT count(*) FROM operators WHERE role = 'manager' AND active = 1 AND id <> ?1",
            [id],
            |r| r.get(0),
        )
        .map_err(StoreError::sql("count managers"))
    }

    /// Disables or re-enables an account. A disabled account cannot sign in.
    /// Managers cannot disable themselves or the last active manager.
    pub fn set_operator_active(&self, by: &Session, login: &str, active: bool) -> Result<()> {
        by.require(Permission::Administer)?;
        self.write("set operator active", |tx| {
            let (id, role, was) = Self::operator_row(tx, login)?;
            if !active && id == by.operator_id() {
                return Err(StoreError::Rule("不能停用自己正在使用的账户".into()));
            }
            if !active && role == "manager" && Self::other_active_managers(tx, id)? == 0 {
                return Err(StoreError::Rule(
                    "这是唯一启用的店长账户，不能停用：请先为另一位店长建立账户".into(),
                ));
            }
            tx.execute(
                "UPDATE operators SET active = ?2 WHERE id = ?1",
                params![id, i64::from(active)],
            )
            .map_err(StoreError::sql("set operator active"))?;
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                if active {
                    "operator.enable"
                } else {
                    "operator.disable"
                },
                &json!({"login": login.trim(), "field": "active", "old": was == 1, "new": active}),
            )
        })
    }

    /// Sets a new password (at least 8 characters) and lifts a lockout. The
    /// audit log says who reset whose password, never the password.
    pub fn reset_operator_password(
        &self,
        by: &Session,
        login: &str,
        new_password: &str,
    ) -> Result<()> {
        by.require(Permission::Administer)?;
        if new_password.chars().count() < 8 {
            return Err(StoreError::Rule("新密码至少需要 8 个字符".into()));
        }
        let hash = hash_password(new_password)?;
        self.write("reset operator password", |tx| {
            let (id, _, _) = Self::operator_row(tx, login)?;
            tx.execute(
                "UPDATE operators SET password_hash = ?2, failed_attempts = 0, locked_until = NULL
                 WHERE id = ?1",
                params![id, hash],
            )
            .map_err(StoreError::sql("reset operator password"))?;
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "operator.password_reset",
                &json!({"login": login.trim()}),
            )
        })
    }

    /// Changes an account's role. The last active manager keeps hers, and
    /// a manager cannot demote herself.
    pub fn set_operator_role(&self, by: &Session, login: &str, role: Role) -> Result<()> {
        by.require(Permission::Administer)?;
        self.write("set operator role", |tx| {
            let (id, old, active) = Self::operator_row(tx, login)?;
            if old == role.code() {
                return Ok(());
            }
            if old == "manager" && id == by.operator_id() {
                return Err(StoreError::Rule("不能更改自己的店长角色".into()));
            }
            if old == "manager" && active == 1 && Self::other_active_managers(tx, id)? == 0 {
                return Err(StoreError::Rule(
                    "这是唯一启用的店长账户，不能改为其他角色".into(),
                ));
            }
            tx.execute(
                "UPDATE operators SET role = ?2 WHERE id = ?1",
                params![id, role.code()],
            )
            .map_err(StoreError::sql("set operator role"))?;
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "operator.role",
                &json!({"login": login.trim(), "field": "role", "old": old, "new": role.code()}),
            )
        })
    }

    /// Registers an operator's name, identity and codes (checked with
    /// [`Registration::check`]). The audit entry lists each changed field
    /// with its old and new value (ID numbers masked).
    pub fn set_operator_registration(
        &self,
        by: &Session,
        login: &str,
        reg: &Registration,
    ) -> Result<()> {
        by.require(Permission::Administer)?;
        let reg = reg.check()?;
        let sealed = (!reg.certno.is_empty()).then(|| self.sealer().seal_str(&reg.certno));
        self.write("register operator", |tx| {
            let (id, _, _) = Self::operator_row(tx, login)?;
            let (name, cert_type, certno_enc, prac, phar): RegistrationRow = tx
                .query_row(
                    "SELECT display_name, cert_type, certno_enc, prac_cert_no, phar_code
                     FROM operators WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .map_err(StoreError::sql("read operator"))?;
            let old_certno = match certno_enc {
                Some(b) => self.sealer().open_str(&b)?,
                None => String::new(),
            };
            let mut changes = Vec::new();
            let mut diff = |field: &str, old: String, new: String| {
                if old != new {
                    changes.push(json!({"field": field, "old": old, "new": new}));
                }
            };
            diff("display_name", name, reg.display_name.clone());
            diff(
                "cert_type",
                cert_type.unwrap_or_default(),
                reg.cert_type.clone(),
            );
            diff("certno", masked(&old_certno), masked(&reg.certno));
            diff(
                "prac_cert_no",
                prac.unwrap_or_default(),
                reg.prac_cert_no.clone(),
            );
            diff("phar_code", phar.unwrap_or_default(), reg.phar_code.clone());
            if changes.is_empty() {
                return Ok(());
            }
            let certno_changed = old_certno != reg.certno;
            let none_if_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
            tx.execute(
                "UPDATE operators SET display_name = ?2, cert_type = ?3, certno_enc = ?4,
                        prac_cert_no = ?5, phar_code = ?6,
                        ec_bound_at = CASE WHEN ?7 THEN NULL ELSE ec_bound_at END
                 WHERE id = ?1",
                params![
                    id,
                    reg.display_name,
                    none_if_empty(&reg.cert_type),
                    sealed,
                    none_if_empty(&reg.prac_cert_no),
                    none_if_empty(&reg.phar_code),
                    certno_changed
                ],
            )
            .map_err(StoreError::sql("register operator"))?;
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "operator.registration",
                &json!({"login": login.trim(), "changes": changes}),
            )
        })
    }

    /// The signed-in pharmacist confirmed that her own e-voucher is hers
    /// (the center's answer matched her registered ID number): recorded
    /// with the time, audit-logged.
    pub fn record_ec_binding(&self, by: &Session) -> Result<()> {
        by.require(Permission::AuditPrescription)?;
        let now = self.now_ms();
        self.write("record e-voucher binding", |tx| {
            tx.execute(
                "UPDATE operators SET ec_bound_at = ?2 WHERE id = ?1",
                params![by.operator_id(), now],
            )
            .map_err(StoreError::sql("record e-voucher binding"))?;
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "operator.ec_binding",
                &json!({"login": by.login()}),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operators::NewOperator;

    fn store() -> (tempfile::TempDir, Store, Session) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("l.sqlite3")).unwrap();
        store
            .create_operator(
                None,
                &NewOperator {
                    login: "boss".into(),
                    display_name: "王店长".into(),
                    role: Role::Manager,
                    password: "correct horse".into(),
                    cert_type: None,
                    certno: None,
                    prac_cert_no: None,
                },
            )
            .unwrap();
        let boss = store.login("boss", "correct horse").unwrap();
        store
            .create_operator(
                Some(&boss),
                &NewOperator {
                    login: "2101".into(),
                    display_name: "赵药师".into(),
                    role: Role::Pharmacist,
                    password: "zhao-pharmacist".into(),
                    cert_type: None,
                    certno: None,
                    prac_cert_no: None,
                },
            )
            .unwrap();
        (dir, store, boss)
    }

    fn last_audit(store: &Store) -> (String, serde_json::Value) {
        let e = store.audit_entries(1).unwrap().remove(0);
        (e.event.clone(), serde_json::from_str(&e.detail).unwrap())
    }

    #[test]
    fn disable_enable_reset_and_role_are_audited_with_old_and_new() {
        let (_d, store, boss) = store();
        store.set_operator_active(&boss, "2101", false).unwrap();
        let (ev, d) = last_audit(&store);
        assert_eq!(ev, "operator.disable");
        assert_eq!(
            (d["old"].clone(), d["new"].clone()),
            (json!(true), json!(false))
        );
        assert!(matches!(
            store.login("2101", "zhao-pharmacist"),
            Err(StoreError::BadCredentials)
        ));
        store.set_operator_active(&boss, "2101", true).unwrap();
        store
            .reset_operator_password(&boss, "2101", "new-password-1")
            .unwrap();
        let (ev, d) = last_audit(&store);
        assert_eq!(ev, "operator.password_reset");
        assert!(!d.to_string().contains("new-password-1"));
        assert!(store.login("2101", "new-password-1").is_ok());
        assert!(store
            .reset_operator_password(&boss, "2101", "short")
            .unwrap_err()
            .to_string()
            .contains("8"));
        store
            .set_operator_role(&boss, "2101", Role::Cashier)
            .unwrap();
        let (ev, d) = last_audit(&store);
        assert_eq!(ev, "operator.role");
        assert_eq!(d["old"], "pharmacist");
        assert_eq!(d["new"], "cashier");
        let s = store.login("2101", "new-password-1").unwrap();
        assert_eq!(s.role(), Role::Cashier);
        // Not a manager: refused.
        assert!(matches!(
            store.set_operator_active(&s, "boss", false),
            Err(StoreError::Forbidden { .. })
        ));
    }

    #[test]
    fn the_last_manager_cannot_be_disabled_or_demoted() {
        let (_d, store, boss) = store();
        let e = store.set_operator_active(&boss, "boss", false).unwrap_err();
        assert!(e.to_string().contains("自己"), "{e}");
        let e = store
            .set_operator_role(&boss, "boss", Role::Cashier)
            .unwrap_err();
        assert!(e.to_string().contains("店长"), "{e}");
        assert!(store.login("boss", "correct horse").is_ok());
    }

    #[test]
    fn registration_is_format_checked_and_audited_masked() {
        let (_d, store, boss) = store();
        let bad_id = Registration {
            display_name: "赵药师".into(),
            certno: "110101199107070017".into(),
            ..Default::default()
        };
        let e = store
            .set_operator_registration(&boss, "2101", &bad_id)
            .unwrap_err();
        assert!(e.to_string().contains("身份证号"), "{e}");
        let bad_code = Registration {
            display_name: "赵药师".into(),
            phar_code: "Y0001".into(),
            ..Default::default()
        };
        let e = store
            .set_operator_registration(&boss, "2101", &bad_code)
            .unwrap_err();
        assert!(e.to_string().contains("医保药师代码"), "{e}");
        let before = store.audit_entries(1).unwrap()[0].id;
        // Nothing was written by the refused attempts.
        assert_eq!(store.audit_entries(1).unwrap()[0].id, before);
        let good = Registration {
            display_name: "赵药师".into(),
            cert_type: String::new(),
            certno: "110101199107070016".into(),
            prac_cert_no: "YS110101000021".into(),
            phar_code: "ys110101000021".into(),
        };
        store
            .set_operator_registration(&boss, "2101", &good)
            .unwrap();
        let (ev, d) = last_audit(&store);
        assert_eq!(ev, "operator.registration");
        let text = d.to_string();
        assert!(!text.contains("110101199107070016"), "{text}");
        assert!(text.contains("YS110101000021"), "{text}");
        let id = store
            .operator_identity_by(None, Some("2101"))
            .unwrap()
            .unwrap();
        assert_eq!(id.certno, "110101199107070016");
        assert_eq!(id.cert_type, "01");
        assert_eq!(id.phar_code, "YS110101000021");
        let listed = store.operators().unwrap();
        let zhao = listed.iter().find(|o| o.login == "2101").unwrap();
        assert_eq!(zhao.phar_code, "YS110101000021");
        assert!(!zhao.certno_masked.contains("19910707"));
    }
}
