//! Identifying the patient at the counter through the counter's devices
//! (docs/devices.md §11): the e-voucher QR decoded by `NationECCode`
//! `ec.query` (or left to the center, as the province's profile says), the
//! social-security card read from the configured reader, the ID card, the
//! face terminal — and, for card and ID card, the e-voucher password the
//! patient types on the terminal's PIN pad (ST-EPC-02-005). RxDesk never
//! sees the password: the SDK checks it and answers with the token that
//! authorises the prescription query (7202). A wrong, unset or locked
//! password gives ST-EPC-02-001's guidance and lists nothing.
//!
//! 代购 (a family member buying for the patient) is checked here too: a
//! relationship from the fixed list, the agent's own ID number, and the
//! authorisation taken from the identification flow (never typed).
//!
//! This is the visit's identify step: `VisitService::identify` (1101, or an
//! e-prescription QR straight to its download) and its helpers.

use super::{
    agent_name_of, Active, GuidanceView, PatientInfo, ProxyInfo, StepError, VisitService,
    CENTER_CONFIRMED, RESIDENT_ID_CARD,
};
use super::{no_visit, VisitView};
use super::{CenterAction, Holder, MethodKind, MissingDevice, OutOfStep};
use crate::desk::Credential;
use crate::devices::IdentityDevices;
use rxdesk_center::messages::{PersonInfoOutput, PersonQuery, QrDecodeData};
use rxdesk_center::CenterError;
use rxdesk_center::DownloadKey;
use rxdesk_core::codes::CertType;
use rxdesk_core::identity::{IdentificationMethod, PersonIdentity, ProxyPurchase};
use rxdesk_core::prescription::mask_id_number;
use rxdesk_core::visit::{GuidanceReason, RxListItem, VisitError, VisitState};
use rxdesk_devices::face::nationec::PasswordSubject;
use rxdesk_devices::identity::IdentityError;
use rxdesk_devices::settings::QrDecode;
use rxdesk_store::ledger::relationship_zh;
use rxdesk_store::Session;
use std::time::Duration;
use tracing::Instrument;

/// How long the card reader may take.
const CARD_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the patient has to type the password on the PIN pad.
const PIN_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `ec.query` may take for a scanned QR.
const QR_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the face terminal may take (the patient looks, agrees, waits).
const FACE_TIMEOUT: Duration = Duration::from_secs(60);

/// The 代购 agent as the operator entered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentInput {
    /// The agent's name.
    pub name: String,
    /// The agent's ID number.
    pub cert_no: String,
    /// Relationship code (`rxdesk_store::ledger::PROXY_RELATIONSHIPS`).
    pub relationship: String,
}

/// How the patient identifies at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdMethod {
    /// The scanned e-voucher QR.
    EVoucher,
    /// The social-security card on the reader, the password on the PIN pad.
    SocialSecurityCard,
    /// The ID card (read, or its number typed), the password on the PIN pad.
    IdCard,
    /// The face terminal (with the patient's consent).
    Face,
    /// The e-prescription QR (straight to download).
    EpcQr,
}

impl IdMethod {
    /// The wire name (`e_voucher`, `social_security_card`, `id_card`, `face`, `epc_qr`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EVoucher => "e_voucher",
            Self::SocialSecurityCard => "social_security_card",
            Self::IdCard => "id_card",
            Self::Face => "face",
            Self::EpcQr => "epc_qr",
        }
    }
}

impl std::str::FromStr for IdMethod {
    type Err = StepError;
    fn from_str(s: &str) -> Result<Self, StepError> {
        Ok(match s.trim() {
            "e_voucher" => Self::EVoucher,
            "social_security_card" => Self::SocialSecurityCard,
            "id_card" => Self::IdCard,
            "face" => Self::Face,
            "epc_qr" => Self::EpcQr,
            other => {
                return Err(StepError::BadMethod {
                    kind: MethodKind::Identification,
                    given: other.to_string(),
                })
            }
        })
    }
}

/// A device problem as the operator reads it, with a stable code
/// (`DEVICE_CARD_REMOVED`, `DEVICE_NOT_E_VOUCHER`, …).
pub(super) fn device_error(e: &IdentityError) -> StepError {
    StepError::Device(e.clone())
}

/// First 6 and last 4 characters of a token (a credential: never whole in
/// the ledger or the logs).
pub(super) fn mask_token(t: &str) -> String {
    let c: Vec<char> = t.chars().collect();
    if c.len() <= 4 {
        return "*".repeat(c.len());
    }
    if c.len() <= 10 {
        // A card number: first 2 and last 2.
        return format!(
            "{}{}{}",
            c[..2].iter().collect::<String>(),
            "*".repeat(c.len() - 4),
            c[c.len() - 2..].iter().collect::<String>()
        );
    }
    format!(
        "{}…{}",
        c[..6].iter().collect::<String>(),
        c[c.len() - 4..].iter().collect::<String>()
    )
}

/// Checks the agent before anything is sent: name, a valid ID number, a
/// relationship from the fixed list.
pub(super) fn check_agent(agent: Option<AgentInput>) -> Result<Option<AgentInput>, StepError> {
    let Some(AgentInput {
        name,
        cert_no: certno,
        relationship: relation,
    }) = agent
    else {
        return Ok(None);
    };
    let (name, certno, relation) = (
        name.trim().to_string(),
        certno.trim().to_ascii_uppercase(),
        relation.trim().to_string(),
    );
    if name.is_empty() || name.chars().count() > 50 || name.chars().any(char::is_control) {
        return Err(StepError::AgentName);
    }
    rxdesk_core::code_format::validate_id_number(&certno).map_err(StepError::AgentIdNumber)?;
    if relationship_zh(&relation).is_none() {
        return Err(StepError::AgentRelationship);
    }
    Ok(Some(AgentInput {
        name,
        cert_no: certno,
        relationship: relation,
    }))
}

/// The proxy purchase for the visit model and the record kept with the sale.
pub(super) fn proxy_of(
    agent: Option<AgentInput>,
    authorisation: &str,
) -> (Option<ProxyPurchase>, Option<ProxyInfo>) {
    match agent {
        None => (None, None),
        Some(AgentInput {
            name,
            cert_no: certno,
            relationship: relation,
        }) => (
            Some(ProxyPurchase {
                agent: PersonIdentity {
                    name: name.clone(),
                    cert_type: RESIDENT_ID_CARD.into(),
                    cert_no: certno.clone(),
                },
                relationship: relationship_zh(&relation).unwrap_or_default().into(),
                authorisation_ref: authorisation.to_string(),
            }),
            Some(ProxyInfo {
                agent_name: name,
                agent_certno: certno,
                relationship: relation,
                authorisation: authorisation.to_string(),
            }),
        ),
    }
}

/// What the identification produced before the prescription query.
pub(super) struct Identified {
    /// 1101 credential.
    pub(super) cert_type: CertType,
    pub(super) cert_no: String,
    pub(super) card_sn: String,
    /// 7202 credential and number.
    pub(super) query: (Credential, String),
    pub(super) method: IdentificationMethod,
    /// Where the authorisation came from (kept with a 代购 sale).
    pub(super) authorisation: String,
    /// How the patient was identified, for the screen.
    pub(super) via_zh: String,
    /// The holder's ID number as the card/ID card/terminal gave it, to be
    /// matched with the center's record.
    pub(super) holder_id: Option<String>,
    /// `outBizNo` of a face capture (for `settle.notify`).
    pub(super) face_out_biz_no: Option<String>,
}

impl VisitService {
    /// Attaches the counter's identification devices (the desktop shell
    /// does it once the devices are started; tests with simulators too).
    pub fn attach_devices(&self, d: IdentityDevices) {
        *self.devices.write().unwrap_or_else(|p| p.into_inner()) = d;
    }

    /// `iot.medical.settle.notify` after a settlement of a patient
    /// identified by face, where the province wants it. Told in the
    /// background: the settlement stands whatever the terminal answers.
    pub(super) fn notify_face_terminal(
        &self,
        a: &Active,
        out: &rxdesk_center::messages::SettleOutput,
    ) {
        let devs = self.devices();
        let (Some(ec), true) = (devs.ec.clone(), devs.settle_notify) else {
            return;
        };
        let Some(out_biz_no) = a.patient.as_ref().and_then(|p| p.face_out_biz_no.clone()) else {
            return;
        };
        let s = &out.setlinfo;
        let notice = rxdesk_devices::face::nationec::SettleNotice {
            biz_type: "settle".into(),
            out_biz_no,
            success: true,
            total_fee: s.medfee_sumamt,
            self_fee: s.psn_cash_pay,
            medical_fee: s
                .fund_pay_sumamt
                .checked_add(s.acct_pay)
                .unwrap_or(s.fund_pay_sumamt),
        };
        tokio::spawn(async move {
            match ec.settle_notify(notice, Duration::from_secs(10)).await {
                Ok(()) => tracing::info!("face terminal told of the settlement (settle.notify)"),
                Err(e) => tracing::warn!(
                    error = e.code(),
                    "settle.notify failed (the settlement stands)"
                ),
            }
        });
    }

    pub(super) fn devices(&self) -> IdentityDevices {
        self.devices
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Shows ST-EPC-02-001's guidance for a password refusal (nothing is
    /// listed); `detail` says what the terminal answered.
    fn password_guidance(&self, a: &mut Active, e: &IdentityError) -> Result<(), StepError> {
        let reason = match e {
            IdentityError::PasswordNotSet => GuidanceReason::PasswordNotSet,
            _ => GuidanceReason::PasswordFailed,
        };
        let g = a.visit.evoucher_guidance(reason)?;
        a.guidance = Some(GuidanceView {
            reason: super::view::guidance_reason_code(reason),
            title_zh: format!("{}：{}", g.title_zh, e.message_zh()),
            tries: match e {
                IdentityError::PasswordWrong { tries_left } => *tries_left,
                _ => None,
            },
            steps_zh: g.steps_zh.iter().map(|s| s.to_string()).collect(),
            text: format!("{}\n{}", e.message_zh(), g.to_text()),
        });
        a.listed.clear();
        a.previews.clear();
        tracing::info!(
            error = e.code(),
            "e-voucher password refused: guidance shown, nothing listed"
        );
        Ok(())
    }

    /// The method's credential from the devices (or the scanned / typed code).
    pub(super) async fn credential_of(
        &self,
        a: &mut Active,
        by: &Session,
        method: &str,
        code: &str,
        consent: Option<bool>,
    ) -> Result<Option<Identified>, StepError> {
        let devs = self.devices();
        match method {
            "e_voucher" => {
                if let Err(n) = rxdesk_devices::scan::voucher_check(code) {
                    return Err(device_error(&IdentityError::NotEVoucher(
                        n.label_zh().to_string(),
                    )));
                }
                let token = match devs.qr_decode {
                    QrDecode::Center => code.to_string(),
                    QrDecode::Sdk => {
                        let ec = devs.ec().map_err(|m| StepError::DeviceNotConfigured {
                            missing: MissingDevice::EVoucherSdk { detail: m },
                        })?;
                        let v = ec
                            .decode_qr(code.to_string(), QR_TIMEOUT)
                            .await
                            .map_err(|e| device_error(&e))?;
                        tracing::info!(voucher = ?v, "e-voucher QR decoded (ec.query)");
                        v.ec_token
                    }
                };
                Ok(Some(Identified {
                    cert_type: CertType::EVoucher,
                    cert_no: token.clone(),
                    card_sn: String::new(),
                    query: (Credential::EVoucher, token.clone()),
                    method: IdentificationMethod::EVoucher,
                    authorisation: format!("医保电子凭证（令牌 {}）", mask_token(&token)),
                    via_zh: if devs.qr_decode == QrDecode::Sdk {
                        "医保电子凭证（终端解码）".into()
                    } else {
                        "医保电子凭证".into()
                    },
                    holder_id: None,
                    face_out_biz_no: None,
                }))
            }
            "face" => {
                if consent != Some(true) {
                    return Err(StepError::FaceConsentRequired);
                }
                let ec = devs.ec().map_err(|m| StepError::DeviceNotConfigured {
                    missing: MissingDevice::EVoucherSdk { detail: m },
                })?;
                if !devs.face_terminal {
                    return Err(StepError::DeviceNotConfigured {
                        missing: MissingDevice::FaceTerminal,
                    });
                }
                let cap = ec.face(FACE_TIMEOUT).await.map_err(|e| device_error(&e))?;
                tracing::info!(voucher = ?cap.voucher, consent = ?cap.consent, "face capture (iot.gain.ec.qrcode)");
                let token = cap.voucher.ec_token.clone();
                Ok(Some(Identified {
                    cert_type: CertType::EVoucher,
                    cert_no: token.clone(),
                    card_sn: String::new(),
                    query: (Credential::EVoucher, token),
                    method: IdentificationMethod::Face,
                    authorisation: format!("刷脸（业务流水号 {}）", cap.out_biz_no),
                    via_zh: "刷脸".into(),
                    holder_id: Some(cap.voucher.id_no.clone()),
                    face_out_biz_no: Some(cap.out_biz_no),
                }))
            }
            "social_security_card" => {
                let reader = devs.card.clone().ok_or(StepError::DeviceNotConfigured {
                    missing: MissingDevice::CardReader,
                })?;
                let ec = devs
                    .ec()
                    .map_err(|m| StepError::DeviceNotConfigured {
                        missing: MissingDevice::PinPadForCard { detail: m },
                    })?
                    .clone();
                let card = reader
                    .read_card(CARD_TIMEOUT)
                    .await
                    .map_err(|e| device_error(&e))?;
                tracing::info!(card = ?card, "social-security card read");
                let v = match ec
                    .confirm_password(PasswordSubject::from_card(&card), PIN_TIMEOUT)
                    .await
                {
                    Ok(v) => v,
                    Err(e) if e.needs_password_guidance() => {
                        self.password_guidance(a, &e)?;
                        return Ok(None);
                    }
                    Err(e) => return Err(device_error(&e)),
                };
                Ok(Some(Identified {
                    cert_type: CertType::SocialSecurityCard,
                    cert_no: card.card_no.clone(),
                    card_sn: card.chip_sn.clone(),
                    query: (Credential::EVoucher, v.ec_token.clone()),
                    method: IdentificationMethod::SocialSecurityCard {
                        password_confirmed: true,
                    },
                    authorisation: format!(
                        "社保卡 + 电子凭证密码（令牌 {}）",
                        mask_token(&v.ec_token)
                    ),
                    via_zh: format!("社保卡 {}（已读卡，密码已确认）", mask_token(&card.card_no)),
                    holder_id: Some(card.id_no.clone()),
                    face_out_biz_no: None,
                }))
            }
            "id_card" => {
                let ec = devs
                    .ec()
                    .map_err(|m| StepError::DeviceNotConfigured {
                        missing: MissingDevice::PinPadForIdCard { detail: m },
                    })?
                    .clone();
                // The ID card on the reader when there is one, else the
                // number as typed (its check digit verified here).
                let (id_no, name) = match &devs.id_card {
                    Some(r) if code.is_empty() => {
                        let id = r.read(CARD_TIMEOUT).await.map_err(|e| device_error(&e))?;
                        (id.id_number, Some(id.name))
                    }
                    _ => (code.to_ascii_uppercase(), None),
                };
                rxdesk_core::code_format::validate_id_number(&id_no)
                    .map_err(|e| StepError::from(VisitError::IdNumber(e.message_zh())))?;
                let name = match name {
                    Some(n) => n,
                    None => {
                        self.person_info(by, CertType::IdCard, &id_no, "")
                            .await
                            .map_err(|e| StepError::center(CenterAction::PersonInfo, &e))?
                            .baseinfo
                            .psn_name
                    }
                };
                let subject = PasswordSubject {
                    id_type: RESIDENT_ID_CARD.into(),
                    id_no: id_no.clone(),
                    name,
                    card_no: None,
                };
                let v = match ec.confirm_password(subject, PIN_TIMEOUT).await {
                    Ok(v) => v,
                    Err(e) if e.needs_password_guidance() => {
                        self.password_guidance(a, &e)?;
                        return Ok(None);
                    }
                    Err(e) => return Err(device_error(&e)),
                };
                Ok(Some(Identified {
                    cert_type: CertType::IdCard,
                    cert_no: id_no.clone(),
                    card_sn: String::new(),
                    query: (Credential::EVoucher, v.ec_token.clone()),
                    method: IdentificationMethod::IdCard {
                        password_confirmed: true,
                    },
                    authorisation: format!(
                        "身份证 + 电子凭证密码（令牌 {}）",
                        mask_token(&v.ec_token)
                    ),
                    via_zh: "身份证（密码已确认）".into(),
                    holder_id: Some(id_no),
                    face_out_biz_no: None,
                }))
            }
            other => Err(StepError::BadMethod {
                kind: MethodKind::Identification,
                given: other.to_string(),
            }),
        }
    }

    /// Identifies the patient through the devices and lists their
    /// authorised prescriptions (7202); see the module doc.
    pub(super) async fn identify_in(
        &self,
        a: &mut Active,
        by: &Session,
        method: &str,
        code: &str,
        consent: Option<bool>,
        agent: Option<AgentInput>,
    ) -> Result<(), StepError> {
        let code = code.trim();
        // Card and face come from the devices; an ID card may be read too.
        let needs_code = matches!(method, "e_voucher" | "epc_qr")
            || (method == "id_card" && self.devices().id_card.is_none());
        if code.len() > 512 || code.chars().any(char::is_control) || (needs_code && code.is_empty())
        {
            return Err(StepError::BadCredential {
                holder: Holder::Patient,
            });
        }
        if !matches!(
            a.visit.state(),
            VisitState::Started | VisitState::EVoucherGuidance(_)
        ) {
            return Err(StepError::OutOfStep {
                step: OutOfStep::AlreadyIdentified,
            });
        }
        let agent = check_agent(agent)?;
        if method == "epc_qr" {
            return self.identify_by_rx_qr(a, by, code, agent).await;
        }
        let Some(id) = self.credential_of(a, by, method, code, consent).await? else {
            return Ok(());
        };
        tracing::info!(method, via = %id.via_zh, "identify (1101)");
        let info = match self
            .person_info(by, id.cert_type.clone(), &id.cert_no, &id.card_sn)
            .await
        {
            Ok(i) => i,
            Err(CenterError::Rejected { code: c, .. })
                if c == "2001" && id.cert_type == CertType::EVoucher =>
            {
                let g = a.visit.evoucher_guidance(GuidanceReason::NotActivated)?;
                a.guidance = Some(GuidanceView {
                    reason: super::view::guidance_reason_code(GuidanceReason::NotActivated),
                    title_zh: g.title_zh.to_string(),
                    tries: None,
                    steps_zh: g.steps_zh.iter().map(|s| s.to_string()).collect(),
                    text: g.to_text(),
                });
                tracing::info!("e-voucher unknown to the center: guidance shown");
                return Ok(());
            }
            Err(e) => return Err(StepError::center(CenterAction::PersonInfo, &e)),
        };
        if let Some(holder) = &id.holder_id {
            if !rxdesk_core::rules::identity::same_cert_no(holder, &info.baseinfo.certno) {
                tracing::warn!(
                    holder = %mask_id_number(holder),
                    center = %mask_id_number(&info.baseinfo.certno),
                    "the card's holder is not the insured person the center names"
                );
                return Err(StepError::CardOtherPerson);
            }
        }
        let (proxy, proxy_info) = proxy_of(agent, &id.authorisation);
        let mut patient: PatientInfo = self.patient_of(
            &info,
            id.cert_type.clone(),
            &id.cert_no,
            agent_name_of(&proxy_info),
        );
        // A person whose parked settlement is uncertain stays locked.
        self.refuse_if_parked_uncertain(&patient.psn_no)?;
        patient.proxy = proxy_info;
        patient.identified_via_zh = id.via_zh.clone();
        patient.identified_via = via_code(&id.method).to_string();
        patient.face_out_biz_no = id.face_out_biz_no.clone();
        a.visit.identify(
            PersonIdentity {
                name: patient.name.clone(),
                cert_type: if method == "id_card" {
                    RESIDENT_ID_CARD
                } else {
                    CENTER_CONFIRMED
                }
                .into(),
                cert_no: patient.certno.clone(),
            },
            id.method,
            proxy,
        )?;
        a.patient = Some(patient);
        a.guidance = None;
        let list = self
            .desk
            .find_prescriptions(by, id.query.0, &id.query.1)
            .await
            .map_err(|e| StepError::ListFailed {
                detail: e.to_string(),
            })?;
        a.visit.prescriptions_listed(
            list.iter()
                .map(|r| RxListItem {
                    auth_rxno: r.auth_rxno.clone(),
                    fixmedins_name: r.fixmedins_name.clone(),
                    prsc_time: r.prsc_time.clone(),
                    valid_end_time: r.valid_end_time.clone(),
                })
                .collect(),
        )?;
        tracing::info!(
            listed = list.len(),
            "authorised prescriptions listed (7202)"
        );
        // 7202 names no drugs: download each listed prescription (7203, a
        // query) so the pharmacist chooses by its drugs. Its auth_rxno is
        // single use, so the chosen one is opened from this download.
        a.previews.clear();
        for r in &list {
            let key = DownloadKey::AuthRxno(r.auth_rxno.clone());
            let got = self.desk.download(by, &key).await;
            if let Err(e) = &got {
                tracing::warn!(error = %e, "listed prescription not downloaded for its drugs");
            }
            a.previews.insert(r.auth_rxno.clone(), got);
        }
        a.listed = list;
        Ok(())
    }
}

impl super::VisitService {
    pub(super) async fn person_info(
        &self,
        by: &Session,
        cert_type: CertType,
        cert_no: &str,
        card_sn: &str,
    ) -> Result<PersonInfoOutput, CenterError> {
        let q = PersonQuery {
            mdtrt_cert_type: cert_type,
            mdtrt_cert_no: cert_no.trim().to_string(),
            card_sn: card_sn.trim().to_string(),
            begntime: String::new(),
            psn_cert_type: String::new(),
            certno: String::new(),
            psn_name: String::new(),
        };
        self.desk.center().person_info(&self.desk.ctx(by), &q).await
    }

    /// Identifies the patient and lists their authorised prescriptions
    /// (7202); an e-prescription QR goes straight to download (7201 → 7203).
    /// `method`: `e_voucher` (the scanned QR in `code`), `social_security_card`
    /// (read from the card reader; the password on the PIN pad), `id_card`
    /// (read, or the number typed in `code`; the password on the PIN pad),
    /// `face` (`consent`: the patient agreed on the app's consent step),
    /// `epc_qr`. `agent`: 代购 (name, ID number, relationship code).
    pub async fn identify(
        &self,
        by: &Session,
        method: IdMethod,
        code: &str,
        consent: Option<bool>,
        agent: Option<AgentInput>,
    ) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "identify");
        let r = self
            .identify_in(a, by, method.as_str(), code, consent, agent)
            .instrument(span)
            .await;
        // A password refusal changes the visit (guidance); persist either way.
        self.persist_logged(a);
        r?;
        rxdesk_store::crashpoint!("visit_after_identify");
        Ok(self.view(a))
    }

    pub(super) fn patient_of(
        &self,
        info: &PersonInfoOutput,
        cert_type: CertType,
        code: &str,
        agent_name: Option<String>,
    ) -> PatientInfo {
        let insu = info.insuinfo.first().cloned().unwrap_or_default();
        PatientInfo {
            name: info.baseinfo.psn_name.clone(),
            certno: info.baseinfo.certno.clone(),
            psn_no: info.baseinfo.psn_no.clone(),
            insu_status: insu.psn_insu_stas.clone(),
            insutype: insu.insutype,
            balance: insu.balc,
            insuplc_admdvs: insu.insuplc_admdvs,
            mdtrt_cert_type: cert_type,
            mdtrt_cert_no: code.to_string(),
            agent_name,
            proxy: None,
            identified_via_zh: String::new(),
            identified_via: String::new(),
            face_out_biz_no: None,
        }
    }

    async fn identify_by_rx_qr(
        &self,
        a: &mut Active,
        by: &Session,
        qr: &str,
        agent: Option<AgentInput>,
    ) -> Result<(), StepError> {
        let q = QrDecodeData {
            app_chnl_id: "RXDESK".into(),
            app_chnl_user_id: by.login().into(),
            auth_code: String::new(),
            dev_info: "RxDesk counter".into(),
            epc_qrcd: qr.to_string(),
            ip_info: "127.0.0.1".into(),
            opter: by.login().into(),
            opter_name: by.display_name().into(),
            optins: self.desk.institution().into(),
        };
        let d = self
            .desk
            .center()
            .decode_qr(&self.desk.ctx(by), &q)
            .await
            .map_err(|e| StepError::center(CenterAction::DecodeRxQr, &e))?;
        let info = self
            .person_info(by, CertType::IdCard, &d.certno, "")
            .await
            .map_err(|e| StepError::center(CenterAction::PersonInfo, &e))?;
        let (proxy, proxy_info) = proxy_of(
            agent,
            &format!("电子处方二维码（{}）", mask_token(&d.epc_token)),
        );
        let mut patient = self.patient_of(
            &info,
            CertType::IdCard,
            &d.certno,
            agent_name_of(&proxy_info),
        );
        patient.proxy = proxy_info;
        patient.identified_via_zh = "电子处方二维码".into();
        a.visit.identify(
            PersonIdentity {
                name: d.name.clone(),
                cert_type: CENTER_CONFIRMED.into(),
                cert_no: d.certno.clone(),
            },
            IdentificationMethod::PrescriptionQr,
            proxy,
        )?;
        a.patient = Some(patient);
        self.open_in(a, by, DownloadKey::EpcToken(d.epc_token))
            .await
    }
}

/// The code of how a patient was identified (the window words it).
pub(super) fn via_code(m: &IdentificationMethod) -> &'static str {
    match m {
        IdentificationMethod::EVoucher => "e_voucher",
        IdentificationMethod::SocialSecurityCard { .. } => "social_security_card",
        IdentificationMethod::IdCard { .. } => "id_card",
        IdentificationMethod::Face => "face",
        IdentificationMethod::PrescriptionQr => "epc_qr",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_masked() {
        assert_eq!(
            mask_token("110000ecdemo0000000000000000000zhangsan"),
            "110000…gsan"
        );
        assert_eq!(mask_token("A10000001"), "A1*****01");
        assert_eq!(mask_token("abcd"), "****");
    }

    #[test]
    fn an_agent_needs_a_listed_relationship_and_a_valid_id() {
        let agent = |name: &str, cert_no: &str, relationship: &str| AgentInput {
            name: name.into(),
            cert_no: cert_no.into(),
            relationship: relationship.into(),
        };
        let ok = agent("李四", "110101199003070011", "child");
        assert!(check_agent(Some(ok.clone())).unwrap().is_some());
        let neighbour = agent("李四", "110101199003070011", "邻居");
        assert_eq!(
            check_agent(Some(neighbour)).unwrap_err().code(),
            "AGENT_RELATIONSHIP"
        );
        let bad_id = agent("李四", "110101199003070012", "child");
        assert_eq!(
            check_agent(Some(bad_id)).unwrap_err().code(),
            "AGENT_ID_NUMBER"
        );
        let no_name = agent(" ", "110101199003070011", "child");
        assert_eq!(check_agent(Some(no_name)).unwrap_err().code(), "AGENT_NAME");
        assert!(check_agent(None).unwrap().is_none());
        let (p, info) = proxy_of(Some(ok), "医保电子凭证（令牌 110000…gsan）");
        assert_eq!(p.unwrap().relationship, "子女");
        assert_eq!(info.unwrap().relationship, "child");
    }

    #[test]
    fn identification_methods_are_parsed_at_the_edge() {
        for m in [
            IdMethod::EVoucher,
            IdMethod::SocialSecurityCard,
            IdMethod::IdCard,
            IdMethod::Face,
            IdMethod::EpcQr,
        ] {
            assert_eq!(m.as_str().parse::<IdMethod>().unwrap(), m);
        }
        let e = "fax".parse::<IdMethod>().unwrap_err();
        assert_eq!(e.code(), "BAD_METHOD");
        assert!(e.message_zh().contains("fax"), "{e}");
    }
}
