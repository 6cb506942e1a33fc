//! Policy: the judgements a renderer may show but never make. The terminal table, the
//! Markdown and HTML reports, the JSON documents and the dashboard all take these from
//! the answers this crate builds.

use serde::Serialize;
use verity_compliance::Status;

use crate::{AppError, AppResult};

/// Days in a year, for "one year" lines and per-year capacities (the Julian year the
/// physics uses for SWU per year).
pub const ONE_YEAR_DAYS: f64 = 365.25;

/// A figure within this many standard deviations of a limit is "indeterminate", not a
/// breach, unless the caller asks otherwise.
pub const DEFAULT_SIGMA: f64 = 2.0;

/// The largest k a caller may ask for: beyond 10σ every figure near a limit would be
/// "indeterminate", which is no reading of a report anyone makes.
pub const MAX_SIGMA: f64 = 10.0;

/// Checks the σ rule's k: a number in [0, 10].
pub fn check_sigma(k: f64) -> AppResult<f64> {
    if k.is_finite() && (0.0..=MAX_SIGMA).contains(&k) {
        Ok(k)
    } else {
        Err(AppError::field(
            "sigma",
            k,
            format!("K must be a number from 0 to {MAX_SIGMA}"),
        ))
    }
}

/// How statuses rank when several fall in one period (a year of the summary): the
/// most severe shows. A breach anywhere in the year shows; then a status the parties
/// contest; then performance ceased as a remedy (under a party's reading); then a period the
/// inspectors could not verify; then a figure too close to call; then compliance;
/// silence ranks last.
pub fn severity(s: Status) -> u8 {
    match s {
        Status::Breach => 6,
        Status::Contested => 5,
        Status::Remedial => 4,
        Status::CannotVerify => 3,
        Status::Indeterminate => 2,
        Status::Compliant => 1,
        Status::NoEvidence => 0,
    }
}

/// The most severe of `statuses`, if any.
pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
    statuses.into_iter().max_by_key(|s| severity(*s))
}

/// Every status, most severe first: the order of legends and keys.
pub const STATUS_ORDER: [Status; 7] = [
    Status::Breach,
    Status::Contested,
    Status::Remedial,
    Status::CannotVerify,
    Status::Indeterminate,
    Status::Compliant,
    Status::NoEvidence,
];

/// A status in words, for people.
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Compliant => "compliant",
        Status::Breach => "breach",
        Status::Indeterminate => "indeterminate",
        Status::CannotVerify => "cannot verify",
        Status::NoEvidence => "no evidence",
        Status::Remedial => "remedial",
        Status::Contested => "contested",
    }
}

/// One entry of a legend: the status, its words and its one-character mark.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LegendEntry {
    #[schema(value_type = String)]
    pub status: Status,
    pub label: &'static str,
    pub symbol: &'static str,
}

/// The legend, most severe first.
pub fn legend() -> Vec<LegendEntry> {
    STATUS_ORDER
        .iter()
        .map(|&s| LegendEntry {
            status: s,
            label: status_label(s),
            symbol: symbol(Some(s)),
        })
        .collect()
}

/// The one-character mark of a status (blank: not in force).
pub fn symbol(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Compliant) => "✔",
        Some(Status::Breach) => "✖",
        Some(Status::Indeterminate) => "~",
        Some(Status::CannotVerify) => "?",
        Some(Status::NoEvidence) => "·",
        Some(Status::Remedial) => "R",
        Some(Status::Contested) => "≠",
        None => " ",
    }
}

/// Where a breakout time stands against the JCPOA's goal of at least one year (the
/// negotiators' aim for the first decade: from two or three months to at least a
/// year; The White House, "The Iran Nuclear Deal: What You Need to Know about the
/// JCPOA", July 2015).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakoutBand {
    /// Under a month (a twelfth of a year): faster than inspections at the
    /// quarterly-report rhythm could notice and a response could be organised.
    UnderOneMonth,
    /// A month or more, but under the one-year goal.
    UnderOneYear,
    /// At least one year: the goal met.
    OneYearOrMore,
}

impl BreakoutBand {
    pub fn of(days: f64) -> BreakoutBand {
        if days < ONE_YEAR_DAYS / 12.0 {
            BreakoutBand::UnderOneMonth
        } else if days < ONE_YEAR_DAYS {
            BreakoutBand::UnderOneYear
        } else {
            BreakoutBand::OneYearOrMore
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BreakoutBand::UnderOneMonth => "under one month",
            BreakoutBand::UnderOneYear => "under one year",
            BreakoutBand::OneYearOrMore => "one year or more",
        }
    }
}

/// The topics a report groups a party's obligations under, each with the id segments
/// (`iran.enrichment.level` → `enrichment`) that belong to it, in the order a reader of
/// the agreement meets them.
const TOPICS: &[(&str, &str, &[&str])] = &[
    (
        "weapons",
        "Weapons, HEU and plutonium",
        &[
            "no_nuclear_weapons",
            "section_t",
            "heu_plutonium",
            "reprocessing",
            "other_isotope_separation",
            "long_term_plan",
        ],
    ),
    (
        "arak",
        "Arak reactor and heavy water",
        &["arak", "heavy_water"],
    ),
    ("uranium_metal", "Uranium metal", &["uranium_metal"]),
    (
        "enrichment",
        "Enrichment and centrifuges",
        &[
            "enrichment",
            "rd",
            "fordow",
            "manufacturing",
            "rotors_bellows",
        ],
    ),
    ("stock", "Enriched-uranium stock", &["stock"]),
    (
        "verification",
        "Verification and transparency",
        &[
            "ap",
            "code_3_1",
            "inspectors",
            "access",
            "iaea_presence",
            "natanz_access",
            "uoc_monitoring",
            "centrifuge_storage_monitoring",
            "modern_technologies",
            "pmd_roadmap",
            "verify_and_monitor",
            "report_implementation",
            "regular_reporting",
            "access_basis",
        ],
    ),
    (
        "sanctions",
        "Sanctions relief",
        &[
            "sanctions",
            "terminate_nuclear_sanctions",
            "cease_sanctions",
            "waivers_issued",
            "regulation_adopted",
            "transition_day",
            "termination_day",
            "no_reimposition",
            "normalisation",
        ],
    ),
    (
        "resolution_2231",
        "Resolution 2231",
        &[
            "terminate_resolutions",
            "termination",
            "procurement_channel",
        ],
    ),
];

/// The topic of an obligation (an id of [`TOPICS`], or the id's second segment).
pub fn topic(obligation: &str) -> &str {
    let mut parts = obligation.split('.');
    let first = parts.next().unwrap_or(obligation);
    let seg = parts.next().unwrap_or(first);
    TOPICS
        .iter()
        .find(|(_, _, segs)| segs.contains(&seg))
        .map_or(seg, |(id, _, _)| id)
}

/// A topic in words.
pub fn topic_label(topic: &str) -> String {
    if let Some((_, label, _)) = TOPICS.iter().find(|(id, _, _)| *id == topic) {
        return (*label).to_owned();
    }
    let words = topic.replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => words,
    }
}

/// Where a topic comes in a party's section: the order of [`TOPICS`], others after.
pub fn topic_rank(topic: &str) -> usize {
    TOPICS
        .iter()
        .position(|(id, _, _)| *id == topic)
        .unwrap_or(TOPICS.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_rank_breach_first_and_silence_last() {
        assert_eq!(
            worst([Status::Compliant, Status::Breach, Status::NoEvidence]),
            Some(Status::Breach)
        );
        assert_eq!(
            worst([
                Status::Compliant,
                Status::CannotVerify,
                Status::Indeterminate
            ]),
            Some(Status::CannotVerify)
        );
        let ranks: Vec<u8> = STATUS_ORDER.iter().map(|s| severity(*s)).collect();
        assert!(ranks.windows(2).all(|w| w[0] > w[1]), "{ranks:?}");
    }

    #[test]
    fn breakout_bands_meet_at_a_month_and_a_year() {
        assert_eq!(BreakoutBand::of(30.0), BreakoutBand::UnderOneMonth);
        assert_eq!(BreakoutBand::of(30.5), BreakoutBand::UnderOneYear);
        assert_eq!(BreakoutBand::of(365.0), BreakoutBand::UnderOneYear);
        assert_eq!(BreakoutBand::of(365.25), BreakoutBand::OneYearOrMore);
    }

    #[test]
    fn sigma_is_checked_once() {
        assert_eq!(check_sigma(0.0).ok(), Some(0.0));
        assert_eq!(check_sigma(2.0).ok(), Some(2.0));
        for bad in [-1.0, f64::NAN, 10.5, f64::INFINITY] {
            assert!(check_sigma(bad).is_err(), "{bad}");
        }
    }
}
