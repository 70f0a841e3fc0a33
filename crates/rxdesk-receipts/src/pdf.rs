//! The 用药指导单 (medication guidance sheet, ST-EPC-02-012) as a PDF.
//!
//! One section per dispensed drug with dose, frequency, route, days, the
//! doctor's instructions, contraindications and warnings; a header with the
//! store, the masked patient name, the prescription number, the pharmacist and
//! the date; a general advice footer; page numbers. Text is set in a CJK
//! TrueType font that printpdf embeds as a subset (its `text_layout` feature is
//! what makes `subset_fonts` work, see docs/reference/tauri.md §8), so a page is tens of
//! kilobytes, not megabytes.
//!
//! The layout is a small flow engine over printpdf's operations: lines are
//! wrapped with the same rules as the receipt (`text::wrap_measured`) using
//! the font's advance widths, and a page break repeats a short running head.

use crate::documents::{format_quantity, mask_patient_name, usage_summary, GENERAL_ADVICE};
use crate::model::{ReceiptLine, SaleReceipt};
use crate::text::wrap_measured;
use crate::ReceiptError;
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextRenderingMode,
};
use rxdesk_core::time::format_wire;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where Debian's fonts-wqy-microhei puts its font (face 0 is 微米黑).
pub const DEFAULT_FONT_PATH: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// Paper size of the guidance sheet (portrait).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PageSize {
    /// 148 × 210 mm.
    #[default]
    A5,
    /// 210 × 297 mm.
    A4,
}

impl PageSize {
    fn mm(self) -> (f32, f32) {
        match self {
            PageSize::A5 => (148.0, 210.0),
            PageSize::A4 => (210.0, 297.0),
        }
    }
}

/// How to make the PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PdfOptions {
    /// TrueType/OpenType font (or collection) with CJK glyphs.
    pub font_path: PathBuf,
    /// Face index inside a collection (`.ttc`).
    #[serde(default)]
    pub font_index: usize,
    /// Paper size.
    #[serde(default)]
    pub page_size: PageSize,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            font_path: PathBuf::from(DEFAULT_FONT_PATH),
            font_index: 0,
            page_size: PageSize::A5,
        }
    }
}

/// A parsed font ready for guidance sheets; load once, use for many PDFs.
#[derive(Debug, Clone)]
pub struct GuidanceFont {
    parsed: ParsedFont,
    units_per_em: f32,
}

impl GuidanceFont {
    /// Reads and parses the font; fails clearly if it is missing, not a font,
    /// or has no Chinese glyphs.
    pub fn load(path: &Path, index: usize) -> Result<Self, ReceiptError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ReceiptError::FontUnreadable {
            path: shown.clone(),
            source,
        })?;
        Self::from_bytes(&bytes, index, &shown)
    }

    /// Parses font bytes (`name` is used in errors).
    pub fn from_bytes(bytes: &[u8], index: usize, name: &str) -> Result<Self, ReceiptError> {
        let invalid = || ReceiptError::FontInvalid {
            path: name.to_string(),
            index,
        };
        let parsed = ParsedFont::from_bytes(bytes, index, &mut Vec::new()).ok_or_else(invalid)?;
        let upm = parsed.get_font_metrics().units_per_em;
        if upm == 0 {
            return Err(invalid());
        }
        if "药师用法"
            .chars()
            .any(|c| parsed.lookup_glyph_index(c as u32).is_none())
        {
            return Err(ReceiptError::FontLacksCjk {
                path: name.to_string(),
            });
        }
        Ok(GuidanceFont {
            parsed,
            units_per_em: f32::from(upm),
        })
    }

    /// Advance of `c` in font units (characters without a glyph count as 1 em,
    /// the width of the box they will show as).
    fn advance(&self, c: char) -> usize {
        let gid = self.parsed.lookup_glyph_index(c as u32).unwrap_or(0);
        let adv = self.parsed.get_horizontal_advance(gid);
        if adv == 0 {
            self.units_per_em as usize
        } else {
            usize::from(adv)
        }
    }

    fn width_pt(&self, s: &str, size: f32) -> f32 {
        let units: usize = s.chars().map(|c| self.advance(c)).sum();
        units as f32 * size / self.units_per_em
    }
}

/// Makes the guidance PDF for a sale, loading the font named in `opts`.
pub fn guidance_pdf(r: &SaleReceipt, opts: &PdfOptions) -> Result<Vec<u8>, ReceiptError> {
    let font = GuidanceFont::load(&opts.font_path, opts.font_index)?;
    guidance_pdf_with_font(r, &font, opts.page_size)
}

/// Makes the guidance PDF with an already loaded font.
pub fn guidance_pdf_with_font(
    r: &SaleReceipt,
    font: &GuidanceFont,
    page_size: PageSize,
) -> Result<Vec<u8>, ReceiptError> {
    if r.lines.is_empty() {
        return Err(ReceiptError::NoLines);
    }
    let mut doc = PdfDocument::new("用药指导单");
    let font_id = doc.add_font(&font.parsed);
    let (w, h) = page_size.mm();
    let patient = mask_patient_name(&r.prescription.patient_name);
    let mut c = Canvas {
        font,
        font_id,
        width: w,
        height: h,
        margin: if page_size == PageSize::A5 {
            12.0
        } else {
            18.0
        },
        y: 0.0,
        ops: Vec::new(),
        pages: Vec::new(),
        running_head: format!(
            "用药指导单（续）  患者 {patient}  处方编号 {}",
            r.prescription.rx_no
        ),
    };
    c.y = c.top();

    // Title block.
    c.centered(&r.store.name, 10.5, Ink::Grey, false);
    c.centered("用药指导单", 18.0, Ink::Black, true);
    c.centered("请妥善保存，按本单用药", 8.5, Ink::Grey, false);
    c.y -= 2.0;

    // Who, what, when.
    let mut dept_doctor = r.prescription.department.clone().unwrap_or_default();
    if let Some(doc) = &r.prescription.doctor {
        if !dept_doctor.is_empty() {
            dept_doctor.push_str(" / ");
        }
        dept_doctor.push_str(doc);
    }
    let mut cells = vec![
        ("患者", patient.clone()),
        ("处方编号", r.prescription.rx_no.clone()),
        ("开方医院", r.prescription.hospital.clone()),
    ];
    if !dept_doctor.is_empty() {
        cells.push(("科室/医师", dept_doctor));
    }
    cells.extend([
        ("审方药师", r.pharmacist.clone()),
        ("发药日期", format_wire(r.settled_at)),
        ("销售单号", r.sale_id.clone()),
        ("定点编号", r.store.fixmedins_code.clone()),
    ]);
    c.info_grid(&cells);
    c.rule(0.6, 0.0);
    c.y -= 3.0;

    for (i, line) in r.lines.iter().enumerate() {
        drug_section(&mut c, i, line);
    }

    // General advice.
    let mut advice = String::from(GENERAL_ADVICE);
    advice.push_str(&format!("如有疑问请咨询本店药师{}", r.pharmacist));
    if let Some(phone) = &r.store.phone {
        advice.push_str(&format!("（电话 {phone}）"));
    }
    advice.push('。');
    let advice_lines = c.wrap(&advice, c.content_width() - 6.0, 8.5);
    let box_h = 2.0 + line_mm(9.5) + advice_lines.len() as f32 * line_mm(8.5) + 2.5;
    // The advice box and the signature line stay together.
    c.ensure(box_h + 2.0 + 3.0 + line_mm(9.5));
    c.y -= 2.0;
    let top = c.y;
    c.rect(c.margin, top - box_h, c.content_width(), box_h, 0.95);
    c.y -= 2.0;
    c.text_line(c.margin + 3.0, "温馨提示", 9.5, Ink::Black, true);
    for l in &advice_lines {
        c.text_line(c.margin + 3.0, l, 8.5, Ink::Black, false);
    }
    c.y = top - box_h - 3.0;
    c.text_line(
        c.margin,
        &format!("审方药师 {}      药师签名 ____________", r.pharmacist),
        9.5,
        Ink::Black,
        false,
    );

    let pages = c.finish(&r.store.name);
    let mut warnings = Vec::new();
    let bytes = doc.with_pages(pages).save(
        &PdfSaveOptions {
            subset_fonts: true,
            ..PdfSaveOptions::default()
        },
        &mut warnings,
    );
    Ok(bytes)
}

fn drug_section(c: &mut Canvas<'_>, i: usize, line: &ReceiptLine) {
    let width = c.content_width();
    let detail = format!(
        "{}  ×{}{}",
        line.spec,
        format_quantity(line.quantity),
        line.unit
    );
    let title = format!("{}. {}", i + 1, line.drug_name);
    let detail_w = c.font.width_pt(&detail, 9.5) / MM_PT;
    // The name wraps in what the detail leaves free on the first line; a long
    // name or a long detail puts the detail on lines of its own.
    let mut title_lines = c.wrap(&title, width - 6.0 - detail_w - 4.0, 12.0);
    let detail_own_line = title_lines.len() > 1 || detail_w > width / 2.0;
    let detail_lines = if detail_own_line {
        title_lines = c.wrap(&title, width - 6.0, 12.0);
        c.wrap(&detail, width - 6.0, 9.5)
    } else {
        vec![detail.clone()]
    };
    let head_h = title_lines.len() as f32 * line_mm(12.0)
        + if detail_own_line {
            detail_lines.len() as f32 * line_mm(9.5)
        } else {
            0.0
        }
        + 2.5;

    // Keep the heading with at least its first rows.
    c.ensure(head_h + 3.0 * line_mm(10.5) + 4.0);
    let top = c.y;
    c.rect(c.margin, top - head_h, width, head_h, 0.90);
    c.y -= 1.25;
    let first_baseline_y = c.y - line_mm(12.0) * 0.78;
    for (k, l) in title_lines.iter().enumerate() {
        c.text_line(c.margin + 3.0, l, 12.0, Ink::Black, true);
        if k == 0 && !detail_own_line {
            let x = c.margin + width - 3.0 - detail_w;
            c.text_at(x, first_baseline_y, &detail, 9.5, Ink::Black, false);
        }
    }
    if detail_own_line {
        for l in &detail_lines {
            c.text_line(c.margin + 3.0, l, 9.5, Ink::Black, false);
        }
    }
    c.y = top - head_h - 2.0;

    let label_w = 19.0;
    const NO_GUIDANCE: &str = "请遵医嘱或按药品说明书使用，如有疑问请咨询药师。";
    let usage = line
        .guidance
        .as_ref()
        .map(usage_summary)
        .filter(|u| !u.is_empty());
    // The summary already says how many days (连用N天).
    c.row(
        label_w,
        "用法用量",
        usage.as_deref().unwrap_or(NO_GUIDANCE),
        false,
    );
    if let Some(g) = &line.guidance {
        if let Some(instr) = g
            .doctor_instructions
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            c.row(label_w, "医嘱", instr, true);
        }
        let items = |v: &[String]| -> Vec<String> {
            v.iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| format!("• {}", s.trim()))
                .collect()
        };
        for (k, item) in items(&g.remarks).iter().enumerate() {
            c.row(label_w, if k == 0 { "备注" } else { "" }, item, false);
        }
        for (k, item) in items(&g.contraindications).iter().enumerate() {
            c.row(label_w, if k == 0 { "禁忌" } else { "" }, item, false);
        }
        for (k, item) in items(&g.warnings).iter().enumerate() {
            c.row(label_w, if k == 0 { "注意事项" } else { "" }, item, false);
        }
    }
    c.row(
        label_w,
        "批号效期",
        &format!(
            "批号 {}，有效期至 {}",
            line.batch,
            line.expiry.format("%Y-%m-%d")
        ),
        false,
    );
    c.y -= 3.0;
}

const MM_PT: f32 = 72.0 / 25.4;

/// Baseline-to-baseline distance for a font size, in mm.
fn line_mm(size_pt: f32) -> f32 {
    size_pt * 1.38 / MM_PT
}

#[derive(Clone, Copy)]
enum Ink {
    Black,
    Grey,
}

impl Ink {
    fn color(self) -> Color {
        let level = match self {
            Ink::Black => 0.0,
            Ink::Grey => 0.38,
        };
        Color::Greyscale(Greyscale::new(level, None))
    }
}

struct Canvas<'f> {
    font: &'f GuidanceFont,
    font_id: FontId,
    width: f32,
    height: f32,
    margin: f32,
    /// Top of the next line, mm from the bottom edge.
    y: f32,
    ops: Vec<Op>,
    pages: Vec<Vec<Op>>,
    running_head: String,
}

impl Canvas<'_> {
    fn top(&self) -> f32 {
        self.height - self.margin
    }
    /// Lowest y content may reach (room for the page footer).
    fn bottom(&self) -> f32 {
        self.margin + 5.0
    }
    fn content_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }

    fn wrap(&self, text: &str, width_mm: f32, size: f32) -> Vec<String> {
        let limit_units = (width_mm.max(1.0) * MM_PT / size * self.font.units_per_em) as usize;
        wrap_measured(text, limit_units, limit_units, &|c| self.font.advance(c))
    }

    /// Starts a new page if less than `needed` mm are left.
    fn ensure(&mut self, needed: f32) {
        if self.y - needed < self.bottom() {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = self.top();
        let head = self.running_head.clone();
        self.text_line(self.margin, &head, 8.5, Ink::Grey, false);
        self.rule(0.3, 0.5);
        self.y -= 3.0;
    }

    fn text_at(&mut self, x: f32, baseline: f32, text: &str, size: f32, ink: Ink, bold: bool) {
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFillColor { col: ink.color() });
        if bold {
            // The CJK font has no bold face: stroke the outline as well.
            self.ops.push(Op::SetOutlineColor { col: ink.color() });
            self.ops.push(Op::SetOutlineThickness {
                pt: Pt(size * 0.03),
            });
            self.ops.push(Op::SetTextRenderingMode {
                mode: TextRenderingMode::FillStroke,
            });
        } else {
            self.ops.push(Op::SetTextRenderingMode {
                mode: TextRenderingMode::Fill,
            });
        }
        self.ops.push(Op::SetFont {
            font: PdfFontHandle::External(self.font_id.clone()),
            size: Pt(size),
        });
        self.ops.push(Op::SetTextCursor {
            pos: Point::new(Mm(x), Mm(baseline)),
        });
        self.ops.push(Op::ShowText {
            items: vec![TextItem::Text(text.to_string())],
        });
        self.ops.push(Op::EndTextSection);
    }

    /// One line at `x` below the current y (breaking the page first if needed).
    fn text_line(&mut self, x: f32, text: &str, size: f32, ink: Ink, bold: bool) {
        let lh = line_mm(size);
        self.ensure(lh);
        let baseline = self.y - lh * 0.78;
        self.text_at(x, baseline, text, size, ink, bold);
        self.y -= lh;
    }

    fn centered(&mut self, text: &str, size: f32, ink: Ink, bold: bool) {
        for l in self.wrap(text, self.content_width(), size) {
            let w = self.font.width_pt(&l, size) / MM_PT;
            let x = self.margin + (self.content_width() - w) / 2.0;
            self.text_line(x, &l, size, ink, bold);
        }
    }

    /// A label in the left column and a wrapped value beside it.
    fn row(&mut self, label_w: f32, label: &str, value: &str, bold_value: bool) {
        let size = 10.5;
        let x_value = self.margin + 3.0 + label_w;
        let lines = self.wrap(value, self.content_width() - 3.0 - label_w, size);
        for (k, l) in lines.iter().enumerate() {
            let lh = line_mm(size);
            self.ensure(lh);
            let baseline = self.y - lh * 0.78;
            if k == 0 && !label.is_empty() {
                self.text_at(self.margin + 3.0, baseline, label, 9.5, Ink::Grey, true);
            }
            self.text_at(x_value, baseline, l, size, Ink::Black, bold_value);
            self.y -= lh;
        }
    }

    /// Label/value pairs two to a row; values wrap inside their cell.
    fn info_grid(&mut self, cells: &[(&str, String)]) {
        let size = 9.5;
        let gap = 6.0;
        let cell_w = (self.content_width() - gap) / 2.0;
        let label_w = 17.0;
        for pair in cells.chunks(2) {
            let wrapped: Vec<Vec<String>> = pair
                .iter()
                .map(|(_, v)| self.wrap(v, cell_w - label_w, size))
                .collect();
            let rows = wrapped.iter().map(Vec::len).max().unwrap_or(1);
            let lh = line_mm(size);
            self.ensure(rows as f32 * lh);
            for (col, ((label, _), lines)) in pair.iter().zip(&wrapped).enumerate() {
                let x = self.margin + col as f32 * (cell_w + gap);
                for (k, l) in lines.iter().enumerate() {
                    let baseline = self.y - lh * (k as f32 + 0.78);
                    if k == 0 {
                        self.text_at(x, baseline, label, size, Ink::Grey, false);
                    }
                    self.text_at(x + label_w, baseline, l, size, Ink::Black, false);
                }
            }
            self.y -= rows as f32 * lh + 0.8;
        }
    }

    fn rule(&mut self, thickness_pt: f32, grey: f32) {
        let y = self.y - 1.0;
        self.ops.push(Op::SetOutlineColor {
            col: Color::Greyscale(Greyscale::new(grey, None)),
        });
        self.ops.push(Op::SetOutlineThickness {
            pt: Pt(thickness_pt),
        });
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: Point::new(Mm(self.margin), Mm(y)),
                        bezier: false,
                    },
                    LinePoint {
                        p: Point::new(Mm(self.width - self.margin), Mm(y)),
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
        self.y -= 2.0;
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, grey: f32) {
        self.ops.push(Op::SetFillColor {
            col: Color::Greyscale(Greyscale::new(grey, None)),
        });
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                mode: Some(PaintMode::Fill),
                ..Rect::from_xywh(Mm(x).into(), Mm(y).into(), Mm(w).into(), Mm(h).into())
            },
        });
    }

    /// Closes the last page and adds the footer (store, page n of m) to each.
    fn finish(mut self, store: &str) -> Vec<PdfPage> {
        self.pages.push(std::mem::take(&mut self.ops));
        let total = self.pages.len();
        let pages = std::mem::take(&mut self.pages);
        let (w, h) = (self.width, self.height);
        pages
            .into_iter()
            .enumerate()
            .map(|(i, ops)| {
                self.ops = ops;
                let baseline = self.margin - 2.0;
                let left = format!("{store} · 用药指导单");
                self.text_at(self.margin, baseline, &left, 7.5, Ink::Grey, false);
                let num = format!("第 {} 页 / 共 {total} 页", i + 1);
                let nw = self.font.width_pt(&num, 7.5) / MM_PT;
                self.text_at(
                    self.width - self.margin - nw,
                    baseline,
                    &num,
                    7.5,
                    Ink::Grey,
                    false,
                );
                PdfPage::new(Mm(w), Mm(h), std::mem::take(&mut self.ops))
            })
            .collect()
    }
}
