//! 自费 items: drugs outside the 医保 catalogue (丙类) are sold but paid in
//! full by the patient. They are marked on screen, on the receipt and in the
//! settlement explanation (ST-EPC-02-010); they do not block the sale.

use super::{Finding, RuleCode};
use crate::catalogue::{DrugFacts, InsuranceClass};
use crate::prescription::RxLine;

/// Marks the 自费 lines. Returns the notices and the marked line indices.
pub fn mark_self_pay(lines: &[RxLine], facts: &[Option<DrugFacts>]) -> (Vec<Finding>, Vec<usize>) {
    let mut findings = Vec::new();
    let mut marked = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(Some(f)) = facts.get(i) {
            if f.insurance_class == InsuranceClass::SelfPay {
                marked.push(i);
                findings.push(Finding::on_line(
                    RuleCode::ItemSelfPay,
                    i,
                    format!(
                        "{} 为医保目录外自费药品，医保不予支付，费用由个人全额承担",
                        line.drug_genname
                    ),
                ));
            }
        }
    }
    (findings, marked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;
    use crate::testdata::rx;

    fn facts(c: InsuranceClass) -> Option<DrugFacts> {
        Some(DrugFacts {
            restricted: vec![],
            insurance_class: c,
            cold_chain: false,
        })
    }

    #[test]
    fn only_self_pay_lines_are_marked_and_never_block() {
        let mut p = rx();
        p.lines.push(p.lines[0].clone());
        p.lines.push(p.lines[0].clone());
        let (f, m) = mark_self_pay(
            &p.lines,
            &[
                facts(InsuranceClass::A),
                facts(InsuranceClass::SelfPay),
                facts(InsuranceClass::B),
            ],
        );
        assert_eq!(m, vec![1]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code.severity(), Severity::Notice);
        assert!(!f[0].blocks());
        assert!(f[0].message_zh.contains("自费"));
        let (f, m) = mark_self_pay(&p.lines, &[None, None, None]);
        assert!(f.is_empty() && m.is_empty());
    }
}
