//! The province's price figures and the price monitor built on them.
//!
//! The provincial 医保经办机构 computes, for drugs sold much and for much,
//! the province-wide retail average (全省平均价) and median (中位价), and
//! talks to pharmacies whose prices are far above them; the pharmacy is
//! also told to price against the 挂网价 (the price listed on the
//! province's procurement platform). A manager imports the province's
//! figures as a CSV or XLSX file (the same reader as the catalogue import,
//! `sheet.rs`; all or nothing, preview or commit, every bad line named),
//! and the monitor compares every price charged in a period with the 挂网价
//! first, then the average and the median.
//!
//! Columns (header line, any order, zh-CN or the English name):
//! `医保目录编码`/`med_list_codg` (required), `药品名称`/`name`,
//! `挂网价`/`listed_price`, `全省平均价`/`average_price`,
//! `全省中位价`/`median_price`, `统计期间`/`period`; each line needs at
//! least one of the three prices. Prices are decimals (never floats).

use crate::catalogue::{ImportMode, ImportPhase, ImportProgress, ImportReport};
use crate::csvread::{BadRecord, Record};
use crate::error::{Result, StoreError};
use crate::operators::{wire_time, Permission};
use crate::sheet::{self, ImportFormat};
use crate::{auditlog, Session, Store};
use rusqlite::params;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;
use std::str::FromStr;

/// Bad lines listed at most (then one line says how many more).
const MAX_LISTED: usize = 200;

/// One product's province figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvincePrice {
    /// 医保目录编码.
    pub med_list_codg: String,
    /// Name as the province's file gives it.
    pub name: String,
    /// 挂网价 ("" when not given).
    pub listed_price: String,
    /// 全省平均价 ("" when not given).
    pub average_price: String,
    /// 全省中位价 ("" when not given).
    pub median_price: String,
    /// The period the figures cover.
    pub period: String,
}

/// What a price is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PriceBasis {
    /// 挂网价.
    Listed,
    /// 全省平均价.
    Average,
    /// 全省中位价.
    Median,
}

impl PriceBasis {
    /// zh-CN name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Listed => "挂网价",
            Self::Average => "全省平均价",
            Self::Median => "全省中位价",
        }
    }
}

/// One comparison of a price charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PriceComparison {
    /// Compared with.
    pub basis: PriceBasis,
    /// The figure compared with.
    pub reference: String,
    /// The price is above it.
    pub above: bool,
    /// How far above (negative: below), percent, one decimal.
    pub over_percent: String,
}

/// A sale line whose price is above at least one of the province's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PriceCheck {
    /// Sale row id.
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// CST time of the sale.
    pub sold_at: String,
    /// Product name.
    pub name: String,
    /// Specification.
    pub spec: String,
    /// 医保目录编码.
    pub med_list_codg: String,
    /// Price charged.
    pub price: String,
    /// The comparisons, 挂网价 first, then average, then median (a figure
    /// the province did not give is left out).
    pub comparisons: Vec<PriceComparison>,
}

/// The price monitor of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PriceMonitor {
    /// Products with province figures imported.
    pub products_with_figures: u64,
    /// Sale lines of the period compared.
    pub lines_compared: u64,
    /// The lines above at least one figure, newest first.
    pub above: Vec<PriceCheck>,
}

/// Compares `price` with the figures, 挂网价 first.
pub fn compare(price: Decimal, figures: &ProvincePrice) -> Vec<PriceComparison> {
    [
        (PriceBasis::Listed, &figures.listed_price),
        (PriceBasis::Average, &figures.average_price),
        (PriceBasis::Median, &figures.median_price),
    ]
    .into_iter()
    .filter_map(|(basis, text)| {
        let r = Decimal::from_str(text.trim()).ok()?;
        if r <= Decimal::ZERO {
            return None;
        }
        let over = ((price - r) * Decimal::from(100) / r)
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        Some(PriceComparison {
            basis,
            reference: price_text(r),
            above: price > r,
            over_percent: format!("{over:.1}"),
        })
    })
    .collect()
}

fn price_text(d: Decimal) -> String {
    let s = d.round_dp(6).normalize().to_string();
    match s.split_once('.') {
        None => format!("{s}.00"),
        Some((_, frac)) if frac.len() < 2 => format!("{s}{}", "0".repeat(2 - frac.len())),
        Some(_) => s,
    }
}

const COLUMNS: [(&str, &str, &str); 6] = [
    ("med_list_codg", "医保目录编码", "med_list_codg"),
    ("name", "药品名称", "name"),
    ("listed_price", "挂网价", "listed_price"),
    ("average_price", "全省平均价", "average_price"),
    ("median_price", "全省中位价", "median_price"),
    ("period", "统计期间", "period"),
];

fn bad(line: usize, zh: impl Into<String>, en: impl Into<String>) -> BadRecord {
    BadRecord {
        line,
        zh: zh.into(),
        en: en.into(),
    }
}

fn failed(mut errors: Vec<BadRecord>) -> ImportReport {
    errors.sort_by_key(|e| e.line);
    if errors.len() > MAX_LISTED {
        let more = errors.len() - MAX_LISTED;
        errors.truncate(MAX_LISTED);
        errors.push(bad(
            0,
            format!("另有 {more} 行有错误未列出：请先改正以上各行后重新导入"),
            format!(
                "{more} more bad lines are not listed: correct the lines above and import again"
            ),
        ));
    }
    ImportReport {
        errors_en: errors.iter().map(|b| (b.line, b.en.clone())).collect(),
        errors: errors.into_iter().map(|b| (b.line, b.zh)).collect(),
        ..ImportReport::default()
    }
}

fn header(rec: &Record) -> std::result::Result<HashMap<&'static str, usize>, BadRecord> {
    let mut pos = HashMap::new();
    for (i, h) in rec.fields.iter().enumerate() {
        let h = h.trim();
        match COLUMNS.iter().find(|(_, zh, en)| h == *zh || h == *en) {
            Some((key, _, _)) => {
                pos.insert(*key, i);
            }
            None if h.is_empty() => {}
            None => {
                return Err(bad(
                    rec.line,
                    format!("表头“{h}”不认识：可用的列为 医保目录编码、药品名称、挂网价、全省平均价、全省中位价、统计期间"),
                    format!("Unknown column \"{h}\": use med_list_codg, name, listed_price, average_price, median_price, period"),
                ))
            }
        }
    }
    if !pos.contains_key("med_list_codg") {
        return Err(bad(
            rec.line,
            "表头缺少“医保目录编码”列",
            "The header lacks the med_list_codg column",
        ));
    }
    if !["listed_price", "average_price", "median_price"]
        .iter()
        .any(|k| pos.contains_key(k))
    {
        return Err(bad(
            rec.line,
            "表头至少要有“挂网价”“全省平均价”“全省中位价”之一",
            "The header needs at least one of listed_price, average_price, median_price",
        ));
    }
    Ok(pos)
}

fn row_of(
    rec: &Record,
    pos: &HashMap<&'static str, usize>,
) -> std::result::Result<ProvincePrice, BadRecord> {
    let field = |k: &str| {
        pos.get(k)
            .and_then(|i| rec.fields.get(*i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let codg = field("med_list_codg");
    if codg.is_empty() || codg.chars().count() > 50 || codg.chars().any(char::is_control) {
        return Err(bad(
            rec.line,
            "医保目录编码为空或过长",
            "med_list_codg is empty or too long",
        ));
    }
    let mut prices = Vec::new();
    for (k, zh) in [
        ("listed_price", "挂网价"),
        ("average_price", "全省平均价"),
        ("median_price", "全省中位价"),
    ] {
        let t = field(k);
        if t.is_empty() {
            prices.push(String::new());
            continue;
        }
        match Decimal::from_str(&t) {
            Ok(d) if d > Decimal::ZERO && d.scale() <= 6 => prices.push(price_text(d)),
            _ => {
                return Err(bad(
                    rec.line,
                    format!(
                        "{zh}“{}”不是大于 0、最多 6 位小数的金额",
                        t.chars().take(20).collect::<String>()
                    ),
                    format!(
                        "{k} \"{}\" is not an amount above 0 with at most 6 decimals",
                        t.chars().take(20).collect::<String>()
                    ),
                ))
            }
        }
    }
    if prices.iter().all(String::is_empty) {
        return Err(bad(
            rec.line,
            "挂网价、全省平均价、全省中位价至少填一个",
            "Give at least one of listed_price, average_price, median_price",
        ));
    }
    let clip = |s: String| s.chars().take(200).collect::<String>();
    Ok(ProvincePrice {
        med_list_codg: codg,
        name: clip(field("name")),
        listed_price: prices[0].clone(),
        average_price: prices[1].clone(),
        median_price: prices[2].clone(),
        period: clip(field("period")),
    })
}

impl Store {
    /// Imports the province's price figures from CSV or XLSX (manager
    /// only): every line checked, nothing written when one is bad; a commit
    /// adds new products' figures and replaces existing ones (audit-logged).
    pub fn import_province_prices(
        &self,
        by: &Session,
        bytes: &[u8],
        format: ImportFormat,
        mode: ImportMode,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        by.require(Permission::Administer)?;
        progress(ImportProgress {
            phase: ImportPhase::Reading,
            done: 0,
            total: 1,
        });
        let records = match sheet::read(bytes, format) {
            Ok(r) => r,
            Err(b) => return Ok(failed(vec![b])),
        };
        let mut it = records.into_iter();
        let pos = match it.next() {
            None => {
                return Ok(failed(vec![bad(
                    0,
                    "文件是空的：第一行应为表头",
                    "The file is empty: the first line must be the header",
                )]))
            }
            Some(Err(b)) => return Ok(failed(vec![b])),
            Some(Ok(h)) => match header(&h) {
                Ok(p) => p,
                Err(b) => return Ok(failed(vec![b])),
            },
        };
        let rest: Vec<_> = it.collect();
        let total = rest.len();
        let mut rows: Vec<ProvincePrice> = Vec::new();
        let mut errors = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, rec) in rest.into_iter().enumerate() {
            match rec.and_then(|r| {
                let row = row_of(&r, &pos)?;
                if let Some(first) = seen.insert(row.med_list_codg.clone(), r.line) {
                    return Err(bad(
                        r.line,
                        format!("医保目录编码与第 {first} 行重复"),
                        format!("med_list_codg repeats line {first}"),
                    ));
                }
                Ok(row)
            }) {
                Ok(row) => rows.push(row),
                Err(b) => errors.push(b),
            }
            if i + 1 == total || (i + 1) % 500 == 0 {
                progress(ImportProgress {
                    phase: ImportPhase::Checking,
                    done: i + 1,
                    total,
                });
            }
        }
        if !errors.is_empty() {
            return Ok(failed(errors));
        }
        if rows.is_empty() {
            return Ok(failed(vec![bad(
                0,
                "文件只有表头，没有价格：请在表头下每行填写一个药品",
                "The file has a header but no price: one product per line below it",
            )]));
        }
        let existing: HashMap<String, ProvincePrice> = self
            .province_prices()?
            .into_iter()
            .map(|p| (p.med_list_codg.clone(), p))
            .collect();
        let mut report = ImportReport::default();
        for r in &rows {
            match existing.get(&r.med_list_codg) {
                None => report.inserted += 1,
                Some(old) if old == r => report.unchanged += 1,
                Some(_) => report.updated += 1,
            }
        }
        if mode == ImportMode::Preview {
            return Ok(report);
        }
        let now = self.now_ms();
        self.write("import province prices", |tx| {
            for (i, r) in rows.iter().enumerate() {
                tx.execute(
                    "INSERT INTO province_prices (med_list_codg, name, listed_price, average_price, median_price, period, imported_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(med_list_codg) DO UPDATE SET name = ?2, listed_price = ?3,
                        average_price = ?4, median_price = ?5, period = ?6, imported_at = ?7",
                    params![r.med_list_codg, r.name, r.listed_price, r.average_price, r.median_price, r.period, now],
                )
                .map_err(StoreError::sql("import province prices"))?;
                if (i + 1) % 500 == 0 || i + 1 == rows.len() {
                    progress(ImportProgress {
                        phase: ImportPhase::Writing,
                        done: i + 1,
                        total: rows.len(),
                    });
                }
            }
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "province_prices_import",
                &serde_json::json!({
                    "inserted": report.inserted,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                }),
            )?;
            Ok(())
        })?;
        report.committed = true;
        Ok(report)
    }

    /// Every product's province figures.
    pub fn province_prices(&self) -> Result<Vec<ProvincePrice>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT med_list_codg, name, listed_price, average_price, median_price, period
                     FROM province_prices ORDER BY med_list_codg",
                )
                .map_err(StoreError::sql("read province prices"))?;
            let rows = st
                .query_map([], |r| {
                    Ok(ProvincePrice {
                        med_list_codg: r.get(0)?,
                        name: r.get(1)?,
                        listed_price: r.get(2)?,
                        average_price: r.get(3)?,
                        median_price: r.get(4)?,
                        period: r.get(5)?,
                    })
                })
                .map_err(StoreError::sql("read province prices"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read province prices"));
            rows
        })
    }

    /// The price monitor of `[from_ms, to_ms)`: every sale line of a product
    /// with province figures compared with them; the lines above at least
    /// one listed, newest first, each with the 挂网价 comparison first.
    pub fn price_monitor(&self, from_ms: i64, to_ms: i64) -> Result<PriceMonitor> {
        type Raw = (i64, String, i64, String, String, String, String);
        let rows: Vec<Raw> = self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT s.id, s.rtal_docno, s.sold_at, d.name, d.spec, d.med_list_codg, l.price
                     FROM sale_lines l JOIN sales s ON s.id = l.sale_id JOIN drugs d ON d.id = l.drug_id
                     JOIN province_prices p ON p.med_list_codg = d.med_list_codg
                     WHERE s.sold_at >= ?1 AND s.sold_at < ?2
                     ORDER BY s.sold_at DESC, l.id",
                )
                .map_err(StoreError::sql("read prices"))?;
            let rows = st
                .query_map(params![from_ms, to_ms], |r| {
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
                .map_err(StoreError::sql("read prices"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read prices"));
            rows
        })?;
        let figures: HashMap<String, ProvincePrice> = self
            .province_prices()?
            .into_iter()
            .map(|p| (p.med_list_codg.clone(), p))
            .collect();
        let mut out = PriceMonitor {
            products_with_figures: figures.len() as u64,
            lines_compared: rows.len() as u64,
            above: Vec::new(),
        };
        for (sale_id, docno, at, name, spec, codg, price) in rows {
            let Some(f) = figures.get(&codg) else {
                continue;
            };
            let Ok(p) = Decimal::from_str(price.trim()) else {
                continue;
            };
            let comparisons = compare(p, f);
            if comparisons.iter().any(|c| c.above) {
                out.above.push(PriceCheck {
                    sale_id,
                    rtal_docno: docno,
                    sold_at: wire_time(at),
                    name,
                    spec,
                    med_list_codg: codg,
                    price: price_text(p),
                    comparisons,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fig(listed: &str, avg: &str, median: &str) -> ProvincePrice {
        ProvincePrice {
            med_list_codg: "X".into(),
            name: String::new(),
            listed_price: listed.into(),
            average_price: avg.into(),
            median_price: median.into(),
            period: String::new(),
        }
    }

    #[test]
    fn listed_price_is_compared_first() {
        let c = compare(Decimal::from(15), &fig("12.00", "14.00", "16.00"));
        let bases: Vec<_> = c.iter().map(|c| c.basis).collect();
        assert_eq!(
            bases,
            [PriceBasis::Listed, PriceBasis::Average, PriceBasis::Median]
        );
        assert_eq!(
            c.iter().map(|c| c.above).collect::<Vec<_>>(),
            [true, true, false]
        );
        assert_eq!(c[0].over_percent, "25.0");
        assert_eq!(c[2].over_percent, "-6.3");
        // A figure the province did not give is left out.
        let c = compare(Decimal::from(15), &fig("", "14.00", ""));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].basis, PriceBasis::Average);
    }

    proptest! {
        /// Any CSV bytes give a report, never a panic; a good report wrote
        /// only well-formed prices.
        #[test]
        fn any_line_parses_or_is_named(a in ".{0,30}", b in ".{0,30}") {
            let text = format!("医保目录编码,挂网价,全省中位价\nX1,{a},{b}\n");
            let recs = crate::csvread::records(&text);
            let h = recs[0].clone().unwrap();
            let pos = header(&h).unwrap();
            if let Some(Ok(r)) = recs.get(1) {
                if let Ok(row) = row_of(r, &pos) {
                    for p in [&row.listed_price, &row.median_price] {
                        prop_assert!(p.is_empty() || Decimal::from_str(p).is_ok());
                    }
                }
            }
        }
    }
}
