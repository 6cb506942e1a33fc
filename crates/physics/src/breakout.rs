//! Breakout: the least separative work, and the time it takes, to make a target quantity
//! of highly enriched uranium from stocks at several assays.
//!
//! With one fixed tails assay x_t and product P at x_p the problem is the linear
//! programme
//!
//! ```text
//!   minimise   P·V(x_p) + T·V(x_t) − Σ F_i·V(x_i)
//!   subject to ΣF_i − T = P,   ΣF_i·x_i − T·x_t = P·x_p,   0 ≤ F_i ≤ stock_i
//! ```
//!
//! Eliminating T leaves one equality, Σ F_i·(x_i − x_t) = P·(x_p − x_t), and the
//! objective P·(V(x_p) − V(x_t)) + Σ F_i·(V(x_t) − V(x_i)). An LP with a single
//! equality constraint over bounded variables with positive weights is a fractional
//! knapsack: by LP duality its optimum fills the variables in increasing order of cost
//! per unit weight, (V(x_t) − V(x_i)) / (x_i − x_t), the last one partially. [`solve`]
//! does exactly that, which is why it is exact and fast. Stocks at or below the tails
//! assay cannot contribute U-235 above tails and are never fed.

use serde::Serialize;

use crate::Assay as A;
use crate::centrifuge::{self, Performance};
use crate::{KgU, PhysicsError, Swu};

/// Days per year used to turn SWU/yr into days.
pub const DAYS_PER_YEAR: f64 = 365.25;

/// One significant quantity of HEU: 25 kg U-235 (IAEA Safeguards Glossary, 2001
/// edition, §3.14, Table II).
pub const SQ_U235_KG: f64 = 25.0;

/// A stock of uranium at one assay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stock {
    pub assay: A,
    pub kg_u: KgU,
}

/// A number of machines of one catalogue type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MachineCount {
    /// Catalogue name (see [`centrifuge::CATALOGUE`]), case-insensitive.
    pub kind: String,
    pub count: u32,
}

/// The enrichment capacity available for breakout.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// A total in kg-SWU per year.
    SwuPerYear(f64),
    /// Machines by catalogue type; their capacity is taken from the catalogue.
    Centrifuges(Vec<MachineCount>),
}

impl Capacity {
    /// Nominal kg-SWU/yr (before the cascade-efficiency factor).
    pub fn swu_per_year(&self, perf: Performance) -> Result<f64, PhysicsError> {
        let total = match self {
            Capacity::SwuPerYear(s) => *s,
            Capacity::Centrifuges(list) => {
                let mut sum = 0.0;
                for m in list {
                    sum += centrifuge::find(&m.kind)?.figure(perf) * f64::from(m.count);
                }
                sum
            }
        };
        if total.is_finite() && total > 0.0 {
            Ok(total)
        } else {
            Err(PhysicsError::InvalidParameter {
                field: "capacity".into(),
                reason: format!("{total} kg-SWU/yr: the enrichment capacity must be > 0"),
            })
        }
    }
}

/// How the tails assay is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tails {
    Fixed(A),
    /// The tails assay in [min, max] that needs the least separative work.
    Optimised {
        min: A,
        max: A,
    },
    /// The tails assay that needs the least separative work over the whole admissible
    /// range: from 0.01 % up to just below the richest stock. Natural uranium is fed
    /// only with tails up to [`NATURAL_FEED_TAILS_MAX`]: as the tails approach 0.711 %
    /// the natural feed a cascade must process grows without bound while the work
    /// falls only slowly, so no breakout plan strips natural uranium that little.
    Optimal,
}

/// The highest tails assay at which natural uranium is fed (0.5 %): the upper end of
/// the tails assays breakout studies use (Heinonen 2015 implies about 0.33 %; ISIS's
/// IR-1 operating data about 0.4 %).
pub const NATURAL_FEED_TAILS_MAX: A = A::constant(0.005);

/// The lowest tails assay searched (0.01 %): below it no enrichment plant operates.
const TAILS_FLOOR: f64 = 1e-4;

impl Tails {
    /// The default tails assay of breakout estimates: 0.3 % (the value behind the
    /// ~5,400 kg-SWU per SQ from natural uranium, see tests/golden.rs).
    pub fn default_fixed() -> Tails {
        Tails::Fixed(A::constant(0.003))
    }

    /// What `--optimise-tails` asks for: the whole admissible range ([`Tails::Optimal`]).
    pub fn default_optimised() -> Tails {
        Tails::Optimal
    }
}

/// What to make.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    pub assay: A,
    /// kg of U-235 contained in the product.
    pub u235_kg: f64,
}

impl Target {
    /// One significant quantity at 90 %: 25 kg U-235 in 27.8 kg U.
    pub fn one_sq() -> Target {
        Target {
            assay: A::constant(0.9),
            u235_kg: SQ_U235_KG,
        }
    }

    /// kg U of product.
    pub fn product_kg_u(&self) -> f64 {
        self.u235_kg / self.assay.fraction()
    }
}

/// Everything a breakout estimate needs. Build with [`BreakoutInput::new`] and adjust
/// the public fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakoutInput {
    pub stocks: Vec<Stock>,
    pub capacity: Capacity,
    /// Which catalogue figure to use for centrifuge capacity (central by default).
    pub performance: Performance,
    /// Cascade-efficiency factor in (0, 1]: the share of nominal capacity that does
    /// useful work when cascades are reconfigured for breakout (1 = ideal).
    pub efficiency: f64,
    pub tails: Tails,
    pub target: Target,
    /// Natural uranium (0.711 %) available without limit.
    pub natural_available: bool,
}

impl BreakoutInput {
    /// Defaults: central machine figures, efficiency 1, tails 0.3 %, target 1 SQ at
    /// 90 %, natural uranium available.
    pub fn new(stocks: Vec<Stock>, capacity: Capacity) -> BreakoutInput {
        BreakoutInput {
            stocks,
            capacity,
            performance: Performance::Central,
            efficiency: 1.0,
            tails: Tails::default_fixed(),
            target: Target::one_sq(),
            natural_available: true,
        }
    }

    /// Effective kg-SWU/yr: nominal capacity × efficiency.
    pub fn effective_swu_per_year(&self) -> Result<f64, PhysicsError> {
        if !(self.efficiency.is_finite() && self.efficiency > 0.0 && self.efficiency <= 1.0) {
            return Err(PhysicsError::InvalidParameter {
                field: "efficiency".into(),
                reason: format!(
                    "{}: the cascade-efficiency factor must lie in (0, 1]",
                    self.efficiency
                ),
            });
        }
        Ok(self.capacity.swu_per_year(self.performance)? * self.efficiency)
    }

    fn validate(&self) -> Result<(), PhysicsError> {
        let t = &self.target;
        if !(t.u235_kg.is_finite() && t.u235_kg > 0.0) {
            return Err(PhysicsError::InvalidParameter {
                field: "target_u235_kg".into(),
                reason: format!("{} kg: the target must be a positive mass", t.u235_kg),
            });
        }
        if t.assay <= A::NATURAL {
            return Err(PhysicsError::InvalidParameter {
                field: "target_pct".into(),
                reason: format!(
                    "{}: a breakout target must be enriched above natural uranium (0.711 %)",
                    t.assay
                ),
            });
        }
        for (i, s) in self.stocks.iter().enumerate() {
            if s.assay >= t.assay {
                return Err(PhysicsError::InvalidParameter {
                    field: format!("stocks[{i}]"),
                    reason: format!(
                        "{} at {} is at or above the target assay {}: it needs no enrichment (count it directly)",
                        s.kg_u, s.assay, t.assay
                    ),
                });
            }
        }
        let (lo, hi) = match self.tails {
            Tails::Fixed(x) => (x, x),
            Tails::Optimised { min, max } => (min, max),
            Tails::Optimal => return Ok(()),
        };
        if lo > hi {
            return Err(PhysicsError::InvalidParameter {
                field: "tails".into(),
                reason: format!("range {lo}..{hi} is empty"),
            });
        }
        if hi >= t.assay {
            return Err(PhysicsError::InvalidParameter {
                field: "tails".into(),
                reason: format!(
                    "{hi}: the tails assay must be below the target assay {}",
                    t.assay
                ),
            });
        }
        Ok(())
    }
}

/// One feed of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Feed {
    pub assay: A,
    pub kg_u: KgU,
    /// The whole stock it comes from (`None` for unlimited natural uranium or the
    /// product of an earlier step).
    pub available_kg_u: Option<KgU>,
}

/// The least-SWU plan for one ideal cascade with the given feeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakoutPlan {
    /// Feeds used, highest assay first.
    pub feeds: Vec<Feed>,
    pub product_assay: A,
    pub product: KgU,
    pub tails_assay: A,
    pub tails: KgU,
    pub swu: Swu,
    /// Effective capacity (after the efficiency factor), kg-SWU/yr.
    pub swu_per_year: f64,
    pub days: f64,
}

/// A feed offered to the LP: assay and how much there is (∞ = unlimited).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Offer {
    pub x: f64,
    pub limit: f64,
}

/// The LP for fixed assays, prepared once so that it can be re-solved quickly for
/// other stock masses (the Monte Carlo does this for every sample): the fill order
/// depends on assays only.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// (offer index, weight x_i − x_t, cost V(x_t) − V(x_i)) in fill order.
    pub(crate) order: Vec<(usize, f64, f64)>,
    /// P·(x_p − x_t) per unit product: U-235 above tails the feeds must bring.
    pub(crate) need_per_p: f64,
    /// V(x_p) − V(x_t) per unit product.
    pub(crate) fixed_per_p: f64,
}

impl Prepared {
    pub(crate) fn new(offers: &[Offer], xp: f64, xt: f64) -> Prepared {
        let vt = crate::value_function(xt);
        let mut order: Vec<(usize, f64, f64)> = offers
            .iter()
            .enumerate()
            .filter(|(_, o)| o.x > xt && o.limit > 0.0)
            .map(|(i, o)| (i, o.x - xt, vt - crate::value_function(o.x)))
            .collect();
        order.sort_by(|a, b| (a.2 / a.1).total_cmp(&(b.2 / b.1)));
        Prepared {
            order,
            need_per_p: xp - xt,
            fixed_per_p: crate::value_function(xp) - vt,
        }
    }

    /// Fills `used` (indexed like the offers) for product `p` with the given limits;
    /// returns the SWU, or `None` when the offers hold too little U-235.
    #[inline]
    pub(crate) fn fill(&self, p: f64, limits: &[f64], used: &mut [f64]) -> Option<f64> {
        let mut need = p * self.need_per_p;
        let mut swu = p * self.fixed_per_p;
        // Below this the remaining need is rounding residue of the last partial fill,
        // which must not pull a speck of the next feed into the plan.
        let eps = 1e-12 * need;
        for u in used.iter_mut() {
            *u = 0.0;
        }
        for &(i, w, c) in &self.order {
            if need <= eps {
                break;
            }
            let f = (need / w).min(limits[i]);
            used[i] = f;
            swu += f * c;
            need -= f * w;
        }
        if need > eps { None } else { Some(swu) }
    }

    /// U-235 above tails all offers hold together (for error messages).
    fn available(&self, limits: &[f64]) -> f64 {
        self.order.iter().map(|&(i, w, _)| limits[i] * w).sum()
    }
}

/// The offers of an input: its stocks, then natural uranium if available.
pub(crate) fn offers(input: &BreakoutInput) -> Vec<Offer> {
    let mut v: Vec<Offer> = input
        .stocks
        .iter()
        .map(|s| Offer {
            x: s.assay.fraction(),
            limit: s.kg_u.kg(),
        })
        .collect();
    if input.natural_available {
        v.push(Offer {
            x: A::NATURAL.fraction(),
            limit: f64::INFINITY,
        });
    }
    v
}

/// Solves the LP for one tails assay. Returns (used per offer, SWU).
fn solve_fixed(
    offers: &[Offer],
    xp: f64,
    xt: f64,
    p: f64,
) -> Result<(Vec<f64>, f64), PhysicsError> {
    // No feed at all (no stock in the band and no natural uranium): nothing to enrich.
    if offers.is_empty() && p > 0.0 {
        return Err(PhysicsError::Infeasible(
            "there is no feed: no stock in this band and natural uranium is not available".into(),
        ));
    }
    // No feed richer than the tails: nothing can be enriched at all. Say so plainly
    // (the general message below would speak of a negative amount of U-235).
    if let Some(highest) = offers.iter().map(|o| o.x).reduce(f64::max)
        && highest <= xt
    {
        return Err(PhysicsError::Infeasible(format!(
            "the tails assay {} % is at or above every feed's assay (the highest feed is \
             {} %): no feed can be enriched (choose tails below {} %)",
            pct(xt),
            pct(highest),
            pct(highest)
        )));
    }
    let prep = Prepared::new(offers, xp, xt);
    let limits: Vec<f64> = offers.iter().map(|o| o.limit).collect();
    let mut used = vec![0.0; offers.len()];
    match prep.fill(p, &limits, &mut used) {
        Some(swu) => Ok((used, swu)),
        None => Err(PhysicsError::Infeasible(format!(
            "the feeds hold {:.3} kg U-235 above the {} % tails, {:.3} kg are needed for {:.2} kg U at {} % \
             (allow natural uranium, add stocks or lower the target)",
            prep.available(&limits),
            pct(xt),
            p * (xp - xt),
            p,
            pct(xp)
        ))),
    }
}

/// Finds the least-SWU plan for the input (see the module documentation).
pub fn solve(input: &BreakoutInput) -> Result<BreakoutPlan, PhysicsError> {
    input.validate()?;
    let swu_per_year = input.effective_swu_per_year()?;
    let offers = offers(input);
    let xp = input.target.assay.fraction();
    let p = input.target.product_kg_u();

    let (xt, used, swu) = match input.tails {
        Tails::Fixed(t) => {
            let (used, swu) = solve_fixed(&offers, xp, t.fraction(), p)?;
            (t.fraction(), used, swu)
        }
        Tails::Optimised { min, max } => optimise_tails(&offers, xp, p, min, max)?,
        Tails::Optimal => optimal_tails(&offers, xp, p)?,
    };
    Ok(plan_from(
        &offers,
        &used,
        xp,
        xt,
        p,
        swu,
        swu_per_year,
        input,
    ))
}

#[allow(clippy::too_many_arguments)]
fn plan_from(
    offers: &[Offer],
    used: &[f64],
    xp: f64,
    xt: f64,
    p: f64,
    swu: f64,
    swu_per_year: f64,
    input: &BreakoutInput,
) -> BreakoutPlan {
    let mut feeds = feeds_from(offers, used);
    feeds.sort_by(|a, b| b.assay.fraction().total_cmp(&a.assay.fraction()));
    let total_feed: f64 = used.iter().sum();
    let _ = input;
    BreakoutPlan {
        feeds,
        product_assay: A::from_fraction(xp).unwrap_or(A::NATURAL),
        product: KgU::from_balance(p),
        tails_assay: A::from_fraction(xt).unwrap_or(A::NATURAL),
        tails: KgU::from_balance(total_feed - p),
        swu: Swu::from_balance(swu),
        swu_per_year,
        days: swu.max(0.0) / swu_per_year * DAYS_PER_YEAR,
    }
}

fn feeds_from(offers: &[Offer], used: &[f64]) -> Vec<Feed> {
    offers
        .iter()
        .zip(used)
        .filter(|(_, u)| **u > 0.0)
        .map(|(o, u)| Feed {
            assay: A::from_fraction(o.x).unwrap_or(A::NATURAL),
            kg_u: KgU::from_balance(*u),
            available_kg_u: o.limit.is_finite().then(|| KgU::from_balance(o.limit)),
        })
        .collect()
}

/// Least SWU over the tails range: a grid to find the best feasible region (the
/// SWU-versus-tails curve has kinks where a stock runs out), then golden-section
/// refinement around the best grid point.
fn optimise_tails(
    offers: &[Offer],
    xp: f64,
    p: f64,
    min: A,
    max: A,
) -> Result<(f64, Vec<f64>, f64), PhysicsError> {
    let (lo, hi) = (min.fraction(), max.fraction());
    let eval = |xt: f64| -> f64 {
        solve_fixed(offers, xp, xt, p)
            .map(|(_, s)| s)
            .unwrap_or(f64::INFINITY)
    };
    const GRID: usize = 48;
    let step = (hi - lo) / GRID as f64;
    let mut best = (f64::INFINITY, lo);
    for k in 0..=GRID {
        let xt = lo + step * k as f64;
        let s = eval(xt);
        if s < best.0 {
            best = (s, xt);
        }
    }
    if !best.0.is_finite() {
        // Report the error of the most favourable end of the range.
        solve_fixed(offers, xp, lo, p)?;
        return Err(PhysicsError::Infeasible(
            "no tails assay in the range gives a feasible plan".into(),
        ));
    }
    if step > 0.0 {
        let xt = golden_min(&eval, (best.1 - step).max(lo), (best.1 + step).min(hi), 60);
        let s = eval(xt);
        if s < best.0 {
            best = (s, xt);
        }
    }
    let (used, swu) = solve_fixed(offers, xp, best.1, p)?;
    Ok((best.1, used, swu))
}

/// The minimiser of a unimodal `f` on [a, b] by `iters` golden-section steps: the best
/// point evaluated (the minimum often sits just left of an edge where a stock is used
/// up, beyond which `f` is infinite, so the last bracket's midpoint may be infeasible).
/// An infinite value marks an infeasible tails assay; feasibility only ever ends to the
/// right (a higher tails assay extracts less), so the bracket then shrinks from the
/// right.
fn golden_min(f: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64, iters: usize) -> f64 {
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    let mut best = if fc <= fd { (fc, c) } else { (fd, d) };
    for _ in 0..iters {
        if fc < fd || !fd.is_finite() {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
            if fc < best.0 {
                best = (fc, c);
            }
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
            if fd < best.0 {
                best = (fd, d);
            }
        }
    }
    let mid = 0.5 * (a + b);
    if f(mid) < best.0 { mid } else { best.1 }
}

/// A fraction as a percentage without float noise (`3.67`, never `3.6699999999999995`).
fn pct(x: f64) -> String {
    crate::units::trim_pct(x * 100.0)
}

/// Least SWU over the whole admissible tails range ([`Tails::Optimal`]). The SWU as a
/// function of the tails assay is smooth between kinks where a stock runs out or a
/// feed drops below the tails, so a logarithmic grid finds the best region (every
/// kink is bracketed) and golden-section search refines it.
fn optimal_tails(offers: &[Offer], xp: f64, p: f64) -> Result<(f64, Vec<f64>, f64), PhysicsError> {
    let natural_cap = NATURAL_FEED_TAILS_MAX.fraction();
    let top = offers
        .iter()
        .filter(|o| o.limit.is_finite() && o.limit > 0.0)
        .map(|o| o.x)
        .fold(natural_cap, f64::max);
    // The offers at a tails assay: natural uranium only up to the natural-feed bound.
    let at = |xt: f64| -> Vec<Offer> {
        offers
            .iter()
            .map(|o| Offer {
                x: o.x,
                limit: if o.limit.is_infinite() && xt > natural_cap {
                    0.0
                } else {
                    o.limit
                },
            })
            .collect()
    };
    let eval = |xt: f64| -> f64 {
        solve_fixed(&at(xt), xp, xt, p)
            .map(|(_, s)| s)
            .unwrap_or(f64::INFINITY)
    };
    const GRID: usize = 240;
    let (l0, l1) = (TAILS_FLOOR.ln(), (top * (1.0 - 1e-9)).ln());
    let grid: Vec<f64> = (0..=GRID)
        .map(|k| (l0 + (l1 - l0) * k as f64 / GRID as f64).exp())
        .chain(std::iter::once(natural_cap))
        .collect();
    let mut best = (f64::INFINITY, grid[0]);
    for &xt in &grid {
        let s = eval(xt);
        if s < best.0 {
            best = (s, xt);
        }
    }
    if !best.0.is_finite() {
        // No tails assay works: report the most favourable one's reason.
        let xt = TAILS_FLOOR.max(1e-4);
        solve_fixed(&at(xt), xp, xt, p)?;
        return Err(PhysicsError::Infeasible(
            "no tails assay gives a feasible plan".into(),
        ));
    }
    // Refine between the grid neighbours of the best point (golden section in ln x).
    let step = (l1 - l0) / GRID as f64;
    let xt = golden_min(
        &|lx: f64| eval(lx.exp()),
        (best.1.ln() - step).max(l0),
        (best.1.ln() + step).min(l1),
        80,
    )
    .exp();
    let s = eval(xt);
    if s < best.0 {
        best = (s, xt);
    }
    let (used, swu) = solve_fixed(&at(best.1), xp, best.1, p)?;
    Ok((best.1, used, swu))
}

/// One step of a staged (batch-recycling) plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub from_assay: A,
    pub to_assay: A,
    pub tails_assay: A,
    /// Feeds of this step, highest assay first; the one at `from_assay` without
    /// `available_kg_u` is the product of the previous step (or natural uranium).
    pub feeds: Vec<Feed>,
    pub product: KgU,
    pub tails: KgU,
    pub swu: Swu,
    pub days: f64,
}

/// A staged plan: the steps actually needed, in the order they run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StagedPlan {
    pub steps: Vec<Step>,
    pub swu: Swu,
    pub swu_per_year: f64,
    pub days: f64,
}

/// The enrichment levels of Iran's step sequence after the first: LEU (3.67, 4.5 or
/// 5 %), then 20 %, 60 %, and the target (IAEA reports; ISIS, "Iranian Breakout
/// Estimates and Enriched Uranium Stocks", 21 Apr 2020, on four- and three-step
/// breakout).
pub const STAGE_LEVELS_PCT: [f64; 2] = [20.0, 60.0];

/// A staged plan through 0.711 % → `leu` → 20 % → 60 % → target, with all capacity
/// used for one step at a time. Stocks feed the step whose band [from, to) contains
/// their assay. The first step strips to the input's tails assay (the optimum of
/// [`solve`] if the tails are optimised); step k ≥ 2 strips to the feed assay of step
/// k − 1 (tails recycled, the usual batch-recycling scheme), so each step's tails can
/// be returned as feed to the step below. Steps no longer needed (because stocks cover
/// them) are left out.
pub fn solve_staged(input: &BreakoutInput, leu: A) -> Result<StagedPlan, PhysicsError> {
    input.validate()?;
    let swu_per_year = input.effective_swu_per_year()?;
    if !(leu > A::NATURAL && leu.pct() < 20.0) {
        return Err(PhysicsError::InvalidParameter {
            field: "leu".into(),
            reason: format!("{leu}: the LEU step must lie between 0.711 % and 20 %"),
        });
    }
    // The first step strips natural uranium: at most to the natural-feed bound.
    let first_tails = match input.tails {
        Tails::Fixed(t) => t.fraction(),
        Tails::Optimised { .. } | Tails::Optimal => solve(input)?
            .tails_assay
            .fraction()
            .min(NATURAL_FEED_TAILS_MAX.fraction()),
    };
    let xp = input.target.assay.fraction();
    // Levels: natural, LEU, 20, 60 below the target, then the target.
    let mut levels = vec![A::NATURAL.fraction(), leu.fraction()];
    levels.extend(STAGE_LEVELS_PCT.iter().map(|p| p / 100.0));
    levels.retain(|&l| l < xp);
    levels.push(xp);
    let n = levels.len() - 1;

    // Walk backwards from the target: each step's need for feed at its lower level is
    // the product the step below must make.
    let mut steps_rev = Vec::new();
    let mut product = input.target.product_kg_u();
    for k in (0..n).rev() {
        if product <= 0.0 {
            break;
        }
        let (from, to) = (levels[k], levels[k + 1]);
        let xt = if k == 0 { first_tails } else { levels[k - 1] };
        let mut offers: Vec<Offer> = input
            .stocks
            .iter()
            .filter(|s| {
                let x = s.assay.fraction();
                x >= from && x < to
            })
            .map(|s| Offer {
                x: s.assay.fraction(),
                limit: s.kg_u.kg(),
            })
            .collect();
        // The feed at the lower level: the previous step's product, or natural uranium.
        let upstream = k > 0 || input.natural_available;
        if upstream {
            offers.push(Offer {
                x: from,
                limit: f64::INFINITY,
            });
        }
        let (used, swu) = solve_fixed(&offers, to, xt, product).map_err(|e| match e {
            PhysicsError::Infeasible(m) => {
                PhysicsError::Infeasible(format!("step {} % → {} %: {m}", pct(from), pct(to)))
            }
            other => other,
        })?;
        let needed_upstream = if upstream {
            used[offers.len() - 1]
        } else {
            0.0
        };
        let mut feeds = feeds_from(&offers, &used);
        feeds.sort_by(|a, b| b.assay.fraction().total_cmp(&a.assay.fraction()));
        let total_feed: f64 = used.iter().sum();
        steps_rev.push(Step {
            from_assay: A::from_fraction(from)?,
            to_assay: A::from_fraction(to)?,
            tails_assay: A::from_fraction(xt)?,
            feeds,
            product: KgU::from_balance(product),
            tails: KgU::from_balance(total_feed - product),
            swu: Swu::from_balance(swu),
            days: swu.max(0.0) / swu_per_year * DAYS_PER_YEAR,
        });
        product = if k > 0 { needed_upstream } else { 0.0 };
    }
    steps_rev.reverse();
    let swu: f64 = steps_rev.iter().map(|s| s.swu.kg_swu()).sum();
    Ok(StagedPlan {
        steps: steps_rev,
        swu: Swu::from_balance(swu),
        swu_per_year,
        days: swu / swu_per_year * DAYS_PER_YEAR,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(p: f64) -> A {
        A::from_pct(p).unwrap()
    }
    fn kg(x: f64) -> KgU {
        KgU::new(x).unwrap()
    }

    #[test]
    fn natural_only_matches_two_stream_formula() {
        let input = BreakoutInput::new(vec![], Capacity::SwuPerYear(1000.0));
        let plan = solve(&input).unwrap();
        let e = crate::Enrichment::new(A::NATURAL, a(90.0), a(0.3)).unwrap();
        let s = e.streams(crate::Quantity::Product(kg(25.0 / 0.9)));
        assert!((plan.swu.kg_swu() - s.swu.kg_swu()).abs() < 1e-9);
        assert_eq!(plan.feeds.len(), 1);
        assert!((plan.feeds[0].kg_u.kg() - s.feed.kg()).abs() < 1e-9);
        assert!((plan.days - s.swu.kg_swu() / 1000.0 * 365.25).abs() < 1e-9);
    }

    #[test]
    fn richest_stock_used_first() {
        let stocks = vec![
            Stock {
                assay: a(3.67),
                kg_u: kg(1000.0),
            },
            Stock {
                assay: a(60.0),
                kg_u: kg(10.0),
            },
        ];
        let plan = solve(&BreakoutInput::new(stocks, Capacity::SwuPerYear(1000.0))).unwrap();
        assert_eq!(plan.feeds[0].assay, a(60.0));
        assert!(
            (plan.feeds[0].kg_u.kg() - 10.0).abs() < 1e-12,
            "60 % exhausted"
        );
        assert!(plan.feeds.iter().all(|f| f.assay != A::NATURAL));
    }

    #[test]
    fn a_partly_used_stock_leaves_no_speck_of_the_next_feed() {
        let stocks = vec![
            Stock {
                assay: a(4.5),
                kg_u: kg(2950.0),
            },
            Stock {
                assay: a(19.75),
                kg_u: kg(17.6),
            },
        ];
        let mut input = BreakoutInput::new(stocks, Capacity::SwuPerYear(9000.0));
        input.tails = Tails::Fixed(a(0.5));
        let plan = solve(&input).unwrap();
        assert_eq!(plan.feeds.len(), 2, "{:?}", plan.feeds);
        assert!(plan.feeds.iter().all(|f| f.assay != A::NATURAL));
    }

    #[test]
    fn infeasible_without_natural_names_the_shortfall() {
        let mut input = BreakoutInput::new(
            vec![Stock {
                assay: a(3.67),
                kg_u: kg(202.8),
            }],
            Capacity::SwuPerYear(1000.0),
        );
        input.natural_available = false;
        let err = solve(&input).unwrap_err().to_string();
        assert!(err.contains("needed"), "{err}");
    }

    #[test]
    fn stock_above_target_is_rejected() {
        let input = BreakoutInput::new(
            vec![Stock {
                assay: a(93.0),
                kg_u: kg(1.0),
            }],
            Capacity::SwuPerYear(1.0),
        );
        let err = solve(&input).unwrap_err().to_string();
        assert!(err.contains("stocks[0]"), "{err}");
    }

    #[test]
    fn staged_scheme_a_matches_independent_chain() {
        // Independently computed in double precision (Python): 4 steps
        // 0.711→3.5→20→60→90, tails 0.3/0.711/3.5/20 %, 27.78 kg at 90 %:
        // SWU 4995.7 / 1382.1 / 229.0 / 62.2, total 6,669.
        let input = BreakoutInput::new(vec![], Capacity::SwuPerYear(1000.0));
        let plan = solve_staged(&input, a(3.5)).unwrap();
        let swu: Vec<f64> = plan.steps.iter().map(|s| s.swu.kg_swu()).collect();
        let expect = [4995.7, 1382.1, 229.0, 62.2];
        for (got, want) in swu.iter().zip(expect) {
            assert!((got - want).abs() < 0.1, "{got} vs {want}");
        }
        assert!((plan.swu.kg_swu() - 6669.0).abs() < 0.5);
        let sum_days: f64 = plan.steps.iter().map(|s| s.days).sum();
        assert!((sum_days - plan.days).abs() < 1e-9);
    }

    #[test]
    fn staged_skips_steps_covered_by_stocks() {
        let input = BreakoutInput::new(
            vec![Stock {
                assay: a(60.0),
                kg_u: kg(400.0),
            }],
            Capacity::SwuPerYear(1000.0),
        );
        let plan = solve_staged(&input, a(3.67)).unwrap();
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(plan.steps[0].from_assay, a(60.0));
        // 60 → 90 at 20 % tails: 62.2 kg-SWU (same independent computation, last step).
        assert!((plan.swu.kg_swu() - 62.2).abs() < 0.1);
    }

    #[test]
    fn optimised_tails_never_worse_than_range_ends() {
        let mut input = BreakoutInput::new(
            vec![Stock {
                assay: a(3.67),
                kg_u: kg(202.8),
            }],
            Capacity::SwuPerYear(1000.0),
        );
        input.tails = Tails::default_optimised();
        let best = solve(&input).unwrap();
        for t in [0.1, 0.2, 0.3, 0.4, 0.5] {
            input.tails = Tails::Fixed(a(t));
            let s = solve(&input).unwrap();
            assert!(best.swu.kg_swu() <= s.swu.kg_swu() + 1e-6, "tails {t}");
        }
    }
}
