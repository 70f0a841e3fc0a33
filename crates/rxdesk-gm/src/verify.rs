//! The prescription signature verifier (docs/decisions/0010-record-silent-choices.md "The prescription's
//! signature") and the generic detached-signature verifier behind
//! `rxdesk verify-signature`.
//!
//! A prescription is accepted only when **all** of these hold, checked in
//! this order (the first failure is the reason):
//! 1. `signDigest` is a detached CMS SignedData over `originalValue`
//!    rebuilt from the 20 sign fields, and its SM2 signature verifies;
//! 2. `rxFile` is a PDF whose `/ByteRange` signature covers the whole file,
//!    verifies, and was made by the same certificate;
//! 3. that certificate chains to a configured 医保 CA root (RFC 5280 path
//!    validation: every issuer a CA with keyCertSign, every intermediate's
//!    pathLenConstraint kept, no certificate in the path with a critical
//!    extension RxDesk does not process);
//! 4. every certificate of the path is valid at the signing time and now;
//! 5. its key usage allows signing (digitalSignature or nonRepudiation);
//! 6. no certificate of the path but the root is on its issuer's CRL (a CRL
//!    counts only when signed by the issuer, the issuer may sign CRLs, and it
//!    has no unprocessed critical extension). No CRL: policy decides. A CRL
//!    past its nextUpdate is accepted with a warning for the grace period
//!    of the policy and blocks (`crl_stale`) after it
//!    (docs/decisions/0003-crl-freshness.md);
//! 7. its serial and subject equal `signCertSn` / `signCertDn`;
//! 8. the institution code in it is not empty, has the national format
//!    (`H` + division + 5 digits) and equals `fixmedinsCode`.
//!
//! Only this module can construct [`Verified`], so code that needs a checked
//! prescription can demand `Verified<Prescription>` in its signature.

use crate::cert::{parse_serial_text, serial_hex_text_is, Certificate};
use crate::cms::{self, CmsError, CmsVerified};
use crate::download::DownloadedPrescription;
use crate::pdf::{self, PdfError};
use crate::primitives::DEFAULT_USER_ID;
use crate::trust::{CrlStore, RevocationStatus, TrustStore};
use chrono::{DateTime, Utc};
use rxdesk_core::prescription::Prescription;
use serde::Serialize;

/// Why a signature was rejected. `code()` is the stable snake_case name the
/// CLI prints; `message_zh()` is what the pharmacist sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RejectReason {
    /// The SM2 signature does not verify.
    #[error("bad signature: {detail}")]
    BadSignature {
        /// What did not verify.
        detail: String,
    },
    /// A signed value differs from what was signed (`originalValue` = one of
    /// the 20 sign fields, `rxFile`, `signCertSn`, `signCertDn`, `content`).
    #[error("content mismatch in {field}")]
    ContentMismatch {
        /// The field that differs.
        field: String,
    },
    /// The certificate was not yet valid at the time checked.
    #[error("certificate not yet valid at {at} (notBefore {not_before})")]
    NotYetValid {
        /// notBefore.
        not_before: DateTime<Utc>,
        /// The time checked.
        at: DateTime<Utc>,
    },
    /// The certificate had expired at the time checked.
    #[error("certificate expired at {at} (notAfter {not_after})")]
    Expired {
        /// notAfter.
        not_after: DateTime<Utc>,
        /// The time checked.
        at: DateTime<Utc>,
    },
    /// The certificate is on the issuer's CRL.
    #[error("certificate revoked on {date} ({reason})")]
    Revoked {
        /// revocationDate.
        date: DateTime<Utc>,
        /// CRL reason name.
        reason: String,
    },
    /// No chain to a configured 医保 CA root.
    #[error("untrusted issuer: {detail}")]
    UntrustedIssuer {
        /// Which issuer.
        detail: String,
    },
    /// No usable CRL and the policy requires one.
    #[error("CRL unavailable: {detail}")]
    CrlUnavailable {
        /// Why.
        detail: String,
    },
    /// The certificate's key usage does not allow signing documents.
    #[error("certificate key usage does not allow signing")]
    WrongKeyUsage,
    /// The certificate belongs to another institution.
    #[error("certificate institution {found:?} is not {expected:?}")]
    WrongInstitution {
        /// `fixmedinsCode` of the prescription.
        expected: String,
        /// Institution code in the certificate (empty if none).
        found: String,
    },
    /// Input that cannot be parsed.
    #[error("malformed input: {detail}")]
    MalformedInput {
        /// What was wrong.
        detail: String,
    },
    /// The newest usable CRL is past its nextUpdate by more than the grace
    /// period: revocation cannot be decided.
    #[error("CRL of {issuer} is stale: nextUpdate {next_update}, grace ended {grace_until}")]
    CrlStale {
        /// The CRL issuer (RFC 4514).
        issuer: String,
        /// nextUpdate of the newest usable CRL (thisUpdate when it has none).
        next_update: DateTime<Utc>,
        /// nextUpdate + the grace period.
        grace_until: DateTime<Utc>,
    },
    /// A CA certificate of the path (not the root) is on its issuer's CRL.
    #[error("issuing CA {subject} revoked on {date} ({reason})")]
    CaRevoked {
        /// The revoked CA's subject (RFC 4514).
        subject: String,
        /// revocationDate.
        date: DateTime<Utc>,
        /// CRL reason name.
        reason: String,
    },
    /// A CA's pathLenConstraint is smaller than the number of CA
    /// certificates below it in the path.
    #[error("path too long for {subject}: pathLenConstraint {path_len}, {below} CA certificate(s) below")]
    PathLenExceeded {
        /// The constraining CA (RFC 4514).
        subject: String,
        /// Its pathLenConstraint.
        path_len: u8,
        /// Non-self-issued intermediates between it and the signer.
        below: usize,
    },
    /// A certificate of the path has a critical extension RxDesk does not
    /// process (RFC 5280 §4.2).
    #[error("certificate {subject} has unrecognised critical extension {oid}")]
    UnknownCriticalExtension {
        /// The certificate (RFC 4514).
        subject: String,
        /// The extension's OID.
        oid: String,
    },
    /// The institution code is not a national 定点医疗机构 code.
    #[error("institution code {institution:?} is not a national institution code: {detail}")]
    BadInstitutionCode {
        /// The code (certificate and `fixmedinsCode` agree on it).
        institution: String,
        /// Why (code_format's code).
        detail: String,
    },
}

impl RejectReason {
    /// The stable snake_case code (`bad_signature`, `content_mismatch`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadSignature { .. } => "bad_signature",
            Self::ContentMismatch { .. } => "content_mismatch",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::Expired { .. } => "expired",
            Self::Revoked { .. } => "revoked",
            Self::UntrustedIssuer { .. } => "untrusted_issuer",
            Self::CrlUnavailable { .. } => "crl_unavailable",
            Self::WrongKeyUsage => "wrong_key_usage",
            Self::WrongInstitution { .. } => "wrong_institution",
            Self::MalformedInput { .. } => "malformed_input",
            Self::CrlStale { .. } => "crl_stale",
            Self::CaRevoked { .. } => "ca_revoked",
            Self::PathLenExceeded { .. } => "path_len_exceeded",
            Self::UnknownCriticalExtension { .. } => "unknown_critical_extension",
            Self::BadInstitutionCode { .. } => "bad_institution_code",
        }
    }

    /// Every code, in declaration order (docs and explanation tables).
    pub const CODES: [&'static str; 15] = [
        "bad_signature",
        "content_mismatch",
        "not_yet_valid",
        "expired",
        "revoked",
        "untrusted_issuer",
        "crl_unavailable",
        "wrong_key_usage",
        "wrong_institution",
        "malformed_input",
        "crl_stale",
        "ca_revoked",
        "path_len_exceeded",
        "unknown_critical_extension",
        "bad_institution_code",
    ];

    /// The pharmacist-facing message (zh-CN).
    pub fn message_zh(&self) -> String {
        let cst = |t: &DateTime<Utc>| rxdesk_core::time::format_wire(*t);
        match self {
            Self::BadSignature { .. } => "电子签名验证失败：签名值无效".into(),
            Self::ContentMismatch { field } => {
                format!("电子签名验证失败：处方内容与签名不一致（{field}）")
            }
            Self::NotYetValid { not_before, .. } => {
                format!("签名证书尚未生效（生效时间 {}）", cst(not_before))
            }
            Self::Expired { not_after, .. } => {
                format!("签名证书已过期（到期时间 {}）", cst(not_after))
            }
            Self::Revoked { date, reason } => {
                format!("签名证书已被吊销（吊销时间 {}，原因 {reason}）", cst(date))
            }
            Self::UntrustedIssuer { .. } => "签名证书不是由受信任的医保 CA 签发".into(),
            Self::CrlUnavailable { .. } => "无法获取证书吊销列表（CRL），不能确认证书状态".into(),
            Self::WrongKeyUsage => "签名证书的密钥用途不允许签名".into(),
            Self::WrongInstitution { expected, found } if found.trim().is_empty() => {
                if expected.trim().is_empty() {
                    "签名证书和处方都没有开方机构编码，无法确认处方由哪家医疗机构开具".into()
                } else {
                    format!("签名证书中没有机构编码，无法确认其属于处方开具机构 {expected}")
                }
            }
            Self::WrongInstitution { expected, found } => {
                format!("签名证书属于机构 {found}，与处方开具机构 {expected} 不符")
            }
            Self::MalformedInput { detail } => format!("处方签名数据格式错误：{detail}"),
            Self::CrlStale {
                next_update,
                grace_until,
                ..
            } => format!(
                "证书吊销列表（CRL）已过期（应于 {} 更新，宽限期至 {}），无法确认签名证书未被吊销。请检查网络后重试，或联系医保中心",
                cst(next_update),
                cst(grace_until)
            ),
            Self::CaRevoked { subject, date, .. } => format!(
                "签发签名证书的中级 CA 证书已被吊销（{subject}，吊销时间 {}），签名不可信",
                cst(date)
            ),
            Self::PathLenExceeded { subject, .. } => format!(
                "证书链长度超出 CA 证书（{subject}）允许的层级，签名证书不可信"
            ),
            Self::UnknownCriticalExtension { oid, .. } => format!(
                "证书链中的证书含有无法识别的关键扩展（{oid}），按规定不能信任"
            ),
            Self::BadInstitutionCode { institution, .. } => format!(
                "开方机构编码 {institution} 不是有效的定点医疗机构编码（应为 H + 6 位区划 + 5 位数字）"
            ),
        }
    }
}

/// A rejection: the reason, and the signer when it could be identified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Rejection {
    /// The first failing check.
    pub reason: RejectReason,
    /// Who signed, when known (the signature verified but a later check failed).
    pub signer: Option<Box<SignerSummary>>,
}

impl Rejection {
    fn new(reason: RejectReason, signer: Option<&SignerSummary>) -> Self {
        Self {
            reason,
            signer: signer.map(|s| Box::new(s.clone())),
        }
    }
}

/// A warning that does not block (shown amber in the UI, recorded with the verdict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum VerifyWarning {
    /// The newest CRL is past its nextUpdate and could not be refreshed; it
    /// is accepted until `grace_until` (docs/decisions/0003-crl-freshness.md).
    StaleCrl {
        /// nextUpdate of the CRL used.
        #[cfg_attr(feature = "ts", ts(type = "string | null"))]
        next_update: Option<DateTime<Utc>>,
        /// After this instant the same CRL blocks with `crl_stale`.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        grace_until: DateTime<Utc>,
        /// The CRL issuer (RFC 4514).
        issuer: String,
    },
    /// No CRL, accepted because the policy allows it.
    NoCrl {
        /// Why.
        detail: String,
    },
}

impl VerifyWarning {
    /// The stable snake_case code (`stale_crl`, `no_crl`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::StaleCrl { .. } => "stale_crl",
            Self::NoCrl { .. } => "no_crl",
        }
    }

    /// The pharmacist-facing message (zh-CN).
    pub fn message_zh(&self) -> String {
        let cst = |t: &DateTime<Utc>| rxdesk_core::time::format_wire(*t);
        match self {
            Self::StaleCrl {
                next_update,
                grace_until,
                ..
            } => format!(
                "证书吊销列表（CRL）已过期未能更新（应于 {} 更新），在宽限期（至 {}）内暂按有效处理；请尽快检查网络，宽限期后将阻止结算",
                next_update.as_ref().map(cst).unwrap_or_else(|| "—".into()),
                cst(grace_until)
            ),
            Self::NoCrl { .. } => {
                "未检查证书吊销状态（无可用的吊销列表，仅演练模式允许）".into()
            }
        }
    }
}

/// Who signed, as shown to the pharmacist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignerSummary {
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Issuer DN (RFC 4514).
    pub issuer: String,
    /// Serial, upper-case hex.
    pub serial: String,
    /// notBefore.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub not_before: DateTime<Utc>,
    /// notAfter.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub not_after: DateTime<Utc>,
    /// Institution code in the certificate.
    pub institution: Option<String>,
    /// Signing time (CMS signingTime), if present.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub signed_at: Option<DateTime<Utc>>,
}

impl SignerSummary {
    fn of(cert: &Certificate, signed_at: Option<DateTime<Utc>>) -> Self {
        Self {
            subject: cert.subject_dn(),
            issuer: cert.issuer_dn(),
            serial: cert.serial_hex(),
            not_before: cert.not_before(),
            not_after: cert.not_after(),
            institution: cert.institution_code(),
            signed_at,
        }
    }
}

/// The outcome as data (for the CLI and UI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Verdict {
    /// Every check passed.
    Verified {
        /// Who signed.
        signer: SignerSummary,
        /// Non-blocking warnings.
        warnings: Vec<VerifyWarning>,
    },
    /// A check failed.
    Rejected {
        /// The first failing check.
        #[cfg_attr(
            feature = "ts",
            ts(type = "{ code: string } & Record<string, unknown>")
        )]
        reason: RejectReason,
        /// The signer, when it could be identified.
        signer: Option<SignerSummary>,
    },
}

/// A value whose signature was verified. Only `rxdesk_gm::verify` constructs it.
#[derive(Debug, Clone)]
pub struct Verified<T> {
    value: T,
    signer: SignerSummary,
    warnings: Vec<VerifyWarning>,
    verified_at: DateTime<Utc>,
}

impl<T> Verified<T> {
    /// The verified value.
    pub fn value(&self) -> &T {
        &self.value
    }
    /// Who signed it.
    pub fn signer(&self) -> &SignerSummary {
        &self.signer
    }
    /// Non-blocking warnings (e.g. a stale CRL).
    pub fn warnings(&self) -> &[VerifyWarning] {
        &self.warnings
    }
    /// The time the verification was made for (the `now` passed in).
    pub fn verified_at(&self) -> DateTime<Utc> {
        self.verified_at
    }
    /// Give up the guarantee and take the value.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: std::borrow::Borrow<DownloadedPrescription>> Verified<T> {
    /// The domain prescription, still carrying the verification.
    ///
    /// Built through serde so that fields the domain model adds later (with
    /// `#[serde(default)]`) never break this conversion.
    pub fn into_prescription(self) -> Result<Verified<Prescription>, RejectReason> {
        let p = domain_prescription(self.value.borrow())?;
        Ok(Verified {
            value: p,
            signer: self.signer,
            warnings: self.warnings,
            verified_at: self.verified_at,
        })
    }
}

/// The domain model of a downloaded prescription, **without** any claim
/// that it was verified (to show and record what was downloaded, e.g. when
/// its signature fails). Only [`Verified::into_prescription`] carries the
/// verification evidence.
///
/// Built through serde so that fields the domain model adds later (with
/// `#[serde(default)]`) never break this conversion.
pub fn domain_prescription(d: &DownloadedPrescription) -> Result<Prescription, RejectReason> {
    let flag = |s: &str| s.trim() == "1";
    let lines: Vec<serde_json::Value> = d
        .rx_drug_detail
        .iter()
        .map(|l| {
            serde_json::json!({
                "med_list_codg": l.med_list_codg,
                "drug_genname": l.drug_genname,
                "drug_spec": l.drug_spec,
                "quantity": l.drug_cnt,
                "unit": l.drug_cnt_unit,
                "single_dose": format!("{}{}", l.sin_doscnt, l.sin_dosunt),
                "frequency": l.used_frqu_name,
                "route": l.medc_way_dscr,
                "days": rust_decimal::prelude::ToPrimitive::to_u32(&l.medc_days.trunc()).unwrap_or(0),
                "price": l.drug_pric,
                "hosp_prep_flag": flag(&l.hosp_prep_flag),
            })
        })
        .collect();
    let json = serde_json::json!({
        "rx_no": d.hi_rxno,
        "fixmedins_code": d.fixmedins_code,
        "fixmedins_name": d.fixmedins_name,
        "patient_name": d.patn_name,
        "patient_cert_no": d.certno,
        "status": d.rx_stas_codg,
        "issued_at": d.prsc_time,
        "valid_end_time": d.valid_end_time,
        "lines": lines,
        "reuse": {
            "rept_flag": flag(&d.rept_flag),
            "max_rept_cnt": d.max_rept_cnt,
            "reptd_cnt": d.reptd_cnt,
            "min_inrv_days": d.min_inrv_days,
        },
        "long_rx_flag": flag(&d.long_rx_flag),
    });
    serde_json::from_value(json).map_err(|e| malformed(format!("prescription model: {e}")))
}

/// The verifier's evidence for the counter's visit state machine: only a
/// prescription this module verified can move a visit past `Downloaded`.
impl rxdesk_core::visit::VerifiedPrescription for Verified<Prescription> {
    fn prescription(&self) -> &Prescription {
        &self.value
    }
    fn signature(&self) -> rxdesk_core::visit::SignatureSummary {
        rxdesk_core::visit::SignatureSummary {
            cert_sn: self.signer.serial.clone(),
            cert_dn: self.signer.subject.clone(),
            institution_code: self.signer.institution.clone().unwrap_or_default(),
            verified_at: self.verified_at,
        }
    }
}

/// What to do without a usable CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrlPolicy {
    /// Reject with `CrlUnavailable` (default: any doubt blocks the sale).
    #[default]
    Require,
    /// Accept with a `NoCrl` warning (offline rehearsal only).
    WarnIfUnavailable,
}

/// Default grace period after a CRL's nextUpdate (hours): see
/// docs/decisions/0003-crl-freshness.md.
pub const DEFAULT_CRL_GRACE_HOURS: u32 = 24;

/// Verification settings.
#[derive(Debug, Clone)]
pub struct VerifyPolicy {
    /// SM2 user id of the CMS signatures (default `1234567812345678`).
    pub user_id: String,
    /// Missing-CRL policy.
    pub crl: CrlPolicy,
    /// How long after its nextUpdate a CRL that could not be refreshed is
    /// still accepted (with a warning); after that: `crl_stale`.
    pub crl_grace: chrono::Duration,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            user_id: DEFAULT_USER_ID.to_string(),
            crl: CrlPolicy::Require,
            crl_grace: chrono::Duration::hours(i64::from(DEFAULT_CRL_GRACE_HOURS)),
        }
    }
}

impl VerifyPolicy {
    /// The default policy with a grace period of `hours` after nextUpdate.
    pub fn with_crl_grace_hours(mut self, hours: u32) -> Self {
        self.crl_grace = chrono::Duration::hours(i64::from(hours));
        self
    }
}

/// Everything the verifier needs besides the input.
#[derive(Debug)]
pub struct Verifier<'a> {
    /// Trusted roots and intermediates.
    pub trust: &'a TrustStore,
    /// CRLs (files, cache, fetcher).
    pub crls: &'a CrlStore,
    /// Policy.
    pub policy: VerifyPolicy,
}

fn malformed(detail: impl Into<String>) -> RejectReason {
    RejectReason::MalformedInput {
        detail: detail.into(),
    }
}

fn from_cms(e: CmsError, field: &str) -> RejectReason {
    match e {
        CmsError::Malformed(d) => malformed(format!("{field}: {d}")),
        CmsError::UnsupportedAlgorithm(d) => {
            malformed(format!("{field}: unsupported algorithm {d}"))
        }
        CmsError::SignerCertificateNotFound => {
            malformed(format!("{field}: signer certificate not found"))
        }
        CmsError::ContentMismatch => RejectReason::ContentMismatch {
            field: field.to_string(),
        },
        CmsError::BadSignature => RejectReason::BadSignature {
            detail: format!("{field}: SM2 signature does not verify"),
        },
    }
}

impl<'a> Verifier<'a> {
    /// A verifier with the default policy.
    pub fn new(trust: &'a TrustStore, crls: &'a CrlStore) -> Self {
        Self {
            trust,
            crls,
            policy: VerifyPolicy::default(),
        }
    }

    /// Checks 3–6 for a signer certificate: path validation (chain,
    /// critical extensions, pathLenConstraint), validity at `signed_at` and
    /// `now`, key usage, revocation of every certificate but the root.
    /// Returns warnings.
    fn check_certificate(
        &self,
        cert: &Certificate,
        embedded: [&[Certificate]; 2],
        signed_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<VerifyWarning>, RejectReason> {
        let chain = self
            .trust
            .build_chain_from(cert, embedded.iter().flat_map(|e| e.iter()))
            .map_err(|e| RejectReason::UntrustedIssuer {
                detail: e.to_string(),
            })?;
        // RFC 5280 §4.2: a critical extension that is not processed rejects.
        for c in &chain {
            if let Some(oid) = c.unknown_critical_extensions_ref().first() {
                return Err(RejectReason::UnknownCriticalExtension {
                    subject: c.subject_dn(),
                    oid: oid.clone(),
                });
            }
        }
        // RFC 5280 §4.2.1.9 / §6.1.4 (l)–(m): pathLenConstraint counts the
        // non-self-issued intermediates below a CA (the signer excluded).
        for (i, ca) in chain.iter().enumerate().skip(1) {
            if let Some(path_len) = ca.path_len_constraint() {
                let below = chain[1..i].iter().filter(|c| !c.is_self_issued()).count();
                if below > usize::from(path_len) {
                    return Err(RejectReason::PathLenExceeded {
                        subject: ca.subject_dn(),
                        path_len,
                        below,
                    });
                }
            }
        }
        // Each certificate's validity is converted once, when the
        // certificate is first used (memoised with its parse).
        for at in signed_at.into_iter().chain(std::iter::once(now)) {
            for (not_before, not_after) in chain.iter().map(|c| (c.not_before(), c.not_after())) {
                if at < not_before {
                    return Err(RejectReason::NotYetValid { not_before, at });
                }
                if at > not_after {
                    return Err(RejectReason::Expired { not_after, at });
                }
            }
        }
        match cert.key_usage() {
            Some(ku) if ku.digital_signature || ku.non_repudiation => {}
            _ => return Err(RejectReason::WrongKeyUsage),
        }
        let mut warnings = Vec::new();
        // Revocation of every certificate but the trust anchor, each against
        // its issuer's CRL (chain[i + 1] issued chain[i]). A root-signed
        // leaf has chain = [leaf, root]; a root alone has nothing to check.
        for (i, pair) in chain.windows(2).enumerate() {
            let (subject, issuer) = (&pair[0], &pair[1]);
            match self.crls.status(subject, issuer, &self.trust.user_id, now) {
                RevocationStatus::Revoked(e) if i == 0 => {
                    return Err(RejectReason::Revoked {
                        date: e.date,
                        reason: e.reason,
                    })
                }
                RevocationStatus::Revoked(e) => {
                    return Err(RejectReason::CaRevoked {
                        subject: subject.subject_dn(),
                        date: e.date,
                        reason: e.reason,
                    })
                }
                RevocationStatus::Good {
                    this_update,
                    next_update,
                    stale,
                } => {
                    if stale {
                        let fresh_until = next_update.unwrap_or(this_update);
                        let grace_until = fresh_until + self.policy.crl_grace;
                        if now > grace_until {
                            return Err(RejectReason::CrlStale {
                                issuer: issuer.subject_dn(),
                                next_update: fresh_until,
                                grace_until,
                            });
                        }
                        tracing::warn!(issuer = %issuer.subject_dn(), %fresh_until, %grace_until, "stale CRL accepted within the grace period");
                        warnings.push(VerifyWarning::StaleCrl {
                            next_update,
                            grace_until,
                            issuer: issuer.subject_dn(),
                        });
                    }
                }
                RevocationStatus::Unavailable(detail) => match self.policy.crl {
                    CrlPolicy::Require => return Err(RejectReason::CrlUnavailable { detail }),
                    CrlPolicy::WarnIfUnavailable => warnings.push(VerifyWarning::NoCrl { detail }),
                },
            }
        }
        Ok(warnings)
    }

    /// Verify a detached CMS (`rxdesk verify-signature`): signature over
    /// `content`, then checks 3–6.
    pub fn verify_detached(
        &self,
        content: &[u8],
        cms_bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Verified<Vec<u8>>, Rejection> {
        let der = cms::decode_der_or_base64(cms_bytes)
            .map_err(|e| Rejection::new(from_cms(e, "signature"), None))?;
        let v: CmsVerified = cms::verify_detached_with(
            &der,
            content,
            self.trust.intermediates(),
            &self.policy.user_id,
        )
        .map_err(|e| Rejection::new(from_cms(e, "content"), None))?;
        let summary = SignerSummary::of(&v.signer, v.signing_time);
        let warnings = self
            .check_certificate(&v.signer, [&v.certificates, &[]], v.signing_time, now)
            .map_err(|r| Rejection::new(r, Some(&summary)))?;
        Ok(Verified {
            value: content.to_vec(),
            signer: summary,
            warnings,
            verified_at: now,
        })
    }

    /// Verify a downloaded prescription (checks 1–8 above). The verified
    /// value borrows the prescription (a download carries its 20+ KB layout
    /// PDF; nothing is copied to vouch for it).
    pub fn verify_prescription<'r>(
        &self,
        rx: &'r DownloadedPrescription,
        now: DateTime<Utc>,
    ) -> Result<Verified<&'r DownloadedPrescription>, Rejection> {
        // Base64 as the `base64` crate's STANDARD engine takes it, decoded
        // faster (crate::b64; docs/decisions/0015).
        // 1. signDigest over originalValue.
        let digest = crate::b64::decode(rx.sign_digest.trim().as_bytes())
            .ok_or_else(|| Rejection::new(malformed("signDigest is not Base64"), None))?;
        let original_value = rx.original_value();
        let v = cms::verify_detached_with(
            &digest,
            original_value.as_bytes(),
            self.trust.intermediates(),
            &self.policy.user_id,
        )
        .map_err(|e| Rejection::new(from_cms(e, "originalValue"), None))?;
        let signer = v.signer.clone();
        let summary = SignerSummary::of(&signer, v.signing_time);
        let with = |r: RejectReason| Rejection::new(r, Some(&summary));

        // 2. The signed PDF.
        // Kept as Base64 runs: the `/Contents` placeholder is never written
        // out (decision 0026; same verdicts as decoding it whole).
        let pdf_runs = crate::b64::decode_runs(rx.rx_file.trim().as_bytes())
            .ok_or_else(|| with(malformed("rxFile is not Base64")))?;
        let ps = pdf::verify_pdf_runs(&pdf_runs, self.trust.intermediates(), &self.policy.user_id)
            .map_err(|e| {
                with(match e {
                    PdfError::Malformed(d) => malformed(format!("rxFile: {d}")),
                    PdfError::NotSigned => RejectReason::BadSignature {
                        detail: "rxFile carries no signature".into(),
                    },
                    PdfError::IncompleteCoverage => RejectReason::ContentMismatch {
                        field: "rxFile".into(),
                    },
                    PdfError::Cms(c) => from_cms(c, "rxFile"),
                })
            })?;
        if ps.cms.signer != signer {
            return Err(with(RejectReason::ContentMismatch {
                field: "rxFile".into(),
            }));
        }

        // 3–6. Chain, validity, key usage, CRL (the certificates of both
        // CMS, in that order, without copying them into one list).
        let warnings = self
            .check_certificate(
                &signer,
                [&v.certificates, &ps.cms.certificates],
                v.signing_time,
                now,
            )
            .map_err(with)?;

        // 7. signCertSn / signCertDn.
        let serial = signer.serial_bytes();
        let sn_ok = serial_hex_text_is(&rx.sign_cert_sn, serial)
            || parse_serial_text(&rx.sign_cert_sn, false).as_deref() == Some(serial);
        if !sn_ok {
            return Err(with(RejectReason::ContentMismatch {
                field: "signCertSn".into(),
            }));
        }
        if !signer.subject_dn_text_matches(&rx.sign_cert_dn) {
            return Err(with(RejectReason::ContentMismatch {
                field: "signCertDn".into(),
            }));
        }

        // 8. Institution: present, equal, and a national 定点医疗机构 code.
        let found = signer.institution_code_ref().unwrap_or_default();
        if found.trim().is_empty() || found != rx.fixmedins_code {
            return Err(with(RejectReason::WrongInstitution {
                expected: rx.fixmedins_code.clone(),
                found: found.to_string(),
            }));
        }
        // `validate_institution_code(found)`, memoised with the certificate.
        if let Some(code) = signer.institution_code_error() {
            return Err(with(RejectReason::BadInstitutionCode {
                institution: found.to_string(),
                detail: code.to_string(),
            }));
        }
        Ok(Verified {
            value: rx,
            signer: summary,
            warnings,
            verified_at: now,
        })
    }

    /// [`Self::verify_prescription`] as a [`Verdict`].
    pub fn prescription_verdict(&self, rx: &DownloadedPrescription, now: DateTime<Utc>) -> Verdict {
        match self.verify_prescription(rx, now) {
            Ok(v) => Verdict::Verified {
                signer: v.signer,
                warnings: v.warnings,
            },
            Err(r) => Verdict::Rejected {
                reason: r.reason,
                signer: r.signer.map(|s| *s),
            },
        }
    }
}
