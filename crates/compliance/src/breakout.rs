//! Breakout time at each report date, from that report's own stocks and centrifuges,
//! computed with `verity-physics`.
//!
//! The headline follows the mainstream published method (Glaser 2008; the Institute
//! for Science and International Security's estimates): the machines enriching at each
//! report, grouped in cascades of their plant's size, run the batch-recycling steps
//! 0.711 % → LEU → 20 % → 60 % → 90 % without reconfiguration, with one day to
//! equilibrium per step and one day to reconnect between steps (the fixed-cascade
//! route). Once Iran enriches to 60 % (from April 2021, in advanced cascades at the
//! Natanz PFEP; from November 2022 also at Fordow), the last step, fed at 60 %, runs
//! only on the advanced cascades enriching at those two plants — the cascades that
//! already handle 60 % material, where a production hall of LEU cascades would have to
//! be rebuilt — while the step fed at 20 % runs on every cascade: ISIS counts "three or
//! four advanced cascades" for the 60 % stock and puts the near-20 % stock "in the vast
//! bulk of its production-scale cascades" (its analysis of GOV/2023/24, 12 June 2023).
//! Those cascades also run the steps below. Beside it, the pooled ideal case — every
//! machine in one ideal cascade with its tails optimised — is the lower bound. The 5th–95th percentiles scale the
//! headline's enrichment days by the Monte Carlo spread of the pooled plan over machine
//! performance and stock figures (capacity uncertainty acts on both alike).

use std::collections::BTreeMap;

use serde::Serialize;
use verity_evidence::{EvidenceSet, Measurement};
use verity_physics::routes;
use verity_physics::{
    Assay, BreakoutInput, Capacity, CascadeSet, FixedCascades, KgU, MachineCount, McConfig, Stock,
    Tails, montecarlo,
};
use verity_vocab::{CentrifugeKey, Counted, Date, MachineState, MachineType, Site};

/// Assays at which the IAEA's stock categories are counted. The IAEA reports stocks
/// "up to 5 %" / "up to 20 %" / "up to 60 %"; Iran's product in those categories was
/// nominally 3.67 % (to July 2019), 4.5 % (after; GOV/2019/32 reports "up to 4.5 %"),
/// 19.75 % (the Tehran Research Reactor fuel specification) and 60 %. The LEU band is
/// taken at the report's highest level when that is ≤ 5 %, else at 4.5 %.
const LEU_ASSAY_AFTER_2019_PCT: f64 = 4.5;
const HEU20_ASSAY_PCT: f64 = 19.75;
const HEU60_ASSAY_PCT: f64 = 60.0;

/// From this highest enrichment level on, the last step runs on the HEU cascades only.
const HEU_CASCADES_FROM_LEVEL_PCT: f64 = 60.0;

/// The lowest feed assay of the steps the HEU cascades alone run: the last step, fed
/// at 60 %. The step fed at 20 % runs on every cascade, as ISIS puts the near-20 %
/// stock "in the vast bulk of its production-scale cascades" (analysis of GOV/2023/24,
/// 12 June 2023) and counted Natanz's production cascades in its 2021 estimates.
const HEU_STEPS_FROM_PCT: f64 = HEU60_ASSAY_PCT;

/// The LEU level of the staged steps: 3.67 % (the JCPOA level; Iran's LEU product until
/// July 2019, and the level of ISIS's four-step breakout).
const LEU_STEP_PCT: f64 = 3.67;

/// Centrifuge metrics counted as capacity, with their catalogue type.
const MACHINES: [(&str, MachineType); 4] = [
    ("centrifuges_enriching_ir1", MachineType::Ir1),
    ("centrifuges_enriching_ir2m", MachineType::Ir2m),
    ("centrifuges_enriching_ir4", MachineType::Ir4),
    ("centrifuges_enriching_ir6", MachineType::Ir6),
];

/// How the breakout timeline is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakoutOptions {
    /// Monte Carlo samples per report date.
    pub samples: usize,
    pub seed: u64,
}

impl Default for BreakoutOptions {
    fn default() -> BreakoutOptions {
        BreakoutOptions {
            samples: 4_000,
            seed: 1,
        }
    }
}

/// One machine count a point stands on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasisItem {
    /// Catalogue type, e.g. `IR-6`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `natanz_fep`, `natanz_pfep`, `fordow`, or null for a count of all sites.
    pub site: Option<&'static str>,
    pub count: u32,
    /// The date of the figure the count comes from ("as of", as the reports date
    /// their figures).
    pub as_of: Date,
    /// The report it comes from.
    pub report: String,
    /// The same date as `as_of` (kept for clients of the earlier field).
    pub as_of_date: Date,
    /// Whether it comes from an earlier report than the point's own.
    pub carried_forward: bool,
    /// When the count stands on a count of cascades (the record gives no machines):
    /// how many, each at the plant's cascade size — the size the last report counting
    /// both gave, else `routes::default_machines_per_cascade`.
    pub cascades: Option<u32>,
}

/// The last verified point before an unverified one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastVerified {
    pub report: String,
    pub date: Date,
}

/// The headline at one site alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteDays {
    /// `natanz_fep`, `natanz_pfep`, `fordow`, `natanz` (both Natanz plants together),
    /// or `unattributed` (counts not given by site).
    pub site: &'static str,
    pub days: f64,
    /// The same with the advanced cascades installed at the site but not counted
    /// enriching fed as well (see [`BreakoutPoint::installed_cascades_days`]).
    pub installed_cascades_days: Option<f64>,
}

/// A site with no estimate of its own, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteNotEstimated {
    pub site: &'static str,
    pub reason: String,
}

/// Why a plant alone has no estimate once the HEU steps run on the HEU cascades only.
const NO_HEU_CASCADES_AT_SITE: &str = "no HEU cascade here (an advanced cascade enriching at Fordow or the PFEP): by the headline's method the last step, fed at 60 %, runs only on those, and this plant's cascades would have to be reconfigured for 60 % feed first";

/// The breakout estimate at one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakoutPoint {
    /// The "as of" date of the report's stock figures.
    pub date: Date,
    /// Days to 1 SQ (25 kg U-235 at 90 %) by the headline route, central machine
    /// figures.
    pub days: f64,
    pub days_p05: f64,
    pub days_p95: f64,
    /// The headline's route: `fixed_cascades` (see the module documentation).
    pub route: &'static str,
    /// The pooled ideal case (one cascade, optimised tails): the lower bound.
    pub lower_bound_days: f64,
    /// Central capacity of the machines counted, kg-SWU per year.
    pub capacity_swu_per_year: f64,
    /// False when the Agency had lost continuity of knowledge over the stocks on the
    /// date (e.g. from 13 June 2025): the figures are its estimates, not verified.
    pub verified: bool,
    /// For an unverified point: the last report whose figures the Agency had verified
    /// (the inputs an analyst can still stand on), and its date.
    pub last_verified: Option<LastVerified>,
    /// The machine counts used, each with the report it comes from.
    pub basis: Vec<BasisItem>,
    /// The cascades that run the last step, fed at 60 % (machines, from the
    /// report's cascade or machine counts), when only some can (see the module
    /// documentation); empty when every counted machine runs every step.
    pub heu_basis: Vec<BasisItem>,
    /// Stock figures this report does not give, carried forward from an earlier one
    /// (metric and report).
    pub stocks_carried_forward: Vec<String>,
    /// The headline at each site alone, fastest first: the site's machines and its
    /// HEU cascades, by the headline's method, so that no site alone is faster than
    /// all of them together.
    pub by_site: Vec<SiteDays>,
    /// Sites with machines counted that the method cannot run alone, and why (a plant
    /// with no HEU cascade once the HEU steps run on those only).
    pub sites_not_estimated: Vec<SiteNotEstimated>,
    /// The headline if the advanced cascades installed but not counted enriching were
    /// fed as well — those at Fordow and the PFEP joining the HEU cascades, those at
    /// the FEP the steps below 60 % — cascades ready to run, which estimates of a
    /// plant's potential count (ISIS, e.g. on Fordow in 2025). `None` when the record
    /// counts no more installed than enriching, or the case is no faster. A bound on
    /// what the plants could do, not the headline: the record does not show those
    /// cascades enriching.
    pub installed_cascades_days: Option<f64>,
    /// The HEU cascades of that case (machines installed, by type and site).
    pub installed_heu_basis: Vec<BasisItem>,
    /// The FEP's advanced machines installed beyond those counted enriching there (the
    /// machines installed, by type): the installed cases feed them to the steps below
    /// 60 %, which for the first quantity from a 60 % stock changes nothing, but for
    /// the quantities of a month does ([`quantities_within_installed`]).
    pub installed_fep_basis: Vec<BasisItem>,
    /// The report the figures come from.
    #[serde(skip)]
    pub source: String,
    /// Stocks used: (assay %, kg U).
    #[serde(skip)]
    pub stocks: Vec<(f64, f64)>,
    /// Machines used: (type, count), and whether they were carried over from an
    /// earlier report because this one gives no count by type.
    #[serde(skip)]
    pub machines: Vec<(String, u32)>,
    #[serde(skip)]
    pub machines_from: String,
    /// The HEU cascades' machines: (type, count).
    #[serde(skip)]
    pub heu_machines: Vec<(String, u32)>,
}

/// A report with a stock figure for which no estimate could be made, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub date: Date,
    pub source: String,
    pub reason: String,
}

/// One breakout point per report that gives a stock figure for `party` (reports that
/// cannot be estimated are left out; [`timeline_explained`] says why).
pub fn timeline(evidence: &EvidenceSet, party: &str, opts: &BreakoutOptions) -> Vec<BreakoutPoint> {
    timeline_explained(evidence, party, opts).0
}

/// The breakout timeline of every party the record gives stock figures for (in the
/// JCPOA record, Iran): parties in id order, points then sorted by date (stably, so
/// points of one date keep their party order). This is what `verity assess` and the
/// server's `/api/v1/breakout/timeline` show.
pub fn timeline_all(evidence: &EvidenceSet, opts: &BreakoutOptions) -> Vec<BreakoutPoint> {
    timeline_all_explained(evidence, opts).0
}

/// Like [`timeline_all`], and the reports with a stock figure that were left out, with
/// why (party by party, each in report order).
pub fn timeline_all_explained(
    evidence: &EvidenceSet,
    opts: &BreakoutOptions,
) -> (Vec<BreakoutPoint>, Vec<Skipped>) {
    let mut parties: Vec<&str> = evidence
        .figures()
        .filter(|m| m.metric.id.starts_with("enriched_uranium_stock"))
        .map(|m| m.party.as_str())
        .collect();
    parties.sort_unstable();
    parties.dedup();
    let mut points = Vec::new();
    let mut skipped = Vec::new();
    for p in parties {
        let (pts, sk) = timeline_explained(evidence, p, opts);
        points.extend(pts);
        skipped.extend(sk);
    }
    points.sort_by_key(|p| p.date);
    (points, skipped)
}

/// Like [`timeline`], and the reports with a stock figure that were left out, with why.
pub fn timeline_explained(
    evidence: &EvidenceSet,
    party: &str,
    opts: &BreakoutOptions,
) -> (Vec<BreakoutPoint>, Vec<Skipped>) {
    let party = party.trim().to_lowercase();
    // Group by report, in order of the figures' dates.
    let mut reports: BTreeMap<&str, Vec<&Measurement>> = BTreeMap::new();
    for m in evidence
        .figures()
        .filter(|m| m.party.trim().to_lowercase() == party)
    {
        reports.entry(m.source.report.as_str()).or_default().push(m);
    }
    // Every report in date order, those without a stock figure too: their centrifuge
    // counts carry forward to later reports.
    let mut ordered: Vec<(Date, Option<Date>, &str, Vec<&Measurement>)> = reports
        .into_iter()
        .filter_map(|(r, ms)| {
            let stock_date = ms
                .iter()
                .filter(|m| m.metric.id.starts_with("enriched_uranium_stock"))
                .map(|m| m.date)
                .max();
            let any = ms.iter().map(|m| m.date).max()?;
            Some((stock_date.unwrap_or(any), stock_date, r, ms))
        })
        .collect();
    ordered.sort_by_key(|(d, _, r, _)| (*d, *r));

    let mut last_machines: Option<(Vec<(String, u32)>, String)> = None;
    let mut counts: BTreeMap<(MachineType, Option<Site>), (f64, &str, Date)> = BTreeMap::new();
    // The counts of `counts` that stand on a count of cascades: how many.
    let mut counted_as_cascades: BTreeMap<(MachineType, Option<Site>), u32> = BTreeMap::new();
    // Machines per cascade by type and site, from the last report that counted both.
    let mut cascade_size: BTreeMap<(MachineType, Site), f64> = BTreeMap::new();
    // Advanced cascades enriching at Fordow and the PFEP, by type and site: the latest
    // count of each, carried forward on its own.
    let mut heu_cascades: BTreeMap<(MachineType, Site), (f64, &str, Date)> = BTreeMap::new();
    // Advanced machines installed at Fordow and the PFEP, by type and site (machines,
    // else cascades at the plant's size), the latest of each carried forward on its own.
    // With the count of cascades where the count stands on one.
    let mut heu_installed: BTreeMap<(MachineType, Site), InstalledCount> = BTreeMap::new();
    // Advanced machines installed at the FEP, by type (machines, else cascades at the
    // plant's size; exact or at least), the latest of each carried forward on its own.
    let mut fep_installed: BTreeMap<MachineType, InstalledCount> = BTreeMap::new();
    // The date of the first report of enrichment to 60 %: cascade counts before it
    // (R&D cascades at the PFEP enriching to 5 %) do not count as HEU cascades.
    let mut heu_since: Option<Date> = None;
    // The highest enrichment level, carried forward to reports that do not restate it.
    let mut last_level: Option<f64> = None;
    // The last figure of each higher band, and the report it came from.
    let mut last_heu20: Option<(f64, String)> = None;
    let mut last_heu60: Option<(f64, String)> = None;
    let mut last_leu: Option<(f64, String)> = None;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (_, stock_date, report, ms) in ordered {
        let get = |id: &str| {
            ms.iter()
                .filter(|m| m.metric.id == id)
                .max_by_key(|m| m.date)
                .and_then(|m| m.quantity.central())
        };
        // A count that is exact or a lower bound ("at least"), never an upper bound.
        let at_least = |id: &str| {
            ms.iter()
                .filter(|m| m.metric.id == id)
                .max_by_key(|m| m.date)
                .and_then(|m| m.quantity.value.or(m.quantity.low))
        };
        let date_of = |id: &str| {
            ms.iter()
                .filter(|m| m.metric.id == id)
                .map(|m| m.date)
                .max()
        };
        // The latest count of machines enriching, per type and site, each carried
        // forward on its own: a report that counts one site leaves the others as the
        // last report that counted them had them. An all-sites figure for a type stands
        // for every site of that type until a report counts the type site by site.
        for (id, machine) in MACHINES {
            let by_site: Vec<(Site, f64, Date, Option<f64>)> = Site::ALL
                .into_iter()
                .filter_map(|site| {
                    let key = CentrifugeKey {
                        counted: Counted::Machines,
                        machine,
                        state: MachineState::Enriching,
                        site,
                    };
                    let cascades = CentrifugeKey {
                        counted: Counted::Cascades,
                        ..key
                    };
                    // Older reports give IR-1 at the FEP as installed (all of them enriching).
                    let fallback = (machine == MachineType::Ir1 && site == Site::NatanzFep)
                        .then(|| get("centrifuges_ir1_installed_natanz_fep"))
                        .flatten();
                    let d = date_of(&key.id())
                        .or_else(|| date_of("centrifuges_ir1_installed_natanz_fep"));
                    if let Some(n) = get(&key.id()).or(fallback) {
                        let d = d.unwrap_or(Date::constant(1970, 1, 1));
                        // A report that gives both fixes the plant's cascade size.
                        if let Some(c) = at_least(&cascades.id()).filter(|c| *c >= 1.0)
                            && date_of(&cascades.id()) == Some(d)
                        {
                            cascade_size.insert((machine, site), n / c);
                        }
                        return Some((site, n, d, None));
                    }
                    // At a production plant, a count of cascades enriching (exact or
                    // at least; never an upper bound) stands in for machines at the
                    // plant's cascade size where no count of machines is as recent.
                    // The PFEP's cascades count as HEU cascades (below) instead.
                    if site == Site::NatanzPfep {
                        return None;
                    }
                    let (c, cd) = (at_least(&cascades.id())?, date_of(&cascades.id())?);
                    if c < 1.0 || counts.get(&(machine, Some(site))).is_some_and(|e| e.2 > cd) {
                        return None;
                    }
                    let size = cascade_size
                        .get(&(machine, site))
                        .copied()
                        .unwrap_or_else(|| {
                            f64::from(routes::default_machines_per_cascade(machine.label()))
                        });
                    Some((site, (c * size).round(), cd, Some(c)))
                })
                .collect();
            if !by_site.is_empty() {
                counts.remove(&(machine, None));
                for (site, n, d, c) in by_site {
                    counts.insert((machine, Some(site)), (n, report, d));
                    match c {
                        Some(c) => {
                            counted_as_cascades.insert((machine, Some(site)), c.round() as u32)
                        }
                        None => counted_as_cascades.remove(&(machine, Some(site))),
                    };
                }
            } else if let Some(n) = get(id) {
                counts.retain(|(m, _), _| *m != machine);
                counted_as_cascades.retain(|(m, _), _| *m != machine);
                let d = date_of(id).unwrap_or(Date::constant(1970, 1, 1));
                counts.insert((machine, None), (n, report, d));
            }
        }
        // Machines of a type installed at a site: the report's count of machines, else
        // its count of cascades (exact or at least; never an upper bound) at the
        // plant's cascade size (Fordow's first IR-6 cascades held 166, not 174).
        let installed_at = |machine: MachineType, site: Site| {
            let key = |counted| CentrifugeKey {
                counted,
                machine,
                state: MachineState::Installed,
                site,
            };
            let (machines_id, cascades_id) =
                (key(Counted::Machines).id(), key(Counted::Cascades).id());
            let size = cascade_size
                .get(&(machine, site))
                .copied()
                .unwrap_or_else(|| {
                    f64::from(routes::default_machines_per_cascade(machine.label()))
                });
            at_least(&machines_id)
                .zip(date_of(&machines_id))
                .map(|(n, d)| (n, d, None))
                .or_else(|| {
                    at_least(&cascades_id)
                        .zip(date_of(&cascades_id))
                        .map(|(n, d)| ((n * size).round(), d, Some(n.round() as u32)))
                })
        };
        for (_, machine) in MACHINES {
            if machine == MachineType::Ir1 {
                continue;
            }
            for site in [Site::Fordow, Site::NatanzPfep] {
                let key = CentrifugeKey {
                    counted: Counted::Cascades,
                    machine,
                    state: MachineState::Enriching,
                    site,
                };
                if let (Some(n), Some(d)) = (get(&key.id()), date_of(&key.id())) {
                    heu_cascades.insert((machine, site), (n, report, d));
                }
                if let Some((n, d, c)) = installed_at(machine, site) {
                    heu_installed.insert((machine, site), (n, report, d, c));
                }
            }
            if let Some((n, d, c)) = installed_at(machine, Site::NatanzFep) {
                fep_installed.insert(machine, (n, report, d, c));
            }
        }
        let mut here: Vec<(String, u32)> = Vec::new();
        let mut from: Vec<&str> = Vec::new();
        for (_, machine) in MACHINES {
            let n: f64 = counts
                .iter()
                .filter(|((m, _), _)| *m == machine)
                .map(|(_, (n, _, _))| n)
                .sum();
            if n >= 1.0 {
                here.push((machine.label().to_owned(), n.round() as u32));
            }
        }
        for (n, r, _) in counts.values() {
            if *n >= 1.0 && !from.contains(r) {
                from.push(r);
            }
        }
        if !here.is_empty() {
            last_machines = Some((here, from.join(" ; ")));
        }
        let level = get("max_enrichment_level").or(last_level);
        last_level = level;
        if heu_since.is_none() && level.is_some_and(|l| l >= HEU_CASCADES_FROM_LEVEL_PCT) {
            heu_since = ms.iter().map(|m| m.date).min();
        }
        let Some(date) = stock_date else { continue };
        let mut skip = |reason: &str| {
            skipped.push(Skipped {
                date,
                source: report.to_owned(),
                reason: reason.to_owned(),
            });
        };
        let leu_pct = match level {
            Some(l) if l <= 5.0 => l,
            _ => LEU_ASSAY_AFTER_2019_PCT,
        };
        let total = get("enriched_uranium_stock");
        // A band this report does not give is carried forward from the last report
        // that gave it, and the point says so — once the Agency has reported a band, a
        // report that leaves it out does not mean the material is gone.
        let mut carried: Vec<String> = Vec::new();
        let mut band = |id: &'static str, last: &mut Option<(f64, String)>| -> Option<f64> {
            match get(id) {
                Some(v) => {
                    *last = Some((v, report.to_owned()));
                    Some(v)
                }
                None => last.as_ref().map(|(v, r)| {
                    carried.push(format!("{id} from {r}"));
                    *v
                }),
            }
        };
        let heu20 = band("enriched_uranium_stock_20pct", &mut last_heu20);
        let heu60 = band("enriched_uranium_stock_60pct", &mut last_heu60);
        // The LEU band as given, else what the total leaves after the higher bands
        // (when the report splits out a higher band, or everything was LEU).
        let leu = get("enriched_uranium_stock_le_5pct").or_else(|| match total {
            Some(t) if heu20.is_some() || heu60.is_some() => {
                Some(t - heu20.unwrap_or(0.0) - heu60.unwrap_or(0.0))
            }
            Some(t) if level.is_none_or(|l| l <= 5.0) => Some(t),
            _ => None,
        });
        // Like the higher bands, the LEU band a report leaves out (a report giving only
        // its 60 % figure) is carried forward from the last that gave it, and said.
        let leu = match leu {
            Some(v) => {
                last_leu = Some((v, report.to_owned()));
                Some(v)
            }
            // (Where the report gives a total but no split, the total covers the LEU.)
            None if total.is_none() => last_leu.as_ref().map(|(v, r)| {
                carried.push(format!("enriched_uranium_stock_le_5pct from {r}"));
                *v
            }),
            None => None,
        };
        // A later report restating the stocks of a date an earlier one gave (e.g. an
        // NPT report repeating the quarterly's figures) adds no point of its own.
        if let Some(earlier) = out.iter().find(|p: &&BreakoutPoint| p.date == date) {
            skip(&format!(
                "restates the stocks as of {date} that {} gave; the point stands on that report",
                earlier.source
            ));
            continue;
        }
        if leu.is_none() && heu20.is_none() && heu60.is_none() {
            skip("only a total while enriching above 5 %: its split by assay is unknown");
            continue;
        }
        // Without the LEU figure the estimate would be too short: skip the report.
        if leu.is_none() && level.is_some_and(|l| l > 5.0) && total.is_none() {
            skip("no figure for the stock up to 5 %");
            continue;
        }
        let mut stocks = Vec::new();
        for (kg, pct) in [
            (leu, leu_pct),
            (heu20, HEU20_ASSAY_PCT),
            (heu60, HEU60_ASSAY_PCT),
        ] {
            if let Some(kg) = kg.filter(|kg| *kg > 0.0) {
                stocks.push((pct, kg));
            }
        }
        // The HEU cascades, once Iran enriches to 60 %: each type and site's machines
        // enriching where the record counts them, else its cascades at the plant size.
        let mut heu_basis: Vec<BasisItem> = Vec::new();
        if level.is_some_and(|l| l >= HEU_CASCADES_FROM_LEVEL_PCT) {
            for ((m, site), (n, r, d)) in &heu_cascades {
                if *n < 1.0 || heu_since.is_none_or(|since| *d < since) {
                    continue;
                }
                // The machines enriching where the record counts them no earlier than
                // the cascades; else the cascades at the plant's size.
                let (count, r, d, cascades) = match counts.get(&(*m, Some(*site))) {
                    Some((k, r2, d2)) if *k >= 1.0 && *d2 >= *d => (
                        k.round() as u32,
                        *r2,
                        *d2,
                        counted_as_cascades.get(&(*m, Some(*site))).copied(),
                    ),
                    _ => {
                        let size = cascade_size.get(&(*m, *site)).copied().unwrap_or_else(|| {
                            f64::from(routes::default_machines_per_cascade(m.label()))
                        });
                        ((n * size).round() as u32, *r, *d, Some(n.round() as u32))
                    }
                };
                heu_basis.push(BasisItem {
                    kind: m.label().to_owned(),
                    site: Some(site.as_str()),
                    count,
                    as_of: d,
                    report: r.to_owned(),
                    as_of_date: d,
                    carried_forward: r != report,
                    cascades,
                });
            }
        }
        let heu_machines = machines_of(&heu_basis);
        // The installed case: at each HEU site, the larger of the machines installed
        // and those counted enriching.
        let mut installed_heu_basis: Vec<BasisItem> = Vec::new();
        if level.is_some_and(|l| l >= HEU_CASCADES_FROM_LEVEL_PCT) {
            let mut keys: Vec<(MachineType, Site)> = heu_installed
                .iter()
                .filter(|(_, (n, _, d, _))| *n >= 1.0 && heu_since.is_some_and(|s| *d >= s))
                .map(|(k, _)| *k)
                .collect();
            keys.extend(
                heu_basis
                    .iter()
                    .filter_map(|b| Some((MachineType::parse(&b.kind)?, Site::parse(b.site?)?))),
            );
            keys.sort_unstable();
            keys.dedup();
            for (m, site) in keys {
                let enriching = heu_basis
                    .iter()
                    .find(|b| b.kind == m.label() && b.site == Some(site.as_str()));
                let installed = heu_installed
                    .get(&(m, site))
                    .filter(|(_, _, d, _)| heu_since.is_some_and(|s| *d >= s));
                let item = match (installed, enriching) {
                    (Some((n, r, d, c)), e) if e.is_none_or(|e| f64::from(e.count) < *n) => {
                        BasisItem {
                            kind: m.label().to_owned(),
                            site: Some(site.as_str()),
                            count: n.round() as u32,
                            as_of: *d,
                            report: (*r).to_owned(),
                            as_of_date: *d,
                            carried_forward: *r != report,
                            cascades: *c,
                        }
                    }
                    (_, Some(e)) => e.clone(),
                    _ => continue,
                };
                installed_heu_basis.push(item);
            }
        }
        // `sites`: the sites a case stands on (all of them: `None`).
        let within = |sites: Option<&[Option<&str>]>, site: Option<&str>| {
            sites.is_none_or(|ss| ss.contains(&site))
        };
        let extra_heu = |sites: Option<&[Option<&str>]>| {
            installed_beyond(
                installed_heu_basis.iter().filter(|b| within(sites, b.site)),
                &heu_basis,
            )
        };
        let Some((mut machines, machines_from)) = last_machines.clone() else {
            skip("no count of centrifuges by type in this or an earlier report");
            continue;
        };
        let mut basis: Vec<BasisItem> = counts
            .iter()
            .filter(|(_, (n, _, _))| *n >= 1.0)
            .map(|((m, site), (n, r, d))| BasisItem {
                kind: m.label().to_owned(),
                site: site.map(Site::as_str),
                count: n.round() as u32,
                as_of: *d,
                report: (*r).to_owned(),
                as_of_date: *d,
                carried_forward: *r != report,
                cascades: counted_as_cascades.get(&(*m, *site)).copied(),
            })
            .collect();
        // The HEU cascades enrich too: where the record counts them only as cascades
        // (the PFEP), they join the machines that run the steps below 60 %, so that
        // every cascade enriching counts on every step it can run.
        let heu_only: Vec<BasisItem> = heu_basis
            .iter()
            .filter(|h| !basis.iter().any(|b| b.kind == h.kind && b.site == h.site))
            .cloned()
            .collect();
        machines = plus(&machines, &machines_of(&heu_only));
        basis.extend(heu_only);
        // The FEP's advanced machines installed beyond those counted enriching there:
        // the installed case feeds them to the steps below 60 %.
        let installed_fep_basis: Vec<BasisItem> = fep_installed
            .iter()
            .filter(|(m, (n, _, _, _))| {
                let enriching = basis
                    .iter()
                    .find(|b| b.kind == m.label() && b.site == Some(Site::NatanzFep.as_str()))
                    .map_or(0.0, |b| f64::from(b.count));
                *n > enriching
            })
            .map(|(m, (n, r, d, c))| BasisItem {
                kind: m.label().to_owned(),
                site: Some(Site::NatanzFep.as_str()),
                count: n.round() as u32,
                as_of: *d,
                report: (*r).to_owned(),
                as_of_date: *d,
                carried_forward: *r != report,
                cascades: *c,
            })
            .collect();
        let point = match estimate(&stocks, &machines, &heu_machines, opts) {
            Ok(p) => p,
            Err(e) => {
                skip(&format!("the physics rejects the figures: {e}"));
                continue;
            }
        };
        let deterministic = BreakoutOptions {
            samples: 0,
            ..*opts
        };
        // The installed case of `machines` at `sites` (all sites: `None`), against its
        // headline: `None` without more installed than enriching there. Where no HEU
        // cascades are counted, every machine runs every step, the added ones too;
        // more machines never make the case slower than the headline.
        let installed_case = |machines: &[(String, u32)],
                              heu_counted: bool,
                              sites: Option<&[Option<&str>]>,
                              headline: f64| {
            let more = plus(
                &extra_heu(sites),
                &installed_beyond(
                    installed_fep_basis.iter().filter(|b| within(sites, b.site)),
                    &basis,
                ),
            );
            if more.is_empty() {
                return None;
            }
            let heu: Vec<(String, u32)> = if heu_counted {
                machines_of(installed_heu_basis.iter().filter(|b| within(sites, b.site)))
            } else {
                Vec::new()
            };
            estimate(&stocks, &plus(machines, &more), &heu, &deterministic)
                .ok()
                .map(|p| p.days)
                .filter(|d| *d < headline)
        };
        let installed_cascades_days =
            installed_case(&machines, !heu_machines.is_empty(), None, point.days);
        // Each site alone, with all the stocks (material can be moved between sites),
        // by the headline's method: once the last step runs on the HEU cascades only, a
        // plant without one cannot run it alone. Natanz's two plants are also taken
        // together, as published estimates state "Natanz alone" beside "Fordow alone".
        let mut by_site: Vec<SiteDays> = Vec::new();
        let mut sites_not_estimated: Vec<SiteNotEstimated> = Vec::new();
        let mut sites: Vec<Option<&'static str>> = basis.iter().map(|b| b.site).collect();
        sites.sort_unstable();
        sites.dedup();
        if sites.len() > 1 {
            let natanz = [
                Some(Site::NatanzFep.as_str()),
                Some(Site::NatanzPfep.as_str()),
            ];
            let mut groups: Vec<(&'static str, Vec<Option<&'static str>>)> = sites
                .iter()
                .map(|s| (s.unwrap_or("unattributed"), vec![*s]))
                .collect();
            if natanz.iter().all(|n| sites.contains(n)) {
                groups.push(("natanz", natanz.to_vec()));
            }
            for (name, members) in groups {
                let of = |items: &[BasisItem]| {
                    machines_of(items.iter().filter(|b| members.contains(&b.site)))
                };
                let (here, heu_here) = (of(&basis), of(&heu_basis));
                if !heu_machines.is_empty() && heu_here.is_empty() {
                    sites_not_estimated.push(SiteNotEstimated {
                        site: name,
                        reason: NO_HEU_CASCADES_AT_SITE.to_owned(),
                    });
                    continue;
                }
                if let Ok(p) = estimate(&stocks, &here, &heu_here, &deterministic) {
                    // Counts not given by site have no installed case.
                    let installed_cascades_days = members
                        .iter()
                        .all(Option::is_some)
                        .then(|| {
                            installed_case(&here, !heu_here.is_empty(), Some(&members), p.days)
                        })
                        .flatten();
                    by_site.push(SiteDays {
                        site: name,
                        days: p.days,
                        installed_cascades_days,
                    });
                }
            }
            by_site.sort_by(|a, b| a.days.total_cmp(&b.days));
        }
        let verified = !evidence.knowledge.iter().any(|g| {
            g.party.trim().to_lowercase() == party
                && g.contains(date)
                && g.scope.covers("enriched_uranium_stock")
        });
        out.push(BreakoutPoint {
            date,
            days: point.days,
            days_p05: point.p05,
            days_p95: point.p95,
            route: point.route,
            lower_bound_days: point.lower_bound,
            capacity_swu_per_year: point.capacity,
            verified,
            last_verified: None,
            basis,
            heu_basis,
            stocks_carried_forward: carried,
            by_site,
            sites_not_estimated,
            installed_cascades_days,
            installed_heu_basis: if installed_cascades_days.is_some() {
                installed_heu_basis
            } else {
                Vec::new()
            },
            installed_fep_basis,
            source: report.to_owned(),
            stocks,
            machines,
            machines_from,
            heu_machines,
        });
    }
    // Name, on each unverified point, the last verified one before it.
    let mut last: Option<LastVerified> = None;
    for p in &mut out {
        if p.verified {
            last = Some(LastVerified {
                report: p.source.clone(),
                date: p.date,
            });
        } else {
            p.last_verified = last.clone();
        }
    }
    (out, skipped)
}

/// Machines installed at an HEU site: count, report, date, and the cascades it stands
/// on where the record counts cascades only.
type InstalledCount<'a> = (f64, &'a str, Date, Option<u32>);

/// One estimate: the headline and its percentiles, the lower bound and the capacity.
struct Estimate {
    days: f64,
    p05: f64,
    p95: f64,
    route: &'static str,
    lower_bound: f64,
    capacity: f64,
}

/// The cascades the counted machines form: per type, as many cascades of the plant
/// size (`default_machines_per_cascade`) as the count fills, at least one; the
/// machines are spread over them so that the capacity is the count's.
/// The HEU cascades run the steps fed at 60 % and above; the step fed at 20 % runs on
/// every cascade (see the module documentation).
fn cascades_of(
    machines: &[(String, u32)],
    heu: &[(String, u32)],
) -> Result<FixedCascades, verity_physics::PhysicsError> {
    Ok(FixedCascades::new(sets_of(machines))
        .with_heu_sets_from(sets_of(heu), Assay::from_pct(HEU_STEPS_FROM_PCT)?))
}

fn sets_of(machines: &[(String, u32)]) -> Vec<CascadeSet> {
    machines
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| {
            let per = routes::default_machines_per_cascade(kind);
            let cascades = (f64::from(*n) / f64::from(per)).round().max(1.0) as u32;
            CascadeSet {
                kind: kind.clone(),
                cascades,
                machines_per_cascade: n.div_ceil(cascades),
            }
        })
        .collect()
}

/// How many significant quantities the stocks and machines of `point` yield within
/// `days`, by the fixed cascades with every machine on every step (else the pooled
/// cascade),
/// counting up to `max`: analysts quote "enough for N weapons in a month". `None` when
/// not even one is reached in time or physics rejects the figures.
pub fn quantities_within(point: &BreakoutPoint, days: f64, max: u32) -> Option<u32> {
    quantities_in(&point.stocks, &point.machines, days, max)
}

/// Like [`quantities_within`], with the advanced cascades installed but not counted
/// enriching fed as well — at Fordow and the PFEP (the point's `installed_heu_basis`)
/// and at the FEP (`installed_fep_basis`): the plants' potential, as published counts
/// of weapons in a month assume the cascades installed (ISIS on Fordow's eight new IR-6
/// and the FEP's IR-2m cascades, August 2024). `None` where the record counts no more
/// installed than enriching, or not even one quantity is reached in time.
pub fn quantities_within_installed(point: &BreakoutPoint, days: f64, max: u32) -> Option<u32> {
    let more = plus(
        &installed_beyond(point.installed_heu_basis.iter(), &point.heu_basis),
        &installed_beyond(point.installed_fep_basis.iter(), &point.basis),
    );
    if more.is_empty() {
        return None;
    }
    quantities_in(&point.stocks, &plus(&point.machines, &more), days, max)
}

/// The machines installed beyond those counted enriching, by type: for each installed
/// item, its count less the enriching count of the same type and site.
fn installed_beyond<'a>(
    installed: impl Iterator<Item = &'a BasisItem>,
    enriching: &[BasisItem],
) -> Vec<(String, u32)> {
    installed
        .filter_map(|b| {
            let counted = enriching
                .iter()
                .find(|e| e.kind == b.kind && e.site == b.site)
                .map_or(0, |e| e.count);
            let more = b.count.saturating_sub(counted);
            (more > 0).then(|| (b.kind.clone(), more))
        })
        .collect()
}

/// The (type, count) list of basis items, as the physics takes machines.
fn machines_of<'a>(items: impl IntoIterator<Item = &'a BasisItem>) -> Vec<(String, u32)> {
    items
        .into_iter()
        .map(|b| (b.kind.clone(), b.count))
        .collect()
}

/// `machines` with `more` added, type by type.
fn plus(machines: &[(String, u32)], more: &[(String, u32)]) -> Vec<(String, u32)> {
    let mut all = machines.to_vec();
    for (kind, n) in more {
        match all.iter_mut().find(|(k, _)| k == kind) {
            Some(e) => e.1 += n,
            None => all.push((kind.clone(), *n)),
        }
    }
    all
}

fn quantities_in(
    stocks: &[(f64, f64)],
    machines: &[(String, u32)],
    days: f64,
    max: u32,
) -> Option<u32> {
    // Every counted machine runs every step here, the HEU cascades' restriction aside:
    // over a month the plant can be set up for HEU feed, and the published counts of
    // weapons in a month put the 20 % stock "in the vast bulk of its production-scale
    // cascades" (ISIS, analysis of the IAEA report of 4 September 2023).
    let (mut input, fixed) = input_of(stocks, machines, &[]).ok()?;
    let per = input.target.u235_kg;
    let leu = Assay::from_pct(LEU_STEP_PCT).ok()?;
    let mut reached = None;
    for k in 1..=max {
        input.target.u235_kg = per * f64::from(k);
        let d = match verity_physics::solve_fixed_cascades(&input, leu, &fixed) {
            Ok(f) => f.days,
            Err(_) => match verity_physics::solve(&input) {
                Ok(p) => p.days,
                Err(_) => break,
            },
        };
        // Days grow with the quantity: the first that takes too long ends the count.
        if d > days {
            break;
        }
        reached = Some(k);
    }
    reached
}

/// The breakout input (optimised tails) and the fixed cascades of stocks and machines.
fn input_of(
    stocks: &[(f64, f64)],
    machines: &[(String, u32)],
    heu: &[(String, u32)],
) -> Result<(BreakoutInput, FixedCascades), verity_physics::PhysicsError> {
    let stocks = stocks
        .iter()
        .map(|(pct, kg)| {
            Ok(Stock {
                assay: Assay::from_pct(*pct)?,
                kg_u: KgU::new(*kg)?,
            })
        })
        .collect::<Result<Vec<_>, verity_physics::PhysicsError>>()?;
    let capacity = Capacity::Centrifuges(
        machines
            .iter()
            .map(|(kind, count)| MachineCount {
                kind: kind.clone(),
                count: *count,
            })
            .collect(),
    );
    let mut input = BreakoutInput::new(stocks, capacity);
    input.tails = Tails::Optimal;
    Ok((input, cascades_of(machines, heu)?))
}

/// The estimate for stocks and machines, or why physics rejects the figures.
fn estimate(
    stocks: &[(f64, f64)],
    machines: &[(String, u32)],
    heu: &[(String, u32)],
    opts: &BreakoutOptions,
) -> Result<Estimate, verity_physics::PhysicsError> {
    let (input, fixed) = input_of(stocks, machines, heu)?;
    let pooled = verity_physics::solve(&input)?;
    let leu = Assay::from_pct(LEU_STEP_PCT)?;
    // The headline: the fixed cascades; where they cannot reach the target (no
    // natural uranium step possible), the pooled plan stands alone.
    let (days, enrich_days, route) = match verity_physics::solve_fixed_cascades(&input, leu, &fixed)
    {
        Ok(f) => (f.days, f.staged.days, "fixed_cascades"),
        Err(_) => (pooled.days, pooled.days, "single_cascade"),
    };
    let (p05, p95) = if opts.samples > 0 && pooled.days > 0.0 {
        let mc = montecarlo::run(
            &input,
            &McConfig {
                samples: opts.samples,
                seed: opts.seed,
                ..McConfig::default()
            },
        )?;
        let overhead = days - enrich_days;
        (
            enrich_days * mc.p05_days / pooled.days + overhead,
            enrich_days * mc.p95_days / pooled.days + overhead,
        )
    } else {
        (days, days)
    };
    Ok(Estimate {
        days,
        p05,
        p95,
        route,
        lower_bound: pooled.days,
        capacity: input.capacity.swu_per_year(input.performance)?,
    })
}
