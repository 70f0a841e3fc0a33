//! HID POS scanner driver (USB HID usage page 0x8C, "Bar Code Scanner").
//!
//! Unlike keyboard-wedge mode the data arrives as raw bytes in input
//! reports, so GS (0x1D) and non-US layouts survive. Report layout used by
//! the common vendors' "HID POS" mode (Honeywell/Zebra/Newland family; the
//! exact report size varies and is read from the report itself):
//!
//! | byte | meaning |
//! |---|---|
//! | 0 | report ID (0x02 = scanned data) |
//! | 1 | number of data bytes `n` in this report |
//! | 2..5 | AIM symbology identifier without `]` (e.g. `d2 ` / `Q1 `), zero if absent |
//! | 5..5+n | data |
//! | last | bit 0 set: more data follows in the next report |
//!
//! Parsing is pure ([`HidReportAssembler`]); [`HidScanner`] adds hidapi I/O.

use super::classify::{classify_bytes, Scan, ScanError};
use super::CodeScanner;
use std::time::{Duration, Instant};

/// HID usage page of POS bar-code scanners.
pub const USAGE_PAGE_BARCODE_SCANNER: u16 = 0x8C;
/// Report ID of a scanned-data report.
pub const REPORT_SCANNED_DATA: u8 = 0x02;

/// Joins scanned-data reports into scans (pure).
#[derive(Debug, Default)]
pub struct HidReportAssembler {
    symbology: Option<[u8; 2]>,
    data: Vec<u8>,
}

impl HidReportAssembler {
    /// Feeds one input report; returns a scan when the last chunk arrived.
    pub fn push(&mut self, report: &[u8]) -> Option<Result<Scan, ScanError>> {
        if report.first() != Some(&REPORT_SCANNED_DATA) {
            return None; // status or other reports
        }
        if report.len() < 6 {
            self.data.clear();
            return Some(Err(ScanError::Garbled));
        }
        let n = usize::from(report[1]);
        let end = 5 + n;
        if end >= report.len() {
            self.data.clear();
            return Some(Err(ScanError::Garbled));
        }
        if report[2] != 0 && report[3] != 0 {
            self.symbology = Some([report[2], report[3]]);
        }
        self.data.extend_from_slice(&report[5..end]);
        if self.data.len() > super::classify::MAX_SCAN_LEN {
            self.data.clear();
            return Some(Err(ScanError::TooLong));
        }
        let more = report[report.len() - 1] & 1 == 1;
        if more {
            return None;
        }
        let mut raw = Vec::with_capacity(self.data.len() + 3);
        if let Some([a, b]) = self.symbology.take() {
            raw.push(b']');
            raw.extend_from_slice(&[a, b]);
        }
        raw.append(&mut self.data);
        Some(classify_bytes(&raw))
    }

    /// A report sequence was cut off (device quiet mid-scan).
    pub fn idle(&mut self) -> Option<ScanError> {
        if self.data.is_empty() {
            None
        } else {
            let n = self.data.len();
            self.data.clear();
            self.symbology = None;
            Some(ScanError::Incomplete(n))
        }
    }
}

/// A HID POS scanner opened through hidapi.
pub struct HidScanner {
    name: String,
    device: hidapi::HidDevice,
    reports: HidReportAssembler,
}

impl HidScanner {
    /// Opens the first device with this VID/PID.
    pub fn open(api: &hidapi::HidApi, vid: u16, pid: u16) -> Result<Self, ScanError> {
        let device = api
            .open(vid, pid)
            .map_err(|e| ScanError::Io(format!("HID {vid:04x}:{pid:04x}: {e}")))?;
        Ok(HidScanner {
            name: format!("HID {vid:04x}:{pid:04x}"),
            device,
            reports: HidReportAssembler::default(),
        })
    }
}

impl HidScanner {
    /// Opens a device by its platform path (from discovery; stable when
    /// several identical scanners are attached).
    pub fn open_path(api: &hidapi::HidApi, path: &std::ffi::CStr) -> Result<Self, ScanError> {
        let device = api
            .open_path(path)
            .map_err(|e| ScanError::Io(format!("HID {}: {e}", path.to_string_lossy())))?;
        Ok(HidScanner {
            name: format!("HID {}", path.to_string_lossy()),
            device,
            reports: HidReportAssembler::default(),
        })
    }
}

impl CodeScanner for HidScanner {
    fn name(&self) -> &str {
        &self.name
    }

    fn next_scan(&mut self, timeout: Duration) -> Result<Option<Scan>, ScanError> {
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 64];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = left.min(super::serial::INTER_BYTE_TIMEOUT);
            let n = self
                .device
                .read_timeout(&mut buf, wait.as_millis() as i32)
                .map_err(|_| ScanError::Disconnected)?;
            if n == 0 {
                if let Some(e) = self.reports.idle() {
                    return Err(e);
                }
                if left.is_zero() {
                    return Ok(None);
                }
                continue;
            }
            if let Some(r) = self.reports.push(&buf[..n]) {
                return r.map(Some);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::ScanKind;

    fn report(sym: &[u8; 3], data: &[u8], more: bool) -> Vec<u8> {
        let mut r = vec![REPORT_SCANNED_DATA, data.len() as u8];
        r.extend_from_slice(sym);
        r.extend_from_slice(data);
        r.resize(63, 0);
        r.push(u8::from(more));
        r
    }

    #[test]
    fn joins_chunks_and_keeps_gs() {
        let mut a = HidReportAssembler::default();
        assert!(a
            .push(&report(b"d2\0", b"0106901234567892172612", true))
            .is_none());
        let scan = a
            .push(&report(b"d2\0", b"311012AB\x1d21SN0001", false))
            .unwrap()
            .unwrap();
        assert_eq!(scan.symbology.as_deref(), Some("]d2"));
        match scan.kind {
            ScanKind::Gs1(g) => assert_eq!(g.lot(), Some("12AB")),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn bad_reports_are_errors_not_panics() {
        let mut a = HidReportAssembler::default();
        assert_eq!(
            a.push(&[2, 200, 0, 0, 0, 1, 0]),
            Some(Err(ScanError::Garbled))
        );
        assert_eq!(a.push(&[2]), Some(Err(ScanError::Garbled)));
        assert!(a.push(&[1, 2, 3]).is_none());
        assert!(a.push(&report(b"\0\0\0", b"123", true)).is_none());
        assert_eq!(a.idle(), Some(ScanError::Incomplete(3)));
    }
}
