//! The log at 10⁶ entries, side by side: appends/s (one entry per transaction, and
//! batches of 1,000), inclusion proofs/s served from the store, and proof
//! verifications/s; plus the parts of a batched append (signature checks, tree
//! hashing) to show where the time goes.
//!
//! `cargo bench -p verity-store --bench log`. The 10⁶-entry SQLite database is built
//! once (about a minute) and kept in the target directory for later runs;
//! `VERITY_BENCH_ENTRIES` changes its size, `VERITY_BENCH_POSTGRES=postgres://…`
//! adds the PostgreSQL backend (built in its own schema), `VERITY_BENCH_SKIP_SQLITE=1`
//! leaves SQLite out.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use verity_ledger::log::{self, LogError};
use verity_ledger::merkle::FrontierBuilder;
use verity_ledger::{Kind, LogStorage, NoteSigner, SignedEntry};
use verity_store::{Store, StoreError, Tx};

#[derive(Debug)]
#[allow(dead_code)]
enum E {
    Store(StoreError),
    Log(LogError),
}
impl From<StoreError> for E {
    fn from(e: StoreError) -> E {
        E::Store(e)
    }
}

fn run<T>(s: &Store, f: impl FnOnce(&mut Tx<'_>) -> Result<T, LogError>) -> T {
    s.write(|tx| f(tx).map_err(E::Log)).expect("store write")
}

fn read<T>(s: &Store, f: impl FnOnce(&mut Tx<'_>) -> Result<T, LogError>) -> T {
    s.read(|tx| f(tx).map_err(E::Log)).expect("store read")
}

fn entries(who: &NoteSigner, start: u64, n: u64) -> Vec<SignedEntry> {
    // Signing is not what we measure; spread it over both cores.
    let mid = start + n / 2;
    std::thread::scope(|s| {
        let a = s.spawn(|| {
            (start..mid)
                .map(|i| {
                    SignedEntry::sign(
                        who,
                        Kind::InspectionReport,
                        json!({"seq": i, "site": "Natanz FEP"}),
                    )
                })
                .collect::<Vec<_>>()
        });
        let mut b: Vec<SignedEntry> = (mid..start + n)
            .map(|i| {
                SignedEntry::sign(
                    who,
                    Kind::InspectionReport,
                    json!({"seq": i, "site": "Natanz FEP"}),
                )
            })
            .collect();
        let mut v = a.join().expect("signer thread");
        v.append(&mut b);
        v
    })
}

fn target_entries() -> u64 {
    std::env::var("VERITY_BENCH_ENTRIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

/// Fills a store to `n` entries in batches of 10,000 (resumable).
fn fill(store: &Store, n: u64, who: &NoteSigner) {
    let log_key = NoteSigner::generate("bench.example/log").expect("key");
    if read(store, |tx| Ok(tx.log_meta()?)).is_none() {
        run(store, |tx| {
            log::init(tx, "bench.example/log", &log_key, "/dev/null")
        });
    }
    let t0 = Instant::now();
    loop {
        let size = read(store, |tx| Ok(tx.tree_size()?));
        if size >= n {
            break;
        }
        let batch = entries(who, size, (n - size).min(10_000));
        run(store, |tx| log::append(tx, &batch));
        if size % 100_000 == 0 {
            eprintln!("  filled {size} entries in {:.0?}", t0.elapsed());
        }
    }
}

fn sqlite_store(n: u64) -> Store {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    std::fs::create_dir_all(&dir).expect("target dir");
    let path = dir.join(format!("verity-bench-log-{n}.db"));
    Store::open_sqlite(&path).expect("bench database")
}

fn bench_backend(c: &mut Criterion, name: &str, store: &Store, n: u64) {
    let who = NoteSigner::generate("inspector.example/bench").expect("key");
    eprintln!("{name}: preparing {n} entries");
    fill(store, n, &who);
    let size = read(store, |tx| Ok(tx.tree_size()?));
    let mut g = c.benchmark_group(format!("log_{name}_{size}"));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.warm_up_time(Duration::from_secs(1));

    // Appends: entries arrive as bytes (as from the network), are parsed, their
    // signatures checked, hashed into the tree and committed durably.
    let make_bytes = |k: u64| -> Vec<Vec<u8>> {
        entries(&who, 0, k)
            .into_iter()
            .map(|e| e.leaf().to_vec())
            .collect()
    };
    g.throughput(Throughput::Elements(1));
    g.bench_function("append_single_committed", |b| {
        b.iter_batched(
            || make_bytes(1),
            |raw| {
                let refs: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
                let es = SignedEntry::from_leaves(&refs).expect("valid");
                run(store, |tx| log::append(tx, &es))
            },
            BatchSize::SmallInput,
        )
    });
    g.throughput(Throughput::Elements(1000));
    g.bench_function("append_batch_1000_committed", |b| {
        b.iter_batched(
            || make_bytes(1000),
            |raw| {
                let refs: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
                let es = SignedEntry::from_leaves(&refs).expect("valid");
                run(store, |tx| log::append(tx, &es))
            },
            BatchSize::LargeInput,
        )
    });
    // Where a batched append's time goes: the storage part alone (entries already
    // verified), signature checking alone, tree hashing alone.
    g.bench_function("append_batch_1000_storage_only", |b| {
        b.iter_batched(
            || entries(&who, 0, 1000),
            |es| run(store, |tx| log::append(tx, &es)),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("parse_and_verify_signatures_1000", |b| {
        b.iter_batched(
            || make_bytes(1000),
            |raw| {
                let refs: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
                SignedEntry::from_leaves(&refs).expect("valid")
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("tree_hashing_1000", |b| {
        let leaves: Vec<_> = entries(&who, 0, 1000)
            .iter()
            .map(SignedEntry::leaf_hash)
            .collect();
        b.iter(|| {
            let mut f = FrontierBuilder::default();
            let mut nodes = 0usize;
            for l in &leaves {
                f.push_with(*l, |_, _| nodes += 1);
            }
            (f.root(), nodes)
        })
    });

    // Proofs at the full size, for random leaves.
    let size = read(store, |tx| Ok(tx.tree_size()?));
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    g.throughput(Throughput::Elements(1));
    g.bench_function("inclusion_proof_from_store", |b| {
        b.iter(|| read(store, |tx| log::prove_inclusion(tx, next() % size, size)))
    });
    g.bench_function("consistency_proof_from_store", |b| {
        b.iter(|| {
            let old = 1 + next() % (size - 1);
            read(store, |tx| log::prove_consistency(tx, old, size))
        })
    });
    let proofs: Vec<_> = (0..1000)
        .map(|_| read(store, |tx| log::prove_inclusion(tx, next() % size, size)))
        .collect();
    let mut k = 0usize;
    g.bench_function("verify_inclusion", |b| {
        b.iter(|| {
            k = (k + 1) % proofs.len();
            let p = &proofs[k];
            p.verify().expect("valid proof")
        })
    });
    let cproofs: Vec<_> = (0..1000)
        .map(|_| {
            let old = 1 + next() % (size - 1);
            read(store, |tx| log::prove_consistency(tx, old, size))
        })
        .collect();
    g.bench_function("verify_consistency", |b| {
        b.iter(|| {
            k = (k + 1) % cproofs.len();
            let p = &cproofs[k];
            p.verify().expect("valid proof")
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let n = target_entries();
    if std::env::var_os("VERITY_BENCH_SKIP_SQLITE").is_none() {
        let sqlite = sqlite_store(n);
        bench_backend(c, "sqlite", &sqlite, n);
    }
    if let Ok(url) = std::env::var("VERITY_BENCH_POSTGRES") {
        let schema = format!("verity_bench_{n}");
        let pg = Store::open_postgres(&url, Some(&schema)).expect("postgres");
        bench_backend(c, "postgres", &pg, n);
    }
}

criterion_group!(log_benches, benches);
criterion_main!(log_benches);
