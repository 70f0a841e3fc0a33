//! `rxdesk backup PATH`: a consistent copy of the live ledger through
//! SQLite's online backup API (safe while the app runs). Restore: see
//! docs/schema.md, "Backup and restore".

use crate::queue::{open_ledger, LedgerArgs};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// `rxdesk backup …`
#[derive(Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    /// Destination file (must not exist).
    path: PathBuf,
    /// Also copy the key file to PATH.key (mode 0600). Without it the copy
    /// can only be restored together with the counter's existing key file.
    #[arg(long)]
    with_key: bool,
}

/// Runs `rxdesk backup`.
pub fn run(args: BackupArgs) -> ExitCode {
    let store = match open_ledger(&args.ledger) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = store.backup_to(&args.path) {
        eprintln!("rxdesk: {e}");
        return ExitCode::from(2);
    }
    println!("已备份 backed up: {}", args.path.display());
    if args.with_key {
        let key = rxdesk_store::protect::key_path_for(&args.path);
        if let Err(e) = store.backup_key_to(&key) {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
        println!("密钥已备份 key copied: {} — 请与数据库备份分开保管 / store it apart from the database copy", key.display());
    } else {
        println!(
            "注意：密钥文件未复制 / the key file {} was not copied: back it up separately (or use --with-key)",
            rxdesk_store::protect::key_path_for(store.path()).display()
        );
    }
    ExitCode::SUCCESS
}
