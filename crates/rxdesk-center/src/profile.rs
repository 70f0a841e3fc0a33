//! A center profile: which wire family carries the e-prescription
//! operations, where the center is, the credentials, and the timeouts. The
//! province's setup is configuration, never code (DECISIONS.md).

use rxdesk_gm::{PrivateKey, PublicKey};
use std::collections::BTreeMap;
use std::time::Duration;

/// Which family carries the e-prescription operations (settlement is always A).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// 2021 catalogue: infno 7201–7208 through the classic gateway.
    A,
    /// Direct e-prescription API with the SM4/SM2 envelope.
    B,
}

/// The e-prescription operations of DECISIONS.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EpcOp {
    /// QR → token + patient
    QrDecode,
    /// list authorised prescriptions
    AuthQuery,
    /// download one prescription
    Download,
    /// platform-side signature check (family B only)
    SignVerify,
    /// pharmacist audit upload
    AuditUpload,
    /// delivery status upload
    DeliveryUpload,
    /// write-off after sale
    WriteOff,
    /// sales-outflow detail upload
    SalesUpload,
    /// revoke a sales-outflow upload
    SalesUndo,
}

impl EpcOp {
    /// Every operation.
    pub const ALL: [EpcOp; 9] = [
        Self::QrDecode,
        Self::AuthQuery,
        Self::Download,
        Self::SignVerify,
        Self::AuditUpload,
        Self::DeliveryUpload,
        Self::WriteOff,
        Self::SalesUpload,
        Self::SalesUndo,
    ];
    /// Family A infno (None: no family-A equivalent).
    pub fn infno(self) -> Option<&'static str> {
        Some(match self {
            Self::QrDecode => "7201",
            Self::AuthQuery => "7202",
            Self::Download => "7203",
            Self::SignVerify => return None,
            Self::AuditUpload => "7204",
            Self::DeliveryUpload => "7205",
            Self::WriteOff => "7206",
            Self::SalesUpload => "7207",
            Self::SalesUndo => "7208",
        })
    }
    /// Family B path name. THE one table of names marked "ours" in
    /// DECISIONS.md (only `rxChkUpld`'s fields are public).
    pub fn b_name(self) -> &'static str {
        match self {
            Self::QrDecode => "rxQrcodeDecode",
            Self::AuthQuery => "rxAuthQuery",
            Self::Download => "rxDownload",
            Self::SignVerify => "rxSignVerify",
            Self::AuditUpload => "rxChkUpld",
            Self::DeliveryUpload => "rxDelvUpld",
            Self::WriteOff => "rxSetlUpld",
            Self::SalesUpload => "rxSelUpld",
            Self::SalesUndo => "rxSelUndo",
        }
    }
    /// Inverse of [`EpcOp::b_name`].
    pub fn from_b_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.b_name() == name)
    }
    /// Safe to replay blindly.
    pub fn is_query(self) -> bool {
        matches!(self, Self::QrDecode | Self::AuthQuery | Self::Download)
    }
}

/// The pharmacy as the gateway knows it.
#[derive(Debug, Clone)]
pub struct Institution {
    /// 定点医药机构编号 (12)
    pub fixmedins_code: String,
    /// 定点医药机构名称
    pub fixmedins_name: String,
    /// 就医地医保区划 (6)
    pub mdtrtarea_admvs: String,
    /// 接收方系统代码 (usually YBXT)
    pub recer_sys_code: String,
}

/// Family B credentials.
#[derive(Clone)]
pub struct FamilyB {
    /// appId
    pub app_id: String,
    /// appSecret
    pub app_secret: String,
    /// The pharmacy's SM2 key for signData.
    pub private_key: PrivateKey,
    /// The platform's public key for response verification.
    pub platform_public_key: PublicKey,
    /// SM2 user id (default `1234567812345678`).
    pub user_id: String,
    /// `version` envelope field.
    pub version: String,
    /// Path prefix, e.g. `/epc/api/fixmedins/`.
    pub path_prefix: String,
}

impl std::fmt::Debug for FamilyB {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FamilyB")
            .field("app_id", &self.app_id)
            .field("app_secret", &"<hidden>")
            .field("user_id", &self.user_id)
            .field("path_prefix", &self.path_prefix)
            .finish()
    }
}

/// Everything the client needs to talk to one province's center.
#[derive(Clone)]
pub struct CenterProfile {
    /// Display name (`demo-a`, `demo-b`, a province…).
    pub name: String,
    /// Family of the e-prescription operations.
    pub epc_family: Family,
    /// Base URL, e.g. `http://127.0.0.1:18080`.
    pub base_url: String,
    /// Family A path of the single endpoint.
    pub a_path: String,
    /// Per-infno path overrides (Chongqing-style one path per transaction).
    pub a_paths: BTreeMap<String, String>,
    /// `x-tif-paasid`
    pub paas_id: String,
    /// x-tif secret key
    pub paas_secret: String,
    /// The pharmacy.
    pub institution: Institution,
    /// Family B credentials (required when `epc_family` is B).
    pub b: Option<FamilyB>,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (read included).
    pub request_timeout: Duration,
    /// Extra attempts for idempotent queries.
    pub query_retries: u32,
    /// `infcode`s with which this gateway refuses a msgid it has already
    /// received ("报文ID重复/已受理"). The outbox takes such an answer to a
    /// resend as proof the row was delivered (docs/decisions/0004). A gateway
    /// that de-duplicates by replaying the original answer needs none.
    pub already_received_codes: Vec<String>,
}

impl std::fmt::Debug for CenterProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CenterProfile")
            .field("name", &self.name)
            .field("epc_family", &self.epc_family)
            .field("base_url", &self.base_url)
            .field("paas_id", &self.paas_id)
            .field("paas_secret", &"<hidden>")
            .field("institution", &self.institution.fixmedins_code)
            .field("b", &self.b)
            .finish()
    }
}

/// The demo accounts the emulator's `--seed demo` knows (DEMO ONLY).
pub mod demo {
    /// Pharmacy code.
    pub const PHARMACY_CODE: &str = "P11010100001";
    /// Pharmacy name.
    pub const PHARMACY_NAME: &str = "仁心大药房（演示）";
    /// 区划
    pub const ADMVS: &str = "110101";
    /// x-tif paasid.
    pub const PAAS_ID: &str = "rxdesk-demo";
    /// x-tif secret.
    pub const PAAS_SECRET: &str = "DEMO-PAAS-SECRET-NOT-FOR-PRODUCTION";
    /// Family B appId (32 upper-case alphanumerics).
    pub const APP_ID: &str = "RXDESKDEMO0000000000000000000001";
    /// Family B appSecret.
    pub const APP_SECRET: &str = "DEMOAPPSECRET0123456789ABCDEFGH0";
    /// Pharmacy SM2 private key (hex) — DEMO ONLY.
    pub const APP_PRIVATE_KEY_HEX: &str =
        "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
    /// Platform SM2 private key (hex) — DEMO ONLY, lives in the emulator.
    pub const PLATFORM_PRIVATE_KEY_HEX: &str =
        "128b2fa8bd433c6c068c8d803dff79792a519a55171b1b650c23661d15897263";
}

impl CenterProfile {
    /// The profile for the emulator's demo seed at `base_url`.
    pub fn demo(base_url: &str, epc_family: Family) -> Result<Self, rxdesk_gm::CryptoError> {
        let private_key = PrivateKey::from_hex(demo::APP_PRIVATE_KEY_HEX)?;
        let platform = PrivateKey::from_hex(demo::PLATFORM_PRIVATE_KEY_HEX)?.public_key();
        Ok(Self {
            name: format!("demo-{}", if epc_family == Family::A { "a" } else { "b" }),
            epc_family,
            base_url: base_url.trim_end_matches('/').to_string(),
            a_path: "/fsi/api/rsfComIfsService/callService".into(),
            a_paths: BTreeMap::new(),
            paas_id: demo::PAAS_ID.into(),
            paas_secret: demo::PAAS_SECRET.into(),
            institution: Institution {
                fixmedins_code: demo::PHARMACY_CODE.into(),
                fixmedins_name: demo::PHARMACY_NAME.into(),
                mdtrtarea_admvs: demo::ADMVS.into(),
                recer_sys_code: "YBXT".into(),
            },
            b: Some(FamilyB {
                app_id: demo::APP_ID.into(),
                app_secret: demo::APP_SECRET.into(),
                private_key,
                platform_public_key: platform,
                user_id: rxdesk_gm::DEFAULT_USER_ID.into(),
                version: "1.0.0".into(),
                path_prefix: "/epc/api/fixmedins/".into(),
            }),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(15),
            query_retries: 2,
            already_received_codes: vec![crate::error::codes::ALREADY_RECEIVED.to_string()],
        })
    }

    /// Path for a family-A infno.
    pub fn a_path_for(&self, infno: &str) -> &str {
        self.a_paths
            .get(infno)
            .map(String::as_str)
            .unwrap_or(&self.a_path)
    }
}
