//! The crate's one error type. Messages say which value is wrong and why, so that the
//! CLI can print them as they are (prefixed with the flag or field at fault).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum PhysicsError {
    #[error("assay {pct} % is impossible: an assay must lie strictly between 0 and 100 % U-235")]
    AssayOutOfRange { pct: f64 },

    #[error("mass {kg} kg U is impossible: a mass must be finite and ≥ 0")]
    NegativeMass { kg: f64 },

    #[error(
        "assays out of order: need tails < feed < product, got tails {tails_pct} %, feed {feed_pct} %, product {product_pct} %"
    )]
    AssayOrder {
        feed_pct: f64,
        product_pct: f64,
        tails_pct: f64,
    },

    #[error("{field}: {reason}")]
    InvalidParameter { field: String, reason: String },

    #[error("unknown centrifuge type `{name}` (known: {known})")]
    UnknownCentrifuge { name: String, known: String },

    #[error("unknown preset `{name}` (known: {known})")]
    UnknownPreset { name: String, known: String },

    #[error("no plan reaches the target: {0}")]
    Infeasible(String),

    #[error("{what} did not converge: {detail}")]
    NoConvergence { what: &'static str, detail: String },
}
