//! A search of the deal space: every combination of the swept terms on a grid, the
//! breakout of each with its Monte Carlo probability of meeting a target, and the
//! frontier — the most permissive combinations that still meet it.
//!
//! A point is the base proposal in year 1 (after the implementation period, while
//! every term is in force) with the swept terms replaced. Permissive means more
//! machines, a larger stock, a higher enrichment cap, more machines stored, faster
//! reinstallation; a point is on the frontier when it meets the target with the
//! confidence asked and no one-step-more-permissive neighbour on any axis does. As
//! breakout never lengthens with a more permissive term (a property test), that is
//! the Pareto frontier of the grid.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use serde::Serialize;
use verity_agreement::Proposal;
use verity_vocab::MachineType;

use crate::model::Machines;
use crate::{DealError, Options, Sampler, StartState, StockOut, WorkCache, ramp_of, state_at};

/// A term the search can sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AxisName {
    Ir1,
    Ir2m,
    Ir4,
    Ir6,
    StockKgU,
    EnrichmentPct,
    Stored,
    ReinstallPerMonth,
    /// The starting state, swept by the application layer (which reads the record):
    /// a decimal year, the record at its last report on or before that date.
    StartYear,
}

impl AxisName {
    pub const ALL: [AxisName; 9] = [
        AxisName::Ir1,
        AxisName::Ir2m,
        AxisName::Ir4,
        AxisName::Ir6,
        AxisName::StockKgU,
        AxisName::EnrichmentPct,
        AxisName::Stored,
        AxisName::ReinstallPerMonth,
        AxisName::StartYear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AxisName::Ir1 => "ir1",
            AxisName::Ir2m => "ir2m",
            AxisName::Ir4 => "ir4",
            AxisName::Ir6 => "ir6",
            AxisName::StockKgU => "stock_kg_u",
            AxisName::EnrichmentPct => "enrichment_pct",
            AxisName::Stored => "stored",
            AxisName::ReinstallPerMonth => "reinstall_per_month",
            AxisName::StartYear => "start_year",
        }
    }

    /// What the axis sets, for documentation and errors.
    pub fn meaning(self) -> &'static str {
        match self {
            AxisName::Ir1 => "IR-1 machines enriching",
            AxisName::Ir2m => "IR-2m machines enriching",
            AxisName::Ir4 => "IR-4 machines enriching",
            AxisName::Ir6 => "IR-6 machines enriching",
            AxisName::StockKgU => "the stock cap, kg U (held at the enrichment cap)",
            AxisName::EnrichmentPct => "the enrichment cap, percent U-235 (0: no enrichment)",
            AxisName::Stored => "machines stored under monitoring (reinstallable)",
            AxisName::ReinstallPerMonth => "machines reinstalled per month in a breakout",
            AxisName::StartYear => {
                "the starting report: the record at its last report on or before this date, a decimal year (2025.4: late May 2025)"
            }
        }
    }

    fn machine(self) -> Option<MachineType> {
        match self {
            AxisName::Ir1 => Some(MachineType::Ir1),
            AxisName::Ir2m => Some(MachineType::Ir2m),
            AxisName::Ir4 => Some(MachineType::Ir4),
            AxisName::Ir6 => Some(MachineType::Ir6),
            _ => None,
        }
    }

    /// Whole numbers only.
    fn integral(self) -> bool {
        !matches!(
            self,
            AxisName::StockKgU | AxisName::EnrichmentPct | AxisName::StartYear
        )
    }

    pub fn parse(s: &str) -> Option<AxisName> {
        AxisName::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One swept axis: `NAME=LO..HI[:STEPS]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Axis {
    pub name: AxisName,
    pub lo: f64,
    pub hi: f64,
    pub steps: usize,
}

impl Axis {
    /// Parses `NAME=LO..HI[:STEPS]` (steps ≥ 2 values including both ends; default 5).
    pub fn parse(spec: &str) -> Result<Axis, DealError> {
        let bad = |reason: String| DealError::Invalid {
            field: format!("axis `{spec}`"),
            reason,
        };
        let names = || {
            AxisName::ALL
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (name, range) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected NAME=LO..HI[:STEPS]".into()))?;
        let name = AxisName::parse(name.trim()).ok_or_else(|| {
            bad(format!(
                "unknown axis `{}`; expected one of {}",
                name.trim(),
                names()
            ))
        })?;
        let (range, steps) = match range.split_once(':') {
            Some((r, s)) => (
                r,
                s.trim()
                    .parse::<usize>()
                    .map_err(|_| bad(format!("`{s}` is not a whole number of steps")))?,
            ),
            None => (range, 5),
        };
        let (lo, hi) = range
            .split_once("..")
            .ok_or_else(|| bad("expected LO..HI".into()))?;
        let num = |s: &str| -> Result<f64, DealError> {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| bad(format!("`{}` is not a number ≥ 0", s.trim())))
        };
        let (lo, hi) = (num(lo)?, num(hi)?);
        if hi < lo {
            return Err(bad(format!("{hi} is below {lo}")));
        }
        if !((2..=1000).contains(&steps) || (steps == 1 && lo == hi)) {
            return Err(bad(format!("{steps} steps: expected 2 to 1000")));
        }
        if name == AxisName::EnrichmentPct && hi > 93.0 {
            return Err(bad(format!("{hi} %: an enrichment cap is at most 93 %")));
        }
        if name == AxisName::StartYear && !(2000.0..=2100.0).contains(&lo) {
            return Err(bad(format!("{lo}: expected a year from 2000 to 2100")));
        }
        if name == AxisName::StartYear && hi > 2100.0 {
            return Err(bad(format!("{hi}: expected a year from 2000 to 2100")));
        }
        Ok(Axis {
            name,
            lo,
            hi,
            steps,
        })
    }

    /// The axis's values, low to high (whole numbers where the axis counts machines).
    pub fn values(&self) -> Vec<f64> {
        let n = self.steps.max(1);
        let mut v: Vec<f64> = (0..n)
            .map(|i| {
                let x = if n == 1 {
                    self.lo
                } else {
                    self.lo + (self.hi - self.lo) * i as f64 / (n - 1) as f64
                };
                if self.name.integral() {
                    x.round()
                } else if self.name == AxisName::StartYear {
                    // Hundredths of a year (about four days): dates, not float noise.
                    (x * 100.0).round() / 100.0
                } else {
                    x
                }
            })
            .collect();
        v.dedup();
        v
    }
}

/// A search request.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub axes: Vec<Axis>,
    pub target_days: f64,
    pub confidence: f64,
    pub samples: usize,
    pub seed: u64,
}

/// One point's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub axes: BTreeMap<&'static str, f64>,
    /// Central breakout days (`None`: no capacity and nothing to reinstall).
    pub days: Option<f64>,
    pub p_meets_target: f64,
}

/// A frontier point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierPoint {
    pub axes: BTreeMap<&'static str, f64>,
}

/// A search's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    pub points: Vec<Point>,
    pub frontier: Vec<FrontierPoint>,
    /// Whether every point was evaluated (a stopped search is partial).
    pub complete: bool,
}

/// The base of every point: the proposal's year-1 state.
#[derive(Debug, Clone)]
pub struct Base {
    enriching: BTreeMap<MachineType, u32>,
    stored: Vec<Machines>,
    stock_kg_u: f64,
    level_pct: f64,
    per_month: f64,
    default_stored_type: MachineType,
}

impl Base {
    pub fn new(p: &Proposal, start: &StartState) -> Result<Base, DealError> {
        let year = if p.duration_years >= 1 { 1.0 } else { 0.0 };
        let s = state_at(p, start, year)?;
        let mut enriching = BTreeMap::new();
        for m in &s.enriching {
            *enriching.entry(m.machine).or_default() += m.count;
        }
        let stock_kg_u = s.stocks.iter().map(|x| x.kg_u).sum();
        let level_pct = crate::enrichment_cap(p, year)
            .or_else(|| s.stocks.iter().map(|x| x.assay_pct).reduce(f64::max))
            .unwrap_or(3.67);
        let default_stored_type = s
            .stored
            .first()
            .map(|m| m.machine)
            .or_else(|| {
                start
                    .machines
                    .iter()
                    .map(|m| m.machine)
                    .max_by(|a, b| crate::rank(*a).total_cmp(&crate::rank(*b)))
            })
            .unwrap_or(MachineType::Ir1);
        Ok(Base {
            enriching,
            stored: s.stored,
            stock_kg_u,
            level_pct,
            per_month: s.reinstall_per_month,
            default_stored_type,
        })
    }

    /// The base's own value on an axis: where the proposal sits in the deal space.
    pub fn value(&self, a: AxisName) -> f64 {
        match a {
            AxisName::StockKgU => self.stock_kg_u,
            AxisName::EnrichmentPct => self.level_pct,
            AxisName::Stored => self.stored.iter().map(|m| f64::from(m.count)).sum(),
            AxisName::ReinstallPerMonth => self.per_month,
            // The base has one start; the year of its date.
            AxisName::StartYear => f64::NAN,
            m => m
                .machine()
                .and_then(|m| self.enriching.get(&m))
                .map_or(0.0, |n| f64::from(*n)),
        }
    }

    /// The point's machines, stored pool, stock and reinstallation rate.
    #[allow(clippy::type_complexity)]
    pub fn apply(
        &self,
        values: &[(AxisName, f64)],
    ) -> (Vec<Machines>, Vec<Machines>, Vec<StockOut>, f64) {
        let mut enriching = self.enriching.clone();
        let mut stored = self.stored.clone();
        let (mut kg, mut lvl, mut per_month) = (self.stock_kg_u, self.level_pct, self.per_month);
        for &(a, v) in values {
            if let Some(m) = a.machine() {
                enriching.insert(m, v as u32);
            }
            match a {
                AxisName::StockKgU => kg = v,
                AxisName::EnrichmentPct => lvl = v,
                AxisName::ReinstallPerMonth => per_month = v,
                AxisName::Stored => {
                    stored = scale_pool(&self.stored, v as u32, self.default_stored_type)
                }
                _ => {}
            }
        }
        let mut enr: Vec<Machines> = enriching
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(machine, count)| Machines { machine, count })
            .collect();
        if lvl <= 0.0 {
            // No enrichment: the machines allowed stand idle, and count as stored.
            stored.append(&mut enr);
        }
        let stocks = if kg > 0.0 && lvl > 0.711 {
            vec![StockOut {
                assay_pct: lvl,
                kg_u: kg,
            }]
        } else {
            Vec::new()
        };
        (enr, stored, stocks, per_month)
    }
}

/// A pool of `total` machines with the base pool's shares by type (largest remainder).
fn scale_pool(base: &[Machines], total: u32, default: MachineType) -> Vec<Machines> {
    let sum: u32 = base.iter().map(|m| m.count).sum();
    if sum == 0 {
        return if total > 0 {
            vec![Machines {
                machine: default,
                count: total,
            }]
        } else {
            Vec::new()
        };
    }
    let mut out: Vec<Machines> = base
        .iter()
        .map(|m| Machines {
            machine: m.machine,
            count: (u64::from(m.count) * u64::from(total) / u64::from(sum)) as u32,
        })
        .collect();
    let mut left = total - out.iter().map(|m| m.count).sum::<u32>();
    for m in out.iter_mut() {
        if left == 0 {
            break;
        }
        m.count += 1;
        left -= 1;
    }
    out.retain(|m| m.count > 0);
    out
}

/// Every grid point's axis values, in row-major order (the last axis fastest).
pub fn grid(axes: &[Axis]) -> Vec<Vec<(AxisName, f64)>> {
    let values: Vec<Vec<f64>> = axes.iter().map(Axis::values).collect();
    let total: usize = values.iter().map(Vec::len).product();
    (0..total)
        .map(|mut i| {
            let mut point = vec![(AxisName::Ir1, 0.0); axes.len()];
            for (k, a) in axes.iter().enumerate().rev() {
                let n = values[k].len();
                point[k] = (a.name, values[k][i % n]);
                i /= n;
            }
            point
        })
        .collect()
}

/// Checks a plan: axes distinct, target and confidence in range, a grid of at most
/// `max_points`.
pub fn check(plan: &Plan, max_points: usize) -> Result<usize, DealError> {
    let bad = |field: &str, reason: String| DealError::Invalid {
        field: field.into(),
        reason,
    };
    if plan.axes.is_empty() {
        return Err(bad(
            "axis",
            "give at least one --axis NAME=LO..HI[:STEPS]".into(),
        ));
    }
    for (i, a) in plan.axes.iter().enumerate() {
        if plan.axes[..i].iter().any(|b| b.name == a.name) {
            return Err(bad("axis", format!("`{}` is swept twice", a.name.as_str())));
        }
    }
    if !(plan.target_days.is_finite() && plan.target_days > 0.0) {
        return Err(bad(
            "target_days",
            format!("{}: expected days > 0", plan.target_days),
        ));
    }
    if !(plan.confidence > 0.0 && plan.confidence <= 1.0) {
        return Err(bad(
            "confidence",
            format!("{}: expected a probability in (0, 1]", plan.confidence),
        ));
    }
    let n: usize = plan.axes.iter().map(|a| a.values().len()).product();
    if n > max_points {
        return Err(bad(
            "axis",
            format!("{n} points: at most {max_points} in one search"),
        ));
    }
    Ok(n)
}

/// Called with each chunk of finished points (index, result); returns false to stop.
pub type OnChunk<'a> = dyn FnMut(&[(usize, Point)]) -> bool + 'a;

/// Runs the search, skipping points already in `done` (a resumed search). `on_chunk`
/// receives each chunk of finished points (index, result) and returns false to stop.
pub fn run(
    p: &Proposal,
    start: &StartState,
    plan: &Plan,
    opts: &Options,
    done: &BTreeMap<usize, Point>,
    on_chunk: &mut OnChunk<'_>,
) -> Result<SearchResult, DealError> {
    let base = Base::new(p, start)?;
    let points = grid(&plan.axes);
    // The work of each distinct stock, solved once (few: stock × enrichment values).
    let mut cache = WorkCache::default();
    let mut works = Vec::with_capacity(points.len());
    for v in &points {
        let (_, _, stocks, _) = base.apply(v);
        works.push(cache.get(&stocks, opts.sq)?);
    }
    let mut results: BTreeMap<usize, Point> = done.clone();
    let todo: Vec<usize> = (0..points.len())
        .filter(|i| !done.contains_key(i))
        .collect();
    let mut complete = true;
    for chunk in todo.chunks(256) {
        let out: Vec<(usize, Point)> = chunk
            .par_iter()
            .map(|&i| {
                let v = &points[i];
                let (enr, stored, _, per_month) = base.apply(v);
                let point = evaluate_point(v, &works[i], &enr, &stored, per_month, plan, i)?;
                Ok((i, point))
            })
            .collect::<Result<_, DealError>>()?;
        let go_on = on_chunk(&out);
        results.extend(out);
        if !go_on {
            complete = results.len() == points.len();
            break;
        }
    }
    let frontier = frontier(&plan.axes, &results, plan.confidence);
    Ok(SearchResult {
        points: results.into_values().collect(),
        frontier,
        complete,
    })
}

/// A point's result from its grid values (a resumed search rebuilds its points so).
pub fn point(values: &[(AxisName, f64)], days: Option<f64>, p_meets_target: f64) -> Point {
    Point {
        axes: values.iter().map(|(a, x)| (a.as_str(), *x)).collect(),
        days,
        p_meets_target,
    }
}

fn evaluate_point(
    v: &[(AxisName, f64)],
    work: &crate::Work,
    enriching: &[Machines],
    stored: &[Machines],
    per_month: f64,
    plan: &Plan,
    index: usize,
) -> Result<Point, DealError> {
    let ramp = ramp_of(enriching, stored, per_month)?;
    let days = ramp.days(work.swu_kg).map(|d| d + work.overhead_days);
    let p = if plan.samples == 0 {
        f64::from(u8::from(days.is_none_or(|d| d >= plan.target_days)))
    } else {
        let sampler = Sampler::new(enriching, stored)?;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(
            plan.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let mut scratch = ramp.clone();
        let mut meets = 0usize;
        for _ in 0..plan.samples {
            sampler.draw(&ramp, &mut rng, &mut scratch);
            if scratch
                .days(work.swu_kg)
                .is_none_or(|d| d + work.overhead_days >= plan.target_days)
            {
                meets += 1;
            }
        }
        meets as f64 / plan.samples as f64
    };
    Ok(point(v, days, p))
}

/// The points meeting the target with the confidence asked whose every one-step more
/// permissive neighbour does not (or lies off the grid).
fn frontier(
    axes: &[Axis],
    results: &BTreeMap<usize, Point>,
    confidence: f64,
) -> Vec<FrontierPoint> {
    let lens: Vec<usize> = axes.iter().map(|a| a.values().len()).collect();
    let meets = |i: usize| {
        results
            .get(&i)
            .is_some_and(|p| p.p_meets_target >= confidence)
    };
    let mut out = Vec::new();
    for (&i, p) in results {
        if !meets(i) {
            continue;
        }
        // The stride of axis k in row-major order.
        let mut stride = 1usize;
        let mut on = true;
        for k in (0..axes.len()).rev() {
            let pos = (i / stride) % lens[k];
            if pos + 1 < lens[k] && meets(i + stride) {
                on = false;
                break;
            }
            stride *= lens[k];
        }
        if on {
            out.push(FrontierPoint {
                axes: p.axes.clone(),
            });
        }
    }
    out
}
