//! Build script of the desktop shell: tauri-build reads `tauri.conf.json`
//! and generates the context (window, embedded UI assets) that `main.rs`
//! passes to the Tauri builder.
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"),
    )
    .expect("failed to run tauri-build");
}
