//! Fault injection: what the emulator does wrong on purpose, per business
//! request, so the client's failure classification and the outbox's recovery
//! can be rehearsed. Set by CLI flags at start and by `POST /admin/faults`.

use serde::{Deserialize, Serialize};

/// The knobs (all optional in JSON; rates are probabilities 0..1).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added before handling each business request.
    pub latency_ms: u64,
    /// → HTTP 503, nothing applied.
    pub error_rate: f64,
    /// → connection dropped before applying.
    pub reset_before_rate: f64,
    /// → applied, then connection dropped without a response.
    pub reset_after_rate: f64,
    /// → applied, then a truncated, non-JSON body.
    pub malformed_rate: f64,
    /// → the response body trickles out over this many ms.
    pub slow_body_ms: u64,
    /// The emulator's clock is this many seconds off (x-tif timestamps are
    /// checked against it, ±300 s window; response times use it).
    pub clock_skew_s: i64,
    /// Seed of the fault dice (same seed, same sequence of faults).
    pub seed: u64,
    /// "2102 lands late": the next 2102 is held unapplied and its connection
    /// dropped (the client sees no answer); it lands right AFTER a 2601 for
    /// its msgid has been answered 6001 "original not found" — the race a
    /// counter must survive without charging twice. One-shot.
    pub late_2102: bool,
    /// The next 2102 is applied with a total 1.00 above its input (the
    /// extra on the patient's cash part): a counter must notice that 2102's
    /// total is not 2101's and reverse it. One-shot.
    pub skew_2102_total: bool,
    /// What a trace code uploaded again while its first record stands gets:
    /// `reject` (default) or `overwrite` — the public record does not say
    /// which the real platform does (`crate::stock`).
    pub duplicate_trace_code: crate::stock::DuplicateTrace,
    /// When not empty, the rate and latency faults hit only these
    /// transactions (infno or family-B op name), e.g. `["2103"]`.
    pub ops: Vec<String>,
}

impl Faults {
    /// Check ranges; a clear message for the admin API.
    pub fn validate(&self) -> Result<(), String> {
        for (name, r) in [
            ("error_rate", self.error_rate),
            ("reset_before_rate", self.reset_before_rate),
            ("reset_after_rate", self.reset_after_rate),
            ("malformed_rate", self.malformed_rate),
        ] {
            if !(0.0..=1.0).contains(&r) || r.is_nan() {
                return Err(format!("{name} must be between 0 and 1, got {r}"));
            }
        }
        Ok(())
    }

    /// Whether the rate and latency faults apply to a request of `op`.
    pub fn applies_to(&self, op: &str) -> bool {
        self.ops.is_empty() || self.ops.iter().any(|o| o == op)
    }

    /// True when no fault is active.
    pub fn is_clear(&self) -> bool {
        let z = Faults {
            seed: self.seed,
            ..Default::default()
        };
        *self == z
    }
}

/// SplitMix64: tiny, seedable, good enough for dice.
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    /// Seeded dice.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// Next value in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
    /// One roll against a probability.
    pub fn roll(&mut self, p: f64) -> bool {
        p > 0.0 && self.next_f64() < p
    }
}

/// What to do with one request, decided up front from one set of rolls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plan {
    /// 503 without applying.
    pub error: bool,
    /// Drop before applying.
    pub reset_before: bool,
    /// Drop after applying.
    pub reset_after: bool,
    /// Garbled body after applying.
    pub malformed: bool,
}

impl Plan {
    /// Roll the dice for one request.
    pub fn roll(f: &Faults, d: &mut Dice) -> Self {
        Self {
            error: d.roll(f.error_rate),
            reset_before: d.roll(f.reset_before_rate),
            reset_after: d.roll(f.reset_after_rate),
            malformed: d.roll(f.malformed_rate),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_are_seeded_and_rates_hold_roughly() {
        let mut a = Dice::new(7);
        let mut b = Dice::new(7);
        let xs: Vec<f64> = (0..5).map(|_| a.next_f64()).collect();
        let ys: Vec<f64> = (0..5).map(|_| b.next_f64()).collect();
        assert_eq!(xs, ys);
        let mut d = Dice::new(1);
        let hits = (0..10_000).filter(|_| d.roll(0.25)).count();
        assert!((2_200..2_800).contains(&hits), "{hits}");
        assert!(!Dice::new(3).roll(0.0));
    }

    #[test]
    fn validation_names_the_bad_knob() {
        let f = Faults {
            error_rate: 1.5,
            ..Default::default()
        };
        assert!(f.validate().unwrap_err().contains("error_rate"));
        let f: Faults = serde_json::from_str(r#"{"error_rate":1.0,"ops":["2103"]}"#).unwrap();
        assert!(f.applies_to("2103"));
        assert!(!f.applies_to("1101"));
        assert!(Faults::default().applies_to("1101"));
        let f: Faults = serde_json::from_str(r#"{"latency_ms":5}"#).unwrap();
        assert_eq!(f.latency_ms, 5);
        assert!(!f.is_clear());
        assert!(Faults::default().is_clear());
    }
}
