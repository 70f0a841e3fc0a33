//! The chain catalogue's CSV import (`rxdesk-hq products import FILE.csv`).
//!
//! Why by hand: the file is small and its shape fixed (a header row naming
//! the `rxdesk_sync::Product` fields, comma-separated, double quotes around
//! fields that hold commas or quotes); a hand parser is a screenful and
//! never panics on a damaged file (proptest below).

use std::str::FromStr;

use rust_decimal::Decimal;
use rxdesk_sync::Product;

/// The columns a catalogue file must name (any order).
pub const COLUMNS: [&str; 12] = [
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
    "active",
];

/// Splits CSV text into records of fields (RFC 4180 quoting).
pub fn records(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rec = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => rec.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                rec.push(std::mem::take(&mut field));
                if !(rec.len() == 1 && rec[0].is_empty()) {
                    out.push(std::mem::take(&mut rec));
                }
                rec.clear();
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !rec.is_empty() {
        rec.push(field);
        out.push(rec);
    }
    out
}

/// Parses a catalogue file; an error names the line and what is wrong.
pub fn parse_products(text: &str) -> Result<Vec<Product>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut recs = records(text).into_iter();
    let head = recs.next().ok_or("the file is empty")?;
    let mut idx = [0usize; 12];
    for (i, c) in COLUMNS.iter().enumerate() {
        idx[i] = head
            .iter()
            .position(|h| h.trim() == *c)
            .ok_or_else(|| format!("the header lacks the column {c}"))?;
    }
    let mut out = Vec::new();
    for (n, r) in recs.enumerate() {
        let line = n + 2;
        let get = |i: usize| -> Result<String, String> {
            r.get(idx[i])
                .map(|s| s.trim().to_string())
                .ok_or_else(|| format!("line {line}: too few fields"))
        };
        let price = Decimal::from_str(&get(10)?)
            .map_err(|_| format!("line {line}: the price is not a decimal"))?;
        if price.is_sign_negative() {
            return Err(format!("line {line}: a negative price"));
        }
        let active = match get(11)?.as_str() {
            "1" | "true" | "是" => true,
            "0" | "false" | "否" => false,
            _ => return Err(format!("line {line}: active is 1 or 0")),
        };
        let id = get(0)?;
        if id.is_empty() {
            return Err(format!("line {line}: no fixmedins_hilist_id"));
        }
        out.push(Product {
            fixmedins_hilist_id: id,
            med_list_codg: get(1)?,
            name: get(2)?,
            genname: get(3)?,
            dosform: get(4)?,
            spec: get(5)?,
            unit: get(6)?,
            prdr_name: get(7)?,
            aprvno: get(8)?,
            rx_flag: get(9)?,
            price,
            active,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_catalogue_file_parses_with_quotes_and_any_column_order() {
        let text = "\u{feff}name,fixmedins_hilist_id,med_list_codg,genname,dosform,spec,unit,prdr_name,aprvno,rx_flag,price,active\r\n\
                    \"布洛芬缓释胶囊, 0.3g\",H001,XF01,布洛芬,胶囊,0.3g*20,盒,\"某某\"\"药业\",国药准字H1,0,25.50,1\n";
        let p = parse_products(text).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].name, "布洛芬缓释胶囊, 0.3g");
        assert_eq!(p[0].prdr_name, "某某\"药业");
        assert_eq!(p[0].price, Decimal::new(2550, 2));
        assert!(p[0].active);
        assert!(parse_products("fixmedins_hilist_id\nH1\n")
            .unwrap_err()
            .contains("med_list_codg"));
    }

    proptest! {
        #[test]
        fn any_text_parses_or_is_refused(s in ".{0,300}") {
            let _ = parse_products(&s);
        }
    }
}
