//! Renders decoded ESC/POS events to a PNG "paper" image, as a 203 dpi
//! thermal head would (384 dots for 58 mm, 576 for 80 mm): text with a real
//! CJK font (12×24 dot cells, CJK 24×24, `GS !` multipliers, `ESC a`
//! alignment, bold, wrapping at the paper edge), QR codes drawn from their data, CODE128 bars (code set B) with
//! the human-readable text below, cut marked by a dashed line.

use super::decode::Event;
use super::escpos::{char_width, Align, PaperWidth};
use std::path::Path;

/// The font the simulator renders with (Debian `fonts-wqy-microhei`).
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Font file missing or unreadable.
    #[error("font {0}: {1}")]
    Font(String, String),
    /// PNG encoding / writing.
    #[error("png: {0}")]
    Png(String),
}

struct Canvas {
    w: usize,
    rows: Vec<u8>, // 255 = white
}

impl Canvas {
    fn ensure(&mut self, h: usize) {
        if self.rows.len() < h * self.w {
            self.rows.resize(h * self.w, 255);
        }
    }
    fn dot(&mut self, x: usize, y: usize, v: u8) {
        if x < self.w {
            self.ensure(y + 1);
            let p = &mut self.rows[y * self.w + x];
            *p = (*p).min(v);
        }
    }
    fn height(&self) -> usize {
        self.rows.len() / self.w
    }
}

/// Renders `events` onto paper of `width`, using the font at `font_path`.
pub fn render_png(
    events: &[Event],
    width: PaperWidth,
    font_path: &Path,
) -> Result<Vec<u8>, RenderError> {
    let fp = font_path.display().to_string();
    let bytes =
        std::fs::read(font_path).map_err(|e| RenderError::Font(fp.clone(), e.to_string()))?;
    let font = fontdue::Font::from_bytes(bytes, fontdue::FontSettings::default())
        .map_err(|e| RenderError::Font(fp, e.to_string()))?;
    let margin = 8;
    let w = width.dots() as usize + 2 * margin;
    let mut c = Canvas {
        w,
        rows: Vec::new(),
    };
    let mut y = margin;
    let (mut align, mut bold, mut sw, mut sh) = (Align::Left, false, 1usize, 1usize);
    let content = width.dots() as usize;
    for ev in events {
        match ev {
            Event::Init => {
                align = Align::Left;
                bold = false;
                sw = 1;
                sh = 1;
            }
            Event::Align { align: a } => align = *a,
            Event::Bold { on } => bold = *on,
            Event::Size { w, h } => {
                sw = usize::from(*w);
                sh = usize::from(*h);
            }
            Event::Line { text } => {
                let cell_h = 24 * sh;
                let text_w: usize = text.chars().map(|ch| char_width(ch) * 12 * sw).sum();
                let mut x = margin
                    + match align {
                        Align::Left => 0,
                        Align::Center => content.saturating_sub(text_w) / 2,
                        Align::Right => content.saturating_sub(text_w),
                    };
                let px = 22.0 * sh as f32;
                let mut baseline = y + (19 * sh);
                for ch in text.chars() {
                    let cw = char_width(ch) * 12 * sw;
                    if x + cw > margin + content {
                        // the printer wraps to the next line, from the left
                        y += cell_h + 6;
                        baseline = y + (19 * sh);
                        x = margin;
                    }
                    let (m, bmp) = font.rasterize(ch, px);
                    let xscale = sw as f32 / sh as f32;
                    let gw = ((m.width as f32) * xscale).ceil() as usize;
                    let ox = x + (cw.saturating_sub(gw)) / 2;
                    let top = baseline as i64 - (m.height as i64 + i64::from(m.ymin));
                    for gy in 0..m.height {
                        for gx in 0..gw {
                            let sx = ((gx as f32) / xscale) as usize;
                            let cov = bmp[gy * m.width + sx.min(m.width.saturating_sub(1))];
                            if cov > 60 {
                                let yy = top + gy as i64;
                                if yy >= 0 {
                                    c.dot(ox + gx, yy as usize, 0);
                                    if bold {
                                        c.dot(ox + gx + 1, yy as usize, 0);
                                    }
                                }
                            }
                        }
                    }
                    x += cw;
                }
                y += cell_h + 6;
                c.ensure(y);
            }
            Event::Feed { lines } => {
                y += usize::from(*lines) * 30;
                c.ensure(y);
            }
            Event::Qr { data } => {
                if let Ok(code) = qrcode::QrCode::new(data.as_bytes()) {
                    let n = code.width();
                    let module = 6;
                    let size = (n + 8) * module;
                    let x0 = margin
                        + match align {
                            Align::Left => 0,
                            Align::Center => content.saturating_sub(size) / 2,
                            Align::Right => content.saturating_sub(size),
                        };
                    let colors = code.to_colors();
                    for (i, col) in colors.iter().enumerate() {
                        if *col == qrcode::Color::Dark {
                            let (mx, my) = (i % n + 4, i / n + 4);
                            for dy in 0..module {
                                for dx in 0..module {
                                    c.dot(x0 + mx * module + dx, y + my * module + dy, 0);
                                }
                            }
                        }
                    }
                    y += size;
                    c.ensure(y);
                }
            }
            Event::Barcode { data, system } => {
                let h = 80;
                let modules = if *system == 73 {
                    super::code128::modules_b(data)
                } else {
                    None
                };
                if let Some(m) = modules {
                    // GS w 2: two dots per module, as the builder sets
                    let total: usize = m.iter().map(|&w| usize::from(w) * 2).sum();
                    let mut x = margin + content.saturating_sub(total) / 2;
                    for (i, &w) in m.iter().enumerate() {
                        let w = usize::from(w) * 2;
                        if i % 2 == 0 {
                            for dx in 0..w {
                                for dy in 0..h {
                                    c.dot(x + dx, y + dy, 0);
                                }
                            }
                        }
                        x += w;
                    }
                } else {
                    // other symbologies: a frame
                    let x0 = margin + content / 8;
                    let x1 = margin + content * 7 / 8;
                    for x in x0..x1 {
                        c.dot(x, y, 0);
                        c.dot(x, y + h, 0);
                    }
                    for yy in y..=y + h {
                        c.dot(x0, yy, 0);
                        c.dot(x1, yy, 0);
                    }
                }
                // human-readable text below (GS H 2)
                let mut x = margin + content.saturating_sub(data.chars().count() * 12) / 2;
                for ch in data.chars() {
                    let (m, bmp) = font.rasterize(ch, 22.0);
                    let top = (y + h + 24) as i64 - (m.height as i64 + i64::from(m.ymin));
                    for gy in 0..m.height {
                        for gx in 0..m.width {
                            if bmp[gy * m.width + gx] > 60 && top + gy as i64 >= 0 {
                                c.dot(x + gx, (top + gy as i64) as usize, 0);
                            }
                        }
                    }
                    x += 12;
                }
                y += h + 34;
                c.ensure(y);
            }
            Event::Cut => {
                y += 10;
                for x in (0..w).step_by(8) {
                    for d in 0..4 {
                        c.dot(x + d, y, 120);
                    }
                }
                y += 10;
                c.ensure(y);
            }
            _ => {}
        }
    }
    c.ensure(y + margin);
    let h = c.height();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc
            .write_header()
            .map_err(|e| RenderError::Png(e.to_string()))?;
        wr.write_image_data(&c.rows)
            .map_err(|e| RenderError::Png(e.to_string()))?;
    }
    Ok(out)
}
