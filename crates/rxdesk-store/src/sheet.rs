//! One reader for the two file formats a pharmacy exports its catalogue and
//! stock in: CSV (through [`crate::csvread`]) and XLSX (through `calamine`,
//! docs/decisions/0011). Both become the same [`Record`]s — text fields and
//! the 1-based line (spreadsheet row) each starts on — so the catalogue and
//! stock imports check one shape and a bad line is named the same way in
//! both formats ("第 N 行" is the row number the manager sees in Excel).
//!
//! XLSX cells are turned into the text a person would type: whole numbers
//! without `.0` (a barcode typed as a number stays `6901234567892`), other
//! numbers as their shortest round-trip decimal (`12.5`), dates as
//! `yyyy-MM-dd`, booleans as `1`/`0`. Money is then parsed from that text as
//! a decimal, never kept as a float. A formula error cell (`#N/A`) is a bad
//! line with its column named. Malformed files are reported, never a panic.

use crate::csvread::{self, BadRecord, Record};
use calamine::{Data, Reader, Xlsx};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// The formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportFormat {
    /// UTF-8 CSV with a header line.
    Csv,
    /// Office Open XML workbook; the first worksheet is read.
    Xlsx,
}

impl ImportFormat {
    /// The format a file name's extension names (`.csv`, `.xlsx`, any case).
    pub fn from_file_name(name: &str) -> Option<Self> {
        let lower = name.trim().to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Self::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(Self::Xlsx)
        } else {
            None
        }
    }
}

/// Every record of the file (header first), and the records that could not
/// be read.
pub(crate) type Records = Vec<Result<Record, BadRecord>>;

/// Reads `bytes` in `format`. `Err` is a problem with the file as a whole.
pub(crate) fn read(bytes: &[u8], format: ImportFormat) -> Result<Records, BadRecord> {
    match format {
        ImportFormat::Csv => csvread::decode(bytes).map(csvread::records),
        ImportFormat::Xlsx => read_xlsx(bytes),
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Records, BadRecord> {
    let not_xlsx = || {
        BadRecord {
        line: 0,
        zh: "文件不是有效的 Excel 工作簿（.xlsx）：请在表格软件中另存为 .xlsx 或 CSV UTF-8 后重新导入"
            .into(),
        en: "The file is not a valid Excel workbook (.xlsx): save it again as .xlsx or CSV UTF-8 and import it again"
            .into(),
    }
    };
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let range = match wb.worksheet_range_at(0) {
        None => {
            return Err(BadRecord {
                line: 0,
                zh: "工作簿中没有工作表".into(),
                en: "The workbook has no worksheet".into(),
            })
        }
        Some(Err(_)) => return Err(not_xlsx()),
        Some(Ok(r)) => r,
    };
    let Some((start_row, start_col)) = range.start() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(range.height());
    for (i, row) in range.rows().enumerate() {
        let line = start_row as usize + i + 1;
        // Columns left of the used range are empty in the sheet too.
        let mut fields: Vec<String> = vec![String::new(); start_col as usize];
        let mut bad: Option<BadRecord> = None;
        for (j, cell) in row.iter().enumerate() {
            match cell_text(cell) {
                Ok(t) => fields.push(t),
                Err(code) => {
                    let col = column_name(start_col as usize + j);
                    bad.get_or_insert(BadRecord {
                        line,
                        zh: format!("单元格 {col}{line} 是错误值 {code}：请改为数值或文字"),
                        en: format!(
                            "Cell {col}{line} holds the error {code}: replace it with a value"
                        ),
                    });
                    fields.push(String::new());
                }
            }
        }
        while fields.last().is_some_and(String::is_empty) && fields.len() > 1 {
            fields.pop();
        }
        if let Some(b) = bad {
            out.push(Err(b));
        } else if fields.iter().all(|f| f.trim().is_empty()) {
            // A blank row, as a blank CSV line: skipped.
        } else {
            out.push(Ok(Record { line, fields }));
        }
    }
    Ok(out)
}

/// `A`, `B`, … `Z`, `AA`, … for a 0-based column.
fn column_name(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The text a person would have typed into the cell; `Err` the error code.
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, hh, mm, ss, _) = d.to_ymd_hms_milli();
            if d.is_datetime() && (hh, mm, ss) != (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02} {hh:02}:{mm:02}:{ss:02}")
            } else if d.is_datetime() {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                float_text(d.as_f64())
            }
        }
        Data::Error(e) => return Err(e.to_string()),
    })
}

/// Whole numbers without a decimal point; others as Rust's shortest
/// round-trip form (`12.5`, never `12.499999…`). Not finite: empty text (the
/// field's own check then says it is missing).
pub(crate) fn float_text(f: f64) -> String {
    if !f.is_finite() {
        String::new()
    } else if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(
            ImportFormat::from_file_name("目录.XLSX"),
            Some(ImportFormat::Xlsx)
        );
        assert_eq!(
            ImportFormat::from_file_name("stock.csv"),
            Some(ImportFormat::Csv)
        );
        assert_eq!(ImportFormat::from_file_name("old.xls"), None);
    }

    #[test]
    fn columns_are_named_like_excel() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(float_text(12.5), "12.5");
        assert_eq!(float_text(24.0), "24");
        assert_eq!(float_text(6_901_234_567_892.0), "6901234567892");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float_text(f64::NAN), "");
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        let e = read(b"PK\x03\x04 not really", ImportFormat::Xlsx).unwrap_err();
        assert_eq!(e.line, 0);
        assert!(e.zh.contains(".xlsx"), "{}", e.zh);
        assert!(e.en.contains("Excel"), "{}", e.en);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = read(&bytes, ImportFormat::Xlsx);
            let _ = read(&bytes, ImportFormat::Csv);
        }

        #[test]
        fn a_decimal_typed_as_a_number_reads_back_exactly(cents in 0u64..100_000_000) {
            // What Excel stores for a price typed as 123.45 is the nearest
            // double; its shortest round-trip text is the typed decimal.
            let typed = format!("{}.{:02}", cents / 100, cents % 100);
            let f: f64 = typed.parse().unwrap();
            let back = float_text(f);
            let a = rust_decimal::Decimal::from_str_exact(&back).unwrap();
            let b = rust_decimal::Decimal::from_str_exact(&typed).unwrap();
            proptest::prop_assert_eq!(a, b);
        }
    }
}
