//! # rxdesk-devices — counter hardware behind a few traits
//!
//! One trait per device class — [`identity::IdentityReader`] (e-voucher,
//! social-security card, ID card, face), [`scan::CodeScanner`],
//! [`printer::ReceiptPrinter`] — drivers for serial, HID, USB-lp, TCP 9100
//! and run-time loaded vendor libraries, and (cargo feature `demo` only) simulators that the demo mode
//! and tests drive through the same driver code paths.
//!
//! **Architecture invariant:** parsing of frames and records is pure and
//! separated from transports, so each is tested alone. Calls into vendor
//! libraries are the only `unsafe` code, all in [`vendor::ffi`].
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod card;
pub mod discovery;
pub mod face;
pub mod identity;
pub mod printer;
pub mod scan;
pub mod settings;
#[cfg(feature = "demo")]
pub mod sim;
pub mod status;
pub mod vendor;
