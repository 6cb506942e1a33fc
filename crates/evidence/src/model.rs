//! The evidence model: what a measurement, an event and a knowledge gap are.

use std::fmt;

use serde::{Deserialize, Serialize};
use verity_vocab::{Date, EventDef, MetricDef, Unit};

/// How a figure is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Verified by the inspectors (IAEA "verified", "confirmed", "observed").
    Verified,
    /// Declared by the party and not (yet) verified.
    Declared,
    /// Estimated by the inspectors or another source (e.g. while access was lost).
    Estimated,
    /// The report gives no figure for this quantity: an explicit absence, so that a gap
    /// in the record is never mistaken for a figure carried forward. Such a row has no
    /// value and no bound, and is no evidence for a verdict.
    NotReported,
}

impl Basis {
    pub const ALL: [Basis; 4] = [
        Basis::Verified,
        Basis::Declared,
        Basis::Estimated,
        Basis::NotReported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Verified => "verified",
            Basis::Declared => "declared",
            Basis::Estimated => "estimated",
            Basis::NotReported => "not_reported",
        }
    }

    pub fn parse(s: &str) -> Option<Basis> {
        Basis::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How directly a figure was read from its report (see `data/SOURCES.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// The report's own text was read: report id and paragraph.
    Primary,
    /// A verbatim quotation of the report in a named secondary source.
    Quoted,
    /// A table compiled by a named analyst organisation.
    Compiled,
    /// Computed from other figures; the note states the formula.
    Derived,
}

impl Grade {
    pub const ALL: [Grade; 4] = [
        Grade::Primary,
        Grade::Quoted,
        Grade::Compiled,
        Grade::Derived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Primary => "primary",
            Grade::Quoted => "quoted",
            Grade::Compiled => "compiled",
            Grade::Derived => "derived",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a piece of evidence comes from: the primary document and where in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The report id (e.g. `GOV/2019/32`) or other primary document.
    pub report: String,
    /// The paragraph (e.g. `12`, `Annex 1 table`); `None` where it could not be located.
    pub paragraph: Option<String>,
    /// The date the report was issued, where known.
    pub report_date: Option<Date>,
    /// Where the text was read (URLs or publications).
    pub via: Vec<String>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report)?;
        if let Some(p) = &self.paragraph {
            if p.chars().all(|c| c.is_ascii_digit()) {
                write!(f, " ¶{p}")?;
            } else {
                write!(f, ", {p}")?;
            }
        }
        Ok(())
    }
}

/// A value with its uncertainty, in the metric's unit.
///
/// Either a point `value` (optionally ± `sigma`, one standard deviation), or an interval
/// from what a report says in words: `low` means "more than low" (the report says the
/// quantity exceeded it), or "at least low" with `low_inclusive` (the report counts that
/// many and says nothing of more), and `high` means "not more than high" (did not exceed
/// it). Both may accompany a point value.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Quantity {
    pub value: Option<f64>,
    pub sigma: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// `low` is "at least" (≥), not "more than" (>).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub low_inclusive: bool,
}

impl Quantity {
    /// A point value without stated uncertainty.
    pub fn point(value: f64) -> Quantity {
        Quantity {
            value: Some(value),
            ..Quantity::default()
        }
    }

    /// The best single figure: the point value, else the one bound given.
    pub fn central(&self) -> Option<f64> {
        self.value.or(self.low).or(self.high)
    }

    /// Scales every figure (for unit conversion).
    pub fn scaled(self, factor: f64) -> Quantity {
        Quantity {
            value: self.value.map(|v| v * factor),
            sigma: self.sigma.map(|v| v * factor),
            low: self.low.map(|v| v * factor),
            high: self.high.map(|v| v * factor),
            low_inclusive: self.low_inclusive,
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.value, self.low, self.high) {
            (Some(v), _, _) => {
                write!(f, "{}", fmt_num(v))?;
                if let Some(s) = self.sigma {
                    write!(f, " ± {}", fmt_num(s))?;
                }
                Ok(())
            }
            (None, Some(l), Some(h)) => write!(f, "{}–{}", fmt_num(l), fmt_num(h)),
            (None, Some(l), None) if self.low_inclusive => write!(f, "≥ {}", fmt_num(l)),
            (None, Some(l), None) => write!(f, "> {}", fmt_num(l)),
            (None, None, Some(h)) => write!(f, "≤ {}", fmt_num(h)),
            (None, None, None) => f.write_str("?"),
        }
    }
}

/// Formats a number compactly: integers without decimals, others with up to 2.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Where a record was read from, for messages and the evidence trail.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    /// Where the record starts on its line (1 for a CSV row; the object's `{` in JSON).
    pub col: usize,
}

/// A measured (or declared, or estimated) figure about a party.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The date the figure describes ("as of").
    pub date: Date,
    pub party: String,
    /// The vocabulary metric.
    pub metric: &'static MetricDef,
    /// In the metric's unit (converted from the unit in the file where needed).
    pub quantity: Quantity,
    /// The unit the file stated (the quantity is in `metric.unit`).
    pub reported_unit: Unit,
    pub basis: Basis,
    /// How directly the figure was read; `None` for files that do not grade their rows.
    pub grade: Option<Grade>,
    pub source: Source,
    pub note: String,
    pub origin: Origin,
}

impl Measurement {
    pub fn unit(&self) -> Unit {
        self.metric.unit
    }

    /// Whether the row is a figure (not an explicit "not reported").
    pub fn is_figure(&self) -> bool {
        self.basis != Basis::NotReported
    }

    /// What makes a measurement unique: the same figure from the same report twice is a
    /// duplicate (another report may give the same metric for the same date).
    pub fn key(&self) -> String {
        format!(
            "(date {}, party {}, metric {}, source {})",
            self.date, self.party, self.metric.id, self.source.report
        )
    }
}

impl Event {
    /// What makes an event unique.
    pub fn key(&self) -> String {
        format!(
            "(date {}, party {}, event {}, value {})",
            self.date,
            self.party,
            self.event.id,
            self.value.map_or("none".to_owned(), |v| v.to_string())
        )
    }
}

impl KnowledgeGap {
    /// What makes a knowledge gap unique.
    pub fn key(&self) -> String {
        format!(
            "(from {}, party {}, scope {})",
            self.from, self.party, self.scope
        )
    }
}

/// A dated fact about a party.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub date: Date,
    pub party: String,
    pub event: &'static EventDef,
    /// An optional figure (e.g. the new enrichment level for `enrichment_level_begun`).
    pub value: Option<f64>,
    pub source: Source,
    pub note: String,
    pub origin: Origin,
}

/// What a knowledge gap covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything the inspectors verify for the party.
    All,
    /// Only these metrics.
    Metrics(Vec<&'static str>),
}

impl Scope {
    pub fn covers(&self, metric: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Metrics(ids) => ids.contains(&metric),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::All => f.write_str("*"),
            Scope::Metrics(ids) => f.write_str(&ids.join(";")),
        }
    }
}

/// A period in which the inspectors reported losing continuity of knowledge.
#[derive(Debug, Clone, PartialEq)]
pub struct KnowledgeGap {
    pub from: Date,
    /// `None`: still lost as of the last report.
    pub until: Option<Date>,
    pub party: String,
    pub scope: Scope,
    pub source: Source,
    pub note: String,
    pub origin: Origin,
}

impl KnowledgeGap {
    /// Whether `date` lies in the gap (`from` inclusive, `until` exclusive: on the day
    /// knowledge is restored it is known again).
    pub fn contains(&self, date: Date) -> bool {
        date >= self.from && self.until.is_none_or(|u| date < u)
    }
}

/// What kind of document a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A quarterly report to the Board (GOV/YYYY/N).
    Quarterly,
    /// An ad hoc report (GOV/INF/YYYY/N).
    AdHoc,
    /// A report on the NPT safeguards agreement.
    Npt,
    /// A statement (Director General, spokesperson) rather than a numbered report.
    Statement,
}

impl ReportKind {
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Quarterly,
        ReportKind::AdHoc,
        ReportKind::Npt,
        ReportKind::Statement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Quarterly => "quarterly",
            ReportKind::AdHoc => "ad_hoc",
            ReportKind::Npt => "npt",
            ReportKind::Statement => "statement",
        }
    }

    pub fn parse(s: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A report of the record: its id (the document number where a source read confirms it,
/// otherwise a description such as `IAEA report of 2018-02-22`), its issue date, and
/// where the id was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: String,
    pub date: Date,
    pub kind: ReportKind,
    pub title: String,
    /// Whether a source read names this id for this report. An unconfirmed id is never
    /// a guessed number.
    pub id_confirmed: bool,
    /// Where the id was seen.
    pub id_via: Vec<String>,
    pub note: String,
    pub origin: Origin,
}

impl Report {
    /// What makes a report unique: its id.
    pub fn key(&self) -> String {
        format!("(id {})", self.id)
    }
}

/// A figure that a source gives differently from the adopted measurement with the same
/// date, party, metric and report: recorded so that the disagreement stays visible.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    pub date: Date,
    pub party: String,
    pub metric: &'static MetricDef,
    /// The report the figure is attributed to (the adopted measurement's `source`).
    pub report: String,
    /// In the metric's unit.
    pub quantity: Quantity,
    pub grade: Option<Grade>,
    pub via: Vec<String>,
    pub note: String,
    pub origin: Origin,
}

impl Disagreement {
    /// The key of the measurement it disagrees with (see [`Measurement::key`]).
    pub fn key(&self) -> String {
        format!(
            "(date {}, party {}, metric {}, source {})",
            self.date, self.party, self.metric.id, self.report
        )
    }
}

/// A validated body of evidence: every record passed every check.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EvidenceSet {
    pub measurements: Vec<Measurement>,
    pub events: Vec<Event>,
    pub knowledge: Vec<KnowledgeGap>,
    /// The reports the record cites, where the files register them.
    pub reports: Vec<Report>,
    /// Figures of other sources that differ from adopted measurements.
    pub disagreements: Vec<Disagreement>,
}

impl EvidenceSet {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total number of records.
    pub fn len(&self) -> usize {
        self.measurements.len()
            + self.events.len()
            + self.knowledge.len()
            + self.reports.len()
            + self.disagreements.len()
    }

    /// The measurements that are figures (not explicit "not reported" rows).
    pub fn figures(&self) -> impl Iterator<Item = &Measurement> {
        self.measurements.iter().filter(|m| m.is_figure())
    }

    /// The record as it stood on `date`: what had been published by then. A figure
    /// counts from its report's date (its own date where the report date is unknown);
    /// events and reports from their dates; a knowledge gap from its start, still open
    /// if it closed later. Nothing else is changed.
    pub fn as_of(&self, date: Date) -> EvidenceSet {
        let published = |s: &Source, d: Date| s.report_date.unwrap_or(d) <= date;
        EvidenceSet {
            measurements: self
                .measurements
                .iter()
                .filter(|m| published(&m.source, m.date))
                .cloned()
                .collect(),
            events: self
                .events
                .iter()
                .filter(|e| e.date <= date)
                .cloned()
                .collect(),
            knowledge: self
                .knowledge
                .iter()
                .filter(|g| g.from <= date)
                .map(|g| {
                    let mut g = g.clone();
                    if g.until.is_some_and(|u| u > date) {
                        g.until = None;
                    }
                    g
                })
                .collect(),
            reports: self
                .reports
                .iter()
                .filter(|r| r.date <= date)
                .cloned()
                .collect(),
            disagreements: self
                .disagreements
                .iter()
                .filter(|d| d.date <= date)
                .cloned()
                .collect(),
        }
    }

    /// The registered report with this id.
    pub fn report(&self, id: &str) -> Option<&Report> {
        self.reports.iter().find(|r| r.id == id)
    }

    /// Sorts every list by date (then party, id) so iteration is chronological.
    pub fn sort(&mut self) {
        self.measurements.sort_by(|a, b| {
            (a.date, &a.party, a.metric.id, a.source.report_date).cmp(&(
                b.date,
                &b.party,
                b.metric.id,
                b.source.report_date,
            ))
        });
        self.events
            .sort_by(|a, b| (a.date, &a.party, a.event.id).cmp(&(b.date, &b.party, b.event.id)));
        self.knowledge
            .sort_by(|a, b| (a.from, &a.party).cmp(&(b.from, &b.party)));
        self.reports
            .sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        self.disagreements.sort_by(|a, b| {
            (a.date, &a.party, a.metric.id, &a.report).cmp(&(
                b.date,
                &b.party,
                b.metric.id,
                &b.report,
            ))
        });
    }

    /// The knowledge gaps covering `metric` of `party` on `date`.
    pub fn gaps_on<'a>(
        &'a self,
        party: &'a str,
        metric: &'a str,
        date: Date,
    ) -> impl Iterator<Item = &'a KnowledgeGap> + 'a {
        self.knowledge
            .iter()
            .filter(move |g| g.party == party && g.scope.covers(metric) && g.contains(date))
    }
}
