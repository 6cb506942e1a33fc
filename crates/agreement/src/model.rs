//! The agreement model: what a parsed and validated agreement file means.
//!
//! These types are the public contract of the crate. They are built only by
//! [`crate::parse`], which guarantees the invariants stated on each type (every
//! reference resolves, every metric and event is in the vocabulary, units agree).

use std::fmt;

use verity_vocab::{Date, EventDef, MetricDef, Unit};

/// A position in the agreement file (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Loc {
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// An agreement: its parties, key days, recorded history and obligations.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Short stable identifier, e.g. `jcpoa`.
    pub id: String,
    /// Full title.
    pub title: String,
    /// Where the authoritative text can be found (free text).
    pub source: Option<String>,
    /// Parties and groups of parties, in file order.
    pub parties: Vec<Party>,
    /// Named days, in file order.
    pub key_days: Vec<KeyDay>,
    /// Dated events the file itself records (with sources), so that event-defined key
    /// days resolve without outside evidence. Never consulted implicitly: pass
    /// [`Agreement::history`] to [`Agreement::resolve_key_days`] to use them.
    pub history: Vec<HistoryEntry>,
    /// Every obligation, in file order.
    pub obligations: Vec<Obligation>,
    /// The parties' stated legal positions on obligations over periods, in file order.
    pub readings: Vec<Reading>,
}

/// Why a party's reading departs from the plain application of the text to the facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ground {
    /// The facts and the text are not in dispute; the party invokes a provision that, in
    /// its view, excuses or requires the conduct (e.g. JCPOA paras. 26 and 36). The
    /// finding on the evidence stands beside it.
    Justification,
    /// The party disputes that the obligation applied as the text reads on those dates
    /// (e.g. whether a snapback notification had legal effect, whether a resolution
    /// terminated). The evidence cannot settle that, so the finding is contested.
    Applicability,
}

impl Ground {
    pub fn as_str(self) -> &'static str {
        match self {
            Ground::Justification => "justification",
            Ground::Applicability => "applicability",
        }
    }
}

/// A verdict a reading may give: the statuses of the compliance engine a party can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadingStatus {
    Compliant,
    Breach,
    /// Performance ceased, in whole or in part, as a remedy the agreement provides.
    Remedial,
}

impl ReadingStatus {
    pub const ALL: [ReadingStatus; 3] = [
        ReadingStatus::Compliant,
        ReadingStatus::Breach,
        ReadingStatus::Remedial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReadingStatus::Compliant => "compliant",
            ReadingStatus::Breach => "breach",
            ReadingStatus::Remedial => "remedial",
        }
    }
}

/// The statuses of a finding on the evidence that a reading's `when` may name.
pub const FINDINGS: [&str; 5] = [
    "compliant",
    "breach",
    "indeterminate",
    "cannot_verify",
    "no_evidence",
];

/// Which obligations a reading is about: an id, or every id under a prefix (`iran.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObligationPattern {
    Id(String),
    Prefix(String),
}

impl ObligationPattern {
    pub fn matches(&self, id: &str) -> bool {
        match self {
            ObligationPattern::Id(x) => x == id,
            ObligationPattern::Prefix(p) => id.starts_with(p.as_str()),
        }
    }
}

impl fmt::Display for ObligationPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObligationPattern::Id(x) => f.write_str(x),
            ObligationPattern::Prefix(p) => write!(f, "{p}*"),
        }
    }
}

/// A party's stated legal position: on the obligations named, from `from` (inclusive)
/// until `until` (exclusive), where the finding on the evidence is one of `when` (any
/// finding if empty), the party holds the status to be `status`.
///
/// Invariant: `party` names a party of the agreement; every pattern matches at least
/// one obligation.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub id: String,
    /// Whose reading this is (a party or a group).
    pub party: String,
    pub obligations: Vec<ObligationPattern>,
    pub window: Window,
    /// The findings on the evidence the reading answers (spelled as the compliance
    /// engine spells its statuses, one of [`FINDINGS`]); empty for any.
    pub when: Vec<String>,
    pub status: ReadingStatus,
    pub ground: Ground,
    /// The position in a sentence, as the party states it.
    pub position: String,
    /// The provisions the party invokes, if any (e.g. JCPOA paras. 26 and 36).
    pub invokes: Option<String>,
    /// Where the position is stated: the letter, statement or Council record.
    pub source: String,
    pub loc: Loc,
}

impl Reading {
    /// Whether this reading speaks to obligation `id`.
    pub fn covers(&self, id: &str) -> bool {
        self.obligations.iter().any(|p| p.matches(id))
    }
}

/// A party, or a group of parties (`members` non-empty).
///
/// Invariant: every member names another party of the same agreement, and group
/// membership has no cycles.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
    pub loc: Loc,
}

impl Party {
    /// Whether this party is a group of other parties.
    pub fn is_group(&self) -> bool {
        !self.members.is_empty()
    }
}

/// Where an obligation or key day is written down.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Citation {
    /// The instrument, e.g. `JCPOA` or `UNSCR 2231 (2015)`.
    pub document: String,
    /// Annex number, if any (e.g. `I`, `II`, `V`, or `B` for UNSCR 2231's Annex B).
    pub annex: Option<String>,
    /// Section letter or heading, if any (e.g. `F`).
    pub section: Option<String>,
    /// Paragraph (or operative paragraph), e.g. `28`, `34.iv`, `4.1.1`.
    pub paragraph: String,
    /// True only if the paragraph number was checked against a copy of the treaty text.
    pub verified: bool,
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.document)?;
        if let Some(a) = &self.annex {
            write!(f, " Annex {a}")?;
        }
        match &self.section {
            // A letter or number reads "Section F"; a heading is printed as written.
            Some(s) if s.contains(' ') => write!(f, ", {s}")?,
            Some(s) => write!(f, ", Section {s}")?,
            None => {}
        }
        write!(f, ", para. {}", self.paragraph)
    }
}

/// A calendar offset: years, then months, then days, applied in that order.
///
/// Month and year steps keep the day of the month, clamping it to the last day of the
/// target month when that day does not exist (2016-01-31 + 1 month = 2016-02-29);
/// day steps are exact. This is the same rule for every file, so results are
/// deterministic and can be recomputed by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Offset {
    pub years: i32,
    pub months: i32,
    pub days: i32,
}

impl Offset {
    pub const ZERO: Offset = Offset {
        years: 0,
        months: 0,
        days: 0,
    };

    pub fn is_zero(&self) -> bool {
        *self == Offset::ZERO
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (n, one, many) in [
            (self.years, "year", "years"),
            (self.months, "month", "months"),
            (self.days, "day", "days"),
        ] {
            if n != 0 {
                parts.push(format!("{n} {}", if n == 1 { one } else { many }));
            }
        }
        if parts.is_empty() {
            f.write_str("0 days")
        } else {
            f.write_str(&parts.join(" "))
        }
    }
}

/// A point in time defined by the agreement: a fixed date, a key day or an event
/// (plus an offset), or the earliest or latest of several such points.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeExpr {
    /// A fixed calendar date.
    Date(Date),
    /// A key day of the same agreement, plus an offset.
    Day { day: String, plus: Offset },
    /// The first recorded occurrence of a vocabulary event (optionally by one party or
    /// a member of that group), plus an offset.
    Event {
        event: &'static EventDef,
        party: Option<String>,
        plus: Offset,
    },
    /// The earliest of the alternatives that can be resolved.
    EarliestOf(Vec<TimeExpr>),
    /// The latest of the alternatives; unresolved while any alternative is.
    LatestOf(Vec<TimeExpr>),
}

impl fmt::Display for TimeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn plus(f: &mut fmt::Formatter<'_>, o: &Offset) -> fmt::Result {
            if o.is_zero() {
                Ok(())
            } else {
                write!(f, " + {o}")
            }
        }
        match self {
            TimeExpr::Date(d) => write!(f, "{d}"),
            TimeExpr::Day { day, plus: o } => {
                f.write_str(day)?;
                plus(f, o)
            }
            TimeExpr::Event {
                event,
                party,
                plus: o,
            } => {
                write!(f, "event {}", event.id)?;
                if let Some(p) = party {
                    write!(f, " by {p}")?;
                }
                plus(f, o)
            }
            TimeExpr::EarliestOf(xs) | TimeExpr::LatestOf(xs) => {
                let word = if matches!(self, TimeExpr::EarliestOf(_)) {
                    "earliest of"
                } else {
                    "latest of"
                };
                write!(f, "{word} (")?;
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// A named day of the agreement (Adoption Day, Implementation Day …).
///
/// Invariant: the key days of an agreement refer to each other without cycles.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyDay {
    pub id: String,
    pub name: String,
    pub cite: Option<Citation>,
    pub when: TimeExpr,
    pub loc: Loc,
}

/// A dated event recorded in the agreement file itself, with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub occurrence: Occurrence,
    pub source: String,
    pub loc: Loc,
}

/// A recorded occurrence of a vocabulary event: what happened, by whom, when. The
/// evidence crate records these; an agreement file may record some in `[[history]]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Occurrence {
    /// Vocabulary event id, e.g. `iaea_verified_implementation`.
    pub event: String,
    /// The party the event is about or was done by (party id or name, any case).
    pub party: String,
    pub date: Date,
}

/// A comparison between a measured value and a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Comparator {
    pub const ALL: [Comparator; 5] = [
        Comparator::Lt,
        Comparator::Le,
        Comparator::Eq,
        Comparator::Ge,
        Comparator::Gt,
    ];

    /// The spelling used in files and JSON: `<`, `<=`, `==`, `>=`, `>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Eq => "==",
            Comparator::Ge => ">=",
            Comparator::Gt => ">",
        }
    }

    /// Parses the spelling produced by [`Comparator::as_str`].
    pub fn parse(s: &str) -> Option<Comparator> {
        Comparator::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether `actual <op> limit` holds.
    pub fn holds(self, actual: f64, limit: f64) -> bool {
        match self {
            Comparator::Lt => actual < limit,
            Comparator::Le => actual <= limit,
            Comparator::Eq => actual == limit,
            Comparator::Ge => actual >= limit,
            Comparator::Gt => actual > limit,
        }
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a procedure and the days it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub days: u32,
}

/// What an obligation requires.
#[derive(Debug, Clone, PartialEq)]
pub enum ObligationKind {
    /// A quantitative limit: `metric op value`, with `value` stated in `unit`.
    ///
    /// Invariant: `unit` is the metric's unit or converts to it
    /// ([`verity_vocab::convert`]); use [`ObligationKind::limit_in_metric_unit`].
    Limit {
        metric: &'static MetricDef,
        op: Comparator,
        value: f64,
        unit: Unit,
    },
    /// The event must not occur (by the party bound) while the obligation is in force.
    Prohibition { event: &'static EventDef },
    /// The party must do something, by `by` if given (else from the window's start);
    /// `event`, if given, is the vocabulary event whose occurrence fulfils it.
    Undertaking {
        event: Option<&'static EventDef>,
        by: Option<TimeExpr>,
    },
    /// A procedure of consecutive steps with day counts, started by `trigger`.
    Procedure {
        trigger: Option<&'static EventDef>,
        steps: Vec<Step>,
    },
}

impl ObligationKind {
    /// `limit`, `prohibition`, `undertaking` or `procedure`.
    pub fn name(&self) -> &'static str {
        match self {
            ObligationKind::Limit { .. } => "limit",
            ObligationKind::Prohibition { .. } => "prohibition",
            ObligationKind::Undertaking { .. } => "undertaking",
            ObligationKind::Procedure { .. } => "procedure",
        }
    }

    /// For a limit: the limit value converted into the metric's own unit (e.g. 300
    /// kg UF6 → 202.8 kg U), which is how evidence of that metric is stated.
    pub fn limit_in_metric_unit(&self) -> Option<f64> {
        match self {
            ObligationKind::Limit {
                metric,
                value,
                unit,
                ..
            } => verity_vocab::convert(*value, *unit, metric.unit).ok(),
            _ => None,
        }
    }

    /// For a procedure: the total of its steps' day counts.
    pub fn total_days(&self) -> Option<u32> {
        match self {
            ObligationKind::Procedure { steps, .. } => Some(steps.iter().map(|s| s.days).sum()),
            _ => None,
        }
    }
}

/// When an obligation is in force: from `from` (inclusive) until `until` (exclusive);
/// no `until` means without an end date in the agreement.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub from: TimeExpr,
    pub until: Option<TimeExpr>,
}

/// One obligation of one party (or group of parties).
#[derive(Debug, Clone, PartialEq)]
pub struct Obligation {
    /// Stable id, unique in the agreement (e.g. `iran.enrichment.level`).
    pub id: String,
    /// Id of the party (or group) bound.
    pub party: String,
    pub cite: Citation,
    /// The treaty text, quoted or faithfully paraphrased.
    pub text: String,
    pub kind: ObligationKind,
    pub window: Window,
    /// Interpretation notes, caveats, history.
    pub note: Option<String>,
    pub loc: Loc,
}
