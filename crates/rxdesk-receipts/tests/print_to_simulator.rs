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
