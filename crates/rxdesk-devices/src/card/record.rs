//! The social-security card basic-information record (pure parser).
//!
//! `ReadCardBas` / `iReadCardBas` write one `|`-delimited record:
//!
//! | # | field | example |
//! |---|---|---|
//! | 1 | 发卡地区行政区划代码 (region) | `110100` |
//! | 2 | 社会保障号码 (= ID number on 3rd-gen cards) | `110101199003071234` |
//! | 3 | 卡号 | `A12345678` |
//! | 4 | 卡识别码 | `110100D15600000500BF7C7A48FB4966` |
//! | 5 | 姓名 | `张三` |
//! | 6 | 卡复位信息 | `008C544CB3...` |
//! | 7 | 规范版本 | `3.00` |
//! | 8 | 发卡日期 YYYYMMDD | `20200101` |
//! | 9 | 卡有效期 YYYYMMDD | `20300101` |
//! | 10 | 终端机编号 | |
//! | 11 | 终端设备号 | |
//!
//! Fields 10–11 are optional and the record may end with `|`.

use serde::Serialize;

/// A parsed card record. `Debug` masks the numbers.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct CardRecord {
    /// 发卡地区行政区划代码 (6 digits).
    pub region: String,
    /// 社会保障号码.
    pub ss_number: String,
    /// 卡号.
    pub card_number: String,
    /// 卡识别码.
    pub card_sn: String,
    /// 姓名.
    pub name: String,
    /// 卡复位信息.
    pub reset_info: String,
    /// 规范版本.
    pub version: String,
    /// 发卡日期.
    pub issued: String,
    /// 卡有效期.
    pub expires: String,
    /// 终端机编号.
    pub terminal_no: Option<String>,
    /// 终端设备号.
    pub terminal_device: Option<String>,
}

impl std::fmt::Debug for CardRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use rxdesk_core::prescription::mask_id_number as m;
        f.debug_struct("CardRecord")
            .field("region", &self.region)
            .field("ss_number", &m(&self.ss_number))
            .field("card_number", &m(&self.card_number))
            .field("card_sn", &m(&self.card_sn))
            .field("name", &self.name)
            .field("version", &self.version)
            .field("issued", &self.issued)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// Why a record did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardRecordError {
    /// Fewer than 9 fields (often: the card was pulled mid-read).
    #[error("card record has {0} fields, expected at least 9")]
    TooFewFields(usize),
    /// A field is empty or has the wrong shape.
    #[error("card record field {field} is invalid")]
    BadField {
        /// field name
        field: &'static str,
    },
    /// More than 11 fields (not a card record).
    #[error("card record has {0} fields, expected at most 11")]
    TooManyFields(usize),
}

fn is_date(s: &str) -> bool {
    if s.len() != 8 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let m: u32 = s[4..6].parse().unwrap_or(0);
    let d: u32 = s[6..8].parse().unwrap_or(0);
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// Parses a card record (surrounding whitespace and NULs trimmed).
pub fn parse_card_record(raw: &str) -> Result<CardRecord, CardRecordError> {
    let raw = raw.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    let mut fields: Vec<&str> = raw.split('|').map(str::trim).collect();
    if fields.last() == Some(&"") {
        fields.pop();
    }
    if fields.len() < 9 {
        return Err(CardRecordError::TooFewFields(fields.len()));
    }
    if fields.len() > 11 {
        return Err(CardRecordError::TooManyFields(fields.len()));
    }
    let bad = |field| CardRecordError::BadField { field };
    let region = fields[0];
    if region.len() != 6 || !region.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad("region"));
    }
    let ss = fields[1];
    if ss.is_empty() || ss.len() > 20 || !ss.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad("ss_number"));
    }
    let card = fields[2];
    if card.is_empty() || card.len() > 20 || !card.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad("card_number"));
    }
    let sn = fields[3];
    if sn.is_empty() || sn.len() > 40 || !sn.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad("card_sn"));
    }
    let name = fields[4];
    if name.is_empty() || name.chars().count() > 50 || name.chars().any(char::is_control) {
        return Err(bad("name"));
    }
    if !is_date(fields[7]) {
        return Err(bad("issued"));
    }
    if !is_date(fields[8]) {
        return Err(bad("expires"));
    }
    let opt = |i: usize| {
        fields
            .get(i)
            .filter(|s| !s.is_empty())
            .map(|s| s.to_string())
    };
    Ok(CardRecord {
        region: region.into(),
        ss_number: ss.into(),
        card_number: card.into(),
        card_sn: sn.into(),
        name: name.into(),
        reset_info: fields[5].into(),
        version: fields[6].into(),
        issued: fields[7].into(),
        expires: fields[8].into(),
        terminal_no: opt(9),
        terminal_device: opt(10),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SAMPLE: &str = "110100|110101199003071234|A12345678|110100D15600000500BF7C7A48FB4966|张三|008C544CB386844A2F8E5D|3.00|20200101|20300101|T001|D001|";

    #[test]
    fn parses_a_full_record() {
        let r = parse_card_record(SAMPLE).unwrap();
        assert_eq!(r.name, "张三");
        assert_eq!(r.ss_number, "110101199003071234");
        assert_eq!(r.card_number, "A12345678");
        assert_eq!(r.expires, "20300101");
        assert_eq!(r.terminal_device.as_deref(), Some("D001"));
        assert!(!format!("{r:?}").contains("110101199003071234"));
    }

    #[test]
    fn rejects_truncated_and_bad_records() {
        // card pulled mid-read: record cut short
        assert_eq!(
            parse_card_record("110100|110101199003071234|A1234"),
            Err(CardRecordError::TooFewFields(3))
        );
        let bad_date = SAMPLE.replace("20300101", "20301301");
        assert_eq!(
            parse_card_record(&bad_date),
            Err(CardRecordError::BadField { field: "expires" })
        );
        assert_eq!(
            parse_card_record(&SAMPLE.replace("110100|1101", "11A100|1101")),
            Err(CardRecordError::BadField { field: "region" })
        );
        assert!(matches!(
            parse_card_record(&format!("{SAMPLE}x|y|z|")),
            Err(CardRecordError::TooManyFields(_))
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn never_panics(s in ".{0,300}") {
            let _ = parse_card_record(&s);
        }

        #[test]
        fn well_formed_records_round_trip(
            region in "[0-9]{6}", ss in "[0-9]{17}[0-9X]", card in "[A-Z0-9]{9}",
            sn in "[0-9A-F]{32}", name in "[\u{4e00}-\u{9fa5}]{2,4}",
            y in 1990u32..2099, m in 1u32..13, d in 1u32..29, trailing in any::<bool>()
        ) {
            let date = format!("{y:04}{m:02}{d:02}");
            let rec = format!("{region}|{ss}|{card}|{sn}|{name}|00|3.00|{date}|{date}{}", if trailing {"|"} else {""});
            let r = parse_card_record(&rec).unwrap();
            prop_assert_eq!(r.region, region);
            prop_assert_eq!(r.ss_number, ss);
            prop_assert_eq!(r.name, name);
            prop_assert_eq!(r.card_sn, sn);
        }
    }
}
