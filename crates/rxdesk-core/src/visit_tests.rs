//! Tests of the visit state machine: every transition, every refusal, and
//! the invariants under random step sequences.

use super::*;
use crate::catalogue::tests::product;
use crate::codes::AuditResult;
use crate::dispense::{BoxScan, Dispensing, StockBatch, StoreKind, TraceState};
use crate::prescription::RxNo;
use crate::rules::{Finding, RuleCode, RuleReport};
use crate::settlement::SelfPayBreakdown;
use crate::testdata::{at, rx, AMOXICILLIN};
use chrono::NaiveDate;
use proptest::prelude::*;

struct TestVerified(Prescription);

impl VerifiedPrescription for TestVerified {
    fn prescription(&self) -> &Prescription {
        &self.0
    }
    fn signature(&self) -> SignatureSummary {
        SignatureSummary {
            cert_sn: "1001".into(),
            cert_dn: "CN=北京示例医院,O=H11010100001".into(),
            institution_code: self.0.fixmedins_code.clone(),
            verified_at: at("2026-11-23 09:01:00"),
        }
    }
}

fn person(name: &str, no: &str) -> PersonIdentity {
    PersonIdentity {
        name: name.into(),
        cert_type: "01".into(),
        cert_no: no.into(),
    }
}

fn patient() -> PersonIdentity {
    person("张三", "11010519491231002X")
}

fn pharmacist() -> Pharmacist {
    Pharmacist {
        code: "HY110105000123".into(),
        person: person("王药师", "110105198001010016"),
        prac_cert_no: "ZY2020110001".into(),
    }
}

fn audit_input() -> AuditInput {
    let ph = pharmacist();
    AuditInput {
        shift: Shift {
            started: EVoucherCheck {
                person: ph.person.clone(),
                at: at("2026-11-23 08:00:00"),
            },
            pharmacist: ph.clone(),
            ended_at: None,
        },
        reconfirmed: EVoucherCheck {
            person: ph.person.clone(),
            at: at("2026-11-23 09:05:00"),
        },
        result: AuditResult::Approved,
        opinion: "处方合理，同意调配".into(),
        reviewer: None,
        at: at("2026-11-23 09:06:00"),
    }
}

fn listed() -> Vec<RxListItem> {
    vec![RxListItem {
        auth_rxno: "AUTH0001".into(),
        fixmedins_name: "北京示例医院".into(),
        prsc_time: "2026-11-22 09:00:00".into(),
        valid_end_time: "2026-11-29 09:00:00".into(),
    }]
}

fn clean_report() -> RuleReport {
    RuleReport::default()
}

fn items() -> Vec<DispensedItem> {
    let p = product("阿莫西林胶囊", "阿莫西林", AMOXICILLIN, "6901234567890");
    let stock = vec![StockBatch {
        batch_id: "B1".into(),
        med_list_codg: AMOXICILLIN.into(),
        manu_lotnum: "L1".into(),
        manu_date: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        expy_end: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
        on_hand: 240.into(),
        store: StoreKind::Traced,
    }];
    let mut d = Dispensing::new(rx().lines);
    for n in 1..=2 {
        d.scan_box(
            &BoxScan {
                barcode: "6901234567890".into(),
                trace_code: format!("8{n:019}"),
                batch_id: None,
            },
            &p,
            &stock,
            &|_| TraceState::Unsold,
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        )
        .unwrap();
    }
    d.finish(false).unwrap()
}

fn a(s: &str) -> Amount {
    s.parse().unwrap()
}

fn split() -> SettlementSplit {
    SettlementSplit::new(
        a("25.00"),
        a("15.00"),
        a("5.00"),
        a("5.00"),
        SelfPayBreakdown::default(),
    )
    .unwrap()
}

/// A visit driven up to (and including) the given number of steps of the
/// happy path.
fn visit_at(steps: usize) -> Visit {
    let mut v = Visit::new("V1");
    type StepFn = Box<dyn Fn(&mut Visit) -> Result<(), VisitError>>;
    let all: Vec<StepFn> = vec![
        Box::new(|v| v.identify(patient(), IdentificationMethod::EVoucher, None)),
        Box::new(|v| v.prescriptions_listed(listed())),
        Box::new(|v| v.downloaded(rx(), DownloadRef::AuthRxno("AUTH0001".into()))),
        Box::new(|v| v.signature_verified(&TestVerified(rx()))),
        Box::new(|v| v.rules_checked(clean_report())),
        Box::new(|v| v.audited(audit_input())),
        Box::new(|v| v.start_dispensing()),
        Box::new(|v| v.dispensed_items(items(), false)),
        Box::new(|v| v.pre_settled(split(), a("25.00"))),
        Box::new(|v| v.settlement_sent("H11010100001202611230906000001", "cashier-01")),
        Box::new(|v| v.settled("SETL0001", split())),
        Box::new(|v| v.receipted("R0001")),
    ];
    for step in all.iter().take(steps) {
        step(&mut v).unwrap();
    }
    v
}

const HAPPY: usize = 12;

fn illegal(r: Result<(), VisitError>) {
    assert!(
        matches!(r, Err(VisitError::IllegalTransition { .. })),
        "{r:?}"
    );
}

#[test]
fn happy_path_reaches_receipt_with_everything_recorded() {
    let v = visit_at(HAPPY);
    assert_eq!(v.state(), &VisitState::Receipted);
    assert_eq!(v.history().len(), HAPPY);
    assert_eq!(v.signature().unwrap().cert_sn, "1001");
    assert_eq!(v.audit().unwrap().result, AuditResult::Approved);
    assert_eq!(v.audit().unwrap().pharmacist.code, "HY110105000123");
    assert_eq!(v.dispensed().len(), 2);
    assert_eq!(v.setl_id(), Some("SETL0001"));
    assert_eq!(v.receipt_no(), Some("R0001"));
    assert_eq!(v.settlement_msgid(), Some("H11010100001202611230906000001"));
    assert_eq!(v.patient().unwrap().name, "张三");
    assert_eq!(v.settlement_confirmed_by(), Some("cashier-01"));
    assert_eq!(v.visit_id(), "V1");
    assert_eq!(v.listed().len(), 1);
    assert!(matches!(v.download_ref(), Some(DownloadRef::AuthRxno(_))));
    assert!(v.rules().is_some());
    assert_eq!(v.split().unwrap().total(), a("25.00"));
}

#[test]
fn every_step_is_refused_out_of_order() {
    // From each happy-path state, the steps that do not follow are refused
    // and leave the visit unchanged.
    for k in 0..=HAPPY {
        let v = visit_at(k);
        let before = v.clone();
        let mut w = v.clone();
        let attempts: Vec<(usize, Result<(), VisitError>)> = vec![
            (
                1,
                w.clone()
                    .identify(patient(), IdentificationMethod::EVoucher, None),
            ),
            (
                3,
                w.clone()
                    .downloaded(rx(), DownloadRef::EpcToken("T".into())),
            ),
            (4, w.clone().signature_verified(&TestVerified(rx()))),
            (5, w.clone().rules_checked(clean_report())),
            (6, w.clone().audited(audit_input())),
            (7, w.clone().start_dispensing()),
            (8, w.clone().dispensed_items(items(), false)),
            (10, w.clone().settlement_sent("M", "cashier-01")),
            (11, w.clone().settled("S", split())),
            (12, w.clone().receipted("R")),
        ];
        for (step, r) in attempts {
            // Step `step` of the happy path is legal exactly at k = step - 1
            // (downloading by QR token is also legal right after identify).
            let legal = k + 1 == step || (step == 3 && (k == 1 || k == 2));
            if legal {
                assert!(r.is_ok(), "k={k} step={step}: {r:?}");
            } else {
                illegal(r);
            }
        }
        assert_eq!(w.state(), before.state());
        illegal(w.resolve_uncertain(Resolution::NotSettled));
    }
}

#[test]
fn an_unverified_or_different_prescription_cannot_advance() {
    let mut v = visit_at(3);
    illegal(v.rules_checked(clean_report()));
    illegal(v.audited(audit_input()));
    let mut other = rx();
    other.rx_no = RxNo("11000020261122000999".into());
    assert_eq!(
        v.signature_verified(&TestVerified(other)),
        Err(VisitError::VerifiedOtherPrescription)
    );
    assert_eq!(v.state(), &VisitState::Downloaded);
    assert!(v.signature().is_none());
    // The verified content replaces the download.
    let mut verified = rx();
    verified.lines[0].quantity = 3.into();
    v.signature_verified(&TestVerified(verified.clone()))
        .unwrap();
    assert_eq!(v.prescription(), Some(&verified));
}

#[test]
fn signature_failure_ends_the_visit_with_the_reason() {
    let mut v = visit_at(3);
    v.signature_failed("证书已吊销").unwrap();
    assert_eq!(
        v.state(),
        &VisitState::Closed(CloseReason::SignatureInvalid("证书已吊销".into()))
    );
    illegal(v.signature_verified(&TestVerified(rx())));
    illegal(v.cancel());
}

#[test]
fn blocking_rules_close_and_keep_the_report() {
    let mut v = visit_at(4);
    let report = RuleReport {
        findings: vec![
            Finding::new(RuleCode::LayoutMismatch, "不一致"),
            Finding::on_line(RuleCode::ItemSelfPay, 0, "自费"),
        ],
        ..Default::default()
    };
    v.rules_checked(report).unwrap();
    assert_eq!(
        v.state(),
        &VisitState::Closed(CloseReason::RulesBlocked(vec![RuleCode::LayoutMismatch]))
    );
    assert_eq!(v.rules().unwrap().findings.len(), 2);
    illegal(v.audited(audit_input()));
    // A notice alone does not block.
    let mut v = visit_at(4);
    v.rules_checked(RuleReport {
        findings: vec![Finding::on_line(RuleCode::ItemSelfPay, 0, "自费")],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(v.state(), &VisitState::RulesChecked);
}

#[test]
fn audit_requires_an_on_duty_reconfirmed_pharmacist() {
    type Tweak = fn(&mut AuditInput);
    let cases: Vec<(Tweak, &str)> = vec![
        (
            |i| i.shift.started.person = person("李四", "110105195001010012"),
            "AUDIT_SHIFT_IDENTITY_MISMATCH",
        ),
        (
            |i| i.shift.ended_at = Some(at("2026-11-23 09:00:00")),
            "AUDIT_NOT_ON_DUTY",
        ),
        (
            |i| i.shift.started.at = at("2026-11-23 10:00:00"),
            "AUDIT_NOT_ON_DUTY",
        ),
        (
            |i| i.reconfirmed.person = person("李四", "110105195001010012"),
            "AUDIT_RECONFIRM_MISMATCH",
        ),
        (
            |i| i.reconfirmed.at = at("2026-11-23 08:55:59"),
            "AUDIT_RECONFIRM_STALE",
        ),
        (
            |i| i.reconfirmed.at = at("2026-11-23 09:06:01"),
            "AUDIT_RECONFIRM_STALE",
        ),
        (|i| i.opinion = "  ".into(), "AUDIT_OPINION_REQUIRED"),
        (
            |i| i.reviewer = Some(pharmacist()),
            "AUDIT_REVIEWER_IS_AUDITOR",
        ),
        (
            |i| i.shift.pharmacist.code = "HY11010500012".into(),
            "AUDIT_PHARMACIST_CODE",
        ),
    ];
    for (tweak, code) in cases {
        let mut v = visit_at(5);
        let mut input = audit_input();
        tweak(&mut input);
        let e = v.audited(input).unwrap_err();
        assert_eq!(e.code(), code);
        assert!(!e.message_zh().is_empty());
        assert_eq!(v.state(), &VisitState::RulesChecked, "{code}");
        assert!(v.audit().is_none());
    }
    // Exactly ten minutes old is still fresh; another reviewer is fine.
    let mut v = visit_at(5);
    let mut input = audit_input();
    input.reconfirmed.at = at("2026-11-23 08:56:00");
    input.reviewer = Some(Pharmacist {
        code: "HY110105000124".into(),
        person: person("赵药师", "110105198202020018"),
        prac_cert_no: "ZY2".into(),
    });
    v.audited(input).unwrap();
    assert_eq!(v.state(), &VisitState::Audited);
    // No 医保药师代码 configured: 7204 does not need it.
    let mut v = visit_at(5);
    let mut input = audit_input();
    input.shift.pharmacist.code = String::new();
    v.audited(input).unwrap();
}

#[test]
fn a_refused_audit_closes_the_visit() {
    for result in [AuditResult::Rejected, AuditResult::NeedsDoctor] {
        let mut v = visit_at(5);
        let mut input = audit_input();
        input.result = result.clone();
        input.opinion = "剂量超常，请医生确认".into();
        v.audited(input).unwrap();
        assert_eq!(
            v.state(),
            &VisitState::Closed(CloseReason::AuditNotApproved(result))
        );
        assert!(v.audit().is_some());
        illegal(v.start_dispensing());
    }
}

#[test]
fn identification_rules() {
    let mut v = Visit::new("V1");
    assert_eq!(
        v.identify(
            patient(),
            IdentificationMethod::IdCard {
                password_confirmed: false
            },
            None
        ),
        Err(VisitError::PasswordRequired)
    );
    assert_eq!(
        v.identify(person("", "1"), IdentificationMethod::EVoucher, None),
        Err(VisitError::IdentityIncomplete)
    );
    let e = v
        .identify(
            person("张三", "110105194912310021"),
            IdentificationMethod::EVoucher,
            None,
        )
        .unwrap_err();
    assert_eq!(e.code(), "VISIT_ID_NUMBER_INVALID");
    assert!(e.message_zh().contains("校验位"));
    // Other certificate types are not ID numbers.
    let mut w = Visit::new("V2");
    w.identify(
        PersonIdentity {
            cert_type: "08".into(),
            ..person("JOHN SMITH", "E12345678")
        },
        IdentificationMethod::EVoucher,
        None,
    )
    .unwrap();
    let g = v.evoucher_guidance(GuidanceReason::NotActivated).unwrap();
    assert!(g.title_zh.contains("未激活"));
    assert!(g.to_text().contains("1. "));
    assert_eq!(
        v.state(),
        &VisitState::EVoucherGuidance(GuidanceReason::NotActivated)
    );
    for r in [
        GuidanceReason::PasswordFailed,
        GuidanceReason::PasswordNotSet,
    ] {
        assert!(v.evoucher_guidance(r).unwrap().steps_zh.len() >= 3);
    }
    let bad_proxy = ProxyPurchase {
        agent: person("李四", "110105195001010012"),
        relationship: "配偶".into(),
        authorisation_ref: "".into(),
    };
    assert_eq!(
        v.identify(
            patient(),
            IdentificationMethod::EVoucher,
            Some(bad_proxy.clone())
        ),
        Err(VisitError::Proxy(ProxyError::NoAuthorisation))
    );
    let proxy = ProxyPurchase {
        authorisation_ref: "FAM-0001".into(),
        ..bad_proxy
    };
    v.identify(
        patient(),
        IdentificationMethod::SocialSecurityCard {
            password_confirmed: true,
        },
        Some(proxy),
    )
    .unwrap();
    assert_eq!(v.proxy().unwrap().agent.name, "李四");
    assert_eq!(v.patient().unwrap().name, "张三");
    assert!(matches!(
        v.method(),
        Some(IdentificationMethod::SocialSecurityCard { .. })
    ));
    illegal(
        v.evoucher_guidance(GuidanceReason::NotActivated)
            .map(|_| ()),
    );
}

#[test]
fn download_must_be_one_of_the_listed() {
    let mut v = visit_at(2);
    assert_eq!(
        v.downloaded(rx(), DownloadRef::AuthRxno("OTHER".into())),
        Err(VisitError::UnknownAuthorisation("OTHER".into()))
    );
    // The QR path downloads straight after identification.
    let mut v = visit_at(1);
    v.downloaded(rx(), DownloadRef::EpcToken("secret-token".into()))
        .unwrap();
    assert!(!format!("{:?}", v.download_ref()).contains("secret"));
}

#[test]
fn dispensed_items_are_rechecked() {
    let mut v = visit_at(7);
    assert_eq!(
        v.dispensed_items(vec![], false),
        Err(VisitError::NothingDispensed)
    );
    let mut over = items();
    over.push(over[0].clone());
    assert_eq!(
        v.dispensed_items(over, false),
        Err(VisitError::DispensedOverQuantity(0))
    );
    let mut wrong = items();
    wrong[0].med_list_codg = "XOTHER".into();
    assert_eq!(
        v.dispensed_items(wrong, false),
        Err(VisitError::DispensedNotPrescribed)
    );
    let mut off = items();
    off[0].line = 5;
    assert_eq!(
        v.dispensed_items(off, false),
        Err(VisitError::DispensedNotPrescribed)
    );
    assert_eq!(v.state(), &VisitState::Dispensing);
}

#[test]
fn pre_settlement_total_must_match_the_sale() {
    let mut v = visit_at(8);
    let e = v.pre_settled(split(), a("25.01")).unwrap_err();
    assert_eq!(e.code(), "SETTLE_TOTAL_MISMATCH");
    v.pre_settled(split(), a("25.00")).unwrap();
    v.pre_settled(split(), a("25.00")).unwrap();
    assert_eq!(v.state(), &VisitState::PreSettled);
}

#[test]
fn an_uncertain_settlement_blocks_everything_until_resolved() {
    let mut v = visit_at(10);
    v.settlement_timed_out().unwrap();
    let before = v.clone();
    let refusals = [
        v.clone().cancel(),
        v.clone().settlement_sent("M2", "cashier-01"),
        v.clone().settled("S", split()),
        v.clone().receipted("R"),
        v.clone().refund_requested(&[0]),
        v.clone().pre_settled(split(), a("25.00")),
        v.clone().settlement_timed_out(),
        v.clone()
            .identify(patient(), IdentificationMethod::EVoucher, None),
    ];
    for r in refusals {
        let e = r.unwrap_err();
        assert_eq!(e.code(), "VISIT_SETTLEMENT_UNCERTAIN");
        assert!(e.message_zh().contains("切勿重复收费"));
    }
    assert_eq!(v, before);

    // Not settled: back to pre-settlement, may send again.
    let mut w = v.clone();
    w.resolve_uncertain(Resolution::NotSettled).unwrap();
    assert_eq!(w.state(), &VisitState::PreSettled);
    assert_eq!(w.settlement_msgid(), None);
    w.settlement_sent("M3", "cashier-01").unwrap();
    // Reversed by 2601.
    let mut w = v.clone();
    w.resolve_uncertain(Resolution::Reversed).unwrap();
    assert_eq!(w.state(), &VisitState::PreSettled);
    // It did settle: take that result, never send a second 2102.
    v.resolve_uncertain(Resolution::Settled {
        setl_id: "SETL9".into(),
        split: split(),
    })
    .unwrap();
    assert_eq!(v.state(), &VisitState::Settled);
    assert_eq!(v.setl_id(), Some("SETL9"));
    illegal(v.settlement_sent("M4", "cashier-01"));
}

#[test]
fn a_rejected_settlement_returns_to_pre_settlement() {
    let mut v = visit_at(10);
    v.settlement_rejected().unwrap();
    assert_eq!(v.state(), &VisitState::PreSettled);
    v.cancel().unwrap();
    let mut v = visit_at(10);
    illegal(v.cancel());
}

#[test]
fn refunds_are_whole_prescription_only() {
    let mut v = visit_at(HAPPY);
    assert_eq!(v.refund_requested(&[]), Err(VisitError::PartialRefund));
    assert_eq!(v.refund_requested(&[0, 1]), Err(VisitError::PartialRefund));
    v.refund_requested(&[0]).unwrap();
    assert_eq!(v.state(), &VisitState::Refunding);
    v.refund_failed().unwrap();
    assert_eq!(v.state(), &VisitState::Receipted);
    v.refund_requested(&[0, 0]).unwrap();
    v.refunded().unwrap();
    assert_eq!(v.state(), &VisitState::Refunded);
    illegal(v.refund_requested(&[0]));
    // Refund straight after settlement (before the receipt) too.
    let mut v = visit_at(HAPPY - 1);
    v.refund_requested(&[0]).unwrap();
}

#[test]
fn an_uncertain_refund_is_queried_before_anything_else() {
    let mut v = visit_at(HAPPY);
    v.refund_requested(&[0]).unwrap();
    v.refund_timed_out().unwrap();
    let before = v.clone();
    for r in [
        v.clone().refunded(),
        v.clone().refund_failed(),
        v.clone().refund_requested(&[0]),
        v.clone().cancel(),
        v.clone().delivery_accepted(true),
    ] {
        let e = r.unwrap_err();
        assert_eq!(e.code(), "VISIT_REFUND_UNCERTAIN");
        assert!(e.message_zh().contains("切勿重复退费"));
    }
    assert_eq!(v, before);
    illegal(v.clone().resolve_uncertain(Resolution::NotSettled));
    let mut w = v.clone();
    w.resolve_refund(false).unwrap();
    assert_eq!(w.state(), &VisitState::Receipted, "back where it started");
    v.resolve_refund(true).unwrap();
    assert_eq!(v.state(), &VisitState::Refunded);
    illegal(v.resolve_refund(true));
}

#[test]
fn delivery_checks_cold_chain_and_the_recipient() {
    let mut v = visit_at(7);
    v.dispensed_items(items(), true).unwrap();
    v.pre_settled(split(), a("25.00")).unwrap();
    v.settlement_sent("M", "cashier-01").unwrap();
    v.settled("S", split()).unwrap();
    v.receipted("R").unwrap();
    assert_eq!(
        v.delivery_accepted(false),
        Err(VisitError::ColdChainNotHandled)
    );
    v.delivery_accepted(true).unwrap();
    illegal(v.delivery_signed(&patient()));
    v.delivery_in_transit().unwrap();
    assert_eq!(
        v.delivery_signed(&person("李四", "110105195001010012")),
        Err(VisitError::RecipientNotPatient)
    );
    v.delivery_signed(&person("张 三", "11010519491231002x"))
        .unwrap();
    assert_eq!(v.state(), &VisitState::Delivery(DeliveryStatus::SignedFor));

    // The registered 代购 agent may sign; a refused parcel can be refunded.
    let mut v = Visit::new("V1");
    let agent = person("李四", "110105195001010012");
    v.identify(
        patient(),
        IdentificationMethod::EVoucher,
        Some(ProxyPurchase {
            agent: agent.clone(),
            relationship: "配偶".into(),
            authorisation_ref: "FAM-1".into(),
        }),
    )
    .unwrap();
    v.downloaded(rx(), DownloadRef::EpcToken("t".into()))
        .unwrap();
    v.signature_verified(&TestVerified(rx())).unwrap();
    v.rules_checked(clean_report()).unwrap();
    v.audited(audit_input()).unwrap();
    v.start_dispensing().unwrap();
    v.dispensed_items(items(), false).unwrap();
    v.pre_settled(split(), a("25.00")).unwrap();
    v.settlement_sent("M", "cashier-01").unwrap();
    v.settled("S", split()).unwrap();
    v.receipted("R").unwrap();
    v.delivery_accepted(false).unwrap();
    v.delivery_in_transit().unwrap();
    let mut w = v.clone();
    w.delivery_signed(&agent).unwrap();
    v.delivery_refused().unwrap();
    v.refund_requested(&[0]).unwrap();
    v.refunded().unwrap();
}

#[test]
fn visits_round_trip_through_json() {
    let v = visit_at(HAPPY);
    let j = serde_json::to_string(&v).unwrap();
    let back: Visit = serde_json::from_str(&j).unwrap();
    assert_eq!(back, v);
}

#[derive(Debug, Clone)]
enum Step {
    Identify,
    Guidance,
    List,
    DownloadListed,
    DownloadQr,
    VerifyRight,
    VerifyWrong,
    SignatureFailed,
    RulesClean,
    RulesBlocking,
    AuditOk,
    AuditStale,
    AuditRejected,
    StartDispensing,
    Dispensed,
    PreSettle,
    Send,
    Settled,
    Rejected,
    Timeout,
    ResolveSettled,
    ResolveNot,
    ResolveReversed,
    Receipt,
    Refund,
    Refunded,
    RefundFailed,
    RefundTimeout,
    ResolveRefundDone,
    ResolveRefundNot,
    Cancel,
    /// The natural next step for the current state (so random walks get far).
    Advance,
}

fn natural_next(v: &Visit) -> Step {
    match v.state() {
        VisitState::Started | VisitState::EVoucherGuidance(_) => Step::Identify,
        VisitState::Identified => Step::List,
        VisitState::PrescriptionsListed => Step::DownloadListed,
        VisitState::Downloaded => Step::VerifyRight,
        VisitState::Verified => Step::RulesClean,
        VisitState::RulesChecked => Step::AuditOk,
        VisitState::Audited => Step::StartDispensing,
        VisitState::Dispensing => Step::Dispensed,
        VisitState::Dispensed => Step::PreSettle,
        VisitState::PreSettled => Step::Send,
        VisitState::Settling => Step::Settled,
        VisitState::SettlementUncertain => Step::ResolveSettled,
        VisitState::Settled => Step::Receipt,
        VisitState::Receipted => Step::Refund,
        VisitState::Refunding => Step::Refunded,
        VisitState::RefundUncertain => Step::ResolveRefundDone,
        _ => Step::Cancel,
    }
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![3 => Just(Step::Advance), 2 => any_step()]
}

fn any_step() -> impl Strategy<Value = Step> {
    use Step::*;
    prop::sample::select(vec![
        Identify,
        Guidance,
        List,
        DownloadListed,
        DownloadQr,
        VerifyRight,
        VerifyWrong,
        SignatureFailed,
        RulesClean,
        RulesBlocking,
        AuditOk,
        AuditStale,
        AuditRejected,
        StartDispensing,
        Dispensed,
        PreSettle,
        Send,
        Settled,
        Rejected,
        Timeout,
        ResolveSettled,
        ResolveNot,
        ResolveReversed,
        Receipt,
        Refund,
        Refunded,
        RefundFailed,
        RefundTimeout,
        ResolveRefundDone,
        ResolveRefundNot,
        Cancel,
    ])
}

fn apply(v: &mut Visit, s: &Step, its: &[DispensedItem]) -> Result<(), VisitError> {
    if let Step::Advance = s {
        let next = natural_next(v);
        return apply(v, &next, its);
    }
    let mut wrong = rx();
    wrong.rx_no = RxNo("11000020261122000999".into());
    match s {
        Step::Identify => v.identify(patient(), IdentificationMethod::EVoucher, None),
        Step::Guidance => v
            .evoucher_guidance(GuidanceReason::NotActivated)
            .map(|_| ()),
        Step::List => v.prescriptions_listed(listed()),
        Step::DownloadListed => v.downloaded(rx(), DownloadRef::AuthRxno("AUTH0001".into())),
        Step::DownloadQr => v.downloaded(rx(), DownloadRef::EpcToken("t".into())),
        Step::VerifyRight => v.signature_verified(&TestVerified(rx())),
        Step::VerifyWrong => v.signature_verified(&TestVerified(wrong)),
        Step::SignatureFailed => v.signature_failed("bad"),
        Step::RulesClean => v.rules_checked(clean_report()),
        Step::RulesBlocking => v.rules_checked(RuleReport {
            findings: vec![Finding::new(RuleCode::RxRevoked, "撤销")],
            ..Default::default()
        }),
        Step::AuditOk => v.audited(audit_input()),
        Step::AuditStale => {
            let mut i = audit_input();
            i.reconfirmed.at = at("2026-11-23 07:00:00");
            v.audited(i)
        }
        Step::AuditRejected => {
            let mut i = audit_input();
            i.result = AuditResult::Rejected;
            v.audited(i)
        }
        Step::StartDispensing => v.start_dispensing(),
        Step::Dispensed => v.dispensed_items(its.to_vec(), false),
        Step::PreSettle => v.pre_settled(split(), a("25.00")),
        Step::Send => v.settlement_sent("M", "cashier-01"),
        Step::Settled => v.settled("S", split()),
        Step::Rejected => v.settlement_rejected(),
        Step::Timeout => v.settlement_timed_out(),
        Step::ResolveSettled => v.resolve_uncertain(Resolution::Settled {
            setl_id: "S2".into(),
            split: split(),
        }),
        Step::ResolveNot => v.resolve_uncertain(Resolution::NotSettled),
        Step::ResolveReversed => v.resolve_uncertain(Resolution::Reversed),
        Step::Receipt => v.receipted("R"),
        Step::Refund => v.refund_requested(&[0]),
        Step::Refunded => v.refunded(),
        Step::RefundFailed => v.refund_failed(),
        Step::RefundTimeout => v.refund_timed_out(),
        Step::ResolveRefundDone => v.resolve_refund(true),
        Step::ResolveRefundNot => v.resolve_refund(false),
        Step::Cancel => v.cancel(),
        Step::Advance => unreachable!("handled above"),
    }
}

#[test]
fn random_walks_do_reach_settlement() {
    // Guards the property test below against being vacuous.
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = prop::collection::vec(step(), 0..60);
    let its = items();
    let mut settled = 0;
    for _ in 0..200 {
        let steps = strategy.new_tree(&mut runner).unwrap().current();
        let mut v = Visit::new("V1");
        for s in &steps {
            let _ = apply(&mut v, s, &its);
            if v.setl_id().is_some() {
                settled += 1;
                break;
            }
        }
    }
    assert!(settled >= 20, "only {settled} of 200 walks settled");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn never_settled_without_verification_and_approved_audit(
        steps in prop::collection::vec(step(), 0..60)
    ) {
        let its = items();
        let mut v = Visit::new("V1");
        let mut two_sends_without_resolution = 0;
        for s in &steps {
            let before = v.clone();
            let r = apply(&mut v, s, &its);
            if r.is_err() {
                prop_assert_eq!(&v, &before, "a refused step changed the visit: {:?}", s);
            }
            if matches!(s, Step::Send) && r.is_ok() {
                two_sends_without_resolution += 1;
                prop_assert_eq!(two_sends_without_resolution, 1, "a second 2102 without resolution");
            }
            if matches!(v.state(), VisitState::PreSettled) {
                two_sends_without_resolution = 0;
            }
            let settled_or_later = matches!(
                v.state(),
                VisitState::Settled | VisitState::Receipted | VisitState::Refunding
                    | VisitState::RefundUncertain | VisitState::Refunded | VisitState::Delivery(_)
            );
            if settled_or_later {
                prop_assert!(v.signature().is_some());
                prop_assert_eq!(v.prescription(), Some(&rx()));
                let audit = v.audit().expect("audited");
                prop_assert_eq!(&audit.result, &AuditResult::Approved);
                prop_assert!(v.setl_id().is_some());
                prop_assert!(!v.dispensed().is_empty());
                let trail: Vec<&str> = v.history().iter().map(|t| t.action.as_str()).collect();
                prop_assert!(trail.contains(&"signature_verified"));
                prop_assert!(trail.contains(&"audited"));
            }
        }
    }
}
