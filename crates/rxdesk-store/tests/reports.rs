//! The manager's figures from a real ledger: settlement totals of a day,
//! e-voucher share per month, audits per pharmacist, refunds per day, sales
//! above the reference price, and recorded reconciliations.

mod common;

use common::*;
use rxdesk_store::ledger::{NewSale, NewSettlement};
use rxdesk_store::reports::{cst_day, day_range_ms, SettlementTotals};
use rxdesk_store::StoreError;
use std::str::FromStr;

fn amount(s: &str) -> rxdesk_core::Amount {
    rxdesk_core::Amount::from_str(s).unwrap()
}

/// An insured sale of one box (catalogue price 12.50) against a fresh approved prescription.
fn insured_sale(f: &Fixture, n: u64) -> i64 {
    let rx = approved_rx(f, &format!("RX{n:04}"));
    let sale = NewSale {
        prescription_id: Some(rx),
        settlement: Some(NewSettlement {
            setl_id: format!("SETL{n}"),
            mdtrt_id: format!("MD{n}"),
            psn_no: "PSN1".into(),
            medfee_sumamt: amount("12.50"),
            fund_pay_sumamt: amount("10.00"),
            psn_part_amt: amount("2.50"),
            acct_pay: amount("2.00"),
            psn_cash_pay: amount("0.50"),
            setl_time: f.store.now_ms(),
        }),
        doctor_name: "陈医生".into(),
        ..otc_sale(f, n)
    };
    f.store.record_sale(&f.cashier, &sale).unwrap().sale_id
}

#[test]
fn figures_of_a_day_count_what_the_ledger_holds() {
    let f = fixture();
    let today = cst_day(f.store.now_ms());
    let (from, to) = day_range_ms(today);
    let empty = f.store.settlements_between(from, to).unwrap();
    assert!(empty.is_empty());
    assert_eq!(SettlementTotals::of(&empty).medfee_sumamt, "0.00");

    let s1 = insured_sale(&f, 1);
    let s2 = insured_sale(&f, 2);
    let _s3 = insured_sale(&f, 3);
    let s4 = insured_sale(&f, 4);
    f.store
        .set_settlement_kind(&f.cashier, s1, "01", "310")
        .unwrap();
    f.store
        .set_settlement_kind(&f.cashier, s2, "02", "310")
        .unwrap();
    f.store
        .set_settlement_kind(&f.cashier, s4, "01", "390")
        .unwrap();
    // s3's credential is unknown; s4 is refunded.
    money_back(&f.store, &f.boss, s4);
    f.store.record_refund(&f.boss, s4, "顾客退货").unwrap();
    assert!(matches!(
        f.store.set_settlement_kind(&f.cashier, 999, "01", "310"),
        Err(StoreError::NotFound(_))
    ));

    let rows = f.store.settlements_between(from, to).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().filter(|r| r.refunded).count(), 1);
    assert_eq!(rows[0].setl_id, "SETL1");
    assert_eq!(rows[2].insutype, "");
    let t = SettlementTotals::of(&rows);
    assert_eq!(t.count, 3);
    assert_eq!(t.medfee_sumamt, "37.50");
    assert_eq!(t.fund_pay_sumamt, "30.00");
    assert_eq!(t.acct_pay, "6.00");
    assert_eq!(t.psn_cash_pay, "1.50");

    // E-voucher share: 1 of the 3 standing settlements (the refunded one is out).
    let months = f.store.evoucher_share_by_month(from, to).unwrap();
    assert_eq!(months.len(), 1);
    let m = &months[0];
    assert_eq!(m.month, today.format("%Y-%m").to_string());
    assert_eq!((m.settlements, m.evoucher, m.unknown), (3, 1, 1));
    assert_eq!(m.share_percent, "33.3");
    assert!(m.meets_target);

    // Four audits, all by the one pharmacist, all approved.
    let audits = f.store.audits_per_pharmacist(from, to).unwrap();
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].name, "李药师");
    assert_eq!(
        (audits[0].total, audits[0].approved, audits[0].rejected),
        (4, 4, 0)
    );

    let refunds = f.store.refunds_per_day(from, to).unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].count, 1);
    assert_eq!(refunds[0].amount, "12.50");

    // Nothing is monitored until the product has a reference price.
    assert!(f
        .store
        .sales_above_reference_price(from, to)
        .unwrap()
        .is_empty());
    let db = rusqlite::Connection::open(f.dir.path().join("ledger.sqlite3")).unwrap();
    db.execute("UPDATE drugs SET reference_price = '10.000000'", [])
        .unwrap();
    let alerts = f.store.sales_above_reference_price(from, to).unwrap();
    assert_eq!(alerts.len(), 4);
    assert_eq!(alerts[0].price, "12.50");
    assert_eq!(alerts[0].reference_price, "10.00");
    assert_eq!(alerts[0].over_percent, "25.0");
    db.execute("UPDATE drugs SET reference_price = '12.500000'", [])
        .unwrap();
    assert!(
        f.store
            .sales_above_reference_price(from, to)
            .unwrap()
            .is_empty(),
        "at the reference price is fine"
    );

    // Yesterday has none of it.
    let (yf, yt) = day_range_ms(today.pred_opt().unwrap());
    assert!(f.store.settlements_between(yf, yt).unwrap().is_empty());
    assert!(f.store.evoucher_share_by_month(yf, yt).unwrap().is_empty());
    assert!(f.store.refunds_per_day(yf, yt).unwrap().is_empty());
}

#[test]
fn reconciliation_results_are_recorded_by_managers_only() {
    let f = fixture();
    let day = cst_day(f.store.now_ms());
    assert!(matches!(
        f.store
            .record_reconciliation(&f.cashier, day, "balanced", "{}", "{}", "平"),
        Err(StoreError::Forbidden { .. })
    ));
    let id = f
        .store
        .record_reconciliation(&f.boss, day, "differences", "{}", "{}", "结算 S1：中心没有")
        .unwrap();
    let list = f.store.reconciliations(10).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert_eq!(list[0].outcome, "differences");
    assert_eq!(list[0].operator_name, "王店长");
    assert_eq!(list[0].day, day.format("%Y-%m-%d").to_string());
    // An unknown outcome is refused by the schema.
    assert!(f
        .store
        .record_reconciliation(&f.boss, day, "maybe", "{}", "{}", "")
        .is_err());
    // And it is in the audit log.
    assert!(f.store.verify_audit_log().unwrap().problem.is_none());
}

#[test]
fn the_kind_of_a_settlement_comes_from_the_journal_when_not_recorded() {
    use rxdesk_store::journal::AttemptState;
    let f = fixture();
    let sale = insured_sale(&f, 21);
    let attempt = f
        .store
        .begin_settlement_attempt(&f.cashier, "visit-21", None, "MSGID21", "{}")
        .unwrap();
    f.store
        .finish_settlement_attempt(
            attempt,
            AttemptState::Settled,
            Some("SETL21"),
            Some(r#"{"setlinfo":{"setl_id":"SETL21","mdtrt_cert_type":"01","insutype":"390"}}"#),
            "2102 answered",
        )
        .unwrap();
    let (from, to) = day_range_ms(cst_day(f.store.now_ms()));
    let rows = f.store.settlements_between(from, to).unwrap();
    let r = rows.iter().find(|r| r.sale_id == sale).unwrap();
    assert_eq!(
        (r.mdtrt_cert_type.as_str(), r.insutype.as_str()),
        ("01", "390")
    );
    // A recorded kind wins over the journal.
    f.store
        .set_settlement_kind(&f.cashier, sale, "03", "310")
        .unwrap();
    let rows = f.store.settlements_between(from, to).unwrap();
    let r = rows.iter().find(|r| r.sale_id == sale).unwrap();
    assert_eq!(
        (r.mdtrt_cert_type.as_str(), r.insutype.as_str()),
        ("03", "310")
    );
    let m = &f.store.evoucher_share_by_month(from, to).unwrap()[0];
    assert_eq!((m.settlements, m.evoucher), (1, 0));
}
