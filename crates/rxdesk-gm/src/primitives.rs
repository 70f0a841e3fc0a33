//! The one module that touches the underlying 国密 crypto crates.
//!
//! Everything else in RxDesk (and in this crate) calls these wrappers, so the
//! implementation (RustCrypto `sm2`/`sm3`/`sm4` + `cbc`/`ecb` today, CTR written here over `sm4`'s block function, see
//! `docs/decisions/0001-gm-crypto-library.md`) can be swapped in one place.
//!
//! - **SM3** (GB/T 32905): [`sm3()`], [`Sm3Hasher`], [`hmac_sm3`] (keyed hash for
//!   searchable hashes of personal data).
//! - **SM4** (GB/T 32907): ECB and CBC with PKCS#7 padding, CTR (whole-block
//!   big-endian counter, as OpenSSL's `-sm4-ctr`), plus one raw block.
//! - **SM2** (GB/T 32918): [`PrivateKey`] / [`PublicKey`] parsed from and
//!   exported to PEM, PKCS#8/SPKI DER, raw hex/Base64 (`d`, `04‖X‖Y`, `X‖Y`);
//!   sign/verify SM2-with-SM3 with a configurable user id (default
//!   [`DEFAULT_USER_ID`]); [`Signature`] as raw `r‖s` (64 bytes) or DER.
//!
//! Signing is deterministic (RFC 6979 nonce derived with HMAC-SM3): the same
//! key and message give the same signature. Nothing here panics on bad input:
//! every parser returns a [`CryptoError`].
//!
//! Verification runs on our own variable-time SM2 arithmetic (the private
//! `sm2_verify` module: generator table, wNAF, no inversion), which redoes
//! every range check of GB/T 32918.2 itself; `Z_A` and `e = SM3(Z_A ‖ M)` are
//! computed here, and `Z_A` is kept per key for the first user id used. Signing and
//! key handling stay on RustCrypto `sm2` (constant-time). See
//! `docs/decisions/0002-sm2-verify-backend.md`.

mod sm2_verify;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use der::Decode;
use sm2::dsa::signature::{Signer, Verifier};
use sm2::elliptic_curve::Generate;
use sm2::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use sm3::Digest;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

/// Re-export of the RNG traits key generation accepts (`rand_core` 0.10).
pub use sm2::elliptic_curve::rand_core;

/// GB/T 35275 / GM/T 0009 default SM2 user id (`ENTL` = 0x0080).
pub const DEFAULT_USER_ID: &str = "1234567812345678";

/// OID of the SM2 curve (`sm2p256v1`), also used by some CAs as the SPKI algorithm.
pub const OID_SM2_CURVE: &str = "1.2.156.10197.1.301";
/// OID `id-ecPublicKey` (RFC 5480).
pub const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// Errors of the primitive layer. The messages name what failed, never key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A key could not be parsed (wrong length, not on the curve, zero, bad PEM/DER…).
    #[error("invalid SM2 {kind} key: {detail}")]
    InvalidKey {
        /// `"private"` or `"public"`.
        kind: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A signature could not be decoded (wrong length, bad DER, r or s out of range).
    #[error("invalid SM2 signature encoding: {0}")]
    InvalidSignatureEncoding(String),
    /// The signature does not verify for this key, user id and message.
    #[error("SM2 signature does not verify")]
    BadSignature,
    /// The user id is too long (ENTL is 16 bits of *bits*: at most 8191 bytes).
    #[error("SM2 user id too long ({0} bytes, max 8191)")]
    UserIdTooLong(usize),
    /// An SM4 key or IV of the wrong length.
    #[error("SM4 {what} must be 16 bytes, got {got}")]
    InvalidLength {
        /// `"key"` or `"iv"`.
        what: &'static str,
        /// Length received.
        got: usize,
    },
    /// SM4 ciphertext not a multiple of 16 bytes, or PKCS#7 padding wrong.
    #[error("SM4 decryption failed: bad length or padding")]
    BadPadding,
    /// Hex or Base64 text could not be decoded.
    #[error("bad {0} text")]
    BadText(&'static str),
    /// Key generation failed (the system RNG failed).
    #[error("key generation failed: {0}")]
    Rng(String),
}

type Result<T> = std::result::Result<T, CryptoError>;

// ---------------------------------------------------------------- SM3

/// SM3 digest of `data` (32 bytes).
pub fn sm3(data: &[u8]) -> [u8; 32] {
    sm3::Sm3::digest(data).into()
}

/// Incremental SM3.
#[derive(Clone, Default)]
pub struct Sm3Hasher(sm3::Sm3);

impl Sm3Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self(sm3::Sm3::new())
    }
    /// Feed bytes.
    pub fn update(&mut self, data: &[u8]) {
        Digest::update(&mut self.0, data);
    }
    /// The digest.
    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

impl fmt::Debug for Sm3Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm3Hasher")
    }
}

/// HMAC-SM3 (RFC 2104 with SM3) of `data` under `key` (any length).
///
/// Use it for searchable/keyed hashes of personal data (e.g. an ID number),
/// so the stored value cannot be brute-forced without the key.
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::Mac;
    // SimpleHmac accepts any key length, so `new_from_slice` cannot fail.
    let mut mac = match <hmac::SimpleHmac<sm3::Sm3> as KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable_hmac(),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// HMAC-SM3 fed in pieces: the same tag as [`hmac_sm3`] over the
/// concatenation of every `update`.
pub struct HmacSm3(hmac::SimpleHmac<sm3::Sm3>);

impl HmacSm3 {
    /// A MAC under `key` (any length).
    pub fn new(key: &[u8]) -> Self {
        match <hmac::SimpleHmac<sm3::Sm3> as KeyInit>::new_from_slice(key) {
            Ok(m) => Self(m),
            Err(_) => unreachable_hmac(),
        }
    }

    /// Absorbs the next piece of the message.
    pub fn update(&mut self, data: &[u8]) {
        use hmac::Mac;
        self.0.update(data);
    }

    /// The tag.
    pub fn finalize(self) -> [u8; 32] {
        use hmac::Mac;
        self.0.finalize().into_bytes().into()
    }
}

#[cold]
fn unreachable_hmac() -> ! {
    // HMAC is defined for keys of every length; SimpleHmac never rejects one.
    unreachable!("HMAC accepts keys of any length")
}

// ---------------------------------------------------------------- SM4

fn sm4_key(key: &[u8]) -> Result<[u8; 16]> {
    key.try_into().map_err(|_| CryptoError::InvalidLength {
        what: "key",
        got: key.len(),
    })
}

fn sm4_iv(iv: &[u8]) -> Result<[u8; 16]> {
    iv.try_into().map_err(|_| CryptoError::InvalidLength {
        what: "iv",
        got: iv.len(),
    })
}

/// Encrypt one 16-byte block with SM4 (no mode, no padding).
pub fn sm4_encrypt_block(key: &[u8], block: &[u8; 16]) -> Result<[u8; 16]> {
    let k = sm4_key(key)?;
    let cipher = sm4::Sm4::new(&k.into());
    let mut b = (*block).into();
    cipher.encrypt_block(&mut b);
    Ok(b.into())
}

/// SM4-ECB with PKCS#7 padding (always adds 1..=16 bytes).
pub fn sm4_ecb_encrypt(key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let k = sm4_key(key)?;
    Ok(ecb::Encryptor::<sm4::Sm4>::new(&k.into()).encrypt_padded_vec::<Pkcs7>(plaintext))
}

/// Inverse of [`sm4_ecb_encrypt`]; `Err(BadPadding)` on a bad length or padding.
pub fn sm4_ecb_decrypt(key: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
    let k = sm4_key(key)?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(CryptoError::BadPadding);
    }
    ecb::Decryptor::<sm4::Sm4>::new(&k.into())
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| CryptoError::BadPadding)
}

/// SM4-CBC with PKCS#7 padding.
pub fn sm4_cbc_encrypt(key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let k = sm4_key(key)?;
    let iv = sm4_iv(iv)?;
    Ok(cbc::Encryptor::<sm4::Sm4>::new(&k.into(), &iv.into())
        .encrypt_padded_vec::<Pkcs7>(plaintext))
}

/// Inverse of [`sm4_cbc_encrypt`]; `Err(BadPadding)` on a bad length or padding.
pub fn sm4_cbc_decrypt(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
    let k = sm4_key(key)?;
    let iv = sm4_iv(iv)?;
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(CryptoError::BadPadding);
    }
    cbc::Decryptor::<sm4::Sm4>::new(&k.into(), &iv.into())
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| CryptoError::BadPadding)
}

/// Counter block `counter + blocks`: the whole 16-byte block is one
/// big-endian integer that wraps at 2^128 (the increment of NIST SP 800-38A
/// and of OpenSSL's `-sm4-ctr`).
pub fn sm4_ctr_counter_add(counter: &[u8; 16], blocks: u64) -> [u8; 16] {
    u128::from_be_bytes(*counter)
        .wrapping_add(u128::from(blocks))
        .to_be_bytes()
}

/// SM4-CTR: XORs `data` in place with the keystream that starts at counter
/// block `counter` (E(counter), E(counter + 1), …, the last block cut to
/// the data's length). Encryption and decryption are the same operation;
/// no padding. A (key, counter block) pair must never encrypt two different
/// messages: the caller hands out counter ranges that do not overlap.
pub fn sm4_ctr_apply(key: &[u8], counter: &[u8], data: &mut [u8]) -> Result<()> {
    let k = sm4_key(key)?;
    let mut ctr = u128::from_be_bytes(sm4_iv(counter)?);
    let cipher = sm4::Sm4::new(&k.into());
    for chunk in data.chunks_mut(16) {
        let mut block = ctr.to_be_bytes().into();
        cipher.encrypt_block(&mut block);
        let block: [u8; 16] = block.into();
        for (d, s) in chunk.iter_mut().zip(block) {
            *d ^= s;
        }
        ctr = ctr.wrapping_add(1);
    }
    Ok(())
}

/// The SM4-CTR keystream itself from counter block `counter`, written over
/// `out` (any length): what [`sm4_ctr_apply`] XORs into the data, so it can
/// be computed before the data exists.
pub fn sm4_ctr_keystream(key: &[u8], counter: &[u8], out: &mut [u8]) -> Result<()> {
    out.fill(0);
    sm4_ctr_apply(key, counter, out)
}

// ---------------------------------------------------------------- text helpers

fn decode_hex(s: &str) -> Result<Vec<u8>> {
    hex::decode(s.trim()).map_err(|_| CryptoError::BadText("hex"))
}

fn decode_b64(s: &str) -> Result<Vec<u8>> {
    let cleaned: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    B64.decode(cleaned)
        .map_err(|_| CryptoError::BadText("Base64"))
}

fn check_user_id(user_id: &str) -> Result<()> {
    if user_id.len() > 8191 {
        return Err(CryptoError::UserIdTooLong(user_id.len()));
    }
    Ok(())
}

// ---------------------------------------------------------------- SM2 keys

/// An SM2 private key. `Debug` never prints the scalar.
#[derive(Clone)]
pub struct PrivateKey(sm2::SecretKey);

fn priv_err(detail: impl Into<String>) -> CryptoError {
    CryptoError::InvalidKey {
        kind: "private",
        detail: detail.into(),
    }
}

fn pub_err(detail: impl Into<String>) -> CryptoError {
    CryptoError::InvalidKey {
        kind: "public",
        detail: detail.into(),
    }
}

impl PrivateKey {
    /// A new random key from the system RNG.
    pub fn generate() -> Result<Self> {
        sm2::SecretKey::try_generate()
            .map(Self)
            .map_err(|e| CryptoError::Rng(e.to_string()))
    }

    /// A new random key from `rng`.
    pub fn generate_from_rng<R: rand_core::CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(sm2::SecretKey::generate_from_rng(rng))
    }

    /// From the big-endian scalar `d`: 32 bytes, or 33 with a leading 0x00
    /// (Java `BigInteger` sign byte), or fewer (left-padded).
    pub fn from_bytes(d: &[u8]) -> Result<Self> {
        let d = match d {
            [0, rest @ ..] if d.len() == 33 => rest,
            _ => d,
        };
        if d.is_empty() || d.len() > 32 {
            return Err(priv_err(format!(
                "scalar must be 1..=32 bytes, got {}",
                d.len()
            )));
        }
        let mut buf = [0u8; 32];
        buf[32 - d.len()..].copy_from_slice(d);
        sm2::SecretKey::from_slice(&buf)
            .map(Self)
            .map_err(|_| priv_err("scalar is zero or not below the curve order"))
    }

    /// From hex of `d`.
    pub fn from_hex(s: &str) -> Result<Self> {
        Self::from_bytes(&decode_hex(s)?)
    }

    /// From Base64 of `d` (as docs/reference/wire-protocol.md §3.6 distributes app keys).
    pub fn from_base64(s: &str) -> Result<Self> {
        Self::from_bytes(&decode_b64(s)?)
    }

    /// From PKCS#8 DER (`id-ecPublicKey` + SM2 curve, or the SM2 OID as algorithm).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        if let Ok(k) = sm2::SecretKey::from_pkcs8_der(der) {
            return Ok(Self(k));
        }
        // Fallback: algorithm OID 1.2.156.10197.1.301 with an embedded SEC1 key.
        let info = sm2::pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|e| priv_err(format!("not PKCS#8 DER: {e}")))?;
        let alg = info.algorithm.oid.to_string();
        if alg != OID_SM2_CURVE && alg != OID_EC_PUBLIC_KEY {
            return Err(priv_err(format!("not an SM2 key (algorithm {alg})")));
        }
        sm2::SecretKey::from_sec1_der(info.private_key.as_bytes())
            .map(Self)
            .map_err(|e| priv_err(format!("bad EC private key: {e}")))
    }

    /// From PEM: `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` (SEC1, OpenSSL's legacy form).
    pub fn from_pem(pem: &str) -> Result<Self> {
        let (label, der) = pem_decode(pem).map_err(priv_err)?;
        match label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "EC PRIVATE KEY" => sm2::SecretKey::from_sec1_der(&der)
                .map(Self)
                .map_err(|e| priv_err(format!("bad SEC1 key: {e}"))),
            other => Err(priv_err(format!("unexpected PEM label {other:?}"))),
        }
    }

    /// The 32-byte big-endian scalar `d`.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes().into()
    }

    /// Lower-case hex of `d`.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }

    /// Base64 of `d`.
    pub fn to_base64(&self) -> String {
        B64.encode(self.to_bytes())
    }

    /// PKCS#8 DER (as OpenSSL writes it: `id-ecPublicKey` + SM2 curve).
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>> {
        self.0
            .to_pkcs8_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|e| priv_err(e.to_string()))
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> Result<String> {
        self.0
            .to_pkcs8_pem(sm2::pkcs8::LineEnding::LF)
            .map(|s| s.to_string())
            .map_err(|e| priv_err(e.to_string()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::wrap(self.0.public_key())
    }

    /// SM2-with-SM3 signature of `msg` with `user_id` (ZA ‖ msg hashed with SM3).
    pub fn sign(&self, msg: &[u8], user_id: &str) -> Result<Signature> {
        check_user_id(user_id)?;
        let sk = sm2::dsa::SigningKey::new(user_id, &self.0)
            .map_err(|_| CryptoError::UserIdTooLong(user_id.len()))?;
        Ok(Signature(sk.sign(msg)))
    }

    /// Sign with [`DEFAULT_USER_ID`].
    pub fn sign_default(&self, msg: &[u8]) -> Signature {
        // The default user id is short, so this cannot fail.
        match self.sign(msg, DEFAULT_USER_ID) {
            Ok(s) => s,
            Err(_) => unreachable!("default user id is valid"),
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(SM2, public {})", self.public_key().to_hex())
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for PrivateKey {}

/// An SM2 public key (a point on sm2p256v1).
///
/// Besides RustCrypto's key it keeps the point in the form the fast verify
/// uses and, once a signature has been verified, `Z_A` for that user id
/// (hospital keys verify many prescriptions with the same id).
#[derive(Clone)]
pub struct PublicKey {
    inner: sm2::PublicKey,
    /// Always `Some` for a key RustCrypto accepted (same curve checks);
    /// `None` would fall back to RustCrypto's verify.
    fast: Option<sm2_verify::FastKey>,
    /// `(user id, Z_A)` of the first user id this key computed `Z_A` for.
    za: OnceLock<(String, [u8; 32])>,
    /// The key's link to its nibble table for [`PublicKey::verify_cached`]
    /// (the table itself is owned by the process-wide bounded registry),
    /// shared by every clone (a certificate's key is shared by every parse
    /// of it).
    cached: Arc<CachedTable>,
}

/// How many signatures a key verifies through [`PublicKey::verify_cached`]
/// before its table is built (the table costs about six untabled
/// verifications: a key seen once or twice never pays for it). A key whose
/// table was evicted counts again from zero.
const TABLE_AFTER_USES: u32 = 3;

/// How many key tables the process keeps by default (each 60 KiB: 1.9 MiB
/// in all). A pharmacy sees prescriptions from a few dozen hospital keys at
/// most; the least recently used table goes first. See
/// [`set_key_table_limit`].
pub const KEY_TABLES_DEFAULT_LIMIT: usize = 32;

/// Bytes of one key table (960 affine points of 64 bytes).
pub const KEY_TABLE_BYTES: usize = sm2_verify::KEY_TABLE_BYTES;

/// The process-wide set of key tables: the only strong references to them
/// (a key keeps a `Weak`), so their number, and the memory, is bounded by
/// the limit. A verification in progress holds its table for its own
/// duration only, so an evicted table outlives its eviction by at most one
/// verification per thread.
struct TableRegistry {
    limit: usize,
    tables: Vec<Arc<TableEntry>>,
}

struct TableEntry {
    table: sm2_verify::KeyTable,
    /// [`TABLE_CLOCK`] at the table's last use (least recently used goes first).
    last_used: AtomicU64,
}

static TABLE_CLOCK: AtomicU64 = AtomicU64::new(0);

fn table_registry() -> MutexGuard<'static, TableRegistry> {
    static REGISTRY: Mutex<TableRegistry> = Mutex::new(TableRegistry {
        limit: KEY_TABLES_DEFAULT_LIMIT,
        tables: Vec::new(),
    });
    // The registry is consistent after every statement: a panic elsewhere
    // while it was held leaves it usable.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TableRegistry {
    fn evict_to(&mut self, keep: usize) {
        while self.tables.len() > keep {
            let oldest = self
                .tables
                .iter()
                .enumerate()
                .min_by_key(|(_, t)| t.last_used.load(Ordering::Relaxed))
                .map(|(i, _)| i)
                .unwrap_or(0);
            self.tables.swap_remove(oldest);
        }
    }
}

/// Set how many per-key verification tables the process keeps (decision
/// 0015); `0` turns them off (every verification then computes `t·P` by
/// wNAF, as [`PublicKey::verify`] does). Tables beyond the new limit are
/// dropped at once, least recently used first. Verdicts never depend on it.
pub fn set_key_table_limit(limit: usize) {
    let mut reg = table_registry();
    reg.limit = limit;
    reg.evict_to(limit);
}

/// How many per-key verification tables the process keeps now (at most the
/// limit of [`set_key_table_limit`]; [`KEY_TABLE_BYTES`] each).
pub fn key_table_count() -> usize {
    table_registry().tables.len()
}

/// A key's link to its table, shared by every clone of the key.
#[derive(Default)]
struct CachedTable(Mutex<TableSlot>);

#[derive(Default)]
struct TableSlot {
    /// Verifications through [`PublicKey::verify_cached`] without a table.
    uses: u32,
    /// `Some` once a table was built for the key; dead once it was evicted.
    table: Option<Weak<TableEntry>>,
}

impl CachedTable {
    /// The key's table, building it on the key's [`TABLE_AFTER_USES`]th
    /// verification; `None` before that or when tables are off.
    fn get(&self, fast: &sm2_verify::FastKey) -> Option<Arc<TableEntry>> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(weak) = &slot.table {
            if let Some(entry) = weak.upgrade() {
                entry.last_used.store(
                    TABLE_CLOCK.fetch_add(1, Ordering::Relaxed),
                    Ordering::Relaxed,
                );
                return Some(entry);
            }
            // Evicted: the key earns a table again like a new one.
            slot.table = None;
            slot.uses = 0;
        }
        slot.uses = slot.uses.saturating_add(1);
        if slot.uses < TABLE_AFTER_USES || table_registry().limit == 0 {
            return None;
        }
        // Built with the key's slot held (another thread verifying with the
        // same key waits for it, once); the registry is locked only to insert.
        let entry = Arc::new(TableEntry {
            table: sm2_verify::KeyTable::new(fast),
            last_used: AtomicU64::new(TABLE_CLOCK.fetch_add(1, Ordering::Relaxed)),
        });
        let mut reg = table_registry();
        if reg.limit == 0 {
            return None;
        }
        let keep = reg.limit - 1;
        reg.evict_to(keep);
        reg.tables.push(Arc::clone(&entry));
        drop(reg);
        slot.table = Some(Arc::downgrade(&entry));
        Some(entry)
    }

    fn is_built(&self) -> bool {
        let slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        slot.table.as_ref().is_some_and(|w| w.strong_count() > 0)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}
impl Eq for PublicKey {}

/// GB/T 32918.5 curve parameters `a ‖ b ‖ xG ‖ yG` as hashed into `Z_A`.
const ZA_CURVE: [u8; 128] = {
    const HEX: &[u8; 256] = b"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC\
28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93\
32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7\
BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";
    const fn nib(c: u8) -> u8 {
        if c <= b'9' {
            c - b'0'
        } else {
            c - b'A' + 10
        }
    }
    let mut out = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        out[i] = (nib(HEX[2 * i]) << 4) | nib(HEX[2 * i + 1]);
        i += 1;
    }
    out
};

impl PublicKey {
    fn wrap(inner: sm2::PublicKey) -> Self {
        let v = inner.to_sec1_bytes();
        let fast = v
            .get(1..65)
            .and_then(|xy| <&[u8; 64]>::try_from(xy).ok())
            .and_then(sm2_verify::FastKey::from_xy);
        Self {
            inner,
            fast,
            za: OnceLock::new(),
            cached: Arc::default(),
        }
    }

    /// From SEC1 bytes: `04‖X‖Y` (65), compressed `02/03‖X` (33), or bare `X‖Y` (64).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let owned;
        let sec1 = if bytes.len() == 64 {
            owned = [&[4u8][..], bytes].concat();
            &owned[..]
        } else {
            bytes
        };
        if !matches!(sec1.len(), 33 | 65) {
            return Err(pub_err(format!(
                "expected 64, 65 or 33 bytes, got {}",
                bytes.len()
            )));
        }
        sm2::PublicKey::from_sec1_bytes(sec1)
            .map(Self::wrap)
            .map_err(|_| pub_err("not a point on the SM2 curve"))
    }

    /// From hex of `04‖X‖Y` or `X‖Y`.
    pub fn from_hex(s: &str) -> Result<Self> {
        Self::from_bytes(&decode_hex(s)?)
    }

    /// From Base64 of `04‖X‖Y` or `X‖Y`.
    pub fn from_base64(s: &str) -> Result<Self> {
        Self::from_bytes(&decode_b64(s)?)
    }

    /// From SubjectPublicKeyInfo DER (`id-ecPublicKey` + SM2 curve, or the SM2 OID as algorithm).
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let spki = spki::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| pub_err(format!("not SPKI DER: {e}")))?;
        Self::from_spki(&spki)
    }

    /// From a decoded SubjectPublicKeyInfo (e.g. a certificate's).
    pub fn from_spki(spki: &spki::SubjectPublicKeyInfoRef<'_>) -> Result<Self> {
        let alg = spki.algorithm.oid.to_string();
        if alg == OID_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
                .map(|o| o.to_string());
            if curve.as_deref() != Some(OID_SM2_CURVE) {
                return Err(pub_err(format!("EC key not on the SM2 curve ({curve:?})")));
            }
        } else if alg != OID_SM2_CURVE {
            return Err(pub_err(format!("not an SM2 key (algorithm {alg})")));
        }
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| pub_err("public key BIT STRING has unused bits"))?;
        Self::from_bytes(bits)
    }

    /// From PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_pem(pem: &str) -> Result<Self> {
        let (label, der) = pem_decode(pem).map_err(pub_err)?;
        if label != "PUBLIC KEY" {
            return Err(pub_err(format!("unexpected PEM label {label:?}")));
        }
        Self::from_spki_der(&der)
    }

    /// Uncompressed SEC1 `04‖X‖Y` (65 bytes).
    pub fn to_sec1(&self) -> [u8; 65] {
        let v = self.inner.to_sec1_bytes();
        let mut out = [0u8; 65];
        if v.len() == 65 {
            out.copy_from_slice(&v);
        }
        out
    }

    /// Bare `X‖Y` (64 bytes).
    pub fn to_xy(&self) -> [u8; 64] {
        let s = self.to_sec1();
        let mut out = [0u8; 64];
        out.copy_from_slice(&s[1..]);
        out
    }

    /// Lower-case hex of `04‖X‖Y`.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_sec1())
    }

    /// Base64 of `04‖X‖Y`.
    pub fn to_base64(&self) -> String {
        B64.encode(self.to_sec1())
    }

    /// SubjectPublicKeyInfo DER (`id-ecPublicKey` + SM2 curve).
    pub fn to_spki_der(&self) -> Result<Vec<u8>> {
        self.inner
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|e| pub_err(e.to_string()))
    }

    /// SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_pem(&self) -> Result<String> {
        self.inner
            .to_public_key_pem(sm2::pkcs8::LineEnding::LF)
            .map_err(|e| pub_err(e.to_string()))
    }

    /// `Z_A` = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) for `user_id`.
    pub fn za(&self, user_id: &str) -> Result<[u8; 32]> {
        check_user_id(user_id)?;
        if let Some((id, za)) = self.za.get() {
            if id == user_id {
                return Ok(*za);
            }
        }
        let mut h = Sm3Hasher::new();
        h.update(&((user_id.len() * 8) as u16).to_be_bytes());
        h.update(user_id.as_bytes());
        h.update(&ZA_CURVE);
        h.update(&self.to_xy());
        let za = h.finalize();
        // Keep the first id seen; another id is simply recomputed each time.
        let _ = self.za.set((user_id.to_owned(), za));
        Ok(za)
    }

    /// Verify an SM2-with-SM3 signature over `msg` with `user_id`.
    pub fn verify(&self, msg: &[u8], sig: &Signature, user_id: &str) -> Result<()> {
        self.verify_parts(&[msg], sig, user_id)
    }

    /// [`Self::verify`] of the message `parts` concatenated, hashed in
    /// place.
    fn verify_parts(&self, parts: &[&[u8]], sig: &Signature, user_id: &str) -> Result<()> {
        check_user_id(user_id)?;
        let Some(fast) = &self.fast else {
            // Not reached for keys RustCrypto accepted; kept as a safe fallback.
            let vk = sm2::dsa::VerifyingKey::new(user_id, self.inner)
                .map_err(|_| CryptoError::UserIdTooLong(user_id.len()))?;
            return vk
                .verify(&parts.concat(), &sig.0)
                .map_err(|_| CryptoError::BadSignature);
        };
        let (e, r, s) = self.digest_parts(parts, sig, user_id)?;
        if sm2_verify::verify_digest(fast, &e, &r, &s) {
            Ok(())
        } else {
            Err(CryptoError::BadSignature)
        }
    }

    /// [`Self::verify`] for a key that verifies many signatures (a hospital
    /// certificate's: every prescription it signed carries two). From the
    /// key's third call on, `t·P` is summed from a table of the key's
    /// multiples ([`KEY_TABLE_BYTES`]), built once and shared by every clone
    /// of the key; the process keeps at most [`set_key_table_limit`] tables
    /// (least recently used dropped first). The range checks, the digest and
    /// the final comparison are those of [`Self::verify`], and the verdict is
    /// the same (docs/decisions/0015-verification-key-tables.md).
    pub fn verify_cached(&self, msg: &[u8], sig: &Signature, user_id: &str) -> Result<()> {
        self.verify_cached_parts(&[msg], sig, user_id)
    }

    /// [`Self::verify_cached`] of the message `parts` concatenated, hashed
    /// in place (CMS: the signed attributes with their first byte replaced,
    /// without copying them; decision 0032).
    pub(crate) fn verify_cached_parts(
        &self,
        parts: &[&[u8]],
        sig: &Signature,
        user_id: &str,
    ) -> Result<()> {
        let Some(fast) = &self.fast else {
            return self.verify_parts(parts, sig, user_id);
        };
        let Some(entry) = self.cached.get(fast) else {
            return self.verify_parts(parts, sig, user_id);
        };
        if entry.table.key() != fast {
            // Cannot happen (the table is built from this key); never trust a mismatch.
            return self.verify_parts(parts, sig, user_id);
        }
        let (e, r, s) = self.digest_parts(parts, sig, user_id)?;
        if sm2_verify::verify_digest_table(&entry.table, &e, &r, &s) {
            Ok(())
        } else {
            Err(CryptoError::BadSignature)
        }
    }

    /// Whether this key has a table for [`Self::verify_cached`] now (built
    /// and not evicted).
    pub fn has_cached_table(&self) -> bool {
        self.cached.is_built()
    }

    /// `e = SM3(Z_A ‖ parts…)` and the signature's `r`, `s` (big-endian).
    fn digest_parts(
        &self,
        parts: &[&[u8]],
        sig: &Signature,
        user_id: &str,
    ) -> Result<([u8; 32], [u8; 32], [u8; 32])> {
        let za = self.za(user_id)?;
        let mut h = Sm3Hasher::new();
        h.update(&za);
        for part in parts {
            h.update(part);
        }
        let e = h.finalize();
        let raw = sig.to_raw();
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&raw[..32]);
        s.copy_from_slice(&raw[32..]);
        Ok((e, r, s))
    }

    /// Verify with [`DEFAULT_USER_ID`].
    pub fn verify_default(&self, msg: &[u8], sig: &Signature) -> Result<()> {
        self.verify(msg, sig, DEFAULT_USER_ID)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

// ---------------------------------------------------------------- signatures

/// How a signature is encoded on the wire: pick it from the interface
/// profile, never guess from the length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// 64 bytes `r‖s`, each 32-byte big-endian (docs/reference/wire-protocol.md §3.6 `signData`).
    Raw,
    /// DER `SEQUENCE { INTEGER r, INTEGER s }` (OpenSSL, CMS).
    Der,
}

/// An SM2 signature `(r, s)` with `r, s ∈ [1, n−1]` (checked at decode).
#[derive(Clone, PartialEq, Eq)]
pub struct Signature(sm2::dsa::Signature);

impl Signature {
    /// From raw 64-byte `r‖s`.
    pub fn from_raw(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 64 {
            return Err(CryptoError::InvalidSignatureEncoding(format!(
                "raw r||s must be 64 bytes, got {}",
                bytes.len()
            )));
        }
        sm2::dsa::Signature::from_slice(bytes)
            .map(Self)
            .map_err(|_| CryptoError::InvalidSignatureEncoding("r or s out of range".into()))
    }

    /// From DER `SEQUENCE { r, s }`.
    pub fn from_der(bytes: &[u8]) -> Result<Self> {
        // The shape every signer writes, read in place (decision 0032: the
        // `der` decoding was ≈ 1.6k instructions a signature, two a
        // prescription); the range checks are `from_raw`'s, which are
        // RustCrypto's. Anything else is decoded by RustCrypto as before.
        // Property test `der_fast_path_is_rustcrypto` below.
        if let Some(raw) = der_signature_raw(bytes) {
            return Self::from_raw(&raw).map_err(|_| {
                CryptoError::InvalidSignatureEncoding("bad DER or r/s out of range".into())
            });
        }
        sm2::dsa::Signature::from_der(bytes).map(Self).map_err(|_| {
            CryptoError::InvalidSignatureEncoding("bad DER or r/s out of range".into())
        })
    }

    /// Decode with an explicit encoding.
    pub fn decode(bytes: &[u8], encoding: SignatureEncoding) -> Result<Self> {
        match encoding {
            SignatureEncoding::Raw => Self::from_raw(bytes),
            SignatureEncoding::Der => Self::from_der(bytes),
        }
    }

    /// Raw `r‖s`.
    pub fn to_raw(&self) -> [u8; 64] {
        self.0.to_bytes().into()
    }

    /// DER `SEQUENCE { r, s }`.
    pub fn to_der(&self) -> Vec<u8> {
        self.0.to_der().as_bytes().to_vec()
    }

    /// Encode with an explicit encoding.
    pub fn encode(&self, encoding: SignatureEncoding) -> Vec<u8> {
        match encoding {
            SignatureEncoding::Raw => self.to_raw().to_vec(),
            SignatureEncoding::Der => self.to_der(),
        }
    }
}

/// `r ‖ s` (32 bytes each) of a DER `SEQUENCE { INTEGER r, INTEGER s }` in
/// the one shape strict DER allows for two non-negative integers of at
/// most 256 bits: a short-form SEQUENCE length, short-form INTEGER lengths
/// of 1 to 33 bytes, each INTEGER minimal (no leading `00` unless the next
/// byte has its top bit set, which a 33-byte one must) and non-negative, and
/// nothing after. `None` for anything else (the caller then decodes it with
/// RustCrypto).
fn der_signature_raw(der: &[u8]) -> Option<[u8; 64]> {
    let [0x30, len, body @ ..] = der else {
        return None;
    };
    if usize::from(*len) != body.len() || *len >= 0x80 {
        return None;
    }
    let mut raw = [0u8; 64];
    let mut rest = body;
    for half in raw.chunks_exact_mut(32) {
        let [0x02, n, tail @ ..] = rest else {
            return None;
        };
        let n = usize::from(*n);
        let value = tail.get(..n)?;
        rest = &tail[n..];
        let magnitude = match value {
            [] => return None,
            [first, ..] if *first >= 0x80 => return None,
            [0, second, ..] if *second < 0x80 => return None,
            [0, m @ ..] if !m.is_empty() => m,
            m => m,
        };
        if magnitude.len() > 32 {
            return None;
        }
        half[32 - magnitude.len()..].copy_from_slice(magnitude);
    }
    rest.is_empty().then_some(raw)
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.to_raw()))
    }
}

// ---------------------------------------------------------------- PEM

/// Decode one PEM block: (label, DER). Tolerates text before the block
/// (as `openssl ca` writes without `-notext`).
pub fn pem_decode(text: &str) -> std::result::Result<(String, Vec<u8>), String> {
    let start = text.find("-----BEGIN ").ok_or("no PEM BEGIN line")?;
    let text = &text[start..];
    let (label, der) =
        der::pem::decode_vec(text.as_bytes()).map_err(|e| format!("bad PEM: {e}"))?;
    Ok((label.to_string(), der))
}

/// Decode every PEM block in `text` (certificate bundles).
pub fn pem_decode_all(text: &str) -> std::result::Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let end_marker = block
            .find("-----END ")
            .ok_or("PEM block without END line")?;
        let after_end = &block[end_marker..];
        let close = after_end[9..]
            .find("-----")
            .map(|i| end_marker + 9 + i + 5)
            .ok_or("PEM END line not closed")?;
        let (label, der) = pem_decode(&block[..close])?;
        out.push((label, der));
        rest = &block[close..];
    }
    Ok(out)
}

/// Encode DER as PEM with `label`.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{der_signature_raw, Signature};
    use proptest::prelude::*;

    /// RustCrypto's decoding, as `Signature::from_der` was before decision
    /// 0032.
    fn theirs(der: &[u8]) -> Option<[u8; 64]> {
        sm2::dsa::Signature::from_der(der)
            .ok()
            .map(|s| s.to_bytes().into())
    }

    fn ours(der: &[u8]) -> Option<[u8; 64]> {
        Signature::from_der(der).ok().map(|s| s.to_raw())
    }

    /// An INTEGER's contents: a magnitude of up to 34 bytes, often with a
    /// leading zero or a high first byte, sometimes empty.
    fn integer() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 31..=33),
            proptest::collection::vec(any::<u8>(), 0..=34),
            (proptest::collection::vec(any::<u8>(), 30..=32)).prop_map(|mut v| {
                v.insert(0, 0);
                v
            }),
            Just(vec![0]),
            Just(vec![1]),
            Just(vec![0, 0]),
        ]
    }

    fn encode(r: &[u8], s: &[u8]) -> Vec<u8> {
        let mut body = vec![0x02, r.len() as u8];
        body.extend_from_slice(r);
        body.extend_from_slice(&[0x02, s.len() as u8]);
        body.extend_from_slice(s);
        let mut der = vec![0x30, body.len() as u8];
        der.extend(body);
        der
    }

    #[test]
    fn real_signatures_take_the_fast_path() {
        let key = crate::PrivateKey::generate().unwrap();
        for i in 0..64u32 {
            let sig = key.sign(&i.to_be_bytes(), crate::DEFAULT_USER_ID).unwrap();
            let der = sig.to_der();
            assert_eq!(der_signature_raw(&der), Some(sig.to_raw()));
            assert_eq!(ours(&der), theirs(&der));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        /// Any pair of integers, encoded, then maybe one byte changed,
        /// removed or appended: the same signature or the same refusal as
        /// RustCrypto.
        #[test]
        fn der_fast_path_is_rustcrypto(
            r in integer(),
            s in integer(),
            edit in 0u8..4,
            at in any::<usize>(),
            to in any::<u8>(),
        ) {
            let mut der = encode(&r, &s);
            let i = at % der.len();
            match edit {
                1 => der[i] = to,
                2 => { der.remove(i); }
                3 => der.push(to),
                _ => {}
            }
            prop_assert_eq!(ours(&der), theirs(&der));
        }
    }
}
