//! `verity assess`: every obligation of an agreement against the evidence, over time.
//!
//! Defaults to the JCPOA and the historical record shipped inside the binary, so it
//! works from any directory.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use verity_agreement::Agreement;
use verity_evidence::{EvidenceSet, Input};

use super::{CliError, CmdResult};

/// What to assess, the flags `verity assess` and `verity report` share.
#[derive(Debug, clap::Args)]
pub struct Inputs {
    /// The agreement file; default: the shipped JCPOA.
    #[arg(long, value_name = "FILE")]
    pub agreement: Option<PathBuf>,
    /// Evidence files (CSV or JSON, see docs/evidence-format.md), imported together;
    /// default: the shipped record.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub evidence: Vec<PathBuf>,
    /// Only obligations binding this party (id or name; groups it belongs to included).
    #[arg(long, value_name = "NAME")]
    pub party: Option<String>,
    /// Only dates on or after this (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Only dates on or before this (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// The record as it stood on this date: only what had been published by then.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// A figure within K standard deviations of a limit is "indeterminate", not a breach.
    #[arg(
        long,
        value_name = "K",
        default_value_t = verity_app::policy::DEFAULT_SIGMA,
        allow_negative_numbers = true
    )]
    pub sigma: f64,
    /// Show each verdict under this party's stated legal positions (an id or name:
    /// iran, e3, eu, us, russia, china, …; a member reads as its group). Default: the
    /// finding on the evidence, "contested" where readings differ on whether an
    /// obligation applied.
    #[arg(long, value_name = "PARTY")]
    pub reading: Option<String>,
    /// Read the evidence from this store (a file path, sqlite://PATH or postgres://…;
    /// it must exist) instead of files or the shipped record.
    #[arg(long, value_name = "LOCATION", conflicts_with = "evidence")]
    pub db: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Reads and parses an agreement (default: the shipped JCPOA), printing every
/// diagnostic on stderr when it is invalid. `verity assess`, `report` and `agreement`
/// all load through here, so they report a bad file in the same words.
pub(crate) fn load_agreement(file: Option<&Path>) -> Result<Agreement, CliError> {
    let (src, name) = match file {
        Some(path) => (
            verity_app::text::read_file(path).map_err(CliError::bad_input)?,
            path.display().to_string(),
        ),
        None => (
            verity_agreement::JCPOA_SOURCE.to_owned(),
            verity_agreement::JCPOA_FILE.to_owned(),
        ),
    };
    verity_agreement::parse(&src, &name).map_err(|diags| {
        for d in &diags.0 {
            eprintln!("{d}");
        }
        let n = diags.0.len();
        CliError::bad_input(format!(
            "{name}: {n} problem{} found",
            if n == 1 { "" } else { "s" }
        ))
    })
}

/// Imports evidence files together (default: the shipped record), all or nothing.
pub(crate) fn load_evidence(files: &[PathBuf]) -> Result<EvidenceSet, CliError> {
    if files.is_empty() {
        return verity_evidence::shipped::load().map_err(|e| {
            CliError::Failed(anyhow::anyhow!("the shipped record does not import:\n{e}"))
        });
    }
    let texts = read_files(files)?;
    let inputs: Vec<Input<'_>> = texts
        .iter()
        .map(|(name, text)| Input::new(name, text))
        .collect();
    verity_evidence::import(&inputs).map_err(CliError::bad_input)
}

/// Reads files as (display name, text).
pub(crate) fn read_files(files: &[PathBuf]) -> Result<Vec<(String, String)>, CliError> {
    files
        .iter()
        .map(|p| {
            verity_app::text::read_file(p)
                .map(|t| (p.display().to_string(), t))
                .map_err(CliError::bad_input)
        })
        .collect()
}

/// Writes to stdout; a reader that stops early (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Failed(
            anyhow::anyhow!("writing to standard output: {e}"),
        )),
        _ => Ok(()),
    }
}

/// One JSON document on stdout (see [`emit`]).
pub(crate) fn emit_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(e.into()))?;
    emit(&(text + "\n"))
}

pub(crate) use verity_app::assess::Run;

/// Loads the agreement and the record (from files, a store, or the shipped ones) and
/// assesses them for the query the flags give: the one path `assess` and `report` share.
pub(crate) fn run_from_args(inputs: &Inputs) -> Result<Run, CliError> {
    let query = verity_app::assess::Query::parse(
        inputs.party.as_deref(),
        inputs.from.as_deref(),
        inputs.to.as_deref(),
        inputs.as_of.as_deref(),
        Some(inputs.sigma),
    )?
    .with_reading(inputs.reading.as_deref());
    let agreement = load_agreement(inputs.agreement.as_deref())?;
    let evidence = match &inputs.db {
        Some(db) => verity_app::record::load(&super::open_existing(db)?)?,
        None => load_evidence(&inputs.evidence)?,
    };
    Ok(verity_app::assess::run(agreement, &evidence, &query, None)?)
}

pub fn run(args: Args) -> CmdResult {
    let run = run_from_args(&args.inputs)?;
    if args.json {
        emit_json(&run.assessment_doc())?;
        return Ok(ExitCode::SUCCESS);
    }
    emit(&verity_app::text::lines(&text(&run)))?;
    Ok(ExitCode::SUCCESS)
}

/// The human form: each obligation's step function, one line per change.
fn text(run: &Run) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let steps = run.assessment.steps();
    let _ = writeln!(
        out,
        "{}: {} verdicts on {} obligations (k = {}σ; {})",
        run.agreement.id,
        run.assessment.verdicts.len(),
        steps.len(),
        run.options.sigma_k,
        match &run.options.reading {
            Some(p) => format!("under the reading of {p}"),
            None => "the finding on the evidence".to_owned(),
        }
    );
    for ob in &run.agreement.obligations {
        let Some(st) = steps.get(&ob.id) else {
            continue;
        };
        let _ = writeln!(out, "\n{}  [{}]  {}", ob.id, ob.party, ob.cite);
        for s in st {
            // The verdict that opened this step, for its figure and source.
            let v = run
                .assessment
                .verdicts
                .iter()
                .find(|v| *v.obligation == *ob.id && v.date == s.from);
            let detail = v.map_or(String::new(), |v| {
                let mut d = v.reason.to_string();
                if let Some(src) = v.sources.first() {
                    d.push_str(&format!(" — {src}"));
                }
                d
            });
            let _ = writeln!(
                out,
                "  from {}  {:<13}  {}",
                s.from,
                s.status.as_str(),
                detail
            );
            for r in v.map(|v| v.readings.as_slice()).unwrap_or_default() {
                let _ = writeln!(
                    out,
                    "    {} reads it {}: {} — {}",
                    r.party,
                    r.status.as_str(),
                    r.position,
                    r.cite
                );
            }
        }
    }
    let fb = run.assessment.first_breaches();
    if !fb.is_empty() {
        let _ = writeln!(out, "\nfirst breaches:");
        let mut by_date: Vec<_> = fb.iter().collect();
        by_date.sort_by_key(|(id, d)| (**d, (*id).clone()));
        for (id, d) in by_date {
            let _ = writeln!(out, "  {d}  {id}");
        }
    }
    if !run.breakout.is_empty() {
        let _ = writeln!(
            out,
            "\nbreakout time to 1 SQ at 90 % (days with central machine figures; Monte Carlo 5th–95th percentile):"
        );
        for p in &run.breakout {
            let _ = writeln!(
                out,
                "  {}  {:>7.1}  ({:.1}–{:.1})  {}",
                p.date, p.days, p.days_p05, p.days_p95, p.source
            );
        }
    }
    out
}
