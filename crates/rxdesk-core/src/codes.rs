//! Code tables of the national platform and the ones RxDesk defines where the
//! public record is silent (`DECISIONS.md`). Every table keeps values it does
//! not know as `Other(String)` instead of failing: a province adding a code
//! must not stop the counter.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(Self::from_code(&s))
            }
        }
    };
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
}
