//! `verity log publish`: the log written as static files in the C2SP tlog-tiles layout,
//! exactly as the server serves them under `/log/` — `checkpoint`, `tile/<L>/<N>…` and
//! `tile/entries/<N>…` — so any static host, object store or CDN can serve it and it
//! outlives the server.
//!
//! Incremental: a tile already there is left alone (tiles are immutable, and a partial
//! one is named by its width), and the checkpoint is written last, atomically, so a
//! reader of the directory never sees a checkpoint whose tiles are missing.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use verity_ledger::LogStorage;
use verity_ledger::tiles::{self, Tile, TileRead};
use verity_store::{Store, StoreError};

use crate::{AppError, AppResult};

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    /// The directory written.
    pub out: String,
    /// The tree size of the checkpoint published.
    pub tree_size: u64,
    /// Tiles and entry bundles written this time, and those already there.
    pub tiles_written: usize,
    pub tiles_kept: usize,
    pub bytes_written: u64,
    /// Entries the store holds beyond the checkpoint published (sign a checkpoint with
    /// `verity log checkpoint` to publish them).
    pub unpublished_entries: u64,
}

/// Writes the latest signed checkpoint of `store`'s log and every tile its tree needs
/// under `out`. `progress(done, total)` is called as tiles are considered.
pub fn publish(
    store: &Store,
    out: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> AppResult<Published> {
    let failed =
        |what: &str, e: &dyn std::fmt::Display| AppError::Failed(anyhow::anyhow!("{what}: {e}"));
    std::fs::create_dir_all(out).map_err(|e| failed(&format!("creating {}", out.display()), &e))?;
    let result = store.read(|tx| -> Result<AppResult<Published>, StoreError> {
        let storage = |e: verity_ledger::log::StorageError| StoreError::Invalid(e.to_string());
        if tx.log_meta().map_err(storage)?.is_none() {
            return Ok(Err(AppError::NotFound(
                "this store has no log (create one with `verity log init`)".into(),
            )));
        }
        let size_now = tx.tree_size().map_err(storage)?;
        let Some((size, text)) = verity_store::log::latest_checkpoint(tx).map_err(storage)? else {
            return Ok(Err(AppError::NotFound(
                "the log has no signed checkpoint yet: sign one with `verity log checkpoint`"
                    .into(),
            )));
        };
        let all = tiles::tiles_for(size);
        let mut done = Published {
            out: out.display().to_string(),
            tree_size: size,
            tiles_written: 0,
            tiles_kept: 0,
            bytes_written: 0,
            unpublished_entries: size_now.saturating_sub(size),
        };
        for (i, t) in all.iter().enumerate() {
            progress(i, all.len());
            let path = out.join(t.path());
            if present(&path, t) {
                done.tiles_kept += 1;
                continue;
            }
            let bytes = match tiles::read(tx, *t, size) {
                Ok(b) => b,
                Err(TileRead::Tile(e)) => return Ok(Err(failed("reading the tree", &e))),
                Err(TileRead::Log(e)) => return Ok(Err(failed("reading the tree", &e))),
            };
            if let Err(e) = write_atomically(&path, &bytes) {
                return Ok(Err(failed(&format!("writing {}", path.display()), &e)));
            }
            done.tiles_written += 1;
            done.bytes_written += bytes.len() as u64;
        }
        progress(all.len(), all.len());
        // Last: the checkpoint that makes the new tiles reachable.
        let cp = out.join("checkpoint");
        if let Err(e) = write_atomically(&cp, text.as_bytes()) {
            return Ok(Err(failed(&format!("writing {}", cp.display()), &e)));
        }
        done.bytes_written += text.len() as u64;
        Ok(Ok(done))
    });
    match result {
        Ok(r) => r,
        Err(e) => Err(AppError::Failed(anyhow::anyhow!("reading the log: {e}"))),
    }
}

/// Whether a tile is already published: a file of the right size for a hash tile, any
/// file for an entry bundle (whose size depends on its entries).
fn present(path: &Path, t: &Tile) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => match t.kind {
            tiles::TileKind::Hashes { .. } => m.len() == t.width() * 32,
            tiles::TileKind::Entries => m.len() > 0,
        },
        _ => false,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a
/// rename, so a reader sees the old file or the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map_or_else(|| "tile".into(), |n| n.to_string_lossy().into_owned());
    let tmp: PathBuf = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

/// One evidence import's entry in the log, and the offline proof written for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachedProof {
    /// The entry's index in the log.
    pub index: u64,
    /// The files the import held, as recorded.
    pub files: String,
    pub measurements: i64,
    pub events: i64,
    pub knowledge: i64,
    /// The proof's file name, in the directory written.
    pub proof: String,
    /// The tree size of the checkpoint the proof is against.
    pub tree_size: u64,
}

/// Writes a C2SP tlog-proof for each logged evidence import of `store` (the entries
/// a report from that store stands on) into `dir`, as `entry-<index>.tlog-proof`, and
/// `index.json` listing them: a reader can check, offline, that the record the report
/// was computed from is the one in the log.
pub fn attach_proofs(store: &Store, dir: &Path) -> AppResult<Vec<AttachedProof>> {
    let failed =
        |what: String, e: &dyn std::fmt::Display| AppError::Failed(anyhow::anyhow!("{what}: {e}"));
    let made = store.read(
        |tx| -> Result<AppResult<Vec<(AttachedProof, String)>>, StoreError> {
            let imports = match verity_store::evidence::imports(tx) {
                Ok(i) => i,
                Err(e) => return Ok(Err(failed("reading the evidence imports".into(), &e))),
            };
            let mut out = Vec::new();
            for imp in imports {
                let Some(index) = imp.log_index.and_then(|i| u64::try_from(i).ok()) else {
                    continue;
                };
                let p = match verity_ledger::log::tlog_proof(tx, index, None) {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(failed(format!("the proof of entry {index}"), &e))),
                };
                let size = verity_ledger::Note::parse(&p.checkpoint)
                    .ok()
                    .and_then(|n| verity_ledger::Checkpoint::parse_body(n.text()).ok())
                    .map_or(0, |c| c.size);
                out.push((
                    AttachedProof {
                        index,
                        files: imp.files,
                        measurements: imp.measurements,
                        events: imp.events,
                        knowledge: imp.knowledge,
                        proof: format!("entry-{index}.tlog-proof"),
                        tree_size: size,
                    },
                    p.to_text(),
                ));
            }
            Ok(Ok(out))
        },
    );
    let made = match made {
        Ok(r) => r?,
        Err(e) => return Err(AppError::Failed(anyhow::anyhow!("reading the log: {e}"))),
    };
    if made.is_empty() {
        return Err(AppError::NotFound(
            "this store holds no logged evidence import to prove".into(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| failed(format!("creating {}", dir.display()), &e))?;
    for (a, text) in &made {
        let path = dir.join(&a.proof);
        write_atomically(&path, text.as_bytes())
            .map_err(|e| failed(format!("writing {}", path.display()), &e))?;
    }
    let list: Vec<AttachedProof> = made.into_iter().map(|(a, _)| a).collect();
    let index = serde_json::to_string_pretty(&list).unwrap_or_default() + "\n";
    let path = dir.join("index.json");
    write_atomically(&path, index.as_bytes())
        .map_err(|e| failed(format!("writing {}", path.display()), &e))?;
    Ok(list)
}
