//! `verity key` and `verity log` end to end, through the real binary: the CLI
//! contracts, exit codes, and tamper detection on the stored database.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use verity_ledger::merkle;
use verity_ledger::{Checkpoint, NoteVerifier};
use verity_store::{Store, StoreError, Tx};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn db(&self) -> String {
        self.path("log.db").display().to_string()
    }
    fn verity(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("verity")
            .unwrap()
            .current_dir(self.dir.path())
            .args(args)
            .assert()
    }
    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.path(name), text).unwrap();
        self.path(name).display().to_string()
    }
    /// A log with three entries and keys `log` (the log) and `alice` (an author).
    fn with_log(&self) {
        self.verity(&[
            "key",
            "generate",
            "--name",
            "verity.test/log",
            "--out",
            "keys",
        ])
        .success();
        self.verity(&["key", "generate", "--name", "alice", "--out", "keys"])
            .success();
        self.verity(&[
            "log",
            "init",
            "--db",
            &self.db(),
            "--origin",
            "verity.test/log",
            "--key",
            "keys/verity.test_log.key",
        ])
        .success();
        let a = self.write("r1.json", r#"{"site": "Natanz", "cascades": 30}"#);
        let b = self.write("r2.json", r#"{"kind": "declaration", "party": "Iran"}"#);
        let c = self.write("r3.json", r#"{"site": "Fordow", "cascades": 6}"#);
        self.verity(&[
            "log",
            "append",
            "--db",
            &self.db(),
            "--key",
            "keys/alice.key",
            &a,
            &b,
            &c,
        ])
        .success()
        .stdout("0\n1\n2\n");
    }
}

fn unhex(s: &str) -> [u8; 32] {
    let v: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    v.try_into().unwrap()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

#[test]
fn key_generate_writes_a_private_0600_and_a_public_key() {
    let env = Env::new();
    let out = env.verity(&[
        "key",
        "generate",
        "--name",
        "iaea.example/inspector-7",
        "--out",
        "k",
    ]);
    let text = stdout(&out.success());
    let key = env.path("k/iaea.example_inspector-7.key");
    let pubk = env.path("k/iaea.example_inspector-7.pub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "private key mode {mode:o}");
    }
    let signer =
        verity_ledger::NoteSigner::from_text(&std::fs::read_to_string(&key).unwrap()).unwrap();
    let vkey = NoteVerifier::from_text(&std::fs::read_to_string(&pubk).unwrap()).unwrap();
    assert_eq!(signer.verifier(), &vkey);
    assert_eq!(vkey.name(), "iaea.example/inspector-7");
    assert!(text.contains(&vkey.to_text()), "{text}");
    // Never overwrites a key; rejects names the format forbids.
    env.verity(&[
        "key",
        "generate",
        "--name",
        "iaea.example/inspector-7",
        "--out",
        "k",
    ])
    .code(2);
    env.verity(&["key", "generate", "--name", "has space"])
        .code(2);
    env.verity(&["key", "generate", "--name", "a+b"]).code(2);
}

#[test]
fn checkpoint_is_a_c2sp_signed_note_that_verifies() {
    let env = Env::new();
    env.with_log();
    let text = stdout(
        &env.verity(&["log", "checkpoint", "--db", &env.db()])
            .success(),
    );
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(lines[0], "verity.test/log");
    assert_eq!(lines[1], "3");
    assert_eq!(lines[3], "");
    assert!(lines[4].starts_with("\u{2014} verity.test/log "), "{text}");
    assert!(text.ends_with('\n') && !text.ends_with("\n\n"));
    let vkey = NoteVerifier::from_text(
        &std::fs::read_to_string(env.path("keys/verity.test_log.pub")).unwrap(),
    )
    .unwrap();
    let v = verity_ledger::checkpoint::open(&text, &[vkey], Some("verity.test/log")).unwrap();
    // The root is the RFC 6962 root of the three stored leaves.
    let store = Store::open(&env.db()).unwrap();
    let rows = store
        .read(|tx| -> Result<_, StoreError> {
            Ok(verity_ledger::LogStorage::entries(tx, 0..3).unwrap())
        })
        .unwrap();
    let leaves: Vec<_> = rows.iter().map(|r| merkle::leaf_hash(&r.data)).collect();
    assert_eq!(
        v.checkpoint,
        Checkpoint::new("verity.test/log", 3, merkle::root_from_leaf_hashes(&leaves))
    );
    assert_eq!(rows[1].kind, "declaration");
    assert_eq!(rows[0].kind, "inspection_report");
}

#[test]
fn prove_prints_the_contract_json_and_the_proofs_verify() {
    let env = Env::new();
    env.with_log();
    let out = stdout(
        &env.verity(&[
            "log",
            "prove",
            "--inclusion",
            "1",
            "--db",
            &env.db(),
            "--json",
        ])
        .success(),
    );
    // Field order as the contract lists it.
    let keys: Vec<usize> = [
        "leaf_index",
        "tree_size",
        "leaf_hash_hex",
        "root_hash_hex",
        "proof_hex",
    ]
    .iter()
    .map(|k| out.find(&format!("\"{k}\"")).expect(k))
    .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let h = |s: &serde_json::Value| -> [u8; 32] { unhex(s.as_str().unwrap()) };
    let proof: Vec<[u8; 32]> = v["proof_hex"].as_array().unwrap().iter().map(h).collect();
    assert_eq!(v["tree_size"], 3);
    merkle::verify_inclusion(
        1,
        3,
        &h(&v["leaf_hash_hex"]),
        &proof,
        &h(&v["root_hash_hex"]),
    )
    .unwrap();
    // --size picks an older tree.
    let out = stdout(
        &env.verity(&[
            "log",
            "prove",
            "--inclusion",
            "0",
            "--size",
            "2",
            "--db",
            &env.db(),
            "--json",
        ])
        .success(),
    );
    let v2: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v2["tree_size"], 2);
    let out = stdout(
        &env.verity(&[
            "log",
            "prove",
            "--consistency",
            "2",
            "3",
            "--db",
            &env.db(),
            "--json",
        ])
        .success(),
    );
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<usize> = [
        "old_size",
        "new_size",
        "old_root_hex",
        "new_root_hex",
        "proof_hex",
    ]
    .iter()
    .map(|k| out.find(&format!("\"{k}\"")).expect(k))
    .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{out}");
    let cproof: Vec<[u8; 32]> = c["proof_hex"].as_array().unwrap().iter().map(h).collect();
    assert_eq!(c["old_root_hex"], v2["root_hash_hex"]);
    assert_eq!(c["new_root_hex"], v["root_hash_hex"]);
    merkle::verify_consistency(
        2,
        3,
        &h(&c["old_root_hex"]),
        &h(&c["new_root_hex"]),
        &cproof,
    )
    .unwrap();
    // Beyond the log: bad input.
    env.verity(&[
        "log",
        "prove",
        "--inclusion",
        "3",
        "--db",
        &env.db(),
        "--json",
    ])
    .code(2);
    env.verity(&[
        "log",
        "prove",
        "--inclusion",
        "0",
        "--size",
        "9",
        "--db",
        &env.db(),
        "--json",
    ])
    .code(2);
}

#[test]
fn append_is_all_or_nothing_and_names_the_bad_file() {
    let env = Env::new();
    env.with_log();
    let good = env.write("good.json", r#"{"ok": true}"#);
    let bad = env.write("bad.json", "{\n  \"site\": \"Natanz\",\n  oops\n}");
    let out = env
        .verity(&[
            "log",
            "append",
            "--db",
            &env.db(),
            "--key",
            "keys/alice.key",
            &good,
            &bad,
        ])
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("bad.json:3:3"), "{err}");
    let wrong_kind = env.write("k.json", r#"{"kind": "rumour"}"#);
    env.verity(&[
        "log",
        "append",
        "--db",
        &env.db(),
        "--key",
        "keys/alice.key",
        &wrong_kind,
    ])
    .code(2);
    env.verity(&[
        "log",
        "append",
        "--db",
        &env.db(),
        "--key",
        "keys/alice.key",
        "--kind",
        "evidence_import",
        &good,
    ])
    .success()
    .stdout("3\n");
    // A missing database is reported, not silently created.
    env.verity(&[
        "log",
        "verify",
        "--db",
        &env.path("nope.db").display().to_string(),
    ])
    .code(2);
    assert!(!env.path("nope.db").exists());
}

fn tamper(db: &str, sql: &str) {
    let store = Store::open(db).unwrap();
    store
        .write(|tx| -> Result<(), StoreError> {
            let Tx::Sqlite(t) = tx else { unreachable!() };
            t.execute_batch(sql).unwrap();
            Ok(())
        })
        .unwrap();
}

#[test]
fn verify_names_the_tampered_entry() {
    for (sql, index, word) in [
        (
            "UPDATE log_entries SET data = CAST(replace(CAST(data AS TEXT), 'Fordow', 'Fordox') AS BLOB) WHERE idx = 2",
            "entry 2",
            "altered",
        ),
        (
            "DELETE FROM log_entries WHERE idx = 1",
            "entry 1",
            "missing",
        ),
        (
            "UPDATE log_entries SET idx = -1 WHERE idx = 0; UPDATE log_entries SET idx = 0 WHERE idx = 2; UPDATE log_entries SET idx = 2 WHERE idx = -1;",
            "entry 0",
            "leaf hash",
        ),
    ] {
        let env = Env::new();
        env.with_log();
        env.verity(&["log", "verify", "--db", &env.db()]).success();
        tamper(&env.db(), sql);
        let out = env.verity(&["log", "verify", "--db", &env.db()]).code(1);
        let text = stdout(&out);
        assert!(text.contains(index) && text.contains(word), "{sql}: {text}");
        let out = env
            .verity(&["log", "verify", "--db", &env.db(), "--json"])
            .code(1);
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(v["ok"], false);
    }
}

#[test]
fn audit_accepts_extensions_and_reports_forks() {
    let env = Env::new();
    env.with_log();
    let cp1 = stdout(
        &env.verity(&["log", "checkpoint", "--db", &env.db()])
            .success(),
    );
    let f = env.write("more.json", r#"{"site": "Isfahan"}"#);
    env.verity(&[
        "log",
        "append",
        "--db",
        &env.db(),
        "--key",
        "keys/alice.key",
        &f,
    ])
    .success();
    let cp2 = stdout(
        &env.verity(&["log", "checkpoint", "--db", &env.db()])
            .success(),
    );
    let old = env.write("cp1", &cp1);
    let new = env.write("cp2", &cp2);
    env.verity(&[
        "log",
        "audit",
        "--old",
        &old,
        "--new",
        &new,
        "--db",
        &env.db(),
    ])
    .success();
    let out = env
        .verity(&[
            "log",
            "audit",
            "--old",
            &new,
            "--new",
            &old,
            "--db",
            &env.db(),
        ])
        .code(1);
    assert!(stdout(&out).contains("tree size 3"), "{}", stdout(&out));
    // A witness co-signs; the co-signed checkpoint still audits, also when the
    // witness is trusted.
    env.verity(&[
        "key",
        "generate",
        "--name",
        "witness.test/w1",
        "--out",
        "keys",
    ])
    .success();
    let cos = stdout(
        &env.verity(&[
            "log",
            "cosign",
            "--key",
            "keys/witness.test_w1.key",
            "--log-key",
            "keys/verity.test_log.pub",
            &new,
        ])
        .success(),
    );
    assert_eq!(cos.matches('\u{2014}').count(), 2, "{cos}");
    let cos_path = env.write("cp2w", &cos);
    env.verity(&[
        "log",
        "audit",
        "--old",
        &old,
        "--new",
        &cos_path,
        "--db",
        &env.db(),
        "--witness",
        "keys/witness.test_w1.pub",
    ])
    .success();
    // Requiring the witness: a checkpoint it did not co-sign fails the audit.
    let out = env
        .verity(&[
            "log",
            "audit",
            "--old",
            &old,
            "--new",
            &new,
            "--db",
            &env.db(),
            "--witness",
            "keys/witness.test_w1.pub",
        ])
        .code(1);
    assert!(
        stdout(&out).contains("REJECTED: the new checkpoint is not co-signed"),
        "{}",
        stdout(&out)
    );
    // A forged witness signature on a trusted witness key is refused (exit 1).
    // (Change one base64 character well past the 4-byte key id.)
    let line_start =
        cos.find("\u{2014} witness.test/w1 ").unwrap() + "\u{2014} witness.test/w1 ".len();
    let pos = line_start + 20;
    let c = &cos[pos..pos + 1];
    let forged = format!(
        "{}{}{}",
        &cos[..pos],
        if c == "A" { "B" } else { "A" },
        &cos[pos + 1..]
    );
    let forged = env.write("cp2f", &forged);
    env.verity(&[
        "log",
        "audit",
        "--old",
        &old,
        "--new",
        &forged,
        "--db",
        &env.db(),
        "--witness",
        "keys/witness.test_w1.pub",
    ])
    .code(1);
    // The same log key signing another history of 3 entries (a second database):
    // a fork, shown with the evidence from this store.
    let other_db = env.path("other.db").display().to_string();
    env.verity(&[
        "log",
        "init",
        "--db",
        &other_db,
        "--origin",
        "verity.test/log",
        "--key",
        "keys/verity.test_log.key",
    ])
    .success();
    let x = env.write("x.json", r#"{"site": "elsewhere"}"#);
    env.verity(&[
        "log",
        "append",
        "--db",
        &other_db,
        "--key",
        "keys/alice.key",
        &x,
        &x,
        &x,
    ])
    .success();
    let forked = stdout(
        &env.verity(&["log", "checkpoint", "--db", &other_db])
            .success(),
    );
    let forked = env.write("cp-forked", &forked);
    let out = env
        .verity(&[
            "log",
            "audit",
            "--old",
            &forked,
            "--new",
            &new,
            "--db",
            &env.db(),
        ])
        .code(1);
    let text = stdout(&out);
    assert!(
        text.contains("INCONSISTENT at tree size 3") && text.contains("evidence:"),
        "{text}"
    );
    let out = env
        .verity(&[
            "log",
            "audit",
            "--old",
            &forked,
            "--new",
            &new,
            "--db",
            &env.db(),
            "--json",
        ])
        .code(1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["index"], 3);
    assert_eq!(v["fork_proof"]["old_size"], 3);
    assert_eq!(v["fork_proof"]["new_size"], 4);
    // Not a checkpoint at all: bad input.
    let junk = env.write("junk", "hello\n");
    env.verity(&[
        "log",
        "audit",
        "--old",
        &junk,
        "--new",
        &new,
        "--db",
        &env.db(),
    ])
    .code(2);
    let _ = Path::new(&old);
}

#[test]
fn deleting_every_checkpoint_is_caught() {
    // Every append signs a checkpoint of the whole tree; without one, the entries are
    // unsigned and `log verify` says so instead of passing.
    let env = Env::new();
    env.with_log();
    env.verity(&["log", "verify", "--db", &env.db()]).success();
    tamper(&env.db(), "DELETE FROM log_checkpoints");
    let out = env.verity(&["log", "verify", "--db", &env.db()]).code(1);
    let text = stdout(&out);
    assert!(text.contains("no signed checkpoint covers"), "{text}");
    // … and so is deleting only the latest.
    let env = Env::new();
    env.with_log();
    tamper(
        &env.db(),
        "DELETE FROM log_checkpoints WHERE tree_size = (SELECT MAX(tree_size) FROM log_checkpoints)",
    );
    let out = env.verity(&["log", "verify", "--db", &env.db()]).code(1);
    let text = stdout(&out);
    assert!(
        text.contains("not covered by a signed checkpoint")
            || text.contains("no signed checkpoint covers"),
        "{text}"
    );
}

#[test]
fn a_consistent_rollback_of_the_whole_store_is_caught_with_a_pinned_checkpoint() {
    let env = Env::new();
    env.with_log();
    // The store as it stood with three entries, copied aside.
    std::fs::copy(env.path("log.db"), env.path("old.db")).unwrap();
    let more = env.write("r4.json", r#"{"site": "Natanz", "cascades": 36}"#);
    env.verity(&[
        "log",
        "append",
        "--db",
        &env.db(),
        "--key",
        "keys/alice.key",
        &more,
    ])
    .success();
    // A reader keeps the checkpoint of four entries.
    let cp = stdout(
        &env.verity(&["log", "checkpoint", "--db", &env.db()])
            .success(),
    );
    let pinned = env.write("seen.cp", &cp);
    env.verity(&["log", "verify", "--db", &env.db(), "--since", &pinned])
        .success();
    // The operator rolls the whole store back: consistent in itself, so plain verify
    // passes, but not against what the reader saw.
    std::fs::copy(env.path("old.db"), env.path("log.db")).unwrap();
    let _ = std::fs::remove_file(env.path("log.db-wal"));
    let _ = std::fs::remove_file(env.path("log.db-shm"));
    env.verity(&["log", "verify", "--db", &env.db()]).success();
    let out = env
        .verity(&["log", "verify", "--db", &env.db(), "--since", &pinned])
        .code(1);
    let text = stdout(&out);
    assert!(text.contains("rolled back"), "{text}");
}

#[test]
fn a_witness_co_signs_only_consistent_extensions() {
    let env = Env::new();
    env.with_log();
    env.verity(&[
        "key",
        "generate",
        "--name",
        "witness.test/w",
        "--out",
        "keys",
    ])
    .success();
    let cosign = |cp: &str, proof: Option<&str>| {
        let mut args = vec![
            "log",
            "cosign",
            "--key",
            "keys/witness.test_w.key",
            "--log-key",
            "keys/verity.test_log.pub",
            cp,
        ];
        if let Some(p) = proof {
            args.extend(["--proof", p]);
        }
        env.verity(&args)
    };
    // Three entries: the first cosignature is recorded.
    let cp3 = stdout(
        &env.verity(&["log", "checkpoint", "--db", &env.db()])
            .success(),
    );
    let cp3 = env.write("cp3", &cp3);
    cosign(&cp3, None).success();
    let state = std::fs::read_to_string(env.path("keys/witness.test_w.state.json")).unwrap();
    assert!(
        state.contains("verity.test/log") && state.contains("\"size\": 3"),
        "{state}"
    );
    // A copy of the store as it stood with three entries, to fork from.
    std::fs::copy(env.path("log.db"), env.path("fork.db")).unwrap();
    let more = env.write("r4.json", r#"{"site": "Natanz", "cascades": 36}"#);
    env.verity(&[
        "log",
        "append",
        "--db",
        &env.db(),
        "--key",
        "keys/alice.key",
        &more,
    ])
    .success();
    let cp4 = stdout(
        &env.verity(&["log", "checkpoint", "--db", &env.db()])
            .success(),
    );
    let cp4 = env.write("cp4", &cp4);
    // Growth without a proof is refused; with the log's consistency proof, co-signed.
    let out = cosign(&cp4, None).code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("--proof"));
    let proof = stdout(
        &env.verity(&[
            "log",
            "prove",
            "--consistency",
            "3",
            "4",
            "--db",
            &env.db(),
            "--json",
        ])
        .success(),
    );
    let proof = env.write("p34.json", &proof);
    cosign(&cp4, Some(&proof)).success();
    // The older checkpoint again: a rollback, refused.
    let out = cosign(&cp3, None).code(2);
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr).contains("rollback"),
        "{:?}",
        out.get_output()
    );
    // A fork: the copy grows by another fourth entry and its checkpoint, signed with
    // the same log key, states the same size with another root. Refused.
    let other = env.write("r4b.json", r#"{"site": "Fordow", "cascades": 0}"#);
    let fork_db = env.path("fork.db").display().to_string();
    env.verity(&[
        "log",
        "append",
        "--db",
        &fork_db,
        "--key",
        "keys/alice.key",
        &other,
    ])
    .success();
    let fork4 = stdout(
        &env.verity(&["log", "checkpoint", "--db", &fork_db])
            .success(),
    );
    let fork4 = env.write("fork4", &fork4);
    let out = cosign(&fork4, None).code(2);
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr).contains("fork"),
        "{:?}",
        out.get_output()
    );
    // The same checkpoint again: accepted (nothing new to check).
    cosign(&cp4, None).success();
}

#[test]
fn audit_against_another_copy_names_the_first_divergent_entry() {
    let env = Env::new();
    env.with_log();
    std::fs::copy(env.path("log.db"), env.path("mirror.db")).unwrap();
    let mirror = env.path("mirror.db").display().to_string();
    let same = stdout(
        &env.verity(&["log", "audit", "--db", &env.db(), "--against", &mirror])
            .success(),
    );
    assert!(
        same.contains("the first 3 entries agree; the same history"),
        "{same}"
    );
    // The primary grows: the mirror is a prefix of it.
    let r4 = env.write("r4.json", r#"{"site": "Natanz", "cascades": 36}"#);
    env.verity(&[
        "log",
        "append",
        "--db",
        &env.db(),
        "--key",
        "keys/alice.key",
        &r4,
    ])
    .success();
    let ext = stdout(
        &env.verity(&["log", "audit", "--db", &env.db(), "--against", &mirror])
            .success(),
    );
    assert!(
        ext.contains(&format!("it extends {mirror} by 1 entry")),
        "{ext}"
    );
    // The mirror is handed a different fourth entry: the histories part at entry 3.
    let forged = env.write("f.json", r#"{"site": "Natanz", "cascades": 0}"#);
    env.verity(&[
        "log",
        "append",
        "--db",
        &mirror,
        "--key",
        "keys/alice.key",
        &forged,
    ])
    .success();
    let out = env
        .verity(&[
            "log",
            "audit",
            "--db",
            &env.db(),
            "--against",
            &mirror,
            "--json",
        ])
        .code(1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["consistent"], false);
    assert_eq!(v["index"], 3);
    // The leaf hashes named are those of the two fourth entries, recomputed here.
    let leaf = |db: &str| {
        let store = Store::open(db).unwrap();
        let data = store
            .read(|tx| -> Result<_, StoreError> {
                Ok(verity_ledger::LogStorage::entries(tx, 3..4).unwrap())
            })
            .unwrap();
        merkle::leaf_hash(&data[0].data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(v["leaf_hash"], leaf(&env.db()));
    assert_eq!(v["other_leaf_hash"], leaf(&mirror));
    let text = stdout(
        &env.verity(&["log", "audit", "--db", &env.db(), "--against", &mirror])
            .code(1),
    );
    assert!(
        text.starts_with("DIVERGED at entry 3: the first 3 entries agree"),
        "{text}"
    );
}

#[test]
fn a_tlog_proof_checks_offline_and_fails_when_anything_is_changed() {
    let env = Env::new();
    env.with_log();
    // A witness co-signs the checkpoint; the proof carries its cosignature.
    env.verity(&["key", "generate", "--name", "witness.test", "--out", "keys"])
        .success();
    let cp = stdout(
        &env.verity(&["log", "checkpoint", "--db", &env.db()])
            .success(),
    );
    let cp_file = env.write("cp", &cp);
    let cosigned = stdout(
        &env.verity(&[
            "log",
            "cosign",
            "--key",
            "keys/witness.test.key",
            "--log-key",
            "keys/verity.test_log.pub",
            &cp_file,
        ])
        .success(),
    );
    // Keep the cosigned checkpoint as the log's latest (as `log witness` does).
    let store = Store::open(&env.db()).unwrap();
    store
        .write(|tx| -> Result<(), StoreError> {
            verity_ledger::LogStorage::put_checkpoint(tx, 3, &cosigned).unwrap();
            Ok(())
        })
        .unwrap();
    let proof = stdout(
        &env.verity(&[
            "log",
            "prove",
            "--db",
            &env.db(),
            "--inclusion",
            "1",
            "--format",
            "tlog-proof",
        ])
        .success(),
    );
    assert!(
        proof.starts_with("c2sp.org/tlog-proof@v1\nextra "),
        "{proof}"
    );
    assert!(proof.contains("\nindex 1\n"), "{proof}");
    assert!(
        proof.ends_with(&cosigned),
        "the checkpoint is carried verbatim"
    );
    let file = env.write("e.tlog-proof", &proof);
    let ok = stdout(
        &env.verity(&[
            "log",
            "check-proof",
            &file,
            "--key",
            "keys/verity.test_log.pub",
            "--witness",
            "keys/witness.test.pub",
            "--json",
        ])
        .success(),
    );
    let v: serde_json::Value = serde_json::from_str(&ok).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["index"], 1);
    assert_eq!(v["tree_size"], 3);
    assert_eq!(v["signer"], "alice");
    assert_eq!(v["witnesses"], serde_json::json!(["witness.test"]));

    // A policy the cosignatures do not meet fails (exit 1).
    env.verity(&["key", "generate", "--name", "other.test", "--out", "keys"])
        .success();
    let out = env
        .verity(&[
            "log",
            "check-proof",
            &file,
            "--key",
            "keys/verity.test_log.pub",
            "--witness",
            "keys/witness.test.pub",
            "--witness",
            "keys/other.test.pub",
        ])
        .code(1);
    assert!(stdout(&out).contains("1 of the 2 witnesses co-signed"));
    env.verity(&[
        "log",
        "check-proof",
        &file,
        "--key",
        "keys/verity.test_log.pub",
        "--witness",
        "keys/witness.test.pub",
        "--witness",
        "keys/other.test.pub",
        "--quorum",
        "1",
    ])
    .success();
    // Another key, a changed proof hash, a changed entry, another index: each fails.
    env.verity(&["log", "check-proof", &file, "--key", "keys/alice.pub"])
        .code(1);
    let lines: Vec<&str> = proof.lines().collect();
    let hash_line = lines[3];
    // Entry 2's own (valid, signed) bytes in entry 1's proof.
    let proof2 = stdout(
        &env.verity(&[
            "log",
            "prove",
            "--db",
            &env.db(),
            "--inclusion",
            "2",
            "--format",
            "tlog-proof",
        ])
        .success(),
    );
    let extra2 = proof2.lines().nth(1).unwrap().to_owned();
    let mut flipped = hash_line.to_owned();
    flipped.replace_range(0..1, if hash_line.starts_with('A') { "B" } else { "A" });
    for bad in [
        proof.replacen(hash_line, &flipped, 1),
        proof.replacen("\nindex 1\n", "\nindex 2\n", 1),
        proof.replacen(lines[1], &extra2, 1),
    ] {
        let f = env.write("bad.tlog-proof", &bad);
        let out = env
            .verity(&[
                "log",
                "check-proof",
                &f,
                "--key",
                "keys/verity.test_log.pub",
            ])
            .code(1);
        assert!(stdout(&out).starts_with("FAILED: "), "{}", stdout(&out));
    }
    // A malformed file is bad input (exit 2), located.
    let f = env.write("bad.tlog-proof", &proof.replacen("index 1", "index 01", 1));
    let out = env
        .verity(&[
            "log",
            "check-proof",
            &f,
            "--key",
            "keys/verity.test_log.pub",
        ])
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("bad.tlog-proof:line 3: the index must be a decimal"),
        "{err}"
    );
}

#[test]
fn publish_writes_the_tiles_the_server_serves() {
    let env = Env::new();
    env.with_log();
    env.verity(&["log", "checkpoint", "--db", &env.db()])
        .success();
    let out = stdout(
        &env.verity(&["log", "publish", "--db", &env.db(), "--out", "pub"])
            .success(),
    );
    assert!(
        out.starts_with("published the tree of size 3 to pub: 2 tiles written"),
        "{out}"
    );
    let tile = std::fs::read(env.path("pub/tile/0/000.p/3")).unwrap();
    assert_eq!(tile.len(), 3 * 32);
    let bundle = std::fs::read(env.path("pub/tile/entries/000.p/3")).unwrap();
    let entries = verity_ledger::tiles::unbundle(&bundle).unwrap();
    assert_eq!(entries.len(), 3);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(&tile[i * 32..i * 32 + 32], &merkle::leaf_hash(e));
    }
    // Nothing new: nothing written.
    let again = stdout(
        &env.verity(&["log", "publish", "--db", &env.db(), "--out", "pub"])
            .success(),
    );
    assert!(
        again.contains(": 0 tiles written (") && again.contains("2 already there"),
        "{again}"
    );
    // No log: an error naming what to do, nothing written.
    let out = env
        .verity(&["log", "publish", "--db", "nolog.db", "--out", "x"])
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("verity: error:"), "{err}");
    assert!(!env.path("x/checkpoint").exists());
}

#[test]
fn a_report_from_a_store_attaches_offline_proofs_of_its_record() {
    let env = Env::new();
    env.with_log();
    // Import through the store's log (signed with the log key recorded by init).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/evidence");
    let files: Vec<String> = [
        "measurements",
        "events",
        "knowledge",
        "reports",
        "disagreements",
    ]
    .iter()
    .map(|f| root.join(format!("{f}.csv")).display().to_string())
    .collect();
    let mut args = vec!["evidence", "import", "--db"];
    let db = env.db();
    args.push(&db);
    args.extend(files.iter().map(String::as_str));
    env.verity(&args).success();
    let out = env
        .verity(&[
            "report",
            "--db",
            &env.db(),
            "--format",
            "json",
            "--out",
            "r.json",
            "--proofs",
            "proofs",
        ])
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("1 log proof of the record written to proofs"),
        "{err}"
    );
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("proofs/index.json")).unwrap())
            .unwrap();
    let i = index[0]["index"].as_u64().unwrap();
    assert_eq!(i, 3, "the import is the entry after the three of with_log");
    assert!(index[0]["measurements"].as_u64().unwrap() > 100);
    let proof = env
        .path(&format!("proofs/entry-{i}.tlog-proof"))
        .display()
        .to_string();
    let ok = stdout(
        &env.verity(&[
            "log",
            "check-proof",
            &proof,
            "--key",
            "keys/verity.test_log.pub",
        ])
        .success(),
    );
    assert!(
        ok.starts_with("ok: entry 3 (evidence_import, signed by verity.test/log"),
        "{ok}"
    );
    // Without --db there is no log to prove from.
    env.verity(&["report", "--proofs", "p2"]).code(2);
}
