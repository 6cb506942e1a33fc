//! The transparency log's tables, and [`LogStorage`] on a [`Tx`].
//!
//! - `log_meta`: one row — origin, the log's verifier key, the path of its private
//!   key file, and the tree size (the commit point of an append).
//! - `log_entries(idx, kind, data)`: the canonical leaf bytes of every entry.
//! - `log_nodes(level, idx, hash)`: the hash of every perfect subtree (level 0 =
//!   leaf hashes), about 2n rows for n entries, so a proof is one O(log n) lookup.
//! - `log_checkpoints(tree_size, note)`: every checkpoint the log signed.
//!
//! Architecture invariant: entries, nodes and the new tree size of an append are
//! written in one transaction; rows beyond `tree_size` never exist.

use std::ops::Range;

use verity_ledger::log::{LogMeta, NewLeaf, StorageError, StoredEntry};
use verity_ledger::{Hash, LogStorage, NodeId};

use crate::Tx;
use crate::migrate::Migration;

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "log tables: meta, entries, Merkle nodes, checkpoints",
    sqlite: "
        CREATE TABLE log_meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            origin TEXT NOT NULL,
            verifier_key TEXT NOT NULL,
            signer_key_path TEXT NOT NULL,
            tree_size INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        CREATE TABLE log_entries (
            idx INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE log_nodes (
            level INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (level, idx)
        ) WITHOUT ROWID;
        CREATE TABLE log_checkpoints (
            tree_size INTEGER PRIMARY KEY,
            note TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );",
    postgres: "
        CREATE TABLE log_meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            origin TEXT NOT NULL,
            verifier_key TEXT NOT NULL,
            signer_key_path TEXT NOT NULL,
            tree_size BIGINT NOT NULL DEFAULT 0,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        CREATE TABLE log_entries (
            idx BIGINT PRIMARY KEY,
            kind TEXT NOT NULL,
            data BYTEA NOT NULL
        );
        CREATE TABLE log_nodes (
            level INTEGER NOT NULL,
            idx BIGINT NOT NULL,
            hash BYTEA NOT NULL,
            PRIMARY KEY (level, idx)
        );
        CREATE TABLE log_checkpoints (
            tree_size BIGINT PRIMARY KEY,
            note TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );",
}];

fn err(e: impl std::error::Error + Send + Sync + 'static) -> StorageError {
    Box::new(e)
}

fn to_i64(v: u64) -> Result<i64, StorageError> {
    i64::try_from(v).map_err(|_| format!("index {v} exceeds the database's range").into())
}

fn to_hash(v: Vec<u8>) -> Result<Hash, StorageError> {
    v.try_into()
        .map_err(|v: Vec<u8>| format!("stored hash has {} bytes, expected 32", v.len()).into())
}

impl LogStorage for Tx<'_> {
    fn log_meta(&mut self) -> Result<Option<LogMeta>, StorageError> {
        let q = "SELECT origin, verifier_key, signer_key_path FROM log_meta WHERE id = 1";
        match self {
            Tx::Sqlite(t) => {
                use rusqlite::OptionalExtension;
                t.query_row(q, [], |r| {
                    Ok(LogMeta {
                        origin: r.get(0)?,
                        verifier_key: r.get(1)?,
                        signer_key_path: r.get(2)?,
                    })
                })
                .optional()
                .map_err(err)
            }
            Tx::Postgres(t) => Ok(t.query_opt(q, &[]).map_err(err)?.map(|r| LogMeta {
                origin: r.get(0),
                verifier_key: r.get(1),
                signer_key_path: r.get(2),
            })),
        }
    }

    fn init_log(&mut self, m: &LogMeta) -> Result<(), StorageError> {
        match self {
            Tx::Sqlite(t) => {
                t.execute(
                    "INSERT INTO log_meta (id, origin, verifier_key, signer_key_path) VALUES (1, ?1, ?2, ?3)",
                    rusqlite::params![m.origin, m.verifier_key, m.signer_key_path],
                )
                .map_err(err)?;
            }
            Tx::Postgres(t) => {
                t.execute(
                    "INSERT INTO log_meta (id, origin, verifier_key, signer_key_path) VALUES (1, $1, $2, $3)",
                    &[&m.origin, &m.verifier_key, &m.signer_key_path],
                )
                .map_err(err)?;
            }
        }
        Ok(())
    }

    fn tree_size(&mut self) -> Result<u64, StorageError> {
        let q = "SELECT tree_size FROM log_meta WHERE id = 1";
        let size: Option<i64> = match self {
            Tx::Sqlite(t) => {
                use rusqlite::OptionalExtension;
                t.query_row(q, [], |r| r.get(0)).optional().map_err(err)?
            }
            // Typed queries skip the prepare round trip.
            Tx::Postgres(t) => t.query_typed_opt(q, &[]).map_err(err)?.map(|r| r.get(0)),
        };
        Ok(size.unwrap_or(0) as u64)
    }

    fn nodes(&mut self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StorageError> {
        match self {
            Tx::Sqlite(t) => {
                let mut st = t
                    .prepare_cached("SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2")
                    .map_err(err)?;
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    let mut rows = st
                        .query(rusqlite::params![id.level, to_i64(id.index)?])
                        .map_err(err)?;
                    out.push(match rows.next().map_err(err)? {
                        Some(r) => Some(to_hash(r.get(0).map_err(err)?)?),
                        None => None,
                    });
                }
                Ok(out)
            }
            Tx::Postgres(t) => {
                let levels: Vec<i32> = ids.iter().map(|id| i32::from(id.level)).collect();
                let idxs: Vec<i64> = ids
                    .iter()
                    .map(|id| to_i64(id.index))
                    .collect::<Result<_, _>>()?;
                // One round trip (a typed query needs no prepare): join the wanted
                // ids against the table, keeping their order.
                let rows = t
                    .query_typed(
                        "SELECT q.ord, n.hash FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS q(level, idx, ord)
                         JOIN log_nodes n ON n.level = q.level AND n.idx = q.idx",
                        &[
                            (&levels, postgres::types::Type::INT4_ARRAY),
                            (&idxs, postgres::types::Type::INT8_ARRAY),
                        ],
                    )
                    .map_err(err)?;
                let mut out = vec![None; ids.len()];
                for r in rows {
                    let ord: i64 = r.get(0);
                    out[(ord - 1) as usize] = Some(to_hash(r.get(1))?);
                }
                Ok(out)
            }
        }
    }

    fn append(
        &mut self,
        first: u64,
        leaves: &[NewLeaf<'_>],
        nodes: &[(NodeId, Hash)],
    ) -> Result<(), StorageError> {
        let new_size = to_i64(first + leaves.len() as u64)?;
        let first = to_i64(first)?;
        let updated = match self {
            Tx::Sqlite(t) => {
                // Multi-row INSERTs (ROWS per statement) cut SQLite's per-statement
                // overhead, which dominates single-row inserts of small rows.
                const ROWS: usize = 64;
                for (n, rows) in leaves.chunks(ROWS).enumerate() {
                    let sql = multi_insert("log_entries (idx, kind, data)", 3, rows.len());
                    let mut st = t.prepare_cached(&sql).map_err(err)?;
                    let base = first + (n * ROWS) as i64;
                    let mut params: Vec<rusqlite::types::ToSqlOutput<'_>> =
                        Vec::with_capacity(rows.len() * 3);
                    for (i, l) in rows.iter().enumerate() {
                        params.push((base + i as i64).into());
                        params.push(l.kind.into());
                        params.push(l.data.into());
                    }
                    st.execute(rusqlite::params_from_iter(params))
                        .map_err(err)?;
                }
                for rows in nodes.chunks(ROWS) {
                    let sql = multi_insert("log_nodes (level, idx, hash)", 3, rows.len());
                    let mut st = t.prepare_cached(&sql).map_err(err)?;
                    let mut params: Vec<rusqlite::types::ToSqlOutput<'_>> =
                        Vec::with_capacity(rows.len() * 3);
                    for (id, h) in rows {
                        params.push(i64::from(id.level).into());
                        params.push(to_i64(id.index)?.into());
                        params.push((&h[..]).into());
                    }
                    st.execute(rusqlite::params_from_iter(params))
                        .map_err(err)?;
                }
                t.execute(
                    "UPDATE log_meta SET tree_size = ?1 WHERE id = 1 AND tree_size = ?2",
                    rusqlite::params![new_size, first],
                )
                .map_err(err)?
            }
            Tx::Postgres(t) => {
                let idx: Vec<i64> = (0..leaves.len() as i64).map(|i| first + i).collect();
                let kinds: Vec<&str> = leaves.iter().map(|l| l.kind).collect();
                let data: Vec<&[u8]> = leaves.iter().map(|l| l.data).collect();
                t.execute(
                    "INSERT INTO log_entries (idx, kind, data) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])",
                    &[&idx, &kinds, &data],
                )
                .map_err(err)?;
                let levels: Vec<i32> = nodes.iter().map(|(id, _)| i32::from(id.level)).collect();
                let nidx: Vec<i64> = nodes
                    .iter()
                    .map(|(id, _)| to_i64(id.index))
                    .collect::<Result<_, _>>()?;
                let hashes: Vec<&[u8]> = nodes.iter().map(|(_, h)| &h[..]).collect();
                t.execute(
                    "INSERT INTO log_nodes (level, idx, hash) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])",
                    &[&levels, &nidx, &hashes],
                )
                .map_err(err)?;
                t.execute(
                    "UPDATE log_meta SET tree_size = $1 WHERE id = 1 AND tree_size = $2",
                    &[&new_size, &first],
                )
                .map_err(err)? as usize
            }
        };
        if updated != 1 {
            return Err("the log changed under this append (tree size moved); retry".into());
        }
        Ok(())
    }

    fn entries(&mut self, range: Range<u64>) -> Result<Vec<StoredEntry>, StorageError> {
        let (a, b) = (
            to_i64(range.start)?,
            to_i64(range.end.min(i64::MAX as u64))?,
        );
        match self {
            Tx::Sqlite(t) => {
                let mut st = t
                    .prepare_cached(
                        "SELECT idx, kind, data FROM log_entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
                    )
                    .map_err(err)?;
                let rows = st
                    .query_map(rusqlite::params![a, b], |r| {
                        Ok(StoredEntry {
                            index: r.get::<_, i64>(0)? as u64,
                            kind: r.get(1)?,
                            data: r.get(2)?,
                        })
                    })
                    .map_err(err)?;
                rows.collect::<Result<_, _>>().map_err(err)
            }
            Tx::Postgres(t) => Ok(t
                .query(
                    "SELECT idx, kind, data FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                    &[&a, &b],
                )
                .map_err(err)?
                .iter()
                .map(|r| StoredEntry {
                    index: r.get::<_, i64>(0) as u64,
                    kind: r.get(1),
                    data: r.get(2),
                })
                .collect()),
        }
    }

    fn put_checkpoint(&mut self, size: u64, note: &str) -> Result<(), StorageError> {
        let size = to_i64(size)?;
        match self {
            Tx::Sqlite(t) => {
                t.execute(
                    "INSERT INTO log_checkpoints (tree_size, note) VALUES (?1, ?2)
                     ON CONFLICT (tree_size) DO UPDATE SET note = excluded.note",
                    rusqlite::params![size, note],
                )
                .map_err(err)?;
            }
            Tx::Postgres(t) => {
                t.execute(
                    "INSERT INTO log_checkpoints (tree_size, note) VALUES ($1, $2)
                     ON CONFLICT (tree_size) DO UPDATE SET note = excluded.note",
                    &[&size, &note],
                )
                .map_err(err)?;
            }
        }
        Ok(())
    }

    fn latest_checkpoint(&mut self) -> Result<Option<(u64, String)>, StorageError> {
        // The primary key's index: one row, whatever the number of checkpoints.
        self.one_checkpoint(
            "SELECT tree_size, note FROM log_checkpoints ORDER BY tree_size DESC LIMIT 1",
            None,
        )
    }

    fn checkpoint_at(&mut self, size: u64) -> Result<Option<String>, StorageError> {
        let n = to_i64(size)?;
        Ok(self
            .one_checkpoint(
                "SELECT tree_size, note FROM log_checkpoints WHERE tree_size = ?1",
                Some(n),
            )?
            .map(|(_, t)| t))
    }

    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StorageError> {
        let q = "SELECT tree_size, note FROM log_checkpoints ORDER BY tree_size";
        match self {
            Tx::Sqlite(t) => {
                let mut st = t.prepare_cached(q).map_err(err)?;
                let rows = st
                    .query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
                    .map_err(err)?;
                rows.collect::<Result<_, _>>().map_err(err)
            }
            Tx::Postgres(t) => Ok(t
                .query(q, &[])
                .map_err(err)?
                .iter()
                .map(|r| (r.get::<_, i64>(0) as u64, r.get(1)))
                .collect()),
        }
    }
}

impl Tx<'_> {
    fn one_checkpoint(
        &mut self,
        q: &str,
        size: Option<i64>,
    ) -> Result<Option<(u64, String)>, StorageError> {
        match self {
            Tx::Sqlite(t) => {
                let mut st = t.prepare_cached(q).map_err(err)?;
                let mut rows = match size {
                    Some(n) => st.query([n]),
                    None => st.query([]),
                }
                .map_err(err)?;
                match rows.next().map_err(err)? {
                    Some(r) => Ok(Some((
                        r.get::<_, i64>(0).map_err(err)? as u64,
                        r.get(1).map_err(err)?,
                    ))),
                    None => Ok(None),
                }
            }
            Tx::Postgres(t) => {
                let q = q.replace("?1", "$1");
                let rows = match size {
                    Some(n) => t.query(q.as_str(), &[&n]),
                    None => t.query(q.as_str(), &[]),
                }
                .map_err(err)?;
                Ok(rows.first().map(|r| (r.get::<_, i64>(0) as u64, r.get(1))))
            }
        }
    }
}

/// `INSERT INTO <table> VALUES (?,?,?),(?,?,?),…` for `rows` rows.
fn multi_insert(table: &str, cols: usize, rows: usize) -> String {
    let one = format!("({})", vec!["?"; cols].join(","));
    format!("INSERT INTO {table} VALUES {}", vec![one; rows].join(","))
}

/// The latest recorded checkpoint, if any.
pub fn latest_checkpoint(tx: &mut Tx<'_>) -> Result<Option<(u64, String)>, StorageError> {
    LogStorage::latest_checkpoint(tx)
}
