//! Shared helpers for the contract tests: an in-process emulator on port 0
//! and the real client against it.
#![allow(dead_code)]

use rxdesk_center::messages::*;
use rxdesk_center::{CenterClient, CenterProfile, Ctx, Family, MsgIdGenerator, Operator};
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use serde_json::Value;
use std::sync::Arc;

pub async fn start() -> SimHandle {
    serve(SimConfig::default()).await.expect("emulator starts")
}

pub fn client_with(base: &str, family: Family, f: impl FnOnce(&mut CenterProfile)) -> CenterClient {
    let mut p = CenterProfile::demo(base, family).unwrap();
    p.request_timeout = std::time::Duration::from_secs(5);
    f(&mut p);
    CenterClient::new(p, generator()).unwrap()
}

/// One msgid generator per test process, as in production (one per pharmacy
/// process): two generators would issue the same ids in the same second.
pub fn generator() -> Arc<MsgIdGenerator> {
    static GEN: std::sync::OnceLock<Arc<MsgIdGenerator>> = std::sync::OnceLock::new();
    GEN.get_or_init(|| Arc::new(MsgIdGenerator::new("P11010100001").unwrap()))
        .clone()
}

pub fn client(base: &str, family: Family) -> CenterClient {
    client_with(base, family, |_| {})
}

pub fn ctx() -> Ctx {
    Ctx::new(Operator::clerk("OP001", "收银员甲"), "110101")
}

pub async fn get(base: &str, path: &str) -> Value {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

pub async fn get_bytes(base: &str, path: &str) -> Vec<u8> {
    reqwest::get(format!("{base}{path}"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

pub async fn post(base: &str, path: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (
        s,
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null),
    )
}

pub async fn set_faults(base: &str, f: Value) {
    let (s, _) = post(base, "/admin/faults", &f).await;
    assert_eq!(s, 200);
}

pub async fn clear_faults(base: &str) {
    reqwest::Client::new()
        .delete(format!("{base}/admin/faults"))
        .send()
        .await
        .unwrap();
}

/// The demo prescription with this label: (hi_rxno, epc_qrcd).
pub async fn rx(base: &str, label: &str) -> (String, String) {
    let list = get(base, "/admin/prescriptions").await;
    let r = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == label)
        .unwrap_or_else(|| panic!("no {label}"));
    (
        r["hi_rxno"].as_str().unwrap().into(),
        r["epc_qrcd"].as_str().unwrap().into(),
    )
}

/// A demo person's field by psn_no.
pub async fn person(base: &str, psn_no: &str, field: &str) -> String {
    let list = get(base, "/admin/persons").await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|p| p["psn_no"] == psn_no)
        .unwrap()[field]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn qr(epc_qrcd: &str) -> QrDecodeData {
    QrDecodeData {
        app_chnl_id: "RXDESK".into(),
        app_chnl_user_id: "counter-1".into(),
        auth_code: String::new(),
        dev_info: "RxDesk test".into(),
        epc_qrcd: epc_qrcd.into(),
        ip_info: "127.0.0.1".into(),
        opter: "OP001".into(),
        opter_name: "收银员甲".into(),
        optins: "P11010100001".into(),
    }
}

pub fn by_op(stats: &Value, op: &str) -> (u64, u64, u64) {
    let o = &stats["by_op"][op];
    (
        o["accepted"].as_u64().unwrap_or(0),
        o["duplicate"].as_u64().unwrap_or(0),
        o["rejected"].as_u64().unwrap_or(0),
    )
}

pub fn trace_code(n: u64) -> String {
    format!("{:020}", 81_000_000_000_000_000_000u128 + u128::from(n))
}

use rust_decimal::Decimal;
use rxdesk_core::{Amount, Price};

/// 2101/2102 input for every line of a download.
pub fn settle_input(
    dl: &rxdesk_gm::DownloadedPrescription,
    psn_no: &str,
    ec_token: &str,
    insutype: &str,
) -> SettleInput {
    let mut total = Amount::ZERO;
    let mut lines = Vec::new();
    for (i, l) in dl.rx_drug_detail.iter().enumerate() {
        let pric: Price = l.drug_pric.unwrap();
        let sum = pric.times(l.drug_cnt).unwrap();
        total = total.checked_add(sum).unwrap();
        lines.push(DrugDetail {
            feedetl_sn: format!("F{i:04}"),
            rxno: dl.hi_rxno.clone(),
            rx_circ_flag: "1".into(),
            fee_ocur_time: "2026-11-24 10:00:00".into(),
            med_list_codg: l.med_list_codg.clone(),
            medins_list_codg: format!("SKU-{i}"),
            det_item_fee_sumamt: sum,
            cnt: l.drug_cnt,
            pric,
            sin_dos_dscr: String::new(),
            used_frqu_dscr: String::new(),
            prd_days: Decimal::ZERO,
            medc_way_dscr: String::new(),
            bilg_dr_codg: dl.dr_code.clone(),
            bilg_dr_name: dl.prsc_dr_name.clone(),
            tcmdrug_used_way: String::new(),
            minpacunt_drug_trac_cnt: None,
        });
    }
    SettleInput {
        data: SettleData {
            psn_no: psn_no.into(),
            mdtrt_cert_type: rxdesk_core::codes::CertType::EVoucher,
            mdtrt_cert_no: ec_token.into(),
            begntime: "2026-11-24 10:00:00".into(),
            medfee_sumamt: total,
            invono: String::new(),
            insutype: Insutype::from_code(insutype),
            dise_codg: dl.dise_codg.clone(),
            dise_name: dl.dise_name.clone(),
            acct_used_flag: "1".into(),
            // The prescription's own 医疗类别 (门诊统筹 for an ordinary one).
            med_type: if dl.med_type.is_empty() {
                MedType::Outpatient
            } else {
                MedType::from_code(&dl.med_type)
            },
            exp_content: String::new(),
        },
        drugdetail: lines,
    }
}

pub fn sale_info(
    l: &rxdesk_gm::DownloadedDrugLine,
    setl_id: &str,
    docno: &str,
    codes: &[String],
) -> SaleInfo {
    SaleInfo {
        med_list_codg: l.med_list_codg.clone(),
        fixmedins_hilist_id: "SKU-0".into(),
        fixmedins_hilist_name: l.drug_genname.clone(),
        fixmedins_bchno: "B0001".into(),
        prsc_dr_cert_type: String::new(),
        prsc_dr_certno: String::new(),
        prsc_dr_name: "王医生".into(),
        phar_cert_type: "01".into(),
        phar_certno: String::new(),
        phar_name: "赵药师".into(),
        phar_prac_cert_no: "ZY0001".into(),
        hi_feesetl_type: "1".into(),
        setl_id: setl_id.into(),
        mdtrt_sn: docno.into(),
        psn_no: String::new(),
        psn_cert_type: "01".into(),
        certno: String::new(),
        psn_name: String::new(),
        manu_lotnum: "L2026".into(),
        manu_date: "2026-01-01".into(),
        expy_end: "2028-01-01".into(),
        rx_flag: "1".into(),
        trdn_flag: "0".into(),
        finl_trns_pric: l.drug_pric.unwrap(),
        rxno: String::new(),
        rx_circ_flag: "1".into(),
        rtal_docno: docno.into(),
        stoout_no: String::new(),
        bchno: String::new(),
        drug_prod_barc: String::new(),
        shelf_posi: String::new(),
        sel_retn_cnt: l.drug_cnt,
        sel_retn_time: "2026-11-24 10:05:00".into(),
        sel_retn_opter_name: "收银员甲".into(),
        memo: String::new(),
        mdtrt_setl_type: "1".into(),
        drugtracinfo: codes
            .iter()
            .map(|c| DrugTrace {
                drug_trac_codg: c.clone(),
            })
            .collect(),
    }
}

pub fn return_info(s: &SaleInfo) -> SaleReturnInfo {
    SaleReturnInfo {
        med_list_codg: s.med_list_codg.clone(),
        fixmedins_hilist_id: s.fixmedins_hilist_id.clone(),
        fixmedins_hilist_name: s.fixmedins_hilist_name.clone(),
        fixmedins_bchno: s.fixmedins_bchno.clone(),
        setl_id: s.setl_id.clone(),
        psn_no: String::new(),
        psn_cert_type: "01".into(),
        certno: String::new(),
        psn_name: String::new(),
        manu_lotnum: s.manu_lotnum.clone(),
        manu_date: s.manu_date.clone(),
        expy_end: s.expy_end.clone(),
        rx_flag: "1".into(),
        trdn_flag: "0".into(),
        finl_trns_pric: s.finl_trns_pric,
        sel_retn_cnt: s.sel_retn_cnt,
        sel_retn_time: "2026-11-24 11:00:00".into(),
        sel_retn_opter_name: "收银员甲".into(),
        memo: "退货".into(),
        medins_prod_sel_no: s.rtal_docno.clone(),
        mdtrt_sn: s.mdtrt_sn.clone(),
        drugtracinfo: s.drugtracinfo.clone(),
    }
}

pub fn sale_lines(dl: &rxdesk_gm::DownloadedPrescription, codes: &[String]) -> Vec<RxSaleLine> {
    dl.rx_drug_detail
        .iter()
        .map(|l| {
            let pric = l.drug_pric.unwrap();
            RxSaleLine {
                med_list_codg: l.med_list_codg.clone(),
                fixmedins_hilist_id: "SKU-0".into(),
                fixmedins_hilist_name: l.drug_genname.clone(),
                drug_genname: l.drug_genname.clone(),
                drug_prodname: l.drug_genname.clone(),
                drug_dosform: l.drug_dosform.clone(),
                drug_spec: l.drug_spec.clone(),
                manu_lotnum: "L2026".into(),
                prdr_name: "演示制药有限公司".into(),
                manu_date: "2026-01-01".into(),
                expy_end: "2028-01-01".into(),
                rx_flag: "1".into(),
                trdn_flag: "0".into(),
                finl_trns_pric: pric,
                bchno: "B-0".into(),
                drug_trac_codg: String::new(),
                sel_retn_cnt: l.drug_cnt,
                drug_cnt_unit: l.drug_cnt_unit.clone(),
                sumamt: pric.times(l.drug_cnt).unwrap(),
                drugtracinfo: codes
                    .iter()
                    .map(|c| DrugTrace {
                        drug_trac_codg: c.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

pub fn write_off(
    dl: &rxdesk_gm::DownloadedPrescription,
    key: &str,
    setl: &SetlInfo,
    codes: &[String],
) -> WriteOffInput {
    WriteOffInput {
        data: WriteOffData {
            hi_rxno: dl.hi_rxno.clone(),
            phar_cert_type: "01".into(),
            phar_certno: String::new(),
            phar_name: "赵药师".into(),
            phar_prac_cert_no: "ZY0001".into(),
            dspeer_name: "钱配药".into(),
            pro_name: "孙发药".into(),
            hi_feesetl_type: "1".into(),
            setl_id: setl.setl_id.clone(),
            sel_retn_time: "2026-11-24 10:06:00".into(),
            memo: String::new(),
            download_ide_code: key.into(),
            pay_mode: PayMode::Mixed,
            fund_pay_sumamt: setl.fund_pay_sumamt,
            psn_part_amt: setl.psn_part_amt,
            acct_pay: setl.acct_pay,
            psn_cash_pay: setl.psn_cash_pay,
            setl_time: setl.setl_time.clone(),
            fixmedins_name: "演示大药房".into(),
        },
        selinfo: sale_lines(dl, codes),
    }
}

pub fn audit(hi_rxno: &str) -> RxAuditData {
    RxAuditData {
        hi_rxno: hi_rxno.into(),
        phar_cert_type: "01".into(),
        phar_certno: "110101199001011234".into(),
        phar_name: "赵药师".into(),
        phar_prac_cert_no: "ZY0001".into(),
        phar_sign_info: String::new(),
        rchk_phar_cert_type: String::new(),
        rchk_phar_certno: String::new(),
        rchk_phar_name: String::new(),
        rx_chk_opnn: "处方合理，同意调配".into(),
        rx_chk_stas_codg: rxdesk_core::codes::AuditResult::Approved,
        rx_chk_time: "2026-11-24 10:01:00".into(),
        rx_chk_file: String::new(),
        epc_token: String::new(),
        ec_token: String::new(),
        phar_code: String::new(),
        rx_sign_verify_sn: String::new(),
        fixmedins_code: String::new(),
        fixmedins_name: String::new(),
    }
}

/// Verify a download the way the counter does (gm's verifier, demo CA, CRL from the emulator).
pub async fn verify(base: &str, dl: &rxdesk_gm::DownloadedPrescription) -> Result<(), String> {
    let ca = rxdesk_gm::cert::Certificate::from_pem(
        &String::from_utf8(get_bytes(base, "/admin/ca.pem").await).unwrap(),
    )
    .unwrap();
    let mut trust = rxdesk_gm::trust::TrustStore::new();
    trust.add_root(ca).unwrap();
    let crls = rxdesk_gm::trust::CrlStore::new();
    crls.add(rxdesk_gm::crl::Crl::from_der(&get_bytes(base, "/crl/demo-ca.crl").await).unwrap());
    let v = rxdesk_gm::verify::Verifier::new(&trust, &crls);
    v.verify_prescription(dl, chrono::Utc::now())
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}
