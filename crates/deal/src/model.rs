//! The breakout model of a deal point: the enrichment work a breakout needs from the
//! stocks a deal leaves (computed once per stock with `verity-physics`), done by the
//! machines left enriching plus the machines reinstalled from storage as the breakout
//! goes on.
//!
//! Why split the work from the capacity: in the fixed-cascade route (Glaser 2008; the
//! route the record's timeline heads with) every step's kg-SWU depends on the stocks
//! and the target only, and each step's days are its kg-SWU over the capacity, plus a
//! fixed overhead (equilibrium and interconnection days). So one solve per stock gives
//! the work `W` and the overhead `O`, and a point's breakout is the time for a capacity
//! `C(t)` — constant, or rising as stored machines come back at `r` a month — to do
//! `W`: the `T` with ∫₀ᵀ C(t) dt = W, plus `O`. That is exact for constant capacity and
//! the only approximation under reinstallation is that reinstalled machines join every
//! step at once (as extra cascades), which is how ISIS counts reinstalled cascades in
//! "Iranian Breakout Timelines Under JCPOA-Type Limits" (2025).

use serde::Serialize;
use verity_physics::routes::{self, FixedCascades};
use verity_physics::{
    Assay, BreakoutInput, CascadeSet, KgU, PhysicsError, SqDefinition, Stock, Tails, centrifuge,
};
use verity_vocab::MachineType;

use crate::DealError;

/// Days in a month, for rates per month (365.25 / 12).
pub const DAYS_PER_MONTH: f64 = 30.4375;
const DAYS_PER_YEAR: f64 = 365.25;

/// The LEU level of the staged steps, as the record's timeline uses it (3.67 %).
const LEU_STEP_PCT: f64 = 3.67;

/// Machines of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Machines {
    #[serde(serialize_with = "ser_machine")]
    pub machine: MachineType,
    pub count: u32,
}

fn ser_machine<S: serde::Serializer>(m: &MachineType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.label())
}

/// The catalogue figures of a machine type (kg-SWU per machine-year), or why there are
/// none.
pub fn figures(m: MachineType) -> Result<(f64, f64, f64), DealError> {
    let c = centrifuge::find(m.label()).map_err(|_| DealError::NoPerformance(m.label()))?;
    Ok((
        c.low.swu_per_year,
        c.central.swu_per_year,
        c.high.swu_per_year,
    ))
}

/// The work of a breakout from given stocks: what every point with those stocks shares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Work {
    /// kg-SWU of enrichment.
    pub swu_kg: f64,
    /// Days that do not shrink with capacity (equilibrium, interconnection).
    pub overhead_days: f64,
    /// The route the work is that of.
    pub route: &'static str,
}

/// The work to one target quantity from `stocks` (assay %, kg U), natural uranium
/// available: the fixed-cascade route's (batch recycling 0.711 → 3.67 → 20 → 60 → 90 %,
/// a day to equilibrium per step and a day to reconnect between steps), else the
/// single ideal cascade's with optimised tails.
pub fn work(stocks: &[(f64, f64)], sq: SqDefinition) -> Result<Work, DealError> {
    let stocks = stocks
        .iter()
        .filter(|(_, kg)| *kg > 0.0)
        .map(|(pct, kg)| {
            Ok(Stock {
                assay: Assay::from_pct(*pct)?,
                kg_u: KgU::new(*kg)?,
            })
        })
        .collect::<Result<Vec<_>, PhysicsError>>()?;
    // The work does not depend on the capacity: solve on nominal cascades.
    let fixed = FixedCascades::new(vec![CascadeSet {
        kind: "IR-1".into(),
        cascades: 6,
        machines_per_cascade: routes::default_machines_per_cascade("IR-1"),
    }]);
    let mut input = BreakoutInput::new(stocks, fixed.capacity()?);
    input.tails = Tails::Optimal;
    input.target.u235_kg = sq.u235_kg(input.target.assay);
    let leu = Assay::from_pct(LEU_STEP_PCT)?;
    match verity_physics::solve_fixed_cascades(&input, leu, &fixed) {
        Ok(plan) => Ok(Work {
            swu_kg: plan.staged.swu.kg_swu(),
            overhead_days: plan.overhead_days,
            route: "fixed_cascades",
        }),
        Err(PhysicsError::Infeasible(_)) | Err(PhysicsError::NoConvergence { .. }) => {
            let plan = verity_physics::solve(&input)?;
            Ok(Work {
                swu_kg: plan.swu.kg_swu(),
                overhead_days: 0.0,
                route: "single_cascade",
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Capacity over a breakout: the machines enriching at its start, and a pool of stored
/// machines coming back at `per_month`, the most capable first.
#[derive(Debug, Clone, PartialEq)]
pub struct Ramp {
    /// kg-SWU/yr at the start.
    pub start_swu_per_year: f64,
    /// (kg-SWU/yr per machine, machines), most capable first.
    pub pool: Vec<(f64, f64)>,
    pub per_month: f64,
}

impl Ramp {
    /// Days to do `swu_kg` of work; `None` when there is no capacity and none to come.
    pub fn days(&self, swu_kg: f64) -> Option<f64> {
        if swu_kg <= 0.0 {
            return Some(0.0);
        }
        // Work in kg-SWU·day/yr units: ∫ C dt over days = swu_kg × 365.25.
        let mut left = swu_kg * DAYS_PER_YEAR;
        let mut c = self.start_swu_per_year.max(0.0);
        let mut t = 0.0;
        let per_day = self.per_month.max(0.0) / DAYS_PER_MONTH;
        if per_day > 0.0 {
            for &(s, n) in &self.pool {
                if n <= 0.0 || s <= 0.0 {
                    continue;
                }
                let span = n / per_day;
                let k = s * per_day; // capacity gained per day
                let done = c * span + 0.5 * k * span * span;
                if done >= left {
                    let tau = if k > 0.0 {
                        (-c + (c * c + 2.0 * k * left).sqrt()) / k
                    } else {
                        left / c
                    };
                    return Some(t + tau);
                }
                left -= done;
                t += span;
                c += s * n;
            }
        }
        (c > 0.0).then(|| t + left / c)
    }
}

/// A machine type's figure: catalogue low, central and high.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Perf {
    pub low: f64,
    pub mode: f64,
    pub high: f64,
}

impl Perf {
    /// The inverse CDF of the triangular distribution at `u`.
    #[inline]
    pub fn sample(&self, u: f64) -> f64 {
        let (a, c, b) = (self.low, self.mode, self.high);
        if b <= a {
            return c;
        }
        let fc = (c - a) / (b - a);
        if u < fc {
            a + (u * (b - a) * (c - a)).sqrt()
        } else {
            b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
        }
    }
}
