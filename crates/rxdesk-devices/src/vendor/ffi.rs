//! The only `unsafe` code of the crate: loading vendor libraries and calling
//! their C functions. Every function here runs on a vendor thread
//! ([`super::worker`]), never on the UI or async runtime threads.
//!
//! ## The C ABIs (as integrators' code declares them; `extern "system"`,
//! i.e. stdcall on 32-bit Windows and the C ABI elsewhere; strings are
//! NUL-terminated, GBK/GB18030 on Windows builds, UTF-8 on most Linux builds;
//! output buffers are allocated by the caller)
//!
//! ```c
//! /* HeaSecReadInfo (libHeaSecReadInfo.so / HeaSecReadInfo.dll) */
//! int  Init(const char *pInitInfo /* JSON */, char *pErrMsg /* out */);
//! int  ReadCardBas(char *pCardInfo /* out: '|' record */, char *pBusiCardInfo /* out: error / business info */);
//! int  ReadSFZ(char *pOutBuff /* out: '|' record */, char *pErrMsg /* out */);
//! /* SSCardDriver (libSSCardDriver.so / SSCardDriver.dll) */
//! long iReadCardBas(int iType /* 1 contact, 2 contactless, 3 either */, char *pOutInfo /* out */);
//! /* NationECCode (libNationECCode.so / NationECCode.dll) */
//! void NationEcTrans(const char *strUrl, const char *InData /* JSON */, char *OutData /* out: JSON */);
//! ```
//! Return codes: 0 = success; anything else is the vendor's error code with
//! the text in the error buffer. Buffers here are [`OUT_BUF`] bytes, zeroed;
//! an output without a NUL inside the buffer is malformed.
#![allow(unsafe_code)]

use libloading::{Library, Symbol};
use std::ffi::{c_char, c_int, c_long, CString};

/// Size of every output buffer handed to vendor code.
pub const OUT_BUF: usize = 16 * 1024;

/// Something wrong at the FFI boundary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FfiError {
    /// The library does not export this symbol.
    #[error("symbol {0} not found")]
    MissingSymbol(&'static str),
    /// An input contains NUL.
    #[error("argument contains NUL")]
    NulInArgument,
    /// The vendor filled the buffer without a terminating NUL.
    #[error("output buffer not NUL-terminated")]
    Unterminated,
}

/// Loads a shared library. Loading runs its initialisers: vendor code.
pub fn load(path: &std::ffi::OsStr) -> Result<Library, libloading::Error> {
    // SAFETY: loading a library runs its constructors; this is the point of
    // the adapter and happens on a dedicated vendor thread.
    unsafe { Library::new(path) }
}

/// Decodes a NUL-terminated output buffer: UTF-8, else GB18030.
pub fn buf_to_string(buf: &[u8]) -> Result<String, FfiError> {
    let end = buf
        .iter()
        .position(|&b| b == 0)
        .ok_or(FfiError::Unterminated)?;
    let bytes = &buf[..end];
    Ok(match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    })
}

fn cstr(s: &str) -> Result<CString, FfiError> {
    CString::new(s).map_err(|_| FfiError::NulInArgument)
}

type TwoBufFn = unsafe extern "system" fn(*mut c_char, *mut c_char) -> c_int;
type InitFn = unsafe extern "system" fn(*const c_char, *mut c_char) -> c_int;
type IReadFn = unsafe extern "system" fn(c_int, *mut c_char) -> c_long;
type TransFn = unsafe extern "system" fn(*const c_char, *const c_char, *mut c_char);

fn symbol<'l, T>(lib: &'l Library, name: &'static str) -> Result<Symbol<'l, T>, FfiError> {
    let mut z = name.as_bytes().to_vec();
    z.push(0);
    // SAFETY: the type T is the documented signature of `name` (module docs).
    unsafe { lib.get::<T>(&z) }.map_err(|_| FfiError::MissingSymbol(name))
}

/// `Init(json, err)` → (return code, error text).
pub fn heasec_init(lib: &Library, json: &str) -> Result<(i64, String), FfiError> {
    let f = symbol::<InitFn>(lib, "Init")?;
    let input = cstr(json)?;
    let mut err = vec![0u8; OUT_BUF];
    // SAFETY: documented signature; input is NUL-terminated; err is OUT_BUF bytes.
    let rc = unsafe { f(input.as_ptr(), err.as_mut_ptr().cast()) };
    Ok((i64::from(rc), buf_to_string(&err).unwrap_or_default()))
}

/// `ReadCardBas(out, err)` or `ReadSFZ(out, err)` → (return code, out, err).
pub fn heasec_two_buf(
    lib: &Library,
    name: &'static str,
) -> Result<(i64, Result<String, FfiError>, String), FfiError> {
    let f = symbol::<TwoBufFn>(lib, name)?;
    let mut out = vec![0u8; OUT_BUF];
    let mut err = vec![0u8; OUT_BUF];
    // SAFETY: documented signature; both buffers are OUT_BUF bytes, zeroed.
    let rc = unsafe { f(out.as_mut_ptr().cast(), err.as_mut_ptr().cast()) };
    Ok((
        i64::from(rc),
        buf_to_string(&out),
        buf_to_string(&err).unwrap_or_default(),
    ))
}

/// `iReadCardBas(iType, out)` → (return code, out).
pub fn sscard_read(lib: &Library, itype: i32) -> Result<(i64, Result<String, FfiError>), FfiError> {
    let f = symbol::<IReadFn>(lib, "iReadCardBas")?;
    let mut out = vec![0u8; OUT_BUF];
    // SAFETY: documented signature; out is OUT_BUF bytes, zeroed.
    let rc = unsafe { f(itype as c_int, out.as_mut_ptr().cast()) };
    // c_long is 32-bit on Windows, 64-bit on Linux
    #[allow(clippy::useless_conversion)]
    let rc = i64::from(rc);
    Ok((rc, buf_to_string(&out)))
}

/// `NationEcTrans(url, json, out)` → out.
pub fn nation_ec_trans(lib: &Library, url: &str, json: &str) -> Result<String, FfiError> {
    let f = symbol::<TransFn>(lib, "NationEcTrans")?;
    let url = cstr(url)?;
    let input = cstr(json)?;
    let mut out = vec![0u8; OUT_BUF];
    // SAFETY: documented signature; inputs NUL-terminated; out is OUT_BUF bytes.
    unsafe { f(url.as_ptr(), input.as_ptr(), out.as_mut_ptr().cast()) };
    buf_to_string(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_decode_utf8_then_gb18030() {
        assert_eq!(buf_to_string(b"abc\0zzz").unwrap(), "abc");
        assert_eq!(buf_to_string(&[0xd5, 0xc5, 0xc8, 0xfd, 0]).unwrap(), "张三");
        assert_eq!(buf_to_string(b"abc"), Err(FfiError::Unterminated));
    }
}
