//! The in-stock listing for the public channels (ST-EPC-02-004: what is on
//! sale, at what price, how many packs), read from the catalogue and the
//! stock batches and computed by the pure `rxdesk_core::stock::in_stock_listing`
//! (expired batches never count, stock per 医保 code, whole packs only).
//!
//! Products outside circulation (narcotics, psychotropics, hospital
//! preparations…, `CatalogueRow::restricted_classes`) are never listed: a
//! pharmacy may not fill a circulated prescription with them.

use crate::error::{Result, StoreError};
use crate::Store;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rxdesk_core::catalogue::Catalogue;
use rxdesk_core::dispense::{StockBatch, StoreKind};
use rxdesk_core::stock::{in_stock_listing, InStockItem};
use std::collections::HashMap;

/// Columns of [`in_stock_csv`].
pub const IN_STOCK_COLUMNS: [&str; 8] = [
    "med_list_codg",
    "fixmedins_hilist_id",
    "name",
    "genname",
    "spec",
    "price",
    "packs",
    "unit",
];

impl Store {
    /// Every circulating product with unexpired stock on `today` (CST date),
    /// in catalogue order.
    pub fn in_stock_listing(&self, today: NaiveDate) -> Result<Vec<InStockItem>> {
        let products = self.catalogue_with_ids()?;
        let mut by_id: HashMap<i64, (String, Decimal)> = HashMap::new();
        let mut listed = Vec::new();
        for (id, row) in &products {
            if !row.restricted_classes().is_empty() {
                continue;
            }
            by_id.insert(*id, (row.med_list_codg.clone(), row.pack_size));
            listed.push(row.to_product());
        }
        let rows: Vec<(i64, String, String, String, String, i64, String)> = self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT drug_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end, qty_e4, store
                     FROM stock_batches WHERE qty_e4 > 0",
                )
                .map_err(StoreError::sql("read stock"))?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })
                .map_err(StoreError::sql("read stock"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read stock"));
            rows
        })?;
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let batches: Vec<StockBatch> = rows
            .into_iter()
            .filter_map(|(drug_id, bchno, lot, made, expy, qty_e4, store)| {
                let (codg, pack) = by_id.get(&drug_id)?;
                // Stock is kept in packs; the core counts smallest units.
                let packs = Decimal::new(qty_e4, 4);
                Some(StockBatch {
                    batch_id: bchno,
                    med_list_codg: codg.clone(),
                    manu_lotnum: lot,
                    manu_date: date(&made).unwrap_or(NaiveDate::MIN),
                    // An unreadable expiry never counts as in stock.
                    expy_end: date(&expy).unwrap_or(NaiveDate::MIN),
                    on_hand: packs * (*pack).max(Decimal::ONE),
                    store: if store == "nocode" {
                        StoreKind::NoCode
                    } else {
                        StoreKind::Traced
                    },
                })
            })
            .collect();
        Ok(in_stock_listing(&Catalogue::new(listed), &batches, today))
    }
}

/// The listing as CSV (UTF-8, header, CRLF; money and quantities as decimal
/// strings), the columns of [`IN_STOCK_COLUMNS`].
pub fn in_stock_csv(items: &[InStockItem]) -> String {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\r', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = IN_STOCK_COLUMNS.join(",");
    out.push_str("\r\n");
    for i in items {
        let cols = [
            i.med_list_codg.clone(),
            i.fixmedins_hilist_id.clone(),
            i.name.clone(),
            i.generic_name.clone(),
            i.spec.clone(),
            i.price.to_string(),
            i.packs.normalize().to_string(),
            i.pack_unit.clone(),
        ];
        out.push_str(&cols.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::catalogue_csv;
    use crate::demo::{demo_stock_csv, emulator_products};

    #[test]
    fn demo_stock_is_listed_without_expired_batches_or_restricted_drugs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("l.sqlite3")).unwrap();
        store
            .create_operator(
                None,
                &crate::operators::NewOperator {
                    login: "boss".into(),
                    display_name: "王店长".into(),
                    role: crate::Role::Manager,
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
}
