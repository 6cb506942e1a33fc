//! Every route of the API, on SQLite and on PostgreSQL, with its error cases.

mod common;

use common::{Harness, call, get, get_with, post_json};
use serde_json::{Value, json};
use sha2::Digest;
use verity_ledger::merkle;

fn unhex(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// Equal JSON, numbers to 1e-12 relative (JSON text parses back to within an ulp).
fn assert_approx(a: &Value, b: &Value) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-12 * x.abs().max(y.abs()), "{x} != {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len());
            x.iter().zip(y).for_each(|(x, y)| assert_approx(x, y));
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>());
            x.iter().for_each(|(k, v)| assert_approx(v, &y[k]));
        }
        _ => assert_eq!(a, b),
    }
}

const GOOD_CSV: &str = "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n\
2016-03-01,Iran,heavy_water_stock,125,,,,t,verified,TEST/2016/1,4,2016-03-02,,a test figure\n";

/// Line 3 names a metric that does not exist; line 2 is fine. Nothing may be stored.
const BAD_CSV: &str = "date,party,metric,value,sigma,low,high,unit,basis,source,paragraph,report_date,via,note\n\
2016-03-02,Iran,heavy_water_stock,120,,,,t,verified,TEST/2016/2,4,2016-03-03,,fine\n\
2016-03-03,Iran,no_such_metric,1,,,,t,verified,TEST/2016/2,5,2016-03-03,,wrong\n";

async fn suite(h: &Harness) {
    let app = &h.app;
    let name = h.name;

    // --- OpenAPI and dashboard -------------------------------------------------
    let doc = get(app, "/api/v1/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for p in [
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/agreements",
        "/api/v1/agreements/{id}",
        "/api/v1/agreements/{id}/obligations",
        "/api/v1/assessments",
        "/api/v1/breakout/timeline",
        "/api/v1/breakout/what-if",
        "/api/v1/deals",
        "/api/v1/deals/{name}",
        "/api/v1/deals/evaluate",
        "/api/v1/deals/search",
        "/api/v1/evidence",
        "/api/v1/log/checkpoint",
        "/api/v1/log/entries",
        "/api/v1/log/entries/{index}",
        "/api/v1/log/proofs/inclusion",
        "/api/v1/log/proofs/consistency",
    ] {
        assert!(paths.contains(&p), "{name}: OpenAPI lacks {p}: {paths:?}");
    }
    // The documented verdict fields are exactly those served.
    let verdict_doc: Vec<&str> = doc["components"]["schemas"]["VerdictDoc"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();

    let index = get(app, "/", None).await;
    assert_eq!(index.status, 200);
    assert!(String::from_utf8_lossy(&index.bytes).contains("/assets/app.js"));
    assert!(
        index.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    for a in ["/assets/app.js", "/assets/charts.js", "/assets/style.css"] {
        let r = get(app, a, None).await;
        assert_eq!(r.status, 200, "{a}");
        assert!(!r.bytes.is_empty());
    }
    assert_eq!(get(app, "/assets/missing.js", None).await.status, 404);

    // --- who am I; bad tokens --------------------------------------------------
    assert_eq!(
        get(app, "/api/v1/me", None).await.json()["role"],
        "anonymous"
    );
    assert_eq!(
        get(app, "/api/v1/me", Some(&h.analyst)).await.json()["role"],
        "analyst"
    );
    let r = get(app, "/api/v1/me", Some("vty_00")).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    assert_eq!(
        get(app, "/api/v1/me", Some("not-a-token")).await.status,
        401
    );

    // --- tokens ----------------------------------------------------------------
    let body = json!({"role": "analyst", "label": "desk"});
    assert_eq!(
        post_json(app, "/api/v1/tokens", None, &body).await.status,
        401
    );
    assert_eq!(
        post_json(app, "/api/v1/tokens", Some(&h.analyst), &body)
            .await
            .status,
        403
    );
    assert_eq!(
        post_json(app, "/api/v1/tokens", Some(&h.inspector), &body)
            .await
            .status,
        403
    );
    let r = post_json(
        app,
        "/api/v1/tokens",
        Some(&h.admin),
        &json!({"role": "root"}),
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("role"))
    );
    let r = post_json(
        app,
        "/api/v1/tokens",
        Some(&h.admin),
        &json!({"label": "x"}),
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("role"))
    );
    let r = post_json(
        app,
        "/api/v1/tokens",
        Some(&h.admin),
        &json!({"role": "analyst", "colour": 1}),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = call(
        app,
        "POST",
        "/api/v1/tokens",
        Some(&h.admin),
        Some(("text/plain", b"role=analyst".to_vec())),
    )
    .await;
    assert_eq!(r.status, 400);
    let big = json!({"role": "analyst", "label": "x".repeat(100_000)});
    assert_eq!(
        post_json(app, "/api/v1/tokens", Some(&h.admin), &big)
            .await
            .status,
        413
    );
    let created = post_json(app, "/api/v1/tokens", Some(&h.admin), &body).await;
    assert_eq!(created.status, 201);
    let created = created.json();
    let new_token = created["token"].as_str().unwrap().to_owned();
    let new_id = created["id"].as_i64().unwrap();
    assert_eq!(
        get(app, "/api/v1/me", Some(&new_token)).await.json()["role"],
        "analyst"
    );
    let list = get(app, "/api/v1/tokens", Some(&h.admin)).await;
    assert_eq!(list.status, 200);
    let list = list.json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == new_id && t["label"] == "desk")
    );
    assert!(!String::from_utf8_lossy(&serde_json::to_vec(&list).unwrap()).contains(&new_token));
    assert_eq!(
        get(app, "/api/v1/tokens", Some(&h.analyst)).await.status,
        403
    );
    assert_eq!(get(app, "/api/v1/tokens", None).await.status, 401);
    let path = format!("/api/v1/tokens/{new_id}");
    assert_eq!(
        call(app, "DELETE", &path, Some(&h.analyst), None)
            .await
            .status,
        403
    );
    assert_eq!(
        call(app, "DELETE", &path, Some(&h.admin), None)
            .await
            .status,
        204
    );
    assert_eq!(get(app, "/api/v1/me", Some(&new_token)).await.status, 401);
    assert_eq!(
        call(app, "DELETE", &path, Some(&h.admin), None)
            .await
            .status,
        404
    );

    // --- agreements and obligations --------------------------------------------
    let list = get(app, "/api/v1/agreements", None).await.json();
    assert_eq!(list[0]["id"], "jcpoa");
    let jcpoa = verity_agreement::jcpoa().unwrap();
    assert_eq!(list[0]["obligations"], jcpoa.obligations.len());
    let a = get(app, "/api/v1/agreements/jcpoa", None).await.json();
    let impl_day = a["key_days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == "implementation_day")
        .unwrap();
    // Implementation Day: 16 January 2016 (IAEA GOV/INF/2016/1).
    assert_eq!(impl_day["date"], "2016-01-16", "{name}");
    assert_eq!(get(app, "/api/v1/agreements/nope", None).await.status, 404);
    let all = get(app, "/api/v1/agreements/jcpoa/obligations", None)
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), jcpoa.obligations.len());
    let iran_2017 = get(
        app,
        "/api/v1/agreements/jcpoa/obligations?on=2017-01-01&party=iran",
        None,
    )
    .await;
    assert_eq!(iran_2017.status, 200);
    let iran_2017 = iran_2017.json();
    let ids: Vec<&str> = iran_2017
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.is_empty() && ids.len() < jcpoa.obligations.len(),
        "{ids:?}"
    );
    // Before Adoption Day (2015-10-18) none of Iran's nuclear limits is in force.
    let early = get(
        app,
        "/api/v1/agreements/jcpoa/obligations?on=2015-08-01&party=iran",
        None,
    )
    .await
    .json();
    assert!(early.as_array().unwrap().len() < ids.len());
    for o in iran_2017.as_array().unwrap() {
        let from = o["from"].as_str().unwrap();
        assert!(from <= "2017-01-01", "{o}");
    }
    let stock = iran_2017
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["metric"] == "enriched_uranium_stock")
        .expect("the stock limit is in force in 2017");
    assert!(
        (stock["limit_in_metric_unit"].as_f64().unwrap() - 202.8).abs() < 0.1,
        "{stock}"
    );
    let r = get(
        app,
        "/api/v1/agreements/jcpoa/obligations?on=2017-13-01",
        None,
    )
    .await;
    assert_eq!((r.status.as_u16(), r.field().as_deref()), (400, Some("on")));
    let r = get(app, "/api/v1/agreements/jcpoa/obligations?party=mars", None).await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("party"))
    );

    // --- assessments: the same JSON as the compliance engine's -----------------
    let store_evidence = common::evidence(h).await;
    let shipped = verity_evidence::shipped::load().unwrap();
    assert_eq!(
        store_evidence.len(),
        shipped.len(),
        "{name}: the store holds the shipped record"
    );
    let first = get(app, "/api/v1/assessments", None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.headers["content-type"], "application/json");
    let served = first.json();
    let expected =
        verity_compliance::assess(&jcpoa, &shipped, &verity_compliance::Options::default());
    assert_eq!(
        served["verdicts"],
        serde_json::to_value(&expected.verdicts).unwrap(),
        "{name}"
    );
    assert_eq!(
        served["first_breach"],
        serde_json::to_value(expected.first_breaches()).unwrap()
    );
    let v0 = served["verdicts"][0].as_object().unwrap();
    let mut served_fields: Vec<&str> = v0.keys().map(String::as_str).collect();
    served_fields.sort_unstable();
    let mut doc_fields = verdict_doc.clone();
    doc_fields.sort_unstable();
    assert_eq!(
        served_fields, doc_fields,
        "the OpenAPI VerdictDoc matches the served verdicts"
    );
    // Computed from the store's evidence, as the server does (the order records come
    // back in may change the last bits of a Monte Carlo sum, not more).
    let timeline = verity_compliance::breakout::timeline_all(
        &store_evidence,
        &verity_compliance::BreakoutOptions::default(),
    );
    let from_shipped = verity_compliance::breakout::timeline_all(
        &shipped,
        &verity_compliance::BreakoutOptions::default(),
    );
    assert_eq!(timeline.len(), from_shipped.len());
    for (a, b) in timeline.iter().zip(&from_shipped) {
        assert_eq!(a.date, b.date);
        assert!((a.days - b.days).abs() < 1e-9 * b.days.max(1.0));
    }
    assert_approx(
        &served["breakout"],
        &serde_json::to_value(&timeline).unwrap(),
    );
    // Cached: the second read is the same bytes.
    assert_eq!(
        get(app, "/api/v1/assessments", None).await.bytes,
        first.bytes
    );
    let iran = get(
        app,
        "/api/v1/assessments?party=iran&from=2019-01-01&to=2019-12-31&sigma=3",
        None,
    )
    .await
    .json();
    assert!(iran["verdicts"].as_array().unwrap().iter().all(|v| {
        let d = v["date"].as_str().unwrap();
        ("2019-01-01"..="2019-12-31").contains(&d)
    }));
    for (q, field) in [
        ("sigma=-1", "sigma"),
        ("sigma=abc", "sigma"),
        ("from=yesterday", "from"),
        ("from=2020-01-01&to=2019-01-01", "to"),
        ("party=mars", "party"),
        ("agreement=npt", "agreement"),
    ] {
        let r = get(app, &format!("/api/v1/assessments?{q}"), None).await;
        assert_eq!(r.status, 400, "{q}");
        if !field.is_empty() {
            assert_eq!(r.field().as_deref(), Some(field), "{q}");
        }
    }
    let tl = get(app, "/api/v1/breakout/timeline", None).await;
    assert_eq!(tl.status, 200);
    assert_approx(&tl.json(), &serde_json::to_value(&timeline).unwrap());

    // --- what-if breakout --------------------------------------------------------
    let wi = json!({"stocks": [{"assay_pct": 60, "kg_u": 400}], "centrifuges": [{"type": "IR-6", "count": 1000}], "samples": 500});
    assert_eq!(
        post_json(app, "/api/v1/breakout/what-if", None, &wi)
            .await
            .status,
        401
    );
    let r = post_json(app, "/api/v1/breakout/what-if", Some(&h.analyst), &wi).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    let r = r.json();
    let mut input = verity_physics::BreakoutInput::new(
        vec![verity_physics::Stock {
            assay: verity_physics::Assay::from_pct(60.0).unwrap(),
            kg_u: verity_physics::KgU::new(400.0).unwrap(),
        }],
        verity_physics::Capacity::Centrifuges(vec![verity_physics::MachineCount {
            kind: "IR-6".into(),
            count: 1000,
        }]),
    );
    input.performance = verity_physics::Performance::Central;
    // The headline is the fastest feasible route, the single cascade with its tails
    // optimised (the default when no tails are given).
    input.tails = verity_physics::Tails::Optimal;
    let plan = verity_physics::solve(&input).unwrap();
    assert!(
        (r["days"].as_f64().unwrap() - plan.days).abs() < 1e-9,
        "{r}"
    );
    assert_eq!(r["route"], "single_cascade", "{r}");
    let kinds: Vec<&str> = r["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["single_cascade", "staged"]);
    let (p05, p50, p95) = (
        r["uncertainty"]["p05_days"].as_f64().unwrap(),
        r["uncertainty"]["median_days"].as_f64().unwrap(),
        r["uncertainty"]["p95_days"].as_f64().unwrap(),
    );
    assert_eq!(r["uncertainty"]["samples"], 500, "{r}");
    assert!(p05 <= p50 && p50 <= p95 && p05 > 0.0, "{r}");
    for (body, field) in [
        (
            json!({"stocks": [{"assay_pct": 150, "kg_u": 1}], "centrifuges": [{"type": "IR-1", "count": 1}]}),
            "stocks[0].assay_pct",
        ),
        (
            json!({"stocks": [{"assay_pct": 5, "kg_u": -1}], "centrifuges": [{"type": "IR-1", "count": 1}]}),
            "stocks[0].kg_u",
        ),
        (
            json!({"stocks": [{"assay_pct": 5, "kg_u": "lots"}], "centrifuges": [{"type": "IR-1", "count": 1}]}),
            "stocks[0].kg_u",
        ),
        (
            json!({"stocks": [], "centrifuges": [{"type": "IR-9", "count": 1}]}),
            "centrifuges[0].type",
        ),
        (
            json!({"stocks": [], "centrifuges": [{"type": "IR-1", "count": -3}]}),
            "centrifuges[0].count",
        ),
        (json!({"stocks": []}), "centrifuges"),
        (
            json!({"stocks": [], "swu_per_year": 1000, "samples": 2_000_000}),
            "samples",
        ),
        (
            json!({"stocks": [], "swu_per_year": 1000, "efficiency": 2}),
            "efficiency",
        ),
        (
            json!({"stocks": [], "swu_per_year": 1000, "turbo": true}),
            "",
        ),
        // Figures that would overflow into "inf days", `null` or 0 days.
        (
            json!({"stocks": [{"assay_pct": 60, "kg_u": 400}], "swu_per_year": 1e-320}),
            "swu_per_year",
        ),
        (
            json!({"stocks": [{"assay_pct": 60, "kg_u": 400}], "centrifuges": [{"type": "IR-6", "count": 1000}], "target_u235_kg": 1e308}),
            "target_u235_kg",
        ),
    ] {
        let r = post_json(app, "/api/v1/breakout/what-if", Some(&h.analyst), &body).await;
        assert_eq!(
            r.status,
            400,
            "{body}: {}",
            String::from_utf8_lossy(&r.bytes)
        );
        if !field.is_empty() {
            assert_eq!(r.field().as_deref(), Some(field), "{body}");
        }
    }

    // --- a huge value is not echoed whole ------------------------------------------
    let big = "x".repeat(40_000);
    // (A URI is capped at 64 KB by the HTTP layer itself.)
    let long_id = "x".repeat(60_000);
    let r = get(app, &format!("/api/v1/agreements/{long_id}"), None).await;
    assert_eq!(r.status, 404);
    assert!(r.bytes.len() < 5_000, "{} bytes back", r.bytes.len());
    let r = post_json(
        app,
        "/api/v1/breakout/what-if",
        Some(&h.analyst),
        &json!({"preset": big}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.bytes.len() < 5_000, "{} bytes back", r.bytes.len());

    // --- the auth scheme is case-insensitive (RFC 9110 section 11.1) -------------
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let value = format!("{scheme} {}", h.analyst);
        let r = common::get_with(app, "/api/v1/me", &[("authorization", value.as_str())]).await;
        assert_eq!(r.status, 200, "{scheme}");
    }

    // --- breakout presets: public, each figure with its source -------------------
    let presets = get(app, "/api/v1/breakout/presets", None).await;
    assert_eq!(presets.status, 200);
    let presets = presets.json();
    let jcpoa = presets
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "jcpoa-limits")
        .expect("the JCPOA-limits scenario");
    // 5,060 IR-1 at Natanz (JCPOA Annex I para. 27).
    assert!(
        jcpoa["machines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "IR-1" && m["count"] == 5060)
    );
    assert!(
        presets
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["stocks"].as_array().unwrap())
            .all(|s| !s["source"].as_str().unwrap().is_empty())
    );

    // --- evidence: list ----------------------------------------------------------
    assert_eq!(get(app, "/api/v1/evidence", None).await.status, 401);
    let ev = get(app, "/api/v1/evidence", Some(&h.analyst)).await;
    assert_eq!(ev.status, 200);
    let ev = ev.json();
    assert_eq!(
        ev["measurements"].as_array().unwrap().len(),
        shipped.measurements.len()
    );
    assert_eq!(ev["events"].as_array().unwrap().len(), shipped.events.len());
    assert_eq!(
        ev["knowledge"].as_array().unwrap().len(),
        shipped.knowledge.len()
    );
    let stock = get(
        app,
        "/api/v1/evidence?metric_prefix=enriched_uranium_stock&party=iran",
        Some(&h.analyst),
    )
    .await
    .json();
    let n_stock = shipped
        .measurements
        .iter()
        .filter(|m| m.metric.id.starts_with("enriched_uranium_stock"))
        .count();
    assert_eq!(stock["measurements"].as_array().unwrap().len(), n_stock);
    assert!(
        stock["measurements"][0]["source"]["report"]
            .as_str()
            .unwrap()
            .starts_with("GOV/")
    );
    let r = get(app, "/api/v1/evidence?metric=unobtainium", Some(&h.analyst)).await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("metric"))
    );
    let r = get(app, "/api/v1/evidence?from=2019-02-30", Some(&h.analyst)).await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("from"))
    );

    // --- log: checkpoint, entries, proofs -----------------------------------------
    let cp = get(app, "/api/v1/log/checkpoint", None).await.json();
    let size0 = cp["tree_size"].as_u64().unwrap();
    assert_eq!(size0, 1, "{name}: one entry, the shipped record's import");
    let verifier =
        verity_ledger::NoteVerifier::from_text(cp["verifier_key"].as_str().unwrap()).unwrap();
    let note = verity_ledger::Note::parse(cp["text"].as_str().unwrap()).unwrap();
    note.verify(std::slice::from_ref(&verifier))
        .expect("the checkpoint verifies with the log key");
    let entries = get(app, "/api/v1/log/entries", None).await.json();
    assert_eq!(entries["entries"][0]["kind"], "evidence_import");
    assert_eq!(
        entries["entries"][0]["content"]["submitted_by"]["shipped"],
        true
    );
    let e0 = get(app, "/api/v1/log/entries/0", None).await.json();
    assert_eq!(e0, entries["entries"][0]);
    assert_eq!(get(app, "/api/v1/log/entries/5", None).await.status, 404);
    // Bad path segments and query values, and unknown routes, get the JSON error.
    let r = get(app, "/api/v1/log/entries/abc", None).await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("index"))
    );
    let r = get(app, "/api/v1/log/entries?limit=many", None).await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("limit"))
    );
    assert!(r.json()["error"].as_str().unwrap().contains("limit"));
    let r = get(app, "/api/v1/nope", None).await;
    assert_eq!(r.status, 404);
    assert!(
        r.json()["error"].as_str().unwrap().contains("/api/v1/nope"),
        "{}",
        r.json()
    );
    let r = call(app, "DELETE", "/api/v1/assessments", None, None).await;
    assert_eq!(r.status, 405);
    assert!(r.json()["error"].as_str().unwrap().contains("DELETE"));
    let r = get(app, "/api/v1/log/entries?limit=0", None).await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("limit"))
    );

    // --- evidence: import (inspector only, all or nothing, logged) ---------------
    let csv = |s: &str| Some(("text/csv", s.as_bytes().to_vec()));
    assert_eq!(
        call(app, "POST", "/api/v1/evidence", None, csv(GOOD_CSV))
            .await
            .status,
        401
    );
    assert_eq!(
        call(
            app,
            "POST",
            "/api/v1/evidence",
            Some(&h.analyst),
            csv(GOOD_CSV)
        )
        .await
        .status,
        403
    );
    assert_eq!(
        call(
            app,
            "POST",
            "/api/v1/evidence",
            Some(&h.admin),
            csv(GOOD_CSV)
        )
        .await
        .status,
        403
    );
    let before_assess = get(app, "/api/v1/assessments", None).await.bytes;
    let r = call(
        app,
        "POST",
        "/api/v1/evidence?name=q1.csv",
        Some(&h.inspector),
        csv(BAD_CSV),
    )
    .await;
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.bytes));
    let problems = r.json()["problems"].clone();
    assert!(
        problems[0].as_str().unwrap().starts_with("q1.csv:3:"),
        "{problems}"
    );
    assert_eq!(r.field().as_deref(), Some("metric"));
    assert_eq!(
        common::evidence(h).await.len(),
        shipped.len(),
        "nothing of a bad file is stored"
    );
    assert_eq!(
        get(app, "/api/v1/log/checkpoint", None).await.json()["tree_size"],
        size0
    );
    let r = call(
        app,
        "POST",
        "/api/v1/evidence",
        Some(&h.inspector),
        Some(("application/xml", b"<x/>".to_vec())),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = call(app, "POST", "/api/v1/evidence", Some(&h.inspector), csv("")).await;
    assert_eq!(r.status, 400);
    let r = call(
        app,
        "POST",
        "/api/v1/evidence?name=q2.csv",
        Some(&h.inspector),
        csv(GOOD_CSV),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let out = r.json();
    assert_eq!(out["measurements"], 1);
    assert_eq!(out["log_index"], size0);
    assert_eq!(common::evidence(h).await.len(), shipped.len() + 1);
    let after = get(app, "/api/v1/assessments", None).await;
    assert_ne!(
        after.bytes, before_assess,
        "an import invalidates the cached assessment"
    );
    assert!(
        after.json()["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["date"] == "2016-03-01")
    );
    // The same file again: every record already stored, nothing changes.
    let r = call(
        app,
        "POST",
        "/api/v1/evidence?name=q2.csv",
        Some(&h.inspector),
        csv(GOOD_CSV),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"].as_str().unwrap().contains("already"),
        "{}",
        r.json()
    );
    assert_eq!(common::evidence(h).await.len(), shipped.len() + 1);
    let entry = get(app, &format!("/api/v1/log/entries/{size0}"), None)
        .await
        .json();
    assert_eq!(entry["kind"], "evidence_import");
    assert_eq!(entry["content"]["files"], json!(["q2.csv"]));
    let sha = hex::encode(sha2::Sha256::digest(GOOD_CSV.as_bytes()));
    assert_eq!(entry["content"]["files_sha256"], json!([sha]));
    assert_eq!(entry["content"]["submitted_by"]["role"], "inspector");

    // --- log: signed statements from inspectors ------------------------------------
    let key = verity_ledger::NoteSigner::generate("inspector.example/alice").unwrap();
    let report = verity_ledger::SignedEntry::sign(
        &key,
        verity_ledger::Kind::InspectionReport,
        json!({"site": "Fordow", "finding": "seals intact"}),
    );
    let leaf: Value = serde_json::from_slice(report.leaf()).unwrap();
    assert_eq!(
        post_json(app, "/api/v1/log/entries", None, &leaf)
            .await
            .status,
        401
    );
    assert_eq!(
        post_json(app, "/api/v1/log/entries", Some(&h.analyst), &leaf)
            .await
            .status,
        403
    );
    let mut forged = leaf.clone();
    forged["content"]["finding"] = json!("seals broken");
    let r = post_json(app, "/api/v1/log/entries", Some(&h.inspector), &forged).await;
    assert_eq!(r.status, 400);
    assert!(
        matches!(
            r.field().as_deref(),
            Some("content_sha256") | Some("signature")
        ),
        "{}",
        r.json()
    );
    let mut bad_sig = leaf.clone();
    let other = verity_ledger::SignedEntry::sign(
        &key,
        verity_ledger::Kind::InspectionReport,
        json!({"x": 1}),
    );
    let other: Value = serde_json::from_slice(other.leaf()).unwrap();
    bad_sig["signature"] = other["signature"].clone();
    let r = post_json(app, "/api/v1/log/entries", Some(&h.inspector), &bad_sig).await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("signature"))
    );
    // A batch with one bad entry appends nothing.
    let size_before = get(app, "/api/v1/log/checkpoint", None).await.json()["tree_size"]
        .as_u64()
        .unwrap();
    let r = post_json(
        app,
        "/api/v1/log/entries",
        Some(&h.inspector),
        &json!([leaf.clone(), bad_sig]),
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.field().as_deref()),
        (400, Some("[1].signature"))
    );
    assert_eq!(
        get(app, "/api/v1/log/checkpoint", None).await.json()["tree_size"],
        size_before
    );
    let r = post_json(app, "/api/v1/log/entries", Some(&h.inspector), &leaf).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let appended = r.json();
    assert_eq!(appended["indices"], json!([size_before]));
    let size = appended["tree_size"].as_u64().unwrap();
    assert_eq!(size, size_before + 1);
    let cp = get(app, "/api/v1/log/checkpoint", None).await.json();
    assert_eq!(cp["tree_size"], size);
    assert_eq!(cp["text"], appended["checkpoint"]);

    // Every inclusion proof verifies against the checkpoint's root (RFC 9162 §2.1.3.2).
    let root = unhex(cp["root_hash_hex"].as_str().unwrap());
    for i in 0..size {
        let p = get(
            app,
            &format!("/api/v1/log/proofs/inclusion?index={i}"),
            None,
        )
        .await;
        assert_eq!(p.status, 200);
        let p = p.json();
        let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "leaf_hash_hex",
                "leaf_index",
                "proof_hex",
                "root_hash_hex",
                "tree_size"
            ]
        );
        let proof: Vec<[u8; 32]> = p["proof_hex"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| unhex(h.as_str().unwrap()))
            .collect();
        assert_eq!(unhex(p["root_hash_hex"].as_str().unwrap()), root);
        let leaf_hash = unhex(p["leaf_hash_hex"].as_str().unwrap());
        merkle::verify_inclusion(i, size, &leaf_hash, &proof, &root)
            .expect("inclusion proof verifies");
        let mut wrong = leaf_hash;
        wrong[0] ^= 1;
        assert!(merkle::verify_inclusion(i, size, &wrong, &proof, &root).is_err());
    }
    let old = get(app, "/api/v1/log/proofs/inclusion?index=0&size=1", None)
        .await
        .json();
    let c = get(
        app,
        &format!("/api/v1/log/proofs/consistency?old=1&new={size}"),
        None,
    )
    .await;
    assert_eq!(c.status, 200);
    let c = c.json();
    let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "new_root_hex",
            "new_size",
            "old_root_hex",
            "old_size",
            "proof_hex"
        ]
    );
    assert_eq!(c["old_root_hex"], old["root_hash_hex"]);
    assert_eq!(c["new_root_hex"], cp["root_hash_hex"]);
    let proof: Vec<[u8; 32]> = c["proof_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| unhex(h.as_str().unwrap()))
        .collect();
    merkle::verify_consistency(
        1,
        size,
        &unhex(c["old_root_hex"].as_str().unwrap()),
        &root,
        &proof,
    )
    .expect("consistency proof verifies");
    for (q, field) in [
        (format!("inclusion?index={size}"), "index"),
        (format!("inclusion?index=0&size={}", size + 1), "size"),
        ("inclusion?index=-1".to_owned(), "index"),
        ("inclusion?index=abc".to_owned(), "index"),
        ("inclusion".to_owned(), "index"),
        ("consistency?old=1&new=x".to_owned(), "new"),
        (format!("consistency?old=0&new={size}"), "old"),
        (format!("consistency?old={}&new={size}", size + 1), "old"),
        (format!("consistency?old=1&new={}", size + 1), "new"),
    ] {
        let r = get(app, &format!("/api/v1/log/proofs/{q}"), None).await;
        assert_eq!(r.status, 400, "{q}");
        if !field.is_empty() {
            assert_eq!(r.field().as_deref(), Some(field), "{q}");
        }
    }
}

/// The log as C2SP tlog-tiles under /log/: the checkpoint as text, tiles and bundles
/// that agree with it, immutable caching, gzip on request, 404 outside the tree.
async fn tiles(h: &Harness) {
    let app = &h.app;
    let cp = get_with(app, "/log/checkpoint", &[]).await;
    assert_eq!(cp.status, 200);
    assert_eq!(cp.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(cp.headers["cache-control"], "no-cache");
    let text = String::from_utf8(cp.bytes.clone()).unwrap();
    let body = verity_ledger::Note::parse(&text).unwrap();
    let c = verity_ledger::Checkpoint::parse_body(body.text()).unwrap();
    // The JSON API's checkpoint is the same note.
    let api = get(app, "/api/v1/log/checkpoint", None).await.json();
    assert_eq!(api["text"], text);
    let n = c.size;
    assert!((1..256).contains(&n), "a small test log: {n}");
    let t = get_with(app, &format!("/log/tile/0/000.p/{n}"), &[]).await;
    assert_eq!(t.status, 200);
    assert_eq!(t.headers["content-type"], "application/octet-stream");
    assert_eq!(
        t.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(t.bytes.len() as u64, 32 * n);
    let leaves: Vec<[u8; 32]> = t.bytes.chunks(32).map(|c| c.try_into().unwrap()).collect();
    assert_eq!(
        verity_ledger::merkle::root_from_leaf_hashes(&leaves),
        c.root
    );
    let e = get_with(app, &format!("/log/tile/entries/000.p/{n}"), &[]).await;
    let entries = verity_ledger::tiles::unbundle(&e.bytes).unwrap();
    assert_eq!(entries.len() as u64, n);
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(verity_ledger::merkle::leaf_hash(entry), leaves[i]);
    }
    // gzip when asked for, the same bytes inside.
    let z = get_with(
        app,
        &format!("/log/tile/entries/000.p/{n}"),
        &[("accept-encoding", "gzip, identity")],
    )
    .await;
    assert_eq!(z.headers["content-encoding"], "gzip");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&z.bytes[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, e.bytes);
    // Outside the tree, or not a tile path: 404 with the JSON error body.
    for p in [
        format!("/log/tile/0/000.p/{}", n + 1),
        "/log/tile/0/000".to_owned(),
        "/log/tile/1/000.p/1".to_owned(),
        "/log/tile/0/0.p/1".to_owned(),
        "/log/tile/entries/x000/000.p/1".to_owned(),
    ] {
        let r = get_with(app, &p, &[]).await;
        assert_eq!(r.status, 404, "{p}");
        assert!(r.json()["error"].is_string(), "{p}");
    }
}

#[test]
fn tiles_on_sqlite() {
    let h = common::sqlite();
    common::runtime().block_on(tiles(&h));
}

#[test]
fn tiles_on_postgres() {
    let Some(h) = common::postgres("tiles") else {
        return;
    };
    common::runtime().block_on(tiles(&h));
}

#[test]
fn every_route_on_sqlite() {
    let h = common::sqlite();
    common::runtime().block_on(suite(&h));
}

#[test]
fn every_route_on_postgres() {
    let Some(h) = common::postgres("api") else {
        return;
    };
    common::runtime().block_on(suite(&h));
}
