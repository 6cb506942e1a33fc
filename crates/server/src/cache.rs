//! Cached, serialised assessment results.
//!
//! Assessing the whole record is cheap but not free, and the public reads it far more
//! often than anything changes it. A cached body is keyed by the query and by a
//! generation: the server's own write counter and the store's version, which is
//! re-read at most once a second so that writes by other processes (`verity evidence
//! import` on the same database) are seen within a second.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use verity_app::assess::Timeline;

use crate::StoreDb;
use crate::error::ApiResult;

pub type Generation = (u64, u64);

/// A cached response body: as is, gzipped (most clients accept it, and the full
/// assessment is ~2 MB of JSON that compresses ~25×), and its entity tag.
#[derive(Clone)]
pub struct Body {
    pub raw: Bytes,
    pub gzip: Bytes,
    pub etag: String,
}

impl Body {
    pub fn new(raw: Bytes, key: &str, generation: Generation) -> Body {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        // Writing to a Vec cannot fail.
        let gzip = enc
            .write_all(&raw)
            .and_then(|()| enc.finish())
            .map(Bytes::from)
            .unwrap_or_default();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(key, &mut h);
        let etag = format!(
            "\"{:x}-{:x}-{:x}\"",
            generation.0,
            generation.1,
            std::hash::Hasher::finish(&h)
        );
        Body { raw, gzip, etag }
    }
}

pub struct Cache {
    entries: RwLock<HashMap<String, (Generation, Body)>>,
    breakout: RwLock<Option<(Generation, Arc<Timeline>)>>,
    local: AtomicU64,
    store_version: AtomicU64,
    /// Milliseconds since `epoch` when the store version was last read; `u64::MAX`
    /// before the first read.
    checked_ms: AtomicU64,
    epoch: Instant,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            entries: RwLock::default(),
            breakout: RwLock::default(),
            local: AtomicU64::new(0),
            store_version: AtomicU64::new(0),
            checked_ms: AtomicU64::new(u64::MAX),
            epoch: Instant::now(),
        }
    }
}

/// At most this many distinct queries are kept; past it the cache starts afresh
/// (queries are few in practice: the dashboard asks the same few).
const MAX_ENTRIES: usize = 256;
const RECHECK_MS: u64 = 1000;

impl Cache {
    /// Forgets every cached body (called after this server writes).
    pub fn invalidate(&self) {
        self.local.fetch_add(1, Ordering::SeqCst);
    }

    /// The current generation, re-reading the store's version when it is stale.
    pub async fn generation(&self, store: &Arc<StoreDb>) -> ApiResult<Generation> {
        let now = self.epoch.elapsed().as_millis() as u64;
        let checked = self.checked_ms.load(Ordering::Acquire);
        let stale = checked == u64::MAX || now.saturating_sub(checked) >= RECHECK_MS;
        // Only the request that wins the exchange re-reads; the others use the value
        // at hand (at most a second old).
        if stale
            && self
                .checked_ms
                .compare_exchange(checked, now, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            let store = store.clone();
            match crate::blocking(move || store.version()).await {
                Ok(v) => self.store_version.store(v, Ordering::Release),
                Err(e) => {
                    self.checked_ms.store(u64::MAX, Ordering::Release);
                    return Err(e);
                }
            }
        }
        Ok((
            self.local.load(Ordering::Acquire),
            self.store_version.load(Ordering::Acquire),
        ))
    }

    pub fn get(&self, key: &str, generation: Generation) -> Option<Body> {
        let entries = self.entries.read().ok()?;
        match entries.get(key) {
            Some((g, body)) if *g == generation => Some(body.clone()),
            _ => None,
        }
    }

    /// The breakout timeline computed for `generation`, if it is the current one.
    pub fn breakout(&self, generation: Generation) -> Option<Arc<Timeline>> {
        match &*self.breakout.read().ok()? {
            Some((g, points)) if *g == generation => Some(points.clone()),
            _ => None,
        }
    }

    pub fn put_breakout(&self, generation: Generation, points: Arc<Timeline>) {
        if let Ok(mut b) = self.breakout.write() {
            *b = Some((generation, points));
        }
    }

    pub fn put(&self, key: String, generation: Generation, body: Body) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (generation, body));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_generation_misses() {
        let c = Cache::default();
        c.put(
            "q".into(),
            (0, 1),
            Body::new(Bytes::from_static(b"a"), "q", (0, 1)),
        );
        let hit = c.get("q", (0, 1)).unwrap();
        assert_eq!(&hit.raw[..], b"a");
        // The gzip form decompresses to the body.
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&hit.gzip[..]), &mut out)
            .unwrap();
        assert_eq!(out, "a");
        assert!(c.get("q", (0, 2)).is_none());
        assert!(c.get("q", (1, 1)).is_none());
        assert!(c.get("other", (0, 1)).is_none());
        // Another generation or query has another entity tag.
        assert_ne!(
            hit.etag,
            Body::new(Bytes::from_static(b"a"), "q", (0, 2)).etag
        );
        assert_ne!(
            hit.etag,
            Body::new(Bytes::from_static(b"a"), "r", (0, 1)).etag
        );
    }
}
