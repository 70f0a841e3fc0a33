//! A non-demo deployment for rehearsing go-live: the emulator plays the
//! 医保局 of a profile file (`assets/profiles/rehearsal.toml`). On every
//! start it issues fresh credentials — appId, appSecret, the platform's SM2
//! key pair and the pharmacy's — and a fresh CA for its hospitals, writes
//! what a pharmacy is handed into `DIR/credentials/` and `DIR/trust/`, and
//! accepts only those credentials (the demo accounts are refused).

use crate::http::Accounts;
use rxdesk_center::profile::ProfileFile;
use rxdesk_gm::{PrivateKey, PublicKey};
use std::path::Path;

/// File names of an issued credential directory (read by `rxdesk keys import`).
pub mod files {
    /// appId (text).
    pub const APP_ID: &str = "app_id";
    /// appSecret (text).
    pub const APP_SECRET: &str = "app_secret";
    /// The platform's SM2 public key (SPKI PEM).
    pub const PLATFORM_PUBLIC_KEY: &str = "platform_public_key.pem";
    /// The pharmacy's SM2 private key (PKCS#8 PEM).
    pub const PHARMACY_PRIVATE_KEY: &str = "pharmacy_private_key.pem";
    /// The pharmacy's SM2 public key (SPKI PEM).
    pub const PHARMACY_PUBLIC_KEY: &str = "pharmacy_public_key.pem";
    /// The CA root of the hospitals' signatures (in `trust/`).
    pub const CA_ROOT: &str = "medical-insurance-ca.pem";
    /// Its CRL (DER, in `trust/`).
    pub const CA_CRL: &str = "medical-insurance-ca.crl";
}

/// What the emulator issued for one start.
#[derive(Clone)]
pub struct Deployment {
    /// The profile's name.
    pub name: String,
    /// The pharmacy code the profile names.
    pub pharmacy_code: String,
    /// appId (also the x-tif paasid).
    pub app_id: String,
    /// appSecret (also the x-tif secret).
    pub app_secret: String,
    /// The pharmacy's key pair (the private half is handed over, never kept
    /// for anything but writing the credential file).
    pub pharmacy_key: PrivateKey,
    /// The platform's key (signs responses).
    pub platform_key: PrivateKey,
}

impl std::fmt::Debug for Deployment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deployment")
            .field("name", &self.name)
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

fn random_alnum(n: usize) -> Result<String, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    // A fresh SM2 scalar is 32 bytes from the system RNG.
    let mut b = Vec::with_capacity(n);
    while b.len() < n {
        b.extend_from_slice(
            &PrivateKey::generate()
                .map_err(|e| e.to_string())?
                .to_bytes(),
        );
    }
    Ok(b[..n]
        .iter()
        .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
        .collect())
}

impl Deployment {
    /// Fresh credentials for `profile`.
    pub fn issue(profile: &ProfileFile) -> Result<Self, String> {
        if profile.demo {
            return Err("the demo profile is served by --seed demo, not --profile".into());
        }
        Ok(Self {
            name: profile.name.clone(),
            pharmacy_code: profile.institution.code.clone(),
            app_id: random_alnum(32)?,
            app_secret: random_alnum(32)?,
            pharmacy_key: PrivateKey::generate().map_err(|e| e.to_string())?,
            platform_key: PrivateKey::generate().map_err(|e| e.to_string())?,
        })
    }

    /// The only accounts the gateway accepts for this deployment.
    pub fn accounts(&self) -> Accounts {
        Accounts {
            paas: vec![(self.app_id.clone(), self.app_secret.clone())],
            apps: vec![(
                self.app_id.clone(),
                self.app_secret.clone(),
                self.pharmacy_key.public_key(),
            )],
            platform_key: self.platform_key.clone(),
        }
    }

    /// The platform's public key.
    pub fn platform_public_key(&self) -> PublicKey {
        self.platform_key.public_key()
    }

    /// Writes `dir/credentials/` and `dir/trust/` afresh (anything there
    /// before is removed): what the 医保局 hands the pharmacy.
    pub fn write(&self, dir: &Path, ca_pem: &str, crl_der: &[u8]) -> Result<(), String> {
        let creds = dir.join("credentials");
        let trust = dir.join("trust");
        for d in [&creds, &trust] {
            if d.exists() {
                std::fs::remove_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
            }
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("{}: {e}", creds.display()))?;
        }
        let pem = |r: Result<String, rxdesk_gm::CryptoError>| r.map_err(|e| e.to_string());
        let items: Vec<(std::path::PathBuf, Vec<u8>)> = vec![
            (
                creds.join(files::APP_ID),
                format!("{}\n", self.app_id).into(),
            ),
            (
                creds.join(files::APP_SECRET),
                format!("{}\n", self.app_secret).into(),
            ),
            (
                creds.join(files::PLATFORM_PUBLIC_KEY),
                pem(self.platform_public_key().to_pem())?.into(),
            ),
            (
                creds.join(files::PHARMACY_PRIVATE_KEY),
                pem(self.pharmacy_key.to_pkcs8_pem())?.into(),
            ),
            (
                creds.join(files::PHARMACY_PUBLIC_KEY),
                pem(self.pharmacy_key.public_key().to_pem())?.into(),
            ),
            (trust.join(files::CA_ROOT), ca_pem.as_bytes().to_vec()),
            (trust.join(files::CA_CRL), crl_der.to_vec()),
        ];
        for (path, body) in items {
            write_private(&path, &body).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(())
    }
}

fn write_private(path: &Path, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)?.write_all(body)
}
