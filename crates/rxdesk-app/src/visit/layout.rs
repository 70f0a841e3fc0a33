//! Text of the prescription's layout file (the signed PDF), for the
//! structured-vs-layout rule (ST-EPC-02-007). `pdf-extract` (pure Rust, on
//! `lopdf`) reads the emulator's Chinese PDFs (CID fonts with ToUnicode
//! maps) back exactly. A PDF it cannot read gives an empty text, which the
//! rule reports as `LAYOUT_UNREADABLE` (blocking), never as "no difference".

use base64::Engine as _;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_gives_empty_text_not_a_panic() {
        assert_eq!(layout_text(b"not a pdf"), "");
        assert_eq!(layout_text(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog"), "");
        assert_eq!(layout_text_b64("***"), "");
    }
}
