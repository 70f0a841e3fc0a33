//! Receipt documents laid out on both paper widths: content, alignment, totals
//! and refusal of money that does not add up.

mod common;

use common::*;
use rxdesk_receipts::text::display_width;
use rxdesk_receipts::*;

fn plain(els: &[ReceiptElement], paper: Paper) -> String {
    let text = render_plain_text(els, paper);
    for line in text.lines() {
        assert!(
            display_width(line) <= paper.columns(),
            "line wider than {} columns: {line:?}",
            paper.columns()
        );
    }
    text
}

/// The text without any whitespace, so wrapped sentences can be searched.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn line_with<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in\n{text}"))
}

#[test]
fn sale_receipt_shows_everything_the_patient_needs() {
    let els = sale_receipt(&sale()).unwrap();
    for paper in [Paper::Mm58, Paper::Mm80] {
        let text = plain(&els, paper);
        let cols = paper.columns();
        // Store, code, title, masked patient, ids.
        assert!(text.contains("康宁大药房（人民路店）"));
        assert!(text.contains("定点编号 P11010500123"));
        assert!(text.contains("患者 张*丰"));
        assert!(!text.contains("张三丰"));
        assert!(text.contains("处方编号 RX110105202611240031"));
        assert!(text.contains("医保结算ID SETL202611240000153"));
        // CST time: 02:15:02 UTC is 10:15:02 in Beijing.
        assert!(text.contains("2026-11-24 10:15:02"));
        // Every trace code, batch and expiry.
        for code in [
            "81234567890123456781",
            "81234567890123456782",
            "83456789012345678901",
        ] {
            assert!(text.contains(&format!("追溯码 {code}")), "{code}");
        }
        assert!(text.contains("追溯码 无（无码库存）"));
        assert!(
            line_with(&text, "批号 B2310021").ends_with("2027-10-31")
                || text.contains("效期 2027-10-31")
        );
        // Amounts flush right on full-width lines.
        for (label, value) in [
            ("合计（3种）", "125.00"),
            ("医保统筹基金支付", "80.00"),
            ("个人账户支付", "20.00"),
            ("您自付（现金）", "25.00"),
            ("实收", "50.00"),
            ("找零", "25.00"),
            ("个人账户余额", "356.40"),
        ] {
            let l = line_with(&text, label);
            assert!(l.ends_with(&format!(" {value}")), "{l:?}");
            assert_eq!(display_width(l), cols, "{l:?}");
        }
        // Line amounts.
        assert!(line_with(&text, "2盒 × 12.50元").ends_with(" 25.00"));
        assert!(line_with(&text, "1瓶 × 90.00元").ends_with(" 90.00"));
        // Usage summary on the receipt.
        assert!(squash(&text).contains("用法口服，每次2粒，一日3次，连用7天"));
        // QR of the sale id.
        assert!(text.contains("[二维码 S20261124101502A7]"));
    }
}

#[test]
fn settlement_is_explained_in_plain_words() {
    let s = sale();
    let sentences = explain_settlement(
        &s.settlement,
        &s.lines,
        &s.payment.method,
        s.payment.tendered,
        s.payment.change,
    );
    let all = sentences.concat();
    assert_eq!(
        sentences[0],
        "本次药品费用共 125.00 元：医保统筹支付 80.00 元，个人账户支付 20.00 元，您自付 25.00 元。"
    );
    assert!(all.contains("“维生素C片”不在医保药品目录内（自费），共 10.00 元"));
    assert!(all.contains(
        "乙类药品“复方甘草酸苷片（美能）口服复方制剂”按医保规定先由个人支付一定比例，计 9.00 元"
    ));
    assert!(all.contains("统筹基金按 75% 支付"));
    assert!(all.contains("扣除后余额 356.40 元"));
    assert!(all.contains("您已通过现金支付 25.00 元（实收 50.00 元，找零 25.00 元）"));
    // And the receipt prints it.
    let text = plain(&sale_receipt(&s).unwrap(), Paper::Mm80);
    assert!(text.contains("结算说明"));
    assert!(squash(&text).contains(&squash(
        "医保统筹支付 80.00 元，个人账户支付 20.00 元，您自付 25.00 元"
    )));
}

#[test]
fn the_kind_of_settlement_and_its_breakdown_are_printed() {
    // A 门慢特 settlement with a deductible, 先行自付 and over-limit part.
    let mut s = sale();
    s.settlement.med_type = Some("14".into());
    s.settlement.disease = Some("M03900 糖尿病".into());
    s.settlement.deductible = Some(amount("3.00"));
    s.settlement.over_limit = Some(amount("2.00"));
    let all = explain_settlement(&s.settlement, &s.lines, &s.payment.method, None, None).concat();
    assert!(
        all.contains("本次按“门诊慢特病”（病种：M03900 糖尿病）结算。"),
        "{all}"
    );
    assert!(all.contains("3.00 元计入起付标准（起付线）"));
    assert!(all.contains("2.00 元超出医保支付限价"));
    assert!(all.contains("先由个人支付一定比例，计 9.00 元"));
    assert!(all.contains("统筹基金按 75% 支付"));
    let text = plain(&sale_receipt(&s).unwrap(), Paper::Mm80);
    for l in ["结算类别", "门诊慢特病", "病种", "M03900 糖尿病"] {
        assert!(text.contains(l), "{l} missing:\n{text}");
    }
    assert!(line_with(&text, "其中 起付线").ends_with("3.00"), "{text}");
    assert!(line_with(&text, "其中 先行自付").ends_with("9.00"));
    assert!(line_with(&text, "其中 目录外自费").ends_with("10.00"));
    assert!(line_with(&text, "其中 超限价自费").ends_with("2.00"));

    // 定点药店购药 (41): no fund, said so; no fund ratio sentence.
    let mut p = sale();
    p.settlement.med_type = Some("41".into());
    p.settlement.fund_pay = amount("0.00");
    p.settlement.account_pay = amount("100.00");
    p.settlement.fund_ratio_percent = Some(rust_decimal::Decimal::ZERO);
    let all = explain_settlement(&p.settlement, &p.lines, &p.payment.method, None, None).concat();
    assert!(all.contains("本次按“定点药店购药”结算。"));
    assert!(all.contains("定点药店购药不使用统筹基金"));
    assert!(!all.contains("统筹基金按"));
    let text = plain(&sale_receipt(&p).unwrap(), Paper::Mm58);
    assert!(text.contains("定点药店购药"));
}

#[test]
fn no_reason_given_gets_a_generic_explanation_and_zero_cash_says_so() {
    let mut s = sale();
    s.lines
        .iter_mut()
        .for_each(|l| l.coverage = Coverage::Unknown);
    s.settlement.full_self_pay = None;
    s.settlement.pre_self_pay = None;
    s.settlement.fund_ratio_percent = None;
    let all =
        explain_settlement(&s.settlement, &s.lines, &PaymentMethod::WeChat, None, None).concat();
    assert!(all.contains("按医保政策由个人负担"));
    // The method's name is not doubled ("微信支付支付").
    assert!(all.contains("您已通过微信支付 25.00 元。"), "{all}");
    assert!(!all.contains("支付支付"), "{all}");

    s.settlement.fund_pay = amount("105.00");
    s.settlement.cash_pay = amount("0.00");
    s.payment = Payment {
        method: PaymentMethod::Cash,
        tendered: None,
        change: None,
    };
    let all = explain_settlement(&s.settlement, &s.lines, &s.payment.method, None, None).concat();
    assert!(all.contains("本次您无需另付现金"));
    assert!(!all.contains("按医保政策由个人负担"));
    sale_receipt(&s).unwrap();
}

#[test]
fn fund_breakdown_is_listed_and_checked() {
    let mut s = sale();
    s.settlement.fund_items = vec![
        FundItem {
            name: "职工基本医疗保险统筹基金".into(),
            amount: amount("70.00"),
        },
        FundItem {
            name: "公务员医疗补助".into(),
            amount: amount("10.00"),
        },
    ];
    let text = plain(&sale_receipt(&s).unwrap(), Paper::Mm58);
    assert!(line_with(&text, "其中 公务员医疗补助").ends_with(" 10.00"));
    assert!(squash(&text).contains(&squash(
        "医保基金支付 80.00 元（职工基本医疗保险统筹基金 70.00 元、公务员医疗补助 10.00 元）"
    )));
    s.settlement.fund_items[1].amount = amount("9.99");
    assert!(matches!(
        sale_receipt(&s),
        Err(ReceiptError::FundItemsDoNotAddUp { .. })
    ));
}

#[test]
fn money_that_does_not_add_up_is_refused() {
    let mut s = sale();
    s.settlement.cash_pay = amount("24.99");
    let err = sale_receipt(&s).unwrap_err();
    assert!(matches!(err, ReceiptError::SettlementDoesNotAddUp { .. }));
    assert!(err.to_string().starts_with("结算金额不一致"));

    let mut s = sale();
    s.lines[0].amount = amount("25.01");
    assert!(matches!(
        sale_receipt(&s),
        Err(ReceiptError::LinesDoNotAddUp { .. })
    ));

    let mut s = sale();
    s.payment.change = Some(amount("20.00"));
    assert!(matches!(
        sale_receipt(&s),
        Err(ReceiptError::WrongChange { .. })
    ));

    let mut s = sale();
    s.payment.tendered = Some(amount("20.00"));
    s.payment.change = None;
    assert!(matches!(
        sale_receipt(&s),
        Err(ReceiptError::WrongChange { .. })
    ));

    let mut s = sale();
    s.lines.clear();
    assert!(matches!(sale_receipt(&s), Err(ReceiptError::NoLines)));

    let mut s = sale();
    s.settlement.account_pay = amount("-20.00");
    s.settlement.fund_pay = amount("120.00");
    assert!(matches!(
        sale_receipt(&s),
        Err(ReceiptError::NegativeAmount { .. })
    ));
}

#[test]
fn change_is_computed_when_only_tendered_is_known() {
    let mut s = sale();
    s.payment.change = None;
    let text = plain(&sale_receipt(&s).unwrap(), Paper::Mm80);
    assert!(line_with(&text, "找零").ends_with(" 25.00"));
}

#[test]
fn reprint_is_marked() {
    let mut s = sale();
    s.reprinted_at =
        Some(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 25, 1, 0, 0).unwrap());
    let text = plain(&sale_receipt(&s).unwrap(), Paper::Mm58);
    assert!(text.contains("** 重印 2026-11-25 09:00:00 **"));
    let fresh = plain(&sale_receipt(&sale()).unwrap(), Paper::Mm58);
    assert!(!fresh.contains("重印"));
}

#[test]
fn refund_receipt_shows_negative_amounts_clearly() {
    let r = refund();
    for paper in [Paper::Mm58, Paper::Mm80] {
        let text = plain(&refund_receipt(&r).unwrap(), paper);
        assert!(text.contains("退费凭证"));
        assert!(text.contains("负号表示退还"));
        for (label, value) in [
            ("退费合计（3种）", "-125.00"),
            ("退回医保统筹基金", "-80.00"),
            ("退回个人账户", "-20.00"),
            ("退还您（现金）", "-25.00"),
        ] {
            let l = line_with(&text, label);
            assert!(l.ends_with(&format!(" {value}")), "{l:?}");
            assert_eq!(display_width(l), paper.columns());
        }
        assert!(line_with(&text, "退 2盒 × 12.50元").ends_with(" -25.00"));
        assert!(text.contains("原结算ID SETL202611240000153"));
        assert!(text.contains("冲销结算ID SETL202611240000188"));
        assert!(text.contains("原销售单号 S20261124101502A7"));
        assert!(text.contains("患者签字"));
        assert!(text.contains("[二维码 R20261124113000B2]"));
        assert!(!text.contains("张三丰"));
    }
    let mut bad = refund();
    bad.settlement.total = amount("-125.00");
    assert!(refund_receipt(&bad).is_err());
}

/// 店长授权: the operator at the counter is 经办人, the manager is named as
/// the one who authorised it; a refund the manager did alone names no one else.
#[test]
fn an_authorised_refund_names_the_operator_and_the_authorising_manager() {
    let alone = plain(&refund_receipt(&refund()).unwrap(), Paper::Mm80);
    assert!(!alone.contains("授权店长"), "{alone}");
    let mut r = refund();
    r.operator = "收银员小陈".into();
    r.authorised_by = Some("店长王敏".into());
    let text = plain(&refund_receipt(&r).unwrap(), Paper::Mm80);
    assert!(line_with(&text, "经办人").ends_with("收银员小陈"), "{text}");
    assert!(line_with(&text, "授权店长").ends_with("店长王敏"), "{text}");
}

#[test]
fn evoucher_guide_covers_all_three_channels_and_the_password() {
    let g = EVoucherGuide {
        store: store(),
        printed_at: chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 24, 2, 0, 0)
            .unwrap(),
        reason: EVoucherGuideReason::PasswordProblem,
        help_url: Some("https://example.invalid/help".into()),
    };
    for paper in [Paper::Mm58, Paper::Mm80] {
        let text = plain(&evoucher_guide(&g), paper);
        let flat = squash(&text);
        for needle in [
            "医保电子凭证激活指引",
            "国家医保服务平台",
            "微信",
            "支付宝",
            "6位数字",
            "密码未能通过验证",
            "忘记密码或密码被锁定",
            "不会索要您的密码",
            "[二维码 https://example.invalid/help]",
            "电话 010-64001234",
        ] {
            assert!(flat.contains(&squash(needle)), "{needle} missing:\n{text}");
        }
    }
    let g = EVoucherGuide {
        reason: EVoucherGuideReason::NotActivated,
        help_url: None,
        ..g
    };
    let text = plain(&evoucher_guide(&g), Paper::Mm58);
    assert!(squash(&text).contains("尚未激活"));
    assert!(!text.contains("二维码"));
}

#[test]
fn names_are_masked_idempotently() {
    assert_eq!(mask_patient_name("张三"), "张*");
    assert_eq!(mask_patient_name("张三丰"), "张*丰");
    assert_eq!(mask_patient_name("欧阳娜娜"), "欧**娜");
    assert_eq!(mask_patient_name("欧**娜"), "欧**娜");
    assert_eq!(mask_patient_name("张*"), "张*");
    assert_eq!(mask_patient_name("李"), "*");
    assert_eq!(mask_patient_name(""), "");
}

#[test]
fn elements_round_trip_through_json_for_the_ui() {
    let els = sale_receipt(&sale()).unwrap();
    let json = serde_json::to_string(&els).unwrap();
    let back: Vec<ReceiptElement> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, els);
    let input = serde_json::to_string(&sale()).unwrap();
    let back: SaleReceipt = serde_json::from_str(&input).unwrap();
    assert_eq!(back, sale());
}

#[test]
fn guidance_slip_lists_usage_instructions_and_warnings_per_drug() {
    for paper in [Paper::Mm58, Paper::Mm80] {
        let text = plain(&guidance_slip(&sale()).unwrap(), paper);
        let flat = squash(&text);
        for needle in [
            "用药指导",
            "患者张*丰",
            "审方药师李药师",
            "1.阿莫西林胶囊",
            "规格0.25g*24粒共2盒",
            "用法口服，每次2粒，一日3次，连用7天",
            "医嘱饭后服用，疗程内不要自行停药",
            "备注首剂加倍",
            "禁忌对青霉素类药物过敏者禁用",
            "注意服药期间避免饮酒",
            "注意高血压、低钾血症患者慎用",
            "3.维生素C片",
            "用法请遵医嘱或按药品说明书使用",
            "温馨提示",
            "药师签名",
        ] {
            assert!(flat.contains(needle), "{needle} missing:\n{text}");
        }
        assert!(!text.contains("张三丰"));
    }
    let mut s = sale();
    s.lines.clear();
    assert!(matches!(guidance_slip(&s), Err(ReceiptError::NoLines)));
}

#[test]
fn documented_json_forms_parse() {
    // The forms docs/receipts.md shows the UI.
    let forms = [
        r#"{"type":"text","text":"合计","align":"center","style":{"bold":true,"double_width":false,"double_height":true},"indent":0,"hanging":0}"#,
        r#"{"type":"rule","ch":"-"}"#,
        r#"{"type":"columns","left":"医保统筹基金支付","right":"80.00","style":{"bold":false,"double_width":false,"double_height":false},"indent":0}"#,
        r#"{"type":"qr","data":"S20261124101502A7"}"#,
        r#"{"type":"barcode128","data":"S20261124101502A7"}"#,
        r#"{"type":"feed","lines":2}"#,
        r#"{"type":"cut"}"#,
    ];
    for f in forms {
        let el: ReceiptElement = serde_json::from_str(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(serde_json::to_string(&el).unwrap(), f);
    }
    let short: ReceiptElement = serde_json::from_str(r#"{"type":"text","text":"x"}"#).unwrap();
    assert_eq!(short, ReceiptElement::text("x"));
}
