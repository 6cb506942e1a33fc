//! Validation shared by the CSV and JSON importers. Both formats are first turned into
//! rows of located cells; one validator then checks every cell of every row and either
//! returns the whole evidence set or every problem found, each with its location.

use std::collections::HashMap;
use std::fmt;

use verity_vocab::{Date, Unit};

use crate::model::{
    Basis, Disagreement, Event, EvidenceSet, Grade, KnowledgeGap, Measurement, Origin, Quantity,
    Report, ReportKind, Scope, Source,
};

/// One problem in an input, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based line; 0 when the problem concerns the file as a whole.
    pub line: usize,
    /// 1-based column in characters; 0 when the problem concerns the whole line or file.
    pub col: usize,
    /// The field (CSV column / JSON key) at fault, when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.col)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// The input was rejected whole; nothing was imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    /// Every problem found, in file and line order (at most [`MAX_DIAGNOSTICS`]).
    pub diagnostics: Vec<Diagnostic>,
    /// How many more problems were found but not listed.
    pub more: usize,
}

/// The importer lists at most this many problems (a wholly wrong file would otherwise
/// produce one per cell).
pub const MAX_DIAGNOSTICS: usize = 50;

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        let n = self.diagnostics.len() + self.more;
        write!(
            f,
            "{n} problem{} found; nothing was imported",
            if n == 1 { "" } else { "s" }
        )
    }
}

/// Collects diagnostics while validating.
#[derive(Debug, Default)]
pub(crate) struct Diags {
    pub list: Vec<Diagnostic>,
}

impl Diags {
    pub fn push(&mut self, file: &str, line: usize, col: usize, field: Option<&str>, msg: String) {
        self.list.push(Diagnostic {
            file: file.to_owned(),
            line,
            col,
            field: field.map(str::to_owned),
            message: msg,
        });
    }

    pub fn into_result<T>(mut self, ok: T) -> Result<T, ImportError> {
        if self.list.is_empty() {
            return Ok(ok);
        }
        self.list.sort_by(|a, b| {
            (a.file.as_str(), a.line, a.col).cmp(&(b.file.as_str(), b.line, b.col))
        });
        let more = self.list.len().saturating_sub(MAX_DIAGNOSTICS);
        self.list.truncate(MAX_DIAGNOSTICS);
        Err(ImportError {
            diagnostics: self.list,
            more,
        })
    }
}

/// A cell's text (`None` for an empty CSV cell or a JSON `null`) and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    pub text: Option<String>,
    pub line: usize,
    pub col: usize,
    /// The value was of the wrong type and has been reported; no second error (such as
    /// "missing") is given for this field.
    pub bad: bool,
}

/// Fields whose JSON value may be a number (the others are strings, or null).
pub(crate) const NUMERIC_FIELDS: [&str; 4] = ["value", "sigma", "low", "high"];

/// The kinds of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Measurements,
    Events,
    Knowledge,
    Reports,
    Disagreements,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Measurements,
        Kind::Events,
        Kind::Knowledge,
        Kind::Reports,
        Kind::Disagreements,
    ];

    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Measurements => &MEASUREMENT_COLUMNS,
            Kind::Events => &EVENT_COLUMNS,
            Kind::Knowledge => &KNOWLEDGE_COLUMNS,
            Kind::Reports => &REPORT_COLUMNS,
            Kind::Disagreements => &DISAGREEMENT_COLUMNS,
        }
    }

    /// Earlier headers still read (measurement files from before rows were graded).
    pub fn legacy_columns(self) -> Option<&'static [&'static str]> {
        match self {
            Kind::Measurements => Some(&MEASUREMENT_COLUMNS_UNGRADED),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Measurements => "measurements",
            Kind::Events => "events",
            Kind::Knowledge => "knowledge",
            Kind::Reports => "reports",
            Kind::Disagreements => "disagreements",
        }
    }
}

pub(crate) const MEASUREMENT_COLUMNS: [&str; 15] = [
    "date",
    "party",
    "metric",
    "value",
    "sigma",
    "low",
    "high",
    "unit",
    "basis",
    "source",
    "paragraph",
    "report_date",
    "grade",
    "via",
    "note",
];
/// The measurement header without `grade` (rows read from it are ungraded).
pub(crate) const MEASUREMENT_COLUMNS_UNGRADED: [&str; 14] = [
    "date",
    "party",
    "metric",
    "value",
    "sigma",
    "low",
    "high",
    "unit",
    "basis",
    "source",
    "paragraph",
    "report_date",
    "via",
    "note",
];
pub(crate) const REPORT_COLUMNS: [&str; 7] = [
    "id",
    "date",
    "kind",
    "title",
    "id_confirmed",
    "id_via",
    "note",
];
pub(crate) const DISAGREEMENT_COLUMNS: [&str; 11] = [
    "date", "party", "metric", "source", "value", "low", "high", "unit", "grade", "via", "note",
];
pub(crate) const EVENT_COLUMNS: [&str; 8] = [
    "date",
    "party",
    "event",
    "value",
    "source",
    "paragraph",
    "via",
    "note",
];
pub(crate) const KNOWLEDGE_COLUMNS: [&str; 8] = [
    "from",
    "until",
    "party",
    "scope",
    "source",
    "paragraph",
    "via",
    "note",
];

/// A record before validation: located cells by column name.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub kind: Kind,
    pub line: usize,
    pub col: usize,
    pub cells: HashMap<&'static str, Cell>,
}

/// Validates rows of any number of files into one evidence set, or fails with every
/// problem. Duplicates are detected across all the files together.
pub(crate) fn validate(
    files: &[(&str, Vec<Row>)],
    mut diags: Diags,
) -> Result<EvidenceSet, ImportError> {
    let mut set = EvidenceSet::default();
    for (file, rows) in files {
        for row in rows {
            let mut v = RowCheck {
                file,
                row,
                diags: &mut diags,
            };
            match row.kind {
                Kind::Measurements => {
                    if let Some(m) = v.measurement() {
                        set.measurements.push(m);
                    }
                }
                Kind::Events => {
                    if let Some(e) = v.event() {
                        set.events.push(e);
                    }
                }
                Kind::Knowledge => {
                    if let Some(g) = v.gap() {
                        set.knowledge.push(g);
                    }
                }
                Kind::Reports => {
                    if let Some(r) = v.report() {
                        set.reports.push(r);
                    }
                }
                Kind::Disagreements => {
                    if let Some(d) = v.disagreement() {
                        set.disagreements.push(d);
                    }
                }
            }
        }
    }
    check_duplicates(&set, &mut diags);
    set.sort();
    diags.into_result(set)
}

fn check_duplicates(set: &EvidenceSet, diags: &mut Diags) {
    let mut seen: HashMap<String, &Origin> = HashMap::new();
    let keyed = set
        .measurements
        .iter()
        .map(|m| (m.key(), "measurement", &m.origin))
        .chain(set.events.iter().map(|e| (e.key(), "event", &e.origin)))
        .chain(
            set.knowledge
                .iter()
                .map(|g| (g.key(), "knowledge gap", &g.origin)),
        )
        .chain(set.reports.iter().map(|r| (r.key(), "report", &r.origin)))
        .chain(set.disagreements.iter().map(|d| {
            (
                format!("{} value {}", d.key(), d.quantity),
                "disagreement",
                &d.origin,
            )
        }));
    for (key, kind, o) in keyed {
        if let Some(first) = seen.get(&key) {
            diags.push(
                &o.file,
                o.line,
                1,
                None,
                format!(
                    "duplicate {kind} {key}: already given at {}:{}",
                    first.file, first.line
                ),
            );
        } else {
            seen.insert(key, o);
        }
    }
}

struct RowCheck<'a> {
    file: &'a str,
    row: &'a Row,
    diags: &'a mut Diags,
}

impl RowCheck<'_> {
    fn cell(&self, name: &str) -> Option<&Cell> {
        self.row.cells.get(name)
    }

    fn err(&mut self, name: &str, msg: String) {
        if self.cell(name).is_some_and(|c| c.bad) {
            return;
        }
        let (line, col) = self
            .cell(name)
            .map_or((self.row.line, self.row.col), |c| (c.line, c.col));
        self.diags.push(self.file, line, col, Some(name), msg);
    }

    fn opt_text(&self, name: &str) -> Option<String> {
        self.cell(name)
            .and_then(|c| c.text.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    fn text(&mut self, name: &str) -> Option<String> {
        let t = self.opt_text(name);
        if t.is_none() {
            self.err(name, "missing (this field is required)".into());
        }
        t
    }

    fn date(&mut self, name: &str, required: bool) -> Option<Date> {
        let t = if required {
            self.text(name)?
        } else {
            self.opt_text(name)?
        };
        match verity_vocab::parse_date(&t) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(name, e.to_string());
                None
            }
        }
    }

    /// An optional finite number; `Err` when present but invalid (already reported).
    fn number(&mut self, name: &str) -> Result<Option<f64>, ()> {
        let Some(t) = self.opt_text(name) else {
            return Ok(None);
        };
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => {
                self.err(
                    name,
                    format!("`{t}` is not a number (expected e.g. 202.8; no units or thousands separators)"),
                );
                Err(())
            }
        }
    }

    /// The `low` cell: a number ("more than"), or `>=N` / `≥N` ("at least"); `>N` is
    /// the same as `N`.
    fn lower_bound(&mut self) -> Result<(Option<f64>, bool), ()> {
        let Some(t) = self.opt_text("low") else {
            return Ok((None, false));
        };
        let (rest, inclusive) = if let Some(r) = t.strip_prefix(">=") {
            (r, true)
        } else if let Some(r) = t.strip_prefix('≥') {
            (r, true)
        } else if let Some(r) = t.strip_prefix('>') {
            (r, false)
        } else {
            (t.as_str(), false)
        };
        match rest.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok((Some(v), inclusive)),
            _ => {
                self.err(
                    "low",
                    format!("`{t}` is not a lower bound (expected a number such as 202.8 for \"more than\", or >=5060 for \"at least\")"),
                );
                Err(())
            }
        }
    }

    fn source(&mut self, report_date: Option<Date>) -> Option<Source> {
        let report = self.text("source")?;
        let via = self.list("via");
        Some(Source {
            report,
            paragraph: self.opt_text("paragraph"),
            report_date,
            via,
        })
    }

    fn origin(&self) -> Origin {
        Origin {
            file: self.file.to_owned(),
            line: self.row.line,
            col: self.row.col,
        }
    }

    fn measurement(&mut self) -> Option<Measurement> {
        let date = self.date("date", true);
        let party = self.text("party");
        let metric = self.metric_cell();
        let value = self.number("value");
        let sigma = self.number("sigma");
        let low = self.lower_bound();
        let high = self.number("high");
        let unit = self.unit_cell();
        let basis = self.text("basis").and_then(|t| match Basis::parse(&t) {
            Some(b) => Some(b),
            None => {
                self.err(
                    "basis",
                    format!(
                        "unknown basis `{t}` (expected verified, declared, estimated or not_reported)"
                    ),
                );
                None
            }
        });
        let report_date = self.date("report_date", true);
        let source = self.source(report_date);
        let grade = self.grade();
        let note = self.opt_text("note").unwrap_or_default();
        let (value, sigma, (low, low_inclusive), high) =
            (value.ok()?, sigma.ok()?, low.ok()?, high.ok()?);
        let grade = grade.ok()?;

        if basis == Some(Basis::NotReported) {
            if value.is_some() || low.is_some() || high.is_some() || sigma.is_some() {
                let field = ["value", "low", "high", "sigma"]
                    .into_iter()
                    .find(|f| self.opt_text(f).is_some())
                    .unwrap_or("value");
                self.err(
                    field,
                    "a `not_reported` row states that the report gives no figure: leave value, sigma, low and high empty".into(),
                );
                return None;
            }
        } else if value.is_none() && low.is_none() && high.is_none() {
            self.err(
                "value",
                "missing: give a value, or a bound in `low` or `high`".into(),
            );
            return None;
        }
        if let Some(s) = sigma {
            if s < 0.0 {
                self.err("sigma", format!("{s} is negative (expected σ ≥ 0)"));
            }
            if value.is_none() {
                self.err("sigma", "a sigma needs a value to go with it".into());
            }
        }
        if let (Some(l), Some(h)) = (low, high) {
            if l > h {
                self.err("low", format!("low {l} is above high {h}"));
            }
        }
        let (date, party, metric, unit, basis, report_date, source) =
            (date?, party?, metric?, unit?, basis?, report_date?, source?);
        if report_date < date {
            self.err(
                "report_date",
                format!(
                    "report date {report_date} is before the date the figure describes ({date})"
                ),
            );
            return None;
        }
        let q = Quantity {
            value,
            sigma,
            low,
            high,
            low_inclusive,
        };
        let q = self.in_metric_unit(q, unit, metric)?;
        Some(Measurement {
            date,
            party,
            metric,
            quantity: q,
            reported_unit: unit,
            basis,
            grade,
            source,
            note,
            origin: self.origin(),
        })
    }

    /// The quantity converted from the file's unit to the metric's, range-checked.
    fn in_metric_unit(
        &mut self,
        q: Quantity,
        unit: Unit,
        metric: &'static verity_vocab::MetricDef,
    ) -> Option<Quantity> {
        let q = if unit == metric.unit {
            q
        } else {
            match verity_vocab::convert(1.0, unit, metric.unit) {
                Ok(factor) => q.scaled(factor),
                Err(_) => {
                    self.err(
                        "unit",
                        format!(
                            "metric `{}` is stated in {}, not {unit}",
                            metric.id, metric.unit
                        ),
                    );
                    return None;
                }
            }
        };
        for (name, v) in [("value", q.value), ("low", q.low), ("high", q.high)] {
            let Some(v) = v else { continue };
            let bad = match metric.unit {
                Unit::Bool => !(v == 0.0 || v == 1.0),
                Unit::PctU235 => !(0.0..=100.0).contains(&v),
                _ => v < 0.0,
            };
            if bad {
                let expected = match metric.unit {
                    Unit::Bool => "0 or 1",
                    Unit::PctU235 => "a percentage from 0 to 100",
                    _ => "a value ≥ 0",
                };
                self.err(
                    name,
                    format!(
                        "{v} is out of range for `{}` (expected {expected})",
                        metric.id
                    ),
                );
                return None;
            }
        }
        Some(q)
    }

    /// The optional `grade`; `Err` when present but unknown (already reported).
    fn grade(&mut self) -> Result<Option<Grade>, ()> {
        let Some(t) = self.opt_text("grade") else {
            return Ok(None);
        };
        match Grade::parse(&t) {
            Some(g) => Ok(Some(g)),
            None => {
                self.err(
                    "grade",
                    format!("unknown grade `{t}` (expected primary, quoted, compiled or derived)"),
                );
                Err(())
            }
        }
    }

    fn metric_cell(&mut self) -> Option<&'static verity_vocab::MetricDef> {
        self.text("metric")
            .and_then(|t| match verity_vocab::metric(&t) {
                Ok(m) => Some(m),
                Err(e) => {
                    self.err("metric", e.to_string());
                    None
                }
            })
    }

    fn unit_cell(&mut self) -> Option<Unit> {
        self.text("unit").and_then(|t| match Unit::parse(&t) {
            Ok(u) => Some(u),
            Err(e) => {
                self.err("unit", e.to_string());
                None
            }
        })
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.opt_text(name)
            .map(|v| {
                v.split(" ; ")
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn report(&mut self) -> Option<Report> {
        let id = self.text("id");
        let date = self.date("date", true);
        let kind = self.text("kind").and_then(|t| match ReportKind::parse(&t) {
            Some(k) => Some(k),
            None => {
                self.err(
                    "kind",
                    format!("unknown kind `{t}` (expected quarterly, ad_hoc, npt or statement)"),
                );
                None
            }
        });
        let confirmed = self.text("id_confirmed").and_then(|t| match t.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                self.err(
                    "id_confirmed",
                    format!("`{t}` is not a boolean (expected true or false)"),
                );
                None
            }
        });
        let id_via = self.list("id_via");
        let (id, date, kind, confirmed) = (id?, date?, kind?, confirmed?);
        if confirmed && id_via.is_empty() {
            self.err(
                "id_via",
                "a confirmed id names where it was seen (expected a URL or document)".into(),
            );
            return None;
        }
        if !confirmed && id.starts_with("GOV/") {
            // An id no source read confirms is a guess: it must not look like a number.
            self.err(
                "id",
                format!(
                    "`{id}` is not confirmed by a source read, so it must not be given as a document number (write e.g. `IAEA report of {date}`)"
                ),
            );
            return None;
        }
        Some(Report {
            id,
            date,
            kind,
            title: self.opt_text("title").unwrap_or_default(),
            id_confirmed: confirmed,
            id_via,
            note: self.opt_text("note").unwrap_or_default(),
            origin: self.origin(),
        })
    }

    fn disagreement(&mut self) -> Option<Disagreement> {
        let date = self.date("date", true);
        let party = self.text("party");
        let metric = self.metric_cell();
        let report = self.text("source");
        let value = self.number("value");
        let low = self.lower_bound();
        let high = self.number("high");
        let unit = self.unit_cell();
        let grade = self.grade();
        let via = self.list("via");
        let (value, (low, low_inclusive), high, grade) =
            (value.ok()?, low.ok()?, high.ok()?, grade.ok()?);
        if value.is_none() && low.is_none() && high.is_none() {
            self.err(
                "value",
                "missing: give the other source's value, or a bound in `low` or `high`".into(),
            );
            return None;
        }
        if via.is_empty() {
            self.err(
                "via",
                "missing: name the source that gives the differing figure".into(),
            );
            return None;
        }
        let (date, party, metric, report, unit) = (date?, party?, metric?, report?, unit?);
        let q = Quantity {
            value,
            sigma: None,
            low,
            high,
            low_inclusive,
        };
        let quantity = self.in_metric_unit(q, unit, metric)?;
        Some(Disagreement {
            date,
            party,
            metric,
            report,
            quantity,
            grade,
            via,
            note: self.opt_text("note").unwrap_or_default(),
            origin: self.origin(),
        })
    }

    fn event(&mut self) -> Option<Event> {
        let date = self.date("date", true);
        let party = self.text("party");
        let event = self
            .text("event")
            .and_then(|t| match verity_vocab::event(&t) {
                Ok(e) => Some(e),
                Err(e) => {
                    self.err("event", e.to_string());
                    None
                }
            });
        let value = self.number("value");
        let source = self.source(None);
        let note = self.opt_text("note").unwrap_or_default();
        Some(Event {
            date: date?,
            party: party?,
            event: event?,
            value: value.ok()?,
            source: source?,
            note,
            origin: self.origin(),
        })
    }

    fn gap(&mut self) -> Option<KnowledgeGap> {
        let from = self.date("from", true);
        let until = self.date("until", false);
        let party = self.text("party");
        let scope = self.text("scope").and_then(|t| {
            if t == "*" {
                return Some(Scope::All);
            }
            let mut ids = Vec::new();
            for id in t.split(';').map(str::trim) {
                match verity_vocab::metric(id) {
                    Ok(m) => ids.push(m.id),
                    Err(e) => {
                        self.err(
                            "scope",
                            format!("{e}; expected `*` or metric ids separated by `;`"),
                        );
                        return None;
                    }
                }
            }
            Some(Scope::Metrics(ids))
        });
        let source = self.source(None);
        let note = self.opt_text("note").unwrap_or_default();
        let from = from?;
        if let Some(u) = until {
            if u < from {
                self.err("until", format!("{u} is before `from` ({from})"));
                return None;
            }
        }
        Some(KnowledgeGap {
            from,
            until,
            party: party?,
            scope: scope?,
            source: source?,
            note,
            origin: self.origin(),
        })
    }
}
