//! The prescription's layout file (版式文件): a one-page A5 PDF in Chinese,
//! made with printpdf and the WenQuanYi Micro Hei font (subset embedded).
//! Falls back to gm's ASCII `simple_pdf` only when no CJK font is installed,
//! and says so in the log.

use printpdf::{
    Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, TextItem,
};
use std::sync::OnceLock;

/// Where Debian's fonts-wqy-microhei installs the font.
pub const FONT_PATH: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn font() -> Option<&'static ParsedFont> {
    static FONT: OnceLock<Option<ParsedFont>> = OnceLock::new();
    FONT.get_or_init(|| {
        let path = std::env::var("RXDESK_CJK_FONT").unwrap_or_else(|_| FONT_PATH.to_string());
        let bytes = std::fs::read(&path).ok()?;
        ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
    })
    .as_ref()
}

/// One line of the layout: (size in pt, text).
pub type LayoutLine = (f32, String);

/// Render the lines top-down on an A5 page. Returns the PDF bytes.
pub fn render(title: &str, lines: &[LayoutLine]) -> Vec<u8> {
    let Some(font) = font() else {
        tracing::warn!("CJK font {FONT_PATH} missing: prescription PDFs fall back to ASCII");
        let texts: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
        return rxdesk_gm::pdf::simple_pdf(&texts);
    };
    let mut doc = PdfDocument::new(title);
    let fid = doc.add_font(font);
    let mut ops = Vec::new();
    let mut y = 200.0f32;
    for (size, text) in lines {
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(fid.clone()),
            size: Pt(*size),
        });
        ops.push(Op::SetTextCursor {
            pos: Point::new(Mm(12.0), Mm(y)),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(text.clone())],
        });
        ops.push(Op::EndTextSection);
        y -= size * 0.3528 * 1.6;
    }
    let page = PdfPage::new(Mm(148.0), Mm(210.0), ops);
    doc.with_pages(vec![page]).save(
        &PdfSaveOptions {
            subset_fonts: true,
            ..PdfSaveOptions::default()
        },
        &mut Vec::new(),
    )
}
