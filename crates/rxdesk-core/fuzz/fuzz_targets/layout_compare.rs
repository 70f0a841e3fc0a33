//! The layout text comes from a PDF the center served: any text must give
//! a list of differences, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use rxdesk_core::codes::RxStatus;
use rxdesk_core::layout_compare::{compare_layout, unlisted_drugs};
use rxdesk_core::prescription::{Prescription, ReuseTerms, RxLine, RxNo};

fn rx() -> Prescription {
    Prescription {
        rx_no: RxNo("11000020261122000001".into()),
        fixmedins_code: "H11010100001".into(),
        fixmedins_name: "北京示例医院".into(),
        patient_name: "张三".into(),
        patient_cert_no: "11010519491231002X".into(),
        status: RxStatus::Valid,
        issued_at: "2026-11-22 09:00:00".into(),
        valid_end_time: "2026-11-29 09:00:00".into(),
        lines: vec![RxLine {
            med_list_codg: "XJ01CAA040A001010100028".into(),
            drug_genname: "阿莫西林胶囊".into(),
            drug_spec: "0.25g*24粒".into(),
            quantity: Decimal::from(2),
            unit: "盒".into(),
            single_dose: "0.5g".into(),
            frequency: "每日三次".into(),
            route: "口服".into(),
            days: 3,
            price: None,
            hosp_prep_flag: false,
        }],
        reuse: ReuseTerms::default(),
        long_rx_flag: false,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let p = rx();
    let mut diffs = compare_layout(&p, &text);
    diffs.extend(unlisted_drugs(&p, &text, &["布洛芬缓释胶囊", "阿莫西林", "片"]));
    // The certificate number is never shown unmasked.
    for d in diffs {
        assert!(!d.structured.contains("11010519491231002X"));
    }
});
