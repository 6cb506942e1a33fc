//! `verity deal`: the contracts of list, show, evaluate and search, bad input, CSV and
//! a stopped search resumed from its checkpoint.

use assert_cmd::Command;
use serde_json::Value;

fn verity(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("verity")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> Value {
    let out = verity(args);
    assert!(
        out.status.success(),
        "verity {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn list_and_show_name_every_proposal_with_its_sources() {
    let l = json(&["deal", "list", "--json"]);
    let ids: Vec<&str> = l["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"jcpoa-2015") && ids.len() >= 4, "{ids:?}");
    let axes: Vec<&str> = l["axes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    for a in [
        "ir1",
        "ir2m",
        "ir6",
        "stock_kg_u",
        "enrichment_pct",
        "stored",
        "reinstall_per_month",
    ] {
        assert!(axes.contains(&a), "{a}");
    }
    let s = json(&["deal", "show", "jcpoa-2015", "--json"]);
    assert_eq!(s["status"], "agreed");
    assert!(
        s["terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["what"] == "enrichment up to 3.67 %"
                && t["until_year"] == 15.0
                && t["source"].as_str().unwrap().contains("para. 28"))
    );
    let text = String::from_utf8(verity(&["deal", "show", "us-2025-05"]).stdout).unwrap();
    assert!(
        text.contains("As publicly reported, not an official text"),
        "{text}"
    );
    let out = verity(&["deal", "show", "jcpoa-2051"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no proposal `jcpoa-2051`; shipped: jcpoa-2015")
    );
}

#[test]
fn evaluate_gives_every_year_with_the_contracts_fields() {
    let e = json(&[
        "deal",
        "evaluate",
        "--proposal",
        "jcpoa-2015",
        "--from",
        "pre-deal-2015",
        "--samples",
        "500",
        "--json",
    ]);
    assert_eq!(e["proposal"], "jcpoa-2015");
    assert_eq!(e["from"], "pre-deal-2015");
    let years = e["years"].as_array().unwrap();
    assert_eq!(years.len(), 16);
    for y in years {
        for k in ["year", "date", "days", "days_p05", "days_p95", "route"] {
            assert!(y.get(k).is_some(), "{k}: {y}");
        }
    }
    let d1 = years[1]["days"].as_f64().unwrap();
    assert!((330.0..420.0).contains(&d1), "{d1}");
    assert!(e["min_days"].as_f64().unwrap() < d1);
    assert!(e["sneakout_days"].as_f64().unwrap() > 0.0);
    assert!(
        e["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("Annex I para. 27"))
    );
}

#[test]
fn a_proposal_file_with_errors_is_refused_with_every_problem_located() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(
        &f,
        "[proposal]\nid = \"x\"\ntitle = \"t\"\nstatus = \"rumoured\"\nsource = \"s\"\nduration_years = 5\n\n[reinstall]\nper_month = 0\nsource = \"s\"\n\n[sneakout]\nmachine = \"IR-6\"\ncount = 10\nsource = \"s\"\n\n[[term]]\nterm = \"enrichment_cap\"\npct = 120\nsource = \"s\"\n\n[[term]]\nterm = \"machines\"\nmachine = \"IR-7\"\ncount = 5\nsource = \"s\"\n",
    )
    .unwrap();
    let out = verity(&[
        "deal",
        "evaluate",
        f.to_str().unwrap(),
        "--from",
        "pre-deal-2015",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:4:10: error: `rumoured` is not a valid status"),
        "{err}"
    );
    assert!(err.contains("bad.toml:19:7: error: `pct` is 120"), "{err}");
    assert!(
        err.contains("bad.toml:24:11: error: `IR-7` is not a valid machine"),
        "{err}"
    );
    // A good file is evaluated like a shipped proposal.
    let good = dir.path().join("good.toml");
    std::fs::write(&good, verity_agreement::proposal::PROPOSALS[0].1).unwrap();
    let a = json(&[
        "deal",
        "evaluate",
        good.to_str().unwrap(),
        "--samples",
        "100",
        "--json",
    ]);
    let b = json(&[
        "deal",
        "evaluate",
        "--proposal",
        "jcpoa-2015",
        "--samples",
        "100",
        "--json",
    ]);
    assert_eq!(a, b);
}

#[test]
fn a_search_writes_csv_and_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("sweep.ckpt");
    let csv = dir.path().join("points.csv");
    let args = |extra: &[&str]| {
        let mut v = vec![
            "deal",
            "search",
            "--axis",
            "ir1=0..10000:40",
            "--axis",
            "stock_kg_u=0..2000:10",
            "--from",
            "pre-deal-2015",
            "--samples",
            "50",
            "--checkpoint",
            ck.to_str().unwrap(),
            "--json",
        ];
        v.extend_from_slice(extra);
        v.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        json(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let part = run(&["--stop-after", "100"]);
    assert_eq!(part["complete"], false);
    assert_eq!(part["points"].as_array().unwrap().len(), 256);
    let lines = std::fs::read_to_string(&ck).unwrap().lines().count();
    assert_eq!(lines, 257);
    let whole = run(&["--csv", csv.to_str().unwrap()]);
    assert_eq!(whole["complete"], true);
    assert_eq!(whole["points"].as_array().unwrap().len(), 400);
    std::fs::remove_file(&ck).unwrap();
    let fresh = run(&[]);
    assert_eq!(whole["points"], fresh["points"]);
    assert_eq!(whole["frontier"], fresh["frontier"]);
    assert!(!whole["frontier"].as_array().unwrap().is_empty());
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("ir1,stock_kg_u,days,p_meets_target,on_frontier\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 401);
    // A checkpoint of another search is refused, not mixed in.
    let out = verity(&[
        "deal",
        "search",
        "--axis",
        "ir1=0..5000:3",
        "--checkpoint",
        ck.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the checkpoint is of another search"));
}

#[test]
fn a_start_given_in_full_replaces_the_record_and_bad_parts_name_their_flag() {
    // The programme of mid-2025 as ISIS describes Fordow (IAEA as reported, May 2025):
    // 1,044 IR-6 enriching of 1,392 installed and 408.6 kg U of 60 % uranium.
    let args = [
        "deal",
        "evaluate",
        "--proposal",
        "no-deal",
        "--stock",
        "60:408.6",
        "--machines",
        "IR-6@fordow:1044/1392",
        "--from",
        "2025-05-17",
        "--samples",
        "200",
        "--json",
    ];
    let e = json(&args);
    assert_eq!(e["from"], "2025-05-17");
    assert_eq!(e["start"]["name"], "given");
    assert_eq!(e["start"]["machines"][0]["installed"], 1392);
    let days = e["years"][0]["days"].as_f64().unwrap();
    // From 60 % on six IR-6 cascades, days not weeks ("2-3 days" at Fordow, ISIS 2025).
    assert!((1.0..10.0).contains(&days), "{days}");
    // Twice the machines: never slower.
    let mut more = args.to_vec();
    more[7] = "IR-6@fordow:2088/2088";
    let faster = json(&more)["years"][0]["days"].as_f64().unwrap();
    assert!(faster < days, "{faster} vs {days}");
    // The JCPOA applied to the same start ships the 60 % out and stores the IR-6.
    let mut jcpoa = args.to_vec();
    jcpoa[3] = "jcpoa-2015";
    let j = json(&jcpoa)["years"][0]["days"].as_f64().unwrap();
    assert!(j > 300.0, "{j}");

    for (bad, needle) in [
        ("--stock=60:x", "--stock 60:x: KG_U `x` is not a number"),
        (
            "--stock=160:3",
            "--stock 160:3: expected percent U-235 above 0 and below 100",
        ),
        (
            "--machines=IR-9:3",
            "--machines IR-9:3: expected a machine type",
        ),
        (
            "--machines=IR-6@moon:3",
            "--machines IR-6@moon:3: expected natanz_fep",
        ),
        (
            "--machines=IR-6:5/3",
            "--machines IR-6:5/3: expected machines installed from 5",
        ),
    ] {
        let out = verity(&["deal", "evaluate", "--proposal", "no-deal", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{bad}: {err}");
    }
    let out = verity(&[
        "deal",
        "evaluate",
        "--proposal",
        "no-deal",
        "--stock",
        "60:1",
        "--from",
        "pre-deal-2015",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be combined"));
}

#[test]
fn from_the_2025_record_the_jcpoa_gives_the_four_to_five_months_isis_published() {
    // ISIS, "Iranian Breakout Timelines Under JCPOA-Type Limits" (May 2025): JCPOA-type
    // limits on today's programme give "only about a four-to-five-month timeline",
    // because the machines Iran has built could be reinstalled at the pace it has
    // shown ("six cascades per month"). From the record of 17 May 2025 the start
    // carries that pace (3,226 machines in 94 days of 2024), a floor on the proposal's
    // own assumption of none.
    let e = json(&[
        "deal",
        "evaluate",
        "--proposal",
        "jcpoa-2015",
        "--from",
        "2025-05-17",
        "--samples",
        "500",
        "--json",
    ]);
    let months = e["years"][0]["days"].as_f64().unwrap() / 30.4375;
    assert!((3.8..=5.0).contains(&months), "{months} months");
    let rate = e["start"]["install_rate"]["per_month"].as_f64().unwrap();
    assert!((1040.0..1050.0).contains(&rate), "{rate}");
    assert!(e["sources"].as_array().unwrap().iter().any(|s| {
        s.as_str()
            .unwrap()
            .contains("3,226 centrifuges in 19 cascades")
    }));
    // The 2015 programme shows no such pace: the US figure of about a year stands.
    let e = json(&[
        "deal",
        "evaluate",
        "--proposal",
        "jcpoa-2015",
        "--samples",
        "500",
        "--json",
    ]);
    assert!(e["start"]["install_rate"].is_null());
    assert!((330.0..=420.0).contains(&e["years"][0]["days"].as_f64().unwrap()));
    // A rate asked for is the rate used, even below the pace shown.
    let e = json(&[
        "deal",
        "evaluate",
        "--proposal",
        "jcpoa-2015",
        "--from",
        "2025-05-17",
        "--reinstall-per-month",
        "0",
        "--samples",
        "500",
        "--json",
    ]);
    assert!(e["years"][0]["days"].as_f64().unwrap() > 330.0);
}

#[test]
fn the_starting_report_is_an_axis_of_the_search() {
    // start_year sweeps the start over the record: each value is the record at its
    // last report on or before that date, and each point names its start.
    let args = [
        "deal",
        "search",
        "--axis",
        "start_year=2016.2..2025.4:4",
        "--axis",
        "ir1=0..5000:3",
        "--samples",
        "200",
        "--json",
    ];
    let d = json(&args);
    assert_eq!(d["from"], "start_year");
    assert_eq!(
        d["start"],
        "GOV/2016/8, GOV/2019/10, GOV/2022/4, GOV/2025/24"
    );
    let points = d["points"].as_array().unwrap();
    assert_eq!(points.len(), 12);
    let years: Vec<f64> = points
        .iter()
        .map(|p| p["axes"]["start_year"].as_f64().unwrap())
        .collect();
    assert_eq!(&years[..4], &[2016.2, 2016.2, 2016.2, 2019.27]);
    // From the 2025 programme the same terms give less time than from 2016's.
    let days = |i: usize| points[i]["days"].as_f64().unwrap();
    assert!(days(11) < days(2), "{} vs {}", days(11), days(2));
    for f in d["frontier"].as_array().unwrap() {
        assert!(f["axes"]["start_year"].is_f64(), "{f}");
    }
    // Stopped and resumed, the sweep over starts is the whole one.
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("s.ckpt");
    let ckpt = ckpt.to_str().unwrap();
    let mut part = args.to_vec();
    part.extend(["--checkpoint", ckpt, "--stop-after", "2"]);
    let p = json(&part);
    assert_eq!(p["complete"], false);
    let mut resume = args.to_vec();
    resume.extend(["--checkpoint", ckpt]);
    let r = json(&resume);
    assert_eq!(r["points"], d["points"]);
    assert_eq!(r["frontier"], d["frontier"]);
    // A start axis and a start together are refused, naming the axis.
    let out = verity(&[
        "deal",
        "search",
        "--axis",
        "start_year=2020..2025:2",
        "--from",
        "2025-05-17",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--axis start_year=2020..2025:2"));
}
