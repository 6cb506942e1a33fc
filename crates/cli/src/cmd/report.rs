//! `verity report`: the compliance report a new user reads — per party, each
//! obligation's verdict year by year; the enriched-uranium stock against its limit;
//! the breakout timeline; and the sources behind every figure.
//!
//! Formats: a coloured terminal table (colour only when writing to a terminal and
//! `NO_COLOR` is unset), Markdown, one self-contained HTML file with inline SVG plots
//! (no external assets), or JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use verity_agreement::{Obligation, ObligationKind};
use verity_compliance::{BreakoutPoint, Status, Step, Verdict};
use verity_evidence::{Quantity, fmt_num};
use verity_vocab::Date;

use super::assess::{Run, emit, run_from_args};
use super::{CliError, CmdResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Terminal,
    Markdown,
    Html,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// The agreement file; default: the shipped JCPOA.
    #[arg(long, value_name = "FILE")]
    pub agreement: Option<PathBuf>,
    /// Evidence files (CSV or JSON); default: the shipped record.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub evidence: Vec<PathBuf>,
    /// A figure within K standard deviations of a limit is "indeterminate".
    #[arg(
        long,
        value_name = "K",
        default_value_t = 2.0,
        allow_negative_numbers = true
    )]
    pub sigma: f64,
}

pub fn run(args: Args) -> CmdResult {
    let run = run_from_args(
        args.agreement.as_deref(),
        &args.evidence,
        None,
        None,
        None,
        args.sigma,
    )?;
    let data = Data::build(&run);
    let colour = args.out.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let text = match args.format {
        Format::Terminal => terminal(&data, colour),
        Format::Markdown => markdown(&data),
        Format::Html => html(&data),
        Format::Json => {
            serde_json::to_string_pretty(&json(&data)).map_err(|e| CliError::Failed(e.into()))?
                + "\n"
        }
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| {
                CliError::Failed(anyhow::anyhow!("cannot write {}: {e}", path.display()))
            })?;
            eprintln!("verity: report written to {}", path.display());
        }
        None => emit(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

// ------------------------------------------------------------------ the report's data

/// Severity order for summarising a year: a breach anywhere in the year shows.
fn severity(s: Status) -> u8 {
    match s {
        Status::Breach => 4,
        Status::CannotVerify => 3,
        Status::Indeterminate => 2,
        Status::Compliant => 1,
        Status::NoEvidence => 0,
    }
}

struct Row<'a> {
    ob: &'a Obligation,
    /// Worst status per year column (None: not in force / not assessed that year).
    cells: Vec<Option<Status>>,
    steps: Vec<Step>,
    first_breach: Option<&'a Verdict>,
    latest: &'a Verdict,
}

impl Row<'_> {
    /// The status now: the step function's last value (a date without evidence does
    /// not undo what the evidence established).
    fn now(&self) -> Status {
        self.steps.last().map_or(self.latest.status, |s| s.status)
    }
}

struct PartySection<'a> {
    id: String,
    name: String,
    rows: Vec<Row<'a>>,
    /// Obligations assessed with no evidence on any date.
    silent: Vec<&'a Obligation>,
}

#[derive(Debug, Clone, Serialize)]
struct StockPoint {
    date: Date,
    kg_u: f64,
    /// How the report states it: `241.6`, `≤ 202.8`, `> 202.8`.
    shown: String,
    le_5pct: Option<f64>,
    u20pct: Option<f64>,
    u60pct: Option<f64>,
    source: String,
}

struct Data<'a> {
    run: &'a Run,
    years: Vec<i16>,
    parties: Vec<PartySection<'a>>,
    stock: Vec<StockPoint>,
    /// The stock limit in kg U and the obligation it comes from.
    stock_limit: Option<(f64, &'a Obligation)>,
    sources: BTreeMap<String, Option<Date>>,
    /// Each obligation's step function, computed once for the rows and the JSON.
    steps: BTreeMap<String, Vec<Step>>,
}

impl<'a> Data<'a> {
    fn build(run: &'a Run) -> Data<'a> {
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
        let mut parties: Vec<PartySection<'a>> = Vec::new();
        for ob in &run.agreement.obligations {
            let Some(vs) = by_ob.get(ob.id.as_str()) else {
                continue;
            };
            let Some(latest) = vs.last() else { continue };
            let name = run
                .agreement
                .party(&ob.party)
                .map_or(ob.party.clone(), |p| p.name.clone());
            let idx = match parties.iter().position(|p| p.id == ob.party) {
                Some(i) => i,
                None => {
                    parties.push(PartySection {
                        id: ob.party.clone(),
                        name,
                        rows: Vec::new(),
                        silent: Vec::new(),
                    });
                    parties.len() - 1
                }
            };
            if vs.iter().all(|v| v.status == Status::NoEvidence) {
                parties[idx].silent.push(ob);
                continue;
            }
            // Each year shows the most severe status the step function takes in it
            // (the status holding on 1 January, and every change during the year),
            // from the first year with a verdict to the last.
            let st = steps.get(&ob.id).cloned().unwrap_or_default();
            let (y0, y1) = (vs[0].date.year(), latest.date.year());
            let cells: Vec<Option<Status>> = years
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
                    held.into_iter()
                        .chain(st.iter().filter(|s| s.from.year() == y).map(|s| s.status))
                        .max_by_key(|s| severity(*s))
                })
                .collect();
            parties[idx].rows.push(Row {
                ob,
                cells,
                steps: st,
                first_breach: vs.iter().copied().find(|v| v.status == Status::Breach),
                latest,
            });
        }

        let stock_limit = run
            .agreement
            .obligations
            .iter()
            .find_map(|o| match &o.kind {
                ObligationKind::Limit { metric, .. } if metric.id == "enriched_uranium_stock" => {
                    o.kind.limit_in_metric_unit().map(|l| (l, o))
                }
                _ => None,
            });
        let mut stock: Vec<StockPoint> = Vec::new();
        let ev = &run.evidence;
        for m in ev
            .figures()
            .filter(|m| m.metric.id == "enriched_uranium_stock")
        {
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
            let point = StockPoint {
                date: m.date,
                kg_u: kg,
                shown: shown(&m.quantity),
                le_5pct: band("enriched_uranium_stock_le_5pct"),
                u20pct: band("enriched_uranium_stock_20pct"),
                u60pct: band("enriched_uranium_stock_60pct"),
                source: m.source.to_string(),
            };
            // One point per date: the latest report's figure.
            match stock.last_mut() {
                Some(last) if last.date == m.date => *last = point,
                _ => stock.push(point),
            }
        }

        let mut sources: BTreeMap<String, Option<Date>> = BTreeMap::new();
        for m in &ev.measurements {
            let e = sources.entry(m.source.report.clone()).or_insert(None);
            if e.is_none() {
                *e = m.source.report_date;
            }
        }
        for e in &ev.events {
            sources.entry(e.source.report.clone()).or_insert(None);
        }
        for g in &ev.knowledge {
            sources.entry(g.source.report.clone()).or_insert(None);
        }
        Data {
            run,
            years,
            parties,
            stock,
            stock_limit,
            sources,
            steps,
        }
    }

    fn period(&self) -> (Option<Date>, Option<Date>) {
        let ev = &self.run.evidence;
        let dates = ev
            .measurements
            .iter()
            .map(|m| m.date)
            .chain(ev.events.iter().map(|e| e.date));
        (dates.clone().min(), dates.max())
    }

    fn summary_line(&self) -> String {
        let ev = &self.run.evidence;
        let (a, b) = self.period();
        format!(
            "Evidence: {} measurements, {} events, {} knowledge gap{} ({} to {}); a figure within {}σ of a limit is indeterminate.",
            ev.measurements.len(),
            ev.events.len(),
            ev.knowledge.len(),
            if ev.knowledge.len() == 1 { "" } else { "s" },
            a.map_or("-".into(), |d| d.to_string()),
            b.map_or("-".into(), |d| d.to_string()),
            fmt_num(self.run.options.sigma_k),
        )
    }
}

fn shown(q: &Quantity) -> String {
    q.to_string()
}

/// `≤ ` or `> ` when a stock figure is a bound, so its ratio to the limit is one too.
fn bound_prefix(shown: &str) -> &'static str {
    if shown.starts_with('≤') {
        "≤"
    } else if shown.starts_with('>') {
        ">"
    } else {
        ""
    }
}

fn symbol(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Compliant) => "✔",
        Some(Status::Breach) => "✖",
        Some(Status::Indeterminate) => "~",
        Some(Status::CannotVerify) => "?",
        Some(Status::NoEvidence) => "·",
        None => " ",
    }
}

fn label(s: Status) -> &'static str {
    match s {
        Status::Compliant => "compliant",
        Status::Breach => "breach",
        Status::Indeterminate => "indeterminate",
        Status::CannotVerify => "cannot verify",
        Status::NoEvidence => "no evidence",
    }
}

const LEGEND: &str = "✔ compliant   ✖ breach   ~ indeterminate   ? cannot be verified   · no evidence   (blank: not in force)";

/// Days as a readable span.
fn span(days: f64) -> String {
    if days >= 60.0 {
        format!("{:.1} months", days / 30.44)
    } else if days >= 14.0 {
        format!("{:.1} weeks", days / 7.0)
    } else {
        format!("{days:.1} days")
    }
}

fn first_breach_text(r: &Row<'_>) -> String {
    r.first_breach.map_or(String::new(), |v| {
        let src = v
            .sources
            .first()
            .map_or(String::new(), |s| format!(" — {s}"));
        format!("{}{}", v.date, src)
    })
}

// ------------------------------------------------------------------ terminal

struct Paint(bool);

impl Paint {
    fn status(&self, s: Option<Status>, text: &str) -> String {
        if !self.0 {
            return text.to_owned();
        }
        let code = match s {
            Some(Status::Compliant) => "32",
            Some(Status::Breach) => "1;31",
            Some(Status::Indeterminate) => "33",
            Some(Status::CannotVerify) => "35",
            Some(Status::NoEvidence) | None => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
    fn bold(&self, text: &str) -> String {
        if self.0 {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn dim(&self, text: &str) -> String {
        if self.0 {
            format!("\x1b[2m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// A bar of `width` cells for `v` on a log scale from `lo` to `hi`.
fn log_bar(v: f64, lo: f64, hi: f64, width: usize) -> String {
    if v <= 0.0 || hi <= lo {
        return String::new();
    }
    let f = ((v.max(lo).ln() - lo.ln()) / (hi.ln() - lo.ln())).clamp(0.0, 1.0);
    let n = (f * width as f64).round() as usize;
    "█".repeat(n.max(1))
}

fn terminal(d: &Data<'_>, colour: bool) -> String {
    let p = Paint(colour);
    let run = d.run;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}",
        p.bold(&format!(
            "Verity compliance report — {}",
            run.agreement.title
        ))
    );
    let _ = writeln!(o, "{}", d.summary_line());
    let _ = writeln!(o, "Legend: {LEGEND}");

    let id_w = d
        .parties
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| r.ob.id.chars().count()))
        .max()
        .unwrap_or(10)
        .max(10);
    for section in &d.parties {
        if section.rows.is_empty() && section.silent.is_empty() {
            continue;
        }
        let _ = writeln!(o, "\n{}", p.bold(&section.name.to_uppercase()));
        let mut head = format!("  {:<id_w$} ", "obligation");
        for y in &d.years {
            let _ = write!(head, " {y:>4}");
        }
        let _ = write!(head, "   now            first breach");
        if !section.rows.is_empty() {
            let _ = writeln!(o, "{}", p.dim(&head));
        }
        for r in &section.rows {
            let mut line = format!("  {:<id_w$} ", r.ob.id);
            for c in &r.cells {
                let _ = write!(line, "    {}", p.status(*c, symbol(*c)));
            }
            let now = r.now();
            let _ = write!(
                line,
                "   {}",
                p.status(Some(now), &format!("{:<14}", label(now)))
            );
            let _ = write!(line, " {}", short(&first_breach_text(r), 72));
            let _ = writeln!(o, "{line}");
            let _ = writeln!(
                o,
                "  {}",
                p.dim(&format!("  {} — {}", r.ob.cite, short(&r.ob.text, 90)))
            );
        }
        if !section.silent.is_empty() {
            let ids: Vec<&str> = section.silent.iter().map(|o| o.id.as_str()).collect();
            let _ = writeln!(
                o,
                "  {}",
                p.dim(&format!(
                    "{} more in force with no evidence in the record: {}",
                    ids.len(),
                    short(&ids.join(", "), 160)
                ))
            );
        }
    }

    if !d.stock.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            p.bold("ENRICHED-URANIUM STOCK AGAINST ITS LIMIT")
        );
        if let Some((l, ob)) = d.stock_limit {
            let _ = writeln!(o, "limit {} kg U ({}; {})", fmt_num(l), ob.id, ob.cite);
        }
        let hi = d.stock.iter().map(|s| s.kg_u).fold(1.0, f64::max);
        let _ = writeln!(
            o,
            "{}",
            p.dim("  as of        kg U        × limit  (log scale)                      source")
        );
        for s in &d.stock {
            let (ratio, over) = match d.stock_limit {
                Some((l, _)) => (
                    format!(
                        "{:>7}",
                        format!("{}{:.1}", bound_prefix(&s.shown), s.kg_u / l)
                    ),
                    s.kg_u > l * 1.0005 || s.shown.starts_with('>'),
                ),
                None => ("      -".into(), false),
            };
            let status = if over {
                Some(Status::Breach)
            } else {
                Some(Status::Compliant)
            };
            let bar = log_bar(s.kg_u, 10.0, hi, 30);
            let _ = writeln!(
                o,
                "  {}  {:>10}  {}  {}  {}",
                s.date,
                s.shown,
                p.status(status, &ratio),
                p.status(status, &format!("{bar:<30}")),
                p.dim(&s.source)
            );
        }
    }

    if !run.breakout.is_empty() {
        let _ = writeln!(
            o,
            "\n{}",
            p.bold("BREAKOUT TIME (1 SQ = 25 kg U-235 at 90 %, from each report's stocks and centrifuges)")
        );
        let _ = writeln!(o, "{}", p.dim("  as of        days   (p05–p95)          ≈               (log scale)                    stocks / machines from"));
        let hi = run.breakout.iter().map(|b| b.days).fold(2.0, f64::max);
        for b in &run.breakout {
            let st = if b.days < 30.0 {
                Some(Status::Breach)
            } else if b.days < 180.0 {
                Some(Status::Indeterminate)
            } else {
                Some(Status::Compliant)
            };
            let bar = log_bar(b.days, 1.0, hi, 30);
            let _ = writeln!(
                o,
                "  {}  {:>6.1}  ({:>6.1}–{:<6.1})  {:<13}  {}  {}",
                b.date,
                b.days,
                b.days_p05,
                b.days_p95,
                span(b.days),
                p.status(st, &format!("{bar:<30}")),
                p.dim(&breakout_basis(b))
            );
        }
        for line in skipped_lines(run) {
            let _ = writeln!(o, "  {}", p.dim(&line));
        }
    }

    let _ = writeln!(o, "\n{}", p.bold("SOURCES"));
    for (s, d) in &d.sources {
        match d {
            Some(d) => {
                let _ = writeln!(o, "  {s} ({d})");
            }
            None => {
                let _ = writeln!(o, "  {s}");
            }
        }
    }
    let _ = writeln!(
        o,
        "\n{}",
        p.dim("Every verdict with its figures and sources: verity assess --json. Formats: --format markdown|html|json.")
    );
    o
}

/// The reports without a breakout estimate, grouped by reason.
fn skipped_lines(run: &Run) -> Vec<String> {
    let mut by_reason: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for s in &run.breakout_skipped {
        by_reason
            .entry(s.reason.as_str())
            .or_default()
            .push(format!("{} ({})", s.source, s.date));
    }
    by_reason
        .into_iter()
        .map(|(reason, reports)| format!("no estimate, {reason}: {}", reports.join(", ")))
        .collect()
}

fn breakout_basis(b: &BreakoutPoint) -> String {
    let stocks: Vec<String> = b
        .stocks
        .iter()
        .map(|(pct, kg)| format!("{} kg @ {} %", fmt_num(*kg), fmt_num(*pct)))
        .collect();
    let machines: Vec<String> = b.machines.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let from = if b.machines_from == b.source {
        String::new()
    } else {
        format!(" (machines as of {})", b.machines_from)
    };
    format!(
        "{}; {}; {}{}",
        stocks.join(" + "),
        machines.join(" + "),
        b.source,
        from
    )
}

fn short(s: &str, n: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= n {
        s
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

// ------------------------------------------------------------------ markdown

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn markdown(d: &Data<'_>) -> String {
    let run = d.run;
    let mut o = String::new();
    let _ = writeln!(o, "# Compliance report — {}\n", run.agreement.title);
    let _ = writeln!(o, "{}\n", d.summary_line());
    let _ = writeln!(o, "Legend: {LEGEND}\n");
    for section in &d.parties {
        if section.rows.is_empty() && section.silent.is_empty() {
            continue;
        }
        let _ = writeln!(o, "## {}\n", section.name);
        if !section.rows.is_empty() {
            let _ = write!(o, "| obligation | citation |");
            for y in &d.years {
                let _ = write!(o, " {y} |");
            }
            let _ = writeln!(o, " now | first breach |");
            let _ = write!(o, "|---|---|");
            for _ in &d.years {
                let _ = write!(o, ":-:|");
            }
            let _ = writeln!(o, "---|---|");
            for r in &section.rows {
                let _ = write!(
                    o,
                    "| `{}` | {} |",
                    r.ob.id,
                    md_escape(&r.ob.cite.to_string())
                );
                for c in &r.cells {
                    let _ = write!(o, " {} |", symbol(*c));
                }
                let _ = writeln!(
                    o,
                    " {} | {} |",
                    label(r.now()),
                    md_escape(&first_breach_text(r))
                );
            }
            o.push('\n');
        }
        if !section.silent.is_empty() {
            let ids: Vec<String> = section
                .silent
                .iter()
                .map(|o| format!("`{}`", o.id))
                .collect();
            let _ = writeln!(
                o,
                "In force with no evidence in the record: {}.\n",
                ids.join(", ")
            );
        }
    }
    if !d.stock.is_empty() {
        let _ = writeln!(o, "## Enriched-uranium stock against its limit\n");
        if let Some((l, ob)) = d.stock_limit {
            let _ = writeln!(
                o,
                "Limit: {} kg U (`{}`, {}).\n",
                fmt_num(l),
                ob.id,
                ob.cite
            );
        }
        let _ = writeln!(
            o,
            "| as of | kg U | × limit | ≤ 5 % | 20 % | 60 % | source |\n|---|--:|--:|--:|--:|--:|---|"
        );
        let opt = |v: Option<f64>| v.map_or(String::new(), fmt_num);
        for s in &d.stock {
            let ratio = d.stock_limit.map_or(String::new(), |(l, _)| {
                format!("{}{:.1}", bound_prefix(&s.shown), s.kg_u / l)
            });
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                s.date,
                s.shown,
                ratio,
                opt(s.le_5pct),
                opt(s.u20pct),
                opt(s.u60pct),
                md_escape(&s.source)
            );
        }
        o.push('\n');
    }
    if !run.breakout.is_empty() {
        let _ = writeln!(
            o,
            "## Breakout time\n\nDays to make 1 SQ (25 kg U-235 at 90 %) from each report's stocks and centrifuges; Monte Carlo 5th–95th percentile over machine performance and stock figures.\n"
        );
        let _ = writeln!(
            o,
            "| as of | days | p05–p95 | ≈ | basis |\n|---|--:|--:|---|---|"
        );
        for b in &run.breakout {
            let _ = writeln!(
                o,
                "| {} | {:.1} | {:.1}–{:.1} | {} | {} |",
                b.date,
                b.days,
                b.days_p05,
                b.days_p95,
                span(b.days),
                md_escape(&breakout_basis(b))
            );
        }
        o.push('\n');
        for line in skipped_lines(run) {
            let _ = writeln!(o, "- {}", md_escape(&line));
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Sources\n");
    for (s, d) in &d.sources {
        match d {
            Some(d) => {
                let _ = writeln!(o, "- {} ({d})", md_escape(s));
            }
            None => {
                let _ = writeln!(o, "- {}", md_escape(s));
            }
        }
    }
    o
}

// ------------------------------------------------------------------ html

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn css_class(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Compliant) => "ok",
        Some(Status::Breach) => "breach",
        Some(Status::Indeterminate) => "indet",
        Some(Status::CannotVerify) => "cv",
        Some(Status::NoEvidence) => "ne",
        None => "off",
    }
}

/// Days since 1970-01-01, for plotting dates on a linear axis.
fn day_number(d: Date) -> f64 {
    let epoch = Date::constant(1970, 1, 1);
    (d - epoch).get_days() as f64
}

/// One line of a plot: label, colour, points.
type Series<'p> = (&'p str, &'p str, Vec<(Date, f64)>);

/// A plot of one or more series on a log-y, date-x axis, as inline SVG.
struct Plot<'p> {
    title: &'p str,
    y_label: &'p str,
    series: Vec<Series<'p>>,
    /// (low, high) band under the first series.
    band: Vec<(Date, f64, f64)>,
    /// A horizontal line: (value, label).
    hline: Option<(f64, String)>,
}

impl Plot<'_> {
    fn svg(&self) -> String {
        let (w, h, ml, mr, mt, mb) = (760.0, 300.0, 64.0, 16.0, 28.0, 36.0);
        let all_x: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.2.iter().map(|(d, _)| day_number(*d)))
            .chain(self.band.iter().map(|(d, _, _)| day_number(*d)))
            .collect();
        let all_y: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.2.iter().map(|(_, v)| *v))
            .chain(self.band.iter().flat_map(|(_, a, b)| [*a, *b]))
            .chain(self.hline.iter().map(|(v, _)| *v))
            .filter(|v| *v > 0.0)
            .collect();
        if all_x.is_empty() || all_y.is_empty() {
            return String::new();
        }
        let (x0, x1) = all_x
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
        let (x0, x1) = (x0 - 30.0, x1 + 30.0);
        let ymin = all_y.iter().copied().fold(f64::MAX, f64::min);
        let ymax = all_y.iter().copied().fold(f64::MIN, f64::max);
        let (l0, l1) = (
            ymin.log10().floor(),
            ymax.log10().ceil().max(ymin.log10().floor() + 1.0),
        );
        let px = |x: f64| ml + (x - x0) / (x1 - x0) * (w - ml - mr);
        let py = |y: f64| mt + (1.0 - (y.max(1e-9).log10() - l0) / (l1 - l0)) * (h - mt - mb);
        let mut s = String::new();
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{t}"><title>{t}</title><text x="{ml}" y="18" class="pt">{t}</text>"##,
            t = esc(self.title)
        );
        // Decades.
        let mut e = l0;
        while e <= l1 {
            let y = py(10f64.powf(e));
            let _ = write!(
                s,
                r##"<line x1="{ml}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{}" y="{:.1}" class="ax" text-anchor="end">{}</text>"##,
                w - mr,
                ml - 6.0,
                y + 4.0,
                fmt_num(10f64.powf(e))
            );
            e += 1.0;
        }
        // Years.
        let dates = self
            .series
            .iter()
            .flat_map(|s| s.2.iter().map(|(d, _)| *d))
            .chain(self.band.iter().map(|(d, _, _)| *d));
        let first_year = dates.clone().min().map_or(2015, |d| d.year());
        let last_year = dates.max().map_or(2026, |d| d.year() + 1);
        for y in first_year..=last_year {
            let Ok(d) = Date::new(y, 1, 1) else { continue };
            let x = day_number(d);
            if x < x0 || x > x1 {
                continue;
            }
            let _ = write!(
                s,
                r##"<line x1="{0:.1}" x2="{0:.1}" y1="{mt}" y2="{1}" class="grid"/><text x="{0:.1}" y="{2}" class="ax" text-anchor="middle">{y}</text>"##,
                px(x),
                h - mb,
                h - mb + 16.0
            );
        }
        let _ = write!(
            s,
            r##"<text x="14" y="{:.1}" class="ax" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"##,
            (h - mb + mt) / 2.0,
            (h - mb + mt) / 2.0,
            esc(self.y_label)
        );
        if !self.band.is_empty() {
            let mut pts: Vec<String> = self
                .band
                .iter()
                .map(|(d, _, hi)| format!("{:.1},{:.1}", px(day_number(*d)), py(*hi)))
                .collect();
            pts.extend(
                self.band
                    .iter()
                    .rev()
                    .map(|(d, lo, _)| format!("{:.1},{:.1}", px(day_number(*d)), py(*lo))),
            );
            let _ = write!(s, r##"<polygon points="{}" class="band"/>"##, pts.join(" "));
        }
        if let Some((v, label)) = &self.hline {
            let y = py(*v);
            let _ = write!(
                s,
                r##"<line x1="{ml}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="limit"/><text x="{}" y="{:.1}" class="lim" text-anchor="end">{}</text>"##,
                w - mr,
                w - mr - 4.0,
                y - 5.0,
                esc(label)
            );
        }
        for (i, (label, colour, pts)) in self.series.iter().enumerate() {
            let path: Vec<String> = pts
                .iter()
                .map(|(d, v)| format!("{:.1},{:.1}", px(day_number(*d)), py(*v)))
                .collect();
            let _ = write!(
                s,
                r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"##,
                path.join(" ")
            );
            for (d, v) in pts {
                let _ = write!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{} {}: {}</title></circle>"##,
                    px(day_number(*d)),
                    py(*v),
                    d,
                    esc(label),
                    fmt_num(*v)
                );
            }
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="10" height="10" fill="{colour}"/><text x="{}" y="{}" class="ax">{}</text>"##,
                ml + 10.0 + 170.0 * i as f64,
                mt + 6.0,
                ml + 24.0 + 170.0 * i as f64,
                mt + 15.0,
                esc(label)
            );
        }
        s.push_str("</svg>");
        s
    }
}

const CSS: &str = "
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#1d2330}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccd}
table{border-collapse:collapse;margin:.5em 0;font-size:13px}th,td{border:1px solid #dde;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f4f8}td.c{text-align:center;width:2.6em;font-weight:bold}
.ok{background:#dff3e4;color:#17612e}.breach{background:#fbdcdc;color:#9d1c1c}.indet{background:#fff1c9;color:#7a5a00}
.cv{background:#ecdff7;color:#5c2a85}.ne{background:#f4f4f6;color:#888}.off{background:#fff}
.cite{color:#556;font-size:12px}.muted{color:#667}
svg{width:100%;max-width:760px;height:auto;display:block;margin:1em 0;font:11px system-ui,sans-serif}
.grid{stroke:#e4e6ee}.ax{fill:#556}.pt{font-weight:bold;fill:#1d2330;font-size:13px}
.limit{stroke:#c62828;stroke-dasharray:6 4;stroke-width:1.5}.lim{fill:#c62828}.band{fill:#90caf9;opacity:.45}
";

fn html(d: &Data<'_>) -> String {
    let run = d.run;
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Compliance report — {}</title><style>{CSS}</style></head><body>\n",
        esc(&run.agreement.id)
    );
    let _ = writeln!(
        o,
        "<h1>Compliance report — {}</h1>",
        esc(&run.agreement.title)
    );
    let _ = writeln!(o, "<p>{}</p>", esc(&d.summary_line()));
    let mut toc: Vec<String> = d
        .parties
        .iter()
        .filter(|p| !p.rows.is_empty())
        .map(|p| format!("<a href=\"#party-{}\">{}</a>", esc(&p.id), esc(&p.name)))
        .collect();
    if !d.stock.is_empty() {
        toc.push("<a href=\"#stock\">Stock</a>".into());
    }
    if !run.breakout.is_empty() {
        toc.push("<a href=\"#breakout\">Breakout</a>".into());
    }
    toc.push("<a href=\"#sources\">Sources</a>".into());
    let _ = writeln!(o, "<nav>{}</nav>", toc.join(" · "));
    let _ = writeln!(
        o,
        "<p class=\"muted\">Each cell is the most severe verdict of the year: <span class=\"ok\">✔ compliant</span> <span class=\"breach\">✖ breach</span> <span class=\"indet\">~ indeterminate</span> <span class=\"cv\">? cannot be verified</span> <span class=\"ne\">· no evidence</span>; blank: not in force. Hover a cell for the step function.</p>"
    );
    for section in &d.parties {
        if section.rows.is_empty() && section.silent.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "<h2 id=\"party-{}\">{}</h2>",
            esc(&section.id),
            esc(&section.name)
        );
        if !section.rows.is_empty() {
            let _ = write!(o, "<table><tr><th>obligation</th>");
            for y in &d.years {
                let _ = write!(o, "<th>{y}</th>");
            }
            let _ = writeln!(o, "<th>now</th><th>first breach</th></tr>");
            for r in &section.rows {
                let steps: Vec<String> = r
                    .steps
                    .iter()
                    .map(|s| format!("from {}: {}", s.from, label(s.status)))
                    .collect();
                let _ = write!(
                    o,
                    "<tr><td><code>{}</code><div class=\"cite\">{} — {}</div></td>",
                    esc(&r.ob.id),
                    esc(&r.ob.cite.to_string()),
                    esc(&short(&r.ob.text, 140))
                );
                for (i, c) in r.cells.iter().enumerate() {
                    let _ = write!(
                        o,
                        "<td class=\"c {}\" title=\"{} {}: {}\">{}</td>",
                        css_class(*c),
                        d.years[i],
                        esc(&r.ob.id),
                        esc(&steps.join("; ")),
                        symbol(*c)
                    );
                }
                let _ = writeln!(
                    o,
                    "<td class=\"{}\">{}</td><td>{}</td></tr>",
                    css_class(Some(r.now())),
                    label(r.now()),
                    esc(&first_breach_text(r))
                );
            }
            let _ = writeln!(o, "</table>");
        }
        if !section.silent.is_empty() {
            let ids: Vec<String> = section
                .silent
                .iter()
                .map(|o| format!("<code>{}</code>", esc(&o.id)))
                .collect();
            let _ = writeln!(
                o,
                "<p class=\"muted\">In force with no evidence in the record: {}.</p>",
                ids.join(", ")
            );
        }
    }
    if !d.stock.is_empty() {
        let _ = writeln!(
            o,
            "<h2 id=\"stock\">Enriched-uranium stock against its limit</h2>"
        );
        let limit = d
            .stock_limit
            .map(|(l, ob)| (l, format!("limit {} kg U ({})", fmt_num(l), ob.cite)));
        let band_series = |f: fn(&StockPoint) -> Option<f64>| -> Vec<(Date, f64)> {
            d.stock
                .iter()
                .filter_map(|s| f(s).filter(|v| *v > 0.0).map(|v| (s.date, v)))
                .collect()
        };
        let plot = Plot {
            title: "Enriched uranium stock (kg U, log scale)",
            y_label: "kg U",
            series: vec![
                (
                    "total",
                    "#1565c0",
                    d.stock.iter().map(|s| (s.date, s.kg_u)).collect(),
                ),
                ("up to 20 %", "#ef6c00", band_series(|s| s.u20pct)),
                ("up to 60 %", "#b71c1c", band_series(|s| s.u60pct)),
            ]
            .into_iter()
            .filter(|s| !s.2.is_empty())
            .collect(),
            band: Vec::new(),
            hline: limit.clone(),
        };
        o.push_str(&plot.svg());
        let _ = writeln!(
            o,
            "<table><tr><th>as of</th><th>kg U</th><th>× limit</th><th>≤ 5 %</th><th>20 %</th><th>60 %</th><th>source</th></tr>"
        );
        let opt = |v: Option<f64>| v.map_or(String::new(), fmt_num);
        for s in &d.stock {
            let (ratio, cls) = match &limit {
                Some((l, _)) => (
                    format!("{}{:.1}", bound_prefix(&s.shown), s.kg_u / l),
                    if s.kg_u > l * 1.0005 || s.shown.starts_with('>') {
                        "breach"
                    } else {
                        "ok"
                    },
                ),
                None => (String::new(), "ne"),
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td class=\"{cls}\">{ratio}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                s.date,
                esc(&s.shown),
                opt(s.le_5pct),
                opt(s.u20pct),
                opt(s.u60pct),
                esc(&s.source)
            );
        }
        let _ = writeln!(o, "</table>");
    }
    if !run.breakout.is_empty() {
        let _ = writeln!(
            o,
            "<h2>Breakout time</h2><p>Days to make one significant quantity (25 kg U-235 at 90 %) from each report's stocks and centrifuges, least-SWU plan with natural uranium available and 0.3 % tails; shaded: Monte Carlo 5th–95th percentile over machine performance and stock figures.</p>"
        );
        let plot = Plot {
            title: "Breakout time (days, log scale)",
            y_label: "days",
            series: vec![(
                "days",
                "#1565c0",
                run.breakout.iter().map(|b| (b.date, b.days)).collect(),
            )],
            band: run
                .breakout
                .iter()
                .map(|b| (b.date, b.days_p05, b.days_p95))
                .collect(),
            hline: Some((365.25, "one year".into())),
        };
        o.push_str(&plot.svg());
        let _ = writeln!(
            o,
            "<table><tr><th>as of</th><th>days</th><th>p05–p95</th><th>≈</th><th>basis</th></tr>"
        );
        for b in &run.breakout {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{:.1}</td><td>{:.1}–{:.1}</td><td>{}</td><td>{}</td></tr>",
                b.date,
                b.days,
                b.days_p05,
                b.days_p95,
                span(b.days),
                esc(&breakout_basis(b))
            );
        }
        let _ = writeln!(o, "</table>");
        for line in skipped_lines(run) {
            let _ = writeln!(o, "<p class=\"muted\">{}</p>", esc(&line));
        }
    }
    let _ = writeln!(o, "<h2 id=\"sources\">Sources</h2><ul>");
    for (s, d) in &d.sources {
        let _ = writeln!(
            o,
            "<li>{}{}</li>",
            esc(s),
            d.map_or(String::new(), |d| format!(" ({d})"))
        );
    }
    let _ = writeln!(
        o,
        "</ul><p class=\"muted\">Generated by Verity from the agreement file and the evidence record; every verdict with its figures and sources: <code>verity assess --json</code>.</p></body></html>"
    );
    o
}

// ------------------------------------------------------------------ json

#[derive(Serialize)]
struct ReportJson<'a> {
    agreement: &'a str,
    sigma_k: f64,
    verdicts: &'a [Verdict],
    first_breach: BTreeMap<String, Date>,
    steps: &'a BTreeMap<String, Vec<Step>>,
    stockpile: &'a [StockPoint],
    stock_limit_kg_u: Option<f64>,
    breakout: &'a [BreakoutPoint],
    sources: Vec<&'a str>,
}

fn json<'a>(d: &'a Data<'a>) -> ReportJson<'a> {
    let sources: BTreeSet<&str> = d.sources.keys().map(String::as_str).collect();
    ReportJson {
        agreement: &d.run.agreement.id,
        sigma_k: d.run.options.sigma_k,
        verdicts: &d.run.assessment.verdicts,
        first_breach: d.run.assessment.first_breaches(),
        steps: &d.steps,
        stockpile: &d.stock,
        stock_limit_kg_u: d.stock_limit.map(|(l, _)| l),
        breakout: &d.run.breakout,
        sources: sources.into_iter().collect(),
    }
}
