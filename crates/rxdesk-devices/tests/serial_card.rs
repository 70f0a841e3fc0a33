//! The generic serial card reader end to end: the real driver on the slave
//! of a PTY whose master is the simulator. A card read, a card pulled out
//! between two frames, a garbage record, the reader unplugged during a
//! read, and the supervisor's unplugged / back events when the PTY is
//! closed and a new one appears behind the same stable path.

use rxdesk_devices::api::CardReaderDevice;
use rxdesk_devices::card::serial::SerialCardReader;
use rxdesk_devices::card::{CardReader, CardSource};
use rxdesk_devices::identity::IdentityError;
use rxdesk_devices::sim::card_reader::CardReaderSim;
use rxdesk_devices::sim::scenario::{ScenarioRunner, Step};
use rxdesk_devices::status::{Backoff, DeviceEvent, DeviceKind, DeviceState, StatusBoard};
use std::time::{Duration, Instant};

const CARD: &str = "110100|110101199003071234|A12345678|110100D15600000500BF7C7A48FB4966|张三|008C544CB386844A2F8E5D|3.00|20200101|20300101|";

#[test]
fn reads_a_card_and_types_every_failure() {
    let sim = CardReaderSim::start().unwrap();
    let mut r = SerialCardReader::open(&sim.path(), 115_200).unwrap();
    let t = Duration::from_secs(5);

    assert_eq!(r.read_card(t).unwrap_err(), IdentityError::NothingPresented);
    assert_eq!(r.ping(t).unwrap(), "RXDESK-SIM 串口读卡器 v1");

    sim.insert(CARD);
    let c = r.read_card(t).unwrap();
    assert_eq!(c.source, CardSource::Serial);
    assert_eq!(
        (c.card_no.as_str(), c.chip_sn.as_str(), c.name.as_str()),
        ("A12345678", "110100D15600000500BF7C7A48FB4966", "张三")
    );
    assert_eq!(c.id_no, "110101199003071234");
    assert_eq!(c.issuer_admdvs, "110100");
    assert!(!format!("{c:?}").contains("110101199003071234"));

    // pulled out between the first and the second frame
    sim.remove_during_next_read();
    let e = r.read_card(t).unwrap_err();
    assert_eq!(e, IdentityError::CardRemoved);
    assert_eq!(
        e.message_zh(),
        "读卡过程中卡片被拔出，请重新插卡并等待读卡完成"
    );

    // a garbage record (a chip answering nonsense)
    sim.insert("110100|11010119900307|@@@|x");
    let e = r.read_card(t).unwrap_err();
    assert!(matches!(e, IdentityError::BadCardRecord(_)), "{e:?}");
    assert_eq!(e.code(), "bad_card_record");
    sim.insert_raw(b"\xff\xfe\xfd|||||||||");
    assert_eq!(
        r.read_card(t).unwrap_err(),
        IdentityError::BadCardRecord("record is not UTF-8 text".into())
    );

    // and it reads again
    sim.insert(CARD);
    assert_eq!(r.read_card(t).unwrap().name, "张三");
    assert_eq!(sim.reads(), 6);
}

#[test]
fn unplugged_during_a_read_is_disconnected_not_a_hang() {
    let sim = CardReaderSim::start().unwrap();
    let path = sim.path();
    let mut r = SerialCardReader::open(&path, 115_200).unwrap();
    sim.insert(CARD);
    // the reader goes quiet (mid-read), then the cable is pulled
    sim.set_silent(true);
    let reading = std::thread::spawn(move || r.read_card(Duration::from_secs(20)));
    std::thread::sleep(Duration::from_millis(200));
    sim.unplug();
    // Disconnected, not Timeout: the read noticed the unplug before its 20 s
    let e = reading.join().unwrap().unwrap_err();
    assert_eq!(e, IdentityError::Disconnected(format!("串口读卡器 {path}")));
    assert_eq!(
        e.message_zh(),
        format!("串口读卡器 {path} 已断开，请检查连接线")
    );
}

fn wait_state(board: &StatusBoard, what: &str, f: impl Fn(&DeviceState) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if board
            .get(DeviceKind::CardReader)
            .is_some_and(|s| f(&s.state))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "card reader never became {what}: {:?}",
        board.get(DeviceKind::CardReader)
    );
}

fn next_event(rx: &mut tokio::sync::broadcast::Receiver<DeviceEvent>) -> DeviceEvent {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match rx.try_recv() {
            Ok(e) => return e,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("no device event: {e:?}"),
        }
    }
}

#[test]
fn supervisor_tells_unplugged_and_back_and_the_app_handle_reads_again() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serial-card-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("usb-CardReader-if00");
    let _ = std::fs::remove_file(&link);
    let sim = CardReaderSim::start().unwrap();
    std::os::unix::fs::symlink(sim.path(), &link).unwrap();

    let board = StatusBoard::default();
    let mut events = board.subscribe_events();
    let p = link.to_string_lossy().into_owned();
    let dev = CardReaderDevice::new(
        "串口读卡器",
        Box::new(move || {
            SerialCardReader::open(&p, 115_200).map(|r| Box::new(r) as Box<dyn CardReader>)
        }),
        board.clone(),
    );
    let sup = dev.supervise(
        Backoff::new(Duration::from_millis(50), Duration::from_millis(200)),
        Duration::from_millis(100),
    );
    wait_state(&board, "ready", |s| *s == DeviceState::Ready);

    let mut run = ScenarioRunner {
        card_reader: Some(sim),
        ..Default::default()
    };
    run.apply(&Step::SerialCard(CARD.into())).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // a read queues behind the supervisor's ping, never Busy
    let read = |rt: &tokio::runtime::Runtime| rt.block_on(dev.read_card(Duration::from_secs(5)));
    assert_eq!(read(&rt).unwrap().card_no, "A12345678");
    let test = rt.block_on(dev.test(Duration::from_secs(5)));
    assert!(test.ok, "{test:?}");
    assert!(
        test.summary_zh.starts_with("读卡成功：张三，卡号 "),
        "{}",
        test.summary_zh
    );

    // unplug: the PTY closes
    run.card_reader.take().unwrap().unplug();
    let e = next_event(&mut events);
    assert_eq!(
        e,
        DeviceEvent::Unplugged {
            kind: DeviceKind::CardReader,
            name: "串口读卡器".into()
        }
    );
    assert_eq!(
        e.message_zh(),
        "读卡器已断开，请检查连接线；恢复连接后可继续"
    );
    assert!(matches!(read(&rt), Err(IdentityError::Disconnected(_))));

    // replug: a new PTY behind the same stable path
    let sim = CardReaderSim::start().unwrap();
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(sim.path(), &link).unwrap();
    let e = next_event(&mut events);
    assert!(
        matches!(
            e,
            DeviceEvent::Back {
                kind: DeviceKind::CardReader,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.message_zh(), "读卡器已恢复连接");
    wait_state(&board, "ready again", |s| *s == DeviceState::Ready);
    sim.insert(CARD);
    assert_eq!(read(&rt).unwrap().name, "张三");
    sup.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
