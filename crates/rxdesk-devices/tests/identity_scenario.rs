//! `tests/scenarios/identity.yaml` played on the serial card reader
//! simulator and the stand-in e-voucher SDK, each step followed by what the
//! app would do through `api`: read the card, confirm with the password on
//! the PIN pad (wrong → guidance, right → token), face refused, face passes.

mod common;

use rxdesk_devices::api::{CardReaderDevice, EVoucherDevice};
use rxdesk_devices::card::serial::SerialCardReader;
use rxdesk_devices::card::CardReader;
use rxdesk_devices::face::nationec::{Consent, EcContext, NationEc, PasswordSubject};
use rxdesk_devices::identity::IdentityError;
use rxdesk_devices::sim::card_reader::CardReaderSim;
use rxdesk_devices::sim::scenario::{Scenario, ScenarioRunner};
use rxdesk_devices::sim::standin::{StandinState, STATE_ENV};
use rxdesk_devices::status::StatusBoard;
use std::time::Duration;

#[test]
fn card_with_password_then_face() {
    let _g = common::STANDIN_LOCK
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let sc = Scenario::parse(include_str!("scenarios/identity.yaml")).unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("identity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = StandinState::create(&dir.join("state")).unwrap();
    std::env::set_var(STATE_ENV, state.path());
    let sim = CardReaderSim::start().unwrap();
    let path = sim.path();
    let cards = CardReaderDevice::new(
        "串口读卡器",
        Box::new(move || {
            SerialCardReader::open(&path, 115_200).map(|r| Box::new(r) as Box<dyn CardReader>)
        }),
        StatusBoard::default(),
    );
    let ec = EVoucherDevice::new(
        NationEc::open(
            Some(&common::standin("NationECCode")),
            "http://127.0.0.1:1/x",
            EcContext::default(),
        )
        .unwrap(),
    );
    let mut run = ScenarioRunner {
        standin: Some(state),
        card_reader: Some(sim),
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let t = Duration::from_secs(5);
    let mut steps = sc.steps.iter();
    let mut next = || run.apply(steps.next().unwrap()).unwrap();

    next(); // patient
    next(); // card inserted
    let card = rt.block_on(cards.read_card(t)).unwrap();
    assert_eq!(
        (card.card_no.as_str(), card.name.as_str()),
        ("A12345678", "张三")
    );
    let who = PasswordSubject::from_card(&card);

    next(); // the patient types a wrong password
    let e = rt
        .block_on(ec.confirm_password(who.clone(), t))
        .unwrap_err();
    assert!(e.needs_password_guidance(), "{e:?}");
    next(); // and then the right one
    let v = rt.block_on(ec.confirm_password(who, t)).unwrap();
    assert_eq!(v.ec_token, "110000ecnqssaor2nj7a2a480a0000a4cef57c");

    next(); // card out
    assert_eq!(
        rt.block_on(cards.read_card(t)).unwrap_err(),
        IdentityError::NothingPresented
    );

    next(); // face: consent refused
    assert_eq!(
        rt.block_on(ec.face(t)).unwrap_err(),
        IdentityError::ConsentRefused
    );
    next(); // face passes
    let cap = rt.block_on(ec.face(t)).unwrap();
    assert_eq!(
        (cap.voucher.name.as_str(), cap.consent),
        ("王五", Consent::Agreed)
    );
    assert!(steps.next().is_none());
}

/// ID card + password: the holder read by `ReadSFZ`, a wrong password (the
/// guidance, nothing listed), then the right one.
#[test]
fn id_card_with_password() {
    use rxdesk_devices::api::IdCardDevice;
    use rxdesk_devices::identity::IdentitySource;
    use rxdesk_devices::sim::scenario::{SimIdentity, SimPatient, Step};
    let _g = common::STANDIN_LOCK
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("idcard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut state = StandinState::create(&dir.join("state")).unwrap();
    std::env::set_var(STATE_ENV, state.path());
    state
        .set("sfz", Some("赵六|男|汉|19900307|北京市东城区|110101199003071234|北京市公安局东城分局|20200101|20400101|"))
        .unwrap();
    let mut run = ScenarioRunner {
        standin: Some(state),
        ..Default::default()
    };
    run.apply(&Step::Patient(SimPatient {
        id: SimIdentity {
            name: "赵六".into(),
            id_no: "110101199003071234".into(),
            insu_org: "110100".into(),
            ec_token: "110000ecnqssaor2nj7a2a480a0000a4cef57c".into(),
        },
        password: Some("246810".into()),
    }))
    .unwrap();
    let ids = IdCardDevice::open(Some(&common::standin("HeaSecReadInfo")), "{}").unwrap();
    let ec = EVoucherDevice::new(
        NationEc::open(
            Some(&common::standin("NationECCode")),
            "http://127.0.0.1:1/x",
            EcContext::default(),
        )
        .unwrap(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let t = Duration::from_secs(5);
    let holder = rt.block_on(ids.read(t)).unwrap();
    assert_eq!(
        (holder.source, holder.name.as_str()),
        (IdentitySource::IdCard, "赵六")
    );
    let who = PasswordSubject::from_identity(&holder);
    assert_eq!(who.card_no, None);
    run.apply(&Step::PinPad(Some("000000".into()))).unwrap();
    let e = rt
        .block_on(ec.confirm_password(who.clone(), t))
        .unwrap_err();
    assert!(e.needs_password_guidance(), "{e:?}");
    run.apply(&Step::PinPad(Some("246810".into()))).unwrap();
    let v = rt.block_on(ec.confirm_password(who, t)).unwrap();
    assert_eq!(v.ec_token, "110000ecnqssaor2nj7a2a480a0000a4cef57c");
}
