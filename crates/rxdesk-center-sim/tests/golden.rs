//! Golden JSON fixtures for every message, both families. Inputs are pinned
//! byte-for-byte (as JSON values); outputs (which carry ids and times) are
//! pinned by their set of key paths, captured from the emulator. Fixtures live
//! in `crates/rxdesk-center/tests/fixtures/`; the client crate's own test
//! checks that each input fixture round-trips through its Rust type.
//! Regenerate after an intended wire change with `UPDATE_GOLDEN=1`.

mod common;

use common::*;
use rxdesk_center::canonical::{rename_keys, snake_to_camel};
use rxdesk_center::messages::*;
use rxdesk_center::{DownloadKey, Family, PrescriptionCenter};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rxdesk-center/tests/fixtures")
}

fn check(name: &str, v: &Value) -> Result<(), String> {
    let p = dir().join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(v).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &text).unwrap();
        return Ok(());
    }
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(&p).map_err(|e| format!("{name}: {e}"))?)
            .unwrap();
    if &want != v {
        return Err(format!("{name} differs from its golden fixture:\n{text}"));
    }
    Ok(())
}

fn paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(p.clone());
                paths(x, &p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                paths(x, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn shape(v: &Value) -> Value {
    let mut s = BTreeSet::new();
    paths(v, "", &mut s);
    Value::Array(s.into_iter().map(Value::String).collect())
}

fn camel(v: Value) -> Value {
    rename_keys(v, &|k: &str| snake_to_camel(k))
}

fn sample_download() -> rxdesk_gm::DownloadedPrescription {
    serde_json::from_value(json!({
        "rxTraceCode": "RT000000000000000001", "hiRxno": "11010000000000100001", "mdtrtId": "MD1", "patnName": "张三",
        "psnCertType": "01", "certno": "11010119800101002X", "fixmedinsName": "北京市演示第一医院", "fixmedinsCode": "H11010100001",
        "drCode": "D1", "prscDrName": "王医生", "pharDeptName": "药剂科", "pharDeptCode": "YJK01", "pharCode": "Y1", "pharName": "李药师",
        "pharChkTime": "2026-11-24 09:05:00", "prscTime": "2026-11-24 09:00:00", "validEndTime": "2026-12-01 09:00:00", "rxStasCodg": "1",
        "rxDrugDetail": [{"medListCodg": "XJ01CAA040A001010100001", "drugGenname": "阿莫西林胶囊", "drugSpec": "0.25g*24粒",
            "drugCnt": 2, "drugCntUnit": "盒", "drugPric": "12.500000"}],
        "rxFile": "JVBERi0=", "signDigest": "MAA=", "signCertSn": "1001", "signCertDn": "CN=x"
    }))
    .unwrap()
}

#[tokio::test]
async fn every_message_matches_its_golden_fixture() {
    let mut errors = Vec::new();
    let dl = sample_download();
    let si = settle_input(&dl, "PSN1101000001", "EC-TOKEN", "310");
    let setl = SetlInfo {
        setl_id: "S1".into(),
        fund_pay_sumamt: "10.00".parse().unwrap(),
        psn_part_amt: "15.00".parse().unwrap(),
        acct_pay: "15.00".parse().unwrap(),
        // Amount::ZERO/Default print "0" (rxdesk-core); the wire wants "0.00".
        psn_cash_pay: "0.00".parse().unwrap(),
        setl_time: "2026-11-24 10:05:00".into(),
        ..Default::default()
    };
    let codes = vec![trace_code(1)];
    let sale = sale_info(&dl.rx_drug_detail[0], "S1", "R0001", &codes);
    let q = RxQueryData {
        mdtrt_cert_type: rxdesk_core::codes::CertType::SocialSecurityCard,
        mdtrt_cert_no: "A10000001".into(),
        card_sn: "SNA10000001".into(),
        insuplc_admdvs: "110101".into(),
        ip_info: "127.0.0.1".into(),
        opter: "OP001".into(),
        opter_name: "收银员甲".into(),
        optins: "P11010100001".into(),
    };
    let delivery = DeliveryData {
        hi_rxno: dl.hi_rxno.clone(),
        delv_no: "DL1".into(),
        delv_addr: "北京市东城区演示路1号".into(),
        delv_entp_name: "演示配送".into(),
        delver_name: "周配送".into(),
        delver_tel: "13800000000".into(),
        delv_stas_codg: rxdesk_core::codes::DeliveryStatus::SignedFor,
        delv_stas_name: "已签收".into(),
        delv_stas_dscr: String::new(),
        delv_stas_time: "2026-11-24 12:00:00".into(),
    };
    let su = SalesUploadInput {
        data: SalesUploadData {
            hi_rxno: dl.hi_rxno.clone(),
            setl_id: "S1".into(),
            rtal_docno: "R0001".into(),
            sel_time: "2026-11-24 10:06:00".into(),
            opter_name: "收银员甲".into(),
        },
        selinfo: sale_lines(&dl, &codes),
    };
    let undo = SalesUndoData {
        hi_rxno: dl.hi_rxno.clone(),
        sel_upld_sn: "SU1".into(),
        setl_id: String::new(),
        undo_rea: "患者退药".into(),
        undo_time: "2026-11-24 11:00:00".into(),
    };
    let mut b_audit = audit(&dl.hi_rxno);
    b_audit.epc_token = "ET1".into();
    b_audit.ec_token = "EC-PHARMACIST".into();
    b_audit.phar_code = "Y0001".into();
    b_audit.rx_sign_verify_sn = "VS1".into();
    b_audit.fixmedins_code = "P11010100001".into();
    b_audit.fixmedins_name = "仁心大药房（演示）".into();
    let inputs: Vec<(&str, Value)> = vec![
        (
            "a/9001_in",
            serde_json::to_value(SignInInput {
                sign_in: SignIn {
                    opter_no: "OP001".into(),
                    mac: "00-00-00-00-00-00".into(),
                    ip: "127.0.0.1".into(),
                },
            })
            .unwrap(),
        ),
        (
            "a/9002_in",
            serde_json::to_value(SignOutInput {
                sign_out: SignOut {
                    sign_no: "SN1".into(),
                    opter_no: "OP001".into(),
                },
            })
            .unwrap(),
        ),
        (
            "a/1101_in",
            serde_json::to_value(PersonInfoInput {
                data: PersonQuery {
                    mdtrt_cert_type: rxdesk_core::codes::CertType::EVoucher,
                    mdtrt_cert_no: "EC-TOKEN".into(),
                    card_sn: String::new(),
                    begntime: String::new(),
                    psn_cert_type: String::new(),
                    certno: String::new(),
                    psn_name: String::new(),
                },
            })
            .unwrap(),
        ),
        ("a/2101_2102_in", serde_json::to_value(&si).unwrap()),
        (
            "a/2103_in",
            serde_json::to_value(SettleReverseInput {
                data: SettleReverseData {
                    setl_id: "S1".into(),
                    mdtrt_id: "M1".into(),
                    psn_no: "PSN1101000001".into(),
                    exp_content: String::new(),
                },
            })
            .unwrap(),
        ),
        (
            "a/2601_in",
            serde_json::to_value(ReversalInput {
                data: ReversalData {
                    psn_no: "PSN1101000001".into(),
                    omsgid: "P11010100001202611241000000001".into(),
                    oinfno: "2102".into(),
                },
            })
            .unwrap(),
        ),
        (
            "a/3505_in",
            serde_json::to_value(SaleInput {
                selinfo: sale.clone(),
            })
            .unwrap(),
        ),
        (
            "a/3506_in",
            serde_json::to_value(SaleReturnInput {
                selinfo: return_info(&sale),
            })
            .unwrap(),
        ),
        (
            "a/3201_in",
            serde_json::to_value(ReconcileTotalInput {
                data: ReconcileTotalData {
                    insutype: Insutype::Employee,
                    clr_type: "41".into(),
                    setl_optins: "110100".into(),
                    stmt_begndate: "2026-11-01".into(),
                    stmt_enddate: "2026-11-30".into(),
                    medfee_sumamt: "25.00".parse().unwrap(),
                    fund_pay_sumamt: "10.00".parse().unwrap(),
                    acct_pay: "15.00".parse().unwrap(),
                    fixmedins_setl_cnt: 1,
                },
            })
            .unwrap(),
        ),
        (
            "a/3202_in",
            serde_json::to_value(ReconcileDetailInput {
                data: ReconcileDetailData {
                    setl_optins: "110100".into(),
                    file_qury_no: "FQ1".into(),
                    stmt_begndate: "2026-11-01".into(),
                    stmt_enddate: "2026-11-30".into(),
                    medfee_sumamt: "25.00".parse().unwrap(),
                    fund_pay_sumamt: "10.00".parse().unwrap(),
                    cash_payamt: "0.00".parse().unwrap(),
                    fixmedins_setl_cnt: 1,
                },
            })
            .unwrap(),
        ),
        (
            "a/9101_in",
            serde_json::to_value(FileUploadInput {
                fs_upload_in: FileUpload {
                    content: "c2V0bF9pZA==".into(),
                    filename: "stmt.csv".into(),
                    fixmedins_code: "P11010100001".into(),
                },
            })
            .unwrap(),
        ),
        (
            "a/9102_in",
            serde_json::to_value(FileDownloadInput {
                fs_download_in: FileDownload {
                    file_qury_no: "FQ1".into(),
                    filename: "stmt.csv".into(),
                    fixmedins_code: "P11010100001".into(),
                },
            })
            .unwrap(),
        ),
        (
            "a/7201_in",
            serde_json::to_value(QrDecodeInput {
                data: qr("EPC000000000000000007000001"),
            })
            .unwrap(),
        ),
        (
            "a/7202_in",
            serde_json::to_value(RxQueryInput { data: q.clone() }).unwrap(),
        ),
        (
            "a/7203_in",
            serde_json::to_value(RxDownloadInput {
                data: RxDownloadData {
                    epc_token: "ET1".into(),
                    auth_rxno: String::new(),
                    insuplc_admdvs: "110101".into(),
                },
            })
            .unwrap(),
        ),
        (
            "a/7204_in",
            serde_json::to_value(RxAuditInput {
                data: audit(&dl.hi_rxno),
            })
            .unwrap(),
        ),
        (
            "a/7205_in",
            serde_json::to_value(DeliveryInput {
                data: delivery.clone(),
            })
            .unwrap(),
        ),
        (
            "a/7206_in",
            serde_json::to_value(write_off(&dl, "ET1", &setl, &codes)).unwrap(),
        ),
        ("a/7207_in", serde_json::to_value(&su).unwrap()),
        (
            "a/7208_in",
            serde_json::to_value(SalesUndoInput { data: undo.clone() }).unwrap(),
        ),
        (
            "b/rxQrcodeDecode_in",
            camel(serde_json::to_value(qr("EPC000000000000000007000001")).unwrap()),
        ),
        (
            "b/rxAuthQuery_in",
            camel(json!({"data": serde_json::to_value(&q).unwrap()})),
        ),
        (
            "b/rxDownload_in",
            camel(
                serde_json::to_value(RxDownloadData {
                    epc_token: "ET1".into(),
                    auth_rxno: String::new(),
                    insuplc_admdvs: "110101".into(),
                })
                .unwrap(),
            ),
        ),
        (
            "b/rxSignVerify_in",
            camel(
                serde_json::to_value(SignVerifyData {
                    hi_rxno: dl.hi_rxno.clone(),
                    epc_token: "ET1".into(),
                    fixmedins_code: "P11010100001".into(),
                })
                .unwrap(),
            ),
        ),
        (
            "b/rxChkUpld_in",
            camel(serde_json::to_value(&b_audit).unwrap()),
        ),
        (
            "b/rxDelvUpld_in",
            camel(serde_json::to_value(&delivery).unwrap()),
        ),
        (
            "b/rxSetlUpld_in",
            camel(serde_json::to_value(write_off(&dl, "ET1", &setl, &codes)).unwrap()),
        ),
        ("b/rxSelUpld_in", camel(serde_json::to_value(&su).unwrap())),
        (
            "b/rxSelUndo_in",
            camel(serde_json::to_value(&undo).unwrap()),
        ),
        (
            "b/rxDownload_out_example",
            serde_json::to_value(&dl).unwrap(),
        ),
    ];
    for (name, v) in &inputs {
        if let Err(e) = check(name, v) {
            errors.push(e);
        }
    }

    // Outputs: key paths of what the emulator really answers.
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let cx = ctx();
    let psn = "PSN1101000001";
    let ec = person(&base, psn, "ec_token").await;
    let raw = |infno: &'static str, input: Value| {
        let c = &c;
        let cx = &cx;
        async move { c.transact(infno, cx, input).await.unwrap() }
    };
    let mut outs: Vec<(&str, Value)> = Vec::new();
    outs.push((
        "a/9001_out_shape",
        raw(
            "9001",
            serde_json::to_value(SignInInput {
                sign_in: SignIn {
                    opter_no: "OP001".into(),
                    mac: "m".into(),
                    ip: "i".into(),
                },
            })
            .unwrap(),
        )
        .await,
    ));
    outs.push((
        "a/1101_out_shape",
        raw(
            "1101",
            json!({"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": ec}}),
        )
        .await,
    ));
    let (hi, qv) = rx(&base, "valid").await;
    let d = raw(
        "7201",
        serde_json::to_value(QrDecodeInput { data: qr(&qv) }).unwrap(),
    )
    .await;
    let token = d["data"]["epc_token"].as_str().unwrap().to_string();
    outs.push(("a/7201_out_shape", d));
    outs.push(("a/7202_out_shape", raw("7202", json!({"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": ec, "insuplc_admdvs": "110101", "ip_info": "i", "opter": "o", "opter_name": "n", "optins": "p"}})).await));
    let dlv = raw(
        "7203",
        json!({"data": {"epc_token": token, "insuplc_admdvs": "110101"}}),
    )
    .await;
    let real = c
        .download(&cx, &DownloadKey::EpcToken(token.clone()))
        .await
        .unwrap();
    outs.push(("a/7203_out_shape", dlv));
    outs.push((
        "b/rxDownload_out_shape",
        serde_json::to_value(&real).unwrap(),
    ));
    outs.push((
        "a/7204_out_shape",
        raw(
            "7204",
            serde_json::to_value(RxAuditInput { data: audit(&hi) }).unwrap(),
        )
        .await,
    ));
    let si = settle_input(&real, psn, &ec, "310");
    outs.push((
        "a/2101_out_shape",
        raw("2101", serde_json::to_value(&si).unwrap()).await,
    ));
    let st = c.settle(&cx, &si).await.unwrap();
    outs.push(("a/2102_out_shape", serde_json::to_value(&st).unwrap()));
    let sale = sale_info(
        &real.rx_drug_detail[0],
        &st.setlinfo.setl_id,
        "R1",
        &[trace_code(5)],
    );
    outs.push((
        "a/3505_out_shape",
        raw(
            "3505",
            serde_json::to_value(SaleInput { selinfo: sale }).unwrap(),
        )
        .await,
    ));
    outs.push(("a/2103_out_shape", raw("2103", json!({"data": {"setl_id": st.setlinfo.setl_id, "mdtrt_id": st.setlinfo.mdtrt_id, "psn_no": psn}})).await));
    for (name, v) in &outs {
        if let Err(e) = check(name, &shape(v)) {
            errors.push(e);
        }
    }
    sim.shutdown().await;
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
