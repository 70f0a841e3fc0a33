//! Finding past sales for reprint and refund.

mod common;

use common::{approved_rx, fixture, money_back, otc_sale, trace};
use rust_decimal_macros::dec;
use rxdesk_store::ledger::{NewSale, NewSettlement};
use rxdesk_store::StoreError;
use std::str::FromStr;

#[test]
fn find_by_every_key_and_show_the_whole_sale() {
    let f = fixture();
    let s = &f.store;
    let otc = s.record_sale(&f.cashier, &otc_sale(&f, 11)).unwrap();
    s.record_refund(&f.boss, otc.sale_id, "顾客退货").unwrap();
    let rx = approved_rx(&f, "RX-H1");
    let a = |v: &str| rxdesk_core::Amount::from_str(v).unwrap();
    let setl = NewSettlement {
        setl_id: "SETL-H1".into(),
        mdtrt_id: "MD-H1".into(),
        psn_no: "PSN-H1".into(),
        medfee_sumamt: a("12.50"),
        fund_pay_sumamt: a("10.00"),
        psn_part_amt: a("2.50"),
        acct_pay: a("2.00"),
        psn_cash_pay: a("0.50"),
        setl_time: s.now_ms(),
    };
    s.advance_clock(1000);
    let sold = s
        .record_sale(
            &f.cashier,
            &NewSale {
                prescription_id: Some(rx),
                settlement: Some(setl.clone()),
                ..otc_sale(&f, 12)
            },
        )
        .unwrap();

    // Empty: the latest, newest first.
    let latest = s.find_sales("", 10).unwrap();
    assert_eq!(
        latest.iter().map(|r| r.sale_id).collect::<Vec<_>>(),
        vec![sold.sale_id, otc.sale_id]
    );
    assert_eq!(s.find_sales("", 1).unwrap().len(), 1);
    let row = &latest[0];
    assert_eq!(row.rtal_docno, sold.rtal_docno);
    assert_eq!(row.hi_rxno.as_deref(), Some("RX-H1"));
    assert_eq!(row.patient_name, "张三");
    assert_eq!(row.total, a("12.50"));
    assert_eq!(row.state, "completed");
    assert_eq!(row.setl_id.as_deref(), Some("SETL-H1"));
    assert_eq!(latest[1].state, "refunded");
    assert_eq!(latest[1].patient_name, "");

    let ids = |q: &str| {
        s.find_sales(q, 50)
            .unwrap()
            .into_iter()
            .map(|r| r.sale_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&sold.rtal_docno), vec![sold.sale_id]);
    assert_eq!(ids(&otc.rtal_docno), vec![otc.sale_id]);
    assert_eq!(ids("RX-H1"), vec![sold.sale_id]);
    // A returned box still finds its (refunded) sale.
    assert_eq!(ids(&trace(11)), vec![otc.sale_id]);
    assert_eq!(ids(&trace(12)), vec![sold.sale_id]);
    // ID number through the keyed hash (lower-case x would match too).
    assert_eq!(ids("110101199003078888"), vec![sold.sale_id]);
    assert_eq!(ids(" 110101199003078888 "), vec![sold.sale_id]);
    assert!(ids("110101199003071234").is_empty());
    // Name (sealed at rest, opened to compare).
    assert_eq!(ids("张三"), vec![sold.sale_id]);
    assert_eq!(ids("张"), vec![sold.sale_id]);
    assert!(ids("李四").is_empty());
    // CST date of today, and a day without sales.
    let today = chrono::DateTime::from_timestamp_millis(s.now_ms())
        .unwrap()
        .with_timezone(&rxdesk_core::time::cst())
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(ids(&today), vec![sold.sale_id, otc.sale_id]);
    assert!(ids("2001-01-01").is_empty());
    assert!(ids("nothing-like-this").is_empty());

    // The whole sale.
    let d = s.sale_detail(sold.sale_id).unwrap();
    assert_eq!(d.summary, *row);
    assert_eq!(d.prescription_id, Some(rx));
    assert_eq!(d.operator_name, "赵收银");
    assert_eq!(d.settlement.as_ref().unwrap().setl_id, setl.setl_id);
    assert_eq!(d.settlement.as_ref().unwrap().acct_pay, setl.acct_pay);
    assert_eq!(d.settlement.as_ref().unwrap().setl_time, setl.setl_time);
    assert_eq!(d.refund_reason, None);
    assert_eq!(d.lines.len(), 1);
    let l = &d.lines[0];
    assert_eq!(
        (
            l.name.as_str(),
            l.spec.as_str(),
            l.unit.as_str(),
            l.fixmedins_bchno.as_str(),
            l.manu_lotnum.as_str(),
            l.expy_end.as_str()
        ),
        (
            "二甲双胍缓释片",
            "0.5g*30片",
            "盒",
            "B0001",
            "L2026",
            "2099-12-31"
        )
    );
    assert_eq!(l.med_list_codg, "XA10BAE054A001010101445");
    assert_eq!((l.quantity, l.split), (dec!(1), false));
    assert_eq!(l.price, rxdesk_core::Price::from_str("12.5").unwrap());
    assert_eq!(l.amount, a("12.50"));
    assert_eq!(l.trace_codes, vec![trace(12)]);

    let d = s.sale_detail(otc.sale_id).unwrap();
    assert_eq!(d.summary.state, "refunded");
    assert_eq!(d.refund_reason.as_deref(), Some("顾客退货"));
    assert_eq!(d.lines[0].trace_codes, vec![trace(11)]);
    assert!(d.settlement.is_none() && d.prescription_id.is_none());

    assert_eq!(s.sale_of_prescription(rx).unwrap(), Some(sold.sale_id));
    assert_eq!(s.sale_of_prescription(9999).unwrap(), None);
    assert!(matches!(s.sale_detail(9999), Err(StoreError::NotFound(_))));

    // Refunded: still the prescription's sale, now shown refunded.
    money_back(s, &f.boss, sold.sale_id);
    s.record_refund(&f.boss, sold.sale_id, "医保冲正").unwrap();
    assert_eq!(s.sale_of_prescription(rx).unwrap(), Some(sold.sale_id));
    assert_eq!(s.find_sales("RX-H1", 5).unwrap()[0].state, "refunded");
}
