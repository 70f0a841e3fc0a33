//! The pharmacy's catalogue and stock as the counter needs them: imported
//! from CSV (UTF-8, header required, optional BOM), looked up by barcode,
//! trace-code prefix (药品标识码) or 医保 code.
//!
//! Imports are all-or-nothing: every line is checked first and, when any is
//! bad, nothing is written and [`ImportReport::errors`] lists every bad line
//! with a zh-CN sentence (what is wrong, what to do). Random bytes, a wrong
//! header, a bad decimal, a negative quantity, a duplicate id or a barcode
//! with a wrong check digit are reported — never a panic.

use crate::csvread::{BadRecord, Record};
use crate::error::{Result, StoreError};
use crate::operators::Permission;
use crate::sheet::{self, ImportFormat};
use crate::{Session, Store};
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};
use rust_decimal::Decimal;
use rxdesk_core::catalogue::{pinyin_initials, DrugFacts, InsuranceClass, Product};
use rxdesk_core::code_format::validate_drug_code;
use rxdesk_core::rules::circulation::RestrictedClass;
use rxdesk_core::Price;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;

/// One product of the pharmacy's catalogue. The CSV columns have the same
/// names ([`CATALOGUE_COLUMNS`]); money is decimal text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueRow {
    /// 定点医药机构目录编号: the pharmacy's own id, unique.
    pub fixmedins_hilist_id: String,
    /// 医保目录编码 (empty only for 自费 items outside the catalogue).
    pub med_list_codg: String,
    /// Name shown and sent as `fixmedins_hilist_name`.
    pub name: String,
    /// 通用名.
    pub genname: String,
    /// 剂型.
    pub dosform: String,
    /// 规格.
    pub spec: String,
    /// Pack unit (盒/瓶).
    pub unit: String,
    /// 生产厂家.
    pub prdr_name: String,
    /// 批准文号.
    pub aprvno: String,
    /// 处方药标志: `1` prescription drug, `0` not.
    pub rx_flag: String,
    /// Retail price per pack.
    pub price: Price,
    /// GTIN-8/12/13/14 on the box (empty if none).
    pub barcode: String,
    /// Smallest units per pack (拆零 factor, > 0).
    pub pack_size: Decimal,
    /// Smallest unit (粒/片).
    pub min_unit: String,
    /// First 7 digits of the 20-digit 药品追溯码 (药品标识码), empty if none.
    pub trace_prefix: String,
    /// Empty for normal circulation, else the `;`-separated
    /// [`CIRCULATION_CODES`] of its restricted classes (canonical order);
    /// every class but `insulin` puts it outside prescription circulation.
    pub circulation: String,
    /// 自费 item.
    pub self_pay: bool,
    /// Price-monitoring reference price.
    pub reference_price: Option<Price>,
    /// Pinyin initials (filled on import when empty).
    pub pinyin: String,
    /// Must travel in the cold chain (2–8 °C): a delivery needs it confirmed.
    pub cold_chain: bool,
    /// 注意事项 the patient must know (`;`-separated), printed in the
    /// medication guidance; empty when none.
    #[serde(default)]
    pub warnings: String,
    /// 禁忌 (contraindications, `;`-separated), printed in the medication
    /// guidance; empty when none.
    #[serde(default)]
    pub contraindications: String,
    /// 国谈药品: a national negotiated drug (国家医保谈判药品), flagged in the
    /// published in-stock list (import column `nego_drug`, 1 or 0).
    #[serde(default)]
    pub nego_drug: bool,
}

impl CatalogueRow {
    /// The 注意事项 as a list (split at `;` / `；`, blanks dropped).
    pub fn warning_list(&self) -> Vec<String> {
        split_items(&self.warnings)
    }
    /// The 禁忌 as a list (split at `;` / `；`, blanks dropped).
    pub fn contraindication_list(&self) -> Vec<String> {
        split_items(&self.contraindications)
    }
}

fn split_items(s: &str) -> Vec<String> {
    s.split([';', '；'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// The catalogue CSV's columns, in the order [`catalogue_csv`] writes them.
pub const CATALOGUE_COLUMNS: [&str; 23] = [
    "fixmedins_hilist_id",
    "med_list_codg",
    "name",
    "genname",
    "dosform",
    "spec",
    "unit",
    "prdr_name",
    "aprvno",
    "rx_flag",
    "price",
    "barcode",
    "pack_size",
    "min_unit",
    "trace_prefix",
    "circulation",
    "self_pay",
    "reference_price",
    "pinyin",
    "cold_chain",
    "warnings",
    "contraindications",
    "nego_drug",
];
const CATALOGUE_REQUIRED: [&str; 4] = ["fixmedins_hilist_id", "med_list_codg", "name", "price"];

/// The stock CSV's columns (all required except `store`, default `traced`).
pub const STOCK_COLUMNS: [&str; 7] = [
    "fixmedins_hilist_id",
    "fixmedins_bchno",
    "manu_lotnum",
    "manu_date",
    "expy_end",
    "quantity",
    "store",
];

/// The restricted-class codes [`CatalogueRow::circulation`] may hold (every
/// [`RestrictedClass`]; all but `insulin` bar the drug from circulation).
/// An import also accepts the class's zh-CN name (麻醉药品) and the six
/// shorter codes of earlier files ([`LEGACY_CIRCULATION_CODES`]); several
/// classes are separated by `;`.
pub const CIRCULATION_CODES: [&str; 14] = [
    "narcotic",
    "radioactive",
    "psychotropic_class1",
    "psychotropic_class2",
    "medical_toxic",
    "abortion",
    "protein_assimilation",
    "peptide_hormone",
    "insulin",
    "precursor_chemical",
    "vaccine",
    "doping_controlled",
    "compound_with_special_drug",
    "hospital_preparation",
];

/// Codes of files written before every class could be flagged, and the
/// class each means.
pub const LEGACY_CIRCULATION_CODES: [(&str, RestrictedClass); 4] = [
    ("psychotropic", RestrictedClass::PsychotropicClass1),
    ("toxic", RestrictedClass::MedicalToxic),
    ("hosp_prep", RestrictedClass::HospitalPreparation),
    ("precursor", RestrictedClass::PrecursorChemical),
];

/// Reads one circulation token: a class code, a legacy code or a zh-CN name.
fn circulation_token(t: &str) -> Option<RestrictedClass> {
    let t = t.trim();
    RestrictedClass::from_code(&t.to_ascii_lowercase())
        .or_else(|| {
            LEGACY_CIRCULATION_CODES
                .iter()
                .find(|(c, _)| *c == t)
                .map(|(_, k)| *k)
        })
        .or_else(|| RestrictedClass::ALL.into_iter().find(|k| k.label_zh() == t))
        .or(match t {
            "精神药品" | "一类精神药品" => Some(RestrictedClass::PsychotropicClass1),
            "二类精神药品" => Some(RestrictedClass::PsychotropicClass2),
            "毒性药品" => Some(RestrictedClass::MedicalToxic),
            "易制毒化学品" => Some(RestrictedClass::PrecursorChemical),
            _ => None,
        })
}

/// Parses a circulation field into its classes (table order, no repeats).
/// `Err` names the tokens not understood.
pub fn parse_circulation(field: &str) -> std::result::Result<Vec<RestrictedClass>, Vec<String>> {
    let mut classes = Vec::new();
    let mut bad = Vec::new();
    for t in field
        .split([';', '；', '、', '|', '/'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        match circulation_token(t) {
            Some(c) => classes.push(c),
            None => bad.push(t.to_string()),
        }
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    classes.sort();
    classes.dedup();
    Ok(classes)
}

/// The canonical circulation field of these classes (`;`-separated codes).
pub fn circulation_field(classes: &[RestrictedClass]) -> String {
    let mut v = classes.to_vec();
    v.sort();
    v.dedup();
    v.iter().map(|c| c.code()).collect::<Vec<_>>().join(";")
}

/// At most this many bad lines are listed; the rest are counted.
pub const MAX_LISTED_ERRORS: usize = 1000;
/// Longest text field accepted (characters).
pub const MAX_FIELD_CHARS: usize = 200;
/// Progress is reported every this many rows.
const PROGRESS_EVERY: usize = 500;

/// What an import did, or would do (a preview), or why it did nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    /// New rows (written, or to be written by the commit).
    pub inserted: usize,
    /// Existing rows changed.
    pub updated: usize,
    /// Rows identical to what the store already holds (left as they are).
    pub unchanged: usize,
    /// `(line, zh-CN sentence)` of every bad line; non-empty means nothing
    /// was written. Line 0 is the file as a whole.
    pub errors: Vec<(usize, String)>,
    /// The same lines' en-US sentences, in the same order.
    pub errors_en: Vec<(usize, String)>,
    /// True when the rows were written (false for a preview and a failure).
    pub committed: bool,
}

impl ImportReport {
    /// True when the file had no bad line (a commit then wrote it).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
    /// The errors as "第 N 行：…" lines for a dialog.
    pub fn errors_zh(&self) -> String {
        self.errors
            .iter()
            .map(|(line, msg)| {
                if *line == 0 {
                    msg.clone()
                } else {
                    format!("第 {line} 行：{msg}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
    fn failed(errors: Vec<BadRecord>) -> Self {
        let errors = finish_errors(errors);
        Self {
            errors_en: errors.iter().map(|b| (b.line, b.en.clone())).collect(),
            errors: errors.into_iter().map(|b| (b.line, b.zh)).collect(),
            ..Self::default()
        }
    }
}

/// Preview (check and count, write nothing) or commit (check and write, all
/// or nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportMode {
    /// Check every line and count added / changed / unchanged; write nothing.
    Preview,
    /// Check every line and, when none is bad, write them in one transaction.
    Commit,
}

/// The step an import is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ImportPhase {
    /// Reading the file.
    Reading,
    /// Checking lines.
    Checking,
    /// Writing rows (commit only).
    Writing,
}

/// How far an import is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportProgress {
    /// The step.
    pub phase: ImportPhase,
    /// Rows done in this step.
    pub done: usize,
    /// Rows of this step.
    pub total: usize,
}

fn tick(progress: &mut dyn FnMut(ImportProgress), phase: ImportPhase, done: usize, total: usize) {
    if done == total || done.is_multiple_of(PROGRESS_EVERY) {
        progress(ImportProgress { phase, done, total });
    }
}

/// One stock batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockBatchRow {
    /// Row id (the `batch_id` of a sale line).
    pub id: i64,
    /// Drug row id.
    pub drug_id: i64,
    /// 定点医药机构批次流水号.
    pub fixmedins_bchno: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// 生产日期 `yyyy-MM-dd`.
    pub manu_date: String,
    /// 有效期止 `yyyy-MM-dd`.
    pub expy_end: String,
    /// Packs on hand.
    pub quantity: Decimal,
    /// `traced` or `nocode` (无码库).
    pub store: String,
}

impl CatalogueRow {
    /// The special-control classes of [`Self::circulation`].
    pub fn restricted_classes(&self) -> Vec<RestrictedClass> {
        // A stored field is canonical; an unknown token (none is written)
        // is skipped rather than guessed.
        self.circulation
            .split(';')
            .filter_map(circulation_token)
            .collect()
    }

    /// The product as `rxdesk_core::catalogue::Catalogue::new` indexes it.
    /// The catalogue CSV does not say 甲类/乙类: a non-自费 item is given
    /// [`InsuranceClass::A`] (only 自费 changes a counter rule; the center
    /// computes the split).
    pub fn to_product(&self) -> Product {
        Product {
            fixmedins_hilist_id: self.fixmedins_hilist_id.clone(),
            med_list_codg: self.med_list_codg.clone(),
            name: self.name.clone(),
            generic_name: self.genname.clone(),
            spec: self.spec.clone(),
            manufacturer: self.prdr_name.clone(),
            barcode: self.barcode.clone(),
            price: self.price,
            pack_unit: self.unit.clone(),
            min_unit: if self.min_unit.is_empty() {
                self.unit.clone()
            } else {
                self.min_unit.clone()
            },
            pack_size: self.pack_size,
            facts: DrugFacts {
                restricted: self.restricted_classes(),
                insurance_class: if self.self_pay {
                    InsuranceClass::SelfPay
                } else {
                    InsuranceClass::A
                },
                cold_chain: self.cold_chain,
            },
        }
    }

    fn csv_fields(&self) -> [String; 23] {
        [
            self.fixmedins_hilist_id.clone(),
            self.med_list_codg.clone(),
            self.name.clone(),
            self.genname.clone(),
            self.dosform.clone(),
            self.spec.clone(),
            self.unit.clone(),
            self.prdr_name.clone(),
            self.aprvno.clone(),
            self.rx_flag.clone(),
            self.price.to_string(),
            self.barcode.clone(),
            self.pack_size.normalize().to_string(),
            self.min_unit.clone(),
            self.trace_prefix.clone(),
            self.circulation.clone(),
            if self.self_pay { "1" } else { "0" }.to_string(),
            self.reference_price
                .map(|p| p.to_string())
                .unwrap_or_default(),
            self.pinyin.clone(),
            if self.cold_chain { "1" } else { "0" }.to_string(),
            self.warnings.clone(),
            self.contraindications.clone(),
            if self.nego_drug { "1" } else { "0" }.to_string(),
        ]
    }
}

/// Writes rows as a catalogue CSV (header, CRLF, RFC 4180 quoting) that
/// [`Store::import_catalogue_csv`] reads back.
pub fn catalogue_csv(rows: &[CatalogueRow]) -> String {
    let mut out = String::with_capacity(rows.len() * 200 + 256);
    out.push_str(&CATALOGUE_COLUMNS.join(","));
    out.push_str("\r\n");
    for r in rows {
        push_csv_line(&mut out, &r.csv_fields());
    }
    out
}

pub(crate) fn push_csv_line(out: &mut String, fields: &[String]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}

/// The GS1 mod-10 check digit for the digits of a GTIN without its last
/// digit, or `None` when `body` is not 7, 11, 12 or 13 ASCII digits.
pub fn gtin_check_digit(body: &str) -> Option<char> {
    if !matches!(body.len(), 7 | 11 | 12 | 13) || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// True when `code` is a GTIN-8/12/13/14 with a correct check digit.
pub fn gtin_valid(code: &str) -> bool {
    code.len() >= 8
        && code.is_ascii()
        && gtin_check_digit(&code[..code.len() - 1]) == code.chars().last()
}

/// Maps a header to column positions; `Err` is a sentence pair.
fn header_positions(
    rec: &Record,
    known: &[&str],
    required: &[&str],
) -> std::result::Result<HashMap<&'static str, usize>, (String, String)> {
    let known_static: Vec<&'static str> = CATALOGUE_COLUMNS
        .iter()
        .chain(STOCK_COLUMNS.iter())
        .copied()
        .filter(|c| known.contains(c))
        .collect();
    let mut pos = HashMap::new();
    let mut unknown = Vec::new();
    for (i, raw) in rec.fields.iter().enumerate() {
        let name = raw.trim().trim_start_matches('\u{feff}');
        if name.is_empty() && i + 1 == rec.fields.len() && i > 0 {
            // A trailing empty header cell (spreadsheets leave them).
            continue;
        }
        match known_static.iter().find(|k| **k == name) {
            Some(k) => {
                if pos.insert(*k, i).is_some() {
                    return Err((
                        format!("表头中列“{k}”出现了两次"),
                        format!("The header names column \"{k}\" twice"),
                    ));
                }
            }
            None => unknown.push(clip(name, 30)),
        }
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| !pos.contains_key(c))
        .collect();
    if !unknown.is_empty() || !missing.is_empty() {
        let mut zh = String::from("表头不正确");
        let mut en = String::from("The header is wrong");
        if !missing.is_empty() {
            zh.push_str(&format!("：缺少列 {}", missing.join("、")));
            en.push_str(&format!(": missing column(s) {}", missing.join(", ")));
        }
        if !unknown.is_empty() {
            zh.push_str(&format!("：不认识的列 {}", unknown.join("、")));
            en.push_str(&format!(": unknown column(s) {}", unknown.join(", ")));
        }
        zh.push_str(&format!(
            "。第一行须是列名，可用的列为 {}",
            known_static.join(",")
        ));
        en.push_str(&format!(
            ". The first line must name the columns; known columns: {}",
            known_static.join(",")
        ));
        return Err((zh, en));
    }
    Ok(pos)
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Reads one record's fields by column name, collecting problems
/// (zh-CN, en-US).
struct Fields<'a> {
    rec: &'a Record,
    pos: &'a HashMap<&'static str, usize>,
    problems: Vec<(String, String)>,
}

impl<'a> Fields<'a> {
    fn new(rec: &'a Record, pos: &'a HashMap<&'static str, usize>) -> Self {
        Self {
            rec,
            pos,
            problems: Vec::new(),
        }
    }
    fn bad(&mut self, zh: String, en: String) {
        self.problems.push((zh, en));
    }
    /// The record's problems as one bad line.
    fn into_bad(self) -> BadRecord {
        BadRecord {
            line: self.rec.line,
            zh: self
                .problems
                .iter()
                .map(|p| p.0.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            en: self
                .problems
                .iter()
                .map(|p| p.1.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
    fn raw(&self, col: &str) -> &'a str {
        self.pos
            .get(col)
            .and_then(|i| self.rec.fields.get(*i))
            .map(|s| s.trim())
            .unwrap_or("")
    }
    /// A text field: trimmed, no control characters, not too long.
    fn text(&mut self, col: &str, label: &str) -> String {
        let v = self.raw(col);
        if v.chars().any(char::is_control) {
            self.bad(
                format!("{label}（{col}）含控制字符（如换行、制表符），请删除"),
                format!("{col} holds control characters (line breaks, tabs): remove them"),
            );
        } else if v.chars().count() > MAX_FIELD_CHARS {
            self.bad(
                format!("{label}（{col}）超过 {MAX_FIELD_CHARS} 个字符，请核对"),
                format!("{col} is longer than {MAX_FIELD_CHARS} characters"),
            );
        }
        v.to_string()
    }
    fn required(&mut self, col: &str, label: &str) -> String {
        let v = self.text(col, label);
        if v.is_empty() {
            self.bad(
                format!("{label}（{col}）不能为空"),
                format!("{col} must not be empty"),
            );
        }
        v
    }
    fn price(&mut self, col: &str, label: &str, required: bool) -> Option<Price> {
        let v = self.raw(col);
        if v.is_empty() {
            if required {
                self.bad(
                    format!("{label}（{col}）不能为空"),
                    format!("{col} must not be empty"),
                );
            }
            return None;
        }
        match Price::from_str(v) {
            Ok(p) if p.is_negative() => {
                self.bad(
                    format!("{label}（{col}）“{}”不能为负数", clip(v, 20)),
                    format!("{col} \"{}\" must not be negative", clip(v, 20)),
                );
                None
            }
            Ok(p) => Some(p),
            Err(_) => {
                self.bad(
                    format!(
                        "{label}（{col}）“{}”不是有效金额：请写成如 12.50 的数字，最多 6 位小数",
                        clip(v, 20)
                    ),
                    format!(
                        "{col} \"{}\" is not an amount: write a number such as 12.50, at most 6 decimals",
                        clip(v, 20)
                    ),
                );
                None
            }
        }
    }
    /// A non-negative decimal with at most 4 places (numeric(16,4)).
    fn quantity(&mut self, col: &str, label: &str, allow_zero: bool) -> Option<Decimal> {
        let v = self.raw(col);
        if v.is_empty() {
            self.bad(
                format!("{label}（{col}）不能为空"),
                format!("{col} must not be empty"),
            );
            return None;
        }
        let d = match Decimal::from_str_exact(v) {
            Ok(d) => d,
            Err(_) => {
                self.bad(
                    format!(
                        "{label}（{col}）“{}”不是有效数字，请写成如 24 或 0.5",
                        clip(v, 20)
                    ),
                    format!(
                        "{col} \"{}\" is not a number: write e.g. 24 or 0.5",
                        clip(v, 20)
                    ),
                );
                return None;
            }
        };
        let v = clip(v, 20);
        if d.is_sign_negative() && !d.is_zero() {
            self.bad(
                format!("{label}（{col}）“{v}”不能为负数"),
                format!("{col} \"{v}\" must not be negative"),
            );
            None
        } else if d.is_zero() && !allow_zero {
            self.bad(
                format!("{label}（{col}）必须大于 0"),
                format!("{col} must be greater than 0"),
            );
            None
        } else if d.normalize().scale() > 4 {
            self.bad(
                format!("{label}（{col}）“{v}”最多 4 位小数"),
                format!("{col} \"{v}\" has more than 4 decimals"),
            );
            None
        } else if d >= Decimal::from(1_000_000_000_i64) {
            self.bad(
                format!("{label}（{col}）“{v}”过大，请核对"),
                format!("{col} \"{v}\" is too large"),
            );
            None
        } else {
            Some(d.normalize())
        }
    }
    fn date(&mut self, col: &str, label: &str) -> Option<NaiveDate> {
        let v = self.raw(col);
        let parsed = if v.len() == 10 {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()
        } else {
            None
        };
        if parsed.is_none() {
            self.bad(
                format!(
                    "{label}（{col}）“{}”不是有效日期，请写成 yyyy-MM-dd，如 2026-03-01",
                    clip(v, 20)
                ),
                format!(
                    "{col} \"{}\" is not a date: write yyyy-MM-dd, e.g. 2026-03-01",
                    clip(v, 20)
                ),
            );
        }
        parsed
    }
    /// A `1`/`0` flag (also true/false, 是/否, Y/N).
    fn flag(&mut self, col: &str, zh_what: &str, en_what: &str) -> bool {
        match self.raw(col) {
            "" | "0" | "false" | "否" | "N" | "n" => false,
            "1" | "true" | "是" | "Y" | "y" => true,
            other => {
                let other = clip(other, 10);
                self.bad(
                    format!("{zh_what}（{col}）“{other}”应为 1 或 0"),
                    format!("{col} \"{other}\" must be 1 ({en_what}) or 0"),
                );
                false
            }
        }
    }
}

fn e4(d: Decimal) -> i64 {
    i64::try_from((d * Decimal::from(10_000)).trunc()).unwrap_or(i64::MAX)
}

fn from_e4(e4: i64) -> Decimal {
    Decimal::new(e4, 4).normalize()
}

/// Checks one catalogue record; `None` when it has problems (in `f`).
fn parse_catalogue_row(f: &mut Fields<'_>) -> Option<CatalogueRow> {
    let fixmedins_hilist_id = f.required("fixmedins_hilist_id", "目录编号");
    let name = f.required("name", "名称");
    let self_pay = f.flag("self_pay", "自费标志", "自费, self-paid");
    let cold_chain = f.flag("cold_chain", "冷链标志", "needs the 2–8 °C cold chain");
    let nego_drug = f.flag("nego_drug", "国谈药品标志", "a national negotiated drug");
    let warnings = f.text("warnings", "注意事项");
    let contraindications = f.text("contraindications", "禁忌");
    let med_list_codg = f.text("med_list_codg", "医保目录编码");
    if med_list_codg.is_empty() {
        if !self_pay {
            f.bad(
                "医保目录编码（med_list_codg）为空：医保目录内的商品必须填写；目录外商品请将 self_pay 设为 1"
                    .into(),
                "med_list_codg is empty: a product in the 医保 catalogue needs it; set self_pay to 1 for one outside it"
                    .into(),
            );
        }
    } else if let Err(e) = validate_drug_code(&med_list_codg) {
        f.bad(
            format!("医保目录编码（med_list_codg）：{}", e.message_zh()),
            format!(
                "med_list_codg \"{}\" is not a national drug code ({})",
                clip(&med_list_codg, 30),
                e.code()
            ),
        );
    }
    let genname = f.text("genname", "通用名");
    let dosform = f.text("dosform", "剂型");
    let spec = f.text("spec", "规格");
    let unit = f.text("unit", "包装单位");
    let prdr_name = f.text("prdr_name", "生产厂家");
    let aprvno = f.text("aprvno", "批准文号");
    let rx_flag = match f.raw("rx_flag") {
        "" | "1" => "1".to_string(),
        "0" => "0".to_string(),
        other => {
            let other = clip(other, 10);
            f.bad(
                format!("处方药标志（rx_flag）“{other}”应为 1（处方药）或 0"),
                format!("rx_flag \"{other}\" must be 1 (prescription drug) or 0"),
            );
            String::new()
        }
    };
    let price = f.price("price", "零售价", true);
    let barcode = rxdesk_core::text::to_half_width(f.raw("barcode"));
    if !barcode.is_empty() && !gtin_valid(&barcode) {
        let b = clip(&barcode, 20);
        f.bad(
            format!(
                "条形码（barcode）“{b}”不是有效的 GTIN-8/12/13/14（位数或校验位不对），请重新扫描包装上的条码"
            ),
            format!(
                "barcode \"{b}\" is not a valid GTIN-8/12/13/14 (length or check digit): scan the box again"
            ),
        );
    }
    let pack_size = if f.raw("pack_size").is_empty() {
        Some(Decimal::ONE)
    } else {
        f.quantity("pack_size", "包装数量", false)
    };
    let min_unit = match f.text("min_unit", "最小单位") {
        m if m.is_empty() => unit.clone(),
        m => m,
    };
    let trace_prefix = f.raw("trace_prefix").to_string();
    if !trace_prefix.is_empty()
        && (trace_prefix.len() != 7 || !trace_prefix.bytes().all(|b| b.is_ascii_digit()))
    {
        let t = clip(&trace_prefix, 20);
        f.bad(
            format!("追溯码前缀（trace_prefix）“{t}”应为追溯码的前 7 位数字（药品标识码）"),
            format!("trace_prefix \"{t}\" must be the first 7 digits of the trace code"),
        );
    }
    let circulation = match parse_circulation(f.raw("circulation")) {
        Ok(classes) => circulation_field(&classes),
        Err(bad) => {
            let bad: Vec<String> = bad.iter().map(|t| clip(t, 20)).collect();
            f.bad(
                format!(
                    "流通类别（circulation）“{}”不认识：应为空，或以下类别（代码或中文名，多个用 ; 分隔）：{}",
                    bad.join("、"),
                    RestrictedClass::ALL
                        .iter()
                        .map(|c| format!("{} {}", c.code(), c.label_zh()))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                format!(
                    "circulation \"{}\" is not a restricted class: leave it empty or use these codes (several separated by ;): {}",
                    bad.join(", "),
                    CIRCULATION_CODES.join(", ")
                ),
            );
            String::new()
        }
    };
    let reference_price = f.price("reference_price", "参考价", false);
    let pinyin_raw = f.raw("pinyin").to_ascii_lowercase();
    let pinyin = if pinyin_raw.is_empty() {
        pinyin_initials(&name)
    } else if pinyin_raw.len() <= MAX_FIELD_CHARS
        && pinyin_raw.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        pinyin_raw
    } else {
        f.bad(
            "拼音码（pinyin）只能包含字母和数字（如 amxljn），留空则自动生成".into(),
            "pinyin may hold only letters and digits (e.g. amxljn); leave it empty to have it made"
                .into(),
        );
        String::new()
    };
    if !f.problems.is_empty() {
        return None;
    }
    Some(CatalogueRow {
        fixmedins_hilist_id,
        med_list_codg,
        name,
        genname,
        dosform,
        spec,
        unit,
        prdr_name,
        aprvno,
        rx_flag,
        price: price?,
        barcode,
        pack_size: pack_size?,
        min_unit,
        trace_prefix,
        circulation,
        self_pay,
        reference_price,
        pinyin,
        cold_chain,
        warnings,
        contraindications,
        nego_drug,
    })
}

/// A file's records after its header, the header's column positions, and
/// the records that could not be read.
type ReadTable = (Vec<Record>, HashMap<&'static str, usize>, Vec<BadRecord>);

/// Reads a CSV or XLSX file into records after its header; file-level
/// problems become a failed report.
fn read_table(
    bytes: &[u8],
    format: ImportFormat,
    known: &[&str],
    required: &[&str],
) -> std::result::Result<ReadTable, ImportReport> {
    let mut recs = sheet::read(bytes, format)
        .map_err(|e| ImportReport::failed(vec![e]))?
        .into_iter();
    let header = match recs.next() {
        None => {
            return Err(ImportReport::failed(vec![BadRecord {
                line: 0,
                zh: "文件是空的：第一行须是列名，之后每行一条记录".into(),
                en: "The file is empty: the first line names the columns, then one record per line"
                    .into(),
            }]))
        }
        Some(Err(e)) => return Err(ImportReport::failed(vec![e])),
        Some(Ok(h)) => h,
    };
    let pos = header_positions(&header, known, required).map_err(|(zh, en)| {
        ImportReport::failed(vec![BadRecord {
            line: header.line,
            zh,
            en,
        }])
    })?;
    let width = pos.values().max().map_or(0, |m| m + 1);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for r in recs {
        match r {
            // A CSV line must have the header's fields; a spreadsheet row
            // may end early (empty cells) but not run past the header.
            Ok(rec)
                if (format == ImportFormat::Csv && rec.fields.len() != header.fields.len())
                    || (format == ImportFormat::Xlsx
                        && rec.fields.len() > header.fields.len().max(width)) =>
            {
                errors.push(BadRecord {
                    line: rec.line,
                    zh: format!(
                        "有 {} 列，表头有 {} 列：含逗号的内容须用双引号括起",
                        rec.fields.len(),
                        header.fields.len()
                    ),
                    en: format!(
                        "{} fields, but the header has {}: quote a field that holds a comma",
                        rec.fields.len(),
                        header.fields.len()
                    ),
                })
            }
            Ok(rec) => rows.push(rec),
            Err(e) => errors.push(e),
        }
    }
    Ok((rows, pos, errors))
}

fn finish_errors(mut errors: Vec<BadRecord>) -> Vec<BadRecord> {
    errors.sort_by_key(|e| e.line);
    if errors.len() > MAX_LISTED_ERRORS {
        let more = errors.len() - MAX_LISTED_ERRORS;
        errors.truncate(MAX_LISTED_ERRORS);
        errors.push(BadRecord {
            line: 0,
            zh: format!("另有 {more} 行有错误未列出：请先改正以上各行后重新导入"),
            en: format!(
                "{more} more bad lines are not listed: correct the lines above and import again"
            ),
        });
    }
    errors
}

const DRUG_COLUMNS: &str =
    "id, fixmedins_hilist_id, med_list_codg, name, genname, dosform, spec, unit,
     prdr_name, aprvno, rx_flag, price, barcode, pack_size_e4, min_unit, trace_prefix, restricted,
     self_pay, reference_price, pinyin, cold_chain, warnings, contraindications, nego_drug";
/// Index of the first column after [`DRUG_COLUMNS`] (`active` in the import plan).
const AFTER_DRUG_COLUMNS: usize = 24;

fn drug_from_row(r: &Row<'_>) -> rusqlite::Result<(i64, CatalogueRow)> {
    let price: String = r.get(11)?;
    let reference: Option<String> = r.get(18)?;
    let bad = |col: usize, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("stored price {v:?} is not a decimal").into(),
        )
    };
    let unit: String = r.get(7)?;
    let min_unit: String = r.get(14)?;
    let name: String = r.get(3)?;
    let pinyin: String = r.get(19)?;
    Ok((
        r.get(0)?,
        CatalogueRow {
            fixmedins_hilist_id: r.get(1)?,
            med_list_codg: r.get(2)?,
            genname: r.get(4)?,
            dosform: r.get(5)?,
            spec: r.get(6)?,
            prdr_name: r.get(8)?,
            aprvno: r.get(9)?,
            rx_flag: r.get(10)?,
            price: Price::from_str(&price).map_err(|_| bad(11, &price))?,
            barcode: r.get(12)?,
            pack_size: from_e4(r.get(13)?),
            min_unit: if min_unit.is_empty() {
                unit.clone()
            } else {
                min_unit
            },
            unit,
            trace_prefix: r.get(15)?,
            circulation: r.get(16)?,
            self_pay: r.get::<_, i64>(17)? == 1,
            cold_chain: r.get::<_, i64>(20)? == 1,
            warnings: r.get(21)?,
            contraindications: r.get(22)?,
            nego_drug: r.get::<_, i64>(23)? == 1,
            reference_price: match reference {
                Some(v) => Some(Price::from_str(&v).map_err(|_| bad(18, &v))?),
                None => None,
            },
            pinyin: if pinyin.is_empty() {
                pinyin_initials(&name)
            } else {
                pinyin
            },
            name,
        },
    ))
}

fn query_drugs(
    c: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<(i64, CatalogueRow)>> {
    let sql = format!("SELECT {DRUG_COLUMNS} FROM drugs WHERE {filter} ORDER BY id");
    let mut st = c
        .prepare_cached(&sql)
        .map_err(StoreError::sql("read catalogue"))?;
    let rows = st
        .query_map(args, drug_from_row)
        .map_err(StoreError::sql("read catalogue"))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(StoreError::sql("read catalogue"));
    rows
}

fn batch_from_row(r: &Row<'_>) -> rusqlite::Result<StockBatchRow> {
    Ok(StockBatchRow {
        id: r.get(0)?,
        drug_id: r.get(1)?,
        fixmedins_bchno: r.get(2)?,
        manu_lotnum: r.get(3)?,
        manu_date: r.get(4)?,
        expy_end: r.get(5)?,
        quantity: from_e4(r.get(6)?),
        store: r.get(7)?,
    })
}

impl Store {
    /// Imports (inserts or updates by `fixmedins_hilist_id`) a catalogue
    /// CSV. All-or-nothing: if any line has an error nothing is written and
    /// `errors` lists every bad line. Products not in the file are kept.
    pub fn import_catalogue_csv(&self, by: &Session, csv: &[u8]) -> Result<ImportReport> {
        self.import_catalogue(by, csv, ImportFormat::Csv, ImportMode::Commit, &mut |_| {})
    }

    /// Imports a catalogue file (CSV or XLSX, the columns of
    /// [`CATALOGUE_COLUMNS`]). [`ImportMode::Preview`] checks every line and
    /// counts added / changed / unchanged without writing;
    /// [`ImportMode::Commit`] does the same and, when no line is bad, writes
    /// all rows in one transaction (all-or-nothing). `progress` is called
    /// every few hundred rows.
    pub fn import_catalogue(
        &self,
        by: &Session,
        bytes: &[u8],
        format: ImportFormat,
        mode: ImportMode,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        by.require(Permission::Administer)?;
        progress(ImportProgress {
            phase: ImportPhase::Reading,
            done: 0,
            total: 1,
        });
        let (records, pos, mut errors) =
            match read_table(bytes, format, &CATALOGUE_COLUMNS, &CATALOGUE_REQUIRED) {
                Ok(x) => x,
                Err(report) => return Ok(report),
            };
        let total = records.len();
        let mut rows: Vec<CatalogueRow> = Vec::with_capacity(total);
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, rec) in records.iter().enumerate() {
            let mut f = Fields::new(rec, &pos);
            let row = parse_catalogue_row(&mut f);
            if let Some(row) = &row {
                if let Some(first) = seen.insert(row.fixmedins_hilist_id.clone(), rec.line) {
                    let id = clip(&row.fixmedins_hilist_id, 30);
                    f.bad(
                        format!("目录编号“{id}”与第 {first} 行重复：每个商品只能出现一次"),
                        format!(
                            "fixmedins_hilist_id \"{id}\" repeats line {first}: each product once"
                        ),
                    );
                }
            }
            match row {
                Some(row) if f.problems.is_empty() => rows.push(row),
                _ => errors.push(f.into_bad()),
            }
            tick(progress, ImportPhase::Checking, i + 1, total);
        }
        if !errors.is_empty() {
            return Ok(ImportReport::failed(errors));
        }
        if rows.is_empty() {
            return Ok(ImportReport::failed(vec![BadRecord {
                line: 0,
                zh: "文件只有表头，没有商品：请在表头下每行填写一个商品".into(),
                en: "The file has a header but no product: one product per line below it".into(),
            }]));
        }
        /// What the commit does with one row.
        enum Action {
            Insert,
            Update,
            Keep,
        }
        fn plan(c: &Connection, rows: &[CatalogueRow]) -> Result<(Vec<Action>, ImportReport)> {
            let existing: HashMap<String, (CatalogueRow, bool)> = {
                let mut st = c
                    .prepare(&format!("SELECT {DRUG_COLUMNS}, active FROM drugs"))
                    .map_err(StoreError::sql("read catalogue"))?;
                let rows = st
                    .query_map([], |r| {
                        let (_, row) = drug_from_row(r)?;
                        Ok((
                            row.fixmedins_hilist_id.clone(),
                            (row, r.get::<_, i64>(AFTER_DRUG_COLUMNS)? == 1),
                        ))
                    })
                    .map_err(StoreError::sql("read catalogue"))?
                    .collect::<std::result::Result<HashMap<_, _>, _>>()
                    .map_err(StoreError::sql("read catalogue"))?;
                rows
            };
            let mut report = ImportReport::default();
            let actions = rows
                .iter()
                .map(|r| match existing.get(&r.fixmedins_hilist_id) {
                    None => {
                        report.inserted += 1;
                        Action::Insert
                    }
                    Some((old, true)) if old == r => {
                        report.unchanged += 1;
                        Action::Keep
                    }
                    Some(_) => {
                        report.updated += 1;
                        Action::Update
                    }
                })
                .collect();
            Ok((actions, report))
        }
        if mode == ImportMode::Preview {
            let (_, report) = self.read(|c| plan(c, &rows))?;
            return Ok(report);
        }
        let total = rows.len();
        let report = self.write("import catalogue", |tx| {
            let (actions, mut report) = plan(tx, &rows)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO drugs (fixmedins_hilist_id, med_list_codg, name, genname, dosform, spec, unit,
                         prdr_name, aprvno, rx_flag, price, barcode, pack_size_e4, min_unit, trace_prefix,
                         restricted, self_pay, reference_price, pinyin, cold_chain, warnings, contraindications, nego_drug, active)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, 1)",
                )
                .map_err(StoreError::sql("import catalogue"))?;
            let mut update = tx
                .prepare(
                    "UPDATE drugs SET med_list_codg = ?2, name = ?3, genname = ?4, dosform = ?5, spec = ?6,
                         unit = ?7, prdr_name = ?8, aprvno = ?9, rx_flag = ?10, price = ?11, barcode = ?12,
                         pack_size_e4 = ?13, min_unit = ?14, trace_prefix = ?15, restricted = ?16,
                         circulation = '', self_pay = ?17, reference_price = ?18, pinyin = ?19,
                         cold_chain = ?20, warnings = ?21, contraindications = ?22, nego_drug = ?23, active = 1
                     WHERE fixmedins_hilist_id = ?1",
                )
                .map_err(StoreError::sql("import catalogue"))?;
            for (i, (r, action)) in rows.iter().zip(&actions).enumerate() {
                let p = params![
                    r.fixmedins_hilist_id,
                    r.med_list_codg,
                    r.name,
                    r.genname,
                    r.dosform,
                    r.spec,
                    r.unit,
                    r.prdr_name,
                    r.aprvno,
                    r.rx_flag,
                    r.price.to_string(),
                    r.barcode,
                    e4(r.pack_size),
                    r.min_unit,
                    r.trace_prefix,
                    r.circulation,
                    r.self_pay as i64,
                    r.reference_price.map(|p| p.to_string()),
                    r.pinyin,
                    r.cold_chain as i64,
                    r.warnings,
                    r.contraindications,
                    r.nego_drug as i64
                ];
                match action {
                    Action::Insert => {
                        insert.execute(p).map_err(StoreError::sql("import catalogue"))?;
                    }
                    Action::Update => {
                        update.execute(p).map_err(StoreError::sql("import catalogue"))?;
                    }
                    Action::Keep => {}
                }
                tick(progress, ImportPhase::Writing, i + 1, total);
            }
            crate::auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "catalogue.import",
                &serde_json::json!({
                    "inserted": report.inserted,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                }),
            )?;
            report.committed = true;
            Ok(report)
        })?;
        tracing::info!(
            inserted = report.inserted,
            updated = report.updated,
            unchanged = report.unchanged,
            by = by.login(),
            "catalogue imported"
        );
        Ok(report)
    }

    /// All active products, in id order.
    pub fn catalogue(&self) -> Result<Vec<CatalogueRow>> {
        self.read(|c| query_drugs(c, "active = 1", []))
            .map(|v| v.into_iter().map(|(_, r)| r).collect())
    }

    /// All active products with their drug row ids, in id order.
    pub fn catalogue_with_ids(&self) -> Result<Vec<(i64, CatalogueRow)>> {
        self.read(|c| query_drugs(c, "active = 1", []))
    }

    /// A product by the pharmacy's id (active or not), with its drug row id.
    pub fn product(&self, fixmedins_hilist_id: &str) -> Result<Option<(i64, CatalogueRow)>> {
        self.read(|c| query_drugs(c, "fixmedins_hilist_id = ?1", [fixmedins_hilist_id]))
            .map(|v| v.into_iter().next())
    }

    /// A product by its drug row id (active or not).
    pub fn product_by_id(&self, drug_id: i64) -> Result<Option<CatalogueRow>> {
        self.read(|c| query_drugs(c, "id = ?1", [drug_id]))
            .map(|v| v.into_iter().next().map(|(_, r)| r))
    }

    /// Active products carrying this barcode (GTIN) on the box.
    pub fn products_by_barcode(&self, barcode: &str) -> Result<Vec<(i64, CatalogueRow)>> {
        let b = rxdesk_core::text::to_half_width(barcode.trim());
        if b.is_empty() {
            return Ok(Vec::new());
        }
        // `barcode <> ''` lets SQLite use the partial index.
        self.read(|c| query_drugs(c, "barcode = ?1 AND barcode <> '' AND active = 1", [&b]))
    }

    /// Active products whose trace codes start with these 7 digits.
    pub fn products_by_trace_prefix(&self, prefix7: &str) -> Result<Vec<(i64, CatalogueRow)>> {
        let p = rxdesk_core::text::to_half_width(prefix7.trim());
        if p.len() != 7 {
            return Ok(Vec::new());
        }
        self.read(|c| {
            query_drugs(
                c,
                "trace_prefix = ?1 AND trace_prefix <> '' AND active = 1",
                [&p],
            )
        })
    }

    /// Active products with this 医保目录编码.
    pub fn products_by_med_list_codg(&self, codg: &str) -> Result<Vec<(i64, CatalogueRow)>> {
        let codg = codg.trim();
        if codg.is_empty() {
            return Ok(Vec::new());
        }
        self.read(|c| query_drugs(c, "med_list_codg = ?1 AND active = 1", [codg]))
    }

    /// Imports stock batches from CSV ([`STOCK_COLUMNS`]; `quantity` in
    /// packs, `store` `traced` | `nocode`). All-or-nothing. A batch number
    /// already in the store with the same product, lot, dates and store is
    /// left as it is (counted `unchanged`, its quantity not added twice); one
    /// that differs is an error.
    pub fn import_stock_csv(&self, by: &Session, csv: &[u8]) -> Result<ImportReport> {
        self.import_stock(by, csv, ImportFormat::Csv, ImportMode::Commit, &mut |_| {})
    }

    /// Imports a stock file (CSV or XLSX, [`STOCK_COLUMNS`]) as
    /// [`Self::import_stock_csv`] does; [`ImportMode::Preview`] checks and
    /// counts (added, unchanged) without writing.
    pub fn import_stock(
        &self,
        by: &Session,
        bytes: &[u8],
        format: ImportFormat,
        mode: ImportMode,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        by.require(Permission::Administer)?;
        progress(ImportProgress {
            phase: ImportPhase::Reading,
            done: 0,
            total: 1,
        });
        let (records, pos, mut errors) =
            match read_table(bytes, format, &STOCK_COLUMNS, &STOCK_COLUMNS[..6]) {
                Ok(x) => x,
                Err(report) => return Ok(report),
            };
        let now = self.now_ms();
        let today = chrono::DateTime::from_timestamp_millis(now)
            .unwrap_or_default()
            .with_timezone(&rxdesk_core::time::cst())
            .date_naive();
        #[allow(clippy::type_complexity)]
        let (drugs, batches): (
            HashMap<String, i64>,
            HashMap<String, (i64, String, String, String, String)>,
        ) = self.read(|c| {
            let mut st = c
                .prepare("SELECT fixmedins_hilist_id, id FROM drugs")
                .map_err(StoreError::sql("read catalogue"))?;
            let drugs = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(StoreError::sql("read catalogue"))?
                .collect::<std::result::Result<HashMap<_, _>, _>>()
                .map_err(StoreError::sql("read catalogue"))?;
            let mut st = c
                .prepare(
                    "SELECT fixmedins_bchno, drug_id, manu_lotnum, manu_date, expy_end, store FROM stock_batches",
                )
                .map_err(StoreError::sql("read stock"))?;
            let batches = st
                .query_map([], |r| {
                    Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
                })
                .map_err(StoreError::sql("read stock"))?
                .collect::<std::result::Result<HashMap<_, _>, _>>()
                .map_err(StoreError::sql("read stock"))?;
            Ok((drugs, batches))
        })?;
        struct NewRow {
            drug_id: i64,
            bchno: String,
            lot: String,
            manu: String,
            expy: String,
            qty_e4: i64,
            store: String,
        }
        let mut rows = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut unchanged = 0usize;
        let total = records.len();
        for (i, rec) in records.iter().enumerate() {
            tick(progress, ImportPhase::Checking, i + 1, total);
            let mut f = Fields::new(rec, &pos);
            let hilist = f.required("fixmedins_hilist_id", "目录编号");
            let drug_id = drugs.get(&hilist).copied();
            if drug_id.is_none() && !hilist.is_empty() {
                let h = clip(&hilist, 30);
                f.bad(
                    format!("目录中没有编号为“{h}”的商品：请先导入商品目录"),
                    format!("No product \"{h}\" in the catalogue: import the catalogue first"),
                );
            }
            let bchno = f.required("fixmedins_bchno", "批次流水号");
            let lot = f.required("manu_lotnum", "生产批号");
            let manu = f.date("manu_date", "生产日期");
            let expy = f.date("expy_end", "有效期止");
            if let (Some(m), Some(e)) = (manu, expy) {
                if m > e {
                    f.bad(
                        format!("生产日期 {m} 晚于有效期止 {e}，请核对"),
                        format!("manu_date {m} is after expy_end {e}"),
                    );
                }
                if m > today {
                    f.bad(
                        format!("生产日期 {m} 在今天（{today}）之后，请核对"),
                        format!("manu_date {m} is after today ({today})"),
                    );
                }
            }
            let qty = f.quantity("quantity", "数量（盒）", true);
            let store = match f.raw("store") {
                "" | "traced" => "traced".to_string(),
                "nocode" => "nocode".to_string(),
                other => {
                    let o = clip(other, 20);
                    f.bad(
                        format!("库别（store）“{o}”应为 traced（追溯码库）或 nocode（无码库）"),
                        format!("store \"{o}\" must be traced or nocode (无码库)"),
                    );
                    String::new()
                }
            };
            if !bchno.is_empty() {
                if let Some(first) = seen.insert(bchno.clone(), rec.line) {
                    let b = clip(&bchno, 30);
                    f.bad(
                        format!("批次流水号“{b}”与第 {first} 行重复"),
                        format!("fixmedins_bchno \"{b}\" repeats line {first}"),
                    );
                }
            }
            let (Some(drug_id), Some(manu), Some(expy), Some(qty)) = (drug_id, manu, expy, qty)
            else {
                errors.push(f.into_bad());
                continue;
            };
            let (manu, expy) = (manu.to_string(), expy.to_string());
            let mut skip = false;
            if let Some((d, l, m, e, s)) = batches.get(&bchno) {
                if (*d, l, m, e, s) == (drug_id, &lot, &manu, &expy, &store) {
                    skip = true;
                } else {
                    let b = clip(&bchno, 30);
                    f.bad(
                        format!("批次流水号“{b}”已在库存中且内容不同：批次流水号不可重复使用"),
                        format!("fixmedins_bchno \"{b}\" is already in stock with other details: a batch number is never reused"),
                    );
                }
            }
            if !f.problems.is_empty() {
                errors.push(f.into_bad());
            } else if skip {
                unchanged += 1;
            } else {
                rows.push(NewRow {
                    drug_id,
                    bchno,
                    lot,
                    manu,
                    expy,
                    qty_e4: e4(qty),
                    store,
                });
            }
        }
        if !errors.is_empty() {
            return Ok(ImportReport::failed(errors));
        }
        if rows.is_empty() && unchanged == 0 {
            return Ok(ImportReport::failed(vec![BadRecord {
                line: 0,
                zh: "文件只有表头，没有批次：请在表头下每行填写一个批次".into(),
                en: "The file has a header but no batch: one batch per line below it".into(),
            }]));
        }
        if mode == ImportMode::Preview {
            return Ok(ImportReport {
                inserted: rows.len(),
                unchanged,
                ..ImportReport::default()
            });
        }
        let total = rows.len();
        let inserted = self.write("import stock", |tx| {
            let mut st = tx
                .prepare(
                    "INSERT INTO stock_batches (drug_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end, qty_e4, store)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(StoreError::sql("import stock"))?;
            for (i, r) in rows.iter().enumerate() {
                st.execute(params![r.drug_id, r.bchno, r.lot, r.manu, r.expy, r.qty_e4, r.store])
                    .map_err(StoreError::sql("import stock"))?;
                tick(progress, ImportPhase::Writing, i + 1, total);
            }
            crate::auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "stock.import",
                &serde_json::json!({"inserted": rows.len(), "unchanged": unchanged}),
            )?;
            Ok(rows.len())
        })?;
        tracing::info!(inserted, unchanged, by = by.login(), "stock imported");
        Ok(ImportReport {
            inserted,
            unchanged,
            committed: true,
            ..ImportReport::default()
        })
    }

    /// Every batch of a drug (expired and empty ones too), first expiry first.
    pub fn stock_batches(&self, drug_id: i64) -> Result<Vec<StockBatchRow>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT id, drug_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end, qty_e4, store
                     FROM stock_batches WHERE drug_id = ?1 ORDER BY expy_end, id",
                )
                .map_err(StoreError::sql("read stock"))?;
            let rows = st
                .query_map([drug_id], batch_from_row)
                .map_err(StoreError::sql("read stock"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read stock"));
            rows
        })
    }

    /// One batch by row id.
    pub fn stock_batch(&self, batch_id: i64) -> Result<Option<StockBatchRow>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, drug_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end, qty_e4, store
                 FROM stock_batches WHERE id = ?1",
                [batch_id],
                batch_from_row,
            )
            .optional()
            .map_err(StoreError::sql("read stock"))
        })
    }

    /// True when this 20-digit trace code was sold here and not returned.
    pub fn trace_code_sold(&self, code: &str) -> Result<bool> {
        let code = rxdesk_core::text::to_half_width(code.trim());
        self.read(|c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM trace_codes WHERE code = ?1 AND returned = 0)",
                [code],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n == 1)
            .map_err(StoreError::sql("read trace codes"))
        })
    }

    /// When (`sold_at`, unix ms, oldest first) the prescription `hi_rxno`
    /// was dispensed here: its completed (not refunded) sales.
    pub fn dispensings_of(&self, hi_rxno: &str) -> Result<Vec<i64>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT s.sold_at FROM sales s JOIN prescriptions p ON p.id = s.prescription_id
                     WHERE p.hi_rxno = ?1 AND s.state = 'completed' ORDER BY s.sold_at, s.id",
                )
                .map_err(StoreError::sql("read sales"))?;
            let rows = st
                .query_map([hi_rxno], |r| r.get(0))
                .map_err(StoreError::sql("read sales"))?
                .collect::<std::result::Result<Vec<i64>, _>>()
                .map_err(StoreError::sql("read sales"));
            rows
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_ups_use_their_indexes() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::schema::migrations().to_latest(&mut c).unwrap();
        for (filter, index) in [
            (
                "barcode = ?1 AND barcode <> '' AND active = 1",
                "drugs_barcode",
            ),
            (
                "trace_prefix = ?1 AND trace_prefix <> '' AND active = 1",
                "drugs_trace_prefix",
            ),
            ("med_list_codg = ?1 AND active = 1", "drugs_med_list_codg"),
        ] {
            let plan: Vec<String> = c
                .prepare(&format!(
                    "EXPLAIN QUERY PLAN SELECT {DRUG_COLUMNS} FROM drugs WHERE {filter} ORDER BY id"
                ))
                .unwrap()
                .query_map(["x"], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<std::result::Result<_, _>>()
                .unwrap();
            assert!(plan.iter().any(|p| p.contains(index)), "{filter}: {plan:?}");
        }
    }

    #[test]
    fn migration_3_gives_existing_rows_their_defaults() {
        let mut c = Connection::open_in_memory().unwrap();
        let m = crate::schema::migrations();
        m.to_version(&mut c, 2).unwrap();
        c.execute_batch(
            "INSERT INTO drugs (fixmedins_hilist_id, med_list_codg, name, unit, price)
                 VALUES ('OLD1', 'XJ01CAA040A001010100001', '阿莫西林胶囊', '盒', '12.500000');
             INSERT INTO stock_batches (drug_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end, qty_e4)
                 VALUES (1, 'B1', 'L1', '2025-01-01', '2027-01-01', 30000);",
        )
        .unwrap();
        m.to_latest(&mut c).unwrap();
        let (id, row) = query_drugs(&c, "fixmedins_hilist_id = ?1", ["OLD1"])
            .unwrap()
            .remove(0);
        assert_eq!(id, 1);
        assert_eq!(
            (
                row.barcode.as_str(),
                row.pack_size,
                row.min_unit.as_str(),
                row.trace_prefix.as_str(),
                row.circulation.as_str(),
                row.self_pay,
                row.reference_price,
                row.pinyin.as_str()
            ),
            ("", Decimal::ONE, "盒", "", "", false, None, "amxljn")
        );
        let store: String = c
            .query_row("SELECT store FROM stock_batches WHERE id = 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(store, "traced");
        // The new CHECKs hold.
        assert!(c
            .execute("UPDATE drugs SET trace_prefix = '12345' WHERE id = 1", [])
            .is_err());
        assert!(c
            .execute("UPDATE stock_batches SET store = 'cold' WHERE id = 1", [])
            .is_err());
    }

    #[test]
    fn circulation_reads_codes_names_and_legacy_codes() {
        assert_eq!(parse_circulation(""), Ok(vec![]));
        assert_eq!(
            parse_circulation("疫苗；narcotic、 hosp_prep"),
            Ok(vec![
                RestrictedClass::Narcotic,
                RestrictedClass::Vaccine,
                RestrictedClass::HospitalPreparation
            ])
        );
        assert_eq!(
            parse_circulation("VACCINE"),
            Ok(vec![RestrictedClass::Vaccine])
        );
        assert_eq!(
            parse_circulation("narcotic;drugs;毒品"),
            Err(vec!["drugs".to_string(), "毒品".to_string()])
        );
        assert_eq!(CIRCULATION_CODES.len(), RestrictedClass::ALL.len());
        for (c, k) in CIRCULATION_CODES.iter().zip(RestrictedClass::ALL) {
            assert_eq!(*c, k.code());
        }
    }

    proptest::proptest! {
        /// Any set of classes, each written as its code or its zh-CN name,
        /// with any of the separators, reads back as that set; the
        /// canonical field reads back the same.
        #[test]
        fn any_class_set_reads_back(
            picks in proptest::collection::vec((0usize..14, proptest::bool::ANY, 0usize..5), 0..6)
        ) {
            let seps = [";", "；", "、", "|", " / "];
            let mut text = String::new();
            let mut want: Vec<RestrictedClass> = Vec::new();
            for (i, (k, zh, sep)) in picks.iter().enumerate() {
                let c = RestrictedClass::ALL[*k];
                if i > 0 {
                    text.push_str(seps[*sep]);
                }
                text.push_str(if *zh { c.label_zh() } else { c.code() });
                want.push(c);
            }
            want.sort();
            want.dedup();
            let got = parse_circulation(&text).unwrap();
            proptest::prop_assert_eq!(&got, &want);
            let field = circulation_field(&got);
            proptest::prop_assert_eq!(parse_circulation(&field).unwrap(), want);
        }

        #[test]
        fn any_text_is_read_or_named(s in "\\PC{0,40}") {
            match parse_circulation(&s) {
                Ok(classes) => proptest::prop_assert!(classes.len() <= 14),
                Err(bad) => proptest::prop_assert!(!bad.is_empty()),
            }
        }
    }

    #[test]
    fn gtin_check_digits() {
        // Real GTIN-13 and GTIN-8 examples.
        assert!(gtin_valid("6901234567892"));
        assert!(gtin_valid("4006381333931"));
        assert!(gtin_valid("96385074"));
        assert!(gtin_valid("00012345600012"));
        assert!(!gtin_valid("6901234567891"));
        assert!(!gtin_valid("690123456789"));
        assert!(!gtin_valid("69012345678９2"));
        assert!(!gtin_valid(""));
        assert_eq!(gtin_check_digit("690123456789"), Some('2'));
        assert_eq!(gtin_check_digit("12345"), None);
    }
}
