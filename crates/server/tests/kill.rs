//! Killing the server (SIGKILL) while it imports evidence leaves the store with the
//! whole import or none of it, and an import the server acknowledged is there after
//! the kill. The server runs in a child process: this same test binary, re-run with
//! `VERITY_KILL_CHILD_DB` set, serves the store until it is killed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use verity_ledger::LogStorage;
use verity_store::{Store, StoreError};

const CHILD_ENV: &str = "VERITY_KILL_CHILD_DB";
const TEST_NAME: &str = "killing_the_server_mid_import_leaves_all_or_nothing";
/// Rows per import: enough that storing them takes a while.
const ROWS: usize = 4000;

/// The child's part: serve the store at `db` on a free port, print the port, and run
/// until killed.
fn child(db: &str) {
    let opened =
        verity_server::bootstrap::open(&db.parse().unwrap(), None, "test.example/log").unwrap();
    let state = verity_server::AppState::new(
        std::sync::Arc::new(opened.db),
        vec![verity_agreement::jcpoa().unwrap()],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("VERITY_CHILD_ADDR={}", listener.local_addr().unwrap());
        verity_server::serve(
            listener,
            state,
            std::future::pending(),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    });
}

struct Counts {
    records: usize,
    imports: usize,
    tree_size: u64,
}

fn counts(db: &Path) -> Counts {
    let store = Store::open_sqlite(db).unwrap();
    store
        .read(|tx| -> Result<Counts, StoreError> {
            let records = verity_store::evidence::load(tx)
                .map_err(|e| StoreError::Invalid(e.to_string()))?
                .len();
            let imports = verity_store::evidence::imports(tx)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            // Every import is in the log, at the index it records.
            for imp in &imports {
                assert!(
                    imp.log_index.is_some(),
                    "import {} has no log entry",
                    imp.id
                );
            }
            let tree_size = tx
                .tree_size()
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let report = verity_ledger::log::verify(tx, &mut |_, _| {})
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            assert_eq!(report.problem, None, "the log verifies after the kill");
            Ok(Counts {
                records,
                imports: imports.len(),
                tree_size,
            })
        })
        .unwrap()
}

fn csv(round: usize) -> String {
    let mut s = String::from(
        "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n",
    );
    let start = jiff::civil::date(1950, 1, 1);
    for i in 0..ROWS {
        let d = start.checked_add(jiff::Span::new().days(i as i64)).unwrap();
        s.push_str(&format!(
            "{d},Iran,heavy_water_stock,{},,,,t,verified,TEST/KILL/{round},1,{d},,synthetic row for the crash test\n",
            50 + i % 40
        ));
    }
    s
}

fn spawn(db: &Path) -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child exited before serving"
        );
        // libtest may print `test NAME ... ` on the same line first.
        if let Some(at) = line.find("VERITY_CHILD_ADDR=") {
            break line[at + "VERITY_CHILD_ADDR=".len()..].trim().to_owned();
        }
    };
    (child, addr)
}

/// Sends the import; returns the stream to read the answer from.
fn send_import(addr: &str, token: &str, round: usize) -> TcpStream {
    let body = csv(round);
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /api/v1/evidence?name=round{round}.csv HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    s
}

/// Whether a complete `201 Created` arrived (within `wait`).
fn acknowledged(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 201")
}

#[test]
fn killing_the_server_mid_import_leaves_all_or_nothing() {
    if let Ok(db) = std::env::var(CHILD_ENV) {
        child(&db);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("verity.db");
    let token = {
        let opened = verity_server::bootstrap::open(
            &verity_app::Location::Sqlite(db.clone()),
            None,
            "test.example/log",
        )
        .unwrap();
        let t = verity_server::auth::generate_token().unwrap();
        opened
            .db
            .create_token(
                verity_server::auth::Role::Inspector,
                "kill test",
                &verity_server::auth::hash_token(&t),
            )
            .unwrap();
        t
    };

    // Round 0: let one import finish, to time it (and check it is durable).
    let before = counts(&db);
    let (mut server, addr) = spawn(&db);
    let t0 = Instant::now();
    let mut s = send_import(&addr, &token, 0);
    assert!(
        acknowledged(&mut s, Duration::from_secs(120)),
        "the timing import failed"
    );
    let took = t0.elapsed();
    server.kill().unwrap();
    server.wait().unwrap();
    let after = counts(&db);
    assert_eq!(after.records, before.records + ROWS);
    assert_eq!(
        (after.imports, after.tree_size),
        (before.imports + 1, before.tree_size + 1)
    );
    println!("an import of {ROWS} rows took {took:?}");

    // Then kill the server at fractions of that time, while the import is in flight.
    let mut outcomes = Vec::new();
    for (round, frac) in [0.1, 0.3, 0.5, 0.7, 0.85, 0.95].into_iter().enumerate() {
        let round = round + 1;
        let before = counts(&db);
        let (mut server, addr) = spawn(&db);
        let mut s = send_import(&addr, &token, round);
        std::thread::sleep(took.mul_f64(frac));
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        let acked = acknowledged(&mut s, Duration::from_millis(200));
        let after = counts(&db);
        let whole = after.records == before.records + ROWS
            && after.imports == before.imports + 1
            && after.tree_size == before.tree_size + 1;
        let none = after.records == before.records
            && after.imports == before.imports
            && after.tree_size == before.tree_size;
        assert!(
            whole || none,
            "round {round}: a partial import survived the kill ({} → {} records)",
            before.records,
            after.records
        );
        if acked {
            assert!(whole, "round {round}: an acknowledged import was lost");
        }
        outcomes.push((frac, if whole { "all" } else { "none" }, acked));
    }
    println!("kill outcomes (fraction of import time, stored, acknowledged): {outcomes:?}");
}
