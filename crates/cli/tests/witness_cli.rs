//! `verity log witness` against two real `verity serve --witness-key` witnesses: the
//! checkpoint is kept with both cosignatures, `log checkpoint` prints them, growth is
//! co-signed through the 409-and-proof exchange, a quorum that is not met keeps nothing,
//! and `log audit --quorum` checks the cosignatures against the policy.

use std::path::Path;

mod common;
use common::{ok, run as verity};

struct Server {
    _served: common::Served,
    url: String,
}

/// A witness server with its own store, key `keys/NAME.key`, witnessing the log.
fn witness(dir: &Path, name: &str) -> Server {
    let db = format!("{name}.db");
    let key = format!("keys/{name}.key");
    let s = common::serve(
        dir,
        &[
            "--db",
            &db,
            "--witness-key",
            &key,
            "--witness-log",
            "keys/verity.test_log.pub",
        ],
        None,
        false,
    );
    Server {
        url: format!("http://{}/witness", s.addr),
        _served: s,
    }
}

#[test]
fn a_log_gathers_cosignatures_from_witnesses_it_runs_against() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    for name in ["verity.test/log", "w1", "w2", "author"] {
        ok(d, &["key", "generate", "--name", name, "--out", "keys"]);
    }
    ok(
        d,
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
    std::fs::write(d.join("a.json"), r#"{"site": "Fordow"}"#).expect("write");
    ok(
        d,
        &[
            "log",
            "append",
            "--db",
            "log.db",
            "--key",
            "keys/author.key",
            "a.json",
            "a.json",
        ],
    );
    let (w1, w2) = (witness(d, "w1"), witness(d, "w2"));
    let arg = |w: &Server, k: &str| format!("{}=keys/{k}.pub", w.url);
    let (a1, a2) = (arg(&w1, "w1"), arg(&w2, "w2"));

    let out = ok(
        d,
        &[
            "log",
            "witness",
            "--db",
            "log.db",
            "--witness",
            &a1,
            "--witness",
            &a2,
        ],
    );
    assert!(
        out.contains("2 of 2 witnesses co-signed the tree of size 2 (quorum 2); kept"),
        "{out}"
    );
    // `log checkpoint` prints the checkpoint with the cosignatures gathered.
    let cp = ok(d, &["log", "checkpoint", "--db", "log.db"]);
    assert!(cp.contains("\n— w1 ") && cp.contains("\n— w2 "), "{cp}");
    std::fs::write(d.join("cp2"), &cp).expect("write");

    // Growth: each witness answers 409 with its size, then co-signs with the proof.
    ok(
        d,
        &[
            "log",
            "append",
            "--db",
            "log.db",
            "--key",
            "keys/author.key",
            "a.json",
        ],
    );
    let out = ok(
        d,
        &[
            "log",
            "witness",
            "--db",
            "log.db",
            "--witness",
            &a1,
            "--witness",
            &a2,
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["tree_size"], 3);
    assert_eq!(v["cosigned"], 2);
    assert_eq!(v["kept"], true);
    let cp3 = ok(d, &["log", "checkpoint", "--db", "log.db"]);
    std::fs::write(d.join("cp3"), &cp3).expect("write");
    // The policy is checked by the auditor: 2 of 2 hold; a third witness key that never
    // co-signed makes 3 of 3 fail, 2 of 3 pass (and, without --quorum, one suffices).
    ok(d, &["key", "generate", "--name", "w3", "--out", "keys"]);
    let audit = |witnesses: &[&str], quorum: &str| {
        let mut args = vec![
            "log", "audit", "--db", "log.db", "--old", "cp2", "--new", "cp3",
        ];
        for w in witnesses {
            args.extend(["--witness", w]);
        }
        args.extend(["--quorum", quorum]);
        verity(d, &args)
    };
    let (w1k, w2k, w3k) = ("keys/w1.pub", "keys/w2.pub", "keys/w3.pub");
    assert!(audit(&[w1k, w2k], "2").status.success());
    let out = audit(&[w1k, w2k, w3k], "3");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("2 of the 3 witnesses"), "{text}");
    assert!(audit(&[w1k, w2k, w3k], "2").status.success());

    // A witness that is down: below a quorum of 2, nothing is kept (exit 1).
    drop(w2);
    ok(
        d,
        &[
            "log",
            "append",
            "--db",
            "log.db",
            "--key",
            "keys/author.key",
            "a.json",
        ],
    );
    let out = verity(
        d,
        &[
            "log",
            "witness",
            "--db",
            "log.db",
            "--witness",
            &a1,
            "--witness",
            &a2,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("w2: refused or unreachable"), "{text}");
    assert!(
        text.contains("below the quorum of 2; nothing kept"),
        "{text}"
    );
    let cp4 = ok(d, &["log", "checkpoint", "--db", "log.db"]);
    assert!(!cp4.contains("\n— w2 "), "{cp4}");
    // With a quorum of 1 it is kept with w1's cosignature (w1 co-signed 4 already: it
    // answers this second request from 4 at once).
    ok(
        d,
        &[
            "log",
            "witness",
            "--db",
            "log.db",
            "--witness",
            &a1,
            "--witness",
            &a2,
            "--quorum",
            "1",
        ],
    );
    let cp4 = ok(d, &["log", "checkpoint", "--db", "log.db"]);
    assert!(cp4.contains("\n— w1 "), "{cp4}");
}

#[test]
fn a_witness_refuses_a_forked_log() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    for name in ["verity.test/log", "w1", "author"] {
        ok(d, &["key", "generate", "--name", name, "--out", "keys"]);
    }
    std::fs::write(d.join("a.json"), r#"{"site": "Fordow"}"#).expect("write");
    std::fs::write(d.join("b.json"), r#"{"site": "Natanz"}"#).expect("write");
    for (db, doc) in [("log.db", "a.json"), ("fork.db", "b.json")] {
        ok(
            d,
            &[
                "log",
                "init",
                "--db",
                db,
                "--origin",
                "verity.test/log",
                "--key",
                "keys/verity.test_log.key",
            ],
        );
        ok(
            d,
            &["log", "append", "--db", db, "--key", "keys/author.key", doc],
        );
    }
    let w1 = witness(d, "w1");
    let a1 = format!("{}=keys/w1.pub", w1.url);
    ok(d, &["log", "witness", "--db", "log.db", "--witness", &a1]);
    // The same log key, another history of the same size: refused with 422.
    let out = verity(d, &["log", "witness", "--db", "fork.db", "--witness", &a1]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("HTTP 422") && text.contains("fork"), "{text}");
}
