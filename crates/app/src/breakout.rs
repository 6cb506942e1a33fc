//! A breakout what-if: the least separative work, and the time, to make a bomb's worth
//! of highly enriched uranium from given stocks and capacity, with a staged plan and a
//! seeded Monte Carlo for the uncertainty.
//!
//! [`BreakoutRequest`] is what `verity breakout`'s flags build and what
//! `POST /api/v1/breakout/what-if` takes as its body; [`BreakoutDoc`] is what
//! `verity breakout --json` prints and the endpoint returns. Every field of the request
//! but `stocks` is optional, with the same defaults on both faces.

use serde::{Deserialize, Serialize};
use verity_physics::centrifuge::{self, Performance};
use verity_physics::montecarlo::{self, McConfig, McSummary};
use verity_physics::presets;
pub use verity_physics::presets::Preset;

/// The built-in scenarios (`verity breakout --list-presets`, `GET
/// /api/v1/breakout/presets`), each figure with its source.
pub fn presets() -> &'static [Preset] {
    presets::PRESETS
}
use verity_physics::routes::{self as phys_routes, RouteSummary};
use verity_physics::{
    Assay, BreakoutInput, BreakoutPlan, Capacity, CascadeSet, Feed, FixedCascadePlan,
    FixedCascades, KgU, MachineCount, PhysicsError, SqDefinition, StagedPlan, Stock, Tails,
};

use crate::{AppError, AppResult};

/// Defaults of the request (the CLI's flags show the same).
pub mod defaults {
    /// The tails of the single cascade when none is given: optimised (`None`).
    pub const TAILS_PCT: Option<f64> = None;
    pub const TARGET_PCT: f64 = 90.0;
    /// One significant quantity of HEU: 25 kg U-235 (IAEA Safeguards Glossary, 2022
    /// edition, Table II).
    pub const TARGET_U235_KG: f64 = 25.0;
    pub const EFFICIENCY: f64 = 1.0;
    pub const LEU_PCT: f64 = 3.67;
    pub const SAMPLES: usize = 100_000;
    pub const SEED: u64 = 1;
    pub const STOCK_SIGMA_PCT: f64 = 2.0;
    pub const SWU_SPREAD_PCT: f64 = 20.0;
}

/// One stock of uranium available as feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockIn {
    /// Percent U-235.
    pub assay_pct: f64,
    /// kg of uranium (element mass).
    pub kg_u: f64,
}

/// Machines of one catalogue type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MachinesIn {
    /// Catalogue type (`verity centrifuges`): IR-1, IR-2m, IR-4, IR-6, P-1, P-2.
    #[serde(rename = "type")]
    pub kind: String,
    pub count: u32,
}

/// A set of identical cascades for the fixed-cascade route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CascadesIn {
    /// Catalogue machine type.
    #[serde(rename = "type")]
    pub kind: String,
    /// How many cascades.
    pub count: u32,
    /// Machines per cascade (default 164 for IR-1 and IR-4, 174 for IR-2m and IR-6).
    #[serde(default)]
    pub machines_per_cascade: Option<u32>,
}

/// What one significant quantity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SqDefinitionIn {
    /// 25 kg U-235 contained (the IAEA's).
    #[default]
    Iaea,
    /// 25 kg of 90 % uranium (22.5 kg U-235), as ISIS counts a weapon's worth.
    Wgu,
}

/// Which catalogue figure to use for machine capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PerformanceIn {
    Low,
    #[default]
    Central,
    High,
}

/// A what-if request. Give the capacity as `centrifuges` or `swu_per_year` (not both),
/// or name a `preset` (then give neither, and no stocks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakoutRequest {
    /// Stocks of enriched uranium available as feed (may be empty).
    pub stocks: Vec<StockIn>,
    /// Operating centrifuges by type (their capacity comes from the catalogue).
    #[serde(default)]
    pub centrifuges: Vec<MachinesIn>,
    /// … or a total capacity in kg-SWU per year instead.
    #[serde(default)]
    pub swu_per_year: Option<f64>,
    /// A built-in scenario (`verity breakout --list-presets`) instead of stocks and
    /// capacity.
    #[serde(default)]
    pub preset: Option<String>,
    /// With a preset: only its machines at this site (`natanz_fep`, `natanz_pfep`,
    /// `fordow`), with all its stocks.
    #[serde(default)]
    pub site: Option<String>,
    /// Fixed tails assay, percent (default: optimised over the admissible range).
    #[serde(default)]
    pub tails_pct: Option<f64>,
    /// Optimise the tails assay over the admissible range (the default when no
    /// `tails_pct` is given; kept for explicitness).
    #[serde(default)]
    pub optimise_tails: bool,
    /// Product assay, percent (default 90).
    #[serde(default)]
    pub target_pct: Option<f64>,
    /// kg U-235 to make (default 25, one significant quantity).
    #[serde(default)]
    pub target_u235_kg: Option<f64>,
    /// Whether natural uranium is available as feed (default true).
    #[serde(default)]
    pub natural: Option<bool>,
    /// Cascade-efficiency factor in (0, 1] (default 1).
    #[serde(default)]
    pub efficiency: Option<f64>,
    /// Which catalogue figure (default central).
    #[serde(default)]
    pub performance: Option<PerformanceIn>,
    /// LEU level of the staged plan, percent (default 3.67).
    #[serde(default)]
    pub leu_pct: Option<f64>,
    /// Monte Carlo samples (default 100000; 0 turns the Monte Carlo off).
    #[serde(default)]
    pub samples: Option<usize>,
    /// Monte Carlo seed (default 1): same seed, same answer.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Relative standard deviation of stock masses in the Monte Carlo, percent
    /// (default 2).
    #[serde(default)]
    pub stock_sigma_pct: Option<f64>,
    /// Spread (±) of a `swu_per_year` capacity in the Monte Carlo, percent (default 20).
    #[serde(default)]
    pub swu_spread_pct: Option<f64>,
    /// How many significant quantities: the answer then gives the days to each of the
    /// 1st … Nth (default 1).
    #[serde(default)]
    pub quantity: Option<u32>,
    /// What one quantity is (default `iaea`); `target_u235_kg`, if given, wins.
    #[serde(default)]
    pub sq_definition: Option<SqDefinitionIn>,
    /// Cascades for the fixed-cascade route (none: the route is not computed).
    #[serde(default)]
    pub cascades: Vec<CascadesIn>,
    /// Equilibrium days per step of the fixed-cascade route (default 1).
    #[serde(default)]
    pub equilibrium_days: Option<f64>,
    /// Interconnection days between steps of the fixed-cascade route (default 1).
    #[serde(default)]
    pub interconnect_days: Option<f64>,
}

impl BreakoutRequest {
    /// A request with these stocks and every other field at its default.
    pub fn new(stocks: Vec<StockIn>) -> BreakoutRequest {
        BreakoutRequest {
            stocks,
            centrifuges: Vec::new(),
            swu_per_year: None,
            preset: None,
            site: None,
            tails_pct: None,
            optimise_tails: false,
            target_pct: None,
            target_u235_kg: None,
            natural: None,
            efficiency: None,
            performance: None,
            leu_pct: None,
            samples: None,
            seed: None,
            stock_sigma_pct: None,
            swu_spread_pct: None,
            quantity: None,
            sq_definition: None,
            cascades: Vec::new(),
            equilibrium_days: None,
            interconnect_days: None,
        }
    }
}

/// Resource limits of the caller. The answer never depends on them; a request beyond
/// them is refused.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_samples: usize,
}

impl Limits {
    /// On one's own machine: 10⁸ samples take 0.8 GB and a few seconds; more is never
    /// needed for percentiles.
    pub const LOCAL: Limits = Limits {
        max_samples: 100_000_000,
    };
    /// On a shared server, a request must not hold the machine.
    pub const SERVER: Limits = Limits {
        max_samples: 1_000_000,
    };
}

fn physics(field: &str, value: impl std::fmt::Display, e: PhysicsError) -> AppError {
    match e {
        PhysicsError::NoConvergence { .. } => AppError::Failed(anyhow::anyhow!("{e}")),
        other => AppError::field(field, value, other.to_string()),
    }
}

/// A plan that cannot be made from valid inputs (a target the stocks cannot reach
/// without natural uranium) is bad input; a solver that did not converge is a failure.
fn plan_error(context: &str, e: PhysicsError) -> AppError {
    match e {
        PhysicsError::NoConvergence { .. } => AppError::Failed(anyhow::anyhow!("{context}{e}")),
        other => AppError::bad(format!("{context}{other}")),
    }
}

fn assay(field: &str, pct: f64) -> AppResult<Assay> {
    Assay::from_pct(pct).map_err(|e| physics(field, pct, e))
}

/// The most quantities one request may ask for (each is a full set of routes).
pub const MAX_QUANTITY: u32 = 50;

/// A checked request: the physics input and what the answer needs to say about it.
struct Checked {
    input: BreakoutInput,
    preset: Option<&'static Preset>,
    leu: Assay,
    mc: Option<McConfig>,
    quantity: u32,
    sq: SqDefinition,
    fixed: Option<FixedCascades>,
}

fn check(req: &BreakoutRequest, limits: Limits) -> AppResult<Checked> {
    let (mut input, preset) = match &req.preset {
        Some(name) => {
            if !req.stocks.is_empty() || !req.centrifuges.is_empty() || req.swu_per_year.is_some() {
                return Err(AppError::field(
                    "preset",
                    name,
                    "a preset gives its own stocks and capacity: give no stocks, centrifuges or swu_per_year with it",
                ));
            }
            let p = presets::find(name).map_err(|e| physics("preset", name, e))?;
            let site = req.site.as_deref();
            let input = p.input_at(site).map_err(|e| match e {
                PhysicsError::InvalidParameter { reason, .. } => {
                    AppError::field("site", site.unwrap_or(""), reason)
                }
                other => physics("preset", name, other),
            })?;
            (input, Some(p))
        }
        None => {
            if let Some(site) = &req.site {
                return Err(AppError::field(
                    "site",
                    site,
                    "a site selects among a preset's machines: give it with a preset",
                ));
            }
            let mut stocks = Vec::with_capacity(req.stocks.len());
            for (i, s) in req.stocks.iter().enumerate() {
                stocks.push(Stock {
                    assay: assay(&format!("stocks[{i}].assay_pct"), s.assay_pct)?,
                    kg_u: KgU::new(s.kg_u)
                        .map_err(|e| physics(&format!("stocks[{i}].kg_u"), s.kg_u, e))?,
                });
            }
            let capacity = match (req.swu_per_year, req.centrifuges.is_empty()) {
                (Some(s), true) => {
                    if !(s.is_finite() && s > 0.0) {
                        return Err(AppError::field(
                            "swu_per_year",
                            s,
                            "the capacity must be a number > 0",
                        ));
                    }
                    Capacity::SwuPerYear(s)
                }
                (None, false) => {
                    let mut list = Vec::with_capacity(req.centrifuges.len());
                    for (i, m) in req.centrifuges.iter().enumerate() {
                        let c = centrifuge::find(&m.kind)
                            .map_err(|e| physics(&format!("centrifuges[{i}].type"), &m.kind, e))?;
                        list.push(MachineCount {
                            kind: c.name.to_owned(),
                            count: m.count,
                        });
                    }
                    Capacity::Centrifuges(list)
                }
                (Some(s), false) => {
                    return Err(AppError::field(
                        "swu_per_year",
                        s,
                        "give either centrifuges or swu_per_year, not both",
                    ));
                }
                (None, true) => {
                    return Err(AppError::field(
                        "centrifuges",
                        "[]",
                        "no enrichment capacity: give centrifuges (type and count), or swu_per_year, or a preset",
                    ));
                }
            };
            (BreakoutInput::new(stocks, capacity), None)
        }
    };
    input.tails = match (req.optimise_tails, req.tails_pct) {
        (true, Some(t)) => {
            return Err(AppError::field(
                "tails_pct",
                t,
                "give a fixed tails assay or optimise_tails, not both",
            ));
        }
        // Without a fixed tails assay the single cascade strips each feed as far as
        // pays: the whole admissible range (`Tails::Optimal`).
        (_, None) => Tails::Optimal,
        (false, Some(t)) => Tails::Fixed(assay("tails_pct", t)?),
    };
    input.target.assay = assay("target_pct", req.target_pct.unwrap_or(defaults::TARGET_PCT))?;
    let sq = match req.sq_definition.unwrap_or_default() {
        SqDefinitionIn::Iaea => SqDefinition::Iaea,
        SqDefinitionIn::Wgu => SqDefinition::Wgu,
    };
    let target = req
        .target_u235_kg
        .unwrap_or_else(|| sq.u235_kg(input.target.assay));
    // 10,000 tonnes of U-235 is several times all the highly enriched uranium ever
    // made (about 1,300 t of HEU worldwide, IPFM Global Fissile Material Report 2022):
    // a larger target is a typo or an attack on the arithmetic, not a question.
    const MAX_TARGET_U235_KG: f64 = 1e7;
    if !(target.is_finite() && target > 0.0 && target <= MAX_TARGET_U235_KG) {
        return Err(AppError::field(
            "target_u235_kg",
            format!("{target:?}"),
            "the target must be a mass > 0 and at most 10,000 t (1e7 kg) of U-235",
        ));
    }
    input.target.u235_kg = target;
    input.natural_available = req.natural.unwrap_or(true);
    let efficiency = req.efficiency.unwrap_or(defaults::EFFICIENCY);
    if !(efficiency > 0.0 && efficiency <= 1.0) {
        return Err(AppError::field(
            "efficiency",
            efficiency,
            "the cascade-efficiency factor must lie in (0, 1]",
        ));
    }
    input.efficiency = efficiency;
    input.performance = match req.performance.unwrap_or_default() {
        PerformanceIn::Low => Performance::Low,
        PerformanceIn::Central => Performance::Central,
        PerformanceIn::High => Performance::High,
    };
    let leu = assay("leu_pct", req.leu_pct.unwrap_or(defaults::LEU_PCT))?;
    let samples = req.samples.unwrap_or(defaults::SAMPLES);
    if samples > limits.max_samples {
        return Err(AppError::field(
            "samples",
            samples,
            format!(
                "at most {} samples here (the run keeps every sample in memory)",
                limits.max_samples
            ),
        ));
    }
    // Checked in the user's percent, before they become fractions.
    let stock_sigma = req.stock_sigma_pct.unwrap_or(defaults::STOCK_SIGMA_PCT);
    let swu_spread = req.swu_spread_pct.unwrap_or(defaults::SWU_SPREAD_PCT);
    for (field, pct) in [
        ("stock_sigma_pct", stock_sigma),
        ("swu_spread_pct", swu_spread),
    ] {
        if !(0.0..100.0).contains(&pct) {
            return Err(AppError::field(
                field,
                pct,
                "expected a percentage from 0 up to (not including) 100",
            ));
        }
    }
    let quantity = req.quantity.unwrap_or(1);
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(AppError::field(
            "quantity",
            quantity,
            format!("from 1 to {MAX_QUANTITY} significant quantities"),
        ));
    }
    let fixed = if req.cascades.is_empty() {
        None
    } else {
        let mut sets = Vec::with_capacity(req.cascades.len());
        for (i, c) in req.cascades.iter().enumerate() {
            let m = centrifuge::find(&c.kind)
                .map_err(|e| physics(&format!("cascades[{i}].type"), &c.kind, e))?;
            if c.count == 0 {
                return Err(AppError::field(
                    format!("cascades[{i}].count"),
                    0,
                    "give at least one cascade",
                ));
            }
            let per = c
                .machines_per_cascade
                .unwrap_or_else(|| phys_routes::default_machines_per_cascade(m.name));
            if per == 0 {
                return Err(AppError::field(
                    format!("cascades[{i}].machines_per_cascade"),
                    0,
                    "a cascade has at least one machine",
                ));
            }
            sets.push(CascadeSet {
                kind: m.name.to_owned(),
                cascades: c.count,
                machines_per_cascade: per,
            });
        }
        let mut f = FixedCascades::new(sets);
        for (field, v, slot) in [
            (
                "equilibrium_days",
                req.equilibrium_days,
                &mut f.equilibrium_days,
            ),
            (
                "interconnect_days",
                req.interconnect_days,
                &mut f.interconnect_days,
            ),
        ] {
            if let Some(v) = v {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(AppError::field(field, v, "a time must be ≥ 0 days"));
                }
                *slot = v;
            }
        }
        Some(f)
    };
    let mc = (samples > 0).then(|| McConfig {
        samples,
        seed: req.seed.unwrap_or(defaults::SEED),
        stock_sigma: stock_sigma / 100.0,
        swu_spread: swu_spread / 100.0,
    });
    Ok(Checked {
        input,
        preset,
        leu,
        mc,
        quantity,
        sq,
        fixed,
    })
}

/// One feed of a plan.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedOut {
    pub assay_pct: f64,
    pub kg_u: f64,
    /// The whole stock it comes from; null for natural uranium (unlimited) or the
    /// product of an earlier step.
    pub available_kg_u: Option<f64>,
}

impl From<&Feed> for FeedOut {
    fn from(f: &Feed) -> FeedOut {
        FeedOut {
            assay_pct: f.assay.pct(),
            kg_u: f.kg_u.kg(),
            available_kg_u: f.available_kg_u.map(|k| k.kg()),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StockOut {
    pub assay_pct: f64,
    pub kg_u: f64,
    /// Where the figure comes from (presets).
    pub source: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MachinesOut {
    #[serde(rename = "type")]
    pub kind: String,
    pub count: u32,
    pub swu_per_machine_year: f64,
    pub figure_source: &'static str,
    pub count_source: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CapacityOut {
    pub nominal_swu_per_year: f64,
    pub efficiency: f64,
    #[schema(value_type = PerformanceIn)]
    pub performance: Performance,
    pub centrifuges: Vec<MachinesOut>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StepOut {
    pub from_pct: f64,
    pub to_pct: f64,
    pub tails_pct: f64,
    pub feeds: Vec<FeedOut>,
    pub product_kg_u: f64,
    pub tails_kg_u: f64,
    pub swu_kg: f64,
    pub days: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StagedOut {
    pub leu_pct: f64,
    pub swu_kg: f64,
    pub days: f64,
    pub steps: Vec<StepOut>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UncertaintyOut {
    pub median_days: f64,
    pub p05_days: f64,
    pub p95_days: f64,
    pub samples: usize,
    pub seed: u64,
    pub stock_sigma_pct: f64,
    pub swu_spread_pct: Option<f64>,
    pub infeasible_samples: usize,
}

/// One route's outcome (see `verity_physics::routes`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RouteOut {
    /// `single_cascade`, `staged` or `fixed_cascades`.
    pub kind: &'static str,
    pub feasible: bool,
    pub swu_kg: Option<f64>,
    pub days: Option<f64>,
    pub tails_pct: Option<f64>,
    /// Why the route cannot reach the target.
    pub reason: Option<String>,
}

impl From<&RouteSummary> for RouteOut {
    fn from(r: &RouteSummary) -> RouteOut {
        RouteOut {
            kind: r.kind.as_str(),
            feasible: r.feasible,
            swu_kg: r.swu_kg,
            days: r.days,
            tails_pct: r.tails_pct,
            reason: r.reason.clone(),
        }
    }
}

/// The fixed-cascade route in detail.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FixedCascadesOut {
    pub cascades: Vec<CascadeSetOut>,
    pub swu_per_year: f64,
    pub equilibrium_days: f64,
    pub interconnect_days: f64,
    pub overhead_days: f64,
    pub swu_kg: f64,
    pub days: f64,
    pub steps: Vec<StepOut>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CascadeSetOut {
    #[serde(rename = "type")]
    pub kind: String,
    pub count: u32,
    pub machines_per_cascade: u32,
}

/// The answer: `verity breakout --json` and `POST /api/v1/breakout/what-if`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BreakoutDoc {
    pub preset: Option<&'static str>,
    pub as_of: Option<&'static str>,
    /// Separative work of the headline route (the fastest feasible one), kg-SWU.
    pub swu_kg: f64,
    /// Days of the headline route.
    pub days: f64,
    /// The headline route's kind.
    pub route: &'static str,
    /// Every route computed, feasible or with its reason.
    pub routes: Vec<RouteOut>,
    /// `iaea` (25 kg U-235) or `wgu` (25 kg of 90 % uranium).
    pub sq_definition: &'static str,
    /// Days to hold the 1st, 2nd, … Nth quantity (fastest route for each; null where
    /// none reaches it). Present when more than one quantity is asked for.
    pub cumulative_days: Option<Vec<Option<f64>>>,
    /// Effective capacity, kg-SWU per year.
    pub swu_per_year: f64,
    pub feeds: Vec<FeedOut>,
    pub product_kg_u: f64,
    pub product_pct: f64,
    pub target_u235_kg: f64,
    pub tails_kg_u: f64,
    pub tails_pct: f64,
    pub tails_optimised: bool,
    pub natural_available: bool,
    pub stocks: Vec<StockOut>,
    pub capacity: CapacityOut,
    /// The staged route in detail (null when it cannot reach the target; `routes` says
    /// why).
    pub staged: Option<StagedOut>,
    /// The fixed-cascade route in detail, when cascades were given and it is feasible.
    pub fixed_cascades: Option<FixedCascadesOut>,
    /// Of the single-cascade (least-work) plan: `feeds`, `product_*`, `tails_*` above
    /// describe it too.
    pub uncertainty: Option<UncertaintyOut>,
    pub notes: Option<&'static str>,
    /// How the figures are computed.
    pub method: &'static str,
}

/// How every figure of a [`BreakoutDoc`] is computed.
pub const METHOD: &str = "ideal-cascade separative work, V(x) = (2x−1)·ln(x/(1−x)); time = SWU ÷ capacity × 365.25 days. Single cascade: every feed into one cascade, tails optimised unless fixed (natural uranium stripped to at most 0.5 %), no reconfiguration time — the lower bound. Staged: batch recycling through 0.711 % → LEU → 20 % → 60 % → target with all capacity on one step at a time, no reconfiguration time. Fixed cascades: the staged steps in the given cascades, plus equilibrium and interconnection days. The headline is the fastest feasible route.";

/// Computes the answer. `progress` hears the number of Monte Carlo samples done.
pub fn what_if(
    req: &BreakoutRequest,
    limits: Limits,
    progress: &(dyn Fn(usize) + Sync),
) -> AppResult<BreakoutDoc> {
    let c = check(req, limits)?;
    // Each route solved once: its summary in `routes`, its detail below.
    let plans = phys_routes::plans(&c.input, c.leu, c.fixed.as_ref());
    let plan = plans.single.clone().map_err(|e| plan_error("", e))?;
    let routes = plans.summaries().map_err(|e| plan_error("", e))?;
    // A route that cannot reach the target is reported in `routes`, never an error.
    let staged = plans.staged.ok();
    let fixed = plans.fixed.and_then(Result::ok);
    let cumulative = if c.quantity > 1 {
        Some(
            phys_routes::cumulative_days(&c.input, c.leu, c.fixed.as_ref(), c.quantity)
                .map_err(|e| plan_error("", e))?,
        )
    } else {
        None
    };
    let mc = match &c.mc {
        Some(cfg) => Some((
            montecarlo::run_with_progress(&c.input, cfg, progress)
                .map_err(|e| plan_error("Monte Carlo: ", e))?,
            *cfg,
        )),
        None => None,
    };
    let d = doc(
        &c,
        &plan,
        staged.as_ref(),
        fixed.as_ref(),
        &routes,
        cumulative,
        mc,
    )?;
    check_finite(&d, req)?;
    Ok(d)
}

/// Every figure of an answer is a finite number, or the request is refused naming what
/// made it so: a capacity of 1e-320 kg-SWU a year gives "inf days", a target of 1e308
/// kg overflows, and neither is an answer to print with exit 0 (JSON would even show
/// them as `null`).
fn check_finite(d: &BreakoutDoc, req: &BreakoutRequest) -> AppResult<()> {
    let mut figures: Vec<(&str, f64)> = vec![
        ("days", d.days),
        ("swu_kg", d.swu_kg),
        ("swu_per_year", d.swu_per_year),
        ("product_kg_u", d.product_kg_u),
        ("tails_kg_u", d.tails_kg_u),
    ];
    for r in &d.routes {
        figures.extend(r.days.map(|v| ("routes[].days", v)));
        figures.extend(r.swu_kg.map(|v| ("routes[].swu_kg", v)));
    }
    for v in d.cumulative_days.iter().flatten().flatten() {
        figures.push(("cumulative_days", *v));
    }
    if let Some(u) = &d.uncertainty {
        figures.extend([
            ("uncertainty.median_days", u.median_days),
            ("uncertainty.p05_days", u.p05_days),
            ("uncertainty.p95_days", u.p95_days),
        ]);
    }
    // Days beyond this (about 2.7 million years) are no breakout time anyone can use,
    // and come only from capacities or quantities far outside the physical range.
    const MAX_DAYS: f64 = 1e9;
    let bad = |what: &str, v: f64| !v.is_finite() || (what.contains("days") && v > MAX_DAYS);
    let Some((what, _)) = figures.iter().find(|(w, v)| bad(w, *v)) else {
        return Ok(());
    };
    let (field, value) = match (req.swu_per_year, req.target_u235_kg) {
        (Some(s), _) if *what != "swu_kg" && *what != "product_kg_u" => {
            ("swu_per_year", format!("{s:?}"))
        }
        (_, Some(t)) => ("target_u235_kg", format!("{t:?}")),
        _ => ("centrifuges", format!("{} types", req.centrifuges.len())),
    };
    Err(AppError::field(
        field,
        value,
        format!(
            "gives a result that is not a finite number of days below 10^9 ({what}): the capacity is too small or the quantity too large for a breakout time to be stated"
        ),
    ))
}

/// Whether a request will run a Monte Carlo long enough to be worth a progress bar.
pub fn samples_of(req: &BreakoutRequest) -> usize {
    req.samples.unwrap_or(defaults::SAMPLES)
}

fn step_out(s: &verity_physics::breakout::Step) -> StepOut {
    StepOut {
        from_pct: s.from_assay.pct(),
        to_pct: s.to_assay.pct(),
        tails_pct: s.tails_assay.pct(),
        feeds: s.feeds.iter().map(FeedOut::from).collect(),
        product_kg_u: s.product.kg(),
        tails_kg_u: s.tails.kg(),
        swu_kg: s.swu.kg_swu(),
        days: s.days,
    }
}

#[allow(clippy::too_many_arguments)]
fn doc(
    c: &Checked,
    plan: &BreakoutPlan,
    staged: Option<&StagedPlan>,
    fixed: Option<&FixedCascadePlan>,
    routes: &[RouteSummary],
    cumulative: Option<Vec<Option<f64>>>,
    mc: Option<(McSummary, McConfig)>,
) -> AppResult<BreakoutDoc> {
    // The single cascade is feasible here (its plan was solved), so there is a headline.
    let head =
        phys_routes::fastest(routes).ok_or_else(|| AppError::bad("no route reaches the target"))?;
    let input = &c.input;
    let preset = c.preset;
    let nominal = input
        .capacity
        .swu_per_year(input.performance)
        .map_err(|e| physics("centrifuges", "", e))?;
    let centrifuges = match &input.capacity {
        Capacity::SwuPerYear(_) => vec![],
        Capacity::Centrifuges(list) => list
            .iter()
            .map(|m| {
                let c =
                    centrifuge::find(&m.kind).map_err(|e| physics("centrifuges", &m.kind, e))?;
                let fig = match input.performance {
                    Performance::Low => c.low,
                    Performance::Central => c.central,
                    Performance::High => c.high,
                };
                Ok(MachinesOut {
                    kind: c.name.to_owned(),
                    count: m.count,
                    swu_per_machine_year: fig.swu_per_year,
                    figure_source: fig.source,
                    count_source: preset.and_then(|p| {
                        p.machines
                            .iter()
                            .find(|pm| pm.kind == c.name)
                            .map(|pm| pm.source)
                    }),
                })
            })
            .collect::<AppResult<_>>()?,
    };
    let stocks = input
        .stocks
        .iter()
        .enumerate()
        .map(|(i, s)| StockOut {
            assay_pct: s.assay.pct(),
            kg_u: s.kg_u.kg(),
            source: preset.and_then(|p| p.stocks.get(i)).map(|ps| ps.source),
        })
        .collect();
    Ok(BreakoutDoc {
        preset: preset.map(|p| p.name),
        as_of: preset.map(|p| p.as_of),
        swu_kg: head.swu_kg.unwrap_or(plan.swu.kg_swu()),
        days: head.days.unwrap_or(plan.days),
        route: head.kind.as_str(),
        routes: routes.iter().map(RouteOut::from).collect(),
        sq_definition: match c.sq {
            SqDefinition::Iaea => "iaea",
            SqDefinition::Wgu => "wgu",
        },
        cumulative_days: cumulative,
        swu_per_year: plan.swu_per_year,
        feeds: plan.feeds.iter().map(FeedOut::from).collect(),
        product_kg_u: plan.product.kg(),
        product_pct: plan.product_assay.pct(),
        target_u235_kg: input.target.u235_kg,
        tails_kg_u: plan.tails.kg(),
        tails_pct: plan.tails_assay.pct(),
        tails_optimised: matches!(input.tails, Tails::Optimised { .. } | Tails::Optimal),
        natural_available: input.natural_available,
        stocks,
        capacity: CapacityOut {
            nominal_swu_per_year: nominal,
            efficiency: input.efficiency,
            performance: input.performance,
            centrifuges,
        },
        staged: staged.map(|st| StagedOut {
            leu_pct: c.leu.pct(),
            swu_kg: st.swu.kg_swu(),
            days: st.days,
            steps: st.steps.iter().map(step_out).collect(),
        }),
        fixed_cascades: match (fixed, &c.fixed) {
            (Some(p), Some(f)) => Some(FixedCascadesOut {
                cascades: f
                    .sets
                    .iter()
                    .map(|s| CascadeSetOut {
                        kind: s.kind.clone(),
                        count: s.cascades,
                        machines_per_cascade: s.machines_per_cascade,
                    })
                    .collect(),
                swu_per_year: p.staged.swu_per_year,
                equilibrium_days: f.equilibrium_days,
                interconnect_days: f.interconnect_days,
                overhead_days: p.overhead_days,
                swu_kg: p.staged.swu.kg_swu(),
                days: p.days,
                steps: p.staged.steps.iter().map(step_out).collect(),
            }),
            _ => None,
        },
        uncertainty: mc.map(|(s, cfg)| UncertaintyOut {
            median_days: s.median_days,
            p05_days: s.p05_days,
            p95_days: s.p95_days,
            samples: s.samples,
            seed: s.seed,
            stock_sigma_pct: cfg.stock_sigma * 100.0,
            swu_spread_pct: matches!(input.capacity, Capacity::SwuPerYear(_))
                .then_some(cfg.swu_spread * 100.0),
            infeasible_samples: s.infeasible,
        }),
        notes: preset.map(|p| p.notes),
        method: METHOD,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(json: &str) -> BreakoutRequest {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_body_with_only_stocks_and_machines_takes_the_defaults() {
        let r = req(r#"{"stocks": [{"assay_pct": 60, "kg_u": 408.6}],
                        "centrifuges": [{"type": "IR-6", "count": 1392}], "samples": 500}"#);
        let d = what_if(&r, Limits::SERVER, &|_| {}).unwrap();
        // Tails optimised by default: the 60 % stock is stripped only as far as the
        // whole stock must be fed (57.8 %), less work than the staged route's last step.
        assert!(d.tails_optimised);
        assert!(d.tails_pct > 50.0 && d.tails_pct < 60.0, "{}", d.tails_pct);
        assert_eq!(d.route, "single_cascade");
        let staged = d.routes.iter().find(|r| r.kind == "staged").unwrap();
        assert!(d.swu_kg < staged.swu_kg.unwrap());
        assert_eq!(d.target_u235_kg, defaults::TARGET_U235_KG);
        assert!((d.product_pct - 90.0).abs() < 1e-9);
        assert!(d.natural_available);
        let u = d.uncertainty.unwrap();
        assert_eq!((u.samples, u.seed), (500, 1));
        // The least-work days are the SWU over the effective capacity, in days.
        assert!((d.days - d.swu_kg / d.swu_per_year * 365.25).abs() < 1e-9);
    }

    #[test]
    fn quantities_sites_and_cascades() {
        // Five SQ from 408.6 kg at 60 %: cumulative days rise; the WGU definition needs
        // 10 % less material than the IAEA's, so less time.
        let mut r = req(r#"{"stocks": [{"assay_pct": 60, "kg_u": 408.6}],
            "centrifuges": [{"type": "IR-6", "count": 1392}], "samples": 0, "quantity": 5,
            "cascades": [{"type": "IR-6", "count": 3}]}"#);
        let d = what_if(&r, Limits::SERVER, &|_| {}).unwrap();
        let days: Vec<f64> = d
            .cumulative_days
            .unwrap()
            .into_iter()
            .map(Option::unwrap)
            .collect();
        assert_eq!(days.len(), 5);
        assert!(days.windows(2).all(|w| w[0] < w[1]), "{days:?}");
        let fixed = d.fixed_cascades.unwrap();
        assert_eq!(fixed.cascades[0].machines_per_cascade, 174);
        assert_eq!(d.routes.len(), 3);
        r.sq_definition = Some(SqDefinitionIn::Wgu);
        r.quantity = None;
        let w = what_if(&r, Limits::SERVER, &|_| {}).unwrap();
        assert!((w.target_u235_kg - 22.5).abs() < 1e-12 && w.days < d.days);
        // A preset at one site: only its machines there.
        let mut p = BreakoutRequest::new(vec![]);
        p.preset = Some("iaea-2021-02".into());
        p.site = Some("fordow".into());
        p.samples = Some(0);
        let f = what_if(&p, Limits::SERVER, &|_| {}).unwrap();
        assert_eq!(f.capacity.centrifuges.len(), 1);
        assert_eq!(f.capacity.centrifuges[0].count, 1044);
        p.site = Some("natanz_pfep".into());
        match what_if(&p, Limits::SERVER, &|_| {}) {
            Err(AppError::BadInput { field: Some(f), .. }) => assert_eq!(f, "site"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_fields_are_named_by_their_json_path() {
        let cases = [
            (
                r#"{"stocks": [{"assay_pct": 160, "kg_u": 1}], "swu_per_year": 1000}"#,
                "stocks[0].assay_pct",
            ),
            (
                r#"{"stocks": [], "centrifuges": [{"type": "IR-99", "count": 1}]}"#,
                "centrifuges[0].type",
            ),
            (
                r#"{"stocks": [], "swu_per_year": 1000, "efficiency": 1.5}"#,
                "efficiency",
            ),
            (
                r#"{"stocks": [], "swu_per_year": 1000, "samples": 2000000}"#,
                "samples",
            ),
            (
                r#"{"stocks": [], "swu_per_year": 1000, "tails_pct": 0.2, "optimise_tails": true}"#,
                "tails_pct",
            ),
            (r#"{"stocks": []}"#, "centrifuges"),
        ];
        for (body, field) in cases {
            match what_if(&req(body), Limits::SERVER, &|_| {}) {
                Err(AppError::BadInput { field: Some(f), .. }) => assert_eq!(f, field, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(serde_json::from_str::<BreakoutRequest>(r#"{"centrifuges": []}"#).is_err());
        assert!(serde_json::from_str::<BreakoutRequest>(r#"{"stocks": [], "kind": 1}"#).is_err());
    }
}
