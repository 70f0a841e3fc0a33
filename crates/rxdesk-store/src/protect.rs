//! Protection at rest for personal data (patient names and ID numbers, the
//! downloaded prescription, upload payloads that carry them).
//!
//! One 32-byte master key lives in a file next to the ledger
//! (`<ledger>.key`, created with mode 0600, refused when group/other can read
//! it). Sub-keys are derived with HMAC-SM3 over a label, so one file serves:
//! - **sealing**: SM4-CBC (random IV) then HMAC-SM3 over version‖IV‖ciphertext
//!   (encrypt-then-MAC: a flipped bit is an error, never garbage plaintext);
//! - **lookup**: a keyed SM3 hash of a normalised ID number, so a patient's
//!   prescriptions are found without storing the number in clear;
//! - **audit chain**: the key of the hash-chained audit log.
//!
//! All crypto comes from `rxdesk_gm::primitives`; nothing here is home-made.

use crate::error::{Result, StoreError};
use rxdesk_gm::primitives::{hmac_sm3, sm4_cbc_decrypt, sm4_cbc_encrypt};
use std::path::{Path, PathBuf};

const SEAL_VERSION: u8 = 1;
const TAG_LEN: usize = 32;
const IV_LEN: usize = 16;

/// Derived keys; never printed (no `Debug` of the bytes).
#[derive(Clone)]
pub struct Sealer {
    enc: [u8; 16],
    mac: [u8; 32],
    lookup: [u8; 32],
    audit: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<keys hidden>)")
    }
}

impl Sealer {
    /// Derives the sub-keys from a 32-byte master key.
    pub fn from_master(master: &[u8; 32]) -> Self {
        let enc_full = hmac_sm3(master, b"rxdesk/ledger/sm4-enc/v1");
        let mut enc = [0u8; 16];
        enc.copy_from_slice(&enc_full[..16]);
        Self {
            enc,
            mac: hmac_sm3(master, b"rxdesk/ledger/seal-mac/v1"),
            lookup: hmac_sm3(master, b"rxdesk/ledger/lookup/v1"),
            audit: hmac_sm3(master, b"rxdesk/ledger/audit-chain/v1"),
        }
    }

    /// Loads `<ledger>.key`, or creates it when the ledger is new.
    /// An existing ledger without its key is an error: new data sealed under a
    /// fresh key would make the old data unreadable.
    pub fn load_or_create(key_path: &Path, ledger_is_new: bool) -> Result<Self> {
        match std::fs::read(key_path) {
            Ok(bytes) => {
                check_permissions(key_path)?;
                let master: [u8; 32] =
                    bytes
                        .as_slice()
                        .try_into()
                        .map_err(|_| StoreError::KeyFile {
                            path: key_path.to_path_buf(),
                            detail: format!("expected 32 bytes, found {}", bytes.len()),
                        })?;
                Ok(Self::from_master(&master))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !ledger_is_new {
                    return Err(StoreError::KeyFile {
                        path: key_path.to_path_buf(),
                        detail: "missing for an existing ledger: restore it from the backup of the key file (see docs/schema.md); a new key would make the sealed data unreadable".into(),
                    });
                }
                let mut master = [0u8; 32];
                getrandom::fill(&mut master).map_err(|e| StoreError::KeyFile {
                    path: key_path.to_path_buf(),
                    detail: format!("no system randomness: {e}"),
                })?;
                write_key_file(key_path, &master)?;
                Ok(Self::from_master(&master))
            }
            Err(source) => Err(StoreError::Io {
                action: "read key file",
                path: key_path.to_path_buf(),
                source,
            }),
        }
    }

    /// Seals `plaintext`: version ‖ IV ‖ SM4-CBC ciphertext ‖ HMAC-SM3 tag.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut iv = [0u8; IV_LEN];
        // The OS RNG does not fail on supported platforms; if it ever did, a
        // counter-derived IV still keeps CBC semantic security per message.
        if getrandom::fill(&mut iv).is_err() {
            iv = hmac_sm3(&self.mac, plaintext)[..IV_LEN]
                .try_into()
                .unwrap_or([0u8; IV_LEN]);
        }
        // Key and IV are 16 bytes by construction, so this cannot fail.
        let ct = sm4_cbc_encrypt(&self.enc, &iv, plaintext).unwrap_or_default();
        let mut out = Vec::with_capacity(1 + IV_LEN + ct.len() + TAG_LEN);
        out.push(SEAL_VERSION);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&ct);
        let tag = hmac_sm3(&self.mac, &out);
        out.extend_from_slice(&tag);
        out
    }

    /// Opens a sealed blob; fails on any tampering.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < 1 + IV_LEN + 16 + TAG_LEN {
            return Err(StoreError::Unseal("too short".into()));
        }
        if sealed[0] != SEAL_VERSION {
            return Err(StoreError::Unseal(format!("unknown version {}", sealed[0])));
        }
        let (body, tag) = sealed.split_at(sealed.len() - TAG_LEN);
        let expect = hmac_sm3(&self.mac, body);
        if !constant_time_eq(&expect, tag) {
            return Err(StoreError::Unseal("authentication tag mismatch".into()));
        }
        sm4_cbc_decrypt(&self.enc, &body[1..1 + IV_LEN], &body[1 + IV_LEN..])
            .map_err(|e| StoreError::Unseal(e.to_string()))
    }

    /// Seals a string.
    pub fn seal_str(&self, s: &str) -> Vec<u8> {
        self.seal(s.as_bytes())
    }

    /// Opens a sealed string.
    pub fn open_str(&self, sealed: &[u8]) -> Result<String> {
        String::from_utf8(self.open(sealed)?).map_err(|_| StoreError::Unseal("not UTF-8".into()))
    }

    /// Keyed SM3 of an ID number (trimmed, ASCII upper-cased: `x` and `X`
    /// check digits match), for lookups without the clear number.
    pub fn lookup_hash(&self, id_number: &str) -> [u8; 32] {
        hmac_sm3(
            &self.lookup,
            id_number.trim().to_ascii_uppercase().as_bytes(),
        )
    }

    /// Key of the audit-log chain.
    pub(crate) fn audit_key(&self) -> &[u8; 32] {
        &self.audit
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The key file that belongs to a ledger file.
pub fn key_path_for(ledger: &Path) -> PathBuf {
    let mut name = ledger
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".key");
    ledger.with_file_name(name)
}

fn write_key_file(path: &Path, master: &[u8; 32]) -> Result<()> {
    use std::io::Write;
    let io = |source| StoreError::Io {
        action: "create key file",
        path: path.to_path_buf(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io)?;
    f.write_all(master).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(())
}

#[cfg(unix)]
fn check_permissions(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| StoreError::Io {
        action: "stat key file",
        path: path.to_path_buf(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(StoreError::KeyFile {
            path: path.to_path_buf(),
            detail: format!("permissions {mode:o} let other users read it; run chmod 600"),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path) -> Result<()> {
    // On Windows the file inherits the per-user %APPDATA% ACL.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sealer() -> Sealer {
        Sealer::from_master(&[7u8; 32])
    }

    #[test]
    fn seal_round_trips_and_detects_tampering() {
        let s = sealer();
        let sealed = s.seal_str("张三 110101199003078888");
        assert!(!sealed.windows(6).any(|w| w == "110101".as_bytes()));
        assert_eq!(s.open_str(&sealed).unwrap(), "张三 110101199003078888");
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(s.open(&bad).is_err(), "flip at {i} not detected");
        }
        let other = Sealer::from_master(&[8u8; 32]);
        assert!(other.open(&sealed).is_err());
    }

    #[test]
    fn same_plaintext_seals_differently_but_hashes_the_same() {
        let s = sealer();
        assert_ne!(s.seal_str("x"), s.seal_str("x"));
        assert_eq!(
            s.lookup_hash("11010119900307888x"),
            s.lookup_hash(" 11010119900307888X ")
        );
        assert_ne!(
            s.lookup_hash("1"),
            Sealer::from_master(&[9u8; 32]).lookup_hash("1")
        );
    }

    #[test]
    fn key_file_is_private_and_required_for_existing_ledgers() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("l.sqlite3.key");
        assert!(matches!(
            Sealer::load_or_create(&key, false),
            Err(StoreError::KeyFile { .. })
        ));
        let a = Sealer::load_or_create(&key, true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let b = Sealer::load_or_create(&key, false).unwrap();
            assert_eq!(b.open_str(&a.seal_str("同一把钥匙")).unwrap(), "同一把钥匙");
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                Sealer::load_or_create(&key, false),
                Err(StoreError::KeyFile { .. })
            ));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn open_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = sealer().open(&data);
        }
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let s = sealer();
            prop_assert_eq!(s.open(&s.seal(&data)).unwrap(), data);
        }
    }
}
