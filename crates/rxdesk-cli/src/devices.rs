//! `rxdesk devices …`: list what is attached, print a test receipt, watch a
//! serial scanner. A thin shell over `rxdesk-devices`, the same drivers the
//! desktop app uses.

use clap::{Args, Subcommand, ValueEnum};
use rxdesk_devices::discovery;
use rxdesk_devices::printer::escpos::{Align, EscPosBuilder, PaperWidth};
use rxdesk_devices::printer::{EscPosPrinter, PrinterLink, ReceiptPrinter};
use rxdesk_devices::scan::serial::SerialScanner;
use rxdesk_devices::scan::{CodeScanner, ScanError, ScanKind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Counter devices: list, test-print, listen.
#[derive(Args, Debug)]
pub struct DevicesArgs {
    #[command(subcommand)]
    cmd: DevicesCmd,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Width {
    #[value(name = "58mm")]
    Mm58,
    #[value(name = "80mm")]
    Mm80,
}

#[derive(Subcommand, Debug)]
enum DevicesCmd {
    /// List serial ports (USB VID:PID), HID devices (POS scanners marked),
    /// USB printer device files and the vendor libraries (已安装/未安装).
    List {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Extra directory to look for vendor libraries in.
        #[arg(long = "library-dir")]
        library_dirs: Vec<PathBuf>,
    },
    /// Print a Chinese test receipt (text, QR, CODE128, cut). Exit 0 printed,
    /// 1 the printer refused (paper out, cover open, no answer), 2 bad input.
    TestPrint {
        /// Network printer, HOST:PORT (raw port 9100).
        #[arg(long, group = "link")]
        tcp: Option<String>,
        /// Serial printer port.
        #[arg(long, group = "link")]
        serial: Option<String>,
        /// USB printer device file, e.g. /dev/usb/lp0.
        #[arg(long, group = "link")]
        file: Option<PathBuf>,
        /// Serial baud rate.
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        /// Roll width.
        #[arg(long, value_enum, default_value = "80mm")]
        width: Width,
        /// Also kick the cash drawer.
        #[arg(long)]
        drawer: bool,
    },
    /// Watch a serial scanner and print each scan, classified.
    Listen {
        /// Port path, e.g. /dev/ttyACM0.
        #[arg(long)]
        serial: String,
        /// Baud rate.
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        /// Stop after this many scans (errors count too).
        #[arg(long)]
        count: Option<usize>,
        /// JSON lines instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Demo only: writes the stand-in e-voucher SDK's state (the demo
    /// patients' e-voucher passwords and identities, QR decoding, the face
    /// terminal), as scripts/demo-devices uses it (docs/demo.md).
    DemoStandin {
        /// The state file (named by the `standin:` URL of the demo settings).
        #[arg(long)]
        state: std::path::PathBuf,
    },
}

/// Runs a `devices` subcommand.
pub fn run(args: DevicesArgs) -> ExitCode {
    match args.cmd {
        DevicesCmd::List { json, library_dirs } => list(json, &library_dirs),
        DevicesCmd::TestPrint {
            tcp,
            serial,
            file,
            baud,
            width,
            drawer,
        } => {
            let link = match (tcp, serial, file) {
                (Some(addr), None, None) => PrinterLink::Tcp { addr },
                (None, Some(path), None) => PrinterLink::Serial { path, baud },
                (None, None, Some(p)) => PrinterLink::File {
                    path: p.display().to_string(),
                },
                _ => {
                    eprintln!(
                        "rxdesk: 请指定一个打印机：--tcp HOST:PORT | --serial PATH | --file PATH"
                    );
                    return ExitCode::from(2);
                }
            };
            let width = match width {
                Width::Mm58 => PaperWidth::Mm58,
                Width::Mm80 => PaperWidth::Mm80,
            };
            test_print(link, width, drawer)
        }
        DevicesCmd::Listen {
            serial,
            baud,
            count,
            json,
        } => listen(&serial, baud, count, json),
        DevicesCmd::DemoStandin { state } => {
            match rxdesk_app::devices::write_demo_standin_state(&state) {
                Ok(_) => {
                    println!("{}", state.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("rxdesk: {}: {e}", state.display());
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn list(json: bool, library_dirs: &[PathBuf]) -> ExitCode {
    let inv = discovery::inventory(library_dirs);
    if json {
        println!("{}", rxdesk_app::json_keys::pretty(&inv));
        return ExitCode::SUCCESS;
    }
    println!("串口 serial ports: {}", inv.serial_ports.len());
    for p in &inv.serial_ports {
        let id = match (p.vid, p.pid) {
            (Some(v), Some(d)) => format!("{v:04x}:{d:04x}"),
            _ => "-".into(),
        };
        println!(
            "  {:<28} {:<9} {id:<9} {}",
            p.path,
            p.kind,
            p.product.as_deref().unwrap_or("")
        );
    }
    println!("HID: {}", inv.hid_devices.len());
    for h in &inv.hid_devices {
        println!(
            "  {:04x}:{:04x} page {:#06x}{} {} {}",
            h.vid,
            h.pid,
            h.usage_page,
            if h.pos_scanner {
                " [POS 扫码枪]"
            } else {
                ""
            },
            h.product.as_deref().unwrap_or(""),
            h.path
        );
    }
    println!("USB 打印机 printer files: {}", inv.printer_files.len());
    for f in &inv.printer_files {
        println!("  {}", f.display());
    }
    println!("厂商动态库 vendor libraries:");
    for l in &inv.libraries {
        match &l.path {
            Some(p) => println!("  {:<16} {} {}", l.name, l.status_zh, p.display()),
            None => println!("  {:<16} {}", l.name, l.status_zh),
        }
    }
    for p in &inv.problems {
        println!("! {p}");
    }
    ExitCode::SUCCESS
}

/// The test receipt: every feature a counter uses.
pub fn test_receipt(width: PaperWidth, drawer: bool) -> Vec<u8> {
    let now = rxdesk_core::time::format_wire(chrono::Utc::now());
    let mut b = EscPosBuilder::new(width)
        .align(Align::Center)
        .bold(true)
        .size(2, 2)
        .line("打印测试")
        .size(1, 1)
        .bold(false)
        .line("RxDesk 药店处方收银台")
        .align(Align::Left)
        .rule()
        .pair(
            "纸宽 width",
            if width == PaperWidth::Mm58 {
                "58mm"
            } else {
                "80mm"
            },
        )
        .pair("阿莫西林胶囊 0.25g×24粒", "￥12.50")
        .wrapped("中文 GB18030 编码；全角字符占两列，半角占一列。ABC abc 0123456789")
        .line(&format!("时间 {now}"))
        .rule()
        .align(Align::Center)
        .qr("RXDESK-TEST-PRINT", 6)
        .code128("RXDESK-TEST")
        .feed(3)
        .cut();
    if drawer {
        b = b.drawer_kick();
    }
    b.build()
}

fn test_print(link: PrinterLink, width: PaperWidth, drawer: bool) -> ExitCode {
    let mut p = EscPosPrinter::new(link, Duration::from_secs(3));
    match p.status() {
        Ok(st) => println!(
            "状态 status: 缺纸 {} / 纸将尽 {} / 开盖 {} / 故障 {}",
            yn(st.paper_out),
            yn(st.paper_low),
            yn(st.cover_open),
            yn(st.error)
        ),
        Err(e) => {
            eprintln!("rxdesk: {}（{e}）", e.message_zh());
            return ExitCode::from(1);
        }
    }
    match p.print(&test_receipt(width, drawer)) {
        Ok(()) => {
            println!("已打印 printed on {}", p.name());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rxdesk: {}（{e}）", e.message_zh());
            ExitCode::from(1)
        }
    }
}

fn yn(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

fn listen(path: &str, baud: u32, count: Option<usize>, json: bool) -> ExitCode {
    let mut scanner = match SerialScanner::open(path, baud) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {}（{e}）", e.message_zh());
            return ExitCode::from(2);
        }
    };
    eprintln!("listening on {path} at {baud} baud; Ctrl-C to stop");
    let mut seen = 0;
    while count.is_none_or(|c| seen < c) {
        match scanner.next_scan(Duration::from_millis(500)) {
            Ok(None) => continue,
            Ok(Some(scan)) => {
                seen += 1;
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"ok": true, "scan": scan_json(&scan)})
                    );
                } else {
                    let shown = match scan.kind {
                        ScanKind::EVoucherQr => {
                            rxdesk_core::prescription::mask_id_number(&scan.text)
                        }
                        _ => scan.text.clone(),
                    };
                    let detail = match &scan.kind {
                        ScanKind::Gs1(g) => format!("  {g}"),
                        _ => String::new(),
                    };
                    println!("{}\t{shown}{detail}", scan.kind.label_zh());
                }
            }
            Err(ScanError::Disconnected) => {
                eprintln!("rxdesk: {}", ScanError::Disconnected.message_zh());
                return ExitCode::from(1);
            }
            Err(e) => {
                seen += 1;
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"ok": false, "error": e.to_string(), "message_zh": e.message_zh()})
                    );
                } else {
                    println!("错误\t{}", e.message_zh());
                }
            }
        }
    }
    ExitCode::SUCCESS
}

fn scan_json(scan: &rxdesk_devices::scan::Scan) -> serde_json::Value {
    let mut v = serde_json::to_value(scan).unwrap_or_default();
    if scan.kind == ScanKind::EVoucherQr {
        v["text"] = serde_json::json!(rxdesk_core::prescription::mask_id_number(&scan.text));
    }
    v
}
