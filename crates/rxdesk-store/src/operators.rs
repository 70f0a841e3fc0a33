//! Operators, roles and logins. Passwords are argon2id PHC strings; five
//! failed logins in a row lock the account for 15 minutes. A [`Session`] is
//! only made by a successful [`Store::login`], and every write API that needs
//! a role takes one — so roles are enforced here, not only hidden in the UI.

use crate::error::{Result, StoreError};
use crate::{auditlog, Store};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// Failed logins in a row that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock lasts.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 收银员: sells, records deliveries.
    Cashier,
    /// 药师: everything a cashier does, plus prescription audits.
    Pharmacist,
    /// 店长: everything, plus refunds, queue voids/retries, operators.
    Manager,
}

impl Role {
    /// The code stored in `operators.role`.
    pub fn code(self) -> &'static str {
        match self {
            Role::Cashier => "cashier",
            Role::Pharmacist => "pharmacist",
            Role::Manager => "manager",
        }
    }
    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "cashier" => Some(Role::Cashier),
            "pharmacist" => Some(Role::Pharmacist),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }
}

/// The permissions, checked by the store's write APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Record a sale (and its settlement).
    Sell,
    /// Record a pharmacist's audit decision.
    AuditPrescription,
    /// Refund a sale.
    Refund,
    /// Record delivery status.
    Deliver,
    /// Retry or void an upload.
    ManageQueue,
    /// Create operators, unlock accounts, change settings.
    Administer,
    /// Receive goods, return them to the supplier, record stock changes and
    /// stock-takes.
    ManageStock,
}

impl Permission {
    fn allowed(self, role: Role) -> bool {
        match self {
            Permission::Sell | Permission::Deliver => true,
            Permission::AuditPrescription => matches!(role, Role::Pharmacist),
            Permission::ManageStock => matches!(role, Role::Pharmacist | Role::Manager),
            Permission::Refund | Permission::ManageQueue | Permission::Administer => {
                matches!(role, Role::Manager)
            }
        }
    }
    fn label(self) -> (&'static str, &'static str) {
        match self {
            Permission::Sell => ("sell", "cashier/pharmacist/manager"),
            Permission::AuditPrescription => ("audit a prescription", "pharmacist"),
            Permission::Refund => ("refund", "manager"),
            Permission::Deliver => ("record delivery", "cashier/pharmacist/manager"),
            Permission::ManageQueue => ("retry or void an upload", "manager"),
            Permission::Administer => ("administer operators", "manager"),
            Permission::ManageStock => ("manage stock", "pharmacist/manager"),
        }
    }
}

/// A logged-in operator. Only [`Store::login`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    operator_id: i64,
    login: String,
    display_name: String,
    role: Role,
}

impl Session {
    /// Operator row id.
    pub fn operator_id(&self) -> i64 {
        self.operator_id
    }
    /// Login name.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// Display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// Role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// `Ok` when the role allows `p`.
    pub fn require(&self, p: Permission) -> Result<()> {
        if p.allowed(self.role) {
            Ok(())
        } else {
            let (action, required) = p.label();
            Err(StoreError::Forbidden { action, required })
        }
    }
}

/// An operator as the settings screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OperatorListing {
    /// Login (工号).
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Whether the account may sign in.
    pub active: bool,
    /// Locked after failed sign-ins until this CST time, if locked now.
    pub locked_until: Option<String>,
    /// `psn_cert_type` registered ("" when none).
    pub cert_type: String,
    /// The registered ID number, masked ("" when none).
    pub certno_masked: String,
    /// 执业资格证号 ("" when none).
    pub prac_cert_no: String,
    /// 医保药师代码 ("" when none).
    pub phar_code: String,
    /// When the pharmacist last confirmed her own e-voucher (CST), if ever.
    pub ec_bound_at: Option<String>,
}

/// A new operator.
#[derive(Debug, Clone)]
pub struct NewOperator {
    /// Login name (unique).
    pub login: String,
    /// Shown on receipts and uploads (`phar_name`, `sel_retn_opter_name`).
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Initial password (at least 8 characters).
    pub password: String,
    /// Pharmacist's certificate type (`psn_cert_type`), if any.
    pub cert_type: Option<String>,
    /// Pharmacist's ID number (sealed at rest).
    pub certno: Option<String>,
    /// Practising certificate number (`phar_prac_cert_no`).
    pub prac_cert_no: Option<String>,
}

pub(crate) fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("cannot hash password: {e}")))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

impl Store {
    /// Creates an operator. The very first operator of a ledger may be made
    /// without a session and must be a manager (bootstrap); later ones need a
    /// manager's session.
    pub fn create_operator(&self, by: Option<&Session>, op: &NewOperator) -> Result<i64> {
        if op.password.chars().count() < 8 {
            return Err(StoreError::Invalid(
                "password must have at least 8 characters".into(),
            ));
        }
        if op.login.trim().is_empty() {
            return Err(StoreError::Invalid("login must not be empty".into()));
        }
        if let Some(s) = by {
            s.require(Permission::Administer)?;
        }
        let hash = hash_password(&op.password)?;
        let certno_enc = op.certno.as_deref().map(|c| self.sealer().seal_str(c));
        let now = self.now_ms();
        self.write("create operator", |tx| {
            let count: i64 = tx
                .query_row("SELECT count(*) FROM operators", [], |r| r.get(0))
                .map_err(StoreError::sql("count operators"))?;
            match by {
                None if count > 0 => {
                    return Err(StoreError::Forbidden {
                        action: "create operator",
                        required: "manager",
                    })
                }
                None if op.role != Role::Manager => {
                    return Err(StoreError::Invalid(
                        "the first operator must be a manager".into(),
                    ))
                }
                _ => {}
            }
            tx.execute(
                "INSERT INTO operators (login, display_name, role, password_hash, cert_type,
                     certno_enc, prac_cert_no, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    op.login.trim(),
                    op.display_name,
                    op.role.code(),
                    hash,
                    op.cert_type,
                    certno_enc,
                    op.prac_cert_no,
                    now
                ],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Rule(format!(
                    "登录名已存在 / login {:?} already exists",
                    op.login
                )),
                _ => crate::error::classify("create operator", e),
            })?;
            let id = tx.last_insert_rowid();
            auditlog::append(
                tx,
                self,
                by.map(|s| s.operator_id),
                "operator.create",
                &serde_json::json!({"login": op.login.trim(), "role": op.role.code()}),
            )?;
            Ok(id)
        })
    }

    /// Every operator, for the settings screen (no password hashes, no ID
    /// numbers): login, name, role, active, locked until (CST wire time).
    pub fn operators(&self) -> Result<Vec<OperatorListing>> {
        let now = self.now_ms();
        type Row = (
            String,
            String,
            String,
            i64,
            Option<i64>,
            Option<String>,
            Option<Vec<u8>>,
            Option<String>,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Row> = self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT login, display_name, role, active, locked_until, cert_type, certno_enc,
                            prac_cert_no, phar_code, ec_bound_at
                     FROM operators ORDER BY login",
                )
                .map_err(StoreError::sql("list operators"))?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                    ))
                })
                .map_err(StoreError::sql("list operators"))?;
            rows.collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("list operators"))
        })?;
        let mut out = Vec::new();
        for (login, display_name, role, active, locked, cert_type, certno_enc, prac, phar, ec) in
            rows
        {
            let certno = match certno_enc {
                Some(b) => self.sealer().open_str(&b)?,
                None => String::new(),
            };
            out.push(OperatorListing {
                login,
                display_name,
                role,
                active: active == 1,
                locked_until: locked.filter(|&t| t > now).map(wire_time),
                cert_type: cert_type.unwrap_or_default(),
                certno_masked: if certno.is_empty() {
                    String::new()
                } else {
                    rxdesk_core::prescription::mask_id_number(&certno)
                },
                prac_cert_no: prac.unwrap_or_default(),
                phar_code: phar.unwrap_or_default(),
                ec_bound_at: ec.map(wire_time),
            });
        }
        Ok(out)
    }

    /// Checks a login and password. Every attempt (success, failure, refusal
    /// while locked) is written to the audit log.
    pub fn login(&self, login: &str, password: &str) -> Result<Session> {
        let row: Option<OperatorRow> = self.read(|c| {
            c.query_row(
                "SELECT id, display_name, role, password_hash, failed_attempts, locked_until, active
                 FROM operators WHERE login = ?1",
                [login.trim()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()
            .map_err(StoreError::sql("look up operator"))
        })?;
        let now = self.now_ms();
        let Some((id, display_name, role, phc, failed, locked_until, active)) = row else {
            // Same work and same answer as a wrong password: no user enumeration.
            let _ = verify_password(password, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            self.write("log failed login", |tx| {
                auditlog::append(
                    tx,
                    self,
                    None,
                    "login.unknown",
                    &serde_json::json!({"login": login.trim()}),
                )
            })?;
            return Err(StoreError::BadCredentials);
        };
        if let Some(until) = locked_until.filter(|u| *u > now) {
            self.write("log locked login", |tx| {
                auditlog::append(tx, self, Some(id), "login.locked", &serde_json::json!({}))
            })?;
            return Err(StoreError::Locked {
                until: wire_time(until),
            });
        }
        if active == 0 || !verify_password(password, &phc) {
            let failed = if locked_until.is_some() {
                1
            } else {
                failed + 1
            };
            let lock = (failed >= MAX_FAILED_LOGINS).then_some(now + LOCKOUT_MS);
            self.write("record failed login", |tx| {
                tx.execute(
                    "UPDATE operators SET failed_attempts = ?2, locked_until = ?3 WHERE id = ?1",
                    params![id, if lock.is_some() { 0 } else { failed }, lock],
                )
                .map_err(StoreError::sql("record failed login"))?;
                auditlog::append(
                    tx,
                    self,
                    Some(id),
                    if lock.is_some() {
                        "login.lockout"
                    } else {
                        "login.failed"
                    },
                    &serde_json::json!({"failed_attempts": failed}),
                )
            })?;
            return Err(match lock {
                Some(until) => StoreError::Locked {
                    until: wire_time(until),
                },
                None => StoreError::BadCredentials,
            });
        }
        let role = Role::from_code(&role)
            .ok_or_else(|| StoreError::Invalid(format!("operator has unknown role {role:?}")))?;
        self.write("record login", |tx| {
            tx.execute(
                "UPDATE operators SET failed_attempts = 0, locked_until = NULL WHERE id = ?1",
                [id],
            )
            .map_err(StoreError::sql("record login"))?;
            auditlog::append(tx, self, Some(id), "login.ok", &serde_json::json!({}))
        })?;
        Ok(Session {
            operator_id: id,
            login: login.trim().to_string(),
            display_name,
            role,
        })
    }

    /// 店长授权: an operator allowed to do `p` (a store manager) types their
    /// 工号 and password at another operator's session (`at`, e.g. a
    /// cashier's) to authorise one action. The password is checked as at
    /// sign-in (failures count towards the lockout and are logged), the
    /// permission is required, and the audit log records who authorised
    /// `action` at whose session. The session returned is the authoriser's,
    /// for that one action only: the caller never keeps it.
    pub fn authorise(
        &self,
        at: &Session,
        login: &str,
        password: &str,
        p: Permission,
        action: &str,
        detail: &serde_json::Value,
    ) -> Result<Session> {
        let m = self.login(login, password)?;
        m.require(p)?;
        self.write("record authorisation", |tx| {
            auditlog::append(
                tx,
                self,
                Some(m.operator_id),
                "authorise",
                &serde_json::json!({"action": action, "at_session_of": at.operator_id,
                                     "at_login": at.login, "detail": detail}),
            )
        })?;
        Ok(m)
    }

    /// A manager unlocks an account.
    pub fn unlock_operator(&self, by: &Session, login: &str) -> Result<()> {
        by.require(Permission::Administer)?;
        self.write("unlock operator", |tx| {
            let n = tx
                .execute(
                    "UPDATE operators SET failed_attempts = 0, locked_until = NULL WHERE login = ?1",
                    [login],
                )
                .map_err(StoreError::sql("unlock operator"))?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("operator {login}")));
            }
            auditlog::append(tx, self, Some(by.operator_id), "operator.unlock", &serde_json::json!({"login": login}))
        })
    }

    /// Records a settings change in the audit log (the settings file itself
    /// is owned by the app).
    pub fn log_settings_change(&self, by: &Session, what: &serde_json::Value) -> Result<()> {
        by.require(Permission::Administer)?;
        self.write("log settings change", |tx| {
            auditlog::append(tx, self, Some(by.operator_id), "settings.change", what)
        })
    }

    /// Operator details needed for payloads: (display name, cert type, ID number, prac cert no).
    pub(crate) fn operator_identity(
        &self,
        c: &rusqlite::Connection,
        id: i64,
    ) -> Result<(String, String, String, String)> {
        let (name, cert_type, certno_enc, prac): (String, Option<String>, Option<Vec<u8>>, Option<String>) = c
            .query_row(
                "SELECT display_name, cert_type, certno_enc, prac_cert_no FROM operators WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(StoreError::sql("read operator"))?;
        let certno = match certno_enc {
            Some(b) => self.sealer().open_str(&b)?,
            None => String::new(),
        };
        Ok((
            name,
            cert_type.unwrap_or_default(),
            certno,
            prac.unwrap_or_default(),
        ))
    }
}

/// An operator's registered identity: what the counter compares a
/// pharmacist's own e-voucher with at shift start and at the audit.
#[derive(Clone, PartialEq, Eq)]
pub struct OperatorIdentity {
    /// Operator row id.
    pub operator_id: i64,
    /// Login (工号).
    pub login: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// `psn_cert_type` ("" when none was registered).
    pub cert_type: String,
    /// ID number, unsealed ("" when none was registered).
    pub certno: String,
    /// 执业资格证号 ("" when none).
    pub prac_cert_no: String,
    /// 医保药师代码 ("" when none).
    pub phar_code: String,
    /// Active account.
    pub active: bool,
}

impl std::fmt::Debug for OperatorIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorIdentity")
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field(
                "certno",
                &rxdesk_core::prescription::mask_id_number(&self.certno),
            )
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The registered identity of an operator, by row id or login.
    pub fn operator_identity_by(
        &self,
        operator_id: Option<i64>,
        login: Option<&str>,
    ) -> Result<Option<OperatorIdentity>> {
        type Row = (
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<Vec<u8>>,
            Option<String>,
            i64,
            Option<String>,
        );
        let row: Option<Row> = self.read(|c| {
            c.query_row(
                "SELECT id, login, display_name, role, cert_type, certno_enc, prac_cert_no, active,
                        phar_code
                 FROM operators WHERE id = ?1 OR login = ?2",
                rusqlite::params![
                    operator_id.unwrap_or(-1),
                    login.map(str::trim).unwrap_or("")
                ],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                    ))
                },
            )
            .optional()
            .map_err(StoreError::sql("read operator identity"))
        })?;
        let Some((id, login, display_name, role, cert_type, certno_enc, prac, active, phar)) = row
        else {
            return Ok(None);
        };
        let certno = match certno_enc {
            Some(b) => self.sealer().open_str(&b)?,
            None => String::new(),
        };
        Ok(Some(OperatorIdentity {
            operator_id: id,
            login,
            display_name,
            role: Role::from_code(&role).unwrap_or(Role::Cashier),
            cert_type: cert_type.unwrap_or_default(),
            certno,
            prac_cert_no: prac.unwrap_or_default(),
            phar_code: phar.unwrap_or_default(),
            active: active == 1,
        }))
    }
}

/// (id, display name, role, PHC hash, failed attempts, locked until, active).
type OperatorRow = (i64, String, String, String, i64, Option<i64>, i64);

pub(crate) fn wire_time(ms: i64) -> String {
    rxdesk_core::time::format_wire(chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn manager(store: &Store) -> Session {
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
        store.login("boss", "correct horse").unwrap()
    }

    #[test]
    fn bootstrap_login_lockout_and_roles() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("l.sqlite3")).unwrap();
        let boss = manager(&store);
        assert_eq!(boss.role(), Role::Manager);
        // A second bootstrap is refused.
        let cashier = NewOperator {
            login: "lily".into(),
            display_name: "李收银".into(),
            role: Role::Cashier,
            password: "12345678".into(),
            cert_type: None,
            certno: None,
            prac_cert_no: None,
        };
        assert!(matches!(
            store.create_operator(None, &cashier),
            Err(StoreError::Forbidden { .. })
        ));
        store.create_operator(Some(&boss), &cashier).unwrap();
        let lily = store.login("lily", "12345678").unwrap();
        assert!(matches!(
            store.create_operator(
                Some(&lily),
                &NewOperator {
                    login: "x".into(),
                    ..cashier.clone()
                }
            ),
            Err(StoreError::Forbidden { .. })
        ));
        assert!(lily.require(Permission::Sell).is_ok());
        assert!(lily.require(Permission::AuditPrescription).is_err());
        assert!(lily.require(Permission::Refund).is_err());

        // Unknown user and wrong password look the same.
        assert!(matches!(
            store.login("nobody", "x"),
            Err(StoreError::BadCredentials)
        ));
        for _ in 0..MAX_FAILED_LOGINS - 1 {
            assert!(matches!(
                store.login("lily", "wrong"),
                Err(StoreError::BadCredentials)
            ));
        }
        assert!(matches!(
            store.login("lily", "wrong"),
            Err(StoreError::Locked { .. })
        ));
        // Locked even with the right password…
        assert!(matches!(
            store.login("lily", "12345678"),
            Err(StoreError::Locked { .. })
        ));
        // …until the lock expires, or a manager unlocks.
        store.advance_clock(LOCKOUT_MS + 1000);
        assert!(store.login("lily", "12345678").is_ok());
        for _ in 0..MAX_FAILED_LOGINS {
            let _ = store.login("lily", "wrong");
        }
        assert!(matches!(
            store.login("lily", "12345678"),
            Err(StoreError::Locked { .. })
        ));
        store.unlock_operator(&boss, "lily").unwrap();
        assert!(store.login("lily", "12345678").is_ok());
        // The hash is argon2id, never the password.
        let phc: String = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT password_hash FROM operators WHERE login='lily'",
                    [],
                    |r| r.get(0),
                )
                .unwrap())
            })
            .unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("12345678"));
    }
}
