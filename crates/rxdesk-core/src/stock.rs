//! Stock as the public channels see it (ST-EPC-02-004: "which pharmacy has
//! a prescription's drugs"): the in-stock listing (what is on sale, price,
//! quantity) and the answer to "can you fill this prescription?" with the
//! `accept` codes of docs/reference/wire-protocol.md §6 (1 全部满足, 0 部分满足, −1 无满足库存,
//! −2 处方信息异常). Expired batches never count.

use crate::catalogue::Catalogue;
use crate::dispense::StockBatch;
use crate::money::Price;
use crate::prescription::RxLine;
use crate::text::compact;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// `accept` of the stock query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StockAccept {
    /// `1` 全部满足
    All,
    /// `0` 部分满足
    Partial,
    /// `-1` 无满足库存
    None,
    /// `-2` 处方信息异常
    InvalidPrescription,
}

impl StockAccept {
    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            Self::All => "1",
            Self::Partial => "0",
            Self::None => "-1",
            Self::InvalidPrescription => "-2",
        }
    }
    /// zh-CN label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::All => "全部满足",
            Self::Partial => "部分满足",
            Self::None => "无满足库存",
            Self::InvalidPrescription => "处方信息异常",
        }
    }
}

/// Unexpired smallest units on hand per 医保 code.
fn on_hand(batches: &[StockBatch], today: NaiveDate) -> HashMap<&str, Decimal> {
    let mut m: HashMap<&str, Decimal> = HashMap::new();
    for b in batches.iter().filter(|b| !b.expired(today)) {
        let e = m.entry(b.med_list_codg.as_str()).or_default();
        *e = e.checked_add(b.on_hand.max(Decimal::ZERO)).unwrap_or(*e);
    }
    m
}

/// One line of the stock answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineStock {
    /// The line's 医保 code.
    pub med_list_codg: String,
    /// Available, in the line's unit.
    pub available: Decimal,
    /// Enough for the prescribed quantity.
    pub enough: bool,
}

/// The answer for a prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAnswer {
    /// Overall.
    pub accept: StockAccept,
    /// Per line (empty when the prescription is invalid).
    pub lines: Vec<LineStock>,
}

/// Can this pharmacy fill these lines from unexpired stock?
pub fn prescription_stock(
    lines: &[RxLine],
    catalogue: &Catalogue,
    batches: &[StockBatch],
    today: NaiveDate,
) -> StockAnswer {
    let invalid = StockAnswer {
        accept: StockAccept::InvalidPrescription,
        lines: Vec::new(),
    };
    if lines.is_empty() || lines.iter().any(|l| l.quantity <= Decimal::ZERO) {
        return invalid;
    }
    let stock = on_hand(batches, today);
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let units = stock
            .get(l.med_list_codg.as_str())
            .copied()
            .unwrap_or_default();
        let available = match catalogue.by_med_list_code(&l.med_list_codg).first() {
            None => Decimal::ZERO,
            Some(p) if compact(&p.pack_unit) == compact(&l.unit) && p.pack_size >= Decimal::ONE => {
                units / p.pack_size
            }
            Some(p) if compact(&p.min_unit) == compact(&l.unit) => units,
            // The prescription's unit is not one this product is sold in.
            Some(_) => return invalid,
        };
        out.push(LineStock {
            med_list_codg: l.med_list_codg.clone(),
            available,
            enough: available >= l.quantity,
        });
    }
    let accept = if out.iter().all(|l| l.enough) {
        StockAccept::All
    } else if out.iter().any(|l| l.enough || l.available > Decimal::ZERO) {
        StockAccept::Partial
    } else {
        StockAccept::None
    };
    StockAnswer { accept, lines: out }
}

/// One row of the in-stock listing for the public channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InStockItem {
    /// 医保药品代码.
    pub med_list_codg: String,
    /// The pharmacy's catalogue id.
    pub fixmedins_hilist_id: String,
    /// Product name.
    pub name: String,
    /// Generic name.
    pub generic_name: String,
    /// Specification.
    pub spec: String,
    /// Retail price per pack.
    pub price: Price,
    /// Whole packs available (unexpired).
    pub packs: Decimal,
    /// Pack unit.
    pub pack_unit: String,
}

/// Every catalogue product with unexpired stock, in catalogue order.
pub fn in_stock_listing(
    catalogue: &Catalogue,
    batches: &[StockBatch],
    today: NaiveDate,
) -> Vec<InStockItem> {
    let stock = on_hand(batches, today);
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    catalogue
        .products()
        .iter()
        .filter_map(|p| {
            // Stock is per 医保 code: list it once, with the first product.
            if !seen.insert(p.med_list_codg.as_str()) {
                return None;
            }
            let units = stock.get(p.med_list_codg.as_str()).copied()?;
            let size = p.pack_size.max(Decimal::ONE);
            let packs = (units / size).floor();
            (packs > Decimal::ZERO).then(|| InStockItem {
                med_list_codg: p.med_list_codg.clone(),
                fixmedins_hilist_id: p.fixmedins_hilist_id.clone(),
                name: p.name.clone(),
                generic_name: p.generic_name.clone(),
                spec: p.spec.clone(),
                price: p.price,
                packs,
                pack_unit: p.pack_unit.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::tests::product;
    use crate::dispense::StoreKind;
    use crate::testdata::{line, AMOXICILLIN};

    const OTHER: &str = "XM01AEB010E001010100030";

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn batch(code: &str, expy: &str, units: i64) -> StockBatch {
        StockBatch {
            batch_id: format!("{code}-{expy}"),
            med_list_codg: code.into(),
            manu_lotnum: "L".into(),
            manu_date: d("2025-01-01"),
            expy_end: d(expy),
            on_hand: Decimal::from(units),
            store: StoreKind::Traced,
        }
    }

    fn catalogue() -> Catalogue {
        Catalogue::new(vec![
            product("阿莫西林胶囊", "阿莫西林", AMOXICILLIN, "1"),
            product("布洛芬缓释胶囊", "布洛芬", OTHER, "2"),
        ])
    }

    #[test]
    fn accept_codes() {
        let c = catalogue();
        let today = d("2026-11-23");
        let rx = vec![line()]; // 2 盒 = 48 粒
        let enough = vec![
            batch(AMOXICILLIN, "2027-01-01", 30),
            batch(AMOXICILLIN, "2028-01-01", 18),
        ];
        let a = prescription_stock(&rx, &c, &enough, today);
        assert_eq!(a.accept, StockAccept::All);
        assert_eq!(a.lines[0].available, Decimal::from(2));
        let expired_part = vec![
            batch(AMOXICILLIN, "2026-11-22", 30),
            batch(AMOXICILLIN, "2028-01-01", 18),
        ];
        let a = prescription_stock(&rx, &c, &expired_part, today);
        assert_eq!(a.accept, StockAccept::Partial);
        assert_eq!(a.accept.code(), "0");
        let a = prescription_stock(&rx, &c, &[], today);
        assert_eq!(a.accept, StockAccept::None);
        assert_eq!(a.accept.code(), "-1");
        let mut bad = line();
        bad.quantity = Decimal::ZERO;
        assert_eq!(
            prescription_stock(&[bad], &c, &enough, today).accept,
            StockAccept::InvalidPrescription
        );
        let mut wrong_unit = line();
        wrong_unit.unit = "瓶".into();
        assert_eq!(
            prescription_stock(&[wrong_unit], &c, &enough, today)
                .accept
                .code(),
            "-2"
        );
        assert_eq!(
            prescription_stock(&[], &c, &enough, today)
                .accept
                .label_zh(),
            "处方信息异常"
        );
    }

    #[test]
    fn listing_counts_whole_unexpired_packs() {
        let c = catalogue();
        let today = d("2026-11-23");
        let batches = vec![
            batch(AMOXICILLIN, "2027-01-01", 50),
            batch(AMOXICILLIN, "2026-01-01", 500),
            batch(OTHER, "2027-01-01", 10),
        ];
        let l = in_stock_listing(&c, &batches, today);
        assert_eq!(l.len(), 1, "10 units of a 24-unit pack is no whole pack");
        assert_eq!(l[0].med_list_codg, AMOXICILLIN);
        assert_eq!(l[0].packs, Decimal::from(2));
        assert_eq!(l[0].price.to_string(), "12.500000");
    }
}
