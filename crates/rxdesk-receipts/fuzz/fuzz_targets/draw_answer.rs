//! The layout drawer's answer, as the counter reads it from its child
//! process (which parsed a hostile file and must not be trusted): any bytes
//! decode to pages within bounds or to a typed failure, never a panic; a
//! well-formed answer round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rxdesk_receipts::pages::{decode_result, encode_result, MAX_HEIGHT_PX, MAX_PAGES, MAX_WIDTH_PX};

fuzz_target!(|data: &[u8]| {
    match decode_result(data) {
        Ok(drawn) => {
            assert!(!drawn.pages.is_empty() && drawn.pages.len() <= MAX_PAGES);
            assert!(drawn.pages.len() <= drawn.page_count);
            for p in &drawn.pages {
                assert!(p.width <= MAX_WIDTH_PX && p.height <= MAX_HEIGHT_PX);
                assert!(p.png.starts_with(b"\x89PNG\r\n\x1a\n"));
            }
            assert_eq!(decode_result(&encode_result(&Ok(drawn.clone()))).unwrap(), drawn);
        }
        Err(e) => assert!(e.code().starts_with("LAYOUT_")),
    }
});
