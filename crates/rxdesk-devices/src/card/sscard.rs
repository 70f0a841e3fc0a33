//! `SSCardDriver` adapter: the older per-province social-security card
//! driver. C ABI in [`crate::vendor::ffi`]: `long iReadCardBas(int iType, char *out)`
//! with iType 1 = contact, 2 = contactless, 3 = either; 0 = success.

use super::{CardRead, CardReader, CardSource};
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
        Ok(self.read_card(timeout)?.identity())
    }
}

impl CardReader for SsCardReader {
    fn name(&self) -> &str {
        LIBRARY
    }

    fn read_card(&mut self, timeout: Duration) -> Result<CardRead, IdentityError> {
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
        CardRead::parse(CardSource::SsCard, &out)
    }

    /// The driver has no call that works without a card: loading it is the test.
    fn ping(&mut self, _timeout: Duration) -> Result<String, IdentityError> {
        Ok(format!("{LIBRARY}：已加载（插卡后可测试读卡）"))
    }
}
