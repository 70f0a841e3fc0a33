//! Logging via `tracing` to a daily-rotating file in the data directory
//! (`logs/rxdesk.log.YYYY-MM-DD`, 14 files kept). Never log secrets, tokens or
//! full identity numbers: use `rxdesk_core::prescription::mask_id_number`.

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
