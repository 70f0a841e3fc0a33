//! Settings → "test" for each device class through the app's entry points
//! (`api`): a test print on the simulated printer, a scan on the simulated
//! scanner (named, payment codes included), a card reader with and without a
//! card, and an absent card library shown as 未安装 on the status board.

use rxdesk_devices::api::{test_printer, test_scanner, CardReaderDevice};
use rxdesk_devices::card::serial::SerialCardReader;
use rxdesk_devices::card::CardReader;
use rxdesk_devices::printer::decode::printed_lines;
use rxdesk_devices::printer::escpos::PaperWidth;
use rxdesk_devices::printer::{EscPosPrinter, PrinterLink};
use rxdesk_devices::scan::serial::SerialScanner;
use rxdesk_devices::settings::{card_reader_device, CardReaderSettings};
use rxdesk_devices::sim::card_reader::CardReaderSim;
use rxdesk_devices::sim::printer::PrinterSim;
use rxdesk_devices::sim::scanner::ScannerSim;
use rxdesk_devices::status::{Backoff, DeviceKind, DeviceState, StatusBoard};
use std::time::{Duration, Instant};

#[test]
fn test_print_and_a_silent_printer() {
    let sim = PrinterSim::start_tcp("127.0.0.1:0").unwrap();
    let mut p = EscPosPrinter::new(
        PrinterLink::Tcp {
            addr: sim.addr().unwrap().to_string(),
        },
        Duration::from_millis(800),
    );
    let r = test_printer(&mut p, PaperWidth::Mm58);
    assert!(r.ok, "{r:?}");
    assert_eq!(r.kind, DeviceKind::Printer);
    // The window words the outcome from its code and params in any language.
    assert_eq!(r.code, "printed");
    assert!(r.params.contains_key("printer"), "{r:?}");
    assert!(sim.wait_for_cut(Duration::from_secs(5)));
    assert_eq!(printed_lines(&sim.events())[0], "RxDesk 打印测试");
    sim.set_mute(true);
    let r = test_printer(&mut p, PaperWidth::Mm58);
    assert!(!r.ok);
    assert_eq!(r.summary_zh, "打印机无响应，请检查打印机");
    assert_eq!(
        (r.code.as_str(), r.error_code.as_deref()),
        ("print_failed", Some("print_failed"))
    );
}

#[test]
fn test_scan_names_what_was_scanned() {
    let mut sim = ScannerSim::new().unwrap();
    let mut s = SerialScanner::open(&sim.path(), 9600).unwrap();
    sim.scan("134567890123456789").unwrap();
    let r = test_scanner(&mut s, Duration::from_secs(5));
    assert!(r.ok);
    assert_eq!(r.summary_zh, "扫码成功：未识别条码（微信付款码）");
    assert_eq!(r.code, "scan_ok");
    assert_eq!(r.params.get("kind").map(String::as_str), Some("unknown"));
    sim.scan("320000ecnqssaor2nj7a2a480a0000a4cef57c").unwrap();
    assert_eq!(
        test_scanner(&mut s, Duration::from_secs(5)).summary_zh,
        "扫码成功：医保电子凭证码"
    );
    let r = test_scanner(&mut s, Duration::from_millis(100));
    assert!(!r.ok);
    assert_eq!(r.summary_zh, "未收到扫码，请对准条码扫描一次");
    assert_eq!(r.code, "no_scan");
}

#[test]
fn card_reader_test_without_a_card_pings() {
    let sim = CardReaderSim::start().unwrap();
    let path = sim.path();
    let dev = CardReaderDevice::new(
        "串口读卡器",
        Box::new(move || {
            SerialCardReader::open(&path, 115_200).map(|r| Box::new(r) as Box<dyn CardReader>)
        }),
        StatusBoard::default(),
    );
    let r = dev.test_blocking(Duration::from_secs(5));
    assert!(r.ok, "{r:?}");
    assert_eq!(
        r.summary_zh,
        "读卡器应答正常（未插卡）：RXDESK-SIM 串口读卡器 v1"
    );
    assert_eq!(r.code, "card_reader_ok");
    assert_eq!(
        r.params.get("model").map(String::as_str),
        Some("RXDESK-SIM 串口读卡器 v1")
    );
    sim.unplug();
    let r = dev.test_blocking(Duration::from_secs(5));
    assert!(!r.ok);
    assert_eq!(r.error_code.as_deref(), Some("disconnected"));
    assert_eq!(r.code, "disconnected");
}

#[test]
fn absent_card_library_is_not_installed_on_the_board() {
    let board = StatusBoard::default();
    let dev = card_reader_device(
        &CardReaderSettings::HeaSec {
            path: Some("/nonexistent/libHeaSecReadInfo.so".into()),
            init_json: "{}".into(),
        },
        board.clone(),
    );
    let r = dev.test_blocking(Duration::from_secs(2));
    assert_eq!(r.error_code.as_deref(), Some("not_installed"));
    assert_eq!(r.summary_zh, "HeaSecReadInfo 未安装");
    let sup = dev.supervise(
        Backoff::new(Duration::from_millis(50), Duration::from_millis(100)),
        Duration::from_millis(50),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while board.get(DeviceKind::CardReader).map(|s| s.state) != Some(DeviceState::NotInstalled) {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            board.get(DeviceKind::CardReader)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        board.get(DeviceKind::CardReader).unwrap().summary_zh(),
        "读卡器：未安装"
    );
    // The same line by code, as the window words it.
    let line = board.get(DeviceKind::CardReader).unwrap().line();
    assert_eq!(
        (line.kind, line.state, line.line_zh.as_str()),
        (DeviceKind::CardReader, "not_installed", "读卡器：未安装")
    );
    sup.stop();
}
