//! Where a store lives, parsed once for every command and the server.
//!
//! Accepted forms: a file path (`verity.db`), `sqlite://PATH` or `sqlite:PATH` (SQLite),
//! and `postgres://…` / `postgresql://…` (PostgreSQL). A PostgreSQL URL may end in
//! `?schema=NAME` (Verity's own parameter, taken off before connecting): the tables
//! then live in that schema, so several deployments can share one database.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use verity_store::Store;

use crate::{AppError, AppResult};

/// The default store of every command: `verity.db` in the working directory.
pub const DEFAULT: &str = "verity.db";

/// A store's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres {
        /// The connection URL without Verity's `schema` parameter.
        url: String,
        schema: Option<String>,
    },
}

impl FromStr for Location {
    type Err = AppError;

    fn from_str(s: &str) -> AppResult<Location> {
        let bad = |reason: &str| AppError::field("store", format!("`{s}`"), reason.to_owned());
        const EXPECTED: &str = "expected a file path, sqlite://PATH or postgres://…";
        if s.trim().is_empty() {
            return Err(bad(EXPECTED));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            let (base, query) = match s.split_once('?') {
                Some((b, q)) => (b, Some(q)),
                None => (s, None),
            };
            let mut schema = None;
            let mut rest = Vec::new();
            for pair in query.into_iter().flat_map(|q| q.split('&')) {
                match pair.strip_prefix("schema=") {
                    Some(name) => {
                        if name.is_empty()
                            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                        {
                            return Err(bad(
                                "the schema name must be ASCII letters, digits or underscores",
                            ));
                        }
                        schema = Some(name.to_owned());
                    }
                    None if !pair.is_empty() => rest.push(pair),
                    None => {}
                }
            }
            let url = if rest.is_empty() {
                base.to_owned()
            } else {
                format!("{base}?{}", rest.join("&"))
            };
            return Ok(Location::Postgres { url, schema });
        }
        // SQLite's in-memory databases (`:memory:`, `file::memory:`, `?mode=memory`)
        // would acknowledge every write and lose it at exit: never a store.
        let in_memory = |p: &str| {
            p == ":memory:"
                || p.starts_with("file::memory:")
                || p.starts_with(":memory:")
                || p.contains("mode=memory")
        };
        if let Some(p) = s.strip_prefix("sqlite:") {
            let p = p.strip_prefix("//").unwrap_or(p);
            if p.is_empty() {
                return Err(bad("sqlite:// needs a file path after it"));
            }
            if in_memory(p) {
                return Err(bad(
                    "an in-memory database keeps nothing once the command exits: give a file path",
                ));
            }
            return Ok(Location::Sqlite(PathBuf::from(p)));
        }
        if s.contains("://") {
            return Err(bad(EXPECTED));
        }
        if in_memory(s) {
            return Err(bad(
                "an in-memory database keeps nothing once the command exits: give a file path",
            ));
        }
        Ok(Location::Sqlite(PathBuf::from(s)))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres { url, schema } => {
                // The password, if the URL has one, is not repeated in messages.
                let shown = verity_store::redact_url(url);
                f.write_str(&shown)?;
                if let Some(s) = schema {
                    write!(f, " (schema {s})")?;
                }
                Ok(())
            }
        }
    }
}

impl Default for Location {
    fn default() -> Location {
        Location::Sqlite(PathBuf::from(DEFAULT))
    }
}

impl Location {
    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(p) => Some(p),
            Location::Postgres { .. } => None,
        }
    }

    /// Where a log key created for this store goes: beside an SQLite file
    /// (`verity.db` → `verity.db.log-key`), else `verity-log.key` in the working
    /// directory.
    pub fn default_key_path(&self) -> PathBuf {
        match self {
            Location::Sqlite(p) => {
                let mut s = p.as_os_str().to_owned();
                s.push(".log-key");
                PathBuf::from(s)
            }
            Location::Postgres { .. } => PathBuf::from("verity-log.key"),
        }
    }

    /// Opens the store, creating and migrating it as needed (for commands that write:
    /// `evidence import`, `log init`, `token create`, `serve`).
    pub fn open_or_create(&self) -> AppResult<Store> {
        let store = match self {
            Location::Sqlite(p) => Store::open_sqlite(p),
            Location::Postgres { url, schema } => Store::open_postgres(url, schema.as_deref()),
        };
        store.map_err(|e| match e {
            // A file that is not a store is the caller's input, not a failure.
            verity_store::StoreError::NotAStore(msg) => AppError::BadInput {
                field: Some("store".into()),
                value: None,
                reason: msg,
                problems: Vec::new(),
            },
            other => AppError::Failed(anyhow::anyhow!("opening the store {self}: {other}")),
        })
    }

    /// Opens a store that must already exist. Every command that only reads (or
    /// appends to what is there) opens this way, so a misspelt path or URL is an error
    /// rather than a new, empty store.
    pub fn open_existing(&self) -> AppResult<Store> {
        let exists = match self {
            Location::Sqlite(p) => p.is_file(),
            Location::Postgres { url, schema } => Store::postgres_has_store(url, schema.as_deref())
                .map_err(|e| AppError::Failed(anyhow::anyhow!("opening the store {self}: {e}")))?,
        };
        if !exists {
            let what = match self {
                Location::Sqlite(p) => format!("no database at {}", p.display()),
                Location::Postgres { .. } => format!("no Verity store in {self}"),
            };
            return Err(AppError::NotFound(format!(
                "{what} (create one with `verity evidence import FILE… --db …`, \
                 `verity log init` or `verity serve`)"
            )));
        }
        self.open_or_create()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Location {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn every_form_of_a_location_parses_to_one_value() {
        let file = Location::Sqlite(PathBuf::from("data/v.db"));
        assert_eq!(parse("data/v.db"), file);
        assert_eq!(parse("sqlite:data/v.db"), file);
        assert_eq!(parse("sqlite://data/v.db"), file);
        assert_eq!(
            parse("sqlite:///tmp/v.db"),
            Location::Sqlite(PathBuf::from("/tmp/v.db"))
        );
        assert_eq!(
            parse("postgres://u@h/db?schema=team_a&sslmode=disable"),
            Location::Postgres {
                url: "postgres://u@h/db?sslmode=disable".into(),
                schema: Some("team_a".into())
            }
        );
        assert_eq!(
            parse("postgresql://u@h/db"),
            Location::Postgres {
                url: "postgresql://u@h/db".into(),
                schema: None
            }
        );
        for bad in [
            "",
            "mysql://h/db",
            "sqlite://",
            "postgres://h/db?schema=a-b",
        ] {
            assert!(bad.parse::<Location>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn messages_do_not_repeat_a_password() {
        let l = parse("postgres://verity:s3cret@db.internal/verity");
        assert_eq!(l.to_string(), "postgres://verity:***@db.internal/verity");
    }

    #[test]
    fn reading_never_creates_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.db");
        let loc = Location::Sqlite(path.clone());
        let err = loc.open_existing().unwrap_err();
        assert!(matches!(err, AppError::NotFound(_)), "{err}");
        assert!(!path.exists(), "a read created {}", path.display());
        loc.open_or_create().unwrap();
        assert!(path.exists());
        loc.open_existing().unwrap();
        assert_eq!(
            loc.default_key_path(),
            dir.path().join("missing.db.log-key")
        );
    }
}
