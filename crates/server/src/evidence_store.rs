//! Evidence through the store: read back as one `EvidenceSet`, and imports that store
//! the records, sign an `evidence_import` log entry and a new checkpoint in one
//! transaction — all of it lands, or none.

use serde_json::json;
use sha2::{Digest, Sha256};
use verity_evidence::{EvidenceSet, Input};
use verity_store::Tx;
use verity_store::evidence::{EvidenceStoreError, LogImportError};

use crate::db::{DbError, ImportOutcome, ImportRejected, Upload};
use crate::store_impl::StoreDb;

fn evidence_err(e: EvidenceStoreError) -> DbError {
    match e {
        EvidenceStoreError::AlreadyStored(list) => DbError::Rejected(ImportRejected {
            message: format!(
                "{} record{} already in the database; nothing was imported",
                list.len(),
                if list.len() == 1 { "" } else { "s" }
            ),
            problems: list,
        }),
        other => DbError::other(other),
    }
}

pub fn load(tx: &mut Tx<'_>) -> Result<EvidenceSet, DbError> {
    verity_store::evidence::load(tx).map_err(evidence_err)
}

/// Validates `uploads` together (all or nothing, with located errors).
pub fn validate(uploads: &[Upload]) -> Result<EvidenceSet, DbError> {
    let inputs: Vec<Input<'_>> = uploads
        .iter()
        .map(|u| Input::new(&u.name, &u.text))
        .collect();
    verity_evidence::import(&inputs).map_err(|err| {
        DbError::Rejected(ImportRejected {
            message: format!(
                "{} problem{} found; nothing was imported",
                err.diagnostics.len() + err.more,
                if err.diagnostics.len() + err.more == 1 {
                    ""
                } else {
                    "s"
                }
            ),
            problems: err.diagnostics.iter().map(|d| d.to_string()).collect(),
        })
    })
}

/// Stores a validated set, logs it (signed by the log key) and signs a checkpoint,
/// in one write transaction.
pub fn import(
    db: &StoreDb,
    set: &EvidenceSet,
    uploads: &[Upload],
    submitted_by: serde_json::Value,
) -> Result<ImportOutcome, DbError> {
    let Some(signer) = db.signer() else {
        return Err(DbError::other(
            "this server does not hold the log's key, so it cannot log an import",
        ));
    };
    let names: Vec<String> = uploads.iter().map(|u| u.name.clone()).collect();
    db.store()
        .write(|tx| -> Result<ImportOutcome, TxErr> {
            let summary =
                verity_store::evidence::import(tx, set, &names).map_err(TxErr::Evidence)?;
            // The same statement `verity evidence import` signs, plus who submitted it.
            let files_sha256: Vec<String> = uploads
                .iter()
                .map(|u| hex::encode(Sha256::digest(u.text.as_bytes())))
                .collect();
            let mut extra = serde_json::Map::new();
            extra.insert("files_sha256".to_owned(), json!(files_sha256));
            extra.insert("submitted_by".to_owned(), submitted_by.clone());
            let logged =
                verity_store::evidence::log_import(tx, signer, set, &names, &summary, extra)
                    .map_err(|e| match e {
                        LogImportError::Log(e) => TxErr::Other(DbError::other(e)),
                        LogImportError::Store(e) => TxErr::Store(e),
                    })?;
            Ok(ImportOutcome {
                import_id: summary.import_id,
                measurements: summary.measurements,
                events: summary.events,
                knowledge: summary.knowledge,
                log_index: logged.log_index,
                checkpoint: logged.checkpoint,
            })
        })
        .map_err(|e| match e {
            TxErr::Evidence(e) => evidence_err(e),
            TxErr::Store(e) => DbError::other(e),
            TxErr::Other(e) => e,
        })
}

/// Imports the record shipped with Verity if the store holds no evidence yet.
pub fn import_shipped_if_empty(db: &StoreDb) -> anyhow::Result<Option<usize>> {
    let has = db
        .store()
        .read(verity_store::evidence::imports)
        .map_err(|e| anyhow::anyhow!("reading the evidence imports: {e}"))?;
    if !has.is_empty() {
        return Ok(None);
    }
    let uploads: Vec<Upload> = verity_evidence::shipped::FILES
        .iter()
        .map(|(name, text)| Upload {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
        })
        .collect();
    if uploads.is_empty() {
        anyhow::bail!("this program was built without the shipped record");
    }
    let set = validate(&uploads).map_err(|e| anyhow::anyhow!("the shipped record: {e}"))?;
    let out = import(db, &set, &uploads, json!({"shipped": true}))
        .map_err(|e| anyhow::anyhow!("importing the shipped record: {e}"))?;
    tracing::info!(
        measurements = out.measurements,
        events = out.events,
        knowledge = out.knowledge,
        log_index = out.log_index,
        "imported the shipped record"
    );
    Ok(Some(set.len()))
}

enum TxErr {
    Evidence(EvidenceStoreError),
    Store(verity_store::StoreError),
    Other(DbError),
}

impl From<verity_store::StoreError> for TxErr {
    fn from(e: verity_store::StoreError) -> TxErr {
        TxErr::Store(e)
    }
}
