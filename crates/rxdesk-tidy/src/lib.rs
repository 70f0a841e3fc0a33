//! The house rules of the RxDesk repository, kept as tests in `tests/tidy.rs`
//! (in the manner of rust-analyzer's `tidy`): every source file says why it
//! exists, crate dependencies point the way ARCHITECTURE.md draws them, and
//! every document the code cites is in the repository. This crate has no code
//! of its own; `cargo test -p rxdesk-tidy` runs the checks, and so does
//! `cargo test --workspace` in `scripts/test`.
#![forbid(unsafe_code)]
