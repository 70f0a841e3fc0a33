//! Every failure class against the emulator: Rejected (business rules),
//! Transient (503, connection refused), Uncertain (reset after applying,
//! reset before, malformed body, slow body past the timeout) and the
//! resolution paths (same-msgid replay, 2601 冲正).

mod common;

use common::*;
use rxdesk_center::messages::*;
use rxdesk_center::{CenterError, DownloadKey, Family, PrescriptionCenter};
use serde_json::json;

fn lock_clear_sign_ins(sim: &rxdesk_center_sim::SimHandle) {
    sim.app.st.lock().unwrap().sign_ins.clear();
}

fn code(e: &CenterError) -> &str {
    e.rejection_code()
        .unwrap_or_else(|| panic!("expected a rejection, got {e:?}"))
}

/// Download → audit a demo prescription for 张三 and return (download, key).
async fn audited(
    c: &rxdesk_center::CenterClient,
    base: &str,
    label: &str,
) -> (rxdesk_gm::DownloadedPrescription, DownloadKey) {
    let (hi, q) = rx(base, label).await;
    let cx = ctx();
    let t = c.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
    let key = DownloadKey::EpcToken(t);
    let dl = c.download(&cx, &key).await.unwrap();
    c.upload_audit(&cx, &audit(&hi)).await.unwrap();
    (dl, key)
}

#[tokio::test]
async fn prescription_states_are_enforced() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let cx = ctx();
    for (label, want) in [
        ("expired", "3003"),
        ("revoked_by_hospital", "3002"),
        ("already_used", "3004"),
    ] {
        let (_, q) = rx(&base, label).await;
        let t = c.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
        let e = c
            .download(&cx, &DownloadKey::EpcToken(t))
            .await
            .unwrap_err();
        assert_eq!(code(&e), want, "{label}: {e}");
    }
    // unknown QR
    let e = c
        .decode_qr(&cx, &qr("EPC999999999999999999999999"))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "3001");
    // expiring today still downloads
    let (_, q) = rx(&base, "expiring_today").await;
    let t = c.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
    let dl = c.download(&cx, &DownloadKey::EpcToken(t)).await.unwrap();
    let end = rxdesk_core::time::parse_wire(&dl.valid_end_time).unwrap();
    let cst = rxdesk_core::time::cst();
    assert_eq!(
        end.with_timezone(&cst).date_naive(),
        chrono::Utc::now().with_timezone(&cst).date_naive()
    );

    // auth_rxno is single use
    let ec = person(&base, "PSN1101000002", "ec_token").await;
    let q = RxQueryData {
        mdtrt_cert_type: rxdesk_core::codes::CertType::EVoucher,
        mdtrt_cert_no: ec,
        card_sn: String::new(),
        insuplc_admdvs: "110101".into(),
        ip_info: "127.0.0.1".into(),
        opter: "OP001".into(),
        opter_name: "收银员甲".into(),
        optins: "P11010100001".into(),
    };
    let list = c.query_authorised(&cx, &q).await.unwrap();
    assert!(!list.is_empty());
    let key = DownloadKey::AuthRxno(list[0].auth_rxno.clone());
    c.download(&cx, &key).await.unwrap();
    assert_eq!(code(&c.download(&cx, &key).await.unwrap_err()), "3006");
    // a card needs the right card_sn; a wrong e-voucher is 2001
    let mut bad = q.clone();
    bad.mdtrt_cert_no = "nope".into();
    assert_eq!(
        code(&c.query_authorised(&cx, &bad).await.unwrap_err()),
        "2001"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn signatures_tampered_and_revoked_are_caught() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::B);
    let cx = ctx();
    for (label, local_ok) in [
        ("valid", true),
        ("layout_differs", true),
        ("tampered", false),
        ("revoked_certificate", false),
    ] {
        let (hi, q) = rx(&base, label).await;
        let t = c.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
        let dl = c
            .download(&cx, &DownloadKey::EpcToken(t.clone()))
            .await
            .unwrap();
        assert_eq!(verify(&base, &dl).await.is_ok(), local_ok, "{label}");
        let r = c
            .verify_signature(
                &cx,
                &SignVerifyData {
                    hi_rxno: hi,
                    epc_token: t,
                    fixmedins_code: "P11010100001".into(),
                },
            )
            .await;
        match local_ok {
            true => assert_eq!(r.unwrap().unwrap().verify_rslt, "1"),
            false => assert_eq!(code(&r.unwrap_err()), "3009", "{label}"),
        }
    }
    // layout_differs: the PDF text says 3 boxes while the data says 2
    let (_, q) = rx(&base, "layout_differs").await;
    let t = c.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
    let dl = c.download(&cx, &DownloadKey::EpcToken(t)).await.unwrap();
    assert_eq!(dl.rx_drug_detail[0].drug_cnt, rust_decimal::Decimal::TWO);
    // revoke a certificate at run time: the CRL changes and verification now fails
    let (_, q) = rx(&base, "valid").await;
    let t = c.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
    let dl = c.download(&cx, &DownloadKey::EpcToken(t)).await.unwrap();
    let (s, _) = post(&base, "/admin/certs/H11010100001/revoke", &json!({})).await;
    assert_eq!(s, 200);
    assert!(verify(&base, &dl).await.is_err());
    // audit upload without verification is refused in family B
    let e = c.upload_audit(&cx, &audit(&dl.hi_rxno)).await.unwrap_err();
    assert_eq!(code(&e), "3008");
    sim.shutdown().await;
}

#[tokio::test]
async fn settlement_rules_and_trace_codes() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let cx = ctx();
    let psn = "PSN1101000001";
    let ec = person(&base, psn, "ec_token").await;
    // restricted drug cannot be settled
    let (dl, _) = audited(&c, &base, "restricted_drug").await;
    assert_eq!(
        code(
            &c.settle(&cx, &settle_input(&dl, psn, &ec, "310"))
                .await
                .unwrap_err()
        ),
        "3007"
    );
    // a not-audited prescription cannot be settled
    let (_, q) = rx(&base, "valid").await;
    let t = c.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
    let dl = c.download(&cx, &DownloadKey::EpcToken(t)).await.unwrap();
    assert_eq!(
        code(
            &c.settle(&cx, &settle_input(&dl, psn, &ec, "310"))
                .await
                .unwrap_err()
        ),
        "3008"
    );
    c.upload_audit(&cx, &audit(&dl.hi_rxno)).await.unwrap();
    // over-quantity and wrong totals
    let mut si = settle_input(&dl, psn, &ec, "310");
    si.data.medfee_sumamt = si
        .data
        .medfee_sumamt
        .checked_add("0.01".parse().unwrap())
        .unwrap();
    assert_eq!(
        code(&c.pre_settle(&cx, &si).await.unwrap_err()),
        "4003",
        "total does not match the lines"
    );
    let mut si = settle_input(&dl, psn, &ec, "310");
    si.drugdetail[0].det_item_fee_sumamt = "1.00".parse().unwrap();
    assert_eq!(
        code(&c.pre_settle(&cx, &si).await.unwrap_err()),
        "4003",
        "line is not price × quantity"
    );
    let mut si = settle_input(&dl, psn, &ec, "310");
    si.drugdetail[0].cnt += rust_decimal::Decimal::ONE;
    si.drugdetail[0].det_item_fee_sumamt =
        si.drugdetail[0].pric.times(si.drugdetail[0].cnt).unwrap();
    si.data.medfee_sumamt = si
        .drugdetail
        .iter()
        .fold(rxdesk_core::Amount::ZERO, |a, l| {
            a.checked_add(l.det_item_fee_sumamt).unwrap()
        });
    assert_eq!(
        code(&c.pre_settle(&cx, &si).await.unwrap_err()),
        "3008",
        "quantity above the prescription"
    );
    let st = c
        .settle(&cx, &settle_input(&dl, psn, &ec, "310"))
        .await
        .unwrap()
        .setlinfo;
    // trace codes: sold once only, 20 digits
    let codes = vec![trace_code(10)];
    let sale = sale_info(&dl.rx_drug_detail[0], &st.setl_id, "R10", &codes);
    c.sale(&cx, &sale).await.unwrap();
    let mut again = sale.clone();
    again.rtal_docno = "R11".into();
    assert_eq!(code(&c.sale(&cx, &again).await.unwrap_err()), "5001");
    again.drugtracinfo = vec![DrugTrace {
        drug_trac_codg: "123".into(),
    }];
    assert_eq!(code(&c.sale(&cx, &again).await.unwrap_err()), "5002");
    let mut ret = return_info(&sale);
    ret.medins_prod_sel_no = "R99".into();
    assert_eq!(code(&c.sale_return(&cx, &ret).await.unwrap_err()), "5003");
    // write-off with wrong amounts
    let mut w = write_off(&dl, "not-the-key", &st, &codes);
    assert_eq!(code(&c.write_off(&cx, &w).await.unwrap_err()), "3005");
    let list = get(&base, "/admin/prescriptions").await;
    let _ = list;
    w.data.download_ide_code = dl.hi_rxno.clone();
    assert!(c.write_off(&cx, &w).await.is_err());
    // reconcile: 3201 matches what was settled today
    let today = chrono::Utc::now()
        .with_timezone(&rxdesk_core::time::cst())
        .format("%Y-%m-%d")
        .to_string();
    let mut r = ReconcileTotalData {
        insutype: Insutype::Employee,
        clr_type: "41".into(),
        setl_optins: "110100".into(),
        stmt_begndate: today.clone(),
        stmt_enddate: today.clone(),
        medfee_sumamt: st.medfee_sumamt,
        fund_pay_sumamt: st.fund_pay_sumamt,
        acct_pay: st.acct_pay,
        fixmedins_setl_cnt: 1,
    };
    assert_eq!(c.reconcile_total(&cx, &r).await.unwrap().stmt_rslt, "0");
    r.fixmedins_setl_cnt = 2;
    let bad = c.reconcile_total(&cx, &r).await.unwrap();
    assert_eq!(bad.stmt_rslt, "1");
    assert!(
        bad.stmt_rslt_dscr.contains("笔数1"),
        "{}",
        bad.stmt_rslt_dscr
    );
    // 3202 with a detail file; the result file comes back through 9102
    let csv = format!("setl_id,mdtrt_id,psn_no,medfee_sumamt,fund_pay_sumamt,acct_pay,refd_setl_flag\n{},{},{},{},{},{},0\nS-unknown,M,P,1.00,0.00,0.00,0\n",
        st.setl_id, st.mdtrt_id, psn, st.medfee_sumamt, st.fund_pay_sumamt, st.acct_pay);
    let d = ReconcileDetailData {
        setl_optins: "110100".into(),
        file_qury_no: String::new(),
        stmt_begndate: today.clone(),
        stmt_enddate: today,
        medfee_sumamt: st.medfee_sumamt,
        fund_pay_sumamt: st.fund_pay_sumamt,
        cash_payamt: st.psn_cash_pay,
        fixmedins_setl_cnt: 1,
    };
    let f = c.reconcile_detail(&cx, &d, csv.as_bytes()).await.unwrap();
    let result = String::from_utf8(
        c.download_file(&cx, &f.file_qury_no, &f.filename)
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        result
            .lines()
            .any(|l| l.contains(&st.setl_id) && l.ends_with(",0,0,")),
        "{result}"
    );
    assert!(result.contains(",,S-unknown,,1,0,中心无此结算"), "{result}");
    sim.shutdown().await;
}

#[tokio::test]
async fn transient_failures() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let cx = ctx();
    set_faults(&base, json!({"error_rate": 1.0})).await;
    let e = c.sign_in(&cx.operator).await.unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    clear_faults(&base).await;
    let sign_no = c.sign_in(&cx.operator).await.unwrap();
    assert_eq!(
        c.sign_in(&cx.operator).await.unwrap(),
        sign_no,
        "cached per operator per day"
    );
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "9001"), (1, 0, 0));
    assert_eq!(stats["faults_injected"]["error"], 1);
    // 9002 forgets the sign-in; the next call signs in again with a new sign_no
    c.sign_out(&cx.operator).await.unwrap();
    assert_ne!(c.sign_in(&cx.operator).await.unwrap(), sign_no);
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "9002"), (1, 0, 0));
    assert_eq!(by_op(&stats, "9001"), (2, 0, 0));
    // the center forgets every sign-in (a restart): the client signs in again by itself
    lock_clear_sign_ins(&sim);
    let p = c
        .person_info(
            &cx,
            &PersonQuery {
                mdtrt_cert_type: rxdesk_core::codes::CertType::EVoucher,
                mdtrt_cert_no: person(&base, "PSN1101000001", "ec_token").await,
                card_sn: String::new(),
                begntime: String::new(),
                psn_cert_type: String::new(),
                certno: String::new(),
                psn_name: String::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(p.baseinfo.psn_name, "张三");
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "9001"), (3, 0, 0));
    assert_eq!(by_op(&stats, "1101"), (1, 0, 1));
    // nothing listening: connect refused is transient
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = client(&format!("http://127.0.0.1:{port}"), Family::A);
    assert!(dead.sign_in(&cx.operator).await.unwrap_err().is_transient());
    sim.shutdown().await;
}

#[tokio::test]
async fn uncertain_failures_resolve_by_replay_or_reversal() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let cx = ctx();
    let psn = "PSN1101000001";
    let ec = person(&base, psn, "ec_token").await;
    let (dl, _) = audited(&c, &base, "valid").await;
    let si = settle_input(&dl, psn, &ec, "310");

    // reset after applying → Uncertain; the replay with the same msgid returns the original answer
    set_faults(&base, json!({"reset_after_rate": 1.0})).await;
    let msgid = c.next_msgid().unwrap();
    let e = c.settle(&cx.with_msgid(&msgid), &si).await.unwrap_err();
    assert!(e.is_uncertain(), "{e:?}");
    clear_faults(&base).await;
    let first = c
        .settle(&cx.with_msgid(&msgid), &si)
        .await
        .unwrap()
        .setlinfo;
    let again = c
        .settle(&cx.with_msgid(&msgid), &si)
        .await
        .unwrap()
        .setlinfo;
    assert_eq!(first, again);
    assert_eq!(first.medins_setl_id, msgid);
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "2102"), (1, 2, 0), "{stats}");

    // 2601 undoes it; a second 2103 then finds it reversed
    c.reverse_uncertain(
        &cx,
        &ReversalData {
            psn_no: psn.into(),
            omsgid: msgid.clone(),
            oinfno: "2102".into(),
        },
    )
    .await
    .unwrap();
    let e = c
        .reverse_settlement(
            &cx,
            &SettleReverseData {
                setl_id: first.setl_id.clone(),
                mdtrt_id: first.mdtrt_id.clone(),
                psn_no: psn.into(),
                exp_content: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(code(&e), "4002");
    // 2601 of a msgid the center never applied
    let never = c.next_msgid().unwrap();
    let e = c
        .reverse_uncertain(
            &cx,
            &ReversalData {
                psn_no: psn.into(),
                omsgid: never,
                oinfno: "2102".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(code(&e), "6001");

    // reset before applying → Uncertain to the client; the replay applies it (once)
    let st = c.settle(&cx, &si).await.unwrap().setlinfo;
    set_faults(&base, json!({"reset_before_rate": 1.0})).await;
    let sale = sale_info(&dl.rx_drug_detail[0], &st.setl_id, "R20", &[trace_code(20)]);
    let m2 = c.next_msgid().unwrap();
    assert!(c
        .sale(&cx.with_msgid(&m2), &sale)
        .await
        .unwrap_err()
        .is_uncertain());
    clear_faults(&base).await;
    c.sale(&cx.with_msgid(&m2), &sale).await.unwrap();
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "3505"), (1, 0, 0));

    // malformed body after applying → Uncertain; replay is a duplicate
    set_faults(&base, json!({"malformed_rate": 1.0})).await;
    let ret = return_info(&sale);
    let m3 = c.next_msgid().unwrap();
    assert!(c
        .sale_return(&cx.with_msgid(&m3), &ret)
        .await
        .unwrap_err()
        .is_uncertain());
    clear_faults(&base).await;
    c.sale_return(&cx.with_msgid(&m3), &ret).await.unwrap();
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "3506"), (1, 1, 0));
    assert_eq!(stats["faults_injected"]["reset_after"], 1);
    assert_eq!(stats["faults_injected"]["reset_before"], 1);
    assert_eq!(stats["faults_injected"]["malformed"], 1);

    // slow body past the client's timeout → Uncertain; latency alone is fine
    let slow = client_with(&base, Family::A, |p| {
        p.request_timeout = std::time::Duration::from_millis(400)
    });
    set_faults(&base, json!({"slow_body_ms": 2000})).await;
    let e = slow.sign_in(&cx.operator).await.unwrap_err();
    assert!(e.is_uncertain() || e.is_transient(), "{e:?}");
    set_faults(&base, json!({"latency_ms": 50})).await;
    slow.sign_in(&cx.operator).await.unwrap();

    // clock skew beyond 300 s: the gateway refuses the timestamp
    set_faults(&base, json!({"clock_skew_s": 1000})).await;
    let fresh = client(&base, Family::A);
    assert_eq!(
        code(&fresh.sign_in(&cx.operator).await.unwrap_err()),
        "1002"
    );
    clear_faults(&base).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn family_b_uncertain_and_replay() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::B);
    let cx = ctx();
    let (_, q) = rx(&base, "valid").await;
    // queries are retried: one reset after applying is absorbed
    set_faults(&base, json!({"reset_after_rate": 0.5, "seed": 3})).await;
    let d = c.decode_qr(&cx, &qr(&q)).await.unwrap();
    assert_eq!(d.epc_token.len(), 64);
    set_faults(&base, json!({"reset_after_rate": 1.0})).await;
    let e = c
        .upload_audit(&cx, &audit("11010000000000100001"))
        .await
        .unwrap_err();
    assert!(e.is_uncertain());
    clear_faults(&base).await;
    sim.shutdown().await;
}
