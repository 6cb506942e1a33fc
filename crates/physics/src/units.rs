//! Domain types: an assay, a mass of uranium and an amount of separative work. Each
//! rejects values that cannot exist, so that a function taking them never has to.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::PhysicsError;

/// The U-235 content of uranium as a mass fraction, strictly between 0 and 1.
///
/// On the command line and in JSON assays are percent (`90` means 90 % U-235); inside
/// the crate they are fractions. Mass (weight) fraction is the convention of SWU
/// accounting; for U-235/U-238 the difference from atom fraction is below 1 % relative.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Assay(f64);

impl Assay {
    /// Natural uranium: 0.711 % U-235 by mass (0.7204 atom %; the mass-fraction
    /// figure used throughout the breakout literature, e.g. Glaser, Science & Global
    /// Security 16 (2008) 1–25).
    pub const NATURAL: Assay = Assay(0.00711);
    /// 20 %: from here uranium is highly enriched (the IAEA Safeguards Glossary).
    pub const HEU_THRESHOLD: Assay = Assay(0.20);

    /// For the crate's own constants, valid by inspection (0 < x < 1).
    pub(crate) const fn constant(x: f64) -> Assay {
        Assay(x)
    }

    /// An assay from a fraction in (0, 1).
    pub fn from_fraction(x: f64) -> Result<Assay, PhysicsError> {
        if x.is_finite() && x > 0.0 && x < 1.0 {
            Ok(Assay(x))
        } else {
            Err(PhysicsError::AssayOutOfRange { pct: x * 100.0 })
        }
    }

    /// An assay from percent U-235 in (0, 100).
    pub fn from_pct(pct: f64) -> Result<Assay, PhysicsError> {
        if pct.is_finite() && pct > 0.0 && pct < 100.0 {
            Ok(Assay(pct / 100.0))
        } else {
            Err(PhysicsError::AssayOutOfRange { pct })
        }
    }

    /// The mass fraction of U-235.
    #[inline]
    pub fn fraction(self) -> f64 {
        self.0
    }

    /// Percent U-235, rounded to 1e-10 % so that an assay given as 3.67 % reads back
    /// as 3.67 and not 3.669999999999999 (far below any physical significance).
    #[inline]
    pub fn pct(self) -> f64 {
        (self.0 * 1e12).round() / 1e10
    }

    /// The value function V(x) at this assay.
    #[inline]
    pub fn value(self) -> f64 {
        value_function(self.0)
    }
}

impl TryFrom<f64> for Assay {
    type Error = PhysicsError;
    fn try_from(x: f64) -> Result<Assay, PhysicsError> {
        Assay::from_fraction(x)
    }
}

impl From<Assay> for f64 {
    fn from(a: Assay) -> f64 {
        a.0
    }
}

impl fmt::Display for Assay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", trim_pct(self.pct()))
    }
}

/// Formats a percentage without float noise (0.711 rather than 0.7110000000000001).
pub(crate) fn trim_pct(p: f64) -> String {
    let s = format!("{p:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// A mass of uranium (element mass, kg U), finite and ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct KgU(f64);

impl KgU {
    pub const ZERO: KgU = KgU(0.0);

    /// A mass in kg U; negative, NaN or infinite values are rejected.
    pub fn new(kg: f64) -> Result<KgU, PhysicsError> {
        if kg.is_finite() && kg >= 0.0 {
            Ok(KgU(kg))
        } else {
            Err(PhysicsError::NegativeMass { kg })
        }
    }

    #[inline]
    pub fn kg(self) -> f64 {
        self.0
    }

    /// Internal constructor for values produced by the crate's own balances, which are
    /// non-negative by construction (clamped against rounding below zero).
    #[inline]
    pub(crate) fn from_balance(kg: f64) -> KgU {
        KgU(kg.max(0.0))
    }
}

impl TryFrom<f64> for KgU {
    type Error = PhysicsError;
    fn try_from(x: f64) -> Result<KgU, PhysicsError> {
        KgU::new(x)
    }
}

impl From<KgU> for f64 {
    fn from(m: KgU) -> f64 {
        m.0
    }
}

impl fmt::Display for KgU {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} kg U", self.0)
    }
}

/// Separative work in kg-SWU, finite and ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Swu(f64);

impl Swu {
    pub const ZERO: Swu = Swu(0.0);

    pub fn new(kg_swu: f64) -> Result<Swu, PhysicsError> {
        if kg_swu.is_finite() && kg_swu >= 0.0 {
            Ok(Swu(kg_swu))
        } else {
            Err(PhysicsError::InvalidParameter {
                field: "swu".into(),
                reason: format!("{kg_swu} kg-SWU: separative work must be finite and ≥ 0"),
            })
        }
    }

    #[inline]
    pub fn kg_swu(self) -> f64 {
        self.0
    }

    /// From a value-function balance; tiny negative rounding residues become 0.
    #[inline]
    pub(crate) fn from_balance(kg_swu: f64) -> Swu {
        Swu(kg_swu.max(0.0))
    }
}

impl TryFrom<f64> for Swu {
    type Error = PhysicsError;
    fn try_from(x: f64) -> Result<Swu, PhysicsError> {
        Swu::new(x)
    }
}

impl From<Swu> for f64 {
    fn from(s: Swu) -> f64 {
        s.0
    }
}

impl fmt::Display for Swu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} kg-SWU", self.0)
    }
}

/// The value function of isotope separation, V(x) = (2x − 1)·ln(x / (1 − x))
/// (Cohen, "The Theory of Isotope Separation", 1951; the standard definition of SWU).
/// Defined for x in (0, 1); callers pass validated assays.
#[inline]
pub fn value_function(x: f64) -> f64 {
    (2.0 * x - 1.0) * (x / (1.0 - x)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assay_rejects_impossible_values() {
        for bad in [0.0, 100.0, -1.0, 150.0, f64::NAN, f64::INFINITY] {
            assert!(Assay::from_pct(bad).is_err(), "{bad}");
        }
        assert_eq!(Assay::from_pct(90.0).unwrap().fraction(), 0.9);
        assert!(Assay::from_fraction(1.0).is_err());
    }

    #[test]
    fn masses_reject_negative_and_nan() {
        assert!(KgU::new(-0.1).is_err());
        assert!(KgU::new(f64::NAN).is_err());
        assert!(Swu::new(-1.0).is_err());
        assert_eq!(KgU::new(0.0).unwrap().kg(), 0.0);
    }

    #[test]
    fn value_function_matches_independent_values() {
        // Spot values computed independently in double precision
        // (values inline).
        let cases = [
            (0.0025, 5.95902),
            (0.003, 5.77130),
            (0.00711, 4.86888),
            (0.045, 2.78009),
            (0.20, 0.83178),
            (0.60, 0.08109),
            (0.90, 1.75778),
        ];
        for (x, v) in cases {
            assert!((value_function(x) - v).abs() < 1e-5, "V({x})");
        }
    }

    #[test]
    fn display_trims_float_noise() {
        assert_eq!(Assay::NATURAL.to_string(), "0.711 %");
        assert_eq!(Assay::from_pct(3.67).unwrap().to_string(), "3.67 %");
    }
}
