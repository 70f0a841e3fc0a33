//! The center session (docs/reference/counter-workflow.md §Center session), in both families, against the
//! in-process emulator: decode → query → download → verify → audit → 2101 →
//! 2102 → 3505 → write-off → sales upload, then a refund (2103 + undo + 3506),
//! with the emulator's stats showing each business step exactly once.

mod common;

use common::*;
use rxdesk_center::messages::*;
use rxdesk_center::{DownloadKey, Family, PrescriptionCenter};
use serde_json::json;

async fn fresh_rx(base: &str, psn: &str) -> (String, String) {
    let (s, v) = post(
        base,
        "/admin/prescriptions",
        &json!({"hospital": "H11010100001", "psn_no": psn, "lines": [["XJ01CAA040A001010100001", 2]], "label": "scenario"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    (
        v["hi_rxno"].as_str().unwrap().into(),
        v["epc_qrcd"].as_str().unwrap().into(),
    )
}

async fn run(family: Family) {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, family);
    let cx = ctx();
    let psn = "PSN1101000001";
    let ec = person(&base, psn, "ec_token").await;
    let (hi_rxno, qr_value) = fresh_rx(&base, psn).await;

    // decode → query → download
    let d = c.decode_qr(&cx, &qr(&qr_value)).await.unwrap();
    assert_eq!(d.name, "张三");
    assert_eq!(d.epc_token.len(), 64);
    let q = RxQueryData {
        mdtrt_cert_type: rxdesk_core::codes::CertType::EVoucher,
        mdtrt_cert_no: ec.clone(),
        card_sn: String::new(),
        insuplc_admdvs: "110101".into(),
        ip_info: "127.0.0.1".into(),
        opter: "OP001".into(),
        opter_name: "收银员甲".into(),
        optins: "P11010100001".into(),
    };
    let listed = c.query_authorised(&cx, &q).await.unwrap();
    assert!(
        listed.len() >= 3,
        "张三 has several valid prescriptions: {listed:?}"
    );
    assert!(listed.iter().all(|a| a.auth_rxno.len() == 30));
    let key = DownloadKey::EpcToken(d.epc_token.clone());
    let dl = c.download(&cx, &key).await.unwrap();
    assert_eq!(dl.hi_rxno, hi_rxno);
    assert_eq!(dl.rx_drug_detail.len(), 1);
    // verify locally (gm) — the signed PDF and signDigest chain to the demo CA
    verify(&base, &dl)
        .await
        .expect("valid prescription verifies");

    // platform verification (family B only), then audit
    let mut a = audit(&hi_rxno);
    if family == Family::B {
        let v = c
            .verify_signature(
                &cx,
                &SignVerifyData {
                    hi_rxno: hi_rxno.clone(),
                    epc_token: d.epc_token.clone(),
                    fixmedins_code: "P11010100001".into(),
                },
            )
            .await
            .unwrap()
            .expect("family B verifies on the platform");
        assert_eq!(v.verify_rslt, "1");
        a.rx_sign_verify_sn = v.rx_sign_verify_sn;
        a.epc_token = d.epc_token.clone();
        a.ec_token = person(&base, "PSN1101000003", "ec_token").await;
        a.phar_code = "Y0001".into();
    } else {
        assert!(c
            .verify_signature(&cx, &SignVerifyData::default())
            .await
            .unwrap()
            .is_none());
    }
    let audited = c.upload_audit(&cx, &a).await.unwrap();
    assert_eq!(audited.msg_code, "0");
    assert!(!audited.rx_chk_biz_sn.is_empty());

    // 2101 → 2102
    let si = settle_input(&dl, psn, &ec, "310");
    let pre = c.pre_settle(&cx, &si).await.unwrap();
    assert_eq!(pre.setlinfo.medfee_sumamt.to_string(), "25.00");
    assert!(pre.setlinfo.setl_id.is_empty());
    let st = c.settle(&cx, &si).await.unwrap().setlinfo;
    assert_eq!(st.medfee_sumamt, pre.setlinfo.medfee_sumamt);
    // 甲类 25.00, deductible 100 left → fund pays nothing yet, account pays all.
    assert_eq!(st.act_pay_dedc.to_string(), "25.00");
    assert_eq!(st.fund_pay_sumamt.to_string(), "0.00");
    assert_eq!(st.acct_pay.to_string(), "25.00");
    let sum = st
        .fund_pay_sumamt
        .checked_add(st.acct_pay)
        .unwrap()
        .checked_add(st.psn_cash_pay)
        .unwrap();
    assert_eq!(sum, st.medfee_sumamt);
    assert_eq!(
        st.medins_setl_id.len(),
        30,
        "medins_setl_id = the 2102 msgid"
    );

    // 3505 with trace codes
    let codes = vec![trace_code(1), trace_code(2)];
    let sale = sale_info(&dl.rx_drug_detail[0], &st.setl_id, "R0001", &codes);
    assert_eq!(c.sale(&cx, &sale).await.unwrap().result.ret_rslt, "1");

    // write-off and sales upload
    c.write_off(&cx, &write_off(&dl, key.ide_code(), &st, &codes))
        .await
        .unwrap();
    let up = c
        .upload_sales(
            &cx,
            &SalesUploadInput {
                data: SalesUploadData {
                    hi_rxno: hi_rxno.clone(),
                    setl_id: st.setl_id.clone(),
                    rtal_docno: "R0001".into(),
                    sel_time: "2026-11-24 10:06:00".into(),
                    opter_name: "收银员甲".into(),
                },
                selinfo: sale_lines(&dl, &codes),
            },
        )
        .await
        .unwrap();
    assert!(!up.sel_upld_sn.is_empty());
    let list = get(&base, "/admin/prescriptions").await;
    let me = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["hi_rxno"] == hi_rxno.as_str())
        .unwrap();
    assert_eq!(me["state"], "used");

    // refund: 2103 + undo + 3506
    let rev = c
        .reverse_settlement(
            &cx,
            &SettleReverseData {
                setl_id: st.setl_id.clone(),
                mdtrt_id: st.mdtrt_id.clone(),
                psn_no: psn.into(),
                exp_content: String::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(rev.setlinfo.medfee_sumamt.to_string(), "-25.00");
    assert_eq!(rev.setlinfo.balc.to_string(), "500.00", "account refunded");
    c.undo_sales(
        &cx,
        &SalesUndoData {
            hi_rxno: hi_rxno.clone(),
            sel_upld_sn: up.sel_upld_sn.clone(),
            setl_id: String::new(),
            undo_rea: "患者退药".into(),
            undo_time: "2026-11-24 11:00:00".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        c.sale_return(&cx, &return_info(&sale))
            .await
            .unwrap()
            .result
            .ret_rslt,
        "1"
    );

    // Stats: every step exactly once.
    let stats = get(&base, "/admin/stats").await;
    let steps: Vec<&str> = match family {
        Family::A => vec![
            "9001", "7201", "7202", "7203", "7204", "2101", "2102", "3505", "7206", "7207", "2103",
            "7208", "3506",
        ],
        Family::B => vec![
            "9001",
            "rxQrcodeDecode",
            "rxAuthQuery",
            "rxDownload",
            "rxSignVerify",
            "rxChkUpld",
            "2101",
            "2102",
            "3505",
            "rxSetlUpld",
            "rxSelUpld",
            "2103",
            "rxSelUndo",
            "3506",
        ],
    };
    for s in &steps {
        assert_eq!(by_op(&stats, s), (1, 0, 0), "{s} in {stats}");
    }
    assert_eq!(
        stats["accepted"].as_u64().unwrap(),
        steps.len() as u64,
        "{stats}"
    );
    assert_eq!(stats["rejected"], 0);
    assert_eq!(stats["duplicate"], 0);
    // what the pharmacy uploaded
    let ups = get(&base, "/admin/uploads?op=3505").await;
    assert_eq!(ups.as_array().unwrap().len(), 1);
    assert_eq!(
        ups[0]["input"]["selinfo"]["drugtracinfo"][0]["drug_trac_codg"],
        trace_code(1)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn family_a_session_then_refund() {
    run(Family::A).await;
}

#[tokio::test]
async fn family_b_session_then_refund() {
    run(Family::B).await;
}
