//! [`StoreDb`]: the server's calls on `verity_store::Store` (SQLite or PostgreSQL): each call is one store
//! transaction; the log's work goes through `verity_ledger::log` on that transaction.

use std::path::Path;

use verity_ledger::log as ledger;
use verity_ledger::log::{ConsistencyProofJson, InclusionProofJson};
use verity_ledger::{Checkpoint, LogStorage, NoteSigner, SignedEntry};
use verity_store::{Backend, Store, StoreError, Tx};

use crate::api::log::{Appended, CheckpointDto, EntryDto};
use crate::db::{DbError, DbResult, ImportOutcome, LogState, TokenRecord, Upload};

/// The store, and the log's signing key when this server may sign checkpoints.
pub struct StoreDb {
    store: Store,
    signer: Option<NoteSigner>,
}

impl StoreDb {
    /// Wraps an open store. The log key is read from the path the store records for
    /// it; without it the server still serves the log but signs nothing new.
    pub fn new(store: Store) -> StoreDb {
        let signer = load_signer(&store);
        StoreDb { store, signer }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn signer(&self) -> Option<&NoteSigner> {
        self.signer.as_ref()
    }
}

fn load_signer(store: &Store) -> Option<NoteSigner> {
    let meta = store
        .read(|tx| {
            tx.log_meta()
                .map_err(|e| StoreError::Invalid(e.to_string()))
        })
        .ok()??;
    match std::fs::read_to_string(Path::new(&meta.signer_key_path)) {
        Ok(text) => match NoteSigner::from_text(&text) {
            Ok(s) if s.verifier().to_text() == meta.verifier_key => Some(s),
            Ok(_) => {
                tracing::warn!(path = %meta.signer_key_path, "the key file is not this log's key; serving the log read-only");
                None
            }
            Err(e) => {
                tracing::warn!(path = %meta.signer_key_path, error = %e, "unreadable log key; serving the log read-only");
                None
            }
        },
        Err(e) => {
            tracing::warn!(path = %meta.signer_key_path, error = %e, "log key not available; serving the log read-only");
            None
        }
    }
}

fn store_err(e: StoreError) -> DbError {
    match e {
        StoreError::Invalid(msg) => DbError::BadInput {
            field: None,
            message: msg,
        },
        other => DbError::other(other),
    }
}

/// Errors inside a transaction closure: the store's own, or the server's.
enum TxError {
    Store(StoreError),
    Db(DbError),
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> TxError {
        TxError::Store(e)
    }
}

impl From<DbError> for TxError {
    fn from(e: DbError) -> TxError {
        TxError::Db(e)
    }
}

impl From<ledger::LogError> for TxError {
    fn from(e: ledger::LogError) -> TxError {
        TxError::Db(DbError::other(e))
    }
}

impl From<TxError> for DbError {
    fn from(e: TxError) -> DbError {
        match e {
            TxError::Store(e) => store_err(e),
            TxError::Db(e) => e,
        }
    }
}

fn storage(e: verity_ledger::log::StorageError) -> TxError {
    TxError::Db(DbError::other(e))
}

pub(crate) fn token_record(r: verity_store::tokens::TokenRecord) -> TokenRecord {
    TokenRecord {
        id: r.id,
        role: r.role,
        label: r.label,
        created_at: r.created_at,
    }
}

fn entry_dto(index: u64, data: &[u8]) -> DbResult<EntryDto> {
    let e = SignedEntry::from_leaf(data)
        .map_err(|err| DbError::other(format!("stored entry {index} is invalid: {err}")))?;
    Ok(EntryDto {
        index,
        kind: e.kind().as_str().to_owned(),
        signer: e.signer().name().to_owned(),
        signer_key: e.signer().to_text(),
        signed_at: e.signed_at().to_string(),
        content_hash_hex: hex::encode(e.content_sha256()),
        leaf_hash_hex: hex::encode(e.leaf_hash()),
        leaf: String::from_utf8_lossy(e.leaf()).into_owned(),
        content: e.content().clone(),
    })
}

/// Signs and records a checkpoint of the current tree, inside `tx`.
fn sign_checkpoint(tx: &mut Tx<'_>, signer: &NoteSigner) -> Result<String, TxError> {
    Ok(ledger::checkpoint(tx, signer)?)
}

fn checkpoint_dto(tx: &mut Tx<'_>, text: String) -> Result<CheckpointDto, TxError> {
    let meta = tx
        .log_meta()
        .map_err(storage)?
        .ok_or_else(|| TxError::Db(DbError::NotFound("this store holds no log".into())))?;
    let body_end = text.find("\n\n").map_or(text.len(), |i| i + 1);
    let cp = Checkpoint::parse_body(&text[..body_end])
        .map_err(|e| TxError::Db(DbError::other(format!("stored checkpoint: {e}"))))?;
    Ok(CheckpointDto {
        origin: meta.origin,
        verifier_key: meta.verifier_key,
        tree_size: cp.size,
        root_hash_hex: hex::encode(cp.root),
        text,
    })
}

/// The synchronous store calls handlers make, each run on tokio's blocking pool (see
/// [`crate::blocking`]); every call that writes does so in one transaction.
impl StoreDb {
    /// The backend's name, for logs (`sqlite` or `postgres`).
    pub fn backend(&self) -> &'static str {
        match self.store.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// A number that changes whenever evidence or the log change (also when another
    /// process writes to the same store), to key caches on.
    pub fn version(&self) -> DbResult<u64> {
        let v = self.store.read(|tx| -> Result<u64, TxError> {
            let size = if tx.log_meta().map_err(storage)?.is_some() {
                tx.tree_size().map_err(storage)?
            } else {
                0
            };
            Ok(size)
        })?;
        Ok(v)
    }

    /// Every measurement, event and knowledge gap in the store.
    pub fn evidence_set(&self) -> DbResult<verity_evidence::EvidenceSet> {
        verity_app::record::load(&self.store).map_err(DbError::from)
    }

    /// Validates the files together, then stores them, logs the import and signs a
    /// checkpoint in one transaction.
    pub fn import_evidence(
        &self,
        uploads: Vec<Upload>,
        submitted_by: serde_json::Value,
    ) -> DbResult<ImportOutcome> {
        let set = crate::evidence_store::validate(&uploads)?;
        crate::evidence_store::import(self, &set, &uploads, submitted_by)
    }

    /// The live (not revoked) token with this SHA-256 hex hash.
    pub fn token_by_hash(&self, hash: &str) -> DbResult<Option<TokenRecord>> {
        self.store
            .read(|tx| verity_store::tokens::token_by_hash(tx, hash))
            .map(|r| r.map(token_record))
            .map_err(store_err)
    }

    pub fn create_token(
        &self,
        role: verity_app::Role,
        label: &str,
        hash: &str,
    ) -> DbResult<TokenRecord> {
        self.store
            .write(|tx| verity_store::tokens::create_token(tx, role, label, hash))
            .map(token_record)
            .map_err(store_err)
    }

    pub fn list_tokens(&self) -> DbResult<Vec<TokenRecord>> {
        self.store
            .read(verity_store::tokens::list_tokens)
            .map(|v| v.into_iter().map(token_record).collect())
            .map_err(store_err)
    }

    /// Revokes a token; false when there is no live token with that id.
    pub fn revoke_token(&self, id: i64) -> DbResult<bool> {
        self.store
            .write(|tx| verity_store::tokens::revoke_token(tx, id))
            .map_err(store_err)
    }

    /// None when the store holds no log.
    pub fn log_state(&self) -> DbResult<Option<LogState>> {
        Ok(self.store.read(|tx| -> Result<_, TxError> {
            let Some(meta) = tx.log_meta().map_err(storage)? else {
                return Ok(None);
            };
            Ok(Some(LogState {
                origin: meta.origin,
                tree_size: tx.tree_size().map_err(storage)?,
            }))
        })?)
    }

    /// The latest checkpoint, signing a fresh one first if the tree grew since.
    pub fn current_checkpoint(&self) -> DbResult<Option<CheckpointDto>> {
        let latest = self.store.read(|tx| -> Result<_, TxError> {
            if tx.log_meta().map_err(storage)?.is_none() {
                return Ok(None);
            }
            let size = tx.tree_size().map_err(storage)?;
            let latest = verity_store::log::latest_checkpoint(tx).map_err(storage)?;
            match latest {
                Some((s, text)) if s == size => Ok(Some(Some(checkpoint_dto(tx, text)?))),
                _ => Ok(Some(None)),
            }
        })?;
        match latest {
            None => Ok(None),
            Some(Some(cp)) => Ok(Some(cp)),
            // The tree grew since the last checkpoint (or none was signed yet).
            Some(None) => {
                let Some(signer) = &self.signer else {
                    // Serve the newest signed one; a client sees its size is behind.
                    return Ok(self.store.read(|tx| -> Result<_, TxError> {
                        match verity_store::log::latest_checkpoint(tx).map_err(storage)? {
                            Some((_, text)) => Ok(Some(checkpoint_dto(tx, text)?)),
                            None => Err(TxError::Db(DbError::NotFound(
                                "the log has no signed checkpoint yet, and this server does not hold its key".into(),
                            ))),
                        }
                    })?);
                };
                Ok(Some(self.store.write(|tx| -> Result<_, TxError> {
                    let text = sign_checkpoint(tx, signer)?;
                    checkpoint_dto(tx, text)
                })?))
            }
        }
    }

    /// A C2SP tlog-tiles tile or entry bundle of the current tree; `NotFound` when the
    /// tree does not have it (yet).
    pub fn tile(&self, tile: verity_ledger::tiles::Tile) -> DbResult<Vec<u8>> {
        use verity_ledger::tiles::{self, TileRead};
        self.store
            .read(|tx| -> Result<_, TxError> {
                let size = tx.tree_size().map_err(storage)?;
                tiles::read(tx, tile, size).map_err(|e| match e {
                    TileRead::Tile(e) => TxError::Db(DbError::NotFound(e.to_string())),
                    TileRead::Log(e) => TxError::Db(DbError::other(e)),
                })
            })
            .map_err(DbError::from)
    }

    /// Keeps a share in a relay mailbox.
    pub fn relay_deposit(&self, mailbox: &str, body: &str, now: &str) -> DbResult<i64> {
        self.store
            .write(|tx| verity_store::relay::deposit(tx, mailbox, body, now))
            .map_err(store_err)
    }

    /// The shares of a relay mailbox after an id.
    pub fn relay_collect(
        &self,
        mailbox: &str,
        after: i64,
        limit: i64,
    ) -> DbResult<Vec<verity_store::relay::Deposit>> {
        self.store
            .read(|tx| verity_store::relay::collect(tx, mailbox, after, limit))
            .map_err(store_err)
    }

    /// Entries `start..end` (which must exist).
    pub fn log_entries(&self, start: u64, end: u64) -> DbResult<Vec<EntryDto>> {
        let rows = self
            .store
            .read(|tx| tx.entries(start..end).map_err(storage))?;
        rows.iter().map(|r| entry_dto(r.index, &r.data)).collect()
    }

    pub fn prove_inclusion(&self, index: u64, size: u64) -> DbResult<InclusionProofJson> {
        let p = self
            .store
            .read(|tx| -> Result<_, TxError> { Ok(ledger::prove_inclusion(tx, index, size)?) })?;
        Ok(InclusionProofJson::from(&p))
    }

    pub fn prove_consistency(&self, old: u64, new: u64) -> DbResult<ConsistencyProofJson> {
        let p = self
            .store
            .read(|tx| -> Result<_, TxError> { Ok(ledger::prove_consistency(tx, old, new)?) })?;
        Ok(ConsistencyProofJson::from(&p))
    }

    /// Appends verified entries and signs a checkpoint, in one transaction.
    /// Appends several submissions in one transaction, then signs one checkpoint: each
    /// gets its indices and that checkpoint.
    pub fn append_batches(&self, groups: &[&[SignedEntry]]) -> DbResult<Vec<Appended>> {
        let Some(signer) = &self.signer else {
            return Err(DbError::other(
                "this server does not hold the log's key, so it cannot sign a checkpoint after an append",
            ));
        };
        Ok(self.store.write(|tx| -> Result<_, TxError> {
            let mut ranges = Vec::with_capacity(groups.len());
            for g in groups {
                ranges.push(ledger::append(tx, g)?);
            }
            let checkpoint = sign_checkpoint(tx, signer)?;
            let size = ranges.last().map_or(0, |r| r.end);
            Ok(ranges
                .into_iter()
                .map(|r| Appended {
                    indices: r.collect(),
                    tree_size: size,
                    checkpoint: checkpoint.clone(),
                })
                .collect())
        })?)
    }
}
