//! Which 医保 settlement a sale is, and what 2101/2102 must then carry.
//!
//! A pharmacy settles four kinds of purchase with the center, and the center
//! refuses a settlement whose codes do not fit its 医疗类别 (`med_type`). The
//! counter used to send every sale as `41` with empty disease and doctor
//! codes; this module decides instead, from the prescription (7203
//! `mdtrtinfo.med_type`, `dise_codg`, the doctor's 医保医师代码) and the
//! person's 1101 answer (险种, 参保状态, personal-account balance):
//!
//! | kind | `med_type` | needs |
//! |---|---|---|
//! | 定点药店购药 (no prescription: OTC from the 个人账户) | `41` | an insured person with a personal account |
//! | 门诊统筹 (an outpatient e-prescription) | `11` | a prescription, the doctor's code, active insurance |
//! | 门诊慢特病 | `14` | + the prescription's `dise_codg` |
//! | 门诊特药（双通道） | `1402` | + the prescription's `dise_codg` |
//!
//! The `1402` value for 双通道 is RxDesk's: the public record has no national
//! code for it (docs/settlement-types.md keeps the table and the reasons).
//! Pure: facts come in as arguments, nothing is read or sent here.

use crate::money::Amount;
use serde::{Deserialize, Serialize};

/// The kind of 医保 settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SettlementKind {
    /// 定点药店购药 (`41`): the personal account and cash; no fund.
    PharmacyPurchase,
    /// 门诊统筹 (`11`): an outpatient prescription filled at the pharmacy,
    /// under the prescribing hospital's outpatient pooling.
    OutpatientPooling,
    /// 门诊慢特病 (`14`): a registered chronic or special disease.
    ChronicSpecial,
    /// 门诊特药（双通道）(`1402`, RxDesk's code).
    DualChannel,
}

/// Every kind with its `med_type`: THE table (change a province's code here).
pub const MED_TYPES: [(SettlementKind, &str); 4] = [
    (SettlementKind::PharmacyPurchase, "41"),
    (SettlementKind::OutpatientPooling, "11"),
    (SettlementKind::ChronicSpecial, "14"),
    (SettlementKind::DualChannel, "1402"),
];

impl SettlementKind {
    /// The `med_type` sent in 2101/2102.
    pub fn med_type(self) -> &'static str {
        MED_TYPES
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, c)| *c)
            .unwrap_or("41")
    }
    /// The kind a `med_type` names, if RxDesk settles it.
    pub fn from_med_type(code: &str) -> Option<Self> {
        MED_TYPES
            .iter()
            .find(|(_, c)| *c == code.trim())
            .map(|(k, _)| *k)
    }
    /// zh-CN name for the screen and the receipt.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::PharmacyPurchase => "定点药店购药",
            Self::OutpatientPooling => "门诊统筹",
            Self::ChronicSpecial => "门诊慢特病",
            Self::DualChannel => "门诊特药（双通道）",
        }
    }
    /// en-US name.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::PharmacyPurchase => "Pharmacy purchase",
            Self::OutpatientPooling => "Outpatient pooling",
            Self::ChronicSpecial => "Chronic / special disease",
            Self::DualChannel => "Dual-channel special drug",
        }
    }
    /// Whether the settlement must name the disease (`dise_codg`).
    pub fn needs_disease(self) -> bool {
        matches!(self, Self::ChronicSpecial | Self::DualChannel)
    }
    /// Whether the settlement needs a prescription and its doctor's code.
    pub fn needs_prescription(self) -> bool {
        !matches!(self, Self::PharmacyPurchase)
    }
    /// Whether the fund (统筹) takes part.
    pub fn fund_pays(self) -> bool {
        !matches!(self, Self::PharmacyPurchase)
    }
}

/// What the prescription says about its visit (7203).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RxFacts {
    /// `mdtrtinfo.med_type` (empty when not sent).
    pub med_type: String,
    /// `mdtrtinfo.dise_codg` (empty when not sent).
    pub dise_codg: String,
    /// `mdtrtinfo.dise_name`.
    pub dise_name: String,
    /// 开方医保医师代码 (`dr_code`).
    pub doctor_code: String,
    /// 开方医师姓名.
    pub doctor_name: String,
}

/// What the person's 1101 answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsuredFacts {
    /// `insutype` (310 职工, 390 居民 …).
    pub insutype: String,
    /// `psn_insu_stas`: `1` 正常参保 (empty = not sent, taken as active).
    pub insu_status: String,
    /// `balc`: personal-account balance.
    pub balance: Amount,
}

impl InsuredFacts {
    /// Insured and not suspended.
    pub fn active(&self) -> bool {
        matches!(self.insu_status.trim(), "" | "1")
    }
    /// Has a personal account (职工 schemes only).
    pub fn has_account(&self) -> bool {
        matches!(self.insutype.as_str(), "310" | "320" | "340")
    }
}

/// What is being bought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purchase {
    /// Against an e-prescription.
    Prescription(RxFacts),
    /// Without a prescription, paid from the 医保个人账户 (a self-paid OTC
    /// sale never reaches 2101).
    OverTheCounterFromAccount,
}

/// The codes 2101/2102 carry for this sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementPlan {
    /// The kind.
    pub kind: SettlementKind,
    /// `med_type`.
    pub med_type: String,
    /// `dise_codg` (empty unless the kind needs it).
    pub dise_codg: String,
    /// `dise_name`.
    pub dise_name: String,
    /// `acct_used_flag`: `1` the personal account pays the personal part.
    pub acct_used_flag: String,
    /// `bilg_dr_codg` of every line (empty without a prescription).
    pub bilg_dr_codg: String,
    /// `bilg_dr_name`.
    pub bilg_dr_name: String,
}

/// Why a sale cannot be settled with 医保 as it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The prescription names a 医疗类别 the counter does not settle.
    #[error("medical type {0:?} is not settled at a pharmacy")]
    UnknownMedType(String),
    /// 门慢特 / 双通道 without the disease code.
    #[error("{} needs the disease code (dise_codg)", .0.label_en())]
    DiseaseCodeMissing(SettlementKind),
    /// A pooled settlement without the prescribing doctor's code.
    #[error("{} needs the prescribing doctor's code", .0.label_en())]
    DoctorCodeMissing(SettlementKind),
    /// The person's insurance is suspended or ended.
    #[error("insurance status {0:?} is not active")]
    InsuranceInactive(String),
    /// An account purchase by someone without a personal account (or with
    /// nothing in it).
    #[error("no personal-account balance to pay from")]
    NoPersonalAccount,
}

impl PlanError {
    /// Stable code (docs/rules.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownMedType(_) => "SETTLE_MED_TYPE_UNKNOWN",
            Self::DiseaseCodeMissing(_) => "SETTLE_DISEASE_CODE_MISSING",
            Self::DoctorCodeMissing(_) => "SETTLE_DOCTOR_CODE_MISSING",
            Self::InsuranceInactive(_) => "SETTLE_INSURANCE_INACTIVE",
            Self::NoPersonalAccount => "SETTLE_NO_PERSONAL_ACCOUNT",
        }
    }
    /// zh-CN sentence with the next step.
    pub fn message_zh(&self) -> String {
        match self {
            Self::UnknownMedType(t) => format!(
                "处方的医疗类别为 {t}，本店不能按医保结算此类处方；请患者回开方医院咨询，或经患者同意按自费销售"
            ),
            Self::DiseaseCodeMissing(k) => format!(
                "处方为{}处方，但未注明病种编码，不能按{}结算；请患者联系开方医院补全病种后重新开具",
                k.label_zh(),
                k.label_zh()
            ),
            Self::DoctorCodeMissing(k) => format!(
                "处方缺少开方医师的医保医师代码，不能按{}结算；请患者联系开方医院",
                k.label_zh()
            ),
            Self::InsuranceInactive(s) => format!(
                "患者医保参保状态为 {s}（非正常参保），不能使用医保结算；请患者咨询参保地医保经办机构，或按自费销售"
            ),
            Self::NoPersonalAccount => {
                "患者没有可用的医保个人账户余额（居民医保无个人账户），不能用个人账户支付；请按自费销售".into()
            }
        }
    }
}

/// Decides the settlement of a purchase. Prescriptions settle as the
/// prescription's own 医疗类别 demands (an empty one, from an older
/// center, as 定点药店购药 like before); the doctor's code goes on every
/// line whenever the prescription carries one.
pub fn plan(purchase: &Purchase, insured: &InsuredFacts) -> Result<SettlementPlan, PlanError> {
    if !insured.active() {
        return Err(PlanError::InsuranceInactive(insured.insu_status.clone()));
    }
    let (kind, rx) = match purchase {
        Purchase::OverTheCounterFromAccount => {
            if !insured.has_account() || insured.balance <= Amount::ZERO {
                return Err(PlanError::NoPersonalAccount);
            }
            (SettlementKind::PharmacyPurchase, None)
        }
        Purchase::Prescription(rx) => {
            let kind = match rx.med_type.trim() {
                "" => SettlementKind::PharmacyPurchase,
                // 普通门诊, 门诊挂号 and 急诊 prescriptions fill as 门诊统筹.
                "11" | "12" | "13" => SettlementKind::OutpatientPooling,
                other => SettlementKind::from_med_type(other)
                    .ok_or_else(|| PlanError::UnknownMedType(other.to_string()))?,
            };
            (kind, Some(rx))
        }
    };
    let (dise_codg, dise_name) = match rx {
        Some(rx) if kind.needs_disease() => {
            if rx.dise_codg.trim().is_empty() {
                return Err(PlanError::DiseaseCodeMissing(kind));
            }
            (rx.dise_codg.trim().to_string(), rx.dise_name.clone())
        }
        _ => (String::new(), String::new()),
    };
    let (bilg_dr_codg, bilg_dr_name) = match rx {
        Some(rx) => {
            if kind.needs_prescription() && rx.doctor_code.trim().is_empty() {
                return Err(PlanError::DoctorCodeMissing(kind));
            }
            (rx.doctor_code.trim().to_string(), rx.doctor_name.clone())
        }
        None => (String::new(), String::new()),
    };
    Ok(SettlementPlan {
        kind,
        med_type: kind.med_type().to_string(),
        dise_codg,
        dise_name,
        acct_used_flag: "1".into(),
        bilg_dr_codg,
        bilg_dr_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn employee(balance: &str) -> InsuredFacts {
        InsuredFacts {
            insutype: "310".into(),
            insu_status: "1".into(),
            balance: balance.parse().unwrap(),
        }
    }
    fn resident() -> InsuredFacts {
        InsuredFacts {
            insutype: "390".into(),
            insu_status: "1".into(),
            balance: Amount::ZERO,
        }
    }
    fn rx(med_type: &str, dise: &str, doctor: &str) -> Purchase {
        Purchase::Prescription(RxFacts {
            med_type: med_type.into(),
            dise_codg: dise.into(),
            dise_name: if dise.is_empty() { "" } else { "糖尿病" }.into(),
            doctor_code: doctor.into(),
            doctor_name: "王医生".into(),
        })
    }

    #[test]
    fn chronic_prescription_settles_as_14_with_its_disease() {
        let p = plan(&rx("14", "M03900", "D1"), &employee("300")).unwrap();
        assert_eq!(p.kind, SettlementKind::ChronicSpecial);
        assert_eq!(p.med_type, "14");
        assert_eq!(p.dise_codg, "M03900");
        assert_eq!(p.dise_name, "糖尿病");
        assert_eq!(p.bilg_dr_codg, "D1");
        assert_eq!(p.bilg_dr_name, "王医生");
        let e = plan(&rx("14", " ", "D1"), &employee("300")).unwrap_err();
        assert_eq!(
            e,
            PlanError::DiseaseCodeMissing(SettlementKind::ChronicSpecial)
        );
        assert_eq!(e.code(), "SETTLE_DISEASE_CODE_MISSING");
        assert!(e.message_zh().contains("门诊慢特病"));
    }

    #[test]
    fn dual_channel_needs_disease_and_doctor() {
        let p = plan(&rx("1402", "M00500", "D2"), &resident()).unwrap();
        assert_eq!(p.kind, SettlementKind::DualChannel);
        assert_eq!(p.med_type, "1402");
        assert_eq!(p.dise_codg, "M00500");
        assert_eq!(
            plan(&rx("1402", "M00500", ""), &resident()).unwrap_err(),
            PlanError::DoctorCodeMissing(SettlementKind::DualChannel)
        );
    }

    #[test]
    fn outpatient_prescriptions_are_pooled_and_carry_no_disease() {
        for t in ["11", "12", "13"] {
            let p = plan(&rx(t, "M03900", "D1"), &resident()).unwrap();
            assert_eq!(p.kind, SettlementKind::OutpatientPooling, "{t}");
            assert_eq!(p.med_type, "11");
            assert_eq!(p.dise_codg, "", "no disease outside 门慢特 / 双通道");
            assert_eq!(p.bilg_dr_codg, "D1");
        }
        assert_eq!(
            plan(&rx("11", "", ""), &resident()).unwrap_err().code(),
            "SETTLE_DOCTOR_CODE_MISSING"
        );
    }

    #[test]
    fn unknown_or_missing_med_type() {
        assert_eq!(
            plan(&rx("21", "", "D1"), &employee("1")).unwrap_err(),
            PlanError::UnknownMedType("21".into())
        );
        // An older center that sends no 医疗类别: a pharmacy purchase, the
        // doctor's code still sent when known.
        let p = plan(&rx("", "", "D1"), &employee("1")).unwrap();
        assert_eq!(p.kind, SettlementKind::PharmacyPurchase);
        assert_eq!(p.med_type, "41");
        assert_eq!(p.bilg_dr_codg, "D1");
    }

    #[test]
    fn over_the_counter_from_the_account() {
        let p = plan(&Purchase::OverTheCounterFromAccount, &employee("20")).unwrap();
        assert_eq!(p.kind, SettlementKind::PharmacyPurchase);
        assert_eq!(p.med_type, "41");
        assert_eq!(p.acct_used_flag, "1");
        assert_eq!(p.bilg_dr_codg, "");
        assert_eq!(
            plan(&Purchase::OverTheCounterFromAccount, &resident()).unwrap_err(),
            PlanError::NoPersonalAccount
        );
        assert_eq!(
            plan(&Purchase::OverTheCounterFromAccount, &employee("0")).unwrap_err(),
            PlanError::NoPersonalAccount
        );
    }

    #[test]
    fn suspended_insurance_settles_nothing() {
        let mut i = employee("100");
        i.insu_status = "2".into();
        assert_eq!(
            plan(&rx("11", "", "D1"), &i).unwrap_err().code(),
            "SETTLE_INSURANCE_INACTIVE"
        );
        assert_eq!(
            plan(&Purchase::OverTheCounterFromAccount, &i)
                .unwrap_err()
                .code(),
            "SETTLE_INSURANCE_INACTIVE"
        );
    }

    #[test]
    fn the_table_round_trips() {
        for (k, c) in MED_TYPES {
            assert_eq!(k.med_type(), c);
            assert_eq!(SettlementKind::from_med_type(c), Some(k));
            assert!(!k.label_zh().is_empty() && !k.label_en().is_empty());
        }
    }

    proptest! {
        /// Whatever the center sends, a plan either fails with a coded
        /// reason or carries exactly the codes its kind requires.
        #[test]
        fn plans_carry_what_their_kind_requires(
            med in prop::sample::select(vec!["", "11", "12", "13", "14", "1402", "41", "21", "x"]),
            dise in "[A-Z0-9]{0,6}",
            doctor in "[A-Z0-9]{0,6}",
            status in prop::sample::select(vec!["", "1", "2"]),
        ) {
            let i = InsuredFacts { insutype: "310".into(), insu_status: status.into(), balance: "10".parse().unwrap() };
            match plan(&rx(med, &dise, &doctor), &i) {
                Ok(p) => {
                    prop_assert_eq!(SettlementKind::from_med_type(&p.med_type), Some(p.kind));
                    prop_assert_eq!(p.kind.needs_disease(), !p.dise_codg.is_empty());
                    if p.kind.needs_prescription() {
                        prop_assert!(!p.bilg_dr_codg.is_empty());
                    }
                    prop_assert_eq!(p.bilg_dr_codg, doctor);
                }
                Err(e) => prop_assert!(e.code().starts_with("SETTLE_")),
            }
        }
    }
}
