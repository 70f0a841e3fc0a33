//! ESC/POS command builder and the 58/80 mm column layout (pure).
//!
//! Chinese thermal printers take text in GB18030 once Chinese mode is on
//! (`FS &`). A CJK character prints two columns wide: a 58 mm roll holds 32
//! columns (16 Chinese characters), an 80 mm roll 48.

use serde::{Deserialize, Serialize};

/// ESC
pub const ESC: u8 = 0x1b;
/// GS
pub const GS: u8 = 0x1d;
/// FS
pub const FS: u8 = 0x1c;
/// DLE
pub const DLE: u8 = 0x10;
/// EOT
pub const EOT: u8 = 0x04;
/// LF
pub const LF: u8 = 0x0a;

/// Paper width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PaperWidth {
    /// 58 mm, 32 columns.
    #[serde(rename = "58mm")]
    Mm58,
    /// 80 mm, 48 columns.
    #[default]
    #[serde(rename = "80mm")]
    Mm80,
}

impl PaperWidth {
    /// Columns of the standard 12×24 font (a CJK character takes two).
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }
    /// Printable dots (203 dpi heads).
    pub fn dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }
}

/// Text alignment (`ESC a n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Align {
    /// n = 0
    Left,
    /// n = 1
    Center,
    /// n = 2
    Right,
}

/// Display width of one character: 2 for East Asian wide/fullwidth, else 1.
pub fn char_width(c: char) -> usize {
    let u = c as u32;
    let wide = matches!(u,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
    if wide {
        2
    } else {
        1
    }
}

/// Display width of a string in printer columns.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Wraps text to `cols` columns without splitting a wide character.
pub fn wrap(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut w = 0;
    for c in text.chars() {
        let cw = char_width(c);
        if w + cw > cols {
            lines.push(std::mem::take(&mut cur));
            w = 0;
        }
        cur.push(c);
        w += cw;
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `left` and `right` on one line of `cols` columns (left is cut to fit, with
/// at least one space between; right is never cut).
pub fn two_columns(left: &str, right: &str, cols: usize) -> String {
    let rw = display_width(right);
    let room = cols.saturating_sub(rw + 1);
    let mut l = String::new();
    let mut lw = 0;
    for c in left.chars() {
        let cw = char_width(c);
        if lw + cw > room {
            break;
        }
        l.push(c);
        lw += cw;
    }
    let pad = cols.saturating_sub(lw + rw).max(1);
    format!("{l}{}{right}", " ".repeat(pad))
}

/// Builds an ESC/POS byte stream.
#[derive(Debug, Clone)]
pub struct EscPosBuilder {
    buf: Vec<u8>,
    width: PaperWidth,
}

impl EscPosBuilder {
    /// Starts a job: `ESC @` (initialise) and `FS &` (Chinese mode, GB18030).
    pub fn new(width: PaperWidth) -> Self {
        let mut b = EscPosBuilder {
            buf: Vec::with_capacity(1024),
            width,
        };
        b.buf.extend_from_slice(&[ESC, b'@', FS, b'&']);
        b
    }

    /// The paper width this job is laid out for.
    pub fn width(&self) -> PaperWidth {
        self.width
    }

    /// `ESC a n`.
    pub fn align(mut self, a: Align) -> Self {
        let n = match a {
            Align::Left => 0,
            Align::Center => 1,
            Align::Right => 2,
        };
        self.buf.extend_from_slice(&[ESC, b'a', n]);
        self
    }

    /// `ESC E n`.
    pub fn bold(mut self, on: bool) -> Self {
        self.buf.extend_from_slice(&[ESC, b'E', u8::from(on)]);
        self
    }

    /// `GS ! n`: width and height multipliers 1..=8.
    pub fn size(mut self, w: u8, h: u8) -> Self {
        let w = w.clamp(1, 8) - 1;
        let h = h.clamp(1, 8) - 1;
        self.buf.extend_from_slice(&[GS, b'!', (w << 4) | h]);
        self
    }

    /// One line of text in GB18030, then LF. Characters GB18030 cannot hold
    /// (none in practice; it covers all of Unicode) would print as `?`.
    pub fn line(mut self, text: &str) -> Self {
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let (bytes, _, _) = encoding_rs::GB18030.encode(&clean);
        self.buf.extend_from_slice(&bytes);
        self.buf.push(LF);
        self
    }

    /// Text wrapped to the paper's columns.
    pub fn wrapped(mut self, text: &str) -> Self {
        for l in wrap(text, self.width.columns()) {
            self = self.line(&l);
        }
        self
    }

    /// `left ... right` on one line.
    pub fn pair(self, left: &str, right: &str) -> Self {
        let cols = self.width.columns();
        self.line(&two_columns(left, right, cols))
    }

    /// A full-width rule of `-`.
    pub fn rule(self) -> Self {
        let cols = self.width.columns();
        self.line(&"-".repeat(cols))
    }

    /// `ESC d n`: feed n lines.
    pub fn feed(mut self, n: u8) -> Self {
        self.buf.extend_from_slice(&[ESC, b'd', n]);
        self
    }

    /// QR code (`GS ( k`: model 2, module size, ECC M, store, print).
    /// Data over 7089 bytes is cut (the symbol maximum).
    pub fn qr(mut self, data: &str, module: u8) -> Self {
        let d = &data.as_bytes()[..data.len().min(7089)];
        self.buf
            .extend_from_slice(&[GS, b'(', b'k', 4, 0, 0x31, 0x41, 0x32, 0x00]);
        self.buf
            .extend_from_slice(&[GS, b'(', b'k', 3, 0, 0x31, 0x43, module.clamp(1, 16)]);
        self.buf
            .extend_from_slice(&[GS, b'(', b'k', 3, 0, 0x31, 0x45, 0x31]);
        let len = d.len() + 3;
        self.buf.extend_from_slice(&[
            GS,
            b'(',
            b'k',
            (len & 0xff) as u8,
            (len >> 8) as u8,
            0x31,
            0x50,
            0x30,
        ]);
        self.buf.extend_from_slice(d);
        self.buf
            .extend_from_slice(&[GS, b'(', b'k', 3, 0, 0x31, 0x51, 0x30]);
        self
    }

    /// CODE128 (code set B) with human-readable text below:
    /// `GS H 2`, `GS h 80`, `GS w 2`, `GS k 73 n {B data`.
    /// Non-ASCII characters are dropped; data is cut at 253 bytes.
    pub fn code128(mut self, data: &str) -> Self {
        let ascii: Vec<u8> = data
            .bytes()
            .filter(|b| (0x20..0x7f).contains(b))
            .take(253)
            .collect();
        self.buf
            .extend_from_slice(&[GS, b'H', 2, GS, b'h', 80, GS, b'w', 2]);
        self.buf
            .extend_from_slice(&[GS, b'k', 73, (ascii.len() + 2) as u8, b'{', b'B']);
        self.buf.extend_from_slice(&ascii);
        self
    }

    /// Feed and partial cut: `GS V 66 n`.
    pub fn cut(mut self) -> Self {
        self.buf.extend_from_slice(&[GS, b'V', 66, 3]);
        self
    }

    /// Cash-drawer kick on pin 2: `ESC p 0 25 250` (50 ms on, 500 ms off).
    pub fn drawer_kick(mut self) -> Self {
        self.buf.extend_from_slice(&[ESC, b'p', 0, 25, 250]);
        self
    }

    /// The finished bytes.
    pub fn build(self) -> Vec<u8> {
        self.buf
    }
}

/// `DLE EOT n` real-time status request (n = 1 printer, 2 offline cause, 4 paper).
pub fn status_request(n: u8) -> [u8; 3] {
    [DLE, EOT, n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_layout() {
        assert_eq!(display_width("阿莫西林 x2"), 11);
        assert_eq!(
            two_columns("阿莫西林胶囊", "12.50", 32).len(),
            "阿莫西林胶囊".len() + 15 + 5
        );
        assert_eq!(display_width(&two_columns("阿莫西林胶囊", "12.50", 32)), 32);
        // a name too long is cut on a character boundary
        let l = two_columns(&"药".repeat(20), "1.00", 32);
        assert!(display_width(&l) <= 32, "{l}");
        assert_eq!(
            wrap(&"药".repeat(17), 32),
            vec!["药".repeat(16), "药".into()]
        );
        assert_eq!(wrap("", 32), vec![String::new()]);
    }

    #[test]
    fn encodes_gb18030_text() {
        let b = EscPosBuilder::new(PaperWidth::Mm58).line("药").build();
        assert_eq!(&b[..4], &[ESC, b'@', FS, b'&']);
        assert_eq!(&b[4..], &[0xd2, 0xa9, LF]);
    }
}
