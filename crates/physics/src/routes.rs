//! Breakout routes: every credible way to make the target from the same stocks and
//! machines, each computed on its own, so that the headline can be the fastest
//! feasible one and an infeasible route is reported with its reason instead of
//! aborting the others.
//!
//! - **single cascade** ([`crate::solve`]): one ideal cascade fed at several points;
//!   the lower bound of the work (pooled capacity, no reconfiguration time).
//! - **staged** ([`crate::solve_staged`]): batch recycling through the step sequence
//!   0.711 % → LEU → 20 % → 60 % → target, all capacity on one step at a time.
//! - **fixed cascades** ([`solve_fixed_cascades`]): a given number of cascades of given
//!   machine types and sizes, reused without reconfiguration through the same step
//!   sequence, with an equilibrium time for every step and an interconnection time
//!   between steps — the way Glaser ("Characteristics of the Gas Centrifuge for
//!   Uranium Enrichment and Their Relevance for Nuclear Weapon Proliferation", Science
//!   & Global Security 16, 2008) models breakout in existing cascades and the way the
//!   Institute for Science and International Security counts "three or four advanced
//!   cascades" (e.g. its 12 June 2023 assessment of GOV/2023/24).

use serde::Serialize;

use crate::Assay as A;
use crate::breakout::{
    BreakoutInput, BreakoutPlan, Capacity, DAYS_PER_YEAR, MachineCount, StagedPlan, solve,
    solve_staged,
};
use crate::{PhysicsError, centrifuge};

/// A set of identical cascades.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CascadeSet {
    /// Catalogue machine type.
    pub kind: String,
    pub cascades: u32,
    /// Machines per cascade.
    pub machines_per_cascade: u32,
}

/// Machines per cascade when a set does not say: the production cascade sizes of
/// Iran's plants — 164 for the IR-1 (the Natanz design; JCPOA Annex I para. 27 keeps
/// 5,060 IR-1 "in 30 cascades") and the IR-4, 174 for the IR-2m (the Natanz FEP
/// cascades of 2021, as the IAEA reported them) and the IR-6 (the Fordow cascades).
/// These are planning figures: the reports count cascades, not always their size;
/// give the size where it is known.
pub fn default_machines_per_cascade(kind: &str) -> u32 {
    match kind.to_ascii_uppercase().as_str() {
        "IR-6" | "IR-2M" => 174,
        _ => 164,
    }
}

/// Fixed cascades and the time they lose between steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixedCascades {
    pub sets: Vec<CascadeSet>,
    /// Days for a cascade to reach equilibrium at the start of each step (assumed 1;
    /// Glaser 2008 puts the equilibrium time of a centrifuge cascade at hours to days).
    pub equilibrium_days: f64,
    /// Days to reconnect the cascades and move material between two steps (assumed
    /// 1).
    pub interconnect_days: f64,
    /// The cascades that run the HEU steps (those fed at 20 % and above, or from
    /// [`FixedCascades::heu_from`]), when only
    /// some can: a production plant of LEU cascades cannot take 20 % or 60 % feed
    /// without being rebuilt, so published estimates run those steps on the few
    /// advanced cascades already enriching to 20 % or 60 % (ISIS: "three or four
    /// advanced cascades"). Empty: every set runs every step.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub heu_sets: Vec<CascadeSet>,
    /// The lowest feed assay of the steps run on [`FixedCascades::heu_sets`]: 20 % (the
    /// IAEA's HEU threshold) unless set with [`FixedCascades::with_heu_sets_from`].
    #[serde(rename = "heu_from_pct", serialize_with = "as_pct")]
    pub heu_from: A,
}

fn as_pct<S: serde::Serializer>(a: &A, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(a.pct())
}

impl FixedCascades {
    pub const DEFAULT_EQUILIBRIUM_DAYS: f64 = 1.0;
    pub const DEFAULT_INTERCONNECT_DAYS: f64 = 1.0;

    pub fn new(sets: Vec<CascadeSet>) -> FixedCascades {
        FixedCascades {
            sets,
            equilibrium_days: FixedCascades::DEFAULT_EQUILIBRIUM_DAYS,
            interconnect_days: FixedCascades::DEFAULT_INTERCONNECT_DAYS,
            heu_sets: Vec::new(),
            heu_from: A::HEU_THRESHOLD,
        }
    }

    /// The same cascades, with the HEU steps run on `heu` alone (see
    /// [`FixedCascades::heu_sets`]).
    pub fn with_heu_sets(mut self, heu: Vec<CascadeSet>) -> FixedCascades {
        self.heu_sets = heu;
        self
    }

    /// The same cascades, with the steps fed at `from` and above run on `heu` alone:
    /// e.g. 60 %, where the steps fed at 20 % run on every cascade and only the last
    /// step, fed at 60 %, on the advanced cascades (the Institute for Science and
    /// International Security's assessment of GOV/2023/24, 12 June 2023: the 60 %
    /// stock "in the same three or four cascades", the near 20 % stock "in the vast
    /// bulk of its production-scale cascades").
    pub fn with_heu_sets_from(self, heu: Vec<CascadeSet>, from: A) -> FixedCascades {
        FixedCascades {
            heu_from: from,
            ..self.with_heu_sets(heu)
        }
    }

    /// The machines of every set, as a capacity.
    pub fn capacity(&self) -> Result<Capacity, PhysicsError> {
        capacity_of(&self.sets)
    }

    /// The machines that run the HEU steps, as a capacity.
    pub fn heu_capacity(&self) -> Result<Capacity, PhysicsError> {
        if self.heu_sets.is_empty() {
            self.capacity()
        } else {
            capacity_of(&self.heu_sets)
        }
    }
}

fn capacity_of(sets: &[CascadeSet]) -> Result<Capacity, PhysicsError> {
    let mut list = Vec::with_capacity(sets.len());
    for s in sets {
        let c = centrifuge::find(&s.kind)?;
        list.push(MachineCount {
            kind: c.name.to_owned(),
            count: s.cascades.saturating_mul(s.machines_per_cascade),
        });
    }
    Ok(Capacity::Centrifuges(list))
}

/// The fixed-cascade route's plan: the staged steps at the cascades' capacity, and the
/// time between steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixedCascadePlan {
    pub staged: StagedPlan,
    /// Equilibrium and interconnection days over all steps.
    pub overhead_days: f64,
    /// Enrichment days plus overhead.
    pub days: f64,
}

/// Breakout in the given cascades: the staged step sequence at their capacity (with
/// the input's performance level and efficiency), plus `equilibrium_days` per step and
/// `interconnect_days` between steps.
pub fn solve_fixed_cascades(
    input: &BreakoutInput,
    leu: A,
    fixed: &FixedCascades,
) -> Result<FixedCascadePlan, PhysicsError> {
    for (field, v) in [
        ("equilibrium_days", fixed.equilibrium_days),
        ("interconnect_days", fixed.interconnect_days),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(PhysicsError::InvalidParameter {
                field: field.into(),
                reason: format!("{v}: a time must be ≥ 0 days"),
            });
        }
    }
    if fixed.sets.is_empty() {
        return Err(PhysicsError::InvalidParameter {
            field: "cascades".into(),
            reason: "no cascades given".into(),
        });
    }
    let mut own = input.clone();
    own.capacity = fixed.capacity()?;
    let mut staged = solve_staged(&own, leu)?;
    if !fixed.heu_sets.is_empty() {
        // A step's work does not depend on the capacity: re-time the HEU steps at the
        // HEU cascades' capacity (same performance level and efficiency).
        let mut heu = input.clone();
        heu.capacity = fixed.heu_capacity()?;
        let heu_swu_per_year = heu.effective_swu_per_year()?;
        for step in &mut staged.steps {
            if step.from_assay.pct() >= fixed.heu_from.pct() - 1e-9 {
                step.days = step.swu.kg_swu().max(0.0) / heu_swu_per_year * DAYS_PER_YEAR;
            }
        }
        staged.days = staged.steps.iter().map(|s| s.days).sum();
    }
    let n = staged.steps.len() as f64;
    let overhead = n * fixed.equilibrium_days + (n - 1.0).max(0.0) * fixed.interconnect_days;
    Ok(FixedCascadePlan {
        days: staged.days + overhead,
        staged,
        overhead_days: overhead,
    })
}

/// Which route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    SingleCascade,
    Staged,
    FixedCascades,
}

impl RouteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteKind::SingleCascade => "single_cascade",
            RouteKind::Staged => "staged",
            RouteKind::FixedCascades => "fixed_cascades",
        }
    }
}

/// One route's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteSummary {
    pub kind: RouteKind,
    pub feasible: bool,
    pub swu_kg: Option<f64>,
    pub days: Option<f64>,
    /// The tails of the route's first step (single cascade: its one tails).
    pub tails_pct: Option<f64>,
    /// Why the route is infeasible.
    pub reason: Option<String>,
}

impl RouteSummary {
    fn infeasible(kind: RouteKind, e: &PhysicsError) -> RouteSummary {
        RouteSummary {
            kind,
            feasible: false,
            swu_kg: None,
            days: None,
            tails_pct: None,
            reason: Some(e.to_string()),
        }
    }
}

/// Every route's plan, or why it has none: computed once, for callers that need the
/// plans as well as their summaries.
#[derive(Debug, Clone)]
pub struct Plans {
    pub single: Result<BreakoutPlan, PhysicsError>,
    pub staged: Result<StagedPlan, PhysicsError>,
    /// Present when cascades were given.
    pub fixed: Option<Result<FixedCascadePlan, PhysicsError>>,
}

/// The plan of every route for the input: the single cascade, the staged route (LEU
/// step at `leu`) and, when cascades are given, the fixed-cascade route.
pub fn plans(input: &BreakoutInput, leu: A, fixed: Option<&FixedCascades>) -> Plans {
    Plans {
        single: solve(input),
        staged: solve_staged(input, leu),
        fixed: fixed.map(|f| solve_fixed_cascades(input, leu, f)),
    }
}

impl Plans {
    /// A summary per route. An input error (an impossible value) is returned as an
    /// error; a route that cannot reach the target is a summary with its reason.
    pub fn summaries(&self) -> Result<Vec<RouteSummary>, PhysicsError> {
        fn keep(
            kind: RouteKind,
            r: Result<RouteSummary, &PhysicsError>,
        ) -> Result<RouteSummary, PhysicsError> {
            match r {
                Ok(s) => Ok(s),
                Err(e @ (PhysicsError::Infeasible(_) | PhysicsError::NoConvergence { .. })) => {
                    Ok(RouteSummary::infeasible(kind, e))
                }
                Err(e) => Err(e.clone()),
            }
        }
        let staged_summary = |kind, p: &StagedPlan, days: f64| RouteSummary {
            kind,
            feasible: true,
            swu_kg: Some(p.swu.kg_swu()),
            days: Some(days),
            tails_pct: p.steps.first().map(|s| s.tails_assay.pct()),
            reason: None,
        };
        let mut out = vec![
            keep(
                RouteKind::SingleCascade,
                self.single.as_ref().map(|p| RouteSummary {
                    kind: RouteKind::SingleCascade,
                    feasible: true,
                    swu_kg: Some(p.swu.kg_swu()),
                    days: Some(p.days),
                    tails_pct: Some(p.tails_assay.pct()),
                    reason: None,
                }),
            )?,
            keep(
                RouteKind::Staged,
                self.staged
                    .as_ref()
                    .map(|p| staged_summary(RouteKind::Staged, p, p.days)),
            )?,
        ];
        if let Some(f) = &self.fixed {
            out.push(keep(
                RouteKind::FixedCascades,
                f.as_ref()
                    .map(|p| staged_summary(RouteKind::FixedCascades, &p.staged, p.days)),
            )?);
        }
        Ok(out)
    }
}

/// Every route for the input, summarised (see [`Plans::summaries`]).
pub fn routes(
    input: &BreakoutInput,
    leu: A,
    fixed: Option<&FixedCascades>,
) -> Result<Vec<RouteSummary>, PhysicsError> {
    plans(input, leu, fixed).summaries()
}

/// The fastest feasible route, if any.
pub fn fastest(routes: &[RouteSummary]) -> Option<&RouteSummary> {
    routes.iter().filter(|r| r.feasible).min_by(|a, b| {
        a.days
            .unwrap_or(f64::INFINITY)
            .total_cmp(&b.days.unwrap_or(f64::INFINITY))
    })
}

/// What one significant quantity of HEU is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SqDefinition {
    /// The IAEA's: 25 kg of U-235 contained in HEU (IAEA Safeguards Glossary, 2022
    /// edition, Table II).
    #[default]
    Iaea,
    /// 25 kg of weapon-grade uranium (90 %), as the Institute for Science and
    /// International Security counts a weapon's worth: 22.5 kg U-235 at 90 %.
    Wgu,
}

impl SqDefinition {
    /// kg U-235 in one SQ at the target assay.
    pub fn u235_kg(self, target: A) -> f64 {
        match self {
            SqDefinition::Iaea => crate::breakout::SQ_U235_KG,
            SqDefinition::Wgu => 25.0 * target.fraction(),
        }
    }
}

/// Days to the 1st, 2nd, … `n`th target quantity from the same stocks and capacity,
/// by the fastest feasible route for each: the k-th figure is the time to hold k
/// quantities (one campaign for all k, not k campaigns one after another). `None`
/// where no route reaches k quantities.
pub fn cumulative_days(
    input: &BreakoutInput,
    leu: A,
    fixed: Option<&FixedCascades>,
    n: u32,
) -> Result<Vec<Option<f64>>, PhysicsError> {
    let per = input.target.u235_kg;
    (1..=n)
        .map(|k| {
            let mut own = input.clone();
            own.target.u235_kg = per * f64::from(k);
            let r = routes(&own, leu, fixed)?;
            Ok(fastest(&r).and_then(|f| f.days))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KgU, Stock, Tails};

    fn a(p: f64) -> A {
        A::from_pct(p).unwrap()
    }

    fn sixty(kg: f64) -> BreakoutInput {
        BreakoutInput::new(
            vec![Stock {
                assay: a(60.0),
                kg_u: KgU::new(kg).unwrap(),
            }],
            Capacity::Centrifuges(vec![MachineCount {
                kind: "IR-6".into(),
                count: 1392,
            }]),
        )
    }

    #[test]
    fn the_optimal_single_cascade_needs_no_more_work_than_the_staged_route() {
        // 60 % → 90 % from 408.6 kg (IAEA, May 2025): the staged route's last step
        // (tails 20 %) needs 62 kg-SWU; one cascade stripping the 60 % feed only as far
        // as the stock allows needs less.
        let mut input = sixty(408.6);
        input.tails = Tails::Optimal;
        let r = routes(&input, a(3.67), None).unwrap();
        let single = r[0].swu_kg.unwrap();
        let staged = r[1].swu_kg.unwrap();
        assert!((staged - 62.2).abs() < 0.1, "{staged}");
        assert!(single < staged, "{single} vs {staged}");
        // Feed balance at the optimum uses the whole stock: F = P (xp − xt)/(xf − xt).
        let xt = r[0].tails_pct.unwrap() / 100.0;
        let f = 25.0 / 0.9 * (0.9 - xt) / (0.6 - xt);
        assert!((f - 408.6).abs() < 0.5, "feed {f} at tails {xt}");
        assert_eq!(fastest(&r).unwrap().kind, RouteKind::SingleCascade);
    }

    #[test]
    fn the_optimum_at_the_edge_where_the_stock_runs_out_is_found() {
        // 89.03 kg at 60 %: the least work strips it just as far as the whole stock is
        // needed, tails x with 27.78 (0.9 − x)/(0.6 − x) = 89.03, x = 46.40 %; a brute
        // force over 0.40–0.50 % in steps of 0.0025 % (independent, in Python) gives
        // 42.2455 kg-SWU at 46.395 %. (A proptest case once found 44.9 %, a worse point:
        // the search must keep the best point it evaluates, not the last bracket's
        // midpoint, which lies beyond the edge.)
        let mut input = sixty(89.03283);
        input.tails = Tails::Optimal;
        let plan = crate::solve(&input).unwrap();
        assert!(
            (plan.tails_assay.pct() - 46.40).abs() < 0.01,
            "{}",
            plan.tails_assay
        );
        assert!(
            (plan.swu.kg_swu() - 42.2455).abs() < 0.001,
            "{}",
            plan.swu.kg_swu()
        );
    }

    #[test]
    fn an_infeasible_route_does_not_abort_the_others() {
        // 2,800 kg at 2 % with 1 % tails: one cascade strips it for 28 kg U-235 above
        // tails (24.7 needed). The staged route strips its 3.67 % product to 0.711 %
        // in the next step and must make 1,093 kg of it first, which needs 2,918 kg of
        // the 2 % stock at 1 % tails: more than there is (natural uranium is below the
        // tails and cannot help).
        let mut input = BreakoutInput::new(
            vec![Stock {
                assay: a(2.0),
                kg_u: KgU::new(2800.0).unwrap(),
            }],
            Capacity::SwuPerYear(10_000.0),
        );
        input.tails = Tails::Fixed(a(1.0));
        let r = routes(&input, a(3.67), None).unwrap();
        assert!(r[0].feasible, "{r:?}");
        assert!(!r[1].feasible, "{r:?}");
        assert!(r[1].reason.as_deref().unwrap().contains("step"), "{r:?}");
        assert_eq!(fastest(&r).unwrap().kind, RouteKind::SingleCascade);
    }

    #[test]
    fn without_natural_uranium_a_short_stock_makes_the_staged_route_infeasible() {
        // 40 kg U at 60 %: one cascade stripping to 10 % makes 25 kg at 90 % (22.5 kg
        // U-235 needs 24 − 1.5 kg). The staged 60 → 90 % step strips to 20 % and needs
        // 43.75 kg; the missing 3.75 kg cannot come from below without natural uranium,
        // so the staged and fixed routes are infeasible — they must not conjure a feed.
        let mut input = BreakoutInput::new(
            vec![Stock {
                assay: a(60.0),
                kg_u: KgU::new(40.0).unwrap(),
            }],
            Capacity::SwuPerYear(3000.0),
        );
        input.natural_available = false;
        input.target.u235_kg = SqDefinition::Wgu.u235_kg(input.target.assay);
        input.tails = Tails::Fixed(a(10.0));
        let fc = FixedCascades::new(vec![CascadeSet {
            kind: "IR-6".into(),
            cascades: 4,
            machines_per_cascade: 164,
        }]);
        let r = routes(&input, a(3.67), Some(&fc)).unwrap();
        assert!(r[0].feasible, "{r:?}");
        for route in &r[1..] {
            assert!(!route.feasible, "{route:?}");
            assert!(
                route.reason.as_deref().unwrap().contains("no feed"),
                "{route:?}"
            );
        }
    }

    #[test]
    fn heu_steps_run_at_the_heu_cascades_capacity() {
        // 20 IR-1 cascades and 2 IR-6 cascades; the HEU steps on the IR-6 alone take
        // longer, by the ratio of the capacities; the LEU steps are unchanged.
        let mut input = BreakoutInput::new(
            vec![Stock {
                assay: a(4.5),
                kg_u: KgU::new(3000.0).unwrap(),
            }],
            Capacity::SwuPerYear(1.0),
        );
        input.tails = Tails::Fixed(a(0.3));
        let ir6 = CascadeSet {
            kind: "IR-6".into(),
            cascades: 2,
            machines_per_cascade: 174,
        };
        let all = FixedCascades::new(vec![
            CascadeSet {
                kind: "IR-1".into(),
                cascades: 20,
                machines_per_cascade: 164,
            },
            ir6.clone(),
        ]);
        let heu = all.clone().with_heu_sets(vec![ir6]);
        let (p, q) = (
            solve_fixed_cascades(&input, a(3.67), &all).unwrap(),
            solve_fixed_cascades(&input, a(3.67), &heu).unwrap(),
        );
        let ratio = all
            .capacity()
            .unwrap()
            .swu_per_year(input.performance)
            .unwrap()
            / heu
                .heu_capacity()
                .unwrap()
                .swu_per_year(input.performance)
                .unwrap();
        assert!(ratio > 1.0);
        for (s, t) in p.staged.steps.iter().zip(&q.staged.steps) {
            assert_eq!(s.swu, t.swu);
            let want = if s.from_assay.pct() >= 20.0 {
                s.days * ratio
            } else {
                s.days
            };
            assert!((t.days - want).abs() < 1e-9 * want.max(1.0), "{s:?} {t:?}");
        }
        assert!(q.days > p.days);
    }

    #[test]
    fn fixed_cascades_add_equilibrium_and_interconnection_time() {
        let input = sixty(100.0);
        let fc = FixedCascades::new(vec![CascadeSet {
            kind: "IR-6".into(),
            cascades: 3,
            machines_per_cascade: 174,
        }]);
        let plan = solve_fixed_cascades(&input, a(3.67), &fc).unwrap();
        assert_eq!(plan.staged.steps.len(), 1);
        assert!((plan.overhead_days - 1.0).abs() < 1e-12);
        let swu_per_year = 3.0 * 174.0 * 5.0;
        let expect = plan.staged.swu.kg_swu() / swu_per_year * 365.25 + 1.0;
        assert!(
            (plan.days - expect).abs() < 1e-9,
            "{} vs {expect}",
            plan.days
        );
    }

    #[test]
    fn more_quantities_take_longer() {
        let input = sixty(408.6);
        let d = cumulative_days(&input, a(3.67), None, 5).unwrap();
        let d: Vec<f64> = d.into_iter().map(Option::unwrap).collect();
        assert!(d.windows(2).all(|w| w[0] < w[1]), "{d:?}");
    }

    #[test]
    fn the_wgu_definition_is_25_kg_of_90_percent_uranium() {
        assert_eq!(SqDefinition::Iaea.u235_kg(a(90.0)), 25.0);
        assert!((SqDefinition::Wgu.u235_kg(a(90.0)) - 22.5).abs() < 1e-12);
    }
}
