//! The demo pharmacy is seeded once into a demo-mode counter's ledger, as
//! the demo manager (moved here from rxdesk-app with the demo data).

use rxdesk_app::operators::DEMO_OPERATORS;
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_demo::pharmacy::{seed_demo_pharmacy, DemoSeed};

#[test]
fn a_fresh_demo_ledger_gets_the_catalogue_once() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let counter = Counter::open(&dir, &Settings::default()).unwrap();
    let store = counter.store();
    let (login, _, _, password) = DEMO_OPERATORS[0];
    let manager = store.login(login, password).unwrap();
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
}
