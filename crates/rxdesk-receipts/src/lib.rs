//! # rxdesk-receipts — what the patient takes home
//!
//! ESC/POS receipts (GB18030 text, QR, cut) and the PDF medication guidance
//! (ST-EPC-02-012) with an embedded CJK font subset.
//!
//! **Architecture invariant:** renders bytes from domain values; talks to no
//! device itself (printers live in `rxdesk-devices`).
#![forbid(unsafe_code)]
