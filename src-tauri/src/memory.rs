//! How the desktop app keeps its memory small on a counter PC that runs it
//! all day (docs/decisions/0019). Two settings, both measured:
//!
//! - **glibc's malloc thresholds.** By default glibc raises its mmap and trim
//!   thresholds each time a large block is freed (up to 32 MiB / 64 MiB), after
//!   which freed memory stays in the process instead of going back to the
//!   system. One catalogue import or one 20,000-row read is enough to make the
//!   app keep tens of MiB it no longer uses. Fixed thresholds
//!   ([`MALLOC_TUNABLES`]) keep glibc returning it. glibc reads its tunables
//!   only when a process starts, so [`fixed_malloc_thresholds`] re-executes
//!   the app once, at the very start, with `GLIBC_TUNABLES` set (no `unsafe`
//!   `mallopt`); WebKit's processes, started by the app, inherit the setting.
//! - **WebKit's painting on the CPU.** WebKitGTK 2.46+ paints pages with
//!   Skia, on the GPU through OpenGL by default. A counter's page is forms,
//!   tables and a few images: GPU painting buys it nothing, and where the GL
//!   is software (Mesa's llvmpipe: virtual machines, remote desktops, the
//!   test displays) it costs a JIT compiler, its shader caches and GL
//!   buffers in the web process. [`cpu_painting_unless_chosen`] asks WebKit
//!   to paint on the CPU (compositing stays on, so nothing else changes);
//!   a counter that wants GPU painting sets `WEBKIT_SKIA_ENABLE_CPU_RENDERING=0`.
//! - **WebKit's cache model.** The window is one page built into the binary:
//!   it never navigates and never loads a resource twice from the network, so
//!   WebKit's default "web browser" caches (decoded resources, whole pages
//!   kept for going back) only hold memory. [`lighten`] selects WebKitGTK's
//!   "document viewer" model, which turns those caches off.

use std::ffi::{OsStr, OsString};

/// The glibc tunables the app runs with: fixed (not self-raising) mmap and
/// trim thresholds at glibc's own starting values.
pub const MALLOC_TUNABLES: &str =
    "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072";

/// The `GLIBC_TUNABLES` value to restart with, given the current one, or
/// `None` when the process already runs with malloc thresholds (ours, or
/// the user's own: a value that names either threshold is respected).
pub fn tunables_to_restart_with(current: Option<&OsStr>) -> Option<OsString> {
    let current = current.map(|c| c.to_string_lossy().into_owned());
    match current.as_deref() {
        Some(c) if c.contains("glibc.malloc.mmap_threshold") => None,
        Some(c) if c.contains("glibc.malloc.trim_threshold") => None,
        Some(c) if !c.trim().is_empty() => Some(format!("{c}:{MALLOC_TUNABLES}").into()),
        _ => Some(MALLOC_TUNABLES.into()),
    }
}

/// WebKit's switch between CPU and GPU painting (read by the web process,
/// which inherits the app's environment).
pub const CPU_PAINTING_VAR: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// The value to give [`CPU_PAINTING_VAR`], given the current one: `None`
/// when the environment already chose (either way), else CPU painting.
pub fn cpu_painting_to_set(current: Option<&OsStr>) -> Option<&'static str> {
    match current {
        Some(v) if !v.is_empty() => None,
        _ => Some("1"),
    }
}

/// Chooses CPU painting for the window's web process unless the environment
/// already chose (docs/decisions/0025). Called first thing in `main`, while
/// the process is one thread (setting the environment is only sound then),
/// before GTK or WebKit exist.
pub fn cpu_painting_unless_chosen() {
    if let Some(v) = cpu_painting_to_set(std::env::var_os(CPU_PAINTING_VAR).as_deref()) {
        std::env::set_var(CPU_PAINTING_VAR, v);
    }
}

/// Carries the first process's start over the restart, so that start-up
/// times count from the launch, not from the restart.
const STARTED_VAR: &str = "RXDESK_LAUNCHED_UNIX_NS";

/// Re-executes the app with [`MALLOC_TUNABLES`] unless it already runs with
/// malloc thresholds (Linux with glibc only). Called first thing in `main`,
/// before any thread or window exists. If the restart fails, the app goes
/// on with glibc's defaults (it only uses more memory) and says so.
/// Returns when the app was launched (before the restart, if any).
pub fn fixed_malloc_thresholds() -> std::time::Instant {
    let now = std::time::Instant::now();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        use std::time::{Duration, SystemTime, UNIX_EPOCH};
        let unix_now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        if let Some(launched) = std::env::var_os(STARTED_VAR) {
            // The restarted process: one thread still, so the variable can go.
            std::env::remove_var(STARTED_VAR);
            let launched = launched.to_str().and_then(|s| s.parse::<u64>().ok());
            let since = launched.and_then(|ns| unix_now.checked_sub(Duration::from_nanos(ns)));
            return match since {
                Some(d) if d < Duration::from_secs(10) => now.checked_sub(d).unwrap_or(now),
                _ => now,
            };
        }
        let Some(value) = tunables_to_restart_with(std::env::var_os("GLIBC_TUNABLES").as_deref())
        else {
            return now;
        };
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("RxDesk: malloc thresholds not set (no executable path: {e})");
                return now;
            }
        };
        // `exec` only returns on failure.
        let e = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("GLIBC_TUNABLES", value)
            .env(STARTED_VAR, unix_now.as_nanos().to_string())
            .exec();
        eprintln!("RxDesk: malloc thresholds not set (restart failed: {e})");
    }
    now
}

/// Applies the cache model to the main window's webview (Linux: WebKitGTK;
/// other platforms keep their webview's defaults).
pub fn lighten(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        let applied = window.with_webview(|webview| {
            use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
            match webview.inner().context() {
                Some(context) => {
                    context.set_cache_model(CacheModel::DocumentViewer);
                    tracing::info!("webview cache model: document viewer");
                }
                None => tracing::warn!("webview has no web context: cache model left as it is"),
            }
        });
        if let Err(e) = applied {
            tracing::warn!(error = %e, "webview memory settings not applied");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

#[cfg(test)]
mod tests {
    use super::{cpu_painting_to_set, tunables_to_restart_with, MALLOC_TUNABLES};
    use std::ffi::OsStr;

    #[test]
    fn restarts_once_with_the_thresholds_and_keeps_other_tunables() {
        let restart = |v: Option<&str>| tunables_to_restart_with(v.map(OsStr::new));
        // A plain start: restart with ours.
        assert_eq!(restart(None), Some(MALLOC_TUNABLES.into()));
        assert_eq!(restart(Some("")), Some(MALLOC_TUNABLES.into()));
        // The restarted process: no second restart.
        assert_eq!(restart(Some(MALLOC_TUNABLES)), None);
        // Someone else's tunables are kept, ours appended.
        assert_eq!(
            restart(Some("glibc.malloc.arena_max=2")),
            Some(format!("glibc.malloc.arena_max=2:{MALLOC_TUNABLES}").into())
        );
        // A user's own threshold wins.
        assert_eq!(restart(Some("glibc.malloc.trim_threshold=1048576")), None);
        assert_eq!(restart(Some("glibc.malloc.mmap_threshold=65536")), None);
    }

    #[test]
    fn paints_on_the_cpu_unless_the_environment_chose() {
        let set = |v: Option<&str>| cpu_painting_to_set(v.map(OsStr::new));
        assert_eq!(set(None), Some("1"));
        assert_eq!(set(Some("")), Some("1"));
        // A counter that chose GPU painting keeps it; a chosen 1 stays.
        assert_eq!(set(Some("0")), None);
        assert_eq!(set(Some("1")), None);
    }
}
