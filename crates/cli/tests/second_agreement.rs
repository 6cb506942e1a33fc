//! A second agreement written from scratch (`docs/examples/accord.toml`, fictional) runs
//! through the same readings and dispute clocks as the JCPOA: nothing in them is
//! JCPOA-specific.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/examples")
        .join(name)
}

fn run(extra: &[&str]) -> Value {
    let mut args: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    args.extend([
        "--agreement".to_owned(),
        example("accord.toml").display().to_string(),
        "--evidence".to_owned(),
        example("accord-measurements.csv").display().to_string(),
        example("accord-events.csv").display().to_string(),
        "--json".to_owned(),
    ]);
    let out = Command::cargo_bin("verity")
        .expect("binary")
        .args(&args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn verdict<'v>(doc: &'v Value, ob: &str, date: &str) -> &'v Value {
    doc["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .find(|v| v["obligation"] == ob && v["date"] == date)
        .unwrap_or_else(|| panic!("{ob} {date}"))
}

#[test]
fn readings_apply_to_an_agreement_written_from_scratch() {
    let finding = run(&["assess"]);
    let v = verdict(&finding, "atlantis.enrichment_level", "2031-03-01");
    assert_eq!(v["status"], "breach", "19.8 % against 5 %");
    assert_eq!(v["finding"], "breach");
    let r = v["readings"].as_array().expect("readings");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["party"], "atlantis");
    assert_eq!(r[0]["status"], "remedial");
    assert!(
        r[0]["cite"]
            .as_str()
            .is_some_and(|c| c.contains("Note verbale") && c.contains("para. 9"))
    );
    // Before the reading's period there is nothing to read.
    let early = verdict(&finding, "atlantis.enrichment_level", "2030-06-01");
    assert_eq!(early["status"], "compliant");
    assert_eq!(early["readings"], Value::Array(vec![]));

    let atlantis = run(&["assess", "--reading", "Atlantis"]);
    let v = verdict(&atlantis, "atlantis.enrichment_level", "2031-03-01");
    assert_eq!(v["status"], "remedial");
    assert_eq!(v["readings"][0]["party"], "lemuria");
    assert_eq!(v["readings"][0]["status"], "breach");
    let lemuria = run(&["assess", "--reading", "lemuria"]);
    assert_eq!(
        verdict(&lemuria, "atlantis.enrichment_level", "2031-03-01")["status"],
        "breach"
    );
}

#[test]
fn the_dispute_clock_of_an_agreement_written_from_scratch() {
    let doc = run(&["disputes"]);
    assert_eq!(doc["agreement"], "enrichment-accord");
    let d = &doc["disputes"][0];
    // Named after its own clause (para. 9), not the JCPOA's.
    assert_eq!(d["id"], "para9-2030-12-01-atlantis");
    assert_eq!(d["mechanism"], "para9");
    assert_eq!(d["raised_by"], "Atlantis");
    assert_eq!(d["notified"], "2030-12-01");
    let ends: Vec<&str> = d["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["end"].as_str().expect("end"))
        .collect();
    // 30 days of consultations, 60 of the panel, 10 to consider its finding.
    assert_eq!(ends, ["2030-12-31", "2031-03-01", "2031-03-11"]);
    assert_eq!(d["outcome"], Value::Null);
    assert_eq!(d["standing_contested_by"], Value::Array(vec![]));
}

#[test]
fn an_unknown_reading_is_refused_with_the_parties_that_have_one() {
    let out = Command::cargo_bin("verity")
        .expect("binary")
        .args(["assess", "--reading", "atlantic", "--json"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reading"), "{err}");
    assert!(err.contains("atlantic"), "{err}");
    assert!(err.contains("iran") && err.contains("e3"), "{err}");
}
