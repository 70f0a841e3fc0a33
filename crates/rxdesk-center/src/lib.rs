//! # rxdesk-center — client for the national e-prescription center
//!
//! Typed messages for both wire families (family A: the classic gateway
//! envelope with `infno`/`msgid` and x-tif headers; family B: the SM4-encrypted,
//! SM2-signed direct e-prescription envelope), the [`PrescriptionCenter`]
//! trait over the business operations, per-province profiles, and failure
//! classification ([`CenterError`]: `Rejected` / `Transient` / `Uncertain`).
//!
//! **Architecture invariant:** knows nothing about SQLite, devices or the UI;
//! the outbox in `rxdesk-store` decides when to call it. All crypto goes
//! through `rxdesk-gm`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod canonical;
pub mod client;
pub mod envelope_a;
pub mod envelope_b;
pub mod error;
/// The typed messages: defined once in `rxdesk-wire` (docs/decisions/0016-typed-uploads.md),
/// shared with the ledger's outbox and the emulator.
pub use rxdesk_wire::messages;
/// Which messages are uploads, their `infno`, parsing a stored upload (`rxdesk-wire`).
pub use rxdesk_wire::upload;
pub mod msgid;
pub mod profile;
pub mod xtif;

pub use client::{AOutcome, CenterClient, Ctx, DownloadKey, Operator, PrescriptionCenter};
pub use error::CenterError;
pub use msgid::{IdRole, MsgIdGenerator};
pub use profile::{CenterProfile, EpcOp, Family};
