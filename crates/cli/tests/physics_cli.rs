//! End-to-end tests of `verity swu`, `verity breakout` and `verity centrifuges`: the
//! binary as users and scripts run it, exit codes and JSON shapes included.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn verity() -> Command {
    Command::cargo_bin("verity").expect("binary built")
}

fn json(args: &[&str]) -> Value {
    let out = verity().args(args).arg("--json").assert().success();
    serde_json::from_slice(&out.get_output().stdout).expect("stdout is one JSON document")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` missing or not a number in {v}"))
}

#[test]
fn swu_json_shape_and_values() {
    // 1 kg of 4.5 % from natural at 0.25 % tails: 9.2191 kg feed, 6.8711 kg-SWU
    // (independently computed in double precision).
    let v = json(&[
        "swu",
        "--product",
        "4.5",
        "--feed",
        "0.711",
        "--tails",
        "0.25",
        "--product-kg",
        "1",
    ]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "product_pct",
        "feed_pct",
        "tails_pct",
        "product_kg_u",
        "feed_kg_u",
        "tails_kg_u",
        "swu_kg",
    ] {
        assert!(keys.contains(&k), "missing {k} in {v}");
    }
    assert_eq!(keys.len(), 7, "exactly the contract's fields: {v}");
    assert!((num(&v, "swu_kg") - 6.8711).abs() < 1e-4);
    assert!((num(&v, "feed_kg_u") - 9.2191).abs() < 1e-4);
    assert!((num(&v, "tails_kg_u") - 8.2191).abs() < 1e-4);
    assert_eq!(num(&v, "product_pct"), 4.5);
}

#[test]
fn swu_from_feed_quantity() {
    let v = json(&[
        "swu",
        "--product",
        "90",
        "--feed",
        "20",
        "--tails",
        "10",
        "--feed-kg",
        "8",
    ]);
    // 90 % from 20 % at 10 % tails: F/P = 8, SWU/P = 7.4080 (independently computed).
    assert!((num(&v, "product_kg_u") - 1.0).abs() < 1e-12);
    assert!((num(&v, "swu_kg") - 7.4080).abs() < 1e-4);
}

#[test]
fn swu_human_output() {
    verity()
        .args([
            "swu",
            "--product",
            "4.5",
            "--feed",
            "0.711",
            "--tails",
            "0.25",
            "--product-kg",
            "1",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("6.871 kg-SWU"))
        .stdout(predicate::str::contains("9.219 kg U at 0.711 %"));
}

#[test]
fn swu_bad_input_exits_2_naming_the_value() {
    verity()
        .args([
            "swu",
            "--product",
            "120",
            "--feed",
            "0.711",
            "--tails",
            "0.25",
            "--product-kg",
            "1",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--product 120"));
    verity()
        .args([
            "swu",
            "--product",
            "0.5",
            "--feed",
            "0.711",
            "--tails",
            "0.25",
            "--product-kg",
            "1",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tails < feed < product"));
    verity()
        .args([
            "swu",
            "--product",
            "5",
            "--feed",
            "0.711",
            "--tails",
            "0.25",
            "--product-kg",
            "-3",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--product-kg -3"));
    // Neither quantity: clap's usage error, also exit 2.
    verity()
        .args([
            "swu",
            "--product",
            "5",
            "--feed",
            "0.711",
            "--tails",
            "0.25",
        ])
        .assert()
        .code(2);
}

#[test]
fn breakout_preset_json_shape() {
    let v = json(&["breakout", "--preset", "jcpoa-limits", "--samples", "20000"]);
    for k in [
        "swu_kg",
        "days",
        "swu_per_year",
        "product_kg_u",
        "tails_kg_u",
    ] {
        num(&v, k);
    }
    let feeds = v["feeds"].as_array().expect("feeds array");
    assert_eq!(feeds.len(), 2, "3.67 % stock and natural uranium: {v}");
    assert_eq!(num(&feeds[0], "assay_pct"), 3.67);
    assert!((num(&feeds[0], "kg_u") - 202.8).abs() < 1e-9);
    assert_eq!(num(&feeds[1], "assay_pct"), 0.711);
    // 5,060 IR-1 at the catalogue's central 0.9 kg-SWU/yr.
    assert!((num(&v, "swu_per_year") - 4554.0).abs() < 1e-6);
    let days = num(&v, "days");
    assert!((270.0..460.0).contains(&days), "about a year: {days}");
    let u = &v["uncertainty"];
    assert!(num(u, "p05_days") < num(u, "median_days"));
    assert!(num(u, "median_days") < num(u, "p95_days"));
    assert_eq!(num(u, "samples"), 20000.0);
    let steps = v["staged"]["steps"].as_array().expect("staged steps");
    assert_eq!(steps.len(), 4, "0.711→3.67→20→60→90");
    let total: f64 = steps.iter().map(|s| num(s, "swu_kg")).sum();
    assert!((total - num(&v["staged"], "swu_kg")).abs() < 1e-6);
    // Balances of the plan as printed.
    let f: f64 = feeds.iter().map(|f| num(f, "kg_u")).sum();
    assert!((f - num(&v, "product_kg_u") - num(&v, "tails_kg_u")).abs() < 1e-6);
}

#[test]
fn breakout_monte_carlo_is_reproducible_by_seed() {
    let run = |seed: &str| {
        json(&[
            "breakout",
            "--preset",
            "jcpoa-limits",
            "--samples",
            "5000",
            "--seed",
            seed,
        ])["uncertainty"]["median_days"]
            .as_f64()
            .expect("median")
    };
    assert_eq!(run("7"), run("7"));
    assert_ne!(run("7"), run("8"));
}

#[test]
fn breakout_from_flags_with_stocks_and_centrifuges() {
    let v = json(&[
        "breakout",
        "--stock",
        "60:408.6",
        "--stock",
        "20:274.8",
        "--centrifuges",
        "IR-6:1392",
        "--centrifuges",
        "ir-2m:500",
        "--samples",
        "0",
    ]);
    assert!(v["uncertainty"].is_null());
    let feeds = v["feeds"].as_array().unwrap();
    assert_eq!(num(&feeds[0], "assay_pct"), 60.0);
    assert!((num(&v, "swu_per_year") - (1392.0 * 5.0 + 500.0 * 3.75)).abs() < 1e-6);
    assert!(num(&v, "days") < 7.0);
}

#[test]
fn breakout_swu_per_year_no_natural_and_targets() {
    // 1 SQ from 3.5 % LEU only, 9,000 SWU/yr, tails 0.3 %: about 3 months (Heinonen
    // 2015, who strips to the usual tails).
    let v = json(&[
        "breakout",
        "--stock",
        "3.5:10000",
        "--swu-per-year",
        "9000",
        "--no-natural",
        "--tails",
        "0.3",
        "--samples",
        "0",
    ]);
    let months = num(&v, "days") / 30.44;
    assert!((2.0..3.5).contains(&months), "{months}");
    // With the tails optimised (the default) the single cascade strips the 10 t of
    // LEU less deeply and needs less work: faster than at a fixed 0.3 %.
    let opt = json(&[
        "breakout",
        "--stock",
        "3.5:10000",
        "--swu-per-year",
        "9000",
        "--no-natural",
        "--samples",
        "0",
    ]);
    assert!(num(&opt, "days") < num(&v, "days"));
    assert!(num(&opt, "tails_pct") > 0.3);
    assert!(
        v["feeds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| num(f, "assay_pct") == 3.5)
    );
    // A smaller target at a lower assay takes less work.
    let w = json(&[
        "breakout",
        "--stock",
        "3.5:10000",
        "--swu-per-year",
        "9000",
        "--target-pct",
        "20",
        "--target-u235-kg",
        "10",
        "--samples",
        "0",
    ]);
    assert!(num(&w, "swu_kg") < num(&v, "swu_kg"));
    assert!((num(&w, "product_kg_u") - 50.0).abs() < 1e-9);
}

#[test]
fn breakout_optimised_tails_and_efficiency() {
    let base = json(&["breakout", "--preset", "jcpoa-limits", "--samples", "0"]);
    let opt = json(&[
        "breakout",
        "--preset",
        "jcpoa-limits",
        "--optimise-tails",
        "--samples",
        "0",
    ]);
    assert!(num(&opt, "swu_kg") <= num(&base, "swu_kg"));
    assert_eq!(opt["tails_optimised"], Value::Bool(true));
    let half = json(&[
        "breakout",
        "--preset",
        "jcpoa-limits",
        "--efficiency",
        "0.5",
        "--samples",
        "0",
    ]);
    assert!((num(&half, "days") - 2.0 * num(&base, "days")).abs() < 1e-6);
}

#[test]
fn breakout_human_output_is_informative() {
    verity()
        .args(["breakout", "--preset", "jcpoa-limits", "--samples", "10000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Iran at the JCPOA limits"))
        .stdout(predicate::str::contains("202.8 kg U at 3.67 %"))
        .stdout(predicate::str::contains("5,060 × IR-1"))
        .stdout(predicate::str::contains("Staged plan"))
        .stdout(predicate::str::contains("median"))
        .stdout(predicate::str::contains("JCPOA Annex I"))
        .stdout(predicate::str::contains("Heinonen"));
}

#[test]
fn breakout_bad_input_exits_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["breakout", "--preset", "nope"], "unknown preset `nope`"),
        (
            &["breakout", "--stock", "3.67:202.8"],
            "no enrichment capacity",
        ),
        (
            &[
                "breakout",
                "--stock",
                "3.67-202.8",
                "--swu-per-year",
                "1000",
            ],
            "expected PCT:KG_U",
        ),
        (
            &["breakout", "--stock", "150:10", "--swu-per-year", "1000"],
            "150",
        ),
        (
            &["breakout", "--stock", "5:-10", "--swu-per-year", "1000"],
            "must be finite and ≥ 0",
        ),
        (
            &["breakout", "--centrifuges", "IR-9:100"],
            "unknown centrifuge type `IR-9`",
        ),
        (
            &["breakout", "--centrifuges", "IR-1:many"],
            "not a whole number",
        ),
        (&["breakout", "--swu-per-year", "-5"], "--swu-per-year -5"),
        (
            &["breakout", "--swu-per-year", "1000", "--tails", "95"],
            "tails: 95 %: the tails assay must be below the target assay 90 %",
        ),
        (
            &[
                "breakout",
                "--stock",
                "3.67:202.8",
                "--swu-per-year",
                "1000",
                "--no-natural",
            ],
            "no plan reaches the target",
        ),
        (
            &[
                "breakout",
                "--preset",
                "jcpoa-limits",
                "--efficiency",
                "1.5",
            ],
            "efficiency",
        ),
        (
            &["breakout", "--stock", "93:50", "--swu-per-year", "1000"],
            "at or above the target assay",
        ),
        (
            &["breakout", "--swu-per-year", "1000", "--target-pct", "0.5"],
            "above natural uranium",
        ),
        (
            &[
                "breakout",
                "--preset",
                "jcpoa-limits",
                "--samples",
                "1000000000",
            ],
            "--samples 1000000000",
        ),
    ];
    for (args, needle) in cases {
        verity()
            .args(*args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*needle));
    }
    // clap-level conflicts are exit 2 too.
    verity()
        .args([
            "breakout",
            "--preset",
            "jcpoa-limits",
            "--swu-per-year",
            "5",
        ])
        .assert()
        .code(2);
}

#[test]
fn breakout_list_presets() {
    let v = json(&["breakout", "--list-presets"]);
    let names: Vec<&str> = v["presets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"jcpoa-limits"), "{names:?}");
    assert!(names.contains(&"iaea-2025-05"), "{names:?}");
    for p in v["presets"].as_array().unwrap() {
        for s in p["stocks"].as_array().unwrap() {
            assert!(s["source"].as_str().unwrap().len() > 20);
        }
    }
    verity()
        .args(["breakout", "--list-presets"])
        .assert()
        .success()
        .stdout(predicate::str::contains("GOV/2025/24"));
}

#[test]
fn centrifuges_catalogue() {
    let v = json(&["centrifuges"]);
    let list = v["centrifuges"].as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["IR-1", "IR-2m", "IR-4", "IR-6", "P-1", "P-2"]);
    for c in list {
        let (l, m, h) = (
            num(c, "low_swu_per_year"),
            num(c, "central_swu_per_year"),
            num(c, "high_swu_per_year"),
        );
        assert!(0.0 < l && l <= m && m <= h, "{c}");
        for k in ["low", "central", "high"] {
            assert!(c["sources"][k].as_str().unwrap().len() > 20, "{c}");
        }
    }
    verity()
        .arg("centrifuges")
        .assert()
        .success()
        .stdout(predicate::str::contains("IR-6"))
        .stdout(predicate::str::contains("Sources"));
}
