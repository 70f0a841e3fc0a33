//! # rxdesk-wire — the center's messages, one owner per wire shape
//!
//! Why this crate exists: three places speak the national e-prescription
//! center's messages — the ledger, which builds every upload and stores it in
//! its outbox (`rxdesk-store`); the client, which sends them
//! (`rxdesk-center`); and the emulator, which parses them
//! (`rxdesk-center-sim`). Each message is defined here once, with its exact
//! wire names, so a field renamed on one side is renamed on all and a test
//! fails where the shapes would part (docs/decisions/0016-typed-uploads.md). The ledger may
//! not link the HTTP client to reach them, so they live below both.
//!
//! - [`messages`]: every typed business message (family-A snake_case names;
//!   family B maps them mechanically, `rxdesk_center::canonical`).
//! - [`upload`]: which messages are uploads the outbox queues, their `infno`,
//!   and parsing a stored upload back into its type.
//!
//! **Invariant:** pure data and serde; no I/O, no storage, no transport.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod messages;
pub mod upload;

pub use upload::{Upload, UploadMessage, UploadParseError};
