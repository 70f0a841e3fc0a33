//! Logging via `tracing` to a daily-rotating file in the data directory
//! (`logs/rxdesk.log.YYYY-MM-DD`, 14 files kept). Never log secrets, tokens or
//! full identity numbers: use `rxdesk_core::prescription::mask_id_number`.
//!
//! The log directory is 0700 and the log files 0600 (Unix): the appender
//! creates its file with the default mode, so the files are tightened right
//! after it opened today's file; a file the appender opens after midnight
//! sits in the 0700 directory until the next start-up tightens it too.

use crate::{AppError, DataDir};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber writing to the log directory. Keep the
/// returned guard alive for the life of the process so logs are flushed.
pub fn init(dir: &DataDir, app_name: &str) -> Result<WorkerGuard, AppError> {
    dir.ensure()?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(app_name)
        .filename_suffix("log")
        .max_log_files(14)
        .build(dir.logs())
        .map_err(|e| AppError::Io {
            action: "open log file in",
            path: dir.logs(),
            source: std::io::Error::other(e.to_string()),
        })?;
    crate::DataDir::at(dir.logs()).secure()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("RXDESK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests, CLI inside the app) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer)
        .try_init();
    Ok(guard)
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn log_directory_and_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let dir = crate::DataDir::at(t.path().join("home"));
        let guard = super::init(&dir, "rxdesk-test").unwrap();
        tracing::info!("a line");
        drop(guard);
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.logs()), 0o700);
        let files: Vec<_> = std::fs::read_dir(dir.logs())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(!files.is_empty());
        for f in files {
            assert_eq!(mode(&f), 0o600, "{f:?}");
        }
    }
}
