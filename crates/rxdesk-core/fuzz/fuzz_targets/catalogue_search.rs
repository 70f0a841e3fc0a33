//! The indexed search must return exactly what the linear scan returns,
//! for any catalogue and any query.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use rxdesk_core::catalogue::{Catalogue, DrugFacts, InsuranceClass, Product};

fn product(fields: &[&str]) -> Product {
    let f = |i: usize| fields.get(i).copied().unwrap_or("").to_string();
    Product {
        fixmedins_hilist_id: String::new(),
        med_list_codg: f(2),
        name: f(0),
        generic_name: f(1),
        spec: String::new(),
        manufacturer: String::new(),
        barcode: f(3),
        price: "1.00".parse().expect("literal"),
        pack_unit: "盒".into(),
        min_unit: "盒".into(),
        pack_size: Decimal::ONE,
        facts: DrugFacts {
            restricted: vec![],
            insurance_class: InsuranceClass::A,
            cold_chain: false,
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\n');
    let query = parts.next().unwrap_or("").to_string();
    let products: Vec<Product> = parts
        .take(64)
        .map(|line| product(&line.split('|').collect::<Vec<_>>()))
        .collect();
    let c = Catalogue::new(products);
    for limit in [1, 5, 50] {
        assert_eq!(c.search(&query, limit), c.search_linear(&query, limit));
    }
});
