//! How the desktop app keeps its memory small on a counter PC that runs it
//! all day (docs/decisions/0019, 0031). The settings, each measured:
//!
//! - **glibc's malloc thresholds.** By default glibc raises its mmap and
//!   trim thresholds each time a large block is freed (up to 32 MiB / 64 MiB),
//!   after which freed memory stays in the process instead of going back to
//!   the system: one sign-in (argon2id's memory block), one layout drawn, one
//!   catalogue import or one 20,000-row read is enough to make the app keep
//!   tens of MiB it no longer uses (measured: 146 against 111 MiB after one
//!   visit, 0031). [`fixed_malloc_thresholds`] fixes them at glibc's own
//!   starting values with `mallopt` (ffi.rs) first thing in `main`. (0019
//!   restarted the app once with `GLIBC_TUNABLES` instead, because glibc
//!   reads tunables only when a process starts; that second dynamic link of
//!   GTK and WebKit cost about 50 ms of every start, 0031.)
//! - **glibc's thresholds for WebKit's processes.** WebKit's web and network
//!   processes allocate with glibc's malloc too. The app sets the same fixed
//!   thresholds ([`MALLOC_TUNABLES`]) in its environment before any thread
//!   exists, and the processes WebKit starts later read them at their start.
//! - **WebKit's painting on the CPU.** WebKitGTK 2.46+ paints pages with
//!   Skia, on the GPU through OpenGL by default. A counter's page is forms,
//!   tables and a few images: GPU painting buys it nothing, and where the GL
//!   is software (Mesa's llvmpipe: virtual machines, remote desktops, the
//!   test displays) it costs a JIT compiler, its shader caches and GL
//!   buffers in the web process. [`cpu_painting_unless_chosen`] asks WebKit
//!   to paint on the CPU (compositing stays on, so nothing else changes);
//!   a counter that wants GPU painting sets `WEBKIT_SKIA_ENABLE_CPU_RENDERING=0`.
//! - **No compositor.** WebKitGTK composites a page's layers with OpenGL in
//!   the web process; where the GL is software (Mesa's llvmpipe) that is an
//!   LLVM JIT and every layer's tiles as textures in main memory (measured
//!   in 0034: the web process had 63 MiB less after one visit without it,
//!   178 against 115 MiB). A counter's page is forms, tables and a picture
//!   of the layout, with no animation or video: painted into one buffer it
//!   looks the same (screenshots in 0034). [`no_compositing_unless_chosen`]
//!   sets `WEBKIT_DISABLE_COMPOSITING_MODE=1`; a counter that wants the
//!   compositor (a fast GPU, smoother scrolling) sets it to `0`.
//! - **JavaScript without a JIT.** The window's script is the counter's own
//!   UI: forms, lists and a few hundred event handlers, none of it a hot
//!   loop. JavaScriptCore's JIT compilers (baseline, DFG, FTL, regular
//!   expressions) buy it no speed anyone sees, and cost the web process
//!   executable memory, compiler threads on a two-core counter PC and
//!   writable code pages (the attack surface that browsers' hardened modes
//!   remove the JIT for). [`no_jit_unless_chosen`] runs the window's script in
//!   JavaScriptCore's interpreter: measured in 0031, 16 MiB less after one
//!   visit and no slower start; a counter that wants the JIT sets
//!   `JSC_useJIT=1`.
//! - **WebKit's cache model.** The window is one page built into the binary:
//!   it never navigates and never loads a resource twice from the network, so
//!   WebKit's default "web browser" caches (decoded resources, whole pages
//!   kept for going back) only hold memory. [`lighten`] selects WebKitGTK's
//!   "document viewer" model, which turns those caches off.
//! - **Freed memory handed back after each burst of work.** glibc returns
//!   freed memory to the system only from the top of a heap, past the trim
//!   threshold; what a visit's many threads free in the middle of their
//!   arenas (between blocks still in use) stays resident. [`HeapTrim`] runs
//!   glibc's `malloc_trim` (ffi.rs) a second after the window's first
//!   command of a burst, at most once a second: measured in 0033, the app
//!   process had 9.6 MiB less after one visit (119.0 to 109.4).

use std::ffi::{OsStr, OsString};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// After a poke, how long [`HeapTrim`] waits before trimming: the command
/// that poked (and the others of the same burst) have usually finished and
/// freed what they used by then.
pub const TRIM_DELAY: Duration = Duration::from_secs(1);

/// Hands the app process's freed heap pages back to the system a moment
/// after the window's commands (see the module docs). Cheap to poke from
/// every command: a poke sets a flag; one thread ("heap trim") sleeps until
/// the flag is set, waits [`TRIM_DELAY`], clears it and trims, so bursts of
/// commands (and a screen that polls) cost at most one trim a second.
pub struct HeapTrim {
    poked: Arc<(Mutex<bool>, Condvar)>,
}

impl HeapTrim {
    /// Starts the trimming thread with glibc's `malloc_trim` (elsewhere: a
    /// trimmer that does nothing). If the thread cannot start, pokes are
    /// simply never acted on.
    pub fn start() -> Self {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        let release = || {
            crate::ffi::release_free_heap();
        };
        #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
        let release = || {};
        Self::start_with(TRIM_DELAY, release)
    }

    /// As [`HeapTrim::start`] with the delay and the release function given
    /// (tests).
    pub fn start_with(delay: Duration, release: impl Fn() + Send + 'static) -> Self {
        let trim = HeapTrim {
            poked: Arc::new((Mutex::new(false), Condvar::new())),
        };
        let poked = Arc::clone(&trim.poked);
        let started = std::thread::Builder::new()
            .name("heap trim".into())
            .spawn(move || loop {
                let (flag, wake) = &*poked;
                let mut set = flag.lock().unwrap_or_else(|p| p.into_inner());
                while !*set {
                    set = wake.wait(set).unwrap_or_else(|p| p.into_inner());
                }
                drop(set);
                std::thread::sleep(delay);
                *flag.lock().unwrap_or_else(|p| p.into_inner()) = false;
                release();
            });
        if let Err(e) = started {
            tracing::warn!(error = %e, "heap trim thread not started: freed memory is returned only as glibc does by itself");
        }
        trim
    }

    /// Asks for a trim after [`TRIM_DELAY`] (one for any number of pokes
    /// meanwhile).
    pub fn poke(&self) {
        let (flag, wake) = &*self.poked;
        let mut set = flag.lock().unwrap_or_else(|p| p.into_inner());
        if !*set {
            *set = true;
            wake.notify_one();
        }
    }
}

/// The glibc tunables WebKit's processes run with: fixed (not self-raising)
/// mmap and trim thresholds at glibc's own starting values
/// ([`MALLOC_THRESHOLD`]).
pub const MALLOC_TUNABLES: &str =
    "glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072";

/// The `GLIBC_TUNABLES` value to give WebKit's processes, given the current
/// one, or `None` when the environment already has malloc thresholds (the
/// user's own: a value that names either threshold is respected).
pub fn tunables_for_children(current: Option<&OsStr>) -> Option<OsString> {
    let current = current.map(|c| c.to_string_lossy().into_owned());
    match current.as_deref() {
        Some(c) if c.contains("glibc.malloc.mmap_threshold") => None,
        Some(c) if c.contains("glibc.malloc.trim_threshold") => None,
        Some(c) if !c.trim().is_empty() => Some(format!("{c}:{MALLOC_TUNABLES}").into()),
        _ => Some(MALLOC_TUNABLES.into()),
    }
}

/// glibc's own starting mmap and trim threshold, the value both are fixed at.
pub const MALLOC_THRESHOLD: i32 = 128 * 1024;

/// Fixes the malloc thresholds of the app's process (`mallopt`) and gives
/// the processes it starts later (WebKit's) the same through
/// `GLIBC_TUNABLES`, unless the user set thresholds of their own there (then
/// glibc has read them already, for this process too). Called first thing in
/// `main`, while the process is one thread (setting the environment is only
/// sound then). If glibc refuses, the app goes on with glibc's defaults (it
/// only uses more memory) and says so.
pub fn fixed_malloc_thresholds() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if let Some(v) = tunables_for_children(std::env::var_os("GLIBC_TUNABLES").as_deref()) {
        std::env::set_var("GLIBC_TUNABLES", v);
        if !crate::ffi::fix_malloc_thresholds(MALLOC_THRESHOLD) {
            eprintln!("RxDesk: malloc thresholds not set (glibc refused them)");
        }
    }
}

/// WebKit's switch between CPU and GPU painting (read by the web process,
/// which inherits the app's environment).
pub const CPU_PAINTING_VAR: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// `ours` unless the environment already chose a value (either way): WebKit
/// switches a counter may set for itself are left as it set them.
fn unless_chosen(current: Option<&OsStr>, ours: &'static str) -> Option<&'static str> {
    match current {
        Some(v) if !v.is_empty() => None,
        _ => Some(ours),
    }
}

/// Sets `var` to what `pick` gives for its current value, if anything.
/// Only sound while the process is one thread (first thing in `main`).
fn set_var_with(var: &str, pick: fn(Option<&OsStr>) -> Option<&'static str>) {
    if let Some(v) = pick(std::env::var_os(var).as_deref()) {
        std::env::set_var(var, v);
    }
}

/// The value to give [`CPU_PAINTING_VAR`], given the current one: `None`
/// when the environment already chose (either way), else CPU painting.
pub fn cpu_painting_to_set(current: Option<&OsStr>) -> Option<&'static str> {
    unless_chosen(current, "1")
}

/// Chooses CPU painting for the window's web process unless the environment
/// already chose (docs/decisions/0025). Called first thing in `main`, while
/// the process is one thread (setting the environment is only sound then),
/// before GTK or WebKit exist.
pub fn cpu_painting_unless_chosen() {
    set_var_with(CPU_PAINTING_VAR, cpu_painting_to_set);
}

/// JavaScriptCore's switch for all of its JIT compilers (read by the web
/// process when it starts; it inherits the app's environment).
pub const JIT_VAR: &str = "JSC_useJIT";

/// The value to give [`JIT_VAR`], given the current one: `None` when the
/// environment already chose (either way), else no JIT.
pub fn jit_to_set(current: Option<&OsStr>) -> Option<&'static str> {
    unless_chosen(current, "0")
}

/// Runs the window's script without JavaScriptCore's JIT unless the
/// environment already chose (docs/decisions/0031). Called first thing in
/// `main`, while the process is one thread, before WebKit exists.
pub fn no_jit_unless_chosen() {
    set_var_with(JIT_VAR, jit_to_set);
}

/// WebKitGTK's switch for its compositor (read by WebKit in the app's
/// process when the first webview is made; `0` keeps the compositor).
pub const COMPOSITING_VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// The value to give [`COMPOSITING_VAR`], given the current one: `None` when
/// the environment already chose (either way), else no compositor.
pub fn no_compositing_to_set(current: Option<&OsStr>) -> Option<&'static str> {
    unless_chosen(current, "1")
}

/// Paints the window's page without WebKit's compositor unless the
/// environment already chose (docs/decisions/0034). Called first thing in
/// `main`, while the process is one thread, before GTK or WebKit exist.
pub fn no_compositing_unless_chosen() {
    set_var_with(COMPOSITING_VAR, no_compositing_to_set);
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
    use super::{
        cpu_painting_to_set, jit_to_set, no_compositing_to_set, tunables_for_children,
        MALLOC_THRESHOLD, MALLOC_TUNABLES,
    };
    use std::ffi::OsStr;

    #[test]
    fn the_tunables_name_the_same_threshold() {
        let v = MALLOC_THRESHOLD.to_string();
        assert_eq!(MALLOC_TUNABLES.matches(v.as_str()).count(), 2);
    }

    #[test]
    fn gives_children_the_thresholds_and_keeps_other_tunables() {
        let given = |v: Option<&str>| tunables_for_children(v.map(OsStr::new));
        // A plain start: ours.
        assert_eq!(given(None), Some(MALLOC_TUNABLES.into()));
        assert_eq!(given(Some("")), Some(MALLOC_TUNABLES.into()));
        // Already ours: nothing to add.
        assert_eq!(given(Some(MALLOC_TUNABLES)), None);
        // Someone else's tunables are kept, ours appended.
        assert_eq!(
            given(Some("glibc.malloc.arena_max=2")),
            Some(format!("glibc.malloc.arena_max=2:{MALLOC_TUNABLES}").into())
        );
        // A user's own threshold wins.
        assert_eq!(given(Some("glibc.malloc.trim_threshold=1048576")), None);
        assert_eq!(given(Some("glibc.malloc.mmap_threshold=65536")), None);
    }

    #[test]
    fn a_poke_brings_one_trim_and_a_burst_of_pokes_one_more_at_most() {
        use super::HeapTrim;
        use std::sync::mpsc;
        use std::time::Duration;
        let (tx, rx) = mpsc::channel();
        let trim = HeapTrim::start_with(Duration::from_millis(50), move || {
            let _ = tx.send(());
        });
        // Nothing is trimmed unasked.
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
        // One poke: one trim (a generous bound; this is not a speed test).
        trim.poke();
        assert!(rx.recv_timeout(Duration::from_secs(30)).is_ok());
        // Ten pokes at once: the ones before the trimmer's wait is over are one trim.
        for _ in 0..10 {
            trim.poke();
        }
        assert!(rx.recv_timeout(Duration::from_secs(30)).is_ok());
        let mut more = 0;
        while rx.recv_timeout(Duration::from_millis(400)).is_ok() {
            more += 1;
        }
        assert!(more <= 1, "ten pokes at once brought {} trims", more + 1);
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

    #[test]
    fn runs_without_the_jit_unless_the_environment_chose() {
        let set = |v: Option<&str>| jit_to_set(v.map(OsStr::new));
        assert_eq!(set(None), Some("0"));
        assert_eq!(set(Some("")), Some("0"));
        // A counter that wants the JIT keeps it.
        assert_eq!(set(Some("1")), None);
        assert_eq!(set(Some("0")), None);
    }

    #[test]
    fn paints_without_the_compositor_unless_the_environment_chose() {
        let set = |v: Option<&str>| no_compositing_to_set(v.map(OsStr::new));
        assert_eq!(set(None), Some("1"));
        assert_eq!(set(Some("")), Some("1"));
        // A counter that wants the compositor (0) keeps it; a chosen 1 stays.
        assert_eq!(set(Some("0")), None);
        assert_eq!(set(Some("1")), None);
    }

    #[test]
    fn the_bench_gives_its_like_for_like_empty_window_these_settings() {
        // scripts/bench's memory row also measures the empty window with
        // the app's own WebKit settings; they must stay the ones set here.
        let bench = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench"),
        )
        .unwrap();
        for (var, value) in [
            (super::CPU_PAINTING_VAR, "1"),
            (super::COMPOSITING_VAR, "1"),
            (super::JIT_VAR, "0"),
            ("GLIBC_TUNABLES", MALLOC_TUNABLES),
        ] {
            assert!(
                bench.contains(&format!("\"{var}\": \"{value}\"")),
                "scripts/bench APP_WEBKIT_ENV lacks {var}={value}"
            );
        }
    }
}
