//! `verity evidence`, `verity assess` and `verity report` end to end, through the real
//! binary: the JSON contract, defaults that work from any directory, exit codes, and
//! imports that store everything or nothing.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const M_HEADER: &str =
    "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n";
const GOOD_M: &str = "2019-05-20,Iran,enriched_uranium_stock,174.1,,,,kg_u,verified,GOV/2019/21,8,2019-05-31,,\n\
2019-08-19,Iran,enriched_uranium_stock,241.6,,,,kg_u,verified,GOV/2019/32,3,2019-08-30,,\n";
const E_HEADER: &str = "date,party,event,value,source,paragraph,via,note\n";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
    fn db(&self) -> String {
        self.path("ev.db").display().to_string()
    }
    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.path(name), text).expect("write");
        self.path(name).display().to_string()
    }
    /// Runs `verity` in the temporary directory (so nothing relies on the repository).
    fn verity(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("verity")
            .expect("binary")
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .args(args)
            .assert()
    }
    fn json(&self, args: &[&str]) -> Value {
        let out = self.verity(args).success();
        serde_json::from_slice(&out.get_output().stdout).expect("stdout is one JSON document")
    }
    /// (measurements, events, knowledge) stored in the test database.
    fn stored(&self) -> (usize, usize, usize) {
        let v = self.json(&["evidence", "list", "--db", &self.db(), "--json"]);
        let n = |k: &str| v[k].as_array().map_or(usize::MAX, Vec::len);
        (n("measurements"), n("events"), n("knowledge"))
    }
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../compliance/tests/fixtures")
}

#[test]
fn assess_json_contract_on_the_shipped_defaults() {
    let env = Env::new();
    let v = env.json(&["assess", "--json"]);
    let top: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["breakout", "first_breach", "verdicts"]);
    let verdicts = v["verdicts"].as_array().expect("verdicts");
    assert!(verdicts.len() > 1000, "{}", verdicts.len());
    for x in verdicts {
        let keys: Vec<&str> = x
            .as_object()
            .expect("verdict")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "cite",
                "date",
                "finding",
                "limit",
                "obligation",
                "party",
                "readings",
                "sources",
                "status",
                "unit",
                "value"
            ]
        );
        let s = x["status"].as_str().expect("status");
        assert!(
            [
                "compliant",
                "breach",
                "indeterminate",
                "cannot_verify",
                "no_evidence",
                "contested"
            ]
            .contains(&s),
            "{s}"
        );
        // The finding never takes a reading's own status; "contested" only by default.
        let f = x["finding"].as_str().expect("finding");
        assert!(
            !["remedial", "contested"].contains(&f),
            "{f} is not a finding"
        );
        for r in x["readings"].as_array().expect("readings") {
            assert_ne!(r["status"], x["status"], "a listed reading differs");
            assert!(!r["cite"].as_str().expect("cite").is_empty());
            assert!(!r["party"].as_str().expect("party").is_empty());
        }
        assert!(!x["cite"].as_str().expect("cite").is_empty());
    }
    assert_eq!(v["first_breach"]["iran.stock.limit"], "2019-07-01");
    assert_eq!(v["first_breach"]["iran.enrichment.level"], "2019-07-08");
    assert_eq!(v["first_breach"]["us.no_reimposition"], "2018-08-07");
    let stock = verdicts
        .iter()
        .find(|x| x["obligation"] == "iran.stock.limit" && x["date"] == "2019-08-19")
        .expect("stock verdict of GOV/2019/32");
    assert_eq!(stock["status"], "breach");
    assert_eq!(stock["value"], 241.6);
    assert_eq!(stock["unit"], "kg_u");
    assert!(
        stock["sources"][0]
            .as_str()
            .expect("source")
            .starts_with("GOV/2019/32")
    );
    let b = v["breakout"].as_array().expect("breakout");
    assert!(!b.is_empty());
    for p in b {
        let keys: Vec<&str> = p
            .as_object()
            .expect("point")
            .keys()
            .map(String::as_str)
            .collect();
        // The contract: the first four fields kept, the route, capacity, verified flag,
        // basis and per-site figures added.
        for k in [
            "date",
            "days",
            "days_p05",
            "days_p95",
            "route",
            "capacity_swu_per_year",
            "verified",
            "basis",
            "by_site",
        ] {
            assert!(keys.contains(&k), "{k} missing from {keys:?}");
        }
        for b in p["basis"].as_array().expect("basis") {
            for k in [
                "type",
                "site",
                "count",
                "as_of",
                "carried_forward",
                "report",
            ] {
                assert!(b.get(k).is_some(), "{k} missing from {b}");
            }
            // `as_of` dates the figure, as everywhere in the record; `report` names it,
            // and a count carried forward is no younger than the point.
            let as_of = b["as_of"].as_str().expect("as_of is a date");
            assert!(
                as_of.len() == 10 && as_of.as_bytes()[4] == b'-' && as_of.as_bytes()[7] == b'-',
                "{as_of}"
            );
            assert!(!b["report"].as_str().unwrap().is_empty());
            if b["carried_forward"] == true {
                assert!(as_of <= p["date"].as_str().unwrap(), "{b}");
            }
        }
    }
}

#[test]
fn assess_filters_by_party_and_dates() {
    let env = Env::new();
    let v = env.json(&[
        "assess",
        "--party",
        "United States",
        "--from",
        "2018-01-01",
        "--to",
        "2018-12-31",
        "--json",
    ]);
    let verdicts = v["verdicts"].as_array().expect("verdicts");
    assert!(!verdicts.is_empty());
    for x in verdicts {
        // The US's own obligations and those of the groups it belongs to.
        let p = x["party"].as_str().expect("party");
        assert!(["us", "e3_eu3", "participants"].contains(&p), "{x}");
        let d = x["date"].as_str().expect("date");
        assert!(("2018-01-01"..="2018-12-31").contains(&d), "{d}");
    }
    assert!(verdicts.iter().any(|x| x["party"] == "us"));
    assert!(verdicts.iter().any(|x| x["status"] == "compliant"));
    assert!(verdicts.iter().any(|x| x["status"] == "breach"));
    // Human form: one line per change of status.
    let out = env.verity(&["assess", "--party", "us"]).success();
    let text = stdout(&out);
    assert!(text.contains("us.no_reimposition"), "{text}");
    assert!(text.contains("from 2018-08-07  breach"), "{text}");
}

#[test]
fn assess_sigma_changes_the_call() {
    // The fixture record has 205 ± 2 kg U against 202.84 kg U.
    let env = Env::new();
    let f = fixtures();
    let args = |k: &'static str| -> Vec<String> {
        vec![
            "assess".into(),
            "--agreement".into(),
            f.join("small.toml").display().to_string(),
            "--evidence".into(),
            f.join("measurements.csv").display().to_string(),
            f.join("events.csv").display().to_string(),
            f.join("knowledge.csv").display().to_string(),
            "--sigma".into(),
            k.into(),
            "--json".into(),
        ]
    };
    let status_at = |k: &'static str| {
        let a = args(k);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let v = env.json(&refs);
        v["verdicts"]
            .as_array()
            .expect("verdicts")
            .iter()
            .find(|x| x["obligation"] == "iran.stock" && x["date"] == "2020-01-05")
            .expect("verdict")["status"]
            .clone()
    };
    assert_eq!(status_at("2"), "indeterminate");
    assert_eq!(status_at("1"), "breach");
}

#[test]
fn assess_bad_input_exits_2_naming_the_value() {
    let env = Env::new();
    let a = env.verity(&["assess", "--from", "2019-13-01"]).code(2);
    assert!(stderr(&a).contains("--from"), "{}", stderr(&a));
    let a = env.verity(&["assess", "--party", "Atlantis"]).code(2);
    assert!(stderr(&a).contains("Atlantis"), "{}", stderr(&a));
    let a = env.verity(&["assess", "--sigma", "-1"]).code(2);
    assert!(stderr(&a).contains("--sigma"), "{}", stderr(&a));
    let a = env
        .verity(&["assess", "--from", "2020-01-01", "--to", "2019-01-01"])
        .code(2);
    assert!(stderr(&a).contains("before"), "{}", stderr(&a));
    env.verity(&["assess", "--agreement", "missing.toml"])
        .code(2);
    let bad = env.write(
        "bad.csv",
        &format!("{M_HEADER}2019-05-20,Iran,enriched_uranium,174.1,,,,kg_u,verified,GOV/2019/21,8,2019-05-31,,\n"),
    );
    let a = env.verity(&["assess", "--evidence", &bad]).code(2);
    assert!(
        stderr(&a).contains("bad.csv:2:17: metric: unknown metric"),
        "{}",
        stderr(&a)
    );
}

/// Each kind of bad file is rejected whole, with its location, and the store is left
/// exactly as it was.
#[test]
fn bad_imports_are_rejected_whole_and_leave_the_store_unchanged() {
    let env = Env::new();
    let good = env.write("good.csv", &format!("{M_HEADER}{GOOD_M}"));
    env.verity(&["evidence", "import", &good, "--db", &env.db()])
        .success();
    assert_eq!(env.stored(), (2, 0, 0));

    let row = |metric: &str, value: &str, unit: &str, date: &str| {
        format!("{date},Iran,{metric},{value},,,,{unit},verified,GOV/2019/55,4,2019-11-11,,\n")
    };
    let new_ok = row("enriched_uranium_stock", "372.3", "kg_u", "2019-11-03");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "metric.csv",
            format!("{M_HEADER}{new_ok}{}", row("enriched_uranium", "1", "kg_u", "2019-11-03")),
            "metric.csv:3:17: metric: unknown metric `enriched_uranium`",
        ),
        (
            "unit.csv",
            format!("{M_HEADER}{new_ok}{}", row("heavy_water_stock", "128.9", "kg_u", "2019-10-28")),
            "unit.csv:3:44: unit: metric `heavy_water_stock` is stated in t, not kg_u",
        ),
        (
            "date.csv",
            format!("{M_HEADER}{new_ok}{}", row("heavy_water_stock", "128.9", "t", "2019-10-32")),
            "date.csv:3:1: date: 2019-10-32: October 2019 has 31 days",
        ),
        (
            "number.csv",
            format!("{M_HEADER}{new_ok}{}", row("heavy_water_stock", "12x", "t", "2019-10-28")),
            "number.csv:3:35: value: `12x` is not a number",
        ),
        (
            "dup.csv",
            format!("{M_HEADER}{new_ok}{new_ok}"),
            "dup.csv:3:1: duplicate measurement",
        ),
        (
            "header.csv",
            format!("date,party,metric\n{new_ok}"),
            "header.csv:1:18: unexpected header",
        ),
        (
            "event.csv",
            format!("{E_HEADER}2018-08-07,US,sanctions_back,,EO 13846,1,,\n"),
            "event.csv:2:15: event: unknown event `sanctions_back`",
        ),
        (
            "broken.json",
            "{\"measurements\": [ {\"date\": \"2019-11-03\",, } ]}".to_owned(),
            "broken.json:1:",
        ),
        (
            "field.json",
            "{\n\"events\": [{\"date\": \"2018-08-07\", \"party\": \"US\", \"event\": \"withdrawal\",\n \"source\": \"NSPM-11\", \"colour\": 1}]}".to_owned(),
            "field.json:3:33: colour: unknown field",
        ),
    ];
    let db = env.db();
    for (name, text, expected) in cases {
        let path = env.write(name, &text);
        // Given together with a good file, the good one is not imported either.
        let other = env.write(
            "other.csv",
            &format!(
                "{M_HEADER}{}",
                row("heavy_water_stock", "128.9", "t", "2019-10-28")
            ),
        );
        let files: Vec<&str> = if name == "dup.csv" || name == "header.csv" {
            vec![&path]
        } else {
            vec![&other, &path]
        };
        let mut args = vec!["evidence", "import"];
        args.extend(files);
        args.extend(["--db", db.as_str()]);
        let out = env.verity(&args).code(2);
        let err = stderr(&out);
        assert!(err.contains(expected), "{name}: {err}");
        // The good file given with it is not the problem.
        assert!(!err.contains("other.csv"), "{name}: {err}");
        assert!(err.contains("nothing was imported"), "{name}: {err}");
        assert_eq!(env.stored(), (2, 0, 0), "{name} changed the store");
    }
    // Records already in the database: rejected whole, the store unchanged.
    let again = env.write("again.csv", &format!("{M_HEADER}{new_ok}{GOOD_M}"));
    let out = env
        .verity(&["evidence", "import", &again, "--db", &env.db()])
        .code(2);
    let err = stderr(&out);
    assert!(err.contains("again.csv:3: (date 2019-05-20"), "{err}");
    assert!(err.contains("already stored (import #1)"), "{err}");
    assert_eq!(env.stored(), (2, 0, 0));
}

#[test]
fn import_check_store_list_and_round_trip() {
    let env = Env::new();
    // Without --db: checked, not stored.
    let good = env.write("good.csv", &format!("{M_HEADER}{GOOD_M}"));
    let out = env.verity(&["evidence", "import", &good]).success();
    assert!(stdout(&out).contains("nothing stored"), "{}", stdout(&out));
    assert!(!env.path("verity.db").exists());
    // The shipped record, listed as JSON, imports back whole into a database.
    let shipped = env.verity(&["evidence", "list", "--json"]).success();
    let text = stdout(&shipped);
    let exported = env.write("shipped.json", &text);
    let v: Value = serde_json::from_str(&text).expect("json");
    let n = v["measurements"].as_array().expect("measurements").len();
    let r = env.json(&["evidence", "import", &exported, "--db", &env.db(), "--json"]);
    assert_eq!(r["measurements"].as_u64(), Some(n as u64));
    assert_eq!(r["stored"], true);
    assert_eq!(r["log_index"], Value::Null);
    let (m, e, k) = env.stored();
    assert_eq!(m, n);
    assert!(e > 10 && k >= 1, "{e} {k}");
    // The stored record assesses like the shipped one.
    let listed = env
        .verity(&["evidence", "list", "--db", &env.db()])
        .success();
    let t = stdout(&listed);
    assert!(
        t.contains("MEASUREMENTS") && t.contains("GOV/2019/32"),
        "{t}"
    );
}

#[test]
fn import_into_a_database_with_a_log_signs_an_entry() {
    let env = Env::new();
    env.verity(&[
        "key",
        "generate",
        "--name",
        "verity.test/log",
        "--out",
        "keys",
    ])
    .success();
    env.verity(&[
        "log",
        "init",
        "--db",
        &env.db(),
        "--origin",
        "verity.test/log",
        "--key",
        "keys/verity.test_log.key",
    ])
    .success();
    let good = env.write("good.csv", &format!("{M_HEADER}{GOOD_M}"));
    let r = env.json(&["evidence", "import", &good, "--db", &env.db(), "--json"]);
    assert_eq!(r["log_index"], 0);
    assert_eq!(r["import_id"], 1);
    // The log verifies with the new entry in it, and a checkpoint was signed over it.
    let v = env.json(&["log", "verify", "--db", &env.db(), "--json"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["tree_size"], 1, "{v}");
    assert_eq!(v["checkpoints_checked"], 1, "{v}");
    // Without the log key the import fails whole: nothing stored, nothing logged.
    std::fs::remove_file(env.path("keys/verity.test_log.key")).expect("remove key");
    let more = env.write(
        "more.csv",
        &format!("{M_HEADER}2019-11-03,Iran,enriched_uranium_stock,372.3,,,,kg_u,verified,GOV/2019/55,4,2019-11-11,,\n"),
    );
    env.verity(&["evidence", "import", &more, "--db", &env.db()])
        .failure();
    assert_eq!(env.stored(), (2, 0, 0));
}

#[test]
fn report_in_every_format() {
    let env = Env::new();
    let out = env.verity(&["report"]).success();
    let t = stdout(&out);
    for section in [
        "Verity compliance report",
        "IRAN",
        "UNITED STATES",
        "ENRICHED-URANIUM STOCK AGAINST ITS LIMIT",
        "BREAKOUT TIME",
        "SOURCES",
        "iran.stock.limit",
        "GOV/2019/32",
    ] {
        assert!(t.contains(section), "terminal report misses {section}");
    }
    // Not a terminal: no colour codes.
    assert!(!t.contains('\u{1b}'));

    let md = stdout(&env.verity(&["report", "--format", "markdown"]).success());
    assert!(md.starts_with("# Compliance report"));
    assert!(
        md.contains("## Iran") && md.contains("| `iran.stock.limit` |"),
        "{md}"
    );

    env.verity(&["report", "--format", "html", "--out", "r.html"])
        .success();
    let html = std::fs::read_to_string(env.path("r.html")).expect("html written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.matches("<svg").count() >= 2,
        "stock and breakout plots"
    );
    assert!(html.contains("<polyline"));
    // Self-contained: no external stylesheet, script, image or font.
    for external in ["<link", "<script", "src=", "@import", "url("] {
        assert!(
            !html.contains(external),
            "HTML refers to an external asset: {external}"
        );
    }
    assert!(html.trim_end().ends_with("</html>"));

    let v: Value = serde_json::from_slice(
        &env.verity(&["report", "--format", "json"])
            .success()
            .get_output()
            .stdout,
    )
    .expect("json report");
    assert!(v["verdicts"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(v["stockpile"].as_array().is_some_and(|a| a.len() > 10));
    assert_eq!(v["first_breach"]["iran.stock.limit"], "2019-07-01");

    env.verity(&["report", "--format", "pdf"]).code(2);
}
