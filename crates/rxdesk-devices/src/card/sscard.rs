//! `SSCardDriver` adapter: the older per-province social-security card
//! driver. C ABI in [`crate::vendor::ffi`]: `long iReadCardBas(int iType, char *out)`
//! with iType 1 = contact, 2 = contactless, 3 = either; 0 = success.

use super::record::parse_card_record;
use crate::identity::{IdentityError, IdentityReader, PatientIdentity};
use crate::vendor::ffi;
use crate::vendor::worker::{ffi_error, VendorThread};
use std::path::Path;
use std::time::Duration;

/// The library's name.
pub const LIBRARY: &str = "SSCardDriver";

/// The SSCardDriver reader.
#[derive(Debug)]
pub struct SsCardReader {
    vendor: VendorThread,
    itype: i32,
}

impl SsCardReader {
    /// Loads the library; `itype` as for `iReadCardBas`.
    pub fn open(path: Option<&Path>, itype: i32) -> Result<Self, IdentityError> {
        Ok(SsCardReader {
            vendor: VendorThread::load(LIBRARY, path, Duration::from_secs(10))?,
            itype,
        })
    }
}

impl IdentityReader for SsCardReader {
    fn name(&self) -> &str {
        LIBRARY
    }

    fn read_identity(&mut self, timeout: Duration) -> Result<PatientIdentity, IdentityError> {
        let itype = self.itype;
        let (rc, out) = self
            .vendor
            .call(timeout, move |lib| ffi::sscard_read(lib, itype))?
            .map_err(|e| ffi_error(LIBRARY, e))?;
        let out = out.map_err(|e| ffi_error(LIBRARY, e))?;
        if rc != 0 {
            // the driver writes its message into the output buffer on failure
            return Err(IdentityError::ReadFailed {
                code: rc,
                message: if out.is_empty() {
                    format!("iReadCardBas 返回 {rc}")
                } else {
                    out
                },
            });
        }
        let rec = parse_card_record(&out).map_err(|e| IdentityError::Malformed {
            library: LIBRARY.into(),
            detail: e.to_string(),
        })?;
        Ok(super::identity_from_card(rec))
    }
}
