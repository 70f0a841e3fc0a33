//! The demo world's pieces that live in the application crate, compiled only
//! into a demo build (cargo feature `demo`; ARCHITECTURE.md "Where demo
//! material lives"): the demo accounts and the demo pharmacist the emulator
//! knows, and the stand-in e-voucher SDK's demo patients. A production build
//! (`rxdesk-desktop --no-default-features`) contains none of this, so no demo
//! account can be seeded or signed in there, whatever `settings.demo_mode` says.

use crate::AppError;
use rxdesk_store::operators::NewOperator;
use rxdesk_store::{Role, Store};

/// The demo accounts (demo mode only; shown on the login screen).
pub const DEMO_OPERATORS: [(&str, &str, Role, &str); 3] = [
    ("3001", "王店长", Role::Manager, "demo-manager"),
    ("2001", "李药师", Role::Pharmacist, "demo-pharmacist"),
    ("1001", "张收银", Role::Cashier, "demo-cashier"),
];

/// ID number of the demo pharmacist 2001 李药师 (the emulator's PSN1101000004).
pub const DEMO_PHARMACIST_CERTNO: &str = "110101198805050034";
/// Her e-voucher token in the emulator (DEMO ONLY).
pub const DEMO_PHARMACIST_EC_TOKEN: &str = "110000ecdemo00000000000000000000liyaoshi";
/// Her practising certificate number (DEMO).
pub const DEMO_PHARMACIST_PRAC_CERT_NO: &str = "DEMO-PHAR-2001";

/// Seeds the demo accounts into a ledger that has none (demo mode).
pub fn seed_demo_operators(store: &Store) -> Result<(), AppError> {
    let [(mlogin, mname, mrole, mpass), rest @ ..] = DEMO_OPERATORS;
    // Only the very first operator of a ledger may be created without a
    // session; if that fails the ledger already has accounts: leave them.
    let new = |login: &str, name: &str, role: Role, password: &str| {
        // The demo pharmacist is a person the emulator knows (her own
        // e-voucher opens the shift and re-confirms each audit).
        let pharmacist = role == Role::Pharmacist;
        NewOperator {
            login: login.into(),
            display_name: name.into(),
            role,
            password: password.into(),
            cert_type: pharmacist.then(|| "01".to_string()),
            certno: pharmacist.then(|| DEMO_PHARMACIST_CERTNO.to_string()),
            prac_cert_no: pharmacist.then(|| DEMO_PHARMACIST_PRAC_CERT_NO.to_string()),
        }
    };
    // A ledger with accounts is left as it is, before hashing a password
    // for nothing (an argon2id hash at every demo start, on the start-up path).
    if !store.operators().map_err(AppError::Store)?.is_empty() {
        return Ok(());
    }
    if store
        .create_operator(None, &new(mlogin, mname, mrole, mpass))
        .is_err()
    {
        return Ok(());
    }
    let manager = store.login(mlogin, mpass).map_err(AppError::Store)?;
    for (login, name, role, password) in rest {
        store
            .create_operator(Some(&manager), &new(login, name, role, password))
            .map_err(AppError::Store)?;
    }
    tracing::info!("demo operators created");
    Ok(())
}

/// Demo patients as the stand-in e-voucher SDK knows them (demo mode only,
/// docs/demo.md): name, ID number, e-voucher token, the e-voucher password
/// they type on the PIN pad.
pub const DEMO_EVOUCHER_PASSWORDS: &[(&str, &str, &str, &str)] = &[
    (
        "张三",
        "110101198001010029",
        "110000ecdemo0000000000000000000zhangsan",
        "246810",
    ),
    (
        "李四",
        "110101199005050030",
        "110000ecdemo000000000000000000000lisi",
        "135791",
    ),
    (
        "王芳",
        "110101196803030049",
        "110000ecdemo00000000000000000000wangfang",
        "802468",
    ),
];

/// Writes the stand-in `NationECCode`'s state for demo mode: each demo
/// patient's password and identity (PIN pad), each e-voucher code decoded
/// by `ec.query` to its token, and 张三 at the face terminal (with its
/// consent step). The PIN pad simulator (`rxdesk-devsim pinpad`) then
/// writes what the patient types into the same file.
#[cfg(feature = "demo")]
pub fn write_demo_standin_state(
    path: &std::path::Path,
) -> std::io::Result<rxdesk_devices::sim::standin::StandinState> {
    let mut st = rxdesk_devices::sim::standin::StandinState::create(path)?;
    for (name, id, token, pwd) in DEMO_EVOUCHER_PASSWORDS {
        let data = serde_json::json!({"idNo": id, "userName": name, "idType": "01",
            "ecToken": token, "insuOrg": "110000"});
        st.set(&format!("pwd.{id}"), Some(pwd))?;
        st.set(&format!("pwdid.{id}"), Some(&data.to_string()))?;
        let ok = serde_json::json!({"code": 0, "message": "交易成功", "data": data});
        st.set(&format!("ecqr.{token}"), Some(&ok.to_string()))?;
    }
    st.set(
        "ec.ec.query",
        Some(r#"{"code":-1,"message":"电子凭证二维码无效或已过期，请患者刷新医保码后重新出示"}"#),
    )?;
    let (name, id, token, _) = DEMO_EVOUCHER_PASSWORDS[0];
    let face = serde_json::json!({"code": 0, "message": "成功", "data": {"idNo": id,
        "userName": name, "idType": "01", "ecToken": token, "insuOrg": "110000", "consentFlag": "1"}});
    st.set("ec.iot.gain.ec.qrcode", Some(&face.to_string()))?;
    st.set(
        "ec.iot.medical.settle.notify",
        Some(r#"{"code":0,"message":"成功","data":{}}"#),
    )?;
    st.set(
        "ec.iot.device.query",
        Some(r#"{"code":0,"message":"成功","data":{"deviceNo":"DEMO-FACE-01","model":"刷脸终端模拟器"}}"#),
    )?;
    Ok(st)
}
