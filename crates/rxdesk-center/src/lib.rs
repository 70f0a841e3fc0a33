//! # rxdesk-center — client for the national e-prescription center
//!
//! Typed messages for both wire families (family A: the classic gateway
//! envelope with `infno`/`msgid` and x-tif headers; family B: the SM4-encrypted,
//! SM2-signed direct e-prescription envelope), the `PrescriptionCenter` trait
//! over the business operations, per-province profiles, and failure
//! classification (`Rejected` / `Transient` / `Uncertain`).
//!
//! **Architecture invariant:** knows nothing about SQLite, devices or the UI;
//! the outbox in `rxdesk-store` decides when to call it.
#![forbid(unsafe_code)]
