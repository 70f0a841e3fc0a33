//! Golden payloads of every upload the ledger queues (7204, 3505, 7206, 3506,
//! 7208, 7205, and the inventory's 3503, 3504, 3501, 3502, 3507), for fixed
//! inputs. The fixtures in `tests/golden/uploads/`
//! were written from the ledger's payloads *before* they were built from the
//! typed messages of `rxdesk-wire` (docs/decisions/0016-typed-uploads.md), so this test proves
//! that moving the construction changed no byte on the wire: the outbox row's
//! payload (a JSON object with sorted keys, exactly as stored and sent) must
//! equal the fixture. Values that depend on the wall clock (times taken at
//! "now"), dates taken "today" and the sale's generated 零售单据号 are
//! replaced by `<NOW>`, `<TODAY>` and `<DOCNO>` before the comparison; everything else is pinned.
//! Every row is also parsed back into its typed message
//! (`rxdesk_wire::UploadMessage::parse` by its `infno`, the same mapping the
//! emulator uses) and must re-serialise to exactly the stored payload: no field
//! the ledger sends is unknown to the type, none is lost.
//! Regenerate after an intended wire change with `UPDATE_GOLDEN=1`.

mod common;

use common::*;
use rust_decimal_macros::dec;
use rxdesk_store::ledger::{
    AuditDecision, DeliveryStatus, DownloadedPrescription, NewSale, NewSaleLine, NewSettlement,
    Verdict,
};
use rxdesk_store::operator_admin::Registration;
use rxdesk_store::operators::NewOperator;
use rxdesk_store::Role;
use rxdesk_store::Store;
use rxdesk_wire::UploadMessage;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::str::FromStr;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/uploads")
}

/// `yyyy-MM-dd HH:mm:ss` in CST, as the ledger writes wire times.
fn cst(ms: i64) -> String {
    rxdesk_core::time::format_wire(chrono::DateTime::from_timestamp_millis(ms).unwrap())
}

/// Replaces the clock- and sequence-dependent values of `v` (see the module doc).
fn normalise(v: &mut Value, window: &(String, String), docnos: &[String]) {
    match v {
        Value::String(s) => {
            if docnos.iter().any(|d| d == s) {
                *s = "<DOCNO>".into();
            } else if let Some(d) = docnos
                .iter()
                .find(|d| !d.is_empty() && s.contains(d.as_str()))
            {
                // A number made from a document number (a batch 流水号
                // `<doc>-1`, a chain key `goods:<doc>`).
                *s = s.replace(d.as_str(), "<DOCNO>");
            } else if s.len() == 19
                && s.as_str() >= window.0.as_str()
                && s.as_str() <= window.1.as_str()
            {
                *s = "<NOW>".into();
            } else if s.len() == 10
                && (s.as_str() == &window.0[..10] || s.as_str() == &window.1[..10])
            {
                // A date taken "today" in CST (a stock take's 盘存日期).
                *s = "<TODAY>".into();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| normalise(x, window, docnos)),
        Value::Object(m) => m.values_mut().for_each(|x| normalise(x, window, docnos)),
        _ => {}
    }
}

/// The outbox rows `ids` as `{op, chain_key, payload}`, normalised, compared
/// with (or, with `UPDATE_GOLDEN`, written to) `golden/uploads/<name>.json`.
/// Also checks that the stored text is the payload's canonical form (sorted
/// keys, no whitespace): what the uploader parses and sends.
fn check(store: &Store, name: &str, ids: &[i64], started_ms: i64, docnos: &[String]) {
    let window = (cst(started_ms - 1000), cst(store.now_ms() + 1000));
    let mut rows = Vec::new();
    for id in ids {
        let row = store.upload(*id).unwrap();
        let mut payload = store.upload_payload(*id).unwrap();
        stored_payload_is_its_typed_message(&row.op, &payload);
        normalise(&mut payload, &window, docnos);
        let mut chain_key = json!(row.chain_key);
        normalise(&mut chain_key, &window, docnos);
        rows.push(json!({"op": row.op, "chain_key": chain_key, "payload": payload}));
    }
    let got = Value::Array(rows);
    let path = golden_dir().join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap();
    assert_eq!(
        got, want,
        "{name}: the queued payloads differ from the golden fixture; got:\n{text}"
    );
}

/// The stored payload of an `op` row parses into that op's typed message and
/// serialises back to the very same JSON.
fn stored_payload_is_its_typed_message(op: &str, payload: &Value) {
    let typed = UploadMessage::parse(op, payload)
        .unwrap_or_else(|e| panic!("{op}: stored payload is not its typed message: {e}"));
    assert_eq!(typed.infno(), op);
    assert_eq!(
        &typed.to_value().unwrap(),
        payload,
        "{op}: the typed message does not re-serialise to the stored payload"
    );
    let kind = match typed {
        UploadMessage::RxAudit(_) => "7204",
        UploadMessage::Delivery(_) => "7205",
        UploadMessage::WriteOff(_) => "7206",
        UploadMessage::SalesUpload(_) => "7207",
        UploadMessage::SalesUndo(_) => "7208",
        UploadMessage::Sale(_) => "3505",
        UploadMessage::SaleReturn(_) => "3506",
        UploadMessage::StockTake(_) => "3501",
        UploadMessage::StockChange(_) => "3502",
        UploadMessage::Purchase(_) => "3503",
        UploadMessage::PurchaseReturn(_) => "3504",
        UploadMessage::InventoryDelete(_) => "3507",
        UploadMessage::StockPublish(_) => "stockPublish",
    };
    assert_eq!(kind, op);
}

/// A second pharmacist with every code registered (医保药师代码 included).
fn registered_reviewer(f: &Fixture) {
    f.store
        .create_operator(
            Some(&f.boss),
            &NewOperator {
                login: "pharm2".into(),
                display_name: "周药师".into(),
                role: Role::Pharmacist,
                password: "pharm2-password".into(),
                cert_type: Some("01".into()),
                certno: Some("110101199107070016".into()),
                prac_cert_no: Some("YS110101000021".into()),
            },
        )
        .unwrap();
    f.store
        .set_operator_registration(
            &f.boss,
            "pharm2",
            &Registration {
                display_name: "周药师".into(),
                cert_type: "01".into(),
                certno: "110101199107070016".into(),
                prac_cert_no: "YS110101000021".into(),
                phar_code: "ys110101000021".into(),
            },
        )
        .unwrap();
}

fn downloaded(f: &Fixture, hi_rxno: &str) -> i64 {
    let rx = f
        .store
        .record_prescription(
            &f.cashier,
            &DownloadedPrescription {
                hi_rxno: hi_rxno.into(),
                fixmedins_code: "H44030500009".into(),
                download_ide_code: "tok-456".into(),
                raw_payload: json!({"hi_rxno": hi_rxno}).to_string(),
                sign_digest: None,
                sign_cert_sn: None,
                sign_cert_dn: None,
                patient_name: "李四".into(),
                patient_certno: "110101199003071234".into(),
            },
        )
        .unwrap();
    f.store
        .record_verdict(
            rx,
            &Verdict {
                valid: true,
                reason: "ok".into(),
                signer_dn: None,
                signer_sn: None,
                warnings: Vec::new(),
            },
        )
        .unwrap();
    rx
}

/// The 7204 row queued for prescription `hi_rxno` (one audit each here).
fn audit_upload(f: &Fixture, hi_rxno: &str) -> i64 {
    let rows: Vec<_> = f
        .store
        .list_uploads(None, 1000)
        .unwrap()
        .into_iter()
        .filter(|r| r.op == "7204" && r.chain_key == hi_rxno)
        .collect();
    assert_eq!(rows.len(), 1, "{hi_rxno}");
    rows[0].id
}

fn insured_sale(f: &Fixture, rx: i64, settlement_ms: i64) -> NewSale {
    NewSale {
        prescription_id: Some(rx),
        lines: vec![
            NewSaleLine {
                batch_id: f.batch,
                quantity: dec!(2),
                price: None,
                split: false,
                trace_codes: vec![trace(101), trace(102)],
            },
            NewSaleLine {
                batch_id: f.batch,
                quantity: dec!(0.5),
                price: Some(rxdesk_core::Price::from_str("13").unwrap()),
                split: true,
                trace_codes: vec![trace(103)],
            },
        ],
        // 2 × 12.50 + 0.5 × 13.00 = 31.50
        settlement: Some(NewSettlement {
            setl_id: "SETL-0001".into(),
            mdtrt_id: "MDTRT-0001".into(),
            psn_no: "PSN-0001".into(),
            medfee_sumamt: "31.50".parse().unwrap(),
            fund_pay_sumamt: "20.00".parse().unwrap(),
            psn_part_amt: "11.50".parse().unwrap(),
            acct_pay: "10.00".parse().unwrap(),
            psn_cash_pay: "1.50".parse().unwrap(),
            setl_time: settlement_ms,
        }),
        doctor_name: "王医生".into(),
        hi_feesetl_type: "2".into(),
    }
}

#[test]
fn audit_7204_without_and_with_a_registered_reviewer() {
    let f = fixture();
    let started = f.store.now_ms();
    // The fixture's pharmacist has no 医保药师代码: `phar_code` is absent,
    // and without a reviewer she is named as her own reviewer.
    approved_rx(&f, "H0000000000000000001");
    check(
        &f.store,
        "7204_self_reviewed",
        &[audit_upload(&f, "H0000000000000000001")],
        started,
        &[],
    );

    // Audited by a registered pharmacist (phar_code sent) with another as reviewer.
    registered_reviewer(&f);
    let rx2 = downloaded(&f, "H0000000000000000002");
    let auditor = f.store.login("pharm2", "pharm2-password").unwrap();
    let pharm = f
        .store
        .operator_identity_by(None, Some("pharm"))
        .unwrap()
        .unwrap();
    f.store
        .record_audit(
            &auditor,
            &AuditDecision {
                prescription_id: rx2,
                status_code: "2".into(),
                opinion: "剂量超出常规，请医生确认".into(),
                reviewer_id: Some(pharm.operator_id),
            },
        )
        .unwrap();
    check(
        &f.store,
        "7204_registered_with_reviewer",
        &[audit_upload(&f, "H0000000000000000002")],
        started,
        &[],
    );
}

#[test]
fn insured_prescription_sale_3505_per_line_then_7206_and_its_refund_3506_7208() {
    let f = fixture();
    let started = f.store.now_ms();
    let rx = approved_rx(&f, "H0000000000000000003");
    // 2026-11-24 10:05:00 CST: a fixed settlement time (not "now").
    let setl_ms = 1_795_485_900_000;
    let r = f
        .store
        .record_sale(&f.cashier, &insured_sale(&f, rx, setl_ms))
        .unwrap();
    assert_eq!(r.upload_ids.len(), 3);
    check(
        &f.store,
        "sale_insured_rx",
        &r.upload_ids,
        started,
        std::slice::from_ref(&r.rtal_docno),
    );
    money_back(&f.store, &f.boss, r.sale_id);
    let ids = f
        .store
        .record_refund(&f.boss, r.sale_id, "患者退药")
        .unwrap();
    assert_eq!(ids.len(), 3);
    check(
        &f.store,
        "refund_insured_rx",
        &ids,
        started,
        std::slice::from_ref(&r.rtal_docno),
    );
}

#[test]
fn self_paid_prescription_sale_and_refund() {
    let f = fixture();
    let started = f.store.now_ms();
    let rx = approved_rx(&f, "H0000000000000000004");
    let mut sale = insured_sale(&f, rx, 0);
    sale.settlement = None;
    sale.lines.truncate(1);
    sale.hi_feesetl_type = "1".into();
    let r = f.store.record_sale(&f.cashier, &sale).unwrap();
    assert_eq!(r.upload_ids.len(), 2);
    check(
        &f.store,
        "sale_self_paid_rx",
        &r.upload_ids,
        started,
        std::slice::from_ref(&r.rtal_docno),
    );
    money_back(&f.store, &f.boss, r.sale_id);
    let ids = f.store.record_refund(&f.boss, r.sale_id, "开错药").unwrap();
    check(
        &f.store,
        "refund_self_paid_rx",
        &ids,
        started,
        std::slice::from_ref(&r.rtal_docno),
    );
}

#[test]
fn sale_without_prescription_and_its_refund() {
    let f = fixture();
    let started = f.store.now_ms();
    let r = f.store.record_sale(&f.cashier, &otc_sale(&f, 7)).unwrap();
    assert_eq!(r.upload_ids.len(), 1);
    check(
        &f.store,
        "sale_no_rx",
        &r.upload_ids,
        started,
        std::slice::from_ref(&r.rtal_docno),
    );
    let ids = f
        .store
        .record_refund(&f.boss, r.sale_id, "顾客退货")
        .unwrap();
    check(
        &f.store,
        "refund_no_rx",
        &ids,
        started,
        std::slice::from_ref(&r.rtal_docno),
    );
}

#[test]
fn delivery_7205() {
    let f = fixture();
    let started = f.store.now_ms();
    let rx = approved_rx(&f, "H0000000000000000005");
    let id = f
        .store
        .record_delivery(
            &f.cashier,
            &DeliveryStatus {
                prescription_id: rx,
                delv_no: "DL-0001".into(),
                delv_entp_name: "顺丰医药".into(),
                status_code: "2".into(),
                description: "骑手已取货".into(),
            },
        )
        .unwrap();
    let row = f.store.upload_of("7205", "delivery", id).unwrap().unwrap();
    check(&f.store, "7205_delivery", &[row.id], started, &[]);
}

/// One test per upload kind the ledger queues: its stored payload parses into
/// its typed message (and nothing else: the same JSON under another kind's
/// `infno` is refused with the clear error the emulator also gives).
#[test]
fn inventory_3503_3504_3501_3502_3507() {
    let f = fixture();
    let started = f.store.now_ms();
    let code = |n: u64| format!("8{:019}", 6_000_000 + n);
    let boxes: Vec<String> = (1..=3).map(code).collect();
    let doc = f
        .store
        .receive_goods(
            &f.boss,
            &rxdesk_store::inventory::GoodsIn {
                supplier: "国药控股某分公司".into(),
                supplier_permit: "粤AA0200001".into(),
                invoice_code: "044031900111".into(),
                invoice_no: "00012345".into(),
                lines: vec![rxdesk_store::inventory::GoodsInLine {
                    fixmedins_hilist_id: "YP0001".into(),
                    manu_lotnum: "LOT-G".into(),
                    manu_date: "2026-01-01".into(),
                    expy_end: "2028-06-30".into(),
                    purchase_price: rxdesk_core::Price::from_str("8.2").unwrap(),
                    boxes: boxes.clone(),
                    cartons: Vec::new(),
                }],
            },
        )
        .unwrap();
    let ret = f
        .store
        .return_goods(
            &f.boss,
            "国药控股某分公司",
            "00012345",
            &boxes[2..],
            "包装破损",
        )
        .unwrap();
    let (_, take) = f
        .store
        .commit_stock_take(&f.boss, &boxes[..1], None)
        .unwrap();
    let loss = f
        .store
        .record_stock_change(
            &f.boss,
            rxdesk_store::inventory::ChangeKind::Loss,
            &boxes[1..2],
            "盘点缺失",
        )
        .unwrap();
    let del = f
        .store
        .delete_inventory_upload(&f.boss, &doc.batches[0], "2", "误报")
        .unwrap();
    let mut ids = doc.uploads.clone();
    ids.extend(&ret.uploads);
    ids.extend(&take);
    ids.extend(&loss);
    ids.push(del);
    let names = vec![doc.doc_no.clone(), ret.doc_no.clone()];
    check(&f.store, "inventory", &ids, started, &names);
}

#[test]
fn every_stored_upload_kind_parses_into_its_typed_message() {
    let f = fixture();
    approved_rx(&f, "H0000000000000000006");
    let rx = approved_rx(&f, "H0000000000000000007");
    let mut sale = insured_sale(&f, rx, 1_795_485_900_000);
    sale.lines.truncate(1);
    sale.settlement = None;
    let r = f.store.record_sale(&f.cashier, &sale).unwrap();
    money_back(&f.store, &f.boss, r.sale_id);
    f.store.record_refund(&f.boss, r.sale_id, "退药").unwrap();
    f.store
        .record_delivery(
            &f.cashier,
            &DeliveryStatus {
                prescription_id: rx,
                delv_no: "DL-0002".into(),
                delv_entp_name: "顺丰医药".into(),
                status_code: "3".into(),
                description: "已签收".into(),
            },
        )
        .unwrap();
    let rows = f.store.list_uploads(None, 1000).unwrap();
    let mut kinds: Vec<&str> = rows.iter().map(|r| r.op.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds, ["3505", "3506", "7204", "7205", "7206", "7208"]);
    for row in &rows {
        let payload = f.store.upload_payload(row.id).unwrap();
        stored_payload_is_its_typed_message(&row.op, &payload);
        // Under a kind whose required fields it lacks, the same JSON is refused.
        let other = if row.op == "3505" { "3506" } else { "3505" };
        let e = UploadMessage::parse(other, &payload).unwrap_err();
        assert_eq!(e.code(), "WIRE_MALFORMED_UPLOAD", "{}: {e}", row.op);
        assert!(e.to_string().contains(other), "{e}");
    }
}
