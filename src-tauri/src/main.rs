//! RxDesk desktop shell: Tauri 2 commands and events only. Every command is a
//! thin wrapper over `rxdesk-app`; no business rule lives here.
#![forbid(unsafe_code)]
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod delivery_commands;
mod device_commands;
mod import_commands;
mod manager_commands;
mod onboard_commands;
mod otc_commands;
mod till_commands;
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
    // A fresh data directory opens nothing yet (the window offers 演示模式 or
    // 正式接入); production credentials the OS forgot wait for the
    // manager's passphrase; otherwise the counter opens now.
    let counter = onboard_commands::startup_slot(&dir);
    let manager = manager_commands::ManagerState::new(&dir);
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
            let devices = rxdesk_app::devices::LiveDevices::start(&device_settings, move |scan| {
                let sent = match scan {
                    Ok(s) => handle.emit("device-scan", s),
                    Err(e) => handle.emit("device-scan-error", e),
                };
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "scan event not delivered to the window");
                }
            });
            // Card reader, PIN pad, QR decode, face: the visit identifies
            // through them; unplugged / back reach the window as events.
            let hub = commands::DeviceHub(std::sync::Arc::new(devices));
            if let Ok(c) = app.state::<commands::Shared>().counter.as_ref() {
                hub.attach_to(c);
            }
            let mut events = hub.0.subscribe_events();
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    match events.recv().await {
                        Ok(e) => {
                            let n = rxdesk_app::devices::DeviceNotice::from(&e);
                            tracing::info!(event = ?e, "device event");
                            if let Err(err) = handle.emit("device-event", n) {
                                tracing::warn!(error = %err, "device event not delivered to the window");
                            }
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => break,
                    }
                }
            });
            app.manage(hub);
            // The center link, live: the status bar turns 离线 within a few
            // seconds of the center dying, and back, without F5.
            let handle = app.handle().clone();
            let dir = app.state::<commands::Shared>().dir.clone();
            tauri::async_runtime::spawn(rxdesk_app::status::watch_center(
                dir,
                std::time::Duration::from_secs(2),
                move |link| {
                    let notice = serde_json::json!({
                        "center": link,
                        "center_label": link.label_zh(),
                    });
                    if let Err(err) = handle.emit("center-status", notice) {
                        tracing::warn!(error = %err, "center status not delivered to the window");
                    }
                },
            ));
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
            device_commands::devices_settings,
            device_commands::devices_discover,
            device_commands::device_test,
            device_commands::devices_save,
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
            delivery_commands::delivery_refuse
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
