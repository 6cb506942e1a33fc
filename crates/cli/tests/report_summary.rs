//! The report's summary, timeline and knowledge gaps (`verity report --format json`):
//! the contract fields, and figures that agree with the record and with the rest of the
//! report they summarise.

use assert_cmd::Command;
use serde_json::Value;

fn report(args: &[&str]) -> Value {
    let out = Command::cargo_bin("verity")
        .expect("binary")
        .args(["report", "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

#[test]
fn the_summary_keeps_its_contract_and_agrees_with_the_report() {
    let d = report(&[]);
    let s = &d["summary"];
    for k in [
        "text",
        "limits",
        "since_previous",
        "breakout",
        "unverifiable",
    ] {
        assert!(s.get(k).is_some(), "summary.{k}");
    }
    assert!(s["text"].as_str().is_some_and(|t| t.len() > 100));

    // Every limit row: the contract's fields, the ratio recomputable from its figures,
    // the status that of the verdict on that date.
    let limits = s["limits"].as_array().expect("limits");
    for l in limits {
        for k in [
            "obligation",
            "limit",
            "unit",
            "latest",
            "as_of",
            "times_limit",
            "source",
        ] {
            assert!(l.get(k).is_some(), "{k} in {l}");
        }
        if let Some(x) = l["times_limit"].as_f64() {
            let want = l["latest"].as_f64().unwrap() / l["limit"].as_f64().unwrap();
            assert!((x - want).abs() < 1e-9, "{l}");
        }
        let v = d["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["obligation"] == l["obligation"] && v["date"] == l["as_of"])
            .expect("the verdict the row summarises");
        assert_eq!(v["status"], l["status"]);
        assert!(!l["source"].as_str().unwrap().is_empty());
    }
    // The stock: GOV/2025/50 gives 9,874.9 kg U as of 13 June 2025, 300 kg UF6 being
    // 202.84 kg U (JCPOA Annex I para. 56): 48.7 times the limit.
    let stock = limits
        .iter()
        .find(|l| l["obligation"] == "iran.stock.limit")
        .expect("stock limit");
    assert_eq!(stock["as_of"], "2025-06-13");
    assert!((stock["latest"].as_f64().unwrap() - 9874.9).abs() < 0.05);
    assert!((stock["times_limit"].as_f64().unwrap() - 48.68).abs() < 0.01);
    assert_eq!(stock["unit"], "kg_u");
    assert_eq!(stock["status"], "breach");

    // Since the previous report: the change is the difference of the stock series.
    let stockpile = d["stockpile"].as_array().unwrap();
    let total = s["since_previous"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == "enriched_uranium_stock")
        .expect("total stock change");
    for k in ["metric", "change", "per_month", "from", "to"] {
        assert!(total.get(k).is_some(), "{k}");
    }
    let at = |date: &Value| {
        stockpile
            .iter()
            .find(|p| p["date"] == *date)
            .and_then(|p| p["kg_u"].as_f64())
            .expect("a stock point")
    };
    let change = at(&total["to"]) - at(&total["from"]);
    assert!((total["change"].as_f64().unwrap() - change).abs() < 1e-6);
    assert!(total["per_month"].as_f64().unwrap() > 0.0);

    // Enough for how many weapons within a month, from the latest stocks and machines.
    // ISIS ("Analysis of IAEA Iran Verification and Monitoring Report", 31 May 2025):
    // the 60 % stock could become about 233 kg of weapon-grade uranium in three weeks,
    // enough for nine weapons. Verity counts 25 kg U-235 quantities in 30 days by the
    // fixed-cascade route on every stock level, so a figure near nine.
    let n = s["sq_in_month"]
        .as_u64()
        .expect("quantities within a month");
    assert!((6..=14).contains(&n), "{n}");
    assert!(
        s["text"]
            .as_str()
            .unwrap()
            .contains("significant quantities")
    );
    // The current breakout is the timeline's last point.
    let last = d["breakout"].as_array().unwrap().last().expect("a point");
    assert_eq!(s["breakout"]["date"], last["date"]);
    assert_eq!(s["breakout"]["days"], last["days"]);

    // What cannot be verified: the gaps still open at the end of the record.
    let unv = s["unverifiable"].as_array().unwrap();
    assert!(!unv.is_empty());
    for u in unv {
        assert_eq!(keys(u), ["since", "source", "what", "why"]);
    }
    assert!(unv.iter().any(|u| u["since"] == "2025-06-13"));
}

#[test]
fn the_timeline_and_the_knowledge_gaps_cover_the_record() {
    let d = report(&[]);
    let events = d["events"].as_array().expect("events");
    for e in events {
        for k in ["date", "party", "what", "source"] {
            assert!(e.get(k).is_some(), "{k} in {e}");
        }
    }
    let dates: Vec<&str> = events.iter().map(|e| e["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "sorted by date");
    let has = |date: &str, what: &str| {
        events
            .iter()
            .any(|e| e["date"] == date && e["what"].as_str().unwrap().contains(what))
    };
    // The US withdrawal (NSPM of 8 May 2018), Implementation Day, 60 % from April 2021
    // (GOV/INF/2021/28), the E3 snapback notice of 28 August 2025.
    assert!(has("2018-05-08", "ithdrawal"), "{events:?}");
    assert!(has("2016-01-16", "Implementation Day"));
    assert!(has("2021-04-17", "60 % U-235"));
    assert!(has("2025-08-28", "napback"));
    let gaps = d["knowledge_gaps"].as_array().expect("gaps");
    assert_eq!(
        gaps.len(),
        d["record"]["knowledge_gaps"].as_u64().unwrap() as usize
    );
    for g in gaps {
        for k in ["from", "to", "scope", "source"] {
            assert!(g.get(k).is_some(), "{k} in {g}");
        }
    }
    // A period narrows both.
    let narrow = report(&["--from", "2019-01-01", "--to", "2019-12-31"]);
    assert!(
        narrow["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["date"].as_str().unwrap().starts_with("2019"))
    );
}
