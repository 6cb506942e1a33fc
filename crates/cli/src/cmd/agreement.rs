//! `verity agreement …`: check agreement files, show obligations and key days.
//!
//! Without FILE, `show` and `key-days` use the JCPOA shipped inside the binary. Key
//! days are resolved against the dated events the file itself records (`[[history]]`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use verity_agreement::{Agreement, Date, KeyDays, Obligation, ObligationKind};

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
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The agreement's key days and the dates they resolve to.
    KeyDays {
        /// The agreement file; default: the shipped JCPOA.
        file: Option<PathBuf>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: Command) -> CmdResult {
    match command {
        Command::Check { file } => check(&file),
        Command::Show {
            file,
            on,
            party,
            json,
        } => show(file.as_deref(), on.as_deref(), party.as_deref(), json),
        Command::KeyDays { file, json } => key_days(file.as_deref(), json),
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

#[derive(Debug, Serialize)]
struct KeyDayOut {
    id: String,
    name: String,
    date: Option<String>,
    rule: String,
}

#[derive(Debug, Serialize)]
struct StepOut {
    name: String,
    days: u32,
}

#[derive(Debug, Serialize)]
struct ObligationOut {
    id: String,
    party: String,
    cite: String,
    cite_verified: bool,
    text: String,
    kind: &'static str,
    metric: Option<&'static str>,
    op: Option<&'static str>,
    limit: Option<f64>,
    unit: Option<&'static str>,
    event: Option<&'static str>,
    by: Option<String>,
    steps: Option<Vec<StepOut>>,
    from: Option<String>,
    until: Option<String>,
    from_rule: String,
    until_rule: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Serialize)]
struct ShowOut {
    agreement: String,
    title: String,
    on: Option<String>,
    party: Option<String>,
    key_days: Vec<KeyDayOut>,
    obligations: Vec<ObligationOut>,
}

fn key_days_out(a: &Agreement, kd: &KeyDays) -> Vec<KeyDayOut> {
    a.key_days
        .iter()
        .map(|k| KeyDayOut {
            id: k.id.clone(),
            name: k.name.clone(),
            date: kd.get(&k.id).map(|d| d.to_string()),
            rule: k.when.to_string(),
        })
        .collect()
}

fn obligation_out(o: &Obligation, kd: &KeyDays) -> ObligationOut {
    let (from, until) = kd.window(&o.window);
    let mut out = ObligationOut {
        id: o.id.clone(),
        party: o.party.clone(),
        cite: o.cite.to_string(),
        cite_verified: o.cite.verified,
        text: o.text.clone(),
        kind: o.kind.name(),
        metric: None,
        op: None,
        limit: None,
        unit: None,
        event: None,
        by: None,
        steps: None,
        from: from.map(|d| d.to_string()),
        until: until.map(|d| d.to_string()),
        from_rule: o.window.from.to_string(),
        until_rule: o.window.until.as_ref().map(|u| u.to_string()),
        note: o.note.clone(),
    };
    match &o.kind {
        ObligationKind::Limit {
            metric,
            op,
            value,
            unit,
        } => {
            out.metric = Some(metric.id);
            out.op = Some(op.as_str());
            out.limit = Some(*value);
            out.unit = Some(unit.as_str());
        }
        ObligationKind::Prohibition { event } => out.event = Some(event.id),
        ObligationKind::Undertaking { event, by } => {
            out.event = event.map(|e| e.id);
            out.by = by
                .as_ref()
                .and_then(|b| kd.resolve(b))
                .map(|d| d.to_string());
        }
        ObligationKind::Procedure { trigger, steps } => {
            out.event = trigger.map(|e| e.id);
            out.steps = Some(
                steps
                    .iter()
                    .map(|s| StepOut {
                        name: s.name.clone(),
                        days: s.days,
                    })
                    .collect(),
            );
        }
    }
    out
}

fn show(file: Option<&Path>, on: Option<&str>, party: Option<&str>, json: bool) -> CmdResult {
    let on: Option<Date> = on
        .map(|s| {
            verity_vocab::parse_date(s).map_err(|e| CliError::bad_input(format!("--on {s}: {e}")))
        })
        .transpose()?;
    let a = load(file)?;
    let kd = a.resolve_key_days(&a.history());
    let mut obligations: Vec<&Obligation> = match party {
        Some(p) => a.obligations_of(p).ok_or_else(|| {
            let known: Vec<&str> = a.parties.iter().map(|p| p.id.as_str()).collect();
            CliError::bad_input(format!(
                "--party {p}: no such party in {}; expected one of: {}",
                a.id,
                known.join(", ")
            ))
        })?,
        None => a.obligations.iter().collect(),
    };
    if let Some(date) = on {
        obligations.retain(|o| kd.in_force(&o.window, date));
    }
    let out = ShowOut {
        agreement: a.id.clone(),
        title: a.title.clone(),
        on: on.map(|d| d.to_string()),
        party: party.and_then(|p| a.party(p)).map(|p| p.id.clone()),
        key_days: key_days_out(&a, &kd),
        obligations: obligations.iter().map(|o| obligation_out(o, &kd)).collect(),
    };
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

fn key_days(file: Option<&Path>, json: bool) -> CmdResult {
    let a = load(file)?;
    let kd = a.resolve_key_days(&a.history());
    let days = key_days_out(&a, &kd);
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            agreement: &'a str,
            key_days: &'a [KeyDayOut],
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
