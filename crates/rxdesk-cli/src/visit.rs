//! `rxdesk visit show KEY`: one prescription's visit replayed from the ledger
//! for support (`Store::timeline`) — download, verdicts, audit, 2102
//! attempts, sale, refund, deliveries, uploads and their fate, in time order.
//! KEY is a 医保处方编号, a 零售单据号 or the visit id of the logs. No patient
//! name or ID number is printed.

use crate::queue::{open_ledger, LedgerArgs};
use clap::{Args, Subcommand};
use std::process::ExitCode;

/// `rxdesk visit …`
#[derive(Args, Debug)]
pub struct VisitArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(subcommand)]
    command: VisitCommand,
}

#[derive(Subcommand, Debug)]
enum VisitCommand {
    /// Print what the ledger holds about one prescription, in time order.
    Show {
        /// 医保处方编号, 零售单据号 or visit id.
        key: String,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `rxdesk visit …`.
pub fn run(args: VisitArgs) -> ExitCode {
    let VisitCommand::Show { key, json } = args.command;
    let store = match open_ledger(&args.ledger) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let events = match store.timeline(&key) {
        Ok(ev) => ev,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(1);
        }
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&events).unwrap_or_else(|_| "[]".into())
        );
    } else {
        for e in &events {
            let who = e
                .operator
                .as_deref()
                .map(|o| format!("  [{o}]"))
                .unwrap_or_default();
            println!("{}  {:<10} {}{who}", e.at, e.kind, e.what_zh);
        }
    }
    ExitCode::SUCCESS
}
