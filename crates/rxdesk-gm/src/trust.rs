//! The 医保 CA trust store, chain building, and CRL-based revocation.
//!
//! - [`TrustStore`]: configured roots and intermediates (PEM/DER files in a
//!   directory, e.g. the app's `trust/`), chain building for a signer
//!   certificate with SM2 signature checks at every link.
//! - [`CrlStore`]: CRLs from files, plus CRLs fetched from a certificate's CRL
//!   distribution point through a [`CrlFetcher`] (the real one is
//!   [`HttpCrlFetcher`]), cached in memory (and optionally on disk) until
//!   their nextUpdate (a fetched CRL never replaces a newer cached one). A
//!   CRL counts only when its issuer's signature verifies, the issuer may
//!   sign CRLs (keyUsage cRLSign when present) and it carries no critical
//!   extension we do not process. A CRL past nextUpdate that cannot be
//!   refreshed is reported **stale** (the verifier's grace policy decides:
//!   docs/decisions/0003-crl-freshness.md); a serial on the CRL is a hard
//!   failure; no usable CRL at all is "unavailable", which the caller's
//!   policy decides.
//! - Both stores remember signature checks that succeeded
//!   ([`crate::cache::VerifiedCache`], keyed by DER hashes) and forget them
//!   when their content changes; time-dependent checks run on every call.
//!
//! **Architecture invariant:** the only network access in this crate is the
//! `CrlFetcher` call; everything else is a pure function of its inputs and
//! the time passed in.

use crate::cache::VerifiedCache;
use crate::cert::{CertError, Certificate};
use crate::crl::{Crl, RevokedEntry};
use crate::primitives::DEFAULT_USER_ID;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why a chain could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// No path from the certificate to a configured root.
    #[error("no chain to a trusted root: {0}")]
    Untrusted(String),
}

/// Why the trust store could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A file is not a certificate/CRL.
    #[error("{path}: {source}")]
    Parse {
        /// The path.
        path: PathBuf,
        /// The error.
        source: CertError,
    },
}

/// Roots and intermediates.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    roots: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    /// SM2 user id used to check certificate and CRL signatures.
    pub user_id: String,
    /// Chain links whose signature verified (issuer DER + subject DER + user
    /// id); replaced by an empty one whenever roots or intermediates change.
    links: Arc<VerifiedCache>,
}

fn is_cert_file(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("pem" | "crt" | "cer" | "der")
    )
}

fn is_crl_file(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("crl")
    )
}

impl TrustStore {
    /// An empty store using the default SM2 user id.
    pub fn new() -> Self {
        Self {
            roots: Vec::new(),
            intermediates: Vec::new(),
            user_id: DEFAULT_USER_ID.to_string(),
            links: Arc::new(VerifiedCache::default()),
        }
    }

    /// The trust material changed: forget every remembered chain link.
    fn invalidate(&mut self) {
        self.links = Arc::new(VerifiedCache::default());
    }

    /// How many verified chain links are remembered (for tests and logs).
    pub fn cached_links(&self) -> usize {
        self.links.len()
    }

    /// Add a certificate: a self-issued CA whose self-signature verifies is a
    /// root; any other CA is an intermediate (it must still chain to a root).
    /// End-entity certificates are ignored (returns false).
    pub fn add(&mut self, cert: Certificate) -> bool {
        if !cert.is_ca() {
            return false;
        }
        self.invalidate();
        if cert.is_self_issued() && cert.verify_issued_by(&cert, &self.user_id).is_ok() {
            if !self.roots.contains(&cert) {
                self.roots.push(cert);
            }
        } else if !self.intermediates.contains(&cert) {
            self.intermediates.push(cert);
        }
        true
    }

    /// Add a trusted root explicitly (must be a self-signed CA).
    pub fn add_root(&mut self, cert: Certificate) -> Result<(), CertError> {
        cert.verify_issued_by(&cert, &self.user_id)?;
        if !cert.is_ca() {
            return Err(CertError::Unsupported("root is not a CA".into()));
        }
        self.invalidate();
        if !self.roots.contains(&cert) {
            self.roots.push(cert);
        }
        Ok(())
    }

    /// Every CA certificate in a PEM bundle or DER file.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, TrustError> {
        let bytes = std::fs::read(path).map_err(|source| TrustError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let certs = Certificate::load_all(&bytes).map_err(|source| TrustError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(certs.into_iter().filter(|c| self.add(c.clone())).count())
    }

    /// Load every `*.pem|*.crt|*.cer|*.der` file in `dir` (not recursive).
    pub fn load_dir(dir: &Path) -> Result<Self, TrustError> {
        let mut s = Self::new();
        let rd = std::fs::read_dir(dir).map_err(|source| TrustError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths.into_iter().filter(|p| p.is_file() && is_cert_file(p)) {
            s.add_file(&p)?;
        }
        Ok(s)
    }

    /// Configured roots.
    pub fn roots(&self) -> &[Certificate] {
        &self.roots
    }

    /// Configured intermediates.
    pub fn intermediates(&self) -> &[Certificate] {
        &self.intermediates
    }

    /// Build `leaf → … → root` using the store's intermediates and `extra`
    /// (e.g. certificates embedded in the CMS), checking each SM2 signature
    /// and that every issuer is a CA allowed to sign certificates.
    pub fn build_chain(
        &self,
        leaf: &Certificate,
        extra: &[Certificate],
    ) -> Result<Vec<Certificate>, ChainError> {
        self.build_chain_from(leaf, extra.iter())
    }

    /// [`Self::build_chain`] with the extra certificates as an iterator
    /// (the verifier passes those of two CMS without copying them into one
    /// list first).
    pub(crate) fn build_chain_from<'e>(
        &'e self,
        leaf: &Certificate,
        extra: impl Iterator<Item = &'e Certificate> + Clone,
    ) -> Result<Vec<Certificate>, ChainError> {
        // Room for a leaf, an intermediate and a root without growing.
        let mut chain = Vec::with_capacity(3);
        chain.push(leaf.clone());
        let mut current = leaf.clone();
        for _ in 0..8 {
            if let Some(root) = self.roots.iter().find(|r| self.issued(&current, r)) {
                if &current != root {
                    chain.push(root.clone());
                }
                return Ok(chain);
            }
            let next = self
                .intermediates
                .iter()
                .chain(extra.clone())
                .filter(|c| !chain.contains(c))
                .find(|c| self.issued(&current, c))
                .cloned();
            match next {
                Some(n) => {
                    chain.push(n.clone());
                    current = n;
                }
                None => {
                    return Err(ChainError::Untrusted(format!(
                        "issuer {:?} of {:?} is not a configured 医保 CA",
                        current.issuer_dn(),
                        current.subject_dn()
                    )))
                }
            }
        }
        Err(ChainError::Untrusted("chain too long".into()))
    }

    fn issued(&self, child: &Certificate, issuer: &Certificate) -> bool {
        if !issuer.is_ca() {
            return false;
        }
        if let Some(ku) = issuer.key_usage() {
            if !ku.key_cert_sign {
                return false;
            }
        }
        if child.issuer_name_der() != issuer.subject_name_der() {
            return false;
        }
        self.links
            .check_digests(
                "link",
                &self.user_id,
                &issuer.fingerprint(),
                &child.fingerprint(),
                || child.verify_issued_by(issuer, &self.user_id),
            )
            .is_ok()
    }
}

/// Fetches a CRL by URL (the CRL distribution point).
pub trait CrlFetcher: Send + Sync {
    /// The CRL bytes (DER or PEM) at `url`.
    fn fetch(&self, url: &str) -> Result<Vec<u8>, String>;
}

/// HTTP GET of a CRL with `reqwest`'s blocking client, with timeouts and a
/// size limit.
///
/// CRL distribution points are `http://` by convention (a CRL is signed, and
/// TLS would need its own revocation checks), so only `http://` is accepted.
/// Each fetch runs on a short-lived thread of its own, so it is safe to call
/// from any thread, including one inside an async runtime (fetches are rare:
/// a CRL is cached until its nextUpdate).
#[derive(Debug, Clone)]
pub struct HttpCrlFetcher {
    /// Connect/read timeout.
    pub timeout: Duration,
    /// Largest accepted body.
    pub max_bytes: usize,
}

impl Default for HttpCrlFetcher {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

impl HttpCrlFetcher {
    fn get(&self, url: &str) -> Result<Vec<u8>, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .user_agent("rxdesk-crl/1")
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        let resp = client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/pkix-crl, */*")
            .send()
            .map_err(|e| format!("GET {url}: {e}"))?;
        let status = resp.status();
        if status != reqwest::StatusCode::OK {
            return Err(format!("HTTP {} from {url}", status.as_u16()));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err("CRL too large".into());
        }
        let mut body = Vec::new();
        resp.take(self.max_bytes as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| format!("read {url}: {e}"))?;
        if body.len() > self.max_bytes {
            return Err("CRL too large".into());
        }
        Ok(body)
    }
}

impl CrlFetcher for HttpCrlFetcher {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("bad CRL URL {url}: {e}"))?;
        if parsed.scheme() != "http" {
            return Err(format!("only http:// CRL URLs are supported: {url}"));
        }
        std::thread::scope(|s| {
            s.spawn(|| self.get(url))
                .join()
                .unwrap_or_else(|_| Err("CRL fetch thread failed".into()))
        })
    }
}

/// The revocation state of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Not on a valid CRL. `stale` = the newest CRL is past its nextUpdate.
    Good {
        /// thisUpdate of the CRL used.
        this_update: DateTime<Utc>,
        /// nextUpdate of the CRL used.
        next_update: Option<DateTime<Utc>>,
        /// The CRL is past nextUpdate (warning state).
        stale: bool,
    },
    /// On the CRL: a hard failure.
    Revoked(RevokedEntry),
    /// No usable CRL (none configured, fetch failed, or signature bad).
    Unavailable(String),
}

/// CRLs from files and from distribution points, cached until nextUpdate.
pub struct CrlStore {
    /// CRL signatures that verified (CRL DER + issuer DER + user id);
    /// cleared whenever a CRL is added.
    sigs: VerifiedCache,
    crls: Mutex<Vec<Crl>>,
    by_url: Mutex<HashMap<String, Crl>>,
    fetcher: Option<Box<dyn CrlFetcher>>,
    cache_dir: Option<PathBuf>,
}

impl std::fmt::Debug for CrlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrlStore")
            .field("files", &self.crls.lock().map(|c| c.len()).unwrap_or(0))
            .field("fetcher", &self.fetcher.is_some())
            .field("cache_dir", &self.cache_dir)
            .finish()
    }
}

impl Default for CrlStore {
    fn default() -> Self {
        Self::new()
    }
}

impl CrlStore {
    /// No CRLs, no fetching.
    pub fn new() -> Self {
        Self {
            sigs: VerifiedCache::default(),
            crls: Mutex::new(Vec::new()),
            by_url: Mutex::new(HashMap::new()),
            fetcher: None,
            cache_dir: None,
        }
    }

    /// Fetch missing or stale CRLs from distribution points with `fetcher`.
    pub fn with_fetcher(mut self, fetcher: Box<dyn CrlFetcher>) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// Keep fetched CRLs in `dir` too (survives restarts; read back lazily).
    pub fn with_cache_dir(mut self, dir: PathBuf) -> Self {
        self.cache_dir = Some(dir);
        self
    }

    /// Add a CRL (signature is checked when used, against the issuer).
    pub fn add(&self, crl: Crl) {
        if let Ok(mut v) = self.crls.lock() {
            v.push(crl);
        }
        self.sigs.clear();
    }

    /// How many verified CRL signatures are remembered (for tests and logs).
    pub fn cached_signatures(&self) -> usize {
        self.sigs.len()
    }

    /// Add a CRL file (PEM or DER).
    pub fn add_file(&self, path: &Path) -> Result<(), TrustError> {
        let bytes = std::fs::read(path).map_err(|source| TrustError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let crl = Crl::from_bytes(&bytes).map_err(|source| TrustError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        self.add(crl);
        Ok(())
    }

    /// Load every `*.crl` file in `dir`.
    pub fn load_dir(&self, dir: &Path) -> Result<usize, TrustError> {
        let rd = std::fs::read_dir(dir).map_err(|source| TrustError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut n = 0;
        for p in rd.filter_map(|e| e.ok().map(|e| e.path())) {
            if p.is_file() && is_crl_file(&p) {
                self.add_file(&p)?;
                n += 1;
            }
        }
        Ok(n)
    }

    fn cache_path(&self, url: &str) -> Option<PathBuf> {
        let dir = self.cache_dir.as_ref()?;
        Some(dir.join(format!(
            "{}.crl",
            hex::encode(&crate::primitives::sm3(url.as_bytes())[..12])
        )))
    }

    fn fetched(&self, url: &str) -> Option<Crl> {
        if let Some(c) = self.by_url.lock().ok()?.get(url) {
            return Some(c.clone());
        }
        let p = self.cache_path(url)?;
        let crl = Crl::from_bytes(&std::fs::read(p).ok()?).ok()?;
        self.by_url
            .lock()
            .ok()?
            .insert(url.to_string(), crl.clone());
        Some(crl)
    }

    /// The newest CRL from `issuer` whose signature verifies, among files and
    /// cached downloads; refreshes from `cert`'s distribution points when the
    /// best one is missing or past nextUpdate.
    fn best_crl(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> (Option<Crl>, Vec<String>) {
        let mut problems = Vec::new();
        let usable = |c: &Crl| c.check_usable(issuer, user_id, Some(&self.sigs));
        let issuer_name = issuer.subject_name_der();
        let mut candidates: Vec<Crl> = Vec::new();
        let files: Vec<Crl> = self.crls.lock().map(|v| v.clone()).unwrap_or_default();
        for c in files
            .into_iter()
            .filter(|c| c.issuer_name_der() == issuer_name)
        {
            match usable(&c) {
                Ok(()) => candidates.push(c),
                Err(e) => problems.push(format!("CRL of {:?}: {e}", c.issuer_dn())),
            }
        }
        let urls = cert.crl_distribution_points_ref();
        for u in urls {
            if let Some(c) = self.fetched(u) {
                match usable(&c) {
                    Ok(()) => candidates.push(c),
                    Err(e) => problems.push(format!("cached CRL from {u}: {e}")),
                }
            }
        }
        let newest = |v: &[Crl]| v.iter().max_by_key(|c| c.this_update()).cloned();
        let best = newest(&candidates);
        let needs_refresh = best.as_ref().is_none_or(|c| c.is_stale(now));
        if needs_refresh {
            if let Some(f) = &self.fetcher {
                for u in urls {
                    match f
                        .fetch(u)
                        .and_then(|b| Crl::from_bytes(&b).map_err(|e| e.to_string()))
                    {
                        Ok(crl) => {
                            if let Err(e) = usable(&crl) {
                                problems.push(format!("CRL from {u}: {e}"));
                                continue;
                            }
                            // Never replace a CRL by an older one (a replay
                            // over plain http:// must not roll the cache back).
                            let older = self
                                .fetched(u)
                                .is_some_and(|c| c.this_update() > crl.this_update());
                            if !older {
                                if let Some(p) = self.cache_path(u) {
                                    if let Some(parent) = p.parent() {
                                        let _ = std::fs::create_dir_all(parent);
                                    }
                                    let _ = std::fs::write(p, crl.to_der());
                                }
                                if let Ok(mut m) = self.by_url.lock() {
                                    m.insert(u.clone(), crl.clone());
                                }
                            }
                            candidates.push(crl);
                        }
                        Err(e) => {
                            tracing::warn!(url = %u, error = %e, "CRL fetch failed");
                            problems.push(format!("CRL from {u}: {e}"));
                        }
                    }
                }
            } else if best.is_none() && !urls.is_empty() {
                problems.push("CRL fetching is disabled".into());
            }
        }
        (newest(&candidates), problems)
    }

    /// The revocation status of `cert` issued by `issuer` at `now`.
    pub fn status(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> RevocationStatus {
        let (best, problems) = self.best_crl(cert, issuer, user_id, now);
        match best {
            None => RevocationStatus::Unavailable(if problems.is_empty() {
                format!("no CRL for issuer {:?}", issuer.subject_dn())
            } else {
                problems.join("; ")
            }),
            Some(crl) => match crl.find(cert.serial_bytes()) {
                Some(entry) => RevocationStatus::Revoked(entry),
                None => RevocationStatus::Good {
                    this_update: crl.this_update(),
                    next_update: crl.next_update(),
                    stale: crl.is_stale(now),
                },
            },
        }
    }
}
