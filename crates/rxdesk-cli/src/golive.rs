//! Going live from the command line: `rxdesk profile check`, `rxdesk keys
//! import|status|rotate` and `rxdesk setup` (正式接入 for chain IT scripts).
//! Thin wrappers over `rxdesk_app::onboarding` and `rxdesk_app::credentials`;
//! every message zh-CN first. Exit 0 on success, 1 when the input is refused
//! (bad field, wrong passphrase, sign-in failed), 2 when the command cannot run.

use clap::{Args, Subcommand};
use rxdesk_app::onboarding::{self, SetupRequest};
use rxdesk_app::{credentials, DataDir};
use rxdesk_center::profile::ProfileFile;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `rxdesk profile …`
#[derive(Args, Debug)]
pub struct ProfileArgs {
    #[command(subcommand)]
    cmd: ProfileCmd,
}

#[derive(Subcommand, Debug)]
enum ProfileCmd {
    /// Validate a center profile file (TOML); every bad field is named. Exit 0 valid, 1 not.
    Check {
        /// The profile file.
        file: PathBuf,
    },
}

/// `rxdesk keys …`
#[derive(Args, Debug)]
pub struct KeysArgs {
    /// Data directory (default: $RXDESK_HOME or the platform's).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    cmd: KeysCmd,
}

#[derive(Subcommand, Debug)]
enum KeysCmd {
    /// Import the credentials the 医保局 issued (app_id, app_secret,
    /// platform_public_key.pem, pharmacy_private_key.pem[, pharmacy_public_key.pem])
    /// and seal them under the manager's passphrase and the OS key holder.
    Import {
        /// The directory of issued credential files.
        dir: PathBuf,
        /// File holding the passphrase (the first manager's password at setup).
        #[arg(long)]
        passphrase_file: PathBuf,
    },
    /// Fingerprints of the sealed credentials and who holds the key (no secret is printed).
    Status {
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Re-seal under a new passphrase and fresh keys, optionally with newly issued credentials.
    Rotate {
        /// File holding the current passphrase.
        #[arg(long)]
        passphrase_file: PathBuf,
        /// File holding the new passphrase.
        #[arg(long)]
        new_passphrase_file: PathBuf,
        /// Newly issued credentials to seal instead of the current ones.
        #[arg(long)]
        credentials: Option<PathBuf>,
    },
    /// Make the OS forget its key (as a reboot does): the next start needs
    /// the manager's passphrase. Nothing in the vault file changes.
    Lock,
}

/// `rxdesk setup …`
#[derive(Args, Debug)]
pub struct SetupArgs {
    /// The province's center profile (TOML).
    #[arg(long)]
    profile: PathBuf,
    /// The directory of credentials issued by the 医保局.
    #[arg(long)]
    credentials: PathBuf,
    /// The directory of 医保 CA roots (.pem/.crt/.cer/.der) and CRLs (.crl).
    #[arg(long)]
    trust: PathBuf,
    /// 定点医药机构编号 (12 characters; the one the profile names).
    #[arg(long)]
    pharmacy_code: String,
    /// The first manager's login (工号).
    #[arg(long)]
    manager: String,
    /// The first manager's display name (default: the login).
    #[arg(long, default_value = "")]
    manager_name: String,
    /// File holding the manager's password (also the credential passphrase).
    #[arg(long)]
    password_file: PathBuf,
    /// Data directory to create (default: $RXDESK_HOME or the platform's); must be absent or empty.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Center URL overriding the profile's (e.g. a rehearsal emulator's port).
    #[arg(long)]
    center: Option<String>,
    /// This counter's terminal number (收银台编号, 0–9), different for every
    /// counter of the pharmacy (docs/decisions/0007).
    #[arg(long)]
    terminal_no: u32,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn read_secret_file(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p)
        .map(|s| s.trim_end_matches(['\r', '\n']).to_string())
        .map_err(|e| format!("无法读取口令文件 {}：{e}", p.display()))
}

fn data_dir(opt: &Option<PathBuf>) -> Result<DataDir, String> {
    match opt {
        Some(d) => Ok(DataDir::at(d)),
        None => DataDir::resolve().map_err(|e| e.to_string()),
    }
}

/// Runs `rxdesk profile`.
pub fn profile(args: ProfileArgs) -> ExitCode {
    match args.cmd {
        ProfileCmd::Check { file } => match ProfileFile::load(&file) {
            Ok(f) => {
                println!(
                    "配置有效 / profile valid: {} — {} {}（{}），中心 {}，接口族 {}，网关 {}",
                    file.display(),
                    f.institution.code,
                    f.institution.name,
                    f.institution.admdvs,
                    f.center.base_url,
                    f.epc.family,
                    f.gateway.scheme
                );
                if f.demo {
                    println!("注意：这是演示配置（demo = true），只能用于演示模式");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}：{e}", file.display());
                ExitCode::from(1)
            }
        },
    }
}

/// Runs `rxdesk keys`.
pub fn keys(args: KeysArgs) -> ExitCode {
    let dir = match data_dir(&args.data_dir) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("rxdesk keys: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match args.cmd {
        KeysCmd::Import {
            dir: issued,
            passphrase_file,
        } => read_secret_file(&passphrase_file).and_then(|p| {
            credentials::import(&dir, &issued, &p)
                .map(|st| print_status(&st, false))
                .map_err(|e| e.to_string())
        }),
        KeysCmd::Status { json } => credentials::status(&dir)
            .map(|st| print_status(&st, json))
            .map_err(|e| e.to_string()),
        KeysCmd::Rotate {
            passphrase_file,
            new_passphrase_file,
            credentials: issued,
        } => read_secret_file(&passphrase_file).and_then(|old| {
            let new = read_secret_file(&new_passphrase_file)?;
            credentials::rotate(&dir, &old, &new, issued.as_deref())
                .map(|st| {
                    println!("已更换密钥并重新加密 / re-sealed with fresh keys");
                    print_status(&st, false)
                })
                .map_err(|e| e.to_string())
        }),
        KeysCmd::Lock => credentials::vault(&dir)
            .forget_os_key()
            .map(|()| {
                println!(
                    "操作系统已忘记医保凭证的密钥：下次启动需要店长口令 / the OS forgot the key: the next start needs the manager's passphrase"
                )
            })
            .map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rxdesk keys: {e}");
            ExitCode::from(1)
        }
    }
}

fn print_status(st: &rxdesk_store::vault::VaultStatus, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(st).expect("status serializes")
        );
        return;
    }
    println!("凭证 credentials (sealed {}):", st.sealed_at);
    for (k, v) in &st.fingerprints {
        println!("  {k:<22} SM3 {v}");
    }
    println!(
        "密钥保管 key holder: {}{}",
        st.os_holder,
        if st.os_key_present {
            "（本次开机无需口令）"
        } else {
            "（启动时需要店长口令）"
        }
    );
}

/// Runs `rxdesk setup`.
pub fn setup(args: SetupArgs) -> ExitCode {
    let password = match read_secret_file(&args.password_file) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rxdesk setup: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = match data_dir(&args.data_dir) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("rxdesk setup: {e}");
            return ExitCode::from(2);
        }
    };
    let req = SetupRequest {
        profile: args.profile,
        credentials: args.credentials,
        trust: args.trust,
        pharmacy_code: args.pharmacy_code,
        manager_login: args.manager.clone(),
        manager_name: args.manager_name,
        password,
        data_dir: dir.clone(),
        center_url: args
            .center
            .or_else(|| std::env::var(rxdesk_app::wiring::CENTER_URL_ENV).ok()),
        pharmacy_name: None,
        terminal_no: args.terminal_no,
        locale: None,
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rxdesk setup: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(onboarding::setup(&req)) {
        Ok(r) => {
            if args.json {
                println!("{}", rxdesk_app::json_keys::pretty(&r));
            } else {
                println!("正式接入完成 / onboarded: {}", dir.root().display());
                println!("  配置 profile:   {}", r.profile);
                println!("  药店 pharmacy:  {}", r.pharmacy_code);
                println!("  中心 center:    {}", r.center_url);
                println!("  收银台 terminal: {}", r.terminal_no);
                for t in &r.trust {
                    println!(
                        "  信任 trust:     {} {} {}（有效至 {}）",
                        t.file,
                        t.kind,
                        t.name,
                        t.valid_until.as_deref().unwrap_or("-")
                    );
                }
                print_status(&r.credentials, false);
                for s in &r.connectivity {
                    println!("  检查 check:     {s}");
                }
                println!("  店长 manager:   {}", args.manager);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rxdesk setup: [{}] {e}", e.code());
            ExitCode::from(1)
        }
    }
}
