//! ESC/POS encoding of a laid-out receipt, on top of the command builder of
//! `rxdesk-devices` (`printer::escpos::EscPosBuilder`: GB18030 text in Chinese
//! mode, QR, CODE128, cut).
//!
//! The line breaks and padding come from [`crate::layout`], so the paper shows
//! exactly what the plain-text preview shows. Double-width lines are indented
//! with double-width spaces (half as many), so they sit where the layout put
//! them; QR codes and barcodes are centred by the printer (`ESC a 1`).

use crate::layout::{layout, Paper, PrintLine, ReceiptElement, Style};
use rxdesk_devices::printer::escpos::{Align as PrinterAlign, EscPosBuilder, PaperWidth};

impl From<Paper> for PaperWidth {
    fn from(p: Paper) -> Self {
        match p {
            Paper::Mm58 => PaperWidth::Mm58,
            Paper::Mm80 => PaperWidth::Mm80,
        }
    }
}

/// QR module size in dots: a sale id (≈20 characters, version 2, 25 modules)
/// comes out about 19 mm wide at 203 dpi on 80 mm paper, 16 mm on 58 mm.
fn qr_module(paper: Paper) -> u8 {
    match paper {
        Paper::Mm58 => 5,
        Paper::Mm80 => 6,
    }
}

/// Encodes receipt elements as one ESC/POS job for the given paper.
///
/// The job starts with `ESC @` and Chinese mode (`FS &`), sets bold and size
/// only when they change, and returns to plain left-aligned text after every
/// graphic, so a job can be appended to another safely.
pub fn to_escpos(elements: &[ReceiptElement], paper: Paper) -> Vec<u8> {
    to_escpos_job(elements, paper, false)
}

/// [`to_escpos`], with the cash-drawer kick (`ESC p 0 25 250`) right after
/// the printer's initialisation when `open_drawer` (a cash sale): the drawer
/// opens as the receipt starts printing.
pub fn to_escpos_job(elements: &[ReceiptElement], paper: Paper, open_drawer: bool) -> Vec<u8> {
    let mut b = EscPosBuilder::new(paper.into());
    if open_drawer {
        b = b.drawer_kick();
    }
    let mut current = Style::PLAIN;
    for line in layout(elements, paper) {
        match line {
            PrintLine::Text {
                indent,
                text,
                style,
                ..
            } => {
                if style.bold != current.bold {
                    b = b.bold(style.bold);
                }
                if style.double_width != current.double_width
                    || style.double_height != current.double_height
                {
                    b = b.size(
                        1 + u8::from(style.double_width),
                        1 + u8::from(style.double_height),
                    );
                }
                current = style;
                let spaces = if style.double_width {
                    indent / 2
                } else {
                    indent
                };
                b = b.line(&format!("{}{text}", " ".repeat(spaces)));
            }
            PrintLine::Qr(data) => {
                b = reset(b, &mut current);
                b = b
                    .align(PrinterAlign::Center)
                    .qr(&data, qr_module(paper))
                    .feed(1)
                    .align(PrinterAlign::Left);
            }
            PrintLine::Barcode128(data) => {
                b = reset(b, &mut current);
                b = b
                    .align(PrinterAlign::Center)
                    .code128(&data)
                    .feed(1)
                    .align(PrinterAlign::Left);
            }
            PrintLine::Feed(n) => b = b.feed(n),
            PrintLine::Cut => b = b.cut(),
        }
    }
    reset(b, &mut current).build()
}

fn reset(mut b: EscPosBuilder, current: &mut Style) -> EscPosBuilder {
    if current.bold {
        b = b.bold(false);
    }
    if current.double_width || current.double_height {
        b = b.size(1, 1);
    }
    *current = Style::PLAIN;
    b
}
