//! `rxdesk stock export`: the in-stock listing for the public channels
//! (ST-EPC-02-004) — every circulating product with unexpired stock, its
//! price and whole packs — as CSV or JSON on stdout, from the ledger
//! (`Store::in_stock_listing`, the same call the desktop app makes);
//! `rxdesk stock import FILE` (CSV or XLSX, `catalogue.rs`); and the
//! manager's box-level views: `rxdesk stock list` (every batch on hand with
//! the trace codes of its boxes on the shelf) and `rxdesk stock near-expiry
//! --days N` (JSON, `Store::stock_list` / `Store::near_expiry`).

use crate::queue::{open_ledger, LedgerArgs};
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
        StockCommand::NearExpiry { days } => return boxes(&args.ledger, Some(days)),
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
