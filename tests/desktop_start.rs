//! The desktop binary's own start-up contract, checked without a display:
//! a data directory that cannot be used stops RxDesk before any window opens,
//! with a message that says so and exit code 2 (never a panic).
//!
//! Being an integration test of the root package, this file also makes
//! `cargo test --workspace --features custom-protocol` build the
//! `rxdesk-desktop` binary with the same features as every other crate, so
//! `scripts/test` compiles each crate once and the window E2E drives that
//! very binary.

use std::process::Command;

#[test]
fn an_unusable_data_directory_stops_start_up_with_a_clear_message() {
    let base = std::env::temp_dir().join(format!("rxdesk-desktop-start-{}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    // A plain file where the data directory would have to be created.
    let blocker = base.join("not-a-directory");
    std::fs::write(&blocker, b"x").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rxdesk-desktop"))
        .arg("--data-dir")
        .arg(blocker.join("home"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the desktop binary runs");
    let _ = std::fs::remove_dir_all(&base);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("RxDesk cannot start"), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}
