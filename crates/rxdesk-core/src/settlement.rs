//! The settlement split (2101 pre-settlement / 2102 settlement, docs/reference/wire-protocol.md
//! §7.2) and how it is explained to the patient (ST-EPC-02-010: "what
//! insurance paid, what they paid, why").
//!
//! Invariants, checked on construction: no part is negative and
//! `fund + personal account + cash = total` to the fen. The center's
//! figures are taken as sent; a split that breaks the invariants is refused
//! rather than "corrected", because a corrected figure is one the pharmacy
//! cannot reconcile (3201/3202).

use crate::money::{Amount, MoneyError};
use serde::{Deserialize, Serialize};

/// Why a split, a payment or a refund is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettlementError {
    /// A part is negative.
    #[error("{part} is negative: {value}")]
    Negative {
        /// Which part (wire name).
        part: &'static str,
        /// The value.
        value: Amount,
    },
    /// The parts do not add up to the total.
    #[error("fund {fund} + account {account} + cash {cash} != total {total}")]
    PartsDoNotAddUp {
        /// `medfee_sumamt`
        total: Amount,
        /// `fund_pay_sumamt`
        fund: Amount,
        /// `acct_pay`
        account: Amount,
        /// `psn_cash_pay`
        cash: Amount,
    },
    /// The self-paid breakdown exceeds what the patient pays.
    #[error("self-pay breakdown {breakdown} exceeds the patient's part {patient_part}")]
    BreakdownTooLarge {
        /// Sum of the breakdown.
        breakdown: Amount,
        /// `acct_pay + psn_cash_pay`.
        patient_part: Amount,
    },
    /// The center's total is not the sale's total.
    #[error("center total {center} differs from the sale total {sale}")]
    TotalMismatch {
        /// The center's `medfee_sumamt`.
        center: Amount,
        /// What the counter computed.
        sale: Amount,
    },
    /// Less cash tendered than due.
    #[error("tendered {tendered} is less than {due}")]
    InsufficientCash {
        /// Due.
        due: Amount,
        /// Tendered.
        tendered: Amount,
    },
    /// Money arithmetic left `numeric(16,2)`.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl SettlementError {
    /// Stable English code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Negative { .. } => "SETTLE_NEGATIVE_PART",
            Self::PartsDoNotAddUp { .. } => "SETTLE_PARTS_DO_NOT_ADD_UP",
            Self::BreakdownTooLarge { .. } => "SETTLE_BREAKDOWN_TOO_LARGE",
            Self::TotalMismatch { .. } => "SETTLE_TOTAL_MISMATCH",
            Self::InsufficientCash { .. } => "SETTLE_INSUFFICIENT_CASH",
            Self::Money(_) => "SETTLE_AMOUNT_OUT_OF_RANGE",
        }
    }

    /// zh-CN message.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Negative { part, value } => {
                format!("医保返回的结算金额异常（{part} 为 {value} 元），不能结算，请联系医保经办机构")
            }
            Self::PartsDoNotAddUp {
                total,
                fund,
                account,
                cash,
            } => format!(
                "医保返回的结算金额不平：统筹 {fund} + 个人账户 {account} + 现金 {cash} ≠ 总额 {total}，不能结算"
            ),
            Self::BreakdownTooLarge { .. } => {
                "医保返回的自付明细大于个人负担总额，不能结算".to_string()
            }
            Self::TotalMismatch { center, sale } => format!(
                "医保返回的费用总额 {center} 元与本单金额 {sale} 元不一致，不能结算"
            ),
            Self::InsufficientCash { due, tendered } => {
                format!("实收 {tendered} 元少于应收 {due} 元")
            }
            Self::Money(_) => "金额超出允许范围".to_string(),
        }
    }
}

/// Why the patient pays what they pay (2101/2102 `setlinfo`), all optional
/// (zero when the center does not send them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SelfPayBreakdown {
    /// `fulamt_ownpay_amt`: items outside the catalogue, paid in full.
    pub full_own_pay: Amount,
    /// `overlmt_selfpay`: above the reimbursement price limit.
    pub over_limit: Amount,
    /// `preselfpay_amt`: 乙类 first self-paid share.
    pub pre_self_pay: Amount,
    /// `act_pay_dedc`: counted towards the deductible (起付线).
    pub deductible: Amount,
}

impl SelfPayBreakdown {
    fn parts(&self) -> [(&'static str, Amount); 4] {
        [
            ("fulamt_ownpay_amt", self.full_own_pay),
            ("overlmt_selfpay", self.over_limit),
            ("preselfpay_amt", self.pre_self_pay),
            ("act_pay_dedc", self.deductible),
        ]
    }
    fn sum(&self) -> Result<Amount, MoneyError> {
        self.parts()
            .iter()
            .try_fold(Amount::ZERO, |acc, (_, a)| acc.checked_add(*a))
    }
}

/// The split of a settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementSplit {
    total: Amount,
    fund: Amount,
    account: Amount,
    cash: Amount,
    breakdown: SelfPayBreakdown,
}

fn non_negative(part: &'static str, value: Amount) -> Result<(), SettlementError> {
    if value.is_negative() {
        return Err(SettlementError::Negative { part, value });
    }
    Ok(())
}

impl SettlementSplit {
    /// A split as the center sent it (`medfee_sumamt`, `fund_pay_sumamt`,
    /// `acct_pay`, `psn_cash_pay`), checked.
    pub fn new(
        total: Amount,
        fund: Amount,
        account: Amount,
        cash: Amount,
        breakdown: SelfPayBreakdown,
    ) -> Result<Self, SettlementError> {
        non_negative("medfee_sumamt", total)?;
        non_negative("fund_pay_sumamt", fund)?;
        non_negative("acct_pay", account)?;
        non_negative("psn_cash_pay", cash)?;
        for (part, v) in breakdown.parts() {
            non_negative(part, v)?;
        }
        let sum = fund.checked_add(account)?.checked_add(cash)?;
        if sum != total {
            return Err(SettlementError::PartsDoNotAddUp {
                total,
                fund,
                account,
                cash,
            });
        }
        let patient_part = account.checked_add(cash)?;
        let b = breakdown.sum()?;
        if b > patient_part {
            return Err(SettlementError::BreakdownTooLarge {
                breakdown: b,
                patient_part,
            });
        }
        Ok(Self {
            total,
            fund,
            account,
            cash,
            breakdown,
        })
    }

    /// A self-paid sale: everything in cash.
    pub fn all_cash(total: Amount) -> Result<Self, SettlementError> {
        Self::new(
            total,
            Amount::ZERO,
            Amount::ZERO,
            total,
            SelfPayBreakdown {
                full_own_pay: total,
                ..Default::default()
            },
        )
    }

    /// `medfee_sumamt`
    pub fn total(&self) -> Amount {
        self.total
    }
    /// `fund_pay_sumamt` (统筹 and other funds)
    pub fn fund(&self) -> Amount {
        self.fund
    }
    /// `acct_pay`
    pub fn personal_account(&self) -> Amount {
        self.account
    }
    /// `psn_cash_pay`: what the patient pays now.
    pub fn cash(&self) -> Amount {
        self.cash
    }
    /// `psn_part_amt` = account + cash.
    pub fn patient_part(&self) -> Amount {
        Amount::new(self.account.value() + self.cash.value()).unwrap_or(self.total)
    }
    /// The breakdown.
    pub fn breakdown(&self) -> &SelfPayBreakdown {
        &self.breakdown
    }

    /// Checks the center's total against the sale the counter computed.
    pub fn check_total(&self, sale_total: Amount) -> Result<(), SettlementError> {
        if self.total != sale_total {
            return Err(SettlementError::TotalMismatch {
                center: self.total,
                sale: sale_total,
            });
        }
        Ok(())
    }

    /// The plain-words explanation for the patient: "医保统筹支付 X 元，个人
    /// 账户支付 Y 元，您需自付 Z 元，原因：…". `self_pay_items` names the
    /// 自费 drugs of the sale, if any.
    pub fn explain_zh(&self, self_pay_items: &[String]) -> String {
        let b = &self.breakdown;
        let mut reasons: Vec<String> = Vec::new();
        if !b.full_own_pay.value().is_zero() {
            if self_pay_items.is_empty() {
                reasons.push(format!(
                    "{} 元为医保目录外自费药品，医保不予支付",
                    b.full_own_pay
                ));
            } else {
                reasons.push(format!(
                    "{} 元为医保目录外自费药品（{}），医保不予支付",
                    b.full_own_pay,
                    self_pay_items.join("、")
                ));
            }
        }
        if !b.over_limit.value().is_zero() {
            reasons.push(format!("{} 元超出医保支付限价，由个人负担", b.over_limit));
        }
        if !b.pre_self_pay.value().is_zero() {
            reasons.push(format!("{} 元为乙类药品按规定先行自付部分", b.pre_self_pay));
        }
        if !b.deductible.value().is_zero() {
            reasons.push(format!(
                "{} 元计入起付标准（起付线），由个人支付",
                b.deductible
            ));
        }
        let explained = b.sum().map(|a| a.value()).unwrap_or_default();
        let rest = self.patient_part().value() - explained;
        if rest > rust_decimal::Decimal::ZERO {
            reasons.push(format!(
                "{} 元为医保政策范围内按比例由个人负担的部分",
                Amount::round(rest).unwrap_or_default()
            ));
        }
        if !self.account.value().is_zero() {
            reasons.push(format!(
                "个人负担部分中 {} 元已从您的医保个人账户支付",
                self.account
            ));
        }
        if reasons.is_empty() {
            reasons.push("本次费用全部由医保基金支付".to_string());
        }
        let mut s = format!(
            "本次药费共 {} 元：医保统筹支付 {} 元，个人账户支付 {} 元，您需自付 {} 元，原因：{}。",
            self.total,
            self.fund,
            self.account,
            self.cash,
            reasons.join("；")
        );
        if self.cash.value().is_zero() {
            s.push_str("您本次无需支付现金。");
        }
        s
    }
}

/// What the plain-words explanation adds when the kind of settlement is
/// known (`rxdesk_core::settle_kind`): the kind, its disease, the fund's
/// share inside the policy scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettlementContext {
    /// The kind settled (from the plan or the 2102 answer's `med_type`).
    pub kind: Option<crate::settle_kind::SettlementKind>,
    /// `dise_codg` and name of a 门慢特 / 双通道 settlement.
    pub disease: String,
    /// The fund's share inside the policy scope, in percent (`70`).
    pub fund_ratio_percent: Option<rust_decimal::Decimal>,
}

impl SettlementSplit {
    /// [`SettlementSplit::explain_zh`] with the kind of settlement: says
    /// which kind and disease were settled, that 定点药店购药 uses no fund
    /// (so nothing is "按比例" there), and the fund's share.
    pub fn explain_in_context_zh(
        &self,
        ctx: &SettlementContext,
        self_pay_items: &[String],
    ) -> String {
        let mut s = String::new();
        if let Some(k) = ctx.kind {
            let disease = if ctx.disease.trim().is_empty() {
                String::new()
            } else {
                format!("（病种：{}）", ctx.disease.trim())
            };
            s.push_str(&format!("本次按“{}”{disease}结算。", k.label_zh()));
            if !k.fund_pays() {
                s.push_str(
                    "定点药店购药不使用统筹基金：费用先从医保个人账户支付，不足部分由您自付。",
                );
            }
        }
        let base = self.explain_zh(self_pay_items);
        let no_fund = ctx.kind.is_some_and(|k| !k.fund_pays());
        if no_fund {
            // Without a fund there is no "share borne by the patient by ratio".
            s.push_str(&base.replace(
                "元为医保政策范围内按比例由个人负担的部分",
                "元为定点药店购药由个人负担的费用",
            ));
        } else {
            s.push_str(&base);
        }
        if let Some(r) = ctx.fund_ratio_percent.filter(|r| !r.is_zero() && !no_fund) {
            s.push_str(&format!(
                "医保政策范围内（扣除起付线后）的费用由统筹基金按 {}% 支付。",
                r.normalize()
            ));
        }
        s
    }
}

/// Change to give back for cash tendered.
pub fn cash_change(due: Amount, tendered: Amount) -> Result<Amount, SettlementError> {
    if tendered < due {
        return Err(SettlementError::InsufficientCash { due, tendered });
    }
    Ok(tendered.checked_sub(due)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn a(s: &str) -> Amount {
        s.parse().unwrap()
    }

    #[test]
    fn a_valid_split_and_its_explanation() {
        let s = SettlementSplit::new(
            a("125.00"),
            a("80.00"),
            a("20.00"),
            a("25.00"),
            SelfPayBreakdown {
                full_own_pay: a("15.00"),
                pre_self_pay: a("5.00"),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.patient_part(), a("45.00"));
        let e = s.explain_zh(&["维生素C片".to_string()]);
        assert!(
            e.contains("医保统筹支付 80.00 元，个人账户支付 20.00 元，您需自付 25.00 元，原因："),
            "{e}"
        );
        assert!(e.contains("15.00 元为医保目录外自费药品（维生素C片）"));
        assert!(e.contains("5.00 元为乙类药品"));
        assert!(
            e.contains("25.00 元为医保政策范围内按比例"),
            "45 - 15 - 5 = 25: {e}"
        );
        assert!(!e.contains("无需支付现金"));
    }

    #[test]
    fn fully_covered_and_all_cash() {
        let s = SettlementSplit::new(a("30.00"), a("30.00"), a("0"), a("0"), Default::default())
            .unwrap();
        let e = s.explain_zh(&[]);
        assert!(e.contains("全部由医保基金支付"));
        assert!(e.contains("无需支付现金"));
        let s = SettlementSplit::all_cash(a("12.30")).unwrap();
        assert_eq!(s.cash(), a("12.30"));
        assert!(s.explain_zh(&[]).contains("12.30 元为医保目录外自费药品"));
    }

    #[test]
    fn invariants_are_enforced() {
        let e = SettlementSplit::new(a("100"), a("80"), a("10"), a("9.99"), Default::default())
            .unwrap_err();
        assert_eq!(e.code(), "SETTLE_PARTS_DO_NOT_ADD_UP");
        assert!(e.message_zh().contains("不平"));
        let e = SettlementSplit::new(a("100"), a("110"), a("0"), a("-10"), Default::default())
            .unwrap_err();
        assert_eq!(
            e,
            SettlementError::Negative {
                part: "psn_cash_pay",
                value: a("-10")
            }
        );
        let e = SettlementSplit::new(
            a("100"),
            a("90"),
            a("0"),
            a("10"),
            SelfPayBreakdown {
                over_limit: a("20"),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), "SETTLE_BREAKDOWN_TOO_LARGE");
        let s = SettlementSplit::all_cash(a("10")).unwrap();
        assert_eq!(s.check_total(a("10")), Ok(()));
        assert_eq!(
            s.check_total(a("10.01")).unwrap_err().code(),
            "SETTLE_TOTAL_MISMATCH"
        );
    }

    #[test]
    fn explained_with_the_kind_of_settlement() {
        use crate::settle_kind::SettlementKind;
        let s = SettlementSplit::new(
            a("51.20"),
            a("40.96"),
            a("10.24"),
            a("0"),
            Default::default(),
        )
        .unwrap();
        let e = s.explain_in_context_zh(
            &SettlementContext {
                kind: Some(SettlementKind::ChronicSpecial),
                disease: "M03900 糖尿病".into(),
                fund_ratio_percent: Some(rust_decimal::Decimal::new(80, 0)),
            },
            &[],
        );
        assert!(
            e.starts_with("本次按“门诊慢特病”（病种：M03900 糖尿病）结算。"),
            "{e}"
        );
        assert!(e.contains("统筹基金按 80% 支付"), "{e}");
        assert!(e.contains("医保统筹支付 40.96 元"));
        let p = SettlementSplit::new(
            a("43.00"),
            a("0"),
            a("20.00"),
            a("23.00"),
            Default::default(),
        )
        .unwrap();
        let e = p.explain_in_context_zh(
            &SettlementContext {
                kind: Some(SettlementKind::PharmacyPurchase),
                fund_ratio_percent: Some(rust_decimal::Decimal::new(70, 0)),
                ..Default::default()
            },
            &[],
        );
        assert!(e.contains("定点药店购药不使用统筹基金"), "{e}");
        assert!(!e.contains("按比例"), "{e}");
        assert!(!e.contains("统筹基金按"), "{e}");
        // Without a context it is the plain explanation.
        assert_eq!(
            s.explain_in_context_zh(&SettlementContext::default(), &[]),
            s.explain_zh(&[])
        );
    }

    #[test]
    fn change() {
        assert_eq!(cash_change(a("25.30"), a("50")).unwrap(), a("24.70"));
        assert_eq!(cash_change(a("25.30"), a("25.30")).unwrap(), Amount::ZERO);
        assert_eq!(
            cash_change(a("25.30"), a("20")).unwrap_err().code(),
            "SETTLE_INSUFFICIENT_CASH"
        );
    }

    fn cents() -> impl Strategy<Value = i64> {
        0i64..10_000_000
    }

    proptest! {
        #[test]
        fn accepted_splits_add_up_and_are_non_negative(f in cents(), ac in cents(), c in cents(), extra in -3i64..3) {
            let amt = |n: i64| Amount::new(rust_decimal::Decimal::new(n, 2)).unwrap();
            let total = amt(f + ac + c + extra);
            match SettlementSplit::new(total, amt(f), amt(ac), amt(c), Default::default()) {
                Ok(s) => {
                    prop_assert_eq!(extra, 0);
                    prop_assert_eq!(s.fund().value() + s.personal_account().value() + s.cash().value(), s.total().value());
                    prop_assert!(!s.cash().is_negative() && !s.fund().is_negative());
                    let e = s.explain_zh(&[]);
                    prop_assert!(e.contains(&format!("您需自付 {} 元", s.cash())), "{}", e);
                }
                Err(e) => prop_assert!(extra != 0, "{e:?}"),
            }
        }

        #[test]
        fn change_plus_due_is_tendered(due in cents(), more in cents()) {
            let amt = |n: i64| Amount::new(rust_decimal::Decimal::new(n, 2)).unwrap();
            let ch = cash_change(amt(due), amt(due + more)).unwrap();
            prop_assert_eq!(ch.value() + amt(due).value(), amt(due + more).value());
            prop_assert!(!ch.is_negative());
        }
    }
}
