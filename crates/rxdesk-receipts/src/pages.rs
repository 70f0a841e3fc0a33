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
//!
//! The counter draws in a short-lived child process of its own (the desktop
//! binary started with `--draw-layout`, decision 0028): the renderer's code
//! and its caches then never stay in the counter's memory, and a file that
//! makes it misbehave takes down only the child. [`encode_request`] /
//! [`serve`] / [`decode_result`] are that child's wire format: plain bytes on
//! its stdin and stdout, decoded with every length and size checked, because
//! the parent must not trust what a child that parsed a hostile file says.

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
    /// The drawing child process failed: did not start, crashed, took too
    /// long, or answered something that is not a drawing.
    #[error("the layout drawer failed: {0}")]
    Drawer(String),
}

impl DrawError {
    /// Stable code (docs/rules.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "LAYOUT_NOT_OPENED",
            Self::NoPage => "LAYOUT_NO_PAGE",
            Self::BadPageSize(_) => "LAYOUT_BAD_PAGE_SIZE",
            Self::RendererFault => "LAYOUT_RENDER_FAULT",
            Self::Drawer(_) => "LAYOUT_DRAWER_FAILED",
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

// --- the drawing child's wire format --------------------------------------

/// First bytes of a request and of an answer (version 1).
const MAGIC: &[u8; 4] = b"RXL1";
/// The PNG file signature every page must start with.
const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";
/// Largest answer accepted from a child: 20 pages of a 3840 × 12,000 PNG
/// cannot need more (a PNG of text on white compresses far below this).
pub const MAX_ANSWER_BYTES: usize = 256 << 20;
/// Longest error detail carried back.
const MAX_DETAIL: usize = 4096;

/// The child's input: the width asked and the PDF.
pub fn encode_request(width_px: u32, pdf: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + pdf.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&width_px.to_le_bytes());
    out.extend_from_slice(pdf);
    out
}

/// The child's whole work: draws the request's PDF and encodes the outcome
/// (pages or a typed refusal). A request that is not one is a refusal too.
pub fn serve(request: &[u8]) -> Vec<u8> {
    let outcome = match request.split_first_chunk::<4>() {
        Some((magic, rest)) if magic == MAGIC => match rest.split_first_chunk::<4>() {
            Some((w, pdf)) => draw_pdf_pages(pdf, u32::from_le_bytes(*w)),
            None => Err(DrawError::Drawer("request without a width".into())),
        },
        _ => Err(DrawError::Drawer("not a drawing request".into())),
    };
    encode_result(&outcome)
}

/// Encodes an outcome as the child answers it.
pub fn encode_result(outcome: &Result<DrawnPages, DrawError>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    match outcome {
        Ok(drawn) => {
            out.push(0);
            let count = u32::try_from(drawn.page_count).unwrap_or(u32::MAX);
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&(drawn.pages.len() as u32).to_le_bytes());
            for p in &drawn.pages {
                out.extend_from_slice(&p.width.to_le_bytes());
                out.extend_from_slice(&p.height.to_le_bytes());
                out.extend_from_slice(&(p.png.len() as u32).to_le_bytes());
                out.extend_from_slice(&p.png);
            }
        }
        Err(e) => {
            out.push(1);
            let code = e.code().as_bytes();
            out.push(code.len() as u8);
            out.extend_from_slice(code);
            let detail = match e {
                DrawError::Unreadable(d) | DrawError::BadPageSize(d) | DrawError::Drawer(d) => {
                    d.as_str()
                }
                DrawError::NoPage | DrawError::RendererFault => "",
            };
            let detail = &detail.as_bytes()[..detail.len().min(MAX_DETAIL)];
            out.extend_from_slice(&(detail.len() as u32).to_le_bytes());
            out.extend_from_slice(detail);
        }
    }
    out
}

/// Reads a child's answer. Anything malformed — wrong magic, a length past
/// the end, bytes left over, too many pages, a size out of bounds, a page
/// that is not a PNG, an unknown code — is [`DrawError::Drawer`].
pub fn decode_result(answer: &[u8]) -> Result<DrawnPages, DrawError> {
    let bad = |why: &str| DrawError::Drawer(format!("the drawer's answer is malformed: {why}"));
    if answer.len() > MAX_ANSWER_BYTES {
        return Err(bad("too long"));
    }
    let mut r = Reader(answer);
    if r.take(4).ok_or_else(|| bad("empty"))? != MAGIC {
        return Err(bad("not an answer"));
    }
    match r.u8().ok_or_else(|| bad("no kind"))? {
        0 => {
            let page_count = r.u32().ok_or_else(|| bad("no page count"))? as usize;
            let n = r.u32().ok_or_else(|| bad("no pages"))? as usize;
            if n > MAX_PAGES || n > page_count || n == 0 {
                return Err(bad("page numbers out of bounds"));
            }
            let mut pages = Vec::with_capacity(n);
            for _ in 0..n {
                let width = r.u32().ok_or_else(|| bad("cut in a page"))?;
                let height = r.u32().ok_or_else(|| bad("cut in a page"))?;
                let len = r.u32().ok_or_else(|| bad("cut in a page"))? as usize;
                let png = r.take(len).ok_or_else(|| bad("cut in a picture"))?;
                if width == 0 || width > MAX_WIDTH_PX || height == 0 || height > MAX_HEIGHT_PX {
                    return Err(bad("page size out of bounds"));
                }
                if !png.starts_with(PNG_SIGNATURE) {
                    return Err(bad("a page is not a PNG"));
                }
                pages.push(DrawnPage {
                    png: png.to_vec(),
                    width,
                    height,
                });
            }
            if !r.0.is_empty() {
                return Err(bad("bytes after the last page"));
            }
            Ok(DrawnPages { pages, page_count })
        }
        1 => {
            let code_len = r.u8().ok_or_else(|| bad("no code"))? as usize;
            let code = r.take(code_len).ok_or_else(|| bad("cut in the code"))?;
            let len = r.u32().ok_or_else(|| bad("no detail"))? as usize;
            if len > MAX_DETAIL {
                return Err(bad("detail too long"));
            }
            let detail = r.take(len).ok_or_else(|| bad("cut in the detail"))?;
            if !r.0.is_empty() {
                return Err(bad("bytes after the refusal"));
            }
            let detail = String::from_utf8_lossy(detail).into_owned();
            match code {
                b"LAYOUT_NOT_OPENED" => Err(DrawError::Unreadable(detail)),
                b"LAYOUT_NO_PAGE" => Err(DrawError::NoPage),
                b"LAYOUT_BAD_PAGE_SIZE" => Err(DrawError::BadPageSize(detail)),
                b"LAYOUT_RENDER_FAULT" => Err(DrawError::RendererFault),
                b"LAYOUT_DRAWER_FAILED" => Err(DrawError::Drawer(detail)),
                _ => Err(bad("unknown refusal code")),
            }
        }
        _ => Err(bad("unknown kind")),
    }
}

/// A cursor over untrusted bytes: every read is bounds-checked.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}
