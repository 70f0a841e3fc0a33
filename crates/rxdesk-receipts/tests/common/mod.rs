//! A realistic sale: two insured drugs, one self-paid, a mixed settlement.
#![allow(dead_code)]

use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal_macros::dec;
use rxdesk_receipts::*;

pub fn amount(s: &str) -> rxdesk_core::Amount {
    s.parse().unwrap()
}

pub fn store() -> StoreInfo {
    StoreInfo {
        name: "康宁大药房（人民路店）".into(),
        fixmedins_code: "P11010500123".into(),
        address: Some("北京市东城区人民路18号".into()),
        phone: Some("010-64001234".into()),
    }
}

pub fn prescription() -> PrescriptionRef {
    PrescriptionRef {
        rx_no: "RX110105202611240031".into(),
        hospital: "北京市东城区第一人民医院".into(),
        department: Some("呼吸内科".into()),
        doctor: Some("王建国".into()),
        patient_name: "张三丰".into(),
        agent: None,
    }
}

pub fn lines() -> Vec<ReceiptLine> {
    vec![
        ReceiptLine {
            drug_name: "阿莫西林胶囊".into(),
            spec: "0.25g*24粒".into(),
            quantity: dec!(2),
            unit: "盒".into(),
            unit_price: "12.500000".parse().unwrap(),
            amount: amount("25.00"),
            med_list_code: "XJ01CAA040A001010100000".into(),
            batch: "B2310021".into(),
            expiry: NaiveDate::from_ymd_opt(2027, 10, 31).unwrap(),
            trace_codes: vec!["81234567890123456781".into(), "81234567890123456782".into()],
            coverage: Coverage::ClassA,
            guidance: Some(MedicationGuidance {
                single_dose: "2粒".into(),
                frequency: "一日3次".into(),
                route: "口服".into(),
                days: Some(7),
                doctor_instructions: Some("饭后服用，疗程内不要自行停药".into()),
                remarks: vec!["首剂加倍".into()],
                contraindications: vec!["对青霉素类药物过敏者禁用".into()],
                warnings: vec![
                    "服药期间如出现皮疹、瘙痒，请立即停药并就医".into(),
                    "服药期间避免饮酒".into(),
                ],
            }),
        },
        ReceiptLine {
            drug_name: "复方甘草酸苷片（美能）口服复方制剂".into(),
            spec: "25mg*100片".into(),
            quantity: dec!(1),
            unit: "瓶".into(),
            unit_price: "90.000000".parse().unwrap(),
            amount: amount("90.00"),
            med_list_code: "ZA06BAG0123010103456".into(),
            batch: "G24051".into(),
            expiry: NaiveDate::from_ymd_opt(2028, 4, 30).unwrap(),
            trace_codes: vec!["83456789012345678901".into()],
            coverage: Coverage::ClassB,
            guidance: Some(MedicationGuidance {
                single_dose: "2片".into(),
                frequency: "一日3次".into(),
                route: "口服".into(),
                days: Some(14),
                doctor_instructions: None,
                remarks: vec![],
                contraindications: vec![],
                warnings: vec!["高血压、低钾血症患者慎用，用药期间定期监测血压和血钾".into()],
            }),
        },
        ReceiptLine {
            drug_name: "维生素C片".into(),
            spec: "0.1g*100片".into(),
            quantity: dec!(1),
            unit: "瓶".into(),
            unit_price: "10.000000".parse().unwrap(),
            amount: amount("10.00"),
            med_list_code: "XA11GAV012A001010101234".into(),
            batch: "V2402".into(),
            expiry: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            trace_codes: vec![],
            coverage: Coverage::SelfPaid,
            guidance: None,
        },
    ]
}

pub fn sale() -> SaleReceipt {
    SaleReceipt {
        store: store(),
        sale_id: "S20261124101502A7".into(),
        settled_at: Utc.with_ymd_and_hms(2026, 11, 24, 2, 15, 2).unwrap(),
        operator: "赵收银".into(),
        pharmacist: "李药师".into(),
        prescription: prescription(),
        lines: lines(),
        settlement: SettlementSplit {
            total: amount("125.00"),
            fund_pay: amount("80.00"),
            account_pay: amount("20.00"),
            cash_pay: amount("25.00"),
            fund_items: vec![],
            full_self_pay: Some(amount("10.00")),
            pre_self_pay: Some(amount("9.00")),
            deductible: None,
            over_limit: None,
            med_type: None,
            disease: None,
            fund_ratio_percent: Some(dec!(75)),
            account_balance_after: Some(amount("356.40")),
            setl_id: "SETL202611240000153".into(),
        },
        payment: Payment {
            method: PaymentMethod::Cash,
            tendered: Some(amount("50.00")),
            change: Some(amount("25.00")),
        },
        reprinted_at: None,
    }
}

pub fn refund() -> RefundReceipt {
    let s = sale();
    RefundReceipt {
        store: s.store,
        refund_id: "R20261124113000B2".into(),
        original_sale_id: s.sale_id,
        original_setl_id: s.settlement.setl_id.clone(),
        original_settled_at: s.settled_at,
        refunded_at: Utc.with_ymd_and_hms(2026, 11, 24, 3, 30, 0).unwrap(),
        operator: "赵收银".into(),
        authorised_by: None,
        reason: "患者要求退药（未开封）".into(),
        prescription: s.prescription,
        lines: s.lines,
        settlement: SettlementSplit {
            setl_id: "SETL202611240000188".into(),
            ..s.settlement
        },
        refund_method: PaymentMethod::Cash,
    }
}
