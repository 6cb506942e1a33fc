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
pub use parse::parse;

/// The JCPOA as shipped in `data/agreements/jcpoa.toml`, embedded at build time so the
/// CLI and server work from any directory.
pub const JCPOA_SOURCE: &str = include_str!("../../../data/agreements/jcpoa.toml");

/// The file name diagnostics use for [`JCPOA_SOURCE`].
pub const JCPOA_FILE: &str = "data/agreements/jcpoa.toml";

/// Parses the shipped JCPOA (a test guarantees it is valid).
pub fn jcpoa() -> Result<Agreement, Diagnostics> {
    parse(JCPOA_SOURCE, JCPOA_FILE)
}
