//! Property tests of the upload messages the outbox stores: any typed upload
//! serialises to JSON that parses back into the same message, through its own
//! type and through `UploadMessage::parse` by its `infno` (the ledger's and
//! the emulator's way in); money and quantities survive as decimal strings,
//! never through a float; and the presence rules hold — a field the ledger
//! leaves empty where the wire has never carried it (`phar_code` of an
//! unregistered pharmacist, the 3505 fields RxDesk does not fill, 7206 lines'
//! `drugtracinfo`) is absent, and present as soon as it has a value.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rxdesk_core::codes::{AuditResult, DeliveryStatus};
use rxdesk_core::{Amount, Price};
use rxdesk_wire::messages::*;
use rxdesk_wire::{Upload, UploadMessage};
use serde_json::Value;

/// Short text with CJK, ASCII, quotes and the empty string.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 _\\-\"\\\\]{1,12}",
        "[\u{4e00}-\u{4e20}]{1,6}",
    ]
}

fn amount() -> impl Strategy<Value = Amount> {
    (0i64..1_000_000_000).prop_map(|c| Amount::new(Decimal::new(c, 2)).unwrap())
}

fn price() -> impl Strategy<Value = Price> {
    (0i64..1_000_000_000_000).prop_map(|p| Price::new(Decimal::new(p, 6)).unwrap())
}

fn quantity() -> impl Strategy<Value = Decimal> {
    (1i64..100_000_000).prop_map(|q| Decimal::new(q, 4).normalize())
}

fn traces() -> impl Strategy<Value = Vec<DrugTrace>> {
    prop::collection::vec(
        "[0-9]{20}".prop_map(|c| DrugTrace { drug_trac_codg: c }),
        0..4,
    )
}

prop_compose! {
    fn sale_info()(
        a in prop::collection::vec(text(), 30),
        finl_trns_pric in price(),
        sel_retn_cnt in quantity(),
        drugtracinfo in traces(),
    ) -> SaleInfo {
        SaleInfo {
            med_list_codg: a[0].clone(), fixmedins_hilist_id: a[1].clone(),
            fixmedins_hilist_name: a[2].clone(), fixmedins_bchno: a[3].clone(),
            prsc_dr_cert_type: a[4].clone(), prsc_dr_certno: a[5].clone(),
            prsc_dr_name: a[6].clone(), phar_cert_type: a[7].clone(), phar_certno: a[8].clone(),
            phar_name: a[9].clone(), phar_prac_cert_no: a[10].clone(),
            hi_feesetl_type: a[11].clone(), setl_id: a[12].clone(), mdtrt_sn: a[13].clone(),
            psn_no: a[14].clone(), psn_cert_type: a[15].clone(), certno: a[16].clone(),
            psn_name: a[17].clone(), manu_lotnum: a[18].clone(), manu_date: a[19].clone(),
            expy_end: a[20].clone(), rx_flag: a[21].clone(), trdn_flag: a[22].clone(),
            finl_trns_pric, rxno: a[23].clone(), rx_circ_flag: a[24].clone(),
            rtal_docno: a[25].clone(), stoout_no: a[26].clone(), bchno: a[27].clone(),
            drug_prod_barc: a[28].clone(), shelf_posi: a[29].clone(), sel_retn_cnt,
            sel_retn_time: a[0].clone(), sel_retn_opter_name: a[1].clone(), memo: a[2].clone(),
            mdtrt_setl_type: a[3].clone(), drugtracinfo,
        }
    }
}

prop_compose! {
    fn sale_return_info()(
        a in prop::collection::vec(text(), 20),
        finl_trns_pric in price(),
        sel_retn_cnt in quantity(),
        drugtracinfo in traces(),
    ) -> SaleReturnInfo {
        SaleReturnInfo {
            med_list_codg: a[0].clone(), fixmedins_hilist_id: a[1].clone(),
            fixmedins_hilist_name: a[2].clone(), fixmedins_bchno: a[3].clone(),
            setl_id: a[4].clone(), psn_no: a[5].clone(), psn_cert_type: a[6].clone(),
            certno: a[7].clone(), psn_name: a[8].clone(), manu_lotnum: a[9].clone(),
            manu_date: a[10].clone(), expy_end: a[11].clone(), rx_flag: a[12].clone(),
            trdn_flag: a[13].clone(), finl_trns_pric, sel_retn_cnt,
            sel_retn_time: a[14].clone(), sel_retn_opter_name: a[15].clone(), memo: a[16].clone(),
            medins_prod_sel_no: a[17].clone(), mdtrt_sn: a[18].clone(), drugtracinfo,
        }
    }
}

prop_compose! {
    fn audit()(a in prop::collection::vec(text(), 19), code in "[1-4]") -> RxAuditData {
        RxAuditData {
            hi_rxno: a[0].clone(), phar_cert_type: a[1].clone(), phar_certno: a[2].clone(),
            phar_name: a[3].clone(), phar_prac_cert_no: a[4].clone(), phar_sign_info: a[5].clone(),
            rchk_phar_cert_type: a[6].clone(), rchk_phar_certno: a[7].clone(),
            rchk_phar_name: a[8].clone(), rx_chk_opnn: a[9].clone(),
            rx_chk_stas_codg: AuditResult::from_code(&code), rx_chk_time: a[10].clone(),
            rx_chk_file: a[11].clone(), epc_token: a[12].clone(), ec_token: a[13].clone(),
            phar_code: a[14].clone(), rx_sign_verify_sn: a[15].clone(),
            fixmedins_code: a[16].clone(), fixmedins_name: a[17].clone(),
        }
    }
}

prop_compose! {
    fn delivery()(a in prop::collection::vec(text(), 9), code in "[1-5]") -> DeliveryData {
        DeliveryData {
            hi_rxno: a[0].clone(), delv_no: a[1].clone(), delv_addr: a[2].clone(),
            delv_entp_name: a[3].clone(), delver_name: a[4].clone(), delver_tel: a[5].clone(),
            delv_stas_codg: DeliveryStatus::from_code(&code), delv_stas_name: a[6].clone(),
            delv_stas_dscr: a[7].clone(), delv_stas_time: a[8].clone(),
        }
    }
}

prop_compose! {
    fn sale_line()(
        a in prop::collection::vec(text(), 16),
        finl_trns_pric in price(),
        sel_retn_cnt in quantity(),
        sumamt in amount(),
        drugtracinfo in traces(),
    ) -> RxSaleLine {
        RxSaleLine {
            med_list_codg: a[0].clone(), fixmedins_hilist_id: a[1].clone(),
            fixmedins_hilist_name: a[2].clone(), drug_genname: a[3].clone(),
            drug_prodname: a[4].clone(), drug_dosform: a[5].clone(), drug_spec: a[6].clone(),
            manu_lotnum: a[7].clone(), prdr_name: a[8].clone(), manu_date: a[9].clone(),
            expy_end: a[10].clone(), rx_flag: a[11].clone(), trdn_flag: a[12].clone(),
            finl_trns_pric, bchno: a[13].clone(), drug_trac_codg: a[14].clone(), sel_retn_cnt,
            drug_cnt_unit: a[15].clone(), sumamt, drugtracinfo,
        }
    }
}

prop_compose! {
    fn write_off()(
        a in prop::collection::vec(text(), 15),
        pay in "[1-3]",
        m in prop::collection::vec(amount(), 4),
        selinfo in prop::collection::vec(sale_line(), 0..3),
    ) -> WriteOffInput {
        WriteOffInput {
            data: WriteOffData {
                hi_rxno: a[0].clone(), phar_cert_type: a[1].clone(), phar_certno: a[2].clone(),
                phar_name: a[3].clone(), phar_prac_cert_no: a[4].clone(),
                dspeer_name: a[5].clone(), pro_name: a[6].clone(), hi_feesetl_type: a[7].clone(),
                setl_id: a[8].clone(), sel_retn_time: a[9].clone(), memo: a[10].clone(),
                download_ide_code: a[11].clone(), pay_mode: PayMode::from_code(&pay),
                fund_pay_sumamt: m[0], psn_part_amt: m[1], acct_pay: m[2], psn_cash_pay: m[3],
                setl_time: a[12].clone(), fixmedins_name: a[13].clone(),
            },
            selinfo,
        }
    }
}

prop_compose! {
    fn sales_undo()(a in prop::collection::vec(text(), 5)) -> SalesUndoData {
        SalesUndoData {
            hi_rxno: a[0].clone(), sel_upld_sn: a[1].clone(), setl_id: a[2].clone(),
            undo_rea: a[3].clone(), undo_time: a[4].clone(),
        }
    }
}

/// `m` → JSON text → `T` is `m` again, and the JSON read by its `infno`
/// is the same message.
fn round_trips<T: Upload + PartialEq + std::fmt::Debug>(
    m: &T,
    wrap: fn(T) -> UploadMessage,
) -> Result<Value, TestCaseError> {
    let text = serde_json::to_string(m).unwrap();
    let back: T = serde_json::from_str(&text).unwrap();
    prop_assert_eq!(&back, m);
    let v: Value = serde_json::from_str(&text).unwrap();
    let parsed = UploadMessage::parse(T::INFNO, &v).unwrap();
    prop_assert_eq!(parsed.infno(), T::INFNO);
    prop_assert_eq!(&parsed, &wrap(back));
    prop_assert_eq!(parsed.to_value().unwrap(), v.clone());
    Ok(v)
}

/// `key` is in `node` exactly when `value` is not empty.
fn present_iff_filled(node: &Value, key: &str, value: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(node.get(key).is_some(), !value.is_empty(), "{}", key);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn sale_3505_round_trips(s in sale_info()) {
        let v = round_trips(&SaleInput { selinfo: s.clone() }, UploadMessage::Sale)?;
        let n = &v["selinfo"];
        // Money and quantities are decimal strings at the wire scale.
        let (pric, cnt) = (s.finl_trns_pric.to_string(), s.sel_retn_cnt.to_string());
        prop_assert_eq!(n["finl_trns_pric"].as_str(), Some(pric.as_str()));
        prop_assert_eq!(n["sel_retn_cnt"].as_str(), Some(cnt.as_str()));
        for (k, val) in [
            ("prsc_dr_cert_type", &s.prsc_dr_cert_type),
            ("prsc_dr_certno", &s.prsc_dr_certno),
            ("drug_prod_barc", &s.drug_prod_barc),
            ("shelf_posi", &s.shelf_posi),
            ("mdtrt_setl_type", &s.mdtrt_setl_type),
        ] {
            present_iff_filled(n, k, val)?;
        }
        // Always sent, even empty.
        for k in ["setl_id", "psn_no", "certno", "psn_name", "rxno", "memo", "drugtracinfo"] {
            prop_assert!(n.get(k).is_some(), "{}", k);
        }
    }

    #[test]
    fn sale_return_3506_round_trips(s in sale_return_info()) {
        let v = round_trips(&SaleReturnInput { selinfo: s }, UploadMessage::SaleReturn)?;
        prop_assert!(v["selinfo"]["drugtracinfo"].is_array());
    }

    #[test]
    fn audit_7204_round_trips(a in audit()) {
        let v = round_trips(&RxAuditInput { data: a.clone() }, UploadMessage::RxAudit)?;
        let n = &v["data"];
        present_iff_filled(n, "phar_code", &a.phar_code)?;
        present_iff_filled(n, "phar_sign_info", &a.phar_sign_info)?;
        present_iff_filled(n, "rx_chk_file", &a.rx_chk_file)?;
        for k in ["rchk_phar_cert_type", "rchk_phar_certno", "rchk_phar_name", "phar_prac_cert_no"] {
            prop_assert!(n.get(k).is_some(), "{}", k);
        }
    }

    #[test]
    fn delivery_7205_round_trips(d in delivery()) {
        let v = round_trips(&DeliveryInput { data: d.clone() }, UploadMessage::Delivery)?;
        present_iff_filled(&v["data"], "delv_addr", &d.delv_addr)?;
        prop_assert!(v["data"].get("delv_no").is_some());
    }

    #[test]
    fn write_off_7206_round_trips(w in write_off()) {
        let v = round_trips(&w, UploadMessage::WriteOff)?;
        for k in ["fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay"] {
            let s = v["data"][k].as_str().unwrap_or_default();
            prop_assert!(s.split_once('.').is_some_and(|(_, c)| c.len() == 2), "{}: {}", k, s);
        }
        for (line, n) in w.selinfo.iter().zip(v["selinfo"].as_array().unwrap()) {
            prop_assert_eq!(n.get("drugtracinfo").is_some(), !line.drugtracinfo.is_empty());
        }
    }

    #[test]
    fn sales_undo_7208_round_trips(u in sales_undo()) {
        let v = round_trips(&SalesUndoInput { data: u }, UploadMessage::SalesUndo)?;
        // RxDesk's setl_id is always sent (empty for a self-paid sale).
        prop_assert!(v["data"].get("setl_id").is_some());
    }
}

#[test]
fn an_unknown_infno_or_a_wrong_shape_is_a_clear_error() {
    let e = UploadMessage::parse("9999", &Value::Null).unwrap_err();
    assert_eq!(e.code(), "WIRE_UNKNOWN_UPLOAD");
    assert!(e.to_string().contains("9999"));
    let e =
        UploadMessage::parse("3505", &serde_json::json!({"selinfo": {"memo": ""}})).unwrap_err();
    assert_eq!(e.code(), "WIRE_MALFORMED_UPLOAD");
    assert!(e.to_string().contains("3505"), "{e}");
    assert!(e.to_string().contains("med_list_codg"), "{e}");
    // Money never through a float: a price with more decimals than its scale is refused.
    let mut v = serde_json::to_value(SaleReturnInput::default()).unwrap();
    v["selinfo"]["finl_trns_pric"] = Value::String("1.0000001".into());
    assert!(UploadMessage::parse("3506", &v).is_err());
}
