//! The demo catalogue, stock and boxes go through the real imports and fit
//! the emulator's world (moved here from rxdesk-store with the demo data).

use rxdesk_core::catalogue::Catalogue;
use rxdesk_core::code_format::TraceCode;
use rxdesk_demo::catalogue::{
    demo_boxes, demo_catalogue_csv, demo_catalogue_rows, demo_stock_csv, emulator_products,
    for_each_demo_catalogue_chunk, last_demo_product_id, BOXES_PER_DRUG,
};
use rxdesk_store::catalogue::gtin_valid;
use rxdesk_store::operators::NewOperator;
use rxdesk_store::{Role, Session, Store};
use std::collections::HashSet;
use std::time::Instant;

/// A ledger with a manager, for the imports.
struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    boss: Session,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("demo.sqlite3")).unwrap();
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
    Fixture {
        _dir: dir,
        store,
        boss,
    }
}

/// (医保 code, name, spec, price as stored) of the demo drugs, read from
/// the one source, `assets/demo/drugs.json`, as the emulator reads it.
fn emulator() -> Vec<(String, String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(rxdesk_demo::DEMO_DRUGS_JSON).unwrap();
    v["drugs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap().to_string();
            let price: rust_decimal::Decimal = s("price").parse().unwrap();
            (
                s("med_list_codg"),
                s("name"),
                s("spec"),
                format!("{:.6}", price),
            )
        })
        .collect()
}

#[test]
fn demo_data_imports_and_matches_the_emulator() {
    let f = fixture();
    let s = &f.store;
    let catalogue = demo_catalogue_csv();
    let stock = demo_stock_csv();

    let t = Instant::now();
    let r = s
        .import_catalogue_csv(&f.boss, catalogue.as_bytes())
        .unwrap();
    let catalogue_ms = t.elapsed().as_millis();
    assert!(r.is_ok(), "{}", r.errors_zh());
    assert!(r.inserted >= 20_006, "{r:?}");
    let t = Instant::now();
    let r2 = s.import_stock_csv(&f.boss, stock.as_bytes()).unwrap();
    let stock_ms = t.elapsed().as_millis();
    assert!(r2.is_ok(), "{}", r2.errors_zh());
    println!(
        "demo import: {} products in {catalogue_ms} ms, {} batches in {stock_ms} ms",
        r.inserted, r2.inserted
    );
    // Generous even for an unoptimised build on a shared 2-core machine.
    assert!(catalogue_ms < 60_000 && stock_ms < 60_000);

    let today = chrono::DateTime::from_timestamp_millis(s.now_ms())
        .unwrap()
        .with_timezone(&rxdesk_core::time::cst())
        .format("%Y-%m-%d")
        .to_string();
    let drugs = emulator();
    assert_eq!(drugs.len(), 6);
    for (codg, name, spec, price) in &drugs {
        let found = s.products_by_med_list_codg(codg).unwrap();
        assert_eq!(found.len(), 1, "{codg}");
        let (id, p) = &found[0];
        assert_eq!(
            (p.name.as_str(), p.spec.as_str(), p.price.to_string()),
            (name.as_str(), spec.as_str(), price.clone())
        );
        assert!(gtin_valid(&p.barcode) && p.barcode.starts_with("69"));
        assert_eq!(p.trace_prefix.len(), 7);
        assert_eq!(s.products_by_barcode(&p.barcode).unwrap()[0].0, *id);
        assert_eq!(
            s.products_by_trace_prefix(&p.trace_prefix).unwrap()[0].0,
            *id
        );
        let batches = s.stock_batches(*id).unwrap();
        assert!(
            batches
                .iter()
                .any(|b| b.store == "traced" && b.expy_end >= today && !b.quantity.is_zero()),
            "{name} has usable traced stock"
        );
    }
    let morphine = &s
        .products_by_med_list_codg("XN02AAM010A001010100006")
        .unwrap()[0]
        .1;
    assert_eq!(morphine.circulation, "narcotic");
    let vc = &s
        .products_by_med_list_codg("XA11GAW010A001010100004")
        .unwrap()[0]
        .1;
    assert!(vc.self_pay);
    let (amox_id, amox) = s
        .products_by_med_list_codg("XJ01CAA040A001010100001")
        .unwrap()
        .remove(0);
    assert!(!amox.self_pay && amox.circulation.is_empty());
    let amox_batches = s.stock_batches(amox_id).unwrap();
    assert!(
        amox_batches[0].expy_end < today,
        "the first (FEFO) batch of 阿莫西林 is expired: {amox_batches:?}"
    );
    assert!(amox_batches.iter().any(|b| b.store == "nocode"));

    // Every box: a valid, unsold trace code under its product's prefix.
    let boxes = demo_boxes();
    assert_eq!(boxes.len(), 6 * BOXES_PER_DRUG);
    let mut codes = HashSet::new();
    for b in &boxes {
        TraceCode::parse(&b.trace_code).unwrap();
        assert!(codes.insert(b.trace_code.clone()), "unique");
        let (_, p) = s.product(&b.fixmedins_hilist_id).unwrap().unwrap();
        assert_eq!(
            (
                p.med_list_codg.as_str(),
                p.barcode.as_str(),
                p.name.as_str()
            ),
            (
                b.med_list_codg.as_str(),
                b.barcode.as_str(),
                b.name.as_str()
            )
        );
        assert!(b.trace_code.starts_with(&p.trace_prefix));
        assert!(!s.trace_code_sold(&b.trace_code).unwrap());
    }
    for (codg, ..) in &drugs {
        assert!(boxes.iter().filter(|b| &b.med_list_codg == codg).count() >= 6);
    }

    // Look-ups at this size go through the indexes.
    let all = s.catalogue_with_ids().unwrap();
    let t = Instant::now();
    let mut looked = 0;
    for (id, p) in all
        .iter()
        .step_by(20)
        .filter(|(_, p)| !p.barcode.is_empty())
    {
        assert!(s
            .products_by_barcode(&p.barcode)
            .unwrap()
            .iter()
            .any(|(i, _)| i == id));
        looked += 1;
    }
    let per_lookup_us = t.elapsed().as_micros() / looked.max(1);
    let t = Instant::now();
    let rows = s.catalogue().unwrap();
    let load_ms = t.elapsed().as_millis();
    println!(
        "{looked} barcode look-ups: {per_lookup_us} µs each; catalogue() of {} rows: {load_ms} ms",
        rows.len()
    );
    // A scan of the table takes ~16 ms here; through the index ~0.2 ms.
    assert!(per_lookup_us < 3_000 && load_ms < 30_000);

    // The core's search index takes the rows as they are.
    let index = Catalogue::new(rows.iter().map(|r| r.to_product()).collect());
    let hits = index.search("amxljn", 20);
    assert!(hits
        .iter()
        .any(|h| index.products()[h.index].med_list_codg == "XJ01CAA040A001010100001"));
    let by_code = index.by_barcode(&amox.barcode);
    assert_eq!(by_code[0].fixmedins_hilist_id, amox.fixmedins_hilist_id);

    // Re-importing the demo files changes nothing.
    let r = s
        .import_catalogue_csv(&f.boss, catalogue.as_bytes())
        .unwrap();
    assert_eq!((r.inserted, r.updated), (0, 0));
    let r = s.import_stock_csv(&f.boss, stock.as_bytes()).unwrap();
    assert_eq!((r.inserted, r.unchanged), (0, r2.inserted));
}

#[test]
fn the_boxes_and_products_in_docs_demo_md_are_the_real_ones() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/demo.md"))
        .unwrap();
    let boxes = demo_boxes();
    let products = emulator_products();
    let mut codes = 0;
    let mut barcodes = 0;
    for line in doc.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        for c in &cells {
            if c.len() == 20 && c.bytes().all(|b| b.is_ascii_digit()) {
                let b = boxes
                    .iter()
                    .find(|b| b.trace_code == *c)
                    .unwrap_or_else(|| panic!("{c} in docs/demo.md is not a demo box"));
                assert!(cells.contains(&b.barcode.as_str()), "{line}");
                codes += 1;
            }
            if c.len() == 13 && c.starts_with("69") {
                let p = products.iter().find(|p| p.barcode == *c).unwrap();
                assert!(line.contains(&p.name), "{line}");
                barcodes += 1;
            }
        }
    }
    assert!(
        codes >= 12 && barcodes >= 18,
        "{codes} codes, {barcodes} barcodes"
    );
}

/// Demo mode imports the catalogue in chunks (docs/decisions/0019): the
/// chunks are the whole catalogue, in order, none larger than asked, and the
/// last product (the seed's "already there" probe) comes last.
#[test]
fn the_catalogue_in_chunks_is_the_whole_catalogue_in_order() {
    let mut joined = Vec::new();
    let mut sizes = Vec::new();
    for_each_demo_catalogue_chunk(2_000, |chunk| {
        sizes.push(chunk.len());
        joined.extend_from_slice(chunk);
        Ok::<(), ()>(())
    })
    .unwrap();
    assert!(sizes.iter().all(|&n| (1..=2_000).contains(&n)), "{sizes:?}");
    assert_eq!(sizes.len(), 11);
    let all = demo_catalogue_rows();
    assert_eq!(joined, all);
    assert_eq!(
        all.last().map(|r| r.fixmedins_hilist_id.clone()),
        Some(last_demo_product_id())
    );
}
