//! Issue 17's "done when", end to end: two stores × two counters (four
//! ledgers; each store its own 医保 institution with its own center
//! emulator) receive goods, sell (医保个账 and self-paid OTC) and refund,
//! syncing with the real head office (`rxdesk-hq` over a throwaway
//! PostgreSQL) through a TCP proxy the test cuts and restores mid-run (once
//! between rounds, once while all four counters sync at once); one
//! counter's sync runs as a child process killed (abort at the crash point
//! `chain_push_after_hq_before_cursor`, after head office integrated a batch
//! and before the push cursor moved) and restarted. At the end head office
//! holds every record every counter's changelog produced, exactly once and
//! with identical content, and each store's settlement totals summed at head
//! office across its two counters equal the emulator's books for the day,
//! which a store-wide 3201 answers balanced.

use rust_decimal::Decimal;
use rxdesk_app::chain::{self, ChainError, HqClient, RegisterArgs};
use rxdesk_app::uploader::CenterUploader;
use rxdesk_app::visit::{IdMethod, OtcPayer, RefundIdentity, Tender, VisitService};
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator, Operator};
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use rxdesk_chain::testing::TempPostgres;
use rxdesk_chain::{ChainDb, VersionWindow};
use rxdesk_demo::catalogue::{demo_boxes, demo_stock_csv, emulator_products, DemoBox};
use rxdesk_store::catalogue::catalogue_csv;
use rxdesk_store::inventory::{GoodsIn, GoodsInLine};
use rxdesk_store::reports::SettlementTotals;
use rxdesk_store::sync::{self, SyncConfig, SyncHandle};
use rxdesk_store::Session;
use rxdesk_sync::{PullRequest, RowAction, SyncRecord, PROTOCOL_VERSION};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

const LORA: &str = "YP000003";
const ZHANG_EC: &str = "110000ecdemo0000000000000000000zhangsan";
const T: Duration = Duration::from_secs(10);
/// Set in the child process: the data directory whose ledger it syncs.
const CHILD_DIR: &str = "RXDESK_CHAIN_DONE_WHEN_CHILD";
const CRASH_POINT: &str = "chain_push_after_hq_before_cursor";

// ---------------------------------------------------------------------------
// The TCP proxy in front of head office.

/// Accepts on loopback and copies both ways to `upstream`; `cut` drops the
/// live connections and refuses new ones until `restore`.
struct Proxy {
    port: u16,
    cut: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let live: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (c, l) = (Arc::clone(&cut), Arc::clone(&live));
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if c.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let t = tokio::spawn(async move {
                    if let Ok(mut up) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut up).await;
                    }
                });
                let mut live = l.lock().unwrap();
                live.retain(|h| !h.is_finished());
                live.push(t.abort_handle());
            }
        });
        Proxy {
            port,
            cut,
            live,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for h in self.live.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

// ---------------------------------------------------------------------------
// Head office, the centers and the counters.

struct Hq {
    db: ChainDb,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Hq {
    async fn start() -> Hq {
        let pg = TempPostgres::shared();
        let url = pg.fresh_database().expect("a fresh database");
        let db = ChainDb::open(&url).await.expect("chain database opens");
        let state = rxdesk_hq::AppState::new(
            db.clone(),
            rxdesk_hq::HqConfig {
                admin_token: "admin-secret".into(),
                window: VersionWindow::CURRENT,
                body_limit: rxdesk_hq::DEFAULT_BODY_LIMIT,
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = rxdesk_hq::serve(listener, state).await;
        });
        Hq { db, addr, task }
    }
}

/// One counter: its own data directory and ledger on its store's center.
struct Till {
    name: &'static str,
    _t: tempfile::TempDir,
    dir: PathBuf,
    counter: Counter,
    _worker: SyncHandle,
}

impl Till {
    /// A counter on the center at `base`; `seq` picks its 报文ID range (two
    /// counters of one institution never share one), `terminal` its
    /// terminal number (零售单据号 unique per store).
    async fn new(name: &'static str, base: &str, seq: u16, terminal: Option<u32>) -> Till {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        dir.ensure().unwrap();
        let ca = reqwest::get(format!("{base}/admin/ca.pem"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        std::fs::write(dir.trust().join("demo-ca.pem"), ca).unwrap();
        // The terminal number goes into the desk's 报文IDs and 零售单据号:
        // two counters of one store never share one.
        let settings = Settings {
            center_url: Some(base.to_string()),
            terminal_no: terminal,
            ..Settings::default()
        };
        let counter = Counter::open(&dir, &settings).expect("counter opens");
        let boss = counter.store().login("3001", "demo-manager").unwrap();
        let cat = catalogue_csv(&emulator_products());
        let r = counter
            .store()
            .import_catalogue_csv(&boss, cat.as_bytes())
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let stock: String = demo_stock_csv()
            .split_inclusive("\r\n")
            .enumerate()
            .filter(|(i, l)| *i == 0 || l.starts_with("YP00000"))
            .map(|(_, l)| l)
            .collect();
        let r = counter
            .store()
            .import_stock_csv(&boss, stock.as_bytes())
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        counter
            .login("2001", "demo-pharmacist", Some("pharmacist"))
            .unwrap();
        let till = counter.till();
        if till.current().unwrap().is_none() {
            till.open(&counter.session().unwrap(), "0").unwrap();
        }
        let client = center_client(base, seq);
        let up = Arc::new(CenterUploader::new(
            client,
            Operator::clerk("rxdesk-sync", "后台上传"),
        ));
        let cfg = SyncConfig {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
            probe_interval: Duration::from_millis(200),
            ..SyncConfig::default()
        };
        let worker = sync::spawn(Arc::clone(counter.store()), up, cfg).unwrap();
        Till {
            name,
            dir: t.path().to_path_buf(),
            _t: t,
            counter,
            _worker: worker,
        }
    }

    fn store(&self) -> &Arc<rxdesk_store::Store> {
        self.counter.store()
    }
    fn visits(&self) -> &VisitService {
        self.counter.visits().expect("visit service")
    }
    fn session(&self) -> Session {
        self.counter.session().unwrap()
    }
    fn store_code(&self) -> String {
        self.store().institution().unwrap().expect("institution")
    }

    /// Goods-in of fresh LORA boxes (3503 to the center, stock here).
    fn receive(&self, codes: &[String]) {
        self.store()
            .receive_goods(
                &self.session(),
                &GoodsIn {
                    supplier: "演示医药有限公司".into(),
                    invoice_no: format!("INV-{}", self.name),
                    lines: vec![GoodsInLine {
                        fixmedins_hilist_id: LORA.into(),
                        manu_lotnum: "DW2026".into(),
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

    /// An OTC sale of one LORA box: from 张三's 医保个人账户 (2101/2102 at the
    /// center) or self-paid in cash. The sale id.
    async fn sell(&self, code: &str, account: bool) -> i64 {
        let s = self.session();
        self.visits().otc_start(&s).await.unwrap();
        let o = self.visits().otc_scan(&s, &lora().barcode).await.unwrap();
        assert!(o.ok, "{}: {}", o.code, o.message_zh);
        let o = self.visits().otc_scan(&s, code).await.unwrap();
        assert!(o.ok, "{}: {}", o.code, o.message_zh);
        let payer = if account {
            self.visits()
                .otc_identify(&s, IdMethod::EVoucher, ZHANG_EC, None)
                .await
                .unwrap();
            OtcPayer::PersonalAccount
        } else {
            OtcPayer::SelfPay
        };
        let v = self.visits().otc_checkout(&s, payer).await.unwrap();
        let v2 = self.visits().otc_settle(&s).await.unwrap();
        let cash = v2
            .split
            .clone()
            .or(v.split.clone())
            .map(|x| x.cash_pay)
            .unwrap_or_default();
        if Decimal::from_str(&cash).unwrap_or_default() > Decimal::ZERO {
            self.visits()
                .otc_pay(&s, Tender::parse("cash", Some(&cash), None).unwrap())
                .await
                .unwrap();
        }
        let v = self.visits().otc_complete(&s).await.unwrap();
        v.sale.expect("the completed sale").sale_id
    }

    /// The manager refunds the whole sale (2103 first when it was settled).
    async fn refund(&self, sale_id: i64) {
        self.counter.login("3001", "demo-manager", None).unwrap();
        let boss = self.session();
        self.visits()
            .refund(
                &boss,
                sale_id,
                "顾客退货",
                Some(RefundIdentity {
                    method: "e_voucher".into(),
                    code: ZHANG_EC.into(),
                }),
            )
            .await
            .unwrap();
        self.counter
            .login("2001", "demo-pharmacist", Some("pharmacist"))
            .unwrap();
    }

    /// Waits until the outbox has nothing in flight (each upload state
    /// change is logged for head office too).
    async fn quiet(&self) {
        for _ in 0..400 {
            let q = self.store().queue_status().unwrap();
            if q.pending == 0 && q.sending == 0 && q.uncertain == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{}: the outbox never settled", self.name);
    }

    async fn sync(&self) -> Result<chain::RoundReport, ChainError> {
        chain::sync_once(self.store(), T).await
    }

    fn push_cursor(&self) -> i64 {
        self.store().chain_state().unwrap().unwrap().push_cursor
    }
}

fn center_client(base: &str, seq: u16) -> Arc<CenterClient> {
    let mut p = CenterProfile::demo(base, Family::A).unwrap();
    p.request_timeout = Duration::from_secs(5);
    let gen = MsgIdGenerator::new(&p.institution.fixmedins_code)
        .unwrap()
        .with_sequence_range(seq, seq + 999);
    Arc::new(CenterClient::new(p, Arc::new(gen)).unwrap())
}

fn lora() -> DemoBox {
    demo_boxes()
        .into_iter()
        .find(|b| b.fixmedins_hilist_id == LORA)
        .expect("a LORA demo box")
}

fn fresh_code(n: u64) -> String {
    format!("{}{:013}", &lora().trace_code[..7], 7_200_000_000_000 + n)
}

// ---------------------------------------------------------------------------
// The killed sync: this test binary re-run as a child process.

/// In the child (the variable set): sync the ledger of that data directory
/// once, with whatever crash point the parent armed. Otherwise nothing.
#[test]
fn child_sync() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let store = Arc::new(
        rxdesk_store::Store::open(DataDir::at(&dir).database()).expect("the ledger opens"),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let r = rt.block_on(chain::sync_once(&store, T));
    let r = r.expect("the child's sync round");
    println!("child synced: {} records pushed", r.records_pushed);
}

/// Runs [`child_sync`] for `dir` in a child process, `crash` armed or not.
fn run_child(dir: &Path, crash: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args(["child_sync", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env_remove(rxdesk_store::crashpoint::ENV);
    if let Some(c) = crash {
        cmd.env(rxdesk_store::crashpoint::ENV, c);
    }
    cmd.output().expect("the child runs")
}

// ---------------------------------------------------------------------------
// Head office's view of each counter's records.

/// Every record head office holds from `source` (upserts and deletes), as
/// `sibling`'s pull delivers them from cursor 0 (a pull never returns the
/// puller's own records, so a counter's records are read through its
/// sibling). Fails on a record id delivered twice.
async fn hq_records_of(sibling: &Till, source: &Till) -> BTreeMap<String, SyncRecord> {
    let source_site = source
        .store()
        .chain_state()
        .unwrap()
        .unwrap()
        .registration
        .site_id;
    let st = sibling.store().chain_state().unwrap().unwrap();
    let client = HqClient::for_store(sibling.store(), T).unwrap();
    let mut out = BTreeMap::new();
    let mut cursor = 0;
    loop {
        let page = client
            .pull(&PullRequest {
                site_id: st.registration.site_id,
                protocol_version: PROTOCOL_VERSION,
                after_cursor: cursor,
                limit: 500,
            })
            .await
            .unwrap();
        for r in page.records {
            if r.source_site == source_site {
                let id = r.record_id.to_string();
                assert!(
                    out.insert(id.clone(), r).is_none(),
                    "{}: record {id} delivered twice",
                    source.name
                );
            }
        }
        if !page.more || page.next_cursor <= cursor {
            break;
        }
        cursor = page.next_cursor;
    }
    out
}

fn json(r: &SyncRecord) -> Value {
    serde_json::to_value(&r.data).unwrap()
}

/// The center's own books for the day: settlements that stand (not
/// reversed), summed.
async fn center_totals(base: &str) -> SettlementTotals {
    let books: Value = serde_json::from_slice(
        &reqwest::get(format!("{base}/admin/books"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    let d = |v: &Value| match v {
        Value::String(s) => Decimal::from_str(s).unwrap(),
        other => Decimal::from_str(&other.to_string()).unwrap(),
    };
    let (mut n, mut med, mut fund, mut acct, mut cash) = (
        0u64,
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
    );
    for s in books["settlements"].as_array().unwrap() {
        if s["reversed"].as_bool() == Some(true) {
            continue;
        }
        n += 1;
        med += d(&s["medfee_sumamt"]);
        fund += d(&s["fund_pay_sumamt"]);
        acct += d(&s["acct_pay"]);
        cash += d(&s["psn_cash_pay"]);
    }
    totals(n, med, fund, acct, cash)
}

fn totals(n: u64, med: Decimal, fund: Decimal, acct: Decimal, cash: Decimal) -> SettlementTotals {
    let a = |x: Decimal| format!("{:.2}", x.round_dp(2));
    SettlementTotals {
        count: n,
        medfee_sumamt: a(med),
        fund_pay_sumamt: a(fund),
        acct_pay: a(acct),
        psn_cash_pay: a(cash),
    }
}

// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_two_counters_through_a_cut_link_and_a_killed_sync_hq_equals_the_union() {
    let started = Instant::now();
    let hq = Hq::start().await;
    let proxy = Proxy::start(hq.addr).await;

    // Two stores, each its own institution at its own center.
    let center1: SimHandle = serve(SimConfig::default()).await.unwrap();
    let center2: SimHandle = serve(SimConfig::default()).await.unwrap();
    let (b1, b2) = (center1.base_url(), center2.base_url());
    let a1 = Till::new("A1", &b1, 4000, Some(0)).await;
    let a2 = Till::new("A2", &b1, 5000, Some(1)).await;
    let c1 = Till::new("C1", &b2, 4000, Some(0)).await;
    let c2 = Till::new("C2", &b2, 5000, Some(1)).await;
    let store2 = "P11010500099";
    for t in [&c1, &c2] {
        t.store().set_institution(store2, "二号店").unwrap();
    }
    let store1 = a1.store_code();
    assert_ne!(store1, store2);
    let code1 = hq.db.add_store(&store1, "一号店", 0).await.unwrap();
    let code2 = hq.db.add_store(store2, "二号店", 0).await.unwrap();
    let tills = [&a1, &a2, &c1, &c2];
    for (i, t) in tills.iter().enumerate() {
        let (code, no) = if i < 2 {
            (&code1, i as u16 + 1)
        } else {
            (&code2, i as u16 - 1)
        };
        chain::register(
            t.store(),
            &RegisterArgs {
                hq_url: proxy.url(),
                store_code: t.store_code(),
                counter_no: no,
                registration_code: code.clone(),
            },
            T,
        )
        .await
        .unwrap_or_else(|e| panic!("{} registers: {e}", t.name));
    }

    // Morning: goods in, one 个账 sale each, synced.
    let mut codes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (i, t) in tills.iter().enumerate() {
        let c: Vec<String> = (0..3).map(|k| fresh_code(i as u64 * 10 + k)).collect();
        t.receive(&c);
        t.sell(&c[0], true).await;
        codes.insert(t.name, c);
    }
    for t in tills {
        t.quiet().await;
        t.sync().await.unwrap_or_else(|e| panic!("{}: {e}", t.name));
    }

    // The link to head office is cut: the counters sell on, sync fails.
    proxy.cut();
    for t in tills {
        t.sell(&codes[t.name][1], false).await;
    }
    for t in tills {
        let e = t.sync().await.unwrap_err();
        assert!(matches!(e, ChainError::Unreachable(_)), "{}: {e:?}", t.name);
        assert!(chain::chain_status(t.store()).unwrap().backlog > 0);
    }
    proxy.restore();

    // A third sale each (个账), to be refunded later.
    let mut to_refund = Vec::new();
    for t in tills {
        to_refund.push(t.sell(&codes[t.name][2], true).await);
    }
    for t in [&a1, &c1, &c2] {
        t.quiet().await;
        t.sync().await.unwrap_or_else(|e| panic!("{}: {e}", t.name));
    }

    // A2's sync in a child process, killed after head office integrated its
    // first batch and before the push cursor moved; then restarted.
    a2.quiet().await;
    let before = a2.push_cursor();
    let sales_before = hq.db.record_counts().await.unwrap()["sale"];
    let out = run_child(&a2.dir, Some(CRASH_POINT));
    assert!(
        !out.status.success(),
        "the armed child must die: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("crashpoint: {CRASH_POINT}")),
        "killed at the crash point: {stderr}"
    );
    assert_eq!(a2.push_cursor(), before, "the cursor did not move");
    assert!(
        hq.db.record_counts().await.unwrap()["sale"] > sales_before,
        "head office integrated the killed child's batch"
    );
    let out = run_child(&a2.dir, None);
    assert!(
        out.status.success(),
        "the restarted sync: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(a2.push_cursor() > before);

    // Afternoon: every counter refunds its third sale; the link is cut
    // once more while some have synced and others not.
    for (t, sale) in tills.iter().zip(&to_refund) {
        t.refund(*sale).await;
    }
    a1.quiet().await;
    a1.sync().await.unwrap();
    proxy.cut();
    assert!(c1.sync().await.is_err());
    proxy.restore();

    // The link cut while all four counters sync at once: a push may be
    // integrated at head office with its answer lost (the cursor stays, the
    // batch is pushed again), a pull may die mid-page.
    for t in tills {
        t.quiet().await;
    }
    let running: Vec<_> = tills
        .iter()
        .map(|t| {
            let s = Arc::clone(t.store());
            tokio::spawn(async move { chain::sync_once(&s, T).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(15)).await;
    proxy.cut();
    for (t, r) in tills.iter().zip(running) {
        match r.await.unwrap() {
            Ok(_) => {}
            Err(ChainError::Unreachable(_)) => eprintln!("{}: cut mid-sync", t.name),
            Err(e) => panic!("{}: {e:?}", t.name),
        }
    }
    proxy.restore();

    // Evening: everything settles and syncs until no counter has a backlog
    // (pulls mark sibling boxes, which are pushed again).
    for round in 0..5 {
        for t in tills {
            t.quiet().await;
            t.sync()
                .await
                .unwrap_or_else(|e| panic!("{} round {round}: {e}", t.name));
        }
        let mut idle = true;
        for t in tills {
            t.quiet().await;
            idle &= chain::chain_status(t.store()).unwrap().backlog == 0;
        }
        if idle {
            break;
        }
        assert!(round < 4, "the backlogs never drained");
    }

    // Head office equals the union of the four ledgers.
    let siblings = [(&a1, &a2), (&a2, &a1), (&c1, &c2), (&c2, &c1)];
    let mut all_ids = BTreeSet::new();
    for (t, sib) in siblings {
        let local = t.store().chain_full_record_set().unwrap();
        assert!(local.len() > 20, "{}: {} records", t.name, local.len());
        let at_hq = hq_records_of(sib, t).await;
        let local_ids: BTreeSet<String> = local.iter().map(|r| r.record_id.to_string()).collect();
        assert_eq!(local_ids.len(), local.len(), "{}: ids unique", t.name);
        let hq_live: BTreeSet<_> = at_hq
            .values()
            .filter(|r| r.action == RowAction::Upsert)
            .map(|r| r.record_id.to_string())
            .collect();
        let lost: Vec<_> = local_ids.difference(&hq_live).collect();
        let extra: Vec<_> = hq_live.difference(&local_ids).collect();
        assert!(lost.is_empty(), "{}: not at head office: {lost:?}", t.name);
        assert!(
            extra.is_empty(),
            "{}: only at head office: {extra:?}",
            t.name
        );
        for r in &local {
            let h = &at_hq[&r.record_id.to_string()];
            assert_eq!(h.table, r.table, "{}: {}", t.name, r.record_id);
            assert_eq!(json(h), json(r), "{}: {} differs", t.name, r.record_id);
            assert_eq!(h.store_code, t.store_code());
        }
        for id in at_hq.keys() {
            assert!(all_ids.insert(id.clone()), "{id} held for two counters");
        }
        eprintln!(
            "{}: {} records, all at head office once and identical",
            t.name,
            local.len()
        );
    }
    let counts = hq.db.record_counts().await.unwrap();
    let mirrored: i64 = counts
        .iter()
        .filter(|(t, _)| **t != "product")
        .map(|(_, n)| *n)
        .sum();
    assert_eq!(
        mirrored as usize,
        all_ids.len(),
        "no mirror row beyond the counters' records: {counts:?}"
    );
    assert_eq!(counts["sale"], 12);
    assert_eq!(counts["refund"], 4);
    assert_eq!(counts["trace_code"], 12);

    // Each store's 3201 balances with store-wide totals from head office.
    let day_view = rxdesk_chain::views::reconciliation(&hq.db).await.unwrap();
    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    let day = now.date_naive();
    for (store, base, a, b) in [
        (&store1, &b1, &a1, &a2),
        (&store2.to_string(), &b2, &c1, &c2),
    ] {
        let v = day_view
            .iter()
            .find(|d| &d.store_code == store && d.day == day.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| panic!("{store}: no reconciliation row: {day_view:?}"));
        assert_eq!(v.counters, 2, "{store}: both counters settled");
        let at_hq = totals(
            v.settlements as u64,
            v.medfee_sumamt,
            v.fund_pay_sumamt,
            v.acct_pay,
            v.psn_cash_pay,
        );
        let center = center_totals(base).await;
        assert_eq!(
            at_hq, center,
            "{store}: head office's sum = the center's books"
        );
        assert_eq!(
            at_hq.count, 2,
            "one 个账 sale stands per counter (the other refunded)"
        );
        // The regulator's figure of fund paid is net of the refunds, as the center's books are.
        let reg = rxdesk_chain::views::regulator(&hq.db).await.unwrap();
        let figures = reg
            .iter()
            .find(|r| &r.store_code == store)
            .unwrap_or_else(|| panic!("{store}: no regulator row: {reg:?}"));
        assert_eq!(
            figures.fund_paid, v.fund_pay_sumamt,
            "{store}: net fund paid"
        );
        assert_eq!(figures.refunds, 2, "{store}: one refund per counter");
        let client = center_client(base, 9000);
        let op = Operator::clerk("3001", "店长");
        // The store-wide 3201 once per 险种 head office saw that day (the
        // demo sales are all one 险种: one entry, the whole day).
        assert_eq!(v.by_insutype.len(), 1, "{store}: {:?}", v.by_insutype);
        for t in &v.by_insutype {
            let part = totals(
                t.settlements as u64,
                t.medfee_sumamt,
                t.fund_pay_sumamt,
                t.acct_pay,
                t.psn_cash_pay,
            );
            assert_eq!(part, at_hq, "{store}: the one 险种 is the whole day");
            let check = rxdesk_app::reconcile::reconcile_store_totals(
                &client,
                op.clone(),
                day,
                &t.insutype,
                &part,
            )
            .await
            .unwrap();
            assert!(
                check.balanced,
                "{store} {}: {}",
                t.insutype, check.stmt_rslt_dscr
            );
        }
        // One counter's own totals are not the store's: 不平.
        let (from, to) = rxdesk_store::reports::day_range_ms(day);
        let one = SettlementTotals::of(&a.store().settlements_between(from, to).unwrap());
        assert!(one.count > 0 && one.count < at_hq.count);
        let check = rxdesk_app::reconcile::reconcile_store_totals(&client, op, day, "", &one)
            .await
            .unwrap();
        assert!(
            !check.balanced,
            "{store}: one counter alone must not balance"
        );
        let _ = b;
    }
    eprintln!("done-when test: {:.1} s", started.elapsed().as_secs_f64());
    drop(proxy);
    hq.task.abort();
    center1.shutdown().await;
    center2.shutdown().await;
}
