//! A relay's mailboxes (`verity serve --relay`): shares deposited for a recipient and
//! kept until collected. The relay stores opaque share texts; it cannot read them.
//!
//! - `relay_shares(id, mailbox, body, deposited_at)`.

use crate::migrate::Migration;
use crate::{StoreError, Tx};

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "relay mailboxes: shares deposited for a recipient",
    sqlite: "
        CREATE TABLE relay_shares (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            mailbox TEXT NOT NULL,
            body TEXT NOT NULL,
            deposited_at TEXT NOT NULL
        );
        CREATE INDEX relay_shares_mailbox ON relay_shares (mailbox, id);",
    postgres: "
        CREATE TABLE relay_shares (
            id BIGSERIAL PRIMARY KEY,
            mailbox TEXT NOT NULL,
            body TEXT NOT NULL,
            deposited_at TEXT NOT NULL
        );
        CREATE INDEX relay_shares_mailbox ON relay_shares (mailbox, id);",
}];

fn sq(e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: "(relay_shares)".into(),
        source: e,
    }
}

/// One deposited share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deposit {
    pub id: i64,
    pub body: String,
    pub deposited_at: String,
}

/// Keeps `body` in `mailbox`; its id.
pub fn deposit(tx: &mut Tx<'_>, mailbox: &str, body: &str, now: &str) -> Result<i64, StoreError> {
    match tx {
        Tx::Sqlite(t) => {
            t.execute(
                "INSERT INTO relay_shares (mailbox, body, deposited_at) VALUES (?1, ?2, ?3)",
                [mailbox, body, now],
            )
            .map_err(sq)?;
            Ok(t.last_insert_rowid())
        }
        Tx::Postgres(t) => Ok(t
            .query_one(
                "INSERT INTO relay_shares (mailbox, body, deposited_at) VALUES ($1, $2, $3) RETURNING id",
                &[&mailbox, &body, &now],
            )?
            .get(0)),
    }
}

/// The shares in `mailbox` after id `after`, oldest first, at most `limit`.
pub fn collect(
    tx: &mut Tx<'_>,
    mailbox: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<Deposit>, StoreError> {
    const Q: &str = "SELECT id, body, deposited_at FROM relay_shares
                     WHERE mailbox = $1 AND id > $2 ORDER BY id LIMIT $3";
    match tx {
        Tx::Sqlite(t) => {
            let mut st = t.prepare_cached(Q).map_err(sq)?;
            let rows = st
                .query_map(rusqlite::params![mailbox, after, limit], |r| {
                    Ok(Deposit {
                        id: r.get(0)?,
                        body: r.get(1)?,
                        deposited_at: r.get(2)?,
                    })
                })
                .map_err(sq)?;
            rows.collect::<Result<_, _>>().map_err(sq)
        }
        Tx::Postgres(t) => Ok(t
            .query(Q, &[&mailbox, &after, &limit])?
            .iter()
            .map(|r| Deposit {
                id: r.get(0),
                body: r.get(1),
                deposited_at: r.get(2),
            })
            .collect()),
    }
}
