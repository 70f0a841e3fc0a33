//! Where RxDesk keeps its data: the platform's app-data directory
//! (`~/.local/share/rxdesk` on Linux, `%APPDATA%\rxdesk` on Windows), or
//! `RXDESK_HOME` when set — tests, demos and multi-counter setups use that.
//!
//! Everything in it is for the counter's own user only (docs/schema.md, "Protection at rest"): on Unix
//! directories are created 0700 and files 0600 whatever the umask
//! ([`create_private_dir`], [`write_private`]), and [`DataDir::secure`] fixes
//! the modes of what an older release or another tool left at start-up.
//! [`DataDir::purge_documents`] deletes receipts, guidance sheets and exports
//! older than the retention setting.

use crate::AppError;
use std::path::{Path, PathBuf};

/// Environment variable that overrides the data directory.
pub const HOME_ENV: &str = "RXDESK_HOME";

/// The resolved data directory and the well-known places inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Resolves the data directory from `RXDESK_HOME` or the platform default.
    pub fn resolve() -> Result<Self, AppError> {
        Self::resolve_from(std::env::var_os(HOME_ENV).map(PathBuf::from))
    }

    /// Resolution with an explicit override (what `resolve` does, testable).
    pub fn resolve_from(override_dir: Option<PathBuf>) -> Result<Self, AppError> {
        if let Some(dir) = override_dir.filter(|d| !d.as_os_str().is_empty()) {
            return Ok(Self { root: dir });
        }
        directories::ProjectDirs::from("cn", "rxdesk", "rxdesk")
            .map(|p| Self {
                root: p.data_dir().to_path_buf(),
            })
            .ok_or(AppError::NoDataDir)
    }

    /// Uses `root` as the data directory.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Creates the directory tree (idempotent), owner-only.
    pub fn ensure(&self) -> Result<(), AppError> {
        for dir in [self.root.clone(), self.logs(), self.trust()] {
            create_private_dir(&dir).map_err(|source| AppError::Io {
                action: "create data directory",
                path: dir.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Start-up sweep: every directory under the data directory made 0700
    /// and every file 0600 (Unix; symbolic links are left alone). Returns
    /// how many modes were changed.
    pub fn secure(&self) -> Result<usize, AppError> {
        let mut changed = 0;
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            changed += usize::from(set_mode(&dir, DIR_MODE)?);
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(AppError::Io {
                        action: "list",
                        path: dir,
                        source,
                    })
                }
            };
            for e in entries.flatten() {
                let Ok(t) = e.file_type() else { continue };
                if t.is_dir() {
                    stack.push(e.path());
                } else if t.is_file() {
                    changed += usize::from(set_mode(&e.path(), FILE_MODE)?);
                }
            }
        }
        if changed > 0 {
            tracing::info!(changed, "data directory permissions tightened");
        }
        Ok(changed)
    }

    /// Deletes receipt, guidance and export files last modified more than
    /// `retention_days` days before `now` (at least one day is kept).
    /// Returns the number of files deleted.
    pub fn purge_documents(
        &self,
        retention_days: u32,
        now: std::time::SystemTime,
    ) -> Result<usize, AppError> {
        let keep = std::time::Duration::from_secs(u64::from(retention_days.max(1)) * 86_400);
        let Some(cutoff) = now.checked_sub(keep) else {
            return Ok(0);
        };
        let mut deleted = 0;
        for dir in [self.receipts(), self.exports()] {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(AppError::Io {
                        action: "list",
                        path: dir,
                        source,
                    })
                }
            };
            for e in entries.flatten() {
                let Ok(meta) = e.metadata() else { continue };
                let old = meta.modified().is_ok_and(|m| m < cutoff);
                if meta.is_file() && old {
                    std::fs::remove_file(e.path()).map_err(|source| AppError::Io {
                        action: "delete old document",
                        path: e.path(),
                        source,
                    })?;
                    deleted += 1;
                }
            }
        }
        if deleted > 0 {
            tracing::info!(
                deleted,
                retention_days,
                "old receipts, guidance sheets and exports deleted"
            );
        }
        Ok(deleted)
    }

    /// The root.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// Rotating log files.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
    /// Trust store: 医保 CA roots, intermediates and CRLs.
    pub fn trust(&self) -> PathBuf {
        self.root.join("trust")
    }
    /// The settings file.
    pub fn settings_file(&self) -> PathBuf {
        self.root.join("settings.json")
    }
    /// The ledger database.
    pub fn database(&self) -> PathBuf {
        self.root.join("rxdesk.sqlite3")
    }
    /// Receipts (ESC/POS copies) and medication guidance PDFs.
    pub fn receipts(&self) -> PathBuf {
        self.root.join("receipts")
    }
    /// Manager exports (figures, lists as CSV/PDF).
    pub fn exports(&self) -> PathBuf {
        self.root.join("exports")
    }
}

/// Mode of every directory in the data directory (Unix).
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file in the data directory (Unix).
pub const FILE_MODE: u32 = 0o600;

/// Sets `mode` unless it is already set; true when changed.
fn set_mode(path: &Path, mode: u32) -> Result<bool, AppError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::symlink_metadata(path).map_err(|source| AppError::Io {
            action: "stat",
            path: path.to_path_buf(),
            source,
        })?;
        if meta.permissions().mode() & 0o777 != mode {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(
                |source| AppError::Io {
                    action: "restrict permissions of",
                    path: path.to_path_buf(),
                    source,
                },
            )?;
            return Ok(true);
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(false)
}

/// Creates `dir` and its missing parents owner-only (0700 on Unix, set
/// explicitly so the umask does not matter); an existing directory is made
/// 0700 too.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, DIR_MODE);
    b.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
    }
    Ok(())
}

/// Writes `bytes` to `path`, created owner-only (0600 on Unix, also when the
/// file existed with another mode), and flushes it to disk.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    let mut f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    }
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_wins_and_empty_override_is_ignored() {
        let d = DataDir::resolve_from(Some("/tmp/x".into())).unwrap();
        assert_eq!(d.root(), Path::new("/tmp/x"));
        assert_eq!(d.logs(), Path::new("/tmp/x/logs"));
        if let Ok(d) = DataDir::resolve_from(Some(PathBuf::new())) {
            assert!(d.root().ends_with("rxdesk"));
        }
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn directories_are_0700_and_files_0600_whatever_the_umask_left() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let d = DataDir::at(t.path().join("home"));
        d.ensure().unwrap();
        for dir in [d.root().to_path_buf(), d.logs(), d.trust()] {
            assert_eq!(mode(&dir), 0o700, "{dir:?}");
        }
        let f = d.root().join("x.pdf");
        write_private(&f, b"1").unwrap();
        assert_eq!(mode(&f), 0o600);
        // An existing loose file is tightened by write_private and by secure.
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&f, b"2").unwrap();
        assert_eq!(mode(&f), 0o600);
        let loose = d.logs().join("old.log");
        std::fs::write(&loose, b"x").unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(d.trust(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(d.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(d.secure().unwrap(), 3);
        assert_eq!(mode(&loose), 0o600);
        assert_eq!(mode(&d.trust()), 0o700);
        assert_eq!(mode(d.root()), 0o700);
        assert_eq!(d.secure().unwrap(), 0);
    }

    #[test]
    fn documents_older_than_the_retention_are_purged_and_newer_kept() {
        let t = tempfile::tempdir().unwrap();
        let d = DataDir::at(t.path());
        create_private_dir(&d.receipts()).unwrap();
        create_private_dir(&d.exports()).unwrap();
        let old_receipt = d.receipts().join("D1-guidance.pdf");
        let new_receipt = d.receipts().join("D2.escpos");
        let old_export = d.exports().join("figures.csv");
        let ledger = d.database();
        for p in [&old_receipt, &new_receipt, &old_export, &ledger] {
            write_private(p, b"x").unwrap();
        }
        let day = std::time::Duration::from_secs(86_400);
        let now = std::time::SystemTime::now();
        let age = |p: &Path, days: u32| {
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(now - day * days).unwrap();
        };
        age(&old_receipt, 31);
        age(&old_export, 40);
        age(&new_receipt, 29);
        age(&ledger, 400);
        assert_eq!(d.purge_documents(30, now).unwrap(), 2);
        assert!(!old_receipt.exists() && !old_export.exists());
        assert!(new_receipt.exists());
        // Only receipts and exports are touched, never the ledger.
        assert!(ledger.exists());
        // 0 keeps one day, not nothing: today's file stays, the 29-day one goes.
        let today = d.exports().join("today.csv");
        write_private(&today, b"x").unwrap();
        assert_eq!(d.purge_documents(0, now).unwrap(), 1);
        assert!(today.exists() && !new_receipt.exists());
        assert_eq!(d.purge_documents(0, now + day * 2).unwrap(), 1);
        assert!(!today.exists());
    }

    #[test]
    fn ensure_creates_tree() {
        let t = tempfile::tempdir().unwrap();
        let d = DataDir::at(t.path().join("home"));
        d.ensure().unwrap();
        d.ensure().unwrap();
        assert!(d.logs().is_dir() && d.trust().is_dir());
    }
}
