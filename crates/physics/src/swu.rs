//! Two-stream enrichment: the mass balances of one ideal cascade with one feed, one
//! product and one tails stream, and the separative work it needs.
//!
//! F = P + T and F·x_f = P·x_p + T·x_t; SWU = P·V(x_p) + T·V(x_t) − F·V(x_f).

use serde::Serialize;

use crate::{Assay, KgU, PhysicsError, Swu};

/// The three assays of one enrichment step, validated so that tails < feed < product.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Enrichment {
    pub feed: Assay,
    pub product: Assay,
    pub tails: Assay,
}

/// Which stream's quantity is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    Product(KgU),
    Feed(KgU),
    Tails(KgU),
}

/// All three streams of a step and its separative work.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Streams {
    pub enrichment: Enrichment,
    pub product: KgU,
    pub feed: KgU,
    pub tails: KgU,
    pub swu: Swu,
}

impl Enrichment {
    /// Checks the ordering tails < feed < product.
    pub fn new(feed: Assay, product: Assay, tails: Assay) -> Result<Enrichment, PhysicsError> {
        if tails < feed && feed < product {
            Ok(Enrichment {
                feed,
                product,
                tails,
            })
        } else {
            Err(PhysicsError::AssayOrder {
                feed_pct: feed.pct(),
                product_pct: product.pct(),
                tails_pct: tails.pct(),
            })
        }
    }

    /// Feed needed per unit of product, (x_p − x_t)/(x_f − x_t).
    #[inline]
    pub fn feed_per_product(&self) -> f64 {
        (self.product.fraction() - self.tails.fraction())
            / (self.feed.fraction() - self.tails.fraction())
    }

    /// Tails produced per unit of product, (x_p − x_f)/(x_f − x_t).
    #[inline]
    pub fn tails_per_product(&self) -> f64 {
        (self.product.fraction() - self.feed.fraction())
            / (self.feed.fraction() - self.tails.fraction())
    }

    /// Separative work per unit of product.
    #[inline]
    pub fn swu_per_product(&self) -> f64 {
        let f = self.feed_per_product();
        let t = self.tails_per_product();
        self.product.value() + t * self.tails.value() - f * self.feed.value()
    }

    /// Solves the balances for the given quantity of one stream.
    pub fn streams(&self, q: Quantity) -> Streams {
        let f_per_p = self.feed_per_product();
        let t_per_p = self.tails_per_product();
        let p = match q {
            Quantity::Product(p) => p.kg(),
            Quantity::Feed(f) => f.kg() / f_per_p,
            Quantity::Tails(t) => t.kg() / t_per_p,
        };
        // Keep the given stream exact, derive the others from it.
        let (feed, tails) = match q {
            Quantity::Feed(f) => (f.kg(), f.kg() - p),
            Quantity::Tails(t) => (p + t.kg(), t.kg()),
            Quantity::Product(_) => (p * f_per_p, p * t_per_p),
        };
        let swu = p * self.product.value() + tails * self.tails.value() - feed * self.feed.value();
        Streams {
            enrichment: *self,
            product: KgU::from_balance(p),
            feed: KgU::from_balance(feed),
            tails: KgU::from_balance(tails),
            swu: Swu::from_balance(swu),
        }
    }
}

/// Separative work per unit product for many product assays at one feed and tails
/// assay (an SWU-versus-assay curve), written to `out`. V(x_f) and V(x_t) are computed
/// once, so each point costs one logarithm.
pub fn swu_per_product_curve(
    feed: Assay,
    tails: Assay,
    products: &[Assay],
    out: &mut [f64],
) -> Result<(), PhysicsError> {
    if out.len() != products.len() {
        return Err(PhysicsError::InvalidParameter {
            field: "out".into(),
            reason: format!("{} slots for {} products", out.len(), products.len()),
        });
    }
    if let Some(bad) = products.iter().find(|p| **p <= feed) {
        Enrichment::new(feed, *bad, tails)?;
    }
    if tails >= feed {
        Enrichment::new(feed, feed, tails)?;
    }
    let (xf, xt) = (feed.fraction(), tails.fraction());
    let (vf, vt) = (feed.value(), tails.value());
    let inv_d = 1.0 / (xf - xt);
    for (o, p) in out.iter_mut().zip(products) {
        let xp = p.fraction();
        let f = (xp - xt) * inv_d;
        let t = (xp - xf) * inv_d;
        *o = crate::value_function(xp) + t * vt - f * vf;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(p: f64) -> Assay {
        Assay::from_pct(p).unwrap()
    }

    #[test]
    fn curve_matches_single_steps_and_checks_order() {
        let products: Vec<Assay> = [1.0, 3.67, 20.0, 90.0].iter().map(|&p| a(p)).collect();
        let mut out = vec![0.0; 4];
        swu_per_product_curve(a(0.711), a(0.3), &products, &mut out).unwrap();
        for (p, o) in products.iter().zip(&out) {
            let one = Enrichment::new(a(0.711), *p, a(0.3)).unwrap();
            assert!((one.swu_per_product() - o).abs() < 1e-12);
        }
        assert!(swu_per_product_curve(a(0.711), a(0.3), &[a(0.5)], &mut [0.0]).is_err());
        assert!(swu_per_product_curve(a(0.711), a(0.8), &[a(5.0)], &mut [0.0]).is_err());
    }

    #[test]
    fn rejects_misordered_assays() {
        assert!(Enrichment::new(a(0.711), a(0.5), a(0.3)).is_err());
        assert!(Enrichment::new(a(0.711), a(90.0), a(0.8)).is_err());
        assert!(Enrichment::new(a(0.711), a(90.0), a(0.711)).is_err());
    }

    #[test]
    fn pyne_swu_golden() {
        // PyNE tests/test_enrichment.py::test_swu: x_f 0.72 %, x_p 5 %, x_t 0.25 %,
        // P = 1.5 kg → F 15.1596, T 13.6596, SWU 11.765 (rel 1e-4); recomputed
        // independently as F 15.159574, SWU 11.765198.
        let e = Enrichment::new(a(0.72), a(5.0), a(0.25)).unwrap();
        let s = e.streams(Quantity::Product(KgU::new(1.5).unwrap()));
        assert!((s.feed.kg() - 15.159574).abs() < 1e-5);
        assert!((s.tails.kg() - 13.659574).abs() < 1e-5);
        assert!((s.swu.kg_swu() - 11.765198).abs() < 1e-5);
    }

    #[test]
    fn cyclus_golden() {
        // Cyclus tests/toolkit/enrichment_tests.cc: x_f 0.72 %, x_p 5 %, x_t 0.2 %,
        // P = 10 kg → F 92.3076923, T 82.3076923, SWU 87.59916.
        let e = Enrichment::new(a(0.72), a(5.0), a(0.2)).unwrap();
        let s = e.streams(Quantity::Product(KgU::new(10.0).unwrap()));
        assert!((s.feed.kg() - 92.3076923).abs() < 1e-6);
        assert!((s.tails.kg() - 82.3076923).abs() < 1e-6);
        assert!((s.swu.kg_swu() - 87.59916).abs() < 1e-4);
    }

    #[test]
    fn feed_and_tails_quantities_give_the_same_step() {
        let e = Enrichment::new(a(0.711), a(4.5), a(0.25)).unwrap();
        let by_p = e.streams(Quantity::Product(KgU::new(1.0).unwrap()));
        let by_f = e.streams(Quantity::Feed(by_p.feed));
        let by_t = e.streams(Quantity::Tails(by_p.tails));
        for s in [by_f, by_t] {
            assert!((s.product.kg() - 1.0).abs() < 1e-12);
            assert!((s.swu.kg_swu() - by_p.swu.kg_swu()).abs() < 1e-9);
        }
    }
}
