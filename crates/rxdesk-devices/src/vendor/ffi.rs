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
//! the text in the error buffer.
//!
//! ## Buffer contracts
//!
//! None of these national interfaces takes an output length: the library
//! assumes the caller's buffer is "big enough". RxDesk therefore fixes a
//! *declared capacity* per output ([`CARD_OUT_CAP`], [`ERR_OUT_CAP`],
//! [`EC_OUT_CAP`]; docs/devices.md §Vendor buffer contracts) and hands the
//! library an [`OutBuf`]: the declared capacity, zeroed, followed by a guard
//! region of [`GUARD`] bytes filled with a canary pattern. After the call:
//! - the canary touched → [`FfiError::Overrun`] (the library wrote past the
//!   declared capacity; the write landed in our own guard allocation);
//! - no NUL inside the declared capacity → [`FfiError::ResponseTooLong`];
//! - otherwise the text up to the first NUL is the answer.
//!
//! A response that fits is never truncated silently, and an overrun of up to
//! [`GUARD`] bytes stays inside memory we own. (A library writing further
//! than that would corrupt the heap whatever we do; the guard is sized at
//! a quarter of the capacity, far above any record seen.) Were a province's
//! library to take a length argument, [`OutBuf::declared`] is the value to
//! pass, and the same checks apply.
#![allow(unsafe_code)]

use libloading::{Library, Symbol};
use std::ffi::{c_char, c_int, c_long, CString};

/// Declared capacity of a card-record output (`ReadCardBas`, `ReadSFZ`, `iReadCardBas`).
pub const CARD_OUT_CAP: usize = 16 * 1024;
/// Declared capacity of an error-text output (`pErrMsg`, `pBusiCardInfo`).
pub const ERR_OUT_CAP: usize = 4 * 1024;
/// Declared capacity of a `NationEcTrans` JSON output.
pub const EC_OUT_CAP: usize = 64 * 1024;
/// Size of the canary guard after every output buffer.
pub const GUARD: usize = 4 * 1024;

/// Former name of the card-record capacity.
pub const OUT_BUF: usize = CARD_OUT_CAP;

/// Something wrong at the FFI boundary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FfiError {
    /// The library does not export this symbol.
    #[error("symbol {0} not found")]
    MissingSymbol(&'static str),
    /// An input contains NUL.
    #[error("argument contains NUL")]
    NulInArgument,
    /// The output has no NUL inside its declared capacity.
    #[error("{symbol}: response longer than the declared {capacity} bytes")]
    ResponseTooLong {
        /// the C function
        symbol: &'static str,
        /// declared capacity in bytes
        capacity: usize,
    },
    /// The library wrote past the declared capacity into the guard region.
    #[error("{symbol}: wrote past the declared {capacity} bytes (guard touched)")]
    Overrun {
        /// the C function
        symbol: &'static str,
        /// declared capacity in bytes
        capacity: usize,
    },
}

/// The byte at `i` of the guard region: a non-constant pattern, so a library
/// filling memory with one value cannot leave it looking intact.
fn canary(i: usize) -> u8 {
    (i.wrapping_mul(167).wrapping_add(0x5b) % 251) as u8 | 0x01
}

/// An output buffer with its declared capacity and a canary guard.
#[derive(Debug)]
pub struct OutBuf {
    bytes: Vec<u8>,
    declared: usize,
}

impl OutBuf {
    /// `declared` zeroed bytes followed by [`GUARD`] canary bytes.
    pub fn new(declared: usize) -> Self {
        let mut bytes = vec![0u8; declared + GUARD];
        for (i, b) in bytes[declared..].iter_mut().enumerate() {
            *b = canary(i);
        }
        OutBuf { bytes, declared }
    }

    /// The declared capacity (what a length argument would carry).
    pub fn declared(&self) -> usize {
        self.declared
    }

    /// The pointer handed to vendor code (valid for `declared + GUARD` bytes).
    pub fn as_mut_ptr(&mut self) -> *mut c_char {
        self.bytes.as_mut_ptr().cast()
    }

    /// The whole allocation, guard included (for tests of the checks).
    pub fn raw_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Checks the contract and decodes the answer.
    pub fn finish(&self, symbol: &'static str) -> Result<String, FfiError> {
        let guard_ok = self.bytes[self.declared..]
            .iter()
            .enumerate()
            .all(|(i, &b)| b == canary(i));
        if !guard_ok {
            tracing::warn!(
                symbol,
                capacity = self.declared,
                "vendor library overran its output buffer"
            );
            return Err(FfiError::Overrun {
                symbol,
                capacity: self.declared,
            });
        }
        buf_to_string(&self.bytes[..self.declared]).ok_or(FfiError::ResponseTooLong {
            symbol,
            capacity: self.declared,
        })
    }
}

/// Loads a shared library. Loading runs its initialisers: vendor code.
pub fn load(path: &std::ffi::OsStr) -> Result<Library, libloading::Error> {
    // SAFETY: loading a library runs its constructors; this is the point of
    // the adapter and happens on a dedicated vendor thread.
    unsafe { Library::new(path) }
}

/// Decodes a NUL-terminated buffer: UTF-8, else GB18030. `None` without NUL.
pub fn buf_to_string(buf: &[u8]) -> Option<String> {
    let end = buf.iter().position(|&b| b == 0)?;
    let bytes = &buf[..end];
    Some(match std::str::from_utf8(bytes) {
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

/// Whether the library exports `name` (nothing is called).
pub fn has_symbol(lib: &Library, name: &str) -> bool {
    let mut z = name.as_bytes().to_vec();
    z.push(0);
    // SAFETY: the symbol is only looked up, as an untyped address that is
    // never dereferenced or called.
    unsafe { lib.get::<*const std::ffi::c_void>(&z) }.is_ok()
}

/// An error text: best effort (a broken error buffer never hides the return code).
fn err_text(buf: &OutBuf, symbol: &'static str) -> String {
    match buf.finish(symbol) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "vendor error text unusable");
            String::new()
        }
    }
}

/// `Init(json, err)` → (return code, error text).
pub fn heasec_init(lib: &Library, json: &str) -> Result<(i64, String), FfiError> {
    let f = symbol::<InitFn>(lib, "Init")?;
    let input = cstr(json)?;
    let mut err = OutBuf::new(ERR_OUT_CAP);
    // SAFETY: documented signature; input is NUL-terminated and outlives the
    // call; err is valid for ERR_OUT_CAP + GUARD bytes (contract: module docs).
    let rc = unsafe { f(input.as_ptr(), err.as_mut_ptr()) };
    Ok((i64::from(rc), err_text(&err, "Init")))
}

/// `ReadCardBas(out, err)` or `ReadSFZ(out, err)` → (return code, out, err).
pub fn heasec_two_buf(
    lib: &Library,
    name: &'static str,
) -> Result<(i64, Result<String, FfiError>, String), FfiError> {
    let f = symbol::<TwoBufFn>(lib, name)?;
    let mut out = OutBuf::new(CARD_OUT_CAP);
    let mut err = OutBuf::new(ERR_OUT_CAP);
    // SAFETY: documented signature; out is valid for CARD_OUT_CAP + GUARD
    // bytes and err for ERR_OUT_CAP + GUARD bytes, both zeroed up to their
    // declared capacity; neither is used by us until the call returns.
    let rc = unsafe { f(out.as_mut_ptr(), err.as_mut_ptr()) };
    Ok((i64::from(rc), out.finish(name), err_text(&err, name)))
}

/// `iReadCardBas(iType, out)` → (return code, out).
pub fn sscard_read(lib: &Library, itype: i32) -> Result<(i64, Result<String, FfiError>), FfiError> {
    let f = symbol::<IReadFn>(lib, "iReadCardBas")?;
    let mut out = OutBuf::new(CARD_OUT_CAP);
    // SAFETY: documented signature; out is valid for CARD_OUT_CAP + GUARD
    // bytes, zeroed up to CARD_OUT_CAP.
    let rc = unsafe { f(itype as c_int, out.as_mut_ptr()) };
    // c_long is 32-bit on Windows, 64-bit on Linux
    #[allow(clippy::useless_conversion)]
    let rc = i64::from(rc);
    Ok((rc, out.finish("iReadCardBas")))
}

/// `NationEcTrans(url, json, out)` → out.
pub fn nation_ec_trans(lib: &Library, url: &str, json: &str) -> Result<String, FfiError> {
    let f = symbol::<TransFn>(lib, "NationEcTrans")?;
    let url = cstr(url)?;
    let input = cstr(json)?;
    let mut out = OutBuf::new(EC_OUT_CAP);
    // SAFETY: documented signature; url and input are NUL-terminated and
    // outlive the call; out is valid for EC_OUT_CAP + GUARD bytes.
    unsafe { f(url.as_ptr(), input.as_ptr(), out.as_mut_ptr()) };
    out.finish("NationEcTrans")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_decode_utf8_then_gb18030() {
        assert_eq!(buf_to_string(b"abc\0zzz").unwrap(), "abc");
        assert_eq!(buf_to_string(&[0xd5, 0xc5, 0xc8, 0xfd, 0]).unwrap(), "张三");
        assert_eq!(buf_to_string(b"abc"), None);
    }

    #[test]
    fn out_buf_checks_nul_and_canary() {
        let mut b = OutBuf::new(8);
        b.raw_mut()[..4].copy_from_slice(b"abc\0");
        assert_eq!(b.finish("f").unwrap(), "abc");
        // exactly the declared size with the NUL last: fine
        b.raw_mut()[..8].copy_from_slice(b"abcdefg\0");
        assert_eq!(b.finish("f").unwrap(), "abcdefg");
        // declared size filled, no NUL: too long
        b.raw_mut()[..8].copy_from_slice(b"abcdefgh");
        assert_eq!(
            b.finish("f"),
            Err(FfiError::ResponseTooLong {
                symbol: "f",
                capacity: 8
            })
        );
        // one byte into the guard: overrun, whatever the content
        b.raw_mut()[8] = 0;
        assert_eq!(
            b.finish("f"),
            Err(FfiError::Overrun {
                symbol: "f",
                capacity: 8
            })
        );
        // the last guard byte alone
        let mut b = OutBuf::new(8);
        let n = b.raw_mut().len();
        b.raw_mut()[n - 1] ^= 0xff;
        assert!(matches!(b.finish("f"), Err(FfiError::Overrun { .. })));
    }
}
