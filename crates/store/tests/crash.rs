//! Crash safety: a writer process appending as fast as it can is killed with
//! SIGKILL; after reopening, every append it had acknowledged (its commit returned)
//! is present byte for byte, and the whole tree recomputes and verifies.
//!
//! The writer is this same test binary, re-executed with `VERITY_CRASH_WRITER` set
//! (so no extra program is needed); it prints `index leafhash` after each commit.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::json;
use verity_ledger::log;
use verity_ledger::{Kind, LogStorage, NoteSigner, SignedEntry};
use verity_store::{Store, StoreError, Tx};

mod common;

/// `sqlite:PATH`, or `postgres://…#schema` for a test schema.
fn open(location: &str) -> Store {
    match location.split_once('#') {
        Some((url, schema)) => Store::open_postgres(url, Some(schema)).unwrap(),
        None => Store::open(location).unwrap(),
    }
}

#[derive(Debug)]
#[allow(dead_code)]
enum E {
    Store(StoreError),
    Log(log::LogError),
}
impl From<StoreError> for E {
    fn from(e: StoreError) -> E {
        E::Store(e)
    }
}
impl From<log::LogError> for E {
    fn from(e: log::LogError) -> E {
        E::Log(e)
    }
}

fn run<T>(s: &Store, f: impl FnOnce(&mut Tx<'_>) -> Result<T, log::LogError>) -> T {
    s.write(|tx| f(tx).map_err(E::from)).unwrap()
}

/// The child: appends forever (single entries and batches of 1..16), printing each
/// acknowledged entry after its transaction committed.
#[test]
#[ignore = "the writer process of appends_survive_sigkill_*, started by them"]
fn crash_writer_child_process() {
    let location = std::env::var("VERITY_CRASH_WRITER")
        .expect("run by appends_survive_sigkill_*, which sets VERITY_CRASH_WRITER");
    let store = open(&location);
    let who = NoteSigner::generate("inspector.example/crash").unwrap();
    let mut out = std::io::stdout().lock();
    let mut n = 0u64;
    loop {
        let batch = 1 + (n % 16) as usize;
        let es: Vec<SignedEntry> = (0..batch)
            .map(|i| SignedEntry::sign(&who, Kind::InspectionReport, json!({"seq": n + i as u64})))
            .collect();
        let r = run(&store, |tx| log::append(tx, &es));
        for (i, e) in r.zip(&es) {
            writeln!(out, "{i} {}", hex::encode(e.leaf_hash())).unwrap();
        }
        out.flush().unwrap();
        n += batch as u64;
    }
}

fn crash_and_check(location: &str, store: &Store) {
    let log_key = NoteSigner::generate("test.example/log").unwrap();
    run(store, |tx| {
        log::init(tx, "test.example/log", &log_key, "/dev/null")
    });
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_writer_child_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("VERITY_CRASH_WRITER", location)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut acked: Vec<(u64, String)> = Vec::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Kill mid-stream, once a good number of appends were acknowledged.
    while acked.len() < 400 {
        let line = lines.next().expect("writer alive").unwrap();
        if let Some((i, h)) = line.split_once(' ') {
            if let Ok(i) = i.parse() {
                acked.push((i, h.to_string()));
            }
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructors, no clean shutdown.
    child.wait().unwrap();
    // Lines still in the pipe were acknowledged too.
    for line in lines.map_while(Result::ok) {
        if let Some((i, h)) = line.split_once(' ') {
            if let Ok(i) = i.parse() {
                acked.push((i, h.to_string()));
            }
        }
    }
    // Reopen, as a new process would.
    let reopened = open(location);
    let size = run(&reopened, |tx| Ok(tx.tree_size()?));
    let last = acked.last().unwrap().0;
    assert!(
        size > last,
        "tree size {size} lost acknowledged entry {last}"
    );
    let rows = run(&reopened, |tx| Ok(tx.entries(0..size)?));
    assert_eq!(rows.len() as u64, size, "no gaps");
    for (i, h) in &acked {
        let leaf = verity_ledger::merkle::leaf_hash(&rows[*i as usize].data);
        assert_eq!(&hex::encode(leaf), h, "acknowledged entry {i} changed");
    }
    let report = run(&reopened, |tx| log::verify(tx, &mut |_, _| {}));
    assert_eq!(report.problem, None, "{report:?}");
    assert_eq!(report.tree_size, size);
    eprintln!(
        "killed after {} acknowledged entries; store holds {size}, all verified",
        acked.len()
    );
}

#[test]
fn appends_survive_sigkill_sqlite() {
    let t = common::sqlite();
    crash_and_check(&t.location, &t.store);
}

#[test]
fn appends_survive_sigkill_postgres() {
    if let Some(t) = common::postgres("appends_survive_sigkill") {
        crash_and_check(&t.location, &t.store);
    }
}
