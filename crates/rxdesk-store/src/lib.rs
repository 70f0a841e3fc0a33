//! # rxdesk-store — the local ledger and the transactional outbox
//!
//! SQLite (rusqlite, bundled) holding operators, catalogue and stock,
//! prescriptions as downloaded, verdicts, audits, sales, settlements, refunds
//! and the upload outbox. Every state change that must reach the center writes
//! its outbox row in the same transaction as the change.
//!
//! **Architecture invariant:** the only crate that opens the database.
#![forbid(unsafe_code)]
