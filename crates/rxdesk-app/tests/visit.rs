//! The counter workflow end to end against the real center emulator on
//! loopback (docs/reference/counter-workflow.md): identification → download → local signature
//! verification → rules (with the layout PDF's text) → audit by the on-duty
//! pharmacist → dispensing by barcode and trace code → 2101 → 2102 → payment
//! → sale, receipt and guidance PDF; uncertain settlement resolved by 2601;
//! uploads queued while the center is unreachable and delivered once; refund.

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
use rxdesk_store::{Session, UploadState};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const AMOX: &str = "XJ01CAA040A001010100001";
const IBU: &str = "XM01AEB080A001010100002";
const LORA: &str = "XR06AXL040A001010100003";
const WANGFANG_EC: &str = "110000ecdemo00000000000000000000wangfang";

struct Rig {
    _t: tempfile::TempDir,
    dir: DataDir,
    counter: Counter,
    sim: SimHandle,
    base: String,
    worker: Option<SyncHandle>,
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

fn duplicates(stats: &Value, op: &str) -> u64 {
    stats["by_op"][op]["duplicate"].as_u64().unwrap_or(0)
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
        }
    }

    fn start_worker(&mut self) {
        let mut p = CenterProfile::demo(&self.base, Family::A).unwrap();
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

    async fn rx_qr(&self, label: &str) -> String {
        let list = get(&self.base, "/admin/prescriptions").await;
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == label)
            .unwrap_or_else(|| panic!("no {label}"))["epc_qrcd"]
            .as_str()
            .unwrap()
            .to_string()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_to_receipt_with_refusals_on_the_way_then_refund() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let v = rig
        .open_fresh(json!([[AMOX, 2], [IBU, 1]]), "急性上呼吸道感染（测试）")
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    let rules = v.rules.as_ref().unwrap();
    assert!(!rules.blocks);
    // The layout PDF's text was read and agrees with the structured data.
    assert!(
        rules.layout_differences.is_empty(),
        "{:?}",
        rules.layout_differences
    );
    assert!(!rules.findings.iter().any(|f| f.code == "LAYOUT_UNREADABLE"));
    assert!(v.prescription.as_ref().unwrap().reason_zh.is_empty());

    // Audit needs the on-duty pharmacist.
    let s = rig.session();
    let e = rig
        .visits()
        .audit(
            &s,
            AuditResult::Approved,
            "合理",
            DEMO_PHARMACIST_EC_TOKEN,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "AUDIT_NOT_ON_DUTY");
    // Someone else's e-voucher cannot open the shift.
    let e = rig.visits().shift_start(&s, WANGFANG_EC).await.unwrap_err();
    assert_eq!(e.code(), "SHIFT_IDENTITY_MISMATCH");
    let v = rig.audited().await;
    assert_eq!(v.state, "dispensing");
    assert!(v.audit.as_ref().unwrap().upload_id.is_some());
    assert_eq!(v.dispensing.len(), 2);

    let amox = boxes(AMOX);
    let ibu = boxes(IBU);
    // Substitution: 氯雷他定 is not on the prescription.
    let o = rig.scan(&boxes(LORA)[0].barcode).await;
    assert!(!o.ok);
    assert_eq!(o.code, "wrong_product");
    // A box of the expired lot (A220701, expired 2024-06-30), received into
    // its batch and scanned as a GS1 code: the box's own batch decides.
    let old_box = format!("{}9000000000001", &amox[0].trace_code[..7]);
    rig.counter
        .store()
        .receive_goods(
            &s,
            &rxdesk_store::inventory::GoodsIn {
                supplier: "演示医药有限公司".into(),
                invoice_no: "OLD-1".into(),
                lines: vec![rxdesk_store::inventory::GoodsInLine {
                    fixmedins_hilist_id: amox[0].fixmedins_hilist_id.clone(),
                    manu_lotnum: "A220701".into(),
                    manu_date: "2022-07-01".into(),
                    expy_end: "2024-06-30".into(),
                    boxes: vec![old_box.clone()],
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
    let gs1 = format!("01{:0>14}10A220701\u{1d}21{}", amox[0].barcode, old_box);
    let o = rig.scan(&gs1).await;
    assert!(!o.ok);
    assert_eq!(o.code, "expired_batch", "{}", o.message_zh);
    assert!(
        o.visit.dispensing[0].boxes.is_empty(),
        "refusal changes nothing"
    );
    // Two 阿莫西林 boxes (FEFO picks the unexpired batch), duplicates refused.
    let o = scan_box(&rig, &amox[0]).await;
    assert!(o.ok, "{}", o.message_zh);
    assert_eq!(o.visit.dispensing[0].boxes.len(), 1);
    assert_eq!(o.visit.dispensing[0].boxes[0].batch, "DEMO-AMX-02");
    let o = scan_box(&rig, &amox[0]).await;
    assert_eq!(o.code, "duplicate_trace_code");
    let o = scan_box(&rig, &amox[1]).await;
    assert!(o.ok, "{}", o.message_zh);
    let o = scan_box(&rig, &amox[2]).await;
    assert_eq!(o.code, "over_quantity");
    // A trace code alone: its prefix names exactly one product.
    let o = rig.scan(&ibu[0].trace_code).await;
    assert!(o.ok, "{}", o.message_zh);
    assert!(o.visit.dispensing.iter().all(|l| l.done));

    let v = rig.visits().finish_dispensing(&s).await.unwrap();
    assert_eq!(v.state, "dispensed");
    let v = rig.visits().pre_settle(&s).await.unwrap();
    assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
    let split = v.split.clone().unwrap();
    assert_eq!(split.total, "43.00");
    assert!(!split.explanation_zh.is_empty());
    let v = rig.visits().settle(&s).await.unwrap();
    assert_eq!(v.state, "settled", "{}", v.next_step_zh);
    let cash = v.split.as_ref().unwrap().cash_pay.clone();
    assert!(v.split.as_ref().unwrap().setl_id.is_some());
    // Completing before payment is refused when cash is due.
    if cash != "0.00" {
        let e = rig.visits().complete(&s).await.unwrap_err();
        assert_eq!(e.code(), "NOT_PAID");
        let e = rig
            .visits()
            .pay(&s, Tender::parse("cash", Some("0.01"), None).unwrap())
            .await
            .unwrap_err();
        assert!(
            e.message_zh().contains("不足") || e.message_zh().contains("少"),
            "{e}"
        );
    }
    let v = rig
        .visits()
        .pay(&s, Tender::parse("cash", Some("100.00"), None).unwrap())
        .await
        .unwrap();
    let pay = v.payment.clone().unwrap();
    assert!(pay.paid);
    let expect_change: rxdesk_core::Amount = "100.00"
        .parse::<rxdesk_core::Amount>()
        .unwrap()
        .checked_sub(cash.parse().unwrap())
        .unwrap();
    assert_eq!(
        pay.change.as_deref(),
        Some(expect_change.to_string().as_str())
    );
    let v = rig.visits().complete(&s).await.unwrap();
    assert_eq!(v.state, "receipted");
    let sale = v.sale.clone().unwrap();
    assert!(
        sale.receipt_text.contains("阿莫西林"),
        "{}",
        sale.receipt_text
    );
    assert!(
        sale.receipt_text.contains(&amox[0].trace_code[..10])
            || sale.receipt_text.contains(&amox[0].trace_code)
    );
    // 开方科室 is the doctor's department (7203 mdtrtinfo.prsc_dept_name),
    // never the hospital pharmacist's 药剂科 of the signed fields.
    let hospital_line = sale
        .receipt_text
        .lines()
        .find(|l| l.contains("开方医院"))
        .expect("the receipt names the hospital");
    assert!(hospital_line.contains("内科"), "{hospital_line}");
    assert!(
        !sale.receipt_text.contains("药剂科"),
        "{}",
        sale.receipt_text
    );
    assert_eq!(sale.upload_ids.len(), 3, "two 3505 lines and one 7206");
    let pdf = std::fs::read(
        sale.guidance_pdf_path
            .as_ref()
            .expect("guidance PDF written"),
    )
    .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if let Ok(d) = std::env::var("RXDESK_VISIT_KEEP") {
        std::fs::write(format!("{d}/guidance.pdf"), &pdf).unwrap();
        std::fs::write(format!("{d}/receipt.txt"), &sale.receipt_text).unwrap();
    }
    let escpos = rig
        .dir
        .root()
        .join("receipts")
        .join(format!("{}.escpos", sale.rtal_docno));
    assert!(
        sale.printed_zh.contains("未配置小票打印机"),
        "{}",
        sale.printed_zh
    );
    assert!(std::fs::read(&escpos).unwrap().starts_with(&[0x1b, b'@']));

    rig.all_uploads_done().await;
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2102"), 1, "exactly one 2102: {st}");
    assert_eq!(accepted(&st, "7204"), 1);
    assert_eq!(accepted(&st, "3505"), 2);
    assert_eq!(accepted(&st, "7206"), 1);

    // History, reprint, and the sold trace code now refused in a new visit.
    let found = rig.visits().sales_find(&sale.rtal_docno).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].state, "completed");
    let again = rig.visits().reprint(&s, sale.sale_id).await.unwrap();
    assert!(
        again.receipt_text.contains("重印"),
        "{}",
        again.receipt_text
    );
    assert!(rig
        .counter
        .store()
        .trace_code_sold(&amox[0].trace_code)
        .unwrap());

    // Refund (a manager's right): the patient identified, 2103 first, then
    // the money, then stock with 3506 per line + 7208 queued.
    rig.counter.login("3001", "demo-manager", None).unwrap();
    let boss = rig.session();
    let r = rig
        .visits()
        .refund(
            &boss,
            sale.sale_id,
            "患者过敏，整单退药",
            Some(RefundIdentity {
                method: "e_voucher".into(),
                code: WANGFANG_EC.into(),
            }),
        )
        .await
        .unwrap();
    assert_eq!(r.upload_ids.len(), 3, "two 3506 and one 7208");
    assert!(r.receipt_text.contains("退"), "{}", r.receipt_text);
    assert!(!rig
        .counter
        .store()
        .trace_code_sold(&amox[0].trace_code)
        .unwrap());
    let e = rig
        .visits()
        .refund(&boss, sale.sale_id, "again", None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "ALREADY_REFUNDED");
    rig.all_uploads_done().await;
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "3506"), 2);
    assert_eq!(accepted(&st, "2103"), 1);
    assert_eq!(accepted(&st, "7208"), 1);
    assert_eq!(
        rig.visits().sales_find(&sale.rtal_docno).unwrap()[0].state,
        "refunded"
    );
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}

/// 7202 names no drugs: each listed prescription is downloaded for the list,
/// and the chosen one is opened from that download (its auth_rxno is single
/// use, so downloading it again would be refused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prescription_list_shows_each_prescriptions_drugs() {
    let rig = Rig::new().await;
    for (lines, diag) in [
        (json!([[AMOX, 2]]), "列表一（测试）"),
        (json!([[IBU, 1], [LORA, 1]]), "列表二（测试）"),
    ] {
        post(
            &rig.base,
            "/admin/prescriptions",
            &json!({"hospital": "H11010100001", "psn_no": "PSN1101000003", "lines": lines,
                    "valid_days": 7, "rept_flag": false, "max_rept_cnt": 0, "diag_name": diag, "label": diag}),
        )
        .await;
    }
    let s = rig.session();
    rig.visits().start(&s).await.unwrap();
    let v = rig
        .visits()
        .identify(&s, IdMethod::EVoucher, WANGFANG_EC, None, None)
        .await
        .unwrap();
    assert_eq!(v.listed.len(), v.listed_drugs.len());
    let drugs_of = |diag: &str| {
        let i = v.listed.iter().position(|r| r.diag_name == diag).unwrap();
        assert_eq!(v.listed_drugs[i].auth_rxno, v.listed[i].auth_rxno);
        assert_eq!(v.listed_drugs[i].missing, None);
        v.listed_drugs[i]
            .drugs
            .iter()
            .map(|d| format!("{} ×{}{}", d.genname, d.count, d.unit))
            .collect::<Vec<_>>()
    };
    let one = drugs_of("列表一（测试）");
    assert_eq!(one.len(), 1, "{one:?}");
    assert!(
        one[0].contains("阿莫西林") && one[0].contains("×2"),
        "{one:?}"
    );
    let two = drugs_of("列表二（测试）");
    assert_eq!(two.len(), 2, "{two:?}");
    assert!(two[0].contains("布洛芬"), "{two:?}");
    // Opening the second uses the download made for the list.
    let auth = v
        .listed
        .iter()
        .find(|r| r.diag_name == "列表二（测试）")
        .unwrap()
        .auth_rxno
        .clone();
    let opened = rig.visits().open(&s, &auth).await.unwrap();
    assert_eq!(opened.state, "rules_checked", "{:?}", opened.rules);
    let rx = opened.prescription.unwrap().prescription;
    assert_eq!(rx.rx_drug_detail.len(), 2);
    // 开方科室: the doctor's department, not the signed 药剂科.
    assert_eq!(rx.prsc_dept_name, "内科");
    assert_eq!(rx.phar_dept_name, "药剂科");
}

/// Decision 0030: the desk records the downloaded prescription with its
/// fsync deferred; the visit's open step makes it durable before it returns
/// (the visit journal's FULL commit), so no step that depends on it (audit,
/// dispensing, settlement) can begin while it is not. The store's
/// background fsync is held here, so only that ordering can make it durable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deferred_prescription_commit_is_durable_before_the_visit_goes_on() {
    let rig = Rig::new().await;
    post(
        &rig.base,
        "/admin/prescriptions",
        &json!({"hospital": "H11010100001", "psn_no": "PSN1101000003", "lines": [[AMOX, 1]],
                "valid_days": 7, "rept_flag": false, "max_rept_cnt": 0, "diag_name": "延迟提交（测试）", "label": "deferred"}),
    )
    .await;
    let store = rig.counter.store();
    store.hold_background_sync(true);
    let s = rig.session();
    rig.visits().start(&s).await.unwrap();
    let v = rig
        .visits()
        .identify(&s, IdMethod::EVoucher, WANGFANG_EC, None, None)
        .await
        .unwrap();
    let auth = v
        .listed
        .iter()
        .find(|r| r.diag_name == "延迟提交（测试）")
        .unwrap()
        .auth_rxno
        .clone();
    let (deferred, syncs) = (store.deferred_commits(), store.deferred_syncs());
    let opened = rig.visits().open(&s, &auth).await.unwrap();
    assert_eq!(opened.state, "rules_checked", "{:?}", opened.rules);
    assert_eq!(
        store.deferred_commits(),
        deferred + 1,
        "the prescription was recorded with a deferred commit"
    );
    assert!(
        store.is_durable(),
        "the open step returned before its prescription was durable"
    );
    assert_eq!(
        store.deferred_syncs(),
        syncs,
        "made durable by the visit's own FULL commit, not the (held) thread"
    );
    store.hold_background_sync(false);
    rig.visits().cancel(&s).await.unwrap();
}

/// The opened prescription's layout file is drawn by the service for the
/// window (docs/decisions/0025): the emulator's Chinese layout comes back as
/// PNG pages of the width asked, different prescriptions give different
/// pictures, and without an opened prescription the answer is NO_RX.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_opened_layout_file_is_drawn_at_the_width_asked() {
    use base64::Engine as _;
    let rig = Rig::new().await;
    for (lines, diag) in [
        (json!([[AMOX, 2]]), "版式一（测试）"),
        (json!([[IBU, 1], [LORA, 1]]), "版式二（测试）"),
    ] {
        post(
            &rig.base,
            "/admin/prescriptions",
            &json!({"hospital": "H11010100001", "psn_no": "PSN1101000003", "lines": lines,
                    "valid_days": 7, "rept_flag": false, "max_rept_cnt": 0, "diag_name": diag, "label": diag}),
        )
        .await;
    }
    let s = rig.session();
    rig.visits().start(&s).await.unwrap();
    let e = rig.visits().layout_pages(600).await.unwrap_err();
    assert_eq!(e.code(), "NO_RX");
    let mut pictures = Vec::new();
    for diag in ["版式一（测试）", "版式二（测试）"] {
        // Back to the list as the window does: a new visit, the same e-voucher.
        rig.visits().cancel(&s).await.ok();
        rig.visits().start(&s).await.unwrap();
        let v = rig
            .visits()
            .identify(&s, IdMethod::EVoucher, WANGFANG_EC, None, None)
            .await
            .unwrap();
        let auth = v
            .listed
            .iter()
            .find(|r| r.diag_name == diag)
            .unwrap()
            .auth_rxno
            .clone();
        rig.visits().open(&s, &auth).await.unwrap();
        let drawn = rig.visits().layout_pages(600).await.unwrap();
        assert_eq!(drawn.page_count, 1);
        let page = &drawn.pages[0];
        assert_eq!(page.width, 600);
        // The emulator's layout is A5 (148 × 210 mm).
        assert!((850..=853).contains(&page.height), "{}", page.height);
        let png = base64::engine::general_purpose::STANDARD
            .decode(&page.png_base64)
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        pictures.push(png);
    }
    assert_ne!(
        pictures[0], pictures[1],
        "two prescriptions drew the same picture"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_and_signature_failures_block_with_reasons() {
    let rig = Rig::new().await;
    let s = rig.session();
    // The center itself refuses these downloads; the visit stays identified
    // and says why.
    for (label, words) in [
        ("expired", "有效期"),
        ("revoked_by_hospital", "撤销"),
        ("already_used", "核销"),
    ] {
        rig.visits().start(&s).await.unwrap();
        let qr = rig.rx_qr(label).await;
        let e = rig
            .visits()
            .identify(&s, IdMethod::EpcQr, &qr, None, None)
            .await
            .unwrap_err();
        assert!(e.message_zh().contains(words), "{label}: {e}");
        let v = rig.visits().current().await.unwrap();
        assert_eq!(v.state, "identified", "{label}");
        assert!(rig
            .visits()
            .audit(
                &s,
                AuditResult::Approved,
                "x",
                DEMO_PHARMACIST_EC_TOKEN,
                None
            )
            .await
            .is_err());
    }
    // Local rules and local signature verification close the visit.
    for (label, code) in [
        ("restricted_drug", "DRUG_NOT_IN_CIRCULATION"),
        ("layout_differs", "LAYOUT_MISMATCH"),
        ("tampered", "SIGNATURE"),
        ("revoked_certificate", "SIGNATURE"),
    ] {
        rig.visits().start(&s).await.unwrap();
        let qr = rig.rx_qr(label).await;
        let v = rig
            .visits()
            .identify(&s, IdMethod::EpcQr, &qr, None, None)
            .await
            .unwrap();
        assert_eq!(v.state, "closed", "{label}: {}", v.next_step_zh);
        let why = v.closed_reason_zh.clone().unwrap();
        if code == "SIGNATURE" {
            assert!(why.contains("签名"), "{label}: {why}");
            assert!(v.rules.is_none(), "no rules after a bad signature");
            assert!(!v.prescription.as_ref().unwrap().reason_zh.is_empty());
        } else {
            let r = v.rules.as_ref().unwrap();
            assert!(r.blocks);
            assert!(
                r.findings.iter().any(|f| f.code == code && f.blocks),
                "{label}: {:?}",
                r.findings
            );
            if label == "layout_differs" {
                let d = &r.layout_differences;
                assert!(
                    d.iter()
                        .any(|x| x.structured.contains('2') && x.layout.contains('3')),
                    "{d:?}"
                );
            }
        }
        // Nothing past a closed visit.
        let e = rig
            .visits()
            .audit(
                &s,
                AuditResult::Approved,
                "x",
                DEMO_PHARMACIST_EC_TOKEN,
                None,
            )
            .await
            .unwrap_err();
        assert!(!e.message_zh().is_empty());
    }
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2101") + accepted(&st, "2102"), 0);
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncertain_settlement_is_reversed_then_sale_completes_offline_and_uploads_once() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let before = rig.balance("PSN1101000003").await;
    let v = rig.open_fresh(json!([[AMOX, 1]]), "支气管炎（测试）").await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    let amox = boxes(AMOX);
    assert!(scan_box(&rig, &amox[3]).await.ok);
    let s = rig.session();
    rig.visits().finish_dispensing(&s).await.unwrap();
    rig.visits().pre_settle(&s).await.unwrap();

    // 2102 applied, answer lost.
    post(
        &rig.base,
        "/admin/faults",
        &json!({"reset_after_rate": 1.0}),
    )
    .await;
    let v = rig.visits().settle(&s).await.unwrap();
    clear_faults(&rig.base).await;
    assert_eq!(v.state, "settlement_uncertain");
    assert!(v.next_step_zh.contains("冲正"));
    // Nothing but the resolution: no new visit, no second 2102, no payment.
    assert_eq!(
        rig.visits().start(&s).await.unwrap_err().code(),
        "VISIT_SETTLEMENT_UNCERTAIN"
    );
    assert!(rig.visits().settle(&s).await.is_err());
    assert!(rig
        .visits()
        .pay(&s, Tender::parse("cash", Some("100"), None).unwrap())
        .await
        .is_err());
    let v = rig.visits().resolve_uncertain(&s).await.unwrap();
    assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2102"), 1);
    assert_eq!(accepted(&st, "2601"), 1);
    assert_eq!(
        rig.balance("PSN1101000003").await,
        before,
        "reversed: nothing charged"
    );

    // A fresh pre-settlement and 2102.
    rig.visits().pre_settle(&s).await.unwrap();
    let v = rig.visits().settle(&s).await.unwrap();
    assert_eq!(v.state, "settled");
    let acct: rxdesk_core::Amount = v.split.as_ref().unwrap().account_pay.parse().unwrap();

    // The center becomes unreachable: the sale completes, its rows wait.
    post(&rig.base, "/admin/faults", &json!({"error_rate": 1.0})).await;
    let v = rig
        .visits()
        .pay(
            &s,
            Tender::parse("scan", None, Some("134567890123456789")).unwrap(),
        )
        .await
        .unwrap();
    let v = if v.payment.as_ref().unwrap().paid {
        v
    } else {
        unreachable!()
    };
    let v2 = rig.visits().complete(&s).await.unwrap();
    assert_eq!(v.state, "settled");
    assert_eq!(v2.state, "receipted");
    let ids = v2.sale.as_ref().unwrap().upload_ids.clone();
    tokio::time::sleep(Duration::from_millis(800)).await;
    for id in &ids {
        let row = rig.counter.store().upload(*id).unwrap();
        assert_ne!(
            row.state,
            UploadState::Done,
            "nothing reaches an unreachable center"
        );
    }
    clear_faults(&rig.base).await;
    rig.all_uploads_done().await;
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "3505"), 1);
    assert_eq!(accepted(&st, "7206"), 1);
    assert_eq!(duplicates(&st, "3505") + duplicates(&st, "7206"), 0, "{st}");
    assert_eq!(
        accepted(&st, "2102"),
        2,
        "the reversed one and the real one"
    );
    // Exactly one charge on the personal account.
    let after: rxdesk_core::Amount = rig.balance("PSN1101000003").await.parse().unwrap();
    let before: rxdesk_core::Amount = before.parse().unwrap();
    assert_eq!(before.checked_sub(acct).unwrap(), after);
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}

/// 挂单 / 取单: a patient steps away after the checks; the visit is parked,
/// the next patient is served, then the parked visit resumes where it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_is_parked_while_the_next_patient_is_served_then_resumed() {
    let rig = Rig::new().await;
    let s = rig.session();
    rig.visits().start(&s).await.unwrap();
    assert_eq!(
        rig.visits().park(&s).await.unwrap_err().code(),
        "PARK_NOT_ALLOWED",
        "no patient yet: nothing to park"
    );
    let v = rig.open_fresh(json!([[AMOX, 1]]), "挂单（测试）").await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    let parked_id = v.visit_id.clone();
    let v = rig.visits().park(&s).await.unwrap();
    assert_eq!(
        v.state, "started",
        "the counter is free for the next patient"
    );
    assert_ne!(v.visit_id, parked_id);
    assert_eq!(v.parked.len(), 1);
    assert_eq!(v.parked[0].visit_id, parked_id);
    assert_eq!(v.parked[0].patient_name, "王芳");
    assert_eq!(v.parked[0].state, "rules_checked");
    assert!(!v.parked[0].uncertain);
    assert!(
        v.parked[0].drugs[0].contains("阿莫西林"),
        "{:?}",
        v.parked[0].drugs
    );
    // The journal keeps the parked visit open.
    assert!(rig.counter.store().visit_row(&parked_id).unwrap().is_some());

    // The next patient, 李四, is served meanwhile.
    let next = rig
        .open_fresh_for(
            "PSN1101000002",
            "110000ecdemo000000000000000000000lisi",
            "李四",
            json!([[IBU, 1]]),
            "挂单期间的下一位（测试）",
        )
        .await;
    assert_eq!(next.state, "rules_checked");
    assert_eq!(next.parked.len(), 1, "the parked visit stays listed");
    assert_eq!(
        rig.visits()
            .resume(&s, &parked_id)
            .await
            .unwrap_err()
            .code(),
        "RESUME_BUSY",
        "李四's visit is in progress"
    );
    rig.visits().cancel(&s).await.unwrap();
    assert_eq!(
        rig.visits().resume(&s, "V-none").await.unwrap_err().code(),
        "PARKED_NOT_FOUND"
    );

    // 王芳 comes back: her visit resumes where it was and goes on.
    let v = rig.visits().resume(&s, &parked_id).await.unwrap();
    assert_eq!(v.visit_id, parked_id);
    assert_eq!(v.state, "rules_checked");
    assert!(v.parked.is_empty());
    assert_eq!(v.patient.as_ref().unwrap().name, "王芳");
    let v = rig.audited().await;
    assert_eq!(v.state, "dispensing", "{}", v.next_step_zh);
}

/// An uncertain settlement (2102 applied, its answer lost) is parked while
/// the next patient is served. It stays uncertain: the patient cannot be
/// served in another visit, nothing is reversed or charged again behind the
/// pharmacist's back, and only 处理未知结算 on the resumed visit resolves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uncertain_settlement_is_parked_and_stays_uncertain_until_resolved() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let before = rig.balance("PSN1101000003").await;
    let v = rig
        .open_fresh(json!([[AMOX, 1]]), "挂起未知结算（测试）")
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    let amox = boxes(AMOX);
    assert!(scan_box(&rig, &amox[3]).await.ok);
    let s = rig.session();
    rig.visits().finish_dispensing(&s).await.unwrap();
    rig.visits().pre_settle(&s).await.unwrap();
    post(
        &rig.base,
        "/admin/faults",
        &json!({"reset_after_rate": 1.0}),
    )
    .await;
    let v = rig.visits().settle(&s).await.unwrap();
    clear_faults(&rig.base).await;
    assert_eq!(v.state, "settlement_uncertain");
    let uncertain_id = v.visit_id.clone();

    // Parked: the counter serves the next patient.
    let v = rig.visits().park(&s).await.unwrap();
    assert_eq!(v.state, "started");
    assert_eq!(v.parked.len(), 1);
    assert!(v.parked[0].uncertain);
    assert_eq!(v.parked[0].state, "settlement_uncertain");
    let next = rig
        .open_fresh_for(
            "PSN1101000002",
            "110000ecdemo000000000000000000000lisi",
            "李四",
            json!([[IBU, 1]]),
            "未知结算挂起时的下一位（测试）",
        )
        .await;
    assert_eq!(next.state, "rules_checked");
    assert!(next.parked[0].uncertain, "still shown as uncertain");
    rig.visits().cancel(&s).await.unwrap();

    // 王芳 cannot be served in another visit while her settlement is unknown.
    rig.visits().start(&s).await.unwrap();
    let e = rig
        .visits()
        .identify(&s, IdMethod::EVoucher, WANGFANG_EC, None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "PATIENT_PARKED_UNCERTAIN");
    // Nothing was resolved behind the pharmacist's back.
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2102"), 1);
    assert_eq!(accepted(&st, "2601"), 0);

    // Resolved while still parked (the counter's own visit untouched): the
    // center reverses it, and 王芳 is no longer locked.
    let v = rig
        .visits()
        .resolve_parked(&s, &uncertain_id)
        .await
        .unwrap();
    assert_eq!(v.state, "started", "the counter's visit is untouched");
    assert!(!v.parked[0].uncertain, "{:?}", v.parked[0].state);
    assert_eq!(v.parked[0].state, "pre_settled");
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2601"), 1);
    assert_eq!(
        rig.balance("PSN1101000003").await,
        before,
        "reversed: nothing charged"
    );
    // Resumed: pre-settled again, never uncertain.
    let v = rig.visits().resume(&s, &uncertain_id).await.unwrap();
    assert_eq!(v.state, "pre_settled");
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}

/// An uncertain settlement parked during an outage is proven in the
/// background (2601 retried) while the counter serves the next patient: a
/// try against a dead center leaves it uncertain and parked, a try against a
/// slow center never holds the counter, and the first try after the center
/// is back reverses it, once, with no pharmacist action.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_uncertain_settlement_is_resolved_in_the_background_when_the_center_returns() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let before = rig.balance("PSN1101000003").await;
    let v = rig
        .open_fresh(json!([[AMOX, 1]]), "后台处理未知结算（测试）")
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    let amox = boxes(AMOX);
    assert!(scan_box(&rig, &amox[4]).await.ok);
    let s = rig.session();
    rig.visits().finish_dispensing(&s).await.unwrap();
    rig.visits().pre_settle(&s).await.unwrap();
    post(
        &rig.base,
        "/admin/faults",
        &json!({"reset_after_rate": 1.0}),
    )
    .await;
    let v = rig.visits().settle(&s).await.unwrap();
    assert_eq!(v.state, "settlement_uncertain");
    let uncertain_id = v.visit_id.clone();
    let v = rig.visits().park(&s).await.unwrap();
    assert_eq!(v.state, "started");
    assert_eq!(rig.visits().parked_uncertain(), 1);

    // The center is down: the background try fails and changes nothing.
    post(&rig.base, "/admin/faults", &json!({"error_rate": 1.0})).await;
    assert!(rig.visits().resolve_parked_in_background().await.is_empty());
    assert_eq!(
        rig.visits().parked_uncertain(),
        1,
        "still uncertain, still parked"
    );
    let v = rig.visits().current().await.unwrap();
    assert!(v.parked[0].uncertain);
    assert_eq!(accepted(&rig.stats().await, "2601"), 0);

    // A slow center: while the background 2601 waits for its answer, the
    // counter is not held (the next visit's steps run and finish first),
    // and the visit under resolution cannot be resumed meanwhile.
    post(&rig.base, "/admin/faults", &json!({"latency_ms": 1500})).await;
    let resolved = {
        let background = rig.visits().resolve_parked_in_background();
        tokio::pin!(background);
        let counter = async {
            // Let the background call take the visit out of the list first.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let busy = rig.visits().resume(&s, &uncertain_id).await.unwrap_err();
            assert_eq!(busy.code(), "PARKED_RESOLVING");
            rig.visits().current().await.unwrap()
        };
        let served = tokio::select! {
            biased;
            v = counter => v,
            r = &mut background => panic!("the background 2601 held the counter until it finished: {r:?}"),
        };
        assert_eq!(served.state, "started");
        background.await
    };
    assert_eq!(
        resolved,
        vec![uncertain_id.clone()],
        "resolved once the center answered"
    );
    clear_faults(&rig.base).await;

    assert_eq!(rig.visits().parked_uncertain(), 0);
    let v = rig.visits().current().await.unwrap();
    assert_eq!(v.parked[0].state, "pre_settled");
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2601"), 1, "one 2601 in all");
    assert_eq!(accepted(&st, "2102"), 1);
    assert_eq!(
        rig.balance("PSN1101000003").await,
        before,
        "reversed: nothing charged"
    );
    // Nothing left to retry: a later background pass makes no call.
    assert!(rig.visits().resolve_parked_in_background().await.is_empty());
    assert_eq!(accepted(&rig.stats().await, "2601"), 1);
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}

/// The same parked uncertain settlement, resolved after 取单 instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_uncertain_settlement_resumed_is_still_uncertain_until_resolved() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let before = rig.balance("PSN1101000003").await;
    let v = rig
        .open_fresh(json!([[AMOX, 1]]), "取单后处理（测试）")
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    let amox = boxes(AMOX);
    assert!(scan_box(&rig, &amox[3]).await.ok);
    let s = rig.session();
    rig.visits().finish_dispensing(&s).await.unwrap();
    rig.visits().pre_settle(&s).await.unwrap();
    post(
        &rig.base,
        "/admin/faults",
        &json!({"reset_after_rate": 1.0}),
    )
    .await;
    let v = rig.visits().settle(&s).await.unwrap();
    clear_faults(&rig.base).await;
    assert_eq!(v.state, "settlement_uncertain");
    let uncertain_id = v.visit_id.clone();
    rig.visits().park(&s).await.unwrap();
    // Resumed, it is still uncertain, and only the resolution moves it on.
    let v = rig.visits().resume(&s, &uncertain_id).await.unwrap();
    assert_eq!(v.state, "settlement_uncertain");
    assert!(rig
        .visits()
        .pay(&s, Tender::parse("cash", Some("100"), None).unwrap())
        .await
        .is_err());
    let v = rig.visits().resolve_uncertain(&s).await.unwrap();
    assert_eq!(v.state, "pre_settled", "{}", v.next_step_zh);
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2601"), 1);
    assert_eq!(
        rig.balance("PSN1101000003").await,
        before,
        "reversed: nothing charged"
    );
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}

/// A cashier serves a prescription visit from start to receipt at her own
/// session; the audit is the on-duty pharmacist's, proven at the cashier's
/// screen by the pharmacist's own e-voucher, and recorded as hers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cashier_completes_a_visit_audited_by_the_on_duty_pharmacist() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let pharmacist = rig.session();
    rig.visits()
        .shift_start(&pharmacist, DEMO_PHARMACIST_EC_TOKEN)
        .await
        .unwrap();
    let cashier = rig.counter.store().login("1001", "demo-cashier").unwrap();
    post(
        &rig.base,
        "/admin/prescriptions",
        &json!({"hospital": "H11010100001", "psn_no": "PSN1101000003", "lines": [[AMOX, 1]],
                "valid_days": 7, "rept_flag": false, "max_rept_cnt": 0,
                "diag_name": "收银员办理（测试）", "label": "收银员办理（测试）"}),
    )
    .await;
    let v = rig.visits();
    v.start(&cashier).await.unwrap();
    let listed = v
        .identify(&cashier, IdMethod::EVoucher, WANGFANG_EC, None, None)
        .await
        .unwrap();
    let auth = listed
        .listed
        .iter()
        .find(|r| r.diag_name == "收银员办理（测试）")
        .unwrap()
        .auth_rxno
        .clone();
    assert_eq!(
        v.open(&cashier, &auth).await.unwrap().state,
        "rules_checked"
    );
    // Someone else's e-voucher is not the pharmacist's re-confirmation.
    let e = v
        .audit(
            &cashier,
            AuditResult::Approved,
            "处方合理，准予调配",
            WANGFANG_EC,
            None,
        )
        .await
        .unwrap_err();
    assert_ne!(e.code(), "AUDIT_NOT_ON_DUTY", "{e:?}");
    assert!(v.current().await.unwrap().audit.is_none());
    // The on-duty pharmacist's own e-voucher at the cashier's screen.
    let a = v
        .audit(
            &cashier,
            AuditResult::Approved,
            "处方合理，准予调配",
            DEMO_PHARMACIST_EC_TOKEN,
            None,
        )
        .await
        .unwrap();
    assert_eq!(a.state, "dispensing", "{}", a.next_step_zh);
    let audit = a.audit.clone().unwrap();
    assert_eq!(audit.pharmacist_name, "李药师");
    let payload = rig
        .counter
        .store()
        .upload_payload(audit.upload_id.unwrap())
        .unwrap();
    assert!(
        payload.to_string().contains("李药师"),
        "7204 names the pharmacist: {payload}"
    );
    // The cashier dispenses, settles, takes the payment and completes.
    let b = &boxes(AMOX)[3];
    assert_eq!(
        v.scan(&cashier, &b.barcode).await.unwrap().code,
        "barcode_ok"
    );
    assert!(v.scan(&cashier, &b.trace_code).await.unwrap().ok);
    v.finish_dispensing(&cashier).await.unwrap();
    assert_eq!(v.pre_settle(&cashier).await.unwrap().state, "pre_settled");
    let s = v.settle(&cashier).await.unwrap();
    assert_eq!(s.state, "settled", "{}", s.next_step_zh);
    if !s.payment.as_ref().is_some_and(|p| p.paid) {
        v.pay(
            &cashier,
            Tender::parse("scan", None, Some("134567890123456789")).unwrap(),
        )
        .await
        .unwrap();
    }
    let done = v.complete(&cashier).await.unwrap();
    assert_eq!(done.state, "receipted");
    let sale = done.sale.unwrap();
    assert!(sale.receipt_text.contains("李药师"));

    // 店长授权 at the cashier's session: a refund is a manager's right; the
    // manager types 工号 and password on the cashier's screen for this one.
    rig.all_uploads_done().await;
    let identity = || {
        Some(RefundIdentity {
            method: "e_voucher".into(),
            code: WANGFANG_EC.into(),
        })
    };
    let e = v
        .refund(&cashier, sale.sale_id, "患者过敏", identity())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "FORBIDDEN", "{e:?}");
    let e = v
        .refund_authorised(
            &cashier,
            "3001",
            "wrong",
            sale.sale_id,
            "患者过敏",
            identity(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "AUTHORISE_REFUSED");
    let e = v
        .refund_authorised(
            &cashier,
            "2001",
            "demo-pharmacist",
            sale.sale_id,
            "患者过敏",
            identity(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        "FORBIDDEN",
        "a pharmacist cannot authorise a refund"
    );
    let r = v
        .refund_authorised(
            &cashier,
            "3001",
            "demo-manager",
            sale.sale_id,
            "患者过敏，整单退药",
            identity(),
        )
        .await
        .unwrap();
    assert!(r.receipt_text.contains("退"), "{}", r.receipt_text);
    // The receipt names who handled it at the counter, and who authorised it.
    let line = |label: &str| {
        r.receipt_text
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no {label} line:\n{}", r.receipt_text))
            .to_string()
    };
    assert!(
        line("经办人").contains(cashier.display_name()),
        "{}",
        r.receipt_text
    );
    assert!(
        !line("授权店长").contains(cashier.display_name()),
        "{}",
        r.receipt_text
    );
    let log = rig.counter.store().audit_entries(50).unwrap();
    let authorised = log
        .iter()
        .find(|e| e.event == "authorise")
        .expect("the authorisation is in the audit log");
    assert!(
        authorised.detail.contains("sale.refund")
            && authorised
                .detail
                .contains(&format!("\"at_session_of\":{}", cashier.operator_id())),
        "{}",
        authorised.detail
    );
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_evoucher_gets_guidance_and_card_needs_the_devices() {
    let rig = Rig::new().await;
    let s = rig.session();
    rig.visits().start(&s).await.unwrap();
    let v = rig
        .visits()
        .identify(
            &s,
            IdMethod::EVoucher,
            "110000ecdemo0000000000000000000notactive",
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(v.state, "evoucher_guidance");
    let g = v.guidance.unwrap();
    assert!(g.title_zh.contains("激活"));
    assert!(g.text.contains("1. "));
    // No card reader / NationECCode configured: the card route says so and
    // nothing is sent (a typed card number with any password never passes;
    // tests/identity_devices.rs drives the simulated reader and PIN pad).
    let e = rig
        .visits()
        .identify(&s, IdMethod::SocialSecurityCard, "A10000003", None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "DEVICE_NOT_CONFIGURED");
    assert!(e.message_zh().contains("读卡器"), "{e}");
    let e = rig
        .visits()
        .identify(&s, IdMethod::IdCard, "110101196803030049", None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "DEVICE_NOT_CONFIGURED");
    assert!(e.message_zh().contains("密码"), "{e}");
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settlement_left_sending_by_a_crash_is_surfaced_and_resolved_first() {
    let rig = Rig::new().await;
    let s = rig.session();
    // A 2102 journalled, then the process died before any answer.
    let input = json!({"data": {"psn_no": "PSN1101000003"}});
    // fixmedins_code + yyyyMMddHHmmss + sequence: a msgid the center never saw.
    let msgid = "P11010100001202611240000012345";
    rig.counter
        .store()
        .begin_settlement_attempt(&s, "V-crashed", None, msgid, &input.to_string())
        .unwrap();
    let settings = Settings {
        center_url: Some(rig.base.clone()),
        ..Settings::default()
    };
    let reopened = Counter::open(&rig.dir, &settings).unwrap();
    reopened
        .login("2001", "demo-pharmacist", Some("pharmacist"))
        .unwrap();
    let visits = reopened.visits().unwrap();
    let s = reopened.session().unwrap();
    let v = visits
        .current()
        .await
        .expect("the uncertain attempt is shown");
    assert_eq!(v.state, "settlement_uncertain");
    assert!(v.next_step_zh.contains("冲正"), "{}", v.next_step_zh);
    let e = visits.start(&s).await.unwrap_err();
    assert_eq!(e.code(), "VISIT_SETTLEMENT_UNCERTAIN");
    // 2601: the center never applied it (6001) and 5203 finds nothing — but
    // a "not found" is believed only once the safety window is over.
    let e = visits.resolve_uncertain(&s).await.unwrap_err();
    assert_eq!(e.code(), "SETTLEMENT_NOT_FOUND_YET", "{e}");
    visits.set_settlement_safety_window(Duration::ZERO);
    let v = visits.resolve_uncertain(&s).await.unwrap();
    assert_eq!(v.state, "closed");
    assert!(v.closed_reason_zh.unwrap().contains("确认未结算"));
    assert!(reopened
        .store()
        .open_settlement_attempts()
        .unwrap()
        .is_empty());
    assert_eq!(visits.start(&s).await.unwrap().state, "started");
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "2102"), 0);
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_is_signed_for_by_the_patient_only_and_reported() {
    use rxdesk_app::visit::DeliveryStep;
    let mut rig = Rig::new().await;
    rig.start_worker();
    let v = rig
        .open_fresh(json!([[IBU, 1]]), "关节痛（配送测试）")
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    assert!(scan_box(&rig, &boxes(IBU)[4]).await.ok);
    let s = rig.session();
    rig.visits().finish_dispensing(&s).await.unwrap();
    rig.visits().pre_settle(&s).await.unwrap();
    let v = rig.visits().settle(&s).await.unwrap();
    let cash = v.split.unwrap().cash_pay;
    rig.visits()
        .pay(&s, Tender::parse("cash", Some(&cash), None).unwrap())
        .await
        .unwrap();
    let v = rig.visits().complete(&s).await.unwrap();
    assert_eq!(v.state, "receipted");
    let patient = rig
        .counter
        .store()
        .sale_detail(v.sale.unwrap().sale_id)
        .unwrap()
        .summary
        .patient_name;
    assert_eq!(patient, "王芳");

    // Not yet in transit: cannot be signed for.
    assert!(rig
        .visits()
        .delivery(&s, DeliveryStep::InTransit)
        .await
        .is_err());
    let v = rig
        .visits()
        .delivery(
            &s,
            DeliveryStep::Accept {
                delv_no: "DLV-0001".into(),
                company: "演示同城配送".into(),
                cold_chain_handled: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(v.state, "delivery");
    rig.visits()
        .delivery(&s, DeliveryStep::InTransit)
        .await
        .unwrap();
    // Someone else at the door.
    let e = rig
        .visits()
        .delivery(
            &s,
            DeliveryStep::Signed {
                name: "张三".into(),
                cert_no: "110101198001010029".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "VISIT_RECIPIENT_NOT_PATIENT");
    let v = rig
        .visits()
        .delivery(
            &s,
            DeliveryStep::Signed {
                name: "王芳".into(),
                cert_no: "110101196803030049".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(v.state, "delivery");
    assert!(v.next_step_zh.contains("签收"), "{}", v.next_step_zh);
    rig.all_uploads_done().await;
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "7205"), 3, "accepted, in transit, signed for");
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cash_due_is_paid_by_scan_after_a_declined_pay_code() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    // 李四 has no personal-account balance: the self-paid part is due.
    let v = rig
        .open_fresh_for(
            "PSN1101000002",
            "110000ecdemo000000000000000000000lisi",
            "李四",
            json!([[IBU, 1]]),
            "牙痛（付款测试）",
        )
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    assert!(scan_box(&rig, &boxes(IBU)[5]).await.ok);
    let s = rig.session();
    rig.visits().finish_dispensing(&s).await.unwrap();
    rig.visits().pre_settle(&s).await.unwrap();
    let v = rig.visits().settle(&s).await.unwrap();
    let split = v.split.unwrap();
    assert_ne!(split.cash_pay, "0.00", "{split:?}");
    let p = v.payment.unwrap();
    assert!(!p.paid);
    assert_eq!(p.due, split.cash_pay);
    // Declined (the simulator's insufficient-balance code), then a bad code.
    let e = rig
        .visits()
        .pay(
            &s,
            Tender::parse("scan", None, Some("134567890123454004")).unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "PAYMENT_DECLINED");
    assert!(e.message_zh().contains("余额不足"), "{e}");
    let e = rig
        .visits()
        .pay(&s, Tender::parse("scan", None, Some("12345")).unwrap())
        .await
        .unwrap_err();
    assert!(e.message_zh().contains("付款码无效"), "{e}");
    assert_eq!(
        rig.visits().complete(&s).await.unwrap_err().code(),
        "NOT_PAID"
    );
    let v = rig
        .visits()
        .pay(
            &s,
            Tender::parse("scan", None, Some("280012345678901234")).unwrap(),
        )
        .await
        .unwrap();
    let p = v.payment.unwrap();
    assert!(p.paid);
    assert_eq!(p.method, "scan");
    let v = rig.visits().complete(&s).await.unwrap();
    let sale = v.sale.unwrap();
    assert!(
        sale.receipt_text.contains("支付宝"),
        "{}",
        sale.receipt_text
    );
    assert!(sale.receipt_text.contains(&split.cash_pay));
    rig.all_uploads_done().await;
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_without_trace_codes_only_from_the_no_code_store_with_a_reason() {
    let mut rig = Rig::new().await;
    rig.start_worker();
    let v = rig
        .open_fresh(
            json!([[AMOX, 2], [IBU, 1]]),
            "急性上呼吸道感染（无码库测试）",
        )
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.audited().await;
    let s = rig.session();
    // No reason: refused, nothing changes.
    let o = rig
        .visits()
        .dispense_no_code(&s, 0, "2", "  ")
        .await
        .unwrap();
    assert!(!o.ok);
    assert!(o.visit.dispensing[0].boxes.is_empty());
    // Garbage quantities and lines are refused with a sentence.
    for (line, packs) in [(0, "abc"), (0, "-1"), (0, "0"), (9, "1")] {
        let o = rig
            .visits()
            .dispense_no_code(&s, line, packs, "到货无追溯码")
            .await
            .unwrap();
        assert!(!o.ok, "{line} {packs}");
        assert!(!o.message_zh.is_empty());
    }
    // Two boxes of 阿莫西林 from the 无码库 batch, with the reason.
    let o = rig
        .visits()
        .dispense_no_code(&s, 0, "2", "供货商到货未赋码，已登记")
        .await
        .unwrap();
    assert!(o.ok, "{}", o.message_zh);
    assert!(o.message_zh.contains("无码库"), "{}", o.message_zh);
    let line = &o.visit.dispensing[0];
    assert!(line.done);
    assert!(line.boxes.iter().all(|b| b.trace_code.is_none()));
    assert!(line.boxes.iter().all(|b| b.batch == "DEMO-AMX-NC"));
    // A third pack would be over the prescribed quantity.
    let o = rig
        .visits()
        .dispense_no_code(&s, 0, "1", "供货商到货未赋码")
        .await
        .unwrap();
    assert_eq!(o.code, "over_quantity", "{}", o.message_zh);
    // 布洛芬 has no 无码库 stock: refused; scanned as a box instead.
    let o = rig
        .visits()
        .dispense_no_code(&s, 1, "1", "未赋码")
        .await
        .unwrap();
    assert!(!o.ok);
    let o = scan_box(&rig, &boxes(IBU)[2]).await;
    assert!(o.ok, "{}", o.message_zh);
    let v = rig.visits().finish_dispensing(&s).await.unwrap();
    assert_eq!(v.state, "dispensed");
    let v = rig.visits().pre_settle(&s).await.unwrap();
    assert_eq!(v.split.as_ref().unwrap().total, "43.00");
}

/// Dispenses one box, settles, pays the cash part and completes the opened
/// visit; returns the sale.
async fn sell_opened(rig: &Rig, b: &DemoBox) -> rxdesk_app::visit::SaleView {
    let s = rig.session();
    // On duty once; a second visit finds the pharmacist still on duty.
    let _ = rig.visits().shift_start(&s, DEMO_PHARMACIST_EC_TOKEN).await;
    rig.visits()
        .audit(
            &s,
            AuditResult::Approved,
            "处方用药合理，同意调配",
            DEMO_PHARMACIST_EC_TOKEN,
            None,
        )
        .await
        .unwrap();
    assert!(scan_box(rig, b).await.ok);
    rig.visits().finish_dispensing(&s).await.unwrap();
    rig.visits().pre_settle(&s).await.unwrap();
    let v = rig.visits().settle(&s).await.unwrap();
    let cash = v.split.unwrap().cash_pay;
    if cash.parse::<rxdesk_core::Amount>().unwrap().value() > rust_decimal::Decimal::ZERO {
        rig.visits()
            .pay(&s, Tender::parse("cash", Some(&cash), None).unwrap())
            .await
            .unwrap();
    }
    let v = rig.visits().complete(&s).await.unwrap();
    assert_eq!(v.state, "receipted");
    v.sale.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_order_moves_after_the_visit_and_each_sale_counts_under_its_credential() {
    use rxdesk_app::delivery;
    let mut rig = Rig::new().await;
    rig.start_worker();
    // Sale 1: 王芳 by e-voucher QR.
    let v = rig
        .open_fresh(json!([[IBU, 1]]), "关节痛（配送订单）")
        .await;
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    let sale = sell_opened(&rig, &boxes(IBU)[5]).await;
    // Sale 2: 王芳 by the e-prescription QR (the center decodes it to her ID number).
    let made = post(
        &rig.base,
        "/admin/prescriptions",
        &json!({"hospital": "H11010100001", "psn_no": "PSN1101000003", "lines": [[IBU, 1]],
                "valid_days": 7, "rept_flag": false, "max_rept_cnt": 0,
                "diag_name": "关节痛（二维码）", "label": "qr-figures"}),
    )
    .await;
    let qr = made["epc_qrcd"].as_str().unwrap().to_string();
    let s = rig.session();
    rig.visits().start(&s).await.unwrap();
    let v = rig
        .visits()
        .identify(&s, IdMethod::EpcQr, &qr, None, None)
        .await
        .unwrap();
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    sell_opened(&rig, &boxes(IBU)[6]).await;

    let store = rig.counter.store();
    let (from, to) =
        rxdesk_store::reports::day_range_ms(rxdesk_store::reports::cst_day(store.now_ms()));
    let rows = store.settlements_between(from, to).unwrap();
    let methods: Vec<&str> = rows.iter().map(|r| r.id_method.as_str()).collect();
    assert_eq!(methods, ["e_voucher", "epc_qr"]);
    // The QR visit settled with the ID number (02), yet counts as a QR visit.
    assert_eq!(rows[1].mdtrt_cert_type, "02");
    let m = &store.evoucher_share_by_month(from, to).unwrap()[0];
    assert_eq!(
        (
            m.by_credential.e_voucher,
            m.by_credential.epc_qr,
            m.by_credential.id_card
        ),
        (1, 1, 0)
    );
    assert_eq!((m.evoucher, m.share_percent.as_str()), (2, "100.0"));

    // The delivery screen's service, after the visit: found by the receipt's number.
    let e = delivery::accept(store, &s, "NO-SUCH-DOC", "DLV-9", "演示同城配送", false).unwrap_err();
    assert_eq!(e.code(), "DELIVERY_SALE_NOT_FOUND");
    let e = delivery::accept(store, &s, &sale.rtal_docno, "", "演示同城配送", false).unwrap_err();
    assert_eq!(e.code(), "DELIVERY_INCOMPLETE");
    let m1 = delivery::accept(
        store,
        &s,
        &sale.rtal_docno,
        "DLV-0009",
        "演示同城配送",
        false,
    )
    .unwrap();
    assert_eq!(
        (
            m1.order.status_code.as_str(),
            m1.order.patient_name.as_str()
        ),
        ("1", "王芳")
    );
    let e = delivery::accept(
        store,
        &s,
        &sale.rtal_docno,
        "DLV-0010",
        "演示同城配送",
        false,
    )
    .unwrap_err();
    assert_eq!(e.code(), "DELIVERY_ALREADY_ORDERED");
    // Not in transit yet: no sign-off.
    let e = delivery::sign(store, &s, sale.sale_id, "王芳", "110101196803030049").unwrap_err();
    assert_eq!(e.code(), "DELIVERY_ILLEGAL_STEP");
    let open = delivery::open_orders(store, &s).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].rtal_docno, sale.rtal_docno);
    delivery::in_transit(store, &s, sale.sale_id).unwrap();
    let e = delivery::sign(store, &s, sale.sale_id, "张三", "110101198001010029").unwrap_err();
    assert_eq!(e.code(), "DELIVERY_RECIPIENT_NOT_PATIENT");
    let e = delivery::sign(store, &s, sale.sale_id, "", "").unwrap_err();
    assert_eq!(e.code(), "DELIVERY_RECIPIENT_INCOMPLETE");
    let done = delivery::sign(store, &s, sale.sale_id, "王芳", "110101196803030049").unwrap();
    assert_eq!(done.order.status_code, "3");
    assert!(!done.order.open);
    let e = delivery::refuse(store, &s, sale.sale_id, "不要了").unwrap_err();
    assert_eq!(e.code(), "DELIVERY_ILLEGAL_STEP");

    // Each status once at the center.
    rig.all_uploads_done().await;
    let st = rig.stats().await;
    assert_eq!(accepted(&st, "7205"), 3, "accepted, in transit, signed for");
    assert_eq!(duplicates(&st, "7205"), 0);
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}
