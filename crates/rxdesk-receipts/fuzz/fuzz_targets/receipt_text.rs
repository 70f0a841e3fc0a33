//! Receipts from hostile text: the demo sale with its text fields replaced by
//! fuzz input (names, specs, codes, instructions…), plus any JSON that parses
//! as a sale, a refund or an element list. Building, laying out and encoding
//! must never panic, and no line may be wider than the paper.
#![no_main]

#[path = "../../tests/common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use rxdesk_receipts::escpos::to_escpos;
use rxdesk_receipts::text::display_width;
use rxdesk_receipts::*;

fn check(els: &[ReceiptElement]) {
    for paper in [Paper::Mm58, Paper::Mm80] {
        for line in render_plain_text(els, paper).lines() {
            assert!(display_width(line) <= paper.columns());
        }
        let _ = to_escpos(els, paper);
    }
}

fn hostile_sale(data: &[u8]) -> SaleReceipt {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1}').map(str::to_string);
    let mut next = |fallback: &str| parts.next().unwrap_or_else(|| fallback.to_string());
    let mut s = common::sale();
    s.store.name = next("店");
    s.store.address = Some(next(""));
    s.prescription.hospital = next("医院");
    s.prescription.patient_name = next("张三");
    s.sale_id = next("S1");
    s.settlement.setl_id = next("T1");
    for line in &mut s.lines {
        line.drug_name = next("药");
        line.spec = next("规格");
        line.unit = next("盒");
        line.batch = next("B");
        line.trace_codes = vec![next("8")];
        if let Some(g) = &mut line.guidance {
            g.frequency = next("一日3次");
            g.doctor_instructions = Some(next(""));
            g.warnings = vec![next("")];
        }
    }
    s
}

fuzz_target!(|data: &[u8]| {
    let sale = hostile_sale(data);
    check(&sale_receipt(&sale).expect("the demo amounts add up"));
    check(&guidance_slip(&sale).expect("the demo has lines"));

    if let Ok(sale) = serde_json::from_slice::<SaleReceipt>(data) {
        if let Ok(els) = sale_receipt(&sale) {
            check(&els);
        }
    }
    if let Ok(refund) = serde_json::from_slice::<RefundReceipt>(data) {
        if let Ok(els) = refund_receipt(&refund) {
            check(&els);
        }
    }
    if let Ok(els) = serde_json::from_slice::<Vec<ReceiptElement>>(data) {
        check(&els);
    }
});
