//! What the record stands on: its figures counted by provenance grade, by report and by
//! metric. Explicit "not reported" rows are counted apart: they are no figures.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{EvidenceSet, Grade};

/// Figures by grade; `ungraded` counts rows of files that do not grade them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Grades {
    pub primary: usize,
    pub quoted: usize,
    pub compiled: usize,
    pub derived: usize,
}

/// One report and how many figures the record takes from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportSources {
    pub id: String,
    /// The report's issue date (from the list of reports, else from its rows).
    pub date: Option<String>,
    /// `quarterly`, `ad_hoc`, `npt`, `statement`; `None` for a source not in the list.
    pub kind: Option<&'static str>,
    pub figures: usize,
    pub not_reported: usize,
    pub id_confirmed: bool,
    pub grades: Grades,
}

/// One metric and how many figures the record holds of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricSources {
    pub metric: &'static str,
    pub figures: usize,
    pub not_reported: usize,
}

/// The whole summary, serialised as `verity evidence sources --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sources {
    pub figures: usize,
    pub grades: Grades,
    pub ungraded: usize,
    pub not_reported: usize,
    /// Figures graded `primary` or `quoted` whose report id is confirmed.
    pub primary_or_quoted_confirmed: usize,
    pub disagreements: usize,
    pub reports: Vec<ReportSources>,
    pub metrics: Vec<MetricSources>,
}

impl Grades {
    fn add(&mut self, g: Grade) {
        match g {
            Grade::Primary => self.primary += 1,
            Grade::Quoted => self.quoted += 1,
            Grade::Compiled => self.compiled += 1,
            Grade::Derived => self.derived += 1,
        }
    }
}

/// Counts the set's figures by grade, report and metric.
pub fn sources(set: &EvidenceSet) -> Sources {
    let mut reports: BTreeMap<&str, ReportSources> = BTreeMap::new();
    for r in &set.reports {
        reports.insert(
            r.id.as_str(),
            ReportSources {
                id: r.id.clone(),
                date: Some(r.date.to_string()),
                kind: Some(r.kind.as_str()),
                figures: 0,
                not_reported: 0,
                id_confirmed: r.id_confirmed,
                grades: Grades::default(),
            },
        );
    }
    let mut metrics: BTreeMap<&'static str, MetricSources> = BTreeMap::new();
    let mut out = Sources {
        figures: 0,
        grades: Grades::default(),
        ungraded: 0,
        not_reported: 0,
        primary_or_quoted_confirmed: 0,
        disagreements: set.disagreements.len(),
        reports: Vec::new(),
        metrics: Vec::new(),
    };
    for m in &set.measurements {
        let r = reports
            .entry(m.source.report.as_str())
            .or_insert_with(|| ReportSources {
                id: m.source.report.clone(),
                date: m.source.report_date.map(|d| d.to_string()),
                kind: None,
                figures: 0,
                not_reported: 0,
                // A source the list does not register is not confirmed by it.
                id_confirmed: false,
                grades: Grades::default(),
            });
        let mm = metrics.entry(m.metric.id).or_insert(MetricSources {
            metric: m.metric.id,
            figures: 0,
            not_reported: 0,
        });
        if !m.is_figure() {
            r.not_reported += 1;
            mm.not_reported += 1;
            out.not_reported += 1;
            continue;
        }
        r.figures += 1;
        mm.figures += 1;
        out.figures += 1;
        match m.grade {
            Some(g) => {
                out.grades.add(g);
                r.grades.add(g);
                if matches!(g, Grade::Primary | Grade::Quoted) && r.id_confirmed {
                    out.primary_or_quoted_confirmed += 1;
                }
            }
            None => out.ungraded += 1,
        }
    }
    let mut list: Vec<ReportSources> = reports.into_values().collect();
    list.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
    out.reports = list;
    out.metrics = metrics.into_values().collect();
    out
}
