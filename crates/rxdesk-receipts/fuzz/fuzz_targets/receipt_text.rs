//! Any JSON the UI or a stored history row could hand over: if it parses as a
//! sale or refund, building, laying out and encoding the receipt must not
//! panic, and no line may be wider than the paper.
#![no_main]

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

fuzz_target!(|data: &[u8]| {
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
