//! The credential vault: the secrets a 医保局 issues to a pharmacy (appId,
//! appSecret, the platform's SM2 public key, the pharmacy's SM2 key pair)
//! sealed at rest, never compiled in and never in a profile file.
//!
//! One file `<dir>/vault.json` (0600, in a 0700 directory) holds the secrets
//! sealed under a random data-encryption key (DEK); the DEK is stored twice:
//! - sealed under a key derived from the manager's passphrase (argon2id,
//!   salt in the file) — always, so the vault can be opened after a reboot;
//! - sealed under a random key-encryption key held by the OS (the Linux
//!   kernel user keyring, [`KernelKeyring`]) when the OS offers one, so an
//!   unattended counter start needs no passphrase until the OS forgets it.
//!
//! Sealing is SM4-CBC with a random IV, then HMAC-SM3 over version‖IV‖
//! ciphertext and the vault id (encrypt-then-MAC: a wrong key is an error,
//! never garbage). Every write replaces the file atomically, so a wrong
//! passphrase or a crash never leaves a half-written vault. Decision:
//! docs/decisions/0005-credential-sealing.md.

use argon2::{Algorithm, Argon2, Params, Version};
use rxdesk_gm::primitives::{hmac_sm3, sm3, sm4_cbc_decrypt, sm4_cbc_encrypt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SEAL_VERSION: u8 = 1;
const IV_LEN: usize = 16;
const TAG_LEN: usize = 32;
/// Shortest manager passphrase accepted for a new vault.
pub const MIN_PASSPHRASE_CHARS: usize = 8;
/// Environment variable: `passphrase` turns the OS key holder off (the
/// passphrase is then needed at every start; used by tests and by
/// pharmacies that do not want the OS to hold the key).
pub const KEK_ENV: &str = "RXDESK_KEK";
/// Name of the ledger's master key among the vault's secrets (the key the
/// ledger's SM4 sealing and audit-log chain are derived from). Kept across
/// credential replacement and rotation: the issued credentials change, the
/// ledger's data stays readable.
pub const LEDGER_KEY: &str = "ledger_master_key";

/// Why the vault could not be used. Every message is a zh-CN sentence with
/// what to do; nothing is changed on disk when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No vault in this data directory.
    #[error("尚未导入医保凭证（{0} 不存在）：请运行 rxdesk setup 或 rxdesk keys import 目录")]
    Missing(PathBuf),
    /// The OS no longer holds the key and no passphrase was given.
    #[error("医保凭证已加密保存，本次启动需要店长口令解锁（--passphrase-file 或环境变量 RXDESK_PASSPHRASE_FILE）")]
    Locked,
    /// The passphrase does not open the vault.
    #[error("店长口令不正确，医保凭证未解锁；凭证文件未作任何改动")]
    WrongPassphrase,
    /// A new passphrase is too short.
    #[error("口令至少需要 {MIN_PASSPHRASE_CHARS} 个字符")]
    WeakPassphrase,
    /// The file is damaged or was changed outside RxDesk.
    #[error(
        "凭证文件 {path} 已损坏或被改动（{detail}）：请从备份恢复，或重新导入医保局下发的凭证"
    )]
    Corrupt {
        /// The vault file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// Group or others can read the vault.
    #[error("凭证文件 {0} 对其他用户可读：请执行 chmod 600（目录 chmod 700）后重试")]
    Permissions(PathBuf),
    /// File system failure.
    #[error("凭证文件 {path} 读写失败：{source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl VaultError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "VAULT_MISSING",
            Self::Locked => "VAULT_LOCKED",
            Self::WrongPassphrase => "VAULT_WRONG_PASSPHRASE",
            Self::WeakPassphrase => "VAULT_WEAK_PASSPHRASE",
            Self::Corrupt { .. } => "VAULT_CORRUPT",
            Self::Permissions(_) => "VAULT_PERMISSIONS",
            Self::Io { .. } => "VAULT_IO",
        }
    }
}

type Result<T> = std::result::Result<T, VaultError>;

/// Who holds the key-encryption key outside the data directory.
pub trait KeyHolder: Send + Sync {
    /// Name shown in `rxdesk keys status`.
    fn name(&self) -> &'static str;
    /// The key stored under `id`, if the holder has it.
    fn get(&self, id: &str) -> Option<[u8; 32]>;
    /// Stores `key` under `id`.
    fn put(&self, id: &str, key: &[u8; 32]) -> std::result::Result<(), String>;
    /// Forgets `id` (rotation).
    fn remove(&self, id: &str);
}

/// No OS key holder: the passphrase is needed at every start.
#[derive(Debug, Default)]
pub struct NoKeyHolder;

impl KeyHolder for NoKeyHolder {
    fn name(&self) -> &'static str {
        "none"
    }
    fn get(&self, _id: &str) -> Option<[u8; 32]> {
        None
    }
    fn put(&self, _id: &str, _key: &[u8; 32]) -> std::result::Result<(), String> {
        Err("no OS key holder".into())
    }
    fn remove(&self, _id: &str) {}
}

/// The Linux kernel's per-user keyring (`keyctl`): kept in kernel memory,
/// readable by this user's processes only, gone at reboot (the passphrase
/// then opens the vault and the key is put back).
#[derive(Debug, Default)]
pub struct KernelKeyring;

#[cfg(target_os = "linux")]
impl KernelKeyring {
    fn ring() -> Option<linux_keyutils::KeyRing> {
        linux_keyutils::KeyRing::from_special_id(linux_keyutils::KeyRingIdentifier::User, false)
            .ok()
    }
    fn desc(id: &str) -> String {
        format!("rxdesk-vault-kek:{id}")
    }
    /// Whether the kernel keyring can be used here (containers may forbid it).
    pub fn available() -> bool {
        let Some(ring) = Self::ring() else {
            return false;
        };
        match ring.add_key("rxdesk-vault-probe", b"probe") {
            Ok(k) => {
                let _ = k.invalidate();
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(target_os = "linux")]
impl KeyHolder for KernelKeyring {
    fn name(&self) -> &'static str {
        "linux-kernel-keyring"
    }
    fn get(&self, id: &str) -> Option<[u8; 32]> {
        let key = Self::ring()?.search(&Self::desc(id)).ok()?;
        let bytes = key.read_to_vec().ok()?;
        bytes.as_slice().try_into().ok()
    }
    fn put(&self, id: &str, key: &[u8; 32]) -> std::result::Result<(), String> {
        let ring = Self::ring().ok_or("kernel keyring unavailable")?;
        ring.add_key(&Self::desc(id), key)
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }
    fn remove(&self, id: &str) {
        if let Some(k) = Self::ring().and_then(|r| r.search(&Self::desc(id)).ok()) {
            let _ = k.invalidate();
        }
    }
}

#[cfg(not(target_os = "linux"))]
impl KernelKeyring {
    /// Not on this platform.
    pub fn available() -> bool {
        false
    }
}

#[cfg(not(target_os = "linux"))]
impl KeyHolder for KernelKeyring {
    fn name(&self) -> &'static str {
        "none"
    }
    fn get(&self, _id: &str) -> Option<[u8; 32]> {
        None
    }
    fn put(&self, _id: &str, _key: &[u8; 32]) -> std::result::Result<(), String> {
        Err("no kernel keyring on this platform".into())
    }
    fn remove(&self, _id: &str) {}
}

/// The OS key holder of this machine: the kernel keyring when it works and
/// `RXDESK_KEK` is not `passphrase`, else none.
pub fn os_key_holder() -> Box<dyn KeyHolder> {
    let forced_off = std::env::var(KEK_ENV)
        .map(|v| v.trim().eq_ignore_ascii_case("passphrase"))
        .unwrap_or(false);
    if !forced_off && KernelKeyring::available() {
        Box::new(KernelKeyring)
    } else {
        Box::new(NoKeyHolder)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kdf {
    alg: String,
    salt: String,
    m_kib: u32,
    t: u32,
    p: u32,
}

/// What `rxdesk keys status` shows (no secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VaultStatus {
    /// Random id of this vault.
    pub id: String,
    /// When the secrets were sealed (RFC 3339).
    pub sealed_at: String,
    /// Who holds the KEK besides the passphrase (`linux-kernel-keyring`, `none`).
    pub os_holder: String,
    /// Whether the OS currently holds the key (start without passphrase).
    pub os_key_present: bool,
    /// Name → SM3 fingerprint (first 16 hex digits) of each secret.
    pub fingerprints: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VaultFile {
    version: u32,
    id: String,
    sealed_at: String,
    kdf: Kdf,
    /// DEK sealed under the passphrase key (hex).
    dek_passphrase: String,
    /// DEK sealed under the OS key (hex), when an OS holder took it.
    dek_os: Option<String>,
    os_holder: String,
    fingerprints: BTreeMap<String, String>,
    /// The secrets (JSON name → hex bytes) sealed under the DEK (hex).
    secrets: String,
}

/// Fingerprint shown for a secret: first 16 hex digits of its SM3.
pub fn fingerprint(bytes: &[u8]) -> String {
    hex::encode(&sm3(bytes)[..8])
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // getrandom fails only without an OS random source; then nothing works.
    getrandom::fill(&mut b).unwrap_or_else(|e| panic!("no system randomness: {e}"));
    b
}

fn subkeys(key: &[u8; 32]) -> ([u8; 16], [u8; 32]) {
    let e = hmac_sm3(key, b"rxdesk/vault/sm4-enc/v1");
    let mut enc = [0u8; 16];
    enc.copy_from_slice(&e[..16]);
    (enc, hmac_sm3(key, b"rxdesk/vault/mac/v1"))
}

fn seal(key: &[u8; 32], aad: &str, plaintext: &[u8]) -> Vec<u8> {
    let (enc, mac) = subkeys(key);
    let iv: [u8; IV_LEN] = random();
    let ct = sm4_cbc_encrypt(&enc, &iv, plaintext).expect("16-byte SM4 key and IV");
    let mut out = Vec::with_capacity(1 + IV_LEN + ct.len() + TAG_LEN);
    out.push(SEAL_VERSION);
    out.extend_from_slice(&iv);
    out.extend_from_slice(&ct);
    let mut macked = aad.as_bytes().to_vec();
    macked.extend_from_slice(&out);
    out.extend_from_slice(&hmac_sm3(&mac, &macked));
    out
}

/// `None` when the key is wrong or the bytes were changed.
fn open(key: &[u8; 32], aad: &str, sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < 1 + IV_LEN + 16 + TAG_LEN || sealed[0] != SEAL_VERSION {
        return None;
    }
    let (enc, mac) = subkeys(key);
    let (body, tag) = sealed.split_at(sealed.len() - TAG_LEN);
    let mut macked = aad.as_bytes().to_vec();
    macked.extend_from_slice(body);
    let expect = hmac_sm3(&mac, &macked);
    if expect.iter().zip(tag).fold(0u8, |a, (x, y)| a | (x ^ y)) != 0 {
        return None;
    }
    sm4_cbc_decrypt(&enc, &body[1..1 + IV_LEN], &body[1 + IV_LEN..]).ok()
}

fn passphrase_key(passphrase: &str, kdf: &Kdf) -> Option<[u8; 32]> {
    let salt = hex::decode(&kdf.salt).ok()?;
    let params = Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).ok()?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &salt, &mut out)
        .ok()?;
    Some(out)
}

/// The vault of one data directory.
pub struct Vault {
    dir: PathBuf,
    holder: Box<dyn KeyHolder>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("holder", &self.holder.name())
            .finish()
    }
}

/// Unsealed secrets: name → bytes. Not `Debug`.
pub type Secrets = BTreeMap<String, Vec<u8>>;

impl Vault {
    /// The vault in `dir` (usually `<data>/credentials`) with this OS holder.
    pub fn new(dir: impl Into<PathBuf>, holder: Box<dyn KeyHolder>) -> Self {
        Self {
            dir: dir.into(),
            holder,
        }
    }

    /// The vault file.
    pub fn path(&self) -> PathBuf {
        self.dir.join("vault.json")
    }

    /// Whether a vault exists.
    pub fn exists(&self) -> bool {
        self.path().is_file()
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> VaultError + '_ {
        move |source| VaultError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn read(&self) -> Result<VaultFile> {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(VaultError::Missing(path))
            }
            Err(e) => return Err(Self::io(&path)(e)),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map_err(Self::io(&path))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(VaultError::Permissions(path));
            }
        }
        serde_json::from_slice(&bytes).map_err(|e| VaultError::Corrupt {
            path,
            detail: e.to_string(),
        })
    }

    fn write(&self, f: &VaultFile) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(Self::io(&self.dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(Self::io(&self.dir))?;
        }
        let path = self.path();
        let tmp = self.dir.join("vault.json.tmp");
        let body = serde_json::to_vec_pretty(f).expect("vault file serializes");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        {
            use std::io::Write;
            let mut file = opts.open(&tmp).map_err(Self::io(&tmp))?;
            file.write_all(&body).map_err(Self::io(&tmp))?;
            file.sync_all().map_err(Self::io(&tmp))?;
        }
        std::fs::rename(&tmp, &path).map_err(Self::io(&path))
    }

    fn build(&self, id: &str, passphrase: &str, secrets: &Secrets) -> Result<VaultFile> {
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(VaultError::WeakPassphrase);
        }
        let dek: [u8; 32] = random();
        let salt: [u8; 16] = random();
        let kdf = Kdf {
            alg: "argon2id".into(),
            salt: hex::encode(salt),
            m_kib: Params::DEFAULT_M_COST,
            t: Params::DEFAULT_T_COST,
            p: Params::DEFAULT_P_COST,
        };
        let pkey = passphrase_key(passphrase, &kdf).ok_or(VaultError::WeakPassphrase)?;
        let kek: [u8; 32] = random();
        self.holder.remove(id);
        let dek_os = self
            .holder
            .put(id, &kek)
            .map(|_| hex::encode(seal(&kek, id, &dek)))
            .map_err(|why| tracing::info!(%why, "no OS key holder; the passphrase opens the vault"))
            .ok();
        let plain: BTreeMap<&String, String> =
            secrets.iter().map(|(k, v)| (k, hex::encode(v))).collect();
        let plain = serde_json::to_vec(&plain).expect("secrets serialize");
        Ok(VaultFile {
            version: 1,
            id: id.to_string(),
            sealed_at: chrono::Utc::now().to_rfc3339(),
            kdf,
            dek_passphrase: hex::encode(seal(&pkey, id, &dek)),
            os_holder: if dek_os.is_some() {
                self.holder.name().to_string()
            } else {
                "none".into()
            },
            dek_os,
            fingerprints: secrets
                .iter()
                .map(|(k, v)| (k.clone(), fingerprint(v)))
                .collect(),
            secrets: hex::encode(seal(&dek, id, &plain)),
        })
    }

    /// Seals `secrets` into a new vault (replacing any earlier one) under
    /// `passphrase` and, where the OS offers one, an OS-held key.
    pub fn create(&self, passphrase: &str, secrets: &Secrets) -> Result<VaultStatus> {
        let id = hex::encode(random::<8>());
        let f = self.build(&id, passphrase, secrets)?;
        if let Ok(old) = self.read() {
            self.holder.remove(&old.id);
        }
        self.write(&f)?;
        tracing::info!(holder = %f.os_holder, "credentials sealed");
        self.status()
    }

    /// Opens the vault: with the OS-held key when there is one, else with
    /// `passphrase` (then the OS holder gets a fresh key for the next start).
    pub fn unseal(&self, passphrase: Option<&str>) -> Result<Secrets> {
        let (f, dek) = self.open_dek(passphrase)?;
        self.open_secrets(&f, &dek)
    }

    /// The file and its DEK, opened with the OS-held key or `passphrase`.
    fn open_dek(&self, passphrase: Option<&str>) -> Result<(VaultFile, [u8; 32])> {
        let mut f = self.read()?;
        let from_os = f.dek_os.as_deref().and_then(|sealed| {
            let kek = self.holder.get(&f.id)?;
            open(&kek, &f.id, &hex::decode(sealed).ok()?)
        });
        let dek = match from_os {
            Some(d) => d,
            None => {
                let pass = passphrase.ok_or(VaultError::Locked)?;
                let dek = self.dek_by_passphrase(&f, pass)?;
                let kek: [u8; 32] = random();
                if self.holder.put(&f.id, &kek).is_ok() {
                    f.dek_os = Some(hex::encode(seal(&kek, &f.id, &dek)));
                    f.os_holder = self.holder.name().into();
                    self.write(&f)?;
                }
                dek
            }
        };
        let dek: [u8; 32] = dek.as_slice().try_into().map_err(|_| VaultError::Corrupt {
            path: self.path(),
            detail: "dek".into(),
        })?;
        Ok((f, dek))
    }

    fn open_secrets(&self, f: &VaultFile, dek: &[u8; 32]) -> Result<Secrets> {
        let corrupt = || VaultError::Corrupt {
            path: self.path(),
            detail: "secrets".into(),
        };
        let sealed = hex::decode(&f.secrets).map_err(|_| corrupt())?;
        let plain = open(dek, &f.id, &sealed).ok_or_else(corrupt)?;
        let map: BTreeMap<String, String> =
            serde_json::from_slice(&plain).map_err(|_| corrupt())?;
        map.into_iter()
            .map(|(k, v)| Ok((k, hex::decode(v).map_err(|_| corrupt())?)))
            .collect()
    }

    /// Adds (or replaces) one secret, opening the vault with the OS-held key
    /// or `passphrase`; the other secrets, the DEK and the passphrase stay as
    /// they are. The file is replaced atomically, so a failure changes
    /// nothing.
    pub fn insert(&self, passphrase: Option<&str>, name: &str, value: &[u8]) -> Result<()> {
        let (mut f, dek) = self.open_dek(passphrase)?;
        let mut secrets = self.open_secrets(&f, &dek)?;
        secrets.insert(name.to_string(), value.to_vec());
        let plain: BTreeMap<&String, String> =
            secrets.iter().map(|(k, v)| (k, hex::encode(v))).collect();
        let plain = serde_json::to_vec(&plain).expect("secrets serialize");
        f.secrets = hex::encode(seal(&dek, &f.id, &plain));
        f.fingerprints = secrets
            .iter()
            .map(|(k, v)| (k.clone(), fingerprint(v)))
            .collect();
        self.write(&f)?;
        tracing::info!(secret = name, "secret added to the vault");
        Ok(())
    }

    /// Opens the DEK with the passphrase alone (never the OS key): proves
    /// the person knows it.
    fn dek_by_passphrase(&self, f: &VaultFile, passphrase: &str) -> Result<Vec<u8>> {
        let corrupt = |detail: &str| VaultError::Corrupt {
            path: self.path(),
            detail: detail.into(),
        };
        let pkey = passphrase_key(passphrase, &f.kdf).ok_or_else(|| corrupt("kdf"))?;
        let sealed = hex::decode(&f.dek_passphrase).map_err(|_| corrupt("dek"))?;
        open(&pkey, &f.id, &sealed).ok_or(VaultError::WrongPassphrase)
    }

    /// Rotation: proves `old_passphrase` (the OS key is not enough), then
    /// seals the given secrets (or the current ones) under a new DEK, a new
    /// salt, a new OS key and `new_passphrase`. Nothing changes on failure.
    pub fn rotate(
        &self,
        old_passphrase: &str,
        new_passphrase: &str,
        replace: Option<&Secrets>,
    ) -> Result<VaultStatus> {
        let old = self.read()?;
        self.dek_by_passphrase(&old, old_passphrase)?;
        let current = self.unseal(Some(old_passphrase))?;
        let mut secrets = replace.cloned().unwrap_or_else(|| current.clone());
        // Newly issued credentials replace the issued ones; the ledger's key
        // is not issued and must survive, or the ledger becomes unreadable.
        if let Some(ledger_key) = current.get(LEDGER_KEY) {
            secrets
                .entry(LEDGER_KEY.to_string())
                .or_insert_with(|| ledger_key.clone());
        }
        let secrets = &secrets;
        let id = hex::encode(random::<8>());
        let f = self.build(&id, new_passphrase, secrets)?;
        self.write(&f)?;
        self.holder.remove(&old.id);
        tracing::info!("credentials re-sealed (rotation)");
        self.status()
    }

    /// Fingerprints and key holder; no secret.
    pub fn status(&self) -> Result<VaultStatus> {
        let f = self.read()?;
        Ok(VaultStatus {
            os_key_present: f.dek_os.is_some() && self.holder.get(&f.id).is_some(),
            id: f.id,
            sealed_at: f.sealed_at,
            os_holder: f.os_holder,
            fingerprints: f.fingerprints,
        })
    }

    /// Makes the OS forget its key (the passphrase is needed at next start).
    pub fn forget_os_key(&self) -> Result<()> {
        let f = self.read()?;
        self.holder.remove(&f.id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// An in-memory OS holder (tests the two-key logic without the kernel).
    #[derive(Default)]
    struct MemHolder(Mutex<BTreeMap<String, [u8; 32]>>);
    impl KeyHolder for std::sync::Arc<MemHolder> {
        fn name(&self) -> &'static str {
            "memory"
        }
        fn get(&self, id: &str) -> Option<[u8; 32]> {
            self.0.lock().unwrap().get(id).copied()
        }
        fn put(&self, id: &str, key: &[u8; 32]) -> std::result::Result<(), String> {
            self.0.lock().unwrap().insert(id.into(), *key);
            Ok(())
        }
        fn remove(&self, id: &str) {
            self.0.lock().unwrap().remove(id);
        }
    }

    fn secrets() -> Secrets {
        [
            ("app_id".to_string(), b"APPID".to_vec()),
            ("app_secret".to_string(), b"S3CRET-S3CRET".to_vec()),
        ]
        .into()
    }

    #[test]
    fn passphrase_only_round_trip_and_wrong_passphrase_changes_nothing() {
        let t = tempfile::tempdir().unwrap();
        let v = Vault::new(t.path().join("credentials"), Box::new(NoKeyHolder));
        assert!(matches!(v.unseal(None), Err(VaultError::Missing(_))));
        assert!(matches!(
            v.create("short", &secrets()),
            Err(VaultError::WeakPassphrase)
        ));
        assert!(!v.exists());
        let st = v.create("correct horse", &secrets()).unwrap();
        assert_eq!(st.os_holder, "none");
        assert_eq!(st.fingerprints["app_secret"], fingerprint(b"S3CRET-S3CRET"));
        let before = std::fs::read(v.path()).unwrap();
        assert!(matches!(v.unseal(None), Err(VaultError::Locked)));
        let e = v.unseal(Some("wrong horse")).unwrap_err();
        assert!(matches!(e, VaultError::WrongPassphrase));
        assert!(e.to_string().contains("口令不正确"), "{e}");
        assert_eq!(std::fs::read(v.path()).unwrap(), before);
        assert_eq!(v.unseal(Some("correct horse")).unwrap(), secrets());
        // The secret never appears in the file.
        assert!(!String::from_utf8_lossy(&before).contains("S3CRET"));
        assert!(!String::from_utf8_lossy(&before).contains(&hex::encode(b"S3CRET")));
    }

    #[cfg(unix)]
    #[test]
    fn file_and_dir_modes_are_private_and_loose_modes_refused() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let v = Vault::new(t.path().join("credentials"), Box::new(NoKeyHolder));
        v.create("correct horse", &secrets()).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&v.path()), 0o600);
        assert_eq!(mode(&t.path().join("credentials")), 0o700);
        std::fs::set_permissions(v.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            v.unseal(Some("correct horse")),
            Err(VaultError::Permissions(_))
        ));
    }

    #[test]
    fn os_key_opens_without_passphrase_until_forgotten() {
        let t = tempfile::tempdir().unwrap();
        let mem = std::sync::Arc::new(MemHolder::default());
        let v = Vault::new(t.path(), Box::new(mem.clone()));
        let st = v.create("correct horse", &secrets()).unwrap();
        assert_eq!(st.os_holder, "memory");
        assert!(st.os_key_present);
        assert_eq!(v.unseal(None).unwrap(), secrets());
        v.forget_os_key().unwrap();
        assert!(matches!(v.unseal(None), Err(VaultError::Locked)));
        // The passphrase opens it and gives the OS a fresh key.
        assert_eq!(v.unseal(Some("correct horse")).unwrap(), secrets());
        assert!(v.status().unwrap().os_key_present);
        assert_eq!(v.unseal(None).unwrap(), secrets());
    }

    #[test]
    fn insert_adds_a_secret_and_replacement_keeps_the_ledger_key() {
        let t = tempfile::tempdir().unwrap();
        let v = Vault::new(t.path(), Box::new(NoKeyHolder));
        v.create("correct horse", &secrets()).unwrap();
        let before = std::fs::read(v.path()).unwrap();
        // Without the passphrase (no OS holder) nothing changes.
        assert!(matches!(
            v.insert(None, LEDGER_KEY, &[1u8; 32]),
            Err(VaultError::Locked)
        ));
        assert!(matches!(
            v.insert(Some("wrong horse"), LEDGER_KEY, &[1u8; 32]),
            Err(VaultError::WrongPassphrase)
        ));
        assert_eq!(std::fs::read(v.path()).unwrap(), before);
        v.insert(Some("correct horse"), LEDGER_KEY, &[1u8; 32])
            .unwrap();
        let got = v.unseal(Some("correct horse")).unwrap();
        assert_eq!(got[LEDGER_KEY], vec![1u8; 32]);
        assert_eq!(got["app_secret"], b"S3CRET-S3CRET".to_vec());
        assert!(v.status().unwrap().fingerprints.contains_key(LEDGER_KEY));
        assert!(!String::from_utf8_lossy(&std::fs::read(v.path()).unwrap())
            .contains(&hex::encode([1u8; 32])));
        // Newly issued credentials replace the issued ones, not the
        // ledger's key; a plain rotation keeps everything.
        let reissued: Secrets = [("app_id".to_string(), b"APPID2".to_vec())].into();
        v.rotate("correct horse", "battery staple", Some(&reissued))
            .unwrap();
        let got = v.unseal(Some("battery staple")).unwrap();
        assert_eq!(got[LEDGER_KEY], vec![1u8; 32]);
        assert_eq!(got["app_id"], b"APPID2".to_vec());
        assert!(!got.contains_key("app_secret"));
        v.rotate("battery staple", "correct horse", None).unwrap();
        assert_eq!(
            v.unseal(Some("correct horse")).unwrap()[LEDGER_KEY],
            vec![1u8; 32]
        );
    }

    #[test]
    fn rotation_changes_passphrase_and_keys() {
        let t = tempfile::tempdir().unwrap();
        let mem = std::sync::Arc::new(MemHolder::default());
        let v = Vault::new(t.path(), Box::new(mem.clone()));
        let old = v.create("correct horse", &secrets()).unwrap();
        assert!(matches!(
            v.rotate("correct horse", "x", None),
            Err(VaultError::WeakPassphrase)
        ));
        // The OS key alone does not allow rotation.
        assert!(matches!(
            v.rotate("wrong horse!", "battery staple", None),
            Err(VaultError::WrongPassphrase)
        ));
        assert_eq!(v.status().unwrap().id, old.id, "nothing changed");
        let new = v.rotate("correct horse", "battery staple", None).unwrap();
        assert_ne!(new.id, old.id);
        assert!(mem.get(&old.id).is_none());
        v.forget_os_key().unwrap();
        assert!(matches!(
            v.unseal(Some("correct horse")),
            Err(VaultError::WrongPassphrase)
        ));
        assert_eq!(v.unseal(Some("battery staple")).unwrap(), secrets());
    }

    #[test]
    fn tampered_file_is_corrupt_not_garbage() {
        let t = tempfile::tempdir().unwrap();
        let v = Vault::new(t.path(), Box::new(NoKeyHolder));
        v.create("correct horse", &secrets()).unwrap();
        let mut f: VaultFile = serde_json::from_slice(&std::fs::read(v.path()).unwrap()).unwrap();
        let mut s = hex::decode(&f.secrets).unwrap();
        s[20] ^= 1;
        f.secrets = hex::encode(s);
        v.write(&f).unwrap();
        assert!(matches!(
            v.unseal(Some("correct horse")),
            Err(VaultError::Corrupt { .. })
        ));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_keyring_holds_a_key_when_available() {
        if !KernelKeyring::available() {
            eprintln!("kernel keyring not available here; passphrase path covered above");
            return;
        }
        let k = KernelKeyring;
        let id = hex::encode(random::<8>());
        let key: [u8; 32] = random();
        k.put(&id, &key).unwrap();
        assert_eq!(k.get(&id), Some(key));
        k.remove(&id);
        assert_eq!(k.get(&id), None);
    }
}
