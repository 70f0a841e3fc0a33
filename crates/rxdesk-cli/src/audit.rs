//! `rxdesk audit`: check the hash-chained audit log of the ledger.
//! Exit 0 intact, 1 tampered, 2 unusable ledger.

use crate::queue::{open_ledger, LedgerArgs};
use clap::{Args, Subcommand};
use rxdesk_store::auditlog::AuditProblem;
use std::process::ExitCode;

/// `rxdesk audit …`
#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the whole chain; report the first edited, deleted or cut-off entry.
    Verify {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Show the latest entries.
    Tail {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// Runs `rxdesk audit`.
pub fn run(args: AuditArgs) -> ExitCode {
    let store = match open_ledger(&args.ledger) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    match args.command {
        AuditCommand::Verify { json } => match store.verify_audit_log_with_anchors() {
            Ok(v) => {
                if json {
                    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                } else {
                    match &v.problem {
                        None => println!("审计日志完整 audit log intact: {} entries", v.entries),
                        Some(AuditProblem::Edited { id }) => {
                            println!("审计日志被篡改 TAMPERED: entry {id} was edited")
                        }
                        Some(AuditProblem::Broken { id, after }) => println!(
                            "审计日志被篡改 TAMPERED: entries missing or reordered between {after} and {id}"
                        ),
                        Some(AuditProblem::Truncated { last, head }) => println!(
                            "审计日志被篡改 TAMPERED: chain ends at {last} but the recorded head is {head}"
                        ),
                        // Checked against the anchor file outside the ledger.
                        Some(other) => println!("审计日志被篡改 TAMPERED: {}", other.sentence_zh()),
                    }
                }
                if v.problem.is_none() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            Err(e) => {
                eprintln!("rxdesk: {e}");
                ExitCode::from(2)
            }
        },
        AuditCommand::Tail { limit } => match store.audit_entries(limit) {
            Ok(rows) => {
                for e in rows {
                    let at = chrono::DateTime::from_timestamp_millis(e.at).unwrap_or_default();
                    println!(
                        "{:>6}  {}  op={:<4}  {:<18} {}",
                        e.id,
                        rxdesk_core::time::format_wire(at),
                        e.operator_id
                            .map(|o| o.to_string())
                            .unwrap_or_else(|| "-".into()),
                        e.event,
                        e.detail
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("rxdesk: {e}");
                ExitCode::from(2)
            }
        },
    }
}
