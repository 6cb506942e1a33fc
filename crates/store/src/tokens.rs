//! API access tokens for `verity serve`: only each token's SHA-256 is stored, with
//! its role, a label, and when it was created or revoked.
//!
//! Architecture invariant: a token's text never reaches the database; `token_sha256`
//! is the only form of it stored, and a revoked token is kept (for the record) but
//! never matches again.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::migrate::Migration;
use crate::{StoreError, Tx};

/// A stored token (its hash is never read back out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub role: Role,
    pub label: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// What a token allows:
/// - `admin` manages tokens and reads everything;
/// - `inspector` submits evidence and signed reports (which go into the log) and reads
///   everything;
/// - `analyst` reads everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Inspector,
    Analyst,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Inspector, Role::Analyst];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Inspector => "inspector",
            Role::Analyst => "analyst",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`: expected admin, inspector or analyst"))
    }
}

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "API tokens: SHA-256 of the token, role, label, created and revoked times",
    sqlite: "
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            token_sha256 TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('admin', 'inspector', 'analyst')),
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );",
    postgres: "
        CREATE TABLE api_tokens (
            id BIGSERIAL PRIMARY KEY,
            token_sha256 TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('admin', 'inspector', 'analyst')),
            label TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );",
}];

const SQLITE_NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
const POSTGRES_NOW: &str = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

fn sq(e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: "(api_tokens)".into(),
        source: e,
    }
}

fn check_hash(hash: &str) -> Result<(), StoreError> {
    if hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        Ok(())
    } else {
        Err(StoreError::Invalid(
            "a token hash must be 64 lowercase hex digits (SHA-256)".into(),
        ))
    }
}

fn role_of(text: &str) -> Result<Role, StoreError> {
    text.parse()
        .map_err(|e: String| StoreError::Invalid(format!("api_tokens.role: {e}")))
}

fn sqlite_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRecord> {
    let role: String = r.get(1)?;
    Ok(TokenRecord {
        id: r.get(0)?,
        role: role_of(&role).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?,
        label: r.get(2)?,
        created_at: r.get(3)?,
    })
}

fn pg_record(r: &postgres::Row) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: r.get(0),
        role: role_of(r.get(1))?,
        label: r.get(2),
        created_at: r.get(3),
    })
}

/// The live (not revoked) token whose SHA-256 is `hash` (lowercase hex).
pub fn token_by_hash(tx: &mut Tx<'_>, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
    const Q: &str = "SELECT id, role, label, created_at FROM api_tokens
                     WHERE token_sha256 = $1 AND revoked_at IS NULL";
    match tx {
        Tx::Sqlite(t) => {
            use rusqlite::OptionalExtension;
            t.query_row(Q, [hash], sqlite_record).optional().map_err(sq)
        }
        Tx::Postgres(t) => t
            .query_opt(Q, &[&hash])?
            .as_ref()
            .map(pg_record)
            .transpose(),
    }
}

/// Stores a new token by its hash.
pub fn create_token(
    tx: &mut Tx<'_>,
    role: Role,
    label: &str,
    hash: &str,
) -> Result<TokenRecord, StoreError> {
    check_hash(hash)?;
    let role = role.as_str();
    match tx {
        Tx::Sqlite(t) => t
            .query_row(
                &format!(
                    "INSERT INTO api_tokens (token_sha256, role, label, created_at)
                     VALUES (?1, ?2, ?3, {SQLITE_NOW})
                     RETURNING id, role, label, created_at"
                ),
                rusqlite::params![hash, role, label],
                sqlite_record,
            )
            .map_err(sq),
        Tx::Postgres(t) => pg_record(&t.query_one(
            &format!(
                "INSERT INTO api_tokens (token_sha256, role, label, created_at)
                 VALUES ($1, $2, $3, {POSTGRES_NOW})
                 RETURNING id, role, label, created_at"
            ),
            &[&hash, &role, &label],
        )?),
    }
}

/// Every live token, oldest first.
pub fn list_tokens(tx: &mut Tx<'_>) -> Result<Vec<TokenRecord>, StoreError> {
    const Q: &str = "SELECT id, role, label, created_at FROM api_tokens
                     WHERE revoked_at IS NULL ORDER BY id";
    match tx {
        Tx::Sqlite(t) => {
            let mut st = t.prepare(Q).map_err(sq)?;
            let rows = st.query_map([], sqlite_record).map_err(sq)?;
            rows.collect::<Result<_, _>>().map_err(sq)
        }
        Tx::Postgres(t) => t.query(Q, &[])?.iter().map(pg_record).collect(),
    }
}

/// Revokes a live token; false when there is none with that id.
pub fn revoke_token(tx: &mut Tx<'_>, id: i64) -> Result<bool, StoreError> {
    let n = match tx {
        Tx::Sqlite(t) => t
            .execute(
                &format!(
                    "UPDATE api_tokens SET revoked_at = {SQLITE_NOW}
                     WHERE id = ?1 AND revoked_at IS NULL"
                ),
                [id],
            )
            .map_err(sq)? as u64,
        Tx::Postgres(t) => t.execute(
            &format!(
                "UPDATE api_tokens SET revoked_at = {POSTGRES_NOW}
                 WHERE id = $1 AND revoked_at IS NULL"
            ),
            &[&id],
        )?,
    };
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn hash(c: char) -> String {
        std::iter::repeat_n(c, 64).collect()
    }

    fn exercise(store: &Store) {
        let a = store
            .write(|tx| create_token(tx, Role::Analyst, "newsroom", &hash('a')))
            .unwrap();
        assert_eq!(a.role, Role::Analyst);
        assert!(
            a.created_at.ends_with('Z') && a.created_at.len() == 20,
            "{a:?}"
        );
        let b = store
            .write(|tx| create_token(tx, Role::Admin, "", &hash('b')))
            .unwrap();
        assert!(b.id > a.id);
        // Same hash twice is refused by the unique index.
        assert!(
            store
                .write(|tx| create_token(tx, Role::Admin, "", &hash('b')))
                .is_err()
        );
        // The role is a type; an unknown name never reaches the table.
        assert!("root".parse::<Role>().is_err());
        assert_eq!("inspector".parse::<Role>(), Ok(Role::Inspector));
        assert!(
            store
                .write(|tx| create_token(tx, Role::Admin, "", "nothex"))
                .is_err()
        );
        let found = store.read(|tx| token_by_hash(tx, &hash('a'))).unwrap();
        assert_eq!(found.as_ref(), Some(&a));
        assert_eq!(store.read(list_tokens).unwrap(), vec![a.clone(), b.clone()]);
        assert!(store.write(|tx| revoke_token(tx, a.id)).unwrap());
        assert!(!store.write(|tx| revoke_token(tx, a.id)).unwrap());
        assert_eq!(
            store.read(|tx| token_by_hash(tx, &hash('a'))).unwrap(),
            None
        );
        assert_eq!(store.read(list_tokens).unwrap(), vec![b]);
    }

    #[test]
    fn tokens_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("t.db")).unwrap();
        exercise(&store);
    }

    #[test]
    fn tokens_on_postgres() {
        let url = "postgres://postgres@127.0.0.1:5432/test";
        let schema = format!("verity_tokens_test_{}", std::process::id());
        let store = match Store::open_postgres(url, Some(&schema)) {
            Ok(s) => s,
            Err(e) => {
                println!("skipping the PostgreSQL token test: {url} unreachable ({e})");
                return;
            }
        };
        exercise(&store);
        let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .unwrap();
    }
}
