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
use verity_vocab::Date;

/// Assays at which the IAEA's stock categories are counted. The IAEA reports stocks
/// "up to 5 %" / "up to 20 %" / "up to 60 %"; Iran's product in those categories was
/// nominally 3.67 % (to July 2019), 4.5 % (after; GOV/2019/32 reports "up to 4.5 %"),
/// 19.75 % (the Tehran Research Reactor fuel specification) and 60 %. The LEU band is
/// taken at the report's highest level when that is ≤ 5 %, else at 4.5 %.
const LEU_ASSAY_AFTER_2019_PCT: f64 = 4.5;
const HEU20_ASSAY_PCT: f64 = 19.75;
const HEU60_ASSAY_PCT: f64 = 60.0;

/// Centrifuge metrics counted as capacity, with their catalogue type.
const MACHINES: [(&str, &str); 4] = [
    ("centrifuges_enriching_ir1", "IR-1"),
    ("centrifuges_enriching_ir2m", "IR-2m"),
    ("centrifuges_enriching_ir4", "IR-4"),
    ("centrifuges_enriching_ir6", "IR-6"),
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

/// One breakout point per report that gives a stock figure for `party`.
pub fn timeline(evidence: &EvidenceSet, party: &str, opts: &BreakoutOptions) -> Vec<BreakoutPoint> {
    let party = party.trim().to_lowercase();
    // Group by report, in order of the figures' dates.
    let mut reports: BTreeMap<&str, Vec<&Measurement>> = BTreeMap::new();
    for m in evidence
        .measurements
        .iter()
        .filter(|m| m.party.trim().to_lowercase() == party)
    {
        reports.entry(m.source.report.as_str()).or_default().push(m);
    }
    let mut ordered: Vec<(Date, &str, Vec<&Measurement>)> = reports
        .into_iter()
        .filter_map(|(r, ms)| {
            let date = ms
                .iter()
                .filter(|m| m.metric.id.starts_with("enriched_uranium_stock"))
                .map(|m| m.date)
                .max()?;
            Some((date, r, ms))
        })
        .collect();
    ordered.sort_by_key(|(d, r, _)| (*d, *r));

    let mut last_machines: Option<(Vec<(String, u32)>, String)> = None;
    let mut out = Vec::new();
    for (date, report, ms) in ordered {
        let get = |id: &str| {
            ms.iter()
                .filter(|m| m.metric.id == id)
                .max_by_key(|m| m.date)
                .and_then(|m| m.quantity.central())
        };
        let level = get("max_enrichment_level");
        let leu_pct = match level {
            Some(l) if l <= 5.0 => l,
            _ => LEU_ASSAY_AFTER_2019_PCT,
        };
        let mut stocks = Vec::new();
        let bands = [
            ("enriched_uranium_stock_le_5pct", leu_pct),
            ("enriched_uranium_stock_20pct", HEU20_ASSAY_PCT),
            ("enriched_uranium_stock_60pct", HEU60_ASSAY_PCT),
        ];
        for (id, pct) in bands {
            if let Some(kg) = get(id).filter(|kg| *kg > 0.0) {
                stocks.push((pct, kg));
            }
        }
        if stocks.is_empty() {
            // Only a total: usable when everything was low-enriched.
            match (get("enriched_uranium_stock"), level) {
                (Some(kg), Some(l)) if l <= 5.0 => stocks.push((l, kg)),
                (Some(kg), None) => stocks.push((leu_pct, kg)),
                _ => continue,
            }
        }
        let here: Vec<(String, u32)> = MACHINES
            .iter()
            .filter_map(|(id, kind)| {
                let n = get(id)?;
                (n >= 1.0).then(|| ((*kind).to_owned(), n.round() as u32))
            })
            .collect();
        let here = if here.is_empty() {
            // Older reports count IR-1 machines at Natanz only.
            [
                "centrifuges_enriching_natanz_fep",
                "centrifuges_ir1_installed_natanz_fep",
            ]
            .iter()
            .find_map(|id| get(id))
            .filter(|n| *n >= 1.0)
            .map(|n| vec![("IR-1".to_owned(), n.round() as u32)])
            .unwrap_or_default()
        } else {
            here
        };
        let (machines, machines_from) = if here.is_empty() {
            match &last_machines {
                Some((m, from)) => (m.clone(), from.clone()),
                None => continue,
            }
        } else {
            last_machines = Some((here.clone(), report.to_owned()));
            (here, report.to_owned())
        };
        let Some(point) = estimate(&stocks, &machines, opts) else {
            continue;
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
    out
}

/// (central days, p05, p95), or `None` if physics rejects the figures.
fn estimate(
    stocks: &[(f64, f64)],
    machines: &[(String, u32)],
    opts: &BreakoutOptions,
) -> Option<(f64, f64, f64)> {
    let stocks = stocks
        .iter()
        .map(|(pct, kg)| {
            Some(Stock {
                assay: Assay::from_pct(*pct).ok()?,
                kg_u: KgU::new(*kg).ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
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
    let plan = verity_physics::solve(&input).ok()?;
    let mc = montecarlo::run(
        &input,
        &McConfig {
            samples: opts.samples,
            seed: opts.seed,
            ..McConfig::default()
        },
    )
    .ok()?;
    Some((plan.days, mc.p05_days, mc.p95_days))
}
