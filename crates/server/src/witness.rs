//! `verity serve` as a C2SP tlog-witness: `POST /witness/add-checkpoint` co-signs a
//! trusted log's checkpoint if it consistently extends the last one this witness
//! co-signed for that origin; `GET /witness/<sha256(origin) hex>/checkpoint` serves that
//! last co-signed checkpoint to monitors.
//!
//! The state (per origin: size, root, the co-signed checkpoint) is a JSON file — the
//! same one `verity log cosign` keeps — checked and updated under one lock and written
//! (temporary file, fsync, rename) before a cosignature is sent, so two concurrent
//! requests can never roll the witness back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use verity_ledger::witness::{self, AddCheckpoint, WitnessError, Witnessed};
use verity_ledger::{NoteSigner, NoteVerifier};

use crate::AppState;

/// The largest request body a witness reads (63 proof lines and a checkpoint with many
/// cosignatures fit in a few KiB).
const MAX_BODY: usize = 64 * 1024;

/// A witness: its key, the logs it trusts, and its state.
pub struct Witness {
    signer: NoteSigner,
    logs: Vec<NoteVerifier>,
    state_path: PathBuf,
    state: Mutex<BTreeMap<String, Witnessed>>,
}

/// Reads a witness state file (`{origin: {"size", "root_hex", "checkpoint"}}`); a
/// missing file is an empty state.
pub fn read_state(path: &Path) -> anyhow::Result<BTreeMap<String, Witnessed>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => anyhow::bail!("cannot read the witness state {}: {e}", path.display()),
    };
    let v: serde_json::Map<String, Value> = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a witness state file: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for (origin, s) in v {
        let size = s["size"].as_u64();
        let root = s["root_hex"]
            .as_str()
            .and_then(|h| hex::decode(h).ok())
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        let (Some(size), Some(root)) = (size, root) else {
            anyhow::bail!("{}: bad entry for {origin:?}", path.display());
        };
        let checkpoint = s["checkpoint"].as_str().unwrap_or_default().to_owned();
        out.insert(
            origin,
            Witnessed {
                size,
                root,
                checkpoint,
            },
        );
    }
    Ok(out)
}

/// Writes the state through a temporary file, fsync and rename.
pub fn write_state(path: &Path, state: &BTreeMap<String, Witnessed>) -> std::io::Result<()> {
    use std::io::Write;
    let v: serde_json::Map<String, Value> = state
        .iter()
        .map(|(o, w)| {
            (
                o.clone(),
                json!({"size": w.size, "root_hex": hex::encode(w.root), "checkpoint": w.checkpoint}),
            )
        })
        .collect();
    let body = serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    let tmp = path.with_extension("json.part");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(body.as_bytes())?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

impl Witness {
    pub fn new(
        signer: NoteSigner,
        logs: Vec<NoteVerifier>,
        state_path: PathBuf,
    ) -> anyhow::Result<Witness> {
        let state = read_state(&state_path)?;
        Ok(Witness {
            signer,
            logs,
            state_path,
            state: Mutex::new(state),
        })
    }

    /// The spec's add-checkpoint: check, record, co-sign — atomically.
    fn add(&self, body: &str) -> Result<String, Refusal> {
        let req = AddCheckpoint::parse(body).map_err(Refusal::Witness)?;
        let origin = witness::origin_of(&req).map_err(Refusal::Witness)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (new, cosig) =
            witness::add_checkpoint(&req, &self.logs, state.get(&origin), &self.signer, now)
                .map_err(Refusal::Witness)?;
        let old = state.insert(origin.clone(), new);
        if let Err(e) = write_state(&self.state_path, &state) {
            // Not recorded, so not handed out.
            match old {
                Some(o) => state.insert(origin, o),
                None => state.remove(&origin),
            };
            return Err(Refusal::Storage(format!(
                "cannot record the witness state in {}: {e}",
                self.state_path.display()
            )));
        }
        Ok(cosig)
    }

    fn latest(&self, origin_hash: &str) -> Option<String> {
        use sha2::Digest;
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state
            .iter()
            .find(|(o, _)| hex::encode(sha2::Sha256::digest(o.as_bytes())) == origin_hash)
            .map(|(_, w)| w.checkpoint.clone())
            .filter(|c| !c.is_empty())
    }
}

enum Refusal {
    Witness(WitnessError),
    Storage(String),
}

fn text(status: StatusCode, body: String, content_type: &'static str) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/witness/add-checkpoint", post(add_checkpoint))
        .route("/witness/{origin_hash}/checkpoint", get(latest))
}

fn not_a_witness() -> Response {
    text(
        StatusCode::NOT_FOUND,
        "this server is not a witness (start it with --witness-key)\n".into(),
        "text/plain; charset=utf-8",
    )
}

async fn add_checkpoint(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let Some(w) = state.witness.clone() else {
        return not_a_witness();
    };
    if body.len() > MAX_BODY {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MAX_BODY} bytes\n"),
            "text/plain; charset=utf-8",
        );
    }
    let Ok(body) = String::from_utf8(body.to_vec()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "the body is not UTF-8\n".into(),
            "text/plain; charset=utf-8",
        );
    };
    let out = tokio::task::spawn_blocking(move || w.add(&body)).await;
    match out {
        Ok(Ok(cosig)) => text(StatusCode::OK, cosig, "text/plain; charset=utf-8"),
        Ok(Err(Refusal::Witness(WitnessError::Conflict { size }))) => text(
            StatusCode::CONFLICT,
            format!("{size}\n"),
            "text/x.tlog.size",
        ),
        Ok(Err(Refusal::Witness(e))) => text(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            format!("{e}\n"),
            "text/plain; charset=utf-8",
        ),
        Ok(Err(Refusal::Storage(e))) => {
            tracing::error!("{e}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the witness could not record its state\n".into(),
                "text/plain; charset=utf-8",
            )
        }
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{e}\n"),
            "text/plain; charset=utf-8",
        ),
    }
}

async fn latest(State(state): State<AppState>, UrlPath(origin_hash): UrlPath<String>) -> Response {
    let Some(w) = state.witness.clone() else {
        return not_a_witness();
    };
    match w.latest(&origin_hash) {
        Some(cp) => text(StatusCode::OK, cp, "text/plain; charset=utf-8"),
        None => text(
            StatusCode::NOT_FOUND,
            "this witness has co-signed no checkpoint of that log\n".into(),
            "text/plain; charset=utf-8",
        ),
    }
}
