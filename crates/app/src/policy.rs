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
