//! A center profile: which wire family carries the e-prescription
//! operations, where the center is, the credentials, and the timeouts. The
//! province's setup is configuration, never code (docs/decisions/0010-record-silent-choices.md): a TOML
//! profile file per province or deployment ([`ProfileFile`],
//! `assets/profiles/*.toml`) plus the credentials the 医保局 issued
//! ([`Credentials`], imported and sealed by the app, never in the file).
//! [`ProfileFile::parse`] names every bad field in zh-CN.

use rxdesk_gm::{PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which family carries the e-prescription operations (settlement is always A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    /// 2021 catalogue: infno 7201–7208 through the classic gateway.
    #[default]
    A,
    /// Direct e-prescription API with the SM4/SM2 envelope.
    B,
}

/// The e-prescription operations of docs/decisions/0010-record-silent-choices.md.
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
    /// docs/decisions/0010-record-silent-choices.md (only `rxChkUpld`'s fields are public).
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
#[derive(Debug, Clone, Default)]
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
    /// How requests are signed at the gateway.
    pub gateway: GatewayScheme,
    /// Extra TLS root certificates (PEM files) for the center's HTTPS.
    pub tls_roots: Vec<PathBuf>,
    /// How local signature verification treats revocation data.
    pub trust: TrustPolicy,
    /// `infcode`s with which this gateway refuses a msgid it has already
    /// received ("报文ID重复/已受理"). The outbox takes such an answer to a
    /// resend as proof the row was delivered (docs/decisions/0004). A gateway
    /// that de-duplicates by replaying the original answer needs none.
    pub already_received_codes: Vec<String>,
    /// Settlement fields the province requires beyond the national ones.
    pub settlement: SettlementPolicy,
    /// What the pharmacy publishes for public channels (`[publication]`).
    pub publication: PublicationPolicy,
}

/// The province's revocation-data policy (docs/decisions/0003-crl-freshness.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TrustPolicy {
    /// Hours after a CRL's nextUpdate during which a CRL that could not be
    /// refreshed is still accepted, with a warning shown to the pharmacist;
    /// after that the verification blocks with `crl_stale`. 0 = no grace.
    pub crl_grace_hours: u32,
}

/// What the province's settlement (2101/2102) requires beyond the national
/// fields (`[settlement]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SettlementPolicy {
    /// Send each line's due trace-code count `minpacunt_drug_trac_cnt`
    /// (本次结算应上传最小包装药品追溯码数量) — the boxes' codes collected for
    /// it — where the province checks the count against the settlement.
    pub trace_count: bool,
}

/// What the pharmacy publishes for public channels (`[publication]`,
/// ST-EPC-02-004).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublicationPolicy {
    /// Publish the in-stock list (every drug in stock with its 医保 code,
    /// name, spec, quantity, price and 国谈 flag) as the upload
    /// `stockPublish` after every stock change; the family-A endpoint, or
    /// the `[center] a_paths` entry for `stockPublish` (docs/protocol.md).
    pub stock_list: bool,
}

impl Default for TrustPolicy {
    fn default() -> Self {
        Self {
            crl_grace_hours: rxdesk_gm::verify::DEFAULT_CRL_GRACE_HOURS,
        }
    }
}

impl Default for CenterProfile {
    /// An empty profile (no URL, no credentials); fields not named in a
    /// literal take these values, so a field added later has its default.
    fn default() -> Self {
        Self {
            name: String::new(),
            epc_family: Family::A,
            base_url: String::new(),
            a_path: DEFAULT_A_PATH.into(),
            a_paths: BTreeMap::new(),
            paas_id: String::new(),
            paas_secret: String::new(),
            institution: Institution::default(),
            b: None,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(15),
            query_retries: 2,
            gateway: GatewayScheme::XTif,
            tls_roots: Vec::new(),
            trust: TrustPolicy::default(),
            already_received_codes: Vec::new(),
            settlement: SettlementPolicy::default(),
            publication: PublicationPolicy::default(),
        }
    }
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
            .field("trust", &self.trust)
            .field("settlement", &self.settlement)
            .field("publication", &self.publication)
            .finish()
    }
}

/// The demo accounts the emulator's `--seed demo` knows (DEMO ONLY: cargo
/// feature `demo`, which a production build leaves off).
#[cfg(feature = "demo")]
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

#[cfg(feature = "demo")]
fn demo_file_error(e: ProfileError) -> rxdesk_gm::CryptoError {
    rxdesk_gm::CryptoError::InvalidKey {
        kind: "public",
        detail: format!("built-in demo profile: {e}"),
    }
}

/// The built-in demo profile (`assets/profiles/demo.toml`), DEMO ONLY.
#[cfg(feature = "demo")]
pub const DEMO_PROFILE_TOML: &str = include_str!("../../../assets/profiles/demo.toml");

#[cfg(feature = "demo")]
impl CenterProfile {
    /// The profile for the emulator's demo seed at `base_url`: the demo
    /// profile file with the demo credentials (DEMO ONLY).
    pub fn demo(base_url: &str, epc_family: Family) -> Result<Self, rxdesk_gm::CryptoError> {
        let file = ProfileFile::parse(DEMO_PROFILE_TOML, None).map_err(demo_file_error)?;
        let creds = Credentials {
            app_id: demo::APP_ID.into(),
            app_secret: demo::APP_SECRET.into(),
            paas_id: Some(demo::PAAS_ID.into()),
            paas_secret: Some(demo::PAAS_SECRET.into()),
            private_key: PrivateKey::from_hex(demo::APP_PRIVATE_KEY_HEX)?,
            platform_public_key: PrivateKey::from_hex(demo::PLATFORM_PRIVATE_KEY_HEX)?.public_key(),
        };
        let mut p = file.to_profile(&creds).map_err(demo_file_error)?;
        p.name = format!("demo-{}", if epc_family == Family::A { "a" } else { "b" });
        p.epc_family = epc_family;
        p.base_url = base_url.trim_end_matches('/').to_string();
        // The emulator answers a resent msgid it rejects with this code.
        p.already_received_codes = vec![crate::error::codes::ALREADY_RECEIVED.to_string()];
        Ok(p)
    }
}

impl CenterProfile {
    /// Path for a family-A infno.
    pub fn a_path_for(&self, infno: &str) -> &str {
        self.a_paths
            .get(infno)
            .map(String::as_str)
            .unwrap_or(&self.a_path)
    }
}

/// Default family-A endpoint path.
pub const DEFAULT_A_PATH: &str = "/fsi/api/rsfComIfsService/callService";

/// How requests are authenticated at the provincial gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GatewayScheme {
    /// `x-tif-paasid/timestamp/nonce/signature` (docs/reference/wire-protocol.md §2.1).
    #[default]
    XTif,
    /// HMAC request headers used by some provinces: recognised in profile
    /// files so such a profile is named, not yet spoken by the client.
    Hmac,
}

impl GatewayScheme {
    /// The name used in profile files.
    pub fn name(self) -> &'static str {
        match self {
            Self::XTif => "x-tif",
            Self::Hmac => "hmac",
        }
    }
}

/// What the 医保局 issues to a pharmacy (never in a profile file): the
/// family-B appId/appSecret (also the gateway's paasid/secret unless the
/// province issues separate ones), the platform's SM2 public key and the
/// pharmacy's SM2 key pair.
#[derive(Clone)]
pub struct Credentials {
    /// appId.
    pub app_id: String,
    /// appSecret.
    pub app_secret: String,
    /// x-tif paasid when the gateway issues its own (else the appId).
    pub paas_id: Option<String>,
    /// x-tif secret when the gateway issues its own (else the appSecret).
    pub paas_secret: Option<String>,
    /// The pharmacy's SM2 private key.
    pub private_key: PrivateKey,
    /// The platform's SM2 public key.
    pub platform_public_key: PublicKey,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// One bad field of a profile file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// Dotted field name, e.g. `center.base_url`.
    pub field: String,
    /// What is wrong and what to write instead (zh-CN).
    pub message_zh: String,
}

/// A profile file that cannot be used: every bad field, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_problems(.0))]
pub struct ProfileError(pub Vec<FieldProblem>);

fn render_problems(v: &[FieldProblem]) -> String {
    let mut s = format!("中心配置文件有 {} 处错误：", v.len());
    for p in v {
        s.push_str(&format!("\n  - {}：{}", p.field, p.message_zh));
    }
    s
}

/// `[center]`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CenterSection {
    /// Base URL (https, or http on loopback for rehearsal).
    pub base_url: String,
    /// Family-A endpoint path.
    pub a_path: String,
    /// Per-infno family-A paths.
    pub a_paths: BTreeMap<String, String>,
}

/// `[epc]`: which wire family carries each e-prescription operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EpcSection {
    /// `A` or `B` for every operation not named in `ops`.
    pub family: String,
    /// Per-operation family (`qr_decode`, `auth_query`, `download`,
    /// `sign_verify`, `audit_upload`, `delivery_upload`, `write_off`,
    /// `sales_upload`, `sales_undo`).
    pub ops: BTreeMap<String, String>,
    /// Family-B path prefix.
    pub b_path_prefix: String,
    /// Family-B `version` envelope field.
    pub b_version: String,
}

/// `[gateway]`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySection {
    /// `x-tif` (or `hmac`, not yet supported).
    pub scheme: String,
    /// `infcode`s meaning "this msgid was already received" (a gateway that
    /// rejects a resend instead of replaying its answer; docs/decisions/0004).
    pub already_received_codes: Vec<String>,
}

/// `[institution]`: the pharmacy as the center knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstitutionSection {
    /// 定点医药机构编号 (12, `P` + 区划 + 5 digits).
    pub code: String,
    /// 定点医药机构名称.
    pub name: String,
    /// 就医地医保区划 admdvs (6 digits).
    pub admdvs: String,
    /// 接收方系统代码.
    pub recer_sys_code: String,
}

/// `[counter]`: ids the center gives this deployment's operator and terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CounterSection {
    /// Operator id of background work (uploads, reconciliation).
    pub operator_id: String,
    /// Operator name of background work.
    pub operator_name: String,
    /// Terminal id.
    pub terminal_id: String,
}

/// `[tls]`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSection {
    /// Extra root certificates (PEM), relative to the profile file.
    pub roots: Vec<String>,
}

/// `[timeouts]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeoutSection {
    /// TCP connect timeout, seconds (1–60).
    pub connect_s: u64,
    /// Whole-request timeout, seconds (1–300).
    pub request_s: u64,
    /// Extra attempts for idempotent queries (0–5).
    pub query_retries: u32,
}

impl Default for TimeoutSection {
    fn default() -> Self {
        Self {
            connect_s: 3,
            request_s: 15,
            query_retries: 2,
        }
    }
}

/// `[sm2]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sm2Section {
    /// SM2 user id for signData and response verification.
    pub user_id: String,
}

impl Default for Sm2Section {
    fn default() -> Self {
        Self {
            user_id: rxdesk_gm::DEFAULT_USER_ID.into(),
        }
    }
}

/// A profile file as written (TOML). Sections not written take their
/// defaults (`#[serde(default)]`), so a field added later keeps old files valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileFile {
    /// Display name of the deployment (`beijing-2025`, `rehearsal`…).
    pub name: String,
    /// Marks the built-in demo profile (refused outside demo mode).
    pub demo: bool,
    /// Where the center is.
    pub center: CenterSection,
    /// E-prescription wire family.
    pub epc: EpcSection,
    /// Gateway signature scheme.
    pub gateway: GatewaySection,
    /// The pharmacy.
    pub institution: InstitutionSection,
    /// Operator and terminal ids.
    pub counter: CounterSection,
    /// TLS roots.
    pub tls: TlsSection,
    /// Timeouts.
    pub timeouts: TimeoutSection,
    /// SM2 settings.
    pub sm2: Sm2Section,
    /// Revocation-data policy of local signature verification
    /// (`[trust] crl_grace_hours`, docs/decisions/0003-crl-freshness.md).
    pub trust: TrustPolicy,
    /// Settlement fields the province requires (`[settlement] trace_count`).
    pub settlement: SettlementPolicy,
    /// What is published for public channels (`[publication] stock_list`).
    pub publication: PublicationPolicy,
    /// Where relative paths are resolved (the file's directory); not in the file.
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

fn op_key(op: EpcOp) -> &'static str {
    match op {
        EpcOp::QrDecode => "qr_decode",
        EpcOp::AuthQuery => "auth_query",
        EpcOp::Download => "download",
        EpcOp::SignVerify => "sign_verify",
        EpcOp::AuditUpload => "audit_upload",
        EpcOp::DeliveryUpload => "delivery_upload",
        EpcOp::WriteOff => "write_off",
        EpcOp::SalesUpload => "sales_upload",
        EpcOp::SalesUndo => "sales_undo",
    }
}

fn parse_family(s: &str) -> Option<Family> {
    match s.trim() {
        "A" | "a" => Some(Family::A),
        "B" | "b" => Some(Family::B),
        _ => None,
    }
}

fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost" || h == "::1" || h.starts_with("127.")
}

/// Checks a base URL; `None` when it is fine, else why not (zh-CN).
pub fn check_base_url(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return Some("缺少中心地址（必填），例如 https://fsi.example.gov.cn:8443".into());
    }
    let (scheme, rest) = match url.split_once("://") {
        Some(x) => x,
        None => return Some(format!("“{url}”不是网址：须以 https:// 开头")),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if !h.ends_with(']') || authority.starts_with('[') => {
            if !port.is_empty() && port.parse::<u16>().is_err() {
                return Some(format!("端口“{port}”不是 1–65535 的数字"));
            }
            h
        }
        _ => authority,
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Some(format!("“{url}”缺少主机名"));
    }
    match scheme {
        "https" => None,
        "http" if is_loopback_host(host) => None,
        "http" => Some(format!(
            "“{url}”使用不加密的 http：医保中心须用 https（http 只允许本机演练地址 127.0.0.1）"
        )),
        other => Some(format!("不支持的协议“{other}”：须为 https")),
    }
}

impl ProfileFile {
    /// Parses and validates a profile file's text; every bad field is named.
    /// `base_dir` resolves relative TLS root paths (and is checked for them).
    pub fn parse(text: &str, base_dir: Option<&Path>) -> Result<Self, ProfileError> {
        let mut f: ProfileFile = toml::from_str(text).map_err(|e| {
            let field = e
                .span()
                .map(|sp| {
                    let line = text.as_bytes()[..sp.start.min(text.len())]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count()
                        + 1;
                    format!("第 {line} 行")
                })
                .unwrap_or_else(|| "文件".into());
            ProfileError(vec![FieldProblem {
                field,
                message_zh: format!(
                    "不是有效的配置：{}",
                    e.message().replace("unknown field", "未知字段")
                ),
            }])
        })?;
        f.base_dir = base_dir.map(Path::to_path_buf);
        f.fill_defaults();
        let problems = f.problems();
        if problems.is_empty() {
            Ok(f)
        } else {
            Err(ProfileError(problems))
        }
    }

    /// Reads and validates a profile file.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ProfileError(vec![FieldProblem {
                field: path.display().to_string(),
                message_zh: format!("无法读取配置文件：{e}"),
            }])
        })?;
        Self::parse(&text, path.parent())
    }

    fn fill_defaults(&mut self) {
        let d = |s: &mut String, v: &str| {
            if s.trim().is_empty() {
                *s = v.to_string();
            }
        };
        d(&mut self.center.a_path, DEFAULT_A_PATH);
        d(&mut self.epc.family, "A");
        d(&mut self.epc.b_path_prefix, "/epc/api/fixmedins/");
        d(&mut self.epc.b_version, "1.0.0");
        d(&mut self.gateway.scheme, "x-tif");
        d(&mut self.institution.recer_sys_code, "YBXT");
        d(&mut self.sm2.user_id, rxdesk_gm::DEFAULT_USER_ID);
    }

    /// The gateway scheme named in the file.
    pub fn gateway_scheme(&self) -> Option<GatewayScheme> {
        match self.gateway.scheme.trim().to_ascii_lowercase().as_str() {
            "x-tif" | "xtif" => Some(GatewayScheme::XTif),
            "hmac" => Some(GatewayScheme::Hmac),
            _ => None,
        }
    }

    /// The family of one operation.
    pub fn family_of(&self, op: EpcOp) -> Option<Family> {
        parse_family(
            self.epc
                .ops
                .get(op_key(op))
                .map(String::as_str)
                .unwrap_or(&self.epc.family),
        )
    }

    /// TLS root files, resolved against the file's directory.
    pub fn tls_root_paths(&self) -> Vec<PathBuf> {
        self.tls
            .roots
            .iter()
            .map(|r| match &self.base_dir {
                Some(b) if Path::new(r).is_relative() => b.join(r),
                _ => PathBuf::from(r),
            })
            .collect()
    }

    /// Every problem of the file (empty: usable).
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut v = Vec::new();
        let mut bad = |field: &str, msg: String| {
            v.push(FieldProblem {
                field: field.into(),
                message_zh: msg,
            })
        };
        if self.name.trim().is_empty() {
            bad(
                "name",
                "缺少配置名称（必填），例如 name = \"beijing\"".into(),
            );
        }
        if let Some(why) = check_base_url(&self.center.base_url) {
            bad("center.base_url", why);
        }
        if !self.center.a_path.starts_with('/') {
            bad(
                "center.a_path",
                format!("路径“{}”须以 / 开头", self.center.a_path),
            );
        }
        for (infno, path) in &self.center.a_paths {
            if infno.len() != 4 || !infno.bytes().all(|b| b.is_ascii_digit()) {
                bad(
                    &format!("center.a_paths.{infno}"),
                    "交易编号须为 4 位数字（如 \"2102\"）".into(),
                );
            }
            if !path.starts_with('/') {
                bad(
                    &format!("center.a_paths.{infno}"),
                    format!("路径“{path}”须以 / 开头"),
                );
            }
        }
        let family = parse_family(&self.epc.family);
        if family.is_none() {
            bad(
                "epc.family",
                format!("“{}”不是接口族：须为 \"A\" 或 \"B\"", self.epc.family),
            );
        }
        for (k, val) in &self.epc.ops {
            let field = format!("epc.ops.{k}");
            if !EpcOp::ALL.iter().any(|o| op_key(*o) == k) {
                bad(
                    &field,
                    format!(
                        "未知的电子处方交易“{k}”（可用：{}）",
                        EpcOp::ALL.map(op_key).join("、")
                    ),
                );
            } else if let Some(fam) = parse_family(val) {
                if Some(fam) != family {
                    bad(
                        &field,
                        "本版本所有电子处方交易须走同一接口族（与 epc.family 相同）".into(),
                    );
                }
            } else {
                bad(&field, format!("“{val}”不是接口族：须为 \"A\" 或 \"B\""));
            }
        }
        if !self.epc.b_path_prefix.starts_with('/') || !self.epc.b_path_prefix.ends_with('/') {
            bad(
                "epc.b_path_prefix",
                format!("路径前缀“{}”须以 / 开头并以 / 结尾", self.epc.b_path_prefix),
            );
        }
        match self.gateway_scheme() {
            Some(GatewayScheme::XTif) => {}
            Some(GatewayScheme::Hmac) => bad(
                "gateway.scheme",
                "HMAC 网关签名方案本版本尚不支持，请向开发方索取对应版本".into(),
            ),
            None => bad(
                "gateway.scheme",
                format!(
                    "未知的网关签名方案“{}”：须为 \"x-tif\"",
                    self.gateway.scheme
                ),
            ),
        }
        if self.institution.code.trim().is_empty() {
            bad(
                "institution.code",
                "缺少定点医药机构编号（必填，12 位，如 P11010100001）".into(),
            );
        } else if let Err(e) =
            rxdesk_core::code_format::validate_pharmacy_code(&self.institution.code)
        {
            bad("institution.code", e.message_zh());
        }
        if self.institution.name.trim().is_empty() {
            bad("institution.name", "缺少定点医药机构名称（必填）".into());
        }
        let a = self.institution.admdvs.trim();
        if a.len() != 6 || !a.bytes().all(|b| b.is_ascii_digit()) {
            bad(
                "institution.admdvs",
                format!("医保区划“{a}”须为 6 位数字（如 110101）"),
            );
        }
        for (field, val) in [
            ("counter.operator_id", &self.counter.operator_id),
            ("counter.terminal_id", &self.counter.terminal_id),
        ] {
            if val.chars().count() > 30 || val.chars().any(char::is_control) {
                bad(field, "最多 30 个字符，不含控制字符".into());
            }
        }
        for (i, p) in self.tls_root_paths().iter().enumerate() {
            let field = format!("tls.roots[{i}]");
            match std::fs::read(p) {
                Err(e) => bad(&field, format!("无法读取根证书 {}：{e}", p.display())),
                Ok(bytes) => {
                    if rxdesk_gm::primitives::pem_decode_all(&String::from_utf8_lossy(&bytes))
                        .map(|v| v.iter().all(|(l, _)| l != "CERTIFICATE") || v.is_empty())
                        .unwrap_or(true)
                    {
                        bad(&field, format!("{} 不是 PEM 格式的证书", p.display()));
                    }
                }
            }
        }
        if !(1..=60).contains(&self.timeouts.connect_s) {
            bad("timeouts.connect_s", "连接超时须为 1–60 秒".into());
        }
        if !(1..=300).contains(&self.timeouts.request_s) {
            bad("timeouts.request_s", "请求超时须为 1–300 秒".into());
        }
        if self.timeouts.query_retries > 5 {
            bad("timeouts.query_retries", "查询重试次数须为 0–5".into());
        }
        let uid = self.sm2.user_id.trim();
        if uid.is_empty() || uid.len() > 64 || !uid.is_ascii() {
            bad(
                "sm2.user_id",
                "SM2 用户标识须为 1–64 个 ASCII 字符（默认 1234567812345678）".into(),
            );
        }
        v
    }

    /// The client profile for these credentials.
    // `..default()` keeps this literal valid when a field (e.g. a CRL grace
    // period) is added to `CenterProfile` with a default.
    #[allow(clippy::needless_update)]
    pub fn to_profile(&self, creds: &Credentials) -> Result<CenterProfile, ProfileError> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(ProfileError(problems));
        }
        let mut cred_problems = Vec::new();
        if creds.app_id.trim().is_empty() {
            cred_problems.push(FieldProblem {
                field: "credentials.app_id".into(),
                message_zh: "凭证缺少 appId".into(),
            });
        }
        if creds.app_secret.trim().is_empty() {
            cred_problems.push(FieldProblem {
                field: "credentials.app_secret".into(),
                message_zh: "凭证缺少 appSecret".into(),
            });
        }
        if !cred_problems.is_empty() {
            return Err(ProfileError(cred_problems));
        }
        Ok(CenterProfile {
            name: self.name.clone(),
            epc_family: parse_family(&self.epc.family).unwrap_or_default(),
            base_url: self
                .center
                .base_url
                .trim()
                .trim_end_matches('/')
                .to_string(),
            a_path: self.center.a_path.clone(),
            a_paths: self.center.a_paths.clone(),
            paas_id: creds
                .paas_id
                .clone()
                .unwrap_or_else(|| creds.app_id.clone()),
            paas_secret: creds
                .paas_secret
                .clone()
                .unwrap_or_else(|| creds.app_secret.clone()),
            institution: Institution {
                fixmedins_code: self.institution.code.trim().to_string(),
                fixmedins_name: self.institution.name.trim().to_string(),
                mdtrtarea_admvs: self.institution.admdvs.trim().to_string(),
                recer_sys_code: self.institution.recer_sys_code.trim().to_string(),
            },
            b: Some(FamilyB {
                app_id: creds.app_id.clone(),
                app_secret: creds.app_secret.clone(),
                private_key: creds.private_key.clone(),
                platform_public_key: creds.platform_public_key.clone(),
                user_id: self.sm2.user_id.trim().to_string(),
                version: self.epc.b_version.clone(),
                path_prefix: self.epc.b_path_prefix.clone(),
            }),
            connect_timeout: Duration::from_secs(self.timeouts.connect_s),
            request_timeout: Duration::from_secs(self.timeouts.request_s),
            query_retries: self.timeouts.query_retries,
            gateway: self.gateway_scheme().unwrap_or_default(),
            tls_roots: self.tls_root_paths(),
            trust: self.trust,
            already_received_codes: self.gateway.already_received_codes.clone(),
            settlement: self.settlement,
            publication: self.publication,
            ..CenterProfile::default()
        })
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
[center]
base_url = "https://fsi.example.gov.cn:8443"
[institution]
code = "P11010100002"
name = "测试药房"
admdvs = "110101"
"#;

    fn fields(e: &ProfileError) -> Vec<String> {
        e.0.iter().map(|p| p.field.clone()).collect()
    }

    #[test]
    fn shipped_profiles_are_valid() {
        let demo = ProfileFile::parse(DEMO_PROFILE_TOML, None).unwrap();
        assert!(demo.demo);
        let reh = ProfileFile::parse(
            include_str!("../../../assets/profiles/rehearsal.toml"),
            None,
        )
        .unwrap();
        assert!(!reh.demo);
        assert_ne!(reh.institution.code, demo::PHARMACY_CODE);
    }

    #[test]
    fn good_file_gets_defaults() {
        let f = ProfileFile::parse(GOOD, None).unwrap();
        assert_eq!(f.center.a_path, DEFAULT_A_PATH);
        assert_eq!(f.gateway_scheme(), Some(GatewayScheme::XTif));
        assert_eq!(f.family_of(EpcOp::Download), Some(Family::A));
        assert_eq!(f.timeouts.request_s, 15);
    }

    #[test]
    fn the_crl_grace_period_is_read_from_the_profile() {
        // Absent: the default of decision 0003.
        let f = ProfileFile::parse(GOOD, None).unwrap();
        assert_eq!(
            f.trust.crl_grace_hours,
            rxdesk_gm::verify::DEFAULT_CRL_GRACE_HOURS
        );
        // A province's own grace period, and 0 (no grace).
        for hours in [72u32, 0] {
            let text = format!("{GOOD}[trust]\ncrl_grace_hours = {hours}\n");
            let f = ProfileFile::parse(&text, None).unwrap();
            assert_eq!(f.trust.crl_grace_hours, hours);
        }
        // Not a number of hours: refused, not silently defaulted.
        let bad = format!("{GOOD}[trust]\ncrl_grace_hours = \"a day\"\n");
        assert!(ProfileFile::parse(&bad, None).is_err());
    }

    #[test]
    fn the_stock_list_publication_is_read_from_the_profile_and_off_by_default() {
        assert!(
            !ProfileFile::parse(GOOD, None)
                .unwrap()
                .publication
                .stock_list
        );
        let demo = ProfileFile::parse(DEMO_PROFILE_TOML, None).unwrap();
        assert!(
            !demo.publication.stock_list,
            "the demo profile publishes nothing"
        );
        let text = format!("{GOOD}[publication]\nstock_list = true\n");
        assert!(
            ProfileFile::parse(&text, None)
                .unwrap()
                .publication
                .stock_list
        );
        let unknown = format!("{GOOD}[publication]\nstock_lists = true\n");
        assert!(ProfileFile::parse(&unknown, None).is_err());
    }

    #[test]
    fn the_settlement_trace_count_is_read_from_the_profile() {
        assert!(
            !ProfileFile::parse(GOOD, None)
                .unwrap()
                .settlement
                .trace_count
        );
        let text = format!("{GOOD}[settlement]\ntrace_count = true\n");
        assert!(
            ProfileFile::parse(&text, None)
                .unwrap()
                .settlement
                .trace_count
        );
        let bad = format!("{GOOD}[settlement]\ntrace_count = \"yes\"\n");
        assert!(ProfileFile::parse(&bad, None).is_err());
        let unknown = format!("{GOOD}[settlement]\ntrace_counts = true\n");
        assert!(
            ProfileFile::parse(&unknown, None).is_err(),
            "a misspelt key is refused"
        );
        let reh = ProfileFile::parse(
            include_str!("../../../assets/profiles/rehearsal.toml"),
            None,
        )
        .unwrap();
        assert!(
            reh.settlement.trace_count,
            "the rehearsal province checks the count"
        );
    }

    #[test]
    fn missing_url_is_named() {
        let e = ProfileFile::parse(
            &GOOD.replace("base_url = \"https://fsi.example.gov.cn:8443\"", ""),
            None,
        )
        .unwrap_err();
        assert_eq!(fields(&e), ["center.base_url"]);
        assert!(e.to_string().contains("缺少中心地址"), "{e}");
    }

    #[test]
    fn every_bad_field_is_named() {
        let text = r#"
name = ""
[center]
base_url = "http://fsi.example.gov.cn"
a_path = "fsi"
[epc]
family = "C"
ops = { download = "B", nonsense = "A" }
[gateway]
scheme = "hmac"
[institution]
code = "H11010100001"
admdvs = "11"
[timeouts]
connect_s = 0
[sm2]
user_id = "用户"
"#;
        let e = ProfileFile::parse(text, None).unwrap_err();
        let f = fields(&e);
        for want in [
            "name",
            "center.base_url",
            "center.a_path",
            "epc.family",
            "epc.ops.download",
            "epc.ops.nonsense",
            "gateway.scheme",
            "institution.code",
            "institution.name",
            "institution.admdvs",
            "timeouts.connect_s",
            "sm2.user_id",
        ] {
            assert!(f.iter().any(|x| x == want), "{want} not named in {f:?}");
        }
        assert!(e.to_string().contains("https"), "{e}");
    }

    #[test]
    fn unknown_field_and_bad_toml_are_errors_not_panics() {
        let e = ProfileFile::parse(&format!("{GOOD}\n[center2]\nx=1\n"), None).unwrap_err();
        assert!(e.to_string().contains("未知字段"), "{e}");
        let e = ProfileFile::parse("name = [", None).unwrap_err();
        assert!(e.to_string().contains("第 1 行"), "{e}");
    }

    #[test]
    fn to_profile_maps_credentials() {
        let f = ProfileFile::parse(GOOD, None).unwrap();
        let k = PrivateKey::from_hex(demo::APP_PRIVATE_KEY_HEX).unwrap();
        let creds = Credentials {
            app_id: "APP".into(),
            app_secret: "SECRET".into(),
            paas_id: None,
            paas_secret: None,
            private_key: k.clone(),
            platform_public_key: k.public_key(),
        };
        let p = f.to_profile(&creds).unwrap();
        assert_eq!(p.paas_id, "APP");
        assert_eq!(p.paas_secret, "SECRET");
        assert_eq!(p.institution.fixmedins_code, "P11010100002");
        assert_eq!(p.base_url, "https://fsi.example.gov.cn:8443");
        let empty = Credentials {
            app_secret: " ".into(),
            ..creds
        };
        assert!(f.to_profile(&empty).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_errs_without_panic(s in "\\PC{0,200}") {
            let _ = ProfileFile::parse(&s, None);
        }
        #[test]
        fn any_url_is_checked_without_panic(s in "[a-z:/\\[\\]0-9.]{0,40}") {
            let _ = check_base_url(&s);
        }
    }
}
