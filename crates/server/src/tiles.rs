//! The log served as C2SP tlog-tiles under `/log/`: `/log/checkpoint`,
//! `/log/tile/<L>/<N>[.p/<W>]` and `/log/tile/entries/<N>[.p/<W>]`, so that any
//! tlog client can read it and any static host can mirror it (`verity log publish`
//! writes the same files). Tiles are immutable: a full tile is cached in memory and
//! marked cacheable for good; the checkpoint is not cached.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use verity_ledger::tiles::{Tile, TileKind};

use crate::error::{ApiError, ApiResult};
use crate::{AppState, blocking};

/// Full tiles kept in memory (8 KiB of hashes each, entry bundles up to a few
/// hundred KiB): at most this many, the oldest evicted first.
const CACHED_TILES: usize = 4096;

/// Full tiles already read, by tile. A full tile never changes, so the cache needs no
/// invalidation.
#[derive(Default)]
pub(crate) struct TileCache {
    inner: Mutex<(HashMap<Tile, Bytes>, VecDeque<Tile>)>,
    /// Full entry bundles, gzipped once.
    gzipped: Mutex<HashMap<Tile, Bytes>>,
}

impl TileCache {
    fn get(&self, t: &Tile) -> Option<Bytes> {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0.get(t).cloned()
    }

    fn put(&self, t: Tile, b: Bytes) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.0.insert(t, b).is_none() {
            g.1.push_back(t);
            while g.1.len() > CACHED_TILES {
                if let Some(old) = g.1.pop_front() {
                    g.0.remove(&old);
                    self.gzipped
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&old);
                }
            }
        }
    }

    /// The gzipped bytes of a bundle: from the cache for a full one (compressed once),
    /// compressed now for a partial one.
    fn gzip(&self, t: &Tile, raw: &[u8]) -> Option<Bytes> {
        if let Some(z) = self
            .gzipped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(t)
        {
            return Some(z.clone());
        }
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(raw).ok()?;
        let z = Bytes::from(enc.finish().ok()?);
        if t.is_full() && self.get(t).is_some() {
            self.gzipped
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(*t, z.clone());
        }
        Some(z)
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/tile/{*path}", get(tile))
}

/// The latest signed checkpoint, as `verity log checkpoint` prints it.
async fn checkpoint(State(state): State<AppState>) -> ApiResult<Response> {
    let store = state.store.clone();
    let cp = blocking(move || store.current_checkpoint())
        .await?
        .ok_or_else(|| ApiError::not_found("this store has no log"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            // Mutable: no cache beyond a few seconds (c2sp.org/tlog-tiles).
            (header::CACHE_CONTROL, "no-cache"),
        ],
        cp.text,
    )
        .into_response())
}

async fn tile(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let t = Tile::parse(&format!("tile/{path}")).map_err(|e| ApiError::not_found(e.to_string()))?;
    let body = match state.tiles.get(&t) {
        Some(b) => b,
        None => {
            let store = state.store.clone();
            let b = Bytes::from(blocking(move || store.tile(t)).await?);
            if t.is_full() {
                state.tiles.put(t, b.clone());
            }
            b
        }
    };
    let mut res = (StatusCode::OK, body.clone()).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    // A tile's bytes never change once served (a partial one is named by its width).
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    // Entry bundles compress well; gzip when the client takes it.
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    if t.kind == TileKind::Entries && gzip {
        if let Some(z) = state.tiles.gzip(&t, &body) {
            *res.body_mut() = axum::body::Body::from(z);
            let h = res.headers_mut();
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
    }
    Ok(res)
}
