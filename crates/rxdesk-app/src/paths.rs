//! Where RxDesk keeps its data: the platform's app-data directory
//! (`~/.local/share/rxdesk` on Linux, `%APPDATA%\rxdesk` on Windows), or
//! `RXDESK_HOME` when set — tests, demos and multi-counter setups use that.

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

    /// Creates the directory tree (idempotent).
    pub fn ensure(&self) -> Result<(), AppError> {
        for dir in [self.root.clone(), self.logs(), self.trust()] {
            std::fs::create_dir_all(&dir).map_err(|source| AppError::Io {
                action: "create data directory",
                path: dir.clone(),
                source,
            })?;
        }
        Ok(())
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

    #[test]
    fn ensure_creates_tree() {
        let t = tempfile::tempdir().unwrap();
        let d = DataDir::at(t.path().join("home"));
        d.ensure().unwrap();
        d.ensure().unwrap();
        assert!(d.logs().is_dir() && d.trust().is_dir());
    }
}
