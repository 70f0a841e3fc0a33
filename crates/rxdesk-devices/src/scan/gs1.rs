//! GS1 element strings (the content of a GS1 DataMatrix or GS1-128 code).
//!
//! A GS1 code is a run of *application identifiers* (AIs) each followed by
//! its data. Fixed-length AIs run straight into the next AI; variable-length
//! ones end at a GS (0x1D, "FNC1") or at the end of the code. Drug packs
//! carry (01) GTIN, (17) expiry YYMMDD, (10) lot, (21) serial.

use std::fmt;

/// The group separator that ends a variable-length GS1 field.
pub const GS: char = '\u{1d}';

/// One parsed GS1 code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Gs1 {
    /// Every element in order, as (AI, data).
    pub elements: Vec<(String, String)>,
}

impl Gs1 {
    /// The data of the first element with this AI.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|(a, _)| a == ai)
            .map(|(_, v)| v.as_str())
    }
    /// (01) the 14-digit GTIN.
    pub fn gtin(&self) -> Option<&str> {
        self.get("01")
    }
    /// (17) expiry date, YYMMDD.
    pub fn expiry(&self) -> Option<&str> {
        self.get("17")
    }
    /// (10) batch / lot.
    pub fn lot(&self) -> Option<&str> {
        self.get("10")
    }
    /// (21) serial number.
    pub fn serial(&self) -> Option<&str> {
        self.get("21")
    }
}

/// Why a GS1 element string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    /// An AI this parser does not know (so its length is unknown).
    #[error("unknown GS1 application identifier at offset {offset}")]
    UnknownAi {
        /// Byte offset in the data.
        offset: usize,
    },
    /// A fixed-length field is cut short.
    #[error("GS1 field ({ai}) is truncated")]
    Truncated {
        /// The AI.
        ai: String,
    },
    /// A field has the wrong characters (e.g. letters in a date) or is too long.
    #[error("GS1 field ({ai}) is malformed")]
    Malformed {
        /// The AI.
        ai: String,
    },
    /// The GTIN check digit does not match.
    #[error("GS1 GTIN check digit is wrong")]
    BadCheckDigit,
    /// Nothing after the symbology identifier.
    #[error("empty GS1 code")]
    Empty,
}

/// (AI digits, fixed data length or None for variable, maximum data length, numeric only)
struct AiSpec {
    ai_len: usize,
    fixed: Option<usize>,
    max: usize,
    numeric: bool,
}

fn spec_for(rest: &str) -> Option<AiSpec> {
    let b = rest.as_bytes();
    if b.len() < 2 || !b[0].is_ascii_digit() || !b[1].is_ascii_digit() {
        return None;
    }
    let two = &rest[..2];
    let fixed = |ai_len, n| {
        Some(AiSpec {
            ai_len,
            fixed: Some(n),
            max: n,
            numeric: true,
        })
    };
    let var = |ai_len, max, numeric| {
        Some(AiSpec {
            ai_len,
            fixed: None,
            max,
            numeric,
        })
    };
    match two {
        "00" => fixed(2, 18),
        "01" | "02" | "03" => fixed(2, 14),
        "11" | "12" | "13" | "15" | "16" | "17" => fixed(2, 6),
        "20" => fixed(2, 2),
        "10" | "21" | "22" => var(2, 20, false),
        "30" | "37" => var(2, 8, true),
        "90" | "91" | "92" | "93" | "94" | "95" | "96" | "97" | "98" | "99" => var(2, 90, false),
        "24" | "25" | "40" | "42" | "71" => {
            if b.len() < 3 || !b[2].is_ascii_digit() {
                return None;
            }
            var(3, 30, false)
        }
        "41" => {
            if b.len() < 3 || !b[2].is_ascii_digit() {
                return None;
            }
            fixed(3, 13)
        }
        "31" | "32" | "33" | "34" | "35" | "36" => {
            if b.len() < 4 || !b[2].is_ascii_digit() || !b[3].is_ascii_digit() {
                return None;
            }
            fixed(4, 6)
        }
        _ => None,
    }
}

/// GS1 mod-10 check over all digits (the last is the check digit).
pub fn gs1_check_digit_ok(digits: &str) -> bool {
    if digits.len() < 2 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let bytes = digits.as_bytes();
    let (body, check) = bytes.split_at(bytes.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                d * 3
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10 == u32::from(check[0] - b'0')
}

/// Parses a GS1 element string (symbology identifier already removed; a
/// leading GS, which some scanners send for the initial FNC1, is skipped).
pub fn parse_gs1(data: &str) -> Result<Gs1, Gs1Error> {
    let data = data.trim_start_matches(GS);
    if data.is_empty() {
        return Err(Gs1Error::Empty);
    }
    let mut elements = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let rest = &data[pos..];
        if let Some(stripped) = rest.strip_prefix(GS) {
            pos += rest.len() - stripped.len();
            continue;
        }
        let spec = spec_for(rest).ok_or(Gs1Error::UnknownAi { offset: pos })?;
        let ai = rest[..spec.ai_len].to_string();
        let body = &rest[spec.ai_len..];
        let (value, consumed) = match spec.fixed {
            Some(n) => {
                let v = body
                    .get(..n)
                    .ok_or_else(|| Gs1Error::Truncated { ai: ai.clone() })?;
                if v.contains(GS) {
                    return Err(Gs1Error::Truncated { ai });
                }
                (v, n)
            }
            None => {
                let end = body.find(GS).unwrap_or(body.len());
                (&body[..end], end)
            }
        };
        let bad_chars = if spec.numeric {
            !value.bytes().all(|c| c.is_ascii_digit())
        } else {
            !value.bytes().all(|c| (0x21..=0x7e).contains(&c))
        };
        if value.is_empty() || value.chars().count() > spec.max || bad_chars {
            return Err(Gs1Error::Malformed { ai });
        }
        if matches!(ai.as_str(), "01" | "02" | "03") && !gs1_check_digit_ok(value) {
            return Err(Gs1Error::BadCheckDigit);
        }
        elements.push((ai, value.to_string()));
        pos += spec.ai_len + consumed;
    }
    Ok(Gs1 { elements })
}

impl fmt::Display for Gs1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (ai, v) in &self.elements {
            write!(f, "({ai}){v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_drug_pack_with_separators() {
        let g = parse_gs1("0106901234567892172612311012AB\u{1d}21SN0001").unwrap();
        assert_eq!(g.gtin(), Some("06901234567892"));
        assert_eq!(g.expiry(), Some("261231"));
        assert_eq!(g.lot(), Some("12AB"));
        assert_eq!(g.serial(), Some("SN0001"));
        assert_eq!(
            g.to_string(),
            "(01)06901234567892(17)261231(10)12AB(21)SN0001"
        );
    }

    #[test]
    fn rejects_bad_gtin_check_and_unknown_ai() {
        assert_eq!(parse_gs1("0106901234567893"), Err(Gs1Error::BadCheckDigit));
        assert!(matches!(parse_gs1("77xx"), Err(Gs1Error::UnknownAi { .. })));
        assert!(matches!(
            parse_gs1("01069012"),
            Err(Gs1Error::Truncated { .. })
        ));
        assert!(matches!(
            parse_gs1("17AB1231"),
            Err(Gs1Error::Malformed { .. })
        ));
    }

    #[test]
    fn check_digits() {
        assert!(gs1_check_digit_ok("6901234567892"));
        assert!(!gs1_check_digit_ok("6901234567891"));
        assert!(gs1_check_digit_ok("4006381333931"));
    }
}
