//! Chain sync against the real head office (`rxdesk-hq` over a throwaway
//! PostgreSQL, `rxdesk_chain::testing::TempPostgres`) with counters on the
//! center emulator (issue 17): registration; a sale pushed appears at head
//! office exactly once; head office out of reach → sales go on, the backlog
//! grows and the status says so, then drains when it is back; a crash
//! between head office's integration and the cursor's advance re-pushes
//! harmlessly; two counters of one store share a box's state; a transfer
//! out of one store is received once by the other.

mod common;

use common::hq::{ibu_boxes, quiet, register, sell, store_code, Hq, IBU};
use common::*;
use rxdesk_app::chain::{self, ChainConfig, ChainError, ChainWorker, HqClient, RegisterArgs};
use rxdesk_store::inventory::{GoodsIn, GoodsInLine};
use std::sync::Arc;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

/// Head office with one store of two counters, both registered: A and B,
/// each with its own terminal number.
async fn one_store_two_counters() -> (Hq, Rig, Rig) {
    let hq = Hq::start().await;
    let a = Rig::new().await;
    let b = Rig::new().await;
    b.counter.store().set_terminal_no(1).unwrap();
    let code = hq.db.add_store(&store_code(&a), "一号店", 0).await.unwrap();
    register(&a, &hq, 1, &code).await;
    register(&b, &hq, 2, &code).await;
    (hq, a, b)
}

fn fresh_code(n: u64) -> String {
    format!(
        "{}{:013}",
        &ibu_boxes()[0].trace_code[..7],
        7_100_000_000_000 + n
    )
}

fn receive(rig: &Rig, codes: &[String]) {
    rig.counter
        .store()
        .receive_goods(
            &rig.session(),
            &GoodsIn {
                supplier: "演示医药有限公司".into(),
                invoice_no: "INV-CHAIN".into(),
                lines: vec![GoodsInLine {
                    fixmedins_hilist_id: IBU.into(),
                    manu_lotnum: "CH2026".into(),
                    manu_date: "2026-01-01".into(),
                    expy_end: "2099-01-01".into(),
                    boxes: codes.to_vec(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_registers_pushes_once_survives_hq_down_and_a_crash_before_the_cursor() {
    let mut hq = Hq::start().await;
    let rig = Rig::new().await;
    let store = Arc::clone(rig.counter.store());
    let code = hq
        .db
        .add_store(&store_code(&rig), "一号店", 0)
        .await
        .unwrap();

    // A wrong registration code is refused with a sentence.
    let bad = chain::register(
        &store,
        &RegisterArgs {
            hq_url: hq.url(),
            store_code: store_code(&rig),
            counter_no: 1,
            registration_code: "not-the-code".into(),
        },
        T,
    )
    .await
    .unwrap_err();
    assert_eq!(bad.code(), "bad_registration_code", "{bad}");
    assert!(!chain::chain_status(&store).unwrap().registered);

    register(&rig, &hq, 1, &code).await;
    let st = chain::chain_status(&store).unwrap();
    assert!(st.registered);
    assert!(st.backlog > 0, "the ledger's history waits to be pushed");
    // The whole history (the demo goods-in) is pushed on the first round.
    quiet(&rig).await;
    let r = chain::sync_once(&store, T).await.unwrap();
    assert!(r.records_pushed > 0);
    assert_eq!(chain::chain_status(&store).unwrap().backlog, 0);
    assert!(hq.count("stock_box").await > 0);
    assert_eq!(hq.count("sale").await, 0);

    // A sale appears at head office exactly once, however often we sync.
    let ibu = ibu_boxes();
    sell(&rig, std::slice::from_ref(&ibu[0].trace_code)).await;
    chain::sync_once(&store, T).await.unwrap();
    chain::sync_once(&store, T).await.unwrap();
    assert_eq!(hq.count("sale").await, 1);
    assert_eq!(hq.count("trace_code").await, 1);

    // Head office down: the counter keeps selling, the backlog grows and
    // the status says why.
    hq.stop().await;
    sell(&rig, std::slice::from_ref(&ibu[1].trace_code)).await;
    let e = chain::sync_once(&store, T).await.unwrap_err();
    assert!(matches!(e, ChainError::Unreachable(_)), "{e:?}");
    let st = chain::chain_status(&store).unwrap();
    assert!(st.backlog > 0);
    let err = st.error.expect("the error is shown");
    assert_eq!(err.code, "hq_unreachable");
    assert!(err.message_zh.contains("照常收银"), "{}", err.message_zh);
    // The worker keeps trying and publishes the same.
    let worker = ChainWorker::start(
        Arc::clone(&store),
        ChainConfig {
            interval: Duration::from_secs(3600),
            retry_min: Duration::from_millis(200),
            timeout: Duration::from_secs(2),
        },
    )
    .unwrap();
    // One worker per ledger.
    assert!(matches!(
        chain::sync_once(&store, T).await,
        Err(ChainError::Busy(_))
    ));
    let mut status = worker.status();

    // Back: the worker drains the backlog to 0 (sync now).
    quiet(&rig).await;
    hq.restart().await;
    worker.sync_now();
    let drained = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            {
                let s = status.borrow_and_update().clone();
                if s.backlog == 0 && s.error.is_none() && !s.syncing {
                    return s;
                }
            }
            status.changed().await.unwrap();
        }
    })
    .await
    .expect("the backlog drains once head office is back");
    assert!(drained.last_sync_at.is_some());
    worker.stop().await;
    assert_eq!(hq.count("sale").await, 2);

    // A crash after head office integrated a batch but before the cursor
    // moved: the same batch is pushed again on restart — harmless.
    sell(&rig, std::slice::from_ref(&ibu[2].trace_code)).await;
    quiet(&rig).await;
    let client = HqClient::for_store(&store, T).unwrap();
    let (batch, resp) = chain::push_next_batch(&store, &client)
        .await
        .unwrap()
        .expect("a batch");
    assert!(resp.issues.is_empty(), "{:?}", resp.issues);
    let counts = hq.db.record_counts().await.unwrap();
    assert_eq!(counts["sale"], 3);
    let again = store.chain_next_push().unwrap().unwrap();
    assert_eq!(again.records, batch.records, "the same record ids again");
    chain::sync_once(&store, T).await.unwrap();
    assert_eq!(
        hq.db.record_counts().await.unwrap(),
        counts,
        "HQ's counts unchanged"
    );
    assert_eq!(chain::chain_status(&store).unwrap().backlog, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_counters_of_one_store_share_a_box_and_its_sale() {
    let (hq, a, b) = one_store_two_counters().await;

    // Received at A only.
    let x = fresh_code(1);
    receive(&a, std::slice::from_ref(&x));
    assert!(b.counter.store().stock_box(&x).unwrap().is_none());
    chain::sync_once(a.counter.store(), T).await.unwrap();
    chain::sync_once(b.counter.store(), T).await.unwrap();
    assert!(b.counter.store().chain_sibling_box(&x).unwrap().is_some());

    // Sold at B: A's box was on the store's shelf.
    sell(&b, std::slice::from_ref(&x)).await;
    chain::sync_once(b.counter.store(), T).await.unwrap();
    let r = chain::sync_once(a.counter.store(), T).await.unwrap();
    assert_eq!(r.own_boxes_sold, 1);
    assert_eq!(
        a.counter.store().stock_box(&x).unwrap().unwrap().state,
        "sold",
        "A marks its own box sold after pulling B's sale"
    );
    // A pushes its box's new state; HQ has the code sold once.
    chain::sync_once(a.counter.store(), T).await.unwrap();
    assert_eq!(hq.count("trace_code").await, 1);

    // The same code scanned at A now is refused, saying where it went.
    let s = a.session();
    a.visits().otc_start(&s).await.unwrap();
    let o = a
        .visits()
        .otc_scan(&s, &ibu_boxes()[0].barcode)
        .await
        .unwrap();
    assert!(o.ok, "{}", o.message_zh);
    let o = a.visits().otc_scan(&s, &x).await.unwrap();
    assert!(!o.ok);
    assert_eq!(o.code, "trace_code_sold_elsewhere", "{}", o.message_zh);
    assert!(o.message_zh.contains("其他收银台"), "{}", o.message_zh);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_out_is_received_once_by_the_other_store() {
    let hq = Hq::start().await;
    let a = Rig::new().await;
    let c = Rig::new().await;
    let other = "P11010500099";
    c.counter.store().set_institution(other, "二号店").unwrap();
    let code_a = hq.db.add_store(&store_code(&a), "一号店", 0).await.unwrap();
    let code_c = hq.db.add_store(other, "二号店", 0).await.unwrap();
    register(&a, &hq, 1, &code_a).await;
    register(&c, &hq, 1, &code_c).await;

    let y = fresh_code(2);
    receive(&a, std::slice::from_ref(&y));
    let t = a
        .counter
        .store()
        .transfer_out(&a.session(), other, std::slice::from_ref(&y))
        .unwrap();
    assert_eq!(
        a.counter.store().stock_box(&y).unwrap().unwrap().state,
        "transferred"
    );
    chain::sync_once(a.counter.store(), T).await.unwrap();
    let r = chain::sync_once(c.counter.store(), T).await.unwrap();
    assert_eq!(r.transfers_received, 1);
    let boxed = c.counter.store().stock_box(&y).unwrap().expect("received");
    assert_eq!(boxed.state, "in_stock");
    let docs = c.counter.store().transfers().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (docs[0].direction.as_str(), docs[0].doc_no.as_str()),
        ("in", t.doc_no.as_str())
    );
    // The paired in-document reaches head office; nothing is received twice.
    let r = chain::sync_once(c.counter.store(), T).await.unwrap();
    assert_eq!(r.transfers_received, 0);
    assert_eq!(hq.count("transfer").await, 2);
    assert_eq!(c.counter.store().transfers().unwrap().len(), 1);
    let received_by = docs[0].received_by.clone();
    assert!(
        !received_by.is_empty(),
        "the in document names who received"
    );
    let received_at = docs[0].received_at.expect("and when");

    // The receipt goes back to A: A's own out document says received, who, when.
    let sent = a.counter.store().transfers().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].state, "sent");
    let r = chain::sync_once(a.counter.store(), T).await.unwrap();
    assert_eq!(r.transfers_confirmed, 1, "{r:?}");
    assert_eq!(r.transfers_received, 0);
    let sent = a.counter.store().transfers().unwrap();
    assert_eq!(sent.len(), 1, "the sender writes no second document");
    assert_eq!(
        (sent[0].direction.as_str(), sent[0].state.as_str()),
        ("out", "received")
    );
    assert_eq!(sent[0].received_by, received_by);
    assert_eq!(sent[0].received_at, Some(received_at));
    let r = chain::sync_once(a.counter.store(), T).await.unwrap();
    assert_eq!(r.transfers_confirmed, 0, "{r:?}");
    // The change is A's own record, pushed: head office holds A's document
    // as received, and C (which pulls it again) neither receives twice nor
    // writes a second in document.
    let r = chain::sync_once(c.counter.store(), T).await.unwrap();
    assert_eq!((r.transfers_received, r.transfers_confirmed), (0, 0));
    assert_eq!(c.counter.store().transfers().unwrap().len(), 1);
    assert_eq!(hq.count("transfer").await, 2);
    assert_eq!(
        hq.transfers_seen_by(other, &code_c).await,
        vec![
            (
                "in".to_string(),
                "received".to_string(),
                received_by.clone()
            ),
            (
                "out".to_string(),
                "received".to_string(),
                received_by.clone()
            )
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_sold_at_two_counters_blocks_the_second_batch_and_is_shown() {
    let (hq, a, b) = one_store_two_counters().await;
    // Both counters sold the same box before either synced (offline).
    let ibu = ibu_boxes();
    sell(&a, std::slice::from_ref(&ibu[0].trace_code)).await;
    sell(&b, std::slice::from_ref(&ibu[0].trace_code)).await;
    chain::sync_once(a.counter.store(), T).await.unwrap();
    let e = chain::sync_once(b.counter.store(), T).await.unwrap_err();
    let ChainError::BatchRefused { issues } = &e else {
        panic!("{e:?}")
    };
    assert!(
        issues.iter().any(|i| i.code == "trace_code_sold_twice"),
        "{issues:?}"
    );
    // Never skipped: the cursor stays, the status names the record.
    let st = chain::chain_status(b.counter.store()).unwrap();
    assert!(st.backlog > 0);
    assert_eq!(st.error.as_ref().unwrap().code, "batch_refused");
    assert!(!st.issues.is_empty());
    assert!(st.error.unwrap().message_zh.contains("管理界面"));
    // Retried later, still refused (until the manager resolves it).
    // (The backlog itself may grow meanwhile: the outbox's upload states
    // change and are logged too; the push cursor must not move.)
    let cursor = |rig: &Rig| {
        rig.counter
            .store()
            .chain_state()
            .unwrap()
            .unwrap()
            .push_cursor
    };
    let before = cursor(&b);
    assert!(chain::sync_once(b.counter.store(), T).await.is_err());
    assert_eq!(cursor(&b), before);
    assert_eq!(hq.count("trace_code").await, 1);
}

/// The window's event sink, ignored here.
struct NoWindow;

impl rxdesk_app::app::WindowEvents for NoWindow {
    fn scan(
        &self,
        _: Result<rxdesk_app::devices::DeviceScan, rxdesk_app::devices::DeviceScanError>,
    ) {
    }
    fn device(&self, _: rxdesk_app::devices::DeviceNotice) {}
    fn center(&self, _: rxdesk_app::CenterLink) {}
}

fn start_app(home: &std::path::Path) -> rxdesk_app::app::App {
    rxdesk_app::app::App::start(
        rxdesk_app::app::StartOptions {
            data_dir: Some(home.to_path_buf()),
            center_probe: Some(Duration::from_secs(5)),
            ..Default::default()
        },
        tokio::runtime::Handle::current(),
        Arc::new(NoWindow),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_start_runs_the_chain_worker_once_the_ledger_is_registered() {
    let hq = Hq::start().await;
    let sim = rxdesk_center_sim::serve(rxdesk_center_sim::SimConfig::default())
        .await
        .unwrap();
    std::env::set_var("RXDESK_CENTER_URL", sim.base_url());
    let t = tempfile::tempdir().unwrap();
    let home = t.path().join("home");
    let app = start_app(&home);
    app.choose_demo(None).unwrap();
    // Not registered: no worker, nothing sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(app.chain.status().is_none());
    let store = Arc::clone(app.counter.as_ref().unwrap().store());
    let code = hq
        .db
        .add_store(&store.institution().unwrap().unwrap(), "一号店", 0)
        .await
        .unwrap();
    chain::register(
        &store,
        &RegisterArgs {
            hq_url: hq.url(),
            store_code: store.institution().unwrap().unwrap(),
            counter_no: 1,
            registration_code: code,
        },
        T,
    )
    .await
    .unwrap();
    // Something written while registered: a till shift opened.
    let counter = app.counter.as_ref().unwrap();
    let (login, _, role, password) = rxdesk_app::operators::DEMO_OPERATORS[0];
    counter.login(login, password, Some(role.code())).unwrap();
    if counter.till().current().unwrap().is_none() {
        counter
            .till()
            .open(&counter.session().unwrap(), "0")
            .unwrap();
    }
    drop(store);
    tokio::task::spawn_blocking(move || app.stop())
        .await
        .unwrap();

    // Started again: the registered ledger syncs in the background.
    let app = start_app(&home);
    let mut status = None;
    for _ in 0..100 {
        status = app.chain.status();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut status = status.expect("the chain worker runs");
    let s = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            {
                let s = status.borrow_and_update().clone();
                if s.last_sync_at.is_some() && s.backlog == 0 && !s.syncing {
                    return s;
                }
            }
            status.changed().await.unwrap();
        }
    })
    .await
    .expect("the first round pushes the ledger's history");
    assert!(s.registered && s.error.is_none(), "{s:?}");
    assert_eq!(hq.count("till_shift").await, 1, "the till shift reached HQ");
    tokio::task::spawn_blocking(move || app.stop())
        .await
        .unwrap();
    sim.shutdown().await;
}

/// Packs on this counter's books in the batch with this number.
fn packs_in_batch(rig: &Rig, drug_id: i64, bchno: &str) -> rust_decimal::Decimal {
    rig.counter
        .store()
        .stock_batches(drug_id)
        .unwrap()
        .into_iter()
        .filter(|b| b.fixmedins_bchno == bchno)
        .map(|b| b.quantity)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sibling_box_taken_for_a_sale_that_did_not_happen_goes_back() {
    // Head office is kept running (its task lives in `_hq`).
    let (_hq, a, b) = one_store_two_counters().await;

    let x = fresh_code(11);
    receive(&a, std::slice::from_ref(&x));
    chain::sync_once(a.counter.store(), T).await.unwrap();
    chain::sync_once(b.counter.store(), T).await.unwrap();
    let sib = b.counter.store().chain_sibling_box(&x).unwrap().unwrap();
    let drug = sib.drug_id.expect("B's catalogue has the drug");
    let bchno = sib.fixmedins_bchno.clone();
    let zero = rust_decimal::Decimal::ZERO;
    assert_eq!(packs_in_batch(&b, drug, &bchno), zero);

    // Scanned at B into an OTC sale: taken onto B's books.
    let s = b.session();
    let barcode = ibu_boxes()[0].barcode.clone();
    b.visits().otc_start(&s).await.unwrap();
    assert!(b.visits().otc_scan(&s, &barcode).await.unwrap().ok);
    let o = b.visits().otc_scan(&s, &x).await.unwrap();
    assert!(o.ok, "{}: {}", o.code, o.message_zh);
    assert_eq!(packs_in_batch(&b, drug, &bchno), rust_decimal::Decimal::ONE);

    // Cancelled: the box leaves B's books again (A still has it in stock).
    b.visits().otc_cancel(&s).await.unwrap();
    assert_eq!(
        packs_in_batch(&b, drug, &bchno),
        zero,
        "a cancelled sale gives the sibling's box back"
    );
    assert_eq!(
        a.counter.store().stock_box(&x).unwrap().unwrap().state,
        "in_stock"
    );

    // Taken again and left behind by a new sale: given back too.
    b.visits().otc_start(&s).await.unwrap();
    assert!(b.visits().otc_scan(&s, &barcode).await.unwrap().ok);
    assert!(b.visits().otc_scan(&s, &x).await.unwrap().ok);
    assert_eq!(packs_in_batch(&b, drug, &bchno), rust_decimal::Decimal::ONE);
    b.visits().otc_start(&s).await.unwrap();
    assert_eq!(packs_in_batch(&b, drug, &bchno), zero);
    b.visits().otc_cancel(&s).await.unwrap();

    // Then sold at B for real: taken once, sold once, nothing left over.
    sell(&b, std::slice::from_ref(&x)).await;
    assert_eq!(packs_in_batch(&b, drug, &bchno), zero);
    // A later pass gives nothing back: the code was sold here.
    b.visits().otc_start(&s).await.unwrap();
    assert_eq!(packs_in_batch(&b, drug, &bchno), zero);
    chain::sync_once(b.counter.store(), T).await.unwrap();
    chain::sync_once(a.counter.store(), T).await.unwrap();
    assert_eq!(
        a.counter.store().stock_box(&x).unwrap().unwrap().state,
        "sold"
    );
}
