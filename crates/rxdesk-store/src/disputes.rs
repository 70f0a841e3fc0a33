//! The bureau's duplicate trace-code lists (追溯码重复上传情况): a manager
//! imports the list (CSV or XLSX), every row is explained against the
//! ledger, kept in `trace_disputes`, and marked explained / to void (3507) /
//! to re-upload with a note.
//!
//! Why it exists: regulators publish lists of trace codes the platform saw
//! more than once, and an institution answers them row by row. Most rows
//! have an innocent reason the ledger can prove — a box sold by 拆零 over
//! several sales, a box refunded and sold again — and the rest need an
//! action. The list's columns are the bureau's (批次流水号, 商品销售流水号,
//! 就诊ID, 记账流水号, 拆零标志, 追溯码); Chinese or wire-name headers are
//! accepted, in any order, and only the trace code is required.

use crate::error::{Result, StoreError};
use crate::operators::Permission;
use crate::sheet::{self, ImportFormat};
use crate::{auditlog, Session, Store};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// One row of a bureau's list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DuplicateRow {
    /// The row in the file (1-based, header = 1).
    pub line: usize,
    /// 药品追溯码.
    pub drug_trac_codg: String,
    /// 定点医药机构批次流水号.
    pub fixmedins_bchno: String,
    /// 商品销售流水号 (RxDesk: the 3505 `rtal_docno`).
    pub sale_no: String,
    /// 就诊ID.
    pub mdtrt_id: String,
    /// 记账流水号.
    pub bkkp_sn: String,
    /// 拆零标志 as listed.
    pub trdn_flag: String,
}

/// A line of the file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadDuplicateRow {
    /// The row (0: the file as a whole).
    pub line: usize,
    /// Why, in zh-CN.
    pub zh: String,
}

/// The header names each column is recognised by.
const COLUMNS: &[(&str, &[&str])] = &[
    (
        "drug_trac_codg",
        &["drug_trac_codg", "追溯码", "药品追溯码"],
    ),
    (
        "fixmedins_bchno",
        &["fixmedins_bchno", "批次流水号", "定点医药机构批次流水号"],
    ),
    (
        "sale_no",
        &[
            "medins_prod_sel_no",
            "rtal_docno",
            "商品销售流水号",
            "销售流水号",
        ],
    ),
    ("mdtrt_id", &["mdtrt_id", "就诊ID", "就诊id"]),
    ("bkkp_sn", &["bkkp_sn", "bkkpSn", "记账流水号"]),
    ("trdn_flag", &["trdn_flag", "trdnFlag", "拆零标志"]),
];

/// Parses a bureau's duplicate list: the rows, and the lines that could not
/// be used (a missing or malformed trace code). Never panics on any input.
pub fn parse_duplicate_list(
    bytes: &[u8],
    format: ImportFormat,
) -> std::result::Result<(Vec<DuplicateRow>, Vec<BadDuplicateRow>), BadDuplicateRow> {
    let records = sheet::read(bytes, format).map_err(|b| BadDuplicateRow {
        line: b.line,
        zh: b.zh,
    })?;
    let mut it = records.into_iter();
    let header = loop {
        match it.next() {
            None => {
                return Err(BadDuplicateRow {
                    line: 0,
                    zh: "文件是空的：第一行应为表头（含“追溯码”列）".into(),
                })
            }
            Some(Ok(r)) if r.fields.iter().all(|f| f.trim().is_empty()) => continue,
            Some(Ok(r)) => break r,
            Some(Err(b)) => {
                return Err(BadDuplicateRow {
                    line: b.line,
                    zh: b.zh,
                })
            }
        }
    };
    let index = |key: &str| -> Option<usize> {
        let names = COLUMNS.iter().find(|(k, _)| *k == key).map(|(_, n)| *n)?;
        header.fields.iter().position(|h| {
            let h = h.trim().trim_start_matches('\u{feff}');
            names.iter().any(|n| n.eq_ignore_ascii_case(h))
        })
    };
    let Some(code_col) = index("drug_trac_codg") else {
        return Err(BadDuplicateRow {
            line: header.line,
            zh: "表头中没有“追溯码”列（drug_trac_codg）".into(),
        });
    };
    let cols: Vec<Option<usize>> = COLUMNS.iter().map(|(k, _)| index(k)).collect();
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for r in it {
        let r = match r {
            Ok(r) => r,
            Err(b) => {
                bad.push(BadDuplicateRow {
                    line: b.line,
                    zh: b.zh,
                });
                continue;
            }
        };
        if r.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |i: usize| -> String {
            cols[i]
                .and_then(|c| r.fields.get(c))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let raw = r.fields.get(code_col).map(|s| s.trim()).unwrap_or("");
        match crate::inventory::normalise_code(raw) {
            Ok(code) => rows.push(DuplicateRow {
                line: r.line,
                drug_trac_codg: code,
                fixmedins_bchno: get(1),
                sale_no: get(2),
                mdtrt_id: get(3),
                bkkp_sn: get(4),
                trdn_flag: get(5),
            }),
            Err(_) => bad.push(BadDuplicateRow {
                line: r.line,
                zh: format!("第 {} 行：追溯码“{raw}”不是20位数字", r.line),
            }),
        }
    }
    Ok((rows, bad))
}

/// What the ledger says about a listed code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DisputeClass {
    /// The box was sold by 拆零 over several sales: each split sale carries
    /// the box's code. Explained.
    SplitSales,
    /// The box was sold, refunded, and sold again. Explained (check the
    /// refund's 3506 reached the platform).
    ResoldAfterRefund,
    /// One standing sale here: the platform holds the code more than once
    /// (an upload recorded twice, or another institution's) — void the
    /// extra record (3507) if it is ours.
    OneSaleHere,
    /// Received here, never sold: a sale record at the platform is not
    /// ours, or a sale was lost — check, re-upload if it was sold.
    NotSoldHere,
    /// Never received nor sold here.
    NotOurs,
}

impl DisputeClass {
    fn code(self) -> &'static str {
        match self {
            Self::SplitSales => "split_sales",
            Self::ResoldAfterRefund => "resold_after_refund",
            Self::OneSaleHere => "one_sale_here",
            Self::NotSoldHere => "not_sold_here",
            Self::NotOurs => "not_ours",
        }
    }
    /// The status a row starts in.
    fn suggested(self) -> &'static str {
        match self {
            Self::SplitSales | Self::ResoldAfterRefund | Self::NotOurs => "explained",
            Self::OneSaleHere => "to_void",
            Self::NotSoldHere => "to_reupload",
        }
    }
}

/// One imported row with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dispute {
    /// Row id.
    pub id: i64,
    /// The listed row.
    pub row: DuplicateRow,
    /// What the ledger says (`split_sales`, `resold_after_refund`, …).
    pub class: String,
    /// `explained`, `to_void` or `to_reupload`.
    pub status: String,
    /// The sentence the manager reads (the ledger's facts).
    pub explanation_zh: String,
    /// The manager's note.
    pub note: String,
}

/// The statuses a row may be marked with.
pub const DISPUTE_STATUSES: [&str; 3] = ["explained", "to_void", "to_reupload"];

impl Store {
    /// Imports a bureau's duplicate list: each row explained against the
    /// ledger and stored with its suggested status, all in one transaction
    /// (audit-logged). Unusable lines are returned, not stored.
    pub fn import_duplicate_list(
        &self,
        by: &Session,
        bytes: &[u8],
        format: ImportFormat,
    ) -> Result<(Vec<Dispute>, Vec<BadDuplicateRow>)> {
        by.require(Permission::ManageQueue)?;
        let (rows, bad) = parse_duplicate_list(bytes, format)
            .map_err(|b| StoreError::Invalid(format!("第 {} 行：{}", b.line, b.zh)))?;
        let now = self.now_ms();
        let out = self.write("import duplicate list", |tx| {
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let (class, explanation) = explain(tx, &row.drug_trac_codg)?;
                tx.execute(
                    "INSERT INTO trace_disputes (code, listed, class, status, explanation, operator_id, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        row.drug_trac_codg,
                        serde_json::to_string(row).unwrap_or_default(),
                        class.code(),
                        class.suggested(),
                        explanation,
                        by.operator_id(),
                        now
                    ],
                )
                .map_err(StoreError::sql("record dispute"))?;
                out.push(Dispute {
                    id: tx.last_insert_rowid(),
                    row: row.clone(),
                    class: class.code().into(),
                    status: class.suggested().into(),
                    explanation_zh: explanation,
                    note: String::new(),
                });
            }
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "trace.duplicates_import",
                &serde_json::json!({"rows": out.len(), "bad": bad.len()}),
            )?;
            Ok(out)
        })?;
        Ok((out, bad))
    }

    /// Marks an imported row explained / to void / to re-upload, with a note.
    pub fn mark_dispute(&self, by: &Session, id: i64, status: &str, note: &str) -> Result<()> {
        by.require(Permission::ManageQueue)?;
        if !DISPUTE_STATUSES.contains(&status) {
            return Err(StoreError::Invalid(format!(
                "状态须为 explained / to_void / to_reupload，收到 {status}"
            )));
        }
        let now = self.now_ms();
        self.write("mark dispute", |tx| {
            let n = tx
                .execute(
                    "UPDATE trace_disputes SET status = ?2, note = ?3, operator_id = ?4, at = ?5 WHERE id = ?1",
                    params![id, status, note.trim(), by.operator_id(), now],
                )
                .map_err(StoreError::sql("mark dispute"))?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("trace dispute {id}")));
            }
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "trace.dispute_mark",
                &serde_json::json!({"id": id, "status": status, "note": note.trim()}),
            )
        })
    }

    /// Every imported row, newest first.
    pub fn disputes(&self) -> Result<Vec<Dispute>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT id, listed, class, status, explanation, note FROM trace_disputes ORDER BY id DESC",
                )
                .map_err(StoreError::sql("read disputes"))?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                })
                .map_err(StoreError::sql("read disputes"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read disputes"))?;
            Ok(rows
                .into_iter()
                .map(|(id, listed, class, status, explanation_zh, note)| Dispute {
                    id,
                    row: listed_row(&listed),
                    class,
                    status,
                    explanation_zh,
                    note,
                })
                .collect())
        })
    }
}

/// The stored row back (a row written by this module always parses; an
/// unreadable one is shown empty rather than failing the list).
fn listed_row(json: &str) -> DuplicateRow {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    DuplicateRow {
        line: v["line"].as_u64().unwrap_or(0) as usize,
        drug_trac_codg: s("drug_trac_codg"),
        fixmedins_bchno: s("fixmedins_bchno"),
        sale_no: s("sale_no"),
        mdtrt_id: s("mdtrt_id"),
        bkkp_sn: s("bkkp_sn"),
        trdn_flag: s("trdn_flag"),
    }
}

/// The ledger's facts about `code`: its sales (standing and refunded,
/// split or whole) and whether it was received here.
fn explain(c: &rusqlite::Connection, code: &str) -> Result<(DisputeClass, String)> {
    let mut st = c
        .prepare(
            "SELECT s.rtal_docno, t.split, t.returned FROM trace_codes t
             JOIN sale_lines l ON l.id = t.sale_line_id JOIN sales s ON s.id = l.sale_id
             WHERE t.code = ?1 ORDER BY t.id",
        )
        .map_err(StoreError::sql("read code history"))?;
    let sales: Vec<(String, bool, bool)> = st
        .query_map([code], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)? == 1,
                r.get::<_, i64>(2)? == 1,
            ))
        })
        .map_err(StoreError::sql("read code history"))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(StoreError::sql("read code history"))?;
    let received: Option<String> = c
        .query_row(
            "SELECT state FROM stock_boxes WHERE code = ?1",
            [code],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::sql("read box"))?;
    let docs = |only_standing: bool| -> Vec<String> {
        sales
            .iter()
            .filter(|(_, _, returned)| !only_standing || !returned)
            .map(|(d, _, _)| d.clone())
            .collect()
    };
    let standing = docs(true);
    let splits = sales.iter().filter(|(_, split, _)| *split).count();
    Ok(if splits >= 2 {
        (
            DisputeClass::SplitSales,
            format!(
                "该盒拆零销售，分 {splits} 次售出（单据 {}），每次拆零销售均上传该盒追溯码，属正常",
                docs(false).join("、")
            ),
        )
    } else if sales.len() >= 2 && standing.len() <= 1 {
        (
            DisputeClass::ResoldAfterRefund,
            format!(
                "该盒曾售出后整单退货（3506），又再次售出（单据 {}）：请确认退货的 3506 已送达医保平台",
                docs(false).join("、")
            ),
        )
    } else if standing.len() == 1 {
        (
            DisputeClass::OneSaleHere,
            format!(
                "本店只售出过一次（单据 {}）：平台上的重复记录若属本店，请以 3507 删除多余的一条",
                standing[0]
            ),
        )
    } else if received.is_some() {
        (
            DisputeClass::NotSoldHere,
            format!(
                "该盒已入库（{}），本店账上未售出：若实际已售出请补传销售（3505），否则向医保局说明",
                crate::inventory::box_state_zh(received.as_deref().unwrap_or_default())
            ),
        )
    } else {
        (
            DisputeClass::NotOurs,
            "本店既未入库也未售出该追溯码：向医保局说明非本机构药盒".to_string(),
        )
    })
}
