//! ESC/POS bytes decoded by `rxdesk-devices`' decoder give back the receipt text.

mod common;

use common::*;
use rxdesk_devices::printer::decode::{Decoder, Event};
use rxdesk_receipts::escpos::to_escpos;
use rxdesk_receipts::*;

fn decode(bytes: &[u8]) -> Vec<Event> {
    let mut d = Decoder::new();
    let mut events = d.push(bytes);
    events.extend(d.finish());
    events
}

/// The text lines the encoder must send: layout lines with their indent
/// (double-width lines are indented with half as many double-width spaces).
fn expected_lines(els: &[ReceiptElement], paper: Paper) -> Vec<String> {
    layout(els, paper)
        .into_iter()
        .filter_map(|l| match l {
            PrintLine::Text {
                indent,
                text,
                style,
                ..
            } => {
                let n = if style.double_width {
                    indent / 2
                } else {
                    indent
                };
                Some(format!("{}{text}", " ".repeat(n)))
            }
            _ => None,
        })
        .collect()
}

fn check_round_trip(els: &[ReceiptElement], paper: Paper, qr: &str) {
    let bytes = to_escpos(els, paper);
    let events = decode(&bytes);
    assert!(
        !events.iter().any(|e| matches!(e, Event::Unknown { .. })),
        "decoder met unknown bytes"
    );
    assert_eq!(events[0], Event::Init);
    assert_eq!(events[1], Event::ChineseMode { on: true });

    let decoded: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Line { text } if !text.is_empty() => Some(text.clone()),
            _ => None,
        })
        .collect();
    let expected: Vec<String> = expected_lines(els, paper)
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(decoded, expected);

    // The same text as the preview, line for line (indent aside for
    // double-width lines, which the preview re-centres).
    let preview: Vec<String> = render_plain_text(els, paper)
        .lines()
        .filter(|l| {
            !l.trim().is_empty() && !l.trim_start().starts_with("[二维码") && !l.starts_with("- -")
        })
        .map(|l| l.trim().to_string())
        .collect();
    let decoded_trimmed: Vec<String> = decoded.iter().map(|l| l.trim().to_string()).collect();
    assert_eq!(decoded_trimmed, preview);

    let qrs: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Qr { data } => Some(data.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(qrs, vec![qr]);
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Cut)).count(), 1);
    // The job ends in the plain style so the next job starts clean.
    let last_size = events.iter().rev().find_map(|e| match e {
        Event::Size { w, h } => Some((*w, *h)),
        _ => None,
    });
    assert_eq!(last_size, Some((1, 1)));
    let last_bold = events.iter().rev().find_map(|e| match e {
        Event::Bold { on } => Some(*on),
        _ => None,
    });
    assert_eq!(last_bold, Some(false));
}

#[test]
fn sale_receipt_round_trips_on_both_papers() {
    let els = sale_receipt(&sale()).unwrap();
    for paper in [Paper::Mm58, Paper::Mm80] {
        check_round_trip(&els, paper, "S20261124101502A7");
    }
}

#[test]
fn refund_receipt_round_trips() {
    let els = refund_receipt(&refund()).unwrap();
    check_round_trip(&els, Paper::Mm58, "R20261124113000B2");
    let text: String = decode(&to_escpos(&els, Paper::Mm80))
        .into_iter()
        .filter_map(|e| match e {
            Event::Line { text } => Some(text),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("-125.00"));
}

#[test]
fn titles_are_printed_large_and_bold() {
    let els = vec![
        ReceiptElement::styled("退费凭证", Align::Center, Style::TITLE),
        ReceiptElement::text("正文"),
    ];
    let events = decode(&to_escpos(&els, Paper::Mm58));
    let pos_title = events
        .iter()
        .position(|e| matches!(e, Event::Line { text } if text.trim() == "退费凭证"))
        .unwrap();
    assert!(events[..pos_title].contains(&Event::Bold { on: true }));
    assert!(events[..pos_title].contains(&Event::Size { w: 2, h: 2 }));
    // (32 - 16) / 2 = 8 normal cells = 4 double-width spaces.
    assert_eq!(
        events[pos_title],
        Event::Line {
            text: "    退费凭证".into()
        }
    );
    let pos_body = events
        .iter()
        .position(|e| matches!(e, Event::Line { text } if text == "正文"))
        .unwrap();
    assert!(events[pos_title..pos_body].contains(&Event::Size { w: 1, h: 1 }));
    assert!(events[pos_title..pos_body].contains(&Event::Bold { on: false }));
}

#[test]
fn barcode_is_code128() {
    let els = vec![ReceiptElement::Barcode128 {
        data: "S20261124101502A7".into(),
    }];
    let events = decode(&to_escpos(&els, Paper::Mm80));
    assert!(events.contains(&Event::Barcode {
        system: 73,
        data: "S20261124101502A7".into()
    }));
}
