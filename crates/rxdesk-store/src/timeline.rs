//! A visit replayed from the ledger, for support: everything the ledger holds
//! about one prescription, in time order — download, local verdicts, the
//! pharmacist's audit, 2102 attempts, the sale, refunds, deliveries and every
//! upload with its fate. Found by 医保处方编号, 零售单据号 or the visit's
//! correlation id (the `visit` field of the logs). Carries no patient name or
//! ID number: a support engineer may read it.

use crate::error::{Result, StoreError};
use crate::operators::wire_time;
use crate::Store;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEvent {
    /// When (unix ms).
    pub at_ms: i64,
    /// When, CST wire time.
    pub at: String,
    /// Stable kind: `download`, `verdict`, `audit`, `settlement`, `sale`,
    /// `refund`, `delivery`, `upload`.
    pub kind: &'static str,
    /// What happened, in zh-CN.
    pub what_zh: String,
    /// The operator, when one acted.
    pub operator: Option<String>,
}

fn sql(what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    StoreError::sql(what)
}

fn prescription_ids(c: &Connection, key: &str) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut push = |q: &str| -> Result<()> {
        let mut st = c.prepare(q).map_err(sql("find prescription"))?;
        let rows = st
            .query_map([key], |r| r.get::<_, Option<i64>>(0))
            .map_err(sql("find prescription"))?;
        for r in rows {
            if let Some(id) = r.map_err(sql("find prescription"))? {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Ok(())
    };
    push("SELECT id FROM prescriptions WHERE hi_rxno = ?1")?;
    push("SELECT prescription_id FROM sales WHERE rtal_docno = ?1")?;
    push("SELECT prescription_id FROM settlement_attempts WHERE visit_id = ?1")?;
    Ok(ids)
}

fn audit_label(code: &str) -> &'static str {
    match code {
        "1" => "通过",
        "2" => "不通过",
        "3" => "需医生确认",
        _ => "未知结果",
    }
}

fn upload_state_zh(state: &str) -> &'static str {
    match state {
        "pending" => "待上传",
        "sending" => "上传中",
        "uncertain" => "结果未知，待核实",
        "done" => "已上传",
        "rejected" => "被中心拒绝",
        "voided" => "已作废",
        _ => "未知状态",
    }
}

impl Store {
    /// The ledger's story of one prescription (see the module doc). An
    /// unknown key is `NotFound`.
    pub fn timeline(&self, key: &str) -> Result<Vec<TimelineEvent>> {
        let key = key.trim();
        self.read(|c| {
            let ids = prescription_ids(c, key)?;
            if ids.is_empty() {
                return Err(StoreError::NotFound(format!(
                    "没有与 {key} 相关的处方（可用医保处方编号、零售单据号或接诊编号查询）"
                )));
            }
            let mut ev = Vec::new();
            let mut add = |at: i64, kind, what_zh: String, operator: Option<String>| {
                ev.push(TimelineEvent {
                    at_ms: at,
                    at: wire_time(at),
                    kind,
                    what_zh,
                    operator,
                });
            };
            let name = |c: &Connection, id: Option<i64>| -> Result<Option<String>> {
                match id {
                    None => Ok(None),
                    Some(id) => c
                        .query_row(
                            "SELECT display_name || '（' || login || '）' FROM operators WHERE id = ?1",
                            [id],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(sql("read operator")),
                }
            };
            for rx in ids {
                let (hi_rxno, inst, cert_sn, at, by): (String, String, Option<String>, i64, i64) = c
                    .query_row(
                        "SELECT hi_rxno, fixmedins_code, sign_cert_sn, downloaded_at, downloaded_by
                         FROM prescriptions WHERE id = ?1",
                        [rx],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .map_err(sql("read prescription"))?;
                add(
                    at,
                    "download",
                    format!(
                        "下载处方 {hi_rxno}（开方机构 {inst}，签名证书 {}）",
                        cert_sn.unwrap_or_default()
                    ),
                    name(c, Some(by))?,
                );
                let mut st = c
                    .prepare("SELECT checked_at, valid, reason, signer_dn, warnings FROM verdicts WHERE prescription_id = ?1")
                    .map_err(sql("read verdicts"))?;
                let rows: Vec<(i64, i64, String, Option<String>, String)> = st
                    .query_map([rx], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                    .and_then(|m| m.collect())
                    .map_err(sql("read verdicts"))?;
                for (at, valid, reason, signer, warnings) in rows {
                    let warnings: Vec<String> = serde_json::from_str(&warnings).unwrap_or_default();
                    let what = if valid == 1 && !warnings.is_empty() {
                        format!(
                            "本地验签通过但有警告（签名者 {}；{}）",
                            signer.unwrap_or_default(),
                            warnings.join("；")
                        )
                    } else if valid == 1 {
                        format!("本地验签通过（签名者 {}）", signer.unwrap_or_default())
                    } else {
                        format!("本地验签未通过：{reason}（已阻止销售）")
                    };
                    add(at, "verdict", what, None);
                }
                let mut st = c
                    .prepare("SELECT audited_at, pharmacist_id, status_code, opinion FROM rx_audits WHERE prescription_id = ?1")
                    .map_err(sql("read audits"))?;
                let rows: Vec<(i64, i64, String, String)> = st
                    .query_map([rx], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .and_then(|m| m.collect())
                    .map_err(sql("read audits"))?;
                for (at, who, code, opinion) in rows {
                    add(
                        at,
                        "audit",
                        format!("药师审方：{}；意见：{opinion}", audit_label(&code)),
                        name(c, Some(who))?,
                    );
                }
                let mut st = c
                    .prepare(
                        "SELECT created_at, updated_at, visit_id, msgid, state, setl_id, detail, operator_id
                         FROM settlement_attempts WHERE prescription_id = ?1 ORDER BY id",
                    )
                    .map_err(sql("read settlement attempts"))?;
                #[allow(clippy::type_complexity)]
                let rows: Vec<(i64, i64, String, String, String, Option<String>, String, i64)> = st
                    .query_map([rx], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
                    })
                    .and_then(|m| m.collect())
                    .map_err(sql("read settlement attempts"))?;
                for (created, updated, visit, msgid, state, setl_id, detail, who) in rows {
                    add(
                        created,
                        "settlement",
                        format!("发送结算 2102（报文 {msgid}，接诊 {visit}）"),
                        name(c, Some(who))?,
                    );
                    let outcome = match state.as_str() {
                        "settled" => format!("结算成功，结算ID {}", setl_id.unwrap_or_default()),
                        "failed" => "结算被中心拒绝".to_string(),
                        "uncertain" => "结算结果未知（待冲正或查询）".to_string(),
                        "reversed" => "已冲正 2601".to_string(),
                        "not_settled" => "核实为未结算".to_string(),
                        _ => "结算发送中".to_string(),
                    };
                    let detail = if detail.is_empty() { String::new() } else { format!("：{detail}") };
                    add(updated, "settlement", format!("{outcome}{detail}"), None);
                }
                let mut st = c
                    .prepare("SELECT id, sold_at, rtal_docno, total, state, operator_id FROM sales WHERE prescription_id = ?1")
                    .map_err(sql("read sales"))?;
                let rows: Vec<(i64, i64, String, String, String, i64)> = st
                    .query_map([rx], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
                    .and_then(|m| m.collect())
                    .map_err(sql("read sales"))?;
                for (sale_id, at, docno, total, _state, who) in rows {
                    add(at, "sale", format!("销售 {docno}，金额 {total} 元"), name(c, Some(who))?);
                    let refund: Option<(i64, String, i64)> = c
                        .query_row(
                            "SELECT refunded_at, reason, operator_id FROM refunds WHERE sale_id = ?1",
                            [sale_id],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .optional()
                        .map_err(sql("read refund"))?;
                    if let Some((at, reason, who)) = refund {
                        add(at, "refund", format!("整单退费，原因：{reason}"), name(c, Some(who))?);
                    }
                }
                let mut st = c
                    .prepare("SELECT at, delv_stas_codg, delv_stas_dscr, operator_id FROM deliveries WHERE prescription_id = ?1")
                    .map_err(sql("read deliveries"))?;
                let rows: Vec<(i64, String, String, i64)> = st
                    .query_map([rx], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .and_then(|m| m.collect())
                    .map_err(sql("read deliveries"))?;
                for (at, code, dscr, who) in rows {
                    add(at, "delivery", format!("配送状态 {code}：{dscr}"), name(c, Some(who))?);
                }
                let mut st = c
                    .prepare(
                        "SELECT created_at, done_at, updated_at, op, msgid, state, last_error, void_reason
                         FROM uploads WHERE chain_key = ?1 ORDER BY id",
                    )
                    .map_err(sql("read uploads"))?;
                #[allow(clippy::type_complexity)]
                let rows: Vec<(i64, Option<i64>, i64, String, String, String, Option<String>, Option<String>)> = st
                    .query_map(params![hi_rxno], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
                    })
                    .and_then(|m| m.collect())
                    .map_err(sql("read uploads"))?;
                for (created, done, updated, op, msgid, state, err, void) in rows {
                    add(created, "upload", format!("排队上传 {op}（报文 {msgid}）"), None);
                    if state != "pending" {
                        let mut what = format!("上传 {op}：{}", upload_state_zh(&state));
                        if let Some(e) = err.filter(|e| !e.is_empty() && state != "done") {
                            what.push_str(&format!("（{e}）"));
                        }
                        if let Some(v) = void {
                            what.push_str(&format!("（作废原因：{v}）"));
                        }
                        add(done.unwrap_or(updated), "upload", what, None);
                    }
                }
            }
            ev.sort_by_key(|e| e.at_ms);
            Ok(ev)
        })
    }
}
