//! The emulator settles each 医疗类别 it accepts with its own split and
//! refuses, with the center's error code, a settlement missing a code its
//! 医疗类别 requires (docs/protocol.md "Settlement types"): 门诊统筹 (11),
//! 门慢特 (14, `dise_codg`), 双通道 (1402, `dise_codg`), 定点药店购药 (41,
//! no prescription needed, no fund).

mod common;

use common::*;
use rxdesk_center::messages::*;
use rxdesk_center::{CenterError, DownloadKey, Family, PrescriptionCenter};
use rxdesk_core::Amount;

fn code(e: &CenterError) -> &str {
    e.rejection_code()
        .unwrap_or_else(|| panic!("expected a rejection, got {e:?}"))
}

fn a(s: &str) -> Amount {
    s.parse().unwrap()
}

fn adds_up(s: &SetlInfo) {
    let sum = s
        .fund_pay_sumamt
        .checked_add(s.acct_pay)
        .unwrap()
        .checked_add(s.psn_cash_pay)
        .unwrap();
    assert_eq!(sum, s.medfee_sumamt, "fund + account + cash = total");
}

async fn downloaded_and_audited(
    c: &rxdesk_center::CenterClient,
    base: &str,
    label: &str,
) -> rxdesk_gm::DownloadedPrescription {
    let (hi, q) = rx(base, label).await;
    let cx = ctx();
    let t = c.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
    let dl = c
        .download(&cx, &DownloadKey::EpcToken(t.clone()))
        .await
        .unwrap();
    let mut a = audit(&hi);
    // Family B audits only after the platform verified the signature.
    if let Some(v) = c
        .verify_signature(
            &cx,
            &SignVerifyData {
                hi_rxno: hi.clone(),
                epc_token: t.clone(),
                fixmedins_code: "P11010100001".into(),
            },
        )
        .await
        .unwrap()
    {
        a.rx_sign_verify_sn = v.rx_sign_verify_sn;
        a.epc_token = t;
        a.ec_token = person(base, "PSN1101000004", "ec_token").await;
        a.phar_code = "Y0001".into();
    }
    c.upload_audit(&cx, &a).await.unwrap();
    dl
}

#[tokio::test]
async fn chronic_disease_needs_its_registered_disease_code() {
    for family in [Family::A, Family::B] {
        let sim = start().await;
        let base = sim.base_url();
        let c = client(&base, family);
        let cx = ctx();
        let psn = "PSN1101000005";
        let ec = person(&base, psn, "ec_token").await;
        let dl = downloaded_and_audited(&c, &base, "chronic_disease").await;
        // The download carries the visit's 医疗类别 and disease, both families.
        assert_eq!(dl.med_type, "14", "{family:?}");
        assert_eq!(dl.dise_codg, "M03900");
        assert_eq!(dl.dise_name, "糖尿病");

        let mut si = settle_input(&dl, psn, &ec, "310");
        assert_eq!(si.data.med_type, MedType::ChronicOutpatient);
        si.data.dise_codg.clear();
        assert_eq!(code(&c.pre_settle(&cx, &si).await.unwrap_err()), "4006");
        si.data.dise_codg = "M99999".into();
        assert_eq!(
            code(&c.pre_settle(&cx, &si).await.unwrap_err()),
            "4007",
            "not registered for that disease"
        );
        let mut si = settle_input(&dl, psn, &ec, "310");
        si.data.med_type = MedType::Outpatient;
        si.data.dise_codg.clear();
        assert_eq!(
            code(&c.pre_settle(&cx, &si).await.unwrap_err()),
            "4010",
            "a 门慢特 prescription settles as 门慢特 only"
        );
        let mut si = settle_input(&dl, psn, &ec, "310");
        si.drugdetail[0].bilg_dr_codg.clear();
        assert_eq!(code(&c.pre_settle(&cx, &si).await.unwrap_err()), "4008");

        let si = settle_input(&dl, psn, &ec, "310");
        let st = c.settle(&cx, &si).await.unwrap().setlinfo;
        // 2 × 25.60 甲类 = 51.20, no deductible, fund 80 % = 40.96.
        assert_eq!(st.med_type, MedType::ChronicOutpatient);
        assert_eq!(st.medfee_sumamt, a("51.20"));
        assert_eq!(st.act_pay_dedc, a("0.00"));
        assert_eq!(st.fund_pay_sumamt, a("40.96"));
        assert_eq!(st.acct_pay, a("10.24"));
        assert_eq!(st.psn_cash_pay, a("0.00"));
        adds_up(&st);
        let books = get(&base, "/admin/books").await;
        assert!(books.to_string().contains(&st.setl_id));
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn dual_channel_settles_with_its_disease_for_a_resident() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let cx = ctx();
    let psn = "PSN1101000006";
    let ec = person(&base, psn, "ec_token").await;
    let dl = downloaded_and_audited(&c, &base, "dual_channel").await;
    assert_eq!(dl.med_type, "1402");
    assert_eq!(dl.dise_codg, "M00500");
    let mut si = settle_input(&dl, psn, &ec, "390");
    assert_eq!(si.data.med_type, MedType::DualChannel);
    si.data.dise_codg.clear();
    assert_eq!(code(&c.settle(&cx, &si).await.unwrap_err()), "4006");
    let si = settle_input(&dl, psn, &ec, "390");
    let st = c.settle(&cx, &si).await.unwrap().setlinfo;
    // 22.80 甲类, resident: fund 60 % = 13.68, no personal account.
    assert_eq!(st.fund_pay_sumamt, a("13.68"));
    assert_eq!(st.acct_pay, a("0.00"));
    assert_eq!(st.psn_cash_pay, a("9.12"));
    adds_up(&st);
}

#[tokio::test]
async fn outpatient_pooling_needs_a_prescription_and_the_doctor() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let cx = ctx();
    let psn = "PSN1101000001";
    let ec = person(&base, psn, "ec_token").await;
    let dl = downloaded_and_audited(&c, &base, "valid").await;
    assert_eq!(dl.med_type, "11");
    let mut si = settle_input(&dl, psn, &ec, "310");
    assert_eq!(si.data.med_type, MedType::Outpatient);
    for l in &mut si.drugdetail {
        l.bilg_dr_codg.clear();
    }
    assert_eq!(code(&c.pre_settle(&cx, &si).await.unwrap_err()), "4008");
    let mut si = settle_input(&dl, psn, &ec, "310");
    si.drugdetail[0].rxno.clear();
    assert_eq!(code(&c.pre_settle(&cx, &si).await.unwrap_err()), "4009");
    let mut si = settle_input(&dl, psn, &ec, "310");
    si.data.med_type = MedType::from_code("21");
    assert_eq!(
        code(&c.pre_settle(&cx, &si).await.unwrap_err()),
        "4005",
        "住院 is not settled at a pharmacy"
    );
    let st = c
        .settle(&cx, &settle_input(&dl, psn, &ec, "310"))
        .await
        .unwrap()
        .setlinfo;
    // 2 × 12.50 甲 + 18.00 乙 (1.80 先行自付) = 43.00; 100 deductible left
    // takes all 41.20 in scope: the fund pays nothing yet.
    assert_eq!(st.medfee_sumamt, a("43.00"));
    assert_eq!(st.preselfpay_amt, a("1.80"));
    assert_eq!(st.act_pay_dedc, a("41.20"));
    assert_eq!(st.fund_pay_sumamt, a("0.00"));
    adds_up(&st);
}

#[tokio::test]
async fn pharmacy_purchase_without_prescription_is_account_and_cash_only() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let cx = ctx();
    let psn = "PSN1101000003"; // 王芳, employee, 20.00 in her account
    let ec = person(&base, psn, "ec_token").await;
    let dl = downloaded_and_audited(&c, &base, "valid").await;
    // An over-the-counter purchase: the lines carry no prescription.
    let mut si = settle_input(&dl, psn, &ec, "310");
    si.data.med_type = MedType::PharmacyPurchase;
    for l in &mut si.drugdetail {
        l.rxno.clear();
        l.rx_circ_flag = "0".into();
        l.bilg_dr_codg.clear();
    }
    let st = c.settle(&cx, &si).await.unwrap().setlinfo;
    assert_eq!(st.medfee_sumamt, a("43.00"));
    assert_eq!(
        st.fund_pay_sumamt,
        a("0.00"),
        "41 pays nothing from the fund"
    );
    assert_eq!(st.act_pay_dedc, a("0.00"));
    assert_eq!(
        st.acct_pay,
        a("20.00"),
        "the account pays up to its balance"
    );
    assert_eq!(st.psn_cash_pay, a("23.00"));
    assert_eq!(st.balc, a("0.00"));
    adds_up(&st);
}
