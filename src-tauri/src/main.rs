//! RxDesk desktop shell: Tauri 2 commands and events only. Every command is a
//! thin wrapper over `rxdesk-app`; no business rule lives here.
#![forbid(unsafe_code)]
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use rxdesk_app::DataDir;

fn main() {
    let dir = match DataDir::resolve().and_then(|d| d.ensure().map(|_| d)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("RxDesk cannot start: {e}");
            std::process::exit(2);
        }
    };
    let _log_guard = rxdesk_app::logging::init(&dir, "rxdesk").ok();
    tracing::info!(version = rxdesk_app::VERSION, data_dir = %dir.root().display(), "RxDesk starting");
    tauri::Builder::default()
        .manage(commands::Shared { dir })
        .invoke_handler(tauri::generate_handler![commands::app_status, commands::set_locale])
        .run(tauri::generate_context!())
        .expect("error while running the RxDesk window");
}
