//! The counter's side of "every settlement type": turns what the center
//! told the counter (the 7203 prescription, the 1101 person) into the codes
//! 2101/2102 carry (`rxdesk_core::settle_kind`, the pure decision), and turns
//! a settled 2102 kept in the journal back into the split a receipt explains
//! — 医疗类别, 病种, 起付线, 先行自付, 目录外自费, 超限价, the fund's share
//! and the account balance — the same on the first print and on a reprint.
//! Kept out of the visit's step modules so the prescription visit and the
//! OTC sale share it.

use rxdesk_center::messages::{SettleInput, SettleOutput};
use rxdesk_core::settle_kind::{self, InsuredFacts, PlanError, Purchase, RxFacts, SettlementPlan};
use rxdesk_core::settlement::SettlementContext;
use rxdesk_core::Amount;
use rxdesk_gm::DownloadedPrescription;
use rxdesk_store::Store;

/// What a downloaded prescription says about the settlement it needs.
pub fn rx_facts(rx: &DownloadedPrescription) -> RxFacts {
    RxFacts {
        med_type: rx.med_type.clone(),
        dise_codg: rx.dise_codg.clone(),
        dise_name: rx.dise_name.clone(),
        doctor_code: rx.dr_code.clone(),
        doctor_name: rx.prsc_dr_name.clone(),
    }
}

/// What the 1101 answer says (险种, 参保状态 `psn_insu_stas`, balance).
pub fn insured_facts(insutype: &str, insu_status: &str, balance: Amount) -> InsuredFacts {
    InsuredFacts {
        insutype: insutype.to_string(),
        insu_status: insu_status.to_string(),
        balance,
    }
}

/// The kind, disease and fund share of a pre-settled or settled visit, for
/// the plain-words explanation on the settlement screen.
pub fn context_of(input: Option<&SettleInput>, output: Option<&SettleOutput>) -> SettlementContext {
    let kind = output
        .map(|o| o.setlinfo.med_type.code().to_string())
        .filter(|m| !m.is_empty())
        .or_else(|| input.map(|i| i.data.med_type.code().to_string()))
        .and_then(|m| settle_kind::SettlementKind::from_med_type(&m));
    let disease = input
        .map(|i| format!("{} {}", i.data.dise_codg.trim(), i.data.dise_name.trim()))
        .unwrap_or_default()
        .trim()
        .to_string();
    let ratio = output
        .map(|o| o.setlinfo.pool_prop_selfpay)
        .filter(|r| *r > rust_decimal::Decimal::ZERO && *r <= rust_decimal::Decimal::ONE);
    SettlementContext {
        kind,
        disease,
        fund_ratio_percent: ratio.map(|r| (r * rust_decimal::Decimal::ONE_HUNDRED).normalize()),
    }
}

/// The settlement of a prescription sale.
pub fn plan_for_prescription(
    rx: &DownloadedPrescription,
    insured: &InsuredFacts,
) -> Result<SettlementPlan, PlanError> {
    settle_kind::plan(&Purchase::Prescription(rx_facts(rx)), insured)
}

/// The split of a sale as its receipt explains it. An insured sale reads its
/// settled 2102 (input and answer) from the settlement journal; without it
/// (an older ledger), only the four totals are known.
pub fn receipt_split(
    store: &Store,
    d: &rxdesk_store::SaleDetail,
) -> rxdesk_receipts::SettlementSplit {
    let total = d.summary.total;
    let Some(s) = &d.settlement else {
        return rxdesk_receipts::SettlementSplit {
            total,
            fund_pay: Amount::ZERO,
            account_pay: Amount::ZERO,
            cash_pay: total,
            fund_items: Vec::new(),
            full_self_pay: None,
            pre_self_pay: None,
            deductible: None,
            over_limit: None,
            med_type: None,
            disease: None,
            fund_ratio_percent: None,
            account_balance_after: None,
            setl_id: String::new(),
        };
    };
    let mut split = rxdesk_receipts::SettlementSplit {
        total: s.medfee_sumamt,
        fund_pay: s.fund_pay_sumamt,
        account_pay: s.acct_pay,
        cash_pay: s.psn_cash_pay,
        fund_items: vec![rxdesk_receipts::FundItem {
            name: "统筹基金".into(),
            amount: s.fund_pay_sumamt,
        }],
        full_self_pay: None,
        pre_self_pay: None,
        deductible: None,
        over_limit: None,
        med_type: None,
        disease: None,
        fund_ratio_percent: None,
        account_balance_after: None,
        setl_id: s.setl_id.clone(),
    };
    let attempt = match store.settled_attempt_of(&s.setl_id) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(setl_id = %s.setl_id, error = %e, "settlement journal unreadable: receipt without breakdown");
            None
        }
    };
    let Some(a) = attempt else {
        return split;
    };
    if let Some(out) = a
        .output_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<SettleOutput>(j).ok())
    {
        let i = &out.setlinfo;
        // Only the answer that matches the recorded sale explains it.
        if i.medfee_sumamt == s.medfee_sumamt && i.fund_pay_sumamt == s.fund_pay_sumamt {
            split.full_self_pay = Some(i.fulamt_ownpay_amt);
            split.pre_self_pay = Some(i.preselfpay_amt);
            split.deductible = Some(i.act_pay_dedc);
            split.over_limit = Some(i.overlmt_selfpay);
            split.account_balance_after = Some(i.balc);
            let med_type = i.med_type.code().to_string();
            if !med_type.is_empty() {
                split.med_type = Some(med_type);
            }
            let ratio = i.pool_prop_selfpay;
            if ratio > rust_decimal::Decimal::ZERO && ratio <= rust_decimal::Decimal::ONE {
                split.fund_ratio_percent =
                    Some((ratio * rust_decimal::Decimal::ONE_HUNDRED).normalize());
            }
            if let Some(k) = split
                .med_type
                .as_deref()
                .and_then(settle_kind::SettlementKind::from_med_type)
            {
                if k.fund_pays() {
                    split.fund_items = vec![rxdesk_receipts::FundItem {
                        name: format!("统筹基金（{}）", k.label_zh()),
                        amount: s.fund_pay_sumamt,
                    }];
                }
            }
        }
    }
    if let Ok(input) = serde_json::from_str::<SettleInput>(&a.input_json) {
        let dise = input.data.dise_codg.trim();
        if !dise.is_empty() {
            split.disease = Some(
                format!("{dise} {}", input.data.dise_name.trim())
                    .trim()
                    .to_string(),
            );
        }
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rx(med_type: &str, dise: &str) -> DownloadedPrescription {
        let mut r = DownloadedPrescription::demo(
            "110100000000000001",
            "H11010100001",
            "演示医院",
            chrono::Utc::now(),
        );
        r.med_type = med_type.into();
        r.dise_codg = dise.into();
        r.dise_name = "糖尿病".into();
        r
    }

    #[test]
    fn a_prescription_settles_as_its_visit_demands() {
        let i = insured_facts("310", "1", "10".parse().unwrap());
        let p = plan_for_prescription(&rx("14", "M03900"), &i).unwrap();
        assert_eq!(p.med_type, "14");
        assert_eq!(p.dise_codg, "M03900");
        assert_eq!(p.bilg_dr_codg, "D110101000001");
        let p = plan_for_prescription(&rx("11", ""), &i).unwrap();
        assert_eq!(p.med_type, "11");
        assert_eq!(
            plan_for_prescription(&rx("1402", ""), &i)
                .unwrap_err()
                .code(),
            "SETTLE_DISEASE_CODE_MISSING"
        );
    }
}
