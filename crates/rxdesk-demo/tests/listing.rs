//! The demo stock through the public in-stock listing (ST-EPC-02-004):
//! expired batches and drugs outside circulation never listed (moved here
//! from rxdesk-store's unit tests with the demo data).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rxdesk_demo::catalogue::{demo_stock_csv, emulator_products};
use rxdesk_store::catalogue::catalogue_csv;
use rxdesk_store::listing::{in_stock_csv, IN_STOCK_COLUMNS};
use rxdesk_store::Store;

#[test]
fn demo_stock_is_listed_without_expired_batches_or_restricted_drugs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("l.sqlite3")).unwrap();
    store
        .create_operator(
            None,
            &rxdesk_store::operators::NewOperator {
                login: "boss".into(),
                display_name: "王店长".into(),
                role: rxdesk_store::Role::Manager,
                password: "correct horse".into(),
                cert_type: None,
                certno: None,
                prac_cert_no: None,
            },
        )
        .unwrap();
    let boss = store.login("boss", "correct horse").unwrap();
    let products = emulator_products();
    let r = store
        .import_catalogue_csv(&boss, catalogue_csv(&products).as_bytes())
        .unwrap();
    assert!(r.is_ok(), "{:?}", r.errors);
    let ids: Vec<&str> = products
        .iter()
        .map(|p| p.fixmedins_hilist_id.as_str())
        .collect();
    let stock: String = demo_stock_csv()
        .split_inclusive('\n')
        .enumerate()
        .filter(|(i, l)| *i == 0 || ids.iter().any(|id| l.split(',').next() == Some(*id)))
        .map(|(_, l)| l)
        .collect();
    let r = store.import_stock_csv(&boss, stock.as_bytes()).unwrap();
    assert!(r.is_ok(), "{:?}", r.errors);
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let items = store.in_stock_listing(today).unwrap();
    let codes: Vec<&str> = items.iter().map(|i| i.med_list_codg.as_str()).collect();
    // 盐酸吗啡片 is a narcotic: never offered on the public channels.
    assert!(!codes.contains(&"XN02AAM010A001010100006"), "{codes:?}");
    assert!(codes.contains(&"XJ01CAA040A001010100001"), "{codes:?}");
    // 阿莫西林: the expired batch does not count; what is listed equals
    // the unexpired packs of the stock file.
    let amox = items
        .iter()
        .find(|i| i.med_list_codg == "XJ01CAA040A001010100001")
        .unwrap();
    let mut unexpired = Decimal::ZERO;
    let mut expired = Decimal::ZERO;
    let amox_id = &products
        .iter()
        .find(|p| p.med_list_codg == "XJ01CAA040A001010100001")
        .unwrap()
        .fixmedins_hilist_id;
    for b in store
        .stock_batches(store.product(amox_id).unwrap().unwrap().0)
        .unwrap()
    {
        if NaiveDate::parse_from_str(&b.expy_end, "%Y-%m-%d").unwrap() < today {
            expired += b.quantity;
        } else {
            unexpired += b.quantity;
        }
    }
    assert!(
        expired > Decimal::ZERO,
        "the demo has an expired 阿莫西林 batch"
    );
    assert_eq!(amox.packs, unexpired.floor());
    assert_eq!(amox.price.to_string(), "12.500000");
    let csv = in_stock_csv(&items);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(IN_STOCK_COLUMNS.join(",").as_str()));
    assert_eq!(lines.count(), items.len());
    assert!(csv.contains("阿莫西林"));
}
