//! The emulator's settlement policy — simple, documented (docs/protocol.md),
//! believable, and exact in decimal:
//!
//! * per line, by catalogue level: 甲类 (`1`) selfpay 0 %, 乙类 (`2`) 10 %
//!   先行自付, 丙类 (`3`) 100 % 全自费; a unit price above the catalogue's
//!   price ceiling makes the excess 超限价自费;
//! * 符合政策范围金额 = total − 全自费 − 超限价 − 先行自付;
//! * 起付线: what is left of the person's annual deductible is paid first
//!   (`act_pay_dedc`), then the fund pays `ratio` of the rest (employees 70 %,
//!   residents 50 %), rounded half-up to fen;
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

/// Fund ratio by insutype.
pub fn ratio_for(insutype: &str) -> Decimal {
    match insutype {
        "310" | "320" | "340" => Decimal::new(70, 2),
        _ => Decimal::new(50, 2),
    }
}

/// Compute the split.
pub fn settle(
    lines: &[PolicyLine],
    insutype: &str,
    deductible_left: Decimal,
    use_account: bool,
    balance: Decimal,
) -> Split {
    let mut s = Split {
        ratio: ratio_for(insutype),
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
    s.act_pay_dedc = s.inscp_scp_amt.min(deductible_left.max(Decimal::ZERO));
    s.hifp_pay = fen((s.inscp_scp_amt - s.act_pay_dedc) * s.ratio);
    s.fund_pay_sumamt = s.hifp_pay;
    s.psn_part_amt = s.medfee_sumamt - s.fund_pay_sumamt;
    let employee = matches!(insutype, "310" | "320" | "340");
    s.acct_pay = if use_account && employee {
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

    proptest::proptest! {
        #[test]
        fn parts_always_add_up_and_never_go_negative(
            lines in proptest::collection::vec((1i64..500_000, 1i64..20, 0usize..3, 0i64..300_000), 1..6),
            insutype in proptest::sample::select(vec!["310", "390", "340"]),
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
            let s = settle(&ls, insutype, Decimal::new(deductible, 2), use_account, Decimal::new(balance, 2));
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
