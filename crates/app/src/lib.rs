//! verity-app: the application layer between Verity's libraries and its front-ends.
//!
//! The CLI (`verity …`) and the server (`/api/v1/…`, the dashboard) are thin: they parse
//! their own syntax (flags, query strings, JSON bodies) into the request types here,
//! call one use case, and render or serialise the answer this crate returns. An answer
//! is computed and shaped once, so the two faces cannot disagree:
//!
//! - [`location`]: one way to name a store (`PATH`, `sqlite://PATH`, `postgres://…`),
//!   opened for reading (never creating) or for writing.
//! - [`assess`]: load an agreement and a record, assess, and the `verity assess --json`
//!   document ([`assess::AssessmentDoc`]).
//! - [`report`]: the report's sections — the yearly status summary per party, the stock
//!   series against its limit, the breakout timeline with its basis, the sources —
//!   ([`report::ReportDoc`], the `verity report --format json` document and
//!   `GET /api/v1/report`).
//! - [`breakout`]: a what-if breakout computation from one request type
//!   ([`breakout::BreakoutRequest`] → [`breakout::BreakoutDoc`], the `verity breakout
//!   --json` document and `POST /api/v1/breakout/what-if`).
//! - [`record`]: import evidence into a store and sign its log entry and checkpoint, in
//!   one transaction.
//! - [`publish`]: the log as static C2SP tlog-tiles files (`verity log publish`).
//! - [`policy`]: the judgements no renderer may make on its own — how statuses rank,
//!   the breakout bands and the one-year line, the σ rule.
//! - [`Role`]: what an API token allows.
//!
//! Errors are [`AppError`]: bad input names the request field at fault (a JSON path
//! such as `stocks[1].kg_u`); each front-end words it in its own terms (a flag, a
//! query parameter).

use std::fmt;

pub mod assess;
pub mod breakout;
pub mod deals;
pub mod disputes;
pub mod location;
pub mod obligations;
pub mod policy;
pub mod publish;
pub mod record;
pub mod report;
pub mod summary;
pub mod text;
pub mod tokens;

pub use location::Location;
/// The verdict types the answers carry, re-exported so that front-ends name them
/// through this crate and never depend on the compliance engine themselves.
pub use verity_compliance::{Status, Step, Verdict};
pub use verity_store::tokens::Role;

/// The last report the shipped record holds, as `GOV/2025/25 (2025-05-31)`: the data
/// vintage `verity --version` names. Computed from the embedded record.
pub fn data_vintage() -> Option<String> {
    let set = verity_evidence::shipped::load().ok()?;
    let last = set
        .figures()
        .filter_map(|m| m.source.report_date.map(|d| (d, m.source.report.clone())))
        .max()?;
    Some(format!("{} of {}", last.1, last.0))
}

/// Why a use case could not answer.
#[derive(Debug)]
pub enum AppError {
    /// The request cannot be accepted. `field` is the request field at fault (a JSON
    /// path, e.g. `stocks[0].assay_pct`), `value` what was given, `reason` why not.
    BadInput {
        field: Option<String>,
        value: Option<String>,
        reason: String,
        /// Located problems of a file refused whole (`file:line:col: field: message`).
        problems: Vec<String>,
    },
    /// Something named does not exist (an agreement, a report id).
    NotFound(String),
    /// Anything else went wrong (the store, the log key, a computation that did not
    /// converge).
    Failed(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Bad input at `field`, given `value`.
    pub fn field(
        field: impl Into<String>,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> AppError {
        AppError::BadInput {
            field: Some(field.into()),
            // A value is echoed short: a client's 5 MB id is not sent back whole.
            value: Some(text::echo(&value.to_string(), 200).into_owned()),
            reason: reason.into(),
            problems: Vec::new(),
        }
    }

    /// Bad input not tied to one field.
    pub fn bad(reason: impl Into<String>) -> AppError {
        AppError::BadInput {
            field: None,
            value: None,
            reason: reason.into(),
            problems: Vec::new(),
        }
    }

    pub fn failed(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Failed(e.into())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::BadInput {
                field,
                value,
                reason,
                problems,
            } => {
                for p in problems {
                    writeln!(f, "{p}")?;
                }
                match (field, value) {
                    (Some(field), Some(value)) => write!(f, "{field} {value}: {reason}"),
                    (Some(field), None) => write!(f, "{field}: {reason}"),
                    _ => f.write_str(reason),
                }
            }
            AppError::NotFound(what) => f.write_str(what),
            AppError::Failed(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for AppError {}
