//! Patient identity from any reader: e-voucher QR, social-security card, ID
//! card or face. One [`PatientIdentity`] whatever the source, with how it was
//! obtained, and the `mdtrt_cert_type`/`mdtrt_cert_no` pair the center wants.

use rxdesk_core::prescription::mask_id_number;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// How an identity was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    /// 医保电子凭证 QR scanned at the counter (`ec.query`).
    EVoucherQr,
    /// E-voucher shown on a terminal's own scanner (`iot.gain.ec.qrcode`, MOBILE).
    TerminalQr,
    /// 刷脸 at a face terminal (`iot.gain.ec.qrcode` FACE, or `cn.nhsa.ec.auth`).
    Face,
    /// 社保卡 through a card reader library.
    SocialSecurityCard,
    /// 居民身份证 through a card reader library.
    IdCard,
}

impl IdentitySource {
    /// zh-CN label.
    pub fn label_zh(self) -> &'static str {
        match self {
            IdentitySource::EVoucherQr => "医保电子凭证",
            IdentitySource::TerminalQr => "终端扫码",
            IdentitySource::Face => "刷脸",
            IdentitySource::SocialSecurityCard => "社保卡",
            IdentitySource::IdCard => "身份证",
        }
    }
}

/// A patient's identity. `Debug` masks the ID number, card number and token.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct PatientIdentity {
    /// How it was obtained.
    pub source: IdentitySource,
    /// 姓名.
    pub name: String,
    /// 证件类型 (`01` 居民身份证).
    pub id_type: String,
    /// 证件号码 (sensitive).
    pub id_number: String,
    /// 参保地医保区划, when known.
    pub insurance_region: Option<String>,
    /// 电子凭证令牌 (e-voucher / face).
    pub ec_token: Option<String>,
    /// 社保卡号 (card).
    pub card_number: Option<String>,
    /// 卡识别码 (card), for `card_sn`.
    pub card_sn: Option<String>,
}

impl PatientIdentity {
    /// `(mdtrt_cert_type, mdtrt_cert_no)`: `01` + ecToken, `03` + card number,
    /// else `02` + ID number.
    pub fn credential(&self) -> (&'static str, &str) {
        if let Some(t) = &self.ec_token {
            ("01", t)
        } else if let Some(c) = &self.card_number {
            ("03", c)
        } else {
            ("02", &self.id_number)
        }
    }
}

fn masked(o: &Option<String>) -> Option<String> {
    o.as_deref().map(mask_id_number)
}

impl fmt::Debug for PatientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PatientIdentity")
            .field("source", &self.source)
            .field("name", &self.name)
            .field("id_type", &self.id_type)
            .field("id_number", &mask_id_number(&self.id_number))
            .field("insurance_region", &self.insurance_region)
            .field("ec_token", &masked(&self.ec_token))
            .field("card_number", &masked(&self.card_number))
            .field("card_sn", &masked(&self.card_sn))
            .finish()
    }
}

/// Why reading an identity failed. Shown with [`IdentityError::message_zh`];
/// the reader stays usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The vendor library is not installed on this machine.
    #[error("{0} is not installed")]
    NotInstalled(String),
    /// The library is present but lacks a symbol / cannot load.
    #[error("{library} cannot be loaded: {detail}")]
    LoadFailed {
        /// library name
        library: String,
        /// loader message
        detail: String,
    },
    /// No card in the reader / nothing presented.
    #[error("no card or code presented")]
    NothingPresented,
    /// The card was pulled out mid-read, or the read failed with a device code.
    #[error("card read failed (code {code}): {message}")]
    ReadFailed {
        /// vendor return code
        code: i64,
        /// vendor message
        message: String,
    },
    /// The library returned something that does not parse.
    #[error("malformed output from {library}: {detail}")]
    Malformed {
        /// library name
        library: String,
        /// what was wrong
        detail: String,
    },
    /// The platform/terminal refused (code ≠ 0), e.g. face not recognised.
    #[error("rejected (code {code}): {message}")]
    Rejected {
        /// code
        code: i64,
        /// message from the terminal
        message: String,
    },
    /// No answer in time (library hung, patient walked away).
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// A previous call is still stuck in the library.
    #[error("device busy with a previous call")]
    Busy,
    /// Scanner trouble while waiting for an e-voucher QR.
    #[error("scanner: {0}")]
    Scanner(String),
    /// The library answered more than its buffer contract allows
    /// (`vendor::ffi` §Buffer contracts): refused, never truncated.
    #[error("{library}: response exceeds the buffer contract: {detail}")]
    ResponseTooLong {
        /// library name
        library: String,
        /// which call and capacity
        detail: String,
    },
    /// The card left the reader during the read (the record is partial).
    #[error("card removed during the read")]
    CardRemoved,
    /// The reader returned a record that is not a valid card record.
    #[error("card record invalid: {0}")]
    BadCardRecord(String),
    /// The device (serial card reader, terminal link) went away.
    #[error("device disconnected: {0}")]
    Disconnected(String),
    /// The e-voucher password entered on the terminal is wrong.
    #[error("e-voucher password wrong{}", tries_left.map(|n| format!(" ({n} tries left)")).unwrap_or_default())]
    PasswordWrong {
        /// tries left before the lock, when the SDK says
        tries_left: Option<u32>,
    },
    /// The patient has not set an e-voucher password (ST-EPC-02-001).
    #[error("e-voucher password not set")]
    PasswordNotSet,
    /// Too many wrong passwords: the SDK refuses until it is reset.
    #[error("e-voucher password locked")]
    PasswordLocked,
    /// The patient cancelled the password entry on the terminal.
    #[error("password entry cancelled")]
    PasswordCancelled,
    /// The face terminal did not recognise the face.
    #[error("face not recognised: {0}")]
    FaceNotRecognised(String),
    /// The patient refused the consent step on the terminal.
    #[error("consent refused on the terminal")]
    ConsentRefused,
    /// The scanned code is not an e-voucher QR.
    #[error("not an e-voucher QR: {0}")]
    NotEVoucher(String),
}

impl IdentityError {
    /// The message shown at the counter.
    pub fn message_zh(&self) -> String {
        match self {
            IdentityError::NotInstalled(lib) => format!("{lib} 未安装"),
            IdentityError::LoadFailed { library, .. } => {
                format!("{library} 加载失败，请重新安装读卡组件")
            }
            IdentityError::NothingPresented => "未检测到卡片或凭证，请插卡或出示医保码".into(),
            IdentityError::ReadFailed { message, .. } => format!("读卡失败：{message}，请重新插卡"),
            IdentityError::Malformed { library, .. } => {
                format!("{library} 返回数据格式错误，请重试")
            }
            IdentityError::Rejected { message, .. } => format!("认证未通过：{message}"),
            IdentityError::Timeout(_) => "设备响应超时，请重试".into(),
            IdentityError::Busy => "设备忙，请稍候再试".into(),
            IdentityError::Scanner(e) => format!("扫码枪错误：{e}"),
            IdentityError::ResponseTooLong { library, .. } => {
                format!("{library} 返回数据超出约定长度，已拒绝；请联系厂商升级组件")
            }
            IdentityError::CardRemoved => "读卡过程中卡片被拔出，请重新插卡并等待读卡完成".into(),
            IdentityError::BadCardRecord(_) => {
                "卡片信息无法识别，请重新插卡；仍不行请改用医保电子凭证或身份证".into()
            }
            IdentityError::Disconnected(what) => format!("{what} 已断开，请检查连接线"),
            IdentityError::PasswordWrong {
                tries_left: Some(n),
            } => {
                format!("电子凭证密码错误，还可尝试 {n} 次；忘记密码请在国家医保服务平台 App 重置")
            }
            IdentityError::PasswordWrong { tries_left: None } => {
                "电子凭证密码错误；忘记密码请在国家医保服务平台 App 重置".into()
            }
            IdentityError::PasswordNotSet => {
                "尚未设置电子凭证密码，请在国家医保服务平台 App 激活电子凭证并设置密码".into()
            }
            IdentityError::PasswordLocked => {
                "电子凭证密码错误次数过多已锁定，请在国家医保服务平台 App 重置密码后再试".into()
            }
            IdentityError::PasswordCancelled => "患者已取消输入密码".into(),
            IdentityError::FaceNotRecognised(m) => {
                format!("刷脸未识别（{m}），请改用医保电子凭证、社保卡或身份证")
            }
            IdentityError::ConsentRefused => {
                "患者未同意授权，未获取身份；可改用医保电子凭证、社保卡或身份证".into()
            }
            IdentityError::NotEVoucher(what) => {
                format!("这不是医保电子凭证码（看起来是{what}），请患者出示医保电子凭证")
            }
        }
    }

    /// A stable code for the app (guidance, logs): never changes for a variant.
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::NotInstalled(_) => "not_installed",
            IdentityError::LoadFailed { .. } => "load_failed",
            IdentityError::NothingPresented => "nothing_presented",
            IdentityError::ReadFailed { .. } => "read_failed",
            IdentityError::Malformed { .. } => "malformed",
            IdentityError::Rejected { .. } => "rejected",
            IdentityError::Timeout(_) => "timeout",
            IdentityError::Busy => "busy",
            IdentityError::Scanner(_) => "scanner",
            IdentityError::ResponseTooLong { .. } => "response_too_long",
            IdentityError::CardRemoved => "card_removed",
            IdentityError::BadCardRecord(_) => "bad_card_record",
            IdentityError::Disconnected(_) => "disconnected",
            IdentityError::PasswordWrong { .. } => "password_wrong",
            IdentityError::PasswordNotSet => "password_not_set",
            IdentityError::PasswordLocked => "password_locked",
            IdentityError::PasswordCancelled => "password_cancelled",
            IdentityError::FaceNotRecognised(_) => "face_not_recognised",
            IdentityError::ConsentRefused => "consent_refused",
            IdentityError::NotEVoucher(_) => "not_e_voucher",
        }
    }

    /// ST-EPC-02-001: the patient needs the e-voucher activation / password
    /// guidance (password wrong, not set, or locked).
    pub fn needs_password_guidance(&self) -> bool {
        matches!(
            self,
            IdentityError::PasswordWrong { .. }
                | IdentityError::PasswordNotSet
                | IdentityError::PasswordLocked
        )
    }
}

/// Anything that yields a patient's identity.
pub trait IdentityReader: Send {
    /// Label for logs/UI.
    fn name(&self) -> &str;
    /// Reads one identity, waiting up to `timeout` for the patient.
    fn read_identity(&mut self, timeout: Duration) -> Result<PatientIdentity, IdentityError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_sensitive_fields_and_credential_prefers_token() {
        let id = PatientIdentity {
            source: IdentitySource::SocialSecurityCard,
            name: "张三".into(),
            id_type: "01".into(),
            id_number: "110101199003071234".into(),
            insurance_region: Some("110100".into()),
            ec_token: None,
            card_number: Some("A12345678".into()),
            card_sn: Some("110100D15600000500BF7C7A48FB4966".into()),
        };
        let d = format!("{id:?}");
        assert!(!d.contains("110101199003071234"), "{d}");
        assert!(!d.contains("A12345678"), "{d}");
        assert!(d.contains("110***********1234"));
        assert_eq!(id.credential(), ("03", "A12345678"));
        let mut e = id.clone();
        e.ec_token = Some("320000ecnqssaor2nj7a2a480a0000a4cef57c".into());
        assert_eq!(e.credential().0, "01");
    }
}
