//! Column arithmetic for receipt printers.
//!
//! A Chinese ESC/POS printer in GB18030 mode prints every single-byte (ASCII)
//! character in one cell and every double-byte character in two cells, whatever
//! Unicode calls its width: `×`, `①` or `“` take two cells on paper although a
//! terminal may show them narrow. So the column count here is 1 for printable
//! ASCII and 2 for every other visible character; `unicode-width` decides which
//! characters are invisible (combining marks, zero-width joiners, controls),
//! and those are removed by [`sanitize`] before layout so that what we measure is
//! what the printer prints.

use unicode_width::UnicodeWidthChar;

/// Printer cells taken by one character (0 for characters [`sanitize`] removes).
pub fn char_columns(c: char) -> usize {
    if c.is_ascii() {
        usize::from(!c.is_ascii_control())
    } else {
        match UnicodeWidthChar::width(c) {
            None | Some(0) => 0,
            Some(_) => 2,
        }
    }
}

/// Printer cells taken by a (sanitised) string.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_columns).sum()
}

/// Makes external text printable on one line: tabs and line breaks become
/// spaces, control and zero-width characters are dropped.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if char_columns(c) == 0 => None,
            c => Some(c),
        })
        .collect()
}

/// CJK punctuation that must not start a line (避头点): it is pulled to the next
/// line together with the character before it.
fn is_closing_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '〉'
            | '”'
            | '’'
            | '…'
            | '％'
    )
}

/// Units that stay on the line of the number before them (`25.00 元`, `7天`).
fn is_unit(c: char) -> bool {
    "元角分天次片粒盒瓶支袋包丸贴岁种位个周月年克毫升％".contains(c)
}

#[derive(Debug)]
enum Token<'a> {
    Space,
    /// A run of printable ASCII without spaces (a word, a number, a spec),
    /// possibly glued to a following unit character.
    Word(&'a str),
    /// One non-ASCII character.
    Wide(char),
}

/// Glues `number unit` / `number␠unit` into one word so a line never starts
/// with the unit of an amount.
fn glue_units<'a>(s: &'a str, toks: Vec<(usize, Token<'a>)>) -> Vec<Token<'a>> {
    let mut out: Vec<Token<'a>> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if let (start, Token::Word(w)) = &toks[i] {
            let ends_in_digit = w.chars().last().is_some_and(|c| c.is_ascii_digit());
            let unit_at = |j: usize| match toks.get(j) {
                Some((pos, Token::Wide(u))) if is_unit(*u) => Some(pos + u.len_utf8()),
                _ => None,
            };
            if ends_in_digit {
                if let Some(end) = unit_at(i + 1) {
                    out.push(Token::Word(&s[*start..end]));
                    i += 2;
                    continue;
                }
                if matches!(toks.get(i + 1), Some((_, Token::Space))) {
                    if let Some(end) = unit_at(i + 2) {
                        out.push(Token::Word(&s[*start..end]));
                        i += 3;
                        continue;
                    }
                }
            }
        }
        // Take ownership of the token at i.
        let (_, tok) = &toks[i];
        out.push(match tok {
            Token::Space => Token::Space,
            Token::Word(w) => Token::Word(w),
            Token::Wide(c) => Token::Wide(*c),
        });
        i += 1;
    }
    out
}

fn tokens(s: &str) -> Vec<Token<'_>> {
    let mut out: Vec<(usize, Token<'_>)> = Vec::new();
    let mut word_start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        let is_word_char = c.is_ascii() && c != ' ';
        if is_word_char {
            if word_start.is_none() {
                word_start = Some(i);
            }
            continue;
        }
        if let Some(start) = word_start.take() {
            out.push((start, Token::Word(&s[start..i])));
        }
        if c == ' ' {
            out.push((i, Token::Space));
        } else {
            out.push((i, Token::Wide(c)));
        }
    }
    if let Some(start) = word_start {
        out.push((start, Token::Word(&s[start..])));
    }
    glue_units(s, out)
}

struct LineBuf<'m> {
    measure: &'m dyn Fn(char) -> usize,
    lines: Vec<String>,
    cur: String,
    width: usize,
    /// Byte offset in `cur` where the last word or wide character begins
    /// (what a closing punctuation mark takes along to the next line).
    last_start: usize,
    first_limit: usize,
    rest_limit: usize,
}

impl LineBuf<'_> {
    fn limit(&self) -> usize {
        if self.lines.is_empty() {
            self.first_limit
        } else {
            self.rest_limit
        }
    }
    fn flush(&mut self) {
        let trimmed = self.cur.trim_end_matches(' ').to_string();
        self.lines.push(trimmed);
        self.cur.clear();
        self.width = 0;
        self.last_start = 0;
    }
    fn push_char(&mut self, c: char) {
        if c != ' ' {
            self.last_start = self.cur.len();
        }
        self.cur.push(c);
        self.width += (self.measure)(c);
    }
    fn push_str(&mut self, s: &str) {
        self.last_start = self.cur.len();
        self.cur.push_str(s);
        self.width += s.chars().map(self.measure).sum::<usize>();
    }
}

/// Wraps text into lines of at most `width` printer cells.
///
/// The text is [`sanitize`]d first. ASCII words (numbers, specs like
/// `0.25g*24`) are kept whole when they fit on a line, CJK text breaks between
/// any two characters but never inside one, and closing CJK punctuation never
/// starts a line. Spaces at a break are dropped. An empty text gives one empty
/// line. Every line is at most `width` cells, except that a single wide
/// character is put on a line of its own when `width` is 1.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_hanging(text, width, width)
}

/// Like [`wrap`], with a different width for the first line and the others
/// (for hanging indents).
pub fn wrap_hanging(text: &str, first_width: usize, rest_width: usize) -> Vec<String> {
    wrap_measured(text, first_width, rest_width, &char_columns)
}

/// The wrapping of [`wrap_hanging`] with any width measure (the PDF uses font
/// advances); `measure` must be positive for every character [`sanitize`] keeps.
pub fn wrap_measured(
    text: &str,
    first_width: usize,
    rest_width: usize,
    measure: &dyn Fn(char) -> usize,
) -> Vec<String> {
    let clean = sanitize(text);
    let mut buf = LineBuf {
        measure,
        lines: Vec::new(),
        cur: String::new(),
        width: 0,
        last_start: 0,
        first_limit: first_width.max(1),
        rest_limit: rest_width.max(1),
    };
    for tok in tokens(&clean) {
        let width = buf.limit();
        match tok {
            Token::Space => {
                if buf.width < width {
                    buf.push_char(' ');
                } else {
                    buf.flush();
                }
            }
            Token::Word(w) => {
                let ww: usize = w.chars().map(measure).sum();
                if buf.width + ww <= width {
                    buf.push_str(w);
                    continue;
                }
                if buf.width > 0 {
                    buf.flush();
                }
                if ww <= buf.limit() {
                    buf.push_str(w);
                } else {
                    for c in w.chars() {
                        if buf.width + measure(c) > buf.limit() && buf.width > 0 {
                            buf.flush();
                        }
                        buf.push_char(c);
                    }
                }
            }
            Token::Wide(c) => {
                let cw = measure(c);
                if buf.width + cw <= width {
                    buf.push_char(c);
                    continue;
                }
                // Carry the last word or character along so punctuation does
                // not open the next line, when that keeps both lines non-empty
                // (a glued `80.00 元` moves as a whole).
                let mut carried = None;
                if is_closing_punct(c) && buf.last_start < buf.cur.len() {
                    let (rest, last) = buf.cur.split_at(buf.last_start);
                    let last_w: usize = last.chars().map(measure).sum();
                    let ends_in_space = last.ends_with(' ');
                    let last_is_punct = last.chars().all(is_closing_punct);
                    if !ends_in_space
                        && !last_is_punct
                        && !rest.trim().is_empty()
                        && last_w + cw <= buf.rest_limit
                    {
                        carried = Some(last.to_string());
                        buf.cur.truncate(buf.last_start);
                        buf.width -= last_w;
                    }
                }
                if buf.width > 0 || !buf.cur.is_empty() {
                    buf.flush();
                }
                if let Some(last) = carried {
                    buf.push_str(&last);
                }
                buf.push_char(c);
            }
        }
    }
    if !buf.cur.is_empty() || buf.lines.is_empty() {
        buf.flush();
    }
    // Spaces that opened a wrapped line are noise on paper.
    for (i, line) in buf.lines.iter_mut().enumerate() {
        if i > 0 && line.starts_with(' ') {
            *line = line.trim_start_matches(' ').to_string();
        }
    }
    buf.lines
}

/// Horizontal alignment inside the paper width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Flush left.
    #[default]
    Left,
    /// Centred (an odd leftover cell goes to the right).
    Center,
    /// Flush right.
    Right,
}

/// Spaces to put before a piece of `content_width` cells so it sits aligned in `width`.
pub fn indent_for(align: Align, content_width: usize, width: usize) -> usize {
    let free = width.saturating_sub(content_width);
    match align {
        Align::Left => 0,
        Align::Center => free / 2,
        Align::Right => free,
    }
}

/// A left text and a right text on one `width`-cell line, the right one flush
/// right; `None` if they do not fit with at least one space between.
pub fn two_columns(left: &str, right: &str, width: usize) -> Option<String> {
    let lw = display_width(left);
    let rw = display_width(right);
    let needed = if left.is_empty() { rw } else { lw + 1 + rw };
    if needed > width {
        return None;
    }
    let gap = width - lw - rw;
    Some(format!("{left}{}{right}", " ".repeat(gap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_cjk_as_two_cells() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("阿莫西林"), 8);
        assert_eq!(display_width("0.25g×24粒"), 5 + 2 + 2 + 2); // × is double-byte in GB18030
        assert_eq!(display_width("（甲）"), 6);
        assert_eq!(char_columns('\u{301}'), 0); // combining acute
        assert_eq!(char_columns('\u{200b}'), 0); // zero-width space
        assert_eq!(char_columns('\x07'), 0);
    }

    #[test]
    fn sanitize_removes_invisible_and_flattens_breaks() {
        assert_eq!(sanitize("a\tb\nc\u{200b}d\x1b"), "a b cd");
    }

    #[test]
    fn wraps_cjk_without_splitting_a_character() {
        let lines = wrap("复方甘草酸苷片（美能）", 9);
        for l in &lines {
            assert!(display_width(l) <= 9, "{l:?}");
        }
        assert_eq!(lines.concat(), "复方甘草酸苷片（美能）");
        assert_eq!(lines[0], "复方甘草");
    }

    #[test]
    fn keeps_ascii_specs_whole() {
        let lines = wrap("阿莫西林胶囊 0.25g*24粒", 16);
        assert_eq!(lines, vec!["阿莫西林胶囊", "0.25g*24粒"]);
        let lines = wrap("阿莫西林胶囊0.25g*24粒", 16);
        assert_eq!(lines, vec!["阿莫西林胶囊", "0.25g*24粒"]);
    }

    #[test]
    fn amounts_keep_their_unit() {
        // "80.00 元" would break before 元 without the glue.
        let lines = wrap("医保统筹支付 80.00 元，", 16);
        assert_eq!(lines, vec!["医保统筹支付", "80.00 元，"]);
        let lines = wrap("设置6位数字", 6);
        assert_eq!(lines, vec!["设置", "6位数", "字"]);
        let lines = wrap("连用14天", 6);
        assert_eq!(lines, vec!["连用", "14天"]);
        // A comma after the unit takes the whole amount along, not just 元.
        let lines = wrap("退回基金 80.00 元，退回", 17);
        assert_eq!(lines, vec!["退回基金", "80.00 元，退回"]);
    }

    #[test]
    fn hard_breaks_words_longer_than_a_line() {
        let lines = wrap("81234567890123456789012", 10);
        assert_eq!(lines, vec!["8123456789", "0123456789", "012"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // 5 chars fill 10 cells; the comma would open line 2.
        let lines = wrap("饭后服用药，多喝水", 10);
        assert_eq!(lines, vec!["饭后服用", "药，多喝水"]);
        for l in &lines[1..] {
            assert!(!l.starts_with('，'));
        }
    }

    #[test]
    fn hanging_indent_widths() {
        let lines = wrap_hanging("一二三四五六七八九十", 6, 8);
        assert_eq!(lines, vec!["一二三", "四五六七", "八九十"]);
    }

    #[test]
    fn empty_text_is_one_empty_line() {
        assert_eq!(wrap("", 32), vec![String::new()]);
        assert_eq!(wrap("\u{200b}", 32), vec![String::new()]);
    }

    #[test]
    fn two_columns_right_aligns() {
        assert_eq!(
            two_columns("合计", "125.00", 16).as_deref(),
            Some("合计      125.00")
        );
        assert_eq!(two_columns("很长很长很长", "125.00", 16), None);
        assert_eq!(indent_for(Align::Center, 4, 11), 3);
        assert_eq!(indent_for(Align::Right, 4, 11), 7);
    }
}
