//! `verity disputes`: every invocation of the agreement's dispute procedures in the
//! record (JCPOA para. 36, UNSCR 2231 snapback), with its stages and outcome.

use std::path::PathBuf;
use std::process::ExitCode;

use super::assess::{emit, emit_json, load_agreement, load_evidence};
use super::{CmdResult, open_existing};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The agreement file; default: the shipped JCPOA.
    #[arg(long, value_name = "FILE")]
    pub agreement: Option<PathBuf>,
    /// Evidence files; default: the shipped record.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub evidence: Vec<PathBuf>,
    /// Read the record from this store instead (it must exist).
    #[arg(long, value_name = "LOCATION", conflicts_with = "evidence")]
    pub db: Option<String>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> CmdResult {
    let agreement = load_agreement(args.agreement.as_deref())?;
    let evidence = match &args.db {
        Some(db) => verity_app::record::load(&open_existing(db)?)?,
        None => load_evidence(&args.evidence)?,
    };
    let doc = verity_app::disputes::list(&agreement, &evidence);
    if args.json {
        emit_json(&doc)?;
        return Ok(ExitCode::SUCCESS);
    }
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} invocation{} of dispute procedures in the record",
        doc.agreement,
        doc.disputes.len(),
        if doc.disputes.len() == 1 { "" } else { "s" }
    );
    for d in &doc.disputes {
        let _ = writeln!(
            o,
            "\n{}  {} by {} on {}",
            d.id, d.mechanism, d.raised_by, d.notified
        );
        for s in &d.stages {
            let _ = writeln!(
                o,
                "  {} – {}{}  {}  ({}; {})",
                s.start,
                s.end,
                if s.extended { " (extended)" } else { "" },
                s.name,
                s.procedure,
                s.cite
            );
        }
        for x in &d.extensions {
            let _ = writeln!(
                o,
                "  periods extended by consensus on {} ({}): {}",
                x.date, x.by, x.source
            );
        }
        match d.outcome_line() {
            Some(line) => {
                let _ = writeln!(o, "  outcome {line}");
            }
            None => {
                let _ = writeln!(o, "  outcome: none recorded");
            }
        }
        if !d.standing_contested_by.is_empty() {
            let _ = writeln!(
                o,
                "  standing contested by: {}",
                d.standing_contested_by.join(", ")
            );
        }
        for s in &d.sources {
            let _ = writeln!(o, "  source: {s}");
        }
    }
    emit(&verity_app::text::lines(&o))?;
    Ok(ExitCode::SUCCESS)
}
