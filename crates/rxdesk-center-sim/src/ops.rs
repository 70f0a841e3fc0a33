//! Business rules, shared by both wire families. Inputs are the typed
//! messages of `rxdesk_center::messages` (family B payloads are mapped to
//! snake_case first); every rule failure is a documented error code
//! (`rxdesk_center::error::codes`), never a panic.

use crate::policy::{self, amt, PolicyLine, Scheme};
use crate::state::*;
use chrono::Duration;
use rust_decimal::Decimal;
use rxdesk_center::error::codes;
use rxdesk_center::messages::*;
use rxdesk_core::time::format_wire;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// A business failure: (code, message in Chinese).
pub type Fail = (i64, String);
/// Result of one operation.
pub type OpResult = Result<Value, Fail>;

fn fail<T>(code: i64, msg: impl Into<String>) -> Result<T, Fail> {
    Err((code, msg.into()))
}

/// Parse a typed input; a missing or mistyped field is 1001.
pub fn parse<T: DeserializeOwned>(v: &Value) -> Result<T, Fail> {
    serde_json::from_value(v.clone())
        .map_err(|e| (codes::BAD_REQUEST, format!("输入报文错误: {e}")))
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

fn token(st: &mut State, prefix: &str, len: usize) -> String {
    let n = st.next_serial();
    let h = hex::encode(rxdesk_gm::primitives::sm3(
        format!("{}/{prefix}/{n}", st.seed).as_bytes(),
    ));
    let mut s = format!("{prefix}{n:06}{h}");
    s.truncate(len);
    s
}

// ------------------------------------------------------------------ 9001/9002/1101

/// 9001
pub fn sign_in(st: &mut State, input: &Value) -> OpResult {
    let i: SignInInput = parse(input)?;
    if i.sign_in.opter_no.is_empty() {
        return fail(codes::BAD_REQUEST, "opter_no 不能为空");
    }
    let sign_no = token(st, "SN", 30);
    st.sign_ins.insert(sign_no.clone(), i.sign_in.opter_no);
    Ok(json!({"signinoutb": {"sign_time": format_wire(st.now()), "sign_no": sign_no}}))
}

/// 9002
pub fn sign_out(st: &mut State, input: &Value) -> OpResult {
    let i: SignOutInput = parse(input)?;
    st.sign_ins.remove(&i.sign_out.sign_no);
    Ok(json!({"signoutoutb": {"sign_time": format_wire(st.now())}}))
}

/// 1101
pub fn person_info(st: &mut State, input: &Value) -> OpResult {
    let i: PersonInfoInput = parse(input)?;
    let q = &i.data;
    let Some(p) = st.person_by_cert(q.mdtrt_cert_type.code(), &q.mdtrt_cert_no, &q.card_sn) else {
        return fail(codes::PERSON_NOT_FOUND, "未查询到参保人员信息（凭证无效）");
    };
    Ok(json!({
        "baseinfo": {"psn_no": p.psn_no, "psn_cert_type": "01", "certno": p.certno, "psn_name": p.name,
            "gend": p.gend, "naty": "01", "brdy": p.brdy, "age": p.age},
        "insuinfo": [{"balc": amt(p.balance), "insutype": p.insutype, "psn_type": p.psn_type,
            "psn_insu_stas": "1", "psn_insu_date": "2010-01-01", "paus_insu_date": "", "cvlserv_flag": "0",
            "insuplc_admdvs": p.insuplc_admdvs, "emp_name": p.emp_name}],
        "idetinfo": []
    }))
}

// ------------------------------------------------------------------ prescriptions

fn check_downloadable(st: &State, rx: &Rx) -> Result<(), Fail> {
    let now = st.now();
    match rx.state {
        RxState::Revoked => return fail(codes::RX_REVOKED, "处方已被医院撤销"),
        RxState::Used if !rx.rept_flag => return fail(codes::RX_USED, "处方已核销使用"),
        RxState::Used => {
            if rx.reptd_cnt >= rx.max_rept_cnt {
                return fail(codes::RX_USED, "处方复用次数已用完");
            }
            if let Some(last) = rx.last_used {
                if now < last + Duration::days(i64::from(rx.min_inrv_days)) {
                    return fail(codes::RX_USED, "未到处方最小复用间隔");
                }
            }
        }
        _ => {}
    }
    if now > rx.valid_end {
        return fail(codes::RX_EXPIRED, "处方已超过有效期");
    }
    Ok(())
}

/// 7201 / rxQrcodeDecode
pub fn qr_decode(st: &mut State, q: &QrDecodeData) -> OpResult {
    let Some(rx) = st.rxs.values().find(|r| r.epc_qrcd == q.epc_qrcd).cloned() else {
        return fail(codes::RX_NOT_FOUND, "处方二维码无效");
    };
    let p = st
        .persons
        .get(&rx.psn_no)
        .cloned()
        .ok_or((codes::PERSON_NOT_FOUND, "患者不存在".to_string()))?;
    let t = token(st, "ET", 64);
    let expires = st.now() + Duration::minutes(30);
    st.epc_tokens.insert(
        t.clone(),
        Token {
            hi_rxno: rx.hi_rxno.clone(),
            expires,
            used: false,
        },
    );
    Ok(to_value(&QrDecoded {
        epc_token: t,
        cert_type: "01".into(),
        name: p.name,
        certno: p.certno,
        insuplc_admdvs: p.insuplc_admdvs,
    }))
}

/// 7202 / rxAuthQuery: one fresh single-use auth_rxno per downloadable prescription.
pub fn auth_query(st: &mut State, q: &RxQueryData) -> OpResult {
    let Some(p) = st
        .person_by_cert(q.mdtrt_cert_type.code(), &q.mdtrt_cert_no, &q.card_sn)
        .cloned()
    else {
        return fail(codes::PERSON_NOT_FOUND, "就诊凭证无效");
    };
    let list: Vec<Rx> = st
        .rxs
        .values()
        .filter(|r| r.psn_no == p.psn_no && check_downloadable(st, r).is_ok())
        .cloned()
        .collect();
    let mut out = Vec::new();
    for r in list {
        let a = token(st, "AR", 30);
        let expires = st.now() + Duration::minutes(30);
        st.auth_rxnos.insert(
            a.clone(),
            Token {
                hi_rxno: r.hi_rxno.clone(),
                expires,
                used: false,
            },
        );
        let hosp = st
            .hospitals
            .get(&r.hospital)
            .map(|h| h.name.clone())
            .unwrap_or_default();
        out.push(AuthorisedRx {
            auth_rxno: a,
            diag_name: r.diag_name.clone(),
            fixmedins_code: r.hospital.clone(),
            fixmedins_name: hosp,
            prsc_time: format_wire(r.prsc_time),
            dept_name: r.dept_name.clone(),
            valid_end_time: format_wire(r.valid_end),
        });
    }
    Ok(json!({ "data": to_value(&out) }))
}

/// 7203 / rxDownload: the prescription for a token; records the key.
pub fn download(st: &mut State, q: &RxDownloadData) -> Result<Rx, Fail> {
    let now = st.now();
    let (key, hi_rxno) = if !q.epc_token.is_empty() {
        let Some(t) = st.epc_tokens.get(&q.epc_token) else {
            return fail(codes::TOKEN_INVALID, "电子处方令牌无效");
        };
        if now > t.expires {
            return fail(codes::TOKEN_INVALID, "电子处方令牌已过期");
        }
        (q.epc_token.clone(), t.hi_rxno.clone())
    } else if !q.auth_rxno.is_empty() {
        let Some(t) = st.auth_rxnos.get_mut(&q.auth_rxno) else {
            return fail(codes::TOKEN_INVALID, "处方授权编号无效");
        };
        if t.used {
            return fail(codes::AUTH_RXNO_USED, "处方授权编号已使用（一次有效）");
        }
        if now > t.expires {
            return fail(codes::TOKEN_INVALID, "处方授权编号已过期");
        }
        t.used = true;
        (q.auth_rxno.clone(), t.hi_rxno.clone())
    } else {
        return fail(codes::BAD_REQUEST, "epc_token 与 auth_rxno 必须有一个");
    };
    let rx = st
        .rxs
        .get(&hi_rxno)
        .cloned()
        .ok_or((codes::RX_NOT_FOUND, "处方不存在".to_string()))?;
    check_downloadable(st, &rx)?;
    if let Some(r) = st.rxs.get_mut(&hi_rxno) {
        r.downloaded_keys.insert(key);
    }
    Ok(rx)
}

/// The family-A 7203 output of a prescription.
pub fn download_a(st: &State, rx: &Rx) -> Value {
    let dl = &rx.download;
    let p = st.persons.get(&rx.psn_no);
    let lines: Vec<Value> = dl
        .rx_drug_detail
        .iter()
        .map(|l| {
            let sum = l.drug_pric.and_then(|p| p.times(l.drug_cnt).ok());
            json!({"med_list_codg": l.med_list_codg, "drug_genname": l.drug_genname, "drug_prodname": l.drug_prodname,
                "drug_dosform": l.drug_dosform, "drug_spec": l.drug_spec, "drug_cnt": l.drug_cnt, "drug_cnt_unit": l.drug_cnt_unit,
                "drug_pric": l.drug_pric, "drug_sumamt": sum, "sin_doscnt": l.sin_doscnt.parse::<Decimal>().unwrap_or_default(),
                "sin_dosunt": l.sin_dosunt, "used_frqu_name": l.used_frqu_name, "medc_way_dscr": l.medc_way_dscr,
                "medc_days": l.medc_days, "hosp_prep_flag": "0", "rx_item_type_code": "11", "tcmherb_foote": l.tcmherb_foote,
                "medc_starttime": format_wire(rx.prsc_time), "medc_endtime": format_wire(rx.prsc_time + Duration::days(7))})
        })
        .collect();
    let stas = dl.rx_stas_codg.code().to_string();
    json!({
        "data": {"hi_rxno": dl.hi_rxno, "fixmedins_code": dl.fixmedins_code, "fixmedins_name": dl.fixmedins_name,
            "prsc_time": dl.prsc_time, "rx_drug_nums": lines.len(), "valid_days": (rx.valid_end - rx.prsc_time).num_days(), "valid_end_time": dl.valid_end_time,
            "rept_flag": if rx.rept_flag {"1"} else {"0"}, "max_rept_cnt": rx.max_rept_cnt, "reptd_cnt": rx.reptd_cnt,
            "min_inrv_days": rx.min_inrv_days, "rx_file": dl.rx_file, "rx_stas_codg": stas,
            "rx_drord_dscr": dl.rx_drord_dscr},
        "rxdrugdetail": lines,
        "mdtrtinfo": {"mdtrt_id": dl.mdtrt_id, "ipt_op_no": rx.mdtrt_id, "psn_no": rx.psn_no,
            "patn_name": dl.patn_name, "age": p.map(|p| p.age).unwrap_or(0), "gend": p.map(|p| p.gend.clone()).unwrap_or_default(),
            "insuplc_admdvs": p.map(|p| p.insuplc_admdvs.clone()).unwrap_or_default(), "psn_cert_type": dl.psn_cert_type,
            "certno": dl.certno, "insutype": p.map(|p| p.insutype.clone()).unwrap_or_default(),
            "prsc_dept_name": rx.dept_name, "prsc_dept_code": "NK01", "prsc_dr_name": dl.prsc_dr_name,
            "phar_name": dl.phar_name, "phar_chk_time": dl.phar_chk_time, "mdtrt_time": dl.prsc_time,
            "diag_code": rx.diag_code, "diag_name": rx.diag_name,
            "sp_dise_flag": if rx.dise_codg.is_empty() { "0" } else { "1" },
            "med_type": rx.med_type, "dise_codg": rx.dise_codg, "dise_name": rx.dise_name},
        "diseinfo": [{"diag_type": "1", "maindiag_flag": "1", "diag_srt_no": 1, "diag_code": rx.diag_code,
            "diag_name": rx.diag_name, "diag_dept": rx.dept_name, "dise_dor_no": dl.dr_code, "dise_dor_name": dl.prsc_dr_name,
            "diag_time": dl.prsc_time}],
        "signinfo": {"rx_trace_code": dl.rx_trace_code, "dr_code": dl.dr_code, "phar_dept_name": dl.phar_dept_name,
            "phar_dept_code": dl.phar_dept_code, "phar_profttl_codg": dl.phar_profttl_codg, "phar_profttl_name": dl.phar_profttl_name,
            "phar_code": dl.phar_code, "phar_cert_type": dl.phar_cert_type, "phar_certno": dl.phar_certno,
            "phar_prac_cert_no": dl.phar_prac_cert_no, "sign_digest": dl.sign_digest, "sign_cert_sn": dl.sign_cert_sn,
            "sign_cert_dn": dl.sign_cert_dn}
    })
}

/// rxSignVerify (family B): the platform checks the institution's signature.
pub fn sign_verify(st: &mut State, q: &SignVerifyData) -> OpResult {
    let rx = st
        .rxs
        .get(&q.hi_rxno)
        .cloned()
        .ok_or((codes::RX_NOT_FOUND, "处方不存在".to_string()))?;
    if !rx.downloaded_keys.contains(&q.epc_token) {
        return fail(codes::RX_BAD_STATE, "请先下载处方（令牌与处方不符）");
    }
    let hosp = st
        .hospitals
        .get(&rx.hospital)
        .cloned()
        .ok_or((codes::RX_NOT_FOUND, "开方机构不存在".to_string()))?;
    let problem = verify_material(&rx.download, &hosp);
    if let Some(p) = problem {
        return fail(
            codes::RX_SIGNATURE_INVALID,
            format!("处方签名验证不通过: {p}"),
        );
    }
    let sn = token(st, "VS", 40);
    if let Some(r) = st.rxs.get_mut(&q.hi_rxno) {
        r.sign_verify_sn = Some(sn.clone());
    }
    Ok(to_value(&SignVerifyOutput {
        rx_sign_verify_sn: sn,
        verify_rslt: "1".into(),
        verify_dscr: "验签通过".into(),
    }))
}

fn verify_material(dl: &rxdesk_gm::DownloadedPrescription, hosp: &Hospital) -> Option<String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    if hosp.cert_revoked {
        return Some("签名证书已吊销".into());
    }
    let Ok(digest) = b64.decode(&dl.sign_digest) else {
        return Some("signDigest 不是 Base64".into());
    };
    if let Err(e) = rxdesk_gm::cms::verify_detached(
        &digest,
        dl.original_value().as_bytes(),
        std::slice::from_ref(&hosp.cert),
    ) {
        return Some(format!("结构化数据签名无效 ({e})"));
    }
    let Ok(pdf) = b64.decode(&dl.rx_file) else {
        return Some("rxFile 不是 Base64".into());
    };
    if let Err(e) = rxdesk_gm::pdf::verify_pdf(&pdf, std::slice::from_ref(&hosp.cert)) {
        return Some(format!("处方文件签名无效 ({e})"));
    }
    None
}

/// 7204 / rxChkUpld
pub fn audit(st: &mut State, a: &RxAuditData, family_b: bool) -> OpResult {
    let rx = st
        .rxs
        .get(&a.hi_rxno)
        .cloned()
        .ok_or((codes::RX_NOT_FOUND, "处方不存在".to_string()))?;
    if rx.downloaded_keys.is_empty() {
        return fail(codes::RX_BAD_STATE, "处方未下载，不能审核");
    }
    if !matches!(
        rx.state,
        RxState::Valid | RxState::Reversed | RxState::Audited | RxState::Used
    ) {
        return fail(
            codes::RX_BAD_STATE,
            format!("处方状态不允许审核: {:?}", rx.state),
        );
    }
    if family_b {
        if a.rx_sign_verify_sn.is_empty()
            || rx.sign_verify_sn.as_deref() != Some(a.rx_sign_verify_sn.as_str())
        {
            return fail(codes::RX_BAD_STATE, "处方签名验签流水号无效（请先验签）");
        }
        if a.ec_token.is_empty() {
            return fail(codes::BAD_REQUEST, "审方药师电子凭证令牌不能为空");
        }
    }
    if a.phar_name.is_empty() || a.rx_chk_time.is_empty() {
        return fail(codes::BAD_REQUEST, "药师姓名与审核时间不能为空");
    }
    if a.rx_chk_stas_codg.code() == "2" && a.rx_chk_opnn.trim().is_empty() {
        return fail(codes::BAD_REQUEST, "审核不通过必须填写审核意见");
    }
    // A used reusable prescription whose terms allow another dispensing
    // (count and interval, within its validity) is reopened by an approved
    // audit: the center keeps it for its next settlement.
    let reopens = rx.state == RxState::Used && rx.rept_flag && check_downloadable(st, &rx).is_ok();
    let sn = token(st, "CK", 30);
    if let Some(r) = st.rxs.get_mut(&a.hi_rxno) {
        r.audit = Some(a.rx_chk_stas_codg.code().to_string());
        if a.rx_chk_stas_codg.code() == "1"
            && (matches!(r.state, RxState::Valid | RxState::Reversed) || reopens)
        {
            r.state = RxState::Audited;
        }
    }
    Ok(to_value(&RxAuditOutput {
        msg_code: "0".into(),
        flag: "True".into(),
        rx_chk_biz_sn: sn,
    }))
}

/// 7205 / rxDelvUpld
pub fn delivery(st: &mut State, d: &DeliveryData) -> OpResult {
    let rx = st
        .rxs
        .get(&d.hi_rxno)
        .ok_or((codes::RX_NOT_FOUND, "处方不存在".to_string()))?;
    if rx.audit.as_deref() != Some("1") {
        return fail(codes::RX_BAD_STATE, "处方未审核通过，不能配送");
    }
    Ok(json!({}))
}

// ------------------------------------------------------------------ settlement

fn settle_core(st: &mut State, i: &SettleInput, commit: bool, msgid: &str) -> OpResult {
    let d = &i.data;
    let Some(p) = st.persons.get(&d.psn_no).cloned() else {
        return fail(codes::PERSON_NOT_FOUND, "人员编号不存在");
    };
    if d.mdtrt_cert_type.code() == "01" && d.mdtrt_cert_no != p.ec_token {
        return fail(codes::PERSON_NOT_FOUND, "电子凭证与人员不符");
    }
    if i.drugdetail.is_empty() {
        return fail(codes::BAD_REQUEST, "费用明细不能为空");
    }
    let med_type = d.med_type.code();
    let Some(scheme) = Scheme::of_med_type(med_type) else {
        return fail(
            codes::MED_TYPE_UNSUPPORTED,
            format!("医疗类别 {med_type:?} 不能在定点药店结算"),
        );
    };
    check_required_codes(st, &p, i, scheme)?;
    let mut lines = Vec::new();
    let mut sum = Decimal::ZERO;
    let mut rxnos: Vec<String> = Vec::new();
    for l in &i.drugdetail {
        // The due trace-code count, where sent, is a whole number of codes.
        if let Some(n) = l.minpacunt_drug_trac_cnt {
            if n < Decimal::ZERO || !n.fract().is_zero() {
                return fail(
                    codes::BAD_REQUEST,
                    format!("应上传追溯码数量 {n} 须为非负整数"),
                );
            }
        }
        let Some(dr) = st.drugs.get(&l.med_list_codg) else {
            return fail(
                codes::DRUG_UNKNOWN,
                format!("医保目录中无此药品 {}", l.med_list_codg),
            );
        };
        let expect = l
            .pric
            .times(l.cnt)
            .map_err(|e| (codes::AMOUNT_MISMATCH, e.to_string()))?;
        if expect != l.det_item_fee_sumamt {
            return fail(
                codes::AMOUNT_MISMATCH,
                format!(
                    "明细 {} 金额 {} ≠ 单价×数量 {}",
                    l.feedetl_sn, l.det_item_fee_sumamt, expect
                ),
            );
        }
        if !l.rxno.is_empty() {
            let Some(rx) = st.rxs.get(&l.rxno) else {
                return fail(codes::RX_NOT_FOUND, format!("处方 {} 不存在", l.rxno));
            };
            if rx.psn_no != p.psn_no {
                return fail(codes::RX_BAD_STATE, "处方不属于该参保人");
            }
            if rx.state != RxState::Audited {
                return fail(
                    codes::RX_BAD_STATE,
                    format!("处方 {} 未审核通过或已结算", l.rxno),
                );
            }
            if dr.restricted {
                return fail(
                    codes::RX_RESTRICTED,
                    format!("{} 属不得流转药品", dr.genname),
                );
            }
            let Some(pl) = rx.lines.iter().find(|x| x.med_list_codg == l.med_list_codg) else {
                return fail(
                    codes::RX_BAD_STATE,
                    format!("{} 不在处方中（不得替换药品）", dr.genname),
                );
            };
            if l.cnt > pl.cnt {
                return fail(
                    codes::RX_BAD_STATE,
                    format!("{} 数量超过处方量", dr.genname),
                );
            }
            if !rxnos.contains(&l.rxno) {
                rxnos.push(l.rxno.clone());
            }
        }
        sum += l.det_item_fee_sumamt.value();
        lines.push(PolicyLine {
            total: l.det_item_fee_sumamt.value(),
            cnt: l.cnt,
            pric: l.pric.value(),
            pric_uplmt: dr.pric_uplmt,
            level: dr.level.clone(),
        });
    }
    if sum != d.medfee_sumamt.value() {
        return fail(
            codes::AMOUNT_MISMATCH,
            format!("医疗费总额 {} ≠ 明细合计 {}", d.medfee_sumamt, sum),
        );
    }
    let s = policy::settle_scheme(
        &lines,
        scheme,
        d.insutype.code(),
        p.deductible_left,
        d.acct_used_flag == "1",
        p.balance,
    );
    let now = st.now();
    let setl_id = if commit {
        format!("S{:029}", st.next_serial())
    } else {
        String::new()
    };
    let mdtrt_id = if commit {
        format!("M{:029}", st.next_serial())
    } else {
        String::new()
    };
    let setlinfo = json!({
        "setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": p.psn_no, "psn_name": p.name, "psn_cert_type": "01",
        "certno": p.certno, "gend": p.gend, "naty": "01", "brdy": p.brdy, "age": p.age, "insutype": d.insutype.code(),
        "psn_type": p.psn_type, "cvlserv_flag": "0", "setl_time": format_wire(now), "mdtrt_cert_type": d.mdtrt_cert_type.code(),
        "med_type": d.med_type.code(), "medfee_sumamt": amt(s.medfee_sumamt), "fulamt_ownpay_amt": amt(s.fulamt_ownpay_amt),
        "overlmt_selfpay": amt(s.overlmt_selfpay), "preselfpay_amt": amt(s.preselfpay_amt), "inscp_scp_amt": amt(s.inscp_scp_amt),
        "act_pay_dedc": amt(s.act_pay_dedc), "hifp_pay": amt(s.hifp_pay), "pool_prop_selfpay": s.ratio,
        "cvlserv_pay": "0.00", "hifes_pay": "0.00", "hifmi_pay": "0.00", "hifob_pay": "0.00", "maf_pay": "0.00", "oth_pay": "0.00",
        "fund_pay_sumamt": amt(s.fund_pay_sumamt), "psn_part_amt": amt(s.psn_part_amt), "acct_pay": amt(s.acct_pay),
        "psn_cash_pay": amt(s.psn_cash_pay), "balc": amt(s.balc), "acct_mulaid_pay": "0.00",
        "medins_setl_id": msgid, "clr_optins": "110100", "clr_way": "1",
        "clr_type": if scheme == Scheme::PharmacyPurchase { "41" } else { "11" }
    });
    let fund_name = match scheme {
        Scheme::PharmacyPurchase => "统筹基金（定点药店购药不支付）",
        Scheme::OutpatientPooling => "统筹基金（门诊统筹）",
        Scheme::Chronic => "统筹基金（门诊慢特病）",
        Scheme::DualChannel => "统筹基金（门诊特药·双通道）",
    };
    let setldetail = json!([{"fund_pay_type": "310100", "inscp_scp_amt": amt(s.inscp_scp_amt), "crt_payb_lmt_amt": "0.00",
        "fund_payamt": amt(s.hifp_pay), "fund_pay_type_name": fund_name,
        "setl_proc_info": format!("医疗类别{med_type}，起付线{}，统筹比例{}", amt(s.act_pay_dedc), s.ratio)}]);
    let detl: Vec<Value> = i
        .drugdetail
        .iter()
        .zip(s.lines.iter())
        .map(|(l, ls)| {
            let dr = st.drugs.get(&l.med_list_codg);
            json!({"feedetl_sn": l.feedetl_sn, "det_item_fee_sumamt": l.det_item_fee_sumamt, "cnt": l.cnt, "pric": l.pric,
                "pric_uplmt_amt": dr.map(|d| d.pric_uplmt.to_string()).unwrap_or_default(), "selfpay_prop": ls.selfpay_prop,
                "fulamt_ownpay_amt": amt(ls.fulamt_ownpay), "overlmt_amt": amt(ls.overlmt), "preselfpay_amt": amt(ls.preselfpay),
                "inscp_scp_amt": amt(ls.inscp), "chrgitm_lv": dr.map(|d| d.level.clone()).unwrap_or_default(),
                "med_chrgitm_type": "09", "bas_medn_flag": "0", "hi_nego_drug_flag": "0", "chld_medc_flag": "0",
                "list_sp_item_flag": "0", "drt_reim_flag": "0", "memo": ""})
        })
        .collect();
    let out = json!({"setlinfo": setlinfo, "setldetail": setldetail, "detlcutinfo": detl});
    if commit {
        if let Some(pp) = st.persons.get_mut(&p.psn_no) {
            pp.balance = s.balc;
            pp.deductible_left -= s.act_pay_dedc;
        }
        for r in &rxnos {
            if let Some(rx) = st.rxs.get_mut(r) {
                rx.state = RxState::Settled;
                rx.setl_id = Some(setl_id.clone());
            }
        }
        st.settlements.insert(
            setl_id.clone(),
            Settlement {
                setl_id,
                mdtrt_id,
                psn_no: p.psn_no.clone(),
                insutype: d.insutype.code().to_string(),
                msgid: msgid.to_string(),
                setl_time: now,
                medfee_sumamt: s.medfee_sumamt,
                fund_pay_sumamt: s.fund_pay_sumamt,
                psn_part_amt: s.psn_part_amt,
                acct_pay: s.acct_pay,
                psn_cash_pay: s.psn_cash_pay,
                act_pay_dedc: s.act_pay_dedc,
                med_type: med_type.to_string(),
                dise_codg: d.dise_codg.clone(),
                rxnos,
                reversed: false,
                output: out.clone(),
            },
        );
    }
    Ok(out)
}

/// The codes a `med_type` requires (docs/protocol.md "Settlement types"):
/// 门诊统筹, 门慢特 and 双通道 settle prescriptions only, each line with its
/// prescribing doctor's code (`bilg_dr_codg`); 门慢特 and 双通道 also name
/// the disease (`dise_codg`) the person is registered for, and a
/// prescription issued as 门慢特 / 双通道 settles only as such.
fn check_required_codes(
    st: &State,
    p: &Person,
    i: &SettleInput,
    scheme: Scheme,
) -> Result<(), Fail> {
    let d = &i.data;
    let med_type = d.med_type.code();
    let label = match scheme {
        Scheme::PharmacyPurchase => "定点药店购药",
        Scheme::OutpatientPooling => "门诊统筹",
        Scheme::Chronic => "门诊慢特病",
        Scheme::DualChannel => "门诊特药（双通道）",
    };
    if scheme != Scheme::PharmacyPurchase {
        for l in &i.drugdetail {
            if l.rxno.is_empty() {
                return fail(
                    codes::PRESCRIPTION_REQUIRED,
                    format!(
                        "{label}结算须凭处方：费用明细 {} 缺少处方号 rxno",
                        l.feedetl_sn
                    ),
                );
            }
            if l.bilg_dr_codg.trim().is_empty() {
                return fail(
                    codes::DOCTOR_CODE_MISSING,
                    format!(
                        "{label}结算须填写开单医生编码：费用明细 {} 的 bilg_dr_codg 为空",
                        l.feedetl_sn
                    ),
                );
            }
        }
    }
    if matches!(scheme, Scheme::Chronic | Scheme::DualChannel) {
        if d.dise_codg.trim().is_empty() {
            return fail(
                codes::DISEASE_CODE_MISSING,
                format!("{label}（医疗类别 {med_type}）结算须填写病种编码 dise_codg"),
            );
        }
        if !p.registered_diseases.iter().any(|c| c == &d.dise_codg) {
            return fail(
                codes::DISEASE_NOT_REGISTERED,
                format!("参保人未备案病种 {}，不能按{label}结算", d.dise_codg),
            );
        }
    }
    for l in i.drugdetail.iter().filter(|l| !l.rxno.is_empty()) {
        let Some(rx) = st.rxs.get(&l.rxno) else {
            continue; // unknown prescriptions are refused with the line checks
        };
        let special = matches!(rx.med_type.as_str(), "14" | "1402");
        if special && rx.med_type != med_type {
            return fail(
                codes::MED_TYPE_MISMATCH,
                format!(
                    "处方 {} 为医疗类别 {} 的处方，不能按 {med_type} 结算",
                    rx.hi_rxno, rx.med_type
                ),
            );
        }
        if special && !rx.dise_codg.is_empty() && rx.dise_codg != d.dise_codg {
            return fail(
                codes::MED_TYPE_MISMATCH,
                format!(
                    "病种编码 {} 与处方的病种 {} 不符",
                    d.dise_codg, rx.dise_codg
                ),
            );
        }
    }
    Ok(())
}

/// 2101
pub fn pre_settle(st: &mut State, input: &Value, msgid: &str) -> OpResult {
    let i: SettleInput = parse(input)?;
    settle_core(st, &i, false, msgid)
}

/// 2102
pub fn settle(st: &mut State, input: &Value, msgid: &str) -> OpResult {
    let i: SettleInput = parse(input)?;
    let mut out = settle_core(st, &i, true, msgid)?;
    if st.faults.skew_2102_total {
        st.faults.skew_2102_total = false;
        st.stats.fault("skew_2102_total");
        let one = Decimal::ONE;
        let setl_id = out["setlinfo"]["setl_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for k in [
            "medfee_sumamt",
            "psn_part_amt",
            "psn_cash_pay",
            "fulamt_ownpay_amt",
        ] {
            let v: Decimal = out["setlinfo"][k]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_default();
            out["setlinfo"][k] = to_value(&amt(v + one));
        }
        if let Some(s) = st.settlements.get_mut(&setl_id) {
            s.medfee_sumamt += one;
            s.psn_part_amt += one;
            s.psn_cash_pay += one;
            s.output = out.clone();
        }
        tracing::warn!(%setl_id, "fault: 2102 settled 1.00 above its input");
    }
    Ok(out)
}

fn undo_settlement(st: &mut State, setl_id: &str) -> OpResult {
    let Some(s) = st.settlements.get(setl_id).cloned() else {
        return fail(codes::SETTLEMENT_NOT_FOUND, "结算记录不存在");
    };
    if s.reversed {
        return fail(codes::SETTLEMENT_REVERSED, "该结算已撤销");
    }
    if let Some(p) = st.persons.get_mut(&s.psn_no) {
        p.balance += s.acct_pay;
        p.deductible_left += s.act_pay_dedc;
    }
    for r in &s.rxnos {
        if let Some(rx) = st.rxs.get_mut(r) {
            if rx.state == RxState::Settled {
                rx.state = RxState::Audited;
            }
        }
    }
    if let Some(x) = st.settlements.get_mut(setl_id) {
        x.reversed = true;
    }
    let mut info = s.output["setlinfo"].clone();
    for k in [
        "medfee_sumamt",
        "fulamt_ownpay_amt",
        "overlmt_selfpay",
        "preselfpay_amt",
        "inscp_scp_amt",
        "act_pay_dedc",
        "hifp_pay",
        "fund_pay_sumamt",
        "psn_part_amt",
        "acct_pay",
        "psn_cash_pay",
    ] {
        let v: Decimal = info[k]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        info[k] = to_value(&amt(-v));
    }
    let bal = st
        .persons
        .get(&s.psn_no)
        .map(|p| p.balance)
        .unwrap_or_default();
    info["balc"] = to_value(&amt(bal));
    info["setl_time"] = format_wire(st.now()).into();
    Ok(json!({"setlinfo": info, "setldetail": []}))
}

/// 2103
pub fn settle_reverse(st: &mut State, input: &Value) -> OpResult {
    let i: SettleReverseInput = parse(input)?;
    if let Some(s) = st.settlements.get(&i.data.setl_id) {
        if s.psn_no != i.data.psn_no {
            return fail(codes::SETTLEMENT_NOT_FOUND, "结算记录与人员不符");
        }
    }
    undo_settlement(st, &i.data.setl_id)
}

/// 2601: reverse the transaction sent with `omsgid`.
pub fn reversal(st: &mut State, input: &Value) -> OpResult {
    let i: ReversalInput = parse(input)?;
    let Some(orig) = st.responses.get(&i.data.omsgid).cloned() else {
        let answer = fail(codes::ORIGINAL_NOT_FOUND, "原交易不存在（未被中心受理）");
        land_late_2102(st, &i.data.omsgid);
        return answer;
    };
    if orig.op != i.data.oinfno {
        return fail(
            codes::ORIGINAL_NOT_FOUND,
            format!("原交易编号不符: {}", orig.op),
        );
    }
    if !orig.ok {
        // The original was refused: nothing to undo.
        return Ok(json!({}));
    }
    match orig.op.as_str() {
        "2102" => {
            let setl = st
                .settlements
                .values()
                .find(|s| s.msgid == i.data.omsgid)
                .map(|s| s.setl_id.clone());
            match setl {
                Some(id) => match undo_settlement(st, &id) {
                    Ok(_) | Err((codes::SETTLEMENT_REVERSED, _)) => Ok(json!({})),
                    Err(e) => Err(e),
                },
                None => Ok(json!({})),
            }
        }
        "3505" => {
            let doc = st
                .sales
                .values()
                .find(|s| s.msgid == i.data.omsgid)
                .map(|s| s.rtal_docno.clone());
            if let Some(doc) = doc {
                if let Some(sale) = st.sales.remove(&doc) {
                    for c in sale.codes {
                        st.sold_codes.remove(&c);
                    }
                }
                crate::stock::unrecord_sale(st, &doc, None);
            }
            Ok(json!({}))
        }
        other => fail(codes::NOT_REVERSIBLE, format!("交易 {other} 不支持冲正")),
    }
}

/// The `late_2102` fault, part 1: holds this 2102 unapplied (the caller
/// drops the connection). True when held.
pub fn hold_late_2102(st: &mut State, infno: &str, msgid: &str, input: &Value) -> bool {
    if infno != "2102" || !st.faults.late_2102 || st.held_2102.is_some() {
        return false;
    }
    st.faults.late_2102 = false;
    st.held_2102 = Some((msgid.to_string(), input.clone()));
    st.stats.fault("late_2102");
    tracing::warn!(msgid, "fault: 2102 held, lands after a 2601 answered 6001");
    true
}

/// The `late_2102` fault, part 2: the held 2102 with `msgid` lands now (after
/// the 2601 for it was answered "not found"), cached under its msgid like
/// any applied request.
fn land_late_2102(st: &mut State, msgid: &str) {
    if st.held_2102.as_ref().is_none_or(|(m, _)| m != msgid) {
        return;
    }
    let Some((msgid, input)) = st.held_2102.take() else {
        return;
    };
    let result = settle(st, &input, &msgid);
    let ok = result.is_ok();
    let body = match &result {
        Ok(out) => json!({"infcode": 0, "output": out}),
        Err((code, msg)) => json!({"infcode": code, "err_msg": msg}),
    };
    st.stats.count(
        "2102",
        if ok {
            Outcome::Accepted
        } else {
            Outcome::Rejected
        },
    );
    if ok {
        let at = format_wire(st.now());
        st.uploads.push(Upload {
            op: "2102".into(),
            msgid: msgid.clone(),
            at,
            input: input.clone(),
        });
    }
    st.responses.insert(
        msgid.clone(),
        Cached {
            op: "2102".into(),
            body: serde_json::to_vec(&body).unwrap_or_default(),
            input,
            ok,
        },
    );
    tracing::warn!(%msgid, ok, "fault: the held 2102 landed late");
}

// ------------------------------------------------------------------ 5203

/// 5203 结算信息查询: by `setl_id`, or by `medins_setl_id` (= the 2102
/// msgid, RxDesk's); the person must match. Not found → 4001.
pub fn settlement_query(st: &mut State, input: &Value) -> OpResult {
    let i: SettlementQueryInput = parse(input)?;
    let d = &i.data;
    if d.setl_id.is_empty() && d.medins_setl_id.is_empty() {
        return fail(codes::BAD_REQUEST, "须提供 setl_id 或 medins_setl_id");
    }
    let found = st.settlements.values().find(|s| {
        (!d.setl_id.is_empty() && s.setl_id == d.setl_id)
            || (!d.medins_setl_id.is_empty() && s.msgid == d.medins_setl_id)
    });
    match found {
        None => fail(codes::SETTLEMENT_NOT_FOUND, "结算记录不存在"),
        Some(s) if s.psn_no != d.psn_no => fail(codes::SETTLEMENT_NOT_FOUND, "结算记录与人员不符"),
        Some(s) => Ok(json!({
            "setlinfo": s.output["setlinfo"],
            "setldetail": s.output["setldetail"],
            "refd_setl_flag": if s.reversed { "1" } else { "0" },
        })),
    }
}

// ------------------------------------------------------------------ 3505/3506

fn check_codes(codes_in: &[DrugTrace]) -> Result<Vec<String>, Fail> {
    let mut out = Vec::new();
    for t in codes_in {
        let c = t.drug_trac_codg.trim();
        if c.len() != 20 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return fail(
                codes::TRACE_CODE_FORMAT,
                format!("追溯码格式错误（应为20位数字）: {c}"),
            );
        }
        if out.iter().any(|x: &String| x == c) {
            return fail(codes::TRACE_CODE_SOLD, format!("同一追溯码重复上传: {c}"));
        }
        out.push(c.to_string());
    }
    Ok(out)
}

/// 3505
pub fn sale(st: &mut State, input: &Value, msgid: &str) -> OpResult {
    let i: SaleInput = parse(input)?;
    let s = &i.selinfo;
    if s.rtal_docno.is_empty() {
        return fail(codes::BAD_REQUEST, "零售单据号不能为空");
    }
    if !st.drugs.contains_key(&s.med_list_codg) {
        return fail(
            codes::DRUG_UNKNOWN,
            format!("医保目录中无此药品 {}", s.med_list_codg),
        );
    }
    if s.mdtrt_setl_type == "1" || !s.setl_id.is_empty() {
        match st.settlements.get(&s.setl_id) {
            None => return fail(codes::SETTLEMENT_NOT_FOUND, "结算ID不存在"),
            Some(x) if x.reversed => return fail(codes::SETTLEMENT_REVERSED, "结算已撤销"),
            _ => {}
        }
    }
    let cs = check_codes(&s.drugtracinfo)?;
    let key = format!("{}#{}", s.rtal_docno, s.fixmedins_bchno);
    let split = s.trdn_flag == "1";
    // A split sale (拆零) takes part of an opened box: its code travels with
    // every split sale of that box, so only a whole-box sale claims it.
    if !split {
        for c in &cs {
            if let Some(doc) = st.sold_codes.get(c).cloned() {
                if st.faults.duplicate_trace_code == crate::stock::DuplicateTrace::Reject {
                    return fail(
                        codes::TRACE_CODE_SOLD,
                        format!("追溯码 {c} 已于单据 {doc} 销售"),
                    );
                }
                // Overwrite: the earlier sale loses the code.
                if let Some(old) = st.sales.get_mut(&doc) {
                    old.codes.retain(|x| x != c);
                }
                crate::stock::unrecord_sale(st, &doc, Some(std::slice::from_ref(c)));
            }
        }
        for c in &cs {
            st.sold_codes.insert(c.clone(), key.clone());
        }
    }
    crate::stock::record_sale(st, &key, s, &cs, msgid);
    st.sales.insert(
        key.clone(),
        Sale {
            rtal_docno: key,
            codes: if split { Vec::new() } else { cs },
            setl_id: s.setl_id.clone(),
            msgid: msgid.into(),
        },
    );
    Ok(json!({"result": {"retRslt": "1", "msgRslt": "受理成功"}}))
}

/// 3506
pub fn sale_return(st: &mut State, input: &Value) -> OpResult {
    let i: SaleReturnInput = parse(input)?;
    let s = &i.selinfo;
    let cs = check_codes(&s.drugtracinfo)?;
    let key = format!("{}#{}", s.medins_prod_sel_no, s.fixmedins_bchno);
    let split = s.trdn_flag == "1";
    for c in &cs {
        let sold_here = if split {
            crate::stock::split_sold_in(st, &key, c)
        } else {
            st.sold_codes.get(c) == Some(&key)
        };
        if !sold_here {
            return fail(
                codes::TRACE_CODE_NOT_SOLD,
                format!("追溯码 {c} 未在单据 {} 中销售", s.medins_prod_sel_no),
            );
        }
    }
    if !split {
        for c in &cs {
            st.sold_codes.remove(c);
        }
    }
    if let Some(sale) = st.sales.get_mut(&key) {
        sale.codes.retain(|c| !cs.contains(c));
    }
    crate::stock::unrecord_sale(st, &key, Some(&cs));
    Ok(json!({"result": {"retRslt": "1", "msgRslt": "退货受理成功"}}))
}

// ------------------------------------------------------------------ 7206/7207/7208

/// 7206 / rxSetlUpld
pub fn write_off(st: &mut State, w: &WriteOffInput) -> OpResult {
    let d = &w.data;
    let rx = st
        .rxs
        .get(&d.hi_rxno)
        .cloned()
        .ok_or((codes::RX_NOT_FOUND, "处方不存在".to_string()))?;
    if !rx.downloaded_keys.contains(&d.download_ide_code) {
        return fail(codes::TOKEN_INVALID, "下载识别码与处方不符");
    }
    let insured = d.pay_mode.code() != "1";
    if insured {
        if rx.state != RxState::Settled {
            return fail(codes::RX_BAD_STATE, "处方未结算，不能核销");
        }
        let Some(s) = st.settlements.get(&d.setl_id) else {
            return fail(codes::SETTLEMENT_NOT_FOUND, "结算ID不存在");
        };
        if s.reversed || rx.setl_id.as_deref() != Some(d.setl_id.as_str()) {
            return fail(codes::RX_BAD_STATE, "结算ID与处方不符或已撤销");
        }
        for (name, got, want) in [
            (
                "fund_pay_sumamt",
                d.fund_pay_sumamt.value(),
                s.fund_pay_sumamt,
            ),
            ("psn_part_amt", d.psn_part_amt.value(), s.psn_part_amt),
            ("acct_pay", d.acct_pay.value(), s.acct_pay),
            ("psn_cash_pay", d.psn_cash_pay.value(), s.psn_cash_pay),
        ] {
            if got != want {
                return fail(
                    codes::AMOUNT_MISMATCH,
                    format!("{name} {got} 与结算 {want} 不符"),
                );
            }
        }
    } else if rx.state != RxState::Audited {
        return fail(codes::RX_BAD_STATE, "处方未审核通过，不能核销");
    }
    let now = st.now();
    // The dispensing happened at the sale (`sel_retn_time`), not when its
    // write-off arrives (an outbox may deliver it days later): the reuse
    // interval counts from the sale. Never later than now.
    let sold_at = rxdesk_core::time::parse_wire(&d.sel_retn_time)
        .filter(|t| *t <= now)
        .unwrap_or(now);
    if let Some(r) = st.rxs.get_mut(&d.hi_rxno) {
        r.state = RxState::Used;
        r.download.rx_stas_codg = rxdesk_core::codes::RxStatus::Used;
        r.last_used = Some(sold_at);
        if r.rept_flag {
            r.reptd_cnt += 1;
        }
    }
    Ok(json!({}))
}

/// 7207 / rxSelUpld
pub fn sales_upload(st: &mut State, s: &SalesUploadInput) -> OpResult {
    let rx = st
        .rxs
        .get(&s.data.hi_rxno)
        .ok_or((codes::RX_NOT_FOUND, "处方不存在".to_string()))?;
    if !matches!(rx.state, RxState::Used | RxState::Settled) {
        return fail(codes::RX_BAD_STATE, "处方未结算/核销，不能上传销售出库明细");
    }
    if s.selinfo.is_empty() {
        return fail(codes::BAD_REQUEST, "销售明细不能为空");
    }
    let sn = token(st, "SU", 30);
    st.sales_uploads
        .insert(sn.clone(), (s.data.hi_rxno.clone(), false));
    Ok(to_value(&SalesUploadOutput { sel_upld_sn: sn }))
}

/// 7208 / rxSelUndo: revokes the sales upload and the write-off. Without a
/// `sel_upld_sn` (RxDesk's: a whole refund of a sale reported by 7206), it
/// undoes the 7206 write-off of `hi_rxno`: the prescription becomes valid
/// again within its validity (reuse count given back).
pub fn sales_undo(st: &mut State, u: &SalesUndoData) -> OpResult {
    if u.sel_upld_sn.is_empty() {
        let rx = st
            .rxs
            .get_mut(&u.hi_rxno)
            .ok_or((codes::RX_NOT_FOUND, "处方不存在".to_string()))?;
        if !u.setl_id.is_empty() && rx.setl_id.as_deref() != Some(u.setl_id.as_str()) {
            return fail(codes::RX_BAD_STATE, "结算ID与处方不符");
        }
        if !matches!(rx.state, RxState::Used | RxState::Settled) {
            return fail(codes::RX_BAD_STATE, "处方未核销，无需撤销");
        }
        if rx.state == RxState::Used && rx.rept_flag && rx.reptd_cnt > 0 {
            rx.reptd_cnt -= 1;
        }
        rx.state = RxState::Reversed;
        rx.download.rx_stas_codg = rxdesk_core::codes::RxStatus::Valid;
        return Ok(json!({}));
    }
    let Some((hi_rxno, undone)) = st.sales_uploads.get(&u.sel_upld_sn).cloned() else {
        return fail(codes::RX_NOT_FOUND, "销售上传流水号不存在");
    };
    if hi_rxno != u.hi_rxno {
        return fail(codes::RX_BAD_STATE, "流水号与处方不符");
    }
    if undone {
        return fail(codes::RX_BAD_STATE, "该销售出库明细已撤销");
    }
    st.sales_uploads
        .insert(u.sel_upld_sn.clone(), (hi_rxno.clone(), true));
    if let Some(r) = st.rxs.get_mut(&hi_rxno) {
        if matches!(r.state, RxState::Used | RxState::Settled) {
            if r.state == RxState::Used && r.rept_flag && r.reptd_cnt > 0 {
                r.reptd_cnt -= 1;
            }
            r.state = RxState::Reversed;
            r.download.rx_stas_codg = rxdesk_core::codes::RxStatus::Valid;
        }
    }
    Ok(json!({}))
}

// ------------------------------------------------------------------ 3201/3202/9101/9102

fn in_period(s: &Settlement, begin: &str, end: &str) -> bool {
    let day = s
        .setl_time
        .with_timezone(&rxdesk_core::time::cst())
        .format("%Y-%m-%d")
        .to_string();
    day.as_str() >= begin && day.as_str() <= end
}

/// 3201
pub fn reconcile_total(st: &mut State, input: &Value) -> OpResult {
    let i: ReconcileTotalInput = parse(input)?;
    let d = &i.data;
    let (mut med, mut fund, mut acct, mut cnt) =
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, 0u64);
    for s in st.settlements.values().filter(|s| {
        !s.reversed
            && s.insutype == d.insutype.code()
            && in_period(s, &d.stmt_begndate, &d.stmt_enddate)
    }) {
        med += s.medfee_sumamt;
        fund += s.fund_pay_sumamt;
        acct += s.acct_pay;
        cnt += 1;
    }
    let ok = med == d.medfee_sumamt.value()
        && fund == d.fund_pay_sumamt.value()
        && acct == d.acct_pay.value()
        && cnt == d.fixmedins_setl_cnt;
    Ok(
        json!({"stmtinfo": {"setl_optins": d.setl_optins, "stmt_rslt": if ok {"0"} else {"1"},
        "stmt_rslt_dscr": if ok { "对账平".to_string() } else {
            format!("对账不平：中心 医疗费{} 基金{} 个账{} 笔数{}", amt(med), amt(fund), amt(acct), cnt) }}}),
    )
}

/// 9101
pub fn file_upload(st: &mut State, input: &Value) -> OpResult {
    use base64::Engine as _;
    let i: FileUploadInput = parse(input)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&i.fs_upload_in.content)
        .map_err(|_| (codes::BAD_REQUEST, "文件内容不是 Base64".to_string()))?;
    let no = token(st, "FQ", 30);
    st.files
        .insert(no.clone(), (i.fs_upload_in.filename.clone(), bytes));
    Ok(
        json!({"fileinfo": {"file_qury_no": no, "filename": i.fs_upload_in.filename,
        "dld_endtime": format_wire(st.now() + Duration::days(1))}}),
    )
}

/// 9102 (RxDesk: JSON output `{file, filename}` with the file Base64).
pub fn file_download(st: &mut State, input: &Value) -> OpResult {
    use base64::Engine as _;
    let i: FileDownloadInput = parse(input)?;
    let Some((name, bytes)) = st.files.get(&i.fs_download_in.file_qury_no) else {
        return fail(codes::BAD_REQUEST, "文件查询号不存在");
    };
    Ok(json!({"filename": name, "file": base64::engine::general_purpose::STANDARD.encode(bytes)}))
}

/// 3202: detail rows `setl_id,mdtrt_id,psn_no,medfee_sumamt,fund_pay_sumamt,acct_pay,refd_setl_flag`.
pub fn reconcile_detail(st: &mut State, input: &Value) -> OpResult {
    let i: ReconcileDetailInput = parse(input)?;
    let d = &i.data;
    let Some((_, bytes)) = st.files.get(&d.file_qury_no).cloned() else {
        return fail(codes::BAD_REQUEST, "文件查询号不存在（请先 9101 上传明细）");
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut result = String::from("psn_no,mdtrt_id,setl_id,msgid,stmt_rslt,refd_setl_flag,memo\n");
    let mut seen = std::collections::HashSet::new();
    for row in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("setl_id"))
    {
        let f: Vec<&str> = row.split(',').map(str::trim).collect();
        let setl_id = f.first().copied().unwrap_or_default();
        seen.insert(setl_id.to_string());
        let (rslt, memo, msgid, mdtrt, psn) = match st.settlements.get(setl_id) {
            None => (
                "1",
                "中心无此结算".to_string(),
                String::new(),
                String::new(),
                String::new(),
            ),
            Some(s) => {
                let med: Decimal = f.get(3).and_then(|x| x.parse().ok()).unwrap_or_default();
                let fund: Decimal = f.get(4).and_then(|x| x.parse().ok()).unwrap_or_default();
                let refd = f.get(6).copied().unwrap_or("0") == "1";
                let ok = med == s.medfee_sumamt && fund == s.fund_pay_sumamt && refd == s.reversed;
                (
                    if ok { "0" } else { "1" },
                    if ok {
                        String::new()
                    } else {
                        "金额或退费标志不符".into()
                    },
                    s.msgid.clone(),
                    s.mdtrt_id.clone(),
                    s.psn_no.clone(),
                )
            }
        };
        result.push_str(&format!(
            "{psn},{mdtrt},{setl_id},{msgid},{rslt},{},{memo}\n",
            f.get(6).copied().unwrap_or("0")
        ));
    }
    for s in st
        .settlements
        .values()
        .filter(|s| in_period(s, &d.stmt_begndate, &d.stmt_enddate) && !seen.contains(&s.setl_id))
    {
        result.push_str(&format!(
            "{},{},{},{},1,{},机构无此结算\n",
            s.psn_no,
            s.mdtrt_id,
            s.setl_id,
            s.msgid,
            if s.reversed { "1" } else { "0" }
        ));
    }
    let no = token(st, "FR", 30);
    let name = format!("stmt_result_{}.csv", d.stmt_enddate);
    st.files
        .insert(no.clone(), (name.clone(), result.into_bytes()));
    Ok(
        json!({"fileinfo": {"file_qury_no": no, "filename": name, "dld_endtime": format_wire(st.now() + Duration::days(1))}}),
    )
}
