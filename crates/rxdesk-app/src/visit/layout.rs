//! The prescription's layout file (the signed PDF), read two ways:
//!
//! - its **text**, for the structured-vs-layout rule (ST-EPC-02-007).
//!   `pdf-extract` (pure Rust, on `lopdf`) reads the emulator's Chinese PDFs
//!   (CID fonts with ToUnicode maps) back exactly. A PDF it cannot read gives
//!   an empty text, which the rule reports as `LAYOUT_UNREADABLE` (blocking),
//!   never as "no difference";
//! - its **pages drawn as pictures** for the pharmacist to compare with the
//!   structured fields ([`draw_pages`], `rxdesk_receipts::pages`): each page
//!   is drawn at the width the window shows it and goes to the window as a
//!   PNG, so the window's web process never parses the PDF
//!   nor holds a PDF engine (docs/decisions/0025: that engine, pdf.js, kept
//!   tens of MiB in the web process for the rest of the day).
//!
//! Both run under `catch_unwind`: a hostile or broken PDF must not take the
//! counter down.

use base64::Engine as _;
use serde::Serialize;

/// The text of a Base64 PDF (`rxFile`), or `""` when it cannot be read.
/// The extractor runs under `catch_unwind`: a hostile or broken PDF must not
/// take the counter down.
pub fn layout_text_b64(rx_file_b64: &str) -> String {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(rx_file_b64.trim()) else {
        tracing::warn!("layout file is not Base64");
        return String::new();
    };
    layout_text(&bytes)
}

/// The text of PDF bytes, or `""` when it cannot be read.
pub fn layout_text(pdf: &[u8]) -> String {
    let pdf = pdf.to_vec();
    match std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&pdf)) {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "layout file text could not be extracted");
            String::new()
        }
        Err(_) => {
            tracing::warn!("layout file text extraction panicked");
            String::new()
        }
    }
}

pub use rxdesk_receipts::pages::{DrawError as LayoutDrawError, MAX_PAGES};

/// One page of the layout file, drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LayoutPage {
    /// The page as a PNG, Base64.
    pub png_base64: String,
    /// Its width in device pixels.
    pub width: u32,
    /// Its height in device pixels.
    pub height: u32,
}

/// The layout file's pages, drawn at one width.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LayoutPages {
    /// The pages drawn, in order (at most [`MAX_PAGES`]).
    pub pages: Vec<LayoutPage>,
    /// How many pages the file has (more than `pages` when it was cut).
    pub page_count: u32,
}

/// Draws the pages of the layout file (PDF bytes) `width_px` device pixels
/// wide, for the window (`rxdesk_receipts::pages`).
pub fn draw_pages(pdf: &[u8], width_px: u32) -> Result<LayoutPages, LayoutDrawError> {
    let drawn = rxdesk_receipts::pages::draw_pdf_pages(pdf, width_px)?;
    Ok(LayoutPages {
        pages: drawn
            .pages
            .into_iter()
            .map(|p| LayoutPage {
                png_base64: base64::engine::general_purpose::STANDARD.encode(p.png),
                width: p.width,
                height: p.height,
            })
            .collect(),
        page_count: u32::try_from(drawn.page_count).unwrap_or(u32::MAX),
    })
}

/// [`draw_pages`] of a Base64 PDF (`rxFile`).
pub fn draw_pages_b64(rx_file_b64: &str, width_px: u32) -> Result<LayoutPages, LayoutDrawError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(rx_file_b64.trim())
        .map_err(|_| LayoutDrawError::Unreadable("not Base64".into()))?;
    draw_pages(&bytes, width_px)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_typed_refusal_not_a_panic() {
        for bad in [
            &b"not a pdf"[..],
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog",
            b"",
        ] {
            let e = draw_pages(bad, 800).unwrap_err();
            assert!(
                matches!(e, LayoutDrawError::Unreadable(_) | LayoutDrawError::NoPage),
                "{e:?}"
            );
        }
        assert_eq!(
            draw_pages_b64("***", 800).unwrap_err().code(),
            "LAYOUT_NOT_OPENED"
        );
    }

    #[test]
    fn garbage_gives_empty_text_not_a_panic() {
        assert_eq!(layout_text(b"not a pdf"), "");
        assert_eq!(layout_text(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog"), "");
        assert_eq!(layout_text_b64("***"), "");
    }
}
