//! A sale receipt printed through the real ESC/POS driver of `rxdesk-devices`
//! over TCP (port-9100 style) to the printer simulator, which decodes it back.

mod common;

use common::*;
use rxdesk_devices::printer::decode::Event;
use rxdesk_devices::printer::{EscPosPrinter, PrinterLink, ReceiptPrinter};
use rxdesk_devices::sim::printer::PrinterSim;
use rxdesk_receipts::escpos::to_escpos;
use rxdesk_receipts::*;
use std::time::Duration;

#[test]
fn receipt_prints_through_the_tcp_driver_to_the_simulator() {
    let sim = PrinterSim::start_tcp("127.0.0.1:0").expect("loopback listener");
    let addr = sim.addr().expect("tcp sim has an address").to_string();
    let mut printer = EscPosPrinter::new(PrinterLink::Tcp { addr }, Duration::from_secs(5));

    let els = sale_receipt(&sale()).unwrap();
    printer
        .print(&to_escpos(&els, Paper::Mm80))
        .expect("simulator accepts the job");
    assert!(sim.wait_for_cut(Duration::from_secs(10)), "no cut received");
    sim.stop();

    let printed: Vec<String> = sim
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Line { text } if !text.trim().is_empty() => Some(text.trim().to_string()),
            _ => None,
        })
        .collect();
    let preview: Vec<String> = render_plain_text(&els, Paper::Mm80)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("[二维码") && !l.starts_with("- -"))
        .map(str::to_string)
        .collect();
    assert_eq!(printed, preview);
    assert!(sim.events().contains(&Event::Qr {
        data: "S20261124101502A7".into()
    }));
}

/// The receipt as the simulated 203 dpi head prints it (the devices crate's
/// PNG renderer); a real barcode reader (zbarimg, zbar-tools) finds the sale
/// id in the QR code. The PNGs stay in the target tmp dir for a person to look at.
#[test]
fn printed_receipt_qr_code_scans_back_to_the_sale_id() {
    use rxdesk_devices::printer::decode::Decoder;
    use rxdesk_devices::printer::render::{render_png, DEFAULT_FONT};

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("receipts-png");
    std::fs::create_dir_all(&dir).unwrap();
    // Rendering is slow in a debug build (about 7 s a receipt): the sale on
    // both widths here; `--example preview -- 80 --png DIR` renders every document.
    let els = sale_receipt(&sale()).unwrap();
    for (paper, file) in [
        (Paper::Mm58, "sale-58mm.png"),
        (Paper::Mm80, "sale-80mm.png"),
    ] {
        let mut d = Decoder::new();
        let mut events = d.push(&to_escpos(&els, paper));
        events.extend(d.finish());
        let png = render_png(&events, paper.into(), std::path::Path::new(DEFAULT_FONT))
            .expect("fonts-wqy-microhei is installed by scripts/setup-deps");
        let path = dir.join(file);
        std::fs::write(&path, &png).unwrap();
        let out = std::process::Command::new("zbarimg")
            .args(["--quiet", "--raw"])
            .arg(&path)
            .output()
            .expect("zbarimg (zbar-tools, installed by scripts/setup-deps)");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "S20261124101502A7",
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
