//! The emulator's stock-side books (进销存): what a pharmacy reported it
//! received (3503), sent back (3504), counted (3501) and changed (3502),
//! which boxes the platform therefore believes are on its shelf, and what it
//! recorded for every sold code (the rows 3513 answers with). 3507 deletes a
//! wrong upload by its batch number and data type.
//!
//! Why it exists: a counter's goods-in, stock-take and reconciliation can
//! only be rehearsed against a platform that keeps books of its own. The
//! real platform's behaviour on a trace code uploaded twice is not in the
//! public record, so it is a switch ([`DuplicateTrace`], set through
//! `POST /admin/faults {"duplicate_trace_code": "overwrite"}`).

use crate::ops::{parse, Fail, OpResult};
use crate::state::State;
use rust_decimal::Decimal;
use rxdesk_center::error::codes;
use rxdesk_center::messages::{
    inv_chg_type, inv_data_type, DrugTrace, InventoryDeleteInput, PurchaseInput,
    PurchaseReturnInput, SaleInfo, SoldTraceQueryInput, SoldTraceQueryOutput, SoldTraceRecord,
    StockChangeInput, StockPublishInput, StockTakeInput,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What the platform does with a trace code uploaded again while its first
/// record stands (a box received twice, a box sold twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DuplicateTrace {
    /// Refused (5004 on 3503/3502, 5001 on 3505), nothing applied.
    #[default]
    Reject,
    /// Accepted: the new record replaces the old one.
    Overwrite,
}

/// One box the platform believes is in the pharmacy's stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InStock {
    /// 定点医药机构批次流水号 it was received under.
    pub fixmedins_bchno: String,
    /// 医疗目录编码.
    pub med_list_codg: String,
    /// The upload (infno) that put it there: 3503, 3502 or 3506.
    pub by: String,
}

/// One applied 3501–3504 upload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockRecord {
    /// 3501, 3502, 3503 or 3504.
    pub infno: String,
    /// The 3507 data type it belongs to (1 盘存, 2 库存变更, 3 采购).
    pub inv_data_type: String,
    /// 定点医药机构批次流水号.
    pub fixmedins_bchno: String,
    /// 医疗目录编码.
    pub med_list_codg: String,
    /// Quantity as sent.
    pub cnt: Decimal,
    /// 3502's `inv_chg_type` ('' otherwise).
    pub inv_chg_type: String,
    /// The codes it carried.
    pub codes: Vec<String>,
    /// Its msgid.
    pub msgid: String,
    /// Deleted by 3507.
    pub deleted: bool,
}

/// One sold code as recorded (a 3513 row plus the sale it belongs to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SoldRow {
    /// `rtal_docno#fixmedins_bchno` of the 3505 (the sale's key).
    pub key: String,
    /// The row as 3513 returns it.
    pub record: SoldTraceRecord,
}

/// The books.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StockBooks {
    /// Boxes in stock per the platform, by trace code.
    pub in_stock: BTreeMap<String, InStock>,
    /// Every applied 3501–3504, in order.
    pub records: Vec<StockRecord>,
    /// Every sold code (3505) not returned, reversed or deleted.
    pub sold: Vec<SoldRow>,
    /// The last in-stock list each store published (`stockPublish`), by
    /// `fixmedins_code`: what the public channels would show.
    pub published: BTreeMap<String, StockPublishInput>,
}

fn fail<T>(code: i64, msg: impl Into<String>) -> Result<T, Fail> {
    Err((code, msg.into()))
}

/// Trace codes of a `drugtracinfo` node: 20 digits, none twice.
pub fn codes_of(list: &[DrugTrace]) -> Result<Vec<String>, Fail> {
    let mut out: Vec<String> = Vec::new();
    for t in list {
        let c = t.drug_trac_codg.trim();
        if c.len() != 20 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return fail(
                codes::TRACE_CODE_FORMAT,
                format!("追溯码格式错误（应为20位数字）: {c}"),
            );
        }
        if out.iter().any(|x| x == c) {
            return fail(
                codes::TRACE_CODE_DUPLICATE,
                format!("同一追溯码在本次上传中重复: {c}"),
            );
        }
        out.push(c.to_string());
    }
    Ok(out)
}

fn positive(cnt: Decimal, what: &str) -> Result<(), Fail> {
    if cnt <= Decimal::ZERO {
        return fail(codes::BAD_REQUEST, format!("{what}必须大于0"));
    }
    Ok(())
}

/// Whole boxes: when codes are sent there is one per box counted.
fn codes_match_count(codes_in: &[String], cnt: Decimal, what: &str) -> Result<(), Fail> {
    if !codes_in.is_empty() && Decimal::from(codes_in.len()) != cnt {
        return fail(
            codes::BAD_REQUEST,
            format!("{what} {cnt} 与追溯码数量 {} 不符", codes_in.len()),
        );
    }
    Ok(())
}

fn known_drug(st: &State, med_list_codg: &str) -> Result<(), Fail> {
    if !st.drugs.contains_key(med_list_codg) {
        return fail(
            codes::DRUG_UNKNOWN,
            format!("医保目录中无此药品 {med_list_codg}"),
        );
    }
    Ok(())
}

/// Puts boxes in stock, honouring the duplicate switch.
fn add_in_stock(
    st: &mut State,
    codes_in: &[String],
    bchno: &str,
    med_list_codg: &str,
    by: &str,
) -> Result<(), Fail> {
    if st.faults.duplicate_trace_code == DuplicateTrace::Reject {
        if let Some(c) = codes_in.iter().find(|c| st.stock.in_stock.contains_key(*c)) {
            let was = &st.stock.in_stock[c];
            return fail(
                codes::TRACE_CODE_DUPLICATE,
                format!(
                    "追溯码 {c} 已在本机构库存中（批次流水号 {}），不能重复入库",
                    was.fixmedins_bchno
                ),
            );
        }
    }
    for c in codes_in {
        st.stock.in_stock.insert(
            c.clone(),
            InStock {
                fixmedins_bchno: bchno.to_string(),
                med_list_codg: med_list_codg.to_string(),
                by: by.to_string(),
            },
        );
    }
    Ok(())
}

/// Takes boxes out of stock: every one must be there.
fn take_from_stock(st: &mut State, codes_in: &[String]) -> Result<(), Fail> {
    if let Some(c) = codes_in
        .iter()
        .find(|c| !st.stock.in_stock.contains_key(*c))
    {
        return fail(
            codes::TRACE_CODE_NOT_IN_STOCK,
            format!("追溯码 {c} 不在本机构库存中"),
        );
    }
    for c in codes_in {
        st.stock.in_stock.remove(c);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn record(
    st: &mut State,
    infno: &str,
    data_type: &str,
    bchno: &str,
    codg: &str,
    cnt: Decimal,
    chg: &str,
    codes_in: Vec<String>,
    msgid: &str,
) {
    st.stock.records.push(StockRecord {
        infno: infno.into(),
        inv_data_type: data_type.into(),
        fixmedins_bchno: bchno.into(),
        med_list_codg: codg.into(),
        cnt,
        inv_chg_type: chg.into(),
        codes: codes_in,
        msgid: msgid.into(),
        deleted: false,
    });
}

/// 3503 商品采购: the boxes enter the platform's view of the stock.
pub fn purchase(st: &mut State, input: &Value, msgid: &str) -> OpResult {
    let i: PurchaseInput = parse(input)?;
    let p = &i.purcinfo;
    known_drug(st, &p.med_list_codg)?;
    if p.fixmedins_bchno.trim().is_empty() || p.spler_name.trim().is_empty() {
        return fail(codes::BAD_REQUEST, "批次流水号和供应商名称不能为空");
    }
    positive(p.purc_retn_cnt, "采购数量")?;
    let cs = codes_of(&p.drugtracinfo)?;
    codes_match_count(&cs, p.purc_retn_cnt, "采购数量")?;
    add_in_stock(st, &cs, &p.fixmedins_bchno, &p.med_list_codg, "3503")?;
    record(
        st,
        "3503",
        inv_data_type::PURCHASE,
        &p.fixmedins_bchno,
        &p.med_list_codg,
        p.purc_retn_cnt,
        "",
        cs,
        msgid,
    );
    Ok(json!({"result": {"retRslt": "1", "msgRslt": "采购信息受理成功"}}))
}

/// `stockPublish` 在库药品信息公开: the store's whole in-stock list replaces
/// the one it published before (an older list arriving late is ignored).
pub fn stock_publish(st: &mut State, input: &Value) -> OpResult {
    let i: StockPublishInput = parse(input)?;
    if i.fixmedins_code.trim().is_empty() {
        return fail(codes::BAD_REQUEST, "定点医药机构编号不能为空");
    }
    for d in &i.stkinfo {
        if d.stock_cnt < Decimal::ZERO {
            return fail(
                codes::BAD_REQUEST,
                format!("{} 的在库数量不能为负", d.fixmedins_hilist_id),
            );
        }
    }
    let newer = st
        .stock
        .published
        .get(&i.fixmedins_code)
        .is_none_or(|old| old.pub_time <= i.pub_time);
    if newer {
        st.stock.published.insert(i.fixmedins_code.clone(), i);
    }
    Ok(json!({"result": {"retRslt": "1", "msgRslt": "在库药品信息已公布"}}))
}

/// 3504 商品采购退货: the boxes leave.
pub fn purchase_return(st: &mut State, input: &Value, msgid: &str) -> OpResult {
    let i: PurchaseReturnInput = parse(input)?;
    let p = &i.purcinfo;
    known_drug(st, &p.med_list_codg)?;
    positive(p.purc_retn_cnt, "退货数量")?;
    let cs = codes_of(&p.drugtracinfo)?;
    codes_match_count(&cs, p.purc_retn_cnt, "退货数量")?;
    take_from_stock(st, &cs)?;
    record(
        st,
        "3504",
        inv_data_type::PURCHASE,
        &p.fixmedins_bchno,
        &p.med_list_codg,
        p.purc_retn_cnt,
        "",
        cs,
        msgid,
    );
    Ok(json!({"result": {"retRslt": "1", "msgRslt": "采购退货受理成功"}}))
}

/// 3501 商品盘存上传: recorded as counted (the platform's own view is not
/// changed by a count; a difference is reported by 3502).
pub fn stock_take(st: &mut State, input: &Value, msgid: &str) -> OpResult {
    let i: StockTakeInput = parse(input)?;
    let v = &i.invinfo;
    known_drug(st, &v.med_list_codg)?;
    if v.inv_cnt < Decimal::ZERO {
        return fail(codes::BAD_REQUEST, "库存数量不能为负");
    }
    if chrono::NaiveDate::parse_from_str(&v.invdate, "%Y-%m-%d").is_err() {
        return fail(
            codes::BAD_REQUEST,
            format!("盘存日期格式错误: {}", v.invdate),
        );
    }
    let cs = codes_of(&v.drugtracinfo)?;
    record(
        st,
        "3501",
        inv_data_type::STOCK_TAKE,
        &v.fixmedins_bchno,
        &v.med_list_codg,
        v.inv_cnt,
        "",
        cs,
        msgid,
    );
    Ok(json!({"result": {"retRslt": "1", "msgRslt": "盘存信息受理成功"}}))
}

/// Whether a 3502 change type brings boxes in (else takes them out).
fn incoming(chg: &str) -> bool {
    chg == inv_chg_type::TRANSFER_IN || chg == inv_chg_type::SURPLUS
}

/// 3502 商品库存变更.
pub fn stock_change(st: &mut State, input: &Value, msgid: &str) -> OpResult {
    let i: StockChangeInput = parse(input)?;
    let v = &i.invinfo;
    known_drug(st, &v.med_list_codg)?;
    if !inv_chg_type::ALL.contains(&v.inv_chg_type.as_str()) {
        return fail(
            codes::BAD_REQUEST,
            format!("库存变更类型 {} 不在代码表中", v.inv_chg_type),
        );
    }
    positive(v.cnt, "变更数量")?;
    let cs = codes_of(&v.drugtracinfo)?;
    if v.trdn_flag != "1" {
        codes_match_count(&cs, v.cnt, "变更数量")?;
    }
    if incoming(&v.inv_chg_type) {
        add_in_stock(st, &cs, &v.fixmedins_bchno, &v.med_list_codg, "3502")?;
    } else {
        take_from_stock(st, &cs)?;
    }
    record(
        st,
        "3502",
        inv_data_type::STOCK_CHANGE,
        &v.fixmedins_bchno,
        &v.med_list_codg,
        v.cnt,
        &v.inv_chg_type,
        cs,
        msgid,
    );
    Ok(json!({"result": {"retRslt": "1", "msgRslt": "库存变更受理成功"}}))
}

/// 3507 进销存数据删除: every standing record of that batch number and data
/// type is deleted and its effect on the platform's stock undone.
pub fn delete(st: &mut State, input: &Value) -> OpResult {
    let i: InventoryDeleteInput = parse(input)?;
    let d = &i.data;
    let bchno = d.fixmedins_bchno.trim();
    if bchno.is_empty() {
        return fail(codes::BAD_REQUEST, "批次流水号不能为空");
    }
    let deleted = match d.inv_data_type.as_str() {
        inv_data_type::STOCK_TAKE | inv_data_type::STOCK_CHANGE | inv_data_type::PURCHASE => {
            let mut undo: Vec<StockRecord> = Vec::new();
            for r in st.stock.records.iter_mut() {
                if !r.deleted && r.fixmedins_bchno == bchno && r.inv_data_type == d.inv_data_type {
                    r.deleted = true;
                    undo.push(r.clone());
                }
            }
            for r in undo.iter().rev() {
                let brought_in =
                    r.infno == "3503" || (r.infno == "3502" && incoming(&r.inv_chg_type));
                let took_out =
                    r.infno == "3504" || (r.infno == "3502" && !incoming(&r.inv_chg_type));
                for c in &r.codes {
                    if brought_in {
                        st.stock.in_stock.remove(c);
                    } else if took_out {
                        st.stock.in_stock.insert(
                            c.clone(),
                            InStock {
                                fixmedins_bchno: r.fixmedins_bchno.clone(),
                                med_list_codg: r.med_list_codg.clone(),
                                by: "3507".into(),
                            },
                        );
                    }
                }
            }
            undo.len()
        }
        inv_data_type::SALE => {
            let keys: Vec<String> = st
                .sales
                .keys()
                .filter(|k| k.rsplit_once('#').is_some_and(|(_, b)| b == bchno))
                .cloned()
                .collect();
            for k in &keys {
                if let Some(sale) = st.sales.remove(k) {
                    for c in sale.codes {
                        st.sold_codes.remove(&c);
                    }
                }
            }
            let before = st.stock.sold.len();
            st.stock.sold.retain(|r| r.record.fixmedins_bchno != bchno);
            keys.len().max(before - st.stock.sold.len())
        }
        other => {
            return fail(
                codes::BAD_REQUEST,
                format!("进销存数据类型 {other} 不在代码表中（1 盘存 2 库存变更 3 采购 4 销售）"),
            )
        }
    };
    if deleted == 0 {
        return fail(
            codes::INVENTORY_NOT_FOUND,
            format!(
                "未找到批次流水号 {bchno} 的{}数据",
                match d.inv_data_type.as_str() {
                    "1" => "盘存",
                    "2" => "库存变更",
                    "3" => "采购",
                    _ => "销售",
                }
            ),
        );
    }
    Ok(json!({"result": {"retRslt": "1", "msgRslt": format!("已删除 {deleted} 条")}}))
}

/// 3505 accepted: one 3513 row per code, and the boxes leave the platform's
/// view of the stock (a split sale leaves the opened box where it is).
pub fn record_sale(st: &mut State, key: &str, s: &SaleInfo, codes_in: &[String], msgid: &str) {
    let now = rxdesk_core::time::format_wire(st.now());
    for c in codes_in {
        if s.trdn_flag != "1" {
            st.stock.in_stock.remove(c);
        }
        let rid = format!("{msgid}-{c}");
        st.stock.sold.push(SoldRow {
            key: key.to_string(),
            record: SoldTraceRecord {
                fixmedins_code: String::new(),
                med_list_codg: s.med_list_codg.clone(),
                medins_list_codg: s.fixmedins_hilist_id.clone(),
                medins_list_name: s.fixmedins_hilist_name.clone(),
                fixmedins_bchno: s.fixmedins_bchno.clone(),
                mdtrt_id: s.mdtrt_sn.clone(),
                mdtrt_setl_type: s.mdtrt_setl_type.clone(),
                bkkp_sn: s.rtal_docno.clone(),
                drug_trac_codg: c.clone(),
                psn_no: s.psn_no.clone(),
                psn_cert_type: s.psn_cert_type.clone(),
                certno: String::new(),
                psn_name: String::new(),
                memo: s.memo.clone(),
                trdn_flag: s.trdn_flag.clone(),
                updt_time: now.clone(),
                opter_name: s.sel_retn_opter_name.clone(),
                rid,
                crte_time: now.clone(),
                opt_time: s.sel_retn_time.clone(),
                opter_id: String::new(),
                crter_name: s.sel_retn_opter_name.clone(),
                crter_id: String::new(),
                optins_no: String::new(),
            },
        });
    }
}

/// 3506 accepted (or a 3505 reversed): the rows of these codes in that sale
/// go; whole boxes come back into the platform's view of the stock.
pub fn unrecord_sale(st: &mut State, key: &str, codes_in: Option<&[String]>) {
    let mut back: Vec<(String, String, String)> = Vec::new();
    st.stock.sold.retain(|r| {
        let hit = r.key == key && codes_in.is_none_or(|cs| cs.contains(&r.record.drug_trac_codg));
        if hit && r.record.trdn_flag != "1" {
            back.push((
                r.record.drug_trac_codg.clone(),
                r.record.fixmedins_bchno.clone(),
                r.record.med_list_codg.clone(),
            ));
        }
        !hit
    });
    for (c, b, m) in back {
        st.stock.in_stock.insert(
            c,
            InStock {
                fixmedins_bchno: b,
                med_list_codg: m,
                by: "3506".into(),
            },
        );
    }
}

/// Whether `code` is sold by split (拆零) in sale `key`.
pub fn split_sold_in(st: &State, key: &str, code: &str) -> bool {
    st.stock
        .sold
        .iter()
        .any(|r| r.key == key && r.record.drug_trac_codg == code && r.record.trdn_flag == "1")
}

/// 3513 商品销售追溯信息查询: by day range and/or by code (at least one).
pub fn sold_trace_query(st: &mut State, input: &Value) -> OpResult {
    let i: SoldTraceQueryInput = parse(input)?;
    let q = &i.data;
    let day = |s: &str| -> Result<Option<chrono::NaiveDate>, Fail> {
        if s.trim().is_empty() {
            return Ok(None);
        }
        chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| (codes::BAD_REQUEST, format!("日期格式错误: {s}")))
    };
    let (begin, end) = (day(&q.begndate)?, day(&q.enddate)?);
    if begin.is_none() && end.is_none() && q.drug_trac_codg.trim().is_empty() {
        return fail(
            codes::BAD_REQUEST,
            "请给出开始/结束日期或药品追溯码（3513 不支持无条件查询）",
        );
    }
    let eq = |want: &str, have: &str| want.trim().is_empty() || want.trim() == have;
    let rows: Vec<SoldTraceRecord> = st
        .stock
        .sold
        .iter()
        .map(|r| &r.record)
        .filter(|r| {
            let d = r
                .opt_time
                .get(..10)
                .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
            begin.is_none_or(|b| d.is_some_and(|d| d >= b))
                && end.is_none_or(|e| d.is_some_and(|d| d <= e))
                && eq(&q.drug_trac_codg, &r.drug_trac_codg)
                && eq(&q.med_list_codg, &r.med_list_codg)
                && eq(&q.medins_list_codg, &r.medins_list_codg)
                && eq(&q.fixmedins_bchno, &r.fixmedins_bchno)
                && eq(&q.mdtrt_id, &r.mdtrt_id)
                && eq(&q.psn_no, &r.psn_no)
        })
        .map(|r| SoldTraceRecord {
            fixmedins_code: q.fixmedins_code.clone(),
            ..r.clone()
        })
        .collect();
    serde_json::to_value(SoldTraceQueryOutput { data: rows })
        .map_err(|e| (codes::GENERIC, e.to_string()))
}
