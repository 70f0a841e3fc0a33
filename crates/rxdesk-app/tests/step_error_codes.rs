//! The counter's step-error and scan codes are a contract with the window,
//! the rehearsal scenarios and support: every code is listed in
//! docs/rules.md, no two variants share one, and every variant has its
//! sentence in zh-CN and in English.

use rxdesk_app::visit::{
    CenterAction, DutyPurpose, Holder, MethodKind, MissingDevice, OutOfStep, StepError,
    DEVICE_CODES, OWN_CODES, SCAN_CODES,
};
use rxdesk_core::Amount;
use std::collections::HashSet;

/// One value of each of `StepError`'s own variants (the `match` below
/// fails to compile when a variant is added and not listed here).
fn one_of_each() -> Vec<StepError> {
    use StepError as E;
    let all = vec![
        E::NoVisit,
        E::SettlementUncertain {
            interrupted: true,
            charged: false,
            reference: "M1".into(),
        },
        E::SettledNotCompleted { recovered: false },
        E::OutOfStep {
            step: OutOfStep::NotDispensed,
        },
        E::NoPrescription,
        E::NoPatient,
        E::NoProduct,
        E::NoBatch { batch: "B1".into() },
        E::Price(rxdesk_core::money::MoneyError::NotANumber("x".into())),
        E::Internal {
            detail: "journal".into(),
        },
        E::NoPreSettlement,
        E::NoSettlement,
        E::NoMsgid,
        E::NotUncertain,
        E::ParkNotAllowed,
        E::ParkFull { max: 5 },
        E::ResumeBusy,
        E::ParkedNotFound,
        E::ParkedResolving,
        E::PatientParkedUncertain,
        E::AuthoriseRefused,
        E::AgentName,
        E::AgentIdNumber(
            rxdesk_core::code_format::validate_id_number("1")
                .expect_err("a one-digit ID number is wrong"),
        ),
        E::AgentRelationship,
        E::DeviceNotConfigured {
            missing: MissingDevice::CardReader,
        },
        E::FaceConsentRequired,
        E::BadMethod {
            kind: MethodKind::Payment,
            given: "cheque".into(),
        },
        E::BadCredential {
            holder: Holder::Patient,
        },
        E::CardOtherPerson,
        E::ListFailed {
            detail: "timeout".into(),
        },
        E::DownloadFailed {
            detail: "desk".into(),
        },
        E::RxUnreadable { reason: "x".into() },
        E::LayoutNotDrawn { reason: "x".into() },
        E::TerminalNoShared {
            action: CenterAction::Settle,
            message: "in use".into(),
        },
        E::CenterRejected {
            action: CenterAction::PreSettle,
            center_code: "-1".into(),
            message: "no".into(),
        },
        E::CenterUnavailable {
            action: CenterAction::PreSettle,
        },
        E::CenterUncertain {
            action: CenterAction::Settle,
        },
        E::CenterInvalid {
            action: CenterAction::Download,
            detail: "url".into(),
        },
        E::NotPharmacist {
            purpose: DutyPurpose::Shift,
        },
        E::NoOperator,
        E::PharmacistNotRegistered {
            purpose: DutyPurpose::Binding,
        },
        E::ShiftIdentityMismatch {
            purpose: DutyPurpose::Shift,
        },
        E::AuditResult { given: "9".into() },
        E::AuditNotOnDuty,
        E::ReviewerUnknown { login: "p9".into() },
        E::AuditUploadRejected { upload_id: 3 },
        E::AuditNotUploaded { upload_id: 3 },
        E::BadAmount { given: "x".into() },
        E::PayCodeMissing,
        E::Till {
            code: "TILL_NOT_OPEN",
            detail: "x".into(),
        },
        E::Till {
            code: "NOTHING_TO_PAY",
            detail: "x".into(),
        },
        E::Till {
            code: "AUDIT_REVIEWER_IS_AUDITOR",
            detail: "x".into(),
        },
        E::PaymentDeclined {
            reason: "declined".into(),
        },
        E::NotPaid {
            due: "12.50".parse::<Amount>().expect("an amount"),
        },
        E::DeliveryIncomplete,
        E::DeliveryNotAccepted,
        E::AlreadyRefunded,
        E::SaleUploadsPending { open: 2 },
        E::RefundIdentityRequired,
        E::RefundIdentityMethod {
            given: "face".into(),
        },
        E::RefundIdentityMismatch,
        E::RefundRefused {
            detail: "x".into(),
            unfinished_visit: false,
        },
        E::RefundUncertain { detail: "x".into() },
        E::PaymentRefundFailed {
            channel: rxdesk_app::visit::payment::Channel::WeChat,
            detail: "x".into(),
        },
        E::RecoveryIncomplete,
        E::RecoveryTotalDiffers,
        E::SettlementNotFoundYet { wait_secs: 30 },
        E::Forbidden { detail: "x".into() },
        E::Locked { detail: "x".into() },
        E::RuleRefused { detail: "x".into() },
        E::Store { detail: "x".into() },
        E::NoOtcSale,
        E::OtcLocked,
        E::OtcUnknownProduct {
            query: "YP9".into(),
        },
    ];
    for e in &all {
        // Exhaustive on purpose: a new variant must be added above.
        match e {
            E::NoVisit
            | E::SettlementUncertain { .. }
            | E::SettledNotCompleted { .. }
            | E::OutOfStep { .. }
            | E::NoPrescription
            | E::NoPatient
            | E::NoProduct
            | E::NoBatch { .. }
            | E::Price(_)
            | E::Internal { .. }
            | E::NoPreSettlement
            | E::NoSettlement
            | E::NoMsgid
            | E::NotUncertain
            | E::ParkNotAllowed
            | E::ParkFull { .. }
            | E::ResumeBusy
            | E::ParkedNotFound
            | E::ParkedResolving
            | E::PatientParkedUncertain
            | E::AuthoriseRefused
            | E::AgentName
            | E::AgentIdNumber(_)
            | E::AgentRelationship
            | E::DeviceNotConfigured { .. }
            | E::FaceConsentRequired
            | E::BadMethod { .. }
            | E::BadCredential { .. }
            | E::CardOtherPerson
            | E::ListFailed { .. }
            | E::DownloadFailed { .. }
            | E::RxUnreadable { .. }
            | E::LayoutNotDrawn { .. }
            | E::TerminalNoShared { .. }
            | E::CenterRejected { .. }
            | E::CenterUnavailable { .. }
            | E::CenterUncertain { .. }
            | E::CenterInvalid { .. }
            | E::NotPharmacist { .. }
            | E::NoOperator
            | E::PharmacistNotRegistered { .. }
            | E::ShiftIdentityMismatch { .. }
            | E::AuditResult { .. }
            | E::AuditNotOnDuty
            | E::ReviewerUnknown { .. }
            | E::AuditUploadRejected { .. }
            | E::AuditNotUploaded { .. }
            | E::BadAmount { .. }
            | E::PayCodeMissing
            | E::PaymentDeclined { .. }
            | E::NotPaid { .. }
            | E::DeliveryIncomplete
            | E::DeliveryNotAccepted
            | E::AlreadyRefunded
            | E::SaleUploadsPending { .. }
            | E::RefundIdentityRequired
            | E::RefundIdentityMethod { .. }
            | E::RefundIdentityMismatch
            | E::RefundRefused { .. }
            | E::RefundUncertain { .. }
            | E::PaymentRefundFailed { .. }
            | E::RecoveryIncomplete
            | E::RecoveryTotalDiffers
            | E::SettlementNotFoundYet { .. }
            | E::Forbidden { .. }
            | E::Locked { .. }
            | E::RuleRefused { .. }
            | E::Store { .. }
            | E::NoOtcSale
            | E::OtcLocked
            | E::OtcUnknownProduct { .. } => {}
            // Wrapped errors carry their own modules' codes (the till's,
            // the settlement plan's, other crates').
            E::Device(_)
            | E::Visit(_)
            | E::Dispense(_)
            | E::Settlement(_)
            | E::Till { .. }
            | E::SettlementKind(_)
            | E::Otc(_) => {}
        }
    }
    all
}

fn rules_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");
    std::fs::read_to_string(path).expect("docs/rules.md")
}

#[test]
fn every_step_error_code_is_documented() {
    let doc = rules_md();
    let codes: Vec<&str> = one_of_each().iter().map(StepError::code).collect();
    let mut seen = HashSet::new();
    for c in &codes {
        assert!(seen.insert(*c), "two variants share the code {c}");
        assert!(
            doc.contains(&format!("`{c}`")),
            "{c} is missing from docs/rules.md"
        );
    }
    // The published list is exactly the variants' codes.
    let listed: HashSet<&str> = OWN_CODES.iter().copied().collect();
    assert_eq!(listed, seen, "OWN_CODES differs from the variants' codes");
    for c in DEVICE_CODES.iter().chain(SCAN_CODES) {
        assert!(
            doc.contains(&format!("`{c}`")),
            "{c} is missing from docs/rules.md"
        );
    }
    let scan: HashSet<&str> = SCAN_CODES.iter().copied().collect();
    assert_eq!(scan.len(), SCAN_CODES.len(), "a scan code is listed twice");
}

#[test]
fn every_step_error_has_both_sentences_and_the_english_has_no_chinese() {
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for e in one_of_each() {
        let zh = e.message_zh();
        let en = e.message_en();
        assert!(!zh.trim().is_empty(), "{}: empty zh-CN", e.code());
        assert!(!en.trim().is_empty(), "{}: empty en-US", e.code());
        // The variant's own words; data from outside (a center message)
        // may be Chinese, these examples carry none.
        assert!(
            !cjk(&en),
            "{}: English sentence has Chinese: {en}",
            e.code()
        );
        assert_eq!(e.to_string(), zh, "Display is the zh-CN sentence");
    }
}

#[test]
fn the_wire_shape_is_code_message_params_in_camel_case() {
    let e = StepError::AuditUploadRejected { upload_id: 7 };
    let w = serde_json::to_value(e.to_wire(rxdesk_app::visit::Lang::EnUs)).unwrap();
    assert_eq!(w["code"], "AUDIT_UPLOAD_REJECTED");
    assert_eq!(w["params"]["uploadId"], 7);
    assert!(w["message"]
        .as_str()
        .unwrap()
        .contains("upload queue row 7"));
    let w = serde_json::to_value(
        StepError::OutOfStep {
            step: OutOfStep::NotPreSettled,
        }
        .to_wire(rxdesk_app::visit::Lang::ZhCn),
    )
    .unwrap();
    assert_eq!(w["params"]["step"], "notPreSettled");
    assert_eq!(w["message"], "请先预结算并向患者说明费用后再确认结算");
    let w = serde_json::to_value(StepError::NoVisit.to_wire(Default::default())).unwrap();
    assert_eq!(w["params"], serde_json::json!({}));
}

/// The payment channel answers in Chinese: its words travel apart, as
/// `params.reason` (the window shows them as the channel's), and the English
/// sentence carries none of them.
#[test]
fn a_declined_payment_keeps_the_channels_words_out_of_the_english_sentence() {
    let words = "付款码无效：请让患者刷新微信或支付宝付款码后重新扫描";
    let e = StepError::PaymentDeclined {
        reason: words.into(),
    };
    assert_eq!(e.message_zh(), words);
    let en = e.message_en();
    assert!(
        !en.chars()
            .any(|c| ('\u{3000}'..='\u{9fff}').contains(&c)
                || ('\u{ff00}'..='\u{ffef}').contains(&c)),
        "{en}"
    );
    assert!(en.contains("declined"), "{en}");
    assert_eq!(e.params()["reason"], words);
}

#[test]
fn a_wrong_password_carries_the_tries_left_as_a_param() {
    use rxdesk_devices::identity::IdentityError;
    let e = StepError::Device(IdentityError::PasswordWrong {
        tries_left: Some(2),
    });
    assert_eq!(e.code(), "DEVICE_PASSWORD_WRONG");
    assert_eq!(e.params(), serde_json::json!({ "tries": 2 }));
    assert!(
        e.message_zh().contains("还可尝试 2 次"),
        "{}",
        e.message_zh()
    );
    assert_eq!(e.message_en(), "e-voucher password wrong (2 tries left)");
    // Without them (the terminal did not say): no param, no "None" in the words.
    let e = StepError::Device(IdentityError::PasswordWrong { tries_left: None });
    assert!(e.params().get("tries").is_none(), "{}", e.params());
    assert_eq!(e.message_en(), "e-voucher password wrong");
}
