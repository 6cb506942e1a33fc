//! The types of the server's store calls ([`crate::StoreDb`]): the records they return
//! and [`DbError`], classified by the HTTP status it maps to.

use serde::Serialize;
use utoipa::ToSchema;

/// A stored API token (never its text: only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TokenRecord {
    pub id: i64,
    /// `admin`, `inspector` or `analyst`.
    #[schema(value_type = String)]
    pub role: verity_app::Role,
    /// A free-text note on whose token it is.
    pub label: String,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
}

/// What the store says about its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogState {
    pub origin: String,
    pub tree_size: u64,
}

/// A store call's failure, classified for the HTTP status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The request asks for something invalid (400), naming the field when one is
    /// at fault.
    #[error("{message}")]
    BadInput {
        field: Option<String>,
        message: String,
    },
    /// An upload was refused whole (400), with every problem found.
    #[error("{}", .0.message)]
    Rejected(ImportRejected),
    /// The thing asked for does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// Anything else (500).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl DbError {
    pub fn other(err: impl std::fmt::Display) -> DbError {
        DbError::Other(anyhow::anyhow!("{err}"))
    }
}

/// An import refused whole: a summary and each problem with its location.
#[derive(Debug, Clone)]
pub struct ImportRejected {
    pub message: String,
    pub problems: Vec<String>,
}

/// One uploaded evidence file (the application layer's type).
pub use verity_app::record::Upload;

/// What an import stored and where it is in the log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportOutcome {
    pub import_id: i64,
    pub measurements: usize,
    pub events: usize,
    pub knowledge: usize,
    /// The index of the `evidence_import` entry in the log.
    pub log_index: u64,
    /// The checkpoint signed right after it.
    pub checkpoint: String,
}

pub type DbResult<T> = Result<T, DbError>;

/// An application-layer error in the store call's terms: bad input not tied to one
/// field is an upload refused whole.
impl From<verity_app::AppError> for DbError {
    fn from(e: verity_app::AppError) -> DbError {
        use verity_app::AppError;
        match e {
            AppError::BadInput {
                field: None,
                reason,
                problems,
                ..
            } => DbError::Rejected(ImportRejected {
                message: reason,
                problems,
            }),
            AppError::BadInput {
                ref field,
                ref reason,
                ..
            } => DbError::BadInput {
                field: field.clone(),
                message: reason.clone(),
            },
            AppError::NotFound(what) => DbError::NotFound(what),
            AppError::Failed(e) => DbError::Other(e),
        }
    }
}
