//! The settlement attempt journal: a crash never double-charges.

mod common;

use common::{approved_rx, fixture, otc_sale};
use rxdesk_store::ledger::{NewSale, NewSettlement};
use rxdesk_store::{AttemptState, Store, StoreError};
use std::str::FromStr;

const INPUT: &str = r#"{"psn_no":"PSN1101000001","psn_name":"张三","medfee_sumamt":"12.50"}"#;

fn settlement(setl_id: &str, store: &Store) -> NewSettlement {
    let a = |s: &str| rxdesk_core::Amount::from_str(s).unwrap();
    NewSettlement {
        setl_id: setl_id.into(),
        mdtrt_id: "MD1".into(),
        psn_no: "PSN1".into(),
        medfee_sumamt: a("12.50"),
        fund_pay_sumamt: a("10.00"),
        psn_part_amt: a("2.50"),
        acct_pay: a("2.50"),
        psn_cash_pay: a("0.00"),
        setl_time: store.now_ms(),
    }
}

#[test]
fn one_open_attempt_per_prescription_and_states_round_trip() {
    let f = fixture();
    let rx = approved_rx(&f, "RX-J1");
    let s = &f.store;
    let a = s
        .begin_settlement_attempt(&f.cashier, "visit-1", Some(rx), "M0001", INPUT)
        .unwrap();
    let row = s.settlement_attempt(a).unwrap();
    assert_eq!(
        (
            row.state,
            row.visit_id.as_str(),
            row.prescription_id,
            row.msgid.as_str()
        ),
        (AttemptState::Sending, "visit-1", Some(rx), "M0001")
    );
    assert_eq!(row.input_json, INPUT);
    assert_eq!((row.setl_id.clone(), row.output_json.clone()), (None, None));

    // A second attempt for the same prescription is refused while one is open,
    // even from another visit.
    let again = s.begin_settlement_attempt(&f.cashier, "visit-2", Some(rx), "M0002", INPUT);
    assert!(
        matches!(&again, Err(StoreError::Rule(m)) if m.contains("发送中")),
        "{again:?}"
    );
    assert_eq!(s.open_settlement_attempts().unwrap().len(), 1);

    // The center refused: a new attempt may go.
    s.finish_settlement_attempt(
        a,
        AttemptState::Failed,
        None,
        Some(r#"{"err":"x"}"#),
        "拒绝",
    )
    .unwrap();
    let row = s.settlement_attempt(a).unwrap();
    assert_eq!(row.state, AttemptState::Failed);
    assert_eq!(row.output_json.as_deref(), Some(r#"{"err":"x"}"#));
    assert_eq!(row.detail, "拒绝");
    assert!(row.updated_at >= row.created_at);
    // Failed is final.
    assert!(matches!(
        s.finish_settlement_attempt(a, AttemptState::Settled, Some("S"), None, ""),
        Err(StoreError::Rule(_))
    ));

    let b = s
        .begin_settlement_attempt(&f.cashier, "visit-2", Some(rx), "M0002", INPUT)
        .unwrap();
    // Settled needs its setl_id.
    assert!(matches!(
        s.finish_settlement_attempt(b, AttemptState::Settled, None, None, ""),
        Err(StoreError::Invalid(_))
    ));
    s.finish_settlement_attempt(
        b,
        AttemptState::Settled,
        Some("SETL-9"),
        Some(r#"{"setl_id":"SETL-9"}"#),
        "",
    )
    .unwrap();
    assert!(s.open_settlement_attempts().unwrap().is_empty());
    // Settled but no sale recorded yet: still refused, and listed.
    let again = s.begin_settlement_attempt(&f.cashier, "visit-3", Some(rx), "M0003", INPUT);
    assert!(
        matches!(&again, Err(StoreError::Rule(m)) if m.contains("SETL-9")),
        "{again:?}"
    );
    let pending = s.settled_attempts_without_sale().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].setl_id.as_deref(), Some("SETL-9"));
    // The sale is recorded with that settlement: nothing is pending any more.
    s.record_sale(
        &f.cashier,
        &NewSale {
            prescription_id: Some(rx),
            settlement: Some(settlement("SETL-9", s)),
            ..otc_sale(&f, 501)
        },
    )
    .unwrap();
    assert!(s.settled_attempts_without_sale().unwrap().is_empty());
    // settled → reversed is allowed; reversed is final.
    s.finish_settlement_attempt(b, AttemptState::Reversed, None, None, "冲正")
        .unwrap();
    let row = s.settlement_attempt(b).unwrap();
    assert_eq!(
        (row.state, row.setl_id.as_deref()),
        (AttemptState::Reversed, Some("SETL-9"))
    );
    assert_eq!(s.settlement_attempts_of(rx).unwrap().len(), 2);
    assert!(matches!(
        s.settlement_attempt(9999),
        Err(StoreError::NotFound(_))
    ));
    // A msgid is journaled once.
    assert!(matches!(
        s.begin_settlement_attempt(&f.cashier, "visit-9", None, "M0001", INPUT),
        Err(StoreError::Rule(_))
    ));
}

#[test]
fn a_crash_mid_send_leaves_an_uncertain_attempt_that_blocks_a_new_one() {
    let f = fixture();
    let rx = approved_rx(&f, "RX-J2");
    let path = f.store.path().to_path_buf();
    let a = f
        .store
        .begin_settlement_attempt(&f.cashier, "visit-1", Some(rx), "M1001", INPUT)
        .unwrap();
    // Without a prescription the visit is the key.
    let otc = f
        .store
        .begin_settlement_attempt(&f.cashier, "visit-otc", None, "M1002", "{}")
        .unwrap();
    assert!(matches!(
        f.store
            .begin_settlement_attempt(&f.cashier, "visit-otc", None, "M1003", "{}"),
        Err(StoreError::Rule(_))
    ));
    drop(f.store); // the process dies while 2102 is in flight

    let store = Store::open(&path).unwrap();
    assert_eq!(store.recover_settlement_attempts().unwrap(), 2);
    assert_eq!(store.recover_settlement_attempts().unwrap(), 0);
    let open = store.open_settlement_attempts().unwrap();
    assert_eq!(
        open.iter().map(|r| (r.id, r.state)).collect::<Vec<_>>(),
        vec![(a, AttemptState::Uncertain), (otc, AttemptState::Uncertain)]
    );
    assert_eq!(open[0].input_json, INPUT, "unsealed after reopen");
    let again = store.begin_settlement_attempt(&f.cashier, "visit-2", Some(rx), "M1004", INPUT);
    assert!(
        matches!(&again, Err(StoreError::Rule(m)) if m.contains("结果未知")),
        "{again:?}"
    );
    // Resolved: not settled → a new attempt may go.
    store
        .finish_settlement_attempt(a, AttemptState::NotSettled, None, None, "9101 查询无此结算")
        .unwrap();
    store
        .begin_settlement_attempt(&f.cashier, "visit-2", Some(rx), "M1004", INPUT)
        .unwrap();

    // The patient's data is sealed at rest.
    drop(store);
    let raw = std::fs::read(&path).unwrap();
    let wal = std::fs::read(format!("{}-wal", path.display())).unwrap_or_default();
    for bytes in [raw, wal] {
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains("PSN1101000001"), "input_json is sealed");
    }
}
