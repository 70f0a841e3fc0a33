//! Shows the demo documents (sale, guidance slip, refund, e-voucher guide):
//!
//! - `cargo run -p rxdesk-receipts --example preview -- 58` prints their
//!   plain-text rendering (what the UI preview shows) for 58 or 80 mm paper;
//! - `... -- 80 --png DIR` also writes each as the simulated 203 dpi printer
//!   would print it (ESC/POS → rxdesk-devices decoder → PNG).
#[path = "../tests/common/mod.rs"]
mod common;

use rxdesk_devices::printer::decode::Decoder;
use rxdesk_devices::printer::render::{render_png, DEFAULT_FONT};
use rxdesk_receipts::escpos::to_escpos;
use rxdesk_receipts::*;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let paper = if args.iter().any(|a| a == "58") {
        Paper::Mm58
    } else {
        Paper::Mm80
    };
    let png_dir = args
        .iter()
        .position(|a| a == "--png")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);

    let documents = [
        (
            "sale",
            sale_receipt(&common::sale()).expect("demo sale adds up"),
        ),
        (
            "guidance",
            guidance_slip(&common::sale()).expect("demo sale has lines"),
        ),
        (
            "refund",
            refund_receipt(&common::refund()).expect("demo refund adds up"),
        ),
        (
            "evoucher",
            evoucher_guide(&EVoucherGuide {
                store: common::store(),
                printed_at: chrono::Utc::now(),
                reason: EVoucherGuideReason::NotActivated,
                help_url: None,
            }),
        ),
    ];
    for (name, els) in &documents {
        println!("{}", render_plain_text(els, paper));
        if let Some(dir) = &png_dir {
            std::fs::create_dir_all(dir).expect("create the PNG directory");
            let mut d = Decoder::new();
            let mut events = d.push(&to_escpos(els, paper));
            events.extend(d.finish());
            let png = render_png(&events, paper.into(), std::path::Path::new(DEFAULT_FONT))
                .expect("render (needs fonts-wqy-microhei)");
            let path = dir.join(format!("{name}-{}col.png", paper.columns()));
            std::fs::write(&path, png).expect("write the PNG");
            eprintln!("wrote {}", path.display());
        }
    }
}
