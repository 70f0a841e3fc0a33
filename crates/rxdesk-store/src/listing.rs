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
