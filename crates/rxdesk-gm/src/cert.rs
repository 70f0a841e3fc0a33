//! SM2 X.509 certificates: parsing, the fields RxDesk shows and checks, and
//! "was this certificate signed by that one".
//!
//! The institution code (定点医疗机构编号) is read from the subject's
//! `organizationIdentifier` (2.5.4.97), falling back to `serialNumber`
//! (2.5.4.5): the demo CA ([`crate::issue`]) and `scripts/make-demo-pki`
//! write it to `organizationIdentifier`.

use crate::asn1::{self, oid};
use crate::primitives::{PublicKey, Signature, DEFAULT_USER_ID};
use chrono::{DateTime, Utc};
use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
use der::{Decode, Encode};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{BasicConstraints, CrlDistributionPoints, KeyUsage};

/// Why a certificate could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// Not a parseable X.509 certificate.
    #[error("malformed certificate: {0}")]
    Malformed(String),
    /// Not an SM2 key or not an SM2-with-SM3 signature.
    #[error("unsupported certificate algorithm: {0}")]
    Unsupported(String),
    /// Issuer name does not match the candidate issuer's subject.
    #[error("issuer name does not match")]
    IssuerMismatch,
    /// The signature does not verify under the issuer's key.
    #[error("certificate signature does not verify")]
    BadSignature,
}

/// Certificate extensions RxDesk processes (see
/// [`Certificate::unknown_critical_extensions`]).
const KNOWN_CERT_EXTENSIONS: [der::asn1::ObjectIdentifier; 6] = [
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.19"), // basicConstraints
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.15"), // keyUsage
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.31"), // cRLDistributionPoints
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.14"), // subjectKeyIdentifier
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.35"), // authorityKeyIdentifier
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.32"), // certificatePolicies
];

/// Key usage bits RxDesk looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsageBits {
    /// digitalSignature
    pub digital_signature: bool,
    /// nonRepudiation (contentCommitment)
    pub non_repudiation: bool,
    /// keyCertSign
    pub key_cert_sign: bool,
    /// cRLSign
    pub crl_sign: bool,
}

/// A parsed SM2 certificate, keeping its original DER.
///
/// Cheap to clone (the parsed form is shared): the same hospital certificate
/// arrives embedded in every prescription it signed, so a parse is looked up
/// in a small process-wide cache by its DER (see [`Certificate::from_der`])
/// and every clone shares it, with its memoised names and fingerprint.
#[derive(Clone)]
pub struct Certificate(Arc<Parsed>);

struct Parsed {
    der: Vec<u8>,
    tbs_len: (usize, usize),
    inner: x509_cert::Certificate,
    public_key: PublicKey,
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
    /// SM3 of `der`, computed on first use (signature-cache keys).
    fingerprint: OnceLock<[u8; 32]>,
    subject_dn: OnceLock<String>,
    issuer_dn: OnceLock<String>,
    /// [`dn_parts`] of the subject DN (the `signCertDn` comparison).
    subject_dn_parts: OnceLock<Vec<String>>,
    /// What every verification asks of the certificate, derived from its
    /// DER once (decision 0032: each verification decoded the extensions
    /// and the validity again, and allocated the serial and the CRL
    /// distribution points).
    derived: OnceLock<Derived>,
}

/// Pure functions of a certificate's DER, computed on first use
/// ([`Parsed::derived`]); each accessor returns what it computed before.
struct Derived {
    key_usage: Option<KeyUsageBits>,
    /// basicConstraints: (cA, pathLenConstraint when cA).
    ca: bool,
    path_len: Option<u8>,
    unknown_critical: Vec<String>,
    crl_distribution_points: Vec<String>,
    /// [`normalize_serial`] of the serial.
    serial: Vec<u8>,
    serial_hex: String,
    institution_code: Option<String>,
    /// [`rxdesk_core::code_format::validate_institution_code`] of the
    /// institution code: `None` valid, else the error's code.
    institution_code_error: Option<&'static str>,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
}

/// How many parsed certificates the process keeps (oldest dropped first).
const PARSE_CACHE_CAPACITY: usize = 256;

/// Parsed certificates by a cheap fingerprint of their DER ([`der_tag`]);
/// a hit is the certificate whose DER equals the bytes looked up, compared
/// whole. Hashing the whole DER (≈ 600 bytes, twice per prescription) with
/// SipHash was ≈ 0.4 % of a full verification (decision 0020).
#[derive(Default)]
struct ParseCache {
    map: HashMap<u64, Vec<Certificate>>,
    order: VecDeque<(u64, Certificate)>,
}

/// The length of `der` and its last 32 bytes (part of the signature value,
/// which differs between any two certificates an issuer signed), folded
/// into a `u64`: the parse cache's key. Not a digest: equal tags are
/// resolved by comparing the whole DER, and a crafted set of certificates
/// with one tag costs at most a scan of the cache's 256 entries.
fn der_tag(der: &[u8]) -> u64 {
    let tail = &der[der.len().saturating_sub(32)..];
    let fold = |acc: u64, w: [u8; 8]| {
        (acc.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    };
    let mut words = tail.chunks_exact(8);
    // Whole words without a copy through a buffer of variable length (a
    // call to `memcpy` each, decision 0032); the same value as before.
    let acc = (&mut words).fold(der.len() as u64, |acc, c| {
        fold(acc, c.try_into().unwrap_or_default())
    });
    match words.remainder() {
        [] => acc,
        rest => {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            fold(acc, w)
        }
    }
}

fn parse_cache() -> &'static Mutex<ParseCache> {
    static CACHE: OnceLock<Mutex<ParseCache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(ParseCache::default()))
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_dn())
            .field("issuer", &self.issuer_dn())
            .field("serial", &self.serial_hex())
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.der == other.0.der
    }
}
impl Eq for Certificate {}

fn malformed(e: impl std::fmt::Display) -> CertError {
    CertError::Malformed(e.to_string())
}

pub(crate) fn time_to_chrono(t: x509_cert::time::Time) -> DateTime<Utc> {
    let d = t.to_unix_duration();
    DateTime::<Utc>::from_timestamp(d.as_secs() as i64, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Text of a DirectoryString-like attribute value.
pub(crate) fn any_to_string(v: &der::Any) -> Option<String> {
    if let Ok(s) = Utf8StringRef::try_from(v) {
        return Some(s.as_str().to_string());
    }
    if let Ok(s) = PrintableStringRef::try_from(v) {
        return Some(s.as_str().to_string());
    }
    if let Ok(s) = Ia5StringRef::try_from(v) {
        return Some(s.as_str().to_string());
    }
    None
}

/// Minimal big-endian magnitude of a serial (leading zero bytes stripped):
/// two serials are the same integer iff these are equal.
pub fn normalize_serial(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let v = bytes[start..].to_vec();
    if v.is_empty() {
        vec![0]
    } else {
        v
    }
}

/// Parse a serial as the center sends it (`signCertSn`): hex (optionally `0x`,
/// colons or spaces), or decimal when it has only digits and `hex_first` is false.
pub fn parse_serial_text(s: &str, hex_first: bool) -> Option<Vec<u8>> {
    let t: String = s
        .trim()
        .trim_start_matches("0x")
        .trim_start_matches("0X")
        .chars()
        .filter(|c| *c != ':' && *c != ' ')
        .collect();
    if t.is_empty() {
        return None;
    }
    if hex_first || t.chars().any(|c| c.is_ascii_alphabetic()) {
        let padded = if t.len() % 2 == 1 { format!("0{t}") } else { t };
        return hex::decode(padded).ok().map(|b| normalize_serial(&b));
    }
    // Decimal → big-endian bytes.
    let mut out: Vec<u8> = vec![0];
    for c in t.chars() {
        let d = c.to_digit(10)?;
        let mut carry = d;
        for b in out.iter_mut().rev() {
            let v = (*b as u32) * 10 + carry;
            *b = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    Some(normalize_serial(&out))
}

/// `parse_serial_text(s, true).as_deref() == Some(want)`, without
/// allocating (decision 0032: the `signCertSn` check of every
/// verification built three strings and vectors for it): the same text
/// trimmed the same way, hex digits in pairs (a leading `0` for an odd
/// count), leading zero bytes skipped, compared with `want` (a serial as
/// [`normalize_serial`] writes it). Property test
/// `serial_hex_text_is_parse_serial_text` below.
pub(crate) fn serial_hex_text_is(s: &str, want: &[u8]) -> bool {
    let mut t = s.trim();
    while let Some(rest) = t.strip_prefix("0x") {
        t = rest;
    }
    while let Some(rest) = t.strip_prefix("0X") {
        t = rest;
    }
    let digits = || t.bytes().filter(|&b| b != b':' && b != b' ');
    let n = digits().count();
    if n == 0 {
        return false;
    }
    let mut nibbles = (n % 2 == 1)
        .then_some(0u8)
        .into_iter()
        .chain(digits().map(|b| (b as char).to_digit(16).map_or(0xff, |d| d as u8)));
    let mut matched = 0;
    let mut started = false;
    while let (Some(hi), Some(lo)) = (nibbles.next(), nibbles.next()) {
        if hi > 15 || lo > 15 {
            return false;
        }
        let byte = (hi << 4) | lo;
        if !started && byte == 0 {
            continue;
        }
        started = true;
        if want.get(matched) != Some(&byte) {
            return false;
        }
        matched += 1;
    }
    if started {
        matched == want.len()
    } else {
        want == [0]
    }
}

impl Certificate {
    /// Parse DER. A certificate parsed before (same bytes) is taken from a
    /// bounded process-wide cache: parsing is a pure function of the bytes,
    /// so nothing but the cost changes (a failure is never cached).
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let tag = der_tag(der);
        let find = |c: &ParseCache| {
            c.map
                .get(&tag)
                .and_then(|same| same.iter().find(|p| p.0.der == der).cloned())
        };
        if let Some(hit) = parse_cache().lock().ok().and_then(|c| find(&c)) {
            return Ok(hit);
        }
        let cert = Self::parse(der)?;
        if let Ok(mut c) = parse_cache().lock() {
            if find(&c).is_none() {
                c.map.entry(tag).or_default().push(cert.clone());
                c.order.push_back((tag, cert.clone()));
                while c.order.len() > PARSE_CACHE_CAPACITY {
                    if let Some((old_tag, old)) = c.order.pop_front() {
                        if let Some(same) = c.map.get_mut(&old_tag) {
                            same.retain(|p| !Arc::ptr_eq(&p.0, &old.0));
                            if same.is_empty() {
                                c.map.remove(&old_tag);
                            }
                        }
                    }
                }
            }
        }
        Ok(cert)
    }

    fn parse(der: &[u8]) -> Result<Self, CertError> {
        let inner = x509_cert::Certificate::from_der(der).map_err(malformed)?;
        let tbs = asn1::first_element_of_sequence(der).map_err(malformed)?;
        // `tbs` is a sub-slice of `der`.
        let start = tbs.as_ptr() as usize - der.as_ptr() as usize;
        let spki_der = inner
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(malformed)?;
        let public_key = PublicKey::from_spki_der(&spki_der)
            .map_err(|e| CertError::Unsupported(e.to_string()))?;
        let subject_der = inner
            .tbs_certificate()
            .subject()
            .to_der()
            .map_err(malformed)?;
        let issuer_der = inner
            .tbs_certificate()
            .issuer()
            .to_der()
            .map_err(malformed)?;
        Ok(Self(Arc::new(Parsed {
            der: der.to_vec(),
            tbs_len: (start, start + tbs.len()),
            inner,
            public_key,
            subject_der,
            issuer_der,
            fingerprint: OnceLock::new(),
            subject_dn: OnceLock::new(),
            issuer_dn: OnceLock::new(),
            subject_dn_parts: OnceLock::new(),
            derived: OnceLock::new(),
        })))
    }

    fn derived(&self) -> &Derived {
        self.0.derived.get_or_init(|| {
            let tbs = self.0.inner.tbs_certificate();
            let (ca, path_len) = match tbs.get_extension::<BasicConstraints>() {
                Ok(Some((_, bc))) if bc.ca => (true, bc.path_len_constraint),
                _ => (false, None),
            };
            let serial = normalize_serial(tbs.serial_number().as_bytes());
            let institution_code = self
                .subject_attr(&oid::ORGANIZATION_IDENTIFIER)
                .or_else(|| self.subject_attr(&oid::DN_SERIAL_NUMBER));
            let institution_code_error = institution_code.as_deref().and_then(|code| {
                rxdesk_core::code_format::validate_institution_code(code)
                    .err()
                    .map(|e| e.code())
            });
            Derived {
                key_usage: self.compute_key_usage(),
                ca,
                path_len,
                unknown_critical: self.compute_unknown_critical_extensions(),
                crl_distribution_points: self.compute_crl_distribution_points(),
                serial_hex: hex::encode_upper(&serial),
                serial,
                institution_code,
                institution_code_error,
                not_before: time_to_chrono(tbs.validity().not_before),
                not_after: time_to_chrono(tbs.validity().not_after),
            }
        })
    }

    /// Parse the first certificate of a PEM text.
    pub fn from_pem(pem: &str) -> Result<Self, CertError> {
        Self::load_all(pem.as_bytes())?
            .into_iter()
            .next()
            .ok_or_else(|| malformed("no certificate in PEM"))
    }

    /// Every certificate in a file: a PEM bundle or one DER certificate.
    pub fn load_all(bytes: &[u8]) -> Result<Vec<Self>, CertError> {
        match std::str::from_utf8(bytes) {
            Ok(text) if text.contains("-----BEGIN ") => {
                let blocks = crate::primitives::pem_decode_all(text).map_err(malformed)?;
                blocks
                    .into_iter()
                    .filter(|(label, _)| label == "CERTIFICATE")
                    .map(|(_, der)| Self::from_der(&der))
                    .collect()
            }
            _ => Ok(vec![Self::from_der(bytes)?]),
        }
    }

    /// The certificate's DER.
    pub fn to_der(&self) -> &[u8] {
        &self.0.der
    }

    /// PEM text.
    pub fn to_pem(&self) -> String {
        crate::primitives::pem_encode("CERTIFICATE", &self.0.der)
    }

    /// The TBSCertificate bytes exactly as in the input.
    pub fn tbs_bytes(&self) -> &[u8] {
        &self.0.der[self.0.tbs_len.0..self.0.tbs_len.1]
    }

    /// The decoded `x509-cert` structure.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.0.inner
    }

    /// Subject DN, RFC 4514 (most specific first), e.g.
    /// `CN=…,organizationIdentifier=H11010100001,O=…,C=CN` (see [`format_dn`]).
    pub fn subject_dn(&self) -> String {
        self.0
            .subject_dn
            .get_or_init(|| format_dn(self.0.inner.tbs_certificate().subject()))
            .clone()
    }

    /// Issuer DN, RFC 4514 (see [`format_dn`]).
    pub fn issuer_dn(&self) -> String {
        self.0
            .issuer_dn
            .get_or_init(|| format_dn(self.0.inner.tbs_certificate().issuer()))
            .clone()
    }

    /// The subject DN in [`dn_equal`]'s normal form (memoised).
    pub(crate) fn subject_dn_parts(&self) -> &[String] {
        self.0
            .subject_dn_parts
            .get_or_init(|| dn_parts(&self.subject_dn()))
    }

    /// `dn_text_matches(text, self.subject_dn_parts())`: is `text` (a
    /// prescription's `signCertDn`) this certificate's subject? A text equal
    /// byte for byte to [`Self::subject_dn`] is (its parts are the memoised
    /// parts), so that is compared first (decision 0032); any other text is
    /// split and normalised as before.
    pub(crate) fn subject_dn_text_matches(&self, text: &str) -> bool {
        let own = self
            .0
            .subject_dn
            .get_or_init(|| format_dn(self.0.inner.tbs_certificate().subject()));
        text == own || dn_text_matches(text, self.subject_dn_parts())
    }

    /// DER of the subject Name.
    pub fn subject_der(&self) -> Vec<u8> {
        self.0.subject_der.clone()
    }

    /// DER of the subject Name, borrowed.
    pub(crate) fn subject_name_der(&self) -> &[u8] {
        &self.0.subject_der
    }

    /// DER of the issuer Name, borrowed.
    pub(crate) fn issuer_name_der(&self) -> &[u8] {
        &self.0.issuer_der
    }

    /// SM3 of the certificate's DER (memoised).
    pub fn fingerprint(&self) -> [u8; 32] {
        *self
            .0
            .fingerprint
            .get_or_init(|| crate::primitives::sm3(&self.0.der))
    }

    /// DER of the issuer Name.
    pub fn issuer_der(&self) -> Vec<u8> {
        self.0.issuer_der.clone()
    }

    /// Serial as a minimal big-endian magnitude.
    pub fn serial(&self) -> Vec<u8> {
        self.serial_bytes().to_vec()
    }

    /// [`Self::serial`], borrowed (memoised).
    pub(crate) fn serial_bytes(&self) -> &[u8] {
        &self.derived().serial
    }

    /// Serial as upper-case hex (the `signCertSn` form).
    pub fn serial_hex(&self) -> String {
        self.derived().serial_hex.clone()
    }

    /// notBefore.
    pub fn not_before(&self) -> DateTime<Utc> {
        self.derived().not_before
    }

    /// notAfter.
    pub fn not_after(&self) -> DateTime<Utc> {
        self.derived().not_after
    }

    /// The subject's SM2 public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.0.public_key
    }

    /// Key usage, if the extension is present.
    pub fn key_usage(&self) -> Option<KeyUsageBits> {
        self.derived().key_usage
    }

    fn compute_key_usage(&self) -> Option<KeyUsageBits> {
        let (_, ku) = self
            .0
            .inner
            .tbs_certificate()
            .get_extension::<KeyUsage>()
            .ok()??;
        Some(KeyUsageBits {
            digital_signature: ku.digital_signature(),
            non_repudiation: ku.non_repudiation(),
            key_cert_sign: ku.key_cert_sign(),
            crl_sign: ku.crl_sign(),
        })
    }

    /// basicConstraints cA.
    pub fn is_ca(&self) -> bool {
        self.derived().ca
    }

    /// basicConstraints pathLenConstraint (None: absent or no limit).
    pub fn path_len_constraint(&self) -> Option<u8> {
        self.derived().path_len
    }

    /// The OIDs of critical extensions RxDesk does not process (RFC 5280
    /// §4.2: a certificate with one MUST be rejected). Processed:
    /// basicConstraints, keyUsage, cRLDistributionPoints, the key
    /// identifiers, and certificatePolicies (any policy is acceptable:
    /// RFC 5280 §6.1 with user-initial-policy-set = anyPolicy and no explicit
    /// policy required, so the extension cannot change the outcome).
    pub fn unknown_critical_extensions(&self) -> Vec<String> {
        self.derived().unknown_critical.clone()
    }

    /// [`Self::unknown_critical_extensions`], borrowed (memoised).
    pub(crate) fn unknown_critical_extensions_ref(&self) -> &[String] {
        &self.derived().unknown_critical
    }

    fn compute_unknown_critical_extensions(&self) -> Vec<String> {
        self.0
            .inner
            .tbs_certificate()
            .extensions()
            .map(|exts| {
                exts.iter()
                    .filter(|e| e.critical && !KNOWN_CERT_EXTENSIONS.contains(&e.extn_id))
                    .map(|e| e.extn_id.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// URIs of the CRL distribution points.
    pub fn crl_distribution_points(&self) -> Vec<String> {
        self.derived().crl_distribution_points.clone()
    }

    /// [`Self::crl_distribution_points`], borrowed (memoised).
    pub(crate) fn crl_distribution_points_ref(&self) -> &[String] {
        &self.derived().crl_distribution_points
    }

    fn compute_crl_distribution_points(&self) -> Vec<String> {
        let Ok(Some((_, dps))) = self
            .0
            .inner
            .tbs_certificate()
            .get_extension::<CrlDistributionPoints>()
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for dp in dps.0 {
            if let Some(DistributionPointName::FullName(names)) = dp.distribution_point {
                for n in names {
                    if let GeneralName::UniformResourceIdentifier(u) = n {
                        out.push(u.to_string());
                    }
                }
            }
        }
        out
    }

    fn subject_attr(&self, want: &der::asn1::ObjectIdentifier) -> Option<String> {
        self.0
            .inner
            .tbs_certificate()
            .subject()
            .iter()
            .find(|atv| &atv.oid == want)
            .and_then(|atv| any_to_string(&atv.value))
    }

    /// The institution code (定点医疗机构编号) in the subject:
    /// `organizationIdentifier`, else `serialNumber`.
    pub fn institution_code(&self) -> Option<String> {
        self.derived().institution_code.clone()
    }

    /// [`Self::institution_code`], borrowed (memoised).
    pub(crate) fn institution_code_ref(&self) -> Option<&str> {
        self.derived().institution_code.as_deref()
    }

    /// The error code of
    /// [`rxdesk_core::code_format::validate_institution_code`] for
    /// [`Self::institution_code`] (`None`: valid or absent), memoised.
    pub(crate) fn institution_code_error(&self) -> Option<&'static str> {
        self.derived().institution_code_error
    }

    /// Subject commonName.
    pub fn common_name(&self) -> Option<String> {
        self.subject_attr(&const_oid_cn())
    }

    /// Subject organizationName.
    pub fn organization(&self) -> Option<String> {
        self.subject_attr(&der::asn1::ObjectIdentifier::new_unwrap("2.5.4.10"))
    }

    /// Is `issuer` this certificate's issuer (name match and SM2 signature
    /// over the raw TBS with `user_id`)?
    pub fn verify_issued_by(&self, issuer: &Certificate, user_id: &str) -> Result<(), CertError> {
        if self.issuer_name_der() != issuer.subject_name_der() {
            return Err(CertError::IssuerMismatch);
        }
        let outer = &self.0.inner.signature_algorithm().oid;
        let inner = &self.0.inner.tbs_certificate().signature().oid;
        if outer != inner || *outer != oid::SM2_WITH_SM3 {
            return Err(CertError::Unsupported(format!(
                "signature algorithm {outer} (TBS {inner}), expected SM2-with-SM3"
            )));
        }
        let sig_bytes = self
            .0
            .inner
            .signature()
            .as_bytes()
            .ok_or_else(|| malformed("signature BIT STRING has unused bits"))?;
        let sig = Signature::from_der(sig_bytes).map_err(|_| CertError::BadSignature)?;
        issuer
            .0
            .public_key
            .verify(self.tbs_bytes(), &sig, user_id)
            .map_err(|_| CertError::BadSignature)
    }

    /// [`Self::verify_issued_by`] with the default user id.
    pub fn verify_issued_by_default(&self, issuer: &Certificate) -> Result<(), CertError> {
        self.verify_issued_by(issuer, DEFAULT_USER_ID)
    }

    /// Self-issued (subject == issuer)?
    pub fn is_self_issued(&self) -> bool {
        self.0.subject_der == self.0.issuer_der
    }
}

/// RFC 4514 string of a Name, most specific RDN first, with OpenSSL's
/// attribute names (`C`, `ST`, `L`, `O`, `OU`, `CN`, `serialNumber`,
/// `organizationIdentifier`, `emailAddress`; other types as dotted OIDs) and
/// string values as text (non-string values as `#hex`).
pub fn format_dn(name: &x509_cert::name::Name) -> String {
    let mut rdns: Vec<String> = Vec::new();
    for rdn in name.iter_rdn() {
        let parts: Vec<String> = rdn
            .iter()
            .map(|atv| {
                let oid = atv.oid.to_string();
                let key = match oid.as_str() {
                    "2.5.4.6" => "C".to_string(),
                    "2.5.4.8" => "ST".to_string(),
                    "2.5.4.7" => "L".to_string(),
                    "2.5.4.10" => "O".to_string(),
                    "2.5.4.11" => "OU".to_string(),
                    "2.5.4.3" => "CN".to_string(),
                    "2.5.4.5" => "serialNumber".to_string(),
                    "2.5.4.97" => "organizationIdentifier".to_string(),
                    "1.2.840.113549.1.9.1" => "emailAddress".to_string(),
                    _ => oid,
                };
                match any_to_string(&atv.value) {
                    Some(v) => format!("{key}={}", escape_dn_value(&v)),
                    None => format!(
                        "{key}=#{}",
                        hex::encode(atv.value.to_der().unwrap_or_default())
                    ),
                }
            })
            .collect();
        rdns.push(parts.join("+"));
    }
    rdns.reverse();
    rdns.join(",")
}

fn const_oid_cn() -> der::asn1::ObjectIdentifier {
    der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3")
}

/// Compare two DN strings loosely: RDN order either way, case of attribute
/// types, spaces around separators. Used for `signCertDn`.
pub fn dn_equal(a: &str, b: &str) -> bool {
    dn_parts_equal(&dn_parts(a), &dn_parts(b))
}

/// [`dn_equal`] over normal forms from [`dn_parts`] (a certificate keeps its
/// subject's: [`Certificate::subject_dn_parts`]).
pub(crate) fn dn_parts_equal(pa: &[String], pb: &[String]) -> bool {
    pa == pb || (pa.len() == pb.len() && pa.iter().eq(pb.iter().rev()))
}

/// The normal form [`dn_equal`] compares: one `TYPE=value` string per
/// attribute (type upper-cased, OID aliases named, spaces trimmed), in order.
pub(crate) fn dn_parts(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut esc = false;
    for c in s.chars() {
        if esc {
            cur.push(c);
            esc = false;
        } else if c == '\\' {
            cur.push(c);
            esc = true;
        } else if c == ',' || c == '/' || c == ';' {
            out.push(cur.clone());
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => {
                let k = k.trim().to_ascii_uppercase();
                let k = match k.as_str() {
                    "2.5.4.97" => "ORGANIZATIONIDENTIFIER".to_string(),
                    "SERIALNUMBER" | "2.5.4.5" => "SERIALNUMBER".to_string(),
                    _ => k,
                };
                format!("{k}={}", v.trim())
            }
            None => p,
        })
        .collect()
}

/// The raw parts of a DN string as [`dn_parts`] splits it (on `,`, `/`,
/// `;` not escaped by `\\`), before trimming. By bytes: the separators
/// and `\\` are ASCII, which no byte of a multi-byte UTF-8 character
/// equals, and a `\\` escapes the character after it, whose first byte
/// is the one skipped (every split is at an ASCII byte, so at a character
/// boundary).
fn dn_raw_parts(s: &str) -> impl Iterator<Item = &str> {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b',' | b'/' | b';' => {
                    let part = s.get(start..i);
                    i += 1;
                    start = i;
                    return part;
                }
                _ => i += 1,
            }
        }
        done = true;
        s.get(start..)
    })
}

/// Is the raw part `raw` (untrimmed) in the normal form `want` (one
/// element of [`dn_parts`]' output)? The same normalisation, without
/// building the string.
fn dn_part_is(raw: &str, want: &str) -> bool {
    let p = raw.trim();
    let Some((k, v)) = p.split_once('=') else {
        return p == want;
    };
    let Some((wk, wv)) = want.split_once('=') else {
        return false;
    };
    let k = k.trim();
    let key_ok = if k.eq_ignore_ascii_case("2.5.4.97") {
        wk == "ORGANIZATIONIDENTIFIER"
    } else if k.eq_ignore_ascii_case("SERIALNUMBER") || k == "2.5.4.5" {
        wk == "SERIALNUMBER"
    } else {
        k.len() == wk.len()
            && k.bytes()
                .zip(wk.bytes())
                .all(|(a, b)| a.to_ascii_uppercase() == b)
    };
    key_ok && v.trim() == wv
}

/// `dn_parts_equal(&dn_parts(text), parts)` without allocating: the DN
/// text of a prescription (`signCertDn`) against a certificate's memoised
/// normal form, on every verification (decision 0015 follow-up).
pub(crate) fn dn_text_matches(text: &str, parts: &[String]) -> bool {
    let non_empty = || dn_raw_parts(text).filter(|p| !p.trim().is_empty());
    if non_empty().count() != parts.len() {
        return false;
    }
    non_empty().zip(parts).all(|(p, w)| dn_part_is(p, w))
        || non_empty()
            .zip(parts.iter().rev())
            .all(|(p, w)| dn_part_is(p, w))
}

/// Escape a value for an RFC 4514 string.
pub fn escape_dn_value(v: &str) -> String {
    let mut out = String::new();
    for (i, c) in v.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' | ' ' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> (crate::issue::Issuer, crate::PublicKey) {
        use chrono::TimeZone;
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let ca = crate::issue::Issuer::new_root(
            &crate::issue::CertSpec::ca(
                "CN=Cache Root,C=CN",
                &[7],
                t0,
                t0 + chrono::Duration::days(3650),
            ),
            crate::PrivateKey::generate().unwrap(),
        )
        .unwrap();
        let key = crate::PrivateKey::generate().unwrap().public_key();
        (ca, key)
    }

    fn leaf(ca: &crate::issue::Issuer, key: &crate::PublicKey, serial: u32) -> Vec<u8> {
        use chrono::TimeZone;
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let spec = crate::issue::CertSpec::institution(
            "H11010100001",
            "Cache Hospital",
            &serial.to_be_bytes(),
            t0,
            t0 + chrono::Duration::days(900),
            None,
        );
        ca.issue(&spec, key).unwrap().to_der().to_vec()
    }

    /// The parse cache: the same DER is served from it (one shared
    /// parse); a DER with the same tag (length and last 32 bytes) but one
    /// byte changed is parsed anew, never served the cached certificate.
    #[test]
    fn parse_cache_hits_and_a_changed_certificate_is_not_served() {
        let (ca, key) = issuer();
        let der = leaf(&ca, &key, 0x5151);
        let a = Certificate::from_der(&der).unwrap();
        let b = Certificate::from_der(&der).unwrap();
        assert!(
            Arc::ptr_eq(&a.0, &b.0),
            "second parse served from the cache"
        );
        // One letter of the subject changed: same length, same signature
        // bytes at the end, so the same tag.
        let at = der
            .windows(14)
            .position(|w| w == b"Cache Hospital")
            .unwrap();
        let mut bent = der.clone();
        bent[at] = b'K';
        assert_eq!(der_tag(&bent), der_tag(&der));
        let c = Certificate::from_der(&bent).unwrap();
        assert!(!Arc::ptr_eq(&a.0, &c.0));
        assert_eq!(c.to_der(), &bent[..]);
        assert!(
            c.subject_dn().contains("Kache Hospital"),
            "{}",
            c.subject_dn()
        );
        // Both stay served, each its own.
        assert!(Arc::ptr_eq(&Certificate::from_der(&bent).unwrap().0, &c.0));
        assert!(Arc::ptr_eq(&Certificate::from_der(&der).unwrap().0, &a.0));
    }

    /// At most `PARSE_CACHE_CAPACITY` certificates are kept, the oldest
    /// dropped first (other tests may add theirs meanwhile: that only
    /// drops the first one sooner).
    #[test]
    fn parse_cache_is_bounded() {
        let (ca, key) = issuer();
        let first_der = leaf(&ca, &key, 0x6000);
        let first = Certificate::from_der(&first_der).unwrap();
        for serial in 0x6001..0x6001 + PARSE_CACHE_CAPACITY as u32 {
            leaf(&ca, &key, serial);
        }
        let c = parse_cache().lock().unwrap();
        assert!(c.order.len() <= PARSE_CACHE_CAPACITY);
        assert_eq!(c.map.values().map(Vec::len).sum::<usize>(), c.order.len());
        drop(c);
        let again = Certificate::from_der(&first_der).unwrap();
        assert!(!Arc::ptr_eq(&first.0, &again.0), "the oldest was dropped");
        assert_eq!(again, first);
    }

    fn serial_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy as _;
        proptest::collection::vec(
            proptest::sample::select(vec![
                '0', '0', '0', '1', '9', 'a', 'F', 'f', 'x', 'X', ':', ' ', '\t', 'g', 'é',
                '\u{3000}',
            ]),
            0..14,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]

        /// The allocation-free `signCertSn` check agrees with parsing the
        /// text, against the text's own serial and against another's.
        #[test]
        fn serial_hex_text_is_parse_serial_text(a in serial_text(), b in serial_text()) {
            for want in [parse_serial_text(&a, true), parse_serial_text(&b, true), Some(vec![0])]
                .into_iter()
                .flatten()
            {
                proptest::prop_assert_eq!(
                    serial_hex_text_is(&a, &want),
                    parse_serial_text(&a, true).as_deref() == Some(&want[..]),
                    "{:?} {:?}", a, want
                );
            }
        }
    }

    #[test]
    fn serial_hex_text_is_known_forms() {
        let want = [0x10, 0x01];
        for (text, same) in [
            ("1001", true),
            ("0x1001", true),
            ("0x0X1001", true),
            ("00:10:01", true),
            (" 10 01 ", true),
            ("001001", true),
            ("1002", false),
            ("10010", false),
            ("10g1", false),
            ("", false),
            ("0x", false),
        ] {
            assert_eq!(serial_hex_text_is(text, &want), same, "{text}");
            assert_eq!(
                parse_serial_text(text, true).as_deref() == Some(&want[..]),
                same,
                "{text}"
            );
        }
        assert!(serial_hex_text_is("0000", &[0]));
    }

    #[test]
    fn serial_text_parses_hex_and_decimal_as_integers() {
        assert_eq!(parse_serial_text("00FF", true), Some(vec![0xff]));
        assert_eq!(parse_serial_text("0xff", true), Some(vec![0xff]));
        assert_eq!(parse_serial_text("255", false), Some(vec![0xff]));
        assert_eq!(parse_serial_text("4096", false), Some(vec![0x10, 0x00]));
        assert_eq!(parse_serial_text("8f:00:01", true), Some(vec![0x8f, 0, 1]));
        assert_eq!(parse_serial_text("", true), None);
        assert_eq!(parse_serial_text("xyz", true), None);
        assert_eq!(normalize_serial(&[0, 0, 0x80]), vec![0x80]);
        assert_eq!(normalize_serial(&[0]), vec![0]);
    }

    #[test]
    fn dn_comparison_is_order_and_space_tolerant() {
        assert!(dn_equal("CN=A,O=B,C=CN", "C=CN, O=B, CN=A"));
        assert!(dn_equal("cn=A,o=B", "CN=A,O=B"));
        assert!(dn_equal("/C=CN/O=B/CN=A", "CN=A,O=B,C=CN"));
        assert!(!dn_equal("CN=A,O=B", "CN=A,O=C"));
        assert!(!dn_equal("CN=A\\,B", "CN=A,B"));
    }

    fn dn_text() -> impl proptest::strategy::Strategy<Value = String> {
        "[ ,/;=\\\\a-cA-C0-9.+机构]{0,24}"
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]

        /// The allocation-free comparison is `dn_parts_equal` of `dn_parts`.
        #[test]
        fn dn_text_matches_is_dn_equal(a in dn_text(), b in dn_text()) {
            proptest::prop_assert_eq!(dn_text_matches(&a, &dn_parts(&b)), dn_equal(&a, &b));
            proptest::prop_assert!(dn_text_matches(&a, &dn_parts(&a)));
        }
    }

    /// The byte-for-byte shortcut never changes the answer: the subject's
    /// own text, its other spellings and other DNs, as `dn_text_matches`.
    #[test]
    fn subject_dn_text_matches_is_dn_text_matches() {
        let (ca, key) = issuer();
        let cert = Certificate::from_der(&leaf(&ca, &key, 7)).unwrap();
        let own = cert.subject_dn();
        let mut texts = vec![
            own.clone(),
            own.replace(',', ", "),
            own.replace(',', "/"),
            own.split(',').rev().collect::<Vec<_>>().join(","),
            format!("{own},"),
            format!("{own},C=CN"),
            own.to_lowercase(),
            String::new(),
        ];
        texts.push(own[..own.len() - 1].to_string());
        for text in &texts {
            assert_eq!(
                cert.subject_dn_text_matches(text),
                dn_text_matches(text, cert.subject_dn_parts()),
                "{text}"
            );
        }
        assert!(cert.subject_dn_text_matches(&own));
        assert!(!cert.subject_dn_text_matches(&format!("{own},C=CN")));
    }

    #[test]
    fn dn_text_matches_known_forms() {
        let parts = dn_parts("CN=示例医院,organizationIdentifier=H11010100001,O=RxDesk DEMO,C=CN");
        for text in [
            "C=CN, O=RxDesk DEMO, 2.5.4.97=H11010100001, CN=示例医院",
            "/cn=示例医院/ORGANIZATIONIDENTIFIER=H11010100001/o=RxDesk DEMO/c=CN",
        ] {
            assert!(dn_text_matches(text, &parts), "{text}");
        }
        assert!(!dn_text_matches("CN=示例医院,O=RxDesk DEMO,C=CN", &parts));
        assert!(!dn_text_matches(
            "CN=示例医院,2.5.4.97=H11010100002,O=RxDesk DEMO,C=CN",
            &parts
        ));
    }
}
