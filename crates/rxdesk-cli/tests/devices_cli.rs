//! `rxdesk devices` on the built binary, against the device simulators.

use rxdesk_devices::printer::decode::{printed_lines, Event};
use rxdesk_devices::printer::PrinterStatus;
use rxdesk_devices::sim::printer::PrinterSim;
use rxdesk_devices::sim::scanner::ScannerSim;
use std::process::{Command, Stdio};
use std::time::Duration;

fn rxdesk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rxdesk"))
}

#[test]
fn test_print_over_tcp_reaches_the_printer_and_decodes() {
    let sim = PrinterSim::start_tcp("127.0.0.1:0").unwrap();
    let addr = sim.addr().unwrap().to_string();
    let out = rxdesk()
        .args([
            "devices",
            "test-print",
            "--tcp",
            &addr,
            "--width",
            "58mm",
            "--drawer",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sim.wait_for_cut(Duration::from_secs(5)));
    let ev = sim.events();
    let lines = printed_lines(&ev);
    assert_eq!(lines[0], "打印测试");
    assert!(lines
        .iter()
        .any(|l| l.starts_with("纸宽 width") && l.ends_with("58mm")));
    assert!(ev.contains(&Event::Qr {
        data: "RXDESK-TEST-PRINT".into()
    }));
    assert!(ev.contains(&Event::DrawerKick { pin: 0 }));

    // paper out: exit 1 with the zh-CN reason
    sim.set_status(PrinterStatus {
        paper_out: true,
        ..Default::default()
    });
    let out = rxdesk()
        .args(["devices", "test-print", "--tcp", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("打印机缺纸"));

    // no printer given: bad input
    let out = rxdesk().args(["devices", "test-print"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn listen_classifies_scans_from_a_serial_scanner() {
    let mut sim = ScannerSim::new().unwrap();
    let child = rxdesk()
        .args([
            "devices",
            "listen",
            "--serial",
            &sim.path(),
            "--count",
            "3",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    sim.scan("81234567890123456789").unwrap();
    sim.scan("6901234567891").unwrap();
    sim.scan("]d20106901234567892172612311012AB\u{1d}21SN0001")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["scan"]["kind"]["kind"], "trace_code");
    assert_eq!(lines[1]["ok"], false);
    assert_eq!(lines[1]["message_zh"], "条码校验位错误，请重新扫描");
    assert_eq!(lines[2]["scan"]["kind"]["kind"], "gs1");
}

#[test]
fn list_reports_libraries_not_installed() {
    let out = rxdesk()
        .args(["devices", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let libs = v["libraries"].as_array().unwrap();
    assert_eq!(libs.len(), 3);
    assert!(libs.iter().any(|l| l["name"] == "NationECCode"));
}
