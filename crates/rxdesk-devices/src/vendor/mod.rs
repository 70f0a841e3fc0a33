//! Vendor libraries loaded at run time (`libloading`): the FFI boundary and
//! the dedicated-thread runner. The adapters live with their device class:
//! [`crate::card::heasec`], [`crate::card::sscard`], [`crate::face::nationec`].

pub mod ffi;
pub mod worker;

pub use worker::VendorThread;
