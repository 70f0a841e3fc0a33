//! Prints the plain-text rendering of the demo documents (what the UI preview shows).
//! `cargo run -p rxdesk-receipts --example preview -- 58|80`
#[path = "../tests/common/mod.rs"]
mod common;

use rxdesk_receipts::*;

fn main() {
    let paper = match std::env::args().nth(1).as_deref() {
        Some("58") => Paper::Mm58,
        _ => Paper::Mm80,
    };
    let sale = sale_receipt(&common::sale()).expect("demo sale adds up");
    println!("{}", render_plain_text(&sale, paper));
    let slip = guidance_slip(&common::sale()).expect("demo sale has lines");
    println!("{}", render_plain_text(&slip, paper));
    let refund = refund_receipt(&common::refund()).expect("demo refund adds up");
    println!("{}", render_plain_text(&refund, paper));
    let guide = evoucher_guide(&EVoucherGuide {
        store: common::store(),
        printed_at: chrono::Utc::now(),
        reason: EVoucherGuideReason::NotActivated,
        help_url: None,
    });
    println!("{}", render_plain_text(&guide, paper));
}
