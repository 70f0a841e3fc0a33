//! Stand-in vendor library for tests and demo mode. Exports the C symbols of
//! `HeaSecReadInfo` (`Init`, `ReadCardBas`, `ReadSFZ`), `SSCardDriver`
//! (`iReadCardBas`) and `NationECCode` (`NationEcTrans`) with the ABIs in
//! rxdesk-devices' `vendor::ffi`.
//!
//! Behaviour comes from a state file named by `$RXDESK_STANDIN_STATE`, read
//! at every call (so a scenario can change it between calls): `key=value`
//! lines, values with `\n` escapes. Keys:
//! - `card` the `|` record ReadCardBas/iReadCardBas return (absent: no card, rc -1)
//! - `card_rc`, `card_err`, `card_delay_ms`, `card_unterminated` (1: fill the buffer without NUL)
//! - `sfz` the ReadSFZ record (absent: rc -1)
//! - `card_oversize` N: write N bytes + NUL into the card output. RxDesk's
//!   contract (`vendor::ffi`) declares 16 KiB and follows the buffer with a
//!   4 KiB canary guard, so the tests use 16 KiB < N < 20 KiB: the write stays
//!   inside the allocation and the canary proves the overrun.
//! - `ecqr.<code>` the JSON `ec.query` returns for the scanned QR `<code>` (before `ec.ec.query`)
//! - `ec.<transType>` the JSON NationEcTrans returns; `delay.<transType>` ms to sleep first;
//!   `ec_oversize.<transType>` N: answer N bytes + NUL instead (declared 64 KiB, same guard)
//! - e-voucher password on the PIN pad (`ec.query` with `businessType` 01301):
//!   `pwd.<idNo>` the patient's password (absent: not set), `pwdid.<idNo>` the
//!   identity JSON (`data`) returned on success, `pin_typed` what the patient
//!   types on the pad (absent: the patient cancels), `delay.pin` ms. Wrong
//!   tries are counted per idNo in `$RXDESK_STANDIN_STATE.pwdfail`; the third
//!   wrong one locks until that file is removed (the SDK's reset).
//!
//! Without `$RXDESK_STANDIN_STATE`, a `NationEcTrans` URL `standin:<path>` names the state
//! file (demo mode configures it so; a WebDriver session cannot pass the variable).
//!
//! Every call is appended to `$RXDESK_STANDIN_STATE.calls` as `symbol\targ`.
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_int, c_long, CStr};
use std::io::Write;

/// The declared capacities of RxDesk's buffer contract (`vendor::ffi`):
/// normal answers are cut to fit them; only the oversize modes go beyond.
const OUT_CAP: usize = 16 * 1024;
const ERR_CAP: usize = 4 * 1024;
const EC_CAP: usize = 64 * 1024;

/// The state file named by the `NationEcTrans` URL `standin:<path>` (demo
/// mode: the app cannot always be given an environment variable).
static URL_STATE: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// `$RXDESK_STANDIN_STATE`, else the path the last `standin:` URL named.
fn state_path() -> Option<String> {
    std::env::var("RXDESK_STANDIN_STATE").ok().or_else(|| {
        URL_STATE
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    })
}

fn state() -> Vec<(String, String)> {
    let Some(path) = state_path() else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.replace("\\n", "\n")))
        .collect()
}

fn get(st: &[(String, String)], key: &str) -> Option<String> {
    st.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

fn log_call(symbol: &str, arg: &str) {
    if let Some(path) = state_path() {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(format!("{path}.calls"))
        {
            let _ = writeln!(f, "{symbol}\t{}", arg.replace('\n', " "));
        }
    }
}

fn delay(st: &[(String, String)], key: &str) {
    if let Some(ms) = get(st, key).and_then(|v| v.parse::<u64>().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

unsafe fn write_out(dst: *mut c_char, s: &str) {
    write_capped(dst, s, OUT_CAP)
}

unsafe fn write_err(dst: *mut c_char, s: &str) {
    write_capped(dst, s, ERR_CAP)
}

unsafe fn write_capped(dst: *mut c_char, s: &str, cap: usize) {
    if dst.is_null() {
        return;
    }
    let bytes = s.as_bytes();
    let n = bytes.len().min(cap - 1);
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst.cast::<u8>(), n);
    *dst.add(n) = 0;
}

unsafe fn read_in(src: *const c_char) -> String {
    if src.is_null() {
        return String::new();
    }
    CStr::from_ptr(src).to_string_lossy().into_owned()
}

/// Writes `n` bytes of `A` and a NUL: the oversize modes. The caller (the
/// test) chooses `n` inside the buffer RxDesk allocates (declared + guard).
unsafe fn write_oversize(dst: *mut c_char, n: usize) {
    if dst.is_null() {
        return;
    }
    std::ptr::write_bytes(dst.cast::<u8>(), b'A', n);
    *dst.add(n) = 0;
}

unsafe fn card_read(out: *mut c_char, err: *mut c_char, symbol: &str) -> c_int {
    let st = state();
    log_call(symbol, "");
    delay(&st, "card_delay_ms");
    if let Some(n) = get(&st, "card_oversize").and_then(|v| v.parse::<usize>().ok()) {
        write_oversize(out, n);
        return 0;
    }
    if get(&st, "card_unterminated").as_deref() == Some("1") {
        std::ptr::write_bytes(out.cast::<u8>(), b'A', OUT_CAP);
        return 0;
    }
    let rc: c_int = get(&st, "card_rc")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    match get(&st, "card") {
        Some(rec) if rc == 0 => {
            write_out(out, &rec);
            0
        }
        _ => {
            let msg = get(&st, "card_err").unwrap_or_else(|| "未检测到卡片".into());
            if !err.is_null() {
                write_err(err, &msg);
            } else {
                write_out(out, &msg);
            }
            if rc == 0 {
                -1
            } else {
                rc
            }
        }
    }
}

#[no_mangle]
pub unsafe extern "system" fn Init(init_info: *const c_char, err: *mut c_char) -> c_int {
    let json = read_in(init_info);
    log_call("Init", &json);
    if json.trim().is_empty() {
        write_err(err, "初始化参数为空");
        return -10;
    }
    write_err(err, "");
    0
}

#[no_mangle]
pub unsafe extern "system" fn ReadCardBas(out: *mut c_char, err: *mut c_char) -> c_int {
    card_read(out, err, "ReadCardBas")
}

#[no_mangle]
pub unsafe extern "system" fn ReadSFZ(out: *mut c_char, err: *mut c_char) -> c_int {
    let st = state();
    log_call("ReadSFZ", "");
    match get(&st, "sfz") {
        Some(rec) => {
            write_out(out, &rec);
            0
        }
        None => {
            write_err(err, "未检测到身份证");
            -1
        }
    }
}

#[no_mangle]
pub unsafe extern "system" fn iReadCardBas(_itype: c_int, out: *mut c_char) -> c_long {
    c_long::from(card_read(out, std::ptr::null_mut(), "iReadCardBas"))
}

#[no_mangle]
pub unsafe extern "system" fn NationEcTrans(
    url: *const c_char,
    input: *const c_char,
    out: *mut c_char,
) {
    let url = read_in(url);
    if let Some(path) = url.strip_prefix("standin:") {
        *URL_STATE.lock().unwrap_or_else(|p| p.into_inner()) = Some(path.to_string());
    }
    let json = read_in(input);
    log_call("NationEcTrans", &json);
    let trans = field(&json, "transType");
    let st = state();
    delay(&st, &format!("delay.{trans}"));
    if let Some(n) = get(&st, &format!("ec_oversize.{trans}")).and_then(|v| v.parse().ok()) {
        write_oversize(out, n);
        return;
    }
    if trans == "ec.query" && field(&json, "businessType") == PASSWORD_BUSINESS_TYPE {
        write_capped(out, &password_check(&st, &json), EC_CAP);
        return;
    }
    // A scanned QR with its own scripted answer (`ecqr.<code>`: several
    // demo patients), else the one answer of the transaction.
    let qr = field(&json, "ecQrCode");
    let per_qr = (trans == "ec.query" && !qr.is_empty())
        .then(|| get(&st, &format!("ecqr.{qr}")))
        .flatten();
    let answer = per_qr.or_else(|| get(&st, &format!("ec.{trans}"))).unwrap_or_else(|| {
        format!("{{\"code\":-1,\"message\":\"stand-in: no answer scripted for {trans}\"}}")
    });
    write_capped(out, &answer, EC_CAP);
}

/// The business type RxDesk uses for "confirm with the e-voucher password".
const PASSWORD_BUSINESS_TYPE: &str = "01301";
const MAX_TRIES: u32 = 3;

/// A string field of the request JSON (the requests RxDesk builds are flat
/// enough for this; the stand-in has no dependencies).
fn field(json: &str, name: &str) -> String {
    json.split(&format!("\"{name}\":\""))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string()
}

fn fail_path() -> Option<String> {
    state_path().map(|p| format!("{p}.pwdfail"))
}

fn fails(id: &str) -> u32 {
    let Some(p) = fail_path() else { return 0 };
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| *k == id)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

fn set_fails(id: &str, n: u32) {
    let Some(p) = fail_path() else { return };
    let mut lines: Vec<String> = std::fs::read_to_string(&p)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.split_once('=').map(|(k, _)| k) != Some(id))
        .map(str::to_string)
        .collect();
    lines.push(format!("{id}={n}"));
    let _ = std::fs::write(p, lines.join("\n") + "\n");
}

fn password_check(st: &[(String, String)], json: &str) -> String {
    let id = field(json, "idNo");
    if fails(&id) >= MAX_TRIES {
        return r#"{"code":-3103,"message":"电子凭证密码已锁定"}"#.into();
    }
    let Some(pwd) = get(st, &format!("pwd.{id}")) else {
        return r#"{"code":-3102,"message":"未设置电子凭证密码"}"#.into();
    };
    delay(st, "delay.pin");
    let Some(typed) = get(st, "pin_typed") else {
        return r#"{"code":-3104,"message":"用户取消输入密码"}"#.into();
    };
    if typed == pwd {
        set_fails(&id, 0);
        let data = get(st, &format!("pwdid.{id}")).unwrap_or_else(|| {
            format!("{{\"idNo\":\"{id}\",\"userName\":\"{}\",\"idType\":\"01\",\"ecToken\":\"pwd{id}\"}}", field(json, "userName"))
        });
        return format!("{{\"code\":0,\"message\":\"交易成功\",\"data\":{data}}}");
    }
    let n = fails(&id) + 1;
    set_fails(&id, n);
    if n >= MAX_TRIES {
        r#"{"code":-3103,"message":"密码错误次数过多，电子凭证密码已锁定"}"#.into()
    } else {
        format!(
            "{{\"code\":-3101,\"message\":\"电子凭证密码错误\",\"data\":{{\"remainTimes\":{}}}}}",
            MAX_TRIES - n
        )
    }
}
