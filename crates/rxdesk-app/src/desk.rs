//! The prescription desk: from the patient's credential to a prescription on
//! screen with its signature verdict (issue 7 steps 1–3, ST-EPC-02-005/-008).
//!
//! 1. query the patient's authorised prescriptions at the center (7202) with
//!    the e-voucher, social-security card or ID card;
//! 2. download one (7203) and keep the raw payload verbatim in the ledger;
//! 3. verify the hospital's SM2 signature **locally** (`rxdesk-gm`) and record
//!    the verdict with its warnings (a stale CRL within its grace period is
//!    "verified" but recorded and shown amber). Only a verified prescription
//!    can go on to the pharmacist; a rejected one comes back with the exact
//!    reason and what to do.

use rxdesk_center::messages::{AuthorisedRx, RxQueryData};
use rxdesk_center::{CenterError, Ctx, DownloadKey, MsgIdGenerator, Operator, PrescriptionCenter};
use rxdesk_core::codes::CertType;
use rxdesk_core::prescription::mask_id_number;
use rxdesk_core::prescription::Prescription;
use rxdesk_gm::trust::{CrlStore, TrustStore};
use rxdesk_gm::verify::{Verdict, Verified, Verifier, VerifyPolicy, VerifyWarning};
use rxdesk_gm::DownloadedPrescription;
use rxdesk_store::{Session, Store};
use serde::Serialize;
use std::sync::Arc;
use tracing::Instrument;

/// Why the desk could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The center refused or could not be reached.
    #[error("{0}")]
    Center(#[from] CenterError),
    /// The ledger refused or failed.
    #[error("{0}")]
    Store(#[from] rxdesk_store::StoreError),
    /// A bug or a crashed worker; nothing was recorded as verified.
    #[error("内部错误，请重试或联系技术支持：{0}")]
    Internal(String),
    /// The credential typed or scanned is not usable.
    #[error("凭证无效：{0}")]
    BadCredential(String),
}

/// How the patient identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// 医保电子凭证 (QR code / ecToken).
    EVoucher,
    /// 社会保障卡 (card number; the patient confirms with the e-voucher password).
    SocialSecurityCard,
    /// 居民身份证 (ID number; the patient confirms with the e-voucher password).
    IdCard,
}

impl Credential {
    fn cert_type(self) -> CertType {
        match self {
            Self::EVoucher => CertType::EVoucher,
            Self::IdCard => CertType::IdCard,
            Self::SocialSecurityCard => CertType::SocialSecurityCard,
        }
    }
}

/// A prescription on screen: structured fields, the layout file, the verdict.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PrescriptionView {
    /// Ledger row id.
    pub rx_id: i64,
    /// The authorisation number used to download.
    pub auth_rxno: String,
    /// The prescription as downloaded (structured fields, `rx_file` Base64 PDF).
    pub prescription: DownloadedPrescription,
    /// Patient ID number, masked for display.
    pub certno_masked: String,
    /// The local verdict.
    pub verdict: Verdict,
    /// The verdict's reason in zh-CN (empty when verified).
    pub reason_zh: String,
    /// The verdict's non-blocking warnings (shown amber), in order.
    pub warnings: Vec<WarningView>,
    /// What the pharmacist should do next.
    pub next_step_zh: String,
}

/// One non-blocking warning of a verified signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct WarningView {
    /// Stable code (`stale_crl`, `no_crl`).
    pub code: String,
    /// What the pharmacist reads (zh-CN).
    pub message_zh: String,
}

impl From<&VerifyWarning> for WarningView {
    fn from(w: &VerifyWarning) -> Self {
        Self {
            code: w.code().to_string(),
            message_zh: w.message_zh(),
        }
    }
}

/// What [`PrescriptionDesk::open_with_key`] found: the view, and the
/// verifier's evidence when (and only when) the signature verified.
pub struct Opened {
    /// What the UI shows (verdict recorded in the ledger).
    pub view: PrescriptionView,
    /// The verified prescription (the only way past the signature step).
    pub verified: Option<Verified<Prescription>>,
}

/// Center + trust material of one counter.
pub struct PrescriptionDesk {
    center: Arc<dyn PrescriptionCenter>,
    msgids: Arc<MsgIdGenerator>,
    trust: Arc<TrustStore>,
    crls: Arc<CrlStore>,
    policy: VerifyPolicy,
    institution: String,
    admdvs: String,
    trace_count: bool,
    /// [`VERDICT_WAIT`] in milliseconds unless changed (`set_verdict_wait`).
    verdict_wait_ms: std::sync::atomic::AtomicU64,
}

impl PrescriptionDesk {
    /// A desk over a center client, a trust store and a CRL store.
    pub fn new(
        center: Arc<dyn PrescriptionCenter>,
        trust: TrustStore,
        crls: CrlStore,
        institution: &str,
        admdvs: &str,
    ) -> Self {
        let msgids = Arc::new(MsgIdGenerator::new(institution).unwrap_or_else(|_| {
            MsgIdGenerator::new("P00000000000").expect("a 12-character code is valid")
        }));
        Self {
            center,
            msgids,
            trust: Arc::new(trust),
            crls: Arc::new(crls),
            policy: VerifyPolicy::default(),
            institution: institution.into(),
            admdvs: admdvs.into(),
            trace_count: false,
            verdict_wait_ms: std::sync::atomic::AtomicU64::new(VERDICT_WAIT.as_millis() as u64),
        }
    }

    /// How long opening a prescription waits for its verdict before the raw
    /// payload is committed alone (default [`VERDICT_WAIT`]; zero commits
    /// every payload before its verdict, as a slow CRL fetch does).
    pub fn set_verdict_wait(&self, wait: std::time::Duration) {
        self.verdict_wait_ms.store(
            u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Sends each settlement line's collected trace-code count
    /// (`minpacunt_drug_trac_cnt`), as the profile's `[settlement]
    /// trace_count` requires.
    pub fn with_trace_count(mut self, on: bool) -> Self {
        self.trace_count = on;
        self
    }

    /// Whether 2101/2102 lines carry `minpacunt_drug_trac_cnt`.
    pub fn trace_count(&self) -> bool {
        self.trace_count
    }

    /// Accepts a CRL past its nextUpdate for `hours` more, with a warning
    /// (the profile's `trust.crl_grace_hours`; docs/decisions/0003).
    pub fn with_crl_grace_hours(mut self, hours: u32) -> Self {
        self.policy = self.policy.with_crl_grace_hours(hours);
        self
    }

    /// Uses this generator for the msgids the counter fixes itself (2102):
    /// the one the center client draws from, so the two never collide.
    pub fn with_msgids(mut self, msgids: Arc<MsgIdGenerator>) -> Self {
        self.msgids = msgids;
        self
    }

    /// The operator's request context (fresh msgid).
    pub fn ctx(&self, by: &Session) -> Ctx {
        Ctx::new(Operator::clerk(by.login(), by.display_name()), &self.admdvs)
    }

    /// The center client.
    pub fn center(&self) -> &Arc<dyn PrescriptionCenter> {
        &self.center
    }

    /// A fresh msgid for a call whose msgid must be known before it is sent
    /// (2102: journalled first, reversed by `omsgid` when uncertain).
    pub fn next_msgid(&self) -> Result<String, CenterError> {
        self.msgids
            .next()
            .map_err(|e| CenterError::Invalid(e.to_string()))
    }

    /// 定点医药机构编号 of this pharmacy.
    pub fn institution(&self) -> &str {
        &self.institution
    }

    /// The pharmacy's 医保区划.
    pub fn admdvs(&self) -> &str {
        &self.admdvs
    }

    /// 7202: the patient's authorised prescriptions.
    pub async fn find_prescriptions(
        &self,
        by: &Session,
        credential: Credential,
        number: &str,
    ) -> Result<Vec<AuthorisedRx>, DeskError> {
        let number = number.trim();
        if number.is_empty() || number.len() > 200 || number.chars().any(char::is_control) {
            return Err(DeskError::BadCredential("请重新扫码或输入凭证号".into()));
        }
        let q = RxQueryData {
            mdtrt_cert_type: credential.cert_type(),
            mdtrt_cert_no: number.to_string(),
            card_sn: String::new(),
            insuplc_admdvs: self.admdvs.clone(),
            ip_info: "127.0.0.1".into(),
            opter: by.login().into(),
            opter_name: by.display_name().into(),
            optins: self.institution.clone(),
        };
        tracing::info!(credential = ?credential, number = %mask_id_number(number), "query authorised prescriptions");
        Ok(self
            .center
            .query_authorised(&self.ctx(by), &q)
            .instrument(tracing::debug_span!("scan.7202"))
            .await?)
    }

    /// 7203 + local verification; the raw payload and the verdict are recorded.
    pub async fn open_prescription(
        &self,
        store: &Store,
        by: &Session,
        auth_rxno: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<PrescriptionView, DeskError> {
        let key = DownloadKey::AuthRxno(auth_rxno.trim().to_string());
        Ok(self.open_with_key(store, by, &key, now).await?.view)
    }

    /// 7203 by `auth_rxno` or by the e-prescription QR's `epc_token`, then
    /// local verification; the raw payload and the verdict are recorded, and
    /// the verifier's evidence is returned when the signature verified.
    pub async fn open_with_key(
        &self,
        store: &Store,
        by: &Session,
        key: &DownloadKey,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Opened, DeskError> {
        let rx = self.download(by, key).await?;
        self.open_downloaded(store, by, key, rx, now).await
    }

    /// 7203 only: the download, neither recorded nor verified. The visit
    /// downloads each listed prescription this way so the list can show its
    /// drugs (an `auth_rxno` is single use: the chosen one is then opened
    /// from this download with `open_downloaded`, not downloaded again).
    pub async fn download(
        &self,
        by: &Session,
        key: &DownloadKey,
    ) -> Result<rxdesk_gm::DownloadedPrescription, CenterError> {
        self.center
            .download(&self.ctx(by), key)
            .instrument(tracing::debug_span!("scan.7203"))
            .await
    }

    /// Records and verifies a prescription already downloaded with `key`
    /// (see `open_with_key`).
    pub async fn open_downloaded(
        &self,
        store: &Store,
        by: &Session,
        key: &DownloadKey,
        rx: rxdesk_gm::DownloadedPrescription,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Opened, DeskError> {
        let auth_rxno = match key {
            DownloadKey::AuthRxno(a) => a.as_str(),
            DownloadKey::EpcToken(_) => "",
        };
        // Verification on a blocking thread (CRL fetching is blocking I/O),
        // while this thread serializes and seals the raw payload: the two
        // take about as long, and the counter has two cores.
        let rx = Arc::new(rx);
        let (trust, crls, policy, rx_copy) = (
            Arc::clone(&self.trust),
            Arc::clone(&self.crls),
            self.policy.clone(),
            Arc::clone(&rx),
        );
        let mut verification = tokio::task::spawn_blocking(move || {
            let _span = tracing::debug_span!("scan.verify").entered();
            let verifier = Verifier {
                trust: &trust,
                crls: &crls,
                policy,
            };
            match verifier.verify_prescription(&rx_copy, now) {
                Ok(v) => {
                    let verdict = Verdict::Verified {
                        signer: v.signer().clone(),
                        warnings: v.warnings().to_vec(),
                    };
                    let signer = v.signer().clone();
                    match v.into_prescription() {
                        Ok(p) => (verdict, Some(p)),
                        // Signed, but not a prescription the counter can read.
                        Err(reason) => (
                            Verdict::Rejected {
                                reason,
                                signer: Some(signer),
                            },
                            None,
                        ),
                    }
                }
                Err(r) => (
                    Verdict::Rejected {
                        reason: r.reason,
                        signer: r.signer.map(|s| *s),
                    },
                    None,
                ),
            }
        });
        let raw = tracing::debug_span!("scan.serialize")
            .in_scope(|| serde_json::to_string(&*rx))
            .expect("a downloaded prescription serializes");
        let seal_span = tracing::debug_span!("scan.seal").entered();
        let sealed = store.seal_prescription(
            by,
            &rxdesk_store::ledger::DownloadedPrescription {
                hi_rxno: rx.hi_rxno.clone(),
                fixmedins_code: rx.fixmedins_code.clone(),
                download_ide_code: key.ide_code().to_string(),
                raw_payload: raw,
                sign_digest: Some(rx.sign_digest.clone()),
                sign_cert_sn: Some(rx.sign_cert_sn.clone()),
                sign_cert_dn: Some(rx.sign_cert_dn.clone()),
                patient_name: rx.patn_name.clone(),
                patient_certno: rx.certno.clone(),
            },
        )?;
        drop(seal_span);
        let wait = std::time::Duration::from_millis(
            self.verdict_wait_ms
                .load(std::sync::atomic::Ordering::Relaxed),
        );
        // The payload and its verdict are committed together when the
        // verdict is ready soon, as it is unless a CRL is being fetched;
        // otherwise the payload is committed alone first (it must not wait
        // on the network) and the verdict after it. Either way both are
        // committed before the pharmacist sees the prescription. The prompt
        // path's commit defers its fsync (docs/decisions/0030): the store's
        // background thread makes it durable a moment later, and every step
        // that depends on it (the audit, dispensing, settlement) starts with
        // a FULL commit, which makes it durable first in any case.
        let prompt = if wait.is_zero() {
            None
        } else {
            tokio::time::timeout(wait, &mut verification)
                .instrument(tracing::debug_span!("scan.verdict_wait"))
                .await
                .ok()
        };
        let (rx_id, (verdict, verified)) = match prompt {
            Some(Ok((verdict, verified))) => {
                let (rx_id, _) = commit_span().in_scope(|| {
                    store.record_sealed_prescription_deferred(
                        &sealed,
                        Some(&ledger_verdict(&verdict)),
                    )
                })?;
                (rx_id, (verdict, verified))
            }
            Some(Err(failed)) => {
                // No verdict, but the download is kept all the same.
                commit_span().in_scope(|| store.record_sealed_prescription(&sealed, None))?;
                return Err(DeskError::Internal(format!(
                    "verification task failed: {failed}"
                )));
            }
            None => {
                let (rx_id, _) =
                    commit_span().in_scope(|| store.record_sealed_prescription(&sealed, None))?;
                let (verdict, verified) = verification
                    .await
                    .map_err(|e| DeskError::Internal(format!("verification task failed: {e}")))?;
                store.record_verdict(rx_id, &ledger_verdict(&verdict))?;
                (rx_id, (verdict, verified))
            }
        };
        let _view_span = tracing::debug_span!("scan.view").entered();
        drop(sealed);
        let rx = Arc::try_unwrap(rx).unwrap_or_else(|shared| (*shared).clone());
        let (reason_zh, warnings) = match &verdict {
            Verdict::Verified { warnings, .. } => (
                String::new(),
                warnings.iter().map(WarningView::from).collect::<Vec<_>>(),
            ),
            Verdict::Rejected { reason, .. } => (reason.message_zh(), Vec::new()),
        };
        let valid = matches!(verdict, Verdict::Verified { .. });
        if warnings.is_empty() {
            tracing::info!(hi_rxno = %rx.hi_rxno, valid, reason = %verdict_code(&verdict), "prescription downloaded and verified");
        } else {
            tracing::warn!(hi_rxno = %rx.hi_rxno, valid, warnings = ?warnings.iter().map(|w| &w.code).collect::<Vec<_>>(), "prescription verified with warnings");
        }
        let next_step_zh = next_step_zh(&verdict);
        Ok(Opened {
            view: PrescriptionView {
                rx_id,
                auth_rxno: auth_rxno.trim().to_string(),
                certno_masked: mask_id_number(&rx.certno),
                prescription: rx,
                verdict,
                reason_zh,
                warnings,
                next_step_zh,
            },
            verified,
        })
    }
}

/// How long the desk waits for the verdict before committing the raw
/// payload alone (a CRL fetch is on the network; the payload must not wait
/// for it). A verification without a fetch takes a few milliseconds.
pub const VERDICT_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// The span of the commit on the scan path (timed by the scan bench).
fn commit_span() -> tracing::Span {
    tracing::debug_span!("scan.commit")
}

/// The ledger's record of a verdict.
fn ledger_verdict(verdict: &Verdict) -> rxdesk_store::ledger::Verdict {
    match verdict {
        Verdict::Verified { signer, warnings } => {
            let views: Vec<WarningView> = warnings.iter().map(WarningView::from).collect();
            rxdesk_store::ledger::Verdict {
                valid: true,
                reason: if views.is_empty() {
                    "verified".into()
                } else {
                    format!(
                        "verified with warnings: {}",
                        views
                            .iter()
                            .map(|w| w.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                signer_dn: Some(signer.subject.clone()),
                signer_sn: Some(signer.serial.clone()),
                warnings: views
                    .iter()
                    .map(|w| format!("{}: {}", w.code, w.message_zh))
                    .collect(),
            }
        }
        Verdict::Rejected { reason, signer } => rxdesk_store::ledger::Verdict {
            valid: false,
            reason: reason.message_zh(),
            signer_dn: signer.as_ref().map(|s| s.subject.clone()),
            signer_sn: signer.as_ref().map(|s| s.serial.clone()),
            warnings: Vec::new(),
        },
    }
}

/// What the pharmacist does next, by verdict (zh-CN).
fn next_step_zh(v: &Verdict) -> String {
    match v {
        Verdict::Verified { warnings, .. } if !warnings.is_empty() => {
            "签名有效但有警告（见黄色提示）：请药师核对版式文件与结构化信息后审方，并尽快恢复吊销列表更新。".into()
        }
        Verdict::Verified { .. } => "签名有效：请药师核对版式文件与结构化信息后审方。".into(),
        Verdict::Rejected { reason, .. } => match reason.code() {
            // The counter's own revocation data is missing or too old: the
            // prescription may be fine, the counter cannot prove it yet.
            "crl_stale" | "crl_unavailable" => {
                "已阻止：暂时无法确认签名证书是否被吊销。请检查网络后重新打开处方（吊销列表更新后即可验证），仍不行请联系医保中心或技术支持。".into()
            }
            _ => "已阻止：此处方不能审方或结算。请告知患者联系开方医院重新开具，或联系医保中心核实。".into(),
        },
    }
}

/// The stable code of a verdict (`verified` or the reject reason's code).
fn verdict_code(v: &Verdict) -> &'static str {
    match v {
        Verdict::Verified { .. } => "verified",
        Verdict::Rejected { reason, .. } => reason.code(),
    }
}
