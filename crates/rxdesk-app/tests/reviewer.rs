//! The 复核药师 typed at the audit is the one the center hears of: a
//! prescription audited by the on-duty pharmacist and reviewed by a second
//! pharmacist reaches the center emulator as one 7204 naming the auditor as
//! `phar_*` and the reviewer as `rchk_phar_*` (before, the
//! reviewer was dropped and 7204 named the auditor twice).

mod common;

use common::*;
use rxdesk_demo::catalogue::{demo_boxes, DemoBox};
use rxdesk_store::operators::NewOperator;
use rxdesk_store::Role;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reviewer_typed_at_the_audit_is_the_one_7204_names_at_the_center() {
    let rig = Rig::new().await;
    let boss = rig.counter.store().login("3001", "demo-manager").unwrap();
    rig.counter
        .store()
        .create_operator(
            Some(&boss),
            &NewOperator {
                login: "2002".into(),
                display_name: "周药师".into(),
                role: Role::Pharmacist,
                password: "pharm2-password".into(),
                cert_type: Some("01".into()),
                certno: Some("440305198202025678".into()),
                prac_cert_no: Some("ZY2026002".into()),
            },
        )
        .unwrap();
    post(
        &rig.base,
        "/admin/prescriptions",
        json!({"hospital": "H11010100001", "psn_no": "PSN1101000003", "lines": [[METF, 1]],
               "diag_name": "2型糖尿病（复核药师）", "label": "reviewer test"}),
    )
    .await;
    let auth = rig
        .listed_diag("2型糖尿病（复核药师）")
        .await
        .expect("listed");
    let (codes, v) = rig.open(&auth).await;
    assert!(codes.is_empty(), "{codes:?}");
    assert_eq!(v.state, "rules_checked");
    let b: DemoBox = demo_boxes()
        .into_iter()
        .find(|b| b.med_list_codg == METF)
        .unwrap();
    rig.dispense_all_reviewed_and_complete(&[b], Some("2002"))
        .await;

    // The upload worker delivers the 7204; the emulator keeps what it got.
    let mut got = Vec::new();
    for _ in 0..100 {
        got = rig.uploads("7204").await;
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(got.len(), 1, "one 7204 for one audit: {got:?}");
    let data = &got[0]["input"]["data"];
    assert_eq!(data["rchk_phar_name"], "周药师", "{data}");
    assert_eq!(data["rchk_phar_certno"], "440305198202025678", "{data}");
    assert_ne!(
        data["phar_name"], "周药师",
        "the auditor is the signed-in pharmacist, not the reviewer: {data}"
    );
    assert!(
        !data["phar_name"].as_str().unwrap_or_default().is_empty(),
        "{data}"
    );
}
