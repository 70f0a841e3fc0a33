//! Structured prescription vs its layout file (版式文件, ST-EPC-02-007): the
//! pharmacist must see that what will be settled is what the doctor's
//! document says. Given the text extracted from the prescription PDF, every
//! structured value the patient's safety depends on is looked up in it —
//! patient name and certificate number, the date of issue, each drug's name,
//! specification, quantity, single dose, frequency, route and days; and,
//! when the layout prints them, the 医保处方编号, the validity end, each
//! drug's 医保药品代码 (`med_list_codg`) and a void mark (作废/已撤销) that
//! contradicts the status — and each disagreement is returned as a
//! [`LayoutDifference`] (structured value, layout value) for side-by-side
//! display. Any difference blocks settlement.
//!
//! Why: the hospital's CMS signature covers only the 20 sign fields
//! (`originalValue`); the drug lines, times, status and reuse terms of a
//! download are **not** signed, but the layout PDF is (docs/rules.md, "What
//! the signature does not cover"). A drug quantity changed after signing is
//! caught here.
//!
//! **Tolerant of form, strict on values:** whitespace and line breaks are
//! ignored (extractors break lines anywhere), full-width digits and colons
//! are half-width, `×`/`＊` in specifications are `*`, `2.00盒` equals
//! `2盒`. But `张三` is not `张三丰`, `12盒` is not `2盒`, and `阿莫西林` is
//! not found inside `阿莫西林克拉维酸钾片`.

use crate::prescription::{Prescription, RxLine};
use crate::text::{compact, normalize_spec};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What was compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LayoutField {
    /// 患者姓名
    PatientName,
    /// 证件号码
    PatientCertNo,
    /// 药品名称
    DrugName,
    /// 规格
    DrugSpec,
    /// 数量
    Quantity,
    /// 单次用量
    SingleDose,
    /// 频次
    Frequency,
    /// 用法 (route)
    Route,
    /// 用药天数
    Days,
    /// A drug printed on the layout but absent from the structured data.
    UnlistedDrug,
    /// 医保处方编号 (`hi_rxno`), when the layout prints it.
    RxNo,
    /// 开方时间 (`prsc_time`): the layout must print the date of issue.
    IssuedAt,
    /// 有效截止时间 (`valid_end_time`), when the layout prints it.
    ValidEnd,
    /// 处方状态: the layout marks the prescription void but the status says valid.
    Status,
    /// 医保药品代码 (`med_list_codg`), when the layout prints drug codes.
    DrugCode,
}

impl LayoutField {
    /// zh-CN column label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::PatientName => "患者姓名",
            Self::PatientCertNo => "证件号码",
            Self::DrugName => "药品名称",
            Self::DrugSpec => "规格",
            Self::Quantity => "数量",
            Self::SingleDose => "单次用量",
            Self::Frequency => "频次",
            Self::Route => "用法",
            Self::Days => "用药天数",
            Self::UnlistedDrug => "版式文件多出的药品",
            Self::RxNo => "医保处方编号",
            Self::IssuedAt => "开方时间",
            Self::ValidEnd => "有效截止时间",
            Self::Status => "处方状态",
            Self::DrugCode => "医保药品代码",
        }
    }
}

/// One disagreement, for side-by-side display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutDifference {
    /// Which field.
    pub field: LayoutField,
    /// The drug line (0-based) for drug fields.
    pub line: Option<usize>,
    /// The structured value.
    pub structured: String,
    /// What the layout shows (`未找到` when nothing was found).
    pub layout: String,
}

/// Shown when the layout text has no value for a field.
pub const NOT_FOUND: &str = "未找到";

const NAME_LABELS: [&str; 3] = ["患者姓名", "病人姓名", "姓名"];
const CERT_LABELS: [&str; 5] = ["身份证号码", "身份证号", "证件号码", "证件号", "身份证"];
/// Labels that may directly follow a value once whitespace is gone.
const NEXT_LABELS: [&str; 16] = [
    "性别",
    "年龄",
    "证件",
    "身份证",
    "科室",
    "费别",
    "门诊号",
    "病历号",
    "日期",
    "电话",
    "地址",
    "医保",
    "就诊",
    "诊断",
    "处方",
    "开方",
];
const ROUTES: [&str; 18] = [
    "口服",
    "外用",
    "静脉注射",
    "静脉滴注",
    "肌内注射",
    "肌肉注射",
    "皮下注射",
    "舌下含服",
    "含服",
    "雾化吸入",
    "吸入",
    "滴眼",
    "滴耳",
    "滴鼻",
    "外敷",
    "直肠给药",
    "阴道给药",
    "涂抹",
];
const FREQ_STARTS: [&str; 12] = [
    "每日",
    "每天",
    "一日",
    "每晚",
    "每周",
    "每隔",
    "必要时",
    "睡前",
    "qd",
    "bid",
    "tid",
    "qid",
];

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

fn is_name_char(c: char) -> bool {
    is_cjk(c) || c.is_ascii_alphabetic() || "·•・‧.".contains(c)
}

/// Finds `needle` in `hay` (char vectors) from `from`; returns a char index.
fn find_chars(hay: &[char], needle: &[char], from: usize) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()] == *needle)
}

fn starts_with_label(rest: &[char]) -> bool {
    NEXT_LABELS.iter().any(|l| {
        let l: Vec<char> = l.chars().collect();
        rest.starts_with(&l)
    })
}

/// The value after the first of `labels` (and an optional colon), taken
/// while `ok` holds and no following label starts. `None` when no label.
fn labelled_value(text: &[char], labels: &[&str], ok: impl Fn(char) -> bool) -> Option<String> {
    let mut i = label_end(text, labels)?;
    let mut v = String::new();
    while i < text.len() && ok(text[i]) && (v.is_empty() || !starts_with_label(&text[i..])) {
        v.push(text[i]);
        i += 1;
        if v.chars().count() >= 40 {
            break;
        }
    }
    Some(v)
}

/// The layout text without whitespace, and for each kept character whether
/// whitespace followed it in the original: a separator the extractor kept
/// (`张三 男`), which ends a name even when the next character is Chinese.
fn compact_with_gaps(s: &str) -> (Vec<char>, Vec<bool>) {
    let mut chars = Vec::new();
    let mut gaps: Vec<bool> = Vec::new();
    for c in s.chars().map(crate::text::half_width_char) {
        if c.is_whitespace() {
            if let Some(g) = gaps.last_mut() {
                *g = true;
            }
        } else {
            chars.push(c);
            gaps.push(false);
        }
    }
    (chars, gaps)
}

/// One character of a name as compared: middle dots unified, ASCII upper.
fn name_char(c: char) -> char {
    if "·•・‧∙⋅.．･●".contains(c) {
        '·'
    } else {
        c.to_ascii_uppercase()
    }
}

/// Where the value after the first of `labels` (and a colon) starts.
fn label_end(text: &[char], labels: &[&str]) -> Option<usize> {
    for label in labels {
        let l: Vec<char> = label.chars().collect();
        let mut from = 0;
        // `医师姓名`, `医生姓名`, `操作员姓名` are someone else's name.
        let at = loop {
            match find_chars(text, &l, from) {
                Some(a) if a > 0 && "师生员".contains(text[a - 1]) => from = a + 1,
                other => break other,
            }
        };
        if let Some(at) = at {
            let mut i = at + l.len();
            while i < text.len() && (text[i] == ':' || text[i] == '：') {
                i += 1;
            }
            return Some(i);
        }
    }
    None
}

/// Compares the patient's name after its label: the structured name must
/// be printed there and end at a boundary (end, a non-name character, the
/// next label, or whitespace in the original). Returns what the layout
/// shows when it differs.
fn name_difference(text: &[char], gaps: &[bool], structured: &str) -> Option<String> {
    let Some(start) = label_end(text, &NAME_LABELS) else {
        return Some(NOT_FOUND.into());
    };
    let want: Vec<char> = compact(structured).chars().map(name_char).collect();
    let end = start + want.len();
    let printed_here = !want.is_empty()
        && end <= text.len()
        && text[start..end]
            .iter()
            .map(|c| name_char(*c))
            .eq(want.iter().copied());
    if printed_here {
        let boundary = end == text.len()
            || !is_name_char(text[end])
            || starts_with_label(&text[end..])
            || gaps[end - 1];
        if boundary {
            return None;
        }
    }
    // What the layout shows: the name up to a boundary.
    let mut shown = String::new();
    let mut i = start;
    while i < text.len() && is_name_char(text[i]) && !(i > start && starts_with_label(&text[i..])) {
        shown.push(text[i]);
        if gaps[i] || shown.chars().count() >= 40 {
            break;
        }
        i += 1;
    }
    Some(if shown.is_empty() {
        NOT_FOUND.into()
    } else {
        shown
    })
}

fn fmt_dec(d: Decimal) -> String {
    d.normalize().to_string()
}

const CN_NUMERALS: &str = "零〇一二两三四五六七八九十半";

/// A Chinese numeral as layouts write small counts: `一`…`九`, `两`,
/// `十`, `十二`, `二十`, `二十五`, `半` (0.5). Anything else is `None`
/// (so `三七` in 三七片 is not a number).
pub fn chinese_number(s: &str) -> Option<Decimal> {
    let digit = |c: char| -> Option<i64> {
        Some(match c {
            '零' | '〇' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        ['半'] => Some(Decimal::new(5, 1)),
        ['十'] => Some(Decimal::from(10)),
        [c] => digit(*c).map(Decimal::from),
        _ => {
            let ten = chars.iter().position(|c| *c == '十')?;
            if chars.iter().filter(|c| **c == '十').count() != 1 {
                return None;
            }
            let tens = match &chars[..ten] {
                [] => 1,
                [c] => digit(*c).filter(|d| *d > 0)?,
                _ => return None,
            };
            let ones = match &chars[ten + 1..] {
                [] => 0,
                [c] => digit(*c)?,
                _ => return None,
            };
            Some(Decimal::from(tens * 10 + ones))
        }
    }
}

/// The number written immediately before position `at` (ASCII digits or a
/// Chinese numeral).
fn number_ending_at(seg: &[char], at: usize) -> Option<Decimal> {
    let mut start = at;
    while start > 0 && (seg[start - 1].is_ascii_digit() || seg[start - 1] == '.') {
        start -= 1;
    }
    if start < at {
        let num: String = seg[start..at].iter().collect();
        return Decimal::from_str(num.trim_start_matches('.')).ok();
    }
    while start > 0 && CN_NUMERALS.contains(seg[start - 1]) {
        start -= 1;
    }
    let num: String = seg[start..at].iter().collect();
    chinese_number(&num)
}

/// Numbers written immediately before `unit` in `seg`.
fn numbers_before(seg: &[char], unit: &str) -> Vec<Decimal> {
    let u: Vec<char> = unit.chars().collect();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find_chars(seg, &u, from) {
        if let Some(d) = number_ending_at(seg, at) {
            out.push(d);
        }
        from = at + 1;
    }
    out
}

/// What follows `每次` (the single dose as printed): number and unit.
fn printed_single_dose(seg: &[char]) -> Option<(Option<Decimal>, String, String)> {
    let key: Vec<char> = "每次".chars().collect();
    let at = find_chars(seg, &key, 0)? + key.len();
    let mut i = at;
    while i < seg.len()
        && (seg[i].is_ascii_digit() || seg[i] == '.' || CN_NUMERALS.contains(seg[i]))
    {
        i += 1;
    }
    let num_end = i;
    while i < seg.len()
        && i - num_end < 3
        && !seg[i].is_ascii_digit()
        && !"每日天次用,，;；|*".contains(seg[i])
        && (seg[i].is_alphabetic() || seg[i] == 'μ')
    {
        i += 1;
    }
    let num: String = seg[at..num_end].iter().collect();
    let unit: String = seg[num_end..i].iter().collect();
    let value = Decimal::from_str(&num)
        .ok()
        .or_else(|| chinese_number(&num));
    Some((value, unit, seg[at..i].iter().collect()))
}

/// Splits `0.5g` / `1粒` / `2 片` into number and unit.
fn number_and_unit(s: &str) -> Option<(Decimal, String)> {
    let c = compact(s);
    let split = c
        .char_indices()
        .find(|(_, ch)| !(ch.is_ascii_digit() || *ch == '.'))
        .map_or(c.len(), |(i, _)| i);
    let (n, u) = c.split_at(split);
    let d = Decimal::from_str(n).ok()?;
    if u.is_empty() {
        return None;
    }
    Some((d, u.to_string()))
}

fn excerpt_from(seg: &[char], starts: &[&str], len: usize) -> String {
    starts
        .iter()
        .filter_map(|s| {
            let v: Vec<char> = s.chars().collect();
            find_chars(seg, &v, 0)
        })
        .min()
        .map(|at| seg[at..(at + len).min(seg.len())].iter().collect())
        .unwrap_or_else(|| NOT_FOUND.to_string())
}

/// Where a drug's generic name occurs as a whole name (not as the start of
/// a longer name), searching from `from`.
fn find_drug(text: &[char], gaps: &[bool], name: &[char], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = find_chars(text, name, at) {
        let after = text.get(i + name.len()).copied();
        let whole = match after {
            None => true,
            Some(c) => {
                !is_cjk(c) || starts_with_label(&text[i + name.len()..]) || gaps[i + name.len() - 1]
            }
        };
        if whole {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

const RXNO_LABELS: [&str; 2] = ["医保处方编号", "医保处方号"];
const ISSUED_LABELS: [&str; 7] = [
    "开方时间",
    "开方日期",
    "开具时间",
    "开具日期",
    "处方日期",
    "开方",
    "日期",
];
const VALID_END_LABELS: [&str; 5] = [
    "有效期至",
    "有效截止时间",
    "有效截止日期",
    "有效截止",
    "有效期",
];
const VOID_MARKS: [&str; 4] = ["作废", "已撤销", "已失效", "无效处方"];

/// A date (and maybe a time) as printed: `2026-11-22`, `2026/11/22`,
/// `2026.11.22`, `2026年11月22日`, optionally followed by `09:00[:00]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PrintedTime {
    ymd: (u32, u32, u32),
    hms: Option<(u32, u32, Option<u32>)>,
}

impl PrintedTime {
    fn show(&self) -> String {
        let (y, m, d) = self.ymd;
        match self.hms {
            None => format!("{y:04}-{m:02}-{d:02}"),
            Some((h, mi, None)) => format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}"),
            Some((h, mi, Some(sec))) => format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{sec:02}"),
        }
    }

    /// Does the layout's (possibly shorter) value agree with the structured one?
    fn agrees_with(&self, structured: &PrintedTime) -> bool {
        if self.ymd != structured.ymd {
            return false;
        }
        match (self.hms, structured.hms) {
            (None, _) => true,
            (Some((h, m, s)), Some((h2, m2, s2))) => {
                h == h2 && m == m2 && (s.is_none() || s2.is_none() || s == s2)
            }
            (Some(_), None) => true,
        }
    }
}

/// Digits at `i` (at most `max`, stopping at a whitespace gap of the original).
fn digits_at(text: &[char], gaps: &[bool], i: &mut usize, max: usize) -> Option<u32> {
    let start = *i;
    while *i < text.len() && text[*i].is_ascii_digit() && *i - start < max {
        *i += 1;
        if gaps[*i - 1] {
            break;
        }
    }
    if *i == start {
        return None;
    }
    text[start..*i].iter().collect::<String>().parse().ok()
}

/// A date/time starting at `i` (after a label).
fn time_at(text: &[char], gaps: &[bool], mut i: usize) -> Option<PrintedTime> {
    while i < text.len() && (text[i] == ':' || text[i] == '：') {
        i += 1;
    }
    let y = digits_at(text, gaps, &mut i, 4)?;
    if y < 1900 || i >= text.len() || !"-/.年".contains(text[i]) || gaps[i - 1] {
        return None;
    }
    i += 1;
    let m = digits_at(text, gaps, &mut i, 2)?;
    if i >= text.len() || !"-/.月".contains(text[i]) {
        return None;
    }
    i += 1;
    let d = digits_at(text, gaps, &mut i, 2)?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    if i < text.len() && text[i] == '日' {
        i += 1;
    }
    let mut hms = None;
    let mut j = i;
    if let Some(h) = digits_at(text, gaps, &mut j, 2) {
        if j < text.len() && (text[j] == ':' || text[j] == '时') {
            j += 1;
            if let Some(mi) = digits_at(text, gaps, &mut j, 2) {
                let mut sec = None;
                if j < text.len() && (text[j] == ':' || text[j] == '分') {
                    let mut k = j + 1;
                    sec = digits_at(text, gaps, &mut k, 2);
                }
                if h < 24 && mi < 60 {
                    hms = Some((h, mi, sec));
                }
            }
        }
    }
    Some(PrintedTime {
        ymd: (y, m, d),
        hms,
    })
}

/// The structured wire time (`yyyy-MM-dd HH:mm:ss`) as a [`PrintedTime`].
fn structured_time(s: &str) -> Option<PrintedTime> {
    let (chars, gaps) = compact_with_gaps(s);
    time_at(&chars, &gaps, 0)
}

/// Every date printed after one of `labels` (a label preceded by one of
/// `not_after` is another date: 出生日期, 有效日期 …).
fn labelled_times(
    text: &[char],
    gaps: &[bool],
    labels: &[&str],
    not_after: &str,
) -> Vec<PrintedTime> {
    let mut out = Vec::new();
    for label in labels {
        let l: Vec<char> = label.chars().collect();
        let mut from = 0;
        while let Some(at) = find_chars(text, &l, from) {
            from = at + 1;
            if at > 0 && not_after.contains(text[at - 1]) {
                continue;
            }
            if let Some(t) = time_at(text, gaps, at + l.len()) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// Upper-case alphanumeric runs of the text that are 医保药品代码.
fn printed_drug_codes(text: &[char], gaps: &[bool]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !(text[i].is_ascii_uppercase() || text[i].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && (text[i].is_ascii_uppercase() || text[i].is_ascii_digit()) {
            i += 1;
            if gaps[i - 1] {
                break;
            }
        }
        let run: String = text[start..i].iter().collect();
        if crate::code_format::validate_drug_code(&run).is_ok() && !out.contains(&run) {
            out.push(run);
        }
    }
    out
}

/// The fields of the prescription header that the signature does not cover
/// (or that the layout must confirm): rx number, date of issue, validity
/// end, status, and the drug codes.
fn compare_header(
    rx: &Prescription,
    text: &[char],
    gaps: &[bool],
    diff: &mut impl FnMut(LayoutField, Option<usize>, String, String),
) {
    // 医保处方编号, when printed.
    if let Some(shown) = labelled_value_gap(text, gaps, &RXNO_LABELS, |c| c.is_ascii_alphanumeric())
    {
        let want = compact(&rx.rx_no.0);
        if !shown.eq_ignore_ascii_case(&want) {
            diff(
                LayoutField::RxNo,
                None,
                want,
                if shown.is_empty() {
                    NOT_FOUND.into()
                } else {
                    shown
                },
            );
        }
    }

    // Date of issue: required (处方管理办法: a prescription shows its
    // date), and every date printed as the date of issue must agree.
    let issued = structured_time(&rx.issued_at);
    let printed = labelled_times(text, gaps, &ISSUED_LABELS, "生效止至核配药审");
    let disagreeing = printed
        .iter()
        .find(|p| !issued.is_some_and(|s| p.agrees_with(&s)));
    if printed.is_empty() || disagreeing.is_some() {
        diff(
            LayoutField::IssuedAt,
            None,
            rx.issued_at.trim().to_string(),
            disagreeing.map_or_else(|| NOT_FOUND.to_string(), PrintedTime::show),
        );
    }

    // Validity end, when printed.
    let printed = labelled_times(text, gaps, &VALID_END_LABELS, "");
    if !printed.is_empty() {
        let end = structured_time(&rx.valid_end_time);
        if let Some(p) = printed
            .iter()
            .find(|p| !end.is_some_and(|s| p.agrees_with(&s)))
        {
            diff(
                LayoutField::ValidEnd,
                None,
                rx.valid_end_time.trim().to_string(),
                p.show(),
            );
        }
    }

    // A void mark on the layout contradicts a valid status.
    if rx.status == crate::codes::RxStatus::Valid {
        let flat: String = text.iter().collect();
        if let Some(mark) = VOID_MARKS.iter().find(|m| flat.contains(**m)) {
            diff(
                LayoutField::Status,
                None,
                rx.status.label_zh().to_string(),
                (*mark).to_string(),
            );
        }
    }

    // 医保药品代码, when the layout prints any.
    let codes = printed_drug_codes(text, gaps);
    if !codes.is_empty() {
        for (i, line) in rx.lines.iter().enumerate() {
            let want = compact(&line.med_list_codg).to_uppercase();
            if !codes.contains(&want) {
                let shown = codes
                    .iter()
                    .find(|c| {
                        !rx.lines
                            .iter()
                            .any(|l| compact(&l.med_list_codg).eq_ignore_ascii_case(c))
                    })
                    .cloned()
                    .unwrap_or_else(|| NOT_FOUND.to_string());
                diff(LayoutField::DrugCode, Some(i), want, shown);
            }
        }
    }
}

/// [`labelled_value`], also stopping at a whitespace gap of the original.
fn labelled_value_gap(
    text: &[char],
    gaps: &[bool],
    labels: &[&str],
    ok: impl Fn(char) -> bool,
) -> Option<String> {
    let mut i = label_end(text, labels)?;
    let mut v = String::new();
    while i < text.len() && ok(text[i]) && v.chars().count() < 40 {
        v.push(text[i]);
        i += 1;
        if gaps[i - 1] {
            break;
        }
    }
    Some(v)
}

/// Compares the structured prescription with the layout's extracted text.
/// An empty result means every compared value was found as structured.
pub fn compare_layout(rx: &Prescription, layout_text: &str) -> Vec<LayoutDifference> {
    let (text, gaps) = compact_with_gaps(layout_text);
    let mut diffs = Vec::new();
    let mut diff = |field, line, structured: String, layout: String| {
        diffs.push(LayoutDifference {
            field,
            line,
            structured,
            layout,
        })
    };

    // Patient name.
    if let Some(shown) = name_difference(&text, &gaps, &rx.patient_name) {
        diff(
            LayoutField::PatientName,
            None,
            rx.patient_name.trim().to_string(),
            shown,
        );
    }

    // Certificate number, when the layout prints one (possibly masked).
    if let Some(got) = labelled_value(&text, &CERT_LABELS, |c| {
        c.is_ascii_digit() || c == 'X' || c == 'x' || c == '*'
    }) {
        let want = compact(&rx.patient_cert_no).to_uppercase();
        let g = got.to_uppercase();
        let same = g.chars().count() == want.chars().count()
            && !g.is_empty()
            && g.chars().zip(want.chars()).all(|(a, b)| a == '*' || a == b);
        if !same {
            diff(
                LayoutField::PatientCertNo,
                None,
                crate::prescription::mask_id_number(&want),
                if g.is_empty() {
                    NOT_FOUND.into()
                } else {
                    crate::prescription::mask_id_number(&g)
                },
            );
        }
    }

    // Header: rx number, date of issue, validity end, status, drug codes.
    compare_header(rx, &text, &gaps, &mut diff);

    // Drug lines: locate each name, then compare within its segment.
    let names: Vec<Vec<char>> = rx
        .lines
        .iter()
        .map(|l| compact(&l.drug_genname).chars().collect())
        .collect();
    let mut positions: Vec<Option<usize>> = Vec::with_capacity(names.len());
    let mut cursor = 0;
    for n in &names {
        let p = find_drug(&text, &gaps, n, cursor).or_else(|| find_drug(&text, &gaps, n, 0));
        if let Some(p) = p {
            cursor = p + n.len();
        }
        positions.push(p);
    }
    for (i, line) in rx.lines.iter().enumerate() {
        let Some(start) = positions[i] else {
            let near = names[i]
                .first()
                .and_then(|c| find_chars(&text, &[*c], 0))
                .map(|at| {
                    text[at..]
                        .iter()
                        .take_while(|c| is_cjk(**c))
                        .take(20)
                        .collect::<String>()
                })
                .filter(|s| s.chars().count() > 1)
                .unwrap_or_else(|| NOT_FOUND.into());
            diff(
                LayoutField::DrugName,
                Some(i),
                line.drug_genname.trim().to_string(),
                near,
            );
            continue;
        };
        let body = start + names[i].len();
        let end = positions
            .iter()
            .flatten()
            .copied()
            .filter(|p| *p > start)
            .min()
            .unwrap_or(text.len());
        let seg = &text[body..end.max(body)];
        compare_line(i, line, seg, &mut diff);
    }
    diffs
}

/// Shown as the structured side of an [`LayoutField::UnlistedDrug`].
pub const ABSENT: &str = "（结构化处方中无此药品）";

/// Drugs of the pharmacy's catalogue (`known_names`: generic and product
/// names) that the layout prints as a whole name but the structured
/// prescription does not list. Names that are a structured drug's name, or
/// lie inside one where it is printed, are not counted.
pub fn unlisted_drugs(
    rx: &Prescription,
    layout_text: &str,
    known_names: &[&str],
) -> Vec<LayoutDifference> {
    let (text, gaps) = compact_with_gaps(layout_text);
    let listed: Vec<Vec<char>> = rx
        .lines
        .iter()
        .map(|l| compact(&l.drug_genname).chars().collect())
        .collect();
    // Character ranges covered by the structured drugs' printed names.
    let mut covered: Vec<(usize, usize)> = Vec::new();
    for n in &listed {
        let mut from = 0;
        while let Some(i) = find_chars(&text, n, from) {
            covered.push((i, i + n.len()));
            from = i + 1;
        }
    }
    // Most catalogue names share no character with the text: skip them fast.
    let present: std::collections::HashSet<char> = text.iter().copied().collect();
    let mut out: Vec<LayoutDifference> = Vec::new();
    for name in known_names {
        let n: Vec<char> = compact(name).chars().collect();
        if n.len() < 2 || !n.iter().all(|c| present.contains(c)) || listed.contains(&n) {
            continue;
        }
        let mut from = 0;
        while let Some(i) = find_drug(&text, &gaps, &n, from) {
            let inside = covered.iter().any(|(a, b)| i >= *a && i + n.len() <= *b);
            if !inside {
                let shown: String = n.iter().collect();
                if !out.iter().any(|d| d.layout == shown) {
                    out.push(LayoutDifference {
                        field: LayoutField::UnlistedDrug,
                        line: None,
                        structured: ABSENT.to_string(),
                        layout: shown,
                    });
                }
                break;
            }
            from = i + 1;
        }
    }
    out
}

fn compare_line(
    i: usize,
    line: &RxLine,
    seg: &[char],
    diff: &mut impl FnMut(LayoutField, Option<usize>, String, String),
) {
    let seg_s: String = seg.iter().collect();
    let seg_spec = normalize_spec(&seg_s);
    let spec = normalize_spec(&line.drug_spec);
    // The spec's own numbers (`24粒`) must not pass for a quantity.
    let rest: Vec<char> = if !spec.is_empty() && seg_spec.contains(&spec) {
        seg_spec.replacen(&spec, "|", 1).chars().collect()
    } else {
        if !spec.is_empty() {
            let shown = shown_spec(&seg_spec);
            diff(
                LayoutField::DrugSpec,
                Some(i),
                line.drug_spec.trim().to_string(),
                if shown.is_empty() {
                    NOT_FOUND.into()
                } else {
                    shown
                },
            );
        }
        seg_spec.chars().collect()
    };

    let unit = compact(&line.unit);
    if !unit.is_empty() {
        let found = numbers_before(&rest, &unit);
        if !found.contains(&line.quantity) {
            diff(
                LayoutField::Quantity,
                Some(i),
                format!("{}{}", fmt_dec(line.quantity), unit),
                shown_numbers(&found, &unit),
            );
        }
    }

    // Single dose: as printed after 每次 when the layout has it, otherwise
    // any number before the dose unit; a layout that prints no dose at all
    // is not contradicting the structured one.
    if let Some((dose, dose_unit)) = number_and_unit(&line.single_dose) {
        match printed_single_dose(&rest) {
            Some((value, unit, shown)) => {
                let same = value == Some(dose)
                    && unit.to_lowercase().starts_with(&dose_unit.to_lowercase());
                if !same {
                    diff(
                        LayoutField::SingleDose,
                        Some(i),
                        compact(&line.single_dose),
                        if shown.is_empty() {
                            NOT_FOUND.into()
                        } else {
                            shown
                        },
                    );
                }
            }
            None => {
                let found = numbers_before(&rest, &dose_unit);
                if !found.is_empty() && !found.contains(&dose) {
                    diff(
                        LayoutField::SingleDose,
                        Some(i),
                        compact(&line.single_dose),
                        shown_numbers(&found, &dose_unit),
                    );
                }
            }
        }
    }

    let freq = compact(&line.frequency);
    if !freq.is_empty() && !seg_s.to_lowercase().contains(&freq.to_lowercase()) {
        diff(
            LayoutField::Frequency,
            Some(i),
            freq,
            excerpt_from(seg, &FREQ_STARTS, 4),
        );
    }

    let route = compact(&line.route);
    if !route.is_empty() && !seg_s.contains(&route) {
        let shown = ROUTES
            .iter()
            .find(|r| seg_s.contains(*r))
            .map_or(NOT_FOUND.to_string(), |r| r.to_string());
        diff(LayoutField::Route, Some(i), route, shown);
    }

    // Days: compared when the layout prints any `N天`.
    if line.days > 0 {
        let found = numbers_before(&rest, "天");
        if !found.is_empty() && !found.contains(&Decimal::from(line.days)) {
            diff(
                LayoutField::Days,
                Some(i),
                format!("{}天", line.days),
                shown_numbers(&found, "天"),
            );
        }
    }
}

/// The spec-like text at the start of a segment: from the first digit,
/// ending where a count unit (`粒`) is followed by `*` or a digit.
fn shown_spec(seg: &str) -> String {
    let chars: Vec<char> = seg.chars().skip_while(|c| !c.is_ascii_digit()).collect();
    let mut out = String::new();
    for (k, c) in chars.iter().enumerate() {
        let prev_cjk = k > 0 && is_cjk(chars[k - 1]);
        if (prev_cjk && (*c == '*' || c.is_ascii_digit()))
            || (is_cjk(*c) && !"粒片支袋瓶丸克毫升".contains(*c))
            || out.chars().count() >= 24
        {
            break;
        }
        out.push(*c);
    }
    out
}

fn shown_numbers(found: &[Decimal], unit: &str) -> String {
    if found.is_empty() {
        return NOT_FOUND.into();
    }
    found
        .iter()
        .map(|d| format!("{}{unit}", fmt_dec(*d)))
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prescription::RxNo;
    use crate::testdata::{layout_text, rx};
    use proptest::prelude::*;

    fn fields(d: &[LayoutDifference]) -> Vec<LayoutField> {
        d.iter().map(|x| x.field).collect()
    }

    #[test]
    fn matching_layout_has_no_difference() {
        let d = compare_layout(&rx(), &layout_text());
        assert!(d.is_empty(), "{d:#?}");
    }

    #[test]
    fn whitespace_line_breaks_and_full_width_are_tolerated() {
        let t = layout_text()
            .replace("2盒", "２ 盒")
            .replace("阿莫西林胶囊", "阿莫西\n林胶囊")
            .replace("0.25g*24粒", "0.25g × 24粒")
            .replace("姓名：张三", "姓 名 : 张\u{3000}三");
        let d = compare_layout(&rx(), &t);
        assert!(d.is_empty(), "{d:#?}");
        let t = layout_text().replace("2盒", "2.00盒");
        assert!(compare_layout(&rx(), &t).is_empty());
    }

    #[test]
    fn each_changed_value_is_reported_with_both_sides() {
        let cases = [
            (
                "姓名：张三",
                "姓名：张三丰",
                LayoutField::PatientName,
                "张三丰",
            ),
            ("2盒", "12盒", LayoutField::Quantity, "12盒"),
            (
                "0.25g*24粒",
                "0.5g*24粒",
                LayoutField::DrugSpec,
                "0.5g*24粒",
            ),
            ("每次0.5g", "每次1g", LayoutField::SingleDose, "1g"),
            ("每次0.5g", "每次0.5mg", LayoutField::SingleDose, "0.5mg"),
            ("每日三次", "每日两次", LayoutField::Frequency, "每日两次"),
            ("口服", "外用", LayoutField::Route, "外用"),
            ("共3天", "共5天", LayoutField::Days, "5天"),
        ];
        for (from, to, field, shown) in cases {
            let t = layout_text().replacen(from, to, 1);
            let d = compare_layout(&rx(), &t);
            assert_eq!(fields(&d), vec![field], "{from} -> {to}: {d:#?}");
            assert_eq!(d[0].layout, shown, "{from} -> {to}");
            assert!(!d[0].structured.is_empty());
        }
    }

    #[test]
    fn whitespace_in_the_original_separates_a_name_from_what_follows() {
        // `张三 男` (no gender label): the space ends the name.
        let t = layout_text().replace("姓名：张三  性别：男", "姓名：张三 男 76岁");
        assert!(
            compare_layout(&rx(), &t).is_empty(),
            "{:#?}",
            compare_layout(&rx(), &t)
        );
        // A name broken by the extractor still matches.
        let t = layout_text().replace("姓名：张三  性别：男", "姓名：张\n三 男");
        assert!(compare_layout(&rx(), &t).is_empty());
        // Without a separator the next character belongs to the name.
        let t = layout_text().replace("姓名：张三  性别：男", "姓名：张三男");
        let d = compare_layout(&rx(), &t);
        assert_eq!(fields(&d), vec![LayoutField::PatientName]);
        assert_eq!(d[0].layout, "张三男");
        // Another person: shown up to the separator.
        let t = layout_text().replace("姓名：张三  性别：男", "姓名：李四 男");
        let d = compare_layout(&rx(), &t);
        assert_eq!(d[0].layout, "李四");
        // A drug name followed by a space and Chinese text is a whole name.
        let t = layout_text().replace("阿莫西林胶囊  0.25g*24粒", "阿莫西林胶囊 （0.25g*24粒）");
        assert!(compare_layout(&rx(), &t).is_empty());
    }

    #[test]
    fn certificate_number_compared_when_printed_even_masked() {
        let t = layout_text().replace("11010519491231002X", "110***********002X");
        assert!(compare_layout(&rx(), &t).is_empty());
        let t = layout_text().replace("11010519491231002X", "110***********0021");
        let d = compare_layout(&rx(), &t);
        assert_eq!(fields(&d), vec![LayoutField::PatientCertNo]);
        assert!(!d[0].structured.contains("11010519491231002X"), "masked");
        let t = layout_text().replace("身份证号：11010519491231002X", "");
        assert!(
            compare_layout(&rx(), &t).is_empty(),
            "not printed: not compared"
        );
    }

    #[test]
    fn a_longer_drug_name_is_not_the_prescribed_one() {
        let mut p = rx();
        p.lines[0].drug_genname = "阿莫西林".into();
        let t = layout_text().replace("阿莫西林胶囊", "阿莫西林克拉维酸钾片");
        let d = compare_layout(&p, &t);
        assert_eq!(fields(&d), vec![LayoutField::DrugName]);
        assert_eq!(d[0].layout, "阿莫西林克拉维酸钾片");
    }

    #[test]
    fn chinese_numerals_are_numbers() {
        assert_eq!(chinese_number("一"), Some(Decimal::ONE));
        assert_eq!(chinese_number("两"), Some(Decimal::from(2)));
        assert_eq!(chinese_number("十"), Some(Decimal::from(10)));
        assert_eq!(chinese_number("十四"), Some(Decimal::from(14)));
        assert_eq!(chinese_number("二十八"), Some(Decimal::from(28)));
        assert_eq!(chinese_number("半"), Some(Decimal::new(5, 1)));
        assert_eq!(chinese_number("三七"), None);
        assert_eq!(chinese_number("十十"), None);
        assert_eq!(chinese_number("零十"), None);
        assert_eq!(chinese_number(""), None);
        let mut p = rx();
        p.lines[0].single_dose = "1粒".into();
        p.lines[0].days = 7;
        let t = layout_text()
            .replace("每次0.5g", "每次一粒")
            .replace("共3天", "共七天")
            .replace("×2盒", "×两盒");
        assert!(
            compare_layout(&p, &t).is_empty(),
            "{:#?}",
            compare_layout(&p, &t)
        );
        let t = t.replace("每次一粒", "每次两粒");
        let d = compare_layout(&p, &t);
        assert_eq!(fields(&d), vec![LayoutField::SingleDose]);
        assert_eq!(d[0].layout, "两粒");
    }

    #[test]
    fn dose_and_days_are_compared_when_printed() {
        // The emulator's layout: no days, dose in words.
        let mut p = rx();
        p.lines[0].single_dose = "1粒".into();
        p.lines[0].days = 7;
        let t =
            "示例医院 处方笺\n医保处方编号 11000020261122000001    开方时间 2026-11-22 09:00:00\n\
                 姓名 张三   性别 男   年龄 76 岁\nRp.\n\
                 1. 阿莫西林胶囊 0.25g*24粒  × 2 盒\n    用法：口服  每日三次  每次一粒\n\
                 医师 王医生    审方药师 李药师";
        assert!(
            compare_layout(&p, t).is_empty(),
            "{:#?}",
            compare_layout(&p, t)
        );
        let t = t.replace("每次一粒", "");
        assert!(compare_layout(&p, &t).is_empty(), "no dose printed");
    }

    #[test]
    fn missing_drug_and_empty_text() {
        let t = layout_text().replace("阿莫西林胶囊", "");
        let d = compare_layout(&rx(), &t);
        assert_eq!(fields(&d), vec![LayoutField::DrugName]);
        let d = compare_layout(&rx(), "");
        assert_eq!(
            fields(&d),
            vec![
                LayoutField::PatientName,
                LayoutField::IssuedAt,
                LayoutField::DrugName
            ]
        );
        assert!(d.iter().all(|x| x.layout == NOT_FOUND));
    }

    #[test]
    fn a_drug_printed_but_not_structured_is_found_by_catalogue_name() {
        let names = [
            "阿莫西林胶囊",
            "阿莫西林",
            "布洛芬缓释胶囊",
            "胶囊剂",
            "西林",
        ];
        assert!(unlisted_drugs(&rx(), &layout_text(), &names).is_empty());
        let t = format!("{}\n布洛芬缓释胶囊 0.3g*20粒 ×1盒", layout_text());
        let d = unlisted_drugs(&rx(), &t, &names);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, LayoutField::UnlistedDrug);
        assert_eq!(d[0].layout, "布洛芬缓释胶囊");
        assert_eq!(d[0].structured, ABSENT);
        // A longer name is not the shorter catalogue name.
        let t = format!("{}\n布洛芬缓释胶囊剂", layout_text());
        assert!(unlisted_drugs(&rx(), &t, &["布洛芬缓释胶囊"]).is_empty());
    }

    #[test]
    fn two_lines_are_compared_in_their_own_segments() {
        let mut p = rx();
        let mut second = p.lines[0].clone();
        second.drug_genname = "布洛芬缓释胶囊".into();
        second.drug_spec = "0.3g*20粒".into();
        second.quantity = Decimal::from(1);
        second.single_dose = "0.3g".into();
        second.frequency = "每日两次".into();
        second.days = 5;
        p.lines.push(second);
        let t = format!(
            "{}\n布洛芬缓释胶囊 0.3g*20粒 1盒 用法：口服 每次0.3g 每日两次 共5天",
            layout_text()
        );
        assert!(compare_layout(&p, &t).is_empty());
        // The second drug's quantity changed: only line 1 differs.
        let t = t.replace("20粒 1盒", "20粒 3盒");
        let d = compare_layout(&p, &t);
        assert_eq!(fields(&d), vec![LayoutField::Quantity]);
        assert_eq!(d[0].line, Some(1));
    }

    /// The demo's doubt (issue 13): a two-drug prescription whose layout
    /// prints only the first drug must fail the comparison on the second
    /// line (the rules then block the sale: `rules` test
    /// `a_layout_missing_a_prescribed_drug_blocks_the_sale`).
    #[test]
    fn a_layout_missing_a_drug_of_the_data_fails_the_comparison() {
        let mut p = rx();
        let mut second = p.lines[0].clone();
        second.med_list_codg = "XM01AEB080A001010100002".into();
        second.drug_genname = "布洛芬缓释胶囊".into();
        second.drug_spec = "0.3g*20粒".into();
        second.quantity = Decimal::from(1);
        p.lines.push(second);
        let only_first = layout_text();
        assert!(!only_first.contains("布洛芬"));
        let d = compare_layout(&p, &only_first);
        assert_eq!(fields(&d), vec![LayoutField::DrugName], "{d:?}");
        assert_eq!(d[0].line, Some(1));
        assert_eq!(d[0].structured, "布洛芬缓释胶囊");
        assert_eq!(d[0].layout, NOT_FOUND);
    }

    // ---- Every unsigned field the counter relies on, changed after signing
    // (the structured data differs, the signed layout does not). docs/rules.md
    // "What the signature does not cover" lists them. ----

    /// The layout of [`rx`] with the optional header values printed too.
    fn full_layout() -> String {
        format!(
            "{}医保处方编号：11000020261122000001  开方时间：2026-11-22 09:00:00\n\
             药品代码 XJ01CAA040A001010100028\n有效期至 2026-11-29 09:00:00\n",
            layout_text()
        )
    }

    fn tampered(change: impl FnOnce(&mut Prescription)) -> Vec<LayoutField> {
        let mut p = rx();
        change(&mut p);
        fields(&compare_layout(&p, &full_layout()))
    }

    #[test]
    fn the_full_layout_matches() {
        let d = compare_layout(&rx(), &full_layout());
        assert!(d.is_empty(), "{d:#?}");
    }

    #[test]
    fn quantity_changed_after_signing_is_caught() {
        let mut p = rx();
        p.lines[0].quantity = Decimal::from(20);
        let d = compare_layout(&p, &full_layout());
        assert_eq!(fields(&d), vec![LayoutField::Quantity]);
        assert_eq!(
            (d[0].structured.as_str(), d[0].layout.as_str()),
            ("20盒", "2盒")
        );
        assert_eq!(d[0].line, Some(0));
    }

    #[test]
    fn unit_changed_after_signing_is_caught() {
        assert_eq!(
            tampered(|p| p.lines[0].unit = "瓶".into()),
            vec![LayoutField::Quantity]
        );
    }

    #[test]
    fn drug_name_changed_after_signing_is_caught() {
        assert_eq!(
            tampered(|p| p.lines[0].drug_genname = "头孢克肟胶囊".into()),
            vec![LayoutField::DrugName]
        );
    }

    #[test]
    fn spec_changed_after_signing_is_caught() {
        assert_eq!(
            tampered(|p| p.lines[0].drug_spec = "0.5g*24粒".into()),
            vec![LayoutField::DrugSpec]
        );
    }

    #[test]
    fn single_dose_changed_after_signing_is_caught() {
        assert_eq!(
            tampered(|p| p.lines[0].single_dose = "1g".into()),
            vec![LayoutField::SingleDose]
        );
    }

    #[test]
    fn frequency_changed_after_signing_is_caught() {
        assert_eq!(
            tampered(|p| p.lines[0].frequency = "每日一次".into()),
            vec![LayoutField::Frequency]
        );
    }

    #[test]
    fn route_changed_after_signing_is_caught() {
        assert_eq!(
            tampered(|p| p.lines[0].route = "外用".into()),
            vec![LayoutField::Route]
        );
    }

    #[test]
    fn days_changed_after_signing_are_caught() {
        assert_eq!(tampered(|p| p.lines[0].days = 30), vec![LayoutField::Days]);
    }

    #[test]
    fn drug_code_changed_after_signing_is_caught_when_printed() {
        let mut p = rx();
        p.lines[0].med_list_codg = "XJ01CAA040A001010100099".into();
        let d = compare_layout(&p, &full_layout());
        assert_eq!(fields(&d), vec![LayoutField::DrugCode]);
        assert_eq!(d[0].layout, "XJ01CAA040A001010100028");
        // A layout without codes does not compare them (the catalogue does).
        assert!(compare_layout(&p, &layout_text()).is_empty());
    }

    #[test]
    fn date_of_issue_changed_after_signing_is_caught() {
        let d = {
            let mut p = rx();
            p.issued_at = "2026-11-25 09:00:00".into();
            compare_layout(&p, &full_layout())
        };
        assert_eq!(fields(&d), vec![LayoutField::IssuedAt]);
        assert_eq!(d[0].layout, "2026-11-22 09:00:00");
        // Only the date printed (日期：2026-11-22): the day must agree.
        assert_eq!(
            tampered(|p| p.issued_at = "2026-11-22 18:30:00".into()),
            vec![LayoutField::IssuedAt],
            "the time is printed in the full layout"
        );
        let mut p = rx();
        p.issued_at = "2026-11-22 18:30:00".into();
        assert!(compare_layout(&p, &layout_text()).is_empty());
        p.issued_at = "2026-11-23 09:00:00".into();
        assert_eq!(
            fields(&compare_layout(&p, &layout_text())),
            vec![LayoutField::IssuedAt]
        );
    }

    #[test]
    fn a_layout_without_a_date_of_issue_is_a_difference() {
        let t = layout_text().replace("日期：2026-11-22", "");
        let d = compare_layout(&rx(), &t);
        assert_eq!(fields(&d), vec![LayoutField::IssuedAt]);
        assert_eq!(d[0].layout, NOT_FOUND);
        // Other dates are not the date of issue.
        let t = layout_text().replace("日期：2026-11-22", "出生日期：2026-11-22");
        assert_eq!(
            fields(&compare_layout(&rx(), &t)),
            vec![LayoutField::IssuedAt]
        );
        // Chinese date forms.
        let t = layout_text().replace("日期：2026-11-22", "开具日期：2026年11月22日");
        assert!(compare_layout(&rx(), &t).is_empty());
    }

    #[test]
    fn validity_changed_after_signing_is_caught_when_printed() {
        assert_eq!(
            tampered(|p| p.valid_end_time = "2026-12-29 09:00:00".into()),
            vec![LayoutField::ValidEnd]
        );
        let mut p = rx();
        p.valid_end_time = "2026-12-29 09:00:00".into();
        assert!(
            compare_layout(&p, &layout_text()).is_empty(),
            "not printed: bounded by the date of issue (RX_OVER_7_DAYS)"
        );
    }

    #[test]
    fn rx_number_changed_is_caught_when_printed() {
        assert_eq!(
            tampered(|p| p.rx_no = RxNo("11000020261122000002".into())),
            vec![LayoutField::RxNo]
        );
    }

    #[test]
    fn a_void_mark_contradicts_a_valid_status() {
        let t = format!("{}\n【作废】", full_layout());
        let d = compare_layout(&rx(), &t);
        assert_eq!(fields(&d), vec![LayoutField::Status]);
        assert_eq!(d[0].layout, "作废");
        let mut p = rx();
        p.status = crate::codes::RxStatus::Revoked;
        assert!(compare_layout(&p, &t).is_empty());
    }

    #[test]
    fn quantity_tampered_after_signing_blocks_the_sale_with_a_clear_reason() {
        use crate::identity::PersonIdentity;
        use crate::rules::{check_prescription, RuleCode, RuleContext};
        let mut p = rx();
        p.lines[0].quantity = Decimal::from(20);
        let patient = PersonIdentity {
            name: "张三".into(),
            cert_type: "01".into(),
            cert_no: "11010519491231002X".into(),
        };
        let text = full_layout();
        let none = |_: &str| None;
        let report = check_prescription(
            &p,
            &RuleContext {
                now: crate::testdata::at("2026-11-23 10:00:00"),
                previous_dispensings: &[],
                patient: &patient,
                catalogue: &none,
                layout_text: &text,
                catalogue_names: &[],
            },
        );
        assert!(report.blocks());
        let f = report
            .findings
            .iter()
            .find(|f| f.code == RuleCode::LayoutMismatch)
            .expect("layout mismatch");
        assert!(f.message_zh.contains("不一致"), "{}", f.message_zh);
        assert_eq!(report.layout_differences[0].field.label_zh(), "数量");
        assert_eq!(report.layout_differences[0].structured, "20盒");
    }

    proptest! {
        #[test]
        fn compare_never_panics(s in "\\PC{0,200}") {
            let _ = compare_layout(&rx(), &s);
        }

        #[test]
        fn any_quantity_other_than_the_prescribed_is_reported(q in 0u32..1000) {
            prop_assume!(q != 2);
            let t = layout_text().replacen("2盒", &format!("{q}盒"), 1);
            let d = compare_layout(&rx(), &t);
            prop_assert_eq!(fields(&d), vec![LayoutField::Quantity]);
        }
    }
}
