//! The server's view of the store: the synchronous calls its handlers make, each run
//! on tokio's blocking pool (see [`crate::blocking`]). Implemented for
//! `verity_store`'s backends (SQLite and PostgreSQL) in [`crate::store_impl`]; every
//! method that writes does so in one transaction.

use serde::Serialize;
use utoipa::ToSchema;
use verity_ledger::SignedEntry;
use verity_ledger::log::{ConsistencyProofJson, InclusionProofJson};

use crate::api::log::{Appended, CheckpointDto, EntryDto};

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

pub trait Db: Send + Sync + 'static {
    /// The backend's name, for logs (`sqlite` or `postgres`).
    fn backend(&self) -> &'static str;

    /// A number that changes whenever evidence or the log change (also when another
    /// process writes to the same store), to key caches on.
    fn version(&self) -> DbResult<u64>;

    // Evidence.
    /// Every measurement, event and knowledge gap in the store.
    fn evidence_set(&self) -> DbResult<verity_evidence::EvidenceSet>;
    /// Validates the files together, then stores them, logs the import and signs a
    /// checkpoint in one transaction.
    fn import_evidence(
        &self,
        uploads: Vec<Upload>,
        submitted_by: serde_json::Value,
    ) -> DbResult<ImportOutcome>;

    // Tokens.
    /// The live (not revoked) token with this SHA-256 hex hash.
    fn token_by_hash(&self, hash: &str) -> DbResult<Option<TokenRecord>>;
    fn create_token(
        &self,
        role: verity_app::Role,
        label: &str,
        hash: &str,
    ) -> DbResult<TokenRecord>;
    fn list_tokens(&self) -> DbResult<Vec<TokenRecord>>;
    /// Revokes a token; false when there is no live token with that id.
    fn revoke_token(&self, id: i64) -> DbResult<bool>;

    // The log.
    /// None when the store holds no log.
    fn log_state(&self) -> DbResult<Option<LogState>>;
    /// The latest checkpoint, signing a fresh one first if the tree grew since.
    fn current_checkpoint(&self) -> DbResult<Option<CheckpointDto>>;
    /// Entries `start..end` (which must exist).
    fn log_entries(&self, start: u64, end: u64) -> DbResult<Vec<EntryDto>>;
    fn prove_inclusion(&self, index: u64, size: u64) -> DbResult<InclusionProofJson>;
    fn prove_consistency(&self, old: u64, new: u64) -> DbResult<ConsistencyProofJson>;
    /// Appends verified entries and signs a checkpoint, in one transaction.
    fn append_entries(&self, entries: Vec<SignedEntry>) -> DbResult<Appended>;
}
