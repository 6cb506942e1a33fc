//! `verity deal`: the negotiation workbench — proposals, their breakout over a deal's
//! life, and a search of the deal space. All answers come from `verity_app::deals`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use verity_app::deals::{self, EvaluateRequest, SearchRequest, SqIn};
use verity_deal::search::{self as dsearch, Point};

use super::assess::{emit, emit_json, load_evidence};
use super::{CliError, CmdResult, open_existing};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The shipped proposals, the named starting states and the search axes.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One proposal's terms, each with its years and source.
    Show {
        /// A shipped proposal (verity deal list).
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Breakout for every year of a proposal's life, sneakout, and the verification it
    /// provides.
    Evaluate(EvaluateArgs),
    /// Sweep the deal space for the limits that keep breakout above a target.
    Search(SearchArgs),
}

/// A starting state given in full, instead of a record date or a named state.
#[derive(Debug, Default, clap::Args)]
pub struct Given {
    /// A stock at the start, percent U-235 and kg U, e.g. `60:440.9`; with --machines
    /// it replaces the record's state (--from is then its date). Repeatable.
    #[arg(long = "stock", value_name = "PCT:KG_U")]
    pub stocks: Vec<String>,
    /// Machines at the start, TYPE[@SITE]:ENRICHING[/INSTALLED], e.g.
    /// `IR-6@fordow:1044/1392` (sites: natanz_fep, natanz_pfep, fordow). Repeatable.
    #[arg(long = "machines", value_name = "TYPE[@SITE]:N[/INSTALLED]")]
    pub machines: Vec<String>,
}

impl Given {
    fn request(&self) -> Result<Option<deals::GivenStart>, CliError> {
        if self.stocks.is_empty() && self.machines.is_empty() {
            return Ok(None);
        }
        let mut g = deals::GivenStart::default();
        for s in &self.stocks {
            let st = super::breakout::parse_stock(s)?;
            g.stocks.push(deals::GivenStock {
                assay_pct: st.assay_pct,
                kg_u: st.kg_u,
            });
        }
        for m in &self.machines {
            let syntax = "expected TYPE[@SITE]:ENRICHING[/INSTALLED] (e.g. IR-6@fordow:1044/1392)";
            let (head, counts) = m
                .rsplit_once(':')
                .ok_or_else(|| CliError::bad_input(format!("--machines {m}: {syntax}")))?;
            let (machine, site) = match head.split_once('@') {
                Some((t, s)) => (t, Some(s.to_owned())),
                None => (head, None),
            };
            let (enriching, installed) = match counts.split_once('/') {
                Some((e, i)) => (e, Some(i)),
                None => (counts, None),
            };
            let whole = |what: &str, v: &str| {
                v.trim().parse::<u32>().map_err(|_| {
                    CliError::bad_input(format!(
                        "--machines {m}: {what} `{v}` is not a whole number ≥ 0"
                    ))
                })
            };
            g.machines.push(deals::GivenMachines {
                machine: machine.to_owned(),
                site,
                enriching: whole("ENRICHING", enriching)?,
                installed: installed.map(|i| whole("INSTALLED", i)).transpose()?,
            });
        }
        Ok(Some(g))
    }

    /// The flag a request field under `start` comes from, with the text given.
    fn flag(&self, field: &str) -> Option<String> {
        let index = |prefix: &str| -> Option<usize> {
            field.strip_prefix(prefix)?.split(']').next()?.parse().ok()
        };
        if let Some(i) = index("start.stocks[") {
            return self.stocks.get(i).map(|s| format!("--stock {s}"));
        }
        if let Some(i) = index("start.machines[") {
            return self.machines.get(i).map(|m| format!("--machines {m}"));
        }
        (field == "start").then(|| "--stock/--machines".to_owned())
    }
}

/// Where the record comes from.
#[derive(Debug, clap::Args)]
pub struct Record {
    /// Evidence files for the starting state; default: the shipped record.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub evidence: Vec<PathBuf>,
    /// Read the record from this store instead.
    #[arg(long, value_name = "LOCATION", conflicts_with = "evidence")]
    pub db: Option<String>,
}

impl Record {
    fn load(&self) -> Result<verity_evidence::EvidenceSet, CliError> {
        match &self.db {
            Some(db) => Ok(verity_app::record::load(&open_existing(db)?)?),
            None => load_evidence(&self.evidence),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// A proposal file (TOML, docs/proposal-format.md).
    #[arg(
        value_name = "FILE",
        required_unless_present = "proposal",
        conflicts_with = "proposal"
    )]
    pub file: Option<PathBuf>,
    /// A shipped proposal (verity deal list).
    #[arg(long, value_name = "NAME")]
    pub proposal: Option<String>,
    /// The starting state: a date (the record's state at the last report on or before
    /// it) or a named state (pre-deal-2015); default: the proposal's.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Monte Carlo samples per year.
    #[arg(long, default_value_t = deals::defaults::EVALUATE_SAMPLES)]
    pub samples: usize,
    #[arg(long, default_value_t = deals::defaults::SEED)]
    pub seed: u64,
    /// One significant quantity: iaea (25 kg U-235) or wgu (25 kg of 90 %).
    #[arg(long, value_enum, default_value = "iaea")]
    pub sq_definition: Sq,
    /// Machines a month reinstalled from storage in a breakout, instead of the
    /// proposal's own rate.
    #[arg(long, value_name = "N")]
    pub reinstall_per_month: Option<f64>,
    #[command(flatten)]
    pub given: Given,
    #[command(flatten)]
    pub record: Record,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Sq {
    Iaea,
    Wgu,
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// The base proposal: terms not swept keep its values.
    #[arg(long, value_name = "PROPOSAL", default_value = deals::defaults::BASE)]
    pub base: String,
    /// An axis to sweep, NAME=LO..HI[:STEPS] (STEPS values, both ends included; default
    /// 5). Names: ir1, ir2m, ir4, ir6 (machines enriching), stock_kg_u, enrichment_pct,
    /// stored, reinstall_per_month, start_year (the starting report: the record at its
    /// last report on or before that decimal year). Repeat for more axes.
    #[arg(long = "axis", value_name = "NAME=LO..HI[:STEPS]", required = true)]
    pub axes: Vec<String>,
    /// The breakout target, days.
    #[arg(long, default_value_t = deals::policy::TARGET_DAYS)]
    pub target_days: f64,
    /// The probability a point must meet the target with.
    #[arg(long, default_value_t = deals::policy::CONFIDENCE)]
    pub confidence: f64,
    /// The starting state (as for evaluate); default: the base proposal's.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Monte Carlo samples per point.
    #[arg(long, default_value_t = deals::defaults::SEARCH_SAMPLES)]
    pub samples: usize,
    #[arg(long, default_value_t = deals::defaults::SEED)]
    pub seed: u64,
    /// Write the points as CSV to this file as well.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Record finished points in this file as they finish; run the same search with the
    /// same file to resume where it stopped.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Stop after evaluating this many new points (the answer is then partial; resume
    /// with --checkpoint).
    #[arg(long, value_name = "N")]
    pub stop_after: Option<usize>,
    #[command(flatten)]
    pub given: Given,
    #[command(flatten)]
    pub record: Record,
    #[arg(long)]
    pub json: bool,
}

pub fn run(c: Command) -> CmdResult {
    match c {
        Command::List { json } => list(json),
        Command::Show { name, json } => show(&name, json),
        Command::Evaluate(a) => evaluate(a),
        Command::Search(a) => search(a),
    }
}

fn list(json: bool) -> CmdResult {
    let doc = deals::list()?;
    if json {
        emit_json(&doc)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut o = String::new();
    let _ = writeln!(o, "Proposals:");
    for p in &doc.proposals {
        let _ = writeln!(
            o,
            "  {:<18} {:<12} {:>3} {:<5}  {}",
            p.id,
            p.status,
            p.duration_years,
            if p.duration_years == 1 {
                "year"
            } else {
                "years"
            },
            p.title
        );
    }
    let _ = writeln!(
        o,
        "\nStarting states (besides a record date, --from YYYY-MM-DD):"
    );
    for s in &doc.start_states {
        let _ = writeln!(o, "  {:<18} {}", s.name, s.title);
    }
    let _ = writeln!(o, "\nSearch axes (--axis NAME=LO..HI[:STEPS]):");
    for a in &doc.axes {
        let _ = writeln!(o, "  {:<20} {}", a.name, a.meaning);
    }
    emit(o.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

fn show(name: &str, json: bool) -> CmdResult {
    let doc = deals::show(name)?;
    if json {
        emit_json(&doc)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut o = String::new();
    let _ = writeln!(o, "{} — {} ({})", doc.id, doc.title, doc.status);
    if doc.status == "reported" {
        let _ = writeln!(
            o,
            "As publicly reported, not an official text: each term names its report."
        );
    }
    let _ = writeln!(o, "Source: {}", doc.source);
    if let Some(s) = &doc.summary {
        let _ = writeln!(o, "{s}");
    }
    let _ = writeln!(
        o,
        "Life: {} years; default start: {}",
        doc.duration_years,
        doc.from.as_deref().unwrap_or("none")
    );
    let _ = writeln!(o, "\nTerms:");
    for t in &doc.terms {
        let years = match t.until_year {
            Some(u) => format!("years {}–{}", t.from_year, u),
            None => format!("from year {}", t.from_year),
        };
        let _ = writeln!(o, "  {:<16} {}  ({years})", t.term, t.what);
        let _ = writeln!(o, "  {:<16} source: {}", "", t.source);
    }
    let _ = writeln!(
        o,
        "\nReinstallation: {} machines/month in a breakout, {} after the machine limits lapse ({})",
        doc.reinstall_per_month, doc.after_lapse_per_month, doc.reinstall_source
    );
    let _ = writeln!(
        o,
        "Sneakout plant: {} ({})",
        doc.sneakout, doc.sneakout_source
    );
    emit(o.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> Result<String, CliError> {
    verity_app::text::read_file(path).map_err(CliError::bad_input)
}

fn days(d: Option<f64>) -> String {
    d.map_or_else(|| "none".into(), |d| format!("{d:.0}"))
}

fn evaluate(a: EvaluateArgs) -> CmdResult {
    let evidence = a.record.load()?;
    let (toml, file) = match &a.file {
        Some(p) => (Some(read(p)?), Some(p.display().to_string())),
        None => (None, None),
    };
    let req = EvaluateRequest {
        proposal: a.proposal.clone(),
        proposal_toml: toml,
        from: a.from.clone(),
        samples: Some(a.samples),
        seed: Some(a.seed),
        sq_definition: Some(match a.sq_definition {
            Sq::Iaea => SqIn::Iaea,
            Sq::Wgu => SqIn::Wgu,
        }),
        reinstall_per_month: a.reinstall_per_month,
        start: a.given.request()?,
    };
    let doc = deals::evaluate(&req, file.as_deref(), &evidence, &deals::Limits::CLI)
        .map_err(|e| CliError::from_app(e, |f| a.given.flag(f)))?;
    if a.json {
        emit_json(&doc)?;
        return Ok(ExitCode::SUCCESS);
    }
    let e = &doc.evaluation;
    let mut o = String::new();
    let _ = writeln!(o, "{} — {} ({})", e.proposal, e.title, e.status);
    // A named state's name is its own description; a record date names the report.
    if doc.from == e.start.name {
        let _ = writeln!(o, "From: {} ({})", e.start.name, e.start.date);
    } else {
        let _ = writeln!(o, "From: {} ({}, {})", doc.from, e.start.name, e.start.date);
    }
    let _ = writeln!(
        o,
        "\n{:>4}  {:<10}  {:>8}  {:>15}  {:>10}  {:>9}  route",
        "year", "date", "days", "5–95 %", "kg-SWU/yr", "sneakout"
    );
    for y in &e.years {
        let _ = writeln!(
            o,
            "{:>4}  {:<10}  {:>8}  {:>15}  {:>10.0}  {:>9}  {}{}",
            y.year,
            y.date,
            days(y.days),
            format!("{}–{}", days(y.days_p05), days(y.days_p95)),
            y.capacity_swu_per_year,
            days(y.sneakout_days),
            y.route,
            if y.state.lapsed.is_empty() {
                String::new()
            } else {
                format!("  (lapsed: {})", y.state.lapsed.join("; "))
            }
        );
    }
    let shortest = match (e.min_days, e.min_year) {
        (Some(d), Some(y)) => format!("{d:.0} days (year {y})"),
        // No machine enriching and none to reinstall in any year.
        _ => "none at the declared plants in any year".to_owned(),
    };
    let sneakout = e
        .sneakout_days
        .map_or_else(|| "none".to_owned(), |d| format!("{d:.0} days"));
    let _ = writeln!(
        o,
        "\nShortest breakout: {shortest}; sneakout: {sneakout} ({} {} covert plant).",
        e.sneakout.count, e.sneakout.machine
    );
    let _ = writeln!(o, "\nVerification:");
    for v in &e.verification {
        let _ = writeln!(o, "  {}", v.text);
        // The terms that provide each measure, with their sources.
        for d in &v.detected_by {
            let _ = writeln!(o, "      by {d}");
        }
    }
    for n in &e.start.notes {
        let _ = writeln!(o, "Note: {n}");
    }
    let _ = writeln!(o, "\nMethod: {}", doc.method);
    emit(o.trim_end())?;
    Ok(ExitCode::SUCCESS)
}

/// A checkpoint's first line: the search it belongs to.
fn fingerprint(prep: &deals::Prepared) -> String {
    let axes: Vec<String> = prep
        .axes()
        .iter()
        .map(|a| format!("{}={}..{}:{}", a.name.as_str(), a.lo, a.hi, a.steps))
        .collect();
    // A given start is its figures: two searches from different ones must not mix.
    let figures: Vec<String> = prep
        .start
        .stocks
        .iter()
        .map(|s| format!("{}:{}", s.assay_pct, s.kg_u))
        .chain(prep.start.machines.iter().map(|m| {
            format!(
                "{}@{}:{}/{}",
                m.machine.as_str(),
                m.site.map_or("-", |s| s.as_str()),
                m.enriching,
                m.installed
            )
        }))
        .collect();
    let starts: Vec<&str> = prep.starts.iter().map(|(_, s)| s.name.as_str()).collect();
    format!(
        "verity deal search v1 base={} from={} start={}[{}]{} target={} confidence={} samples={} seed={} axes={}",
        prep.base.id,
        prep.from,
        prep.start.name,
        figures.join(","),
        if starts.is_empty() {
            String::new()
        } else {
            format!(" starts={}", starts.join(","))
        },
        prep.plan.target_days,
        prep.plan.confidence,
        prep.plan.samples,
        prep.plan.seed,
        axes.join(",")
    )
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Done {
    i: usize,
    days: Option<f64>,
    p: f64,
}

fn load_checkpoint(
    path: &Path,
    prep: &deals::Prepared,
) -> Result<BTreeMap<usize, Point>, CliError> {
    let mut done = BTreeMap::new();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
        Err(e) => {
            return Err(CliError::bad_input(format!(
                "{}: cannot read the checkpoint: {e}",
                path.display()
            )));
        }
    };
    let grid = prep.grid();
    let want = fingerprint(prep);
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line =
            line.map_err(|e| CliError::bad_input(format!("{}:{}: {e}", path.display(), n + 1)))?;
        if n == 0 {
            if line != want {
                return Err(CliError::bad_input(format!(
                    "{}:1: the checkpoint is of another search ({line}); remove it or give another file",
                    path.display()
                )));
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        // A line cut short by a stop mid-write is the only one that may be bad: the last.
        let Ok(d) = serde_json::from_str::<Done>(&line) else {
            return Err(CliError::bad_input(format!(
                "{}:{}: not a finished point (expected {{\"i\":…,\"days\":…,\"p\":…}}); remove the line to resume",
                path.display(),
                n + 1
            )));
        };
        let Some(values) = grid.get(d.i) else {
            return Err(CliError::bad_input(format!(
                "{}:{}: point {} is not on this search's grid of {}",
                path.display(),
                n + 1,
                d.i,
                grid.len()
            )));
        };
        done.insert(d.i, dsearch::point(values, d.days, d.p));
    }
    Ok(done)
}

fn search(a: SearchArgs) -> CmdResult {
    let evidence = a.record.load()?;
    let req = SearchRequest {
        base: Some(a.base.clone()),
        axes: a.axes.iter().cloned().map(Into::into).collect(),
        target_days: Some(a.target_days),
        confidence: Some(a.confidence),
        from: a.from.clone(),
        samples: Some(a.samples),
        seed: Some(a.seed),
        start: a.given.request()?,
    };
    let flag = |f: &str| {
        if f == "axes" || f.starts_with("axes[") {
            Some("--axis".to_owned())
        } else {
            a.given.flag(f)
        }
    };
    let prep = deals::prepare(&req, &evidence, &deals::Limits::CLI)
        .map_err(|e| CliError::from_app(e, flag))?;
    let done = match &a.checkpoint {
        Some(p) => load_checkpoint(p, &prep)?,
        None => BTreeMap::new(),
    };
    let mut writer = match &a.checkpoint {
        Some(p) => {
            let fresh = done.is_empty();
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| {
                    CliError::bad_input(format!(
                        "{}: cannot write the checkpoint: {e}",
                        p.display()
                    ))
                })?;
            if fresh && f.metadata().map(|m| m.len() == 0).unwrap_or(true) {
                writeln!(f, "{}", fingerprint(&prep)).map_err(|e| CliError::Failed(e.into()))?;
            }
            Some(f)
        }
        None => None,
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(prep.total as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "deal points {pos}/{len} {bar:40} {eta} (stop any time; --checkpoint resumes)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_position(done.len() as u64);
        b
    });
    let mut new = 0usize;
    let mut write_err: Option<std::io::Error> = None;
    let doc = deals::run_search(&prep, &done, &mut |chunk| {
        if let Some(f) = writer.as_mut() {
            let mut buf = String::new();
            for (i, p) in chunk {
                let d = Done {
                    i: *i,
                    days: p.days,
                    p: p.p_meets_target,
                };
                if let Ok(line) = serde_json::to_string(&d) {
                    buf.push_str(&line);
                    buf.push('\n');
                }
            }
            if let Err(e) = f.write_all(buf.as_bytes()).and_then(|()| f.flush()) {
                write_err = Some(e);
                return false;
            }
        }
        new += chunk.len();
        if let Some(b) = &bar {
            b.inc(chunk.len() as u64);
        }
        a.stop_after.is_none_or(|n| new < n)
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(e) = write_err {
        return Err(CliError::Failed(anyhow::anyhow!(
            "writing the checkpoint: {e}"
        )));
    }
    if let Some(path) = &a.csv {
        verity_app::publish::write_atomically(path, doc.to_csv().as_bytes())
            .map_err(|e| CliError::Failed(anyhow::anyhow!("{}: {e}", path.display())))?;
    }
    if a.json {
        emit_json(&doc)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Search over {} points from {}, base {}: breakout ≥ {} days with probability ≥ {}{}",
        doc.points.len(),
        if doc.from == doc.start {
            doc.from.clone()
        } else {
            format!("{} ({})", doc.from, doc.start)
        },
        doc.base,
        doc.target_days,
        doc.confidence,
        if doc.complete {
            ""
        } else {
            " — partial: stopped before the end"
        }
    );
    let meets = doc
        .points
        .iter()
        .filter(|p| p.p_meets_target >= doc.confidence)
        .count();
    let _ = writeln!(o, "{meets} of {} points meet the target.", doc.points.len());
    let _ = writeln!(o, "\nFrontier (the most permissive points that meet it):");
    for f in &doc.frontier {
        let parts: Vec<String> = f.axes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let p = doc.points.iter().find(|p| p.axes == f.axes);
        let _ = writeln!(
            o,
            "  {}  ({} days, p = {:.2})",
            parts.join("  "),
            days(p.and_then(|p| p.days)),
            p.map_or(0.0, |p| p.p_meets_target)
        );
    }
    if doc.frontier.is_empty() {
        let _ = writeln!(o, "  none: no point meets the target");
    }
    let _ = writeln!(o, "\nMethod: {}", doc.method);
    emit(o.trim_end())?;
    Ok(ExitCode::SUCCESS)
}
