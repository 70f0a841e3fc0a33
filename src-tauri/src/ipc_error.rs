//! The one error every Tauri command rejects with: `{code, params, detail,
//! sentence?}` (camelCase). The window renders it in the user's locale from
//! one catalogue by `code` (`ui/src/ipc/errors.ts`), filling `params`;
//! `detail` is technical text for support, shown only behind the window's
//! "详情 / Details" toggle. `sentence` is set only by errors whose crate
//! already makes a sentence in both languages from the variant (the visit's
//! `StepError`, the inventory and delivery refusals): the window uses it
//! when its catalogue has no template for the code, never Chinese in en-US.
//!
//! Every code this module assigns itself (the shell's, `AppError`'s,
//! `StoreError`'s and the typed errors of the set-up, till, import and
//! manager services) is in [`CATALOGUED_CODES`]; a test writes that list to
//! `ui/src/ipc/generated/error-codes.ts`, and a vitest fails when one of
//! them has no zh-CN or en-US text. Full ID numbers never reach `params` or
//! `detail` (`rxdesk_app::ipc_mask`, which the mocks' recordings use too).

use rxdesk_app::credentials::CredentialError;
use rxdesk_app::delivery::DeliveryError;
use rxdesk_app::desk::DeskError;
use rxdesk_app::import::ImportError;
use rxdesk_app::inventory_screen::InventoryFailure;
use rxdesk_app::ipc_mask::{mask_ids, support_detail};
use rxdesk_app::ipc_mask::{masked_params, masked_value};
use rxdesk_app::onboarding::SetupError;
use rxdesk_app::settings_edit::SettingsEditError;
use rxdesk_app::till::TillError;
use rxdesk_app::trace_reconcile::TraceReconcileError;
use rxdesk_app::visit::{Lang, StepError};
use rxdesk_app::AppError;
use rxdesk_center::CenterError;
use rxdesk_store::StoreError;
use serde::Serialize;
use serde_json::{Map, Value};

/// A sentence the backend made in both languages (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Sentence {
    /// 简体中文.
    pub zh_cn: String,
    /// English.
    pub en_us: String,
}

/// What a command rejects with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    /// The stable code (docs/rules.md); the catalogue key.
    pub code: String,
    /// The data the catalogue's sentence is filled from.
    #[cfg_attr(test, ts(type = "Record<string, unknown>"))]
    pub params: Map<String, Value>,
    /// Technical detail for support (hidden by default).
    pub detail: String,
    /// The backend's own sentence in both languages, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub sentence: Option<Sentence>,
}

/// The codes the shell assigns that the catalogue must render (written to
/// `ui/src/ipc/generated/error-codes.ts` by a test).
#[cfg_attr(not(test), allow(dead_code))]
pub const CATALOGUED_CODES: &[&str] = &[
    // The shell itself.
    "COUNTER_UNAVAILABLE",
    "VISITS_UNAVAILABLE",
    "NO_SESSION",
    "TASK_FAILED",
    "LOCALE_UNSUPPORTED",
    "ALREADY_SET_UP",
    "MANAGER_SIGN_IN",
    "IMPORT_INCOMPLETE_UPLOAD",
    "DEVICE_TEST_FAILED",
    "SETUP_REFUSED",
    "UNLOCK_REFUSED",
    "STAFF_REFUSED",
    "CHAIN_NOT_RUNNING",
    "CHAIN_STATUS_UNREADABLE",
    // The chain manager's desk (chain_commands.rs `manager_error`).
    "CHAIN_CHAIN_NOT_REGISTERED",
    "CHAIN_CHAIN_MANAGER_SIGNED_OUT",
    "CHAIN_HQ_UNREACHABLE",
    "CHAIN_BAD_CREDENTIALS",
    "CHAIN_LOGIN_LOCKED",
    "CHAIN_SESSION_EXPIRED",
    "CHAIN_SESSION_UNKNOWN",
    "CHAIN_UNKNOWN_ISSUE",
    "CHAIN_HQ_REFUSED",
    "CHAIN_HQ_PROTOCOL",
    // AppError.
    "APP_NO_DATA_DIR",
    "APP_IO",
    "NOT_SIGNED_IN",
    "DESK_UNAVAILABLE",
    "WRONG_ROLE",
    "BAD_SETTINGS",
    // DeskError (the center's classes and the desk's own).
    "CENTER_REJECTED",
    "CENTER_UNAVAILABLE",
    "CENTER_UNCERTAIN",
    "CENTER_INVALID",
    "DESK_INTERNAL",
    "DESK_BAD_CREDENTIAL",
    // StoreError.
    "STORE_DISK_FULL",
    "STORE_CORRUPT",
    "STORE_SCHEMA_TOO_NEW",
    "STORE_FAILED",
    "STORE_KEY",
    "STORE_BAD_CREDENTIALS",
    "STORE_LOCKED",
    "STORE_FORBIDDEN",
    "STORE_NOT_FOUND",
    "STORE_RULE",
    "STORE_NO_INSTITUTION",
    "STORE_INVALID",
    "STORE_INVENTORY",
    "STORE_SYNC_BUSY",
    // CredentialError.
    "CREDENTIAL_FILE",
    "LEDGER_KEY",
    // SetupError.
    "SETUP_PROFILE",
    "SETUP_DEMO_PROFILE",
    "SETUP_PHARMACY_CODE",
    "SETUP_TRUST_FILE",
    "SETUP_MANAGER",
    "SETUP_TERMINAL_NO",
    "SETUP_DATA_DIR",
    "SETUP_CONNECTIVITY",
    // SettingsEditError.
    "SETTINGS_NOT_MANAGER",
    "SETTINGS_INVALID",
    "SETTINGS_IO",
    // TillError.
    "TILL_NOT_OPEN",
    "TILL_BAD_AMOUNT",
    "TILL_BAD_DAY",
    "TILL_REFUSED",
    "TILL_LEDGER",
    // ImportError.
    "IMPORT_UNKNOWN_FORMAT",
    "IMPORT_TOO_LARGE",
    "IMPORT_UNREADABLE",
    "IMPORT_NOT_ALLOWED",
    "IMPORT_LEDGER",
    // TraceReconcileError.
    "TRACE_RECONCILE_STORE",
    "TRACE_RECONCILE_CENTER",
];

impl IpcError {
    /// An error with no params; `detail` for support.
    pub fn new(code: &str, detail: impl std::fmt::Display) -> Self {
        Self {
            code: code.into(),
            params: Map::new(),
            detail: support_detail(&detail.to_string()),
            sentence: None,
        }
    }

    /// Adds one parameter (masked).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.params.insert(key.into(), masked_value(value.into()));
        self
    }

    /// A refusal a service gives only as a (zh-CN) sentence: the code says
    /// what was refused, `params.reason` carries the sentence for zh-CN.
    pub fn refused(code: &str, reason: impl std::fmt::Display) -> Self {
        let reason = reason.to_string();
        Self::new(code, &reason).with("reason", reason)
    }

    /// The counter did not open (the composition root's sentence).
    pub fn counter_unavailable(reason: &str) -> Self {
        Self::refused("COUNTER_UNAVAILABLE", reason)
    }

    /// A blocking task crashed or was cancelled.
    pub fn task(e: impl std::fmt::Display) -> Self {
        Self::new("TASK_FAILED", e)
    }

    fn with_sentence(mut self, zh_cn: String, en_us: String) -> Self {
        self.sentence = Some(Sentence {
            zh_cn: mask_ids(&zh_cn),
            en_us: mask_ids(&en_us),
        });
        self
    }
}

impl From<tokio::task::JoinError> for IpcError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::task(e)
    }
}

impl From<StepError> for IpcError {
    fn from(e: StepError) -> Self {
        Self {
            code: e.code().into(),
            params: masked_params(e.params()),
            detail: mask_ids(&e.message_en()),
            sentence: None,
        }
        .with_sentence(e.message_zh(), e.message_en())
    }
}

impl From<InventoryFailure> for IpcError {
    fn from(e: InventoryFailure) -> Self {
        let zh = e.to_wire(Lang::ZhCn);
        let en = e.to_wire(Lang::EnUs);
        Self {
            code: en.code,
            params: masked_params(en.params),
            detail: mask_ids(&en.message),
            sentence: None,
        }
        .with_sentence(zh.message, en.message)
    }
}

impl From<DeliveryError> for IpcError {
    fn from(e: DeliveryError) -> Self {
        Self::new(e.code(), e.message_en()).with_sentence(e.message_zh(), e.message_en())
    }
}

impl From<CenterError> for IpcError {
    fn from(e: CenterError) -> Self {
        match &e {
            CenterError::Rejected { code, .. } => {
                Self::new("CENTER_REJECTED", &e).with("centerCode", code.clone())
            }
            CenterError::Transient(_) => Self::new("CENTER_UNAVAILABLE", &e),
            CenterError::Uncertain(_) => Self::new("CENTER_UNCERTAIN", &e),
            CenterError::Invalid(_) => Self::new("CENTER_INVALID", &e),
        }
    }
}

impl From<StoreError> for IpcError {
    fn from(e: StoreError) -> Self {
        use StoreError as S;
        let code = match &e {
            S::DiskFull { .. } => "STORE_DISK_FULL",
            S::Corrupt { .. } => "STORE_CORRUPT",
            S::SchemaTooNew { .. } => "STORE_SCHEMA_TOO_NEW",
            S::Sqlite { .. } | S::Migration(_) | S::Io { .. } => "STORE_FAILED",
            S::KeyFile { .. } | S::WrongKey { .. } | S::Unseal(_) => "STORE_KEY",
            S::BadCredentials => "STORE_BAD_CREDENTIALS",
            S::Locked { .. } => "STORE_LOCKED",
            S::Forbidden { .. } => "STORE_FORBIDDEN",
            S::NotFound(_) => "STORE_NOT_FOUND",
            S::Rule(_) => "STORE_RULE",
            S::NoInstitution => "STORE_NO_INSTITUTION",
            S::Invalid(_) => "STORE_INVALID",
            S::Inventory(_) => "STORE_INVENTORY",
            S::SyncBusy(_) => "STORE_SYNC_BUSY",
        };
        let ipc = Self::new(code, &e);
        match &e {
            // The ledger's own refusals are sentences for the staff.
            S::Forbidden { .. } | S::NotFound(_) | S::Rule(_) | S::Invalid(_) => {
                ipc.with("reason", e.to_string())
            }
            S::Locked { until } => {
                let until = until.clone();
                ipc.with("until", until).with("reason", e.to_string())
            }
            S::Inventory(i) => ipc
                .with("reason", e.to_string())
                .with("inventoryCode", i.code()),
            _ => ipc,
        }
    }
}

impl From<CredentialError> for IpcError {
    fn from(e: CredentialError) -> Self {
        Self::new(e.code(), &e)
    }
}

impl From<DeskError> for IpcError {
    fn from(e: DeskError) -> Self {
        match e {
            DeskError::Center(c) => c.into(),
            DeskError::Store(s) => s.into(),
            DeskError::Internal(d) => Self::new("DESK_INTERNAL", d),
            DeskError::BadCredential(d) => Self::new("DESK_BAD_CREDENTIAL", d),
        }
    }
}

impl From<AppError> for IpcError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NoDataDir => Self::new("APP_NO_DATA_DIR", &e),
            AppError::Io { action, .. } => Self::new("APP_IO", &e).with("action", action),
            AppError::Store(s) => s.into(),
            AppError::Vault(c) => c.into(),
            AppError::NotSignedIn => Self::new("NOT_SIGNED_IN", &e),
            AppError::DeskUnavailable(_) => Self::new("DESK_UNAVAILABLE", &e),
            AppError::Desk(d) => d.into(),
            AppError::WrongRole { ref login, have } => {
                let login = login.clone();
                Self::new("WRONG_ROLE", &e)
                    .with("login", login)
                    .with("role", have)
            }
            AppError::BadSettings { .. } => Self::new("BAD_SETTINGS", &e),
        }
    }
}

impl From<SetupError> for IpcError {
    fn from(e: SetupError) -> Self {
        Self::refused(e.code(), &e)
    }
}

impl From<SettingsEditError> for IpcError {
    fn from(e: SettingsEditError) -> Self {
        Self::refused(e.code(), &e)
    }
}

impl From<TillError> for IpcError {
    fn from(e: TillError) -> Self {
        Self::refused(e.code(), &e)
    }
}

impl From<ImportError> for IpcError {
    fn from(e: ImportError) -> Self {
        Self::refused(e.code(), &e)
    }
}

impl From<TraceReconcileError> for IpcError {
    fn from(e: TraceReconcileError) -> Self {
        Self::refused(e.code(), &e)
    }
}

/// The TypeScript the window imports (`ui/src/ipc/generated/error-codes.ts`).
#[cfg(test)]
pub fn generated_ts() -> String {
    let list = |codes: &mut dyn Iterator<Item = &&str>| {
        codes.map(|c| format!("  \"{c}\",\n")).collect::<String>()
    };
    let mut sentence: Vec<&str> = rxdesk_app::visit::OWN_CODES
        .iter()
        .chain(rxdesk_app::visit::DEVICE_CODES)
        .copied()
        .filter(|c| !CATALOGUED_CODES.contains(c))
        .collect();
    sentence.sort_unstable();
    sentence.dedup();
    format!(
        "// Generated from src-tauri/src/ipc_error.rs by `cargo test -p rxdesk-desktop ipc_error`\n\
         // (the test rewrites this file when it is out of date, then fails). Do not edit.\n\n\
         /** What every Tauri command rejects with (`types.ts`, from the Rust type by ts-rs). */\n\
         export type {{ IpcError, Sentence }} from \"./types\";\n\n\
         /** Codes the window's catalogue must render in zh-CN and en-US. */\n\
         export const CATALOGUED_CODES = [\n{}] as const;\n\n\
         /** Codes of the visit's step errors: they carry `sentence`; the catalogue may render them. */\n\
         export const SENTENCE_CODES = [\n{}] as const;\n",
        list(&mut CATALOGUED_CODES.iter()),
        list(&mut sentence.iter()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_is_code_params_detail_in_camel_case() {
        let e = IpcError::from(AppError::WrongRole {
            login: "y01".into(),
            have: "药师",
        });
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "WRONG_ROLE");
        assert_eq!(v["params"]["login"], "y01");
        assert!(v["detail"].as_str().unwrap().contains("y01"));
        assert!(v.get("sentence").is_none());
    }

    fn catalogued(e: impl Into<IpcError>) -> String {
        let e = e.into();
        assert!(
            CATALOGUED_CODES.contains(&e.code.as_str()),
            "{} is not in CATALOGUED_CODES",
            e.code
        );
        e.code
    }

    /// Every variant of the errors this module maps gets a listed code (the
    /// `match`es in the `From` impls fail to compile on a new variant).
    #[test]
    fn every_app_store_and_center_error_maps_to_a_listed_code() {
        let io = || std::io::Error::other("x");
        let centers = [
            CenterError::Rejected {
                code: "1".into(),
                message: "m".into(),
            },
            CenterError::Transient("t".into()),
            CenterError::Uncertain("u".into()),
            CenterError::Invalid("i".into()),
        ];
        for c in centers {
            catalogued(AppError::Desk(DeskError::Center(c)));
        }
        let stores = vec![
            StoreError::DiskFull { action: "a" },
            StoreError::Corrupt {
                path: "p".into(),
                detail: "d".into(),
            },
            StoreError::SchemaTooNew {
                found: 9,
                supported: 1,
            },
            StoreError::Migration("m".into()),
            StoreError::Io {
                action: "a",
                path: "p".into(),
                source: io(),
            },
            StoreError::KeyFile {
                path: "p".into(),
                detail: "d".into(),
            },
            StoreError::WrongKey {
                path: "p".into(),
                source_kind: "k",
            },
            StoreError::Unseal("u".into()),
            StoreError::BadCredentials,
            StoreError::Locked { until: "t".into() },
            StoreError::Forbidden {
                action: "a",
                required: "manager",
            },
            StoreError::NotFound("n".into()),
            StoreError::Rule("r".into()),
            StoreError::NoInstitution,
            StoreError::Invalid("i".into()),
            StoreError::SyncBusy("p".into()),
        ];
        let mut codes: Vec<String> = stores.into_iter().map(catalogued).collect();
        codes.extend([
            catalogued(AppError::NoDataDir),
            catalogued(AppError::Io {
                action: "a",
                path: "p".into(),
                source: io(),
            }),
            catalogued(AppError::NotSignedIn),
            catalogued(AppError::DeskUnavailable("d".into())),
            catalogued(AppError::Desk(DeskError::Internal("i".into()))),
            catalogued(AppError::Desk(DeskError::BadCredential("b".into()))),
            catalogued(AppError::WrongRole {
                login: "l".into(),
                have: "h",
            }),
            catalogued(AppError::BadSettings {
                path: "p".into(),
                source: serde_json::from_str::<u8>("x").unwrap_err(),
            }),
        ]);
        assert!(codes.iter().all(|c| !c.is_empty()));
    }

    /// String literals in `src` of the codes a `code()` returns, or that the
    /// shell passes to `IpcError::new` / `refused`.
    fn literals_after(src: &str, marker: &str) -> Vec<String> {
        src.match_indices(marker)
            .filter_map(|(i, _)| {
                let rest = &src[i + marker.len()..];
                let rest = rest.strip_prefix('"')?;
                Some(rest[..rest.find('"')?].to_string())
            })
            .collect()
    }

    fn code_fn_literals(src: &str) -> Vec<String> {
        let Some(start) = src.find("pub fn code(&self)") else {
            return Vec::new();
        };
        let body = &src[start..];
        let end = body.find("\n    }\n").unwrap_or(body.len());
        literals_after(&body[..end], "=> ")
    }

    #[test]
    fn every_code_the_shell_and_the_services_give_is_listed() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"));
        let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).unwrap();
        let mut found = Vec::new();
        for f in std::fs::read_dir(format!("{root}/src-tauri/src")).unwrap() {
            let src = std::fs::read_to_string(f.unwrap().path()).unwrap();
            found.extend(literals_after(&src, "IpcError::new("));
            found.extend(literals_after(&src, "IpcError::refused("));
        }
        for p in [
            "crates/rxdesk-app/src/credentials.rs",
            "crates/rxdesk-app/src/onboarding.rs",
            "crates/rxdesk-app/src/settings_edit.rs",
            "crates/rxdesk-app/src/till.rs",
            "crates/rxdesk-app/src/import.rs",
        ] {
            let codes = code_fn_literals(&read(p));
            assert!(!codes.is_empty(), "no codes read from {p}");
            found.extend(codes);
        }
        // TraceReconcileError's own codes (its first `code()` is DifferenceClass's).
        let trace = read("crates/rxdesk-app/src/trace_reconcile.rs");
        found.extend(
            literals_after(&trace, "=> \"TRACE_RECONCILE_")
                .into_iter()
                .map(|s| format!("TRACE_RECONCILE_{s}")),
        );
        let sentence: Vec<&str> = rxdesk_app::visit::OWN_CODES.to_vec();
        let is_code =
            |c: &String| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_');
        for c in found.into_iter().filter(is_code) {
            assert!(
                CATALOGUED_CODES.contains(&c.as_str()) || sentence.contains(&c.as_str()),
                "{c} is given to the window but not in CATALOGUED_CODES"
            );
        }
        let mut seen = std::collections::HashSet::new();
        for c in CATALOGUED_CODES {
            assert!(seen.insert(c), "{c} is listed twice");
        }
    }

    #[test]
    fn the_generated_typescript_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/ui/src/ipc/generated/error-codes.ts"
        );
        let want = generated_ts();
        let have = std::fs::read_to_string(path).unwrap_or_default();
        if have != want {
            std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
            std::fs::write(path, &want).unwrap();
            panic!("{path} was out of date and has been regenerated: review and commit it");
        }
    }
}
