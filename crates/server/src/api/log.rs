//! `/api/v1/log…`: the transparency log — checkpoint, entries, inclusion and
//! consistency proofs (in the same JSON shapes as `verity log prove --json`), and
//! submission of signed entries by inspectors.

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use verity_ledger::SignedEntry;
use verity_ledger::log::{ConsistencyProofJson, InclusionProofJson};

use crate::auth::{AnnouncedSize, Inspector};
use crate::db::LogState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{Path, Query};
use crate::{AppState, IMPORT_BODY_LIMIT, blocking};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_checkpoint))
        .routes(routes!(list_entries, submit_entry).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)))
        .routes(routes!(get_entry))
        .routes(routes!(prove_inclusion))
        .routes(routes!(prove_consistency))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointDto {
    /// The log's origin line (its identity).
    pub origin: String,
    /// The log's verifier key (`name+hexid+base64`), to check the signature with.
    pub verifier_key: String,
    pub tree_size: u64,
    /// RFC 6962 root hash of the whole tree, hex.
    pub root_hash_hex: String,
    /// The signed checkpoint exactly as `verity log checkpoint` prints it
    /// (C2SP tlog-checkpoint as a signed note).
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    pub index: u64,
    /// `inspection_report`, `declaration` or `evidence_import`.
    pub kind: String,
    /// The signer's key name and verifier key.
    pub signer: String,
    pub signer_key: String,
    /// RFC 3339 time of signing.
    pub signed_at: String,
    /// SHA-256 of the content's canonical JSON, hex.
    pub content_hash_hex: String,
    /// RFC 6962 leaf hash (what the tree commits to), hex: SHA-256(0x00 ‖ `leaf`).
    pub leaf_hash_hex: String,
    /// The leaf itself: the statement's canonical JSON (RFC 8785) with its signature,
    /// exactly the bytes hashed, so a reader can recompute the leaf hash.
    pub leaf: String,
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntriesDto {
    pub tree_size: u64,
    pub entries: Vec<EntryDto>,
}

/// The same shape as `verity log prove --inclusion INDEX --json` (served from
/// `verity_ledger::log::InclusionProofJson`; this type documents it).
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProofDto {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash_hex: String,
    pub root_hash_hex: String,
    pub proof_hex: Vec<String>,
}

/// The same shape as `verity log prove --consistency OLD NEW --json` (served from
/// `verity_ledger::log::ConsistencyProofJson`; this type documents it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProofDto {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root_hex: String,
    pub new_root_hex: String,
    pub proof_hex: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Appended {
    /// The index of each submitted entry, in order.
    pub indices: Vec<u64>,
    pub tree_size: u64,
    /// The checkpoint signed after the append.
    pub checkpoint: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// First index (default 0).
    pub start: Option<u64>,
    /// How many entries (default 100, at most 1000).
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The entry's index.
    pub index: u64,
    /// The tree size to prove against (default: the current size).
    pub size: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size (at least 1).
    pub old: u64,
    /// The newer tree size (default: the current size).
    pub new: Option<u64>,
}

async fn state_of(state: &AppState) -> ApiResult<LogState> {
    let store = state.store.clone();
    blocking(move || store.log_state())
        .await?
        .ok_or_else(|| ApiError::not_found("this server's store holds no log"))
}

/// The latest signed checkpoint (a fresh one is signed if entries were appended since).
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "log",
    responses((status = 200, body = CheckpointDto), (status = 404, body = ErrorBody)))]
async fn get_checkpoint(State(state): State<AppState>) -> ApiResult<Json<CheckpointDto>> {
    let store = state.store.clone();
    let cp = blocking(move || store.current_checkpoint()).await?;
    let Some(cp) = cp else {
        return Err(ApiError::not_found("this server's store holds no log"));
    };
    Ok(Json(cp))
}

/// Entries in index order (a page of at most 1000).
#[utoipa::path(get, path = "/api/v1/log/entries", tag = "log", params(Page),
    responses((status = 200, body = EntriesDto), (status = 400, body = ErrorBody)))]
async fn list_entries(
    State(state): State<AppState>,
    Query(page): Query<Page>,
) -> ApiResult<Json<EntriesDto>> {
    let limit = page.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_field("limit", "must be between 1 and 1000"));
    }
    let log = state_of(&state).await?;
    let start = page.start.unwrap_or(0);
    let end = start.saturating_add(limit).min(log.tree_size);
    let store = state.store.clone();
    let entries = if start < end {
        blocking(move || store.log_entries(start, end)).await?
    } else {
        Vec::new()
    };
    Ok(Json(EntriesDto {
        tree_size: log.tree_size,
        entries,
    }))
}

/// One entry, parsed and with its signature checked.
#[utoipa::path(get, path = "/api/v1/log/entries/{index}", tag = "log",
    params(("index" = u64, Path, description = "Entry index")),
    responses((status = 200, body = EntryDto), (status = 404, body = ErrorBody)))]
async fn get_entry(
    State(state): State<AppState>,
    Path(index): Path<u64>,
) -> ApiResult<Json<EntryDto>> {
    let log = state_of(&state).await?;
    if index >= log.tree_size {
        return Err(ApiError::not_found(format!(
            "no entry {index}: the log has {} entries",
            log.tree_size
        )));
    }
    let store = state.store.clone();
    let mut entries = blocking(move || store.log_entries(index, index + 1)).await?;
    entries
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::internal(format!("entry {index} missing from the store")))
}

/// Proves entry `index` is in the tree of `size` entries.
#[utoipa::path(get, path = "/api/v1/log/proofs/inclusion", tag = "log", params(InclusionQuery),
    responses((status = 200, body = InclusionProofDto), (status = 400, body = ErrorBody)))]
async fn prove_inclusion(
    State(state): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> ApiResult<Json<InclusionProofJson>> {
    let log = state_of(&state).await?;
    let size = q.size.unwrap_or(log.tree_size);
    if size > log.tree_size {
        return Err(ApiError::bad_field(
            "size",
            format!("the log has only {} entries", log.tree_size),
        ));
    }
    if q.index >= size {
        return Err(ApiError::bad_field(
            "index",
            format!("must be below the tree size {size}"),
        ));
    }
    let store = state.store.clone();
    Ok(Json(
        blocking(move || store.prove_inclusion(q.index, size)).await?,
    ))
}

/// Proves the tree of `old` entries is a prefix of the tree of `new` entries.
#[utoipa::path(get, path = "/api/v1/log/proofs/consistency", tag = "log", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProofDto), (status = 400, body = ErrorBody)))]
async fn prove_consistency(
    State(state): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyProofJson>> {
    let log = state_of(&state).await?;
    let new = q.new.unwrap_or(log.tree_size);
    if new > log.tree_size {
        return Err(ApiError::bad_field(
            "new",
            format!("the log has only {} entries", log.tree_size),
        ));
    }
    if q.old == 0 || q.old > new {
        return Err(ApiError::bad_field(
            "old",
            format!("must be between 1 and the new size {new}"),
        ));
    }
    let store = state.store.clone();
    Ok(Json(
        blocking(move || store.prove_consistency(q.old, new)).await?,
    ))
}

/// Appends signed statements (inspector only). The body is one leaf as
/// `SignedEntry::leaf` writes it (canonical JSON with its `signature`), or a JSON
/// array of them; every signature is checked and either all are appended or none.
#[utoipa::path(post, path = "/api/v1/log/entries", tag = "log", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json"),
    responses((status = 201, body = Appended), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn submit_entry(
    State(state): State<AppState>,
    Inspector(caller): Inspector,
    _size: AnnouncedSize,
    crate::json::Body(body): crate::json::Body,
) -> ApiResult<(StatusCode, Json<Appended>)> {
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let leaves: Vec<(String, serde_json::Value)> = match value {
        serde_json::Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v))
            .collect(),
        v => vec![(String::new(), v)],
    };
    if leaves.is_empty() {
        return Err(ApiError::bad_request("no entries in the body"));
    }
    let mut canonical = Vec::with_capacity(leaves.len());
    for (path, v) in &leaves {
        // The leaf's canonical form is what is signed; re-serialise it canonically.
        let c = verity_ledger::entry::canonical_json(v);
        if c.len() > verity_ledger::tiles::MAX_ENTRY_BYTES {
            return Err(ApiError::bad_field(
                if path.is_empty() {
                    "body".to_owned()
                } else {
                    path.clone()
                },
                format!(
                    "the entry is {} bytes; at most 65,535 (c2sp.org/tlog-tiles bundles give each entry a 2-byte length)",
                    c.len()
                ),
            ));
        }
        canonical.push(c);
    }
    // Parsed together: the signatures are checked as one Ed25519 batch over the cores,
    // off the async workers; a failure names the first bad entry.
    let entries = tokio::task::spawn_blocking(move || {
        let refs: Vec<&[u8]> = canonical.iter().map(String::as_bytes).collect();
        SignedEntry::from_leaves(&refs)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|(i, err)| {
        let path = &leaves[i].0;
        let dot = if path.is_empty() { "" } else { "." };
        let field = match &err {
            verity_ledger::entry::EntryError::Field { field, .. } => format!("{path}{dot}{field}"),
            verity_ledger::entry::EntryError::Signature(_) => format!("{path}{dot}signature"),
            verity_ledger::entry::EntryError::ContentHash => format!("{path}{dot}content_sha256"),
            verity_ledger::entry::EntryError::Json(_) => {
                if path.is_empty() {
                    "body".to_owned()
                } else {
                    path.clone()
                }
            }
        };
        ApiError::bad_field(field, err.to_string())
    })?;
    let appended = state
        .integrator
        .append(entries)
        .await
        .map_err(crate::api_error)?;
    state.cache.invalidate();
    tracing::info!(token = ?caller.token_id, first = ?appended.indices.first(), n = appended.indices.len(), "entries appended");
    Ok((StatusCode::CREATED, Json(appended)))
}
