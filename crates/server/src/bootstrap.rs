//! Opening a store for serving: migrations (by `verity_store`), a log with its key
//! when the store has none, and the shipped record when it holds no evidence, so
//! that `verity serve` with no flags shows a working dashboard.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use verity_app::Location;
use verity_ledger::{LogStorage, NoteSigner};
use verity_store::{Store, StoreError};

use crate::store_impl::StoreDb;

/// The origin (and log key name) of a log the server creates.
pub const DEFAULT_ORIGIN: &str = "localhost/verity";

/// What [`open`] did.
pub struct Opened {
    pub db: StoreDb,
    /// A log was created (with a fresh key) in this call.
    pub created_log: bool,
    /// The shipped record was imported in this call (number of records).
    pub imported_shipped: Option<usize>,
}

/// Writes a private key file readable by its owner only, refusing to overwrite.
fn write_key(path: &Path, signer: &NoteSigner) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating the log key file {}", path.display()))?;
    writeln!(f, "{}", signer.to_text()).with_context(|| format!("writing {}", path.display()))?;
    f.sync_all()?;
    Ok(())
}

/// Opens (creating and migrating) the store at `location`, then [`setup`] with the
/// key at `key_path` (default: [`Location::default_key_path`]: beside an SQLite file,
/// else `verity-log.key`).
pub fn open(location: &Location, key_path: Option<&Path>, origin: &str) -> anyhow::Result<Opened> {
    let store = location
        .open_or_create()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let key_path = key_path
        .map(Path::to_path_buf)
        .unwrap_or_else(|| location.default_key_path());
    setup(store, &key_path, origin)
}

/// Creates a log signed by a new key written to `key_path` if the store has none,
/// and imports the shipped record if the store holds no evidence.
pub fn setup(store: Store, key_path: &Path, origin: &str) -> anyhow::Result<Opened> {
    let has_log = store
        .read(|tx| {
            tx.log_meta()
                .map_err(|e| StoreError::Invalid(e.to_string()))
        })
        .context("reading the log's metadata")?
        .is_some();
    let mut created_log = false;
    if !has_log {
        let signer = NoteSigner::generate(origin)
            .map_err(|e| anyhow::anyhow!("log origin {origin:?}: {e}"))?;
        write_key(key_path, &signer)?;
        let abs = std::fs::canonicalize(key_path).unwrap_or_else(|_| key_path.to_path_buf());
        store
            .write(|tx| {
                verity_ledger::log::init(tx, origin, &signer, &abs.to_string_lossy())
                    .map_err(|e| StoreError::Invalid(e.to_string()))
            })
            .context("creating the log")?;
        tracing::info!(origin, key = %abs.display(), "created a new log");
        created_log = true;
    }
    let db = StoreDb::new(store);
    let imported_shipped = crate::evidence_store::import_shipped_if_empty(&db)?;
    Ok(Opened {
        db,
        created_log,
        imported_shipped,
    })
}
