//! `verity evidence …`: import evidence files (all or nothing) and list evidence.
//!
//! Without `--db`, `import` checks the files and reports what would be stored, and
//! `list` shows the record shipped inside the binary.

use std::path::PathBuf;
use std::process::ExitCode;

use verity_app::record::{self, Signer, Upload};
use verity_evidence::{EvidenceSet, Input, fmt_num};

use super::assess::{emit, emit_json as print_json, read_files};
use super::{CliError, CmdResult};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate evidence files (CSV or JSON, see docs/evidence-format.md) together and
    /// store all of their records, or none: every problem is listed with its file, line
    /// and column (exit 2).
    Import {
        /// The files; their records are checked together (duplicates across files too).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The store to import into (a file path, `sqlite://PATH` or `postgres://…`;
        /// created if new). Without it the files are only checked.
        #[arg(long, value_name = "LOCATION")]
        db: Option<String>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List evidence: the measurements, events and knowledge gaps, by date.
    List {
        /// The store to read (it must exist); default: the record shipped with Verity.
        #[arg(long, value_name = "LOCATION")]
        db: Option<String>,
        /// Only the figures of this report (its id, e.g. `GOV/2023/8`, or the name the
        /// record gives a report whose id is unconfirmed).
        #[arg(long, value_name = "ID")]
        report: Option<String>,
        /// Print the evidence as one JSON document in the import format.
        #[arg(long)]
        json: bool,
    },
    /// Cross-check the record: levels against totals, kg U against kg UF6, centrifuges
    /// by type against site totals, stock changes against production rates, dates and
    /// provenance. Exit 1 when a problem is found, naming every row involved.
    Check {
        /// The files to check together; default: the record shipped with Verity.
        #[arg(long, value_name = "FILE", num_args = 1..)]
        evidence: Vec<PathBuf>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// What the record stands on: figures by provenance grade, by report and by metric.
    Sources {
        /// The files to count; default: the record shipped with Verity.
        #[arg(long, value_name = "FILE", num_args = 1..)]
        evidence: Vec<PathBuf>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: Command) -> CmdResult {
    match command {
        Command::Import { files, db, json } => import(&files, db.as_deref(), json),
        Command::List { db, report, json } => list(db.as_deref(), report.as_deref(), json),
        Command::Check { evidence, json } => check(&evidence, json),
        Command::Sources { evidence, json } => sources(&evidence, json),
    }
}

/// Imports the files (or the shipped record) and checks every party against the JCPOA.
fn load(files: &[PathBuf]) -> Result<EvidenceSet, CliError> {
    let set = super::assess::load_evidence(files)?;
    check_parties(&set)?;
    Ok(set)
}

/// Every record names a party of the JCPOA (the agreement these commands read against).
fn check_parties(set: &EvidenceSet) -> Result<(), CliError> {
    let agreement = super::assess::load_agreement(None)?;
    Ok(verity_app::assess::check_parties(&agreement, set)?)
}

fn validate(files: &[PathBuf]) -> Result<(EvidenceSet, Vec<Upload>), CliError> {
    let uploads: Vec<Upload> = read_files(files)?
        .into_iter()
        .map(|(name, text)| Upload { name, text })
        .collect();
    let inputs: Vec<Input<'_>> = uploads
        .iter()
        .map(|u| Input::new(&u.name, &u.text))
        .collect();
    let set = verity_evidence::import(&inputs).map_err(CliError::bad_input)?;
    check_parties(&set)?;
    Ok((set, uploads))
}

fn check(files: &[PathBuf], json: bool) -> CmdResult {
    let set = load(files)?;
    let report = verity_evidence::check::check(&set);
    let code = if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if json {
        print_json(&serde_json::to_value(&report).map_err(|e| CliError::Failed(e.into()))?)?;
        return Ok(code);
    }
    use std::fmt::Write;
    let mut o = String::new();
    for p in &report.problems {
        let _ = writeln!(o, "{}: {}: {}", p.rows.join(", "), p.kind, p.message);
    }
    let n = report.problems.len();
    let _ = writeln!(
        o,
        "checked {} records: {}",
        report.checked,
        match n {
            0 => "no inconsistency found".to_owned(),
            1 => "1 problem".to_owned(),
            n => format!("{n} problems"),
        }
    );
    emit(&verity_app::text::lines(&o))?;
    Ok(code)
}

fn sources(files: &[PathBuf], json: bool) -> CmdResult {
    let set = load(files)?;
    let s = verity_evidence::sources::sources(&set);
    if json {
        print_json(&serde_json::to_value(&s).map_err(|e| CliError::Failed(e.into()))?)?;
        return Ok(ExitCode::SUCCESS);
    }
    use std::fmt::Write;
    let mut o = String::new();
    let pct = |n: usize| {
        if s.figures == 0 {
            0.0
        } else {
            100.0 * n as f64 / s.figures as f64
        }
    };
    let _ = writeln!(
        o,
        "{} figures from {} reports ({} rows state a figure not reported; {} disagreements recorded)",
        s.figures,
        s.reports.len(),
        s.not_reported,
        s.disagreements
    );
    let g = &s.grades;
    for (name, n) in [
        ("primary", g.primary),
        ("quoted", g.quoted),
        ("compiled", g.compiled),
        ("derived", g.derived),
        ("ungraded", s.ungraded),
    ] {
        let _ = writeln!(o, "  {name:<9} {n:>5}  {:>5.1} %", pct(n));
    }
    let _ = writeln!(
        o,
        "  primary or quoted with a confirmed report id: {} ({:.1} %)",
        s.primary_or_quoted_confirmed,
        pct(s.primary_or_quoted_confirmed)
    );
    let _ = writeln!(o, "\nREPORTS");
    let _ = writeln!(
        o,
        "  {:<28} {:<10} {:<9} {:>7} {:>12}  id",
        "report", "issued", "kind", "figures", "not reported"
    );
    for r in &s.reports {
        let _ = writeln!(
            o,
            "  {:<28} {:<10} {:<9} {:>7} {:>12}  {}",
            r.id,
            r.date.as_deref().unwrap_or("?"),
            r.kind.unwrap_or("-"),
            r.figures,
            r.not_reported,
            if r.id_confirmed {
                "confirmed"
            } else {
                "unconfirmed"
            }
        );
    }
    let _ = writeln!(o, "\nMETRICS");
    for m in &s.metrics {
        let _ = writeln!(
            o,
            "  {:<44} {:>5} figures {:>5} not reported",
            m.metric, m.figures, m.not_reported
        );
    }
    emit(&verity_app::text::lines(&o))?;
    Ok(ExitCode::SUCCESS)
}

fn import(files: &[PathBuf], db: Option<&str>, json: bool) -> CmdResult {
    let (set, uploads) = validate(files)?;
    let names: Vec<String> = uploads.iter().map(|u| u.name.clone()).collect();
    // The same import-and-log as the server's `POST /api/v1/evidence`; the key is the
    // one whose path the store's log records.
    let stored = match db {
        Some(db) => Some(record::import(
            &super::open_or_create(db)?,
            Signer::FromLog,
            &set,
            &uploads,
            None,
        )?),
        None => None,
    };
    if json {
        print_json(&serde_json::json!({
            "files": names,
            "measurements": set.measurements.len(),
            "events": set.events.len(),
            "knowledge": set.knowledge.len(),
            "reports": set.reports.len(),
            "disagreements": set.disagreements.len(),
            "stored": stored.is_some(),
            "import_id": stored.as_ref().map(|s| s.import_id),
            "log_index": stored.as_ref().and_then(|s| s.log_index),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut counts = format!(
        "{} measurements, {} events, {} knowledge gaps",
        set.measurements.len(),
        set.events.len(),
        set.knowledge.len()
    );
    if !set.reports.is_empty() || !set.disagreements.is_empty() {
        counts.push_str(&format!(
            ", {} reports, {} disagreements",
            set.reports.len(),
            set.disagreements.len()
        ));
    }
    match (db, stored) {
        (Some(db), Some(s)) => {
            println!(
                "imported {counts} from {} file(s) into {db} (import #{})",
                names.len(),
                s.import_id
            );
            match s.log_index {
                Some(i) => {
                    println!("signed evidence_import entry appended to the log at index {i}")
                }
                None => println!(
                    "no log in this database: nothing signed (run `verity log init` to keep one)"
                ),
            }
        }
        _ => println!(
            "checked {counts} in {} file(s): all valid; nothing stored (give --db PATH to store)",
            names.len()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn list(db: Option<&str>, report: Option<&str>, json: bool) -> CmdResult {
    let mut set = match db {
        Some(db) => record::load(&super::open_existing(db)?)?,
        None => verity_evidence::shipped::load().map_err(|e| {
            CliError::Failed(anyhow::anyhow!("the shipped record does not import:\n{e}"))
        })?,
    };
    if let Some(id) = report {
        let known = set.report(id).is_some()
            || set.measurements.iter().any(|m| m.source.report == id)
            || set.events.iter().any(|e| e.source.report == id)
            || set.knowledge.iter().any(|g| g.source.report == id);
        if !known {
            let mut ids: Vec<&str> = set.reports.iter().map(|r| r.id.as_str()).collect();
            if ids.is_empty() {
                ids = set
                    .measurements
                    .iter()
                    .map(|m| m.source.report.as_str())
                    .collect();
            }
            ids.dedup();
            return Err(CliError::bad_input(format!(
                "--report {id}: no such report in the record (known: {})",
                ids.join(", ")
            )));
        }
        set.measurements.retain(|m| m.source.report == id);
        set.events.retain(|e| e.source.report == id);
        set.knowledge.retain(|g| g.source.report == id);
        set.reports.retain(|r| r.id == id);
        set.disagreements.retain(|d| d.report == id);
    }
    if json {
        print_json(&verity_evidence::to_json(&set))?;
        return Ok(ExitCode::SUCCESS);
    }
    // Stored text may carry control characters: escaped before it reaches a terminal.
    emit(&verity_app::text::lines(&text(&set)))?;
    Ok(ExitCode::SUCCESS)
}

fn text(set: &EvidenceSet) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(o, "MEASUREMENTS ({})", set.measurements.len());
    let _ = writeln!(
        o,
        "  {:<10}  {:<6}  {:<36}  {:>12} {:<8}  {:<12}  {:<8}  source",
        "as of", "party", "metric", "value", "unit", "basis", "grade"
    );
    for m in &set.measurements {
        let value = if m.is_figure() {
            m.quantity.to_string()
        } else {
            "—".to_owned()
        };
        let _ = writeln!(
            o,
            "  {}  {:<6}  {:<36}  {:>12} {:<8}  {:<12}  {:<8}  {}",
            m.date,
            m.party,
            m.metric.id,
            value,
            m.metric.unit.as_str(),
            m.basis.as_str(),
            m.grade.map_or("-", |g| g.as_str()),
            m.source
        );
    }
    if !set.disagreements.is_empty() {
        let _ = writeln!(o, "\nDISAGREEMENTS ({})", set.disagreements.len());
        for d in &set.disagreements {
            let adopted = set
                .measurements
                .iter()
                .find(|m| m.key() == d.key())
                .map_or("?".to_owned(), |m| m.quantity.to_string());
            let _ = writeln!(
                o,
                "  {}  {:<6}  {:<36}  {} gives {} (adopted {adopted}) — {}",
                d.date,
                d.party,
                d.metric.id,
                d.report,
                d.quantity,
                d.via.join(" ; ")
            );
        }
    }
    if !set.reports.is_empty() {
        let _ = writeln!(o, "\nREPORTS ({})", set.reports.len());
        for r in &set.reports {
            let _ = writeln!(
                o,
                "  {}  {:<28} {:<9} id {}",
                r.date,
                r.id,
                r.kind.as_str(),
                if r.id_confirmed {
                    "confirmed"
                } else {
                    "unconfirmed"
                }
            );
        }
    }
    let _ = writeln!(o, "\nEVENTS ({})", set.events.len());
    for e in &set.events {
        let value = e
            .value
            .map_or(String::new(), |v| format!(" {}", fmt_num(v)));
        let _ = writeln!(
            o,
            "  {}  {:<6}  {}{value}  — {}",
            e.date, e.party, e.event.id, e.source
        );
    }
    let _ = writeln!(o, "\nKNOWLEDGE GAPS ({})", set.knowledge.len());
    for g in &set.knowledge {
        let until = g.until.map_or("(still lost)".to_owned(), |d| d.to_string());
        let _ = writeln!(
            o,
            "  {} – {}  {:<6}  scope {}  — {}",
            g.from, until, g.party, g.scope, g.source
        );
    }
    o
}
