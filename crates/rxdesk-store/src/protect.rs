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
//! - **sealing**: SM4-CBC (random IV) then HMAC-SM3 over version‖IV‖ciphertext
//!   (encrypt-then-MAC: a flipped bit is an error, never garbage plaintext);
//! - **lookup**: a keyed SM3 hash of a normalised ID number, so a patient's
//!   prescriptions are found without storing the number in clear;
//! - **audit chain**: the key of the hash-chained audit log.
//!
//! All crypto comes from `rxdesk_gm::primitives`; nothing here is home-made.

use crate::error::{Result, StoreError};
use rxdesk_gm::primitives::{
    hmac_sm3, sm4_cbc_decrypt, sm4_cbc_encrypt, sm4_cbc_encrypt_chunked, sm4_cbc_padded_len,
    HmacSm3,
};
use std::path::{Path, PathBuf};

const SEAL_VERSION: u8 = 1;
const TAG_LEN: usize = 32;
const IV_LEN: usize = 16;
/// From this size on, the MAC runs on a second thread beside the encryption
/// ([`Sealer::seal_pipelined`]); below it a thread costs more than it saves.
const PIPELINE_MIN: usize = 32 * 1024;
/// Ciphertext handed to the MAC thread at a time.
const PIECE: usize = 16 * 1024;

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
        if plaintext.len() >= PIPELINE_MIN {
            self.seal_pipelined(&iv, plaintext)
        } else {
            self.seal_with_iv(&iv, plaintext)
        }
    }

    /// [`Sealer::seal`] with a given IV, in one thread.
    fn seal_with_iv(&self, iv: &[u8; IV_LEN], plaintext: &[u8]) -> Vec<u8> {
        // Key and IV are 16 bytes by construction, so this cannot fail.
        let ct = sm4_cbc_encrypt(&self.enc, iv, plaintext).unwrap_or_default();
        let mut out = Vec::with_capacity(1 + IV_LEN + ct.len() + TAG_LEN);
        out.push(SEAL_VERSION);
        out.extend_from_slice(iv);
        out.extend_from_slice(&ct);
        let tag = hmac_sm3(&self.mac, &out);
        out.extend_from_slice(&tag);
        out
    }

    /// The same bytes as [`Sealer::seal_with_iv`], with the MAC computed on
    /// a second thread over each piece of ciphertext as soon as it is
    /// encrypted (encrypt-then-MAC either way): a large payload (the raw
    /// 7203 download, ≈ 140 KB) is sealed in about the time of its
    /// encryption alone instead of encryption plus MAC.
    fn seal_pipelined(&self, iv: &[u8; IV_LEN], plaintext: &[u8]) -> Vec<u8> {
        let ct_len = sm4_cbc_padded_len(plaintext.len());
        let mut out = vec![0u8; 1 + IV_LEN + ct_len + TAG_LEN];
        out[0] = SEAL_VERSION;
        out[1..1 + IV_LEN].copy_from_slice(iv);
        let (head, rest) = out.split_at_mut(1 + IV_LEN);
        let (ct, tag_out) = rest.split_at_mut(ct_len);
        let head: &[u8] = head;
        let tag = std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::channel::<&[u8]>();
            let mac = scope.spawn(move || {
                let mut mac = HmacSm3::new(&self.mac);
                mac.update(head);
                for piece in receive {
                    mac.update(piece);
                }
                mac.finalize()
            });
            // Key, IV and buffer have the right lengths by construction.
            let encrypted = sm4_cbc_encrypt_chunked(&self.enc, iv, plaintext, ct, PIECE, |p| {
                // The receiver lives until every sender is gone.
                let _ = send.send(p);
            });
            drop(send);
            let tag = mac.join();
            match (encrypted, tag) {
                (Ok(()), Ok(tag)) => Some(tag),
                _ => None,
            }
        });
        match tag {
            Some(tag) => {
                tag_out.copy_from_slice(&tag);
                out
            }
            // Not reachable (fixed lengths, a MAC thread cannot panic on
            // bytes); sealed in one thread all the same.
            None => self.seal_with_iv(iv, plaintext),
        }
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

    fn sealer() -> Sealer {
        Sealer::from_master(&[7u8; 32])
    }

    /// docs/decisions/0023: the pipelined seal (MAC on a second thread) writes
    /// the very bytes of the one-thread seal, at every length around the
    /// pieces' and the threshold's edges, and they open.
    #[test]
    fn the_pipelined_seal_writes_the_same_bytes_and_opens() {
        let s = sealer();
        let iv = [0x5au8; IV_LEN];
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
            2 * PIECE + 15,
            3 * PIECE - 16,
            140_001,
        ] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let one = s.seal_with_iv(&iv, &plain);
            let two = s.seal_pipelined(&iv, &plain);
            assert_eq!(one, two, "length {len}");
            assert_eq!(s.open(&two).unwrap(), plain, "length {len}");
        }
        // seal() itself, above the threshold: opens, and a flipped bit does not.
        let big = "处方".repeat(30_000);
        let mut sealed = s.seal_str(&big);
        assert_eq!(s.open_str(&sealed).unwrap(), big);
        let mid = sealed.len() / 2;
        sealed[mid] ^= 1;
        assert!(s.open(&sealed).is_err());
    }

    /// Data sealed before the pipeline (SM4-CBC, then HMAC-SM3 over
    /// version ‖ IV ‖ ciphertext, in one thread) still opens: the format is
    /// unchanged.
    #[test]
    fn a_blob_sealed_the_old_way_still_opens() {
        let s = sealer();
        let plain = "x".repeat(100_000);
        let iv = [9u8; IV_LEN];
        let mut old = vec![SEAL_VERSION];
        old.extend_from_slice(&iv);
        old.extend_from_slice(&sm4_cbc_encrypt(&s.enc, &iv, plain.as_bytes()).unwrap());
        let tag = hmac_sm3(&s.mac, &old);
        old.extend_from_slice(&tag);
        assert_eq!(s.open_str(&old).unwrap(), plain);
        assert_eq!(s.seal_pipelined(&iv, plain.as_bytes()), old);
    }

    /// The two primitives the pipeline is built from agree with the one-shot
    /// ones: chunked SM4-CBC with `sm4_cbc_encrypt` for every chunk size and
    /// length, incremental HMAC-SM3 with `hmac_sm3` however it is cut.
    #[test]
    fn chunked_cbc_and_incremental_hmac_agree_with_the_one_shot_primitives() {
        let key = [3u8; 16];
        let iv = [4u8; 16];
        for len in 0..100usize {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let whole = sm4_cbc_encrypt(&key, &iv, &plain).unwrap();
            for chunk in [16, 32, 48, 64, 1024] {
                let mut out = vec![0u8; sm4_cbc_padded_len(len)];
                let mut pieces = Vec::new();
                sm4_cbc_encrypt_chunked(&key, &iv, &plain, &mut out, chunk, |p| {
                    pieces.push(p.to_vec())
                })
                .unwrap();
                assert_eq!(pieces.concat(), whole, "length {len}, chunk {chunk}");
                assert_eq!(out, whole);
            }
            let mut mac = HmacSm3::new(b"k");
            for part in plain.chunks(7) {
                mac.update(part);
            }
            assert_eq!(mac.finalize(), hmac_sm3(b"k", &plain));
        }
        let mut wrong = vec![0u8; 15];
        assert!(sm4_cbc_encrypt_chunked(&key, &iv, b"", &mut wrong, 16, |_| {}).is_err());
        let mut out = vec![0u8; 16];
        assert!(sm4_cbc_encrypt_chunked(&key, &iv, b"", &mut out, 10, |_| {}).is_err());
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
