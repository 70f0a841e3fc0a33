//! Money that is never lost and never taken twice, against the
//! real center emulator on loopback: a settled visit survives a restart and
//! is completed from its settled figures (even when the catalogue price
//! changed); a 2102 that lands after its 2601 was answered "not found" is
//! reversed, not charged twice; 2102's total must equal 2101's; a refund
//! reverses the money (2103, then the self-paid part by its method) before
//! stock, stays put while its 2103 is uncertain, and sends 7208 so the
//! center reopens the prescription.

use rxdesk_app::operators::DEMO_PHARMACIST_EC_TOKEN;
use rxdesk_app::uploader::CenterUploader;
use rxdesk_app::visit::{IdMethod, RefundIdentity, Tender, VisitService, VisitView};
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator, Operator};
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use rxdesk_core::codes::AuditResult;
use rxdesk_demo::catalogue::{demo_boxes, demo_stock_csv, emulator_products, DemoBox};
use rxdesk_store::catalogue::catalogue_csv;
use rxdesk_store::sync::{self, SyncConfig, SyncHandle};
use rxdesk_store::{RefundStep, Session, UploadState};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const AMOX: &str = "XJ01CAA040A001010100001";
const IBU: &str = "XM01AEB080A001010100002";
const WANGFANG_EC: &str = "110000ecdemo00000000000000000000wangfang";

struct Rig {
    _t: tempfile::TempDir,
    dir: DataDir,
    counter: Counter,
    /// The emulator, owned by the first rig of a test (a second counter of
    /// the same pharmacy shares it).
    sim: Option<SimHandle>,
    base: String,
    worker: Option<SyncHandle>,
    terminal_no: Option<u32>,
}

async fn get(base: &str, path: &str) -> Value {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

async fn post(base: &str, path: &str, body: &Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null)
}

async fn clear_faults(base: &str) {
    reqwest::Client::new()
        .delete(format!("{base}/admin/faults"))
        .send()
        .await
        .unwrap();
}

fn accepted(stats: &Value, op: &str) -> u64 {
    stats["by_op"][op]["accepted"].as_u64().unwrap_or(0)
}

impl Rig {
    async fn new() -> Self {
        let sim = serve(SimConfig::default()).await.expect("emulator starts");
        let base = sim.base_url();
        Self::open(Some(sim), base, None, None).await
    }

    /// A counter on terminal `terminal_no` whose desk's next msgid is in the
    /// clock second `second` (its high-water mark is set there before the
    /// desk starts), on the emulator at `base`.
    async fn open(
        sim: Option<SimHandle>,
        base: String,
        terminal_no: Option<u32>,
        second: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Self {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        dir.ensure().unwrap();
        if let Some(at) = second {
            let inst = CenterProfile::demo(&base, Family::A)
                .unwrap()
                .institution
                .fixmedins_code;
            let (lo, _) = rxdesk_center::msgid::serial_range(
                terminal_no.unwrap_or(0),
                rxdesk_center::IdRole::Desk,
            )
            .unwrap();
            let cst = (at + chrono::Duration::hours(8)).format("%Y%m%d%H%M%S");
            std::fs::write(
                dir.root()
                    .join(rxdesk_center::IdRole::Desk.high_water_file()),
                format!("{inst}{cst}{lo:04}"),
            )
            .unwrap();
        }
        let ca = reqwest::get(format!("{base}/admin/ca.pem"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        std::fs::write(dir.trust().join("demo-ca.pem"), ca).unwrap();
        let settings = Settings {
            center_url: Some(base.clone()),
            terminal_no,
            ..Settings::default()
        };
        let counter = Counter::open(&dir, &settings).expect("counter opens");
        // The emulator's six drugs with their stock and boxes (the demo
        // catalogue's 20,000 others are not needed here).
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
        // The demo boxes are received goods (goods-in, 3503): only received
        // boxes can be sold.
        rxdesk_demo::pharmacy::receive_demo_boxes(counter.store(), &boss).unwrap();
        counter
            .login("2001", "demo-pharmacist", Some("pharmacist"))
            .unwrap();
        // A visit needs an open till shift.
        let till = counter.till();
        if till.current().unwrap().is_none() {
            till.open(&counter.session().unwrap(), "0").unwrap();
        }
        Self {
            _t: t,
            dir,
            counter,
            sim,
            base,
            worker: None,
            terminal_no,
        }
    }

    fn sim(&self) -> &SimHandle {
        self.sim.as_ref().expect("this rig owns the emulator")
    }

    fn start_worker(&mut self) {
        let mut p = CenterProfile::demo(&self.base, Family::A).unwrap();
        p.request_timeout = Duration::from_secs(5);
        // The background worker's range of this counter's terminal.
        let gen = MsgIdGenerator::new(&p.institution.fixmedins_code)
            .unwrap()
            .for_terminal(
                self.terminal_no.unwrap_or(0),
                rxdesk_center::IdRole::Background,
            )
            .unwrap();
        let client = Arc::new(CenterClient::new(p, Arc::new(gen)).unwrap());
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
        self.worker = Some(sync::spawn(Arc::clone(self.counter.store()), up, cfg).unwrap());
    }

    fn visits(&self) -> &VisitService {
        self.counter.visits().expect("visit service")
    }

    fn session(&self) -> Session {
        self.counter.session().unwrap()
    }

    async fn stats(&self) -> Value {
        get(&self.base, "/admin/stats").await
    }

    async fn balance(&self, psn_no: &str) -> String {
        let list = get(&self.base, "/admin/persons").await;
        let p = list
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["psn_no"] == psn_no)
            .unwrap()
            .clone();
        match &p["balance"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// Waits until every upload row is done.
    async fn all_uploads_done(&self) {
        for _ in 0..200 {
            let rows = self.counter.store().list_uploads(None, 1000).unwrap();
            if rows.iter().all(|r| r.state == UploadState::Done) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let rows = self.counter.store().list_uploads(None, 1000).unwrap();
        panic!("uploads not delivered: {rows:?}");
    }

    /// 王芳 (PSN1101000003) gets a fresh prescription from the hospital;
    /// she identifies by e-voucher and it is opened from the 7202 list.
    async fn open_fresh(&self, lines: Value, diag: &str) -> VisitView {
        self.open_fresh_for("PSN1101000003", WANGFANG_EC, "王芳", lines, diag)
            .await
    }

    async fn open_fresh_for(
        &self,
        psn_no: &str,
        ec: &str,
        name: &str,
        lines: Value,
        diag: &str,
    ) -> VisitView {
        post(
            &self.base,
            "/admin/prescriptions",
            &json!({"hospital": "H11010100001", "psn_no": psn_no, "lines": lines,
                    "valid_days": 7, "rept_flag": false, "max_rept_cnt": 0, "diag_name": diag, "label": diag}),
        )
        .await;
        let s = self.session();
        let v = self.visits().start(&s).await.unwrap();
        assert_eq!(v.state, "started");
        let v = self
            .visits()
            .identify(&s, IdMethod::EVoucher, ec, None, None)
            .await
            .unwrap();
        assert_eq!(v.state, "prescriptions_listed");
        let p = v.patient.as_ref().unwrap();
        assert_eq!(p.name, name);
        assert!(p.certno_masked.contains('*'));
        let auth = v
            .listed
            .iter()
            .find(|r| r.diag_name == diag)
            .expect("the new prescription is listed")
            .auth_rxno
            .clone();
        self.visits().open(&s, &auth).await.unwrap()
    }

    async fn audited(&self) -> VisitView {
        let s = self.session();
        self.visits()
            .shift_start(&s, DEMO_PHARMACIST_EC_TOKEN)
            .await
            .unwrap();
        self.visits()
            .audit(
                &s,
                AuditResult::Approved,
                "处方用药合理，同意调配",
                DEMO_PHARMACIST_EC_TOKEN,
                None,
            )
            .await
            .unwrap()
    }

    async fn scan(&self, code: &str) -> rxdesk_app::visit::ScanOutcome {
        self.visits().scan(&self.session(), code).await.unwrap()
    }
}

fn boxes(codg: &str) -> Vec<DemoBox> {
    demo_boxes()
        .into_iter()
        .filter(|b| b.med_list_codg == codg)
        .collect()
}

/// Scans barcode then trace code; returns the trace-code outcome.
async fn scan_box(rig: &Rig, b: &DemoBox) -> rxdesk_app::visit::ScanOutcome {
    let first = rig.scan(&b.barcode).await;
    assert_eq!(first.code, "barcode_ok", "{}", first.message_zh);
    rig.scan(&b.trace_code).await
}

const LISI_EC: &str = "110000ecdemo000000000000000000000lisi";

/// Settlements at the emulator for a person that still stand (not reversed).
fn standing_settlements(rig: &Rig, psn_no: &str) -> Vec<String> {
    let st = rig.sim().app.st.lock().unwrap();
    st.settlements
        .values()
        .filter(|s| s.psn_no == psn_no && !s.reversed)
        .map(|s| s.setl_id.clone())
        .collect()
}

fn rx_state(rig: &Rig, hi_rxno: &str) -> String {
    let st = rig.sim().app.st.lock().unwrap();
    serde_json::to_value(st.rxs[hi_rxno].state)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// 王芳: one box of 阿莫西林 dispensed and pre-settled.
async fn presettled_amox(rig: &Rig, diag: &str, box_no: usize) -> VisitView {
    let v = rig.open_fresh(json!([[AMOX, 1]]), diag).await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    assert!(scan_box(rig, &boxes(AMOX)[box_no]).await.ok);
    let s = rig.session();
    rig.visits().finish_dispensing(&s).await.unwrap();
    let v = rig.visits().pre_settle(&s).await.unwrap();
    assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
    v
}

/// 李四 (no account): one box of 布洛芬, settled, paid, completed.
async fn sold_ibu(rig: &Rig, diag: &str, pay: Option<&str>) -> VisitView {
    let v = rig
        .open_fresh_for("PSN1101000002", LISI_EC, "李四", json!([[IBU, 1]]), diag)
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    assert!(scan_box(rig, &boxes(IBU)[4]).await.ok);
    let s = rig.session();
    rig.visits().finish_dispensing(&s).await.unwrap();
    rig.visits().pre_settle(&s).await.unwrap();
    let v = rig.visits().settle(&s).await.unwrap();
    assert_eq!(v.state, "settled", "{}", v.next_step_zh);
    match pay {
        Some(code) => rig
            .visits()
            .pay(&s, Tender::parse("scan", None, Some(code)).unwrap())
            .await
            .unwrap(),
        None => rig
            .visits()
            .pay(&s, Tender::parse("cash", Some("100.00"), None).unwrap())
            .await
            .unwrap(),
    };
    let v = rig.visits().complete(&s).await.unwrap();
    assert_eq!(v.state, "receipted", "{}", v.next_step_zh);
    v
}

fn reopen(rig: &Rig) -> Counter {
    let settings = Settings {
        center_url: Some(rig.base.clone()),
        terminal_no: rig.terminal_no,
        ..Settings::default()
    };
    let c = Counter::open(&rig.dir, &settings).unwrap();
    c.login("2001", "demo-pharmacist", Some("pharmacist"))
        .unwrap();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_after_2102_completes_the_sale_from_the_settled_figures() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    presettled_amox(&rig, "支气管炎（重启测试）", 3).await;
    let s = rig.session();
    let v = rig.visits().settle(&s).await.unwrap();
    assert_eq!(v.state, "settled");
    let setl_id = v.split.as_ref().unwrap().setl_id.clone().unwrap();
    let total = v.split.as_ref().unwrap().total.clone();
    let visit_id = v.visit_id.clone();
    // The process dies here: no sale, no 3505/7206.
    let c = reopen(&rig);
    let visits = c.visits().unwrap();
    let s = c.session().unwrap();
    let v = visits
        .current()
        .await
        .expect("the settled visit is shown first");
    assert_eq!(v.visit_id, visit_id);
    assert_eq!(v.state, "settled");
    assert!(v.recovered);
    assert_eq!(v.split.as_ref().unwrap().setl_id.as_ref(), Some(&setl_id));
    assert!(v.next_step_zh.contains(&total), "{}", v.next_step_zh);
    assert!(v.next_step_zh.contains("店长撤销"), "{}", v.next_step_zh);
    // The drugs as settled, named, so the pharmacist finds the right bag.
    assert_eq!(v.recovered_lines.len(), 1, "{:?}", v.recovered_lines);
    assert!(
        v.recovered_lines[0].name.contains("阿莫西林"),
        "{:?}",
        v.recovered_lines
    );
    assert_eq!(v.recovered_lines[0].quantity, "1");
    // Nothing else starts before it is finished.
    assert_eq!(
        visits.start(&s).await.unwrap_err().code(),
        "VISIT_SETTLED_NOT_COMPLETED"
    );
    let v = visits
        .pay(&s, Tender::parse("cash", Some("50.00"), None).unwrap())
        .await
        .unwrap();
    assert!(v.payment.unwrap().paid);
    let v = visits.complete(&s).await.unwrap();
    assert_eq!(v.state, "receipted", "{}", v.next_step_zh);
    assert!(!v.recovered);
    let sale = v.sale.unwrap();
    assert_eq!(sale.total, total);
    let d = c.store().sale_detail(sale.sale_id).unwrap();
    assert_eq!(d.settlement.as_ref().unwrap().setl_id, setl_id);
    assert_eq!(d.lines.len(), 1);
    assert_eq!(
        d.lines[0].trace_codes,
        vec![boxes(AMOX)[3].trace_code.clone()]
    );
    assert!(c.store().open_visits().unwrap().is_empty());
    rig.all_uploads_done().await;
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2102"), 1, "{st}");
    assert_eq!(accepted(&st, "3505"), 1, "{st}");
    assert_eq!(accepted(&st, "7206"), 1, "{st}");
    // A visit left before settlement is closed with its reason at start-up.
    let v = visits.start(&s).await.unwrap();
    visits
        .identify(&s, IdMethod::EVoucher, WANGFANG_EC, None, None)
        .await
        .unwrap();
    let c2 = reopen(&rig);
    assert!(c2.visits().unwrap().current().await.is_none());
    let row = c2.store().visit_row(&v.visit_id).unwrap().unwrap();
    assert!(!row.open);
    assert!(row.outcome.contains("尚未完成结算"), "{}", row.outcome);
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.take().unwrap().shutdown().await;
}

/// The visit number restarts at every launch; a visit started in the same
/// second as a closed one from before the restart must not take its ID (the
/// journal keeps a closed visit closed, so the new one would go unjournalled
/// and the old one would be read back in its place).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_started_after_a_restart_never_takes_a_closed_visits_id() {
    let mut rig = Rig::new().await;
    // Closed visits holding every ID the next launch would try first, for
    // the next few seconds.
    let store = rig.counter.store();
    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    let mut taken = Vec::new();
    for s in 0..5 {
        let second = (now + chrono::Duration::seconds(s)).format("%Y%m%d%H%M%S");
        for n in 0..3 {
            let id = format!("V{second}{n:04}");
            store.save_visit(&id, "receipted", "{}").unwrap();
            store.close_visit(&id, "completed").unwrap();
            taken.push(id);
        }
    }
    let c = reopen(&rig);
    let visits = c.visits().unwrap();
    let s = c.session().unwrap();
    let v = visits.start(&s).await.unwrap();
    assert!(!taken.contains(&v.visit_id), "{} reused", v.visit_id);
    let row = c
        .store()
        .visit_row(&v.visit_id)
        .unwrap()
        .expect("journalled");
    assert!(row.open, "the new visit is journalled open");
    for id in &taken {
        let old = c.store().visit_row(id).unwrap().unwrap();
        assert!(!old.open && old.outcome == "completed", "{id} untouched");
    }
    rig.sim.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_change_between_2102_and_completion_sells_at_the_settled_prices() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    presettled_amox(&rig, "支气管炎（调价测试）", 4).await;
    let s = rig.session();
    let v = rig.visits().settle(&s).await.unwrap();
    assert_eq!(v.state, "settled");
    let total = v.split.as_ref().unwrap().total.clone();
    // The manager re-imports the catalogue with a new price for 阿莫西林.
    let boss = rig.counter.store().login("3001", "demo-manager").unwrap();
    let mut rows = emulator_products();
    let old_price = rows.iter().find(|r| r.med_list_codg == AMOX).unwrap().price;
    for r in rows.iter_mut().filter(|r| r.med_list_codg == AMOX) {
        r.price = "99.990000".parse().unwrap();
    }
    let r = rig
        .counter
        .store()
        .import_catalogue_csv(&boss, catalogue_csv(&rows).as_bytes())
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let v = rig
        .visits()
        .pay(&s, Tender::parse("cash", Some("100.00"), None).unwrap())
        .await
        .unwrap();
    assert!(v.payment.unwrap().paid);
    let v = rig.visits().complete(&s).await.unwrap();
    assert_eq!(v.state, "receipted", "{}", v.next_step_zh);
    let sale = v.sale.unwrap();
    assert_eq!(sale.total, total);
    let d = rig.counter.store().sale_detail(sale.sale_id).unwrap();
    assert_eq!(d.lines[0].price, old_price, "sold at the settled price");
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2102_landing_after_2601_said_not_found_is_reversed_not_charged_twice() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let before = rig.balance("PSN1101000003").await;
    presettled_amox(&rig, "支气管炎（迟到结算）", 5).await;
    let s = rig.session();
    post(&rig.base, "/admin/faults", &json!({"late_2102": true})).await;
    let v = rig.visits().settle(&s).await.unwrap();
    clear_faults(&rig.base).await;
    assert_eq!(v.state, "settlement_uncertain");
    assert_eq!(accepted(&rig.stats().await, "2102"), 0, "held, not applied");
    // 2601 answers 6001; the held 2102 lands right after: the query finds
    // it and it is reversed — nothing stands, nothing was charged.
    let v = rig.visits().resolve_uncertain(&s).await.unwrap();
    assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2102"), 1, "the late one landed: {st}");
    assert!(
        standing_settlements(&rig, "PSN1101000003").is_empty(),
        "the late 2102 is reversed"
    );
    assert_eq!(rig.balance("PSN1101000003").await, before);
    // The patient is settled once, and once only.
    rig.visits().pre_settle(&s).await.unwrap();
    let v = rig.visits().settle(&s).await.unwrap();
    assert_eq!(v.state, "settled", "{}", v.next_step_zh);
    let standing = standing_settlements(&rig, "PSN1101000003");
    assert_eq!(standing.len(), 1, "{standing:?}");
    assert_eq!(Some(&standing[0]), v.split.unwrap().setl_id.as_ref());
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_not_found_2102_is_believed_only_after_the_safety_window() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    presettled_amox(&rig, "支气管炎（窗口测试）", 6).await;
    let s = rig.session();
    // Dropped before the center applied it: 2601 says 6001, 5203 finds nothing.
    post(
        &rig.base,
        "/admin/faults",
        &json!({"reset_before_rate": 1.0}),
    )
    .await;
    let v = rig.visits().settle(&s).await.unwrap();
    clear_faults(&rig.base).await;
    assert_eq!(v.state, "settlement_uncertain");
    let e = rig.visits().resolve_uncertain(&s).await.unwrap_err();
    assert_eq!(e.code(), "SETTLEMENT_NOT_FOUND_YET", "{e}");
    // Still uncertain: no second 2102 may leave.
    assert!(rig.visits().settle(&s).await.is_err());
    assert_eq!(
        rig.visits().current().await.unwrap().state,
        "settlement_uncertain"
    );
    rig.visits()
        .set_settlement_safety_window(Duration::from_millis(0));
    let v = rig.visits().resolve_uncertain(&s).await.unwrap();
    assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2102"), 0);
    assert_eq!(
        st["by_op"]["5203"]["rejected"].as_u64(),
        Some(2),
        "asked twice, not found twice: {st}"
    );
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2102_total_different_from_2101_is_stopped_and_reversed() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let before = rig.balance("PSN1101000003").await;
    let v = presettled_amox(&rig, "支气管炎（金额不符）", 7).await;
    let presettled = v.split.unwrap().total;
    let s = rig.session();
    post(
        &rig.base,
        "/admin/faults",
        &json!({"skew_2102_total": true}),
    )
    .await;
    let v = rig.visits().settle(&s).await.unwrap();
    clear_faults(&rig.base).await;
    assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
    assert!(v.next_step_zh.contains("不一致"), "{}", v.next_step_zh);
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2102"), 1);
    assert_eq!(accepted(&st, "2103"), 1, "reversed at once: {st}");
    assert!(standing_settlements(&rig, "PSN1101000003").is_empty());
    assert_eq!(rig.balance("PSN1101000003").await, before);
    // Nothing can be paid or sold from it; a fresh settlement is right.
    assert!(rig.visits().complete(&s).await.is_err());
    let v = rig.visits().pre_settle(&s).await.unwrap();
    assert_eq!(v.split.as_ref().unwrap().total, presettled);
    let v = rig.visits().settle(&s).await.unwrap();
    assert_eq!(v.state, "settled", "{}", v.next_step_zh);
    assert_eq!(v.split.unwrap().total, presettled);
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_with_a_2103_timeout_returns_no_stock_or_money_until_2103_is_known() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let v = sold_ibu(&rig, "牙痛（退费超时）", Some("134567890123456789")).await;
    let sale = v.sale.unwrap();
    let cash = v.split.unwrap().cash_pay;
    rig.all_uploads_done().await;
    let code = boxes(IBU)[4].trace_code.clone();
    let d = rig.counter.store().sale_detail(sale.sale_id).unwrap();
    let batch = rig
        .counter
        .store()
        .stock_batches(d.lines[0].drug_id)
        .unwrap()
        .into_iter()
        .find(|b| b.fixmedins_bchno == d.lines[0].fixmedins_bchno)
        .unwrap();
    let qty_before = rig.counter.store().batch_quantity(batch.id).unwrap();
    rig.counter.login("3001", "demo-manager", None).unwrap();
    let boss = rig.session();
    let lisi = || {
        Some(RefundIdentity {
            method: "e_voucher".into(),
            code: LISI_EC.into(),
        })
    };
    // Not the patient: refused before anything is sent.
    let e = rig
        .visits()
        .refund(
            &boss,
            sale.sale_id,
            "患者过敏",
            Some(RefundIdentity {
                method: "e_voucher".into(),
                code: WANGFANG_EC.into(),
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REFUND_IDENTITY_MISMATCH");
    // 2103 applied, answer lost: uncertain — nothing goes back.
    post(
        &rig.base,
        "/admin/faults",
        &json!({"reset_after_rate": 1.0, "ops": ["2103"]}),
    )
    .await;
    let e = rig
        .visits()
        .refund(&boss, sale.sale_id, "患者过敏", lisi())
        .await
        .unwrap_err();
    clear_faults(&rig.base).await;
    assert_eq!(e.code(), "REFUND_UNCERTAIN", "{e}");
    let store = rig.counter.store();
    assert_eq!(store.batch_quantity(batch.id).unwrap(), qty_before);
    assert!(store.trace_code_sold(&code).unwrap());
    assert_eq!(
        rig.visits().sales_find(&sale.rtal_docno).unwrap()[0].state,
        "completed"
    );
    let row = store.refund_row(sale.sale_id).unwrap().unwrap();
    assert_eq!(row.step, RefundStep::Uncertain);
    assert!(row.returned.is_empty(), "no money returned");
    // Asked again: 5203 shows it reversed; no second 2103; money by WeChat,
    // then stock, trace codes, 3506 and 7208.
    let r = rig
        .visits()
        .refund(&boss, sale.sale_id, "患者过敏", lisi())
        .await
        .unwrap();
    assert_eq!(r.returned.len(), 1);
    assert_eq!(r.returned[0].method, "wechat");
    assert_eq!(r.returned[0].amount, cash);
    assert!(r.returned[0].reference.starts_with("SIM"));
    assert!(r.receipt_text.contains("微信支付"), "{}", r.receipt_text);
    assert!(!r.receipt_text.contains("现金"), "{}", r.receipt_text);
    assert!(store.batch_quantity(batch.id).unwrap() > qty_before);
    assert!(!store.trace_code_sold(&code).unwrap());
    assert_eq!(
        store.refund_row(sale.sale_id).unwrap().unwrap().step,
        RefundStep::Done
    );
    rig.all_uploads_done().await;
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2103"), 1, "{st}");
    assert_eq!(accepted(&st, "3506"), 1, "{st}");
    assert_eq!(accepted(&st, "7208"), 1, "{st}");
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_sends_7208_and_the_center_reopens_the_prescription() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let v = sold_ibu(&rig, "牙痛（退费7208）", None).await;
    let sale = v.sale.unwrap();
    let cash = v.split.unwrap().cash_pay;
    rig.all_uploads_done().await;
    let hi_rxno = rig.visits().sales_find(&sale.rtal_docno).unwrap()[0]
        .hi_rxno
        .clone()
        .unwrap();
    assert_eq!(rx_state(&rig, &hi_rxno), "used");
    rig.counter.login("3001", "demo-manager", None).unwrap();
    let boss = rig.session();
    // A settled sale is refunded only with the patient identified.
    let e = rig
        .visits()
        .refund(&boss, sale.sale_id, "患者过敏", None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "REFUND_IDENTITY_REQUIRED");
    // The 2103 is refused (center 503 before applying): nothing changed.
    post(
        &rig.base,
        "/admin/faults",
        &json!({"error_rate": 1.0, "ops": ["2103"]}),
    )
    .await;
    let e = rig
        .visits()
        .refund(
            &boss,
            sale.sale_id,
            "患者过敏",
            Some(RefundIdentity {
                method: "e_voucher".into(),
                code: LISI_EC.into(),
            }),
        )
        .await
        .unwrap_err();
    clear_faults(&rig.base).await;
    assert_eq!(e.code(), "REFUND_REFUSED", "{e}");
    assert_eq!(
        rig.counter
            .store()
            .refund_row(sale.sale_id)
            .unwrap()
            .unwrap()
            .step,
        RefundStep::Failed
    );
    assert_eq!(
        rig.visits().sales_find(&sale.rtal_docno).unwrap()[0].state,
        "completed"
    );
    let r = rig
        .visits()
        .refund(
            &boss,
            sale.sale_id,
            "患者过敏",
            Some(RefundIdentity {
                method: "e_voucher".into(),
                code: LISI_EC.into(),
            }),
        )
        .await
        .unwrap();
    assert_eq!(r.upload_ids.len(), 2, "one 3506 and one 7208");
    assert_eq!(r.returned[0].method, "cash");
    assert_eq!(r.returned[0].amount, cash);
    assert!(r.receipt_text.contains("现金"), "{}", r.receipt_text);
    rig.all_uploads_done().await;
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2103"), 1, "{st}");
    assert_eq!(accepted(&st, "7208"), 1, "{st}");
    assert_eq!(rx_state(&rig, &hi_rxno), "reversed");
    assert!(standing_settlements(&rig, "PSN1101000002").is_empty());
    let e = rig
        .visits()
        .refund(&boss, sale.sale_id, "again", None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "ALREADY_REFUNDED");
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_reverses_a_settled_visit_found_at_start_up() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let before = rig.balance("PSN1101000003").await;
    presettled_amox(&rig, "支气管炎（店长撤销）", 0).await;
    let s = rig.session();
    let v = rig.visits().settle(&s).await.unwrap();
    assert_eq!(v.state, "settled");
    let c = reopen(&rig);
    let visits = c.visits().unwrap();
    let s = c.session().unwrap();
    assert!(visits.current().await.unwrap().recovered);
    // A pharmacist may not reverse; a manager may.
    assert_eq!(
        visits.reverse_settled(&s).await.unwrap_err().code(),
        "FORBIDDEN"
    );
    c.login("3001", "demo-manager", None).unwrap();
    let boss = c.session().unwrap();
    let v = visits.reverse_settled(&boss).await.unwrap();
    assert_eq!(v.state, "refunded", "{}", v.next_step_zh);
    assert!(!v.recovered);
    assert!(standing_settlements(&rig, "PSN1101000003").is_empty());
    assert_eq!(rig.balance("PSN1101000003").await, before);
    assert!(c
        .store()
        .settled_attempts_without_sale()
        .unwrap()
        .is_empty());
    assert!(c.store().open_visits().unwrap().is_empty());
    assert_eq!(visits.start(&boss).await.unwrap().state, "started");
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.take().unwrap().shutdown().await;
}

/// 李四 on `rig`: one box of 布洛芬 (box `box_no`) dispensed and pre-settled.
async fn presettled_ibu(rig: &Rig, diag: &str, box_no: usize) -> VisitView {
    let v = rig
        .open_fresh_for("PSN1101000002", LISI_EC, "李四", json!([[IBU, 1]]), diag)
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    assert!(scan_box(rig, &boxes(IBU)[box_no]).await.ok);
    let s = rig.session();
    rig.visits().finish_dispensing(&s).await.unwrap();
    let v = rig.visits().pre_settle(&s).await.unwrap();
    assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
    v
}

/// Two counters of one pharmacy (terminals 1 and 2) whose desks issue their
/// ids in the same clock second settle at the same moment: each gets its own
/// settlement and sale; the center saw no repeated msgid
/// (docs/decisions/0007).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_counters_settle_in_the_same_second_without_collision() {
    let sim = serve(SimConfig::default()).await.expect("emulator starts");
    let base = sim.base_url();
    // A second far enough ahead that neither desk leaves it during the test
    // (the logical clock never goes back, so every id of both is in it).
    let second = chrono::Utc::now() + chrono::Duration::seconds(60);
    let mut a = Rig::open(Some(sim), base.clone(), Some(1), Some(second)).await;
    let mut b = Rig::open(None, base.clone(), Some(2), Some(second)).await;
    a.start_worker();
    b.start_worker();
    presettled_amox(&a, "同秒结算A", 0).await;
    presettled_ibu(&b, "同秒结算B", 4).await;
    let (sa, sb) = (a.session(), b.session());
    let (va, vb) = tokio::join!(a.visits().settle(&sa), b.visits().settle(&sb));
    let (va, vb) = (va.unwrap(), vb.unwrap());
    assert_eq!(va.state, "settled", "{}", va.next_step_zh);
    assert_eq!(vb.state, "settled", "{}", vb.next_step_zh);
    // Both 2102s carry the same second and their own terminal number.
    let (ma, mb) = {
        let st = a.sim().app.st.lock().unwrap();
        let of = |psn: &str| {
            st.settlements
                .values()
                .find(|s| s.psn_no == psn && !s.reversed)
                .map(|s| s.msgid.clone())
                .expect("a standing settlement")
        };
        (of("PSN1101000003"), of("PSN1101000002"))
    };
    assert_ne!(ma, mb);
    assert_eq!(ma[12..26], mb[12..26], "{ma} / {mb}: not the same second");
    assert_eq!(rxdesk_center::msgid::terminal_of(&ma), Some(1), "{ma}");
    assert_eq!(rxdesk_center::msgid::terminal_of(&mb), Some(2), "{mb}");
    // Each completes its own sale from its own settlement.
    a.visits()
        .pay(&sa, Tender::parse("cash", Some("100.00"), None).unwrap())
        .await
        .unwrap();
    b.visits()
        .pay(&sb, Tender::parse("cash", Some("100.00"), None).unwrap())
        .await
        .unwrap();
    let ca = a.visits().complete(&sa).await.unwrap();
    let cb = b.visits().complete(&sb).await.unwrap();
    assert_eq!(ca.state, "receipted", "{}", ca.next_step_zh);
    assert_eq!(cb.state, "receipted", "{}", cb.next_step_zh);
    let (da, db) = (ca.sale.unwrap().rtal_docno, cb.sale.unwrap().rtal_docno);
    assert_ne!(da, db);
    let stats = a.stats().await;
    let dups: u64 = stats["by_op"]
        .as_object()
        .unwrap()
        .values()
        .map(|o| o["duplicate"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(dups, 0, "{stats}");
    assert_eq!(accepted(&stats, "2102"), 2, "{stats}");
    b.worker.take().unwrap().shutdown().await.unwrap();
    a.worker.take().unwrap().shutdown().await.unwrap();
    a.sim.take().unwrap().shutdown().await;
}

/// Two counters of one pharmacy left on the same terminal number, in the
/// same second: the center refuses the second counter's request (its msgid
/// was used for another request) and the counter says, in words, that the
/// terminal number is probably shared and how to change it; nothing is
/// settled for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_terminal_number_is_detected_with_a_clear_message() {
    let sim = serve(SimConfig::default()).await.expect("emulator starts");
    let base = sim.base_url();
    let second = chrono::Utc::now() + chrono::Duration::seconds(60);
    let mut a = Rig::open(Some(sim), base.clone(), Some(3), Some(second)).await;
    let b = Rig::open(None, base.clone(), Some(3), Some(second)).await;
    a.start_worker();
    presettled_amox(&a, "同号A", 0).await;
    // The second counter: the same steps for another patient reuse the
    // first one's msgids with other content.
    post(
        &base,
        "/admin/prescriptions",
        &json!({"hospital": "H11010100001", "psn_no": "PSN1101000002", "lines": [[IBU, 1]],
                "valid_days": 7, "rept_flag": false, "max_rept_cnt": 0, "diag_name": "同号B", "label": "同号B"}),
    )
    .await;
    let s = b.session();
    b.visits().start(&s).await.unwrap();
    let e = b
        .visits()
        .identify(&s, IdMethod::EVoucher, LISI_EC, None, None)
        .await
        .expect_err("the center refuses a msgid used by the other counter");
    assert!(
        e.message_zh().contains("编号") && e.message_zh().contains("rxdesk terminal --set"),
        "{}: {}",
        e.code(),
        e.message_zh()
    );
    assert!(
        e.message_zh().contains("另一台收银台"),
        "{}",
        e.message_zh()
    );
    let stats = a.stats().await;
    assert!(
        stats["by_op"]["1101"]["rejected"].as_u64().unwrap_or(0) >= 1,
        "{stats}"
    );
    assert!(standing_settlements(&a, "PSN1101000002").is_empty());
    drop(b);
    a.worker.take().unwrap().shutdown().await.unwrap();
    a.sim.take().unwrap().shutdown().await;
}
