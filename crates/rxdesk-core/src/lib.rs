//! # rxdesk-core — the pure domain of a pharmacy prescription counter
//!
//! Everything here is plain data and rules: money with fixed decimal scales,
//! the national code tables, the prescription as the center describes it,
//! China Standard Time formatting as the protocol writes it, and the counter
//! itself — the visit state machine ([`visit`]), the named prescription rules
//! ([`rules`], [`layout_compare`]), dispensing ([`dispense`]), the settlement
//! split and its explanation ([`settlement`]), catalogue search
//! ([`catalogue`]), stock answers ([`stock`]) and the national code formats
//! ([`code_format`]). Every rule code and message is listed in
//! `docs/rules.md`. The crate does no I/O of any kind (no files, no network,
//! no clock reads except through values passed in), so every rule is tested
//! fast and exhaustively.
//!
//! **Architecture invariant:** this crate depends on no other RxDesk crate and
//! on no I/O library; other crates depend on it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalogue;
pub mod code_format;
pub mod codes;
pub mod dispense;
pub mod identity;
pub mod layout_compare;
pub mod money;
pub mod otc;
pub mod prescription;
pub mod rules;
pub mod settle_kind;
pub mod settlement;
pub mod stock;
pub mod text;
pub mod time;
pub mod visit;

#[cfg(test)]
mod testdata;

pub use money::{Amount, MoneyError, Price};
