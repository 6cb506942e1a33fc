//! Multicomponent enrichment in a matched-abundance-ratio cascade (MARC).
//!
//! Model (de la Garza; von Halle 1987, "Multicomponent Isotope Separation in Matched
//! Abundance Ratio Cascades Composed of Stages with Large Separation Factors"; Wood,
//! Borisevich & Sulaberidze, Sep. Sci. Tech. 34:3 (1999) 343–357): a cascade of N
//! enriching and M stripping stages whose stage separation factor for component i,
//! relative to a virtual key mass M*, is β_i = α^(M* − M_i). The fraction of
//! component i that leaves with the product is
//!
//! ```text
//!   p_i / x_F,i = (β_i^(M+1) − 1) / (β_i^(M+1) − β_i^(−N))
//! ```
//!
//! and the rest leaves with the tails. N and M are found so that the key component j
//! reaches the requested product and tails fractions; M* is then chosen to minimise
//! the total interstage flow per unit feed L/F (Wood et al. eq. 31). Separative work
//! is the MARC potential Σ (x ln R) balance with R = x_j/x_k, which for uranium differs
//! slightly from the binary value-function SWU (e.g. 7.694 vs 7.843 kg-SWU/kg for 5 %
//! product from 0.72 % feed at 0.25 % tails).
//!
//! Reference values: PyNE's enrichment module (tests/test_enrichment.py), reproduced
//! independently; see the tests below.

use serde::Serialize;

use crate::PhysicsError;

/// Atomic masses in g/mol (Atomic Mass Evaluation, AME 2003: G. Audi, A. H. Wapstra,
/// C. Thibault, Nucl. Phys. A 729 (2003) 337; the values PyNE tabulates).
pub mod mass {
    pub const U234: f64 = 234.040_952_1;
    pub const U235: f64 = 235.043_929_9;
    pub const U236: f64 = 236.045_568_0;
    pub const U238: f64 = 238.050_788_2;
}

/// One isotope of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Component {
    /// Atomic mass, g/mol.
    pub mass: f64,
    /// Fraction in the feed.
    pub fraction: f64,
}

/// A cascade to design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarcSpec {
    pub feed: Vec<Component>,
    /// Index of the key component enriched in the product (U-235).
    pub j: usize,
    /// Index of the key component depleted (U-238).
    pub k: usize,
    /// Target fraction of component j in the product and the tails.
    pub product_j: f64,
    pub tails_j: f64,
    /// Overall stage separation factor per unit mass difference (1.05 is a typical
    /// gas centrifuge stage).
    pub alpha: f64,
    /// Starting guess for M* (the search stays between the feed masses around it).
    pub m_star0: f64,
}

impl MarcSpec {
    /// Uranium with U-234/235/236/238 fractions, key components U-235 and U-238,
    /// α = 1.05 and M*₀ = 236.5 (PyNE's `default_uranium_cascade`).
    pub fn uranium(
        feed: [f64; 4],
        product_u235: f64,
        tails_u235: f64,
    ) -> Result<MarcSpec, PhysicsError> {
        let masses = [mass::U234, mass::U235, mass::U236, mass::U238];
        let spec = MarcSpec {
            feed: masses
                .iter()
                .zip(feed)
                .map(|(&mass, fraction)| Component { mass, fraction })
                .collect(),
            j: 1,
            k: 3,
            product_j: product_u235,
            tails_j: tails_u235,
            alpha: 1.05,
            m_star0: 236.5,
        };
        spec.validate()?;
        Ok(spec)
    }

    fn validate(&self) -> Result<(), PhysicsError> {
        let bad = |field: &str, reason: String| {
            Err(PhysicsError::InvalidParameter {
                field: field.into(),
                reason,
            })
        };
        if self.j >= self.feed.len() || self.k >= self.feed.len() || self.j == self.k {
            return bad(
                "j/k",
                "key components must be two distinct feed entries".into(),
            );
        }
        let sum: f64 = self.feed.iter().map(|c| c.fraction).sum();
        if self
            .feed
            .iter()
            .any(|c| !(c.fraction >= 0.0 && c.fraction.is_finite() && c.mass > 0.0))
            || (sum - 1.0).abs() > 1e-6
        {
            return bad(
                "feed",
                format!("fractions must be ≥ 0 and sum to 1 (sum {sum})"),
            );
        }
        let xf = self.feed[self.j].fraction;
        if !(self.tails_j > 0.0 && self.tails_j < xf && xf < self.product_j && self.product_j < 1.0)
        {
            return Err(PhysicsError::AssayOrder {
                feed_pct: xf * 100.0,
                product_pct: self.product_j * 100.0,
                tails_pct: self.tails_j * 100.0,
            });
        }
        if !(self.alpha > 1.0 && self.alpha.is_finite()) {
            return bad("alpha", format!("{}: must be > 1", self.alpha));
        }
        Ok(())
    }
}

/// A designed cascade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarcSolution {
    /// Product and tails compositions, indexed like the feed.
    pub product: Vec<f64>,
    pub tails: Vec<f64>,
    pub product_per_feed: f64,
    pub tails_per_feed: f64,
    /// Number of enriching (N) and stripping (M) stages (real-valued).
    pub n_enriching: f64,
    pub m_stripping: f64,
    pub m_star: f64,
    /// Total interstage flow per unit feed, L/F.
    pub flow_per_feed: f64,
    pub swu_per_feed: f64,
    pub swu_per_product: f64,
}

/// Working data for one M*.
struct Stage<'a> {
    spec: &'a MarcSpec,
    ln_beta: Vec<f64>,
}

impl Stage<'_> {
    /// (Σp, Σt, p_j/Σp, t_j/Σt) for given N, M, writing p_i and t_i.
    fn split(&self, n: f64, m: f64, p: &mut [f64], t: &mut [f64]) -> (f64, f64) {
        let (mut sp, mut st) = (0.0, 0.0);
        for (i, c) in self.spec.feed.iter().enumerate() {
            let lb = self.ln_beta[i];
            let frac_p = if lb.abs() < 1e-12 {
                (m + 1.0) / (m + 1.0 + n)
            } else {
                let e = (lb * (m + 1.0)).exp();
                let s = (-lb * n).exp();
                (e - 1.0) / (e - s)
            };
            p[i] = c.fraction * frac_p;
            t[i] = c.fraction - p[i];
            sp += p[i];
            st += t[i];
        }
        (sp, st)
    }

    fn residual(&self, n: f64, m: f64, p: &mut [f64], t: &mut [f64]) -> [f64; 2] {
        let (sp, st) = self.split(n, m, p, t);
        let j = self.spec.j;
        [
            (p[j] / sp / self.spec.product_j).ln(),
            (t[j] / st / self.spec.tails_j).ln(),
        ]
    }
}

/// Solves the cascade for a fixed M*.
pub fn solve_at(spec: &MarcSpec, m_star: f64) -> Result<MarcSolution, PhysicsError> {
    spec.validate()?;
    let ln_alpha = spec.alpha.ln();
    let stage = Stage {
        spec,
        ln_beta: spec
            .feed
            .iter()
            .map(|c| (m_star - c.mass) * ln_alpha)
            .collect(),
    };
    let nc = spec.feed.len();
    let (mut p, mut t) = (vec![0.0; nc], vec![0.0; nc]);
    // Damped Newton on (N, M) with a finite-difference Jacobian; the residuals are
    // logarithms of the key fractions over their targets, which keeps them well scaled.
    let (mut n, mut m) = (30.0_f64, 10.0_f64);
    let mut r = stage.residual(n, m, &mut p, &mut t);
    let norm = |r: [f64; 2]| r[0].abs().max(r[1].abs());
    let mut iter = 0;
    while norm(r) > 1e-14 {
        iter += 1;
        if iter > 200 || !norm(r).is_finite() {
            return Err(PhysicsError::NoConvergence {
                what: "MARC stage numbers",
                detail: format!("M* = {m_star}, N = {n}, M = {m}, residual {:?}", r),
            });
        }
        let hn = 1e-6 * n.max(1.0);
        let hm = 1e-6 * m.max(1.0);
        let rn = stage.residual(n + hn, m, &mut p, &mut t);
        let rm = stage.residual(n, m + hm, &mut p, &mut t);
        let (a, b) = ((rn[0] - r[0]) / hn, (rm[0] - r[0]) / hm);
        let (c, d) = ((rn[1] - r[1]) / hn, (rm[1] - r[1]) / hm);
        let det = a * d - b * c;
        if det == 0.0 || !det.is_finite() {
            return Err(PhysicsError::NoConvergence {
                what: "MARC stage numbers",
                detail: format!("singular Jacobian at N = {n}, M = {m}"),
            });
        }
        let dn = -(d * r[0] - b * r[1]) / det;
        let dm = -(-c * r[0] + a * r[1]) / det;
        let mut lambda = 1.0;
        loop {
            let (nn, mm) = (n + lambda * dn, m + lambda * dm);
            if nn > 0.0 && mm > -1.0 {
                let rr = stage.residual(nn, mm, &mut p, &mut t);
                if norm(rr) < norm(r) || lambda < 1e-6 {
                    n = nn;
                    m = mm;
                    r = rr;
                    break;
                }
            }
            lambda *= 0.5;
            if lambda < 1e-9 {
                return Err(PhysicsError::NoConvergence {
                    what: "MARC stage numbers",
                    detail: format!("line search failed at N = {n}, M = {m}"),
                });
            }
        }
    }
    let (sp, st) = stage.split(n, m, &mut p, &mut t);
    let product: Vec<f64> = p.iter().map(|x| x / sp).collect();
    let tails: Vec<f64> = t.iter().map(|x| x / st).collect();

    let (j, k) = (spec.j, spec.k);
    let xf_j = spec.feed[j].fraction;
    // Product and tails per feed from the key component's balance.
    let ppf = (xf_j - spec.tails_j) / (spec.product_j - spec.tails_j);
    let tpf = 1.0 - ppf;
    let ln_rf = (xf_j / spec.feed[k].fraction).ln();
    let ln_rp = (product[j] / product[k]).ln();
    let ln_rt = (tails[j] / tails[k]).ln();
    let ln_key = (m_star - spec.feed[j].mass) * ln_alpha;
    let (mut flow, mut pot) = (0.0, 0.0);
    for (i, c) in spec.feed.iter().enumerate() {
        let term = ppf * product[i] * ln_rp + tpf * tails[i] * ln_rt - c.fraction * ln_rf;
        let beta = stage.ln_beta[i].exp();
        // Stage separative power for component i per unit flow (Wood et al. eq. 31).
        let du = ln_key * (beta - 1.0) / (beta + 1.0);
        flow += term / du;
        pot += term;
    }
    Ok(MarcSolution {
        product,
        tails,
        product_per_feed: ppf,
        tails_per_feed: tpf,
        n_enriching: n,
        m_stripping: m,
        m_star,
        flow_per_feed: flow,
        swu_per_feed: -pot,
        swu_per_product: -pot / ppf,
    })
}

/// Designs the cascade with the M* that minimises L/F, searched locally from the
/// spec's starting guess between the feed masses that bracket it (L/F has poles where
/// M* equals a component's mass).
pub fn solve(spec: &MarcSpec) -> Result<MarcSolution, PhysicsError> {
    spec.validate()?;
    let m0 = spec.m_star0;
    let lo = spec
        .feed
        .iter()
        .filter(|c| c.fraction > 0.0 && c.mass < m0)
        .map(|c| c.mass)
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = spec
        .feed
        .iter()
        .filter(|c| c.fraction > 0.0 && c.mass > m0)
        .map(|c| c.mass)
        .fold(f64::INFINITY, f64::min);
    if !(lo.is_finite() && hi.is_finite()) {
        return Err(PhysicsError::InvalidParameter {
            field: "m_star0".into(),
            reason: format!("{m0} must lie between two feed component masses"),
        });
    }
    let margin = 1e-3 * (hi - lo);
    let (lo, hi) = (lo + margin, hi - margin);
    let f = |x: f64| solve_at(spec, x).map(|s| s.flow_per_feed);

    // Bracket a local minimum by walking downhill from m0 with growing steps.
    let mut h = 0.02 * (hi - lo);
    let (mut a, mut fa) = (m0, f(m0)?);
    let (mut b, mut fb) = ((m0 + h).min(hi), f((m0 + h).min(hi))?);
    if fb > fa {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut fa, &mut fb);
        h = -h;
    }
    let mut c = (b + h).clamp(lo, hi);
    let mut fc = f(c)?;
    let mut guard = 0;
    while fc < fb {
        guard += 1;
        if guard > 100 || c <= lo || c >= hi {
            break;
        }
        a = b;
        b = c;
        fb = fc;
        h *= 1.6;
        c = (b + h).clamp(lo, hi);
        fc = f(c)?;
    }
    let (mut x0, mut x3) = if a < c { (a, c) } else { (c, a) };
    // Golden-section search on [x0, x3].
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut x1 = x3 - g * (x3 - x0);
    let mut x2 = x0 + g * (x3 - x0);
    let (mut f1, mut f2) = (f(x1)?, f(x2)?);
    while (x3 - x0) > 1e-9 {
        if f1 < f2 {
            x3 = x2;
            x2 = x1;
            f2 = f1;
            x1 = x3 - g * (x3 - x0);
            f1 = f(x1)?;
        } else {
            x0 = x1;
            x1 = x2;
            f1 = f2;
            x2 = x0 + g * (x3 - x0);
            f2 = f(x2)?;
        }
    }
    solve_at(spec, 0.5 * (x0 + x3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rel: f64, what: &str) {
        assert!(
            ((got - want) / want).abs() < rel,
            "{what}: got {got}, want {want}"
        );
    }

    #[test]
    fn pyne_natural_uranium_case() {
        // PyNE tests/test_enrichment.py `check_NU` (default_uranium_cascade, feed
        // U-234 5.5e-5, U-235 0.0072, U-238 0.992745; 5 % product, 0.25 % tails);
        // reproduced independently (a separate Python implementation of the same model).
        let spec = MarcSpec::uranium([5.5e-5, 0.0072, 0.0, 0.992745], 0.05, 0.0025).unwrap();
        let s = solve(&spec).unwrap();
        close(s.product_per_feed, 0.0989473684211, 1e-9, "P/F");
        close(s.n_enriching, 27.183583424704818, 1e-5, "N");
        close(s.m_stripping, 13.387464890476533, 1e-5, "M");
        close(s.m_star, 236.5621860655, 1e-6, "M*");
        close(s.flow_per_feed, 288.62731727645644, 1e-5, "L/F");
        close(s.swu_per_feed, 0.761263453429, 1e-5, "SWU/F");
        close(s.swu_per_product, 7.69362000806, 1e-5, "SWU/P");
        close(s.product[1], 0.05, 1e-10, "x_P U-235");
        close(s.tails[1], 0.0025, 1e-10, "x_T U-235");
        // U-234 is lighter than U-235: enriched relative to it.
        assert!(s.product[0] / s.product[1] > 5.5e-5 / 0.0072);
    }

    #[test]
    fn pyne_sample_feed_with_u236() {
        // PyNE `check_sample_feed`: U-232 1.1e-9 (omitted here: 1e-9 abundance), U-234
        // 2.1e-4, U-235 0.0092, U-236 0.0042, U-238 0.98638999…; 6 % / 0.25 %.
        let spec = MarcSpec::uranium(
            [2.1e-4, 0.0092, 0.0042, 1.0 - 2.1e-4 - 0.0092 - 0.0042],
            0.06,
            0.0025,
        )
        .unwrap();
        let s = solve(&spec).unwrap();
        close(s.product_per_feed, 0.11652173913043479, 1e-9, "P/F");
        close(s.n_enriching, 26.864660071132583, 1e-4, "N");
        close(s.m_stripping, 16.637884564470365, 1e-4, "M");
        close(s.m_star, 236.57708506549994, 1e-6, "M*");
        close(s.flow_per_feed, 357.3888391866117, 1e-5, "L/F");
        close(s.swu_per_feed, 0.9322804173594426, 1e-5, "SWU/F");
        close(s.swu_per_product, 8.000914029577306, 1e-5, "SWU/P");
    }

    #[test]
    fn pyne_vision_case() {
        // PyNE `check_vision` (recycled-uranium feed with U-236), 5.5 % / 0.25 %;
        // PyNE's tolerance 1e-4 (N, M 1e-2).
        let spec = MarcSpec::uranium(
            [
                1.83963025893197e-4,
                8.18576605617839e-3,
                6.10641667100979e-3,
                0.985523854246919,
            ],
            0.055,
            0.0025,
        )
        .unwrap();
        let s = solve(&spec).unwrap();
        close(s.product_per_feed, 0.10830030583196934, 1e-6, "P/F");
        close(s.n_enriching, 27.38162850698868, 1e-2, "N");
        close(s.m_stripping, 15.09646512546496, 1e-2, "M");
        close(s.m_star, 236.58177606549995, 1e-4, "M*");
        close(s.flow_per_feed, 326.8956175003255, 1e-4, "L/F");
        close(s.swu_per_feed, 0.85102089049, 1e-4, "SWU/F");
        close(s.swu_per_product, 7.85797310499, 1e-4, "SWU/P");
    }

    #[test]
    fn pyne_tungsten_case() {
        // PyNE `check_tungsten` (von Halle 1987's example): α = 1.16306, M*₀ = 181.3,
        // key components W-180 / W-186, 51.09 % product, 0.014 % tails; tolerance
        // 1e-3 (N, M 1e-2). Masses: AME 2003.
        let masses = [
            179.946_706,
            181.948_206,
            182.950_224,
            183.950_933,
            185.954_362,
        ];
        let fractions = [0.0014, 0.26416, 0.14409, 0.30618, 0.28417];
        let spec = MarcSpec {
            feed: masses
                .iter()
                .zip(fractions)
                .map(|(&mass, fraction)| Component { mass, fraction })
                .collect(),
            j: 0,
            k: 4,
            product_j: 0.5109,
            tails_j: 0.00014,
            alpha: 1.16306,
            m_star0: 181.3,
        };
        let s = solve(&spec).unwrap();
        close(s.product_per_feed, 0.0024669120526274574, 1e-6, "P/F");
        close(s.n_enriching, 43.557_515_688_533_51, 1e-2, "N");
        close(s.m_stripping, 11.49556481009056, 1e-2, "M");
        close(s.m_star, 181.16425540249995, 1e-3, "M*");
        close(s.flow_per_feed, 96.81774564292206, 1e-3, "L/F");
        close(s.swu_per_feed, 2.22221945305, 1e-3, "SWU/F");
        close(s.swu_per_product, 900.810164953, 1e-3, "SWU/P");
    }

    #[test]
    fn compositions_balance() {
        let spec = MarcSpec::uranium([5.5e-5, 0.0072, 0.0, 0.992745], 0.2, 0.003).unwrap();
        let s = solve(&spec).unwrap();
        for i in 0..4 {
            let back = s.product_per_feed * s.product[i] + s.tails_per_feed * s.tails[i];
            assert!(
                (back - spec.feed[i].fraction).abs() < 1e-12,
                "component {i}"
            );
        }
        assert!((s.product.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_specs() {
        assert!(MarcSpec::uranium([0.0, 0.0072, 0.0, 0.9928], 0.005, 0.0025).is_err());
        assert!(MarcSpec::uranium([0.0, 0.0072, 0.0, 0.9], 0.05, 0.0025).is_err());
    }
}
