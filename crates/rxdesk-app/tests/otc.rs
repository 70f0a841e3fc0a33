//! The OTC / retail sale against the center emulator: a self-paid sale whose
//! 3505 uploads carry every box's trace code; a 医保个人账户 sale settled as
//! 定点药店购药 (1101 → 2101/2102, `med_type` 41, no prescription) recorded
//! once and uploaded once; a 处方药 refused without a prescription; a traced
//! box without its code refused (无码不结); 拼音 search; the account sale
//! refunded money first (2103, then stock and 3506).

use rust_decimal::Decimal;
use rxdesk_app::uploader::CenterUploader;
use rxdesk_app::visit::{IdMethod, OtcPayer, OtcStage, RefundIdentity, Tender, VisitService};
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator, Operator};
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use rxdesk_demo::catalogue::{demo_boxes, demo_stock_csv, emulator_products, DemoBox};
use rxdesk_store::catalogue::catalogue_csv;
use rxdesk_store::sync::{self, SyncConfig, SyncHandle};
use rxdesk_store::{Session, UploadState};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// 布洛芬缓释胶囊 (OTC, traced, 20 粒 a box).
const IBU: &str = "YP000002";
/// 氯雷他定片 (OTC, traced).
const LORA: &str = "YP000003";
/// 阿莫西林胶囊 (处方药).
const AMOX: &str = "YP000001";
/// 张三: 职工医保 (310) with 500.00 in the personal account.
const ZHANG_EC: &str = "110000ecdemo0000000000000000000zhangsan";
/// 李四: 居民医保 (390), no personal account.
const LI_EC: &str = "110000ecdemo000000000000000000000lisi";

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
        // A sale needs an open till shift.
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

    /// Scans a box: barcode, then trace code; both accepted.
    async fn scan_box(&self, b: &DemoBox) {
        let s = self.session();
        let o = self.visits().otc_scan(&s, &b.barcode).await.unwrap();
        assert!(o.ok, "{}: {}", o.code, o.message_zh);
        assert_eq!(o.code, "barcode_ok");
        let o = self.visits().otc_scan(&s, &b.trace_code).await.unwrap();
        assert!(o.ok, "{}: {}", o.code, o.message_zh);
        assert_eq!(o.code, "box_ok");
    }

    /// Waits until every upload is delivered (bounded; no timing asserted).
    async fn delivered(&self, ids: &[i64]) {
        for _ in 0..200 {
            let states: Vec<UploadState> = ids
                .iter()
                .map(|id| self.counter.store().upload(*id).unwrap().state)
                .collect();
            if states.iter().all(|s| *s == UploadState::Done) {
                return;
            }
            assert!(
                !states.contains(&UploadState::Rejected),
                "an upload was rejected: {states:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("uploads {ids:?} not delivered");
    }

    async fn uploads(&self, op: &str) -> Vec<Value> {
        get(&self.base, &format!("/admin/uploads?op={op}"))
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

fn boxes(hilist: &str) -> Vec<DemoBox> {
    demo_boxes()
        .into_iter()
        .filter(|b| b.fixmedins_hilist_id == hilist)
        .collect()
}

fn trace_codes_of(u: &Value) -> Vec<String> {
    u["input"]["selinfo"]["drugtracinfo"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| t["drug_trac_codg"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_paid_otc_sale_uploads_every_box_trace_code_in_3505() {
    let rig = Rig::new().await;
    let s = rig.session();
    let v = rig.visits().otc_start(&s).await.unwrap();
    assert_eq!(v.stage, OtcStage::Cart);
    let ibu = boxes(IBU);
    // Two boxes scanned box by box: each barcode adds a pack, each trace
    // code fills it.
    rig.scan_box(&ibu[0]).await;
    rig.scan_box(&ibu[1]).await;
    let v = rig.visits().otc_current().await.unwrap();
    assert_eq!(v.lines.len(), 1);
    assert_eq!(v.lines[0].quantity, "2");
    assert!(v.complete, "{v:?}");
    assert_eq!(v.total, "36.00");
    let v = rig
        .visits()
        .otc_checkout(&s, OtcPayer::SelfPay)
        .await
        .unwrap();
    let split = v.split.clone().unwrap();
    assert_eq!(
        (split.total.as_str(), split.cash_pay.as_str()),
        ("36.00", "36.00")
    );
    rig.visits().otc_settle(&s).await.unwrap();
    let v = rig
        .visits()
        .otc_pay(&s, Tender::parse("cash", Some("50.00"), None).unwrap())
        .await
        .unwrap();
    assert_eq!(v.payment.as_ref().unwrap().change.as_deref(), Some("14.00"));
    let v = rig.visits().otc_complete(&s).await.unwrap();
    assert_eq!(v.stage, OtcStage::Receipted);
    let sale = v.sale.clone().unwrap();
    assert_eq!(sale.total, "36.00");
    assert!(
        sale.receipt_text.contains("布洛芬缓释胶囊"),
        "{}",
        sale.receipt_text
    );
    assert!(
        sale.receipt_text.contains("零售小票") && !sale.receipt_text.contains("处方编号"),
        "a sale without prescription names none: {}",
        sale.receipt_text
    );
    // After the sale the boxes still show, sold with it.
    assert!(v.complete && v.lines[0].complete, "{v:?}");
    assert_eq!(v.boxes.len(), 2);
    assert_eq!(v.lines[0].price, "18.00");
    // No 2101/2102 for a self-paid sale.
    assert!(rig.uploads("2102").await.is_empty());
    rig.delivered(&sale.upload_ids).await;
    let sent: Vec<Value> = rig
        .uploads("3505")
        .await
        .into_iter()
        .filter(|u| u["input"]["selinfo"]["rtal_docno"] == sale.rtal_docno.as_str())
        .collect();
    assert_eq!(sent.len(), 1, "one line, one 3505");
    let mut codes = trace_codes_of(&sent[0]);
    codes.sort();
    let mut want = vec![ibu[0].trace_code.clone(), ibu[1].trace_code.clone()];
    want.sort();
    assert_eq!(codes, want, "every box's trace code reaches the center");
    let sel = &sent[0]["input"]["selinfo"];
    assert_eq!(sel["rx_circ_flag"], "0", "no prescription");
    assert_eq!(sel["rxno"], "");
    assert_eq!(sel["setl_id"], "");
    // The payment is kept with the sale.
    let d = rig.counter.store().sale_detail(sale.sale_id).unwrap();
    assert!(d.settlement.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_otc_sale_from_the_personal_account_settles_as_pharmacy_purchase_once() {
    let rig = Rig::new().await;
    let s = rig.session();
    rig.visits().otc_start(&s).await.unwrap();
    let lora = boxes(LORA);
    rig.scan_box(&lora[0]).await;
    let v = rig
        .visits()
        .otc_identify(&s, IdMethod::EVoucher, ZHANG_EC, None)
        .await
        .unwrap();
    assert_eq!(v.payer, OtcPayer::PersonalAccount);
    let p = v.patient.unwrap();
    assert_eq!(p.name, "张三");
    assert!(!p.certno_masked.contains("19800101"), "ID masked");
    let before = rig.counter.store().ledger_counts().unwrap().sales;
    let v = rig
        .visits()
        .otc_checkout(&s, OtcPayer::PersonalAccount)
        .await
        .unwrap();
    assert_eq!(v.stage, OtcStage::Checkout);
    let split = v.split.clone().unwrap();
    assert_eq!(split.total, "22.80");
    assert_eq!(split.fund_pay, "0.00", "定点药店购药: no fund");
    assert_eq!(split.account_pay, "22.80", "the account pays: {split:?}");
    assert_eq!(split.kind_zh.as_deref(), Some("定点药店购药"));
    let v = rig.visits().otc_settle(&s).await.unwrap();
    assert_eq!(v.stage, OtcStage::Settled, "{:?}", v.notice_zh);
    // 2102 as 定点药店购药 without a prescription (2101 carried the same
    // input: the emulator keeps only non-query requests).
    let settled = rig.uploads("2102").await;
    let input = &settled.last().expect("a 2102")["input"];
    assert_eq!(input["data"]["med_type"], "41");
    assert_eq!(input["data"]["acct_used_flag"], "1");
    assert_eq!(input["data"]["dise_codg"], "");
    let line = &input["drugdetail"][0];
    assert_eq!(line["rxno"], "");
    assert_eq!(line["rx_circ_flag"], "0");
    assert_eq!(line["bilg_dr_codg"], "");
    let setl_id = v.split.unwrap().setl_id.expect("settled");
    // Nothing left to pay in cash: complete at once.
    let v = rig.visits().otc_complete(&s).await.unwrap();
    assert_eq!(v.stage, OtcStage::Receipted);
    let sale = v.sale.unwrap();
    assert_eq!(
        rig.counter.store().ledger_counts().unwrap().sales,
        before + 1,
        "one sale for one charge"
    );
    // The regulators' figures count it under the credential actually used.
    let rows = rig
        .counter
        .store()
        .settlements_between(0, i64::MAX)
        .unwrap();
    let row = rows.iter().find(|r| r.setl_id == setl_id).expect("settled");
    assert_eq!(row.id_method, "e_voucher", "{row:?}");
    let d = rig.counter.store().sale_detail(sale.sale_id).unwrap();
    let st = d.settlement.expect("settlement kept with the sale");
    assert_eq!(st.setl_id, setl_id);
    assert_eq!(st.acct_pay.to_string(), "22.80");
    rig.delivered(&sale.upload_ids).await;
    assert_eq!(rig.uploads("2102").await.len(), 1, "2102 sent once");
    let sent: Vec<Value> = rig
        .uploads("3505")
        .await
        .into_iter()
        .filter(|u| u["input"]["selinfo"]["rtal_docno"] == sale.rtal_docno.as_str())
        .collect();
    assert_eq!(sent.len(), 1, "uploaded exactly once");
    assert_eq!(sent[0]["input"]["selinfo"]["setl_id"], setl_id.as_str());
    assert_eq!(trace_codes_of(&sent[0]), vec![lora[0].trace_code.clone()]);
    // No 7206 write-off: there is no prescription.
    assert!(rig.uploads("7206").await.is_empty());
    // A second start is a new sale; the settled one is not touched again.
    rig.visits().otc_start(&s).await.unwrap();
    assert_eq!(rig.uploads("2102").await.len(), 1);
    // Refunded the way a prescription sale is: the customer identified,
    // money first (2103 gives the account back), then stock and 3506.
    rig.counter.login("3001", "demo-manager", None).unwrap();
    let boss = rig.session();
    let r = rig
        .visits()
        .refund(
            &boss,
            sale.sale_id,
            "顾客退货",
            Some(RefundIdentity {
                method: "e_voucher".into(),
                code: ZHANG_EC.into(),
            }),
        )
        .await
        .unwrap();
    assert!(
        r.returned.is_empty(),
        "nothing was paid in cash: {:?}",
        r.returned
    );
    assert!(
        !rig.counter
            .store()
            .trace_code_sold(&lora[0].trace_code)
            .unwrap(),
        "the box is back in stock"
    );
    rig.delivered(&r.upload_ids).await;
    assert_eq!(
        rig.uploads("2103").await.len(),
        1,
        "the account charge reversed once"
    );
    assert_eq!(rig.uploads("3506").await.len(), 1);
    assert!(
        rig.uploads("7208").await.is_empty(),
        "no prescription to reopen"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prescription_only_drug_is_refused_without_a_prescription() {
    let rig = Rig::new().await;
    let s = rig.session();
    rig.visits().otc_start(&s).await.unwrap();
    let e = rig
        .visits()
        .otc_add(&s, AMOX, Decimal::ONE, false)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "OTC_PRESCRIPTION_ONLY");
    assert!(
        e.message_zh().contains("阿莫西林胶囊"),
        "{}",
        e.message_zh()
    );
    // Scanned, it is refused the same way and nothing enters the cart.
    let amox = boxes(AMOX);
    let o = rig.visits().otc_scan(&s, &amox[0].barcode).await.unwrap();
    assert!(!o.ok);
    assert_eq!(o.code, "OTC_PRESCRIPTION_ONLY");
    let o = rig
        .visits()
        .otc_scan(&s, &amox[0].trace_code)
        .await
        .unwrap();
    assert!(!o.ok);
    assert_eq!(o.code, "OTC_PRESCRIPTION_ONLY");
    assert!(o.sale.lines.is_empty());
    let e = rig
        .visits()
        .otc_checkout(&s, OtcPayer::SelfPay)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "OTC_EMPTY");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_traced_box_without_its_code_is_not_sold() {
    let rig = Rig::new().await;
    let s = rig.session();
    rig.visits().otc_start(&s).await.unwrap();
    // Two packs from the search, one box scanned: 无码不结.
    rig.visits()
        .otc_add(&s, IBU, Decimal::TWO, false)
        .await
        .unwrap();
    let ibu = boxes(IBU);
    rig.scan_box(&ibu[0]).await;
    let v = rig.visits().otc_current().await.unwrap();
    assert_eq!(v.lines[0].quantity, "2", "the scanned box filled the line");
    assert_eq!(v.lines[0].filled, "1");
    assert!(!v.complete);
    let e = rig
        .visits()
        .otc_checkout(&s, OtcPayer::SelfPay)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "DISPENSE_INCOMPLETE");
    // The same code twice is refused; a code of another product too.
    let o = rig.visits().otc_scan(&s, &ibu[0].trace_code).await.unwrap();
    assert!(!o.ok);
    assert_eq!(o.code, "duplicate_trace_code", "{}", o.message_zh);
    // 拆零: 6 粒 out of an opened box, with that box's trace code.
    rig.visits()
        .otc_add(&s, IBU, Decimal::from(6), true)
        .await
        .unwrap();
    rig.scan_box(&ibu[1]).await;
    let o = rig.visits().otc_scan(&s, &ibu[2].trace_code).await.unwrap();
    assert!(o.ok, "{}", o.message_zh);
    let v = o.sale;
    assert!(v.complete, "{v:?}");
    assert_eq!(v.lines.len(), 2);
    assert!(v.lines[1].split);
    assert_eq!(v.lines[1].unit, "粒");
    assert_eq!(v.lines[1].amount, "5.40");
    assert_eq!(v.lines[1].price, "0.90", "per 粒");
    let v = rig
        .visits()
        .otc_checkout(&s, OtcPayer::SelfPay)
        .await
        .unwrap();
    assert_eq!(v.split.unwrap().total, "41.40");
    // A sold code cannot be sold again in the next sale.
    rig.visits().otc_settle(&s).await.unwrap();
    rig.visits()
        .otc_pay(&s, Tender::parse("cash", Some("41.40"), None).unwrap())
        .await
        .unwrap();
    rig.visits().otc_complete(&s).await.unwrap();
    rig.visits().otc_start(&s).await.unwrap();
    rig.visits().otc_scan(&s, &ibu[0].barcode).await.unwrap();
    let o = rig.visits().otc_scan(&s, &ibu[0].trace_code).await.unwrap();
    assert!(!o.ok);
    assert_eq!(o.code, "trace_code_sold", "{}", o.message_zh);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinyin_initials_find_the_product_and_no_account_means_self_pay() {
    let rig = Rig::new().await;
    let s = rig.session();
    let hits = rig.visits().otc_search("blf", 10).unwrap();
    assert_eq!(
        hits.first().map(|h| h.name.as_str()),
        Some("布洛芬缓释胶囊")
    );
    assert!(!hits[0].prescription_only);
    assert!(hits[0].splittable && hits[0].traced);
    let hits = rig.visits().otc_search("阿莫", 10).unwrap();
    assert!(hits[0].prescription_only, "处方药 is marked in the list");
    let barcode = boxes(LORA)[0].barcode.clone();
    let hits = rig.visits().otc_search(&barcode, 10).unwrap();
    assert_eq!(hits[0].fixmedins_hilist_id, LORA);
    // 居民医保 has no personal account: refused, the sale stays self-paid.
    rig.visits().otc_start(&s).await.unwrap();
    let e = rig
        .visits()
        .otc_identify(&s, IdMethod::EVoucher, LI_EC, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "SETTLE_NO_PERSONAL_ACCOUNT");
    let v = rig.visits().otc_current().await.unwrap();
    assert_eq!(v.payer, OtcPayer::SelfPay);
    assert!(v.patient.is_none());
    // Without an identified customer the account cannot pay.
    rig.scan_box(&boxes("YP000004")[0]).await;
    let e = rig
        .visits()
        .otc_checkout(&s, OtcPayer::PersonalAccount)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NO_PATIENT");
}
