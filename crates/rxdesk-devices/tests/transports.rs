//! The printer driver on its other links (serial PTY, device file), the
//! scanner stream helper, and the rxdesk-devsim binary end to end.

use rxdesk_devices::printer::decode::{decode_all, printed_lines, Event};
use rxdesk_devices::printer::escpos::{EscPosBuilder, PaperWidth};
use rxdesk_devices::printer::{
    EscPosPrinter, PrintError, PrinterLink, PrinterStatus, ReceiptPrinter,
};
use rxdesk_devices::scan::serial::SerialScanner;
use rxdesk_devices::scan::{spawn_stream, ScanError, ScanKind};
use rxdesk_devices::sim::printer::start_serial_pty;
use rxdesk_devices::sim::scanner::ScannerSim;
use std::io::BufRead;
use std::time::Duration;

fn job() -> Vec<u8> {
    EscPosBuilder::new(PaperWidth::Mm58)
        .line("串口打印测试")
        .pair("布洛芬", "￥18.80")
        .cut()
        .build()
}

#[test]
fn serial_printer_over_a_pty_answers_status_and_prints() {
    let (sim, path, _slave) = start_serial_pty().unwrap();
    let mut p = EscPosPrinter::new(
        PrinterLink::Serial {
            path,
            baud: 115_200,
        },
        Duration::from_secs(2),
    );
    assert!(p.status().unwrap().ready());
    p.print(&job()).unwrap();
    assert!(sim.wait_for_cut(Duration::from_secs(5)));
    assert_eq!(printed_lines(&sim.events())[0], "串口打印测试");
    sim.set_status(PrinterStatus {
        paper_low: true,
        ..Default::default()
    });
    let st = p.status().unwrap();
    assert!(st.paper_low && st.ready(), "paper low still prints: {st:?}");
}

#[test]
fn device_file_printer_writes_the_job() {
    let f = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("lp0-{}", std::process::id()));
    std::fs::write(&f, b"").unwrap();
    let mut p = EscPosPrinter::new(
        PrinterLink::File {
            path: f.display().to_string(),
        },
        Duration::from_secs(1),
    );
    // a device file cannot be asked for status: assumed ready
    assert_eq!(p.status().unwrap(), PrinterStatus::default());
    p.print(&job()).unwrap();
    let ev = decode_all(&std::fs::read(&f).unwrap());
    assert_eq!(
        printed_lines(&ev)[1].trim_end(),
        "布洛芬                   ￥18.80".trim_end()
    );
    assert!(ev.contains(&Event::Cut));
    let mut missing = EscPosPrinter::new(
        PrinterLink::File {
            path: "/nonexistent/lp9".into(),
        },
        Duration::from_secs(1),
    );
    assert!(matches!(
        missing.print(&job()),
        Err(PrintError::Connect(..))
    ));
    std::fs::remove_file(&f).unwrap();
}

#[test]
fn scan_stream_delivers_scans_and_errors_then_ends_on_unplug() {
    let mut sim = ScannerSim::new().unwrap();
    sim.byte_delay = Duration::from_millis(1);
    let rx = spawn_stream(Box::new(SerialScanner::open(&sim.path(), 9600).unwrap()));
    sim.scan("81234567890123456789").unwrap();
    sim.send_raw(b"\x00\x01\x02\r\n").unwrap();
    sim.scan("ABCDEFGHJK0123456789ABCDEFG").unwrap();
    let t = Duration::from_secs(5);
    assert_eq!(
        rx.recv_timeout(t).unwrap().unwrap().kind,
        ScanKind::TraceCode
    );
    assert_eq!(rx.recv_timeout(t).unwrap(), Err(ScanError::Garbled));
    assert_eq!(
        rx.recv_timeout(t).unwrap().unwrap().kind,
        ScanKind::EPrescriptionQr
    );
    drop(sim);
    let started = std::time::Instant::now();
    let got = rx.recv_timeout(t);
    assert_eq!(
        got,
        Ok(Err(ScanError::Disconnected)),
        "after {:?}",
        started.elapsed()
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "stream ended"
    );
}

#[test]
fn devsim_printer_decodes_and_renders_a_receipt() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("devsim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // find a free port, then let the simulator bind it
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rxdesk-devsim"))
        .args([
            "printer",
            "--listen",
            &addr,
            "--count",
            "1",
            "--width",
            "58mm",
            "--png-dir",
        ])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut p = EscPosPrinter::new(PrinterLink::Tcp { addr }, Duration::from_secs(2));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match p.print(&job()) {
            Ok(()) => break,
            Err(PrintError::Connect(..)) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success());
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert!(events
        .iter()
        .any(|e| e["event"] == "line" && e["text"] == "串口打印测试"));
    assert!(events.iter().any(|e| e["event"] == "cut"));
    let png = std::fs::read(dir.join("receipt-0001.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let _ = std::fs::remove_dir_all(&dir);
}
