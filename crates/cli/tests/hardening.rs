//! Hostile input through the real binary: stored text never reaches a terminal raw.

use assert_cmd::Command;

fn verity() -> Command {
    Command::cargo_bin("verity").expect("binary")
}

/// No ESC, CR, NUL or other control character but the line breaks in `out`.
fn clean(out: &[u8]) -> bool {
    String::from_utf8_lossy(out)
        .chars()
        .all(|c| c == '\n' || !c.is_control())
}

#[test]
fn a_token_label_cannot_draw_on_the_terminal() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("t.db");
    // A label that returns the carriage and draws a fake admin line.
    let label = "newsroom\r   9  admin      2026-01-01T00:00:00Z  root\u{1b}[2K\u{7}";
    verity()
        .args([
            "token", "create", "--role", "analyst", "--label", label, "--db",
        ])
        .arg(&db)
        .assert()
        .success();
    let out = verity()
        .args(["token", "list", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert!(
        clean(&out.stdout),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("newsroom\\u{d}"), "{text}");
    assert!(text.contains("\\u{1b}[2K\\u{7}"), "{text}");
    assert_eq!(text.lines().count(), 1, "one token, one line: {text}");
    // JSON keeps the label exactly (its own escaping is the format's).
    let out = verity()
        .args(["token", "list", "--json", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["label"], label);
}

#[test]
fn evidence_fields_cannot_draw_on_the_terminal() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("e.db");
    let csv = tmp.path().join("m.csv");
    std::fs::write(
        &csv,
        "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n\
         2019-05-20,Iran,enriched_uranium_stock,174.1,,,,kg_u,verified,\"GOV/2019/21\u{1b}]0;owned\u{7}\r\",8,2019-05-31,,\n",
    )
    .expect("write");
    verity()
        .args(["evidence", "import"])
        .arg(&csv)
        .arg("--db")
        .arg(&db)
        .assert()
        .success();
    for args in [
        vec!["evidence", "list"],
        vec!["assess", "--from", "2019-01-01", "--to", "2019-12-31"],
        vec!["report", "--from", "2019-01-01", "--to", "2019-12-31"],
    ] {
        let out = verity()
            .args(&args)
            .arg("--db")
            .arg(&db)
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            clean(&out.stdout),
            "{args:?}: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("GOV/2019/21\\u{1b}]0;owned\\u{7}"),
            "{args:?}"
        );
    }
}

#[test]
fn breakout_figures_that_overflow_are_refused_not_printed() {
    for args in [
        vec!["--stock", "60:400", "--swu-per-year", "1e-320"],
        vec!["--stock", "60:400", "--swu-per-year", "1e-300"],
        vec![
            "--stock",
            "60:440",
            "--centrifuges",
            "IR-6:1000",
            "--target-u235-kg",
            "1e308",
        ],
        vec![
            "--stock",
            "60:440",
            "--centrifuges",
            "IR-6:1000",
            "--target-u235-kg",
            "1e306",
        ],
    ] {
        for json in [false, true] {
            let mut cmd = verity();
            cmd.arg("breakout").args(&args);
            if json {
                cmd.arg("--json");
            }
            let out = cmd.output().expect("runs");
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                !stdout.contains("inf")
                    && !stdout.contains("null")
                    && !stdout.contains(" 0.0 days"),
                "{args:?}: {stdout}"
            );
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("--"), "{args:?}: names the flag: {err}");
            assert!(
                err.len() < 400,
                "{args:?}: the value is not echoed whole: {err}"
            );
        }
    }
}

#[test]
fn in_memory_stores_are_refused_for_writes() {
    for db in [
        ":memory:",
        "sqlite::memory:",
        "sqlite://:memory:",
        "file::memory:?cache=shared",
        "sqlite:",
        "sqlite://",
    ] {
        let out = verity()
            .args(["token", "create", "--role", "analyst", "--db", db])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{db}");
        assert!(out.stdout.is_empty(), "{db}: no token acknowledged");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(db.trim_end_matches('/')) || err.contains("sqlite"),
            "{db}: {err}"
        );
    }
}

#[cfg(unix)]
#[test]
fn stores_and_key_directories_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let bin = assert_cmd::cargo::cargo_bin("verity");
    let script = format!(
        "umask 000 && '{bin}' token create --role analyst --db p.db >/dev/null && '{bin}' key generate --name a.example/k --out keys/sub >/dev/null",
        bin = bin.display()
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(tmp.path())
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = |p: &str| {
        std::fs::metadata(tmp.path().join(p))
            .expect(p)
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("p.db"), 0o600, "the database");
    assert_eq!(mode("keys"), 0o700, "a key directory");
    assert_eq!(mode("keys/sub"), 0o700, "a key directory");
    assert_eq!(mode("keys/sub/a.example_k.key"), 0o600, "the private key");
}

#[test]
fn database_passwords_never_appear_in_messages() {
    for args in [
        vec!["token", "list", "--db"],
        vec!["evidence", "list", "--db"],
        vec!["log", "verify", "--db"],
    ] {
        for url in [
            "postgres://u:s3cret@127.0.0.1:1/x",
            "postgres://u:s3cret@127.0.0.1:5432/x?sslmode=bogus",
            "postgres://u:p@s3cret@127.0.0.1:1/x",
            "postgresql://127.0.0.1:1/x?user=u&password=s3cret",
        ] {
            let out = verity().args(&args).arg(url).output().expect("runs");
            assert!(!out.status.success(), "{args:?} {url}");
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!all.contains("s3cret"), "{args:?} {url}: {all}");
            assert!(all.contains("***") || all.contains("127.0.0.1"), "{all}");
        }
    }
}

#[test]
fn an_empty_or_foreign_file_is_not_a_store_and_is_left_alone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let empty = tmp.path().join("zeroed.db");
    std::fs::write(&empty, b"").expect("write");
    let text = tmp.path().join("notes.db");
    std::fs::write(&text, b"root:x:0:0:root:/root:/bin/bash\n").expect("write");
    for (file, word) in [(&empty, "empty"), (&text, "not an SQLite database")] {
        let before = std::fs::read(file).expect("read");
        for args in [
            vec!["log", "verify", "--db"],
            vec!["token", "list", "--db"],
            vec!["token", "create", "--role", "analyst", "--db"],
            vec!["evidence", "list", "--db"],
        ] {
            let out = verity().args(&args).arg(file).output().expect("runs");
            assert_eq!(out.status.code(), Some(2), "{args:?} {}", file.display());
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(word), "{args:?}: {err}");
            assert!(
                err.contains(&*file.display().to_string()),
                "names the file: {err}"
            );
            assert_eq!(
                std::fs::read(file).expect("read"),
                before,
                "{args:?}: the file is untouched"
            );
        }
    }
}

/// stderr of a run that must fail with exit 2 (bad input).
fn bad_input(args: &[&str], dir: &std::path::Path) -> String {
    let out = verity().current_dir(dir).args(args).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty(), "nothing printed on stdout: {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_utf8_is_located_by_line_and_column() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(
        tmp.path().join("m.csv"),
        b"date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,grade,via,note\n2020-01-01,Iran,enriched_uranium_stock,10\xff,,,,kg_u,verified,GOV/X,,2020-01-02,primary,,\n",
    )
    .expect("write");
    let err = bad_input(&["assess", "--evidence", "m.csv"], tmp.path());
    assert!(
        err.contains("m.csv:2:42: not valid UTF-8 (byte 0xFF)"),
        "{err}"
    );
    std::fs::write(tmp.path().join("a.toml"), b"[agreement]\nid = \"x\xc3\"\n").expect("write");
    let err = bad_input(&["agreement", "check", "a.toml"], tmp.path());
    assert!(
        err.contains("a.toml:2:8: not valid UTF-8 (byte 0xC3)"),
        "{err}"
    );
}

#[test]
fn json_evidence_of_the_wrong_type_says_what_was_expected() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(
        tmp.path().join("t.json"),
        r#"{"measurements":[{"date":"2020-01-01","party":5,"metric":"enriched_uranium_stock","value":1,"unit":"kg_u","source":["GOV/X"],"basis":true,"report_date":"2020-01-01","grade":"primary"}]}"#,
    )
    .expect("write");
    let err = bad_input(&["assess", "--evidence", "t.json"], tmp.path());
    assert!(
        err.contains("t.json:1:47: party: expected a string or null, got a number"),
        "{err}"
    );
    assert!(
        err.contains("source: expected a string or null, got an array"),
        "{err}"
    );
    assert!(
        err.contains("basis: expected a string or null, got a boolean"),
        "{err}"
    );
    // A field of the wrong type is reported once, not also as missing.
    assert!(!err.contains("missing"), "{err}");
    assert!(err.contains("3 problems found"), "{err}");
}

#[test]
fn an_unknown_party_is_located_at_its_record() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(
        tmp.path().join("t.json"),
        r#"{"measurements":[ {"date":"2020-01-01","party":"Irn","metric":"enriched_uranium_stock","value":1,"unit":"kg_u","source":"GOV/X","basis":"verified","report_date":"2020-01-01","grade":"primary"}]}"#,
    )
    .expect("write");
    let err = bad_input(&["assess", "--evidence", "t.json"], tmp.path());
    assert!(
        err.contains("t.json:1:19: party: unknown party `Irn`"),
        "{err}"
    );
}

#[test]
fn a_key_day_past_the_calendar_is_an_error_not_unresolved() {
    let tmp = tempfile::tempdir().expect("tmp");
    let head = "[agreement]\nid = \"k\"\ntitle = \"K\"\nsource = \"x\"\n[[party]]\nid = \"a\"\nname = \"A\"\n";
    std::fs::write(
        tmp.path().join("fixed.toml"),
        format!("{head}[[key_day]]\nid = \"start\"\nname = \"Start\"\nwhen = 9990-01-01\n[[key_day]]\nid = \"end\"\nname = \"End\"\nwhen = \"start + 20 years\"\n"),
    )
    .expect("write");
    let err = bad_input(&["agreement", "check", "fixed.toml"], tmp.path());
    assert!(
        err.contains("fixed.toml:15:8: error: key day `end` falls outside the calendar"),
        "{err}"
    );
    // The same overflow reached through an event in the evidence.
    std::fs::write(
        tmp.path().join("event.toml"),
        format!("{head}[[key_day]]\nid = \"start\"\nname = \"Start\"\nwhen = {{ event = \"agreement_finalised\", party = \"a\", plus = \"20 years\" }}\n"),
    )
    .expect("write");
    std::fs::write(
        tmp.path().join("ev.csv"),
        "date,party,event,value,source,paragraph,via,note\n9990-01-01,A,agreement_finalised,,GOV/X,,,\n",
    )
    .expect("write");
    for cmd in [
        &[
            "agreement",
            "key-days",
            "event.toml",
            "--evidence",
            "ev.csv",
        ][..],
        &[
            "assess",
            "--agreement",
            "event.toml",
            "--evidence",
            "ev.csv",
        ][..],
    ] {
        let err = bad_input(cmd, tmp.path());
        assert!(
            err.contains("ev.csv:2:1: date: 9990-01-01: this event puts key day start past the calendar's end"),
            "{cmd:?}: {err}"
        );
    }
}
