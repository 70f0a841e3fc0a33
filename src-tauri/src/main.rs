//! RxDesk desktop shell: Tauri 2 commands and events only. Every command is a
//! thin wrapper over `rxdesk-app`; no business rule lives here.
// `unsafe` is denied everywhere (workspace lints) but in ffi.rs, the one
// foreign call (glibc's mallopt, memory.rs).
#![deny(unsafe_code)]
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod chain_commands;
mod commands;
mod delivery_commands;
mod device_commands;
mod ffi;
mod import_commands;
mod inventory_commands;
mod ipc_contract;
mod ipc_error;
mod manager_commands;
mod memory;
mod onboard_commands;
mod otc_commands;
mod till_commands;
mod visit_commands;

use rxdesk_app::app::{App, StartOptions, WindowEvents};
use rxdesk_app::devices::{DeviceNotice, DeviceScan, DeviceScanError};
use rxdesk_app::CenterLink;
use tauri::Emitter;

/// Scans, device notices, the center's state and the chain sync status as
/// window events. The app starts before the window's handle exists (see
/// `main`): what it says until then is kept and sent, in order, once the
/// handle is attached.
#[derive(Default)]
struct ToWindow(std::sync::Mutex<Outlet>);

/// Where [`ToWindow`]'s events go.
enum Outlet {
    /// Before the window's handle: kept, in order.
    Early(Vec<(&'static str, serde_json::Value)>),
    /// The window's handle.
    Window(tauri::AppHandle),
}

impl Default for Outlet {
    fn default() -> Self {
        Outlet::Early(Vec::new())
    }
}

impl ToWindow {
    fn emit(&self, event: &'static str, payload: impl serde::Serialize + Clone) {
        let handle = {
            let mut outlet = self.0.lock().unwrap_or_else(|p| p.into_inner());
            match &mut *outlet {
                Outlet::Window(h) => h.clone(),
                Outlet::Early(kept) => {
                    match serde_json::to_value(&payload) {
                        Ok(v) => kept.push((event, v)),
                        Err(e) => tracing::warn!(error = %e, event, "event not serialisable"),
                    }
                    return;
                }
            }
        };
        if let Err(e) = handle.emit(event, payload) {
            tracing::warn!(error = %e, event, "event not delivered to the window");
        }
    }

    /// From now on events go to the window; the ones kept go first.
    fn attach(&self, handle: tauri::AppHandle) {
        let mut outlet = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Outlet::Early(kept) = std::mem::replace(&mut *outlet, Outlet::Window(handle.clone()))
        {
            for (event, payload) in kept {
                if let Err(e) = handle.emit(event, payload) {
                    tracing::warn!(error = %e, event, "event not delivered to the window");
                }
            }
        }
    }
}

impl WindowEvents for ToWindow {
    fn scan(&self, scan: Result<DeviceScan, DeviceScanError>) {
        match scan {
            Ok(s) => self.emit("device-scan", s),
            Err(e) => self.emit("device-scan-error", e),
        }
    }
    fn device(&self, notice: DeviceNotice) {
        self.emit("device-event", notice);
    }
    fn center(&self, link: CenterLink) {
        self.emit(
            "center-status",
            serde_json::json!({ "center": link, "centerLabel": link.label_zh() }),
        );
    }
    fn visits_changed(&self) {
        self.emit("visits-changed", ());
    }
    fn chain(&self, status: &rxdesk_app::chain::ChainStatus) {
        self.emit(
            "chain-status",
            rxdesk_app::chain_view::ChainStatusView::from(status),
        );
    }
}

/// The argument that makes this binary the layout drawer's child process.
const DRAW_LAYOUT: &str = "--draw-layout";

fn main() {
    // The layout drawer's child (rxdesk_app::visit::layout): draws the PDF on
    // stdin, answers on stdout and ends, with no window, no ledger and no
    // restart (decision 0028).
    if std::env::args_os().nth(1).is_some_and(|a| a == DRAW_LAYOUT) {
        std::process::exit(match rxdesk_app::visit::layout::serve_stdio() {
            Ok(()) => 0,
            Err(_) => 1,
        });
    }
    let started = std::time::Instant::now();
    // Before anything else, while the process is still one thread: WebKit's
    // painting choice, no compositor, its script without a JIT and its
    // processes' malloc thresholds, inherited by the processes WebKit starts
    // (memory.rs).
    memory::cpu_painting_unless_chosen();
    memory::no_compositing_unless_chosen();
    memory::no_jit_unless_chosen();
    memory::fixed_malloc_thresholds();
    // `--data-dir PATH` beats RXDESK_HOME: WebDriver sessions cannot pass
    // environment variables to the app, only arguments. An unusable data
    // directory stops start-up here, before any window (or display) exists.
    let dir = match App::data_dir(data_dir_argument(std::env::args())) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("RxDesk cannot start: {e}");
            std::process::exit(2);
        }
    };
    let options = StartOptions {
        started: Some(started),
        data_dir: Some(dir.root().to_path_buf()),
        exit_when_ready: std::env::var_os("RXDESK_EXIT_WHEN_READY").is_some(),
        // Layout files are drawn by this same binary in a child process; if
        // the executable cannot be named, in this process.
        layout_drawer: std::env::current_exe()
            .ok()
            .map(|exe| (exe, vec![DRAW_LAYOUT.into()])),
        ..StartOptions::default()
    };
    // The composition root (rxdesk-app) builds and starts everything; this
    // shell only turns its events into window events. It starts on its own
    // thread while GTK and the window come up, so the window's main loop is
    // never held by it: a main thread busy when WebKit first draws the view
    // waits up to 500 ms for a web process it has not yet initialised
    // (measured with strace; docs/decisions/0021).
    let events = std::sync::Arc::new(ToWindow::default());
    let starting = {
        let rt = tauri::async_runtime::handle().inner().clone();
        let events = std::sync::Arc::clone(&events);
        std::thread::Builder::new()
            .name("app start".into())
            .spawn(move || App::start(options, rt, events))
    };
    let starting = match starting {
        Ok(t) => t,
        Err(e) => {
            eprintln!("RxDesk cannot start: {e}");
            std::process::exit(2);
        }
    };
    tauri::Builder::default()
        .setup(move |app| {
            use tauri::Manager;
            events.attach(app.handle().clone());
            let Ok(started) = starting.join() else {
                eprintln!("RxDesk cannot start: start-up stopped unexpectedly (see the log)");
                std::process::exit(2);
            };
            let a = match started {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("RxDesk cannot start: {e}");
                    std::process::exit(2);
                }
            };
            let dir = a.dir.clone();
            app.manage(a);
            // The chain manager's head-office session (chain_commands.rs).
            app.manage(rxdesk_app::chain_manager::ChainManagerDesk::default());
            let window = open_window(app, &dir)?;
            memory::lighten(&window);
            Ok(())
        })
        .invoke_handler({
            // Every command the window sends asks for freed heap memory to
            // be handed back a moment later (memory.rs, decision 0033).
            let trim = memory::HeapTrim::start();
            let handler: fn(tauri::ipc::Invoke<tauri::Wry>) -> bool = tauri::generate_handler![
                commands::app_status,
                commands::set_locale,
                commands::ui_ready,
                commands::login,
                commands::logout,
                commands::current_operator,
                commands::demo_accounts,
                commands::settings_view,
                commands::device_test_print,
                device_commands::devices_settings,
                device_commands::devices_discover,
                device_commands::device_test,
                device_commands::devices_save,
                visit_commands::visit_start,
                visit_commands::visit_current,
                visit_commands::visit_identify,
                visit_commands::visit_open,
                visit_commands::visit_layout,
                visit_commands::shift_start,
                visit_commands::shift_current,
                visit_commands::visit_audit,
                visit_commands::visit_scan,
                visit_commands::visit_dispense_no_code,
                visit_commands::visit_finish_dispensing,
                visit_commands::visit_pre_settle,
                visit_commands::visit_settle,
                visit_commands::visit_resolve_uncertain,
                visit_commands::visit_pay,
                visit_commands::visit_complete,
                visit_commands::visit_cancel,
                visit_commands::visit_park,
                visit_commands::visit_resume,
                visit_commands::visit_resolve_parked,
                visit_commands::sales_find,
                visit_commands::sale_reprint,
                visit_commands::sale_refund,
                till_commands::till_current,
                till_commands::till_open,
                till_commands::till_close,
                till_commands::till_reprint,
                till_commands::day_report,
                till_commands::shift_end,
                visit_commands::visit_reverse_settled,
                manager_commands::queue_summary,
                manager_commands::queue_list,
                manager_commands::queue_payload,
                manager_commands::queue_retry,
                manager_commands::queue_void,
                manager_commands::manager_figures,
                manager_commands::manager_export,
                manager_commands::reconcile_day,
                manager_commands::reconciliations,
                manager_commands::manager_save_csv,
                inventory_commands::inventory_products,
                inventory_commands::inventory_check_receive,
                inventory_commands::inventory_check_box,
                inventory_commands::inventory_receive,
                inventory_commands::inventory_return,
                inventory_commands::inventory_change,
                inventory_commands::stocktake_preview,
                inventory_commands::stocktake_commit,
                inventory_commands::stock_list,
                inventory_commands::near_expiry,
                inventory_commands::trace_reconcile_day,
                inventory_commands::trace_code_lookup,
                onboard_commands::startup_state,
                onboard_commands::onboard_demo,
                onboard_commands::onboard_check_profile,
                onboard_commands::onboard_check_credentials,
                onboard_commands::onboard_check_trust,
                onboard_commands::onboard_check_pharmacy,
                onboard_commands::onboard_setup,
                onboard_commands::credentials_unlock,
                onboard_commands::settings_current,
                onboard_commands::settings_save,
                onboard_commands::staff_create,
                onboard_commands::staff_change,
                onboard_commands::evoucher_bind,
                import_commands::import_preview,
                import_commands::import_commit,
                // OTC / retail sale (otc_commands.rs)
                otc_commands::otc_start,
                otc_commands::otc_current,
                otc_commands::otc_search,
                otc_commands::otc_add,
                otc_commands::otc_set_quantity,
                otc_commands::otc_scan,
                otc_commands::otc_no_code,
                otc_commands::otc_identify,
                otc_commands::otc_checkout,
                otc_commands::otc_settle,
                otc_commands::otc_resolve_uncertain,
                otc_commands::otc_pay,
                otc_commands::otc_complete,
                otc_commands::otc_cancel,
                // Delivery orders screen (7205 after the visit: accept, in transit, sign-off, refusal).
                delivery_commands::delivery_orders,
                delivery_commands::delivery_look_up,
                delivery_commands::delivery_accept,
                delivery_commands::delivery_in_transit,
                delivery_commands::delivery_sign,
                delivery_commands::delivery_refuse,
                // Head-office sync status and 立即同步 (chain_commands.rs, issue 17).
                chain_commands::chain_status,
                chain_commands::chain_sync_now,
                // The chain manager's sign-in at head office and the chain views.
                chain_commands::chain_manager_sign_in,
                chain_commands::chain_manager_session,
                chain_commands::chain_manager_views,
                chain_commands::chain_manager_resolve,
                chain_commands::chain_manager_sign_out
            ];
            move |invoke| {
                trim.poke();
                handler(invoke)
            }
        })
        .build(tauri::generate_context!())
        .expect("error while building the RxDesk window")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                // Stop uploading after the requests in flight are answered.
                use tauri::Manager;
                if let Some(a) = app.try_state::<App>() {
                    a.stop();
                }
            }
        });
}

/// Opens the main window (`tauri.conf.json`'s, which Tauri does not create
/// itself) as it was left (`<data>/window.json`): built hidden, given its
/// size and position, then shown, so the page is never resized under the
/// web process while it starts. Saves the size and position whenever they
/// change.
fn open_window(
    app: &tauri::App,
    dir: &rxdesk_app::DataDir,
) -> Result<tauri::WebviewWindow, Box<dyn std::error::Error>> {
    use rxdesk_app::app::WindowGeometry;
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .ok_or("tauri.conf.json has no main window")?
        .clone();
    let window = tauri::WebviewWindowBuilder::from_config(app, &config)?
        .visible(false)
        .build()?;
    if let Some(g) = WindowGeometry::load(dir) {
        let _ = window.set_size(tauri::PhysicalSize::new(g.width, g.height));
        let _ = window.set_position(tauri::PhysicalPosition::new(g.x, g.y));
        if g.maximized {
            let _ = window.maximize();
        }
    }
    window.show()?;
    let (w, dir) = (window.clone(), dir.clone());
    window.on_window_event(move |event| {
        if matches!(
            event,
            tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)
        ) {
            // A fresh data directory keeps nothing until the first-start
            // choice is made (setup builds only into an empty directory);
            // the window's own first placement is not a choice to keep.
            if !rxdesk_app::Settings::configured(&dir) {
                return;
            }
            let (Ok(size), Ok(pos)) = (w.inner_size(), w.outer_position()) else {
                return;
            };
            let g = WindowGeometry {
                width: size.width,
                height: size.height,
                x: pos.x,
                y: pos.y,
                maximized: w.is_maximized().unwrap_or(false),
            };
            if WindowGeometry::load(&dir) != Some(g) {
                if let Err(e) = g.save(&dir) {
                    tracing::warn!(error = %e, "window size not saved");
                }
            }
        }
    });
    Ok(window)
}

fn data_dir_argument(mut args: impl Iterator<Item = String>) -> Option<std::path::PathBuf> {
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            return args.next().map(Into::into);
        }
        if let Some(v) = a.strip_prefix("--data-dir=") {
            return Some(v.into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::data_dir_argument;

    #[test]
    fn data_dir_argument_forms() {
        let v = |a: &[&str]| data_dir_argument(a.iter().map(|s| s.to_string()));
        assert_eq!(v(&["app", "--data-dir", "/x"]), Some("/x".into()));
        assert_eq!(v(&["app", "--data-dir=/y"]), Some("/y".into()));
        assert_eq!(v(&["app"]), None);
        assert_eq!(v(&["app", "--data-dir"]), None);
    }
}
