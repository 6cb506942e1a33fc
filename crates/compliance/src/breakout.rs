//! Breakout time at each report date, from that report's own stocks and centrifuges,
//! computed with `verity-physics` (least-SWU plan to 1 SQ at 90 %, natural uranium
//! available, 0.3 % tails; Monte Carlo over machine performance and stock figures for
//! the 5th and 95th percentiles).

use std::collections::BTreeMap;

use serde::Serialize;
use verity_evidence::{EvidenceSet, Measurement};
use verity_physics::{
    Assay, BreakoutInput, Capacity, KgU, MachineCount, McConfig, Stock, montecarlo,
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

/// The breakout estimate at one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakoutPoint {
    /// The "as of" date of the report's stock figures.
    pub date: Date,
    /// Days to 1 SQ with central machine figures.
    pub days: f64,
    pub days_p05: f64,
    pub days_p95: f64,
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
    let mut counts: BTreeMap<(MachineType, Option<Site>), (f64, &str)> = BTreeMap::new();
    // The highest enrichment level, carried forward to reports that do not restate it.
    let mut last_level: Option<f64> = None;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (_, stock_date, report, ms) in ordered {
        let get = |id: &str| {
            ms.iter()
                .filter(|m| m.metric.id == id)
                .max_by_key(|m| m.date)
                .and_then(|m| m.quantity.central())
        };
        // The latest count of machines enriching, per type and site, each carried
        // forward on its own: a report that counts one site leaves the others as the
        // last report that counted them had them. An all-sites figure for a type stands
        // for every site of that type until a report counts the type site by site.
        for (id, machine) in MACHINES {
            let by_site: Vec<(Site, f64)> = Site::ALL
                .into_iter()
                .filter_map(|site| {
                    let key = CentrifugeKey {
                        counted: Counted::Machines,
                        machine,
                        state: MachineState::Enriching,
                        site,
                    };
                    // Older reports give IR-1 at the FEP as installed (all of them enriching).
                    let fallback = (machine == MachineType::Ir1 && site == Site::NatanzFep)
                        .then(|| get("centrifuges_ir1_installed_natanz_fep"))
                        .flatten();
                    get(&key.id()).or(fallback).map(|n| (site, n))
                })
                .collect();
            if !by_site.is_empty() {
                counts.remove(&(machine, None));
                for (site, n) in by_site {
                    counts.insert((machine, Some(site)), (n, report));
                }
            } else if let Some(n) = get(id) {
                counts.retain(|(m, _), _| *m != machine);
                counts.insert((machine, None), (n, report));
            }
        }
        let mut here: Vec<(String, u32)> = Vec::new();
        let mut from: Vec<&str> = Vec::new();
        for (_, machine) in MACHINES {
            let n: f64 = counts
                .iter()
                .filter(|((m, _), _)| *m == machine)
                .map(|(_, (n, _))| n)
                .sum();
            if n >= 1.0 {
                here.push((machine.label().to_owned(), n.round() as u32));
            }
        }
        for (n, r) in counts.values() {
            if *n >= 1.0 && !from.contains(r) {
                from.push(r);
            }
        }
        if !here.is_empty() {
            last_machines = Some((here, from.join(" ; ")));
        }
        let level = get("max_enrichment_level").or(last_level);
        last_level = level;
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
        let heu20 = get("enriched_uranium_stock_20pct");
        let heu60 = get("enriched_uranium_stock_60pct");
        // The LEU band as given, else what the total leaves after the higher bands
        // (when the report splits out a higher band, or everything was LEU).
        let leu = get("enriched_uranium_stock_le_5pct").or_else(|| match total {
            Some(t) if heu20.is_some() || heu60.is_some() => {
                Some(t - heu20.unwrap_or(0.0) - heu60.unwrap_or(0.0))
            }
            Some(t) if level.is_none_or(|l| l <= 5.0) => Some(t),
            _ => None,
        });
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
        let Some((machines, machines_from)) = last_machines.clone() else {
            skip("no count of centrifuges by type in this or an earlier report");
            continue;
        };
        let point = match estimate(&stocks, &machines, opts) {
            Ok(p) => p,
            Err(e) => {
                skip(&format!("the physics rejects the figures: {e}"));
                continue;
            }
        };
        out.push(BreakoutPoint {
            date,
            days: point.0,
            days_p05: point.1,
            days_p95: point.2,
            source: report.to_owned(),
            stocks,
            machines,
            machines_from,
        });
    }
    (out, skipped)
}

/// (central days, p05, p95), or why physics rejects the figures.
fn estimate(
    stocks: &[(f64, f64)],
    machines: &[(String, u32)],
    opts: &BreakoutOptions,
) -> Result<(f64, f64, f64), verity_physics::PhysicsError> {
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
    let input = BreakoutInput::new(stocks, capacity);
    let plan = verity_physics::solve(&input)?;
    let mc = montecarlo::run(
        &input,
        &McConfig {
            samples: opts.samples,
            seed: opts.seed,
            ..McConfig::default()
        },
    )?;
    Ok((plan.days, mc.p05_days, mc.p95_days))
}
