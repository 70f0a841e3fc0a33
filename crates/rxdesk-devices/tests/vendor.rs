//! The libloading path against the stand-in vendor library: failures from
//! vendor code (card pulled, malformed output, face refused, a hung call)
//! become typed errors with zh-CN messages, and the reader keeps working.

mod common;

use rxdesk_core::Amount;
use rxdesk_devices::card::heasec::{HeaSecCard, HeaSecReader};
use rxdesk_devices::card::sscard::SsCardReader;
use rxdesk_devices::face::nationec::{EcContext, FaceReader, NationEc, SettleNotice};
use rxdesk_devices::identity::{IdentityError, IdentityReader, IdentitySource};
use rxdesk_devices::sim::scenario::{FaceOutcome, ScenarioRunner, SimIdentity, Step};
use rxdesk_devices::sim::standin::{StandinState, STATE_ENV};
use std::time::{Duration, Instant};

const CARD: &str = "110100|110101199003071234|A12345678|110100D15600000500BF7C7A48FB4966|张三|008C544CB386844A2F8E5D|3.00|20200101|20300101|";

fn setup(tag: &str) -> (std::sync::MutexGuard<'static, ()>, ScenarioRunner) {
    let g = common::STANDIN_LOCK
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("vendor-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = StandinState::create(&dir.join("state")).unwrap();
    std::env::set_var(STATE_ENV, state.path());
    (
        g,
        ScenarioRunner {
            standin: Some(state),
            ..Default::default()
        },
    )
}

#[test]
fn card_reader_survives_pulled_card_and_malformed_output() {
    let (_g, mut run) = setup("card");
    let mut r = HeaSecReader::open(
        Some(&common::standin("HeaSecReadInfo")),
        "{}",
        HeaSecCard::SocialSecurity,
    )
    .unwrap();
    let t = Duration::from_secs(5);

    // no card yet
    let e = r.read_identity(t).unwrap_err();
    assert!(
        matches!(e, IdentityError::ReadFailed { code: -1, .. }),
        "{e:?}"
    );
    assert_eq!(e.message_zh(), "读卡失败：未检测到卡片，请重新插卡");

    run.apply(&Step::InsertCard(CARD.into())).unwrap();
    assert_eq!(r.read_identity(t).unwrap().name, "张三");

    run.apply(&Step::PullCard {
        rc: -201,
        message: "卡片已拔出".into(),
    })
    .unwrap();
    let e = r.read_identity(t).unwrap_err();
    assert_eq!(
        e,
        IdentityError::ReadFailed {
            code: -201,
            message: "卡片已拔出".into()
        }
    );

    // a record cut off mid-read
    run.apply(&Step::GarbleCard("110100|110101199003071234|A1234".into()))
        .unwrap();
    let e = r.read_identity(t).unwrap_err();
    assert_eq!(
        e,
        IdentityError::BadCardRecord("card record has 3 fields, expected at least 9".into())
    );
    assert_eq!(
        e.message_zh(),
        "卡片信息无法识别，请重新插卡；仍不行请改用医保电子凭证或身份证"
    );

    // a buffer filled up to its declared size without NUL
    run.standin
        .as_mut()
        .unwrap()
        .set("card_unterminated", Some("1"))
        .unwrap();
    assert!(matches!(
        r.read_identity(t),
        Err(IdentityError::ResponseTooLong { .. })
    ));

    run.apply(&Step::InsertCard(CARD.into())).unwrap();
    let id = r.read_identity(t).unwrap();
    assert_eq!(id.id_number, "110101199003071234");
    // Init ran once only
    let inits = run
        .standin
        .as_ref()
        .unwrap()
        .calls()
        .iter()
        .filter(|(s, _)| s == "Init")
        .count();
    assert_eq!(inits, 1);
}

#[test]
fn id_card_and_sscard_driver() {
    let (_g, mut run) = setup("sfz");
    let t = Duration::from_secs(5);
    run.standin.as_mut().unwrap()
        .set("sfz", Some("赵六|男|汉|19900307|北京市东城区|110101199003071234|北京市公安局东城分局|20200101|20400101|"))
        .unwrap();
    let mut r = HeaSecReader::open(
        Some(&common::standin("HeaSecReadInfo")),
        "{}",
        HeaSecCard::IdCard,
    )
    .unwrap();
    let id = r.read_identity(t).unwrap();
    assert_eq!(
        (id.source, id.name.as_str()),
        (IdentitySource::IdCard, "赵六")
    );
    assert_eq!(id.credential(), ("02", "110101199003071234"));

    let mut ss = SsCardReader::open(Some(&common::standin("SSCardDriver")), 3).unwrap();
    let e = ss.read_identity(t).unwrap_err();
    assert!(matches!(e, IdentityError::ReadFailed { .. }));
    run.apply(&Step::InsertCard(CARD.into())).unwrap();
    assert_eq!(
        ss.read_identity(t).unwrap().card_number.as_deref(),
        Some("A12345678")
    );
}

#[test]
fn face_fail_and_hung_terminal_do_not_freeze_the_counter() {
    let (_g, mut run) = setup("face");
    let ec = NationEc::open(
        Some(&common::standin("NationECCode")),
        "http://127.0.0.1:1/x",
        EcContext::default(),
    )
    .unwrap();
    let mut face = FaceReader {
        ec,
        last_out_biz_no: None,
    };

    run.apply(&Step::Face(FaceOutcome::Fail {
        message: "人脸识别失败".into(),
    }))
    .unwrap();
    let e = face.read_identity(Duration::from_secs(5)).unwrap_err();
    assert_eq!(e, IdentityError::FaceNotRecognised("人脸识别失败".into()));
    assert_eq!(
        e.message_zh(),
        "刷脸未识别（人脸识别失败），请改用医保电子凭证、社保卡或身份证"
    );

    // the terminal hangs for 1.5 s; the counter gives up after 300 ms
    run.apply(&Step::Face(FaceOutcome::Timeout { delay_ms: 1500 }))
        .unwrap();
    let started = Instant::now();
    let e = face.read_identity(Duration::from_millis(300)).unwrap_err();
    assert_eq!(e, IdentityError::Timeout(Duration::from_millis(300)));
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "the caller was not blocked"
    );
    // while the stuck call is inside the library, new calls are refused, not queued
    assert_eq!(
        face.read_identity(Duration::from_millis(100)).unwrap_err(),
        IdentityError::Busy
    );

    // the terminal comes back
    run.apply(&Step::Face(FaceOutcome::Success(SimIdentity {
        name: "王五".into(),
        id_no: "11010119851212003X".into(),
        insu_org: "110100".into(),
        ec_token: "0000001ek8gg3us001011fa8c00000117717f3".into(),
    })))
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let id = loop {
        match face.read_identity(Duration::from_secs(3)) {
            Ok(id) => break id,
            Err(IdentityError::Busy) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => panic!("{e:?}"),
        }
    };
    assert_eq!(id.name, "王五");

    // settlement shown on the terminal
    run.standin
        .as_mut()
        .unwrap()
        .set(
            "ec.iot.medical.settle.notify",
            Some(r#"{"code":0,"message":"ok"}"#),
        )
        .unwrap();
    let notice = SettleNotice {
        biz_type: "settle".into(),
        out_biz_no: face.last_out_biz_no.clone().unwrap(),
        success: true,
        total_fee: Amount::new("43.80".parse().unwrap()).unwrap(),
        self_fee: Amount::new("13.14".parse().unwrap()).unwrap(),
        medical_fee: Amount::new("30.66".parse().unwrap()).unwrap(),
    };
    face.ec
        .settle_notify(&notice, Duration::from_secs(3))
        .unwrap();
    let calls = run.standin.as_ref().unwrap().calls();
    let req: serde_json::Value = serde_json::from_str(&calls.last().unwrap().1).unwrap();
    assert_eq!(req["transType"], "iot.medical.settle.notify");
    assert_eq!(req["data"]["medicalSettleState"], "SUCCESS");
    assert_eq!(req["data"]["totalFee"], "43.80");

    // malformed library output
    run.standin
        .as_mut()
        .unwrap()
        .set("ec.iot.gain.ec.qrcode", Some("<html>502</html>"))
        .unwrap();
    assert!(matches!(
        face.read_identity(Duration::from_secs(3)),
        Err(IdentityError::Malformed { .. })
    ));
}

#[test]
fn two_step_face_auth_and_evoucher_without_counter_scanner() {
    let (_g, mut run) = setup("auth");
    let ec = NationEc::open(
        Some(&common::standin("NationECCode")),
        "http://127.0.0.1:1/x",
        EcContext::default(),
    )
    .unwrap();
    let st = run.standin.as_mut().unwrap();
    st.set(
        "ec.cn.nhsa.ec.auth",
        Some(r#"{"code":0,"data":{"authNo":"AUTH0001"}}"#),
    )
    .unwrap();
    st.set(
        "ec.cn.nhsa.auth.check",
        Some(r#"{"code":0,"data":{"ecToken":"320000ecnqssaor2nj7a2a480a0000a4cef57c","idNo":"320102199001011234","userName":"李四","insuOrg":"320500"}}"#),
    )
    .unwrap();
    let id = ec.face_auth(Duration::from_secs(3)).unwrap();
    assert_eq!(
        (id.source, id.name.as_str()),
        (IdentitySource::Face, "李四")
    );
    let calls = run.standin.as_ref().unwrap().calls();
    let check: serde_json::Value = serde_json::from_str(&calls.last().unwrap().1).unwrap();
    assert_eq!(check["transType"], "cn.nhsa.auth.check");
    assert_eq!(check["data"]["authNo"], "AUTH0001");

    // ec.query with the library driving its own scanner: no ecQrCode sent
    run.apply(&Step::Evoucher(SimIdentity {
        name: "李四".into(),
        id_no: "320102199001011234".into(),
        insu_org: "320500".into(),
        ec_token: "320000ecnqssaor2nj7a2a480a0000a4cef57c".into(),
    }))
    .unwrap();
    let id = ec.ec_query(None, Duration::from_secs(3)).unwrap();
    assert_eq!(id.source, IdentitySource::EVoucherQr);
    let calls = run.standin.as_ref().unwrap().calls();
    let q: serde_json::Value = serde_json::from_str(&calls.last().unwrap().1).unwrap();
    assert!(q["data"].get("ecQrCode").is_none());
}

#[test]
fn absent_libraries_report_not_installed() {
    let missing = std::path::Path::new("/nonexistent/libNationECCode.so");
    let e = NationEc::open(Some(missing), "u", EcContext::default()).unwrap_err();
    assert_eq!(e.message_zh(), "NationECCode 未安装");
    let e = HeaSecReader::open(None, "{}", HeaSecCard::SocialSecurity).unwrap_err();
    assert_eq!(e, IdentityError::NotInstalled("HeaSecReadInfo".into()));
}

/// The vendor writes more than the declared capacity (but, by the test's
/// design, inside the guard RxDesk allocates after it): the canary catches
/// it, the call is an error, and the next read works.
#[test]
fn oversize_vendor_response_is_an_error_never_corruption() {
    use rxdesk_devices::card::CardReader;
    use rxdesk_devices::vendor::ffi::{CARD_OUT_CAP, EC_OUT_CAP, GUARD};
    let (_g, mut run) = setup("oversize");
    let t = Duration::from_secs(5);
    let mut hea = HeaSecReader::open(
        Some(&common::standin("HeaSecReadInfo")),
        "{}",
        HeaSecCard::SocialSecurity,
    )
    .unwrap();
    let mut ss = SsCardReader::open(Some(&common::standin("SSCardDriver")), 3).unwrap();
    let st = run.standin.as_mut().unwrap();
    // 100 bytes past the declared capacity, NUL included: inside the guard
    st.set("card_oversize", Some(&(CARD_OUT_CAP + 100).to_string()))
        .unwrap();
    for e in [hea.read_card(t).unwrap_err(), ss.read_card(t).unwrap_err()] {
        match &e {
            IdentityError::ResponseTooLong { detail, .. } => {
                assert!(
                    detail.contains("wrote past the declared 16384 bytes"),
                    "{detail}"
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(
            e.message_zh().contains("返回数据超出约定长度"),
            "{}",
            e.message_zh()
        );
    }
    // exactly the declared capacity with no room for the NUL: the NUL lands
    // on the first guard byte
    st.set("card_oversize", Some(&CARD_OUT_CAP.to_string()))
        .unwrap();
    assert!(matches!(
        hea.read_card(t),
        Err(IdentityError::ResponseTooLong { .. })
    ));
    // one byte less fits exactly
    st.set("card_oversize", Some(&(CARD_OUT_CAP - 1).to_string()))
        .unwrap();
    assert!(matches!(
        hea.read_card(t),
        Err(IdentityError::BadCardRecord(_))
    ));
    // and the reader still reads a real card afterwards
    st.set("card_oversize", None).unwrap();
    run.apply(&Step::InsertCard(CARD.into())).unwrap();
    assert_eq!(hea.read_card(t).unwrap().card_no, "A12345678");

    // NationEcTrans, at the very end of the guard
    let ec = NationEc::open(
        Some(&common::standin("NationECCode")),
        "http://127.0.0.1:1/x",
        EcContext::default(),
    )
    .unwrap();
    let st = run.standin.as_mut().unwrap();
    st.set(
        "ec_oversize.ec.query",
        Some(&(EC_OUT_CAP + GUARD - 1).to_string()),
    )
    .unwrap();
    let e = ec.ec_query(None, t).unwrap_err();
    assert!(
        matches!(&e, IdentityError::ResponseTooLong { library, .. } if library == "NationECCode"),
        "{e:?}"
    );
}

#[test]
fn library_probe_checks_the_national_symbols() {
    use rxdesk_devices::discovery::probe_library;
    let _g = common::STANDIN_LOCK
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    for name in ["HeaSecReadInfo", "SSCardDriver", "NationECCode"] {
        let p = probe_library(name, Some(&common::standin(name)));
        assert!(p.loads && p.missing_symbols.is_empty(), "{p:?}");
        assert_eq!(p.message_zh, format!("{name} 已加载，接口齐全"));
    }
    // another product's library installed under the national name (libm here)
    let libm = std::path::Path::new("/lib/x86_64-linux-gnu/libm.so.6");
    if libm.exists() {
        let p = probe_library("NationECCode", Some(libm));
        assert!(p.loads);
        assert_eq!(p.missing_symbols, vec!["NationEcTrans".to_string()]);
        assert_eq!(
            p.message_zh,
            "NationECCode 缺少接口 NationEcTrans，版本不符"
        );
    }
    let p = probe_library(
        "NationECCode",
        Some(std::path::Path::new("/nonexistent/x.so")),
    );
    assert!(!p.loads);
    assert_eq!(p.message_zh, "NationECCode 未安装");
}
