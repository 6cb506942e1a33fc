//! Mistakes a user makes on the command line: each exits 2 with a message that names
//! the flag and the value as the user typed them, and says what was expected.

use assert_cmd::Command;
use predicates::prelude::*;

fn verity() -> Command {
    Command::cargo_bin("verity").expect("binary built")
}

#[test]
fn breakout_percent_flags_name_the_value_as_typed() {
    // The Monte Carlo works in fractions; the message must still speak of the
    // percentage the user gave, under the flag's own name.
    for (flag, value) in [
        ("--stock-sigma", "-1"),
        ("--stock-sigma", "100"),
        ("--swu-spread", "500"),
    ] {
        verity()
            .args(["breakout", "--preset", "jcpoa-limits", "--samples", "10"])
            .args([flag, value])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(format!("{flag} {value}:")))
            .stderr(predicate::str::contains("percentage"));
    }
    for value in ["0", "1.5"] {
        verity()
            .args([
                "breakout",
                "--preset",
                "jcpoa-limits",
                "--efficiency",
                value,
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("--efficiency {value}:")))
            .stderr(predicate::str::contains("(0, 1]"));
    }
}

#[test]
fn evidence_list_of_a_missing_database_is_an_error_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("typo.db");
    let db = db.to_str().expect("utf-8 path");
    verity()
        .args(["evidence", "list", "--db", db])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(format!("no database at {db}")));
    assert!(
        !std::path::Path::new(db).exists(),
        "listing must not create {db}"
    );
}

#[test]
fn importing_the_record_twice_lists_at_most_50_duplicates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("verity.db");
    let db = db.to_str().expect("utf-8 path");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/evidence");
    let files = ["measurements.csv", "events.csv", "knowledge.csv"].map(|f| format!("{data}/{f}"));
    verity()
        .args(["evidence", "import", "--db", db])
        .args(&files)
        .assert()
        .success();
    let out = verity()
        .args(["evidence", "import", "--db", db])
        .args(&files)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let listed = stderr.matches("is already stored").count();
    assert_eq!(
        listed, 50,
        "at most 50 listed, as for any import:\n{stderr}"
    );
    assert!(stderr.contains("… and 151 more"), "{stderr}");
    assert!(
        stderr.contains("201 records already in"),
        "the total is still given: {stderr}"
    );
}

#[test]
fn token_list_and_revoke_of_a_missing_database_are_errors_and_create_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("typo.db");
    let db = db.to_str().expect("utf-8 path");
    for args in [vec!["token", "list"], vec!["token", "revoke", "1"]] {
        verity()
            .args(&args)
            .args(["--db", db])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(format!("no database at {db}")));
        assert!(
            !std::path::Path::new(db).exists(),
            "`verity {}` must not create {db}",
            args.join(" ")
        );
    }
}

#[test]
fn serve_on_a_busy_port_fails_before_creating_anything() {
    // Something already listens on the port: `serve` must say so and leave no
    // database, log key or unseen analyst token behind.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = busy.local_addr().expect("addr").to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("verity.db");
    verity()
        .args(["serve", "--bind", &addr, "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(format!("cannot listen on {addr}")))
        .stderr(predicate::str::contains("--bind"));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "serve left {left:?} behind");
    drop(busy);
}

#[test]
fn serve_with_a_database_it_cannot_open_names_the_cause_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("no-such-dir").join("x.db");
    let out = verity()
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(&db)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out).to_lowercase();
    assert!(
        err.contains(&db.display().to_string().to_lowercase()),
        "{err}"
    );
    assert_eq!(
        err.matches("unable to open").count(),
        1,
        "the cause is repeated: {err}"
    );
}
