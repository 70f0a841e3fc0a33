//! The demo catalogue, stock and boxes go through the real imports and fit
//! the emulator's world.

mod common;

use rxdesk_core::catalogue::Catalogue;
use rxdesk_core::code_format::TraceCode;
use rxdesk_store::catalogue::gtin_valid;
use rxdesk_store::demo::{demo_boxes, demo_catalogue_csv, demo_stock_csv, BOXES_PER_DRUG};
use std::collections::HashSet;
use std::time::Instant;

const EMULATOR: [(&str, &str, &str, &str); 6] = [
    (
        "XJ01CAA040A001010100001",
        "阿莫西林胶囊",
        "0.25g*24粒",
        "12.500000",
    ),
    (
        "XM01AEB080A001010100002",
        "布洛芬缓释胶囊",
        "0.3g*20粒",
        "18.000000",
    ),
    (
        "XR06AXL040A001010100003",
        "氯雷他定片",
        "10mg*6片",
        "22.800000",
    ),
    (
        "XA11GAW010A001010100004",
        "维生素C片",
        "0.1g*100片",
        "5.000000",
    ),
    (
        "XA10BAE010A001010100005",
        "盐酸二甲双胍缓释片",
        "0.5g*30片",
        "25.600000",
    ),
    (
        "XN02AAM010A001010100006",
        "盐酸吗啡片",
        "10mg*10片",
        "30.000000",
    ),
];

#[test]
fn demo_data_imports_and_matches_the_emulator() {
    let f = common::fixture();
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
    for (codg, name, spec, price) in EMULATOR {
        let found = s.products_by_med_list_codg(codg).unwrap();
        assert_eq!(found.len(), 1, "{codg}");
        let (id, p) = &found[0];
        assert_eq!(
            (p.name.as_str(), p.spec.as_str(), p.price.to_string()),
            (name, spec, price.to_string())
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
    for (codg, ..) in EMULATOR {
        assert!(boxes.iter().filter(|b| b.med_list_codg == codg).count() >= 6);
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
    let products = rxdesk_store::demo::emulator_products();
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
