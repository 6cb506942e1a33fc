//! Evidence through the store, by way of the application layer's import-and-log
//! (`verity_app::record`): the records, an `evidence_import` log entry and a new
//! checkpoint in one transaction — all of it lands, or none.

use serde_json::json;
use verity_app::record::{self, Signer};
use verity_evidence::EvidenceSet;

use crate::db::{DbError, ImportOutcome, Upload};
use crate::store_impl::StoreDb;

/// Validates `uploads` together (all or nothing, with located errors).
pub fn validate(uploads: &[Upload]) -> Result<EvidenceSet, DbError> {
    record::validate(uploads).map_err(DbError::from)
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
    let out = record::import(
        db.store(),
        Signer::Held(signer),
        set,
        uploads,
        Some(submitted_by),
    )
    .map_err(DbError::from)?;
    match (out.log_index, out.checkpoint) {
        (Some(log_index), Some(checkpoint)) => Ok(ImportOutcome {
            import_id: out.import_id,
            measurements: out.measurements,
            events: out.events,
            knowledge: out.knowledge,
            log_index,
            checkpoint,
        }),
        _ => Err(DbError::other("the import was not logged")),
    }
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
    let uploads = record::shipped_uploads();
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
