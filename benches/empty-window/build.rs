//! Build script of the empty reference window that scripts/bench measures
//! RxDesk against: tauri-build generates its context from its tauri.conf.json.
fn main() {
    tauri_build::build();
}
