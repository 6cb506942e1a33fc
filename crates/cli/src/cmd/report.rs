//! `verity report`: the compliance report a new user reads — per party, each
//! obligation's verdict year by year; the enriched-uranium stock against its limit;
//! the breakout timeline; and the sources behind every figure.
//!
//! Formats: a coloured terminal table (colour only when writing to a terminal and
//! `NO_COLOR` is unset), Markdown, one self-contained HTML file with inline SVG plots
//! (no external assets), or JSON.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use verity_app::Status;
use verity_app::policy::BreakoutBand;
use verity_app::report::{ObligationRow, ReportDoc};

use super::assess::{Inputs, emit, run_from_args};
use super::{CliError, CmdResult};

mod html;
mod markdown;
mod pdf;
mod svg;
mod terminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Terminal,
    Markdown,
    Html,
    Json,
    /// The HTML report printed to PDF by headless Chromium (needs --out).
    Pdf,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// With --db: write an offline C2SP tlog-proof for every logged evidence import the
    /// report stands on into DIR (`entry-N.tlog-proof`, listed in `index.json`; check
    /// one with `verity log check-proof`).
    #[arg(long, value_name = "DIR", requires = "db")]
    pub proofs: Option<PathBuf>,
    #[command(flatten)]
    pub inputs: Inputs,
}

pub fn run(args: Args) -> CmdResult {
    let run = run_from_args(&args.inputs)?;
    let doc = ReportDoc::build(&run);
    if let (Some(dir), Some(db)) = (&args.proofs, &args.inputs.db) {
        let store = super::open_existing(db)?;
        let list = verity_app::publish::attach_proofs(&store, dir)?;
        eprintln!(
            "verity: {} log proof{} of the record written to {} (index.json lists them)",
            list.len(),
            if list.len() == 1 { "" } else { "s" },
            dir.display()
        );
    }
    if args.format == Format::Pdf {
        let Some(out) = &args.out else {
            return Err(CliError::bad_input(
                "--format pdf writes a file: give --out PATH (e.g. --out report.pdf)",
            ));
        };
        pdf::print(&html::render(&doc), out)?;
        eprintln!("verity: report written to {}", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let colour = args.out.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let text = match args.format {
        Format::Terminal => terminal::render(&doc, colour, width(args.out.is_none())),
        Format::Markdown => markdown::render(&doc),
        Format::Html => html::render(&doc),
        Format::Json => {
            serde_json::to_string_pretty(&doc).map_err(|e| CliError::Failed(e.into()))? + "\n"
        }
        Format::Pdf => unreachable!("printed above"),
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

/// The width to fit: the terminal's when writing to one, else `COLUMNS`, else 120.
fn width(to_stdout: bool) -> usize {
    let term = (to_stdout && std::io::stdout().is_terminal())
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(w, _)| usize::from(w.0));
    term.or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .unwrap_or(120)
        .clamp(60, 400)
}

// ------------------------------------------------------------------ shared by renderers

const LEGEND: &str = "✔ compliant   ✖ breach   ≠ contested   R remedial   ~ indeterminate   ? cannot be verified   · no evidence   (blank: not in force)";

/// The colour a breakout band is drawn in: the status colours, by the app's band.
fn band_colour(b: BreakoutBand) -> Status {
    match b {
        BreakoutBand::UnderOneMonth => Status::Breach,
        BreakoutBand::UnderOneYear => Status::Indeterminate,
        BreakoutBand::OneYearOrMore => Status::Compliant,
    }
}

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

fn first_breach_text(r: &ObligationRow) -> String {
    r.first_breach.as_ref().map_or(String::new(), |b| {
        let src = b
            .source
            .as_ref()
            .map_or(String::new(), |s| format!(" — {s}"));
        format!("{}{}", b.date, src)
    })
}

/// The reports without a breakout estimate, grouped by reason.
fn skipped_lines(d: &ReportDoc) -> Vec<String> {
    let mut by_reason: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for s in &d.breakout_skipped {
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

fn short(s: &str, n: usize) -> String {
    // Stored text reaches the terminal only escaped (verity_app::text).
    let s = verity_app::text::field(s);
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= n {
        s
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `×` and the ratio to a limit, as the summary tables print it.
fn times(x: Option<f64>) -> String {
    match x {
        Some(x) if x >= 10.0 => format!("{x:.0}×"),
        Some(x) => format!("{x:.2}×"),
        None => "—".to_owned(),
    }
}
