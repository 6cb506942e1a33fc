//! The compliance report's answer: per party, each obligation's status year by year;
//! the enriched-uranium stock against its limit; the breakout timeline with its basis;
//! the sources. [`ReportDoc`] is the `verity report --format json` document and the
//! body of `GET /api/v1/report`; the terminal, Markdown and HTML renderers and the
//! dashboard draw it and judge nothing themselves.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use verity_agreement::ObligationKind;
use verity_compliance::breakout::{BasisItem, SiteDays, SiteNotEstimated};
use verity_compliance::{BreakoutPoint, Status, Step, Verdict};
use verity_evidence::fmt_num;
use verity_vocab::Date;

use crate::assess::Run;
use crate::policy::{self, BreakoutBand, LegendEntry};

/// The metric whose series the report plots against its limit.
pub const STOCK_METRIC: &str = "enriched_uranium_stock";

/// The report, computed once for every format and front-end.
#[derive(Debug, Clone, Serialize)]
pub struct ReportDoc {
    /// The agreement's id and title.
    pub agreement: String,
    pub title: String,
    /// k of the σ rule.
    pub sigma_k: f64,
    /// What was asked.
    pub query: QueryDoc,
    /// The record assessed: counts and the dates it spans.
    pub record: RecordDoc,
    /// One sentence on the record and the σ rule, the report's first line.
    pub header: String,
    /// The story at a glance: the latest figure against each limit, the change since
    /// the previous report, the current breakout, what cannot be verified.
    pub summary: crate::summary::Summary,
    /// The agreement's key days and every event of the record, by date.
    pub events: Vec<crate::summary::EventLine>,
    /// Every loss of continuity of knowledge the record holds.
    pub knowledge_gaps: Vec<crate::summary::GapLine>,
    /// The statuses, most severe first (the order of every legend).
    pub legend: Vec<LegendEntry>,
    /// The columns of the yearly summary.
    pub years: Vec<i16>,
    /// Per party, in the agreement's order.
    pub parties: Vec<PartySection>,
    /// Every verdict (as `verity assess --json`).
    pub verdicts: Vec<Verdict>,
    /// Obligation id → date of its first breach.
    pub first_breach: BTreeMap<String, Date>,
    /// Obligation id → its step function.
    pub steps: BTreeMap<String, Vec<Step>>,
    /// The stock series, one point per date (the latest report's figure).
    pub stockpile: Vec<StockPoint>,
    /// The stock limit in kg U (kept for readers of earlier documents; see
    /// `stock_limit`).
    pub stock_limit_kg_u: Option<f64>,
    pub stock_limit: Option<StockLimit>,
    /// Breakout time at each report with stocks.
    pub breakout: Vec<BreakoutView>,
    /// Reports with stocks but no estimate, and why.
    pub breakout_skipped: Vec<SkippedView>,
    /// What a breakout figure means and how it is computed.
    pub breakout_method: &'static str,
    /// The one-year line of the plots and of the bands (days).
    pub one_year_days: f64,
    /// Every invocation of the agreement's dispute procedures in the record.
    pub disputes: Vec<crate::disputes::Dispute>,
    /// Every figure of the stock (by level) and the centrifuge counts (by type, state
    /// and site) the record holds, one series per metric: the public figures the
    /// stockpile and centrifuge views plot.
    pub figures: Vec<FigureSeries>,
    /// Every report the record cites.
    pub sources: Vec<String>,
    /// Report id → its date, where the record gives it.
    pub source_dates: BTreeMap<String, Option<Date>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryDoc {
    pub party: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub as_of: Option<Date>,
    /// Whose reading the statuses show (`null`: the finding on the evidence).
    pub reading: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordDoc {
    pub measurements: usize,
    pub events: usize,
    pub knowledge_gaps: usize,
    pub first_date: Option<Date>,
    pub last_date: Option<Date>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartySection {
    pub id: String,
    pub name: String,
    /// Obligations with evidence on some date.
    pub rows: Vec<ObligationRow>,
    /// Obligations assessed with no evidence on any date.
    pub silent: Vec<String>,
    /// The most severe status any of its obligations holds now (the rows' `now`;
    /// `no_evidence` when it has only silent ones).
    pub now: Option<Status>,
    /// How many of its obligations hold each status now (silent ones as
    /// `no_evidence`).
    pub now_counts: BTreeMap<Status, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObligationRow {
    pub obligation: String,
    /// The topic it is grouped under (`enrichment`, `stock`, …) and its words.
    pub topic: String,
    pub topic_label: String,
    pub cite: String,
    pub text: String,
    /// Per year of `years`: the most severe status the step function takes in it
    /// (`null`: not in force or not assessed that year).
    pub cells: Vec<Option<Status>>,
    pub steps: Vec<Step>,
    /// The status now: the step function's last value.
    pub now: Status,
    pub first_breach: Option<FirstBreach>,
    /// The parties' readings that differ from the status shown, each from the first
    /// date it does (a `contested` cell names them here).
    pub readings: Vec<ReadingLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReadingLine {
    pub party: String,
    pub status: Status,
    pub from: Date,
    pub cite: String,
    pub position: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FirstBreach {
    pub date: Date,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StockPoint {
    pub date: Date,
    pub kg_u: f64,
    /// The same stock as UF6 mass (kg U × 352.02 / 238.03, the vocabulary's
    /// conversion), the unit the JCPOA's 300 kg limit is written in.
    pub kg_uf6: Option<f64>,
    /// How the report states it: `241.6`, `≤ 202.8`, `> 202.8`.
    pub shown: String,
    /// `≤` or `>` when the figure is a bound (so is its ratio to the limit).
    pub bound: Option<&'static str>,
    /// kg U ÷ the limit.
    pub ratio_to_limit: Option<f64>,
    /// The verdict on the stock limit for this date (the compliance engine's, with
    /// its σ rule; `null` where the limit is not in force).
    pub status: Option<Status>,
    pub le_5pct: Option<f64>,
    pub u20pct: Option<f64>,
    pub u60pct: Option<f64>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FigureSeries {
    pub metric: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub unit_label: &'static str,
    /// For a centrifuge count: the plant (`natanz_fep`, `natanz_pfep`, `fordow`), the
    /// machine type, `installed` or `enriching`; `null` otherwise.
    pub site: Option<&'static str>,
    pub site_label: Option<&'static str>,
    pub machine: Option<&'static str>,
    pub state: Option<&'static str>,
    pub points: Vec<FigurePoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FigurePoint {
    pub date: Date,
    /// The central value, or the bound a report gives.
    pub value: f64,
    /// As the report states it, with its unit: `≥ 5,060`, `9,874.9 kg U`.
    pub shown: String,
    /// `low` when the figure is a lower bound (more than / at least), `high` when an
    /// upper one (at most); `null` for a value.
    pub bound: Option<&'static str>,
    /// `verified`, `declared` or `estimated`.
    pub basis: &'static str,
    pub source: String,
}

/// The figures of the stock and centrifuge metrics, one series per metric.
fn figures(ev: &verity_evidence::EvidenceSet) -> Vec<FigureSeries> {
    let mut out: Vec<FigureSeries> = Vec::new();
    for m in ev.figures().filter(|m| {
        m.metric.id.starts_with("enriched_uranium_stock") || m.metric.id.starts_with("centrifuges")
    }) {
        let Some(value) = m.quantity.central() else {
            continue;
        };
        let point = FigurePoint {
            date: m.date,
            value,
            shown: crate::summary::shown(&m.quantity, m.metric.unit),
            bound: match (m.quantity.value, m.quantity.low, m.quantity.high) {
                (Some(_), _, _) => None,
                (None, Some(_), _) => Some("low"),
                (None, None, Some(_)) => Some("high"),
                _ => None,
            },
            basis: m.basis.as_str(),
            source: m.source.to_string(),
        };
        match out.iter_mut().find(|s| s.metric == m.metric.id) {
            Some(s) => s.points.push(point),
            None => {
                let key = verity_vocab::CentrifugeKey::parse(m.metric.id);
                out.push(FigureSeries {
                    metric: m.metric.id,
                    label: m.metric.label,
                    unit: m.metric.unit.as_str(),
                    unit_label: m.metric.unit.symbol(),
                    site: key.map(|k| k.site.as_str()),
                    site_label: key.map(|k| k.site.label()),
                    machine: key.map(|k| k.machine.label()),
                    state: key.map(|k| k.state.as_str()),
                    points: vec![point],
                });
            }
        }
    }
    for s in &mut out {
        s.points.sort_by_key(|p| p.date);
    }
    out.sort_by(|a, b| a.metric.cmp(b.metric));
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct StockLimit {
    pub kg_u: f64,
    pub obligation: String,
    pub cite: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StockUsed {
    pub assay_pct: f64,
    pub kg_u: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MachinesUsed {
    #[serde(rename = "type")]
    pub kind: String,
    pub count: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakoutView {
    pub date: Date,
    /// Days to 1 SQ with central machine figures.
    pub days: f64,
    pub days_p05: f64,
    pub days_p95: f64,
    pub band: BreakoutBand,
    /// The headline's route (`fixed_cascades`, or `single_cascade` where the cascades
    /// cannot reach the target).
    pub route: &'static str,
    /// The pooled ideal cascade: the lower bound.
    pub lower_bound_days: f64,
    pub capacity_swu_per_year: f64,
    /// False inside a period the Agency could not verify the stocks.
    pub verified: bool,
    /// Each machine count used, with its report and whether it is carried forward.
    pub machine_basis: Vec<BasisItem>,
    /// The cascades that run the last step, fed at 60 %, when only some can (empty: every
    /// machine counted runs every step).
    pub heu_basis: Vec<BasisItem>,
    /// Stock figures carried forward from an earlier report.
    pub stocks_carried_forward: Vec<String>,
    /// The headline at each site alone, fastest first, by the headline's method.
    pub by_site: Vec<SiteDays>,
    /// Sites the method cannot run alone, and why.
    pub sites_not_estimated: Vec<SiteNotEstimated>,
    /// The headline with the advanced cascades installed but not counted enriching fed
    /// as well: a bound on the plants, not the headline.
    pub installed_cascades_days: Option<f64>,
    pub installed_heu_basis: Vec<BasisItem>,
    /// The FEP's advanced machines installed beyond those counted enriching.
    pub installed_fep_basis: Vec<BasisItem>,
    /// The report the stocks come from.
    pub source: String,
    pub stocks: Vec<StockUsed>,
    pub machines: Vec<MachinesUsed>,
    /// The reports the machine counts come from (carried forward when a report gives
    /// none).
    pub machines_from: String,
    /// Stocks, machines and reports in one line.
    pub basis: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedView {
    pub date: Date,
    pub source: String,
    pub reason: String,
}

const BREAKOUT_METHOD: &str = "Days to make one significant quantity (25 kg U-235 at 90 %) from each report's stocks and the machines enriching: the machines in cascades of their plant's size run the batch-recycling steps 0.711 % → 3.67 % → 20 % → 60 % → 90 % without reconfiguration, with a day to equilibrium per step and a day between steps (fixed cascades), at the catalogue's central machine figures; once Iran enriches to 60 %, the last step, fed at 60 %, runs only on the advanced cascades enriching at Fordow and the PFEP (\"HEU on\" in the basis; they run the lower steps too) and the step fed at 20 % on every cascade, as ISIS puts the 60 % stock in three or four advanced cascades and the 20 % stock in the production-scale ones; each site alone (Natanz's two plants also together) by the same method, so that none is faster than all sites together — a plant with no HEU cascade then has no estimate of its own; the pooled ideal cascade with optimised tails is the lower bound. p05–p95 scale the enrichment days by the Monte Carlo 5th–95th percentile over machine performance and stock figures. A count a report does not give is carried forward from the last report that did, and the basis says from which and how old.";

/// Stocks, machines and reports in one line; what is carried forward says from where
/// and how old, and an unverified point says so.
fn basis(b: &BreakoutPoint) -> String {
    let stocks: Vec<String> = b
        .stocks
        .iter()
        .map(|(pct, kg)| format!("{} kg @ {} %", fmt_num(*kg), fmt_num(*pct)))
        .collect();
    let mut machines: Vec<String> = b.machines.iter().map(|(k, n)| format!("{n} {k}")).collect();
    if !b.heu_basis.is_empty() {
        let heu: Vec<String> = b
            .heu_basis
            .iter()
            .map(|m| {
                format!(
                    "{} {} {}",
                    m.count,
                    m.kind,
                    m.site.unwrap_or("unattributed")
                )
            })
            .collect();
        if let Some(last) = machines.last_mut() {
            last.push_str(&format!(" (HEU on {})", heu.join(" + ")));
        }
    }
    let mut notes: Vec<String> = Vec::new();
    let mut carried: Vec<(&str, i32)> = b
        .basis
        .iter()
        .filter(|m| m.carried_forward)
        .map(|m| (m.report.as_str(), (b.date - m.as_of).get_days()))
        .collect();
    carried.sort_unstable();
    carried.dedup();
    for (report, age) in carried {
        notes.push(format!(
            "machines carried forward from {report}, {age} days older"
        ));
    }
    // Counts that stand on a count of cascades: the machines are the cascades at the
    // plant's size, not the report's own machine count.
    let from_cascades: Vec<String> = b
        .basis
        .iter()
        .chain(&b.heu_basis)
        .filter_map(|m| {
            let c = m.cascades?;
            Some(format!(
                "{} {} {} from {c} cascade{}",
                m.count,
                m.kind,
                m.site.unwrap_or("unattributed"),
                if c == 1 { "" } else { "s" }
            ))
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !from_cascades.is_empty() {
        notes.push(format!(
            "counted as cascades at the plant's size: {}",
            from_cascades.join(", ")
        ));
    }
    for s in &b.stocks_carried_forward {
        notes.push(format!("{s} carried forward"));
    }
    if !b.verified {
        notes.push(match &b.last_verified {
            Some(l) => format!(
                "not verified: the Agency had lost continuity of knowledge; last verified inputs {} ({})",
                l.report, l.date
            ),
            None => "not verified: the Agency had lost continuity of knowledge".into(),
        });
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    format!(
        "{}; {}; {}{}",
        stocks.join(" + "),
        machines.join(" + "),
        b.source,
        notes
    )
}

impl ReportDoc {
    pub fn build(run: &Run) -> ReportDoc {
        let verdicts = &run.assessment.verdicts;
        let mut years: Vec<i16> = verdicts.iter().map(|v| v.date.year()).collect();
        years.extend(run.breakout.iter().map(|p| p.date.year()));
        years.sort_unstable();
        years.dedup();
        let steps = run.assessment.steps();

        let mut by_ob: BTreeMap<&str, Vec<&Verdict>> = BTreeMap::new();
        for v in verdicts {
            by_ob.entry(&*v.obligation).or_default().push(v);
        }
        let mut parties: Vec<PartySection> = Vec::new();
        for ob in &run.agreement.obligations {
            let Some(vs) = by_ob.get(ob.id.as_str()) else {
                continue;
            };
            let Some(latest) = vs.last() else { continue };
            let idx = match parties.iter().position(|p| p.id == ob.party) {
                Some(i) => i,
                None => {
                    parties.push(PartySection {
                        id: ob.party.clone(),
                        name: run
                            .agreement
                            .party(&ob.party)
                            .map_or(ob.party.clone(), |p| p.name.clone()),
                        rows: Vec::new(),
                        silent: Vec::new(),
                        now: None,
                        now_counts: BTreeMap::new(),
                    });
                    parties.len() - 1
                }
            };
            if vs.iter().all(|v| v.status == Status::NoEvidence) {
                parties[idx].silent.push(ob.id.clone());
                continue;
            }
            // Each year shows the most severe status the step function takes in it
            // (the status holding on 1 January, and every change during the year),
            // from the first year with a verdict to the last.
            let st = steps.get(&ob.id).cloned().unwrap_or_default();
            let (y0, y1) = (vs[0].date.year(), latest.date.year());
            let cells = years
                .iter()
                .map(|&y| {
                    if y < y0 || y > y1 {
                        return None;
                    }
                    let held = st
                        .iter()
                        .rev()
                        .find(|s| s.from.year() < y)
                        .map(|s| s.status);
                    policy::worst(
                        held.into_iter()
                            .chain(st.iter().filter(|s| s.from.year() == y).map(|s| s.status)),
                    )
                })
                .collect();
            let now = st.last().map_or(latest.status, |s| s.status);
            let first_breach =
                vs.iter()
                    .find(|v| v.status == Status::Breach)
                    .map(|v| FirstBreach {
                        date: v.date,
                        source: v.sources.first().cloned(),
                    });
            let mut readings: Vec<ReadingLine> = Vec::new();
            for v in vs.iter() {
                for r in &v.readings {
                    if !readings
                        .iter()
                        .any(|l| l.party == r.party && l.status == r.status && l.cite == r.cite)
                    {
                        readings.push(ReadingLine {
                            party: r.party.clone(),
                            status: r.status,
                            from: v.date,
                            cite: r.cite.clone(),
                            position: r.position.clone(),
                        });
                    }
                }
            }
            let topic = policy::topic(&ob.id).to_owned();
            parties[idx].rows.push(ObligationRow {
                topic_label: policy::topic_label(&topic),
                topic,
                obligation: ob.id.clone(),
                cite: ob.cite.to_string(),
                text: ob.text.clone(),
                cells,
                steps: st,
                now,
                first_breach,
                readings,
            });
        }

        for p in &mut parties {
            // Grouped by topic in the policy's order; the agreement's order within a
            // topic (a stable sort).
            p.rows.sort_by_key(|r| policy::topic_rank(&r.topic));
            let silent = std::iter::repeat_n(Status::NoEvidence, p.silent.len());
            let now: Vec<Status> = p.rows.iter().map(|r| r.now).chain(silent).collect();
            p.now = policy::worst(now.iter().copied());
            for s in now {
                *p.now_counts.entry(s).or_default() += 1;
            }
        }

        let stock_limit = run
            .agreement
            .obligations
            .iter()
            .find_map(|o| match &o.kind {
                ObligationKind::Limit { metric, .. } if metric.id == STOCK_METRIC => {
                    o.kind.limit_in_metric_unit().map(|l| StockLimit {
                        kg_u: l,
                        obligation: o.id.clone(),
                        cite: o.cite.to_string(),
                    })
                }
                _ => None,
            });
        let ev = &run.evidence;
        let mut stockpile: Vec<StockPoint> = Vec::new();
        for m in ev.figures().filter(|m| m.metric.id == STOCK_METRIC) {
            let Some(kg) = m.quantity.central() else {
                continue;
            };
            let band = |id: &str| {
                ev.figures()
                    .find(|b| {
                        b.metric.id == id && b.date == m.date && b.source.report == m.source.report
                    })
                    .and_then(|b| b.quantity.central())
            };
            let shown = m.quantity.to_string();
            let bound = if shown.starts_with('≤') {
                Some("≤")
            } else if shown.starts_with('>') {
                Some(">")
            } else {
                None
            };
            let status = stock_limit.as_ref().and_then(|l| {
                verdicts
                    .iter()
                    .find(|v| *v.obligation == *l.obligation && v.date == m.date)
                    .map(|v| v.status)
            });
            let point = StockPoint {
                date: m.date,
                kg_u: kg,
                kg_uf6: verity_vocab::convert(
                    kg,
                    verity_vocab::Unit::KgU,
                    verity_vocab::Unit::KgUf6,
                )
                .ok(),
                shown,
                bound,
                ratio_to_limit: stock_limit.as_ref().map(|l| kg / l.kg_u),
                status,
                le_5pct: band("enriched_uranium_stock_le_5pct"),
                u20pct: band("enriched_uranium_stock_20pct"),
                u60pct: band("enriched_uranium_stock_60pct"),
                source: m.source.to_string(),
            };
            match stockpile.last_mut() {
                Some(last) if last.date == m.date => *last = point,
                _ => stockpile.push(point),
            }
        }

        let mut source_dates: BTreeMap<String, Option<Date>> = BTreeMap::new();
        for m in &ev.measurements {
            let e = source_dates.entry(m.source.report.clone()).or_insert(None);
            if e.is_none() {
                *e = m.source.report_date;
            }
        }
        for e in &ev.events {
            source_dates.entry(e.source.report.clone()).or_insert(None);
        }
        for g in &ev.knowledge {
            source_dates.entry(g.source.report.clone()).or_insert(None);
        }
        let sources: BTreeSet<String> = source_dates.keys().cloned().collect();

        let dates = ev
            .measurements
            .iter()
            .map(|m| m.date)
            .chain(ev.events.iter().map(|e| e.date));
        let record = RecordDoc {
            measurements: ev.measurements.len(),
            events: ev.events.len(),
            knowledge_gaps: ev.knowledge.len(),
            first_date: dates.clone().min(),
            last_date: dates.max(),
        };
        let header = format!(
            "Evidence: {} measurements, {} events, {} knowledge gap{} ({} to {}){}; a figure within {}σ of a limit is indeterminate.",
            record.measurements,
            record.events,
            record.knowledge_gaps,
            if record.knowledge_gaps == 1 { "" } else { "s" },
            record.first_date.map_or("-".into(), |d| d.to_string()),
            record.last_date.map_or("-".into(), |d| d.to_string()),
            run.query.as_of.map_or(String::new(), |d| format!(
                ", the record as it stood on {d}"
            )),
            fmt_num(run.options.sigma_k),
        ) + &match &run.options.reading {
            Some(p) => format!(
                " Statuses under the stated positions of {p} where it has one, else the finding."
            ),
            None => " Statuses are the finding on the evidence; contested where the parties' readings differ on whether an obligation applied.".to_owned(),
        };

        let breakout: Vec<BreakoutView> = run
            .breakout
            .iter()
            .map(|b| BreakoutView {
                date: b.date,
                days: b.days,
                days_p05: b.days_p05,
                days_p95: b.days_p95,
                band: BreakoutBand::of(b.days),
                route: b.route,
                lower_bound_days: b.lower_bound_days,
                capacity_swu_per_year: b.capacity_swu_per_year,
                verified: b.verified,
                machine_basis: b.basis.clone(),
                heu_basis: b.heu_basis.clone(),
                stocks_carried_forward: b.stocks_carried_forward.clone(),
                by_site: b.by_site.clone(),
                sites_not_estimated: b.sites_not_estimated.clone(),
                installed_cascades_days: b.installed_cascades_days,
                installed_heu_basis: b.installed_heu_basis.clone(),
                installed_fep_basis: b.installed_fep_basis.clone(),
                source: b.source.clone(),
                stocks: b
                    .stocks
                    .iter()
                    .map(|&(assay_pct, kg_u)| StockUsed { assay_pct, kg_u })
                    .collect(),
                machines: b
                    .machines
                    .iter()
                    .map(|(k, n)| MachinesUsed {
                        kind: k.clone(),
                        count: *n,
                    })
                    .collect(),
                machines_from: b.machines_from.clone(),
                basis: basis(b),
            })
            .collect();
        let knowledge_gaps = crate::summary::gaps(run);
        let summary = crate::summary::build(
            run,
            record.last_date,
            &parties,
            &stockpile,
            &breakout,
            &knowledge_gaps,
        );

        ReportDoc {
            agreement: run.agreement.id.clone(),
            title: run.agreement.title.clone(),
            sigma_k: run.options.sigma_k,
            query: QueryDoc {
                party: run.query.party.clone(),
                from: run.query.from,
                to: run.query.to,
                as_of: run.query.as_of,
                reading: run.options.reading.clone(),
            },
            record,
            header,
            summary,
            events: crate::summary::events(run),
            knowledge_gaps,
            legend: policy::legend(),
            years,
            parties,
            verdicts: verdicts.clone(),
            first_breach: run.assessment.first_breaches(),
            steps,
            stockpile,
            stock_limit_kg_u: stock_limit.as_ref().map(|l| l.kg_u),
            stock_limit,
            breakout,
            breakout_skipped: run
                .breakout_skipped
                .iter()
                .map(|s| SkippedView {
                    date: s.date,
                    source: s.source.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
            breakout_method: BREAKOUT_METHOD,
            one_year_days: policy::ONE_YEAR_DAYS,
            disputes: crate::disputes::list(&run.agreement, &run.evidence)
                .disputes
                .into_iter()
                .filter(|d| run.query.in_range(d.notified))
                .collect(),
            figures: figures(ev),
            sources: sources.into_iter().collect(),
            source_dates,
        }
    }
}
