//! `rxdesk sync`: drain the upload queue to the center now, with the same
//! worker the desktop app runs in the background (per-chain order, bounded
//! parallelism, backoff, resolution of uncertain rows), and report.
//!
//! Refuses to run while another worker (the desktop app) holds the ledger's
//! sync lock. Exit 0 when nothing is left waiting, 1 when rows remain
//! (rejected, or the center could not be reached in time), 2 on bad input.

use crate::queue::{open_ledger, LedgerArgs};
use clap::Args;
use rxdesk_app::uploader::CenterUploader;
use rxdesk_center::{CenterClient, CenterProfile, Family, IdRole, MsgIdGenerator, Operator};
use rxdesk_store::sync::{self, SyncConfig};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// `rxdesk sync …`
#[derive(Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    /// Center base URL (default: $RXDESK_CENTER_URL, then the settings).
    /// This build speaks the demo profile (family A) only.
    #[arg(long)]
    center: Option<String>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Chains sent in parallel.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
    /// Print the final status as JSON.
    #[arg(long)]
    json: bool,
}

fn center_url(args: &SyncArgs) -> Result<String, String> {
    if let Some(u) = &args.center {
        return Ok(u.clone());
    }
    if let Ok(u) = std::env::var("RXDESK_CENTER_URL") {
        if !u.trim().is_empty() {
            return Ok(u);
        }
    }
    let dir = rxdesk_app::DataDir::resolve().map_err(|e| e.to_string())?;
    rxdesk_app::Settings::load(&dir)
        .map_err(|e| e.to_string())?
        .center_url
        .ok_or_else(|| {
            "未配置医保中心地址 / no center URL: pass --center or set RXDESK_CENTER_URL".into()
        })
}

/// Runs `rxdesk sync`.
pub fn run(args: SyncArgs) -> ExitCode {
    let url = match center_url(&args) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match open_ledger(&args.ledger) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let profile = match CenterProfile::demo(&url, Family::A) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rxdesk: center profile: {e}");
            return ExitCode::from(2);
        }
    };
    // The CLI's own part of this terminal's serial block (T500-T599) with
    // its own high-water file next to the ledger, locked while this process
    // runs: its sign-ins and probes never share a msgid with the app's desk
    // (T000-T399), its upload worker (T400-T499) or the outbox (T600-T999).
    let terminal = match store.terminal_no() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let hwm = store.path().with_file_name(IdRole::Cli.high_water_file());
    let client =
        match MsgIdGenerator::with_high_water_file(&profile.institution.fixmedins_code, hwm)
            .and_then(|g| g.for_terminal(terminal, IdRole::Cli))
            .map_err(|e| e.to_string())
            .and_then(|g| CenterClient::new(profile, Arc::new(g)).map_err(|e| e.to_string()))
        {
            Ok(c) => Arc::new(c),
            Err(e) => {
                eprintln!("rxdesk: center client: {e}");
                return ExitCode::from(2);
            }
        };
    let uploader = Arc::new(CenterUploader::new(
        client,
        Operator::clerk("rxdesk-sync", "后台上传"),
    ));
    let cfg = SyncConfig {
        max_parallel: args.parallel.max(1),
        ..SyncConfig::default()
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rxdesk: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = rt.block_on(sync::drain(
        store,
        uploader,
        cfg,
        Duration::from_secs(args.timeout),
    ));
    match result {
        Ok(status) => {
            if args.json {
                println!("{}", rxdesk_app::json_keys::pretty(&status));
            } else {
                println!(
                    "已上传 done {}，待上传 pending {}，结果未知 uncertain {}，被拒绝 rejected {}",
                    status.done, status.pending, status.uncertain, status.rejected
                );
                if let Some(e) = &status.last_error {
                    println!("最近错误 last error: {e}");
                }
            }
            if status.depth == 0 && status.rejected == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("rxdesk: {e}");
            crate::queue::exit_for(&e)
        }
    }
}
