//! Interoperability with an implementation no one here wrote: Go's
//! golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog (Debian's
//! golang-golang-x-mod-dev, built offline in GOPATH mode) read Verity's log as C2SP
//! tlog-tiles — from `verity log publish`'s directory, from that directory behind a
//! plain file server (Python's http.server), and from `verity serve`'s /log/ — check
//! the checkpoint's signature, authenticate every tile against its root, prove every
//! entry's inclusion and the consistency with an earlier checkpoint, and check a
//! tlog-proof; the other way round, Verity checks a checkpoint Go signed over a tree
//! Go built. Without Go the tests say so and pass, unless VERITY_REQUIRE_INTEROP is
//! set (as CI sets it).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

mod common;

use assert_cmd::cargo::cargo_bin;
use verity_ledger::log as ledger_log;
use verity_ledger::{Kind, NoteSigner, SignedEntry};
use verity_store::{Store, StoreError};

/// The Go checker, built once per test run; `None` (with the reason printed) where Go
/// or the x/mod sources are missing.
fn go_tool() -> Option<PathBuf> {
    static TOOL: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    TOOL.get_or_init(|| {
        let gopath = "/usr/share/gocode";
        let have = Command::new("go").arg("version").output().is_ok_and(|o| o.status.success())
            && Path::new(gopath).join("src/golang.org/x/mod/sumdb/tlog").is_dir();
        if !have {
            let why = "Go or golang-golang-x-mod-dev is missing (apt-get install golang-go golang-golang-x-mod-dev)";
            assert!(std::env::var_os("VERITY_REQUIRE_INTEROP").is_none(), "{why}");
            eprintln!("skipping the Go interoperability checks: {why}");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("verity-tlogcheck-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let out = dir.join("tlogcheck");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/tlogcheck.go");
        let st = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg(&src)
            .env("GO111MODULE", "off")
            .env("GOPATH", gopath)
            .env("GOCACHE", dir.join("cache"))
            .env("GOFLAGS", "")
            .status()
            .expect("go build runs");
        assert!(st.success(), "building the Go checker failed");
        Some(out)
    })
    .clone()
}

fn go(tool: &Path, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "tlogcheck {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn verity(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(cargo_bin("verity"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "verity {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Appends `n` signed entries straight through the library (the CLI takes one file
/// per entry, too slow for tens of thousands).
fn append(db: &Path, key: &NoteSigner, from: u64, n: u64) {
    let store = Store::open(&db.display().to_string()).expect("store");
    let entries: Vec<SignedEntry> = (from..from + n)
        .map(|i| {
            SignedEntry::sign(
                key,
                Kind::InspectionReport,
                serde_json::json!({"site": "Natanz", "report": i}),
            )
        })
        .collect();
    store
        .write(|tx| -> Result<(), StoreError> {
            ledger_log::append(tx, &entries).expect("append");
            Ok(())
        })
        .expect("write");
}

struct Log {
    dir: tempfile::TempDir,
    vkey: String,
    author: NoteSigner,
}

impl Log {
    fn new() -> Log {
        let dir = tempfile::tempdir().expect("tmp");
        verity(
            dir.path(),
            &[
                "key",
                "generate",
                "--name",
                "verity.test/log",
                "--out",
                "keys",
            ],
        );
        verity(
            dir.path(),
            &[
                "key",
                "generate",
                "--name",
                "inspector.test",
                "--out",
                "keys",
            ],
        );
        verity(
            dir.path(),
            &[
                "log",
                "init",
                "--db",
                "log.db",
                "--origin",
                "verity.test/log",
                "--key",
                "keys/verity.test_log.key",
            ],
        );
        let vkey = std::fs::read_to_string(dir.path().join("keys/verity.test_log.pub"))
            .expect("pub")
            .trim()
            .to_owned();
        let author = NoteSigner::from_text(
            &std::fs::read_to_string(dir.path().join("keys/inspector.test.key")).expect("key"),
        )
        .expect("signer");
        Log { dir, vkey, author }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn grow(&self, from: u64, n: u64) -> String {
        append(&self.path("log.db"), &self.author, from, n);
        verity(self.dir.path(), &["log", "checkpoint", "--db", "log.db"])
    }
    fn publish(&self) -> serde_json::Value {
        let out = verity(
            self.dir.path(),
            &["log", "publish", "--db", "log.db", "--out", "pub", "--json"],
        );
        serde_json::from_str(&out).expect("json")
    }
}

/// The root (hex) of the checkpoint Go verified, from its "ok N ROOT" line (base64).
fn go_ok(line: &str) -> (u64, String) {
    let mut w = line.split_whitespace();
    assert_eq!(w.next(), Some("ok"), "{line}");
    let n = w.next().and_then(|n| n.parse().ok()).expect("size");
    (n, w.next().expect("root").to_owned())
}

#[test]
fn go_reads_the_published_tiles_of_a_log_of_66000_entries() {
    let Some(tool) = go_tool() else { return };
    let log = Log::new();
    // Past 256² entries: full tiles at levels 0 and 1, and partial tiles at levels 0–2.
    let old = log.grow(0, 40_000);
    std::fs::write(log.path("old.cp"), &old).expect("write");
    log.grow(40_000, 26_000);
    let first = log.publish();
    assert_eq!(first["tree_size"], 66_000);
    assert_eq!(first["tiles_kept"], 0);
    let tiles = first["tiles_written"].as_u64().expect("n");
    // 257 full + 1 partial hash tiles at level 0, the same entry bundles, 1 full + 1
    // partial at level 1, 1 partial at level 2.
    assert_eq!(tiles, 258 + 258 + 2 + 1);
    let pub_dir = log.path("pub").display().to_string();
    let old_cp = log.path("old.cp").display().to_string();
    let (n, root) = go_ok(&go(&tool, &["tiles", &pub_dir, &log.vkey, &old_cp]));
    assert_eq!(n, 66_000);
    let cp = std::fs::read_to_string(log.path("pub/checkpoint")).expect("cp");
    assert_eq!(
        cp.lines().nth(2),
        Some(root.as_str()),
        "the root Go computed is the checkpoint's"
    );

    // Incremental: a second publish after growth writes only the new and the changed
    // partial tiles, and the result still verifies, consistent with the first.
    std::fs::copy(log.path("pub/checkpoint"), log.path("first.cp")).expect("copy");
    log.grow(66_000, 300);
    let second = log.publish();
    assert_eq!(second["tree_size"], 66_300);
    assert!(second["tiles_kept"].as_u64().expect("n") >= 516, "{second}");
    assert!(
        second["tiles_written"].as_u64().expect("n") <= 8,
        "{second}"
    );
    let first_cp = log.path("first.cp").display().to_string();
    go_ok(&go(&tool, &["tiles", &pub_dir, &log.vkey, &first_cp]));
}

struct Child_(Child);
impl Drop for Child_ {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn wait_for(port: u16) {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("nothing listens on {port}");
}

#[test]
fn go_reads_the_log_from_a_plain_file_server_and_from_verity_serve() {
    let Some(tool) = go_tool() else { return };
    let log = Log::new();
    let vkey = log.vkey.clone();
    // `verity serve` on the log (a store without a record gets the shipped one, as one
    // more entry), then the log grows under it.
    let server = common::serve(
        log.dir.path(),
        &["--db", "log.db", "--read-rate", "0"],
        None,
        false,
    );
    let addr = server.addr.clone();
    log.grow(1, 700);
    log.publish();

    // The published directory behind a file server no one here wrote.
    let port = free_port();
    let _files = Child_(
        Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
                "--directory",
            ])
            .arg(log.path("pub"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 http.server"),
    );
    wait_for(port);
    let (n, from_files) = go_ok(&go(
        &tool,
        &["tiles", &format!("http://127.0.0.1:{port}"), &vkey],
    ));
    assert_eq!(n, 701);

    // The same log from `verity serve`, under /log/.
    let (n, from_server) = go_ok(&go(&tool, &["tiles", &format!("http://{addr}/log"), &vkey]));
    assert_eq!(n, 701);
    assert_eq!(from_server, from_files);

    // Each entry bundle the server sends is byte for byte the published file.
    for path in [
        "tile/entries/000",
        "tile/entries/002.p/189",
        "tile/0/001",
        "tile/1/000.p/2",
    ] {
        let served = http_get(&addr, &format!("/log/{path}"));
        let file = std::fs::read(log.path("pub").join(path)).expect(path);
        assert_eq!(served, file, "{path}");
    }
}

/// A plain HTTP/1.1 GET, body only (no gzip asked for).
fn http_get(addr: &str, path: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    )
    .expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read");
    let at = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers")
        + 4;
    assert!(
        buf.starts_with(b"HTTP/1.1 200"),
        "{path}: {}",
        String::from_utf8_lossy(&buf[..at])
    );
    buf[at..].to_vec()
}

#[test]
fn go_checks_a_tlog_proof_and_verity_checks_a_checkpoint_go_signed() {
    let Some(tool) = go_tool() else { return };
    let log = Log::new();
    log.grow(0, 300);
    let proof = verity(
        log.dir.path(),
        &[
            "log",
            "prove",
            "--db",
            "log.db",
            "--inclusion",
            "257",
            "--format",
            "tlog-proof",
        ],
    );
    std::fs::write(log.path("e.tlog-proof"), &proof).expect("write");
    let file = log.path("e.tlog-proof").display().to_string();
    assert_eq!(go(&tool, &["proof", &file, &log.vkey]).trim(), "ok 257 300");

    // Go makes a log of 1,000 records and signs its checkpoint with a key Go made.
    let out = go(&tool, &["sign", "go.example/log", "1000"]);
    let (head, note) = out.split_once("\n\n").expect("blank line");
    let mut lines = head.lines();
    let vkey = verity_ledger::NoteVerifier::from_text(lines.next().expect("vkey"))
        .expect("Go's key parses");
    let records: Vec<Vec<u8>> = lines.map(base64_decode).collect();
    assert_eq!(records.len(), 1000);
    let v =
        verity_ledger::checkpoint::open(note, std::slice::from_ref(&vkey), Some("go.example/log"))
            .expect("Verity verifies Go's signed checkpoint");
    assert_eq!(v.checkpoint.size, 1000);
    let leaves: Vec<_> = records
        .iter()
        .map(|r| verity_ledger::merkle::leaf_hash(r))
        .collect();
    assert_eq!(
        verity_ledger::merkle::root_from_leaf_hashes(&leaves),
        v.checkpoint.root,
        "Verity's RFC 6962 root of Go's records is the root Go signed"
    );
    // And a changed signature is refused.
    let tampered = note.replacen("— go.example/log ", "— go.example/log A", 1);
    assert!(verity_ledger::checkpoint::open(&tampered, std::slice::from_ref(&vkey), None).is_err());
}

fn base64_decode(s: &str) -> Vec<u8> {
    // A small standard-alphabet decoder, so the test needs no extra crate.
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {s}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=').map(val).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, v) in chunk.iter().enumerate() {
            acc |= u32::from(*v) << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    out
}
