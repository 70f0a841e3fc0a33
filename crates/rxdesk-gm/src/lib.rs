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
//!
//! ## Public API by module
//! - [`primitives`] — the only module that calls the crypto crates:
//!   [`primitives::sm3`], [`primitives::hmac_sm3`], `sm4_{ecb,cbc}_{encrypt,decrypt}`
//!   (PKCS#7), [`PrivateKey`] / [`PublicKey`] (PEM, PKCS#8/SPKI DER, hex/Base64 of
//!   `d`, `04‖X‖Y`, `X‖Y`), `sign(msg, user_id)` / `verify(msg, sig, user_id)`,
//!   [`Signature`] raw `r‖s` or DER, [`DEFAULT_USER_ID`].
//! - [`cert`] — [`cert::Certificate`] (subject/issuer DN, serial, validity, key
//!   usage, CRL distribution points, institution code from `organizationIdentifier`
//!   2.5.4.97 or `serialNumber`), `verify_issued_by`.
//! - [`crl`] — [`crl::Crl`]: signature check, `find(serial)` by integer, staleness.
//! - [`trust`] — [`trust::TrustStore`] (roots/intermediates from a directory,
//!   `build_chain`), [`trust::CrlStore`] (files + [`trust::CrlFetcher`] /
//!   [`trust::HttpCrlFetcher`], cached until nextUpdate), [`trust::RevocationStatus`].
//! - [`cache`] — [`cache::VerifiedCache`]: bounded memory of chain-link and CRL
//!   signatures that verified (by DER hash), owned by the two stores.
//! - [`cms`] — [`cms::sign_detached`] / [`cms::verify_detached`] (GB/T 35275 and
//!   PKCS#7 OIDs).
//! - [`pdf`] — [`pdf::sign_pdf`] (incremental update) / [`pdf::verify_pdf`],
//!   [`pdf::simple_pdf`] for demos.
//! - `issue` (cargo feature `demo` only: the emulator, tests and the demo build) — DEMO CA: [`issue::Issuer`] (roots, intermediates, institution
//!   certificates, CRLs), [`issue::DemoPki`] (every test case at run time),
//!   [`issue::sign_prescription`] (what the center emulator serves).
//! - [`download`] — [`DownloadedPrescription`] (the download JSON, camelCase) and
//!   `originalValue` of the 20 sign fields ([`SignFields`]).
//! - [`verify`] — [`verify::Verifier`]: `verify_prescription` →
//!   [`verify::Verified`]`<DownloadedPrescription>` (→ `Verified<Prescription>`) or a
//!   [`verify::Rejection`] with a [`verify::RejectReason`]; `verify_detached` for any file.
#![forbid(unsafe_code)]

pub mod asn1;
pub mod b64;
pub mod cache;
pub mod cert;
pub mod cms;
pub mod crl;
pub mod download;
#[cfg(feature = "demo")]
pub mod issue;
pub mod pdf;
pub mod primitives;
pub mod trust;
pub mod verify;

pub use download::{DownloadedDrugLine, DownloadedPrescription, SignFields};
pub use primitives::{
    CryptoError, PrivateKey, PublicKey, Signature, SignatureEncoding, DEFAULT_USER_ID,
};
