//! One test suite, run against both backends: SQLite in a temporary directory, and
//! PostgreSQL on 127.0.0.1:5432 in a schema of its own per test (so parallel tests
//! and parallel runs never collide). PostgreSQL tests print why and pass when no
//! server is reachable.

mod common;
use common::{postgres, sqlite};

use serde_json::json;
use verity_ledger::log::{self, AuditOutcome};
use verity_ledger::{Kind, LogStorage, NoteSigner, SignedEntry, merkle};
use verity_store::{Store, StoreError, Tx};

/// Defines `#[test] fn <name>_sqlite` and `<name>_postgres` running one body.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite { $( #[test] fn $name() { super::$name(&super::sqlite().store); } )* }
        mod on_postgres { $( #[test] fn $name() {
            if let Some(t) = super::postgres(stringify!($name)) { super::$name(&t.store); }
        } )* }
    };
}

both_backends!(
    migrations_are_recorded_and_idempotent,
    appends_build_the_rfc_tree_and_proofs_verify,
    failed_transaction_leaves_nothing,
    concurrent_writers_are_serialised,
    verify_names_altered_deleted_and_reordered_entries,
    checkpoints_and_audit,
);

type R<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

// `Store::write` needs an error type with From<StoreError>; this wrapper carries
// either a store error or a test failure.
#[derive(Debug)]
#[allow(dead_code)]
enum E {
    Store(StoreError),
    Other(Box<dyn std::error::Error + Send + Sync>),
}
impl From<StoreError> for E {
    fn from(e: StoreError) -> E {
        E::Store(e)
    }
}

fn run<T>(s: &Store, f: impl FnOnce(&mut Tx<'_>) -> R<T>) -> T {
    s.write(|tx| f(tx).map_err(E::Other)).unwrap()
}

fn log_key() -> NoteSigner {
    NoteSigner::generate("test.example/log").unwrap()
}

fn entries(n: usize, who: &NoteSigner) -> Vec<SignedEntry> {
    (0..n)
        .map(|i| {
            SignedEntry::sign(
                who,
                Kind::InspectionReport,
                json!({"n": i, "site": "Natanz"}),
            )
        })
        .collect()
}

fn init(s: &Store) -> NoteSigner {
    let k = log_key();
    run(s, |tx| {
        Ok(log::init(tx, "test.example/log", &k, "/dev/null")?)
    });
    k
}

fn migrations_are_recorded_and_idempotent(s: &Store) {
    let applied = s.read(verity_store::migrate::applied).unwrap();
    assert!(applied.contains(&("log".to_string(), 1)), "{applied:?}");
    // A database written by a newer program is refused, not misread.
    run(s, |tx| {
        match tx {
            Tx::Sqlite(t) => {
                t.execute("INSERT INTO verity_migrations (area, version, description) VALUES ('log', 99, 'future')", [])?;
            }
            Tx::Postgres(t) => {
                t.execute("INSERT INTO verity_migrations (area, version, description) VALUES ('log', 99, 'future')", &[])?;
            }
        }
        Ok(())
    });
    let err = verity_store::migrate::apply(s).unwrap_err();
    assert!(
        matches!(err, StoreError::NewerSchema { found: 99, .. }),
        "{err}"
    );
}

fn appends_build_the_rfc_tree_and_proofs_verify(s: &Store) {
    let k = init(s);
    let who = NoteSigner::generate("inspector.example/alice").unwrap();
    let es = entries(37, &who);
    // One batch of 20, then 17 single appends.
    let r = run(s, |tx| Ok(log::append(tx, &es[..20])?));
    assert_eq!(r, 0..20);
    for (i, e) in es[20..].iter().enumerate() {
        let r = run(s, |tx| Ok(log::append(tx, std::slice::from_ref(e))?));
        assert_eq!(r.start, 20 + i as u64);
    }
    let leaves: Vec<_> = es.iter().map(SignedEntry::leaf_hash).collect();
    for size in [1u64, 2, 7, 16, 20, 21, 37] {
        let root = run(s, |tx| Ok(log::root_at(tx, size)?));
        assert_eq!(
            root,
            merkle::root_from_leaf_hashes(&leaves[..size as usize]),
            "size {size}"
        );
        for i in 0..size {
            let p = run(s, |tx| Ok(log::prove_inclusion(tx, i, size)?));
            assert_eq!(p.leaf_hash, leaves[i as usize]);
            merkle::verify_inclusion(i, size, &p.leaf_hash, &p.proof, &root).unwrap();
        }
        for old in 1..=size {
            let p = run(s, |tx| Ok(log::prove_consistency(tx, old, size)?));
            assert_eq!(p.new_root, root);
            merkle::verify_consistency(old, size, &p.old_root, &p.new_root, &p.proof).unwrap();
        }
    }
    // Entries come back byte for byte.
    let stored = run(s, |tx| tx.entries(0..37));
    assert_eq!(stored.len(), 37);
    assert_eq!(stored[5].data, es[5].leaf());
    assert_eq!(stored[5].kind, "inspection_report");
    let report = run(s, |tx| Ok(log::verify(tx, &mut |_, _| {})?));
    assert_eq!(report.problem, None);
    let _ = k;
}

fn failed_transaction_leaves_nothing(s: &Store) {
    init(s);
    let who = NoteSigner::generate("a").unwrap();
    let es = entries(10, &who);
    let res: Result<(), E> = s.write(|tx| {
        log::append(tx, &es).map_err(|e| E::Other(e.into()))?;
        Err(E::Other("import failed half-way".into()))
    });
    assert!(res.is_err());
    assert_eq!(run(s, |tx| tx.tree_size()), 0);
    assert!(run(s, |tx| tx.entries(0..100)).is_empty());
    // A duplicate index (as from a racing writer that ignored the lock) aborts the
    // whole batch.
    run(s, |tx| Ok(log::append(tx, &es[..3])?));
    let res: Result<(), E> = s.write(|tx| {
        tx.append(
            2,
            &[verity_ledger::log::NewLeaf {
                kind: "declaration",
                data: b"x",
            }],
            &[],
        )
        .map_err(E::Other)
    });
    assert!(res.is_err());
    assert_eq!(run(s, |tx| tx.tree_size()), 3);
}

fn concurrent_writers_are_serialised(s: &Store) {
    init(s);
    let who = NoteSigner::generate("a").unwrap();
    let es = entries(120, &who);
    std::thread::scope(|scope| {
        for chunk in es.chunks(30) {
            scope.spawn(move || {
                for e in chunk {
                    run(s, |tx| Ok(log::append(tx, std::slice::from_ref(e))?));
                }
            });
        }
    });
    assert_eq!(run(s, |tx| tx.tree_size()), 120);
    let report = run(s, |tx| Ok(log::verify(tx, &mut |_, _| {})?));
    assert_eq!(report.problem, None, "{report:?}");
}

fn exec(s: &Store, sqlite_sql: &str, pg_sql: &str) {
    run(s, |tx| {
        match tx {
            Tx::Sqlite(t) => {
                t.execute_batch(sqlite_sql)?;
            }
            Tx::Postgres(t) => {
                t.batch_execute(pg_sql)?;
            }
        }
        Ok(())
    });
}

fn problem(s: &Store) -> (u64, String) {
    let r = run(s, |tx| Ok(log::verify(tx, &mut |_, _| {})?));
    let p = r.problem.expect("tampering must be detected");
    (p.index, p.reason)
}

fn verify_names_altered_deleted_and_reordered_entries(s: &Store) {
    init(s);
    let who = NoteSigner::generate("a").unwrap();
    let es = entries(40, &who);
    run(s, |tx| Ok(log::append(tx, &es)?));
    let original = run(s, |tx| tx.entries(0..40));
    let restore = |s: &Store| {
        for e in &original {
            run(s, |tx| {
                match tx {
                    Tx::Sqlite(t) => {
                        t.execute(
                            "INSERT OR REPLACE INTO log_entries (idx, kind, data) VALUES (?1, ?2, ?3)",
                            rusqlite::params![e.index as i64, e.kind, e.data],
                        )?;
                    }
                    Tx::Postgres(t) => {
                        t.execute(
                            "INSERT INTO log_entries (idx, kind, data) VALUES ($1, $2, $3)
                             ON CONFLICT (idx) DO UPDATE SET kind = excluded.kind, data = excluded.data",
                            &[&(e.index as i64), &e.kind, &e.data],
                        )?;
                    }
                }
                Ok(())
            });
        }
        assert_eq!(
            run(s, |tx| Ok(log::verify(tx, &mut |_, _| {})?)).problem,
            None
        );
    };
    // Altered content: one byte of entry 17's content.
    exec(
        s,
        "UPDATE log_entries SET data = CAST(replace(CAST(data AS TEXT), 'Natanz', 'Natanx') AS BLOB) WHERE idx = 17",
        "UPDATE log_entries SET data = convert_to(replace(convert_from(data, 'UTF8'), 'Natanz', 'Natanx'), 'UTF8') WHERE idx = 17",
    );
    let (i, why) = problem(s);
    assert_eq!(i, 17, "{why}");
    assert!(why.contains("altered"), "{why}");
    restore(s);
    // Deleted.
    exec(
        s,
        "DELETE FROM log_entries WHERE idx = 23",
        "DELETE FROM log_entries WHERE idx = 23",
    );
    let (i, why) = problem(s);
    assert_eq!(i, 23, "{why}");
    assert!(why.contains("missing"), "{why}");
    restore(s);
    // Reordered: entries 5 and 9 swap places (each still validly signed).
    exec(
        s,
        "UPDATE log_entries SET idx = -1 WHERE idx = 5; UPDATE log_entries SET idx = 5 WHERE idx = 9; UPDATE log_entries SET idx = 9 WHERE idx = -1;",
        "UPDATE log_entries SET idx = -1 WHERE idx = 5; UPDATE log_entries SET idx = 5 WHERE idx = 9; UPDATE log_entries SET idx = 9 WHERE idx = -1;",
    );
    let (i, why) = problem(s);
    assert_eq!(i, 5, "{why}");
    restore(s);
}

fn checkpoints_and_audit(s: &Store) {
    let k = init(s);
    let who = NoteSigner::generate("a").unwrap();
    let es = entries(30, &who);
    run(s, |tx| Ok(log::append(tx, &es[..11])?));
    let old = run(s, |tx| Ok(log::checkpoint(tx, &k)?));
    assert!(old.starts_with("test.example/log\n11\n"), "{old}");
    run(s, |tx| Ok(log::append(tx, &es[11..])?));
    let new = run(s, |tx| Ok(log::checkpoint(tx, &k)?));
    let out = run(s, |tx| Ok(log::audit(tx, &old, &new, &[])?));
    assert!(
        matches!(
            out,
            AuditOutcome::Consistent {
                old_size: 11,
                new_size: 30,
                ..
            }
        ),
        "{out:?}"
    );
    // Reversed order: the log would have shrunk.
    let out = run(s, |tx| Ok(log::audit(tx, &new, &old, &[])?));
    assert!(
        matches!(out, AuditOutcome::Fork { size: 11, .. }),
        "{out:?}"
    );
    // A checkpoint the log key signed over another history of 11 entries: a fork.
    let mut other = merkle::MemoryTree::new();
    for i in 0..11 {
        let e = SignedEntry::sign(
            &who,
            Kind::Declaration,
            json!({"n": i, "site": "elsewhere"}),
        );
        other.push(e.leaf_hash());
    }
    let forked = verity_ledger::Checkpoint::new("test.example/log", 11, other.root(11).unwrap())
        .sign(&k)
        .unwrap()
        .to_string();
    let out = run(s, |tx| Ok(log::audit(tx, &forked, &new, &[])?));
    match out {
        AuditOutcome::Fork {
            size,
            reason,
            proof,
        } => {
            assert_eq!(size, 11);
            assert!(reason.contains("not a prefix"), "{reason}");
            // The evidence verifies against the new checkpoint and shows a root at
            // size 11 other than the forked checkpoint's.
            let p = proof.expect("fork evidence");
            let new_cp =
                verity_ledger::checkpoint::open(&new, &[k.verifier().clone()], None).unwrap();
            merkle::verify_consistency(11, 30, &p.old_root, &new_cp.checkpoint.root, &p.proof)
                .unwrap();
            assert_ne!(p.old_root, other.root(11).unwrap());
        }
        o => panic!("fork not detected: {o:?}"),
    }
    // A checkpoint signed by someone else is refused outright.
    let stranger = NoteSigner::generate("test.example/log").unwrap();
    let fake = verity_ledger::Checkpoint::new("test.example/log", 30, [0; 32])
        .sign(&stranger)
        .unwrap()
        .to_string();
    assert!(run(s, |tx| Ok(log::audit(tx, &old, &fake, &[]).is_err())));
    // A witness's signature cannot stand in for the log's.
    let w = NoteSigner::generate("witness.example/w").unwrap();
    let witness_only = verity_ledger::Checkpoint::new("test.example/log", 30, [0; 32])
        .sign(&w)
        .unwrap()
        .to_string();
    assert!(run(s, |tx| Ok(log::audit(
        tx,
        &old,
        &witness_only,
        &[w.verifier().clone()]
    )
    .is_err())));
    // Both checkpoints are recorded and verify; rewriting history after signing is
    // caught by them even when leaf and node hashes are rewritten consistently.
    let report = run(s, |tx| Ok(log::verify(tx, &mut |_, _| {})?));
    assert_eq!(report.checkpoints_checked, 2);
    assert_eq!(report.problem, None);
    let fake_entry = SignedEntry::sign(&who, Kind::Declaration, json!({"rewritten": true}));
    let mut tree = merkle::MemoryTree::new();
    for (i, e) in es.iter().enumerate() {
        tree.push(if i == 4 {
            fake_entry.leaf_hash()
        } else {
            e.leaf_hash()
        });
    }
    run(s, |tx| {
        let data = fake_entry.leaf().to_vec();
        match tx {
            Tx::Sqlite(t) => {
                t.execute(
                    "UPDATE log_entries SET data = ?1, kind = 'declaration' WHERE idx = 4",
                    [&data],
                )?;
                t.execute("DELETE FROM log_nodes", [])?;
            }
            Tx::Postgres(t) => {
                t.execute(
                    "UPDATE log_entries SET data = $1, kind = 'declaration' WHERE idx = 4",
                    &[&data],
                )?;
                t.execute("DELETE FROM log_nodes", &[])?;
            }
        }
        let mut nodes = Vec::new();
        let mut fb = merkle::FrontierBuilder::default();
        for i in 0..30u64 {
            fb.push_with(
                tree.node(verity_ledger::NodeId::new(0, i)).unwrap(),
                |id, h| nodes.push((id, *h)),
            );
        }
        for (id, h) in nodes {
            match tx {
                Tx::Sqlite(t) => {
                    t.execute(
                        "INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
                        rusqlite::params![id.level, id.index as i64, &h[..]],
                    )?;
                }
                Tx::Postgres(t) => {
                    t.execute(
                        "INSERT INTO log_nodes (level, idx, hash) VALUES ($1, $2, $3)",
                        &[&i32::from(id.level), &(id.index as i64), &&h[..]],
                    )?;
                }
            }
        }
        Ok(())
    });
    let (i, why) = problem(s);
    assert_eq!(
        i, 10,
        "first checkpoint covering the rewrite is size 11: {why}"
    );
    assert!(why.contains("signed checkpoint"), "{why}");
}

#[test]
fn open_rejects_unknown_locations_with_their_name() {
    let e = Store::open("mysql://x").unwrap_err();
    assert!(e.to_string().contains("mysql://x"), "{e}");
    let e = Store::open("sqlite:/nonexistent-dir/sub/x.db").unwrap_err();
    assert!(e.to_string().contains("/nonexistent-dir/sub/x.db"), "{e}");
}
