//! The demo pharmacy is seeded once into a demo-mode counter's ledger, as
//! the demo manager (moved here from rxdesk-app with the demo data).

use rxdesk_app::operators::DEMO_OPERATORS;
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_demo::catalogue::{for_each_demo_catalogue_chunk, GENERATED_PRODUCTS};
use rxdesk_demo::pharmacy::{
    demo_pharmacy_seeded, seed_demo_pharmacy, seed_demo_pharmacy_unless_seeded, DemoSeed,
    SEED_CHUNK,
};
use rxdesk_store::catalogue::catalogue_csv;

#[test]
fn a_fresh_demo_ledger_gets_the_catalogue_once() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let counter = Counter::open(&dir, &Settings::default()).unwrap();
    let store = counter.store();
    let (login, _, _, password) = DEMO_OPERATORS[0];
    let manager = store.login(login, password).unwrap();
    assert!(!demo_pharmacy_seeded(store).unwrap());
    match seed_demo_pharmacy(store, &manager).unwrap() {
        DemoSeed::Imported { products, batches } => {
            assert!(products >= 20_000, "{products}");
            assert!(batches > 0);
        }
        other => panic!("expected an import, got {other:?}"),
    }
    assert_eq!(
        store
            .products_by_barcode("6923456001015")
            .unwrap()
            .first()
            .map(|(_, p)| p.med_list_codg.clone())
            .as_deref(),
        Some("XJ01CAA040A001010100001")
    );
    assert_eq!(
        seed_demo_pharmacy(store, &manager).unwrap(),
        DemoSeed::AlreadyThere
    );
    // A start on a seeded ledger signs nobody in (no argon2id hash while the
    // window starts).
    assert!(demo_pharmacy_seeded(store).unwrap());
    assert_eq!(
        seed_demo_pharmacy_unless_seeded(store, || panic!("signed in on a seeded ledger")).unwrap(),
        DemoSeed::AlreadyThere
    );
}

/// The catalogue is imported chunk by chunk (docs/decisions/0019): a start
/// killed after the first chunk leaves that chunk only, and the next start
/// imports the rest instead of taking the ledger for seeded.
#[test]
fn a_seed_cut_short_after_one_chunk_is_completed_at_the_next_start() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let counter = Counter::open(&dir, &Settings::default()).unwrap();
    let store = counter.store();
    let (login, _, _, password) = DEMO_OPERATORS[0];
    let manager = store.login(login, password).unwrap();
    let cut = for_each_demo_catalogue_chunk(SEED_CHUNK, |chunk| {
        let r = store
            .import_catalogue_csv(&manager, catalogue_csv(chunk).as_bytes())
            .unwrap();
        assert_eq!(r.inserted, SEED_CHUNK);
        Err("killed after the first chunk")
    });
    assert_eq!(cut, Err("killed after the first chunk"));
    assert_eq!(store.catalogue().unwrap().len(), SEED_CHUNK);
    match seed_demo_pharmacy(store, &manager).unwrap() {
        DemoSeed::Imported { products, .. } => {
            assert_eq!(products, GENERATED_PRODUCTS + 6 - SEED_CHUNK)
        }
        other => panic!("expected the rest to be imported, got {other:?}"),
    }
    assert_eq!(store.catalogue().unwrap().len(), GENERATED_PRODUCTS + 6);
}
