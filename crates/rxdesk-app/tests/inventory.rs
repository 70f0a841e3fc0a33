//! Inventory and traceability against the center emulator: only a received
//! box can be sold (a fabricated code with the right prefix is refused at
//! the prescription counter and at the OTC counter, with what to do), a
//! dispensed box is recorded under its own batch, and the whole cycle —
//! receive 10 boxes with codes → sell 3 (one by 拆零) → refund one sale →
//! stock-take finds one missing → 3502 loss → 3513 reconciliation balanced —
//! with every upload typed and delivered exactly once through the outbox.

mod common;

use common::*;
use rust_decimal::Decimal;
use rxdesk_app::operators::DEMO_PHARMACIST_EC_TOKEN;
use rxdesk_app::trace_reconcile;
use rxdesk_app::visit::{OtcPayer, Tender};
use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator};
use rxdesk_core::codes::AuditResult;
use rxdesk_demo::catalogue::{demo_boxes, DemoBox};
use rxdesk_store::inventory::{ChangeKind, GoodsIn, GoodsInLine};
use std::sync::Arc;
use std::time::Duration;

const IBU: &str = "YP000002";

fn boxes_of(hilist: &str) -> Vec<DemoBox> {
    demo_boxes()
        .into_iter()
        .filter(|b| b.fixmedins_hilist_id == hilist)
        .collect()
}

fn prefix_of(hilist: &str) -> String {
    boxes_of(hilist)[0].trace_code[..7].to_string()
}

fn client(base: &str) -> CenterClient {
    let mut p = CenterProfile::demo(base, Family::A).unwrap();
    p.request_timeout = Duration::from_secs(5);
    let gen = MsgIdGenerator::new(&p.institution.fixmedins_code)
        .unwrap()
        .with_sequence_range(6000, 6999);
    CenterClient::new(p, Arc::new(gen)).unwrap()
}

/// A metformin prescription for 王芳, listed when she is identified.
async fn prescribe_metformin(rig: &Rig) -> String {
    post(
        &rig.base,
        "/admin/prescriptions",
        serde_json::json!({"hospital": "H11010100002", "psn_no": "PSN1101000003", "lines": [[METF, 1]],
               "diag_name": DIAG, "valid_days": 7, "label": "inventory test"}),
    )
    .await;
    rig.listed().await.expect("the prescription is listed")
}

/// Waits until the outbox has nothing left to send (bounded).
async fn drained(rig: &Rig) {
    for _ in 0..300 {
        let q = rig.counter.store().queue_status().unwrap();
        if q.pending == 0 && q.sending == 0 && q.uncertain == 0 {
            assert_eq!(q.rejected, 0, "an upload was rejected: {q:?}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the outbox never drained: {:?}",
        rig.counter.store().queue_status().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fabricated_code_with_the_right_prefix_is_refused_with_what_to_do() {
    let rig = Rig::new().await;
    let s = rig.session();
    // At the prescription counter.
    let auth = prescribe_metformin(&rig).await;
    rig.open(&auth).await;
    rig.visits()
        .shift_start(&s, DEMO_PHARMACIST_EC_TOKEN)
        .await
        .unwrap();
    rig.visits()
        .audit(
            &s,
            AuditResult::Approved,
            "合理",
            DEMO_PHARMACIST_EC_TOKEN,
            None,
        )
        .await
        .unwrap();
    let metf = boxes_of("YP000005");
    let fabricated = format!("{}9999999999999", prefix_of("YP000005"));
    assert_eq!(
        fabricated, "81305159999999999999",
        "the code from the field report"
    );
    let o = rig.visits().scan(&s, &metf[0].barcode).await.unwrap();
    assert_eq!(o.code, "barcode_ok");
    let o = rig.visits().scan(&s, &fabricated).await.unwrap();
    assert!(!o.ok);
    assert_eq!(o.code, "trace_code_not_received", "{}", o.message_zh);
    assert!(
        o.message_zh.contains("采购入库") && o.message_zh.contains("申诉"),
        "says what to do: {}",
        o.message_zh
    );
    assert!(o.visit.dispensing.iter().all(|l| l.boxes.is_empty()));
    // The received box of the same product is accepted.
    let o = rig.visits().scan(&s, &metf[0].trace_code).await.unwrap();
    assert!(o.ok, "{}", o.message_zh);
    rig.cancel().await;

    // At the OTC counter, the literal code from the field report too.
    rig.visits().otc_start(&s).await.unwrap();
    let ibu_fake = format!("{}9999999999999", prefix_of(IBU));
    for fake in [ibu_fake.as_str(), "81305159999999999999"] {
        let o = rig.visits().otc_scan(&s, fake).await.unwrap();
        assert!(!o.ok, "{fake} must be refused");
        if fake.starts_with(&prefix_of(IBU)) {
            assert_eq!(o.code, "trace_code_not_received", "{}", o.message_zh);
        }
    }
    let v = rig.visits().otc_current().await.unwrap();
    assert!(v.boxes.is_empty(), "nothing was sold: {v:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispensed_box_is_recorded_under_its_own_batch() {
    let rig = Rig::new().await;
    let s = rig.session();
    // A metformin box received into the later batch DEMO-MET-02 (first
    // expiry would pick DEMO-MET-01).
    let code = format!("{}7000000000001", prefix_of("YP000005"));
    rig.counter
        .store()
        .receive_goods(
            &s,
            &GoodsIn {
                supplier: "演示医药有限公司".into(),
                invoice_no: "INV-MET-2".into(),
                lines: vec![GoodsInLine {
                    fixmedins_hilist_id: "YP000005".into(),
                    manu_lotnum: "M250722".into(),
                    manu_date: "2025-07-22".into(),
                    expy_end: "2028-07-21".into(),
                    boxes: vec![code.clone()],
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
    let auth = prescribe_metformin(&rig).await;
    rig.open(&auth).await;
    rig.visits()
        .shift_start(&s, DEMO_PHARMACIST_EC_TOKEN)
        .await
        .unwrap();
    rig.visits()
        .audit(
            &s,
            AuditResult::Approved,
            "合理",
            DEMO_PHARMACIST_EC_TOKEN,
            None,
        )
        .await
        .unwrap();
    let metf = boxes_of("YP000005");
    rig.visits().scan(&s, &metf[0].barcode).await.unwrap();
    let o = rig.visits().scan(&s, &code).await.unwrap();
    assert!(o.ok, "{}", o.message_zh);
    assert_eq!(o.visit.dispensing[0].boxes[0].batch, "DEMO-MET-02");
    assert!(o.message_zh.contains("M250722"), "{}", o.message_zh);
    rig.cancel().await;
}

/// One self-paid OTC sale of these scans (barcode + code per whole box, or
/// a code alone for a 拆零 portion of `split_units` 粒); returns the sale id.
async fn otc_sale(rig: &Rig, whole: &[String], split: Option<(&str, u32)>) -> i64 {
    let s = rig.session();
    rig.visits().otc_start(&s).await.unwrap();
    let barcode = boxes_of(IBU)[0].barcode.clone();
    for code in whole {
        let o = rig.visits().otc_scan(&s, &barcode).await.unwrap();
        assert!(o.ok, "{}", o.message_zh);
        let o = rig.visits().otc_scan(&s, code).await.unwrap();
        assert!(o.ok, "{}", o.message_zh);
    }
    if let Some((code, units)) = split {
        rig.visits()
            .otc_add(&s, IBU, Decimal::from(units), true)
            .await
            .unwrap();
        let o = rig.visits().otc_scan(&s, code).await.unwrap();
        assert!(o.ok, "{}", o.message_zh);
    }
    let v = rig
        .visits()
        .otc_checkout(&s, OtcPayer::SelfPay)
        .await
        .unwrap();
    let total = v.split.unwrap().total;
    rig.visits().otc_settle(&s).await.unwrap();
    rig.visits()
        .otc_pay(&s, Tender::parse("cash", Some(&total), None).unwrap())
        .await
        .unwrap();
    let v = rig.visits().otc_complete(&s).await.unwrap();
    v.sale.unwrap().sale_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receive_sell_split_refund_count_lose_and_reconcile_with_the_platform() {
    let rig = Rig::new().await;
    let store = Arc::clone(rig.counter.store());
    let s = rig.session();
    let center = client(&rig.base);

    // Receive 10 boxes with their codes.
    let prefix = prefix_of(IBU);
    let mine: Vec<String> = (1..=10)
        .map(|n| format!("{prefix}{:013}", 8_800_000_000_000u64 + n))
        .collect();
    let doc = store
        .receive_goods(
            &s,
            &GoodsIn {
                supplier: "某医药公司".into(),
                invoice_no: "INV-2026-0001".into(),
                lines: vec![GoodsInLine {
                    fixmedins_hilist_id: IBU.into(),
                    manu_lotnum: "I260301".into(),
                    manu_date: "2026-03-01".into(),
                    expy_end: "2029-02-28".into(),
                    purchase_price: "9.50".parse().unwrap(),
                    boxes: mine.clone(),
                    cartons: Vec::new(),
                }],
                ..Default::default()
            },
        )
        .unwrap();
    let batch = doc.batches[0].clone();

    // A fabricated code of the same product is refused at the counter.
    rig.visits().otc_start(&s).await.unwrap();
    let o = rig
        .visits()
        .otc_scan(&s, &format!("{prefix}9999999999999"))
        .await
        .unwrap();
    assert_eq!(o.code, "trace_code_not_received", "{}", o.message_zh);
    rig.visits().otc_cancel(&s).await.unwrap();

    // Sell 3: two whole boxes, then 6 粒 out of the third (拆零).
    let first = otc_sale(&rig, &mine[..2], None).await;
    let second = otc_sale(&rig, &[], Some((&mine[2], 6))).await;
    for c in &mine[..2] {
        let b = store.stock_box(c).unwrap().unwrap();
        assert_eq!(
            (b.state.as_str(), b.fixmedins_bchno.as_str()),
            ("sold", batch.as_str())
        );
    }
    let opened = store.stock_box(&mine[2]).unwrap().unwrap();
    assert_eq!(opened.state, "opened");
    assert!(opened.remaining < Decimal::ONE && opened.remaining > Decimal::ZERO);

    // Refund the first sale: both boxes back on the shelf.
    rig.counter.login("3001", "demo-manager", None).unwrap();
    let boss = rig.session();
    rig.visits()
        .refund(&boss, first, "顾客退货", None)
        .await
        .unwrap();
    for c in &mine[..2] {
        assert_eq!(store.stock_box(c).unwrap().unwrap().state, "in_stock");
    }

    // Stock-take of 布洛芬: every box on the shelf scanned but the tenth.
    let mut counted: Vec<String> = boxes_of(IBU).into_iter().map(|b| b.trace_code).collect();
    counted.extend(mine[..9].iter().cloned());
    let diff = store.stock_take_preview(&counted, None).unwrap();
    assert_eq!(diff.missing, vec![mine[9].clone()], "{diff:?}");
    assert!(diff.unexpected.is_empty(), "{diff:?}");
    store.commit_stock_take(&boss, &counted, None).unwrap();
    // The missing box is booked as lost (3502).
    store
        .record_stock_change(&boss, ChangeKind::Loss, &mine[9..], "盘点缺失")
        .unwrap();
    assert!(store.stock_take_preview(&counted, None).unwrap().balanced());

    // Everything reaches the platform, exactly once.
    drained(&rig).await;
    let rows = store.list_uploads(None, 10_000).unwrap();
    for op in ["3501", "3502", "3503", "3505", "3506"] {
        let ours = rows.iter().filter(|r| r.op == op).count();
        let theirs = rig.uploads(op).await.len();
        assert!(ours > 0, "no {op} queued");
        assert_eq!(
            theirs, ours,
            "{op}: each outbox row applied once at the center"
        );
        for r in rows.iter().filter(|r| r.op == op) {
            let payload = store.upload_payload(r.id).unwrap();
            rxdesk_center::upload::UploadMessage::parse(op, &payload).expect("typed upload");
        }
    }
    let books = get(&rig.base, "/admin/books").await;
    let platform_stock = &books["stock"]["in_stock"];
    for c in &mine[..2] {
        assert!(
            platform_stock[c].is_object(),
            "{c} back in the platform's stock"
        );
    }
    assert!(
        platform_stock[&mine[9]].is_null(),
        "the lost box left the platform's stock"
    );
    let sold_3503: Vec<&serde_json::Value> = books["stock"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["infno"] == "3503" && r["fixmedins_bchno"] == batch.as_str())
        .collect();
    assert_eq!(sold_3503.len(), 1);
    assert_eq!(sold_3503[0]["codes"].as_array().unwrap().len(), 10);

    // 3513: the day reconciles; by code the split box shows its sale.
    let today = rxdesk_store::reports::cst_day(store.now_ms());
    let r = trace_reconcile::reconcile_day(&center, &store, &boss, today)
        .await
        .unwrap();
    assert!(r.balanced(), "{r:?}");
    assert_eq!(r.ledger, 1, "one split line sold and not refunded: {r:?}");
    assert_eq!(r.matched, 1);
    let rec = trace_reconcile::platform_record_of(&center, &boss, &mine[2])
        .await
        .unwrap();
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0].trdn_flag, "1");
    assert!(
        trace_reconcile::platform_record_of(&center, &boss, &mine[0])
            .await
            .unwrap()
            .is_empty()
    );

    // Refunding the split sale gives its range back: the box is whole
    // again, and its 3506 (trdn_flag 1, the box's code) is accepted.
    rig.visits()
        .refund(&boss, second, "顾客退货", None)
        .await
        .unwrap();
    let b = store.stock_box(&mine[2]).unwrap().unwrap();
    assert_eq!((b.state.as_str(), b.remaining), ("in_stock", Decimal::ONE));
    drained(&rig).await;
    let returns = rig.uploads("3506").await;
    let split_return = returns
        .iter()
        .find(|u| u["input"]["selinfo"]["trdn_flag"] == "1")
        .expect("the split sale's 3506");
    assert_eq!(
        split_return["input"]["selinfo"]["drugtracinfo"][0]["drug_trac_codg"],
        mine[2].as_str()
    );
    let r = trace_reconcile::reconcile_day(&center, &store, &boss, today)
        .await
        .unwrap();
    assert!(r.balanced() && r.ledger == 0 && r.platform == 0, "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inventory_services_act_as_the_signed_in_operator_with_stable_codes() {
    use rxdesk_app::inventory;
    let rig = Rig::new().await;
    let c = &rig.counter;
    let prefix = prefix_of(IBU);
    let codes: Vec<String> = (1..=2)
        .map(|n| format!("{prefix}{:013}", 5_500_000_000_000u64 + n))
        .collect();
    let doc = GoodsIn {
        supplier: "某医药公司".into(),
        invoice_no: "INV-S-1".into(),
        lines: vec![GoodsInLine {
            fixmedins_hilist_id: IBU.into(),
            manu_lotnum: "I260401".into(),
            manu_date: "2026-04-01".into(),
            expy_end: "2029-03-31".into(),
            boxes: codes.clone(),
            ..Default::default()
        }],
        ..Default::default()
    };
    // The pharmacist receives; the same boxes again are refused by code.
    let d = inventory::receive(c, &doc).unwrap();
    assert_eq!(d.boxes, 2);
    let e = inventory::receive(c, &doc).unwrap_err();
    assert_eq!(e.code(), "INVENTORY_ALREADY_RECEIVED", "{}", e.message_zh());
    let list = inventory::stock_list(c).unwrap();
    let mine = list
        .iter()
        .find(|l| l.fixmedins_bchno == d.batches[0])
        .unwrap();
    assert_eq!(mine.codes, codes);
    let diff = inventory::stock_take_preview(c, &codes).unwrap();
    assert!(diff.missing.iter().all(|m| !codes.contains(m)));
    // A cashier may not; deleting an upload is the manager's.
    c.login("1001", "demo-cashier", None).unwrap();
    let e = inventory::change(c, ChangeKind::Loss, &codes[..1], "破损").unwrap_err();
    assert_eq!(e.code(), "INVENTORY_FORBIDDEN", "{}", e.message_zh());
    c.login("3001", "demo-manager", None).unwrap();
    inventory::change(c, ChangeKind::Loss, &codes[..1], "破损").unwrap();
    inventory::delete_upload(c, &d.batches[0], "2", "误报").unwrap();
    assert!(inventory::near_expiry(c, 30)
        .unwrap()
        .iter()
        .all(|l| l.fixmedins_bchno != d.batches[0]));
    // The bureau's list from a file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("重复上传.csv");
    std::fs::write(&path, format!("追溯码\n{}\n", codes[1])).unwrap();
    let (rows, bad) = inventory::import_duplicate_list(c, &path).unwrap();
    assert!(bad.is_empty());
    assert_eq!(rows[0].class, "not_sold_here");
    let e = inventory::import_duplicate_list(c, &dir.path().join("list.xls")).unwrap_err();
    assert_eq!(e.code(), "INVENTORY_FILE");
}

/// The store's in-stock list as the emulator last received it (`None` when
/// nothing was published).
async fn published(rig: &Rig) -> Option<serde_json::Value> {
    let all = get(&rig.base, "/admin/stock-published").await;
    all.as_object().and_then(|m| m.values().next().cloned())
}

fn published_line<'a>(list: &'a serde_json::Value, hilist: &str) -> &'a serde_json::Value {
    list["stkinfo"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["fixmedins_hilist_id"] == hilist)
        .unwrap_or_else(|| panic!("{hilist} in the published list: {list}"))
}

/// A decimal as the wire carries it (string or number).
fn dec(v: &serde_json::Value) -> Decimal {
    match v {
        serde_json::Value::String(s) => s.parse().unwrap(),
        other => other.to_string().parse().unwrap(),
    }
}

fn ten_ibuprofen(invoice: &str) -> (Vec<String>, GoodsIn) {
    let prefix = prefix_of(IBU);
    let mine: Vec<String> = (1..=10)
        .map(|n| format!("{prefix}{:013}", 8_700_000_000_000u64 + n))
        .collect();
    let doc = GoodsIn {
        supplier: "某医药公司".into(),
        invoice_no: invoice.into(),
        lines: vec![GoodsInLine {
            fixmedins_hilist_id: IBU.into(),
            manu_lotnum: "I260401".into(),
            manu_date: "2026-04-01".into(),
            expy_end: "2029-03-31".into(),
            purchase_price: "9.50".parse().unwrap(),
            boxes: mine.clone(),
            cartons: Vec::new(),
        }],
        ..Default::default()
    };
    (mine, doc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goods_in_then_a_sale_republishes_the_in_stock_list_with_the_nego_flag() {
    let rig = Rig::new().await;
    let store = Arc::clone(rig.counter.store());
    store.set_stock_publication(true).unwrap();
    let s = rig.session();
    let before = store.in_stock_publication().unwrap();
    let had = before
        .stkinfo
        .iter()
        .find(|l| l.fixmedins_hilist_id == IBU)
        .map(|l| l.stock_cnt)
        .unwrap_or_default();

    let (mine, doc) = ten_ibuprofen("INV-2026-0401");
    store.receive_goods(&s, &doc).unwrap();
    otc_sale(&rig, &mine[..1], None).await;
    drained(&rig).await;

    let list = published(&rig).await.expect("the list was published");
    assert_eq!(list["fixmedins_code"], "P11010100001");
    let ibu = published_line(&list, IBU);
    let cnt = dec(&ibu["stock_cnt"]);
    assert_eq!(cnt, had + Decimal::from(9), "10 received, 1 sold: {ibu}");
    assert_eq!(ibu["nego_drug_flag"], "1", "布洛芬 is the demo 国谈 drug");
    assert_eq!(ibu["med_list_codg"], "XM01AEB080A001010100002");
    assert_eq!(ibu["spec"], "0.3g*20粒");
    assert_eq!(dec(&ibu["pric"]), Decimal::from(18), "{ibu}");
    let amox = published_line(&list, "YP000001");
    assert_eq!(amox["nego_drug_flag"], "0");
    // Coalesced: at most one list per stock change, and the last one sent
    // is the ledger's list now.
    let sent = store
        .list_uploads(None, 1000)
        .unwrap()
        .into_iter()
        .filter(|u| u.op == "stockPublish")
        .count();
    assert!((1..=2).contains(&sent), "{sent} lists queued");
    let now = store.in_stock_publication().unwrap();
    assert_eq!(
        serde_json::to_value(&now.stkinfo).unwrap(),
        list["stkinfo"],
        "the center has the newest list"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_without_the_publication_setting_publishes_nothing() {
    let rig = Rig::new().await;
    let store = Arc::clone(rig.counter.store());
    // The demo profile names no `[publication] stock_list`.
    assert!(!store.stock_publication().unwrap());
    let s = rig.session();
    let (mine, doc) = ten_ibuprofen("INV-2026-0402");
    store.receive_goods(&s, &doc).unwrap();
    otc_sale(&rig, &mine[..1], None).await;
    drained(&rig).await;
    assert_eq!(published(&rig).await, None);
    assert!(store
        .list_uploads(None, 1000)
        .unwrap()
        .iter()
        .all(|u| u.op != "stockPublish"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_line_shows_its_trace_collection_state_and_a_due_line_holds_settlement() {
    use rxdesk_app::visit::TraceCollection;
    let rig = Rig::new().await;
    let s = rig.session();
    let auth = prescribe_metformin(&rig).await;
    rig.open(&auth).await;
    rig.visits()
        .shift_start(&s, DEMO_PHARMACIST_EC_TOKEN)
        .await
        .unwrap();
    let v = rig
        .visits()
        .audit(
            &s,
            AuditResult::Approved,
            "合理",
            DEMO_PHARMACIST_EC_TOKEN,
            None,
        )
        .await
        .unwrap();
    assert_eq!(v.dispensing[0].collection, TraceCollection::Due);
    assert_eq!(v.dispensing[0].collection_zh, "应采");
    // 应采 with the code missing: no 2101.
    assert!(rig.visits().pre_settle(&s).await.is_err());
    let metf = boxes_of("YP000005");
    rig.visits().scan(&s, &metf[0].barcode).await.unwrap();
    let o = rig.visits().scan(&s, &metf[0].trace_code).await.unwrap();
    assert!(o.ok, "{}", o.message_zh);
    let line = &o.visit.dispensing[0];
    assert!(line.done);
    assert_eq!(line.collection, TraceCollection::Collected, "{line:?}");
    assert_eq!(line.collection_zh, "已采");
    let json = serde_json::to_value(line).unwrap();
    assert_eq!(json["collection"]["state"], "collected");
    rig.cancel().await;
}
