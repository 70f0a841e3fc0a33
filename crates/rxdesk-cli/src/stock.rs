//! `rxdesk stock export`: the in-stock listing for the public channels
//! (ST-EPC-02-004) — every circulating product with unexpired stock, its
//! price and whole packs — as CSV or JSON on stdout, from the ledger
//! (`Store::in_stock_listing`, the same call the desktop app makes);
//! `rxdesk stock import FILE` (CSV or XLSX, `catalogue.rs`); and the
//! manager's box-level views: `rxdesk stock list` (every batch on hand with
//! the trace codes of its boxes on the shelf) and `rxdesk stock near-expiry
//! --days N` (JSON, `Store::stock_list` / `Store::near_expiry`); the
//! manager's corrections: `rxdesk stock delete-upload` (3507, a wrong
//! stock-side upload withdrawn) and `rxdesk stock duplicates import|list|
//! mark` (the bureau's duplicate trace-code list, each row explained from
//! the ledger and marked explained / to void / to re-upload); `rxdesk stock
//! transfer-out --to STORE --codes …` (调拨出 to another store of the chain,
//! issue 17). Writes sign in
//! as `--operator` (password from RXDESK_PASSWORD or stdin).

use crate::queue::{exit_for, login, open_ledger, LedgerArgs, OperatorArgs};
use clap::{Args, Subcommand, ValueEnum};
use std::process::ExitCode;

/// `rxdesk stock …`
#[derive(Args, Debug)]
pub struct StockArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(subcommand)]
    command: StockCommand,
}

#[derive(Subcommand, Debug)]
enum StockCommand {
    /// Print the in-stock listing (what is on sale, price, packs in stock).
    /// Expired batches and drugs outside circulation are never listed.
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Count stock as of this date (yyyy-MM-dd, default today in CST).
        #[arg(long)]
        date: Option<String>,
    },
    /// Import stock batches (columns fixmedins_hilist_id, fixmedins_bchno,
    /// manu_lotnum, manu_date, expy_end, quantity, store) from a .csv or
    /// .xlsx file: all lines or none, after a summary.
    Import(crate::catalogue::ImportArgs),
    /// Every batch on hand with the trace codes of its boxes on the shelf
    /// (JSON).
    List,
    /// Batches on hand that expire within `--days` days (expired ones
    /// included), first expiry first (JSON).
    NearExpiry {
        /// Days ahead.
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
    /// Withdraw a wrong stock-side upload (3507): every standing record of
    /// the batch number and data type is deleted at the center (manager).
    DeleteUpload {
        #[command(flatten)]
        who: OperatorArgs,
        /// The upload's batch number (fixmedins_bchno).
        #[arg(long)]
        batch: String,
        /// What is withdrawn: 1 盘存 (3501), 2 库存变更 (3502), 3 采购
        /// (3503/3504), 4 销售 (3505/3506).
        #[arg(long = "type")]
        data_type: String,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// 调拨出 to another store of the chain: the boxes leave (state
    /// `transferred`, 3502 调拨出) and a transfer document is written that
    /// head office forwards to the receiving store (manager).
    TransferOut {
        #[command(flatten)]
        who: OperatorArgs,
        /// The receiving store's 12-character code.
        #[arg(long)]
        to: String,
        /// The boxes' trace codes.
        #[arg(long, num_args = 1.., required = true)]
        codes: Vec<String>,
    },
    /// The bureau's duplicate trace-code lists.
    Duplicates {
        #[command(subcommand)]
        command: DuplicatesCommand,
    },
}

#[derive(Subcommand, Debug)]
enum DuplicatesCommand {
    /// Import a list (.csv or .xlsx; Chinese or wire-name headers): each row
    /// is explained from the ledger with a suggested status (JSON out).
    Import {
        #[command(flatten)]
        who: OperatorArgs,
        /// The bureau's file.
        file: std::path::PathBuf,
    },
    /// Every imported row with its explanation and status (JSON).
    List,
    /// Mark a row explained / to_void / to_reupload, with a note.
    Mark {
        #[command(flatten)]
        who: OperatorArgs,
        /// The row's id (from `list`).
        id: i64,
        /// explained, to_void or to_reupload.
        #[arg(long)]
        status: String,
        /// What was found or done.
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// UTF-8 CSV with a header line.
    Csv,
    /// A JSON array.
    Json,
}

/// Runs `rxdesk stock …`.
pub fn run(args: StockArgs) -> ExitCode {
    let (format, date) = match args.command {
        StockCommand::Export { format, date } => (format, date),
        StockCommand::List => return boxes(&args.ledger, None),
        StockCommand::TransferOut { who, to, codes } => {
            return signed_in(&args.ledger, &who, |s, by| {
                let t = s.transfer_out(by, &to, &codes)?;
                let doc = serde_json::json!({
                    "docNo": t.doc_no,
                    "fromStore": t.from_store,
                    "toStore": t.to_store,
                    "boxes": t.lines.iter().map(|l| l.code.clone()).collect::<Vec<_>>(),
                    "state": t.state,
                });
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                Ok(())
            })
        }
        StockCommand::NearExpiry { days } => return boxes(&args.ledger, Some(days)),
        StockCommand::DeleteUpload {
            who,
            batch,
            data_type,
            reason,
        } => {
            return signed_in(&args.ledger, &who, |store, s| {
                let id = store.delete_inventory_upload(s, &batch, data_type.trim(), &reason)?;
                println!("3507 已排队 queued (upload {id}): 批次 {batch}，类型 {data_type}");
                Ok(())
            })
        }
        StockCommand::Duplicates { command } => return duplicates(&args.ledger, command),
        StockCommand::Import(imp) => {
            return crate::catalogue::import(
                &args.ledger,
                rxdesk_app::import::ImportKind::Stock,
                imp,
            )
        }
    };
    let today = match date.as_deref() {
        None => chrono::Utc::now()
            .with_timezone(&rxdesk_core::time::cst())
            .date_naive(),
        Some(d) => {
            match chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d") {
                Ok(d) => d,
                Err(_) => {
                    eprintln!("rxdesk: 日期格式应为 yyyy-MM-dd（如 2026-11-24）/ --date must be yyyy-MM-dd");
                    return ExitCode::from(2);
                }
            }
        }
    };
    let store = match open_ledger(&args.ledger) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let items = match store.in_stock_listing(today) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("rxdesk: 库存读取失败 / cannot read stock: {e}");
            return ExitCode::from(1);
        }
    };
    match format {
        Format::Csv => print!("{}", rxdesk_store::listing::in_stock_csv(&items)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
        ),
    }
    ExitCode::SUCCESS
}

/// `rxdesk stock list` / `near-expiry`: the batches as JSON.
fn boxes(ledger: &LedgerArgs, near_days: Option<u32>) -> ExitCode {
    let store = match open_ledger(ledger) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let today = chrono::Utc::now()
        .with_timezone(&rxdesk_core::time::cst())
        .date_naive();
    let lines = match near_days {
        None => store.stock_list(),
        Some(d) => store.near_expiry(today, d),
    };
    match lines {
        Ok(l) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&l).unwrap_or_else(|_| "[]".into())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rxdesk: 库存读取失败 / cannot read stock: {e}");
            ExitCode::from(1)
        }
    }
}

/// Opens the ledger, signs `who` in and runs `f`; a refusal exits 1 with
/// its sentence, a broken ledger 2.
fn signed_in(
    ledger: &LedgerArgs,
    who: &OperatorArgs,
    f: impl FnOnce(&rxdesk_store::Store, &rxdesk_store::Session) -> rxdesk_store::Result<()>,
) -> ExitCode {
    let store = match open_ledger(ledger) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let result = login(&store, &who.operator).and_then(|s| f(&store, &s));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            refused_or_broken(&e)
        }
    }
}

/// Exit 1 for what the manager typed wrong (a refusal), 2 for a broken ledger.
fn refused_or_broken(e: &rxdesk_store::StoreError) -> ExitCode {
    match e {
        rxdesk_store::StoreError::Invalid(_) | rxdesk_store::StoreError::Inventory(_) => {
            ExitCode::from(1)
        }
        other => exit_for(other),
    }
}

fn duplicates(ledger: &LedgerArgs, command: DuplicatesCommand) -> ExitCode {
    match command {
        DuplicatesCommand::Import { who, file } => signed_in(ledger, &who, |store, s| {
            let name = file.to_string_lossy();
            let format = rxdesk_store::ImportFormat::from_file_name(&name).ok_or_else(|| {
                rxdesk_store::StoreError::Invalid(format!("“{name}”不是 .csv 或 .xlsx 文件"))
            })?;
            let bytes = std::fs::read(&file).map_err(|source| rxdesk_store::StoreError::Io {
                action: "read duplicate list",
                path: file.clone(),
                source,
            })?;
            let (rows, bad) = store.import_duplicate_list(s, &bytes, format)?;
            let out = serde_json::json!({"imported": rows, "unusable_lines": bad});
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            Ok(())
        }),
        DuplicatesCommand::List => {
            let store = match open_ledger(ledger) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("rxdesk: {e}");
                    return ExitCode::from(2);
                }
            };
            match store.disputes() {
                Ok(rows) => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&rows).unwrap_or_default()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("rxdesk: {e}");
                    exit_for(&e)
                }
            }
        }
        DuplicatesCommand::Mark {
            who,
            id,
            status,
            note,
        } => signed_in(ledger, &who, |store, s| {
            store.mark_dispute(s, id, status.trim(), &note)?;
            println!("已标记 marked: {id} → {}", status.trim());
            Ok(())
        }),
    }
}
