//! A visit replayed from the ledger for support.

mod common;

use common::{approved_rx, fixture, money_back, otc_sale};
use rxdesk_store::journal::AttemptState;
use rxdesk_store::ledger::{NewSale, NewSettlement};
use rxdesk_store::StoreError;
use std::str::FromStr;

#[test]
fn the_story_of_one_prescription_in_order_without_patient_data() {
    let f = fixture();
    let s = &f.store;
    let rx = approved_rx(&f, "RX-T1");
    s.advance_clock(1000);
    let attempt = s
        .begin_settlement_attempt(&f.cashier, "visit-42", Some(rx), "MSG-T1", "{}")
        .unwrap();
    s.advance_clock(1000);
    s.finish_settlement_attempt(
        attempt,
        AttemptState::Settled,
        Some("SETL-T1"),
        Some("{}"),
        "",
    )
    .unwrap();
    let a = |v: &str| rxdesk_core::Amount::from_str(v).unwrap();
    s.advance_clock(1000);
    let sold = s
        .record_sale(
            &f.cashier,
            &NewSale {
                prescription_id: Some(rx),
                settlement: Some(NewSettlement {
                    setl_id: "SETL-T1".into(),
                    mdtrt_id: "MD".into(),
                    psn_no: "PSN".into(),
                    medfee_sumamt: a("12.50"),
                    fund_pay_sumamt: a("10.00"),
                    psn_part_amt: a("2.50"),
                    acct_pay: a("2.50"),
                    psn_cash_pay: a("0.00"),
                    setl_time: s.now_ms(),
                }),
                ..otc_sale(&f, 31)
            },
        )
        .unwrap();
    s.advance_clock(1000);
    money_back(s, &f.boss, sold.sale_id);
    s.record_refund(&f.boss, sold.sale_id, "患者过敏").unwrap();

    let by_rxno = s.timeline("RX-T1").unwrap();
    assert_eq!(s.timeline(&sold.rtal_docno).unwrap(), by_rxno);
    assert_eq!(s.timeline("visit-42").unwrap(), by_rxno);
    let kinds: Vec<&str> = by_rxno.iter().map(|e| e.kind).collect();
    let first = |k: &str| kinds.iter().position(|x| *x == k).unwrap_or(usize::MAX);
    assert!(first("download") < first("verdict"), "{kinds:?}");
    assert!(first("verdict") <= first("audit"), "{kinds:?}");
    assert!(first("audit") < first("settlement"), "{kinds:?}");
    assert!(first("settlement") < first("sale"), "{kinds:?}");
    assert!(first("sale") < first("refund"), "{kinds:?}");
    assert!(kinds.contains(&"upload"), "{kinds:?}");
    assert!(by_rxno.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    let text: String = by_rxno.iter().map(|e| e.what_zh.clone()).collect();
    assert!(text.contains("结算成功，结算ID SETL-T1"), "{text}");
    assert!(text.contains("整单退费，原因：患者过敏"), "{text}");
    assert!(text.contains("排队上传 7204"), "{text}");
    // Support may read it: no patient name or ID number.
    assert!(!text.contains("张三"), "{text}");
    assert!(
        by_rxno
            .iter()
            .any(|e| e.kind == "audit" && e.operator.is_some()),
        "{by_rxno:?}"
    );

    assert!(matches!(
        s.timeline("nothing-like-this"),
        Err(StoreError::NotFound(_))
    ));
}

/// A valid verdict with warnings (a stale CRL within its grace period,
/// docs/decisions/0003) keeps them: the timeline says so.
#[test]
fn verdict_warnings_are_kept_with_the_verdict() {
    use rxdesk_store::ledger::{DownloadedPrescription, Verdict};
    let f = fixture();
    let s = &f.store;
    let rx = s
        .record_prescription(
            &f.cashier,
            &DownloadedPrescription {
                hi_rxno: "RX-W1".into(),
                fixmedins_code: "H44030500009".into(),
                download_ide_code: "tok-w".into(),
                raw_payload: "{}".into(),
                sign_digest: None,
                sign_cert_sn: Some("01AB".into()),
                sign_cert_dn: Some("CN=某医院".into()),
                patient_name: "张三".into(),
                patient_certno: "110101199003078888".into(),
            },
        )
        .unwrap();
    s.record_verdict(
        rx,
        &Verdict {
            valid: true,
            reason: "verified with warnings: stale_crl".into(),
            signer_dn: Some("CN=某医院".into()),
            signer_sn: Some("01AB".into()),
            warnings: vec!["stale_crl: 证书吊销列表（CRL）已过期未能更新".into()],
        },
    )
    .unwrap();
    let events = s.timeline("RX-W1").unwrap();
    let verdict = events.iter().find(|e| e.kind == "verdict").unwrap();
    assert!(verdict.what_zh.contains("有警告"), "{}", verdict.what_zh);
    assert!(verdict.what_zh.contains("stale_crl"), "{}", verdict.what_zh);
}

/// docs/decisions/0023: a prescription sealed ahead (while it is verified)
/// is recorded with its verdict in one call; the raw payload opens as
/// received, and a second download of the same `hi_rxno` keeps the first
/// row and adds its verdict.
#[test]
fn a_sealed_prescription_is_recorded_with_its_verdict_in_one_call() {
    use rxdesk_store::ledger::{DownloadedPrescription, Verdict};
    let f = fixture();
    let s = &f.store;
    let payload = format!("{{\"rxFile\":\"{}\"}}", "QUJD".repeat(40_000));
    let rx = DownloadedPrescription {
        hi_rxno: "RX-S1".into(),
        fixmedins_code: "H44030500009".into(),
        download_ide_code: "tok-s".into(),
        raw_payload: payload.clone(),
        sign_digest: None,
        sign_cert_sn: Some("01AB".into()),
        sign_cert_dn: Some("CN=某医院".into()),
        patient_name: "张三".into(),
        patient_certno: "110101199003078888".into(),
    };
    let verdict = Verdict {
        valid: true,
        reason: "verified".into(),
        signer_dn: Some("CN=某医院".into()),
        signer_sn: Some("01AB".into()),
        warnings: vec![],
    };
    let sealed = s.seal_prescription(&f.cashier, &rx).unwrap();
    let (id, verdict_id) = s
        .record_sealed_prescription(&sealed, Some(&verdict))
        .unwrap();
    assert!(verdict_id.is_some());
    assert_eq!(s.prescription_raw(id).unwrap(), payload);
    assert_eq!(
        s.prescriptions_of_patient("110101199003078888").unwrap(),
        vec![id]
    );
    let kinds: Vec<&str> = s
        .timeline("RX-S1")
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "verdict").count(),
        1,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"download"), "{kinds:?}");
    // The same prescription again (a second download): same row, a second verdict.
    let again = s.seal_prescription(&f.cashier, &rx).unwrap();
    let (id2, _) = s
        .record_sealed_prescription(&again, Some(&verdict))
        .unwrap();
    assert_eq!(id2, id);
    let kinds: Vec<&str> = s
        .timeline("RX-S1")
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "verdict").count(), 2);
    // Without a verdict: the payload alone (the verdict comes later).
    let other = DownloadedPrescription {
        hi_rxno: "RX-S2".into(),
        ..rx.clone()
    };
    let (id3, none) = s
        .record_sealed_prescription(&s.seal_prescription(&f.cashier, &other).unwrap(), None)
        .unwrap();
    assert!(none.is_none() && id3 != id);
    let kinds: Vec<&str> = s
        .timeline("RX-S2")
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(!kinds.contains(&"verdict"), "{kinds:?}");
}
