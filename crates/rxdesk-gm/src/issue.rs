//! A small demo CA (DEMO ONLY, never for production): make SM2 root and
//! intermediate CAs, issue institution signing certificates, and build signed
//! CRLs, so the center emulator and the tests can create every case at run
//! time.
//!
//! Institution certificates carry the institution code (定点医疗机构编号) in
//! the subject's `organizationIdentifier` (2.5.4.97), the name in `O` and
//! `CN`, a CRL distribution point URI, keyUsage
//! `digitalSignature, nonRepudiation` (critical), basicConstraints `CA:FALSE`,
//! SKI/AKI. All signatures are SM2-with-SM3 with the issuer's user id
//! (default `1234567812345678`) over DER we encode here.

use crate::asn1::oid;
use crate::cert::{CertError, Certificate, KeyUsageBits};
use crate::crl::Crl;
use crate::primitives::{PrivateKey, PublicKey, DEFAULT_USER_ID};
use chrono::{DateTime, Utc};
use der::asn1::{BitString, Ia5String, OctetString};
use der::{Decode, Encode, Sequence};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use std::str::FromStr;
use x509_cert::crl::{RevokedCert, TbsCertList};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    crl::dp::DistributionPoint, AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints,
    CrlNumber, CrlReason, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;
use x509_cert::Version;

/// Why issuing failed (bad input; never a panic).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// A subject DN string that RFC 4514 parsing rejects.
    #[error("bad subject DN {0:?}")]
    BadName(String),
    /// A time outside what X.509 can encode (before 1970 or after 9999).
    #[error("time out of range: {0}")]
    BadTime(String),
    /// A serial that is empty or longer than 20 bytes.
    #[error("bad serial (1..=20 bytes, positive)")]
    BadSerial,
    /// DER encoding or signing failed.
    #[error("encoding failed: {0}")]
    Encoding(String),
    /// The produced certificate did not parse back (a bug).
    #[error(transparent)]
    Cert(#[from] CertError),
}

fn enc(e: impl std::fmt::Display) -> IssueError {
    IssueError::Encoding(e.to_string())
}

/// What goes into a certificate.
#[derive(Debug, Clone)]
pub struct CertSpec {
    /// Subject DN as an RFC 4514 string, most specific first
    /// (`CN=…,2.5.4.97=H11010100001,O=…,C=CN`).
    pub subject: String,
    /// Serial (big-endian magnitude).
    pub serial: Vec<u8>,
    /// notBefore.
    pub not_before: DateTime<Utc>,
    /// notAfter.
    pub not_after: DateTime<Utc>,
    /// A CA certificate (basicConstraints CA:TRUE)?
    pub is_ca: bool,
    /// keyUsage (critical; omitted when no bit is set). [`CertSpec::ca`]
    /// sets keyCertSign + cRLSign.
    pub key_usage: KeyUsageBits,
    /// CRL distribution point URIs.
    pub crl_urls: Vec<String>,
    /// basicConstraints pathLenConstraint of a CA (None: no limit).
    pub path_len: Option<u8>,
    /// Further extensions, as given (tests: unknown critical extensions).
    pub extra_extensions: Vec<RawExtension>,
}

/// An extension given by OID and DER value (for test certificates and CRLs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawExtension {
    /// Dotted OID.
    pub oid: String,
    /// The critical flag.
    pub critical: bool,
    /// The DER of the extension value (inside the OCTET STRING).
    pub value: Vec<u8>,
}

impl RawExtension {
    fn to_extension(&self) -> Result<Extension, IssueError> {
        Ok(Extension {
            extn_id: der::asn1::ObjectIdentifier::new(&self.oid).map_err(enc)?,
            critical: self.critical,
            extn_value: OctetString::new(self.value.clone()).map_err(enc)?,
        })
    }
}

pub use crate::cert::escape_dn_value;

/// The subject an institution certificate gets: `CN=<name>,2.5.4.97=<code>,O=<name>,C=CN`.
pub fn institution_subject(code: &str, name: &str) -> String {
    format!(
        "CN={},2.5.4.97={},O={},C=CN",
        escape_dn_value(name),
        escape_dn_value(code),
        escape_dn_value(name)
    )
}

impl CertSpec {
    /// A root/intermediate CA spec.
    pub fn ca(
        subject: &str,
        serial: &[u8],
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
    ) -> Self {
        Self {
            subject: subject.to_string(),
            serial: serial.to_vec(),
            not_before,
            not_after,
            is_ca: true,
            key_usage: KeyUsageBits {
                key_cert_sign: true,
                crl_sign: true,
                ..Default::default()
            },
            crl_urls: Vec::new(),
            path_len: None,
            extra_extensions: Vec::new(),
        }
    }

    /// An institution signing certificate spec (see the module docs).
    pub fn institution(
        code: &str,
        name: &str,
        serial: &[u8],
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
        crl_url: Option<&str>,
    ) -> Self {
        Self {
            subject: institution_subject(code, name),
            serial: serial.to_vec(),
            not_before,
            not_after,
            is_ca: false,
            key_usage: KeyUsageBits {
                digital_signature: true,
                non_repudiation: true,
                ..Default::default()
            },
            crl_urls: crl_url.map(|u| vec![u.to_string()]).unwrap_or_default(),
            path_len: None,
            extra_extensions: Vec::new(),
        }
    }
}

/// Convert a chrono time to an X.509 `Time` (UTCTime before 2050, else GeneralizedTime).
pub fn to_x509_time(t: DateTime<Utc>) -> Result<Time, IssueError> {
    crate::asn1::x509_time(t).map_err(IssueError::BadTime)
}

#[derive(Sequence)]
struct ValidityBuild {
    not_before: Time,
    not_after: Time,
}

#[derive(Sequence)]
struct TbsCertificateBuild {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: ValidityBuild,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct SignedBuild {
    tbs: der::Any,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

fn sm2_with_sm3() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::SM2_WITH_SM3,
        parameters: None,
    }
}

fn serial_number(bytes: &[u8]) -> Result<SerialNumber, IssueError> {
    let mag = crate::cert::normalize_serial(bytes);
    if mag == [0] || mag.len() > 20 {
        return Err(IssueError::BadSerial);
    }
    // A leading 0x00 keeps a high-bit serial positive.
    let mut v = mag.clone();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    SerialNumber::new(&v).map_err(|_| IssueError::BadSerial)
}

fn ext<T: Encode + der::oid::AssociatedOid>(
    critical: bool,
    value: &T,
) -> Result<Extension, IssueError> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(enc)?).map_err(enc)?,
    })
}

/// Key identifier: the first 20 bytes of SM3 over the public key point.
pub fn key_identifier(pk: &PublicKey) -> Vec<u8> {
    crate::primitives::sm3(&pk.to_sec1())[..20].to_vec()
}

fn sign_wrap(tbs_der: Vec<u8>, key: &PrivateKey, user_id: &str) -> Result<Vec<u8>, IssueError> {
    let sig = key.sign(&tbs_der, user_id).map_err(enc)?;
    SignedBuild {
        tbs: der::Any::from_der(&tbs_der).map_err(enc)?,
        algorithm: sm2_with_sm3(),
        signature: BitString::from_bytes(&sig.to_der()).map_err(enc)?,
    }
    .to_der()
    .map_err(enc)
}

/// A CA that can issue certificates and CRLs (DEMO ONLY).
#[derive(Debug, Clone)]
pub struct Issuer {
    /// The CA's certificate.
    pub cert: Certificate,
    /// The CA's private key.
    pub key: PrivateKey,
    /// SM2 user id used for the CA's signatures.
    pub user_id: String,
}

fn build_cert(
    spec: &CertSpec,
    subject_key: &PublicKey,
    issuer_name: Name,
    issuer_key: &PrivateKey,
    issuer_ski: Option<Vec<u8>>,
    user_id: &str,
) -> Result<Certificate, IssueError> {
    let subject =
        Name::from_str(&spec.subject).map_err(|_| IssueError::BadName(spec.subject.clone()))?;
    let spki = SubjectPublicKeyInfoOwned::from_der(&subject_key.to_spki_der().map_err(enc)?)
        .map_err(enc)?;
    let mut exts = vec![ext(
        true,
        &BasicConstraints {
            ca: spec.is_ca,
            path_len_constraint: if spec.is_ca { spec.path_len } else { None },
        },
    )?];
    let ku = {
        let mut f = flagset::FlagSet::<KeyUsages>::default();
        if spec.key_usage.digital_signature {
            f |= KeyUsages::DigitalSignature;
        }
        if spec.key_usage.non_repudiation {
            f |= KeyUsages::NonRepudiation;
        }
        if spec.key_usage.key_cert_sign {
            f |= KeyUsages::KeyCertSign;
        }
        if spec.key_usage.crl_sign {
            f |= KeyUsages::CRLSign;
        }
        f
    };
    if !ku.is_empty() {
        exts.push(ext(true, &KeyUsage(ku))?);
    }
    exts.push(ext(
        false,
        &SubjectKeyIdentifier(OctetString::new(key_identifier(subject_key)).map_err(enc)?),
    )?);
    if let Some(ski) = issuer_ski {
        exts.push(ext(
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(ski).map_err(enc)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?);
    }
    if !spec.crl_urls.is_empty() {
        let mut dps = Vec::new();
        for u in &spec.crl_urls {
            let uri = Ia5String::new(u).map_err(enc)?;
            dps.push(DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![
                    GeneralName::UniformResourceIdentifier(uri),
                ])),
                reasons: None,
                crl_issuer: None,
            });
        }
        exts.push(ext(false, &CrlDistributionPoints(dps))?);
    }
    for x in &spec.extra_extensions {
        exts.push(x.to_extension()?);
    }
    let tbs = TbsCertificateBuild {
        version: Version::V3,
        serial_number: serial_number(&spec.serial)?,
        signature: sm2_with_sm3(),
        issuer: issuer_name,
        validity: ValidityBuild {
            not_before: to_x509_time(spec.not_before)?,
            not_after: to_x509_time(spec.not_after)?,
        },
        subject,
        subject_public_key_info: spki,
        extensions: Some(exts),
    };
    let der = sign_wrap(tbs.to_der().map_err(enc)?, issuer_key, user_id)?;
    Ok(Certificate::from_der(&der)?)
}

/// One revocation to put in a CRL.
#[derive(Debug, Clone)]
pub struct Revocation {
    /// Serial of the revoked certificate.
    pub serial: Vec<u8>,
    /// revocationDate.
    pub date: DateTime<Utc>,
    /// Reason code.
    pub reason: CrlReason,
}

impl Issuer {
    /// Make a self-signed root CA with `key` (DEMO ONLY).
    pub fn new_root(spec: &CertSpec, key: PrivateKey) -> Result<Self, IssueError> {
        let name =
            Name::from_str(&spec.subject).map_err(|_| IssueError::BadName(spec.subject.clone()))?;
        let pk = key.public_key();
        let cert = build_cert(
            spec,
            &pk,
            name,
            &key,
            Some(key_identifier(&pk)),
            DEFAULT_USER_ID,
        )?;
        Ok(Self {
            cert,
            key,
            user_id: DEFAULT_USER_ID.to_string(),
        })
    }

    /// Use an existing CA certificate and key.
    pub fn from_parts(cert: Certificate, key: PrivateKey) -> Self {
        Self {
            cert,
            key,
            user_id: DEFAULT_USER_ID.to_string(),
        }
    }

    fn own_ski(&self) -> Vec<u8> {
        key_identifier(self.cert.public_key())
    }

    /// Issue a certificate for `subject_key` (end-entity or intermediate CA).
    pub fn issue(
        &self,
        spec: &CertSpec,
        subject_key: &PublicKey,
    ) -> Result<Certificate, IssueError> {
        build_cert(
            spec,
            subject_key,
            self.cert.x509().tbs_certificate().subject().clone(),
            &self.key,
            Some(self.own_ski()),
            &self.user_id,
        )
    }

    /// Issue an intermediate CA and return it as an `Issuer`.
    pub fn issue_intermediate(
        &self,
        spec: &CertSpec,
        key: PrivateKey,
    ) -> Result<Issuer, IssueError> {
        let cert = self.issue(spec, &key.public_key())?;
        Ok(Issuer::from_parts(cert, key))
    }

    /// Build a CRL signed by this CA.
    pub fn issue_crl(
        &self,
        this_update: DateTime<Utc>,
        next_update: Option<DateTime<Utc>>,
        revoked: &[Revocation],
        crl_number: u32,
    ) -> Result<Crl, IssueError> {
        self.issue_crl_with(this_update, next_update, revoked, crl_number, &[], &[])
    }

    /// [`Self::issue_crl`] with further CRL extensions and further
    /// extensions on every entry (tests: unknown critical extensions).
    pub fn issue_crl_with(
        &self,
        this_update: DateTime<Utc>,
        next_update: Option<DateTime<Utc>>,
        revoked: &[Revocation],
        crl_number: u32,
        crl_extensions: &[RawExtension],
        entry_extensions: &[RawExtension],
    ) -> Result<Crl, IssueError> {
        let mut entries = Vec::new();
        for r in revoked {
            let mut exts = vec![ext(false, &r.reason)?];
            for x in entry_extensions {
                exts.push(x.to_extension()?);
            }
            entries.push(RevokedCert {
                serial_number: serial_number(&r.serial)?,
                revocation_date: to_x509_time(r.date)?,
                crl_entry_extensions: Some(exts),
            });
        }
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(self.own_ski()).map_err(enc)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let number = CrlNumber(der::asn1::Uint::new(&crl_number.to_be_bytes()).map_err(enc)?);
        let tbs = TbsCertList {
            version: Version::V2,
            signature: AlgorithmIdentifierOwned {
                oid: oid::SM2_WITH_SM3,
                parameters: None,
            },
            issuer: self.cert.x509().tbs_certificate().subject().clone(),
            this_update: to_x509_time(this_update)?,
            next_update: next_update.map(to_x509_time).transpose()?,
            revoked_certificates: if entries.is_empty() {
                None
            } else {
                Some(entries)
            },
            crl_extensions: Some({
                let mut v = vec![ext(false, &aki)?, ext(false, &number)?];
                for x in crl_extensions {
                    v.push(x.to_extension()?);
                }
                v
            }),
        };
        let der = sign_wrap(tbs.to_der().map_err(enc)?, &self.key, &self.user_id)?;
        Ok(Crl::from_der(&der)?)
    }
}

/// A certificate with its private key (an institution signer).
#[derive(Debug, Clone)]
pub struct SignerIdentity {
    /// The certificate.
    pub cert: Certificate,
    /// Its private key.
    pub key: PrivateKey,
}

/// Fill the signature material of a download the way the platform does
/// (docs/reference/wire-protocol.md §5): `rxFile` = Base64 of `pdf` signed by the institution,
/// `signDigest` = Base64 DER of the detached CMS over `originalValue`,
/// `signCertSn`/`signCertDn` from the certificate. Used by the center emulator.
pub fn sign_prescription(
    rx: &mut crate::download::DownloadedPrescription,
    pdf: &[u8],
    signer: &SignerIdentity,
    signing_time: DateTime<Utc>,
) -> Result<(), IssueError> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let opts = crate::cms::SignOptions {
        signing_time: Some(signing_time),
        ..Default::default()
    };
    let signed_pdf =
        crate::pdf::sign_pdf_with(pdf, &signer.cert, &signer.key, &opts).map_err(enc)?;
    let digest = crate::cms::sign_detached_with(
        rx.original_value().as_bytes(),
        &signer.cert,
        &signer.key,
        &opts,
    )
    .map_err(enc)?;
    rx.rx_file = b64.encode(signed_pdf);
    rx.sign_digest = b64.encode(digest);
    rx.sign_cert_sn = signer.cert.serial_hex();
    rx.sign_cert_dn = signer.cert.subject_dn();
    Ok(())
}

/// A complete DEMO PKI for one institution, made at run time: the 医保 root,
/// an unrelated root, institution certificates for every case, and a CRL.
#[derive(Debug, Clone)]
pub struct DemoPki {
    /// The demo 医保 root CA.
    pub root: Issuer,
    /// Another CA nobody trusts.
    pub other_root: Issuer,
    /// Valid signer for the institution (serial 0x1001).
    pub valid: SignerIdentity,
    /// Revoked signer (serial 0x1002, keyCompromise).
    pub revoked: SignerIdentity,
    /// Signer whose certificate expired a day before `now` (serial 0x1003).
    pub expired: SignerIdentity,
    /// Signer whose certificate becomes valid in a year (serial 0x1004).
    pub not_yet_valid: SignerIdentity,
    /// Signer certificate issued by `other_root` (serial 0x1005).
    pub other_ca: SignerIdentity,
    /// Signer for a *different* institution code (`<code>X`, serial 0x1006).
    pub other_institution: SignerIdentity,
    /// Certificate without a signing key usage (serial 0x1007).
    pub no_signing_usage: SignerIdentity,
    /// The root's CRL (this update `now − 1 h`, next update `now + 7 d`), revoking 0x1002.
    pub crl: Crl,
}

impl DemoPki {
    /// Generate everything for institution `code`/`name` around `now`.
    /// `crl_url` goes into the certificates' CRL distribution point.
    pub fn generate(
        code: &str,
        name: &str,
        now: DateTime<Utc>,
        crl_url: Option<&str>,
    ) -> Result<Self, IssueError> {
        use chrono::Duration;
        let long_ago = now - Duration::days(365);
        let root = Issuer::new_root(
            &CertSpec::ca(
                "CN=RxDesk DEMO 医保 Root CA (NOT FOR PRODUCTION),O=RxDesk DEMO,C=CN",
                &[0x01],
                long_ago,
                now + Duration::days(3650),
            ),
            PrivateKey::generate().map_err(enc)?,
        )?;
        let other_root = Issuer::new_root(
            &CertSpec::ca(
                "CN=Unrelated DEMO CA,O=Somebody Else,C=CN",
                &[0x01],
                long_ago,
                now + Duration::days(3650),
            ),
            PrivateKey::generate().map_err(enc)?,
        )?;
        let make = |ca: &Issuer, spec: CertSpec| -> Result<SignerIdentity, IssueError> {
            let key = PrivateKey::generate().map_err(enc)?;
            let cert = ca.issue(&spec, &key.public_key())?;
            Ok(SignerIdentity { cert, key })
        };
        let inst =
            |serial: &[u8], nb, na| CertSpec::institution(code, name, serial, nb, na, crl_url);
        let valid = make(
            &root,
            inst(&[0x10, 0x01], long_ago, now + Duration::days(730)),
        )?;
        let revoked = make(
            &root,
            inst(&[0x10, 0x02], long_ago, now + Duration::days(730)),
        )?;
        let expired = make(
            &root,
            inst(&[0x10, 0x03], long_ago, now - Duration::days(1)),
        )?;
        let not_yet_valid = make(
            &root,
            inst(
                &[0x10, 0x04],
                now + Duration::days(365),
                now + Duration::days(730),
            ),
        )?;
        let other_ca = make(
            &other_root,
            inst(&[0x10, 0x05], long_ago, now + Duration::days(730)),
        )?;
        let other_institution = make(
            &root,
            CertSpec::institution(
                &format!("{code}X"),
                &format!("{name}（其他机构）"),
                &[0x10, 0x06],
                long_ago,
                now + Duration::days(730),
                crl_url,
            ),
        )?;
        let mut no_usage = inst(&[0x10, 0x07], long_ago, now + Duration::days(730));
        no_usage.key_usage = KeyUsageBits::default();
        let no_signing_usage = make(&root, no_usage)?;
        let crl = root.issue_crl(
            now - Duration::hours(1),
            Some(now + Duration::days(7)),
            &[Revocation {
                serial: vec![0x10, 0x02],
                date: now - Duration::days(2),
                reason: CrlReason::KeyCompromise,
            }],
            1,
        )?;
        Ok(Self {
            root,
            other_root,
            valid,
            revoked,
            expired,
            not_yet_valid,
            other_ca,
            other_institution,
            no_signing_usage,
            crl,
        })
    }
}
