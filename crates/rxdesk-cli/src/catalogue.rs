//! `rxdesk catalogue import FILE` and `rxdesk stock import FILE`: the
//! manager's import of the 医保 drug catalogue / the store's products, and of
//! stock batches, from CSV or XLSX — the same all-or-nothing check and
//! summary as the window (`rxdesk_app::import`). The summary (added /
//! changed / unchanged) is printed first; the import is written only after
//! the manager confirms it (or with `--yes`); `--dry-run` stops after the
//! summary.
//!
//! Exit codes: 0 imported (or, with --dry-run, would import), 1 bad lines,
//! refused or cancelled, 2 bad input or an unusable ledger.

use crate::queue::{exit_for, login, open_ledger, LedgerArgs, OperatorArgs};
use clap::{Args, Subcommand};
use rxdesk_app::import::{import_file, ImportKind};
use rxdesk_store::{ImportMode, ImportReport};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// `rxdesk catalogue …`
#[derive(Args, Debug)]
pub struct CatalogueArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(subcommand)]
    command: CatalogueCommand,
}

#[derive(Subcommand, Debug)]
enum CatalogueCommand {
    /// Import products (the catalogue columns, docs/schema.md "Catalogue and stock imports")
    /// from a .csv (UTF-8) or .xlsx file: all lines or none.
    Import(ImportArgs),
}

/// What `import` takes.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The .csv or .xlsx file.
    file: PathBuf,
    #[command(flatten)]
    who: OperatorArgs,
    /// Import without asking after the summary.
    #[arg(long, conflicts_with = "dry_run")]
    yes: bool,
    /// Only check the file and print the summary; write nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Runs `rxdesk catalogue …`.
pub fn run(args: CatalogueArgs) -> ExitCode {
    let CatalogueCommand::Import(imp) = args.command;
    import(&args.ledger, ImportKind::Catalogue, imp)
}

/// Imports one file of `kind` (also `rxdesk stock import`).
pub fn import(ledger: &LedgerArgs, kind: ImportKind, args: ImportArgs) -> ExitCode {
    let store = match open_ledger(ledger) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let session = match login(&store, &args.who.operator) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return exit_for(&e);
        }
    };
    let mut last_percent = None;
    let mut progress = |p: rxdesk_store::ImportProgress| {
        let pct = (p.done * 100).checked_div(p.total).unwrap_or(100);
        if last_percent != Some((p.phase, pct / 10)) {
            last_percent = Some((p.phase, pct / 10));
            eprintln!("  {:?} {pct}% ({}/{})", p.phase, p.done, p.total);
        }
    };
    let preview = match import_file(
        &store,
        &session,
        kind,
        &args.file,
        ImportMode::Preview,
        &mut progress,
    ) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rxdesk: {e} [{}]", e.code());
            return ExitCode::from(2);
        }
    };
    if !preview.is_ok() {
        print_errors(&preview);
        eprintln!(
            "rxdesk: 文件有错误，未导入任何内容 / the file has bad lines: nothing was imported"
        );
        return ExitCode::from(1);
    }
    print_summary(&preview);
    if args.dry_run {
        return ExitCode::SUCCESS;
    }
    if !args.yes && !confirm() {
        println!("已取消，未导入任何内容 / cancelled: nothing was imported");
        return ExitCode::from(1);
    }
    match import_file(
        &store,
        &session,
        kind,
        &args.file,
        ImportMode::Commit,
        &mut progress,
    ) {
        Ok(r) if r.committed => {
            println!(
                "已导入 imported: 新增 added {}，修改 changed {}，未变 unchanged {}",
                r.inserted, r.updated, r.unchanged
            );
            ExitCode::SUCCESS
        }
        Ok(r) => {
            // The ledger changed between the summary and the commit.
            print_errors(&r);
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("rxdesk: {e} [{}]", e.code());
            ExitCode::from(2)
        }
    }
}

fn print_summary(r: &ImportReport) {
    println!(
        "导入预览 summary: 新增 added {}，修改 changed {}，未变 unchanged {}",
        r.inserted, r.updated, r.unchanged
    );
}

fn print_errors(r: &ImportReport) {
    for ((line, zh), (_, en)) in r.errors.iter().zip(&r.errors_en) {
        if *line == 0 {
            println!("{zh}\n  {en}");
        } else {
            println!("第 {line} 行 line {line}: {zh}\n  {en}");
        }
    }
}

fn confirm() -> bool {
    print!("确认导入？confirm the import? [y/N] ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes" | "是")
}
