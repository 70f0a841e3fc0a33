//! # rxdesk — the command line of RxDesk
//!
//! A thin shell over `rxdesk-app`, the same services the desktop app uses:
//! for integrators, support staff and scripts. Each subcommand documents
//! itself (`rxdesk help SUBCOMMAND`).
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use rxdesk_app::{AppStatus, DataDir, Settings};
use std::process::ExitCode;

mod audit;
mod backup;
mod catalogue;
mod chain;
mod counter;
mod devices;
mod golive;
mod queue;
mod stock;
mod sync;
mod verify;
mod visit;

/// RxDesk (药店处方收银台): e-prescription counter for designated retail pharmacies.
///
/// Data lives in the platform's app-data directory, or in $RXDESK_HOME when set.
#[derive(Parser, Debug)]
#[command(name = "rxdesk", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show where data, logs and the trust store live, and the current status.
    Info {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Verify a detached CMS signature (SM2) over a file. Exit 0 valid, 1 rejected, 2 bad input.
    VerifySignature(verify::VerifySignatureArgs),
    /// Verify a downloaded prescription's signatures. Exit 0 valid, 1 rejected, 2 bad input.
    VerifyPrescription(verify::VerifyPrescriptionArgs),
    /// Counter devices: list what is attached, print a test receipt, watch a scanner.
    Devices(devices::DevicesArgs),
    /// The upload queue (outbox): status, list, retry, void.
    Queue(queue::QueueArgs),
    /// The hash-chained audit log: verify, tail.
    Audit(audit::AuditArgs),
    /// Back up the ledger with SQLite's online backup API.
    Backup(backup::BackupArgs),
    /// Send the upload queue to the center now and report.
    Sync(sync::SyncArgs),
    /// Chain sync with head office: register, sync now, status (issue 17).
    Chain(chain::ChainArgs),
    /// Run counter visits non-interactively from a scenario file (acceptance
    /// rehearsal on the center emulator: assets/scenarios/). Exit 0 only when
    /// every expectation holds. Needs --center URL of a running
    /// rxdesk-center-sim, or --with-emulator to start one inside this process
    /// (the emulator is linked into this CLI only, never into the desktop app).
    Counter(counter::CounterArgs),
    /// In-stock information for the public channels (ST-EPC-02-004), and
    /// the stock import (CSV or XLSX).
    Stock(stock::StockArgs),
    /// The product catalogue: `rxdesk catalogue import FILE` (CSV or XLSX,
    /// all lines or none, summary first).
    Catalogue(catalogue::CatalogueArgs),
    /// One prescription's visit replayed from the ledger, for support.
    Visit(visit::VisitArgs),
    /// 正式接入: import profile, credentials and CA roots, create the first
    /// manager, sign in (9001) and check connectivity. Exit 0 only when sign-in works;
    /// on any failure nothing is kept.
    Setup(golive::SetupArgs),
    /// Center profile files: `rxdesk profile check FILE`.
    Profile(golive::ProfileArgs),
    /// The sealed center credentials: import, status (fingerprints), rotate.
    Keys(golive::KeysArgs),
    /// This counter's terminal number (收银台编号, 0–9, unique within the
    /// pharmacy): shown, or set with --set (settings and ledger). It is the
    /// first digit of every msgid and 零售单据号 serial (docs/protocol.md).
    Terminal {
        /// The new terminal number.
        #[arg(long)]
        set: Option<u32>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            ExitCode::from(2)
        }
    }
}

fn terminal(set: Option<u32>) -> Result<ExitCode, rxdesk_app::AppError> {
    let dir = DataDir::resolve()?;
    let mut settings = Settings::load(&dir)?;
    if let Some(n) = set {
        if n > rxdesk_app::settings::MAX_TERMINAL_NO {
            eprintln!(
                "rxdesk: 收银台编号必须为 0–{0} / the terminal number must be 0–{0}",
                rxdesk_app::settings::MAX_TERMINAL_NO
            );
            return Ok(ExitCode::from(2));
        }
        settings.terminal_no = Some(n);
        settings.save(&dir)?;
        if dir.database().exists() {
            let store = rxdesk_app::credentials::open_ledger(&dir)?;
            store.set_terminal_no(n)?;
        }
    }
    match settings.terminal_no {
        Some(n) => println!("收银台编号 terminal: {n}"),
        None if settings.demo_mode => {
            println!("收银台编号 terminal: 0（未设置，演示模式按 0）/ not set (demo: 0)")
        }
        None => println!(
            "收银台编号 terminal: 未设置 / not set — {}",
            rxdesk_app::settings::TERMINAL_NOT_SET_ZH
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> Result<ExitCode, rxdesk_app::AppError> {
    match cli.command {
        Command::VerifySignature(args) => Ok(verify::verify_signature(args)),
        Command::VerifyPrescription(args) => Ok(verify::verify_prescription(args)),
        Command::Devices(args) => Ok(devices::run(args)),
        Command::Queue(args) => Ok(queue::run(args)),
        Command::Audit(args) => Ok(audit::run(args)),
        Command::Backup(args) => Ok(backup::run(args)),
        Command::Sync(args) => Ok(sync::run(args)),
        Command::Chain(args) => Ok(chain::run(args)),
        Command::Counter(args) => Ok(counter::run(args)),
        Command::Stock(args) => Ok(stock::run(args)),
        Command::Catalogue(args) => Ok(catalogue::run(args)),
        Command::Visit(args) => Ok(visit::run(args)),
        Command::Setup(args) => Ok(golive::setup(args)),
        Command::Profile(args) => Ok(golive::profile(args)),
        Command::Keys(args) => Ok(golive::keys(args)),
        Command::Terminal { set } => terminal(set),
        Command::Info { json } => {
            let dir = DataDir::resolve()?;
            let settings = Settings::load(&dir)?;
            let status = AppStatus::current(&dir, &settings);
            let mode = if settings.demo_mode {
                "demo"
            } else {
                "production"
            };
            if json {
                let mut v = rxdesk_app::json_keys::snake_keys(
                    serde_json::to_value(&status).expect("status serializes"),
                );
                if let Some(o) = v.as_object_mut() {
                    o.insert("mode".into(), mode.into());
                }
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v).expect("status serializes")
                );
            } else {
                println!("RxDesk {}", status.version);
                println!("数据目录 data:     {}", dir.root().display());
                println!("日志 logs:         {}", dir.logs().display());
                println!("信任库 trust:      {}", dir.trust().display());
                println!("模式 mode:         {mode}");
                println!("中心 center:       {}", status.center_label);
                println!("设备 devices:      {}", status.devices_label);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
