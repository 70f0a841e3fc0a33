//! A PDF's pages drawn as pictures for the counter's screen (`pages`,
//! docs/decisions/0025): a Chinese PDF with an embedded font subset (our own
//! 用药指导单, built like a hospital's layout file) comes out at the width
//! asked, looking like poppler's drawing of the same page; different files
//! give different pictures; sizes are bounded; and broken or hostile bytes
//! are a typed refusal, never a panic.
//!
//! Needs poppler-utils (`pdftoppm`) and fonts-wqy-microhei, both installed
//! by `scripts/setup-deps`.

#![cfg(all(feature = "pdf", feature = "draw"))]

mod common;

use common::*;
use proptest::prelude::*;
use rxdesk_receipts::pages::{draw_pdf_pages, DrawError, MAX_HEIGHT_PX, MAX_PAGES};
use rxdesk_receipts::pdf::{guidance_pdf_with_font, GuidanceFont, DEFAULT_FONT_PATH};
use rxdesk_receipts::*;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

fn font() -> &'static GuidanceFont {
    static FONT: OnceLock<GuidanceFont> = OnceLock::new();
    FONT.get_or_init(|| {
        GuidanceFont::load(Path::new(DEFAULT_FONT_PATH), 0)
            .expect("fonts-wqy-microhei must be installed (scripts/setup-deps)")
    })
}

fn guidance(sale: &SaleReceipt) -> Vec<u8> {
    guidance_pdf_with_font(sale, font(), PageSize::A5).unwrap()
}

/// Grey levels (0 black .. 255 white) of a PNG, with its size.
fn grey(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|c| {
            if channels >= 3 {
                ((u32::from(c[0]) * 299 + u32::from(c[1]) * 587 + u32::from(c[2]) * 114) / 1000)
                    as u8
            } else {
                c[0]
            }
        })
        .collect();
    (info.width, info.height, px)
}

/// Ink per 16 × 16 block: a coarse picture of where the text is.
fn blocks(w: u32, h: u32, px: &[u8]) -> Vec<f64> {
    let (bw, bh) = (w.div_ceil(16), h.div_ceil(16));
    let mut out = vec![0.0; (bw * bh) as usize];
    for y in 0..h {
        for x in 0..w {
            let ink = 255 - u32::from(px[(y * w + x) as usize]);
            out[((y / 16) * bw + x / 16) as usize] += f64::from(ink);
        }
    }
    out
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa.sqrt() * sbb.sqrt())
}

fn poppler_page(pdf: &[u8], width: u32) -> (u32, u32, Vec<u8>) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pages");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.pdf");
    std::fs::write(&input, pdf).unwrap();
    let out = dir.join("poppler");
    let status = Command::new("pdftoppm")
        .args(["-png", "-singlefile", "-f", "1", "-l", "1", "-scale-to-x"])
        .arg(width.to_string())
        .args(["-scale-to-y", "-1"])
        .arg(&input)
        .arg(&out)
        .status()
        .expect("pdftoppm (poppler-utils, scripts/setup-deps)");
    assert!(status.success());
    grey(&std::fs::read(out.with_extension("png")).unwrap())
}

#[test]
fn a_chinese_pdf_is_drawn_at_the_width_asked_and_looks_like_popplers_drawing() {
    let pdf = guidance(&sale());
    let drawn = draw_pdf_pages(&pdf, 600).unwrap();
    assert!(drawn.page_count >= 1);
    assert_eq!(drawn.pages.len(), drawn.page_count);
    let page = &drawn.pages[0];
    // A5 is 148 × 210 mm.
    assert_eq!(page.width, 600);
    assert!((850..=853).contains(&page.height), "{}", page.height);
    let (w, h, ours) = grey(&page.png);
    assert_eq!((w, h), (page.width, page.height));
    // Ink where the text is, white around it.
    let dark = ours.iter().filter(|&&g| g < 128).count() as f64 / ours.len() as f64;
    assert!((0.005..0.3).contains(&dark), "dark share {dark}");
    // The same page drawn by poppler (pdftoppm): the text is in the same places.
    let (pw, ph, theirs) = poppler_page(&pdf, 600);
    assert_eq!(pw, 600);
    assert!(ph.abs_diff(h) <= 2, "{ph} vs {h}");
    let hh = h.min(ph);
    let r = correlation(&blocks(w, hh, &ours), &blocks(pw, hh, &theirs));
    assert!(r > 0.9, "correlation with poppler's drawing {r}");
}

#[test]
fn different_files_give_different_pictures_and_pages_are_counted() {
    let one = draw_pdf_pages(&guidance(&sale()), 500).unwrap();
    let mut other_sale = sale();
    other_sale.lines.truncate(1);
    let other = draw_pdf_pages(&guidance(&other_sale), 500).unwrap();
    assert_ne!(one.pages[0].png, other.pages[0].png);
    // A long guidance flows onto more pages: each is drawn.
    let mut long = sale();
    let first = long.lines[0].clone();
    long.lines = (0..30).map(|_| first.clone()).collect();
    let many = draw_pdf_pages(&guidance(&long), 300).unwrap();
    assert!(many.page_count > 1);
    assert_eq!(many.pages.len(), many.page_count.min(MAX_PAGES));
    assert!(many.pages.iter().all(|p| p.width == 300));
}

/// A one-page PDF with the given MediaBox and no content.
fn blank_pdf(media_box: &str) -> Vec<u8> {
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] >>"),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn sizes_are_bounded() {
    // A page 10,000 times taller than wide is drawn narrower, not 6 million pixels tall.
    let tall = draw_pdf_pages(&blank_pdf("0 0 10 100000"), 600).unwrap();
    assert!(
        tall.pages[0].height <= MAX_HEIGHT_PX,
        "{}",
        tall.pages[0].height
    );
    assert!(tall.pages[0].width < 600);
    // The width asked is clamped both ways.
    let wide = draw_pdf_pages(&blank_pdf("0 0 420 595"), 1_000_000).unwrap();
    assert_eq!(wide.pages[0].width, rxdesk_receipts::pages::MAX_WIDTH_PX);
    let narrow = draw_pdf_pages(&blank_pdf("0 0 420 595"), 0).unwrap();
    assert_eq!(narrow.pages[0].width, rxdesk_receipts::pages::MIN_WIDTH_PX);
}

#[test]
fn broken_files_are_typed_refusals() {
    for bad in [
        &b""[..],
        b"not a pdf",
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog",
    ] {
        let e = draw_pdf_pages(bad, 600).unwrap_err();
        assert!(
            matches!(e, DrawError::Unreadable(_) | DrawError::NoPage),
            "{e:?}"
        );
        assert!(e.code().starts_with("LAYOUT_"));
    }
    // A page with no usable size.
    let e = draw_pdf_pages(&blank_pdf("0 0 0 0"), 600);
    assert!(e.is_err() || e.unwrap().pages.iter().all(|p| p.width > 0 && p.height > 0));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Any bytes: a typed answer, never a panic, never an unbounded picture.
    #[test]
    fn any_bytes_are_answered(bytes in proptest::collection::vec(any::<u8>(), 0..2048), width in 0u32..5000) {
        if let Ok(drawn) = draw_pdf_pages(&bytes, width) {
            prop_assert!(drawn.pages.iter().all(|p| p.height <= MAX_HEIGHT_PX));
        }
    }

    /// A real file with bytes changed (a damaged download): the same.
    #[test]
    fn damaged_files_are_answered(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        static PDF: OnceLock<Vec<u8>> = OnceLock::new();
        let mut pdf = PDF.get_or_init(|| guidance(&sale())).clone();
        for (i, b) in flips {
            let at = i.index(pdf.len());
            pdf[at] = b;
        }
        if let Ok(drawn) = draw_pdf_pages(&pdf, 400) {
            prop_assert!(drawn.pages.iter().all(|p| p.height <= MAX_HEIGHT_PX && p.width <= 400));
        }
    }
}

// --- the drawing child's wire format (pages::{encode_request, serve, decode_result}) ---

use rxdesk_receipts::pages::{decode_result, encode_request, encode_result, serve, DrawnPages};

#[test]
fn the_childs_answer_carries_the_same_pages_and_refusals_as_drawing_here() {
    let pdf = blank_pdf("0 0 420 595");
    let here = draw_pdf_pages(&pdf, 600).unwrap();
    assert_eq!(
        decode_result(&serve(&encode_request(600, &pdf))).unwrap(),
        here
    );
    // Every refusal keeps its code (and its detail) across the pipe.
    for e in [
        DrawError::Unreadable("x".into()),
        DrawError::NoPage,
        DrawError::BadPageSize("0 x 0 pt".into()),
        DrawError::RendererFault,
        DrawError::Drawer("d".into()),
    ] {
        assert_eq!(
            decode_result(&encode_result(&Err(e.clone()))).unwrap_err(),
            e
        );
    }
    assert_eq!(
        decode_result(&serve(&encode_request(600, b"not a pdf")))
            .unwrap_err()
            .code(),
        "LAYOUT_NOT_OPENED"
    );
    // A request that is not one is refused, not drawn.
    assert_eq!(
        decode_result(&serve(b"%PDF-1.4")).unwrap_err().code(),
        "LAYOUT_DRAWER_FAILED"
    );
    assert_eq!(
        decode_result(&serve(b"RXL1")).unwrap_err().code(),
        "LAYOUT_DRAWER_FAILED"
    );
}

#[test]
fn a_malformed_answer_is_the_drawers_failure_never_pages() {
    let pdf = blank_pdf("0 0 420 595");
    let good = serve(&encode_request(600, &pdf));
    let drawer_failed = |a: &[u8]| {
        let e = decode_result(a).unwrap_err();
        assert_eq!(e.code(), "LAYOUT_DRAWER_FAILED", "{e:?}");
    };
    drawer_failed(b"");
    drawer_failed(&good[..good.len() - 1]); // cut in the picture
    drawer_failed(&[&good[..], b"x"].concat()); // bytes after the last page
    let mut not_png = good.clone();
    not_png[4 + 1 + 4 + 4 + 12] ^= 0xff; // first byte of the PNG signature
    drawer_failed(&not_png);
    let mut huge = good.clone();
    huge[4 + 1 + 4 + 4..4 + 1 + 4 + 4 + 4].copy_from_slice(&100_000u32.to_le_bytes()); // width
    drawer_failed(&huge);
    let many = encode_result(&Ok(DrawnPages {
        pages: vec![draw_pdf_pages(&pdf, 200).unwrap().pages[0].clone(); MAX_PAGES + 1],
        page_count: MAX_PAGES + 1,
    }));
    drawer_failed(&many);
    let mut unknown = encode_result(&Err(DrawError::NoPage));
    unknown[4 + 1 + 1 + 7] = b'X'; // LAYOUT_NO_PAGE -> LAYOUT_XO_PAGE
    drawer_failed(&unknown);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever a child writes, the parent never panics: pages only from a
    /// well-formed answer, else a typed failure.
    #[test]
    fn any_answer_decodes_or_is_refused(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_result(&bytes);
        let _ = decode_result(&[&b"RXL1\x00"[..], &bytes].concat());
        let _ = decode_result(&[&b"RXL1\x01"[..], &bytes].concat());
    }

    /// A real answer damaged anywhere decodes to pages of valid size or to
    /// the drawer's failure.
    #[test]
    fn a_damaged_real_answer_never_panics(at in 0usize..4096, byte in any::<u8>(), cut in 0usize..4096) {
        static GOOD: OnceLock<Vec<u8>> = OnceLock::new();
        let good = GOOD.get_or_init(|| serve(&encode_request(300, &blank_pdf("0 0 420 595"))));
        let mut damaged = good.clone();
        let i = at % damaged.len();
        damaged[i] = byte;
        damaged.truncate(damaged.len() - cut % damaged.len());
        match decode_result(&damaged) {
            Ok(p) => prop_assert!(p.pages.iter().all(|p| p.width <= rxdesk_receipts::pages::MAX_WIDTH_PX && p.height <= MAX_HEIGHT_PX)),
            Err(e) => prop_assert!(e.code().starts_with("LAYOUT_")),
        }
    }
}
