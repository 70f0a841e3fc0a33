//! The manager's services against the real center emulator (loopback): the
//! app's upload worker drains the outbox; an upload the center refuses is
//! rejected with the center's words and goes through after the center
//! recovers and the manager retries it; daily reconciliation (3201 + 9101/
//! 3202/9102) balanced on a day without settlements and with differences in
//! words when the ledger has a settlement the center does not.

mod common;

use rxdesk_app::manager::{self, SyncService};
use rxdesk_app::reconcile;
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center_sim::{serve, SimConfig};
use rxdesk_store::ledger::{NewSale, NewSettlement};
use rxdesk_store::{Session, Store, UploadState};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct World {
    _t: tempfile::TempDir,
    dir: DataDir,
    settings: Settings,
    counter: Counter,
    sim: rxdesk_center_sim::SimHandle,
    boss: Session,
    batch: i64,
}

async fn world() -> World {
    let sim = serve(SimConfig::default()).await.expect("emulator starts");
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    dir.ensure().unwrap();
    let settings = Settings {
        center_url: Some(sim.base_url()),
        ..Settings::default()
    };
    let counter = Counter::open(&dir, &settings).expect("counter opens");
    counter
        .login("3001", "demo-manager", Some("manager"))
        .unwrap();
    let boss = counter.session().unwrap();
    let store = counter.store();
    store
        .set_institution(
            rxdesk_center::profile::demo::PHARMACY_CODE,
            rxdesk_center::profile::demo::PHARMACY_NAME,
        )
        .unwrap();
    let batch = common::vitamin_c(store, &boss, "DEMO", 1000);
    World {
        _t: t,
        dir,
        settings,
        counter,
        sim,
        boss,
        batch,
    }
}

fn sale(w: &World, n: u64, settlement: Option<NewSettlement>) -> i64 {
    w.counter
        .store()
        .record_sale(
            &w.boss,
            &NewSale {
                settlement,
                ..common::one_box_sale(w.batch, format!("9{n:019}"))
            },
        )
        .unwrap()
        .sale_id
}

async fn faults(w: &World, body: &str) {
    let c = reqwest::Client::new();
    let url = format!("{}/admin/faults", w.sim.base_url());
    let r = if body.is_empty() {
        c.delete(url).send().await.unwrap()
    } else {
        c.post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    };
    assert!(r.status().is_success(), "fault API answered {}", r.status());
}

async fn wait_for(store: &Store, what: &str, ok: impl Fn(&rxdesk_store::QueueStatus) -> bool) {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let s = store.queue_status().unwrap();
        if ok(&s) {
            return;
        }
        assert!(
            Instant::now() < until,
            "timed out waiting for {what}: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_uploads_and_a_rejected_upload_goes_through_after_retry() {
    let w = world().await;
    let store: Arc<Store> = w.counter.store().clone();
    let sync = SyncService::default();
    sync.start(
        store.clone(),
        manager::background_client(&w.dir, &w.settings),
    );
    assert!(sync.running(), "worker runs: {:?}", sync.problem());

    // A sale's uploads flow while the app runs.
    sale(&w, 1, None);
    sync.wake();
    wait_for(&store, "first sale uploaded", |s| {
        s.done > 0 && s.depth == 0
    })
    .await;
    let done_before = store.queue_status().unwrap().done;

    // The center's clock goes wrong: its gateway refuses every message.
    faults(&w, r#"{"clock_skew_s": 3600}"#).await;
    sale(&w, 2, None);
    sync.wake();
    wait_for(&store, "a rejection", |s| s.rejected > 0).await;
    let rejected = manager::list_queue(&store, &w.boss, Some("rejected"), 50).unwrap();
    let row = &rejected[0];
    assert_eq!(row.row.state, UploadState::Rejected);
    assert!(row.can_retry && row.can_void);
    let words = row.row.last_error.clone().unwrap_or_default();
    assert!(words.contains("300秒"), "the center's own words: {words}");
    let summary = manager::queue_summary(&store, &sync).unwrap();
    assert!(summary.open >= 1);
    assert!(summary.worker_running);
    // Only a manager may look at or act on the queue.
    let cashier = store.login("1001", "demo-cashier").unwrap();
    let e = manager::retry(&store, &sync, &cashier, row.row.id).unwrap_err();
    assert!(e.to_string().contains("只有店长"), "{e}");
    assert!(manager::queue_payload(&store, &cashier, row.row.id).is_err());
    let payload = manager::queue_payload(&store, &w.boss, row.row.id).unwrap();
    assert!(
        payload.trim_start().starts_with('{') && payload.len() > 10,
        "{payload}"
    );

    // The center recovers; the manager retries every rejected row.
    faults(&w, "").await;
    for r in manager::list_queue(&store, &w.boss, Some("rejected"), 50).unwrap() {
        let again = manager::retry(&store, &sync, &w.boss, r.row.id).unwrap();
        assert_eq!(again.row.state, UploadState::Pending);
        assert_ne!(
            again.row.msgid, r.row.msgid,
            "a rejected row is resent under a new msgid"
        );
    }
    wait_for(&store, "everything uploaded", |s| {
        s.depth == 0 && s.rejected == 0 && s.done > done_before
    })
    .await;
    sync.stop().await;
    assert!(!sync.running());
    w.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_balanced_on_an_empty_day_and_differences_in_words() {
    let w = world().await;
    let store = w.counter.store().clone();
    let client = manager::background_client(&w.dir, &w.settings).unwrap();
    let today = rxdesk_store::reports::cst_day(store.now_ms());

    // Nothing sold and nothing settled: the center agrees.
    let head = store.audit_head().unwrap();
    let zero = reconcile::reconcile_day(&store, &client, &w.boss, today)
        .await
        .unwrap();
    assert_eq!(zero.outcome, "balanced", "{:?}", zero.differences);
    assert!(zero.differences.is_empty());
    assert_eq!(zero.local.count, 0);
    assert!(zero.totals.iter().all(|t| t.balanced));
    // The audit log's head (before this reconciliation's own entry) is
    // anchored outside the ledger and printed on the result.
    assert_eq!(
        zero.audit_anchor,
        format!("审计日志锚点 #{} {}…", head.seq, &head.hash[..16])
    );
    // By number and hash too, as a window in another language words it.
    let anchored = zero.audit_anchor_head.as_ref().expect("anchored");
    assert_eq!(
        (anchored.seq, anchored.hash.as_str()),
        (head.seq, &head.hash[..16])
    );
    let anchors = std::fs::read_to_string(store.audit_anchor_path()).unwrap();
    assert!(
        anchors
            .lines()
            .any(|l| l.starts_with(&format!("{}\t{}", head.seq, head.hash))),
        "{anchors}"
    );
    let recorded = manager::reconciliations(&store, &w.boss, 1).unwrap();
    assert!(
        recorded[0].summary.contains(&zero.audit_anchor),
        "{}",
        recorded[0].summary
    );

    // A settlement the center never made: 3201 and 3202 both disagree.
    let amount = |s: &str| rxdesk_core::Amount::from_str(s).unwrap();
    sale(
        &w,
        7,
        Some(NewSettlement {
            setl_id: "LOCALONLY0001".into(),
            mdtrt_id: "MD-LOCAL".into(),
            psn_no: "PSN-LOCAL".into(),
            medfee_sumamt: amount("5.00"),
            fund_pay_sumamt: amount("4.00"),
            psn_part_amt: amount("1.00"),
            acct_pay: amount("1.00"),
            psn_cash_pay: amount("0.00"),
            setl_time: store.now_ms(),
        }),
    );
    let diff = reconcile::reconcile_day(&store, &client, &w.boss, today)
        .await
        .unwrap();
    assert_eq!(diff.outcome, "differences");
    assert_eq!(diff.local.count, 1);
    assert_eq!(diff.local.medfee_sumamt, "5.00");
    assert!(diff.totals.iter().any(|t| !t.balanced));
    assert_eq!(diff.details.len(), 1);
    assert_eq!(diff.details[0].setl_id, "LOCALONLY0001");
    assert!(
        diff.differences
            .iter()
            .any(|d| d.contains("LOCALONLY0001") && d.contains("中心没有")),
        "{:#?}",
        diff.differences
    );
    assert!(
        diff.differences.iter().all(|d| d.contains("请")),
        "each says what to do"
    );
    // The same differences as codes and figures, in the same order: what
    // a window in another language words.
    assert_eq!(diff.notes.len(), diff.differences.len());
    assert!(zero.notes.is_empty());
    let codes: Vec<&str> = diff.notes.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes.first(), Some(&"REC_TOTAL_UNBALANCED"), "{codes:?}");
    let local_only = diff
        .notes
        .iter()
        .find(|n| n.code == "REC_DETAIL_LOCAL_ONLY")
        .expect("the local-only settlement has its code");
    assert_eq!(local_only.params["setlId"], "LOCALONLY0001");
    assert_eq!(local_only.params["medfee"], "5.00");
    assert_eq!(diff.notes[0].params["insutype"], "310");
    assert!(diff
        .notes
        .iter()
        .all(|n| reconcile::NOTE_CODES.contains(&n.code.as_str())));

    // Both results are recorded, newest first; cashiers cannot reconcile.
    let log = manager::reconciliations(&store, &w.boss, 10).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].outcome, "differences");
    assert_eq!(log[1].outcome, "balanced");
    let cashier = store.login("1001", "demo-cashier").unwrap();
    assert!(reconcile::reconcile_day(&store, &client, &cashier, today)
        .await
        .is_err());

    // The center down: recorded as failed, the error says what to do.
    w.sim.shutdown().await;
    let e = reconcile::reconcile_day(&store, &client, &w.boss, today)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("重新对账"), "{e}");
    assert_eq!(
        manager::reconciliations(&store, &w.boss, 1).unwrap()[0].outcome,
        "failed"
    );
}

#[test]
fn figures_and_exports_are_written_for_managers() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let counter = Counter::open(&dir, &Settings::default()).unwrap();
    counter
        .login("3001", "demo-manager", Some("manager"))
        .unwrap();
    let boss = counter.session().unwrap();
    let store = counter.store();
    let f = manager::figures(store, &boss, "2026-01-01", "2026-12-31").unwrap();
    assert_eq!(f.evoucher_target_percent, 30);
    assert!(f.evoucher.is_empty());
    let e = manager::figures(store, &boss, "2026-13-01", "2026-12-31").unwrap_err();
    assert!(e.to_string().contains("年-月-日"), "{e}");
    let e = manager::figures(store, &boss, "2026-12-31", "2026-01-01").unwrap_err();
    assert!(e.to_string().contains("调换"), "{e}");

    let csv = manager::export_figures(
        &dir,
        store,
        &boss,
        "2026-01-01",
        "2026-12-31",
        "csv",
        "演示药店",
    )
    .unwrap();
    let bytes = std::fs::read(&csv.path).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "BOM for Excel");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("医保电子凭证结算占比"));
    assert!(text.contains("\r\n"));
    assert!(csv.path.contains("exports"));
    // Exports name patients' figures: readable by the counter's user only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(std::path::Path::new(&csv.path)), 0o600);
        assert_eq!(mode(&dir.exports()), 0o700);
    }

    // The PDF draws the e-voucher chart once there is a settlement.
    let f = manager::Figures {
        from: "2026-10-01".into(),
        to: "2026-11-30".into(),
        evoucher: vec![
            rxdesk_store::reports::MonthShare {
                month: "2026-10".into(),
                settlements: 40,
                evoucher: 10,
                unknown: 0,
                share_percent: "25.0".into(),
                meets_target: false,
                face: 2,
                face_share_percent: "5.0".into(),
                by_credential: Default::default(),
            },
            rxdesk_store::reports::MonthShare {
                month: "2026-11".into(),
                settlements: 30,
                evoucher: 12,
                unknown: 1,
                share_percent: "40.0".into(),
                meets_target: true,
                face: 3,
                face_share_percent: "10.0".into(),
                by_credential: Default::default(),
            },
        ],
        evoucher_target_percent: 30,
        audits: vec![],
        refunds: vec![],
        price_alerts: vec![],
        price_monitor: Default::default(),
    };
    if let Ok(font) = std::fs::read(manager::export::FONT_PATH) {
        let bytes = manager::export::pdf("演示药店 医保监管报表", "统计期间", &f, &font).unwrap();
        assert!(bytes.starts_with(b"%PDF"));
        if let Ok(dir) = std::env::var("RXDESK_TEST_OUTPUT") {
            std::fs::write(format!("{dir}/manager-figures.pdf"), &bytes).unwrap();
        }
    }
    if std::path::Path::new(manager::export::FONT_PATH).exists() {
        let pdf = manager::export_figures(
            &dir,
            store,
            &boss,
            "2026-01-01",
            "2026-12-31",
            "pdf",
            "演示药店",
        )
        .unwrap();
        let bytes = std::fs::read(&pdf.path).unwrap();
        assert!(bytes.starts_with(b"%PDF"));
        assert!(
            bytes.len() < 2_000_000,
            "font is subset: {} bytes",
            bytes.len()
        );
    }
    let e = manager::export_figures(&dir, store, &boss, "2026-01-01", "2026-12-31", "xls", "x")
        .unwrap_err();
    assert!(e.to_string().contains("CSV 或 PDF"), "{e}");

    let cashier = store.login("1001", "demo-cashier").unwrap();
    assert!(manager::figures(store, &cashier, "2026-01-01", "2026-12-31").is_err());
    assert!(manager::save_csv(&dir, &cashier, "queue", "a,b").is_err());
    let saved = manager::save_csv(&dir, &boss, "../../etc/queue open", "a,b\r\n").unwrap();
    assert!(
        saved.path.contains("/exports/etcqueueopen_"),
        "{}",
        saved.path
    );
}
