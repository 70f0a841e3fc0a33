//! Inventory box by box in the ledger: goods-in with codes (and by carton)
//! queues typed 3503s in the same transaction, a purchase return 3504, a
//! sale takes the received box (whole or a 拆零 range), a stock-take finds
//! the differences before anything is written and queues 3501, a loss 3502,
//! a wrong upload is deleted by 3507; every refusal is a typed
//! `InventoryError` with a stable code.

mod common;

use common::*;
use proptest::prelude::*;
use rust_decimal_macros::dec;
use rxdesk_store::inventory::{
    normalise_code, Carton, ChangeKind, GoodsIn, GoodsInLine, InventoryError, INVENTORY_CODES,
};
use rxdesk_store::ledger::{NewSale, NewSaleLine};
use rxdesk_store::{Store, StoreError};
use rxdesk_wire::UploadMessage;
use std::collections::HashSet;

fn code(n: u64) -> String {
    format!("8{:019}", 5_000_000 + n)
}

fn line(codes: &[String]) -> GoodsInLine {
    GoodsInLine {
        fixmedins_hilist_id: "YP0001".into(),
        manu_lotnum: "LOT-IN-1".into(),
        manu_date: "2026-01-01".into(),
        expy_end: "2028-06-30".into(),
        purchase_price: "8.20".parse().unwrap(),
        boxes: codes.to_vec(),
        cartons: Vec::new(),
    }
}

fn doc(lines: Vec<GoodsInLine>) -> GoodsIn {
    GoodsIn {
        supplier: "国药控股某分公司".into(),
        supplier_permit: "粤AA0200001".into(),
        invoice_code: "044031900111".into(),
        invoice_no: "00012345".into(),
        lines,
    }
}

fn inv_err(e: StoreError) -> InventoryError {
    match e {
        StoreError::Inventory(i) => i,
        other => panic!("expected an inventory refusal, got {other:?}"),
    }
}

/// Every stored upload of `op`, parsed as its typed message.
fn uploads(store: &Store, op: &str) -> Vec<UploadMessage> {
    store
        .list_uploads(None, 1000)
        .unwrap()
        .into_iter()
        .filter(|r| r.op == op)
        .map(|r| UploadMessage::parse(&r.op, &store.upload_payload(r.id).unwrap()).unwrap())
        .collect()
}

fn sale_of(batch: i64, qty: rust_decimal::Decimal, split: bool, c: &str) -> NewSale {
    NewSale {
        prescription_id: None,
        lines: vec![NewSaleLine {
            batch_id: batch,
            quantity: qty,
            price: None,
            split,
            trace_codes: vec![c.to_string()],
        }],
        settlement: None,
        doctor_name: String::new(),
        hi_feesetl_type: "1".into(),
    }
}

#[test]
fn goods_in_records_boxes_and_queues_one_typed_3503_per_batch() {
    let f = fixture();
    let boxes: Vec<String> = (1..=3).map(code).collect();
    let carton = Carton {
        code: "CARTON-0001".into(),
        boxes: vec![code(4), code(5)],
    };
    let mut second = line(&[]);
    second.manu_lotnum = "LOT-IN-2".into();
    second.cartons = vec![carton];
    let d = f
        .store
        .receive_goods(&f.pharmacist, &doc(vec![line(&boxes), second]))
        .unwrap();
    assert_eq!(d.boxes, 5);
    assert_eq!(d.batches.len(), 2);
    assert_eq!(d.uploads.len(), 2);

    let b = f.store.stock_box(&boxes[0]).unwrap().unwrap();
    assert_eq!(b.state, "in_stock");
    assert_eq!(b.manu_lotnum, "LOT-IN-1");
    assert_eq!(f.store.batch_quantity(b.batch_id).unwrap(), dec!(3));
    let c = f.store.stock_box(&code(5)).unwrap().unwrap();
    assert_eq!(c.carton_code, "CARTON-0001");
    assert_eq!(c.manu_lotnum, "LOT-IN-2");

    let sent = uploads(&f.store, "3503");
    assert_eq!(sent.len(), 2);
    let UploadMessage::Purchase(p) = &sent[0] else {
        panic!("not a 3503: {sent:?}")
    };
    assert_eq!(p.purcinfo.spler_name, "国药控股某分公司");
    assert_eq!(p.purcinfo.purc_invo_no, "00012345");
    assert_eq!(p.purcinfo.purc_retn_cnt, dec!(3));
    assert_eq!(p.purcinfo.fixmedins_bchno, d.batches[0]);
    let sent_codes: Vec<&str> = p
        .purcinfo
        .drugtracinfo
        .iter()
        .map(|t| t.drug_trac_codg.as_str())
        .collect();
    assert_eq!(
        sent_codes,
        boxes.iter().map(String::as_str).collect::<Vec<_>>()
    );

    // The same lot again lands in the same batch.
    let again = f
        .store
        .receive_goods(&f.boss, &doc(vec![line(&[code(6)])]))
        .unwrap();
    assert_eq!(again.batches[0], d.batches[0]);
    assert_eq!(f.store.batch_quantity(b.batch_id).unwrap(), dec!(4));
}

#[test]
fn goods_in_refusals_are_typed_and_write_nothing() {
    let f = fixture();
    let before = f.store.list_uploads(None, 1000).unwrap().len();
    let cases: Vec<(GoodsIn, &str)> = vec![
        (
            GoodsIn {
                supplier: " ".into(),
                ..doc(vec![line(&[code(1)])])
            },
            "INVENTORY_DOCUMENT_INCOMPLETE",
        ),
        (doc(vec![line(&[])]), "INVENTORY_NO_BOXES"),
        (
            doc(vec![line(&["8130515".to_string()])]),
            "INVENTORY_BAD_CODE",
        ),
        (
            doc(vec![line(&[code(1), code(1)])]),
            "INVENTORY_DUPLICATE_IN_DOCUMENT",
        ),
        (
            doc(vec![GoodsInLine {
                fixmedins_hilist_id: "NO-SUCH".into(),
                ..line(&[code(1)])
            }]),
            "INVENTORY_UNKNOWN_PRODUCT",
        ),
        (
            doc(vec![GoodsInLine {
                expy_end: "2025-01-01".into(),
                ..line(&[code(1)])
            }]),
            "INVENTORY_BAD_DATES",
        ),
    ];
    for (d, want) in cases {
        let e = inv_err(f.store.receive_goods(&f.boss, &d).unwrap_err());
        assert_eq!(e.code(), want, "{e}");
        assert!(!e.to_string().is_empty());
    }
    assert_eq!(f.store.list_uploads(None, 1000).unwrap().len(), before);
    assert!(f.store.stock_box(&code(1)).unwrap().is_none());

    f.store
        .receive_goods(&f.boss, &doc(vec![line(&[code(1)])]))
        .unwrap();
    let e = inv_err(
        f.store
            .receive_goods(&f.boss, &doc(vec![line(&[code(2), code(1)])]))
            .unwrap_err(),
    );
    assert_eq!(e.code(), "INVENTORY_ALREADY_RECEIVED");
    assert!(
        f.store.stock_box(&code(2)).unwrap().is_none(),
        "all or nothing"
    );
    // A cashier does not receive goods.
    assert!(matches!(
        f.store
            .receive_goods(&f.cashier, &doc(vec![line(&[code(9)])]))
            .unwrap_err(),
        StoreError::Forbidden { .. }
    ));
}

#[test]
fn sales_take_received_boxes_whole_or_by_split_range() {
    let f = fixture();
    let d = f
        .store
        .receive_goods(&f.boss, &doc(vec![line(&[code(1), code(2), code(3)])]))
        .unwrap();
    let batch = f.store.stock_box(&code(1)).unwrap().unwrap().batch_id;
    assert_eq!(d.batches.len(), 1);
    f.store
        .record_sale(&f.cashier, &sale_of(batch, dec!(1), false, &code(1)))
        .unwrap();
    assert_eq!(f.store.stock_box(&code(1)).unwrap().unwrap().state, "sold");
    // 拆零: two halves of the second box; each split sale carries its code.
    f.store
        .record_sale(&f.cashier, &sale_of(batch, dec!(0.5), true, &code(2)))
        .unwrap();
    let b = f.store.stock_box(&code(2)).unwrap().unwrap();
    assert_eq!((b.state.as_str(), b.remaining), ("opened", dec!(0.5)));
    let e = f
        .store
        .record_sale(&f.cashier, &sale_of(batch, dec!(1), false, &code(2)))
        .unwrap_err();
    assert_eq!(
        inv_err(e).code(),
        "INVENTORY_NOT_IN_STOCK",
        "an opened box is sold by split only"
    );
    f.store
        .record_sale(&f.cashier, &sale_of(batch, dec!(0.5), true, &code(2)))
        .unwrap();
    let b = f.store.stock_box(&code(2)).unwrap().unwrap();
    assert_eq!((b.state.as_str(), b.remaining), ("sold", dec!(0)));
    let split_sales: Vec<UploadMessage> = uploads(&f.store, "3505")
        .into_iter()
        .filter(|m| matches!(m, UploadMessage::Sale(s) if s.selinfo.trdn_flag == "1"))
        .collect();
    assert_eq!(split_sales.len(), 2);
    for m in split_sales {
        let UploadMessage::Sale(s) = m else {
            unreachable!()
        };
        assert_eq!(s.selinfo.drugtracinfo[0].drug_trac_codg, code(2));
    }
}

#[test]
fn purchase_return_stock_take_loss_and_delete() {
    let f = fixture();
    let boxes: Vec<String> = (1..=5).map(code).collect();
    let d = f
        .store
        .receive_goods(&f.boss, &doc(vec![line(&boxes)]))
        .unwrap();
    let batch = f.store.stock_box(&boxes[0]).unwrap().unwrap().batch_id;

    // 3504: one box back to the supplier.
    f.store
        .return_goods(
            &f.boss,
            "国药控股某分公司",
            "00012345",
            &boxes[4..],
            "包装破损",
        )
        .unwrap();
    assert_eq!(
        f.store.stock_box(&boxes[4]).unwrap().unwrap().state,
        "returned"
    );
    let UploadMessage::PurchaseReturn(r) = &uploads(&f.store, "3504")[0] else {
        panic!()
    };
    assert_eq!(r.purcinfo.purc_retn_cnt, dec!(1));
    assert_eq!(r.purcinfo.memo, "包装破损");
    let e = f
        .store
        .return_goods(&f.boss, "国药控股某分公司", "00012345", &boxes[4..], "再退")
        .unwrap_err();
    assert_eq!(inv_err(e).code(), "INVENTORY_NOT_IN_STOCK");

    // Stock-take: boxes 1–3 counted, box 4 missing, a fabricated code found.
    let fabricated = "81305159999999999999".to_string();
    let mut counted: Vec<String> = boxes[..3].to_vec();
    counted.push(fabricated.clone());
    let uploads_before = f.store.list_uploads(None, 1000).unwrap().len();
    let diff = f.store.stock_take_preview(&counted, None).unwrap();
    assert_eq!(diff.missing, vec![boxes[3].clone()]);
    assert_eq!(diff.unexpected, vec![(fabricated, "未入库".to_string())]);
    assert_eq!(diff.matched, 3);
    assert!(!diff.balanced());
    assert_eq!(
        f.store.list_uploads(None, 1000).unwrap().len(),
        uploads_before,
        "a preview writes nothing"
    );
    let (committed, queued) = f.store.commit_stock_take(&f.boss, &counted, None).unwrap();
    assert_eq!(committed, diff);
    assert_eq!(queued.len(), 1);
    let UploadMessage::StockTake(t) = &uploads(&f.store, "3501")[0] else {
        panic!()
    };
    assert_eq!(t.invinfo.inv_cnt, dec!(3));
    assert_eq!(t.invinfo.fixmedins_bchno, d.batches[0]);

    // 3502: the missing box is booked as lost; quantity follows.
    let q = f.store.batch_quantity(batch).unwrap();
    f.store
        .record_stock_change(&f.boss, ChangeKind::Loss, &boxes[3..4], "盘点缺失")
        .unwrap();
    assert_eq!(f.store.batch_quantity(batch).unwrap(), q - dec!(1));
    assert_eq!(f.store.stock_box(&boxes[3]).unwrap().unwrap().state, "lost");
    let UploadMessage::StockChange(c) = &uploads(&f.store, "3502")[0] else {
        panic!()
    };
    assert_eq!(c.invinfo.inv_chg_type, "104");
    assert_eq!(c.invinfo.drugtracinfo[0].drug_trac_codg, boxes[3]);
    assert!(f
        .store
        .stock_take_preview(&boxes[..3], None)
        .unwrap()
        .balanced());
    // 报溢: the box turns up again.
    f.store
        .record_stock_change(&f.boss, ChangeKind::Surplus, &boxes[3..4], "找到")
        .unwrap();
    assert_eq!(
        f.store.stock_box(&boxes[3]).unwrap().unwrap().state,
        "in_stock"
    );
    // A surplus of a box never received goes through goods-in.
    let e = f
        .store
        .record_stock_change(&f.boss, ChangeKind::Surplus, &[code(99)], "多出")
        .unwrap_err();
    assert_eq!(inv_err(e).code(), "INVENTORY_NOT_IN_STOCK");
    let e = f
        .store
        .record_stock_change(&f.boss, ChangeKind::Loss, &boxes[..1], " ")
        .unwrap_err();
    assert_eq!(inv_err(e).code(), "INVENTORY_REASON_MISSING");

    // 3507: a wrong upload is deleted by batch number and data type.
    f.store
        .delete_inventory_upload(&f.boss, &d.batches[0], "2", "误报")
        .unwrap();
    let UploadMessage::InventoryDelete(x) = &uploads(&f.store, "3507")[0] else {
        panic!()
    };
    assert_eq!(x.data.inv_data_type, "2");
    let e = f
        .store
        .delete_inventory_upload(&f.boss, &d.batches[0], "9", "误报")
        .unwrap_err();
    assert_eq!(inv_err(e).code(), "INVENTORY_BAD_DATA_TYPE");

    // Stock list with codes; near-expiry.
    let list = f.store.stock_list().unwrap();
    let mine = list
        .iter()
        .find(|l| l.fixmedins_bchno == d.batches[0])
        .unwrap();
    assert_eq!(mine.codes, boxes[..4].to_vec());
    let today = chrono::NaiveDate::from_ymd_opt(2028, 6, 1).unwrap();
    let near = f.store.near_expiry(today, 60).unwrap();
    assert!(near.iter().any(|l| l.fixmedins_bchno == d.batches[0]));
    let far = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    assert!(!f
        .store
        .near_expiry(far, 30)
        .unwrap()
        .iter()
        .any(|l| l.fixmedins_bchno == d.batches[0]));
}

#[test]
fn inventory_error_codes_are_stable_and_unique() {
    let unique: HashSet<&&str> = INVENTORY_CODES.iter().collect();
    assert_eq!(unique.len(), INVENTORY_CODES.len());
    let samples = [
        InventoryError::DocumentIncomplete,
        InventoryError::NoBoxes,
        InventoryError::UnknownProduct("x".into()),
        InventoryError::BadCode("x".into()),
        InventoryError::WrongProduct {
            code: "x".into(),
            name: "y".into(),
            prefix: "z".into(),
        },
        InventoryError::DuplicateInDocument("x".into()),
        InventoryError::AlreadyReceived {
            code: "x".into(),
            state: "y".into(),
        },
        InventoryError::BadDates("x".into()),
        InventoryError::NotInStock {
            code: "x".into(),
            why: "y".into(),
        },
        InventoryError::ReasonMissing,
        InventoryError::BadDataType("x".into()),
    ];
    assert_eq!(samples.len(), INVENTORY_CODES.len());
    for e in samples {
        assert!(INVENTORY_CODES.contains(&e.code()), "{}", e.code());
    }
    // Each is documented for the people who meet it.
    let rules =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md"))
            .unwrap();
    for c in INVENTORY_CODES.iter().chain(&[
        "split_sales",
        "resold_after_refund",
        "one_sale_here",
        "not_sold_here",
        "not_ours",
    ]) {
        assert!(
            rules.contains(&format!("`{c}`")),
            "{c} is missing from docs/rules.md"
        );
    }
}

proptest! {
    /// A scanned code from outside: never a panic; accepted exactly when it
    /// is 20 ASCII digits after trimming (full-width digits are folded).
    #[test]
    fn scanned_codes_parse_without_panic(s in "\\PC{0,30}") {
        match normalise_code(&s) {
            Ok(c) => prop_assert!(c.len() == 20 && c.bytes().all(|b| b.is_ascii_digit())),
            Err(e) => prop_assert_eq!(e.code(), "INVENTORY_BAD_CODE"),
        }
    }

    #[test]
    fn twenty_digits_are_accepted(d in "[0-9]{20}") {
        prop_assert_eq!(normalise_code(&format!(" {d} ")).unwrap(), d);
    }
}

fn refund(f: &Fixture, sale: i64) {
    f.store.begin_refund(&f.boss, sale, "", "顾客退货").unwrap();
    f.store.refund_money_returned(sale, &[]).unwrap();
    f.store.record_refund(&f.boss, sale, "顾客退货").unwrap();
}

#[test]
fn a_bureau_duplicate_list_is_imported_explained_and_marked() {
    let f = fixture();
    let boxes: Vec<String> = (1..=4).map(code).collect();
    f.store
        .receive_goods(&f.boss, &doc(vec![line(&boxes)]))
        .unwrap();
    let batch = f.store.stock_box(&boxes[0]).unwrap().unwrap().batch_id;
    // Box 1: 拆零 over two sales. Box 2: sold, refunded, sold again.
    // Box 3: sold once. Box 4: received, never sold. And a stranger's code.
    for _ in 0..2 {
        f.store
            .record_sale(&f.cashier, &sale_of(batch, dec!(0.5), true, &boxes[0]))
            .unwrap();
    }
    let first = f
        .store
        .record_sale(&f.cashier, &sale_of(batch, dec!(1), false, &boxes[1]))
        .unwrap();
    refund(&f, first.sale_id);
    f.store
        .record_sale(&f.cashier, &sale_of(batch, dec!(1), false, &boxes[1]))
        .unwrap();
    f.store
        .record_sale(&f.cashier, &sale_of(batch, dec!(1), false, &boxes[2]))
        .unwrap();
    let stranger = "81234560000000000009";
    let csv = format!(
        "\u{feff}批次流水号,商品销售流水号,就诊ID,记账流水号,拆零标志,追溯码\r\n\
         B1,S1,M1,K1,1,{}\r\nB1,S2,M2,K2,0,{}\r\nB1,S3,M3,K3,0,{}\r\n\
         B1,S4,M4,K4,0,{}\r\nB9,S9,M9,K9,0,{stranger}\r\nB9,S9,M9,K9,0,81234\r\n",
        boxes[0], boxes[1], boxes[2], boxes[3]
    );
    let (rows, bad) = f
        .store
        .import_duplicate_list(&f.boss, csv.as_bytes(), rxdesk_store::ImportFormat::Csv)
        .unwrap();
    assert_eq!(bad.len(), 1, "the short code is named: {bad:?}");
    assert_eq!(bad[0].line, 7);
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.class.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("split_sales", "explained"),
            ("resold_after_refund", "explained"),
            ("one_sale_here", "to_void"),
            ("not_sold_here", "to_reupload"),
            ("not_ours", "explained"),
        ]
    );
    assert_eq!(rows[0].row.sale_no, "S1");
    assert_eq!(rows[0].row.trdn_flag, "1");
    assert!(
        rows[0].explanation_zh.contains("拆零"),
        "{}",
        rows[0].explanation_zh
    );
    // The manager marks one; the list keeps the note.
    f.store
        .mark_dispute(
            &f.boss,
            rows[2].id,
            "explained",
            "平台重复记录已由医保局确认",
        )
        .unwrap();
    let listed = f.store.disputes().unwrap();
    let third = listed.iter().find(|d| d.id == rows[2].id).unwrap();
    assert_eq!(third.status, "explained");
    assert_eq!(third.note, "平台重复记录已由医保局确认");
    assert_eq!(third.row.drug_trac_codg, boxes[2]);
    assert!(f
        .store
        .mark_dispute(&f.boss, rows[2].id, "maybe", "")
        .is_err());
    assert!(matches!(
        f.store
            .import_duplicate_list(&f.cashier, csv.as_bytes(), rxdesk_store::ImportFormat::Csv),
        Err(StoreError::Forbidden { .. })
    ));
    // A file without a 追溯码 column is refused whole.
    let e = f
        .store
        .import_duplicate_list(&f.boss, b"a,b\r\n1,2\r\n", rxdesk_store::ImportFormat::Csv)
        .unwrap_err();
    assert!(e.to_string().contains("追溯码"), "{e}");
}

proptest! {
    /// A bureau's list from outside: any bytes give rows or named refusals,
    /// never a panic.
    #[test]
    fn any_duplicate_list_bytes_parse_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = rxdesk_store::disputes::parse_duplicate_list(&bytes, rxdesk_store::ImportFormat::Csv);
        let _ = rxdesk_store::disputes::parse_duplicate_list(&bytes, rxdesk_store::ImportFormat::Xlsx);
    }

    #[test]
    fn listed_codes_come_back_as_rows(codes in proptest::collection::vec("[0-9]{20}", 1..20)) {
        let mut csv = String::from("追溯码,拆零标志\n");
        for c in &codes {
            csv.push_str(&format!("{c},0\n"));
        }
        let (rows, bad) = rxdesk_store::disputes::parse_duplicate_list(csv.as_bytes(), rxdesk_store::ImportFormat::Csv).unwrap();
        prop_assert!(bad.is_empty());
        let got: Vec<String> = rows.into_iter().map(|r| r.drug_trac_codg).collect();
        prop_assert_eq!(got, codes);
    }
}

/// The published in-stock lists queued so far, oldest first, as
/// (msgid, quantity of YP0001).
fn published_lists(store: &Store) -> Vec<(String, rust_decimal::Decimal)> {
    store
        .list_uploads(None, 1000)
        .unwrap()
        .into_iter()
        .filter(|r| r.op == "stockPublish")
        .map(|r| {
            let UploadMessage::StockPublish(p) =
                UploadMessage::parse(&r.op, &store.upload_payload(r.id).unwrap()).unwrap()
            else {
                panic!("not a stockPublish")
            };
            let q = p
                .stkinfo
                .iter()
                .find(|l| l.fixmedins_hilist_id == "YP0001")
                .map(|l| l.stock_cnt)
                .unwrap_or_default();
            (r.msgid, q)
        })
        .collect()
}

#[test]
fn the_in_stock_list_is_queued_only_when_published_and_a_waiting_one_is_replaced() {
    let f = fixture();
    // Off (no profile setting): nothing queued.
    let d = f
        .store
        .receive_goods(&f.pharmacist, &doc(vec![line(&[code(1), code(2)])]))
        .unwrap();
    assert!(published_lists(&f.store).is_empty());
    let batch = f.store.stock_box(&code(1)).unwrap().unwrap().batch_id;
    let base = f.store.in_stock_publication().unwrap();
    let had = base
        .stkinfo
        .iter()
        .find(|l| l.fixmedins_hilist_id == "YP0001")
        .map(|l| l.stock_cnt)
        .unwrap();
    assert!(!d.uploads.is_empty());

    f.store.set_stock_publication(true).unwrap();
    f.store
        .receive_goods(&f.pharmacist, &doc(vec![line(&[code(3)])]))
        .unwrap();
    let first = published_lists(&f.store);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].1, had + dec!(1));
    // A sale while the list is still waiting: replaced in place, same msgid.
    f.store
        .record_sale(&f.cashier, &sale_of(batch, dec!(1), false, &code(1)))
        .unwrap();
    let now = published_lists(&f.store);
    assert_eq!(now, vec![(first[0].0.clone(), had)]);
    // Once the list has been tried, a newer one queues after it.
    let claimed = f.store.claim_due(100, &HashSet::new()).unwrap();
    assert!(claimed.iter().any(|r| r.op == "stockPublish"));
    f.store
        .record_sale(&f.cashier, &sale_of(batch, dec!(1), false, &code(2)))
        .unwrap();
    let after = published_lists(&f.store);
    assert_eq!(after.len(), 2);
    assert_eq!(after[0], (first[0].0.clone(), had));
    assert_eq!(after[1].1, had - dec!(1));
    assert_ne!(after[1].0, after[0].0);
}
