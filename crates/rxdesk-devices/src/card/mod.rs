//! Social-security and ID card readers: the card-record parser and the
//! `HeaSecReadInfo` / `SSCardDriver` adapters.

pub mod heasec;
pub mod record;
pub mod sscard;

pub use record::{parse_card_record, CardRecord, CardRecordError};

use crate::identity::{IdentitySource, PatientIdentity};

/// A card record as a patient identity (third-generation cards: the
/// social-security number is the ID number).
pub fn identity_from_card(rec: CardRecord) -> PatientIdentity {
    PatientIdentity {
        source: IdentitySource::SocialSecurityCard,
        name: rec.name,
        id_type: "01".into(),
        id_number: rec.ss_number,
        insurance_region: Some(rec.region),
        ec_token: None,
        card_number: Some(rec.card_number),
        card_sn: Some(rec.card_sn),
    }
}
