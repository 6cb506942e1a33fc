//! The story at a glance: the report's summary (the latest figure against every limit,
//! the change since the previous report, the current breakout, what cannot be verified
//! and since when), its timeline of events and its list of knowledge gaps. Built once
//! from the report's own parts, so that the terminal, Markdown, HTML and the dashboard
//! tell the same story in the same words.

use serde::Serialize;
use verity_agreement::ObligationKind;
use verity_compliance::{Status, Verdict};
use verity_evidence::{Quantity, Scope};
use verity_vocab::{Date, Unit};

use crate::assess::Run;
use crate::policy;
use crate::report::{BreakoutView, PartySection, StockPoint};

/// Days in an average month, for rates "per month".
const MONTH_DAYS: f64 = 365.25 / 12.0;

/// "In a month" of the quantities a stock yields, as analysts quote it: 30 days.
const MONTH_SQ_DAYS: f64 = 30.0;
/// How far the count of quantities within a month goes.
const MAX_SQ: u32 = 50;

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// One paragraph of facts generated from the record.
    pub text: String,
    /// The latest figure against each limit that has one, in the agreement's order.
    pub limits: Vec<LimitNow>,
    /// The stock by level: change between the last two reports that give it.
    pub since_previous: Vec<Change>,
    /// The latest breakout estimate, as in the timeline.
    pub breakout: Option<BreakoutView>,
    /// Significant quantities the latest stocks and machines yield within a month (30
    /// days), by the same route, counted up to 50: "enough for N weapons in a month".
    pub sq_in_month: Option<u32>,
    /// The same with the advanced cascades installed but not counted enriching fed as
    /// well, at Fordow, the PFEP and the FEP (where the record counts more installed): the
    /// plants' potential, as published counts of weapons in a month assume.
    pub sq_in_month_installed: Option<u32>,
    /// What the inspectors cannot verify at the end of the record, since when and why.
    pub unverifiable: Vec<Unverifiable>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LimitNow {
    pub obligation: String,
    pub party: String,
    /// What is limited, in words (the metric's label).
    pub what: String,
    /// `<=`, `<`, `==`, `>=`, `>`.
    pub op: &'static str,
    /// The limit in the metric's unit.
    pub limit: f64,
    /// The metric's unit id (`kg_u`) and as people write it (`kg U`).
    pub unit: &'static str,
    pub unit_label: &'static str,
    /// The latest figure (its central value, or the bound a report gives).
    pub latest: f64,
    /// The latest figure as the report states it, with its unit: `≥ 5,060`, `60 % U-235`.
    pub shown: String,
    pub limit_shown: String,
    pub as_of: Date,
    /// latest ÷ limit (`null` for a yes/no metric or a zero limit).
    pub times_limit: Option<f64>,
    /// The verdict on that date, under the reading shown.
    pub status: Status,
    pub source: String,
    pub cite: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The vocabulary metric (`enriched_uranium_stock_60pct`) and its label.
    pub metric: &'static str,
    pub label: &'static str,
    /// kg U added (negative: removed) between the two reports.
    pub change: f64,
    pub per_month: f64,
    pub from: Date,
    pub to: Date,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unverifiable {
    pub what: String,
    pub since: Date,
    pub why: String,
    pub source: String,
}

/// One dated entry of the timeline: a key day of the agreement or an event of the record.
#[derive(Debug, Clone, Serialize)]
pub struct EventLine {
    pub date: Date,
    /// The party acting (empty for a key day).
    pub party: String,
    pub what: String,
    pub source: String,
    /// `key_day` or `event`.
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct GapLine {
    pub from: Date,
    /// `null`: not restored by the end of the record.
    pub to: Option<Date>,
    pub party: String,
    /// What was lost, in words.
    pub scope: String,
    pub source: String,
    pub note: String,
}

/// A figure as a report states it, with its unit.
pub fn shown(q: &Quantity, unit: Unit) -> String {
    match (q.value, q.low, q.high) {
        (Some(v), _, _) => match q.sigma {
            Some(s) if s > 0.0 => format!("{} ± {}", unit.show(v), Unit::Count.show(s)),
            _ => unit.show(v),
        },
        (None, Some(l), Some(h)) => format!("{}–{}", Unit::Count.show(l), unit.show(h)),
        (None, Some(l), None) if q.low_inclusive => format!("≥ {}", unit.show(l)),
        (None, Some(l), None) => format!("> {}", unit.show(l)),
        (None, None, Some(h)) => format!("≤ {}", unit.show(h)),
        (None, None, None) => "?".to_owned(),
    }
}

fn latest_figures(run: &Run, verdicts: &[Verdict]) -> Vec<LimitNow> {
    let mut out = Vec::new();
    for ob in &run.agreement.obligations {
        let ObligationKind::Limit { metric, op, .. } = &ob.kind else {
            continue;
        };
        let Some(limit) = ob.kind.limit_in_metric_unit() else {
            continue;
        };
        let Some((v, q)) = verdicts
            .iter()
            .filter(|v| *v.obligation == *ob.id)
            .filter_map(|v| v.quantity.map(|q| (v, q)))
            .max_by_key(|(v, _)| v.date)
        else {
            continue;
        };
        let Some(latest) = q.central() else { continue };
        out.push(LimitNow {
            obligation: ob.id.clone(),
            party: ob.party.clone(),
            what: metric.label.to_owned(),
            op: op.as_str(),
            limit,
            unit: metric.unit.as_str(),
            unit_label: metric.unit.symbol(),
            latest,
            shown: shown(&q, metric.unit),
            limit_shown: metric.unit.show(limit),
            as_of: v.date,
            times_limit: (metric.unit != Unit::Bool && limit > 0.0).then(|| latest / limit),
            status: v.status,
            source: v.sources.first().cloned().unwrap_or_default(),
            cite: ob.cite.to_string(),
        });
    }
    out
}

fn changes(stock: &[StockPoint]) -> Vec<Change> {
    type Get = fn(&StockPoint) -> Option<f64>;
    let levels: [(&'static str, Get); 4] = [
        ("enriched_uranium_stock", |p| Some(p.kg_u)),
        ("enriched_uranium_stock_le_5pct", |p| p.le_5pct),
        ("enriched_uranium_stock_20pct", |p| p.u20pct),
        ("enriched_uranium_stock_60pct", |p| p.u60pct),
    ];
    let mut out = Vec::new();
    for (metric, get) in levels {
        let mut with: Vec<(Date, f64)> = stock
            .iter()
            .filter_map(|p| get(p).map(|v| (p.date, v)))
            .collect();
        let Some((to, b)) = with.pop() else { continue };
        let Some((from, a)) = with.pop() else {
            continue;
        };
        let days = f64::from((to - from).get_days());
        if days <= 0.0 {
            continue;
        }
        out.push(Change {
            metric,
            label: verity_vocab::metric(metric).map_or(metric, |m| m.label),
            change: b - a,
            per_month: (b - a) / days * MONTH_DAYS,
            from,
            to,
        });
    }
    out
}

fn scope_words(scope: &Scope, party: &str) -> String {
    match scope {
        Scope::All => format!("{party}'s nuclear programme as a whole"),
        Scope::Metrics(ids) => ids
            .iter()
            .map(|id| verity_vocab::metric(id).map_or(*id, |m| m.label))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The gaps of the record that overlap the query's period.
pub fn gaps(run: &Run) -> Vec<GapLine> {
    run.evidence
        .knowledge
        .iter()
        .filter(|g| {
            run.query.until().is_none_or(|t| g.from <= t)
                && run
                    .query
                    .from
                    .is_none_or(|f| g.until.is_none_or(|u| u >= f))
        })
        .map(|g| GapLine {
            from: g.from,
            to: g.until,
            party: g.party.clone(),
            scope: scope_words(&g.scope, &g.party),
            source: g.source.to_string(),
            note: g.note.clone(),
        })
        .collect()
}

/// The agreement's key days and the record's events in the query's period, by date.
pub fn events(run: &Run) -> Vec<EventLine> {
    let mut out: Vec<EventLine> = Vec::new();
    for kd in run.assessment.key_days.iter() {
        let Some(date) = kd.date else { continue };
        if !run.query.in_range(date) {
            continue;
        }
        let cite = run
            .agreement
            .key_days
            .iter()
            .find(|k| k.id == kd.id)
            .and_then(|k| k.cite.as_ref())
            .map(|c| c.to_string())
            .unwrap_or_default();
        out.push(EventLine {
            date,
            party: String::new(),
            what: kd.name.clone(),
            source: cite,
            kind: "key_day",
        });
    }
    for e in &run.evidence.events {
        if !run.query.in_range(e.date) {
            continue;
        }
        let what = match e.value {
            Some(v) if e.event.id == "enrichment_level_begun" => {
                format!("{} ({})", e.event.label, Unit::PctU235.show(v))
            }
            Some(v) => format!("{} ({})", e.event.label, Unit::Count.show(v)),
            None => e.event.label.to_owned(),
        };
        out.push(EventLine {
            date: e.date,
            party: e.party.clone(),
            what,
            source: e.source.to_string(),
            kind: "event",
        });
    }
    out.sort_by_key(|e| e.date);
    out
}

/// The summary of a report whose parts are already built; `end` is the last date the
/// record speaks of (the report's `record.last_date`).
pub fn build(
    run: &Run,
    end: Option<Date>,
    parties: &[PartySection],
    stock: &[StockPoint],
    breakout: &[BreakoutView],
    gap_lines: &[GapLine],
) -> Summary {
    let limits = latest_figures(run, &run.assessment.verdicts);
    let since_previous = changes(stock);
    let breakout = breakout.last().cloned();
    let sq_in_month = run
        .breakout
        .last()
        .and_then(|p| verity_compliance::breakout::quantities_within(p, MONTH_SQ_DAYS, MAX_SQ));
    let sq_in_month_installed = run.breakout.last().and_then(|p| {
        verity_compliance::breakout::quantities_within_installed(p, MONTH_SQ_DAYS, MAX_SQ)
    });
    let unverifiable: Vec<Unverifiable> = gap_lines
        .iter()
        .filter(|g| g.to.is_none_or(|t| end.is_some_and(|e| t > e)))
        .map(|g| Unverifiable {
            what: g.scope.clone(),
            since: g.from,
            why: if g.note.is_empty() {
                "the Agency reported losing continuity of knowledge".to_owned()
            } else {
                g.note.clone()
            },
            source: g.source.clone(),
        })
        .collect();

    let mut text: Vec<String> = Vec::new();
    if let Some(end) = end {
        text.push(format!("The record runs to {end}."));
    }
    // Limits exceeded on the latest figures, the furthest over first.
    let mut over: Vec<&LimitNow> = limits
        .iter()
        .filter(|l| l.status == Status::Breach)
        .collect();
    over.sort_by(|a, b| {
        b.times_limit
            .unwrap_or(0.0)
            .total_cmp(&a.times_limit.unwrap_or(0.0))
    });
    if !limits.is_empty() {
        let items: Vec<String> = over
            .iter()
            .take(4)
            .map(|l| {
                let x = l
                    .times_limit
                    .map_or(String::new(), |x| format!(", {} × the limit", fmt_ratio(x)));
                format!(
                    "{} {} on {} (limit {}{x})",
                    l.what, l.shown, l.as_of, l.limit_shown
                )
            })
            .collect();
        text.push(if items.is_empty() {
            format!(
                "On the latest figures, none of the {} limits with figures is exceeded.",
                limits.len()
            )
        } else {
            format!(
                "On the latest figures, {} of the {} limits with figures are exceeded: {}{}.",
                over.len(),
                limits.len(),
                items.join("; "),
                if over.len() > 4 {
                    format!("; and {} more", over.len() - 4)
                } else {
                    String::new()
                }
            )
        });
    }
    let per_party: Vec<String> = parties
        .iter()
        .filter_map(|p| {
            let counts: Vec<String> = policy::STATUS_ORDER
                .iter()
                .filter(|s| **s != Status::NoEvidence)
                .filter_map(|s| {
                    p.now_counts
                        .get(s)
                        .map(|n| format!("{n} {}", policy::status_label(*s)))
                })
                .collect();
            (!counts.is_empty()).then(|| format!("{}: {}", p.name, counts.join(", ")))
        })
        .collect();
    if !per_party.is_empty() {
        text.push(format!("Obligations now — {}.", per_party.join("; ")));
    }
    if let Some(b) = &breakout {
        text.push(format!(
            "Breakout to one significant quantity on {}: about {} days (5–95 %: {}–{}), by {}{}.",
            b.date,
            fmt_days(b.days),
            fmt_days(b.days_p05),
            fmt_days(b.days_p95),
            b.route.replace('_', " "),
            if b.verified {
                ""
            } else {
                "; not verified, the Agency having lost continuity of knowledge"
            }
        ));
        // The plants' potential beside the headline: the advanced cascades installed
        // but not known to enrich, fed as well.
        if let Some(d) = b.installed_cascades_days {
            let sites: Vec<String> = b
                .by_site
                .iter()
                .filter_map(|s| {
                    s.installed_cascades_days.map(|i| {
                        format!(
                            "{} alone {} days, {} with its installed cascades",
                            s.site.replace('_', " "),
                            fmt_days(s.days),
                            fmt_days(i)
                        )
                    })
                })
                .collect();
            text.push(format!(
                "With the advanced cascades installed but not known to enrich fed as well: about {} days{}.",
                fmt_days(d),
                if sites.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", sites.join("; "))
                }
            ));
        }
        let count = |n: u32| {
            if n >= MAX_SQ {
                format!("{MAX_SQ} or more significant quantities")
            } else {
                format!(
                    "{n} significant quantit{}",
                    if n == 1 { "y" } else { "ies" }
                )
            }
        };
        if let Some(n) = sq_in_month {
            let installed = match sq_in_month_installed {
                Some(m) if m > n => format!(
                    " ({} with the advanced cascades installed but not known to enrich fed as well)",
                    count(m)
                ),
                _ => String::new(),
            };
            text.push(format!(
                "Within a month the same stocks and machines would yield {}{installed}.",
                count(n)
            ));
        }
    }
    if let Some(c) = since_previous
        .iter()
        .find(|c| c.metric == "enriched_uranium_stock")
    {
        text.push(format!(
            "From {} to {} the enriched-uranium stock changed by {:+.1} kg U ({:+.1} kg U a month).",
            c.from, c.to, c.change, c.per_month,
        ));
    }
    for u in &unverifiable {
        text.push(format!(
            "Since {}, the Agency cannot verify {} ({}).",
            u.since,
            in_brief(&u.what),
            u.source
        ));
    }
    Summary {
        text: text.join(" "),
        limits,
        since_previous,
        breakout,
        sq_in_month,
        sq_in_month_installed,
        unverifiable,
    }
}

/// A list of quantities cut to its first three, with how many more.
fn in_brief(list: &str) -> String {
    let items: Vec<&str> = list.split(", ").collect();
    if items.len() <= 4 {
        return list.to_owned();
    }
    format!(
        "{} quantities, among them {}",
        items.len(),
        items[..3].join(", ")
    )
}

fn fmt_ratio(x: f64) -> String {
    if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn fmt_days(d: f64) -> String {
    if d >= 10.0 {
        format!("{d:.0}")
    } else {
        format!("{d:.1}")
    }
}
