//! The pharmacy's center credentials: read from the directory the 医保局
//! handed over (each file checked, the key pair matched), sealed into the
//! data directory's vault (`rxdesk_store::vault`, `<data>/credentials/`),
//! and unsealed at start for the center client. Never compiled in, never in
//! the profile file, never logged (fingerprints only).
//!
//! At start the vault opens with the key the OS holds; when the OS has
//! forgotten it (reboot) the manager's passphrase is needed: from
//! `RXDESK_PASSPHRASE_FILE`, or given once by [`unlock`] (the counter's
//! first manager sign-in), which keeps the credentials for this process.
//!
//! The vault also holds the ledger's master key ([`LEDGER_KEY`]): once a
//! data directory has a vault, [`open_ledger`] opens the ledger with the key
//! unsealed from it, and a `<ledger>.key` file left from before the first
//! import is moved into the vault (then deleted) the first time the vault
//! opens. So in production no key of the ledger lies in clear on disk.

use crate::DataDir;
use rxdesk_center::profile::Credentials;
use rxdesk_gm::{PrivateKey, PublicKey};
use rxdesk_store::protect::{key_path_for, new_master_key, read_key_file};
use rxdesk_store::vault::{os_key_holder, Secrets, Vault, VaultError, VaultStatus, LEDGER_KEY};
use rxdesk_store::{KeySource, Store, StoreError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// File names in an issued credential directory.
pub mod files {
    /// appId (text).
    pub const APP_ID: &str = "app_id";
    /// appSecret (text).
    pub const APP_SECRET: &str = "app_secret";
    /// Gateway paasid, when the province issues one apart from the appId.
    pub const PAAS_ID: &str = "paas_id";
    /// Gateway secret, when the province issues one apart from the appSecret.
    pub const PAAS_SECRET: &str = "paas_secret";
    /// The platform's SM2 public key (PEM, or 130 hex digits).
    pub const PLATFORM_PUBLIC_KEY: &str = "platform_public_key.pem";
    /// The pharmacy's SM2 private key (PKCS#8 PEM, or 64 hex digits).
    pub const PHARMACY_PRIVATE_KEY: &str = "pharmacy_private_key.pem";
    /// The pharmacy's SM2 public key as registered (optional; must match).
    pub const PHARMACY_PUBLIC_KEY: &str = "pharmacy_public_key.pem";
}

/// Environment variable naming a file that holds the vault passphrase.
pub const PASSPHRASE_FILE_ENV: &str = "RXDESK_PASSPHRASE_FILE";

/// Why credentials could not be read, imported or opened (zh-CN).
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// A credential file is missing or unusable; names which one.
    #[error("凭证文件 {file} {why}")]
    BadFile {
        /// The file.
        file: PathBuf,
        /// What is wrong (zh-CN).
        why: String,
    },
    /// The vault refused.
    #[error("{0}")]
    Vault(#[from] VaultError),
    /// The ledger's key file could not be moved into the vault.
    #[error("{0}")]
    LedgerKey(#[from] StoreError),
}

impl CredentialError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadFile { .. } => "CREDENTIAL_FILE",
            Self::Vault(v) => v.code(),
            Self::LedgerKey(_) => "LEDGER_KEY",
        }
    }
}

fn bad(file: &Path, why: impl Into<String>) -> CredentialError {
    CredentialError::BadFile {
        file: file.to_path_buf(),
        why: why.into(),
    }
}

fn read_text(dir: &Path, name: &str, required: bool) -> Result<Option<String>, CredentialError> {
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(b) => {
            let s = String::from_utf8(b).map_err(|_| bad(&path, "不是文本文件"))?;
            let s = s.trim().to_string();
            if s.is_empty() {
                return Err(bad(&path, "是空的"));
            }
            Ok(Some(s))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(bad(&path, "不存在：请核对医保局下发的凭证目录"))
        }
        Err(e) => Err(bad(&path, format!("无法读取：{e}"))),
    }
}

fn parse_private(text: &str) -> Option<PrivateKey> {
    if text.contains("-----BEGIN") {
        PrivateKey::from_pem(text).ok()
    } else {
        PrivateKey::from_hex(text).ok()
    }
}

fn parse_public(text: &str) -> Option<PublicKey> {
    if text.contains("-----BEGIN") {
        PublicKey::from_pem(text).ok()
    } else {
        PublicKey::from_hex(text).ok()
    }
}

fn check_token(path: &Path, s: &str, what: &str) -> Result<(), CredentialError> {
    if s.len() > 128 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            path,
            format!("中的{what}格式不对：须为不含空格的字母数字（最多 128 位）"),
        ));
    }
    Ok(())
}

/// Reads and checks an issued credential directory; returns the secrets to
/// seal (canonical forms) and the credentials they make.
pub fn read_issued_dir(dir: &Path) -> Result<(Secrets, Credentials), CredentialError> {
    if !dir.is_dir() {
        return Err(bad(dir, "不是目录：请给出医保局下发的凭证目录"));
    }
    let app_id = read_text(dir, files::APP_ID, true)?.unwrap_or_default();
    check_token(&dir.join(files::APP_ID), &app_id, "appId")?;
    let app_secret = read_text(dir, files::APP_SECRET, true)?.unwrap_or_default();
    check_token(&dir.join(files::APP_SECRET), &app_secret, "appSecret")?;
    let paas_id = read_text(dir, files::PAAS_ID, false)?;
    let paas_secret = read_text(dir, files::PAAS_SECRET, false)?;
    let platform_path = dir.join(files::PLATFORM_PUBLIC_KEY);
    let platform = read_text(dir, files::PLATFORM_PUBLIC_KEY, true)?.unwrap_or_default();
    let platform = parse_public(&platform)
        .ok_or_else(|| bad(&platform_path, "不是 SM2 公钥（PEM 或 130 位十六进制）"))?;
    let private_path = dir.join(files::PHARMACY_PRIVATE_KEY);
    let private = read_text(dir, files::PHARMACY_PRIVATE_KEY, true)?.unwrap_or_default();
    let private = parse_private(&private).ok_or_else(|| {
        bad(
            &private_path,
            "不是 SM2 私钥（PKCS#8 PEM 或 64 位十六进制）",
        )
    })?;
    if let Some(public) = read_text(dir, files::PHARMACY_PUBLIC_KEY, false)? {
        let path = dir.join(files::PHARMACY_PUBLIC_KEY);
        let public = parse_public(&public).ok_or_else(|| bad(&path, "不是 SM2 公钥"))?;
        if public != private.public_key() {
            return Err(bad(&path, "与药店私钥不是一对：请核对医保局登记的药店公钥"));
        }
    }
    let mut secrets: Secrets = BTreeMap::new();
    secrets.insert("app_id".into(), app_id.clone().into_bytes());
    secrets.insert("app_secret".into(), app_secret.clone().into_bytes());
    if let Some(p) = &paas_id {
        secrets.insert("paas_id".into(), p.clone().into_bytes());
    }
    if let Some(p) = &paas_secret {
        secrets.insert("paas_secret".into(), p.clone().into_bytes());
    }
    secrets.insert("platform_public_key".into(), platform.to_hex().into_bytes());
    secrets.insert("pharmacy_private_key".into(), private.to_hex().into_bytes());
    let creds = Credentials {
        app_id,
        app_secret,
        paas_id,
        paas_secret,
        private_key: private,
        platform_public_key: platform,
    };
    Ok((secrets, creds))
}

/// The credentials sealed in a vault.
pub fn from_secrets(s: &Secrets, vault_path: &Path) -> Result<Credentials, CredentialError> {
    let text = |k: &str| -> Result<String, CredentialError> {
        s.get(k)
            .and_then(|b| String::from_utf8(b.clone()).ok())
            .ok_or_else(|| bad(vault_path, format!("缺少 {k}：请重新导入凭证")))
    };
    let opt = |k: &str| s.get(k).and_then(|b| String::from_utf8(b.clone()).ok());
    Ok(Credentials {
        app_id: text("app_id")?,
        app_secret: text("app_secret")?,
        paas_id: opt("paas_id"),
        paas_secret: opt("paas_secret"),
        private_key: PrivateKey::from_hex(&text("pharmacy_private_key")?)
            .map_err(|_| bad(vault_path, "中的药店私钥已损坏"))?,
        platform_public_key: PublicKey::from_hex(&text("platform_public_key")?)
            .map_err(|_| bad(vault_path, "中的平台公钥已损坏"))?,
    })
}

/// The vault of a data directory (`<data>/credentials/`).
pub fn vault(dir: &DataDir) -> Vault {
    Vault::new(dir.root().join("credentials"), os_key_holder())
}

/// Fingerprints shown to the user: what was imported, not the secrets.
pub fn status(dir: &DataDir) -> Result<VaultStatus, CredentialError> {
    Ok(vault(dir).status()?)
}

/// Imports an issued credential directory into the data directory's vault,
/// sealed under `passphrase` (and the OS key holder). A bad file leaves the
/// vault as it was.
pub fn import(
    dir: &DataDir,
    issued: &Path,
    passphrase: &str,
) -> Result<VaultStatus, CredentialError> {
    let (secrets, creds) = read_issued_dir(issued)?;
    let v = vault(dir);
    if v.exists() {
        // Replacing credentials needs the current passphrase (or OS key);
        // the vault keeps the ledger's key across the replacement.
        v.rotate(passphrase, passphrase, Some(&secrets))?;
    } else {
        v.create(passphrase, &secrets)?;
    }
    let mut all = v.unseal(Some(passphrase))?;
    adopt_ledger_key(dir, &v, Some(passphrase), &mut all)?;
    remember(dir, creds, ledger_key_of(&all, &v)?);
    Ok(vault(dir).status()?)
}

/// What this process keeps of an opened vault: the center credentials and
/// the ledger's master key. Neither is `Debug`-printed.
struct Unlocked {
    root: PathBuf,
    creds: Credentials,
    ledger_key: Option<[u8; 32]>,
}

static UNLOCKED: Mutex<Vec<Unlocked>> = Mutex::new(Vec::new());

fn remember(dir: &DataDir, creds: Credentials, ledger_key: Option<[u8; 32]>) {
    let mut g = UNLOCKED.lock().unwrap_or_else(|p| p.into_inner());
    g.retain(|u| u.root != dir.root());
    g.push(Unlocked {
        root: dir.root().to_path_buf(),
        creds,
        ledger_key,
    });
}

fn ledger_key_of(secrets: &Secrets, v: &Vault) -> Result<Option<[u8; 32]>, CredentialError> {
    secrets
        .get(LEDGER_KEY)
        .map(|k| {
            k.as_slice().try_into().map_err(|_| {
                CredentialError::Vault(VaultError::Corrupt {
                    path: v.path(),
                    detail: "ledger key".into(),
                })
            })
        })
        .transpose()
}

/// Puts the ledger's master key into the vault when it is not there yet:
/// the key file of a ledger created before the first import, or a fresh key
/// for a data directory without a ledger. A ledger without either is left
/// for [`open_ledger`] to report (a new key would make its data unreadable).
/// The key file itself is deleted by [`open_ledger`] once the ledger has
/// opened with the vault's copy.
fn adopt_ledger_key(
    dir: &DataDir,
    v: &Vault,
    passphrase: Option<&str>,
    secrets: &mut Secrets,
) -> Result<(), CredentialError> {
    if secrets.contains_key(LEDGER_KEY) {
        return Ok(());
    }
    let db = dir.database();
    let master = match read_key_file(&key_path_for(&db))? {
        Some(m) => m,
        None if !db.exists() => new_master_key()?,
        None => return Ok(()),
    };
    v.insert(passphrase, LEDGER_KEY, &master)?;
    secrets.insert(LEDGER_KEY.to_string(), master.to_vec());
    tracing::info!("the ledger's master key is now sealed in the credential vault");
    Ok(())
}

fn open_vault(dir: &DataDir, passphrase: Option<&str>) -> Result<Credentials, CredentialError> {
    let v = vault(dir);
    let mut secrets = v.unseal(passphrase)?;
    let creds = from_secrets(&secrets, &v.path())?;
    adopt_ledger_key(dir, &v, passphrase, &mut secrets)?;
    remember(dir, creds.clone(), ledger_key_of(&secrets, &v)?);
    Ok(creds)
}

/// Opens the vault with the manager's passphrase and keeps the credentials
/// and the ledger's key for this process (the OS holder gets its key back
/// for the next start).
pub fn unlock(dir: &DataDir, passphrase: &str) -> Result<Credentials, CredentialError> {
    open_vault(dir, Some(passphrase))
}

/// Why the ledger could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LedgerOpenError {
    /// The vault that holds the ledger's key could not be opened.
    #[error("{0}")]
    Credentials(#[from] CredentialError),
    /// The ledger refused.
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Opens the data directory's ledger with its master key: unsealed from the
/// credential vault when the directory has one (a key file left from before
/// the first import is deleted once the ledger has opened with the vault's
/// copy), else from the key file next to the ledger (demo mode, or a
/// production directory before its first import).
pub fn open_ledger(dir: &DataDir) -> Result<Store, LedgerOpenError> {
    let db = dir.database();
    let v = vault(dir);
    if !v.exists() {
        return Ok(Store::open(&db)?);
    }
    let master = match cached_ledger_key(dir) {
        Some(k) => Some(k),
        None => {
            load(dir)?;
            cached_ledger_key(dir)
        }
    };
    let Some(master) = master else {
        // The vault has no ledger key and the ledger no key file: the key
        // file's error says what to restore.
        return Ok(Store::open(&db)?);
    };
    let store = Store::open_keyed(&db, KeySource::Held(master))?;
    let key_file = key_path_for(&db);
    if key_file.exists() {
        std::fs::remove_file(&key_file).map_err(|source| StoreError::Io {
            action: "remove the key file now held by the vault",
            path: key_file.clone(),
            source,
        })?;
        tracing::info!("key file removed: the ledger's key is sealed in the credential vault");
    }
    Ok(store)
}

/// What this process keeps of `dir`'s opened vault, read through `f`.
fn cached<T>(dir: &DataDir, f: impl FnOnce(&Unlocked) -> Option<T>) -> Option<T> {
    UNLOCKED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|u| u.root == dir.root())
        .and_then(f)
}

fn cached_ledger_key(dir: &DataDir) -> Option<[u8; 32]> {
    cached(dir, |u| u.ledger_key)
}

/// The credentials for the center client: kept by [`unlock`], else the
/// OS-held key, else the passphrase file named by `RXDESK_PASSPHRASE_FILE`.
pub fn load(dir: &DataDir) -> Result<Credentials, CredentialError> {
    if let Some(c) = cached(dir, |u| Some(u.creds.clone())) {
        return Ok(c);
    }
    let pass = std::env::var_os(PASSPHRASE_FILE_ENV)
        .map(PathBuf::from)
        .map(|p| {
            std::fs::read_to_string(&p)
                .map(|s| s.trim_end_matches(['\r', '\n']).to_string())
                .map_err(|e| bad(&p, format!("无法读取口令文件：{e}")))
        })
        .transpose()?;
    open_vault(dir, pass.as_deref())
}

/// Re-seals under a new passphrase and new keys, optionally with newly
/// issued credentials; the old passphrase must be given.
pub fn rotate(
    dir: &DataDir,
    old_passphrase: &str,
    new_passphrase: &str,
    issued: Option<&Path>,
) -> Result<VaultStatus, CredentialError> {
    let replace = issued.map(read_issued_dir).transpose()?;
    let st = vault(dir).rotate(
        old_passphrase,
        new_passphrase,
        replace.as_ref().map(|(s, _)| s),
    )?;
    forget(dir);
    Ok(st)
}

/// Forgets the credentials this process keeps (tests, sign-out of the shop).
pub fn forget(dir: &DataDir) {
    UNLOCKED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|u| u.root != dir.root());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(dir: &Path) -> PrivateKey {
        let k = PrivateKey::generate().unwrap();
        let platform = PrivateKey::generate().unwrap().public_key();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(files::APP_ID), "APPID0001\n").unwrap();
        std::fs::write(dir.join(files::APP_SECRET), "SECRET0001\n").unwrap();
        std::fs::write(
            dir.join(files::PLATFORM_PUBLIC_KEY),
            platform.to_pem().unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join(files::PHARMACY_PRIVATE_KEY),
            k.to_pkcs8_pem().unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join(files::PHARMACY_PUBLIC_KEY),
            k.public_key().to_pem().unwrap(),
        )
        .unwrap();
        k
    }

    #[test]
    fn each_bad_file_is_named() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("issued");
        issued(&d);
        assert!(read_issued_dir(&d).is_ok());
        std::fs::write(d.join(files::PLATFORM_PUBLIC_KEY), "not a key").unwrap();
        let e = read_issued_dir(&d).unwrap_err().to_string();
        assert!(
            e.contains("platform_public_key.pem") && e.contains("SM2 公钥"),
            "{e}"
        );
        issued(&d);
        std::fs::write(
            d.join(files::PHARMACY_PUBLIC_KEY),
            PrivateKey::generate()
                .unwrap()
                .public_key()
                .to_pem()
                .unwrap(),
        )
        .unwrap();
        let e = read_issued_dir(&d).unwrap_err().to_string();
        assert!(e.contains("不是一对"), "{e}");
        issued(&d);
        std::fs::remove_file(d.join(files::APP_SECRET)).unwrap();
        let e = read_issued_dir(&d).unwrap_err().to_string();
        assert!(e.contains("app_secret") && e.contains("不存在"), "{e}");
    }

    #[test]
    fn import_then_unlock_with_passphrase_and_wrong_one_refused() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("issued");
        let k = issued(&d);
        let data = DataDir::at(t.path().join("data"));
        let st = import(&data, &d, "manager-pass-1").unwrap();
        assert!(st.fingerprints.contains_key("app_secret"));
        let v = vault(&data);
        v.forget_os_key().unwrap();
        forget(&data);
        let before = std::fs::read(v.path()).unwrap();
        let e = unlock(&data, "wrong-pass-1").unwrap_err();
        assert_eq!(e.code(), "VAULT_WRONG_PASSPHRASE");
        assert_eq!(std::fs::read(v.path()).unwrap(), before);
        let c = unlock(&data, "manager-pass-1").unwrap();
        assert_eq!(c.app_secret, "SECRET0001");
        assert_eq!(c.private_key.public_key(), k.public_key());
        // Nothing secret in the data directory in clear.
        let text = String::from_utf8_lossy(&before);
        assert!(!text.contains("SECRET0001") && !text.contains(&k.to_hex()));
    }
}
