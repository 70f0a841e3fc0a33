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
    /// Also copy the ledger's key (mode 0600): the key file to PATH.key, or,
    /// in production where the key is sealed in the credential vault, the
    /// vault file to PATH.vault.json. Without it the copy can only be
    /// restored together with the counter's existing key or vault.
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
    let key_file = rxdesk_store::protect::key_path_for(store.path());
    let vault_file = store
        .path()
        .parent()
        .map(|d| d.join("credentials").join("vault.json"))
        .filter(|v| v.is_file() && !key_file.exists());
    if let (true, Some(vault_file)) = (args.with_key, &vault_file) {
        // Production: the ledger's key is sealed in the credential vault;
        // the vault file (opened by the manager's passphrase) is the key's
        // backup.
        let dest = args.path.with_extension("vault.json");
        if let Err(e) = copy_private(vault_file, &dest) {
            eprintln!("rxdesk: {}: {e}", dest.display());
            return ExitCode::from(2);
        }
        println!("密钥库已备份 credential vault (holds the ledger key) copied: {} — 恢复时需店长口令 / restoring it needs the manager's passphrase", dest.display());
    } else if let Some(vault_file) = &vault_file {
        println!(
            "注意：账本密钥封存在凭证库 {} 中，未复制 / the ledger key is sealed in the credential vault and was not copied: back it up separately (or use --with-key)",
            vault_file.display()
        );
    } else if args.with_key {
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

/// Copies `src` to a new file `dest` (mode 0600; an existing `dest` is an error).
fn copy_private(src: &std::path::Path, dest: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let bytes = std::fs::read(src)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(dest)?;
    f.write_all(&bytes)?;
    f.sync_all()
}
