//! Hot-unplug and replug of a serial scanner: the supervisor sees the link
//! drop, publishes the state, backs off, and reopens the same path (a
//! symlink, like `/dev/serial/by-id/…`) once a new device appears there.

use rxdesk_devices::scan::serial::SerialScanner;
use rxdesk_devices::scan::{CodeScanner, ScanError, ScanKind};
use rxdesk_devices::sim::scanner::ScannerSim;
use rxdesk_devices::status::{supervise_scanner, Backoff, DeviceKind, DeviceState, StatusBoard};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn wait_for(board: &StatusBoard, what: &str, f: impl Fn(&DeviceState) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Some(s) = board.get(DeviceKind::Scanner) {
            if f(&s.state) {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "scanner never became {what}: {:?}",
        board.get(DeviceKind::Scanner)
    );
}

#[test]
fn scanner_survives_unplug_and_replug() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hotplug-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("usb-Scanner-if00");
    let _ = std::fs::remove_file(&link);

    let mut sim = ScannerSim::new().unwrap();
    std::os::unix::fs::symlink(sim.path(), &link).unwrap();

    let board = StatusBoard::default();
    let (tx, rx) = mpsc::channel();
    let path = link.to_string_lossy().into_owned();
    let sup = supervise_scanner(
        "scanner",
        Box::new(move || {
            SerialScanner::open(&path, 9600).map(|s| Box::new(s) as Box<dyn CodeScanner>)
        }),
        board.clone(),
        Backoff::new(Duration::from_millis(50), Duration::from_millis(400)),
        tx,
    );
    wait_for(&board, "ready", |s| *s == DeviceState::Ready);
    sim.scan("81234567890123456789").unwrap();
    let s = rx.recv_timeout(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(s.kind, ScanKind::TraceCode);

    // unplug: the PTY goes away and so does the device node behind the link
    drop(sim);
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        Err(ScanError::Disconnected)
    );
    wait_for(
        &board,
        "disconnected with retries",
        |s| matches!(s, DeviceState::Disconnected { attempt, .. } if *attempt >= 2),
    );

    // replug: a new device node, the stable link repointed
    let mut sim = ScannerSim::new().unwrap();
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(sim.path(), &link).unwrap();
    wait_for(&board, "ready again", |s| *s == DeviceState::Ready);
    sim.scan("6901234567892").unwrap();
    let s = rx.recv_timeout(Duration::from_secs(5)).unwrap().unwrap();
    assert!(matches!(s.kind, ScanKind::Gtin { .. }));
    sup.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
