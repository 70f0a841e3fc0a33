//! Money first: the refund journal guards every step, stock goes
//! back only once the money is back, payments are kept with the sale, and
//! the counter visit's journal is sealed and found again at start-up.

mod common;

use common::{approved_rx, fixture, otc_sale, Fixture};
use rxdesk_store::ledger::{NewSale, NewSettlement};
use rxdesk_store::{RefundStep, SalePayment, StoreError};
use std::str::FromStr;

fn settled_sale(f: &Fixture) -> i64 {
    let rx = approved_rx(f, "RX-MONEY");
    let sale = NewSale {
        prescription_id: Some(rx),
        settlement: Some(NewSettlement {
            setl_id: "SETL-M".into(),
            mdtrt_id: "MD-M".into(),
            psn_no: "PSN-M".into(),
            medfee_sumamt: rxdesk_core::Amount::from_str("12.50").unwrap(),
            fund_pay_sumamt: rxdesk_core::Amount::from_str("10.00").unwrap(),
            psn_part_amt: rxdesk_core::Amount::from_str("2.50").unwrap(),
            acct_pay: rxdesk_core::Amount::from_str("0.00").unwrap(),
            psn_cash_pay: rxdesk_core::Amount::from_str("2.50").unwrap(),
            setl_time: f.store.now_ms(),
        }),
        doctor_name: "陈医生".into(),
        ..otc_sale(f, 20)
    };
    let paid = [SalePayment {
        method: "wechat".into(),
        amount: "2.50".into(),
        reference: "WX-0001".into(),
        ..Default::default()
    }];
    f.store
        .record_sale_with_payments(&f.cashier, &sale, &paid)
        .unwrap()
        .sale_id
}

#[test]
fn stock_goes_back_only_after_the_reversal_and_the_money() {
    let f = fixture();
    let s = &f.store;
    let sale = settled_sale(&f);
    assert_eq!(s.sale_payments(sale).unwrap()[0].reference, "WX-0001");
    let qty = |id| s.batch_quantity(id).unwrap();
    let before = qty(f.batch);
    // Local-first is gone: no journal, no refund.
    assert!(matches!(
        s.record_refund(&f.boss, sale, "患者过敏"),
        Err(StoreError::Rule(_))
    ));
    // Only a manager starts one; the 2103 is journalled before it leaves.
    assert!(matches!(
        s.begin_refund(&f.cashier, sale, "M1", "患者过敏"),
        Err(StoreError::Forbidden { .. })
    ));
    let row = s.begin_refund(&f.boss, sale, "M1", "患者过敏").unwrap();
    assert_eq!(row.step, RefundStep::Reversing);
    // While 2103 is unknown: no money back, no stock back.
    s.set_refund_step(sale, RefundStep::Uncertain, "timeout")
        .unwrap();
    assert!(matches!(
        s.refund_money_returned(sale, &[]),
        Err(StoreError::Rule(_))
    ));
    assert!(matches!(
        s.record_refund(&f.boss, sale, "患者过敏"),
        Err(StoreError::Rule(_))
    ));
    assert_eq!(qty(f.batch), before);
    // Resent (new msgid), reversed, money back, then stock.
    let row = s.begin_refund(&f.boss, sale, "M2", "患者过敏").unwrap();
    assert_eq!(
        (row.step, row.msgid.as_str()),
        (RefundStep::Reversing, "M2")
    );
    s.set_refund_step(sale, RefundStep::Reversed, "2103 answered")
        .unwrap();
    assert!(matches!(
        s.record_refund(&f.boss, sale, "患者过敏"),
        Err(StoreError::Rule(_))
    ));
    let back = s.sale_payments(sale).unwrap();
    s.refund_money_returned(sale, &back).unwrap();
    assert_eq!(s.unfinished_refunds().unwrap().len(), 1);
    let ids = s.record_refund(&f.boss, sale, "患者过敏").unwrap();
    assert_eq!(ids.len(), 2, "3506 and 7208");
    assert!(qty(f.batch) > before);
    let row = s.refund_row(sale).unwrap().unwrap();
    assert_eq!(row.step, RefundStep::Done);
    assert_eq!(row.returned, back);
    assert!(s.unfinished_refunds().unwrap().is_empty());
    // Done is final.
    assert!(s
        .set_refund_step(sale, RefundStep::Reversing, "again")
        .is_err());
    assert!(matches!(
        s.record_refund(&f.boss, sale, "again"),
        Err(StoreError::Rule(_))
    ));
}

#[test]
fn a_refund_left_sending_is_uncertain_after_a_restart() {
    let f = fixture();
    let sale = settled_sale(&f);
    f.store.begin_refund(&f.boss, sale, "M1", "退货").unwrap();
    assert_eq!(f.store.recover_refunds().unwrap(), 1);
    assert_eq!(
        f.store.refund_row(sale).unwrap().unwrap().step,
        RefundStep::Uncertain
    );
}

#[test]
fn the_visit_journal_is_sealed_and_closed_visits_stay_closed() {
    let f = fixture();
    let s = &f.store;
    s.save_visit("V1", "dispensing", r#"{"patient":"张三"}"#)
        .unwrap();
    s.save_visit("V2", "settled", r#"{"patient":"李四"}"#)
        .unwrap();
    s.save_visit("V1", "dispensed", r#"{"patient":"张三","n":2}"#)
        .unwrap();
    let open = s.open_visits().unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].state, "dispensed");
    assert!(open[0].snapshot_json.contains("张三"));
    s.close_visit("V1", "cancelled").unwrap();
    // A closed visit is not reopened by a late save.
    s.save_visit("V1", "dispensed", "{}").unwrap();
    let v1 = s.visit_row("V1").unwrap().unwrap();
    assert!(!v1.open);
    assert_eq!(v1.outcome, "cancelled");
    assert_eq!(s.open_visits().unwrap().len(), 1);
    // The patient's name is not stored in clear.
    let mut raw = std::fs::read(f.dir.path().join("ledger.sqlite3")).unwrap();
    raw.extend(std::fs::read(f.dir.path().join("ledger.sqlite3-wal")).unwrap_or_default());
    assert!(!raw.is_empty());
    assert!(!String::from_utf8_lossy(&raw).contains("李四"));
}
