//! `HeaSecReadInfo` adapter: the national social-security card / ID card
//! reading library (Windows DLL and Linux x86_64 `.so`). C ABI in
//! [`crate::vendor::ffi`]: `Init(json, err)`, then `ReadCardBas(out, err)`
//! for the social-security card and `ReadSFZ(out, err)` for the ID card.

use super::{CardRead, CardReader, CardSource};
use crate::identity::{IdentityError, IdentityReader, IdentitySource, PatientIdentity};
use crate::vendor::ffi;
use crate::vendor::worker::{ffi_error, VendorThread};
use std::path::Path;
use std::time::Duration;

/// The library's name.
pub const LIBRARY: &str = "HeaSecReadInfo";

/// Which card `read_identity` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaSecCard {
    /// `ReadCardBas`
    SocialSecurity,
    /// `ReadSFZ`
    IdCard,
}

/// The HeaSecReadInfo reader.
#[derive(Debug)]
pub struct HeaSecReader {
    vendor: VendorThread,
    init_json: String,
    initialised: bool,
    card: HeaSecCard,
}

impl HeaSecReader {
    /// Loads the library (from `path`, or the loader's search path) and keeps
    /// the `Init` JSON (reader port, card-management service address…).
    pub fn open(
        path: Option<&Path>,
        init_json: &str,
        card: HeaSecCard,
    ) -> Result<Self, IdentityError> {
        let vendor = VendorThread::load(LIBRARY, path, Duration::from_secs(10))?;
        Ok(HeaSecReader {
            vendor,
            init_json: init_json.to_string(),
            initialised: false,
            card,
        })
    }

    fn ensure_init(&mut self, timeout: Duration) -> Result<(), IdentityError> {
        if self.initialised {
            return Ok(());
        }
        let json = self.init_json.clone();
        let (rc, err) = self
            .vendor
            .call(timeout, move |lib| ffi::heasec_init(lib, &json))?
            .map_err(|e| ffi_error(LIBRARY, e))?;
        if rc != 0 {
            return Err(IdentityError::ReadFailed {
                code: rc,
                message: if err.is_empty() {
                    "Init failed".into()
                } else {
                    err
                },
            });
        }
        self.initialised = true;
        Ok(())
    }
}

/// Parses `ReadSFZ` output: `姓名|性别|民族|出生日期|住址|公民身份号码|签发机关|有效期起|有效期止|`.
pub fn parse_id_card_record(raw: &str) -> Result<(String, String), IdentityError> {
    let f: Vec<&str> = raw
        .trim_matches(|c: char| c.is_whitespace() || c == '\0')
        .split('|')
        .map(str::trim)
        .collect();
    let bad = |d: &str| IdentityError::Malformed {
        library: LIBRARY.into(),
        detail: d.into(),
    };
    if f.len() < 6 {
        return Err(bad("ID card record has too few fields"));
    }
    let id = f[5];
    let id_ok = id.len() == 18
        && id.as_bytes()[..17].iter().all(u8::is_ascii_digit)
        && matches!(id.as_bytes()[17], b'0'..=b'9' | b'X' | b'x');
    if f[0].is_empty() || !id_ok {
        return Err(bad("ID card name or number invalid"));
    }
    Ok((f[0].to_string(), id.to_ascii_uppercase()))
}

impl IdentityReader for HeaSecReader {
    fn name(&self) -> &str {
        LIBRARY
    }

    fn read_identity(&mut self, timeout: Duration) -> Result<PatientIdentity, IdentityError> {
        match self.card {
            HeaSecCard::SocialSecurity => Ok(self.read_card(timeout)?.identity()),
            HeaSecCard::IdCard => {
                let out = self.call_two_buf("ReadSFZ", timeout)?;
                let (name, id) = parse_id_card_record(&out)?;
                Ok(PatientIdentity {
                    source: IdentitySource::IdCard,
                    name,
                    id_type: "01".into(),
                    id_number: id,
                    insurance_region: None,
                    ec_token: None,
                    card_number: None,
                    card_sn: None,
                })
            }
        }
    }
}

impl HeaSecReader {
    /// `ReadCardBas` / `ReadSFZ` through the vendor thread (after `Init`).
    fn call_two_buf(
        &mut self,
        symbol: &'static str,
        timeout: Duration,
    ) -> Result<String, IdentityError> {
        self.ensure_init(timeout)?;
        let (rc, out, err) = self
            .vendor
            .call(timeout, move |lib| ffi::heasec_two_buf(lib, symbol))?
            .map_err(|e| ffi_error(LIBRARY, e))?;
        if rc != 0 {
            return Err(IdentityError::ReadFailed {
                code: rc,
                message: if err.is_empty() {
                    format!("{symbol} 返回 {rc}")
                } else {
                    err
                },
            });
        }
        out.map_err(|e| ffi_error(LIBRARY, e))
    }
}

impl CardReader for HeaSecReader {
    fn name(&self) -> &str {
        LIBRARY
    }

    fn read_card(&mut self, timeout: Duration) -> Result<CardRead, IdentityError> {
        let out = self.call_two_buf("ReadCardBas", timeout)?;
        CardRead::parse(CardSource::HeaSec, &out)
    }

    fn ping(&mut self, timeout: Duration) -> Result<String, IdentityError> {
        self.ensure_init(timeout)?;
        Ok(format!("{LIBRARY}：初始化成功"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_card_record_checks_the_number_without_panicking() {
        let ok = "赵六|男|汉|19900307|北京市|11010119900307123x|公安局|20200101|20400101|";
        assert_eq!(
            parse_id_card_record(ok).unwrap(),
            ("赵六".to_string(), "11010119900307123X".to_string())
        );
        // 18 bytes, but a multibyte character straddles byte 17
        assert!(parse_id_card_record("a|b|c|d|e|110101199003071药|").is_err());
        assert!(parse_id_card_record("a|b|c").is_err());
    }
}
