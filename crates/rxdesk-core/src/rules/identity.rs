//! The person at the counter must be the prescription's patient
//! (ST-EPC-02-005; the same comparison signs off a delivery, ST-EPC-02-011).
//!
//! Comparison rules: certificate numbers compare after trimming, half-width
//! conversion and upper-casing (a lower-case `x` check character is the same
//! `X`); a 15-digit first-generation ID number equals its 18-digit upgrade.
//! Names compare after removing whitespace, half-width conversion, unifying
//! the middle-dot variants of minority and foreign names and upper-casing
//! Latin letters. Nothing else is forgiven: one character differs → blocked.

use super::{Finding, RuleCode};
use crate::code_format::upgrade_id_15_to_18;
use crate::identity::PersonIdentity;
use crate::prescription::mask_id_number;
use crate::text::{compact, normalize_name};

fn canonical_cert_no(s: &str) -> String {
    let c = compact(s).to_uppercase();
    upgrade_id_15_to_18(&c).unwrap_or(c)
}

/// Two certificate numbers denote the same document.
pub fn same_cert_no(a: &str, b: &str) -> bool {
    let (a, b) = (canonical_cert_no(a), canonical_cert_no(b));
    !a.is_empty() && a == b
}

/// Two names are the same name.
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (normalize_name(a), normalize_name(b));
    !a.is_empty() && a == b
}

/// Compares the prescription's patient with the identified person.
pub fn check_patient_identity(
    rx_name: &str,
    rx_cert_no: &str,
    person: &PersonIdentity,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if compact(&person.cert_no).is_empty() || compact(rx_cert_no).is_empty() {
        out.push(Finding::new(
            RuleCode::PatientCertMissing,
            "缺少证件号码，无法核对购药人是否为处方患者，请读取患者的医保电子凭证、社保卡或身份证",
        ));
    } else if !same_cert_no(rx_cert_no, &person.cert_no) {
        out.push(
            Finding::new(
                RuleCode::PatientCertMismatch,
                format!(
                    "证件号码不符：处方患者 {}，当前读取 {}，不能为他人配药",
                    mask_id_number(&compact(rx_cert_no)),
                    mask_id_number(&compact(&person.cert_no))
                ),
            )
            .with("expected", mask_id_number(&compact(rx_cert_no)))
            .with("read", mask_id_number(&compact(&person.cert_no))),
        );
    }
    if !same_name(rx_name, &person.name) {
        out.push(Finding::new(
            RuleCode::PatientNameMismatch,
            format!(
                "姓名不符：处方患者“{}”，当前读取“{}”",
                rx_name.trim(),
                person.name.trim()
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, no: &str) -> PersonIdentity {
        PersonIdentity {
            name: name.into(),
            cert_type: "01".into(),
            cert_no: no.into(),
        }
    }

    #[test]
    fn same_person_passes_with_formatting_differences() {
        assert!(check_patient_identity(
            "张三",
            "11010519491231002X",
            &person(" 张 三", "11010519491231002x")
        )
        .is_empty());
        assert!(check_patient_identity(
            "阿卜杜·热合曼",
            "１１０１０５１９４９１２３１００２Ｘ",
            &person("阿卜杜•热合曼", "11010519491231002X")
        )
        .is_empty());
    }

    #[test]
    fn first_generation_id_matches_its_upgrade() {
        assert!(same_cert_no("110105491231002", "11010519491231002X"));
        assert!(!same_cert_no("110105491231003", "11010519491231002X"));
    }

    #[test]
    fn any_difference_blocks_and_messages_mask_the_number() {
        let f = check_patient_identity(
            "张三",
            "11010519491231002X",
            &person("张三丰", "110105194912310037"),
        );
        let codes: Vec<_> = f.iter().map(|x| x.code).collect();
        assert_eq!(
            codes,
            vec![RuleCode::PatientCertMismatch, RuleCode::PatientNameMismatch]
        );
        assert!(f.iter().all(|x| x.blocks()));
        assert!(!f[0].message_zh.contains("11010519491231002X"));
        assert!(f[0].message_zh.contains("110***********002X"));
    }

    #[test]
    fn missing_certificate_blocks() {
        let f = check_patient_identity("张三", "11010519491231002X", &person("张三", " "));
        assert_eq!(f[0].code, RuleCode::PatientCertMissing);
        let f = check_patient_identity("张三", "", &person("张三", "11010519491231002X"));
        assert_eq!(f[0].code, RuleCode::PatientCertMissing);
        assert!(!same_name("", ""));
        assert!(!same_cert_no("", ""));
    }
}
