//! The chain manager's views: the same queries on both engines, sums made
//! in Rust with [`Decimal`].
//!
//! Why a module of its own: head office's HTTP layer renders these as JSON
//! and as HTML pages; the figures (a store's day settlement totals, the
//! regulator's figures, the price monitor) must be computed once, here,
//! from the integrated records.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use crate::{get_i, get_opt_i, get_s, get_uuid, ChainDb, ChainError, Result};

fn dec(s: &str) -> Result<Decimal> {
    Decimal::from_str(s).map_err(|_| ChainError::Corrupt(format!("not a decimal: {s}")))
}

/// The China Standard Time day (`yyyy-MM-dd`) of a Unix-ms instant.
pub fn cst_day(ms: i64) -> String {
    let days = (ms + 8 * 3_600_000).div_euclid(86_400_000);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A store and its sites.
#[derive(Debug, Clone, Serialize)]
pub struct StoreView {
    /// 定点医药机构编码.
    pub store_code: String,
    /// Name.
    pub name: String,
    /// Its counters.
    pub sites: Vec<SiteView>,
}

/// One counter's sync state.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    /// Site id.
    pub site_id: Uuid,
    /// Terminal number.
    pub counter_no: i64,
    /// Protocol version at registration.
    pub protocol_version: i64,
    /// Last accepted push (Unix ms).
    pub last_push_at: Option<i64>,
    /// Last pull (Unix ms).
    pub last_pull_at: Option<i64>,
    /// Records waiting for it at head office.
    pub backlog: i64,
    /// The last refusal of its pushes.
    pub last_error: String,
    /// Unresolved integration issues.
    pub open_issues: i64,
}

/// Stores and their sites.
pub async fn stores(db: &ChainDb) -> Result<Vec<StoreView>> {
    let stores = sqlx::query("SELECT store_code, name FROM stores ORDER BY store_code")
        .fetch_all(db.pool())
        .await?;
    let sites = sqlx::query(
        "SELECT site_id, store_code, counter_no, protocol_version, last_push_at, last_pull_at, last_pull_cursor, last_error \
         FROM sites ORDER BY store_code, counter_no",
    )
    .fetch_all(db.pool())
    .await?;
    let open = sqlx::query(
        "SELECT site_id, CAST(COUNT(*) AS BIGINT) FROM sync_issues WHERE NOT resolved GROUP BY site_id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut open_by: BTreeMap<String, i64> = BTreeMap::new();
    for r in &open {
        open_by.insert(get_s(r, 0)?, get_i(r, 1)?);
    }
    let mut out: Vec<StoreView> = Vec::new();
    for s in &stores {
        out.push(StoreView {
            store_code: get_s(s, 0)?,
            name: get_s(s, 1)?,
            sites: Vec::new(),
        });
    }
    for r in &sites {
        let site_id = get_s(r, 0)?;
        let store_code = get_s(r, 1)?;
        let backlog = db.backlog(&site_id, &store_code, get_i(r, 6)?).await?;
        let view = SiteView {
            site_id: get_uuid(r, 0)?,
            counter_no: get_i(r, 2)?,
            protocol_version: get_i(r, 3)?,
            last_push_at: get_opt_i(r, 4)?,
            last_pull_at: get_opt_i(r, 5)?,
            backlog,
            last_error: get_s(r, 7)?,
            open_issues: open_by.get(&site_id).copied().unwrap_or(0),
        };
        if let Some(s) = out.iter_mut().find(|s| s.store_code == store_code) {
            s.sites.push(view);
        }
    }
    Ok(out)
}

/// Uploads to the 医保 center in one state, per store and 交易编号.
#[derive(Debug, Clone, Serialize)]
pub struct UploadCount {
    /// Store.
    pub store_code: String,
    /// 交易编号.
    pub op: String,
    /// pending, sending, uncertain, done, rejected, voided.
    pub state: String,
    /// How many.
    pub count: i64,
}

/// Uploads by state per store (from the counters' UploadState records).
pub async fn uploads(db: &ChainDb) -> Result<Vec<UploadCount>> {
    let rows = sqlx::query(
        "SELECT store_code, op, state, CAST(COUNT(*) AS BIGINT) FROM upload_state WHERE NOT deleted \
         GROUP BY store_code, op, state ORDER BY store_code, op, state",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(UploadCount {
                store_code: get_s(r, 0)?,
                op: get_s(r, 1)?,
                state: get_s(r, 2)?,
                count: get_i(r, 3)?,
            })
        })
        .collect()
}

/// A record head office could not integrate.
#[derive(Debug, Clone, Serialize)]
pub struct IssueView {
    /// Its id (to resolve it).
    pub id: i64,
    /// The pushing site.
    pub site_id: Uuid,
    /// Its store.
    pub store_code: String,
    /// The record.
    pub record_id: Uuid,
    /// Its table.
    pub table: String,
    /// Stable code.
    pub code: String,
    /// What happened.
    pub message: String,
    /// When (Unix ms).
    pub at: i64,
    /// Resolved by the manager.
    pub resolved: bool,
    /// The refusal's particulars (`IntegrationIssue::params`, e.g. the
    /// store and counter of the sale that already holds a box), absent
    /// when it has none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

/// An issue's kept particulars: none when the text is not a JSON object
/// of strings (an issue kept before they were, or a damaged row).
fn issue_params(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Integration issues, newest first; of one site and/or only open ones.
pub async fn issues(db: &ChainDb, site: Option<Uuid>, open_only: bool) -> Result<Vec<IssueView>> {
    let rows = sqlx::query(
        "SELECT id, site_id, store_code, record_id, table_name, code, message, at, \
         CAST(CASE WHEN resolved THEN 1 ELSE 0 END AS BIGINT), params FROM sync_issues \
         WHERE ($1 = '' OR site_id = $1) AND ($2 = 0 OR NOT resolved) ORDER BY id DESC LIMIT 1000",
    )
    .bind(site.map(|s| s.to_string()).unwrap_or_default())
    .bind(i64::from(open_only))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(IssueView {
                id: get_i(r, 0)?,
                site_id: get_uuid(r, 1)?,
                store_code: get_s(r, 2)?,
                record_id: get_uuid(r, 3)?,
                table: get_s(r, 4)?,
                code: get_s(r, 5)?,
                message: get_s(r, 6)?,
                at: get_i(r, 7)?,
                resolved: get_i(r, 8)? != 0,
                params: issue_params(&get_s(r, 9)?),
            })
        })
        .collect()
}

/// A store's day: its settlements summed across its counters (what its
/// 3201 must match) and its latest reconciliation outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DayReconciliation {
    /// Store.
    pub store_code: String,
    /// yyyy-MM-dd (China Standard Time).
    pub day: String,
    /// Settlements, not counting refunded sales' (reversed by 2103), as the
    /// center's 3201 counts them.
    pub settlements: i64,
    /// Counters that settled.
    pub counters: i64,
    /// 医疗费总额.
    pub medfee_sumamt: Decimal,
    /// 基金支付总额.
    pub fund_pay_sumamt: Decimal,
    /// 个人账户支出.
    pub acct_pay: Decimal,
    /// 个人现金支出.
    pub psn_cash_pay: Decimal,
    /// The store's latest reconciliation outcome that day, if any.
    pub outcome: Option<String>,
    /// Its differences in words.
    pub summary: String,
    /// The same settlements per 险种 (insutype, from each pushed
    /// settlement record), ordered by insutype: the center's 3201 is per
    /// 险种, so a store-wide 3201 is sent once per entry.
    pub by_insutype: Vec<InsutypeTotals>,
}

/// One 险种's share of a store's day.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InsutypeTotals {
    /// 险种类型 as the counter recorded it (empty when it did not know it).
    pub insutype: String,
    /// Settlements that stand.
    pub settlements: i64,
    /// 医疗费总额.
    pub medfee_sumamt: Decimal,
    /// 基金支付总额.
    pub fund_pay_sumamt: Decimal,
    /// 个人账户支出.
    pub acct_pay: Decimal,
    /// 个人现金支出.
    pub psn_cash_pay: Decimal,
}

struct SettlementRow {
    store_code: String,
    site: String,
    day: String,
    medfee: Decimal,
    fund: Decimal,
    acct: Decimal,
    cash: Decimal,
    /// Its sale was refunded (2103 reversed the settlement at the center).
    refunded: bool,
    /// 险种, read from the pushed record (the mirror has no column for it).
    insutype: String,
}

async fn settlement_rows(db: &ChainDb) -> Result<Vec<SettlementRow>> {
    let rows = sqlx::query(
        "SELECT st.store_code, st.source_site, st.setl_time, st.medfee_sumamt, st.fund_pay_sumamt, \
         st.acct_pay, st.psn_cash_pay, COALESCE(sa.state, ''), st.payload \
         FROM settlement st LEFT JOIN sale sa ON sa.record_id = st.sale AND NOT sa.deleted \
         WHERE NOT st.deleted",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SettlementRow {
                store_code: get_s(r, 0)?,
                site: get_s(r, 1)?,
                day: cst_day(get_i(r, 2)?),
                medfee: dec(&get_s(r, 3)?)?,
                fund: dec(&get_s(r, 4)?)?,
                acct: dec(&get_s(r, 5)?)?,
                cash: dec(&get_s(r, 6)?)?,
                refunded: get_s(r, 7)? == "refunded",
                insutype: match serde_json::from_str::<rxdesk_sync::RecordData>(&get_s(r, 8)?) {
                    Ok(rxdesk_sync::RecordData::Settlement(x)) => x.insutype,
                    _ => String::new(),
                },
            })
        })
        .collect()
}

/// Reconciliation per store and day, newest day first.
pub async fn reconciliation(db: &ChainDb) -> Result<Vec<DayReconciliation>> {
    let mut by: BTreeMap<(String, String), (DayReconciliation, BTreeSet<String>)> = BTreeMap::new();
    let blank = |store: &str, day: &str| DayReconciliation {
        store_code: store.to_string(),
        day: day.to_string(),
        settlements: 0,
        counters: 0,
        medfee_sumamt: Decimal::ZERO,
        fund_pay_sumamt: Decimal::ZERO,
        acct_pay: Decimal::ZERO,
        psn_cash_pay: Decimal::ZERO,
        outcome: None,
        summary: String::new(),
        by_insutype: Vec::new(),
    };
    // As the center's 3201 counts them: a refunded sale's settlement was
    // reversed (2103), so it is not in the day's totals.
    for s in settlement_rows(db)
        .await?
        .into_iter()
        .filter(|s| !s.refunded)
    {
        let e = by
            .entry((s.store_code.clone(), s.day.clone()))
            .or_insert_with(|| (blank(&s.store_code, &s.day), BTreeSet::new()));
        e.0.settlements += 1;
        e.0.medfee_sumamt += s.medfee;
        e.0.fund_pay_sumamt += s.fund;
        e.0.acct_pay += s.acct;
        e.0.psn_cash_pay += s.cash;
        e.1.insert(s.site);
        let i = match e
            .0
            .by_insutype
            .binary_search_by(|t| t.insutype.cmp(&s.insutype))
        {
            Ok(i) => i,
            Err(i) => {
                e.0.by_insutype.insert(
                    i,
                    InsutypeTotals {
                        insutype: s.insutype.clone(),
                        settlements: 0,
                        medfee_sumamt: Decimal::ZERO,
                        fund_pay_sumamt: Decimal::ZERO,
                        acct_pay: Decimal::ZERO,
                        psn_cash_pay: Decimal::ZERO,
                    },
                );
                i
            }
        };
        let t = &mut e.0.by_insutype[i];
        t.settlements += 1;
        t.medfee_sumamt += s.medfee;
        t.fund_pay_sumamt += s.fund;
        t.acct_pay += s.acct;
        t.psn_cash_pay += s.cash;
    }
    let recs = sqlx::query(
        "SELECT store_code, day, outcome, payload FROM reconciliation WHERE NOT deleted ORDER BY at",
    )
    .fetch_all(db.pool())
    .await?;
    for r in &recs {
        let (store, day) = (get_s(r, 0)?, get_s(r, 1)?);
        let summary = serde_json::from_str::<rxdesk_sync::RecordData>(&get_s(r, 3)?)
            .ok()
            .and_then(|d| match d {
                rxdesk_sync::RecordData::Reconciliation(x) => Some(x.summary),
                _ => None,
            })
            .unwrap_or_default();
        let e = by
            .entry((store.clone(), day.clone()))
            .or_insert_with(|| (blank(&store, &day), BTreeSet::new()));
        e.0.outcome = Some(get_s(r, 2)?);
        e.0.summary = summary;
    }
    let mut out: Vec<DayReconciliation> = by
        .into_values()
        .map(|(mut d, sites)| {
            d.counters = sites.len() as i64;
            d
        })
        .collect();
    out.sort_by(|a, b| b.day.cmp(&a.day).then(a.store_code.cmp(&b.store_code)));
    Ok(out)
}

/// The regulator's figures of a store (or of the chain: `store_code` empty).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegulatorFigures {
    /// Store; empty for the whole chain.
    pub store_code: String,
    /// Sales.
    pub sales: i64,
    /// Their total.
    pub sales_amount: Decimal,
    /// 医保 fund paid (settlements' 基金支付总额), net: a refunded sale's
    /// settlement was reversed at the center (2103) and is not counted.
    pub fund_paid: Decimal,
    /// Refunds.
    pub refunds: i64,
    /// Sale lines.
    pub lines: i64,
    /// Sale lines with at least one trace code.
    pub lines_with_codes: i64,
    /// lines_with_codes / lines, as a percentage with two decimals.
    pub trace_coverage_pct: Decimal,
}

async fn count_by_store(db: &ChainDb, sql: &'static str) -> Result<BTreeMap<String, i64>> {
    let rows = sqlx::query(sql).fetch_all(db.pool()).await?;
    let mut m = BTreeMap::new();
    for r in &rows {
        m.insert(get_s(r, 0)?, get_i(r, 1)?);
    }
    Ok(m)
}

/// Regulator figures per store, then the chain's (last, `store_code` empty).
pub async fn regulator(db: &ChainDb) -> Result<Vec<RegulatorFigures>> {
    let mut by: BTreeMap<String, RegulatorFigures> = BTreeMap::new();
    let blank = |s: &str| RegulatorFigures {
        store_code: s.to_string(),
        sales: 0,
        sales_amount: Decimal::ZERO,
        fund_paid: Decimal::ZERO,
        refunds: 0,
        lines: 0,
        lines_with_codes: 0,
        trace_coverage_pct: Decimal::ZERO,
    };
    for r in &sqlx::query("SELECT store_code FROM stores")
        .fetch_all(db.pool())
        .await?
    {
        let s = get_s(r, 0)?;
        by.insert(s.clone(), blank(&s));
    }
    let sales = sqlx::query("SELECT store_code, total FROM sale WHERE NOT deleted")
        .fetch_all(db.pool())
        .await?;
    for r in &sales {
        let s = get_s(r, 0)?;
        let e = by.entry(s.clone()).or_insert_with(|| blank(&s));
        e.sales += 1;
        e.sales_amount += dec(&get_s(r, 1)?)?;
    }
    for s in settlement_rows(db)
        .await?
        .into_iter()
        .filter(|s| !s.refunded)
    {
        let e = by
            .entry(s.store_code.clone())
            .or_insert_with(|| blank(&s.store_code));
        e.fund_paid += s.fund;
    }
    let refunds = count_by_store(
        db,
        "SELECT store_code, CAST(COUNT(*) AS BIGINT) FROM refund WHERE NOT deleted GROUP BY store_code",
    )
    .await?;
    let lines = count_by_store(
        db,
        "SELECT store_code, CAST(COUNT(*) AS BIGINT) FROM sale_line WHERE NOT deleted GROUP BY store_code",
    )
    .await?;
    let coded = count_by_store(
        db,
        "SELECT store_code, CAST(COUNT(DISTINCT sale_line) AS BIGINT) FROM trace_code WHERE NOT deleted GROUP BY store_code",
    )
    .await?;
    for (s, n) in refunds {
        by.entry(s.clone()).or_insert_with(|| blank(&s)).refunds = n;
    }
    for (s, n) in lines {
        by.entry(s.clone()).or_insert_with(|| blank(&s)).lines = n;
    }
    for (s, n) in coded {
        by.entry(s.clone())
            .or_insert_with(|| blank(&s))
            .lines_with_codes = n;
    }
    let mut chain = blank("");
    let mut out: Vec<RegulatorFigures> = Vec::new();
    for (_, mut f) in by {
        chain.sales += f.sales;
        chain.sales_amount += f.sales_amount;
        chain.fund_paid += f.fund_paid;
        chain.refunds += f.refunds;
        chain.lines += f.lines;
        chain.lines_with_codes += f.lines_with_codes;
        f.trace_coverage_pct = pct(f.lines_with_codes, f.lines);
        out.push(f);
    }
    chain.trace_coverage_pct = pct(chain.lines_with_codes, chain.lines);
    out.push(chain);
    Ok(out)
}

fn pct(part: i64, whole: i64) -> Decimal {
    if whole == 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(part) * Decimal::from(100) / Decimal::from(whole)).round_dp(2)
}

/// One product's published price and the prices the stores sold it at.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PriceRow {
    /// 定点医药机构目录编号.
    pub fixmedins_hilist_id: String,
    /// Name (empty when not in the published catalogue).
    pub name: String,
    /// The chain's published price, if published.
    pub chain_price: Option<Decimal>,
    /// Per store, the distinct prices on its sale lines.
    pub stores: Vec<StorePrice>,
}

/// A store's prices of one product.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StorePrice {
    /// Store.
    pub store_code: String,
    /// Distinct unit prices sold at, ascending.
    pub prices: Vec<Decimal>,
    /// Some price differs from the chain's published one.
    pub differs: bool,
}

/// The price monitor: each product's price per store against the chain's.
pub async fn prices(db: &ChainDb) -> Result<Vec<PriceRow>> {
    let mut rows: BTreeMap<String, PriceRow> = BTreeMap::new();
    for r in &sqlx::query("SELECT fixmedins_hilist_id, name, price FROM product WHERE NOT deleted")
        .fetch_all(db.pool())
        .await?
    {
        let id = get_s(r, 0)?;
        rows.insert(
            id.clone(),
            PriceRow {
                fixmedins_hilist_id: id,
                name: get_s(r, 1)?,
                chain_price: Some(dec(&get_s(r, 2)?)?.normalize()),
                stores: Vec::new(),
            },
        );
    }
    let mut seen: BTreeMap<(String, String), BTreeSet<Decimal>> = BTreeMap::new();
    for r in &sqlx::query(
        "SELECT DISTINCT fixmedins_hilist_id, store_code, price FROM sale_line WHERE NOT deleted",
    )
    .fetch_all(db.pool())
    .await?
    {
        seen.entry((get_s(r, 0)?, get_s(r, 1)?))
            .or_default()
            .insert(dec(&get_s(r, 2)?)?.normalize());
    }
    for ((id, store), prices) in seen {
        let row = rows.entry(id.clone()).or_insert_with(|| PriceRow {
            fixmedins_hilist_id: id,
            name: String::new(),
            chain_price: None,
            stores: Vec::new(),
        });
        let differs = match row.chain_price {
            Some(p) => prices.iter().any(|x| *x != p),
            None => true,
        };
        row.stores.push(StorePrice {
            store_code: store,
            prices: prices.into_iter().collect(),
            differs,
        });
    }
    Ok(rows.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::cst_day;

    #[test]
    fn cst_days_turn_at_midnight_beijing_time() {
        // 2025-01-01T00:00:00+08:00 = 2024-12-31T16:00:00Z = 1735660800000 ms.
        assert_eq!(cst_day(1_735_660_800_000), "2025-01-01");
        assert_eq!(cst_day(1_735_660_800_000 - 1), "2024-12-31");
        assert_eq!(cst_day(0), "1970-01-01");
    }
}
