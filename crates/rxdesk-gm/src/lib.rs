//! # rxdesk-gm — 国密 crypto and local prescription-signature verification
//!
//! SM2/SM3/SM4 primitives behind one small module (so the underlying crate
//! can be swapped), SM2 X.509 certificate chains and CRLs against the
//! configured 医保 CA trust store, detached CMS SignedData, signed PDF
//! `/ByteRange` signatures, and the prescription verifier that alone may
//! construct `Verified<Prescription>`.
//!
//! **Architecture invariant:** no network or database access here except the
//! CRL fetcher behind a trait; verification is a pure function of its inputs
//! and the time passed in.
#![forbid(unsafe_code)]

pub mod asn1;
pub mod cert;
pub mod cms;
pub mod crl;
pub mod download;
pub mod issue;
pub mod pdf;
pub mod primitives;

pub use download::{DownloadedDrugLine, DownloadedPrescription, SignFields};
pub use primitives::{
    CryptoError, PrivateKey, PublicKey, Signature, SignatureEncoding, DEFAULT_USER_ID,
};
