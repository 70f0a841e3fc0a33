//! How long a stock-take takes per scanned code: 10,000 received boxes, all
//! scanned, the differences computed and the stock-take committed (one 3501
//! per batch queued) — against a plain SQLite loop inserting the same 10,000
//! codes in one transaction, in the same run. Prints `BENCH_ROW {json}` for
//! `scripts/bench`; ratio = stock-take / plain insert loop, per code.

use rxdesk_store::inventory::{GoodsIn, GoodsInLine};
use rxdesk_store::ledger::NewDrug;
use rxdesk_store::operators::NewOperator;
use rxdesk_store::{Role, Store};
use std::time::{Duration, Instant};

const CODES: usize = 10_000;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.sqlite3")).unwrap();
    store.set_institution("P11010100001", "基准药房").unwrap();
    store
        .create_operator(
            None,
            &NewOperator {
                login: "boss".into(),
                display_name: "店长".into(),
                role: Role::Manager,
                password: "boss-password".into(),
                cert_type: None,
                certno: None,
                prac_cert_no: None,
            },
        )
        .unwrap();
    let boss = store.login("boss", "boss-password").unwrap();
    store
        .add_drug(
            &boss,
            &NewDrug {
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
                price: "12.5".parse().unwrap(),
            },
        )
        .unwrap();
    let codes: Vec<String> = (0..CODES).map(|n| format!("8{:019}", n)).collect();
    // Ten batches of 1,000 boxes (not measured).
    let lines = codes
        .chunks(1_000)
        .enumerate()
        .map(|(i, c)| GoodsInLine {
            fixmedins_hilist_id: "YP0001".into(),
            manu_lotnum: format!("LOT{i}"),
            manu_date: "2026-01-01".into(),
            expy_end: "2028-12-31".into(),
            purchase_price: "8.2".parse().unwrap(),
            boxes: c.to_vec(),
            cartons: Vec::new(),
        })
        .collect();
    store
        .receive_goods(
            &boss,
            &GoodsIn {
                supplier: "基准供应商".into(),
                invoice_no: "B-1".into(),
                lines,
                ..Default::default()
            },
        )
        .unwrap();

    // RxDesk: the whole stock-take (differences, record, 3501 per batch).
    let t = Instant::now();
    let (diff, uploads) = store.commit_stock_take(&boss, &codes, None).unwrap();
    let t_take = t.elapsed();
    assert!(diff.balanced() && diff.matched == CODES, "{diff:?}");
    assert_eq!(uploads.len(), 10);

    // Reference: a plain SQLite insert loop of the same codes (same
    // durability settings as the ledger: WAL, synchronous=FULL).
    let conn = rusqlite::Connection::open(dir.path().join("plain.sqlite3")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE counted (code TEXT PRIMARY KEY) STRICT;",
    )
    .unwrap();
    let t = Instant::now();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut st = tx
            .prepare("INSERT INTO counted (code) VALUES (?1)")
            .unwrap();
        for c in &codes {
            st.execute([c]).unwrap();
        }
    }
    tx.commit().unwrap();
    let t_plain = t.elapsed();

    let per = |d: Duration| d.as_secs_f64() * 1e6 / CODES as f64;
    let (rx, rf) = (per(t_take), per(t_plain));
    let ratio = rx / rf.max(1e-9);
    eprintln!("stock-take of {CODES} codes: {rx:.2} µs/code; plain insert loop {rf:.2} µs/code; ratio {ratio:.2}");
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let row = serde_json::json!({
        "row": format!("stock-take of {CODES} scanned codes (differences + commit + 3501 per batch)"),
        "rxdesk": round(rx),
        "reference": round(rf),
        "reference_name": "plain SQLite insert loop of the same codes, one transaction, same run",
        "unit": "µs per code",
        "ratio": (ratio * 10_000.0).round() / 10_000.0,
        "goal": "<= 1 ms per code (a scanner reads a few codes per second)",
        "met": rx <= 1_000.0,
        "note": format!("{} batches; every code matched, asserted; total {} ms", uploads.len(), (t_take.as_secs_f64() * 1e3).round()),
    });
    println!("BENCH_ROW {row}");
}
