//! Device settings as they live in the app config (serde, TOML/JSON-friendly).

use crate::face::nationec::EcContext;
use crate::printer::escpos::PaperWidth;
use crate::printer::PrinterLink;
use crate::scan::wedge::WedgeOptions;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How the counter scanner is attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ScannerSettings {
    /// USB-serial / virtual COM (preferred).
    Serial {
        /// Port path (a stable `/dev/serial/by-id/…` link survives replugging).
        path: String,
        /// Baud rate (9600 for most).
        #[serde(default = "default_baud")]
        baud: u32,
    },
    /// HID POS mode.
    Hid {
        /// Vendor ID.
        vid: u16,
        /// Product ID.
        pid: u16,
    },
    /// Keyboard wedge: captured by the UI's burst classifier.
    Wedge(WedgeOptions),
}

fn default_baud() -> u32 {
    9600
}

/// The receipt printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrinterSettings {
    /// Where it is.
    pub link: PrinterLink,
    /// Roll width.
    #[serde(default)]
    pub width: PaperWidth,
    /// Kick the cash drawer after a cash sale.
    #[serde(default)]
    pub cash_drawer: bool,
    /// Timeout for connect / write / status, ms.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn default_timeout() -> u64 {
    3000
}

/// Which card library the province mandates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "library", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CardReaderSettings {
    /// `HeaSecReadInfo`.
    HeaSec {
        /// Library file; `None` = search the usual places.
        path: Option<PathBuf>,
        /// The `Init` JSON (reader port, service address).
        init_json: String,
    },
    /// `SSCardDriver`.
    SsCard {
        /// Library file.
        path: Option<PathBuf>,
        /// `iType` (1 contact, 2 contactless, 3 either).
        #[serde(default = "default_itype")]
        itype: i32,
    },
    /// The generic serial card reader (docs/devices.md).
    Serial {
        /// `/dev/ttyUSB0`, `/dev/serial/by-id/…`, `COM4`.
        path: String,
        /// Baud rate (8N1).
        #[serde(default = "default_card_baud")]
        baud: u32,
    },
}

fn default_card_baud() -> u32 {
    115_200
}

fn default_itype() -> i32 {
    3
}

/// The national e-voucher library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NationEcSettings {
    /// Library file; `None` = search the usual places.
    pub path: Option<PathBuf>,
    /// The provincial `localQrCodeQuery` URL.
    pub url: String,
    /// Org/operator fields sent with each call.
    pub context: EcContext,
    /// A face terminal is attached.
    #[serde(default)]
    pub face_terminal: bool,
    /// Who decodes a scanned e-voucher QR (the province's profile decides).
    #[serde(default)]
    pub qr_decode: QrDecode,
    /// The province wants `iot.medical.settle.notify` after a settlement
    /// identified by face.
    #[serde(default)]
    pub settle_notify: bool,
}

/// Who turns a scanned e-voucher QR into the `ecToken` the center queries with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum QrDecode {
    /// `NationECCode` `ec.query` at the counter (the SDK decodes it).
    #[default]
    Sdk,
    /// The scanned text is the token; the center decodes it.
    Center,
}

/// All counter devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceSettings {
    /// Scanner, if any.
    #[serde(default)]
    pub scanner: Option<ScannerSettings>,
    /// Printer, if any.
    #[serde(default)]
    pub printer: Option<PrinterSettings>,
    /// Card reader library, if any.
    #[serde(default)]
    pub card_reader: Option<CardReaderSettings>,
    /// NationECCode, if installed.
    #[serde(default)]
    pub nation_ec: Option<NationEcSettings>,
    /// Extra directories searched for vendor libraries.
    #[serde(default)]
    pub library_dirs: Vec<PathBuf>,
}

/// Opens the configured scanner. A keyboard-wedge scanner is captured by
/// the UI, not here: `Ok(None)`.
pub fn open_scanner(
    s: &ScannerSettings,
) -> Result<Option<Box<dyn crate::scan::CodeScanner>>, crate::scan::ScanError> {
    use crate::scan::{hid::HidScanner, serial::SerialScanner, ScanError};
    Ok(match s {
        ScannerSettings::Serial { path, baud } => Some(Box::new(SerialScanner::open(path, *baud)?)),
        ScannerSettings::Hid { vid, pid } => {
            let api = hidapi::HidApi::new().map_err(|e| ScanError::Io(e.to_string()))?;
            Some(Box::new(HidScanner::open(&api, *vid, *pid)?))
        }
        ScannerSettings::Wedge(_) => None,
    })
}

/// The configured printer (connects on first use).
pub fn open_printer(s: &PrinterSettings) -> crate::printer::EscPosPrinter {
    crate::printer::EscPosPrinter::new(
        s.link.clone(),
        std::time::Duration::from_millis(s.timeout_ms.max(100)),
    )
}

/// The configured card reader; an absent library is `NotInstalled`.
pub fn open_card_reader(
    s: &CardReaderSettings,
) -> Result<Box<dyn crate::identity::IdentityReader>, crate::identity::IdentityError> {
    use crate::card::heasec::{HeaSecCard, HeaSecReader};
    use crate::card::sscard::SsCardReader;
    Ok(match s {
        CardReaderSettings::HeaSec { path, init_json } => Box::new(HeaSecReader::open(
            path.as_deref(),
            init_json,
            HeaSecCard::SocialSecurity,
        )?),
        CardReaderSettings::SsCard { path, itype } => {
            Box::new(SsCardReader::open(path.as_deref(), *itype)?)
        }
        CardReaderSettings::Serial { path, baud } => {
            Box::new(crate::card::serial::SerialCardReader::open(path, *baud)?)
        }
    })
}

/// The social-security card reader as a [`crate::card::CardReader`].
pub fn open_card(
    s: &CardReaderSettings,
) -> Result<Box<dyn crate::card::CardReader>, crate::identity::IdentityError> {
    use crate::card::heasec::{HeaSecCard, HeaSecReader};
    use crate::card::sscard::SsCardReader;
    Ok(match s {
        CardReaderSettings::HeaSec { path, init_json } => Box::new(HeaSecReader::open(
            path.as_deref(),
            init_json,
            HeaSecCard::SocialSecurity,
        )?),
        CardReaderSettings::SsCard { path, itype } => {
            Box::new(SsCardReader::open(path.as_deref(), *itype)?)
        }
        CardReaderSettings::Serial { path, baud } => {
            Box::new(crate::card::serial::SerialCardReader::open(path, *baud)?)
        }
    })
}

/// The app's card reader handle ([`crate::api::CardReaderDevice`]): opened
/// on first use and reopened after a loss; status on `board`.
pub fn card_reader_device(
    s: &CardReaderSettings,
    board: crate::status::StatusBoard,
) -> crate::api::CardReaderDevice {
    let name = match s {
        CardReaderSettings::HeaSec { .. } => crate::card::heasec::LIBRARY.to_string(),
        CardReaderSettings::SsCard { .. } => crate::card::sscard::LIBRARY.to_string(),
        // The port, like a serial scanner's: the kind (读卡器) is said beside it in the window's language.
        CardReaderSettings::Serial { path, .. } => path.clone(),
    };
    let s = s.clone();
    crate::api::CardReaderDevice::new(&name, Box::new(move || open_card(&s)), board)
}

/// The configured NationECCode library; an absent library is `NotInstalled`.
pub fn open_nation_ec(
    s: &NationEcSettings,
) -> Result<crate::face::nationec::NationEc, crate::identity::IdentityError> {
    crate::face::nationec::NationEc::open(s.path.as_deref(), &s.url, s.context.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_from_settings() {
        use crate::identity::IdentityError;
        let wedge = ScannerSettings::Wedge(WedgeOptions::default());
        assert!(open_scanner(&wedge).unwrap().is_none());
        let gone = ScannerSettings::Serial {
            path: "/nonexistent/ttyACM9".into(),
            baud: 9600,
        };
        assert!(open_scanner(&gone).is_err());
        let card = CardReaderSettings::SsCard {
            path: Some("/nonexistent/libSSCardDriver.so".into()),
            itype: 3,
        };
        assert_eq!(
            open_card_reader(&card).err(),
            Some(IdentityError::NotInstalled("SSCardDriver".into()))
        );
        let serial: CardReaderSettings =
            serde_json::from_str(r#"{"library":"serial","path":"/nonexistent/ttyUSB9"}"#).unwrap();
        assert_eq!(
            serial,
            CardReaderSettings::Serial {
                path: "/nonexistent/ttyUSB9".into(),
                baud: 115_200
            }
        );
        assert_eq!(
            open_card(&serial).err(),
            Some(IdentityError::Disconnected(
                "串口读卡器 /nonexistent/ttyUSB9".into()
            ))
        );
    }

    #[test]
    fn settings_round_trip_and_defaults() {
        let s: DeviceSettings = serde_json::from_str(
            r#"{"scanner":{"kind":"serial","path":"/dev/serial/by-id/usb-Honeywell-if00"},
                "printer":{"link":{"kind":"tcp","addr":"192.168.1.50:9100"},"width":"58mm"},
                "card_reader":{"library":"hea_sec","path":null,"init_json":"{}"}}"#,
        )
        .unwrap();
        assert_eq!(
            s.scanner,
            Some(ScannerSettings::Serial {
                path: "/dev/serial/by-id/usb-Honeywell-if00".into(),
                baud: 9600
            })
        );
        let p = s.printer.as_ref().unwrap();
        assert_eq!(
            (p.width, p.timeout_ms, p.cash_drawer),
            (PaperWidth::Mm58, 3000, false)
        );
        let back: DeviceSettings =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert_eq!(DeviceSettings::default().scanner, None);
        let w: ScannerSettings =
            serde_json::from_str(r#"{"kind":"wedge","max_gap_ms":40,"min_length":6}"#).unwrap();
        assert_eq!(
            w,
            ScannerSettings::Wedge(WedgeOptions {
                max_gap_ms: 40,
                min_length: 6
            })
        );
    }
}
