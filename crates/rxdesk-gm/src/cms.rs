//! Detached CMS SignedData with SM2-with-SM3 (GB/T 35275 and PKCS#7 OIDs):
//! verify and sign.
//!
//! Verification accepts:
//! - content type `signedData` as `1.2.840.113549.1.7.2` or `1.2.156.10197.6.1.4.2.2`;
//! - digest SM3 (`1.2.156.10197.1.401`); signature algorithm `sm2sign`
//!   (`…1.301.1`), SM2-with-SM3 (`…1.501`), or the SM2 / EC key OIDs some
//!   signers put there;
//! - the signature value as DER `SEQUENCE{r,s}` or raw 64-byte `r‖s`;
//! - with signed attributes (then `messageDigest` must equal SM3(content) and
//!   the signature covers the DER `SET OF` attributes exactly as received) or
//!   without (the signature covers the content itself).
//!
//! The signer certificate is looked up by `IssuerAndSerialNumber` (serials
//! compared as integers) or `SubjectKeyIdentifier` among the embedded
//! certificates and any extra ones the caller passes. This module checks the
//! signature only; chain, validity, key usage and revocation are
//! [`crate::trust`]'s job.

use crate::asn1::{self, oid, read_tlv, RawDerError};
use crate::cert::{normalize_serial, time_to_chrono, Certificate};
use crate::primitives::{sm3, PrivateKey, Signature, Sm3Hasher, DEFAULT_USER_ID};
use chrono::{DateTime, Utc};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::revocation::RevocationInfoChoice;
use cms::signed_data::{
    CertificateSet, DigestAlgorithmIdentifiers, EncapsulatedContentInfo, SignedData,
    SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

/// Why a CMS signature is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CmsError {
    /// Not a parseable CMS SignedData.
    #[error("malformed CMS: {0}")]
    Malformed(String),
    /// An algorithm other than SM3 / SM2.
    #[error("unsupported CMS algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// No certificate matches the signer identifier.
    #[error("signer certificate not found in the CMS or the trust store")]
    SignerCertificateNotFound,
    /// `messageDigest` (or the encapsulated content) differs from the content.
    #[error("content does not match the signed digest")]
    ContentMismatch,
    /// The SM2 signature does not verify.
    #[error("CMS signature does not verify")]
    BadSignature,
}

fn malformed(e: impl std::fmt::Display) -> CmsError {
    CmsError::Malformed(e.to_string())
}

impl From<RawDerError> for CmsError {
    fn from(e: RawDerError) -> Self {
        malformed(e)
    }
}

/// Which OID family to emit when signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CmsProfile {
    /// GB/T 35275: `1.2.156.10197.6.1.4.2.*` content types, `sm2sign` algorithm.
    #[default]
    Gbt35275,
    /// PKCS#7 / RFC 5652 content types with SM2-with-SM3.
    Pkcs7,
}

/// Options for [`sign_detached_with`].
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// OID family.
    pub profile: CmsProfile,
    /// `signingTime` attribute (None = now).
    pub signing_time: Option<DateTime<Utc>>,
    /// SM2 user id (default `1234567812345678`).
    pub user_id: String,
    /// Embed the signer certificate (default yes).
    pub include_certificate: bool,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self {
            profile: CmsProfile::Gbt35275,
            signing_time: None,
            user_id: DEFAULT_USER_ID.to_string(),
            include_certificate: true,
        }
    }
}

/// A CMS signature that verified over the given content.
#[derive(Debug, Clone)]
pub struct CmsVerified {
    /// The signer's certificate (not yet chained to a root).
    pub signer: Certificate,
    /// The `signingTime` signed attribute, if present.
    pub signing_time: Option<DateTime<Utc>>,
    /// Every certificate embedded in the SignedData (for chain building).
    pub certificates: Vec<Certificate>,
    /// Whether the GB/T 35275 OIDs were used (else PKCS#7).
    pub gm_oids: bool,
}

/// Decode CMS bytes given as DER, PEM (`CMS`/`PKCS7`) or Base64 text.
pub fn decode_der_or_base64(bytes: &[u8]) -> Result<Vec<u8>, CmsError> {
    if bytes.first() == Some(&0x30) {
        return Ok(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| malformed("neither DER nor text"))?;
    if text.contains("-----BEGIN ") {
        return crate::primitives::pem_decode(text)
            .map(|(_, der)| der)
            .map_err(malformed);
    }
    use base64::Engine as _;
    let cleaned: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .map_err(|_| malformed("not DER and not Base64"))
}

/// A SignedData walked over its received bytes, every part decoded strictly
/// by itself. The `cms` crate's whole-structure decode is not used on the
/// verification path: it parsed every embedded certificate a second time
/// (after [`Certificate::from_der`], which shares one parse per DER across
/// prescriptions) and copied the whole structure; the parts it checked are
/// decoded here with the same `der`/`cms` types.
struct RawSignedData<'a> {
    /// ContentInfo's contentType was the GB/T 35275 signedData OID.
    gm_oids: bool,
    encap: EncapsulatedContentInfo,
    /// encapContentInfo's eContentType TLV as received, when it was
    /// recognised byte for byte (the fast path's `contentType` check).
    econtent_type_tlv: Option<&'a [u8]>,
    /// Embedded certificates (the `certificate` CHOICE), in received order.
    certificates: Vec<&'a [u8]>,
    /// Per SignerInfo in received order: its full TLV and its `[0]` signed attributes TLV.
    signer_infos: Vec<(&'a [u8], Option<&'a [u8]>)>,
    /// The first SignerInfo: read in place ([`fast_signer_info`]) or
    /// decoded (once: the SET is decoded whole only when it holds more
    /// than one).
    first: Option<FirstSigner<'a>>,
    /// The issuer Name TLV of the first SignerInfo's IssuerAndSerialNumber,
    /// as received (compared with certificates' issuer DER without
    /// re-encoding the decoded Name).
    first_sid_issuer: Option<&'a [u8]>,
}

/// The first SignerInfo of a SignedData.
enum FirstSigner<'a> {
    /// Of the one shape every GB/T 35275 signer writes, read in place.
    Fast(FastSignerInfo<'a>),
    /// Decoded by the `cms` crate.
    Decoded(Box<SignerInfo>),
}

/// A SignerInfo of the shape GB/T 35275 signers write, read in place
/// without decoding it into owned `cms` types (decision 0015 follow-up:
/// that decoding was the largest cost of a full prescription verification
/// after its two SM2 verifies and its hashing).
///
/// [`fast_signer_info`] returns one only when every part is either
/// compared byte for byte with an encoding the strict decoder accepts
/// (version, the algorithm identifiers, the attribute types) or checked
/// exactly as the decoder checks it (lengths in minimal form, tags), and
/// the attributes are the three standard ones, each at most once, with
/// one value each. The issuer Name and serial are kept as received: they
/// are used only if they equal, byte for byte, those of a certificate
/// that decoded strictly; else the SignerInfo is decoded by the `cms` crate
/// after all. Anything else is decoded by the `cms` crate, so the set of
/// SignerInfos accepted and every verdict stay those of the decoder
/// (property test `fast_signer_info_agrees_with_the_decoder`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FastSignerInfo<'a> {
    /// The SignerInfo's full TLV.
    full: &'a [u8],
    /// issuerAndSerialNumber's issuer Name TLV, not yet checked.
    issuer: &'a [u8],
    /// issuerAndSerialNumber's serial INTEGER contents, not yet checked.
    serial: &'a [u8],
    /// The `[0]` signed attributes TLV, as received.
    signed_attrs: &'a [u8],
    /// messageDigest's OCTET STRING contents.
    message_digest: &'a [u8],
    /// contentType's value TLV (an OBJECT IDENTIFIER tag), if present.
    content_type: Option<&'a [u8]>,
    /// signingTime's value TLV (UTCTime or GeneralizedTime tag), if present.
    signing_time: Option<&'a [u8]>,
    /// The signature OCTET STRING contents.
    signature: &'a [u8],
}

/// [`read_tlv`] of a DER TLV only: a length in its minimal form (short
/// form below 128, long form with no leading zero and at most two length
/// bytes). `None` for anything else, which the callers then hand to the
/// `der` decoder.
fn strict_tlv(input: &[u8]) -> Option<(asn1::Tlv<'_>, &[u8])> {
    let (t, rest) = read_tlv(input).ok()?;
    let minimal = match t.full.len() - t.value.len() {
        2 => true,
        3 => t.value.len() >= 0x80,
        4 => t.value.len() >= 0x100,
        _ => false,
    };
    minimal.then_some((t, rest))
}

/// Is `t` an OBJECT IDENTIFIER TLV (DER) equal to one of `oids`? Equal
/// contents to a valid OID's encoding: the decoder would take it as that OID.
fn is_oid(t: &asn1::Tlv<'_>, oids: &[ObjectIdentifier]) -> Option<ObjectIdentifier> {
    if t.tag != 0x06 || t.full.len() != t.value.len() + 2 {
        return None;
    }
    oids.iter().find(|o| o.as_bytes() == t.value).copied()
}

/// Is `t` an AlgorithmIdentifier of one of `oids`, without parameters or
/// with NULL ones?
fn is_alg(t: &asn1::Tlv<'_>, oids: &[ObjectIdentifier]) -> bool {
    if t.tag != 0x30 {
        return false;
    }
    let Some((o, rest)) = strict_tlv(t.value) else {
        return false;
    };
    is_oid(&o, oids).is_some() && (rest.is_empty() || rest == [0x05, 0x00])
}

/// The signature algorithms [`check_sig_alg`] accepts.
const SIG_ALGS: [ObjectIdentifier; 4] = [
    oid::SM2_SIGN,
    oid::SM2_WITH_SM3,
    oid::SM2,
    oid::EC_PUBLIC_KEY,
];

/// See [`FastSignerInfo`]. `None`: decode with the `cms` crate.
fn fast_signer_info(full: &[u8]) -> Option<FastSignerInfo<'_>> {
    let (seq, rest) = strict_tlv(full)?;
    if seq.tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (version, r) = strict_tlv(seq.value)?;
    // CMSVersion: v0..v5, one content byte.
    if version.tag != 0x02 || version.value.len() != 1 || version.value[0] > 5 {
        return None;
    }
    let (sid, r) = strict_tlv(r)?;
    if sid.tag != 0x30 {
        return None;
    }
    let (issuer, sr) = strict_tlv(sid.value)?;
    let (serial, sr) = strict_tlv(sr)?;
    if issuer.tag != 0x30 || serial.tag != 0x02 || !sr.is_empty() {
        return None;
    }
    let (digest_alg, r) = strict_tlv(r)?;
    let (attrs, r) = strict_tlv(r)?;
    let (sig_alg, r) = strict_tlv(r)?;
    let (signature, r) = strict_tlv(r)?;
    if !r.is_empty()
        || !is_alg(&digest_alg, &[oid::SM3])
        || attrs.tag != 0xA0
        || !is_alg(&sig_alg, &SIG_ALGS)
        || signature.tag != 0x04
    {
        return None;
    }
    let (mut md, mut ct, mut st) = (None, None, None);
    let mut a = attrs.value;
    while !a.is_empty() {
        let (attr, ar) = strict_tlv(a)?;
        a = ar;
        if attr.tag != 0x30 {
            return None;
        }
        let (ty, vr) = strict_tlv(attr.value)?;
        let (set, vr) = strict_tlv(vr)?;
        if set.tag != 0x31 || !vr.is_empty() {
            return None;
        }
        let (value, sr) = strict_tlv(set.value)?;
        if !sr.is_empty() {
            return None;
        }
        let slot = match is_oid(
            &ty,
            &[
                oid::ATTR_MESSAGE_DIGEST,
                oid::ATTR_CONTENT_TYPE,
                oid::ATTR_SIGNING_TIME,
            ],
        )? {
            o if o == oid::ATTR_MESSAGE_DIGEST => &mut md,
            o if o == oid::ATTR_CONTENT_TYPE => &mut ct,
            _ => &mut st,
        };
        if slot.replace(value).is_some() {
            return None; // twice: the decoder's order decides, let it
        }
    }
    let md = md.filter(|v| v.tag == 0x04)?;
    if ct.is_some_and(|v| v.tag != 0x06) || st.is_some_and(|v| v.tag != 0x17 && v.tag != 0x18) {
        return None;
    }
    Some(FastSignerInfo {
        full,
        issuer: issuer.full,
        serial: serial.value,
        signed_attrs: attrs.full,
        message_digest: md.value,
        content_type: ct.map(|v| v.full),
        signing_time: st.map(|v| v.full),
        signature: signature.value,
    })
}

fn no_trailing(rest: &[u8], what: &str) -> Result<(), CmsError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(malformed(format!("trailing bytes after {what}")))
    }
}

/// `fast`: recognise the usual encodings byte for byte and read the first
/// SignerInfo in place ([`FastSignerInfo`]); `false` (tests only) decodes
/// every part with the `der`/`cms` types, as before the fast path.
fn raw_signed_data(der: &[u8], fast: bool) -> Result<RawSignedData<'_>, CmsError> {
    // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content }
    let (ci, rest) = asn1::expect_tlv(der, 0x30)?;
    no_trailing(rest, "ContentInfo")?;
    let (ct, rest) = asn1::expect_tlv(ci.value, 0x06)?;
    let known = [oid::GM_SIGNED_DATA, oid::PKCS7_SIGNED_DATA];
    let content_type = match is_oid(&ct, &known).filter(|_| fast) {
        Some(o) => o,
        None => ObjectIdentifier::from_der(ct.full).map_err(malformed)?,
    };
    let gm_oids = match content_type {
        o if o == oid::GM_SIGNED_DATA => true,
        o if o == oid::PKCS7_SIGNED_DATA => false,
        o => return Err(malformed(format!("content type {o} is not signedData"))),
    };
    let (explicit, rest) = asn1::expect_tlv(rest, 0xA0)?;
    no_trailing(rest, "ContentInfo content")?;
    let (sd, rest) = asn1::expect_tlv(explicit.value, 0x30)?;
    no_trailing(rest, "SignedData")?;
    // SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo,
    //   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos }
    let (version, rest) = asn1::expect_tlv(sd.value, 0x02)?;
    // Each part below is compared byte for byte with the encoding every
    // GB/T 35275 signer writes (which the decoder accepts), and decoded
    // strictly when it is anything else.
    if !(fast && matches!(version.full, [0x02, 0x01, 0..=5])) {
        CmsVersion::from_der(version.full).map_err(malformed)?;
    }
    let (digests, rest) = asn1::expect_tlv(rest, 0x31)?;
    let one_sm3 = strict_tlv(digests.full)
        .and_then(|(set, _)| strict_tlv(set.value))
        .is_some_and(|(alg, r)| r.is_empty() && is_alg(&alg, &[oid::SM3]));
    if !(fast && one_sm3) {
        DigestAlgorithmIdentifiers::from_der(digests.full).map_err(malformed)?;
    }
    let (encap_tlv, mut rest) = asn1::expect_tlv(rest, 0x30)?;
    // Detached: encapContentInfo is the eContentType alone.
    let data_type = strict_tlv(encap_tlv.full)
        .and_then(|(seq, _)| strict_tlv(seq.value))
        .and_then(|(t, r)| {
            let o = is_oid(&t, &[oid::GM_DATA, oid::PKCS7_DATA])?;
            r.is_empty().then_some((o, t.full))
        });
    let (encap, econtent_type_tlv) = match data_type.filter(|_| fast) {
        Some((econtent_type, tlv)) => (
            EncapsulatedContentInfo {
                econtent_type,
                econtent: None,
            },
            Some(tlv),
        ),
        None => (
            EncapsulatedContentInfo::from_der(encap_tlv.full).map_err(malformed)?,
            None,
        ),
    };
    let mut certificates = Vec::new();
    if let Ok((t, r)) = read_tlv(rest) {
        if t.tag == 0xA0 {
            rest = r;
            let mut c = t.value;
            while !c.is_empty() {
                let (cert, r) = read_tlv(c)?;
                if cert.tag == 0x30 {
                    certificates.push(cert.full);
                } else {
                    // Another CertificateChoices alternative: must decode, is not used.
                    CertificateChoices::from_der(cert.full).map_err(malformed)?;
                }
                c = r;
            }
        }
    }
    if let Ok((t, r)) = read_tlv(rest) {
        if t.tag == 0xA1 {
            rest = r;
            let mut c = t.value;
            while !c.is_empty() {
                let (crl, r) = read_tlv(c)?;
                RevocationInfoChoice::from_der(crl.full).map_err(malformed)?;
                c = r;
            }
        }
    }
    let (set, rest) = asn1::expect_tlv(rest, 0x31)?;
    no_trailing(rest, "signerInfos")?;
    let mut signer_infos = Vec::new();
    let mut first_sid_issuer = None;
    let mut s = set.value;
    while !s.is_empty() {
        let (si, r) = asn1::expect_tlv(s, 0x30)?;
        s = r;
        let (_v, r2) = asn1::expect_tlv(si.value, 0x02)?;
        let (sid, r2) = read_tlv(r2)?;
        if signer_infos.is_empty() && sid.tag == 0x30 {
            first_sid_issuer = Some(read_tlv(sid.value)?.0.full);
        }
        let (_dig, r2) = asn1::expect_tlv(r2, 0x30)?;
        let attrs = match read_tlv(r2) {
            Ok((a, _)) if a.tag == 0xA0 => Some(a.full),
            _ => None,
        };
        signer_infos.push((si.full, attrs));
    }
    // Every SignerInfo decodes strictly, and the SET OF is in DER order. One
    // SignerInfo (every prescription) is decoded by itself, once, and kept;
    // a larger SET is decoded whole as well (its ordering checked by `der`).
    let first = match signer_infos.as_slice() {
        [] => None,
        [(only, _)] => Some(match fast_signer_info(only).filter(|_| fast) {
            Some(f) => FirstSigner::Fast(f),
            None => FirstSigner::Decoded(Box::new(SignerInfo::from_der(only).map_err(malformed)?)),
        }),
        [(first, _), ..] => {
            SignerInfos::from_der(set.full).map_err(malformed)?;
            Some(FirstSigner::Decoded(Box::new(
                SignerInfo::from_der(first).map_err(malformed)?,
            )))
        }
    };
    Ok(RawSignedData {
        gm_oids,
        encap,
        econtent_type_tlv,
        certificates,
        signer_infos,
        first,
        first_sid_issuer,
    })
}

fn attr_value<'a>(attrs: &'a [Attribute], want: &ObjectIdentifier) -> Option<&'a Any> {
    attrs
        .iter()
        .find(|a| &a.oid == want)
        .and_then(|a| a.values.iter().next())
}

/// `raw_issuer`: the sid's issuer Name TLV as received, when known (it
/// decoded strictly, so it is the DER the decoded Name would encode to).
fn signer_matches(sid: &SignerIdentifier, raw_issuer: Option<&[u8]>, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            let same_issuer = match raw_issuer {
                Some(raw) => raw == cert.issuer_name_der(),
                None => isn.issuer.to_der().ok().as_deref() == Some(cert.issuer_name_der()),
            };
            same_issuer && normalize_serial(isn.serial_number.as_bytes()) == cert.serial()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => matches!(
            cert.x509().tbs_certificate().get_extension::<SubjectKeyIdentifier>(),
            Ok(Some((_, own))) if own.0.as_bytes() == ski.0.as_bytes()
        ),
    }
}

fn check_digest_alg(alg: &AlgorithmIdentifierOwned) -> Result<(), CmsError> {
    if alg.oid != oid::SM3 {
        return Err(CmsError::UnsupportedAlgorithm(format!(
            "digest {}",
            alg.oid
        )));
    }
    Ok(())
}

fn check_sig_alg(alg: &AlgorithmIdentifierOwned) -> Result<(), CmsError> {
    let ok = [
        oid::SM2_SIGN,
        oid::SM2_WITH_SM3,
        oid::SM2,
        oid::EC_PUBLIC_KEY,
    ];
    if !ok.contains(&alg.oid) {
        return Err(CmsError::UnsupportedAlgorithm(format!(
            "signature {}",
            alg.oid
        )));
    }
    Ok(())
}

/// Parse a SignedData far enough to list its certificates (no verification).
pub fn embedded_certificates(cms_der: &[u8]) -> Result<Vec<Certificate>, CmsError> {
    let raw = raw_signed_data(cms_der, false)?;
    raw.certificates
        .iter()
        .map(|c| Certificate::from_der(c).map_err(|e| malformed(e.to_string())))
        .collect()
}

/// Verify a detached CMS SignedData over `content` with the default user id.
pub fn verify_detached(
    cms_der: &[u8],
    content: &[u8],
    extra_certs: &[Certificate],
) -> Result<CmsVerified, CmsError> {
    verify_detached_with(cms_der, content, extra_certs, DEFAULT_USER_ID)
}

/// Verify a detached CMS SignedData over `content` with `user_id`.
pub fn verify_detached_with(
    cms_der: &[u8],
    content: &[u8],
    extra_certs: &[Certificate],
    user_id: &str,
) -> Result<CmsVerified, CmsError> {
    verify_detached_parts(cms_der, &[content], extra_certs, user_id)
}

/// [`verify_detached_with`] over content given as consecutive parts (a
/// signed PDF's two byte ranges), hashed in place rather than copied into
/// one buffer first.
pub fn verify_detached_parts(
    cms_der: &[u8],
    parts: &[&[u8]],
    extra_certs: &[Certificate],
    user_id: &str,
) -> Result<CmsVerified, CmsError> {
    verify_parts(cms_der, parts, extra_certs, user_id, true)
}

/// [`verify_detached_parts`] through the `der`/`cms` decoder alone, as it
/// was before the fast path ([`FastSignerInfo`]): what the fuzz target
/// `cms_fast_path` compares the fast path with. Not for verification.
#[doc(hidden)]
pub fn verify_detached_parts_decoded(
    cms_der: &[u8],
    parts: &[&[u8]],
    extra_certs: &[Certificate],
    user_id: &str,
) -> Result<CmsVerified, CmsError> {
    verify_parts(cms_der, parts, extra_certs, user_id, false)
}

/// [`verify_detached_parts`]; `fast` as in [`raw_signed_data`] (`false`:
/// the decoder's path alone, which the tests compare the fast one with).
fn verify_parts(
    cms_der: &[u8],
    parts: &[&[u8]],
    extra_certs: &[Certificate],
    user_id: &str,
    fast: bool,
) -> Result<CmsVerified, CmsError> {
    let content_eq = |other: &[u8]| {
        let mut rest = other;
        for p in parts {
            match rest.strip_prefix(*p) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    };
    let content_sm3 = || {
        let mut h = Sm3Hasher::new();
        for p in parts {
            h.update(p);
        }
        h.finalize()
    };
    let raw = raw_signed_data(cms_der, fast)?;
    let gm_oids = raw.gm_oids;
    let certificates: Vec<Certificate> = raw
        .certificates
        .iter()
        .map(|c| Certificate::from_der(c).map_err(|e| malformed(e.to_string())))
        .collect::<Result<_, _>>()
        .map_err(|e| match &raw.first {
            // The decoder would have refused a broken SignerInfo before
            // the certificates: report what it would have (fuzz target
            // cms_fast_path found the two errors in the other order).
            Some(FirstSigner::Fast(f)) => match SignerInfo::from_der(f.full) {
                Err(si) => malformed(si),
                Ok(_) => e,
            },
            _ => e,
        })?;

    if let Some(econtent) = &raw.encap.econtent {
        // Not detached: the encapsulated content must be the content we were given.
        let inner =
            OctetString::from_der(&econtent.to_der().map_err(malformed)?).map_err(malformed)?;
        if !content_eq(inner.as_bytes()) {
            return Err(CmsError::ContentMismatch);
        }
    }
    // The first SignerInfo as received (decoding the SET would re-sort it).
    let (_, raw_attrs) = *raw
        .signer_infos
        .first()
        .ok_or_else(|| malformed("no SignerInfo"))?;
    let first = raw
        .first
        .as_ref()
        .ok_or_else(|| malformed("no SignerInfo"))?;
    let decoded;
    let si: &SignerInfo = match first {
        FirstSigner::Fast(f) => {
            // The Name and serial as received, equal byte for byte to a
            // certificate's (which decoded strictly); the contentType
            // attribute equal byte for byte to the recognised eContentType.
            let signer = certificates.iter().chain(extra_certs.iter()).find(|c| {
                f.issuer == c.issuer_name_der()
                    && f.serial == c.x509().tbs_certificate().serial_number().as_bytes()
            });
            let content_type_ok = match (f.content_type, raw.econtent_type_tlv) {
                (None, _) => true,
                (Some(ct), Some(econtent_type)) => ct == econtent_type,
                (Some(_), None) => false,
            };
            if let (Some(signer), true) = (signer, content_type_ok) {
                // The checks of the decoded path below, in the same order.
                let sig = Signature::from_der(f.signature)
                    .or_else(|_| Signature::from_raw(f.signature))
                    .map_err(|_| CmsError::BadSignature)?;
                if f.message_digest != content_sm3() {
                    return Err(CmsError::ContentMismatch);
                }
                let signing_time = match f.signing_time {
                    // Through `AnyRef`, as the decoded path does (so an
                    // error names the same byte).
                    Some(t) => Some(time_to_chrono(
                        der::asn1::AnyRef::from_der(t)
                            .and_then(|a| a.decode_as::<x509_cert::time::Time>())
                            .map_err(malformed)?,
                    )),
                    None => None,
                };
                // [0] IMPLICIT → SET OF, as RFC 5652 §5.4 requires: the
                // tag byte replaced in the hash, not in a copy.
                signer
                    .public_key()
                    .verify_cached_parts(
                        &[&[0x31], f.signed_attrs.get(1..).unwrap_or_default()],
                        &sig,
                        user_id,
                    )
                    .map_err(|_| CmsError::BadSignature)?;
                return Ok(CmsVerified {
                    signer: signer.clone(),
                    signing_time,
                    certificates,
                    gm_oids,
                });
            }
            // Not recognised after all: the decoder decides.
            decoded = SignerInfo::from_der(f.full).map_err(malformed)?;
            &decoded
        }
        FirstSigner::Decoded(si) => si,
    };
    check_digest_alg(&si.digest_alg)?;
    check_sig_alg(&si.signature_algorithm)?;

    let signer = certificates
        .iter()
        .chain(extra_certs.iter())
        .find(|c| signer_matches(&si.sid, raw.first_sid_issuer, c))
        .cloned()
        .ok_or(CmsError::SignerCertificateNotFound)?;

    let sig_bytes = si.signature.as_bytes();
    let sig = Signature::from_der(sig_bytes)
        .or_else(|_| Signature::from_raw(sig_bytes))
        .map_err(|_| CmsError::BadSignature)?;

    let mut signing_time = None;
    match &si.signed_attrs {
        Some(attrs) => {
            let attrs: &[Attribute] = attrs.as_slice();
            let md = attr_value(attrs, &oid::ATTR_MESSAGE_DIGEST)
                .ok_or_else(|| malformed("signed attributes without messageDigest"))?;
            let md: OctetString = md.decode_as().map_err(malformed)?;
            if md.as_bytes() != content_sm3() {
                return Err(CmsError::ContentMismatch);
            }
            if let Some(ct) = attr_value(attrs, &oid::ATTR_CONTENT_TYPE) {
                let ct: ObjectIdentifier = ct.decode_as().map_err(malformed)?;
                if ct != raw.encap.econtent_type {
                    return Err(malformed("contentType attribute differs from eContentType"));
                }
            }
            if let Some(t) = attr_value(attrs, &oid::ATTR_SIGNING_TIME) {
                let t: x509_cert::time::Time = t.decode_as().map_err(malformed)?;
                signing_time = Some(time_to_chrono(t));
            }
            let raw_attrs = raw_attrs.ok_or_else(|| malformed("signed attributes not found"))?;
            let mut to_verify = raw_attrs.to_vec();
            to_verify[0] = 0x31; // [0] IMPLICIT → SET OF, as RFC 5652 §5.4 requires
            signer
                .public_key()
                .verify_cached(&to_verify, &sig, user_id)
                .map_err(|_| CmsError::BadSignature)?;
        }
        None => signer
            .public_key()
            .verify_cached(&parts.concat(), &sig, user_id)
            .map_err(|_| CmsError::BadSignature)?,
    }
    Ok(CmsVerified {
        signer,
        signing_time,
        certificates,
        gm_oids,
    })
}

/// Sign `content` as detached CMS SignedData (GB/T 35275 OIDs, signing time now).
pub fn sign_detached(
    content: &[u8],
    cert: &Certificate,
    key: &PrivateKey,
) -> Result<Vec<u8>, CmsError> {
    sign_detached_with(content, cert, key, &SignOptions::default())
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, CmsError> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(malformed)?;
    Ok(Attribute { oid, values })
}

/// Sign `content` as detached CMS SignedData with options.
pub fn sign_detached_with(
    content: &[u8],
    cert: &Certificate,
    key: &PrivateKey,
    opts: &SignOptions,
) -> Result<Vec<u8>, CmsError> {
    if &key.public_key() != cert.public_key() {
        return Err(malformed("private key does not match the certificate"));
    }
    let (data_oid, signed_data_oid, sig_alg) = match opts.profile {
        CmsProfile::Gbt35275 => (oid::GM_DATA, oid::GM_SIGNED_DATA, oid::SM2_SIGN),
        CmsProfile::Pkcs7 => (oid::PKCS7_DATA, oid::PKCS7_SIGNED_DATA, oid::SM2_WITH_SM3),
    };
    let signing_time = opts.signing_time.unwrap_or_else(Utc::now);
    let time = crate::asn1::x509_time(signing_time).map_err(malformed)?;
    let mut attrs = SetOfVec::new();
    attrs
        .insert(attribute(
            oid::ATTR_CONTENT_TYPE,
            Any::encode_from(&data_oid).map_err(malformed)?,
        )?)
        .map_err(malformed)?;
    attrs
        .insert(attribute(
            oid::ATTR_SIGNING_TIME,
            Any::encode_from(&time).map_err(malformed)?,
        )?)
        .map_err(malformed)?;
    attrs
        .insert(attribute(
            oid::ATTR_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(sm3(content).to_vec()).map_err(malformed)?)
                .map_err(malformed)?,
        )?)
        .map_err(malformed)?;
    let attrs_der = attrs.to_der().map_err(malformed)?;
    let sig = key
        .sign(&attrs_der, &opts.user_id)
        .map_err(|e| malformed(e.to_string()))?;

    let x509 = cert.x509().clone();
    let sm3_alg = AlgorithmIdentifierOwned {
        oid: oid::SM3,
        parameters: None,
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: x509.tbs_certificate().issuer().clone(),
            serial_number: x509.tbs_certificate().serial_number().clone(),
        }),
        digest_alg: sm3_alg.clone(),
        signed_attrs: Some(attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: sig_alg,
            parameters: None,
        },
        signature: OctetString::new(sig.to_der()).map_err(malformed)?,
        unsigned_attrs: None,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sm3_alg).map_err(malformed)?;
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer_info).map_err(malformed)?;
    let certificates = if opts.include_certificate {
        let mut set = SetOfVec::new();
        set.insert(CertificateChoices::Certificate(x509))
            .map_err(malformed)?;
        Some(CertificateSet(set))
    } else {
        None
    };
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: data_oid,
            econtent: None,
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    ContentInfo {
        content_type: signed_data_oid,
        content: Any::encode_from(&sd).map_err(malformed)?,
    }
    .to_der()
    .map_err(malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::{CertSpec, Issuer};
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    const CONTENT: &[u8] = b"eyJoaVJ4bm8iOiIxMSJ9";

    /// A leaf certificate and its detached signatures over [`CONTENT`]
    /// (GB/T 35275 profile, then PKCS#7), made once.
    fn signed() -> &'static (Certificate, [Vec<u8>; 2]) {
        static SIGNED: OnceLock<(Certificate, [Vec<u8>; 2])> = OnceLock::new();
        SIGNED.get_or_init(|| {
            let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
            let ca = Issuer::new_root(
                &CertSpec::ca(
                    "CN=DEMO Root,O=RxDesk DEMO,C=CN",
                    &[1],
                    t0,
                    t0 + Duration::days(3650),
                ),
                PrivateKey::generate().unwrap(),
            )
            .unwrap();
            let key = PrivateKey::generate().unwrap();
            let leaf = ca
                .issue(
                    &CertSpec::institution(
                        "H11010100001",
                        "示例医院",
                        &[0x20, 0x01],
                        t0,
                        t0 + Duration::days(900),
                        None,
                    ),
                    &key.public_key(),
                )
                .unwrap();
            let sign = |profile| {
                let opts = SignOptions {
                    profile,
                    signing_time: Some(Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap()),
                    ..Default::default()
                };
                sign_detached_with(CONTENT, &leaf, &key, &opts).unwrap()
            };
            let both = [sign(CmsProfile::Gbt35275), sign(CmsProfile::Pkcs7)];
            (leaf, both)
        })
    }

    /// A verification's outcome as comparable data: signer, signing time,
    /// embedded certificates, GB/T 35275 OIDs; or the error.
    type Outcome = Result<(Certificate, Option<DateTime<Utc>>, Vec<Certificate>, bool), CmsError>;

    /// The outcome as comparable data.
    fn outcome(r: Result<CmsVerified, CmsError>) -> Outcome {
        r.map(|v| (v.signer, v.signing_time, v.certificates, v.gm_oids))
    }

    #[test]
    fn our_signatures_take_the_fast_path_and_verify_alike() {
        let (leaf, both) = signed();
        for der in both {
            let raw = raw_signed_data(der, true).unwrap();
            assert!(matches!(raw.first, Some(FirstSigner::Fast(_))));
            assert!(raw.econtent_type_tlv.is_some());
            let slow = raw_signed_data(der, false).unwrap();
            assert!(matches!(slow.first, Some(FirstSigner::Decoded(_))));
            let fast = outcome(verify_parts(der, &[CONTENT], &[], DEFAULT_USER_ID, true));
            assert_eq!(fast.as_ref().map(|v| &v.0), Ok(leaf));
            assert_eq!(
                fast,
                outcome(verify_parts(der, &[CONTENT], &[], DEFAULT_USER_ID, false))
            );
            // Other content: the same verdict on both paths.
            assert_eq!(
                outcome(verify_parts(der, &[b"other"], &[], DEFAULT_USER_ID, true)),
                Err(CmsError::ContentMismatch)
            );
        }
    }

    #[test]
    fn strict_tlv_refuses_lengths_not_in_minimal_form() {
        assert!(strict_tlv(&[0x04, 0x01, 7]).is_some());
        assert!(strict_tlv(&[0x04, 0x81, 0x01, 7]).is_none());
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7; 0x80]);
        assert!(strict_tlv(&long).is_some());
        let mut padded = vec![0x04, 0x82, 0x00, 0x80];
        padded.extend([7; 0x80]);
        assert!(strict_tlv(&padded).is_none());
    }

    /// A broken certificate and a SignerInfo the fast path reads but the
    /// decoder refuses (its issuer Name broken): both paths report the
    /// SignerInfo's error, as the decoder met it first (fuzz target
    /// cms_fast_path found them reported in the other order).
    #[test]
    fn a_broken_signer_info_is_reported_before_a_broken_certificate() {
        let der = &signed().1[0];
        let offset = |part: &[u8]| part.as_ptr() as usize - der.as_ptr() as usize;
        let raw = raw_signed_data(der, true).unwrap();
        let Some(FirstSigner::Fast(f)) = &raw.first else {
            panic!("fast path not taken");
        };
        let (name_at, cert_at) = (offset(f.issuer), offset(raw.certificates[0]));
        let mut m = der.clone();
        assert_eq!(m[name_at + 2], 0x31, "the Name's first RDN");
        m[name_at + 2] = 0x04;
        m[cert_at + 4] ^= 0x20;
        assert!(fast_signer_info(&m[offset(f.full)..offset(f.full) + f.full.len()]).is_some());
        let fast = outcome(verify_parts(&m, &[CONTENT], &[], DEFAULT_USER_ID, true));
        let slow = outcome(verify_parts(&m, &[CONTENT], &[], DEFAULT_USER_ID, false));
        assert_eq!(fast, slow);
        assert!(
            matches!(&fast, Err(CmsError::Malformed(d)) if !d.contains("certificate")),
            "{fast:?}"
        );
    }

    fn bent(der: &[u8], kind: u8, at: usize, byte: u8) -> Vec<u8> {
        let mut m = der.to_vec();
        let i = at % m.len();
        match kind % 3 {
            0 => m[i] = byte,
            1 => {
                m.remove(i);
            }
            _ => m.insert(i, byte),
        }
        m
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

        /// One byte changed, removed or inserted, mostly in the
        /// SignerInfo (the last part of the structure): the fast path's
        /// verdict (signer, signing time, certificates, or the error
        /// itself) is the decoder's.
        #[test]
        fn fast_signer_info_agrees_with_the_decoder(
            which in 0usize..2,
            kind in any::<u8>(),
            near_end in prop_oneof![3 => Just(true), 1 => Just(false)],
            at in any::<usize>(),
            byte in prop_oneof![
                2 => proptest::sample::select(vec![0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x17, 0x18, 0x30, 0x31, 0x7f, 0x80, 0x81, 0x82, 0xa0, 0xa1]),
                1 => any::<u8>(),
            ],
        ) {
            let der = &signed().1[which];
            let at = if near_end { der.len() - 1 - at % 260.min(der.len()) } else { at };
            let m = bent(der, kind, at, byte);
            let fast = outcome(verify_parts(&m, &[CONTENT], &[], DEFAULT_USER_ID, true));
            let slow = outcome(verify_parts(&m, &[CONTENT], &[], DEFAULT_USER_ID, false));
            prop_assert_eq!(fast, slow);
        }
    }
}
