//! Who is at the counter: the patient, how they identified, and — for a
//! family-member purchase (代购) — the agent and the authorisation. Both
//! identities are kept, because the regulations ask for both documents
//! (004_c675259d2b26b210.txt (十二)) and the ledger must show who bought.

use crate::codes::CertType;
use crate::prescription::mask_id_number;
use serde::{Deserialize, Serialize};

/// A person as identified (name and certificate).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonIdentity {
    /// Name as read from the e-voucher, card or ID card.
    pub name: String,
    /// `psn_cert_type` (national dictionary; `01` = 居民身份证).
    pub cert_type: String,
    /// Certificate number. Never log it: `Debug` masks it.
    pub cert_no: String,
}

impl std::fmt::Debug for PersonIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonIdentity")
            .field("name", &self.name)
            .field("cert_type", &self.cert_type)
            .field("cert_no", &mask_id_number(&self.cert_no))
            .finish()
    }
}

/// How the patient identified (ST-EPC-02-005).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentificationMethod {
    /// 医保电子凭证 QR code.
    EVoucher,
    /// 社会保障卡; `password_confirmed` = the patient confirmed with the
    /// e-voucher password.
    SocialSecurityCard {
        /// E-voucher password confirmation passed.
        password_confirmed: bool,
    },
    /// 居民身份证; needs the e-voucher password confirmation too.
    IdCard {
        /// E-voucher password confirmation passed.
        password_confirmed: bool,
    },
    /// Face terminal (刷脸).
    Face,
    /// The e-prescription QR code (7201), which names the patient.
    PrescriptionQr,
}

impl IdentificationMethod {
    /// The `mdtrt_cert_type` this method queries with, where it has one.
    pub fn cert_type(&self) -> Option<CertType> {
        match self {
            Self::EVoucher | Self::Face => Some(CertType::EVoucher),
            Self::IdCard { .. } => Some(CertType::IdCard),
            Self::SocialSecurityCard { .. } => Some(CertType::SocialSecurityCard),
            Self::PrescriptionQr => None,
        }
    }

    /// ST-EPC-02-005: card and ID-card identification need the patient's
    /// e-voucher password before prescriptions may be queried.
    pub fn needs_password(&self) -> bool {
        matches!(
            self,
            Self::SocialSecurityCard {
                password_confirmed: false
            } | Self::IdCard {
                password_confirmed: false
            }
        )
    }
}

/// A family member buying on the patient's behalf (代购).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyPurchase {
    /// The agent at the counter, identified with their own document.
    pub agent: PersonIdentity,
    /// Relationship to the patient as stated (e.g. 配偶, 子女).
    pub relationship: String,
    /// Reference of the authorisation (e-voucher family binding id or the
    /// written authorisation's number).
    pub authorisation_ref: String,
}

/// Why a proxy purchase cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// The agent has no certificate number or name.
    #[error("the agent's identity is incomplete")]
    AgentIncomplete,
    /// No authorisation reference.
    #[error("no authorisation for the proxy purchase")]
    NoAuthorisation,
    /// The agent is the patient.
    #[error("the agent is the patient")]
    AgentIsPatient,
}

impl ProxyError {
    /// Stable English code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AgentIncomplete => "PROXY_AGENT_INCOMPLETE",
            Self::NoAuthorisation => "PROXY_NO_AUTHORISATION",
            Self::AgentIsPatient => "PROXY_AGENT_IS_PATIENT",
        }
    }
    /// zh-CN message.
    pub fn message_zh(&self) -> &'static str {
        match self {
            Self::AgentIncomplete => "代购人身份信息不完整，请读取代购人本人的有效证件",
            Self::NoAuthorisation => "代购须有患者授权，请录入授权信息",
            Self::AgentIsPatient => "代购人与患者为同一人，无需登记代购",
        }
    }
}

impl ProxyPurchase {
    /// Checks that both identities and the authorisation are present.
    pub fn check(&self, patient: &PersonIdentity) -> Result<(), ProxyError> {
        if self.agent.cert_no.trim().is_empty() || self.agent.name.trim().is_empty() {
            return Err(ProxyError::AgentIncomplete);
        }
        if self.authorisation_ref.trim().is_empty() {
            return Err(ProxyError::NoAuthorisation);
        }
        if crate::rules::identity::same_cert_no(&self.agent.cert_no, &patient.cert_no) {
            return Err(ProxyError::AgentIsPatient);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, no: &str) -> PersonIdentity {
        PersonIdentity {
            name: name.into(),
            cert_type: "01".into(),
            cert_no: no.into(),
        }
    }

    #[test]
    fn debug_masks_the_certificate_number() {
        let d = format!("{:?}", p("张三", "11010519491231002X"));
        assert!(d.contains("110***********002X"));
        assert!(!d.contains("11010519491231002X"));
    }

    #[test]
    fn card_and_id_card_need_the_password() {
        assert!(IdentificationMethod::IdCard {
            password_confirmed: false
        }
        .needs_password());
        assert!(!IdentificationMethod::IdCard {
            password_confirmed: true
        }
        .needs_password());
        assert!(IdentificationMethod::SocialSecurityCard {
            password_confirmed: false
        }
        .needs_password());
        assert!(!IdentificationMethod::EVoucher.needs_password());
        assert_eq!(
            IdentificationMethod::Face.cert_type(),
            Some(CertType::EVoucher)
        );
    }

    #[test]
    fn proxy_needs_both_identities_and_authorisation() {
        let patient = p("张三", "11010519491231002X");
        let mut proxy = ProxyPurchase {
            agent: p("李四", "110105195001010012"),
            relationship: "配偶".into(),
            authorisation_ref: "AUTH-1".into(),
        };
        assert_eq!(proxy.check(&patient), Ok(()));
        proxy.authorisation_ref = " ".into();
        assert_eq!(proxy.check(&patient), Err(ProxyError::NoAuthorisation));
        proxy.authorisation_ref = "AUTH-1".into();
        proxy.agent.cert_no.clear();
        assert_eq!(proxy.check(&patient), Err(ProxyError::AgentIncomplete));
        proxy.agent = p("张三", "11010519491231002x");
        assert_eq!(proxy.check(&patient), Err(ProxyError::AgentIsPatient));
    }
}
