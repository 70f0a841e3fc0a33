//! The pure counter flow end to end, the way the services drive it: a
//! catalogue, a downloaded prescription, its (stand-in) verification, the
//! rules, the audit, scanning, the settlement split and its explanation,
//! then a whole refund. Only the I/O is missing.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rxdesk_core::catalogue::{Catalogue, DrugFacts, InsuranceClass, Product};
use rxdesk_core::codes::{AuditResult, RxStatus};
use rxdesk_core::dispense::{BoxScan, Dispensing, StockBatch, StoreKind, TraceState};
use rxdesk_core::identity::{IdentificationMethod, PersonIdentity};
use rxdesk_core::prescription::{Prescription, ReuseTerms, RxLine, RxNo};
use rxdesk_core::rules::{check_prescription, RuleCode, RuleContext};
use rxdesk_core::settlement::{cash_change, SelfPayBreakdown, SettlementSplit};
use rxdesk_core::time::parse_wire;
use rxdesk_core::visit::{
    AuditInput, DownloadRef, EVoucherCheck, Pharmacist, Resolution, Shift, SignatureSummary,
    VerifiedPrescription, Visit, VisitState,
};
use rxdesk_core::Amount;

const AMOX: &str = "XJ01CAA040A001010100028";
const VITC: &str = "XA11GAV001A001010100031";

fn at(s: &str) -> DateTime<Utc> {
    parse_wire(s).unwrap()
}

fn product(name: &str, generic: &str, code: &str, barcode: &str, class: InsuranceClass) -> Product {
    Product {
        fixmedins_hilist_id: format!("L-{code}"),
        med_list_codg: code.into(),
        name: name.into(),
        generic_name: generic.into(),
        spec: "0.25g*24粒".into(),
        manufacturer: "示例制药".into(),
        barcode: barcode.into(),
        price: "12.500000".parse().unwrap(),
        pack_unit: "盒".into(),
        min_unit: "粒".into(),
        pack_size: Decimal::from(24),
        facts: DrugFacts {
            restricted: vec![],
            insurance_class: class,
            cold_chain: false,
        },
    }
}

fn line(code: &str, name: &str, spec: &str, qty: i64) -> RxLine {
    RxLine {
        med_list_codg: code.into(),
        drug_genname: name.into(),
        drug_spec: spec.into(),
        quantity: Decimal::from(qty),
        unit: "盒".into(),
        single_dose: "0.5g".into(),
        frequency: "每日三次".into(),
        route: "口服".into(),
        days: 3,
        price: None,
        hosp_prep_flag: false,
    }
}

fn prescription() -> Prescription {
    Prescription {
        rx_no: RxNo("11000020261122000001".into()),
        fixmedins_code: "H11010100001".into(),
        fixmedins_name: "北京示例医院".into(),
        patient_name: "张三".into(),
        patient_cert_no: "11010519491231002X".into(),
        status: RxStatus::Valid,
        issued_at: "2026-11-22 09:00:00".into(),
        valid_end_time: "2026-11-29 09:00:00".into(),
        lines: vec![
            line(AMOX, "阿莫西林胶囊", "0.25g*24粒", 2),
            line(VITC, "维生素C片", "0.1g*100片", 1),
        ],
        reuse: ReuseTerms::default(),
        long_rx_flag: false,
    }
}

const LAYOUT: &str =
    "北京示例医院 处方笺\n姓名：张三 性别：男\n开方时间：2026-11-22 09:00:00\nRp.\n\
    阿莫西林胶囊 0.25g×24粒 ×2盒\n用法：口服 每次0.5g 每日三次 共3天\n\
    维生素C片 0.1g×100片 ×1盒\n用法：口服 每次0.5g 每日三次 共3天\n医师：李医生";

struct Checked(Prescription);
impl VerifiedPrescription for Checked {
    fn prescription(&self) -> &Prescription {
        &self.0
    }
    fn signature(&self) -> SignatureSummary {
        SignatureSummary {
            cert_sn: "1001".into(),
            cert_dn: "CN=北京示例医院".into(),
            institution_code: "H11010100001".into(),
            verified_at: at("2026-11-23 09:01:00"),
        }
    }
}

fn patient() -> PersonIdentity {
    PersonIdentity {
        name: "张三".into(),
        cert_type: "01".into(),
        cert_no: "11010519491231002X".into(),
    }
}

#[test]
fn a_prescription_from_scan_to_refund() {
    let mut vitc = product(
        "维生素C片",
        "维生素C片",
        VITC,
        "6903333333333",
        InsuranceClass::SelfPay,
    );
    vitc.min_unit = "片".into();
    vitc.pack_size = Decimal::from(100);
    let catalogue = Catalogue::new(vec![
        product(
            "阿莫西林胶囊",
            "阿莫西林胶囊",
            AMOX,
            "6901234567890",
            InsuranceClass::A,
        ),
        vitc,
    ]);
    // The pharmacist finds the drugs by pinyin initials.
    let hits = catalogue.search("wssc", 5);
    assert_eq!(catalogue.products()[hits[0].index].med_list_codg, VITC);

    let mut visit = Visit::new("visit-0001");
    visit
        .identify(patient(), IdentificationMethod::EVoucher, None)
        .unwrap();
    visit
        .downloaded(prescription(), DownloadRef::EpcToken("token".into()))
        .unwrap();
    visit.signature_verified(&Checked(prescription())).unwrap();

    let facts = |code: &str| catalogue.facts(code);
    let names: Vec<&str> = catalogue
        .products()
        .iter()
        .flat_map(|p| [p.name.as_str(), p.generic_name.as_str()])
        .collect();
    let report = check_prescription(
        visit.prescription().unwrap(),
        &RuleContext {
            now: at("2026-11-23 09:02:00"),
            previous_dispensings: &[],
            patient: visit.patient().unwrap(),
            catalogue: &facts,
            layout_text: LAYOUT,
            catalogue_names: &names,
        },
    );
    assert_eq!(report.codes(), vec![RuleCode::ItemSelfPay], "{report:#?}");
    assert_eq!(report.self_pay_lines, vec![1]);
    visit.rules_checked(report).unwrap();

    let pharmacist = Pharmacist {
        code: "HY110105000123".into(),
        person: PersonIdentity {
            name: "王药师".into(),
            cert_type: "01".into(),
            cert_no: "110105198001010016".into(),
        },
        prac_cert_no: "ZY2020110001".into(),
    };
    visit
        .audited(AuditInput {
            shift: Shift {
                started: EVoucherCheck {
                    person: pharmacist.person.clone(),
                    at: at("2026-11-23 08:00:00"),
                },
                pharmacist: pharmacist.clone(),
                ended_at: None,
            },
            reconfirmed: EVoucherCheck {
                person: pharmacist.person.clone(),
                at: at("2026-11-23 09:03:00"),
            },
            result: AuditResult::Approved,
            opinion: "处方合理，同意调配".into(),
            reviewer: None,
            at: at("2026-11-23 09:04:00"),
        })
        .unwrap();
    visit.start_dispensing().unwrap();

    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let batch = |id: &str, code: &str| StockBatch {
        batch_id: id.into(),
        med_list_codg: code.into(),
        manu_lotnum: format!("LOT-{id}"),
        manu_date: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
        expy_end: NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
        on_hand: Decimal::from(1000),
        store: StoreKind::Traced,
    };
    let stock = vec![batch("B-A", AMOX), batch("B-C", VITC)];
    let sold_elsewhere = "81234567890000000099";
    let ledger = |c: &rxdesk_core::code_format::TraceCode| {
        if c.as_str() == sold_elsewhere {
            TraceState::SoldPerCenter
        } else {
            TraceState::Unsold
        }
    };
    let mut d = Dispensing::new(visit.prescription().unwrap().lines.clone());
    let scan = |barcode: &str, tc: &str| BoxScan {
        barcode: barcode.into(),
        trace_code: tc.into(),
        batch_id: None,
    };
    let amox = catalogue.by_barcode("6901234567890")[0];
    let vitc = catalogue.by_barcode("6903333333333")[0];
    d.scan_box(
        &scan("6901234567890", "81234567890000000001"),
        amox,
        &stock,
        &ledger,
        today,
    )
    .unwrap();
    let blocked = d
        .scan_box(
            &scan("6901234567890", sold_elsewhere),
            amox,
            &stock,
            &ledger,
            today,
        )
        .unwrap_err();
    assert_eq!(blocked.code(), "DISPENSE_TRACE_CODE_SOLD");
    d.scan_box(
        &scan("6901234567890", "81234567890000000002"),
        amox,
        &stock,
        &ledger,
        today,
    )
    .unwrap();
    d.scan_box(
        &scan("6903333333333", "81234567890000000003"),
        vitc,
        &stock,
        &ledger,
        today,
    )
    .unwrap();
    assert!(d.is_complete());
    visit
        .dispensed_items(d.finish(false).unwrap(), false)
        .unwrap();

    // 2 × 12.50 + 1 × 12.50 = 37.50; the vitamin C (12.50) is self-paid.
    let sale_total = Amount::new(Decimal::new(3750, 2)).unwrap();
    let a = |s: &str| s.parse::<Amount>().unwrap();
    let split = SettlementSplit::new(
        sale_total,
        a("20.00"),
        a("5.00"),
        a("12.50"),
        SelfPayBreakdown {
            full_own_pay: a("12.50"),
            ..Default::default()
        },
    )
    .unwrap();
    visit.pre_settled(split, sale_total).unwrap();
    let words = split.explain_zh(&["维生素C片".to_string()]);
    assert!(words.contains("医保统筹支付 20.00 元，个人账户支付 5.00 元，您需自付 12.50 元"));
    assert!(words.contains("维生素C片"));

    visit.settlement_sent("MSG-1", "cashier-01").unwrap();
    visit.settlement_timed_out().unwrap();
    assert_eq!(visit.state(), &VisitState::SettlementUncertain);
    assert!(
        visit.receipted("R-1").is_err(),
        "no receipt before resolution"
    );
    visit
        .resolve_uncertain(Resolution::Settled {
            setl_id: "SETL-1".into(),
            split,
        })
        .unwrap();
    assert_eq!(cash_change(split.cash(), a("20.00")).unwrap(), a("7.50"));
    visit.receipted("R-1").unwrap();

    assert!(
        visit.refund_requested(&[0]).is_err(),
        "no single-item refund"
    );
    visit.refund_requested(&[0, 1]).unwrap();
    visit.refunded().unwrap();
    assert_eq!(visit.state(), &VisitState::Refunded);
    assert_eq!(visit.history().len(), 14);
}
