//! Money as the protocol writes it: amounts are `numeric(16,2)`, unit prices
//! `numeric(16,6)`. Never `f64`: a rounding error on a settlement is a
//! reconciliation difference the pharmacy has to explain to the regulator.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Largest integer part allowed by `numeric(16, s)` is 16 - s digits.
const AMOUNT_SCALE: u32 = 2;
const PRICE_SCALE: u32 = 6;

/// Why a decimal could not become an [`Amount`] or [`Price`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The text is not a decimal number.
    #[error("not a decimal number: {0:?}")]
    NotANumber(String),
    /// More fractional digits than the wire format allows.
    #[error("{value} has more than {scale} decimal places")]
    TooPrecise {
        /// The offending value.
        value: String,
        /// The allowed scale.
        scale: u32,
    },
    /// Too many integer digits for `numeric(16, scale)`.
    #[error("{value} does not fit numeric(16,{scale})")]
    TooLarge {
        /// The offending value.
        value: String,
        /// The allowed scale.
        scale: u32,
    },
    /// Money in this context must not be negative.
    #[error("negative amount {0} where only non-negative amounts are allowed")]
    Negative(String),
}

fn check(d: Decimal, scale: u32) -> Result<Decimal, MoneyError> {
    let normalized = d.normalize();
    if normalized.scale() > scale {
        return Err(MoneyError::TooPrecise {
            value: d.to_string(),
            scale,
        });
    }
    let limit = Decimal::from_i128_with_scale(10i128.pow(16 - scale), 0);
    if d.abs() >= limit {
        return Err(MoneyError::TooLarge {
            value: d.to_string(),
            scale,
        });
    }
    let mut out = d;
    out.rescale(scale);
    Ok(out)
}

macro_rules! fixed_decimal {
    ($name:ident, $scale:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Decimal);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(Decimal::from_parts(0, 0, 0, false, $scale));
            /// Wraps a decimal that must already fit the scale exactly.
            pub fn new(d: Decimal) -> Result<Self, MoneyError> {
                check(d, $scale).map(Self)
            }
            /// Rounds half-up (the way the center rounds) to the scale.
            pub fn round(d: Decimal) -> Result<Self, MoneyError> {
                let r = d.round_dp_with_strategy($scale, RoundingStrategy::MidpointAwayFromZero);
                check(r, $scale).map(Self)
            }
            /// The decimal value, always at the fixed scale.
            pub fn value(self) -> Decimal {
                self.0
            }
            /// True when below zero.
            pub fn is_negative(self) -> bool {
                self.0.is_sign_negative() && !self.0.is_zero()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::ZERO
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut d = self.0;
                d.rescale($scale);
                write!(f, "{}", d)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
        impl FromStr for $name {
            type Err = MoneyError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let d = Decimal::from_str_exact(s.trim())
                    .map_err(|_| MoneyError::NotANumber(s.to_string()))?;
                Self::new(d)
            }
        }
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                // Always at the wire scale ("0.00", never "0").
                let mut d = self.0;
                d.rescale($scale);
                s.serialize_str(&d.to_string())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // The wire sends both "12.30" and 12.3; accept either, never via f64.
                // With serde_json's arbitrary_precision the number lexeme is kept exactly.
                let d = <Decimal as Deserialize>::deserialize(d)?;
                Self::new(d).map_err(serde::de::Error::custom)
            }
        }
    };
}

fixed_decimal!(
    Amount,
    AMOUNT_SCALE,
    "An amount of yuan at scale 2 (`numeric(16,2)`)."
);
fixed_decimal!(
    Price,
    PRICE_SCALE,
    "A unit price at scale 6 (`numeric(16,6)`)."
);

impl Amount {
    /// Sum of amounts; fails only if the total leaves `numeric(16,2)`.
    pub fn checked_add(self, other: Amount) -> Result<Amount, MoneyError> {
        Amount::new(self.0 + other.0)
    }
    /// Difference of amounts.
    pub fn checked_sub(self, other: Amount) -> Result<Amount, MoneyError> {
        Amount::new(self.0 - other.0)
    }
}

impl Price {
    /// Line total = price × quantity, rounded half-up to fen.
    pub fn times(self, quantity: Decimal) -> Result<Amount, MoneyError> {
        Amount::round(self.0 * quantity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn parses_and_keeps_scale() {
        let a: Amount = "12.3".parse().unwrap();
        assert_eq!(a.to_string(), "12.30");
        let p: Price = "1.234567".parse().unwrap();
        assert_eq!(p.to_string(), "1.234567");
    }

    #[test]
    fn rejects_too_precise_and_too_large() {
        assert!(matches!(
            "1.234".parse::<Amount>(),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            "1.2345678".parse::<Price>(),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            "10000000000000000".parse::<Amount>(),
            Err(MoneyError::TooLarge { .. })
        ));
        assert!("99999999999999.99".parse::<Amount>().is_ok());
        assert!(matches!(
            "abc".parse::<Amount>(),
            Err(MoneyError::NotANumber(_))
        ));
        assert!(matches!(
            "".parse::<Amount>(),
            Err(MoneyError::NotANumber(_))
        ));
    }

    #[test]
    fn zero_and_default_keep_the_wire_scale() {
        assert_eq!(Amount::ZERO.to_string(), "0.00");
        assert_eq!(
            serde_json::to_string(&Amount::default()).unwrap(),
            "\"0.00\""
        );
        assert_eq!(serde_json::to_string(&Price::ZERO).unwrap(), "\"0.000000\"");
        assert_eq!(Amount::ZERO, "0".parse::<Amount>().unwrap());
    }

    #[test]
    fn trailing_zeros_beyond_scale_are_fine() {
        assert_eq!("1.2000".parse::<Amount>().unwrap().to_string(), "1.20");
    }

    #[test]
    fn line_total_rounds_half_up() {
        let p: Price = "0.335000".parse().unwrap();
        assert_eq!(p.times(dec!(3)).unwrap().to_string(), "1.01"); // 1.005 -> 1.01
        let p: Price = "12.345678".parse().unwrap();
        assert_eq!(p.times(dec!(2)).unwrap().to_string(), "24.69");
    }

    #[test]
    fn serde_accepts_string_and_number_never_float() {
        let a: Amount = serde_json::from_str("\"5.10\"").unwrap();
        assert_eq!(a.to_string(), "5.10");
        let a: Amount = serde_json::from_str("0.1").unwrap();
        assert_eq!(a.to_string(), "0.10");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"0.10\"");
        assert!(serde_json::from_str::<Amount>("null").is_err());
        assert!(serde_json::from_str::<Amount>("\"x\"").is_err());
    }

    proptest! {
        #[test]
        fn any_text_parses_or_errors_without_panic(s in ".{0,40}") {
            let _ = s.parse::<Amount>();
            let _ = s.parse::<Price>();
        }

        #[test]
        fn amounts_round_trip_through_text(cents in -9_999_999_999_999_999i64..9_999_999_999_999_999i64) {
            let d = Decimal::new(cents, 2);
            let a = Amount::new(d).unwrap();
            prop_assert_eq!(a.to_string().parse::<Amount>().unwrap(), a);
        }
    }
}
