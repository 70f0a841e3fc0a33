//! Social-security and ID card readers: the card-record parser, the
//! `HeaSecReadInfo` / `SSCardDriver` adapters, and the generic serial card
//! reader (protocol in [`frame`], driver in [`serial`]). Every card reader
//! answers [`CardReader::read_card`] with one typed [`CardRead`].

pub mod frame;
pub mod heasec;
pub mod record;
pub mod serial;
pub mod sscard;

pub use record::{parse_card_record, CardRecord, CardRecordError};

use crate::identity::{IdentityError, IdentitySource, PatientIdentity};
use rxdesk_core::prescription::mask_id_number;
use serde::Serialize;
use std::time::Duration;

/// Which reader produced a [`CardRead`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardSource {
    /// `HeaSecReadInfo` `ReadCardBas`.
    HeaSec,
    /// `SSCardDriver` `iReadCardBas`.
    SsCard,
    /// The generic serial card reader.
    Serial,
}

/// A social-security card as read. `Debug` masks the numbers; `id_no` is
/// sensitive: the caller seals it before storing (rxdesk-store `protect`)
/// and never logs it.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct CardRead {
    /// The reader.
    pub source: CardSource,
    /// 社保卡号 (`mdtrt_cert_no` with `mdtrt_cert_type` 03).
    pub card_no: String,
    /// 卡识别码 (the chip serial; `card_sn` of 1101/2101/2102).
    pub chip_sn: String,
    /// 姓名.
    pub name: String,
    /// 社会保障号码 = 公民身份号码 on third-generation cards (sensitive).
    pub id_no: String,
    /// 发卡地区行政区划代码 (the issuer's admdvs).
    pub issuer_admdvs: String,
    /// 规范版本.
    pub spec_version: String,
    /// 发卡日期 YYYYMMDD.
    pub issued: String,
    /// 卡有效期 YYYYMMDD.
    pub expires: String,
}

impl std::fmt::Debug for CardRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardRead")
            .field("source", &self.source)
            .field("card_no", &mask_id_number(&self.card_no))
            .field("chip_sn", &mask_id_number(&self.chip_sn))
            .field("name", &self.name)
            .field("id_no", &mask_id_number(&self.id_no))
            .field("issuer_admdvs", &self.issuer_admdvs)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

impl CardRead {
    /// From a parsed record.
    pub fn from_record(source: CardSource, rec: CardRecord) -> Self {
        CardRead {
            source,
            card_no: rec.card_number,
            chip_sn: rec.card_sn,
            name: rec.name,
            id_no: rec.ss_number,
            issuer_admdvs: rec.region,
            spec_version: rec.version,
            issued: rec.issued,
            expires: rec.expires,
        }
    }

    /// Parses a raw `|` record; a record that does not parse is
    /// [`IdentityError::BadCardRecord`].
    pub fn parse(source: CardSource, raw: &str) -> Result<Self, IdentityError> {
        let rec = parse_card_record(raw).map_err(|e| {
            tracing::warn!(?source, error = %e, "card record rejected");
            IdentityError::BadCardRecord(e.to_string())
        })?;
        Ok(Self::from_record(source, rec))
    }

    /// As a patient identity (credential type 03 with the card number).
    pub fn identity(&self) -> PatientIdentity {
        PatientIdentity {
            source: IdentitySource::SocialSecurityCard,
            name: self.name.clone(),
            id_type: "01".into(),
            id_number: self.id_no.clone(),
            insurance_region: Some(self.issuer_admdvs.clone()),
            ec_token: None,
            card_number: Some(self.card_no.clone()),
            card_sn: Some(self.chip_sn.clone()),
        }
    }
}

/// A social-security card reader of any kind.
pub trait CardReader: Send {
    /// Label for logs/UI.
    fn name(&self) -> &str;
    /// Reads the card in the reader, waiting up to `timeout`.
    fn read_card(&mut self, timeout: Duration) -> Result<CardRead, IdentityError>;
    /// Checks the reader answers without needing a card (`test` in Settings):
    /// returns a short description (model / library).
    fn ping(&mut self, timeout: Duration) -> Result<String, IdentityError>;
}

/// A card record as a patient identity (third-generation cards: the
/// social-security number is the ID number).
pub fn identity_from_card(rec: CardRecord) -> PatientIdentity {
    CardRead::from_record(CardSource::HeaSec, rec).identity()
}
