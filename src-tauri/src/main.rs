//! RxDesk desktop shell: Tauri 2 commands and events only. Every command is a
//! thin wrapper over `rxdesk-app`; no business rule lives here.
#![forbid(unsafe_code)]
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod import_commands;
mod manager_commands;
mod visit_commands;

use rxdesk_app::DataDir;

fn main() {
    let started = std::time::Instant::now();
    // `--data-dir PATH` beats RXDESK_HOME: WebDriver sessions cannot pass
    // environment variables to the app, only arguments.
    let arg_dir = data_dir_argument(std::env::args());
    let resolved = match arg_dir {
        Some(d) => Ok(DataDir::at(d)),
        None => DataDir::resolve(),
    };
    let dir = match resolved.and_then(|d| d.ensure().map(|_| d)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("RxDesk cannot start: {e}");
            std::process::exit(2);
        }
    };
    let _log_guard = rxdesk_app::logging::init(&dir, "rxdesk").ok();
    tracing::info!(version = rxdesk_app::VERSION, data_dir = %dir.root().display(), "RxDesk starting");
    let settings = rxdesk_app::Settings::load(&dir);
    let device_settings = settings
        .as_ref()
        .map(|s| s.devices.clone())
        .unwrap_or_default();
    let demo_mode = settings.as_ref().is_ok_and(|s| s.demo_mode);
    let counter = settings
        .and_then(|settings| rxdesk_app::Counter::open(&dir, &settings))
        .map_err(|e| {
            tracing::error!(error = %e, "ledger unavailable");
            e.to_string()
        });
    let manager = manager_commands::ManagerState::new(&dir);
    #[cfg(feature = "demo")]
    if let (true, Ok(c)) = (demo_mode, &counter) {
        // Demo mode: the demo pharmacy's catalogue and stock (rxdesk-demo),
        // imported in the background on first start as the demo manager
        // (all-or-nothing; the window does not wait).
        let store = std::sync::Arc::clone(c.store());
        let spawned = std::thread::Builder::new()
            .name("demo catalogue".into())
            .spawn(move || {
                let (login, _, _, password) = rxdesk_app::operators::DEMO_OPERATORS[0];
                let seeded = store.login(login, password).and_then(|manager| {
                    rxdesk_demo::pharmacy::seed_demo_pharmacy(&store, &manager)
                });
                match seeded {
                    Ok(r) => tracing::info!(result = ?r, "demo pharmacy ready"),
                    Err(e) => tracing::error!(error = %e, "demo catalogue import failed"),
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the demo catalogue import");
        }
    }
    #[cfg(not(feature = "demo"))]
    if demo_mode {
        tracing::warn!("built without the `demo` feature: demo mode has no demo catalogue");
    }
    tauri::Builder::default()
        .manage(manager)
        .manage(commands::Shared {
            dir,
            counter,
            started,
            exit_when_ready: std::env::var_os("RXDESK_EXIT_WHEN_READY").is_some(),
        })
        .setup(move |app| {
            // Serial/HID scanners: every scan becomes a `device-scan` event the
            // UI handles exactly like a keyboard-wedge burst.
            use tauri::{Emitter, Manager};
            let handle = app.handle().clone();
            let devices = rxdesk_app::devices::Devices::start(&device_settings, move |scan| {
                let sent = match scan {
                    Ok(s) => handle.emit("device-scan", s),
                    Err(e) => handle.emit("device-scan-error", e),
                };
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "scan event not delivered to the window");
                }
            });
            app.manage(commands::DeviceHub(std::sync::Arc::new(devices)));
            // The upload worker drains the outbox while the window is open.
            app.state::<manager_commands::ManagerState>()
                .start(&app.state::<commands::Shared>());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::set_locale,
            commands::ui_ready,
            commands::login,
            commands::logout,
            commands::current_operator,
            commands::demo_accounts,
            commands::find_prescriptions,
            commands::open_prescription,
            commands::settings_view,
            commands::device_test_print,
            visit_commands::visit_start,
            visit_commands::visit_current,
            visit_commands::visit_identify,
            visit_commands::visit_open,
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
            visit_commands::sales_find,
            visit_commands::sale_reprint,
            visit_commands::sale_refund,
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
            import_commands::import_preview,
            import_commands::import_commit
        ])
        .build(tauri::generate_context!())
        .expect("error while building the RxDesk window")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                // Stop uploading after the requests in flight are answered.
                use tauri::Manager;
                app.state::<manager_commands::ManagerState>().stop();
            }
        });
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
