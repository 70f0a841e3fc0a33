//! Drugs that may not circulate from a hospital prescription to a retail
//! pharmacy (prescription rules of 001_1b8d9891967afea2.txt): the catalogue
//! flags each product with its [`RestrictedClass`]es, the prescription line
//! may carry `hosp_prep_flag`, and a drug the pharmacy does not list cannot
//! be dispensed at all (no substitution).

use super::{Finding, RuleCode};
use crate::catalogue::DrugFacts;
use crate::prescription::RxLine;
use serde::{Deserialize, Serialize};

/// Catalogue flags for drugs under special control. All but
/// [`RestrictedClass::Insulin`] are barred from prescription circulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestrictedClass {
    /// 麻醉药品
    Narcotic,
    /// 放射性药品
    Radioactive,
    /// 第一类精神药品
    PsychotropicClass1,
    /// 第二类精神药品
    PsychotropicClass2,
    /// 医疗用毒性药品
    MedicalToxic,
    /// 终止妊娠药品
    Abortion,
    /// 蛋白同化制剂
    ProteinAssimilation,
    /// 肽类激素 (other than insulin)
    PeptideHormone,
    /// 胰岛素: a peptide hormone that **may** circulate.
    Insulin,
    /// 药品类易制毒化学品
    PrecursorChemical,
    /// 疫苗
    Vaccine,
    /// 其他兴奋剂管控药品
    DopingControlled,
    /// 含特殊药品复方制剂
    CompoundWithSpecialDrug,
    /// 医疗机构制剂
    HospitalPreparation,
}

impl RestrictedClass {
    /// Every class, in table order.
    pub const ALL: [RestrictedClass; 14] = [
        Self::Narcotic,
        Self::Radioactive,
        Self::PsychotropicClass1,
        Self::PsychotropicClass2,
        Self::MedicalToxic,
        Self::Abortion,
        Self::ProteinAssimilation,
        Self::PeptideHormone,
        Self::Insulin,
        Self::PrecursorChemical,
        Self::Vaccine,
        Self::DopingControlled,
        Self::CompoundWithSpecialDrug,
        Self::HospitalPreparation,
    ];

    /// zh-CN name of the class.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Narcotic => "麻醉药品",
            Self::Radioactive => "放射性药品",
            Self::PsychotropicClass1 => "第一类精神药品",
            Self::PsychotropicClass2 => "第二类精神药品",
            Self::MedicalToxic => "医疗用毒性药品",
            Self::Abortion => "终止妊娠药品",
            Self::ProteinAssimilation => "蛋白同化制剂",
            Self::PeptideHormone => "肽类激素",
            Self::Insulin => "胰岛素",
            Self::PrecursorChemical => "药品类易制毒化学品",
            Self::Vaccine => "疫苗",
            Self::DopingControlled => "兴奋剂管控药品",
            Self::CompoundWithSpecialDrug => "含特殊药品复方制剂",
            Self::HospitalPreparation => "医疗机构制剂",
        }
    }

    /// Whether the class bars the drug from circulation.
    pub fn bars_circulation(self) -> bool {
        self != Self::Insulin
    }

    /// The catalogue-file code (`snake_case` name), e.g. for CSV import.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The catalogue-file code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Narcotic => "narcotic",
            Self::Radioactive => "radioactive",
            Self::PsychotropicClass1 => "psychotropic_class1",
            Self::PsychotropicClass2 => "psychotropic_class2",
            Self::MedicalToxic => "medical_toxic",
            Self::Abortion => "abortion",
            Self::ProteinAssimilation => "protein_assimilation",
            Self::PeptideHormone => "peptide_hormone",
            Self::Insulin => "insulin",
            Self::PrecursorChemical => "precursor_chemical",
            Self::Vaccine => "vaccine",
            Self::DopingControlled => "doping_controlled",
            Self::CompoundWithSpecialDrug => "compound_with_special_drug",
            Self::HospitalPreparation => "hospital_preparation",
        }
    }
}

/// Checks every line: catalogue presence, restricted classes and the
/// prescription's own `hosp_prep_flag`. `facts[i]` belongs to `lines[i]`.
pub fn check_circulation(lines: &[RxLine], facts: &[Option<DrugFacts>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let mut barred: Vec<RestrictedClass> = Vec::new();
        if line.hosp_prep_flag {
            barred.push(RestrictedClass::HospitalPreparation);
        }
        match facts.get(i).and_then(Option::as_ref) {
            None => out.push(
                Finding::on_line(
                    RuleCode::DrugNotInCatalogue,
                    i,
                    format!(
                        "{}（医保代码 {}）不在本店药品目录中，不能配药，也不得替换为其他药品",
                        line.drug_genname, line.med_list_codg
                    ),
                )
                .with("code", &line.med_list_codg),
            ),
            Some(f) => {
                // Insulin is a peptide hormone that may circulate: a product
                // flagged both ways is insulin.
                let insulin = f.restricted.contains(&RestrictedClass::Insulin);
                barred.extend(f.restricted.iter().copied().filter(|c| {
                    c.bars_circulation() && !(insulin && *c == RestrictedClass::PeptideHormone)
                }));
            }
        }
        barred.sort();
        barred.dedup();
        if !barred.is_empty() {
            let names: Vec<&str> = barred.iter().map(|c| c.label_zh()).collect();
            out.push(
                Finding::on_line(
                    RuleCode::DrugNotInCirculation,
                    i,
                    format!(
                        "{} 属于{}，按规定不得通过处方流转在药店销售",
                        line.drug_genname,
                        names.join("、")
                    ),
                )
                .with(
                    "classes",
                    barred
                        .iter()
                        .map(|c| c.code())
                        .collect::<Vec<_>>()
                        .join(","),
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::InsuranceClass;
    use crate::testdata::rx;

    fn facts(classes: &[RestrictedClass]) -> Option<DrugFacts> {
        Some(DrugFacts {
            restricted: classes.to_vec(),
            insurance_class: InsuranceClass::A,
            cold_chain: false,
        })
    }

    #[test]
    fn unrestricted_drug_passes() {
        let p = rx();
        assert!(check_circulation(&p.lines, &[facts(&[])]).is_empty());
    }

    #[test]
    fn every_barred_class_blocks() {
        let p = rx();
        for c in RestrictedClass::ALL {
            let f = check_circulation(&p.lines, &[facts(&[c])]);
            if c == RestrictedClass::Insulin {
                assert!(f.is_empty());
            } else {
                assert_eq!(f.len(), 1, "{c:?}");
                assert_eq!(f[0].code, RuleCode::DrugNotInCirculation);
                assert!(f[0].message_zh.contains(c.label_zh()));
                assert_eq!(f[0].line, Some(0));
            }
            assert_eq!(RestrictedClass::from_code(c.code()), Some(c));
        }
    }

    #[test]
    fn insulin_is_the_peptide_hormone_exception() {
        let p = rx();
        let f = check_circulation(
            &p.lines,
            &[facts(&[
                RestrictedClass::PeptideHormone,
                RestrictedClass::Insulin,
            ])],
        );
        assert!(f.is_empty());
        let f = check_circulation(&p.lines, &[facts(&[RestrictedClass::PeptideHormone])]);
        assert_eq!(f[0].code, RuleCode::DrugNotInCirculation);
    }

    #[test]
    fn hospital_preparation_flag_on_the_line_blocks() {
        let mut p = rx();
        p.lines[0].hosp_prep_flag = true;
        let f = check_circulation(&p.lines, &[facts(&[])]);
        assert_eq!(f[0].code, RuleCode::DrugNotInCirculation);
        assert!(f[0].message_zh.contains("医疗机构制剂"));
    }

    #[test]
    fn missing_from_catalogue_blocks() {
        let p = rx();
        let f = check_circulation(&p.lines, &[None]);
        assert_eq!(f[0].code, RuleCode::DrugNotInCatalogue);
        let f = check_circulation(&p.lines, &[]);
        assert_eq!(f[0].code, RuleCode::DrugNotInCatalogue);
    }
}
