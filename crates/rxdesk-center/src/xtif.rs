//! Family-A gateway headers (docs/reference/wire-protocol.md §2.1): `x-tif-signature` =
//! lowercase hex SHA-256 of `timestamp + secretKey + nonce + timestamp`.

use sha2::{Digest, Sha256};

/// Header names.
pub const PAASID: &str = "x-tif-paasid";
/// Unix seconds.
pub const TIMESTAMP: &str = "x-tif-timestamp";
/// Random string.
pub const NONCE: &str = "x-tif-nonce";
/// The signature.
pub const SIGNATURE: &str = "x-tif-signature";

/// Compute `x-tif-signature`.
pub fn signature(timestamp: &str, secret: &str, nonce: &str) -> String {
    let mut h = Sha256::new();
    h.update(timestamp.as_bytes());
    h.update(secret.as_bytes());
    h.update(nonce.as_bytes());
    h.update(timestamp.as_bytes());
    hex::encode(h.finalize())
}

/// Constant-shape comparison of a received signature.
pub fn verify(timestamp: &str, secret: &str, nonce: &str, received: &str) -> bool {
    let expect = signature(timestamp, secret, nonce);
    let r = received.trim().to_ascii_lowercase();
    expect.len() == r.len()
        && expect
            .bytes()
            .zip(r.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn protocol_3_7_vector() {
        let s = super::signature("1700000000", "SYNTHETICPAASSECRET", "8a2b3c");
        assert_eq!(
            s,
            "1e518df494a9e4558170b00ff32ae9ab83c0160f97cec0945caf3311ae9cabbd"
        );
        assert!(super::verify(
            "1700000000",
            "SYNTHETICPAASSECRET",
            "8a2b3c",
            &s.to_uppercase()
        ));
        assert!(!super::verify(
            "1700000001",
            "SYNTHETICPAASSECRET",
            "8a2b3c",
            &s
        ));
    }
}
