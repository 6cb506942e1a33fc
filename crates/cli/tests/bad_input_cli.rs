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
    let first = verity()
        .args(["evidence", "import", "--json", "--db", db])
        .args(&files)
        .assert()
        .success();
    let counts: serde_json::Value =
        serde_json::from_slice(&first.get_output().stdout).expect("import JSON");
    let total: u64 = ["measurements", "events", "knowledge"]
        .iter()
        .map(|k| counts[k].as_u64().expect("count"))
        .sum();
    assert!(total > 100, "{counts}");
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
    assert!(
        stderr.contains(&format!("… and {} more", total - 50)),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{total} records already in")),
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

#[test]
fn evidence_check_sources_and_list_by_report_keep_their_contracts() {
    // The shipped record: clean, exit 0.
    let out = verity()
        .args(["evidence", "check", "--json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    assert!(v["checked"].as_u64().expect("checked") > 500, "{v}");
    assert_eq!(v["problems"], serde_json::json!([]));

    // A broken copy: exit 1, the problem names both rows.
    let dir = tempfile::tempdir().expect("temp dir");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/evidence");
    let text = std::fs::read_to_string(format!("{data}/measurements.csv")).expect("record");
    let broken = text.replacen(
        "enriched_uranium_stock_other_forms,34.7,",
        "enriched_uranium_stock_other_forms,134.7,",
        1,
    );
    assert_ne!(broken, text);
    let file = dir.path().join("measurements.csv");
    std::fs::write(&file, broken).expect("write");
    let file = file.display().to_string();
    let reports = format!("{data}/reports.csv");
    let out = verity()
        .args(["evidence", "check", "--json", "--evidence", &file, &reports])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    let p = &v["problems"][0];
    assert_eq!(p["kind"], "forms_sum", "{v}");
    let rows: Vec<&str> = p["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows.iter().all(|r| r.starts_with(&format!("{file}:"))),
        "{rows:?}"
    );
    assert!(
        p["message"].as_str().expect("message").contains("3241"),
        "{p}"
    );

    // Sources: counts by grade and the reports with their confirmation.
    let out = verity()
        .args(["evidence", "sources", "--json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    let g = &v["grades"];
    let sum: u64 = ["primary", "quoted", "compiled", "derived"]
        .iter()
        .map(|k| g[k].as_u64().expect("grade count"))
        .sum();
    assert_eq!(Some(sum), v["figures"].as_u64(), "{g}");
    let reports = v["reports"].as_array().expect("reports");
    let r = reports
        .iter()
        .find(|r| r["id"] == "GOV/2021/28")
        .expect("GOV/2021/28");
    assert_eq!(r["date"], "2021-05-31");
    assert_eq!(r["id_confirmed"], true);
    assert!(r["figures"].as_u64().expect("figures") >= 8, "{r}");
    assert!(reports.iter().any(|r| r["id_confirmed"] == false));

    // One report's figures, in the import format.
    let out = verity()
        .args(["evidence", "list", "--report", "GOV/2021/28", "--json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    let ms = v["measurements"].as_array().expect("measurements");
    assert!(ms.len() >= 8);
    assert!(ms.iter().all(|m| m["source"] == "GOV/2021/28"));
    verity()
        .args(["evidence", "list", "--report", "GOV/1999/1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--report GOV/1999/1: no such report",
        ));
}

#[test]
fn evidence_about_a_party_the_agreement_does_not_know_is_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("m.csv");
    std::fs::write(
        &file,
        "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n2019-08-19,Irn,enriched_uranium_stock,241.6,,,,kg_u,verified,GOV/2019/32,8,2019-08-30,,\n",
    )
    .expect("write");
    let f = file.display().to_string();
    for args in [
        vec!["evidence", "import", f.as_str()],
        vec!["evidence", "check", "--evidence", f.as_str()],
        vec!["assess", "--evidence", f.as_str()],
    ] {
        verity()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{f}:2:1: party: unknown party `Irn`"
            )));
    }
}
