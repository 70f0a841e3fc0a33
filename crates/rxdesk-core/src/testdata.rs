//! Shared test fixtures: one prescription and its layout text.

use crate::codes::RxStatus;
use crate::prescription::{Prescription, ReuseTerms, RxLine, RxNo};
use crate::time::parse_wire;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// A CST wire time as an instant (panics on a bad literal: tests only).
pub fn at(s: &str) -> DateTime<Utc> {
    parse_wire(s).expect("test time literal")
}

pub const AMOXICILLIN: &str = "XJ01CAA040A001010100028";

pub fn line() -> RxLine {
    RxLine {
        med_list_codg: AMOXICILLIN.into(),
        drug_genname: "阿莫西林胶囊".into(),
        drug_spec: "0.25g*24粒".into(),
        quantity: Decimal::from(2),
        unit: "盒".into(),
        single_dose: "0.5g".into(),
        frequency: "每日三次".into(),
        route: "口服".into(),
        days: 3,
        price: Some("12.500000".parse().unwrap()),
        hosp_prep_flag: false,
    }
}

pub fn rx() -> Prescription {
    Prescription {
        rx_no: RxNo("11000020261122000001".into()),
        fixmedins_code: "H11010100001".into(),
        fixmedins_name: "北京示例医院".into(),
        patient_name: "张三".into(),
        patient_cert_no: "11010519491231002X".into(),
        status: RxStatus::Valid,
        issued_at: "2026-11-22 09:00:00".into(),
        valid_end_time: "2026-11-29 09:00:00".into(),
        lines: vec![line()],
        reuse: ReuseTerms::default(),
        long_rx_flag: false,
    }
}

/// What `pdftotext` gives for the prescription of [`rx`].
pub fn layout_text() -> String {
    "北京示例医院 处方笺\n\
     姓名：张三  性别：男  年龄：76岁\n\
     身份证号：11010519491231002X\n\
     科室：内科  日期：2026-11-22\n\
     Rp.\n\
     阿莫西林胶囊  0.25g*24粒  ×2盒\n\
     用法：口服  每次0.5g  每日三次  共3天\n\
     医师：李医生  医师姓名：李四\n"
        .to_string()
}
