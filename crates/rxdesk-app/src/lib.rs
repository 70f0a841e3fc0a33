//! # rxdesk-app — the application services
//!
//! What the desktop shell's Tauri commands and the `rxdesk` CLI call: data
//! directory and settings, logging, and (as the counter workflow lands) the
//! services that take a patient from identification to receipt. Commands in
//! `src-tauri/` and subcommands in `rxdesk-cli` are thin wrappers over this crate.
//!
//! **Architecture invariant:** this crate wires the others together; it holds
//! no protocol, crypto or SQL of its own.
#![forbid(unsafe_code)]

pub mod app;
pub mod chain;
pub mod chain_manager;
pub mod chain_view;
pub mod credentials;
pub mod delivery;
pub mod demo;
pub mod desk;
pub mod devices;
pub mod import;
pub mod integrity;
pub mod inventory;
pub mod inventory_screen;
pub mod ipc_mask;
pub mod json_keys;
pub mod logging;
pub mod manager;
pub mod onboarding;
pub mod operators;
pub mod paths;
pub mod reconcile;
pub mod settings;
pub mod settings_edit;
pub mod settings_view;
pub mod settle_types;
pub mod staff;
pub mod status;
pub mod till;
pub mod trace_reconcile;
pub mod uploader;
pub mod visit;
pub mod wiring;

pub use operators::{Counter, OperatorInfo};
pub use paths::DataDir;
pub use settings::Settings;
pub use status::{AppStatus, CenterLink, DevicesState};

/// The application version, as shown in the status bar and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Errors of the application services, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No usable data directory.
    #[error("no data directory: set RXDESK_HOME or a HOME directory")]
    NoDataDir,
    /// A file or directory could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. "create data directory".
        action: &'static str,
        /// The path involved.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The ledger refused or failed.
    #[error("{0}")]
    Store(#[from] rxdesk_store::StoreError),
    /// The ledger's key is sealed in the credential vault, and the vault
    /// did not open (locked, wrong passphrase, damaged).
    #[error("{0}")]
    Vault(#[from] credentials::CredentialError),
    /// An action that needs a signed-in operator.
    #[error("请先登录 / sign in first")]
    NotSignedIn,
    /// The center link is not configured or its material is unusable.
    #[error("医保中心未就绪：{0}")]
    DeskUnavailable(String),
    /// The prescription desk failed.
    #[error("{0}")]
    Desk(#[from] desk::DeskError),
    /// The account exists but works in another role.
    #[error("工号 {login} 的角色是{have}，请选择正确的角色登录 / operator {login} is a {have}: choose that role")]
    WrongRole {
        /// The login.
        login: String,
        /// The account's role label.
        have: &'static str,
    },
    /// The settings file is not valid.
    #[error("settings file {path} is not valid JSON ({source}); fix or remove it — nothing was overwritten")]
    BadSettings {
        /// The settings file.
        path: std::path::PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

impl From<credentials::LedgerOpenError> for AppError {
    fn from(e: credentials::LedgerOpenError) -> Self {
        match e {
            credentials::LedgerOpenError::Store(s) => Self::Store(s),
            credentials::LedgerOpenError::Credentials(c) => Self::Vault(c),
        }
    }
}
