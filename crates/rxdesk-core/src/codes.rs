//! Code tables of the national platform and the ones RxDesk defines where the
//! public record is silent (`docs/decisions/0010-record-silent-choices.md`). Every table keeps values it does
//! not know as `Other(String)` instead of failing: a province adding a code
//! must not stop the counter.

/// Declares a code table: an enum with one variant per known wire code, a
/// zh-CN label for each, and `Other(String)` keeping unknown values. Serde
/// writes the code as a string and reads it leniently — a string, a number
/// (`310`) or `null` (an empty code) — because centers differ in how they
/// send codes. Exported so every crate's tables behave the same.
#[macro_export]
macro_rules! code_table {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal => $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A value this build does not know; kept verbatim.
            Other(String),
        }

        impl $name {
            /// The code as sent on the wire.
            pub fn code(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)+
                    Self::Other(s) => s,
                }
            }
            /// The Chinese label shown to the pharmacist.
            pub fn label_zh(&self) -> &str {
                match self {
                    $(Self::$variant => $label,)+
                    Self::Other(_) => "未知代码",
                }
            }
            /// Maps a wire code, keeping unknown values.
            pub fn from_code(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl ::core::default::Default for $name {
            /// An absent code (`Other("")`).
            fn default() -> Self {
                Self::Other(::std::string::String::new())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                d.deserialize_any($crate::codes::LenientCode)
                    .map(|c| Self::from_code(&c))
            }
        }
    };
}

/// Reads a code given as a string, an integer or null (see [`code_table!`]).
#[doc(hidden)]
pub struct LenientCode;

impl serde::de::Visitor<'_> for LenientCode {
    type Value = String;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a code as a string, an integer or null")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
}

code_table! {
    /// `rx_stas_codg`: the prescription's status at the center (RxDesk's table).
    RxStatus {
        /// 有效
        Valid = "1" => "有效",
        /// 已撤销 by the hospital
        Revoked = "2" => "已撤销",
        /// 已失效 (more than 7 days)
        Expired = "3" => "已失效",
        /// 已核销 (dispensed and written off)
        Used = "4" => "已核销",
    }
}

code_table! {
    /// `rx_chk_stas_codg`: the pharmacist's audit result (RxDesk's table).
    AuditResult {
        /// 审核通过
        Approved = "1" => "审核通过",
        /// 审核不通过 (needs an opinion)
        Rejected = "2" => "审核不通过",
        /// 需医生确认
        NeedsDoctor = "3" => "需医生确认",
    }
}

code_table! {
    /// `delv_stas_codg`: delivery status (RxDesk's table).
    DeliveryStatus {
        /// 已接单
        Accepted = "1" => "已接单",
        /// 配送中
        InTransit = "2" => "配送中",
        /// 已签收
        SignedFor = "3" => "已签收",
        /// 拒收
        Refused = "4" => "拒收",
    }
}

code_table! {
    /// `mdtrt_cert_type`: how the patient identified (national dictionary).
    CertType {
        /// 医保电子凭证
        EVoucher = "01" => "医保电子凭证",
        /// 居民身份证
        IdCard = "02" => "居民身份证",
        /// 社会保障卡
        SocialSecurityCard = "03" => "社会保障卡",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_round_trip() {
        for c in ["1", "2", "3", "4"] {
            assert_eq!(RxStatus::from_code(c).code(), c);
        }
        assert_eq!(AuditResult::from_code("2"), AuditResult::Rejected);
        assert_eq!(CertType::from_code("03").label_zh(), "社会保障卡");
    }

    #[test]
    fn unknown_codes_are_kept_not_rejected() {
        let s: RxStatus = serde_json::from_str("\"9\"").unwrap();
        assert_eq!(s, RxStatus::Other("9".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"9\"");
        assert_eq!(s.label_zh(), "未知代码");
    }

    #[test]
    fn numbers_and_null_are_read_as_codes() {
        let s: CertType = serde_json::from_str("1").unwrap();
        assert_eq!(s, CertType::Other("1".into()));
        let s: RxStatus = serde_json::from_str("4").unwrap();
        assert_eq!(s, RxStatus::Used);
        let s: RxStatus = serde_json::from_str("null").unwrap();
        assert_eq!(s, RxStatus::default());
        assert_eq!(s.code(), "");
        assert!(serde_json::from_str::<RxStatus>("[1]").is_err());
        assert!(serde_json::from_str::<RxStatus>("{}").is_err());
    }
}
