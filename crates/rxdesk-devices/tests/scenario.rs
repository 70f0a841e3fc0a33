//! The counter day: a scripted scenario (tests/scenarios/counter.yaml)
//! drives the real drivers against the simulators — e-voucher scan →
//! identity, card via the stand-in HeaSecReadInfo → identity, face via the
//! stand-in NationECCode → identity, trace codes scanned and classified —
//! and a Chinese receipt printed over TCP is decoded back to the same text.

mod common;

use rxdesk_devices::card::heasec::{HeaSecCard, HeaSecReader};
use rxdesk_devices::face::nationec::{EVoucherReader, EcContext, FaceReader, NationEc};
use rxdesk_devices::identity::{IdentityReader, IdentitySource};
use rxdesk_devices::printer::decode::{printed_lines, Event};
use rxdesk_devices::printer::escpos::{Align, EscPosBuilder, PaperWidth};
use rxdesk_devices::printer::{EscPosPrinter, PrinterLink, ReceiptPrinter};
use rxdesk_devices::scan::serial::SerialScanner;
use rxdesk_devices::scan::{ScanError, ScanKind};
use rxdesk_devices::sim::printer::PrinterSim;
use rxdesk_devices::sim::scanner::ScannerSim;
use rxdesk_devices::sim::scenario::{Scenario, ScenarioRunner, Step};
use rxdesk_devices::sim::standin::{StandinState, STATE_ENV};
use std::time::Duration;

const T: Duration = Duration::from_secs(5);

fn ctx() -> EcContext {
    EcContext {
        org_id: "P11010000001".into(),
        office_id: "YF01".into(),
        office_name: "药房".into(),
        operator_id: "0001".into(),
        operator_name: "收银员甲".into(),
        business_type: String::new(),
    }
}

#[test]
fn counter_scenario_drives_real_drivers_against_simulators() {
    let _g = common::STANDIN_LOCK
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let scenario =
        Scenario::parse(include_str!("scenarios/counter.yaml")).expect("scenario parses");
    let dir = tempdir("counter");
    let state = StandinState::create(&dir.join("state")).unwrap();
    std::env::set_var(STATE_ENV, state.path());

    let sim = ScannerSim::new().expect("pty pair");
    let scanner = SerialScanner::open(&sim.path(), 9600).expect("open the PTY slave by path");
    let mut runner = ScenarioRunner {
        scanner: Some(sim),
        printer: None,
        standin: Some(state),
        card_reader: None,
    };
    let mut steps = scenario.steps.iter();
    let mut next = |runner: &mut ScenarioRunner| {
        let step = steps.next().expect("more steps");
        runner.apply(step).expect("step applies");
        step.clone()
    };

    // 1. e-voucher QR on the serial scanner → ec.query via NationECCode
    next(&mut runner);
    next(&mut runner);
    let ec = NationEc::open(
        Some(&common::standin("NationECCode")),
        "http://127.0.0.1:1/localcfc/api/hsecfc/localQrCodeQuery",
        ctx(),
    )
    .unwrap();
    let mut evoucher = EVoucherReader {
        scanner: Box::new(scanner),
        ec,
    };
    let id = evoucher.read_identity(T).expect("e-voucher identity");
    assert_eq!(id.source, IdentitySource::EVoucherQr);
    assert_eq!(id.name, "李四");
    assert_eq!(id.id_number, "320102199001011234");
    assert_eq!(
        id.credential(),
        ("01", "320000ecnqssaor2nj7a2a480a0000a4cef57c")
    );
    let calls = runner.standin.as_ref().unwrap().calls();
    let (sym, req) = calls.last().unwrap();
    assert_eq!(sym, "NationEcTrans");
    let req: serde_json::Value = serde_json::from_str(req).unwrap();
    assert_eq!(req["transType"], "ec.query");
    assert_eq!(
        req["data"]["ecQrCode"],
        "3200PD4ECQRcnqssaor2nj7a2a480a0000a4cef57cQ1"
    );
    assert_eq!(req["data"]["orgId"], "P11010000001");

    // 2. social-security card through the stand-in HeaSecReadInfo
    next(&mut runner);
    let mut card = HeaSecReader::open(
        Some(&common::standin("HeaSecReadInfo")),
        r#"{"IP":"127.0.0.1","PORT":8080,"TIMEOUT":30}"#,
        HeaSecCard::SocialSecurity,
    )
    .unwrap();
    let id = card.read_identity(T).expect("card identity");
    assert_eq!(id.source, IdentitySource::SocialSecurityCard);
    assert_eq!(id.name, "张三");
    assert_eq!(id.id_number, "110101199003071234");
    assert_eq!(id.insurance_region.as_deref(), Some("110100"));
    assert_eq!(id.credential(), ("03", "A12345678"));
    let calls = runner.standin.as_ref().unwrap().calls();
    assert!(calls
        .iter()
        .any(|(s, a)| s == "Init" && a.contains("\"PORT\":8080")));

    // 3. face via the stand-in NationECCode (iot.gain.ec.qrcode FACE)
    next(&mut runner);
    let ec = NationEc::open(
        Some(&common::standin("NationECCode")),
        "http://127.0.0.1:1/x",
        ctx(),
    )
    .unwrap();
    let mut face = FaceReader {
        ec,
        last_out_biz_no: None,
    };
    let id = face.read_identity(T).expect("face identity");
    assert_eq!(id.source, IdentitySource::Face);
    assert_eq!(id.name, "王五");
    assert_eq!(id.id_number, "11010119851212003X");
    let calls = runner.standin.as_ref().unwrap().calls();
    let req: serde_json::Value = serde_json::from_str(&calls.last().unwrap().1).unwrap();
    assert_eq!(req["transType"], "iot.gain.ec.qrcode");
    assert_eq!(req["data"]["gainWay"], "FACE");
    assert_eq!(
        req["data"]["outBizNo"],
        face.last_out_biz_no.clone().unwrap()
    );

    // 4. drug codes on the same serial scanner, with bad input in between
    let mut scanner = evoucher.scanner;
    let mut expect = Vec::new();
    for _ in 0..6 {
        next(&mut runner);
        expect.push(scanner.next_scan(T));
    }
    assert_eq!(
        expect[0].as_ref().unwrap().as_ref().unwrap().kind,
        ScanKind::TraceCode
    );
    assert_eq!(
        expect[1].as_ref().unwrap().as_ref().unwrap().kind,
        ScanKind::Gtin {
            gtin: "6901234567892".into()
        }
    );
    match &expect[2].as_ref().unwrap().as_ref().unwrap().kind {
        ScanKind::Gs1(g) => {
            assert_eq!(g.gtin(), Some("06901234567892"));
            assert_eq!(g.expiry(), Some("261231"));
            assert_eq!(g.lot(), Some("12AB"));
            assert_eq!(g.serial(), Some("SN0001"));
        }
        other => panic!("expected GS1, got {other:?}"),
    }
    assert_eq!(expect[3].as_ref().unwrap_err(), &ScanError::Garbled);
    assert_eq!(
        expect[4].as_ref().unwrap_err(),
        &ScanError::BadCheckDigit("6901234567891".into())
    );
    // half scan: bytes without terminator, then the line goes quiet
    assert_eq!(expect[5].as_ref().unwrap_err(), &ScanError::Incomplete(10));
    next(&mut runner); // wait
    next(&mut runner); // and the scanner still works
    let s = scanner.next_scan(T).unwrap().unwrap();
    assert_eq!(s.kind, ScanKind::TraceCode);
    assert_eq!(s.text, "81234567890123456780");
    assert!(steps.next().is_none(), "all steps used");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The receipt used for the TCP round trip and the PNG.
pub fn sample_receipt(width: PaperWidth) -> (Vec<u8>, Vec<String>) {
    let cols = width.columns();
    let lines = vec![
        "仁心大药房".to_string(),
        "（朝阳店）医保结算单".to_string(),
        "-".repeat(cols),
        rxdesk_devices::printer::escpos::two_columns("阿莫西林胶囊 0.25g×24粒", "2×12.50", cols),
        rxdesk_devices::printer::escpos::two_columns("布洛芬缓释胶囊 0.3g×20粒", "1×18.80", cols),
        "-".repeat(cols),
        rxdesk_devices::printer::escpos::two_columns("合计", "￥43.80", cols),
        rxdesk_devices::printer::escpos::two_columns("医保统筹支付", "￥30.66", cols),
        rxdesk_devices::printer::escpos::two_columns("个人账户支付", "￥13.14", cols),
        "患者：张三".to_string(),
        "证件：110***********1234".to_string(),
        "时间：2026-11-23 14:05:09".to_string(),
    ];
    let mut b = EscPosBuilder::new(width)
        .align(Align::Center)
        .bold(true)
        .size(2, 2);
    b = b
        .line(&lines[0])
        .size(1, 1)
        .line(&lines[1])
        .bold(false)
        .align(Align::Left);
    for l in &lines[2..] {
        b = b.line(l);
    }
    let job = b
        .align(Align::Center)
        .qr(
            "https://fuwu.example.invalid/rx/H11010000001202611230001",
            6,
        )
        .code128("RX202611230001")
        .feed(3)
        .cut()
        .drawer_kick()
        .build();
    (job, lines)
}

#[test]
fn chinese_receipt_printed_over_tcp_decodes_to_the_same_text() {
    let sim = PrinterSim::start_tcp("127.0.0.1:0").unwrap();
    let addr = sim.addr().unwrap().to_string();
    let mut printer = EscPosPrinter::new(PrinterLink::Tcp { addr }, Duration::from_secs(2));
    assert!(printer.status().unwrap().ready());
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        sim.take_events();
        let (job, lines) = sample_receipt(width);
        printer.print(&job).expect("prints");
        assert!(sim.wait_for_cut(T), "the cut arrives");
        let events = sim.events();
        assert_eq!(printed_lines(&events), lines);
        assert!(events.contains(&Event::Qr {
            data: "https://fuwu.example.invalid/rx/H11010000001202611230001".into()
        }));
        assert!(events.contains(&Event::Barcode {
            system: 73,
            data: "RX202611230001".into()
        }));
        assert!(!events.iter().any(|e| matches!(e, Event::Unknown { .. })));
        for l in &lines {
            assert!(
                rxdesk_devices::printer::escpos::display_width(l) <= width.columns(),
                "{l}"
            );
        }
    }
}

#[test]
fn printer_faults_are_typed_errors_and_the_driver_recovers() {
    use rxdesk_devices::printer::{PrintError, PrinterStatus};
    let sim = PrinterSim::start_tcp("127.0.0.1:0").unwrap();
    let addr = sim.addr().unwrap().to_string();
    let mut runner = ScenarioRunner {
        printer: Some(sim.clone()),
        ..Default::default()
    };
    let mut printer = EscPosPrinter::new(PrinterLink::Tcp { addr }, Duration::from_millis(500));
    let (job, _) = sample_receipt(PaperWidth::Mm58);

    runner
        .apply(&Step::Printer(PrinterStatus {
            paper_out: true,
            ..Default::default()
        }))
        .unwrap();
    let e = printer.print(&job).unwrap_err();
    assert!(matches!(e, PrintError::PaperOut), "{e:?}");
    assert_eq!(e.message_zh(), "打印机缺纸，请装纸后重打");
    runner
        .apply(&Step::Printer(PrinterStatus {
            cover_open: true,
            ..Default::default()
        }))
        .unwrap();
    assert!(matches!(printer.print(&job), Err(PrintError::CoverOpen)));

    runner
        .apply(&Step::Printer(PrinterStatus::default()))
        .unwrap();
    runner.apply(&Step::PrinterMute(true)).unwrap();
    let e = printer.print(&job).unwrap_err();
    assert!(matches!(e, PrintError::NotResponding), "{e:?}");
    assert!(!sim.events().contains(&Event::Cut));

    runner.apply(&Step::PrinterMute(false)).unwrap();
    printer
        .print(&job)
        .expect("prints again after the printer answers");
    assert!(sim.wait_for_cut(T));

    // nobody listening
    let mut gone = EscPosPrinter::new(
        PrinterLink::Tcp {
            addr: "127.0.0.1:1".into(),
        },
        Duration::from_millis(300),
    );
    assert!(matches!(gone.print(&job), Err(PrintError::Connect(..))));
}

#[test]
fn receipt_renders_to_png() {
    use rxdesk_devices::printer::decode::decode_all;
    use rxdesk_devices::printer::render::{render_png, DEFAULT_FONT};
    let font = std::path::Path::new(DEFAULT_FONT);
    assert!(
        font.exists(),
        "fonts-wqy-microhei is installed by scripts/setup-deps"
    );
    for (width, file) in [
        (PaperWidth::Mm58, "receipt-58mm.png"),
        (PaperWidth::Mm80, "receipt-80mm.png"),
    ] {
        let (job, _) = sample_receipt(width);
        let png = render_png(&decode_all(&job), width, font).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // width = dots + margins, and the text made ink
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        assert_eq!(w, width.dots() + 16);
        let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(file);
        std::fs::write(&out, &png).unwrap();
        let dec = png_ink_ratio(&png);
        assert!(dec > 0.02 && dec < 0.5, "ink ratio {dec}");
        // a real barcode reader finds the QR and the CODE128 on the paper
        let out = std::process::Command::new("zbarimg")
            .args(["--quiet", "--raw"])
            .arg(&out)
            .output()
            .expect("zbarimg (zbar-tools, installed by scripts/setup-deps)");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut found: Vec<&str> = text.lines().collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                "RX202611230001",
                "https://fuwu.example.invalid/rx/H11010000001202611230001"
            ],
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn png_ink_ratio(png: &[u8]) -> f64 {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    px.iter().filter(|&&v| v < 128).count() as f64 / px.len() as f64
}
