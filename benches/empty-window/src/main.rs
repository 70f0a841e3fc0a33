//! An empty Tauri 2 window (the memory reference of scripts/bench). Prints
//! `page_loaded_ms=N` once its page has finished loading, so the benchmark
//! measures it at the same point as RxDesk's ready login screen.
#![forbid(unsafe_code)]

fn main() {
    let started = std::time::Instant::now();
    tauri::Builder::default()
        .on_page_load(move |_webview, payload| {
            if matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
                println!("page_loaded_ms={}", started.elapsed().as_millis());
            }
        })
        .run(tauri::generate_context!())
        .expect("error while running the empty window");
}
