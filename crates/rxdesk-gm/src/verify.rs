//! The prescription signature verifier (DECISIONS.md "The prescription's
//! signature") and the generic detached-signature verifier behind
//! `rxdesk verify-signature`.
//!
//! A prescription is accepted only when **all** of these hold, checked in
//! this order (the first failure is the reason):
//! 1. `signDigest` is a detached CMS SignedData over `originalValue`
//!    rebuilt from the 20 sign fields, and its SM2 signature verifies;
//! 2. `rxFile` is a PDF whose `/ByteRange` signature covers the whole file,
//!    verifies, and was made by the same certificate;
//! 3. that certificate chains to a configured 医保 CA root;
//! 4. it is valid at the signing time and now;
//! 5. its key usage allows signing (digitalSignature or nonRepudiation);
//! 6. it is not on the issuer's CRL (no CRL: policy decides; stale CRL: warning);
//! 7. its serial and subject equal `signCertSn` / `signCertDn`;
//! 8. the institution code in it equals `fixmedinsCode`.
//!
//! Only this module can construct [`Verified`], so code that needs a checked
//! prescription can demand `Verified<Prescription>` in its signature.

use crate::cert::{dn_equal, parse_serial_text, Certificate};
use crate::cms::{self, CmsError, CmsVerified};
use crate::download::DownloadedPrescription;
use crate::pdf::{self, PdfError};
use crate::primitives::DEFAULT_USER_ID;
use crate::trust::{CrlStore, RevocationStatus, TrustStore};
use base64::Engine as _;
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
        }
    }

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
            Self::WrongInstitution { expected, found } => {
                format!("签名证书属于机构 {found}，与处方开具机构 {expected} 不符")
            }
            Self::MalformedInput { detail } => format!("处方签名数据格式错误：{detail}"),
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

/// A warning that does not block (shown in the UI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum VerifyWarning {
    /// The newest CRL is past its nextUpdate and could not be refreshed.
    StaleCrl {
        /// nextUpdate of the CRL used.
        next_update: Option<DateTime<Utc>>,
    },
    /// No CRL, accepted because the policy allows it.
    NoCrl {
        /// Why.
        detail: String,
    },
}

/// Who signed, as shown to the pharmacist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignerSummary {
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Issuer DN (RFC 4514).
    pub issuer: String,
    /// Serial, upper-case hex.
    pub serial: String,
    /// notBefore.
    pub not_before: DateTime<Utc>,
    /// notAfter.
    pub not_after: DateTime<Utc>,
    /// Institution code in the certificate.
    pub institution: Option<String>,
    /// Signing time (CMS signingTime), if present.
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

impl Verified<DownloadedPrescription> {
    /// The domain prescription, still carrying the verification.
    ///
    /// Built through serde so that fields the domain model adds later (with
    /// `#[serde(default)]`) never break this conversion.
    pub fn into_prescription(self) -> Result<Verified<Prescription>, RejectReason> {
        let p = domain_prescription(&self.value)?;
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

/// Verification settings.
#[derive(Debug, Clone)]
pub struct VerifyPolicy {
    /// SM2 user id of the CMS signatures (default `1234567812345678`).
    pub user_id: String,
    /// Missing-CRL policy.
    pub crl: CrlPolicy,
}

impl Default for VerifyPolicy {
    fn default() -> Self {
        Self {
            user_id: DEFAULT_USER_ID.to_string(),
            crl: CrlPolicy::Require,
        }
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

    /// Checks 3–6 for a signer certificate: chain, validity at `signed_at`
    /// and `now`, key usage, CRL. Returns warnings.
    fn check_certificate(
        &self,
        cert: &Certificate,
        embedded: &[Certificate],
        signed_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<VerifyWarning>, RejectReason> {
        let chain =
            self.trust
                .build_chain(cert, embedded)
                .map_err(|e| RejectReason::UntrustedIssuer {
                    detail: e.to_string(),
                })?;
        for at in signed_at.into_iter().chain(std::iter::once(now)) {
            for c in &chain {
                if at < c.not_before() {
                    return Err(RejectReason::NotYetValid {
                        not_before: c.not_before(),
                        at,
                    });
                }
                if at > c.not_after() {
                    return Err(RejectReason::Expired {
                        not_after: c.not_after(),
                        at,
                    });
                }
            }
        }
        match cert.key_usage() {
            Some(ku) if ku.digital_signature || ku.non_repudiation => {}
            _ => return Err(RejectReason::WrongKeyUsage),
        }
        let mut warnings = Vec::new();
        // chain[1] is the issuer (a root-signed leaf has chain = [leaf, root]).
        let issuer = chain.get(1).unwrap_or(cert);
        match self.crls.status(cert, issuer, &self.trust.user_id, now) {
            RevocationStatus::Revoked(e) => {
                return Err(RejectReason::Revoked {
                    date: e.date,
                    reason: e.reason,
                })
            }
            RevocationStatus::Good {
                stale, next_update, ..
            } => {
                if stale {
                    warnings.push(VerifyWarning::StaleCrl { next_update });
                }
            }
            RevocationStatus::Unavailable(detail) => match self.policy.crl {
                CrlPolicy::Require => return Err(RejectReason::CrlUnavailable { detail }),
                CrlPolicy::WarnIfUnavailable => warnings.push(VerifyWarning::NoCrl { detail }),
            },
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
            .check_certificate(&v.signer, &v.certificates, v.signing_time, now)
            .map_err(|r| Rejection::new(r, Some(&summary)))?;
        Ok(Verified {
            value: content.to_vec(),
            signer: summary,
            warnings,
            verified_at: now,
        })
    }

    /// Verify a downloaded prescription (checks 1–8 above).
    pub fn verify_prescription(
        &self,
        rx: &DownloadedPrescription,
        now: DateTime<Utc>,
    ) -> Result<Verified<DownloadedPrescription>, Rejection> {
        let b64 = base64::engine::general_purpose::STANDARD;
        // 1. signDigest over originalValue.
        let digest = b64
            .decode(rx.sign_digest.trim())
            .map_err(|_| Rejection::new(malformed("signDigest is not Base64"), None))?;
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
        let pdf_bytes = b64
            .decode(rx.rx_file.trim())
            .map_err(|_| with(malformed("rxFile is not Base64")))?;
        let ps = pdf::verify_pdf_with(&pdf_bytes, self.trust.intermediates(), &self.policy.user_id)
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

        // 3–6. Chain, validity, key usage, CRL.
        let mut embedded = v.certificates.clone();
        embedded.extend(ps.cms.certificates.iter().cloned());
        let warnings = self
            .check_certificate(&signer, &embedded, v.signing_time, now)
            .map_err(with)?;

        // 7. signCertSn / signCertDn.
        let sn_ok = [true, false].iter().any(|&hex_first| {
            parse_serial_text(&rx.sign_cert_sn, hex_first).as_deref() == Some(&signer.serial()[..])
        });
        if !sn_ok {
            return Err(with(RejectReason::ContentMismatch {
                field: "signCertSn".into(),
            }));
        }
        if !dn_equal(&rx.sign_cert_dn, &signer.subject_dn()) {
            return Err(with(RejectReason::ContentMismatch {
                field: "signCertDn".into(),
            }));
        }

        // 8. Institution.
        let found = signer.institution_code().unwrap_or_default();
        if found != rx.fixmedins_code {
            return Err(with(RejectReason::WrongInstitution {
                expected: rx.fixmedins_code.clone(),
                found,
            }));
        }
        Ok(Verified {
            value: rx.clone(),
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
