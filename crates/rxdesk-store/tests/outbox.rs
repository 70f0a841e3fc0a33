//! The transactional outbox and the sync worker against an in-process fake
//! center that injects every failure class.

mod common;

use common::*;
use rust_decimal_macros::dec;
use rxdesk_store::ledger::{DeliveryStatus, NewSettlement};
use rxdesk_store::sync::{self, SyncConfig};
use rxdesk_store::{StoreError, UploadState};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn a_sale_and_its_uploads_are_one_transaction() {
    let f = fixture();
    let r = f.store.record_sale(&f.cashier, &otc_sale(&f, 1)).unwrap();
    assert_eq!(r.upload_ids.len(), 1);
    let row = f.store.upload(r.upload_ids[0]).unwrap();
    assert_eq!((row.op.as_str(), row.state), ("3505", UploadState::Pending));
    assert_eq!(row.msgid.len(), 30);
    assert!(row.msgid.starts_with("P44030500001"));
    let p = f.store.upload_payload(row.id).unwrap();
    assert_eq!(p["selinfo"]["drugtracinfo"][0]["drug_trac_codg"], trace(1));
    assert_eq!(p["selinfo"]["finl_trns_pric"], "12.500000");
    assert_eq!(f.store.batch_quantity(f.batch).unwrap(), dec!(99999));

    // The same box again: refused, and nothing of the failed sale remains.
    let before = f.store.ledger_counts().unwrap();
    let e = f
        .store
        .record_sale(&f.cashier, &otc_sale(&f, 1))
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Rule(ref m) if m.contains("已售出")),
        "{e}"
    );
    assert_eq!(f.store.ledger_counts().unwrap(), before);
    assert_eq!(f.store.batch_quantity(f.batch).unwrap(), dec!(99999));

    // Not enough stock: refused, nothing written.
    let mut big = otc_sale(&f, 2);
    big.lines[0].quantity = dec!(1000000);
    assert!(matches!(
        f.store.record_sale(&f.cashier, &big),
        Err(StoreError::Rule(_))
    ));
    assert_eq!(f.store.ledger_counts().unwrap(), before);
    // Malformed trace code: typed error.
    let mut bad = otc_sale(&f, 3);
    bad.lines[0].trace_codes = vec!["12345".into()];
    assert!(matches!(
        f.store.record_sale(&f.cashier, &bad),
        Err(StoreError::Invalid(_))
    ));
}

#[test]
fn prescription_chain_is_audit_then_sale_then_writeoff_then_reversal() {
    let f = fixture();
    let rx = approved_rx(&f, "RX0001");
    let sale = rxdesk_store::ledger::NewSale {
        prescription_id: Some(rx),
        settlement: Some(NewSettlement {
            setl_id: "SETL1".into(),
            mdtrt_id: "MD1".into(),
            psn_no: "PSN1".into(),
            medfee_sumamt: rxdesk_core::Amount::from_str("12.50").unwrap(),
            fund_pay_sumamt: rxdesk_core::Amount::from_str("10.00").unwrap(),
            psn_part_amt: rxdesk_core::Amount::from_str("2.50").unwrap(),
            acct_pay: rxdesk_core::Amount::from_str("2.50").unwrap(),
            psn_cash_pay: rxdesk_core::Amount::from_str("0.00").unwrap(),
            setl_time: f.store.now_ms(),
        }),
        doctor_name: "陈医生".into(),
        ..otc_sale(&f, 10)
    };
    let receipt = f.store.record_sale(&f.cashier, &sale).unwrap();
    // A prescription is sold once.
    assert!(matches!(
        f.store.record_sale(&f.cashier, &sale),
        Err(StoreError::Rule(_))
    ));
    // Only a manager refunds.
    assert!(matches!(
        f.store
            .record_refund(&f.cashier, receipt.sale_id, "顾客退货"),
        Err(StoreError::Forbidden { .. })
    ));
    money_back(&f.store, &f.boss, receipt.sale_id);
    f.store
        .record_refund(&f.boss, receipt.sale_id, "顾客退货")
        .unwrap();
    assert!(matches!(
        f.store.record_refund(&f.boss, receipt.sale_id, "again"),
        Err(StoreError::Rule(_))
    ));
    f.store
        .record_delivery(
            &f.cashier,
            &DeliveryStatus {
                prescription_id: rx,
                delv_no: "D1".into(),
                delv_entp_name: "顺丰".into(),
                status_code: "3".into(),
                description: "本人签收".into(),
            },
        )
        .unwrap();
    let rows = f.store.list_uploads(None, 100).unwrap();
    let ops: Vec<&str> = rows.iter().map(|r| r.op.as_str()).collect();
    // 2103 is sent by the counter before the refund is recorded (money
    // first); the refund queues 3506 and 7208 (the center reopens the rx).
    assert_eq!(ops, ["7204", "3505", "7206", "3506", "7208", "7205"]);
    assert!(rows.iter().all(|r| r.chain_key == "RX0001"));
    // Patient identity reached the payload, sealed at rest.
    let p = f.store.upload_payload(rows[1].id).unwrap();
    assert_eq!(p["selinfo"]["certno"], "110101199003078888");
    assert_eq!(p["selinfo"]["setl_id"], "SETL1");
    let w = f.store.upload_payload(rows[2].id).unwrap();
    assert_eq!(w["data"]["download_ide_code"], "tok-123");
    assert_eq!(w["selinfo"][0]["sumamt"], "12.50");
    let raw = std::fs::read(f.store.path()).unwrap();
    assert!(
        !raw.windows(18).any(|w| w == b"110101199003078888"),
        "ID number in clear in the file"
    );
    // The box can be sold again after the return.
    f.store.record_sale(&f.cashier, &otc_sale(&f, 10)).unwrap();
    assert_eq!(
        f.store
            .prescriptions_of_patient("110101199003078888")
            .unwrap(),
        vec![rx]
    );
}

#[test]
fn roles_are_enforced_in_the_store() {
    let f = fixture();
    let rx = f
        .store
        .record_prescription(
            &f.cashier,
            &rxdesk_store::ledger::DownloadedPrescription {
                hi_rxno: "RX9".into(),
                fixmedins_code: "H1".into(),
                download_ide_code: "t".into(),
                raw_payload: "{}".into(),
                sign_digest: None,
                sign_cert_sn: None,
                sign_cert_dn: None,
                patient_name: "李四".into(),
                patient_certno: "1".into(),
            },
        )
        .unwrap();
    let decision = rxdesk_store::ledger::AuditDecision {
        prescription_id: rx,
        status_code: "1".into(),
        opinion: String::new(),
        reviewer_id: None,
    };
    assert!(matches!(
        f.store.record_audit(&f.cashier, &decision),
        Err(StoreError::Forbidden { .. })
    ));
    // Unverified prescriptions cannot be audited or sold.
    assert!(matches!(
        f.store.record_audit(&f.pharmacist, &decision),
        Err(StoreError::Rule(_))
    ));
    let sale = rxdesk_store::ledger::NewSale {
        prescription_id: Some(rx),
        ..otc_sale(&f, 5)
    };
    assert!(matches!(
        f.store.record_sale(&f.cashier, &sale),
        Err(StoreError::Rule(_))
    ));
    let id = f
        .store
        .record_sale(&f.cashier, &otc_sale(&f, 6))
        .unwrap()
        .upload_ids[0];
    assert!(matches!(
        f.store.void_upload(&f.cashier, id, "x"),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(
        f.store.retry_upload(&f.pharmacist, id),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(
        f.store.void_upload(&f.boss, id, "  "),
        Err(StoreError::Invalid(_))
    ));
}

async fn run_drain(
    f: &Fixture,
    center: &Arc<FakeCenter>,
    cfg: SyncConfig,
) -> rxdesk_store::QueueStatus {
    let store = Arc::new(Store::open(f.store.path()).unwrap());
    sync::drain(store, center.clone(), cfg, Duration::from_secs(20))
        .await
        .unwrap()
}

use rxdesk_store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failure_class_ends_applied_exactly_once_in_chain_order() {
    let f = fixture();
    for n in 0..40 {
        f.store.record_sale(&f.cashier, &otc_sale(&f, n)).unwrap();
    }
    let rx = approved_rx(&f, "RX-CHAIN");
    let r = f
        .store
        .record_sale(
            &f.cashier,
            &rxdesk_store::ledger::NewSale {
                prescription_id: Some(rx),
                ..otc_sale(&f, 100)
            },
        )
        .unwrap();
    f.store.record_refund(&f.boss, r.sale_id, "退货").unwrap();
    let total = f.store.list_uploads(None, 1000).unwrap().len();
    assert_eq!(
        total,
        40 + 5,
        "the prescription's 7204, 3505, 7206, 3506, 7208"
    );

    let center = Arc::new(FakeCenter::new(Duration::from_millis(3)));
    use Fault::*;
    center.script(
        "3505",
        &[
            Transient,
            ResetBefore,
            ResetAfter,
            Transient,
            ResetAfter,
            ResetBefore,
            Transient,
        ],
    );
    center.script("7204", &[ResetAfter]);
    center.script("7206", &[ResetBefore, Transient]);
    center.script("3506", &[ResetAfter]);
    let status = run_drain(&f, &center, fast_cfg()).await;
    assert_eq!(status.depth, 0, "{status:?}");
    assert_eq!(status.done as usize, total);
    assert!(status.last_success.is_some());
    assert!(status.last_error.is_some());

    let s = center.state.lock().unwrap();
    assert_eq!(s.applied.len(), total, "every row applied once");
    assert_eq!(s.applied_ids.len(), total);
    // Uncertain rows were resolved, not blindly resent: a row reset after
    // being applied was sent exactly once.
    assert!(s.resolves >= 6, "resolves {}", s.resolves);
    assert_eq!(
        s.duplicates, 0,
        "nothing was resent after it had been applied"
    );
    assert!(
        s.max_inflight <= 4 && s.max_inflight >= 2,
        "parallel but bounded: {}",
        s.max_inflight
    );
    // Per chain, applied in id order.
    let mut last: HashMap<&str, i64> = HashMap::new();
    for (_, id, chain, _) in &s.applied {
        if let Some(prev) = last.insert(chain, *id) {
            assert!(*id > prev, "chain {chain}: {id} applied after {prev}");
        }
    }
    let chain_ops: Vec<&str> = s
        .applied
        .iter()
        .filter(|a| a.2 == "RX-CHAIN")
        .map(|a| a.3.as_str())
        .collect();
    assert_eq!(chain_ops, ["7204", "3505", "7206", "3506", "7208"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_rows_wait_for_a_person_and_block_only_their_chain() {
    let f = fixture();
    let rx = approved_rx(&f, "RX-REJ");
    f.store
        .record_sale(
            &f.cashier,
            &rxdesk_store::ledger::NewSale {
                prescription_id: Some(rx),
                ..otc_sale(&f, 1)
            },
        )
        .unwrap();
    f.store.record_sale(&f.cashier, &otc_sale(&f, 2)).unwrap();
    let center = Arc::new(FakeCenter::new(Duration::from_millis(1)));
    center.script("7204", &[Fault::Reject]);
    let status = run_drain(&f, &center, fast_cfg()).await;
    // 7204 rejected; the sale and write-off of that prescription wait behind it;
    // the other chain went through.
    assert_eq!(status.rejected, 1, "{status:?}");
    assert_eq!(status.pending, 2);
    assert_eq!(status.done, 1);
    let rej = f
        .store
        .list_uploads(Some(UploadState::Rejected), 10)
        .unwrap();
    assert_eq!(rej[0].op, "7204");
    assert_eq!(
        center.state.lock().unwrap().sends[&rej[0].msgid],
        1,
        "a rejection is never retried by itself"
    );

    // A manager retries: new msgid (the old one was refused), then all flows.
    let retried = f.store.retry_upload(&f.boss, rej[0].id).unwrap();
    assert_ne!(retried.msgid, rej[0].msgid);
    assert_eq!(retried.state, UploadState::Pending);
    let status = run_drain(&f, &center, fast_cfg()).await;
    assert_eq!(
        (status.rejected, status.depth, status.done),
        (0, 0, 4),
        "{status:?}"
    );

    // Void: only open rows, with a reason; audit-logged.
    let done = f.store.list_uploads(Some(UploadState::Done), 1).unwrap();
    assert!(matches!(
        f.store.void_upload(&f.boss, done[0].id, "重复"),
        Err(StoreError::Rule(_))
    ));
    let id = f
        .store
        .record_sale(&f.cashier, &otc_sale(&f, 3))
        .unwrap()
        .upload_ids[0];
    let v = f.store.void_upload(&f.boss, id, "测试作废").unwrap();
    assert_eq!(
        (v.state, v.void_reason.as_deref()),
        (UploadState::Voided, Some("测试作废"))
    );
    let log = f.store.audit_entries(10).unwrap();
    assert!(log
        .iter()
        .any(|e| e.event == "upload.void" && e.detail.contains("测试作废")));
    assert!(log.iter().any(|e| e.event == "upload.retry"));
    assert_eq!(f.store.verify_audit_log().unwrap().problem, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_rows_found_at_start_are_resolved_not_resent() {
    let f = fixture();
    for n in 0..3 {
        f.store.record_sale(&f.cashier, &otc_sale(&f, n)).unwrap();
    }
    // Simulate a process killed mid-send: claim (marks `sending`) and stop.
    let claimed = f.store.claim_due(3, &Default::default()).unwrap();
    assert_eq!(claimed.len(), 3);
    assert_eq!(f.store.queue_status().unwrap().sending, 3);
    // The center had applied the first one before the kill.
    let center = Arc::new(FakeCenter::new(Duration::from_millis(1)));
    {
        let mut s = center.state.lock().unwrap();
        s.applied_ids.insert(claimed[0].msgid.clone());
        s.applied.push((
            claimed[0].msgid.clone(),
            claimed[0].id,
            claimed[0].chain_key.clone(),
            "3505".into(),
        ));
    }
    let status = run_drain(&f, &center, fast_cfg()).await;
    assert_eq!((status.depth, status.done), (0, 3));
    let s = center.state.lock().unwrap();
    assert_eq!(s.resolves, 3, "each interrupted row was resolved first");
    assert_eq!(
        s.sends.get(&claimed[0].msgid),
        None,
        "the applied one was never resent"
    );
    assert_eq!(s.sends[&claimed[1].msgid], 1);
    assert_eq!(s.applied.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_worker_probes_and_resumes_promptly_and_publishes_status() {
    let f = fixture();
    let store = Arc::new(Store::open(f.store.path()).unwrap());
    let center = Arc::new(FakeCenter::new(Duration::from_millis(1)));
    center.set_online(false);
    // A long backoff: only the probe can bring rows back quickly.
    let cfg = SyncConfig {
        max_backoff: Duration::from_secs(60),
        base_backoff: Duration::from_secs(30),
        ..fast_cfg()
    };
    let handle = sync::spawn(store.clone(), center.clone(), cfg).unwrap();
    // A second worker on the same ledger is refused.
    assert!(matches!(
        sync::spawn(store.clone(), center.clone(), fast_cfg()),
        Err(StoreError::SyncBusy(_))
    ));
    let mut status = handle.status();
    for n in 0..6 {
        store.record_sale(&f.cashier, &otc_sale(&f, n)).unwrap();
    }
    handle.wake();
    // Goes offline after failures.
    let t = Instant::now();
    loop {
        status.changed().await.unwrap();
        let s = status.borrow().clone();
        if s.online == Some(false) {
            assert!(s.depth == 6 && s.last_error.is_some(), "{s:?}");
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "never went offline");
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let probes = center.state.lock().unwrap().probes;
    assert!(probes >= 2, "probing while offline ({probes})");
    // Back online: everything drains well before the 15–30 s backoff.
    center.set_online(true);
    let t = Instant::now();
    loop {
        status.changed().await.unwrap();
        let s = status.borrow().clone();
        if s.depth == 0 {
            assert_eq!((s.done, s.online), (6, Some(true)));
            assert!(s.last_success.is_some() && s.oldest_pending_age_secs.is_none());
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "did not resume promptly: {s:?}"
        );
    }
    handle.shutdown().await.unwrap();
    assert_eq!(center.applied_count(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolution_cut_short_by_a_crash_is_retried_at_the_next_start() {
    let f = fixture();
    f.store.record_sale(&f.cashier, &otc_sale(&f, 1)).unwrap();
    // Killed mid-send, restarted, killed again while resolving.
    assert_eq!(f.store.claim_due(1, &Default::default()).unwrap().len(), 1);
    assert_eq!(f.store.recover_interrupted().unwrap(), 1);
    let resolving = f.store.claim_due(1, &Default::default()).unwrap();
    assert!(resolving[0].resolve);
    let center = Arc::new(FakeCenter::new(Duration::from_millis(1)));
    let t = Instant::now();
    let status = run_drain(&f, &center, fast_cfg()).await;
    assert_eq!((status.done, status.uncertain), (1, 0), "{status:?}");
    assert!(t.elapsed() < Duration::from_secs(10));
    assert_eq!(center.state.lock().unwrap().resolves, 1);
}

/// One id space per pharmacy: two counters of one pharmacy (two ledgers with the same
/// institution code, terminal numbers 1 and 2) write sales in the same
/// second; their 零售单据号 and outbox msgids never collide, and each carries
/// its terminal number as the serial's first digit.
#[test]
fn two_counters_of_one_pharmacy_never_share_a_docno_or_msgid() {
    let a = fixture();
    let b = fixture();
    a.store.set_terminal_no(1).unwrap();
    b.store.set_terminal_no(2).unwrap();
    assert_eq!(a.store.terminal_no().unwrap(), 1);
    assert!(a.store.set_terminal_no(10).is_err());
    assert_eq!(
        a.store.institution().unwrap(),
        b.store.institution().unwrap()
    );
    let mut seen = std::collections::HashSet::new();
    let mut stamps: HashMap<String, u32> = HashMap::new();
    for n in 1..=20u64 {
        for (f, term) in [(&a, 1u32), (&b, 2u32)] {
            let r = f.store.record_sale(&f.cashier, &otc_sale(f, n)).unwrap();
            let mut ids = vec![r.rtal_docno.clone()];
            for u in &r.upload_ids {
                ids.push(f.store.upload(*u).unwrap().msgid);
            }
            for id in ids {
                assert_eq!(id.len(), 30, "{id}");
                assert_eq!(&id[26..27], term.to_string(), "{id}: terminal digit");
                let serial: u32 = id[26..].parse().unwrap();
                assert!((600..=999).contains(&(serial % 1000)), "{id}: outbox range");
                *stamps.entry(id[12..26].to_string()).or_default() |= term;
                assert!(seen.insert(id.clone()), "{id} issued twice");
            }
        }
    }
    // Most of those were issued within one wall-clock second by both ledgers.
    assert!(stamps.values().any(|m| *m == 3), "{stamps:?}");
}

/// Guarded outbox transitions: a manager's void and a resolution in flight cannot both
/// win. Whichever commits first decides; the other is refused (void) or
/// recorded as a late answer that changes nothing (resolution).
#[test]
fn void_and_an_in_flight_resolution_cannot_both_win() {
    let f = fixture();
    let busy = std::collections::HashSet::new();
    let uncertain_row = |n: u64| {
        let r = f.store.record_sale(&f.cashier, &otc_sale(&f, n)).unwrap();
        let id = r.upload_ids[0];
        let claimed = f.store.claim_due(10, &busy).unwrap();
        assert!(claimed.iter().any(|c| c.id == id && !c.resolve));
        f.store
            .complete_upload(
                id,
                &rxdesk_store::outbox::Completion::Uncertain {
                    error: "reset after send".into(),
                    retry_at: 0,
                },
            )
            .unwrap();
        assert_eq!(f.store.upload(id).unwrap().state, UploadState::Uncertain);
        // The worker claims it for resolution: it stays uncertain meanwhile.
        let claimed = f.store.claim_due(10, &busy).unwrap();
        assert!(claimed.iter().any(|c| c.id == id && c.resolve));
        assert_eq!(f.store.upload(id).unwrap().state, UploadState::Uncertain);
        id
    };

    // 1. The void commits first: the resolution's answers change nothing
    //    (neither "applied" nor "not applied, resend").
    let a = uncertain_row(1);
    f.store
        .void_upload(&f.boss, a, "店长放弃：人工核对")
        .unwrap();
    use rxdesk_store::outbox::Completion;
    for late in [
        Completion::ResolvedApplied(serde_json::json!({"output": {}})),
        Completion::NotApplied,
        Completion::Rejected {
            code: "5001".into(),
            message: "x".into(),
        },
    ] {
        f.store.complete_upload(a, &late).unwrap();
        let row = f.store.upload(a).unwrap();
        assert_eq!(row.state, UploadState::Voided, "{late:?} undid the void");
        assert_eq!(row.void_reason.as_deref(), Some("店长放弃：人工核对"));
    }
    let log = f.store.upload_attempt_log(a).unwrap();
    assert_eq!(
        log.iter().filter(|(o, _)| o == "late-answer").count(),
        3,
        "{log:?}"
    );
    // Nothing is claimable for that chain any more (no resend).
    assert!(f
        .store
        .claim_due(10, &busy)
        .unwrap()
        .iter()
        .all(|c| c.id != a));

    // 2. The resolution commits first: the void is refused.
    let b = uncertain_row(2);
    f.store
        .complete_upload(b, &Completion::ResolvedApplied(serde_json::json!({})))
        .unwrap();
    assert_eq!(f.store.upload(b).unwrap().state, UploadState::Done);
    assert!(matches!(
        f.store.void_upload(&f.boss, b, "太晚了"),
        Err(StoreError::Rule(_))
    ));
    assert_eq!(f.store.upload(b).unwrap().state, UploadState::Done);

    // 3. A send's answer only counts for a row still `sending`.
    let r = f.store.record_sale(&f.cashier, &otc_sale(&f, 3)).unwrap();
    let c = r.upload_ids[0];
    f.store
        .complete_upload(c, &Completion::Done(serde_json::json!({})))
        .unwrap();
    assert_eq!(
        f.store.upload(c).unwrap().state,
        UploadState::Pending,
        "never claimed"
    );

    // 4. Both at once from two threads, many times: exactly one wins.
    let store = std::sync::Arc::new(f.store);
    for n in 10..30u64 {
        let r = store
            .record_sale(&f.cashier, &otc_sale_from(f.batch, n))
            .unwrap();
        let id = r.upload_ids[0];
        store.claim_due(100, &busy).unwrap();
        store
            .complete_upload(
                id,
                &Completion::Uncertain {
                    error: "t".into(),
                    retry_at: 0,
                },
            )
            .unwrap();
        store.claim_due(100, &busy).unwrap();
        let s1 = store.clone();
        let boss = f.boss.clone();
        let voider = std::thread::spawn(move || s1.void_upload(&boss, id, "并发作废").is_ok());
        let s2 = store.clone();
        let resolver = std::thread::spawn(move || {
            s2.complete_upload(id, &Completion::ResolvedApplied(serde_json::json!({})))
                .unwrap()
        });
        let voided = voider.join().unwrap();
        resolver.join().unwrap();
        let row = store.upload(id).unwrap();
        if voided {
            assert_eq!(row.state, UploadState::Voided);
        } else {
            assert_eq!(row.state, UploadState::Done);
        }
    }
}

/// A row claimed ahead and never sent is given back by `Unsent`: a `sending`
/// row returns to `pending`, due now, its attempt given back; an `uncertain`
/// row claimed for resolution stays `uncertain`, due now; a row in any other
/// state is left alone (compare-and-set).
#[test]
fn an_unsent_claim_goes_back_to_where_it_was() {
    use rxdesk_store::outbox::Completion;
    let f = fixture();
    let busy = std::collections::HashSet::new();
    let a = f
        .store
        .record_sale(&f.cashier, &otc_sale(&f, 1))
        .unwrap()
        .upload_ids[0];
    let claimed = f.store.claim_due(10, &busy).unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(f.store.upload(a).unwrap().state, UploadState::Sending);
    f.store.complete_upload(a, &Completion::Unsent).unwrap();
    let row = f.store.upload(a).unwrap();
    assert_eq!((row.state, row.attempts), (UploadState::Pending, 0));
    assert!(row.next_attempt_at <= f.store.now_ms());
    let log = f.store.upload_attempt_log(a).unwrap();
    assert_eq!(log.last().unwrap().0, "unsent", "{log:?}");
    // Claimable again at once, under the same msgid.
    let again = f.store.claim_due(10, &busy).unwrap();
    assert_eq!((again[0].id, &again[0].msgid), (a, &claimed[0].msgid));

    // An uncertain row claimed for resolution stays uncertain.
    f.store
        .complete_upload(
            a,
            &Completion::Uncertain {
                error: "reset".into(),
                retry_at: 0,
            },
        )
        .unwrap();
    let resolving = f.store.claim_due(10, &busy).unwrap();
    assert!(resolving[0].resolve);
    assert!(f.store.upload(a).unwrap().next_attempt_at > f.store.now_ms());
    f.store.complete_upload(a, &Completion::Unsent).unwrap();
    let row = f.store.upload(a).unwrap();
    assert_eq!(row.state, UploadState::Uncertain, "never back to pending");
    assert!(row.next_attempt_at <= f.store.now_ms());

    // A done row is not touched.
    let resolving = f.store.claim_due(10, &busy).unwrap();
    f.store
        .complete_upload(
            resolving[0].id,
            &Completion::ResolvedApplied(serde_json::json!({})),
        )
        .unwrap();
    f.store.complete_upload(a, &Completion::Unsent).unwrap();
    assert_eq!(f.store.upload(a).unwrap().state, UploadState::Done);
}

/// The worker claims rows ahead of its senders (docs/decisions/0024). A
/// worker stopped mid-drain gives back what it claimed and never sent: no
/// row is left `sending` or `uncertain`, none was sent twice, and the next
/// run sends each remaining row once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stopped_mid_drain_gives_back_what_it_claimed_ahead() {
    let f = fixture();
    let total = 60;
    for n in 0..total {
        f.store.record_sale(&f.cashier, &otc_sale(&f, n)).unwrap();
    }
    let store = Arc::new(Store::open(f.store.path()).unwrap());
    let center = Arc::new(FakeCenter::new(Duration::from_millis(20)));
    let handle = sync::spawn(store.clone(), center.clone(), fast_cfg()).unwrap();
    let t = Instant::now();
    while center.applied_count() < 8 {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "worker did not start"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Claimed ahead: more rows `sending` than requests in flight.
    let claimed = store.queue_status().unwrap().sending;
    handle.shutdown().await.unwrap();
    let s = store.queue_status().unwrap();
    assert_eq!((s.sending, s.uncertain), (0, 0), "{s:?}");
    assert_eq!(s.done as usize, center.applied_count());
    assert_eq!(s.pending + s.done, total);
    let given_back = store
        .list_uploads(Some(UploadState::Pending), 1000)
        .unwrap()
        .iter()
        .filter(|r| {
            let log = store.upload_attempt_log(r.id).unwrap();
            log.iter().any(|(o, _)| o == "unsent")
        })
        .count();
    assert!(
        given_back >= 1 && claimed > 4,
        "claimed ahead {claimed}, given back {given_back}"
    );
    {
        let c = center.state.lock().unwrap();
        assert!(c.sends.values().all(|n| *n == 1), "a row was sent twice");
        assert!(c.max_inflight <= 4, "in flight {}", c.max_inflight);
    }
    let status = run_drain(&f, &center, fast_cfg()).await;
    assert_eq!((status.depth, status.done), (0, total), "{status:?}");
    let c = center.state.lock().unwrap();
    assert_eq!((c.applied.len(), c.duplicates), (total as usize, 0));
    assert!(c.sends.values().all(|n| *n == 1), "a row was sent twice");
    assert_eq!(c.resolves, 0, "nothing was left uncertain");
}

/// When the center goes away mid-drain, what was claimed ahead goes back
/// unsent: during the outage no row stays `sending`, and the worker
/// resumes and sends each row once when the center is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claimed_ahead_rows_go_back_to_pending_while_offline() {
    let f = fixture();
    let total = 40;
    for n in 0..total {
        f.store.record_sale(&f.cashier, &otc_sale(&f, n)).unwrap();
    }
    let store = Arc::new(Store::open(f.store.path()).unwrap());
    let center = Arc::new(FakeCenter::new(Duration::from_millis(20)));
    let cfg = SyncConfig {
        probe_interval: Duration::from_millis(50),
        ..fast_cfg()
    };
    let handle = sync::spawn(store.clone(), center.clone(), cfg).unwrap();
    let t = Instant::now();
    while center.applied_count() < 4 {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "worker did not start"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    center.set_online(false);
    let t = Instant::now();
    let unsent = loop {
        let s = store.queue_status().unwrap();
        if s.sending == 0 {
            assert_eq!(s.uncertain, 0, "{s:?}");
            let pending = store
                .list_uploads(Some(UploadState::Pending), 1000)
                .unwrap();
            break pending
                .iter()
                .filter(|r| {
                    store
                        .upload_attempt_log(r.id)
                        .unwrap()
                        .iter()
                        .any(|(o, _)| o == "unsent")
                })
                .count();
        }
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "rows stay `sending` while offline: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(unsent >= 1, "nothing claimed ahead was given back");
    center.set_online(true);
    let t = Instant::now();
    while store.queue_status().unwrap().done < total {
        assert!(t.elapsed() < Duration::from_secs(10), "did not resume");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    handle.shutdown().await.unwrap();
    let c = center.state.lock().unwrap();
    assert_eq!((c.applied.len(), c.duplicates), (total as usize, 0));
    assert!(c.max_inflight <= 4, "in flight {}", c.max_inflight);
}
