//! verity-store: Verity's storage, with two real backends behind one synchronous
//! API — SQLite (embedded default; WAL, synchronous commits) and PostgreSQL (shared
//! deployments).
//!
//! - [`Store::open`] takes `sqlite:PATH`, a bare path, or a `postgres://` URL, and
//!   applies the versioned [`migrate`]ions before returning.
//! - All work happens in a transaction: [`Store::write`] (serialised with every
//!   other writer, committed only when the closure returns `Ok`) or
//!   [`Store::read`]. The closure gets a [`Tx`]; each area of the schema is a
//!   module with functions (or trait impls) on `Tx`: [`log`] today, more later.
//!   Work from several areas in one closure commits together or not at all.
//! - `Store` is `Send + Sync` (a small pool of connections); async callers use it
//!   from `spawn_blocking`.
//!
//! Adding an area: create `src/<area>.rs` with a `MIGRATIONS` list and functions
//! taking `&mut Tx`, and add the list to [`migrate::AREAS`].

use std::path::{Path, PathBuf};

pub mod evidence;
pub mod log;
pub mod migrate;
mod pool;
pub mod relay;
pub mod tokens;

use pool::Pool;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("bad database location {0:?}: expected sqlite:PATH, a file path, or postgres://…")]
    BadLocation(String),
    /// A file at the location that is not a Verity store (empty, or another program's
    /// database): the message names it.
    #[error("{0}")]
    NotAStore(String),
    #[error("SQLite database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("migration {area} v{version} ({description}) failed: {message}")]
    Migration {
        area: &'static str,
        version: u32,
        description: &'static str,
        message: String,
    },
    #[error(
        "the database has {area} schema version {found}, newer than this program knows ({known}); upgrade Verity"
    )]
    NewerSchema {
        area: String,
        found: i64,
        known: u32,
    },
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

enum Conns {
    Sqlite {
        path: PathBuf,
        pool: Pool<rusqlite::Connection>,
    },
    Postgres {
        pool: Pool<postgres::Client>,
        schema: Option<String>,
    },
}

/// An open database, migrated to the current schema.
pub struct Store {
    conns: Conns,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.conns {
            Conns::Sqlite { path, .. } => write!(f, "Store(sqlite:{})", path.display()),
            Conns::Postgres { schema, .. } => write!(f, "Store(postgres, schema {schema:?})"),
        }
    }
}

/// A transaction on either backend. Area modules match on it to run their SQL.
pub enum Tx<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    Postgres(postgres::Transaction<'c>),
}

impl Tx<'_> {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Maximum connections per store (PostgreSQL servers default to 100 in total).
const MAX_CONNECTIONS: usize = 8;

/// Key of the PostgreSQL advisory lock that serialises writers (like SQLite's
/// single-writer lock), so an append never races another append.
const PG_WRITE_LOCK: i64 = 0x7665_7269_7479; // "verity"

/// Creates a new database file readable by its owner only (0600), whatever the umask:
/// it holds token hashes and the record. SQLite gives the `-wal` and `-shm` files it
/// creates beside it the database file's permissions. An existing file is left as its
/// owner set it.
fn create_private(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(f) => {
                // The mode given to open() is masked by the umask; set it outright.
                f.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| StoreError::BadLocation(format!("{}: {e}", path.display())))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            // Let SQLite report a path it cannot open, with its own words.
            Err(_) => {}
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn sqlite_connect(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let c = rusqlite::Connection::open(path).map_err(|e| StoreError::sqlite(path, e))?;
    // WAL: readers never block the writer. synchronous=FULL: a commit is on disk
    // (WAL fsynced) before it is acknowledged, so acknowledged appends survive a
    // crash or power loss. busy_timeout: writers wait for each other. A 64 MiB page
    // cache keeps the upper levels of the node and entry B-trees in memory.
    c.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 10000;
         PRAGMA cache_size = -65536;",
    )
    .map_err(|e| StoreError::sqlite(path, e))?;
    Ok(c)
}

fn quote_ident(s: &str) -> Result<String, StoreError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(StoreError::Invalid(format!(
            "schema name {s:?} must be ASCII letters, digits or underscores"
        )));
    }
    Ok(format!("\"{s}\""))
}

impl Store {
    /// Opens `sqlite:PATH`, a bare file path (SQLite), or a `postgres://` /
    /// `postgresql://` URL; creates and migrates the database as needed.
    pub fn open(location: &str) -> Result<Store, StoreError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            Store::open_postgres(location, None)
        } else if let Some(p) = location.strip_prefix("sqlite:") {
            Store::open_sqlite(Path::new(p.strip_prefix("//").unwrap_or(p)))
        } else if location.is_empty() || location.contains("://") {
            Err(StoreError::BadLocation(redact_url(location)))
        } else {
            Store::open_sqlite(Path::new(location))
        }
    }

    /// Opens (creating if needed) an SQLite database file.
    pub fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        // A file that is there but empty is not a store to initialise: something
        // truncated it (or it was never one). Refuse it, naming it, rather than write a
        // fresh schema into it and call that the log.
        if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            return Err(StoreError::NotAStore(format!(
                "{}: the file is empty, not a Verity store (was it truncated? give another path, or remove it to start a new store)",
                path.display()
            )));
        }
        create_private(path)?;
        let owned = path.to_path_buf();
        let pool = Pool::new(MAX_CONNECTIONS, Box::new(move || sqlite_connect(&owned)));
        // Connect once now, so a bad path fails here, with its name.
        let first = pool.get().map_err(|e| match e {
            StoreError::Sqlite { ref source, .. }
                if source.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) =>
            {
                StoreError::NotAStore(format!(
                    "{}: not an SQLite database, so not a Verity store",
                    path.display()
                ))
            }
            other => other,
        })?;
        // A database that holds tables but none of Verity's is someone else's: never
        // migrate Verity's tables into it.
        {
            let c: &rusqlite::Connection = &first;
            let tables: i64 = c
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                    [],
                    |r| r.get(0),
                )
                .map_err(|e| StoreError::sqlite(path, e))?;
            let ours: i64 = c
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'verity_migrations'",
                    [],
                    |r| r.get(0),
                )
                .map_err(|e| StoreError::sqlite(path, e))?;
            if tables > 0 && ours == 0 {
                return Err(StoreError::NotAStore(format!(
                    "{}: an SQLite database with {tables} table(s), none of them Verity's: not a Verity store",
                    path.display()
                )));
            }
        }
        drop(first);
        let store = Store {
            conns: Conns::Sqlite {
                path: path.to_path_buf(),
                pool,
            },
        };
        migrate::apply(&store)?;
        Ok(store)
    }

    /// Connects to PostgreSQL. With `schema`, every table lives in that schema
    /// (created if missing): separate deployments or test runs share one database
    /// without touching each other.
    pub fn open_postgres(url: &str, schema: Option<&str>) -> Result<Store, StoreError> {
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            StoreError::BadLocation(format!("{}: {e}", redact_url(url)))
        })?;
        let set_path = schema.map(quote_ident).transpose()?;
        let connect = move || -> Result<postgres::Client, StoreError> {
            let mut c = config.connect(postgres::NoTls)?;
            if let Some(s) = &set_path {
                c.batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}"
                ))?;
            }
            Ok(c)
        };
        let pool = Pool::new(MAX_CONNECTIONS, Box::new(connect));
        // Connect once now, so an unreachable server fails here; the connection
        // goes back to the pool for reuse.
        drop(pool.get()?);
        let store = Store {
            conns: Conns::Postgres {
                pool,
                schema: schema.map(str::to_string),
            },
        };
        migrate::apply(&store)?;
        Ok(store)
    }

    /// Whether the PostgreSQL database at `url` (in `schema`, or on the default search
    /// path) already holds a Verity store, checked without creating anything.
    pub fn postgres_has_store(url: &str, schema: Option<&str>) -> Result<bool, StoreError> {
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            StoreError::BadLocation(format!("{}: {e}", redact_url(url)))
        })?;
        let mut c = config.connect(postgres::NoTls)?;
        let table = match schema {
            Some(s) => format!("{}.verity_migrations", quote_ident(s)?),
            None => "verity_migrations".to_owned(),
        };
        let row = c.query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])?;
        Ok(row.get(0))
    }

    pub fn backend(&self) -> Backend {
        match self.conns {
            Conns::Sqlite { .. } => Backend::Sqlite,
            Conns::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Runs `f` in a write transaction, serialised with all other writers of this
    /// database, committed only if `f` returns `Ok` (rolled back otherwise).
    pub fn write<T, E>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.transact(true, f)
    }

    /// Runs `f` in a transaction that sees one consistent snapshot.
    pub fn read<T, E>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.transact(false, f)
    }

    fn transact<T, E>(
        &self,
        write: bool,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        match &self.conns {
            Conns::Sqlite { path, pool } => {
                let mut conn = pool.get()?;
                let behavior = if write {
                    // Take the write lock at BEGIN, so the tree size we read cannot
                    // change before we commit.
                    rusqlite::TransactionBehavior::Immediate
                } else {
                    rusqlite::TransactionBehavior::Deferred
                };
                let tx = conn
                    .transaction_with_behavior(behavior)
                    .map_err(|e| StoreError::sqlite(path, e))?;
                let mut tx = Tx::Sqlite(tx);
                let out = f(&mut tx)?;
                let Tx::Sqlite(tx) = tx else { unreachable!() };
                tx.commit().map_err(|e| StoreError::sqlite(path, e))?;
                Ok(out)
            }
            Conns::Postgres { pool, .. } => {
                let mut conn = pool.get()?;
                let result = (|| {
                    let mut tx = if write {
                        let mut tx = conn.transaction().map_err(StoreError::from)?;
                        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_WRITE_LOCK])
                            .map_err(StoreError::from)?;
                        Tx::Postgres(tx)
                    } else {
                        Tx::Postgres(
                            conn.build_transaction()
                                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                                .read_only(true)
                                .start()
                                .map_err(StoreError::from)?,
                        )
                    };
                    let out = f(&mut tx)?;
                    let Tx::Postgres(tx) = tx else { unreachable!() };
                    tx.commit().map_err(StoreError::from)?;
                    Ok(out)
                })();
                if result.is_err() && conn.is_closed() {
                    conn.discard();
                }
                result
            }
        }
    }
}

// Compile-time check: the server shares one Store across threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
};

/// A database URL as it may be shown: the password of its user information
/// (`postgres://user:secret@host/db`) and any `password=` parameter replaced by `***`.
/// Every message and log line that names a location goes through here.
pub fn redact_url(url: &str) -> String {
    let Some(i) = url.find("://") else {
        return url.to_owned();
    };
    let start = i + 3;
    // The authority ends at the first '/', '?' or '#' after the scheme; its user
    // information at the last '@' in it (a password may itself hold an '@').
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |j| start + j);
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..start]);
    let authority = &url[start..end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.split_once(':') {
                Some((user, _)) => {
                    out.push_str(user);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let rest = &url[end..];
    match rest.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let params: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(rest),
    }
    out
}

#[cfg(test)]
mod redact_tests {
    use super::redact_url;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("postgres://u:s3cret@127.0.0.1:5432/x"),
            "postgres://u:***@127.0.0.1:5432/x"
        );
        assert_eq!(
            redact_url("postgres://u:p@ss@db/x?sslmode=disable"),
            "postgres://u:***@db/x?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgresql://db/x?user=u&password=hunter2"),
            "postgresql://db/x?user=u&password=***"
        );
        assert_eq!(redact_url("postgres://u@db/x"), "postgres://u@db/x");
        assert_eq!(redact_url("verity.db"), "verity.db");
    }
}

#[cfg(all(test, unix))]
mod permission_tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_new_database_and_its_wal_are_private() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("p.db");
        let store = super::Store::open_sqlite(&path).expect("store");
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("file").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        // The migrations wrote through the WAL; it is there while the store is open.
        let wal = tmp.path().join("p.db-wal");
        assert!(wal.exists(), "WAL mode");
        assert_eq!(mode(&wal), 0o600);
        drop(store);
    }
}

#[cfg(test)]
mod foreign_tests {
    #[test]
    fn another_programs_database_is_refused_and_untouched() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("cats.db");
        {
            let c = rusqlite::Connection::open(&path).expect("sqlite");
            c.execute_batch("CREATE TABLE cats (name TEXT); INSERT INTO cats VALUES ('Tom');")
                .expect("schema");
        }
        match super::Store::open_sqlite(&path) {
            Err(super::StoreError::NotAStore(msg)) => {
                assert!(
                    msg.contains("cats.db") && msg.contains("none of them Verity's"),
                    "{msg}"
                );
            }
            Err(other) => panic!("wrong error: {other}"),
            Ok(_) => panic!("a foreign database was opened as a store"),
        }
        let c = rusqlite::Connection::open(&path).expect("sqlite");
        let n: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(n, 1, "no Verity table was migrated into it");
    }
}
