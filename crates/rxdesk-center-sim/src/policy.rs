//! The emulator's settlement policy — simple, documented (docs/protocol.md,
//! docs/settlement-types.md), believable, and exact in decimal:
//!
//! * per line, by catalogue level: 甲类 (`1`) selfpay 0 %, 乙类 (`2`) 10 %
//!   先行自付, 丙类 (`3`) 100 % 全自费; a unit price above the catalogue's
//!   price ceiling makes the excess 超限价自费;
//! * 符合政策范围金额 = total − 全自费 − 超限价 − 先行自付;
//! * the fund's part depends on the 医疗类别 ([`Scheme`]):
//!   - `41` 定点药店购药: no fund; the personal account pays what it can;
//!   - `11` 门诊统筹: what is left of the person's annual deductible is paid
//!     first (`act_pay_dedc`), then the fund pays `ratio` of the rest
//!     (employees 70 %, residents 50 %);
//!   - `14` 门诊慢特病: no deductible, the fund pays 80 % / 60 %;
//!   - `1402` 门诊特药（双通道）: no deductible, the fund pays 70 % / 60 %;
//!
//!   rounded half-up to fen;
//! * 个人账户 (employees only, when `acct_used_flag` = 1) pays the personal
//!   part up to its balance; the rest is cash.

use rust_decimal::Decimal;
use rxdesk_core::Amount;

/// One priced line.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyLine {
    /// Line total (明细项目费用总额).
    pub total: Decimal,
    /// Quantity.
    pub cnt: Decimal,
    /// Unit price charged.
    pub pric: Decimal,
    /// Catalogue price ceiling.
    pub pric_uplmt: Decimal,
    /// 1 甲 / 2 乙 / 3 丙
    pub level: String,
}

/// Per-line split.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineSplit {
    /// 全自费
    pub fulamt_ownpay: Decimal,
    /// 超限价
    pub overlmt: Decimal,
    /// 先行自付
    pub preselfpay: Decimal,
    /// 政策范围内
    pub inscp: Decimal,
    /// 自付比例
    pub selfpay_prop: Decimal,
}

/// The whole settlement.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Split {
    /// Lines.
    pub lines: Vec<LineSplit>,
    /// 医疗费总额
    pub medfee_sumamt: Decimal,
    /// 全自费
    pub fulamt_ownpay_amt: Decimal,
    /// 超限价自费
    pub overlmt_selfpay: Decimal,
    /// 先行自付
    pub preselfpay_amt: Decimal,
    /// 符合政策范围
    pub inscp_scp_amt: Decimal,
    /// 实际支付起付线
    pub act_pay_dedc: Decimal,
    /// 统筹基金支出
    pub hifp_pay: Decimal,
    /// 统筹比例
    pub ratio: Decimal,
    /// 基金支付总额
    pub fund_pay_sumamt: Decimal,
    /// 个人负担总金额
    pub psn_part_amt: Decimal,
    /// 个人账户支出
    pub acct_pay: Decimal,
    /// 个人现金支出
    pub psn_cash_pay: Decimal,
    /// 余额 after
    pub balc: Decimal,
}

fn fen(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// How the fund takes part, by 医疗类别.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `41` 定点药店购药: personal account and cash only.
    PharmacyPurchase,
    /// `11` 门诊统筹 (an outpatient prescription filled at the pharmacy).
    OutpatientPooling,
    /// `14` 门诊慢特病.
    Chronic,
    /// `1402` 门诊特药（双通道）.
    DualChannel,
}

impl Scheme {
    /// The scheme of a `med_type`, if the emulator settles it.
    pub fn of_med_type(med_type: &str) -> Option<Self> {
        match med_type {
            "41" => Some(Self::PharmacyPurchase),
            "11" => Some(Self::OutpatientPooling),
            "14" => Some(Self::Chronic),
            "1402" => Some(Self::DualChannel),
            _ => None,
        }
    }
    /// Whether the person's deductible (起付线) applies.
    pub fn uses_deductible(self) -> bool {
        matches!(self, Self::OutpatientPooling)
    }
}

fn employee(insutype: &str) -> bool {
    matches!(insutype, "310" | "320" | "340")
}

/// Fund ratio by insutype (门诊统筹).
pub fn ratio_for(insutype: &str) -> Decimal {
    ratio(Scheme::OutpatientPooling, insutype)
}

/// Fund ratio of a scheme for an insutype.
pub fn ratio(scheme: Scheme, insutype: &str) -> Decimal {
    let e = employee(insutype);
    match scheme {
        Scheme::PharmacyPurchase => Decimal::ZERO,
        Scheme::OutpatientPooling if e => Decimal::new(70, 2),
        Scheme::OutpatientPooling => Decimal::new(50, 2),
        Scheme::Chronic if e => Decimal::new(80, 2),
        Scheme::DualChannel if e => Decimal::new(70, 2),
        Scheme::Chronic | Scheme::DualChannel => Decimal::new(60, 2),
    }
}

/// Compute the split of a 门诊统筹 settlement (kept for callers that do
/// not name a scheme).
pub fn settle(
    lines: &[PolicyLine],
    insutype: &str,
    deductible_left: Decimal,
    use_account: bool,
    balance: Decimal,
) -> Split {
    settle_scheme(
        lines,
        Scheme::OutpatientPooling,
        insutype,
        deductible_left,
        use_account,
        balance,
    )
}

/// Compute the split under a scheme.
pub fn settle_scheme(
    lines: &[PolicyLine],
    scheme: Scheme,
    insutype: &str,
    deductible_left: Decimal,
    use_account: bool,
    balance: Decimal,
) -> Split {
    let mut s = Split {
        ratio: ratio(scheme, insutype),
        ..Default::default()
    };
    for l in lines {
        let mut ls = LineSplit::default();
        match l.level.as_str() {
            "3" => {
                ls.fulamt_ownpay = l.total;
                ls.selfpay_prop = Decimal::ONE;
            }
            lvl => {
                let over = if l.pric > l.pric_uplmt && !l.pric_uplmt.is_zero() {
                    fen((l.pric - l.pric_uplmt) * l.cnt).min(l.total)
                } else {
                    Decimal::ZERO
                };
                ls.overlmt = over;
                ls.selfpay_prop = if lvl == "2" {
                    Decimal::new(10, 2)
                } else {
                    Decimal::ZERO
                };
                ls.preselfpay = fen((l.total - over) * ls.selfpay_prop);
                ls.inscp = l.total - over - ls.preselfpay;
            }
        }
        s.medfee_sumamt += l.total;
        s.fulamt_ownpay_amt += ls.fulamt_ownpay;
        s.overlmt_selfpay += ls.overlmt;
        s.preselfpay_amt += ls.preselfpay;
        s.inscp_scp_amt += ls.inscp;
        s.lines.push(ls);
    }
    s.act_pay_dedc = if scheme.uses_deductible() {
        s.inscp_scp_amt.min(deductible_left.max(Decimal::ZERO))
    } else {
        Decimal::ZERO
    };
    s.hifp_pay = fen((s.inscp_scp_amt - s.act_pay_dedc) * s.ratio);
    s.fund_pay_sumamt = s.hifp_pay;
    s.psn_part_amt = s.medfee_sumamt - s.fund_pay_sumamt;
    s.acct_pay = if use_account && employee(insutype) {
        s.psn_part_amt.min(balance.max(Decimal::ZERO))
    } else {
        Decimal::ZERO
    };
    s.psn_cash_pay = s.psn_part_amt - s.acct_pay;
    s.balc = balance - s.acct_pay;
    s
}

/// Decimal → Amount (values here are always fen-exact and in range).
pub fn amt(d: Decimal) -> Amount {
    Amount::round(d).unwrap_or(Amount::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn line(total: Decimal, level: &str) -> PolicyLine {
        PolicyLine {
            total,
            cnt: dec!(1),
            pric: total,
            pric_uplmt: dec!(1000),
            level: level.into(),
        }
    }

    #[test]
    fn employee_with_deductible_and_account() {
        let s = settle(
            &[
                line(dec!(100.00), "1"),
                line(dec!(50.00), "2"),
                line(dec!(20.00), "3"),
            ],
            "310",
            dec!(30),
            true,
            dec!(40),
        );
        assert_eq!(s.medfee_sumamt, dec!(170.00));
        assert_eq!(s.fulamt_ownpay_amt, dec!(20.00));
        assert_eq!(s.preselfpay_amt, dec!(5.00));
        assert_eq!(s.inscp_scp_amt, dec!(145.00));
        assert_eq!(s.act_pay_dedc, dec!(30));
        assert_eq!(s.hifp_pay, dec!(80.50)); // (145 - 30) * 0.7
        assert_eq!(s.psn_part_amt, dec!(89.50));
        assert_eq!(s.acct_pay, dec!(40));
        assert_eq!(s.psn_cash_pay, dec!(49.50));
        assert_eq!(s.balc, dec!(0));
        assert_eq!(
            s.fund_pay_sumamt + s.acct_pay + s.psn_cash_pay,
            s.medfee_sumamt
        );
    }

    #[test]
    fn resident_has_no_account_and_price_ceiling_applies() {
        let l = PolicyLine {
            total: dec!(30.00),
            cnt: dec!(2),
            pric: dec!(15),
            pric_uplmt: dec!(12),
            level: "1".into(),
        };
        let s = settle(&[l], "390", dec!(0), true, dec!(500));
        assert_eq!(s.overlmt_selfpay, dec!(6.00));
        assert_eq!(s.inscp_scp_amt, dec!(24.00));
        assert_eq!(s.hifp_pay, dec!(12.00));
        assert_eq!(s.acct_pay, dec!(0));
        assert_eq!(s.psn_cash_pay, dec!(18.00));
    }

    #[test]
    fn each_scheme_has_its_own_fund_share() {
        let ls = [line(dec!(100.00), "1"), line(dec!(50.00), "2")];
        // 41: no fund at all; the account pays up to its balance.
        let p = settle_scheme(
            &ls,
            Scheme::PharmacyPurchase,
            "310",
            dec!(30),
            true,
            dec!(120),
        );
        assert_eq!(p.fund_pay_sumamt, dec!(0));
        assert_eq!(p.act_pay_dedc, dec!(0));
        assert_eq!(p.acct_pay, dec!(120));
        assert_eq!(p.psn_cash_pay, dec!(30.00));
        // 11: deductible first, then 70 %.
        let o = settle_scheme(
            &ls,
            Scheme::OutpatientPooling,
            "310",
            dec!(30),
            false,
            dec!(0),
        );
        assert_eq!(o.act_pay_dedc, dec!(30));
        assert_eq!(o.hifp_pay, dec!(80.50)); // (145 - 30) * 0.7
                                             // 14: no deductible, 80 % for employees, 60 % for residents.
        let c = settle_scheme(&ls, Scheme::Chronic, "310", dec!(30), false, dec!(0));
        assert_eq!(c.act_pay_dedc, dec!(0));
        assert_eq!(c.hifp_pay, dec!(116.00)); // 145 * 0.8
        let r = settle_scheme(&ls, Scheme::Chronic, "390", dec!(30), false, dec!(0));
        assert_eq!(r.hifp_pay, dec!(87.00));
        // 1402: no deductible, 70 %.
        let d = settle_scheme(&ls, Scheme::DualChannel, "310", dec!(30), false, dec!(0));
        assert_eq!(d.hifp_pay, dec!(101.50));
        assert_eq!(d.preselfpay_amt, dec!(5.00));
        for s in [p, o, c, r, d] {
            assert_eq!(
                s.fund_pay_sumamt + s.acct_pay + s.psn_cash_pay,
                s.medfee_sumamt
            );
        }
        assert_eq!(Scheme::of_med_type("41"), Some(Scheme::PharmacyPurchase));
        assert_eq!(Scheme::of_med_type("1402"), Some(Scheme::DualChannel));
        assert_eq!(Scheme::of_med_type("21"), None);
    }

    proptest::proptest! {
        #[test]
        fn parts_always_add_up_and_never_go_negative(
            lines in proptest::collection::vec((1i64..500_000, 1i64..20, 0usize..3, 0i64..300_000), 1..6),
            insutype in proptest::sample::select(vec!["310", "390", "340"]),
            scheme in proptest::sample::select(vec![Scheme::PharmacyPurchase, Scheme::OutpatientPooling, Scheme::Chronic, Scheme::DualChannel]),
            deductible in 0i64..100_000,
            balance in 0i64..100_000,
            use_account: bool,
        ) {
            let ls: Vec<PolicyLine> = lines.iter().map(|(cents, cnt, lvl, up)| {
                let pric = Decimal::new(*cents, 2);
                PolicyLine {
                    total: pric * Decimal::from(*cnt),
                    cnt: Decimal::from(*cnt),
                    pric,
                    pric_uplmt: Decimal::new(*up, 2),
                    level: ["1", "2", "3"][*lvl].to_string(),
                }
            }).collect();
            let s = settle_scheme(&ls, scheme, insutype, Decimal::new(deductible, 2), use_account, Decimal::new(balance, 2));
            proptest::prop_assert_eq!(s.fund_pay_sumamt + s.acct_pay + s.psn_cash_pay, s.medfee_sumamt);
            proptest::prop_assert_eq!(s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt, s.medfee_sumamt);
            for v in [s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.inscp_scp_amt, s.act_pay_dedc, s.balc] {
                proptest::prop_assert!(v >= Decimal::ZERO);
                proptest::prop_assert!(v.scale() <= 2 || v.normalize().scale() <= 2);
            }
            proptest::prop_assert!(s.acct_pay <= Decimal::new(balance, 2));
        }
    }
}
