//! The till and the pharmacist's duty in the ledger: payments keep their
//! method, tendered and change; a till shift's expected cash is the ledger's
//! sum (sales − refunds + float); closing stores the counted figures and the
//! difference; the 日结 equals a direct sum over the tables; 上岗/下岗 and
//! the 复核药师 are recorded and the reviewer is the one 7204 names.

mod common;

use common::{approved_rx, fixture, otc_sale, Fixture};
use rxdesk_core::Amount;
use rxdesk_store::ledger::{AuditDecision, NewSale, NewSettlement};
use rxdesk_store::{SalePayment, StoreError};
use std::collections::BTreeMap;
use std::str::FromStr;

fn a(s: &str) -> Amount {
    Amount::from_str(s).unwrap()
}

fn cash(amount: &str, tendered: &str, change: &str) -> SalePayment {
    SalePayment {
        method: "cash".into(),
        amount: amount.into(),
        tendered: Some(tendered.into()),
        change: Some(change.into()),
        ..Default::default()
    }
}

fn terminal(amount: &str, reference: &str) -> SalePayment {
    SalePayment {
        method: "terminal".into(),
        amount: amount.into(),
        reference: reference.into(),
        ..Default::default()
    }
}

/// A self-paid sale of one box (the fixture's drug costs 12.50).
fn sell(f: &Fixture, n: u64, pay: SalePayment) -> Result<i64, StoreError> {
    f.store
        .record_sale_with_payments(&f.cashier, &otc_sale(f, n), &[pay])
        .map(|r| r.sale_id)
}

#[test]
fn payments_keep_method_tendered_change_and_reference() {
    let f = fixture();
    let s = &f.store;
    s.open_till(&f.cashier, a("100.00")).unwrap();
    let sale = sell(&f, 1, cash("12.50", "20.00", "7.50")).unwrap();
    let p = &s.sale_payments(sale).unwrap()[0];
    assert_eq!(p.method, "cash");
    assert_eq!(p.tendered.as_deref(), Some("20.00"));
    assert_eq!(p.change.as_deref(), Some("7.50"));
    assert_eq!(p.method_zh(), "现金");
    let t = sell(&f, 2, terminal("12.50", "POS20261205-0001")).unwrap();
    let p = &s.sale_payments(t).unwrap()[0];
    assert_eq!(
        (p.method.as_str(), p.reference.as_str()),
        ("terminal", "POS20261205-0001")
    );
    assert!(s.terminal_reference_used("POS20261205-0001").unwrap());
    // A terminal reference pays one sale only; the whole sale is refused.
    assert!(matches!(
        sell(&f, 3, terminal("12.50", "POS20261205-0001")),
        Err(StoreError::Rule(m)) if m.contains("已用于另一笔销售")
    ));
    // Wrong change, a terminal without reference, tendered on a non-cash
    // method and unknown methods never reach the ledger.
    for bad in [
        cash("12.50", "20.00", "8.00"),
        terminal("12.50", " "),
        SalePayment {
            tendered: Some("20.00".into()),
            change: Some("7.50".into()),
            ..terminal("12.50", "POS-X-0002")
        },
        SalePayment {
            method: "cheque".into(),
            amount: "12.50".into(),
            ..Default::default()
        },
    ] {
        assert!(
            matches!(sell(&f, 4, bad.clone()), Err(StoreError::Invalid(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn till_shift_expected_is_the_ledger_sum_and_close_keeps_the_difference() {
    let f = fixture();
    let s = &f.store;
    assert!(s.current_till().unwrap().is_none());
    let shift = s.open_till(&f.cashier, a("200.00")).unwrap();
    assert_eq!(shift.float, a("200.00"));
    assert!(matches!(
        s.open_till(&f.boss, a("0.00")),
        Err(StoreError::Rule(m)) if m.contains("尚未交班")
    ));
    assert!(s.open_till(&f.boss, a("-1.00")).is_err());
    let c1 = sell(&f, 11, cash("12.50", "50.00", "37.50")).unwrap();
    sell(&f, 12, cash("12.50", "12.50", "0.00")).unwrap();
    sell(&f, 13, terminal("12.50", "POS-0000013")).unwrap();
    sell(
        &f,
        14,
        SalePayment {
            method: "wechat".into(),
            amount: "12.50".into(),
            reference: "WX-14".into(),
            ..Default::default()
        },
    )
    .unwrap();
    // One cash sale refunded: its money goes back in this shift.
    s.begin_refund(&f.boss, c1, "", "患者退药").unwrap();
    s.refund_money_returned(c1, &[cash("12.50", "12.50", "0.00")])
        .unwrap();
    s.record_refund(&f.boss, c1, "患者退药").unwrap();

    let open = s.till_summary(shift.id).unwrap();
    assert_eq!(open.sales_count, 4);
    assert_eq!(open.refunds_count, 1);
    let line = |m: &str| open.lines.iter().find(|l| l.method == m).unwrap().clone();
    assert_eq!(line("cash").sales, a("25.00"));
    assert_eq!(line("cash").refunds, a("12.50"));
    // 200 float + 25 − 12.50
    assert_eq!(line("cash").expected, a("212.50"));
    assert_eq!(line("terminal").expected, a("12.50"));
    assert_eq!(line("wechat").expected, a("12.50"));
    assert_eq!(line("alipay").expected, a("0.00"));
    assert!(line("cash").counted.is_none());

    // Counted 210.00: 2.50 short. The terminal statement matches.
    let closed = s
        .close_till(&f.cashier, a("210.00"), &BTreeMap::new(), "短款待查")
        .unwrap();
    let cashl = closed.cash().unwrap();
    assert_eq!(cashl.counted, Some(a("210.00")));
    assert_eq!(cashl.difference, Some(a("-2.50")));
    assert_eq!(closed.shift.cash_difference, Some(a("-2.50")));
    assert_eq!(closed.shift.closed_by_name.as_deref(), Some("赵收银"));
    let term = closed
        .lines
        .iter()
        .find(|l| l.method == "terminal")
        .unwrap();
    assert_eq!(term.difference, Some(a("0.00")));
    // Kept: read back the same, and audit-logged.
    assert_eq!(s.till_summary(shift.id).unwrap(), closed);
    let log = s.audit_entries(20).unwrap();
    let close = log.iter().find(|e| e.event == "till.close").unwrap();
    assert!(
        close.detail.contains("\"cash_difference\":\"-2.50\""),
        "{}",
        close.detail
    );
    assert!(log.iter().any(|e| e.event == "till.open"));
    // Closed: nothing to close, a new shift may open, later sales are its own.
    assert!(s
        .close_till(&f.cashier, a("0"), &BTreeMap::new(), "")
        .is_err());
    let next = s.open_till(&f.cashier, a("0.00")).unwrap();
    sell(&f, 15, cash("12.50", "20.00", "7.50")).unwrap();
    assert_eq!(s.till_summary(next.id).unwrap().sales_count, 1);
    assert_eq!(s.till_summary(shift.id).unwrap().sales_count, 4);
}

/// The 日结 against a direct sum over the tables (a second connection).
#[test]
fn day_report_equals_a_direct_sum_over_the_ledger() {
    let f = fixture();
    let s = &f.store;
    s.open_till(&f.cashier, a("100.00")).unwrap();
    sell(&f, 21, cash("12.50", "20.00", "7.50")).unwrap();
    let t = sell(&f, 22, terminal("12.50", "POS-0000022")).unwrap();
    // A settled prescription sale by the pharmacist (fund 10, cash 2.50).
    let rx = approved_rx(&f, "RX-DAY");
    let sale = NewSale {
        prescription_id: Some(rx),
        settlement: Some(NewSettlement {
            setl_id: "SETL-DAY".into(),
            mdtrt_id: "MD-DAY".into(),
            psn_no: "PSN-DAY".into(),
            medfee_sumamt: a("12.50"),
            fund_pay_sumamt: a("8.00"),
            psn_part_amt: a("4.50"),
            acct_pay: a("2.00"),
            psn_cash_pay: a("2.50"),
            setl_time: s.now_ms(),
        }),
        doctor_name: "陈医生".into(),
        ..otc_sale(&f, 23)
    };
    s.record_sale_with_payments(&f.pharmacist, &sale, &[cash("2.50", "5.00", "2.50")])
        .unwrap();
    s.begin_refund(&f.boss, t, "", "重复收费").unwrap();
    s.refund_money_returned(t, &[terminal("12.50", "POS-0000022")])
        .unwrap();
    money_back_done(&f, t);

    let today = rxdesk_store::reports::cst_day(s.now_ms());
    let r = s.day_report(today).unwrap();
    // Direct sums.
    let db = rusqlite::Connection::open(s.path()).unwrap();
    let (from, to) = rxdesk_store::reports::day_range_ms(today);
    let sum = |sql: &str| -> rust_decimal::Decimal {
        let mut st = db.prepare(sql).unwrap();
        st.query_map([from, to], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|v| rust_decimal::Decimal::from_str(&v.unwrap()).unwrap())
            .sum()
    };
    let total = sum("SELECT total FROM sales WHERE sold_at >= ?1 AND sold_at < ?2");
    let fund = sum("SELECT st.fund_pay_sumamt FROM settlements st JOIN sales s ON s.id = st.sale_id WHERE s.sold_at >= ?1 AND s.sold_at < ?2");
    let acct = sum("SELECT st.acct_pay FROM settlements st JOIN sales s ON s.id = st.sale_id WHERE s.sold_at >= ?1 AND s.sold_at < ?2");
    let paid = |m: &str| {
        sum(&format!(
            "SELECT p.amount FROM sale_payments p JOIN sales s ON s.id = p.sale_id
             WHERE s.sold_at >= ?1 AND s.sold_at < ?2 AND p.method = '{m}'"
        ))
    };
    let d = |t: &str| rust_decimal::Decimal::from_str(t).unwrap();
    assert_eq!(d(&r.total.sales_total), total);
    assert_eq!(d(&r.total.fund_pay), fund);
    assert_eq!(d(&r.total.account_pay), acct);
    assert_eq!(r.total.sales_count, 3);
    assert_eq!(r.total.refunds_count, 1);
    for m in ["cash", "wechat", "alipay", "terminal"] {
        let line = r.total.by_method.iter().find(|x| x.method == m).unwrap();
        assert_eq!(d(&line.received), paid(m), "{m}");
    }
    let term = r
        .total
        .by_method
        .iter()
        .find(|x| x.method == "terminal")
        .unwrap();
    assert_eq!(
        (term.refunded.as_str(), term.net.as_str()),
        ("12.50", "0.00")
    );
    // Per operator: the cashier's two sales, the pharmacist's one, the
    // manager's refund; the operators add up to the total.
    assert_eq!(r.operators.len(), 3);
    let ops_total: rust_decimal::Decimal = r.operators.iter().map(|o| d(&o.sales_total)).sum();
    assert_eq!(ops_total, total);
    let cashier = r
        .operators
        .iter()
        .find(|o| o.operator_name == "赵收银")
        .unwrap();
    assert_eq!(
        (cashier.sales_count, cashier.sales_total.as_str()),
        (2, "25.00")
    );
    let boss = r
        .operators
        .iter()
        .find(|o| o.operator_name == "王店长")
        .unwrap();
    assert_eq!((boss.sales_count, boss.refunds_count), (0, 1));
    assert_eq!(r.shifts.len(), 1);
    // Another day: empty.
    let empty = s.day_report(today.pred_opt().unwrap()).unwrap();
    assert_eq!(empty.total.sales_count, 0);
    assert_eq!(empty.total.sales_total, "0.00");
}

fn money_back_done(f: &Fixture, sale_id: i64) {
    f.store.record_refund(&f.boss, sale_id, "重复收费").unwrap();
}

#[test]
fn duty_is_recorded_and_the_reviewer_is_the_one_7204_names() {
    let f = fixture();
    let s = &f.store;
    // A second pharmacist to review.
    s.create_operator(
        Some(&f.boss),
        &rxdesk_store::operators::NewOperator {
            login: "pharm2".into(),
            display_name: "周药师".into(),
            role: rxdesk_store::Role::Pharmacist,
            password: "pharm2-password".into(),
            cert_type: Some("01".into()),
            certno: Some("440305198202025678".into()),
            prac_cert_no: Some("ZY2026002".into()),
        },
    )
    .unwrap();
    let reviewer = s
        .operator_identity_by(None, Some("pharm2"))
        .unwrap()
        .unwrap();
    assert!(matches!(
        s.duty_start(&f.cashier),
        Err(StoreError::Forbidden { .. })
    ));
    let duty = s.duty_start(&f.pharmacist).unwrap();
    let rx = approved_rx(&f, "RX-REVIEW-0"); // audited without a reviewer
    let decide = |reviewer_id| AuditDecision {
        prescription_id: rx,
        status_code: "1".into(),
        opinion: "合理".into(),
        reviewer_id,
    };
    // The auditor cannot review herself; a cashier is no reviewer.
    let me = s
        .operator_identity_by(None, Some("pharm"))
        .unwrap()
        .unwrap();
    let cashier = s.operator_identity_by(None, Some("cash")).unwrap().unwrap();
    for bad in [me.operator_id, cashier.operator_id] {
        assert!(matches!(
            s.record_audit(&f.pharmacist, &decide(Some(bad))),
            Err(StoreError::Rule(m)) if m.contains("复核药师")
        ));
    }
    let audit = s
        .record_audit(&f.pharmacist, &decide(Some(reviewer.operator_id)))
        .unwrap();
    let up = s.upload_of("7204", "rx_audit", audit).unwrap().unwrap();
    let payload = s.upload_payload(up.id).unwrap();
    let data = &payload["data"];
    assert_eq!(data["phar_name"], "李药师");
    assert_eq!(data["rchk_phar_name"], "周药师");
    assert_eq!(data["rchk_phar_certno"], "440305198202025678");
    assert_eq!(data["phar_certno"], "440305198001011234");
    // The sale names the auditor and the reviewer of its prescription.
    s.open_till(&f.cashier, a("0.00")).unwrap();
    let sale = NewSale {
        prescription_id: Some(rx),
        settlement: None,
        ..otc_sale(&f, 31)
    };
    let id = s.record_sale(&f.cashier, &sale).unwrap().sale_id;
    assert_eq!(
        s.sale_auditors(id).unwrap(),
        Some(("李药师".into(), Some("周药师".into())))
    );
    // 下岗 ends the duty; a second 下岗 finds none; both ends are logged.
    let ended = s.duty_end(&f.pharmacist).unwrap().unwrap();
    assert_eq!((ended.id, ended.end_reason.as_str()), (duty.id, "off_duty"));
    assert!(s.duty_end(&f.pharmacist).unwrap().is_none());
    let today = rxdesk_store::reports::cst_day(s.now_ms());
    let shifts = s.duty_shifts_on(today).unwrap();
    assert_eq!(shifts.len(), 1);
    assert!(shifts[0].ended_at.is_some());
    let events: Vec<String> = s
        .audit_entries(50)
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert!(events.contains(&"duty.start".to_string()));
    assert!(events.contains(&"duty.end".to_string()));
    // A new 上岗 by another pharmacist replaces an open one.
    let p2 = s.login("pharm2", "pharm2-password").unwrap();
    s.duty_start(&f.pharmacist).unwrap();
    s.duty_start(&p2).unwrap();
    let open: Vec<_> = s
        .duty_shifts_on(today)
        .unwrap()
        .into_iter()
        .filter(|d| d.ended_at.is_none())
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].operator_id, reviewer.operator_id);
}
