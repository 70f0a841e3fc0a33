//! 正式接入 (going live), the scriptable part: `rxdesk setup` and, later,
//! the window's wizard call [`setup`]. Everything is checked before anything
//! is kept — the profile (every bad field named), the pharmacy code
//! (ST-EPC-02-002), the issued credentials (each file named), the CA roots
//! and CRLs (a file that is not one is named) — then the data directory is
//! built in a staging directory: profile, trust store, settings (with this
//! counter's terminal number, docs/decisions/0007), sealed credentials, the
//! first manager account; then 9001 sign-in and a
//! connectivity check that says in words what failed (DNS, TCP, TLS, gateway
//! signature, appId). Only when sign-in works is the staging directory
//! moved into place; on any failure it is removed, so nothing is
//! half-imported.

use crate::credentials::{self, CredentialError};
use crate::{DataDir, Settings};
use rxdesk_center::profile::{Credentials, ProfileError, ProfileFile};
use rxdesk_center::{
    CenterClient, CenterError, CenterProfile, MsgIdGenerator, Operator, PrescriptionCenter,
};
use rxdesk_gm::cert::Certificate;
use rxdesk_gm::crl::Crl;
use rxdesk_store::operators::NewOperator;
use rxdesk_store::vault::{Vault, VaultStatus};
use rxdesk_store::{Role, Store};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The profile file inside a data directory.
pub fn profile_path(dir: &DataDir) -> PathBuf {
    dir.root().join("profile.toml")
}

/// What `rxdesk setup` is given.
#[derive(Debug, Clone)]
pub struct SetupRequest {
    /// The province's profile file.
    pub profile: PathBuf,
    /// The directory of issued credentials.
    pub credentials: PathBuf,
    /// The directory of CA roots and CRLs.
    pub trust: PathBuf,
    /// 定点医药机构编号 (must be the one the profile names).
    pub pharmacy_code: String,
    /// The first manager's login.
    pub manager_login: String,
    /// The first manager's display name.
    pub manager_name: String,
    /// Her password, also the vault passphrase.
    pub password: String,
    /// Where the data directory goes (must be absent or empty).
    pub data_dir: DataDir,
    /// Center URL overriding the profile's (rehearsal on another port).
    pub center_url: Option<String>,
    /// This counter's terminal number (收银台编号, 0–9), unique within the
    /// pharmacy (docs/decisions/0007): the first digit of every msgid and
    /// 零售单据号 serial it issues.
    pub terminal_no: u32,
    /// Pharmacy name for receipts; the profile's `institution.name` when
    /// `None` or empty.
    pub pharmacy_name: Option<String>,
    /// UI language to keep (`zh-CN` when `None`).
    pub locale: Option<String>,
}

/// One imported trust file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TrustItem {
    /// File name.
    pub file: String,
    /// `root`, `intermediate` or `crl`.
    pub kind: String,
    /// Subject (certificates) or issuer (CRLs).
    pub name: String,
    /// Valid until (certificate notAfter, CRL nextUpdate), Beijing time
    /// (`yyyy-MM-dd HH:mm:ss`).
    pub valid_until: Option<String>,
}

/// What a successful setup did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SetupReport {
    /// Profile name.
    pub profile: String,
    /// Pharmacy code.
    pub pharmacy_code: String,
    /// Center URL in force.
    pub center_url: String,
    /// Credential fingerprints and key holder.
    pub credentials: VaultStatus,
    /// Trust files imported.
    pub trust: Vec<TrustItem>,
    /// The sign-in and connectivity check, in words.
    pub connectivity: Vec<String>,
    /// This counter's terminal number.
    pub terminal_no: u32,
}

/// Why setup stopped (zh-CN sentences; nothing was kept).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The profile file.
    #[error("{0}")]
    Profile(#[from] ProfileError),
    /// The demo profile cannot go live.
    #[error(
        "配置文件 {0} 是演示配置（demo = true），不能用于正式接入：请使用医保局提供的本省配置"
    )]
    DemoProfile(PathBuf),
    /// Pharmacy code.
    #[error("定点药店编码不正确：{0}")]
    PharmacyCode(String),
    /// Credential files or vault.
    #[error("{0}")]
    Credentials(#[from] CredentialError),
    /// A trust file.
    #[error("信任库文件 {file}：{why}；未导入任何内容")]
    Trust {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The manager account.
    #[error("店长账户：{0}")]
    Manager(String),
    /// The terminal number.
    #[error("收银台编号：{0}")]
    TerminalNo(String),
    /// The data directory.
    #[error("数据目录 {path}：{why}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The center could not be reached or refused; says which step.
    #[error("连接医保中心失败：{0}。未保存任何内容")]
    Connectivity(String),
}

impl SetupError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Profile(_) => "SETUP_PROFILE",
            Self::DemoProfile(_) => "SETUP_DEMO_PROFILE",
            Self::PharmacyCode(_) => "SETUP_PHARMACY_CODE",
            Self::Credentials(c) => c.code(),
            Self::Trust { .. } => "SETUP_TRUST_FILE",
            Self::Manager(_) => "SETUP_MANAGER",
            Self::TerminalNo(_) => "SETUP_TERMINAL_NO",
            Self::DataDir { .. } => "SETUP_DATA_DIR",
            Self::Connectivity(_) => "SETUP_CONNECTIVITY",
        }
    }
}

/// Whether setup may build the data directory at `target`: absent, empty,
/// or holding only what the window's first start leaves there (its `logs/`
/// and an empty `trust/`) — never a directory with a ledger, settings or
/// anything else.
pub fn fresh_target(target: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(target) else {
        return !target.exists();
    };
    rd.flatten().all(|e| {
        let name = e.file_name();
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
        match name.to_str() {
            Some("logs") => is_dir,
            Some("trust") => {
                is_dir
                    && std::fs::read_dir(e.path())
                        .map(|mut d| d.next().is_none())
                        .unwrap_or(false)
            }
            _ => false,
        }
    })
}

/// What the wizard shows once a profile file is read (nothing secret).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ProfilePreview {
    /// Profile name.
    pub name: String,
    /// Center URL.
    pub base_url: String,
    /// 定点医药机构编号 the profile names.
    pub institution_code: String,
    /// Its name.
    pub institution_name: String,
    /// 医保区划.
    pub admdvs: String,
    /// Gateway header scheme.
    pub gateway: String,
    /// Wire family of the e-prescription operations.
    pub family: String,
}

/// Reads and checks a profile file for the wizard: every bad field named
/// (the same check as `rxdesk profile check` and [`setup`]); the demo
/// profile is refused.
pub fn preview_profile(path: &Path) -> Result<ProfilePreview, SetupError> {
    let file = ProfileFile::load(path)?;
    if file.demo {
        return Err(SetupError::DemoProfile(path.to_path_buf()));
    }
    Ok(ProfilePreview {
        name: file.name.clone(),
        base_url: file.center.base_url.clone(),
        institution_code: file.institution.code.clone(),
        institution_name: file.institution.name.clone(),
        admdvs: file.institution.admdvs.clone(),
        gateway: file.gateway.scheme.clone(),
        family: file.epc.family.clone(),
    })
}

/// Reads and checks an issued credential directory for the wizard: the
/// fingerprints of what would be sealed (never the secrets).
pub fn preview_credentials(
    dir: &Path,
) -> Result<std::collections::BTreeMap<String, String>, SetupError> {
    let (secrets, _) = credentials::read_issued_dir(dir)?;
    Ok(secrets
        .iter()
        .map(|(k, v)| (k.clone(), rxdesk_store::vault::fingerprint(v)))
        .collect())
}

/// Checks the pharmacy code against the national format and the profile.
pub fn check_pharmacy_code(code: &str, profile: &Path) -> Result<(), SetupError> {
    let code = code.trim();
    rxdesk_core::code_format::validate_pharmacy_code(code)
        .map_err(|e| SetupError::PharmacyCode(e.message_zh()))?;
    let file = ProfileFile::load(profile)?;
    if code != file.institution.code {
        return Err(SetupError::PharmacyCode(format!(
            "{code} 与配置文件登记的 {}（institution.code）不一致",
            file.institution.code
        )));
    }
    Ok(())
}

fn trust_err(file: &Path, why: impl Into<String>) -> SetupError {
    SetupError::Trust {
        file: file.to_path_buf(),
        why: why.into(),
    }
}

/// Checks every file of a trust directory: certificates (`.pem .crt .cer
/// .der`, CA certificates only) and CRLs (`.crl`). Anything else, or a file
/// that does not parse, is an error naming the file. At least one root.
pub fn check_trust_dir(dir: &Path) -> Result<Vec<(PathBuf, TrustItem)>, SetupError> {
    let mut paths: Vec<PathBuf> = if dir.is_file() {
        // One root file given on its own (the window's path field).
        vec![dir.to_path_buf()]
    } else {
        std::fs::read_dir(dir)
            .map_err(|e| trust_err(dir, format!("无法读取目录（{e}）")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect()
    };
    paths.sort();
    let mut out = Vec::new();
    let mut roots = 0;
    for p in paths.into_iter().filter(|p| p.is_file()) {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let bytes = std::fs::read(&p).map_err(|e| trust_err(&p, format!("无法读取（{e}）")))?;
        match ext.as_str() {
            "pem" | "crt" | "cer" | "der" => {
                let certs = Certificate::load_all(&bytes)
                    .ok()
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| trust_err(&p, "不是证书（PEM 或 DER 格式的 X.509 证书）"))?;
                for c in certs {
                    if !c.is_ca() {
                        return Err(trust_err(
                            &p,
                            format!(
                                "证书 {} 不是 CA 证书：信任库只放医保 CA 根证书和中间证书",
                                c.subject_dn()
                            ),
                        ));
                    }
                    let root = c.is_self_issued();
                    roots += usize::from(root);
                    out.push((
                        p.clone(),
                        TrustItem {
                            file: name.clone(),
                            kind: if root { "root" } else { "intermediate" }.into(),
                            name: c.subject_dn(),
                            valid_until: Some(rxdesk_core::time::format_wire(c.not_after())),
                        },
                    ));
                }
            }
            "crl" => {
                let crl = Crl::from_bytes(&bytes)
                    .map_err(|_| trust_err(&p, "不是证书吊销列表（CRL）"))?;
                out.push((
                    p.clone(),
                    TrustItem {
                        file: name,
                        kind: "crl".into(),
                        name: crl.issuer_dn(),
                        valid_until: crl.next_update().map(rxdesk_core::time::format_wire),
                    },
                ));
            }
            _ => {
                return Err(trust_err(
                    &p,
                    "不是证书或吊销列表（只接受 .pem .crt .cer .der 证书和 .crl 吊销列表）",
                ))
            }
        }
    }
    if roots == 0 {
        return Err(trust_err(dir, "没有医保 CA 根证书"));
    }
    Ok(out)
}

/// The sign-in and connectivity check: each step in words; the first that
/// fails says what failed (DNS, TCP, TLS, gateway signature, appId).
pub async fn check_connectivity(
    client: &CenterClient,
    operator: &Operator,
) -> Result<Vec<String>, String> {
    let p = client.profile();
    let url = p.base_url.as_str();
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() => (h.to_string(), port.parse().unwrap_or(443)),
        _ => (
            authority.to_string(),
            if scheme == "http" { 80 } else { 443 },
        ),
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let mut steps = Vec::new();
    let addrs: Vec<_> = match tokio::time::timeout(
        p.connect_timeout,
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    {
        Ok(Ok(a)) => a.collect(),
        Ok(Err(e)) => {
            return Err(format!(
                "域名解析（DNS）失败：无法解析 {host}（{e}）。请检查网络和 DNS 设置，或核对配置文件的 center.base_url"
            ))
        }
        Err(_) => return Err(format!("域名解析（DNS）超时：{host}")),
    };
    steps.push(format!(
        "DNS：{host} → {}",
        addrs
            .iter()
            .map(|a| a.ip().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut connected = None;
    for a in &addrs {
        if let Ok(Ok(_)) =
            tokio::time::timeout(p.connect_timeout, tokio::net::TcpStream::connect(a)).await
        {
            connected = Some(*a);
            break;
        }
    }
    let Some(addr) = connected else {
        return Err(format!(
            "网络连接失败：{host}:{port} 无法连接（端口未开放、中心未启动或被防火墙拦截）"
        ));
    };
    steps.push(format!("TCP：已连接 {addr}"));
    let op = operator.clone();
    match client.sign_in(&op).await {
        Ok(_) => {
            if scheme == "https" {
                steps.push("TLS：中心证书验证通过".into());
            }
            steps.push("网关签名与 appId：中心已接受".into());
            steps.push("9001 签到：成功".into());
            Ok(steps)
        }
        Err(e) => Err(describe_sign_in_failure(&e, scheme == "https")),
    }
}

/// A failed 9001 in words: which credential or layer is wrong.
pub fn describe_sign_in_failure(e: &CenterError, https: bool) -> String {
    use rxdesk_center::error::codes;
    match e {
        CenterError::Rejected { code, message } if code == &codes::BAD_GATEWAY_SIGNATURE.to_string() => format!(
            "网关签名被拒（appSecret 不正确，或本机时钟与中心相差超过 5 分钟）：请核对医保局下发的 appSecret 和系统时间。中心答复：{message}"
        ),
        CenterError::Rejected { code, message } if code == &codes::UNKNOWN_ACCOUNT.to_string() => format!(
            "appId 未登记（appId 不正确）：请核对医保局下发的 appId。中心答复：{message}"
        ),
        CenterError::Rejected { code, message } => {
            format!("9001 签到被中心拒绝（代码 {code}）：{message}")
        }
        CenterError::Transient(m) | CenterError::Uncertain(m) if https => format!(
            "TLS 握手或中心应答失败：请核对配置文件 tls.roots 中的中心证书根，以及本机时间（{m}）"
        ),
        CenterError::Transient(m) | CenterError::Uncertain(m) => {
            format!("中心没有应答 9001 签到：{m}")
        }
        CenterError::Invalid(m) => format!("请求未能发出（配置或凭证有误）：{m}"),
    }
}

/// The client of a profile with the desk's msgid range of terminal
/// `terminal_no` and its high-water file.
pub fn desk_client(
    dir: &DataDir,
    profile: CenterProfile,
    terminal_no: u32,
) -> Result<(CenterClient, Arc<MsgIdGenerator>), String> {
    let msgids = Arc::new(
        MsgIdGenerator::for_role(
            &profile.institution.fixmedins_code,
            terminal_no,
            rxdesk_center::IdRole::Desk,
            dir.root(),
        )
        .map_err(|e| format!("报文编号文件不可用：{e}"))?,
    );
    let client = CenterClient::new(profile, Arc::clone(&msgids))
        .map_err(|e| format!("中心客户端无法创建：{e}"))?;
    Ok((client, msgids))
}

fn copy_file(from: &Path, to: &Path) -> Result<(), SetupError> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| SetupError::DataDir {
            path: to.to_path_buf(),
            why: format!("无法写入（{e}）"),
        })
}

struct Staging {
    dir: PathBuf,
    vault: Option<Vault>,
    done: bool,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            if let Some(v) = &self.vault {
                let _ = v.forget_os_key();
            }
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Runs the whole onboarding; see the module doc. Returns what was done.
pub async fn setup(req: &SetupRequest) -> Result<SetupReport, SetupError> {
    // 1. Check everything given, before writing anything.
    let file = ProfileFile::load(&req.profile)?;
    if file.demo {
        return Err(SetupError::DemoProfile(req.profile.clone()));
    }
    let code = req.pharmacy_code.trim();
    rxdesk_core::code_format::validate_pharmacy_code(code)
        .map_err(|e| SetupError::PharmacyCode(e.message_zh()))?;
    if code != file.institution.code {
        return Err(SetupError::PharmacyCode(format!(
            "{code} 与配置文件登记的 {}（institution.code）不一致",
            file.institution.code
        )));
    }
    let (secrets, creds) = credentials::read_issued_dir(&req.credentials)?;
    let trust = check_trust_dir(&req.trust)?;
    if req.terminal_no > crate::settings::MAX_TERMINAL_NO {
        return Err(SetupError::TerminalNo(format!(
            "必须为 0–{}（当前 {}），同一药店内每台收银台各不相同",
            crate::settings::MAX_TERMINAL_NO,
            req.terminal_no
        )));
    }
    if req.manager_login.trim().is_empty() {
        return Err(SetupError::Manager("工号不能为空".into()));
    }
    if req.password.chars().count() < rxdesk_store::vault::MIN_PASSPHRASE_CHARS {
        return Err(SetupError::Manager(format!(
            "密码至少需要 {} 个字符（它也是医保凭证的解锁口令）",
            rxdesk_store::vault::MIN_PASSPHRASE_CHARS
        )));
    }
    let target = req.data_dir.root().to_path_buf();
    if !fresh_target(&target) {
        return Err(SetupError::DataDir {
            path: target,
            why: "已有数据：正式接入须在新的（空的）数据目录进行；已接入的药店用 rxdesk keys 更换凭证".into(),
        });
    }
    let mut profile = file.to_profile(&creds)?;
    if let Some(u) = req.center_url.as_deref().filter(|u| !u.trim().is_empty()) {
        if let Some(why) = rxdesk_center::profile::check_base_url(u) {
            return Err(SetupError::Profile(ProfileError(vec![
                rxdesk_center::profile::FieldProblem {
                    field: "--center".into(),
                    message_zh: why,
                },
            ])));
        }
        profile.base_url = u.trim().trim_end_matches('/').to_string();
    }

    // 2. Build the data directory in a staging directory next to it.
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&parent).map_err(|e| SetupError::DataDir {
        path: parent.clone(),
        why: format!("无法创建（{e}）"),
    })?;
    let mut staging = Staging {
        dir: parent.join(format!(
            ".{}.setup-{}",
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "rxdesk".into()),
            std::process::id()
        )),
        vault: None,
        done: false,
    };
    let _ = std::fs::remove_dir_all(&staging.dir);
    let stage = DataDir::at(&staging.dir);
    stage.ensure().map_err(|e| SetupError::DataDir {
        path: staging.dir.clone(),
        why: e.to_string(),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&staging.dir, std::fs::Permissions::from_mode(0o700));
    }
    copy_file(&req.profile, &profile_path(&stage))?;
    for (path, _) in &trust {
        if let Some(name) = path.file_name() {
            copy_file(path, &stage.trust().join(name))?;
        }
    }
    let settings = Settings {
        demo_mode: false,
        center_url: Some(profile.base_url.clone()),
        store_name: req
            .pharmacy_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&file.institution.name)
            .to_string(),
        fixmedins_code: code.to_string(),
        terminal_no: Some(req.terminal_no),
        locale: req
            .locale
            .clone()
            .filter(|l| l == "zh-CN" || l == "en-US")
            .unwrap_or_else(|| "zh-CN".into()),
        ..Settings::default()
    };
    settings.save(&stage).map_err(|e| SetupError::DataDir {
        path: staging.dir.clone(),
        why: e.to_string(),
    })?;
    // The new ledger's master key is sealed in the vault with the issued
    // credentials: no key file is ever written in production.
    let ledger_key = rxdesk_store::protect::new_master_key().map_err(|e| SetupError::DataDir {
        path: stage.database(),
        why: e.to_string(),
    })?;
    let mut secrets = secrets;
    secrets.insert(
        rxdesk_store::vault::LEDGER_KEY.to_string(),
        ledger_key.to_vec(),
    );
    let vault = credentials::vault(&stage);
    let sealed = vault
        .create(&req.password, &secrets)
        .map_err(CredentialError::from)?;
    staging.vault = Some(vault);
    {
        let store = Store::open_keyed(stage.database(), rxdesk_store::KeySource::Held(ledger_key))
            .map_err(|e| SetupError::DataDir {
                path: stage.database(),
                why: e.to_string(),
            })?;
        store
            .set_terminal_no(req.terminal_no)
            .map_err(|e| SetupError::TerminalNo(e.to_string()))?;
        store
            .create_operator(
                None,
                &NewOperator {
                    login: req.manager_login.trim().to_string(),
                    display_name: if req.manager_name.trim().is_empty() {
                        req.manager_login.trim().to_string()
                    } else {
                        req.manager_name.trim().to_string()
                    },
                    role: Role::Manager,
                    password: req.password.clone(),
                    cert_type: None,
                    certno: None,
                    prac_cert_no: None,
                },
            )
            .map_err(|e| SetupError::Manager(e.to_string()))?;
    }

    // 3. Sign in (9001) with what was sealed, reopened from the vault.
    let reopened = credentials::from_secrets(
        &credentials::vault(&stage)
            .unseal(Some(&req.password))
            .map_err(CredentialError::from)?,
        &credentials::vault(&stage).path(),
    )?;
    let check_profile = file.to_profile(&reopened)?;
    let check_profile = CenterProfile {
        base_url: profile.base_url.clone(),
        ..check_profile
    };
    let (client, _) =
        desk_client(&stage, check_profile, req.terminal_no).map_err(SetupError::Connectivity)?;
    let operator = Operator::clerk(req.manager_login.trim(), &req.manager_name);
    let connectivity = check_connectivity(&client, &operator)
        .await
        .map_err(SetupError::Connectivity)?;

    // 4. Keep it: the first start's logs move along (the running app keeps
    // writing to its open log file), then the whole directory is renamed
    // into place at once.
    if target.exists() {
        let logs = target.join("logs");
        if logs.is_dir() {
            let staged_logs = staging.dir.join("logs");
            let _ = std::fs::remove_dir(&staged_logs);
            std::fs::rename(&logs, &staged_logs).map_err(|e| SetupError::DataDir {
                path: logs.clone(),
                why: format!("无法移动日志目录（{e}）"),
            })?;
        }
        let trust = target.join("trust");
        if trust.is_dir() {
            let _ = std::fs::remove_dir(&trust);
        }
        if let Err(e) = std::fs::remove_dir(&target) {
            // Put the logs back: the target stays as it was.
            let _ = std::fs::rename(staging.dir.join("logs"), target.join("logs"));
            return Err(SetupError::DataDir {
                path: target.clone(),
                why: format!("无法替换空目录（{e}）"),
            });
        }
    }
    std::fs::rename(&staging.dir, &target).map_err(|e| SetupError::DataDir {
        path: target.clone(),
        why: format!("无法移入位置（{e}）"),
    })?;
    staging.done = true;
    tracing::info!(profile = %file.name, pharmacy = %code, "onboarded (production)");
    Ok(SetupReport {
        profile: file.name.clone(),
        pharmacy_code: code.to_string(),
        center_url: profile.base_url,
        credentials: sealed,
        trust: trust.into_iter().map(|(_, t)| t).collect(),
        connectivity,
        terminal_no: req.terminal_no,
    })
}

/// The production center profile of an onboarded data directory: its
/// profile file with the sealed credentials, the URL from the settings.
pub fn production_profile(dir: &DataDir, settings: &Settings) -> Result<CenterProfile, String> {
    let path = profile_path(dir);
    if !path.is_file() {
        return Err(format!(
            "未找到中心配置文件 {}：请先运行 rxdesk setup 完成正式接入",
            path.display()
        ));
    }
    let file = ProfileFile::load(&path).map_err(|e| e.to_string())?;
    if file.demo {
        return Err("数据目录中的中心配置是演示配置，不能用于正式接入".into());
    }
    let creds: Credentials = credentials::load(dir).map_err(|e| e.to_string())?;
    let mut p = file.to_profile(&creds).map_err(|e| e.to_string())?;
    if let Some(url) = crate::wiring::center_url(settings) {
        p.base_url = url.trim_end_matches('/').to_string();
    }
    Ok(p)
}
