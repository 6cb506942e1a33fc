//! `verity agreement …`: the CLI contracts of check, show and key-days.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn verity() -> Command {
    let mut cmd = Command::cargo_bin("verity").expect("verity binary");
    // The shipped JCPOA is embedded: the default must work from any directory.
    cmd.current_dir(std::env::temp_dir());
    cmd
}

fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/agreements/jcpoa.toml")
}

fn json(args: &[&str]) -> Value {
    let out = verity()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("stdout is one JSON document")
}

fn ids(v: &Value) -> Vec<String> {
    v["obligations"]
        .as_array()
        .expect("obligations array")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

const SMALL: &str = r#"[agreement]
id = "small"
title = "Small"

[[party]]
id = "a"
name = "A"

[[key_day]]
id = "start"
name = "Start"
when = 2020-01-01

[[key_day]]
id = "end"
name = "End"
when = { event = "withdrawal", party = "a" }

[[obligation]]
id = "a.level"
party = "a"
cite = { document = "Small", paragraph = "1" }
text = "Keep enrichment low."
kind = "limit"
metric = "max_enrichment_level"
op = "<="
limit = 5
unit = "pct_u235"
from = "start"
until = "end"
"#;

fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

#[test]
fn check_accepts_the_shipped_jcpoa_with_a_one_line_summary() {
    let out = verity()
        .args(["agreement", "check"])
        .arg(shipped())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains(": ok: jcpoa"), "{text}");
    assert!(text.contains("5 key days"), "{text}");
}

#[test]
fn check_rejects_bad_input_with_located_diagnostics_and_exit_2() {
    let bad = SMALL
        .replace(
            r#"metric = "max_enrichment_level""#,
            r#"metric = "enrichment""#,
        )
        .replace(r#"unit = "pct_u235""#, r#"unit = "pct""#);
    let (_dir, path) = temp_file("bad.toml", &bad);
    verity()
        .args(["agreement", "check"])
        .arg(&path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "bad.toml:25:10: error: unknown metric `enrichment`",
        ))
        .stderr(predicate::str::contains(
            "bad.toml:28:8: error: unknown unit `pct`",
        ))
        .stderr(predicate::str::contains("2 problems found"));
    // `assess` reports the same file's problems in the same words.
    verity()
        .args(["assess", "--agreement"])
        .arg(&path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("bad.toml: 2 problems found"))
        .stderr(predicate::str::contains("problem(s)").not());
    verity()
        .args(["agreement", "check", "/nonexistent/agreement.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read /nonexistent/agreement.toml",
        ));
}

#[test]
fn show_json_has_the_contracted_shape() {
    let v = json(&["agreement", "show", "--json"]);
    assert_eq!(v["agreement"], "jcpoa");
    let days: Vec<(String, String)> = v["key_days"]
        .as_array()
        .expect("key_days")
        .iter()
        .map(|k| {
            (
                k["name"].as_str().expect("name").to_owned(),
                k["date"].as_str().expect("date").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("Finalisation Day", "2015-07-14"),
            ("Adoption Day", "2015-10-18"),
            ("Implementation Day", "2016-01-16"),
            ("Transition Day", "2023-10-18"),
            ("UNSCR Termination Day", "2025-10-18"),
        ]
        .map(|(n, d)| (n.to_owned(), d.to_owned()))
    );
    let obs = v["obligations"].as_array().expect("obligations");
    assert!(obs.len() >= 60, "{}", obs.len());
    for o in obs {
        for key in [
            "id", "party", "cite", "text", "kind", "metric", "op", "limit", "unit", "from", "until",
        ] {
            assert!(o.get(key).is_some(), "{key} missing in {o}");
        }
        assert!(!o["cite"].as_str().unwrap_or("").is_empty(), "{o}");
    }
    let level = obs
        .iter()
        .find(|o| o["id"] == "iran.enrichment.level")
        .expect("enrichment level");
    assert_eq!(level["party"], "iran");
    assert_eq!(level["kind"], "limit");
    assert_eq!(level["metric"], "max_enrichment_level");
    assert_eq!(level["op"], "<=");
    assert_eq!(level["limit"], 3.67);
    assert_eq!(level["unit"], "pct_u235");
    assert_eq!(level["from"], "2016-01-16");
    assert_eq!(level["until"], "2031-01-16");
    assert_eq!(level["cite"], "JCPOA Annex I, Section F, para. 28");
    let reimpose = obs
        .iter()
        .find(|o| o["id"] == "us.no_reimposition")
        .expect("para 26");
    assert_eq!(reimpose["kind"], "prohibition");
    assert_eq!(reimpose["metric"], Value::Null);
    assert_eq!(reimpose["until"], Value::Null);
}

#[test]
fn show_filters_by_date_and_party() {
    let v = json(&[
        "agreement",
        "show",
        "--on",
        "2024-07-16",
        "--party",
        "Iran",
        "--json",
    ]);
    let iran = ids(&v);
    assert!(iran.contains(&"iran.rd.ir6.late".to_owned()));
    assert!(!iran.contains(&"iran.rd.ir6.early".to_owned()));
    assert!(
        iran.iter()
            .all(|i| i.starts_with("iran.") || i.starts_with("participants."))
    );
    assert_eq!(v["on"], "2024-07-16");
    assert_eq!(v["party"], "iran");

    // A member matches its groups' obligations.
    let v = json(&["agreement", "show", "--party", "france", "--json"]);
    let parties: std::collections::BTreeSet<String> = v["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .map(|o| o["party"].as_str().expect("party").to_owned())
        .collect();
    assert_eq!(parties, ["e3_eu3", "participants"].map(String::from).into());

    let before = json(&["agreement", "show", "--on", "2015-10-17", "--json"]);
    assert_eq!(ids(&before), Vec::<String>::new());
}

#[test]
fn show_reports_unresolved_ends_as_null() {
    let (_dir, path) = temp_file("small.toml", SMALL);
    let p = path.to_str().expect("utf-8 path");
    let v = json(&["agreement", "show", p, "--json"]);
    let o = &v["obligations"][0];
    assert_eq!(o["from"], "2020-01-01");
    assert_eq!(o["until"], Value::Null);
    assert_eq!(v["key_days"][1]["date"], Value::Null);
    let v = json(&["agreement", "show", p, "--on", "2030-01-01", "--json"]);
    assert_eq!(ids(&v), ["a.level"]);
}

#[test]
fn show_rejects_bad_flags_with_exit_2() {
    verity()
        .args(["agreement", "show", "--on", "2024-13-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--on 2024-13-01"));
    verity()
        .args(["agreement", "show", "--party", "narnia"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--party narnia: no such party in jcpoa",
        ))
        .stderr(predicate::str::contains("e3_eu3"));
}

#[test]
fn show_text_lists_obligations_with_citations_and_windows() {
    verity()
        .args(["agreement", "show", "--on", "2020-01-01", "--party", "iran"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "iran.stock.limit  [iran]  limit: enriched_uranium_stock <= 300 kg_uf6",
        ))
        .stdout(predicate::str::contains(
            "JCPOA Annex I, Section J, para. 56 (checked)  |  2016-01-16 to 2031-01-16",
        ));
}

#[test]
fn key_days_text_and_json() {
    verity()
        .args(["agreement", "key-days"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Transition Day"))
        .stdout(predicate::str::contains(
            "2023-10-18  earliest of (adoption_day + 8 years, event broader_conclusion by iaea)",
        ));
    let v = json(&["agreement", "key-days", "--json"]);
    assert_eq!(v["agreement"], "jcpoa");
    assert_eq!(v["key_days"][4]["name"], "UNSCR Termination Day");
    assert_eq!(v["key_days"][4]["date"], "2025-10-18");
    let (_dir, path) = temp_file("small.toml", SMALL);
    let v = json(&[
        "agreement",
        "key-days",
        path.to_str().expect("utf-8"),
        "--json",
    ]);
    assert_eq!(v["key_days"][1]["name"], "End");
    assert_eq!(v["key_days"][1]["date"], Value::Null);
}
