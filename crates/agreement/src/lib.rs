//! `verity-agreement`: Verity's agreement language.
//!
//! An agreement file (TOML, documented in `docs/agreement-format.md`) declares parties
//! and groups of parties, key days (fixed dates, or events plus offsets, or the
//! earliest/latest of several), and the obligations of every party, each with a stable
//! id, a citation, the treaty text, a kind (limit, prohibition, undertaking,
//! procedure) and a window in key days. [`parse`] reads and validates a file with
//! located diagnostics; [`Agreement::resolve_key_days`] turns key days into dates
//! given recorded events; [`Agreement::obligations_in_force`] and
//! [`Agreement::obligations_of`] answer "what is required, of whom, and when".
//!
//! The JCPOA ships with the crate: [`JCPOA_SOURCE`] and [`jcpoa`].
//!
//! A proposal file (`docs/proposal-format.md`) gives a deal's nuclear terms year by
//! year — caps, machines, the fate of stocks and machines, verification — for the
//! negotiation workbench: [`parse_proposal`], [`proposal::PROPOSALS`] (the shipped
//! ones), [`proposals`].

mod diag;
mod model;
mod resolve;

pub use diag::{DiagKind, Diagnostic, Diagnostics};
pub use model::{
    Agreement, Citation, Comparator, FINDINGS, Ground, HistoryEntry, KeyDay, Loc, Obligation,
    ObligationKind, ObligationPattern, Occurrence, Offset, Party, Reading, ReadingStatus, Step,
    TimeExpr, Window,
};
pub use resolve::{KeyDays, ResolvedKeyDay, add_offset};
pub use verity_vocab::Date;

mod parse;
pub mod proposal;
pub use parse::{parse, parse_proposal};
pub use proposal::{Proposal, Term, TermKind};

/// The JCPOA as shipped in `data/agreements/jcpoa.toml`, embedded at build time so the
/// CLI and server work from any directory.
pub const JCPOA_SOURCE: &str = include_str!("../../../data/agreements/jcpoa.toml");

/// The file name diagnostics use for [`JCPOA_SOURCE`].
pub const JCPOA_FILE: &str = "data/agreements/jcpoa.toml";

/// Parses the shipped JCPOA (a test guarantees it is valid).
pub fn jcpoa() -> Result<Agreement, Diagnostics> {
    parse(JCPOA_SOURCE, JCPOA_FILE)
}

/// Every shipped proposal, parsed (a test guarantees they are valid).
pub fn proposals() -> Result<Vec<Proposal>, Diagnostics> {
    proposal::PROPOSALS
        .iter()
        .map(|(file, src)| parse_proposal(src, file))
        .collect()
}
