//! `rxdesk chain`: this counter's link with head office (issue 17) — why it
//! exists: a manager registers the counter once, can run a sync round by
//! hand (the desktop app runs them in the background) and see the status.
//!
//! - `rxdesk chain register --hq URL --store CODE --counter N --code CODE`
//! - `rxdesk chain sync` — one round now (push until drained, then pull),
//!   refused while the desktop app's worker holds the ledger's chain lock
//! - `rxdesk chain status` — registered?, HQ, last sync, backlog, error
//!
//! Exit 0 on success, 1 when HQ refused or could not be reached (with a
//! sentence), 2 on a broken ledger or bad input.

use crate::queue::{open_ledger, LedgerArgs};
use clap::{Args, Subcommand};
use rxdesk_app::chain::{self, ChainError, RegisterArgs};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// `rxdesk chain …`
#[derive(Args, Debug)]
pub struct ChainArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(subcommand)]
    command: ChainCommand,
}

#[derive(Subcommand, Debug)]
enum ChainCommand {
    /// Register this counter with head office (once per counter).
    Register {
        /// Head office's URL (http(s)://host:port).
        #[arg(long)]
        hq: String,
        /// The store's 12-character 定点医药机构编码.
        #[arg(long)]
        store: String,
        /// This counter's number within the store.
        #[arg(long)]
        counter: u16,
        /// The registration code head office issued for the store.
        #[arg(long)]
        code: String,
    },
    /// One sync round now: push what this counter wrote, then pull.
    Sync {
        /// Seconds per HTTP call.
        #[arg(long, default_value_t = 20)]
        timeout: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Registration, last sync, backlog, last error and blocked records.
    Status {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

fn refused(e: &ChainError) -> ExitCode {
    eprintln!(
        "rxdesk: {}（{}）/ {}",
        e.message_zh(),
        e.code(),
        e.message_en()
    );
    match e {
        ChainError::Store(_) => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

/// Runs `rxdesk chain …`.
pub fn run(args: ChainArgs) -> ExitCode {
    let store = match open_ledger(&args.ledger) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rxdesk: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match args.command {
        ChainCommand::Register {
            hq,
            store: code,
            counter,
            code: registration_code,
        } => {
            let args = RegisterArgs {
                hq_url: hq,
                store_code: code,
                counter_no: counter,
                registration_code,
            };
            match rt.block_on(chain::register(&store, &args, Duration::from_secs(20))) {
                Ok(r) => {
                    println!(
                        "已注册到总部 / registered: site {} store {} counter {} at {}",
                        r.site_id, r.store_code, r.counter_no, r.hq_url
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => refused(&e),
            }
        }
        ChainCommand::Sync { timeout, json } => {
            match rt.block_on(chain::sync_once(
                &store,
                Duration::from_secs(timeout.max(1)),
            )) {
                Ok(r) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
                    } else {
                        println!(
                            "已上传 pushed: {} 条记录 records in {} 批 batches; 已下载 pulled: {} 条 records ({} integrated, {} price changes, {} own boxes sold elsewhere, {} transfers received, {} own transfers confirmed received)",
                            r.records_pushed,
                            r.batches_pushed,
                            r.records_pulled,
                            r.integrated,
                            r.price_changes,
                            r.own_boxes_sold,
                            r.transfers_received,
                            r.transfers_confirmed
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => refused(&e),
            }
        }
        ChainCommand::Status { json } => match chain::chain_status(&store) {
            Ok(s) if json => {
                println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Ok(s) => {
                if !s.registered {
                    println!("未注册到总部 / not registered (backlog {})", s.backlog);
                    return ExitCode::SUCCESS;
                }
                println!("总部 HQ: {}", s.hq_url.unwrap_or_default());
                println!(
                    "门店 store: {} 柜台 counter: {}",
                    s.store_code.unwrap_or_default(),
                    s.counter_no.unwrap_or_default()
                );
                println!(
                    "上次同步 last sync: {}",
                    s.last_sync_at
                        .and_then(chrono::DateTime::from_timestamp_millis)
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "从未 never".into())
                );
                println!("待上传 backlog: {}", s.backlog);
                if let Some(e) = &s.error {
                    println!(
                        "错误 error: {} — {} / {}",
                        e.code, e.message_zh, e.message_en
                    );
                }
                for i in &s.issues {
                    println!(
                        "被拒记录 blocked: {} {} {}: {}",
                        i.table.as_str(),
                        i.record_id,
                        i.code,
                        i.message
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => refused(&e),
        },
    }
}
