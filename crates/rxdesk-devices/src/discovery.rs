//! What is attached: serial ports (with USB VID/PID), HID devices (POS
//! scanners flagged by usage page 0x8C), USB printer-class device files, and
//! which vendor libraries are installed — and, on demand for what the
//! operator picks in Settings, whether a library really loads and exports
//! its national symbols ([`probe_library`]) and whether a serial port
//! answers as a generic serial card reader ([`probe_serial_card_reader`]).
//! Ports are never probed unasked: writing to an unknown serial device (a
//! serial receipt printer) could make it print.

use crate::scan::hid::USAGE_PAGE_BARCODE_SCANNER;
use crate::vendor::worker::platform_file_name;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A serial port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SerialPortEntry {
    /// `/dev/ttyACM0`, `COM3`.
    pub path: String,
    /// `usb`, `pci`, `bluetooth` or `unknown`.
    pub kind: String,
    /// USB vendor ID.
    pub vid: Option<u16>,
    /// USB product ID.
    pub pid: Option<u16>,
    /// Manufacturer string.
    pub manufacturer: Option<String>,
    /// Product string.
    pub product: Option<String>,
    /// Serial number.
    pub serial_number: Option<String>,
}

/// A HID device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HidEntry {
    /// Platform path (hidraw node on Linux).
    pub path: String,
    /// Vendor ID.
    pub vid: u16,
    /// Product ID.
    pub pid: u16,
    /// HID usage page.
    pub usage_page: u16,
    /// HID usage.
    pub usage: u16,
    /// Manufacturer string.
    pub manufacturer: Option<String>,
    /// Product string.
    pub product: Option<String>,
    /// Usage page 0x8C: a HID POS bar-code scanner.
    pub pos_scanner: bool,
}

/// A vendor library and whether it loads from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LibraryEntry {
    /// `HeaSecReadInfo`, `SSCardDriver`, `NationECCode`.
    pub name: String,
    /// Where it was found, when it was.
    pub path: Option<PathBuf>,
    /// 已安装 / 未安装.
    pub status_zh: String,
    /// Found (`status_zh` as a flag, what a window in another language words).
    pub installed: bool,
}

/// Everything discovered.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    /// Serial ports.
    pub serial_ports: Vec<SerialPortEntry>,
    /// HID devices.
    pub hid_devices: Vec<HidEntry>,
    /// `/dev/usb/lp*`.
    pub printer_files: Vec<PathBuf>,
    /// Vendor libraries.
    pub libraries: Vec<LibraryEntry>,
    /// Problems met while listing (each source is independent).
    pub problems: Vec<String>,
}

/// Lists serial ports.
pub fn serial_ports() -> Result<Vec<SerialPortEntry>, String> {
    let ports = serialport::available_ports().map_err(|e| e.to_string())?;
    Ok(ports
        .into_iter()
        .map(|p| {
            let mut e = SerialPortEntry {
                path: p.port_name,
                kind: "unknown".into(),
                vid: None,
                pid: None,
                manufacturer: None,
                product: None,
                serial_number: None,
            };
            match p.port_type {
                serialport::SerialPortType::UsbPort(u) => {
                    e.kind = "usb".into();
                    e.vid = Some(u.vid);
                    e.pid = Some(u.pid);
                    e.manufacturer = u.manufacturer;
                    e.product = u.product;
                    e.serial_number = u.serial_number;
                }
                serialport::SerialPortType::PciPort => e.kind = "pci".into(),
                serialport::SerialPortType::BluetoothPort => e.kind = "bluetooth".into(),
                serialport::SerialPortType::Unknown => {}
            }
            e
        })
        .collect())
}

/// Lists HID devices.
pub fn hid_devices() -> Result<Vec<HidEntry>, String> {
    let api = hidapi::HidApi::new().map_err(|e| e.to_string())?;
    Ok(api
        .device_list()
        .map(|d| HidEntry {
            path: d.path().to_string_lossy().into_owned(),
            vid: d.vendor_id(),
            pid: d.product_id(),
            usage_page: d.usage_page(),
            usage: d.usage(),
            manufacturer: d.manufacturer_string().map(str::to_string),
            product: d.product_string().map(str::to_string),
            pos_scanner: d.usage_page() == USAGE_PAGE_BARCODE_SCANNER,
        })
        .collect())
}

/// USB printer-class device files (`/dev/usb/lp*`, Linux).
pub fn printer_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("/dev/usb")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("lp"))
        })
        .collect();
    v.sort();
    v
}

/// Finds a vendor library: the configured path, else the platform file name
/// in `search_dirs` and the loader's usual directories.
pub fn find_library(
    name: &str,
    configured: Option<&Path>,
    search_dirs: &[PathBuf],
) -> LibraryEntry {
    let file = platform_file_name(name);
    let mut candidates: Vec<PathBuf> = configured.map(Path::to_path_buf).into_iter().collect();
    candidates.extend(search_dirs.iter().map(|d| d.join(&file)));
    if let Some(ld) = std::env::var_os("LD_LIBRARY_PATH") {
        candidates.extend(std::env::split_paths(&ld).map(|d| d.join(&file)));
    }
    for d in [
        "/usr/local/lib",
        "/usr/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/opt/nhsa/lib",
    ] {
        candidates.push(Path::new(d).join(&file));
    }
    let found = candidates.into_iter().find(|p| p.is_file());
    LibraryEntry {
        name: name.to_string(),
        status_zh: if found.is_some() {
            "已安装"
        } else {
            "未安装"
        }
        .to_string(),
        installed: found.is_some(),
        path: found,
    }
}

/// The C symbols each national library must export.
pub fn expected_symbols(library: &str) -> &'static [&'static str] {
    match library {
        "HeaSecReadInfo" => &["Init", "ReadCardBas", "ReadSFZ"],
        "SSCardDriver" => &["iReadCardBas"],
        "NationECCode" => &["NationEcTrans"],
        _ => &[],
    }
}

/// What loading a library showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibraryProbe {
    /// The library.
    pub name: String,
    /// It loaded.
    pub loads: bool,
    /// Expected symbols it lacks (a wrong version or another product).
    pub missing_symbols: Vec<String>,
    /// zh-CN summary.
    pub message_zh: String,
}

/// Loads `name` (from `path`) on a vendor thread and checks its symbols.
/// Loading runs the library's initialisers: call it when the operator asks.
pub fn probe_library(name: &str, path: Option<&Path>) -> LibraryProbe {
    use crate::vendor::VendorThread;
    let timeout = std::time::Duration::from_secs(10);
    let symbols: Vec<&'static str> = expected_symbols(name).to_vec();
    let result = VendorThread::load(name, path, timeout).and_then(|v| {
        v.call(timeout, move |lib| {
            symbols
                .into_iter()
                .filter(|s| !crate::vendor::ffi::has_symbol(lib, s))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
    });
    match result {
        Ok(missing) if missing.is_empty() => LibraryProbe {
            name: name.into(),
            loads: true,
            message_zh: format!("{name} 已加载，接口齐全"),
            missing_symbols: missing,
        },
        Ok(missing) => LibraryProbe {
            name: name.into(),
            loads: true,
            message_zh: format!("{name} 缺少接口 {}，版本不符", missing.join("、")),
            missing_symbols: missing,
        },
        Err(e) => LibraryProbe {
            name: name.into(),
            loads: false,
            missing_symbols: Vec::new(),
            message_zh: e.message_zh(),
        },
    }
}

/// Asks the serial port `path` whether a generic serial card reader is
/// there (`P` → `p`): its model text.
pub fn probe_serial_card_reader(
    path: &str,
    baud: u32,
    timeout: std::time::Duration,
) -> Result<String, crate::identity::IdentityError> {
    use crate::card::CardReader;
    crate::card::serial::SerialCardReader::open(path, baud)?.ping(timeout)
}

/// Lists everything. Never fails: a source that cannot be listed is a problem entry.
pub fn inventory(library_dirs: &[PathBuf]) -> Inventory {
    let mut problems = Vec::new();
    let serial_ports = serial_ports().unwrap_or_else(|e| {
        problems.push(format!("串口列表失败 serial: {e}"));
        Vec::new()
    });
    let hid_devices = hid_devices().unwrap_or_else(|e| {
        problems.push(format!("HID 列表失败 hid: {e}"));
        Vec::new()
    });
    let libraries = [
        crate::card::heasec::LIBRARY,
        crate::card::sscard::LIBRARY,
        crate::face::nationec::LIBRARY,
    ]
    .iter()
    .map(|n| find_library(n, None, library_dirs))
    .collect();
    Inventory {
        serial_ports,
        hid_devices,
        printer_files: printer_files(),
        libraries,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_lists_a_pty_free_machine_without_failing() {
        let inv = inventory(&[]);
        // this sandbox has no HID devices and no vendor libraries
        assert_eq!(inv.libraries.len(), 3);
        assert!(inv
            .libraries
            .iter()
            .all(|l| l.status_zh == "未安装" || l.path.is_some()));
        assert!(inv.problems.is_empty(), "{:?}", inv.problems);
    }

    #[test]
    fn finds_a_configured_library() {
        let dir = std::env::temp_dir().join(format!("rxdesk-find-lib-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join(platform_file_name("NationECCode"));
        std::fs::write(&f, b"x").unwrap();
        let e = find_library("NationECCode", None, std::slice::from_ref(&dir));
        assert_eq!(e.path.as_deref(), Some(f.as_path()));
        assert_eq!(e.status_zh, "已安装");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
