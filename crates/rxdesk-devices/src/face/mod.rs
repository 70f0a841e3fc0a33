//! E-voucher and face terminals through the national `NationECCode` library.

pub mod nationec;
