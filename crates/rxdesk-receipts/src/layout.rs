//! The receipt content model and its layout onto a paper width.
//!
//! Documents are built as a `Vec<ReceiptElement>` (what to say), then laid out
//! for a paper width into [`PrintLine`]s (what goes on each physical line). The
//! plain-text rendering (tests, logs, UI preview) and the ESC/POS encoder both
//! consume the same laid-out lines, so a preview shows the line breaks the
//! printer will make.

use crate::text::{display_width, indent_for, sanitize, two_columns, wrap, wrap_hanging, Align};
use serde::{Deserialize, Serialize};

/// Thermal paper roll widths, with their Font A (12×24 dots) column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// 58 mm roll, 384 dots: 32 columns.
    Mm58,
    /// 80 mm roll, 576 dots: 48 columns.
    #[default]
    Mm80,
}

impl Paper {
    /// Printer cells per line at normal character width.
    pub fn columns(self) -> usize {
        match self {
            Paper::Mm58 => 32,
            Paper::Mm80 => 48,
        }
    }
}

/// Character style of a text line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Style {
    /// Emphasised (ESC E).
    #[serde(default)]
    pub bold: bool,
    /// Double character width (halves the characters per line).
    #[serde(default)]
    pub double_width: bool,
    /// Double character height.
    #[serde(default)]
    pub double_height: bool,
}

impl Style {
    /// Plain text.
    pub const PLAIN: Style = Style {
        bold: false,
        double_width: false,
        double_height: false,
    };
    /// Bold, normal size.
    pub const BOLD: Style = Style {
        bold: true,
        double_width: false,
        double_height: false,
    };
    /// Bold, double width and height (titles).
    pub const TITLE: Style = Style {
        bold: true,
        double_width: true,
        double_height: true,
    };
    /// Bold, double height only (keeps the full line width; for totals).
    pub const TALL: Style = Style {
        bold: true,
        double_width: false,
        double_height: true,
    };

    fn cell_factor(self) -> usize {
        if self.double_width {
            2
        } else {
            1
        }
    }
}

/// One item of receipt content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ReceiptElement {
    /// A paragraph, wrapped to the paper width.
    Text {
        /// The text (external text is sanitised).
        text: String,
        /// Alignment of every wrapped line.
        #[serde(default)]
        align: Align,
        /// Character style.
        #[serde(default)]
        style: Style,
        /// Cells of space before the first line (left-aligned text only).
        #[serde(default)]
        indent: u8,
        /// Cells of space before every following line (left-aligned text only).
        #[serde(default)]
        hanging: u8,
    },
    /// A full-width rule made of one repeated ASCII character (`-`, `=`).
    Rule {
        /// The character; anything but printable ASCII prints as `-`.
        ch: char,
    },
    /// A left text and a right-aligned text (amounts). The left text wraps;
    /// the right text goes on its last line when there is room, else on a
    /// line of its own.
    Columns {
        /// Left part.
        left: String,
        /// Right part, flush right.
        right: String,
        /// Character style of both.
        #[serde(default)]
        style: Style,
        /// Cells of space before every line of the left part.
        #[serde(default)]
        indent: u8,
    },
    /// A QR code, centred.
    Qr {
        /// Encoded data.
        data: String,
    },
    /// A CODE128 barcode, centred, with its text below.
    Barcode128 {
        /// Encoded data (printable ASCII).
        data: String,
    },
    /// Blank lines.
    Feed {
        /// How many.
        lines: u8,
    },
    /// Feed to the cutter and cut.
    Cut,
}

impl ReceiptElement {
    /// Left-aligned plain text.
    pub fn text(text: impl Into<String>) -> Self {
        Self::styled(text, Align::Left, Style::PLAIN)
    }
    /// Text with alignment and style.
    pub fn styled(text: impl Into<String>, align: Align, style: Style) -> Self {
        ReceiptElement::Text {
            text: text.into(),
            align,
            style,
            indent: 0,
            hanging: 0,
        }
    }
    /// Left-aligned plain text whose first line starts `indent` cells in and
    /// whose other lines start `hanging` cells in.
    pub fn indented(text: impl Into<String>, indent: u8, hanging: u8) -> Self {
        ReceiptElement::Text {
            text: text.into(),
            align: Align::Left,
            style: Style::PLAIN,
            indent,
            hanging,
        }
    }
    /// Plain left/right columns.
    pub fn columns(left: impl Into<String>, right: impl Into<String>) -> Self {
        Self::columns_styled(left, right, Style::PLAIN, 0)
    }
    /// Left/right columns with a style and an indent of the left part.
    pub fn columns_styled(
        left: impl Into<String>,
        right: impl Into<String>,
        style: Style,
        indent: u8,
    ) -> Self {
        ReceiptElement::Columns {
            left: left.into(),
            right: right.into(),
            style,
            indent,
        }
    }
    /// A `-` rule.
    pub fn rule() -> Self {
        ReceiptElement::Rule { ch: '-' }
    }
}

/// One physical line (or graphic) after layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintLine {
    /// A text line. `text` fits `columns / cell factor` cells; `indent` is the
    /// number of normal-width spaces before it.
    Text {
        /// Leading spaces (normal width).
        indent: usize,
        /// The alignment the indent was computed for.
        align: Align,
        /// The text, already fitted.
        text: String,
        /// Style to print it in.
        style: Style,
    },
    /// A centred QR code.
    Qr(String),
    /// A centred CODE128 barcode.
    Barcode128(String),
    /// Blank lines.
    Feed(u8),
    /// Cut.
    Cut,
}

/// Lays elements out for a paper width.
pub fn layout(elements: &[ReceiptElement], paper: Paper) -> Vec<PrintLine> {
    let cols = paper.columns();
    let mut out = Vec::new();
    for el in elements {
        match el {
            ReceiptElement::Text {
                text,
                align,
                style,
                indent,
                hanging,
            } => {
                let factor = style.cell_factor();
                let avail = cols / factor;
                // Indents only make sense for left-aligned text; keep at least
                // a few cells of text whatever the caller asked for.
                let (first, rest) = if *align == Align::Left {
                    (
                        usize::from(*indent).min(avail.saturating_sub(4)),
                        usize::from(*hanging).min(avail.saturating_sub(4)),
                    )
                } else {
                    (0, 0)
                };
                for (i, line) in wrap_hanging(text, avail - first, avail - rest)
                    .into_iter()
                    .enumerate()
                {
                    let pad = if i == 0 { first } else { rest };
                    let line = format!("{}{line}", " ".repeat(pad));
                    let w = display_width(&line) * factor;
                    out.push(PrintLine::Text {
                        indent: indent_for(*align, w, cols),
                        align: *align,
                        text: line,
                        style: *style,
                    });
                }
            }
            ReceiptElement::Rule { ch } => {
                let ch = if ch.is_ascii_graphic() { *ch } else { '-' };
                out.push(PrintLine::Text {
                    indent: 0,
                    align: Align::Left,
                    text: ch.to_string().repeat(cols),
                    style: Style::PLAIN,
                });
            }
            ReceiptElement::Columns {
                left,
                right,
                style,
                indent,
            } => {
                let factor = style.cell_factor();
                let avail = cols / factor;
                let pad = usize::from(*indent).min(avail.saturating_sub(4));
                let right = sanitize(right);
                let right = right.trim();
                let mut lefts: Vec<String> = wrap(left, avail - pad)
                    .into_iter()
                    .map(|l| format!("{}{l}", " ".repeat(pad)))
                    .collect();
                let last = lefts.pop().unwrap_or_default();
                for l in lefts {
                    out.push(PrintLine::Text {
                        indent: 0,
                        align: Align::Left,
                        text: l,
                        style: *style,
                    });
                }
                match two_columns(&last, right, avail) {
                    Some(joined) => out.push(PrintLine::Text {
                        indent: 0,
                        align: Align::Left,
                        text: joined,
                        style: *style,
                    }),
                    None => {
                        out.push(PrintLine::Text {
                            indent: 0,
                            align: Align::Left,
                            text: last,
                            style: *style,
                        });
                        for r in wrap(right, avail) {
                            let w = display_width(&r) * factor;
                            out.push(PrintLine::Text {
                                indent: indent_for(Align::Right, w, cols),
                                align: Align::Right,
                                text: r,
                                style: *style,
                            });
                        }
                    }
                }
            }
            ReceiptElement::Qr { data } => out.push(PrintLine::Qr(data.clone())),
            ReceiptElement::Barcode128 { data } => out.push(PrintLine::Barcode128(data.clone())),
            ReceiptElement::Feed { lines } => out.push(PrintLine::Feed(*lines)),
            ReceiptElement::Cut => out.push(PrintLine::Cut),
        }
    }
    out
}

/// Renders elements as plain text, one printed line per text line, for tests,
/// logs and the UI preview. Double-width text is shown at normal width but
/// aligned as on paper; graphics are shown as bracketed placeholders; the cut
/// as a scissor line. No line is wider than the paper's column count.
pub fn render_plain_text(elements: &[ReceiptElement], paper: Paper) -> String {
    let cols = paper.columns();
    let mut out = String::new();
    let mut push = |line: &str| {
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    };
    for line in layout(elements, paper) {
        match line {
            PrintLine::Text {
                indent,
                align,
                text,
                style,
            } => {
                let indent = if style.double_width && align != Align::Left {
                    // The preview shows normal-width glyphs: align them anew.
                    indent_for(align, display_width(&text), cols)
                } else {
                    indent
                };
                push(&format!("{}{}", " ".repeat(indent), text));
            }
            PrintLine::Qr(data) => placeholder(&mut push, "二维码", &data, cols),
            PrintLine::Barcode128(data) => placeholder(&mut push, "条码", &data, cols),
            PrintLine::Feed(n) => {
                for _ in 0..n {
                    push("");
                }
            }
            PrintLine::Cut => push(&"- ".repeat(cols / 2)),
        }
    }
    out
}

fn placeholder(push: &mut impl FnMut(&str), kind: &str, data: &str, cols: usize) {
    for line in wrap(&format!("[{kind} {data}]"), cols) {
        let indent = indent_for(Align::Center, display_width(&line), cols);
        push(&format!("{}{}", " ".repeat(indent), line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(els: &[ReceiptElement], paper: Paper) -> Vec<String> {
        render_plain_text(els, paper)
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn columns_right_align_amounts_on_both_papers() {
        for paper in [Paper::Mm58, Paper::Mm80] {
            let l = lines(&[ReceiptElement::columns("合计", "125.00")], paper);
            assert_eq!(l.len(), 1);
            assert_eq!(display_width(&l[0]), paper.columns());
            assert!(l[0].starts_with("合计 "));
            assert!(l[0].ends_with(" 125.00"));
        }
    }

    #[test]
    fn long_left_wraps_and_amount_stays_right() {
        let name = "复方甘草酸苷片（美能）口服用复方制剂加长名称测试";
        let l = lines(&[ReceiptElement::columns(name, "1234.56")], Paper::Mm58);
        assert!(l.len() >= 2);
        assert!(l.last().unwrap().ends_with("1234.56"));
        for x in &l {
            assert!(display_width(x) <= 32, "{x:?}");
        }
        let joined: String = l.concat().replace(' ', "").replace("1234.56", "");
        assert_eq!(joined, name);
    }

    #[test]
    fn amount_on_its_own_line_when_the_last_left_line_is_full() {
        // 16 CJK chars = 32 cells: no room for the amount on 58 mm.
        let name = "一二三四五六七八九十一二三四五六";
        let l = lines(&[ReceiptElement::columns(name, "9.99")], Paper::Mm58);
        assert_eq!(l, vec![name.to_string(), format!("{}9.99", " ".repeat(28))]);
    }

    #[test]
    fn centred_title_is_centred_in_physical_cells() {
        let laid = layout(
            &[ReceiptElement::styled("药店", Align::Center, Style::TITLE)],
            Paper::Mm58,
        );
        // "药店" double width = 8 cells; (32-8)/2 = 12.
        assert_eq!(
            laid,
            vec![PrintLine::Text {
                indent: 12,
                align: Align::Center,
                text: "药店".into(),
                style: Style::TITLE
            }]
        );
        // Preview re-centres it at normal width: (32-4)/2 = 14.
        assert_eq!(
            render_plain_text(
                &[ReceiptElement::styled("药店", Align::Center, Style::TITLE)],
                Paper::Mm58
            ),
            format!("{}药店\n", " ".repeat(14))
        );
    }

    #[test]
    fn double_width_text_wraps_at_half_the_columns() {
        let laid = layout(
            &[ReceiptElement::styled(
                "一二三四五六七八九十一二三四五六七八",
                Align::Left,
                Style::TITLE,
            )],
            Paper::Mm80,
        );
        // 48 cells / 2 = 24 half-cells = 12 CJK chars per line.
        let texts: Vec<_> = laid
            .iter()
            .map(|l| match l {
                PrintLine::Text { text, .. } => text.clone(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(texts, vec!["一二三四五六七八九十一二", "三四五六七八"]);
    }

    #[test]
    fn rules_fill_the_width_and_graphics_have_placeholders() {
        let text = render_plain_text(
            &[
                ReceiptElement::Rule { ch: '=' },
                ReceiptElement::Rule { ch: '好' },
                ReceiptElement::Qr {
                    data: "S001".into(),
                },
                ReceiptElement::Feed { lines: 2 },
                ReceiptElement::Cut,
            ],
            Paper::Mm58,
        );
        let l: Vec<_> = text.lines().collect();
        assert_eq!(l[0], "=".repeat(32));
        assert_eq!(l[1], "-".repeat(32));
        assert_eq!(l[2].trim(), "[二维码 S001]");
        assert_eq!(l[3], "");
        assert_eq!(l[4], "");
        assert_eq!(l.len(), 6);
    }
}
