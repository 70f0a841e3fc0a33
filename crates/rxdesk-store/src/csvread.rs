//! A small RFC 4180 reader for the catalogue and stock imports: comma
//! separated, `"` quoting with `""` as an escaped quote, records ended by LF
//! or CRLF, quoted fields may span lines. Blank lines are skipped. Every
//! record carries the (1-based) line it starts on, so an import error can
//! say "第 N 行". Malformed records are reported, never a panic.

/// One record and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// 1-based line of the record's first character.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// A record (or file) that could not be read: its first line (0 for the
/// file as a whole) and a sentence in zh-CN and en-US.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadRecord {
    /// 1-based line, 0 for the whole file.
    pub line: usize,
    /// zh-CN sentence.
    pub zh: String,
    /// en-US sentence.
    pub en: String,
}

fn bad(line: usize, zh: &str, en: &str) -> BadRecord {
    BadRecord {
        line,
        zh: zh.to_string(),
        en: en.to_string(),
    }
}

/// Decodes the file as UTF-8 (an optional BOM is dropped). On failure
/// returns the line of the first bad byte.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, BadRecord> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        bad(
            line,
            "文件不是 UTF-8 编码（可能是 GBK）：请在表格软件中“另存为 CSV UTF-8”后重新导入",
            "The file is not UTF-8 (perhaps GBK): save it as \"CSV UTF-8\" and import it again",
        )
    })
}

/// Splits `text` into records.
pub(crate) fn records(text: &str) -> Vec<Result<Record, BadRecord>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted_any = false;
        let mut error: Option<(&str, &str)> = None;
        // One record.
        loop {
            // Start of a field.
            let mut quoted = false;
            if chars.peek() == Some(&'"') {
                chars.next();
                quoted = true;
                quoted_any = true;
                let mut closed = false;
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            field.push('"');
                        } else {
                            closed = true;
                            break;
                        }
                    } else {
                        if c == '\n' {
                            line += 1;
                        }
                        field.push(c);
                    }
                }
                if !closed {
                    error = Some((
                        "引号没有闭合（从这一行开始的字段缺少结尾的 \"）",
                        "A quote is not closed (a field starting on this line lacks its closing \")",
                    ));
                    break;
                }
            }
            // Rest of the field (unquoted text, or what follows a closing quote).
            let mut end_of_record = true;
            while let Some(&c) = chars.peek() {
                match c {
                    ',' => {
                        chars.next();
                        end_of_record = false;
                        break;
                    }
                    '\n' => {
                        chars.next();
                        line += 1;
                        break;
                    }
                    '\r' => {
                        chars.next();
                        if chars.peek() == Some(&'\n') {
                            chars.next();
                        }
                        line += 1;
                        break;
                    }
                    '"' => {
                        if error.is_none() {
                            error = Some((
                                "引号位置不正确：含逗号或引号的字段须整体用双引号括起，字段内的引号写成两个（\"\"）",
                                "A quote is misplaced: quote a whole field that holds a comma or quote, and double quotes inside it (\"\")",
                            ));
                        }
                        chars.next();
                    }
                    _ => {
                        chars.next();
                        if quoted {
                            if error.is_none() {
                                error = Some((
                                    "结尾引号之后不能再有字符，应紧跟逗号或换行",
                                    "Nothing may follow a closing quote but a comma or a line break",
                                ));
                            }
                        } else {
                            field.push(c);
                        }
                    }
                }
            }
            fields.push(std::mem::take(&mut field));
            if end_of_record {
                break;
            }
        }
        match error {
            Some((zh, en)) => out.push(Err(bad(start, zh, en))),
            None => {
                let blank = !quoted_any && fields.len() == 1 && fields[0].trim().is_empty();
                if !blank {
                    out.push(Ok(Record {
                        line: start,
                        fields,
                    }));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<(usize, Vec<String>)> {
        records(text)
            .into_iter()
            .map(|r| {
                let r = r.unwrap();
                (r.line, r.fields)
            })
            .collect()
    }

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plain_quoted_crlf_and_blank_lines() {
        let got = ok("a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\n\n\"multi\nline\",,end\n");
        assert_eq!(
            got,
            vec![
                (1, v(&["a", "b", "c"])),
                (2, v(&["1", "x,y", "he said \"hi\""])),
                (4, v(&["multi\nline", "", "end"])),
            ]
        );
        // No final newline, trailing empty field.
        assert_eq!(ok("a,"), vec![(1, v(&["a", ""]))]);
        assert_eq!(ok(""), vec![]);
        // A quoted empty field is a record, not a blank line.
        assert_eq!(ok("\"\"\n"), vec![(1, v(&[""]))]);
    }

    #[test]
    fn malformed_records_are_reported_with_their_line() {
        let r = records("a,b\n1,\"open\n2,3\n");
        assert_eq!(r.len(), 2);
        assert!(r[0].is_ok());
        let e = r[1].clone().unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.zh.contains("引号"), "{}", e.zh);
        assert!(e.en.contains("quote"), "{}", e.en);

        let r = records("a\"b,c\nok,1\n\"x\"y,z\n");
        assert_eq!(r[0].clone().unwrap_err().line, 1);
        assert_eq!(r[1].clone().unwrap().fields, v(&["ok", "1"]));
        assert_eq!(r[2].clone().unwrap_err().line, 3);
    }

    #[test]
    fn decode_strips_bom_and_names_the_bad_line() {
        assert_eq!(decode(b"\xEF\xBB\xBFa,b").unwrap(), "a,b");
        let e = decode(b"a\nb\n\xB0\xA2").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.zh.contains("UTF-8"));
        assert!(e.en.contains("UTF-8"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_round_trips_quoted_fields(
            rows in proptest::collection::vec(proptest::collection::vec(".{0,8}", 1..5), 1..6)
        ) {
            let mut text = String::new();
            for row in &rows {
                let fields: Vec<String> = row.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
                text.push_str(&fields.join(","));
                text.push_str("\r\n");
            }
            let got: Vec<Vec<String>> = records(&text).into_iter().map(|r| r.unwrap().fields).collect();
            proptest::prop_assert_eq!(got, rows);
        }

        #[test]
        fn arbitrary_text_never_panics(s in "(?s).{0,200}") {
            let _ = records(&s);
        }
    }
}
