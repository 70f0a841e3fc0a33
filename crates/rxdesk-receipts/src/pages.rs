//! A PDF's pages drawn as PNG pictures: the prescription's layout file (版式
//! 文件) on the counter's screen, beside the structured fields. `hayro`
//! (pure Rust, `#![forbid(unsafe_code)]`, tested by its authors on the pdf.js
//! and PDFBox corpora) draws each page at the width it is shown; the window
//! only shows pictures and never runs a PDF engine (docs/decisions/0025).
//!
//! The file comes from outside (the hospital, through the center). Its
//! signature is verified before it is drawn, but a signed file can still be
//! broken or hostile, so: sizes are bounded ([`MAX_WIDTH_PX`],
//! [`MAX_HEIGHT_PX`], [`MAX_PAGES`]), every failure is a typed
//! [`DrawError`], and the renderer runs under `catch_unwind`.

/// Widest page drawn, in device pixels (a 4K screen's width).
pub const MAX_WIDTH_PX: u32 = 3840;
/// Narrowest page drawn, in device pixels.
pub const MIN_WIDTH_PX: u32 = 100;
/// Tallest page drawn, in device pixels: a page far taller than wide (a
/// hostile file's 1 × 100,000 pt page) is drawn narrower instead.
pub const MAX_HEIGHT_PX: u32 = 12_000;
/// Pages drawn at most; a prescription's layout file has one or two. The
/// rest are counted in [`DrawnPages::page_count`], not drawn.
pub const MAX_PAGES: usize = 20;

/// One page drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawnPage {
    /// The page as a PNG file.
    pub png: Vec<u8>,
    /// Its width in device pixels.
    pub width: u32,
    /// Its height in device pixels.
    pub height: u32,
}

/// A file's pages, drawn at one width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawnPages {
    /// The pages drawn, in order (at most [`MAX_PAGES`]).
    pub pages: Vec<DrawnPage>,
    /// How many pages the file has (more than `pages` when it was cut).
    pub page_count: usize,
}

/// Why a PDF could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    /// Not a PDF the renderer can open (broken, encrypted, not a PDF).
    #[error("not a PDF that can be opened ({0})")]
    Unreadable(String),
    /// A PDF without pages.
    #[error("the PDF has no page")]
    NoPage,
    /// A page whose size is not a size (zero, negative, not a number).
    #[error("a page has no usable size ({0})")]
    BadPageSize(String),
    /// The renderer failed on this file (caught; a fault on its side).
    #[error("the renderer failed on this file")]
    RendererFault,
}

impl DrawError {
    /// Stable code (docs/rules.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "LAYOUT_NOT_OPENED",
            Self::NoPage => "LAYOUT_NO_PAGE",
            Self::BadPageSize(_) => "LAYOUT_BAD_PAGE_SIZE",
            Self::RendererFault => "LAYOUT_RENDER_FAULT",
        }
    }
}

/// Draws the pages of PDF bytes `width_px` device pixels wide (clamped to
/// [`MIN_WIDTH_PX`]..=[`MAX_WIDTH_PX`], narrower for a page taller than
/// [`MAX_HEIGHT_PX`] at that width) on white, as PNGs.
pub fn draw_pdf_pages(pdf: &[u8], width_px: u32) -> Result<DrawnPages, DrawError> {
    let width = width_px.clamp(MIN_WIDTH_PX, MAX_WIDTH_PX) as f32;
    let data = std::sync::Arc::new(pdf.to_vec());
    match std::panic::catch_unwind(move || draw(data, width)) {
        Ok(r) => r,
        Err(_) => Err(DrawError::RendererFault),
    }
}

fn draw(data: std::sync::Arc<Vec<u8>>, width: f32) -> Result<DrawnPages, DrawError> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    use hayro::{render, PixmapSettings, RenderCache, RenderSettings};
    let doc = Pdf::new(data).map_err(|e| DrawError::Unreadable(format!("{e:?}")))?;
    let all = doc.pages();
    if all.is_empty() {
        return Err(DrawError::NoPage);
    }
    let cache = RenderCache::new();
    let interpreter = InterpreterSettings::default();
    let settings = RenderSettings::default();
    let mut pages = Vec::new();
    for page in all.iter().take(MAX_PAGES) {
        let (w, h) = page.render_dimensions();
        if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0) {
            return Err(DrawError::BadPageSize(format!("{w} x {h} pt")));
        }
        let scale = (width / w).min(MAX_HEIGHT_PX as f32 / h);
        let pixmap = render(
            page,
            &cache,
            &interpreter,
            &settings,
            &PixmapSettings {
                x_scale: scale,
                y_scale: scale,
                // Paper is white; a transparent picture would take the
                // screen's colour behind it.
                bg_color: hayro::vello_cpu::color::palette::css::WHITE,
            },
        );
        let (pw, ph) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
        if pw == 0 || ph == 0 {
            return Err(DrawError::BadPageSize(format!(
                "{w} x {h} pt drawn as {pw} x {ph}"
            )));
        }
        let png = pixmap
            .into_png()
            .map_err(|e| DrawError::Unreadable(format!("PNG: {e:?}")))?;
        pages.push(DrawnPage {
            png,
            width: pw,
            height: ph,
        });
    }
    Ok(DrawnPages {
        pages,
        page_count: all.len(),
    })
}
