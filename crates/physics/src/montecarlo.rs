//! Monte Carlo uncertainty of the breakout time.
//!
//! Each sample draws (1) one performance figure per centrifuge type from a triangular
//! distribution over the catalogue's low / central / high figures (machines of one type
//! are assumed to perform alike, so the draw is per type, not per machine), or, for a
//! capacity given as total SWU/yr, a triangular factor over ±`swu_spread`; (2) each
//! stock's mass with a normal relative error `stock_sigma` (truncated at 0); and
//! re-solves the breakout LP at the input's tails assay (the optimum, if optimised).
//!
//! Reproducible: samples are generated in fixed blocks, block b seeded from
//! (seed, b), so the result does not depend on the number of threads.

use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;

use crate::PhysicsError;
use crate::breakout::{self, BreakoutInput, Capacity, Prepared, Tails};
use crate::centrifuge::{self, Performance};

/// Settings of a Monte Carlo run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct McConfig {
    pub samples: usize,
    pub seed: u64,
    /// Relative standard deviation of every stock mass (0.02 = 2 %). The IAEA does not
    /// publish uncertainties for its stock estimates; the default of 2 % is an
    /// assumption, to be overridden where a better figure is known.
    pub stock_sigma: f64,
    /// Half-width of the triangular spread of a capacity given as total SWU/yr
    /// (0.2 = ±20 %). Not used for centrifuge counts, which use the catalogue.
    pub swu_spread: f64,
}

impl Default for McConfig {
    fn default() -> McConfig {
        McConfig {
            samples: 100_000,
            seed: 1,
            stock_sigma: 0.02,
            swu_spread: 0.2,
        }
    }
}

/// Percentiles of the breakout time in days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct McSummary {
    pub median_days: f64,
    pub p05_days: f64,
    pub p95_days: f64,
    pub samples: usize,
    pub seed: u64,
    /// Samples whose stocks could not reach the target (only possible without
    /// natural uranium); they count as infinitely long.
    pub infeasible: usize,
}

const BLOCK: usize = 8192;

/// One capacity term: count × triangular(low, mode, high).
#[derive(Debug, Clone, Copy)]
struct Term {
    count: f64,
    low: f64,
    mode: f64,
    high: f64,
}

impl Term {
    #[inline]
    fn sample(&self, u: f64) -> f64 {
        // Inverse CDF of the triangular distribution.
        let (a, c, b) = (self.low, self.mode, self.high);
        if b <= a {
            return self.count * c;
        }
        let fc = (c - a) / (b - a);
        let x = if u < fc {
            a + (u * (b - a) * (c - a)).sqrt()
        } else {
            b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
        };
        self.count * x
    }
}

/// Runs the Monte Carlo; `progress` is called with the number of samples done so far
/// (from worker threads, in no particular order) so a front end can draw a bar.
pub fn run_with_progress(
    input: &BreakoutInput,
    cfg: &McConfig,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<McSummary, PhysicsError> {
    if cfg.samples == 0 {
        return Err(PhysicsError::InvalidParameter {
            field: "samples".into(),
            reason: "at least one sample is needed".into(),
        });
    }
    for (field, v) in [
        ("stock_sigma", cfg.stock_sigma),
        ("swu_spread", cfg.swu_spread),
    ] {
        if !(v.is_finite() && (0.0..1.0).contains(&v)) {
            return Err(PhysicsError::InvalidParameter {
                field: field.into(),
                reason: format!("{v}: must lie in [0, 1)"),
            });
        }
    }
    // The central plan validates the input and fixes the tails assay. An optimised
    // tails assay often lies where a stock is just used up, so a sample with a little
    // less of that stock would be infeasible there: the samples are solved at the
    // optimum for stocks 3σ below their figures instead, which every sample can reach
    // (a slightly more conservative plan than the central one).
    let central = breakout::solve(input)?;
    let tails = match input.tails {
        Tails::Fixed(t) => t,
        Tails::Optimised { .. } | Tails::Optimal if cfg.stock_sigma > 0.0 => {
            let mut lean = input.clone();
            let keep = (1.0 - 3.0 * cfg.stock_sigma).max(0.0);
            for s in &mut lean.stocks {
                s.kg_u = crate::KgU::new(s.kg_u.kg() * keep)?;
            }
            breakout::solve(&lean).map_or(central.tails_assay, |p| p.tails_assay)
        }
        _ => central.tails_assay,
    };
    let mut fixed = input.clone();
    fixed.tails = Tails::Fixed(tails);
    let offers = breakout::offers(&fixed);
    let xp = input.target.assay.fraction();
    let p = input.target.product_kg_u();
    let prep = Prepared::new(&offers, xp, tails.fraction());
    let eff = input.efficiency;

    let terms: Vec<Term> = match &input.capacity {
        Capacity::SwuPerYear(s) => vec![Term {
            count: 1.0,
            low: s * (1.0 - cfg.swu_spread),
            mode: *s,
            high: s * (1.0 + cfg.swu_spread),
        }],
        Capacity::Centrifuges(list) => list
            .iter()
            .map(|m| {
                let c = centrifuge::find(&m.kind)?;
                Ok(Term {
                    count: f64::from(m.count),
                    low: c.figure(Performance::Low),
                    mode: c.figure(Performance::Central),
                    high: c.figure(Performance::High),
                })
            })
            .collect::<Result<_, PhysicsError>>()?,
    };
    let base_limits: Vec<f64> = offers.iter().map(|o| o.limit).collect();
    let sigma = cfg.stock_sigma;
    let to_days = breakout::DAYS_PER_YEAR / eff;

    let mut days = vec![0.0f64; cfg.samples];
    let done = std::sync::atomic::AtomicUsize::new(0);
    days.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(
            cfg.seed ^ (b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let n = out.len();
        // Structure of arrays over the block, so the fill below vectorises.
        let mut cap = vec![0.0f64; n];
        for t in &terms {
            for c in cap.iter_mut() {
                *c += t.sample(rng.random::<f64>());
            }
        }
        let mut need = vec![p * prep.need_per_p; n];
        let mut swu = vec![p * prep.fixed_per_p; n];
        let mut lim = vec![0.0f64; n];
        for &(i, w, c) in &prep.order {
            let base = base_limits[i];
            let inv_w = 1.0 / w;
            if base.is_finite() {
                for l in lim.iter_mut() {
                    let z: f64 = rng.sample(StandardNormal);
                    *l = (base * (1.0 + sigma * z)).max(0.0);
                }
                for ((nd, s), l) in need.iter_mut().zip(swu.iter_mut()).zip(&lim) {
                    let f = (*nd * inv_w).min(*l).max(0.0);
                    *s += f * c;
                    *nd -= f * w;
                }
            } else {
                for (nd, s) in need.iter_mut().zip(swu.iter_mut()) {
                    let f = (*nd * inv_w).max(0.0);
                    *s += f * c;
                    *nd -= f * w;
                }
            }
        }
        let tol = 1e-12 * p * prep.need_per_p;
        for (k, d) in out.iter_mut().enumerate() {
            *d = if need[k] > tol {
                f64::INFINITY
            } else {
                swu[k].max(0.0) / cap[k] * to_days
            };
        }
        let so_far = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        progress(so_far + n);
    });

    let infeasible = days.iter().filter(|d| !d.is_finite()).count();
    let n = days.len();
    let mut pick = |q: f64| -> f64 {
        let idx = ((n - 1) as f64 * q).round() as usize;
        *days.select_nth_unstable_by(idx, f64::total_cmp).1
    };
    // Select the middle first: later selections then work on smaller halves.
    let median = pick(0.5);
    let p05 = pick(0.05);
    let p95 = pick(0.95);
    Ok(McSummary {
        median_days: median,
        p05_days: p05,
        p95_days: p95,
        samples: n,
        seed: cfg.seed,
        infeasible,
    })
}

/// Runs the Monte Carlo without progress reporting.
pub fn run(input: &BreakoutInput, cfg: &McConfig) -> Result<McSummary, PhysicsError> {
    run_with_progress(input, cfg, &|_| {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breakout::{MachineCount, Stock};
    use crate::{Assay, KgU};

    fn jcpoa() -> BreakoutInput {
        BreakoutInput::new(
            vec![Stock {
                assay: Assay::from_pct(3.67).unwrap(),
                kg_u: KgU::new(202.8).unwrap(),
            }],
            Capacity::Centrifuges(vec![MachineCount {
                kind: "IR-1".into(),
                count: 5060,
            }]),
        )
    }

    #[test]
    fn reproducible_and_ordered() {
        let cfg = McConfig {
            samples: 20_000,
            ..McConfig::default()
        };
        let a = run(&jcpoa(), &cfg).unwrap();
        let b = run(&jcpoa(), &cfg).unwrap();
        assert_eq!(a, b);
        assert!(a.p05_days < a.median_days && a.median_days < a.p95_days);
        let other = run(&jcpoa(), &McConfig { seed: 2, ..cfg }).unwrap();
        assert_ne!(a.median_days, other.median_days);
    }

    #[test]
    fn brackets_the_central_plan_within_catalogue_bounds() {
        let input = jcpoa();
        let central = breakout::solve(&input).unwrap().days;
        let s = run(&input, &McConfig::default()).unwrap();
        // IR-1 between 0.75 and 1.12 SWU/yr (central 0.9): days scale inversely.
        let fast = central * 0.9 / 1.12;
        let slow = central * 0.9 / 0.75;
        assert!(
            s.p05_days > fast * 0.97 && s.p95_days < slow * 1.03,
            "{s:?}"
        );
        assert!(
            (s.median_days / central - 1.0).abs() < 0.05,
            "{s:?} vs {central}"
        );
    }

    #[test]
    fn zero_spread_gives_the_deterministic_answer() {
        let mut input = jcpoa();
        input.capacity = Capacity::SwuPerYear(4554.0);
        let central = breakout::solve(&input).unwrap().days;
        let cfg = McConfig {
            samples: 1000,
            stock_sigma: 0.0,
            swu_spread: 0.0,
            ..McConfig::default()
        };
        let s = run(&input, &cfg).unwrap();
        assert!((s.median_days - central).abs() < 1e-9);
        assert!((s.p95_days - s.p05_days).abs() < 1e-9);
    }
}
