//! # rxdesk-devices — counter hardware behind a few traits
//!
//! One trait per device class (identity readers, code scanners, receipt
//! printers), drivers for serial, HID, USB-lp, TCP 9100 and run-time loaded
//! vendor libraries, and simulators that the demo mode and tests drive through
//! the same driver code paths.
//!
//! **Architecture invariant:** parsing of frames and records is pure and
//! separated from transports, so each is tested alone.
#![forbid(unsafe_code)]
