//! The verification a proposal needs: for each breakout route, which of the terms'
//! measures detect it, how soon, and whether that is before the route's time runs out.
//!
//! Detection times are planning figures, each with its reason: daily access and online
//! enrichment monitors at the enrichment plants see a change of cascade or feed within
//! a day (JCPOA Annex I paras. 51, 67); continuous monitoring of stored machines sees a
//! seal broken within days (Annex I para. 70: the IAEA's seals and cameras are read
//! at least monthly; we count a week); without them, declared plants are inspected
//! at intervals of about a month (the IAEA's timeliness goal for HEU, IAEA Safeguards
//! Glossary 2022, para. 3.20); a covert plant is found only with access beyond the
//! declared sites — the Additional Protocol's complementary access, or the
//! 24-day access procedure of JCPOA para. 78 — and then only given a lead.

use serde::Serialize;
use verity_agreement::proposal::{Measure, Proposal, TermKind};

use crate::YearPoint;

/// Days for the measures to detect each route (see the module docs).
const DAILY_ACCESS_DAYS: f64 = 1.0;
const MONITORING_DAYS: f64 = 7.0;
const INSPECTION_INTERVAL_DAYS: f64 = 30.0;
const ACCESS_PROCEDURE_DAYS: f64 = 24.0;

/// One route and what detects it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// `declared_plants`, `reinstallation` or `covert_plant`.
    pub route: &'static str,
    /// The shortest time of the route over the deal's life, days.
    pub route_days: Option<f64>,
    /// The measures that detect it, with the terms' sources.
    pub detected_by: Vec<String>,
    pub detection_days: Option<f64>,
    /// Whether detection comes before the route is done.
    pub in_time: bool,
    pub text: String,
}

fn provided(p: &Proposal, m: Measure) -> Option<&str> {
    p.terms.iter().find_map(|t| match t.kind {
        TermKind::Verification { measure } if measure == m => Some(t.source.as_str()),
        _ => None,
    })
}

fn fmt_days(d: Option<f64>) -> String {
    d.map_or_else(|| "no finite time".into(), days)
}

fn days(d: f64) -> String {
    let r = d.round();
    if r == 1.0 {
        "1 day".into()
    } else {
        format!("{r:.0} days")
    }
}

/// The verification checks of a proposal against its evaluated years.
pub fn checks(p: &Proposal, years: &[YearPoint]) -> Vec<Check> {
    let min = |f: &dyn Fn(&YearPoint) -> Option<f64>| years.iter().filter_map(f).reduce(f64::min);
    let declared = min(&|y| y.days);
    let covert = min(&|y| y.sneakout_days);
    let stored = years.iter().any(|y| !y.state.stored.is_empty());
    let mut out = Vec::new();

    let mut one = |route: &'static str,
                   route_days: Option<f64>,
                   options: &[(Measure, f64)],
                   fallback: Option<(&str, f64)>,
                   qualifier: &str,
                   what: &str| {
        let mut detected_by = Vec::new();
        let mut best: Option<f64> = None;
        for (m, d) in options {
            if let Some(src) = provided(p, *m) {
                detected_by.push(format!("{} ({src})", m.as_str()));
                best = Some(best.map_or(*d, |b: f64| b.min(*d)));
            }
        }
        let mut fallback_why = None;
        if best.is_none()
            && let Some((why, d)) = fallback
        {
            best = Some(d);
            fallback_why = Some(why);
        }
        let in_time = match (best, route_days) {
            (Some(b), Some(r)) => b < r,
            (Some(_), None) => true,
            _ => false,
        };
        let names = detected_by
            .iter()
            .map(|d| d.split(" (").next().unwrap_or(d).to_owned())
            .collect::<Vec<_>>()
            .join(", ");
        let detection = match (best, fallback_why) {
            (Some(b), Some(why)) => format!(
                "detected within about {} by {why} only (no term of the proposal provides more)",
                days(b)
            ),
            (Some(b), None) => format!("detected within {} by {names}{qualifier}", days(b)),
            (None, _) => "no measure of the proposal detects it".to_owned(),
        };
        let text = format!(
            "{what}: {} at the shortest; {detection}. {}",
            fmt_days(route_days),
            if in_time {
                "In time to respond."
            } else if best.is_none() {
                "Not in time: nothing would detect the route before it is done."
            } else {
                "Not in time: the route would be done before it is detected."
            }
        );
        out.push(Check {
            route,
            route_days,
            detected_by,
            detection_days: best,
            in_time,
            text,
        });
    };
    one(
        "declared_plants",
        declared,
        &[(Measure::DailyAccess, DAILY_ACCESS_DAYS)],
        Some((
            "routine safeguards inspections at about monthly intervals",
            INSPECTION_INTERVAL_DAYS,
        )),
        "",
        "Breakout at the declared plants",
    );
    if stored {
        one(
            "reinstallation",
            declared,
            &[
                (Measure::ContinuousMonitoring, MONITORING_DAYS),
                (Measure::DailyAccess, DAILY_ACCESS_DAYS),
            ],
            None,
            "",
            "Reinstalling stored machines",
        );
    }
    one(
        "covert_plant",
        covert,
        &[
            (Measure::AdditionalProtocol, ACCESS_PROCEDURE_DAYS),
            (Measure::AccessProcedure, ACCESS_PROCEDURE_DAYS),
        ],
        None,
        // Access beyond the declared sites finds a plant only where it is asked for.
        ", given a lead to the site",
        "Sneakout at a covert plant",
    );
    out
}
