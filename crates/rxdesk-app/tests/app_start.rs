//! The composition root (`rxdesk_app::app::App`) as the desktop shell uses
//! it, without a window: a fresh data directory opens nothing and waits for
//! the first-start choice; 演示模式 then opens the demo counter against the
//! emulator, the center-link watch reports to the window's event sink, and
//! a second choice is refused; the upload worker stops on request.

use rxdesk_app::app::{App, Pending, StartOptions, WindowEvents};
use rxdesk_app::devices::{DeviceNotice, DeviceScan, DeviceScanError};
use rxdesk_app::CenterLink;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl WindowEvents for Recorder {
    fn scan(&self, scan: Result<DeviceScan, DeviceScanError>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("scan {}", scan.is_ok()));
    }
    fn device(&self, _notice: DeviceNotice) {
        self.0.lock().unwrap().push("device".into());
    }
    fn center(&self, link: CenterLink) {
        self.0
            .lock()
            .unwrap()
            .push(format!("center {}", serde_json::to_string(&link).unwrap()));
    }
}

impl Recorder {
    fn centers(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.starts_with("center"))
            .cloned()
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_directory_waits_for_the_first_start_choice_then_opens_the_demo_counter() {
    let sim = rxdesk_center_sim::serve(rxdesk_center_sim::SimConfig::default())
        .await
        .unwrap();
    std::env::set_var("RXDESK_CENTER_URL", sim.base_url());
    let t = tempfile::tempdir().unwrap();
    let events = Arc::new(Recorder::default());
    let sink: Arc<dyn WindowEvents> = events.clone();
    let app = App::start(
        StartOptions {
            data_dir: Some(t.path().join("home")),
            center_probe: Some(Duration::from_millis(200)),
            ..StartOptions::default()
        },
        tokio::runtime::Handle::current(),
        sink,
    )
    .unwrap();
    assert_eq!(app.counter.pending(), Pending::Unconfigured);
    let why = app.counter.as_ref().err().cloned().unwrap();
    assert!(why.contains("演示模式"), "{why}");
    assert!(t.path().join("home/logs").is_dir(), "logging started");

    app.choose_demo(Some("en-US".into())).unwrap();
    assert_eq!(app.counter.pending(), Pending::Ready);
    let counter = app.counter.as_ref().unwrap();
    let (login, _, role, password) = rxdesk_app::operators::DEMO_OPERATORS[0];
    counter.login(login, password, Some(role.code())).unwrap();
    let settings = rxdesk_app::Settings::load(&app.dir).unwrap();
    assert!(settings.demo_mode);
    assert_eq!(settings.locale, "en-US");
    assert!(
        app.uploads.client().is_ok(),
        "the background client reaches the emulator"
    );
    let e = app.choose_demo(None).unwrap_err();
    assert!(e.contains("已经设置过"), "{e}");
    assert!(
        app.unlock("whatever-passphrase").is_err(),
        "nothing to unlock"
    );

    // The center-link watch reports to the window's sink.
    for _ in 0..100 {
        if !events.centers().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!events.centers().is_empty(), "no center-status event");

    tokio::task::spawn_blocking(move || app.stop())
        .await
        .unwrap();
    sim.shutdown().await;
}
