//! Protection at rest for personal data (patient names and ID numbers, the
//! downloaded prescription, upload payloads that carry them).
//!
//! One 32-byte master key per ledger ([`KeySource`]): in production it is a
//! secret of the credential vault (`crate::vault`, sealed under the OS-held
//! key or the manager's passphrase) and handed to `Store::open_keyed`; a data
//! directory without a vault (demo mode, or production before the first
//! credential import) keeps it in a file next to the ledger (`<ledger>.key`,
//! created with mode 0600, refused when group/other can read it), which the
//! first import moves into the vault. The ledger records a check value of its
//! key (`meta.key_check`), so a wrong key is refused before any data is
//! read or written. Sub-keys are derived with HMAC-SM3 over a label, so one
//! master key serves:
//! - **sealing** (version 2, docs/decisions/0027): SM4-CTR (random 128-bit
//!   nonce) then HMAC-SM3 over version‖nonce‖ciphertext (encrypt-then-MAC: a
//!   flipped bit is an error, never garbage plaintext), under keys of its
//!   own; a large payload is XORed with a keystream a background thread
//!   computed ahead, used once and wiped. Version 1 (SM4-CBC, random IV,
//!   same MAC construction, its own keys) still opens;
//! - **lookup**: a keyed SM3 hash of a normalised ID number, so a patient's
//!   prescriptions are found without storing the number in clear;
//! - **audit chain**: the key of the hash-chained audit log.
//!
//! All crypto comes from `rxdesk_gm::primitives`; nothing here is home-made.

use crate::error::{Result, StoreError};
use rxdesk_gm::primitives::{
    hmac_sm3, sm4_cbc_decrypt, sm4_ctr_apply, sm4_ctr_counter_add, sm4_ctr_keystream, HmacSm3,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};

/// Version 1: IV ‖ SM4-CBC ‖ HMAC-SM3 (decision 0005/0023). Opened, no
/// longer written.
const SEAL_V1: u8 = 1;
/// Version 2: nonce ‖ SM4-CTR ‖ HMAC-SM3, under keys of its own
/// (docs/decisions/0027-sealing-v2-ctr-prepared-keystream.md). Written.
const SEAL_V2: u8 = 2;
const TAG_LEN: usize = 32;
const IV_LEN: usize = 16;
/// From this size on, the MAC runs on a second thread beside the encryption
/// and the prepared keystream is used; below it a thread costs more than it
/// saves and the keystream is computed on the spot.
const PIPELINE_MIN: usize = 32 * 1024;
/// Ciphertext handed to the MAC thread at a time.
const PIECE: usize = 16 * 1024;
/// Keystream prepared at the start, before any large seal: more than the
/// raw 7203 payload of a prescription with a 100 KB PDF (≈ 140 KB).
pub const PREPARED_KEYSTREAM: usize = 256 * 1024;
/// Most keystream prepared ahead of one seal.
const PREPARED_MAX: usize = 1024 * 1024;

/// Keystream to prepare after a large seal of `len` bytes: a quarter more,
/// in whole pieces, within [`PIPELINE_MIN`]..=[`PREPARED_MAX`]; a larger
/// next payload computes the rest on the spot.
fn next_prepared_len(len: usize) -> usize {
    let len = len.min(PREPARED_MAX);
    (len + len / 4)
        .next_multiple_of(PIECE)
        .clamp(PIPELINE_MIN, PREPARED_MAX)
}

/// Derived keys; never printed (no `Debug` of the bytes).
#[derive(Clone)]
pub struct Sealer {
    /// Version 1 (SM4-CBC) keys: opening old blobs only.
    enc: [u8; 16],
    mac: [u8; 32],
    /// Version 2 (SM4-CTR) keys, never used in another mode.
    ctr_enc: [u8; 16],
    ctr_mac: [u8; 32],
    lookup: [u8; 32],
    audit: [u8; 32],
    /// The background thread that prepares keystream, when started
    /// ([`Sealer::with_prepared_keystream`]); shared by clones, stopped and
    /// joined when the last clone is dropped.
    preparer: Option<Arc<Preparer>>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<keys hidden>)")
    }
}

/// Where a ledger's master key comes from.
#[derive(Clone)]
pub enum KeySource {
    /// `<ledger>.key` next to the database, created with a new ledger.
    File,
    /// Held by the caller (unsealed from the credential vault); no key file
    /// is read or written.
    Held([u8; 32]),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::File => "KeySource::File",
            Self::Held(_) => "KeySource::Held(<hidden>)",
        })
    }
}

/// Reads the master key of an existing key file (0600 checked); `None` when
/// there is no file. Used to move a key file into the vault.
pub fn read_key_file(key_path: &Path) -> Result<Option<[u8; 32]>> {
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
            Ok(Some(master))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::Io {
            action: "read key file",
            path: key_path.to_path_buf(),
            source,
        }),
    }
}

/// A fresh random master key.
pub fn new_master_key() -> Result<[u8; 32]> {
    let mut master = [0u8; 32];
    getrandom::fill(&mut master).map_err(|e| StoreError::KeyFile {
        path: PathBuf::new(),
        detail: format!("no system randomness: {e}"),
    })?;
    Ok(master)
}

impl Sealer {
    /// Derives the sub-keys from a 32-byte master key. No background thread:
    /// every seal computes its keystream on the spot until
    /// [`Sealer::with_prepared_keystream`] starts one.
    pub fn from_master(master: &[u8; 32]) -> Self {
        // Each sub-key is HMAC-SM3(master, label): an SM3-based KDF
        // (HKDF-Expand's single block with the label as info). Distinct
        // labels, so the CBC key of version 1 and the CTR key of version 2
        // are independent and no key is used in two modes.
        let half = |label: &[u8]| {
            let full = hmac_sm3(master, label);
            let mut k = [0u8; 16];
            k.copy_from_slice(&full[..16]);
            k
        };
        Self {
            enc: half(b"rxdesk/ledger/sm4-enc/v1"),
            mac: hmac_sm3(master, b"rxdesk/ledger/seal-mac/v1"),
            ctr_enc: half(b"rxdesk/ledger/sm4-ctr-enc/v2"),
            ctr_mac: hmac_sm3(master, b"rxdesk/ledger/seal-mac/v2"),
            lookup: hmac_sm3(master, b"rxdesk/ledger/lookup/v1"),
            audit: hmac_sm3(master, b"rxdesk/ledger/audit-chain/v1"),
            preparer: None,
        }
    }

    /// Starts the background thread that keeps one keystream ready for the
    /// next large seal, under a fresh random nonce: `bytes` of it now
    /// ([`PREPARED_KEYSTREAM`] in the store), and right after each large
    /// seal a quarter more than that seal's length (at most 1 MiB). If the thread cannot be started the
    /// sealer works as before (keystream computed on the spot).
    pub fn with_prepared_keystream(mut self, bytes: usize) -> Self {
        if self.preparer.is_none() {
            self.preparer =
                Preparer::start(self.ctr_enc, bytes.max(16).next_multiple_of(16)).map(Arc::new);
        }
        self
    }

    /// Counts of large seals that found a prepared keystream and of those
    /// that computed it on the spot (none ready), since the start.
    pub fn keystream_stats(&self) -> KeystreamStats {
        match &self.preparer {
            Some(p) => KeystreamStats {
                prepared: p.pool.used.load(Ordering::Relaxed),
                on_the_spot: p.pool.missed.load(Ordering::Relaxed),
            },
            None => KeystreamStats::default(),
        }
    }

    /// Whether a prepared keystream is waiting for the next large seal
    /// (false without a preparer, and while one is being computed).
    pub fn keystream_ready(&self) -> bool {
        self.preparer
            .as_ref()
            .is_some_and(|p| p.pool.lock().ready.is_some())
    }

    /// Length of the keystream waiting for the next large seal, if any.
    #[doc(hidden)]
    pub fn prepared_keystream_len(&self) -> Option<usize> {
        let p = self.preparer.as_ref()?;
        p.pool.lock().ready.as_ref().map(|k| k.bytes.len())
    }

    /// Watches the background thread (tests: it stops with the sealer).
    #[doc(hidden)]
    pub fn preparer_probe(&self) -> Option<PreparerProbe> {
        self.preparer
            .as_ref()
            .map(|p| PreparerProbe(Arc::downgrade(&p.pool)))
    }

    /// Waits up to `limit` for a prepared keystream to be ready (tests and
    /// benches that want a known state; the counter never waits).
    #[doc(hidden)]
    pub fn wait_for_prepared_keystream(&self, limit: std::time::Duration) -> bool {
        let Some(p) = &self.preparer else {
            return false;
        };
        let deadline = std::time::Instant::now() + limit;
        let mut st = p.pool.lock();
        while st.ready.is_none() {
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            st = match p.pool.ready_cv.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }

    /// Loads `<ledger>.key`, or creates it when the ledger is new.
    /// An existing ledger without its key is an error: new data sealed under a
    /// fresh key would make the old data unreadable.
    pub fn load_or_create(key_path: &Path, ledger_is_new: bool) -> Result<Self> {
        if let Some(master) = read_key_file(key_path)? {
            return Ok(Self::from_master(&master));
        }
        if !ledger_is_new {
            return Err(StoreError::KeyFile {
                path: key_path.to_path_buf(),
                detail: "missing for an existing ledger: restore it from the backup of the key file (see docs/schema.md); a new key would make the sealed data unreadable".into(),
            });
        }
        let master = new_master_key().map_err(|e| match e {
            StoreError::KeyFile { detail, .. } => StoreError::KeyFile {
                path: key_path.to_path_buf(),
                detail,
            },
            other => other,
        })?;
        write_key_file(key_path, &master)?;
        Ok(Self::from_master(&master))
    }

    /// The check value recorded in the ledger for this key: a keyed SM3
    /// over a fixed label, so it reveals nothing of the key.
    pub fn key_check(&self) -> String {
        hex::encode(&hmac_sm3(&self.mac, b"rxdesk/ledger/key-check/v1")[..16])
    }

    /// Seals `plaintext` (version 2): version ‖ nonce ‖ SM4-CTR ciphertext
    /// (as long as the plaintext) ‖ HMAC-SM3 tag over everything before it.
    /// From [`PIPELINE_MIN`] on, the ciphertext is the plaintext XOR a
    /// keystream prepared in the background when one is ready (taken, used
    /// once, wiped), and the MAC runs on a second thread beside it.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        if plaintext.len() >= PIPELINE_MIN {
            let taken = self.preparer.as_ref().and_then(|p| p.take());
            let out = match taken {
                Some(mut ks) => {
                    let nonce = ks.nonce;
                    let out = self.seal_v2_pipelined(&nonce, Some(&ks.bytes), plaintext);
                    ks.wipe();
                    out
                }
                None => {
                    self.seal_v2_pipelined(&fresh_nonce(&self.ctr_mac, plaintext), None, plaintext)
                }
            };
            // The next keystream is computed after this seal, not during it:
            // the seal's own two threads keep both cores.
            if let Some(p) = &self.preparer {
                p.request(next_prepared_len(plaintext.len()));
            }
            return out;
        }
        self.seal_v2_with(&fresh_nonce(&self.ctr_mac, plaintext), plaintext)
    }

    /// Version 2 with a given nonce, in one thread, keystream on the spot.
    fn seal_v2_with(&self, nonce: &[u8; IV_LEN], plaintext: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + IV_LEN + plaintext.len() + TAG_LEN);
        out.push(SEAL_V2);
        out.extend_from_slice(nonce);
        out.extend_from_slice(plaintext);
        // Key and counter are 16 bytes by construction, so this cannot fail.
        let _ = sm4_ctr_apply(&self.ctr_enc, nonce, &mut out[1 + IV_LEN..]);
        let tag = hmac_sm3(&self.ctr_mac, &out);
        out.extend_from_slice(&tag);
        out
    }

    /// The same bytes as [`Sealer::seal_v2_with`]: the first
    /// `prepared.len()` bytes of keystream come from `prepared` (which must
    /// be the keystream of `nonce`), the rest is computed here; each
    /// finished piece of ciphertext goes to a second thread for the MAC
    /// (encrypt-then-MAC either way).
    fn seal_v2_pipelined(
        &self,
        nonce: &[u8; IV_LEN],
        prepared: Option<&[u8]>,
        plaintext: &[u8],
    ) -> Vec<u8> {
        let prepared = prepared.unwrap_or(&[]);
        // Whole blocks only, so the computed rest starts on a counter block.
        let prepared = &prepared[..prepared.len() / 16 * 16];
        let mut out = vec![0u8; 1 + IV_LEN + plaintext.len() + TAG_LEN];
        out[0] = SEAL_V2;
        out[1..1 + IV_LEN].copy_from_slice(nonce);
        let (head, rest) = out.split_at_mut(1 + IV_LEN);
        let (ct, tag_out) = rest.split_at_mut(plaintext.len());
        let head: &[u8] = head;
        let tag = std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::channel::<&[u8]>();
            let mac = scope.spawn(move || {
                let mut mac = HmacSm3::new(&self.ctr_mac);
                mac.update(head);
                for piece in receive {
                    mac.update(piece);
                }
                mac.finalize()
            });
            let mut ok = true;
            let mut done = 0usize;
            for (piece, plain) in ct.chunks_mut(PIECE).zip(plaintext.chunks(PIECE)) {
                // PIECE is a multiple of 16: every piece starts on a block.
                let from_prepared = prepared.len().saturating_sub(done).min(piece.len());
                let (xored, computed) = piece.split_at_mut(from_prepared);
                for ((c, p), k) in xored
                    .iter_mut()
                    .zip(plain)
                    .zip(&prepared[done.min(prepared.len())..])
                {
                    *c = p ^ k;
                }
                if !computed.is_empty() {
                    let at = done + from_prepared;
                    computed.copy_from_slice(&plain[from_prepared..]);
                    // Key and counter have the right lengths by construction.
                    let counter = sm4_ctr_counter_add(nonce, (at / 16) as u64);
                    ok &= sm4_ctr_apply(&self.ctr_enc, &counter, computed).is_ok();
                }
                done += piece.len();
                let piece: &[u8] = piece;
                // The receiver lives until every sender is gone.
                let _ = send.send(piece);
            }
            drop(send);
            match (ok, mac.join()) {
                (true, Ok(tag)) => Some(tag),
                _ => None,
            }
        });
        match tag {
            Some(tag) => {
                tag_out.copy_from_slice(&tag);
                out
            }
            // Not reachable (fixed lengths, a MAC thread cannot panic on
            // bytes); sealed in one thread under a fresh nonce all the same.
            None => self.seal_v2_with(&fresh_nonce(&self.ctr_mac, plaintext), plaintext),
        }
    }

    /// Opens a sealed blob of version 1 or 2; fails on any tampering and on
    /// an unknown version.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        match sealed.first() {
            Some(&SEAL_V1) => self.open_v1(sealed),
            Some(&SEAL_V2) => self.open_v2(sealed),
            Some(v) => Err(StoreError::Unseal(format!("unknown version {v}"))),
            None => Err(StoreError::Unseal("too short".into())),
        }
    }

    fn open_v1(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < 1 + IV_LEN + 16 + TAG_LEN {
            return Err(StoreError::Unseal("too short".into()));
        }
        let (body, tag) = sealed.split_at(sealed.len() - TAG_LEN);
        let expect = hmac_sm3(&self.mac, body);
        if !constant_time_eq(&expect, tag) {
            return Err(StoreError::Unseal("authentication tag mismatch".into()));
        }
        sm4_cbc_decrypt(&self.enc, &body[1..1 + IV_LEN], &body[1 + IV_LEN..])
            .map_err(|e| StoreError::Unseal(e.to_string()))
    }

    fn open_v2(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < 1 + IV_LEN + TAG_LEN {
            return Err(StoreError::Unseal("too short".into()));
        }
        let (body, tag) = sealed.split_at(sealed.len() - TAG_LEN);
        let expect = hmac_sm3(&self.ctr_mac, body);
        if !constant_time_eq(&expect, tag) {
            return Err(StoreError::Unseal("authentication tag mismatch".into()));
        }
        let mut plain = body[1 + IV_LEN..].to_vec();
        sm4_ctr_apply(&self.ctr_enc, &body[1..1 + IV_LEN], &mut plain)
            .map_err(|e| StoreError::Unseal(e.to_string()))?;
        Ok(plain)
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

/// A fresh random 128-bit nonce (the first counter block of a version-2
/// seal). The OS RNG does not fail on supported platforms; if it ever did,
/// a nonce derived from the time, a process-wide counter and the data
/// under the MAC key still never repeats within a process.
fn fresh_nonce(mac_key: &[u8; 32], data: &[u8]) -> [u8; IV_LEN] {
    let mut nonce = [0u8; IV_LEN];
    if getrandom::fill(&mut nonce).is_ok() {
        return nonce;
    }
    static FALLBACK: AtomicU64 = AtomicU64::new(0);
    let mut m = HmacSm3::new(mac_key);
    m.update(b"rxdesk/ledger/nonce-fallback/v2");
    m.update(&FALLBACK.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    m.update(&now.to_be_bytes());
    m.update(&std::process::id().to_be_bytes());
    m.update(data);
    nonce.copy_from_slice(&m.finalize()[..IV_LEN]);
    nonce
}

/// Large seals served by a prepared keystream and computed on the spot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeystreamStats {
    /// Large seals that found a keystream ready.
    pub prepared: u64,
    /// Large seals that found none ready and computed it themselves.
    pub on_the_spot: u64,
}

/// Sees whether the background thread is still alive (it holds the pool).
#[doc(hidden)]
#[derive(Debug)]
pub struct PreparerProbe(Weak<Pool>);

impl PreparerProbe {
    /// Whether the thread (or a sealer) still holds the pool.
    pub fn alive(&self) -> bool {
        self.0.strong_count() > 0
    }
}

/// A keystream computed ahead: SM4-CTR under the version-2 key from
/// counter block `nonce`. Used by exactly one seal, then wiped.
struct Keystream {
    nonce: [u8; IV_LEN],
    bytes: Vec<u8>,
}

impl Keystream {
    /// Overwrites the keystream (and the nonce) with zeros.
    fn wipe(&mut self) {
        self.bytes.fill(0);
        self.nonce = [0u8; IV_LEN];
        std::hint::black_box(&self.bytes);
    }
}

impl Drop for Keystream {
    fn drop(&mut self) {
        self.wipe();
    }
}

#[derive(Default)]
struct PoolState {
    ready: Option<Keystream>,
    /// A keystream is wanted (at the start, and after each large seal).
    want: bool,
    /// Its length.
    want_len: usize,
    stop: bool,
}

/// What the sealer and the background thread share.
#[doc(hidden)]
pub struct Pool {
    state: Mutex<PoolState>,
    /// Wakes the thread: a keystream was taken, or stop.
    wake: Condvar,
    /// Signals a keystream became ready.
    ready_cv: Condvar,
    /// Read between pieces so a stop does not wait for a whole keystream.
    stopping: AtomicBool,
    used: AtomicU64,
    missed: AtomicU64,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Owns the background thread; dropping it (with the last clone of the
/// sealer, i.e. with the store) stops and joins the thread.
struct Preparer {
    pool: Arc<Pool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Preparer {
    fn start(key: [u8; 16], bytes: usize) -> Option<Self> {
        let pool = Arc::new(Pool {
            state: Mutex::new(PoolState {
                want: true,
                want_len: bytes,
                ..PoolState::default()
            }),
            wake: Condvar::new(),
            ready_cv: Condvar::new(),
            stopping: AtomicBool::new(false),
            used: AtomicU64::new(0),
            missed: AtomicU64::new(0),
        });
        let shared = Arc::clone(&pool);
        let thread = std::thread::Builder::new()
            .name("rxdesk-keystream".into())
            .spawn(move || prepare_loop(&shared, &key));
        match thread {
            Ok(t) => Some(Self {
                pool,
                thread: Some(t),
            }),
            Err(e) => {
                tracing::warn!(error = %e, "keystream preparer not started; sealing computes it on the spot");
                None
            }
        }
    }

    /// Takes the prepared keystream if one is ready (never waits for one
    /// being computed).
    fn take(&self) -> Option<Keystream> {
        let taken = self.pool.lock().ready.take();
        if taken.is_some() {
            self.pool.used.fetch_add(1, Ordering::Relaxed);
        } else {
            self.pool.missed.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }

    /// Asks for the next keystream, of `len` bytes (after a large seal).
    fn request(&self, len: usize) {
        let mut st = self.pool.lock();
        st.want = true;
        st.want_len = len.max(16).next_multiple_of(16);
        drop(st);
        self.pool.wake.notify_one();
    }
}

impl Drop for Preparer {
    fn drop(&mut self) {
        self.pool.stopping.store(true, Ordering::Relaxed);
        self.pool.lock().stop = true;
        self.pool.wake.notify_all();
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                tracing::warn!("keystream preparer ended by a panic");
            }
        }
        // A keystream still waiting is wiped here (Keystream::drop).
        self.pool.lock().ready = None;
    }
}

/// The background thread: when a keystream is wanted and none is ready,
/// computes one under a fresh random nonce (outside the lock, piece by
/// piece, stopping early when asked), then sleeps until the next request or
/// until the sealer is dropped.
fn prepare_loop(pool: &Pool, key: &[u8; 16]) {
    loop {
        let bytes = {
            let mut st = pool.lock();
            while !st.stop && (st.ready.is_some() || !st.want) {
                st = pool.wake.wait(st).unwrap_or_else(PoisonError::into_inner);
            }
            if st.stop {
                return;
            }
            st.want = false;
            st.want_len
        };
        let mut nonce = [0u8; IV_LEN];
        if getrandom::fill(&mut nonce).is_err() {
            // Without system randomness no nonce is prepared; seals fall back
            // to `fresh_nonce` on the spot.
            tracing::warn!("no system randomness; keystream preparer stops");
            return;
        }
        let mut ks = Keystream {
            nonce,
            bytes: vec![0u8; bytes],
        };
        for (i, piece) in ks.bytes.chunks_mut(PIECE).enumerate() {
            if pool.stopping.load(Ordering::Relaxed) {
                return;
            }
            let counter = sm4_ctr_counter_add(&nonce, (i * PIECE / 16) as u64);
            if sm4_ctr_keystream(key, &counter, piece).is_err() {
                return;
            }
        }
        let mut st = pool.lock();
        if st.stop {
            return;
        }
        st.ready = Some(ks);
        drop(st);
        pool.ready_cv.notify_all();
    }
}

/// Prefix of a short field sealed into a TEXT column ([`Sealer::seal_field`]).
pub const FIELD_PREFIX: &str = "sealed1:";

impl Sealer {
    /// Seals a short personal field (e.g. `psn_no`) into text for a TEXT
    /// column: `sealed1:` + hex of the sealed bytes; empty stays empty.
    pub fn seal_field(&self, clear: &str) -> String {
        if clear.is_empty() {
            return String::new();
        }
        format!("{FIELD_PREFIX}{}", hex::encode(self.seal_str(clear)))
    }

    /// Opens a [`Self::seal_field`] value; a value without the prefix is a
    /// row written before sealing and is returned as it is.
    pub fn open_field(&self, stored: &str) -> Result<String> {
        match stored.strip_prefix(FIELD_PREFIX) {
            Some(h) => {
                let bytes = hex::decode(h)
                    .map_err(|_| StoreError::Unseal("sealed field is not hex".into()))?;
                self.open_str(&bytes)
            }
            None => Ok(stored.to_string()),
        }
    }
}

/// Keys (lower case, without `_`) of personal fields a center answer may
/// carry (1101 baseinfo, 2101/2102/2103 setlinfo, 7203 heads, 3505/3506
/// rows): dropped from answers kept at rest ([`strip_personal`]).
const PERSONAL_KEYS: [&str; 20] = [
    "certno",
    "psnname",
    "patnname",
    "psnno",
    "brdy",
    "gend",
    "naty",
    "age",
    "mob",
    "tel",
    "addr",
    "mdtrtcertno",
    "cardsn",
    "cardno",
    "ectoken",
    "pharcertno",
    "prscdrcertno",
    "rchkpharcertno",
    "empname",
    "idcard",
];

fn is_personal_key(k: &str) -> bool {
    let norm: String = k
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    PERSONAL_KEYS.contains(&norm.as_str())
}

/// A center answer as kept at rest (`uploads.ack`): personal fields
/// ([`PERSONAL_KEYS`], snake or camel case, at any depth) removed, and ID
/// numbers, mobile numbers and names left in other strings masked
/// ([`redact_text`]). What remains (setl_id, amounts, codes, serials) is what
/// a manager needs to trace an upload.
pub fn strip_personal(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !is_personal_key(k))
                .map(|(k, v)| (k.clone(), strip_personal(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_personal).collect()),
        Value::String(s) => Value::String(redact_text(s)),
        other => other.clone(),
    }
}

/// Words after which a center error text names a person.
const NAME_MARKERS: [&str; 9] = [
    "姓名",
    "参保人",
    "患者",
    "病人",
    "持卡人",
    "psn_name",
    "patn_name",
    "psnName",
    "patnName",
];

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || c == '·'
}

/// Masks what may identify a person in a text kept at rest (center error
/// messages, upload attempt details): an 18-character ID number (17 digits
/// and a digit or X) or a 15-digit one is masked like
/// `rxdesk_core::prescription::mask_id_number` (first 3, last 4); an
/// 11-digit mobile number keeps its first 3 and last 4; up to 3 Chinese
/// characters after a name marker (`姓名`, `参保人`, `患者`, `psn_name` …)
/// become `*`. Longer or shorter digit runs (msgids, trace codes, amounts)
/// are left alone. Idempotent.
pub fn redact_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // A run of ASCII digits (with a trailing X for ID numbers).
        if c.is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let digits = j - i;
            let x_end = j < chars.len() && digits == 17 && matches!(chars[j], 'X' | 'x');
            let end = if x_end { j + 1 } else { j };
            let bounded = end == chars.len() || !chars[end].is_ascii_alphanumeric();
            let run: String = chars[i..end].iter().collect();
            let is_id = bounded && (end - i == 18 || (digits == 15 && !x_end));
            let is_mobile = bounded
                && !x_end
                && digits == 11
                && chars[i] == '1'
                && ('3'..='9').contains(&chars[i + 1]);
            if is_id || is_mobile {
                out.push_str(&rxdesk_core::prescription::mask_id_number(&run));
            } else {
                out.push_str(&run);
            }
            i = end;
            continue;
        }
        if let Some(m) = NAME_MARKERS.iter().find(|m| {
            chars[i..]
                .iter()
                .take(m.chars().count())
                .copied()
                .eq(m.chars())
        }) {
            let n = m.chars().count();
            out.extend(&chars[i..i + n]);
            i += n;
            // 参保人员 / 患者信息 are words, not names.
            if chars
                .get(i)
                .is_some_and(|c| matches!(c, '员' | '信' | '类' | '身'))
            {
                continue;
            }
            while i < chars.len()
                && matches!(
                    chars[i],
                    ':' | '：' | '=' | '"' | '\'' | ' ' | '“' | '”' | '（' | '(' | '【' | '['
                )
            {
                out.push(chars[i]);
                i += 1;
            }
            let mut masked = 0;
            while i < chars.len() && masked < 3 && (is_cjk(chars[i]) || chars[i] == '*') {
                out.push('*');
                i += 1;
                masked += 1;
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Converts rows written before personal data at rest was sealed or
/// redacted (schema V8 sets the `pii_conversion_pending` marker; the store
/// runs this right after loading the key, in one transaction):
/// `settlements.psn_no` sealed ([`Sealer::seal_field`]), `uploads.ack`
/// stripped ([`strip_personal`]), error texts in `uploads.last_error`,
/// `upload_attempts.detail` and `settlement_attempts.detail` redacted
/// ([`redact_text`]). Returns the number of rows changed.
pub(crate) fn convert_legacy_rows(
    tx: &rusqlite::Transaction<'_>,
    sealer: &Sealer,
) -> Result<usize> {
    use rusqlite::params;
    let pending = crate::get_meta(tx, "pii_conversion_pending")?;
    if pending.is_none() {
        return Ok(0);
    }
    let sql = |a: &'static str| StoreError::sql(a);
    let mut changed = 0;
    let rows: Vec<(i64, String)> = {
        let mut st = tx
            .prepare("SELECT id, psn_no FROM settlements WHERE psn_no <> '' AND psn_no NOT LIKE 'sealed1:%'")
            .map_err(sql("read settlements"))?;
        let r = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql("read settlements"))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(sql("read settlements"));
        r?
    };
    for (id, psn_no) in rows {
        changed += tx
            .execute(
                "UPDATE settlements SET psn_no = ?2 WHERE id = ?1",
                params![id, sealer.seal_field(&psn_no)],
            )
            .map_err(sql("seal settlement psn_no"))?;
    }
    let rows: Vec<(i64, Option<String>, Option<String>)> = {
        let mut st = tx
            .prepare("SELECT id, ack, last_error FROM uploads WHERE ack IS NOT NULL OR last_error IS NOT NULL")
            .map_err(sql("read uploads"))?;
        let r = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(sql("read uploads"))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(sql("read uploads"));
        r?
    };
    for (id, ack, err) in rows {
        let ack2 = ack.as_deref().map(|a| match serde_json::from_str(a) {
            Ok(v) => strip_personal(&v).to_string(),
            Err(_) => redact_text(a),
        });
        let err2 = err.as_deref().map(redact_text);
        if ack2 != ack || err2 != err {
            changed += tx
                .execute(
                    "UPDATE uploads SET ack = ?2, last_error = ?3 WHERE id = ?1",
                    params![id, ack2, err2],
                )
                .map_err(sql("redact upload"))?;
        }
    }
    for table in ["upload_attempts", "settlement_attempts"] {
        let rows: Vec<(i64, String)> = {
            let mut st = tx
                .prepare(&format!(
                    "SELECT id, detail FROM {table} WHERE detail <> ''"
                ))
                .map_err(sql("read attempt details"))?;
            let r = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(sql("read attempt details"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(sql("read attempt details"));
            r?
        };
        for (id, detail) in rows {
            let red = redact_text(&detail);
            if red != detail {
                changed += tx
                    .execute(
                        &format!("UPDATE {table} SET detail = ?2 WHERE id = ?1"),
                        params![id, red],
                    )
                    .map_err(sql("redact attempt detail"))?;
            }
        }
    }
    tx.execute("DELETE FROM meta WHERE key = 'pii_conversion_pending'", [])
        .map_err(sql("clear conversion marker"))?;
    Ok(changed)
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

/// Makes a file readable and writable by its owner only (0600 on Unix),
/// whatever the umask was when it was created; a missing file is fine.
pub fn restrict_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o777 != 0o600 => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
                    |source| StoreError::Io {
                        action: "restrict permissions of",
                        path: path.to_path_buf(),
                        source,
                    },
                )?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StoreError::Io {
                    action: "stat",
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The ledger's files (`x`, `x-wal`, `x-shm`, `x.key`, `x.anchors`) made
/// 0600. SQLite creates the database with 0644 less the umask and gives the
/// WAL and shared-memory files the database's mode, so fixing the database
/// before the first write keeps them private too; `Store::open` calls this
/// right after opening.
pub fn restrict_ledger_files(ledger: &Path) -> Result<()> {
    let with = |suffix: &str| {
        let mut name = ledger
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(suffix);
        ledger.with_file_name(name)
    };
    for p in [
        ledger.to_path_buf(),
        with("-wal"),
        with("-shm"),
        with("-journal"),
        key_path_for(ledger),
        crate::auditlog::anchor_path_for(ledger),
    ] {
        restrict_file(&p)?;
    }
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
    use rxdesk_gm::primitives::sm4_cbc_encrypt;

    fn sealer() -> Sealer {
        Sealer::from_master(&[7u8; 32])
    }

    /// A keystream of `len` bytes from `nonce` under the version-2 key, as
    /// the background thread prepares it.
    fn keystream(s: &Sealer, nonce: &[u8; IV_LEN], len: usize) -> Vec<u8> {
        let mut ks = vec![0u8; len];
        sm4_ctr_keystream(&s.ctr_enc, nonce, &mut ks).unwrap();
        ks
    }

    /// docs/decisions/0027: a version-2 seal writes the same bytes whether
    /// its keystream was prepared ahead (any length, shorter or longer than
    /// the data: the rest is computed on the spot) or computed on the spot,
    /// in one thread or pipelined, at every length around the pieces', the
    /// threshold's and the prepared buffer's edges; and they open.
    #[test]
    fn v2_prepared_and_on_the_spot_seals_write_the_same_bytes_and_open() {
        let s = sealer();
        let nonce = [0xa5u8; IV_LEN];
        let buffer = 3 * PIECE + 16;
        let ks = keystream(&s, &nonce, 4 * buffer);
        for len in [
            0,
            1,
            15,
            16,
            17,
            PIECE - 1,
            PIECE,
            PIECE + 1,
            PIPELINE_MIN - 1,
            PIPELINE_MIN,
            buffer - 1,
            buffer,
            buffer + 1,
            buffer + PIECE + 7,
            140_001,
        ] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let one = s.seal_v2_with(&nonce, &plain);
            assert_eq!(one[0], SEAL_V2);
            assert_eq!(one.len(), 1 + IV_LEN + len + TAG_LEN);
            for prepared in [0, 16, 100, PIECE, buffer, 4 * buffer] {
                let two = s.seal_v2_pipelined(&nonce, Some(&ks[..prepared]), &plain);
                assert_eq!(one, two, "length {len}, prepared {prepared}");
            }
            assert_eq!(
                s.seal_v2_pipelined(&nonce, None, &plain),
                one,
                "length {len}"
            );
            assert_eq!(s.open(&one).unwrap(), plain, "length {len}");
        }
    }

    /// Blobs written by the version-1 code (SM4-CBC + HMAC-SM3, before
    /// decision 0027; fixtures sealed with it under the master key `[7; 32]`,
    /// one of them through the pipelined path) still open; nothing is
    /// rewritten.
    #[test]
    fn v1_blobs_written_by_the_old_code_still_open() {
        let s = sealer();
        let small = hex::decode(include_str!("testdata/seal-v1-small.hex").trim()).unwrap();
        assert_eq!(small[0], SEAL_V1);
        assert_eq!(s.open_str(&small).unwrap(), "张三 110101199003078888");
        let big = include_bytes!("testdata/seal-v1-40000.bin");
        assert_eq!(big[0], SEAL_V1);
        let expect: Vec<u8> = (0..40_000usize).map(|i| (i * 31 % 251) as u8).collect();
        assert_eq!(s.open(big).unwrap(), expect);
        // The same format built from the primitives opens too, and a flipped
        // bit in a v1 blob is still refused.
        let iv = [9u8; IV_LEN];
        let mut old = vec![SEAL_V1];
        old.extend_from_slice(&iv);
        old.extend_from_slice(&sm4_cbc_encrypt(&s.enc, &iv, b"old").unwrap());
        let tag = hmac_sm3(&s.mac, &old);
        old.extend_from_slice(&tag);
        assert_eq!(s.open(&old).unwrap(), b"old");
        let mut bad = big.to_vec();
        bad[20_000] ^= 0x10;
        assert!(matches!(s.open(&bad), Err(StoreError::Unseal(_))));
        // Version 1 and version 2 keys differ (no key in two modes).
        assert_ne!(s.enc, s.ctr_enc);
        assert_ne!(s.mac, s.ctr_mac);
    }

    /// A version byte other than 1 or 2 is refused with the typed error, as
    /// before; so is a v2 blob too short to hold nonce and tag.
    #[test]
    fn an_unknown_version_is_refused_with_the_typed_error() {
        let s = sealer();
        let good = s.seal_str("处方");
        for v in [0u8, 3, 0xff] {
            let mut blob = good.clone();
            blob[0] = v;
            match s.open(&blob) {
                Err(StoreError::Unseal(m)) => assert!(m.contains("unknown version"), "{m}"),
                other => panic!("version {v}: {other:?}"),
            }
        }
        assert!(matches!(s.open(&[]), Err(StoreError::Unseal(_))));
        assert!(matches!(
            s.open(&good[..1 + IV_LEN + TAG_LEN - 1]),
            Err(StoreError::Unseal(_))
        ));
    }

    /// Any byte of a v2 blob changed (version, nonce, ciphertext where the
    /// keystream was prepared and where it was computed, tag), a byte cut
    /// off or added: refused.
    #[test]
    fn tampering_with_any_byte_of_a_v2_blob_is_refused() {
        let s = sealer();
        let nonce = [0x3cu8; IV_LEN];
        let plain: Vec<u8> = (0..PIPELINE_MIN + 100).map(|i| (i % 7) as u8).collect();
        let ks = keystream(&s, &nonce, PIECE);
        let sealed = s.seal_v2_pipelined(&nonce, Some(&ks), &plain);
        assert_eq!(s.open(&sealed).unwrap(), plain);
        let n = sealed.len();
        let mut positions: Vec<usize> = (0..64).chain(n - 64..n).collect();
        positions.extend((0..n).step_by(97));
        positions.extend([
            1 + IV_LEN + PIECE - 1,
            1 + IV_LEN + PIECE,
            1 + IV_LEN + PIECE + 1,
        ]);
        for i in positions {
            for bit in [0x01u8, 0x80] {
                let mut bad = sealed.clone();
                bad[i] ^= bit;
                assert!(s.open(&bad).is_err(), "flip {bit:#x} at {i} not detected");
            }
        }
        assert!(s.open(&sealed[..n - 1]).is_err());
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(s.open(&longer).is_err());
        // A small one, every byte, every bit position.
        let small = s.seal_str("110101199003078888");
        for i in 0..small.len() {
            for bit in 0..8 {
                let mut bad = small.clone();
                bad[i] ^= 1 << bit;
                assert!(s.open(&bad).is_err(), "bit {bit} at {i} not detected");
            }
        }
    }

    /// The counter blocks a v2 blob used: `[nonce, nonce + blocks)`.
    fn counter_range(blob: &[u8]) -> (u128, u128) {
        let nonce: [u8; IV_LEN] = blob[1..1 + IV_LEN].try_into().unwrap();
        let start = u128::from_be_bytes(nonce);
        let blocks = (blob.len() - 1 - IV_LEN - TAG_LEN).div_ceil(16) as u128;
        (start, start.wrapping_add(blocks))
    }

    /// No keystream is used twice: the same plaintext sealed again and again,
    /// large (prepared keystream when ready, computed when not) and small,
    /// gets a different nonce and ciphertext each time, and the counter
    /// ranges of all seals are pairwise disjoint.
    #[test]
    fn a_keystream_is_never_used_twice() {
        let s = sealer().with_prepared_keystream(PIPELINE_MIN + PIECE);
        let big = vec![0x42u8; PIPELINE_MIN + 5];
        let mut blobs = Vec::new();
        for round in 0..12 {
            if round % 3 == 0 {
                assert!(s.wait_for_prepared_keystream(std::time::Duration::from_secs(30)));
            }
            blobs.push(s.seal(&big));
            blobs.push(s.seal(b"same"));
        }
        let stats = s.keystream_stats();
        assert!(stats.prepared >= 4, "{stats:?}");
        assert_eq!(stats.prepared + stats.on_the_spot, 12, "{stats:?}");
        for (i, a) in blobs.iter().enumerate() {
            assert_eq!(a[0], SEAL_V2);
            let plain = s.open(a).unwrap();
            assert!(plain == big || plain == b"same");
            let (a0, a1) = counter_range(a);
            for b in &blobs[i + 1..] {
                assert_ne!(a[1..1 + IV_LEN], b[1..1 + IV_LEN], "a nonce repeated");
                assert_ne!(a[1 + IV_LEN..], b[1 + IV_LEN..], "a ciphertext repeated");
                let (b0, b1) = counter_range(b);
                // No wrap-around at these sizes unless a nonce is within a
                // few thousand of 2^128; then the check is skipped.
                if a0 < a1 && b0 < b1 {
                    assert!(a1 <= b0 || b1 <= a0, "counter ranges overlap");
                }
            }
        }
    }

    /// With no prepared keystream ready (the one there was taken and none is
    /// being computed: a seal that waited would hang here), a large seal
    /// computes its keystream on the spot under a fresh nonce; the seal
    /// opens, and it asks for the next keystream, sized after it.
    #[test]
    fn a_seal_with_no_prepared_keystream_ready_computes_it_without_waiting() {
        let s = sealer().with_prepared_keystream(PIECE);
        assert!(s.wait_for_prepared_keystream(std::time::Duration::from_secs(120)));
        assert!(s.keystream_ready());
        let taken = s.preparer.as_ref().unwrap().take().unwrap();
        assert!(!s.keystream_ready());
        let plain = vec![7u8; PIPELINE_MIN];
        let sealed = s.seal(&plain);
        assert_eq!(
            s.keystream_stats(),
            KeystreamStats {
                prepared: 1,
                on_the_spot: 1
            }
        );
        assert_eq!(s.open(&sealed).unwrap(), plain);
        assert_ne!(sealed[1..1 + IV_LEN], taken.nonce);
        // The next keystream is sized after the last large seal.
        assert!(s.wait_for_prepared_keystream(std::time::Duration::from_secs(120)));
        assert_eq!(
            s.prepared_keystream_len(),
            Some(next_prepared_len(PIPELINE_MIN))
        );
        assert_eq!(next_prepared_len(PIPELINE_MIN), 3 * PIECE);
        assert_eq!(next_prepared_len(140_000), 11 * PIECE);
        assert_eq!(next_prepared_len(1), PIPELINE_MIN);
        assert_eq!(next_prepared_len(usize::MAX), PREPARED_MAX);
        // Without a preparer every seal computes on the spot and counts nothing.
        assert_eq!(sealer().keystream_stats(), KeystreamStats::default());
        assert!(!sealer().keystream_ready());
    }

    /// The background thread lives as long as a clone of the sealer does
    /// and is stopped and joined when the last one is dropped, even in the
    /// middle of computing a keystream.
    #[test]
    fn the_keystream_preparer_stops_with_the_sealer() {
        let s = sealer().with_prepared_keystream(PIECE);
        assert!(s.wait_for_prepared_keystream(std::time::Duration::from_secs(30)));
        let probe = s.preparer_probe().unwrap();
        let clone = s.clone();
        drop(s);
        assert!(probe.alive());
        assert_eq!(
            clone.open(&clone.seal(&[1u8; PIPELINE_MIN])).unwrap(),
            [1u8; PIPELINE_MIN]
        );
        drop(clone);
        assert!(!probe.alive(), "the preparer thread outlived the sealer");
        // Dropped while a (large) keystream is being computed.
        let busy = sealer().with_prepared_keystream(64 << 20);
        let probe = busy.preparer_probe().unwrap();
        let t = std::time::Instant::now();
        drop(busy);
        assert!(!probe.alive());
        assert!(
            t.elapsed() < std::time::Duration::from_secs(10),
            "{:?}",
            t.elapsed()
        );
        assert!(sealer().preparer_probe().is_none());
    }

    /// The incremental HMAC-SM3 the pipelined MAC is built on agrees with the
    /// one-shot `hmac_sm3` however the input is cut.
    #[test]
    fn incremental_hmac_agrees_with_the_one_shot_primitive() {
        for len in 0..100usize {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut mac = HmacSm3::new(b"k");
            for part in plain.chunks(7) {
                mac.update(part);
            }
            assert_eq!(mac.finalize(), hmac_sm3(b"k", &plain));
        }
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

    /// Prepared buffer of the property test: not a multiple of a piece.
    const PROP_BUFFER: usize = 2 * PIECE + 48;

    fn prop_sealer() -> &'static Sealer {
        static S: std::sync::OnceLock<Sealer> = std::sync::OnceLock::new();
        S.get_or_init(|| sealer().with_prepared_keystream(PROP_BUFFER))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn open_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = sealer().open(&data);
        }
        /// Many sizes around the prepared buffer (smaller, equal, larger,
        /// more than twice), sealed one after another by one sealer whose
        /// keystream is sometimes ready and sometimes not: all round-trip.
        #[test]
        fn seals_around_the_prepared_buffer_size_round_trip(
            len in prop_oneof![
                0usize..64,
                PIPELINE_MIN - 40..PIPELINE_MIN + 40,
                PROP_BUFFER - 40..PROP_BUFFER + 40,
                2 * PROP_BUFFER - 20..2 * PROP_BUFFER + 60,
            ],
            seed in any::<u8>(),
        ) {
            let s = prop_sealer();
            let plain: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(seed | 1)).collect();
            let sealed = s.seal(&plain);
            prop_assert_eq!(sealed.len(), 1 + IV_LEN + len + TAG_LEN);
            prop_assert_eq!(s.open(&sealed).unwrap(), plain);
        }
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let s = sealer();
            prop_assert_eq!(s.open(&s.seal(&data)).unwrap(), data);
        }
    }
}
