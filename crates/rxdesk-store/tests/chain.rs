//! The counter's side of chain sync in the ledger (issue 17): the changelog
//! is written by triggers in the business row's transaction, a ledger older
//! than V17 pushes its whole history, a push batch maps local ids to record
//! ids and carries no personal data, the push cursor advances and prunes
//! only when told, and pulled records (products and prices, a sibling
//! counter's boxes and sold codes, a transfer to this store) are integrated.

mod common;

use common::*;
use rust_decimal_macros::dec;
use rxdesk_store::chain::ChainRegistration;
use rxdesk_store::inventory::{GoodsIn, GoodsInLine};
use rxdesk_store::ledger::NewSale;
use rxdesk_store::ledger::NewSettlement;
use rxdesk_store::Store;
use rxdesk_sync::{
    record_id, Product, PullResponse, RecordData, RowAction, StockBatch, StockBox, SyncRecord,
    Table, TraceCode, Transfer, TransferLine,
};
use std::str::FromStr;
use uuid::Uuid;

const STORE: &str = "P44030500001";
const SITE: Uuid = Uuid::from_u128(0xA1);
const SIBLING: Uuid = Uuid::from_u128(0xB2);

fn register(s: &Store) {
    s.chain_register(
        &ChainRegistration {
            site_id: SITE,
            store_code: STORE.into(),
            counter_no: 1,
            hq_url: "http://127.0.0.1:9".into(),
            machine_id: "m-1".into(),
        },
        "secret-token",
    )
    .unwrap();
}

fn all_pushed(s: &Store) -> Vec<SyncRecord> {
    let mut out = Vec::new();
    while let Some(b) = s.chain_next_push().unwrap() {
        out.extend(b.records);
        s.chain_push_accepted(b.up_to_cursor).unwrap();
    }
    out
}

fn settled_sale(f: &Fixture, n: u64) -> i64 {
    let rx = approved_rx(f, &format!("RX-C{n}"));
    let a = |v: &str| rxdesk_core::Amount::from_str(v).unwrap();
    f.store
        .record_sale(
            &f.cashier,
            &NewSale {
                prescription_id: Some(rx),
                settlement: Some(NewSettlement {
                    setl_id: format!("SETL-C{n}"),
                    mdtrt_id: "MD-C".into(),
                    psn_no: "PSN-SECRET-42".into(),
                    medfee_sumamt: a("12.50"),
                    fund_pay_sumamt: a("10.00"),
                    psn_part_amt: a("2.50"),
                    acct_pay: a("2.00"),
                    psn_cash_pay: a("0.50"),
                    setl_time: f.store.now_ms(),
                }),
                ..otc_sale(f, n)
            },
        )
        .unwrap()
        .sale_id
}

fn code(n: u64) -> String {
    format!("8{:019}", 7_000_000 + n)
}

fn receive(f: &Fixture, codes: &[String]) {
    f.store
        .receive_goods(
            &f.pharmacist,
            &GoodsIn {
                supplier: "国药控股某分公司".into(),
                supplier_permit: String::new(),
                invoice_code: String::new(),
                invoice_no: "0001".into(),
                lines: vec![GoodsInLine {
                    fixmedins_hilist_id: "YP0001".into(),
                    manu_lotnum: "LOT-A".into(),
                    manu_date: "2026-01-01".into(),
                    expy_end: "2099-06-30".into(),
                    purchase_price: "8.20".parse().unwrap(),
                    boxes: codes.to_vec(),
                    cartons: Vec::new(),
                }],
            },
        )
        .unwrap();
}

fn rec(site: Uuid, table: Table, id: i64, data: RecordData) -> SyncRecord {
    SyncRecord {
        record_id: record_id(site, table, id),
        source_site: site,
        store_code: STORE.into(),
        action: RowAction::Upsert,
        data: Some(data),
        table,
    }
}

fn page(records: Vec<SyncRecord>, next: i64) -> PullResponse {
    PullResponse {
        records,
        next_cursor: next,
        more: false,
    }
}

#[test]
fn a_batch_maps_ids_to_record_ids_and_carries_no_personal_data() {
    let f = fixture();
    let sale = settled_sale(&f, 1);
    register(&f.store);
    let b = f.store.chain_next_push().unwrap().expect("a batch");
    assert_eq!(b.site_id, SITE);
    let json = serde_json::to_string(&b).unwrap();
    for secret in [
        "psn_no",
        "PSN-SECRET-42",
        "张三",
        "certno",
        "110101199003078888",
        "psn_name",
    ] {
        assert!(!json.contains(secret), "{secret} crossed: {json}");
    }
    let sale_rid = record_id(SITE, Table::Sale, sale);
    let s = b
        .records
        .iter()
        .find(|r| r.record_id == sale_rid)
        .expect("the sale is pushed");
    let Some(RecordData::Sale(sd)) = &s.data else {
        panic!("{s:?}")
    };
    assert_eq!(sd.operator, "cash", "operator ids become logins");
    assert_eq!(sd.hi_rxno, "RX-C1");
    let line = b
        .records
        .iter()
        .find_map(|r| match &r.data {
            Some(RecordData::SaleLine(l)) => Some(l),
            _ => None,
        })
        .expect("its line");
    assert_eq!(line.sale, sale_rid);
    assert_eq!(line.fixmedins_hilist_id, "YP0001");
    assert_eq!(line.batch, record_id(SITE, Table::StockBatch, f.batch));
    let setl = b
        .records
        .iter()
        .find_map(|r| match &r.data {
            Some(RecordData::Settlement(x)) => Some(x),
            _ => None,
        })
        .expect("its settlement");
    assert_eq!(setl.sale, sale_rid);
    assert_eq!(setl.fund_pay_sumamt, dec!(10.00));
    // Parents before children.
    let pos = |t: Table| b.records.iter().position(|r| r.table == t).unwrap();
    assert!(pos(Table::Sale) < pos(Table::SaleLine));
    assert!(pos(Table::SaleLine) < pos(Table::TraceCode));
    assert!(pos(Table::Sale) < pos(Table::Settlement));
    assert!(b
        .records
        .iter()
        .all(|r| r.store_code == STORE && r.source_site == SITE));
}

#[test]
fn the_push_cursor_advances_and_prunes_only_when_accepted() {
    let f = fixture();
    register(&f.store);
    f.store.record_sale(&f.cashier, &otc_sale(&f, 2)).unwrap();
    let backlog = f.store.chain_backlog().unwrap();
    assert!(backlog > 0);
    let first = f.store.chain_next_push().unwrap().unwrap();
    // Not accepted (HQ unreachable, or a crash before the cursor moved):
    // the same batch, the same record ids, again.
    let again = f.store.chain_next_push().unwrap().unwrap();
    assert_eq!(first, again);
    assert_eq!(f.store.chain_backlog().unwrap(), backlog);
    f.store.chain_push_accepted(first.up_to_cursor).unwrap();
    let st = f.store.chain_state().unwrap().unwrap();
    assert_eq!(st.push_cursor, first.up_to_cursor);
    assert_eq!(st.backlog, 0);
    assert!(f.store.chain_next_push().unwrap().is_none());
    // A cursor never goes back.
    f.store.chain_push_accepted(0).unwrap();
    assert_eq!(
        f.store.chain_state().unwrap().unwrap().push_cursor,
        first.up_to_cursor
    );
    // A new sale is the next batch.
    f.store.record_sale(&f.cashier, &otc_sale(&f, 3)).unwrap();
    let next = f.store.chain_next_push().unwrap().unwrap();
    assert!(next.up_to_cursor > first.up_to_cursor);
    assert!(next.records.iter().any(|r| r.table == Table::Sale));
}

#[test]
fn a_rolled_back_sale_leaves_no_changelog_row() {
    let f = fixture();
    f.store.record_sale(&f.cashier, &otc_sale(&f, 4)).unwrap();
    let before = f.store.chain_backlog().unwrap();
    // The same trace code sold again: refused, the transaction rolls back.
    assert!(f.store.record_sale(&f.cashier, &otc_sale(&f, 4)).is_err());
    assert_eq!(f.store.chain_backlog().unwrap(), before);
    // A sale that commits logs its rows in its own transaction.
    f.store.record_sale(&f.cashier, &otc_sale(&f, 5)).unwrap();
    assert!(f.store.chain_backlog().unwrap() > before);
}

#[test]
fn a_ledger_older_than_v17_pushes_its_whole_history() {
    let f = fixture();
    let sale = f
        .store
        .record_sale(&f.cashier, &otc_sale(&f, 6))
        .unwrap()
        .sale_id;
    let path = f.store.path().to_path_buf();
    drop(f.store);
    {
        // Back to V16: no changelog, no chain tables.
        let c = rusqlite::Connection::open(&path).unwrap();
        let triggers: Vec<String> = c
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'chain_log_%'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(triggers.len() >= 40, "{triggers:?}");
        for t in triggers {
            c.execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
        }
        c.execute_batch(
            "DROP TABLE chain_changelog; DROP TABLE chain_state; DROP TABLE transfers;
             DROP TABLE chain_store_batches; DROP TABLE chain_store_boxes; DROP TABLE chain_store_sold_codes;
             PRAGMA user_version = 16;",
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    register(&s);
    let pushed = all_pushed(&s);
    assert!(pushed
        .iter()
        .any(|r| r.record_id == record_id(SITE, Table::Sale, sale)));
    assert!(pushed.iter().any(|r| r.table == Table::StockBatch));
    assert!(pushed.iter().any(|r| r.table == Table::TraceCode));
    assert!(pushed.iter().any(|r| r.table == Table::UploadState));
}

#[test]
fn a_pulled_product_updates_the_price_and_is_audited() {
    let f = fixture();
    register(&f.store);
    let p = Product {
        fixmedins_hilist_id: "YP0001".into(),
        med_list_codg: "XA10BAE054A001010101445".into(),
        name: "二甲双胍缓释片".into(),
        genname: "盐酸二甲双胍".into(),
        dosform: "缓释片".into(),
        spec: "0.5g*30片".into(),
        unit: "盒".into(),
        prdr_name: "某制药".into(),
        aprvno: "国药准字H20023370".into(),
        rx_flag: "1".into(),
        price: dec!(13.80),
        active: true,
    };
    let hq = Uuid::from_u128(0xC0);
    let mut r = rec(hq, Table::Product, 1, RecordData::Product(p.clone()));
    r.store_code = String::new();
    let mut new = p.clone();
    new.fixmedins_hilist_id = "YP0002".into();
    let mut r2 = rec(hq, Table::Product, 2, RecordData::Product(new));
    r2.store_code = String::new();
    let out = f.store.chain_integrate_pull(&page(vec![r, r2], 7)).unwrap();
    assert_eq!(out.products, 2);
    assert_eq!(out.price_changes, 1);
    let rows = f
        .store
        .products_by_med_list_codg("XA10BAE054A001010101445")
        .unwrap();
    let d = rows
        .iter()
        .find(|(_, r)| r.fixmedins_hilist_id == "YP0001")
        .expect("drug");
    assert_eq!(d.1.price, rxdesk_core::Price::from_str("13.80").unwrap());
    let added = rows
        .iter()
        .find(|(_, r)| r.fixmedins_hilist_id == "YP0002")
        .expect("a new product is added");
    assert_eq!(added.1.pinyin, "ejsghsp", "searchable by its initials");
    assert_eq!(f.store.chain_state().unwrap().unwrap().pull_cursor, 7);
    let audit = f.store.audit_entries(100).unwrap();
    assert!(
        audit.iter().any(|e| e.event == "chain.price"),
        "the price change is audit-logged"
    );
}

#[test]
fn a_siblings_box_is_sellable_and_a_sibling_sold_code_is_known() {
    let f = fixture();
    register(&f.store);
    let (free, sold) = (code(1), code(2));
    let batch = rec(
        SIBLING,
        Table::StockBatch,
        3,
        RecordData::StockBatch(StockBatch {
            fixmedins_hilist_id: "YP0001".into(),
            fixmedins_bchno: "SIB-B3".into(),
            manu_lotnum: "LOT-S".into(),
            manu_date: "2026-02-01".into(),
            expy_end: "2099-01-31".into(),
            qty_e4: 20_000,
        }),
    );
    let boxr = |id: i64, c: &str, state: &str| {
        rec(
            SIBLING,
            Table::StockBox,
            id,
            RecordData::StockBox(StockBox {
                code: c.into(),
                batch: record_id(SIBLING, Table::StockBatch, 3),
                doc: record_id(SIBLING, Table::GoodsDoc, 1),
                state: state.into(),
                remaining_e4: 10_000,
                changed_at: 1,
            }),
        )
    };
    let tc = rec(
        SIBLING,
        Table::TraceCode,
        9,
        RecordData::TraceCode(TraceCode {
            sale_line: record_id(SIBLING, Table::SaleLine, 9),
            code: sold.clone(),
            returned: false,
        }),
    );
    // Another store's box is not this store's stock.
    let mut other = boxr(5, &code(3), "in_stock");
    other.store_code = "P44030500002".into();
    let out = f
        .store
        .chain_integrate_pull(&page(
            vec![
                batch,
                boxr(1, &free, "in_stock"),
                boxr(2, &sold, "in_stock"),
                tc,
                other,
            ],
            3,
        ))
        .unwrap();
    assert_eq!(out.sibling_rows, 4);
    let b = f
        .store
        .chain_sibling_box(&free)
        .unwrap()
        .expect("sibling box");
    assert!(!b.sold_elsewhere);
    assert_eq!(b.fixmedins_bchno, "SIB-B3");
    assert!(b.drug_id.is_some());
    assert!(f.store.chain_code_sold_elsewhere(&sold).unwrap());
    assert!(!f.store.chain_code_sold_elsewhere(&free).unwrap());
    assert!(f.store.chain_sibling_box(&code(3)).unwrap().is_none());
    // Taken onto this counter's books (once), then sold here.
    let bchno = f.store.chain_adopt_sibling_box(&free).unwrap();
    assert_eq!(f.store.chain_adopt_sibling_box(&free).unwrap(), bchno);
    assert!(f.store.chain_adopt_sibling_box(&sold).is_err());
    let rows = f.store.stock_batches(b.drug_id.unwrap()).unwrap();
    let adopted = rows.iter().find(|r| r.fixmedins_bchno == "SIB-B3").unwrap();
    assert_eq!(adopted.quantity, dec!(1));
}

#[test]
fn a_sibling_sale_of_an_own_box_marks_it_sold_and_pushes_that() {
    let f = fixture();
    register(&f.store);
    let c = code(10);
    receive(&f, std::slice::from_ref(&c));
    all_pushed(&f.store);
    let tc = rec(
        SIBLING,
        Table::TraceCode,
        1,
        RecordData::TraceCode(TraceCode {
            sale_line: record_id(SIBLING, Table::SaleLine, 1),
            code: c.clone(),
            returned: false,
        }),
    );
    let out = f
        .store
        .chain_integrate_pull(&page(vec![tc.clone()], 1))
        .unwrap();
    assert_eq!(out.own_boxes_sold, 1);
    assert_eq!(f.store.stock_box(&c).unwrap().unwrap().state, "sold");
    let pushed = all_pushed(&f.store);
    assert!(pushed.iter().any(|r| matches!(&r.data,
        Some(RecordData::StockBox(b)) if b.code == c && b.state == "sold")));
    // The sibling's refund gives the box back to this counter's shelf.
    let mut back = tc.clone();
    if let Some(RecordData::TraceCode(t)) = back.data.as_mut() {
        t.returned = true;
    }
    f.store.chain_integrate_pull(&page(vec![back], 2)).unwrap();
    assert_eq!(f.store.stock_box(&c).unwrap().unwrap().state, "in_stock");
    assert!(!f.store.chain_code_sold_elsewhere(&c).unwrap());
    // Own records coming back are ignored.
    let mine = rec(SITE, Table::TraceCode, 1, tc.data.clone().unwrap());
    let out = f.store.chain_integrate_pull(&page(vec![mine], 3)).unwrap();
    assert_eq!(out.ignored, 1);
}

#[test]
fn a_forwarded_transfer_is_received_once_into_stock() {
    let f = fixture();
    register(&f.store);
    let c = code(20);
    let other_site = Uuid::from_u128(0xD4);
    let t = Transfer {
        direction: "out".into(),
        doc_no: "P44030500002-1-1".into(),
        from_store: "P44030500002".into(),
        to_store: STORE.into(),
        originating: None,
        lines: vec![TransferLine {
            fixmedins_hilist_id: "YP0001".into(),
            manu_lotnum: "LOT-T".into(),
            manu_date: "2026-01-01".into(),
            expy_end: "2099-01-01".into(),
            code: c.clone(),
            qty_e4: 10_000,
        }],
        state: "sent".into(),
        operator: "boss2".into(),
        at: 1,
        received_by: String::new(),
        received_at: None,
    };
    let mut r = rec(other_site, Table::Transfer, 1, RecordData::Transfer(t));
    r.store_code = "P44030500002".into();
    let out = f
        .store
        .chain_integrate_pull(&page(vec![r.clone()], 1))
        .unwrap();
    assert_eq!(out.transfers_received, 1);
    assert_eq!(f.store.stock_box(&c).unwrap().unwrap().state, "in_stock");
    // The receiving store reports the boxes to the center: one 3502 调拨入库 (101) with the code.
    let in_3502: Vec<_> = f
        .store
        .list_uploads(None, 1000)
        .unwrap()
        .into_iter()
        .filter(|u| u.op == "3502")
        .map(|u| {
            rxdesk_wire::UploadMessage::parse(&u.op, &f.store.upload_payload(u.id).unwrap())
                .unwrap()
        })
        .collect();
    assert_eq!(in_3502.len(), 1, "one 3502 for the one batch received");
    let rxdesk_wire::UploadMessage::StockChange(m) = &in_3502[0] else {
        panic!("not a stock change: {:?}", in_3502[0]);
    };
    assert_eq!(m.invinfo.inv_chg_type, "101", "调拨入库");
    assert!(
        m.invinfo.drugtracinfo.iter().any(|t| t.drug_trac_codg == c),
        "{:?}",
        m.invinfo.drugtracinfo
    );
    let out = f
        .store
        .chain_integrate_pull(&page(vec![r.clone()], 2))
        .unwrap();
    assert_eq!(out.transfers_received, 0, "a duplicate is ignored");
    assert_eq!(
        f.store
            .list_uploads(None, 1000)
            .unwrap()
            .iter()
            .filter(|u| u.op == "3502")
            .count(),
        1,
        "a duplicate queues nothing"
    );
    let docs = f.store.transfers().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].direction, "in");
    let pushed = all_pushed(&f.store);
    let paired = pushed
        .iter()
        .find_map(|x| match &x.data {
            Some(RecordData::Transfer(t)) => Some(t),
            _ => None,
        })
        .expect("the in document is pushed");
    assert_eq!(paired.originating, Some(r.record_id));
}

#[test]
fn transfer_out_sends_the_boxes_and_writes_the_out_document() {
    let f = fixture();
    register(&f.store);
    let c = code(30);
    receive(&f, std::slice::from_ref(&c));
    let t = f
        .store
        .transfer_out(&f.boss, "P44030500002", std::slice::from_ref(&c))
        .unwrap();
    assert_eq!(t.lines.len(), 1);
    assert_eq!(f.store.stock_box(&c).unwrap().unwrap().state, "transferred");
    let pushed = all_pushed(&f.store);
    assert!(pushed.iter().any(|x| matches!(&x.data,
        Some(RecordData::Transfer(t)) if t.direction == "out" && t.to_store == "P44030500002")));
    assert!(f
        .store
        .transfer_out(&f.boss, STORE, std::slice::from_ref(&c))
        .is_err());
}

#[test]
fn the_other_stores_receipt_marks_the_own_out_document_received_once() {
    let f = fixture();
    register(&f.store);
    let c = code(31);
    receive(&f, std::slice::from_ref(&c));
    let t = f
        .store
        .transfer_out(&f.boss, "P44030500002", std::slice::from_ref(&c))
        .unwrap();
    all_pushed(&f.store);
    let receiver = Uuid::from_u128(0xC3);
    let receipt = |originating: Uuid| {
        let mut r = rec(
            receiver,
            Table::Transfer,
            1,
            RecordData::Transfer(Transfer {
                direction: "in".into(),
                doc_no: t.doc_no.clone(),
                from_store: STORE.into(),
                to_store: "P44030500002".into(),
                originating: Some(originating),
                lines: t.lines.clone(),
                state: "received".into(),
                operator: "boss".into(),
                at: 5,
                received_by: "boss2".into(),
                received_at: Some(5),
            }),
        );
        r.store_code = "P44030500002".into();
        r
    };
    // A receipt of a document this counter did not write (a sibling's) changes nothing.
    let out = f
        .store
        .chain_integrate_pull(&page(vec![receipt(Uuid::from_u128(0xEE))], 1))
        .unwrap();
    assert_eq!((out.transfers_confirmed, out.ignored), (0, 1));
    assert_eq!(f.store.transfers().unwrap()[0].state, "sent");
    // The receipt of its own document marks it received, who and when.
    let mine = receipt(record_id(SITE, Table::Transfer, t.id));
    let out = f
        .store
        .chain_integrate_pull(&page(vec![mine.clone()], 2))
        .unwrap();
    assert_eq!(out.transfers_confirmed, 1);
    let docs = f.store.transfers().unwrap();
    assert_eq!(docs.len(), 1, "no second document at the sender");
    assert_eq!(
        (
            docs[0].state.as_str(),
            docs[0].received_by.as_str(),
            docs[0].received_at
        ),
        ("received", "boss2", Some(5))
    );
    // The change is pushed as this counter's own record.
    let pushed = all_pushed(&f.store);
    assert_eq!(pushed.len(), 1, "{pushed:?}");
    assert!(matches!(&pushed[0].data,
        Some(RecordData::Transfer(x)) if x.direction == "out" && x.state == "received"
            && x.received_by == "boss2" && x.received_at == Some(5)));
    assert_eq!(pushed[0].record_id, record_id(SITE, Table::Transfer, t.id));
    // A re-pull of the same receipt changes nothing and pushes nothing.
    let out = f.store.chain_integrate_pull(&page(vec![mine], 3)).unwrap();
    assert_eq!((out.transfers_confirmed, out.ignored), (0, 1));
    assert!(all_pushed(&f.store).is_empty());
}
