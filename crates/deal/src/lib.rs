//! `verity-deal`: the negotiation workbench's arithmetic.
//!
//! A [`Proposal`] (the agreement language's `[[term]]`s) applied to a [`StartState`]
//! (the programme as a report of the record found it, or a named state such as the
//! programme before the JCPOA) gives, for every year of the deal's life, the machines
//! enriching, the machines stored and reinstallable, and the stocks a compliant party
//! could hold ([`state_at`]); [`evaluate`] turns each year into a breakout time with its
//! Monte Carlo spread, the sneakout time of a covert plant, and the verification the
//! terms provide against each route; [`search`] sweeps the deal space for the limits
//! that keep breakout above a target with a given confidence.
//!
//! Pure: no I/O, no clock; the Monte Carlo takes its seed. The breakout model is in
//! [`model`]: one physics solve per stock, then closed-form time under a capacity that
//! rises as stored machines are reinstalled.

pub mod model;
pub mod search;
pub mod start;
pub mod verify;

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;
use verity_agreement::proposal::{MachineFate, Proposal, TermKind};
use verity_physics::{PhysicsError, SqDefinition, value_function};
use verity_vocab::{MachineType, Site};

pub use model::{Machines, Ramp, Work};
pub use start::{InstallRate, StartMachines, StartState, StartStock};

/// What can go wrong evaluating a deal.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DealError {
    #[error("{0}")]
    Physics(#[from] PhysicsError),
    #[error("no performance figure for {0} in the centrifuge catalogue")]
    NoPerformance(&'static str),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
}

/// How a deal is evaluated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Monte Carlo samples per year (0: the central figures only).
    pub samples: usize,
    pub seed: u64,
    pub sq: SqDefinition,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            samples: 4000,
            seed: 1,
            sq: SqDefinition::Iaea,
        }
    }
}

/// A stock: assay (percent U-235) and mass (kg U).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StockOut {
    pub assay_pct: f64,
    pub kg_u: f64,
}

/// What a compliant party holds in one year of the deal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearState {
    pub year: f64,
    /// Machines enriching (the most the terms in force allow).
    pub enriching: Vec<Machines>,
    /// Machines stored under monitoring that could be reinstalled.
    pub stored: Vec<Machines>,
    /// The stock held: at the caps in force, at the enrichment cap.
    pub stocks: Vec<StockOut>,
    pub reinstall_per_month: f64,
    /// The terms in force, by kind.
    pub in_force: Vec<&'static str>,
    /// What has lapsed, and since when.
    pub lapsed: Vec<String>,
    /// Machines a term allows but the physics has no figure for.
    pub not_counted: Vec<String>,
}

fn rank(m: MachineType) -> f64 {
    model::figures(m).map(|(_, c, _)| c).unwrap_or(0.0)
}

/// Adds `n` machines of `m` to a type → count map.
fn add(map: &mut BTreeMap<MachineType, u32>, m: MachineType, n: u32) {
    *map.entry(m).or_default() += n;
}

fn to_list(map: &BTreeMap<MachineType, u32>) -> Vec<Machines> {
    let mut v: Vec<Machines> = map
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(m, n)| Machines {
            machine: *m,
            count: *n,
        })
        .collect();
    v.sort_by(|a, b| rank(b.machine).total_cmp(&rank(a.machine)));
    v
}

/// The machines the terms in force at `year` allow, by type (R&D machines included
/// where the catalogue has a figure), and those it cannot count.
fn allowed(p: &Proposal, year: f64) -> (BTreeMap<MachineType, u32>, Vec<String>) {
    let mut map = BTreeMap::new();
    let mut not_counted = Vec::new();
    for t in p.in_force(year) {
        match &t.kind {
            TermKind::Machines { machine, count, .. } => add(&mut map, *machine, *count),
            TermKind::Rd { machine, count } => {
                if model::figures(*machine).is_ok() {
                    add(&mut map, *machine, *count);
                } else {
                    not_counted.push(format!(
                        "{count} {} for R&D (no performance figure)",
                        machine.label()
                    ));
                }
            }
            _ => {}
        }
    }
    (map, not_counted)
}

pub(crate) fn enrichment_cap(p: &Proposal, year: f64) -> Option<f64> {
    p.in_force(year)
        .filter_map(|t| match t.kind {
            TermKind::EnrichmentCap { pct } => Some(pct),
            _ => None,
        })
        .reduce(f64::min)
}

fn stock_cap(p: &Proposal, year: f64) -> Option<f64> {
    p.in_force(year)
        .filter_map(|t| match t.kind {
            TermKind::StockCap { kg_u } => Some(kg_u),
            _ => None,
        })
        .reduce(f64::min)
}

/// The last year before `year` at which terms matching `pick` were in force, and the
/// year they lapsed (the latest `until_year` ≤ `year`).
fn lapse(p: &Proposal, year: f64, pick: impl Fn(&TermKind) -> bool) -> Option<f64> {
    p.terms
        .iter()
        .filter(|t| pick(&t.kind))
        .filter_map(|t| t.until_year.filter(|u| *u <= year))
        .reduce(f64::max)
}

/// kg-SWU per kg of product at `pct` from natural uranium with 0.3 % tails.
fn swu_per_kg(pct: f64) -> f64 {
    let (xf, xt, xp) = (0.00711, 0.003, pct / 100.0);
    if xp <= xf {
        return f64::INFINITY;
    }
    let f = (xp - xt) / (xf - xt);
    let w = f - 1.0;
    value_function(xp) + w * value_function(xt) - f * value_function(xf)
}

/// Machines a month reinstalled in a breakout: the proposal's assumption, or the
/// pace the starting state has shown where that is faster.
pub fn reinstall_rate(p: &Proposal, start: &StartState) -> f64 {
    at_least_shown(p.reinstall.per_month, start)
}

/// Machines a month coming back once the machine limits lapse, with the same floor.
fn after_lapse_rate(p: &Proposal, start: &StartState) -> f64 {
    at_least_shown(p.reinstall.after_lapse_per_month, start)
}

fn at_least_shown(rate: f64, start: &StartState) -> f64 {
    rate.max(start.install_rate.as_ref().map_or(0.0, |r| r.per_month))
}

/// What a compliant party holds at `year` of the deal (see the crate docs and
/// `docs/proposal-format.md` for each rule).
pub fn state_at(p: &Proposal, start: &StartState, year: f64) -> Result<YearState, DealError> {
    let machine_term = |k: &TermKind| matches!(k, TermKind::Machines { .. });
    let zero_term = |k: &TermKind| matches!(k, TermKind::EnrichmentCap { pct } if *pct <= 0.0);
    let regime_ever = p
        .terms
        .iter()
        .any(|t| machine_term(&t.kind) || zero_term(&t.kind));
    let cap = enrichment_cap(p, year);
    let zero = cap.is_some_and(|c| c <= 0.0);
    let mut lapsed = Vec::new();

    // What Iran has of each type: what it had, or only what the deal allows where the
    // excess is removed rather than stored.
    let fate = p
        .terms
        .iter()
        .find_map(|t| match t.kind {
            TermKind::ExcessMachines { fate } => Some(fate),
            _ => None,
        })
        .unwrap_or(MachineFate::Stored);
    let mut installed: BTreeMap<MachineType, u32> = BTreeMap::new();
    let mut enriching_start: BTreeMap<MachineType, u32> = BTreeMap::new();
    for m in &start.machines {
        add(&mut installed, m.machine, m.installed.max(m.enriching));
        add(&mut enriching_start, m.machine, m.enriching);
    }
    let (allowed_now, not_counted) = allowed(p, year);
    let (allowed_start, _) = allowed(p, 0.0);
    let inventory: BTreeMap<MachineType, u32> = match fate {
        MachineFate::Stored => installed.clone(),
        MachineFate::Removed => installed
            .iter()
            .map(|(m, n)| (*m, (*n).min(allowed_start.get(m).copied().unwrap_or(0))))
            .collect(),
    };
    let regime_now = p.in_force(year).any(|t| machine_term(&t.kind)) || zero;
    let (enriching, stored) = if !regime_ever {
        // No limit on machines: what was enriching still is; the rest can be started.
        let stored = installed
            .iter()
            .map(|(m, n)| (*m, n - enriching_start.get(m).copied().unwrap_or(0).min(*n)))
            .collect();
        (enriching_start.clone(), stored)
    } else if regime_now {
        let enriching: BTreeMap<MachineType, u32> = if zero {
            BTreeMap::new()
        } else {
            allowed_now.clone()
        };
        let stored = inventory
            .iter()
            .map(|(m, n)| (*m, n.saturating_sub(enriching.get(m).copied().unwrap_or(0))))
            .collect();
        (enriching, stored)
    } else {
        // The machine limits have lapsed: the plant grows back from storage at the
        // reinstallation pace since the lapse, the most capable machines first.
        let since = lapse(p, year, |k| machine_term(k) || zero_term(k)).unwrap_or(0.0);
        let (before, _) = allowed(p, (since - 1e-9).max(0.0));
        let mut enriching = before.clone();
        let mut stored: BTreeMap<MachineType, u32> = inventory
            .iter()
            .map(|(m, n)| (*m, n.saturating_sub(before.get(m).copied().unwrap_or(0))))
            .collect();
        let mut back = after_lapse_rate(p, start) * (year - since) * 12.0;
        let mut order: Vec<MachineType> = stored.keys().copied().collect();
        order.sort_by(|a, b| rank(*b).total_cmp(&rank(*a)));
        for m in order {
            let n = stored.get(&m).copied().unwrap_or(0);
            let k = (back.floor() as u32).min(n);
            if k > 0 {
                add(&mut enriching, m, k);
                stored.insert(m, n - k);
                back -= f64::from(k);
            }
        }
        lapsed.push(format!("machine limits since year {since}"));
        (enriching, stored)
    };

    // The stock: at the cap in force, held at the enrichment cap (the most a compliant
    // party can hold); once the cap lapses, the cap plus what the machines enriching
    // make at that level since.
    let level = cap.or_else(|| {
        lapse(p, year, |k| matches!(k, TermKind::EnrichmentCap { .. })).and_then(|y| {
            lapsed.push(format!("enrichment cap since year {y}"));
            enrichment_cap(p, (y - 1e-9).max(0.0))
        })
    });
    let start_top = start
        .stocks
        .iter()
        .map(|s| s.assay_pct)
        .reduce(f64::max)
        .unwrap_or(3.67);
    let mut stocks = Vec::new();
    let capacity = |e: &BTreeMap<MachineType, u32>| -> f64 {
        e.iter()
            .map(|(m, n)| {
                model::figures(*m)
                    .map(|(_, c, _)| c * f64::from(*n))
                    .unwrap_or(0.0)
            })
            .sum()
    };
    if !zero {
        let lvl = level.unwrap_or(start_top);
        match stock_cap(p, year) {
            Some(kg) => {
                if kg > 0.0 && lvl > 0.0 {
                    stocks.push(StockOut {
                        assay_pct: lvl,
                        kg_u: kg,
                    });
                }
            }
            None => {
                let lapsed_at = lapse(p, year, |k| matches!(k, TermKind::StockCap { .. }));
                if let Some(y) = lapsed_at {
                    let kg0 = stock_cap(p, (y - 1e-9).max(0.0)).unwrap_or(0.0);
                    let made = capacity(&enriching) * (year - y) / swu_per_kg(lvl);
                    lapsed.push(format!("stock cap since year {y}"));
                    if kg0 + made > 0.0 {
                        stocks.push(StockOut {
                            assay_pct: lvl,
                            kg_u: kg0 + made,
                        });
                    }
                } else {
                    // No cap ever: the starting stocks, less what the terms ship out or
                    // down-blend once their time has come.
                    for s in &start.stocks {
                        let gone = p.terms.iter().any(|t| match t.kind {
                            TermKind::ExistingStock {
                                above_pct,
                                within_months,
                                ..
                            } => {
                                year * 12.0 >= within_months
                                    && s.assay_pct > above_pct.or(cap).unwrap_or(f64::INFINITY)
                            }
                            _ => false,
                        });
                        if !gone && s.kg_u > 0.0 {
                            stocks.push(StockOut {
                                assay_pct: s.assay_pct,
                                kg_u: s.kg_u,
                            });
                        }
                    }
                }
            }
        }
    }
    let mut in_force: Vec<&'static str> = p.in_force(year).map(|t| t.kind.name()).collect();
    in_force.sort_unstable();
    in_force.dedup();
    Ok(YearState {
        year,
        enriching: to_list(&enriching),
        stored: to_list(&stored),
        stocks,
        reinstall_per_month: reinstall_rate(p, start),
        in_force,
        lapsed,
        not_counted,
    })
}

/// The ramp of a year's capacity: enriching machines, and the stored ones coming back.
pub fn ramp_of(
    enriching: &[Machines],
    stored: &[Machines],
    per_month: f64,
) -> Result<Ramp, DealError> {
    let mut start = 0.0;
    for m in enriching {
        start += model::figures(m.machine)?.1 * f64::from(m.count);
    }
    let mut pool = Vec::new();
    for m in stored {
        if let Ok((_, c, _)) = model::figures(m.machine) {
            pool.push((c, f64::from(m.count)));
        }
    }
    pool.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(Ramp {
        start_swu_per_year: start,
        pool,
        per_month,
    })
}

/// Breakout from one year's state: central days, the 5th and 95th percentiles over
/// machine performance, and the route.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub days: Option<f64>,
    pub days_p05: Option<f64>,
    pub days_p95: Option<f64>,
    pub route: &'static str,
    pub capacity_swu_per_year: f64,
    pub swu_kg: f64,
}

/// A Monte Carlo over the catalogue's triangular low / central / high per machine
/// type (one draw per type per sample: machines of a type perform alike).
pub(crate) struct Sampler {
    types: Vec<(model::Perf, f64, Vec<usize>)>,
}

impl Sampler {
    /// `groups`: (machine type, enriching count, pool index if stored).
    pub(crate) fn new(enriching: &[Machines], stored: &[Machines]) -> Result<Sampler, DealError> {
        let mut types: BTreeMap<MachineType, (model::Perf, f64, Vec<usize>)> = BTreeMap::new();
        for m in enriching {
            let (low, mode, high) = model::figures(m.machine)?;
            types
                .entry(m.machine)
                .or_insert((model::Perf { low, mode, high }, 0.0, Vec::new()))
                .1 += f64::from(m.count);
        }
        let mut pool: Vec<(f64, usize, MachineType)> = Vec::new();
        for m in stored {
            if let Ok((_, c, _)) = model::figures(m.machine) {
                pool.push((c, 0, m.machine));
            }
        }
        pool.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (i, (_, _, m)) in pool.iter().enumerate() {
            if let Ok((low, mode, high)) = model::figures(*m) {
                types
                    .entry(*m)
                    .or_insert((model::Perf { low, mode, high }, 0.0, Vec::new()))
                    .2
                    .push(i);
            }
        }
        Ok(Sampler {
            types: types.into_values().collect(),
        })
    }

    /// One sample: the ramp with every type's figure drawn.
    pub(crate) fn draw(&self, base: &Ramp, rng: &mut Xoshiro256PlusPlus, out: &mut Ramp) {
        out.start_swu_per_year = 0.0;
        out.pool.clone_from(&base.pool);
        out.per_month = base.per_month;
        for (perf, count, pool_ix) in &self.types {
            let s = perf.sample(rng.random::<f64>());
            out.start_swu_per_year += s * count;
            for &i in pool_ix {
                if let Some(e) = out.pool.get_mut(i) {
                    e.0 = s;
                }
            }
        }
        out.pool.sort_by(|a, b| b.0.total_cmp(&a.0));
    }
}

/// The breakout estimate of a state, given the work its stocks need.
pub fn estimate(
    work: &Work,
    enriching: &[Machines],
    stored: &[Machines],
    per_month: f64,
    opts: &Options,
) -> Result<Estimate, DealError> {
    let ramp = ramp_of(enriching, stored, per_month)?;
    let central = ramp.days(work.swu_kg).map(|d| d + work.overhead_days);
    let (p05, p95) = match central {
        Some(_) if opts.samples > 0 => {
            let sampler = Sampler::new(enriching, stored)?;
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(opts.seed);
            let mut scratch = ramp.clone();
            let mut days: Vec<f64> = (0..opts.samples)
                .map(|_| {
                    sampler.draw(&ramp, &mut rng, &mut scratch);
                    scratch
                        .days(work.swu_kg)
                        .map_or(f64::INFINITY, |d| d + work.overhead_days)
                })
                .collect();
            days.sort_by(f64::total_cmp);
            let q = |p: f64| {
                let i = ((days.len() - 1) as f64 * p).round() as usize;
                days.get(i).copied().filter(|d| d.is_finite())
            };
            (q(0.05), q(0.95))
        }
        c => (c, c),
    };
    Ok(Estimate {
        days: central,
        days_p05: p05,
        days_p95: p95,
        route: if central.is_some() {
            work.route
        } else {
            "none"
        },
        capacity_swu_per_year: ramp.start_swu_per_year,
        swu_kg: work.swu_kg,
    })
}

/// One year of a deal's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearPoint {
    pub year: u32,
    pub date: String,
    pub days: Option<f64>,
    pub days_p05: Option<f64>,
    pub days_p95: Option<f64>,
    pub route: &'static str,
    pub capacity_swu_per_year: f64,
    pub swu_kg: f64,
    pub sneakout_days: Option<f64>,
    pub state: YearState,
}

/// A deal's evaluation from a starting state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub proposal: String,
    pub title: String,
    pub status: &'static str,
    pub start: StartState,
    pub years: Vec<YearPoint>,
    pub min_days: Option<f64>,
    pub min_year: Option<u32>,
    pub sneakout_days: Option<f64>,
    pub sneakout: SneakoutOut,
    pub verification: Vec<verify::Check>,
    pub sources: Vec<String>,
}

/// The covert plant assumed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SneakoutOut {
    pub machine: &'static str,
    pub count: u32,
    pub source: String,
    pub feed: &'static str,
}

/// The work of each distinct stock, solved once.
#[derive(Default)]
pub struct WorkCache {
    map: BTreeMap<Vec<(u64, u64)>, Work>,
}

impl WorkCache {
    pub fn get(&mut self, stocks: &[StockOut], sq: SqDefinition) -> Result<Work, DealError> {
        let key: Vec<(u64, u64)> = stocks
            .iter()
            .map(|s| (s.assay_pct.to_bits(), s.kg_u.to_bits()))
            .collect();
        if let Some(w) = self.map.get(&key) {
            return Ok(*w);
        }
        let pairs: Vec<(f64, f64)> = stocks.iter().map(|s| (s.assay_pct, s.kg_u)).collect();
        let w = model::work(&pairs, sq)?;
        self.map.insert(key, w);
        Ok(w)
    }
}

/// Breakout for every year of the deal's life (years 0 to `duration_years`), the
/// sneakout time, and the verification the terms provide.
pub fn evaluate(p: &Proposal, start: &StartState, opts: &Options) -> Result<Evaluation, DealError> {
    let mut cache = WorkCache::default();
    let mut years = Vec::new();
    let covert = [Machines {
        machine: p.sneakout.machine,
        count: p.sneakout.count,
    }];
    for y in 0..=p.duration_years {
        let state = state_at(p, start, f64::from(y))?;
        let work = cache.get(&state.stocks, opts.sq)?;
        let e = estimate(
            &work,
            &state.enriching,
            &state.stored,
            state.reinstall_per_month,
            &Options {
                seed: opts.seed.wrapping_add(u64::from(y)),
                ..*opts
            },
        )?;
        let sneak = estimate(
            &work,
            &covert,
            &[],
            0.0,
            &Options {
                samples: 0,
                ..*opts
            },
        )?;
        years.push(YearPoint {
            year: y,
            date: start.date_plus_years(y),
            days: e.days,
            days_p05: e.days_p05,
            days_p95: e.days_p95,
            route: e.route,
            capacity_swu_per_year: e.capacity_swu_per_year,
            swu_kg: e.swu_kg,
            sneakout_days: sneak.days,
            state,
        });
    }
    let min = years
        .iter()
        .filter_map(|y| y.days.map(|d| (d, y.year)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let sneakout_days = years
        .iter()
        .filter_map(|y| y.sneakout_days)
        .reduce(f64::min);
    let mut sources: Vec<String> = vec![p.source.clone()];
    sources.extend(p.terms.iter().map(|t| t.source.clone()));
    sources.push(p.reinstall.source.clone());
    if let Some(r) = start
        .install_rate
        .as_ref()
        .filter(|r| r.per_month > p.reinstall.per_month)
    {
        sources.push(r.source.clone());
    }
    sources.push(p.sneakout.source.clone());
    sources.push(start.source.clone());
    let mut seen = std::collections::HashSet::new();
    sources.retain(|s| seen.insert(s.clone()));
    let verification = verify::checks(p, &years);
    Ok(Evaluation {
        proposal: p.id.clone(),
        title: p.title.clone(),
        status: p.status.as_str(),
        start: start.clone(),
        years,
        min_days: min.map(|m| m.0),
        min_year: min.map(|m| m.1),
        sneakout_days,
        sneakout: SneakoutOut {
            machine: p.sneakout.machine.label(),
            count: p.sneakout.count,
            source: p.sneakout.source.clone(),
            feed: "the stock the deal allows, diverted, and natural uranium",
        },
        verification,
        sources,
    })
}

/// A site's label, for messages.
pub fn site_label(s: Option<Site>) -> &'static str {
    s.map_or("any site", Site::label)
}
