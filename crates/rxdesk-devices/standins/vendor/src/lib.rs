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
//! - `ec.<transType>` the JSON NationEcTrans returns; `delay.<transType>` ms to sleep first
//!
//! Every call is appended to `$RXDESK_STANDIN_STATE.calls` as `symbol\targ`.
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_int, c_long, CStr};
use std::io::Write;

const OUT_CAP: usize = 16 * 1024;

fn state() -> Vec<(String, String)> {
    let Ok(path) = std::env::var("RXDESK_STANDIN_STATE") else {
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
    if let Ok(path) = std::env::var("RXDESK_STANDIN_STATE") {
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
    if dst.is_null() {
        return;
    }
    let bytes = s.as_bytes();
    let n = bytes.len().min(OUT_CAP - 1);
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst.cast::<u8>(), n);
    *dst.add(n) = 0;
}

unsafe fn read_in(src: *const c_char) -> String {
    if src.is_null() {
        return String::new();
    }
    CStr::from_ptr(src).to_string_lossy().into_owned()
}

unsafe fn card_read(out: *mut c_char, err: *mut c_char, symbol: &str) -> c_int {
    let st = state();
    log_call(symbol, "");
    delay(&st, "card_delay_ms");
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
                write_out(err, &msg);
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
        write_out(err, "初始化参数为空");
        return -10;
    }
    write_out(err, "");
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
            write_out(err, "未检测到身份证");
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
    let _url = read_in(url);
    let json = read_in(input);
    log_call("NationEcTrans", &json);
    let trans = json
        .split("\"transType\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string();
    let st = state();
    delay(&st, &format!("delay.{trans}"));
    let answer = get(&st, &format!("ec.{trans}")).unwrap_or_else(|| {
        format!("{{\"code\":-1,\"message\":\"stand-in: no answer scripted for {trans}\"}}")
    });
    write_out(out, &answer);
}
