//! The e-voucher through NationECCode against the stand-in library, via the
//! app's async entry point [`EVoucherDevice`]: the password typed on the
//! terminal's PIN pad (wrong, three wrong → locked, right → token, not set,
//! cancelled), a scanned QR decoded by `ec.query` (and codes that are not
//! e-vouchers named without calling the library), the face terminal's
//! consent / not recognised / timeout, and the Settings ping.

mod common;

use rxdesk_devices::api::EVoucherDevice;
use rxdesk_devices::face::nationec::{Consent, EcContext, NationEc, PasswordSubject};
use rxdesk_devices::identity::IdentityError;
use rxdesk_devices::sim::scenario::{
    FaceOutcome, Scenario, ScenarioRunner, SimIdentity, SimPatient, Step,
};
use rxdesk_devices::sim::standin::{StandinState, STATE_ENV};
use rxdesk_devices::status::DeviceKind;
use std::time::Duration;

const ID: &str = "110101199003071234";
const TOKEN: &str = "110000ecnqssaor2nj7a2a480a0000a4cef57c";

fn setup(
    tag: &str,
) -> (
    std::sync::MutexGuard<'static, ()>,
    ScenarioRunner,
    EVoucherDevice,
) {
    let g = common::STANDIN_LOCK
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("evoucher-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = StandinState::create(&dir.join("state")).unwrap();
    std::env::set_var(STATE_ENV, state.path());
    let ec = NationEc::open(
        Some(&common::standin("NationECCode")),
        "http://127.0.0.1:1/localcfc/api/hsecfc/localQrCodeQuery",
        EcContext {
            org_id: "P11010000001".into(),
            operator_id: "0001".into(),
            operator_name: "王五".into(),
            ..Default::default()
        },
    )
    .unwrap();
    (
        g,
        ScenarioRunner {
            standin: Some(state),
            ..Default::default()
        },
        EVoucherDevice::new(ec),
    )
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn zhang() -> SimIdentity {
    SimIdentity {
        name: "张三".into(),
        id_no: ID.into(),
        insu_org: "110100".into(),
        ec_token: TOKEN.into(),
    }
}

fn subject() -> PasswordSubject {
    PasswordSubject {
        id_type: "01".into(),
        id_no: ID.into(),
        name: "张三".into(),
        card_no: Some("A12345678".into()),
    }
}

#[test]
fn wrong_password_then_right_password_gives_the_token() {
    let (_g, mut run, dev) = setup("pwd");
    let t = Duration::from_secs(5);
    run.apply(&Step::Patient(SimPatient {
        id: zhang(),
        password: Some("246810".into()),
    }))
    .unwrap();
    run.apply(&Step::PinPad(Some("111111".into()))).unwrap();
    let e = rt()
        .block_on(dev.confirm_password(subject(), t))
        .unwrap_err();
    assert_eq!(
        e,
        IdentityError::PasswordWrong {
            tries_left: Some(2)
        }
    );
    assert!(e.needs_password_guidance());
    assert_eq!(e.code(), "password_wrong");
    assert_eq!(
        e.message_zh(),
        "电子凭证密码错误，还可尝试 2 次；忘记密码请在国家医保服务平台 App 重置"
    );

    run.apply(&Step::PinPad(Some("246810".into()))).unwrap();
    let v = rt().block_on(dev.confirm_password(subject(), t)).unwrap();
    assert_eq!(v.ec_token, TOKEN);
    assert_eq!(v.name, "张三");
    assert_eq!(v.id_masked, "110***********1234");
    assert!(!format!("{v:?}").contains(ID));

    // what went to the SDK: the password business type and the holder, never a password
    let calls = run.standin.as_ref().unwrap().calls();
    let req: serde_json::Value = serde_json::from_str(&calls.last().unwrap().1).unwrap();
    assert_eq!(req["transType"], "ec.query");
    assert_eq!(req["data"]["businessType"], "01301");
    assert_eq!(req["data"]["idNo"], ID);
    assert_eq!(req["data"]["cardNo"], "A12345678");
    assert!(!calls.iter().any(|(_, a)| a.contains("246810")));
}

#[test]
fn three_wrong_passwords_lock_until_reset() {
    let (_g, mut run, dev) = setup("lock");
    let t = Duration::from_secs(5);
    run.apply(&Step::Patient(SimPatient {
        id: zhang(),
        password: Some("246810".into()),
    }))
    .unwrap();
    run.apply(&Step::PinPad(Some("000000".into()))).unwrap();
    let got: Vec<IdentityError> = (0..3)
        .map(|_| dev.confirm_password_blocking(&subject(), t).unwrap_err())
        .collect();
    assert_eq!(
        got,
        vec![
            IdentityError::PasswordWrong {
                tries_left: Some(2)
            },
            IdentityError::PasswordWrong {
                tries_left: Some(1)
            },
            IdentityError::PasswordLocked,
        ]
    );
    // locked: even the right password is refused
    run.apply(&Step::PinPad(Some("246810".into()))).unwrap();
    let e = dev.confirm_password_blocking(&subject(), t).unwrap_err();
    assert_eq!(e, IdentityError::PasswordLocked);
    assert!(e.needs_password_guidance());
    assert_eq!(
        e.message_zh(),
        "电子凭证密码错误次数过多已锁定，请在国家医保服务平台 App 重置密码后再试"
    );
    // the SDK's reset
    run.apply(&Step::ResetPasswordLock(true)).unwrap();
    assert_eq!(
        dev.confirm_password_blocking(&subject(), t)
            .unwrap()
            .ec_token,
        TOKEN
    );
}

#[test]
fn password_not_set_and_cancelled_are_typed() {
    let (_g, mut run, dev) = setup("notset");
    let t = Duration::from_secs(5);
    run.apply(&Step::Patient(SimPatient {
        id: zhang(),
        password: None,
    }))
    .unwrap();
    run.apply(&Step::PinPad(Some("123456".into()))).unwrap();
    let e = dev.confirm_password_blocking(&subject(), t).unwrap_err();
    assert_eq!(e, IdentityError::PasswordNotSet);
    assert!(e.message_zh().contains("激活电子凭证并设置密码"));
    run.apply(&Step::Patient(SimPatient {
        id: zhang(),
        password: Some("246810".into()),
    }))
    .unwrap();
    run.apply(&Step::PinPad(None)).unwrap();
    let e = dev.confirm_password_blocking(&subject(), t).unwrap_err();
    assert_eq!(e, IdentityError::PasswordCancelled);
    assert!(!e.needs_password_guidance());
}

#[test]
fn scanned_qr_is_decoded_through_ec_query_and_other_codes_are_named() {
    let (_g, mut run, dev) = setup("qr");
    let t = Duration::from_secs(5);
    run.apply(&Step::Evoucher(SimIdentity {
        name: "李四".into(),
        id_no: "320102199001011234".into(),
        insu_org: "320500".into(),
        ec_token: "320000ecnqssaor2nj7a2a480a0000a4cef57c".into(),
    }))
    .unwrap();
    let qr = "320000EVOUCHERQRabcdef0123456789ABCDEF01";
    let v = rt().block_on(dev.decode_qr(qr.into(), t)).unwrap();
    assert_eq!(
        (v.name.as_str(), v.insu_org.as_deref()),
        ("李四", Some("320500"))
    );
    assert_eq!(v.ec_token, "320000ecnqssaor2nj7a2a480a0000a4cef57c");
    assert_eq!(v.id_masked, "320***********1234");
    let calls = run.standin.as_ref().unwrap().calls();
    let req: serde_json::Value = serde_json::from_str(&calls.last().unwrap().1).unwrap();
    assert_eq!(req["data"]["ecQrCode"], qr);
    assert_eq!(req["data"]["businessType"], "01101");

    let n = calls.len();
    for (code, looks) in [
        ("134567890123456789", "微信付款码"),
        ("287654321098765432", "支付宝付款码"),
        ("6901234567892", "商品条码"),
        ("https://example.com/pay?id=1234567890abcdef", "网址链接"),
    ] {
        let e = dev.decode_qr_blocking(code, t).unwrap_err();
        assert_eq!(e, IdentityError::NotEVoucher(looks.into()));
        assert_eq!(
            e.message_zh(),
            format!("这不是医保电子凭证码（看起来是{looks}），请患者出示医保电子凭证")
        );
    }
    assert_eq!(
        run.standin.as_ref().unwrap().calls().len(),
        n,
        "no library call for a code that is not an e-voucher"
    );

    // the SDK refuses the QR (expired code)
    run.standin
        .as_mut()
        .unwrap()
        .set(
            "ec.ec.query",
            Some(r#"{"code":-1,"message":"电子凭证二维码已过期"}"#),
        )
        .unwrap();
    assert_eq!(
        dev.decode_qr_blocking(qr, t).unwrap_err(),
        IdentityError::Rejected {
            code: -1,
            message: "电子凭证二维码已过期".into()
        }
    );
}

#[test]
fn face_terminal_consent_refusal_and_failures_are_typed() {
    let (_g, mut run, dev) = setup("face");
    let t = Duration::from_secs(5);
    run.apply(&Step::Face(FaceOutcome::Success(zhang())))
        .unwrap();
    let cap = rt().block_on(dev.face(t)).unwrap();
    assert_eq!(cap.consent, Consent::Agreed);
    assert_eq!(cap.voucher.ec_token, TOKEN);
    assert!(!cap.out_biz_no.is_empty());
    let calls = run.standin.as_ref().unwrap().calls();
    let req: serde_json::Value = serde_json::from_str(&calls.last().unwrap().1).unwrap();
    assert_eq!(req["transType"], "iot.gain.ec.qrcode");
    assert_eq!(req["data"]["gainWay"], "FACE");
    assert_eq!(req["data"]["outBizNo"], cap.out_biz_no.as_str());

    run.apply(&Step::Face(FaceOutcome::ConsentRefused)).unwrap();
    let e = dev.face_blocking(t).unwrap_err();
    assert_eq!(e, IdentityError::ConsentRefused);
    assert!(e
        .message_zh()
        .contains("可改用医保电子凭证、社保卡或身份证"));

    run.apply(&Step::Face(FaceOutcome::NotRecognised {
        message: "未识别到人脸".into(),
    }))
    .unwrap();
    let e = dev.face_blocking(t).unwrap_err();
    assert_eq!(e, IdentityError::FaceNotRecognised("未识别到人脸".into()));
    assert!(e.message_zh().contains("请改用"));

    // the terminal's own timeout answer
    run.standin
        .as_mut()
        .unwrap()
        .set(
            "ec.iot.gain.ec.qrcode",
            Some(r#"{"code":-3,"message":"等待刷脸超时"}"#),
        )
        .unwrap();
    assert_eq!(dev.face_blocking(t).unwrap_err(), IdentityError::Timeout(t));

    // a terminal that never answers: the vendor thread's timeout
    run.apply(&Step::Face(FaceOutcome::Timeout { delay_ms: 1500 }))
        .unwrap();
    let short = Duration::from_millis(200);
    assert_eq!(
        dev.face_blocking(short).unwrap_err(),
        IdentityError::Timeout(short)
    );
}

#[test]
fn face_ping_test_and_scenario_steps_parse() {
    let (_g, mut run, dev) = setup("ping");
    let r = rt().block_on(dev.test(Duration::from_secs(3)));
    // the stand-in has no answer scripted for iot.device.query: it refuses,
    // which still proves library and terminal answer
    assert!(r.ok, "{r:?}");
    assert_eq!(r.kind, DeviceKind::FaceTerminal);
    assert!(
        r.summary_zh.starts_with("NationECCode：终端已应答"),
        "{}",
        r.summary_zh
    );
    // garbage from the library fails the test
    run.standin
        .as_mut()
        .unwrap()
        .set("ec.iot.device.query", Some("<html>"))
        .unwrap();
    let r = rt().block_on(dev.test(Duration::from_secs(3)));
    assert!(!r.ok);
    assert_eq!(r.error_code.as_deref(), Some("malformed"));

    let sc = Scenario::parse(
        r#"
steps:
  - patient: { name: 张三, id_no: "110101199003071234", insu_org: "110100", ec_token: "t", password: "246810" }
  - pin_pad: "111111"
  - pin_pad: null
  - reset_password_lock: true
  - face: { result: consent_refused }
  - face: { result: not_recognised, message: 未识别到人脸 }
"#,
    )
    .unwrap();
    assert_eq!(sc.steps.len(), 6);
    assert_eq!(sc.steps[2], Step::PinPad(None));
    for s in &sc.steps {
        run.apply(s).unwrap();
    }
}
