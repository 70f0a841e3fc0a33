//! Daily reconciliation with the center: the day's settlements from the
//! ledger are summed per 险种 and compared by 3201 (对总账); the detail rows
//! go up as a file (9101) and are compared by 3202 (对明细账), whose result
//! file (9102) names every settlement that differs. The result — balanced or
//! the differences in words, each with what to do — is recorded in the ledger
//! (and its audit log).
//!
//! Each reconciliation also anchors the audit log's head (sequence number
//! and hash) in the anchor file outside the ledger and prints it on the
//! result ("审计日志锚点 #n hash…", in the recorded summary and the outcome):
//! the 日结 slip carries a value a rewritten or rolled-back ledger cannot
//! match.
//!
//! Choices: a settlement whose 险种 the ledger does not know is reconciled as
//! 310 (职工基本医疗保险, the demo center's only one); 清算类别 is 41 (定点药店
//! 购药); 结算经办机构 is the profile's 就医地医保区划.

use crate::AppError;
use rxdesk_center::messages::{Insutype, ReconcileDetailData, ReconcileTotalData};
use rxdesk_center::{CenterClient, Ctx, Operator, PrescriptionCenter};
use rxdesk_core::money::Amount;
use rxdesk_store::reports::{day_range_ms, SettlementRow, SettlementTotals};
use rxdesk_store::{Role, Session, Store};
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// 险种 assumed when the ledger does not know it.
pub const DEFAULT_INSUTYPE: &str = "310";
/// 清算类别 of a pharmacy purchase.
pub const CLR_TYPE: &str = "41";

/// 3201's answer for one 险种.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TotalCheck {
    /// 险种.
    pub insutype: String,
    /// Local totals sent.
    pub local: SettlementTotals,
    /// `stmt_rslt` ("0" 平).
    pub stmt_rslt: String,
    /// The center's words.
    pub stmt_rslt_dscr: String,
    /// Balanced.
    pub balanced: bool,
}

/// One row of 3202's result that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DetailDifference {
    /// 结算ID.
    pub setl_id: String,
    /// The center's memo ("中心无此结算", "机构无此结算", "金额或退费标志不符").
    pub memo: String,
    /// The sentence in zh-CN, with what to do (the CLI, the log, the
    /// recorded summary).
    pub sentence: String,
    /// Its stable code (`REC_DETAIL_*`): what the window words in the
    /// user's locale, with `params`.
    pub code: String,
    /// The code's figures (`setlId`, `medfee`, `fund`, `refunded`).
    pub params: BTreeMap<String, String>,
}

/// One difference of a reconciliation as a stable code and its figures:
/// what the window words in the user's locale (the zh-CN sentence rides
/// along in [`ReconcileOutcome::differences`], same order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReconcileNote {
    /// `REC_TOTAL_UNBALANCED`, `REC_DETAIL_CENTER_ONLY`,
    /// `REC_DETAIL_LOCAL_ONLY`, `REC_DETAIL_MISMATCH`.
    pub code: String,
    /// The figures the sentence names.
    pub params: BTreeMap<String, String>,
}

/// Every code a [`ReconcileNote`] carries (the window's words are checked
/// against this list).
pub const NOTE_CODES: [&str; 4] = [
    "REC_TOTAL_UNBALANCED",
    "REC_DETAIL_CENTER_ONLY",
    "REC_DETAIL_LOCAL_ONLY",
    "REC_DETAIL_MISMATCH",
];

fn params<const N: usize>(pairs: [(&str, String); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// What a reconciliation found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReconcileOutcome {
    /// Row id of the recorded result.
    pub record_id: i64,
    /// `yyyy-MM-dd`.
    pub day: String,
    /// `balanced` or `differences`.
    pub outcome: String,
    /// All local settlements of the day (refunded included).
    pub local: SettlementTotals,
    /// Local settlement rows sent in the detail file.
    pub detail_rows: usize,
    /// 3201 per 险种.
    pub totals: Vec<TotalCheck>,
    /// 3202 rows that differ.
    pub details: Vec<DetailDifference>,
    /// Every difference in words, zh-CN (empty when balanced).
    pub differences: Vec<String>,
    /// The same differences as codes and figures, same order: what the
    /// window words.
    pub notes: Vec<ReconcileNote>,
    /// The audit-log anchor written with this reconciliation
    /// (`审计日志锚点 #n hash…`), or why none could be written.
    pub audit_anchor: String,
    /// That anchor by number and hash (what a window in another language
    /// words); `None` when none could be written.
    pub audit_anchor_head: Option<crate::integrity::AnchorHead>,
}

/// Anchors the audit log's head outside the ledger: the line printed on the
/// reconciliation result and, when it was written, the anchor's number and hash.
fn anchor(store: &Store) -> (String, Option<crate::integrity::AnchorHead>) {
    match store.anchor_audit_head(false) {
        Ok(a) => (a.label(), Some(crate::integrity::AnchorHead::of(&a))),
        Err(e) => {
            tracing::error!(error = %e, "audit log head could not be anchored");
            (format!("审计日志锚点无法写入：{e}"), None)
        }
    }
}

fn amt(s: &str) -> Amount {
    Amount::from_str(s).unwrap_or_default()
}

/// The 3202 detail file: `setl_id,mdtrt_id,psn_no,medfee_sumamt,fund_pay_sumamt,acct_pay,refd_setl_flag`.
pub fn detail_csv(rows: &[SettlementRow]) -> String {
    let mut out = String::from(
        "setl_id,mdtrt_id,psn_no,medfee_sumamt,fund_pay_sumamt,acct_pay,refd_setl_flag\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.setl_id,
            r.mdtrt_id,
            r.psn_no,
            r.medfee_sumamt,
            r.fund_pay_sumamt,
            r.acct_pay,
            if r.refunded { "1" } else { "0" }
        ));
    }
    out
}

/// Reads 3202's result file (`psn_no,mdtrt_id,setl_id,msgid,stmt_rslt,refd_setl_flag,memo`)
/// and puts every row that is not balanced in words.
pub fn detail_differences(result_csv: &str, local: &[SettlementRow]) -> Vec<DetailDifference> {
    let by_id: BTreeMap<&str, &SettlementRow> =
        local.iter().map(|r| (r.setl_id.as_str(), r)).collect();
    result_csv
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with("psn_no"))
        .filter_map(|line| {
            let f: Vec<&str> = line.splitn(7, ',').map(str::trim).collect();
            let setl_id = f.get(2).copied().unwrap_or_default().to_string();
            let rslt = f.get(4).copied().unwrap_or_default();
            if rslt == "0" {
                return None;
            }
            let memo = f.get(6).copied().unwrap_or_default().to_string();
            let (sentence, code, params) = match by_id.get(setl_id.as_str()) {
                None => (
                    format!(
                        "结算 {setl_id}：中心有此结算，本机账本没有（{memo}）。请在“历史”中按结算ID查找；若确为本店结算，请联系技术支持补录后重新对账。"
                    ),
                    "REC_DETAIL_CENTER_ONLY",
                    params([("setlId", setl_id.clone())]),
                ),
                Some(r) if memo.contains("中心无此结算") => (
                    format!(
                        "结算 {setl_id}（医疗费 {} 元）：本机有记录，中心没有。请核对该笔是否已被中心撤销或冲正，必要时联系医保经办机构。",
                        r.medfee_sumamt
                    ),
                    "REC_DETAIL_LOCAL_ONLY",
                    params([
                        ("setlId", setl_id.clone()),
                        ("medfee", r.medfee_sumamt.clone()),
                    ]),
                ),
                Some(r) => (
                    format!(
                        "结算 {setl_id}：金额或退费状态与中心不一致（本机 医疗费 {} 元、基金 {} 元、{}）。请核对该笔的退费记录和中心结算单。",
                        r.medfee_sumamt,
                        r.fund_pay_sumamt,
                        if r.refunded { "已退费" } else { "未退费" }
                    ),
                    "REC_DETAIL_MISMATCH",
                    params([
                        ("setlId", setl_id.clone()),
                        ("medfee", r.medfee_sumamt.clone()),
                        ("fund", r.fund_pay_sumamt.clone()),
                        ("refunded", r.refunded.to_string()),
                    ]),
                ),
            };
            Some(DetailDifference {
                setl_id,
                memo,
                sentence,
                code: code.into(),
                params,
            })
        })
        .collect()
}

fn day_text(day: chrono::NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Reconciles one CST day (manager only) and records the result. A center
/// that cannot be reached is recorded as `failed` and returned as an error
/// sentence saying to try again.
pub async fn reconcile_day(
    store: &Store,
    center: &CenterClient,
    by: &Session,
    day: chrono::NaiveDate,
) -> Result<ReconcileOutcome, AppError> {
    if by.role() != Role::Manager {
        return Err(AppError::Store(rxdesk_store::StoreError::Rule(
            "只有店长可以对账；请用店长账户登录后再操作。".into(),
        )));
    }
    let (from, to) = day_range_ms(day);
    let rows = store.settlements_between(from, to)?;
    let local = SettlementTotals::of(&rows);
    let result = run(store, center, by, day, &rows).await;
    let (audit_anchor, audit_anchor_head) = anchor(store);
    match result {
        Ok((totals, details)) => {
            let mut differences: Vec<String> = totals
                .iter()
                .filter(|t| !t.balanced)
                .map(|t| {
                    format!(
                        "险种 {}（{}）对总账不平：本机 {} 笔、医疗费 {} 元、基金 {} 元、个账 {} 元；中心：{}。请看下方明细差异逐笔核对。",
                        t.insutype,
                        Insutype::from_code(&t.insutype).label_zh(),
                        t.local.count,
                        t.local.medfee_sumamt,
                        t.local.fund_pay_sumamt,
                        t.local.acct_pay,
                        if t.stmt_rslt_dscr.is_empty() { "不平" } else { &t.stmt_rslt_dscr }
                    )
                })
                .collect();
            differences.extend(details.iter().map(|d| d.sentence.clone()));
            let notes: Vec<ReconcileNote> = totals
                .iter()
                .filter(|t| !t.balanced)
                .map(|t| ReconcileNote {
                    code: "REC_TOTAL_UNBALANCED".into(),
                    params: params([
                        ("insutype", t.insutype.clone()),
                        ("count", t.local.count.to_string()),
                        ("medfee", t.local.medfee_sumamt.clone()),
                        ("fund", t.local.fund_pay_sumamt.clone()),
                        ("acct", t.local.acct_pay.clone()),
                    ]),
                })
                .chain(details.iter().map(|d| ReconcileNote {
                    code: d.code.clone(),
                    params: d.params.clone(),
                }))
                .collect();
            let outcome = if differences.is_empty() {
                "balanced"
            } else {
                "differences"
            };
            let summary = if differences.is_empty() {
                format!(
                    "{} 对账平：{} 笔，医疗费 {} 元，基金 {} 元，个账 {} 元。",
                    day_text(day),
                    local.count,
                    local.medfee_sumamt,
                    local.fund_pay_sumamt,
                    local.acct_pay
                )
            } else {
                differences.join("\n")
            };
            let summary = format!("{summary}\n{audit_anchor}");
            let center_json = crate::json_keys::stored(
                &serde_json::json!({"totals": totals, "details": details}),
            );
            let local_json = crate::json_keys::stored(&local);
            let record_id = store.record_reconciliation(
                by,
                day,
                outcome,
                &local_json,
                &center_json,
                &summary,
            )?;
            tracing::info!(day = %day_text(day), outcome, "reconciliation recorded");
            Ok(ReconcileOutcome {
                record_id,
                day: day_text(day),
                outcome: outcome.into(),
                local,
                detail_rows: rows.len(),
                totals,
                details,
                differences,
                notes,
                audit_anchor,
                audit_anchor_head,
            })
        }
        Err(e) => {
            let summary = format!("对账未完成：{e}\n{audit_anchor}");
            let local_json = crate::json_keys::stored(&local);
            let _ = store.record_reconciliation(by, day, "failed", &local_json, "{}", &summary);
            tracing::warn!(day = %day_text(day), error = %e, "reconciliation failed");
            Err(AppError::DeskUnavailable(format!(
                "对账未完成：{e}。请确认医保中心在线（状态栏）后重新对账。"
            )))
        }
    }
}

/// A chain store's 3201 for one CST day with store-wide totals — the sum of
/// all its counters' settlements that stand, as head office's
/// reconciliation view (`/v1/views/reconciliation`) has them — rather than
/// one ledger's. One store is one 医保 institution, so the center compares
/// its books with the whole store, never with one counter. Sent for one
/// 险种 (`insutype`; empty means `DEFAULT_INSUTYPE`, as for a settlement
/// the counter recorded without one): call it once per entry of the view's
/// `by_insutype`. Returns the center's answer; `balanced` when it says 平.
pub async fn reconcile_store_totals(
    center: &CenterClient,
    operator: Operator,
    day: chrono::NaiveDate,
    insutype: &str,
    totals: &SettlementTotals,
) -> Result<TotalCheck, rxdesk_center::CenterError> {
    let ctx = Ctx::new(operator, "");
    let d = day_text(day);
    let insutype = if insutype.trim().is_empty() {
        DEFAULT_INSUTYPE
    } else {
        insutype.trim()
    };
    let data = ReconcileTotalData {
        insutype: Insutype::from_code(insutype),
        clr_type: CLR_TYPE.into(),
        setl_optins: center.profile().institution.mdtrtarea_admvs.clone(),
        stmt_begndate: d.clone(),
        stmt_enddate: d,
        medfee_sumamt: amt(&totals.medfee_sumamt),
        fund_pay_sumamt: amt(&totals.fund_pay_sumamt),
        acct_pay: amt(&totals.acct_pay),
        fixmedins_setl_cnt: totals.count,
    };
    let info = center.reconcile_total(&ctx, &data).await?;
    tracing::info!(day = %day_text(day), insutype, count = totals.count, stmt_rslt = %info.stmt_rslt, "store-wide 3201");
    Ok(TotalCheck {
        insutype: insutype.into(),
        balanced: info.stmt_rslt == "0",
        stmt_rslt: info.stmt_rslt,
        stmt_rslt_dscr: info.stmt_rslt_dscr,
        local: totals.clone(),
    })
}

async fn run(
    store: &Store,
    center: &CenterClient,
    by: &Session,
    day: chrono::NaiveDate,
    rows: &[SettlementRow],
) -> Result<(Vec<TotalCheck>, Vec<DetailDifference>), rxdesk_center::CenterError> {
    let _ = store;
    let profile = center.profile();
    let optins = profile.institution.mdtrtarea_admvs.clone();
    let ctx = Ctx::new(Operator::clerk(by.login(), by.display_name()), "");
    let d = day_text(day);
    // 3201 per 险种 (the default one even on a day without settlements: the
    // center may have some the ledger lacks).
    let mut groups: BTreeMap<String, Vec<SettlementRow>> = BTreeMap::new();
    groups.entry(DEFAULT_INSUTYPE.into()).or_default();
    for r in rows {
        let k = if r.insutype.is_empty() {
            DEFAULT_INSUTYPE.to_string()
        } else {
            r.insutype.clone()
        };
        groups.entry(k).or_default().push(r.clone());
    }
    let mut totals = Vec::new();
    for (insutype, group) in &groups {
        let t = SettlementTotals::of(group);
        let data = ReconcileTotalData {
            insutype: Insutype::from_code(insutype),
            clr_type: CLR_TYPE.into(),
            setl_optins: optins.clone(),
            stmt_begndate: d.clone(),
            stmt_enddate: d.clone(),
            medfee_sumamt: amt(&t.medfee_sumamt),
            fund_pay_sumamt: amt(&t.fund_pay_sumamt),
            acct_pay: amt(&t.acct_pay),
            fixmedins_setl_cnt: t.count,
        };
        let info = center.reconcile_total(&ctx, &data).await?;
        totals.push(TotalCheck {
            insutype: insutype.clone(),
            balanced: info.stmt_rslt == "0",
            stmt_rslt: info.stmt_rslt,
            stmt_rslt_dscr: info.stmt_rslt_dscr,
            local: t,
        });
    }
    // 9101 + 3202, then 9102 for the result rows.
    let all = SettlementTotals::of(rows);
    let data = ReconcileDetailData {
        setl_optins: optins,
        file_qury_no: String::new(),
        stmt_begndate: d.clone(),
        stmt_enddate: d,
        medfee_sumamt: amt(&all.medfee_sumamt),
        fund_pay_sumamt: amt(&all.fund_pay_sumamt),
        cash_payamt: amt(&all.psn_cash_pay),
        fixmedins_setl_cnt: all.count,
    };
    let file = center
        .reconcile_detail(&ctx, &data, detail_csv(rows).as_bytes())
        .await?;
    let result = center
        .download_file(&ctx, &file.file_qury_no, &file.filename)
        .await?;
    let details = detail_differences(&String::from_utf8_lossy(&result), rows);
    Ok((totals, details))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, med: &str, refunded: bool) -> SettlementRow {
        SettlementRow {
            sale_id: 1,
            setl_id: id.into(),
            mdtrt_id: format!("M{id}"),
            psn_no: "P1".into(),
            medfee_sumamt: med.into(),
            fund_pay_sumamt: "10.00".into(),
            acct_pay: "0.00".into(),
            psn_cash_pay: "2.50".into(),
            refunded,
            insutype: String::new(),
            mdtrt_cert_type: "01".into(),
            id_method: String::new(),
            setl_time: 0,
        }
    }

    #[test]
    fn detail_file_lists_every_settlement_with_its_refund_flag() {
        let csv = detail_csv(&[row("S1", "12.50", false), row("S2", "5.00", true)]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("setl_id,"));
        assert_eq!(lines[1], "S1,MS1,P1,12.50,10.00,0.00,0");
        assert_eq!(lines[2], "S2,MS2,P1,5.00,10.00,0.00,1");
    }

    #[test]
    fn result_rows_that_differ_become_sentences_with_a_next_step() {
        let local = [row("S1", "12.50", false), row("S2", "5.00", false)];
        let result = "psn_no,mdtrt_id,setl_id,msgid,stmt_rslt,refd_setl_flag,memo\n\
                      P1,MS1,S1,m1,0,0,\n\
                      P1,MS2,S2,m2,1,0,金额或退费标志不符\n\
                      P9,M9,S9,m9,1,0,机构无此结算\n";
        let d = detail_differences(result, &local);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].setl_id, "S2");
        assert!(
            d[0].sentence.contains("金额或退费状态与中心不一致"),
            "{}",
            d[0].sentence
        );
        assert!(d[0].sentence.contains("请核对"));
        assert_eq!(d[1].setl_id, "S9");
        assert!(d[1].sentence.contains("本机账本没有"), "{}", d[1].sentence);
        // The codes the window words, with their figures.
        assert_eq!(d[0].code, "REC_DETAIL_MISMATCH");
        assert_eq!(d[0].params["medfee"], "5.00");
        assert_eq!(d[0].params["refunded"], "false");
        assert_eq!(d[1].code, "REC_DETAIL_CENTER_ONLY");
        assert_eq!(d[1].params["setlId"], "S9");
        for x in &d {
            assert!(NOTE_CODES.contains(&x.code.as_str()), "{}", x.code);
        }
    }
}
