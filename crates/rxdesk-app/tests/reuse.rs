//! A reusable prescription (`rept_flag` 1, `max_rept_cnt` 2, `min_inrv_days`
//! 7) through the counter against the center emulator: dispensed once;
//! refused before its interval (by the counter's own ledger while the center
//! has not yet heard of the first write-off, `RX_REUSE_TOO_SOON`; by the
//! center once it has); dispensed a second time after the interval (the
//! ledger's and the emulator's clocks moved 8 days ahead) though far past the
//! 7 days after upload; refused beyond its count (`RX_REUSE_LIMIT_REACHED`
//! from the ledger, then by the center).

mod common;

use common::*;
use rxdesk_app::visit::VisitView;
use rxdesk_demo::catalogue::{demo_boxes, DemoBox};
use serde_json::json;

fn finding(v: &VisitView, code: &str) -> String {
    v.rules
        .as_ref()
        .and_then(|r| r.findings.iter().find(|f| f.code == code))
        .map(|f| f.message_zh.clone())
        .unwrap_or_else(|| panic!("{code} in {:?}", v.rules))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reusable_prescription_is_dispensed_again_after_its_interval_and_no_more() {
    let rig = Rig::new().await;
    let created = post(
        &rig.base,
        "/admin/prescriptions",
        json!({"hospital": "H11010100002", "psn_no": "PSN1101000003", "lines": [[METF, 1]],
               "diag_name": DIAG, "rept_flag": true, "max_rept_cnt": 2, "min_inrv_days": 7,
               "valid_days": 30, "label": "reuse test"}),
    )
    .await;
    let hi_rxno = created["hi_rxno"].as_str().unwrap().to_string();
    let boxes: Vec<DemoBox> = demo_boxes()
        .into_iter()
        .filter(|b| b.med_list_codg == METF)
        .collect();

    // 1. First dispensing.
    let auth = rig.listed().await.expect("listed the first time");
    let (codes, v) = rig.open(&auth).await;
    assert!(codes.is_empty(), "{codes:?}");
    assert_eq!(v.state, "rules_checked");
    rig.hold_write_offs().await;
    let first = rig.dispense_and_complete(&boxes[0]).await;

    // 2. Two days later, the center not yet told of the write-off: the
    //    counter's own ledger refuses, with the date it may be dispensed again.
    rig.days_pass(2).await;
    let auth = rig.listed().await.expect("the center still lists it");
    let (codes, v) = rig.open(&auth).await;
    assert_eq!(codes, vec!["RX_REUSE_TOO_SOON".to_string()]);
    let msg = finding(&v, "RX_REUSE_TOO_SOON");
    assert!(msg.contains("须间隔至少 7 天"), "{msg}");
    rig.cancel().await;

    // Once the center has the write-off it refuses before the interval too.
    rig.let_through(&hi_rxno, 1).await;
    assert_eq!(rig.listed().await, None, "not downloadable before 7 days");
    rig.cancel().await;

    // 3. Eight days after the first dispensing (past the 7 days after upload):
    //    dispensed a second time.
    rig.days_pass(6).await;
    let auth = rig.listed().await.expect("listed after the interval");
    let (codes, v) = rig.open(&auth).await;
    assert!(codes.is_empty(), "{codes:?}");
    assert_eq!(v.state, "rules_checked");
    rig.hold_write_offs().await;
    let second = rig.dispense_and_complete(&boxes[1]).await;
    assert_ne!(first, second);
    let sold = rig.counter.store().dispensings_of(&hi_rxno).unwrap();
    assert_eq!(sold.len(), 2, "two sales of one prescription");
    assert!(sold[1] - sold[0] >= 8 * DAY_MS - 60_000);

    // 4. A third dispensing after another interval: beyond max_rept_cnt 2.
    rig.days_pass(8).await;
    let auth = rig
        .listed()
        .await
        .expect("the center (not told) still lists it");
    let (codes, v) = rig.open(&auth).await;
    assert_eq!(codes, vec!["RX_REUSE_LIMIT_REACHED".to_string()]);
    let msg = finding(&v, "RX_REUSE_LIMIT_REACHED");
    assert!(msg.contains("最多可使用 2 次"), "{msg}");
    rig.cancel().await;
    rig.let_through(&hi_rxno, 2).await;
    assert_eq!(
        rig.listed().await,
        None,
        "the center refuses beyond the count"
    );
    rig.cancel().await;
}
