//! Importing evidence into a store: validate every file together, store the records,
//! and — when the store keeps a log — sign an `evidence_import` entry and a checkpoint,
//! all in one transaction. `verity evidence import --db` and `POST /api/v1/evidence`
//! both call [`import`], so they store and sign the same thing.

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use verity_evidence::{EvidenceSet, Input};
use verity_ledger::{LogStorage, NoteSigner};
use verity_store::evidence::{EvidenceStoreError, LogImportError};
use verity_store::{Store, StoreError};

use crate::{AppError, AppResult};

/// One evidence file: the name diagnostics use, and its text.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub text: String,
}

/// Validates `uploads` together, all or nothing; the error lists every problem,
/// located (`file:line:col: field: message`).
pub fn validate(uploads: &[Upload]) -> AppResult<EvidenceSet> {
    let inputs: Vec<Input<'_>> = uploads
        .iter()
        .map(|u| Input::new(&u.name, &u.text))
        .collect();
    verity_evidence::import(&inputs).map_err(|err| {
        let n = err.diagnostics.len() + err.more;
        let mut problems: Vec<String> = err.diagnostics.iter().map(|d| d.to_string()).collect();
        if err.more > 0 {
            problems.push(format!("… and {} more", err.more));
        }
        AppError::BadInput {
            field: None,
            value: None,
            reason: format!(
                "{n} problem{} found; nothing was imported",
                if n == 1 { "" } else { "s" }
            ),
            problems,
        }
    })
}

/// Who signs the import's log entry.
pub enum Signer<'a> {
    /// A key the caller holds (the server, which read it at start).
    Held(&'a NoteSigner),
    /// The key file whose path the store's log records (the CLI, on the machine that
    /// keeps the key).
    FromLog,
}

/// What an import stored and where it is in the log.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub import_id: i64,
    pub measurements: usize,
    pub events: usize,
    pub knowledge: usize,
    /// The index of the `evidence_import` entry (null: the store keeps no log).
    pub log_index: Option<u64>,
    /// The checkpoint signed right after it.
    pub checkpoint: Option<String>,
}

enum TxErr {
    Store(StoreError),
    Evidence(EvidenceStoreError),
    App(AppError),
}

impl From<StoreError> for TxErr {
    fn from(e: StoreError) -> TxErr {
        TxErr::Store(e)
    }
}

fn read_key(path: &std::path::Path) -> AppResult<NoteSigner> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AppError::Failed(anyhow::anyhow!(
            "cannot read the log key {}: {e}",
            path.display()
        ))
    })?;
    NoteSigner::from_text(&text)
        .map_err(|e| AppError::Failed(anyhow::anyhow!("log key {}: {e}", path.display())))
}

/// Stores a validated `set` (from `uploads`) and logs it. With [`Signer::Held`] a
/// store without a log is refused; with [`Signer::FromLog`] such a store takes the
/// records unlogged. `submitted_by`, when given, is signed with the statement.
pub fn import(
    store: &Store,
    signer: Signer<'_>,
    set: &EvidenceSet,
    uploads: &[Upload],
    submitted_by: Option<serde_json::Value>,
) -> AppResult<Imported> {
    let names: Vec<String> = uploads.iter().map(|u| u.name.clone()).collect();
    let out = store.write(|tx| -> Result<Imported, TxErr> {
        let summary = verity_store::evidence::import(tx, set, &names).map_err(TxErr::Evidence)?;
        let meta = tx
            .log_meta()
            .map_err(|e| TxErr::App(AppError::Failed(anyhow::anyhow!("reading the log: {e}"))))?;
        let own;
        let signer = match (&signer, meta) {
            (Signer::Held(s), Some(_)) => *s,
            (Signer::Held(_), None) => {
                return Err(TxErr::App(AppError::Failed(anyhow::anyhow!(
                    "the store keeps no log, so an import cannot be logged"
                ))));
            }
            (Signer::FromLog, Some(meta)) => {
                own = read_key(std::path::Path::new(&meta.signer_key_path)).map_err(TxErr::App)?;
                &own
            }
            (Signer::FromLog, None) => {
                return Ok(Imported {
                    import_id: summary.import_id,
                    measurements: summary.measurements,
                    events: summary.events,
                    knowledge: summary.knowledge,
                    log_index: None,
                    checkpoint: None,
                });
            }
        };
        let files_sha256: Vec<String> = uploads
            .iter()
            .map(|u| hex::encode(Sha256::digest(u.text.as_bytes())))
            .collect();
        let mut extra = serde_json::Map::new();
        extra.insert("files_sha256".to_owned(), json!(files_sha256));
        if let Some(who) = &submitted_by {
            extra.insert("submitted_by".to_owned(), who.clone());
        }
        let logged = verity_store::evidence::log_import(tx, signer, set, &names, &summary, extra)
            .map_err(|e| match e {
            LogImportError::Log(e) => TxErr::App(AppError::Failed(anyhow::anyhow!(
                "appending to the log: {e}"
            ))),
            LogImportError::Store(e) => TxErr::Store(e),
        })?;
        Ok(Imported {
            import_id: summary.import_id,
            measurements: summary.measurements,
            events: summary.events,
            knowledge: summary.knowledge,
            log_index: Some(logged.log_index),
            checkpoint: Some(logged.checkpoint),
        })
    });
    out.map_err(|e| match e {
        TxErr::Evidence(EvidenceStoreError::AlreadyStored(list)) => {
            // As many as any import lists; the count still gives them all.
            let n = list.len();
            let mut problems = list;
            if n > verity_evidence::MAX_DIAGNOSTICS {
                problems.truncate(verity_evidence::MAX_DIAGNOSTICS);
                problems.push(format!(
                    "… and {} more",
                    n - verity_evidence::MAX_DIAGNOSTICS
                ));
            }
            AppError::BadInput {
                field: None,
                value: None,
                reason: format!(
                    "{n} record{} already in the store; nothing was imported",
                    if n == 1 { "" } else { "s" }
                ),
                problems,
            }
        }
        TxErr::Evidence(e) => AppError::Failed(e.into()),
        TxErr::Store(e) => AppError::Failed(e.into()),
        TxErr::App(e) => e,
    })
}

/// The evidence a store holds, as one set.
pub fn load(store: &Store) -> AppResult<EvidenceSet> {
    store
        .read(|tx| -> Result<EvidenceSet, TxErr> {
            verity_store::evidence::load(tx).map_err(TxErr::Evidence)
        })
        .map_err(|e| match e {
            TxErr::Evidence(e) => AppError::Failed(e.into()),
            TxErr::Store(e) => AppError::Failed(e.into()),
            TxErr::App(e) => e,
        })
}

/// The record shipped with Verity, as uploads.
pub fn shipped_uploads() -> Vec<Upload> {
    verity_evidence::shipped::FILES
        .iter()
        .map(|(name, text)| Upload {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}
