//! Evidence: measurements (a value with its uncertainty, unit, basis and source),
//! events (dated facts about a party) and knowledge gaps (periods in which the
//! inspectors lost continuity of knowledge), and importers for them.
//!
//! The importers take text, never paths: this crate does no I/O. They validate the
//! whole input — every file given at once — and return either the complete
//! [`EvidenceSet`] or an [`ImportError`] listing every problem with its file, line and
//! column. There is no partial result. Formats: `docs/evidence-format.md`.

pub mod check;
mod csv;
mod formats;
mod import;
mod model;
pub mod sources;

pub use formats::to_json;
pub use import::{Diagnostic, ImportError, MAX_DIAGNOSTICS};
pub use model::{
    Basis, Disagreement, Event, EvidenceSet, Grade, KnowledgeGap, Measurement, Origin, Quantity,
    Report, ReportKind, Scope, Source, fmt_num,
};
pub use verity_vocab::{Date, Unit};

use import::Diags;

/// The format of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One CSV file of measurements, events or knowledge gaps (told apart by header).
    Csv,
    /// One JSON document with any of the arrays `measurements`, `events`, `knowledge`.
    Json,
}

impl Format {
    /// Guesses the format from the name (`.json`) or, failing that, the first character.
    pub fn detect(name: &str, text: &str) -> Format {
        if name.to_ascii_lowercase().ends_with(".json")
            || text
                .trim_start_matches('\u{feff}')
                .trim_start()
                .starts_with('{')
        {
            Format::Json
        } else {
            Format::Csv
        }
    }
}

/// One named input (the name is used in diagnostics, normally the file's path).
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub format: Format,
}

impl<'a> Input<'a> {
    /// An input whose format is detected from its name and text.
    pub fn new(name: &'a str, text: &'a str) -> Input<'a> {
        Input {
            name,
            text,
            format: Format::detect(name, text),
        }
    }
}

/// Imports all inputs together: all of them, or none with every problem listed.
pub fn import(inputs: &[Input<'_>]) -> Result<EvidenceSet, ImportError> {
    let mut diags = Diags::default();
    let files: Vec<(&str, Vec<import::Row>)> = inputs
        .iter()
        .map(|i| {
            let rows = match i.format {
                Format::Csv => formats::csv_rows(i.name, i.text, &mut diags),
                Format::Json => formats::json_rows(i.name, i.text, &mut diags),
            };
            (i.name, rows)
        })
        .collect();
    import::validate(&files, diags)
}

/// The shipped historical record (`data/evidence/*.csv`), embedded at build time so
/// that it is available from any directory.
pub mod shipped {
    /// The embedded files as (path in the repository, text).
    pub const FILES: [(&str, &str); 5] = [
        (
            "data/evidence/measurements.csv",
            include_str!("../../../data/evidence/measurements.csv"),
        ),
        (
            "data/evidence/events.csv",
            include_str!("../../../data/evidence/events.csv"),
        ),
        (
            "data/evidence/knowledge.csv",
            include_str!("../../../data/evidence/knowledge.csv"),
        ),
        (
            "data/evidence/reports.csv",
            include_str!("../../../data/evidence/reports.csv"),
        ),
        (
            "data/evidence/disagreements.csv",
            include_str!("../../../data/evidence/disagreements.csv"),
        ),
    ];

    /// Imports the shipped record.
    pub fn load() -> Result<super::EvidenceSet, super::ImportError> {
        let inputs: Vec<super::Input<'_>> = FILES
            .iter()
            .map(|(name, text)| super::Input::new(name, text))
            .collect();
        super::import(&inputs)
    }
}
