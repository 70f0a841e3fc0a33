//! Operator sign-in for the counter: who is at the till, in which role. The
//! ledger (`rxdesk-store`) owns the accounts (argon2id, lockout, roles); this
//! module keeps the signed-in session of this counter; a demo build
//! (cargo feature `demo`) seeds the demo accounts of `crate::demo` in demo
//! mode.

use crate::desk::PrescriptionDesk;
use crate::{AppError, DataDir, Settings};
use rxdesk_store::{Role, Session, Store};
use serde::Serialize;
use std::sync::{Arc, Mutex};

#[cfg(feature = "demo")]
pub use crate::demo::{
    DEMO_OPERATORS, DEMO_PHARMACIST_CERTNO, DEMO_PHARMACIST_EC_TOKEN, DEMO_PHARMACIST_PRAC_CERT_NO,
};

/// What the UI shows about the signed-in operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OperatorInfo {
    /// Login (工号).
    pub login: String,
    /// Display name.
    pub name: String,
    /// Role code: cashier, pharmacist, manager.
    #[cfg_attr(
        feature = "ts",
        ts(type = "\"cashier\" | \"pharmacist\" | \"manager\"")
    )]
    pub role: String,
    /// zh-CN label of the role.
    pub role_label: String,
}

impl From<&Session> for OperatorInfo {
    fn from(s: &Session) -> Self {
        Self {
            login: s.login().to_string(),
            name: s.display_name().to_string(),
            role: s.role().code().to_string(),
            role_label: role_label(s.role()).to_string(),
        }
    }
}

/// zh-CN label of a role.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Cashier => "收银员",
        Role::Pharmacist => "药师",
        Role::Manager => "店长",
    }
}

/// The payment channel of this counter: the simulator in demo mode of a demo
/// build only (cargo feature `demo`);
/// in production the external payment terminal (cash and 个人账户 need no
/// channel).
pub fn payment_channel(
    dir: &DataDir,
    settings: &Settings,
) -> Arc<dyn crate::visit::payment::PaymentChannel> {
    #[cfg(feature = "demo")]
    if settings.demo_mode {
        return Arc::new(crate::visit::payment::SimulatedPaymentChannel::new());
    }
    #[cfg(not(feature = "demo"))]
    let _ = settings;
    {
        Arc::new(crate::visit::payment::ExternalTerminalChannel::new(
            dir.root().join("payments").join("terminal.jsonl"),
        ))
    }
}

/// The counter's ledger and its signed-in operator.
pub struct Counter {
    store: Arc<Store>,
    session: Mutex<Option<Session>>,
    desk: Result<Arc<PrescriptionDesk>, String>,
    visits: Result<crate::visit::VisitService, String>,
    till: crate::till::TillService,
    integrity: crate::integrity::IntegrityStatus,
}

impl Counter {
    /// Opens the ledger in the data directory; in demo mode seeds the demo
    /// accounts into a ledger that has none.
    pub fn open(dir: &DataDir, settings: &Settings) -> Result<Self, AppError> {
        dir.ensure()?;
        // In production the ledger's key is unsealed from the credential
        // vault, so the vault must be open before the ledger is.
        let store = crate::credentials::open_ledger(dir)?;
        // The terminal number goes into every msgid and 零售单据号 the ledger issues.
        if let Ok(t) = settings.checked_terminal_no() {
            if store.terminal_no().map_err(AppError::Store)? != t {
                store.set_terminal_no(t).map_err(AppError::Store)?;
            }
        }
        let integrity = crate::integrity::startup(dir, settings, &store);
        // The profile says whether the in-stock list is published for public
        // channels; the ledger queues it with every stock change.
        if let Ok(profile) = crate::wiring::center_profile(dir, settings) {
            let on = profile.publication.stock_list;
            if store.stock_publication().map_err(AppError::Store)? != on {
                store.set_stock_publication(on).map_err(AppError::Store)?;
            }
        }
        let desk = crate::wiring::build_desk(dir, settings).map(Arc::new);
        if let Err(why) = &desk {
            tracing::warn!(%why, "prescription desk unavailable");
        }
        let store = Arc::new(store);
        let visits = match &desk {
            Ok(d) => crate::visit::VisitService::new(
                Arc::clone(&store),
                Arc::clone(d),
                payment_channel(dir, settings),
                crate::visit::VisitConfig::from_settings(dir, settings),
            )
            .map_err(|e| format!("结算日志读取失败：{e}")),
            Err(why) => Err(why.clone()),
        };
        let till = crate::till::TillService::new(
            Arc::clone(&store),
            crate::visit::VisitConfig::from_settings(dir, settings),
            desk.as_ref().map(|d| d.institution()).unwrap_or(""),
        );
        let counter = Self {
            store,
            session: Mutex::new(None),
            desk,
            visits,
            till,
            integrity,
        };
        if settings.demo_mode {
            // Only a demo build has demo accounts; a production build's
            // demo-mode counter has none to seed (and no demo center).
            #[cfg(feature = "demo")]
            crate::demo::seed_demo_operators(&counter.store)?;
        }
        Ok(counter)
    }

    /// What the start-up integrity checks found (audit log, anchors,
    /// permissions, document retention).
    pub fn integrity(&self) -> &crate::integrity::IntegrityStatus {
        &self.integrity
    }

    /// The ledger.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Signs an operator in. When `expected_role` is given the account must
    /// have that role (the login screen asks which role the person works in).
    pub fn login(
        &self,
        login: &str,
        password: &str,
        expected_role: Option<&str>,
    ) -> Result<OperatorInfo, AppError> {
        let session = self.store.login(login, password).map_err(AppError::Store)?;
        if let Some(want) = expected_role {
            if session.role().code() != want {
                let have = role_label(session.role());
                return Err(AppError::WrongRole {
                    login: login.trim().to_string(),
                    have,
                });
            }
        }
        let info = OperatorInfo::from(&session);
        tracing::info!(login = %info.login, role = %info.role, "operator signed in");
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(session);
        Ok(info)
    }

    /// Signs the current operator out.
    pub fn logout(&self) {
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = guard.take() {
            tracing::info!(login = %s.login(), "operator signed out");
        }
    }

    /// The signed-in session, or a sentence saying to sign in.
    pub fn session(&self) -> Result<Session, AppError> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or(AppError::NotSignedIn)
    }

    /// The prescription desk, or why it is unavailable (no center configured…).
    pub fn desk(&self) -> Result<&PrescriptionDesk, AppError> {
        self.desk
            .as_deref()
            .map_err(|why| AppError::DeskUnavailable(why.clone()))
    }

    /// The counter's visit service (the workflow from identification to
    /// receipt), or why it is unavailable.
    pub fn visits(&self) -> Result<&crate::visit::VisitService, AppError> {
        self.visits
            .as_ref()
            .map_err(|why| AppError::DeskUnavailable(why.clone()))
    }

    /// The counter's till (收银班次, 交班, 日结).
    pub fn till(&self) -> &crate::till::TillService {
        &self.till
    }

    /// The signed-in operator, if any.
    pub fn current(&self) -> Option<OperatorInfo> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(OperatorInfo::from)
    }
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;

    fn counter(demo: bool) -> (tempfile::TempDir, Counter) {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        let settings = Settings {
            demo_mode: demo,
            ..Settings::default()
        };
        let c = Counter::open(&dir, &settings).unwrap();
        (t, c)
    }

    #[test]
    fn demo_accounts_sign_in_with_their_roles() {
        let (_t, c) = counter(true);
        for (login, name, role, password) in DEMO_OPERATORS {
            let info = c.login(login, password, Some(role.code())).unwrap();
            assert_eq!(info.name, name);
            assert_eq!(c.current(), Some(info));
        }
        c.logout();
        assert_eq!(c.current(), None);
    }

    #[test]
    fn wrong_password_and_wrong_role_are_refused_with_sentences() {
        let (_t, c) = counter(true);
        let e = c.login("1001", "not-the-password", None).unwrap_err();
        assert!(e.to_string().contains("用户名或密码错误"), "{e}");
        let e = c
            .login("1001", "demo-cashier", Some("pharmacist"))
            .unwrap_err();
        assert!(e.to_string().contains("收银员"), "{e}");
        assert_eq!(c.current(), None);
    }

    #[test]
    fn reopening_does_not_duplicate_demo_accounts_and_production_has_none() {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        let demo = Settings::default();
        drop(Counter::open(&dir, &demo).unwrap());
        let c = Counter::open(&dir, &demo).unwrap();
        assert!(c.login("2001", "demo-pharmacist", None).is_ok());
        let (_t2, prod) = counter(false);
        assert!(prod.login("2001", "demo-pharmacist", None).is_err());
    }
}
