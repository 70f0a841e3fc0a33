//! # rxdesk-demo — the demo world, kept apart from the product
//!
//! Everything a demo or a rehearsal needs that a pharmacy's counter must
//! never use: the demo drugs (ONE source, `assets/demo/drugs.json`, also read
//! by the center emulator's seed and by the UI mocks), the demo pharmacy's
//! generated 20,006-product catalogue, its stock and the boxes to scan
//! ([`catalogue`]), and the seeding of a demo-mode ledger ([`pharmacy`]).
//!
//! **Architecture invariant:** no production crate depends on this crate
//! (`rxdesk-tidy` checks the manifests); the desktop shell links it only
//! with its `demo` cargo feature and calls it only when `demo_mode` is on.
//!
//! The rest of the demo world, and where it lives (ARCHITECTURE.md, "Where
//! demo material lives"): the emulator with its demo CA, hospitals and
//! patients (`rxdesk-center-sim`, `seed`); and, compiled only with each
//! production crate's cargo feature `demo` (which the desktop's `demo`
//! feature turns on together with this crate), the demo CA issuance
//! (`rxdesk_gm::issue`), the compiled-in demo center credentials
//! (`rxdesk_center::profile::demo`), the device simulators
//! (`rxdesk_devices::sim`), and the demo accounts, the stand-in SDK's demo
//! patients and the payment simulator (`rxdesk_app::demo`,
//! `rxdesk_app::visit::payment::SimulatedPaymentChannel`). A production
//! build (`--no-default-features`) has none of it (`rxdesk-tidy`
//! `production_build_has_no_demo_world`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalogue;
pub mod pharmacy;

use serde::Deserialize;
use std::sync::OnceLock;

/// `assets/demo/drugs.json`: the demo world's six drugs, the one source.
pub const DEMO_DRUGS_JSON: &str = include_str!("../../../assets/demo/drugs.json");

/// The demo drugs file.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoDrugFile {
    /// Manufacturer of every demo drug.
    pub maker: String,
    /// GS1 company prefix (after `69`) of the demo barcodes.
    pub gs1_company: u32,
    /// The drugs, in the order the emulator and the demo catalogue list them.
    pub drugs: Vec<DemoDrug>,
}

/// One demo drug as the emulator serves it and the demo pharmacy stocks it.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoDrug {
    /// The demo pharmacy's 定点医药机构目录编号.
    pub fixmedins_hilist_id: String,
    /// 医保目录编码.
    pub med_list_codg: String,
    /// 通用名 (also the product name).
    pub name: String,
    /// Brand name the emulator sends as `drug_prodname`.
    pub prodname: String,
    /// 剂型.
    pub dosform: String,
    /// 规格.
    pub spec: String,
    /// Pack unit.
    pub unit: String,
    /// Retail price (decimal text).
    pub price: String,
    /// Price-monitoring reference price (decimal text, empty if none).
    pub reference_price: String,
    /// The emulator's 最高限价 (decimal text).
    pub pric_uplmt: String,
    /// Smallest units per pack.
    pub pack_size: u32,
    /// Smallest unit.
    pub min_unit: String,
    /// `1` prescription drug, `0` not.
    pub rx_flag: String,
    /// Restricted classes (catalogue `circulation` field), empty if none.
    pub circulation: String,
    /// 自费 item.
    pub self_pay: bool,
    /// 国谈药品 (national negotiated drug): flagged in the published
    /// in-stock list.
    #[serde(default)]
    pub nego_drug: bool,
    /// The emulator's 甲/乙/丙 level (`1`/`2`/`3`).
    pub insurance_level: String,
    /// Item number in the demo GS1 barcode.
    pub barcode_item: u32,
    /// 7-digit trace-code prefix.
    pub trace_prefix: String,
    /// 注意事项 printed in the medication guidance.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// 禁忌 printed in the medication guidance.
    #[serde(default)]
    pub contraindications: Vec<String>,
}

/// The parsed demo drugs file (checked by this crate's tests; a broken file
/// is a build defect, so it yields an empty list rather than a panic).
pub fn demo_drugs() -> &'static DemoDrugFile {
    static FILE: OnceLock<DemoDrugFile> = OnceLock::new();
    FILE.get_or_init(|| {
        serde_json::from_str(DEMO_DRUGS_JSON).unwrap_or_else(|e| {
            tracing::error!(error = %e, "assets/demo/drugs.json does not parse");
            DemoDrugFile {
                maker: String::new(),
                gs1_company: 0,
                drugs: Vec::new(),
            }
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_drugs_file_parses_and_its_codes_are_national_codes() {
        let f: super::DemoDrugFile = serde_json::from_str(super::DEMO_DRUGS_JSON).unwrap();
        assert_eq!(f.drugs.len(), 6);
        for d in &f.drugs {
            assert!(
                rxdesk_core::code_format::validate_drug_code(&d.med_list_codg).is_ok(),
                "{}",
                d.med_list_codg
            );
            assert!(rxdesk_store::catalogue::parse_circulation(&d.circulation).is_ok());
        }
    }
}
