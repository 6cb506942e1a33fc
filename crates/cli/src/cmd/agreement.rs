//! `verity agreement …`: check agreement files, show obligations and key days.
//!
//! Without FILE, `show` and `key-days` use the JCPOA shipped inside the binary. Key
//! days are resolved against the dated events the file itself records (`[[history]]`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use verity_agreement::Agreement;

use super::{CliError, CmdResult, print_json};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Parse and validate an agreement file; print a one-line summary, or the located
    /// problems (exit 2).
    Check {
        /// The agreement file (TOML, see docs/agreement-format.md).
        file: PathBuf,
    },
    /// List obligations, optionally only those in force on a date or binding a party.
    Show {
        /// The agreement file; default: the shipped JCPOA.
        file: Option<PathBuf>,
        /// Only obligations in force on this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// Only obligations binding this party (id or name; members match their
        /// groups' obligations, e.g. `france` matches E3/EU+3).
        #[arg(long, value_name = "NAME")]
        party: Option<String>,
        #[command(flatten)]
        record: RecordArgs,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The agreement's key days and the dates they resolve to.
    KeyDays {
        /// The agreement file; default: the shipped JCPOA.
        file: Option<PathBuf>,
        #[command(flatten)]
        record: RecordArgs,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// The record key days are resolved on (the dates of the events they wait for).
#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// Evidence files whose events resolve the key days; default: the shipped record.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub evidence: Vec<PathBuf>,
    /// Read the events from this store instead (it must exist).
    #[arg(long, value_name = "LOCATION", conflicts_with = "evidence")]
    pub db: Option<String>,
}

pub fn run(command: Command) -> CmdResult {
    match command {
        Command::Check { file } => check(&file),
        Command::Show {
            file,
            on,
            party,
            record: r,
            json,
        } => show(
            file.as_deref(),
            on.as_deref(),
            party.as_deref(),
            &record(&r.evidence, r.db.as_deref())?,
            json,
        ),
        Command::KeyDays {
            file,
            record: r,
            json,
        } => key_days(
            file.as_deref(),
            &record(&r.evidence, r.db.as_deref())?,
            json,
        ),
    }
}

/// Writes text output; a closed pipe (`verity agreement show | head`) is not an error.
fn emit(text: &str) -> CmdResult {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(CliError::Failed(e.into())),
    }
}

/// Reads and parses a file, printing every diagnostic on stderr when it is invalid.
fn load(file: Option<&Path>) -> Result<Agreement, CliError> {
    super::assess::load_agreement(file)
}

fn check(file: &Path) -> CmdResult {
    let a = load(Some(file))?;
    let groups = a.parties.iter().filter(|p| p.is_group()).count();
    let checked = a.obligations.iter().filter(|o| o.cite.verified).count();
    let mut buf = String::new();
    let _ = writeln!(
        buf,
        "{}: ok: {} ({}), {} parties ({} groups), {} key days, {} obligations ({} with a checked citation)",
        file.display(),
        a.id,
        a.title,
        a.parties.len(),
        groups,
        a.key_days.len(),
        a.obligations.len(),
        checked,
    );
    emit(&buf)
}

/// The record key days resolve against: a store (`--db`), evidence files, or the
/// shipped record — as for `verity assess`, so both say the same dates.
fn record(
    evidence: &[PathBuf],
    db: Option<&str>,
) -> Result<verity_evidence::EvidenceSet, CliError> {
    match db {
        Some(db) => Ok(verity_app::record::load(&super::open_existing(db)?)?),
        None => super::assess::load_evidence(evidence),
    }
}

fn show(
    file: Option<&Path>,
    on: Option<&str>,
    party: Option<&str>,
    record: &verity_evidence::EvidenceSet,
    json: bool,
) -> CmdResult {
    let a = load(file)?;
    let out = verity_app::obligations::show(&a, record, on, party)?;
    if json {
        print_json(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut buf = String::new();
    let _ = writeln!(buf, "{} ({})", out.title, out.agreement);
    let mut filter = Vec::new();
    if let Some(d) = &out.on {
        filter.push(format!("in force on {d}"));
    }
    if let Some(p) = &out.party {
        filter.push(format!("binding {p}"));
    }
    let _ = writeln!(
        buf,
        "{} obligation{}{}",
        out.obligations.len(),
        if out.obligations.len() == 1 { "" } else { "s" },
        if filter.is_empty() {
            String::new()
        } else {
            format!(" {}", filter.join(", "))
        }
    );
    for o in &out.obligations {
        let _ = writeln!(buf);
        let what = match (o.metric, o.op, o.limit, o.unit) {
            (Some(m), Some(op), Some(l), Some(u)) => format!("limit: {m} {op} {l} {u}"),
            _ => match (&o.steps, o.event) {
                (Some(steps), _) => {
                    let total: u32 = steps.iter().map(|s| s.days).sum();
                    let parts: Vec<String> = steps.iter().map(|s| s.days.to_string()).collect();
                    format!(
                        "procedure: {} days ({}){}",
                        total,
                        parts.join(" + "),
                        o.event.map(|e| format!(" after {e}")).unwrap_or_default()
                    )
                }
                (None, Some(e)) if o.kind == "prohibition" => format!("prohibition: {e}"),
                (None, e) => format!(
                    "undertaking{}{}",
                    e.map(|e| format!(": {e}")).unwrap_or_default(),
                    o.by.as_ref()
                        .map(|b| format!(" by {b}"))
                        .unwrap_or_default()
                ),
            },
        };
        let _ = writeln!(buf, "{}  [{}]  {}", o.id, o.party, what);
        let window = format!(
            "{} to {}",
            o.from.as_deref().unwrap_or("(not yet)"),
            match (&o.until, &o.until_rule) {
                (Some(u), _) => u.clone(),
                (None, Some(rule)) => format!("({rule}, not yet known)"),
                (None, None) => "(no end date)".to_owned(),
            }
        );
        let _ = writeln!(
            buf,
            "  {}{}  |  {}",
            o.cite,
            if o.cite_verified { " (checked)" } else { "" },
            window
        );
        let _ = writeln!(buf, "  {}", o.text);
    }
    emit(&buf)
}

fn key_days(file: Option<&Path>, record: &verity_evidence::EvidenceSet, json: bool) -> CmdResult {
    let a = load(file)?;
    let kd = verity_app::obligations::resolve_key_days(&a, record)?;
    let days = verity_app::obligations::key_days(&a, &kd);
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            agreement: &'a str,
            key_days: &'a [verity_app::obligations::KeyDayView],
        }
        print_json(&Out {
            agreement: &a.id,
            key_days: &days,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut buf = String::new();
    let width = days.iter().map(|d| d.name.len()).max().unwrap_or(0);
    for d in &days {
        let _ = writeln!(
            buf,
            "{:width$}  {:10}  {}",
            d.name,
            d.date.as_deref().unwrap_or("unresolved"),
            d.rule,
        );
    }
    emit(&buf)
}
