//! An empty Tauri 2 window (the memory and start-up reference of
//! scripts/bench). Prints `page_loaded_ms=N` once its page has finished
//! loading, so the benchmark measures it at the same point as RxDesk's ready
//! login screen; with `RXDESK_EXIT_WHEN_READY` it then quits.
#![forbid(unsafe_code)]

use tauri::Manager;

fn main() {
    let started = std::time::Instant::now();
    tauri::Builder::default()
        .on_page_load(move |webview, payload| {
            if matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
                println!("page_loaded_ms={}", started.elapsed().as_millis());
                // The start-up reference: quit once loaded, as RxDesk does
                // at its ready login screen with the same variable.
                if std::env::var_os("RXDESK_EXIT_WHEN_READY").is_some() {
                    webview.app_handle().exit(0);
                }
            }
        })
        .run(tauri::generate_context!())
        .expect("error while running the empty window");
}
