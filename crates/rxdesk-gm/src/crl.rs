//! X.509 CRLs signed with SM2: parsing, signature check against the issuing
//! CA, freshness, and revocation lookup by serial **compared as integers**.

use crate::asn1::{self, oid};
use crate::cert::{normalize_serial, time_to_chrono, CertError, Certificate};
use crate::primitives::Signature;
use chrono::{DateTime, Utc};
use der::{Decode, Encode};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::CrlReason;

/// CRL extensions RxDesk processes (see [`Crl::unknown_critical_extensions`]).
const KNOWN_CRL_EXTENSIONS: [der::asn1::ObjectIdentifier; 2] = [
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.35"), // authorityKeyIdentifier
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.20"), // cRLNumber
];

/// CRL entry extensions RxDesk processes.
const KNOWN_CRL_ENTRY_EXTENSIONS: [der::asn1::ObjectIdentifier; 2] = [
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.21"), // reasonCode
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.24"), // invalidityDate
];

/// One revoked entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial (minimal big-endian magnitude).
    pub serial: Vec<u8>,
    /// revocationDate.
    pub date: DateTime<Utc>,
    /// CRL reason code name (`keyCompromise`, …), `unspecified` when absent.
    pub reason: String,
}

/// A parsed CRL, keeping its original DER.
///
/// Cheap to clone (the parsed form is shared); what every revocation check
/// needs (issuer name, fingerprint, the entries by serial, unprocessed
/// critical extensions) is computed once per parsed CRL, not per check: a
/// production CRL has thousands of entries.
#[derive(Clone)]
pub struct Crl(Arc<ParsedCrl>);

struct ParsedCrl {
    der: Vec<u8>,
    tbs: (usize, usize),
    inner: CertificateList,
    issuer_der: Vec<u8>,
    /// SM3 of `der` (signature-cache keys), on first use.
    fingerprint: OnceLock<[u8; 32]>,
    /// Revoked entries by normalised serial, on first use.
    by_serial: OnceLock<HashMap<Vec<u8>, RevokedEntry>>,
    /// [`Crl::unknown_critical_extensions`], on first use.
    unknown_critical: OnceLock<Vec<String>>,
    /// thisUpdate and nextUpdate as `chrono` times, on first use (decision
    /// 0032: every revocation check converted them four times).
    times: OnceLock<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

impl std::fmt::Debug for Crl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer_dn())
            .field("this_update", &self.this_update())
            .field("next_update", &self.next_update())
            .field("revoked", &self.revoked().len())
            .finish()
    }
}

fn malformed(e: impl std::fmt::Display) -> CertError {
    CertError::Malformed(format!("CRL: {e}"))
}

/// Name of a reason code as RFC 5280 spells it.
pub fn reason_name(r: CrlReason) -> &'static str {
    match r {
        CrlReason::Unspecified => "unspecified",
        CrlReason::KeyCompromise => "keyCompromise",
        CrlReason::CaCompromise => "cACompromise",
        CrlReason::AffiliationChanged => "affiliationChanged",
        CrlReason::Superseded => "superseded",
        CrlReason::CessationOfOperation => "cessationOfOperation",
        CrlReason::CertificateHold => "certificateHold",
        CrlReason::RemoveFromCRL => "removeFromCRL",
        CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        CrlReason::AaCompromise => "aACompromise",
    }
}

impl Crl {
    /// Parse DER.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let inner = CertificateList::from_der(der).map_err(malformed)?;
        let tbs = asn1::first_element_of_sequence(der).map_err(malformed)?;
        let start = tbs.as_ptr() as usize - der.as_ptr() as usize;
        let issuer_der = inner.tbs_cert_list.issuer.to_der().map_err(malformed)?;
        Ok(Self(Arc::new(ParsedCrl {
            der: der.to_vec(),
            tbs: (start, start + tbs.len()),
            inner,
            issuer_der,
            fingerprint: OnceLock::new(),
            by_serial: OnceLock::new(),
            unknown_critical: OnceLock::new(),
            times: OnceLock::new(),
        })))
    }

    /// Parse PEM (`X509 CRL`) or DER bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CertError> {
        match std::str::from_utf8(bytes) {
            Ok(text) if text.contains("-----BEGIN ") => {
                let (label, der) = crate::primitives::pem_decode(text).map_err(malformed)?;
                if label != "X509 CRL" {
                    return Err(malformed(format!("unexpected PEM label {label:?}")));
                }
                Self::from_der(&der)
            }
            _ => Self::from_der(bytes),
        }
    }

    /// DER.
    pub fn to_der(&self) -> &[u8] {
        &self.0.der
    }

    /// PEM.
    pub fn to_pem(&self) -> String {
        crate::primitives::pem_encode("X509 CRL", &self.0.der)
    }

    /// Issuer DN (RFC 4514).
    pub fn issuer_dn(&self) -> String {
        crate::cert::format_dn(&self.0.inner.tbs_cert_list.issuer)
    }

    /// DER of the issuer Name.
    pub fn issuer_der(&self) -> Vec<u8> {
        self.0.issuer_der.clone()
    }

    /// DER of the issuer Name, borrowed.
    pub(crate) fn issuer_name_der(&self) -> &[u8] {
        &self.0.issuer_der
    }

    /// SM3 of the CRL's DER (memoised).
    pub fn fingerprint(&self) -> [u8; 32] {
        *self
            .0
            .fingerprint
            .get_or_init(|| crate::primitives::sm3(&self.0.der))
    }

    fn times(&self) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
        *self.0.times.get_or_init(|| {
            let tbs = &self.0.inner.tbs_cert_list;
            (
                time_to_chrono(tbs.this_update),
                tbs.next_update.map(time_to_chrono),
            )
        })
    }

    /// thisUpdate.
    pub fn this_update(&self) -> DateTime<Utc> {
        self.times().0
    }

    /// nextUpdate (absent = no promise of a next one).
    pub fn next_update(&self) -> Option<DateTime<Utc>> {
        self.times().1
    }

    /// Until when this CRL proves anything: its nextUpdate, or its
    /// thisUpdate when it promises no next one (RFC 5280 §5.1.2.5 requires
    /// nextUpdate; a CRL without it is treated as stale from its issue).
    pub fn fresh_until(&self) -> DateTime<Utc> {
        self.next_update().unwrap_or_else(|| self.this_update())
    }

    /// Is the CRL past [`Self::fresh_until`] at `now`?
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        now > self.fresh_until()
    }

    /// Every revoked entry.
    pub fn revoked(&self) -> Vec<RevokedEntry> {
        let Some(list) = &self.0.inner.tbs_cert_list.revoked_certificates else {
            return Vec::new();
        };
        list.iter()
            .map(|rc| {
                let reason = rc
                    .crl_entry_extensions
                    .as_ref()
                    .and_then(|exts| exts.iter().find(|e| e.extn_id == oid::CRL_REASON))
                    .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok())
                    .map(reason_name)
                    .unwrap_or("unspecified");
                RevokedEntry {
                    serial: normalize_serial(rc.serial_number.as_bytes()),
                    date: time_to_chrono(rc.revocation_date),
                    reason: reason.to_string(),
                }
            })
            .collect()
    }

    /// The entry for `serial` (any byte form of the same integer), if revoked.
    pub fn find(&self, serial: &[u8]) -> Option<RevokedEntry> {
        // `normalize_serial(serial)`, borrowed.
        let want = match serial.iter().position(|&b| b != 0) {
            Some(start) => &serial[start..],
            None => &[0][..],
        };
        self.0
            .by_serial
            .get_or_init(|| {
                let mut m = HashMap::new();
                for e in self.revoked() {
                    // The first entry of a serial listed twice wins (as the
                    // linear search did).
                    m.entry(e.serial.clone()).or_insert(e);
                }
                m
            })
            .get(want)
            .cloned()
    }

    /// The OIDs of critical CRL extensions and CRL entry extensions RxDesk
    /// does not process (RFC 5280 §5.2, §5.3: such a CRL must not be used to
    /// decide revocation). Processed: authorityKeyIdentifier, cRLNumber,
    /// reasonCode, invalidityDate. Not processed (so a CRL carrying them as
    /// critical is refused): issuingDistributionPoint (a partitioned CRL),
    /// deltaCRLIndicator (a delta CRL), certificateIssuer (an indirect CRL).
    pub fn unknown_critical_extensions(&self) -> Vec<String> {
        self.0
            .unknown_critical
            .get_or_init(|| self.compute_unknown_critical_extensions())
            .clone()
    }

    fn compute_unknown_critical_extensions(&self) -> Vec<String> {
        let tbs = &self.0.inner.tbs_cert_list;
        let mut out: Vec<String> = tbs
            .crl_extensions
            .iter()
            .flatten()
            .filter(|e| e.critical && !KNOWN_CRL_EXTENSIONS.contains(&e.extn_id))
            .map(|e| e.extn_id.to_string())
            .collect();
        for rc in tbs.revoked_certificates.iter().flatten() {
            for e in rc.crl_entry_extensions.iter().flatten() {
                let id = e.extn_id.to_string();
                if e.critical
                    && !KNOWN_CRL_ENTRY_EXTENSIONS.contains(&e.extn_id)
                    && !out.contains(&id)
                {
                    out.push(id);
                }
            }
        }
        out
    }

    /// May this CRL decide revocation for certificates of `issuer`? Its
    /// signature verifies under `issuer` (SM2-with-SM3 over the raw
    /// TBSCertList), `issuer`'s keyUsage (when present) has cRLSign, and it
    /// carries no critical extension RxDesk does not process. `sig_cache`
    /// remembers the signature check only.
    pub fn check_usable(
        &self,
        issuer: &Certificate,
        user_id: &str,
        sig_cache: Option<&crate::cache::VerifiedCache>,
    ) -> Result<(), CertError> {
        if self.issuer_name_der() != issuer.subject_name_der() {
            return Err(CertError::IssuerMismatch);
        }
        if let Some(ku) = issuer.key_usage() {
            if !ku.crl_sign {
                return Err(CertError::Unsupported(format!(
                    "CRL issuer {:?} lacks keyUsage cRLSign",
                    issuer.subject_dn()
                )));
            }
        }
        let unknown = self
            .0
            .unknown_critical
            .get_or_init(|| self.compute_unknown_critical_extensions());
        if !unknown.is_empty() {
            return Err(CertError::Unsupported(format!(
                "CRL carries unrecognised critical extension(s) {}",
                unknown.join(", ")
            )));
        }
        match sig_cache {
            Some(c) => c.check_digests(
                "crl",
                user_id,
                &issuer.fingerprint(),
                &self.fingerprint(),
                || self.verify_signed_by(issuer, user_id),
            ),
            None => self.verify_signed_by(issuer, user_id),
        }
    }

    /// Was this CRL issued and signed by `issuer` (SM2-with-SM3 over the raw TBSCertList)?
    pub fn verify_signed_by(&self, issuer: &Certificate, user_id: &str) -> Result<(), CertError> {
        if self.issuer_name_der() != issuer.subject_name_der() {
            return Err(CertError::IssuerMismatch);
        }
        let alg = &self.0.inner.signature_algorithm.oid;
        if *alg != oid::SM2_WITH_SM3 || self.0.inner.tbs_cert_list.signature.oid != *alg {
            return Err(CertError::Unsupported(format!(
                "CRL signature algorithm {alg}, expected SM2-with-SM3"
            )));
        }
        let sig = self
            .0
            .inner
            .signature
            .as_bytes()
            .ok_or_else(|| malformed("signature BIT STRING has unused bits"))?;
        let sig = Signature::from_der(sig).map_err(|_| CertError::BadSignature)?;
        issuer
            .public_key()
            .verify(&self.0.der[self.0.tbs.0..self.0.tbs.1], &sig, user_id)
            .map_err(|_| CertError::BadSignature)
    }
}
