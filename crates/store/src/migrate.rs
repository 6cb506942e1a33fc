//! Versioned schema migrations, applied when a store is opened.
//!
//! Each area of the schema (the log, later evidence, tokens, …) owns an ordered list
//! of migrations numbered 1, 2, 3… within the area; the table `verity_migrations`
//! records which `(area, version)` pairs have been applied. Areas are independent,
//! so adding an area never renumbers another's migrations. A migration is never
//! edited once released: change the schema by appending a new version.
//!
//! Architecture invariant: migrations run inside one write transaction per open,
//! so a half-applied migration is never visible; a database whose recorded version
//! is newer than this program's is refused rather than misread.

use crate::{Store, StoreError, Tx};

/// One schema change, in both dialects.
#[derive(Debug)]
pub struct Migration {
    pub version: u32,
    pub description: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every area and its migrations, in the order areas are migrated. Append new
/// areas at the end.
pub const AREAS: &[(&str, &[Migration])] = &[
    ("log", crate::log::MIGRATIONS),
    ("tokens", crate::tokens::MIGRATIONS),
    ("evidence", crate::evidence::MIGRATIONS),
    ("relay", crate::relay::MIGRATIONS),
];

const BOOTSTRAP_SQLITE: &str = "CREATE TABLE IF NOT EXISTS verity_migrations (
    area TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (area, version)
)";

const BOOTSTRAP_POSTGRES: &str = "CREATE TABLE IF NOT EXISTS verity_migrations (
    area TEXT NOT NULL,
    version BIGINT NOT NULL,
    description TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (area, version)
)";

/// The applied `(area, version)` pairs.
pub fn applied(tx: &mut Tx<'_>) -> Result<Vec<(String, i64)>, StoreError> {
    let q = "SELECT area, version FROM verity_migrations ORDER BY area, version";
    match tx {
        Tx::Sqlite(t) => {
            let mut st = t.prepare(q).map_err(sq)?;
            let rows = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(sq)?;
            rows.collect::<Result<_, _>>().map_err(sq)
        }
        Tx::Postgres(t) => Ok(t
            .query(q, &[])?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
            .collect()),
    }
}

fn sq(e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: "(migrations)".into(),
        source: e,
    }
}

/// Brings the schema up to date (idempotent); [`Store`] opens call it.
pub fn apply(store: &Store) -> Result<(), StoreError> {
    store.write(|tx| {
        match tx {
            Tx::Sqlite(t) => t.execute_batch(BOOTSTRAP_SQLITE).map_err(sq)?,
            Tx::Postgres(t) => t.batch_execute(BOOTSTRAP_POSTGRES)?,
        }
        let done = applied(tx)?;
        for (area, migrations) in AREAS {
            let known = migrations.iter().map(|m| m.version).max().unwrap_or(0);
            if let Some((_, v)) = done.iter().filter(|(a, _)| a == area).max_by_key(|(_, v)| *v) {
                if *v > i64::from(known) {
                    return Err(StoreError::NewerSchema {
                        area: (*area).to_string(),
                        found: *v,
                        known,
                    });
                }
            }
            for m in migrations.iter() {
                if done.iter().any(|(a, v)| a == area && *v == i64::from(m.version)) {
                    continue;
                }
                let fail = |message: String| StoreError::Migration {
                    area,
                    version: m.version,
                    description: m.description,
                    message,
                };
                match tx {
                    Tx::Sqlite(t) => {
                        t.execute_batch(m.sqlite).map_err(|e| fail(e.to_string()))?;
                        t.execute(
                            "INSERT INTO verity_migrations (area, version, description) VALUES (?1, ?2, ?3)",
                            rusqlite::params![area, m.version, m.description],
                        )
                        .map_err(|e| fail(e.to_string()))?;
                    }
                    Tx::Postgres(t) => {
                        t.batch_execute(m.postgres).map_err(|e| fail(e.to_string()))?;
                        t.execute(
                            "INSERT INTO verity_migrations (area, version, description) VALUES ($1, $2, $3)",
                            &[area, &i64::from(m.version), &m.description],
                        )
                        .map_err(|e| fail(e.to_string()))?;
                    }
                }
            }
        }
        Ok(())
    })
}
