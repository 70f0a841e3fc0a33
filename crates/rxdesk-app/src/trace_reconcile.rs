//! Trace reconciliation for managers: what the platform recorded for each
//! sold code (3513, by day or by code) against the ledger's sold codes, and
//! every difference in words with what to do.
//!
//! Why it exists: the bureau publishes duplicate and missing trace-code
//! lists, and a pharmacy must answer them per 流水号. Comparing the ledger
//! with the platform's own record finds the differences first. A code is
//! matched by (trace code, 零售单据号 = the platform's 记账流水号), once per
//! sale line — a box sold by 拆零 counts once per split sale.

use chrono::NaiveDate;
use rxdesk_center::messages::{SoldTraceQueryData, SoldTraceRecord};
use rxdesk_center::{CenterClient, CenterError, Ctx, Operator};
use rxdesk_store::inventory::SoldCode;
use rxdesk_store::{Session, Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why a code differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DifferenceClass {
    /// Sold in the ledger, not recorded by the platform: the 3505 is still
    /// in the outbox or was lost — look at the upload queue, re-upload.
    NotAtPlatform,
    /// Recorded by the platform, not sold in the ledger (a refund whose 3506
    /// has not arrived, or a wrong upload): check the refund's 3506, else
    /// delete the wrong record (3507).
    NotInLedger,
}

impl DifferenceClass {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotAtPlatform => "TRACE_NOT_AT_PLATFORM",
            Self::NotInLedger => "TRACE_NOT_IN_LEDGER",
        }
    }
}

/// One differing code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TraceDifference {
    /// The trace code.
    pub code: String,
    /// The 零售单据号 / 记账流水号 it was sold under.
    pub rtal_docno: String,
    /// Why it differs.
    pub class: DifferenceClass,
    /// What the manager reads, with what to do.
    pub sentence_zh: String,
}

/// A day's trace reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TraceReconciliation {
    /// Sold codes in the ledger.
    pub ledger: usize,
    /// Rows the platform returned.
    pub platform: usize,
    /// Codes on both sides.
    pub matched: usize,
    /// The differences, ledger-only first.
    pub differences: Vec<TraceDifference>,
}

impl TraceReconciliation {
    /// No difference.
    pub fn balanced(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Why a reconciliation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TraceReconcileError {
    /// The ledger could not be read.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The platform did not answer 3513.
    #[error("医保平台未返回销售追溯信息（3513）：{0}")]
    Center(#[from] CenterError),
}

impl TraceReconcileError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Store(_) => "TRACE_RECONCILE_STORE",
            Self::Center(_) => "TRACE_RECONCILE_CENTER",
        }
    }
}

/// Compares the ledger's sold codes with the platform's rows (pure).
pub fn compare(ledger: &[SoldCode], platform: &[SoldTraceRecord]) -> TraceReconciliation {
    let mut count: BTreeMap<(String, String), i64> = BTreeMap::new();
    for l in ledger {
        *count
            .entry((l.code.clone(), l.rtal_docno.clone()))
            .or_default() += 1;
    }
    let mut matched = 0;
    let mut extra: Vec<(String, String)> = Vec::new();
    for p in platform {
        let key = (p.drug_trac_codg.clone(), p.bkkp_sn.clone());
        match count.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                matched += 1;
            }
            _ => extra.push(key),
        }
    }
    let mut differences = Vec::new();
    for ((code, doc), n) in count {
        for _ in 0..n {
            differences.push(TraceDifference {
                sentence_zh: format!(
                    "追溯码 {code}（单据 {doc}）本店已售出，医保平台无记录：请在上传队列查看该单的 3505，未送达的重传"
                ),
                code: code.clone(),
                rtal_docno: doc.clone(),
                class: DifferenceClass::NotAtPlatform,
            });
        }
    }
    for (code, doc) in extra {
        differences.push(TraceDifference {
            sentence_zh: format!(
                "追溯码 {code}（记账流水号 {doc}）医保平台有销售记录，本店无此销售：若为退货请核对 3506 是否送达，否则以 3507 删除错误上传"
            ),
            code,
            rtal_docno: doc,
            class: DifferenceClass::NotInLedger,
        });
    }
    TraceReconciliation {
        ledger: ledger.len(),
        platform: platform.len(),
        matched,
        differences,
    }
}

fn ctx(by: &Session) -> Ctx {
    Ctx::new(Operator::clerk(by.login(), by.display_name()), "")
}

/// Reconciles CST day `day`: the ledger's sold codes against 3513's rows.
pub async fn reconcile_day(
    client: &CenterClient,
    store: &Store,
    by: &Session,
    day: NaiveDate,
) -> Result<TraceReconciliation, TraceReconcileError> {
    let ledger = store.sold_codes_on(day)?;
    let d = day.format("%Y-%m-%d").to_string();
    let q = SoldTraceQueryData {
        begndate: d.clone(),
        enddate: d,
        psn_cert_type: "01".into(),
        ..Default::default()
    };
    let platform = client.sold_trace_query(&ctx(by), &q).await?;
    Ok(compare(&ledger, &platform))
}

/// What the platform recorded for one code (to answer a bureau's list).
pub async fn platform_record_of(
    client: &CenterClient,
    by: &Session,
    code: &str,
) -> Result<Vec<SoldTraceRecord>, TraceReconcileError> {
    let q = SoldTraceQueryData {
        drug_trac_codg: code.trim().to_string(),
        psn_cert_type: "01".into(),
        ..Default::default()
    };
    Ok(client.sold_trace_query(&ctx(by), &q).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sold(code: &str, doc: &str) -> SoldCode {
        SoldCode {
            code: code.into(),
            rtal_docno: doc.into(),
            split: false,
        }
    }
    fn row(code: &str, doc: &str) -> SoldTraceRecord {
        SoldTraceRecord {
            drug_trac_codg: code.into(),
            bkkp_sn: doc.into(),
            ..Default::default()
        }
    }

    #[test]
    fn differences_are_classed_and_split_sales_count_per_sale() {
        let r = compare(
            &[
                sold("A", "1"),
                sold("B", "1"),
                sold("C", "2"),
                sold("C", "3"),
            ],
            &[row("A", "1"), row("C", "2"), row("C", "3"), row("D", "4")],
        );
        assert_eq!(r.matched, 3);
        assert!(!r.balanced());
        let classes: Vec<(&str, DifferenceClass)> = r
            .differences
            .iter()
            .map(|d| (d.code.as_str(), d.class))
            .collect();
        assert_eq!(
            classes,
            [
                ("B", DifferenceClass::NotAtPlatform),
                ("D", DifferenceClass::NotInLedger)
            ]
        );
        assert!(compare(&[sold("A", "1")], &[row("A", "1")]).balanced());
        let rules = include_str!("../../../docs/rules.md");
        for c in [
            DifferenceClass::NotAtPlatform.code(),
            DifferenceClass::NotInLedger.code(),
            "TRACE_RECONCILE_STORE",
            "TRACE_RECONCILE_CENTER",
        ] {
            assert!(
                rules.contains(&format!("`{c}`")),
                "{c} not in docs/rules.md"
            );
        }
        assert!(!compare(&[sold("A", "1")], &[row("A", "9")]).balanced());
    }
}
