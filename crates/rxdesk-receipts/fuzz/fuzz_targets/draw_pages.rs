//! Drawing arbitrary bytes as PDF pages (the layout file on the counter's
//! screen) never panics and never makes a picture larger than its bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rxdesk_receipts::pages::{draw_pdf_pages, MAX_HEIGHT_PX, MAX_PAGES, MAX_WIDTH_PX};

fuzz_target!(|data: &[u8]| {
    let Some((&w, rest)) = data.split_first() else {
        return;
    };
    if let Ok(drawn) = draw_pdf_pages(rest, u32::from(w) * 8) {
        assert!(drawn.pages.len() <= MAX_PAGES);
        for p in &drawn.pages {
            assert!(p.width <= MAX_WIDTH_PX && p.height <= MAX_HEIGHT_PX);
            assert!(p.png.starts_with(b"\x89PNG"));
        }
    }
});
