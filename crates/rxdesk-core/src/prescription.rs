//! The e-prescription as the center describes it (docs/reference/wire-protocol.md §4.1 7203 and
//! §5). Only the fields the counter reasons about are typed here; the raw
//! downloaded payload is always kept verbatim by the store, so nothing the
//! center sent is lost when this model is narrower than the wire.

use crate::codes::RxStatus;
use crate::money::Price;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Identifies a prescription at the center (`hi_rxno`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(transparent)]
pub struct RxNo(pub String);

/// One drug line of a prescription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RxLine {
    /// 医保药品目录编码 (`med_list_codg`): the product that must be dispensed.
    pub med_list_codg: String,
    /// Drug generic name (`drug_genname`).
    pub drug_genname: String,
    /// Specification (`drug_spec`).
    pub drug_spec: String,
    /// Prescribed quantity (`ent_cnt`... in dispensing units).
    pub quantity: Decimal,
    /// Dispensing unit (`drug_dosunt`, e.g. 盒).
    pub unit: String,
    /// Single dose and unit as printed (`sin_doscnt` + `sin_dosunt`).
    pub single_dose: String,
    /// Frequency (`used_frqu_name`, e.g. 每日三次).
    pub frequency: String,
    /// Route (`medc_way_dscr`, e.g. 口服).
    pub route: String,
    /// Days of medication (`medc_days`).
    pub days: u32,
    /// Reference unit price from the prescription, if sent.
    pub price: Option<Price>,
    /// `hosp_prep_flag`: a hospital-made preparation (医疗机构制剂), which
    /// may not circulate to a pharmacy.
    #[serde(default)]
    pub hosp_prep_flag: bool,
}

/// The reuse terms of a prescription (7203 `rept_flag`, `max_rept_cnt`,
/// `reptd_cnt`, `min_inrv_days`). `max_rept_cnt` counts the dispensings the
/// prescription allows in total; `reptd_cnt` those the center has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReuseTerms {
    /// `rept_flag` = 1: the prescription may be dispensed more than once.
    pub rept_flag: bool,
    /// `max_rept_cnt`: the most dispensings allowed.
    pub max_rept_cnt: Option<u32>,
    /// `reptd_cnt`: dispensings already made, per the center.
    pub reptd_cnt: Option<u32>,
    /// `min_inrv_days`: minimum days between two dispensings.
    pub min_inrv_days: Option<u32>,
}

/// A prescription as downloaded, **not yet verified**. The type that may be
/// audited and dispensed is `Verified<Prescription>` in `rxdesk-gm`, which only
/// the signature verifier can construct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prescription {
    /// `hi_rxno`
    pub rx_no: RxNo,
    /// Issuing institution code (`fixmedins_code`), checked against the certificate.
    pub fixmedins_code: String,
    /// Issuing institution name.
    pub fixmedins_name: String,
    /// Patient name (`psn_name`).
    pub patient_name: String,
    /// Patient certificate number (`psn_cert_no` / ID number); protected at rest.
    pub patient_cert_no: String,
    /// Status at download time.
    pub status: RxStatus,
    /// Upload time at the center (`rx_trace_time`/`prsc_time`), CST wire format.
    pub issued_at: String,
    /// `valid_end_time`, CST wire format.
    pub valid_end_time: String,
    /// Drug lines.
    pub lines: Vec<RxLine>,
    /// Reuse terms (absent = single use).
    #[serde(default)]
    pub reuse: ReuseTerms,
    /// `long_rx_flag`: a long prescription for a stable chronic patient.
    #[serde(default)]
    pub long_rx_flag: bool,
}

/// Masks an identity number for display and logs: keeps the first 3 and last
/// 4 characters (`110***********1234`). Logs must never hold the full number.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks_id_numbers() {
        assert_eq!(mask_id_number("110101199003071234"), "110***********1234");
        assert_eq!(mask_id_number("1234"), "****");
        assert_eq!(mask_id_number(""), "");
    }

    proptest! {
        #[test]
        fn masked_never_contains_the_middle(id in "[0-9X]{8,20}") {
            let m = mask_id_number(&id);
            prop_assert_eq!(m.chars().count(), id.chars().count());
            prop_assert!(m.contains('*'));
        }
    }
}
