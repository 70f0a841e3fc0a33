//! Minimal raw DER walking and the OIDs RxDesk cares about.
//!
//! Signatures are checked over bytes **exactly as they appear in the input**
//! (TBSCertificate, TBSCertList, signed attributes), never over a
//! re-encoding, so a signer's non-canonical DER cannot make a valid
//! signature fail or an invalid one pass. This module finds those bytes.

use der::asn1::ObjectIdentifier;

/// One TLV: its tag byte, the value bytes and the whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The (single-byte) tag.
    pub tag: u8,
    /// The value (contents) bytes.
    pub value: &'a [u8],
    /// Tag + length + value.
    pub full: &'a [u8],
}

/// Why raw DER walking failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed DER: {0}")]
pub struct RawDerError(pub &'static str);

/// Read one definite-length TLV from the front of `input`; returns it and the rest.
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), RawDerError> {
    let (&tag, rest) = input.split_first().ok_or(RawDerError("empty input"))?;
    if tag & 0x1f == 0x1f {
        return Err(RawDerError("multi-byte tags not supported"));
    }
    let (&l0, rest) = rest.split_first().ok_or(RawDerError("missing length"))?;
    let (len, rest) = if l0 < 0x80 {
        (l0 as usize, rest)
    } else if l0 == 0x80 {
        return Err(RawDerError("indefinite length (BER) not supported"));
    } else {
        let n = (l0 & 0x7f) as usize;
        if n > 4 || rest.len() < n {
            return Err(RawDerError("bad long-form length"));
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | b as usize;
        }
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(RawDerError("length beyond end of input"));
    }
    let header_len = input.len() - rest.len();
    let full = &input[..header_len + len];
    Ok((
        Tlv {
            tag,
            value: &rest[..len],
            full,
        },
        &rest[len..],
    ))
}

/// Read a TLV and require its tag.
pub fn expect_tlv(input: &[u8], tag: u8) -> Result<(Tlv<'_>, &[u8]), RawDerError> {
    let (t, rest) = read_tlv(input)?;
    if t.tag != tag {
        return Err(RawDerError("unexpected tag"));
    }
    Ok((t, rest))
}

/// The first element (e.g. TBSCertificate) of an outer SEQUENCE, as raw bytes.
pub fn first_element_of_sequence(der: &[u8]) -> Result<&[u8], RawDerError> {
    let (outer, _) = expect_tlv(der, 0x30)?;
    let (first, _) = read_tlv(outer.value)?;
    Ok(first.full)
}

/// OIDs used across the crate.
pub mod oid {
    use super::ObjectIdentifier;
    /// SM2 curve / algorithm.
    pub const SM2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
    /// sm2sign (GB/T 35275 signature algorithm in SignerInfo).
    pub const SM2_SIGN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301.1");
    /// SM2-with-SM3 signature algorithm.
    pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
    /// SM3 digest.
    pub const SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
    /// id-ecPublicKey.
    pub const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    /// PKCS#7 data.
    pub const PKCS7_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
    /// PKCS#7 signedData.
    pub const PKCS7_SIGNED_DATA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
    /// GB/T 35275 data.
    pub const GM_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.1");
    /// GB/T 35275 signedData.
    pub const GM_SIGNED_DATA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.2");
    /// PKCS#9 contentType attribute.
    pub const ATTR_CONTENT_TYPE: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
    /// PKCS#9 messageDigest attribute.
    pub const ATTR_MESSAGE_DIGEST: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
    /// PKCS#9 signingTime attribute.
    pub const ATTR_SIGNING_TIME: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
    /// X.520 organizationIdentifier: where RxDesk's demo CA puts the institution code.
    pub const ORGANIZATION_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.97");
    /// X.520 serialNumber (fallback location of the institution code).
    pub const DN_SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
    /// CRL reason code entry extension.
    pub const CRL_REASON: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");
}

/// Converts a chrono time to an X.509 `Time` (UTCTime before 2050, else
/// GeneralizedTime); the error names the time that X.509 cannot encode.
pub fn x509_time(t: chrono::DateTime<chrono::Utc>) -> Result<x509_cert::time::Time, String> {
    use chrono::Datelike;
    use x509_cert::time::Time;
    let secs = u64::try_from(t.timestamp()).map_err(|_| t.to_rfc3339())?;
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|_| t.to_rfc3339())?;
    if t.year() < 2050 {
        der::asn1::UtcTime::from_date_time(dt)
            .map(Time::UtcTime)
            .map_err(|_| t.to_rfc3339())
    } else {
        Ok(Time::GeneralTime(
            der::asn1::GeneralizedTime::from_date_time(dt),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let (t, rest) = read_tlv(&[0x04, 0x02, 0xaa, 0xbb, 0x01]).unwrap();
        assert_eq!(
            (t.tag, t.value, rest),
            (0x04, &[0xaa, 0xbb][..], &[0x01][..])
        );
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(7u8, 0x80));
        let (t, _) = read_tlv(&long).unwrap();
        assert_eq!(t.value.len(), 0x80);
        assert_eq!(t.full.len(), 0x83);
        assert!(read_tlv(&[0x30, 0x80, 0, 0]).is_err());
        assert!(read_tlv(&[0x30, 0x05, 0]).is_err());
        assert!(read_tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics_and_stays_in_bounds(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok((t, rest)) = read_tlv(&data) {
                prop_assert_eq!(t.full.len() + rest.len(), data.len());
                prop_assert!(t.value.len() <= t.full.len());
            }
        }
    }
}
