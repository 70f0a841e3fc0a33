//! Every settlement type through the counter visit against the center
//! emulator: a 门慢特 prescription settles as 医疗类别 14 with the
//! prescription's disease code and the doctor's code on every line, a 双通道
//! prescription as 1402, an ordinary one as 门诊统筹 (11); the receipt
//! names the kind and the disease and explains the split.

use rxdesk_app::operators::DEMO_PHARMACIST_EC_TOKEN;
use rxdesk_app::uploader::CenterUploader;
use rxdesk_app::visit::{IdMethod, Tender, VisitService, VisitView};
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator, Operator};
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use rxdesk_core::codes::AuditResult;
use rxdesk_demo::catalogue::{demo_boxes, demo_stock_csv, emulator_products, DemoBox};
use rxdesk_store::catalogue::catalogue_csv;
use rxdesk_store::sync::{self, SyncConfig, SyncHandle};
use rxdesk_store::Session;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

const LORA: &str = "XR06AXL040A001010100003";
const METF: &str = "XA10BAE010A001010100005";
const ZHAO_EC: &str = "110000ecdemo0000000000000000zhaojianguo";
const QIAN_EC: &str = "110000ecdemo0000000000000000qianxiuying";

struct Rig {
    _t: tempfile::TempDir,
    counter: Counter,
    _sim: SimHandle,
    base: String,
    _worker: SyncHandle,
}

async fn get(base: &str, path: &str) -> Value {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

impl Rig {
    async fn new() -> Self {
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
        // A visit needs an open till shift.
        let till = counter.till();
        if till.current().unwrap().is_none() {
            till.open(&counter.session().unwrap(), "0").unwrap();
        }
        // The upload worker delivers the audit (7204) before 2101.
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
            counter,
            _sim: sim,
            base,
            _worker: worker,
        }
    }
    fn visits(&self) -> &VisitService {
        self.counter.visits().expect("visit service")
    }
    fn session(&self) -> Session {
        self.counter.session().unwrap()
    }

    /// Identify by e-voucher, open the listed prescription `diag`, audit.
    async fn opened_and_audited(&self, ec: &str, diag: &str) -> VisitView {
        let s = self.session();
        self.visits().start(&s).await.unwrap();
        let v = self
            .visits()
            .identify(&s, IdMethod::EVoucher, ec, None, None)
            .await
            .unwrap();
        let auth = v
            .listed
            .iter()
            .find(|r| r.diag_name == diag)
            .unwrap_or_else(|| panic!("{diag} listed: {:?}", v.listed))
            .auth_rxno
            .clone();
        let v = self.visits().open(&s, &auth).await.unwrap();
        assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
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
                None,
            )
            .await
            .unwrap()
    }

    async fn dispense(&self, b: &DemoBox) {
        let s = self.session();
        let o = self.visits().scan(&s, &b.barcode).await.unwrap();
        assert_eq!(o.code, "barcode_ok", "{}", o.message_zh);
        let o = self.visits().scan(&s, &b.trace_code).await.unwrap();
        assert!(o.ok, "{}", o.message_zh);
    }

    /// The last 2102 input the emulator accepted.
    async fn last_2102(&self) -> Value {
        let list = get(&self.base, "/admin/uploads?op=2102").await;
        list.as_array().unwrap().last().expect("a 2102")["input"].clone()
    }

    /// Pre-settle, settle, pay cash, complete: the receipt text.
    async fn settle_to_receipt(&self) -> (VisitView, String) {
        let s = self.session();
        let v = self.visits().finish_dispensing(&s).await.unwrap();
        assert_eq!(v.state, "dispensed");
        let v = self.visits().pre_settle(&s).await.unwrap();
        assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
        let v = self.visits().settle(&s).await.unwrap();
        assert_eq!(v.state, "settled", "{}", v.next_step_zh);
        let settled = v.clone();
        let cash = v.split.as_ref().unwrap().cash_pay.clone();
        if cash != "0.00" {
            self.visits()
                .pay(&s, Tender::parse("cash", Some("100.00"), None).unwrap())
                .await
                .unwrap();
        }
        let v = self.visits().complete(&s).await.unwrap();
        assert_eq!(v.state, "receipted");
        (settled, v.sale.unwrap().receipt_text)
    }
}

fn boxes(codg: &str) -> Vec<DemoBox> {
    demo_boxes()
        .into_iter()
        .filter(|b| b.med_list_codg == codg)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chronic_disease_prescription_settles_with_its_disease_code() {
    let rig = Rig::new().await;
    let v = rig.opened_and_audited(ZHAO_EC, "2型糖尿病").await;
    assert_eq!(v.dispensing.len(), 1);
    let metf = boxes(METF);
    rig.dispense(&metf[0]).await;
    rig.dispense(&metf[1]).await;
    let (settled, receipt) = rig.settle_to_receipt().await;
    let input = rig.last_2102().await;
    assert_eq!(input["data"]["med_type"], "14");
    assert_eq!(input["data"]["dise_codg"], "M03900");
    assert_eq!(input["data"]["dise_name"], "糖尿病");
    for l in input["drugdetail"].as_array().unwrap() {
        assert_eq!(l["bilg_dr_codg"], "D110101000001", "the doctor's code");
        assert_eq!(l["bilg_dr_name"], "王医生");
    }
    // 2 × 25.60 甲类, 门慢特: no deductible, fund 80 %.
    let split = settled.split.unwrap();
    assert_eq!(split.total, "51.20");
    assert_eq!(split.fund_pay, "40.96");
    // The receipt names the kind and the disease and explains the share.
    for want in ["门诊慢特病", "M03900 糖尿病", "统筹基金按 80% 支付"] {
        assert!(receipt.contains(want), "{want} missing:\n{receipt}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dual_channel_prescription_settles_as_dual_channel() {
    let rig = Rig::new().await;
    rig.opened_and_audited(QIAN_EC, "支气管哮喘").await;
    rig.dispense(&boxes(LORA)[0]).await;
    let (settled, receipt) = rig.settle_to_receipt().await;
    let input = rig.last_2102().await;
    assert_eq!(input["data"]["med_type"], "1402");
    assert_eq!(input["data"]["dise_codg"], "M00500");
    assert_eq!(input["drugdetail"][0]["bilg_dr_codg"], "D110101000001");
    let split = settled.split.unwrap();
    assert_eq!(split.total, "22.80");
    assert_eq!(split.fund_pay, "13.68", "resident, 60 %");
    for want in ["门诊特药（双通道）", "M00500"] {
        assert!(receipt.contains(want), "{want} missing:\n{receipt}");
    }
}
