//! The counter against the center emulator, shared by the reuse and
//! guidance tests: a fresh ledger with the emulator's catalogue and stock, a
//! pharmacist signed in, the till open and the upload worker running.
#![allow(dead_code)]

pub mod devices;
pub mod hq;
pub mod vitamin_c;
// Not every test binary sells 维生素C片.
#[allow(unused_imports)]
pub use vitamin_c::{one_box_sale, vitamin_c, VITAMIN_C};

use rxdesk_app::operators::DEMO_PHARMACIST_EC_TOKEN;
use rxdesk_app::uploader::CenterUploader;
use rxdesk_app::visit::{IdMethod, Tender, VisitService, VisitView};
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator, Operator};
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use rxdesk_core::codes::AuditResult;
use rxdesk_demo::catalogue::{demo_stock_csv, emulator_products, DemoBox};
use rxdesk_store::catalogue::catalogue_csv;
use rxdesk_store::sync::{self, SyncConfig, SyncHandle};
use rxdesk_store::Session;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const METF: &str = "XA10BAE010A001010100005";
pub const WANGFANG_EC: &str = "110000ecdemo00000000000000000000wangfang";
pub const DIAG: &str = "2型糖尿病（长期处方复用）";
pub const DAY_MS: i64 = 24 * 3600 * 1000;

pub struct Rig {
    _t: tempfile::TempDir,
    /// The ledger's data directory (a test reopens the counter on it: a restart).
    pub dir: DataDir,
    pub counter: Counter,
    _sim: SimHandle,
    pub base: String,
    _worker: SyncHandle,
}

pub async fn get(base: &str, path: &str) -> Value {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

pub async fn post(base: &str, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

impl Rig {
    pub async fn new() -> Self {
        let sim = serve(SimConfig::default()).await.expect("emulator starts");
        let base = sim.base_url();
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
        let settings = Settings {
            center_url: Some(base.clone()),
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
        // The demo boxes are received goods (goods-in, 3503): only received
        // boxes can be sold.
        rxdesk_demo::pharmacy::receive_demo_boxes(counter.store(), &boss).unwrap();
        counter
            .login("2001", "demo-pharmacist", Some("pharmacist"))
            .unwrap();
        let till = counter.till();
        if till.current().unwrap().is_none() {
            till.open(&counter.session().unwrap(), "0").unwrap();
        }
        let mut p = CenterProfile::demo(&base, Family::A).unwrap();
        p.request_timeout = Duration::from_secs(5);
        let gen = MsgIdGenerator::new(&p.institution.fixmedins_code)
            .unwrap()
            .with_sequence_range(4000, 4999);
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
        let worker = sync::spawn(Arc::clone(counter.store()), up, cfg).unwrap();
        Self {
            _t: t,
            dir,
            counter,
            _sim: sim,
            base,
            _worker: worker,
        }
    }
    pub fn visits(&self) -> &VisitService {
        self.counter.visits().expect("visit service")
    }
    pub fn session(&self) -> Session {
        self.counter.session().unwrap()
    }

    /// Both clocks — the ledger's (sales, rules) and the center's — move
    /// `days` ahead.
    pub async fn days_pass(&self, days: i64) {
        self.counter.store().advance_clock(days * DAY_MS);
        post(&self.base, "/admin/clock", json!({"advance_days": days})).await;
    }

    /// The center never hears of the write-off (7206) until `let_through`.
    pub async fn hold_write_offs(&self) {
        post(
            &self.base,
            "/admin/faults",
            json!({"error_rate": 1.0, "ops": ["7206"]}),
        )
        .await;
    }
    pub async fn let_through(&self, hi_rxno: &str, reptd: u64) {
        reqwest::Client::new()
            .delete(format!("{}/admin/faults", self.base))
            .send()
            .await
            .unwrap();
        // The upload worker retries with a short backoff; wait for the
        // center's count (bounded: a lost write-off fails the test).
        for _ in 0..300 {
            if self.center_rx(hi_rxno).await["reptd_cnt"].as_u64() == Some(reptd) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the center never counted {reptd}: {}",
            self.center_rx(hi_rxno).await
        );
    }
    pub async fn center_rx(&self, hi_rxno: &str) -> Value {
        get(&self.base, "/admin/prescriptions")
            .await
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["hi_rxno"] == hi_rxno)
            .cloned()
            .expect("the prescription at the center")
    }

    /// Identify 王芳; the listed reusable prescription's auth, if any.
    /// What the emulator received for one operation (`/admin/uploads`).
    pub async fn uploads(&self, op: &str) -> Vec<Value> {
        get(&self.base, &format!("/admin/uploads?op={op}"))
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn listed(&self) -> Option<String> {
        self.listed_diag(DIAG).await
    }

    /// Identify 王芳; the listed prescription with diagnosis `diag`, if any.
    pub async fn listed_diag(&self, diag: &str) -> Option<String> {
        let s = self.session();
        self.visits().start(&s).await.unwrap();
        let v = self
            .visits()
            .identify(&s, IdMethod::EVoucher, WANGFANG_EC, None, None)
            .await
            .unwrap();
        v.listed
            .iter()
            .find(|r| r.diag_name == diag)
            .map(|r| r.auth_rxno.clone())
    }

    /// Ends the visit: cancelled, unless a blocking rule closed it already.
    pub async fn cancel(&self) {
        if let Err(e) = self.visits().cancel(&self.session()).await {
            let why = format!("{e:?}");
            assert!(why.contains("from: Closed"), "cancel failed: {why}");
        }
    }

    /// Open the listed prescription: the rules' codes and the view.
    pub async fn open(&self, auth: &str) -> (Vec<String>, VisitView) {
        let v = self.visits().open(&self.session(), auth).await.unwrap();
        let codes = v
            .rules
            .as_ref()
            .map(|r| {
                r.findings
                    .iter()
                    .filter(|f| f.blocks)
                    .map(|f| f.code.clone())
                    .collect()
            })
            .unwrap_or_default();
        (codes, v)
    }

    /// Audit, dispense one box, settle, pay, complete: the sale's docno.
    pub async fn dispense_and_complete(&self, b: &DemoBox) -> String {
        self.dispense_all_and_complete(std::slice::from_ref(b))
            .await
            .rtal_docno
    }

    /// Audit, dispense these boxes, settle, pay, complete: the sale.
    pub async fn dispense_all_and_complete(
        &self,
        boxes: &[DemoBox],
    ) -> rxdesk_app::visit::view::SaleView {
        self.dispense_all_reviewed_and_complete(boxes, None).await
    }

    /// As [`Rig::dispense_all_and_complete`], the audit naming a 复核药师
    /// by login.
    pub async fn dispense_all_reviewed_and_complete(
        &self,
        boxes: &[DemoBox],
        reviewer: Option<&str>,
    ) -> rxdesk_app::visit::view::SaleView {
        let s = self.session();
        self.visits()
            .shift_start(&s, DEMO_PHARMACIST_EC_TOKEN)
            .await
            .unwrap();
        self.visits()
            .audit(
                &s,
                AuditResult::Approved,
                "合理",
                DEMO_PHARMACIST_EC_TOKEN,
                reviewer,
            )
            .await
            .unwrap();
        for b in boxes {
            let o = self.visits().scan(&s, &b.barcode).await.unwrap();
            assert_eq!(o.code, "barcode_ok", "{}", o.message_zh);
            let o = self.visits().scan(&s, &b.trace_code).await.unwrap();
            assert!(o.ok, "{}", o.message_zh);
        }
        let v = self.visits().finish_dispensing(&s).await.unwrap();
        assert_eq!(v.state, "dispensed");
        let v = self.visits().pre_settle(&s).await.unwrap();
        assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
        let v = self.visits().settle(&s).await.unwrap();
        assert_eq!(v.state, "settled", "{}", v.next_step_zh);
        let cash = v.split.as_ref().unwrap().cash_pay.clone();
        if cash != "0.00" {
            self.visits()
                .pay(&s, Tender::parse("cash", Some("100.00"), None).unwrap())
                .await
                .unwrap();
        }
        let v = self.visits().complete(&s).await.unwrap();
        assert_eq!(v.state, "receipted");
        v.sale.unwrap()
    }
}
