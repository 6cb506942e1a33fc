//! Every API answer equals its CLI answer for the same inputs: the report, the
//! assessment, the breakout what-if and the obligations, on SQLite and PostgreSQL.
//! The server runs in-process over a store; the `verity` binary reads the same store
//! with `--db`. Both go through `verity-app`, so the documents must be identical,
//! value for value.

use std::sync::Arc;

use assert_cmd::Command;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use verity_app::Location;
use verity_server::{AppState, auth, bootstrap};

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

struct Served {
    app: axum::Router,
    token: String,
    /// The store as the CLI is given it (`--db`).
    location: String,
    _dir: tempfile::TempDir,
    pg_schema: Option<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(schema) = &self.pg_schema
            && let Ok(mut c) = postgres::Client::connect(PG_URL, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
}

fn serve(location: String, dir: tempfile::TempDir, pg_schema: Option<String>) -> Served {
    let loc: Location = location.parse().unwrap();
    let opened =
        bootstrap::open(&loc, Some(&dir.path().join("log.key")), "test.example/log").unwrap();
    assert!(
        opened.imported_shipped.is_some(),
        "a new store gets the shipped record"
    );
    let token = auth::generate_token().unwrap();
    opened
        .db
        .create_token(auth::Role::Analyst, "test", &auth::hash_token(&token))
        .unwrap();
    let state = AppState::new(
        Arc::new(opened.db),
        vec![verity_agreement::jcpoa().unwrap()],
    );
    Served {
        app: verity_server::app(state),
        token,
        location,
        _dir: dir,
        pg_schema,
    }
}

fn sqlite() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let location = format!("sqlite://{}", dir.path().join("verity.db").display());
    serve(location, dir, None)
}

fn postgres() -> Option<Served> {
    if let Err(e) = postgres::Client::connect(PG_URL, postgres::NoTls) {
        println!("skipping the PostgreSQL run: {PG_URL} is unreachable ({e})");
        return None;
    }
    let schema = format!("verity_cli_equality_{}", std::process::id());
    let location = format!("{PG_URL}?schema={schema}");
    Some(serve(location, tempfile::tempdir().unwrap(), Some(schema)))
}

async fn call(s: &Served, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {}", s.token));
    let req = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            req.body(Body::from(serde_json::to_vec(b).unwrap()))
        }
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = s.app.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{path}: not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, value)
}

fn cli(args: &[&str]) -> Value {
    let out = Command::cargo_bin("verity")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "verity {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("verity {}: not JSON ({e})", args.join(" ")))
}

fn cli_err(args: &[&str]) -> String {
    let out = Command::cargo_bin("verity")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "verity {}", args.join(" "));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The first path at which two documents differ, for a readable failure.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (u, v) = (x.get(k), y.get(k));
                match (u, v) {
                    (Some(u), Some(v)) => {
                        if let Some(d) = first_difference(u, v, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                    _ => return Some(format!("{path}.{k}: {u:?} vs {v:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} vs {} items", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (u, v))| first_difference(u, v, &format!("{path}[{i}]")))
        }
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

fn same(what: &str, api: &Value, cli: &Value) {
    if let Some(d) = first_difference(api, cli, "") {
        panic!("{what}: the API and the CLI differ at {d}");
    }
}

async fn suite(s: &Served) {
    let db = s.location.as_str();

    // The report, whole record and with every filter.
    let (st, api) = call(s, "GET", "/api/v1/report", None).await;
    assert_eq!(st, 200, "{api}");
    assert!(api["verdicts"].as_array().unwrap().len() > 100);
    assert!(!api["breakout"].as_array().unwrap().is_empty());
    same(
        "report",
        &api,
        &cli(&["report", "--format", "json", "--db", db]),
    );
    let q = "party=iran&from=2019-01-01&to=2024-12-31&as_of=2023-06-30&sigma=1.5";
    let (st, api) = call(s, "GET", &format!("/api/v1/report?{q}"), None).await;
    assert_eq!(st, 200, "{api}");
    assert_eq!(api["query"]["as_of"], "2023-06-30");
    // The record as it stood then: nothing published later is in it.
    let last = api["breakout"].as_array().unwrap().last().unwrap()["date"].clone();
    assert!(last.as_str().unwrap() <= "2023-06-30", "{last}");
    same(
        "report with filters",
        &api,
        &cli(&[
            "report",
            "--format",
            "json",
            "--db",
            db,
            "--party",
            "iran",
            "--from",
            "2019-01-01",
            "--to",
            "2024-12-31",
            "--as-of",
            "2023-06-30",
            "--sigma",
            "1.5",
        ]),
    );

    // The assessment.
    let (st, api) = call(
        s,
        "GET",
        "/api/v1/assessments?party=iran&from=2020-01-01",
        None,
    )
    .await;
    assert_eq!(st, 200, "{api}");
    same(
        "assessment",
        &api,
        &cli(&[
            "assess",
            "--json",
            "--db",
            db,
            "--party",
            "iran",
            "--from",
            "2020-01-01",
        ]),
    );

    // The assessment under a party's reading (Russia's, by name).
    let (st, api) = call(
        s,
        "GET",
        "/api/v1/assessments?from=2025-01-01&reading=Russia",
        None,
    )
    .await;
    assert_eq!(st, 200, "{api}");
    let contested = api["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .filter(|v| v["finding"] != v["status"])
        .count();
    assert!(contested > 0, "Russia's reading changes some verdicts");
    same(
        "assessment under a reading",
        &api,
        &cli(&[
            "assess",
            "--json",
            "--db",
            db,
            "--from",
            "2025-01-01",
            "--reading",
            "Russia",
        ]),
    );

    // The obligations in force on a date, for a party, on the store's record.
    let (st, api) = call(
        s,
        "GET",
        "/api/v1/agreements/jcpoa/obligations?on=2017-01-01&party=iran",
        None,
    )
    .await;
    assert_eq!(st, 200, "{api}");
    let doc = cli(&[
        "agreement",
        "show",
        "--json",
        "--on",
        "2017-01-01",
        "--party",
        "iran",
        "--db",
        db,
    ]);
    same("obligations", &api, &doc["obligations"]);
    let (_, agreement) = call(s, "GET", "/api/v1/agreements/jcpoa", None).await;
    same("key days", &agreement["key_days"], &doc["key_days"]);

    // Breakout what-if: the body the flags make, and the defaults of both.
    let cases: [(Value, Vec<&str>); 5] = [
        (
            json!({"stocks": [{"assay_pct": 60, "kg_u": 408.6}], "centrifuges": [{"type": "IR-6", "count": 1392}],
                   "quantity": 3, "sq_definition": "wgu", "cascades": [{"type": "IR-6", "count": 3}],
                   "equilibrium_days": 0.5, "samples": 1000}),
            vec![
                "--stock",
                "60:408.6",
                "--centrifuges",
                "IR-6:1392",
                "--quantity",
                "3",
                "--sq-definition",
                "wgu",
                "--cascades",
                "IR-6:3",
                "--equilibrium-days",
                "0.5",
                "--samples",
                "1000",
            ],
        ),
        (
            json!({"stocks": [], "preset": "iaea-2021-02", "site": "fordow", "samples": 500}),
            vec![
                "--preset",
                "iaea-2021-02",
                "--site",
                "fordow",
                "--samples",
                "500",
            ],
        ),
        (
            json!({"stocks": [{"assay_pct": 60, "kg_u": 408.6}, {"assay_pct": 20, "kg_u": 274.8}],
                   "centrifuges": [{"type": "IR-6", "count": 1392}, {"type": "IR-1", "count": 5060}],
                   "tails_pct": 0.25, "target_u235_kg": 50, "samples": 3000, "seed": 7}),
            vec![
                "--stock",
                "60:408.6",
                "--stock",
                "20:274.8",
                "--centrifuges",
                "IR-6:1392",
                "--centrifuges",
                "IR-1:5060",
                "--tails",
                "0.25",
                "--target-u235-kg",
                "50",
                "--samples",
                "3000",
                "--seed",
                "7",
            ],
        ),
        (
            json!({"stocks": [{"assay_pct": 3.67, "kg_u": 202.8}], "swu_per_year": 3000,
                   "optimise_tails": true, "natural": true, "target_pct": 93, "samples": 2000}),
            vec![
                "--stock",
                "3.67:202.8",
                "--swu-per-year",
                "3000",
                "--optimise-tails",
                "--target-pct",
                "93",
                "--samples",
                "2000",
            ],
        ),
        (
            json!({"stocks": [{"assay_pct": 60, "kg_u": 440}], "centrifuges": [{"type": "IR-2m", "count": 1000}]}),
            vec!["--stock", "60:440", "--centrifuges", "IR-2m:1000"],
        ),
    ];
    for (body, flags) in cases {
        let (st, api) = call(s, "POST", "/api/v1/breakout/what-if", Some(&body)).await;
        assert_eq!(st, 200, "{body}: {api}");
        let mut args = vec!["breakout", "--json"];
        args.extend(flags);
        same(&format!("what-if {body}"), &api, &cli(&args));
    }

    // The dispute procedures invoked in the record.
    let (st, api) = call(s, "GET", "/api/v1/disputes", None).await;
    assert_eq!(st, 200, "{api}");
    assert!(api["disputes"].as_array().unwrap().len() >= 2, "{api}");
    same("disputes", &api, &cli(&["disputes", "--json", "--db", db]));

    // Bad input: the same field and the same words on both faces.
    let (st, api) = call(s, "GET", "/api/v1/report?from=2025-13-01", None).await;
    assert_eq!((st, api["field"].as_str()), (400, Some("from")), "{api}");
    assert!(
        api["error"]
            .as_str()
            .unwrap()
            .contains("month 13 does not exist"),
        "{api}"
    );
    let err = cli_err(&["report", "--db", db, "--from", "2025-13-01"]);
    assert!(
        err.contains("--from 2025-13-01: month 13 does not exist"),
        "{err}"
    );
    // The workbench: an evaluation from the record and a search, value for value.
    for (body, args) in [
        (
            json!({"proposal": "jcpoa-2015", "from": "2025-05-17", "samples": 300}),
            vec![
                "deal",
                "evaluate",
                "--proposal",
                "jcpoa-2015",
                "--from",
                "2025-05-17",
                "--samples",
                "300",
            ],
        ),
        (
            json!({"proposal": "no-deal", "from": "2025-05-17", "samples": 200,
                "start": {"stocks": [{"assay_pct": 60, "kg_u": 408.6}],
                    "machines": [{"machine": "IR-6", "site": "fordow", "enriching": 1044, "installed": 1392}]}}),
            vec![
                "deal",
                "evaluate",
                "--proposal",
                "no-deal",
                "--from",
                "2025-05-17",
                "--samples",
                "200",
                "--stock",
                "60:408.6",
                "--machines",
                "IR-6@fordow:1044/1392",
            ],
        ),
        (
            json!({"proposal": "us-2025-05", "samples": 200, "seed": 9, "reinstall_per_month": 500}),
            vec![
                "deal",
                "evaluate",
                "--proposal",
                "us-2025-05",
                "--samples",
                "200",
                "--seed",
                "9",
                "--reinstall-per-month",
                "500",
            ],
        ),
    ] {
        let (st, api) = call(s, "POST", "/api/v1/deals/evaluate", Some(&body)).await;
        assert_eq!(st, 200, "{api}");
        let mut args = args.clone();
        args.extend(["--json", "--db", db]);
        same(&format!("deal evaluate {body}"), &api, &cli(&args));
    }
    let body = json!({"axes": ["ir1=0..10000:6", "reinstall_per_month=0..1000:3"], "from": "2025-05-17", "samples": 100});
    let (st, api) = call(s, "POST", "/api/v1/deals/search", Some(&body)).await;
    assert_eq!(st, 200, "{api}");
    assert_eq!(api["points"].as_array().unwrap().len(), 18);
    same(
        "deal search",
        &api,
        &cli(&[
            "deal",
            "search",
            "--axis",
            "ir1=0..10000:6",
            "--axis",
            "reinstall_per_month=0..1000:3",
            "--from",
            "2025-05-17",
            "--samples",
            "100",
            "--json",
            "--db",
            db,
        ]),
    );
    // The axes in parts, under the flag's name, are the same search.
    let parts = json!({"axis": [{"name": "ir1", "lo": 0, "hi": 10000, "steps": 6},
        {"name": "reinstall_per_month", "lo": 0, "hi": 1000, "steps": 3}],
        "from": "2025-05-17", "samples": 100});
    let (st, by_parts) = call(s, "POST", "/api/v1/deals/search", Some(&parts)).await;
    assert_eq!(st, 200, "{by_parts}");
    assert_eq!(by_parts, api);
    let (st, api) = call(
        s,
        "POST",
        "/api/v1/deals/search",
        Some(&json!({"axes": ["ir3=0..5"]})),
    )
    .await;
    assert_eq!((st, api["field"].as_str()), (400, Some("axes[0]")), "{api}");
    let (st, api) = call(
        s,
        "POST",
        "/api/v1/deals/evaluate",
        Some(&json!({"proposal": "no-deal",
            "start": {"machines": [{"machine": "IR-9", "enriching": 3}]}})),
    )
    .await;
    assert_eq!(
        (st, api["field"].as_str()),
        (400, Some("start.machines[0].machine")),
        "{api}"
    );
    let err = cli_err(&[
        "deal",
        "evaluate",
        "--proposal",
        "no-deal",
        "--machines",
        "IR-9:3",
        "--db",
        db,
    ]);
    assert!(
        err.contains("--machines IR-9:3: expected a machine type"),
        "{err}"
    );
    let err = cli_err(&["deal", "search", "--axis", "ir3=0..5", "--db", db]);
    assert!(err.contains("--axis ir3=0..5: unknown axis `ir3`"), "{err}");
    let (st, api) = call(
        s,
        "POST",
        "/api/v1/deals/evaluate",
        Some(&json!({"proposal": "jcpoa-2015", "from": "1999-01-01"})),
    )
    .await;
    assert_eq!((st, api["field"].as_str()), (400, Some("from")), "{api}");
    let err = cli_err(&[
        "deal",
        "evaluate",
        "--proposal",
        "jcpoa-2015",
        "--from",
        "1999-01-01",
        "--db",
        db,
    ]);
    assert!(
        err.contains("--from 1999-01-01: the record has no report"),
        "{err}"
    );

    let body = json!({"stocks": [], "swu_per_year": 1000, "efficiency": 1.5});
    let (st, api) = call(s, "POST", "/api/v1/breakout/what-if", Some(&body)).await;
    assert_eq!(
        (st, api["field"].as_str()),
        (400, Some("efficiency")),
        "{api}"
    );
    let err = cli_err(&["breakout", "--swu-per-year", "1000", "--efficiency", "1.5"]);
    assert!(
        err.contains("--efficiency 1.5: the cascade-efficiency factor must lie in (0, 1]"),
        "{err}"
    );
    assert!(
        api["error"]
            .as_str()
            .unwrap()
            .contains("the cascade-efficiency factor must lie in (0, 1]"),
        "{api}"
    );
}

/// The PostgreSQL client blocks, so stores are opened (and dropped) outside the async
/// runtime that drives the router.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn api_and_cli_answer_alike_on_sqlite() {
    let s = sqlite();
    runtime().block_on(async {
        suite(&s).await;
        // A new user's `verity report` (the shipped record, no store) says what a new
        // server says.
        let (_, api) = call(&s, "GET", "/api/v1/report", None).await;
        same(
            "report on the shipped record",
            &api,
            &cli(&["report", "--format", "json"]),
        );
    });
}

#[test]
fn api_and_cli_answer_alike_on_postgres() {
    let Some(s) = postgres() else { return };
    runtime().block_on(suite(&s));
}
